"""Per-invoice checks of an integrated flow (listeErreurDP), one test per rule."""

import datetime

import pytest
from chorus_pro_simulator.util import today as chorus_today
from fxutil import (
    SIRET_CABINET,
    SIRET_D93,
    SIRET_EJ_OR_SERVICE,
    SIRET_EJ_REQUIRED,
    SIRET_NO_PARAM,
    SIRET_QUALIF_SUPPLIER,
    SIRET_SECOND,
    SIRET_SERVICE_REQUIRED,
    SIRET_STATE,
    SIRET_TILLEULS,
    SIRET_UNIVERSITY,
    base_pdf,
    facturx_pdf,
    make_zip,
    pdf_with_xml,
    xsd_invalid_xml,
)


def rejected(client, content, name="facture.pdf"):
    """Deposit one invoice that must be rejected; return its listeErreurDP texts."""
    numero, report = client.deposit_and_integrate(content, name=name)
    assert report["etatCourantDepotFlux"] == "IN_REJETE", report
    assert client.invoices_of_flow(numero) == []
    assert report["listeErreurDP"], report
    return report["listeErreurDP"]


def accepted(client, content, name="facture.pdf"):
    numero, report = client.deposit_and_integrate(content, name=name)
    assert report["etatCourantDepotFlux"] == "IN_INTEGRE", report
    invoices = client.invoices_of_flow(numero)
    assert len(invoices) == 1
    return invoices[0]


def texts(errors):
    return " | ".join(e["libelleErreurDP"] for e in errors)


# --- file content ------------------------------------------------------------------
def test_pdf_without_facturx_xml(client):
    errors = rejected(client, base_pdf(), name="sans_xml.pdf")
    assert "ne contient pas de fichier XML Factur-X" in texts(errors)
    assert errors[0]["numeroDP"] == "sans_xml.pdf"


def test_xml_failing_xsd(client):
    errors = rejected(client, pdf_with_xml(xsd_invalid_xml(number="XSD-1")))
    assert "schema XSD" in texts(errors)
    assert "NotAnElement" in texts(errors)
    assert errors[0]["numeroDP"] == "XSD-1"
    assert errors[0]["identifiantFournisseur"] == SIRET_TILLEULS
    assert errors[0]["identifiantDestinataire"] == SIRET_D93


def test_not_a_pdf(client):
    errors = rejected(client, b"GIF89a not a pdf", name="image.pdf")
    assert "n'est pas un fichier PDF lisible" in texts(errors)


def test_archive_member_with_wrong_type(client):
    errors = rejected(client, make_zip([("notes.txt", b"hello")]), name="lot.zip")
    assert "n'est pas accepte dans un flux" in texts(errors)


# --- supplier ------------------------------------------------------------------------
def test_seller_unknown(client):
    errors = rejected(client, facturx_pdf(seller="99999999999999"))
    assert texts(errors) == (
        "L'identifiant fournisseur de la demande de paiement (balise : FichierXml."
        "SupplyChainTradeTransaction.ApplicableHeaderTradeAgreement.SellerTradeParty."
        "SpecifiedLegalOrganization.ID.value) n'est pas reference dans notre systeme."
    )


def test_seller_not_attached_to_the_technical_account(client, cabinet):
    # Cabinet Martin's invoice deposited with the Tilleuls account.
    errors = rejected(client, facturx_pdf(seller=SIRET_CABINET, service="132", ej="EJ2026-000456"))
    assert "n'est pas rattache a la structure fournisseur 81234567600017" in texts(errors)
    # The right account can deposit it; so can it for its second structure.
    accepted(cabinet, facturx_pdf(seller=SIRET_CABINET, service="132", ej="EJ2026-000456"))
    accepted(cabinet, facturx_pdf(seller=SIRET_QUALIF_SUPPLIER, buyer=SIRET_NO_PARAM, service=None, ej=None))


def test_seller_inactive(sim, client):
    sim.update_structure(SIRET_SECOND, active=False)
    errors = rejected(client, facturx_pdf(seller=SIRET_SECOND))
    assert "La structure fournisseur 53535353600035 n'est pas active" in texts(errors)


# --- recipient -----------------------------------------------------------------------
def test_buyer_unknown(client):
    errors = rejected(client, facturx_pdf(buyer="11111111111111"))
    assert "L'identifiant destinataire de la demande de paiement" in texts(errors)
    assert errors[0]["identifiantDestinataire"] == "11111111111111"


def test_buyer_inactive(sim, client):
    sim.add_structure("21750001600019", "Commune fermee", public=True, active=False)
    errors = rejected(client, facturx_pdf(buyer="21750001600019", service=None, ej=None))
    assert "La structure destinataire 21750001600019 n'est pas active" in texts(errors)


def test_buyer_is_a_private_structure(client):
    errors = rejected(client, facturx_pdf(buyer=SIRET_CABINET, service=None, ej=None))
    assert "n'est pas une structure publique" in texts(errors)


