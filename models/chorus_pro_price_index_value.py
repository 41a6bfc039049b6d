# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import re
from datetime import date

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare

PERIOD_RE = re.compile(r"^\s*(\d{4})[-/](\d{1,2})\s*$")


class ChorusProPriceIndexValue(models.Model):
    """The value of an index for a month. A value corrected by INSEE is versioned, never
    overwritten: recording another value for the same month archives the previous one,
    which points to the new one (``superseded_by_id``), so an invoice keeps showing the
    values it was computed with."""

    _name = "chorus.pro.price.index.value"
    _description = "Price Index Value"
    _order = "index_id, month desc, id desc"

    index_id = fields.Many2one("chorus.pro.price.index", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="index_id.company_id", store=True, index=True)
    month = fields.Date(required=True, help="Any day of the month: stored as the first day.")
    period = fields.Char(
        compute="_compute_period",
        inverse="_inverse_period",
        help="The month as INSEE's series CSV writes it (YYYY-MM): import this column.",
    )
    value = fields.Float(required=True, digits=(16, 4))
    publication_date = fields.Date(help="Date INSEE (or the publisher) published this value.")
    active = fields.Boolean(default=True, help="Archived: superseded by a corrected value.")
    superseded_by_id = fields.Many2one(
        "chorus.pro.price.index.value",
        readonly=True,
        copy=False,
        help="The corrected value that replaced this one.",
    )

    _current_unique = models.UniqueIndex(
        "(index_id, month) WHERE active IS TRUE",
        "An index has one current value per month.",
    )

    @api.depends("month")
    def _compute_period(self):
        for value in self:
            value.period = value.month.strftime("%Y-%m") if value.month else False

    def _inverse_period(self):
        for value in self:
            month = self._period_month(value.period)
            if value.month != month:
                value.month = month

    @api.model
    def _period_month(self, period):
        """The first day of ``period`` (YYYY-MM, INSEE's way); a clear error otherwise."""
        match = PERIOD_RE.match(period or "")
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValidationError(
                self.env._("Period %(period)s is not a month: write it YYYY-MM, e.g. 2024-03.", period=period)
            )
        return date(int(match.group(1)), int(match.group(2)), 1)

    @api.depends("index_id", "month", "value")
    def _compute_display_name(self):
        for value in self:
            value.display_name = f"{value.index_id.code} {value.period}: {value.value:g}"

    @api.model
    def _first_of_month(self, vals):
        if vals.get("month"):
            vals["month"] = fields.Date.to_date(vals["month"]).replace(day=1)
        if vals.get("period") and not vals.get("month"):
            vals["month"] = self._period_month(vals.pop("period"))
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        """A value for a month that already has one: the same value is kept as it is
        (a CSV imported twice); a different one (INSEE's correction) becomes the current
        value and the previous one is archived, superseded by it."""
        result = self.browse()
        for vals in vals_list:
            vals = self._first_of_month(dict(vals))
            previous = self.browse()
            if vals.get("index_id") and vals.get("month") and vals.get("active", True):
                previous = self.search(
                    [("index_id", "=", vals["index_id"]), ("month", "=", vals["month"])], limit=1
                )
            if previous and not float_compare(previous.value, vals.get("value", 0.0), precision_digits=4):
                if vals.get("publication_date") and not previous.publication_date:
                    previous.publication_date = vals["publication_date"]
                result |= previous
                continue
            if previous:
                previous.active = False
                previous.flush_recordset(["active"])  # before the new current value
            new = super().create([vals])
            previous.superseded_by_id = new
            result |= new
        return result

    def write(self, vals):
        if {"value", "month", "period", "index_id"} & set(vals):
            raise UserError(
                self.env._(
                    "An index value is never overwritten: record the corrected value as a new "
                    "value of the same month (by hand or by importing INSEE's file); the "
                    "previous one is kept, superseded by it."
                )
            )
        return super().write(vals)
