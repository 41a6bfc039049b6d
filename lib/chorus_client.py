"""Pure-Python client of the Chorus Pro API behind PISTE (no Odoo import).

Facts (URLs, headers, bodies, error envelope, pagination, statuses) follow
``chorus-pro-api.md`` of the project (sections quoted as "§n" below).

Main points:

* PISTE OAuth2 client-credentials token (§2.1), cached process-wide and
  thread-safely per ``(token_url, client_id, client_secret)`` until
  ``expires_in`` minus a safety margin (§2.2). On HTTP 401 from an API call
  (e.g. a token refused before its announced expiry) the token is dropped, a
  new one is fetched and the call is retried once - a deposit included, since
  a 401 proves the call was not processed.
* Every business call carries ``Authorization: Bearer``, ``cpro-account`` and
  ``Content-Type: application/json;charset=utf-8`` (§2.3).
* "HTTP != 200 or codeRetour != 0" is an error (§3.2), with one exception: a
  *search* answering HTTP 200 with a "no result" code (``NO_RESULT_CODES``:
  20000 ``TRA_MSG_00.015``, 20007 ``GFT_MSG_01.075``, §13) is an empty result.
  Errors are typed (``ChorusAuthError``, ``ChorusSubscriptionError``,
  ``ChorusFunctionalError``, ``ChorusTransientError``, ``ChorusRateLimitError``,
  ``ChorusUncertainError``, ``ChorusIncompleteResultError``).
* HTTP 429 is a definite "not processed": every call, the deposit included,
  waits as ``Retry-After`` says (seconds or HTTP date; each wait capped at
  ``max_retry_after``) and is sent again, within ``max_retries`` retries and
  ``max_total_wait`` seconds of waiting per call; then ``ChorusRateLimitError``.
* Idempotent calls (searches, consultations, reports, history, directory,
  health check) are also retried with exponential backoff on 5xx, timeouts and
  connection errors. Non-idempotent calls (deposits, PDF deposit, submission,
  attachment upload, completer, recycler) are never retried once the request
  may have reached the server: a timeout, a lost connection or a 5xx raises
  ``ChorusUncertainError``, and the caller must look for the result (e.g.
  search the invoice number) before sending again. Errors that prove the
  request never left (connection refused, connect timeout) are retried for
  every call. Gateway answers that are not JSON (502/504 HTML pages) give a
  readable message (the page title), never a decoding error.
* HTTP 403 without a Chorus ``codeRetour`` is the PISTE gateway refusing an API
  the application is not subscribed to (OCA/l10n-france issue #410: HTTP 403
  with an empty body on ``structures/v1/rechercher``): ``ChorusSubscriptionError``
  names the API family (Factures, Structures, Transverses, Utilisateurs,
  EngagementsJuridiques).
* Paginated searches are looped internally (§3.3) and return whole lists. The
  paging information is read from ``parametresRetour`` or from the top level of
  the answer (``pageCourante``/``pages``/``nbResultatsParPage``/``total``);
  when the pages cannot all be read (server ignoring the page number, fewer
  items than announced, page limit), ``ChorusIncompleteResultError`` is raised:
  a partial list is never returned as complete.
"""

import base64
import binascii
import contextlib
import datetime
import email.utils
import html
import json
import logging
import mimetypes
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
import urllib3

_logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------
# Environments (§1)
# ---------------------------------------------------------------------------

TOKEN_PATH = "/api/oauth/token"


@dataclass(frozen=True)
class ChorusEnvironment:
    """API base URL and PISTE token URL of one platform."""

    api_url: str
    token_url: str
    name: str = "custom"

    @classmethod
    def custom(cls, api_url, token_url=None, name="custom"):
        """A custom platform (e.g. the local simulator). Without ``token_url``,
        the token URL is ``<api_url>/api/oauth/token`` (simulator layout)."""
        api_url = api_url.rstrip("/")
        return cls(api_url=api_url, token_url=token_url or api_url + TOKEN_PATH, name=name)


PRODUCTION = ChorusEnvironment(
    api_url="https://api.piste.gouv.fr",
    token_url="https://oauth.piste.gouv.fr/api/oauth/token",
    name="production",
)
QUALIFICATION = ChorusEnvironment(
    api_url="https://sandbox-api.piste.gouv.fr",
    token_url="https://sandbox-oauth.piste.gouv.fr/api/oauth/token",
    name="qualification",
)

# ---------------------------------------------------------------------------
# Constants: syntaxes, statuses (§6.1, §7, §8), attachment limits (§6.2)
# ---------------------------------------------------------------------------

SYNTAX_FACTURX = "IN_DP_E2_CII_FACTURX"
SYNTAX_CII_16B = "IN_DP_E1_CII_16B"
SYNTAX_UBL = "IN_DP_E1_UBL_INVOICE"

SUCCESS_LIBELLE = "TRA_MSG_00.000"

# Flow (deposit) statuses.
FLOW_RECU = "IN_RECU"
FLOW_INTEGRE = "IN_INTEGRE"
FLOW_INTEGRE_PARTIEL = "IN_INTEGRE_PARTIEL"
FLOW_REJETE = "IN_REJETE"
FLOW_INCIDENTE = "IN_INCIDENTE"
FLOW_IN_PROGRESS_STATUSES = frozenset(
    {
        "IN_RECU",
        "IN_TRAITE_SE_CPP",
        "IN_EN_ATTENTE_TRAITEMENT_CPP",
        "IN_EN_COURS_TRAITEMENT_CPP",
        "IN_EN_ATTENTE_RETRAITEMENT_CPP",
    }
)
FLOW_SUCCESS_STATUSES = frozenset({FLOW_INTEGRE, FLOW_INTEGRE_PARTIEL})
FLOW_FAILURE_STATUSES = frozenset({FLOW_REJETE, FLOW_INCIDENTE})
FLOW_TERMINAL_STATUSES = FLOW_SUCCESS_STATUSES | FLOW_FAILURE_STATUSES
# Admissibility states seen in production clients (§7, §13): Tryton counts the
# last two as failures; their exact semantics are unconfirmed.
FLOW_QP_STATUSES = frozenset({"QP_RECEVABLE", "QP_RECEVABLE_AVEC_ERREUR", "QP_IRRECEVABLE"})
FLOW_QP_FAILURE_STATUSES = frozenset({"QP_RECEVABLE_AVEC_ERREUR", "QP_IRRECEVABLE"})
FLOW_KNOWN_STATUSES = FLOW_IN_PROGRESS_STATUSES | FLOW_TERMINAL_STATUSES | FLOW_QP_STATUSES

# Invoice lifecycle statuses.
INVOICE_TERMINAL_STATUSES = frozenset({"REJETEE", "MISE_EN_PAIEMENT", "ABANDONNEE", "SUPPRIMEE"})
# Statuses waiting for an action of the supplier (completer / recycler).
INVOICE_ACTION_STATUSES = frozenset({"SUSPENDUE", "A_RECYCLER"})

FACTURES_PUBLIQUES = "FACTURES_PUBLIQUES"

# "No result" codes of searches (HTTP 200, §13): code -> message key. Pastell
# (connecteur/cpp/lib/CPPWrapper.php) reads 20000 "TRA_MSG_00.015 - La recherche
# n'a retourné aucun résultat" and 20007 "GFT_MSG_01.075" (works search) as
# "nothing found". Only searches read them so; elsewhere they stay errors.
NO_RESULT_CODES = {20000: "TRA_MSG_00.015", 20007: "GFT_MSG_01.075"}

