# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The printed price revision (French page, justification annex) and its deposit to the
Chorus Pro simulator over HTTP (docs/price-revision.md). Index values: see
test_price_revision.py (Syntec, published values)."""

import io
import zipfile

from pypdf import PdfReader

from odoo import Command
from odoo.tests import tagged

from odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_document import normalize_text

from .common import ChorusProSimulatorCommon
from .test_price_revision import PriceRevisionSetup

INVOICE_REPORT = "l10n_fr_chorus_pro.report_chorus_invoice"


@tagged("post_install", "-at_install")
class TestPriceRevisionDocuments(PriceRevisionSetup, ChorusProSimulatorCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.chorus_post_check = "warn"
        cls._setup_price_revision(cls.company_data["default_tax_sale"])

    def _text(self, pdf):
        """The PDF's text as read back, without layout."""
        return normalize_text(self.env["chorus.pro.document"]._page_text(pdf))

    def _assert_in_text(self, expected, text):
        for value in expected:
            self.assertIn(normalize_text(value), text)

    def _deposit_from_form(self, move):
        """The invoice's Deposit button, then the wizard's Deposit button."""
        action = move.action_chorus_deposit()
        self.env[action["res_model"]].browse(action["res_id"]).action_deposit()
        self.assertEqual(move.chorus_state, "deposited")
        # The flow as Chorus Pro received it (one Factur-X PDF, or a zip of them).
        received = self.sim.blobs[f"flow:{move.chorus_flow_id.name}"]
        if received.startswith(b"PK"):
            with zipfile.ZipFile(io.BytesIO(received)) as archive:
                [member] = archive.namelist()
                received = archive.read(member)
        return received

    def test_french_page_annex_and_deposit(self):
        # C = 0.30 + 0.70 × 307.0 / 293.9 = 1.031201089 → 1.032; 500.00 × 1.032 = 516.00
        move = self._market_invoice("2023-11-20")
        move.invoice_date = "2023-11-30"
        move.action_post()
        # The legal page, printed for the Département (French): decimal commas.
        pdf = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(INVOICE_REPORT, move.ids)[0]
        )
        text = self._text(pdf)
        self._assert_in_text(
            [
                "Révision des prix",
                "prix commandés × 1,032",
                "C = 0,3 + 0,7 × SYNTEC/SYNTEC₀",
                "307,0 (novembre 2023) / 293,9 (janvier 2023)",
                "516,00",
            ],
            text,
        )
        self.assertNotIn("1.032", text)
        # The justification annex, made at posting, among the supporting documents.
        annex = move.chorus_revision_annex_id
        self.assertTrue(annex)
        self.assertIn(annex, move.chorus_attachment_ids)
        self.assertEqual(annex.name, "Revision_prix_%s.pdf" % move.name.replace("/", "_"))
        self.assertLessEqual(len(annex.name), 50)
        annex_text = self._text(annex.raw)
        self.assertEqual(len(PdfReader(io.BytesIO(annex.raw)).pages), 1)
        self._assert_in_text(
            [
                "Justification de la révision des prix",
                f"Annexe à la facture n° {move.name}",
                "Marché n° MP-2022-0099",
                "engagement juridique EJ2023-000007",
                "Prix révisé = prix initial × C, avec C = 0,3 + 0,7 × SYNTEC/SYNTEC₀",
                "SYNTEC – Indice Syntec",
                "aucun (publié par Fédération Syntec)",
                "0,7",
                "janvier 2023",
                "293,9",
                "novembre 2023",
                "307,0",
                "Coefficient avant arrondi : 1,031201089",
                "arrondi au millième supérieur (CCAG-FCS 2021, art. 10.1.2) : 1,032",
                "Révision définitive",
                "Journée de conseil (BPU 2.1)",
                "500,00",
                "516,00",
                "160,00",  # 10 days × 16.00
            ],
            annex_text,
        )
        # Reset to draft and posted again before its deposit: a new annex, the old one gone.
        move.button_draft()
        move.action_post()
        self.assertNotEqual(move.chorus_revision_annex_id, annex)
        self.assertFalse(annex.exists())
        annex = move.chorus_revision_annex_id
        self.assertEqual(move.chorus_attachment_ids, annex)
        # Deposited through the pipeline: the annex arrives inside the Factur-X.
        deposited = PdfReader(io.BytesIO(self._deposit_from_form(move)))
        self.assertEqual(deposited.attachments[annex.name], [annex.raw])
        # Never made again once deposited: the evidence stays as sent.
        move._chorus_revision_annex_attach()
        self.assertEqual(move.chorus_revision_annex_id, annex)
        self.assertEqual(move.chorus_attachment_ids, annex)

    def test_provisional_annex_with_two_indices(self):
        # The INSEE identifier as the user typed it on the index (illustrative).
        self.bt40.idbank = "IDBANK-BT40"
        self.market.write(
            {
                "revision_fixed_part": 0.125,
                "revision_term_ids": [
                    Command.create({"index_id": self.bt40.id, "weight": 0.175, "base_month": "2018-01-01"})
                ],
            }
        )
        # December not published: November's Syntec, December 2018's BT40.
        # C = 0.125 + 0.70 × 307.0 / 293.9 + 0.175 × 107.70 / 105.90 = 1.0341756 → 1.035
        move = self._market_invoice("2023-12-05")
        move.invoice_date = "2023-12-29"
        move.action_post()
        self._assert_in_text(
            [
                "C = 0,125 + 0,7 × SYNTEC/SYNTEC₀ + 0,175 × BT40/BT40₀",
                "IDBANK-BT40",
                "105,9",
                "décembre 2023 (valeur de décembre 2018, dernière publiée)",
                "107,7",
                "1,035",
                "décembre 2023 (valeur de novembre 2023, dernière publiée)",
                "Révision provisoire",
                "sera régularisée",
            ],
            self._text(move.chorus_revision_annex_id.raw),
        )
