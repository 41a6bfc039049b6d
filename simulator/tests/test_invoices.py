"""Invoice search, detail, history, lifecycle, completer / recycler, download."""

import base64
import datetime
import io
import zipfile

import pytest
from chorus_pro_simulator import Simulator
from chorus_pro_simulator.util import today as chorus_today
from fxutil import SIRET_CABINET, SIRET_D93, SIRET_NO_PARAM, Client, b64, facturx_pdf, make_zip

SEARCH = "/cpro/factures/v1/rechercher/fournisseur"
DETAIL = "/cpro/factures/v1/consulter/fournisseur"
HISTORY = "/cpro/factures/v1/consulter/historique"
COMPLETE = "/cpro/factures/v1/completer"
RECYCLE = "/cpro/factures/v1/recycler"
DOWNLOAD = "/cpro/factures/v1/telecharger/groupe"
ATTACH = "/cpro/transverses/v1/ajouter/fichier"


def deposit_one(client, number="F2026-0001", **kwargs):
    numero, report = client.deposit_and_integrate(facturx_pdf(number=number, **kwargs))
    assert report["etatCourantDepotFlux"] == "IN_INTEGRE", report
    return client.invoices_of_flow(numero)[0]["identifiantFactureCPP"]


def statuses(client, invoice_id):
    history = client.history(invoice_id)
    return [h["histoStatutCode"] for h in history["historiquesDesStatuts"]["histoStatut"]]


@pytest.fixture
def batch25(client):
    files = [(f"F-{i:03d}.pdf", facturx_pdf(number=f"F-{i:03d}")) for i in range(25)]
    numero, report = client.deposit_and_integrate(make_zip(files), name="lot.zip")
    assert report["etatCourantDepotFlux"] == "IN_INTEGRE"
    return numero


# --- search ----------------------------------------------------------------------------
def test_pagination_of_a_25_invoice_flow(client, batch25):
    pages = []
    page = 1
    while True:
        answer = client.ok(
            SEARCH,
            {
                "numeroFluxDepot": batch25,
                "rechercheFactureParFournisseur": {"nbResultatsParPage": 10, "pageResultatDemandee": page},
            },
        )
        pages.append(answer)
        if page >= answer["parametresRetour"]["pages"]:
            break
        page += 1
    assert [len(p["listeFactures"]) for p in pages] == [10, 10, 5]
    assert pages[0]["parametresRetour"] == {
        "nbResultatsParPage": 10,
        "pageCourante": 1,
        "pages": 3,
        "total": 25,
    }
    assert pages[2]["parametresRetour"]["pageCourante"] == 3
    numbers = [f["numeroFacture"] for p in pages for f in p["listeFactures"]]
    assert sorted(numbers) == [f"F-{i:03d}" for i in range(25)]
    assert len(set(f["identifiantFactureCPP"] for p in pages for f in p["listeFactures"])) == 25


def test_default_page_size_is_10(client, batch25):
    answer = client.ok(SEARCH, {"numeroFluxDepot": batch25})
    assert len(answer["listeFactures"]) == 10
    assert answer["parametresRetour"]["pages"] == 3


def test_page_size_is_capped():
    sim = Simulator(flow_steps=0, max_page_size=20)
    with sim.serve() as server:
        client = Client(server.url)
        files = [(f"C-{i:02d}.pdf", facturx_pdf(number=f"C-{i:02d}")) for i in range(25)]
        numero, _report = client.deposit_and_integrate(make_zip(files), name="lot.zip")
        answer = client.ok(
            SEARCH,
            {"numeroFluxDepot": numero, "rechercheFactureParFournisseur": {"nbResultatsParPage": 10000}},
        )
        assert len(answer["listeFactures"]) == 20
        assert answer["parametresRetour"]["nbResultatsParPage"] == 20
        assert answer["parametresRetour"]["pages"] == 2
    sim.close()


def test_sorting(client, batch25):
    answer = client.ok(
        SEARCH,
        {
            "numeroFluxDepot": batch25,
            "rechercheFactureParFournisseur": {
                "nbResultatsParPage": 5,
                "triColonne": "NumeroFacture",
                "triSens": "Descendant",
            },
        },
    )
    assert [f["numeroFacture"] for f in answer["listeFactures"]] == [
        "F-024",
        "F-023",
        "F-022",
        "F-021",
        "F-020",
    ]


@pytest.mark.parametrize(
    "block",
    [
        {"triSens": "Ascendant "},
        {"triColonne": "Inconnue"},
        {"nbResultatsParPage": -5},
        {"pageResultatDemandee": -1},
        {"nbResultatsParPage": "dix"},
    ],
)
def test_bad_pagination(client, block):
    payload = client.error(SEARCH, {"rechercheFactureParFournisseur": block})
    assert payload["codeRetour"] == 20015


