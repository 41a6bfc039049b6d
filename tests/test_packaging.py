# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What the Apps page shows of the module: its own icon and the HTML description of
static/description/index.html (Odoo renders the README with docutils only when there is no
index.html; the wheel and the addons-path install are checked by scripts/test_packaging.sh)."""

import base64
from pathlib import Path

from odoo.tests import TransactionCase, tagged

MODULE = "l10n_fr_chorus_pro"
DESCRIPTION_DIR = Path(__file__).resolve().parents[1] / "static" / "description"


@tagged("post_install", "-at_install")
class TestModuleDescription(TransactionCase):
    def setUp(self):
        super().setUp()
        self.module = self.env["ir.module.module"].search([("name", "=", MODULE)])
        self.assertEqual(len(self.module), 1)

    def test_icon(self):
        self.assertEqual(self.module.icon, f"/{MODULE}/static/description/icon.png")
        self.assertEqual(
            base64.b64decode(self.module.icon_image),
            (DESCRIPTION_DIR / "icon.png").read_bytes(),
            "Apps shows the module's own icon",
        )

    def test_description_from_index_html(self):
        html = str(self.module.description_html)
        self.assertIn("Factur-X deposit and tracking for invoices to French public bodies", html)
        # Screenshots are served from the module's static/description directory.
        self.assertIn(f"/{MODULE}/static/description/screenshots/chorus_invoice_ase.png", html)
        # Not the README (development set-up, rendered as reStructuredText).
        self.assertNotIn("make setup", html)
