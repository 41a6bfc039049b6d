# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The legal payment deadline, suspensions, days late, the rate of the half-year and the
interest and indemnity owed, computed by hand for known cases.

Rates: ECB main refinancing operations (fixed rate tenders), as published by the ECB
("Key ECB interest rates", ecb.europa.eu) and confirmed for 2025 by the Banka Slovenije
list of Eurosystem main refinancing operations (2.40 % settled 04.06.2025, 2.15 % from
11.06.2025). The DAJ (economie.gouv.fr) publishes the resulting moratorium rates: 12.50 %
for the 1st half of 2024 (4.50 + 8), 12.25 % for the 2nd half of 2024 (4.25 + 8), 11.15 %
for the 1st half of 2025 (3.15 + 8), 10.15 % for the 2nd half of 2025 (2.15 + 8)."""

import datetime
from decimal import Decimal

import pytest
from l10n_fr_chorus_pro.lib.payment_delay import (
    RateMissing,
    applicable_rate,
    compute_delay,
    deadline_days,
    half_year_start,
    suspended_periods,
)

D = datetime.date
RATES = [
    (D(2023, 9, 20), 4.50),
    (D(2024, 6, 12), 4.25),
    (D(2024, 9, 18), 3.65),
    (D(2024, 10, 23), 3.40),
    (D(2024, 12, 18), 3.15),
    (D(2025, 2, 5), 2.90),
    (D(2025, 3, 12), 2.65),
    (D(2025, 4, 23), 2.40),
    (D(2025, 6, 11), 2.15),
]


def test_deadline_per_kind_of_recipient():
    assert deadline_days("state") == 30
    assert deadline_days("health") == 50
    assert deadline_days("company") == 60
    assert deadline_days(False) == 30  # a recipient of no kind: State / local authority
    assert deadline_days("company", 20) == 20  # the contract sets a shorter deadline
    assert deadline_days("health", 0) == 50


def test_half_year_boundaries():
    assert half_year_start(D(2025, 6, 30)) == D(2025, 1, 1)
    assert half_year_start(D(2025, 7, 1)) == D(2025, 7, 1)
    assert half_year_start(D(2025, 12, 31)) == D(2025, 7, 1)
    assert half_year_start(D(2025, 1, 1)) == D(2025, 1, 1)


def test_rate_is_the_ecb_rate_on_the_first_day_of_the_half_year_plus_8():
    # Interest starting on 30 June 2025: the rate in force on 1 January 2025 (3.15, since
    # 18 December 2024), not the 2.15 of June: 11.15 % as the DAJ published.
    assert applicable_rate(RATES, D(2025, 6, 30)) == (
        D(2024, 12, 18),
        Decimal("3.15"),
        D(2025, 1, 1),
        Decimal("11.15"),
    )
    # One day later, the next half-year: the rate of 1 July 2025 (2.15), 10.15 %.
    assert applicable_rate(RATES, D(2025, 7, 1))[1:] == (Decimal("2.15"), D(2025, 7, 1), Decimal("10.15"))
    # 2nd half of 2024: the 4.25 of 12 June 2024, not the September cut: 12.25 %.
    assert applicable_rate(RATES, D(2024, 12, 31))[3] == Decimal("12.25")
    # 1st half of 2024: 4.50 + 8.
    assert applicable_rate(RATES, D(2024, 1, 1))[3] == Decimal("12.50")
    with pytest.raises(RateMissing):
        applicable_rate(RATES, D(2023, 1, 15))


def test_paid_on_time_owes_nothing():
    result = compute_delay(1000, D(2025, 3, 3), RATES, paid=D(2025, 4, 2))
    assert result.due_date == D(2025, 4, 2)  # 3 March + 30 days
    assert result.days_late == 0
    assert result.interest == 0 and result.indemnity == 0
    assert not result.late


def test_late_state_invoice_by_hand():
    # Deposited 3 March 2025, 30 days: due 2 April; paid 2 May: 30 days late (3 April to
    # 2 May included). Interest starts 3 April 2025: 1st half 2025, 3.15 + 8 = 11.15 %.
    # 1 200.00 x 11.15 % x 30 / 365 = 10.997 -> 11.00 €.
    result = compute_delay(Decimal("1200.00"), D(2025, 3, 3), RATES, paid=D(2025, 5, 2))
    assert result.due_date == D(2025, 4, 2)
    assert result.days_late == 30
    assert result.first_interest_day == D(2025, 4, 3)
    assert result.rate == Decimal("11.15")
    assert result.interest == Decimal("11.00")
    assert result.indemnity == Decimal("40.00")
    assert result.total_owed == Decimal("51.00")
    assert result.claim_due_date == D(2025, 6, 16)  # 2 May + 45 days


def test_health_establishment_and_public_company():
    # 50 days: deposited 1 June 2025, due 21 July; paid 31 July: 10 days late; interest
    # starts 22 July 2025, 2nd half: 2.15 + 8 = 10.15 %. 5 000 x 10.15 % x 10 / 365 = 13.904 -> 13.90.
    result = compute_delay(5000, D(2025, 6, 1), RATES, kind="health", paid=D(2025, 7, 31))
    assert (result.due_date, result.days_late, result.rate) == (D(2025, 7, 21), 10, Decimal("10.15"))
    assert result.interest == Decimal("13.90")
    # 60 days: due 31 July, paid 31 July: on time.
    assert compute_delay(5000, D(2025, 6, 1), RATES, kind="company", paid=D(2025, 7, 31)).days_late == 0


def test_execution_later_than_deposit_starts_the_deadline():
    # Deposited 2 January 2025 (invoice sent in advance), service completed 31 January:
    # the deadline runs from 31 January, due 2 March; paid 12 March: 10 days late.
    result = compute_delay(730, D(2025, 1, 2), RATES, executed=D(2025, 1, 31), paid=D(2025, 3, 12))
    assert result.start == D(2025, 1, 31)
    assert result.due_date == D(2025, 3, 2)
    assert result.days_late == 10
    # 730 x 11.15 % x 10 / 365 = 2.23
    assert result.interest == Decimal("2.23")
    # A service completed before the deposit changes nothing.
    early = compute_delay(730, D(2025, 1, 2), RATES, executed=D(2024, 12, 20), paid=D(2025, 3, 12))
    assert early.start == D(2025, 1, 2)


def test_suspension_and_completion_extend_the_deadline():
    statuses = [
        (D(2025, 3, 3), "DEPOSEE"),
        (D(2025, 3, 10), "SUSPENDUE"),
        (D(2025, 3, 22), "COMPLETEE"),
        (D(2025, 4, 20), "MANDATEE"),
        (D(2025, 5, 2), "MISE_EN_PAIEMENT"),
    ]
    assert suspended_periods(statuses, D(2025, 6, 1)) == [(D(2025, 3, 10), D(2025, 3, 22))]
    result = compute_delay(1200, D(2025, 3, 3), RATES, statuses=statuses, paid=D(2025, 5, 2))
    # 12 days suspended: due 2 April + 12 = 14 April; paid 2 May: 18 days late.
    assert result.suspended_days == 12
    assert result.due_date == D(2025, 4, 14)
    assert result.days_late == 18
    # 1 200 x 11.15 % x 18 / 365 = 6.598 -> 6.60
    assert result.interest == Decimal("6.60")


def test_still_suspended_counts_until_today_and_late_as_of_today():
    statuses = [(D(2025, 3, 3), "DEPOSEE"), (D(2025, 3, 10), "SUSPENDUE")]
    result = compute_delay(1200, D(2025, 3, 3), RATES, statuses=statuses, today=D(2025, 4, 30))
    assert result.suspended_days == 51  # 10 March to 30 April
    assert result.days_late == 0
    # Not suspended, unpaid: late as of today, no claim date yet.
    unpaid = compute_delay(1200, D(2025, 3, 3), RATES, today=D(2025, 4, 12))
    assert unpaid.days_late == 10 and unpaid.paid is None and unpaid.claim_due_date is None
    assert unpaid.as_dict()["days_late"] == 10


def test_no_deposit_no_computation():
    result = compute_delay(1200, None, RATES, paid=D(2025, 5, 2))
    assert result.due_date is None and result.days_late == 0


def test_missing_rate_raises_or_leaves_the_interest_at_zero():
    with pytest.raises(RateMissing):
        compute_delay(1200, D(2023, 1, 2), RATES, paid=D(2023, 3, 1))
    result = compute_delay(1200, D(2023, 1, 2), RATES, paid=D(2023, 3, 1), strict=False)
    assert result.days_late == 28 and result.half_year_start == D(2023, 1, 1)
    assert result.ecb_rate_date is None and result.interest == 0 and result.indemnity == 40


def _shipped_rates():
    """The ECB rates shipped in data/chorus_pro_ecb_rate_data.xml."""
    from pathlib import Path

    from lxml import etree

    path = Path(__file__).resolve().parents[2] / "data" / "chorus_pro_ecb_rate_data.xml"
    rates = []
    for record in etree.parse(str(path)).iter("record"):
        values = {field.get("name"): field.text for field in record.iter("field")}
        rates.append((datetime.date.fromisoformat(values["date"]), float(values["rate"])))
    return rates


def test_shipped_rates_give_the_published_moratorium_rates():
    rates = _shipped_rates()
    dates = [date for date, _rate in rates]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    assert dates[0] <= D(2008, 7, 9)
    # Moratorium rates per half-year (ECB rate in force on its first day + 8 points) as the DAJ
    # notices give them; 2024-2025 cross-checked, the earlier ones follow the ECB table.
    published = {
        D(2012, 1, 1): "9.00",  # 1.00 since 14 December 2011
        D(2016, 7, 1): "8.00",  # 0.00 since 16 March 2016
        D(2023, 1, 1): "10.50",  # 2.50 since 21 December 2022
        D(2023, 7, 1): "12.00",  # 4.00 since 21 June 2023
        D(2024, 1, 1): "12.50",
        D(2024, 7, 1): "12.25",
        D(2025, 1, 1): "11.15",
        D(2025, 7, 1): "10.15",
    }
    for half_year, rate in published.items():
        assert applicable_rate(rates, half_year)[3] == Decimal(rate), half_year


def test_allocate_received_in_proportion_of_the_claims():
    from l10n_fr_chorus_pro.lib.payment_delay import allocate_received

    # one late invoice: what came in, whole or partial
    assert allocate_received(41.57, 41.57, [41.57]) == [Decimal("41.57")]
    assert allocate_received(20, 41.57, [41.57]) == [Decimal("20.00")]
    assert allocate_received(0, 41.57, [41.57]) == [Decimal("0.00")]
    # two: 30 paid of 41.57 + 60.00 = 101.57 -> 12.28 and 17.72 (the cents to the last)
    assert allocate_received(30, 101.57, [41.57, 60]) == [Decimal("12.28"), Decimal("17.72")]
    assert allocate_received(101.57, 101.57, [41.57, 60]) == [Decimal("41.57"), Decimal("60.00")]
    assert allocate_received(10, 0, [0]) == [Decimal("0.00")]