def test_search_filters(sim, client):
    first = deposit_one(client, "S-1")
    second = deposit_one(client, "S-2")
    sim.set_invoice_status(second, "MISE_A_DISPOSITION")
    answer = client.ok(SEARCH, {"numeroFacture": "S-1"})
    assert [f["identifiantFactureCPP"] for f in answer["listeFactures"]] == [first]
    answer = client.ok(SEARCH, {"statutCourant": ["MISE_A_DISPOSITION"]})
    assert [f["identifiantFactureCPP"] for f in answer["listeFactures"]] == [second]
    today = chorus_today().isoformat()
    answer = client.ok(
        SEARCH, {"periodeDateHeureEtatCourantDu": today, "periodeDateHeureEtatCourantAu": today}
    )
    assert answer["parametresRetour"]["total"] == 2
    answer = client.ok(
        SEARCH, {"periodeDateHeureEtatCourantDu": "2020-01-01", "periodeDateHeureEtatCourantAu": "2020-12-31"}
    )
    assert answer["parametresRetour"]["total"] == 0
    answer = client.ok(SEARCH, {"idFournisseur": 26311003})
    assert answer["parametresRetour"]["total"] == 2
    answer = client.ok(SEARCH, {"idFournisseur": 26311004})
    assert answer["parametresRetour"]["total"] == 0
    # Zero values (as sent by some clients) are no criteria.
    answer = client.ok(SEARCH, {"idFournisseur": 0, "numeroFacture": "", "statutCourant": []})
    assert answer["parametresRetour"]["total"] == 2
    assert client.error(SEARCH, {"periodeDateHeureEtatCourantDu": "23/11/2026"})["codeRetour"] == 20019
    assert client.error(SEARCH, {"statutCourant": ["NOPE"]})["codeRetour"] == 20008


def test_search_only_returns_own_invoices(client, cabinet):
    deposit_one(client, "OWN-1")
    assert cabinet.ok(SEARCH, {})["listeFactures"] == []
    item = client.ok(SEARCH, {})["listeFactures"][0]
    for key in (
        "identifiantFactureCPP",
        "numeroFacture",
        "statut",
        "numeroFluxDepot",
        "dateDepot",
        "dateFacture",
        "dateHeureEtatCourant",
        "commentaireEtatCourant",
        "idDestinataire",
        "codeDestinataire",
        "codeServiceExecutant",
        "numeroBonCommande",
        "typeFacture",
        "montantHT",
        "montantTTC",
        "devise",
    ):
        assert key in item, key
    assert item["codeDestinataire"] == SIRET_D93
    assert item["codeServiceExecutant"] == "538"
    assert item["numeroBonCommande"] == "EJ2026-000123"
    assert item["montantTTC"] == 100.0


# --- detail and history ----------------------------------------------------------------
def test_consulter_fournisseur(client, cabinet):
    invoice_id = deposit_one(client, "D-1", market="MP-2026-ASE-0042")
    facture = client.ok(DETAIL, {"identifiantFactureCPP": invoice_id})["facture"]
    assert facture["identifiantFactureCPP"] == invoice_id
    assert facture["numeroFacture"] == "D-1"
    assert facture["statutFacture"] == "DEPOSEE"
    assert facture["destinataire"]["codeDestinataire"] == SIRET_D93
    assert facture["destinataire"]["codeServiceExecutant"] == "538"
    assert facture["fournisseur"]["idFournisseur"] == 26311003
    assert facture["references"]["numeroMarche"] == "MP-2026-ASE-0042"
    assert facture["references"]["numeroBonCommande"] == "EJ2026-000123"
    assert facture["cadreDeFacturation"]["codeCadreFacturation"] == "A1_FACTURE_FOURNISSEUR"
    assert facture["montantTotal"]["montantTtcTotal"] == 100.0
    assert facture["lignesDePoste"]["lignePoste"][0]["lignePosteDenomination"]
    assert client.error(DETAIL, {"identifiantFactureCPP": 1})["codeRetour"] == 20012
    assert cabinet.error(DETAIL, {"identifiantFactureCPP": invoice_id})["codeRetour"] == 20012
    assert client.error(DETAIL, {})["codeRetour"] == 20008


