"""Values as Chorus Pro answers them: dates, lists, SIRET, numbers, booleans."""

import contextlib
import datetime
import logging

_logger = logging.getLogger(__name__)


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
        return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
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


def _text(value):
    """A directory text value, stripped, with runs of spaces folded; '' when empty."""
    return " ".join(str(value).split()) if value not in (None, "") else ""


def postal_address(value):
    """The ``adressePostaleDuSiege`` of ``consulter`` or the ``adressePostale`` of
    ``consulter/service`` as ``{"street", "street2", "zip", "city", "country"}``
    (each '' when absent; ``country`` as Chorus Pro gives it, usually the ISO code).
    ``complementAdresse1`` and ``complementAdresse2`` make ``street2``."""
    value = value if isinstance(value, dict) else {}
    street2 = ", ".join(
        filter(None, (_text(value.get("complementAdresse1")), _text(value.get("complementAdresse2"))))
    )
    return {
        "street": _text(value.get("adresse")),
        "street2": street2,
        "zip": _text(value.get("codePostal")),
        "city": _text(value.get("ville")),
        "country": _text(value.get("pays")),
    }
