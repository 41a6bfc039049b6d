"""Tests of lib/tests/pdf_checks.py (no Odoo)."""

import io

import facturx
import pikepdf
import pytest
from l10n_fr_chorus_pro.lib.tests.pdf_checks import inspect_facturx_pdf


def _has_problem(report, text):
    return any(text in problem for problem in report.problems())


def test_plain_reportlab_pdf_is_not_pdfa(pdfs):
    report = inspect_facturx_pdf(pdfs.make_pdf())
    assert report.readable and not report.encrypted
    assert report.page_count == 1
    assert report.pdfa_part is None and report.pdfa_conformance is None
    assert not report.has_output_intent and not report.output_intent_has_icc
    assert report.embedded_files == {} and report.catalog_af == []
    assert report.facturx_xml is None and report.facturx_level is None
    assert report.fonts_not_embedded == ["Helvetica"]
    assert not report.ok
    assert _has_problem(report, "not PDF/A: no PDF/A identification (pdfaid:part)")
    assert _has_problem(report, "no output intent")
    assert _has_problem(report, "No Factur-X XML")
    assert _has_problem(report, "Fonts not embedded: Helvetica")


def test_facturx_embedding_in_a_non_pdfa_pdf(pdfs, valid_xml):
    pdf = facturx.generate_from_binary(pdfs.make_pdf(), valid_xml, check_xsd=False)
    report = inspect_facturx_pdf(pdf)
    # Embedded XML, its file specification and the Factur-X XMP extension.
    assert report.facturx_xml == valid_xml
    assert report.facturx_filename == "factur-x.xml"
    assert report.embedded_files == {
        "factur-x.xml": {
            "af_relationship": "/Data",
            "subtype": "text/xml",
            "size": len(valid_xml),
            "in_name_tree": True,
            "in_catalog_af": True,
        }
    }
    assert report.catalog_af == ["factur-x.xml"]
    assert report.facturx_level == "EN 16931"
    assert report.facturx_xmp["DocumentFileName"] == "factur-x.xml"
    assert report.xml_level == "en16931"
    # factur-x writes pdfaid:part=3 into the XMP whatever the input PDF is:
    # the claim is there, but the PDF is still not PDF/A.
    assert report.pdfa_part == 3 and report.pdfa_conformance == "B"
    assert not report.has_output_intent
    assert report.fonts_not_embedded == ["Helvetica"]
    assert report.problems() == [
        "The PDF has no output intent (PDF/A requires one, with an ICC profile)",
        "Fonts not embedded: Helvetica",
    ]


def test_pikepdf_pdfa_markers_set_the_flags(pdfs):
    plain = pdfs.make_pdf()
    before = inspect_facturx_pdf(plain)
    assert before.pdfa_part is None and not before.has_output_intent
    after = inspect_facturx_pdf(pdfs.add_pdfa_markers(plain))
    assert after.pdfa_part == 3
    assert after.pdfa_conformance == "B"
    assert after.has_output_intent and after.output_intent_has_icc
    assert after.output_intent_subtypes == ["/GTS_PDFA1"]
    assert not _has_problem(after, "PDF/A")
    assert not _has_problem(after, "output intent")


def test_pdfa_part_other_than_3_is_a_problem(pdfs):
    report = inspect_facturx_pdf(pdfs.add_pdfa_markers(pdfs.make_pdf(), part="2", conformance="b"))
    assert report.pdfa_part == 2 and report.pdfa_conformance == "B"
    assert _has_problem(report, "PDF/A-2: Factur-X requires PDF/A-3")


def test_output_intent_without_icc_profile(pdfs):
    with pikepdf.open(io.BytesIO(pdfs.make_pdf())) as pdf:
        pdf.Root.OutputIntents = pikepdf.Array(
            [pikepdf.Dictionary(Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFA1)]
        )
        out = io.BytesIO()
        pdf.save(out)
    report = inspect_facturx_pdf(out.getvalue())
    assert report.has_output_intent and not report.output_intent_has_icc
    assert _has_problem(report, "no ICC profile")


def test_conformant_facturx_pdf_has_no_problem(pdfs, valid_xml):
    base = pdfs.add_pdfa_markers(pdfs.make_pdf(embed_font=True))
    pdf = facturx.generate_from_binary(base, valid_xml, check_xsd=False)
    report = inspect_facturx_pdf(pdf)
    assert report.fonts_not_embedded == []
    assert report.has_output_intent and report.output_intent_has_icc
    assert report.pdfa_part == 3
    assert report.problems() == []
    assert report.ok


