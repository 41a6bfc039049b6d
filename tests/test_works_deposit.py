# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Works statements submitted through the one deposit pipeline and followed on Chorus Pro
(docs/works.md, "Submitting and following statements"), against the simulator over HTTP:
the contractor renovating a collège for the Département 93, the seeded architect firm as
project manager (MOE)."""

import datetime
from unittest.mock import patch

import requests

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_connector_works import ChorusProConnectorWorks

from .common import ChorusProSimulatorCommon
from .test_works_statements import ChorusProWorksCommon

CONTRACTOR_SIRET = "84123456000016"
CONTRACTOR_LOGIN = "TECH_1_84123456000016@cpro.fr"
SIM_MOE_SIRET = "85234567700011"
SIM_MOE_SERVICE = "MOE-COLLEGES"
D93_SIRET = "22930008201453"
WRONG_MOE_SIRET = "73282932000074"
SUBMIT = "/cpro/factures/v1/soumettre"
DEPOSIT_FLOW = "/cpro/factures/v1/deposer/flux"
CORRECT_VALIDATOR = "/cpro/factures/v1/corriger/valideur/facture"
HANDLE_REJECTION = "/cpro/factures/v1/traiterRejet"


class ChorusProWorksDepositCommon(ChorusProSimulatorCommon, ChorusProWorksCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            dict(
                cls._chorus_settings(CONTRACTOR_LOGIN),
                name="Rénovation Bâtiment 93",
                company_registry=CONTRACTOR_SIRET,
                vat="FR81841234560",
            )
        )
        cls.moe.company_registry = SIM_MOE_SIRET
        cls.service_dbl.write({"code": "BATIMENTS", "name": "Direction des bâtiments (collèges)"})
        cls.user.group_ids |= cls.env.ref("account.group_account_invoice")

    def setUp(self):
        super().setUp()
        # The Département's buildings service, the MOA's service of the works documents.
        self._admin(
            "/services", {"structure": D93_SIRET, "code": "BATIMENTS", "name": "Direction des bâtiments"}
        )

    def _admin(self, route, body):
        response = requests.post(f"{self.server.url}/_simulator{route}", json=body, timeout=10)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def _calls(self, path):
        return self.sim.calls.get(path, 0)

    def _works_invoice(self, role="holder", moe_service=SIM_MOE_SERVICE):
        """A contract, its February statement confirmed and its invoice created (draft), as
        the user does it from the statement's buttons."""
        form = self._contract_form(role=role)
        contract = form.save()
        contract.moe_service_code = moe_service
        statement = self._statement(contract, "2026-02-01", {"1.1": 100, "1.2": 60, "4.1": 300})
        statement.with_user(self.user).action_confirm()
        action = statement.with_user(self.user).action_create_invoice()
        move = self.env["account.move"].browse(action["res_id"])
        move.partner_bank_id = self.bank_account
        return statement, move

    def _deposit_from_form(self, move):
        """The invoice form's Deposit to Chorus Pro button, then the wizard's Deposit."""
        action = move.action_chorus_deposit()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        return wizard, wizard.action_deposit()

    def _sim_document(self, move):
        [invoice] = [i for i in self.sim.t["invoice"].values() if i["numeroFacture"] == move.name]
        return invoice


