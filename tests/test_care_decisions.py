# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, TransactionCase, new_test_user, tagged
from odoo.tools.misc import file_path

from .common import ChorusProHttpCommon, ChorusProSimulatorCommon


@tagged("post_install", "-at_install")
class TestCareDecisions(ChorusProHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.chorus_post_check = "warn"
        cls.tax = cls.company_data["default_tax_sale"]
        Order = cls.env["chorus.pro.order"]
        cls.ej1 = Order.create(
            {
                "name": "PEC-2026-EJ1",
                "kind": "care",
                "partner_id": cls.dept93.id,
                "service_id": cls.service_538.id,
                "engagement_number": "EJ2026-ASE-0001",
                "date_start": "2026-01-01",
                "date_end": "2026-12-31",
            }
        )
        cls.ej2 = Order.create(
            {
                "name": "PEC-2026-EJ2",
                "kind": "care",
                "partner_id": cls.dept93.id,
                "service_id": cls.service_538.id,
                "engagement_number": "EJ2026-ASE-0002",
                "date_start": "2026-01-01",
                "date_end": "2026-12-31",
            }
        )
        Decision = cls.env["chorus.pro.care.decision"]
        cls.lea = Decision.create(
            {
                "order_id": cls.ej1.id,
                "name": "Léa Martin",
                "care_type": "placement",
                "date_start": "2026-01-01",
                "date_end": "2026-12-31",
                "daily_rate": 150.0,
                "tax_ids": [Command.set(cls.tax.ids)],
            }
        )
        cls.noah = Decision.create(
            {
                "order_id": cls.ej1.id,
                "name": "Noah Diallo",
                "care_type": "day_care",
                "date_start": "2026-03-10",
                "date_end": "2026-03-20",
                "daily_rate": 80.0,
                "tax_ids": [Command.set(cls.tax.ids)],
            }
        )
        cls.ines = Decision.create(
            {
                "order_id": cls.ej2.id,
                "name": "Inès Benali",
                "care_type": "daily_expenses",
                "date_start": "2026-03-16",
                "date_end": "2026-06-30",
                "rate_type": "monthly",
                "fixed_amount": 310.0,
                "tax_ids": [Command.set(cls.tax.ids)],
            }
        )

    def _wizard(self, month="2026-03-01", **values):
        wizard = self.env["chorus.pro.care.month.wizard"].create(
            {
                "month": month,
                "partner_id": self.dept93.id,
                "service_id": self.service_538.id,
                "invoice_date": "2026-04-02",
                **values,
            }
        )
        wizard.action_propose()
        return wizard

    def _proposal(self, wizard):
        return {
            (line.decision_id.name, line.date_start, line.date_end): line.days for line in wizard.line_ids
        }

    def test_full_month_mid_month_and_several_ejs(self):
        wizard = self._wizard()
        self.assertEqual(
            self._proposal(wizard),
            {
                ("Léa Martin", date(2026, 3, 1), date(2026, 3, 31)): 31,
                ("Noah Diallo", date(2026, 3, 10), date(2026, 3, 20)): 11,
                ("Inès Benali", date(2026, 3, 16), date(2026, 3, 31)): 16,
            },
        )
        moves = wizard._create_invoices()
        self.assertEqual(len(moves), 2, "one invoice per EJ")
        move1 = moves.filtered(lambda m: m.chorus_order_id == self.ej1)
        move2 = moves - move1
        self.assertEqual(move1.purchase_order_reference, "EJ2026-ASE-0001")
        self.assertEqual(move2.purchase_order_reference, "EJ2026-ASE-0002")
        self.assertEqual(move1.chorus_service_id, self.service_538)
        self.assertEqual(move1.state, "draft")
        self.assertEqual(sorted(move1.invoice_line_ids.mapped("price_subtotal")), [880.0, 4650.0])
        # Fixed monthly amount prorated: 16 days of 31.
        self.assertAlmostEqual(move2.amount_untaxed, round(310.0 * 16 / 31, 2))
        benef = {
            (b.name, b.date_start, b.date_end, b.move_line_id.chorus_care_decision_id)
            for b in move1.chorus_beneficiary_ids
        }
        self.assertEqual(
            benef,
            {
                ("Léa Martin", date(2026, 3, 1), date(2026, 3, 31), self.lea),
                ("Noah Diallo", date(2026, 3, 10), date(2026, 3, 20), self.noah),
            },
        )
        self.assertIn(
            "Léa Martin",
            move1.invoice_line_ids.filtered(lambda l: l.chorus_care_decision_id == self.lea).name,
        )

    def test_adjusted_days_and_second_run(self):
        wizard = self._wizard()
        lea_line = wizard.line_ids.filtered(lambda l: l.decision_id == self.lea)
        lea_line.days = 28  # three days in hospital
        self.assertEqual(lea_line.amount, 28 * 150.0)
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            lea_line.days = 32
        wizard.line_ids.filtered(lambda l: l.decision_id == self.ines).selected = False
        moves = wizard._create_invoices()
        self.assertEqual(len(moves), 1)
        line = moves.invoice_line_ids.filtered(lambda l: l.chorus_care_decision_id == self.lea)
        self.assertEqual(line.quantity, 28)
        # A second run proposes only what is missing (Inès, not selected), even with drafts.
        second = self._wizard()
        self.assertEqual(self._proposal(second), {("Inès Benali", date(2026, 3, 16), date(2026, 3, 31)): 16})
        # Part of a month already invoiced by hand: only the rest is proposed.
        self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.dept93.id,
                "chorus_order_id": self.ej2.id,
                "invoice_line_ids": [
                    Command.create(self.ines._invoice_line_values(date(2026, 4, 1), date(2026, 4, 10)))
                ],
            }
        )
        april = self._wizard(month="2026-04-15")
        self.assertIn(("Inès Benali", date(2026, 4, 11), date(2026, 4, 30)), self._proposal(april))
        # A cancelled invoice gives its days back.
        moves.button_cancel()
        third = self._wizard()
        self.assertIn(("Léa Martin", date(2026, 3, 1), date(2026, 3, 31)), self._proposal(third))

    def test_invoiced_days_and_amounts(self):
        moves = self._wizard()._create_invoices()
        moves.action_post()
        self.assertEqual(self.lea.days_invoiced, 31)
        self.assertEqual(self.lea.amount_invoiced, 4650.0)
        self.assertEqual(self.lea.last_invoiced_date, date(2026, 3, 31))
        self.assertEqual(self.ej1.amount_invoiced, 4650.0 + 880.0)
        self.assertEqual(self.ej1.amount_ordered, 365 * 150.0 + 11 * 80.0)
        # A credit note for Noah gives his days back: proposed again.
        move1 = moves.filtered(lambda m: m.chorus_order_id == self.ej1)
        refund = move1._reverse_moves([{"invoice_date": "2026-04-10"}])
        refund.invoice_line_ids.filtered(lambda l: l.chorus_care_decision_id == self.lea).unlink()
        refund.action_post()
        self.assertEqual(self.noah.days_invoiced, 0)
        self.assertEqual(
            self._proposal(self._wizard()), {("Noah Diallo", date(2026, 3, 10), date(2026, 3, 20)): 11}
        )

    def test_missing_last_month_filter(self):
        Decision = self.env["chorus.pro.care.decision"]
        with patch.object(type(Decision), "_last_month", lambda self: (date(2026, 3, 1), date(2026, 3, 31))):
            self.assertEqual(
                Decision.search([("missing_last_month", "=", True)]), self.lea | self.noah | self.ines
            )
            wizard = self._wizard()
            wizard.line_ids.filtered(lambda l: l.decision_id == self.ines).selected = False
            wizard._create_invoices()
            self.assertEqual(Decision.search([("missing_last_month", "=", True)]), self.ines)

    def test_onchange_care_order_on_invoice(self):
        form = Form(self.env["account.move"].with_context(default_move_type="out_invoice"))
        form.partner_id = self.dept93
        form.invoice_date = date(2026, 4, 2)
        form.chorus_order_id = self.ej1
        self.assertEqual(form.purchase_order_reference, "EJ2026-ASE-0001")
        self.assertEqual(len(form.invoice_line_ids), 2)
        move = form.save()
        self.assertEqual(move.invoice_line_ids.chorus_care_decision_id, self.lea | self.noah)
        self.assertEqual(
            {(b.name, b.date_start, b.date_end) for b in move.chorus_beneficiary_ids},
            {
                ("Léa Martin", date(2026, 3, 1), date(2026, 3, 31)),
                ("Noah Diallo", date(2026, 3, 10), date(2026, 3, 20)),
            },
        )

    def test_create_invoice_button_opens_the_month_wizard(self):
        action = self.ej1.action_create_invoice()
        self.assertEqual(action["res_model"], "chorus.pro.care.month.wizard")
        # The action's context, as the web client gives it.
        Wizard = self.env[action["res_model"]].with_context(**action["context"])
        wizard = Wizard.create({"month": "2026-03-01"})
        wizard.action_propose()
        self.assertEqual(wizard.line_ids.decision_id, self.lea | self.noah)

    def test_documents_become_supporting_documents(self):
        arrete = self.env["ir.attachment"].create(
            {"name": "arrete_2025_412.pdf", "raw": b"%PDF-1.4 arrete", "mimetype": "application/pdf"}
        )
        self.lea.attachment_ids = [Command.link(arrete.id)]
        moves = self._wizard()._create_invoices()
        self.assertEqual(
            moves.filtered(lambda m: m.chorus_order_id == self.ej1).chorus_attachment_ids, arrete
        )
        self.assertFalse(moves.filtered(lambda m: m.chorus_order_id == self.ej2).chorus_attachment_ids)

    def test_access_rights(self):
        Decision = self.env["chorus.pro.care.decision"]
        self.assertEqual(Decision.with_user(self.invoicing_user).search([]), self.lea | self.noah | self.ines)
        other = self.setup_other_company(name="Autre Association")["company"]
        accountant = self._company_user("chorus_other_accountant", "account.group_account_manager", other)
        self.assertFalse(Decision.with_user(accountant).search([]))
        self.assertFalse(self.env["chorus.pro.order"].with_user(accountant).search([]))
        with self.assertRaises(AccessError):
            self.lea.with_user(accountant).read(["name"])
        employee = new_test_user(
            self.env, login="chorus_care_employee", groups="base.group_user", company_id=self.company.id
        )
        with self.assertRaises(AccessError):
            Decision.with_user(employee).search([])
        auditor = new_test_user(
            self.env,
            login="chorus_care_auditor",
            groups="account.group_account_readonly",
            company_id=self.company.id,
        )
        with self.assertRaises(AccessError):
            Decision.with_user(auditor).search([])
        # The auditor sees the orders and invoices, not who they are about.
        self.assertTrue(self.env["chorus.pro.order"].with_user(auditor).search([]))

    def test_import_sample_file(self):
        Decision = self.env["chorus.pro.care.decision"]
        self._load_sample("chorus.pro.order", "sample_orders.csv")
        result = self._load_sample("chorus.pro.care.decision", "sample_care_decisions.csv")
        self.assertFalse([m for m in result["messages"] if m["type"] == "error"], result["messages"])
        decisions = Decision.browse(result["ids"])
        self.assertEqual(decisions.mapped("name"), ["Léa Martin", "Noah Diallo", "Inès Benali"])
        self.assertEqual(decisions.order_id.engagement_number, "EJ2026-ASE-0001")
        self.assertEqual(decisions.mapped("care_type"), ["placement", "day_care", "daily_expenses"])
        self.assertEqual(decisions[0].daily_rate, 165.40)
        self.assertEqual(decisions[2].rate_type, "monthly")
        self.assertEqual(decisions[0].birth_date, date(2012, 4, 3))

    def test_import_through_base_import(self):
        """The same file through the import screen's mechanism (base_import)."""
        if "base_import.import" not in self.env:
            self.skipTest("base_import is not installed")
        with open(file_path("l10n_fr_chorus_pro/data/sample_orders.csv"), "rb") as f:
            orders_csv = f.read()
        importer = self.env["base_import.import"].create(
            {
                "res_model": "chorus.pro.order",
                "file": orders_csv,
                "file_type": "text/csv",
                "file_name": "sample_orders.csv",
            }
        )
        options = {
            "has_headers": True,
            "quoting": '"',
            "separator": ",",
            "encoding": "utf-8",
            "date_format": "%Y-%m-%d",
            "float_decimal_separator": ".",
            "float_thousand_separator": "",
        }
        preview = importer.parse_preview(options)
        self.assertFalse(preview.get("error"), preview)
        result = importer.execute_import(preview["headers"], preview["headers"], options)
        self.assertFalse(result["messages"], result["messages"])
        with open(file_path("l10n_fr_chorus_pro/data/sample_care_decisions.csv"), "rb") as f:
            decisions_csv = f.read()
        importer = self.env["base_import.import"].create(
            {
                "res_model": "chorus.pro.care.decision",
                "file": decisions_csv,
                "file_type": "text/csv",
                "file_name": "sample_care_decisions.csv",
            }
        )
        preview = importer.parse_preview(options)
        result = importer.execute_import(preview["headers"], preview["headers"], options)
        self.assertFalse(result["messages"], result["messages"])
        self.assertEqual(len(result["ids"]), 3)

    # ------------------------------------------------------------------
    # The checklist checks the match
    # ------------------------------------------------------------------
    def _failed(self, move):
        return {
            item["code"]: item["message"]
            for item in self.env["chorus.pro.order"]._checklist_items(move)
            if not item["ok"]
        }

    def _march_invoice(self):
        wizard = self._wizard()
        wizard.line_ids.filtered(lambda l: l.decision_id == self.ines).selected = False
        return wizard._create_invoices()

    def test_checklist_care_invoice_matches(self):
        move = self._march_invoice()
        self.assertEqual(self._failed(move), {})
        self.assertIn(
            "order_beneficiaries",
            {item["code"] for item in self.env["chorus.pro.order"]._checklist_items(move)},
        )

    def test_checklist_dates_outside_the_period(self):
        move = self._march_invoice()
        line = move.invoice_line_ids.filtered(lambda l: l.chorus_care_decision_id == self.noah)
        line.chorus_care_date_end = "2026-03-25"
        self.assertIn(
            "The child N.D.: care from 03/10/2026 to 03/25/2026 is outside the care decision "
            "(03/10/2026 to 03/20/2026)",
            self._failed(move)["order_dates"],
        )
        move.chorus_beneficiary_ids.filtered(lambda b: b.name == "Léa Martin").date_end = "2027-01-31"
        self.assertIn("outside the order's period", self._failed(move)["order_dates"])

    def test_checklist_uncovered_beneficiary(self):
        move = self._march_invoice()
        move.chorus_beneficiary_ids = [
            Command.create({"name": "Jules Petit", "date_start": "2026-03-01", "date_end": "2026-03-31"})
        ]
        message = self._failed(move)["order_beneficiaries"]
        self.assertIn("J.P.", message)
        self.assertNotIn("Jules", message, "no child's name in checklist messages (chatter)")
        # Noah is covered from the 10th to the 20th only.
        move.chorus_beneficiary_ids.filtered(lambda b: b.name == "Jules Petit").write(
            {"name": "Noah Diallo", "date_start": "2026-03-01"}
        )
        self.assertIn("N.D.", self._failed(move)["order_beneficiaries"])

    def test_checklist_days_invoiced_twice(self):
        first = self._march_invoice()
        first.action_post()
        twice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.dept93.id,
                "invoice_date": "2026-04-02",
                "chorus_order_id": self.ej1.id,
                **self.ej1._invoice_header_values(),
                "invoice_line_ids": [
                    Command.create(self.lea._invoice_line_values(date(2026, 3, 25), date(2026, 4, 5)))
                ],
            }
        )
        self.assertIn(
            "The child L.M.: 7 day(s) from 03/25/2026 to 03/31/2026 already on another invoice",
            self._failed(twice)["order_remaining"],
        )
        self.assertEqual(twice.chorus_beneficiary_ids.date_start, date(2026, 3, 25))

    def test_one_invoice_per_ej_one_line_per_child_and_care_type(self):
        """Two children on one EJ, a third on another: two invoices, 2 + 1 lines; a second
        care type for a child is a line of its own on the same invoice."""
        moves = self._wizard()._create_invoices()
        self.assertEqual(len(moves), 2)
        move1 = moves.filtered(lambda m: m.chorus_order_id == self.ej1)
        move2 = moves.filtered(lambda m: m.chorus_order_id == self.ej2)
        self.assertEqual(len(move1.invoice_line_ids), 2)
        self.assertEqual(move1.invoice_line_ids.chorus_care_decision_id, self.lea | self.noah)
        self.assertEqual(len(move2.invoice_line_ids), 1)
        self.assertEqual(move2.invoice_line_ids.chorus_care_decision_id, self.ines)
        moves.button_cancel()
        expenses = self.env["chorus.pro.care.decision"].create(
            {
                "order_id": self.ej1.id,
                "name": "Léa Martin",
                "care_type": "daily_expenses",
                "date_start": "2026-03-01",
                "date_end": "2026-03-31",
                "daily_rate": 12.0,
                "tax_ids": [Command.set(self.tax.ids)],
            }
        )
        moves = self._wizard()._create_invoices()
        self.assertEqual(len(moves), 2)
        move1 = moves.filtered(lambda m: m.chorus_order_id == self.ej1)
        self.assertEqual(
            sorted(
                (l.chorus_care_decision_id.name, l.chorus_care_decision_id.care_type)
                for l in move1.invoice_line_ids
            ),
            [("Léa Martin", "daily_expenses"), ("Léa Martin", "placement"), ("Noah Diallo", "day_care")],
        )
        self.assertEqual(
            move1.invoice_line_ids.filtered(lambda l: l.chorus_care_decision_id == expenses).price_subtotal,
            31 * 12.0,
        )
        self.assertEqual(len(moves.filtered(lambda m: m.chorus_order_id == self.ej2).invoice_line_ids), 1)

    def test_duplicate_care_invoice(self):
        """A duplicated month's invoice bills no day twice: its lines lose their care
        decision, the checklist blocks them, the days stay invoiced once."""
        move = self._march_invoice()
        move.action_post()
        copy = move.copy()
        self.assertEqual(copy.chorus_order_id, self.ej1)
        self.assertFalse(copy.sudo().invoice_line_ids.chorus_care_decision_id)
        self.assertFalse(copy.chorus_beneficiary_ids)
        self.assertIn("A line is not tied to a care decision", self._failed(copy)["order_prices"])
        copy.action_post()
        self.assertEqual(self.lea.days_invoiced, 31)
        self.assertEqual(self.noah.days_invoiced, 11)
        self.assertEqual(
            self._proposal(self._wizard()), {("Inès Benali", date(2026, 3, 16), date(2026, 3, 31)): 16}
        )
        # The copy of a cancelled invoice bills the days it had given back.
        copy.button_draft()
        copy.button_cancel()
        move.button_draft()
        move.button_cancel()
        again = move.copy()
        self.assertEqual(again.invoice_line_ids.chorus_care_decision_id, self.lea | self.noah)
        self.assertEqual(len(again.chorus_beneficiary_ids), 2)
        self.assertEqual(self._failed(again), {})

    # ------------------------------------------------------------------
    # Invoices not made from the care decisions: typed by hand, imported, duplicated
    # ------------------------------------------------------------------
    def _typed_care_invoice(
        self,
        quantity,
        name="Noah Diallo",
        start=date(2026, 3, 10),
        end=date(2026, 3, 20),
        price=80.0,
        engagement="EJ2026-ASE-0001",
    ):
        """A month's care invoice typed by hand: one line, its child as beneficiary."""
        values = {"purchase_order_reference": engagement} if engagement else {}
        return self._typed_invoice(
            [("Accueil de jour, mars 2026", quantity, price)],
            beneficiaries=[(name, start, end)],
            chorus_service_id=self.service_538,
            **values,
        )

    def test_typed_care_days_beyond_the_care_decision(self):
        # Noah's care ends on the 20th: 25 days typed for the 10th to the 20th.
        move = self._typed_care_invoice(25)
        self.assertEqual(move.chorus_order_id, self.ej1)
        line = move.invoice_line_ids
        self.assertEqual(line.chorus_care_decision_id, self.noah)
        self.assertEqual(
            (line.chorus_care_date_start, line.chorus_care_date_end), (date(2026, 3, 10), date(2026, 3, 20))
        )
        self.assertEqual(move.chorus_beneficiary_ids.move_line_id, line)
        message = self._failed(move)["order_remaining"]
        self.assertEqual(
            message,
            "The child N.D.: 25 days billed from 03/10/2026 to 03/20/2026, but the care "
            "decision covers 11 of these days (care from 03/10/2026 to 03/20/2026).",
        )
        # The whole month typed: the days outside the decision are flagged too.
        month = self._typed_care_invoice(25, start=date(2026, 3, 1), end=date(2026, 3, 31))
        failed = self._failed(month)
        self.assertIn("covers 11 of these days", failed["order_remaining"])
        self.assertIn(
            "The child N.D.: care from 03/01/2026 to 03/31/2026 is outside the care decision",
            failed["order_dates"],
        )
        # Posting refuses it, deposit wizard included.
        wizard = self._open_from_list(move)
        lines = {line.code: line for line in wizard.line_ids}
        self.assertEqual(
            lines["order_match"].label,
            "Matched to order PEC-2026-EJ1 (EJ2026-ASE-0001) by its engagement number",
        )
        self.assertIn("25 days billed", lines["order_remaining"].message)
        month.button_cancel()
        self.assertIn("25 days billed", self._post_refused(move))
        # Corrected in the form: it passes.
        with Form(move) as form, form.invoice_line_ids.edit(0) as line:
            line.quantity = 11
        self.assertEqual(self._failed(move), {})
        move.action_post()
        self.assertEqual(self.noah.days_invoiced, 11)

    def test_same_child_and_month_on_a_second_invoice(self):
        first = self._march_invoice()
        # Typed by hand, without the EJ: found by its beneficiary (name typed differently).
        second = self._typed_care_invoice(
            31,
            name="lea  MARTIN",
            start=date(2026, 3, 1),
            end=date(2026, 3, 31),
            price=150.0,
            engagement=None,
        )
        self.assertEqual(second.chorus_order_id, self.ej1)
        self.assertEqual(second.chorus_order_matched_by, "beneficiary")
        self.assertEqual(second.invoice_line_ids.chorus_care_decision_id, self.lea)
        self.assertEqual(
            self._checklist(second)["order_match"]["label"],
            "Matched to order PEC-2026-EJ1 (EJ2026-ASE-0001) by its beneficiaries",
        )
        failed = self._failed(second)
        self.assertIn(
            "The child L.M.: 31 day(s) from 03/01/2026 to 03/31/2026 already on another invoice.",
            failed["order_remaining"],
        )
        self.assertIn(
            "The engagement number (EJ) of the invoice (-) is not the order's (EJ2026-ASE-0001).",
            failed["order_routing"],
        )
        # The month's invoice (a draft) sees the typed one too.
        self.assertIn("The child L.M.: 31 day(s)", self._failed(first)["order_remaining"])
        # A cancelled invoice does not count.
        first.button_cancel()
        self.assertNotIn("order_remaining", self._failed(second))
        # The month's wizard proposes what the typed invoice does not bill.
        self.assertEqual(self._wizard().line_ids.decision_id, self.noah | self.ines)
        # Posted, then given back by a credit note: billed again without a flag.
        second.purchase_order_reference = "EJ2026-ASE-0001"
        second.action_post()
        self.assertEqual(self.lea.days_invoiced, 31)
        third = self._typed_care_invoice(
            31, name="Léa Martin", start=date(2026, 3, 1), end=date(2026, 3, 31), price=150.0
        )
        self.assertIn("31 day(s)", self._failed(third)["order_remaining"])
        refund = second._reverse_moves([{"invoice_date": "2026-04-05"}])
        refund.action_post()
        self.assertNotIn("order_remaining", self._failed(third))

    def test_imported_care_invoice(self):
        result = self.env["account.move"].load(
            [
                "move_type",
                "partner_id/id",
                "invoice_date",
                "purchase_order_reference",
                "chorus_service_id/id",
                "invoice_line_ids/name",
                "invoice_line_ids/quantity",
                "invoice_line_ids/price_unit",
                "invoice_line_ids/tax_ids/.id",
                "chorus_beneficiary_ids/name",
                "chorus_beneficiary_ids/date_start",
                "chorus_beneficiary_ids/date_end",
            ],
            [
                [
                    "out_invoice",
                    "l10n_fr_chorus_pro.partner_departement_93",
                    "2026-04-02",
                    "EJ2026-ASE-0001",
                    "l10n_fr_chorus_pro.service_departement_93_ase_538",
                    "Accueil de jour Noah Diallo",
                    "25",
                    "85",
                    str(self.tax.id),
                    "Noah Diallo",
                    "2026-03-10",
                    "2026-03-20",
                ]
            ],
        )
        self.assertFalse(result["messages"], result["messages"])
        move = self.env["account.move"].browse(result["ids"])
        self.assertEqual(move.invoice_line_ids.chorus_care_decision_id, self.noah)
        failed = self._failed(move)
        self.assertIn("25 days billed", failed["order_remaining"])
        self.assertEqual(
            failed["order_prices"],
            "The child N.D. (Day care): unit price 85.00\xa0€ instead of "
            "the daily rate of the care decision, 80.00\xa0€.",
        )

    def test_duplicated_typed_care_invoice(self):
        move = self._typed_care_invoice(11)
        move.action_post()
        copy = move.copy()
        self.assertFalse(copy.sudo().invoice_line_ids.chorus_care_decision_id)
        self.assertIn("A line is not tied to a care decision", self._failed(copy)["order_prices"])
        # The child named again in the copy's form: the days are on the first invoice.
        with Form(copy) as form, form.chorus_beneficiary_ids.new() as beneficiary:
            beneficiary.name = "Noah Diallo"
            beneficiary.date_start = date(2026, 3, 10)
            beneficiary.date_end = date(2026, 3, 20)
        self.assertEqual(copy.invoice_line_ids.chorus_care_decision_id, self.noah)
        self.assertIn(
            "The child N.D.: 11 day(s) from 03/10/2026 to 03/20/2026 already on another invoice.",
            self._failed(copy)["order_remaining"],
        )


