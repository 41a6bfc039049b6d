# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models
from odoo.exceptions import UserError


class ChorusProCompleteWizard(models.TransientModel):
    """Complete an invoice the recipient suspended for missing documents."""

    _name = "chorus.pro.complete.wizard"
    _description = "Complete a Suspended Chorus Pro Invoice"

    move_id = fields.Many2one("account.move", required=True, readonly=True)
    comment = fields.Text(required=True)
    attachment_ids = fields.Many2many("ir.attachment", string="Documents")

    def action_complete(self):
        self.ensure_one()
        if self.move_id.chorus_status != "SUSPENDUE":
            raise UserError(self.env._("Only a suspended invoice can be completed."))
        self.env["chorus.pro.connector"]._complete_invoice(
            self.move_id, self.comment, self.attachment_ids
        )
        return {"type": "ir.actions.act_window_close"}
