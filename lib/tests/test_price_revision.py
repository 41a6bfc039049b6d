# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Price revision: coefficient, validation, month of application, rounding, provisional.

Known coefficients are computed by hand from published index values:

* Syntec index (Fédération Syntec, base 100 in 1961): January 2023 = 293.9 (published
  28/02/2023), November 2023 = 307.0 (published 29/12/2023), as listed on
  https://www.salaire-minimum.com/indices/indice-syntec-2023 (secondary source).
* INSEE index BT40 "Chauffage central (à l'exclusion du chauffage électrique)":
  January 2018 = 105.90, December 2018 = 107.70, as listed on
  https://batirama.com/indices-index-batiment/85-bt40-chauffage-central-a-l-exclusion-du-chauffage-electrique-2018.html
  (secondary source reproducing INSEE's values).
* Formula shapes from real CCAPs quoted in docs/price-revision.md:
  ``P = Po [0.30 + 0.70 (Sy/Syo)]`` (intellectual services, Syntec).
"""

from datetime import date
from decimal import Decimal

import pytest
from l10n_fr_chorus_pro.lib.price_revision import (
    ROUND_NEAREST,
    ROUND_UP,
    YEARLY,
    PriceRevisionError,
    Term,
    add_months,
    application_month,
    compute,
    formula_text,
    last_anniversary,
    number_text,
    revised_price,
    revision_month,
    round_coefficient,
    validate,
)

SYNTEC = {
    date(2023, 1, 1): Decimal("293.9"),
    date(2023, 2, 1): Decimal("298.5"),
    date(2023, 10, 1): Decimal("306.7"),
    date(2023, 11, 1): Decimal("307.0"),
}
BT40 = {date(2018, 1, 1): Decimal("105.90"), date(2018, 12, 1): Decimal("107.70")}


def syntec_term(weight="0.70"):
    return Term("SYNTEC", Decimal(weight), date(2023, 1, 1), SYNTEC[date(2023, 1, 1)])


def test_single_index_known_coefficient():
    # C = 0.30 + 0.70 × 307.0 / 293.9 = 0.30 + 0.70 × 1.0445730 = 1.0312011
    revision = compute(Decimal("0.30"), [syntec_term()], {"SYNTEC": SYNTEC}, date(2023, 11, 1))
    assert revision.raw_coefficient == Decimal("1.031201089")
    assert revision.coefficient == Decimal("1.032")  # thousandth above (CCAG-FCS 2021 art. 10.1.2)
    assert not revision.provisional
    (term,) = revision.terms
    assert (term.value_month, term.value, term.base_value) == (
        date(2023, 11, 1),
        Decimal("307.0"),
        Decimal("293.9"),
    )
    nearest = compute(Decimal("0.30"), [syntec_term()], {"SYNTEC": SYNTEC}, date(2023, 11, 1), ROUND_NEAREST)
    assert nearest.coefficient == Decimal("1.031")


def test_several_indices_known_coefficient():
    # C = 0.125 + 0.70 × 307.0/293.9 + 0.175 × 107.70/105.90
    #   = 0.125 + 0.70 × 1.0445730 + 0.175 × 1.0169972 = 0.125 + 0.7312011 + 0.1779745 = 1.0341756
    terms = [syntec_term(), Term("BT40", Decimal("0.175"), date(2018, 1, 1), Decimal("105.90"))]
    revision = compute(Decimal("0.125"), terms, {"SYNTEC": SYNTEC, "BT40": BT40}, date(2023, 11, 1), ROUND_UP)
    assert revision.coefficient == Decimal("1.035")
    assert compute(
        Decimal("0.125"), terms, {"SYNTEC": SYNTEC, "BT40": BT40}, date(2023, 11, 1), ROUND_NEAREST
    ).coefficient == Decimal("1.034")
    # BT40 has no value for November 2023: its last one (December 2018) is used.
    assert revision.provisional
    assert [t.provisional for t in revision.terms] == [False, True]
    assert revision.terms[1].value_month == date(2018, 12, 1)


def test_rounding_up_keeps_an_exact_thousandth():
    assert round_coefficient(Decimal("1.025")) == Decimal("1.025")
    assert round_coefficient(Decimal("1.0250001")) == Decimal("1.026")
    assert round_coefficient(Decimal("1.0245"), ROUND_NEAREST) == Decimal("1.025")
    assert round_coefficient(Decimal("0.9994"), ROUND_NEAREST) == Decimal("0.999")
    # No fixed part, 102.5 / 100 is exactly 1.025: no float error bumps it to 1.026.
    revision = compute(
        0, [Term("I", 1.0, date(2024, 1, 1), 100.0)], {"I": {date(2024, 3, 1): 102.5}}, date(2024, 3, 1)
    )
    assert revision.coefficient == Decimal("1.025")


def test_provisional_when_the_month_is_missing():
    # December 2023 not published yet: November's value is used, provisional.
    revision = compute(Decimal("0.30"), [syntec_term()], {"SYNTEC": SYNTEC}, date(2023, 12, 1))
    assert revision.provisional
    assert revision.terms[0].value_month == date(2023, 11, 1)
    assert revision.coefficient == Decimal("1.032")


def test_no_value_at_all():
    with pytest.raises(PriceRevisionError) as error:
        compute(Decimal("0.30"), [syntec_term()], {"SYNTEC": SYNTEC}, date(2022, 12, 1))
    assert error.value.code == "no_value"


def test_application_month():
    assert application_month(date(2023, 11, 20)) == date(2023, 11, 1)
    assert application_month(date(2023, 2, 14), 3) == date(2022, 11, 1)
    assert add_months(date(2023, 12, 31), 1) == date(2024, 1, 1)
    for offset in (-1, 25, 1.5):
        with pytest.raises(PriceRevisionError) as error:
            application_month(date(2023, 2, 1), offset)
        assert error.value.code == "offset_range"
    with pytest.raises(PriceRevisionError) as error:
        application_month(date(1800, 1, 1))
    assert error.value.code == "month_range"


@pytest.mark.parametrize(
    ("fixed", "terms", "code"),
    [
        (Decimal("0.30"), [syntec_term("0.60")], "weights_sum"),
        (Decimal("0.30"), [], "no_term"),
        (Decimal("0.30"), [Term("SYNTEC", Decimal("0.70"), date(2023, 1, 1), None)], "no_base_value"),
        (Decimal("0.30"), [Term("SYNTEC", Decimal("0.70"), date(2023, 1, 1), 0)], "base_value_zero"),
        (Decimal("-0.1"), [syntec_term("1.1")], "weight_range"),
        (0, [syntec_term("0.5"), syntec_term("0.5")], "duplicate_index"),
        (Decimal("0.30"), [Term("SYNTEC", Decimal("0.70"), date(1700, 1, 1), 1)], "month_range"),
    ],
)
def test_bad_clauses(fixed, terms, code):
    with pytest.raises(PriceRevisionError) as error:
        validate(fixed, terms)
    assert error.value.code == code


def test_weights_tolerance():
    # Floats that add up to 1 up to binary noise are accepted.
    validate(0.1, [Term("A", 0.2, date(2024, 1, 1), 1), Term("B", 0.7, date(2024, 1, 1), 1)])


def test_revised_price_and_formula():
    assert revised_price(Decimal("50.00"), Decimal("1.032")) == Decimal("51.60")
    assert revised_price(Decimal("333.33"), Decimal("1.035")) == Decimal("345.00")
    assert formula_text(Decimal("0.30"), [syntec_term()]) == "C = 0.3 + 0.7 × SYNTEC/SYNTEC₀"


def test_numbers_and_formula_with_a_decimal_comma():
    assert number_text(Decimal("1.032"), ",") == "1,032"
    assert number_text(Decimal("307.0"), ",") == "307,0"
    assert number_text(Decimal("1234567.5"), ",", " ") == "1 234 567,5"
    assert number_text(Decimal("-12"), ",", " ") == "-12"
    assert number_text(Decimal("1.032")) == "1.032"
    terms = [Term("SYNTEC", Decimal("0.70"), date(2023, 1, 1))]
    assert formula_text(Decimal("0.30"), terms, ",") == "C = 0,3 + 0,7 × SYNTEC/SYNTEC₀"
    assert formula_text(Decimal("0.30"), terms) == "C = 0.3 + 0.7 × SYNTEC/SYNTEC₀"


def test_yearly_periodicity_on_the_anniversary():
    # Anniversary 15 November 2023: the coefficient of November 2023 (0.30 + 0.70 × 307.0 /
    # 293.9 = 1.0312011 → 1.032) is kept until the next anniversary.
    anniversary = date(2023, 11, 15)
    for day in (date(2023, 11, 15), date(2023, 12, 20), date(2024, 6, 10), date(2024, 11, 14)):
        month = revision_month(day, 0, YEARLY, anniversary)
        assert month == date(2023, 11, 1), day
        assert compute(Decimal("0.30"), [syntec_term()], {"SYNTEC": SYNTEC}, month).coefficient == Decimal(
            "1.032"
        )
    assert revision_month(date(2024, 11, 15), 0, YEARLY, anniversary) == date(2024, 11, 1)
    # With the index read three months before the anniversary (m − 3).
    assert revision_month(date(2024, 6, 10), 3, YEARLY, date(2024, 2, 1)) == date(2023, 11, 1)
    # Monthly: the month of execution.
    assert revision_month(date(2024, 6, 10)) == date(2024, 6, 1)
    # A 29 February anniversary falls on 28 February in the other years.
    assert last_anniversary(date(2025, 3, 1), date(2024, 2, 29)) == date(2025, 2, 28)
    assert last_anniversary(date(2025, 2, 27), date(2024, 2, 29)) == date(2024, 2, 29)
    assert last_anniversary(date(2028, 2, 29), date(2024, 2, 29)) == date(2028, 2, 29)
    with pytest.raises(PriceRevisionError) as error:
        revision_month(date(2024, 6, 10), 0, YEARLY, None)
    assert error.value.code == "no_anniversary"
    with pytest.raises(PriceRevisionError) as error:
        revision_month(date(2024, 6, 10), 0, "weekly", anniversary)
    assert error.value.code == "periodicity"


def test_ceiling_and_safeguard():
    series = {"SYNTEC": SYNTEC}
    month = date(2023, 11, 1)
    # Formula: 1.0312011 → 1.032; a ceiling of 1.020 caps it.
    capped = compute(Decimal("0.30"), [syntec_term()], series, month, ceiling=Decimal("1.02"))
    assert (capped.coefficient, capped.formula_coefficient, capped.capped) == (
        Decimal("1.020"),
        Decimal("1.032"),
        True,
    )
    free = compute(Decimal("0.30"), [syntec_term()], series, month, ceiling=Decimal("1.05"))
    assert (free.coefficient, free.capped) == (Decimal("1.032"), False)
    # Safeguard: a variation of 3.2 % goes beyond 3 %, not beyond 5 %.
    assert compute(
        Decimal("0.30"), [syntec_term()], series, month, safeguard=Decimal("0.03")
    ).safeguard_reached
    assert not compute(
        Decimal("0.30"), [syntec_term()], series, month, safeguard=Decimal("0.05")
    ).safeguard_reached
    for kwargs, code in (
        ({"ceiling": Decimal("0.9")}, "ceiling_range"),
        ({"ceiling": Decimal("11")}, "ceiling_range"),
        ({"safeguard": Decimal("0")}, "safeguard_range"),
        ({"safeguard": Decimal("1")}, "safeguard_range"),
    ):
        with pytest.raises(PriceRevisionError) as error:
            compute(Decimal("0.30"), [syntec_term()], series, month, **kwargs)
        assert error.value.code == code
