# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The French translation of the module: loaded into Odoo, used by labels, selection values,
error messages and views, and complete (regenerate with ``bash scripts/i18n_update.sh``)."""

import re
from pathlib import Path

import polib

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

MODULE = "l10n_fr_chorus_pro"
I18N_DIR = Path(__file__).resolve().parents[1] / "i18n"
PO_PATH = I18N_DIR / "fr.po"
POT_PATH = I18N_DIR / f"{MODULE}.pot"
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdrf]|%[sdrf]")


@tagged("post_install", "-at_install")
class TestI18n(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms([MODULE], ["fr_FR"], overwrite=True)
        cls.env_fr = cls.env(context=dict(cls.env.context, lang="fr_FR"))

    def _field_label(self, model, name, lang="fr_FR"):
        field = self.env["ir.model.fields"]._get(model, name)
        self.assertTrue(field, f"{model}.{name} is not a field")
        return field.with_context(lang=lang).field_description

    # (a) field labels
    def test_field_labels_in_french(self):
        expected = {
            ("account.move", "chorus_billing_frame"): ("Billing Frame", "Cadre de facturation"),
            ("account.move", "chorus_service_id"): ("Chorus Service", "Service Chorus Pro"),
            ("account.move", "chorus_status"): ("Chorus Pro Status", "Statut Chorus Pro"),
            ("account.move", "chorus_beneficiary_ids"): ("Beneficiaries", "Bénéficiaires"),
            ("res.partner", "chorus_recipient"): ("Chorus Pro Recipient", "Destinataire Chorus Pro"),
        }
        for (model, name), (english, french) in expected.items():
            with self.subTest(field=f"{model}.{name}"):
                self.assertEqual(self._field_label(model, name, lang="en_US"), english)
                self.assertEqual(self._field_label(model, name), french)
        # The labels the web client gets (fields_get) are the French ones too.
        description = self.env_fr["account.move"].fields_get(
            ["chorus_billing_frame", "chorus_service_id"], ["string"]
        )
        self.assertEqual(description["chorus_billing_frame"]["string"], "Cadre de facturation")
        self.assertEqual(description["chorus_service_id"]["string"], "Service Chorus Pro")

    # (b) selection values
    def test_selection_labels_in_french(self):
        statuses = dict(
            self.env_fr["account.move"]._fields["chorus_status"]._description_selection(self.env_fr)
        )
        self.assertEqual(statuses["MISE_EN_PAIEMENT"], "Mise en paiement")
        self.assertEqual(statuses["SUSPENDUE"], "Suspendue (pièces manquantes)")
        self.assertEqual(statuses["REJETEE"], "Rejetée")
        self.assertTrue(statuses["A_RECYCLER"].startswith("A recycler"))
        frames = dict(
            self.env_fr["account.move"].fields_get(["chorus_billing_frame"], ["selection"])[
                "chorus_billing_frame"
            ]["selection"]
        )
        self.assertEqual(frames["A1"], "A1 - Facture fournisseur")
        # English stays English.
        statuses_en = dict(
            self.env["account.move"]
            ._fields["chorus_status"]
            ._description_selection(self.env(context=dict(self.env.context, lang="en_US")))
        )
        self.assertEqual(statuses_en["MISE_EN_PAIEMENT"], "Payment ordered")

    # (c) error messages raised by the code (self.env._)
    def test_validation_error_in_french(self):
        partner_model = self.env_fr["res.partner"]
        with self.assertRaises(ValidationError) as caught:
            partner_model.create(
                {
                    "name": "Mairie de Test",
                    "is_company": True,
                    "chorus_recipient": True,
                    # 14 digits, wrong check digit (22930008201453 is valid).
                    "company_registry": "22930008201454",
                }
            )
        message = str(caught.exception)
        self.assertIn("clé de contrôle erronée", message)
        self.assertIn("22930008201454", message)
        self.assertIn("Mairie de Test", message)
        self.assertNotIn("wrong check digit", message)
        # The same mistake in English.
        with self.assertRaises(ValidationError) as caught_en:
            self.env(context=dict(self.env.context, lang="en_US"))["res.partner"].create(
                {
                    "name": "Test City Hall",
                    "is_company": True,
                    "chorus_recipient": True,
                    "company_registry": "22930008201454",
                }
            )
        self.assertIn("wrong check digit", str(caught_en.exception))

    # (d) views
    def test_invoice_view_in_french(self):
        view = self.env.ref(f"{MODULE}.view_move_form_chorus_pro")
        arch_fr = view.with_context(lang="fr_FR").arch_db
        self.assertIn('string="Chorus Pro"', arch_fr)  # page title (the same in French)
        for title in (
            "Acheminement",
            "Suivi",
            "Pièces justificatives",
            "Bénéficiaires",
            "Numéro d'engagement (EJ)",
            "Numéro de marché",
            "Code service",
            "Mettre à jour depuis Chorus Pro",
        ):
            with self.subTest(title=title):
                self.assertIn(title, arch_fr)
        self.assertNotIn("Supporting Documents", arch_fr)
        self.assertIn("Supporting Documents", view.with_context(lang="en_US").arch_db)
        # The form the web client renders (core view + our extension) carries them too.
        arch = self.env_fr["account.move"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="chorus_pro"', arch)
        self.assertIn("Pièces justificatives", arch)
        self.assertIn("Bénéficiaires", arch)

    # (e) completeness of the catalogue
    def test_po_file_complete(self):
        po = polib.pofile(str(PO_PATH))
        self.assertEqual(po.metadata.get("Language"), "fr")
        self.assertEqual(po.metadata.get("Plural-Forms"), "nplurals=2; plural=(n > 1);")
        entries = [entry for entry in po if not entry.obsolete]
        self.assertGreater(len(entries), 100)
        self.assertEqual([e.msgid for e in po.untranslated_entries()], [], "untranslated entries")
        self.assertEqual([e.msgid for e in po.fuzzy_entries()], [], "fuzzy entries")
        for entry in entries:
            with self.subTest(msgid=entry.msgid):
                self.assertTrue(entry.msgstr.strip())
                self.assertEqual(
                    sorted(PLACEHOLDER.findall(entry.msgid)),
                    sorted(PLACEHOLDER.findall(entry.msgstr)),
                    "placeholders differ",
                )
        # Every term of the template is in the catalogue (run scripts/i18n_update.sh).
        template = {entry.msgid for entry in polib.pofile(str(POT_PATH)) if not entry.obsolete}
        missing = sorted(template - {entry.msgid for entry in entries})
        self.assertEqual(missing, [], "terms of the template missing from fr.po")
        # Odoo merges the template into the catalogue when it loads it: a term of fr.po the
        # template lacks is dropped and shown in English (scripts/i18n_update.sh adds it).
        extra = sorted({entry.msgid for entry in entries} - template)
        self.assertEqual(extra, [], "terms of fr.po missing from the template: Odoo ignores them")