def test_history_fields(client):
    invoice_id = deposit_one(client)
    history = client.history(invoice_id)
    assert history["idFacture"] == invoice_id
    assert history["numeroFacture"] == "F2026-0001"
    assert history["statutCourantCode"] == "DEPOSEE"
    entry = history["historiquesDesStatuts"]["histoStatut"][0]
    assert entry["histoStatutCode"] == "DEPOSEE"
    assert isinstance(entry["histoStatutId"], int)
    datetime.datetime.strptime(entry["histoStatutDatePassage"], "%Y-%m-%d %H:%M")
    assert entry["histoStatutCommentaire"]
    assert history["historiquesDesStatuts"]["totalHistoStatut"] == 1
    assert client.error(HISTORY, {"idFacture": 42})["codeRetour"] == 20012


# --- lifecycle -------------------------------------------------------------------------
def test_manual_mode_default_path(sim, client):
    invoice_id = deposit_one(client)
    assert statuses(client, invoice_id) == ["DEPOSEE"]  # polling does not move it
    assert sim.advance_invoices([invoice_id]) == {invoice_id: "MISE_A_DISPOSITION"}
    sim.advance_invoices(steps=10)
    assert statuses(client, invoice_id) == [
        "DEPOSEE",
        "MISE_A_DISPOSITION",
        "SERVICE_FAIT",
        "MANDATEE",
        "MISE_EN_PAIEMENT",
    ]
    answer = client.ok(SEARCH, {"numeroFacture": "F2026-0001"})
    assert answer["listeFactures"][0]["statut"] == "MISE_EN_PAIEMENT"
    assert answer["listeFactures"][0]["commentaireEtatCourant"] == "Facture mise en paiement"
    # Terminal: nothing moves any more.
    assert sim.advance_invoices([invoice_id]) == {invoice_id: "MISE_EN_PAIEMENT"}


def test_on_poll_mode():
    sim = Simulator(flow_steps=0, invoice_advance="on_poll")
    with sim.serve() as server:
        client = Client(server.url)
        invoice_id = deposit_one(client)
        seen = [client.history(invoice_id)["statutCourantCode"] for _ in range(6)]
        assert seen == [
            "MISE_A_DISPOSITION",
            "SERVICE_FAIT",
            "MANDATEE",
            "MISE_EN_PAIEMENT",
            "MISE_EN_PAIEMENT",
            "MISE_EN_PAIEMENT",
        ]
        # consulter/fournisseur does not move the invoice.
        assert (
            client.ok(DETAIL, {"identifiantFactureCPP": invoice_id})["facture"]["statutFacture"]
            == "MISE_EN_PAIEMENT"
        )
    sim.close()


def test_status_change_updates_current_state_and_history(sim, client):
    invoice_id = deposit_one(client)
    before = client.ok(SEARCH, {})["listeFactures"][0]["dateHeureEtatCourant"]
    sim.set_invoice_status(invoice_id, "REJETEE", comment="Montant HT errone")
    item = client.ok(SEARCH, {})["listeFactures"][0]
    assert item["statut"] == "REJETEE"
    assert item["commentaireEtatCourant"] == "Montant HT errone"
    assert item["dateHeureEtatCourant"] >= before
    history = client.history(invoice_id)["historiquesDesStatuts"]["histoStatut"]
    assert [h["histoStatutCode"] for h in history] == ["DEPOSEE", "REJETEE"]
    assert history[-1]["histoStatutCommentaire"] == "Montant HT errone"
    # REJETEE is terminal.
    sim.advance_invoices(steps=3)
    assert statuses(client, invoice_id) == ["DEPOSEE", "REJETEE"]


def test_scenario_path_with_rejection(sim, client):
    sim.set_invoice_path("SC-REJ", ["DEPOSEE", "MISE_A_DISPOSITION", ("REJETEE", "Facture en double")])
    invoice_id = deposit_one(client, "SC-REJ")
    sim.advance_invoices([invoice_id], steps=5)
    history = client.history(invoice_id)
    assert history["statutCourantCode"] == "REJETEE"
    assert (
        history["historiquesDesStatuts"]["histoStatut"][-1]["histoStatutCommentaire"] == "Facture en double"
    )


