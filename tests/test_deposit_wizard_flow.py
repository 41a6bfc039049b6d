# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The deposit wizard as the web client drives it: opened from the invoice list
(``active_ids``, ``active_model``) or the form button, saved by the web client (which
sends the checklist lines without their read-only values), buttons clicked in request
cursors (an error rolls the request back, the saved wizard stays). Nothing to deposit: no
button, a clear error, never a garbled checklist; after a partial deposit, the refused
invoices' real checklist; one line per problem; undated drafts, dated in the wizard or on
posting. Against the project's simulator over real HTTP."""

import html as html_lib

from lxml import etree

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import ChorusProSimulatorCommon

DEPOSIT_PATH = "/cpro/factures/v1/deposer/flux"
WIZARD = "chorus.pro.deposit.wizard"


@tagged("post_install", "-at_install")
class TestDepositWizardFlow(ChorusProSimulatorCommon):
    simulator_options = {"flow_steps": 0, "max_page_size": 100, "fault_delay": 3.0}
    chorus_timeout = "5"

    # ---------------------------------------------------------------- the web client
    def _open_and_save(self, context):
        """Open the wizard (onchange: the defaults), then save it as the web client does
        before a button's call: the lines of the checklist come back without their
        read-only values. Returns the wizard's id."""

        def open_and_save(env):
            wizards = env[WIZARD]
            defaults = wizards.onchange(
                {},
                [],
                {
                    "move_ids": {},
                    "batch": {},
                    "state": {},
                    "checklist_token": {},
                    "line_ids": {"fields": {"move_id": {}, "ok": {}, "label": {}, "message": {}}},
                },
            )["value"]
            self.assertTrue(defaults["line_ids"])
            saved = wizards.web_save(
                {
                    "move_ids": [Command.set(context["default_move_ids"])],
                    "line_ids": [Command.create({}) for _command in defaults["line_ids"]],
                    "batch": True,
                    "state": "check",
                    "checklist_token": defaults["checklist_token"],
                },
                {"id": {}},
            )
            return saved[0]["id"]

        wizard_id, error = self._request(open_and_save, context)
        self.assertIsNone(error)
        return self.env[WIZARD].browse(wizard_id)

    def _click(self, wizard, method, context):
        """A button of the wizard, in the dialog's context, in its own request."""
        return self._request(lambda env: getattr(env[WIZARD].browse(wizard.id), method)(), context)

    def _button_invisible(self, wizard, string):
        """Whether the form's footer button ``string`` is invisible for ``wizard``."""
        arch = etree.fromstring(self.env[WIZARD].get_views([(False, "form")])["views"]["form"]["arch"])
        [button] = arch.xpath(f"//footer/button[@string='{string}']")
        values = {name: wizard[name] for name in ("state", "all_ok", "move_count", "ready_count")}
        return bool(safe_eval(button.get("invisible"), values))

    def _assert_real_checklist(self, wizard, moves):
        """Every line of the checklist belongs to an invoice and says something."""
        wizard.invalidate_recordset()
        self.assertTrue(wizard.line_ids)
        self.assertEqual(set(wizard.line_ids.move_id), set(moves))
        for line in wizard.line_ids:
            self.assertTrue(line.code and line.label, line.read())
        html = str(wizard.checklist_html)
        self.assertNotIn("False", html)
        self.assertNotIn(">Draft</strong> — — ", html)
        self.assertEqual(html.count('<div class="o_chorus_checklist_invoice'), len(moves))

    def _without_ej(self, count):
        return self.env["account.move"].concat(
            *(self._d93_invoice(post=False, purchase_order_reference=False) for _i in range(count))
        )

    # ---------------------------------------------------------------- nothing ready
    def test_nothing_ready_no_button_and_a_clear_error(self):
        bad = self._without_ej(2)
        context = self._deposit_list_context(bad)
        wizard = self._open_and_save(context)
        # Saved by the web client: the server's checklist, not empty lines.
        self._assert_real_checklist(wizard, bad)
        self.assertEqual((wizard.ready_count, wizard.to_fix_count), (0, 2))
        self.assertEqual(wizard.check_summary, "0 ready, 2 to fix")
        self.assertTrue(self._button_invisible(wizard, "Deposit the valid ones"))
        self.assertTrue(self._button_invisible(wizard, "Deposit"))
        # Called anyway: what to fix, invoice by invoice; the wizard is left as it was.
        _result, error = self._click(wizard, "action_deposit", context)
        self.assertIsInstance(error, UserError)
        message = str(error)
        self.assertIn("None of the 2 invoices is ready to deposit", message)
        self.assertEqual(message.count("engagement number (EJ) is mandatory"), 2)
        self.assertEqual(message.count("• Service code and engagement number (EJ): "), 2)
        self.assertNotIn("False", message)
        self._assert_real_checklist(wizard, bad)
        self.assertEqual(wizard.state, "check")
        self.assertEqual(wizard.check_summary, "0 ready, 2 to fix")
        self.assertFalse(self.sim.calls.get(DEPOSIT_PATH))
        self.assertEqual(set(bad.mapped("state")), {"draft"})

    def test_one_ready_shows_the_button(self):
        moves = self._d93_invoice(post=False) | self._without_ej(1)
        wizard = self._open_and_save(self._deposit_list_context(moves))
        self.assertEqual((wizard.ready_count, wizard.to_fix_count), (1, 1))
        self.assertFalse(self._button_invisible(wizard, "Deposit the valid ones"))
        self.assertTrue(self._button_invisible(wizard, "Deposit"))

    # ---------------------------------------------------------------- work per invoice

    def test_deposit_checks_and_builds_each_invoice_once(self):
        """The checklist of each invoice runs once from the wizard's opening to the
        deposit (the Deposit click reuses it, posting the draft does not run it again);
        the Deposit click builds its EN 16931 data once, shared by the Factur-X check,
        the legal page and the deposited Factur-X."""
        moves = self._d93_invoice(post=False) | self._d93_invoice()
        context = self._deposit_list_context(moves)
        checklist_runs = self._count_calls("chorus.pro.checklist", "_check")
        wizard = self._open_and_save(context)
        self.assertEqual(checklist_runs, dict.fromkeys(moves.ids, 1))
        data_builds = self._count_calls("chorus.pro.facturx", "_facturx_build_data")
        _result, error = self._click(wizard, "action_deposit", context)
        self.assertIsNone(error)
        self.assertEqual(set(moves.mapped("chorus_state")), {"deposited"})
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)
        self.assertEqual(checklist_runs, dict.fromkeys(moves.ids, 1))
        self.assertEqual(data_builds, dict.fromkeys(moves.ids, 1))

    # ---------------------------------------------------------------- partial deposit
    def test_partial_deposit_shows_result_and_the_refused_checklist(self):
        good = self._d93_invoice(post=False) | self._d93_invoice()
        bad = self._without_ej(1)
        # The refused one also has three lines without tax: one line says so, with the count.
        bad.invoice_line_ids = [
            Command.create(
                {"name": f"Séance {day}", "quantity": 1, "price_unit": 50.0, "tax_ids": [Command.clear()]}
            )
            for day in (5, 12, 19)
        ]
        context = self._deposit_list_context(good | bad)
        wizard = self._open_and_save(context)
        _result, error = self._click(wizard, "action_deposit", context)
        self.assertIsNone(error)
        wizard.invalidate_recordset()
        self.assertEqual(wizard.state, "done")
        self.assertEqual(set(good.mapped("chorus_state")), {"deposited"})
        flow = good.chorus_flow_id
        self.assertIn("2 of 3 invoices sent to Chorus Pro.", wizard.summary)
        self.assertIn(f"Flow {flow.name}: ", wizard.summary)
        self.assertIn(
            f"Refused, {bad.display_name}: Service code and engagement number (EJ); VAT or exemption mention",
            wizard.summary,
        )
        # Below: the refused invoice's own checklist, its real lines and counts.
        self._assert_real_checklist(wizard, bad)
        self.assertEqual((wizard.ready_count, wizard.to_fix_count), (0, 1))
        html = html_lib.unescape(str(wizard.checklist_html))
        self.assertIn(f'data-move-id="{bad.id}"', html)
        self.assertIn("engagement number (EJ) is mandatory", html)
        self.assertIn("3 lines have no tax: 'Séance 5', 'Séance 12', 'Séance 19'.", html)
        self.assertEqual(html.count("has no tax"), 0)
        for move in good:
            self.assertNotIn(f'data-move-id="{move.id}"', html)
        # Closed and opened again on the refused one: nothing else changed.
        self.assertEqual((bad.state, bad.chorus_state), ("draft", False))
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)

    def test_one_line_per_problem_in_the_batch_checklist(self):
        """Several problems of one check: one line each under the check's label, and a
        problem repeated on several lines said once with its count."""
        moves = self._without_ej(1) | self._d93_invoice()
        bad = moves[0]
        bad.contract_reference = "MP-2026-07"
        bad.invoice_line_ids = [
            Command.create({"name": f"Forfait {n}", "quantity": 1, "price_unit": 0.0}) for n in range(13)
        ]
        bad.partner_bank_id = False
        wizard = self._open_and_save(self._deposit_list_context(moves))
        html = html_lib.unescape(str(wizard.checklist_html))
        block = html.split('<div class="o_chorus_checklist_invoice')[1]
        self.assertIn(f'data-move-id="{bad.id}"', block)
        # Each failing check its own line; the 13 lines of the market in one sentence.
        self.assertIn("<li><strong>Bank details (IBAN, BIC)</strong>: Choose the bank account", block)
        self.assertIn("<strong>Service code and engagement number (EJ)</strong>: ", block)
        self.assertIn(
            "Public market invoice: 13 lines need a quantity, a unit price and a description", block
        )
        self.assertEqual(block.count("Public market invoice"), 1)
        # Identical problems are counted, never repeated.
        checklist = self.env["chorus.pro.checklist"]
        item = checklist._item(
            "order_beneficiaries",
            "Beneficiaries",
            ["No care decision for A."] * 13 + ["No care decision for B."],
        )
        self.assertEqual(
            item["message"].split("\n"), ["No care decision for A. (13 times)", "No care decision for B."]
        )
        self.assertEqual(
            checklist._item_text("Beneficiaries", item["message"]),
            "Beneficiaries: \n   – No care decision for A. (13 times)\n   – No care decision for B.",
        )

    def test_single_invoice_checklist_lines_wrap(self):
        """The single invoice's list: the label is a text that wraps, not a cut-off char."""
        line_field = self.env["chorus.pro.deposit.wizard.line"]._fields["label"]
        self.assertEqual(line_field.type, "text")
        move = self._without_ej(1)
        action = move.action_chorus_deposit()
        wizard = self.env[WIZARD].browse(action["res_id"])
        routing = wizard.line_ids.filtered(lambda l: l.code == "routing")
        self.assertEqual(routing.label, "Service code and engagement number (EJ)")
        self.assertFalse(routing.ok)

    # ---------------------------------------------------------------- dates of a draft
    def test_undated_draft_deposited_from_the_form_dated_today(self):
        move = self._d93_invoice(post=False, invoice_date=False)
        self.assertFalse(move.invoice_date)
        failed = self.env["chorus.pro.checklist"]._failed(move, with_facturx=False)
        self.assertEqual(failed, [], [item["message"] for item in failed])
        action, error = self._request(
            lambda env: env["account.move"].browse(move.id).action_chorus_deposit(),
            {"default_move_type": "out_invoice"},
        )
        self.assertIsNone(error)
        wizard = self.env[WIZARD].browse(action["res_id"])
        self.assertTrue(wizard.all_ok)
        self.assertTrue(wizard.can_edit_move)
        number = wizard.line_ids.filtered(lambda l: l.code == "number")
        self.assertTrue(number.ok)
        today = fields.Date.context_today(move)
        self.assertIn(
            f"No invoice date yet: the invoice will be dated {today.strftime('%m/%d/%Y')}", number.message
        )
        _result, error = self._click(
            wizard,
            "action_deposit",
            {"active_model": "account.move", "active_id": move.id, "active_ids": move.ids},
        )
        self.assertIsNone(error)
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.invoice_date, today)
        self.assertEqual(move.chorus_state, "deposited")
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)

    def test_dates_set_in_the_wizard_are_used(self):
        move = self._d93_invoice(post=False, invoice_date=False)
        action = move.action_chorus_deposit()
        context = {"active_model": "account.move", "active_id": move.id, "active_ids": move.ids}

        def set_dates(env):
            # The web client saves the dialog's changes before calling Check again.
            env[WIZARD].browse(action["res_id"]).web_save(
                {"invoice_date": "2026-10-30", "delivery_date": "2026-10-28"}, {}
            )
            return env[WIZARD].browse(action["res_id"]).action_check()

        _result, error = self._request(set_dates, context)
        self.assertIsNone(error)
        self.assertEqual(str(move.invoice_date), "2026-10-30")
        self.assertEqual(str(move.delivery_date), "2026-10-28")
        # The service date given: the checklist no longer says the invoice date stands for it.
        wizard = self.env[WIZARD].browse(action["res_id"])
        self.assertFalse(wizard.line_ids.filtered(lambda l: l.code == "service_date").message)
        _result, error = self._click(wizard, "action_deposit", context)
        self.assertIsNone(error)
        self.assertEqual((move.state, str(move.invoice_date)), ("posted", "2026-10-30"))
        self.assertEqual(move.chorus_state, "deposited")
        data = self.env["chorus.pro.facturx"]._facturx_data_dict(move)
        self.assertEqual((str(data["BT-2"]), str(data["BT-72"])), ("2026-10-30", "2026-10-28"))

    def test_posted_invoice_dates_not_editable_in_the_wizard(self):
        move = self._d93_invoice()
        wizard = self.env[WIZARD].with_context(**self._deposit_list_context(move)).create({})
        self.assertFalse(wizard.can_edit_move)
        arch = etree.fromstring(self.env[WIZARD].get_views([(False, "form")])["views"]["form"]["arch"])
        for name in ("invoice_date", "delivery_date", "chorus_service_id"):
            [node] = arch.xpath(f"//field[@name='{name}']")
            self.assertEqual(node.get("readonly"), "not can_edit_move", name)
