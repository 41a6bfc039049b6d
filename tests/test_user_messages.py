# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What a user reads: Chorus Pro out of reach as one translatable sentence (the technical
detail in the server log only), the settings' Test connection in one click, and on the
deposited page no logo placeholder, the payment line (due date, terms, means) and the
date of the service the user gave, never the invoice date in its place unsaid."""

import base64
import io
import socket

from PIL import Image
from pypdf import PdfReader

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_document import normalize_text

from .common import SIMULATOR_PASSWORD, ChorusProSimulatorCommon
from .test_legal_document import TestLegalDocument

CONNECTOR_LOGGER = "odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_connector"
DEPOSIT_PATH = "/cpro/factures/v1/deposer/flux"
TOKEN_PATH = "/api/oauth/token"
RAW = ("HTTPConnectionPool", "Max retries", "ConnectionError", "Read timed out", "answered HTTP", "/cpro/")


def _closed_port_url():
    """A loopback URL nobody listens on: the connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@tagged("post_install", "-at_install")
class TestChorusUnreachable(ChorusProSimulatorCommon):
    chorus_timeout = "1.5"

    def _assert_plain(self, message):
        for raw in RAW:
            self.assertNotIn(raw, message)

    def test_connection_refused_is_one_sentence(self):
        url = _closed_port_url()
        self.company.write({"chorus_api_url": url, "chorus_token_url": f"{url}/api/oauth/token"})
        settings = self.env["res.config.settings"].create({})
        with self.assertLogs(CONNECTOR_LOGGER, "WARNING") as logs, self.assertRaises(UserError) as caught:
            settings.action_chorus_test_connection()
        self.assertEqual(
            str(caught.exception),
            "Chorus Pro cannot be reached (connection refused or "
            "timed out). Try again later; nothing was sent.",
        )
        # The technical detail, for the administrator, in the server log only.
        self.assertIn("ConnectionError", "\n".join(logs.output))

    def test_server_error_is_one_sentence(self):
        moves = self._d93_invoice()
        flows = self.connector._deposit(moves)
        self.sim.advance_flows(to_terminal=True)
        self.connector._update_flows(flows)
        self.sim.inject_fault("/cpro/factures/v1/rechercher/fournisseur", "http_503", count=20, retry_after=0)
        with self.assertLogs(CONNECTOR_LOGGER, "WARNING"), self.assertRaises(UserError) as caught:
            moves.action_chorus_update()
        message = str(caught.exception)
        self.assertIn(
            "Chorus Pro is not answering right now (server error, HTTP 503). Try again later; "
            "nothing was sent.",
            message,
        )
        self._assert_plain(message)
        self.sim.clear_faults()
        self.sim.inject_fault("/cpro/factures/v1/rechercher/fournisseur", "http_502", count=20, retry_after=0)
        with self.assertLogs(CONNECTOR_LOGGER, "WARNING"), self.assertRaises(UserError) as caught:
            moves.action_chorus_update()
        self.assertIn(
            "The Chorus Pro gateway (PISTE) is not answering right now (HTTP 502).", str(caught.exception)
        )
        self._assert_plain(str(caught.exception))

    def test_lost_answer_in_the_chatter_without_technical_text(self):
        move = self._d93_invoice()
        self.sim.inject_fault(DEPOSIT_PATH, "process_then_timeout")
        with self.assertLogs(CONNECTOR_LOGGER, "WARNING") as logs:
            flow = self.connector._deposit(move)
        self.assertEqual(flow.state, "unconfirmed")
        self.assertIn("no answer from Chorus Pro after sending the request (", "\n".join(logs.output))
        [body] = [message.body for message in move.message_ids if "not confirmed" in message.body]
        self.assertIn(
            "Deposit on Chorus Pro not confirmed: Chorus Pro did not answer after receiving the request", body
        )
        self._assert_plain(body)
        self._assert_plain(flow.error_message)


@tagged("post_install", "-at_install")
class TestSettingsTestConnection(ChorusProSimulatorCommon):
    """Settings › Chorus Pro › Test connection with credentials just typed, not saved."""

    def setUp(self):
        super().setUp()
        self.env.user.group_ids += self.env.ref("base.group_system")
        self.company.chorus_password = "an-old-password"

    def test_button_saves_then_tests(self):
        """What the web client does for a button with ``noSaveDialog``: save the settings
        (create), then call the button's method on the saved record."""
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="action_chorus_test_connection"', arch)
        button = arch.split('name="action_chorus_test_connection"')[1].split(">")[0]
        self.assertIn('noSaveDialog="true"', button)
        form = Form(self.env["res.config.settings"])
        form.chorus_password = SIMULATOR_PASSWORD
        settings = form.save()
        self.sim.reset_calls()
        action = settings.action_chorus_test_connection()
        self.assertEqual(self.company.chorus_password, SIMULATOR_PASSWORD)
        self.assertGreaterEqual(self.sim.calls.get(TOKEN_PATH, 0), 1)
        self.assertGreaterEqual(sum(self.sim.calls.values()), 2)
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(action["params"]["title"], "Chorus Pro connection works")
        self.assertIn("TECH_1_81234567600017@cpro.fr", action["params"]["message"])

    def test_one_click_in_the_browser(self):
        self.sim.reset_calls()
        self.start_tour(
            "/odoo/settings#account",
            "chorus_pro_settings_test_connection_tour",
            login=self.env.user.login,
            timeout=120,
        )
        self.assertEqual(self.company.chorus_password, SIMULATOR_PASSWORD)
        self.assertGreaterEqual(self.sim.calls.get(TOKEN_PATH, 0), 1)


