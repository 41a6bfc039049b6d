"""deposer/flux: request checks (synchronous HTTP 400) and batch formats."""

import base64
import re

import pytest
from chorus_pro_simulator import Simulator
from fxutil import SYNTAX, b64, facturx_pdf, make_targz, make_zip

DEPOSIT = "/cpro/factures/v1/deposer/flux"


def deposit_body(content=None, name="F2026-0001.pdf", syntax=SYNTAX):
    body = {"nomFichier": name, "syntaxeFlux": syntax, "avecSignature": False}
    if content is not None:
        body["fichierFlux"] = content if isinstance(content, str) else b64(content)
    return body


def test_deposit_single_facturx(client, sim):
    answer = client.ok(DEPOSIT, deposit_body(facturx_pdf()))
    assert re.fullmatch(r"CPP\d{22}", answer["numeroFluxDepot"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", answer["dateDepot"])
    assert answer["syntaxeFlux"] == SYNTAX
    report = client.report(answer["numeroFluxDepot"])
    assert report["etatCourantDepotFlux"] == "IN_INTEGRE"
    assert report["listeErreurDP"] == []
    invoices = client.invoices_of_flow(answer["numeroFluxDepot"])
    assert len(invoices) == 1
    assert isinstance(invoices[0]["identifiantFactureCPP"], int)
    assert invoices[0]["statut"] == "DEPOSEE"
    assert invoices[0]["numeroFacture"] == "F2026-0001"


def test_flow_numbers_are_unique(client):
    numbers = {client.deposit(facturx_pdf(number=f"U-{i}")) for i in range(3)}
    assert len(numbers) == 3


@pytest.mark.parametrize("builder,name", [(make_zip, "lot.zip"), (make_targz, "lot_factures.tar.gz")])
def test_deposit_batch_archives(client, builder, name):
    files = [(f"F-B{i}.pdf", facturx_pdf(number=f"F-B{i}")) for i in range(3)]
    numero, report = client.deposit_and_integrate(builder(files), name=name)
    assert report["etatCourantDepotFlux"] == "IN_INTEGRE"
    numbers = sorted(i["numeroFacture"] for i in client.invoices_of_flow(numero))
    assert numbers == ["F-B0", "F-B1", "F-B2"]


def test_unknown_syntax_is_refused(client, sim):
    payload = client.error(DEPOSIT, deposit_body(facturx_pdf(), syntax="IN_DP_E1_CII_FACTURX"))
    assert payload["codeRetour"] == 20002
    assert sim.state_summary()["flows"]["total"] == 0


def test_missing_syntax_is_refused(client):
    body = deposit_body(facturx_pdf())
    del body["syntaxeFlux"]
    assert client.error(DEPOSIT, body)["codeRetour"] == 20008


def test_invalid_base64_is_refused(client):
    payload = client.error(DEPOSIT, deposit_body("ceci n'est pas du base64 !"))
    assert payload["codeRetour"] == 20004


def test_empty_file_is_refused(client):
    assert client.error(DEPOSIT, deposit_body(""))["codeRetour"] == 20005
    assert client.error(DEPOSIT, deposit_body(None))["codeRetour"] == 20005


@pytest.mark.parametrize("name", ["facture", "", "dossier/facture.pdf", ".pdf"])
def test_bad_file_name_is_refused(client, name):
    assert client.error(DEPOSIT, deposit_body(facturx_pdf(), name=name))["codeRetour"] == 20006


def test_extension_not_accepted_for_syntax(client):
    payload = client.error(DEPOSIT, deposit_body(facturx_pdf(), name="facture.docx"))
    assert payload["codeRetour"] == 20007
    payload = client.error(DEPOSIT, deposit_body(b"<xml/>", name="facture.xml"))
    assert payload["codeRetour"] == 20007


def test_file_larger_than_10_mb_is_refused(client, sim):
    content = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024)
    payload = client.error(DEPOSIT, deposit_body(content))
    assert payload["codeRetour"] == 20001
    assert "GDP_MSG_11.022" in payload["libelle"]
    assert sim.state_summary()["flows"]["total"] == 0


def test_archive_member_larger_than_limit_is_refused():
    sim = Simulator(max_file_size=50_000, flow_steps=0)
    with sim.serve() as server:
        from fxutil import Client

        client = Client(server.url)
        big = make_zip([("a.pdf", facturx_pdf(number="A")), ("b.pdf", b"%PDF-1.4\n" + bytes(60_000))])
        payload = client.error(DEPOSIT, deposit_body(big, name="lot.zip"))
        assert payload["codeRetour"] == 20001
        assert "GDP_MSG_11.022" in payload["libelle"]
    sim.close()


def test_base64_with_line_breaks_is_accepted(client):
    encoded = base64.encodebytes(facturx_pdf()).decode()
    assert "\n" in encoded
    numero = client.ok(DEPOSIT, deposit_body(encoded))["numeroFluxDepot"]
    assert client.report(numero)["etatCourantDepotFlux"] == "IN_INTEGRE"


def test_e1_cii_xml_flow(client):
    from fxutil import cii_xml

    numero, report = client.deposit_and_integrate(
        cii_xml(number="XML-1"), name="facture.xml", syntax="IN_DP_E1_CII_16B"
    )
    assert report["etatCourantDepotFlux"] == "IN_INTEGRE"
    assert client.invoices_of_flow(numero)[0]["numeroFacture"] == "XML-1"


def test_known_but_unprocessed_syntax_is_rejected_in_report(client):
    numero, report = client.deposit_and_integrate(b"<Invoice/>", name="f.xml", syntax="IN_DP_E1_UBL_INVOICE")
    assert report["etatCourantDepotFlux"] == "IN_REJETE"
    assert report["listeErreurTechnique"][0]["codeErreur"] == "SYNTAXE_NON_TRAITEE"
