"""The simulator state and its Python API (thread-safe: one re-entrant lock)."""

import base64
import binascii
import collections
import contextlib
import copy
import datetime
import logging
import secrets
import threading
import time

from . import constants as C
from . import invoice_reader, realism, report_pdf, rules, seed, util
from .errors import AdminError, ApiError, OAuthError
from .store import SqliteStore
from .works import WorksMixin

realism_mod = realism

_logger = logging.getLogger(__name__)

KEY_TYPES = {
    "structure": int,
    "service": int,
    "account": str,
    "engagement": int,
    "client": str,
    "flow": str,
    "invoice": int,
    "attachment": int,
    "scenario": str,
    "meta": str,
}

FIRST_IDS = {
    "flow": 1,
    "invoice": 10000001,
    "history": 1,
    "attachment": 5000001,
    "structure": 27000001,
    "service": 37000001,
    "engagement": 4800001,
}


def _default_flow_sequence(steps):
    """Statuses answered by the polls that precede the terminal one."""
    if steps <= 0:
        return []
    if steps == 1:
        return [C.FLOW_RECU]
    if steps == 2:
        return [C.FLOW_RECU, C.FLOW_EN_COURS]
    return [C.FLOW_RECU, C.FLOW_EN_ATTENTE] + [C.FLOW_EN_COURS] * (steps - 2)


def _non_negative_int(value, name):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non negative integer")
    return value


