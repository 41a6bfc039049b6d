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
import contextlib
import datetime
import email.utils
import html
import json
import logging
import re
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

import requests
import urllib3

from .endpoints import API_FAMILIES, NO_RESULT_CODES, SUCCESS_LIBELLE
from .errors import (
    ChorusAuthError,
    ChorusError,
    ChorusFunctionalError,
    ChorusIncompleteResultError,
    ChorusRateLimitError,
    ChorusSubscriptionError,
    ChorusTransientError,
    ChorusUncertainError,
)
from .values import _to_int, as_list

_logger = logging.getLogger(__name__)


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
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, (when - datetime.datetime.now(datetime.UTC)).total_seconds())


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


class ChorusTransport:
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

    def __init__(
        self,
        api_url,
        token_url,
        client_id,
        client_secret,
        login,
        password,
        timeout=30.0,
        max_retries=3,
        backoff=0.5,
        page_size=10,
        session=None,
        max_total_wait=120.0,
        max_retry_after=None,
    ):
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
        return cls(
            environment.api_url, environment.token_url, client_id, client_secret, login, password, **kwargs
        )

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
        return min(self.backoff * (2**attempt), self.max_backoff)

    def _retry(self, endpoint, attempt, waited, reason, retry_after=None):
        """Wait before attempt ``attempt + 1`` if the retries and the waiting
        budget allow it; return the seconds waited, or None (give up)."""
        if attempt >= self.max_retries:
            return None
        delay = self._delay(attempt, retry_after)
        if waited + delay > self.max_total_wait:
            _logger.info(
                "Chorus Pro %s: %s, a wait of %.2f s would exceed the %.0f s budget",
                endpoint,
                reason,
                delay,
                self.max_total_wait,
            )
            return None
        with self._stats_lock:
            self.retries.append(
                {"endpoint": endpoint, "attempt": attempt + 1, "reason": reason, "delay": delay}
            )
        _logger.info(
            "Chorus Pro %s: %s, retry %d/%d in %.2f s", endpoint, reason, attempt + 1, self.max_retries, delay
        )
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
                    self.token_url,
                    data=form,
                    timeout=self.timeout,
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
                    http_status=status,
                    endpoint=endpoint,
                    payload=payload,
                    retry_after=retry_after,
                )
            if status != 200:
                raise ChorusAuthError(
                    self._message(payload, response, status)
                    or f"PISTE refused the token request (HTTP {status})",
                    http_status=status,
                    endpoint=endpoint,
                    payload=payload,
                )
            token = payload.get("access_token") if isinstance(payload, dict) else None
            if not token:
                raise ChorusAuthError(
                    "PISTE answered without access_token",
                    http_status=status,
                    endpoint=endpoint,
                    payload=payload,
                )
            try:
                expires_in = float(payload.get("expires_in") or 3600)
            except (TypeError, ValueError):
                expires_in = 3600.0
            return token, expires_in

    # ------------------------------------------------------------------
    # API calls
    # ------------------------------------------------------------------
    def _headers(self, token, with_body=True):
        account = base64.b64encode(f"{self.login}:{self.password}".encode()).decode("ascii")
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
                response = self.session.request(method, url, data=data, headers=headers, timeout=self.timeout)
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
                    "it may or may not have been processed",
                    endpoint=path,
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
                    message or "authentication refused (HTTP 401)",
                    http_status=status,
                    code_retour=code,
                    endpoint=path,
                    payload=payload,
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
                    http_status=status,
                    code_retour=code,
                    endpoint=path,
                    payload=payload,
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
                        message or f"Chorus Pro answered HTTP {status}",
                        http_status=status,
                        code_retour=code,
                        endpoint=path,
                        payload=payload,
                        retry_after=retry_after,
                    )
                raise ChorusUncertainError(
                    (message or f"Chorus Pro answered HTTP {status}")
                    + " (the request may or may not have been processed)",
                    http_status=status,
                    code_retour=code,
                    endpoint=path,
                    payload=payload,
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
                    api=api,
                    http_status=status,
                    endpoint=path,
                    payload=payload,
                )
            raise ChorusAuthError(
                message or "access refused (HTTP 403)",
                http_status=status,
                code_retour=code,
                endpoint=path,
                payload=payload,
            )
        if status != 200:
            error_class = ChorusFunctionalError if 400 <= status < 500 else ChorusError
            raise error_class(
                message or f"Chorus Pro answered HTTP {status}",
                http_status=status,
                code_retour=code,
                endpoint=path,
                payload=payload,
            )
        if not isinstance(payload, dict):
            raise ChorusError(
                f"unexpected answer (not a JSON object): {message}",
                http_status=status,
                endpoint=path,
                payload=payload,
            )
        if code not in (None, 0):
            code_int = _to_int(code)
            if code_int != 0:
                if search and code_int in NO_RESULT_CODES:
                    return payload
                raise ChorusFunctionalError(
                    message or f"codeRetour {code}",
                    http_status=status,
                    code_retour=code_int if code_int is not None else code,
                    endpoint=path,
                    payload=payload,
                )
        return payload

    def _paginate(
        self,
        path,
        body,
        list_key,
        block_key,
        *,
        size_key="nbResultatsParPage",
        page_key="pageResultatDemandee",
    ):
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
                "read, the result is incomplete",
                items=items,
                endpoint=path,
            )

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
                if (
                    announced_pages is not None
                    and page <= announced_pages
                    and (page > 1 or announced_pages > 1)
                ):
                    incomplete(f"page {page} of {announced_pages} came back empty")
                if announced_total is not None and len(items) < announced_total:
                    incomplete(f"{announced_total} item(s) announced")
                break
            if previous is not None and chunk == previous:
                if (
                    announced_pages is None
                    and announced_total is None
                    and len(previous) < (_to_int(block[size_key]) or self.page_size)
                ):
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
