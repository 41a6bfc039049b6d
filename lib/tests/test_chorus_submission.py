# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The ``soumettre`` payload (DEPOT_PDF_API) built from the EN 16931 data dict."""

import copy
import datetime

import pytest
from l10n_fr_chorus_pro.lib.chorus_submission import (
    SubmissionError,
    exemption_reason,
    submission_payload,
    vat_type,
)

INVOICE = {
    "BT-1": "INV/2026/00042",
    "BT-2": datetime.date(2026, 11, 2),
    "BT-3": "380",
    "BT-5": "EUR",
    "BT-10": "132",
    "BT-13": "EJ2026-000123",
    "BT-23": "A1",
    "BT-81": "30",
    "BT-84": "FR4430004000030000012345678",
    "BG-4": {"name": "Cabinet Chorus Test", "legal_identifier": "81234567600017"},
    "BG-7": {"name": "Département de la Seine-Saint-Denis", "legal_identifier": "22930008201453"},
    "BG-25": [
        {
            "BT-126": "1",
            "BT-129": 3.0,
            "BT-130": "C62",
            "BT-131": 285.0,
            "BT-146": 95.0,
            "BT-151": "S",
            "BT-152": 20.0,
            "BT-153": "Accueil de jour",
        },
        {
            "BT-126": "2",
            "BT-129": 2.0,
            "BT-130": "HUR",
            "BT-131": 90.0,
            "BT-146": 45.0,
            "BT-148": 50.0,
            "BT-147-00": [{"BT-147": 5.0}],
            "BT-151": "S",
            "BT-152": 20.0,
            "BT-153": "Séance",
            "BT-155": "SEANCE-1",
        },
    ],
    "BG-23": [{"BT-116": 375.0, "BT-117": 75.0, "BT-118": "S", "BT-119": 20.0}],
    "BT-106": 375.0,
    "BT-109": 375.0,
    "BT-110": 75.0,
    "BT-112": 450.0,
    "BT-113": 0.0,
    "BT-115": 450.0,
}


def payload(data=None, **kwargs):
    kwargs.setdefault("pdf_attachment_id", 7001)
    kwargs.setdefault("supplier_structure_id", 25000001)
    return submission_payload(copy.deepcopy(data or INVOICE), **kwargs)


def test_invoice_routing_and_references():
    body = payload(pdf_name="INV_2026_00042.pdf")
    assert body["modeDepot"] == "DEPOT_PDF_API"
    assert body["numeroFactureSaisi"] == "INV/2026/00042"
    assert body["dateFacture"] == "2026-11-02"
    assert body["destinataire"] == {"codeDestinataire": "22930008201453", "codeServiceExecutant": "132"}
    assert body["fournisseur"] == {"idFournisseur": 25000001}
    assert body["cadreDeFacturation"] == {"codeCadreFacturation": "A1_FACTURE_FOURNISSEUR"}
    assert body["references"] == {
        "deviseFacture": "EUR",
        "typeFacture": "FACTURE",
        "typeTva": "TVA_SUR_DEBIT",
        "modePaiement": "VIREMENT",
        "numeroBonCommande": "EJ2026-000123",
    }
    assert body["pieceJointePrincipale"] == [
        {"pieceJointePrincipaleDesignation": "INV_2026_00042.pdf", "pieceJointePrincipaleId": 7001}
    ]
    assert "pieceJointeComplementaire" not in body
    assert "commentaire" not in body


def test_amounts_lines_and_vat_summary():
    body = payload()
    assert body["montantTotal"] == {
        "montantHtTotal": 375.0,
        "montantTVA": 75.0,
        "montantTtcTotal": 450.0,
        "montantTtcAvantRemiseGlobalTTC": 450.0,
        "montantRemiseGlobaleTTC": 0.0,
        "montantAPayer": 450.0,
    }
    first, second = body["lignePoste"]
    assert first == {
        "lignePosteNumero": 1,
        "lignePosteReference": "",
        "lignePosteDenomination": "Accueil de jour",
        "lignePosteQuantite": 3.0,
        "lignePosteUnite": "C62",
        "lignePosteMontantUnitaireHT": 95.0,
        "lignePosteMontantRemiseHT": 0.0,
        "lignePosteTauxTvaManuel": 20.0,
    }
    # A discounted line: the gross unit price and the discount of the line.
    assert second["lignePosteMontantUnitaireHT"] == 50.0
    assert second["lignePosteMontantRemiseHT"] == 10.0
    assert second["lignePosteReference"] == "SEANCE-1"
    for line in body["lignePoste"]:
        net = (
            line["lignePosteQuantite"] * line["lignePosteMontantUnitaireHT"]
            - line["lignePosteMontantRemiseHT"]
        )
        assert net == pytest.approx([l["BT-131"] for l in INVOICE["BG-25"]][line["lignePosteNumero"] - 1])
    assert body["ligneTva"] == [
        {"ligneTvaTauxManuel": 20.0, "ligneTvaMontantBaseHtParTaux": 375.0, "ligneTvaMontantTvaParTaux": 75.0}
    ]


