# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The interest invoice of a late invoice (docs/payment-delay.md): created from the invoice's
button or the list's action, one line of moratorium interest and one of the 40 € indemnity
outside the scope of VAT, the claim letter attached and deposited with it on the simulator
over HTTP (read back on the simulator's side, in French); then the interest received, read
from the interest invoice's payments (Register Payment from the list, a bank statement line
reconciled) or marked by hand, and the 45-day follow-up activity closed once received.

Known case (tests/test_payment_delay.py): deposited 3 March 2025, suspended 12 days, payment
ordered 2 May 2025, 18 days late at 11.15 % (ECB 3.15 % on 1 January 2025 + 8): interest
285.00 x 11.15 % x 18 / 365 = 1.57, indemnity 40.00, 41.57 in all."""

import datetime
import io
from unittest.mock import patch

from pypdf import PdfReader

from odoo.exceptions import UserError
from odoo.tests import tagged

from . import test_payment_delay as base
from .common import ChorusProSimulatorCommon

D = datetime.date


@tagged("post_install", "-at_install")
class TestPaymentDelayInterest(ChorusProSimulatorCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.list_action = cls.env.ref("l10n_fr_chorus_pro.action_chorus_pro_update_from_list")
        cls.invoices_action = cls.env.ref("account.action_move_out_invoice_type")
        cls.activity_type = cls.env.ref("l10n_fr_chorus_pro.mail_activity_type_late_interest")

    _on = base.TestPaymentDelay._on
    _deposited_on = base.TestPaymentDelay._deposited_on
    _status = base.TestPaymentDelay._status
    _paid_late_with_suspension = base.TestPaymentDelay._paid_late_with_suspension
    _pdf_text = base.TestPaymentDelay._pdf_text

    def _interest_invoice(self, moves, from_list=False):
        """Create interest invoice: the form's button, or the list's action on a selection."""
        if from_list:
            action = self.env.ref("l10n_fr_chorus_pro.action_chorus_interest_invoice_from_list")
            context = self._invoice_list_selection_context(moves)
            result = action.with_user(self.invoicing_user).with_context(**context).run()
        else:
            result = moves.with_user(self.invoicing_user).action_chorus_interest_invoice()
        self.assertEqual((result["res_model"], result["view_mode"]), ("account.move", "form"))
        return self.env["account.move"].browse(result["res_id"])

    def _deposit_from_form(self, move):
        """Deposit to Chorus Pro on the invoice's form, then the wizard's Deposit."""
        action = move.with_user(self.invoicing_user).action_chorus_deposit()
        wizard = self.env[action["res_model"]].with_user(self.invoicing_user).browse(action["res_id"])
        wizard.action_deposit()
        self.assertEqual(move.chorus_state, "deposited", wizard.summary)

    def _open_activities(self):
        return self.env["mail.activity"].search([("activity_type_id", "=", self.activity_type.id)])

    # ---------------------------------------------------------------- the interest invoice
    def test_interest_invoice_with_the_letter_deposited(self):
        late = self._paid_late_with_suspension()
        self.assertTrue(late.chorus_interest_can_invoice)
        interest = self._interest_invoice(late)
        self.assertEqual(late.chorus_interest_move_id, interest)
        self.assertEqual(interest.chorus_interest_late_move_ids, late)
        self.assertFalse(late.chorus_interest_can_invoice)
        # same public body, service, engagement number; the amounts computed, outside VAT
        self.assertEqual((interest.move_type, interest.state), ("out_invoice", "draft"))
        self.assertEqual(interest.commercial_partner_id, self.dept93)
        self.assertEqual(interest.chorus_service_id, self.service_132)
        self.assertEqual(interest.purchase_order_reference, "EJ2026-000123")
        lines = interest.invoice_line_ids
        self.assertEqual(lines.mapped("price_unit"), [1.57, 40.0])
        self.assertIn(late.name, lines[0].name)
        self.assertIn(late.name, lines[1].name)
        self.assertEqual((interest.amount_tax, interest.amount_total), (0.0, 41.57))
        self.assertEqual(late.chorus_interest_claimed, 41.57)
        tax = lines.tax_ids
        self.assertEqual(len(tax), 1)
        self.assertEqual((tax.amount, tax.ubl_cii_tax_category_code), (0.0, "O"))
        self.assertEqual(tax.ubl_cii_tax_exemption_reason_code, "VATEX-EU-O")
        self.assertEqual(lines.account_id.mapped("code"), ["763100", "758000"])
        # the claim letter, the supporting document for Chorus Pro
        letter = interest.chorus_attachment_ids
        self.assertEqual(len(letter), 1)
        self.assertLessEqual(len(letter.name), 50)
        self.assertTrue(letter.raw.startswith(b"%PDF"))

        # never twice
        with self.assertRaisesRegex(UserError, "already invoiced"):
            late.with_user(self.invoicing_user).action_chorus_interest_invoice()

        # deposited as any invoice: the form's button, the wizard
        self._deposit_from_form(interest)
        self.connector._update_flows(interest.chorus_flow_id)
        [sim_invoice] = self.sim.find_invoices(numero_facture=interest.name)
        self.assertEqual(float(sim_invoice["montantTTC"]), 41.57)
        # deposited, the interest invoice is not followed for a payment delay of its own
        self.assertFalse(interest.chorus_delay_due_date)
        embedded = self._flow_attachments(interest)
        self.assertIn(letter.name, embedded)
        text = self._pdf_text(embedded[letter.name][0])
        for expected in (
            "intérêts moratoires",
            late.name,
            "18 jours",
            "11,15 %",
            "1,57",
            "41,57",
            "R2192-31",
        ):
            self.assertIn(expected, text)
        # The invoice's page says outside the scope of VAT (category O), not exempt.
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("l10n_fr_chorus_pro.action_report_chorus_invoice", interest.ids)[0]
            .decode()
        )
        self.assertRegex(html, r"(Outside the scope of VAT|Hors champ de la TVA) \(VATEX-EU-O\)")
        self.assertRegex(html, r">\s*(out of scope|hors champ)\s*<")
        self.assertNotRegex(html, r"(Exempt|Exonérée) \(VATEX-EU-O\)")

    def _flow_pdf(self, move):
        """The Factur-X Chorus Pro received for ``move`` (its flow)."""
        [flow] = [
            flow
            for flow in self.sim.t["flow"].values()
            if flow["numeroFluxDepot"] == move.chorus_flow_id.name
        ]
        return self.sim.blobs[flow["blob"]]

    def _flow_attachments(self, move):
        """The files embedded in the Factur-X Chorus Pro received for ``move`` (its flow)."""
        return PdfReader(io.BytesIO(self._flow_pdf(move))).attachments

    def test_interest_invoice_confirmed_then_sent(self):
        """Confirm, then Send (by Chorus Pro, the recipient's default): the same deposit,
        with the letter."""
        late = self._paid_late_with_suspension()
        interest = self._interest_invoice(late)
        interest.with_user(self.invoicing_user).action_post()
        action = interest.with_user(self.invoicing_user).action_send_and_print()
        model, context = action["res_model"], action["context"]

        def open_dialog(env):
            wizard = env[model].with_context(**context).create({})
            self.assertIn("chorus_pro", wizard.sending_methods)
            return wizard.id

        wizard_id, error = self._request(open_dialog, context=context)
        self.assertIsNone(error)
        _result, error = self._request(
            lambda env: env[model].browse(wizard_id).action_send_and_print(), context=context
        )
        self.assertIsNone(error)
        self.assertEqual(interest.chorus_state, "deposited")
        letter = interest.chorus_attachment_ids
        embedded = self._flow_attachments(interest)
        self.assertIn(letter.name, embedded)
        self.assertIn("intérêts moratoires", self._pdf_text(embedded[letter.name][0]))

    def test_interest_invoice_from_the_list_for_several_late_invoices(self):
        first = self._paid_late_with_suspension()
        second = self._deposited_on(D(2025, 6, 2))
        self._status(second, "MISE_EN_PAIEMENT", D(2025, 8, 1))  # 30 days at 10.15 %: 2.38
        on_time = self._deposited_on(D(2025, 3, 3))
        self._status(on_time, "MISE_EN_PAIEMENT", D(2025, 3, 20))
        with self.assertRaisesRegex(UserError, "was not paid late"):
            self._interest_invoice(first | on_time, from_list=True)
        unpaid = self._deposited_on(D(2025, 3, 3))  # late as of today, not paid yet
        self.assertTrue(unpaid.chorus_delay_late)
        self.assertFalse(unpaid.chorus_interest_can_invoice)
        with self.assertRaisesRegex(UserError, "is not paid yet"):
            self._interest_invoice(first | unpaid, from_list=True)
        self.assertFalse(first.chorus_interest_move_id)
        interest = self._interest_invoice(first | second, from_list=True)
        self.assertEqual(interest.chorus_interest_late_move_ids, first | second)
        self.assertEqual(interest.invoice_line_ids.mapped("price_unit"), [1.57, 40.0, 2.38, 40.0])
        self.assertEqual(interest.amount_total, 83.95)
        self.assertEqual(len(interest.chorus_attachment_ids), 1)
        text = self._pdf_text(interest.chorus_attachment_ids.raw)
        self.assertIn(first.name, text)
        self.assertIn(second.name, text)
        # cancelled, a new one can be made; never while the first one stands
        with self.assertRaisesRegex(UserError, "already invoiced"):
            self._interest_invoice(second, from_list=True)
        interest.button_cancel()
        self.assertTrue(second.chorus_interest_can_invoice)
        again = self._interest_invoice(second)
        self.assertEqual(again.invoice_line_ids.mapped("price_unit"), [2.38, 40.0])

    # ---------------------------------------------------------------- interest received
    def test_received_by_payment_then_bank_statement_line(self):
        late = self._paid_late_with_suspension()
        # 45 days after the payment, the activity
        self.env.ref("l10n_fr_chorus_pro.ir_cron_chorus_payment_delay").method_direct_trigger()
        self.assertEqual(len(self._open_activities()), 1)
        interest = self._interest_invoice(late)
        self._deposit_from_form(interest)
        self.assertEqual((late.chorus_interest_received_amount, late.chorus_interest_remaining), (0.0, 41.57))
        # a partial payment, registered from the invoice list: the rest still owed
        wizard = (
            self.env["account.payment.register"]
            .with_user(self.invoicing_user)
            .with_context(**self._invoice_list_selection_context(interest))
            .create({"amount": 20.0, "payment_date": "2026-11-20"})
        )
        wizard.action_create_payments()
        self.assertEqual(interest.amount_residual, 21.57)
        self.assertEqual(late.chorus_interest_received_amount, 20.0)
        self.assertEqual(late.chorus_interest_received_date, D(2026, 11, 20))
        self.assertEqual(late.chorus_interest_remaining, 21.57)
        self.assertFalse(late.chorus_interest_settled)
        self.assertEqual(len(self._open_activities()), 1)
        # the rest arrives on the bank statement, reconciled with the interest invoice
        bank = self.company_data["default_journal_bank"]
        st_line = self.env["account.bank.statement.line"].create(
            {
                "journal_id": bank.id,
                "date": "2026-11-27",
                "payment_ref": f"DEPARTEMENT 93 INTERETS MORATOIRES {late.name}",
                "partner_id": self.dept93.id,
                "amount": 21.57,
                "counterpart_account_id": interest.line_ids.filtered(
                    lambda line: line.account_type == "asset_receivable"
                ).account_id.id,
            }
        )
        credit = st_line.move_id.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        interest.with_user(self.invoicing_user).js_assign_outstanding_line(credit.id)
        self.assertTrue(st_line.is_reconciled)
        self.assertEqual(interest.amount_residual, 0.0)
        self.assertEqual(late.chorus_interest_received_amount, 41.57)
        self.assertEqual(late.chorus_interest_received_date, D(2026, 11, 27))
        self.assertEqual(late.chorus_interest_remaining, 0.0)
        self.assertTrue(late.chorus_interest_settled)
        # the activity is done, and none comes back
        self.assertFalse(self._open_activities())
        self.env.ref("l10n_fr_chorus_pro.ir_cron_chorus_payment_delay").method_direct_trigger()
        self.assertFalse(self._open_activities())
        # the journal card no longer counts it
        card = late.journal_id._get_journal_dashboard_data_batched()[late.journal_id.id]
        self.assertEqual(card["chorus_late_count"], 0)

    def test_received_by_hand(self):
        late = self._paid_late_with_suspension()
        self.env.ref("l10n_fr_chorus_pro.ir_cron_chorus_payment_delay").method_direct_trigger()
        self.assertEqual(len(self._open_activities()), 1)
        late.with_user(self.invoicing_user).action_chorus_interest_received()
        self.assertTrue(late.chorus_interest_settled)
        self.assertEqual(late.chorus_interest_received_amount, 41.57)
        self.assertEqual(late.chorus_interest_received_date, datetime.date.today())
        self.assertEqual(late.chorus_interest_remaining, 0.0)
        self.assertFalse(self._open_activities())
        self.assertFalse(late.chorus_interest_can_invoice)
        with self.assertRaisesRegex(UserError, "already received"):
            late.with_user(self.invoicing_user).action_chorus_interest_invoice()
        self.assertFalse(late.chorus_interest_move_id)

    def test_payment_delay_tab_shows_what_was_received(self):
        late = self._paid_late_with_suspension()
        interest = self._interest_invoice(late)
        arch = late.get_view(self.env.ref("account.view_move_form").id, "form")["arch"]
        for name in (
            "action_chorus_interest_invoice",
            "chorus_interest_move_id",
            "chorus_interest_received_amount",
            "chorus_interest_received_date",
            "chorus_interest_remaining",
            "chorus_interest_late_move_ids",
        ):
            self.assertIn(f'name="{name}"', arch)
        self.assertEqual(interest.chorus_interest_late_move_ids.chorus_interest_remaining, 41.57)

    # ---------------------------------------------------------------- in the browser
    def test_interest_tour(self):
        """In French: a late invoice → the interest owed → Create interest invoice (the
        letter attached) → Deposit to Chorus Pro."""
        user = self._french_user("chorus_interest_fr")
        late = self._paid_late_with_suspension()
        # The claim letter is rendered by the real report before the tour and given to the
        # browser's request as is: wkhtmltopdf fetching the report's assets during a tour
        # request would collide with the browser's own requests on the test cursor.
        report = self.env.ref("l10n_fr_chorus_pro.action_report_chorus_late_interest_claim")
        letter, _format = report.with_context(force_report_rendering=True, lang="fr_FR")._render_qweb_pdf(
            report.report_name, late.ids
        )
        reports = type(self.env["ir.actions.report"])
        render = reports._render_qweb_pdf

        def render_letter(records, report_ref, res_ids=None, data=None):
            if report_ref == report.report_name and res_ids == late.ids:
                return letter, "pdf"
            return render(records, report_ref, res_ids=res_ids, data=data)

        self.startPatcher(patch.object(reports, "_render_qweb_pdf", render_letter))
        self.start_tour(
            f"/odoo/account.move/{late.id}", "chorus_pro_interest_tour", login=user.login, timeout=180
        )
        interest = late.chorus_interest_move_id
        self.assertEqual(interest.chorus_interest_late_move_ids, late)
        self.assertEqual(interest.amount_total, 41.57)
        self.assertEqual(interest.chorus_state, "deposited")
        embedded = self._flow_attachments(interest)
        self.assertEqual(
            sorted(embedded), sorted([*interest.chorus_attachment_ids.mapped("name"), "factur-x.xml"])
        )
        self.assertIn("intérêts moratoires", self._pdf_text(embedded[interest.chorus_attachment_ids.name][0]))
