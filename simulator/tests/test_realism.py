"""The ``production`` realism: answers as the real platform gives them to production
clients (see README "Realism"); strict mode keeps the contract checks."""

import json
import time

import pytest
import requests
from chorus_pro_simulator import Simulator, cli, realism
from fxutil import (
    SIRET_CABINET,
    SIRET_D93,
    SIRET_TILLEULS,
    SIRET_UNIVERSITY,
    Client,
    b64,
    facturx_pdf,
    make_zip,
)

SEARCH_INV = "/cpro/factures/v1/rechercher/fournisseur"
SEARCH_STRUCT = "/cpro/structures/v1/rechercher"
CONSULT = "/cpro/structures/v1/consulter"
SERVICES = "/cpro/structures/v1/rechercher/services"
EJ = "/cpro/engagementsJuridiques/v1/rechercher"
DEPOSIT = "/cpro/factures/v1/deposer/flux"
NO_RESULT = {"codeRetour": 20000, "libelle": "TRA_MSG_00.015 - La recherche n'a retourné aucun résultat"}


@pytest.fixture
def sim():
    simulator = Simulator(flow_steps=0, realism="production")
    yield simulator
    simulator.close()


def answer(client, path, body):
    response = client.post(path, body)
    assert response.status_code == 200, response.text
    return response.json()


def deposit_body(content, name="facture.pdf"):
    return {
        "fichierFlux": b64(content),
        "nomFichier": name,
        "syntaxeFlux": "IN_DP_E2_CII_FACTURX",
        "avecSignature": False,
    }


# ------------------------------------------------------------------------------------
# Searches: no-result code, paging
# ------------------------------------------------------------------------------------
def test_empty_searches_answer_the_no_result_code(sim, client):
    assert answer(client, SEARCH_INV, {"numeroFluxDepot": "CPP0011110000000000099999"}) == NO_RESULT
    assert (
        answer(client, SEARCH_STRUCT, {"structure": {"identifiantStructure": "99999999999999"}}) == NO_RESULT
    )
    assert answer(client, SERVICES, {"idStructure": 25700001}) == NO_RESULT  # university
    assert answer(client, EJ, {"numeroEngagementJuridique": "EJ-INCONNU"}) == NO_RESULT
    # Not a search: an unknown structure stays a functional error (HTTP 400).
    assert client.error(CONSULT, {"idStructureCPP": 1})["codeRetour"] == 20016
    sim.configure(realism="strict")
    empty = client.ok(SEARCH_INV, {"numeroFluxDepot": "CPP0011110000000000099999"})
    assert empty["listeFactures"] == [] and empty["parametresRetour"]["total"] == 0


def test_invoice_search_pages_at_the_top_level(sim, client):
    files = [(f"F{i:02d}.pdf", facturx_pdf(number=f"TOP-{i:02d}")) for i in range(12)]
    numero, report = client.deposit_and_integrate(make_zip(files), "lot.zip")
    assert report["etatCourantDepotFlux"] == "IN_INTEGRE"
    first = client.ok(SEARCH_INV, {"numeroFluxDepot": numero})
    assert "parametresRetour" not in first
    assert (first["pageCourante"], first["pages"], first["nbResultatsParPage"], first["total"]) == (
        1,
        2,
        10,
        12,
    )
    assert len(first["listeFactures"]) == 10
    second = client.ok(
        SEARCH_INV, {"numeroFluxDepot": numero, "rechercheFactureParFournisseur": {"pageResultatDemandee": 2}}
    )
    assert (second["pageCourante"], len(second["listeFactures"])) == (2, 2)
    # The Structures API keeps its parametresRetour block (Swagger).
    found = client.ok(SEARCH_STRUCT, {"structure": {"identifiantStructure": SIRET_D93}})
    assert found["parametresRetour"]["total"] == 1 and "pages" not in found
    sim.configure(realism="strict")
    strict = client.ok(SEARCH_INV, {"numeroFluxDepot": numero})
    assert strict["parametresRetour"]["pages"] == 2 and "pages" not in strict


