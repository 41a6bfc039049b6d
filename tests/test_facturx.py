# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import functools
import io
from unittest.mock import patch

from lxml import etree
from pypdf import PdfReader

from odoo import Command
from odoo.tests import tagged
from odoo.tools import formatLang

from odoo.addons.l10n_fr_chorus_pro.lib.tests.pdf_checks import inspect_facturx_pdf
from odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_document import normalize_text
from odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_facturx import FacturxBuildError

from .common import ChorusProHttpCommon

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}


@tagged("post_install", "-at_install")
class TestFacturx(ChorusProHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.engine = cls.env["chorus.pro.facturx"]
        cls.company.vat = "FR19812345676"
        cls.bank_account = cls._bank_account()
        tax_group = cls.env["account.tax.group"].create({"name": "TVA test", "company_id": cls.company.id})
        tax = functools.partial(cls._sale_tax, tax_group=tax_group)

        cls.tax_20 = tax("TVA 20%", 20.0)
        cls.tax_10 = tax("TVA 10%", 10.0)
        cls.tax_55 = tax("TVA 5,5%", 5.5)
        cls.tax_psy = tax(
            "0% exonérée 261-4-1°",
            0.0,
            ubl_cii_tax_category_code="E",
            ubl_cii_tax_exemption_reason_code="VATEX-FR-CGI261-4",
            invoice_legal_notes="TVA non applicable, art. 261-4-1° du CGI",
        )

    def _invoice(self, lines, partner=None, service=None, **values):
        values.setdefault("partner_bank_id", self.bank_account.id)
        move = self._chorus_invoice(
            partner=partner,
            service=service or (self.service_132 if not partner else None),
            purchase_order_reference=values.pop("purchase_order_reference", "EJ2026-000123"),
            invoice_line_ids=[Command.create(line) for line in lines],
            **values,
        )
        move.action_post()
        return move

    def _line(self, price, qty=1.0, tax=None, **extra):
        return {
            "product_id": self.product_a.id,
            "quantity": qty,
            "price_unit": price,
            "tax_ids": [Command.set((tax or self.tax_20).ids)],
            **extra,
        }

    def _check(self, move, check_pdf=False):
        result = self.engine._build_facturx(move, raise_if_invalid=False)
        report = result["report"]
        self.assertTrue(report.xsd_ok, result["messages"])
        self.assertEqual(report.fatal_issues, [], "\n".join(result["messages"]))
        tree = etree.fromstring(result["xml"])
        summation = tree.find(".//ram:SpecifiedTradeSettlementHeaderMonetarySummation", namespaces=NS)
        for tag, expected in (
            ("TaxBasisTotalAmount", move.amount_untaxed),
            ("TaxTotalAmount", move.amount_tax),
            ("GrandTotalAmount", move.amount_total),
        ):
            self.assertAlmostEqual(
                float(summation.findtext(f"ram:{tag}", namespaces=NS)),
                expected,
                places=2,
                msg=f"{tag}: {result['xml'].decode()[-3000:]}",
            )
        if check_pdf:
            pdf_report = inspect_facturx_pdf(result["pdf"])
            self.assertEqual(pdf_report.problems(), [])
            self.assertEqual(pdf_report.pdfa_part, 3)
            self.assertTrue(pdf_report.output_intent_has_icc)
            self.assertEqual(pdf_report.embedded_files["factur-x.xml"]["af_relationship"], "/Data")
            self.assertFalse(pdf_report.encrypted)
            self.assertEqual(pdf_report.facturx_xml, result["xml"])
        return tree, result

    def test_several_vat_rates(self):
        move = self._invoice(
            [self._line(100.0), self._line(55.0, 3, self.tax_10), self._line(12.34, 7, self.tax_55)]
        )
        tree, _result = self._check(move, check_pdf=True)
        rates = sorted(
            float(r)
            for r in tree.xpath(
                "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:RateApplicablePercent/text()",
                namespaces=NS,
            )
        )
        self.assertEqual(rates, [5.5, 10.0, 20.0])
        self.assertEqual(tree.findtext(".//ram:BuyerReference", namespaces=NS), "132")
        self.assertEqual(
            tree.findtext(".//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID", namespaces=NS),
            "EJ2026-000123",
        )
        seller_id = tree.find(".//ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID", namespaces=NS)
        self.assertEqual((seller_id.text, seller_id.get("schemeID")), ("81234567600017", "0002"))
        buyer_id = tree.find(".//ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID", namespaces=NS)
        self.assertEqual((buyer_id.text, buyer_id.get("schemeID")), ("22930008201453", "0002"))
        self.assertEqual(
            tree.findtext(".//ram:PayeePartyCreditorFinancialAccount/ram:IBANID", namespaces=NS),
            "FR4430004000030000012345678",
        )
        self.assertEqual(
            tree.findtext(".//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode", namespaces=NS), "30"
        )
        subjects = tree.xpath(
            "//rsm:ExchangedDocument/ram:IncludedNote/ram:SubjectCode/text()", namespaces=NS
        )
        self.assertTrue({"PMT", "PMD", "AAB"} <= set(subjects))
        self.assertIn(
            "majoré de 8 points", "".join(tree.xpath("//ram:IncludedNote/ram:Content/text()", namespaces=NS))
        )
        self.assertEqual(
            tree.findtext(".//ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID", namespaces=NS),
            "A1",
        )

    def test_exempt_psychologist_invoice(self):
        self.company.vat = False
        move = self._invoice(
            [self._line(50.0, 4, self.tax_psy)], partner=self.university, purchase_order_reference=False
        )
        tree, _result = self._check(move, check_pdf=True)
        self.assertEqual(move.amount_tax, 0.0)
        tax = tree.find(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", namespaces=NS)
        self.assertEqual(tax.findtext("ram:CategoryCode", namespaces=NS), "E")
        self.assertEqual(tax.findtext("ram:ExemptionReasonCode", namespaces=NS), "VATEX-FR-CGI261-4")
        self.assertEqual(
            tax.findtext("ram:ExemptionReason", namespaces=NS), "TVA non applicable, art. 261-4-1° du CGI"
        )
        # BR-E-02: no VAT number, so the SIRET is the tax registration (FC).
        self.assertEqual(
            tree.findtext(
                ".//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='FC']", namespaces=NS
            ),
            "81234567600017",
        )
        # University without service code, without EJ.
        self.assertIsNone(tree.find(".//ram:BuyerReference", namespaces=NS))
        self.assertIsNone(tree.find(".//ram:BuyerOrderReferencedDocument", namespaces=NS))

    def test_discounts(self):
        move = self._invoice(
            [
                self._line(199.99, 3, discount=12.5),
                self._line(80.0, 1, self.tax_10, discount=100.0),
                self._line(33.33, 2.5, discount=3.0),
            ]
        )
        tree, _result = self._check(move)
        first = tree.xpath("//ram:IncludedSupplyChainTradeLineItem", namespaces=NS)[0]
        self.assertEqual(
            first.findtext(".//ram:GrossPriceProductTradePrice/ram:ChargeAmount", namespaces=NS), "199.99"
        )

    def test_credit_note(self):
        invoice = self._invoice([self._line(300.0), self._line(40.0, 2, self.tax_10)])
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"reason": "Erreur de quantité", "journal_id": invoice.journal_id.id})
        )
        credit_note = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        credit_note.action_post()
        self.assertEqual(credit_note.move_type, "out_refund")
        tree, _result = self._check(credit_note, check_pdf=True)
        self.assertEqual(tree.findtext(".//rsm:ExchangedDocument/ram:TypeCode", namespaces=NS), "381")
        self.assertEqual(
            tree.findtext(".//ram:InvoiceReferencedDocument/ram:IssuerAssignedID", namespaces=NS),
            invoice.name,
        )
        self.assertIsNone(tree.find(".//ram:SpecifiedTradeSettlementPaymentMeans", namespaces=NS))
        grand_total = tree.findtext(".//ram:GrandTotalAmount", namespaces=NS)
        self.assertGreater(float(grand_total), 0)

    def test_beneficiaries(self):
        move = self._chorus_invoice(
            service=self.service_538,
            purchase_order_reference="EJ2026-000123",
            partner_bank_id=self.bank_account.id,
            invoice_line_ids=[Command.create(self._line(95.0, 21)), Command.create(self._line(95.0, 18))],
        )
        line1, line2 = move.invoice_line_ids
        move.chorus_beneficiary_ids = [
            Command.create(
                {
                    "name": "Lina B.",
                    "date_start": "2026-10-01",
                    "date_end": "2026-10-31",
                    "move_line_id": line1.id,
                }
            ),
            Command.create(
                {
                    "name": "Yanis K.",
                    "date_start": "2026-10-05",
                    "date_end": "2026-10-28",
                    "move_line_id": line2.id,
                }
            ),
            Command.create({"name": "Sofia M.", "date_start": "2026-10-12"}),
        ]
        move.action_post()
        tree, _result = self._check(move, check_pdf=True)
        descriptions = tree.xpath("//ram:SpecifiedTradeProduct/ram:Description/text()", namespaces=NS)
        self.assertIn("Lina B. (2026-10-01 - 2026-10-31)", descriptions[0])
        self.assertIn("Yanis K.", descriptions[1])
        notes = tree.xpath("//rsm:ExchangedDocument/ram:IncludedNote/ram:Content/text()", namespaces=NS)
        self.assertIn("Bénéficiaires : Sofia M. (2026-10-12)", notes)
        period = tree.find(".//ram:ApplicableHeaderTradeSettlement/ram:BillingSpecifiedPeriod", namespaces=NS)
        self.assertEqual(period.findtext("ram:StartDateTime/udt:DateTimeString", namespaces=NS), "20261001")
        self.assertEqual(period.findtext("ram:EndDateTime/udt:DateTimeString", namespaces=NS), "20261031")

    def test_rounding_edge_cases(self):
        for rounding in ("round_per_line", "round_globally"):
            self.company.tax_calculation_rounding_method = rounding
            move = self._invoice(
                [
                    self._line(0.333, 3),
                    self._line(1.015, 7),
                    self._line(2.675, 1, self.tax_55),
                    self._line(0.01, 1, self.tax_10),
                    self._line(10.005, 9, self.tax_55),
                ]
            )
            self._check(move)

    def test_long_names_and_special_characters(self):
        self.company.name = "L'Atelier « Éveil & Jeux » <Coopérative> SCIC – Seine-Saint-Denis " + "x" * 40
        product_name = "Séance d’éveil & motricité <groupe> ñ ü ß € " + "long " * 60
        move = self._invoice(
            [self._line(45.5, 2, name=product_name)], contract_reference="MP/2026-07 « crèches » & PMI"
        )
        tree, _result = self._check(move, check_pdf=True)
        self.assertEqual(
            tree.findtext(".//ram:ContractReferencedDocument/ram:IssuerAssignedID", namespaces=NS),
            "MP/2026-07 « crèches » & PMI",
        )
        self.assertTrue(
            tree.findtext(".//ram:SellerTradeParty/ram:Name", namespaces=NS).startswith(
                "L'Atelier « Éveil & Jeux »"
            )
        )

    def test_invalid_invoice_readable_message(self):
        self.company.chorus_post_check = "warn"
        self.company.vat = False
        self.company.company_registry = False
        move = self._invoice([self._line(50.0, 1, self.tax_psy), self._line(20.0, 1)])
        result = self.engine._build_facturx(move, raise_if_invalid=False)
        self.assertFalse(result["report"].ok)
        self.assertIsNone(result["pdf"])
        joined = "\n".join(result["messages"])
        self.assertIn("BR-E-02 — A VAT-exempt invoice must carry your VAT number or your SIRET", joined)
        self.assertIn("fix: ", joined)
        self.assertIn("BR-CO-26", joined)
        self.assertIn("Your company SIRET (Company ID)", joined)
        with self.assertRaisesRegex(FacturxBuildError, "nothing was sent(.|\n)*BR-E-02"):
            self.engine._build_facturx(move)
        with self.assertRaises(FacturxBuildError):
            move.action_chorus_export_facturx()

    def test_french_reform_rules_option(self):
        move = self._invoice([self._line(100.0)])
        self.assertTrue(self.engine._build_facturx(move, raise_if_invalid=False)["report"].ok)
        self.company.chorus_facturx_fr_ctc = True
        result = self.engine._build_facturx(move, raise_if_invalid=False)
        self.assertFalse(result["report"].ok)
        self.assertTrue(result["report"].has_rule("BR-FR-10"))
        self.assertTrue(any(message.startswith("BR-FR-10") for message in result["messages"]))

    def test_batch_rendering(self):
        """Several invoices per wkhtmltopdf run; an invoice longer than one page is
        rendered on its own, and each invoice gets its own pages only."""
        short = [self._invoice([self._line(100.0 + i)]) for i in range(3)]
        long_moves = [
            self._invoice([self._line(10.0 + i, name=f"Séance {i}") for i in range(count)])
            for count in (25, 70)
        ]
        moves = short[0] | long_moves[0] | short[1] | long_moves[1] | short[2]
        # The report stylesheets are inlined (without web fonts) even before anyone
        # requested them: the engine generates them.
        self.env["ir.attachment"].search([("url", "=like", "/web/assets/%report_assets%")]).unlink()
        report_cls = type(self.env["ir.actions.report"])
        with patch.object(
            report_cls, "_run_wkhtmltopdf", autospec=True, side_effect=report_cls._run_wkhtmltopdf
        ) as run:
            pdfs = self.engine._facturx_render_invoice_pdfs(moves)
        self.assertEqual(set(pdfs), set(moves.ids))
        # Debian's wkhtmltopdf: [all 5] cannot be split -> [s0, l0] -> [s0] + [l0];
        # [s1, l1, s2] -> [s1] + [l1, s2] -> [l1] + [s2]: 9 runs; one with patched Qt.
        self.assertLessEqual(run.call_count, 9)

        def pages_text(pdf):
            return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]

        texts = {move: pages_text(pdfs[move.id]) for move in moves}
        self.assertEqual([len(texts[move]) for move in moves], [1, 2, 1, 3, 1])
        for move in moves:
            others = [other.name for other in moves - move]
            for text in texts[move]:
                # Real text (the web font is replaced by the installed one), each
                # invoice on its own pages only.
                self.assertFalse([name for name in others if name in text], move.name)
            self.assertIn(move.name, texts[move][0])
            total = formatLang(
                self.env(context={"lang": "fr_FR"}), move.amount_total, currency_obj=move.currency_id
            )
            self.assertIn(normalize_text(total), normalize_text("".join(texts[move])))
        for move in (short[1], long_moves[1]):
            result = self.engine._build_facturx(move, pdf=pdfs[move.id])
            pdf_report = inspect_facturx_pdf(result["pdf"])
            self.assertEqual(pdf_report.problems(), [])
            self.assertIn(move.name.encode(), pdf_report.facturx_xml)

    def test_export_action(self):
        move = self._invoice([self._line(100.0)])
        action = move.action_chorus_export_facturx()
        attachment_id = int(action["url"].split("/")[3].split("?")[0])
        attachment = self.env["ir.attachment"].browse(attachment_id)
        self.assertEqual(attachment.res_id, move.id)
        self.assertTrue(attachment.name.endswith("_facturx.pdf"))
        self.assertEqual(inspect_facturx_pdf(attachment.raw).problems(), [])
