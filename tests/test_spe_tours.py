# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The psychologist's month in the browser, in French, against the Chorus Pro simulator."""

import io
from unittest.mock import patch

from dateutil.relativedelta import relativedelta
from pypdf import PdfReader

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_facturx import ChorusProFacturx

from .common import ChorusProSimulatorCommon

REAL_RENDER = ChorusProFacturx._facturx_render_invoice_pdfs


@tagged("post_install", "-at_install")
class TestSpeMonthTour(ChorusProSimulatorCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        exempt = cls._sale_tax(
            "0% exonérée art. 261-4-1° CGI",
            0.0,
            ubl_cii_tax_category_code="E",
            ubl_cii_tax_exemption_reason_code="VATEX-FR-CGI261-4",
            invoice_legal_notes="TVA non applicable, art. 261-4-1° du CGI",
        )
        product = cls.env["product.product"].create(
            {"name": "Séance Santé Psy Étudiant", "type": "service", "taxes_id": [Command.set(exempt.ids)]}
        )
        cls.paris1 = cls.env.ref("l10n_fr_chorus_pro.partner_university_19751717000019")
        cls.paris1.write(
            {"street": "12 place du Panthéon", "zip": "75005", "email": "facturation-spe@example.org"}
        )
        cls.first = fields.Date.context_today(cls.env.user).replace(day=1) - relativedelta(months=1)
        year = (cls.first - relativedelta(months=8)).year  # the university year's first year
        Convention = cls.env["chorus.pro.spe.convention"]
        cls.amu = Convention.create(
            {
                "name": "SPE-AMU-0457",
                "partner_id": cls.university.id,
                "product_id": product.id,
                "year_ids": [
                    Command.create(
                        {
                            "university_year": f"{year}-{year + 1}",
                            "engagement_number": "BC-2026-0457",
                        }
                    )
                ],
            }
        )
        cls.pantheon = Convention.create(
            {
                "name": "SPE-P1-0112",
                "partner_id": cls.paris1.id,
                "product_id": product.id,
                "sending_method": "email",
            }
        )
        Session = cls.env["chorus.pro.spe.session"]
        for n in range(13):
            Session.create(
                {
                    "date": cls.first + relativedelta(days=n),
                    "student_code": "SPE-0413",
                    "first_session": not n,
                    "convention_id": cls.amu.id,
                }
            )
        for n, code in enumerate(("SPE-0201", "SPE-0202")):
            Session.create(
                {
                    "date": cls.first + relativedelta(days=4 + n),
                    "student_code": code,
                    "first_session": True,
                    "convention_id": cls.pantheon.id,
                }
            )

    def setUp(self):
        super().setUp()
        # The invoices' real pages (not the simulator tests' shared rendering): the
        # deposited PDF is read back.
        render = patch.object(ChorusProFacturx, "_facturx_render_invoice_pdfs", REAL_RENDER)
        render.start()
        self.addCleanup(render.stop)

    def test_spe_month_tour(self):
        user = self._french_user("spe_month_fr")
        self.start_tour(
            "/odoo/action-l10n_fr_chorus_pro.action_chorus_pro_spe_session",
            "chorus_pro_spe_month_tour",
            login=user.login,
            timeout=400,
        )
        logged = self.env["chorus.pro.spe.session"].search([("student_code", "=", "SPE-0777")])
        self.assertEqual(
            (logged.date, logged.first_session, logged.convention_id),
            (self.first + relativedelta(days=7), True, self.amu),
        )
        amu_move = self.env["account.move"].search([("chorus_spe_convention_id", "=", self.amu.id)])
        p1_move = self.env["account.move"].search([("chorus_spe_convention_id", "=", self.pantheon.id)])
        self.assertEqual((len(amu_move), len(p1_move)), (1, 1))
        # 12 sessions of SPE-0413 (the 13th beyond the cap) and SPE-0777's.
        self.assertEqual(sum(amu_move.invoice_line_ids.mapped("quantity")), 13)
        self.assertEqual(amu_move.purchase_order_reference, "BC-2026-0457")
        self.assertEqual((amu_move.state, amu_move.chorus_state), ("posted", "deposited"))
        self.assertTrue(p1_move.is_move_sent)
        self.assertFalse(p1_move.chorus_state)
        self.sim.advance_flows(to_terminal=True)
        self.assertEqual(len(self.sim.find_invoices(numero_facture=amu_move.name)), 1)
        # The deposited pages, read back: the table of sessions per date, no student.
        pdf = amu_move.chorus_document_id.raw
        text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
        self.assertTrue(
            any(header in text for header in ("Of which first sessions", "Dont premières séances")), text
        )
        self.assertIn("Total", text)
        self.assertNotIn("SPE-", text)
        self.assertIn("BC-2026-0457", text)
        # Neither in the chatter.
        self.assertNotIn("SPE-0", " ".join(str(b) for b in (amu_move | p1_move).message_ids.mapped("body")))