def test_price_including_tax_is_brought_back_to_the_amount_excluding_tax():
    """An Odoo price-included tax: the unit prices of the data include the tax, the line
    amount (BT-131) does not."""
    data = copy.deepcopy(INVOICE)
    data["BG-25"] = [
        {
            "BT-126": "1",
            "BT-129": 3.0,
            "BT-130": "C62",
            "BT-131": 237.5,
            "BT-146": 95.0,
            "BT-151": "S",
            "BT-152": 20.0,
            "BT-153": "Accueil de jour",
        },
        {
            "BT-126": "2",
            "BT-129": 2.0,
            "BT-130": "C62",
            "BT-131": 75.0,
            "BT-146": 45.0,
            "BT-148": 50.0,
            "BT-151": "S",
            "BT-152": 20.0,
            "BT-153": "Séance",
        },
    ]
    first, second = payload(data)["lignePoste"]
    assert first["lignePosteMontantUnitaireHT"] == 79.1667
    assert first["lignePosteMontantRemiseHT"] == 0.0
    assert round(3 * first["lignePosteMontantUnitaireHT"], 2) == 237.5
    assert second["lignePosteMontantUnitaireHT"] == pytest.approx(41.6667)
    assert second["lignePosteMontantRemiseHT"] == pytest.approx(8.33)
    assert round(2 * second["lignePosteMontantUnitaireHT"] - second["lignePosteMontantRemiseHT"], 2) == 75.0


def test_amount_due_after_prepayment_and_rounding():
    data = copy.deepcopy(INVOICE)
    data.update({"BT-113": 100.0, "BT-115": 350.004})
    assert payload(data)["montantTotal"]["montantAPayer"] == 350.0


def test_vat_rate_codes_when_known():
    body = payload(vat_codes={20.0: "TVA1", 10.0: "TVA2"})
    assert body["lignePoste"][0]["lignePosteTauxTva"] == "TVA1"
    assert body["lignePoste"][0]["lignePosteTauxTvaManuel"] == 20.0
    assert body["ligneTva"][0]["ligneTvaTaux"] == "TVA1"
    # An unknown rate keeps the manual rate only.
    assert "ligneTvaTaux" not in payload(vat_codes={5.5: "TVA3"})["ligneTva"][0]


def test_exempt_invoice_gives_the_reason():
    data = copy.deepcopy(INVOICE)
    for line in data["BG-25"]:
        line.update({"BT-151": "E", "BT-152": 0.0})
    data["BG-23"] = [
        {
            "BT-116": 375.0,
            "BT-117": 0.0,
            "BT-118": "E",
            "BT-119": 0.0,
            "BT-121": "VATEX-FR-CGI261-4",
            "BT-120": "TVA non applicable, art. 261-4-1° du CGI",
        }
    ]
    data.update({"BT-110": 0.0, "BT-112": 375.0, "BT-115": 375.0})
    assert vat_type(data) == "EXONERATION"
    assert exemption_reason(data) == "TVA non applicable, art. 261-4-1° du CGI"
    body = payload(data)
    assert body["references"]["typeTva"] == "EXONERATION"
    assert body["references"]["motifExonerationTva"] == "TVA non applicable, art. 261-4-1° du CGI"
    assert body["montantTotal"]["montantTVA"] == 0.0
    # Only the code: the code is the reason.
    del data["BG-23"][0]["BT-120"]
    assert payload(data)["references"]["motifExonerationTva"] == "VATEX-FR-CGI261-4"
    # Out of the scope of VAT: no VAT, nothing to justify.
    data["BG-23"][0]["BT-118"] = "O"
    assert vat_type(data) == "SANS_TVA"
    assert "motifExonerationTva" not in payload(data)["references"]


def test_vat_on_payments():
    data = dict(INVOICE, **{"BT-8": "payment"})
    assert payload(data)["references"]["typeTva"] == "TVA_SUR_ENCAISSEMENT"