# PDF deposit + submission (§5.7, §13).
FORMAT_PDF_NON_SIGNE = "PDF_NON_SIGNE"
MODE_DEPOT_PDF_API = "DEPOT_PDF_API"
MODE_SAISIE_API = "SAISIE_API"
MODE_DEPOT_PDF_SIGNE_API = "DEPOT_PDF_SIGNE_API"

# PISTE API families (``/cpro/<family>/v1/...``) as named in PISTE's catalogue.
API_FAMILIES = {
    "factures": "Factures",
    "facturesTravaux": "FacturesTravaux",
    "structures": "Structures",
    "transverses": "Transverses",
    "utilisateurs": "Utilisateurs",
    "engagementsJuridiques": "EngagementsJuridiques",
}

ALLOWED_ATTACHMENT_EXTENSIONS = frozenset(
    {
        "BMP", "GIF", "FAX", "ODT", "PPT", "TIFF", "XLS", "BZ2", "GZ", "JPEG", "P7S",
        "RTF", "TXT", "XML", "CSV", "GZIP", "JPG", "PDF", "SVG", "XHTML", "XLSX", "DOC",
        "HTM", "ODP", "PNG", "TGZ", "XLC", "ZIP", "DOCX", "HTML", "ODS", "PPS", "TIF",
        "XLM", "PPTX",
    }
)
MAX_ATTACHMENT_SIZE = 10 * 1024 * 1024  # bytes
MAX_ATTACHMENT_NAME = 50  # characters, extension included
MAX_MIMETYPE_LENGTH = 255

# API paths (§4).
P_DEPOSIT = "/cpro/factures/v1/deposer/flux"
P_SEARCH_INVOICES = "/cpro/factures/v1/rechercher/fournisseur"
P_INVOICE_DETAIL = "/cpro/factures/v1/consulter/fournisseur"
P_INVOICE_HISTORY = "/cpro/factures/v1/consulter/historique"
P_COMPLETE = "/cpro/factures/v1/completer"
P_RECYCLE = "/cpro/factures/v1/recycler"
P_DOWNLOAD = "/cpro/factures/v1/telecharger/groupe"
P_FLOW_REPORT = "/cpro/transverses/v1/consulterCRDetaille"
P_FLOW_REPORT_PDF = "/cpro/transverses/v1/consulterCR"
P_UPLOAD = "/cpro/transverses/v1/ajouter/fichier"
P_HEALTH = "/cpro/transverses/v1/health-check"
P_VAT_RATES = "/cpro/transverses/v1/recuperer/tauxtva"
P_CURRENCIES = "/cpro/transverses/v1/recuperer/devises"
P_SIRET_INFO = "/cpro/transverses/v1/consulter/information/siret"
P_DEPOSIT_PDF = "/cpro/factures/v1/deposer/pdf"
P_SUBMIT = "/cpro/factures/v1/soumettre"
P_SEARCH_STRUCTURE = "/cpro/structures/v1/rechercher"
P_GET_STRUCTURE = "/cpro/structures/v1/consulter"
P_SEARCH_SERVICES = "/cpro/structures/v1/rechercher/services"
P_GET_SERVICE = "/cpro/structures/v1/consulter/service"
P_SEARCH_ENGAGEMENT = "/cpro/engagementsJuridiques/v1/rechercher"
P_MY_STRUCTURES = "/cpro/utilisateurs/v1/monCompte/recuperer/rattachements"

# ---------------------------------------------------------------------------
# Exceptions
# ---------------------------------------------------------------------------


class ChorusError(Exception):
    """Base error of the Chorus Pro client.

    Attributes: ``http_status`` (int or None when no answer), ``code_retour``
    (Chorus ``codeRetour`` or None), ``libelle`` (Chorus message, OAuth
    ``error_description``, or a description of the transport problem),
    ``endpoint`` (API path, or the token URL path), ``payload`` (decoded JSON
    answer, if any), ``retry_after`` (seconds, from ``Retry-After``, if any).
    """

    def __init__(self, libelle=None, *, http_status=None, code_retour=None, endpoint=None,
                 payload=None, retry_after=None):
        self.libelle = libelle or "Chorus Pro error"
        self.http_status = http_status
        self.code_retour = code_retour
        self.endpoint = endpoint
        self.payload = payload
        self.retry_after = retry_after
        super().__init__(self.libelle)

    def __str__(self):
        parts = []
        if self.endpoint:
            parts.append(self.endpoint)
        if self.http_status is not None:
            parts.append(f"HTTP {self.http_status}")
        if self.code_retour not in (None, 0):
            parts.append(f"codeRetour {self.code_retour}")
        prefix = " ".join(parts)
        return f"{prefix}: {self.libelle}" if prefix else self.libelle


class ChorusAuthError(ChorusError):
    """PISTE token refused, 401 after one token renewal, 403, or technical
    account (``cpro-account``) refused."""


class ChorusSubscriptionError(ChorusAuthError):
    """HTTP 403 from the PISTE gateway (no Chorus ``codeRetour``): the PISTE
    application is not subscribed to the API family of the call. ``api`` is
    the family as PISTE names it (``Factures``, ``Structures``,
    ``Transverses``, ``Utilisateurs``, ``EngagementsJuridiques``)."""

    def __init__(self, libelle=None, *, api=None, **kwargs):
        self.api = api
        super().__init__(libelle, **kwargs)


class ChorusFunctionalError(ChorusError):
    """HTTP 400 (or another 4xx) or any answer with ``codeRetour`` != 0."""


class ChorusAttachmentError(ChorusFunctionalError, ValueError):
    """Attachment refused locally (name, extension, size), before any call."""


class ChorusTransientError(ChorusError):
    """5xx, 429, timeout or connection error (after the retries allowed)."""


class ChorusRateLimitError(ChorusTransientError):
    """HTTP 429 still answered once the retries or the waiting budget
    (``max_total_wait``) are used up. The call was NOT processed (never an
    ``ChorusUncertainError``): send it again after ``retry_after`` seconds."""


class ChorusIncompleteResultError(ChorusError):
    """A paginated search could not be read to its end (pages ignored by the
    server, fewer items than announced, page limit reached). ``items`` holds
    what was read; never treat it as the whole result."""

    def __init__(self, libelle=None, *, items=None, **kwargs):
        self.items = list(items or [])
        super().__init__(libelle, **kwargs)


class ChorusUncertainError(ChorusTransientError):
    """A non-idempotent call may or may not have been processed (timeout, lost
    connection or 5xx after the request was sent). Look for its result (e.g.
    search the invoice number) before sending it again."""


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def parse_chorus_datetime(value):
    """Parse a Chorus date / date-time into a ``datetime.datetime``.

    Accepts ``YYYY-MM-DD``, ``YYYY-MM-DD HH:MM[:SS]``, ISO 8601 with ``T``,
    fractions and offset (``2018-02-16T15:10:25.536+01:00``, ``...Z``),
    ``DD/MM/YYYY[ HH:MM]``, epoch milliseconds or seconds (numbers), ``date``
    and ``datetime`` objects. Offsets are kept (aware result). Empty values
    give None; anything else raises ``ValueError``.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time.min)
    if isinstance(value, bool):
        raise ValueError(f"not a date: {value!r}")
    if isinstance(value, (int, float)):
        seconds = value / 1000.0 if abs(value) >= 1e11 else float(value)
        return datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    if not text:
        return None
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    with contextlib.suppress(ValueError):
        return datetime.datetime.fromisoformat(iso)
    for fmt in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S.%f"):
        try:
            return datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(f"unrecognised Chorus Pro date: {value!r}")


def parse_chorus_date(value):
    """Like ``parse_chorus_datetime`` but returns a ``datetime.date`` (or None)."""
    parsed = parse_chorus_datetime(value)
    return parsed.date() if parsed is not None else None


def _safe_date(value):
    try:
        return parse_chorus_date(value)
    except ValueError:
        _logger.warning("Chorus Pro: unparseable date %r ignored", value)
        return None


def as_list(value):
    """A Chorus list that may come as a list, a single object, or nothing."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, tuple):
        return list(value)
    return [value]


