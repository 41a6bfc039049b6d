# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Whether the invoice Chorus Pro holds under a number is the one Odoo has (no Odoo import).

Chorus Pro refuses a second invoice of a supplier with the same number, but it may already
hold that number for *another* invoice: one deposited by hand on the portal, or by another
database (a copy of production). Before linking an invoice found by its number, what
Chorus Pro holds (a ``rechercher/fournisseur`` result) is compared with the invoice:
:func:`invoice_differences` lists what differs, nothing when it is the same invoice.
"""

from zoneinfo import ZoneInfo

from .chorus.values import normalize_siret, parse_chorus_datetime

# Chorus Pro dates (and the epoch timestamps some answers carry) are French dates.
CHORUS_TIMEZONE = ZoneInfo("Europe/Paris")
CREDIT_NOTE_TYPE = "AVOIR"

RECIPIENT = "recipient"
AMOUNT_UNTAXED = "amount_untaxed"
AMOUNT_TOTAL = "amount_total"
CURRENCY = "currency"
DATE = "date"
ENGAGEMENT = "engagement"
TYPE = "type"


def chorus_date(value):
    """The date of a Chorus Pro ``dateFacture``: ``YYYY-MM-DD``, a date-time (with or
    without offset) or an epoch timestamp (milliseconds or seconds), read in French time.
    None when empty; ``ValueError`` when unreadable."""
    parsed = parse_chorus_datetime(value)
    if parsed is None:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(CHORUS_TIMEZONE)
    return parsed.date()


def _amount(value):
    if isinstance(value, bool):
        raise TypeError(value)
    return float(value)


def _same_amount(expected, found, rounding):
    try:
        return round(abs(_amount(found) - expected) / rounding, 6) < 0.5
    except (TypeError, ValueError):
        return False


def _text(value):
    return str(value or "").strip()


def invoice_differences(expected, item, rounding=0.01):
    """What ``item`` (an invoice of Chorus Pro's ``rechercher/fournisseur``) says
    differently from ``expected``, the invoice that has the same number.

    ``expected`` has the keys ``recipient`` (the recipient's SIRET), ``amount_untaxed``,
    ``amount_total`` (floats), ``currency`` (ISO code), ``date`` (``datetime.date``),
    ``engagement`` (EJ, or empty) and ``credit_note`` (bool). Amounts are equal when
    they round to the same amount at ``rounding`` (the currency's). A value Chorus Pro
    does not give is not compared, except the EJ (an invoice without one has no
    ``numeroBonCommande``); a value it gives that cannot be read differs.

    Returns a list of ``(field, expected value, Chorus Pro's value)``, ``field`` being
    one of ``RECIPIENT``, ``AMOUNT_UNTAXED``, ``AMOUNT_TOTAL``, ``CURRENCY``, ``DATE``,
    ``ENGAGEMENT``, ``TYPE``; empty when it is the same invoice.
    """
    differences = []
    found = item.get("codeDestinataire")
    if found not in (None, "") and normalize_siret(found) != normalize_siret(expected["recipient"]):
        differences.append((RECIPIENT, expected["recipient"], normalize_siret(found)))
    currency = _text(item.get("devise"))
    if currency and currency != expected["currency"]:
        differences.append((CURRENCY, expected["currency"], currency))
    for field, key in ((AMOUNT_UNTAXED, "montantHT"), (AMOUNT_TOTAL, "montantTTC")):
        found = item.get(key)
        if found not in (None, "") and not _same_amount(expected[field], found, rounding):
            differences.append((field, expected[field], found))
    found = item.get("dateFacture")
    if found not in (None, ""):
        try:
            date = chorus_date(found)
        except ValueError:
            date = found
        if date != expected["date"]:
            differences.append((DATE, expected["date"], date))
    found = _text(item.get("numeroBonCommande"))
    if found != _text(expected["engagement"]):
        differences.append((ENGAGEMENT, _text(expected["engagement"]), found))
    found = _text(item.get("typeFacture")).upper()
    if found and (found == CREDIT_NOTE_TYPE) != bool(expected["credit_note"]):
        differences.append((TYPE, bool(expected["credit_note"]), found == CREDIT_NOTE_TYPE))
    return differences
