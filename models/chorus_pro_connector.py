# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Odoo side of the Chorus Pro API: every HTTP call of the module goes through here.

The HTTP work itself is done by the pure client (``lib/chorus_client.py``); this
abstract model reads the company settings, turns Chorus answers into records and
messages, and guarantees that an invoice is never deposited twice:

* the invoices are locked (``FOR UPDATE NOWAIT``) while they are deposited;
* before sending, Chorus Pro is searched for their numbers (a crash after an
  earlier deposit leaves them there);
* an answer that never came back (timeout, dropped connection, 5xx) does not
  raise: the flow is kept as *unconfirmed* in the same transaction and recovered
  later by searching the invoice numbers, never by sending again blindly;
* an interactive deposit commits before and right after each deposit call: what
  Chorus Pro received (or may have received) is never rolled back by what follows;
* nothing the connector creates takes the ``default_*`` values of the context (the
  action that opened the deposit);
* crons take flows with ``FOR UPDATE SKIP LOCKED``, so two workers never process
  the same flow, and a company's status sync takes the company's row the same way
  (``FOR NO KEY UPDATE``): two overlapping syncs never both run.
"""

import contextlib
import io
import logging
import tarfile
from datetime import timedelta

from markupsafe import Markup
from psycopg2.errors import SerializationFailure

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.misc import clean_context

from ..lib import chorus_client as cc
from .account_move import INVOICE_STATUSES

_logger = logging.getLogger(__name__)

PARAM_TIMEOUT = "l10n_fr_chorus_pro.timeout"
PARAM_UNCONFIRMED_DELAY = "l10n_fr_chorus_pro.unconfirmed_delay_minutes"
SEARCH_PAGE_SIZE = 100
# Statuses the recipient returns an invoice with: the supplier has something to do.
INVOICE_PROBLEM_STATUSES = cc.INVOICE_ACTION_STATUSES | {"REJETEE"}
# What the status sync asks Chorus Pro for: every status but DEPOSEE, known from the
# deposit's flow report.
SYNC_STATUSES = [code for code, _label in INVOICE_STATUSES if code != "DEPOSEE"]
# Row lock strengths of _lock_records.
LOCK_STRENGTHS = ("UPDATE", "NO KEY UPDATE")


class ChorusProConnector(models.AbstractModel):
    _name = "chorus.pro.connector"
    _description = "Chorus Pro Connector"

    # ------------------------------------------------------------------
    # Client and errors
    # ------------------------------------------------------------------
    @api.model
    def _get_client(self, company):
        company = company.sudo()
        if company.chorus_environment == "custom":
            api_url, token_url = company.chorus_api_url, company.chorus_token_url
        elif company.chorus_environment == "production":
            api_url, token_url = cc.PRODUCTION.api_url, cc.PRODUCTION.token_url
        else:
            api_url, token_url = cc.QUALIFICATION.api_url, cc.QUALIFICATION.token_url
        settings = [
            (api_url, self.env._("API URL")),
            (token_url, self.env._("token URL")),
            (company.chorus_client_id, self.env._("PISTE client ID")),
            (company.chorus_client_secret, self.env._("PISTE client secret")),
            (company.chorus_login, self.env._("technical account login")),
            (company.chorus_password, self.env._("technical account password")),
        ]
        missing = [label for value, label in settings if not value]
        if missing:
            raise UserError(
                self.env._(
                    "Chorus Pro is not configured for %(company)s: set the %(missing)s in "
                    "Accounting > Configuration > Settings > Chorus Pro.",
                    company=company.name,
                    missing=", ".join(missing),
                )
            )
        expiry = company.chorus_password_expiry_date
        if expiry and expiry < fields.Date.context_today(self):
            raise UserError(
                self.env._(
                    "The Chorus Pro technical password of %(company)s expired on %(date)s. "
                    "Change it in Chorus Pro (main manager of the structure), then enter "
                    "the new one and its expiry date in the settings.",
                    company=company.name,
                    date=expiry,
                )
            )
        timeout = float(
            self.env["ir.config_parameter"].sudo().get_param(PARAM_TIMEOUT, "30") or 30
        )
        return cc.ChorusClient(
            api_url=api_url,
            token_url=token_url,
            client_id=company.chorus_client_id,
            client_secret=company.chorus_client_secret,
            login=company.chorus_login,
            password=company.chorus_password,
            timeout=timeout,
            page_size=SEARCH_PAGE_SIZE,
        )

    @api.model
    def _error_message(self, error):
        """A Chorus Pro error as a sentence for users, in their language."""
        libelle = getattr(error, "libelle", None) or str(error)
        code = getattr(error, "code_retour", None)
        if isinstance(error, cc.ChorusAuthError):
            return self.env._(
                "Chorus Pro refused the credentials: %(message)s. Check the PISTE client "
                "ID and secret and the technical account in the settings.",
                message=libelle,
            )
        if isinstance(error, cc.ChorusUncertainError):
            return self.env._(
                "Chorus Pro did not confirm the request (%(message)s); it may or may not "
                "have been received.",
                message=libelle,
            )
        if isinstance(error, cc.ChorusTransientError):
            return self.env._(
                "Chorus Pro is not answering right now (%(message)s). Try again later.",
                message=libelle,
            )
        if code:
            return self.env._(
                "Chorus Pro refused the request (code %(code)s): %(message)s",
                code=code,
                message=libelle,
            )
        return self.env._("Chorus Pro error: %(message)s", message=libelle)

    # ------------------------------------------------------------------
    # Connection test
    # ------------------------------------------------------------------
    @api.model
    def _action_test_connection(self, company):
        client = self._get_client(company)
        try:
            structures = client.test_connection()
        except cc.ChorusError as error:
            raise UserError(self._error_message(error)) from error
        names = ", ".join(
            f"{s.get('designationStructure') or ''} ({s.get('identifiantStructure')})"
            for s in structures
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Chorus Pro connection works"),
                "message": self.env._(
                    "The technical account can invoice for: %(structures)s",
                    structures=names or self.env._("no structure"),
                ),
                "type": "success",
                "sticky": False,
            },
        }

    # ------------------------------------------------------------------
    # Directory
    # ------------------------------------------------------------------
    @api.model
    def _sync_recipients(self, partners, company=None, raise_if_missing=True):
        """Read each recipient's structure, flags and services from the directory."""
        client = self._get_client(company or self.env.company)
        for partner in partners:
            try:
                entry = client.get_directory_entry(partner.company_registry)
            except cc.ChorusError as error:
                raise UserError(self._error_message(error)) from error
            if not entry:
                if raise_if_missing:
                    raise UserError(
                        self.env._(
                            "SIRET %(siret)s of %(partner)s is not in the Chorus Pro "
                            "directory: check it with the recipient.",
                            siret=partner.company_registry,
                            partner=partner.display_name,
                        )
                    )
                _logger.warning("SIRET %s not in the Chorus Pro directory", partner.company_registry)
                continue
            self._apply_directory_entry(partner, entry)
        return True

    @api.model
    def _routing_rule(self, entry):
        if entry.get("engagement_or_service"):
            return "service_or_engagement"
        if entry.get("service_required") and entry.get("engagement_required"):
            return "service_and_engagement"
        if entry.get("service_required"):
            return "service"
        if entry.get("engagement_required"):
            return "engagement"
        return "none"

    @api.model
    def _apply_directory_entry(self, partner, entry):
        now = fields.Datetime.now()
        partner = partner.sudo()
        partner.write(
            {
                "chorus_structure_identifier": entry.get("idStructureCPP") or False,
                "chorus_routing_rule": self._routing_rule(entry),
                "chorus_sync_date": now,
            }
        )
        Service = self.env["chorus.pro.service"].sudo().with_context(active_test=False)
        existing = {s.code: s for s in Service.search([("partner_id", "=", partner.id)])}
        seen = set()
        for item in entry.get("services", []):
            code = item.get("code")
            if not code:
                continue
            seen.add(code)
            vals = {
                "name": item.get("name") or code,
                "active": bool(item.get("active", True)),
                "date_start": item.get("date_start") or False,
                "date_end": item.get("date_end") or False,
                "engagement_required": bool(item.get("engagement_required")),
                "chorus_service_identifier": item.get("idService") or 0,
                "sync_date": now,
            }
            if code in existing:
                existing[code].write(vals)
            else:
                Service.create(dict(vals, partner_id=partner.id, code=code))
        for code, service in existing.items():
            if code not in seen and service.active:
                service.active = False

    @api.model
    def _refresh_stale_recipients(self, partners, company):
        """Refresh recipients whose directory data is older than the company's delay."""
        limit = fields.Datetime.now() - timedelta(days=company.chorus_directory_refresh_days or 0)
        stale = partners.filtered(lambda p: not p.chorus_sync_date or p.chorus_sync_date < limit)
        if stale:
            self._sync_recipients(stale, company=company)
        return stale

    # ------------------------------------------------------------------
    # Deposit
    # ------------------------------------------------------------------
    @api.model
    def _lock_moves(self, moves):
        try:
            # In its own savepoint: a refusal leaves the transaction usable (the
            # background job records it and goes on). An expected refusal, not a "bad
            # query" to log as an error.
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM account_move WHERE id IN %s FOR UPDATE NOWAIT",
                        tuple(moves.ids),
                    ),
                    log_exceptions=False,
                )
        except Exception as error:  # psycopg2 LockNotAvailable
            raise UserError(
                self.env._(
                    "These invoices are being deposited on Chorus Pro by someone else right "
                    "now. Wait a moment and refresh."
                )
            ) from error
        moves.invalidate_recordset(["chorus_state", "chorus_flow_id"])

    @api.model
    def _check_depositable(self, moves):
        problems = []
        for move in moves:
            if move.state != "posted" or move.move_type not in ("out_invoice", "out_refund"):
                problems.append(
                    self.env._("%(move)s is not a posted customer invoice.", move=move.display_name)
                )
            elif not move.chorus_is_recipient:
                problems.append(
                    self.env._(
                        "%(partner)s is not a Chorus Pro recipient.",
                        partner=move.commercial_partner_id.display_name,
                    )
                )
            elif move.chorus_state in ("sending", "unconfirmed", "deposited", "paid"):
                problems.append(
                    self.env._(
                        "%(move)s is already on Chorus Pro (%(state)s): it is never sent twice.",
                        move=move.display_name,
                        state=dict(move._fields["chorus_state"]._description_selection(self.env))[
                            move.chorus_state
                        ],
                    )
                )
            else:
                # A rejected invoice (or the credit note cancelling it) is never
                # deposited again, whatever path leads here (wizard, background job).
                rejected = self.env["chorus.pro.checklist"]._check_not_rejected(move)
                if not rejected["ok"]:
                    problems.append(rejected["message"])
        if len(moves.company_id) > 1:
            problems.append(self.env._("Deposit the invoices of one company at a time."))
        if problems:
            raise UserError("\n".join(problems))

    @api.model
    def _find_on_chorus(self, client, moves):
        """Invoices of ``moves`` Chorus Pro already has (not rejected), by number."""
        names = set(moves.mapped("name"))
        if len(moves) == 1:
            found = client.search_invoices(numeroFacture=moves.name)
        else:
            since = min(moves.mapped("invoice_date"))
            found = client.search_invoices(periodeDateHeureEtatCourantDu=since.isoformat())
        return {
            item["numeroFacture"]: item
            for item in found
            if item.get("numeroFacture") in names and item.get("statut") != "REJETEE"
        }

    @api.model
    def _check_engagements(self, client, moves):
        """Look the engagement numbers up on Chorus Pro. Not every public body publishes
        its engagements, so a number not found is a warning on the invoice, not a block."""
        moves = moves.filtered("purchase_order_reference")
        if not moves:
            return
        siret = moves.company_id.company_registry
        try:
            own = [
                s for s in client.my_structures()
                if str(s.get("identifiantStructure")) == siret
            ]
            if not own:
                return
            for move in moves:
                found = client.search_engagement(
                    move.purchase_order_reference.strip(), int(own[0]["idStructure"])
                )
                if not found:
                    move.message_post(
                        body=self.env._(
                            "Engagement number %(ej)s was not found on Chorus Pro for your "
                            "structure. Check it with %(partner)s if the invoice is rejected.",
                            ej=move.purchase_order_reference,
                            partner=move.commercial_partner_id.name,
                        )
                    )
        except cc.ChorusError as error:
            _logger.warning("Chorus Pro engagement check failed: %s", error)

    @api.model
    def _flow_file(self, moves, documents):
        """One Factur-X PDF, or a tar.gz of several for a batch flow."""
        if len(documents) == 1:
            return documents[0]
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            for name, content in documents:
                info = tarfile.TarInfo(name=name)
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))
        stamp = fields.Datetime.now().strftime("%Y%m%d%H%M%S")
        return (f"FACTURX_{stamp}_{len(documents)}.tar.gz", buffer.getvalue())

    @api.model
    def _without_defaults(self, records):
        """``self`` and ``records`` without the ``default_*`` keys of the context: the
        action that opened a deposit (e.g. the list action's ``default_move_ids``) must
        not give values to the flows, files, messages or activities created here."""
        connector = self.with_context(clean_context(self.env.context))
        return connector, records.with_env(connector.env)

    @api.model
    def _commit_deposit(self):
        """Commit what is known of a deposit (interactive deposits only)."""
        self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _deposit(self, moves, batch=True, commit=False):
        """Deposit posted invoices; returns the created ``chorus.pro.flow`` records.

        Definite refusals raise a UserError (nothing was deposited). An unknown
        outcome (timeout, 5xx, lost connection) does not raise: the flow is kept
        as *unconfirmed* and recovered later.

        With ``commit`` (a deposit in a user's request), the transaction is committed
        before each deposit call (drafts posted, the flow *sending* linked to its
        invoices) and right after it: an error or a crash afterwards never loses what
        Chorus Pro received. A flow a crash leaves *sending* is searched for on
        Chorus Pro like an unconfirmed one.
        """
        self, moves = self._without_defaults(moves)
        moves = moves.sorted("id")
        self._lock_moves(moves)
        self._check_depositable(moves)
        company = moves.company_id
        client = self._get_client(company)
        self._refresh_stale_recipients(moves.commercial_partner_id, company)
        try:
            already = self._find_on_chorus(client, moves)
        except cc.ChorusError as error:
            raise UserError(self._error_message(error)) from error
        for move in moves.filtered(lambda m: m.name in already):
            self._link_found_invoice(move, already[move.name], recovered=True)
        moves = moves.filtered(lambda m: m.name not in already)
        if company.chorus_check_engagement:
            self._check_engagements(client, moves)
        engine = self.env["chorus.pro.facturx"]
        documents = {}
        pdfs = engine._facturx_render_invoice_pdfs(moves)
        for move in moves:
            result = engine._build_facturx(
                move, attachments=move._chorus_attachments_payload(), pdf=pdfs[move.id]
            )
            documents[move] = (engine._facturx_filename(move), result["pdf"])
        groups = [moves] if batch else [move for move in moves]
        flows = self.env["chorus.pro.flow"]
        for group in groups:
            if group:
                flows |= self._deposit_group(
                    client, group, [documents[m] for m in group], commit=commit
                )
                self._keep_deposited_documents(group, documents)
                if commit:
                    self._commit_deposit()
        return flows

    @api.model
    def _keep_deposited_documents(self, moves, documents):
        """Keep on each invoice the Factur-X exactly as Chorus Pro received it."""
        attachments = self.env["ir.attachment"].create([
            {
                "name": documents[move][0],
                "raw": documents[move][1],
                "mimetype": "application/pdf",
                "res_model": move._name,
                "res_id": move.id,
            }
            for move in moves
        ])
        for move, attachment in zip(moves, attachments, strict=True):
            move._chorus_write({"chorus_document_id": attachment.id})

    @api.model
    def _deposit_group(self, client, moves, documents, commit=False):
        if commit:
            # An earlier group was committed, which let go of the invoices' locks.
            self._lock_moves(moves)
            self._check_depositable(moves)
        filename, content = self._flow_file(moves, documents)
        attachment = self.env["ir.attachment"].create(
            {"name": filename, "raw": content, "res_model": "chorus.pro.flow"}
        )
        flow = self.env["chorus.pro.flow"].create(
            {
                "company_id": moves.company_id.id,
                "state": "sending",
                "attachment_id": attachment.id,
                "date": fields.Datetime.now(),
            }
        )
        attachment.res_id = flow.id
        job_id = self.env.context.get("chorus_pro_deposit_job_id")
        if job_id:
            # A background deposit knows its flow from the commit before the call on.
            job = self.env["chorus.pro.deposit.job"].sudo().browse(job_id)
            job.flow_ids = [Command.link(flow.id)]
        before = [(move, {"chorus_state": move.chorus_state, "chorus_flow_id": move.chorus_flow_id.id})
                  for move in moves]
        moves._chorus_write({"chorus_flow_id": flow.id, "chorus_state": "sending"})
        if commit:
            # Whatever happens during the call, Odoo knows it may have been sent.
            self._commit_deposit()
            self._lock_records(flow)  # the cron leaves it alone while it is being sent
        try:
            answer = client.deposit_flow(content, filename, syntax=cc.SYNTAX_FACTURX)
        except cc.ChorusUncertainError as error:
            self._record_unconfirmed(flow, moves, error)
        except cc.ChorusError as error:
            # Definitely refused: nothing was deposited, the invoices can be sent again.
            flow.write({"state": "failed", "error_message": self._error_message(error)})
            for move, vals in before:
                move._chorus_write(vals)
            if job_id:
                job.flow_ids = [Command.unlink(flow.id)]
            if commit:
                self._commit_deposit()
            raise UserError(self._error_message(error)) from error
        else:
            self._record_deposit(flow, moves, answer)
        if commit:
            self._commit_deposit()
        return flow

    @api.model
    def _record_unconfirmed(self, flow, moves, error):
        flow.write({"state": "unconfirmed", "error_message": self._error_message(error)})
        moves._chorus_write({"chorus_state": "unconfirmed"})
        for move in moves:
            move.message_post(
                body=self.env._(
                    "Deposit on Chorus Pro not confirmed: %(error)s The invoice will not "
                    "be sent again until Chorus Pro has been searched for it.",
                    error=self._error_message(error),
                )
            )

    @api.model
    def _record_deposit(self, flow, moves, answer):
        """Chorus Pro accepted the flow ``answer`` holding ``moves``."""
        flow.write(
            {
                "name": answer.get("numeroFluxDepot"),
                "state": "sent",
                "status": "IN_RECU",
                "status_date": fields.Datetime.now(),
            }
        )
        moves._chorus_write({"chorus_state": "deposited"})
        for move in moves:
            move.message_post(
                body=self.env._(
                    "Deposited on Chorus Pro in flow %(flow)s.", flow=flow.name
                )
            )

    @api.model
    def _link_found_invoice(self, move, item, recovered=False):
        """Attach a Chorus invoice found by number to ``move``."""
        flow = move.chorus_flow_id
        if item.get("numeroFluxDepot") and flow and not flow.name:
            flow.name = item["numeroFluxDepot"]
        status = item.get("statut")
        move._chorus_write(
            {
                "chorus_identifier": str(item.get("identifiantFactureCPP") or ""),
                "chorus_state": "deposited",
            }
        )
        if recovered:
            move.message_post(
                body=self.env._(
                    "Chorus Pro already has this invoice (id %(id)s): it was not sent again.",
                    id=item.get("identifiantFactureCPP"),
                )
            )
        if status:
            self._apply_invoice_status(move, status, comment=item.get("commentaireEtatCourant"),
                                       date=item.get("dateHeureEtatCourant"))

    # ------------------------------------------------------------------
    # Tracking
    # ------------------------------------------------------------------
    @api.model
    def _lock_records(self, records, strength="UPDATE"):
        """The records of ``records`` this transaction could lock (``SELECT ... FOR
        <strength> SKIP LOCKED``); it holds them until it ends. The others are skipped:
        locked by another transaction, or changed by one that committed after this one
        began (REPEATABLE READ refuses to lock them with a SerializationFailure; the
        records are then tried one by one). Run in a savepoint, so this transaction
        goes on, and not logged as a bad query (an expected refusal)."""
        if not records:
            return records
        try:
            return records.browse(self._lock_ids(records, records.ids, strength))
        except SerializationFailure:
            if len(records) == 1:
                return records.browse()
        locked = []
        for record_id in records.ids:
            with contextlib.suppress(SerializationFailure):
                locked += self._lock_ids(records, [record_id], strength)
        return records.browse(locked)

    @api.model
    def _lock_ids(self, records, ids, strength):
        assert strength in LOCK_STRENGTHS, strength
        with self.env.cr.savepoint(flush=False):
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM %s WHERE id IN %s FOR %s SKIP LOCKED",
                    SQL.identifier(records._table), tuple(ids), SQL(strength),
                ),
                log_exceptions=False,
            )
            return [row[0] for row in self.env.cr.fetchall()]

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

    # ------------------------------------------------------------------
    # Suspended / to recycle
    # ------------------------------------------------------------------
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

    # ------------------------------------------------------------------
    # Crons
    # ------------------------------------------------------------------
    @api.model
    def _configured_companies(self):
        return self.env["res.company"].sudo().search(
            [("chorus_client_id", "!=", False), ("chorus_login", "!=", False)]
        )

    @api.model
    def _cron_update(self):
        """Flows, unconfirmed deposits and invoice statuses of every company."""
        for company in self._configured_companies():
            connector = self.with_company(company)
            try:
                flows = connector.env["chorus.pro.flow"].search(
                    [("company_id", "=", company.id),
                     ("state", "in", ("sending", "unconfirmed", "sent"))]
                )
                connector._update_flows(flows)
                connector._sync_invoice_statuses(company)
            except UserError as error:
                _logger.warning("Chorus Pro update of %s failed: %s", company.name, error)

    @api.model
    def _cron_sync_directory(self):
        companies = self._configured_companies()
        if not companies:
            return
        recipients = self.env["res.partner"].search([("chorus_recipient", "=", True)])
        try:
            self._sync_recipients(recipients, company=companies[0], raise_if_missing=False)
        except UserError as error:
            _logger.warning("Chorus Pro directory sync failed: %s", error)

    @api.model
    def _cron_password_reminder(self):
        soon = fields.Date.context_today(self) + timedelta(days=15)
        companies = self.env["res.company"].sudo().search(
            [("chorus_password_expiry_date", "!=", False), ("chorus_password_expiry_date", "<=", soon)]
        )
        admins = self.env.ref("account.group_account_manager").sudo().all_user_ids
        for company in companies:
            partner = company.partner_id
            summary = self.env._("Change the Chorus Pro technical password")
            if partner.activity_ids.filtered(lambda a: a.summary == summary):
                continue
            user = admins.filtered(lambda u: company in u.company_ids)[:1] or self.env.user
            partner.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=company.chorus_password_expiry_date,
                user_id=user.id,
                summary=summary,
                note=self.env._(
                    "The Chorus Pro technical password of %(company)s expires on %(date)s "
                    "(every 424 days). Change it in Chorus Pro, then in the Odoo settings.",
                    company=company.name,
                    date=company.chorus_password_expiry_date,
                ),
            )
