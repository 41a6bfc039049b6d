"""Read the invoices of a deposited flow: archives, Factur-X PDFs, CII XML.

Uses the ``factur-x`` library for extraction (``get_facturx_xml_from_pdf``) and XSD
validation (``xml_check_xsd``), and ``lxml`` XPath for the fields Chorus Pro routes on
(``facturx-chorus-mapping.md`` §1).
"""

import datetime
import io
import logging
import tarfile
import zipfile
from decimal import Decimal, InvalidOperation

from lxml import etree

from . import constants as C
from . import rules

_logger = logging.getLogger(__name__)

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
TX = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction"
AGREEMENT = TX + "/ram:ApplicableHeaderTradeAgreement"
SETTLEMENT = TX + "/ram:ApplicableHeaderTradeSettlement"
SUMMATION = SETTLEMENT + "/ram:SpecifiedTradeSettlementHeaderMonetarySummation"

XPATHS = {
    "BT-1": "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:ID",
    "BT-2": "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString",
    "BT-3": "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:TypeCode",
    "BT-5": SETTLEMENT + "/ram:InvoiceCurrencyCode",
    "BT-9": SETTLEMENT + "/ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString",
    "BT-10": AGREEMENT + "/ram:BuyerReference",
    "BT-12": AGREEMENT + "/ram:ContractReferencedDocument/ram:IssuerAssignedID",
    "BT-13": AGREEMENT + "/ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID",
    "BT-23": "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext/"
    "ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID",
    "BT-24": "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext/"
    "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID",
    "BT-25": SETTLEMENT + "/ram:InvoiceReferencedDocument/ram:IssuerAssignedID",
    "BT-27": AGREEMENT + "/ram:SellerTradeParty/ram:Name",
    "BT-30": AGREEMENT + "/ram:SellerTradeParty/ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0002']",
    "BT-44": AGREEMENT + "/ram:BuyerTradeParty/ram:Name",
    "BT-47": AGREEMENT + "/ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0002']",
    "BT-81": SETTLEMENT + "/ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode",
    "BT-84": SETTLEMENT + "/ram:SpecifiedTradeSettlementPaymentMeans/"
    "ram:PayeePartyCreditorFinancialAccount/ram:IBANID",
    "BT-109": SUMMATION + "/ram:TaxBasisTotalAmount",
    "BT-110": SUMMATION + "/ram:TaxTotalAmount",
    "BT-112": SUMMATION + "/ram:GrandTotalAmount",
    "BT-115": SUMMATION + "/ram:DuePayableAmount",
    "BT-120": SETTLEMENT + "/ram:ApplicableTradeTax/ram:ExemptionReason",
    "BT-121": SETTLEMENT + "/ram:ApplicableTradeTax/ram:ExemptionReasonCode",
}

PAYMENT_MEANS = {
    "30": "VIREMENT",
    "58": "VIREMENT",
    "49": "PRELEVEMENT",
    "59": "PRELEVEMENT",
    "20": "CHEQUE",
    "10": "ESPECE",
    "1": "AUTRE",
}


