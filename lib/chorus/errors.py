"""Exceptions of the Chorus Pro client (no Odoo import)."""


class ChorusError(Exception):
    """Base error of the Chorus Pro client.

    Attributes: ``http_status`` (int or None when no answer), ``code_retour``
    (Chorus ``codeRetour`` or None), ``libelle`` (Chorus message, OAuth
    ``error_description``, or a description of the transport problem),
    ``endpoint`` (API path, or the token URL path), ``payload`` (decoded JSON
    answer, if any), ``retry_after`` (seconds, from ``Retry-After``, if any).
    """

    def __init__(
        self,
        libelle=None,
        *,
        http_status=None,
        code_retour=None,
        endpoint=None,
        payload=None,
        retry_after=None,
    ):
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
