# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Release of the retention guarantee: guarantee period, repayment date, state, checks."""

from datetime import date
from decimal import Decimal

from l10n_fr_chorus_pro.lib.works_retention import (
    HELD,
    NONE,
    RELEASED,
    TO_ASK,
    add_months,
    check_release,
    guarantee_end,
    repayment_due,
    state,
)


def test_guarantee_one_year_after_acceptance():
    assert guarantee_end(date(2026, 6, 15)) == date(2027, 6, 15)
    assert guarantee_end(date(2028, 2, 29)) == date(2029, 2, 28)  # leap day
    assert guarantee_end(None) is None


def test_repayment_one_month_after_the_guarantee():
    assert repayment_due(date(2027, 6, 15)) == date(2027, 7, 15)
    assert repayment_due(date(2027, 1, 31)) == date(2027, 2, 28)
    assert repayment_due(date(2027, 12, 31)) == date(2028, 1, 31)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_state():
    end, held = date(2027, 6, 15), Decimal("12345.67")
    kwargs = {"bank_guarantee": False, "end": end}
    assert state(held, held, today=date(2027, 6, 14), **kwargs) == HELD
    assert state(held, held, today=end, **kwargs) == TO_ASK
    assert state(held, held, today=end, reserves=True, **kwargs) == HELD
    assert state(held, Decimal("0.00"), today=end, **kwargs) == RELEASED
    assert state(held, Decimal("0.004"), today=end, **kwargs) == RELEASED
    assert state(Decimal(0), Decimal(0), today=end, **kwargs) == NONE
    assert state(held, Decimal(0), today=end, bank_guarantee=True, end=end) == NONE
    # no acceptance yet: held, never to ask
    assert state(held, held, today=end, bank_guarantee=False, end=None) == HELD


def test_check_release():
    held = Decimal("7541.63")
    assert check_release(held, held) is None
    assert check_release(held, Decimal("1000")) is None  # part of it
    assert check_release(held, Decimal("7541.64")) == "above_held"
    assert check_release(held, Decimal("0")) == "not_positive"
    assert check_release(held, Decimal("-5")) == "not_positive"
    assert check_release(Decimal("0"), Decimal("10")) == "nothing_held"