@tagged("post_install", "-at_install")
class TestWorksDeposit(ChorusProWorksDepositCommon):
    def test_statement_submitted_in_its_frame_through_the_moe(self):
        statement, move = self._works_invoice()
        self.assertEqual(move.chorus_channel, "api")
        checklist = self._checklist(move)
        for code in (
            "works_statement",
            "works_frame",
            "works_cumulative",
            "works_contract",
            "works_validator",
        ):
            self.assertTrue(checklist[code]["ok"], (code, checklist[code]["message"]))
        wizard, _action = self._deposit_from_form(move)
        self.assertEqual((self._calls(SUBMIT), self._calls(DEPOSIT_FLOW)), (1, 0))
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.chorus_state, "deposited")
        document = self._sim_document(move)
        self.assertEqual(document["modeDepot"], "DEPOT_PDF_API")
        self.assertEqual(document["travaux"]["typeFactureTravaux"], "PROJET_DECOMPTE_MENSUEL")
        self.assertEqual(
            (document["travaux"]["moe"]["identifiant"], document["travaux"]["moe"]["codeService"]),
            (SIM_MOE_SIRET, SIM_MOE_SERVICE),
        )
        self.assertEqual(document["travaux"]["moa"]["codeService"], "BATIMENTS")
        # The statement PDF is the main attachment, kept on the invoice as evidence.
        self.assertEqual(move.chorus_document_id.name, f"{statement.name.replace('/', '_')}.pdf")
        self.assertEqual(
            self.sim.blobs[f"invoice:{document['identifiantFactureCPP']}"], move.chorus_document_id.raw
        )
        self.assertEqual(statement.state, "submitted")
        # The month's invoice is submitted, the retention is withheld later by the MOA.
        self.assertGreater(statement.retention_month, 0)
        self.assertEqual(document["montantTTC"], move.amount_total)
        self.assertEqual(move.amount_total, statement.amount_total)
        # Followed at once: held by the MOE, 7 days from Chorus Pro's timestamp.
        self.assertEqual(move.chorus_status, "MISE_A_DISPOSITION_MOE")
        self.assertEqual((move.chorus_works_holder, statement.chorus_works_holder), ("moe", "moe"))
        self.assertAlmostEqual(
            move.chorus_works_moe_deadline,
            datetime.datetime.now() + datetime.timedelta(days=7),
            delta=datetime.timedelta(minutes=2),
        )
        self.assertEqual(statement.chorus_works_moe_deadline, move.chorus_works_moe_deadline)
        # Never twice: the deposit again is refused, nothing submitted.
        with self.assertRaisesRegex(UserError, "never sent twice"):
            self.connector._deposit(move)
        self.assertEqual(self._calls(SUBMIT), 1)

    def test_lost_answer_never_submitted_twice(self):
        """Chorus Pro processes the submission but the answer is lost: the invoice is
        unconfirmed, the statement frozen, nothing submitted again; the search finds it."""
        statement, move = self._works_invoice()
        move.action_post()
        self.sim.inject_fault(SUBMIT, "process_then_drop")
        flow = self.connector._deposit(move)
        self.assertEqual((move.chorus_state, flow.state), ("unconfirmed", "unconfirmed"))
        self.assertEqual(statement.state, "submitted")
        with self.assertRaisesRegex(UserError, "never sent twice"):
            self.connector._deposit(move)
        self.connector._update_flows(flow)
        self.assertEqual(move.chorus_identifier, str(self._sim_document(move)["identifiantFactureCPP"]))
        self.assertEqual(move.chorus_state, "deposited")
        self.assertEqual(self._calls(SUBMIT), 1)

    def test_each_role_in_its_frame(self):
        expected = {
            "subcontractor": "A10_PROJET_DECOMPTE_MENSUEL_SOUSTRAITANT",
            "co_contractor": "A13_PROJET_DECOMPTE_MENSUEL_COTRAITANT",
            "representative": "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR",
        }
        for role, frame in expected.items():
            with self.subTest(role=role):
                statement, move = self._works_invoice(role=role)
                move.action_post()
                self.connector._deposit(move)
                document = self._sim_document(move)
                self.assertEqual(move.chorus_status, "MISE_A_DISPOSITION_MOE")
                self.assertEqual(document["cadreFacturation"], frame)
                self.assertEqual(document["travaux"]["typeFactureTravaux"], "PROJET_DECOMPTE_MENSUEL")
                self.assertEqual(statement.state, "submitted")
                statement.contract_id.active = False

    def test_final_statement_in_its_frame(self):
        statement, move = self._works_invoice()
        move.action_post()
        self.connector._deposit(move)
        final = self._statement(statement.contract_id, "2026-03-01", {"1.2": 100, "4.1": 1250}, kind="final")
        final.with_user(self.user).action_confirm()
        final_move = self.env["account.move"].browse(
            final.with_user(self.user).action_create_invoice()["res_id"]
        )
        final_move.partner_bank_id = self.bank_account
        self._deposit_from_form(final_move)
        document = self._sim_document(final_move)
        self.assertEqual(document["cadreFacturation"], "A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR")
        self.assertEqual(document["travaux"]["typeFactureTravaux"], "PROJET_DECOMPTE_FINAL")
        self.assertEqual((final.state, final_move.chorus_works_holder), ("submitted", "moe"))

    def test_platform_recipient_statement_sent_directly_with_send(self):
        """The Département sends its invoices through the approved platform: the works
        statement still goes directly to Chorus Pro, with Odoo's Send dialog."""
        self._peppol_method()
        self.dept93.with_company(self.company).invoice_sending_method = "peppol"
        self.assertEqual(self._d93_invoice(post=False).chorus_channel, "platform")
        _statement, move = self._works_invoice()
        move.action_post()
        self.assertEqual(move.chorus_channel, "api")
        # The statement printed here: wkhtmltopdf cannot reach Odoo's test server while a
        # request cursor holds it (as tests/common.py does for the invoice PDF).
        pdf = self.connector._works_statement_pdf(move)
        render = patch.object(ChorusProConnectorWorks, "_works_statement_pdf", lambda connector, move: pdf)
        render.start()
        self.addCleanup(render.stop)
        send = self.env["account.move.send"]
        self.assertTrue(send._is_applicable_to_move("chorus_pro", move))
        self.assertFalse(send._is_applicable_to_move("peppol", move))
        action = move.action_send_and_print()
        model, context = action["res_model"], action["context"]
        wizard_id, error = self._request(
            lambda env: env[model].with_context(**context).create({}).id, context
        )
        self.assertIsNone(error)
        _result, error = self._request(
            lambda env: env[model].browse(wizard_id).action_send_and_print(), context
        )
        self.assertIsNone(error)
        self.assertEqual(move.chorus_state, "deposited")
        self.assertEqual((self._calls(SUBMIT), self._calls(DEPOSIT_FLOW)), (1, 0))
        self.assertEqual(move.chorus_status, "MISE_A_DISPOSITION_MOE")
        self.assertEqual(move.chorus_document_id.raw, pdf)

    def test_unknown_validator_and_cumulative_down_refused_before_sending(self):
        statement, move = self._works_invoice()
        statement.contract_id.moe_siret = "73282932000074"  # a valid SIRET unknown to Chorus Pro
        checklist = self._checklist(move)
        self.assertFalse(checklist["works_validator"]["ok"])
        self.assertIn("73282932000074", checklist["works_validator"]["message"])
        with self.assertRaises(UserError):
            self._deposit_from_form(move)
        self.assertEqual(self._calls(SUBMIT), 0)
        self.assertFalse(move.chorus_state)
        # No validator at all: refused before any call, in clear words.
        statement.contract_id.moe_siret = False
        self.assertIn("no project manager", self._checklist(move)["works_validator"]["message"])


