# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The end of a works contract (docs/works.md, "Final statement and general statement
(DGD)"), as the contractor's accountant does it, against the simulator over HTTP: the
final statement with its état du solde (A7, A11, A14), the general statement signed (A8)
with or without a difference, the tacit procedure (A22 then A23).

The collège's lot 1 (tests/test_works_statements.py): 431 549.00 excluding VAT, advance
43 154.90, retention 5 %, VAT 20 %. Amounts computed by hand in the comments.
"""

import base64
import datetime
import io

import lxml.html
from pypdf import PdfReader, PdfWriter

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .test_works_deposit import SUBMIT, ChorusProWorksDepositCommon

ALL_DONE = {"1.1": 100, "1.2": 100, "2.1": 100, "3.1": 100, "4.1": 1250, "4.2": 860}
JANUARY = {"1.1": 100, "1.2": 60, "2.1": 15}  # 18 500 + 25 380 + 19 020 = 62 900.00
FEBRUARY = {"1.2": 100, "2.1": 40, "4.1": 312.5}  # cumulative 138 832.50


def _html_text(html):
    """The text of a rendered report, as read on the page."""
    text = lxml.html.fromstring(html).text_content()
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def _pdf_text(pdf):
    return (
        " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)
        .replace("\u202f", " ")
        .replace("\xa0", " ")
    )


def _signed_scan():
    """A one-page PDF, as a scanner makes it."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


class ChorusProWorksFinalCommon(ChorusProWorksDepositCommon):
    def _contract(self, role="holder"):
        contract = self._contract_form(role=role).save()
        contract.moe_service_code = "MOE-COLLEGES"
        return contract

    def _invoice(self, statement):
        """The statement confirmed, its invoice created from its button and posted."""
        if statement.state == "draft":
            statement.with_user(self.user).action_confirm()
        action = statement.with_user(self.user).action_create_invoice()
        move = self.env["account.move"].browse(action["res_id"])
        move.partner_bank_id = self.bank_account
        return move

    def _submit(self, statement):
        move = self._invoice(statement)
        move.action_post()
        self.connector._deposit(move)
        self.assertEqual(statement.state, "submitted")
        return move

    def _backdate(self, statement, days):
        """The statement was submitted ``days`` days ago (the delays of the procedure)."""
        self.env.cr.execute(
            "UPDATE chorus_pro_works_statement SET date_submitted = date_submitted - %s * interval '1 day' "
            "WHERE id = %s",
            (days, statement.id),
        )
        statement.invalidate_recordset()

    def _final_submitted(self, role="holder"):
        """January submitted, then the final statement (everything done) submitted."""
        contract = self._contract(role)
        self._submit(self._statement(contract, "2026-01-01", JANUARY))
        final = self._statement(contract, "2026-03-01", ALL_DONE, kind="final")
        final_move = self._submit(final)
        return contract, final, final_move

    def _general(self, contract, amount, **values):
        return self._statement(
            contract,
            "2026-05-01",
            {},
            kind="general",
            general_notification_date="2026-05-12",
            general_amount=amount,
            **values,
        )


