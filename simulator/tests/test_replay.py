"""Replay of the request bodies production clients send (written from reading their
code, see README "Realism"), in both realisms.

Each call must be answered HTTP 200; a search may answer the no-result code 20000 in
production mode.  The one strict refusal is documented in the README: Pastell's
``restreindreStructuresPrivees: ""`` (the Swagger types it boolean).
"""

import base64
import datetime

import pytest
from chorus_pro_simulator import Simulator
from fxutil import SIRET_D93, SIRET_TILLEULS, account_header, b64, base_pdf, cii_xml, facturx_pdf

TILLEULS_ID = 26311003
D93_ID = 25493001
D93_SERVICE_538 = 35493538


@pytest.fixture(params=["strict", "production"])
def sim(request):
    simulator = Simulator(flow_steps=0, realism=request.param)
    yield simulator
    simulator.close()


def call(client, path, body, no_result_ok=False):
    response = client.post(path, body)
    assert response.status_code == 200, (path, response.status_code, response.text)
    payload = response.json()
    allowed = (0, 20000) if no_result_ok else (0,)
    assert payload["codeRetour"] in allowed, (path, payload)
    return payload


def test_oca_l10n_fr_chorus_account(sim, client):
    """OCA l10n-france: res_partner.py, chorus_flow.py, account_move.py,
    l10n_fr_chorus_facturx (Factur-X deposit), res_config_settings.py (API test)."""
    call(
        client,
        "/cpro/structures/v1/rechercher",
        {"structure": {"nomStructure": "This is just a test"}},
        no_result_ok=True,
    )
    found = call(
        client,
        "/cpro/structures/v1/rechercher",
        {"structure": {"identifiantStructure": SIRET_D93, "typeIdentifiantStructure": "SIRET"}},
    )
    id_structure = found["listeStructures"][0]["idStructureCPP"]
    assert call(client, "/cpro/structures/v1/consulter", {"idStructureCPP": id_structure})["parametres"][
        "codeServiceDoitEtreRenseigne"
    ]
    services = call(
        client,
        "/cpro/structures/v1/rechercher/services",
        {"idStructure": id_structure, "parametresRechercherServicesStructure": {"nbResultatsParPage": 10000}},
    )
    assert len(services["listeServices"]) == 6
    call(
        client,
        "/cpro/structures/v1/consulter/service",
        {"idStructure": id_structure, "idService": D93_SERVICE_538},
    )
    numero = call(
        client,
        "/cpro/factures/v1/deposer/flux",
        {
            "fichierFlux": b64(facturx_pdf(number="OCA-1")),
            "nomFichier": "OCA-1.pdf",
            "syntaxeFlux": "IN_DP_E2_CII_FACTURX",
            "avecSignature": False,
        },
    )["numeroFluxDepot"]
    report = call(client, "/cpro/transverses/v1/consulterCRDetaille", {"numeroFluxDepot": numero})
    assert report["etatCourantDepotFlux"] == "IN_INTEGRE"
    invoices = call(client, "/cpro/factures/v1/rechercher/fournisseur", {"numeroFluxDepot": numero})[
        "listeFactures"
    ]
    invoice_id = invoices[0]["identifiantFactureCPP"]
    history = call(client, "/cpro/factures/v1/consulter/historique", {"idFacture": invoice_id})
    assert (history["idFacture"], history["statutCourantCode"]) == (invoice_id, "DEPOSEE")


def test_tryton_account_fr_chorus(sim, client):
    """Tryton modules/account_fr_chorus/account.py: CII 16B deposit, then consulterCR;
    its cpro-account header is the base64 bytes of login:password."""
    number = "TRY-1"
    numero = call(
        client,
        "/cpro/factures/v1/deposer/flux",
        {
            "fichierFlux": base64.b64encode(cii_xml(number=number)).decode("ascii"),
            "nomFichier": f"UNCEFACT-{number}.xml",
            "syntaxeFlux": "IN_DP_E1_CII_16B",
            "avecSignature": False,
        },
    )
    assert datetime.datetime.strptime(numero["dateDepot"], "%Y-%m-%d")
    header = account_header(client.login).encode("ascii")
    response = client.session.post(
        client.base_url + "/cpro/transverses/v1/consulterCR",
        json={"numeroFluxDepot": numero["numeroFluxDepot"]},
        headers={"Authorization": f"Bearer {client.token}", "cpro-account": header},
    )
    assert response.status_code == 200
    payload = response.json()
    assert payload["codeRetour"] == 0
    assert payload["etatCourantFlux"] in {"IN_INTEGRE", "IN_RECU", "IN_TRAITE_SE_CPP"}


