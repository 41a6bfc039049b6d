# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from decimal import Decimal

from odoo import api, fields, models

from ..lib import price_revision


class ChorusProPriceRevisionTerm(models.Model):
    """One weighted index term ``b × I / I0`` of the revision clause of an order, or of a
    works contract (for information only, docs/works.md)."""

    _name = "chorus.pro.price.revision.term"
    _description = "Price Revision Term"
    _order = "order_id, sequence, id"

    order_id = fields.Many2one("chorus.pro.order", index=True, ondelete="cascade")
    works_contract_id = fields.Many2one("chorus.pro.works.contract", index=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", compute="_compute_company_id", store=True, index=True)
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

    _one_clause = models.Constraint(
        "CHECK(num_nonnulls(order_id, works_contract_id) = 1)",
        "An index term belongs to the revision clause of one order or one works contract.",
    )

    @api.depends("order_id.company_id", "works_contract_id.company_id")
    def _compute_company_id(self):
        for term in self:
            term.company_id = term.order_id.company_id or term.works_contract_id.company_id

    @api.depends("index_id", "base_month")
    def _compute_base_value(self):
        for term in self:
            if term.index_id and term.base_month:
                term.base_value = term.index_id._value_of(term.base_month.replace(day=1)).value
            else:
                term.base_value = 0.0

    def _lib_terms(self):
        """These terms as the lib's ``price_revision.Term`` (the clause of an order or of a
        works contract)."""
        return [
            price_revision.Term(
                index=term.index_id.code,
                weight=Decimal(repr(term.weight)),
                base_month=term.base_month,
                base_value=Decimal(repr(term.base_value)) if term.base_value else None,
            )
            for term in self
        ]

    def _lib_series(self):
        """``{index code: its values}`` of these terms' indices, as the lib computes with."""
        return {term.index_id.code: term.index_id._series() for term in self}