def _fraction(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise ValueError("token_life_fraction must be a number in ]0, 1]")
    return float(value)


def _normalize_path(path):
    """Scenario path -> ``[(status, comment or None)]`` starting with DEPOSEE."""
    if isinstance(path, (str, bytes)) or not isinstance(path, (list, tuple)):
        raise AdminError("path must be a list of invoice statuses")
    result = []
    for step in path:
        comment = None
        if isinstance(step, dict):
            status = step.get("statut") or step.get("status")
            comment = step.get("commentaire") or step.get("comment")
        elif isinstance(step, (list, tuple)) and len(step) == 2:
            status, comment = step
        else:
            status = step
        if status not in C.INVOICE_STATUSES + C.OTHER_INVOICE_STATUSES:
            raise AdminError(f"unknown invoice status {status!r}")
        result.append([status, comment])
    if not result or result[0][0] != C.INV_DEPOSEE:
        result.insert(0, [C.INV_DEPOSEE, None])
    return result


class Simulator(WorksMixin):
    """A strict local Chorus Pro API (PISTE) simulator.

    ``state_path``: SQLite file keeping the state across restarts (None = in memory).
    ``invoice_advance``: ``"manual"`` (invoices move only through the admin / Python API)
    or ``"on_poll"`` (each ``consulter/historique`` call of an invoice first moves it one
    step along its path).
    ``flow_steps``: number of flow report polls answering a non terminal status before
    the terminal one (0 = terminal at the first poll).
    ``realism``: ``"strict"`` (the written contract) or ``"production"`` (as the real
    platform answers production clients, see ``realism.py``).  In production mode,
    ``throttle_every`` N > 0 answers every Nth API call with HTTP 429 (``retry_after``
    seconds) and tokens die after ``token_life_fraction`` of ``token_lifetime``.
    """

    def __init__(
        self,
        state_path=None,
        invoice_advance="manual",
        flow_steps=3,
        token_lifetime=3600,
        max_page_size=100,
        fault_delay=5.0,
        max_file_size=10 * C.MEGABYTE,
        retry_after=1,
        realism="strict",
        throttle_every=0,
        token_life_fraction=0.5,
    ):
        if invoice_advance not in ("manual", "on_poll"):
            raise ValueError("invoice_advance must be 'manual' or 'on_poll'")
        if not isinstance(flow_steps, int) or flow_steps < 0:
            raise ValueError("flow_steps must be a non negative integer")
        self._lock = threading.RLock()
        self.invoice_advance = invoice_advance
        self.flow_steps = flow_steps
        self.token_lifetime = token_lifetime
        self.max_page_size = max_page_size
        self.fault_delay = float(fault_delay)
        self.max_file_size = max_file_size
        self.retry_after = retry_after
        self.realism = realism_mod.check(realism)
        self.throttle_every = _non_negative_int(throttle_every, "throttle_every")
        self.token_life_fraction = _fraction(token_life_fraction)
        self._api_calls = 0
        self.state_path = state_path
        self._store = SqliteStore(state_path) if state_path else None
        self._tokens = {}
        self._faults = []
        self._calls = collections.Counter()
        self._servers = []
        self.t = {}
        self.blobs = {}
        if self._store is not None and not self._store.is_empty():
            self._load()
        else:
            self._seed()

    # ------------------------------------------------------------------------------
    # State management
    # ------------------------------------------------------------------------------
    def _empty_tables(self):
        return {kind: {} for kind in KEY_TYPES}

    def _seed(self):
        tables = self._empty_tables()
        tables.update(seed.build_seed())
        tables["meta"]["counters"] = dict(FIRST_IDS)
        self.t = tables
        self.blobs = {}
        if self._store is not None:
            self._store.clear()
            for kind, rows in self.t.items():
                self._store.put_many(kind, rows.items())

    def _load(self):
        raw = self._store.load()
        tables = self._empty_tables()
        for kind, rows in raw.items():
            key_type = KEY_TYPES.get(kind, str)
            tables[kind] = {key_type(k): v for k, v in rows.items()}
        self.t = tables
        self.blobs = self._store.load_blobs()

    def _save(self, kind, key):
        if self._store is not None:
            self._store.put(kind, key, self.t[kind][key])

    def _put_blob(self, key, data):
        self.blobs[key] = data
        if self._store is not None:
            self._store.put_blob(key, data)

    def _next_id(self, name):
        counters = self.t["meta"]["counters"]
        value = counters[name]
        counters[name] = value + 1
        self._save("meta", "counters")
        return value

    def reset(self):
        """Back to the seeded state: no flow, invoice, fault, token or call count."""
        with self._lock:
            self._tokens.clear()
            self._faults.clear()
            self._calls.clear()
            self._api_calls = 0
            self._seed()

    def close(self):
        for server in list(self._servers):
            server.stop()
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None

    @contextlib.contextmanager
    def transaction(self):
        """Hold the simulator lock: what is read and changed inside is consistent.

        Re-entrant (the public methods below take the same lock).
        """
        with self._lock:
            yield self

    # ------------------------------------------------------------------------------
    # HTTP server
    # ------------------------------------------------------------------------------
    def serve(self, host="127.0.0.1", port=0):
        """Start a threaded HTTP server in a background thread; returns it."""
        from .server import SimulatorServer

        server = SimulatorServer(self, host=host, port=port)
        server.start()
        self._servers.append(server)
        return server

    # ------------------------------------------------------------------------------
    # Calls and faults
    # ------------------------------------------------------------------------------
    @property
    def calls(self):
        """Number of requests received per path (all API paths, any answer)."""
        with self._lock:
            return dict(self._calls)

    def reset_calls(self):
        with self._lock:
            self._calls.clear()

    def _count_call(self, path):
        with self._lock:
            self._calls[path] += 1

    @property
    def production(self):
        return self.realism == "production"

    def _throttle(self, path):
        """Production: ``Retry-After`` seconds when this API call is throttled (429).

        Every ``throttle_every``-th call of a ``/cpro/`` path is refused (not processed).
        """
        if not self.production or not self.throttle_every or not path.startswith("/cpro/"):
            return None
        with self._lock:
            self._api_calls += 1
            if self._api_calls % self.throttle_every == 0:
                return self.retry_after
        return None

    def inject_fault(self, path_prefix, kind, count=1, retry_after=None, delay=None):
        """Make the next ``count`` requests whose path starts with ``path_prefix`` fail.

        Kinds: ``http_500``, ``http_503``, ``http_429`` (with Retry-After), ``timeout``
        (no processing, answer 504 after ``delay`` s), ``drop`` (no processing, connection
        closed without answer), ``process_then_drop`` / ``process_then_timeout`` (the call
        IS processed, then the connection is closed without answer, immediately or after
        ``delay`` s), ``token_expired`` (HTTP 401 as if the bearer token had expired; the
        token is revoked).
        """
        if kind not in C.FAULT_KINDS:
            raise AdminError(f"unknown fault kind {kind!r} (kinds: {', '.join(C.FAULT_KINDS)})")
        if not isinstance(path_prefix, str) or not path_prefix.startswith("/"):
            raise AdminError("path_prefix must be a path starting with '/'")
        if not isinstance(count, int) or count < 1:
            raise AdminError("count must be a positive integer")
        fault = {
            "path_prefix": path_prefix,
            "kind": kind,
            "remaining": count,
            "retry_after": self.retry_after if retry_after is None else retry_after,
            "delay": self.fault_delay if delay is None else float(delay),
        }
        with self._lock:
            self._faults.append(fault)
        return dict(fault)

    def clear_faults(self):
        with self._lock:
            self._faults.clear()

    @property
    def faults(self):
        with self._lock:
            return [dict(f) for f in self._faults]

    def _take_fault(self, path):
        with self._lock:
            for fault in self._faults:
                if path.startswith(fault["path_prefix"]) and fault["remaining"] > 0:
                    fault["remaining"] -= 1
                    if fault["remaining"] <= 0:
                        self._faults.remove(fault)
                    return dict(fault)
        return None

    # ------------------------------------------------------------------------------
    # OAuth2 tokens
    # ------------------------------------------------------------------------------
    def issue_token(self, client_id, client_secret, grant_type="client_credentials", scope=None):
        if grant_type != "client_credentials":
            raise OAuthError("unsupported_grant_type", "Only the client_credentials grant type is supported.")
        with self._lock:
            client = self.t["client"].get(client_id or "")
            if client is None or not secrets.compare_digest(
                client["client_secret"].encode(), (client_secret or "").encode()
            ):
                raise OAuthError(
                    "invalid_client",
                    "Client authentication failed: unknown client_id or wrong client_secret.",
                    401,
                )
            if scope and "openid" not in scope.split():
                raise OAuthError("invalid_scope", f"The requested scope {scope!r} is invalid (use 'openid').")
            token = secrets.token_urlsafe(32)
            # In production mode the token dies before the announced expires_in.
            life = self.token_lifetime * (self.token_life_fraction if self.production else 1.0)
            self._tokens[token] = {"client_id": client_id, "expires_at": time.monotonic() + life}
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": int(self.token_lifetime),
            "scope": "openid",
        }

    def expire_tokens(self):
        """Invalidate every issued bearer token."""
        with self._lock:
            self._tokens.clear()

    def revoke_token(self, token):
        with self._lock:
            self._tokens.pop(token, None)

    def check_token(self, authorization):
        scheme, _sep, token = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise OAuthError(
                "invalid_request",
                "Missing bearer token (Authorization: Bearer <token>).",
                401,
                {"WWW-Authenticate": 'Bearer realm="PISTE"'},
            )
        token = token.strip()
        with self._lock:
            info = self._tokens.get(token)
            if info is None or info["expires_at"] <= time.monotonic():
                self._tokens.pop(token, None)
                raise OAuthError(
                    "invalid_token",
                    "The access token is invalid or has expired.",
                    401,
                    {"WWW-Authenticate": 'Bearer realm="PISTE", error="invalid_token"'},
                )
        return token

    def check_account(self, header):
        """Decode ``cpro-account`` (base64 of ``login:password``); return the account."""
        if not header:
            raise ApiError(
                C.CODE_ACCOUNT_MISSING,
                "L'en-tete cpro-account est obligatoire (base64 de 'login:motdepasse').",
                401,
            )
        try:
            decoded = base64.b64decode(header.strip(), validate=True).decode("utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            decoded = None
        if not decoded or ":" not in decoded:
            raise ApiError(
                C.CODE_ACCOUNT_MISSING,
                "L'en-tete cpro-account est mal forme (base64 de 'login:motdepasse' attendu).",
                401,
            )
        login, password = decoded.split(":", 1)
        with self._lock:
            account = self.t["account"].get(login)
            if account is None or not secrets.compare_digest(account["password"].encode(), password.encode()):
                raise ApiError(
                    C.CODE_ACCOUNT_REFUSED,
                    "Authentification du compte technique refusee : identifiant ou mot de passe incorrect.",
                    401,
                )
            return copy.deepcopy(account)

    # ------------------------------------------------------------------------------
    # Directory
    # ------------------------------------------------------------------------------
    def structure_by_siret(self, siret):
        with self._lock:
            for struct in self.t["structure"].values():
                if struct["identifiantStructure"] == siret:
                    return struct
        return None

    def _resolve_structure(self, ref):
        with self._lock:
            if isinstance(ref, int) and ref in self.t["structure"]:
                return self.t["structure"][ref]
            if isinstance(ref, str):
                struct = self.structure_by_siret(ref)
                if struct is not None:
                    return struct
                if ref.isdigit() and int(ref) in self.t["structure"]:
                    return self.t["structure"][int(ref)]
        raise AdminError(f"unknown structure {ref!r}", 404)

    def services_of(self, id_structure):
        with self._lock:
            return [s for s in self.t["service"].values() if s["idStructure"] == id_structure]

    def service_by_code(self, id_structure, code):
        for svc in self.services_of(id_structure):
            if svc["codeService"] == code:
                return svc
        return None

    def structures(self):
        """A copy of every structure of the directory."""
        with self._lock:
            return [copy.deepcopy(s) for s in self.t["structure"].values()]

    def get_structure(self, id_structure):
        """A copy of the structure ``idStructureCPP`` (None if unknown)."""
        with self._lock:
            return copy.deepcopy(self.t["structure"].get(id_structure))

    def structures_of(self, account):
        """Copies of the structures ``account`` is attached to, in its order."""
        with self._lock:
            return [
                copy.deepcopy(self.t["structure"][i])
                for i in account["structures"]
                if i in self.t["structure"]
            ]

    def is_attached(self, login, id_structure):
        """True when the technical account ``login`` is attached to the structure."""
        with self._lock:
            return any(
                id_structure in a["structures"] and a["login"] == login for a in self.t["account"].values()
            )

    def get_service(self, id_service):
        """A copy of the service ``idService`` (None if unknown)."""
        with self._lock:
            return copy.deepcopy(self.t["service"].get(id_service))

    def engagements_of(self, account):
        """Copies of the engagements received by the structures of ``account``."""
        with self._lock:
            return [
                copy.deepcopy(e)
                for e in self.t["engagement"].values()
                if e["idStructureReceptrice"] in account["structures"]
            ]

    def add_structure(
        self,
        siret,
        name,
        *,
        public=True,
        active=True,
        service_required=False,
        ej_required=False,
        ej_or_service=False,
        payment_status_not_reported=False,
        id_structure_cpp=None,
        identifier_type="SIRET",
        address=None,
        email="",
        vat="",
        is_state=False,
        technical_accounts=(),
    ):
        """Add a structure to the directory; returns its ``idStructureCPP``.

        ``technical_accounts``: logins of existing technical accounts to attach it to
        (a private structure attached to an account can deposit invoices).
        """
        if not isinstance(siret, str) or not siret:
            raise AdminError("siret must be a non empty string")
        with self._lock:
            if self.structure_by_siret(siret) is not None:
                raise AdminError(f"a structure with identifier {siret} already exists", 409)
            if id_structure_cpp is None:
                id_structure_cpp = self._next_id("structure")
            elif id_structure_cpp in self.t["structure"]:
                raise AdminError(f"idStructureCPP {id_structure_cpp} already used", 409)
            struct = seed.make_structure(
                id_structure_cpp,
                siret,
                name,
                public=public,
                active=active,
                service_required=service_required,
                ej_required=ej_required,
                ej_or_service=ej_or_service,
                payment_status_not_reported=payment_status_not_reported,
                identifier_type=identifier_type,
                address=address,
                email=email,
                vat=vat,
                is_state=is_state,
                role="Ajoutee",
            )
            for login in technical_accounts:
                if login not in self.t["account"]:
                    raise AdminError(f"unknown technical account {login!r}", 404)
            self.t["structure"][id_structure_cpp] = struct
            self._save("structure", id_structure_cpp)
            for login in technical_accounts:
                self.t["account"][login]["structures"].append(id_structure_cpp)
                self._save("account", login)
            return id_structure_cpp

    def update_structure(self, structure, **changes):
        """Change a structure: same keyword arguments as ``add_structure``."""
        mapping = {
            "service_required": ("parametres", "codeServiceDoitEtreRenseigne"),
            "ej_required": ("parametres", "numeroEJDoitEtreRenseigne"),
            "ej_or_service": ("parametres", "gestionNumeroEJOuCodeService"),
            "payment_status_not_reported": ("parametres", "statutMiseEnPaiementNestPasRemonte"),
        }
        with self._lock:
            struct = self._resolve_structure(structure)
            for key, value in changes.items():
                if key in mapping:
                    struct[mapping[key][0]][mapping[key][1]] = bool(value)
                elif key == "active":
                    struct["statut"] = "ACTIVE" if value else "INACTIVE"
                elif key == "public":
                    struct["typeStructure"] = "PUBLIQUE" if value else "PRIVEE"
                elif key == "name":
                    struct["raisonSociale"] = value
                elif key == "address":
                    struct["adresse"] = dict(value)
                elif key in ("email", "is_state"):
                    struct["email" if key == "email" else "estEtat"] = value
                else:
                    raise AdminError(f"unknown structure attribute {key!r}")
            self._save("structure", struct["idStructureCPP"])
            return struct["idStructureCPP"]

    def add_service(
        self,
        structure,
        code,
        name,
        *,
        active=True,
        ej_required=False,
        payment=True,
        valid_from="2020-01-01",
        valid_to=None,
        description="",
        id_service=None,
        address=None,
    ):
        """Add a service to a structure (``structure`` = idStructureCPP or SIRET).

        ``valid_from`` / ``valid_to``: ``YYYY-MM-DD`` (None = open ended).
        ``address``: the service's own postal address (``adressePostale`` keys), else
        ``consulter/service`` gives the structure's.
        Returns the ``idService``.
        """
        with self._lock:
            struct = self._resolve_structure(structure)
            if self.service_by_code(struct["idStructureCPP"], code) is not None:
                raise AdminError(f"service {code!r} already exists for this structure", 409)
            for value in (valid_from, valid_to):
                if value is not None:
                    try:
                        datetime.date.fromisoformat(value)
                    except (TypeError, ValueError):
                        raise AdminError(f"invalid date {value!r} (YYYY-MM-DD)") from None
            if id_service is None:
                id_service = self._next_id("service")
            elif id_service in self.t["service"]:
                raise AdminError(f"idService {id_service} already used", 409)
            self.t["service"][id_service] = seed.make_service(
                id_service,
                struct["idStructureCPP"],
                code,
                name,
                description=description,
                active=active,
                ej_required=ej_required,
                payment=payment,
                valid_from=valid_from or "2020-01-01",
                valid_to=valid_to,
                created=util.day(util.now()),
                address=address,
            )
            self._save("service", id_service)
            return id_service

    def update_service(self, structure, code, **changes):
        mapping = {
            "active": "estActif",
            "ej_required": "numeroEngagement",
            "payment": "miseEnPaiement",
            "valid_from": "dateDebutValidite",
            "valid_to": "dateFinValidite",
            "name": "libelleService",
            "description": "descriptionService",
        }
        with self._lock:
            struct = self._resolve_structure(structure)
            svc = self.service_by_code(struct["idStructureCPP"], code)
            if svc is None:
                raise AdminError(f"unknown service {code!r}", 404)
            for key, value in changes.items():
                if key not in mapping:
                    raise AdminError(f"unknown service attribute {key!r}")
                svc[mapping[key]] = value
            self._save("service", svc["idService"])
            return svc["idService"]

    def add_technical_account(self, login, password, structures=()):
        with self._lock:
            if login in self.t["account"]:
                raise AdminError(f"technical account {login!r} already exists", 409)
            ids = [self._resolve_structure(s)["idStructureCPP"] for s in structures]
            self.t["account"][login] = {
                "login": login,
                "password": password,
                "nom": "",
                "prenom": "",
                "email": "",
                "structures": ids,
            }
            self._save("account", login)
            return login

    def add_engagement(
        self,
        numero,
        receiver,
        issuer,
        service_code=None,
        *,
        type_ej="BON_DE_COMMANDE",
        state="COMMANDE",
        amount=0.0,
        currency="EUR",
        notified=None,
        market_number="",
    ):
        with self._lock:
            rec = self._resolve_structure(receiver)
            iss = self._resolve_structure(issuer)
            svc = self.service_by_code(iss["idStructureCPP"], service_code) if service_code else None
            id_ej = self._next_id("engagement")
            self.t["engagement"][id_ej] = {
                "idEngagementJuridique": id_ej,
                "numeroEngagementJuridique": numero,
                "idStructureReceptrice": rec["idStructureCPP"],
                "idStructureEmettrice": iss["idStructureCPP"],
                "idServiceExecutant": svc["idService"] if svc else None,
                "typeEngagementJuridique": type_ej,
                "etat": state,
                "dateNotificationEJ": notified or util.day(util.now()),
                "montantTotalTtc": amount,
                "deviseEngagement": currency,
                "numeroMarche": market_number,
            }
            self._save("engagement", id_ej)
            return id_ej

    # ------------------------------------------------------------------------------
    # Flows
    # ------------------------------------------------------------------------------
    def _new_flow_number(self):
        return f"CPP001111{self._next_id('flow'):016d}"

    def create_flow(self, account, file_name, content, syntax, signed=False):
        """Register a deposited flow (checks already done by the API layer)."""
        with self._lock:
            numero = self._new_flow_number()
            when = util.now()
            blob_key = f"flow:{numero}"
            self._put_blob(blob_key, content)
            self.t["flow"][numero] = {
                "numeroFluxDepot": numero,
                "login": account["login"],
                "nomFichier": file_name,
                "syntaxeFlux": syntax,
                "avecSignature": bool(signed),
                "dateDepot": util.iso(when),
                "statut": C.FLOW_RECU,
                "dateHeureEtatCourant": util.iso(when),
                "polls": 0,
                "sequence": _default_flow_sequence(self.flow_steps),
                "held": False,
                "integrated": False,
                "erreursDP": [],
                "erreursTechniques": [],
                "factures": [],
                "blob": blob_key,
                "taille": len(content),
            }
            self._save("flow", numero)
            return copy.deepcopy(self.t["flow"][numero])

    def get_flow(self, numero):
        with self._lock:
            flow = self.t["flow"].get(numero)
            return copy.deepcopy(flow) if flow else None

    def _set_flow_status(self, flow, status):
        if flow["statut"] != status:
            flow["statut"] = status
            flow["dateHeureEtatCourant"] = util.iso(util.now())

    def poll_flow(self, numero):
        """One poll of a flow report: move the flow one step (see ``flow_steps``)."""
        with self._lock:
            flow = self.t["flow"][numero]
            if flow["statut"] in C.FLOW_TERMINAL_STATUSES or flow["held"] or flow["integrated"]:
                return copy.deepcopy(flow)
            flow["polls"] += 1
            sequence = flow["sequence"]
            if flow["polls"] <= len(sequence):
                self._set_flow_status(flow, sequence[flow["polls"] - 1])
            else:
                self._integrate_flow(flow)
            self._save("flow", numero)
            return copy.deepcopy(flow)

    def advance_flows(self, numeros=None, to_terminal=False):
        """Move flows as if polled once (or up to their terminal status)."""
        with self._lock:
            if numeros is None:
                numeros = [
                    n for n, f in self.t["flow"].items() if f["statut"] not in C.FLOW_TERMINAL_STATUSES
                ]
            result = {}
            for numero in numeros:
                if numero not in self.t["flow"]:
                    raise AdminError(f"unknown flow {numero!r}", 404)
                flow = self.t["flow"][numero]
                if to_terminal:
                    flow["held"] = False
                    while flow["statut"] not in C.FLOW_TERMINAL_STATUSES and not flow["integrated"]:
                        self.poll_flow(numero)
                else:
                    self.poll_flow(numero)
                result[numero] = flow["statut"]
            return result

    def set_flow_status(self, numero, status, hold=True):
        """Force a non integrating flow status (e.g. ``IN_INCIDENTE``,
        ``IN_EN_ATTENTE_RETRAITEMENT_CPP``, ``QP_IRRECEVABLE``,
        ``QP_RECEVABLE_AVEC_ERREUR``; in production mode any upper-case code, e.g. an
        unknown ``IN_NOUVEL_ETAT``).  With ``hold`` the flow stops moving on polls until
        released with ``hold=False``."""
        allowed = (
            C.FLOW_RECU,
            C.FLOW_TRAITE_SE,
            C.FLOW_EN_ATTENTE,
            C.FLOW_EN_COURS,
            C.FLOW_EN_ATTENTE_RETRAITEMENT,
            C.FLOW_INCIDENTE,
        ) + realism.QP_STATUSES
        unknown_ok = (
            self.production
            and isinstance(status, str)
            and realism.STATUS_CODE_RE.match(status)
            and status not in C.FLOW_TERMINAL_STATUSES
        )
        if status not in allowed and not unknown_ok:
            raise AdminError(
                f"status must be one of {', '.join(allowed)} (or, in "
                "production realism, any other upper-case code); "
                "integration statuses are reached by polling or "
                "advance_flows()"
            )
        with self._lock:
            flow = self.t["flow"].get(numero)
            if flow is None:
                raise AdminError(f"unknown flow {numero!r}", 404)
            if flow["statut"] in C.FLOW_TERMINAL_STATUSES:
                raise AdminError(f"flow {numero} is already terminal ({flow['statut']})", 409)
            self._set_flow_status(flow, status)
            flow["held"] = bool(hold)
            if status == C.FLOW_INCIDENTE:
                flow["erreursTechniques"].append(
                    {
                        "codeErreur": "INCIDENT_TECHNIQUE",
                        "libelleErreur": "Le flux n'a pas pu etre traite par le systeme "
                        "d'echange : il doit etre depose a nouveau.",
                        "natureErreur": "TECHNIQUE",
                    }
                )
            if status == realism.QP_IRRECEVABLE:
                flow["erreursTechniques"].append(
                    self._irrecevable_error("Le flux est irrecevable : il n'a pas ete integre.")
                )
            self._save("flow", numero)
            return status

    @staticmethod
    def _irrecevable_error(text):
        return {"codeErreur": "FLUX_IRRECEVABLE", "libelleErreur": text, "natureErreur": "TECHNIQUE"}

    def _integrate_flow(self, flow):
        """Read the flow's invoices, apply the Chorus checks, create the invoices."""
        flow["integrated"] = True
        account = self.t["account"].get(flow["login"])
        syntax = flow["syntaxeFlux"]
        content = self.blobs.get(flow["blob"], b"")
        if syntax not in C.PROCESSED_SYNTAXES:
            flow["erreursTechniques"].append(
                {
                    "codeErreur": "SYNTAXE_NON_TRAITEE",
                    "libelleErreur": f"La syntaxe {syntax} n'est pas traitee par le "
                    "simulateur (seules " + ", ".join(C.PROCESSED_SYNTAXES) + " le sont).",
                    "natureErreur": "TECHNIQUE",
                }
            )
            self._set_flow_status(flow, C.FLOW_REJETE)
            return
        try:
            members = invoice_reader.split_members(flow["nomFichier"], content)
        except invoice_reader.FlowContentError as err:
            flow["erreursTechniques"].append(
                {"codeErreur": err.code, "libelleErreur": err.message, "natureErreur": "TECHNIQUE"}
            )
            # Production: a flow that cannot be opened is not admissible (Tryton's
            # FAILED set counts QP_IRRECEVABLE as a failure).
            self._set_flow_status(flow, realism.QP_IRRECEVABLE if self.production else C.FLOW_REJETE)
            return
        accepted_keys = set()
        created = 0
        rejected = 0
        deposit_day = util.parse_iso(flow["dateDepot"]).date()
        for member_name, member_content in members:
            fields, errors, xml_bytes = invoice_reader.read_member(member_name, member_content, syntax)
            context = {}
            if not errors:
                errors, context = self._invoice_checks(fields, account, deposit_day, accepted_keys)
            if errors:
                rejected += 1
                fields = fields or {}
                for text in errors:
                    flow["erreursDP"].append(
                        {
                            "identifiantFournisseur": fields.get("BT-30") or "",
                            "identifiantDestinataire": fields.get("BT-47") or "",
                            "numeroDP": fields.get("BT-1") or member_name,
                            "libelleErreurDP": text,
                        }
                    )
                continue
            accepted_keys.add((context["seller"]["idStructureCPP"], fields["BT-1"]))
            invoice_id = self._create_invoice(flow, member_name, member_content, xml_bytes, fields, context)
            flow["factures"].append(invoice_id)
            created += 1
        if created and rejected:
            status = C.FLOW_INTEGRE_PARTIEL
        elif created:
            status = C.FLOW_INTEGRE
        else:
            status = C.FLOW_REJETE
        self._set_flow_status(flow, status)

    def routing_checks(self, buyer_siret, service_code, ej, deposit_day):
        """Recipient checks shared by deposits and recycling.

        Returns ``(errors, buyer, service)``.
        """
        errors = []
        buyer = self.structure_by_siret(buyer_siret) if buyer_siret else None
        if buyer is None:
            return [rules.message("BUYER_UNKNOWN")], None, None
        siret = buyer["identifiantStructure"]
        if buyer["statut"] != "ACTIVE":
            errors.append(rules.message("BUYER_INACTIVE", siret=siret))
        if buyer["typeStructure"] != "PUBLIQUE":
            errors.append(rules.message("BUYER_NOT_PUBLIC", siret=siret))
        if errors:
            return errors, buyer, None
        flags = buyer["parametres"]
        service = None
        if service_code:
            service = self.service_by_code(buyer["idStructureCPP"], service_code)
            if service is None:
                errors.append(rules.message("SERVICE_UNKNOWN", code=service_code, siret=siret))
            elif service_code == "FACTURES_PUBLIQUES":
                errors.append(rules.message("SERVICE_FACTURES_PUBLIQUES", siret=siret))
            elif not service["estActif"]:
                errors.append(rules.message("SERVICE_INACTIVE", code=service_code, siret=siret))
            else:
                start = (
                    datetime.date.fromisoformat(service["dateDebutValidite"])
                    if service.get("dateDebutValidite")
                    else None
                )
                end = (
                    datetime.date.fromisoformat(service["dateFinValidite"])
                    if service.get("dateFinValidite")
                    else None
                )
                if (start and deposit_day < start) or (end and deposit_day > end):
                    errors.append(
                        rules.message(
                            "SERVICE_NOT_VALID",
                            code=service_code,
                            siret=siret,
                            date=deposit_day.isoformat(),
                            debut=service.get("dateDebutValidite") or "-",
                            fin=service.get("dateFinValidite") or "-",
                        )
                    )
        elif flags["codeServiceDoitEtreRenseigne"]:
            errors.append(rules.message("SERVICE_REQUIRED", siret=siret))
        if not ej:
            if flags["numeroEJDoitEtreRenseigne"]:
                errors.append(rules.message("EJ_REQUIRED", siret=siret))
            elif service is not None and service["numeroEngagement"]:
                errors.append(rules.message("EJ_REQUIRED_BY_SERVICE", code=service_code, siret=siret))
        if flags["gestionNumeroEJOuCodeService"] and not ej and not service_code:
            errors.append(rules.message("EJ_OR_SERVICE_REQUIRED", siret=siret))
        return errors, buyer, service

    def _invoice_checks(self, fields, account, deposit_day, accepted_keys):
        """Chorus Pro checks of one XSD-valid invoice.  Returns ``(errors, context)``."""
        errors = []
        number = fields.get("BT-1") or ""
        type_code = fields.get("BT-3")
        if type_code not in C.ACCEPTED_TYPE_CODES:
            errors.append(rules.message("TYPE_CODE", valeur=type_code))
        if len(number) > 20:
            errors.append(rules.message("INVOICE_NUMBER_TOO_LONG", valeur=number))
        if fields.get("BT-2") and fields["BT-2"] > deposit_day.isoformat():
            errors.append(rules.message("INVOICE_DATE_FUTURE", valeur=fields["BT-2"]))
        seller_siret = fields.get("BT-30")
        seller = self.structure_by_siret(seller_siret) if seller_siret else None
        if seller is None:
            errors.append(rules.message("SELLER_UNKNOWN"))
        elif seller["idStructureCPP"] not in (account or {}).get("structures", []):
            errors.append(
                rules.message(
                    "SELLER_NOT_ATTACHED", siret=seller_siret, login=(account or {}).get("login", "?")
                )
            )
        elif seller["statut"] != "ACTIVE":
            errors.append(rules.message("SELLER_INACTIVE", siret=seller_siret))
        ej = fields.get("BT-13")
        market = fields.get("BT-12")
        if ej and len(ej) > 50:
            errors.append(rules.message("EJ_TOO_LONG", valeur=ej))
        if market and len(market) > 50:
            errors.append(rules.message("MARKET_NUMBER_TOO_LONG", valeur=market))
        routing_errors, buyer, service = self.routing_checks(
            fields.get("BT-47"), fields.get("BT-10"), ej, deposit_day
        )
        errors.extend(routing_errors)
        if type_code == "380" and not fields.get("BT-81"):
            errors.append(rules.message("PAYMENT_MEANS"))
        if seller is not None and number:
            key = (seller["idStructureCPP"], number)
            duplicate = key in accepted_keys or any(
                inv["idFournisseur"] == key[0]
                and inv["numeroFacture"] == number
                and inv["statut"] != C.INV_REJETEE
                for inv in self.t["invoice"].values()
            )
            if duplicate:
                errors.append(rules.message("DUPLICATE", valeur=number, siret=seller_siret))
        return errors, {"seller": seller, "buyer": buyer, "service": service}

    # ------------------------------------------------------------------------------
    # Invoices
    # ------------------------------------------------------------------------------
    def submit_invoice(self, account, fields, mode, pdf_bytes, file_name, extra=None):
        """API ``soumettre``: check ``fields`` (BT-keyed, like a read Factur-X) with the
        deposit rules and create the invoice at once.  Returns ``(errors, invoice)``."""
        with self._lock:
            when = util.now()
            errors, context = self._invoice_checks(fields, account, when.date(), set())
            if errors:
                return errors, None
            invoice = self._create_submitted_invoice(
                account, when, fields, context, (file_name, pdf_bytes), mode, extra, "Facture"
            )
            self._save("invoice", invoice["identifiantFactureCPP"])
            return [], copy.deepcopy(invoice)

    def _create_submitted_invoice(self, account, when, fields, context, document, mode, extra, kind):
        """The invoice a ``soumettre`` creates (no flow), checked by the caller, under
        its lock; ``document``: ``(file name, PDF bytes)``; ``kind`` names it in the
        history's comment. Returns the stored invoice (not saved yet)."""
        file_name, pdf_bytes = document
        pseudo_flow = {
            "numeroFluxDepot": None,
            "login": account["login"],
            "syntaxeFlux": None,
            "dateDepot": util.iso(when),
        }
        invoice_id = self._create_invoice(
            pseudo_flow,
            file_name,
            pdf_bytes,
            None,
            fields,
            context,
            comment=f"{kind} deposee par le service soumettre ({mode})",
        )
        invoice = self.t["invoice"][invoice_id]
        invoice["modeDepot"] = mode
        invoice.update(extra or {})
        return invoice

    def add_portal_invoice(
        self,
        supplier,
        number,
        recipient,
        amount_untaxed,
        amount_total=None,
        *,
        invoice_date=None,
        service_code=None,
        engagement=None,
        invoice_type="FACTURE",
        currency="EUR",
        mode="DEPOT_PDF",
    ):
        """An invoice the supplier deposited by hand on the Chorus Pro portal (no flow,
        no technical account), e.g. the PDF a psychologist files in "Factures émises >
        Déposer une facture".  ``supplier`` and ``recipient``: structures
        (``idStructureCPP`` or SIRET); ``invoice_date``: ``YYYY-MM-DD`` (default today);
        ``amount_total`` defaults to ``amount_untaxed``; ``invoice_type``: ``FACTURE`` |
        ``AVOIR`` | ``ACOMPTE``; ``mode``: its ``modeDepot`` (``DEPOT_PDF``,
        ``SAISIE``...).  The portal refuses a number the supplier already has on
        Chorus Pro (not rejected): 409.  The invoice is ``DEPOSEE`` and follows the
        lifecycle of the others.  Returns its ``identifiantFactureCPP``."""
        type_codes = {name: code for code, name in C.ACCEPTED_TYPE_CODES.items()}
        if invoice_type not in type_codes:
            raise AdminError(f"invoice_type must be one of {', '.join(type_codes)}")
        if not isinstance(number, str) or not number:
            raise AdminError("number must be a non empty string")
        amount_total = amount_untaxed if amount_total is None else amount_total
        for value in (amount_untaxed, amount_total):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise AdminError("amounts must be numbers")
        when = util.now()
        if invoice_date is None:
            invoice_date = when.date().isoformat()
        try:
            datetime.date.fromisoformat(invoice_date)
        except (TypeError, ValueError):
            raise AdminError(f"invalid date {invoice_date!r} (YYYY-MM-DD)") from None
        with self._lock:
            seller = self._resolve_structure(supplier)
            buyer = self._resolve_structure(recipient)
            service = self.service_by_code(buyer["idStructureCPP"], service_code) if service_code else None
            if service_code and service is None:
                raise AdminError(f"unknown service {service_code!r}", 404)
            if any(
                inv["idFournisseur"] == seller["idStructureCPP"]
                and inv["numeroFacture"] == number
                and inv["statut"] != C.INV_REJETEE
                for inv in self.t["invoice"].values()
            ):
                raise AdminError(
                    rules.message("DUPLICATE", valeur=number, siret=seller["identifiantStructure"]), 409
                )
            fields = {
                "BT-1": number,
                "BT-2": invoice_date,
                "BT-3": type_codes[invoice_type],
                "BT-5": currency,
                "BT-10": service_code,
                "BT-13": engagement,
                "BT-109": float(amount_untaxed),
                "BT-110": round(float(amount_total) - float(amount_untaxed), 2),
                "BT-112": float(amount_total),
                "BT-115": float(amount_total),
            }
            pseudo_flow = {
                "numeroFluxDepot": None,
                "login": None,
                "syntaxeFlux": None,
                "dateDepot": util.iso(when),
            }
            pdf = report_pdf.build_pdf(
                "Facture deposee sur le portail",
                [f"Facture {number} deposee sur le portail Chorus Pro ({mode})."],
            )
            invoice_id = self._create_invoice(
                pseudo_flow,
                f"{number}.pdf",
                pdf,
                None,
                fields,
                {"seller": seller, "buyer": buyer, "service": service},
                comment=f"Facture deposee sur le portail Chorus Pro ({mode})",
            )
            self.t["invoice"][invoice_id]["modeDepot"] = mode
            self._save("invoice", invoice_id)
            return invoice_id

    def add_deposited_invoices(
        self, supplier, recipient, numbers, amount_untaxed=100.0, amount_total=None, *, service_code=None
    ):
        """Volume set-up (benchmarks): the invoices ``numbers`` of ``supplier`` to
        ``recipient``, ``DEPOSEE`` now, as if deposited in one flow of ``supplier``'s
        first technical account; no file is read, every invoice shares one small PDF.
        Refuses a number the supplier already has, or twice in ``numbers`` (409).
        Returns their ``identifiantFactureCPP``, in the order of ``numbers``."""
        if not isinstance(numbers, list) or not all(isinstance(n, str) and n for n in numbers or [None]):
            raise AdminError("numbers must be a non empty list of non empty strings")
        amount_total = amount_untaxed if amount_total is None else amount_total
        for value in (amount_untaxed, amount_total):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise AdminError("amounts must be numbers")
        with self._lock:
            seller = self._resolve_structure(supplier)
            buyer = self._resolve_structure(recipient)
            service = self.service_by_code(buyer["idStructureCPP"], service_code) if service_code else None
            if service_code and service is None:
                raise AdminError(f"unknown service {service_code!r}", 404)
            taken = {
                inv["numeroFacture"]
                for inv in self.t["invoice"].values()
                if inv["idFournisseur"] == seller["idStructureCPP"] and inv["statut"] != C.INV_REJETEE
            }
            if len(set(numbers)) != len(numbers) or taken.intersection(numbers):
                raise AdminError(
                    f"a number is taken or given twice for {seller['identifiantStructure']}", 409
                )
            login = next(
                (
                    a["login"]
                    for a in self.t["account"].values()
                    if seller["idStructureCPP"] in a["structures"]
                ),
                None,
            )
            flow = {
                "numeroFluxDepot": self._new_flow_number(),
                "login": login,
                "syntaxeFlux": "IN_DP_E2_CII_FACTURX",
                "dateDepot": util.iso(util.now()),
            }
            pdf = report_pdf.build_pdf("Facture", ["Facture deposee en volume (simulateur)."])
            context = {"seller": seller, "buyer": buyer, "service": service}
            ids = []
            for number in numbers:
                fields = {
                    "BT-1": number,
                    "BT-2": util.day(flow["dateDepot"]),
                    "BT-3": "380",
                    "BT-5": "EUR",
                    "BT-10": service_code,
                    "BT-109": float(amount_untaxed),
                    "BT-110": round(float(amount_total) - float(amount_untaxed), 2),
                    "BT-112": float(amount_total),
                    "BT-115": float(amount_total),
                }
                ids.append(self._create_invoice(flow, f"{number}.pdf", pdf, None, fields, context))
            return ids

    def set_invoices_status(self, ids, status, comment=None):
        """``set_invoice_status`` for each invoice of ``ids`` (volume set-up); returns
        ``{identifiantFactureCPP: status}``."""
        if not isinstance(ids, list):
            raise AdminError("ids must be a list of invoice identifiers")
        with self._lock:
            return {
                invoice_id: self.set_invoice_status(invoice_id, status, comment=comment) for invoice_id in ids
            }

    def _create_invoice(self, flow, member_name, pdf_bytes, xml_bytes, fields, context, comment=None):
        seller, buyer, service = context["seller"], context["buyer"], context["service"]
        invoice_id = self._next_id("invoice")
        self._put_blob(f"invoice:{invoice_id}", pdf_bytes)
        if xml_bytes:
            self._put_blob(f"invoice-xml:{invoice_id}", xml_bytes)
        scenario = self.t["scenario"].get(fields["BT-1"])
        path = (
            copy.deepcopy(scenario["path"])
            if scenario
            else [[status, None] for status in C.DEFAULT_INVOICE_PATH]
        )
        bt23 = fields.get("BT-23") or "A1"
        invoice = {
            "identifiantFactureCPP": invoice_id,
            "numeroFacture": fields["BT-1"],
            "numeroFluxDepot": flow["numeroFluxDepot"],
            "login": flow["login"],
            "syntaxeFlux": flow["syntaxeFlux"],
            "nomFichier": member_name.rsplit("/", 1)[-1],
            "idFournisseur": seller["idStructureCPP"],
            "codeFournisseur": seller["identifiantStructure"],
            "designationFournisseur": seller["raisonSociale"],
            "idDestinataire": buyer["idStructureCPP"],
            "codeDestinataire": buyer["identifiantStructure"],
            "designationDestinataire": buyer["raisonSociale"],
            "idServiceExecutant": service["idService"] if service else None,
            "codeServiceExecutant": service["codeService"] if service else None,
            "nomServiceExecutant": service["libelleService"] if service else None,
            "numeroBonCommande": fields.get("BT-13"),
            "numeroMarche": fields.get("BT-12"),
            "numeroFactureOrigine": fields.get("BT-25"),
            "typeDocument": fields.get("BT-3"),
            "typeFacture": C.ACCEPTED_TYPE_CODES.get(fields.get("BT-3"), "FACTURE"),
            "cadreFacturation": C.CADRES.get(bt23, bt23),
            "dateFacture": fields.get("BT-2"),
            "dateDepot": util.day(flow["dateDepot"]),
            "dateHeureDepot": flow["dateDepot"],
            "dateEcheancePaiement": fields.get("BT-9"),
            "devise": fields.get("BT-5") or "EUR",
            "montantHT": fields.get("BT-109"),
            "montantTVA": fields.get("BT-110") or 0.0,
            "montantTTC": fields.get("BT-112"),
            "montantAPayer": fields.get("BT-115"),
            "modePaiement": invoice_reader.PAYMENT_MEANS.get(fields.get("BT-81") or "", "AUTRE"),
            "iban": fields.get("BT-84"),
            "motifExonerationTva": fields.get("BT-121"),
            "libelleMotifExonerationTva": fields.get("BT-120"),
            "lignes": fields.get("lines", []),
            "tva": fields.get("vat", []),
            "statut": None,
            "dateHeureEtatCourant": None,
            "commentaireEtatCourant": None,
            "path": path,
            "pos": 0,
            "historique": [],
            "piecesJointes": [],
            "commentaire": None,
            "taille": len(pdf_bytes),
        }
        self.t["invoice"][invoice_id] = invoice
        comment = (
            path[0][1]
            or comment
            or (f"Facture deposee via le flux {flow['numeroFluxDepot']} et integree dans Chorus Pro")
        )
        self._change_status(invoice, C.INV_DEPOSEE, comment)
        return invoice_id

    def _change_status(self, invoice, status, comment=None):
        when = util.now()
        comment = comment or C.DEFAULT_STATUS_COMMENTS.get(status, status)
        invoice["statut"] = status
        invoice["dateHeureEtatCourant"] = util.iso(when)
        invoice["commentaireEtatCourant"] = comment
        if invoice.get("travaux"):
            self._works_on_status(invoice, status, when)
        invoice["historique"].append(
            {
                "histoStatutId": self._next_id("history"),
                "histoStatutCode": status,
                "histoStatutDatePassage": util.iso(when),
                "histoStatutCommentaire": comment,
            }
        )
        self._save("invoice", invoice["identifiantFactureCPP"])

    def get_invoice(self, invoice_id):
        with self._lock:
            invoice = self.t["invoice"].get(invoice_id)
            return copy.deepcopy(invoice) if invoice else None

    def find_invoices(self, numero_facture=None, numero_flux=None):
        with self._lock:
            return [
                copy.deepcopy(inv)
                for inv in self.t["invoice"].values()
                if (numero_facture is None or inv["numeroFacture"] == numero_facture)
                and (numero_flux is None or inv["numeroFluxDepot"] == numero_flux)
            ]

    def invoices_of(self, account):
        """Copies of the invoices supplied by the structures of ``account``."""
        with self._lock:
            return [
                copy.deepcopy(inv)
                for inv in self.t["invoice"].values()
                if inv["idFournisseur"] in account["structures"]
            ]

    def invoice_pdf(self, invoice_id):
        """The main file (PDF, or the deposited member) of an invoice."""
        with self._lock:
            return self.blobs[f"invoice:{invoice_id}"]

    def invoice_xml(self, invoice_id):
        """The structured file of an invoice (None when deposited as a PDF only)."""
        with self._lock:
            return self.blobs.get(f"invoice-xml:{invoice_id}")

    def _invoice_or_error(self, invoice_id):
        invoice = self.t["invoice"].get(invoice_id)
        if invoice is None:
            raise AdminError(f"unknown invoice {invoice_id!r}", 404)
        return invoice

    def _advance_invoice(self, invoice, force=False):
        """One step along the invoice path; returns True when the status changed.

        Terminal statuses, statuses waiting for the supplier and refused works documents
        stay (``force``: the supplier's action moves it on)."""
        if not force and (
            invoice["statut"] in C.INVOICE_TERMINAL_STATUSES
            or invoice["statut"] in C.INVOICE_BLOCKING_STATUSES
            or invoice["statut"] in C.WORKS_STOP_STATUSES
        ):
            return False
        if invoice["pos"] + 1 >= len(invoice["path"]):
            return False
        invoice["pos"] += 1
        status, comment = invoice["path"][invoice["pos"]]
        self._change_status(invoice, status, comment)
        return True

    def advance_invoices(self, ids=None, steps=1):
        """Move invoices ``steps`` steps along their path (None = all non terminal).

        Invoices waiting for the supplier (SUSPENDUE, A_RECYCLER) do not move.
        Returns ``{identifiantFactureCPP: status}``.
        """
        if not isinstance(steps, int) or steps < 1:
            raise AdminError("steps must be a positive integer")
        with self._lock:
            if ids is None:
                ids = [
                    i
                    for i, inv in self.t["invoice"].items()
                    if inv["statut"] not in C.INVOICE_TERMINAL_STATUSES
                ]
            result = {}
            for invoice_id in ids:
                invoice = self._invoice_or_error(invoice_id)
                for _ in range(steps):
                    if not self._advance_invoice(invoice):
                        break
                result[invoice_id] = invoice["statut"]
            return result

    def set_invoice_status(self, identifiant_facture_cpp, status, comment=None, amount_to_pay=None):
        """Set an invoice status now (history entry with ``comment``).

        If the status is further on the invoice path, the path position jumps there;
        otherwise the status is inserted at the current position and the rest of the
        path follows (e.g. A_RECYCLER then, after ``recycler``, the remaining steps).
        ``amount_to_pay`` changes the invoice's ``montantAPayer`` (what the public
        accountant pays, e.g. less a deduction) with the status.
        """
        if status not in C.INVOICE_STATUSES + C.OTHER_INVOICE_STATUSES:
            raise AdminError(f"unknown invoice status {status!r}")
        if amount_to_pay is not None:
            try:
                amount_to_pay = float(amount_to_pay)
            except (TypeError, ValueError):
                raise AdminError(f"amount_to_pay is not a number: {amount_to_pay!r}") from None
        with self._lock:
            invoice = self._invoice_or_error(identifiant_facture_cpp)
            if amount_to_pay is not None:
                invoice["montantAPayer"] = amount_to_pay
            statuses = [s for s, _c in invoice["path"]]
            later = [i for i in range(invoice["pos"] + 1, len(statuses)) if statuses[i] == status]
            if later:
                invoice["pos"] = later[0]
            else:
                invoice["path"].insert(invoice["pos"] + 1, [status, comment])
                invoice["pos"] += 1
            self._change_status(invoice, status, comment)
            return invoice["statut"]

    def set_invoice_path(self, numero_facture, path):
        """Scenario for invoices numbered ``numero_facture`` (future deposits, and
        existing ones still at their first step).  ``path``: statuses, or
        ``(status, comment)`` pairs / ``{"statut", "commentaire"}`` dicts; DEPOSEE is
        prepended when missing."""
        normalized = _normalize_path(path)
        with self._lock:
            self.t["scenario"][numero_facture] = {"numeroFacture": numero_facture, "path": normalized}
            self._save("scenario", numero_facture)
            for invoice in self.t["invoice"].values():
                if (
                    invoice["numeroFacture"] == numero_facture
                    and invoice["pos"] == 0
                    and invoice["statut"] == C.INV_DEPOSEE
                ):
                    invoice["path"] = copy.deepcopy(normalized)
                    self._save("invoice", invoice["identifiantFactureCPP"])
            return [s for s, _c in normalized]

    def on_invoice_poll(self, invoice_id):
        """Called by ``consulter/historique``: with ``on_poll``, one step first."""
        with self._lock:
            if self.invoice_advance == "on_poll":
                invoice = self.t["invoice"].get(invoice_id)
                if invoice is not None:
                    self._advance_invoice(invoice)

    def complete_invoice(self, invoice_id, comment, attachment_ids):
        """SUSPENDUE -> COMPLETEE (API ``completer``); returns a copy of the invoice."""
        with self._lock:
            invoice = self._invoice_or_error(invoice_id)
            invoice["piecesJointes"].extend(attachment_ids)
            if comment:
                invoice["commentaire"] = comment
            self._continue_after_action(invoice, C.CONTINUATION_AFTER_COMPLETION)
            self._change_status(
                invoice, C.INV_COMPLETEE, comment or C.DEFAULT_STATUS_COMMENTS[C.INV_COMPLETEE]
            )
            return copy.deepcopy(invoice)

    def recycle_invoice(self, invoice_id, buyer, service, comment, references=None):
        """A_RECYCLER -> DEPOSEE with a new recipient (API ``recycler``); returns a copy
        of the invoice."""
        with self._lock:
            invoice = self._invoice_or_error(invoice_id)
            invoice["idDestinataire"] = buyer["idStructureCPP"]
            invoice["codeDestinataire"] = buyer["identifiantStructure"]
            invoice["designationDestinataire"] = buyer["raisonSociale"]
            invoice["idServiceExecutant"] = service["idService"] if service else None
            invoice["codeServiceExecutant"] = service["codeService"] if service else None
            invoice["nomServiceExecutant"] = service["libelleService"] if service else None
            for key in ("numeroBonCommande", "numeroMarche"):
                if references and references.get(key):
                    invoice[key] = references[key]
            self._continue_after_action(invoice, C.CONTINUATION_AFTER_RECYCLING)
            self._change_status(
                invoice,
                C.INV_DEPOSEE,
                comment or "Facture recyclee par le fournisseur : nouvelles donnees d'acheminement",
            )
            return copy.deepcopy(invoice)

    def _continue_after_action(self, invoice, continuation):
        if invoice["pos"] + 1 >= len(invoice["path"]):
            invoice["path"].extend([status, None] for status in continuation)

    # ------------------------------------------------------------------------------
    # Attachments
    # ------------------------------------------------------------------------------
    def add_attachment(self, account, name, mime, extension, content):
        with self._lock:
            attachment_id = self._next_id("attachment")
            self._put_blob(f"attachment:{attachment_id}", content)
            self.t["attachment"][attachment_id] = {
                "pieceJointeId": attachment_id,
                "login": account["login"],
                "nom": name,
                "typeMime": mime,
                "extension": extension,
                "taille": len(content),
            }
            self._save("attachment", attachment_id)
            return attachment_id

    def get_attachment(self, attachment_id):
        """A copy of the attachment record (None if unknown)."""
        with self._lock:
            return copy.deepcopy(self.t["attachment"].get(attachment_id))

    def attachment_content(self, attachment_id):
        with self._lock:
            return self.blobs[f"attachment:{attachment_id}"]

    # ------------------------------------------------------------------------------
    # Summary
    # ------------------------------------------------------------------------------
    def state_summary(self):
        with self._lock:
            flows = collections.Counter(f["statut"] for f in self.t["flow"].values())
            invoices = collections.Counter(i["statut"] for i in self.t["invoice"].values())
            return {
                "config": {
                    "invoice_advance": self.invoice_advance,
                    "flow_steps": self.flow_steps,
                    "token_lifetime": self.token_lifetime,
                    "max_page_size": self.max_page_size,
                    "fault_delay": self.fault_delay,
                    "realism": self.realism,
                    "throttle_every": self.throttle_every,
                    "token_life_fraction": self.token_life_fraction,
                    "retry_after": self.retry_after,
                    "state_path": str(self.state_path) if self.state_path else None,
                },
                "structures": len(self.t["structure"]),
                "services": len(self.t["service"]),
                "technical_accounts": sorted(self.t["account"]),
                "flows": {"total": len(self.t["flow"]), "by_status": dict(flows)},
                "invoices": {"total": len(self.t["invoice"]), "by_status": dict(invoices)},
                "attachments": len(self.t["attachment"]),
                "scenarios": {k: [s for s, _c in v["path"]] for k, v in self.t["scenario"].items()},
                "faults": [dict(f) for f in self._faults],
                "active_tokens": len(self._tokens),
                "flow_list": [
                    {
                        "numeroFluxDepot": f["numeroFluxDepot"],
                        "statut": f["statut"],
                        "nomFichier": f["nomFichier"],
                        "login": f["login"],
                        "factures": list(f["factures"]),
                    }
                    for f in self.t["flow"].values()
                ],
                "invoice_list": [
                    {
                        "identifiantFactureCPP": i["identifiantFactureCPP"],
                        "numeroFacture": i["numeroFacture"],
                        "statut": i["statut"],
                        "numeroFluxDepot": i["numeroFluxDepot"],
                    }
                    for i in self.t["invoice"].values()
                ],
            }

    def configure(self, **options):
        """Change ``invoice_advance``, ``flow_steps``, ``token_lifetime``,
        ``max_page_size``, ``fault_delay``, ``max_file_size``, ``retry_after``,
        ``realism``, ``throttle_every`` or ``token_life_fraction`` at run time."""
        with self._lock:
            checks = {
                "realism": realism.check,
                "throttle_every": lambda v: _non_negative_int(v, "throttle_every"),
                "token_life_fraction": _fraction,
            }
            for key, value in options.items():
                if key in checks:
                    try:
                        value = checks[key](value)
                    except ValueError as err:
                        raise AdminError(str(err)) from None
                    if key == "throttle_every":
                        self._api_calls = 0
                    setattr(self, key, value)
                    continue
                if key == "invoice_advance" and value not in ("manual", "on_poll"):
                    raise AdminError("invoice_advance must be 'manual' or 'on_poll'")
                if key == "flow_steps" and (not isinstance(value, int) or value < 0):
                    raise AdminError("flow_steps must be a non negative integer")
                if key not in (
                    "invoice_advance",
                    "flow_steps",
                    "token_lifetime",
                    "max_page_size",
                    "fault_delay",
                    "max_file_size",
                    "retry_after",
                ):
                    raise AdminError(f"unknown option {key!r}")
                setattr(self, key, value)
            return self.state_summary()["config"]
