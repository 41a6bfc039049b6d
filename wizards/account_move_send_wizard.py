# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models

from ..models.account_move_send import TOKEN_SETTING
from ..models.res_partner_sending import CHORUS_SENDING_METHOD


class AccountMoveSendWizard(models.TransientModel):
    _name = "account.move.send.wizard"
    # The mixin first: its methods come before Odoo's (see the mixin).
    _inherit = ["chorus.pro.send.checklist.mixin", "account.move.send.wizard"]

    @api.depends("move_id")
    def _compute_sending_method_checkboxes(self):  # pylint: disable=missing-return
        """No "by Chorus Pro" box for an invoice Chorus Pro has (or had), nor for the credit
        note cancelling a rejected one: it never goes to Chorus Pro again (e-mail stays)."""
        super()._compute_sending_method_checkboxes()
        for wizard in self.filtered(lambda w: w.move_id and not w.move_id._chorus_send_offered()):
            checkboxes = dict(wizard.sending_method_checkboxes or {})
            checkboxes.pop(CHORUS_SENDING_METHOD, None)
            wizard.sending_method_checkboxes = checkboxes

    def _chorus_token_depends(self):
        return ("move_id", "sending_method_checkboxes")

    def _chorus_dialog_moves(self):
        return self.move_id

    def _chorus_checked_moves(self):
        """The invoice, when sent by Chorus Pro."""
        move = self.move_id
        if move and CHORUS_SENDING_METHOD in (self.sending_methods or []) and move._chorus_send_applicable():
            return move
        return move.browse()

    def action_send_and_print(self, allow_fallback_pdf=False):
        """An invoice changed since the dialog was saved is checked again once, for the
        alerts and the deposit alike."""
        self._chorus_refresh_stale_token()
        return super().action_send_and_print(allow_fallback_pdf=allow_fallback_pdf)

    def _get_sending_settings(self):
        """Send gets the dialog's checklist (see ``AccountMoveSend._chorus_checked``)."""
        settings = super()._get_sending_settings()
        if self.chorus_checklist_token:
            settings[TOKEN_SETTING] = self.chorus_checklist_token
        return settings
