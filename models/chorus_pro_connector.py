# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Odoo side of the Chorus Pro API: every HTTP call of the module goes through the
abstract model ``chorus.pro.connector``, split by concern: the client, errors, connection
test, locks and crons here; the directory (``chorus_pro_connector_directory.py``), the
deposit (``chorus_pro_connector_deposit.py``) and the tracking of flows and invoices
(``chorus_pro_connector_tracking.py``).

The HTTP work itself is done by the pure client (``lib/chorus/``); this
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
import logging
from datetime import timedelta

from psycopg2.errors import SerializationFailure

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date
from odoo.tools.misc import clean_context

from ..lib import chorus as cc

_logger = logging.getLogger(__name__)

PARAM_TIMEOUT = "l10n_fr_chorus_pro.timeout"
PARAM_UNCONFIRMED_DELAY = "l10n_fr_chorus_pro.unconfirmed_delay_minutes"
SEARCH_PAGE_SIZE = 100
# What the status sync asks Chorus Pro for: every status but DEPOSEE, known from the
# deposit's flow report.
SYNC_STATUSES = [code for code, _label in cc.INVOICE_STATUSES if code != cc.INVOICE_DEPOSEE] + [
    code for code, _label in cc.WORKS_STATUSES
]
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
                    date=format_date(self.env, expiry),
                )
            )
        timeout = float(self.env["ir.config_parameter"].sudo().get_param(PARAM_TIMEOUT, "30") or 30)
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
        """A Chorus Pro error as a sentence for users, in their language. What the
        network or a server said (in English, e.g. urllib3's "HTTPConnectionPool(...):
        Max retries exceeded") stays in the server log."""
        libelle = getattr(error, "libelle", None) or str(error)
        code = getattr(error, "code_retour", None)
        status = getattr(error, "http_status", None)
        if isinstance(error, cc.ChorusSubscriptionError):
            return self.env._(
                "The PISTE application is not subscribed to the Chorus Pro API "
                '"%(api)s": on piste.gouv.fr, open the application and subscribe it to '
                "this API (then accept its terms of use), then try again.",
                api=getattr(error, "api", None) or libelle,
            )
        if isinstance(error, cc.ChorusAuthError):
            return self.env._(
                "Chorus Pro refused the credentials: %(message)s. Check the PISTE client "
                "ID and secret and the technical account in the settings.",
                message=libelle,
            )
        if isinstance(error, cc.ChorusFunctionalError) or (
            code and not isinstance(error, cc.ChorusTransientError)
        ):
            if code:
                return self.env._(
                    "Chorus Pro refused the request (code %(code)s): %(message)s",
                    code=code,
                    message=libelle,
                )
            return self.env._("Chorus Pro error: %(message)s", message=libelle)
        # No answer, or none Odoo can use: the details are for the administrator.
        _logger.warning("Chorus Pro: %s", error)
        if isinstance(error, cc.ChorusUncertainError):
            return self.env._(
                "Chorus Pro did not answer after receiving the request (no answer in time, "
                "connection lost or server error): it may or may not have been processed."
            )
        if isinstance(error, cc.ChorusRateLimitError):
            return self.env._(
                "Chorus Pro asked to wait before sending more requests (too many requests): "
                "try again in a few minutes. Nothing was sent."
            )
        if isinstance(error, cc.ChorusIncompleteResultError):
            return self.env._(
                "Chorus Pro did not return the whole result of the search: %(count)s items "
                "read. It is read again later; nothing is decided on a partial list.",
                count=len(error.items),
            )
        if isinstance(error, cc.ChorusTransientError) and status in (502, 504):
            return self.env._(
                "The Chorus Pro gateway (PISTE) is not answering right now (HTTP %(status)s). "
                "Try again later; nothing was sent.",
                status=status,
            )
        if isinstance(error, cc.ChorusTransientError) and status:
            return self.env._(
                "Chorus Pro is not answering right now (server error, HTTP %(status)s). Try "
                "again later; nothing was sent.",
                status=status,
            )
        if isinstance(error, cc.ChorusTransientError):
            return self.env._(
                "Chorus Pro cannot be reached (connection refused or timed out). Try again "
                "later; nothing was sent."
            )
        if not status:
            return self.env._(
                "The request to Chorus Pro could not be sent: check the API and token URLs "
                "of the Chorus Pro settings. Nothing was sent."
            )
        return self.env._(
            "Chorus Pro gave an answer Odoo cannot read (HTTP %(status)s). Try again later; "
            "the server log has the details.",
            status=status,
        )

    # ------------------------------------------------------------------
    # Connection test
    # ------------------------------------------------------------------

    @api.model
    def _chorus_api_uses(self, company):
        """The PISTE APIs the module calls for ``company``, with what each one is for."""
        uses = {
            "Factures": self.env._("deposits, invoice search and statuses"),
            "Transverses": self.env._("flow reports, deposit certificates, attachments"),
            "Structures": self.env._("the recipients' directory"),
        }
        if company.sudo().chorus_check_engagement:
            uses["Utilisateurs"] = self.env._("engagement number check (your structure)")
            uses["EngagementsJuridiques"] = self.env._("engagement number check")
        return uses

    @api.model
    def _action_test_connection(self, company):
        """Only what a deposit needs: a PISTE token, the technical account (light test,
        one Transverses call), then one cheap call per PISTE API the module uses for
        this company. Names each API the PISTE application is not subscribed to."""
        client = self._get_client(company)
        uses = self._chorus_api_uses(company)
        missing = {}
        try:
            try:
                client.test_connection_light()
            except cc.ChorusSubscriptionError as error:
                missing[error.api or "Transverses"] = error
            others = [api_name for api_name in uses if api_name not in missing]
            for api_name, refused in client.check_subscriptions(others).items():
                if refused:
                    missing[api_name] = refused
        except cc.ChorusError as error:
            raise UserError(self._error_message(error)) from error
        login = company.sudo().chorus_login
        working = [f"{name} ({use})" for name, use in uses.items() if name not in missing]
        if missing:
            raise UserError(
                self.env._(
                    "Chorus Pro connection of %(login)s: the PISTE application is not subscribed "
                    "to %(missing)s.\nMissing: %(missing_uses)s.\nWorking: %(working)s.\nIn "
                    "PISTE, open the application of this environment (sandbox for qualification, "
                    "production otherwise), tick the missing Chorus Pro APIs, accept their terms "
                    "of use and save; then test again.",
                    login=login,
                    missing=", ".join(missing),
                    missing_uses="; ".join(f"{name} ({uses.get(name, '')})" for name in missing),
                    working="; ".join(working) or self.env._("nothing"),
                )
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Chorus Pro connection works"),
                "message": self.env._(
                    "PISTE token and technical account %(login)s accepted. APIs available: %(working)s.",
                    login=login,
                    working="; ".join(working),
                ),
                "type": "success",
                "sticky": False,
            },
        }

    # ------------------------------------------------------------------
    # Context and locks
    # ------------------------------------------------------------------

    @api.model
    def _without_defaults(self, records):
        """``self`` and ``records`` without the ``default_*`` keys of the context: the
        action that opened a deposit (e.g. the list action's ``default_move_ids``) must
        not give values to the flows, files, messages or activities created here."""
        connector = self.with_context(clean_context(self.env.context))  # pylint: disable=context-overridden
        return connector, records.with_env(connector.env)

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
                    SQL.identifier(records._table),
                    tuple(ids),
                    SQL(strength),
                ),
                log_exceptions=False,
            )
            return [row[0] for row in self.env.cr.fetchall()]

    # ------------------------------------------------------------------
    # Crons
    # ------------------------------------------------------------------

    @api.model
    def _configured_companies(self):
        return (
            self.env["res.company"]
            .sudo()
            .search([("chorus_client_id", "!=", False), ("chorus_login", "!=", False)])
        )

    @api.model
    def _cron_update(self):
        """Flows, unconfirmed deposits and invoice statuses of every company, then the
        deposit certificates Chorus Pro did not give yet (those pending before this run:
        a flow processed now has just been asked, see ``chorus_pro_connector_tracking.py``)."""
        companies = self._configured_companies()
        pending = self._certificate_pending_flows(companies)
        for company in companies:
            connector = self.with_company(company)
            try:
                flows = connector.env["chorus.pro.flow"].search(
                    [("company_id", "=", company.id), ("state", "in", ("sending", "unconfirmed", "sent"))]
                )
                connector._update_flows(flows)
                connector._sync_invoice_statuses(company)
            except UserError as error:
                _logger.warning("Chorus Pro update of %s failed: %s", company.name, error)
        self._update_certificates(pending)

    @api.model
    def _cron_password_reminder(self):
        soon = fields.Date.context_today(self) + timedelta(days=15)
        companies = (
            self.env["res.company"]
            .sudo()
            .search(
                [("chorus_password_expiry_date", "!=", False), ("chorus_password_expiry_date", "<=", soon)]
            )
        )
        admins = self.env.ref("account.group_account_manager").sudo().all_user_ids
        for company in companies:
            partner = company.partner_id
            summary = self.env._("Change the Chorus Pro technical password")
            if partner.activity_ids.filtered(lambda a: a.summary == summary):  # noqa: B023
                continue
            user = admins.filtered(lambda u: company in u.company_ids)[:1] or self.env.user  # noqa: B023
            partner.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=company.chorus_password_expiry_date,
                user_id=user.id,
                summary=summary,
                note=self.env._(
                    "The Chorus Pro technical password of %(company)s expires on %(date)s "
                    "(every 424 days). Change it in Chorus Pro, then in the Odoo settings.",
                    company=company.name,
                    date=format_date(self.env, company.chorus_password_expiry_date),
                ),
            )
