# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from decimal import Decimal

from odoo import Command, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date

from ..lib import price_revision


class AccountMove(models.Model):
    """The price revision of an invoice made from a revisable (or actualisable) order:
    the coefficient of its month, the revised unit prices and the computation, recorded
    (index values and months as they were then) and printed on the legal page."""

    _inherit = "account.move"

    chorus_revision_data = fields.Json(
        string="Price Revision Computation",
        copy=False,
        readonly=True,
        help="Formula, index values and months, coefficient, as applied to this invoice.",
    )
    chorus_revision_coefficient = fields.Float(
        string="Revision Coefficient", digits=(16, 3), copy=False, readonly=True
    )
    chorus_revision_month = fields.Date(string="Revision Month", copy=False, readonly=True)
    chorus_revision_provisional = fields.Boolean(
        string="Provisional Revision",
        copy=False,
        readonly=True,
        help="An index of the month was not published yet: its last published value was "
        "used; the revision is settled when the value arrives.",
    )
    chorus_revision_settlement_id = fields.Many2one(
        "account.move",
        string="Revision Settled By",
        copy=False,
        readonly=True,
        help="The complementary invoice or credit note that settled this provisional revision "
        "once the index values were published.",
    )
    chorus_revision_settled_id = fields.Many2one(
        "account.move",
        string="Settles the Revision Of",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The invoice whose provisional price revision this document settles.",
    )
    chorus_revision_settlement_state = fields.Selection(
        [
            ("waiting", "Waiting for the index values"),
            ("ready", "To settle"),
            ("settled", "Settled"),
        ],
        string="Revision Settlement",
        compute="_compute_chorus_revision_settlement_state",
        help="A posted invoice revised provisionally: to settle once every index value of "
        "its month is published (a complementary invoice or a credit note for the difference).",
    )
    chorus_revision_price_type = fields.Selection(related="chorus_order_id.price_type", string="Price Type")

    def _chorus_revision_day(self):
        """The day of the service whose month gives the index values: the service date,
        else the invoice date, else today."""
        self.ensure_one()
        return self.delivery_date or self.invoice_date or fields.Date.context_today(self)

    def action_chorus_apply_price_revision(self):
        """Button: (re)compute the revision of the draft with its current service date."""
        for move in self:
            if move.state != "draft":
                raise UserError(
                    self.env._(
                        "Invoice %(invoice)s is not a draft: its prices can no longer be revised.",
                        invoice=move.display_name,
                    )
                )
        self._chorus_apply_price_revision()

    def _chorus_apply_price_revision(self):
        """Revise the unit prices of the lines tied to an order line: ordered price ×
        the coefficient of the invoice's month, and record the computation."""
        digits = self.env["decimal.precision"].precision_get("Product Price")
        for move in self:
            order = move.chorus_order_id
            if move.chorus_revision_settled_id:
                continue  # a settlement keeps the definitive computation it was made with
            if not order or order.price_type == "firm" or move.move_type != "out_invoice":
                move.write(
                    {
                        "chorus_revision_data": False,
                        "chorus_revision_coefficient": 0.0,
                        "chorus_revision_month": False,
                        "chorus_revision_provisional": False,
                    }
                )
                continue
            revision = order.sudo()._price_revision(move._chorus_revision_day())
            for line in move.invoice_line_ids.filtered(
                lambda l: l.display_type == "product" and l.chorus_order_line_id
            ):
                base = line.chorus_order_line_id.sudo()._price_in_uom(line.product_uom_id)
                if base is None:
                    continue
                line.price_unit = float(
                    price_revision.revised_price(Decimal(repr(base)), revision.coefficient, digits)
                )
            move.write(
                {
                    "chorus_revision_data": move._chorus_revision_record(order, revision),
                    "chorus_revision_coefficient": float(revision.coefficient),
                    "chorus_revision_month": revision.month,
                    "chorus_revision_provisional": revision.provisional,
                }
            )

    def _chorus_revision_record(self, order, revision):
        fixed, terms = order._revision_clause()
        indices = {term.index_id.code: term.index_id for term in order.revision_term_ids}
        return {
            "price_type": order.price_type,
            "formula": price_revision.formula_text(fixed, terms),
            "fixed_part": str(fixed),
            "rounding": order.revision_rounding,
            "coefficient": str(revision.coefficient),
            "raw_coefficient": str(revision.raw_coefficient),
            "month": revision.month.isoformat(),
            "provisional": revision.provisional,
            "terms": [
                {
                    "index": term.index,
                    "name": indices[term.index].name,
                    "idbank": indices[term.index].idbank or "",
                    "weight": str(term.weight),
                    "base_month": term.base_month.isoformat(),
                    "base_value": str(term.base_value),
                    "value_month": term.value_month.isoformat(),
                    "value": str(term.value),
                    "provisional": term.provisional,
                }
                for term in revision.terms
            ],
        }

    def _chorus_revision_report(self):
        """The recorded computation, months in the invoice's language, for the legal page."""
        self.ensure_one()
        data = self.chorus_revision_data or {}

        def month(value):
            return format_date(self.env, fields.Date.to_date(value), date_format="MMMM y")

        return {
            "formula": data.get("formula"),
            "coefficient": data.get("coefficient"),
            "month": month(data["month"]) if data.get("month") else "",
            "provisional": data.get("provisional"),
            "terms": [
                {
                    **term,
                    "base_month": month(term["base_month"]),
                    "value_month": month(term["value_month"]),
                }
                for term in data.get("terms", [])
            ],
        }

    # ------------------------------------------------------------------
    # Settlement of a provisional revision
    # ------------------------------------------------------------------
    def _compute_chorus_revision_settlement_state(self):
        for move in self:
            state = False
            if move.chorus_revision_settlement_id.state in ("draft", "posted"):
                state = "settled"
            elif move.chorus_revision_provisional and move.state == "posted" and move.chorus_order_id:
                try:
                    definitive = move.chorus_order_id.sudo()._price_revision(
                        move.chorus_revision_month, month=move.chorus_revision_month
                    )
                    state = "waiting" if definitive.provisional else "ready"
                except UserError:
                    state = "waiting"
            move.chorus_revision_settlement_state = state

    def action_chorus_settle_price_revision(self):
        """Settle a provisional revision with the values now published: a draft
        complementary invoice (or credit note) for the difference, once only."""
        self.ensure_one()
        settlement = self.chorus_revision_settlement_id
        if settlement.state in ("draft", "posted"):
            raise UserError(
                self.env._(
                    "The price revision of %(invoice)s is already settled by %(settlement)s.",
                    invoice=self.display_name,
                    settlement=settlement.display_name,
                )
            )
        if self.state != "posted" or not self.chorus_revision_provisional:
            raise UserError(
                self.env._(
                    "Only a posted invoice revised provisionally is settled (%(invoice)s).",
                    invoice=self.display_name,
                )
            )
        order = self.chorus_order_id.sudo()
        definitive = order._price_revision(self.chorus_revision_month, month=self.chorus_revision_month)
        if definitive.provisional:
            missing = ", ".join(t.index for t in definitive.terms if t.provisional)
            raise UserError(
                self.env._(
                    "The value of %(indices)s for %(month)s is not published yet: the revision "
                    "of %(invoice)s stays provisional.",
                    indices=missing,
                    month=format_date(self.env, definitive.month, date_format="MMMM y"),
                    invoice=self.display_name,
                )
            )
        digits = self.env["decimal.precision"].precision_get("Product Price")
        rows = []
        for line in self.invoice_line_ids.filtered(
            lambda l: l.display_type == "product" and l.chorus_order_line_id
        ):
            ordered = line.chorus_order_line_id.sudo()._price_in_uom(line.product_uom_id)
            if ordered is None:
                continue
            price = float(
                price_revision.revised_price(Decimal(repr(ordered)), definitive.coefficient, digits)
            )
            difference = line.currency_id.round((price - line.price_unit) * line.quantity)
            if not line.currency_id.is_zero(difference):
                rows.append((line, price))
        if not rows:
            # Same coefficient: nothing to invoice, the revision becomes definitive.
            self.write(
                {
                    "chorus_revision_provisional": False,
                    "chorus_revision_data": self._chorus_revision_record(order, definitive),
                }
            )
            return True
        total = sum((price - line.price_unit) * line.quantity for line, price in rows)
        move_type = "out_invoice" if total > 0 else "out_refund"
        sign = 1 if total > 0 else -1
        settlement = (
            self.env["account.move"]
            .with_company(self.company_id)
            .create(
                {
                    "move_type": move_type,
                    "company_id": self.company_id.id,
                    "partner_id": self.partner_id.id,
                    "chorus_order_id": order.id,
                    **order._invoice_header_values(),
                    "delivery_date": self.delivery_date,
                    "chorus_revision_settled_id": self.id,
                    "chorus_revision_data": self._chorus_revision_record(order, definitive),
                    "chorus_revision_coefficient": float(definitive.coefficient),
                    "chorus_revision_month": definitive.month,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": self.env._(
                                    "Price revision settlement of %(invoice)s: %(line)s (%(provisional)s → "
                                    "%(definitive)s)",
                                    invoice=self.name,
                                    line=(line.name or "").split("\n")[0],
                                    provisional=self.chorus_revision_coefficient,
                                    definitive=str(definitive.coefficient),
                                ),
                                "product_id": line.product_id.id,
                                "product_uom_id": line.product_uom_id.id,
                                "quantity": line.quantity,
                                "price_unit": sign * (price - line.price_unit),
                                "tax_ids": [Command.set(line.tax_ids.ids)],
                            }
                        )
                        for line, price in rows
                    ],
                }
            )
        )
        self.chorus_revision_settlement_id = settlement
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": settlement.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
