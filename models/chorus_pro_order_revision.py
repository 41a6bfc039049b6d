# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import format_date

from ..lib import price_revision

PRICE_TYPES = [
    ("firm", "Firm"),
    ("actualisable", "Firm, actualisable"),
    ("revisable", "Revisable"),
]
REVISION_PERIODICITIES = [
    (price_revision.MONTHLY, "Monthly"),
    (price_revision.YEARLY, "Yearly, on an anniversary date"),
]
REVISION_INVOICING = [
    ("revised_prices", "Revised unit prices"),
    ("separate_line", "A separate revision line"),
]
REVISION_ROUNDINGS = [
    (price_revision.ROUND_UP, "Thousandth above"),
    (price_revision.ROUND_NEAREST, "Nearest thousandth"),
]


class ChorusProOrder(models.Model):
    """The price revision clause of an order (docs/price-revision.md): firm, actualisable
    (once, with the indices of the start of execution) or revisable (each invoice with
    the indices of its month), with the formula ``C = a + Σ bᵢ × Iᵢ / Iᵢ₀``."""

    _inherit = "chorus.pro.order"

    price_type = fields.Selection(
        PRICE_TYPES,
        default="firm",
        required=True,
        tracking=True,
        help="Firm: invoiced at the ordered prices. Actualisable: the prices are revised "
        "once, with the indices of the start of execution (Valid From). Revisable: each "
        "invoice's prices are revised with the indices of its month.",
    )
    revision_fixed_part = fields.Float(
        string="Fixed Part (a)",
        digits=(16, 6),
        help="Fixed part of the formula, not revised (e.g. 0.125, 0.15).",
    )
    revision_term_ids = fields.One2many(
        "chorus.pro.price.revision.term", "order_id", string="Index Terms", copy=True
    )
    revision_offset = fields.Integer(
        string="Index Month Offset",
        default=0,
        help="0: the index values of the month of execution are used; 3: those of three "
        "months earlier (m − 3), as the clause says.",
    )
    revision_rounding = fields.Selection(
        REVISION_ROUNDINGS,
        string="Coefficient Rounding",
        default=price_revision.ROUND_UP,
        required=True,
        help="The coefficient is rounded to the thousandth above by default (CCAG-FCS 2021 "
        "art. 10.1.2), or to the nearest thousandth when the clause says so.",
    )
    revision_periodicity = fields.Selection(
        REVISION_PERIODICITIES,
        string="Periodicity",
        default=price_revision.MONTHLY,
        required=True,
        help="Monthly: each invoice with the indices of its month. Yearly: the coefficient is "
        "fixed at each anniversary of the anniversary date, with the indices of that month, and "
        "kept for the year.",
    )
    revision_anniversary = fields.Date(
        string="Anniversary Date",
        help="Yearly revision: the date whose anniversaries fix the coefficient (the date the "
        "initial price was set, as the contract says). Empty: the base month of the first index.",
    )
    revision_ceiling = fields.Float(
        string="Coefficient Ceiling",
        digits=(16, 3),
        help="Clause butoir: the coefficient applied never exceeds it (e.g. 1.050). 0: none.",
    )
    revision_safeguard = fields.Float(
        string="Safeguard Threshold (%)",
        digits=(16, 2),
        help="Clause de sauvegarde: beyond this variation of the coefficient (e.g. 10 %), the "
        "invoice and its justification say the threshold is reached, for the parties to act as "
        "the clause says. 0: none.",
    )
    revision_invoicing = fields.Selection(
        REVISION_INVOICING,
        string="Revision on the Invoice",
        default="revised_prices",
        required=True,
        help="Revised unit prices: each line at the ordered price × the coefficient. A separate "
        "revision line: the lines keep the ordered prices and one line invoices the difference, "
        "as the clause says.",
    )
    revision_formula = fields.Char(string="Formula", compute="_compute_revision_formula")

    @api.depends("revision_fixed_part", "revision_term_ids.weight", "revision_term_ids.index_id")
    def _compute_revision_formula(self):
        for order in self:
            terms = order.revision_term_ids.filtered("index_id")
            if order.price_type == "firm" or not terms:
                order.revision_formula = False
                continue
            order.revision_formula = price_revision.formula_text(
                Decimal(repr(order.revision_fixed_part)), terms._lib_terms()
            )

    @api.constrains(
        "price_type",
        "revision_fixed_part",
        "revision_term_ids",
        "revision_offset",
        "revision_rounding",
        "revision_periodicity",
        "revision_anniversary",
        "revision_ceiling",
        "revision_safeguard",
    )
    def _check_revision_clause(self):
        for order in self.filtered(lambda o: o.price_type != "firm"):
            try:
                price_revision.validate(*order._revision_clause())
                price_revision.validate_limits(*order._revision_limits())
                order._revision_month(fields.Date.today())
            except price_revision.PriceRevisionError as error:
                raise ValidationError(order._revision_error_message(error)) from error

    # ------------------------------------------------------------------
    def _revision_clause(self):
        """(fixed part, [price_revision.Term]) of the clause."""
        self.ensure_one()
        return Decimal(repr(self.revision_fixed_part)), self.revision_term_ids._lib_terms()

    def _revision_limits(self):
        """(ceiling, safeguard) of the clause as the lib takes them, None when absent."""
        self.ensure_one()
        ceiling = Decimal(repr(self.revision_ceiling)) if self.revision_ceiling else None
        safeguard = Decimal(repr(self.revision_safeguard)) / 100 if self.revision_safeguard else None
        return ceiling, safeguard

    def _revision_anniversary(self):
        self.ensure_one()
        return self.revision_anniversary or min(self.revision_term_ids.mapped("base_month"), default=None)

    def _revision_month(self, day):
        """The month whose index values apply to a service of ``day``."""
        self.ensure_one()
        if self.price_type == "actualisable":
            return price_revision.application_month(self.date_start or self.date_order, self.revision_offset)
        return price_revision.revision_month(
            day, self.revision_offset, self.revision_periodicity, self._revision_anniversary()
        )

    def _price_revision(self, day, month=None):
        """The lib's Revision for a service of ``day`` (or of the application ``month``
        given); None for a firm price. Raises UserError (a clear message) when it cannot
        be computed."""
        self.ensure_one()
        if self.price_type == "firm":
            return None
        try:
            fixed, terms = self._revision_clause()
            series = self.revision_term_ids._lib_series()
            ceiling, safeguard = self._revision_limits()
            return price_revision.compute(
                fixed,
                terms,
                series,
                month or self._revision_month(day),
                self.revision_rounding,
                ceiling=ceiling,
                safeguard=safeguard,
            )
        except price_revision.PriceRevisionError as error:
            raise UserError(self._revision_error_message(error)) from error

    def _revision_error_message(self, error):
        return self.env["chorus.pro.price.revision.term"]._lib_error_message(
            error, self.env._("Order %(order)s", order=self.display_name)
        )

    def _revised_price_check(self, line, expected):
        """(accepted, message) for an invoice line of this order whose unit price is not
        the ordered ``expected``: accepted when it is ``expected`` × the coefficient of
        the invoice's month (the one recorded on the invoice, else computed); otherwise
        the message of the checklist, None for a firm price (the caller's message)."""
        self.ensure_one()
        if self.price_type == "firm":
            return False, None
        move = line.move_id
        name = (line.name or "").split("\n")[0]
        if move.chorus_revision_data:
            coefficient = Decimal(move.chorus_revision_data["coefficient"])
            month = move.chorus_revision_month
            current = self._revision_month(move._chorus_revision_day())
            if month and current != month and not move.chorus_revision_settled_id:
                return False, self.env._(
                    "Line '%(line)s': revised with the coefficient of %(month)s, but the service "
                    "date is in %(current)s: click Apply the price revision (Chorus Pro tab).",
                    line=name,
                    month=format_date(self.env, month, date_format="MMMM y"),
                    current=format_date(self.env, current, date_format="MMMM y"),
                )
        else:
            try:
                revision = self._price_revision(move._chorus_revision_day())
            except UserError as error:
                return False, self.env._(
                    "Line '%(line)s': unit price %(price)s is not the ordered %(expected)s, and "
                    "the revised price cannot be computed: %(error)s",
                    line=name,
                    price=self._format_price(line.price_unit, line.currency_id),
                    expected=self._format_price(expected, line.currency_id),
                    error=error.args[0],
                )
            coefficient, month = revision.coefficient, revision.month
        digits = self.env["decimal.precision"].precision_get("Product Price")
        revised = float(price_revision.revised_price(Decimal(repr(expected)), coefficient, digits))
        if not line.currency_id.compare_amounts(line.price_unit, revised):
            return True, None
        return False, self.env._(
            "Line '%(line)s': unit price %(price)s is neither the ordered price %(expected)s nor "
            "the revised price %(revised)s (coefficient %(coefficient)s of %(month)s): apply the "
            "price revision (Chorus Pro tab) or correct the price.",
            line=name,
            price=self._format_price(line.price_unit, line.currency_id),
            expected=self._format_price(expected, line.currency_id),
            revised=self._format_price(revised, line.currency_id),
            coefficient=str(coefficient),
            month=format_date(self.env, month, date_format="MMMM y"),
        )

    def _revision_amount(self, moves):
        """The part of ``moves``' untaxed amount due to the price revision (revised minus
        ordered price, × quantity; negative on credit notes), so that what remains of the
        order is measured at the ordered prices."""
        self.ensure_one()
        if self.price_type == "firm":
            return 0.0
        total = 0.0
        for line in moves.invoice_line_ids:
            sign = -1 if line.move_id.move_type == "out_refund" else 1
            if line.display_type == "product" and (
                line.move_id.chorus_revision_settled_id or line.chorus_revision_line
            ):
                total += sign * line.price_subtotal  # a settlement or a revision line is revision only
                continue
            order_line = line.chorus_order_line_id
            if line.display_type != "product" or order_line.order_id != self:
                continue
            ordered = order_line._price_in_uom(line.product_uom_id)
            if ordered is None or not line.price_unit:
                continue
            total += sign * line.price_subtotal * (1 - ordered / line.price_unit)
        return total

    def _revision_line_problems(self, line):
        """Checklist problems of a separate revision line: its amount is the difference
        between the revised and the ordered prices of the invoice's lines with the same
        taxes (the coefficient recorded on the invoice)."""
        self.ensure_one()
        move = line.move_id
        if move.chorus_revision_settles_ids:
            return []  # a settlement: the differences of the invoices it settles
        if self.price_type == "firm" or not move.chorus_revision_data:
            return [
                self.env._(
                    "Line '%(line)s' is a price revision line, but order %(order)s is at firm prices "
                    "or the invoice has no revision: remove it or apply the price revision.",
                    line=(line.name or "").split("\n")[0],
                    order=self.display_name,
                )
            ]
        coefficient = Decimal(move.chorus_revision_data["coefficient"])
        digits = self.env["decimal.precision"].precision_get("Product Price")
        expected = 0.0
        for other in move.invoice_line_ids.filtered(
            lambda l: l.display_type == "product" and l.chorus_order_line_id and l.tax_ids == line.tax_ids
        ):
            ordered = other.chorus_order_line_id._price_in_uom(other.product_uom_id)
            if ordered is None:
                continue
            revised = float(price_revision.revised_price(Decimal(repr(ordered)), coefficient, digits))
            expected += (revised - ordered) * other.quantity
        expected = line.currency_id.round(expected)
        if not line.currency_id.compare_amounts(line.price_subtotal, expected):
            return []
        return [
            self.env._(
                "Line '%(line)s': the price revision amounts to %(expected)s (coefficient %(coefficient)s), "
                "not %(amount)s: apply the price revision (Chorus Pro tab).",
                line=(line.name or "").split("\n")[0],
                expected=self._format_price(expected, line.currency_id),
                coefficient=str(coefficient),
                amount=self._format_price(line.price_subtotal, line.currency_id),
            )
        ]
