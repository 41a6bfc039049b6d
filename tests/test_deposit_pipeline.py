# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The one deposit pipeline, as the invoice list drives it: the checklist of each invoice
runs once from the wizard's opening to the deposit (the preview is reused for an invoice
unchanged since, run again for a changed one), and its EN 16931 data is built once per
deposit, the legal page in the recipient's language included. Counted on the methods
``make bench-chorus`` counts (``chorus.pro.checklist._check``,
``chorus.pro.facturx._facturx_build_data``): the real ones run. Against the project's
simulator over real HTTP."""

import copy

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.l10n_fr_chorus_pro.wizards.chorus_pro_deposit_wizard import MOVE_FIELDS

from .common import ChorusProSimulatorCommon

DEPOSIT_PATH = "/cpro/factures/v1/deposer/flux"
WIZARD = "chorus.pro.deposit.wizard"
SEND = "account.move.send.wizard"
# What the Send dialog's form holds that the web client saves back (its checklist token).
SEND_FIELDS = ("sending_method_checkboxes", "extra_edi_checkboxes", "chorus_checklist_token")
BATCH_SEND = "account.move.send.batch.wizard"
# The batch Send dialog's form: the web client reads these, and saves back its token.
BATCH_SEND_SPEC = dict.fromkeys(("move_ids", "alerts", "summary_data", "chorus_checklist_token"), {})


@tagged("post_install", "-at_install")
class TestDepositPipeline(ChorusProSimulatorCommon):
    simulator_options = {"flow_steps": 0, "max_page_size": 100, "fault_delay": 3.0}
    chorus_timeout = "5"

    def setUp(self):
        super().setUp()
        # The legal page in French (the recipient's language), the user in English.
        self.env["res.lang"]._activate_lang("fr_FR")
        self.assertEqual(self.dept93.lang, "fr_FR")
        self.assertNotEqual(self.env.user.lang, "fr_FR")

    # ---------------------------------------------------------------- the web client
    def _open(self, context):
        """The wizard's opening (onchange), in its own request: its values."""
        spec = {
            "move_ids": {},
            "batch": {},
            "state": {},
            "checklist_token": {},
            "can_edit_move": {},
            **dict.fromkeys(MOVE_FIELDS, {}),
            "line_ids": {"fields": {"move_id": {}, "ok": {}, "label": {}, "message": {}}},
        }
        values, error = self._request(lambda env: env[WIZARD].onchange({}, [], spec)["value"], context)
        self.assertIsNone(error)
        self.assertTrue(values["line_ids"] and values["checklist_token"])
        return values

    def _save_and_deposit(self, values, context):
        """Deposit clicked: the web client saves the new wizard (the checklist lines
        without their read-only values, the other fields as the onchange gave them),
        then calls the button, each in its own request. Returns the wizard."""

        def save(env):
            vals = {
                "move_ids": [Command.set(context["default_move_ids"])],
                "line_ids": [Command.create({}) for _command in values["line_ids"]],
                "batch": values["batch"],
                "state": values["state"],
                "checklist_token": values["checklist_token"],
            }
            if values["can_edit_move"]:
                # One draft: its fields are editable in the wizard, sent as they are.
                vals.update({name: values[name] for name in MOVE_FIELDS})
            return env[WIZARD].web_save(vals, {"id": {}})[0]["id"]

        wizard_id, error = self._request(save, context)
        self.assertIsNone(error)
        _result, error = self._request(lambda env: env[WIZARD].browse(wizard_id).action_deposit(), context)
        self.assertIsNone(error)
        return self.env[WIZARD].browse(wizard_id)

    def _counters(self):
        return (
            self._count_calls("chorus.pro.checklist", "_check"),
            self._count_calls("chorus.pro.facturx", "_facturx_build_data"),
        )

    # ---------------------------------------------------------------- once per invoice
    def test_list_path_checks_once_and_builds_once(self):
        """Opened from the list, then Deposit: each invoice's checklist runs once (the
        preview is reused, posting the drafts does not run it again) and its EN 16931
        data is built once for the deposit, shared by the Factur-X and the legal page
        printed in French."""
        drafts = self._d93_invoice(post=False) | self._d93_invoice(post=False)
        posted = self._d93_invoice()
        moves = drafts | posted
        context = self._deposit_list_context(moves)
        checklist_runs, data_builds = self._counters()
        values = self._open(context)
        self.assertEqual(checklist_runs, dict.fromkeys(moves.ids, 1))
        # The preview validates the Factur-X of the posted invoice (its own request).
        self.assertEqual(data_builds, {posted.id: 1})
        data_builds.clear()
        wizard = self._save_and_deposit(values, context)
        self.assertEqual(wizard.state, "done")
        self.assertIn("3 of 3 invoices sent to Chorus Pro.", wizard.summary)
        self.assertEqual(set(moves.mapped("chorus_state")), {"deposited"})
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)
        self.assertEqual(checklist_runs, dict.fromkeys(moves.ids, 1))
        self.assertEqual(data_builds, dict.fromkeys(moves.ids, 1))

    def test_single_draft_from_the_list_checked_once(self):
        """One draft: the wizard shows its fields (service, EJ, dates) and the web client
        sends them back unchanged: the invoice is not written, its preview is reused."""
        move = self._d93_invoice(post=False)
        context = self._deposit_list_context(move)
        checklist_runs, data_builds = self._counters()
        values = self._open(context)
        self.assertTrue(values["can_edit_move"])
        self.assertEqual(values["purchase_order_reference"], move.purchase_order_reference)
        write_date = move.write_date
        wizard = self._save_and_deposit(values, context)
        self.assertEqual(wizard.state, "done")
        self.assertEqual(move.chorus_state, "deposited")
        self.assertEqual(checklist_runs, {move.id: 1})
        self.assertEqual(data_builds, {move.id: 1})
        self.assertGreater(move.write_date, write_date)  # posted and deposited since

    def test_background_path_checks_once_and_builds_once(self):
        """Above the background threshold: the wizard's preview, the Deposit click and
        the background job run each invoice's checklist once and build its data once."""
        self.env["ir.config_parameter"].sudo().set_param(
            "l10n_fr_chorus_pro.background_deposit_threshold", "2"
        )
        moves = self._d93_invoice() | self._d93_invoice() | self._d93_invoice()
        context = self._deposit_list_context(moves)
        checklist_runs, data_builds = self._counters()
        wizard = self._save_and_deposit(self._open(context), context)
        self.assertEqual(wizard.state, "background")
        job = wizard.job_id
        while job.state in ("queued", "running"):
            job._process_next_chunk()
        self.assertEqual(job.state, "done")
        self.assertEqual(set(moves.mapped("chorus_state")), {"deposited"})
        self.assertEqual(checklist_runs, dict.fromkeys(moves.ids, 1))
        self.assertEqual(data_builds, dict.fromkeys(moves.ids, 1))

    def test_changed_invoice_is_checked_again(self):
        """An invoice changed between the wizard's opening and Deposit is checked again
        (its preview is not trusted): the one without its EJ now is refused."""
        moves = self._d93_invoice(post=False) | self._d93_invoice(post=False)
        changed, unchanged = moves
        context = self._deposit_list_context(moves)
        checklist_runs, _data_builds = self._counters()
        values = self._open(context)
        # Meanwhile, in another tab: its EJ removed.
        _result, error = self._request(
            lambda env: env["account.move"].browse(changed.id).write({"purchase_order_reference": False})
        )
        self.assertIsNone(error)
        wizard = self._save_and_deposit(values, context)
        self.assertEqual(checklist_runs, {changed.id: 2, unchanged.id: 1})
        self.assertEqual(wizard.state, "done")
        self.assertIn("1 of 2 invoices sent to Chorus Pro.", wizard.summary)
        self.assertIn(
            f"Refused, {changed.display_name}: Service code and engagement number (EJ)", wizard.summary
        )
        self.assertEqual((unchanged.chorus_state, changed.chorus_state), ("deposited", False))
        self.assertEqual(changed.state, "draft")

    def test_forged_preview_is_not_trusted(self):
        """A preview not signed by the server (or for another user) is run again."""
        moves = self._d93_invoice(post=False, purchase_order_reference=False)
        context = self._deposit_list_context(moves)
        checklist_runs, _data_builds = self._counters()
        values = self._open(context)
        payload, _dot, _signature = values["checklist_token"].rpartition(".")
        forged = dict(values, checklist_token=f"{payload}.{'0' * 64}")
        wizard_id, error = self._request(
            lambda env: env[WIZARD].web_save(
                {
                    "move_ids": [Command.set(moves.ids)],
                    "line_ids": [Command.create({}) for _command in forged["line_ids"]],
                    "checklist_token": forged["checklist_token"],
                },
                {"id": {}},
            )[0]["id"],
            context,
        )
        self.assertIsNone(error)
        self.assertEqual(checklist_runs, {moves.id: 2})
        wizard = self.env[WIZARD].browse(wizard_id)
        self.assertFalse(wizard.all_ok)
        messages = "\n".join(filter(None, wizard.line_ids.mapped("message")))
        self.assertIn("engagement number (EJ) is mandatory", messages)

    def test_browser_checks_each_invoice_once(self):
        """In the browser (the French batch tour: the invoice list, Actions > Deposit to
        Chorus Pro, Deposit the valid ones), the web client saves the wizard with its
        preview: each invoice's checklist runs once."""
        self.env.user.lang = "fr_FR"
        good = self._d93_invoice(post=False) | self._d93_invoice(post=False)
        bad = self._d93_invoice(post=False, purchase_order_reference=False)
        for move, quantity in zip(good | bad, (4, 6, 8), strict=True):
            move.invoice_line_ids.quantity = quantity
        checklist_runs, data_builds = self._counters()
        self.start_tour(
            "/odoo/action-account.action_move_out_invoice_type",
            "chorus_pro_batch_deposit_tour",
            login=self.env.user.login,
            timeout=180,
        )
        self.assertEqual(set(good.mapped("chorus_state")), {"deposited"})
        self.assertEqual((bad.state, bad.chorus_state), ("draft", False))
        self.assertEqual(checklist_runs, dict.fromkeys((good | bad).ids, 1))
        self.assertEqual(data_builds, dict.fromkeys(good.ids, 1))

    # ---------------------------------------------------------------- the Send dialog
    def _send_context(self, move):
        """The invoice's Send button (``action_invoice_sent``): the Send dialog's action
        context, after the document layout configurator when the company has none."""
        action = move.action_invoice_sent()
        if action.get("res_model") != SEND:
            action = action["context"]["report_action"]
        self.assertEqual(action["res_model"], SEND)
        return action["context"]

    def _open_send(self, context):
        """The Send dialog's opening (onchange), in its own request: its values."""
        spec = dict.fromkeys(("move_id", "alerts", *SEND_FIELDS), {})
        values, error = self._request(lambda env: env[SEND].onchange({}, [], spec)["value"], context)
        self.assertIsNone(error)
        self.assertIn("chorus_pro", values["sending_method_checkboxes"])
        self.assertTrue(values["sending_method_checkboxes"]["chorus_pro"]["checked"])
        return values

    def _save_and_send(self, move, values, context):
        """Send clicked: the web client saves the dialog (reading its alerts back), then
        calls the button, each in its own request. Returns (result, error) of the click."""

        def save(env):
            vals = {"move_id": move.id, **{name: values[name] for name in SEND_FIELDS}}
            return env[SEND].web_save(vals, {"id": {}, "alerts": {}})[0]["id"]

        wizard_id, error = self._request(save, context)
        self.assertIsNone(error)
        return self._request(lambda env: env[SEND].browse(wizard_id).action_send_and_print(), context)

    def test_send_dialog_checks_once_and_builds_once(self):
        """The invoice's Send button, by Chorus Pro, then Send: the checklist the dialog
        ran for its alerts is the one Send deposits with (run once), the EN 16931 data is
        built once (Factur-X check, legal page and deposited Factur-X)."""
        move = self._d93_invoice()
        context = self._send_context(move)
        checklist_runs, data_builds = self._counters()
        values = self._open_send(context)
        self.assertTrue(values["chorus_checklist_token"])
        self.assertFalse(values["alerts"])
        self.assertEqual(checklist_runs, {move.id: 1})
        result, error = self._save_and_send(move, values, context)
        self.assertIsNone(error)
        self.assertEqual(result, {"type": "ir.actions.act_window_close"})
        self.assertEqual(move.chorus_state, "deposited")
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)
        self.assertEqual(move.invoice_pdf_report_id.raw, move.chorus_document_id.raw)
        self.assertEqual(checklist_runs, {move.id: 1})
        self.assertEqual(data_builds, {move.id: 1})

    def test_send_dialog_changed_invoice_is_checked_again(self):
        """An invoice changed between the Send dialog's opening and Send (its service
        closed meanwhile, in another tab) is checked again, once: Send refuses it."""
        move = self._d93_invoice()
        context = self._send_context(move)
        checklist_runs, _data_builds = self._counters()
        values = self._open_send(context)
        self.assertFalse(values["alerts"])
        _result, error = self._request(
            lambda env: env["chorus.pro.service"].browse(move.chorus_service_id.id).write({"active": False})
        )
        self.assertIsNone(error)
        _result, error = self._save_and_send(move, values, context)
        self.assertIsInstance(error, UserError)
        self.assertIn("Not ready for Chorus Pro", str(error))
        self.assertIn("is closed or not valid on the invoice date", str(error))
        self.assertEqual(checklist_runs, {move.id: 2})
        self.assertFalse(move.chorus_state)
        self.assertFalse(self.sim.calls.get(DEPOSIT_PATH))

    def test_send_dialog_forged_token_is_not_trusted(self):
        """A token the server did not sign (here: all green for an invoice without its
        service and EJ) is not trusted: the checklist runs again and Send refuses it."""
        self.company.chorus_post_check = "warn"
        move = self._d93_invoice(purchase_order_reference=False, chorus_service_id=False)
        context = self._send_context(move)
        checklist_runs, _data_builds = self._counters()
        values = self._open_send(context)
        self.assertIn("l10n_fr_chorus_pro_checklist", values["alerts"])
        pipeline = self.env["chorus.pro.deposit.pipeline"]
        items = [{"code": "routing", "label": "Routing", "ok": True, "message": ""}]
        payload, _dot, _signature = pipeline._checklist_token({move: items}).rpartition(".")
        self.assertEqual(pipeline._checked_from_token(f"{payload}.{'0' * 64}", move), {})
        forged = dict(values, chorus_checklist_token=f"{payload}.{'0' * 64}")
        _result, error = self._save_and_send(move, forged, context)
        self.assertIsInstance(error, UserError)
        self.assertIn("Not ready for Chorus Pro", str(error))
        self.assertEqual(checklist_runs, {move.id: 2})
        self.assertFalse(move.chorus_state)
        self.assertFalse(self.sim.calls.get(DEPOSIT_PATH))

    # ---------------------------------------------------------------- the batch Send dialog
    def _open_batch_send(self, moves):
        """The list's Send on ``moves``: the batch dialog's opening (onchange) in the
        context of the action, in its own request. Returns (context, values)."""
        action = moves.action_send_and_print()
        self.assertEqual(action["res_model"], BATCH_SEND)
        context = action["context"]
        values, error = self._request(
            lambda env: env[BATCH_SEND].onchange({}, [], BATCH_SEND_SPEC)["value"], context
        )
        self.assertIsNone(error)
        self.assertEqual(values["summary_data"]["chorus_pro"]["count"], len(moves))
        self.assertTrue(values["chorus_checklist_token"])
        return context, values

    def _save_and_batch_send(self, moves, values, context):
        """Send clicked: the web client saves the dialog (the fields of its form, reading
        its summary and alerts back), then calls the button, each in its own request.
        Returns the background job it queued."""
        jobs_before = self.env["chorus.pro.deposit.job"].search([])

        def save(env):
            vals = {
                "move_ids": [Command.set(moves.ids)],
                "chorus_checklist_token": values["chorus_checklist_token"],
            }
            return env[BATCH_SEND].web_save(vals, BATCH_SEND_SPEC)[0]["id"]

        wizard_id, error = self._request(save, context)
        self.assertIsNone(error)
        result, error = self._request(
            lambda env: env[BATCH_SEND].browse(wizard_id).action_send_and_print(), context
        )
        self.assertIsNone(error)
        self.assertEqual(result["params"]["next"], {"type": "ir.actions.act_window_close"})
        job = self.env["chorus.pro.deposit.job"].search([]) - jobs_before
        self.assertEqual(len(job), 1)
        self.assertEqual((job.state, job.user_id, job.move_ids), ("queued", self.env.user, moves))
        return job

    def _run_job_cron(self):
        """The background job's cron, run as its own user (not the one who clicked Send)."""
        cron = self.env.ref("l10n_fr_chorus_pro.ir_cron_chorus_deposit_jobs")
        self.assertNotEqual(cron.user_id, self.env.user)
        _result, error = self._request(
            lambda env: env["chorus.pro.deposit.job"].with_user(cron.user_id.id)._cron_process_jobs()
        )
        self.assertIsNone(error)

    def test_batch_send_checks_once_and_builds_once(self):
        """Send from the list, by Chorus Pro: the checklist the dialog ran for its alerts
        (kept signed with it, saved back by the web client) is the one the background
        job deposits with, under the cron's user, chunk after chunk: each invoice checked
        once, its EN 16931 data built once. (The recipient was read from the directory
        lately: a deposit reading it again would change it, and the next chunks' invoices
        would be checked again.)"""
        self.env["chorus.pro.connector"]._sync_recipients(self.dept93, company=self.company)
        self.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.background_deposit_chunk", "2")
        moves = self._d93_invoice() | self._d93_invoice() | self._d93_invoice()
        checklist_runs, data_builds = self._counters()
        context, values = self._open_batch_send(moves)
        self.assertFalse(values["alerts"])
        self.assertEqual(checklist_runs, dict.fromkeys(moves.ids, 1))
        job = self._save_and_batch_send(moves, values, context)
        self.assertEqual(checklist_runs, dict.fromkeys(moves.ids, 1))
        self.assertFalse(data_builds)
        # The job keeps the dialog's checklist, valid for the user who clicked Send only.
        pipeline = self.env["chorus.pro.deposit.pipeline"]
        cron_user = self.env.ref("l10n_fr_chorus_pro.ir_cron_chorus_deposit_jobs").user_id
        self.assertEqual(
            pipeline._checked_from_token(job.checklist_token, moves, uid=job.user_id.id).keys(), set(moves)
        )
        self.assertFalse(pipeline._checked_from_token(job.checklist_token, moves, uid=cron_user.id))
        self._run_job_cron()
        self.assertEqual(job.state, "done")
        self.assertIn("3 of 3 invoices sent to Chorus Pro.", job.summary)
        self.assertEqual(set(moves.mapped("chorus_state")), {"deposited"})
        self.assertEqual(len(job.flow_ids), 2, "one flow per chunk")
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 2)
        for move in moves:
            self.assertTrue(move.is_move_sent)
            self.assertEqual(move.invoice_pdf_report_id.raw, move.chorus_document_id.raw)
        self.assertEqual(checklist_runs, dict.fromkeys(moves.ids, 1))
        self.assertEqual(data_builds, dict.fromkeys(moves.ids, 1))

    def test_batch_send_changed_invoice_is_checked_again(self):
        """An invoice changed between Send and its background job (its EJ removed in
        another tab) is checked again by the job, and refused; the other is deposited
        with the dialog's checklist."""
        moves = self._d93_invoice() | self._d93_invoice()
        changed, unchanged = moves
        checklist_runs, _data_builds = self._counters()
        context, values = self._open_batch_send(moves)
        job = self._save_and_batch_send(moves, values, context)
        self.assertEqual(checklist_runs, dict.fromkeys(moves.ids, 1))
        _result, error = self._request(
            lambda env: env["account.move"].browse(changed.id).write({"purchase_order_reference": False})
        )
        self.assertIsNone(error)
        self._run_job_cron()
        self.assertEqual(checklist_runs, {changed.id: 2, unchanged.id: 1})
        self.assertEqual(job.state, "done")
        self.assertIn("1 of 2 invoices sent to Chorus Pro.", job.summary)
        self.assertIn(changed.name, job.summary)
        self.assertEqual((unchanged.chorus_state, changed.chorus_state), ("deposited", False))
        self.assertIn("was not deposited on Chorus Pro", changed.message_ids[0].body)
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)

    def test_batch_send_job_never_counts_an_unsent_invoice_done(self):
        """Invoices that can no longer go by Chorus Pro when their background job runs
        (their customer no longer a Chorus Pro recipient, changed in another tab) are not
        counted done in silence: the job's summary refuses each with the reason."""
        moves = self._d93_invoice() | self._d93_invoice()
        context, values = self._open_batch_send(moves)
        job = self._save_and_batch_send(moves, values, context)
        _result, error = self._request(
            lambda env: env["res.partner"].browse(self.dept93.id).write({"chorus_recipient": False})
        )
        self.assertIsNone(error)
        self._run_job_cron()
        self.assertEqual(job.state, "done")
        self.assertIn("0 of 2 invoices sent to Chorus Pro.", job.summary)
        for move in moves:
            self.assertIn(f"{move.name} was not sent to Chorus Pro", job.summary)
        self.assertEqual(set(moves.mapped("chorus_state")), {False})
        self.assertFalse(self.sim.calls.get(DEPOSIT_PATH))

    def test_batch_send_forged_token_is_not_trusted(self):
        """A token the server did not sign, saved back with the batch dialog, is replaced:
        the checklist runs again, once, and the invoice missing its EJ is refused."""
        self.company.chorus_post_check = "warn"
        moves = self._d93_invoice() | self._d93_invoice(purchase_order_reference=False)
        good, bad = moves
        checklist_runs, _data_builds = self._counters()
        context, values = self._open_batch_send(moves)
        self.assertIn(bad.display_name, values["alerts"]["l10n_fr_chorus_pro_checklist"]["message"])
        pipeline = self.env["chorus.pro.deposit.pipeline"]
        items = [{"code": "routing", "label": "Routing", "ok": True, "message": ""}]
        payload, _dot, _signature = pipeline._checklist_token(dict.fromkeys(moves, items)).rpartition(".")
        forged = dict(values, chorus_checklist_token=f"{payload}.{'0' * 64}")
        job = self._save_and_batch_send(moves, forged, context)
        self.assertEqual(checklist_runs, dict.fromkeys(moves.ids, 2))
        self._run_job_cron()
        self.assertEqual(checklist_runs, dict.fromkeys(moves.ids, 2))
        self.assertIn("1 of 2 invoices sent to Chorus Pro.", job.summary)
        self.assertEqual((good.chorus_state, bad.chorus_state), ("deposited", False))

    # ---------------------------------------------------------------- one build, two languages
    def test_data_translated_not_built_again(self):
        """The data built in the user's language, translated for the legal page: the
        same as if it were built in the recipient's language."""
        move = self._d93_invoice()
        term = move.invoice_payment_term_id or self.env.ref("account.account_payment_term_30days")
        move.button_draft()
        move.invoice_payment_term_id = term
        move.action_post()
        term.with_context(lang="fr_FR").name = "Trente jours"
        product = self.env["product.product"].create({"name": "Consultation"})
        product.with_context(lang="fr_FR").name = "Séance de consultation"
        move.button_draft()
        line = move.invoice_line_ids[:1]
        taxes = line.tax_ids
        line.write({"product_id": product.id})
        line.write({"name": "Consultation", "tax_ids": [Command.set(taxes.ids)], "price_unit": 95.0})
        move.action_post()
        tax = line.tax_ids[:1]
        tax.invoice_legal_notes = "<p>Legal mention</p>"
        tax.with_context(lang="fr_FR").invoice_legal_notes = "<p>Mention en français</p>"
        engine = self.env["chorus.pro.facturx"]
        english = engine._facturx_build_data(move.with_context(lang="en_US"))
        french = engine._facturx_build_data(move.with_context(lang="fr_FR"))
        self.assertNotEqual(english, french)
        self.assertEqual(french["BT-20"], "Trente jours")
        self.assertEqual(french["BG-25"][0]["BT-153"], "Séance de consultation")
        self.assertEqual(french["BG-25"][0]["BT-154"], "Consultation")
        self.assertNotIn("BT-154", english["BG-25"][0])
        translated = engine._facturx_translate_data(move.with_context(lang="fr_FR"), copy.deepcopy(english))
        self.assertEqual(translated, french)
        # Within a deposit: built once, both languages served.
        data_builds = self._count_calls("chorus.pro.facturx", "_facturx_build_data")
        with engine._facturx_data_cache():
            self.assertEqual(engine._facturx_data_dict(move.with_context(lang="en_US")), english)
            self.assertEqual(engine._facturx_data_dict(move.with_context(lang="fr_FR")), french)
            self.assertEqual(engine._facturx_data_dict(move.with_context(lang="fr_FR")), french)
        self.assertEqual(data_builds, {move.id: 1})