@tagged("post_install", "-at_install")
class TestWorksFinalStatement(ChorusProWorksFinalCommon):
    def test_final_statement_balance_and_document(self):
        contract = self._contract()
        january = self._statement(contract, "2026-01-01", JANUARY)
        self._submit(january)
        february = self._statement(contract, "2026-02-01", FEBRUARY)
        self._submit(february)
        final = self._statement(contract, "2026-03-01", ALL_DONE, kind="final")
        final.with_user(self.user).action_confirm()
        self.assertEqual(final.frame, "A7")
        self.assertEqual(final.previous_statement_id, february)
        # Balance: 431 549.00 - 138 832.50; the whole advance repaid (100 % > 80 %).
        self.assertAlmostEqual(final.amount_month, 292716.50)
        self.assertAlmostEqual(final.advance_month, 43154.90)
        # Retention: 5 % × 431 549.00 = 21 577.45 less 5 % × 138 832.50 = 6 941.63.
        self.assertAlmostEqual(final.retention_month, 14635.82)
        # 292 716.50 - 43 154.90 = 249 561.60, VAT 49 912.32, total 299 473.92.
        self.assertAlmostEqual(final.amount_untaxed, 249561.60)
        self.assertAlmostEqual(final.amount_total, 299473.92)
        self.assertAlmostEqual(final.amount_to_pay, 284838.10)
        # Booked like a monthly statement: the invoice of the balance.
        move = self._invoice(final)
        self.assertEqual(move.move_type, "out_invoice")
        self.assertAlmostEqual(move.amount_total, 299473.92)
        # The document (what Chorus Pro receives), read back.
        text = _html_text(
            self.env["ir.actions.report"]._render_qweb_html(
                "l10n_fr_chorus_pro.report_chorus_works_statement", final.ids
            )[0]
        )
        for expected in (
            "Projet de décompte final",
            "État du solde",
            "431 549,00",  # works at the initial prices
            f"Projet de décompte mensuel n° {january.name} (janvier 2026)",
            "62 900,00",
            f"Projet de décompte mensuel n° {february.name} (février 2026)",
            "75 932,50",
            "Total déjà demandé par les projets de décompte mensuels HT",
            "138 832,50",
            "Solde du présent projet de décompte final HT",
            "292 716,50",
            "43 154,90 € / 43 154,90 €",  # advance received / repaid
            "Retenue de garantie retenue au total",
            "21 577,45",
            "restituée à l'expiration du délai de garantie",
            "article 12.3 du CCAG-Travaux 2021",
            "Montant TTC de la facture du solde",
        ):
            self.assertIn(expected, text)
        self.assertNotIn("Projet de décompte mensuel n° " + final.name, text)

    def test_final_refused_while_a_monthly_is_not_submitted(self):
        contract = self._contract()
        january = self._statement(contract, "2026-01-01", JANUARY)
        january.with_user(self.user).action_confirm()
        final = self._statement(contract, "2026-02-01", ALL_DONE, kind="final")
        with self.assertRaisesRegex(UserError, f"{january.name}.*not submitted to Chorus Pro"):
            final.with_user(self.user).action_confirm()
        self.assertEqual(final.state, "draft")
        # The final statement replaces the last monthly one: reset to draft and deleted.
        january.with_user(self.user).action_draft()
        january.with_user(self.user).unlink()
        final.with_user(self.user).action_refresh()
        final.with_user(self.user).action_confirm()
        self.assertAlmostEqual(final.amount_month, 431549.00)

    def test_no_monthly_after_final_and_final_once(self):
        contract = self._contract()
        self._statement(contract, "2026-02-01", ALL_DONE, kind="final")
        with self.assertRaisesRegex(ValidationError, "no monthly statement comes after it"):
            self._statement(contract, "2026-03-01", JANUARY)
        with self.assertRaisesRegex(ValidationError, "already has a final statement"):
            self._statement(contract, "2026-03-01", ALL_DONE, kind="final")

    def test_final_frame_by_role(self):
        expected = {
            "holder": "A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR",
            "representative": "A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR",
            "subcontractor": "A11_PROJET_DECOMPTE_FINAL_SOUSTRAITANT",
            "co_contractor": "A14_PROJET_DECOMPTE_FINAL_COTRAITANT",
        }
        for role, frame in expected.items():
            with self.subTest(role=role):
                contract = self._contract(role)
                final = self._statement(contract, "2026-03-01", ALL_DONE, kind="final")
                move = self._submit(final)
                document = self._sim_document(move)
                self.assertEqual(document["cadreFacturation"], frame)
                self.assertEqual(document["travaux"]["typeFactureTravaux"], "PROJET_DECOMPTE_FINAL")
                self.assertEqual(move.chorus_works_holder, "moe")
                contract.active = False

    def test_general_statement_only_for_the_holder(self):
        contract = self._contract("subcontractor")
        final = self._statement(contract, "2026-03-01", ALL_DONE, kind="final")
        self._submit(final)
        general = self._general(contract, 431549.00)
        with self.assertRaisesRegex(UserError, "No Chorus Pro billing frame"):
            general.with_user(self.user).action_confirm()