# ------------------------------------------------------------------------------------
# 429, gateway errors, tokens
# ------------------------------------------------------------------------------------
def test_every_nth_call_is_throttled_and_never_processed(sim, server, client):
    sim.configure(throttle_every=2)
    assert (
        answer(client, SEARCH_STRUCT, {"structure": {"identifiantStructure": SIRET_D93}})["codeRetour"] == 0
    )  # call 1
    refused = client.post(DEPOSIT, deposit_body(facturx_pdf(number="T-1")))  # call 2
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["error"] == "too_many_requests"
    assert sim.state_summary()["flows"]["total"] == 0  # not recorded
    accepted = client.post(DEPOSIT, deposit_body(facturx_pdf(number="T-1")))  # call 3
    assert accepted.status_code == 200
    assert client.post(SEARCH_INV, {}).status_code == 429  # call 4
    assert sim.state_summary()["flows"]["total"] == 1
    sim.configure(throttle_every=0, retry_after=7)
    sim.inject_fault(DEPOSIT, "http_429")  # a chosen call, any mode
    assert client.post(DEPOSIT, deposit_body(facturx_pdf())).headers["Retry-After"] == "7"
    sim.configure(realism="strict", throttle_every=1)  # no throttling in strict mode
    assert client.post(SEARCH_INV, {}).status_code == 200


@pytest.mark.parametrize("kind,status", [("http_502", 502), ("http_504", 504)])
def test_gateway_errors_have_an_html_body(sim, client, kind, status):
    sim.inject_fault(DEPOSIT, kind)
    response = client.post(DEPOSIT, deposit_body(facturx_pdf()))
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.startswith("<html>") and str(status) in response.text
    assert sim.state_summary()["flows"]["total"] == 0
    assert client.post(DEPOSIT, deposit_body(facturx_pdf())).status_code == 200


@pytest.mark.parametrize("mode,alive", [("production", False), ("strict", True)])
def test_token_life_fraction(mode, alive):
    simulator = Simulator(realism=mode, token_lifetime=2, token_life_fraction=0.2)
    try:
        with simulator.serve() as server:
            client = Client(server.url)
            token = client.session.post(
                server.url + "/api/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": "chorus-sim-client",
                    "client_secret": "chorus-sim-secret",
                },
            ).json()
            assert token["expires_in"] == 2  # announced life
            client.token = token["access_token"]
            time.sleep(0.6)
            status = client.post(
                SEARCH_STRUCT, {"structure": {"identifiantStructure": SIRET_D93}}
            ).status_code
            assert status == (200 if alive else 401)
    finally:
        simulator.close()


# ------------------------------------------------------------------------------------
# Flow states
# ------------------------------------------------------------------------------------
def test_qp_states_and_unknown_statuses(sim, server, client):
    sim.configure(flow_steps=2)
    numero = client.deposit(facturx_pdf(number="QP-1"))
    assert sim.set_flow_status(numero, "QP_IRRECEVABLE") == "QP_IRRECEVABLE"
    for _ in range(3):  # held: polls keep answering it
        report = client.report(numero)
        assert report["etatCourantDepotFlux"] == "QP_IRRECEVABLE"
    assert report["listeErreurTechnique"][0]["codeErreur"] == "FLUX_IRRECEVABLE"
    cr = client.ok("/cpro/transverses/v1/consulterCR", {"numeroFluxDepot": numero})
    assert cr["etatCourantFlux"] == "QP_IRRECEVABLE"

    other = client.deposit(facturx_pdf(number="QP-2"))
    admin = requests.post(
        server.url + "/_simulator/flows/status",
        json={"numeroFluxDepot": other, "statut": "QP_RECEVABLE_AVEC_ERREUR"},
        timeout=10,
    )
    assert admin.status_code == 200
    assert client.report(other)["etatCourantDepotFlux"] == "QP_RECEVABLE_AVEC_ERREUR"
    sim.set_flow_status(other, "IN_STATUT_FUTUR")  # unknown to every client
    assert client.report(other)["etatCourantDepotFlux"] == "IN_STATUT_FUTUR"
    sim.set_flow_status(other, "IN_EN_COURS_TRAITEMENT_CPP", hold=False)
    assert client.poll_until_terminal(other)["etatCourantDepotFlux"] == "IN_INTEGRE"

    sim.configure(realism="strict")
    third = client.deposit(facturx_pdf(number="QP-3"))
    refused = requests.post(
        server.url + "/_simulator/flows/status",
        json={"numeroFluxDepot": third, "statut": "IN_STATUT_FUTUR"},
        timeout=10,
    )
    assert refused.status_code == 400
    assert sim.set_flow_status(third, "QP_IRRECEVABLE") == "QP_IRRECEVABLE"


@pytest.mark.parametrize("mode,status", [("production", "QP_IRRECEVABLE"), ("strict", "IN_REJETE")])
def test_unreadable_flow(sim, client, mode, status):
    sim.configure(realism=mode)
    numero = client.deposit(b"PK\x03\x04 not a zip", "lot.zip")
    report = client.report(numero)
    assert report["etatCourantDepotFlux"] == status
    assert report["listeErreurTechnique"]
    assert client.report(numero)["etatCourantDepotFlux"] == status  # stays there


