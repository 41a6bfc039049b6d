# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class ChorusProOrderLine(models.Model):
    """One item of a public order: a BPU/DPGF item with its ordered quantity and unit price."""

    _name = "chorus.pro.order.line"
    _description = "Chorus Pro Public Order Line"
    _order = "order_id, sequence, id"

    order_id = fields.Many2one("chorus.pro.order", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="order_id.company_id", store=True, index=True, string="Company")
    currency_id = fields.Many2one(related="order_id.currency_id", string="Currency")
    sequence = fields.Integer(default=10)
    display_type = fields.Selection([("line_section", "Section"), ("line_note", "Note")])
    product_id = fields.Many2one("product.product", domain="[('sale_ok', '=', True)]")
    name = fields.Text(
        string="Designation",
        required=True,
        compute="_compute_name",
        store=True,
        readonly=False,
        precompute=True,
        help="Detailed designation, as in the BPU/DPGF item.",
    )
    product_uom_id = fields.Many2one(
        "uom.uom",
        string="Unit",
        compute="_compute_product_uom_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    quantity = fields.Float(string="Ordered Quantity", digits="Product Unit", default=1.0)
    price_unit = fields.Float(
        string="Unit Price", digits="Product Price", help="Unit price excluding taxes, from the BPU/DPGF."
    )
    tax_ids = fields.Many2many(
        "account.tax",
        string="Taxes",
        domain="[('type_tax_use', '=', 'sale'), ('company_id', 'parent_of', company_id)]",
        check_company=True,
    )
    price_subtotal = fields.Monetary(string="Ordered Amount", compute="_compute_price_subtotal", store=True)
    move_line_ids = fields.One2many("account.move.line", "chorus_order_line_id", string="Invoice Lines")
    qty_invoiced = fields.Float(
        string="Invoiced Quantity", digits="Product Unit", compute="_compute_invoiced", store=True
    )
    qty_remaining = fields.Float(
        string="Remaining Quantity", digits="Product Unit", compute="_compute_invoiced", store=True
    )
    amount_invoiced = fields.Monetary(string="Invoiced", compute="_compute_invoiced", store=True)

    @api.depends("product_id")
    def _compute_name(self):
        for line in self:
            if line.product_id and not line.name:
                line.name = (
                    line.product_id.get_product_multiline_description_sale() or line.product_id.display_name
                )

    @api.depends("product_id")
    def _compute_product_uom_id(self):
        for line in self:
            if line.product_id:
                line.product_uom_id = line.product_id.uom_id

    @api.onchange("product_id")
    def _onchange_product_id(self):
        if self.product_id:
            self.price_unit = self.product_id.lst_price
            self.tax_ids = self.product_id.taxes_id.filtered_domain(
                self.env["account.tax"]._check_company_domain(self.company_id or self.env.company)
            )

    @api.depends("quantity", "price_unit", "display_type")
    def _compute_price_subtotal(self):
        for line in self:
            line.price_subtotal = (
                0.0
                if line.display_type
                else line.currency_id.round(line.quantity * line.price_unit)
                if line.currency_id
                else line.quantity * line.price_unit
            )

    @api.depends(
        "quantity",
        "product_uom_id",
        "move_line_ids.parent_state",
        "move_line_ids.quantity",
        "move_line_ids.product_uom_id",
        "move_line_ids.price_subtotal",
    )
    def _compute_invoiced(self):
        for line in self:
            qty, amount = line._billed()
            line.qty_invoiced = qty
            line.qty_remaining = 0.0 if line.display_type else line.quantity - qty
            line.amount_invoiced = amount

    def _billed(self, drafts=False, exclude_moves=None):
        """(quantity in this line's unit, amount) billed on its invoices less its credit
        notes, posted ones; with ``drafts``, invoices in draft count too (credit notes
        count once posted); ``exclude_moves`` do not count (the invoice being checked).
        A unit that cannot be converted counts in the amount only (the checklist refuses
        such a line)."""
        self.ensure_one()
        qty = amount = 0.0
        for move_line in self.move_line_ids:
            if exclude_moves and move_line.move_id in exclude_moves:
                continue
            is_refund = move_line.move_id.move_type == "out_refund"
            state = move_line.parent_state
            if state != "posted" and (not drafts or is_refund or state == "cancel"):
                continue
            sign = -1 if is_refund else 1
            qty += sign * (self._qty_from_move_line(move_line) or 0.0)
            amount += sign * move_line.price_subtotal
        return qty, amount

    def _units_compatible(self, uom):
        """Whether a quantity in ``uom`` converts into this line's unit (Odoo 19: units
        sharing a reference unit, e.g. days and hours, units and dozens). Without a unit
        on either side, quantities are taken as they are."""
        self.ensure_one()
        return (
            not uom
            or not self.product_uom_id
            or uom == self.product_uom_id
            or uom._has_common_reference(self.product_uom_id)
        )

    def _qty_from_move_line(self, move_line, qty=None):
        """``qty`` (the invoice line's quantity by default) of ``move_line`` in this
        line's unit; None when the units cannot be converted."""
        self.ensure_one()
        qty = move_line.quantity if qty is None else qty
        uom = move_line.product_uom_id
        if not self._units_compatible(uom):
            return None
        if not uom or not self.product_uom_id or uom == self.product_uom_id:
            return qty
        return uom._compute_quantity(qty, self.product_uom_id, round=False)

    def _price_in_uom(self, uom):
        """The ordered unit price for a quantity in ``uom`` (e.g. per hour for a price per
        day); None when the units cannot be converted."""
        self.ensure_one()
        if not self._units_compatible(uom):
            return None
        if not uom or not self.product_uom_id or uom == self.product_uom_id:
            return self.price_unit
        return self.product_uom_id._compute_price(self.price_unit, uom)

    def _qty_digits(self):
        return self.env["decimal.precision"].precision_get("Product Unit")
