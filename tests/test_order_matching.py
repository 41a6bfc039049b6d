# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Invoices of a recipient that has orders are checked against their order however they
were made: typed by hand in the generic invoice form, imported, duplicated; the deposit
wizard opened from the invoice list and posting apply the same rules (the same for care
decisions: see test_care_decisions). Care decisions imported without a product are
invoiced with the company's default care product."""

from datetime import date

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import ChorusProCommon
from .test_orders import ChorusProOrderCommon

MATCHED_BY_EJ = "Matched to order %s by its engagement number"


@tagged("post_install", "-at_install")
class TestOrderMatching(ChorusProOrderCommon):
    def _typed_order_invoice(self, lines):
        return self._typed_invoice(
            lines,
            purchase_order_reference="EJ2026-000042",
            contract_reference="MP-2025-0457",
            chorus_service_id=self.service_132,
        )

    def _failed(self, move):
        return {
            item["code"]: item["message"]
            for item in self.env["chorus.pro.order"]._checklist_items(move)
            if not item["ok"]
        }

    # ------------------------------------------------------------------
    # Purchase and service orders
    # ------------------------------------------------------------------
    def test_typed_invoice_tied_to_its_order_by_the_engagement_number(self):
        move = self._typed_order_invoice([("Consultation (BPU 1.1)", 4, 50.0)])
        self.assertEqual(move.chorus_order_id, self.order)
        self.assertEqual(move.chorus_order_matched_by, "engagement")
        self.assertEqual(move.invoice_line_ids.chorus_order_line_id, self.line_consult)
        checklist = self._checklist(move)
        self.assertEqual(checklist["order_match"]["label"], MATCHED_BY_EJ % "BC-2026-0042 (EJ2026-000042)")
        self.assertTrue(checklist["order_match"]["ok"])
        self.assertEqual(self._failed(move), {})
        # 12 consultations typed in the form: beyond the 10 ordered.
        with Form(move) as form, form.invoice_line_ids.edit(0) as line:
            line.quantity = 12
        self.assertIn(
            "Line 'Consultation (BPU 1.1)': 12 invoiced, only 10 left on the order.",
            self._failed(move)["order_remaining"],
        )
        # The order counts it once posted (the company only warns).
        move.invoice_line_ids.quantity = 4
        move.action_post()
        self.assertEqual(self.line_consult.qty_invoiced, 4)
        self.assertEqual(self.order.amount_invoiced, 200.0)

    def test_engagement_number_of_a_fully_invoiced_order_typed_by_hand(self):
        self._order_invoice()  # everything ordered, invoiced from the order
        self.assertEqual(self.order.state, "invoiced")
        extra = self._typed_order_invoice([("Entretien des locaux", 1, 300.0)])
        failed = self._failed(extra)
        self.assertIn(
            "Line 'Entretien des locaux' is not an item of order BC-2026-0042 (EJ2026-000042)",
            failed["order_prices"],
        )
        self.assertIn(
            "The invoice (300.00\xa0€ untaxed) exceeds what remains of order BC-2026-0042 "
            "(EJ2026-000042) (0.00\xa0€).",
            failed["order_remaining"],
        )
        again = self._typed_order_invoice([("Atelier (BPU 1.2)", 1, 300.0)])
        self.assertEqual(again.invoice_line_ids.chorus_order_line_id, self.line_workshop)
        self.assertIn(
            "Line 'Atelier (BPU 1.2)': 1 invoiced, only 0 left on the order.",
            self._failed(again)["order_remaining"],
        )
        # Posting refuses it when the company blocks...
        self.assertIn("only 0 left on the order", self._post_refused(again))
        # ... and only warns when the company's "Invoice Beyond the Order" says so.
        self.company.chorus_order_overrun = "warn"
        self.assertNotIn("order_remaining", self._failed(again))

    def test_imported_invoice_checked_against_its_order(self):
        result = self.env["account.move"].load(
            [
                "move_type",
                "partner_id/id",
                "invoice_date",
                "purchase_order_reference",
                "contract_reference",
                "chorus_service_id/id",
                "invoice_line_ids/name",
                "invoice_line_ids/quantity",
                "invoice_line_ids/price_unit",
                "invoice_line_ids/tax_ids/.id",
            ],
            [
                [
                    "out_invoice",
                    "l10n_fr_chorus_pro.partner_departement_93",
                    "2026-11-02",
                    "EJ2026-000042",
                    "MP-2025-0457",
                    "l10n_fr_chorus_pro.service_departement_93_pmi_132",
                    "Consultation (BPU 1.1)",
                    "12",
                    "50",
                    str(self.tax.id),
                ]
            ],
        )
        self.assertFalse(result["messages"], result["messages"])
        move = self.env["account.move"].browse(result["ids"])
        self.assertEqual(move.chorus_order_id, self.order)
        self.assertIn("12 invoiced, only 10 left", self._failed(move)["order_remaining"])

    def test_duplicated_typed_invoice(self):
        move = self._typed_order_invoice([("Consultation (BPU 1.1)", 10, 50.0)])
        move.action_post()
        copy = move.copy()
        self.assertEqual(copy.chorus_order_id, self.order)
        # Its line is no longer tied (the 10 consultations are invoiced): blocked.
        self.assertFalse(copy.invoice_line_ids.chorus_order_line_id)
        self.assertIn(
            "Line 'Consultation (BPU 1.1)' is not an item of order", self._failed(copy)["order_prices"]
        )
        # Corrected in the form (what remains of the workshops): tied again, and it passes.
        with Form(copy) as form, form.invoice_line_ids.edit(0) as line:
            line.name = "Atelier (BPU 1.2)"
            line.quantity = 2
            line.price_unit = 300.0
        self.assertEqual(copy.invoice_line_ids.chorus_order_line_id, self.line_workshop)
        self.assertEqual(self._failed(copy), {})

    def test_deposit_wizard_from_the_list_shows_the_match(self):
        self._order_invoice()
        move = self._typed_order_invoice([("Atelier (BPU 1.2)", 1, 300.0)])
        wizard = self._open_from_list(move)
        lines = {line.code: line for line in wizard.line_ids}
        self.assertEqual(lines["order_match"].label, MATCHED_BY_EJ % "BC-2026-0042 (EJ2026-000042)")
        self.assertTrue(lines["order_match"].ok)
        self.assertFalse(lines["order_remaining"].ok)
        self.assertIn("only 0 left on the order", lines["order_remaining"].message)
        with self.assertRaisesRegex(UserError, "only 0 left on the order"):
            wizard.action_deposit()

    def test_engagement_number_of_several_orders(self):
        self.order.copy({"name": "BC-2026-0043"})  # the same EJ
        move = self._typed_order_invoice([("Consultation (BPU 1.1)", 1, 50.0)])
        self.assertFalse(move.chorus_order_id)
        self.assertIn(
            "Engagement number EJ2026-000042 belongs to several orders", self._failed(move)["order"]
        )


