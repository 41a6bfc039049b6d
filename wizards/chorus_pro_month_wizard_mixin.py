# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import calendar
from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models


class ChorusProMonthWizardMixin(models.AbstractModel):
    """A wizard that invoices one month for a company (the month's care invoices, the
    month's Santé Psy Étudiant sessions): the month, its company, the invoice date, and
    the month's first and last days."""

    _name = "chorus.pro.month.wizard.mixin"
    _description = "Chorus Pro: Month to Invoice"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    month = fields.Date(
        required=True,
        default=lambda self: self._default_month(),
        help="Any day of the month to invoice.",
    )
    invoice_date = fields.Date(default=fields.Date.context_today)

    @api.model
    def _default_month(self):
        """Last month (its first day): a month is invoiced once it is over."""
        return fields.Date.context_today(self).replace(day=1) - relativedelta(months=1)

    def _period(self):
        """The first and last days of the wizard's month."""
        self.ensure_one()
        first = self.month.replace(day=1)
        return first, date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])