# ------------------------------------------------------------------------------------
# Lenient parsing
# ------------------------------------------------------------------------------------
def test_restreindre_structures_privees(sim, client):
    def search(siret, **extra):
        return answer(client, SEARCH_STRUCT, {"structure": {"identifiantStructure": siret}, **extra})

    # Documented meaning: absent, "" or true = public + the user's private structures.
    for extra in ({}, {"restreindreStructuresPrivees": ""}, {"restreindreStructuresPrivees": True}):
        assert search(SIRET_TILLEULS, **extra)["listeStructures"][0]["identifiantStructure"] == SIRET_TILLEULS
        assert search(SIRET_CABINET, **extra) == NO_RESULT  # someone else's private
        assert len(search(SIRET_D93, **extra)["listeStructures"]) == 1
    assert len(search(SIRET_CABINET, restreindreStructuresPrivees=False)["listeStructures"]) == 1
    sim.configure(realism="strict")  # the Swagger types it boolean
    payload = client.error(
        SEARCH_STRUCT, {"structure": {"identifiantStructure": SIRET_D93}, "restreindreStructuresPrivees": ""}
    )
    assert payload["codeRetour"] == 20018
    assert (
        len(
            client.ok(SEARCH_STRUCT, {"structure": {"identifiantStructure": SIRET_CABINET}})[
                "listeStructures"
            ]
        )
        == 1
    )


def test_numbers_as_strings(sim, client):
    detail = client.ok(CONSULT, {"idStructureCPP": "25493001"})
    assert detail["informationGenerales"]["identifiantStructure"] == SIRET_D93
    services = client.ok(
        SERVICES,
        {"idStructure": "25493001", "parametresRechercherServicesStructure": {"nbResultatsParPage": "50"}},
    )
    assert len(services["listeServices"]) == 6
    assert (
        client.ok(
            "/cpro/structures/v1/consulter/service", {"idStructure": "25493001", "idService": "35493538"}
        )["informationsGenerales"]["codeService"]
        == "538"
    )
    sim.configure(realism="strict")
    assert client.error(CONSULT, {"idStructureCPP": "25493001"})["codeRetour"] == 20018


def test_status_filters(sim, client):
    client.deposit_and_integrate(facturx_pdf(number="S-1"))
    body = {"statutCourant": ["A_VALIDER_1"]}
    assert answer(client, SEARCH_INV, body) == NO_RESULT
    assert answer(client, SEARCH_INV, {"statutCourant": ["STATUT_INCONNU"]}) == NO_RESULT
    assert (
        len(
            client.ok(SEARCH_INV, {"statutCourant": ["DEPOSEE", "A_VALIDER_1"], "typeFacture": "FACTURE"})[
                "listeFactures"
            ]
        )
        == 1
    )
    sim.configure(realism="strict")
    assert client.ok(SEARCH_INV, body)["listeFactures"] == []  # a real status
    assert client.error(SEARCH_INV, {"statutCourant": ["STATUT_INCONNU"]})["codeRetour"] == 20008


# ------------------------------------------------------------------------------------
# The switch
# ------------------------------------------------------------------------------------
def test_switch_by_admin_api_and_command_line(server, capsys):
    simulator = Simulator()
    assert simulator.realism == "strict"
    simulator.close()
    with pytest.raises(ValueError):
        Simulator(realism="lenient")
    state = requests.post(
        server.url + "/_simulator/config", json={"realism": "strict", "throttle_every": 3}, timeout=10
    ).json()
    assert (state["realism"], state["throttle_every"]) == ("strict", 3)
    assert (
        requests.post(server.url + "/_simulator/config", json={"realism": "lenient"}, timeout=10).status_code
        == 400
    )
    assert (
        cli.main(
            [
                "realism",
                "production",
                "--throttle-every",
                "0",
                "--token-life-fraction",
                "0.5",
                "--url",
                server.url,
            ]
        )
        == 0
    )
    printed = json.loads(capsys.readouterr().out)
    assert (printed["realism"], printed["throttle_every"]) == ("production", 0)
    assert realism.REALISMS == ("strict", "production")


def test_no_result_on_the_university_services_is_only_for_searches(sim, client):
    university = client.ok(SEARCH_STRUCT, {"structure": {"identifiantStructure": SIRET_UNIVERSITY}})[
        "listeStructures"
    ][0]
    detail = client.ok(CONSULT, {"idStructureCPP": university["idStructureCPP"]})
    assert detail["codeRetour"] == 0
