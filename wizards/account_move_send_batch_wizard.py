# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

from ..models.account_move_send import PREVIEW_CONTEXT
from ..models.res_partner_sending import CHORUS_SENDING_METHOD


class AccountMoveSendBatchWizard(models.TransientModel):
    _inherit = "account.move.send.batch.wizard"

    # The checklist the dialog's alerts show for the invoices going to Chorus Pro, signed
    # with a fingerprint of each invoice (see chorus.pro.deposit.pipeline._checklist_token):
    # the web client saves it back with the dialog, the background job of Send takes it
    # for the invoices unchanged since instead of running their checklist again.
    chorus_checklist_token = fields.Char(
        compute="_compute_chorus_checklist_token", store=True, readonly=False, copy=False
    )

    @api.depends("move_ids")
    def _compute_summary_data(self):  # pylint: disable=missing-return
        """The batch summary names each sending method in the user's language ("2
        factures par Chorus Pro"): Odoo takes the selection's English labels."""
        super()._compute_summary_data()
        labels = dict(
            self.env["res.partner"]._fields["invoice_sending_method"]._description_selection(self.env)
        )
        for wizard in self:
            summary = dict(wizard.summary_data or {})
            for method, values in summary.items():
                if method != "manual" and method in labels:
                    summary[method] = {**values, "label": labels[method]}
            wizard.summary_data = summary

    @api.depends("move_ids")
    def _compute_chorus_checklist_token(self):
        """The checklist of each invoice sent by Chorus Pro, run once for the dialog and
        kept signed."""
        pipeline = self.env["chorus.pro.deposit.pipeline"]
        for wizard in self:
            wizard.chorus_checklist_token = pipeline._checklist_token_of(wizard._chorus_send_job_moves())[0]

    @api.depends("chorus_checklist_token")
    def _compute_alerts(self):  # pylint: disable=missing-return
        """The alerts show the checklist of the token (unchanged invoices), not a new run."""
        pipeline = self.env["chorus.pro.deposit.pipeline"]
        for wizard in self:
            checked = pipeline._checked_from_token(wizard.chorus_checklist_token, wizard.move_ids._origin)
            preview = {move.id: items for move, items in checked.items()}
            super(
                AccountMoveSendBatchWizard, wizard.with_context(**{PREVIEW_CONTEXT: preview})
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
            fresh = pipeline._checklist_token_of(wizard._chorus_send_job_moves(), token)[0]
            if fresh != token:
                wizard.chorus_checklist_token = fresh

    def action_send_and_print(self, force_synchronous=False, allow_fallback_pdf=False):
        """The invoices sent by Chorus Pro go to one background deposit job per company
        instead of Odoo's sending cron, which takes 10 invoices per run (ten renders,
        ten flows for 100 invoices): the job sends them by chunks of 50 through the same
        sending steps (see ``AccountMoveSend._chorus_send_job_chunk``), with the dialog's
        checklist (an invoice changed since the dialog is checked again). Odoo queues the
        selection first (its checks, its notification); the other invoices stay with
        Odoo's sending cron."""
        pipeline = self.env["chorus.pro.deposit.pipeline"]
        self._chorus_refresh_stale_token()
        chorus = self._chorus_send_job_moves()
        checked = pipeline._checked_from_token(self.chorus_checklist_token, chorus)
        result = super().action_send_and_print(
            force_synchronous=force_synchronous, allow_fallback_pdf=allow_fallback_pdf
        )
        if force_synchronous:
            return result
        # Queued in this transaction: Odoo's cron never sees them.
        chorus.sending_data = False
        jobs = self.env["chorus.pro.deposit.job"]
        for company in chorus.company_id:
            moves = chorus.filtered(lambda m, company=company: m.company_id == company)
            # Signed again: the invoices were written since (their sending data) and
            # nothing else, in this transaction, after their checklist was verified.
            previewed = {move: checked[move] for move in moves if move in checked}
            token = pipeline._checklist_token(previewed) if previewed else False
            jobs._create_for(moves, sending=True, checklist_token=token)
        return result

    def _chorus_send_job_moves(self):
        """The selected invoices whose sending methods (the batch's defaults, as Odoo's
        cron will take them) include "by Chorus Pro", for an invoice Chorus Pro may receive."""
        moves = self.move_ids._origin
        return moves.filtered(
            lambda move: (
                CHORUS_SENDING_METHOD in self._get_default_sending_methods(move)
                and move._chorus_send_applicable()
            )
        )
