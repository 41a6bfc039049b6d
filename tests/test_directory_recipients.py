# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Recipients from the Chorus Pro directory (issue 20, point 1): the address and name at the
first use and in sync, the difference with what the user typed shown and chosen, and *Add a
public body by SIRET* from the contacts and from the invoice. Against the project's
simulator over real HTTP; the client is never patched."""

from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from ..models.chorus_pro_connector_directory import FAILED_ADDRESS_KEY
from .common import ChorusProSimulatorCommon

PARIS1 = "l10n_fr_chorus_pro.partner_university_19751717000019"
COMMUNE_SIRET = "21930066200018"  # valid checksum, not in the simulator's seed
UNKNOWN_SIRET = "21930077900010"  # valid checksum, unknown to the directory
COMMUNE_ADDRESS = {
    "adresse": "Place de la Mairie",
    "complementAdresse1": "BP 12",
    "codePostal": "93300",
    "ville": "Aubervilliers",
    "pays": "FR",
}


@tagged("post_install", "-at_install")
class TestDirectoryRecipients(ChorusProSimulatorCommon):
    # ------------------------------------------------------------------ helpers
    def _action_context(self, xmlid, **ui_context):
        """The context the web client gives the window action ``xmlid`` opened with
        ``ui_context`` (active_model, active_id(s)), the action's own context evaluated."""
        action = self.env.ref(xmlid)
        context = dict(ui_context)
        context.update(safe_eval(action.context or "{}", dict(context, context=context)))
        return context

    def _add_by_siret(self, siret, **ui_context):
        """Add a public body by SIRET as the user does: the wizard opened with the UI's
        context, the SIRET typed, *Add from the directory* clicked. Returns the action."""
        context = self._action_context("l10n_fr_chorus_pro.action_chorus_pro_add_recipient", **ui_context)
        form = Form(self.env["chorus.pro.add.recipient.wizard"].with_context(**context))
        form.siret = siret
        return form.save().action_add()

    def _commune(self, services=True):
        id_structure = self.sim.add_structure(
            COMMUNE_SIRET,
            "COMMUNE D'AUBERVILLIERS",
            public=True,
            service_required=True,
            address=COMMUNE_ADDRESS,
        )
        if services:
            self.sim.add_service(id_structure, "CCAS", "Centre communal d'action sociale", ej_required=True)
            self.sim.add_service(
                id_structure,
                "VOIRIE",
                "Voirie",
                address={"adresse": "2 rue des Cités", "codePostal": "93300", "ville": "Aubervilliers"},
            )
        return id_structure

    # ------------------------------------------------------------------ first use
    def test_first_invoice_to_a_seeded_university_takes_its_address(self):
        university = self.env.ref(PARIS1)
        self.assertEqual((university.street, university.zip, university.city), (False, False, "Paris"))
        move = self._chorus_invoice(partner=university, partner_bank_id=self.bank_account.id)
        # Deposit to Chorus Pro, from the invoice list: the checklist of the first invoice.
        wizard = self._open_from_list(move)
        recipient = wizard.line_ids.filtered(lambda line: line.code == "recipient")
        self.assertTrue(recipient.ok, recipient.message)
        self.assertEqual(
            (university.street, university.zip, university.city, university.country_id.code),
            ("12 place du Panthéon", "75005", "Paris", "FR"),
        )
        self.assertFalse(university.chorus_directory_pending)
        self.assertIn("12 place du Panthéon", university.message_ids[:1].body)
        # Read once: the next checks do not call the directory again.
        calls = dict(self.sim.calls)
        self.assertTrue(self._checklist(move)["recipient"]["ok"])
        self.assertEqual(dict(self.sim.calls), calls)

    def test_first_invoice_directory_unreachable(self):
        university = self.env.ref(PARIS1)
        self.company.chorus_api_url = "http://127.0.0.1:9"  # nothing listens there
        move = self._chorus_invoice(partner=university, partner_bank_id=self.bank_account.id)
        item = self._checklist(move)["recipient"]
        self.assertFalse(item["ok"])
        self.assertIn("Enter the address of", item["message"])
        self.assertIn("could not be read from the Chorus Pro directory", item["message"])
        self.assertFalse(university.street)
        # Reachable again: the next check reads it (the failure is not remembered).
        self.company.chorus_api_url = self.server.url
        self.env.cr.cache.pop(FAILED_ADDRESS_KEY, None)  # a new request
        self.assertTrue(self._checklist(move)["recipient"]["ok"])
        self.assertEqual(university.zip, "75005")

    # ------------------------------------------------------------------ diff
    def test_typed_address_is_never_overwritten_and_the_choice_is_applied(self):
        university = self.university  # its street typed by the user (tests' common setup)
        typed = university.street
        self.assertEqual(typed, "58 boulevard Charles Livon")
        university.action_chorus_sync_directory()  # Read from the Chorus Pro directory
        self.assertEqual(university.street, typed)
        self.assertTrue(university.chorus_directory_pending)
        self.assertEqual(
            university.chorus_directory_proposal, {"street": "Jardin du Pharo, 58 boulevard Charles Livon"}
        )
        self.assertIn(typed, university.chorus_directory_diff)
        self.assertIn("Jardin du Pharo", university.chorus_directory_diff)
        # The banner and its buttons are on the partner form.
        arch = self.env["res.partner"].get_view(view_type="form")["arch"]
        for text in ("action_chorus_use_directory_address", "action_chorus_keep_my_address"):
            self.assertIn(text, arch)

        # Keep mine: the proposal goes, and does not come back for the same values.
        university.action_chorus_keep_my_address()
        self.assertFalse(university.chorus_directory_pending)
        university.action_chorus_sync_directory()
        self.assertFalse(university.chorus_directory_pending)
        self.assertEqual(university.street, typed)

        # The directory changes: a new proposal, which the user takes this time.
        new_address = {
            "adresse": "3 place Victor Hugo",
            "codePostal": "13003",
            "ville": "Marseille",
            "pays": "FR",
        }
        self.sim.update_structure("13001533200013", address=new_address, name="AIX MARSEILLE UNIVERSITE")
        university.action_chorus_sync_directory()
        # The name differs by case and accents only: no proposal. The ZIP was the
        # directory's: it follows the directory.
        self.assertEqual(university.chorus_directory_proposal, {"street": "3 place Victor Hugo"})
        self.assertEqual((university.street, university.zip), (typed, "13003"))
        university.action_chorus_use_directory_address()
        self.assertEqual((university.street, university.zip), ("3 place Victor Hugo", "13003"))
        self.assertEqual(university.name, "Aix-Marseille Université")
        self.assertFalse(university.chorus_directory_pending)

        # Values taken from the directory follow it silently.
        self.sim.update_structure("13001533200013", address=dict(new_address, adresse="5 place Victor Hugo"))
        university.action_chorus_sync_directory()
        self.assertEqual(university.street, "5 place Victor Hugo")
        self.assertFalse(university.chorus_directory_pending)

    def test_weekly_cron_fills_empty_addresses(self):
        university = self.env.ref(PARIS1)
        self.env["chorus.pro.connector"]._cron_sync_directory()
        self.assertEqual((university.street, university.zip), ("12 place du Panthéon", "75005"))

    # ------------------------------------------------------------------ add by SIRET
    def test_add_public_body_with_services_from_contacts(self):
        self._commune()
        # The contacts list's header button: no record selected.
        action = self._add_by_siret("219 300 662 00018", active_model="res.partner", active_ids=[])
        partner = self.env["res.partner"].browse(action["res_id"])
        self.assertEqual(action["res_model"], "res.partner")
        self.assertEqual(partner.name, "COMMUNE D'AUBERVILLIERS")
        self.assertEqual(partner.company_registry, COMMUNE_SIRET)
        self.assertTrue(partner.chorus_recipient and partner.is_company)
        self.assertEqual(
            (partner.street, partner.street2, partner.zip, partner.city, partner.country_id.code),
            ("Place de la Mairie", "BP 12", "93300", "Aubervilliers", "FR"),
        )
        self.assertEqual(partner.chorus_routing_rule, "service")
        services = {service.code: service for service in partner.chorus_service_ids}
        self.assertEqual(set(services), {"CCAS", "VOIRIE"})
        self.assertTrue(services["CCAS"].engagement_required)
        self.assertTrue(services["CCAS"].details_known)
        self.assertFalse(services["VOIRIE"].engagement_required)
        self.assertEqual(services["VOIRIE"].postal_address, "2 rue des Cités, 93300 Aubervilliers")
        self.assertEqual(services["CCAS"].postal_address, "Place de la Mairie, BP 12, 93300 Aubervilliers")
        # Ready to invoice: the recipient's checklist item passes.
        move = self._chorus_invoice(partner=partner, service=services["VOIRIE"])
        self.assertTrue(self._checklist(move)["recipient"]["ok"])

    def test_add_existing_company_is_completed_not_duplicated(self):
        self._commune()
        mine = self.env["res.partner"].create(
            {"name": "Mairie d'Aubervilliers", "is_company": True, "company_registry": "219 300 662 00018"}
        )
        # From the contact's form (Actions menu): its SIRET is filled in.
        context = self._action_context(
            "l10n_fr_chorus_pro.action_chorus_pro_add_recipient",
            active_model="res.partner",
            active_id=mine.id,
        )
        wizard = Form(self.env["chorus.pro.add.recipient.wizard"].with_context(**context))
        self.assertEqual(wizard.siret, COMMUNE_SIRET)
        action = wizard.save().action_add()
        self.assertEqual(action["res_id"], mine.id)
        self.assertEqual(self.env["res.partner"].search_count([("company_registry", "=", COMMUNE_SIRET)]), 1)
        self.assertTrue(mine.chorus_recipient)
        self.assertEqual(len(mine.chorus_service_ids), 2)
        self.assertEqual((mine.street, mine.zip), ("Place de la Mairie", "93300"))  # were empty
        self.assertEqual(mine.name, "Mairie d'Aubervilliers")  # typed: kept, the directory's proposed
        self.assertEqual(mine.chorus_directory_proposal, {"name": "COMMUNE D'AUBERVILLIERS"})
        # Added a second time: still one.
        self._add_by_siret(COMMUNE_SIRET, active_model="res.partner", active_ids=[])
        self.assertEqual(self.env["res.partner"].search_count([("company_registry", "=", COMMUNE_SIRET)]), 1)

    def test_add_unknown_or_invalid_siret(self):
        count = self.env["res.partner"].search_count([])
        with self.assertRaisesRegex(UserError, "No public body with SIRET 21930077900010"):
            self._add_by_siret(UNKNOWN_SIRET, active_model="res.partner", active_ids=[])
        with self.assertRaisesRegex(UserError, "not valid \\(wrong check digit\\)"):
            self._add_by_siret("21930066200019", active_model="res.partner", active_ids=[])
        with self.assertRaisesRegex(UserError, "a SIRET has 14 digits"):
            self._add_by_siret("2193006620", active_model="res.partner", active_ids=[])
        # A private company of the directory is no public body.
        with self.assertRaisesRegex(UserError, "private company on Chorus Pro"):
            self._add_by_siret("81234567600017", active_model="res.partner", active_ids=[])
        self.assertEqual(self.env["res.partner"].search_count([]), count)

    def test_add_from_the_invoice_form(self):
        self._commune()
        move = self.env["account.move"].create({"move_type": "out_invoice"})
        # The button under the customer field of the invoice form.
        arch = self.env["account.move"].get_view(view_type="form")["arch"]
        self.assertIn("o_chorus_add_recipient", arch)
        action = self._add_by_siret(
            COMMUNE_SIRET, active_model="account.move", active_id=move.id, active_ids=[move.id]
        )
        self.assertEqual(action, {"type": "ir.actions.act_window_close"})
        self.assertEqual(move.partner_id.company_registry, COMMUNE_SIRET)
        self.assertTrue(move.chorus_is_recipient)
        self.assertEqual(move.partner_id.city, "Aubervilliers")

    def test_contacts_list_has_the_button(self):
        arch = self.env["res.partner"].get_view(view_type="list")["arch"]
        self.assertIn("Add a public body by SIRET", arch)
        self.assertIn('display="always"', arch)
