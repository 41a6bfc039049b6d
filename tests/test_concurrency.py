# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The connector's locks under real concurrency: two workers, two PostgreSQL transactions.

A TransactionCase cannot show this: every cursor of such a test shares the test's
transaction. Here each worker is a thread with its own connection
(``db_connect(...).cursor()``) and its own Environment, as two Odoo workers (or a cron
and a user) would be. The data they use must therefore be committed: the main company
is configured for the in-process simulator; the invoices and flows of each test are
deleted after it, and the company restored (records and messages removed) at the end.

The interleaving is forced with events, not sleeps: worker 1 stops at a chosen point
until worker 2 has finished. A worker 2 that waited for a lock held by worker 1, instead
of skipping it or failing at once, would keep worker 1 stopped: worker 1 then resumes
after ``HOLD_SECONDS`` and the test fails on that. ``lock_timeout`` and
``statement_timeout`` bound every wait, so a locking bug cannot hang the suite.
"""

import collections
import contextlib
import io
import logging
import threading
import time
from contextlib import closing, contextmanager
from unittest.mock import patch

import psycopg2
from chorus_pro_simulator import Simulator
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.orm.environments import Transaction
from odoo.sql_db import connection_info_for, db_connect
from odoo.tests import tagged
from odoo.tests.common import BaseCase, get_db_name
from odoo.tools import mute_logger

from odoo.addons.l10n_fr_chorus_pro.lib import chorus as cc
from odoo.addons.l10n_fr_chorus_pro.models.account_move import INVOICE_STATUSES
from odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_connector import ChorusProConnector
from odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_connector_deposit import ChorusProConnectorDeposit
from odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_connector_tracking import ChorusProConnectorTracking
from odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_deposit_job import LEASE_KEY, ChorusProDepositJob
from odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_facturx import ChorusProFacturx

from .common import SUPPLIER_SIRET, create_bank_account, simulator_settings

# How long worker 1 waits for worker 2 (who never needs that long: it skips the locked
# rows or is refused at once), then the lock and statement timeouts of every
# transaction, then the longest a test waits for a worker: each longer than the last.
HOLD_SECONDS = 5
LOCK_TIMEOUT = "15s"
STATEMENT_TIMEOUT = "60s"
JOIN_SECONDS = 90

DEPOSIT_PATH = "/cpro/factures/v1/deposer/flux"
REPORT_PATH = "/cpro/transverses/v1/consulterCRDetaille"
SEARCH_PATH = "/cpro/factures/v1/rechercher/fournisseur"
# Its INFO is given as logging.INFO: Odoo names its level 25 (RUNBOT) "INFO" too.
JOB_LOGGER = "odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_deposit_job"
CONNECTOR_LOGGER = "odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_connector_tracking"
# A qualification structure of the simulator's directory, with no routing requirement.
RECIPIENT_SIRET = "12345678200051"
COMPANY_FIELDS = [
    "company_registry",
    "vat",
    "street",
    "zip",
    "city",
    "country_id",
    "chorus_environment",
    "chorus_api_url",
    "chorus_token_url",
    "chorus_client_id",
    "chorus_client_secret",
    "chorus_login",
    "chorus_password",
    "chorus_password_expiry_date",
    "chorus_post_check",
    "chorus_check_engagement",
    "chorus_last_status_sync",
]


def _blank_pdf():
    """A one-page PDF without text. It stands for the invoice report, which needs
    wkhtmltopdf and Odoo's HTTP server; the Factur-X XML, its validation and the PDF/A-3
    stay real."""
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    # Odoo's PDF/A conversion walks the fonts of each page.
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject()})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _new_env(cr, registry):
    """A superuser environment on ``cr``, a cursor of its own connection."""
    # SET LOCAL: for this transaction only (the connection goes back to Odoo's pool).
    cr.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    cr.execute(f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'")
    # The registry is given, not looked up: the thread running the tests holds the
    # registries' lock, which Environment() would wait for in another thread.
    cr.transaction = Transaction(registry)
    return api.Environment(cr, SUPERUSER_ID, {})


class Gate:
    """Stops ``worker`` the first time it reaches the gate, until ``release`` is set or
    ``HOLD_SECONDS`` have passed; ``released_in_time`` tells which came first."""

    def __init__(self, worker):
        self.worker = worker
        self.reached = threading.Event()
        self.release = threading.Event()
        self.released_in_time = None

    def __call__(self):
        if threading.current_thread().name != self.worker or self.reached.is_set():
            return
        self.reached.set()
        self.released_in_time = self.release.wait(HOLD_SECONDS)


class _PatientGate(Gate):
    """A gate that waits for worker 2 as long as a worker may run (a cron run)."""

    def __call__(self):
        if threading.current_thread().name != self.worker or self.reached.is_set():
            return
        self.reached.set()
        self.released_in_time = self.release.wait(JOIN_SECONDS - 10)


class Worker(threading.Thread):
    """One Odoo worker: ``func(env)`` in its own connection and transaction, committed
    when it returns, rolled back when it raises (the exception is kept in ``error``)."""

    def __init__(self, registry, name, func):
        super().__init__(name=name, daemon=True)
        self.registry = registry
        self.func = func
        self.result = None
        self.error = None

    def run(self):
        try:
            with closing(db_connect(self.registry.db_name).cursor()) as cr:
                try:
                    self.result = self.func(_new_env(cr, self.registry))
                    cr.commit()  # pylint: disable=invalid-commit
                except Exception as error:
                    cr.rollback()
                    self.error = error
        except Exception as error:
            self.error = error


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@tagged("post_install", "-at_install")
class TestConcurrency(BaseCase):
    """Two workers at the same time never deposit an invoice twice nor process a flow
    twice (``_lock_moves``: FOR UPDATE NOWAIT, ``_lock_flows``: FOR UPDATE SKIP LOCKED)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.test_registry = Registry(get_db_name())
        cls.pdf = _blank_pdf()
        cls.sim = Simulator(flow_steps=0)
        cls.server = cls.sim.serve()
        cls.addClassCleanup(cls.server.stop)
        cls.created = {}
        with cls._env() as env:
            company = env.ref("base.main_company")
            cls.company_id = company.id
            env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM mail_message")
            cls.last_message_id = env.cr.fetchone()[0]
            cls.saved_company = {
                name: value[0] if isinstance(value, tuple) else value
                for name, value in company.read(COMPANY_FIELDS)[0].items()
                if name in COMPANY_FIELDS
            }
        cls.addClassCleanup(cls._restore_company)
        with cls._env() as env:
            # No tracking messages on the shared company (restored at the end).
            company = env["res.company"].with_context(tracking_disable=True).browse(cls.company_id)
            company.write(
                {
                    "company_registry": SUPPLIER_SIRET,
                    "vat": "FR19812345676",
                    "street": "12 rue des Lilas",
                    "zip": "93100",
                    "city": "Montreuil",
                    "country_id": env.ref("base.fr").id,
                    **simulator_settings(cls.server, f"TECH_1_{SUPPLIER_SIRET}@cpro.fr"),
                    "chorus_post_check": "block",
                    "chorus_check_engagement": False,
                }
            )
            bank_account = create_bank_account(env, company, bank_name="Concurrency Test Bank")
            recipient = env["res.partner"].create(
                {
                    "name": "Concurrency Test Recipient",
                    "is_company": True,
                    "chorus_recipient": True,
                    "chorus_test_structure": True,
                    "company_registry": RECIPIENT_SIRET,
                    "chorus_routing_rule": "none",
                    "chorus_sync_date": "2099-01-01 00:00:00",  # not read again from the directory
                    "street": "1 place de la Concurrence",
                    "zip": "75001",
                    "city": "Paris",
                    "country_id": env.ref("base.fr").id,
                }
            )
            tax = env["account.tax"].search(
                [
                    ("company_id", "=", company.id),
                    ("type_tax_use", "=", "sale"),
                    ("amount_type", "=", "percent"),
                    ("amount", ">", 0),
                ],
                limit=1,
            )
            created = {
                "bank": bank_account.bank_id.id,
                "bank_account": bank_account.id,
                "recipient": recipient.id,
                "tax": tax.id,
            }
        cls.created = created  # committed

    @classmethod
    @contextmanager
    def _env(cls):
        """A superuser environment on a new connection, committed at the end of the block."""
        with closing(db_connect(cls.test_registry.db_name).cursor()) as cr:
            yield _new_env(cr, cls.test_registry)
            cr.commit()  # pylint: disable=invalid-commit

    @classmethod
    def _restore_company(cls):
        with cls._env() as env:
            company = env["res.company"].with_context(tracking_disable=True).browse(cls.company_id)
            company.write(cls.saved_company)
            env["res.partner"].browse(cls.created.get("recipient", [])).unlink()
            bank_account = cls.created.get("bank_account", 0)
            # unlink() would only archive the bank account.
            env.cr.execute("DELETE FROM res_partner_bank WHERE id = %s", [bank_account])
            env["res.bank"].browse(cls.created.get("bank", [])).unlink()
            # What the bank account's creation logged on it and on the company's partner.
            env["mail.message"].search(
                [
                    ("id", ">", cls.last_message_id),
                    "|",
                    "|",
                    "&",
                    ("model", "=", "res.company"),
                    ("res_id", "=", company.id),
                    "&",
                    ("model", "=", "res.partner"),
                    ("res_id", "=", company.partner_id.id),
                    "&",
                    ("model", "=", "res.partner.bank"),
                    ("res_id", "=", bank_account),
                ]
            ).unlink()

    def setUp(self):
        super().setUp()
        self.sim.reset()
        with self._env() as env:
            env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM chorus_pro_flow")
            self.last_flow_id = env.cr.fetchone()[0]
            env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM ir_attachment")
            self.last_attachment_id = env.cr.fetchone()[0]
        self.addCleanup(self._delete_test_records)
        self.render_gate = None

        def render(engine, moves, chunk=None):
            if self.render_gate:
                self.render_gate()
            return dict.fromkeys(moves.ids, self.pdf)

        patcher = patch.object(ChorusProFacturx, "_facturx_render_invoice_pdfs", render)
        patcher.start()
        self.addCleanup(patcher.stop)

    def _delete_test_records(self):
        with self._env() as env:
            # Test data only: what Chorus Pro received is never deleted through the ORM.
            env.cr.execute(
                "DELETE FROM ir_attachment WHERE id > %s AND chorus_evidence", [self.last_attachment_id]
            )
            env.invalidate_all()
            moves = env["account.move"].search([("partner_id", "=", self.created["recipient"])])
            # Test data only: forget what Chorus Pro holds, which locks the invoices.
            moves._chorus_write({"chorus_state": False, "chorus_status": False})
            moves.filtered(lambda m: m.state == "posted").button_draft()
            moves.with_context(force_delete=True).unlink()
            env["chorus.pro.flow"].search([("id", ">", self.last_flow_id)]).unlink()

    # ------------------------------------------------------------------ helpers
    def _posted_invoices(self, count):
        """``count`` posted invoices to the test recipient, committed: their ids."""
        with self._env() as env:
            moves = env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": self.created["recipient"],
                        "invoice_date": "2026-11-02",
                        "partner_bank_id": self.created["bank_account"],
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": f"Séance {index + 1}",
                                    "quantity": 1,
                                    "price_unit": 60.0,
                                    "tax_ids": [Command.set([self.created["tax"]])],
                                }
                            )
                        ],
                    }
                    for index in range(count)
                ]
            )
            moves.action_post()
            return moves.ids

    def _deposited_flows(self, count):
        """``count`` invoices deposited one per flow, committed: the flows' (id, number)
        in id order. The simulator's call counts start again from zero."""
        move_ids = self._posted_invoices(count)
        with self._env() as env:
            flows = env["chorus.pro.connector"]._deposit(env["account.move"].browse(move_ids), batch=False)
            self.assertEqual(set(flows.mapped("state")), {"sent"})
            result = [(flow.id, flow.name) for flow in flows.sorted("id")]
        self.sim.reset_calls()
        return result

    def _invoices_with_new_statuses(self):
        """Two invoices deposited and integrated (DEPOSEE), committed, that Chorus Pro then
        made available and paid: {invoice id: new status}. The simulator's call counts
        start again from zero."""
        flows = self._deposited_flows(2)
        with self._env() as env:
            flows = env["chorus.pro.flow"].browse([flow_id for flow_id, _number in flows])
            env["chorus.pro.connector"]._update_flows(flows)
            moves = flows.move_ids.sorted("id")
            self.assertEqual(set(moves.mapped("chorus_status")), {"DEPOSEE"})
            statuses = dict(zip(moves.ids, ["MISE_A_DISPOSITION", "MISE_EN_PAIEMENT"], strict=True))
            for move in moves:
                self.sim.set_invoice_status(int(move.chorus_identifier), statuses[move.id])
        self.sim.reset_calls()
        return statuses

    def _sync(self, env):
        """The status sync of the test company, as the *Update* button and the cron run it."""
        company = env["res.company"].browse(self.company_id)
        return env["chorus.pro.connector"]._sync_invoice_statuses(company)

    def _assert_synced_once(self, statuses, sql_errors, logs):
        """One sync searched Chorus Pro and applied each new status (one message each);
        the other skipped it without an error, logging it as information."""
        self.assertEqual(self.sim.calls.get(SEARCH_PATH), 1, "Chorus Pro was searched twice")
        self.assertEqual(sql_errors, [])
        self.assertEqual(
            [(record.levelname, "skipped" in record.getMessage()) for record in logs.records],
            [("INFO", True)],
            logs.output,
        )
        labels = dict(INVOICE_STATUSES)
        with self._env() as env:
            for move in env["account.move"].browse(list(statuses)):
                self.assertEqual(move.chorus_status, statuses[move.id], move.name)
                new_status = f"→ {labels[statuses[move.id]]}"
                messages = move.message_ids.filtered(
                    lambda m, new_status=new_status: (
                        "Chorus Pro status" in (m.body or "") and new_status in m.body
                    )
                )
                self.assertEqual(len(messages), 1, move.name)
            self.assertTrue(env["res.company"].browse(self.company_id).chorus_last_status_sync)

    def _run_while_held(self, gate, first, second):
        """Run ``first`` in worker 1 until it reaches ``gate``, then ``second`` in worker 2
        while worker 1 is stopped; release worker 1 once worker 2 is done. Returns both
        workers and the errors PostgreSQL queries logged meanwhile."""
        worker_1 = Worker(self.test_registry, gate.worker, first)
        worker_2 = Worker(self.test_registry, "worker-2", second)
        sql_errors = _Records()
        logging.getLogger("odoo.sql_db").addHandler(sql_errors)
        try:
            worker_1.start()
            try:
                reached = gate.reached.wait(JOIN_SECONDS)
                if reached:
                    worker_2.start()
                    worker_2.join(JOIN_SECONDS)
            finally:
                gate.release.set()
                worker_1.join(JOIN_SECONDS)
        finally:
            logging.getLogger("odoo.sql_db").removeHandler(sql_errors)
        self.assertTrue(reached, f"worker 1 never reached its stop: {worker_1.error!r}")
        self.assertFalse(worker_1.is_alive() or worker_2.is_alive(), "a worker is still running")
        return worker_1, worker_2, sql_errors.messages

    @staticmethod
    def _record_flow_reports(gate=None):
        """Patch the client's flow report call: returns the list of (worker, flow number)
        it fills. Worker 1 stops at ``gate`` on its first report, its flows locked."""
        fetched = []
        flow_report = cc.ChorusClient.flow_report

        def recorded_flow_report(client, numero_flux):
            fetched.append((threading.current_thread().name, numero_flux))
            if gate:
                gate()
            return flow_report(client, numero_flux)

        return fetched, patch.object(cc.ChorusClient, "flow_report", recorded_flow_report)

    # ------------------------------------------------------------------ status updates
    def test_concurrent_status_updates_never_process_a_flow_twice(self):
        """Worker 1 updates two flows (as the *Update* button does) and is stopped while
        it fetches their reports, the flows locked; worker 2 runs the hourly cron
        meanwhile: it skips these two at once and processes the two others. Each flow's
        report is fetched by one worker only and each flow is processed once."""
        flows = self._deposited_flows(4)
        flow_ids = [flow_id for flow_id, _number in flows]
        numbers = [number for _flow_id, number in flows]
        gate = Gate("worker-1")
        fetched, recording = self._record_flow_reports(gate)
        with recording:
            worker_1, worker_2, sql_errors = self._run_while_held(
                gate,
                lambda env: env["chorus.pro.connector"]._update_flows(
                    env["chorus.pro.flow"].browse(flow_ids[:2])
                ),
                lambda env: env["chorus.pro.connector"]._cron_update(),
            )

        self.assertEqual(
            collections.Counter(number for _worker, number in fetched),
            dict.fromkeys(numbers, 1),
            "each flow report must be fetched once",
        )
        self.assertEqual(self.sim.calls.get(REPORT_PATH), 4)
        self.assertIsNone(worker_1.error, f"worker 1 failed: {worker_1.error!r}")
        self.assertIsNone(worker_2.error, f"worker 2 failed: {worker_2.error!r}")
        self.assertTrue(
            gate.released_in_time, "worker 2 waited for the flows locked by worker 1 instead of skipping them"
        )
        self.assertEqual(
            sorted(fetched),
            [("worker-1", number) for number in numbers[:2]]
            + [("worker-2", number) for number in numbers[2:]],
        )
        self.assertEqual(sql_errors, [])
        with self._env() as env:
            for flow in env["chorus.pro.flow"].browse(flow_ids):
                self.assertEqual((flow.state, flow.status), ("done", "IN_INTEGRE"), flow.name)
                self.assertEqual(flow.move_ids.chorus_state, "deposited", flow.name)
                self.assertTrue(flow.move_ids.chorus_identifier, flow.name)
                certificates = env["ir.attachment"].search(
                    [
                        ("res_model", "=", "chorus.pro.flow"),
                        ("res_id", "=", flow.id),
                        ("name", "=like", "certificat_depot_%"),
                    ]
                )
                self.assertEqual(len(certificates), 1, flow.name)
                statuses = flow.move_ids.message_ids.filtered(lambda m: "Chorus Pro status" in (m.body or ""))
                self.assertEqual(len(statuses), 1, flow.name)

    def test_status_update_skips_flows_processed_since_it_began(self):
        """The cron's transaction has begun (its flows are searched, not locked yet) when
        another worker processes the same flows and commits. The cron then skips them:
        it neither processes them again nor fails on PostgreSQL's 'could not serialize
        access due to concurrent update' (Odoo's REPEATABLE READ)."""
        flows = self._deposited_flows(2)
        flow_ids = [flow_id for flow_id, _number in flows]
        gate = Gate("worker-1")
        lock_flows = ChorusProConnectorTracking._lock_flows

        def gated_lock_flows(connector, flows):
            gate()
            return lock_flows(connector, flows)

        fetched, recording = self._record_flow_reports()
        with recording, patch.object(ChorusProConnectorTracking, "_lock_flows", gated_lock_flows):
            worker_1, worker_2, sql_errors = self._run_while_held(
                gate,
                lambda env: env["chorus.pro.connector"]._cron_update(),
                lambda env: env["chorus.pro.connector"]._update_flows(
                    env["chorus.pro.flow"].browse(flow_ids)
                ),
            )

        self.assertEqual(sorted(fetched), [("worker-2", number) for _id, number in flows])
        self.assertIsNone(worker_2.error, f"worker 2 failed: {worker_2.error!r}")
        self.assertIsNone(worker_1.error, f"worker 1 failed: {worker_1.error!r}")
        self.assertEqual(sql_errors, [])
        with self._env() as env:
            processed = env["chorus.pro.flow"].browse(flow_ids)
            self.assertEqual(set(processed.mapped("state")), {"done"})
            self.assertEqual(set(processed.move_ids.mapped("chorus_state")), {"deposited"})

    # ------------------------------------------------------------------ status sync
    def test_concurrent_status_syncs_of_one_company(self):
        """Worker 1 syncs the company's invoice statuses (the *Update* button) and is
        stopped while it searches Chorus Pro; worker 2 syncs the same company meanwhile
        (the hourly cron): it skips at once instead of failing later on PostgreSQL's
        'could not serialize access due to concurrent update' (both write the company's
        last sync). Worker 1 applies the new statuses; Chorus Pro is searched once."""
        statuses = self._invoices_with_new_statuses()
        gate = Gate("worker-1")
        search_invoices = cc.ChorusClient.search_invoices

        def gated_search_invoices(client, **criteria):
            gate()
            return search_invoices(client, **criteria)

        with (
            patch.object(cc.ChorusClient, "search_invoices", gated_search_invoices),
            self.assertLogs(CONNECTOR_LOGGER, logging.INFO) as logs,
        ):
            worker_1, worker_2, sql_errors = self._run_while_held(gate, self._sync, self._sync)
            self.assertIsNone(worker_1.error, f"worker 1 failed: {worker_1.error!r}")
            self.assertIsNone(worker_2.error, f"worker 2 failed: {worker_2.error!r}")
            self.assertTrue(
                gate.released_in_time, "worker 2 waited for the sync of worker 1 instead of skipping it"
            )
            self.assertEqual((worker_1.result, worker_2.result), (2, 0))
            self._assert_synced_once(statuses, sql_errors, logs)

    def test_status_sync_skips_when_a_sync_committed_since_it_began(self):
        """The cron's transaction has begun (its companies are read) when another worker
        syncs the same company and commits. The cron then skips the company's sync: it
        neither searches Chorus Pro again nor fails (REPEATABLE READ)."""
        statuses = self._invoices_with_new_statuses()
        gate = Gate("worker-1")
        configured_companies = ChorusProConnector._configured_companies

        def gated_configured_companies(connector):
            companies = configured_companies(connector)
            gate()
            return companies

        with (
            patch.object(ChorusProConnector, "_configured_companies", gated_configured_companies),
            self.assertLogs(CONNECTOR_LOGGER, logging.INFO) as logs,
        ):
            worker_1, worker_2, sql_errors = self._run_while_held(
                gate, lambda env: env["chorus.pro.connector"]._cron_update(), self._sync
            )
            self.assertIsNone(worker_2.error, f"worker 2 failed: {worker_2.error!r}")
            self.assertIsNone(worker_1.error, f"worker 1 failed: {worker_1.error!r}")
            self.assertEqual(worker_2.result, 2)
            self._assert_synced_once(statuses, sql_errors, logs)

    # ------------------------------------------------------------------ deposits
    def test_concurrent_deposits_of_one_invoice(self):
        """Two users deposit the same invoice at the same time. Worker 1 is stopped in
        the middle of its deposit (invoice locked and checked, Factur-X being built);
        worker 2 is refused at once with a clear message. Only worker 1's flow reaches
        Chorus Pro, and nothing of worker 2 is written."""
        [move_id] = self._posted_invoices(1)
        self.render_gate = gate = Gate("worker-1")

        def deposit(env):
            return env["chorus.pro.connector"]._deposit(env["account.move"].browse(move_id)).ids

        worker_1, worker_2, sql_errors = self._run_while_held(gate, deposit, deposit)

        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1, "the invoice was deposited twice")
        self.assertEqual(self.sim.state_summary()["flows"]["total"], 1)
        self.assertIsNone(worker_1.error, f"worker 1 failed: {worker_1.error!r}")
        self.assertIsInstance(worker_2.error, UserError, f"worker 2: {worker_2.error!r}")
        self.assertIn("being deposited on Chorus Pro by someone else", str(worker_2.error))
        self.assertTrue(gate.released_in_time, "worker 2 waited for the invoice worker 1 was depositing")
        # The refused lock is expected: not logged as a failed query.
        self.assertEqual(sql_errors, [])
        with self._env() as env:
            flows = env["chorus.pro.flow"].search([("id", ">", self.last_flow_id)])
            self.assertEqual(flows.ids, worker_1.result)
            self.assertEqual(flows.state, "sent")
            move = env["account.move"].browse(move_id)
            self.assertEqual((move.chorus_state, move.chorus_flow_id), ("deposited", flows))
            deposited = move.message_ids.filtered(lambda m: "Deposited on Chorus Pro" in (m.body or ""))
            self.assertEqual(len(deposited), 1)
            # The only file written is the one of worker 1's flow.
            files = env["ir.attachment"].search(
                [
                    ("id", ">", self.last_attachment_id),
                    ("res_model", "=", "chorus.pro.flow"),
                ]
            )
            self.assertEqual(files, flows.attachment_id)
            # Once worker 1 has committed, the invoice is simply never sent again.
            with self.assertRaisesRegex(UserError, "never sent twice"):
                env["chorus.pro.connector"]._deposit(move)
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)

    # ------------------------------------------------------------------ recovery without a person
    def _set_params(self, **params):
        """Set ``l10n_fr_chorus_pro.<key>`` parameters, committed; restored after the test."""
        with self._env() as env:
            config = env["ir.config_parameter"]
            saved = {key: config.get_param(f"l10n_fr_chorus_pro.{key}") for key in params}
            for key, value in params.items():
                config.set_param(f"l10n_fr_chorus_pro.{key}", str(value))

        def restore():
            with self._env() as env:
                for key, value in saved.items():
                    env["ir.config_parameter"].set_param(f"l10n_fr_chorus_pro.{key}", value or False)

        self.addCleanup(restore)

    def _queued_job(self, move_ids, **vals):
        """A background deposit of ``move_ids`` (committed), as the deposit wizard queues
        it (the cron is not woken: the test runs it)."""
        with self._env() as env:
            job = (
                env["chorus.pro.deposit.job"]
                .with_context(tracking_disable=True, mail_create_nolog=True)
                .create(
                    {
                        "company_id": self.company_id,
                        "move_ids": [Command.set(move_ids)],
                        "selected_count": len(move_ids),
                        **vals,
                    }
                )
            )
            job_id = job.id

        def delete():
            with self._env() as env:
                env.cr.execute("DELETE FROM chorus_pro_deposit_job WHERE id = %s", [job_id])

        self.addCleanup(delete)
        return job_id

    @staticmethod
    def _run_jobs_cron(env):
        env["chorus.pro.deposit.job"]._cron_process_jobs()

    def _run_worker(self, name, func):
        worker = Worker(self.test_registry, name, func)
        worker.start()
        worker.join(JOIN_SECONDS)
        self.assertFalse(worker.is_alive(), f"{name} is still running")
        return worker

    def _lease_holder(self, job_id):
        """The backend pid holding the lease of the job, if any."""
        with self._env() as env:
            env.cr.execute(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s",
                [LEASE_KEY, job_id],
            )
            row = env.cr.fetchone()
        return row and row[0]

    def _wait_gone(self, pid):
        """PostgreSQL ends a backend whose client died shortly after, not at once."""
        for _try in range(100):
            with self._env() as env:
                env.cr.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
                if not env.cr.fetchone():
                    return
            time.sleep(0.05)
        self.fail(f"the backend {pid} is still there")

    def _terminate(self, pid):
        """``pg_terminate_backend``: what PostgreSQL sees when a worker is killed."""
        with self._env() as env:
            env.cr.execute("SELECT pg_terminate_backend(%s)", [pid])

    def _killing_deposit(self, job_id, reach_chorus):
        """The client's deposit call, during which the worker holding the job dies
        (its backend terminated): after Chorus Pro received the flow (its answer lost)
        with ``reach_chorus``, else before the request left."""
        deposit_flow = cc.ChorusClient.deposit_flow

        def deposit_and_die(client, *args, **kwargs):
            answer = deposit_flow(client, *args, **kwargs) if reach_chorus else {}
            self._terminate(self._lease_holder(job_id))
            return answer

        return patch.object(cc.ChorusClient, "deposit_flow", deposit_and_die)

    def _assert_each_invoice_once(self, move_ids):
        """Chorus Pro holds each invoice once; once the tracking cron has run, Odoo links
        it (id, flow) and told its chatter once that it is on Chorus Pro."""
        self.sim.advance_flows(to_terminal=True)
        tracking = self._run_worker("worker-4", lambda env: env["chorus.pro.connector"]._cron_update())
        self.assertIsNone(tracking.error, f"{tracking.error!r}")
        with self._env() as env:
            for move in env["account.move"].browse(move_ids):
                found = self.sim.find_invoices(numero_facture=move.name)
                self.assertEqual(len(found), 1, move.name)
                self.assertEqual(move.chorus_state, "deposited", move.name)
                self.assertEqual(move.chorus_identifier, str(found[0]["identifiantFactureCPP"]), move.name)
                self.assertEqual(move.chorus_flow_id.name, found[0]["numeroFluxDepot"], move.name)
                on_chorus = move.message_ids.filtered(
                    lambda m: (
                        "Deposited on Chorus Pro" in (m.body or "")
                        or "Chorus Pro already has this invoice" in (m.body or "")
                    )
                )
                self.assertEqual(len(on_chorus), 1, move.name)

    def test_job_of_a_dead_worker_is_taken_over(self):
        """A worker holds a background deposit (its lease) and dies: while it lives, the
        cron of another worker leaves the job alone; once its connection is gone (closed
        by the process's death, or ``pg_terminate_backend``), the next cron run takes
        the job over and deposits every invoice once, without anyone resuming it."""
        self._set_params(background_deposit_chunk=2)
        for death in ("closed", "terminated"):
            with self.subTest(death=death):
                self.sim.reset()
                move_ids = self._posted_invoices(3)
                job_id = self._queued_job(move_ids, state="running")
                _name, info = connection_info_for(get_db_name())
                worker = psycopg2.connect(**info)  # the worker's own connection
                with worker.cursor() as cr:
                    cr.execute("SELECT pg_try_advisory_lock(%s, %s), pg_backend_pid()", [LEASE_KEY, job_id])
                    leased, pid = cr.fetchone()
                self.assertTrue(leased)
                progress_ids = []

                def cron_run(env, progress_ids=progress_ids):
                    # As Odoo's cron runs it: its progress tells whether to run it again at once.
                    cron = env.ref("l10n_fr_chorus_pro.ir_cron_chorus_deposit_jobs")
                    cron, progress = cron.with_context(cron_id=cron.id)._add_progress()
                    progress_ids.append(progress.id)
                    cron.env["chorus.pro.deposit.job"]._cron_process_jobs()

                alive = self._run_worker("worker-2", cron_run)
                self.assertIsNone(alive.error, f"{alive.error!r}")
                self.assertFalse(self.sim.calls.get(DEPOSIT_PATH), "a live worker's job was taken")
                with self._env() as env:
                    # Another worker's job is not this run's work: no loop of runs doing nothing.
                    progress = env["ir.cron.progress"].browse(progress_ids)
                    self.assertEqual((progress.done, progress.remaining), (0, 0))
                    progress.unlink()
                with self._env() as env:
                    self.assertEqual(env["chorus.pro.deposit.job"].browse(job_id).processed_count, 0)
                if death == "closed":
                    worker.close()
                else:
                    self._terminate(pid)
                    with contextlib.suppress(psycopg2.Error):
                        worker.close()
                self._wait_gone(pid)
                after = self._run_worker("worker-2", self._run_jobs_cron)
                self.assertIsNone(after.error, f"{after.error!r}")
                self.assertIsNone(self._lease_holder(job_id), "the lease was not released")
                with self._env() as env:
                    job = env["chorus.pro.deposit.job"].browse(job_id)
                    self.assertEqual((job.state, job.processed_count), ("done", 3))
                self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 2)
                self._assert_each_invoice_once(move_ids)

    def test_two_crons_on_the_same_job(self):
        """Two workers run the background deposit cron at once (two servers, or Odoo's
        cron lock lost with its connection): worker 1 is stopped during a Chorus Pro
        call, when its transaction has just committed and let go of the job's row; worker
        2 leaves the job alone instead of depositing the next chunk beside it. The job
        ends done, never stopped by a conflict, each invoice deposited once."""
        self._set_params(background_deposit_chunk=2)
        move_ids = self._posted_invoices(4)
        job_id = self._queued_job(move_ids)
        gate = Gate("worker-1")
        callers = []
        deposit_flow = cc.ChorusClient.deposit_flow

        def gated_deposit(client, *args, **kwargs):
            callers.append(threading.current_thread().name)
            gate()
            return deposit_flow(client, *args, **kwargs)

        with patch.object(cc.ChorusClient, "deposit_flow", gated_deposit):
            worker_1, worker_2, sql_errors = self._run_while_held(
                gate, self._run_jobs_cron, self._run_jobs_cron
            )
        self.assertIsNone(worker_1.error, f"worker 1 failed: {worker_1.error!r}")
        self.assertIsNone(worker_2.error, f"worker 2 failed: {worker_2.error!r}")
        self.assertTrue(gate.released_in_time, "worker 2 waited for worker 1's job")
        self.assertEqual(callers, ["worker-1", "worker-1"])
        self.assertEqual(sql_errors, [])
        with self._env() as env:
            job = env["chorus.pro.deposit.job"].browse(job_id)
            self.assertEqual((job.state, job.processed_count, job.error_message), ("done", 4, False))
            self.assertFalse(job.message_ids.filtered(lambda m: "The deposit stopped" in (m.body or "")))
        self._assert_each_invoice_once(move_ids)

    def test_flows_of_dead_workers_recovered_by_search(self):
        """Two workers die during the deposit call (their backends terminated): the first
        after Chorus Pro received the flow (the answer lost), the second before its
        request left. The cron takes the job over without sending them again; the
        tracking cron then searches Chorus Pro: the first flow is found and linked, the
        invoices of the second were never received and the job deposits them again, on
        its own. Each invoice is on Chorus Pro once."""
        self._set_params(background_deposit_chunk=2, unconfirmed_delay_minutes=-1)
        move_ids = self._posted_invoices(4)
        job_id = self._queued_job(move_ids)
        # The dying workers' last queries fail: PostgreSQL closed their connection.
        with self._killing_deposit(job_id, reach_chorus=True), mute_logger("odoo.sql_db"):
            died = self._run_worker("worker-1", self._run_jobs_cron)
        self.assertIsInstance(died.error, psycopg2.Error)
        with self._killing_deposit(job_id, reach_chorus=False), mute_logger("odoo.sql_db"):
            died = self._run_worker("worker-2", self._run_jobs_cron)
        self.assertIsInstance(died.error, psycopg2.Error)
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)
        with self._env() as env:
            job = env["chorus.pro.deposit.job"].browse(job_id)
            self.assertEqual(job.state, "running")
            self.assertEqual(set(job.move_ids.mapped("chorus_state")), {"sending"})
            self.assertEqual(len(job.flow_ids), 2)
            first_flow, second_flow = job.flow_ids.sorted("id").ids
        # Taken over: what may be on Chorus Pro is not sent again.
        self.assertIsNone(self._run_worker("worker-3", self._run_jobs_cron).error)
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)
        with self._env() as env:
            self.assertEqual(env["chorus.pro.deposit.job"].browse(job_id).state, "done")
            tracking = env.ref("l10n_fr_chorus_pro.ir_cron_chorus_update")
            self.assertTrue(env["ir.cron.trigger"].search_count([("cron_id", "=", tracking.id)]))
        # The tracking cron searches Chorus Pro once it has integrated what it received;
        # the job deposits what was never received.
        self.sim.advance_flows(to_terminal=True)
        self.assertIsNone(
            self._run_worker("worker-3", lambda env: env["chorus.pro.connector"]._cron_update()).error
        )
        with self._env() as env:
            flows = env["chorus.pro.flow"].browse([first_flow, second_flow])
            self.assertEqual(flows.mapped("state"), ["done", "failed"])
            job = env["chorus.pro.deposit.job"].browse(job_id)
            self.assertEqual((job.state, job.processed_count), ("queued", 2))
        self.assertIsNone(self._run_worker("worker-3", self._run_jobs_cron).error)
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 2)
        with self._env() as env:
            job = env["chorus.pro.deposit.job"].browse(job_id)
            self.assertEqual((job.state, job.processed_count), ("done", 4))
        self._assert_each_invoice_once(move_ids)

    def test_job_stopped_by_an_outage_resumes_alone(self):
        """Chorus Pro cannot be reached (HTTP 500 on every try): the job stops and plans
        its own resumption; once due, the cron resumes it and deposits every invoice."""
        self._set_params(background_deposit_chunk=2)
        move_ids = self._posted_invoices(2)
        job_id = self._queued_job(move_ids)
        self.sim.inject_fault(SEARCH_PATH, "http_500", count=50)
        with patch.object(cc.ChorusClient, "_delay", lambda *args, **kwargs: 0.0):
            self.assertIsNone(self._run_worker("worker-1", self._run_jobs_cron).error)
            with self._env() as env:
                job = env["chorus.pro.deposit.job"].browse(job_id)
                self.assertEqual((job.state, job.retry_count), ("failed", 1))
                self.assertTrue(job.retry_at)
                # Not due yet: the job waits.
                self._run_jobs_cron(env)
                self.assertEqual(job.state, "failed")
                job.retry_at = "2000-01-01 00:00:00"  # the time has come
            self.sim.clear_faults()
            self.assertIsNone(self._run_worker("worker-1", self._run_jobs_cron).error)
        with self._env() as env:
            job = env["chorus.pro.deposit.job"].browse(job_id)
            self.assertEqual((job.state, job.processed_count, job.retry_at), ("done", 2, False))
            self.assertTrue(job.message_ids.filtered(lambda m: "resumed automatically" in (m.body or "")))
        self._assert_each_invoice_once(move_ids)

    def test_job_stopped_by_a_concurrent_update_resumes_alone(self):
        """PostgreSQL refuses the job's commit because another transaction wrote the same
        rows meanwhile (Odoo retries a web request then, not a cron: found by make
        chaos, a user's request and a job writing the same partner). The job stops, then
        resumes on its own instead of waiting for someone to resume it."""
        self._set_params(background_deposit_chunk=2)
        move_ids = self._posted_invoices(2)
        job_id = self._queued_job(move_ids)
        commit_deposit = ChorusProConnectorDeposit._commit_deposit
        refused = []

        def refused_once(connector):
            if not refused:
                refused.append(True)
                connector.env.cr.rollback()
                raise psycopg2.errors.SerializationFailure(
                    "could not serialize access due to concurrent update"
                )
            return commit_deposit(connector)

        with (
            patch.object(ChorusProConnectorDeposit, "_commit_deposit", refused_once),
            mute_logger(JOB_LOGGER),
        ):
            self.assertIsNone(self._run_worker("worker-1", self._run_jobs_cron).error)
        self.assertFalse(self.sim.calls.get(DEPOSIT_PATH))
        with self._env() as env:
            job = env["chorus.pro.deposit.job"].browse(job_id)
            self.assertEqual((job.state, job.retry_count), ("failed", 1))
            self.assertIn("could not serialize", job.error_message)
            job.retry_at = "2000-01-01 00:00:00"  # the time has come
        self.assertIsNone(self._run_worker("worker-1", self._run_jobs_cron).error)
        with self._env() as env:
            job = env["chorus.pro.deposit.job"].browse(job_id)
            self.assertEqual((job.state, job.processed_count), ("done", 2))
        self._assert_each_invoice_once(move_ids)

    def test_batch_send_job_during_an_outage_resumes_alone(self):
        """A batch Send's background job while Chorus Pro cannot be reached (HTTP 500 on
        every try): its invoices are neither counted as refused nor left for someone to
        send again (found by make chaos); the job resumes on its own and sends them."""
        self._set_params(background_deposit_chunk=2)
        move_ids = self._posted_invoices(2)
        job_id = self._queued_job(move_ids, sending=True)
        self.sim.inject_fault(SEARCH_PATH, "http_500", count=50)
        with patch.object(cc.ChorusClient, "_delay", lambda *args, **kwargs: 0.0), mute_logger(JOB_LOGGER):
            self.assertIsNone(self._run_worker("worker-1", self._run_jobs_cron).error)
        with self._env() as env:
            job = env["chorus.pro.deposit.job"].browse(job_id)
            self.assertEqual((job.state, job.processed_count, job.retry_count), ("failed", 0, 1))
            self.assertFalse(job.refusals)
            job.retry_at = "2000-01-01 00:00:00"  # the time has come
        self.sim.clear_faults()
        self.assertIsNone(self._run_worker("worker-1", self._run_jobs_cron).error)
        with self._env() as env:
            job = env["chorus.pro.deposit.job"].browse(job_id)
            self.assertEqual((job.state, job.processed_count), ("done", 2))
            self.assertFalse(job.refusals)
        self._assert_each_invoice_once(move_ids)

    # ------------------------------------------------------------------ batch Send jobs under faults
    def _job_summary(self, job_id):
        with self._env() as env:
            job = env["chorus.pro.deposit.job"].browse(job_id)
            return job.state, job.processed_count, job.retry_count, job.refusals

    def _resume_now(self, job_id):
        """The job's automatic resumption is due (as if its delay had passed)."""
        with self._env() as env:
            job = env["chorus.pro.deposit.job"].browse(job_id)
            self.assertTrue(job.retry_at, "the job planned no resumption")
            job.retry_at = "2000-01-01 00:00:00"

    def _emails_of(self, move_ids):
        with self._env() as env:
            return env["mail.mail"].search_count([("model", "=", "account.move"), ("res_id", "in", move_ids)])

    def test_batch_send_job_never_emails_an_invoice_on_chorus_pro(self):
        """An invoice of a batch Send's job is already on Chorus Pro when the job reaches
        it (deposited meanwhile, or by an attempt of the job that stopped before recording
        it: a worker killed during the call). The job counts it processed and sends it no
        other way: Odoo's sending steps would e-mail it, as any invoice Chorus Pro has."""
        self._set_params(background_deposit_chunk=2)
        move_ids = self._posted_invoices(2)
        job_id = self._queued_job(move_ids, sending=True)
        with self._env() as env:
            env["res.partner"].browse(self.created["recipient"]).email = "compta@concurrence.example"
        self.addCleanup(self._clear_recipient_email)
        with self._env() as env:
            env["chorus.pro.connector"]._deposit(env["account.move"].browse(move_ids[0]))
        self.assertIsNone(self._run_worker("worker-1", self._run_jobs_cron).error)
        self.assertEqual(self._job_summary(job_id), ("done", 2, 0, False))
        self.assertEqual(self._emails_of(move_ids), 0, "an invoice on Chorus Pro was e-mailed")
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 2)
        self._assert_each_invoice_once(move_ids)

    def _clear_recipient_email(self):
        with self._env() as env:
            env["res.partner"].browse(self.created["recipient"]).email = False

    def test_batch_send_job_outage_then_server_errors(self):
        """The N = 1000 run of make chaos: Chorus Pro is down (connection refused) when a
        batch Send's job sends a chunk, then answers HTTP 500 when the job resumes. The
        invoices are neither counted done nor refused: kept for the job, which resumes
        again and sends each once."""
        self._set_params(background_deposit_chunk=2)
        move_ids = self._posted_invoices(4)
        job_id = self._queued_job(move_ids, sending=True)
        port = self.server.port
        self.server.stop()
        try:
            with mute_logger(JOB_LOGGER):
                self.assertIsNone(self._run_worker("worker-1", self._run_jobs_cron).error)
        finally:
            server = self.sim.serve(port=port)  # restarted, on its state
            type(self).server = server
            type(self).addClassCleanup(server.stop)
        self.assertEqual(self._job_summary(job_id), ("failed", 0, 1, False))
        self._resume_now(job_id)
        self.sim.inject_fault("/cpro/", "http_500", count=6)
        with mute_logger(JOB_LOGGER):
            self.assertIsNone(self._run_worker("worker-2", self._run_jobs_cron).error)
        state, processed, retries, refusals = self._job_summary(job_id)
        self.assertEqual((state, processed, retries, refusals), ("failed", 0, 2, False))
        with self._env() as env:
            move = env["account.move"].browse(move_ids[0])
            self.assertIn("HTTP 500", move.message_ids[0].body)
        self._resume_now(job_id)
        self.assertIsNone(self._run_worker("worker-1", self._run_jobs_cron).error)
        self.assertEqual(self._job_summary(job_id), ("done", 4, 2, False))
        self._assert_each_invoice_once(move_ids)

    def test_job_and_tracking_cron_on_an_unconfirmed_chunk(self):
        """A job's attempt stopped after its deposit call (HTTP 500: the chunk is
        *unconfirmed*; Chorus Pro never received it) and before recording the chunk. The
        job taking the chunk over reads it *unconfirmed* (not to send again) while the
        tracking cron, at the same moment, declares it never received and finds no job that
        processed it (make chaos, N = 1000: one chunk of 20 counted done, never sent). One
        of the two now fails on the conflict and runs again; the job sends the chunk, once.
        Background deposits and batch Send jobs alike."""
        self._set_params(background_deposit_chunk=2, unconfirmed_delay_minutes=2)
        for sending in (False, True):
            with self.subTest(sending=sending):
                self.sim.reset()
                self._unconfirmed_chunk_race(sending)

    def _unconfirmed_chunk_race(self, sending):
        move_ids = self._posted_invoices(2)
        with self._env() as env:
            # As the deposit leaves them when Chorus Pro answered HTTP 500: unconfirmed,
            # their Factur-X kept as deposited.
            moves = env["account.move"].browse(move_ids)
            flow = env["chorus.pro.flow"].create(
                {"company_id": self.company_id, "state": "unconfirmed", "date": "2000-01-01 00:00:00"}
            )
            moves._chorus_write({"chorus_state": "unconfirmed", "chorus_flow_id": flow.id})
            env["chorus.pro.connector"]._keep_deposited_documents(
                moves, {move: (f"{move.id}.pdf", self.pdf) for move in moves}
            )
        job_id = self._queued_job(move_ids, sending=sending, state="running")
        gate = _PatientGate("worker-1")
        deposit_chunk = ChorusProDepositJob._deposit_chunk

        def gated_chunk(job, chunk):
            gate()  # the chunk's transaction has begun: what it reads is as of now
            return deposit_chunk(job, chunk)

        def tracking(env):
            env["chorus.pro.connector"]._cron_update()

        with (
            patch.object(ChorusProDepositJob, "_deposit_chunk", gated_chunk),
            mute_logger(JOB_LOGGER, CONNECTOR_LOGGER),
        ):
            worker_1, worker_2, _sql_errors = self._run_while_held(gate, self._run_jobs_cron, tracking)
        self.assertIsNone(worker_2.error, f"{worker_2.error!r}")
        self.assertIsNone(worker_1.error, f"{worker_1.error!r}")
        self.assertTrue(gate.released_in_time, "the tracking cron waited for the job")
        with self._env() as env:
            self.assertEqual(set(env["account.move"].browse(move_ids).mapped("chorus_state")), {False})
        # The job did not count the chunk done: it resumes on its own and sends it.
        state, processed, _retries, _refusals = self._job_summary(job_id)
        self.assertEqual((state, processed), ("failed", 0))
        self._resume_now(job_id)
        self.assertIsNone(self._run_worker("worker-3", self._run_jobs_cron).error)
        self.assertEqual(self._job_summary(job_id)[:2], ("done", 2))
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)
        self._assert_each_invoice_once(move_ids)
