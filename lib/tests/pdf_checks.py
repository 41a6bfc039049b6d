"""Structural checks of a Factur-X PDF (PDF/A-3 + embedded XML), no Odoo import.

This is not a full PDF/A validator (use veraPDF for that): it inspects the
points that most often make Chorus Pro or a PDF/A validator reject a Factur-X
file produced from an ordinary PDF:

* the PDF/A identification in the XMP metadata (``pdfaid:part`` /
  ``pdfaid:conformance``) -- note that this is only a *claim*: factur-x's
  ``generate_from_binary`` always writes ``pdfaid:part=3`` into the XMP, even
  when the input PDF is not PDF/A;
* the output intent and its ICC profile;
* the embedded files (name tree and catalog ``/AF``), their
  ``/AFRelationship`` and MIME ``/Subtype``;
* fonts that are not embedded;
* encryption;
* the Factur-X XML itself and the Factur-X XMP extension
  (``fx:ConformanceLevel``).
"""

import contextlib
import io
import logging
from dataclasses import dataclass, field

from lxml import etree

_logger = logging.getLogger(__name__)

PDFAID_NS = "http://www.aiim.org/pdfa/ns/id/"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
# Namespaces of the Factur-X / ZUGFeRD XMP extension schemas.
FX_XMP_NAMESPACES = (
    "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#",
    "urn:zugferd:pdfa:CrossIndustryDocument:invoice:2p0#",
    "urn:ferd:pdfa:CrossIndustryDocument:invoice:1p0#",
)
FACTURX_FILENAMES = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")
#: AFRelationship values accepted for the Factur-X XML.
ACCEPTED_XML_AF_RELATIONSHIPS = ("/Data", "/Alternative")
#: Factur-X XMP ConformanceLevel -> factur-x level key.
XMP_LEVEL2LEVEL = {
    "MINIMUM": "minimum",
    "BASIC WL": "basicwl",
    "BASIC": "basic",
    "EN 16931": "en16931",
    "COMFORT": "en16931",
    "EXTENDED": "extended",
}


@dataclass
class PdfReport:
    """Result of :func:`inspect_facturx_pdf`."""

    #: ``pdfaid:part`` of the XMP metadata (int) or None
    pdfa_part: int = None
    #: ``pdfaid:conformance`` (``A``, ``B``, ``U``) or None
    pdfa_conformance: str = None
    #: the catalog has an /OutputIntents entry (any subtype)
    has_output_intent: bool = False
    #: one output intent has a /DestOutputProfile stream (ICC profile)
    output_intent_has_icc: bool = False
    #: /S subtypes of the output intents (e.g. ["/GTS_PDFA1"])
    output_intent_subtypes: list = field(default_factory=list)
    #: {name: {"af_relationship": "/Data" or None, "subtype": "text/xml" or
    #: None, "size": int or None, "in_name_tree": bool, "in_catalog_af": bool}}
    embedded_files: dict = field(default_factory=dict)
    #: file names referenced by the catalog /AF array
    catalog_af: list = field(default_factory=list)
    #: BaseFont names (pages and their form XObjects, Type0 descendants
    #: included) without FontFile/FontFile2/FontFile3
    fonts_not_embedded: list = field(default_factory=list)
    encrypted: bool = False
    #: False when the PDF could not be opened (password, damaged file)
    readable: bool = True
    page_count: int = 0
    xmp_present: bool = False
    #: the Factur-X / ZUGFeRD XML (bytes) or None
    facturx_xml: bytes = None
    facturx_filename: str = None
    #: XMP ``fx:ConformanceLevel`` (e.g. ``EN 16931``) or None
    facturx_level: str = None
    #: the other properties of the Factur-X XMP extension
    facturx_xmp: dict = field(default_factory=dict)
    #: level declared by the XML itself (BT-24), factur-x key, or None
    xml_level: str = None
    #: errors met while inspecting (the PDF may still be usable)
    errors: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems()

    def problems(self):  # noqa: C901
        """Human-readable list of everything that is not PDF/A-3 + Factur-X."""
        problems = []
        if not self.readable:
            problems.append("The PDF cannot be opened (%s)" % ("; ".join(self.errors) or "unknown error"))
        if self.encrypted:
            problems.append("The PDF is encrypted: PDF/A forbids encryption")
        if not self.readable:
            return problems
        if self.pdfa_part is None:
            problems.append("The PDF is not PDF/A: no PDF/A identification (pdfaid:part) in the XMP metadata")
        elif self.pdfa_part != 3:
            problems.append("The PDF is PDF/A-%s: Factur-X requires PDF/A-3" % self.pdfa_part)
        if self.pdfa_part is not None and not self.pdfa_conformance:
            problems.append("The XMP metadata has no PDF/A conformance (pdfaid:conformance)")
        if not self.has_output_intent:
            problems.append("The PDF has no output intent (PDF/A requires one, with an ICC profile)")
        elif not self.output_intent_has_icc:
            problems.append("The output intent has no ICC profile (DestOutputProfile)")
        elif "/GTS_PDFA1" not in self.output_intent_subtypes:
            problems.append("No output intent of subtype /GTS_PDFA1")
        if self.facturx_xml is None:
            problems.append("No Factur-X XML (factur-x.xml) is embedded in the PDF")
        else:
            info = self.embedded_files.get(self.facturx_filename) or {}
            relationship = info.get("af_relationship")
            if relationship not in ACCEPTED_XML_AF_RELATIONSHIPS:
                problems.append(
                    "The AFRelationship of %s is %s; expected %s"
                    % (
                        self.facturx_filename,
                        relationship or "missing",
                        " or ".join(ACCEPTED_XML_AF_RELATIONSHIPS),
                    )
                )
            if info and not info.get("in_catalog_af"):
                problems.append("%s is not referenced by the catalog /AF array" % self.facturx_filename)
            if not self.facturx_level:
                problems.append("The XMP metadata has no Factur-X extension (fx:ConformanceLevel)")
            elif self.xml_level and XMP_LEVEL2LEVEL.get(self.facturx_level.upper()) != self.xml_level:
                problems.append(
                    "The XMP Factur-X level (%s) does not match the XML profile (%s)"
                    % (self.facturx_level, self.xml_level)
                )
        for name, info in sorted(self.embedded_files.items()):
            if not info.get("subtype"):
                problems.append("The embedded file %s has no MIME type (/Subtype)" % name)
            if not info.get("af_relationship"):
                problems.append("The embedded file %s has no /AFRelationship" % name)
        if self.fonts_not_embedded:
            problems.append("Fonts not embedded: %s" % ", ".join(self.fonts_not_embedded))
        return problems


