# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The ECB main refinancing operations rate history: the base of the moratorium interest
of public contracts (R2192-31 of the Code de la commande publique). Shipped since 2008
(``data/chorus_pro_ecb_rate_data.xml``), entered or imported by users afterwards."""

from odoo import api, fields, models


class ChorusProEcbRate(models.Model):
    _name = "chorus.pro.ecb.rate"
    _description = "ECB Main Refinancing Rate"
    _order = "date desc"
    _rec_name = "date"

    date = fields.Date(
        string="In Force From",
        required=True,
        help="The day the rate applies from (settlement of the first main refinancing operation "
        "at this rate).",
    )
    rate = fields.Float(
        string="Rate (%)",
        digits=(5, 3),
        required=True,
        help="The ECB main refinancing operations rate, in percent (fixed rate, or minimum bid rate "
        "of variable rate tenders).",
    )
    note = fields.Char(string="Source", help="Where the rate comes from (ECB press release, DAJ notice...).")

    _date_unique = models.Constraint("UNIQUE(date)", "There is already an ECB rate for this date.")

    @api.model
    def _rates(self):
        """The history as (date, rate) pairs, for ``lib.payment_delay``."""
        return [(rate.date, rate.rate) for rate in self.sudo().search([])]

    @api.model_create_multi
    def create(self, vals_list):
        rates = super().create(vals_list)
        self._recompute_late_invoices()
        return rates

    def write(self, vals):
        result = super().write(vals)
        self._recompute_late_invoices()
        return result

    def unlink(self):
        result = super().unlink()
        self._recompute_late_invoices()
        return result

    @api.model
    def _recompute_late_invoices(self):
        """A rate entered or corrected changes the interest of the invoices already late."""
        moves = self.env["account.move"].sudo().search([("chorus_delay_days_late", ">", 0)])
        moves._chorus_delay_recompute()
