# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The deposited PDF, judged by reading its text back: every mandatory mention on the page,
in French, once, for every invoice shape and every kind of recipient; the same invoices
as valid Factur-X; the last gate refusing a page that lacks a mention."""

import functools
import io
import json
import os
import re
import shutil
import subprocess
from collections import namedtuple
from unittest.mock import patch

import lxml.html
from pypdf import PdfReader

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import format_date, formatLang

from odoo.addons.base.models.ir_actions_report import IrActionsReport as BaseReport
from odoo.addons.l10n_fr_chorus_pro.lib.tests.pdf_checks import inspect_facturx_pdf
from odoo.addons.l10n_fr_chorus_pro.models import ir_actions_report as chorus_report
from odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_document import normalize_text

from .common import ChorusProHttpCommon, ChorusProSimulatorCommon

NOTE_PMT = "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 €."
NOTE_PMD = "majoré de 8 points"
NOTE_AAB = "Pas d'escompte pour paiement anticipé."
DEBITS = "Option pour le paiement de la taxe d'après les débits"
PSY_EXEMPTION = "TVA non applicable, art. 261-4-1° du CGI"
ASE_EXEMPTION = "TVA non applicable, art. 261-7-1° du CGI"


@tagged("post_install", "-at_install")
class TestLegalDocument(ChorusProHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.document = cls.env["chorus.pro.document"]
        cls.engine = cls.env["chorus.pro.facturx"]
        cls.company.write(
            {
                "vat": "FR19812345676",
                "chorus_legal_form": "SARL",
                "chorus_share_capital": 10000.0,
                "chorus_trade_register": "RCS Bobigny 812 345 676",
                "email": "compta@cabinet-chorus.example",
            }
        )
        cls.bank_account = cls._bank_account()
        group = cls.env["account.tax.group"].create({"name": "TVA", "company_id": cls.company.id})
        tax = functools.partial(cls._sale_tax, tax_group=group)

        cls.tax_20 = tax("TVA 20 %", 20.0)
        cls.tax_55 = tax("TVA 5,5 %", 5.5)
        cls.company.tax_exigibility = True
        waiting = cls.env["account.account"].create(
            {
                "code": "445790",
                "name": "TVA en attente",
                "account_type": "liability_current",
                "reconcile": True,
            }
        )
        cls.tax_20_services = tax(
            "TVA 20 % (encaissements)",
            20.0,
            tax_exigibility="on_payment",
            cash_basis_transition_account_id=waiting.id,
        )
        exempt = {"ubl_cii_tax_category_code": "E"}
        cls.tax_psy = tax(
            "Exonérée 261-4-1°",
            0.0,
            ubl_cii_tax_exemption_reason_code="VATEX-FR-CGI261-4",
            invoice_legal_notes=PSY_EXEMPTION,
            **exempt,
        )
        cls.tax_ase = tax(
            "Exonérée 261-7-1°",
            0.0,
            ubl_cii_tax_exemption_reason_code="VATEX-FR-CGI261-7",
            invoice_legal_notes=ASE_EXEMPTION,
            **exempt,
        )
        cls.service = cls.env["product.product"].create({"name": "Accueil de jour", "type": "service"})
        cls.goods = cls.env["product.product"].create({"name": "Kit d'éveil", "type": "consu"})
        cls.term_30 = cls.env.ref("account.account_payment_term_30days")
        cls.services = {
            code: cls.env.ref(f"l10n_fr_chorus_pro.service_departement_93_{name}")
            for code, name in (
                ("538", "ase_538"),
                ("125", "ase_125"),
                ("218", "ase_218"),
                ("132", "pmi_132"),
                ("131", "creches_131"),
            )
        }
        cls._pdfs = {}

    # ------------------------------------------------------------------
    # Invoices
    # ------------------------------------------------------------------
    def _line(self, price, qty=1.0, tax=None, product=None, **extra):
        return Command.create(
            {
                "product_id": (product or self.service).id,
                "quantity": qty,
                "price_unit": price,
                "tax_ids": [Command.set((tax or self.tax_20).ids)],
                **extra,
            }
        )

    def _invoice(self, lines, service="132", partner=None, post=True, beneficiaries=(), **values):
        values.setdefault("purchase_order_reference", "EJ2026-000123" if service else False)
        values.setdefault("invoice_payment_term_id", self.term_30.id)
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": (partner or self.dept93).id,
                "invoice_date": "2026-11-02",
                "chorus_service_id": service and self.services[service].id,
                "partner_bank_id": self.bank_account.id,
                "invoice_line_ids": lines,
                **values,
            }
        )
        product_lines = move.invoice_line_ids.filtered(lambda l: l.display_type == "product")
        move.chorus_beneficiary_ids = [
            Command.create(
                {
                    "name": name,
                    "date_start": start,
                    "date_end": end,
                    "move_line_id": product_lines[index].id if index is not None else False,
                }
            )
            for name, start, end, index in beneficiaries
        ]
        if post:
            move.action_post()
        return move

    def _shapes(self):
        """The invoice shapes Odoo allows, to every kind of recipient."""
        shapes = {
            "ase_538_beneficiaries": self._invoice(
                [self._line(95.0, 21, self.tax_ase), self._line(95.0, 18, self.tax_ase)],
                service="538",
                beneficiaries=[
                    ("Lina Bensaïd", "2026-10-01", "2026-10-31", 0),
                    ("Yanis Kader", "2026-10-05", "2026-10-28", 1),
                    ("Sofia Martin", "2026-10-12", False, None),
                ],
            ),
            "ase_125": self._invoice(
                [self._line(42.5, 30, self.tax_ase)],
                service="125",
                beneficiaries=[("Noé Durand", "2026-10-01", "2026-10-30", 0)],
            ),
            "ase_218": self._invoice(
                [self._line(120.0, 1, self.tax_ase)],
                service="218",
                beneficiaries=[("Inès Petit", "2026-10-14", False, 0)],
            ),
            "pmi_132_goods": self._invoice([self._line(35.0, 12, self.tax_20, self.goods)], service="132"),
            "creches_131_market_discount": self._invoice(
                [
                    self._line(12.5, 40, self.tax_20, self.goods, discount=10.0),
                    self._line(22.0, 15, self.tax_55, self.goods),
                ],
                service="131",
                contract_reference="MP-2025-CRECHES-07",
            ),
            "university_psy_fractional": self._invoice(
                [self._line(12.345, 1.5, self.tax_psy), self._line(50.0, 4, self.tax_psy)],
                service=False,
                partner=self.university,
                purchase_order_reference="BC-2026-0457",
            ),
            "negative_lines": self._invoice(
                [
                    self._line(500.0, 2),
                    self._line(-80.0, 1, name="Remise globale"),
                    self._line(100.0, -1, name="Déduction de l'acompte"),
                ]
            ),
            "zero_line_mixed_vat": self._invoice(
                [
                    self._line(0.0, 1, name="Séance offerte"),
                    self._line(100.0, 1, self.tax_20),
                    self._line(60.0, 2, self.tax_55, self.goods),
                    self._line(75.0, 1, self.tax_ase),
                ]
            ),
            "services_on_debits": self._invoice([self._line(200.0, 1, self.tax_20)], service="131"),
            "services_on_payment": self._invoice([self._line(200.0, 1, self.tax_20_services)], service="131"),
            "billing_frame_a2": self._invoice([self._line(80.0, 1)], chorus_billing_frame="A2"),
        }
        invoice = self._invoice([self._line(300.0), self._line(40.0, 2, self.tax_55)])
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"reason": "Erreur de quantité", "journal_id": invoice.journal_id.id})
        )
        credit_note = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        credit_note.action_post()
        self.assertEqual(credit_note.amount_residual, 0.0, "Odoo offsets the credit note against its invoice")
        shapes["credit_note_offset"] = credit_note
        return shapes

    def _render(self, moves):
        missing = moves.filtered(lambda m: m.id not in self._pdfs)
        if missing:
            self._pdfs.update(self.document._render_pdfs(missing))
        return {move: self._pdfs[move.id] for move in moves}

    @staticmethod
    def _text(pdf):
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)

    def _fr(self, value, move):
        return formatLang(
            self.env(context=dict(self.env.context, lang="fr_FR")), value, currency_obj=move.currency_id
        )

    # ------------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------------
    def test_every_mention_on_the_page_in_french(self):
        shapes = self._shapes()
        moves = self.env["account.move"].concat(*shapes.values())
        pdfs = self._render(moves)
        for shape, move in shapes.items():
            with self.subTest(shape=shape):
                text = self._text(pdfs[move])
                flat = normalize_text(text)
                data = self.engine._facturx_data_dict(move)
                is_refund = move.move_type == "out_refund"

                def has(snippet, flat=flat):
                    return normalize_text(snippet) in flat

                def once(snippet, flat=flat, shape=shape):
                    self.assertEqual(
                        flat.count(normalize_text(snippet)), 1, f"{shape}: {snippet!r} once\n{flat}"
                    )

                # Supplier: name, legal form and capital, address, SIRET, SIREN, RCS, VAT.
                once("Fournisseur")
                once("Cabinet Chorus Test")
                self.assertTrue(has("SARL au capital de 10 000,00 €"), text)
                once("12 rue des Lilas")
                once("93100 Montreuil")
                once("SIRET : 812 345 676 00017")
                once("SIREN : 812 345 676")
                once("RCS Bobigny 812 345 676")
                once("N° TVA intracommunautaire : FR19812345676")
                # Buyer: name, address, SIRET and SIREN.
                buyer = move.commercial_partner_id
                once("Client")
                once(buyer.name)
                once(
                    f"SIRET : {buyer.company_registry[:3]} {buyer.company_registry[3:6]} "
                    f"{buyer.company_registry[6:9]} {buyer.company_registry[9:]}"
                )
                once(
                    f"SIREN : {buyer.company_registry[:3]} {buyer.company_registry[3:6]} {buyer.company_registry[6:9]}"  # noqa: E501
                )
                if buyer.street:
                    once(buyer.street)
                # Number, dates, nature of operations.
                once(f"{'Avoir' if is_refund else 'Facture'} n° {move.name}")
                issue_date = format_date(self.env(context={"lang": "fr_FR"}), move.invoice_date)
                self.assertTrue(has(f"Date d'émission : {issue_date}"), text)
                self.assertTrue(
                    has("Date de la vente ou de la prestation :") or has("Période d'exécution :"), text
                )
                self.assertTrue(has("Nature des opérations :"), text)
                if is_refund:
                    once(f"Facture d'origine : {move.reversed_entry_id.name} du 02/11/2026")
                else:
                    once("Date d'échéance : 02/12/2026")
                # Chorus routing.
                if data.get("BT-10"):
                    once(f"Code service : {data['BT-10']} – {move.chorus_service_id.name}")
                if data.get("BT-13"):
                    once(f"Numéro d'engagement (EJ) : {data['BT-13']}")
                if data.get("BT-12"):
                    once(f"Numéro de marché : {data['BT-12']}")
                self.assertEqual(has("Cadre de facturation"), data["BT-23"] != "A1", shape)
                # Lines and totals, as Odoo computed them.
                for header in ("Désignation", "Quantité", "Unité", "Prix unitaire HT", "TVA", "Montant HT"):
                    self.assertTrue(has(header), header)
                for line in data["BG-25"]:
                    self.assertTrue(has(line["BT-153"]), line["BT-153"])
                    self.assertTrue(has(self._fr(line["BT-131"], move)), line)
                self.assertTrue(has(f"Total HT {self._fr(move.amount_untaxed, move)}"), text)
                self.assertTrue(has(f"Total TVA {self._fr(move.amount_tax, move)}"), text)
                self.assertTrue(has(f"Total TTC {self._fr(move.amount_total, move)}"), text)
                due_label = "Montant de l'avoir" if is_refund else "Net à payer"
                self.assertTrue(has(f"{due_label} {self._fr(move.amount_total, move)}"), text)
                self.assertFalse(has("Déjà payé"), "nothing was paid: an offset credit note is not a payment")
                # Payment and legal mentions of an invoice.
                if not is_refund:
                    once("Par virement sur l'IBAN FR44 3000 4000 0300 0001 2345 678")
                    once("BIC BNPAFRPPXXX")
                    once(NOTE_PMT)
                    once(NOTE_PMD)
                    once(NOTE_AAB)
                # Nothing that does not apply; nothing in English.
                self.assertEqual(
                    has(DEBITS),
                    shape
                    in (
                        "services_on_debits",
                        "zero_line_mixed_vat",
                        "negative_lines",
                        "billing_frame_a2",
                        "credit_note_offset",
                    ),
                    shape,
                )
                for english in ("Invoice", "Due date", "Supplier", "Customer", "Total excl", "Quantity"):
                    self.assertNotIn(normalize_text(english), flat, shape)
                # The last gate finds every mention.
                self.assertEqual(self.document._missing_mentions(move, pdfs[move]), [], shape)

        # Shape-specific mentions.
        text = normalize_text(self._text(pdfs[shapes["ase_538_beneficiaries"]]))
        for snippet in (
            "Bénéficiaires : Lina Bensaïd (du 01/10/2026 au 31/10/2026)",
            "Yanis Kader (du 05/10/2026 au 28/10/2026)",
            "Sofia Martin 12/10/2026",
            ASE_EXEMPTION,
            "Exonérée (VATEX-FR-CGI261-7)",
        ):
            self.assertIn(normalize_text(snippet), text)
        self.assertEqual(text.count(normalize_text(ASE_EXEMPTION)), 1)
        text = normalize_text(self._text(pdfs[shapes["university_psy_fractional"]]))
        for snippet in (
            PSY_EXEMPTION,
            "1,50",
            "12,3450",
            "18,52 €",
            "Nature des opérations : prestations de services",
        ):
            self.assertIn(normalize_text(snippet), text)
        text = normalize_text(self._text(pdfs[shapes["pmi_132_goods"]]))
        self.assertIn(normalize_text("Nature des opérations : livraison de biens"), text)
        text = normalize_text(self._text(pdfs[shapes["zero_line_mixed_vat"]]))
        self.assertIn(normalize_text("livraison de biens et prestations de services"), text)
        self.assertIn(normalize_text("Séance offerte"), text)
        text = normalize_text(self._text(pdfs[shapes["negative_lines"]]))
        for snippet in ("Remise globale", "-80,00 €", "Déduction de l'acompte", "-100,00 €"):
            self.assertIn(normalize_text(snippet), text)
        text = normalize_text(self._text(pdfs[shapes["billing_frame_a2"]]))
        self.assertIn(normalize_text("Cadre de facturation : A2"), text)

    def test_same_invoices_as_valid_facturx(self):
        """Every shape exports: 0 failed XSD/EN 16931 assert, totals equal to Odoo's."""
        shapes = self._shapes()
        for shape, move in shapes.items():
            with self.subTest(shape=shape):
                report = self.engine._facturx_validate_xml(self.engine._facturx_generate_xml(move))
                self.assertTrue(report.ok, "\n".join(self.engine._facturx_report_messages(report)))
                data = self.engine._facturx_data_dict(move)
                self.assertAlmostEqual(data["BT-109"], move.amount_untaxed, places=2)
                self.assertAlmostEqual(data["BT-110"], move.amount_tax, places=2)
                self.assertAlmostEqual(data["BT-112"], move.amount_total, places=2)
                self.assertAlmostEqual(data["BT-113"], 0.0, places=2)
                self.assertAlmostEqual(data["BT-115"], move.amount_total, places=2)
                self.assertTrue(all(line["BT-146"] >= 0 for line in data["BG-25"]), "BR-27")

    def test_price_including_tax(self):
        """A tax included in the price: the item price on the page and in the XML is the
        price excluding tax (BT-146), consistent with the line amount (BT-131)."""
        tax_incl = self.tax_20.copy({"name": "TVA 20 % TTC", "price_include_override": "tax_included"})
        self.assertTrue(tax_incl.price_include)
        move = self._invoice([self._line(120.0, 2, tax_incl), self._line(60.0, 1, tax_incl, discount=50.0)])
        data = self.engine._facturx_data_dict(move)
        first, second = data["BG-25"]
        self.assertAlmostEqual(first["BT-146"], 100.0)
        self.assertAlmostEqual(first["BT-131"], 200.0)
        self.assertAlmostEqual(second["BT-148"], 50.0)
        self.assertAlmostEqual(second["BT-146"], 25.0)
        self.assertAlmostEqual(data["BT-112"], move.amount_total)
        report = self.engine._facturx_validate_xml(self.engine._facturx_generate_xml(move))
        self.assertTrue(report.ok, "\n".join(self.engine._facturx_report_messages(report)))
        flat = normalize_text(self._text(self._render(move)[move]))
        self.assertIn(normalize_text("100,00 20,00 % 200,00 €"), flat)
        self.assertNotIn(normalize_text("120,00"), flat)

    def test_partial_payment_is_prepaid(self):
        move = self._invoice([self._line(100.0)])
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids
        ).create({"amount": 50.0})._create_payments()
        data = self.engine._facturx_data_dict(move)
        self.assertAlmostEqual(data["BT-113"], 50.0)
        self.assertAlmostEqual(data["BT-115"], move.amount_total - 50.0)
        text = normalize_text(self._text(self._render(move)[move]))
        self.assertIn(normalize_text(f"Déjà payé {self._fr(50.0, move)}"), text)
        self.assertIn(normalize_text(f"Net à payer {self._fr(move.amount_total - 50.0, move)}"), text)

    def test_long_invoice_over_several_pages(self):
        move = self._invoice([self._line(10.0 + i, name=f"Séance n° {i}") for i in range(70)])
        pdf = self._render(move)[move]
        pages = PdfReader(io.BytesIO(pdf)).pages
        self.assertGreater(len(pages), 1)
        self.assertEqual(self.document._missing_mentions(move, pdf), [])
        text = self._text(pdf)
        flat = normalize_text(text)
        # Each line once: a row cut by a page break is not drawn twice.
        self.assertEqual(flat.count(normalize_text("Accueil de jour")), 70)
        for index in range(70):
            self.assertEqual(len(re.findall(rf"Séance\s+n°\s+{index}\b", text)), 1, index)
        self.assertEqual(flat.count(normalize_text("SIRET : 812 345 676 00017")), 1)

    def test_exempt_supplier_without_vat_number(self):
        """A psychologist without VAT number: the exemption mention, no VAT number, no
        'tax on debits' option."""
        self.company.vat = False
        move = self._invoice(
            [self._line(50.0, 4, self.tax_psy)],
            service=False,
            partner=self.university,
            purchase_order_reference=False,
        )
        pdf = self._render(move)[move]
        flat = normalize_text(self._text(pdf))
        self.assertNotIn(normalize_text("N° TVA"), flat)
        self.assertEqual(flat.count(normalize_text(PSY_EXEMPTION)), 1)
        self.assertNotIn(normalize_text(DEBITS), flat)
        self.assertEqual(self.document._missing_mentions(move, pdf), [])

    def test_english_for_a_recipient_set_to_english(self):
        self.env["res.lang"]._activate_lang("en_US")
        partner = self.university.copy({"name": "Université anglophone", "lang": "en_US"})
        move = self._invoice([self._line(50.0, 2, self.tax_psy)], service=False, partner=partner)
        self.assertEqual(self.document._document_lang(move), "en_US")
        flat = normalize_text(self._text(self._render(move)[move]))
        for snippet in (
            f"Invoice No. {move.name}",
            "Supplier",
            "Customer",
            "Due date: 12/02/2026",
            "Total excl. tax",
            NOTE_PMT,
        ):
            self.assertIn(normalize_text(snippet), flat)
        # A recipient without language, and every seeded recipient, gets French.
        self.assertEqual(self.dept93.lang, "fr_FR")
        self.assertEqual(self.university.lang, "fr_FR")
        recipient = (
            self.env["res.partner"]
            .with_context(lang="en_US")
            .create(
                {
                    "name": "Commune de Test",
                    "is_company": True,
                    "chorus_recipient": True,
                    "company_registry": "21930001500012",
                    "chorus_test_structure": True,
                }
            )
        )
        self.assertEqual(recipient.lang, "fr_FR")

    def test_gate_reads_the_same_with_pypdf_and_pdftotext(self):
        """Poppler's pdftotext when installed, pypdf otherwise: the same verdict."""
        move = self._invoice(
            [self._line(95.0, 3, self.tax_ase)],
            service="538",
            beneficiaries=[("Lina Bensaïd", "2026-10-01", "2026-10-31", 0)],
        )
        pdf = self._render(move)[move]
        self.assertTrue(shutil.which("pdftotext"), "make setup installs poppler-utils")
        self.assertEqual(self.document._missing_mentions(move, pdf), [])
        with patch(
            "odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_document.shutil.which", return_value=None
        ):
            self.assertEqual(self.document._missing_mentions(move, pdf), [])
            self.assertEqual(normalize_text(self.document._page_text(pdf)), normalize_text(self._text(pdf)))

    def test_print_delay_of_the_chorus_invoice(self):
        """The Chorus Pro invoice has no script to wait for: its own, short wkhtmltopdf
        delay (system parameter), Odoo's for every other report."""
        report = self.env["ir.actions.report"]
        paperformat = self.env.ref("l10n_fr_chorus_pro.paperformat_chorus_invoice")

        def delay(records):
            args = records._build_wkhtmltopdf_args(paperformat, False)
            return args[args.index("--javascript-delay") + 1]

        self.assertEqual(delay(report.with_context(chorus_pro_rendering=True)), "100")
        self.assertEqual(
            delay(report), self.env["ir.config_parameter"].sudo().get_param("report.print_delay", "1000")
        )
        self.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.print_delay", "250")
        self.assertEqual(delay(report.with_context(chorus_pro_rendering=True)), "250")

    def test_last_gate_refuses_a_page_without_siret(self):
        move = self._invoice([self._line(100.0)])
        self.env["ir.ui.view"].create(
            {
                "name": "Drop the supplier SIRET",
                "type": "qweb",
                "inherit_id": self.env.ref("l10n_fr_chorus_pro.report_chorus_invoice_document").id,
                "arch": '<xpath expr="//p[@name=\'supplier_siret\']" position="replace"/>',
            }
        )
        with self.assertRaisesRegex(
            UserError, r"lacks mandatory mentions(.|\n)*supplier SIRET \(81234567600017\)"
        ):
            self.document._render_pdfs(move)
        with self.assertRaisesRegex(UserError, "supplier SIRET"):
            self.engine._facturx_render_invoice_pdfs(move)

    def test_batch_drawn_by_two_processes_side_by_side(self):
        """Debian's wkhtmltopdf uses one core: a batch of invoices is drawn by two
        processes at once (system parameter, capped by the cores), each invoice's PDF its
        own page with every mention read back; one process when the parameter says 1."""
        moves = self.env["account.move"].concat(
            *(self._invoice([self._line(100.0 + index)]) for index in range(5))
        )
        popen = subprocess.Popen

        def render(moves):
            started, overlapping = [], []

            def spy(args, *popen_args, **kwargs):
                if args and str(args[0]).endswith("wkhtmltopdf") and "--version" not in args:
                    overlapping.append(any(process.poll() is None for process in started))
                    process = popen(args, *popen_args, **kwargs)
                    started.append(process)
                    return process
                return popen(args, *popen_args, **kwargs)

            with patch.object(subprocess, "Popen", side_effect=spy):
                pdfs = self.document._render_pdfs(moves)  # the last gate included
            return pdfs, overlapping

        pdfs, overlapping = render(moves)
        side_by_side = min(2, os.cpu_count() or 1)
        self.assertEqual(len(overlapping), side_by_side)
        self.assertEqual(overlapping[1:], [True] * (side_by_side - 1), "started while the first runs")
        for move in moves:
            pages = PdfReader(io.BytesIO(pdfs[move.id])).pages
            self.assertEqual(len(pages), 1)
            text = self._text(pdfs[move.id])
            self.assertIn(move.name, text)
            self.assertEqual([other.name for other in moves if other.name in text], [move.name])
        self.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.render_processes", "1")
        alone, overlapping = render(moves)
        self.assertEqual(overlapping, [False])
        self.assertEqual(
            [normalize_text(self._text(alone[move.id])) for move in moves],
            [normalize_text(self._text(pdfs[move.id])) for move in moves],
        )

    def test_patched_qt_prints_no_mention_in_header_or_footer(self):
        """With a patched-Qt wkhtmltopdf the header and footer are printed: they carry
        no mention, so each mention stays exactly once (simulated version string)."""
        move = self._invoice([self._line(100.0)])
        wkhtml = chorus_report._wkhtml()
        patched = namedtuple("WkhtmlInfo", wkhtml._fields)(*wkhtml)._replace(is_patched_qt=True)
        calls = []
        original = BaseReport._run_wkhtmltopdf

        def record(report, bodies, *args, **kwargs):
            calls.append((bodies, kwargs.get("header"), kwargs.get("footer")))
            return original(report, bodies, *args, **kwargs)

        with (
            patch.object(chorus_report, "_wkhtml", return_value=patched),
            patch("odoo.addons.base.models.ir_actions_report._wkhtml", return_value=patched),
            patch.object(BaseReport, "_run_wkhtmltopdf", autospec=True, side_effect=record),
        ):
            pdf = self.document._render_pdfs(move)[move.id]
        self.assertTrue(calls)
        bodies, header, footer = calls[-1]
        for part in (header, footer):
            text = normalize_text(lxml.html.fromstring(part).text_content()) if part else ""
            for mention in (
                "Cabinet Chorus Test",
                "81234567600017",
                "FR19812345676",
                move.name,
                "12ruedesLilas",
                "22930008201453",
            ):
                self.assertNotIn(mention, text.replace(" ", ""))
        body = normalize_text(lxml.html.fromstring(bodies[0]).text_content())
        self.assertEqual(body.count("SIRET:81234567600017"), 1)
        self.assertEqual(self.document._missing_mentions(move, pdf), [])


