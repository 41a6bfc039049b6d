# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models

from ..lib.chorus import INVOICE_ACTION_STATUSES
from .account_move_payment import CHORUS_FOLLOW_UP

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
        """Sales journal cards: the invoices to deposit on Chorus Pro, to fix and followed,
        and the amounts still due on Chorus Pro by follow-up stage."""
        super()._fill_sale_purchase_dashboard_data(dashboard_data)
        sale_journals = self.filtered(lambda journal: journal.type == "sale")
        if not sale_journals:
            return
        sale_journals._chorus_dashboard_counts(dashboard_data)
        sale_journals._chorus_dashboard_follow_up(dashboard_data)
        sale_journals._chorus_dashboard_late_interest(dashboard_data)

    def _chorus_dashboard_counts(self, dashboard_data):
        """The invoices of these sales journals to deposit on Chorus Pro, to fix, followed."""
        for key, domain in CHORUS_DASHBOARD_DOMAINS.items():
            counts = dict(
                self.env["account.move"]._read_group(
                    [("journal_id", "in", self.ids), *domain], ["journal_id"], ["__count"]
                )
            )
            for journal in self:
                dashboard_data[journal.id][key] = counts.get(journal, 0)

    def _chorus_dashboard_follow_up(self, dashboard_data):
        """The amounts still due on Chorus Pro of these sales journals by follow-up stage
        (deposited, in processing, mandated, payment ordered), in the company currency,
        with one grouped query."""
        groups = self.env["account.move"]._read_group(
            [("journal_id", "in", self.ids), ("chorus_follow_up", "!=", False)],
            ["journal_id", "chorus_follow_up"],
            ["amount_residual_signed:sum"],
        )
        amounts = {(journal.id, bucket): total for journal, bucket, total in groups}
        for journal in self:
            currency = journal.company_id.sudo().currency_id
            totals = {bucket: amounts.get((journal.id, bucket), 0.0) for bucket, _label in CHORUS_FOLLOW_UP}
            dashboard_data[journal.id].update(
                {
                    "chorus_follow_up": totals,
                    **{
                        f"chorus_follow_up_{bucket}": currency.format(total)
                        for bucket, total in totals.items()
                    },
                }
            )

    def action_chorus_update(self):
        """Journal card: read from Chorus Pro the invoices of these sales journals it
        follows, and tell what changed."""
        moves = self.env["account.move"].search(
            [
                ("journal_id", "in", self.filtered(lambda j: j.type == "sale").ids),
                *CHORUS_DASHBOARD_DOMAINS["chorus_followed"],
            ]
        )
        return self.env["chorus.pro.status.history"]._action_update_from_chorus(moves)
