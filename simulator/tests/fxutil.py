"""Test helpers: Factur-X fixtures built with the factur-x library, an API client."""

import base64
import copy
import functools
import io
import tarfile
import zipfile

import facturx
import requests
from chorus_pro_simulator.util import today as chorus_today
from lxml import etree
from reportlab.pdfgen import canvas

CLIENT_ID = "chorus-sim-client"
CLIENT_SECRET = "chorus-sim-secret"
PASSWORD = "Chorus-Sim-2026"
TECH_CABINET = "TECH_1_81234567600017@cpro.fr"
TECH_TILLEULS = "TECH_1_79876543400021@cpro.fr"

SIRET_CABINET = "81234567600017"
SIRET_QUALIF_SUPPLIER = "93125027408770"
SIRET_TILLEULS = "79876543400021"
SIRET_SECOND = "53535353600035"
SIRET_D93 = "22930008201453"
SIRET_STATE = "11000201100044"
SIRET_SERVICE_REQUIRED = "12345678200028"
SIRET_EJ_REQUIRED = "12345678200036"
SIRET_EJ_OR_SERVICE = "12345678200044"
SIRET_NO_PARAM = "12345678200051"
SIRET_UNIVERSITY = "13001533200013"  # Aix-Marseille Universite

SYNTAX = "IN_DP_E2_CII_FACTURX"


@functools.cache
def base_pdf(text="Facture"):
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 770, text)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def invoice_data(
    number="F2026-0001",
    seller=SIRET_TILLEULS,
    buyer=SIRET_D93,
    service="538",
    ej="EJ2026-000123",
    market=None,
    type_code="380",
    payment_means="30",
    amount=100.0,
    issue_date=None,
):
    """A BT-keyed data dict for ``facturx.generate_xml`` (EN 16931 profile).

    ``None`` leaves an optional element out (service, EJ, market, payment means).
    """
    today = issue_date or chorus_today()
    data = {
        "BT-1": number,
        "BT-2": today,
        "BT-3": type_code,
        "BT-5": "EUR",
        # lxml 4.9 marks an empty ApplicableHeaderTradeDelivery as nil: give it a date.
        "BT-72": today,
        "BG-4": {
            "name": "Fournisseur de test",
            "legal_identifier": seller,
            "legal_identifier_schemeid": "0002",
            "tax_identifier": seller,
            "country_code": "FR",
            "postcode": "93200",
            "city": "Saint-Denis",
            "addr_l1": "4 allee des Tilleuls",
        },
        "BG-7": {
            "name": "Destinataire public",
            "legal_identifier": buyer,
            "legal_identifier_schemeid": "0002",
            "country_code": "FR",
        },
        "BT-106": amount,
        "BT-109": amount,
        "BT-110": 0.0,
        "BT-112": amount,
        "BT-115": amount,
        "BG-23": [
            {
                "BT-116": amount,
                "BT-117": 0.0,
                "BT-118": "E",
                "BT-119": 0.0,
                "BT-121": "VATEX-FR-CGI261-4",
                "BT-120": "TVA non applicable, art. 261-4-1 du CGI",
            }
        ],
        "BG-25": [
            {
                "BT-126": "1",
                "BT-129": 1.0,
                "BT-130": "C62",
                "BT-131": amount,
                "BT-146": amount,
                "BT-151": "E",
                "BT-152": 0.0,
                "BT-153": "Seance d'accompagnement",
            }
        ],
    }
    if service is not None:
        data["BT-10"] = service
    if ej is not None:
        data["BT-13"] = ej
    if market is not None:
        data["BT-12"] = market
    if payment_means is not None:
        data["BT-81"] = payment_means
        data["BT-84"] = "FR7630006000011234567890189"
    return data


def cii_xml(**kwargs):
    return facturx.generate_xml(
        copy.deepcopy(invoice_data(**kwargs)), level="en16931", check_schematron=False
    )


