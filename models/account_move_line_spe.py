# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class AccountMoveLine(models.Model):
    """Invoice lines of Santé Psy Étudiant sessions: one per date and price, with the
    number of first sessions among them (the row of the table the service prescribes).
    The sessions point to their line (``chorus.pro.spe.session.move_line_id``): a
    duplicated invoice ties no session, a deleted draft frees them."""

    _inherit = "account.move.line"

    chorus_spe_date = fields.Date(string="Sessions Date", copy=False)
    chorus_spe_first_count = fields.Integer(string="First Sessions", copy=False)
    chorus_spe_session_ids = fields.One2many(
        "chorus.pro.spe.session",
        "move_line_id",
        string="Sessions",
        groups="account.group_account_invoice",
    )
