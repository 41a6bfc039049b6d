"""Pure-Python client of the Chorus Pro API behind PISTE (no Odoo import).

``endpoints`` (platforms, codes, API paths), ``statuses`` (flow and invoice statuses,
billing frames), ``errors`` (exceptions), ``values`` (dates, lists, SIRET as Chorus Pro
answers them), ``transport`` (token, retries, ``Retry-After``, paging), ``api``
(``ChorusClient``: one method per API call) and ``works`` (works documents read into
dicts). The public names are re-exported here.
"""

from .api import ChorusClient
from .endpoints import *
from .errors import (
    ChorusAttachmentError,
    ChorusAuthError,
    ChorusError,
    ChorusFunctionalError,
    ChorusIncompleteResultError,
    ChorusRateLimitError,
    ChorusSubscriptionError,
    ChorusTransientError,
    ChorusUncertainError,
)
from .statuses import *
from .transport import TOKEN_SAFETY_MARGIN, ChorusTransport, clear_token_cache
from .values import as_list, normalize_siret, parse_chorus_date, parse_chorus_datetime, postal_address
from .works import made_available_to_moe, works_document

__all__ = [  # besides the catalogues of endpoints and statuses (star imports)
    "TOKEN_SAFETY_MARGIN",
    "ChorusAttachmentError",
    "ChorusAuthError",
    "ChorusClient",
    "ChorusError",
    "ChorusFunctionalError",
    "ChorusIncompleteResultError",
    "ChorusRateLimitError",
    "ChorusSubscriptionError",
    "ChorusTransientError",
    "ChorusTransport",
    "ChorusUncertainError",
    "as_list",
    "clear_token_cache",
    "normalize_siret",
    "postal_address",
    "parse_chorus_date",
    "parse_chorus_datetime",
    "made_available_to_moe",
    "works_document",
]
