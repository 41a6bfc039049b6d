# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Monthly works statements: schedule, amendments, cumulatives, retention, advance, checks.

The data is a real-looking DPGF of a collège renovation (lot 1, gros œuvre and
envelope) for a Département: lump-sum phases and BPU unit items, then an amendment
(asbestos removal added, more acoustic ceilings). Every expected amount below is
computed by hand in the comment next to it.
"""

from decimal import Decimal

import pytest
from l10n_fr_chorus_pro.lib.works_statement import (
    CO_CONTRACTOR,
    FINAL,
    HOLDER,
    LUMP_SUM,
    MONTHLY,
    SUBCONTRACTOR,
    UNIT,
    Amendment,
    Extra,
    Item,
    Progress,
    advance_repaid,
    allowed_frames,
    check,
    compute,
    contract_total,
    retention,
    schedule,
)

D = Decimal

ITEMS = [
    Item("1.1", "Installation de chantier", LUMP_SUM, D("18500.00")),
    Item("1.2", "Démolitions intérieures", LUMP_SUM, D("42300.00")),
    Item("2.1", "Gros œuvre – reprises de structure", LUMP_SUM, D("126800.00")),
    Item("3.1", "Menuiseries extérieures aluminium", LUMP_SUM, D("98450.00")),
    Item("4.1", "Isolation thermique par l'extérieur", UNIT, D("87.40"), D("1250"), "m²"),
    Item("4.2", "Faux plafonds acoustiques", UNIT, D("42.15"), D("860"), "m²"),
]
AMENDMENT_1 = Amendment(
    "Avenant n° 1",
    (
        Item("4.2", "Faux plafonds acoustiques", UNIT, D("42.15"), D("920"), "m²"),
        Item("4.3", "Désamiantage des dalles de sol", UNIT, D("64.90"), D("310"), "m²"),
    ),
)
# 18 500 + 42 300 + 126 800 + 98 450 + 87.40 × 1 250 (109 250) + 42.15 × 860 (36 249)
INITIAL_TOTAL = D("431549.00")
# − 36 249 + 42.15 × 920 (38 778) + 64.90 × 310 (20 119)
AMENDED_TOTAL = D("454197.00")

MONTH_3 = [
    Progress("1.1", D("100"), D("100")),
    Progress("1.2", D("60"), D("100")),
    Progress("2.1", D("15"), D("40")),
    Progress("4.1", D("0"), D("312.5")),
    Progress("4.3", D("120"), D("310")),
]
EXTRAS_3 = [
    Extra("supplies", "Menuiseries approvisionnées sur chantier", D("0"), D("12000.00")),
    Extra("expenses", "Débours : branchement provisoire d'eau", D("350.00"), D("520.40")),
]


def test_schedule_and_totals_with_amendment():
    assert contract_total(ITEMS) == INITIAL_TOTAL
    assert contract_total(ITEMS, [AMENDMENT_1]) == AMENDED_TOTAL
    codes = [item.code for item in schedule(ITEMS, [AMENDMENT_1])]
    assert codes == ["1.1", "1.2", "2.1", "3.1", "4.1", "4.2", "4.3"]
    amended = {item.code: item for item in schedule(ITEMS, [AMENDMENT_1])}
    assert amended["4.2"].quantity == D("920")
    assert amended["4.2"].total == D("38778.00")


def test_monthly_statement_cumulatives():
    st = compute(ITEMS, MONTH_3, EXTRAS_3, [AMENDMENT_1], retention_rate=D("5"), advance=D("45419.70"))
    lines = {line.item.code: line for line in st.lines}
    # 1.2: 60 % of 42 300 = 25 380.00 → 100 % = 42 300.00, month 16 920.00 (40 %)
    assert (lines["1.2"].previous_amount, lines["1.2"].cumulative_amount) == (D("25380.00"), D("42300.00"))
    assert (lines["1.2"].month, lines["1.2"].month_amount) == (D("40"), D("16920.00"))
    # 2.1: 15 % → 40 % of 126 800: 19 020.00 → 50 720.00, month 31 700.00
    assert lines["2.1"].month_amount == D("31700.00")
    # 4.1: 312.5 m² × 87.40 = 27 312.50, the unit price applied whole
    assert lines["4.1"].cumulative_amount == D("27312.50")
    assert lines["4.1"].month == D("312.5")
    # 4.3 (amendment): 120 m² → 310 m² × 64.90: 7 788.00 → 20 119.00
    assert lines["4.3"].month_amount == D("12331.00")
    # Items without progress: zero everywhere.
    assert lines["3.1"].cumulative_amount == lines["4.2"].cumulative_amount == D("0.00")
    # Works: previous 18 500 + 25 380 + 19 020 + 7 788 = 70 688.00;
    # cumulative 18 500 + 42 300 + 50 720 + 27 312.50 + 20 119 = 158 951.50
    assert (st.works_previous, st.works_cumulative, st.works_month) == (
        D("70688.00"),
        D("158951.50"),
        D("88263.50"),
    )
    # Supplies 0 → 12 000, expenses 350 → 520.40
    assert (st.extras_previous, st.extras_cumulative, st.extras_month) == (
        D("350.00"),
        D("12520.40"),
        D("12170.40"),
    )
    assert (st.total_previous, st.total_cumulative, st.total_month) == (
        D("71038.00"),
        D("171471.90"),
        D("100433.90"),
    )
    # Retention 5 %: 3 551.90 → 8 573.595 rounded half-up 8 573.60, month 5 021.70
    assert (st.retention_previous, st.retention_cumulative, st.retention_month) == (
        D("3551.90"),
        D("8573.60"),
        D("5021.70"),
    )
    # 158 951.50 / 454 197 = 35 % of the works: no advance repaid yet.
    assert st.advance_month == D("0")
    assert st.net_month == D("95412.20")  # 100 433.90 − 5 021.70
    assert st.contract_total == AMENDED_TOTAL


def test_month_amount_is_difference_of_rounded_cumulatives():
    # 33.33 % of 98 450 = 32 813.385 → 32 813.39; 66.67 % = 65 636.615 → 65 636.62
    item = [Item("3.1", "Menuiseries extérieures aluminium", LUMP_SUM, D("98450.00"))]
    months = [D("0"), D("33.33"), D("66.67"), D("100")]
    month_amounts = []
    for previous, cumulative in zip(months, months[1:], strict=False):
        st = compute(item, [Progress("3.1", previous, cumulative)])
        month_amounts.append(st.works_month)
    assert month_amounts == [D("32813.39"), D("32823.23"), D("32813.38")]
    assert sum(month_amounts) == D("98450.00")


def test_retention_cap_and_bank_guarantee():
    # Cap: 5 % of 454 197 = 22 709.85, even when supplies push the base above the contract.
    assert retention(D("470000"), AMENDED_TOTAL, D("5")) == D("22709.85")
    assert retention(D("100000"), AMENDED_TOTAL, D("3")) == D("3000.00")
    assert retention(D("100000"), AMENDED_TOTAL, D("5"), bank_guarantee=True) == D("0")
    assert retention(D("100000"), AMENDED_TOTAL, D("0")) == D("0")


def test_advance_repaid_between_65_and_80_percent():
    advance = D("45419.70")  # 10 % of 454 197
    # 65 % = 295 228.05 → nothing; 70 % = 317 937.90 → a third: 15 139.90; 80 % → all
    assert advance_repaid(D("295228.05"), AMENDED_TOTAL, advance) == D("0")
    assert advance_repaid(D("317937.90"), AMENDED_TOTAL, advance) == D("15139.90")
    assert advance_repaid(D("363357.60"), AMENDED_TOTAL, advance) == advance
    assert advance_repaid(AMENDED_TOTAL, AMENDED_TOTAL, advance) == advance
    assert advance_repaid(D("317937.90"), AMENDED_TOTAL, D("0")) == D("0")


def test_advance_repayment_of_a_month():
    # Month from 60 % (nothing repaid) to 70 % of the lump sum: a third of the advance.
    items = [Item("2.1", "Gros œuvre", LUMP_SUM, D("126800.00"))]
    st = compute(items, [Progress("2.1", D("60"), D("70"))], retention_rate=0, advance=D("12680.00"))
    assert st.advance_previous == D("0")
    assert st.advance_month == D("4226.67")  # 12 680 / 3 = 4 226.666…
    assert st.net_month == D("12680.00") - D("4226.67")  # month 10 % = 12 680.00


@pytest.mark.parametrize(
    ("progress", "code"),
    [
        ([Progress("2.1", D("40"), D("35"))], "cumulative_down"),
        ([Progress("2.1", D("40"), D("120"))], "over_100"),
        ([Progress("4.1", D("0"), D("9000"))], "beyond_contract"),
        ([Progress("9.9", D("0"), D("10"))], "unknown_item"),
        ([Progress("4.1", D("0"), D("-3"))], "negative"),
    ],
)
def test_checks(progress, code):
    problems = check(ITEMS, progress, amendments=[AMENDMENT_1], retention_rate=D("5"))
    assert code in [p.code for p in problems]


def test_checks_accept_a_justified_correction_and_a_good_statement():
    assert check(ITEMS, MONTH_3, EXTRAS_3, [AMENDMENT_1], D("5")) == []
    corrected = [Progress("2.1", D("40"), D("35"), reason="Métré contradictoire du 12/03")]
    assert check(ITEMS, corrected, amendments=[AMENDMENT_1]) == []
    down = check(ITEMS, [], [Extra("supplies", "Menuiseries", D("12000"), D("0"))])
    assert [p.code for p in down] == ["cumulative_down"]
    assert down[0].params["item"] == "Menuiseries"


def test_checks_beyond_contract_needs_the_amendment():
    # 4.3 exists only through the amendment.
    progress = [Progress("4.3", D("0"), D("100"))]
    assert [p.code for p in check(ITEMS, progress)] == ["unknown_item"]
    assert check(ITEMS, progress, amendments=[AMENDMENT_1]) == []
    problem = check(ITEMS, [Progress("4.1", D("0"), D("9000"))])[0]
    # 9 000 m² × 87.40 = 786 600.00 beyond 431 549.00
    assert problem.params == {"cumulative": D("786600.00"), "total": INITIAL_TOTAL}


def test_retention_rate_checked():
    assert [p.code for p in check(ITEMS, [], retention_rate=D("6"))] == ["retention_rate"]
    assert check(ITEMS, [], retention_rate=D("5")) == []


def test_frames_by_role():
    assert allowed_frames(HOLDER, MONTHLY) == ("A4",)
    assert allowed_frames(SUBCONTRACTOR, MONTHLY) == ("A10",)
    assert allowed_frames(CO_CONTRACTOR, MONTHLY) == ("A13",)
    assert allowed_frames(HOLDER, FINAL) == ("A7",)
    assert allowed_frames(SUBCONTRACTOR, FINAL) == ("A11",)
    assert allowed_frames(CO_CONTRACTOR, FINAL) == ("A14",)
    assert allowed_frames(CO_CONTRACTOR, "general") == ()
