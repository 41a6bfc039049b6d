"""Small helpers: clock and date formats, pagination, parameter reading."""

import base64
import binascii
import datetime
import math
import re

from . import constants as C
from .errors import ApiError

try:  # pragma: no cover - depends on the system tz database
    from zoneinfo import ZoneInfo

    PARIS = ZoneInfo("Europe/Paris")
except Exception:  # pragma: no cover
    PARIS = datetime.timezone(datetime.timedelta(hours=1))


def now():
    """Current time, Paris time zone (Chorus Pro answers with +01:00 / +02:00)."""
    return datetime.datetime.now(PARIS)


def today():
    """Chorus Pro's today: the date in Paris (a day ahead of UTC's from 23:00 or 22:00 UTC)."""
    return now().date()


def iso(dt):
    """``2018-02-16T15:10:25.536+01:00`` (flow reports, invoice state times)."""
    if dt is None:
        return None
    if isinstance(dt, str):
        dt = parse_iso(dt)
    return dt.isoformat(timespec="milliseconds")


def minute(dt):
    """``2016-10-25 17:42`` (services, recycling answers)."""
    if isinstance(dt, str):
        dt = parse_iso(dt)
    return dt.strftime("%Y-%m-%d %H:%M")


def day(dt):
    if isinstance(dt, str):
        dt = parse_iso(dt)
    return dt.strftime("%Y-%m-%d")


def parse_iso(value):
    dt = datetime.datetime.fromisoformat(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=PARIS)
    return dt


DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_filter_date(value, field, end=False):
    """Parse a search criterion: ``YYYY-MM-DD`` (whole day) or an ISO date-time."""
    if not isinstance(value, str):
        raise ApiError(C.CODE_BAD_DATE, f"Le parametre {field} doit etre une date au format AAAA-MM-JJ.")
    try:
        if DATE_RE.match(value):
            d = datetime.date.fromisoformat(value)
            t = datetime.time.max if end else datetime.time.min
            return datetime.datetime.combine(d, t, tzinfo=PARIS)
        return parse_iso(value.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(
            C.CODE_BAD_DATE,
            f"Le parametre {field} ({value}) n'est pas une date valide (format attendu AAAA-MM-JJ).",
        ) from None


def b64decode_strict(value, field, code=C.CODE_BAD_BASE64):
    if not isinstance(value, str):
        raise ApiError(
            C.CODE_MISSING_FIELD,
            f"Le parametre {field} est obligatoire et doit etre une chaine encodee en base64.",
        )
    cleaned = re.sub(r"[\r\n\t ]", "", value)
    try:
        return base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(code, f"Le contenu du parametre {field} n'est pas encode en base64 valide.") from None


def b64(data):
    return base64.b64encode(data).decode("ascii")


def is_empty(value):
    """Criteria sent with zero values (``0``, ``""``, ``[]``, ``null``) are ignored."""
    return (
        value is None
        or value == ""
        or value == []
        or value == {}
        or (value == 0 and not isinstance(value, bool))
    )


def get_int(body, field, required=True):
    value = body.get(field)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if value is None or value == "":
        if required:
            raise ApiError(C.CODE_MISSING_FIELD, f"Le parametre {field} est obligatoire.")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(C.CODE_MISSING_FIELD, f"Le parametre {field} doit etre un entier.")
    return value


def get_str(body, field, required=True):
    value = body.get(field)
    if value is None or value == "":
        if required:
            raise ApiError(C.CODE_MISSING_FIELD, f"Le parametre {field} est obligatoire.")
        return None
    if not isinstance(value, str):
        raise ApiError(C.CODE_MISSING_FIELD, f"Le parametre {field} doit etre une chaine de caracteres.")
    return value


def paginate(items, block, max_page_size, sort_columns, default_sort=None, block_name="pagination"):
    """Sort and cut ``items`` per a Chorus pagination block.

    ``block``: ``{nbResultatsParPage, pageResultatDemandee, triColonne, triSens}`` or None.
    ``sort_columns``: triColonne value -> key function.
    Returns ``(page_items, parametresRetour)``.
    """
    block = block or {}
    if not isinstance(block, dict):
        raise ApiError(C.CODE_BAD_PAGINATION, f"Le bloc {block_name} doit etre un objet.")
    size = block.get("nbResultatsParPage")
    page = block.get("pageResultatDemandee")
    column = block.get("triColonne")
    direction = block.get("triSens")
    if is_empty(size):
        size = 10
    if is_empty(page):
        page = 1
    for name, value in (("nbResultatsParPage", size), ("pageResultatDemandee", page)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ApiError(
                C.CODE_BAD_PAGINATION,
                f"Le parametre {block_name}.{name} doit etre un entier strictement positif.",
            )
    size = min(size, max_page_size)
    if not is_empty(column) and column not in sort_columns:
        raise ApiError(
            C.CODE_BAD_PAGINATION,
            f"La valeur {column!r} du parametre "
            f"{block_name}.triColonne n'est pas autorisee (valeurs : "
            f"{', '.join(sorted(sort_columns))}).",
        )
    if not is_empty(direction) and direction not in ("Ascendant", "Descendant"):
        raise ApiError(
            C.CODE_BAD_PAGINATION,
            f"La valeur {direction!r} du parametre "
            f"{block_name}.triSens n'est pas autorisee (Ascendant ou "
            "Descendant).",
        )
    key = sort_columns.get(column) if not is_empty(column) else default_sort
    items = list(items)
    if key is not None:
        items.sort(key=key)
    if direction == "Descendant":
        items.reverse()
    total = len(items)
    pages = math.ceil(total / size) if total else 0
    start = (page - 1) * size
    return items[start : start + size], {
        "nbResultatsParPage": size,
        "pageCourante": page,
        "pages": pages,
        "total": total,
    }


def none_last(value):
    """Sort key that accepts None."""
    return (value is None, value if value is not None else 0)
