# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Add a public body by SIRET in the browser, as an invoicing user: from a new customer
invoice and from the recipients list, against the project's simulator (real HTTP)."""

from odoo.tests import tagged

from .common import ChorusProSimulatorCommon
from .test_directory_recipients import COMMUNE_ADDRESS, COMMUNE_SIRET

OTHER_SIRET = "21930077900010"


@tagged("post_install", "-at_install")
class TestDirectoryTours(ChorusProSimulatorCommon):
    chorus_timeout = "5"

    def test_add_public_body_from_the_invoice(self):
        id_structure = self.sim.add_structure(
            COMMUNE_SIRET, "Ville Aubervilliers", public=True, address=COMMUNE_ADDRESS
        )
        self.sim.add_service(id_structure, "CCAS", "Centre communal d'action sociale")
        self.start_tour(
            "/odoo/action-account.action_move_out_invoice_type/new",
            "chorus_pro_add_recipient_invoice_tour",
            login=self.invoicing_user.login,
            timeout=180,
        )
        partner = self.env["res.partner"].search([("company_registry", "=", COMMUNE_SIRET)])
        self.assertEqual(len(partner), 1)
        self.assertEqual(partner.chorus_service_ids.mapped("code"), ["CCAS"])
        move = self.env["account.move"].search([("partner_id", "=", partner.id)])
        self.assertEqual((move.move_type, move.state), ("out_invoice", "draft"))

    def test_add_public_body_from_the_recipients_list(self):
        self.sim.add_structure(
            OTHER_SIRET,
            "Commune de Bobigny",
            public=True,
            address={"adresse": "31 avenue Salvador Allende", "codePostal": "93000", "ville": "Bobigny"},
        )
        self.start_tour(
            "/odoo/action-l10n_fr_chorus_pro.action_chorus_pro_recipient",
            "chorus_pro_add_recipient_list_tour",
            login=self.invoicing_user.login,
            timeout=180,
        )
        partner = self.env["res.partner"].search([("company_registry", "=", OTHER_SIRET)])
        self.assertEqual((partner.name, partner.zip), ("Commune de Bobigny", "93000"))
        self.assertTrue(partner.chorus_recipient)

    def test_directory_difference_on_the_partner_form(self):
        self.university.action_chorus_sync_directory()
        self.assertTrue(self.university.chorus_directory_pending)
        self.start_tour(
            f"/odoo/res.partner/{self.university.id}",
            "chorus_pro_directory_diff_tour",
            login=self.invoicing_user.login,
            timeout=180,
        )
        self.assertEqual(self.university.street, "Jardin du Pharo, 58 boulevard Charles Livon")
        self.assertFalse(self.university.chorus_directory_pending)
