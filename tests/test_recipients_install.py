# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Seeded recipients join the user's own company with the same SIRET (at install, at an
update, on a directory read), and an update of the module keeps what the user changed.

The module is installed in the test database: an install on a database that already has
the customers is played by removing the seeded records of a recipient (as if never
seeded) and running the loader the data file calls; an update by loading the module's
data files in update mode, as ``odoo-bin -u`` does. ``scripts/test_update_keeps_edits.sh``
checks the same with real ``odoo-bin -i`` / ``-u`` runs."""

import json
import logging
from copy import deepcopy

from stdnum.fr import siret as stdnum_siret

from odoo.tests import tagged
from odoo.tools import file_open, mute_logger
from odoo.tools.convert import convert_file

from ..models.res_partner_recipients import MODULE, PARAM_SEEDED, SEEDED_FILE, compact_siret
from .common import ChorusProCommon, ChorusProSimulatorCommon

BORDEAUX = "13001835100010"
DEPT93 = "22930008201453"
NEW_SIRET = "19330000100016"  # valid, not seeded
LOGGER = "odoo.addons.l10n_fr_chorus_pro.models.res_partner_recipients"
JOIN_NOTE = "Chorus Pro recipient settings added to this existing company (same SIRET %s)"
# The data files an update loads again (views apart).
DATA_FILES = (
    "data/res_lang.xml",
    "data/chorus_pro_recipients.xml",
    "data/ir_cron.xml",
    "data/chorus_pro_order_data.xml",
)


def seeded_recipients():
    with file_open(SEEDED_FILE, "rb") as handle:
        return json.load(handle)["recipients"]


class RecipientsInstallCommon:
    """Helpers of both classes (mixed into a ChorusProCommon)."""

    def _recipient(self, xmlid):
        return next(r for r in seeded_recipients() if r["xmlid"] == xmlid)

    def _never_seeded(self, xmlid):
        """As in a database where the module was never installed: the seeded recipient
        ``xmlid``, its contacts and services absent and never seeded."""
        recipient = self._recipient(xmlid)
        names = [
            item["xmlid"]
            for item in [*recipient.get("services", []), *recipient.get("contacts", []), recipient]
        ]
        for name in names:
            record = self.env.ref(f"{MODULE}.{name}", raise_if_not_found=False)
            if record:
                record.unlink()
        Param = self.env["ir.config_parameter"].sudo()
        Param.set_param(
            PARAM_SEEDED, ",".join(set((Param.get_param(PARAM_SEEDED) or "").split(",")) - set(names))
        )

    def _customer(self, name, siret, **values):
        """A customer entered by the user before the module was installed: its SIRET as
        typed (spaces kept, the module did not normalise it then), an address, an e-mail,
        in English, with a posted invoice."""
        partner = self.env["res.partner"].create(
            dict(
                {
                    "name": name,
                    "is_company": True,
                    "street": "35 place Pey Berland",
                    "zip": "33000",
                    "city": "Bordeaux",
                    "country_id": self.env.ref("base.fr").id,
                    "email": "factures@example.fr",
                    "lang": "en_US",
                },
                **values,
            )
        )
        self.env.cr.execute("UPDATE res_partner SET company_registry = %s WHERE id = %s", [siret, partner.id])
        partner.invalidate_recordset(["company_registry"])
        self._chorus_invoice(partner, post=True)
        return partner

    def _companies(self, siret):
        """The active companies with this SIRET, however it is typed."""
        return (
            self.env["res.partner"]
            .search([("is_company", "=", True)])
            .filtered(lambda p: compact_siret(p.company_registry) == siret)
        )

    def _notes(self, partner):
        return " ".join(partner.message_ids.mapped("body"))


@tagged("post_install", "-at_install")
class TestRecipientsInstall(RecipientsInstallCommon, ChorusProCommon):
    def _load(self, recipients=None):
        return self.env["res.partner"]._chorus_load_seeded_recipients(recipients)

    # ---------------------------------------------------------------- install on existing customers
    def test_install_joins_existing_customers(self):
        self._never_seeded("partner_departement_93")
        self._never_seeded(f"partner_university_{BORDEAUX}")
        bordeaux = self._customer("Université de Bordeaux", "130 018 351 00010")
        dept = self._customer(
            "Conseil départemental 93",
            "229 300 082 01453",
            street="Immeuble Papillon",
            zip="93000",
            city="Bobigny",
            email="compta@cd93.example.fr",
            website=False,
        )
        # The user already has the PMI invoicing contact.
        pmi = self.env["res.partner"].create(
            {
                "name": "PMI",
                "parent_id": dept.id,
                "type": "invoice",
                "email": "DEF-COMPTA-PMI-DEPENSES@seinesaintdenis.fr",
            }
        )
        with self.assertLogs(LOGGER, logging.INFO) as logs:
            self._load()
        for partner, siret in ((bordeaux, BORDEAUX), (dept, DEPT93)):
            self.assertEqual(self._companies(siret), partner, "one company per SIRET, the user's")
            self.assertTrue(partner.chorus_recipient)
            self.assertEqual(partner.company_registry, siret, "same SIRET, its 14 digits")
            self.assertIn(JOIN_NOTE % stdnum_siret.format(siret), self._notes(partner))
            self.assertTrue(
                any(
                    f"joined the existing company {partner.name} (id {partner.id})" in line
                    for line in logs.output
                ),
                logs.output,
            )
            self.assertEqual((partner.lang, partner.country_id.code), ("en_US", "FR"))
            self.assertEqual(len(partner.invoice_ids), 1, "its invoice history stays with it")
        self.assertEqual(
            (bordeaux.name, bordeaux.street, bordeaux.zip, bordeaux.email, bordeaux.comment),
            ("Université de Bordeaux", "35 place Pey Berland", "33000", "factures@example.fr", False),
        )
        self.assertEqual(bordeaux.chorus_routing_rule, "none")
        self.assertEqual(
            (dept.name, dept.street, dept.street2, dept.zip, dept.city, dept.email, dept.website),
            (
                "Conseil départemental 93",
                "Immeuble Papillon",
                False,
                "93000",
                "Bobigny",
                "compta@cd93.example.fr",
                False,
            ),
        )
        self.assertEqual(dept.chorus_routing_rule, "service_and_engagement")
        self.assertIn("01 43 93 75 76", dept.chorus_help)
        # The xmlids the code and tests use point at the user's partners.
        self.assertEqual(self.env.ref(f"{MODULE}.partner_departement_93"), dept)
        self.assertEqual(self.env.ref(f"{MODULE}.partner_university_{BORDEAUX}"), bordeaux)
        service_538 = self.env.ref(f"{MODULE}.service_departement_93_ase_538")
        self.assertEqual(service_538.partner_id, dept)
        self.assertEqual(set(dept.chorus_service_ids.mapped("code")), {"538", "125", "218", "132", "131"})
        self.assertIn("Chorus Pro services added: 125 - ASE - ESMS, 131 - Crèches", self._notes(dept))
        # Its own PMI contact takes the seeded one's place; the other three are added.
        self.assertEqual(self.env.ref(f"{MODULE}.partner_departement_93_pmi"), pmi)
        self.assertEqual(self.env.ref(f"{MODULE}.service_departement_93_pmi_132").contact_id, pmi)
        self.assertEqual(len(dept.child_ids.filtered(lambda c: c.type == "invoice")), 4)
        # An invoice to the joined recipient is routed as to the seeded one.
        self.assertEqual(self._chorus_invoice(dept, service_538).chorus_service_id, service_538)
        # Uninstalling the module would not delete the user's company (it has another xmlid).
        self.assertTrue(
            self.env["ir.model.data"].search_count(
                [("model", "=", "res.partner"), ("res_id", "=", bordeaux.id), ("module", "=", "__export__")]
            )
        )
        # Loaded again (the next update): nothing changes, nothing is said again.
        messages = (bordeaux | dept).message_ids
        self._load()
        self.assertEqual((bordeaux | dept).message_ids, messages)
        self.assertEqual(len(self._companies(DEPT93)), 1)
        self.assertEqual(len(dept.chorus_service_ids), 5)

    def test_install_joins_only_an_active_company_of_the_same_scope(self):
        """Never a contact person, an archived company or a company of another company of
        the database: the seeded recipient is created then (shared by every company)."""
        self._never_seeded(f"partner_university_{BORDEAUX}")
        other = self.setup_other_company(name="Autre société")["company"]
        person = self.env["res.partner"].create({"name": "Jean Bordeaux", "company_registry": BORDEAUX})
        archived = self.env["res.partner"].create(
            {
                "name": "Université de Bordeaux (old)",
                "is_company": True,
                "company_registry": BORDEAUX,
                "active": False,
            }
        )
        restricted = self.env["res.partner"].create(
            {
                "name": "Université de Bordeaux",
                "is_company": True,
                "company_registry": BORDEAUX,
                "company_id": other.id,
            }
        )
        self._load()
        seeded = self.env.ref(f"{MODULE}.partner_university_{BORDEAUX}")
        self.assertNotIn(seeded, person | archived | restricted)
        self.assertFalse(seeded.company_id)
        self.assertTrue(seeded.chorus_recipient)
        self.assertFalse((person | archived | restricted).filtered("chorus_recipient"))
        # A shared company with the same SIRET is joined, even beside the restricted one.
        self._never_seeded(f"partner_university_{BORDEAUX}")
        shared = self._customer("Université de Bordeaux", BORDEAUX)
        self._load()
        self.assertEqual(self.env.ref(f"{MODULE}.partner_university_{BORDEAUX}"), shared)

    # ---------------------------------------------------------------- update keeps the user's edits
    def _edit_everything(self):
        """What a user changes in the module's data and settings."""
        dept = self.dept93
        dept.write({"street": "Immeuble Papillon, 6 rue du Chemin Vert", "zip": "93000"})
        self.service_538.name = "ASE - Fournitures"
        pmi = self.env.ref(f"{MODULE}.partner_departement_93_pmi")
        pmi.email = "pmi-factures@seinesaintdenis.fr"
        self.university.street = "Jardin du Pharo"
        self.env.ref(f"{MODULE}.ir_cron_chorus_directory").active = False
        self.env.ref(f"{MODULE}.ir_cron_chorus_update").write({"interval_number": 4})
        activity_type = self.env.ref(f"{MODULE}.mail_activity_type_order_expiring")
        activity_type.write({"summary": "Relancer le service acheteur", "delay_count": 5})
        self.company.chorus_directory_refresh_days = 30
        self.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.service_details_months", "3")
        return pmi, activity_type

    def _update_module(self):
        """The module's data files loaded again as ``odoo-bin -u`` does."""
        for filename in DATA_FILES:
            convert_file(self.env(su=True), MODULE, filename, {}, mode="update", noupdate=False)
        self.env.invalidate_all()

    def test_update_keeps_edits(self):
        pmi, activity_type = self._edit_everything()
        # As in a database installed by a version that seeded without the noupdate flag.
        Data = self.env["ir.model.data"]
        seeded_data = Data.search(
            [
                ("module", "=", MODULE),
                ("model", "in", ("res.partner", "chorus.pro.service", "ir.cron", "mail.activity.type")),
            ]
        )
        seeded_data.noupdate = False
        partners, services = (
            self.env["res.partner"].search_count([]),
            self.env["chorus.pro.service"].search_count([]),
        )
        self._update_module()
        self.assertEqual(
            (self.dept93.street, self.dept93.zip), ("Immeuble Papillon, 6 rue du Chemin Vert", "93000")
        )
        self.assertEqual(self.service_538.name, "ASE - Fournitures")
        self.assertEqual(pmi.email, "pmi-factures@seinesaintdenis.fr")
        self.assertEqual(self.university.street, "Jardin du Pharo")
        self.assertFalse(self.env.ref(f"{MODULE}.ir_cron_chorus_directory").active)
        self.assertEqual(self.env.ref(f"{MODULE}.ir_cron_chorus_update").interval_number, 4)
        self.assertEqual(
            (activity_type.summary, activity_type.delay_count), ("Relancer le service acheteur", 5)
        )
        self.assertEqual(self.company.chorus_directory_refresh_days, 30)
        self.assertEqual(
            self.env["ir.config_parameter"].sudo().get_param("l10n_fr_chorus_pro.service_details_months"), "3"
        )
        self.assertEqual(self.env["res.partner"].search_count([]), partners, "no duplicate")
        self.assertEqual(self.env["chorus.pro.service"].search_count([]), services)
        self.assertEqual(len(self._companies(DEPT93)), 1)
        # Odoo deletes, at the end of an update, the records of the module's external ids
        # that were not loaded and are not noupdate: every seeded one is noupdate now.
        self.assertTrue(all(seeded_data.mapped("noupdate")))

    def test_update_does_not_bring_back_what_the_user_deleted(self):
        university = self.env.ref(f"{MODULE}.partner_university_19840685200204")
        university.unlink()
        self.service_538.unlink()
        self._update_module()
        self.assertFalse(
            self.env.ref(f"{MODULE}.partner_university_19840685200204", raise_if_not_found=False)
        )
        self.assertFalse(self.env.ref(f"{MODULE}.service_departement_93_ase_538", raise_if_not_found=False))
        self.assertEqual(set(self.dept93.chorus_service_ids.mapped("code")), {"125", "218", "132", "131"})

    def test_new_version_adds_only_what_it_seeds_new(self):
        """A version that seeds a new service of the Département and a new university: the
        edited Département keeps its edits and gets the service, with a note; the university
        is created."""
        self._edit_everything()
        recipients = deepcopy(seeded_recipients())
        dept = next(r for r in recipients if r["xmlid"] == "partner_departement_93")
        dept["values"]["street"] = "Hôtel du Département (new address)"
        dept["services"][0]["name"] = "ASE - Approvisionnement (new label)"
        dept["services"].append(
            {
                "xmlid": "service_departement_93_ase_999",
                "code": "999",
                "name": "ASE - Nouveau service",
                "beneficiary_required": True,
            }
        )
        recipients.append(
            {
                "xmlid": f"partner_university_{NEW_SIRET}",
                "siret": NEW_SIRET,
                "values": {"name": "Université Nouvelle", "city": "Bordeaux", "country": "FR"},
                "chorus": {"chorus_routing_rule": "none"},
            }
        )
        with self.assertLogs(LOGGER, logging.INFO) as logs:
            self._load(recipients)
        self.assertEqual(self.dept93.street, "Immeuble Papillon, 6 rue du Chemin Vert")
        self.assertEqual(self.service_538.name, "ASE - Fournitures")
        new_service = self.env.ref(f"{MODULE}.service_departement_93_ase_999")
        self.assertEqual(
            (new_service.partner_id, new_service.name, new_service.beneficiary_required),
            (self.dept93, "ASE - Nouveau service", True),
        )
        self.assertIn(
            "Added by the update of the Chorus Pro module: 999 - ASE - Nouveau service",
            self._notes(self.dept93),
        )
        self.assertTrue(any("999 - ASE - Nouveau service" in line for line in logs.output), logs.output)
        university = self.env.ref(f"{MODULE}.partner_university_{NEW_SIRET}")
        self.assertEqual(
            (university.name, university.chorus_recipient, university.company_registry),
            ("Université Nouvelle", True, NEW_SIRET),
        )
        self.assertEqual(
            self.env["ir.model.data"]
            .search([("module", "=", MODULE), ("name", "=", "service_departement_93_ase_999")])
            .noupdate,
            True,
        )


