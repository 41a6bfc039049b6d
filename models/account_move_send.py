# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
""" "By Chorus Pro" in Odoo's Send dialog (``account.move.send``), next to e-mail and Peppol.

Send deposits through the same checklist and connector as the *Deposit to Chorus Pro*
button and list action (never a second path): the checklist's problems are shown in the
dialog, with a link to the deposit wizard to fix them; the deposited Factur-X is the
invoice's PDF, the only file an e-mail copy attaches, whenever it is sent. A batch Send
of invoices going to Chorus Pro runs in one background deposit job of the module (see
``wizards/account_move_send_batch_wizard.py``): each chunk of the job goes through Odoo's
sending steps, as Odoo's sending cron would run them, one flow per chunk and company.
"""

from odoo import api, models
from odoo.exceptions import UserError

from .chorus_pro_deposit_job import ON_CHORUS_STATES, ChorusSendRetry
from .res_partner_sending import CHORUS_SENDING_METHOD, PLATFORM_SENDING_METHODS

# Context key: ``{move id: [checklist items]}`` the Send dialog already ran (its token).
PREVIEW_CONTEXT = "chorus_pro_checklist_preview"
# Sending setting: the Send dialog's signed checklist (its ``chorus_checklist_token``).
TOKEN_SETTING = "chorus_checklist_token"


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    # ------------------------------------------------------------------ defaults
    @api.model
    def _get_default_sending_methods(self, move) -> set:
        """A Chorus Pro recipient without a sending method of its own is sent by Chorus Pro;
        an invoice Chorus Pro has (or had) is e-mailed instead."""
        methods = super()._get_default_sending_methods(move)
        if self._chorus_by_default(move):
            # A works statement never goes through the approved platform (docs/works.md).
            platform = set(PLATFORM_SENDING_METHODS) if move._chorus_works_direct() else set()
            methods = (methods - {"email"} - platform) | {CHORUS_SENDING_METHOD}
        elif CHORUS_SENDING_METHOD in methods and not move._chorus_send_offered():
            methods = (methods - {CHORUS_SENDING_METHOD}) | {"email"}
        return methods

    @api.model
    def _get_default_sending_method(self, move) -> str:
        """The same, in the 19.0 builds where Odoo chooses one default method."""
        if self._chorus_by_default(move):
            return CHORUS_SENDING_METHOD
        return super()._get_default_sending_method(move)

    @api.model
    def _chorus_by_default(self, move):
        """A Chorus Pro recipient without a sending method of its own, for an invoice
        Chorus Pro may still receive."""
        partner = move.commercial_partner_id.with_company(move.company_id)
        return (
            partner.chorus_recipient
            and (not partner.invoice_sending_method or move._chorus_works_direct())
            and move._chorus_send_offered()
        )

    @api.model
    def _get_default_sending_settings(self, move, from_cron=False, **custom_settings):
        """The Send dialog's signed checklist goes with the invoice's sending data."""
        vals = super()._get_default_sending_settings(move, from_cron=from_cron, **custom_settings)
        if custom_settings.get(TOKEN_SETTING):
            vals[TOKEN_SETTING] = custom_settings[TOKEN_SETTING]
        return vals

    @api.model
    def _get_default_invoice_edi_format(self, move, **kwargs) -> str:
        """No second e-invoice beside the deposited Factur-X: it carries the XML."""
        if move.chorus_document_id:
            return False
        if CHORUS_SENDING_METHOD in (kwargs.get("sending_methods") or []) and move._chorus_send_applicable():
            return False
        return super()._get_default_invoice_edi_format(move, **kwargs)

    # ------------------------------------------------------------------ applicability
    @api.model
    def _is_applicable_to_company(self, method, company):
        if method == CHORUS_SENDING_METHOD:
            return company.account_fiscal_country_id.code == "FR" or company.country_code == "FR"
        return super()._is_applicable_to_company(method, company)

    @api.model
    def _is_applicable_to_move(self, method, move, **move_data):
        if method == CHORUS_SENDING_METHOD:
            return move._chorus_send_applicable()
        if method in PLATFORM_SENDING_METHODS and move.chorus_channel == "api":
            # Chorus Pro receives this invoice from this module: not from the platform too.
            return False
        return super()._is_applicable_to_move(method, move, **move_data)

    # ------------------------------------------------------------------ alerts
    @api.model
    def _get_alerts(self, moves, moves_data):
        alerts = super()._get_alerts(moves, moves_data)
        single = len(moves) == 1
        chorus_moves = moves.filtered(lambda m: CHORUS_SENDING_METHOD in moves_data[m]["sending_methods"])
        platform_moves = moves.filtered(
            lambda m: set(moves_data[m]["sending_methods"]) & set(PLATFORM_SENDING_METHODS)
        )
        if chorus_moves & platform_moves:
            alerts["l10n_fr_chorus_pro_two_channels"] = {
                "level": "danger",
                "message": self.env._(
                    "Chorus Pro receives an invoice one way only: choose 'by Chorus Pro' or the "
                    "approved platform, not both."
                ),
            }
        skipped = platform_moves.filtered(lambda m: m.chorus_channel == "api") - chorus_moves
        if skipped:
            alerts["l10n_fr_chorus_pro_platform_skipped"] = {
                "level": "warning",
                "message": self.env._(
                    "%(moves)s: deposited on Chorus Pro by this module, never sent through the "
                    "approved platform as well. To use the platform, set the customer's Invoice "
                    "sending to it before the invoice is deposited.",
                    moves=", ".join(skipped.mapped("display_name")),
                ),
            }
        if not chorus_moves:
            return alerts
        level = "danger" if single else "warning"
        not_applicable = chorus_moves.filtered(lambda m: not m._chorus_send_applicable())
        if not_applicable:
            alerts["l10n_fr_chorus_pro_not_applicable"] = {
                "level": level,
                "message": "\n".join(m._chorus_send_refusal() for m in not_applicable),
            }
        checklist = self.env["chorus.pro.checklist"]
        # The Send dialog's checklist (kept signed with it) for an unchanged invoice.
        preview = self.env.context.get(PREVIEW_CONTEXT) or {}
        failing = {}
        for move in chorus_moves - not_applicable:
            items = preview.get(move.id)
            if items is None:
                items = checklist._check(move, with_facturx=False)
            if failed := [item for item in items if not item["ok"]]:
                failing[move] = failed
        if failing:
            failing_moves = self.env["account.move"].union(*failing)
            if single:
                message = self.env._(
                    "Not ready for Chorus Pro:\n%(problems)s",
                    problems=checklist._problems_text(failing[moves]),
                )
            else:
                message = self.env._(
                    "%(count)s invoice(s) will not be deposited on Chorus Pro until fixed: %(moves)s.",
                    count=len(failing),
                    moves=", ".join(failing_moves.mapped("display_name")),
                )
            alerts["l10n_fr_chorus_pro_checklist"] = {
                "level": level,
                "message": message,
                "action_text": self.env._("Open the deposit checklist"),
                "action": failing_moves._chorus_deposit_wizard_action(),
            }
        return alerts

    # ------------------------------------------------------------------ sending
    @api.model
    def _call_web_service_before_invoice_pdf_render(self, invoices_data):
        """Deposit the invoices sent by Chorus Pro, before any PDF is drawn: the deposited
        Factur-X becomes the invoice's PDF."""
        super()._call_web_service_before_invoice_pdf_render(invoices_data)
        # The sending data holds the invoices in sudo: deposited as the user who sends.
        by_id = {
            invoice.id: invoice_data
            for invoice, invoice_data in invoices_data.items()
            if CHORUS_SENDING_METHOD in invoice_data["sending_methods"] and not invoice_data.get("error")
        }
        invoices = (
            self.env["account.move"].browse(list(by_id)).filtered(lambda m: m._chorus_send_applicable())
        )
        if not invoices:
            return
        # The EN 16931 data of each invoice built once: checked, then deposited.
        with self.env["chorus.pro.facturx"]._facturx_data_cache():
            pipeline = self.env["chorus.pro.deposit.pipeline"]
            checklist = self.env["chorus.pro.checklist"]
            failed = self._chorus_checked(invoices, by_id)
            for invoice, items in failed.items():
                by_id[invoice.id]["error"] = {
                    "error_title": self.env._(
                        "%(move)s was not deposited on Chorus Pro. Fix these points (Deposit to "
                        "Chorus Pro lists them too):",
                        move=invoice.display_name,
                    ),
                    "errors": [checklist._item_text(item["label"], item["message"]) for item in items],
                }
            ready = invoices.filtered(lambda m: m not in failed)
            # One flow per company and author: the deposit is the author's, also when Odoo's
            # sending cron (its own user) runs a batch Send; rejections come back to them.
            groups = {}
            for invoice in ready:
                author = by_id[invoice.id].get("author_user_id") or self.env.uid
                groups[invoice.company_id, author] = (
                    groups.get((invoice.company_id, author), ready.browse()) | invoice
                )
            for (company, author), moves in groups.items():
                try:
                    result = (
                        pipeline.with_company(company)
                        .with_context(chorus_depositor_id=author)
                        ._deposit_invoices(
                            moves, batch=True, commit=True, checked={move: [] for move in moves}
                        )
                    )
                except UserError as error:
                    refused = {move.id: [error.args[0]] for move in moves}
                    self._chorus_note_transient(moves, error)
                else:
                    # A number Chorus Pro holds for another invoice: that invoice only.
                    refused = {move.id: messages for move, messages in result["refusals"]}
                for move in moves:
                    if move.id in refused:
                        by_id[move.id]["error"] = {
                            "error_title": self.env._(
                                "%(move)s was not deposited on Chorus Pro:", move=move.display_name
                            ),
                            "errors": refused[move.id],
                        }
                sent = moves.filtered(lambda m, refused=refused: m.id not in refused)
                self._chorus_link_deposited_pdf(sent)

    @api.model
    def _chorus_checked(self, invoices, by_id):
        """``{move: [failed checklist items]}`` of ``invoices`` (see the pipeline's
        ``_check_invoices``). The checklist the Send dialog showed (its signed token,
        verified for the invoice's sending author: the user who clicked Send, also when
        a batch Send's background job runs it as the cron's user) is taken for an
        invoice unchanged since; only what Chorus Pro requires and the Factur-X (built
        once, deposited next) are checked again. A changed invoice, or one without a
        valid token, gets the whole checklist."""
        pipeline = self.env["chorus.pro.deposit.pipeline"]
        by_token = {}
        for invoice in invoices:
            data = by_id[invoice.id]
            key = (data.get(TOKEN_SETTING), data.get("author_user_id") or self.env.uid)
            by_token[key] = by_token.get(key, invoices.browse()) | invoice
        previewed = {}
        for (token, author), moves in by_token.items():
            if token:
                previewed.update(pipeline._checked_from_token(token, moves, uid=author))
        failed = {
            move: [item for item in items if not item["ok"]]
            for move, items in previewed.items()
            if any(not item["ok"] for item in items)
        }
        reused = invoices.filtered(lambda m: m in previewed and m not in failed)
        failed.update(pipeline._check_invoices(reused, mode="facturx"))
        failed.update(pipeline._check_invoices(invoices.filtered(lambda m: m not in previewed)))
        return failed

    @api.model
    def _hook_if_errors(self, moves_data, allow_raising=True):
        """The errors of a batch Send's background job are also kept for its summary
        (``chorus_send_errors`` in the context: a dict filled by invoice id)."""
        errors = self.env.context.get("chorus_send_errors")
        if errors is not None:
            for move, move_data in moves_data.items():
                errors[move.id] = self._format_error_text(move_data["error"])
        return super()._hook_if_errors(moves_data, allow_raising=allow_raising)

    @api.model
    def _chorus_send_job_chunk(self, job, chunk):
        """Send ``chunk``, a part of a batch Send's background job, as Odoo's sending cron
        sends a batch (:meth:`_generate_and_send_invoices`, by the job's requester): the
        invoices going to Chorus Pro are deposited in one flow per company, problems are
        posted on their invoice, the requester is notified. The job records the chunk,
        its flows and its refusals. Returns ``(processed, error)`` like the job's deposit."""
        send = self.with_company(job.company_id)
        moves = chunk.with_env(send.env)
        # Already on Chorus Pro (deposited meanwhile, or by an attempt of this job that
        # stopped before recording it: a worker killed during the call, a conflict): not
        # through the sending steps again, which would send it another way (by e-mail,
        # as for any invoice Chorus Pro has). Counted processed, as the deposit job does.
        before = moves.filtered(lambda m: m.chorus_state in ON_CHORUS_STATES)
        # Reset to draft while queued: nothing to send (Odoo's cron skips them too).
        posted = moves.filtered(lambda m: m.state == "posted") - before
        errors, transient = {}, {}
        if posted:
            # The dialog's checklist, signed for the job's requester (its author).
            token = {TOKEN_SETTING: job.checklist_token} if job.checklist_token else {}
            send.with_context(
                chorus_send_errors=errors, chorus_send_transient=transient
            )._generate_and_send_invoices(
                posted,
                from_cron=True,
                author_user_id=job.user_id.id,
                author_partner_id=job.user_id.partner_id.id,
                **token,
            )
        deposited = posted.filtered(lambda m: m.chorus_state in ON_CHORUS_STATES)
        # Chorus Pro out of reach: not processed, the job sends them again (see _plan_retry).
        again = moves.filtered(lambda m: m.id in transient)
        error = next(iter(transient.values()), None)
        # Never counted done in silence: an invoice neither sent, nor refused, nor kept is
        # kept for the job's next attempt while it may still go by Chorus Pro; otherwise
        # (no longer for Chorus Pro since Send) it is refused with the reason.
        unsent = posted - deposited - again
        unsent = unsent.filtered(lambda m: m.id not in errors)
        retry = unsent.filtered(
            lambda m: (
                m._chorus_send_applicable() and CHORUS_SENDING_METHOD in send._get_default_sending_methods(m)
            )
        )
        if retry:
            again |= retry
            error = error or ChorusSendRetry(
                self.env._(
                    "%(count)s invoice(s) were neither sent to Chorus Pro nor refused (%(moves)s): "
                    "they are sent again at the next attempt.",
                    count=len(retry),
                    moves=", ".join(retry.mapped("display_name")),
                )
            )
        for move in unsent - retry:
            errors[move.id] = self.env._(
                "%(move)s was not sent to Chorus Pro: it can no longer be sent by Chorus Pro "
                "(customer, channel or Chorus Pro state changed since Send). Check it and "
                "send it again.",
                move=move.display_name,
            )
        # Counted done without being sent: still on Chorus Pro as this is recorded (the
        # tracking cron may have declared them never received since they were read).
        claimed = job._claim_on_chorus(before)
        again |= before - claimed
        send._chorus_link_deposited_pdf(claimed)
        refusals = [(move, [errors[move.id]]) for move in moves - again if move.id in errors]
        job._record_processed(
            moves - again, deposited.chorus_flow_id, (job.refusals or []) + job._refusal_records(refusals)
        )
        job._commit()
        return len(moves - again), error

    @api.model
    def _chorus_note_transient(self, moves, error):
        """Within a batch Send's background job (``chorus_send_transient`` in the context):
        keep the invoices ``error`` refused because Chorus Pro could not be reached, for
        the job to send them again rather than count them refused."""
        transient = self.env.context.get("chorus_send_transient")
        if transient is not None and self.env["chorus.pro.deposit.job"]._is_transient(error):
            transient.update(dict.fromkeys(moves.ids, error))

    @api.model
    def _chorus_link_deposited_pdf(self, moves):
        """The deposit kept the deposited Factur-X as the invoice's PDF (see
        ``account_move.py``): Odoo draws no other, an e-mail copy attaches it,
        and the invoices are sent. One write for all: each write of a posted invoice
        runs Odoo's synchronisation of its lines (0.1 s or more per write)."""
        moves.filtered(lambda m: m.chorus_document_id and not m.is_move_sent).is_move_sent = True

    @api.model
    def _get_invoice_extra_attachments(self, move):
        """An invoice on Chorus Pro is sent (e-mail copy, download) as it was deposited,
        and as nothing else: no second e-invoice, no other PDF."""
        if move.chorus_document_id:
            return move.chorus_document_id
        return super()._get_invoice_extra_attachments(move)
