# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

from ..models.account_move_send import PREVIEW_CONTEXT


class ChorusProSendChecklistMixin(models.AbstractModel):
    """The Chorus Pro checklist of a Send dialog (one invoice or a batch).

    The checklist the dialog's alerts show is signed with a fingerprint of each invoice
    (see ``chorus.pro.deposit.pipeline._checklist_token``): the web client saves it back
    with the dialog, and Send (or its background job) takes it for the invoices unchanged
    since instead of running their checklist again. A dialog lists it first in its
    ``_inherit`` so that these methods come before Odoo's in its classes."""

    _name = "chorus.pro.send.checklist.mixin"
    _description = "Chorus Pro Checklist of a Send Dialog"

    chorus_checklist_token = fields.Char(
        compute="_compute_chorus_checklist_token", store=True, readonly=False, copy=False
    )

    def _chorus_token_depends(self):
        """The dialog's fields the invoices sent by Chorus Pro follow from."""
        return ()

    def _chorus_dialog_moves(self):
        """The invoices of the dialog."""
        raise NotImplementedError()

    def _chorus_checked_moves(self):
        """The invoices of the dialog that go to Chorus Pro (their checklist is signed)."""
        raise NotImplementedError()

    @api.depends(lambda self: self._chorus_token_depends())
    def _compute_chorus_checklist_token(self):
        """The checklist of each invoice sent by Chorus Pro (its mentions: the deposit
        validates the Factur-X), run once for the dialog and kept signed."""
        pipeline = self.env["chorus.pro.deposit.pipeline"]
        for wizard in self:
            wizard.chorus_checklist_token = pipeline._checklist_token_of(wizard._chorus_checked_moves())[0]

    @api.depends("chorus_checklist_token")
    def _compute_alerts(self):  # pylint: disable=missing-return
        """The alerts show the checklist of the token (unchanged invoices), not a new run."""
        pipeline = self.env["chorus.pro.deposit.pipeline"]
        for wizard in self:
            checked = pipeline._checked_from_token(
                wizard.chorus_checklist_token, wizard._chorus_dialog_moves()
            )
            preview = {move.id: items for move, items in checked.items()}
            super(
                ChorusProSendChecklistMixin, wizard.with_context(**{PREVIEW_CONTEXT: preview})
            )._compute_alerts()

    @api.model_create_multi
    def create(self, vals_list):
        # The web client saves the dialog with the token it was given: the invoices it
        # does not cover unchanged (a token the server did not sign, an invoice changed
        # since) are checked again.
        wizards = super().create(vals_list)
        wizards._chorus_refresh_stale_token()
        return wizards

    def _chorus_refresh_stale_token(self):
        """Run the checklist again of the invoices the token does not cover unchanged."""
        pipeline = self.env["chorus.pro.deposit.pipeline"]
        for wizard in self:
            token = wizard.chorus_checklist_token
            fresh = pipeline._checklist_token_of(wizard._chorus_checked_moves(), token)[0]
            if fresh != token:
                wizard.chorus_checklist_token = fresh
