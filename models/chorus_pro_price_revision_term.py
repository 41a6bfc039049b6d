# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class ChorusProPriceRevisionTerm(models.Model):
    """One weighted index term ``b × I / I0`` of an order's revision clause."""

    _name = "chorus.pro.price.revision.term"
    _description = "Price Revision Term"
    _order = "order_id, sequence, id"

    order_id = fields.Many2one("chorus.pro.order", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="order_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    index_id = fields.Many2one(
        "chorus.pro.price.index",
        required=True,
        ondelete="restrict",
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
    )
    weight = fields.Float(
        string="Weight (b)",
        required=True,
        digits=(16, 6),
        help="Share of this index in the formula; the fixed part and the weights add up to 1.",
    )
    base_month = fields.Date(
        string="Base Month (m0)",
        required=True,
        help="Month of the base value I0 (the month the initial price was set, as the "
        "contract says): any day of it.",
    )
    base_value = fields.Float(
        string="Base Value (I0)",
        digits=(16, 4),
        compute="_compute_base_value",
        store=True,
        readonly=False,
        help="The index value of the base month; filled in from the index's values, or "
        "typed as the contract writes it.",
    )

    @api.depends("index_id", "base_month")
    def _compute_base_value(self):
        for term in self:
            if term.index_id and term.base_month:
                term.base_value = term.index_id._value_of(term.base_month.replace(day=1)).value
            else:
                term.base_value = 0.0
