"""deposer/pdf + soumettre, and the Transverses referentials, in both realisms."""

import pytest
from chorus_pro_simulator import Simulator, rules
from chorus_pro_simulator.util import today as chorus_today
from fxutil import SIRET_D93, SIRET_NO_PARAM, b64, base_pdf

SOUMETTRE = "/cpro/factures/v1/soumettre"
DEPOSER_PDF = "/cpro/factures/v1/deposer/pdf"
TILLEULS_ID = 26311003


@pytest.fixture(params=["strict", "production"])
def sim(request):
    simulator = Simulator(flow_steps=0, realism=request.param)
    yield simulator
    simulator.close()


def upload(client, name="facture.pdf"):
    return client.ok(
        DEPOSER_PDF, {"fichierFacture": b64(base_pdf()), "nomFichier": name, "formatDepot": "PDF_NON_SIGNE"}
    )["pieceJointeId"]


def body(
    piece_id=None,
    number="SOUM-0001",
    buyer=SIRET_D93,
    service="538",
    ej="EJ2026-000123",
    mode="DEPOT_PDF_API",
    **extra,
):
    data = {
        "modeDepot": mode,
        "numeroFactureSaisi": number,
        "dateFacture": chorus_today().isoformat(),
        "destinataire": {"codeDestinataire": buyer},
        "fournisseur": {"idFournisseur": TILLEULS_ID},
        "cadreDeFacturation": {"codeCadreFacturation": "A1_FACTURE_FOURNISSEUR"},
        "references": {
            "deviseFacture": "EUR",
            "typeFacture": "FACTURE",
            "typeTva": "TVA_SUR_DEBIT",
            "modePaiement": "VIREMENT",
        },
        "montantTotal": {
            "montantHtTotal": 100.0,
            "montantTVA": 20.0,
            "montantTtcTotal": 120.0,
            "montantAPayer": 120.0,
        },
    }
    if service:
        data["destinataire"]["codeServiceExecutant"] = service
    if ej:
        data["references"]["numeroBonCommande"] = ej
    if piece_id is not None:
        data["pieceJointePrincipale"] = [
            {"pieceJointePrincipaleDesignation": "facture", "pieceJointePrincipaleId": piece_id}
        ]
    data.update(extra)
    return data


def test_referentials(client):
    rates = client.ok("/cpro/transverses/v1/recuperer/tauxtva", {})["listeTauxTva"]
    assert {"codeTauxTva": "TVA1", "libelleTauxTva": "Taux normal 20 %", "valeurTauxTva": 20.0} in rates
    currencies = client.ok("/cpro/transverses/v1/recuperer/devises", {"codeLangue": "FR"})["listeDevises"]
    assert {"codeDevise": "EUR", "libelleDevise": "Euro"} in currencies
    info = client.ok("/cpro/transverses/v1/consulter/information/siret", {"siretStructure": SIRET_D93})
    assert (info["siret"], info["siren"], info["estActif"]) == (SIRET_D93, SIRET_D93[:9], True)
    assert info["raisonSociale"].startswith("Département de la Seine")
    assert (
        client.error(
            "/cpro/transverses/v1/consulter/information/siret", {"siretStructure": "99999999999999"}
        )["codeRetour"]
        == 20016
    )
    health = client.session.get(
        client.base_url + "/cpro/transverses/v1/health-check", headers=client.headers()
    )
    assert health.status_code == 200 and health.json()["statusCode"] == "OK"


