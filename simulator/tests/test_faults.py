"""Injected faults: HTTP errors, timeouts, dropped connections, expired tokens."""

import time

import pytest
import requests
from chorus_pro_simulator import AdminError
from fxutil import SYNTAX, b64, facturx_pdf

DEPOSIT = "/cpro/factures/v1/deposer/flux"
SEARCH = "/cpro/factures/v1/rechercher/fournisseur"
RATTACHEMENTS = "/cpro/utilisateurs/v1/monCompte/recuperer/rattachements"


def deposit_body(number="FAULT-1"):
    return {
        "fichierFlux": b64(facturx_pdf(number=number)),
        "nomFichier": "f.pdf",
        "syntaxeFlux": SYNTAX,
        "avecSignature": False,
    }


def flows(sim):
    return sim.state_summary()["flows"]["total"]


@pytest.mark.parametrize("kind,status", [("http_500", 500), ("http_503", 503), ("http_429", 429)])
def test_http_error_faults(sim, client, kind, status):
    client.fetch_token()
    sim.inject_fault(DEPOSIT, kind, retry_after=7)
    response = client.post(DEPOSIT, deposit_body())
    assert response.status_code == status
    if kind != "http_500":
        assert response.headers["Retry-After"] == "7"
    assert flows(sim) == 0  # not processed
    # The fault was consumed: the retry goes through.
    client.ok(DEPOSIT, deposit_body())
    assert flows(sim) == 1
    assert sim.calls[DEPOSIT] == 2


def test_fault_count_and_prefix(sim, client):
    client.fetch_token()
    sim.inject_fault("/cpro/factures/", "http_503", count=2)
    assert client.post(SEARCH, {}).status_code == 503
    assert client.post(RATTACHEMENTS, {}).status_code == 200  # other prefix
    assert client.post(SEARCH, {}).status_code == 503
    assert client.post(SEARCH, {}).status_code == 200
    assert sim.faults == []


def test_timeout_fault_does_not_process(sim, client):
    client.fetch_token()
    sim.inject_fault(DEPOSIT, "timeout", delay=3)
    with pytest.raises(requests.exceptions.ReadTimeout):
        client.post(DEPOSIT, deposit_body(), timeout=0.5)
    assert flows(sim) == 0
    assert sim.calls[DEPOSIT] == 1


def test_timeout_fault_answers_504_after_the_delay(sim, client):
    client.fetch_token()
    sim.inject_fault(SEARCH, "timeout", delay=0.2)
    response = client.post(SEARCH, {}, timeout=10)
    assert response.status_code == 504


def test_drop_fault_does_not_process(sim, client):
    client.fetch_token()
    sim.inject_fault(DEPOSIT, "drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        client.post(DEPOSIT, deposit_body())
    assert flows(sim) == 0
    client.ok(DEPOSIT, deposit_body())
    assert flows(sim) == 1


def test_process_then_drop_deposits_the_flow(sim, client):
    client.fetch_token()
    sim.inject_fault(DEPOSIT, "process_then_drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        client.post(DEPOSIT, deposit_body("LOST-1"))
    # The flow WAS deposited: the client can find the invoice instead of re-sending.
    assert flows(sim) == 1
    (flow,) = sim.state_summary()["flow_list"]
    client.poll_until_terminal(flow["numeroFluxDepot"])
    answer = client.ok(SEARCH, {"numeroFacture": "LOST-1"})
    assert answer["parametresRetour"]["total"] == 1


def test_process_then_timeout_deposits_the_flow(sim, client):
    client.fetch_token()
    sim.inject_fault(DEPOSIT, "process_then_timeout", delay=3)
    with pytest.raises(requests.exceptions.ReadTimeout):
        client.post(DEPOSIT, deposit_body("LOST-2"), timeout=0.5)
    # The server processed the call before stalling (wait for its thread, no timing
    # assertion: the loop only bounds the wait).
    deadline = time.monotonic() + 10
    while flows(sim) == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert flows(sim) == 1


def test_token_expired_fault(sim, client):
    client.fetch_token()
    old = client.token
    sim.inject_fault(RATTACHEMENTS, "token_expired")
    response = client.post(RATTACHEMENTS, {})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    # The token is now really invalid; a new one works.
    assert client.post(RATTACHEMENTS, {}).status_code == 401
    client.fetch_token()
    assert client.token != old
    client.ok(RATTACHEMENTS)


def test_fault_on_the_token_endpoint(sim, client):
    sim.inject_fault("/api/oauth/token", "http_503")
    with pytest.raises(requests.exceptions.HTTPError):
        client.fetch_token()
    client.fetch_token()
    assert client.token


def test_inject_fault_validation(sim):
    with pytest.raises(AdminError):
        sim.inject_fault(DEPOSIT, "explode")
    with pytest.raises(AdminError):
        sim.inject_fault("cpro", "drop")
    with pytest.raises(AdminError):
        sim.inject_fault(DEPOSIT, "drop", count=0)