class FlowContentError(Exception):
    """The flow file cannot be opened at all (technical error of the whole flow)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def file_kind(name):
    lower = name.lower()
    for ext in C.ARCHIVE_EXTENSIONS:
        if lower.endswith(ext):
            return ext
    if "." in lower.rsplit("/", 1)[-1]:
        return "." + lower.rsplit(".", 1)[-1]
    return ""


def split_members(name, data):
    """``[(member name, bytes)]`` of a deposited file (an archive or a single file)."""
    kind = file_kind(name)
    if kind == ".zip":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = [
                    (info.filename, archive.read(info)) for info in archive.infolist() if not info.is_dir()
                ]
        except (zipfile.BadZipFile, OSError, EOFError) as err:
            raise FlowContentError("ARCHIVE_ILLISIBLE", f"L'archive {name} est illisible : {err}") from None
    elif kind in (".tar.gz", ".tgz"):
        try:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
                members = []
                for info in archive.getmembers():
                    if info.isfile():
                        members.append((info.name, archive.extractfile(info).read()))
        except (tarfile.TarError, OSError, EOFError) as err:
            raise FlowContentError("ARCHIVE_ILLISIBLE", f"L'archive {name} est illisible : {err}") from None
    else:
        return [(name, data)]
    members = [(n, d) for n, d in members if not n.rsplit("/", 1)[-1].startswith(".")]
    if not members:
        raise FlowContentError("ARCHIVE_VIDE", f"L'archive {name} ne contient aucun fichier de facture.")
    return members


def _text(root, xpath):
    nodes = root.xpath(xpath, namespaces=NS)
    if not nodes:
        return None
    value = (nodes[0].text or "").strip()
    return value or None


def _amount(root, xpath):
    value = _text(root, xpath)
    if value is None:
        return None
    try:
        return float(Decimal(value))
    except InvalidOperation:
        return None


def _date(value):
    if not value:
        return None
    try:
        return datetime.datetime.strptime(value, "%Y%m%d").date().isoformat()
    except ValueError:
        return None


def extract_fields(root):
    """Business fields of a CII invoice (already XSD-valid)."""
    data = {bt: _text(root, xp) for bt, xp in XPATHS.items()}
    data["BT-2"] = _date(data["BT-2"])
    data["BT-9"] = _date(data["BT-9"])
    for bt in ("BT-109", "BT-110", "BT-112", "BT-115"):
        data[bt] = _amount(root, XPATHS[bt])
    lines = []
    for item in root.xpath(TX + "/ram:IncludedSupplyChainTradeLineItem", namespaces=NS):
        quantity_node = item.xpath("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity", namespaces=NS)
        lines.append(
            {
                "numero": _text(item, "ram:AssociatedDocumentLineDocument/ram:LineID"),
                "denomination": _text(item, "ram:SpecifiedTradeProduct/ram:Name"),
                "reference": _text(item, "ram:SpecifiedTradeProduct/ram:SellerAssignedID"),
                "quantite": _amount(item, "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity"),
                "unite": quantity_node[0].get("unitCode") if quantity_node else None,
                "prixUnitaireHT": _amount(
                    item, "ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount"
                ),
                "tauxTva": _amount(
                    item, "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax/ram:RateApplicablePercent"
                ),
                "montantHT": _amount(
                    item,
                    "ram:SpecifiedLineTradeSettlement/"
                    "ram:SpecifiedTradeSettlementLineMonetarySummation/"
                    "ram:LineTotalAmount",
                ),
            }
        )
    data["lines"] = lines
    vat = []
    for tax in root.xpath(SETTLEMENT + "/ram:ApplicableTradeTax", namespaces=NS):
        vat.append(
            {
                "categorie": _text(tax, "ram:CategoryCode"),
                "taux": _amount(tax, "ram:RateApplicablePercent"),
                "base": _amount(tax, "ram:BasisAmount"),
                "montant": _amount(tax, "ram:CalculatedAmount"),
            }
        )
    data["vat"] = vat
    return data


def read_member(member_name, content, syntax):
    """Read one invoice file of a flow.

    Returns ``(fields or None, [rejection messages], xml bytes or None)``; when there
    are rejection messages, ``fields`` may still hold what could be read.
    """
    import facturx  # imported lazily: loading the library takes a moment

    lower = member_name.lower()
    xml_bytes = None
    if syntax == C.SYNTAX_FACTURX:
        if not lower.endswith(".pdf"):
            return None, [rules.message("UNEXPECTED_FILE", fichier=member_name, syntaxe=syntax)], None
        if not content.startswith(b"%PDF"):
            return None, [rules.message("NOT_PDF", fichier=member_name)], None
        try:
            _filename, xml_bytes = facturx.get_facturx_xml_from_pdf(content, check_xsd=False)
        except Exception as err:  # pypdf raises many kinds of errors
            _logger.info("Unreadable PDF %s: %s", member_name, err)
            return None, [rules.message("NOT_PDF", fichier=member_name)], None
        if not xml_bytes:
            return None, [rules.message("NO_FACTURX_XML", fichier=member_name, syntaxe=syntax)], None
    else:
        if not lower.endswith(".xml"):
            return None, [rules.message("UNEXPECTED_FILE", fichier=member_name, syntaxe=syntax)], None
        xml_bytes = content
    try:
        root = etree.fromstring(xml_bytes)
    except etree.XMLSyntaxError:
        return None, [rules.message("NOT_XML", fichier=member_name)], None
    try:
        facturx.xml_check_xsd(root, flavor="factur-x")
    except Exception as err:
        detail = str(err)
        marker = "Here is the error, which may give you an idea on the cause of the problem: "
        if marker in detail:
            detail = detail.split(marker, 1)[1]
        try:  # best effort, to name the invoice in the flow report
            partial = extract_fields(root)
        except Exception:  # pragma: no cover - defensive
            partial = None
        return partial, [rules.message("XSD", syntaxe=syntax, detail=detail.strip())], xml_bytes
    return extract_fields(root), [], xml_bytes
