# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class ChorusProPriceIndex(models.Model):
    """A published price index (INSEE BT/TP series, ICHT, Syntec...) used by the price
    revision clauses of orders (see docs/price-revision.md)."""

    _name = "chorus.pro.price.index"
    _description = "Price Index"
    _order = "code, name, id"
    _rec_names_search = ["code", "name", "idbank"]

    name = fields.Char(required=True, help="Name of the index as its publisher writes it.")
    code = fields.Char(
        required=True,
        help="Short code used in the formula (e.g. BT01, TP01, SYNTEC, ICHT-TS).",
    )
    idbank = fields.Char(
        string="INSEE Identifier (idbank)",
        index="btree_not_null",
        help="Identifier of the series in INSEE's macro-economic database (BDM), used to "
        "match the rows of INSEE's series CSV. Empty for an index INSEE does not publish.",
    )
    publisher = fields.Char(help="INSEE, Fédération Syntec, Journal officiel...")
    company_id = fields.Many2one(
        "res.company", index=True, help="Empty: the index is shared by every company."
    )
    active = fields.Boolean(default=True)
    value_ids = fields.One2many("chorus.pro.price.index.value", "index_id", string="Values")
    last_value_month = fields.Date(compute="_compute_last_value", string="Last Month Published")
    last_value = fields.Float(compute="_compute_last_value", digits=(16, 4))

    _code_unique = models.Constraint("UNIQUE(code, company_id)", "An index with this code already exists.")

    @api.depends("value_ids.month", "value_ids.value", "value_ids.active")
    def _compute_last_value(self):
        for index in self:
            last = index.value_ids.filtered("active").sorted("month")[-1:]
            index.last_value_month = last.month
            index.last_value = last.value

    @api.depends("code", "name")
    def _compute_display_name(self):
        for index in self:
            index.display_name = f"{index.code} – {index.name}" if index.code else index.name or ""

    def _series(self):
        """{month: value} of the current (not superseded) values."""
        self.ensure_one()
        return {v.month: v.value for v in self.value_ids.filtered("active")}

    def _value_of(self, month):
        """The current value of ``month`` (a record), empty when not published."""
        self.ensure_one()
        return self.value_ids.filtered(lambda v: v.active and v.month == month)[:1]