def test_suspended_then_completed(sim, client):
    sim.set_invoice_path(
        "SC-SUS",
        [
            "DEPOSEE",
            "MISE_A_DISPOSITION",
            {"statut": "SUSPENDUE", "commentaire": "Arrete de prise en charge manquant"},
            "SERVICE_FAIT",
            "MANDATEE",
        ],
    )
    invoice_id = deposit_one(client, "SC-SUS")
    sim.advance_invoices([invoice_id], steps=10)
    assert client.history(invoice_id)["statutCourantCode"] == "SUSPENDUE"  # blocked
    attachment = client.ok(
        ATTACH,
        {
            "pieceJointeFichier": b64(b"%PDF-1.4 arrete"),
            "pieceJointeNom": "arrete.pdf",
            "pieceJointeTypeMime": "application/pdf",
            "pieceJointeExtension": "PDF",
        },
    )["pieceJointeId"]
    answer = client.ok(
        COMPLETE,
        {
            "identifiantFactureCPP": invoice_id,
            "commentaire": "Arrete joint",
            "pieceJointeComplementaire": [
                {
                    "pieceJointeComplementaireDesignation": "Arrete",
                    "pieceJointeComplementaireId": attachment,
                    "pieceJointeComplementaireType": "ANNEXE",
                }
            ],
        },
    )
    assert answer["identifiantFactureCPP"] == invoice_id
    assert answer["numeroFacture"] == "SC-SUS"
    datetime.datetime.strptime(answer["dateTraitement"], "%Y-%m-%d %H:%M")
    assert client.history(invoice_id)["statutCourantCode"] == "COMPLETEE"
    facture = client.ok(DETAIL, {"identifiantFactureCPP": invoice_id})["facture"]
    assert facture["listeDesPiecesJointes"]["pieceJointe"][0]["pieceJointeId"] == attachment
    sim.advance_invoices([invoice_id], steps=10)
    assert statuses(client, invoice_id) == [
        "DEPOSEE",
        "MISE_A_DISPOSITION",
        "SUSPENDUE",
        "COMPLETEE",
        "SERVICE_FAIT",
        "MANDATEE",
    ]


def test_completer_refused_outside_suspendue(sim, client):
    invoice_id = deposit_one(client)
    payload = client.error(COMPLETE, {"identifiantFactureCPP": invoice_id, "commentaire": "test"})
    assert payload["codeRetour"] == 20013
    sim.set_invoice_status(invoice_id, "SUSPENDUE")
    assert (
        client.error(COMPLETE, {"identifiantFactureCPP": invoice_id})["codeRetour"] == 20008
    )  # nothing to add
    assert (
        client.error(
            COMPLETE,
            {
                "identifiantFactureCPP": invoice_id,
                "pieceJointeComplementaire": [{"pieceJointeComplementaireId": 999}],
            },
        )["codeRetour"]
        == 20020
    )
    client.ok(COMPLETE, {"identifiantFactureCPP": invoice_id, "commentaire": "ok"})
    # Default continuation after completion when the path is exhausted.
    sim.advance_invoices([invoice_id], steps=10)
    assert statuses(client, invoice_id)[-1] == "MISE_EN_PAIEMENT"


def test_a_recycler_then_recycled(sim, client):
    sim.set_invoice_path("SC-REC", ["DEPOSEE", "A_RECYCLER", "MISE_A_DISPOSITION", "SERVICE_FAIT"])
    invoice_id = deposit_one(client, "SC-REC")
    sim.advance_invoices([invoice_id], steps=5)
    assert client.history(invoice_id)["statutCourantCode"] == "A_RECYCLER"
    # The new routing is checked: D93 requires a service code.
    payload = client.error(
        RECYCLE, {"identifiantFactureCPP": invoice_id, "destinataire": {"codeDestinataire": SIRET_D93}}
    )
    assert payload["codeRetour"] == 20014
    assert "Le code service est obligatoire" in payload["libelle"]
    for bad in (
        {"codeDestinataire": SIRET_D93, "codeServiceExecutant": "999"},
        {"codeDestinataire": SIRET_D93, "codeServiceExecutant": "FACTURES_PUBLIQUES"},
        {"codeDestinataire": "00000000000000", "codeServiceExecutant": "538"},
        {"codeDestinataire": SIRET_CABINET},
    ):
        payload = client.error(RECYCLE, {"identifiantFactureCPP": invoice_id, "destinataire": bad})
        assert payload["codeRetour"] == 20014, bad
    answer = client.ok(
        RECYCLE,
        {
            "identifiantFactureCPP": invoice_id,
            "destinataire": {"codeDestinataire": SIRET_D93, "codeServiceExecutant": "125"},
            "commentaire": "Service ESMS",
        },
    )
    assert answer["statutFacture"] == "DEPOSEE"
    assert answer["numeroFacture"] == "SC-REC"
    datetime.datetime.strptime(answer["dateDepot"], "%Y-%m-%d %H:%M")
    facture = client.ok(DETAIL, {"identifiantFactureCPP": invoice_id})["facture"]
    assert facture["destinataire"]["codeServiceExecutant"] == "125"
    sim.advance_invoices([invoice_id], steps=10)
    assert statuses(client, invoice_id) == [
        "DEPOSEE",
        "A_RECYCLER",
        "DEPOSEE",
        "MISE_A_DISPOSITION",
        "SERVICE_FAIT",
    ]


