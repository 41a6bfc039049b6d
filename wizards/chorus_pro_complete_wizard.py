# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import UserError


class ChorusProCompleteWizard(models.TransientModel):
    """Complete an invoice the recipient suspended for missing documents."""

    _name = "chorus.pro.complete.wizard"
    _description = "Complete a Suspended Chorus Pro Invoice"

    move_id = fields.Many2one("account.move", string="Invoice", required=True, readonly=True)
    recipient_comment = fields.Text(
        string="Recipient's Request",
        compute="_compute_recipient_comment",
        help="What the recipient asked for when it suspended the invoice.",
    )
    comment = fields.Text(required=True)
    attachment_ids = fields.Many2many("ir.attachment", string="Documents")

    @api.depends("move_id")
    def _compute_recipient_comment(self):
        for wizard in self:
            wizard.recipient_comment = wizard.move_id._chorus_recipient_comment()

    def action_complete(self):
        self.ensure_one()
        if self.move_id.chorus_status != "SUSPENDUE":
            raise UserError(self.env._("Only a suspended invoice can be completed."))
        self.env["chorus.pro.connector"]._complete_invoice(self.move_id, self.comment, self.attachment_ids)
        self.move_id._chorus_close_activity(
            self.env._("Completed on Chorus Pro: %(comment)s", comment=self.comment)
        )
        return {"type": "ir.actions.act_window_close"}
