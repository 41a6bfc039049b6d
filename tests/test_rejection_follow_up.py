# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What follows a rejection on Chorus Pro, as new users met it:

* the activity goes to the company's Chorus Pro responsible when one is set, else to the
  user who deposited the invoice — whatever deposited it: the deposit wizard, a batch
  Send run in the background, a background deposit —, else to its salesperson;
* the journal card's *Chorus Pro: to fix* and the invoice list's filter (one rule) no
  longer count a rejected invoice once it was handled (re-issued, cancelled);
* an invoice closed that way (and its credit note) offers no Reset to Draft, says why,
  and Send no longer proposes "by Chorus Pro" for an invoice Chorus Pro has or had.

Chorus Pro is the project's simulator over real HTTP; the entry points are called with the
context the web client gives them; the crons run as their own user (OdooBot)."""

from datetime import timedelta

from lxml import etree

from odoo import SUPERUSER_ID, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common import ChorusProSimulatorCommon

# The context of the customer invoices action, which the form's buttons run with.
INVOICE_ACTION_CONTEXT = {"default_move_type": "out_invoice", "search_default_out_invoice": 1}
REASON = "Numéro d'engagement inconnu"
ACTIVITY = "Fix and send again to Chorus Pro"


@tagged("post_install", "-at_install")
class TestRejectionFollowUp(ChorusProSimulatorCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.journal = cls.company_data["default_journal_sale"]
        cls.depositor, cls.responsible = (
            cls._company_user(login, "account.group_account_invoice,base.group_partner_manager", name=name)
            for login, name in (
                ("chorus_depositor", "Dana Depositor"),
                ("chorus_responsible", "Rémi Responsible"),
            )
        )

    # ---------------------------------------------------------------- helpers
    def _deposit_as(self, user, moves):
        """*Deposit to Chorus Pro* on the invoice form, then Deposit in its wizard, by ``user``."""
        action = moves.with_user(user).with_context(**INVOICE_ACTION_CONTEXT).action_chorus_deposit()
        wizard = self.env[action["res_model"]].with_user(user).browse(action["res_id"])
        wizard.action_deposit()
        return wizard

    def _tracking_cron(self):
        """The hourly tracking cron, as its user (OdooBot) runs it."""
        self.connector.with_user(SUPERUSER_ID)._cron_update()

    def _reject(self, move):
        """The recipient rejects ``move`` on Chorus Pro; the tracking cron reads it."""
        self.sim.set_invoice_status(int(move.chorus_identifier), "REJETEE", comment=REASON)
        self._tracking_cron()
        self.assertEqual((move.chorus_state, move.chorus_status), ("to_fix", "REJETEE"))

    def _refused_flow_deposit(self, user):
        """An invoice without its engagement number, posted (the company only warns) and
        deposited by ``user``: Chorus Pro refuses its flow."""
        self.company.chorus_post_check = "warn"
        move = self._d93_invoice(purchase_order_reference=False)
        self.connector.with_user(user)._deposit(move)
        self._tracking_cron()
        self.assertEqual((move.chorus_state, move.chorus_status), ("to_fix", False))
        return move

    def _flow_needing_attention(self, user):
        """A flow deposited by ``user`` whose status the module does not know, polled past
        the allowed time (production realism, where Chorus Pro may answer such codes)."""
        self.sim.configure(realism="production")
        self.addCleanup(self.sim.configure, realism=self.simulator_options.get("realism", "strict"))
        move = self._d93_invoice()
        self._deposit_as(user, move)
        flow = move.chorus_flow_id
        self.sim.set_flow_status(flow.name, "IN_STATUT_FUTUR")
        self._tracking_cron()
        flow.waiting_since = fields.Datetime.now() - timedelta(hours=49)
        self._tracking_cron()
        self.assertEqual(flow.state, "attention")
        return flow

    def _send_wizard(self, move):
        """Odoo's Send dialog on the invoice form, as its button opens it."""
        action = move.action_send_and_print()
        return self.env[action["res_model"]].with_context(**action["context"]).create({})

    def _on_the_card(self, name):
        """The sales journal card's count (``chorus_to_deposit``, ``chorus_to_fix``) and
        the invoices the list's filter of the same name shows (its domain, as the search
        view gives it)."""
        count = self.journal._get_journal_dashboard_data_batched()[self.journal.id][name]
        arch = self.env["account.move"].get_view(
            self.env.ref("account.view_account_invoice_filter").id, "search"
        )["arch"]
        node = etree.fromstring(arch).xpath(f"//filter[@name='{name}']")[0]
        listed = self.env["account.move"].search(
            [("journal_id", "=", self.journal.id), *safe_eval(node.get("domain"))]
        )
        self.assertEqual(len(listed), count, f"the card and the list's filter agree on {name}")
        return listed

    def _reissue(self, move):
        """*Correct and re-issue* on the form, its wizard confirmed: the new draft."""
        action = move.with_context(**INVOICE_ACTION_CONTEXT).action_chorus_reissue()
        with Form(self.env[action["res_model"]].with_context(**action["context"])) as form:
            form.purchase_order_reference = "EJ2026-000456"
        result = form.record.action_reissue()
        return self.env["account.move"].browse(result["res_id"])

    # ---------------------------------------------------------------- whose activity
    def test_rejection_activity_goes_to_who_deposited(self):
        move = self._d93_invoice()
        self.assertNotEqual(move.invoice_user_id, self.depositor)
        wizard = self._deposit_as(self.depositor, move)
        self.assertIn("a rejection creates an activity for you.", wizard.summary)
        self.assertEqual(move.chorus_flow_id.user_id, self.depositor)
        self._tracking_cron()
        self._reject(move)
        self.assertEqual(move.chorus_activity_id.summary, ACTIVITY)
        self.assertEqual(move.chorus_activity_id.user_id, self.depositor)
        # A flow Chorus Pro refused, and one that needs attention.
        refused = self._refused_flow_deposit(self.depositor)
        self.assertEqual(refused.chorus_flow_id.user_id, self.depositor)
        self.assertEqual(refused.chorus_activity_id.user_id, self.depositor)
        self.assertEqual(self._flow_needing_attention(self.depositor).activity_ids.user_id, self.depositor)
        # Someone who left the company: the invoice's salesperson.
        other = self._d93_invoice()
        self._deposit_as(self.depositor, other)
        self._tracking_cron()
        self.depositor.active = False
        self._reject(other)
        self.assertEqual(other.chorus_activity_id.user_id, other.invoice_user_id)

    def test_batch_send_run_in_the_background_keeps_its_author(self):
        moves = self._d93_invoice() | self._d93_invoice()
        action = moves.with_user(self.depositor).action_send_and_print()

        def click_send(env):
            wizard = env[action["res_model"]].with_context(**action["context"]).create({})
            return wizard.action_send_and_print()

        _result, error = self._request(
            lambda env: click_send(env(user=self.depositor.id)), context=action["context"]
        )
        self.assertIsNone(error)
        # A batch Send to Chorus Pro is one background deposit job, run by its cron as root.
        _result, error = self._request(
            lambda env: env(user=SUPERUSER_ID)["chorus.pro.deposit.job"]._cron_process_jobs()
        )
        self.assertIsNone(error)
        self.assertEqual(set(moves.mapped("chorus_state")), {"deposited"})
        self.assertEqual(moves.chorus_flow_id.user_id, self.depositor)
        self._tracking_cron()
        self._reject(moves[0])
        self.assertEqual(moves[0].chorus_activity_id.user_id, self.depositor)

    def test_background_deposit_keeps_who_asked(self):
        moves = self._d93_invoice() | self._d93_invoice()
        job = self.env["chorus.pro.deposit.job"].with_user(self.depositor)._create_for(moves)
        _result, error = self._request(
            lambda env: env(user=SUPERUSER_ID)[job._name].browse(job.id)._process_next_chunk()
        )
        self.assertIsNone(error)
        self.assertEqual(job.state, "done")
        self.assertEqual(moves.chorus_flow_id.user_id, self.depositor)
        self._tracking_cron()
        self._reject(moves[1])
        self.assertEqual(moves[1].chorus_activity_id.user_id, self.depositor)

    def test_company_responsible_takes_the_activities(self):
        settings = Form(self.env["res.config.settings"].with_company(self.company))
        settings.chorus_responsible_id = self.responsible
        settings.save().execute()
        self.assertEqual(self.company.chorus_responsible_id, self.responsible)
        move = self._d93_invoice()
        wizard = self._deposit_as(self.depositor, move)
        self.assertIn(
            "a rejection creates an activity for Rémi Responsible, the company's Chorus Pro responsible.",
            wizard.summary,
        )
        self._tracking_cron()
        self._reject(move)
        self.assertEqual(move.chorus_activity_id.user_id, self.responsible)
        self.assertEqual(
            self._refused_flow_deposit(self.depositor).chorus_activity_id.user_id, self.responsible
        )
        self.assertEqual(self._flow_needing_attention(self.depositor).activity_ids.user_id, self.responsible)
        # Only someone who can open the company's invoices.
        outsider = self._company_user("chorus_outsider", "base.group_user")
        with self.assertRaisesRegex(
            ValidationError, "cannot be the Chorus Pro responsible.*invoicing rights"
        ):
            self.company.chorus_responsible_id = outsider

    # ---------------------------------------------------------------- to fix, once handled
    def test_to_fix_on_the_card_and_in_the_list_until_handled(self):
        none = self.env["account.move"]
        others = self._on_the_card("chorus_to_deposit")  # the class's rendering invoice, if any
        move = self._d93_invoice()
        self.assertEqual(self._on_the_card("chorus_to_deposit") - others, move)
        self._deposit_as(self.depositor, move)
        self._tracking_cron()
        self.assertEqual(
            (self._on_the_card("chorus_to_deposit") - others, self._on_the_card("chorus_to_fix")),
            (none, none),
        )
        self._reject(move)
        self.assertEqual(self._on_the_card("chorus_to_fix"), move)
        self.assertTrue(move.chorus_to_fix)
        new = self._reissue(move)
        self.assertEqual(move.payment_state, "reversed")
        self.assertFalse(move.chorus_to_fix)
        # Neither the rejected invoice nor its credit note (never deposited) is counted.
        self.assertEqual(
            (self._on_the_card("chorus_to_deposit") - others, self._on_the_card("chorus_to_fix")),
            (none, none),
        )
        new.action_post()
        self.assertEqual(self._on_the_card("chorus_to_deposit") - others, new)
        self._deposit_as(self.depositor, new)
        self.assertEqual(
            (self._on_the_card("chorus_to_deposit") - others, self._on_the_card("chorus_to_fix")),
            (none, none),
        )
        # A flow Chorus Pro refused is to fix, also reset to draft to be corrected; cancelled,
        # it no longer is.
        refused = self._refused_flow_deposit(self.depositor)
        self.assertEqual(self._on_the_card("chorus_to_fix"), refused)
        refused.with_context(**INVOICE_ACTION_CONTEXT).button_draft()
        self.assertEqual(self._on_the_card("chorus_to_fix"), refused)
        refused.with_context(**INVOICE_ACTION_CONTEXT).button_cancel()
        self.assertEqual(self._on_the_card("chorus_to_fix"), none)

    # ---------------------------------------------------------------- closed invoices
    def test_closed_invoice_offers_neither_reset_to_draft_nor_chorus_pro(self):
        form_arch = etree.fromstring(
            self.env["account.move"].get_view(self.env.ref("account.view_move_form").id, "form")["arch"]
        )
        reset = form_arch.xpath("//button[@name='button_draft']")[0]
        self.assertIn("show_reset_to_draft_button", reset.get("invisible"))
        move = self._d93_invoice()
        self._deposit_as(self.depositor, move)
        self._tracking_cron()
        # Deposited: Send proposes an e-mail copy, not "by Chorus Pro".
        wizard = self._send_wizard(move)
        self.assertNotIn("chorus_pro", wizard.sending_method_checkboxes)
        self.assertTrue(wizard.sending_method_checkboxes["email"]["checked"])
        self.assertEqual(wizard.sending_methods, ["email"])
        # Also for a customer whose Invoice sending says "by Chorus Pro".
        self.dept93.with_company(self.company).invoice_sending_method = "chorus_pro"
        self.assertEqual(self._send_wizard(move).sending_methods, ["email"])
        self._reject(move)
        self.assertTrue(move.show_reset_to_draft_button, "rejected: it may still be corrected")
        self.assertNotIn("chorus_pro", self._send_wizard(move).sending_method_checkboxes)

        new = self._reissue(move)
        credit_note = move.reversal_move_ids
        self.assertFalse(move.show_reset_to_draft_button)
        self.assertFalse(credit_note.show_reset_to_draft_button)
        self.assertIn(
            f"Closed: credit note {credit_note.name} cancels it in your books, so it is "
            "never reset to draft nor deposited again.",
            move.chorus_banner,
        )
        self.assertIn(
            f"It is never reset to draft: that would reopen {move.name} in your books.",
            credit_note.chorus_banner,
        )
        with self.assertRaisesRegex(UserError, f"{move.name} cannot be reset to draft. Closed: credit note"):
            move.with_context(**INVOICE_ACTION_CONTEXT).button_draft()
        with self.assertRaisesRegex(UserError, "cannot be reset to draft. It is never reset to draft"):
            credit_note.with_context(**INVOICE_ACTION_CONTEXT).button_draft()
        self.assertEqual(
            (move.state, credit_note.state, move.payment_state), ("posted", "posted", "reversed")
        )
        for closed in (move, credit_note):
            wizard = self._send_wizard(closed)
            self.assertNotIn("chorus_pro", wizard.sending_method_checkboxes)
            self.assertEqual(wizard.sending_methods, ["email"])
        # The new invoice goes by Chorus Pro.
        new.action_post()
        wizard = self._send_wizard(new)
        self.assertTrue(wizard.sending_method_checkboxes["chorus_pro"]["checked"])
        self.assertEqual(wizard.sending_methods, ["chorus_pro"])
        # An invoice whose flow Chorus Pro refused goes again: still proposed and ticked.
        refused = self._refused_flow_deposit(self.depositor)
        self.assertEqual(self._send_wizard(refused).sending_methods, ["chorus_pro"])
