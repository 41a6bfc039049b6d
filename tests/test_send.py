# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Odoo's Send dialog with "by Chorus Pro": the single dialog opened from the invoice's
Send button, the batch dialog opened from the list, and Odoo's sending cron that runs the
batch, each with the context the web client gives it, in request cursors. Chorus Pro is
the project's simulator over real HTTP."""

from unittest.mock import patch

from facturx import get_xml_from_pdf

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.l10n_fr_chorus_pro.models.account_move_send import AccountMoveSend

from .common import ChorusProSimulatorCommon

DEPOSIT_PATH = "/cpro/factures/v1/deposer/flux"


@tagged("post_install", "-at_install")
class TestChorusSend(ChorusProSimulatorCommon):
    # ---------------------------------------------------------------- helpers
    def _open_send(self, moves):
        """The Send button (form) or the list's Send action: the action's context."""
        action = moves.action_send_and_print()
        return action["res_model"], action["context"]

    def _send(self, moves, **values):
        """Open Send as the web client does, then click Send, in two requests."""
        model, context = self._open_send(moves)

        def open_dialog(env):
            return env[model].with_context(**context).create(values).id

        wizard_id, error = self._request(open_dialog, context=context)
        self.assertIsNone(error)

        def click(env):
            return env[model].browse(wizard_id).action_send_and_print()

        return self._request(click, context=context)

    def _on_chorus(self, move):
        self.sim.advance_flows(to_terminal=True)
        return self.sim.find_invoices(numero_facture=move.name)

    # ---------------------------------------------------------------- single Send
    def test_chorus_recipient_defaults_to_chorus_pro(self):
        move = self._d93_invoice()
        self.assertFalse(self.dept93.with_company(self.company).invoice_sending_method)
        model, context = self._open_send(move)
        self.assertEqual(model, "account.move.send.wizard")
        wizard = self.env[model].with_context(**context).create({})
        self.assertEqual(
            wizard.sending_method_checkboxes["chorus_pro"], {"checked": True, "label": "by Chorus Pro"}
        )
        self.assertFalse(wizard.sending_method_checkboxes["email"]["checked"])
        self.assertEqual(wizard.sending_methods, ["chorus_pro"])
        self.assertFalse(wizard.invoice_edi_format, "no second e-invoice beside the Factur-X")
        self.assertFalse(wizard.alerts)
        self.assertEqual(move.chorus_channel, "api")
        # A customer of a Chorus recipient set to e-mail is e-mailed (the channel stays the API).
        self.dept93.with_company(self.company).invoice_sending_method = "email"
        wizard = self.env[model].with_context(**context).create({})
        self.assertEqual(wizard.sending_methods, ["email"])

    def test_send_deposits_once_and_keeps_the_factur_x_as_the_invoice_pdf(self):
        move = self._d93_invoice()
        result, error = self._send(move)
        self.assertIsNone(error)
        self.assertEqual(result, {"type": "ir.actions.act_window_close"})
        self.assertEqual(move.chorus_state, "deposited")
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)
        found = self._on_chorus(move)
        self.assertEqual(len(found), 1)
        self.assertEqual(found[0]["numeroFluxDepot"], move.chorus_flow_id.name)
        # The invoice's PDF is the deposited Factur-X: Odoo drew no other, no loose XML.
        self.assertTrue(move.chorus_document_id)
        self.assertEqual(move.invoice_pdf_report_id.raw, move.chorus_document_id.raw)
        xml_name, xml = get_xml_from_pdf(move.invoice_pdf_report_id.raw, check_xsd=False)
        self.assertEqual(xml_name, "factur-x.xml")
        self.assertIn(move.name.encode(), xml)
        self.assertFalse(move.ubl_cii_xml_id)
        self.assertTrue(move.is_move_sent)
        # Send again: "by Chorus Pro" is no longer proposed (an e-mail copy is); forcing it
        # is refused in the dialog and nothing reaches Chorus Pro.
        model, context = self._open_send(move)
        wizard = self.env[model].with_context(**context).create({})
        self.assertNotIn("chorus_pro", wizard.sending_method_checkboxes)
        self.assertEqual(wizard.sending_methods, ["email"])
        wizard.sending_methods = ["chorus_pro"]
        alert = wizard.alerts["l10n_fr_chorus_pro_not_applicable"]
        self.assertEqual(alert["level"], "danger")
        self.assertIn("is already on Chorus Pro: it is never deposited twice", alert["message"])
        with self.assertRaisesRegex(UserError, "never deposited twice"):
            wizard.action_send_and_print()
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)

    def _posted_with_missing_mentions(self):
        """Posted by a company that only warns about missing mentions at posting."""
        self.company.chorus_post_check = "warn"
        return self._d93_invoice(purchase_order_reference=False, chorus_service_id=False)

    def test_send_shows_the_checklist_and_deposits_nothing(self):
        move = self._posted_with_missing_mentions()
        model, context = self._open_send(move)
        wizard = self.env[model].with_context(**context).create({})
        alert = wizard.alerts["l10n_fr_chorus_pro_checklist"]
        self.assertEqual(alert["level"], "danger")
        self.assertIn("Not ready for Chorus Pro:", alert["message"])
        self.assertIn("service", alert["message"].lower())
        # The way out: the deposit wizard on this invoice, its checklist listing the fixes.
        action = alert["action"]
        self.assertEqual(action["res_model"], "chorus.pro.deposit.wizard")
        deposit = self.env[action["res_model"]].with_context(**action["context"]).create({})
        self.assertEqual(deposit.move_ids, move)
        self.assertFalse(deposit.all_ok)
        result, error = self._send(move)
        self.assertIsInstance(error, UserError)
        self.assertIn("Not ready for Chorus Pro", str(error))
        self.assertFalse(move.chorus_state)
        self.assertFalse(self.sim.calls.get(DEPOSIT_PATH))

    def test_send_with_an_email_copy_attaches_the_deposited_factur_x(self):
        self.dept93.email = "factures@seinesaintdenis.fr"
        move = self._d93_invoice()
        model, context = self._open_send(move)
        wizard = self.env[model].with_context(**context).create({})
        wizard.sending_methods = ["chorus_pro", "email"]
        self.assertEqual(wizard.mail_partner_ids, self.dept93)
        wizard.action_send_and_print()
        self.assertEqual(move.chorus_state, "deposited")
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)
        mail = move.message_ids.filtered(
            lambda m: m.message_type == "comment" and m.partner_ids == self.dept93
        )
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.attachment_ids.mapped("raw"), [move.chorus_document_id.raw])

    def test_send_failing_after_the_deposit_keeps_it(self):
        """The Send request fails after Chorus Pro received the invoice: the deposit and its
        flow survive the rollback, and sending again never deposits it twice."""
        move = self._d93_invoice()

        def crash(send, invoice):
            raise RuntimeError("worker killed after the deposit")

        with patch.object(AccountMoveSend, "_chorus_link_deposited_pdf", crash):
            _result, error = self._send(move)
        self.assertIsInstance(error, RuntimeError)
        self.assertEqual(move.chorus_state, "deposited")
        self.assertTrue(move.chorus_flow_id)
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)
        _result, error = self._send(move)
        self.assertIsNone(error)
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)
        self.assertEqual(len(self._on_chorus(move)), 1)

    # ---------------------------------------------------------------- batch Send
    def test_batch_send_runs_in_one_background_job(self):
        """Send from the list on invoices going to Chorus Pro: one background deposit job
        (not ten runs of Odoo's sending cron), whose cron sends them through the Send's
        steps; the invoices of other sending methods stay with Odoo's sending cron."""
        good = self._d93_invoice() | self._d93_invoice() | self._d93_invoice()
        bad = self._posted_with_missing_mentions()
        private = self.env["res.partner"].create({"name": "Mme Durand", "email": "durand@example.com"})
        mailed = self._chorus_invoice(partner=private, post=True)
        model, context = self._open_send(good | bad | mailed)
        self.assertEqual(model, "account.move.send.batch.wizard")
        wizard = self.env[model].with_context(**context).create({})
        self.assertEqual(wizard.summary_data["chorus_pro"]["count"], 4)
        self.assertEqual(wizard.summary_data["email"]["count"], 1)
        self.env["ir.module.module"]._load_module_terms(["l10n_fr_chorus_pro"], ["fr_FR"])
        french = self.env[model].with_context(lang="fr_FR", **context).create({})
        self.assertEqual(french.summary_data["chorus_pro"]["label"], "par Chorus Pro")
        alert = wizard.alerts["l10n_fr_chorus_pro_checklist"]
        self.assertEqual(alert["level"], "warning", "a batch sends the others")
        self.assertIn(bad.display_name, alert["message"])
        self.assertEqual(alert["action"]["context"]["active_ids"], bad.ids)
        jobs = self.env["chorus.pro.deposit.job"]
        jobs_before = jobs.search([])
        result, error = self._send(good | bad | mailed)
        self.assertIsNone(error)
        self.assertEqual(result["params"]["next"], {"type": "ir.actions.act_window_close"})
        self.assertFalse(self.sim.calls.get(DEPOSIT_PATH), "sent in the background, not in the request")
        job = jobs.search([]) - jobs_before
        self.assertEqual(len(job), 1, "one background job for the selection")
        self.assertTrue(job.sending)
        self.assertEqual((job.state, job.move_ids, job.user_id), ("queued", good | bad, self.env.user))
        self.assertFalse(any((good | bad).mapped("sending_data")), "not for Odoo's sending cron")
        self.assertTrue(mailed.sending_data, "the e-mailed invoice goes to Odoo's sending cron")
        # The job's cron: one flow for the chunk, each invoice sent as Send sends it.
        _result, error = self._request(lambda env: env["chorus.pro.deposit.job"]._cron_process_jobs())
        self.assertIsNone(error)
        self.assertEqual(job.state, "done")
        self.assertEqual(set(good.mapped("chorus_state")), {"deposited"})
        self.assertEqual(len(good.chorus_flow_id), 1, "one flow for the chunk")
        self.assertEqual(job.flow_ids, good.chorus_flow_id)
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)
        for move in good:
            self.assertTrue(move.is_move_sent)
            self.assertEqual(move.invoice_pdf_report_id.raw, move.chorus_document_id.raw)
        self.assertFalse(bad.chorus_state)
        self.assertFalse(bad.is_move_sent)
        self.assertIn("was not deposited on Chorus Pro", bad.message_ids[0].body)
        self.assertIn("3 of 4 invoices sent to Chorus Pro.", job.summary)
        self.assertIn(bad.name, job.summary)
        self.assertFalse(mailed.chorus_state)
        # The job's cron and Odoo's sending cron again: nothing is sent twice.
        self._request(lambda env: env["chorus.pro.deposit.job"]._cron_process_jobs())
        self._request(lambda env: env["account.move"]._cron_account_move_send())
        self.assertFalse(mailed.sending_data)
        self.assertFalse(mailed.chorus_state)
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)
        for move in good:
            self.assertEqual(len(self._on_chorus(move)), 1)

    def test_send_and_deposit_button_share_one_path(self):
        """Deposited with the button, Send proposes only what is left (an e-mail copy) and
        never deposits it again; deposited by Send, the connector refuses it."""
        by_button, by_send = self._d93_invoice(), self._d93_invoice()
        wizard = self.env["chorus.pro.deposit.wizard"].create({"move_ids": [Command.set(by_button.ids)]})
        wizard.action_deposit()
        self.assertEqual(by_button.chorus_state, "deposited")
        model, context = self._open_send(by_button)
        dialog = self.env[model].with_context(**context).create({})
        self.assertNotIn("chorus_pro", dialog.sending_method_checkboxes)
        self.dept93.email = "factures@seinesaintdenis.fr"
        dialog.sending_methods = ["email"]
        dialog.action_send_and_print()
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)
        # The e-mail copy attaches what Chorus Pro received.
        self.assertEqual(
            by_button.message_ids[0].attachment_ids.mapped("raw"), [by_button.chorus_document_id.raw]
        )
        self._send(by_send)
        self.assertEqual(by_send.chorus_state, "deposited")
        with self.assertRaisesRegex(UserError, "never sent twice"):
            self.connector._deposit(by_send)
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 2)

    # ---------------------------------------------------------------- one channel
    def test_approved_platform_channel_is_exclusive(self):
        self._peppol_method()
        partner = self.dept93.with_company(self.company)
        partner.invoice_sending_method = "peppol"
        self.assertEqual(partner.chorus_channel, "platform")
        move = self._d93_invoice()
        self.assertEqual(move.chorus_channel, "platform")
        send = self.env["account.move.send"]
        self.assertFalse(send._is_applicable_to_move("chorus_pro", move))
        # The deposit wizard, the connector and Send all refuse it.
        item = self.env["chorus.pro.checklist"]._check(move, with_facturx=False)[0]
        self.assertEqual(item["code"], "channel")
        self.assertFalse(item["ok"])
        self.assertIn("approved platform", item["message"])
        with self.assertRaisesRegex(UserError, "approved platform"):
            self.connector._deposit(move)
        model, context = self._open_send(move)
        wizard = self.env[model].with_context(**context).create({})
        self.assertNotIn("chorus_pro", wizard.sending_methods or [])
        wizard.sending_methods = ["chorus_pro"]
        self.assertIn("approved platform", wizard.alerts["l10n_fr_chorus_pro_not_applicable"]["message"])
        wizard.sending_methods = ["chorus_pro", "peppol"]
        self.assertEqual(wizard.alerts["l10n_fr_chorus_pro_two_channels"]["level"], "danger")
        self.assertFalse(self.sim.calls.get(DEPOSIT_PATH))

        # Back to the API: the platform skips the recipient's invoices, with a warning.
        partner.invoice_sending_method = "chorus_pro"
        move.invalidate_recordset(["chorus_channel"])
        self.assertEqual(move.chorus_channel, "api")
        self.assertFalse(send._is_applicable_to_move("peppol", move))
        wizard = self.env[model].with_context(**context).create({})
        wizard.sending_methods = ["peppol"]
        self.assertIn(
            "never sent through the approved platform",
            wizard.alerts["l10n_fr_chorus_pro_platform_skipped"]["message"],
        )
        # Once deposited, the invoice stays on the API channel whatever the customer's
        # setting becomes.
        self._send(move)
        self.assertEqual(move.chorus_state, "deposited")
        partner.invoice_sending_method = "peppol"
        move.invalidate_recordset(["chorus_channel"])
        self.assertEqual(move.chorus_channel, "api")
        self.assertFalse(send._is_applicable_to_move("peppol", move))

    # ---------------------------------------------------------------- browser, in French
    def test_send_tour(self):
        """Send an invoice to the Département by Chorus Pro from its form, in French."""
        user = self._french_user("chorus_send_fr")
        move = self._d93_invoice()
        self.start_tour(
            f"/odoo/account.move/{move.id}", "chorus_pro_send_tour", login=user.login, timeout=120
        )
        self.assertEqual(move.chorus_state, "deposited")
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)
        self.assertEqual(len(self._on_chorus(move)), 1)
        self.assertEqual(move.invoice_pdf_report_id.raw, move.chorus_document_id.raw)

    def test_send_checklist_tour(self):
        """A missing engagement number is shown in the Send dialog, in French, and the
        deposit checklist opens from it; nothing is deposited."""
        user = self._french_user("chorus_send_fr")
        move = self._posted_with_missing_mentions()
        self.start_tour(
            f"/odoo/account.move/{move.id}", "chorus_pro_send_checklist_tour", login=user.login, timeout=120
        )
        self.assertFalse(move.chorus_state)
        self.assertFalse(self.sim.calls.get(DEPOSIT_PATH))
