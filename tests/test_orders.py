# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common import ChorusProCommon


class ChorusProOrderCommon(ChorusProCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax = cls.company_data["default_tax_sale"]
        # Posting checks every Chorus Pro mention (bank account...): only warn here.
        cls.company.chorus_post_check = "warn"
        cls.order = cls.env["chorus.pro.order"].create(
            {
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
                    Command.create(
                        {
                            "name": "Consultation (BPU 1.1)",
                            "quantity": 10,
                            "price_unit": 50.0,
                            "tax_ids": [Command.set(cls.tax.ids)],
                        }
                    ),
                    Command.create(
                        {
                            "name": "Atelier (BPU 1.2)",
                            "quantity": 2,
                            "price_unit": 300.0,
                            "tax_ids": [Command.set(cls.tax.ids)],
                        }
                    ),
                ],
            }
        )
        cls.line_consult, cls.line_workshop = cls.order.line_ids

    def _order_invoice(self, quantities=None, post=True, move_type="out_invoice", order=None, **values):
        """An invoice (or credit note) of ``order`` with ``quantities`` {order line: qty}."""
        order = order or self.order
        quantities = quantities or {line: line.qty_remaining for line in order.line_ids}
        move = self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": order.partner_id.id,
                "invoice_date": "2026-11-02",
                "chorus_order_id": order.id,
                **order._invoice_header_values(),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": line.name,
                            "quantity": qty,
                            "price_unit": line.price_unit,
                            "tax_ids": [Command.set(line.tax_ids.ids)],
                            "chorus_order_line_id": line.id,
                        }
                    )
                    for line, qty in quantities.items()
                ],
                **values,
            }
        )
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
        attachment = self.env["ir.attachment"].create(
            {"name": "bon_de_commande.pdf", "raw": b"%PDF-1.4 order", "mimetype": "application/pdf"}
        )
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
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.order.engagement_number = "X" * 51
        with self.assertRaises(ValidationError), self.env.cr.savepoint():
            self.order.service_id = self.env["chorus.pro.service"].create(
                {"partner_id": self.university.id, "code": "PSY", "name": "Santé Psy"}
            )

    def test_import_sample_orders(self):
        Order = self.env["chorus.pro.order"]
        result = self._load_sample("chorus.pro.order", "sample_orders.csv")
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
        return {
            item["code"]: item["message"]
            for item in self.env["chorus.pro.order"]._checklist_items(move)
            if not item["ok"]
        }

    def test_checklist_matching_invoice(self):
        move = self.env["account.move"].browse(self.order.action_create_invoice()["res_id"])
        move.invoice_date = "2026-11-02"
        items = self.env["chorus.pro.order"]._checklist_items(move)
        self.assertEqual(
            {item["code"] for item in items},
            {"order", "order_routing", "order_units", "order_prices", "order_dates", "order_remaining"},
        )
        self.assertEqual(self._failed(move), {})
        # The checklist itself shows them.
        codes = {item["code"] for item in self.env["chorus.pro.checklist"]._check(move, with_facturx=False)}
        self.assertIn("order_remaining", codes)

    def test_checklist_over_invoicing(self):
        self._order_invoice({self.line_consult: 8})
        move = self._order_invoice({self.line_consult: 3}, post=False)
        self.assertIn("3 invoiced, only 2 left", self._failed(move)["order_remaining"])
        move.invoice_line_ids.quantity = 2
        self.assertNotIn("order_remaining", self._failed(move))
        # Above the ordered amount (an extra line not on the order).
        move.invoice_line_ids = [
            Command.create(
                {"name": "Extra", "quantity": 1, "price_unit": 900.0, "tax_ids": [Command.set(self.tax.ids)]}
            )
        ]
        failed = self._failed(move)
        self.assertIn("exceeds what remains", failed["order_remaining"])
        self.assertIn("is not an item of order", failed["order_prices"])
        # Company setting: only warn.
        self.company.chorus_order_overrun = "warn"
        self.assertNotIn("order_remaining", self._failed(move))

    def test_checklist_wrong_price(self):
        move = self._order_invoice({self.line_consult: 1}, post=False)
        move.invoice_line_ids.price_unit = 55.0
        self.assertIn(
            "unit price 55.00\xa0€ instead of the ordered 50.00\xa0€", self._failed(move)["order_prices"]
        )

    def test_checklist_expired_or_closed_order(self):
        move = self._order_invoice({self.line_consult: 1}, post=False, invoice_date="2027-01-05")
        self.assertIn(
            "is not valid on 01/05/2027 (valid from 01/10/2026 to 12/31/2026)", self._failed(move)["order"]
        )
        move.invoice_date = "2026-11-02"
        self.assertNotIn("order", self._failed(move))
        self.order.action_close()
        self.assertIn("is closed", self._failed(move)["order"])

    def test_checklist_ej_service_market_mismatch(self):
        move = self._order_invoice({self.line_consult: 1}, post=False)
        move.write(
            {
                "purchase_order_reference": "EJ2026-999999",
                "contract_reference": False,
                "chorus_service_id": self.service_538.id,
            }
        )
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

    # ------------------------------------------------------------------
    # Units of measure: an invoice in another unit of the same kind
    # ------------------------------------------------------------------
    def _uom_order(self):
        """An order of 10 days of consulting at 400.00 per day and 24 units at 10.00."""
        return self.env["chorus.pro.order"].create(
            {
                "name": "BC-2026-UOM",
                "kind": "purchase",
                "partner_id": self.dept93.id,
                "service_id": self.service_132.id,
                "engagement_number": "EJ2026-000077",
                "date_start": "2026-01-01",
                "date_end": "2026-12-31",
                "line_ids": [
                    Command.create(
                        {
                            "name": "Conseil (jours)",
                            "quantity": 10,
                            "price_unit": 400.0,
                            "product_uom_id": self.env.ref("uom.product_uom_day").id,
                            "tax_ids": [Command.set(self.tax.ids)],
                        }
                    ),
                    Command.create(
                        {
                            "name": "Kits",
                            "quantity": 24,
                            "price_unit": 10.0,
                            "product_uom_id": self.env.ref("uom.product_uom_unit").id,
                            "tax_ids": [Command.set(self.tax.ids)],
                        }
                    ),
                ],
            }
        )

    def _uom_invoice(self, order, lines, post=False):
        """``lines``: (order line, quantity, unit xmlid or uom, unit price)."""
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": order.partner_id.id,
                "invoice_date": "2026-11-02",
                "chorus_order_id": order.id,
                **order._invoice_header_values(),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": order_line.name,
                            "quantity": qty,
                            "price_unit": price,
                            "product_uom_id": (self.env.ref(uom) if isinstance(uom, str) else uom).id,
                            "tax_ids": [Command.set(self.tax.ids)],
                            "chorus_order_line_id": order_line.id,
                        }
                    )
                    for order_line, qty, uom, price in lines
                ],
            }
        )
        if post:
            move.action_post()
        return move

    def test_invoice_in_another_unit_of_the_same_kind(self):
        order = self._uom_order()
        days, kits = order.line_ids
        # 16 hours at 50.00 per hour = 2 days at 400.00 per day; a dozen kits at 120.00.
        move = self._uom_invoice(
            order, [(days, 16, "uom.product_uom_hour", 50.0), (kits, 1, "uom.product_uom_dozen", 120.0)]
        )
        self.assertEqual(self._failed(move), {})
        move.action_post()
        self.assertEqual(days.qty_invoiced, 2)
        self.assertEqual(days.qty_remaining, 8)
        self.assertEqual(kits.qty_invoiced, 12)
        self.assertEqual(kits.qty_remaining, 12)
        self.assertEqual(order.amount_invoiced, 920.0)
        # Weeks of 5 days: 2 weeks exceed the 8 days left; 2,100.00 a week is not 5 × 400.00.
        week = self.env["uom.uom"].create(
            {
                "name": "Semaines",
                "relative_factor": 5,
                "relative_uom_id": self.env.ref("uom.product_uom_day").id,
            }
        )
        move = self._uom_invoice(order, [(days, 2, week, 2100.0)])
        failed = self._failed(move)
        self.assertIn("10 Days invoiced, only 8 Days left", failed["order_remaining"])
        self.assertIn("instead of the ordered 2,000.00\xa0€", failed["order_prices"])
        self.assertNotIn("order_units", failed)
        move.invoice_line_ids.write({"quantity": 1.6, "price_unit": 2000.0})
        self.assertEqual(self._failed(move), {})
        # Hours at the price per day: caught.
        move = self._uom_invoice(order, [(days, 8, "uom.product_uom_hour", 400.0)])
        self.assertIn("instead of the ordered 50.00\xa0€", self._failed(move)["order_prices"])

    def test_invoice_in_a_unit_of_another_kind(self):
        order = self._uom_order()
        days = order.line_ids[0]
        move = self._uom_invoice(order, [(days, 3, "uom.product_uom_kgm", 400.0)])
        failed = self._failed(move)
        self.assertIn("cannot be converted into the unit of the order (Days)", failed["order_units"])
        self.assertNotIn("order_prices", failed)
        move.action_post()
        # Not counted as days (the amount is).
        self.assertEqual(days.qty_invoiced, 0)
        self.assertEqual(days.amount_invoiced, 1200.0)
        # The item is there, and passes, on a matching invoice.
        move = self._uom_invoice(order, [(days, 1, "uom.product_uom_day", 400.0)])
        items = {item["code"]: item["ok"] for item in self.env["chorus.pro.order"]._checklist_items(move)}
        self.assertTrue(items["order_units"])

    # ------------------------------------------------------------------
    # Duplicating an invoice of an order
    # ------------------------------------------------------------------
    def test_duplicate_invoice_is_not_counted_twice(self):
        invoice = self._order_invoice({self.line_consult: 8, self.line_workshop: 1})
        self.assertEqual(self.order.amount_remaining, 1100.0 - 700.0)
        copy = invoice.copy()
        self.assertEqual(copy.chorus_order_id, self.order, "the copy keeps the order")
        consult = copy.invoice_line_ids.filtered(lambda l: l.name == self.line_consult.name)
        workshop = copy.invoice_line_ids - consult
        # 8 consultations do not remain (2 left): no longer tied; the last workshop remains.
        self.assertFalse(consult.chorus_order_line_id)
        self.assertEqual(workshop.chorus_order_line_id, self.line_workshop)
        self.assertTrue(
            [
                body
                for body in copy.message_ids.mapped("body")
                if "1 line(s) of the duplicated invoice were already invoiced" in body
            ]
        )
        failed = self._failed(copy)
        self.assertIn("is not an item of order", failed["order_prices"])
        self.assertIn("exceeds what remains", failed["order_remaining"])
        # Posted anyway (the company only warns at posting): nothing counted twice on the line.
        copy.action_post()
        self.assertEqual(self.line_consult.qty_invoiced, 8)
        self.assertEqual(self.line_consult.qty_remaining, 2)
        self.assertEqual(self.line_workshop.qty_remaining, 0)
        # A draft's copy: the draft already takes what remains.
        draft = self._order_invoice({self.line_consult: 2}, post=False)
        self.assertFalse(draft.copy().invoice_line_ids.chorus_order_line_id)
        # A cancelled invoice's copy invoices again what it had given back.
        draft.button_cancel()
        self.assertEqual(draft.copy().invoice_line_ids.chorus_order_line_id, self.line_consult)

    def test_credit_note_keeps_the_order_lines(self):
        invoice = self._order_invoice({self.line_consult: 8})
        refund = invoice._reverse_moves([{"invoice_date": "2026-11-05"}])
        self.assertEqual(refund.invoice_line_ids.chorus_order_line_id, self.line_consult)
        refund.action_post()
        self.assertEqual(self.line_consult.qty_remaining, 10)

    # ------------------------------------------------------------------
    # Follow-up: expiring orders, paid amounts
    # ------------------------------------------------------------------
    def test_expiring_orders_filter_and_reminder(self):
        Order = self.env["chorus.pro.order"]
        today = fields.Date.context_today(Order)
        self.order.date_end = today + relativedelta(days=100)
        soon = self.order.copy(
            {"name": "BC-SOON", "date_end": today + relativedelta(days=10), "user_id": self.invoicing_user.id}
        )
        later = self.order.copy({"name": "BC-LATER", "date_end": today + relativedelta(days=45)})
        closed = self.order.copy({"name": "BC-CLOSED", "date_end": today + relativedelta(days=5)})
        closed.action_close()
        nobody = self.order.copy(
            {"name": "BC-NOBODY", "date_end": today + relativedelta(days=30), "user_id": False}
        )
        # The list's filter.
        arch = etree.fromstring(
            Order.get_view(self.env.ref("l10n_fr_chorus_pro.chorus_pro_order_view_search").id, "search")[
                "arch"
            ]
        )
        domain = safe_eval(arch.xpath("//filter[@name='expiring']")[0].get("domain"))
        found = Order.search(domain)
        self.assertIn(soon, found)
        self.assertIn(nobody, found)
        self.assertNotIn(later, found)
        self.assertNotIn(closed, found)
        self.assertNotIn(self.order, found)
        self.assertTrue(soon.expiring_soon)
        self.assertFalse(later.expiring_soon)
        # The daily reminder: once per order.
        activity_type = self.env.ref("l10n_fr_chorus_pro.mail_activity_type_order_expiring")
        Order._cron_expiry_reminders()
        Order._cron_expiry_reminders()
        mine = self.order | soon | later | closed | nobody
        reminders = self.env["mail.activity"].search(
            [
                ("activity_type_id", "=", activity_type.id),
                ("res_model", "=", "chorus.pro.order"),
                ("res_id", "in", mine.ids),
            ]
        )
        self.assertEqual(set(reminders.mapped("res_id")), {soon.id, nobody.id})
        self.assertEqual(reminders.filtered(lambda a: a.res_id == soon.id).user_id, self.invoicing_user)
        # Without a responsible: an invoicing user of the company.
        user = reminders.filtered(lambda a: a.res_id == nobody.id).user_id
        self.assertTrue(user.has_group("account.group_account_invoice"))
        self.assertIn(self.company, user.company_ids)
        # Done, then the cron runs again: not scheduled again; extended: a new reminder later.
        reminders.action_done()
        Order._cron_expiry_reminders()
        self.assertFalse(soon.activity_ids)
        soon.date_end = today + relativedelta(days=20)
        Order._cron_expiry_reminders()
        self.assertEqual(soon.activity_ids.activity_type_id, activity_type)

    def test_paid_amount(self):
        invoice = self._order_invoice({self.line_consult: 4})
        self.assertEqual(self.order.amount_paid, 0.0)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"amount": invoice.amount_total / 2})._create_payments()
        self.assertEqual(invoice.payment_state, "partial")
        self.assertEqual(self.order.amount_paid, 100.0)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.order.amount_paid, 200.0)
        self.assertEqual(self.order.amount_remaining, 900.0)
        # The list and the pivot show ordered, invoiced, paid and remaining.
        for xmlid in ("chorus_pro_order_view_list", "chorus_pro_order_view_pivot"):
            arch = self.env.ref(f"l10n_fr_chorus_pro.{xmlid}").arch
            for fname in ("amount_ordered", "amount_invoiced", "amount_paid", "amount_remaining"):
                self.assertIn(f'name="{fname}"', arch)