@tagged("post_install", "-at_install")
class TestLegalPageWording(TestLegalDocument):
    """The deposited page, read back (in English: the recipient is set to English; the
    French terms come with the translation)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("en_US")
        cls.english = cls.university.copy({"name": "Université anglophone", "lang": "en_US"})

    def _english_invoice(self, lines=None, **values):
        return self._invoice(
            lines or [self._line(50.0, 4, self.tax_psy)], service=False, partner=self.english, **values
        )

    def _flat(self, move):
        return normalize_text(self._text(self._render(move)[move]))

    def test_no_logo_placeholder(self):
        self.assertTrue(self.company.uses_default_logo)
        move = self._english_invoice()
        pdf = self._render(move)[move]
        self.assertEqual([len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages], [0])
        # The company's own logo is printed.
        logo = io.BytesIO()
        Image.new("RGB", (120, 40), (200, 30, 30)).save(logo, format="PNG")
        self.company.logo = base64.b64encode(logo.getvalue())
        self.assertFalse(self.company.uses_default_logo)
        move = self._english_invoice()
        pdf = self._render(move)[move]
        self.assertEqual([len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages], [1])

    def test_payment_line(self):
        """Due date, terms and means in the payment block, with or without payment terms."""
        with_terms = self._english_invoice()
        within = self._english_invoice(invoice_payment_term_id=False, invoice_date_due="2026-12-17")
        on_receipt = self._english_invoice(invoice_payment_term_id=False, invoice_date_due="2026-11-02")
        next_day = self._english_invoice(invoice_payment_term_id=False, invoice_date_due="2026-11-03")
        self._render(with_terms | within | on_receipt | next_day)
        bank = "By bank transfer to IBAN FR44 3000 4000 0300 0001 2345 678 – BIC BNPAFRPPXXX (BNP Paribas)"
        for move, due, terms in (
            (with_terms, "12/02/2026", "30 Days"),
            (within, "12/17/2026", "payment within 45 days of the issue date"),
            (on_receipt, "11/02/2026", "payment on receipt of the invoice"),
            (next_day, "11/03/2026", "payment within 1 day of the issue date"),
        ):
            with self.subTest(terms=terms):
                flat = self._flat(move)
                payment = flat[flat.index("Payment") :]
                for snippet in (f"Due date: {due}", f"Payment terms: {terms}", bank):
                    self.assertIn(normalize_text(snippet), payment)
                self.assertEqual(flat.count(normalize_text("Due date:")), 1)

    def test_date_of_the_service(self):
        """The date of the service given (the sessions of October, invoiced in November)
        is printed, not the invoice date; the beneficiaries' period when they give it;
        otherwise the checklist says the invoice date stands for it."""
        checklist = self.env["chorus.pro.checklist"]
        no_date = self._english_invoice(post=False)
        [item] = [i for i in checklist._check(no_date, with_facturx=False) if i["code"] == "service_date"]
        self.assertTrue(item["ok"])
        self.assertIn(
            "No date of service: the invoice date (11/02/2026) is printed as the date of the service.",
            item["message"],
        )
        # Goods: delivered with the invoice, nothing to say.
        goods = self._english_invoice([self._line(35.0, 2, self.tax_20, self.goods)], post=False)
        [item] = [i for i in checklist._check(goods, with_facturx=False) if i["code"] == "service_date"]
        self.assertEqual((item["ok"], item["message"]), (True, ""))
        no_date.action_post()
        self.assertIn(normalize_text("Date of the sale or service: 11/02/2026"), self._flat(no_date))
        # The last session's day, given by the user.
        sessions = self._english_invoice(post=False, delivery_date="2026-10-26")
        [item] = [i for i in checklist._check(sessions, with_facturx=False) if i["code"] == "service_date"]
        self.assertEqual(item["message"], "")
        sessions.action_post()
        flat = self._flat(sessions)
        self.assertIn(normalize_text("Date of the sale or service: 10/26/2026"), flat)
        self.assertNotIn(normalize_text("Date of the sale or service: 11/02/2026"), flat)
        # The beneficiaries' period.
        period = self._english_invoice(beneficiaries=[("Lina B.", "2026-10-01", "2026-10-31", 0)])
        flat = self._flat(period)
        self.assertIn(normalize_text("Service period: from 10/01/2026 to 10/31/2026"), flat)
        self.assertNotIn(normalize_text("Date of the sale or service"), flat)
