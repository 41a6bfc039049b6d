# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Directory read with a bounded number of calls, services' details on demand, and the
connection test, against the project's simulator over real HTTP, in both
simulator realisms. The missing PISTE subscription (HTTP 403 from the gateway, which the
simulator cannot inject) is served by a tiny local HTTP stub: the client is never patched."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..models.chorus_pro_connector_directory import FAILED_DETAILS_KEY
from .common import SIMULATOR_PASSWORD, ChorusProSimulatorCommon

BIG_SIRET = "21930000000017"  # a qualification-style test structure (no checksum)
SERVICE_DETAIL = "/cpro/structures/v1/consulter/service"
REALISMS = ("strict", "production")


def api_calls(calls):
    """Calls to the Chorus Pro API (token requests apart)."""
    return sum(count for path, count in calls.items() if path.startswith("/cpro/"))


class _PisteStub(BaseHTTPRequestHandler):
    """PISTE gateway refusing the API families of ``server.refused`` with HTTP 403 (no
    Chorus ``codeRetour``), answering every other call with an empty success."""

    def log_message(self, *args):
        pass

    def _answer(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith("/api/oauth/token"):
            return self._answer(
                200,
                {"access_token": "stub-token", "token_type": "Bearer", "expires_in": 3600, "scope": "openid"},
            )
        family = self.path.split("/")[2] if self.path.startswith("/cpro/") else ""
        if family in self.server.refused:
            return self._answer(403, {"error": "access_denied", "error_description": "Unauthorized API"})
        return self._answer(200, {"codeRetour": 0, "libelle": "TRA_MSG_00.000", "listeTauxTva": []})


@tagged("post_install", "-at_install")
class TestDirectory(ChorusProSimulatorCommon):
    def setUp(self):
        super().setUp()
        self.addCleanup(self.sim.configure, realism="strict")

    def _big_structure(self, services=218):
        """A structure with ``services`` services (every 7th requires an EJ)."""
        id_structure = self.sim.add_structure(BIG_SIRET, "Grande Collectivité", service_required=True)
        for index in range(services):
            self.sim.add_service(
                id_structure, f"S{index:03d}", f"Service {index}", ej_required=index % 7 == 0
            )
        partner = self.env["res.partner"].create(
            {
                "name": "Grande Collectivité",
                "is_company": True,
                "chorus_recipient": True,
                "chorus_test_structure": True,
                "company_registry": BIG_SIRET,
            }
        )
        return id_structure, partner

    def _small_structure(self):
        """A structure requiring a service code; service EJ requires an EJ, FREE not."""
        id_structure = self.sim.add_structure(BIG_SIRET, "Petite Collectivité", service_required=True)
        self.sim.add_service(id_structure, "EJ", "Service avec EJ", ej_required=True)
        self.sim.add_service(id_structure, "FREE", "Service sans EJ")
        partner = self.env["res.partner"].create(
            {
                "name": "Petite Collectivité",
                "is_company": True,
                "chorus_recipient": True,
                "chorus_test_structure": True,
                "company_registry": BIG_SIRET,
            }
        )
        partner.action_chorus_sync_directory()
        services = {s.code: s for s in partner.chorus_service_ids}
        return partner, services["EJ"], services["FREE"]

    def _routing(self, move):
        return self.env["chorus.pro.checklist"]._check_routing(move)

    # ---------------------------------------------------------------- directory read
    def test_directory_read_of_218_services_is_bounded(self):
        for realism in REALISMS:
            with self.subTest(realism=realism):
                self.sim.reset()
                self.sim.configure(realism=realism)
                _id, partner = self._big_structure()
                self.sim.reset_calls()
                partner.action_chorus_sync_directory()
                calls = self.sim.calls
                self.assertLessEqual(api_calls(calls), 25, calls)
                self.assertFalse(calls.get(SERVICE_DETAIL), "no service read one by one")
                services = partner.chorus_service_ids
                self.assertEqual(len(services), 218)
                self.assertEqual(partner.chorus_routing_rule, "service")
                self.assertFalse(any(services.mapped("details_sync_date")))
                self.assertFalse(any(services.mapped("details_known")))
                self.assertTrue(all(services.mapped("date_start")), "validity from the listing")
                # A second read keeps what is known and costs the same.
                self.sim.reset_calls()
                partner.action_chorus_sync_directory()
                self.assertLessEqual(api_calls(self.sim.calls), 25)
                partner.unlink()

    # ---------------------------------------------------------------- details on demand
    def test_details_read_once_on_demand_then_cached(self):
        for realism in REALISMS:
            with self.subTest(realism=realism):
                self.sim.reset()
                self.sim.configure(realism=realism)
                partner, service_ej, service_free = self._small_structure()
                self.assertFalse(service_ej.engagement_required, "unknown, not read yet")
                move = self._chorus_invoice(partner, service_ej)
                self.sim.reset_calls()
                item = self._routing(move)
                self.assertFalse(item["ok"])
                self.assertIn("engagement number (EJ) is mandatory", item["message"])
                self.assertEqual(self.sim.calls.get(SERVICE_DETAIL), 1)
                self.assertTrue(service_ej.engagement_required)
                self.assertTrue(service_ej.details_sync_date)
                self.assertTrue(service_ej.details_known)
                # Cached: checked again, no call.
                self.assertFalse(self._routing(move)["ok"])
                self.assertEqual(self.sim.calls.get(SERVICE_DETAIL), 1)
                # The other service: one call, no EJ required.
                move.chorus_service_id = service_free
                self.assertTrue(self._routing(move)["ok"], self._routing(move)["message"])
                self.assertEqual(self.sim.calls.get(SERVICE_DETAIL), 2)
                self.assertFalse(service_free.engagement_required)
                # A directory read keeps the details read before.
                partner.action_chorus_sync_directory()
                self.assertTrue(service_ej.engagement_required)
                self.assertTrue(service_ej.details_sync_date)
                # Older than the company's refresh delay: read again.
                self.sim.update_service(partner.chorus_structure_identifier, "FREE", ej_required=True)
                service_free.details_sync_date = fields.Datetime.now() - timedelta(
                    days=self.company.chorus_directory_refresh_days + 1
                )
                item = self._routing(move)
                self.assertEqual(self.sim.calls.get(SERVICE_DETAIL), 3)
                self.assertFalse(item["ok"])
                self.assertTrue(service_free.engagement_required)
                # An EJ entered: nothing to read.
                service_free.details_sync_date = False
                move.purchase_order_reference = "EJ-42"
                self.assertTrue(self._routing(move)["ok"])
                self.assertEqual(self.sim.calls.get(SERVICE_DETAIL), 3)
                move.unlink()
                partner.unlink()

    def test_details_unknown_and_chorus_unreachable(self):
        for realism in REALISMS:
            with self.subTest(realism=realism):
                self.sim.reset()
                self.sim.configure(realism=realism)
                partner, service_ej, _free = self._small_structure()
                move = self._chorus_invoice(partner, service_ej)
                self.sim.inject_fault(SERVICE_DETAIL, "http_503", count=10, retry_after=0)
                self.sim.reset_calls()
                item = self._routing(move)
                self.assertFalse(item["ok"])
                self.assertIn("could not be reached", item["message"])
                self.assertNotIn("is mandatory", item["message"], "not guessed")
                self.assertFalse(service_ej.details_sync_date)
                # Another invoice to the same service in the same request: not tried again.
                attempts = self.sim.calls.get(SERVICE_DETAIL)
                other = self._chorus_invoice(partner, service_ej)
                self.assertIn("could not be reached", self._routing(other)["message"])
                self.assertEqual(self.sim.calls.get(SERVICE_DETAIL), attempts)
                other.unlink()
                # Once Chorus Pro answers (a new request), the real rule applies.
                self.sim.clear_faults()
                self.env.cr.cache.pop(FAILED_DETAILS_KEY, None)
                item = self._routing(move)
                self.assertNotIn("could not be reached", item["message"])
                self.assertIn("engagement number (EJ) is mandatory", item["message"])
                # Details read before but old, Chorus Pro down: the known value is kept.
                service_ej.details_sync_date = fields.Datetime.now() - timedelta(days=30)
                self.sim.inject_fault(SERVICE_DETAIL, "http_503", count=10, retry_after=0)
                self.env.cr.cache.pop(FAILED_DETAILS_KEY, None)
                item = self._routing(move)
                self.assertNotIn("could not be reached", item["message"])
                self.assertIn("engagement number (EJ) is mandatory", item["message"])
                self.sim.clear_faults()
                self.env.cr.cache.pop(FAILED_DETAILS_KEY, None)
                move.unlink()
                partner.unlink()

    def test_cron_refreshes_details_of_services_in_use(self):
        self.env["res.company"].search([("id", "!=", self.company.id)]).write({"chorus_client_id": False})
        for realism in REALISMS:
            with self.subTest(realism=realism):
                self.sim.reset()
                self.sim.configure(realism=realism)
                _id, partner = self._big_structure(services=30)
                partner.action_chorus_sync_directory()
                used = partner.chorus_service_ids.filtered(lambda s: s.code in ("S001", "S002"))
                moves = self.env["account.move"]
                for service in used:
                    moves |= self._chorus_invoice(partner, service, invoice_date=fields.Date.today())
                old = partner.chorus_service_ids.filtered(lambda s: s.code == "S003")
                moves |= self._chorus_invoice(
                    partner, old, invoice_date=fields.Date.today() - timedelta(days=400)
                )
                self.sim.update_service(partner.chorus_structure_identifier, "S001", ej_required=True)
                self.sim.reset_calls()
                self.env["chorus.pro.connector"]._cron_sync_directory()
                # Every recipient read with bounded calls, details of the 2 services in use.
                self.assertEqual(self.sim.calls.get(SERVICE_DETAIL), 2)
                self.assertTrue(all(used.mapped("details_sync_date")))
                self.assertEqual(used.filtered("engagement_required").code, "S001")
                self.assertFalse(old.details_sync_date, "not used for 6 months: read on demand")
                # Every service: parameter 0.
                self.env["ir.config_parameter"].sudo().set_param(
                    "l10n_fr_chorus_pro.service_details_months", "0"
                )
                self.sim.reset_calls()
                self.env["chorus.pro.connector"]._refresh_service_details(self.company)
                self.assertGreaterEqual(self.sim.calls.get(SERVICE_DETAIL), 30)
                self.env["ir.config_parameter"].sudo().set_param(
                    "l10n_fr_chorus_pro.service_details_months", "6"
                )
                moves.unlink()
                partner.unlink()

    def test_load_details_button(self):
        partner, service_ej, _free = self._small_structure()
        service_ej.action_chorus_load_details()
        self.assertTrue(service_ej.engagement_required)
        self.assertTrue(service_ej.details_known)
        self.sim.inject_fault(SERVICE_DETAIL, "http_503", count=10, retry_after=0)
        with self.assertRaisesRegex(UserError, "not answering"):
            service_ej.action_chorus_load_details()

    # ---------------------------------------------------------------- connection test
    def test_connection_test_needs_only_the_deposit_apis(self):
        for realism in REALISMS:
            with self.subTest(realism=realism):
                self.sim.reset()
                self.sim.configure(realism=realism)
                self.company.chorus_check_engagement = False
                action = self.connector._action_test_connection(self.company)
                self.assertEqual(action["params"]["type"], "success")
                message = action["params"]["message"]
                for api in ("Factures", "Structures", "Transverses"):
                    self.assertIn(api, message)
                self.assertNotIn("Utilisateurs", message)
                self.assertNotIn("EngagementsJuridiques", message)
                self.assertIn("TECH_1_81234567600017@cpro.fr", message)
                self.assertFalse(
                    self.sim.calls.get("/cpro/utilisateurs/v1/monCompte/recuperer/rattachements")
                )
                self.assertFalse(self.sim.calls.get("/cpro/engagementsJuridiques/v1/rechercher"))
                # The EJ check also needs Utilisateurs and EngagementsJuridiques.
                self.company.chorus_check_engagement = True
                message = self.connector._action_test_connection(self.company)["params"]["message"]
                self.assertIn("EngagementsJuridiques", message)
                self.assertIn("Utilisateurs", message)
                # Refused credentials stay a readable error.
                self.company.chorus_password = "wrong"
                with self.assertRaisesRegex(UserError, "refused the credentials"):
                    self.connector._action_test_connection(self.company)
                self.company.chorus_password = SIMULATOR_PASSWORD

    def _stub(self, refused):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _PisteStub)
        server.refused = set(refused)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(thread.join)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        url = f"http://127.0.0.1:{server.server_address[1]}"
        self.company.write({"chorus_api_url": url, "chorus_token_url": url + "/api/oauth/token"})
        return server

    def test_connection_test_names_the_missing_subscription(self):
        self.company.chorus_check_engagement = False
        self._stub(refused={"structures"})
        with self.assertRaises(UserError) as caught:
            self.connector._action_test_connection(self.company)
        message = str(caught.exception.args[0])
        self.assertIn("not subscribed to Structures", message)
        self.assertIn("Missing: Structures", message)
        self.assertIn("Working: Factures", message)
        self.assertIn("Transverses", message.split("Working:")[1])
        # Transverses refused: the light test's own API, named as well.
        self._stub(refused={"transverses", "engagementsJuridiques"})
        self.company.chorus_check_engagement = True
        with self.assertRaises(UserError) as caught:
            self.connector._action_test_connection(self.company)
        message = str(caught.exception.args[0])
        self.assertIn("not subscribed to Transverses, EngagementsJuridiques", message)
        self.assertIn("Utilisateurs", message.split("Working:")[1])
        # Everything subscribed on the stub: success.
        self._stub(refused=())
        action = self.connector._action_test_connection(self.company)
        self.assertEqual(action["params"]["type"], "success")
