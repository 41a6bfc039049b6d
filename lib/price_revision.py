# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Price revision of French public contracts, no Odoo import.

The clause of a revisable (or actualisable) contract writes the revised price as
``P = P0 × C`` with the coefficient ``C = a + Σ bᵢ × Iᵢ / Iᵢ₀``: a fixed part ``a``
and weighted index terms, each index ``Iᵢ`` read in the month of application and
``Iᵢ₀`` in its base month (m0). ``a + Σ bᵢ = 1``. The coefficient is rounded to the
thousandth, upwards by default ("arrondi au millième supérieur", CCAG-FCS 2021
art. 10.1.2), or to the nearest thousandth when the clause says so.

The month of application is the month of execution, or ``m − k`` when the clause reads
the index ``k`` months earlier (e.g. the value "known the month before").

Periodicity: monthly (each invoice with the indices of its own month), or yearly: the
coefficient is fixed at each anniversary of the clause's anniversary date (usually the
date the initial price was set) with the indices of that anniversary's month (``m − k``
likewise), and kept for the year that follows.

Ceiling ("clause butoir"): the coefficient applied never exceeds it. Safeguard ("clause
de sauvegarde"): when the coefficient moves further than the threshold from 1, the
revision is flagged for the parties (the clause lets them renegotiate or terminate); the
coefficient is still the formula's.

When an index has no value for that month yet (INSEE publishes with a lag), the last
value published before it is used and the revision is *provisional*, to be settled
when the value arrives.

Computation is exact (fractions), converted to :class:`decimal.Decimal` at the end, so
that rounding "upwards" never turns an exact 1.025 into 1.026 through a float error.

Errors are :class:`PriceRevisionError` with a ``code`` and ``params``: the caller
words them in the user's language.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

ROUND_UP = "up"
ROUND_NEAREST = "nearest"
ROUNDINGS = (ROUND_UP, ROUND_NEAREST)
MONTHLY = "monthly"
YEARLY = "yearly"
PERIODICITIES = (MONTHLY, YEARLY)
MAX_CEILING = 10
WEIGHT_TOLERANCE = Fraction(1, 10**9)
MAX_OFFSET = 24
MIN_YEAR, MAX_YEAR = 1900, 2200


class PriceRevisionError(ValueError):
    """Bad clause or missing data. ``code``: weights_sum, weight_range, no_term,
    no_base_value, no_value, base_value_zero, month_range, offset_range, rounding,
    duplicate_index, periodicity, no_anniversary, ceiling_range, safeguard_range."""

    def __init__(self, code, **params):
        self.code = code
        self.params = params
        super().__init__(f"{code}: {params}")


@dataclass(frozen=True)
class Term:
    """One weighted index term ``b × I / I0`` of a clause."""

    index: str  # the index's code or name, as shown to the user
    weight: Decimal
    base_month: date
    base_value: Decimal | None = None


@dataclass(frozen=True)
class TermResult:
    index: str
    weight: Decimal
    base_month: date
    base_value: Decimal
    month: date  # month of application asked for
    value_month: date  # month of the value used (earlier when provisional)
    value: Decimal
    provisional: bool


@dataclass(frozen=True)
class Revision:
    coefficient: Decimal  # rounded
    raw_coefficient: Decimal  # before rounding, 9 decimals (information only)
    month: date  # month of application
    provisional: bool
    terms: list = field(default_factory=list)  # TermResult
    formula_coefficient: Decimal | None = None  # rounded, before the ceiling
    ceiling: Decimal | None = None
    capped: bool = False  # the ceiling applied
    safeguard: Decimal | None = None
    safeguard_reached: bool = False


def _fraction(value):
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        # The decimal written (0.875), not the binary float (0.87499999...).
        return Fraction(Decimal(repr(value)))
    return Fraction(_decimal(value) if isinstance(value, str) else value)


def _decimal(value):
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def month_start(day):
    """The first day of ``day``'s month; refuses a month out of range."""
    if not isinstance(day, date):
        raise PriceRevisionError("month_range", month=day)
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise PriceRevisionError("month_range", month=day)
    return date(day.year, day.month, 1)


def add_months(month, count):
    month = month_start(month)
    index = month.year * 12 + month.month - 1 + count
    return month_start(date(index // 12, index % 12 + 1, 1))


def application_month(execution_day, offset=0):
    """Month whose index values apply to a service executed on ``execution_day``: its
    own month, or ``offset`` months earlier (``m − k``)."""
    if not isinstance(offset, int) or not 0 <= offset <= MAX_OFFSET:
        raise PriceRevisionError("offset_range", offset=offset, maximum=MAX_OFFSET)
    return add_months(execution_day, -offset)


def last_anniversary(day, anniversary):
    """The last anniversary of ``anniversary`` on or before ``day`` (``anniversary``
    itself before its first year is over or when ``day`` precedes it). A 29 February
    anniversary falls on 28 February in the other years."""
    month_start(day)
    month_start(anniversary)

    def in_year(year):
        if anniversary.month == 2 and anniversary.day == 29:
            leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
            return date(year, 2, 29 if leap else 28)
        return anniversary.replace(year=year)

    if day <= anniversary:
        return anniversary
    candidate = in_year(day.year)
    return candidate if candidate <= day else in_year(day.year - 1)


def revision_month(execution_day, offset=0, periodicity=MONTHLY, anniversary=None):
    """Month whose index values apply to a service executed on ``execution_day``:
    monthly, its own month (or ``offset`` months earlier); yearly, the month of the
    last anniversary of ``anniversary`` (or ``offset`` months earlier)."""
    if periodicity not in PERIODICITIES:
        raise PriceRevisionError("periodicity", periodicity=periodicity)
    if periodicity == YEARLY:
        if not isinstance(anniversary, date):
            raise PriceRevisionError("no_anniversary")
        execution_day = last_anniversary(execution_day, anniversary)
    return application_month(execution_day, offset)


def validate_limits(ceiling=None, safeguard=None):
    """A ceiling between 1 and 10, a safeguard threshold strictly between 0 and 1."""
    if ceiling is not None and not 1 <= _fraction(ceiling) <= MAX_CEILING:
        raise PriceRevisionError("ceiling_range", ceiling=ceiling, maximum=MAX_CEILING)
    if safeguard is not None and not 0 < _fraction(safeguard) < 1:
        raise PriceRevisionError("safeguard_range", safeguard=safeguard)


def validate(fixed_part, terms):
    """Refuse a clause whose weights do not add up to 1, a weight outside [0, 1], an
    index twice, an index without its base value, a base month out of range."""
    if not terms:
        raise PriceRevisionError("no_term")
    fixed = _fraction(fixed_part or 0)
    if not 0 <= fixed <= 1:
        raise PriceRevisionError("weight_range", index="a", weight=fixed_part)
    seen = set()
    total = fixed
    for term in terms:
        weight = _fraction(term.weight)
        if not 0 < weight <= 1:
            raise PriceRevisionError("weight_range", index=term.index, weight=term.weight)
        if term.index in seen:
            raise PriceRevisionError("duplicate_index", index=term.index)
        seen.add(term.index)
        month_start(term.base_month)
        if term.base_value is None:
            raise PriceRevisionError("no_base_value", index=term.index, month=term.base_month)
        if _fraction(term.base_value) <= 0:
            raise PriceRevisionError("base_value_zero", index=term.index, month=term.base_month)
        total += weight
    if abs(total - 1) > WEIGHT_TOLERANCE:
        raise PriceRevisionError(
            "weights_sum",
            total=(Decimal(total.numerator) / Decimal(total.denominator))
            .quantize(Decimal("1e-9"))
            .normalize(),
        )


def value_for_month(series, month):
    """(month of the value, value, provisional) of ``series`` ({month: value}) for
    ``month``: its own value, else the last one published before it (provisional).
    None when the series has nothing up to that month."""
    month = month_start(month)
    known = {month_start(m): v for m, v in series.items() if v is not None}
    if month in known:
        return month, known[month], False
    earlier = [m for m in known if m < month]
    if not earlier:
        return None
    last = max(earlier)
    return last, known[last], True


def round_coefficient(value, rounding=ROUND_UP, digits=3):
    if rounding not in ROUNDINGS:
        raise PriceRevisionError("rounding", rounding=rounding)
    value = _fraction(value)
    quantum = Decimal(1).scaleb(-digits)
    if rounding == ROUND_UP:
        # Exact: ceil(value × 10^digits) / 10^digits, no float involved.
        scaled = value * 10**digits
        units = -((-scaled.numerator) // scaled.denominator)
        return (Decimal(units) * quantum).quantize(quantum)
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(quantum, rounding=ROUND_HALF_UP)


def compute(
    fixed_part,
    terms,
    series_by_index,
    month,
    rounding=ROUND_UP,
    digits=3,
    ceiling=None,
    safeguard=None,
):
    """The coefficient of ``month`` (the month of application).

    ``series_by_index``: {term.index: {month: value}}. ``ceiling``: the highest
    coefficient applied (clause butoir); ``safeguard``: the variation (e.g. 0.10 for
    10 %) beyond which the revision is flagged. Raises PriceRevisionError ``no_value``
    when an index has no value at all up to that month."""
    validate(fixed_part, terms)
    validate_limits(ceiling, safeguard)
    month = month_start(month)
    total = _fraction(fixed_part or 0)
    results = []
    for term in terms:
        found = value_for_month(series_by_index.get(term.index) or {}, month)
        if found is None:
            raise PriceRevisionError("no_value", index=term.index, month=month)
        value_month, value, provisional = found
        total += _fraction(term.weight) * _fraction(value) / _fraction(term.base_value)
        results.append(
            TermResult(
                index=term.index,
                weight=_decimal(term.weight),
                base_month=month_start(term.base_month),
                base_value=_decimal(term.base_value),
                month=month,
                value_month=value_month,
                value=_decimal(value),
                provisional=provisional,
            )
        )
    raw = (Decimal(total.numerator) / Decimal(total.denominator)).quantize(Decimal("1e-9"))
    formula = round_coefficient(total, rounding, digits)
    coefficient = formula
    capped = False
    if ceiling is not None and _fraction(formula) > _fraction(ceiling):
        coefficient = _decimal(ceiling).quantize(Decimal(1).scaleb(-digits))
        capped = True
    reached = safeguard is not None and abs(_fraction(formula) - 1) > _fraction(safeguard)
    return Revision(
        coefficient=coefficient,
        raw_coefficient=raw,
        month=month,
        provisional=any(r.provisional for r in results),
        terms=results,
        formula_coefficient=formula,
        ceiling=None if ceiling is None else _decimal(ceiling),
        capped=capped,
        safeguard=None if safeguard is None else _decimal(safeguard),
        safeguard_reached=reached,
    )


def revised_price(price, coefficient, digits=2):
    """``price × coefficient`` rounded half-up to ``digits`` decimals."""
    exact = _fraction(price) * _fraction(coefficient)
    quantum = Decimal(1).scaleb(-digits)
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(quantum, rounding=ROUND_HALF_UP)


def number_text(value, decimal_point=".", thousands_sep=""):
    """A decimal as written, its own decimals kept (``307.0``, ``1.032``), with the
    language's separators: ``number_text("1234.5", ",", "\u202f")`` → ``1 234,5``."""
    value = _decimal(value)
    sign = "-" if value < 0 else ""
    integer, _dot, decimals = f"{abs(value):f}".partition(".")
    groups = []
    while len(integer) > 3:
        integer, tail = integer[:-3], integer[-3:]
        groups.insert(0, tail)
    integer = thousands_sep.join([integer, *groups])
    return sign + integer + (decimal_point + decimals if decimals else "")


def formula_text(fixed_part, terms, decimal_point="."):
    """The clause as written: ``0.125 + 0.875 × SYNTEC / SYNTEC₀`` (``0,125 + …`` with a
    decimal comma)."""

    def number(value):
        return number_text(_decimal(value).normalize(), decimal_point)

    parts = [number(fixed_part)] if fixed_part else []
    for term in terms:
        parts.append(f"{number(term.weight)} × {term.index}/{term.index}₀")
    return "C = " + " + ".join(parts)


__all__ = [
    "MONTHLY",
    "PERIODICITIES",
    "ROUNDINGS",
    "ROUND_NEAREST",
    "ROUND_UP",
    "PriceRevisionError",
    "Revision",
    "Term",
    "TermResult",
    "YEARLY",
    "add_months",
    "application_month",
    "compute",
    "formula_text",
    "last_anniversary",
    "month_start",
    "number_text",
    "revised_price",
    "revision_month",
    "round_coefficient",
    "validate",
    "validate_limits",
    "value_for_month",
]