def test_pdf_submission_has_the_deposit_lifecycle(sim, client):
    piece_id = upload(client)
    answer = client.ok(SOUMETTRE, body(piece_id))
    invoice_id = answer["identifiantFactureCPP"]
    assert (answer["numeroFacture"], answer["statutFacture"], answer["identifiantStructure"]) == (
        "SOUM-0001",
        "DEPOSEE",
        "79876543400021",
    )
    assert answer["dateDepot"] == chorus_today().isoformat()
    found = client.ok("/cpro/factures/v1/rechercher/fournisseur", {"numeroFacture": "SOUM-0001"})[
        "listeFactures"
    ]
    assert [(i["identifiantFactureCPP"], i["modeDepot"], i["codeServiceExecutant"]) for i in found] == [
        (invoice_id, "DEPOT_PDF_API", "538")
    ]
    detail = client.ok("/cpro/factures/v1/consulter/fournisseur", {"identifiantFactureCPP": invoice_id})[
        "facture"
    ]
    assert detail["montantTotal"]["montantTtcTotal"] == 120.0
    assert detail["references"]["modePaiement"] == "VIREMENT"
    sim.advance_invoices([invoice_id])
    assert client.history(invoice_id)["statutCourantCode"] == "MISE_A_DISPOSITION"
    pdf = client.ok(
        "/cpro/factures/v1/telecharger/groupe", {"listeFacture": [{"idFacture": invoice_id}], "format": "PDF"}
    )
    assert pdf["nomFichierResultat"] == "facture.pdf"
    # The same number again is a duplicate.
    refused = client.error(SOUMETTRE, body(upload(client)))
    assert refused["codeRetour"] == 20022
    assert rules.message("DUPLICATE", valeur="SOUM-0001", siret="79876543400021") in refused["libelle"]


def test_data_submission(client):
    line = {
        "lignePosteNumero": 1,
        "lignePosteDenomination": "Seance",
        "lignePosteQuantite": 2,
        "lignePosteMontantUnitaireHT": 50.0,
        "lignePosteTauxTvaManuel": 20.0,
    }
    answer = client.ok(
        SOUMETTRE, body(mode="SAISIE_API", buyer=SIRET_NO_PARAM, service=None, ej=None, lignePoste=[line])
    )
    detail = client.ok(
        "/cpro/factures/v1/consulter/fournisseur", {"identifiantFactureCPP": answer["identifiantFactureCPP"]}
    )["facture"]
    assert detail["modeDepot"] == "SAISIE_API"
    assert detail["lignesDePoste"]["lignePoste"][0]["lignePosteMontantHtApresRemise"] == 100.0
    assert (
        client.error(SOUMETTRE, body(mode="SAISIE_API", number="SOUM-2"))["codeRetour"] == 20008
    )  # no lines


@pytest.mark.parametrize(
    "changes,rule",
    [
        ({"service": None}, "SERVICE_REQUIRED"),
        ({"service": "FACTURES_PUBLIQUES"}, "SERVICE_FACTURES_PUBLIQUES"),
        ({"ej": None}, "EJ_REQUIRED"),
        ({"number": "N" * 21}, "INVOICE_NUMBER_TOO_LONG"),
        ({"buyer": "99999999999999"}, "BUYER_UNKNOWN"),
    ],
)
def test_submission_rules(client, changes, rule):
    refused = client.error(SOUMETTRE, body(upload(client), **changes))
    assert refused["codeRetour"] == 20022
    start = rules.RULES[rule].split("{")[0]
    assert start in refused["libelle"]


def test_submission_errors(sim, client):
    assert client.error(SOUMETTRE, body(123456))["codeRetour"] == 20020  # unknown PJ
    assert client.error(SOUMETTRE, body())["codeRetour"] == 20008  # PDF mode, no PJ
    assert client.error(SOUMETTRE, body(mode="FLUX"))["codeRetour"] == 20008
    assert client.error(SOUMETTRE, body(upload(client), dateFacture="31/12/2026"))["codeRetour"] == 20019
    assert (
        client.error(
            DEPOSER_PDF,
            {"fichierFacture": b64(b"not a pdf"), "nomFichier": "f.pdf", "formatDepot": "PDF_NON_SIGNE"},
        )["codeRetour"]
        == 20007
    )
    assert (
        client.error(
            DEPOSER_PDF,
            {"fichierFacture": b64(base_pdf()), "nomFichier": "f.txt", "formatDepot": "PDF_NON_SIGNE"},
        )["codeRetour"]
        == 20007
    )
    other = client.error(
        SOUMETTRE, body(upload(client), fournisseur={"idFournisseur": 26311001})
    )  # the practice: not this account's structure
    assert other["codeRetour"] == 20022
    assert "n'est pas rattache" in other["libelle"]