def facturx_pdf(**kwargs):
    """A real Factur-X PDF (EN 16931) with the given invoice fields."""
    return facturx.generate_from_binary(base_pdf(), cii_xml(**kwargs))


def pdf_with_xml(xml_bytes):
    """A PDF carrying ``xml_bytes`` as factur-x.xml without any XSD check."""
    return facturx.generate_from_binary(
        base_pdf(), xml_bytes, check_xsd=False, flavor="factur-x", level="en16931"
    )


def xsd_invalid_xml(**kwargs):
    """A Factur-X XML that fails the XSD (an unknown element in ExchangedDocument)."""
    root = etree.fromstring(cii_xml(**kwargs))
    ns = {
        "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
        "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    }
    doc = root.find("rsm:ExchangedDocument", ns)
    bogus = etree.SubElement(doc, "{%s}NotAnElement" % ns["ram"])
    bogus.text = "x"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def make_zip(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
    return buffer.getvalue()


def make_targz(files):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def b64(data):
    return base64.b64encode(data).decode("ascii")


def account_header(login, password=PASSWORD):
    return base64.b64encode(f"{login}:{password}".encode()).decode()


class Client:
    """Minimal Chorus Pro client over HTTP (token + cpro-account)."""

    def __init__(self, base_url, login=TECH_TILLEULS, password=PASSWORD, timeout=30):
        self.base_url = base_url
        self.login = login
        self.password = password
        self.timeout = timeout
        self.session = requests.Session()
        self.token = None

    def fetch_token(self):
        response = self.session.post(
            self.base_url + "/api/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "scope": "openid",
            },
            timeout=self.timeout,
        )
        response.raise_for_status()
        self.token = response.json()["access_token"]
        return self.token

    def headers(self):
        if self.token is None:
            self.fetch_token()
        return {
            "Authorization": f"Bearer {self.token}",
            "cpro-account": account_header(self.login, self.password),
        }

    def post(self, path, body=None, timeout=None, **kwargs):
        return self.session.post(
            self.base_url + path,
            json=body if body is not None else {},
            headers=self.headers(),
            timeout=timeout or self.timeout,
            **kwargs,
        )

    def ok(self, path, body=None):
        response = self.post(path, body)
        assert response.status_code == 200, (response.status_code, response.text)
        payload = response.json()
        assert payload["codeRetour"] == 0, payload
        assert payload["libelle"] == "TRA_MSG_00.000"
        return payload

    def error(self, path, body=None, status=400):
        response = self.post(path, body)
        assert response.status_code == status, (response.status_code, response.text)
        payload = response.json()
        assert payload["codeRetour"] != 0, payload
        return payload

    # Chorus helpers ---------------------------------------------------------------
    def deposit(self, content, name="facture.pdf", syntax=SYNTAX):
        return self.ok(
            "/cpro/factures/v1/deposer/flux",
            {"fichierFlux": b64(content), "nomFichier": name, "syntaxeFlux": syntax, "avecSignature": False},
        )["numeroFluxDepot"]

    def report(self, numero):
        return self.ok("/cpro/transverses/v1/consulterCRDetaille", {"numeroFluxDepot": numero})

    def poll_until_terminal(self, numero, limit=20):
        for _ in range(limit):
            report = self.report(numero)
            if report["etatCourantDepotFlux"] in (
                "IN_INTEGRE",
                "IN_INTEGRE_PARTIEL",
                "IN_REJETE",
                "IN_INCIDENTE",
            ):
                return report
        raise AssertionError(f"flow {numero} never became terminal")

    def deposit_and_integrate(self, content, name="facture.pdf", syntax=SYNTAX):
        numero = self.deposit(content, name, syntax)
        return numero, self.poll_until_terminal(numero)

    def invoices_of_flow(self, numero):
        return self.ok("/cpro/factures/v1/rechercher/fournisseur", {"numeroFluxDepot": numero})[
            "listeFactures"
        ]

    def history(self, invoice_id):
        return self.ok("/cpro/factures/v1/consulter/historique", {"idFacture": invoice_id})
