# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

"""Works contracts and their monthly statements (docs/works.md), as an invoicing user
fills them in the forms: a contractor renovating a collège for the Département de la
Seine-Saint-Denis, an architect firm as project manager (MOE), a DPGF of lump-sum phases
and BPU unit items, an amendment, the retention guarantee and the advance.

Expected amounts are computed by hand in the comments (the arithmetic itself is tested
with the same DPGF in lib/tests/test_works_statement.py).
"""

import datetime
import io

from pypdf import PdfReader

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import ChorusProCommon, ChorusProHttpCommon

MOE_SIRET = "45123789500003"


class ChorusProWorksCommon(ChorusProCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.chorus_post_check = "warn"
        cls.vat20 = cls._sale_tax("TVA 20 % travaux", 20.0)
        cls.service_dbl = cls.env["chorus.pro.service"].create(
            {
                "partner_id": cls.dept93.id,
                "code": "DBL",
                "name": "Direction des bâtiments et de la logistique",
            }
        )
        cls.moe = cls.env["res.partner"].create(
            {
                "name": "Atelier d'architecture Lemoine et Associés",
                "is_company": True,
                "company_registry": MOE_SIRET,
                "country_id": cls.env.ref("base.fr").id,
            }
        )
        Account = cls.env["account.account"]
        cls.retention_account = Account.create(
            {
                "code": "411710",
                "name": "Clients - Retenues de garantie",
                "account_type": "asset_current",
                "company_ids": [Command.set(cls.company.ids)],
            }
        )
        cls.advance_account = Account.with_company(cls.company).search(
            [("code", "=", "419100"), ("company_ids", "in", cls.company.ids)], limit=1
        ) or Account.create(
            {
                "code": "419100",
                "name": "Clients créditeurs - Avances et acomptes reçus",
                "account_type": "liability_current",
                "company_ids": [Command.set(cls.company.ids)],
            }
        )
        cls.user = cls._company_user(
            "works_invoicing_user", "account.group_account_invoice,base.group_partner_manager"
        )

    @classmethod
    def _contract_form(cls, role="holder"):
        """The collège's lot 1 as the user types it (DPGF + BPU, 5 % retention, advance)."""
        self = cls
        form = Form(self.env["chorus.pro.works.contract"].with_user(self.user))
        form.name = "2026-093-TRX-014"
        form.lot = "Lot 1 - Gros œuvre et enveloppe"
        form.title = "Rénovation du collège Jean-Jaurès, Montreuil"
        form.role = role
        form.partner_id = self.dept93
        form.service_id = self.service_dbl
        form.engagement_number = "EJ2026-001234"
        form.moe_partner_id = self.moe
        form.moe_service_code = "MOE-01"
        form.date_notification = "2026-01-05"
        form.tax_id = self.vat20
        form.advance_amount = 43154.90  # 10 % of 431 549.00
        form.retention_rate = 5.0
        form.retention_account_id = self.retention_account
        form.advance_account_id = self.advance_account
        form.penalty_per_day = 300.0
        for code, name, kind, price, quantity, uom in (
            ("1.1", "Installation de chantier", "lump_sum", 18500.00, 1, ""),
            ("1.2", "Démolitions intérieures", "lump_sum", 42300.00, 1, ""),
            ("2.1", "Gros œuvre - reprises de structure", "lump_sum", 126800.00, 1, ""),
            ("3.1", "Menuiseries extérieures aluminium", "lump_sum", 98450.00, 1, ""),
            ("4.1", "Isolation thermique par l'extérieur", "unit", 87.40, 1250, "m²"),
            ("4.2", "Faux plafonds acoustiques", "unit", 42.15, 860, "m²"),
        ):
            with form.item_ids.new() as item:
                item.code, item.name, item.kind, item.price = code, name, kind, price
                if kind == "unit":
                    item.quantity, item.uom = quantity, uom
        return form

    def _statement(self, contract, period, cumulatives, reasons=None, **values):
        """A statement typed in the form: ``cumulatives`` {item code: new cumulative}."""
        form = Form(self.env["chorus.pro.works.statement"].with_user(self.user))
        form.contract_id = contract
        form.period = period
        form.date = values.pop("date", period)
        for name, value in values.items():
            setattr(form, name, value)
        for index in range(len(form.line_ids)):
            with form.line_ids.edit(index) as line:
                code = line.item_id.code
                if code in cumulatives:
                    line.cumulative = cumulatives[code]
                if reasons and code in reasons:
                    line.reason = reasons[code]
        return form.save()

    def _line(self, statement, code):
        return statement.line_ids.filtered(lambda line: line.item_id.code == code)


@tagged("post_install", "-at_install")
class TestWorksContracts(ChorusProWorksCommon):
    def test_contract_schedule_amendment_and_frames(self):
        contract = self._contract_form().save()
        # 18 500 + 42 300 + 126 800 + 98 450 + 87.40 × 1 250 + 42.15 × 860
        self.assertEqual(contract.amount_initial, 431549.00)
        self.assertEqual(contract.moe_siret, MOE_SIRET)
        self.assertEqual((contract.monthly_frame, contract.final_frame), ("A4", "A7"))
        with Form(contract.with_user(self.user)) as form:
            with form.amendment_ids.new() as amendment:
                amendment.name = "Avenant n° 1"
                amendment.date = "2026-03-10"
                with amendment.item_ids.new() as item:
                    item.code, item.name, item.kind = "4.2", "Faux plafonds acoustiques", "unit"
                    item.price, item.quantity, item.uom = 42.15, 920, "m²"
                with amendment.item_ids.new() as item:
                    item.code, item.name, item.kind = "4.3", "Désamiantage des dalles de sol", "unit"
                    item.price, item.quantity, item.uom = 64.90, 310, "m²"
        # − 36 249 + 38 778 + 20 119
        self.assertEqual(contract.amount_total, 454197.00)
        self.assertEqual(contract.amendment_ids.amount_change, 22648.00)
        self.assertEqual(contract.amount_initial, 431549.00)
        for role, monthly, final in (
            ("subcontractor", "A10", "A11"),
            ("co_contractor", "A13", "A14"),
            ("representative", "A4", "A7"),
        ):
            contract.role = role
            self.assertEqual((contract.monthly_frame, contract.final_frame), (monthly, final))

    def test_retention_above_five_percent_refused(self):
        form = self._contract_form()
        form.retention_rate = 7.0
        with self.assertRaisesRegex(ValidationError, "at most 5 %"):
            form.save()

    def test_invoicing_user_of_another_company_sees_nothing(self):
        contract = self._contract_form().save()
        statement = self._statement(contract, "2026-01-01", {"1.1": 100})
        other = self.setup_other_company(name="Autre entreprise BTP")["company"]
        outsider = self._company_user("works_outsider", "account.group_account_invoice", company=other)
        Contract = self.env["chorus.pro.works.contract"].with_user(outsider)
        self.assertFalse(Contract.search([("id", "=", contract.id)]))
        with self.assertRaises(AccessError):
            statement.with_user(outsider).read(["amount_month"])


@tagged("post_install", "-at_install")
class TestWorksStatements(ChorusProWorksCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract = cls._contract_form().save()

    def test_monthly_statements_are_cumulative(self):
        january = self._statement(self.contract, "2026-01-20", {"1.1": 100, "1.2": 60, "2.1": 15})
        self.assertEqual(january.period.isoformat(), "2026-01-01")  # the month
        self.assertEqual(january.frame, "A4")
        self.assertEqual(january.name, "/")
        # 18 500 + 60 % × 42 300 + 15 % × 126 800 = 18 500 + 25 380 + 19 020
        self.assertEqual(january.amount_month, 62900.00)
        self.assertEqual(january.retention_month, 3145.00)  # 5 %
        january.with_user(self.user).action_confirm()
        self.assertEqual(january.state, "confirmed")
        self.assertRegex(january.name, r"^DT/2026/\d{4}$")

        february = self._statement(
            self.contract,
            "2026-02-01",
            {"1.2": 100, "2.1": 40, "4.1": 312.5},
            supplies_cumulative=12000.0,
        )
        self.assertEqual(february.previous_statement_id, january)
        line_12, line_41 = self._line(february, "1.2"), self._line(february, "4.1")
        self.assertEqual((line_12.previous, line_12.month, line_12.cumulative), (60, 40, 100))
        self.assertEqual(line_12.month_amount, 16920.00)  # 40 % × 42 300
        self.assertEqual(line_41.cumulative_amount, 27312.50)  # 312.5 m² × 87.40
        self.assertEqual(line_41.uom, "m²")
        self.assertEqual(self._line(february, "1.1").month, 0)  # done in January, kept
        # works 18 500 + 42 300 + 50 720 + 27 312.50 = 138 832.50, supplies 12 000
        self.assertEqual(february.amount_previous, 62900.00)
        self.assertEqual(february.amount_cumulative, 150832.50)
        self.assertEqual(february.amount_month, 87932.50)
        # retention 5 % × 150 832.50 = 7 541.625 → 7 541.63, less January's 3 145.00
        self.assertEqual(february.retention_month, 4396.63)
        self.assertEqual(february.advance_month, 0.0)  # 32 % of the works: not yet
        self.assertEqual(february.amount_tax, 17586.50)  # 20 % × 87 932.50
        self.assertEqual(february.amount_to_pay, 101122.37)  # 87 932.50 + 17 586.50 − 4 396.63
        february.with_user(self.user).action_confirm()
        self.assertNotEqual(february.name, january.name)

        # March: the works pass 65 % of the contract, the advance starts to be repaid.
        march = self._statement(
            self.contract,
            "2026-03-01",
            {"2.1": 100, "3.1": 60, "4.1": 1000},
            supplies_cumulative=0.0,
            extras_reason="Menuiseries posées (passées en travaux)",
        )
        # works 18 500 + 42 300 + 126 800 + 59 070 + 87 400 = 334 070.00 = 77.41 % of 431 549:
        # (0.7741 − 0.65) / 0.15 of the advance 43 154.90
        self.assertEqual(march.amount_works_cumulative, 334070.00)
        expected_advance = round(43154.90 * (334070.00 / 431549.00 - 0.65) / 0.15, 2)
        self.assertAlmostEqual(march.advance_month, expected_advance, places=2)
        self.assertEqual(march.amount_untaxed, march.amount_month - march.advance_month)
        march.with_user(self.user).action_confirm()
        self.assertEqual(self.contract.statement_count, 3)

    def test_cumulative_going_down_needs_a_reason(self):
        january = self._statement(self.contract, "2026-01-01", {"2.1": 40})
        january.with_user(self.user).action_confirm()
        february = self._statement(self.contract, "2026-02-01", {"2.1": 35})
        with self.assertRaisesRegex(UserError, "2.1: the cumulative .* is below the previous one"):
            february.with_user(self.user).action_confirm()
        self.assertEqual(february.state, "draft")
        with Form(february.with_user(self.user)) as form:
            with form.line_ids.edit(2) as line:
                self.assertEqual(line.item_id.code, "2.1")
                line.reason = "Métré contradictoire du 12/02/2026"
        february.with_user(self.user).action_confirm()
        self.assertEqual(february.state, "confirmed")
        self.assertEqual(february.amount_month, -6340.00)  # − 5 % × 126 800
        with self.assertRaisesRegex(UserError, "Nothing to invoice"):
            february.with_user(self.user).action_create_invoice()

    def test_beyond_the_contract_needs_an_amendment(self):
        statement = self._statement(self.contract, "2026-01-01", {"4.1": 5000})
        # 5 000 m² × 87.40 = 437 000 > 431 549
        with self.assertRaisesRegex(UserError, "beyond the contract with its amendments"):
            statement.with_user(self.user).action_confirm()

    def test_lump_sum_beyond_100_percent_refused(self):
        statement = self._statement(self.contract, "2026-01-01", {"1.2": 120})
        with self.assertRaisesRegex(UserError, "beyond 100 %"):
            statement.with_user(self.user).action_confirm()

    def test_never_two_statements_for_the_same_month(self):
        self._statement(self.contract, "2026-01-01", {"1.1": 50})
        with self.assertRaisesRegex(ValidationError, "already has a monthly statement"):
            self._statement(self.contract, "2026-01-25", {"1.1": 60})

    def test_previous_statement_confirmed_first(self):
        self._statement(self.contract, "2026-01-01", {"1.1": 50})
        february = self._statement(self.contract, "2026-02-01", {"1.1": 100})
        with self.assertRaisesRegex(UserError, "Confirm the previous statement"):
            february.with_user(self.user).action_confirm()

    def test_final_statement_and_frames_by_role(self):
        january = self._statement(self.contract, "2026-01-01", {"1.1": 100, "1.2": 100})
        january.with_user(self.user).action_confirm()
        final = self._statement(self.contract, "2026-01-01", {"2.1": 100}, kind="final")
        self.assertEqual((january.frame, final.frame), ("A4", "A7"))
        self.assertEqual(final.previous_statement_id, january)  # after the month's statement
        self.assertEqual(self._line(final, "1.2").previous, 100)
        with self.assertRaisesRegex(ValidationError, "already has a final statement"):
            self._statement(self.contract, "2026-02-01", {"2.1": 100}, kind="final")
        subcontract = self._contract_form(role="subcontractor")
        subcontract.name = "2026-093-TRX-015"
        subcontract = subcontract.save()
        statement = self._statement(subcontract, "2026-01-01", {"1.1": 50})
        self.assertEqual(statement.frame, "A10")

    def test_each_company_numbers_its_own_statements(self):
        january = self._statement(self.contract, "2026-01-01", {"1.1": 100})
        january.with_user(self.user).action_confirm()
        other_data = self.setup_other_company(name="Entreprise Générale BTP 93")
        other = other_data["company"]
        sequences = self.env["ir.sequence"].search([("code", "=", "chorus.pro.works.statement")])
        self.assertEqual(sequences.company_id, self.company)
        # The contract carried over by an administrator of both companies.
        other_contract = self.contract.with_env(self.env).copy(
            {"company_id": other.id, "tax_id": other_data["default_tax_sale"].id}
        )
        self.assertTrue(other_contract.item_ids)
        sequence = other_contract._works_statement_sequence()
        self.assertEqual(sequence.company_id, other)
        self.assertNotEqual(sequence, self.contract._works_statement_sequence())

    def test_terms_frozen_once_a_statement_is_confirmed(self):
        statement = self._statement(self.contract, "2026-01-01", {"1.1": 100})
        self.contract.with_user(self.user).retention_rate = 3.0  # still free: only a draft
        statement.with_user(self.user).action_confirm()
        with self.assertRaisesRegex(UserError, "Record an amendment instead"):
            with Form(self.contract.with_user(self.user)) as form:
                form.retention_rate = 5.0
        with self.assertRaisesRegex(UserError, "Record an amendment instead"):
            self.contract.item_ids[0].with_user(self.user).price = 20000.0
        self.assertEqual(statement.retention_month, 555.00)  # 3 % × 18 500

    def test_submitted_statement_is_evidence(self):
        statement = self._statement(self.contract, "2026-01-01", {"1.1": 100})
        statement.with_user(self.user).action_confirm()
        with self.assertRaisesRegex(UserError, "reset it to draft"):
            self._line(statement, "1.1").with_user(self.user).cumulative = 50
        statement._works_mark_submitted()
        with self.assertRaisesRegex(UserError, "evidence of what was sent"):
            statement.with_user(self.user).note = "changed"
        with self.assertRaisesRegex(UserError, "Only a confirmed statement"):
            statement.with_user(self.user).action_draft()
        with self.assertRaisesRegex(UserError, "Only a draft statement"):
            statement.with_user(self.user).unlink()

    def test_statement_booked_as_invoice(self):
        january = self._statement(self.contract, "2026-01-01", {"1.1": 100, "1.2": 60, "2.1": 15})
        january.with_user(self.user).action_confirm()
        # Jump to 75 % of the works: retention and advance on the same invoice.
        february = self._statement(self.contract, "2026-02-01", {"2.1": 100, "3.1": 100, "4.1": 500})
        february.with_user(self.user).action_confirm()
        # The MOA reads French: the lines are in its language whatever the user's, and
        # without payment terms the invoice is due at the legal deadline (30 days).
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["l10n_fr_chorus_pro"], ["fr_FR"])
        self.dept93.write({"lang": "fr_FR", "property_payment_term_id": False})
        action = february.with_user(self.user).with_context(lang="en_US").action_create_invoice()
        move = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(
            sorted(move.invoice_line_ids.mapped("name")),
            [
                "Remboursement de l'avance",
                f"Travaux de 02/2026 - décompte {february.name} - marché {self.contract.display_name}",
            ],
        )
        self.assertEqual(move.invoice_date_due, february.date + datetime.timedelta(days=30))
        self.assertEqual(action["res_model"], "account.move")
        self.assertEqual((move.move_type, move.state), ("out_invoice", "draft"))
        self.assertEqual(move.chorus_works_statement_id, february)
        self.assertEqual(february.move_id, move)
        self.assertEqual(move.partner_id, self.dept93)
        self.assertEqual(move.chorus_service_id, self.service_dbl)
        self.assertEqual(move.ref, february.name)
        self.assertEqual(
            move.with_user(self.user).action_open_chorus_works_statement()["res_id"], february.id
        )
        lines = move.invoice_line_ids
        works = lines.filtered(lambda line: line.price_unit > 0)
        advance = lines.filtered(lambda line: line.account_id == self.advance_account)
        self.assertEqual(works.price_subtotal, february.amount_month)
        self.assertEqual(works.tax_ids, self.vat20)
        self.assertEqual(advance.price_subtotal, -february.advance_month)
        self.assertEqual(advance.tax_ids, self.vat20)
        self.assertGreater(february.advance_month, 0)
        # The retention is withheld by the MOA when it pays, after the VAT: not on the invoice.
        self.assertGreater(february.retention_month, 0)
        self.assertFalse(lines.filtered(lambda line: line.account_id == self.retention_account))
        self.assertEqual(move.amount_tax, february.amount_tax)
        self.assertEqual(move.amount_total, february.amount_total)
        self.assertAlmostEqual(
            february.amount_to_pay, february.amount_total - february.retention_month, places=2
        )
        # The same button opens the invoice, it never makes a second one.
        again = february.with_user(self.user).action_create_invoice()
        self.assertEqual(again["res_id"], move.id)
        self.assertEqual(
            self.env["account.move"].search_count([("chorus_works_statement_id", "=", february.id)]), 1
        )
        # Booked: the customer owes the invoice; the MOA pays the net and the retention
        # goes to its own account (the payment's difference), the invoice is settled.
        move.with_user(self.user).action_post()
        receivable = move.line_ids.filtered(lambda line: line.display_type == "payment_term")
        self.assertEqual(sum(receivable.mapped("debit")), february.amount_total)
        action = move.with_user(self.user).action_register_payment()
        payment = Form(
            self.env["account.payment.register"].with_user(self.user).with_context(**action["context"])
        )
        payment.amount = february.amount_to_pay
        payment.payment_difference_handling = "reconcile"
        payment.writeoff_account_id = self.retention_account
        payment.writeoff_label = "Retenue de garantie"
        payment.save().action_create_payments()
        self.assertIn(move.payment_state, ("paid", "in_payment"))
        withheld = self.env["account.move.line"].search([("account_id", "=", self.retention_account.id)])
        self.assertEqual(sum(withheld.mapped("balance")), february.retention_month)
        with self.assertRaisesRegex(UserError, "is posted"):
            february.with_user(self.user).action_draft()


@tagged("post_install", "-at_install")
class TestWorksStatementDocument(ChorusProWorksCommon, ChorusProHttpCommon):
    """The statement printed: wkhtmltopdf fetches the report assets from Odoo's HTTP server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract = cls._contract_form().save()

    def test_statement_document_in_french(self):
        self._bank_account()
        self.contract.write({"title": "Rénovation du collège Jean-Jaurès, Montreuil"})
        january = self._statement(self.contract, "2026-01-01", {"1.1": 100, "1.2": 60, "2.1": 15})
        january.with_user(self.user).action_confirm()
        february = self._statement(self.contract, "2026-02-01", {"1.2": 100, "2.1": 40, "4.1": 312.5})
        february.with_user(self.user).action_confirm()
        report = self.env.ref("l10n_fr_chorus_pro.action_report_chorus_works_statement")
        self.assertEqual(report.binding_model_id.model, "chorus.pro.works.statement")
        pdf, _format = (
            self.env["ir.actions.report"]
            .with_user(self.user)
            .with_context(force_report_rendering=True, lang="en_US")
            ._render_qweb_pdf(report.report_name, february.ids)
        )
        text = (
            " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)
            .replace("\u202f", " ")
            .replace("\xa0", " ")
        )
        for expected in (
            "Projet de décompte mensuel",
            february.name,
            "Marché n° 2026-093-TRX-014",
            "Lot 1 - Gros œuvre et enveloppe",
            "Département de la Seine-Saint-Denis",
            "Atelier d'architecture Lemoine et Associés",
            MOE_SIRET,
            "MOE-01",
            "février 2026",
            "A4",
            "Démolitions intérieures",
            "312,5 m²",
            "16 920,00",  # 1.2 of the month
            "75 932,50",  # works of the month
            "Retenue de garantie (5 %)",
            "3 796,63",  # 5 % × 138 832.50 − 3 145.00
            "15 186,50",  # VAT 20 %
            "87 322,37",  # net to pay
            "IBAN FR44 3000 4000 0300 0001 2345 678",  # the bank details of the payment
            "BIC BNPAFRPPXXX",
            "article 12.1 du CCAG-Travaux 2021",
            "établi à partir des prix initiaux du marché, sans actualisation ni révision des prix "
            "et hors TVA",
        ):
            self.assertIn(expected, text)