def normalize_siret(value):
    """SIRET as a 14-digit string (answers may carry it as a JSON number)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().replace(" ", "")
    if text.isdigit() and len(text) < 14:
        text = text.zfill(14)
    return text


def _to_int(value):
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _bool(value):
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "oui", "yes")
    return bool(value)


def _parse_retry_after(value):
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    with contextlib.suppress(ValueError):
        return max(0.0, float(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return max(0.0, (when - datetime.datetime.now(datetime.timezone.utc)).total_seconds())


def _api_family(path):
    """PISTE API family of an API path (``/cpro/structures/v1/...`` ->
    ``Structures``), or None."""
    parts = [part for part in (path or "").split("/") if part]
    if len(parts) >= 2 and parts[0] == "cpro":
        return API_FAMILIES.get(parts[1], parts[1][:1].upper() + parts[1][1:])
    return None


_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_HTML_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"<[^>]+>")
_HTML_SKIP = re.compile(r"<(script|style)[^>]*>.*?</\1>", re.IGNORECASE | re.DOTALL)


def _text_summary(text, limit=300):
    """A readable one-line summary of a non-JSON answer body (an HTML gateway
    page gives its title, or its first heading, or its text)."""
    text = (text or "").strip()
    if not text:
        return ""
    if text.startswith("<") or "<html" in text[:500].lower():
        for pattern in (_HTML_TITLE, _HTML_H1):
            match = pattern.search(text)
            if match:
                found = " ".join(html.unescape(_HTML_TAG.sub(" ", match.group(1))).split())
                if found:
                    return found[:limit]
        text = html.unescape(_HTML_TAG.sub(" ", _HTML_SKIP.sub(" ", text)))
    return " ".join(text.split())[:limit]


def _paging_info(payload):
    """``(pages, total, page)`` of a search answer, from its
    ``parametresRetour`` block or from the top level (§3.3, §13); None for
    what the answer does not say."""
    pages = total = page = None
    blocks = []
    if isinstance(payload, dict):
        if isinstance(payload.get("parametresRetour"), dict):
            blocks.append(payload["parametresRetour"])
        blocks.append(payload)
    for block in blocks:
        if pages is None:
            pages = _to_int(block.get("pages"))
        if total is None:
            total = _to_int(block.get("total"))
        if page is None:
            page = _to_int(block.get("pageCourante"))
    return pages, total, page


def _request_not_sent(exc):
    """True when a requests exception proves the request never reached the
    server (connection refused, DNS failure, connect timeout)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError) and not isinstance(
        exc, requests.exceptions.SSLError
    ):
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)  # urllib3 MaxRetryError
        # urllib3: NewConnectionError (refused, DNS) subclasses ConnectTimeoutError.
        return isinstance(reason, urllib3.exceptions.ConnectTimeoutError)
    return False


_TRANSPORT_ERRORS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
)

# ---------------------------------------------------------------------------
# Process-wide token cache
# ---------------------------------------------------------------------------

_TOKEN_CACHE = {}  # (token_url, client_id, client_secret) -> (token, expires_at monotonic)
_TOKEN_CACHE_LOCK = threading.Lock()
_TOKEN_FETCH_LOCKS = {}  # key -> Lock (one token request at a time per key)

TOKEN_SAFETY_MARGIN = 240.0  # seconds (OCA renews 240 s early, §2.2)


def _token_margin(expires_in):
    """Safety margin: 240 s, but at most a tenth of short lifetimes."""
    return min(TOKEN_SAFETY_MARGIN, max(0.0, expires_in) / 10.0)


def clear_token_cache():
    """Forget every cached PISTE token (tests, credential changes)."""
    with _TOKEN_CACHE_LOCK:
        _TOKEN_CACHE.clear()


def _cached_token(key):
    with _TOKEN_CACHE_LOCK:
        entry = _TOKEN_CACHE.get(key)
        if entry and entry[1] > time.monotonic():
            return entry[0]
        if entry:
            del _TOKEN_CACHE[key]
        return None


def _fetch_lock(key):
    with _TOKEN_CACHE_LOCK:
        return _TOKEN_FETCH_LOCKS.setdefault(key, threading.Lock())


# ---------------------------------------------------------------------------
# Client
# ---------------------------------------------------------------------------