def test_pastell_cpp_connector(sim, client):
    """Libriciel Pastell connecteur/cpp/lib/CPPWrapper.php and CPP.php."""
    call(client, "/cpro/transverses/v1/recuperer/tauxtva", {})  # testConnexion
    search = {"structure": {"identifiantStructure": SIRET_D93}, "restreindreStructuresPrivees": ""}
    if sim.production:
        assert (
            call(client, "/cpro/structures/v1/rechercher", search)["listeStructures"][0]["idStructureCPP"]
            == D93_ID
        )
    else:  # documented strict refusal: the Swagger types the flag boolean
        assert client.error("/cpro/structures/v1/rechercher", search)["codeRetour"] == 20018
    services = call(
        client,
        "/cpro/structures/v1/rechercher/services",
        {
            "idStructure": D93_ID,
            "parametresRechercherServicesStructure": {
                "nbResultatsParPage": 20,
                "pageResultatDemandee": 1,
                "triColonne": "CodeService",
                "triSens": "Descendant",
            },
        },
    )
    assert services["listeServices"][0]["codeService"] == "FACTURES_PUBLIQUES"
    call(
        client, "/cpro/structures/v1/consulter/service", {"idStructure": D93_ID, "idService": D93_SERVICE_538}
    )
    # deposerXML (default syntax UBL: accepted, then not processed by the simulator)
    numero = call(
        client,
        "/cpro/factures/v1/deposer/flux",
        {
            "fichierFlux": b64(cii_xml(number="PAS-1")),
            "nomFichier": "PAS-1.xml",
            "syntaxeFlux": "IN_DP_E1_UBL_INVOICE",
        },
    )["numeroFluxDepot"]
    call(client, "/cpro/transverses/v1/consulterCRDetaille", {"numeroFluxDepot": numero})
    call(client, "/cpro/factures/v1/rechercher/fournisseur", {"numeroFluxDepot": numero}, no_result_ok=True)
    # deposerPDF then soumettreFacture (DEPOT_PDF_API, no lines)
    piece = call(
        client,
        "/cpro/factures/v1/deposer/pdf",
        {"fichierFacture": b64(base_pdf()), "nomFichier": "PAS-2.pdf", "formatDepot": "PDF_NON_SIGNE"},
    )["pieceJointeId"]
    submitted = call(
        client,
        "/cpro/factures/v1/soumettre",
        {
            "modeDepot": "DEPOT_PDF_API",
            "numeroFactureSaisi": "PAS-2",
            "dateFacture": datetime.date.today().isoformat(),
            "destinataire": {"codeDestinataire": SIRET_D93, "codeServiceExecutant": "538"},
            "fournisseur": {"idFournisseur": TILLEULS_ID},
            "cadreDeFacturation": {"codeCadreFacturation": "A1_FACTURE_FOURNISSEUR"},
            "references": {
                "deviseFacture": "EUR",
                "typeFacture": "FACTURE",
                "typeTva": "TVA_SUR_DEBIT",
                "modePaiement": "VIREMENT",
                "numeroBonCommande": "EJ2026-000123",
            },
            "montantTotal": {
                "montantHtTotal": 100.0,
                "montantTVA": 20.0,
                "montantTtcTotal": 120.0,
                "montantAPayer": 120.0,
            },
            "pieceJointePrincipale": [
                {"pieceJointePrincipaleDesignation": "ma facture", "pieceJointePrincipaleId": piece}
            ],
        },
    )
    invoice_id = submitted["identifiantFactureCPP"]
    call(
        client, "/cpro/factures/v1/consulter/historique", {"idFacture": invoice_id, "nbResultatsMaximum": 50}
    )
    pdf = call(
        client,
        "/cpro/factures/v1/telecharger/groupe",
        {"format": "PDF", "listeFacture": [{"idFacture": invoice_id}]},
    )
    assert base64.b64decode(pdf["fichierResultat"]).startswith(b"%PDF")


def test_chorus_api_pypi(sim, client):
    """PyPI chorus-api 1.0.6: chorusapi/factures.py, structures.py, transverses.py."""
    health = client.session.get(
        client.base_url + "/cpro/transverses/v1/health-check", headers=client.headers()
    )
    assert health.status_code == 200
    numero = call(
        client,
        "/cpro/factures/v1/deposer/flux",
        {
            "idUtilisateurCourant": 0,
            "fichierFlux": b64(facturx_pdf(number="CAPI-1")),
            "nomFichier": "CAPI-1.pdf",
            "syntaxeFlux": "IN_DP_E2_CII_FACTURX",
            "avecSignature": False,
        },
    )["numeroFluxDepot"]
    call(client, "/cpro/transverses/v1/consulterCR", {"numeroFluxDepot": numero})
    call(client, "/cpro/transverses/v1/consulterCRDetaille", {"numeroFluxDepot": numero})
    found = call(
        client,
        "/cpro/factures/v1/rechercher/fournisseur",
        {"numeroFluxDepot": numero, "typeFacture": "FACTURE"},
    )
    assert found["listeFactures"][0]["numeroFacture"] == "CAPI-1"
    structure = call(
        client,
        "/cpro/structures/v1/rechercher",
        {"structure": {"identifiantStructure": SIRET_TILLEULS, "typeIdentifiantStructure": "SIRET"}},
    )
    id_structure = structure["listeStructures"][0]["idStructureCPP"]
    call(client, "/cpro/structures/v1/rechercher/services", {"idStructure": D93_ID})
    call(client, "/cpro/structures/v1/consulter", {"codeLangue": "fr", "idStructureCPP": id_structure})
    call(client, "/cpro/transverses/v1/consulter/information/siret", {"siretStructure": SIRET_D93})
    call(client, "/cpro/transverses/v1/recuperer/devises", {"codeLangue": "FR"})