def test_type0_font_without_font_file_is_reported(pdfs):
    with pikepdf.open(io.BytesIO(pdfs.make_pdf(embed_font=True))) as pdf:
        descendant = pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.CIDFontType2,
            BaseFont=pikepdf.Name("/NotoSansCJK"),
            FontDescriptor=pikepdf.Dictionary(
                Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name("/NotoSansCJK")
            ),
        )
        type0 = pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type0,
            BaseFont=pikepdf.Name("/NotoSansCJK-Identity-H"),
            Encoding=pikepdf.Name("/Identity-H"),
            DescendantFonts=pikepdf.Array([descendant]),
        )
        pdf.pages[0].Resources.Font["/FCJK"] = pdf.make_indirect(type0)
        out = io.BytesIO()
        pdf.save(out)
    report = inspect_facturx_pdf(out.getvalue())
    assert report.fonts_not_embedded == ["NotoSansCJK-Identity-H"]


def test_wrong_af_relationship_is_a_problem(pdfs, valid_xml):
    base = pdfs.add_pdfa_markers(pdfs.make_pdf(embed_font=True))
    pdf = facturx.generate_from_binary(base, valid_xml, check_xsd=False, afrelationship="source")
    report = inspect_facturx_pdf(pdf)
    assert report.embedded_files["factur-x.xml"]["af_relationship"] == "/Source"
    assert report.problems() == [
        "The AFRelationship of factur-x.xml is /Source; expected /Data or /Alternative"
    ]
    alternative = inspect_facturx_pdf(
        facturx.generate_from_binary(base, valid_xml, check_xsd=False, afrelationship="alternative")
    )
    assert alternative.problems() == []


def test_extra_attachment_is_listed(pdfs, valid_xml):
    pdf = facturx.generate_from_binary(
        pdfs.make_pdf(),
        valid_xml,
        check_xsd=False,
        attachments={"bon-de-commande.pdf": {"filedata": b"%PDF-1.4 fake", "afrelationship": "supplement"}},
    )
    report = inspect_facturx_pdf(pdf)
    assert report.embedded_files["bon-de-commande.pdf"]["af_relationship"] == "/Supplement"
    assert report.embedded_files["bon-de-commande.pdf"]["subtype"] == "application/pdf"
    assert report.embedded_files["bon-de-commande.pdf"]["size"] == len(b"%PDF-1.4 fake")
    assert sorted(report.catalog_af) == ["bon-de-commande.pdf", "factur-x.xml"]


def test_encrypted_pdf(pdfs, valid_xml):
    pdf_bytes = facturx.generate_from_binary(
        pdfs.add_pdfa_markers(pdfs.make_pdf(embed_font=True)), valid_xml, check_xsd=False
    )
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        out = io.BytesIO()
        pdf.save(out, encryption=pikepdf.Encryption(owner="owner-secret", user=""))
    report = inspect_facturx_pdf(out.getvalue())
    assert report.encrypted and report.readable
    assert report.facturx_xml == valid_xml
    assert report.problems() == ["The PDF is encrypted: PDF/A forbids encryption"]


def test_password_protected_pdf(pdfs):
    with pikepdf.open(io.BytesIO(pdfs.make_pdf())) as pdf:
        out = io.BytesIO()
        pdf.save(out, encryption=pikepdf.Encryption(owner="owner-secret", user="user-secret"))
    report = inspect_facturx_pdf(out.getvalue())
    assert report.encrypted and not report.readable
    assert _has_problem(report, "cannot be opened")
    assert _has_problem(report, "encrypted")


@pytest.mark.parametrize("data", [b"", b"not a pdf at all"])
def test_garbage_is_reported_not_raised(data):
    report = inspect_facturx_pdf(data)
    assert not report.readable and not report.ok
    assert _has_problem(report, "cannot be opened")


def test_malformed_embedded_size_does_not_hide_the_file(pdfs, valid_xml):
    """Odoo core writes /Params /Size as a name (/4321): the file is still reported."""
    fx_pdf = facturx.generate_from_binary(pdfs.make_pdf(), valid_xml, check_xsd=False)
    pdf = pikepdf.open(io.BytesIO(fx_pdf))
    for filespec in pdf.Root.AF:
        filespec.EF.F.Params = pikepdf.Dictionary(Size=pikepdf.Name("/%d" % len(valid_xml)))
    buffer = io.BytesIO()
    pdf.save(buffer)
    report = inspect_facturx_pdf(buffer.getvalue())
    assert report.embedded_files["factur-x.xml"]["size"] == len(valid_xml)
    assert report.embedded_files["factur-x.xml"]["af_relationship"] == "/Data"
