# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Paid on time? The legal payment deadline of deposited invoices, suspension
and completion, execution later than the deposit, the interest and indemnity owed, the
follow-up activity of the daily cron and the claim letter read back in French.

The invoices go through the project's simulator over real HTTP and are updated as the
invoice list's *Update from Chorus Pro* does; the simulator's clock is set to the day the
public body acts (its ``util.now``), so Chorus Pro gives the dates of the hand computations.

Rates: the shipped ECB main refinancing rates (data/chorus_pro_ecb_rate_data.xml, source ECB
"Key ECB interest rates"): 3.15 % in force on 1 January 2025 (since 18 December 2024), so
11.15 % for interest starting in the 1st half of 2025, as the DAJ published; 2.15 % on
1 July 2025 (since 11 June 2025), so 10.15 % for the 2nd half."""

import datetime
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from unittest.mock import patch

from chorus_pro_simulator import util as sim_util

from odoo import Command
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import ChorusProSimulatorCommon

D = datetime.date


@tagged("post_install", "-at_install")
class TestPaymentDelay(ChorusProSimulatorCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.list_action = cls.env.ref("l10n_fr_chorus_pro.action_chorus_pro_update_from_list")
        cls.invoices_action = cls.env.ref("account.action_move_out_invoice_type")

    # ---------------------------------------------------------------- helpers
    @contextmanager
    def _on(self, day):
        """Chorus Pro acts on ``day`` (10:00 in Paris)."""
        when = datetime.datetime.combine(day, datetime.time(10, 0), tzinfo=sim_util.PARIS)
        with patch.object(sim_util, "now", lambda: when):
            yield

    def _deposited_on(self, day, **values):
        move = self._d93_invoice(invoice_date="2025-02-28", **values)
        with self._on(day):
            self.connector._update_flows(self.connector._deposit(move))
        self.assertEqual(move.chorus_status, "DEPOSEE")
        return move

    def _status(self, move, status, day):
        """The public body sets ``status`` on ``day``; the user updates from the list that
        day (the status sync lists what changed since the company's last sync: the day
        before)."""
        with self._on(day):
            self.sim.set_invoice_status(int(move.chorus_identifier), status)
        self.company.sudo().chorus_last_status_sync = datetime.datetime.combine(
            day - datetime.timedelta(days=1), datetime.time(12, 0)
        )
        context = safe_eval(self.invoices_action.context or "{}", {"uid": self.env.uid})
        context.update(
            active_model="account.move",
            active_ids=move.ids,
            active_id=move.id,
            active_domain=[],
            allowed_company_ids=self.company.ids,
        )
        self.list_action.with_user(self.invoicing_user).with_context(**context).run()
        self.env.invalidate_all()
        self.assertEqual(move.chorus_status, status)

    def _paid_late_with_suspension(self):
        """Deposited 3 March 2025, suspended 10 March, completed 22 March (12 days),
        mandated 20 April, payment ordered 2 May 2025."""
        move = self._deposited_on(D(2025, 3, 3))
        self._status(move, "SUSPENDUE", D(2025, 3, 10))
        self._status(move, "COMPLETEE", D(2025, 3, 22))
        self._status(move, "MANDATEE", D(2025, 4, 20))
        self._status(move, "MISE_EN_PAIEMENT", D(2025, 5, 2))
        return move

    # ---------------------------------------------------------------- deadline
    def test_deadline_per_kind_of_recipient_and_overrides(self):
        move = self._deposited_on(D(2025, 3, 3))
        self.assertEqual(self.dept93.chorus_buyer_kind, "state")
        self.assertEqual(move.chorus_delay_received_date, D(2025, 3, 3))
        self.assertEqual(move.chorus_delay_deadline_days, 30)
        self.assertEqual(move.chorus_delay_due_date, D(2025, 4, 2))
        # the kind and the contract's deadline are set on the recipient's form
        self.dept93.chorus_buyer_kind = "health"
        self.assertEqual((move.chorus_delay_deadline_days, move.chorus_delay_due_date), (50, D(2025, 4, 22)))
        self.dept93.chorus_buyer_kind = "company"
        self.assertEqual((move.chorus_delay_deadline_days, move.chorus_delay_due_date), (60, D(2025, 5, 2)))
        self.dept93.chorus_payment_deadline_days = 20
        self.assertEqual((move.chorus_delay_deadline_days, move.chorus_delay_due_date), (20, D(2025, 3, 23)))

    def test_order_sets_a_shorter_deadline(self):
        taxes = self.env["account.tax"].search(
            [("company_id", "=", self.company.id), ("type_tax_use", "=", "sale"), ("amount", "=", 20.0)],
            limit=1,
        )
        order = self.env["chorus.pro.order"].create(
            {
                "name": "BC-2025-0007",
                "kind": "purchase",
                "partner_id": self.dept93.id,
                "service_id": self.service_132.id,
                "engagement_number": "EJ2026-000123",
                "date_start": "2025-01-01",
                "date_end": "2025-12-31",
                "payment_deadline_days": 15,
                "line_ids": [
                    Command.create(
                        {
                            "name": "Accueil de jour",
                            "quantity": 10,
                            "price_unit": 95.0,
                            "tax_ids": [Command.set(taxes.ids)],
                        }
                    )
                ],
            }
        )
        move = self._deposited_on(D(2025, 3, 3), chorus_order_id=order.id)
        self.assertEqual((move.chorus_delay_deadline_days, move.chorus_delay_due_date), (15, D(2025, 3, 18)))

    def test_execution_later_than_deposit(self):
        # Deposited 3 March, service completed 20 March (Date of the service): the deadline
        # runs from 20 March, due 19 April; payment ordered 2 May: 13 days late.
        move = self._deposited_on(D(2025, 3, 3), delivery_date="2025-03-20")
        self._status(move, "MISE_EN_PAIEMENT", D(2025, 5, 2))
        self.assertEqual(move.chorus_delay_start_date, D(2025, 3, 20))
        self.assertEqual(move.chorus_delay_due_date, D(2025, 4, 19))
        self.assertEqual(move.chorus_delay_days_late, 13)
        self.assertIn("after the deposit", move.chorus_delay_explanation)

    # ---------------------------------------------------------------- suspension, interest
    def test_suspension_completion_interest_and_indemnity(self):
        move = self._deposited_on(D(2025, 3, 3))
        self._status(move, "SUSPENDUE", D(2025, 3, 10))
        # while suspended, the deadline is still followed, and extended day by day
        self.assertTrue(move.chorus_delay_due_date)
        self.assertGreaterEqual(move.chorus_delay_suspended_days, 12)
        self._status(move, "COMPLETEE", D(2025, 3, 22))
        self._status(move, "MANDATEE", D(2025, 4, 20))
        self.assertEqual(move.chorus_delay_suspended_days, 12)
        self.assertEqual(move.chorus_delay_due_date, D(2025, 4, 14))  # 3 March + 30 + 12
        self._status(move, "MISE_EN_PAIEMENT", D(2025, 5, 2))
        self.assertEqual(move.amount_total, 285.0)
        self.assertEqual(move.chorus_delay_paid_date, D(2025, 5, 2))
        self.assertEqual(move.chorus_delay_days_late, 18)  # 15 April to 2 May included
        self.assertTrue(move.chorus_delay_late)
        # 3.15 (ECB, 1 January 2025) + 8 = 11.15 %; 285.00 x 11.15 % x 18 / 365 = 1.567 -> 1.57
        self.assertEqual(move.chorus_delay_rate, 11.15)
        self.assertEqual(move.chorus_delay_interest, 1.57)
        self.assertEqual(move.chorus_delay_indemnity, 40.0)
        self.assertEqual(move.chorus_delay_claim_date, D(2025, 6, 16))  # 2 May + 45 days
        explanation = move.chorus_delay_explanation
        for text in ("12 days added", "18 days late", "11.15 %", "R2192-31", "R2192-36"):
            self.assertIn(text, explanation)

    def test_rate_of_the_next_half_year(self):
        # Deposited 2 June 2025, due 2 July: interest starts 3 July, 2nd half of 2025:
        # 2.15 (ECB, 1 July 2025) + 8 = 10.15 %. Paid 1 August: 30 days.
        # 285.00 x 10.15 % x 30 / 365 = 2.3775 -> 2.38
        move = self._deposited_on(D(2025, 6, 2))
        self._status(move, "MISE_EN_PAIEMENT", D(2025, 8, 1))
        self.assertEqual((move.chorus_delay_days_late, move.chorus_delay_rate), (30, 10.15))
        self.assertEqual(move.chorus_delay_interest, 2.38)

    def test_rate_entered_by_the_user_changes_the_interest(self):
        move = self._deposited_on(D(2025, 6, 2))
        self._status(move, "MISE_EN_PAIEMENT", D(2025, 8, 1))
        rate = (
            self.env["chorus.pro.ecb.rate"]
            .with_user(self.invoicing_user)
            .create({"date": "2025-06-30", "rate": 2.0})
        )
        self.env.invalidate_all()
        self.assertEqual(move.chorus_delay_rate, 10.0)
        rate.with_user(self.invoicing_user).rate = 2.15
        self.env.invalidate_all()
        self.assertEqual(move.chorus_delay_rate, 10.15)

    def test_paid_on_time(self):
        move = self._deposited_on(D(2025, 3, 3))
        self._status(move, "MISE_EN_PAIEMENT", D(2025, 4, 2))
        self.assertEqual(move.chorus_delay_days_late, 0)
        self.assertFalse(move.chorus_delay_late)
        self.assertEqual(move.chorus_delay_interest, 0.0)
        self.assertIn("Paid on time", move.chorus_delay_explanation)

    # ---------------------------------------------------------------- follow-up
    def test_cron_activity_45_days_after_payment(self):
        move = self._paid_late_with_suspension()
        on_time = self._deposited_on(D(2025, 3, 3))
        self._status(on_time, "MISE_EN_PAIEMENT", D(2025, 3, 20))
        activity_type = self.env.ref("l10n_fr_chorus_pro.mail_activity_type_late_interest")
        self.company.chorus_responsible_id = self.invoicing_user
        cron = self.env.ref("l10n_fr_chorus_pro.ir_cron_chorus_payment_delay")
        cron.method_direct_trigger()
        activities = self.env["mail.activity"].search([("activity_type_id", "=", activity_type.id)])
        self.assertEqual(activities.res_id, move.id)
        self.assertEqual(activities.user_id, self.invoicing_user)
        self.assertIn("18 days late", activities.note)
        # once only
        cron.method_direct_trigger()
        self.assertEqual(
            self.env["mail.activity"].search_count([("activity_type_id", "=", activity_type.id)]), 1
        )
        # the interest arrives: ticked from the invoice, the activity is done
        move.with_user(self.invoicing_user).action_chorus_interest_received()
        self.assertTrue(move.chorus_interest_received)
        self.assertFalse(self.env["mail.activity"].search([("activity_type_id", "=", activity_type.id)]))

    def test_cron_activity_in_the_language_of_its_reader(self):
        """The daily cron runs as OdooBot (English): the activity is written in the
        language of the user it goes to."""
        move = self._paid_late_with_suspension()
        self.company.chorus_responsible_id = self._french_user("comptable_fr")
        self.env.ref("l10n_fr_chorus_pro.ir_cron_chorus_payment_delay").method_direct_trigger()
        activity = move.activity_ids.filtered(
            lambda a: (
                a.activity_type_id == self.env.ref("l10n_fr_chorus_pro.mail_activity_type_late_interest")
            )
        )
        self.assertEqual(activity.user_id, self.company.chorus_responsible_id)
        self.assertIn("18 jours de retard", activity.note)
        self.assertEqual(
            activity.summary,
            "Réclamer les intérêts moratoires et l'indemnité forfaitaire pour frais de recouvrement",
        )

    def test_cron_no_activity_when_interest_received(self):
        move = self._paid_late_with_suspension()
        move.with_user(self.invoicing_user).chorus_interest_received = True
        self.env.ref("l10n_fr_chorus_pro.ir_cron_chorus_payment_delay").method_direct_trigger()
        activity_type = self.env.ref("l10n_fr_chorus_pro.mail_activity_type_late_interest")
        self.assertFalse(self.env["mail.activity"].search([("activity_type_id", "=", activity_type.id)]))

    def test_claim_letter_in_french(self):
        move = self._paid_late_with_suspension()
        action = (
            move.with_user(self.invoicing_user)
            .with_context(force_report_rendering=True, lang="en_US")
            .action_chorus_claim_interest()
        )
        self.assertEqual(action["res_model"], "mail.compose.message")
        context = action["context"]
        self.assertEqual(context["default_res_ids"], move.ids)
        attachment = self.env["ir.attachment"].browse(context["default_attachment_ids"][0][2])
        self.assertEqual(attachment.mimetype, "application/pdf")
        self.assertTrue(attachment.raw.startswith(b"%PDF"))
        text = self._pdf_text(attachment.raw)
        for expected in (
            "intérêts moratoires",
            move.name,
            "03/03/2025",  # deposit
            "du 10/03/2025 au 22/03/2025",  # suspension
            "14/04/2025",  # due date
            "02/05/2025",  # payment ordered
            "18 jours",
            "11,15 %",
            "1,57",  # interest
            "40,00",  # indemnity
            "41,57",  # total
            "16/06/2025",  # 45 days after the payment
            "R2192-10",
            "R2192-27",
            "R2192-31",
            "R2192-36",
            "D2192-35",
        ):
            self.assertIn(expected, text)
        # the composer opens with the letter, as the user sees it
        composer = (
            self.env["mail.compose.message"].with_user(self.invoicing_user).with_context(**context).create({})
        )
        self.assertEqual(composer.attachment_ids, attachment)
        self.assertIn(move.name, composer.subject)

    def test_claim_letter_printed_from_the_print_menu(self):
        """Print > the claim letter: the same real, searchable French text."""
        move = self._paid_late_with_suspension()
        report = self.env.ref("l10n_fr_chorus_pro.action_report_chorus_late_interest_claim")
        self.assertEqual(report.binding_model_id.model, "account.move")
        pdf, _format = (
            self.env["ir.actions.report"]
            .with_user(self.invoicing_user)
            .with_context(force_report_rendering=True, lang="fr_FR")
            ._render_qweb_pdf(report.report_name, move.ids)
        )
        text = self._pdf_text(pdf)
        for expected in ("intérêts moratoires", move.name, "11,15 %", "41,57", "R2192-31"):
            self.assertIn(expected, text)

    # ---------------------------------------------------------------- who pays late
    def test_who_pays_late_report_and_journal_card(self):
        """Over the last 12 months: the report per public body and service, and the card."""
        today = datetime.date.today()
        late = self._deposited_on(today - datetime.timedelta(days=100))
        self._status(late, "MISE_EN_PAIEMENT", today - datetime.timedelta(days=40))  # 60 days
        on_time = self._deposited_on(today - datetime.timedelta(days=90))
        self._status(on_time, "MISE_EN_PAIEMENT", today - datetime.timedelta(days=70))  # 20 days
        unpaid = self._deposited_on(today - datetime.timedelta(days=50))  # 50 days, unpaid, late
        self.assertEqual((late.chorus_delay_days_late, on_time.chorus_delay_days_late), (30, 0))
        self.assertEqual(unpaid.chorus_delay_days_late, 20)
        owed = sum(move.chorus_delay_interest + move.chorus_delay_indemnity for move in late | unpaid)
        self.assertGreater(late.chorus_delay_interest, 0)

        self.env.flush_all()
        rows = (
            self.env["chorus.pro.payment.delay.report"]
            .with_user(self.invoicing_user)
            .search([("partner_id", "=", self.dept93.id)])
        )
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows.service_id, self.service_132)
        self.assertEqual((rows.invoice_count, rows.late_count), (3, 2))
        self.assertAlmostEqual(rows.late_share, 200 / 3, places=2)
        self.assertEqual(rows.median_delay, 50)  # 20, 50, 60 days
        self.assertEqual(rows.worst_delay, 60)
        self.assertAlmostEqual(rows.interest_owed, owed, places=2)
        # the pivot and graph read it grouped by public body
        groups = (
            self.env["chorus.pro.payment.delay.report"]
            .with_user(self.invoicing_user)
            .formatted_read_group(
                [("partner_id", "=", self.dept93.id)],
                ["partner_id"],
                ["worst_delay:max", "interest_owed:sum"],
            )
        )
        self.assertEqual(groups[0]["worst_delay:max"], 60)

        # the sales journal card: "late: 2 invoices, X interest owed", opening those invoices
        journal = late.journal_id
        card = journal._get_journal_dashboard_data_batched()[journal.id]
        self.assertEqual(card["chorus_late_count"], 2)
        self.assertEqual(card["chorus_late_interest"], self.company.currency_id.format(owed))
        action = journal.with_context(search_default_chorus_paid_late="1").open_action()
        arch = self.env["account.move"].get_view(
            self.env.ref("account.view_account_invoice_filter").id, "search"
        )["arch"]
        self.assertIn('name="chorus_paid_late"', arch)
        self.assertEqual(action["context"]["search_default_chorus_paid_late"], "1")
        late.with_user(self.invoicing_user).action_chorus_interest_received()
        card = journal._get_journal_dashboard_data_batched()[journal.id]
        self.assertEqual(card["chorus_late_count"], 1)

    def _pdf_text(self, pdf):
        """The text of ``pdf``, with pdftotext (poppler) when installed, else pypdf."""
        if shutil.which("pdftotext"):
            with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
                handle.write(pdf)
                handle.flush()
                out = subprocess.run(
                    ["pdftotext", "-layout", handle.name, "-"], capture_output=True, check=True
                ).stdout
            text = out.decode()
        else:
            import io

            from pypdf import PdfReader

            text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
        return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())
