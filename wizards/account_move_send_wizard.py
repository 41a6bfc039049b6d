# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models

from ..models.res_partner_sending import CHORUS_SENDING_METHOD


class AccountMoveSendWizard(models.TransientModel):
    _inherit = "account.move.send.wizard"

    @api.depends("move_id")
    def _compute_sending_method_checkboxes(self):  # pylint: disable=missing-return
        """No "by Chorus Pro" box for an invoice Chorus Pro has (or had), nor for the credit
        note cancelling a rejected one: it never goes to Chorus Pro again (e-mail stays)."""
        super()._compute_sending_method_checkboxes()
        for wizard in self.filtered(lambda w: w.move_id and not w.move_id._chorus_send_offered()):
            checkboxes = dict(wizard.sending_method_checkboxes or {})
            checkboxes.pop(CHORUS_SENDING_METHOD, None)
            wizard.sending_method_checkboxes = checkboxes
