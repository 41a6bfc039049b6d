# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import csv
from datetime import date

from odoo import Command
from odoo.tests import Form, tagged
from odoo.tools.misc import file_path

from .common import ChorusProCommon


class ChorusProOrderCommon(ChorusProCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax = cls.company_data["default_tax_sale"]
        # Posting checks every Chorus Pro mention (bank account...): only warn here.
        cls.company.chorus_post_check = "warn"
        cls.order = cls.env["chorus.pro.order"].create({
            "name": "BC-2026-0042",
            "kind": "market",
            "partner_id": cls.dept93.id,
            "service_id": cls.service_132.id,
            "engagement_number": "EJ2026-000042",
            "market_number": "MP-2025-0457",
            "date_order": "2026-01-10",
            "date_start": "2026-01-10",
            "date_end": "2026-12-31",
            "line_ids": [
                Command.create({"name": "Consultation (BPU 1.1)", "quantity": 10, "price_unit": 50.0,
                                "tax_ids": [Command.set(cls.tax.ids)]}),
                Command.create({"name": "Atelier (BPU 1.2)", "quantity": 2, "price_unit": 300.0,
                                "tax_ids": [Command.set(cls.tax.ids)]}),
            ],
        })
        cls.line_consult, cls.line_workshop = cls.order.line_ids

    def _order_invoice(self, quantities=None, post=True, move_type="out_invoice", order=None, **values):
        """An invoice (or credit note) of ``order`` with ``quantities`` {order line: qty}."""
        order = order or self.order
        quantities = quantities or {line: line.qty_remaining for line in order.line_ids}
        move = self.env["account.move"].create({
            "move_type": move_type,
            "partner_id": order.partner_id.id,
            "invoice_date": "2026-11-02",
            "chorus_order_id": order.id,
            **order._invoice_header_values(),
            "invoice_line_ids": [Command.create({
                "name": line.name, "quantity": qty, "price_unit": line.price_unit,
                "tax_ids": [Command.set(line.tax_ids.ids)], "chorus_order_line_id": line.id,
            }) for line, qty in quantities.items()],
            **values,
        })
        if post:
            move.action_post()
        return move


@tagged("post_install", "-at_install")
class TestOrders(ChorusProOrderCommon):
    def test_amounts_after_invoices_credit_notes_and_cancellations(self):
        order = self.order
        self.assertEqual(order.amount_ordered, 1100.0)
        self.assertEqual(order.state, "open")
        invoice = self._order_invoice({self.line_consult: 4})
        self.assertEqual(self.line_consult.qty_invoiced, 4)
        self.assertEqual(self.line_consult.qty_remaining, 6)
        self.assertEqual(order.amount_invoiced, 200.0)
        self.assertEqual(order.amount_remaining, 900.0)
        # A draft does not count.
        draft = self._order_invoice({self.line_workshop: 1}, post=False)
        self.assertEqual(order.amount_invoiced, 200.0)
        # A credit note gives back what it credits.
        self._order_invoice({self.line_consult: 1}, move_type="out_refund")
        self.assertEqual(self.line_consult.qty_invoiced, 3)
        self.assertEqual(order.amount_invoiced, 150.0)
        # A cancelled invoice counts for nothing.
        draft.action_post()
        self.assertEqual(order.amount_invoiced, 450.0)
        draft.button_draft()
        draft.button_cancel()
        self.assertEqual(order.amount_invoiced, 150.0)
        self.assertEqual(self.line_workshop.qty_remaining, 2)
        # Everything invoiced: fully invoiced.
        self._order_invoice({self.line_consult: 7, self.line_workshop: 2})
        self.assertEqual(order.amount_remaining, 0.0)
        self.assertEqual(order.state, "invoiced")
        self.assertIn(order, self.env["chorus.pro.order"].search([("state", "=", "invoiced")]))
        self.assertEqual(order.invoice_count, 4)
        self.assertTrue(invoice in order.move_ids)

    def test_states(self):
        Order = self.env["chorus.pro.order"]
        self.assertIn(self.order, Order.search([("state", "=", "open")]))
        self.assertEqual(self.order._state_on(date(2027, 1, 5)), "expired")
        self.assertEqual(self.order._state_on(date(2026, 1, 9)), "expired")
        old = self.order.copy({"name": "BC-2025-0001", "date_start": "2025-01-01", "date_end": "2025-12-31"})
        self.assertEqual(old.state, "expired")
        self.assertIn(old, Order.search([("state", "in", ["expired"])]))
        self.assertNotIn(old, Order.search([("state", "=", "open")]))
        old.action_close()
        self.assertEqual(old.state, "closed")
        self.assertIn(old, Order.search([("state", "=", "closed")]))

    def test_create_invoice_from_order(self):
        attachment = self.env["ir.attachment"].create({
            "name": "bon_de_commande.pdf", "raw": b"%PDF-1.4 order", "mimetype": "application/pdf"})
        self.order.attachment_ids = [Command.link(attachment.id)]
        self._order_invoice({self.line_consult: 4})
        action = self.order.action_create_invoice()
        move = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(move.chorus_order_id, self.order)
        self.assertEqual(move.chorus_service_id, self.service_132)
        self.assertEqual(move.buyer_reference, "132")
        self.assertEqual(move.purchase_order_reference, "EJ2026-000042")
        self.assertEqual(move.contract_reference, "MP-2025-0457")
        self.assertEqual(move.chorus_billing_frame, "A1")
        lines = move.invoice_line_ids
        self.assertEqual(lines.mapped("quantity"), [6, 2])
        self.assertEqual(lines.mapped("price_unit"), [50.0, 300.0])
        self.assertEqual(lines.chorus_order_line_id, self.order.line_ids)
        self.assertEqual(lines.tax_ids, self.tax)
        self.assertEqual(move.chorus_attachment_ids, attachment)

    def test_onchange_order_on_invoice(self):
        form = Form(self.env["account.move"].with_context(default_move_type="out_invoice"))
        form.partner_id = self.dept93
        form.chorus_order_id = self.order
        self.assertEqual(form.chorus_service_id, self.service_132)
        self.assertEqual(form.purchase_order_reference, "EJ2026-000042")
        self.assertEqual(form.contract_reference, "MP-2025-0457")
        self.assertEqual(len(form.invoice_line_ids), 2)
        move = form.save()
        self.assertEqual(move.invoice_line_ids.chorus_order_line_id, self.order.line_ids)
        self.assertEqual(move.amount_untaxed, 1100.0)
        self.assertIn(move, self.order.move_ids)

    def test_order_references_checked(self):
        with self.assertRaises(Exception):
            with self.env.cr.savepoint():
                self.order.engagement_number = "X" * 51
        with self.assertRaises(Exception):
            with self.env.cr.savepoint():
                self.order.service_id = self.env["chorus.pro.service"].create(
                    {"partner_id": self.university.id, "code": "PSY", "name": "Santé Psy"})

    def test_import_sample_orders(self):
        Order = self.env["chorus.pro.order"]
        with open(file_path("l10n_fr_chorus_pro/data/sample_orders.csv"), encoding="utf-8") as f:
            rows = list(csv.reader(f))
        result = Order.load(rows[0], rows[1:])
        self.assertFalse([m for m in result["messages"] if m["type"] == "error"], result["messages"])
        orders = Order.browse(result["ids"])
        self.assertEqual(orders.mapped("name"), ["BC-PMI-2026-014", "OS-CRE-2026-003", "PEC-ASE-2026-EJ1"])
        pmi = orders[0]
        self.assertEqual(pmi.service_id, self.service_132)
        self.assertEqual(len(pmi.line_ids), 2)
        self.assertEqual(pmi.amount_ordered, 40 * 85.0 + 12 * 240.0)
        self.assertEqual(orders[1].market_number, "MP-2025-0457")
        self.assertEqual(orders[2].kind, "care")
        self.assertEqual(orders.company_id, self.env.company)

    # ------------------------------------------------------------------
    # The checklist checks the match
    # ------------------------------------------------------------------
    def _failed(self, move):
        return {item["code"]: item["message"]
                for item in self.env["chorus.pro.order"]._checklist_items(move) if not item["ok"]}

    def test_checklist_matching_invoice(self):
        move = self.env["account.move"].browse(self.order.action_create_invoice()["res_id"])
        move.invoice_date = "2026-11-02"
        items = self.env["chorus.pro.order"]._checklist_items(move)
        self.assertEqual({item["code"] for item in items},
                         {"order", "order_routing", "order_prices", "order_dates", "order_remaining"})
        self.assertEqual(self._failed(move), {})
        # The checklist itself shows them.
        codes = {item["code"] for item in self.env["chorus.pro.checklist"]._check(move, with_facturx=False)}
        self.assertIn("order_remaining", codes)

    def test_checklist_over_invoicing(self):
        self._order_invoice({self.line_consult: 8})
        move = self._order_invoice({self.line_consult: 3}, post=False)
        self.assertIn("only 2.0 left", self._failed(move)["order_remaining"])
        move.invoice_line_ids.quantity = 2
        self.assertNotIn("order_remaining", self._failed(move))
        # Above the ordered amount (an extra line not on the order).
        move.invoice_line_ids = [Command.create({"name": "Extra", "quantity": 1, "price_unit": 900.0,
                                                 "tax_ids": [Command.set(self.tax.ids)]})]
        failed = self._failed(move)
        self.assertIn("exceeds what remains", failed["order_remaining"])
        self.assertIn("is not an item of order", failed["order_prices"])
        # Company setting: only warn.
        self.company.chorus_order_overrun = "warn"
        self.assertNotIn("order_remaining", self._failed(move))

    def test_checklist_wrong_price(self):
        move = self._order_invoice({self.line_consult: 1}, post=False)
        move.invoice_line_ids.price_unit = 55.0
        self.assertIn("instead of the ordered 50.0", self._failed(move)["order_prices"])

    def test_checklist_expired_or_closed_order(self):
        move = self._order_invoice({self.line_consult: 1}, post=False, invoice_date="2027-01-05")
        self.assertIn("is not valid on 2027-01-05", self._failed(move)["order"])
        move.invoice_date = "2026-11-02"
        self.assertNotIn("order", self._failed(move))
        self.order.action_close()
        self.assertIn("is closed", self._failed(move)["order"])

    def test_checklist_ej_service_market_mismatch(self):
        move = self._order_invoice({self.line_consult: 1}, post=False)
        move.write({"purchase_order_reference": "EJ2026-999999", "contract_reference": False,
                    "chorus_service_id": self.service_538.id})
        message = self._failed(move)["order_routing"]
        self.assertIn("EJ2026-999999", message)
        self.assertIn("MP-2025-0457", message)
        self.assertIn("service", message)

    def test_checklist_orders_required(self):
        move = self._chorus_invoice(service=self.service_132)
        self.assertEqual(self.env["chorus.pro.order"]._checklist_items(move), [])
        self.dept93.chorus_orders_required = True
        self.assertIn("requires every invoice", self._failed(move)["order"])
        move.chorus_order_id = self.order
        self.assertNotIn("requires every invoice", self._failed(move).get("order", ""))
