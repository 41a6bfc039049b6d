# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Deposits along the paths a user takes, each with the context the web client gives
it, in request cursors as the web client's requests run: committed at the end, rolled
back to their last commit on an error (Odoo's test cursor simulates both). Against the
project's simulator over real HTTP.

What was sent stays sent: no record created by a deposit takes a ``default_*`` value of
the action that opened it, and once Chorus Pro has (or may have) a flow, its record and
its links to exactly the invoices it holds survive any error that follows; a retry
never deposits again."""

from unittest.mock import patch

from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_connector_deposit import ChorusProConnectorDeposit
from odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_connector_tracking import ChorusProConnectorTracking
from odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_deposit_pipeline import ChorusProDepositPipeline

from .common import ChorusProSimulatorCommon

DEPOSIT_PATH = "/cpro/factures/v1/deposer/flux"
LEAKED = "LEAKED BY THE CONTEXT"
# Models of the records a deposit creates, the checks made on them.
CREATED_MODELS = (
    "chorus.pro.flow",
    "chorus.pro.deposit.job",
    "ir.attachment",
    "mail.message",
    "mail.activity",
    "chorus.pro.deposit.wizard",
    "chorus.pro.deposit.wizard.line",
)


class InjectedFault(Exception):
    """A fault injected in the module after the deposit call."""


def _raise_fault(*args, **kwargs):
    raise InjectedFault()


@tagged("post_install", "-at_install")
class TestDepositPaths(ChorusProSimulatorCommon):
    simulator_options = {"flow_steps": 0, "max_page_size": 100, "fault_delay": 3.0}
    chorus_timeout = "5"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wizard_action = cls.env.ref("l10n_fr_chorus_pro.action_chorus_pro_deposit_wizard")
        cls.other_user = new_test_user(
            cls.env, login="chorus_leak_user", groups="account.group_account_invoice"
        )
        cls.leak_company = cls.env["res.company"].create({"name": "Leak company"})

    # ---------------------------------------------------------------- helpers
    def _poison(self, moves):
        """``default_*`` keys a deposit must ignore, with values no record of a deposit
        can have."""
        return {
            "default_move_ids": moves.ids,
            "default_name": LEAKED,
            "default_description": LEAKED,
            "default_error_message": LEAKED,
            "default_summary": LEAKED,
            "default_state": "failed",
            "default_company_id": self.leak_company.id,
            "default_user_id": self.other_user.id,
        }

    def _invoice_list_context(self):
        """The context of the invoice list (Customers > Invoices)."""
        action = self.env.ref("account.action_move_out_invoice_type")
        return safe_eval(action.context or "{}", {"uid": self.env.uid})

    def _list_action_context(self, moves, list_context):
        """The context the list's Actions > Deposit to Chorus Pro opens the wizard with:
        the list's, the selection, then the action's own (its XML record)."""
        active = {
            "active_id": moves[:1].id,
            "active_ids": moves.ids,
            "active_model": "account.move",
            "active_domain": [],
        }
        context = dict(list_context, **active)
        context.update(safe_eval(self.wizard_action.context or "{}", dict(context, context=context)))
        return context

    def _open_from_list(self, moves, list_context=None, batch=True, poison=False):
        """Open the wizard from the invoice list: its id (one request)."""
        list_context = dict(list_context or self._invoice_list_context())
        if poison:
            list_context.update(self._poison(moves))
        context = self._list_action_context(moves, list_context)

        def open_wizard(env):
            wizard = env["chorus.pro.deposit.wizard"].create({})
            wizard.batch = batch
            return wizard.id

        wizard_id, error = self._request(open_wizard, context)
        self.assertIsNone(error)
        return wizard_id, context

    def _click_deposit(self, wizard_id, context):
        """The wizard's Deposit (the valid ones) button, in the dialog's context."""

        def deposit(env):
            wizard = env["chorus.pro.deposit.wizard"].browse(wizard_id)
            wizard.action_deposit()
            return wizard.summary

        return self._request(deposit, context)

    def _deposit_from_form(self, move, form_context):
        """Deposit to Chorus Pro on the invoice form, then the wizard's Deposit button:
        (summary, error)."""

        def open_wizard(env):
            return env["account.move"].browse(move.id).action_chorus_deposit()

        action, error = self._request(open_wizard, form_context)
        self.assertIsNone(error)
        # The web client opens the wizard in the form's context without its default_*
        # keys, plus the record; the poison stays for the wizard's own button here.
        dialog_context = dict(
            form_context, active_id=move.id, active_ids=[move.id], active_model="account.move"
        )
        return self._click_deposit(action["res_id"], dialog_context)

    def _max_ids(self):
        return {
            model: self.env[model].sudo().search([], order="id desc", limit=1).id or 0
            for model in CREATED_MODELS
        }

    def _created_since(self, max_ids):
        return {
            model: self.env[model]
            .sudo()
            .with_context(active_test=False)
            .search([("id", ">", max_ids[model])])
            for model in CREATED_MODELS
        }

    def _assert_nothing_leaked(self, max_ids, refused=None):
        """No record created since ``max_ids`` carries a value of the ``default_*``
        keys of ``_poison``."""
        created = self._created_since(max_ids)
        self.assertTrue(created["chorus.pro.flow"] or created["chorus.pro.deposit.job"])
        for model, records in created.items():
            for record in records:
                for fname in (
                    "name",
                    "description",
                    "error_message",
                    "summary",
                    "body",
                    "note",
                    "subject",
                    "message",
                ):
                    if fname in record._fields:
                        self.assertNotIn(LEAKED, str(record[fname] or ""), f"{record}.{fname}")
                if "state" in record._fields and model != "mail.activity":
                    self.assertNotEqual(record.state, "failed", f"{record}.state")
                if "company_id" in record._fields:
                    self.assertNotEqual(record.company_id, self.leak_company, f"{record}.company_id")
                if "user_id" in record._fields:
                    self.assertNotEqual(record.user_id, self.other_user, f"{record}.user_id")
                if refused and "move_ids" in record._fields and model != "chorus.pro.deposit.wizard":
                    self.assertFalse(record.move_ids & refused, f"{record}.move_ids")

    def _batch(self):
        """The user's batch: three drafts, the last one without its EJ."""
        good = self._d93_invoice(post=False) | self._d93_invoice(post=False)
        bad = self._d93_invoice(post=False, purchase_order_reference=False)
        return good, bad

    def _assert_on_chorus_once(self, moves):
        """Chorus Pro holds one copy of each invoice, in the flow Odoo links it to."""
        self.sim.advance_flows(to_terminal=True)
        for move in moves:
            found = self.sim.find_invoices(numero_facture=move.name)
            self.assertEqual(len(found), 1, move.name)
            self.assertEqual(found[0]["numeroFluxDepot"], move.chorus_flow_id.name, move.name)
            self.assertIn(move, move.chorus_flow_id.move_ids)

    def _assert_refused_untouched(self, bad):
        self.assertEqual(bad.state, "draft")
        self.assertFalse(bad.chorus_flow_id)
        self.assertFalse(bad.chorus_state)

    # ---------------------------------------------------------------- entry points
    def test_list_action_batch_with_a_refused_invoice(self):
        """The user's batch from the list, one flow for all: the refused draft stays out
        of the flow, the summary is shown."""
        good, bad = self._batch()
        max_ids = self._max_ids()
        wizard_id, context = self._open_from_list(good | bad, poison=True)
        self.assertEqual(context["default_move_ids"], (good | bad).ids)
        self.assertEqual(context["default_move_type"], "out_invoice")
        summary, error = self._click_deposit(wizard_id, context)
        self.assertIsNone(error)
        self.assertEqual(set(good.mapped("state")), {"posted"})
        self.assertEqual(set(good.mapped("chorus_state")), {"deposited"})
        flow = good.chorus_flow_id
        self.assertEqual(len(flow), 1)
        self.assertEqual(flow.move_ids, good)
        self.assertEqual(flow.state, "sent")
        self._assert_refused_untouched(bad)
        self.assertIn("2 of 3 invoices sent to Chorus Pro.", summary)
        self.assertIn(f"Flow {flow.name}: ", summary)
        self.assertIn("Refused, Draft Invoice", summary)
        self._assert_on_chorus_once(good)
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)
        self._assert_nothing_leaked(max_ids, refused=bad)

    def test_list_action_one_flow_per_invoice(self):
        """Same batch, one flow per invoice: each invoice linked to its own flow."""
        good, bad = self._batch()
        max_ids = self._max_ids()
        wizard_id, context = self._open_from_list(good | bad, batch=False, poison=True)
        summary, error = self._click_deposit(wizard_id, context)
        self.assertIsNone(error)
        flows = good.chorus_flow_id
        self.assertEqual(len(flows), 2)
        for move in good:
            self.assertEqual(move.chorus_flow_id.move_ids, move)
            self.assertIn(f"Flow {move.chorus_flow_id.name}: {move.name} deposited.", summary)
        self._assert_refused_untouched(bad)
        self.assertIn("2 of 3 invoices sent to Chorus Pro.", summary)
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 2)
        self._assert_on_chorus_once(good)
        # Integrated, not reported as "not integrated" by the flow reports.
        self.connector._update_flows(flows)
        self.assertEqual(set(good.mapped("chorus_state")), {"deposited"})
        self.assertTrue(all(good.mapped("chorus_identifier")))
        self._assert_nothing_leaked(max_ids, refused=bad)

    def test_form_button(self):
        """Deposit to Chorus Pro on the invoice form, with the form's context."""
        move = self._d93_invoice(post=False)
        max_ids = self._max_ids()
        form_context = dict(self._invoice_list_context(), **self._poison(move | self._d93_invoice()))
        summary, error = self._deposit_from_form(move, form_context)
        self.assertIsNone(error)
        self.assertEqual(move.chorus_flow_id.move_ids, move)
        self.assertIn("1 of 1 invoices sent", summary)
        self._assert_on_chorus_once(move)
        self._assert_nothing_leaked(max_ids)

    def test_journal_card(self):
        """Journal card > To deposit on Chorus Pro > select > Actions > Deposit."""
        good, bad = self._batch()
        journal = good.journal_id
        card = journal.with_context(search_default_chorus_to_deposit="1").open_action()
        self.assertEqual(card["context"]["default_journal_id"], journal.id)
        max_ids = self._max_ids()
        wizard_id, context = self._open_from_list(good | bad, list_context=card["context"], poison=True)
        summary, error = self._click_deposit(wizard_id, context)
        self.assertIsNone(error)
        self.assertEqual(good.chorus_flow_id.move_ids, good)
        self._assert_refused_untouched(bad)
        self.assertIn("2 of 3 invoices sent", summary)
        self._assert_on_chorus_once(good)
        self._assert_nothing_leaked(max_ids, refused=bad)

    def test_background_job(self):
        """Above the threshold: the job is queued from the list action's context and
        deposited by the cron."""
        self.env["ir.config_parameter"].sudo().set_param(
            "l10n_fr_chorus_pro.background_deposit_threshold", "2"
        )
        self.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.background_deposit_chunk", "2")
        good = self._d93_invoice(post=False) | self._d93_invoice() | self._d93_invoice(post=False)
        bad = self._d93_invoice(post=False, purchase_order_reference=False)
        max_ids = self._max_ids()
        wizard_id, context = self._open_from_list(good | bad, poison=True)
        _summary, error = self._click_deposit(wizard_id, context)
        self.assertIsNone(error)
        job = self.env["chorus.pro.deposit.job"].search([("id", ">", max_ids["chorus.pro.deposit.job"])])
        self.assertEqual(len(job), 1)
        self.assertEqual((job.state, job.user_id, job.company_id), ("queued", self.env.user, self.company))
        self.assertEqual(job.move_ids, good)
        self.assertFalse(job.summary)
        # The cron (its own context, commits after each chunk).
        _result, error = self._request(lambda env: env["chorus.pro.deposit.job"]._cron_process_jobs(), {})
        self.assertIsNone(error)
        self.assertEqual(job.state, "done")
        self.assertEqual(len(job.flow_ids), 2)
        for flow in job.flow_ids:
            self.assertLessEqual(len(flow.move_ids), 2)
        self.assertEqual(job.flow_ids.move_ids, good)
        self._assert_refused_untouched(bad)
        self.assertIn("3 of 4 invoices sent", job.summary)
        self._assert_on_chorus_once(good)
        self._assert_nothing_leaked(max_ids, refused=bad)

    # ---------------------------------------------------------------- faults after the call
    def _deposit_with_fault(self, target, method, batch=True):
        """The user's batch deposited from the list while ``target.method`` raises."""
        good, bad = self._batch()
        wizard_id, context = self._open_from_list(good | bad, batch=batch)

        with patch.object(target, method, _raise_fault):
            _summary, error = self._click_deposit(wizard_id, context)
        self.assertIsInstance(error, InjectedFault)
        return good, bad, context

    def _assert_kept_and_never_sent_again(self, good, bad, context, flows=1, state="sent"):
        # Committed: posted, linked to the flows that hold them.
        self.assertEqual(set(good.mapped("state")), {"posted"})
        self.assertEqual(len(good.chorus_flow_id), flows)
        self.assertEqual(set(good.chorus_flow_id.mapped("state")), {state})
        self.assertEqual(good.chorus_flow_id.move_ids, good)
        self._assert_refused_untouched(bad)
        calls = self.sim.calls.get(DEPOSIT_PATH)
        self.assertEqual(calls, flows)
        # The user tries again: nothing is deposited again.
        wizard_id, context = self._open_from_list(good | bad)
        _summary, _error = self._click_deposit(wizard_id, context)
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), calls)
        # The cron brings the flows to their end; each invoice once on Chorus Pro.
        self.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.unconfirmed_delay_minutes", "-1")
        self.sim.advance_flows(to_terminal=True)
        _result, error = self._request(lambda env: env["chorus.pro.connector"]._cron_update(), {})
        self.assertIsNone(error)
        self.assertEqual(set(good.mapped("chorus_state")), {"deposited"})
        self.assertTrue(all(good.mapped("chorus_identifier")))
        self.assertEqual(good.chorus_flow_id.move_ids, good)
        self._assert_on_chorus_once(good)
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), calls)

    def test_fault_in_summary(self):
        good, bad, context = self._deposit_with_fault(ChorusProDepositPipeline, "_deposit_summary")
        self._assert_kept_and_never_sent_again(good, bad, context)

    def test_fault_in_summary_one_flow_per_invoice(self):
        good, bad, context = self._deposit_with_fault(
            ChorusProDepositPipeline, "_deposit_summary", batch=False
        )
        self._assert_kept_and_never_sent_again(good, bad, context, flows=2)

    def test_fault_after_the_flow_is_recorded(self):
        """An error right after the flow was recorded (keeping the documents sent)."""
        good, bad, context = self._deposit_with_fault(ChorusProConnectorDeposit, "_keep_deposited_documents")
        self._assert_kept_and_never_sent_again(good, bad, context)

    def test_crash_before_the_answer_is_recorded(self):
        """The request dies between Chorus Pro's answer and its recording: the flow
        stays *sending*, is searched for on Chorus Pro and linked, never sent again."""
        good, bad, context = self._deposit_with_fault(ChorusProConnectorDeposit, "_record_deposit")
        self.assertEqual(set(good.mapped("chorus_state")), {"sending"})
        self.assertFalse(good.chorus_flow_id.name)
        self._assert_kept_and_never_sent_again(good, bad, context, state="sending")

    def test_fault_in_flow_processing_and_certificate(self):
        good, bad = self._batch()
        wizard_id, context = self._open_from_list(good | bad)
        _summary, error = self._click_deposit(wizard_id, context)
        self.assertIsNone(error)
        flow = good.chorus_flow_id
        self.sim.advance_flows(to_terminal=True)
        for cls, method in (
            (ChorusProConnectorTracking, "_store_certificate"),
            (ChorusProConnectorDeposit, "_link_found_invoice"),
        ):
            with self.subTest(method=method), patch.object(cls, method, _raise_fault):
                _result, error = self._request(
                    lambda env: env["chorus.pro.connector"]._update_flows(
                        env["chorus.pro.flow"].browse(flow.id)
                    ),
                    {},
                )
                self.assertIsInstance(error, InjectedFault)
                self.assertEqual(flow.state, "sent")
                self.assertEqual(flow.move_ids, good)
                self.assertEqual(set(good.mapped("chorus_state")), {"deposited"})
        _result, error = self._request(
            lambda env: env["chorus.pro.connector"]._update_flows(env["chorus.pro.flow"].browse(flow.id)), {}
        )
        self.assertIsNone(error)
        self.assertEqual(flow.state, "done")
        self.assertTrue(all(good.mapped("chorus_certificate_id")))
        self._assert_kept_and_never_sent_again(good, bad, context, state="done")

    def test_background_job_fault_in_summary(self):
        """The job's summary fails once the last chunk is sent: the chunk stays sent and
        linked, the job stops with the error; resumed, it ends without sending again."""
        self.env["ir.config_parameter"].sudo().set_param(
            "l10n_fr_chorus_pro.background_deposit_threshold", "1"
        )
        good, bad = self._batch()
        wizard_id, context = self._open_from_list(good | bad)
        _summary, error = self._click_deposit(wizard_id, context)
        self.assertIsNone(error)
        job = self.env["chorus.pro.deposit.job"].search([("move_ids", "in", good.ids)])
        with patch.object(ChorusProDepositPipeline, "_deposit_summary", _raise_fault):
            _result, error = self._request(lambda env: env["chorus.pro.deposit.job"]._cron_process_jobs(), {})
        self.assertIsNone(error)
        self.assertEqual(job.state, "failed")
        self.assertEqual(job.flow_ids.move_ids, good)
        self.assertEqual(set(good.mapped("chorus_state")), {"deposited"})
        self._assert_refused_untouched(bad)
        _result, error = self._request(
            lambda env: (
                env["chorus.pro.deposit.job"].browse(job.id).action_resume()
                and env["chorus.pro.deposit.job"]._cron_process_jobs()
            ),
            {},
        )
        self.assertIsNone(error)
        self.assertEqual(job.state, "done")
        self.assertIn("2 of 3 invoices sent", job.summary)
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)
        self._assert_on_chorus_once(good)


@tagged("post_install", "-at_install")
class TestDepositPathsProduction(TestDepositPaths):
    """The same tests against the simulator answering as the real platform does (``production`` realism)."""

    # Odoo runs only the test methods a class defines, unless told otherwise.
    allow_inherited_tests_method = True
    simulator_options = {**TestDepositPaths.simulator_options, "realism": "production"}
