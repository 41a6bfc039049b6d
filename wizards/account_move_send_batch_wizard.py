# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models

from ..models.res_partner_sending import CHORUS_SENDING_METHOD


class AccountMoveSendBatchWizard(models.TransientModel):
    _name = "account.move.send.batch.wizard"
    # The mixin first: its methods come before Odoo's (see the mixin).
    _inherit = ["chorus.pro.send.checklist.mixin", "account.move.send.batch.wizard"]

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

    def _chorus_token_depends(self):
        return ("move_ids",)

    def _chorus_dialog_moves(self):
        return self.move_ids._origin

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
        chorus = self._chorus_checked_moves()
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

    def _chorus_checked_moves(self):
        """The selected invoices whose sending methods (the batch's defaults, as Odoo's
        cron will take them) include "by Chorus Pro", for an invoice Chorus Pro may receive."""
        moves = self.move_ids._origin
        return moves.filtered(
            lambda move: (
                CHORUS_SENDING_METHOD in self._get_default_sending_methods(move)
                and move._chorus_send_applicable()
            )
        )
