# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

from ..models.account_move_send import PREVIEW_CONTEXT, TOKEN_SETTING
from ..models.res_partner_sending import CHORUS_SENDING_METHOD


class AccountMoveSendWizard(models.TransientModel):
    _inherit = "account.move.send.wizard"

    # The checklist the dialog's alerts show, signed with a fingerprint of the invoice
    # (see chorus.pro.deposit.pipeline._checklist_token): the web client saves it back
    # with the dialog, Send takes it instead of running the checklist again while the
    # invoice is unchanged.
    chorus_checklist_token = fields.Char(
        compute="_compute_chorus_checklist_token", store=True, readonly=False, copy=False
    )

    @api.depends("move_id")
    def _compute_sending_method_checkboxes(self):  # pylint: disable=missing-return
        """No "by Chorus Pro" box for an invoice Chorus Pro has (or had), nor for the credit
        note cancelling a rejected one: it never goes to Chorus Pro again (e-mail stays)."""
        super()._compute_sending_method_checkboxes()
        for wizard in self.filtered(lambda w: w.move_id and not w.move_id._chorus_send_offered()):
            checkboxes = dict(wizard.sending_method_checkboxes or {})
            checkboxes.pop(CHORUS_SENDING_METHOD, None)
            wizard.sending_method_checkboxes = checkboxes

    @api.depends("move_id", "sending_method_checkboxes")
    def _compute_chorus_checklist_token(self):
        """The checklist of the invoice sent by Chorus Pro (its mentions: the deposit
        validates the Factur-X), run once for the dialog and kept signed."""
        checklist = self.env["chorus.pro.checklist"]
        pipeline = self.env["chorus.pro.deposit.pipeline"]
        for wizard in self:
            move = wizard.move_id
            if (
                move
                and CHORUS_SENDING_METHOD in (wizard.sending_methods or [])
                and move._chorus_send_applicable()
            ):
                wizard.chorus_checklist_token = pipeline._checklist_token(
                    {move: checklist._check(move, with_facturx=False)}
                )
            else:
                wizard.chorus_checklist_token = False

    @api.depends("chorus_checklist_token")
    def _compute_alerts(self):  # pylint: disable=missing-return
        """The alerts show the checklist of the token (unchanged invoice), not a new run."""
        pipeline = self.env["chorus.pro.deposit.pipeline"]
        for wizard in self:
            checked = pipeline._checked_from_token(wizard.chorus_checklist_token, wizard.move_id)
            preview = {move.id: items for move, items in checked.items()}
            super(AccountMoveSendWizard, wizard.with_context(**{PREVIEW_CONTEXT: preview}))._compute_alerts()

    @api.model_create_multi
    def create(self, vals_list):
        # The web client saves the dialog with the token it was given: one the server did
        # not sign, or of an invoice changed since, is replaced (the checklist run again).
        wizards = super().create(vals_list)
        wizards._chorus_refresh_stale_token()
        return wizards

    def _chorus_refresh_stale_token(self):
        """Run the checklist again of the wizards whose token is not valid any more."""
        pipeline = self.env["chorus.pro.deposit.pipeline"]
        self.filtered(
            lambda w: (
                w.chorus_checklist_token
                and not pipeline._checked_from_token(w.chorus_checklist_token, w.move_id)
            )
        )._compute_chorus_checklist_token()

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
