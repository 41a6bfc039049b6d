# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models

from ..lib.chorus import INVOICE_ACTION_STATUSES

CHORUS_DASHBOARD_DOMAINS = {
    # The invoice list's "Chorus Pro: to deposit / to fix" filters: the same fields.
    "chorus_to_deposit": [("chorus_to_deposit", "=", True)],
    "chorus_to_fix": [("chorus_to_fix", "=", True)],
    # Followed on Chorus Pro: their flow or status may still change.
    "chorus_followed": [
        "|",
        ("chorus_state", "in", ("sending", "unconfirmed", "deposited")),
        "&",
        ("chorus_state", "=", "to_fix"),
        ("chorus_status", "in", tuple(INVOICE_ACTION_STATUSES)),
    ],
}


class AccountJournal(models.Model):
    _inherit = "account.journal"

    def _fill_sale_purchase_dashboard_data(self, dashboard_data):
        """Sales journal cards count the invoices to deposit on Chorus Pro and to fix."""
        super()._fill_sale_purchase_dashboard_data(dashboard_data)
        sale_journals = self.filtered(lambda journal: journal.type == "sale")
        if not sale_journals:
            return
        for key, domain in CHORUS_DASHBOARD_DOMAINS.items():
            counts = dict(
                self.env["account.move"]._read_group(
                    [("journal_id", "in", sale_journals.ids), *domain], ["journal_id"], ["__count"]
                )
            )
            for journal in sale_journals:
                dashboard_data[journal.id][key] = counts.get(journal, 0)

    def action_chorus_update(self):
        """Journal card: read from Chorus Pro the invoices of these sales journals it
        follows, and tell what changed."""
        moves = self.env["account.move"].search(
            [("journal_id", "in", self.filtered(lambda j: j.type == "sale").ids),
             *CHORUS_DASHBOARD_DOMAINS["chorus_followed"]]
        )
        return self.env["chorus.pro.status.history"]._action_update_from_chorus(moves)