# ---------------------------------------------------------------------------
# XMP
# ---------------------------------------------------------------------------


def _xmp_values(xmp_bytes):
    """{(namespace, local name): value} of simple XMP properties.

    Both forms are read: ``<ns:prop>value</ns:prop>`` and the attribute form
    ``<rdf:Description ns:prop="value"/>``.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    root = etree.fromstring(xmp_bytes, parser=parser)
    values = {}
    if root is None:
        return values
    for description in root.iter("{%s}Description" % RDF_NS):
        for attr_name, attr_value in description.attrib.items():
            if attr_name.startswith("{"):
                namespace, local = attr_name[1:].split("}", 1)
                values.setdefault((namespace, local), attr_value.strip())
        for child in description:
            if not isinstance(child.tag, str) or not child.tag.startswith("{"):
                continue
            namespace, local = child.tag[1:].split("}", 1)
            if len(child):  # structured value (Alt/Seq/Bag...): not needed here
                continue
            values.setdefault((namespace, local), (child.text or "").strip())
    return values


def _read_xmp(pdf, report):
    metadata = pdf.Root.get("/Metadata")
    if metadata is None:
        return
    try:
        xmp = metadata.read_bytes()
    except Exception as err:
        report.errors.append("XMP metadata unreadable: %s" % err)
        return
    report.xmp_present = True
    try:
        values = _xmp_values(xmp)
    except Exception as err:
        report.errors.append("XMP metadata is not valid XML: %s" % err)
        return
    part = values.get((PDFAID_NS, "part"))
    if part:
        try:
            report.pdfa_part = int(part)
        except ValueError:
            report.errors.append("Invalid pdfaid:part %r" % part)
    conformance = values.get((PDFAID_NS, "conformance"))
    report.pdfa_conformance = conformance.upper() if conformance else None
    for (namespace, local), value in values.items():
        if namespace in FX_XMP_NAMESPACES:
            report.facturx_xmp[local] = value
    report.facturx_level = report.facturx_xmp.get("ConformanceLevel") or None


# ---------------------------------------------------------------------------
# Output intents, embedded files, fonts
# ---------------------------------------------------------------------------


def _read_output_intents(pdf, report):
    import pikepdf

    intents = pdf.Root.get("/OutputIntents")
    if not isinstance(intents, pikepdf.Array) or not len(intents):
        return
    report.has_output_intent = True
    for intent in intents:
        if not isinstance(intent, pikepdf.Dictionary):
            continue
        subtype = intent.get("/S")
        if subtype is not None:
            report.output_intent_subtypes.append(str(subtype))
        profile = intent.get("/DestOutputProfile")
        if isinstance(profile, pikepdf.Stream):
            try:
                if profile.read_bytes():
                    report.output_intent_has_icc = True
            except Exception as err:
                report.errors.append("Unreadable output intent ICC profile: %s" % err)


def _filespec_name(filespec, default=None):
    for key in ("/UF", "/F"):
        value = filespec.get(key)
        if value is not None:
            return str(value)
    return default


def _embedded_stream(filespec):
    """The embedded file stream of a file specification, or None."""
    import pikepdf

    ef = filespec.get("/EF")
    if not isinstance(ef, pikepdf.Dictionary):
        return None
    for key in ("/F", "/UF"):
        stream = ef.get(key)
        if isinstance(stream, pikepdf.Stream):
            return stream
    return None


def _filespec_info(filespec):
    import pikepdf

    relationship = filespec.get("/AFRelationship")
    info = {
        "af_relationship": str(relationship) if relationship is not None else None,
        "subtype": None,
        "size": None,
    }
    stream = _embedded_stream(filespec)
    if stream is not None:
        subtype = stream.get("/Subtype")
        if subtype is not None:
            info["subtype"] = str(subtype).lstrip("/")
        params = stream.get("/Params")
        size = params.get("/Size") if isinstance(params, pikepdf.Dictionary) else None
        if isinstance(size, (int, pikepdf.Object)) and not isinstance(size, pikepdf.Name):
            info["size"] = int(size)
        else:  # missing, or malformed (Odoo core writes it as a name, e.g. /4321)
            with contextlib.suppress(Exception):
                info["size"] = len(stream.read_bytes())
    return info


def _read_embedded_files(pdf, report):
    import pikepdf

    names = pdf.Root.get("/Names")
    tree = names.get("/EmbeddedFiles") if isinstance(names, pikepdf.Dictionary) else None
    if tree is not None:
        try:
            items = list(pikepdf.NameTree(tree).items())
        except Exception as err:
            report.errors.append("Unreadable EmbeddedFiles name tree: %s" % err)
            items = []
        for key, filespec in items:
            if not isinstance(filespec, pikepdf.Dictionary):
                continue
            name = _filespec_name(filespec, str(key))
            info = _filespec_info(filespec)
            info.update(in_name_tree=True, in_catalog_af=False)
            report.embedded_files[name] = info
    af = pdf.Root.get("/AF")
    if isinstance(af, pikepdf.Array):
        for filespec in af:
            if not isinstance(filespec, pikepdf.Dictionary):
                continue
            name = _filespec_name(filespec, "(unnamed)")
            report.catalog_af.append(name)
            if name in report.embedded_files:
                report.embedded_files[name]["in_catalog_af"] = True
            else:
                info = _filespec_info(filespec)
                info.update(in_name_tree=False, in_catalog_af=True)
                report.embedded_files[name] = info


def _font_is_embedded(font):
    import pikepdf

    subtype = font.get("/Subtype")
    if subtype == pikepdf.Name.Type3:
        return True  # glyphs are content streams of the font itself
    if subtype == pikepdf.Name.Type0:
        descendants = font.get("/DescendantFonts")
        if not isinstance(descendants, pikepdf.Array) or not len(descendants):
            return False
        font = descendants[0]
    descriptor = font.get("/FontDescriptor")
    if not isinstance(descriptor, pikepdf.Dictionary):
        return False
    return any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def _collect_fonts(resources, seen_fonts, seen_resources, not_embedded):
    import pikepdf

    if not isinstance(resources, pikepdf.Dictionary):
        return
    key = resources.objgen if resources.is_indirect else id(resources)
    if key in seen_resources:
        return
    seen_resources.add(key)
    fonts = resources.get("/Font")
    if isinstance(fonts, pikepdf.Dictionary):
        for _name, font in fonts.items():
            if not isinstance(font, pikepdf.Dictionary):
                continue
            font_key = font.objgen if font.is_indirect else id(font)
            if font_key in seen_fonts:
                continue
            seen_fonts.add(font_key)
            if not _font_is_embedded(font):
                base_font = font.get("/BaseFont")
                label = str(base_font).lstrip("/") if base_font is not None else "(unnamed font)"
                if label not in not_embedded:
                    not_embedded.append(label)
            if font.get("/Subtype") == pikepdf.Name.Type3:
                _collect_fonts(font.get("/Resources"), seen_fonts, seen_resources, not_embedded)
    xobjects = resources.get("/XObject")
    if isinstance(xobjects, pikepdf.Dictionary):
        for _name, xobject in xobjects.items():
            if isinstance(xobject, pikepdf.Stream) and xobject.get("/Subtype") == pikepdf.Name.Form:
                _collect_fonts(xobject.get("/Resources"), seen_fonts, seen_resources, not_embedded)


def _read_fonts(pdf, report):
    import pikepdf

    seen_fonts, seen_resources, not_embedded = set(), set(), []
    for page in pdf.pages:
        _collect_fonts(page.obj.get("/Resources"), seen_fonts, seen_resources, not_embedded)
        for annot in page.obj.get("/Annots") or []:
            if not isinstance(annot, pikepdf.Dictionary):
                continue
            appearance = annot.get("/AP")
            normal = appearance.get("/N") if isinstance(appearance, pikepdf.Dictionary) else None
            if isinstance(normal, pikepdf.Stream):
                _collect_fonts(normal.get("/Resources"), seen_fonts, seen_resources, not_embedded)
    report.fonts_not_embedded = not_embedded


# ---------------------------------------------------------------------------
# Factur-X XML
# ---------------------------------------------------------------------------


def _read_facturx_xml(pdf_bytes, report):
    import facturx

    filename = xml_bytes = None
    try:
        filename, xml_bytes = facturx.get_facturx_xml_from_pdf(pdf_bytes, check_xsd=False)
    except Exception as err:
        report.errors.append("factur-x could not extract the XML: %s" % err)
    if xml_bytes:
        report.facturx_xml = bytes(xml_bytes)
        report.facturx_filename = filename


def _read_xml_level(report):
    import facturx

    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        root = etree.fromstring(report.facturx_xml, parser=parser)
        report.xml_level = facturx.get_level(root, "factur-x")
    except Exception as err:
        report.errors.append("Cannot read the Factur-X level of the XML: %s" % err)


def _read_facturx_xml_pikepdf(pdf, report):
    import pikepdf

    names = pdf.Root.get("/Names")
    tree = names.get("/EmbeddedFiles") if isinstance(names, pikepdf.Dictionary) else None
    if tree is None:
        return
    for key, filespec in pikepdf.NameTree(tree).items():
        name = _filespec_name(filespec, str(key))
        if name and name.lower() in FACTURX_FILENAMES:
            stream = _embedded_stream(filespec)
            if stream is not None:
                report.facturx_xml = stream.read_bytes()
                report.facturx_filename = name
                return


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


def inspect_facturx_pdf(pdf_bytes):
    """Inspect a (Factur-X) PDF given as bytes; never raises on a bad PDF."""
    import pikepdf

    report = PdfReport()
    try:
        pdf = pikepdf.open(io.BytesIO(pdf_bytes))
    except pikepdf.PasswordError as err:
        report.encrypted = True
        report.readable = False
        report.errors.append("password protected: %s" % err)
        return report
    except Exception as err:
        report.readable = False
        report.errors.append("not a readable PDF: %s" % err)
        return report
    with pdf:
        report.encrypted = bool(pdf.is_encrypted)
        report.page_count = len(pdf.pages)
        for step in (_read_xmp, _read_output_intents, _read_embedded_files, _read_fonts):
            try:
                step(pdf, report)
            except Exception as err:  # keep going: report what could be read
                _logger.debug("PDF inspection step %s failed", step.__name__, exc_info=True)
                report.errors.append("%s failed: %s" % (step.__name__.lstrip("_"), err))
        _read_facturx_xml(pdf_bytes, report)
        if report.facturx_xml is None:
            # Fallback on pikepdf (e.g. a PDF that pypdf cannot decrypt).
            try:
                _read_facturx_xml_pikepdf(pdf, report)
            except Exception as err:
                report.errors.append("embedded XML unreadable: %s" % err)
        if report.facturx_xml is not None:
            _read_xml_level(report)
    return report