def test_credit_note_names_the_original_invoice():
    data = copy.deepcopy(INVOICE)
    data.update(
        {
            "BT-1": "RINV/2026/00003",
            "BT-3": "381",
            "BG-3": [{"BT-25": "INV/2026/00042", "BT-26": datetime.date(2026, 11, 2)}],
        }
    )
    for key in ("BT-81", "BT-84"):
        data.pop(key)
    references = payload(data)["references"]
    assert references["typeFacture"] == "AVOIR"
    assert references["numeroFactureOrigine"] == "INV/2026/00042"
    assert references["modePaiement"] == "AUTRE"


def test_market_billing_frame_and_optional_ids():
    data = dict(INVOICE, **{"BT-12": "MARCHE-2026-07", "BT-23": "A2"})
    del data["BT-10"]
    body = payload(
        data,
        bank_details_id="55",
        supplier_service_id=12,
        comment="Hors Factur-X",
        attachments=[(8001, "arrete.pdf"), (8002, "decompte.xlsx")],
    )
    assert body["references"]["numeroMarche"] == "MARCHE-2026-07"
    assert body["cadreDeFacturation"]["codeCadreFacturation"] == "A2_FACTURE_FOURNISSEUR_DEJA_PAYEE"
    assert body["destinataire"] == {"codeDestinataire": "22930008201453"}
    assert body["fournisseur"] == {
        "idFournisseur": 25000001,
        "codeCoordonneesBancairesFournisseur": 55,
        "idServiceFournisseur": 12,
    }
    assert body["pieceJointeComplementaire"] == [
        {"pieceJointeComplementaireDesignation": "arrete.pdf", "pieceJointeComplementaireId": 8001},
        {"pieceJointeComplementaireDesignation": "decompte.xlsx", "pieceJointeComplementaireId": 8002},
    ]
    assert body["commentaire"] == "Hors Factur-X"
    assert body["pieceJointePrincipale"][0]["pieceJointePrincipaleDesignation"] == "INV/2026/00042.pdf"


def test_date_as_text_or_datetime():
    assert payload(dict(INVOICE, **{"BT-2": "2026-11-02"}))["dateFacture"] == "2026-11-02"
    when = datetime.datetime(2026, 11, 2, 15, 30)
    assert payload(dict(INVOICE, **{"BT-2": when}))["dateFacture"] == "2026-11-02"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"BT-1": ""}, "invoice number"),
        ({"BG-7": {"name": "Sans SIRET"}}, "SIRET"),
        ({"BT-3": "386"}, "invoice type 386"),
    ],
)
def test_missing_data_is_refused(change, message):
    with pytest.raises(SubmissionError, match=message):
        payload(dict(INVOICE, **change))


def test_missing_ids_are_refused():
    with pytest.raises(SubmissionError, match="structure id"):
        payload(supplier_structure_id=None)
    with pytest.raises(SubmissionError, match="PDF attachment"):
        payload(pdf_attachment_id=None)


def test_data_is_not_modified():
    data = copy.deepcopy(INVOICE)
    submission_payload(data, 7001, 25000001)
    assert data == INVOICE


def test_works_frame_carries_its_validator():
    data = dict(INVOICE, **{"BT-23": "A4", "BT-12": "MT-2026-COLLEGE-07"})
    body = payload(data, validator_siret="852 345 677 00011", validator_service="MOE-COLLEGES")
    assert body["cadreDeFacturation"] == {
        "codeCadreFacturation": "A4_PROJET_DECOMPTE_MENSUEL_FOURNISSEUR",
        "codeStructureValideur": "85234567700011",
        "codeServiceValideur": "MOE-COLLEGES",
    }
    # Without a service: the structure only; an ordinary invoice has no validator.
    body = payload(dict(INVOICE, **{"BT-23": "A13"}), validator_siret="85234567700011")
    assert body["cadreDeFacturation"] == {
        "codeCadreFacturation": "A13_PROJET_DECOMPTE_MENSUEL_COTRAITANT",
        "codeStructureValideur": "85234567700011",
    }
    assert payload()["cadreDeFacturation"] == {"codeCadreFacturation": "A1_FACTURE_FOURNISSEUR"}


def test_works_frame_without_validator_is_refused():
    with pytest.raises(SubmissionError, match="A7 needs its validator"):
        payload(dict(INVOICE, **{"BT-23": "A7"}))
