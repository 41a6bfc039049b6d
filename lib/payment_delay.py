# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The legal payment deadline of an invoice to a French public body, its suspensions, the
days late and the moratorium interest and recovery indemnity owed (Code de la commande
publique). Pure Python, no Odoo import: the ORM side (``models/account_move_payment_delay.py``)
gives the dates and the rate history, this module applies the rules.

* R2192-10 / R2192-11: the global payment deadline (délai global de paiement) is 30 days for
  the State and local authorities, 50 days for public health establishments, 60 days for
  public companies; the contract may set a shorter one.
* R2192-12 / R2192-13: it runs from the receipt of the payment request (on Chorus Pro, its
  deposit), or from the execution of the service when that is later.
* R2192-27 / R2192-28: it is suspended (once) while the buyer waits for a completion asked of
  the supplier; it runs again when the supplier's answer is received.
* R2192-31: interest runs from the day after the deadline to the day the principal is paid
  (mise en paiement) included, at the ECB main refinancing rate in force on the first day of
  the half-year in which it starts to run, plus 8 points; computed as principal (all taxes
  included) x rate x days / 365.
* R2192-32 / D2192-35: a flat recovery indemnity of 40 euros.
* R2192-36: both are paid within 45 days of the payment of the principal.
"""

import datetime
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

# Global payment deadlines in days by kind of public buyer (R2192-10, R2192-11).
DEADLINE_DAYS = {
    "state": 30,  # State, local authorities and their administrative public bodies
    "health": 50,  # public health establishments
    "company": 60,  # public companies (entreprises publiques)
}
DEFAULT_KIND = "state"
# Points added to the ECB rate (R2192-31).
RATE_MARGIN = Decimal("8")
# Flat recovery indemnity, euros (D2192-35).
RECOVERY_INDEMNITY = Decimal("40.00")
# Days after the payment of the principal within which interest and indemnity are due (R2192-36).
INTEREST_PAYMENT_DAYS = 45
DAYS_IN_YEAR = 365

ARTICLES = {
    "deadline": "R2192-10, R2192-11",
    "start": "R2192-12, R2192-13",
    "suspension": "R2192-27, R2192-28",
    "interest": "R2192-31",
    "indemnity": "R2192-32, D2192-35",
    "payment": "R2192-36",
}


class RateMissing(LookupError):
    """No ECB rate is known on or before the day the rule asks for."""

    def __init__(self, day):
        super().__init__(day)
        self.day = day


def deadline_days(kind, override=None):
    """The deadline in days: the contract's (``override``, when positive) else the legal one
    of the buyer's ``kind`` (State/local authority by default)."""
    if override and override > 0:
        return int(override)
    return DEADLINE_DAYS.get(kind or DEFAULT_KIND, DEADLINE_DAYS[DEFAULT_KIND])


def half_year_start(day):
    """The first day of the half-year (1 January or 1 July) of ``day``."""
    return datetime.date(day.year, 1 if day.month <= 6 else 7, 1)


def rate_on(rates, day):
    """The ECB main refinancing rate in force on ``day``: the last change dated on or before
    it. ``rates``: iterable of (date, rate in percent). Raises RateMissing."""
    best = None
    for date, rate in rates:
        if date <= day and (best is None or date > best[0]):
            best = (date, rate)
    if best is None:
        raise RateMissing(day)
    return best


def applicable_rate(rates, first_interest_day):
    """(ECB rate date, ECB rate, half-year start, rate applied) for interest starting to run
    on ``first_interest_day`` (R2192-31): the ECB rate in force on the first day of its
    half-year, plus 8 points. Rates are Decimal percentages."""
    start = half_year_start(first_interest_day)
    ecb_date, ecb_rate = rate_on(rates, start)
    ecb_rate = Decimal(str(ecb_rate))
    return ecb_date, ecb_rate, start, ecb_rate + RATE_MARGIN


def suspended_periods(statuses, today):
    """The periods the deadline was suspended, from the status history ``statuses``
    (iterable of (day, status code)): each SUSPENDUE until the next status that is not
    SUSPENDUE (the completion: COMPLETEE, or anything the buyer did next), or ``today``
    while still suspended. Returns [(start, end)] with end >= start."""
    periods = []
    start = None
    for day, status in sorted(statuses, key=lambda row: row[0]):
        if status == "SUSPENDUE":
            if start is None:
                start = day
        elif start is not None:
            periods.append((start, max(day, start)))
            start = None
    if start is not None:
        periods.append((start, max(today, start)))
    return periods


