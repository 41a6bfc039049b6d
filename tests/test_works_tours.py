# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A works contractor's monthly statement in the browser, in French
(static/tests/tours/chorus_pro_works_tour.js), against the simulator over HTTP: submitted
through the project manager (MOE), validated with a corrected amount, paid net of the
retention; refused for a wrong validator and corrected. Between the parts of a tour the
test plays the MOE and the Département with the simulator's admin API."""

from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_connector_works import (
    STATEMENT_REPORT,
    ChorusProConnectorWorks,
)

from .test_works_deposit import SIM_MOE_SIRET, SUBMIT, WRONG_MOE_SIRET, ChorusProWorksDepositCommon


@tagged("post_install", "-at_install")
class TestWorksTours(ChorusProWorksDepositCommon):
    def setUp(self):
        super().setUp()
        self.french = self._french_user("works_fr")
        self.french.group_ids |= self.env.ref("account.group_account_invoice")
        self.company.partner_id.lang = "fr_FR"
        # The statement printed here once: in the browser's request wkhtmltopdf would call
        # the test server while it holds the request (as tests/common.py does for invoices).
        contract = self._contract_form().save()
        contract.moe_service_code = "MOE-COLLEGES"
        self.contract = contract
        self.statement = self._statement(contract, "2026-02-01", {"1.1": 100, "1.2": 60, "4.1": 300})
        pdf, _type = (
            self.env["ir.actions.report"]
            .with_context(lang="fr_FR", force_report_rendering=True)
            ._render_qweb_pdf(STATEMENT_REPORT, self.statement.ids)
        )
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.startPatcher(
            patch.object(ChorusProConnectorWorks, "_works_statement_pdf", lambda connector, move: pdf)
        )

    def _tour(self, url, name):
        self.start_tour(url, name, login=self.french.login, timeout=240)

    def test_new_statement_from_the_list(self):
        """*Nouveau* on the statements: the contract is offered in its field."""
        self._tour(
            "/odoo/action-l10n_fr_chorus_pro.action_chorus_pro_works_statement/new",
            "chorus_pro_works_new_statement_tour",
        )
        statement = self.env["chorus.pro.works.statement"].search(
            [("contract_id", "=", self.contract.id), ("id", "!=", self.statement.id)]
        )
        self.assertEqual(len(statement), 1)
        self.assertEqual(statement.company_id, self.company)
        self.assertEqual(len(statement.line_ids), len(self.statement.line_ids))

    def test_statement_submitted_validated_corrected_paid(self):
        statement = self.statement
        # Part 1: confirm, create the invoice, Déposer sur Chorus Pro.
        self._tour(
            f"/odoo/action-l10n_fr_chorus_pro.action_chorus_pro_works_statement/{statement.id}",
            "chorus_pro_works_submit_tour",
        )
        move = statement.move_id
        self.assertEqual((move.state, move.chorus_state), ("posted", "deposited"))
        self.assertEqual(statement.state, "submitted")
        self.assertEqual(self._calls(SUBMIT), 1)
        self.assertEqual(self._sim_document(move)["travaux"]["moe"]["identifiant"], SIM_MOE_SIRET)
        self.assertEqual(move.amount_untaxed, 70100.0)
        invoice_id = int(move.chorus_identifier)
        # The MOE validates 68 000,00 HT instead of 70 100,00.
        self._admin(
            "/works/validate",
            {
                "identifiantFactureCPP": invoice_id,
                "par": "MOE",
                "montantHT": 68000.0,
                "commentaire": "Métré contradictoire",
            },
        )
        self._tour(f"/odoo/account.move/{move.id}", "chorus_pro_works_corrected_tour")
        self.assertEqual(move.chorus_status, "TRANSMISE_MOA")
        self.assertEqual(move.chorus_works_moe_amount_untaxed, 68000.0)
        self.assertTrue(move.chorus_works_objection_deadline)
        # The contractor objected within the 30 days: the Département validates the amount
        # submitted and orders the payment (84 120,00 TTC, less the retention when paid).
        self._admin(
            "/works/validate",
            {
                "identifiantFactureCPP": invoice_id,
                "par": "MOA",
                "montantHT": 70100.0,
                "commentaire": "Réclamation acceptée : isolation constatée à 300 m²",
            },
        )
        self._admin("/invoices/advance", {"ids": [invoice_id], "steps": 5})
        self._tour(f"/odoo/account.move/{move.id}", "chorus_pro_works_paid_tour")
        self.assertEqual((move.chorus_status, move.chorus_state), ("MISE_EN_PAIEMENT", "paid"))
        self.assertEqual(move.chorus_works_moa_amount_untaxed, 70100.0)
        self.assertIn(move.payment_state, ("paid", "in_payment"))
        # Net paid 80 615,00; the retention 3 505,00 waits on 411710.
        retention = self.env["account.move.line"].search(
            [("account_id", "=", self.retention_account.id), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(retention.mapped("balance"), [statement.retention_month])
        self.assertEqual(statement.retention_month, 3505.0)
        self.assertEqual(self._calls(SUBMIT), 1)

    def test_wrong_validator_corrected(self):
        self._admin(
            "/structures", {"siret": WRONG_MOE_SIRET, "name": "Autre cabinet d'architecture", "public": False}
        )
        self._admin("/works/enable", {"structure": WRONG_MOE_SIRET, "enabled": True})
        self.contract.write({"moe_siret": WRONG_MOE_SIRET, "moe_service_code": False})
        self.statement.action_confirm()
        move = self.env["account.move"].browse(self.statement.action_create_invoice()["res_id"])
        move.partner_bank_id = self.bank_account
        move.action_post()
        self.connector._deposit(move)
        self._admin(
            "/works/refuse",
            {
                "identifiantFactureCPP": int(move.chorus_identifier),
                "motif": "MAUVAIS_VALIDEUR",
                "commentaire": "Pas notre chantier",
            },
        )
        self._tour(f"/odoo/account.move/{move.id}", "chorus_pro_works_validator_tour")
        self.assertEqual((move.chorus_state, move.chorus_status), ("deposited", "MISE_A_DISPOSITION_MOE"))
        self.assertEqual(self._sim_document(move)["travaux"]["moe"]["identifiant"], SIM_MOE_SIRET)
        self.assertEqual(self.contract.moe_siret, SIM_MOE_SIRET)
        self.assertEqual(self._calls(SUBMIT), 1)
