# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Santé Psy Étudiant rules: university year, cap, prices by date."""

from datetime import date

from l10n_fr_chorus_pro.lib.spe_rules import (
    beyond_cap,
    ine_valid,
    invoice_rows,
    student_code_problem,
    university_year,
)

RULES = [
    {"date_from": date(2021, 4, 1), "first_price": 40.0, "other_price": 30.0, "cap": 8},
    {"date_from": date(2024, 7, 1), "first_price": 50.0, "other_price": 50.0, "cap": 12},
]


def test_student_code():
    assert student_code_problem("SPE-2291") is None
    assert student_code_problem(" ab12 ") is None
    assert student_code_problem("Martin") == "name"
    assert student_code_problem("Jean Dupont") == "format"
    assert student_code_problem("A1") == "format"
    assert student_code_problem("A" * 20 + "1") == "format"
    assert student_code_problem("-A12") == "format"


def test_ine():
    assert ine_valid("1234567890A")
    assert ine_valid("123456789ab")
    assert not ine_valid("1234567890")
    assert not ine_valid("12345678901")


def test_university_year():
    assert university_year(date(2024, 8, 31))[2] == "2023-2024"
    assert university_year(date(2024, 9, 1)) == (date(2024, 9, 1), date(2025, 8, 31), "2024-2025")


def test_cap_renews_on_1_september():
    sessions = [(n, "S1", date(2025, 1, 1 + n)) for n in range(13)]
    sessions.append(("sept", "S1", date(2025, 9, 1)))
    assert beyond_cap(sessions, RULES) == {12}


def test_cap_across_the_price_change():
    # 10 sessions before 1 July 2024 (cap 8): the 9th and 10th are beyond; after it
    # (cap 12) the student goes on at the 9th: 4 more, the 5th is beyond.
    before = [(f"b{n}", "S1", date(2024, 3, 1 + n)) for n in range(10)]
    after = [(f"a{n}", "S1", date(2024, 7, 1 + n)) for n in range(5)]
    assert beyond_cap(before + after, RULES) == {"b8", "b9", "a4"}
    # Another student is counted apart.
    assert beyond_cap([("x", "S2", date(2024, 7, 1))], RULES) == set()


def test_prices_across_1_july_2024():
    rows = invoice_rows(
        [
            ("a", date(2024, 6, 30), True),
            ("b", date(2024, 6, 30), False),
            ("c", date(2024, 6, 30), False),
            ("d", date(2024, 7, 1), True),
            ("e", date(2024, 7, 1), False),
        ],
        RULES,
    )
    assert [(r["date"], r["price"], r["count"], r["first_count"]) for r in rows] == [
        (date(2024, 6, 30), 40.0, 1, 1),
        (date(2024, 6, 30), 30.0, 2, 0),
        (date(2024, 7, 1), 50.0, 2, 1),
    ]
