# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import UserError


class ChorusProRecycleWizard(models.TransientModel):
    """Correct the routing (service) of an invoice Chorus Pro returned 'to recycle'."""

    _name = "chorus.pro.recycle.wizard"
    _description = "Recycle a Chorus Pro Invoice"

    move_id = fields.Many2one("account.move", string="Invoice", required=True, readonly=True)
    partner_id = fields.Many2one(related="move_id.commercial_partner_id")
    service_id = fields.Many2one("chorus.pro.service", domain="[('partner_id', '=', partner_id)]")
    recipient_comment = fields.Text(
        string="Reason Given",
        compute="_compute_recipient_comment",
        help="Why Chorus Pro or the recipient returned the invoice to recycle.",
    )
    comment = fields.Text()

    @api.depends("move_id")
    def _compute_recipient_comment(self):
        for wizard in self:
            wizard.recipient_comment = wizard.move_id._chorus_recipient_comment()

    def action_recycle(self):
        self.ensure_one()
        if self.move_id.chorus_status != "A_RECYCLER":
            raise UserError(self.env._("Only an invoice to recycle can be re-routed."))
        # The service of an invoice Chorus Pro holds changes only here, with Chorus Pro.
        move = self.move_id.with_context(chorus_rerouting=True)
        self.env["chorus.pro.connector"]._recycle_invoice(move, self.service_id, self.comment)
        move._chorus_close_activity(self.env._("Routing corrected on Chorus Pro."))
        return {"type": "ir.actions.act_window_close"}
