# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ChorusProCommon


@tagged("post_install", "-at_install")
class TestSecurity(ChorusProCommon):
    def test_invoicing_user_cannot_edit_recipient_settings(self):
        partner = self.dept93.with_user(self.invoicing_user)
        self.assertFalse(partner.chorus_can_edit)
        for vals in (
            {"chorus_recipient": False},
            {"chorus_routing_rule": "none"},
            {"chorus_structure_identifier": 42},
            {"chorus_help": "x"},
        ):
            with self.assertRaisesRegex(AccessError, "accounting administrators"):
                partner.write(vals)
        # Writing the same value is harmless (forms re-send unchanged values).
        partner.write({"chorus_routing_rule": "service_and_engagement"})
        # Other partner fields stay editable.
        partner.write({"phone": "+33 1 43 93 93 93"})
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.invoicing_user).create(
                {
                    "name": "New body",
                    "is_company": True,
                    "chorus_recipient": True,
                    "company_registry": "22930008201453",
                }
            )
        with self.assertRaises(AccessError):
            self.service_538.with_user(self.invoicing_user).name = "Renamed"
        with self.assertRaises(AccessError):
            self.env["chorus.pro.service"].with_user(self.invoicing_user).create(
                {"partner_id": self.dept93.id, "code": "999", "name": "New"}
            )

    def test_manager_can_edit_recipient_settings(self):
        manager = self._company_user(
            "chorus_manager", "account.group_account_manager,base.group_partner_manager"
        )
        partner = self.dept93.with_user(manager)
        self.assertTrue(partner.chorus_can_edit)
        partner.write({"chorus_routing_rule": "service", "chorus_structure_identifier": 25000})
        self.assertEqual(self.dept93.chorus_routing_rule, "service")
        self.env["chorus.pro.service"].with_user(manager).create(
            {"partner_id": self.dept93.id, "code": "999", "name": "New"}
        )

    def test_invoicing_user_edits_invoice_chorus_fields(self):
        move = self._chorus_invoice().with_user(self.invoicing_user)
        move.write(
            {
                "chorus_service_id": self.service_538.id,
                "purchase_order_reference": "EJ2026-000123",
                "contract_reference": "MP-7",
                "chorus_billing_frame": "A9",
                "chorus_beneficiary_ids": [Command.create({"name": "Lina B.", "date_start": "2026-10-01"})],
            }
        )
        self.assertEqual(move.buyer_reference, "538")
        self.assertEqual(move.chorus_beneficiary_ids.name, "Lina B.")
        # Users outside invoicing never see beneficiaries (personal data of minors).
        employee = new_test_user(
            self.env, login="chorus_employee", groups="base.group_user", company_id=self.company.id
        )
        with self.assertRaises(AccessError):
            self.env["chorus.pro.beneficiary"].with_user(employee).search([])

    def test_multi_company_isolation(self):
        other_company = self.setup_other_company(name="Association Les Tilleuls")["company"]
        other_user = self._company_user("chorus_other_user", "account.group_account_invoice", other_company)
        # A recipient private to the other company, with its service.
        private_recipient = self.env["res.partner"].create(
            {
                "name": "Commune privée",
                "is_company": True,
                "chorus_recipient": True,
                "company_registry": "21440109300015",
                "company_id": other_company.id,
            }
        )
        private_service = self.env["chorus.pro.service"].create(
            {"partner_id": private_recipient.id, "code": "MAIRIE", "name": "Mairie"}
        )
        self.assertEqual(private_service.company_id, other_company)
        services_seen = self.env["chorus.pro.service"].with_user(self.invoicing_user).search([])
        self.assertNotIn(private_service, services_seen)
        self.assertIn(self.service_538, services_seen)
        self.assertIn(private_service, self.env["chorus.pro.service"].with_user(other_user).search([]))

        move = self._chorus_invoice(
            service=self.service_538,
            chorus_beneficiary_ids=[Command.create({"name": "Lina B.", "date_start": "2026-10-01"})],
        )
        flow = self.env["chorus.pro.flow"].create({"name": "CPP0011", "company_id": self.company.id})
        move.chorus_flow_id = flow
        self.assertFalse(
            self.env["chorus.pro.beneficiary"].with_user(other_user).search([("move_id", "=", move.id)])
        )
        self.assertFalse(self.env["chorus.pro.flow"].with_user(other_user).search([("id", "=", flow.id)]))
        self.assertEqual(
            self.env["chorus.pro.flow"].with_user(self.invoicing_user).search([("id", "=", flow.id)]), flow
        )
        with self.assertRaises(AccessError):
            flow.with_user(other_user).read(["name"])