@tagged("post_install", "-at_install")
class TestWorksCycle(ChorusProWorksDepositCommon):
    def _submitted(self):
        statement, move = self._works_invoice()
        move.action_post()
        self.connector._deposit(move)
        return statement, move, int(move.chorus_identifier)

    def test_moe_validates_with_corrected_amount_then_paid(self):
        statement, move, invoice_id = self._submitted()
        corrected = round(move.amount_untaxed - 1000.0, 2)
        self._admin(
            "/works/validate",
            {
                "identifiantFactureCPP": invoice_id,
                "par": "MOE",
                "montantHT": corrected,
                "commentaire": "Métré contradictoire",
            },
        )
        move.action_chorus_update()
        self.assertEqual(move.chorus_status, "TRANSMISE_MOA")
        self.assertEqual(move.chorus_works_holder, "moa")
        self.assertEqual(move.chorus_works_moe_amount_untaxed, corrected)
        self.assertTrue(move.chorus_works_amounts_corrected)
        self.assertEqual(statement.chorus_works_moe_amount_untaxed, corrected)
        self.assertTrue(move.chorus_works_objection_deadline)
        activity = move.activity_ids.filtered(lambda a: "corrected" in (a.summary or ""))
        self.assertEqual(activity.date_deadline, move.chorus_works_objection_deadline)
        self.assertIn("Métré contradictoire", activity.note)
        # The MOA validates, then the payment.
        self._admin("/works/validate", {"identifiantFactureCPP": invoice_id, "par": "MOA"})
        self._admin("/invoices/advance", {"ids": [invoice_id], "steps": 5})
        move.action_chorus_update()
        self.assertEqual(move.chorus_status, "MISE_EN_PAIEMENT")
        self.assertEqual(move.chorus_state, "paid")

    def test_moe_deadline_passed_makes_an_activity_once(self):
        _statement, move, invoice_id = self._submitted()
        self._admin("/invoices/backdate", {"identifiantFactureCPP": invoice_id, "jours": 8})
        self.connector._works_refresh(move)
        self.assertLess(move.chorus_works_moe_deadline, datetime.datetime.now())
        self.connector._works_check_deadlines(self.company)
        self.connector._works_check_deadlines(self.company)
        activities = move.activity_ids.filtered(lambda a: "7 days" in (a.summary or ""))
        self.assertEqual(len(activities), 1)
        self.assertTrue(move.chorus_works_deadline_notified)

    def test_refused_other_reason_to_fix_with_reason(self):
        _statement, move, invoice_id = self._submitted()
        self._admin(
            "/works/refuse",
            {
                "identifiantFactureCPP": invoice_id,
                "motif": "REF_FAC_TRAVAUX",
                "commentaire": "Référence du marché erronée",
            },
        )
        move.action_chorus_update()
        self.assertEqual(move.chorus_status, "REFUSEE_MOE")
        self.assertEqual(move.chorus_state, "to_fix")
        self.assertEqual(move.chorus_works_refusal_reason, "REF_FAC_TRAVAUX")
        self.assertIn("Référence du marché erronée", move.chorus_status_comment)
        self.assertFalse(move.chorus_works_wrong_validator)
        self.assertTrue(move.activity_ids.filtered(lambda a: "refused" in (a.summary or "")))

    def test_wrong_validator_corrected_from_the_wizard(self):
        # The contract names another architect firm (enabled for works on Chorus Pro).
        self._admin(
            "/structures", {"siret": WRONG_MOE_SIRET, "name": "Autre cabinet d'architecture", "public": False}
        )
        self._admin("/works/enable", {"structure": WRONG_MOE_SIRET, "enabled": True})
        statement, move = self._works_invoice(moe_service=None)
        statement.contract_id.moe_siret = WRONG_MOE_SIRET
        move.action_post()
        self.connector._deposit(move)
        invoice_id = int(move.chorus_identifier)
        self.assertEqual(self._sim_document(move)["travaux"]["moe"]["identifiant"], WRONG_MOE_SIRET)
        self._admin(
            "/works/refuse",
            {
                "identifiantFactureCPP": invoice_id,
                "motif": "MAUVAIS_VALIDEUR",
                "commentaire": "Pas notre chantier",
            },
        )
        move.action_chorus_update()
        self.assertEqual(move.chorus_status, "ERREUR_FOURNISSEUR_SUR_MOE")
        self.assertTrue(move.chorus_works_wrong_validator)
        action = move.action_chorus_works_correct_validator()
        with Form(self.env[action["res_model"]].with_context(**action["context"])) as form:
            self.assertEqual(form.moe_siret, WRONG_MOE_SIRET)
            form.moe_siret = SIM_MOE_SIRET
            form.moe_service_code = SIM_MOE_SERVICE
        form.record.action_correct()
        self.assertEqual((self._calls(HANDLE_REJECTION), self._calls(CORRECT_VALIDATOR)), (1, 1))
        self.assertEqual(move.chorus_status, "MISE_A_DISPOSITION_MOE")
        self.assertEqual(move.chorus_state, "deposited")
        self.assertEqual(move.chorus_works_holder, "moe")
        self.assertFalse(move.chorus_works_refusal_reason)
        self.assertTrue(self._sim_document(move).get("rejetTraite"))
        self.assertEqual(self._sim_document(move)["travaux"]["moe"]["identifiant"], SIM_MOE_SIRET)
        self.assertEqual(statement.contract_id.moe_siret, SIM_MOE_SIRET)
        # Not refused any more: the button is gone, and correcting again is refused clearly.
        self.assertFalse(move.chorus_works_wrong_validator)
        with self.assertRaisesRegex(UserError, "not refused for a wrong project manager"):
            self.connector._works_correct_validator(move, SIM_MOE_SIRET)