@tagged("post_install", "-at_install")
class TestCareDecisionTour(ChorusProSimulatorCommon):
    """In the browser, in French, to the end: a care decision, the month's wizard, the
    invoice posted and deposited on the Chorus Pro simulator."""

    def test_care_decision_tour(self):
        order = self.env["chorus.pro.order"].create(
            {
                "name": "PEC-TOUR-01",
                "kind": "care",
                "partner_id": self.dept93.id,
                "service_id": self.service_538.id,
                "engagement_number": "EJ2026-TOUR-01",
                "date_start": "2026-01-01",
                "date_end": "2026-12-31",
            }
        )
        # Child-welfare care is exempt from VAT (CGI art. 261-7-1°): the Default Care Product
        # of the settings carries the exemption.
        product = self._care_product("Placement ASE")
        exempt = product.taxes_id
        self.company.chorus_care_product_id = product
        self.env.ref("base.lang_fr").active = True
        self.invoicing_user.lang = "fr_FR"
        self.start_tour(
            f"/odoo/action-l10n_fr_chorus_pro.action_chorus_pro_order/{order.id}",
            "chorus_pro_care_decision_tour",
            login=self.invoicing_user.login,
            timeout=180,
        )
        decision = order.care_decision_ids
        self.assertEqual(decision.name, "Jade Morel")
        move = order.move_ids
        line = move.invoice_line_ids
        self.assertEqual(line.quantity, 28)
        self.assertEqual(line.chorus_care_decision_id, decision)
        self.assertEqual((line.product_id, line.tax_ids), (product, exempt))
        first, last = decision._last_month()
        self.assertEqual((line.chorus_care_date_start, line.chorus_care_date_end), (first, last))
        self.assertEqual(move.chorus_beneficiary_ids.name, "Jade Morel")
        # Posted and deposited: the simulator holds it.
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.chorus_state, "deposited")
        self.assertTrue(move.chorus_flow_id)
        self.sim.advance_flows(to_terminal=True)  # the flow integrated: the invoice is on Chorus Pro
        invoices = self.sim.find_invoices(numero_facture=move.name)
        self.assertEqual(len(invoices), 1)
        self.assertEqual(invoices[0]["numeroFluxDepot"], move.chorus_flow_id.name)


