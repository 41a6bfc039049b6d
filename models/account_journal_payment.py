# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models

from .account_move_payment import CHORUS_FOLLOW_UP


class AccountJournal(models.Model):
    _inherit = "account.journal"

    def _fill_sale_purchase_dashboard_data(self, dashboard_data):
        """Sales journal cards: the amounts still due on Chorus Pro by follow-up stage
        (deposited, in processing, mandated, payment ordered), in the company currency,
        with one grouped query."""
        super()._fill_sale_purchase_dashboard_data(dashboard_data)
        sale_journals = self.filtered(lambda journal: journal.type == "sale")
        if not sale_journals:
            return
        groups = self.env["account.move"]._read_group(
            [("journal_id", "in", sale_journals.ids), ("chorus_follow_up", "!=", False)],
            ["journal_id", "chorus_follow_up"],
            ["amount_residual_signed:sum"],
        )
        amounts = {(journal.id, bucket): total for journal, bucket, total in groups}
        for journal in sale_journals:
            currency = journal.company_id.sudo().currency_id
            totals = {bucket: amounts.get((journal.id, bucket), 0.0)
                      for bucket, _label in CHORUS_FOLLOW_UP}
            dashboard_data[journal.id].update({
                "chorus_follow_up": totals,
                **{f"chorus_follow_up_{bucket}": currency.format(total)
                   for bucket, total in totals.items()},
            })