def _money(value):
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class DelayComputation:
    """Every date, day count and amount of the computation, to show and to print."""

    received: datetime.date | None  # deposit on Chorus Pro
    executed: datetime.date | None  # execution of the service, when known
    start: datetime.date | None  # the later of the two: the deadline runs from it
    deadline_days: int
    suspensions: list = field(default_factory=list)  # [(start, end)]
    suspended_days: int = 0
    due_date: datetime.date | None = None  # last day to pay
    paid: datetime.date | None = None  # mise en paiement, when paid
    until: datetime.date | None = None  # paid, else today
    days_late: int = 0
    first_interest_day: datetime.date | None = None
    half_year_start: datetime.date | None = None
    ecb_rate_date: datetime.date | None = None
    ecb_rate: Decimal | None = None
    rate: Decimal | None = None  # ECB + 8 points
    principal: Decimal = Decimal("0")
    interest: Decimal = Decimal("0")
    indemnity: Decimal = Decimal("0")
    claim_due_date: datetime.date | None = None  # paid + 45 days, when late and paid
    articles: dict = field(default_factory=lambda: dict(ARTICLES))

    @property
    def late(self):
        return self.days_late > 0

    @property
    def total_owed(self):
        return self.interest + self.indemnity

    def as_dict(self):
        return asdict(self)


def compute_delay(
    principal,
    received,
    rates,
    *,
    kind=None,
    override_days=None,
    executed=None,
    statuses=(),
    paid=None,
    today=None,
    strict=True,
):
    """The payment delay of one invoice.

    ``principal``: amount all taxes included; ``received``: the deposit day on Chorus Pro;
    ``rates``: (date, ECB rate %) history; ``executed``: the day the service was completed,
    when later than the deposit it starts the deadline; ``statuses``: (day, status code) of
    the Chorus Pro history (suspensions); ``paid``: the mise en paiement day, else the days
    late run to ``today``. Raises RateMissing when the invoice is late and no rate is known
    for its half-year, unless not ``strict``: then the interest stays at zero and
    ``ecb_rate_date`` empty (the caller tells which rate to enter)."""
    today = today or datetime.date.today()
    days = deadline_days(kind, override_days)
    result = DelayComputation(
        received=received, executed=executed, start=None, deadline_days=days, principal=_money(principal)
    )
    if not received:
        return result
    start = max(received, executed) if executed else received
    result.start = start
    # Suspensions count only once the deadline has started running.
    periods = [(max(s, start), e) for s, e in suspended_periods(statuses, paid or today) if e > start]
    result.suspensions = periods
    result.suspended_days = sum((end - begin).days for begin, end in periods)
    result.due_date = start + datetime.timedelta(days=days + result.suspended_days)
    result.paid = paid
    result.until = paid or today
    result.days_late = max(0, (result.until - result.due_date).days)
    if not result.days_late:
        return result
    result.first_interest_day = result.due_date + datetime.timedelta(days=1)
    result.half_year_start = half_year_start(result.first_interest_day)
    result.indemnity = RECOVERY_INDEMNITY
    try:
        result.ecb_rate_date, result.ecb_rate, _start, result.rate = applicable_rate(
            rates, result.first_interest_day
        )
    except RateMissing:
        if strict:
            raise
    else:
        result.interest = _money(
            result.principal * result.rate / Decimal(100) * result.days_late / Decimal(DAYS_IN_YEAR)
        )
    if paid:
        result.claim_due_date = paid + datetime.timedelta(days=INTEREST_PAYMENT_DAYS)
    return result


def allocate_received(paid, total, claimed):
    """Share ``paid`` (what came in on an interest invoice of ``total``) between the late
    invoices it claims for, in proportion of what was claimed for each (``claimed``, a list
    of amounts in the order of the late invoices). Fully paid: each gets exactly its claim;
    the cents of the rounding go to the last one, so the shares always add up to ``paid``."""
    paid, total = _money(paid), _money(total)
    claimed = [_money(amount) for amount in claimed]
    if not claimed:
        return []
    if total <= 0 or paid <= 0:
        return [Decimal("0.00")] * len(claimed)
    if paid >= total:
        return claimed
    shares = [_money(paid * amount / total) for amount in claimed[:-1]]
    shares.append(paid - sum(shares, Decimal("0.00")))
    return shares
