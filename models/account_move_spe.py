# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class AccountMove(models.Model):
    """An invoice made from Santé Psy Étudiant sessions: its convention, and the table of
    one row per date (number of sessions, of first sessions, amount) printed on it."""

    _inherit = "account.move"

    chorus_spe_convention_id = fields.Many2one(
        "chorus.pro.spe.convention",
        string="Santé Psy Étudiant Convention",
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
    )

    def _chorus_spe_table(self):
        """Rows (date, sessions, first sessions, total) of the sessions table, and the
        total row: counts only, never a student."""
        self.ensure_one()
        rows = {}
        for line in self.invoice_line_ids.filtered("chorus_spe_date"):
            row = rows.setdefault(line.chorus_spe_date, [line.chorus_spe_date, 0, 0, 0.0])
            row[1] += round(line.quantity)
            row[2] += line.chorus_spe_first_count
            row[3] += line.price_total
        table = [rows[day] for day in sorted(rows)]
        total = [False, sum(r[1] for r in table), sum(r[2] for r in table), sum(r[3] for r in table)]
        return table, total
