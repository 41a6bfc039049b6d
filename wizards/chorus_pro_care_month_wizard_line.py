# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import format_date


class ChorusProCareMonthWizardLine(models.TransientModel):
    """One proposed invoice line: a child, a care type, the uncovered days of the month."""

    _name = "chorus.pro.care.month.wizard.line"
    _description = "Chorus Pro: Month's Care Invoice Line"

    wizard_id = fields.Many2one("chorus.pro.care.month.wizard", required=True, ondelete="cascade")
    selected = fields.Boolean(string="Invoice", default=True)
    decision_id = fields.Many2one(
        "chorus.pro.care.decision", string="Care Decision", required=True, ondelete="cascade"
    )
    order_id = fields.Many2one(related="decision_id.order_id", string="Order (EJ)")
    engagement_number = fields.Char(related="decision_id.engagement_number")
    beneficiary = fields.Char(related="decision_id.name", string="Beneficiary")
    care_type = fields.Selection(related="decision_id.care_type")
    product_id = fields.Many2one(related="decision_id.invoice_product_id", string="Product")
    currency_id = fields.Many2one(related="decision_id.currency_id")
    date_start = fields.Date(string="From", required=True)
    date_end = fields.Date(string="To", required=True)
    days = fields.Integer(
        help="Days of care to invoice (absences, hospital stays deducted); at most the days of the period."
    )
    amount = fields.Monetary(compute="_compute_amount")

    @api.depends("days", "date_start", "date_end", "decision_id")
    def _compute_amount(self):
        for line in self:
            if line.decision_id and line.date_start and line.date_end:
                line.amount = line.decision_id._invoice_line_values(
                    line.date_start, line.date_end, line.days
                )["price_unit"] * (line.days if line.decision_id.rate_type == "daily" else 1)
            else:
                line.amount = 0.0

    @api.constrains("days", "date_start", "date_end")
    def _check_days(self):
        for line in self:
            period = (line.date_end - line.date_start).days + 1
            if line.days < 0 or line.days > period:
                raise ValidationError(
                    self.env._(
                        "From %(start)s to %(end)s: between 0 and %(max)s days of care.",
                        max=period,
                        start=format_date(self.env, line.date_start),
                        end=format_date(self.env, line.date_end),
                    )
                )