@tagged("post_install", "-at_install")
class TestRecipientDirectoryJoin(RecipientsInstallCommon, ChorusProSimulatorCommon):
    """A recipient read from the Chorus Pro directory while the module's own copy of it
    (seeded by a version that did not join existing companies) is there too."""

    def setUp(self):
        super().setUp()
        # The simulator's directory has the universities, without services.
        self.sim.add_service(BORDEAUX, "SPE", "Santé Psy Étudiant")
        self.sim.add_service(BORDEAUX, "DAF", "Direction des affaires financières")
        self.copy = self.env.ref(f"{MODULE}.partner_university_{BORDEAUX}")
        # A service the user had added to the copy by hand.
        self.hand_service = self.env["chorus.pro.service"].create(
            {"partner_id": self.copy.id, "code": "PSY", "name": "Psychologues"}
        )
        self.customer = self._customer("Université de Bordeaux", "130 018 351 00010")

    def _check_joined(self, logs, lang="en_US"):
        customer = self.customer
        self.assertFalse(self.copy.exists(), "the copy is merged into the user's company")
        self.assertEqual(self._companies(BORDEAUX), customer)
        self.assertEqual(self.env.ref(f"{MODULE}.partner_university_{BORDEAUX}"), customer)
        self.assertEqual(
            (customer.name, customer.street, customer.email, customer.lang),
            ("Université de Bordeaux", "35 place Pey Berland", "factures@example.fr", lang),
        )
        self.assertTrue(customer.chorus_recipient)
        self.assertTrue(customer.chorus_structure_identifier, "read from the directory")
        self.assertEqual(set(customer.chorus_service_ids.mapped("code")), {"SPE", "DAF"})
        # The service added to the copy by hand moved too (archived: not in the directory).
        self.assertEqual((self.hand_service.partner_id, self.hand_service.active), (customer, False))
        self.assertEqual(len(customer.invoice_ids), 1)
        self.assertEqual(customer.company_registry, BORDEAUX)
        notes = self._notes(customer)
        self.assertIn(JOIN_NOTE % "130 018 351 00010", notes)
        self.assertIn("The copy the module had created (Université de Bordeaux) was merged into it.", notes)
        self.assertTrue(any(f"id {customer.id}" in line for line in logs.output), logs.output)

    def test_read_from_the_users_company_absorbs_the_copy(self):
        """The user makes the customer a recipient (its documents in French from then on)
        and reads it from the directory (its form)."""
        self.customer.chorus_recipient = True
        with self.assertLogs(LOGGER, logging.INFO) as logs:
            self.assertTrue(self.customer.action_chorus_sync_directory())
        self._check_joined(logs, lang="fr_FR")

    def test_read_from_the_copy_opens_the_users_company(self):
        """The Read button on the copy's form: the copy joins the customer, whose form opens."""
        with self.assertLogs(LOGGER, logging.INFO) as logs:
            action = self.copy.action_chorus_sync_directory()
        self._check_joined(logs)
        self.assertEqual((action["res_model"], action["res_id"]), ("res.partner", self.customer.id))

    def test_weekly_sync_absorbs_the_copy(self):
        # (The other seeded universities are not in the simulator's directory: warnings.)
        with (
            self.assertLogs(LOGGER, logging.INFO) as logs,
            mute_logger("odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_connector_directory"),
        ):
            self.env["chorus.pro.connector"]._cron_sync_directory()
        self._check_joined(logs)

    def test_invoiced_copy_is_kept(self):
        """Both were invoiced: both are the user's; nothing is merged, a warning says so."""
        self._chorus_invoice(self.copy)
        self.customer.chorus_recipient = True
        with self.assertLogs(LOGGER, logging.WARNING) as logs:
            self.customer.action_chorus_sync_directory()
        self.assertIn("were both invoiced", logs.output[0])
        self.assertTrue(self.copy.exists())
        self.assertEqual(self.env.ref(f"{MODULE}.partner_university_{BORDEAUX}"), self.copy)
        self.assertEqual(set(self.customer.chorus_service_ids.mapped("code")), {"SPE", "DAF"})