@tagged("post_install", "-at_install")
class TestDefaultCareProduct(ChorusProCommon):
    """The sample care decisions (no product column) invoiced with the company's default
    care product, chosen in the settings."""

    def _wizard_form(self):
        """The month's care invoices as the menu opens it."""
        return Form(self.env["chorus.pro.care.month.wizard"])

    def test_sample_import_month_wizard_and_checklist(self):
        # Opened before anything is chosen: it says what to choose.
        form = self._wizard_form()
        self.assertFalse(form.partner_id)
        self.assertEqual(
            form.proposal_note,
            "Choose the recipient and the month to invoice: the days of "
            "care of that month not yet on an invoice are proposed here.",
        )
        self._load_sample("chorus.pro.order", "sample_orders.csv")
        result = self._load_sample("chorus.pro.care.decision", "sample_care_decisions.csv")
        self.assertFalse([m for m in result["messages"] if m["type"] == "error"], result["messages"])
        decisions = self.env["chorus.pro.care.decision"].browse(result["ids"])
        self.assertFalse(decisions.product_id)
        self.assertFalse(decisions.tax_ids)
        # No default care product: the wizard says so and creates nothing.
        form = self._wizard_form()
        self.assertEqual(form.partner_id, self.dept93)
        form.month = date(2026, 3, 1)
        form.invoice_date = date(2026, 4, 2)
        self.assertEqual(len(form.line_ids), 3)
        self.assertIn(
            "No Default Care Product: 3 care decision(s) have no product nor tax.", form.product_problem
        )
        wizard = form.save()
        with self.assertRaisesRegex(UserError, "No Default Care Product"):
            wizard.action_create_invoices()
        self.assertFalse(self.env["account.move"].search([("chorus_order_id", "in", decisions.order_id.ids)]))
        # Chosen once in the settings: an exempt product.
        product = self._care_product("Accueil ASE")
        exempt = product.taxes_id
        settings = Form(self.env["res.config.settings"])
        settings.chorus_care_product_id = product
        settings.save().execute()
        self.assertEqual(self.company.chorus_care_product_id, product)
        self.assertEqual(decisions.invoice_product_id, product)
        form = self._wizard_form()
        form.month = date(2026, 3, 1)
        form.invoice_date = date(2026, 4, 2)
        self.assertEqual(form.care_product_id, product)
        self.assertFalse(form.product_problem)
        wizard = form.save()
        self.assertEqual(wizard.line_ids.product_id, product, "each line says which product it uses")
        move = self.env["account.move"].browse(wizard.action_create_invoices()["res_id"])
        self.assertEqual(move.invoice_line_ids.product_id, product)
        self.assertEqual(move.invoice_line_ids.tax_ids, exempt)
        checklist = {
            item["code"]: item for item in self.env["chorus.pro.checklist"]._check(move, with_facturx=False)
        }
        self.assertTrue(checklist["taxes"]["ok"], checklist["taxes"]["message"])
        for code, item in checklist.items():
            if code.startswith("order"):
                self.assertTrue(item["ok"], item["message"])
        # Everything of March invoiced: the wizard says so.
        form = self._wizard_form()
        form.month = date(2026, 3, 1)
        self.assertEqual(
            form.proposal_note,
            "Nothing to invoice: every day of care of this month is already on an invoice.",
        )
