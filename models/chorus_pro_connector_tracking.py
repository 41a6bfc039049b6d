# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Chorus Pro tracking: flow reports, invoice statuses and history, rejections,
completion of suspended invoices and re-routing."""

import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import clean_context

from ..lib import chorus_client as cc
from .chorus_pro_connector import (
    INVOICE_PROBLEM_STATUSES,
    PARAM_UNCONFIRMED_DELAY,
    SYNC_STATUSES,
)

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
        crashed during the call) is searched for like an unconfirmed one."""
        self, flows = self._without_defaults(flows)
        for company in flows.company_id:
            company_flows = self._lock_flows(flows.filtered(lambda f: f.company_id == company))
            if not company_flows:
                continue
            client = self._get_client(company)
            for flow in company_flows.filtered(lambda f: f.state in ("sending", "unconfirmed")):
                self._recover_flow(client, flow)
            for flow in company_flows.filtered(lambda f: f.state == "sent" and f.name):
                self._update_flow(client, flow)
        return True

    @api.model
    def _recover_flow(self, client, flow):
        moves = flow.move_ids
        try:
            found = self._find_on_chorus(client, moves) if moves else {}
        except cc.ChorusError as error:
            _logger.warning("Chorus Pro search failed for flow %s: %s", flow.id, error)
            return
        for move in moves.filtered(lambda m: m.name in found):
            self._link_found_invoice(move, found[move.name], recovered=True)
        missing = moves.filtered(lambda m: m.name not in found)
        if not missing:
            flow.write({"state": "sent" if flow.name else "done", "error_message": False})
            if flow.name:
                self._update_flow(client, flow)
            return
        delay = int(
            self.env["ir.config_parameter"].sudo().get_param(PARAM_UNCONFIRMED_DELAY, "60") or 60
        )
        if flow.date and flow.date > fields.Datetime.now() - timedelta(minutes=delay):
            return  # Chorus Pro may still be processing it: look again later
        missing._chorus_write({"chorus_state": False, "chorus_flow_id": False})
        for move in missing:
            move.message_post(
                body=self.env._(
                    "Chorus Pro never received this invoice (searched %(delay)s minutes after "
                    "the unconfirmed deposit): it can be deposited again.",
                    delay=delay,
                )
            )
        flow.write({"state": "failed" if missing == moves else "done"})

    @api.model
    def _update_flow(self, client, flow):
        try:
            report = client.flow_report(flow.name)
        except cc.ChorusError as error:
            flow.error_message = self._error_message(error)
            return
        status = report.get("etatCourantDepotFlux")
        vals = {"status": status, "status_date": fields.Datetime.now()}
        technical = report.get("listeErreurTechnique") or []
        if technical:
            vals["error_message"] = "\n".join(
                f"{e.get('codeErreur', '')} {e.get('libelleErreur', '')}".strip() for e in technical
            )
        flow.write(vals)
        if status not in cc.FLOW_TERMINAL_STATUSES:
            return
        flow.state = "done"
        errors = {}
        for error in report.get("listeErreurDP") or []:
            errors.setdefault(error.get("numeroDP"), []).append(error.get("libelleErreurDP") or "")
        integrated = {}
        if status in cc.FLOW_SUCCESS_STATUSES:
            try:
                integrated = {
                    item["numeroFacture"]: item
                    for item in client.search_invoices(numeroFluxDepot=flow.name)
                }
                certificate = client.flow_report_pdf(flow.name)
            except cc.ChorusError as error:
                flow.write({"state": "sent", "error_message": self._error_message(error)})
                return
            if certificate:
                self._store_certificate(flow, certificate)
        for move in flow.move_ids:
            if move.name in integrated:
                self._link_found_invoice(move, integrated[move.name])
                continue
            reasons = errors.get(move.name) or [
                flow.error_message
                or self.env._("Chorus Pro did not integrate this invoice (flow %(status)s).",
                              status=status)
            ]
            self._mark_rejected(move, reasons, flow_level=True)

    @api.model
    def _store_certificate(self, flow, content):
        """The deposit certificate, attached to the flow and to each of its invoices (the
        filestore keeps one file: same content, same checksum)."""
        records = [flow, *flow.move_ids]
        attachments = self.env["ir.attachment"].create([
            {"name": f"certificat_depot_{flow.name}.pdf", "raw": content,
             "res_model": record._name, "res_id": record.id, "mimetype": "application/pdf"}
            for record in records
        ])
        for move, attachment in zip(records[1:], attachments[1:], strict=True):
            move._chorus_write({"chorus_certificate_id": attachment.id})

    @api.model
    def _mark_rejected(self, move, reasons, flow_level=False, status=None):
        """Rejection: readable message with the recipient's help, activity, 'to fix'."""
        partner = move.commercial_partner_id
        body = Markup("<p>%s</p><ul>%s</ul>") % (
            self.env._("Chorus Pro rejected this invoice:")
            if flow_level
            else self.env._("The recipient returned this invoice on Chorus Pro (%(status)s):",
                            status=status),
            Markup().join(Markup("<li>%s</li>") % reason for reason in reasons if reason),
        )
        if partner.chorus_help:
            body += Markup("<p>%s</p><pre>%s</pre>") % (
                self.env._("Help from %(partner)s:", partner=partner.name),
                partner.chorus_help,
            )
        # The reason is kept on the invoice (banner, re-issue and completion wizards).
        vals = {"chorus_state": "to_fix",
                "chorus_status_comment": "\n".join(r for r in reasons if r) or False}
        if flow_level:
            vals["chorus_flow_id"] = move.chorus_flow_id.id
        move._chorus_write(vals)
        move.message_post(body=body)
        activity = move.activity_schedule(
            "mail.mail_activity_data_todo",
            user_id=(move.invoice_user_id or self.env.user).id,
            summary=self.env._("Fix and send again to Chorus Pro"),
            note=body,
        )
        move._chorus_set_activity(activity)  # closed when the invoice is back on Chorus Pro

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
        elif status not in INVOICE_PROBLEM_STATUSES and move.chorus_state == "to_fix":
            vals["chorus_state"] = "deposited"
        move._chorus_write(vals)
        history.sudo().with_context(clean_context(self.env.context)).create(
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
    def _sync_invoice_statuses(self, company):
        """Update invoice statuses with one paginated search of what changed since the
        last synchronisation (no per-invoice call unless the recipient left a comment).
        The search filter is a date, so it lists the whole day: it leaves out DEPOSEE,
        which the deposit itself reports, so the invoices deposited today do not fill
        every sync of the day.

        Skipped (0) when another transaction is syncing the company or has synced it
        since this one began: that one applies the statuses."""
        if not self._lock_status_sync(company):
            _logger.info(
                "Chorus Pro status sync of %s skipped: another one is running or has just run",
                company.name,
            )
            return 0
        self = self.with_context(clean_context(self.env.context))  # activities, messages
        moves = self.env["account.move"].search(
            [
                ("company_id", "=", company.id),
                ("chorus_identifier", "!=", False),
                ("chorus_status", "not in", list(cc.INVOICE_TERMINAL_STATUSES)),
            ]
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
            return 0
        by_id = {move.chorus_identifier: move for move in moves}
        changed = 0
        for item in found:
            move = by_id.get(str(item.get("identifiantFactureCPP")))
            if move and self._apply_invoice_status(
                move, item.get("statut"), comment=item.get("commentaireEtatCourant") or None,
                client=client, date=item.get("dateHeureEtatCourant"),
            ):
                changed += 1
        company.sudo().chorus_last_status_sync = started
        return changed

    @api.model
    def _complete_invoice(self, move, comment, attachments):
        client = self._get_client(move.company_id)
        try:
            ids = [
                client.upload_attachment(att.name, att.raw, att.mimetype) for att in attachments
            ]
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
