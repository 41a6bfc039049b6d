# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Release of the retention guarantee of a works contract, no Odoo import.

* The retention guarantee (retenue de garantie, CCP R2191-32 to R2191-35) covers the
  reserves at the acceptance of the works (réception) and those of the guarantee period
  (garantie de parfait achèvement): one year from the acceptance (CCAG-Travaux 2021
  art. 44), which the MOA may extend.
* R2191-35: it is repaid within one month after the end of the guarantee period, unless
  the MOA notified reserves that are not lifted (then within one month after their
  lifting).
* A first-demand guarantee or a surety may replace it (R2191-36): nothing is withheld.

Amounts are :class:`decimal.Decimal` rounded to the cent; dates :class:`datetime.date`.
"""

import calendar
from datetime import date
from decimal import Decimal

NONE = "none"  # nothing withheld (a bank guarantee, no retention, nothing paid yet)
HELD = "held"  # withheld, guarantee running (or reserves not lifted)
TO_ASK = "to_ask"  # guarantee ended: ask the MOA to repay it
RELEASED = "released"  # withheld and repaid in full
STATES = (NONE, HELD, TO_ASK, RELEASED)

GUARANTEE_MONTHS = 12  # CCAG-Travaux 2021 art. 44.1: one year from the acceptance
REPAYMENT_MONTHS = 1  # R2191-35

CENT = Decimal("0.01")


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` months, on the last day of the month when it is shorter
    (29 February + 12 months = 28 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def guarantee_end(acceptance: date | None) -> date | None:
    """End of the guarantee period (parfait achèvement): the acceptance plus one year."""
    return add_months(acceptance, GUARANTEE_MONTHS) if acceptance else None


def repayment_due(end: date | None) -> date | None:
    """Date by which the MOA repays the retention: one month after the end of the
    guarantee period (R2191-35)."""
    return add_months(end, REPAYMENT_MONTHS) if end else None


def state(
    withheld: Decimal,
    held: Decimal,
    *,
    bank_guarantee: bool,
    end: date | None,
    today: date,
    reserves: bool = False,
) -> str:
    """Where the retention stands: NONE, HELD, TO_ASK or RELEASED.

    ``withheld``: everything the MOA withheld so far; ``held``: what it still holds;
    ``end``: end of the guarantee period; ``reserves``: reserves notified and not lifted
    (the retention waits for their lifting)."""
    if bank_guarantee or (withheld < CENT and held < CENT):
        return NONE
    if held < CENT:
        return RELEASED
    if end and today >= end and not reserves:
        return TO_ASK
    return HELD


def check_release(held: Decimal, amount: Decimal) -> str | None:
    """Why ``amount`` cannot be recorded as repaid out of ``held`` (a problem code), or
    None: "nothing_held", "not_positive", "above_held"."""
    if held < CENT:
        return "nothing_held"
    if amount < CENT:
        return "not_positive"
    if amount.quantize(CENT) > held.quantize(CENT):
        return "above_held"
    return None
