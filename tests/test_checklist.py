# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ChorusProCommon


@tagged("post_install", "-at_install")
class TestChecklist(ChorusProCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.checklist = cls.env["chorus.pro.checklist"]
        cls.company.vat = "FR19812345676"
        cls.bank_account = cls._bank_account()
        cls.tax_20 = cls.company_data["default_tax_sale"]
        cls.exempt = cls._sale_tax("Exonérée", 0.0, ubl_cii_tax_category_code="E")

    def _good(self, **values):
        vals = {
            "service": self.service_132,
            "purchase_order_reference": "EJ2026-000123",
            "partner_bank_id": self.bank_account.id,
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": "Kits d'éveil",
                        "quantity": 12,
                        "price_unit": 35.0,
                        "tax_ids": [Command.set(self.tax_20.ids)],
                    }
                )
            ],
        }
        vals.update(values)
        return self._chorus_invoice(**vals)

    def _failed_codes(self, move, with_facturx=True):
        return {item["code"]: item["message"] for item in self.checklist._failed(move, with_facturx)}

    def test_good_invoice_passes_everything(self):
        move = self._good()
        items = self.checklist._check(move)
        self.assertTrue(all(item["ok"] for item in items), [i["message"] for i in items if not i["ok"]])
        self.assertIn("facturx", [item["code"] for item in items])
        move.action_post()
        self.assertEqual(move.state, "posted")
        failed = self._failed_codes(move)
        self.assertEqual(failed, {})

    def test_each_rule(self):
        cases = [
            ("recipient", {"partner": self.partner_a, "service": False}),
            ("bank", {"partner_bank_id": False}),
            ("routing", {"service": False}),  # Département 93 requires a service code
            ("routing", {"purchase_order_reference": False}),  # and an engagement number
            ("routing", {"buyer_reference": "FACTURES_PUBLIQUES"}),
            ("beneficiaries", {"service": self.service_538}),
            (
                "taxes",
                {
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "x", "quantity": 1, "price_unit": 10.0, "tax_ids": [Command.clear()]}
                        )
                    ]
                },
            ),
            (
                "taxes",
                {
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "x",
                                "quantity": 1,
                                "price_unit": 10.0,
                                "tax_ids": [Command.set(self.exempt.ids)],
                            }
                        )
                    ]
                },
            ),
            (
                "market",
                {
                    "contract_reference": "MP-2026-07",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Forfait",
                                "quantity": 1,
                                "price_unit": 0.0,
                                "tax_ids": [Command.set(self.tax_20.ids)],
                            }
                        )
                    ],
                },
            ),
            (
                "amounts",
                {
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Avoir",
                                "quantity": 1,
                                "price_unit": -5.0,
                                "tax_ids": [Command.set(self.tax_20.ids)],
                            }
                        )
                    ]
                },
            ),
        ]
        for code, values in cases:
            with self.subTest(code=code, values=list(values)):
                move = self._good(**values)
                failed = self._failed_codes(move)
                self.assertIn(code, failed)
                self.assertTrue(failed[code])
        # Routing rules of the other recipient types.
        university = self.university
        university.chorus_routing_rule = "service_or_engagement"
        move = self._good(partner=university, service=False, purchase_order_reference=False)
        self.assertIn("service code or an engagement number", self._failed_codes(move)["routing"])
        service = self.env["chorus.pro.service"].create(
            {"partner_id": university.id, "code": "SPE", "name": "Santé Psy", "engagement_required": True}
        )
        move = self._good(partner=university, service=service, purchase_order_reference=False)
        self.assertIn("mandatory for SPE", self._failed_codes(move)["routing"])
        # Attachments over Chorus limits.
        move = self._good()
        move.chorus_attachment_ids = self.env["ir.attachment"].create(
            {"name": "x" * 47 + ".exe", "raw": b"MZ"}
        )
        message = self._failed_codes(move)["attachments"]
        self.assertIn("at most 50 characters", message)
        self.assertIn("does not accept this file type", message)

    def test_company_and_number_rules(self):
        self.company.write({"street": False, "company_registry": False})
        move = self._good()
        failed = self._failed_codes(move)
        self.assertIn("valid SIRET", failed["company"])
        self.assertIn("street", failed["company"])
        self.company.write({"street": "12 rue des Lilas", "company_registry": "81234567600017"})
        move = self._good()
        move.journal_id.code = "CHORUSPRO"
        self.company.chorus_post_check = "warn"
        move.action_post()
        move.name = "CHORUSPRO/2026/11/000001"
        self.assertIn("24 characters", self._failed_codes(move, with_facturx=False)["number"])

    def test_several_problems_listed_at_once(self):
        move = self._good(service=self.service_538, purchase_order_reference=False, partner_bank_id=False)
        failed = self._failed_codes(move)
        self.assertTrue({"routing", "beneficiaries", "bank"} <= set(failed))
        self.assertNotIn("facturx", failed)  # only run once everything else is right
        with self.assertRaises(UserError) as error:
            move.action_post()
        message = str(error.exception)
        for expected in ("engagement number (EJ) is mandatory", "beneficiaries", "bank account"):
            self.assertIn(expected, message)
        self.assertEqual(move.state, "draft")

    def test_sales_dashboard_counters(self):
        self.company.chorus_post_check = "warn"
        to_deposit = self._good()
        to_deposit.action_post()
        to_fix = self._good()
        to_fix.action_post()
        to_fix.chorus_state = "to_fix"
        journal = to_deposit.journal_id
        data = journal._get_journal_dashboard_data_batched()[journal.id]
        self.assertEqual(data["chorus_to_deposit"], 1)
        self.assertEqual(data["chorus_to_fix"], 1)
        self.assertIn("chorus_to_deposit", journal.kanban_dashboard)

    def test_posting_warn_mode(self):
        self.company.chorus_post_check = "warn"
        move = self._good(purchase_order_reference=False)
        move.action_post()
        self.assertEqual(move.state, "posted")
        self.assertIn("missing Chorus Pro mentions", move.message_ids[0].body)
        # Invoices to other customers are not concerned.
        other = self._good(partner=self.partner_a, service=False)
        other.action_post()
        self.assertEqual(other.state, "posted")
