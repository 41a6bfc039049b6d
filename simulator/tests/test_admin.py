"""Admin HTTP API (/_simulator/) and command line sub-commands."""

import json

import pytest
import requests
from chorus_pro_simulator import cli
from chorus_pro_simulator.util import today as chorus_today
from fxutil import SIRET_D93, SIRET_TILLEULS, SIRET_UNIVERSITY, Client, facturx_pdf

RATTACHEMENTS = "/cpro/utilisateurs/v1/monCompte/recuperer/rattachements"


def admin(server, method, route, body=None, status=200):
    response = requests.request(method, server.url + "/_simulator" + route, json=body, timeout=10)
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
    answer = admin(
        server,
        "POST",
        "/invoices/status",
        {"identifiantFactureCPP": invoice_id, "statut": "SUSPENDUE", "commentaire": "Piece manquante"},
    )
    assert answer == {"statut": "SUSPENDUE"}
    assert client.history(invoice_id)["statutCourantCode"] == "SUSPENDUE"
    admin(server, "POST", "/invoices/path", {"numeroFacture": "A-3", "path": ["DEPOSEE", "REJETEE"]})
    second = deposit_one(client, "A-3")
    answer = admin(server, "POST", "/invoices/advance", {"ids": [second], "steps": 1})
    assert answer == {"invoices": {str(second): "REJETEE"}}
    listing = admin(server, "GET", "/invoices?numeroFacture=A-3")["invoices"]
    assert listing[0]["path"] == ["DEPOSEE", "REJETEE"]
    error = admin(
        server,
        "POST",
        "/invoices/status",
        {"identifiantFactureCPP": invoice_id, "statut": "PAYEE"},
        status=400,
    )
    assert "unknown invoice status" in error["error"]
    error = admin(server, "POST", "/invoices/status", {"statut": "REJETEE"}, status=400)
    assert "missing" in error["error"]


def test_fault_and_token_admin_routes(server, client):
    client.fetch_token()
    admin(server, "POST", "/faults", {"path_prefix": RATTACHEMENTS, "kind": "http_500", "count": 1})
    assert admin(server, "GET", "/faults")["faults"][0]["kind"] == "http_500"
    assert client.post(RATTACHEMENTS).status_code == 500
    admin(server, "POST", "/faults", {"path_prefix": "/cpro", "kind": "http_503"})
    admin(server, "DELETE", "/faults")
    assert client.post(RATTACHEMENTS).status_code == 200
    admin(server, "POST", "/tokens/expire")
    assert client.post(RATTACHEMENTS).status_code == 401
    admin(server, "POST", "/faults", {"path_prefix": "/x", "kind": "nope"}, status=400)


def test_directory_admin_routes(server, client):
    id_structure = admin(
        server,
        "POST",
        "/structures",
        {"siret": "21930099000016", "name": "Commune ajoutee", "public": True, "service_required": True},
    )["idStructureCPP"]
    id_service = admin(
        server, "POST", "/services", {"structure": id_structure, "code": "FIN", "name": "Finances"}
    )["idService"]
    assert isinstance(id_service, int)
    admin(server, "POST", "/services/update", {"structure": "21930099000016", "code": "FIN", "active": False})
    detail = client.ok("/cpro/structures/v1/consulter", {"idStructureCPP": id_structure})
    assert detail["parametres"]["codeServiceDoitEtreRenseigne"] is True
    admin(server, "POST", "/structures/update", {"structure": id_structure, "service_required": False})
    detail = client.ok("/cpro/structures/v1/consulter", {"idStructureCPP": id_structure})
    assert detail["parametres"]["codeServiceDoitEtreRenseigne"] is False
    admin(server, "POST", "/structures", {"siret": SIRET_D93, "name": "x"}, status=409)
    admin(
        server,
        "POST",
        "/accounts",
        {"login": "TECH_1_21930099000016@cpro.fr", "password": "pw", "structures": []},
    )
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
    admin(server, "POST", "/flows/status", {"numeroFluxDepot": numero, "statut": "IN_INCIDENTE"})
    assert client.report(numero)["etatCourantDepotFlux"] == "IN_INCIDENTE"
    admin(server, "POST", "/config", {"flow_steps": -1}, status=400)