# --- service code (BT-10) ------------------------------------------------------------
def test_service_required_by_structure(client):
    errors = rejected(client, facturx_pdf(service=None))
    assert "Le code service est obligatoire pour la structure destinataire 22930008201453" in texts(errors)
    errors = rejected(client, facturx_pdf(number="Q-1", buyer=SIRET_SERVICE_REQUIRED, service=None, ej=None))
    assert "Le code service est obligatoire" in texts(errors)
    accepted(
        client,
        facturx_pdf(number="Q-2", buyer=SIRET_SERVICE_REQUIRED, service="SERVICE_DEST_SERV_OBL", ej=None),
    )


def test_service_unknown(client):
    errors = rejected(client, facturx_pdf(service="999"))
    assert "Le code service 999 n'est pas reference" in texts(errors)


def test_service_inactive(sim, client):
    sim.add_service(SIRET_D93, "777", "Service ferme", active=False)
    errors = rejected(client, facturx_pdf(service="777"))
    assert "Le service 777 de la structure destinataire 22930008201453 n'est pas actif" in texts(errors)


def test_service_outside_validity_dates(sim, client):
    yesterday = (chorus_today() - datetime.timedelta(days=1)).isoformat()
    tomorrow = (chorus_today() + datetime.timedelta(days=1)).isoformat()
    sim.add_service(SIRET_D93, "780", "Service clos", valid_from="2020-01-01", valid_to=yesterday)
    sim.add_service(SIRET_D93, "781", "Service futur", valid_from=tomorrow)
    errors = rejected(client, facturx_pdf(number="V-1", service="780"))
    assert "Le service 780" in texts(errors) and "n'est pas valide" in texts(errors)
    errors = rejected(client, facturx_pdf(number="V-2", service="781"))
    assert "Le service 781" in texts(errors)


def test_service_factures_publiques(client):
    errors = rejected(client, facturx_pdf(service="FACTURES_PUBLIQUES"))
    assert "FACTURES_PUBLIQUES" in texts(errors)
    assert "intra-sphere publique" in texts(errors)


# --- engagement number (BT-13) -------------------------------------------------------
def test_ej_required_by_structure(client):
    errors = rejected(client, facturx_pdf(ej=None))
    assert "Le numero d'engagement est obligatoire pour la structure destinataire 22930008201453" in texts(
        errors
    )
    errors = rejected(client, facturx_pdf(number="Q-3", buyer=SIRET_EJ_REQUIRED, service=None, ej=None))
    assert "Le numero d'engagement est obligatoire" in texts(errors)
    accepted(client, facturx_pdf(number="Q-4", buyer=SIRET_EJ_REQUIRED, service=None, ej="EJ-QUALIF-1"))


def test_ej_required_by_service(sim, client):
    sim.add_service(SIRET_NO_PARAM, "SRV_EJ", "Service avec EJ", ej_required=True)
    errors = rejected(client, facturx_pdf(buyer=SIRET_NO_PARAM, service="SRV_EJ", ej=None))
    assert "Le numero d'engagement est obligatoire pour le service SRV_EJ" in texts(errors)


def test_ej_or_service_required(client):
    errors = rejected(client, facturx_pdf(number="Q-5", buyer=SIRET_EJ_OR_SERVICE, service=None, ej=None))
    assert "Le code service ou le numero d'engagement doit etre renseigne" in texts(errors)
    accepted(client, facturx_pdf(number="Q-6", buyer=SIRET_EJ_OR_SERVICE, service=None, ej="EJ-1"))
    accepted(
        client,
        facturx_pdf(number="Q-7", buyer=SIRET_EJ_OR_SERVICE, service="SERVICE_DEST_EJ_OU_SERV_OBL", ej=None),
    )


def test_recipients_without_parameters(client):
    accepted(client, facturx_pdf(number="U-1", buyer=SIRET_UNIVERSITY, service=None, ej=None))
    accepted(client, facturx_pdf(number="U-2", buyer=SIRET_NO_PARAM, service=None, ej=None))
    invoice = accepted(client, facturx_pdf(number="U-3", buyer=SIRET_STATE, service="SFACETAT", ej=None))
    assert invoice["codeServiceExecutant"] == "SFACETAT"


# --- lengths -------------------------------------------------------------------------
def test_invoice_number_longer_than_20(client):
    number = "F" * 21
    errors = rejected(client, facturx_pdf(number=number))
    assert "depasse la longueur maximale autorisee de 20 caracteres" in texts(errors)
    assert errors[0]["numeroDP"] == number
    accepted(client, facturx_pdf(number="F" * 20))


def test_ej_longer_than_50(client):
    errors = rejected(client, facturx_pdf(ej="E" * 51))
    assert "Le numero d'engagement " + "E" * 51 in texts(errors)
    assert "50 caracteres" in texts(errors)