@tagged("post_install", "-at_install")
class TestDepositedDocument(ChorusProSimulatorCommon):
    def test_deposited_pdf_kept_on_the_invoice(self):
        """The Factur-X kept on the invoice is byte for byte what Chorus Pro received."""
        move = self._d93_invoice()
        flow = self.connector._deposit(move)
        document = move.chorus_document_id
        self.assertEqual((document.res_model, document.res_id), ("account.move", move.id))
        self.assertEqual(document.mimetype, "application/pdf")
        # A one-invoice flow is the Factur-X PDF itself, as sent.
        self.assertEqual(document.raw, flow.attachment_id.raw)
        report = inspect_facturx_pdf(document.raw)
        self.assertEqual(report.problems(), [])
        self.assertIn(move.name.encode(), report.facturx_xml)


@tagged("post_install", "-at_install")
class TestLegalDocumentPrint(ChorusProHttpCommon):
    def test_print_menu_gives_the_french_legal_document(self):
        """Print > Chorus Pro Invoice, as the web client asks for it: the French legal
        document with real text."""
        self.company.vat = "FR19812345676"
        move = self._chorus_invoice(
            service=self.service_132,
            purchase_order_reference="EJ2026-000123",
            partner_bank_id=self._bank_account().id,
            post=True,
        )
        report = self.env.ref("l10n_fr_chorus_pro.action_report_chorus_invoice")
        self.assertEqual(report.binding_model_id.model, "account.move")
        self.authenticate(self.invoicing_user.login, self.invoicing_user.login)
        # Odoo's test mode answers HTML unless the context forces the rendering; the web
        # client passes the context the same way.
        context = json.dumps({"lang": "en_US", "force_report_rendering": True})
        response = self.url_open(f"/report/pdf/{report.report_name}/{move.id}?context={context}", timeout=60)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
        flat = normalize_text(text)
        for snippet in (
            f"Facture n° {move.name}",
            "Fournisseur",
            "SIRET : 812 345 676 00017",
            "Numéro d'engagement (EJ) : EJ2026-000123",
            "Code service : 132",
        ):
            self.assertIn(normalize_text(snippet), flat)
        self.assertEqual(self.env["chorus.pro.document"]._missing_mentions(move, response.content), [])
