# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Large deposits run in the background, chunk after chunk, by a cron.

The deposit wizard creates a job when there are more invoices than
``l10n_fr_chorus_pro.background_deposit_threshold`` (default 20). The cron deposits
``l10n_fr_chorus_pro.background_deposit_chunk`` invoices (default 50) at a time, one
Chorus Pro flow per chunk (or one per invoice), and commits after each chunk: the
progress shows while it runs. Each flow is deposited as in a user's request
(``_deposit(..., commit=True)``): committed before and right after the Chorus Pro call,
then with the job's record of it, so an error or a crash after the call never loses
the flow or its links to its invoices, and nothing is sent twice. Jobs are
taken with ``FOR UPDATE SKIP LOCKED``, so two workers never process the same job, and
the connector never sends an invoice Chorus Pro already has.

Recovery without a person: a worker holds the job it processes with a lease (a
PostgreSQL session advisory lock, :meth:`ChorusProDepositJob._lease`) that outlives the
deposit's commits and dies with its connection, so a job left *running* by a dead worker
is taken over by the next run of the cron; a job stopped because Chorus Pro could not be
reached resumes on its own (``retry_at``); invoices that Chorus Pro never received (found
so by the tracking cron's search) are deposited again by their job.
"""

import logging
from contextlib import contextmanager
from datetime import timedelta

from psycopg2.errors import LockNotAvailable
from psycopg2.extensions import TransactionRollbackError

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.mail import plaintext2html
from odoo.tools.misc import clean_context

from ..lib import chorus as cc
from .chorus_pro_connector import PARAM_UNCONFIRMED_DELAY

_logger = logging.getLogger(__name__)

PARAM_CHUNK_SIZE = "l10n_fr_chorus_pro.background_deposit_chunk"
DEFAULT_CHUNK_SIZE = 50
# Invoices Chorus Pro has, or may have: never sent again.
ON_CHORUS_STATES = ("sending", "unconfirmed", "deposited", "paid")
ACTIVE_STATES = ("queued", "running")
# Recovery without a person (see :meth:`ChorusProDepositJob._lease`): the first key of
# the PostgreSQL advisory lock a worker holds on a job while it processes it.
LEASE_KEY = 0x43505244
# A job stopped by Chorus Pro being out of reach is resumed alone: after these minutes,
# at most this many times in a row.
PARAM_RETRY_MINUTES = "l10n_fr_chorus_pro.background_deposit_retry_minutes"
PARAM_RETRY_MAX = "l10n_fr_chorus_pro.background_deposit_retry_max"


class ChorusSendRetry(UserError):
    """Invoices of a batch Send's chunk that nothing definite happened to (neither sent
    nor refused): the job sends them again at its next attempt, on its own."""


# What a job resumes after on its own (see ChorusProDepositJob._is_transient).
TRANSIENT_ERRORS = (
    cc.ChorusTransientError,
    cc.ChorusIncompleteResultError,
    TransactionRollbackError,
    LockNotAvailable,
    ChorusSendRetry,
)


class ChorusProDepositJob(models.Model):
    _name = "chorus.pro.deposit.job"
    _description = "Chorus Pro Background Deposit"
    _inherit = ["mail.thread"]
    _order = "id desc"
    _check_company_auto = True

    user_id = fields.Many2one(
        "res.users",
        string="Requested by",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.user,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    move_ids = fields.Many2many(
        "account.move",
        "chorus_pro_deposit_job_move_rel",
        "job_id",
        "move_id",
        string="Invoices",
        readonly=True,
        check_company=True,
    )
    processed_move_ids = fields.Many2many(
        "account.move",
        "chorus_pro_deposit_job_processed_rel",
        "job_id",
        "move_id",
        string="Processed Invoices",
        readonly=True,
    )
    batch = fields.Boolean(
        string="One flow per chunk",
        readonly=True,
        default=True,
        help="One Chorus Pro flow per chunk of invoices, or one flow per invoice.",
    )
    sending = fields.Boolean(
        string="Sent from the Send dialog",
        readonly=True,
        help="A batch Send by Chorus Pro: each chunk goes through Odoo's sending steps.",
    )
    checklist_token = fields.Text(
        readonly=True,
        copy=False,
        help="The checklist the Send dialog showed, signed for the user who asked: reused "
        "for the invoices unchanged since.",
    )
    state = fields.Selection(
        [("queued", "Queued"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="queued",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )
    selected_count = fields.Integer(
        string="Selected Invoices",
        readonly=True,
        help="Invoices selected in the deposit wizard, refused ones included.",
    )
    total = fields.Integer(string="Invoices to Deposit", compute="_compute_progress", store=True)
    processed_count = fields.Integer(string="Processed", compute="_compute_progress", store=True)
    progress = fields.Float(compute="_compute_progress", store=True, aggregator=False)
    flow_ids = fields.Many2many(
        "chorus.pro.flow",
        "chorus_pro_deposit_job_flow_rel",
        "job_id",
        "flow_id",
        string="Flows",
        readonly=True,
    )
    flow_count = fields.Integer(compute="_compute_flow_count")
    refusals = fields.Json(readonly=True, help="Invoices refused before sending: [{move_id, reasons}].")
    summary = fields.Text(readonly=True)
    error_message = fields.Text(string="Error", readonly=True)
    date_done = fields.Datetime(string="Finished on", readonly=True)
    retry_at = fields.Datetime(
        string="Resumed Automatically On",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Chorus Pro could not be reached: the deposit is resumed on its own at this time.",
    )
    retry_count = fields.Integer(string="Automatic Resumptions", readonly=True, copy=False)

    @api.depends("move_ids", "processed_move_ids")
    def _compute_progress(self):
        for job in self:
            job.total = len(job.move_ids)
            job.processed_count = len(job.processed_move_ids & job.move_ids)
            job.progress = 100.0 * job.processed_count / job.total if job.total else 0.0

    @api.depends("flow_ids")
    def _compute_flow_count(self):
        for job in self:
            job.flow_count = len(job.flow_ids)

    @api.depends("total")
    def _compute_display_name(self):
        for job in self:
            job.display_name = self.env._(
                "Deposit #%(id)s: %(count)s invoices", id=job.id or "", count=job.total
            )

    # ------------------------------------------------------------------
    # Summary (the deposit pipeline's)
    # ------------------------------------------------------------------
    def _refusal_pairs(self):
        self.ensure_one()
        pairs = [(self.env["account.move"].browse(r["move_id"]), [r["reasons"]]) for r in self.refusals or []]
        return [(move, reasons) for move, reasons in pairs if move.exists()]

    def _build_summary(self):
        self.ensure_one()
        processed = self.processed_move_ids & self.move_ids
        refusals = self._refusal_pairs()
        refused = self.env["account.move"].concat(*(move for move, _messages in refusals))
        already = (
            processed.filtered(lambda m: m.chorus_state in ON_CHORUS_STATES)
            - self.flow_ids.move_ids
            - refused
        )
        pending = self.move_ids - processed if self.state == "failed" else None
        flows = self.flow_ids.filtered(lambda f: f.state != "failed").sorted("id")
        return self.env["chorus.pro.deposit.pipeline"]._deposit_summary(
            self.selected_count, flows, already, refusals, pending=pending, depositor=self.user_id
        )

    # ------------------------------------------------------------------
    # Settings
    # ------------------------------------------------------------------
    @api.model
    def _chunk_size(self):
        return self.env["chorus.pro.deposit.pipeline"]._get_int_param(PARAM_CHUNK_SIZE, DEFAULT_CHUNK_SIZE)

    # ------------------------------------------------------------------
    # Creation and actions
    # ------------------------------------------------------------------
    @api.model
    def _create_for(
        self, moves, batch=True, selected_count=0, refusals=(), sending=False, checklist_token=False
    ):
        """Queue the deposit of posted ``moves`` and wake the cron up. ``checklist_token``:
        the Send dialog's signed checklist (``sending``), for the current user."""
        if len(moves.company_id) > 1:
            raise UserError(self.env._("Deposit the invoices of one company at a time."))
        # Not the default_* values of the action that opened the deposit wizard.
        clean = self.with_context(clean_context(self.env.context))  # pylint: disable=context-overridden
        job = clean.create(
            {
                "company_id": moves.company_id.id,
                "move_ids": [Command.set(moves.ids)],
                "batch": batch,
                "selected_count": selected_count or len(moves),
                "refusals": self._refusal_records(refusals),
                "sending": sending,
                "checklist_token": checklist_token,
            }
        )
        job._trigger_cron()
        return job

    @api.model
    def _refusal_records(self, refusals):
        """The pipeline's ``(move, [messages])`` refusals, as the job stores them."""
        return [{"move_id": move.id, "reasons": "; ".join(messages)} for move, messages in refusals]

    def _trigger_cron(self):
        self.env.ref("l10n_fr_chorus_pro.ir_cron_chorus_deposit_jobs").sudo()._trigger()

    def action_resume(self):
        """Queue a failed job again: its invoices not processed yet are deposited."""
        for job in self.filtered(lambda j: j.state == "failed"):
            job.sudo().write({"state": "queued", "error_message": False})
            job.sudo().message_post(body=self.env._("Deposit resumed by %(user)s.", user=self.env.user.name))
        self._trigger_cron()
        return True

    def _get_form_action(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "name": self.env._("Background Deposit"),
        }

    def action_open_flows(self):
        self.ensure_one()
        name = self.env._("Chorus Pro Flows")
        return {
            "type": "ir.actions.act_window",
            "res_model": "chorus.pro.flow",
            "name": name,
            "view_mode": "list,form",
            "domain": [("id", "in", self.flow_ids.ids)],
        }

    # ------------------------------------------------------------------
    # Processing
    # ------------------------------------------------------------------
    def _lock(self):
        """The jobs of ``self`` this transaction could lock. The others are skipped:
        being processed by another worker (locked), or moved on by a worker that
        committed after this transaction began (REPEATABLE READ refuses to lock them)."""
        jobs = self.env["chorus.pro.connector"]._lock_records(self)
        jobs.invalidate_recordset()  # read what the last worker committed
        return jobs

    def _pending_moves(self):
        self.ensure_one()
        return (self.move_ids - self.processed_move_ids).sorted("id")

    def _process_next_chunk(self):
        """Deposit the next chunk of this job. It commits as it deposits (see
        :meth:`_deposit_chunk`); the cron commits the rest (state, summary).

        Returns the number of invoices processed. An error stops the job (state
        *failed*, the error recorded): the invoices sent before it stay deposited and
        linked to their flows, the others stay pending until the job is resumed.
        """
        self.ensure_one()
        # Run by the cron's user: messages in the language of the user who asked.
        job = self.sudo().with_context(clean_context(self.env.context), lang=self.sudo().user_id.lang)
        if job.state not in ACTIVE_STATES:
            return 0
        chunk = job._pending_moves()[: self._chunk_size()]
        if not chunk:
            job._finish()
            return 0
        if job.state == "queued":
            job.state = "running"
        try:
            processed, error = job._deposit_chunk(chunk)
        except Exception as exc:
            # Back to the last commit: what Chorus Pro received was committed.
            job._rollback()
            processed, error = 0, exc
        try:
            with self.env.cr.savepoint():
                if error:
                    job._fail(job._error_text(error))
                    job._plan_retry(error)
                elif not job._pending_moves():
                    job._finish()
        except Exception as exc:
            job.write({"state": "failed", "error_message": job._error_text(exc)})
        return processed

    @api.model
    def _error_text(self, error):
        if isinstance(error, UserError):
            return error.args[0]
        _logger.warning("Chorus Pro background deposit failed", exc_info=error)
        return self.env._("Unexpected error: %(error)s", error=error)

    def _rollback(self):
        """Roll the transaction back to its last commit (the deposit's own commits)."""
        self.env.cr.rollback()

    def _commit(self):
        """Commit, and take the job's lock again (the commit let go of it)."""
        connector = self.env["chorus.pro.connector"]
        connector._commit_deposit()
        connector._lock_records(self)

    def _record_processed(self, done, flows, refusals):
        self.write(
            {
                "processed_move_ids": [Command.link(move.id) for move in done],
                "flow_ids": [Command.link(flow.id) for flow in flows],
                "refusals": refusals,
            }
        )

    def _claim_on_chorus(self, moves):
        """The invoices of ``moves`` still on Chorus Pro (or possibly: *sending*,
        *unconfirmed*) as this transaction records them processed without sending them.

        Their rows are written (the same state): the tracking cron declaring them never
        received at the same moment writes them too, so one of the two transactions fails
        on the conflict and runs again, instead of this job counting them done from a
        state read before the tracking cron committed and the tracking cron finding no
        job that processed them (found by make chaos: one chunk lost). The ones it has
        already declared never received are left out: still to send."""
        if not moves:
            return moves
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE account_move SET chorus_state = chorus_state WHERE id IN %s "
                "AND chorus_state IN %s RETURNING id",
                tuple(moves.ids),
                ON_CHORUS_STATES,
            ),
            log_exceptions=False,  # a conflict is expected: the job runs again
        )
        claimed = {row[0] for row in self.env.cr.fetchall()}
        moves.invalidate_recordset(["chorus_state", "chorus_flow_id"])
        return moves.filtered(lambda m: m.id in claimed)

    def _deposit_chunk(self, chunk):
        """Deposit ``chunk`` as the user who asked for it, in the job's company.

        One flow for the chunk (or one per invoice), each deposited with its commits
        (``_deposit(..., commit=True)``) and recorded on the job in the commit that
        follows. When a unit fails, the transaction goes back to its last commit: the
        units before it are kept; if it failed after its Chorus Pro call, its flow
        (committed with its links right after the call) is kept and recorded too.
        Returns ``(processed, error)``: the invoices processed by this call.
        """
        self.ensure_one()
        if self.sending:
            return self.env["account.move.send"]._chorus_send_job_chunk(self, chunk)
        connector = (
            self.env["chorus.pro.connector"]
            .with_user(self.user_id)
            .with_company(self.company_id)
            .with_context(chorus_pro_deposit_job_id=self.id)
        )
        # The EN 16931 data of each invoice built once: checked, then deposited.
        with connector.env["chorus.pro.facturx"]._facturx_data_cache():
            return self._deposit_chunk_cached(connector, chunk)

    def _deposit_chunk_cached(self, connector, chunk):
        pipeline = connector.env["chorus.pro.deposit.pipeline"]
        moves = chunk.with_env(connector.env)
        # Already on Chorus Pro (deposited by someone else meanwhile, or before a crash).
        done = self._claim_on_chorus(moves.filtered(lambda m: m.chorus_state in ON_CHORUS_STATES))
        # The wizard leaves the Factur-X of large batches to the job: validated here
        # once (the document build reuses the result), refused when invalid.
        failed = pipeline._check_invoices(moves - done, mode="facturx")
        refused = pipeline._refusals(failed)
        to_send = (moves - done).filtered(lambda m: m not in failed)
        done |= moves.filtered(lambda m: m in failed)
        self._record_processed(
            done, connector.env["chorus.pro.flow"], (self.refusals or []) + self._refusal_records(refused)
        )
        self._commit()
        processed = len(done)
        for unit in [to_send] if self.batch else list(to_send):
            if not unit:
                continue
            try:
                result = pipeline._deposit_ready(unit, pipeline._empty_result(), batch=True, commit=True)
            except Exception as exc:
                self._rollback()
                # Failed after the call: the flow and its links were committed.
                unit = unit.with_env(connector.env)
                sent = unit.filtered(lambda m: m.chorus_state in ON_CHORUS_STATES)
                if sent:
                    self._record_processed(sent, sent.chorus_flow_id, self.refusals or [])
                    self._commit()
                    processed += len(sent)
                return processed, exc
            # A number Chorus Pro holds for another invoice: refused, the others go on.
            self._record_processed(
                unit, result["flows"], (self.refusals or []) + self._refusal_records(result["refusals"])
            )
            self._commit()
            processed += len(unit)
        return processed, None

    def _fail(self, message):
        self.ensure_one()
        self.write({"state": "failed", "error_message": message})
        self.summary = self._build_summary()
        self.message_post(
            body=plaintext2html(
                self.env._(
                    "The deposit stopped: %(error)s\nThe invoices already sent stay on Chorus "
                    "Pro; resume the deposit to send the others.",
                    error=message,
                )
            ),
            partner_ids=self.user_id.partner_id.ids,
        )
        self._notify(self.env._("Chorus Pro deposit stopped"), message, "danger")

    def _finish(self):
        self.ensure_one()
        self.write({"state": "done", "error_message": False, "date_done": fields.Datetime.now()})
        self.summary = self._build_summary()
        self.message_post(body=plaintext2html(self.summary), partner_ids=self.user_id.partner_id.ids)
        self._notify(self.env._("Chorus Pro deposit done"), self.summary.split("\n", 1)[0], "success")

    def _notify(self, title, message, kind):
        self.ensure_one()
        self.user_id._bus_send(
            "simple_notification",
            {
                "type": kind,
                "title": title,
                "message": message,
                "sticky": kind == "danger",
            },
        )

    @api.model
    def _cron_process_jobs(self):
        """Process the queued jobs chunk by chunk, committing after each chunk."""
        ir_cron = self.env["ir.cron"]
        self._resume_retries_due()
        jobs = self.search([("state", "in", ACTIVE_STATES)], order="id")
        remaining = sum(len(job._pending_moves()) for job in jobs)
        ir_cron._commit_progress(remaining=remaining)
        for job in jobs:
            with job._lease() as leased:
                if not leased:
                    # A live worker has it (its lease goes with its connection): not this
                    # run's work, else Odoo would run the cron again at once, in a loop.
                    remaining -= len(job._pending_moves())
                    ir_cron._commit_progress(remaining=max(remaining, 0))
                    continue
                while True:
                    locked = job._lock()
                    if not locked or locked.state not in ACTIVE_STATES:
                        break  # another worker has it, or it is over
                    processed = locked._process_next_chunk()
                    time_left = ir_cron._commit_progress(processed)
                    if locked.state not in ACTIVE_STATES:
                        break
                    if time_left <= 0:
                        return  # the cron runs again at once for the rest
                job._trigger_flow_recovery()

    # ------------------------------------------------------------------
    # Recovery without a person: leases, automatic resumption, requeue
    # ------------------------------------------------------------------
    @contextmanager
    def _lease(self):
        """Hold this job for the worker that processes it, across the commits of its
        deposits; yields whether this worker got it.

        The lease is a PostgreSQL session advisory lock, tried without waiting: a live
        worker's job is never taken twice (the row lock of :meth:`_lock` lets go at each
        commit: during a Chorus Pro call another worker could take the job), and a dead
        worker's lease (SIGKILL, OOM, deploy, ``pg_terminate_backend``) goes with its
        connection: the next run of the cron takes the job over where it stopped (Odoo
        runs a cron its dead worker did not finish again within a minute). Released
        when processing ends: the connection goes back to Odoo's pool."""
        self.ensure_one()
        cr = self.env.cr
        cr.execute("SELECT pg_try_advisory_lock(%s, %s)", [LEASE_KEY, self.id])
        leased = cr.fetchone()[0]
        try:
            yield leased
        finally:
            if leased:
                self._release_lease()

    def _release_lease(self):
        cr = self.env.cr
        for attempt in range(2):
            try:
                if attempt:
                    cr.rollback()  # an aborted transaction refuses every query
                cr.execute("SELECT pg_advisory_unlock(%s, %s)", [LEASE_KEY, self.id])
                return
            except Exception:
                if cr.closed:
                    return
        _logger.warning("Chorus Pro deposit job %s: its lease goes with its connection", self.id)

    def _trigger_flow_recovery(self):
        """Flows of this job whose answer never came (or whose worker died during the
        call) are searched for on Chorus Pro by the tracking cron: run it soon, and once
        more when an invoice not found there may be declared never received."""
        self.ensure_one()
        if not self.flow_ids.filtered(lambda f: f.state in ("sending", "unconfirmed")):
            return
        delay = self.env["chorus.pro.deposit.pipeline"]._get_int_param(PARAM_UNCONFIRMED_DELAY, 60)
        now = fields.Datetime.now()
        self.env.ref("l10n_fr_chorus_pro.ir_cron_chorus_update").sudo()._trigger(
            [now + timedelta(minutes=1), now + timedelta(minutes=delay + 1)]
        )

    @api.model
    def _retry_minutes(self):
        return self.env["chorus.pro.deposit.pipeline"]._get_int_param(PARAM_RETRY_MINUTES, 5)

    @api.model
    def _retry_max(self):
        return self.env["chorus.pro.deposit.pipeline"]._get_int_param(PARAM_RETRY_MAX, 24)

    @api.model
    def _is_transient(self, error):
        """Whether ``error`` says only that Chorus Pro could not be reached (server
        error, timeout, connection refused, too many requests), or that another
        transaction was writing the same rows (PostgreSQL's serialization failures and
        deadlocks, which Odoo retries for a web request but not for a cron; an invoice
        locked by another deposit), that a search could not be read to its end (invoices
        deposited between its pages), or that a batch Send's chunk kept invoices nothing
        definite happened to: worth trying again."""
        while error is not None:
            if isinstance(error, TRANSIENT_ERRORS):
                return True
            error = error.__cause__
        return False

    def _plan_retry(self, error):
        """A job stopped because Chorus Pro was out of reach is resumed on its own
        (:meth:`_resume_retries_due`), a bounded number of times: no invoice waits for
        a person while Chorus Pro is down for a while."""
        self.ensure_one()
        if not self._is_transient(error) or self.retry_count >= self._retry_max():
            return
        retry_at = fields.Datetime.now() + timedelta(minutes=self._retry_minutes())
        self.write({"retry_at": retry_at, "retry_count": self.retry_count + 1})
        self.env.ref("l10n_fr_chorus_pro.ir_cron_chorus_deposit_jobs").sudo()._trigger(retry_at)

    @api.model
    def _resume_retries_due(self):
        """Queue again the failed jobs whose automatic resumption is due."""
        due = self.search([("state", "=", "failed"), ("retry_at", "<=", fields.Datetime.now())])
        for job in self.env["chorus.pro.connector"]._lock_records(due):
            job.write({"state": "queued", "error_message": False, "retry_at": False})
            job.message_post(
                body=self.env._(
                    "Deposit resumed automatically (attempt %(count)s): Chorus Pro could not be reached.",
                    count=job.retry_count,
                )
            )

    @api.model
    def _requeue_not_received(self, moves):
        """``moves`` were never received by Chorus Pro (their flow was searched for
        after a lost answer or a dead worker, see ``_recover_flow``): the background
        deposits that sent them deposit them again, on their own. An invoice deposited
        from the wizard or the Send dialog is the user's to send again (told so in its
        chatter)."""
        jobs = self.sudo().search([("processed_move_ids", "in", moves.ids)])
        for job in jobs:
            again = job.processed_move_ids & moves
            vals = {"processed_move_ids": [Command.unlink(move.id) for move in again]}
            if job.state != "failed":  # a failed job sends them when it is resumed
                vals.update(state="queued", date_done=False)
            job.write(vals)
            job.message_post(
                body=self.env._(
                    "Chorus Pro never received %(count)s invoices of this deposit (%(names)s): they are "
                    "deposited again.",
                    count=len(again),
                    names=", ".join(again.mapped("name")),
                )
            )
        if jobs:
            jobs._trigger_cron()
        return jobs
