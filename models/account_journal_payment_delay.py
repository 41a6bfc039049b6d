# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Sales journal card: the invoices paid late by public bodies whose moratorium interest was
not received, and what they owe ("late: N invoices, X interest owed")."""

from odoo import models

CHORUS_LATE_INTEREST_DOMAIN = [("chorus_delay_late", "=", True), ("chorus_interest_settled", "=", False)]


class AccountJournal(models.Model):
    _inherit = "account.journal"

    def _chorus_dashboard_late_interest(self, dashboard_data):
        """The late invoices of these sales journals and their interest and indemnity owed,
        in the company currency, with one grouped query."""
        groups = self.env["account.move"]._read_group(
            [("journal_id", "in", self.ids), *CHORUS_LATE_INTEREST_DOMAIN],
            ["journal_id"],
            ["__count", "chorus_interest_remaining:sum"],
        )
        totals = {journal.id: (count, remaining) for journal, count, remaining in groups}
        for journal in self:
            count, amount = totals.get(journal.id, (0, 0.0))
            dashboard_data[journal.id].update(
                {
                    "chorus_late_count": count,
                    "chorus_late_interest": journal.company_id.sudo().currency_id.format(amount),
                }
            )
