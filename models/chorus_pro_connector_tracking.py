# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Chorus Pro tracking: flow reports, invoice statuses and history, rejections,
completion of suspended invoices and re-routing."""

import logging
from datetime import UTC, datetime, timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools.misc import clean_context

from ..lib import chorus as cc
from ..lib.chorus.statuses import INVOICE_PROBLEM_STATUSES
from .chorus_pro_connector import PARAM_UNCONFIRMED_DELAY, SYNC_STATUSES

# Hours a flow status the module cannot act on is polled before the flow needs attention.
PARAM_UNKNOWN_STATUS_HOURS = "l10n_fr_chorus_pro.unknown_flow_status_hours"
# Times the deposit certificate is asked for before giving up (one per update).
PARAM_CERTIFICATE_ATTEMPTS = "l10n_fr_chorus_pro.certificate_attempts"
# The cron's status sync: invoices applied between two commits, and seconds after which a
# run stops applying (the cron is triggered again at once for the rest).
PARAM_SYNC_BATCH = "l10n_fr_chorus_pro.status_sync_batch"
PARAM_SYNC_SECONDS = "l10n_fr_chorus_pro.status_sync_seconds"

_logger = logging.getLogger(__name__)


class ChorusProConnectorTracking(models.AbstractModel):
    _inherit = "chorus.pro.connector"

    @api.model
    def _lock_flows(self, flows):
        """The flows this transaction could lock: the others are being (or have just
        been) processed by another worker."""
        return self._lock_records(flows)

    @api.model
    def _lock_status_sync(self, company):
        """Whether this transaction may sync the statuses of ``company``: it then holds
        the company's row until it ends. Not while another transaction holds it (a sync
        running), nor once another one has changed it (a sync committed) since this one
        began, which would fail on writing ``chorus_last_status_sync``. ``NO KEY`` lets
        other transactions create records of the company meanwhile."""
        return bool(self._lock_records(company, "NO KEY UPDATE"))

    @api.model
    def _update_flows(self, flows):
        """Process the flow reports; a flow left *sending* (the request that sent it
        crashed during the call) is searched for like an unconfirmed one. A flow that
        needs attention is read again when asked (never by the cron), and a processed
        flow whose deposit certificate is pending is asked for it again."""
        self, flows = self._without_defaults(flows)
        for company in flows.company_id:
            company_flows = self._lock_flows(flows.filtered(lambda f: f.company_id == company))  # noqa: B023
            if not company_flows:
                continue
            client = self._get_client(company)
            # Processed flows whose certificate is pending: the others fetch it when
            # their report says they are integrated.
            certificate_only = company_flows.filtered(lambda f: f.state == "done" and f.certificate_pending)
            for flow in company_flows.filtered(lambda f: f.state in ("sending", "unconfirmed")):
                self._recover_flow(client, flow)
            for flow in company_flows.filtered(lambda f: f.state in ("sent", "attention") and f.name):
                self._update_flow(client, flow)
            for flow in certificate_only:
                self._fetch_certificate(client, flow)
        return True

    @api.model
    def _certificate_pending_flows(self, companies):
        """The processed flows of ``companies`` whose deposit certificate Chorus Pro did
        not give yet."""
        return (
            self.env["chorus.pro.flow"]
            .sudo()
            .search(
                [
                    ("company_id", "in", companies.ids),
                    ("certificate_pending", "=", True),
                    ("state", "=", "done"),
                ]
            )
        )

    @api.model
    def _update_certificates(self, pending):
        """Ask again for the deposit certificates of the ``pending`` flows, company by
        company (the cron, ``_cron_update``)."""
        for company in pending.company_id:
            connector = self.with_company(company)
            flows = pending.filtered(lambda f, c=company: f.company_id == c).with_env(connector.env)
            try:
                connector._update_flows(flows)
            except UserError as error:
                _logger.warning("Chorus Pro certificates of %s failed: %s", company.name, error)

    @api.model
    def _recover_flow(self, client, flow):
        moves = flow.move_ids
        try:
            found, taken = self._find_on_chorus(client, moves) if moves else ({}, {})
        except cc.ChorusError as error:
            _logger.warning("Chorus Pro search failed for flow %s: %s", flow.id, error)
            return
        for move, item in found.items():
            self._link_found_invoice(move, item, recovered=True)
        # A number Chorus Pro holds for another invoice is not this one: not received.
        missing = moves.filtered(lambda m: m not in found)
        if not missing:
            flow.write({"state": "sent" if flow.name else "done", "error_message": False})
            if flow.name:
                self._update_flow(client, flow)
            return
        delay = int(self.env["ir.config_parameter"].sudo().get_param(PARAM_UNCONFIRMED_DELAY, "60") or 60)
        if flow.date and flow.date > fields.Datetime.now() - timedelta(minutes=delay):
            return  # Chorus Pro may still be processing it: look again later
        missing._chorus_write({"chorus_state": False, "chorus_flow_id": False})
        for move in missing:
            body = Markup("<p>%s</p>") % self.env._(
                "Chorus Pro never received this invoice (searched %(delay)s minutes after "
                "the unconfirmed deposit): it can be deposited again.",
                delay=delay,
            )
            if move in taken:
                body += Markup("<p>%s</p>") % self._number_taken_message(move, *taken[move])
            move.message_post(body=body)
        flow.write({"state": "failed" if missing == moves else "done"})
        self.env["chorus.pro.deposit.job"]._requeue_not_received(missing)

    @api.model
    def _update_flow(self, client, flow):
        """Read the flow report and act on its status:

        * ``IN_*`` in progress: wait;
        * ``IN_REJETE`` / ``IN_INCIDENTE`` and the ``QP_*`` failure states: every invoice
          of the flow is rejected, with the reason;
        * integrated (``IN_INTEGRE``, ``IN_INTEGRE_PARTIEL``): each invoice gets its
          identifier; only the invoices the detailed report lists in error are rejected.
          An invoice neither found nor named (an incomplete search, Chorus Pro still
          indexing) is looked for again on the next polls;
        * any other status (``QP_RECEVABLE``, a code the module does not know): polled for
          ``l10n_fr_chorus_pro.unknown_flow_status_hours``, then the flow needs attention.

        The deposit certificate is fetched on its own: its failure never holds the
        invoices back (``_fetch_certificate``)."""
        try:
            report = client.flow_report(flow.name)
        except cc.ChorusError as error:
            flow.error_message = self._error_message(error)
            return
        status = report.get("etatCourantDepotFlux") or ""
        known = dict(flow._fields["status"]._description_selection(self.env))
        vals = {
            "status": status if status in known else False,
            "status_raw": status,
            "status_date": fields.Datetime.now(),
        }
        technical = report.get("listeErreurTechnique") or []
        if technical:
            vals["error_message"] = "\n".join(
                f"{e.get('codeErreur', '')} {e.get('libelleErreur', '')}".strip() for e in technical
            )
        if status in cc.FLOW_IN_PROGRESS_STATUSES:
            vals["waiting_since"] = False
        flow.write(vals)
        if status in cc.FLOW_IN_PROGRESS_STATUSES:
            if flow.state == "attention":
                flow.state = "sent"
            return
        if status in cc.FLOW_FAILURE_STATUSES or status in cc.FLOW_QP_FAILURE_STATUSES:
            self._reject_flow(flow, report, status)
            return
        if status in cc.FLOW_SUCCESS_STATUSES:
            self._integrate_flow(client, flow, report, status)
            return
        self._wait_or_attention(
            flow,
            self.env._(
                "Chorus Pro reports the status %(status)s for this flow, which the module "
                "does not know how to follow.",
                status=status or self.env._("(empty)"),
            ),
        )

    @api.model
    def _flow_reasons(self, flow, report):
        """The readable reasons of a flow-level failure: its technical errors."""
        return [
            f"{e.get('codeErreur', '')} {e.get('libelleErreur', '')}".strip()
            for e in report.get("listeErreurTechnique") or []
        ]

    @api.model
    def _reject_flow(self, flow, report, status):
        """The flow was refused as a whole (``IN_REJETE``, ``IN_INCIDENTE``, ``QP_*``
        failures): each invoice not yet settled is rejected with its own errors, or the
        flow's."""
        flow.write({"state": "done", "waiting_since": False})
        errors = self._errors_by_invoice(report)
        label = dict(flow._fields["status"]._description_selection(self.env)).get(status, status)
        default = self._flow_reasons(flow, report) or [
            self.env._("Chorus Pro did not integrate this invoice (flow %(status)s).", status=status)
        ]
        if status in cc.FLOW_QP_FAILURE_STATUSES:
            default = [
                self.env._(
                    "Chorus Pro declared the flow %(flow)s not admissible (%(label)s, "
                    "%(status)s): the invoice was not integrated.",
                    flow=flow.name,
                    label=label,
                    status=status,
                ),
                *self._flow_reasons(flow, report),
            ]
        for move in self._unsettled_moves(flow):
            self._mark_rejected(move, errors.get(move.name) or default, flow_level=True)

    @api.model
    def _errors_by_invoice(self, report):
        errors = {}
        for error in report.get("listeErreurDP") or []:
            errors.setdefault(error.get("numeroDP"), []).append(error.get("libelleErreurDP") or "")
        return errors

    @api.model
    def _unsettled_moves(self, flow):
        """The invoices of the flow that have neither their Chorus Pro identifier nor a
        rejection yet."""
        return flow.move_ids.filtered(lambda m: not m.chorus_identifier and m.chorus_state != "to_fix")

    @api.model
    def _integrate_flow(self, client, flow, report, status):
        """Integrated flow: identifiers for the invoices Chorus Pro lists, rejection for
        those the detailed report names in error, another look later for the others."""
        errors = self._errors_by_invoice(report)
        incomplete = None
        try:
            items = client.search_invoices(numeroFluxDepot=flow.name)
        except cc.ChorusIncompleteResultError as error:
            items, incomplete = error.items, error
        except cc.ChorusError as error:
            flow.error_message = self._error_message(error)
            return
        integrated = {item.get("numeroFacture"): item for item in items}
        missing = self.env["account.move"]
        for move in self._unsettled_moves(flow):
            if move.name in integrated:
                self._link_found_invoice(move, integrated[move.name])
            elif move.name in errors:
                self._mark_rejected(move, errors[move.name], flow_level=True)
            else:
                missing |= move
        self._fetch_certificate(client, flow)
        if not missing:
            flow.write({"state": "done", "waiting_since": False})
            return
        reason = self.env._(
            "Chorus Pro integrated the flow (%(status)s) but did not list these invoices "
            "yet: %(invoices)s. They are neither rejected nor identified; they are looked "
            "for again on the next updates.",
            status=status,
            invoices=", ".join(missing.mapped("name")),
        )
        if incomplete is not None:
            reason = "%s\n%s" % (reason, self._error_message(incomplete))
        self._wait_or_attention(flow, reason)

    @api.model
    def _unknown_status_hours(self):
        value = self.env["ir.config_parameter"].sudo().get_param(PARAM_UNKNOWN_STATUS_HOURS, "48")
        try:
            return float(value)
        except (TypeError, ValueError):
            return 48.0

    @api.model
    def _wait_or_attention(self, flow, reason):
        """Keep polling ``flow`` for ``l10n_fr_chorus_pro.unknown_flow_status_hours``
        (from the first poll that could not decide), then it needs attention: message
        and activity on the flow, message on its invoices (which stay as they are)."""
        now = fields.Datetime.now()
        since = flow.waiting_since or now
        flow.write({"waiting_since": since, "error_message": reason})
        if flow.state == "attention":
            return
        if since + timedelta(hours=self._unknown_status_hours()) > now:
            if flow.state != "sent":
                flow.state = "sent"
            return
        flow.state = "attention"
        body = Markup("<p>%s</p><p>%s</p>") % (
            self.env._(
                "This flow needs attention: no decision could be made from Chorus Pro "
                "since %(since)s (raw status: %(status)s). Check the flow on the Chorus "
                "Pro portal; Update from Chorus Pro reads it again.",
                since=since,
                status=flow.status_raw or self.env._("(empty)"),
            ),
            reason,
        )
        flow.message_post(body=body)
        user = flow.company_id._chorus_activity_user(flow.user_id, flow.move_ids[:1].invoice_user_id)
        flow.activity_schedule(
            "mail.mail_activity_data_todo",
            user_id=user.id,
            summary=self.env._("Chorus Pro flow %(flow)s needs attention", flow=flow.name),
            note=body,
        )
        for move in self._unsettled_moves(flow):
            move.message_post(body=body)

    @api.model
    def _certificate_attempts(self):
        value = self.env["ir.config_parameter"].sudo().get_param(PARAM_CERTIFICATE_ATTEMPTS, "24")
        try:
            return max(1, int(value))
        except (TypeError, ValueError):
            return 24

    @api.model
    def _fetch_certificate(self, client, flow):
        """The deposit certificate (``consulterCR``), on its own: an error leaves it
        *pending*, asked for again on the next updates, at most
        ``l10n_fr_chorus_pro.certificate_attempts`` times; it never holds back the
        invoices' identifiers and statuses."""
        if flow.certificate_id:
            if flow.certificate_pending:
                flow.certificate_pending = False
            return
        try:
            content = client.flow_report_pdf(flow.name)
            error_text = None if content else self.env._("Chorus Pro gave no certificate file.")
        except cc.ChorusError as error:
            content, error_text = None, self._error_message(error)
        if content:
            self._store_certificate(flow, content)
            flow.write({"certificate_pending": False})
            return
        attempts = flow.certificate_attempts + 1
        pending = attempts < self._certificate_attempts()
        flow.write({"certificate_pending": pending, "certificate_attempts": attempts})
        _logger.warning(
            "Chorus Pro certificate of flow %s not fetched (attempt %s): %s", flow.name, attempts, error_text
        )
        if not pending:
            flow.message_post(
                body=self.env._(
                    "The deposit certificate of this flow could not be fetched from Chorus Pro "
                    "after %(attempts)s attempts (%(error)s). The invoices are not affected; the "
                    "certificate can be downloaded from the Chorus Pro portal.",
                    attempts=attempts,
                    error=error_text,
                )
            )

    @api.model
    def _store_certificate(self, flow, content):
        """The deposit certificate, attached to the flow and to each of its invoices (the
        filestore keeps one file: same content, same checksum); evidence, never the
        invoices' main attachment (see ``account_move.py``)."""
        records = [flow, *flow.move_ids]
        attachments = self.env["ir.attachment"].create(
            [
                {
                    "name": f"certificat_depot_{flow.name}.pdf",
                    "raw": content,
                    "res_model": record._name,
                    "res_id": record.id,
                    "mimetype": "application/pdf",
                    "chorus_evidence": True,
                }
                for record in records
            ]
        )
        flow.certificate_id = attachments[0]
        for move, attachment in zip(records[1:], attachments[1:], strict=True):
            move._chorus_write({"chorus_certificate_id": attachment.id})

    @api.model
    def _mark_rejected(self, move, reasons, flow_level=False, status=None):
        """Rejection: readable message with the recipient's help, activity, 'to fix'."""
        partner = move.commercial_partner_id
        body = Markup("<p>%s</p><ul>%s</ul>") % (
            self.env._("Chorus Pro rejected this invoice:")
            if flow_level
            else self.env._("The recipient returned this invoice on Chorus Pro (%(status)s):", status=status),
            Markup().join(Markup("<li>%s</li>") % reason for reason in reasons if reason),
        )
        if partner.chorus_help:
            body += Markup("<p>%s</p><pre>%s</pre>") % (
                self.env._("Help from %(partner)s:", partner=partner.name),
                partner.chorus_help,
            )
        # The reason is kept on the invoice (banner, re-issue and completion wizards).
        vals = {
            "chorus_state": "to_fix",
            "chorus_status_comment": "\n".join(r for r in reasons if r) or False,
        }
        if flow_level:
            vals["chorus_flow_id"] = move.chorus_flow_id.id
        move._chorus_write(vals)
        move.message_post(body=body)
        self._schedule_fix_activity(move, self.env._("Fix and send again to Chorus Pro"), body)

    @api.model
    def _schedule_fix_activity(self, move, summary, note, depositor=None):
        """An activity asking to fix ``move``: for the company's Chorus Pro responsible,
        else who deposited it (``depositor``, else its flow's; told so in the deposit's
        summary), else its salesperson. It replaces the invoice's previous Chorus Pro
        activity and is closed when the invoice is back on Chorus Pro."""
        user = move.company_id._chorus_activity_user(
            depositor or move.chorus_flow_id.user_id, move.invoice_user_id
        )
        activity = move.activity_schedule(
            "mail.mail_activity_data_todo",
            user_id=user.id,
            summary=summary,
            note=note,
        )
        move._chorus_set_activity(activity)
        return activity

    @api.model
    def _apply_invoice_status(self, move, status, comment=None, client=None, date=None):
        """Apply the Chorus Pro ``status`` of ``move`` (its ``date`` and the recipient's
        ``comment`` when Chorus Pro gives them): one row in the status history and one
        line in the chatter per change; the same status seen again changes nothing."""
        if not status or status == move.chorus_status:
            return False
        # The chatter line is a note, written once for every reader: in the language of
        # the user who asked for the update (their request's), and for the cron (no
        # language) in the company's. The field is not tracked (account_move.py): Odoo's
        # tracking also stores the labels as text, in the language of whoever ends the
        # transaction — the cron's OdooBot, English — so a French user read "Deposited →
        # Rejected", and twice with this note. The status history renders the labels
        # in each reader's language.
        lang = self.env.context.get("lang") or move.company_id.partner_id.lang or self.env.user.lang
        writer = self.with_context(lang=lang)
        labels = dict(writer.env["chorus.pro.status.history"]._selection_status())
        old = labels.get(move.chorus_status) or writer.env._("none")
        history = self.env["chorus.pro.status.history"]
        status_date = history._chorus_date(date) or fields.Datetime.now()
        if status in INVOICE_PROBLEM_STATUSES:
            if comment is None and client and move.chorus_identifier:
                comment = self._last_status_comment(client, move)
        vals = {"chorus_status": status, "chorus_status_date": status_date}
        if status == "MISE_EN_PAIEMENT":
            vals["chorus_state"] = "paid"
        elif move.chorus_state == "paid" or (
            status not in INVOICE_PROBLEM_STATUSES and move.chorus_state == "to_fix"
        ):
            # a status after the payment one takes it back: no longer paid on Chorus Pro
            vals["chorus_state"] = "deposited"
        move._chorus_write(vals)
        history.sudo().with_context(clean_context(self.env.context)).create(  # pylint: disable=context-overridden
            {"move_id": move.id, "status": status, "date": status_date, "comment": comment or False}
        )
        move.message_post(
            body=writer.env._(
                "Chorus Pro status: %(old)s → %(new)s",
                old=old,
                new=labels.get(status, status),
            )
        )
        if status in INVOICE_PROBLEM_STATUSES:
            writer._mark_rejected(
                move,
                [comment or labels.get(status, status)],
                status=labels.get(status, status),
            )
        self._works_follow(move, client)
        return True

    @api.model
    def _last_status_comment(self, client, move):
        try:
            history = client.invoice_history(int(move.chorus_identifier))
        except cc.ChorusError:
            return None
        statuses = (history.get("historiquesDesStatuts") or {}).get("histoStatut") or []
        comments = [h.get("histoStatutCommentaire") for h in statuses if h.get("histoStatutCommentaire")]
        return comments[-1] if comments else None

    @api.model
    def _sync_invoice_statuses(self, company, interactive=False):
        """Update invoice statuses with one paginated search of what changed since the
        last synchronisation (no per-invoice call unless the recipient left a comment).
        The search filter is a date, so it lists the whole day: it leaves out DEPOSEE,
        which the deposit itself reports, so the invoices deposited today do not fill
        every sync of the day.

        Skipped (0) when another transaction is syncing the company or has synced it
        since this one began: that one applies the statuses. ``interactive`` (a user's
        *Update from Chorus Pro*): told, with a UserError, when it is skipped or when
        Chorus Pro cannot be reached, rather than "nothing changed"."""
        if self.env.context.get("cron_id") and self._sync_run_spent():
            self._sync_run_again(company, 0, None)
            return 0
        if not self._lock_status_sync(company):
            _logger.info(
                "Chorus Pro status sync of %s skipped: another one is running or has just run",
                company.name,
            )
            if interactive:
                raise UserError(
                    self.env._(
                        "The Chorus Pro statuses of %(company)s are being updated right now: wait "
                        "a moment and refresh.",
                        company=company.name,
                    )
                )
            return 0
        self = self.with_context(clean_context(self.env.context))  # activities, messages  # pylint: disable=context-overridden
        # Two columns of every followed invoice; the whole rows of the listed ones only.
        moves = self.env["account.move"].search_fetch(
            self._status_sync_domain(company), ["chorus_identifier", "create_date"]
        )
        if not moves:
            return 0
        client = self._get_client(company)
        since = company.chorus_last_status_sync or min(moves.mapped("create_date"))
        started = fields.Datetime.now()
        try:
            found = client.search_invoices(
                periodeDateHeureEtatCourantDu=since.date().isoformat(),
                statutCourant=SYNC_STATUSES,
            )
        except cc.ChorusError as error:
            _logger.warning("Chorus Pro status sync failed for %s: %s", company.name, error)
            if interactive:
                raise UserError(self._error_message(error)) from error
            return 0
        by_id = dict(zip(moves.mapped("chorus_identifier"), moves.ids, strict=True))
        listed = [
            (by_id[key], item) for item in found if (key := str(item.get("identifiantFactureCPP"))) in by_id
        ]
        listed_moves = self.env["account.move"].browse([move_id for move_id, _item in listed])
        items = list(zip(listed_moves, [item for _move_id, item in listed], strict=True))
        if self.env.context.get("cron_id"):
            changed, done = self._apply_sync_items_in_batches(company, items, client)
            if not done:
                return changed
        else:
            changed = sum(1 for move, item in items if self._apply_invoice_item(move, item, client=client))
        company.sudo().chorus_last_status_sync = started
        self._works_check_deadlines(company)
        return changed

    @api.model
    def _sync_param(self, key, default, minimum=1):
        value = self.env["ir.config_parameter"].sudo().get_param(key, default)
        try:
            return max(minimum, int(value))
        except (TypeError, ValueError):
            return default

    @api.model
    def _sync_run_progress(self):
        """The progress record of the cron's run (created and committed as it begins)."""
        progress_id = self.env.context.get("ir_cron_progress_id")
        return self.env["ir.cron.progress"].sudo().browse(progress_id).exists() if progress_id else None

    @api.model
    def _sync_run_spent(self):
        """Whether this cron run has applied statuses for
        ``l10n_fr_chorus_pro.status_sync_seconds`` already (it committed at least one
        batch: every run moves the sync on)."""
        progress = self._sync_run_progress()
        if not progress or not progress.done:
            return False
        budget = self._sync_param(PARAM_SYNC_SECONDS, 60, minimum=0)
        now = datetime.now(UTC).replace(tzinfo=None)  # to the microsecond, as create_date
        return now >= progress.create_date + timedelta(seconds=budget)

    @api.model
    def _sync_run_again(self, company, read, listed):
        """The rest of ``company``'s sync on the next run, asked for at once."""
        self.env["ir.cron"].browse(self.env.context["cron_id"])._trigger()
        _logger.info(
            "Chorus Pro status sync of %s: %s of %s listed invoices read, the rest on the next run",
            company.name,
            read,
            listed if listed is not None else "?",
        )

    @api.model
    def _apply_sync_items_in_batches(self, company, items, client):
        """The cron's side of the status sync: ``items`` (``(move, search result)``)
        applied ``l10n_fr_chorus_pro.status_sync_batch`` changes at a time, each batch
        committed (the cron's progress): thousands of payments are not one transaction
        that a worker's time limit kills and rolls back at every run. Once the run has
        spent ``l10n_fr_chorus_pro.status_sync_seconds`` (the next companies wait too),
        or when another transaction took the company between two batches, it stops and
        the cron is triggered again: the date of the last sync is kept, so the next run
        searches the same period and only compares what is applied. ``(changed, done)``."""
        batch = self._sync_param(PARAM_SYNC_BATCH, 200)
        cron = self.env["ir.cron"]
        changed = pending = 0
        for index, (move, item) in enumerate(items, 1):
            # What an earlier run applied is only compared: the batches count changes.
            if not self._apply_invoice_item(move, item, client=client):
                continue
            changed += 1
            pending += 1
            if pending < batch or index == len(items):
                continue
            cron._commit_progress(pending)
            pending = 0
            self.env.invalidate_all()
            if self._sync_run_spent() or not self._lock_status_sync(company):
                self._sync_run_again(company, index, len(items))
                return changed, False
        return changed, True

    @api.model
    def _status_sync_domain(self, company):
        """The invoices of ``company`` whose status the sync follows: those whose status
        may still change, and the payments not received yet
        (``chorus_pro_connector_payment.py``)."""
        return Domain(
            [
                ("company_id", "=", company.id),
                ("chorus_identifier", "!=", False),
                ("chorus_status", "not in", list(cc.INVOICE_TERMINAL_STATUSES)),
            ]
        ) | self._status_sync_payment_domain(company)

    @api.model
    def _apply_invoice_item(self, move, item, client=None):
        """Apply what a search result (``rechercher/fournisseur``) says of ``move``:
        its status, with its date and comment, and the amount the public body pays
        (``chorus_pro_connector_payment.py``). Whether the status changed."""
        changed = self._apply_invoice_status(
            move,
            item.get("statut"),
            comment=item.get("commentaireEtatCourant") or None,
            client=client,
            date=item.get("dateHeureEtatCourant"),
        )
        self._apply_invoice_amount_to_pay(move, item)
        return changed

    @api.model
    def _complete_invoice(self, move, comment, attachments):
        client = self._get_client(move.company_id)
        try:
            ids = [client.upload_attachment(att.name, att.raw, att.mimetype) for att in attachments]
            client.complete_invoice(int(move.chorus_identifier), comment, attachment_ids=ids)
        except (cc.ChorusError, ValueError) as error:
            raise UserError(self._error_message(error)) from error
        move.message_post(
            body=self.env._("Completed on Chorus Pro: %(comment)s", comment=comment or ""),
            attachment_ids=attachments.ids,
        )
        self._apply_invoice_status(move, "COMPLETEE")
        move.chorus_state = "deposited"

    @api.model
    def _recycle_invoice(self, move, service, comment):
        client = self._get_client(move.company_id)
        try:
            client.recycle_invoice(
                int(move.chorus_identifier),
                move.commercial_partner_id.company_registry,
                service_code=service.code if service else None,
                comment=comment,
            )
        except cc.ChorusError as error:
            raise UserError(self._error_message(error)) from error
        if service:
            move.chorus_service_id = service
        move.message_post(
            body=self.env._("Routing corrected on Chorus Pro: %(comment)s", comment=comment or "")
        )
        self._apply_invoice_status(move, "DEPOSEE")
        move._chorus_write({"chorus_state": "deposited"})
