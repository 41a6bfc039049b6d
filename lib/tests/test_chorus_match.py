# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Whether the invoice Chorus Pro holds under a number is the invoice Odoo has."""

import datetime

import pytest
from l10n_fr_chorus_pro.lib.chorus_match import chorus_date, invoice_differences

INVOICE = {
    "recipient": "22930008201453",
    "amount_untaxed": 285.0,
    "amount_total": 342.0,
    "currency": "EUR",
    "date": datetime.date(2026, 11, 2),
    "engagement": "EJ2026-000123",
    "credit_note": False,
}
# What rechercher/fournisseur answers for the same invoice (the simulator's shape).
ITEM = {
    "identifiantFactureCPP": 10000001,
    "numeroFacture": "INV/2026/00001",
    "statut": "DEPOSEE",
    "codeDestinataire": "22930008201453",
    "devise": "EUR",
    "montantHT": 285.0,
    "montantTTC": 342.0,
    "dateFacture": "2026-11-02",
    "numeroBonCommande": "EJ2026-000123",
    "typeFacture": "FACTURE",
}


def differences(**changes):
    item = dict(ITEM, **changes)
    for key in [k for k, v in changes.items() if v is None]:
        del item[key]
    return invoice_differences(INVOICE, item)


def test_same_invoice_has_no_difference():
    assert invoice_differences(INVOICE, ITEM) == []


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"codeDestinataire": "13001533200013"}, [("recipient", "22930008201453", "13001533200013")]),
        (
            {"montantHT": 1000.0, "montantTTC": 1200.0},
            [("amount_untaxed", 285.0, 1000.0), ("amount_total", 342.0, 1200.0)],
        ),
        ({"dateFacture": "2026-10-01"}, [("date", datetime.date(2026, 11, 2), datetime.date(2026, 10, 1))]),
        ({"numeroBonCommande": "EJ-AUTRE"}, [("engagement", "EJ2026-000123", "EJ-AUTRE")]),
        ({"numeroBonCommande": None}, [("engagement", "EJ2026-000123", "")]),
        ({"typeFacture": "AVOIR"}, [("type", False, True)]),
        ({"devise": "USD"}, [("currency", "EUR", "USD")]),
    ],
)
def test_each_difference_is_named(changes, expected):
    assert differences(**changes) == expected


def test_amounts_compared_at_the_currency_rounding():
    assert differences(montantHT=285.004, montantTTC="342.00") == []
    assert differences(montantTTC=342.01) == [("amount_total", 342.0, 342.01)]
    assert (
        invoice_differences(dict(INVOICE, amount_total=342.4), dict(ITEM, montantTTC=342), rounding=1.0) == []
    )
    assert differences(montantHT="n/a") == [("amount_untaxed", 285.0, "n/a")]


def test_recipient_siret_as_a_number_or_with_spaces():
    assert differences(codeDestinataire=22930008201453) == []
    assert differences(codeDestinataire="229 300 082 01453") == []


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-02",
        "2026-11-02T00:00:00.000+01:00",
        "2026-11-02 00:00",
        "02/11/2026",
        # Midnight in Paris as epoch milliseconds and seconds (the day before in UTC).
        int(
            datetime.datetime(2026, 11, 2, tzinfo=datetime.timezone(datetime.timedelta(hours=1))).timestamp()
            * 1000
        ),
        int(
            datetime.datetime(2026, 11, 2, tzinfo=datetime.timezone(datetime.timedelta(hours=1))).timestamp()
        ),
    ],
)
def test_invoice_date_as_string_or_timestamp(value):
    assert chorus_date(value) == datetime.date(2026, 11, 2)
    assert differences(dateFacture=value) == []


def test_unreadable_date_differs():
    assert differences(dateFacture="not a date") == [("date", datetime.date(2026, 11, 2), "not a date")]


def test_values_chorus_pro_does_not_give_are_not_compared():
    assert (
        differences(
            codeDestinataire=None,
            montantHT=None,
            montantTTC=None,
            devise=None,
            dateFacture=None,
            typeFacture=None,
        )
        == []
    )


def test_engagement_compared_when_either_side_has_one():
    no_ej = dict(INVOICE, engagement=False)
    assert invoice_differences(no_ej, dict(ITEM, numeroBonCommande=None)) == []
    assert invoice_differences(no_ej, dict(ITEM, numeroBonCommande="")) == []
    assert invoice_differences(no_ej, ITEM) == [("engagement", "", "EJ2026-000123")]
    assert differences(numeroBonCommande=" EJ2026-000123 ") == []


def test_credit_note():
    credit_note = dict(INVOICE, credit_note=True)
    assert invoice_differences(credit_note, dict(ITEM, typeFacture="AVOIR")) == []
    assert invoice_differences(credit_note, ITEM) == [("type", True, False)]
    # A down payment invoice (ACOMPTE) is an invoice, not a credit note.
    assert differences(typeFacture="ACOMPTE") == []
