# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The degraded mode, chosen per invoice: its PDF (``deposer/pdf``) with its data
(``soumettre``, ``DEPOT_PDF_API``), against the simulator over HTTP, in both realisms."""

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ChorusProSimulatorCommon

DEPOSIT_PDF = "/cpro/factures/v1/deposer/pdf"
SUBMIT = "/cpro/factures/v1/soumettre"
DEPOSIT_FLOW = "/cpro/factures/v1/deposer/flux"
UPLOAD = "/cpro/transverses/v1/ajouter/fichier"


@tagged("post_install", "-at_install")
class TestDepositPdfMode(ChorusProSimulatorCommon):
    def _pdf_invoice(self, post=True, **values):
        return self._d93_invoice(post=post, chorus_deposit_mode="pdf_api", **values)

    def _calls(self, path):
        return self.sim.calls.get(path, 0)

    def _sim_invoices(self, number):
        return [inv for inv in self.sim.t["invoice"].values() if inv["numeroFacture"] == number]

    def test_default_mode_is_facturx(self):
        move = self._d93_invoice()
        self.assertEqual(move.chorus_deposit_mode, "facturx")
        self.connector._deposit(move)
        self.assertEqual((self._calls(DEPOSIT_FLOW), self._calls(SUBMIT)), (1, 0))

    def test_deposit_pdf_and_data(self):
        move = self._pdf_invoice()
        flow = self.connector._deposit(move)
        self.assertEqual(
            (self._calls(DEPOSIT_PDF), self._calls(SUBMIT), self._calls(DEPOSIT_FLOW)), (1, 1, 0)
        )
        self.assertEqual(move.chorus_state, "deposited")
        self.assertEqual(move.chorus_status, "DEPOSEE")
        self.assertEqual(move.chorus_flow_id, flow)
        self.assertEqual((flow.state, flow.syntax), ("done", "DEPOT_PDF_API"))
        self.assertEqual(flow.name, f"DEPOT_PDF_API-{move.chorus_identifier}")
        self.assertTrue(flow.attachment_id.raw.startswith(b"%PDF"))
        self.assertTrue(move.chorus_document_id.raw.startswith(b"%PDF"))
        [invoice] = self._sim_invoices(move.name)
        self.assertEqual(str(invoice["identifiantFactureCPP"]), move.chorus_identifier)
        self.assertEqual(invoice["modeDepot"], "DEPOT_PDF_API")
        self.assertEqual(invoice["codeDestinataire"], self.dept93.company_registry)
        self.assertEqual(invoice["codeServiceExecutant"], self.service_132.code)
        self.assertEqual(invoice["numeroBonCommande"], "EJ2026-000123")
        self.assertEqual(invoice["typeFacture"], "FACTURE")
        self.assertEqual(invoice["modePaiement"], "VIREMENT")
        self.assertEqual(
            (invoice["montantHT"], invoice["montantTVA"], invoice["montantTTC"], invoice["montantAPayer"]),
            (move.amount_untaxed, move.amount_tax, move.amount_total, move.amount_residual),
        )
        self.assertEqual(len(invoice["lignes"]), 1)
        self.assertEqual(invoice["lignes"][0]["montantHT"], move.amount_untaxed)
        self.assertEqual(invoice["tva"][0]["montant"], move.amount_tax)
        self.assertEqual(
            self.sim.blobs[f"invoice:{invoice['identifiantFactureCPP']}"], move.chorus_document_id.raw
        )
        self.assertTrue(any("DEPOT_PDF_API" in body for body in move.message_ids.mapped("body")))

        # The status tracking is unchanged.
        self.sim.set_invoice_status(invoice["identifiantFactureCPP"], "MISE_A_DISPOSITION")
        self.assertEqual(self.connector._sync_invoice_statuses(self.company), 1)
        self.assertEqual(move.chorus_status, "MISE_A_DISPOSITION")

        # Never twice, and the mode cannot change any more.
        with self.assertRaisesRegex(UserError, "never sent twice"):
            self.connector._deposit(move)
        self.assertEqual(self._calls(SUBMIT), 1)
        with self.assertRaisesRegex(UserError, "Deposit Mode"):
            move.chorus_deposit_mode = "facturx"

    def test_credit_note_names_the_original_invoice(self):
        self.company.chorus_post_check = "warn"
        invoice = self._pdf_invoice()
        self.connector._deposit(invoice)
        refund = invoice._reverse_moves()
        refund.chorus_deposit_mode = "pdf_api"
        refund.action_post()
        self.connector._deposit(refund)
        self.assertEqual(refund.chorus_state, "deposited")
        [sim_refund] = self._sim_invoices(refund.name)
        self.assertEqual(
            (sim_refund["typeFacture"], sim_refund["numeroFactureOrigine"], sim_refund["montantTTC"]),
            ("AVOIR", invoice.name, refund.amount_total),
        )

    def test_supporting_documents_uploaded(self):
        move = self._pdf_invoice(post=False)
        move.chorus_attachment_ids = [
            Command.create({"name": "arrete.pdf", "raw": b"%PDF-1.4 arrete", "mimetype": "application/pdf"})
        ]
        move.action_post()
        self.connector._deposit(move)
        self.assertEqual(move.chorus_state, "deposited")
        self.assertEqual((self._calls(UPLOAD), self._calls(SUBMIT)), (1, 1))

    def test_mixed_selection_one_flow_and_one_submission(self):
        facturx = self._d93_invoice()
        pdf = self._pdf_invoice()
        flows = self.connector._deposit(facturx | pdf, batch=True)
        self.assertEqual(len(flows), 2)
        self.assertEqual((self._calls(DEPOSIT_FLOW), self._calls(SUBMIT)), (1, 1))
        self.assertEqual(facturx.chorus_flow_id.syntax, "IN_DP_E2_CII_FACTURX")
        self.assertEqual(pdf.chorus_state, "deposited")
        self.assertEqual(self._sim_invoices(pdf.name)[0]["modeDepot"], "DEPOT_PDF_API")

    def test_refused_submission_is_readable_and_nothing_deposited(self):
        """The recipient requires an EJ: Chorus Pro refuses the submission (20022)."""
        self.company.chorus_post_check = "warn"
        move = self._pdf_invoice(purchase_order_reference=False)
        with self.assertRaisesRegex(UserError, "engagement est obligatoire"):
            self.connector._deposit(move)
        self.assertEqual(self._calls(SUBMIT), 1)
        self.assertFalse(move.chorus_state)
        self.assertFalse(move.chorus_identifier)
        self.assertFalse(move.chorus_flow_id)
        self.assertFalse(move.chorus_document_id)
        self.assertFalse(self._sim_invoices(move.name))
        flow = self.env["chorus.pro.flow"].search([("syntax", "=", "DEPOT_PDF_API")])
        self.assertEqual(flow.state, "failed")
        self.assertIn("engagement est obligatoire", flow.error_message)
        # Fixed, it is deposited.
        move.purchase_order_reference = "EJ2026-000123"
        self.connector._deposit(move)
        self.assertEqual(move.chorus_state, "deposited")
        self.assertEqual(len(self._sim_invoices(move.name)), 1)

    def test_uncertain_submission_processed_is_recovered_by_search(self):
        move = self._pdf_invoice()
        self.sim.inject_fault(SUBMIT, "process_then_drop")
        flow = self.connector._deposit(move)
        self.assertEqual((move.chorus_state, flow.state), ("unconfirmed", "unconfirmed"))
        self.assertFalse(move.chorus_identifier)
        self.assertIn("not confirmed", move.message_ids[0].body)
        with self.assertRaisesRegex(UserError, "never sent twice"):
            self.connector._deposit(move)
        self.connector._update_flows(flow)
        [invoice] = self._sim_invoices(move.name)
        self.assertEqual(move.chorus_identifier, str(invoice["identifiantFactureCPP"]))
        self.assertEqual(
            (move.chorus_state, move.chorus_status, flow.state), ("deposited", "DEPOSEE", "done")
        )
        self.assertEqual(self._calls(SUBMIT), 1)

    def test_uncertain_submission_not_processed(self):
        """A gateway error or a timeout on ``soumettre``: unconfirmed, searched for, never
        sent again until Chorus Pro is known not to have it."""
        for kind in ("http_502", "timeout"):
            with self.subTest(kind=kind):
                move = self._pdf_invoice()
                submits = self._calls(SUBMIT)
                self.sim.inject_fault(SUBMIT, kind)
                flow = self.connector._deposit(move)
                self.assertEqual(move.chorus_state, "unconfirmed")
                self.assertEqual(self._calls(SUBMIT), submits + 1)
                # Searched within the delay: not found, kept unconfirmed, not re-sent.
                self.connector._update_flows(flow)
                self.assertEqual(move.chorus_state, "unconfirmed")
                with self.assertRaisesRegex(UserError, "never sent twice"):
                    self.connector._deposit(move)
                self.env["ir.config_parameter"].sudo().set_param(
                    "l10n_fr_chorus_pro.unconfirmed_delay_minutes", "-1"
                )
                self.connector._update_flows(flow)
                self.assertFalse(move.chorus_state)
                self.assertEqual(flow.state, "failed")
                self.assertEqual(self._calls(SUBMIT), submits + 1)
                self.env["ir.config_parameter"].sudo().set_param(
                    "l10n_fr_chorus_pro.unconfirmed_delay_minutes", "60"
                )
                self.connector._deposit(move)
                self.assertEqual(move.chorus_state, "deposited")
                self.assertEqual(len(self._sim_invoices(move.name)), 1)

    def test_wizard_deposit(self):
        move = self._pdf_invoice(post=False)
        action = move.action_chorus_deposit()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertTrue(wizard.all_ok, wizard.line_ids.filtered(lambda l: not l.ok).mapped("message"))
        wizard.action_deposit()
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.chorus_state, "deposited")
        self.assertTrue(move.chorus_identifier)
        self.assertEqual(
            (self._calls(DEPOSIT_PDF), self._calls(SUBMIT), self._calls(DEPOSIT_FLOW)), (1, 1, 0)
        )
        self.assertEqual(wizard.state, "done")
        self.assertIn(f"Flow DEPOT_PDF_API-{move.chorus_identifier}: {move.name} deposited", wizard.summary)


@tagged("post_install", "-at_install")
class TestDepositPdfModeProduction(TestDepositPdfMode):
    """The same paths against a simulator answering like the production platform."""

    allow_inherited_tests_method = True

    simulator_options = {**ChorusProSimulatorCommon.simulator_options, "realism": "production"}