@tagged("post_install", "-at_install")
class TestWorksFinalGeneral(ChorusProWorksFinalCommon):
    def test_general_statement_with_a_difference(self):
        contract, final, _final_move = self._final_submitted()
        # Before the final statement is submitted, nothing; here it is: the MOA notified
        # 436 120.35 (price revisions less penalties), signed with reserves.
        general = self._general(
            contract,
            436120.35,
            general_reserves=True,
            general_reserves_text="Pénalités de retard contestées (intempéries de février).",
        )
        self.assertEqual(general.frame, "A8")
        self.assertFalse(general.line_ids)
        general.with_user(self.user).action_confirm()
        # Invoiced: 62 900.00 + 368 649.00 = 431 549.00; difference 4 571.35, VAT 914.27.
        self.assertAlmostEqual(general.amount_invoiced_before, 431549.00)
        self.assertAlmostEqual(general.advance_repaid_before, 43154.90)
        self.assertAlmostEqual(general.amount_month, 4571.35)
        self.assertAlmostEqual(general.advance_month, 0.0)
        self.assertAlmostEqual(general.retention_month, 0.0)  # capped at 5 % of the contract
        self.assertAlmostEqual(general.amount_total, 5485.62)
        move = self._invoice(general)
        self.assertEqual(move.move_type, "out_invoice")
        self.assertAlmostEqual(move.amount_total, 5485.62)
        move.action_post()
        # Without the signed document: refused before anything is sent.
        checklist = self._checklist(move)
        self.assertFalse(checklist["works_statement"]["ok"])
        self.assertIn(
            "Attach the general statement signed by the company", checklist["works_statement"]["message"]
        )
        with self.assertRaisesRegex(UserError, "Attach the general statement signed"):
            self._deposit_from_form(move)  # the invoice's Deposit to Chorus Pro button
        with self.assertRaisesRegex(UserError, "Attach the general statement signed"):
            self.connector._deposit(move)  # the pipeline itself, whatever path leads there
        self.assertFalse(move.chorus_state)
        self.assertEqual(self._calls(SUBMIT), 2)  # January and the final statement only
        self.assertEqual(general.state, "confirmed")
        # The scan attached (the form's upload field): submitted in A8, the scan as document.
        scan = _signed_scan()
        general.with_user(self.user).write(
            {"signed_document": base64.b64encode(scan), "signed_document_name": "DGD signe.pdf"}
        )
        self.assertTrue(self._checklist(move)["works_statement"]["ok"])
        self.connector._deposit(move)
        document = self._sim_document(move)
        self.assertEqual(document["cadreFacturation"], "A8_DECOMPTE_GENERAL_DEFINITIF_FOURNISSEUR")
        self.assertEqual(document["travaux"]["typeFactureTravaux"], "DECOMPTE_GENERAL_SIGNE")
        self.assertEqual(move.chorus_document_id.raw, scan)
        self.assertEqual(general.state, "submitted")
        # The signed general statement goes to the contracting authority directly.
        self.assertEqual((move.chorus_status, move.chorus_works_holder), ("TRANSMISE_MOA", "moa"))
        with self.assertRaisesRegex(UserError, "never sent twice"):
            self.connector._deposit(move)
        self.assertEqual(self._calls(SUBMIT), 3)
        # The document printed for the company's file says the same.
        text = _html_text(
            self.env["ir.actions.report"]._render_qweb_html(
                "l10n_fr_chorus_pro.report_chorus_works_statement", general.ids
            )[0]
        )
        for expected in (
            "Décompte général et définitif signé",
            "signé par le titulaire avec réserves",
            "436 120,35",
            "431 549,00",
            "4 571,35",
            "Pénalités de retard contestées",
        ):
            self.assertIn(expected, text)
        # No tacit procedure after it; made once.
        tacit = self._statement(contract, "2026-06-01", {}, kind="tacit_draft")
        with self.assertRaisesRegex(UserError, "notified its general statement"):
            tacit.with_user(self.user).action_confirm()
        with self.assertRaisesRegex(ValidationError, "it is made once"):
            self._general(contract, 436120.35)

    def test_general_statement_lower_is_a_credit_note(self):
        contract, _final, _final_move = self._final_submitted()
        general = self._general(contract, 428000.00)
        general.with_user(self.user).action_confirm()
        # 428 000.00 - 431 549.00 = -3 549.00, VAT -709.80; retention 21 400.00 (5 %) less
        # 21 577.45 already withheld: -177.45.
        self.assertAlmostEqual(general.amount_month, -3549.00)
        self.assertAlmostEqual(general.amount_total, -4258.80)
        self.assertAlmostEqual(general.retention_month, -177.45)
        move = self._invoice(general)
        self.assertEqual(move.move_type, "out_refund")
        self.assertAlmostEqual(move.amount_total, 4258.80)
        move.action_post()
        general.with_user(self.user).signed_document = base64.b64encode(_signed_scan())
        self.assertTrue(self._checklist(move)["works_statement"]["ok"])
        self.connector._deposit(move)
        self.assertEqual(
            self._sim_document(move)["cadreFacturation"], "A8_DECOMPTE_GENERAL_DEFINITIF_FOURNISSEUR"
        )
        self.assertEqual(general.state, "submitted")

    def test_general_statement_without_difference_zero_invoice(self):
        contract, _final, _final_move = self._final_submitted()
        general = self._general(contract, 431549.00)
        general.with_user(self.user).action_confirm()
        self.assertAlmostEqual(general.amount_total, 0.0)
        move = self._invoice(general)
        self.assertEqual(move.move_type, "out_invoice")
        self.assertAlmostEqual(move.amount_total, 0.0)
        general.with_user(self.user).signed_document = base64.b64encode(_signed_scan())
        checklist = self._checklist(move)
        self.assertTrue(checklist["amounts"]["ok"], checklist["amounts"]["message"])
        self._deposit_from_form(move)
        self.assertEqual(move.chorus_state, "deposited")
        self.assertEqual(self._sim_document(move)["montantTTC"], 0.0)
        self.assertEqual(general.state, "submitted")

    def test_general_statement_before_the_final_one_is_submitted(self):
        contract = self._contract()
        self._statement(contract, "2026-03-01", ALL_DONE, kind="final").with_user(self.user).action_confirm()
        general = self._general(contract, 431549.00)
        with self.assertRaisesRegex(UserError, "Submit the final statement"):
            general.with_user(self.user).action_confirm()
        general.general_notification_date = False
        with self.assertRaisesRegex(UserError, "date the contracting authority notified"):
            general.with_user(self.user).action_confirm()


