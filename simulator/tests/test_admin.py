"""Admin HTTP API (/_simulator/) and command line sub-commands."""

import json

import requests
from fxutil import SIRET_D93, facturx_pdf

from chorus_pro_simulator import cli

RATTACHEMENTS = "/cpro/utilisateurs/v1/monCompte/recuperer/rattachements"


def admin(server, method, route, body=None, status=200):
    response = requests.request(method, server.url + "/_simulator" + route, json=body,
                                timeout=10)
    assert response.status_code == status, response.text
    return response.json()


def deposit_one(client, number):
    numero, _report = client.deposit_and_integrate(facturx_pdf(number=number))
    return client.invoices_of_flow(numero)[0]["identifiantFactureCPP"]


def test_state_and_calls(server, client):
    deposit_one(client, "A-1")
    state = admin(server, "GET", "/state")
    assert state["flows"]["total"] == 1
    assert state["invoices"]["by_status"] == {"DEPOSEE": 1}
    assert state["config"]["invoice_advance"] == "manual"
    assert "TECH_1_79876543400021@cpro.fr" in state["technical_accounts"]
    calls = admin(server, "GET", "/calls")
    assert calls["/cpro/factures/v1/deposer/flux"] == 1
    assert calls["/api/oauth/token"] == 1
    assert not any(path.startswith("/_simulator") for path in calls)
    admin(server, "DELETE", "/calls")
    assert admin(server, "GET", "/calls") == {}


def test_invoice_admin_routes(server, client):
    invoice_id = deposit_one(client, "A-2")
    answer = admin(server, "POST", "/invoices/status", {
        "identifiantFactureCPP": invoice_id, "statut": "SUSPENDUE",
        "commentaire": "Piece manquante"})
    assert answer == {"statut": "SUSPENDUE"}
    assert client.history(invoice_id)["statutCourantCode"] == "SUSPENDUE"
    admin(server, "POST", "/invoices/path", {"numeroFacture": "A-3", "path": [
        "DEPOSEE", "REJETEE"]})
    second = deposit_one(client, "A-3")
    answer = admin(server, "POST", "/invoices/advance", {"ids": [second], "steps": 1})
    assert answer == {"invoices": {str(second): "REJETEE"}}
    listing = admin(server, "GET", "/invoices?numeroFacture=A-3")["invoices"]
    assert listing[0]["path"] == ["DEPOSEE", "REJETEE"]
    error = admin(server, "POST", "/invoices/status", {
        "identifiantFactureCPP": invoice_id, "statut": "PAYEE"}, status=400)
    assert "unknown invoice status" in error["error"]
    error = admin(server, "POST", "/invoices/status", {"statut": "REJETEE"}, status=400)
    assert "missing" in error["error"]


def test_fault_and_token_admin_routes(server, client):
    client.fetch_token()
    admin(server, "POST", "/faults", {"path_prefix": RATTACHEMENTS, "kind": "http_500",
                                      "count": 1})
    assert admin(server, "GET", "/faults")["faults"][0]["kind"] == "http_500"
    assert client.post(RATTACHEMENTS).status_code == 500
    admin(server, "POST", "/faults", {"path_prefix": "/cpro", "kind": "http_503"})
    admin(server, "DELETE", "/faults")
    assert client.post(RATTACHEMENTS).status_code == 200
    admin(server, "POST", "/tokens/expire")
    assert client.post(RATTACHEMENTS).status_code == 401
    admin(server, "POST", "/faults", {"path_prefix": "/x", "kind": "nope"}, status=400)


