# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Large deposits in the background: the wizard queues a job, a cron deposits it chunk
after chunk, against the project's simulator over real HTTP.

The job deposits as a user's request does (``_deposit(..., commit=True)``: committed
before and right after each Chorus Pro call): its failure tests run it in request
cursors (``registry.cursor()``, as the cron's own cursor), committed as it goes and
rolled back to their last commit on an error, as in ``test_deposit_paths``."""

from contextlib import closing
from unittest.mock import patch

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import AccessError, UserError
from odoo.modules.registry import Registry
from odoo.orm.environments import Transaction
from odoo.sql_db import db_connect
from odoo.tests import tagged
from odoo.tests.common import BaseCase, get_db_name
from odoo.tools import mute_logger

from odoo.addons.l10n_fr_chorus_pro.lib import chorus as cc
from odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_connector_deposit import ChorusProConnectorDeposit
from odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_deposit_job import ChorusProDepositJob

from .common import OTHER_SUPPLIER_SIRET, ChorusProSimulatorCommon

DEPOSIT_PATH = "/cpro/factures/v1/deposer/flux"
SEARCH_PATH = "/cpro/factures/v1/rechercher/fournisseur"
JOB_LOGGER = "odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_deposit_job"


class InjectedFault(Exception):
    """A fault injected in the module after the deposit call."""


class WorkerKilled(BaseException):
    """The worker dies (not an error the job can catch): its cursor rolls back."""


def _raise_fault(*args, **kwargs):
    raise InjectedFault("injected after the call")


@tagged("post_install", "-at_install")
class TestDepositJob(ChorusProSimulatorCommon):
    simulator_options = {"flow_steps": 0, "max_page_size": 100, "fault_delay": 3.0}
    chorus_timeout = "5"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.background_deposit_chunk", "10")
        cls.Job = cls.env["chorus.pro.deposit.job"]
        cls.cron = cls.env.ref("l10n_fr_chorus_pro.ir_cron_chorus_deposit_jobs")

    def setUp(self):
        super().setUp()
        # Retries of idempotent calls do not wait.
        no_wait = patch.object(cc.ChorusClient, "_delay", lambda *args, **kwargs: 0.0)
        no_wait.start()
        self.addCleanup(no_wait.stop)

    def _set_param(self, key, value):
        self.env["ir.config_parameter"].sudo().set_param(f"l10n_fr_chorus_pro.{key}", str(value))

    def _invoices(self, count, **values):
        return self.env["account.move"].concat(*(self._d93_invoice(**values) for _i in range(count)))

    def _run(self, job, max_chunks=20):
        """Process chunks as the cron does (without its commits) until the job stops."""
        for _chunk in range(max_chunks):
            if job.state not in ("queued", "running"):
                return
            job._process_next_chunk()
        self.fail("the job never ended")

    def _cron_chunk(self, job):
        """One chunk of ``job`` processed by the cron, in its own cursor."""
        return self._request(lambda env: env[job._name].browse(job.id)._process_next_chunk())[1]

    def _assert_deposited_once(self, moves):
        self.sim.advance_flows(to_terminal=True)
        for move in moves:
            self.assertEqual(len(self.sim.find_invoices(numero_facture=move.name)), 1, move.name)

    # ---------------------------------------------------------------- wizard
    def test_wizard_above_threshold_runs_in_background(self):
        posted = self._invoices(22)
        drafts = self._invoices(3, post=False)
        bad = self._d93_invoice(post=False, purchase_order_reference=False)
        moves = posted | drafts | bad
        wizard = self.env["chorus.pro.deposit.wizard"].with_context(active_ids=moves.ids).create({})
        self.assertFalse(wizard.all_ok)
        triggers_before = self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])
        wizard.action_deposit()
        # Nothing deposited in the request: queued, drafts posted, cron woken up.
        self.assertEqual(wizard.state, "background")
        job = wizard.job_id
        self.assertEqual(job.state, "queued")
        self.assertEqual(job.move_ids, posted | drafts)
        self.assertEqual((job.total, job.processed_count, job.progress), (25, 0, 0.0))
        self.assertEqual(job.user_id, self.env.user)
        self.assertEqual(job.company_id, self.company)
        self.assertEqual(set(drafts.mapped("state")), {"posted"})
        self.assertEqual(bad.state, "draft")
        self.assertFalse(any(moves.mapped("chorus_state")))
        self.assertFalse(self.sim.calls.get(DEPOSIT_PATH))
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)]), triggers_before + 1
        )
        action = wizard.action_open_job()
        self.assertEqual((action["res_model"], action["res_id"]), (job._name, job.id))

        # The cron: chunks of 10, one flow per chunk, progress after each.
        progress = []
        while job.state in ("queued", "running"):
            job._process_next_chunk()
            progress.append((job.state, job.processed_count, round(job.progress)))
        self.assertEqual(progress, [("running", 10, 40), ("running", 20, 80), ("done", 25, 100)])
        self.assertEqual(len(job.flow_ids), 3)
        self.assertEqual(sorted(job.flow_ids.mapped("move_count")), [5, 10, 10])
        self.assertEqual(set(job.flow_ids.mapped("state")), {"sent"})
        self.assertEqual(job.flow_ids.move_ids, posted | drafts)
        self.assertEqual(set((posted | drafts).mapped("chorus_state")), {"deposited"})
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 3)
        self._assert_deposited_once(posted | drafts)
        self.assertFalse(self.sim.find_invoices(numero_facture=bad.name))
        # The same summary as a synchronous deposit, refused invoice with its reason.
        self.assertIn("25 of 26 invoices sent to Chorus Pro.", job.summary)
        for flow in job.flow_ids:
            self.assertIn(f"Flow {flow.name}: ", job.summary)
        self.assertIn("Refused, Draft Invoice", job.summary)
        self.assertIn("engagement number (EJ) is mandatory", job.summary)
        self.assertIn("Next steps", job.summary)
        self.assertTrue(job.date_done)
        self.assertFalse(job.error_message)
        # The user is told in the job's chatter (and by a browser notification).
        message = job.message_ids.filtered(lambda m: "25 of 26 invoices sent" in (m.body or ""))
        self.assertEqual(message.partner_ids, self.env.user.partner_id)
        # Processing a finished job does nothing.
        self.assertEqual(job._process_next_chunk(), 0)
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 3)

    def test_threshold_keeps_small_deposits_synchronous(self):
        self._set_param("background_deposit_threshold", 3)
        moves = self._invoices(3)
        wizard = self.env["chorus.pro.deposit.wizard"].with_context(active_ids=moves.ids).create({})
        wizard.batch = False
        wizard.action_deposit()
        self.assertEqual(wizard.state, "done")
        self.assertFalse(wizard.job_id)
        self.assertEqual(set(moves.mapped("chorus_state")), {"deposited"})
        self.assertEqual(len(moves.chorus_flow_id), 3)
        self.assertIn("3 of 3 invoices sent", wizard.summary)
        # One more than the threshold: in the background, one flow per invoice kept.
        more = self._invoices(4)
        wizard = self.env["chorus.pro.deposit.wizard"].with_context(active_ids=more.ids).create({})
        wizard.batch = False
        wizard.action_deposit()
        self.assertEqual(wizard.state, "background")
        self.assertFalse(any(more.mapped("chorus_state")))
        self._run(wizard.job_id)
        self.assertEqual(wizard.job_id.state, "done")
        self.assertEqual(len(wizard.job_id.flow_ids), 4)
        self.assertEqual(set(more.mapped("chorus_state")), {"deposited"})

    # ---------------------------------------------------------------- errors
    def test_error_in_chunk_is_recorded_and_resume_never_sends_twice(self):
        self._set_param("background_deposit_chunk", 4)
        moves = self._invoices(12)
        job = self.Job._create_for(moves)
        self.assertIsNone(self._cron_chunk(job))
        self.assertEqual(job.processed_count, 4)
        # Chunk 2: Chorus Pro cannot be searched (HTTP 500, retries exhausted).
        self.sim.inject_fault(SEARCH_PATH, "http_500", count=4)
        self.assertIsNone(self._cron_chunk(job))
        self.assertEqual(job.state, "failed")
        self.assertIn("Chorus Pro is not answering right now", job.error_message)
        self.assertEqual(job.processed_count, 4)
        self.assertEqual(len(job.flow_ids), 1)
        first, second, third = moves[:4], moves[4:8], moves[8:]
        self.assertEqual(job.flow_ids.move_ids, first)
        self.assertEqual(set(first.mapped("chorus_state")), {"deposited"})
        self.assertFalse(any((second | third).mapped("chorus_state")))
        self.assertIn("Not sent yet", job.summary)
        self.assertIn(third[-1].name, job.summary)
        self.assertTrue(job.message_ids.filtered(lambda m: "The deposit stopped" in (m.body or "")))
        # A failed job waits for the user.
        self.assertIsNone(self._cron_chunk(job))
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)

        # Resumed: chunk 2 reaches Chorus Pro, then the job fails on an error: the flow
        # and its links were committed right after the call, and are recorded.
        job.action_resume()
        self.assertEqual((job.state, job.error_message), ("queued", False))
        original = ChorusProConnectorDeposit._deposit_result

        def deposit_then_fail(connector, deposit_moves, batch=True, commit=False, refuse_taken=True):
            original(connector, deposit_moves, batch=batch, commit=commit, refuse_taken=refuse_taken)
            raise RuntimeError("something broke")

        with (
            patch.object(ChorusProConnectorDeposit, "_deposit_result", deposit_then_fail),
            mute_logger(JOB_LOGGER),
        ):
            self.assertIsNone(self._cron_chunk(job))
        self.assertEqual(job.state, "failed")
        self.assertIn("something broke", job.error_message)
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 2)
        self.assertEqual(set(second.mapped("chorus_state")), {"deposited"})
        self.assertEqual(len(second.chorus_flow_id), 1)
        self.assertEqual(second.chorus_flow_id.move_ids, second)
        self.assertIn(second.chorus_flow_id, job.flow_ids)
        self.assertEqual(job.processed_count, 8)
        # Resumed again; the last chunk's answer gets lost.
        self.sim.advance_flows(to_terminal=True)
        job.action_resume()
        self.sim.inject_fault(DEPOSIT_PATH, "process_then_drop")
        for _chunk in range(5):
            if job.state not in ("queued", "running"):
                break
            self.assertIsNone(self._cron_chunk(job))
        self.assertEqual(job.state, "done")
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 3)
        self.assertEqual(job.processed_count, 12)
        self.assertEqual(set(third.mapped("chorus_state")), {"unconfirmed"})
        self._assert_deposited_once(moves)
        self.assertIn("12 of 12 invoices sent", job.summary)  # chunk 3 unconfirmed
        self.assertIn(
            f"Flow {second.chorus_flow_id.name}: " + ", ".join(sorted(second.mapped("name"))), job.summary
        )
        self.assertIn("Chorus Pro did not confirm the deposit", job.summary)

    def _job_with_fault(self, target, method, batch, fault=_raise_fault, count=4):
        """A background deposit of ``count`` invoices (one chunk) while
        ``target.method`` raises after the Chorus Pro call."""
        self._set_param("background_deposit_chunk", 10)
        moves = self._invoices(count)
        job = self.Job._create_for(moves, batch=batch)
        with patch.object(target, method, fault), mute_logger(JOB_LOGGER):
            error = self._cron_chunk(job)
        return moves, job, error

    def _assert_kept_then_resumed_once(self, moves, job, flows):
        """The flows sent and their links survived; a resume never sends again and
        ends the job; Chorus Pro holds each invoice once, Odoo links it right."""
        calls = self.sim.calls.get(DEPOSIT_PATH)
        self.assertEqual(calls, flows)
        self.assertEqual(len(moves.chorus_flow_id), flows)
        self.assertEqual(moves.chorus_flow_id.move_ids, moves)
        self.assertNotIn("failed", moves.chorus_flow_id.mapped("state"))
        self.assertLessEqual(set(moves.mapped("chorus_state")), {"sending", "deposited"})
        self.assertEqual(job.flow_ids, moves.chorus_flow_id)
        job.action_resume()
        for _chunk in range(3):
            if job.state not in ("queued", "running"):
                break
            self.assertIsNone(self._cron_chunk(job))
        self.assertEqual(job.state, "done")
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), calls)
        self.assertEqual(job.processed_count, len(moves))
        self.assertIn(f"{len(moves)} of {len(moves)} invoices sent", job.summary)
        for flow in moves.chorus_flow_id:
            self.assertIn(
                f"Flow {flow.name}: " if flow.name else "Chorus Pro did not confirm the deposit", job.summary
            )
        # The cron brings the flows to their end: each invoice once, linked right.
        self.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.unconfirmed_delay_minutes", "-1")
        self.sim.advance_flows(to_terminal=True)
        self.assertIsNone(self._request(lambda env: env["chorus.pro.connector"]._cron_update())[1])
        self.assertEqual(set(moves.mapped("chorus_state")), {"deposited"})
        self.assertTrue(all(moves.mapped("chorus_identifier")))
        self.assertEqual(moves.chorus_flow_id.move_ids, moves)
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), calls)
        self.sim.advance_flows(to_terminal=True)
        for move in moves:
            found = self.sim.find_invoices(numero_facture=move.name)
            self.assertEqual(len(found), 1, move.name)
            self.assertEqual(found[0]["numeroFluxDepot"], move.chorus_flow_id.name, move.name)

    def test_fault_after_the_call_in_a_background_job(self):
        """An error inside a unit after the call (keeping the documents sent): the flow
        and its links are committed, recorded on the job, never sent again."""
        for batch, flows in ((True, 1), (False, 1)):
            with self.subTest(batch=batch):
                self.sim.reset()
                moves, job, error = self._job_with_fault(
                    ChorusProConnectorDeposit, "_keep_deposited_documents", batch
                )
                self.assertIsNone(error)  # recorded on the job, not raised
                self.assertEqual(job.state, "failed")
                self.assertIn("injected after the call", job.error_message)
                # One flow per invoice: the first flow is sent, then the job stops.
                sent = moves if batch else moves[:1]
                self.assertEqual(job.processed_count, len(sent))
                self.assertEqual(job.flow_ids.move_ids, sent)
                self.assertEqual(set(sent.mapped("chorus_state")), {"deposited"})
                self.assertFalse(any((moves - sent).mapped("chorus_state")))
                self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), flows)
                job.action_resume()
                for _chunk in range(3):
                    if job.state not in ("queued", "running"):
                        break
                    self.assertIsNone(self._cron_chunk(job))
                self.assertEqual(job.state, "done")
                self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1 if batch else len(moves))
                self.assertEqual(job.flow_ids.move_ids, moves)
                self.assertIn(f"{len(moves)} of {len(moves)} invoices sent", job.summary)
                self._assert_deposited_once(moves)

    def test_crash_after_the_call_in_a_background_job(self):
        """The worker dies after the call, before the job recorded the chunk: the flow,
        its links and its place in the job were committed with the call."""
        original = ChorusProDepositJob._record_processed

        def record_or_die(job, done, flows, refusals):
            if flows:  # the record of a unit sent (not the checks before sending)
                raise WorkerKilled()
            return original(job, done, flows, refusals)

        moves, job, error = self._job_with_fault(
            ChorusProDepositJob, "_record_processed", True, fault=record_or_die
        )
        self.assertIsInstance(error, WorkerKilled)
        self.assertEqual(job.state, "running")
        self.assertEqual(job.processed_count, 0)
        self._assert_kept_then_resumed_once(moves, job, flows=1)

    def test_crash_before_the_answer_in_a_background_job(self):
        """The worker dies between Chorus Pro's answer and its recording: the flow stays
        *sending*, linked, is found on Chorus Pro and never sent again."""
        moves, job, error = self._job_with_fault(
            ChorusProConnectorDeposit,
            "_record_deposit",
            True,
            fault=lambda *args, **kwargs: (_ for _ in ()).throw(WorkerKilled()),
        )
        self.assertIsInstance(error, WorkerKilled)
        self.assertEqual(set(moves.mapped("chorus_state")), {"sending"})
        self._assert_kept_then_resumed_once(moves, job, flows=1)

    def test_invoices_changed_while_queued(self):
        self._set_param("background_deposit_chunk", 3)
        moves = self._invoices(6)
        job = self.Job._create_for(
            moves, selected_count=7, refusals=[(self._d93_invoice(post=False), ["Missing EJ"])]
        )
        # Meanwhile one is deposited by someone else, one is reset to draft.
        deposited_elsewhere, reset = moves[1], moves[4]
        self.env["chorus.pro.connector"]._deposit(deposited_elsewhere)
        reset.button_draft()
        self._run(job)
        self.assertEqual(job.state, "done")
        self.assertEqual(job.processed_count, 6)
        self.assertEqual(job.flow_ids.move_ids, moves - deposited_elsewhere - reset)
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 3)
        self.assertFalse(reset.chorus_state)
        self.assertIn("4 of 7 invoices sent", job.summary)
        self.assertIn(f"Already on Chorus Pro, not sent again: {deposited_elsewhere.name}", job.summary)
        self.assertIn("Refused, Draft Invoice", job.summary)
        self.assertIn("Missing EJ", job.summary)
        self.assertIn(
            f"Refused, {reset.display_name}: {reset.display_name} is not a posted customer invoice.",
            job.summary,
        )

    # ---------------------------------------------------------------- cron
    def test_cron_commits_after_each_chunk(self):
        self._set_param("background_deposit_chunk", 3)
        first, second = self._invoices(5), self._invoices(2)
        jobs = self.Job._create_for(first) | self.Job._create_for(second, batch=False)
        commits = []
        with patch.object(
            type(self.env["ir.cron"]),
            "_commit_progress",
            lambda cron, processed=0, **kwargs: commits.append((processed, kwargs)) or 60.0,
        ):
            self.Job._cron_process_jobs()
        self.assertEqual(commits, [(0, {"remaining": 7}), (3, {}), (2, {}), (2, {})])
        self.assertEqual(set(jobs.mapped("state")), {"done"})
        self.assertEqual([len(job.flow_ids) for job in jobs.sorted("id")], [2, 2])
        self._assert_deposited_once(first | second)
        # A job another worker holds is skipped.
        third = self.Job._create_for(self._invoices(1))
        with (
            patch.object(type(self.Job), "_lock", lambda jobs: jobs.browse()),
            patch.object(type(self.env["ir.cron"]), "_commit_progress", lambda *a, **k: 60.0),
        ):
            self.Job._cron_process_jobs()
        self.assertEqual(third.state, "queued")

    # ---------------------------------------------------------------- security
    def test_multi_company_and_access(self):
        other = self._other_chorus_company()
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["l10n_fr_chorus_pro"], ["fr_FR"])
        user_b = self._company_user("chorus_job_user_b", "account.group_account_invoice", other, lang="fr_FR")
        manager_b = self._company_user("chorus_job_manager_b", "account.group_account_manager", other)
        manager_a = self._company_user("chorus_job_manager_a", "account.group_account_manager")
        job_a = self.Job._create_for(self._invoices(1))
        for user in (user_b, manager_b, self.invoicing_user):  # other company / not theirs
            with self.subTest(user=user.login):
                self.assertNotIn(job_a, self.Job.with_user(user).search([]))
                with self.assertRaises(AccessError):
                    job_a.with_user(user).read(["summary"])
        self.assertIn(job_a, self.Job.with_user(manager_a).search([]))

        # An invoicing user of company B queues a deposit: the cron sends it as that user.
        moves_b = self.env["account.move"].concat(*(self._d93_invoice(company=other) for _i in range(2)))
        job_b = self.Job.with_user(user_b).with_company(other)._create_for(moves_b.with_user(user_b))
        self.assertEqual((job_b.company_id, job_b.user_id), (other, user_b))
        self.assertEqual(self.Job.with_user(user_b).search([]), job_b)
        with self.assertRaises(AccessError):
            job_b.with_user(user_b).write({"state": "done"})
        self._run(job_b.with_user(user_b))
        self.assertEqual(job_b.state, "done")
        self.assertEqual(job_b.flow_ids.company_id, other)
        self.assertEqual(set(moves_b.mapped("chorus_state")), {"deposited"})
        self.sim.advance_flows(to_terminal=True)
        suppliers = {inv["codeFournisseur"] for inv in self.sim.find_invoices()}
        self.assertEqual(suppliers, {OTHER_SUPPLIER_SIRET})
        # Processed by the cron, told in the language of the user who asked.
        self.assertIn("2 facture(s) sur 2 envoyée(s) à Chorus Pro.", job_b.summary)
        deposit_message = moves_b[0].message_ids.filtered(
            lambda m: f"Déposée sur Chorus Pro dans le flux {job_b.flow_ids.name}" in (m.body or "")
        )
        self.assertEqual(deposit_message.author_id, user_b.partner_id)
        # Invoices of two companies are never one job.
        with self.assertRaisesRegex(UserError, "one company at a time"):
            self.Job._create_for(self._invoices(1) | self._d93_invoice(company=other))

    # ---------------------------------------------------------------- browser
    def test_job_progress_tour(self):
        """The job form follows the progress of a running deposit without a reload."""
        moves = self.env["account.move"].concat(*(self._chorus_invoice() for _i in range(10)))
        job = self.Job.create(
            {
                "move_ids": [Command.set(moves.ids)],
                "state": "running",
                "processed_move_ids": [Command.set(moves[:4].ids)],
            }
        )
        self.assertEqual(job.progress, 40.0)
        self.start_tour(
            f"/odoo/chorus.pro.deposit.job/{job.id}",
            "chorus_pro_deposit_job_tour",
            login=self.env.user.login,
            timeout=60,
        )
        job.invalidate_recordset()
        self.assertEqual(job.processed_count, 8)


@tagged("post_install", "-at_install")
class TestDepositJobLocks(BaseCase):
    """Two cron workers, two PostgreSQL transactions on a committed job: the second one
    skips the job the first one holds, at once, and never fails on it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.test_registry = Registry(get_db_name())

    def _env(self, cr):
        # A waiting lock fails the test instead of hanging it.
        cr.execute("SET LOCAL lock_timeout = '5s'")
        cr.transaction = Transaction(self.test_registry)
        return api.Environment(cr, SUPERUSER_ID, {})

    def _delete_job(self, job_id):
        with closing(db_connect(get_db_name()).cursor()) as cr:
            cr.execute("DELETE FROM chorus_pro_deposit_job WHERE id = %s", [job_id])
            # A real second transaction, outside the test one.
            cr.commit()  # pylint: disable=invalid-commit

    def test_second_worker_skips_the_job(self):
        with (
            closing(db_connect(get_db_name()).cursor()) as cr1,
            closing(db_connect(get_db_name()).cursor()) as cr2,
        ):
            env1 = self._env(cr1)
            job_id = (
                env1["chorus.pro.deposit.job"]
                .with_context(tracking_disable=True, mail_create_nolog=True)
                .create({})
                .id
            )
            cr1.commit()
            self.addCleanup(self._delete_job, job_id)
            # Worker 1 holds the job; worker 2 skips it without waiting.
            env1 = self._env(cr1)
            self.assertEqual(env1["chorus.pro.deposit.job"].browse(job_id)._lock().ids, [job_id])
            env2 = self._env(cr2)
            self.assertFalse(env2["chorus.pro.deposit.job"].browse(job_id)._lock())
            # Worker 2 read the job, then worker 1 committed a chunk and let it go: worker 2
            # skips it (REPEATABLE READ refuses the lock) instead of failing.
            cr2.rollback()
            env2 = self._env(cr2)
            job2 = env2["chorus.pro.deposit.job"].browse(job_id)
            self.assertEqual(job2.state, "queued")
            env1["chorus.pro.deposit.job"].browse(job_id).write({"state": "running"})
            cr1.commit()
            self.assertFalse(job2._lock())
            self.assertEqual(env2["chorus.pro.deposit.job"].search_count([("id", "=", job_id)]), 1)
            # In its next transaction, worker 2 takes it and sees worker 1's work.
            cr2.rollback()
            env2 = self._env(cr2)
            job2 = env2["chorus.pro.deposit.job"].browse(job_id)._lock()
            self.assertEqual(job2.ids, [job_id])
            self.assertEqual(job2.state, "running")
            cr2.rollback()
