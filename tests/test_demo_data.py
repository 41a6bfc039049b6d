# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from chorus_pro_simulator import Simulator

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from .common import SIMULATOR_PASSWORD


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase):
    """Checks the demo data; skipped on a database installed without demo data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.psy = cls.env.ref("l10n_fr_chorus_pro.demo_company_psy", raise_if_not_found=False)

    def setUp(self):
        super().setUp()
        if not self.psy:
            self.skipTest("installed without demo data")

    def test_demo_companies(self):
        ase = self.env.ref("l10n_fr_chorus_pro.demo_company_ase")
        for company, siret in ((self.psy, "81234567600017"), (ase, "79876543400021")):
            self.assertEqual(company.company_registry, siret)
            self.assertEqual(company.country_id.code, "FR")
            self.assertEqual(company.chart_template, "fr")
            bank = self.env["res.partner.bank"].search([("partner_id", "=", company.partner_id.id)])
            self.assertTrue(bank.acc_number.startswith("FR"))
            self.assertEqual(bank.bank_bic, "BNPAFRPPXXX")

    def test_demo_invoices(self):
        psy_invoice = self.env.ref("l10n_fr_chorus_pro.demo_invoice_psy_amu")
        self.assertEqual(psy_invoice.company_id, self.psy)
        self.assertTrue(psy_invoice.chorus_is_recipient)
        self.assertEqual(psy_invoice.amount_total, 200.0)
        self.assertEqual(psy_invoice.amount_tax, 0.0)
        tax = psy_invoice.invoice_line_ids.tax_ids
        self.assertEqual(tax.ubl_cii_tax_category_code, "E")
        self.assertEqual(tax.ubl_cii_tax_exemption_reason_code, "VATEX-FR-CGI261-4")
        self.assertEqual(psy_invoice.partner_bank_id.sanitized_acc_number, "FR4430004000030000012345678")

        ase_invoice = self.env.ref("l10n_fr_chorus_pro.demo_invoice_ase_538")
        self.assertEqual(ase_invoice.buyer_reference, "538")
        self.assertEqual(ase_invoice.purchase_order_reference, "EJ2026-000123")
        self.assertEqual(len(ase_invoice.chorus_beneficiary_ids), 2)
        self.assertEqual(ase_invoice.company_id, self.env.ref("l10n_fr_chorus_pro.demo_company_ase"))
        checklist = self.env["chorus.pro.checklist"]
        self.assertEqual([i["code"] for i in checklist._failed(ase_invoice)], [])
        # The university's address is not typed in the demo: make demo connects the
        # companies to the simulator, whose directory gives it at the first check.
        university = psy_invoice.commercial_partner_id
        self.assertFalse(university.street)
        self._connect_to_simulator(self.psy)
        self.assertEqual([i["code"] for i in checklist._failed(psy_invoice)], [])
        self.assertEqual(
            (university.street, university.zip, university.city),
            ("Jardin du Pharo, 58 boulevard Charles Livon", "13007", "Marseille"),
        )
        self.assertEqual(
            set(ase_invoice.invoice_line_ids.tax_ids.mapped("ubl_cii_tax_exemption_reason_code")),
            {"VATEX-FR-CGI261-7"},
        )
        missing_ej = self.env.ref("l10n_fr_chorus_pro.demo_invoice_ase_132")
        self.assertEqual([i["code"] for i in checklist._failed(missing_ej)], ["routing"])
        self.assertEqual(missing_ej.buyer_reference, "132")
        self.assertFalse(missing_ej.purchase_order_reference)

    def _connect_to_simulator(self, company):
        """``company`` connected to the Chorus Pro simulator, as scripts/demo.sh does."""
        self.sim = Simulator(flow_steps=0)
        server = self.sim.serve()
        self.addCleanup(server.stop)
        company.write(
            {
                "chorus_environment": "custom",
                "chorus_api_url": server.url,
                "chorus_token_url": server.token_url,
                "chorus_client_id": "chorus-sim-client",
                "chorus_client_secret": "chorus-sim-secret",
                "chorus_login": f"TECH_1_{company.company_registry}@cpro.fr",
                "chorus_password": SIMULATOR_PASSWORD,
            }
        )

    def test_demo_in_french(self):
        """make demo is French: the administrator, the demo partners, the landing page."""
        ase = self.env.ref("l10n_fr_chorus_pro.demo_company_ase")
        self.assertTrue(self.env["res.lang"]._lang_get("fr_FR").active)
        admin = self.env.ref("base.user_admin")
        self.assertEqual(admin.lang, "fr_FR")
        self.assertEqual(admin.tz, "Europe/Paris")
        self.assertEqual(admin.company_id, self.psy)
        self.assertLessEqual(self.psy | ase, admin.company_ids)
        # Lands on Facturation > Clients > Factures clients.
        self.assertEqual(admin.action_id.id, self.env.ref("account.action_move_out_invoice").id)
        menu = self.env.ref("account.menu_action_move_out_invoice_type")
        self.assertEqual(admin.action_id.id, menu.action.id)
        # The document layout is chosen: Send opens its dialog, not the layout configurator.
        for company in self.psy | ase:
            self.assertTrue(company.external_report_layout_id, company.name)
        partners = (
            self.psy.partner_id
            | ase.partner_id
            | self.env.ref("l10n_fr_chorus_pro.partner_departement_93")
            | self.env.ref("l10n_fr_chorus_pro.partner_departement_93").child_ids
        )
        invoices = self.env["account.move"].search([("company_id", "in", (self.psy | ase).ids)])
        partners |= invoices.partner_id
        for partner in partners:
            self.assertEqual(partner.lang, "fr_FR", partner.display_name)
            self.assertEqual(partner.country_id.code or "FR", "FR", partner.display_name)

    def test_demo_no_iap_call(self):
        """No partner autocomplete (IAP) enrichment of the demo companies at login."""
        companies = self.env["res.company"].search([])
        if "iap_enrich_auto_done" not in companies._fields:
            return  # partner_autocomplete not installed: nothing would call IAP
        # The web client asks for the enrichment of the user's company when this flag is off
        # (partner_autocomplete's session_info), which calls partner-autocomplete.odoo.com.
        self.assertEqual(companies.filtered(lambda c: not c.iap_enrich_auto_done), companies.browse())

    def test_demo_payment_delays(self):
        """The association's invoices paid late by the Département (docs/payment-delay.md)."""
        ase = self.env.ref("l10n_fr_chorus_pro.demo_company_ase")
        moves = {
            name: self.env.ref(f"l10n_fr_chorus_pro.demo_invoice_ase_{name}")
            for name in ("late_suspended", "late", "on_time", "late_unpaid")
        }
        figures = {
            name: (move.chorus_delay_suspended_days, move.chorus_delay_days_late, move.chorus_delay_late)
            for name, move in moves.items()
        }
        self.assertEqual(
            figures,
            {
                "late_suspended": (12, 16, True),
                "late": (0, 30, True),
                "on_time": (0, 0, False),
                "late_unpaid": (0, 20, True),
            },
        )
        self.assertTrue(moves["late_suspended"].chorus_delay_interest > 0)
        self.assertIn("12 days added", moves["late_suspended"].chorus_delay_explanation)
        # the cron's follow-up activity on the late invoices paid more than 45 days ago
        activity_type = self.env.ref("l10n_fr_chorus_pro.mail_activity_type_late_interest")
        activities = self.env["mail.activity"].search([("activity_type_id", "=", activity_type.id)])
        self.assertEqual(set(activities.mapped("res_id")), {moves["late_suspended"].id, moves["late"].id})
        # who pays late: the Département, service ASE 538
        rows = self.env["chorus.pro.payment.delay.report"].search([("company_id", "=", ase.id)])
        self.assertEqual(rows.partner_id, self.env.ref("l10n_fr_chorus_pro.partner_departement_93"))
        self.assertEqual((rows.invoice_count, rows.late_count), (4, 3))

    def test_demo_revisable_market(self):
        """The demo's revisable market: a month invoiced at revised prices (Syntec)."""
        order = self.env.ref("l10n_fr_chorus_pro.demo_order_revisable")
        self.assertEqual(order.revision_term_ids.base_value, 293.9)
        move = self.env["account.move"].browse(order.action_create_invoice()["res_id"])
        move.delivery_date = "2023-11-20"
        move.action_chorus_apply_price_revision()
        # 0.30 + 0.70 × 307.0 / 293.9 = 1.0312 → 1.032
        self.assertEqual(move.chorus_revision_coefficient, 1.032)
        self.assertEqual(move.invoice_line_ids.price_unit, 516.0)

    def test_demo_interest_invoice(self):
        """The association claims the interest of an invoice the Département paid late: the
        interest invoice (computed amounts, the claim letter attached) is ready to deposit."""
        ase = self.env.ref("l10n_fr_chorus_pro.demo_company_ase")
        late = self.env.ref("l10n_fr_chorus_pro.demo_invoice_ase_late")
        self.assertTrue(late.chorus_interest_can_invoice)
        self.assertEqual(late.chorus_interest_remaining, late.chorus_delay_interest + 40.0)
        action = late.with_company(ase).action_chorus_interest_invoice()
        interest = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(interest.company_id, ase)
        self.assertEqual(interest.invoice_line_ids.mapped("price_unit"), [late.chorus_delay_interest, 40.0])
        self.assertEqual(interest.chorus_service_id, late.chorus_service_id)
        self.assertEqual(interest.purchase_order_reference, "EJ2025-000911")
        self.assertTrue(interest.chorus_attachment_ids.raw.startswith(b"%PDF"))
        self._connect_to_simulator(ase)
        checklist = self.env["chorus.pro.checklist"]
        self.assertEqual([i["code"] for i in checklist._failed(interest)], [])

    def test_demo_revisable_invoices(self):
        """Three monthly invoices of the revisable market (Syntec), the November one revised
        provisionally (its value not published yet) then settled once (docs/price-revision.md)."""
        order = self.env.ref("l10n_fr_chorus_pro.demo_order_revisable")
        moves = self.env["account.move"].search(
            [("chorus_order_id", "=", order.id)], order="invoice_date, id"
        )
        settlement = moves.filtered("chorus_revision_settled_id")
        invoices = moves - settlement
        self.assertEqual(set(moves.mapped("state")), {"posted"})
        # C = 0.30 + 0.70 × Syntec / 293.9 (January 2023), rounded to the thousandth above:
        # September 306.0 → 1.0288 → 1.029; October 306.7 → 1.0304 → 1.031; November made
        # before its value was published, with October's 306.7 → 1.031 (provisional).
        self.assertEqual(
            [
                (
                    str(m.delivery_date),
                    str(m.chorus_revision_month),
                    m.chorus_revision_coefficient,
                    m.invoice_line_ids.quantity,
                    m.invoice_line_ids.price_unit,
                    m.chorus_revision_provisional,
                )
                for m in invoices
            ],
            [
                ("2023-09-29", "2023-09-01", 1.029, 6, 514.5, False),
                ("2023-10-31", "2023-10-01", 1.031, 7, 515.5, False),
                ("2023-11-30", "2023-11-01", 1.031, 6, 515.5, True),
            ],
        )
        november = invoices[-1]
        self.assertEqual(
            [
                (t["value_month"], t["value"], t["provisional"])
                for t in november.chorus_revision_data["terms"]
            ],
            [("2023-10-01", "306.7", True)],
        )
        # Settled once with the published 307.0: 0.30 + 0.70 × 307.0 / 293.9 = 1.0312 → 1.032,
        # a complementary invoice of 6 days × (516.00 − 515.50).
        self.assertEqual(november.chorus_revision_settlement_id, settlement)
        self.assertEqual(november.chorus_revision_settlement_state, "settled")
        self.assertEqual(settlement.move_type, "out_invoice")
        self.assertEqual(settlement.chorus_revision_coefficient, 1.032)
        self.assertEqual(
            (settlement.invoice_line_ids.quantity, settlement.invoice_line_ids.price_unit), (6, 0.5)
        )
        self.assertEqual(settlement.amount_untaxed, 3.0)
        self.assertEqual(settlement.purchase_order_reference, order.engagement_number)
        self.assertTrue(november.chorus_revision_annex_id)
        self.assertTrue(settlement.chorus_revision_annex_id)
        # Nothing twice: the invoice, alone or selected with the others, is not settled again.
        self.assertFalse(
            self.env["account.move"].search(
                [("id", "in", invoices.ids), ("chorus_revision_settlement_state", "=", "ready")]
            )
        )
        with self.assertRaises(UserError):
            november.action_chorus_settle_price_revision()
        with self.assertRaises(UserError):
            invoices.action_chorus_settle_price_revisions()
        self.assertEqual(self.env["account.move"].search_count([("chorus_order_id", "=", order.id)]), 4)
        # The revision does not count against what remains of the order: 24 − 6 − 7 − 6 days.
        self.assertEqual(order.line_ids.qty_remaining, 5)

    def test_demo_works(self):
        """The works demo (docs/works.md, "Demo"): the building firm's collège for the
        Département 93, its architect firm as project manager, three monthly statements."""
        works = self.env.ref("l10n_fr_chorus_pro.demo_company_works")
        self.assertEqual(works.company_registry, "84123456000016")
        self.assertEqual(works.chart_template, "fr")
        self.assertIn(works, self.env.ref("base.user_admin").company_ids)
        contract = self.env.ref("l10n_fr_chorus_pro.demo_works_contract")
        self.assertEqual(contract.company_id, works)
        self.assertEqual(contract.partner_id, self.env.ref("l10n_fr_chorus_pro.partner_departement_93"))
        self.assertEqual(contract.service_id.code, "BATIMENTS")
        self.assertEqual((contract.moe_siret, contract.moe_service_code), ("85234567700011", "MOE-COLLEGES"))
        self.assertEqual(contract.moe_partner_id.company_registry, "85234567700011")
        self.assertEqual({item.kind for item in contract.item_ids}, {"lump_sum", "unit"})
        self.assertEqual((contract.amount_initial, contract.amount_total), (498380.0, 518230.0))
        self.assertEqual(len(contract.amendment_ids), 1)
        self.assertEqual((contract.retention_rate, contract.advance_amount), (5.0, 24919.0))
        self.assertEqual(contract.retention_account_id.with_company(works).code, "411710")
        first, second, third = (
            self.env.ref(f"l10n_fr_chorus_pro.demo_works_statement_{n}") for n in (1, 2, 3)
        )
        self.assertEqual([s.state for s in (first, second, third)], ["submitted", "submitted", "confirmed"])
        self.assertEqual(second.previous_statement_id, first)
        self.assertEqual(third.previous_statement_id, second)
        self.assertEqual(
            [(s.amount_month, s.retention_month, s.amount_total, s.amount_to_pay) for s in (first, second)],
            [(59640.0, 2982.0, 71568.0, 68586.0), (73165.0, 3658.25, 87798.0, 84139.75)],
        )
        # Month 1: validated as submitted, paid net of the retention (on 411710).
        paid = first.move_id
        self.assertEqual(
            (paid.state, paid.chorus_state, paid.chorus_status), ("posted", "paid", "MISE_EN_PAIEMENT")
        )
        self.assertEqual(paid.amount_total, first.amount_total)
        self.assertIn(paid.payment_state, ("paid", "in_payment"))
        self.assertFalse(paid.chorus_works_amounts_corrected)
        retention = paid.line_ids.matched_credit_ids.credit_move_id.move_id.line_ids.filtered(
            lambda line: line.account_id == contract.retention_account_id
        )
        self.assertEqual(retention.balance, first.retention_month)
        # Month 2: validated by the MOE with a corrected amount, 30 days to object.
        corrected = second.move_id
        self.assertEqual((corrected.chorus_state, corrected.chorus_status), ("deposited", "TRANSMISE_MOA"))
        self.assertEqual(corrected.chorus_works_holder, "moa")
        self.assertTrue(corrected.chorus_works_amounts_corrected)
        self.assertEqual(corrected.chorus_works_moe_amount_untaxed, 66050.0)
        self.assertEqual(second.chorus_works_moe_amount_untaxed, 66050.0)
        self.assertGreater(corrected.chorus_works_objection_deadline, fields.Date.today())
        self.assertTrue(
            corrected.activity_ids.filtered(
                lambda a: a.date_deadline == corrected.chorus_works_objection_deadline
            )
        )
        # Month 3: confirmed, its invoice ready to submit (the checklist green on the simulator).
        draft = third.move_id
        self.assertEqual((draft.state, draft.chorus_state), ("draft", False))
        self.assertEqual(draft.amount_total, third.amount_total)
        self.assertEqual(third.amount_month, 105147.5)
        self.assertTrue(draft.chorus_can_deposit)
        self._connect_to_simulator(works)
        self.sim.add_service("22930008201453", "BATIMENTS", "Direction des bâtiments (collèges)")
        checklist = self.env["chorus.pro.checklist"]
        self.assertEqual([i["code"] for i in checklist._failed(draft, with_facturx=False)], [])
