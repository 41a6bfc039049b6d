# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class AccountMove(models.Model):
    """The works statement an invoice books (fields and methods only, no override)."""

    _inherit = "account.move"

    chorus_works_statement_id = fields.Many2one(
        "chorus.pro.works.statement",
        string="Works Statement",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The monthly or final statement of a works contract this invoice books.",
    )
    # What Chorus Pro received for a works invoice: the statement's frame (A4, A7, A8...),
    # not the invoice frames (A1, A2, A9, A12) nor its deposit mode (always the statement PDF).
    chorus_works_frame = fields.Char(related="chorus_works_statement_id.frame", string="Works Billing Frame")

    def _chorus_works_zero_allowed(self):
        """A general statement equal to what the statements invoiced is carried to Chorus
        Pro by a zero invoice (docs/works.md, "Final statement and general statement (DGD)")."""
        self.ensure_one()
        return self.chorus_works_statement_id.kind in ("general", "tacit_draft", "tacit")

    def action_open_chorus_works_statement(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "chorus.pro.works.statement",
            "res_id": self.chorus_works_statement_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
