# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models
from odoo.exceptions import UserError


class ChorusProRecycleWizard(models.TransientModel):
    """Correct the routing (service) of an invoice Chorus Pro returned 'to recycle'."""

    _name = "chorus.pro.recycle.wizard"
    _description = "Recycle a Chorus Pro Invoice"

    move_id = fields.Many2one("account.move", required=True, readonly=True)
    partner_id = fields.Many2one(related="move_id.commercial_partner_id")
    service_id = fields.Many2one(
        "chorus.pro.service", domain="[('partner_id', '=', partner_id)]"
    )
    comment = fields.Text()

    def action_recycle(self):
        self.ensure_one()
        if self.move_id.chorus_status != "A_RECYCLER":
            raise UserError(self.env._("Only an invoice to recycle can be re-routed."))
        self.env["chorus.pro.connector"]._recycle_invoice(
            self.move_id, self.service_id, self.comment
        )
        return {"type": "ir.actions.act_window_close"}
