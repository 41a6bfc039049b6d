"""Flow progression and flow reports (consulterCRDetaille, consulterCR)."""

import base64
import datetime
import io

import pypdf
import pytest
from chorus_pro_simulator import Simulator
from fxutil import Client, facturx_pdf, make_zip

CR = "/cpro/transverses/v1/consulterCR"
CR_DETAILLE = "/cpro/transverses/v1/consulterCRDetaille"
TERMINAL = ("IN_INTEGRE", "IN_INTEGRE_PARTIEL", "IN_REJETE", "IN_INCIDENTE")


@pytest.fixture
def sim3():
    simulator = Simulator(flow_steps=3)
    yield simulator
    simulator.close()


def test_each_poll_moves_the_flow_one_step(sim3):
    with sim3.serve() as server:
        client = Client(server.url)
        numero = client.deposit(facturx_pdf())
        seen = [client.report(numero)["etatCourantDepotFlux"] for _ in range(5)]
        assert seen == [
            "IN_RECU",
            "IN_EN_ATTENTE_TRAITEMENT_CPP",
            "IN_EN_COURS_TRAITEMENT_CPP",
            "IN_INTEGRE",
            "IN_INTEGRE",
        ]
        # No invoice exists before integration.
        assert len(sim3.find_invoices(numero_flux=numero)) == 1


def test_invoices_are_created_only_when_the_flow_integrates(sim3):
    with sim3.serve() as server:
        client = Client(server.url)
        numero = client.deposit(facturx_pdf())
        client.report(numero)
        assert client.invoices_of_flow(numero) == []
        assert sim3.find_invoices(numero_flux=numero) == []
        client.poll_until_terminal(numero)
        assert len(client.invoices_of_flow(numero)) == 1


def test_report_fields(client):
    numero = client.deposit(facturx_pdf())
    report = client.report(numero)
    assert report["etatCourantDepotFlux"] == "IN_INTEGRE"
    assert report["numeroFluxDepot"] == numero
    assert report["codeInterfaceDepotFlux"] == "FSO1110A"
    assert report["nomFichier"].endswith(numero)
    assert report["listeErreurTechnique"] == []
    for key in ("dateDepotFlux", "dateHeureEtatCourantFlux"):
        parsed = datetime.datetime.fromisoformat(report[key])
        assert parsed.utcoffset() is not None
        assert "T" in report[key] and report[key][-6] in "+-"


def test_consulter_cr_returns_a_pdf_report(sim3):
    with sim3.serve() as server:
        client = Client(server.url)
        numero = client.deposit(
            make_zip(
                [("a.pdf", facturx_pdf(number="CR-1")), ("b.pdf", facturx_pdf(number="CR-2", service=None))]
            ),
            name="lot.zip",
        )
        states = []
        for _ in range(4):
            answer = client.ok(CR, {"numeroFluxDepot": numero})
            states.append(answer["etatCourantFlux"])
        assert states == [
            "IN_RECU",
            "IN_EN_ATTENTE_TRAITEMENT_CPP",
            "IN_EN_COURS_TRAITEMENT_CPP",
            "IN_INTEGRE_PARTIEL",
        ]
        assert answer["nomFichierFlux"] == "lot.zip"
        assert answer["numeroFluxDepot"] == numero
        pdf_bytes = base64.b64decode(answer["fichierCR"])
        assert pdf_bytes.startswith(b"%PDF-")
        reader = pypdf.PdfReader(io.BytesIO(pdf_bytes), strict=True)
        text = "".join(page.extract_text() for page in reader.pages)
        assert numero in text
        assert "IN_INTEGRE_PARTIEL" in text
        assert "CR-1" in text and "CR-2" in text


def test_flow_steps_zero_is_terminal_at_first_poll(client):
    numero = client.deposit(facturx_pdf())
    assert client.report(numero)["etatCourantDepotFlux"] == "IN_INTEGRE"


def test_unknown_flow(client):
    payload = client.error(CR_DETAILLE, {"numeroFluxDepot": "CPP0011110000000009999999"})
    assert payload["codeRetour"] == 20011
    assert client.error(CR_DETAILLE, {})["codeRetour"] == 20008


def test_flow_of_another_account_is_invisible(client, cabinet):
    numero = client.deposit(facturx_pdf())
    assert cabinet.error(CR_DETAILLE, {"numeroFluxDepot": numero})["codeRetour"] == 20011


def test_unreadable_archive_is_a_technical_rejection(client):
    numero, report = client.deposit_and_integrate(b"PK\x03\x04 broken", name="lot.zip")
    assert report["etatCourantDepotFlux"] == "IN_REJETE"
    assert report["listeErreurDP"] == []
    assert report["listeErreurTechnique"][0]["codeErreur"] == "ARCHIVE_ILLISIBLE"


def test_empty_archive_is_a_technical_rejection(client):
    numero, report = client.deposit_and_integrate(make_zip([]), name="lot.zip")
    assert report["etatCourantDepotFlux"] == "IN_REJETE"
    assert report["listeErreurTechnique"][0]["codeErreur"] == "ARCHIVE_VIDE"


def test_forced_incident_and_hold(sim3):
    with sim3.serve() as server:
        client = Client(server.url)
        held = client.deposit(facturx_pdf(number="H-1"))
        sim3.set_flow_status(held, "IN_EN_ATTENTE_RETRAITEMENT_CPP")
        for _ in range(6):
            assert client.report(held)["etatCourantDepotFlux"] == "IN_EN_ATTENTE_RETRAITEMENT_CPP"
        sim3.set_flow_status(held, "IN_EN_COURS_TRAITEMENT_CPP", hold=False)
        assert client.poll_until_terminal(held)["etatCourantDepotFlux"] == "IN_INTEGRE"

        incident = client.deposit(facturx_pdf(number="H-2"))
        sim3.set_flow_status(incident, "IN_INCIDENTE")
        report = client.report(incident)
        assert report["etatCourantDepotFlux"] == "IN_INCIDENTE"
        assert report["listeErreurTechnique"]
        assert client.invoices_of_flow(incident) == []


def test_advance_flows_to_terminal(sim3):
    with sim3.serve() as server:
        client = Client(server.url)
        numero = client.deposit(facturx_pdf())
        assert sim3.advance_flows([numero]) == {numero: "IN_RECU"}
        assert sim3.advance_flows(to_terminal=True) == {numero: "IN_INTEGRE"}
        assert client.report(numero)["etatCourantDepotFlux"] == "IN_INTEGRE"


def test_errors_are_only_listed_once_terminal(sim3):
    with sim3.serve() as server:
        client = Client(server.url)
        numero = client.deposit(facturx_pdf(service=None))
        reports = [client.report(numero) for _ in range(4)]
        assert [r["listeErreurDP"] for r in reports[:3]] == [[], [], []]
        assert reports[3]["etatCourantDepotFlux"] == "IN_REJETE"
        assert len(reports[3]["listeErreurDP"]) == 1
