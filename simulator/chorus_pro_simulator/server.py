"""Threaded HTTP server of the simulator (standard library ``http.server``).

A hand-written request handler (rather than WSGI) is used so that faults can close a
connection without any answer (``drop``, ``process_then_drop``).
"""

import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, parse_qsl, urlsplit

from werkzeug.http import parse_options_header

from . import admin, realism, routes
from . import constants as C
from .errors import AdminError, ApiError, OAuthError

_logger = logging.getLogger(__name__)

TOKEN_PATH = "/api/oauth/token"
ADMIN_PREFIX = "/_simulator"


class _DropConnection(Exception):
    """Close the connection without writing any answer."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 64


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ChorusProSimulator/1.0"
    sys_version = ""
    timeout = 120  # idle keep-alive connections are closed after this many seconds

    def setup(self):
        super().setup()
        try:  # headers and body are written separately: avoid Nagle delays
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # pragma: no cover
            pass
        self.server.sim_server._track(self.connection, True)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.sim_server._track(self.connection, False)

    def log_message(self, fmt, *args):  # quiet by default
        _logger.debug("%s - " + fmt, self.address_string(), *args)

    def do_GET(self):
        self.server.sim_server.handle(self, "GET")

    def do_POST(self):
        self.server.sim_server.handle(self, "POST")

    def do_PUT(self):
        self.server.sim_server.handle(self, "PUT")

    def do_PATCH(self):
        self.server.sim_server.handle(self, "PATCH")

    def do_DELETE(self):
        self.server.sim_server.handle(self, "DELETE")

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""


class SimulatorServer:
    """A running simulator HTTP server (background thread)."""

    def __init__(self, simulator, host="127.0.0.1", port=0):
        self.simulator = simulator
        self._stop_event = threading.Event()
        self._connections = set()
        self._conn_lock = threading.Lock()
        self._httpd = _HTTPServer((host, port), _Handler)
        self._httpd.sim_server = self
        self.host = host
        self.port = self._httpd.server_address[1]
        self._thread = None

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def token_url(self):
        return self.url + TOKEN_PATH

    def start(self):
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"chorus-pro-simulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self):
        if self._stop_event.is_set():
            return
        self._stop_event.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        with self._conn_lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self in self.simulator._servers:
            self.simulator._servers.remove(self)

    def serve_forever(self):
        """Block until interrupted (used by the command line)."""
        try:
            while not self._stop_event.wait(0.5):
                pass
        finally:
            self.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def _track(self, conn, add):
        with self._conn_lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    # ------------------------------------------------------------------------------
    # Request handling
    # ------------------------------------------------------------------------------
    def handle(self, handler, method):  # noqa: C901
        parts = urlsplit(handler.path)
        path = parts.path
        try:
            body = handler.read_body()
        except (ValueError, OSError):
            handler.close_connection = True
            return
        if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            self._send(handler, *self._admin(method, path, parts.query, body))
            return
        sim = self.simulator
        sim._count_call(path)
        fault = sim._take_fault(path)
        if fault is None:
            retry_after = sim._throttle(path)
            if retry_after is not None:  # production: every Nth call, not processed
                fault = {"kind": "http_429", "retry_after": retry_after}
        if fault is None:
            self._send(handler, *self._process(method, path, handler.headers, body))
            return
        kind = fault["kind"]
        _logger.info("Injected fault %s on %s %s", kind, method, path)
        if kind == "http_500":
            self._send(
                handler,
                500,
                {"codeRetour": C.CODE_INTERNAL, "libelle": "Erreur technique interne (panne simulee)."},
            )
        elif kind == "http_503":
            self._send(
                handler,
                503,
                {
                    "error": "service_unavailable",
                    "error_description": "Service temporairement indisponible (panne simulee).",
                },
                {"Retry-After": str(fault["retry_after"])},
            )
        elif kind == "http_429":
            self._send(
                handler,
                429,
                {
                    "error": "too_many_requests",
                    "error_description": "Quota d'appels depasse (panne simulee).",
                },
                {"Retry-After": str(fault["retry_after"])},
            )
        elif kind in ("http_502", "http_504"):  # gateway page, nothing processed
            status = int(kind[-3:])
            self._send_raw(handler, status, realism.GATEWAY_HTML[status].encode(), "text/html")
        elif kind == "timeout":
            if self._stop_event.wait(fault["delay"]):
                handler.close_connection = True
                return
            self._send(
                handler,
                504,
                {
                    "error": "gateway_timeout",
                    "error_description": "Delai de reponse depasse (panne simulee).",
                },
            )
        elif kind == "drop":
            handler.close_connection = True
        elif kind == "token_expired":
            auth = handler.headers.get("Authorization") or ""
            if auth.startswith("Bearer "):
                sim.revoke_token(auth[len("Bearer ") :].strip())
            err = OAuthError(
                "invalid_token",
                "The access token has expired.",
                401,
                {"WWW-Authenticate": 'Bearer realm="PISTE", error="invalid_token"'},
            )
            self._send(handler, err.http_status, err.body(), err.headers)
        elif kind in ("process_then_drop", "process_then_timeout"):
            self._process(method, path, handler.headers, body)
            if kind == "process_then_timeout":
                self._stop_event.wait(fault["delay"])
            handler.close_connection = True

    def _admin(self, method, path, query, raw):
        sim = self.simulator
        try:
            body = json.loads(raw.decode("utf-8")) if raw.strip() else {}
        except (UnicodeDecodeError, ValueError):
            return 400, {"error": "the body must be JSON"}
        try:
            return admin.handle(sim, method, path, dict(parse_qsl(query)), body)
        except AdminError as err:
            return err.http_status, {"error": err.message}
        except Exception as err:  # pragma: no cover - reported to the caller
            _logger.exception("admin call %s %s failed", method, path)
            return 500, {"error": f"{type(err).__name__}: {err}"}

    def _process(self, method, path, headers, raw):
        """Compute ``(status, payload, headers)`` of an API / token request."""
        try:
            if path == TOKEN_PATH:
                return self._token(method, headers, raw)
            if path in routes.POST_ROUTES or path in routes.GET_ROUTES:
                return self._cpro(method, path, headers, raw)
            return 404, {"codeRetour": 404, "libelle": f"API non trouvee : {path}"}, {}
        except OAuthError as err:
            return err.http_status, err.body(), err.headers
        except ApiError as err:
            return err.http_status, err.body(), err.headers
        except Exception as err:
            _logger.exception("Simulator error on %s %s", method, path)
            return (
                500,
                {
                    "codeRetour": C.CODE_INTERNAL,
                    "libelle": f"Erreur technique du simulateur : {type(err).__name__}: {err}",
                },
                {},
            )

    def _token(self, method, headers, raw):
        if method != "POST":
            return 405, {"error": "invalid_request", "error_description": "Use POST."}, {"Allow": "POST"}
        mimetype, _opts = parse_options_header(headers.get("Content-Type") or "")
        if mimetype != "application/x-www-form-urlencoded":
            raise OAuthError(
                "invalid_request", "The token request must be application/x-www-form-urlencoded."
            )
        try:
            form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}
        except UnicodeDecodeError:
            raise OAuthError("invalid_request", "The body is not UTF-8.") from None
        client_id = form.get("client_id")
        client_secret = form.get("client_secret")
        auth = headers.get("Authorization") or ""
        if not client_id and auth.startswith("Basic "):
            import base64

            try:
                decoded = base64.b64decode(auth[6:].strip()).decode("utf-8")
                client_id, _sep, client_secret = decoded.partition(":")
            except (ValueError, UnicodeDecodeError):
                pass
        if not form.get("grant_type"):
            raise OAuthError("invalid_request", "Missing grant_type.")
        answer = self.simulator.issue_token(
            client_id, client_secret, form.get("grant_type"), form.get("scope")
        )
        return 200, answer, {"Cache-Control": "no-store", "Pragma": "no-cache"}

    def _cpro(self, method, path, headers, raw):
        expected = "GET" if path in routes.GET_ROUTES else "POST"
        if method != expected:
            return (
                405,
                {"codeRetour": 405, "libelle": f"Methode {method} non autorisee (utiliser {expected})."},
                {"Allow": expected},
            )
        sim = self.simulator
        sim.check_token(headers.get("Authorization"))
        if path in routes.GET_ROUTES:
            # The health check proves the PISTE subscription only: the technical
            # account header must be present but is not checked.
            if not headers.get("cpro-account"):
                raise ApiError(C.CODE_ACCOUNT_MISSING, "L'en-tete cpro-account est obligatoire.", 401)
            return 200, routes.dispatch(sim, method, path, None, {}), {}
        account = sim.check_account(headers.get("cpro-account"))
        mimetype, options = parse_options_header(headers.get("Content-Type") or "")
        if mimetype != "application/json":
            raise ApiError(
                415, "Format de la requete non supporte : Content-Type application/json attendu.", 415
            )
        charset = (options.get("charset") or "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise ApiError(415, f"Jeu de caracteres {charset} non supporte (utf-8 attendu).", 415)
        try:
            body = json.loads(raw.decode("utf-8")) if raw.strip() else {}
        except (UnicodeDecodeError, ValueError):
            raise ApiError(C.CODE_BAD_BODY, "Le corps de la requete n'est pas un JSON valide.") from None
        if not isinstance(body, dict):
            raise ApiError(C.CODE_BAD_BODY, "Le corps de la requete doit etre un objet JSON.")
        return 200, routes.dispatch(sim, method, path, account, body), {}

    def _send(self, handler, status, payload, headers=None):
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self._send_raw(handler, status, data, "application/json", headers)

    def _send_raw(self, handler, status, data, mimetype, headers=None):
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", f"{mimetype};charset=UTF-8")
            handler.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(data)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            handler.close_connection = True