@tagged("post_install", "-at_install")
class TestCareDecisionsDemo(TransactionCase):
    """The demo orders and care decisions (skipped on a database without demo data)."""

    def test_demo_month_wizard(self):
        company = self.env.ref("l10n_fr_chorus_pro.demo_company_ase", raise_if_not_found=False)
        if not company:
            self.skipTest("installed without demo data")
        env = self.env(context=dict(self.env.context, allowed_company_ids=company.ids))
        env.user.company_ids |= company
        dept93 = env.ref("l10n_fr_chorus_pro.partner_departement_93")
        # The demo invoice bills Lina B. and Yanis K. the month before last on their EJ.
        invoice = env.ref("l10n_fr_chorus_pro.demo_invoice_ase_538")
        self.assertEqual(
            sorted(invoice.invoice_line_ids.chorus_care_decision_id.mapped("name")), ["Lina B.", "Yanis K."]
        )
        wizard = (
            env["chorus.pro.care.month.wizard"]
            .with_company(company)
            .create({"company_id": company.id, "partner_id": dept93.id})
        )
        wizard.action_propose()
        first, last = env["chorus.pro.care.decision"]._last_month()
        proposal = {line.decision_id.name: (line.date_start, line.date_end) for line in wizard.line_ids}
        self.assertEqual(proposal["Lina B."], (first, last))
        self.assertEqual(proposal["Yanis K."], (first, first + relativedelta(days=19)))
        self.assertEqual(proposal["Emma R."], (first + relativedelta(days=11), last))
        moves = wizard._create_invoices()
        self.assertEqual(len(moves), 2)
        for move in moves:
            failed = [i for i in env["chorus.pro.order"]._checklist_items(move) if not i["ok"]]
            self.assertFalse(failed, failed)
        pmi = env.ref("l10n_fr_chorus_pro.demo_order_pmi")
        self.assertEqual(pmi.amount_ordered, 30 * 35.0 + 10 * 48.0)
