"""OAuth2 token, bearer, cpro-account, Content-Type and routing checks."""

import base64

import pytest
import requests
from chorus_pro_simulator import Simulator
from fxutil import CLIENT_ID, CLIENT_SECRET, PASSWORD, TECH_TILLEULS, Client, account_header

RATTACHEMENTS = "/cpro/utilisateurs/v1/monCompte/recuperer/rattachements"


def token_request(server, **form):
    data = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scope": "openid",
    }
    data.update(form)
    data = {k: v for k, v in data.items() if v is not None}
    return requests.post(server.url + "/api/oauth/token", data=data, timeout=10)


def test_token_success(server):
    response = token_request(server)
    assert response.status_code == 200
    payload = response.json()
    assert payload["token_type"] == "Bearer"
    assert payload["scope"] == "openid"
    assert payload["expires_in"] == 3600
    assert len(payload["access_token"]) >= 20
    assert response.headers["Cache-Control"] == "no-store"


def test_token_without_scope_and_with_basic_auth(server):
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    response = requests.post(
        server.url + "/api/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "Bearer"


@pytest.mark.parametrize(
    "form,status,error",
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "unknown-client"}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": None}, 400, "invalid_request"),
        ({"scope": "profile"}, 400, "invalid_scope"),
    ],
)
def test_token_errors(server, form, status, error):
    response = token_request(server, **form)
    assert response.status_code == status
    payload = response.json()
    assert payload["error"] == error
    assert payload["error_description"]


def test_token_request_must_be_form_encoded(server):
    response = requests.post(
        server.url + "/api/oauth/token",
        json={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
        timeout=10,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_missing_and_invalid_bearer(server):
    headers = {"cpro-account": account_header(TECH_TILLEULS)}
    response = requests.post(server.url + RATTACHEMENTS, json={}, headers=headers, timeout=10)
    assert response.status_code == 401
    assert "Bearer" in response.headers["WWW-Authenticate"]
    headers["Authorization"] = "Bearer not-a-token"
    response = requests.post(server.url + RATTACHEMENTS, json={}, headers=headers, timeout=10)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


def test_expire_tokens_then_new_token_works(sim, client):
    client.ok(RATTACHEMENTS)
    sim.expire_tokens()
    response = client.post(RATTACHEMENTS)
    assert response.status_code == 401
    client.fetch_token()
    client.ok(RATTACHEMENTS)


def test_token_lifetime_elapsed():
    # token_lifetime=0: every token is already expired when it is used.
    sim = Simulator(token_lifetime=0)
    with sim.serve() as server:
        client = Client(server.url)
        assert (
            requests.post(
                server.url + "/api/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                },
                timeout=10,
            ).json()["expires_in"]
            == 0
        )
        response = client.post(RATTACHEMENTS)
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_token"


def test_cpro_account_missing(client):
    client.fetch_token()
    response = client.session.post(
        client.base_url + RATTACHEMENTS,
        json={},
        headers={"Authorization": f"Bearer {client.token}"},
        timeout=10,
    )
    assert response.status_code == 401
    assert response.json()["codeRetour"] == 10001


@pytest.mark.parametrize(
    "header,code",
    [
        ("bm90LWJhc2U2NA", 10001),  # base64 without login:password
        ("%%%", 10001),
        (account_header(TECH_TILLEULS, "wrong-password"), 10002),
        (account_header(TECH_TILLEULS, "mot-de-passe-accentue-é"), 10002),
        (account_header("TECH_1_00000000000000@cpro.fr", PASSWORD), 10002),
    ],
)
def test_cpro_account_refused(client, header, code):
    client.fetch_token()
    response = client.session.post(
        client.base_url + RATTACHEMENTS,
        json={},
        headers={"Authorization": f"Bearer {client.token}", "cpro-account": header},
        timeout=10,
    )
    assert response.status_code == 401
    payload = response.json()
    assert payload["codeRetour"] == code
    assert payload["libelle"]


def test_content_type_must_be_json(client):
    response = client.session.post(
        client.base_url + RATTACHEMENTS,
        data="{}",
        headers={**client.headers(), "Content-Type": "text/plain"},
        timeout=10,
    )
    assert response.status_code == 415
    response = client.session.post(
        client.base_url + RATTACHEMENTS,
        data=b"{}",
        headers={**client.headers(), "Content-Type": "application/json;charset=utf-8"},
        timeout=10,
    )
    assert response.status_code == 200


def test_invalid_json_body(client):
    for raw in (b"{not json", b"[1, 2]"):
        response = client.session.post(
            client.base_url + RATTACHEMENTS,
            data=raw,
            headers={**client.headers(), "Content-Type": "application/json"},
            timeout=10,
        )
        assert response.status_code == 400
        assert response.json()["codeRetour"] == 20000


def test_unknown_path_and_wrong_method(client):
    response = client.post("/cpro/factures/v1/nexiste/pas")
    assert response.status_code == 404
    response = client.session.get(client.base_url + RATTACHEMENTS, headers=client.headers(), timeout=10)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_health_check(client):
    response = client.session.get(
        client.base_url + "/cpro/transverses/v1/health-check", headers=client.headers(), timeout=10
    )
    assert response.status_code == 200
    payload = response.json()
    assert payload["statusCodeValue"] == 200
    assert payload["statusCode"] == "OK"
    # Needs the PISTE token.
    response = requests.get(client.base_url + "/cpro/transverses/v1/health-check", timeout=10)
    assert response.status_code == 401


def test_rattachements_lists_the_account_structures(client, cabinet):
    payload = client.ok(
        RATTACHEMENTS, {"parametresRecherche": {"nbResultatsParPage": 10, "pageResultatDemandee": 1}}
    )
    sirets = {s["identifiantStructure"] for s in payload["listeStructureRattachement"]}
    assert sirets == {"79876543400021", "53535353600035"}
    tilleuls = next(
        s for s in payload["listeStructureRattachement"] if s["identifiantStructure"] == "79876543400021"
    )
    assert tilleuls["idStructure"] == 26311003
    assert tilleuls["listeServicesRattache"][0]["codeService"] == "MECS"
    assert payload["parametresRetour"]["total"] == 2
    payload = cabinet.ok(RATTACHEMENTS)
    assert {s["identifiantStructure"] for s in payload["listeStructureRattachement"]} == {
        "81234567600017",
        "93125027408770",
    }