def test_market_number_longer_than_50(client):
    errors = rejected(client, facturx_pdf(market="M" * 51))
    assert "Le numero de marche" in texts(errors)
    invoice = accepted(client, facturx_pdf(number="M-OK", market="M" * 50))
    assert invoice["numeroMarche"] == "M" * 50


# --- duplicates ----------------------------------------------------------------------
def test_duplicate_invoice_number(client):
    accepted(client, facturx_pdf(number="DUP-1"))
    errors = rejected(client, facturx_pdf(number="DUP-1"))
    assert "La facture DUP-1 a deja ete deposee par le fournisseur 79876543400021" in texts(errors)


def test_duplicate_inside_one_batch(client):
    content = make_zip([("a.pdf", facturx_pdf(number="DUP-2")), ("b.pdf", facturx_pdf(number="DUP-2"))])
    numero, report = client.deposit_and_integrate(content, name="lot.zip")
    assert report["etatCourantDepotFlux"] == "IN_INTEGRE_PARTIEL"
    assert len(client.invoices_of_flow(numero)) == 1
    assert "a deja ete deposee" in texts(report["listeErreurDP"])


def test_same_number_for_another_supplier_is_not_a_duplicate(client, cabinet):
    accepted(client, facturx_pdf(number="SHARED-1"))
    accepted(cabinet, facturx_pdf(number="SHARED-1", seller=SIRET_CABINET, service="132", ej="EJ2026-000456"))


def test_number_of_a_rejected_invoice_can_be_reused(sim, client):
    invoice = accepted(client, facturx_pdf(number="REUSE-1"))
    sim.set_invoice_status(invoice["identifiantFactureCPP"], "REJETEE", comment="Montant errone")
    accepted(client, facturx_pdf(number="REUSE-1"))


# --- payment means / document type -----------------------------------------------------
def test_payment_means_required_on_invoices(client):
    errors = rejected(client, facturx_pdf(payment_means=None))
    assert texts(errors) == (
        "L'element FichierXml.SupplyChainTradeTransaction."
        "ApplicableHeaderTradeSettlement.SpecifiedTradeSettlementPaymentMeans.TypeCode."
        "value est obligatoire."
    )


def test_credit_note_without_payment_means_is_accepted(client):
    invoice = accepted(client, facturx_pdf(number="AV-1", type_code="381", payment_means=None))
    assert invoice["typeFacture"] == "AVOIR"


def test_refused_document_type(client):
    errors = rejected(client, facturx_pdf(type_code="751"))
    assert "Le type de facture 751" in texts(errors)


def test_invoice_dated_after_deposit(client):
    tomorrow = chorus_today() + datetime.timedelta(days=1)
    errors = rejected(client, facturx_pdf(issue_date=tomorrow))
    assert "posterieure a la date de depot" in texts(errors)


# --- flow outcome --------------------------------------------------------------------
def test_partial_integration(client):
    content = make_zip(
        [
            ("ok1.pdf", facturx_pdf(number="P-1")),
            ("ko.pdf", facturx_pdf(number="P-2", service="FACTURES_PUBLIQUES")),
            ("ok2.pdf", facturx_pdf(number="P-3")),
            ("sans_xml.pdf", base_pdf()),
        ]
    )
    numero, report = client.deposit_and_integrate(content, name="lot.zip")
    assert report["etatCourantDepotFlux"] == "IN_INTEGRE_PARTIEL"
    assert sorted(e["numeroDP"] for e in report["listeErreurDP"]) == ["P-2", "sans_xml.pdf"]
    assert sorted(i["numeroFacture"] for i in client.invoices_of_flow(numero)) == ["P-1", "P-3"]


def test_several_errors_for_one_invoice(client):
    errors = rejected(client, facturx_pdf(number="X" * 21, service=None, ej=None, payment_means=None))
    assert len(errors) == 4
    assert {e["numeroDP"] for e in errors} == {"X" * 21}


@pytest.mark.parametrize(
    "flags,service,ej,ok",
    [
        ({"service_required": True}, None, "EJ", False),
        ({"service_required": True}, "S1", None, True),
        ({"ej_required": True}, "S1", None, False),
        ({"ej_required": True}, None, "EJ", True),
        ({"ej_or_service": True}, None, None, False),
        ({}, None, None, True),
    ],
)
def test_flag_matrix_on_added_structure(sim, client, flags, service, ej, ok):
    sim.add_structure("21930066000010", "Commune de test", public=True, **flags)
    sim.add_service("21930066000010", "S1", "Service 1")
    numero, report = client.deposit_and_integrate(facturx_pdf(buyer="21930066000010", service=service, ej=ej))
    expected = "IN_INTEGRE" if ok else "IN_REJETE"
    assert report["etatCourantDepotFlux"] == expected, report
