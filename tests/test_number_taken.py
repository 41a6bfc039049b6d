# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""An invoice whose number Chorus Pro already holds for another invoice (deposited by hand
on the Chorus Pro portal, or from a copy of the database) is neither linked to it nor sent:
it is refused with what differs and what to do, in every path (deposit button, list
action, background deposit, Send, recovery of an unconfirmed deposit); the others of a
batch go on. The same number with the same data is this invoice: linked, never sent
again. Against the project's simulator over real HTTP, in request cursors."""

from odoo.exceptions import UserError
from odoo.tests import tagged

from . import test_deposit_paths, test_send
from .common import SUPPLIER_SIRET, ChorusProSimulatorCommon

DEPOSIT_PATH = "/cpro/factures/v1/deposer/flux"
SIRET_D93 = "22930008201453"
SIRET_UNIVERSITY = "13001533200013"
# The second supplier structure of the company's technical account (simulator seed).
SIRET_OTHER_STRUCTURE = "93125027408770"
TAKEN = "is already used on Chorus Pro by another invoice"


@tagged("post_install", "-at_install")
class TestNumberTaken(ChorusProSimulatorCommon):
    simulator_options = {"flow_steps": 0, "max_page_size": 100, "fault_delay": 3.0}
    chorus_timeout = "5"

    # The web client's contexts, as the deposit and Send paths are tested.
    _invoice_list_context = test_deposit_paths.TestDepositPaths._invoice_list_context
    _list_action_context = test_deposit_paths.TestDepositPaths._list_action_context
    _open_from_list = test_deposit_paths.TestDepositPaths._open_from_list
    _click_deposit = test_deposit_paths.TestDepositPaths._click_deposit
    _deposit_from_form = test_deposit_paths.TestDepositPaths._deposit_from_form
    _open_send = test_send.TestChorusSend._open_send
    _send = test_send.TestChorusSend._send

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wizard_action = cls.env.ref("l10n_fr_chorus_pro.action_chorus_pro_deposit_wizard")

    # ---------------------------------------------------------------- helpers
    def _portal_invoice(
        self,
        move,
        recipient=SIRET_UNIVERSITY,
        amount_untaxed=1000.0,
        amount_total=1200.0,
        invoice_date="2026-10-01",
        **values,
    ):
        """The number of ``move`` deposited by hand on the Chorus Pro portal, for another
        invoice by default."""
        return self.sim.add_portal_invoice(
            SUPPLIER_SIRET,
            move.name,
            recipient,
            amount_untaxed,
            amount_total,
            invoice_date=invoice_date,
            **values,
        )

    def _same_portal_invoice(self, move):
        """``move`` itself, deposited by hand on the portal."""
        return self._portal_invoice(
            move,
            recipient=SIRET_D93,
            amount_untaxed=move.amount_untaxed,
            amount_total=move.amount_total,
            invoice_date=move.invoice_date.isoformat(),
            service_code="132",
            engagement=move.purchase_order_reference,
        )

    def _messages(self, move, text):
        """The chatter messages of ``move`` saying ``text``."""
        return [body for body in move.message_ids.mapped("body") if text in body]

    def _assert_refused(self, move, portal_id):
        """Nothing linked, nothing shown as deposited, nothing sent; the reason in the
        chatter and an activity, the invoice in the *Chorus Pro: to fix* filter."""
        self.assertEqual(move.chorus_state, "to_fix")
        self.assertFalse(move.chorus_identifier)
        self.assertFalse(move.chorus_flow_id)
        self.assertFalse(move.chorus_status)
        self.assertIn(TAKEN, move.chorus_status_comment)
        self.assertIn(move, self.env["account.move"].search([("chorus_state", "=", "to_fix")]))
        found = self.sim.find_invoices(numero_facture=move.name)
        self.assertEqual([i["identifiantFactureCPP"] for i in found], [portal_id], "not sent")
        self.assertTrue(self._messages(move, TAKEN))
        self.assertFalse(self._messages(move, "Chorus Pro already has this invoice"))
        self.assertEqual(move.chorus_activity_id.summary, "Number already used on Chorus Pro")
        self.assertIn(TAKEN, move.chorus_activity_id.note)

    def _assert_message(self, message, move, portal_id):
        """What differs from the portal invoice of ``_portal_invoice``, and what to do."""
        self.assertIn(f"The number {move.name} {TAKEN} (Chorus Pro id {portal_id}, Deposited)", message)
        self.assertIn(f"recipient {SIRET_UNIVERSITY} (", message)
        self.assertIn(f"on Chorus Pro, {SIRET_D93} (", message)
        self.assertIn(
            f"untaxed amount 1,000.00\xa0€ on Chorus Pro, {move.amount_untaxed:,.2f}\xa0€ on this invoice",
            message,
        )
        self.assertIn(
            f"total 1,200.00\xa0€ on Chorus Pro, {move.amount_total:,.2f}\xa0€ on this invoice", message
        )
        self.assertIn("invoice date 10/01/2026 on Chorus Pro, 11/02/2026 on this invoice", message)
        self.assertIn("engagement number (EJ) none on Chorus Pro, EJ2026-000123 on this invoice", message)
        self.assertIn("deposited by hand on the Chorus Pro portal", message)
        self.assertIn("reset it to draft and change its number", message)

    # ---------------------------------------------------------------- deposit paths
    def test_form_button_refuses_a_number_taken_by_another_invoice(self):
        move = self._d93_invoice()
        portal_id = self._portal_invoice(move)
        summary, error = self._deposit_from_form(move, self._invoice_list_context())
        self.assertIsInstance(error, UserError)
        self.assertIsNone(summary)
        self._assert_message(error.args[0], move, portal_id)
        self._assert_refused(move, portal_id)
        self.assertFalse(self.sim.calls.get(DEPOSIT_PATH))
        # The way out the message gives: another number, then the deposit goes through.
        move.button_draft()
        move.name = "INV/2026/00099"
        move.action_post()
        summary, error = self._deposit_from_form(move, self._invoice_list_context())
        self.assertIsNone(error)
        self.assertIn("1 of 1 invoices sent", summary)
        self.assertEqual(move.chorus_state, "deposited")
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)
        self.assertFalse(move.chorus_activity_id.active, "the activity is done")

    def test_list_action_batch_refuses_only_the_conflicting_invoice(self):
        for batch in (True, False):
            with self.subTest(batch=batch):
                self.sim.reset_calls()
                good, taken = self._d93_invoice(), self._d93_invoice()
                portal_id = self._portal_invoice(taken)
                wizard_id, context = self._open_from_list(good | taken, batch=batch)
                self.assertEqual(context["active_ids"], (good | taken).ids)
                summary, error = self._click_deposit(wizard_id, context)
                self.assertIsNone(error)
                self.assertIn("1 of 2 invoices sent to Chorus Pro.", summary)
                self.assertIn(f"Flow {good.chorus_flow_id.name}: {good.name} deposited.", summary)
                self.assertIn(f"Refused, {taken.display_name}: The number {taken.name} {TAKEN}", summary)
                self.assertNotIn("Already on Chorus Pro", summary)
                self.assertEqual(good.chorus_state, "deposited")
                self.assertEqual(good.chorus_flow_id.move_ids, good)
                self._assert_refused(taken, portal_id)
                self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)

    def test_background_deposit_refuses_only_the_conflicting_invoice(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "l10n_fr_chorus_pro.background_deposit_threshold", "1"
        )
        good, taken = self._d93_invoice(), self._d93_invoice()
        portal_id = self._portal_invoice(taken)
        wizard_id, context = self._open_from_list(good | taken)
        _summary, error = self._click_deposit(wizard_id, context)
        self.assertIsNone(error)
        job = self.env["chorus.pro.deposit.job"].search([("move_ids", "in", taken.ids)])
        _result, error = self._request(lambda env: env["chorus.pro.deposit.job"]._cron_process_jobs(), {})
        self.assertIsNone(error)
        self.assertEqual(job.state, "done")
        self.assertIn("1 of 2 invoices sent", job.summary)
        self.assertIn(f"Refused, {taken.display_name}: The number {taken.name} {TAKEN}", job.summary)
        self.assertEqual(job.flow_ids.move_ids, good)
        self.assertEqual(good.chorus_state, "deposited")
        self._assert_refused(taken, portal_id)
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)

    def test_send_refuses_a_number_taken_by_another_invoice(self):
        move = self._d93_invoice()
        portal_id = self._portal_invoice(move)
        _result, error = self._send(move)
        self.assertIsInstance(error, UserError)
        self.assertIn(f"{move.display_name} was not deposited on Chorus Pro:", error.args[0])
        self._assert_message(error.args[0], move, portal_id)
        self._assert_refused(move, portal_id)
        self.assertFalse(move.is_move_sent)
        self.assertFalse(self.sim.calls.get(DEPOSIT_PATH))

    def test_batch_send_refuses_only_the_conflicting_invoice(self):
        good, taken = self._d93_invoice(), self._d93_invoice()
        portal_id = self._portal_invoice(taken)
        _result, error = self._send(good | taken)
        self.assertIsNone(error)
        # A batch Send to Chorus Pro is one background deposit job: its cron deposits.
        _result, error = self._request(lambda env: env["chorus.pro.deposit.job"]._cron_process_jobs())
        self.assertIsNone(error)
        self.assertEqual(good.chorus_state, "deposited")
        self.assertTrue(good.is_move_sent)
        self._assert_refused(taken, portal_id)
        self.assertTrue(self._messages(taken, f"{taken.display_name} was not deposited on Chorus Pro"))
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)

    # ---------------------------------------------------------------- same invoice
    def test_same_number_and_data_is_linked_not_sent_again(self):
        """The invoice deposited by hand on the portal with the same data is this one."""
        move = self._d93_invoice()
        portal_id = self._same_portal_invoice(move)
        wizard_id, context = self._open_from_list(move)
        summary, error = self._click_deposit(wizard_id, context)
        self.assertIsNone(error)
        self.assertIn(f"Already on Chorus Pro, not sent again: {move.name}", summary)
        self.assertEqual(move.chorus_state, "deposited")
        self.assertEqual(move.chorus_identifier, str(portal_id))
        self.assertEqual(move.chorus_status, "DEPOSEE")
        self.assertFalse(self.sim.calls.get(DEPOSIT_PATH))
        self.assertTrue(self._messages(move, f"Chorus Pro already has this invoice (id {portal_id})"))

    def test_each_difference_is_a_conflict(self):
        """Recipient, amount, date, EJ or type: any one of them makes another invoice."""
        same = {
            "recipient": SIRET_D93,
            "amount_untaxed": 285.0,
            "amount_total": 342.0,
            "invoice_date": "2026-11-02",
            "engagement": "EJ2026-000123",
            "service_code": "132",
        }
        for changes, text in (
            ({"recipient": SIRET_UNIVERSITY, "service_code": None}, f"recipient {SIRET_UNIVERSITY}"),
            ({"amount_total": 342.01}, "total"),
            ({"invoice_date": "2026-11-03"}, "invoice date 11/03/2026"),
            ({"engagement": "EJ2026-999999"}, "engagement number (EJ) EJ2026-999999"),
            ({"invoice_type": "AVOIR"}, "type credit note on Chorus Pro, invoice on this invoice"),
        ):
            with self.subTest(changes=changes):
                move = self._d93_invoice()
                self._portal_invoice(move, **dict(same, **changes))
                with self.assertRaisesRegex(UserError, TAKEN) as caught:
                    self.connector._deposit(move)
                self.assertIn(text, caught.exception.args[0])
                self.assertFalse(move.chorus_identifier)
        self.assertFalse(self.sim.calls.get(DEPOSIT_PATH))

    def test_same_number_of_another_supplier_structure_is_no_conflict(self):
        """The technical account serves two supplier structures: Chorus Pro's numbers
        are unique per supplier, the other structure's invoice is neither linked nor a
        conflict."""
        move = self._d93_invoice()
        other_id = self.sim.add_portal_invoice(
            SIRET_OTHER_STRUCTURE,
            move.name,
            SIRET_D93,
            move.amount_untaxed,
            move.amount_total,
            invoice_date="2026-11-02",
            service_code="132",
            engagement="EJ2026-000123",
        )
        wizard_id, context = self._open_from_list(move)
        summary, error = self._click_deposit(wizard_id, context)
        self.assertIsNone(error)
        self.assertIn("1 of 1 invoices sent", summary)
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)
        self.connector._update_flows(move.chorus_flow_id)
        self.assertEqual(move.chorus_state, "deposited")
        self.assertTrue(move.chorus_identifier)
        self.assertNotEqual(move.chorus_identifier, str(other_id))

    # ---------------------------------------------------------------- lost answer
    def test_unconfirmed_deposit_whose_number_is_taken_is_not_linked(self):
        """The deposit's answer is lost (Chorus Pro did not take it); meanwhile the number
        is deposited by hand on the portal for another invoice: the recovery does not
        link it, and after the delay the invoice is not received, the reason told."""
        move = self._d93_invoice()
        self.sim.inject_fault(DEPOSIT_PATH, "http_500")
        wizard_id, context = self._open_from_list(move)
        summary, error = self._click_deposit(wizard_id, context)
        self.assertIsNone(error)
        self.assertIn("Chorus Pro did not confirm the deposit", summary)
        flow = move.chorus_flow_id
        self.assertEqual((flow.state, move.chorus_state), ("unconfirmed", "unconfirmed"))
        portal_id = self._portal_invoice(move)

        def cron(env):
            return env["chorus.pro.connector"]._cron_update()

        _result, error = self._request(cron, {})
        self.assertIsNone(error)
        self.assertEqual(move.chorus_state, "unconfirmed", "still within the delay")
        self.assertFalse(move.chorus_identifier)
        self.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.unconfirmed_delay_minutes", "-1")
        _result, error = self._request(cron, {})
        self.assertIsNone(error)
        self.assertFalse(move.chorus_state)
        self.assertFalse(move.chorus_identifier)
        self.assertFalse(move.chorus_flow_id)
        self.assertEqual(flow.state, "failed")
        [body] = self._messages(move, "Chorus Pro never received this invoice")
        self.assertIn(f"The number {move.name} {TAKEN} (Chorus Pro id {portal_id}", body)
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)

    def test_unconfirmed_deposit_found_with_its_data_is_linked(self):
        """The same recovery, Chorus Pro having taken the deposit: linked, not sent again."""
        move = self._d93_invoice()
        self.sim.inject_fault(DEPOSIT_PATH, "process_then_drop")
        wizard_id, context = self._open_from_list(move)
        _summary, error = self._click_deposit(wizard_id, context)
        self.assertIsNone(error)
        self.assertEqual(move.chorus_state, "unconfirmed")
        self.sim.advance_flows(to_terminal=True)
        _result, error = self._request(lambda env: env["chorus.pro.connector"]._cron_update(), {})
        self.assertIsNone(error)
        self.assertEqual(move.chorus_state, "deposited")
        found = self.sim.find_invoices(numero_facture=move.name)
        self.assertEqual([str(i["identifiantFactureCPP"]) for i in found], [move.chorus_identifier])
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)


@tagged("post_install", "-at_install")
class TestNumberTakenProduction(TestNumberTaken):
    """The same tests against the simulator in production realism."""

    # Odoo runs only the test methods a class defines, unless told otherwise.
    allow_inherited_tests_method = True
    simulator_options = {**TestNumberTaken.simulator_options, "realism": "production"}
