# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A month of a market at revisable prices in the browser, in French
(static/tests/tours/chorus_pro_price_revision_tour.js). Index values: see
test_price_revision.py (Syntec, published values; December 2023 hypothetical)."""

from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.base.models import ir_actions_report as base_report

from .common import ChorusProHttpCommon
from .test_price_revision import PriceRevisionSetup

# Odoo's HttpCase lets wkhtmltopdf call the server while it draws, and then refuses the
# browser's own requests (the chatter's /mail/data), which the tour reports as a lost
# connection. The justification annex needs no request (stylesheets inlined, no script,
# logo as data URI): drawn with the plain function, the browser's requests wait.
PLAIN_WKHTMLTOPDF = base_report._run_wkhtmltopdf


@tagged("post_install", "-at_install")
class TestPriceRevisionTour(PriceRevisionSetup, ChorusProHttpCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.chorus_post_check = "warn"
        cls._setup_price_revision(cls.company_data["default_tax_sale"])

    def test_price_revision_tour(self):
        user = self._french_user("revision_fr")
        user.group_ids |= self.env.ref("account.group_account_manager")
        self.startPatcher(patch.object(base_report, "_run_wkhtmltopdf", PLAIN_WKHTMLTOPDF))
        self.start_tour(
            f"/odoo/action-l10n_fr_chorus_pro.action_chorus_pro_order/{self.market.id}",
            "chorus_pro_price_revision_tour",
            login=user.login,
            timeout=300,
        )
        invoice = self.env["account.move"].search(
            [("chorus_order_id", "=", self.market.id), ("chorus_revision_settled_id", "=", False)]
        )
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(str(invoice.invoice_date), "2023-12-29")
        self.assertTrue(invoice.chorus_revision_provisional)
        self.assertEqual(invoice.invoice_line_ids.price_unit, 516.0)
        self.assertIn(invoice.chorus_revision_annex_id, invoice.chorus_attachment_ids)
        # 0.30 + 0.70 × 310.0 / 293.9 = 1.0383464 → 1.039: 10 × (519.50 − 516.00)
        settlement = invoice.chorus_revision_settlement_id
        self.assertEqual((settlement.state, settlement.move_type), ("draft", "out_invoice"))
        self.assertEqual(settlement.amount_untaxed, 35.0)
        self.assertEqual(settlement.chorus_revision_coefficient, 1.039)