def test_directory_admin_routes(server, client):
    id_structure = admin(server, "POST", "/structures", {
        "siret": "21930099000016", "name": "Commune ajoutee", "public": True,
        "service_required": True})["idStructureCPP"]
    id_service = admin(server, "POST", "/services", {
        "structure": id_structure, "code": "FIN", "name": "Finances"})["idService"]
    assert isinstance(id_service, int)
    admin(server, "POST", "/services/update", {"structure": "21930099000016",
                                               "code": "FIN", "active": False})
    detail = client.ok("/cpro/structures/v1/consulter", {"idStructureCPP": id_structure})
    assert detail["parametres"]["codeServiceDoitEtreRenseigne"] is True
    admin(server, "POST", "/structures/update", {"structure": id_structure,
                                                 "service_required": False})
    detail = client.ok("/cpro/structures/v1/consulter", {"idStructureCPP": id_structure})
    assert detail["parametres"]["codeServiceDoitEtreRenseigne"] is False
    admin(server, "POST", "/structures", {"siret": SIRET_D93, "name": "x"}, status=409)
    admin(server, "POST", "/accounts", {"login": "TECH_1_21930099000016@cpro.fr",
                                        "password": "pw", "structures": []})
    admin(server, "GET", "/nothing", status=404)


def test_reset(server, client, sim):
    deposit_one(client, "A-4")
    sim.add_structure("21930011000018", "Temporaire")
    admin(server, "POST", "/reset")
    state = admin(server, "GET", "/state")
    assert state["flows"]["total"] == 0 and state["invoices"]["total"] == 0
    assert sim.structure_by_siret("21930011000018") is None
    assert client.post(RATTACHEMENTS).status_code == 401  # tokens are gone too


def test_config_and_flow_admin_routes(server, client, sim):
    admin(server, "POST", "/config", {"flow_steps": 2, "invoice_advance": "on_poll"})
    numero = client.deposit(facturx_pdf(number="A-5"))
    answer = admin(server, "POST", "/flows/advance", {"numeros": [numero]})
    assert answer == {"flows": {numero: "IN_RECU"}}
    admin(server, "POST", "/flows/status", {"numeroFluxDepot": numero,
                                            "statut": "IN_INCIDENTE"})
    assert client.report(numero)["etatCourantDepotFlux"] == "IN_INCIDENTE"
    admin(server, "POST", "/config", {"flow_steps": -1}, status=400)


def test_cli_commands(server, client, capsys):
    invoice_id = deposit_one(client, "CLI-1")
    assert cli.main(["set-status", str(invoice_id), "MISE_A_DISPOSITION",
                     "--comment", "via CLI", "--url", server.url]) == 0
    assert json.loads(capsys.readouterr().out) == {"statut": "MISE_A_DISPOSITION"}
    assert cli.main(["advance", "--steps", "2", "--url", server.url]) == 0
    assert json.loads(capsys.readouterr().out)["invoices"][str(invoice_id)] == "MANDATEE"
    assert cli.main(["fault", "/cpro/factures", "http_503", "--count", "2",
                     "--url", server.url]) == 0
    assert json.loads(capsys.readouterr().out)["remaining"] == 2
    assert cli.main(["state", "--url", server.url]) == 0
    state = json.loads(capsys.readouterr().out)
    assert len(state["faults"]) == 1
    assert cli.main(["reset", "--url", server.url]) == 0
    capsys.readouterr()
    assert cli.main(["calls", "--url", server.url]) == 0
    assert json.loads(capsys.readouterr().out) == {}


def test_cli_serve_subprocess(tmp_path):
    import subprocess
    import sys

    state = tmp_path / "cli.sqlite"
    process = subprocess.Popen(
        [sys.executable, "-m", "chorus_pro_simulator.cli", "serve", "--port", "0",
         "--state", str(state), "--advance", "on_poll", "--flow-steps", "1"],
        stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("Chorus Pro simulator listening on http://127.0.0.1:")
        url = line.rsplit(" ", 1)[-1].strip()
        state_answer = requests.get(url + "/_simulator/state", timeout=10).json()
        assert state_answer["config"]["invoice_advance"] == "on_poll"
        assert state_answer["config"]["flow_steps"] == 1
        assert state_answer["config"]["state_path"] == str(state)
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
    assert state.exists()