class ChorusClient:
    """Chorus Pro API client for one PISTE application and one technical account.

    ``timeout``: seconds per HTTP attempt (connect and read). ``max_retries``:
    extra attempts of a call on transient errors (5xx, timeouts and lost
    connections for idempotent calls only; HTTP 429 and requests that provably
    never left for every call). ``backoff``: base delay, doubled at each retry
    (``backoff * 2**n``, capped at ``max_backoff``); a ``Retry-After`` header
    (seconds or HTTP date) replaces it, each wait capped at
    ``max_retry_after``. ``max_total_wait``: seconds one call may spend
    waiting between its attempts in all; a wait that would exceed it is not
    made and the error is raised at once (``ChorusRateLimitError`` for a 429,
    with its ``retry_after``). ``page_size``: ``nbResultatsParPage`` of
    searches. ``session``: an optional ``requests.Session`` (it must not retry
    POSTs by itself).
    """

    max_retry_after = 60.0
    max_backoff = 30.0
    max_pages = 1000

    def __init__(self, api_url, token_url, client_id, client_secret, login, password,
                 timeout=30.0, max_retries=3, backoff=0.5, page_size=10, session=None,
                 max_total_wait=120.0, max_retry_after=None):
        if not api_url or not token_url:
            raise ValueError("api_url and token_url are required")
        self.api_url = api_url.rstrip("/")
        self.token_url = token_url
        self.client_id = client_id or ""
        self.client_secret = client_secret or ""
        self.login = login or ""
        self.password = password or ""
        self.timeout = float(timeout)
        self.max_retries = max(0, int(max_retries))
        self.backoff = max(0.0, float(backoff))
        self.page_size = max(1, int(page_size))
        self.max_total_wait = max(0.0, float(max_total_wait))
        if max_retry_after is not None:
            self.max_retry_after = max(0.0, float(max_retry_after))
        self._own_session = session is None
        self.session = session if session is not None else requests.Session()
        self._token_key = (self.token_url, self.client_id, self.client_secret)
        self._token_endpoint = urlsplit(self.token_url).path or self.token_url
        self._stats_lock = threading.Lock()
        self.call_count = 0
        self.calls = Counter()
        # One entry per retry wait: {"endpoint", "attempt", "reason", "delay"}.
        self.retries = []
        self.last_pdf_deposit = None

    @classmethod
    def from_environment(cls, environment, client_id, client_secret, login, password, **kwargs):
        return cls(environment.api_url, environment.token_url, client_id, client_secret,
                   login, password, **kwargs)

    def __repr__(self):
        return f"<ChorusClient {self.api_url} login={self.login!r}>"

    def close(self):
        if self._own_session:
            self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------
    # Low level: counting, waiting
    # ------------------------------------------------------------------
    def _count(self, endpoint):
        with self._stats_lock:
            self.call_count += 1
            self.calls[endpoint] += 1

    def reset_counters(self):
        with self._stats_lock:
            self.call_count = 0
            self.calls = Counter()
            self.retries = []

    def _delay(self, attempt, retry_after=None):
        if retry_after is not None:
            return min(float(retry_after), self.max_retry_after)
        return min(self.backoff * (2 ** attempt), self.max_backoff)

    def _retry(self, endpoint, attempt, waited, reason, retry_after=None):
        """Wait before attempt ``attempt + 1`` if the retries and the waiting
        budget allow it; return the seconds waited, or None (give up)."""
        if attempt >= self.max_retries:
            return None
        delay = self._delay(attempt, retry_after)
        if waited + delay > self.max_total_wait:
            _logger.info("Chorus Pro %s: %s, a wait of %.2f s would exceed the %.0f s budget",
                         endpoint, reason, delay, self.max_total_wait)
            return None
        with self._stats_lock:
            self.retries.append(
                {"endpoint": endpoint, "attempt": attempt + 1, "reason": reason, "delay": delay}
            )
        _logger.info("Chorus Pro %s: %s, retry %d/%d in %.2f s", endpoint, reason,
                     attempt + 1, self.max_retries, delay)
        if delay > 0:
            time.sleep(delay)
        return delay

    # ------------------------------------------------------------------
    # Token
    # ------------------------------------------------------------------
    def _get_token(self):
        token = _cached_token(self._token_key)
        if token:
            return token
        with _fetch_lock(self._token_key):
            token = _cached_token(self._token_key)  # fetched by another thread meanwhile
            if token:
                return token
            token, expires_in = self._request_token()
            expires_at = time.monotonic() + expires_in - _token_margin(expires_in)
            with _TOKEN_CACHE_LOCK:
                _TOKEN_CACHE[self._token_key] = (token, expires_at)
            return token

    def _drop_token(self, token):
        with _TOKEN_CACHE_LOCK:
            entry = _TOKEN_CACHE.get(self._token_key)
            if entry and entry[0] == token:
                del _TOKEN_CACHE[self._token_key]

    def _request_token(self):
        endpoint = self._token_endpoint
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "scope": "openid",
        }
        attempt = 0
        waited = 0.0
        while True:
            self._count(endpoint)
            try:
                response = self.session.post(
                    self.token_url, data=form, timeout=self.timeout,
                    headers={"Accept": "application/json"},
                )
            except _TRANSPORT_ERRORS as exc:
                delay = self._retry(endpoint, attempt, waited, type(exc).__name__)
                if delay is not None:
                    waited += delay
                    attempt += 1
                    continue
                raise ChorusTransientError(
                    f"PISTE token request failed: {type(exc).__name__}: {exc}",
                    endpoint=endpoint,
                ) from exc
            except requests.exceptions.RequestException as exc:
                raise ChorusError(f"PISTE token request failed: {exc}", endpoint=endpoint) from exc
            status = response.status_code
            payload = self._json(response)
            if status == 429 or status >= 500:
                retry_after = _parse_retry_after(response.headers.get("Retry-After"))
                delay = self._retry(endpoint, attempt, waited, f"HTTP {status}", retry_after)
                if delay is not None:
                    waited += delay
                    attempt += 1
                    continue
                error_class = ChorusRateLimitError if status == 429 else ChorusTransientError
                raise error_class(
                    self._message(payload, response, status)
                    or f"PISTE token endpoint answered HTTP {status}",
                    http_status=status, endpoint=endpoint, payload=payload,
                    retry_after=retry_after,
                )
            if status != 200:
                raise ChorusAuthError(
                    self._message(payload, response, status)
                    or f"PISTE refused the token request (HTTP {status})",
                    http_status=status, endpoint=endpoint, payload=payload,
                )
            token = payload.get("access_token") if isinstance(payload, dict) else None
            if not token:
                raise ChorusAuthError("PISTE answered without access_token", http_status=status,
                                      endpoint=endpoint, payload=payload)
            try:
                expires_in = float(payload.get("expires_in") or 3600)
            except (TypeError, ValueError):
                expires_in = 3600.0
            return token, expires_in

    # ------------------------------------------------------------------
    # API calls
    # ------------------------------------------------------------------
    def _headers(self, token, with_body=True):
        account = base64.b64encode(f"{self.login}:{self.password}".encode("utf-8")).decode("ascii")
        headers = {
            "Authorization": f"Bearer {token}",
            "cpro-account": account,
            "Accept": "application/json",
        }
        if with_body:
            headers["Content-Type"] = "application/json;charset=utf-8"
        return headers

    @staticmethod
    def _json(response):
        try:
            return response.json()
        except ValueError:
            return None

    @staticmethod
    def _message(payload, response=None, status=None):
        """The error message of an answer: the Chorus ``libelle`` / OAuth
        ``error_description``, else a summary of a non-JSON body (the title of
        an HTML gateway page), prefixed by what the gateway answered."""
        if isinstance(payload, dict):
            for key in ("libelle", "error_description", "message", "error"):
                value = payload.get(key)
                if value and value != SUCCESS_LIBELLE:
                    return str(value)
        if response is not None and response.text:
            summary = _text_summary(response.text)
            if payload is None and status is not None and status >= 500:
                reason = getattr(response, "reason", None) or ""
                head = f"the gateway answered HTTP {status}" + (f" {reason}" if reason else "")
                return f"{head} (not a Chorus Pro answer): {summary}" if summary else head
            return summary or None
        return None

    def _call(self, path, body=None, *, idempotent, method="POST", search=False):
        """One API operation: token, headers, retries, error typing.

        Returns the decoded JSON answer (a dict) of a successful call. With
        ``search``, an HTTP 200 answer carrying a "no result" code
        (``NO_RESULT_CODES``) is returned as is instead of raising (see
        ``is_no_result``).
        """
        url = self.api_url + path
        data = None
        if method == "POST":
            data = json.dumps(body if body is not None else {}, ensure_ascii=False).encode("utf-8")
        attempt = 0
        waited = 0.0
        renewed = False
        while True:
            token = self._get_token()
            headers = self._headers(token, with_body=method == "POST")
            self._count(path)
            try:
                response = self.session.request(method, url, data=data, headers=headers,
                                                timeout=self.timeout)
            except _TRANSPORT_ERRORS as exc:
                reason = f"{type(exc).__name__}: {exc}"
                not_sent = _request_not_sent(exc)
                if idempotent or not_sent:
                    delay = self._retry(path, attempt, waited, type(exc).__name__)
                    if delay is not None:
                        waited += delay
                        attempt += 1
                        continue
                    raise ChorusTransientError(
                        f"no answer from Chorus Pro ({reason})", endpoint=path
                    ) from exc
                raise ChorusUncertainError(
                    f"no answer from Chorus Pro after sending the request ({reason}); "
                    "it may or may not have been processed", endpoint=path,
                ) from exc
            except requests.exceptions.RequestException as exc:
                raise ChorusError(f"request to Chorus Pro failed: {exc}", endpoint=path) from exc

            status = response.status_code
            payload = self._json(response)
            code = payload.get("codeRetour") if isinstance(payload, dict) else None
            message = self._message(payload, response, status)

            if status == 401:
                if not renewed:
                    # Token refused (e.g. expired before its announced
                    # expires_in): not processed, renew once and send again.
                    renewed = True
                    self._drop_token(token)
                    _logger.info("Chorus Pro %s: HTTP 401, renewing the PISTE token", path)
                    continue
                raise ChorusAuthError(
                    message or "authentication refused (HTTP 401)", http_status=status,
                    code_retour=code, endpoint=path, payload=payload,
                )
            if status == 429:
                # Refused by the quota gateway: never processed, even for a
                # deposit - wait as told and send again.
                retry_after = _parse_retry_after(response.headers.get("Retry-After"))
                delay = self._retry(path, attempt, waited, "HTTP 429", retry_after)
                if delay is not None:
                    waited += delay
                    attempt += 1
                    continue
                raise ChorusRateLimitError(
                    (message or "too many requests") + " (HTTP 429: not processed; send it "
                    "again later" + (f", after {retry_after:.0f} s" if retry_after else "") + ")",
                    http_status=status, code_retour=code, endpoint=path, payload=payload,
                    retry_after=retry_after,
                )
            if status >= 500:
                retry_after = _parse_retry_after(response.headers.get("Retry-After"))
                if idempotent:
                    delay = self._retry(path, attempt, waited, f"HTTP {status}", retry_after)
                    if delay is not None:
                        waited += delay
                        attempt += 1
                        continue
                    raise ChorusTransientError(
                        message or f"Chorus Pro answered HTTP {status}", http_status=status,
                        code_retour=code, endpoint=path, payload=payload, retry_after=retry_after,
                    )
                raise ChorusUncertainError(
                    (message or f"Chorus Pro answered HTTP {status}")
                    + " (the request may or may not have been processed)",
                    http_status=status, code_retour=code, endpoint=path, payload=payload,
                    retry_after=retry_after,
                )
            return self._check(path, status, payload, code, message, search=search)

    @staticmethod
    def is_no_result(payload):
        """True for a search answer carrying a "no result" code (§13)."""
        if not isinstance(payload, dict):
            return False
        return _to_int(payload.get("codeRetour")) in NO_RESULT_CODES

    @staticmethod
    def _check(path, status, payload, code, message, search=False):
        if status == 403:
            if code in (None, ""):
                # Not a Chorus answer: the PISTE gateway refused the API.
                api = _api_family(path) or "Chorus Pro"
                detail = f" ({message})" if message else ""
                raise ChorusSubscriptionError(
                    f"access refused by PISTE (HTTP 403){detail}: your PISTE application is "
                    f"probably not subscribed to the {api} API. In PISTE, open the "
                    f"application, tick the Chorus Pro {api} API of this environment "
                    "(sandbox or production), accept its terms of use and save; check "
                    "also that the API connection is declared on Chorus Pro.",
                    api=api, http_status=status, endpoint=path, payload=payload,
                )
            raise ChorusAuthError(message or "access refused (HTTP 403)", http_status=status,
                                  code_retour=code, endpoint=path, payload=payload)
        if status != 200:
            error_class = ChorusFunctionalError if 400 <= status < 500 else ChorusError
            raise error_class(message or f"Chorus Pro answered HTTP {status}", http_status=status,
                              code_retour=code, endpoint=path, payload=payload)
        if not isinstance(payload, dict):
            raise ChorusError(f"unexpected answer (not a JSON object): {message}",
                              http_status=status, endpoint=path, payload=payload)
        if code not in (None, 0):
            code_int = _to_int(code)
            if code_int != 0:
                if search and code_int in NO_RESULT_CODES:
                    return payload
                raise ChorusFunctionalError(message or f"codeRetour {code}", http_status=status,
                                            code_retour=code_int if code_int is not None else code,
                                            endpoint=path, payload=payload)
        return payload

    def _paginate(self, path, body, list_key, block_key, *, size_key="nbResultatsParPage",
                  page_key="pageResultatDemandee"):
        """Loop the pages of a search (1-based) and return all the items.

        Paging is read from ``parametresRetour`` or from the top level
        (``pages``, ``total``, ``pageCourante``). The loop ends after the
        announced ``pages`` (and ``total`` items), on a "no result" code, or -
        when the answer says nothing of its pages - on an empty page. Raises
        ``ChorusIncompleteResultError`` instead of returning a partial list:
        an empty page or a "no result" before the announced pages or total,
        the same page served again (page number ignored), or ``max_pages``.
        """
        items = []
        page = 1
        previous = None
        announced_pages = announced_total = None

        def incomplete(reason):
            raise ChorusIncompleteResultError(
                f"could not read every page of the search: {reason}; {len(items)} item(s) "
                "read, the result is incomplete", items=items, endpoint=path)

        while True:
            request = dict(body or {})
            block = dict(request.get(block_key) or {})
            block.setdefault(size_key, self.page_size)
            block[page_key] = page
            request[block_key] = block
            payload = self._call(path, request, idempotent=True, search=True)
            no_result = self.is_no_result(payload)
            chunk = [] if no_result else as_list(payload.get(list_key))
            pages, total, _current = _paging_info(payload)
            if pages is not None and pages < 1 and chunk:
                pages = None  # "0 pages" with items: the count says nothing
            if not no_result:
                announced_pages = pages if pages is not None else announced_pages
                announced_total = total if total is not None else announced_total
            if not chunk:
                if (announced_pages is not None and page <= announced_pages
                        and (page > 1 or announced_pages > 1)):
                    incomplete(f"page {page} of {announced_pages} came back empty")
                if announced_total is not None and len(items) < announced_total:
                    incomplete(f"{announced_total} item(s) announced")
                break
            if previous is not None and chunk == previous:
                if (announced_pages is None and announced_total is None
                        and len(previous) < (_to_int(block[size_key]) or self.page_size)):
                    # No paging information, the page number ignored, and a
                    # page shorter than asked: that page was everything.
                    break
                incomplete(f"page {page} repeats page {page - 1} (page number ignored?)")
            items.extend(chunk)
            if pages is not None and page >= pages:
                if total is not None and len(items) < total:
                    incomplete(f"{total} item(s) announced in {pages} page(s)")
                break
            if pages is None and total is not None and len(items) >= total:
                break
            if page >= self.max_pages:
                incomplete(f"stopped at the limit of {self.max_pages} pages")
            previous = chunk
            page += 1
        return items

    # ------------------------------------------------------------------
    # Connection
    # ------------------------------------------------------------------
    def health_check(self):
        """``GET transverses/v1/health-check``: the answer dict (no codeRetour)."""
        return self._call(P_HEALTH, method="GET", idempotent=True)

    def my_structures(self):
        """Structures of the technical account (``rattachements``), all pages."""
        return self._paginate(P_MY_STRUCTURES, {}, "listeStructureRattachement",
                              "parametresRecherche")

    def test_connection(self):
        """Fetch a token and the account's structures; return those structures.

        Needs the Utilisateurs API. Raises ``ChorusAuthError`` for bad PISTE
        credentials or a refused technical account, ``ChorusSubscriptionError``
        when the PISTE application is not subscribed to that API. See
        ``test_connection_light`` for a test needing only the Transverses API.
        """
        self._get_token()
        return self.my_structures()

    def test_connection_light(self, language="FR"):
        """Connection test needing only the Transverses API (as Pastell does
        with ``recuperer/tauxtva``): PISTE token, then one Transverses call
        carrying the technical account. Returns the VAT rates list.

        Raises ``ChorusAuthError`` (PISTE credentials or technical account
        refused) or ``ChorusSubscriptionError`` (``api == "Transverses"``).
        """
        self._get_token()
        return self.vat_rates(language)

    def vat_rates(self, language="FR"):
        """``transverses/v1/recuperer/tauxtva``: the VAT rates Chorus Pro
        accepts, a list of ``{"codeTauxTva", "libelleTauxTva",
        "valeurTauxTva"}`` dicts. ``language``: ``FR`` or ``EN`` (None sends
        an empty body, as Pastell does)."""
        body = {"codeLangue": language} if language else {}
        answer = self._call(P_VAT_RATES, body, idempotent=True)
        return as_list(answer.get("listeTauxTva"))

    def currencies(self, language="FR"):
        """``transverses/v1/recuperer/devises``: a list of ``{"codeDevise",
        "libelleDevise"}`` dicts."""
        body = {"codeLangue": language} if language else {}
        answer = self._call(P_CURRENCIES, body, idempotent=True)
        return as_list(answer.get("listeDevises"))

    def siret_information(self, siret):
        """``transverses/v1/consulter/information/siret`` (``siretStructure``):
        the INSEE data Chorus Pro holds on a SIRET, the answer dict."""
        siret = normalize_siret(siret)
        if not siret:
            raise ValueError("a SIRET is required")
        return self._call(P_SIRET_INFO, {"siretStructure": siret}, idempotent=True)

    def check_subscriptions(self, apis=None):
        """Probe each PISTE API family with one cheap read-only call and tell
        which ones the PISTE application may not use.

        ``apis``: family names among ``Transverses``, ``Factures``,
        ``Structures``, ``Utilisateurs``, ``EngagementsJuridiques`` (default:
        all five). Returns ``{family: None}`` for a usable API and
        ``{family: message}`` for one PISTE refused (``ChorusSubscriptionError``).
        Any other Chorus answer, even a functional error, proves the gateway
        let the call through. Authentication and transport errors are raised.
        """
        probes = {
            "Transverses": lambda: self.vat_rates(),
            "Factures": lambda: self._call(
                P_SEARCH_INVOICES,
                {"numeroFacture": "CONNECTION-TEST",
                 "rechercheFactureParFournisseur": {"nbResultatsParPage": 1,
                                                    "pageResultatDemandee": 1}},
                idempotent=True, search=True),
            "Structures": lambda: self._call(
                P_SEARCH_STRUCTURE,
                {"structure": {"identifiantStructure": "00000000000000",
                               "typeIdentifiantStructure": "SIRET"},
                 "parametres": {"nbResultatsParPage": 1, "pageResultatDemandee": 1}},
                idempotent=True, search=True),
            "Utilisateurs": lambda: self._call(
                P_MY_STRUCTURES,
                {"parametresRecherche": {"nbResultatsParPage": 1, "pageResultatDemandee": 1}},
                idempotent=True, search=True),
            "EngagementsJuridiques": lambda: self._call(
                P_SEARCH_ENGAGEMENT,
                {"numeroEngagementJuridique": "CONNECTION-TEST",
                 "parametresRecherche": {"nbResultatsParPage": 1, "pageResultatDemandee": 1}},
                idempotent=True, search=True),
        }
        wanted = list(apis) if apis else list(probes)
        unknown = [name for name in wanted if name not in probes]
        if unknown:
            raise ValueError(f"unknown PISTE API family: {', '.join(unknown)}")
        self._get_token()
        result = {}
        for name in wanted:
            try:
                probes[name]()
            except ChorusSubscriptionError as error:
                result[name] = str(error)
            except ChorusFunctionalError:
                result[name] = None  # the gateway let it through
            else:
                result[name] = None
        return result

    # ------------------------------------------------------------------
    # Directory (structures, services, engagements)
    # ------------------------------------------------------------------
    def search_structure(self, siret):
        """The structure with this SIRET (``rechercher``) or None.

        Returns the ``listeStructures`` item: ``idStructureCPP``,
        ``identifiantStructure`` (normalised to a 14-digit string),
        ``designationStructure``, ``typeIdentifiantStructure``, ``statut``.
        """
        siret = normalize_siret(siret)
        if not siret:
            raise ValueError("a SIRET is required")
        body = {"structure": {"identifiantStructure": siret, "typeIdentifiantStructure": "SIRET"}}
        found = self._paginate(P_SEARCH_STRUCTURE, body, "listeStructures", "parametres")
        matches = []
        for item in found:
            if not isinstance(item, dict):
                continue
            item = dict(item)
            item["identifiantStructure"] = normalize_siret(item.get("identifiantStructure"))
            if item["identifiantStructure"] == siret:
                matches.append(item)
        if not matches:
            return None
        matches.sort(key=lambda s: s.get("statut") != "ACTIVE")  # active first
        return matches[0]

    def get_structure(self, id_structure_cpp):
        """``consulter``: ``informationGenerales``, ``adressePostaleDuSiege``,
        ``parametres`` (the whole answer dict)."""
        return self._call(P_GET_STRUCTURE, {"idStructureCPP": int(id_structure_cpp)},
                          idempotent=True)

    def search_services(self, id_structure_cpp):
        """Services of a structure (``rechercher/services``), all pages."""
        return self._paginate(P_SEARCH_SERVICES, {"idStructure": int(id_structure_cpp)},
                              "listeServices", "parametresRechercherServicesStructure")

    def get_service(self, id_structure_cpp, id_service):
        """``consulter/service``: ``informationsGenerales``, ``adressePostale``,
        ``parametres`` (the whole answer dict)."""
        return self._call(P_GET_SERVICE, {"idStructure": int(id_structure_cpp),
                                          "idService": int(id_service)}, idempotent=True)

    def get_service_entry(self, id_structure_cpp, id_service, listed=None):
        """One service's routing data from ``consulter/service`` (one call),
        for on-demand reads after a ``service_details=False`` directory read.

        ``listed``: the service's item of ``rechercher/services`` or of a
        directory entry, if known (code, name, activity are taken from it).
        Returns the service dict of ``get_directory_entry`` with
        ``details_loaded`` True and ``engagement_required`` from the service's
        ``parametres.numeroEngagement``.
        """
        detail = self.get_service(id_structure_cpp, id_service)
        base = dict(listed or {})
        if "codeService" not in base:  # a directory entry's service dict
            base = {
                "idService": base.get("idService", id_service),
                "codeService": base.get("code"),
                "libelleService": base.get("name"),
                "estActif": base.get("active", True),
            }
        base.setdefault("idService", id_service)
        return self._service_entry(base, detail)

    @staticmethod
    def _service_entry(svc, detail=None):
        detail = detail or {}
        sparams = detail.get("parametres") or {}
        sinfos = detail.get("informationsGenerales") or {}
        code = svc.get("codeService") or sinfos.get("codeService")
        if "estActif" in svc and svc.get("estActif") is not None:
            active = _bool(svc.get("estActif"))
        else:
            active = svc.get("statutService", "ACTIF") == "ACTIF"
        return {
            "idService": _to_int(svc.get("idService")),
            "code": code,
            "name": svc.get("libelleService") or sinfos.get("nomService") or code,
            "active": active,
            "date_start": _safe_date(svc.get("dateDbtService") or sparams.get("dateDebutValidite")),
            "date_end": _safe_date(svc.get("dateFinService") or sparams.get("dateFinValidite")),
            # None: unknown until consulter/service is read (details_loaded False).
            "engagement_required": _bool(sparams.get("numeroEngagement")) if detail else None,
            "details_loaded": bool(detail),
        }

    def get_directory_entry(self, siret, service_details=True):
        """Everything needed to route invoices to a recipient, or None if unknown.

        Calls rechercher, consulter, rechercher/services (all pages) and, with
        ``service_details`` (the default), consulter/service for each service.
        With ``service_details=False`` the read costs a bounded number of
        calls - 2 + the pages of the services listing (a 218-service structure:
        2 + 22 pages of 10) - and each service's details are read on demand
        with ``get_service_entry`` (one call per service). Returns::

            {"idStructureCPP": int, "siret": str, "name": str, "active": bool,
             "public": bool, "service_required": bool, "engagement_required": bool,
             "engagement_or_service": bool, "payment_status_not_reported": bool,
             "services": [{"idService": int, "code": str, "name": str,
                           "active": bool, "date_start": date|None,
                           "date_end": date|None,
                           "engagement_required": bool|None,
                           "details_loaded": bool}]}

        ``engagement_required`` of a service is None when its details were not
        read. The ``FACTURES_PUBLIQUES`` service is left out (intra-public
        only). Raises ``ChorusIncompleteResultError`` when the services
        listing cannot be read to its end.
        """
        structure = self.search_structure(siret)
        if structure is None:
            return None
        id_structure = int(structure["idStructureCPP"])
        detail = self.get_structure(id_structure)
        params = detail.get("parametres") or {}
        infos = detail.get("informationGenerales") or detail.get("informationsGenerales") or {}
        services = []
        for svc in self.search_services(id_structure):
            if not isinstance(svc, dict):
                continue
            code = svc.get("codeService")
            if not code or code == FACTURES_PUBLIQUES:
                continue
            service_detail = None
            if service_details:
                service_detail = self.get_service(id_structure, svc["idService"])
            services.append(self._service_entry(svc, service_detail))
        return {
            "idStructureCPP": id_structure,
            "siret": structure["identifiantStructure"],
            "name": structure.get("designationStructure") or infos.get("raisonSocialeStructure")
            or infos.get("libelleStructure") or "",
            "active": structure.get("statut", "ACTIVE") == "ACTIVE",
            "public": infos.get("structurePriveePublique") == "PUBLIQUE",
            "service_required": _bool(params.get("codeServiceDoitEtreRenseigne")),
            "engagement_required": _bool(params.get("numeroEJDoitEtreRenseigne")),
            "engagement_or_service": _bool(params.get("gestionNumeroEJOuCodeService")),
            "payment_status_not_reported": _bool(params.get("statutMiseEnPaiementNestPasRemonte")),
            "services": services,
        }

    def search_engagement(self, numero, id_structure_cpp):
        """Legal commitments (EJ) numbered ``numero`` received by the supplier
        structure ``id_structure_cpp``; all pages, list of dicts."""
        body = {
            "numeroEngagementJuridique": str(numero).strip(),
            "structureReceptriceEngagementJuridique": str(id_structure_cpp),
        }
        return self._paginate(P_SEARCH_ENGAGEMENT, body, "listeEngagementJuridique",
                              "parametresRecherche")

    # ------------------------------------------------------------------
    # Deposit and flow reports
    # ------------------------------------------------------------------
    def deposit_flow(self, file_bytes, filename, syntax=SYNTAX_FACTURX):
        """``deposer/flux`` (NOT idempotent, never retried once sent).

        Returns the answer dict: ``numeroFluxDepot``, ``dateDepot``,
        ``syntaxeFlux``, ``codeRetour``, ``libelle``. Raises
        ``ChorusUncertainError`` when the outcome is unknown.
        """
        if not file_bytes:
            raise ValueError("the flow file is empty")
        if not filename:
            raise ValueError("a file name with its extension is required")
        body = {
            "fichierFlux": base64.b64encode(bytes(file_bytes)).decode("ascii"),
            "nomFichier": filename,
            "syntaxeFlux": syntax,
            "avecSignature": False,
        }
        answer = self._call(P_DEPOSIT, body, idempotent=False)
        if not answer.get("numeroFluxDepot"):
            raise ChorusUncertainError(
                "the deposit was accepted without a flow number", http_status=200,
                code_retour=answer.get("codeRetour"), endpoint=P_DEPOSIT, payload=answer,
            )
        return answer

    def deposit_pdf(self, content, filename):
        """``factures/v1/deposer/pdf`` with ``formatDepot`` ``PDF_NON_SIGNE``:
        upload the invoice PDF of a ``DEPOT_PDF_API`` submission and return
        its attachment id (``pieceJointeId``, an int when numeric), to pass
        to ``submit_invoice`` as ``pieceJointePrincipaleId``.

        NOT idempotent (never retried once sent; a 429 or a 401 is re-sent):
        an uncertain outcome raises ``ChorusUncertainError``. Depositing the
        PDF does not deposit an invoice: only ``submit_invoice`` does, so an
        unconfirmed PDF deposit may simply be made again. The whole answer
        (Chorus Pro also returns the data it read from the PDF) is kept in
        ``last_pdf_deposit``.
        """
        if not content:
            raise ValueError("the PDF is empty")
        if not filename:
            raise ValueError("a file name with its extension is required")
        body = {
            "fichierFacture": base64.b64encode(bytes(content)).decode("ascii"),
            "nomFichier": filename,
            "formatDepot": FORMAT_PDF_NON_SIGNE,
        }
        answer = self._call(P_DEPOSIT_PDF, body, idempotent=False)
        self.last_pdf_deposit = answer
        attachment_id = answer.get("pieceJointeId")
        if attachment_id in (None, ""):
            raise ChorusUncertainError("the PDF deposit was accepted without pieceJointeId",
                                       http_status=200, code_retour=answer.get("codeRetour"),
                                       endpoint=P_DEPOSIT_PDF, payload=answer)
        return _to_int(attachment_id) if _to_int(attachment_id) is not None else attachment_id

    def submit_invoice(self, payload):
        """``factures/v1/soumettre``: submit an invoice as structured data
        (§5.7) - the degraded mode when a Factur-X flow is refused: the PDF
        from ``deposit_pdf`` in ``pieceJointePrincipale`` plus the invoice
        data. ``modeDepot`` defaults to ``DEPOT_PDF_API``; the payload is
        otherwise sent as given (``numeroFactureSaisi``, ``dateFacture``,
        ``destinataire``, ``fournisseur``, ``cadreDeFacturation``,
        ``references``, ``lignePoste``, ``ligneTva``, ``montantTotal``,
        ``pieceJointePrincipale``...).

        NOT idempotent, like a deposit: never re-sent once it may have been
        processed (``ChorusUncertainError``: search the invoice number before
        submitting again); a 429 is waited for and re-sent. Returns the answer
        dict (``identifiantFactureCPP``, ``numeroFacture``, ``statutFacture``,
        ``dateDepot``...).
        """
        if not isinstance(payload, dict):
            raise ValueError("the submission must be a dict")
        body = dict(payload)
        body.setdefault("modeDepot", MODE_DEPOT_PDF_API)
        if not body.get("numeroFactureSaisi"):
            raise ValueError("numeroFactureSaisi (the invoice number) is required")
        answer = self._call(P_SUBMIT, body, idempotent=False)
        if answer.get("identifiantFactureCPP") in (None, ""):
            raise ChorusUncertainError(
                "the submission was accepted without identifiantFactureCPP", http_status=200,
                code_retour=answer.get("codeRetour"), endpoint=P_SUBMIT, payload=answer,
            )
        return answer

    def flow_report(self, numero_flux):
        """``consulterCRDetaille``: the answer dict, with ``listeErreurDP`` and
        ``listeErreurTechnique`` always lists. The status is
        ``etatCourantDepotFlux`` (see ``FLOW_TERMINAL_STATUSES``)."""
        report = self._call(P_FLOW_REPORT, {"numeroFluxDepot": numero_flux}, idempotent=True)
        report["listeErreurDP"] = as_list(report.get("listeErreurDP"))
        report["listeErreurTechnique"] = as_list(report.get("listeErreurTechnique"))
        return report

    def flow_report_pdf(self, numero_flux):
        """``consulterCR``: the decoded ``fichierCR`` PDF bytes, or None."""
        report = self._call(P_FLOW_REPORT_PDF, {"numeroFluxDepot": numero_flux}, idempotent=True)
        content = report.get("fichierCR")
        if not content:
            return None
        try:
            return base64.b64decode(content)
        except (binascii.Error, ValueError):
            _logger.warning("Chorus Pro: fichierCR of flow %s is not base64", numero_flux)
            return None

    # ------------------------------------------------------------------
    # Invoices
    # ------------------------------------------------------------------
    def search_invoices(self, **criteria):
        """``rechercher/fournisseur`` with the given criteria (passed through,
        e.g. ``numeroFluxDepot``, ``numeroFacture``, ``statutCourant``,
        ``periodeDateHeureEtatCourantDu``); all pages; list of invoice dicts."""
        body = {k: v for k, v in criteria.items() if v is not None}
        return self._paginate(P_SEARCH_INVOICES, body, "listeFactures",
                              "rechercheFactureParFournisseur")

    def invoice_history(self, id_facture):
        """``consulter/historique``: the answer dict (``statutCourantCode``,
        ``historiquesDesStatuts.histoStatut`` as a full list, oldest first
        as sent by Chorus Pro)."""
        id_facture = int(id_facture)
        page_size = 100
        answer = None
        statuses = []
        previous = None
        page = 1
        while True:
            body = {
                "idFacture": id_facture,
                "paramRechercheHistoStatuts": {
                    "nbResultatsParPageListeHistoStatut": page_size,
                    "pageResultatDemandeeListeHistoStatut": page,
                },
            }
            payload = self._call(P_INVOICE_HISTORY, body, idempotent=True)
            if answer is None:
                answer = payload
            block = payload.get("historiquesDesStatuts") or {}
            chunk = as_list(block.get("histoStatut"))
            if not chunk or chunk == previous:  # end, or the page number ignored
                break
            statuses.extend(chunk)
            pages = _to_int(block.get("pagesHistoStatut"))
            if pages is not None and page >= pages:
                break
            if pages is None and len(chunk) < page_size:  # no paging info: a short page ends
                break
            if page >= self.max_pages:
                break
            previous = chunk
            page += 1
        block = dict(answer.get("historiquesDesStatuts") or {})
        block["histoStatut"] = statuses
        answer["historiquesDesStatuts"] = block
        return answer

    def invoice_detail(self, id_facture):
        """``consulter/fournisseur``: the ``facture`` dict."""
        answer = self._call(P_INVOICE_DETAIL, {"identifiantFactureCPP": int(id_facture)},
                            idempotent=True)
        return answer.get("facture") or {}

    def download_invoices(self, ids, fmt="PDF", with_attachments=False):
        """``telecharger/groupe``: decoded ``fichierResultat`` bytes (a PDF for
        one invoice in PDF, a zip for several)."""
        ids = [int(i) for i in ids]
        if not ids:
            raise ValueError("no invoice to download")
        body = {
            "listeFacture": [{"idFacture": i} for i in ids],
            "format": fmt,
            "avecPiecesJointesComplementaires": bool(with_attachments),
        }
        answer = self._call(P_DOWNLOAD, body, idempotent=True)
        content = answer.get("fichierResultat")
        return base64.b64decode(content) if content else b""

    # ------------------------------------------------------------------
    # Supplier actions (not idempotent)
    # ------------------------------------------------------------------
    @staticmethod
    def check_attachment(filename, data):
        """Raise ``ChorusAttachmentError`` if Chorus Pro would refuse the file
        (§6.2): name over 50 characters, extension not allowed, empty or over
        10 MB. Returns the upper-case extension."""
        name = filename or ""
        if not name.strip():
            raise ChorusAttachmentError("the attachment needs a file name", endpoint=P_UPLOAD)
        if len(name) > MAX_ATTACHMENT_NAME:
            raise ChorusAttachmentError(
                f"attachment name '{name}' has {len(name)} characters; Chorus Pro accepts "
                f"at most {MAX_ATTACHMENT_NAME} (extension included)", endpoint=P_UPLOAD,
            )
        extension = name.rsplit(".", 1)[-1].upper() if "." in name else ""
        if extension not in ALLOWED_ATTACHMENT_EXTENSIONS:
            raise ChorusAttachmentError(
                f"attachment '{name}': extension '{extension or '(none)'}' is not accepted "
                "by Chorus Pro", endpoint=P_UPLOAD,
            )
        size = len(data or b"")
        if not size:
            raise ChorusAttachmentError(f"attachment '{name}' is empty", endpoint=P_UPLOAD)
        if size > MAX_ATTACHMENT_SIZE:
            raise ChorusAttachmentError(
                f"attachment '{name}' is {size} bytes; Chorus Pro accepts at most "
                f"{MAX_ATTACHMENT_SIZE} bytes (10 MB)", endpoint=P_UPLOAD,
            )
        return extension

    def upload_attachment(self, filename, data, mimetype=None):
        """``ajouter/fichier`` (NOT idempotent): returns ``pieceJointeId``.

        Checked locally first (``check_attachment``)."""
        extension = self.check_attachment(filename, data)
        mimetype = mimetype or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        if len(mimetype) > MAX_MIMETYPE_LENGTH:
            raise ChorusAttachmentError("MIME type over 255 characters", endpoint=P_UPLOAD)
        body = {
            "pieceJointeFichier": base64.b64encode(bytes(data)).decode("ascii"),
            "pieceJointeNom": filename,
            "pieceJointeTypeMime": mimetype,
            "pieceJointeExtension": extension,
        }
        answer = self._call(P_UPLOAD, body, idempotent=False)
        attachment_id = answer.get("pieceJointeId")
        if attachment_id in (None, ""):
            raise ChorusUncertainError("the upload was accepted without pieceJointeId",
                                       http_status=200, endpoint=P_UPLOAD, payload=answer)
        return _to_int(attachment_id) if _to_int(attachment_id) is not None else attachment_id

    def complete_invoice(self, id_facture, comment, attachment_ids=()):
        """``completer`` a ``SUSPENDUE`` invoice (NOT idempotent).

        ``attachment_ids``: ``pieceJointeId`` values from ``upload_attachment``
        (or ready-made ``pieceJointeComplementaire`` dicts). Returns the
        answer dict (``identifiantFactureCPP``, ``numeroFacture``,
        ``dateTraitement``)."""
        pieces = []
        for item in attachment_ids or ():
            if isinstance(item, dict):
                pieces.append(dict(item))
            else:
                pieces.append({"pieceJointeComplementaireId": int(item)})
        body = {"identifiantFactureCPP": int(id_facture)}
        if comment:
            body["commentaire"] = comment
        if pieces:
            body["pieceJointeComplementaire"] = pieces
        return self._call(P_COMPLETE, body, idempotent=False)

    def recycle_invoice(self, id_facture, siret, service_code=None, comment=None,
                        engagement=None):
        """``recycler`` an ``A_RECYCLER`` invoice to a new recipient / service
        (NOT idempotent). ``engagement`` (optional) is sent as
        ``reference.numeroBonCommande`` (key name unconfirmed, §5.10).
        Returns the answer dict (``statutFacture`` is ``DEPOSEE``)."""
        destinataire = {"codeDestinataire": normalize_siret(siret)}
        if service_code:
            destinataire["codeServiceExecutant"] = service_code
        body = {"identifiantFactureCPP": int(id_facture), "destinataire": destinataire}
        if comment:
            body["commentaire"] = comment
        if engagement:
            body["reference"] = {"numeroBonCommande": engagement}
        return self._call(P_RECYCLE, body, idempotent=False)
