# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from decimal import Decimal

from odoo import api, fields, models
from odoo.tools.misc import format_date

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

    @api.model
    def _lib_error_message(self, error, record):
        """The user's message for the lib's ``PriceRevisionError`` raised by the revision
        clause of ``record``: the clause's holder as the user reads it ("Order …",
        "Works contract …"), for orders and works contracts alike."""
        params = dict.fromkeys(
            ("total", "weight", "index", "month", "maximum", "rounding", "periodicity", "ceiling"), ""
        )
        params.update({key: str(value) for key, value in error.params.items()})
        if hasattr(error.params.get("month"), "year"):
            params["month"] = format_date(self.env, error.params["month"], date_format="MMMM y")
        params["record"] = record
        messages = {
            "weights_sum": self.env._(
                "%(record)s: the fixed part and the weights of the revision formula add up to "
                "%(total)s instead of 1: correct them as the contract writes them.",
                **params,
            ),
            "weight_range": self.env._(
                "%(record)s: weight %(weight)s of %(index)s is not between 0 and 1.", **params
            ),
            "no_term": self.env._(
                "%(record)s is at revisable or actualisable prices: give its revision formula at "
                "least one index.",
                **params,
            ),
            "no_base_value": self.env._(
                "%(record)s: index %(index)s has no base value for its base month %(month)s: "
                "record the index value of that month, or type the base value.",
                **params,
            ),
            "base_value_zero": self.env._(
                "%(record)s: the base value of index %(index)s (%(month)s) must be positive.",
                **params,
            ),
            "duplicate_index": self.env._(
                "%(record)s: index %(index)s appears twice in the revision formula.", **params
            ),
            "no_value": self.env._(
                "%(record)s: index %(index)s has no value published up to %(month)s: record its "
                "values first.",
                **params,
            ),
            "month_range": self.env._("%(record)s: month %(month)s is out of range.", **params),
            "offset_range": self.env._(
                "%(record)s: the index month offset must be between 0 and %(maximum)s months.",
                **params,
            ),
            "rounding": self.env._("%(record)s: unknown rounding %(rounding)s.", **params),
            "periodicity": self.env._("%(record)s: unknown periodicity %(periodicity)s.", **params),
            "no_anniversary": self.env._(
                "%(record)s: a yearly revision needs its anniversary date (or an index with its base month).",
                **params,
            ),
            "ceiling_range": self.env._(
                "%(record)s: the coefficient ceiling %(ceiling)s must be between 1 and %(maximum)s.",
                **params,
            ),
            "safeguard_range": self.env._(
                "%(record)s: the safeguard threshold must be between 0 and 100 %%.", **params
            ),
        }
        return messages.get(error.code) or self.env._(
            "%(record)s: the revision clause is incomplete (%(error)s).", record=record, error=str(error)
        )