def test_cli_commands(server, client, capsys):
    invoice_id = deposit_one(client, "CLI-1")
    assert (
        cli.main(
            ["set-status", str(invoice_id), "MISE_A_DISPOSITION", "--comment", "via CLI", "--url", server.url]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out) == {"statut": "MISE_A_DISPOSITION"}
    assert cli.main(["advance", "--steps", "2", "--url", server.url]) == 0
    assert json.loads(capsys.readouterr().out)["invoices"][str(invoice_id)] == "MANDATEE"
    assert cli.main(["fault", "/cpro/factures", "http_503", "--count", "2", "--url", server.url]) == 0
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
        [
            sys.executable,
            "-m",
            "chorus_pro_simulator.cli",
            "serve",
            "--port",
            "0",
            "--state",
            str(state),
            "--advance",
            "on_poll",
            "--flow-steps",
            "1",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
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


# ---------------------------------------------------------------- portal deposits
def test_portal_invoice(server, client, sim):
    """An invoice deposited by hand on the portal: no flow, found by the supplier's
    search with its data, its number taken for the supplier's later deposits."""
    invoice_id = sim.add_portal_invoice(
        SIRET_TILLEULS,
        "PORTAIL-1",
        SIRET_UNIVERSITY,
        1000.0,
        1200.0,
        invoice_date="2026-10-01",
        engagement="EJ-P-1",
    )
    found = client.ok("/cpro/factures/v1/rechercher/fournisseur", {"numeroFacture": "PORTAIL-1"})[
        "listeFactures"
    ]
    assert len(found) == 1
    item = found[0]
    assert item["identifiantFactureCPP"] == invoice_id
    assert "numeroFluxDepot" not in item
    assert (item["modeDepot"], item["statut"], item["typeFacture"]) == ("DEPOT_PDF", "DEPOSEE", "FACTURE")
    assert (item["codeFournisseur"], item["codeDestinataire"]) == (SIRET_TILLEULS, SIRET_UNIVERSITY)
    assert (item["montantHT"], item["montantTTC"], item["dateFacture"]) == (1000.0, 1200.0, "2026-10-01")
    assert item["numeroBonCommande"] == "EJ-P-1"
    # It follows the lifecycle of the others.
    assert sim.advance_invoices([invoice_id]) == {invoice_id: "MISE_A_DISPOSITION"}
    # The number is taken: a flow with it is refused as a duplicate, as the portal refuses it.
    _numero, report = client.deposit_and_integrate(facturx_pdf(number="PORTAIL-1"))
    assert report["etatCourantDepotFlux"] == "IN_REJETE"
    assert "a deja ete deposee" in report["listeErreurDP"][0]["libelleErreurDP"]
    error = admin(
        server,
        "POST",
        "/invoices/portal",
        {
            "supplier": SIRET_TILLEULS,
            "numeroFacture": "PORTAIL-1",
            "codeDestinataire": SIRET_D93,
            "montantHT": 10.0,
        },
        status=409,
    )
    assert "a deja ete deposee" in error["error"]


def test_portal_invoice_admin_route(server, client):
    answer = admin(
        server,
        "POST",
        "/invoices/portal",
        {
            "supplier": SIRET_TILLEULS,
            "numeroFacture": "PORTAIL-2",
            "codeDestinataire": SIRET_D93,
            "codeServiceExecutant": "538",
            "montantHT": 95.5,
            "typeFacture": "AVOIR",
            "modeDepot": "SAISIE",
        },
    )
    item = client.ok("/cpro/factures/v1/rechercher/fournisseur", {"numeroFacture": "PORTAIL-2"})[
        "listeFactures"
    ][0]
    assert item["identifiantFactureCPP"] == answer["identifiantFactureCPP"]
    assert (item["typeFacture"], item["modeDepot"]) == ("AVOIR", "SAISIE")
    assert (item["montantHT"], item["montantTTC"], item["codeServiceExecutant"]) == (95.5, 95.5, "538")
    assert item["dateFacture"] == chorus_today().isoformat()
    for body, text in (
        ({"montantHT": 1.0}, "missing"),
        ({"montantHT": "1", "codeDestinataire": SIRET_D93}, "amounts must be numbers"),
        ({"montantHT": 1.0, "codeDestinataire": SIRET_D93, "typeFacture": "X"}, "invoice_type"),
        ({"montantHT": 1.0, "codeDestinataire": SIRET_D93, "dateFacture": "01/10/2026"}, "invalid date"),
    ):
        error = admin(
            server,
            "POST",
            "/invoices/portal",
            dict({"supplier": SIRET_TILLEULS, "numeroFacture": "PORTAIL-3"}, **body),
            status=400,
        )
        assert text in error["error"]
    admin(
        server,
        "POST",
        "/invoices/portal",
        {
            "supplier": SIRET_TILLEULS,
            "numeroFacture": "PORTAIL-3",
            "codeDestinataire": "99999999999999",
            "montantHT": 1.0,
        },
        status=404,
    )


# ---------------------------------------------------------------- CLI: a demo's companies
def test_cli_add_structure_and_account(server, sim, capsys):
    """An integrator adds a supplier, its technical account and a public customer with
    its services from the command line; the new account deposits at once."""
    url = ["--url", server.url]
    assert (
        cli.main(
            [
                "add-structure",
                "44306184100047",
                "Cabinet de demonstration",
                "--private",
                "--email",
                "demo@example.org",
                "--street",
                "1 rue Demo",
                "--zip",
                "75001",
                "--city",
                "Paris",
                *url,
            ]
        )
        == 0
    )
    supplier = json.loads(capsys.readouterr().out)["idStructureCPP"]
    assert (
        cli.main(
            [
                "add-account",
                "TECH_1_44306184100047@cpro.fr",
                "Demo-2026",
                "--structure",
                "44306184100047",
                *url,
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out) == {"login": "TECH_1_44306184100047@cpro.fr"}
    assert (
        cli.main(
            [
                "add-structure",
                "21750001600019",
                "Ville de demonstration",
                "--service-required",
                "--service",
                "FIN:Finances",
                "--ej-service",
                "ACHATS",
                *url,
            ]
        )
        == 0
    )
    customer = json.loads(capsys.readouterr().out)
    assert set(customer["services"]) == {"FIN", "ACHATS"}

    demo = Client(server.url, login="TECH_1_44306184100047@cpro.fr", password="Demo-2026")
    structures = demo.ok(RATTACHEMENTS)
    assert "44306184100047" in json.dumps(structures)
    struct = sim.structure_by_siret("44306184100047")
    assert struct["idStructureCPP"] == supplier
    assert (struct["typeStructure"], struct["statut"], struct["email"]) == (
        "PRIVEE",
        "ACTIVE",
        "demo@example.org",
    )
    assert struct["adresse"] == {
        "adresse": "1 rue Demo",
        "codePostal": "75001",
        "ville": "Paris",
        "pays": "FR",
    }
    detail = demo.ok("/cpro/structures/v1/consulter", {"idStructureCPP": customer["idStructureCPP"]})
    assert detail["parametres"]["codeServiceDoitEtreRenseigne"] is True
    services = demo.ok(
        "/cpro/structures/v1/rechercher/services", {"idStructure": customer["idStructureCPP"]}
    )["listeServices"]
    assert {s["codeService"]: s["libelleService"] for s in services} == {
        "FIN": "Finances",
        "ACHATS": "ACHATS",
    }
    _numero, report = demo.deposit_and_integrate(
        facturx_pdf(
            number="DEMO-1", seller="44306184100047", buyer="21750001600019", service="ACHATS", ej="EJ-DEMO-1"
        )
    )
    assert report["etatCourantDepotFlux"] == "IN_INTEGRE", report

    # Refusals come back as the admin API's: an error exit with its message.
    with pytest.raises(SystemExit, match="error 409.*already exists"):
        cli.main(["add-account", "TECH_1_44306184100047@cpro.fr", "x", *url])
    with pytest.raises(SystemExit, match="error 409"):
        cli.main(["add-structure", "21750001600019", "Doublon", *url])
    with pytest.raises(SystemExit, match="error 404.*unknown structure"):
        cli.main(["add-account", "TECH_2@cpro.fr", "x", "--structure", "99999999999999", *url])


def test_cli_add_portal_invoice(server, client, capsys):
    assert (
        cli.main(
            [
                "add-portal-invoice",
                SIRET_TILLEULS,
                "PORTAIL-CLI",
                SIRET_UNIVERSITY,
                "200",
                "--total",
                "240",
                "--date",
                "2026-10-01",
                "--url",
                server.url,
            ]
        )
        == 0
    )
    invoice_id = json.loads(capsys.readouterr().out)["identifiantFactureCPP"]
    item = client.ok("/cpro/factures/v1/rechercher/fournisseur", {"numeroFacture": "PORTAIL-CLI"})[
        "listeFactures"
    ][0]
    assert item["identifiantFactureCPP"] == invoice_id
    assert (item["montantHT"], item["montantTTC"]) == (200.0, 240.0)


def test_bulk_deposited_invoices(server, client):
    """Volume set-up: invoices DEPOSEE at once, listed by the supplier's search, then
    moved on in bulk; a number taken refuses the whole batch."""
    numbers = [f"BULK-{i:03d}" for i in range(150)]
    ids = admin(
        server,
        "POST",
        "/invoices/bulk",
        {"supplier": SIRET_TILLEULS, "recipient": SIRET_D93, "numbers": numbers, "amount_untaxed": 50.0},
    )["ids"]
    assert len(ids) == len(set(ids)) == 150
    search = "/cpro/factures/v1/rechercher/fournisseur"
    listed = client.ok(search, {"statutCourant": ["DEPOSEE"], "pageResultatDemandee": 2})
    assert listed["parametresRetour"]["total"] == 150
    assert {item["numeroFacture"] for item in listed["listeFactures"]} <= set(numbers)
    assert client.history(ids[0])["statutCourantCode"] == "DEPOSEE"
    moved = admin(server, "POST", "/invoices/status/bulk", {"ids": ids[:3], "status": "MISE_EN_PAIEMENT"})
    assert moved == {"invoices": {str(i): "MISE_EN_PAIEMENT" for i in ids[:3]}}
    paid = client.ok(search, {"statutCourant": ["MISE_EN_PAIEMENT"]})
    assert sorted(item["identifiantFactureCPP"] for item in paid["listeFactures"]) == sorted(ids[:3])
    error = admin(
        server,
        "POST",
        "/invoices/bulk",
        {"supplier": SIRET_TILLEULS, "recipient": SIRET_D93, "numbers": ["NEW-1", "BULK-007"]},
        status=409,
    )
    assert "taken" in error["error"]
    assert not admin(server, "GET", "/invoices?numeroFacture=NEW-1")["invoices"]