@tagged("post_install", "-at_install")
class TestWorksFinalTacit(ChorusProWorksFinalCommon):
    def test_tacit_procedure_a22_then_a23(self):
        contract, final, _final_move = self._final_submitted()
        # The final statement shows until when the MOA may notify the general statement.
        self.assertEqual(final.general_deadline, datetime.date.today() + datetime.timedelta(days=30))
        draft = self._statement(contract, "2026-05-01", {}, kind="tacit_draft")
        self.assertEqual(draft.frame, "A22")
        self.assertAlmostEqual(draft.general_amount, 431549.00)  # the final statement's cumulative
        # Before the 30 days of the MOA: refused, with the date.
        with self.assertRaisesRegex(UserError, "has until .* to notify the general statement"):
            draft.with_user(self.user).action_confirm()
        self._backdate(final, 31)
        draft.with_user(self.user).action_confirm()
        self.assertAlmostEqual(draft.amount_total, 0.0)  # nothing more than invoiced
        draft_move = self._submit(draft)
        document = self._sim_document(draft_move)
        self.assertEqual(
            document["cadreFacturation"], "A22_PROJET_DECOMPTE_GENERAL_FOURNISSEUR_PROCEDURE_TACITE"
        )
        self.assertEqual(draft_move.chorus_works_holder, "moa")
        text = _pdf_text(draft_move.chorus_document_id.raw)
        for expected in (
            "Projet de décompte général (procédure tacite)",
            f"projet de décompte final n° {final.name}",
            "431 549,00",
        ):
            self.assertIn(expected, text)
        # The DGD tacite after the MOA's 10 days (CCAG-Travaux 2021 art. 12.4.4) without an
        # answer: still refused on the 10th day, accepted the day after.
        tacit = self._statement(contract, "2026-06-01", {}, kind="tacit")
        self.assertEqual(tacit.frame, "A23")
        with self.assertRaisesRegex(UserError, "has until .* to answer the general statement draft"):
            tacit.with_user(self.user).action_confirm()
        self._backdate(draft, 10)
        with self.assertRaisesRegex(UserError, "has until .* to answer the general statement draft"):
            tacit.with_user(self.user).action_confirm()
        self._backdate(draft, 11)
        tacit_move = self._submit(tacit)
        document = self._sim_document(tacit_move)
        self.assertEqual(document["cadreFacturation"], "A23_DECOMPTE_GENERAL_DEFINITIF_TACITE_FOURNISSEUR")
        self.assertIn("Décompte général et définitif tacite", _pdf_text(tacit_move.chorus_document_id.raw))
        self.assertEqual(self._calls(SUBMIT), 4)  # January, final, A22, A23: each once
        # Nothing after it: no signed general statement, no second tacit one.
        with self.assertRaisesRegex(ValidationError, "it is made once"):
            self._statement(contract, "2026-07-01", {}, kind="tacit")
        general = self._general(contract, 431549.00)
        with self.assertRaisesRegex(UserError, "already has its tacit general statement"):
            general.with_user(self.user).action_confirm()

    def test_tacit_general_statement_needs_the_draft_submitted(self):
        contract, final, _final_move = self._final_submitted()
        self._backdate(final, 31)
        tacit = self._statement(contract, "2026-06-01", {}, kind="tacit")
        with self.assertRaisesRegex(UserError, "Submit the general statement draft of the tacit procedure"):
            tacit.with_user(self.user).action_confirm()