def test_recycle_to_another_recipient(sim, client):
    invoice_id = deposit_one(client)
    sim.set_invoice_status(invoice_id, "A_RECYCLER", comment="Mauvais destinataire")
    client.ok(
        RECYCLE, {"identifiantFactureCPP": invoice_id, "destinataire": {"codeDestinataire": SIRET_NO_PARAM}}
    )
    item = client.ok(SEARCH, {})["listeFactures"][0]
    assert item["codeDestinataire"] == SIRET_NO_PARAM
    assert "codeServiceExecutant" not in item
    sim.advance_invoices([invoice_id], steps=10)
    assert statuses(client, invoice_id) == [
        "DEPOSEE",
        "A_RECYCLER",
        "DEPOSEE",
        "MISE_A_DISPOSITION",
        "SERVICE_FAIT",
        "MANDATEE",
        "MISE_EN_PAIEMENT",
    ]


def test_recycler_refused_outside_a_recycler(client):
    invoice_id = deposit_one(client)
    payload = client.error(
        RECYCLE,
        {
            "identifiantFactureCPP": invoice_id,
            "destinataire": {"codeDestinataire": SIRET_D93, "codeServiceExecutant": "538"},
        },
    )
    assert payload["codeRetour"] == 20013


def test_set_invoice_path_rejects_unknown_status(sim):
    from chorus_pro_simulator import AdminError

    with pytest.raises(AdminError):
        sim.set_invoice_path("X", ["DEPOSEE", "PAYEE"])
    with pytest.raises(AdminError):
        sim.set_invoice_status(123456, "REJETEE")


# --- download --------------------------------------------------------------------------
def test_telecharger_groupe(client):
    content = facturx_pdf(number="DL-1")
    numero, _report = client.deposit_and_integrate(content)
    first = client.invoices_of_flow(numero)[0]["identifiantFactureCPP"]
    answer = client.ok(DOWNLOAD, {"listeFacture": [{"idFacture": first}], "format": "PDF"})
    assert base64.b64decode(answer["fichierResultat"]) == content
    xml = base64.b64decode(
        client.ok(DOWNLOAD, {"listeFacture": [{"idFacture": first}], "format": "PIVOT"})["fichierResultat"]
    )
    assert b"CrossIndustryInvoice" in xml and b"DL-1" in xml
    second = deposit_one(client, "DL-2")
    answer = client.ok(DOWNLOAD, {"listeFacture": [{"idFacture": first}, {"idFacture": second}]})
    archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(answer["fichierResultat"])))
    assert len(archive.namelist()) == 2
    assert client.error(DOWNLOAD, {"listeFacture": [{"idFacture": 1}]})["codeRetour"] == 20012
    assert client.error(DOWNLOAD, {})["codeRetour"] == 20008


def test_payment_statuses_and_amount_to_pay(sim, client):
    """The payment path (mandate, accountant, payment) with the amount the public
    accountant pays, and a status going back after the payment."""
    invoice_id = deposit_one(client, "P-1")
    booked = client.ok(SEARCH, {"numeroFacture": "P-1"})["listeFactures"][0]["montantAPayer"]
    sim.set_invoice_status(invoice_id, "MANDATEE")
    sim.set_invoice_status(invoice_id, "COMPTABILISEE")
    assert sim.set_invoice_status(invoice_id, "MISE_EN_PAIEMENT", amount_to_pay=1900.5) == "MISE_EN_PAIEMENT"
    item = client.ok(SEARCH, {"numeroFacture": "P-1"})["listeFactures"][0]
    assert (item["statut"], item["montantAPayer"]) == ("MISE_EN_PAIEMENT", 1900.5)
    assert booked != 1900.5
    sim.set_invoice_status(invoice_id, "COMPTABILISEE", comment="Paiement annule")
    history = client.history(invoice_id)
    assert history["statutCourantCode"] == "COMPTABILISEE"
    codes = [h["histoStatutCode"] for h in history["historiquesDesStatuts"]["histoStatut"]]
    assert codes == ["DEPOSEE", "MANDATEE", "COMPTABILISEE", "MISE_EN_PAIEMENT", "COMPTABILISEE"]
    from chorus_pro_simulator import AdminError

    with pytest.raises(AdminError):
        sim.set_invoice_status(invoice_id, "MISE_EN_PAIEMENT", amount_to_pay="beaucoup")
