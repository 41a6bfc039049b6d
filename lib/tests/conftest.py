"""pytest set-up for the pure-Python part of l10n_fr_chorus_pro (no Odoo).

The repository root IS the addon directory, and its ``__init__.py`` imports
Odoo models. To import ``l10n_fr_chorus_pro.lib`` without running it, a stub
package module whose ``__path__`` is the repository root is put in
``sys.modules``. pytest itself also imports the ``__init__.py`` of every
package directory above a test (as ``<directory name>``, e.g. ``main``) to run
package-level setup: a stub is registered under that name too.

There is deliberately no ``lib/tests/__init__.py``: with one, pytest would
import this very file as ``<root>.lib.tests.conftest``, i.e. execute the
addon's ``__init__.py`` (and import Odoo) before this file could install the
stubs.
"""

import copy
import io
import sys
import types
from pathlib import Path

import pytest

ADDON_NAME = "l10n_fr_chorus_pro"
ADDON_ROOT = Path(__file__).resolve().parents[2]


def _stub_package(name, path):
    module = types.ModuleType(name)
    module.__path__ = [str(path)]
    module.__file__ = str(path / "__init__.py")
    module.__package__ = name
    return module


if ADDON_NAME not in sys.modules:
    sys.modules[ADDON_NAME] = _stub_package(ADDON_NAME, ADDON_ROOT)

try:
    from _pytest.pathlib import resolve_pkg_root_and_module_name

    _ROOT_MODULE = resolve_pkg_root_and_module_name(ADDON_ROOT / "__init__.py")[1]
except Exception:  # pragma: no cover - older/newer pytest internals
    _ROOT_MODULE = ADDON_ROOT.name
if _ROOT_MODULE and _ROOT_MODULE not in sys.modules:
    sys.modules[_ROOT_MODULE] = _stub_package(_ROOT_MODULE, ADDON_ROOT)


# ---------------------------------------------------------------------------
# Invoice data (BT-keyed dicts for facturx.generate_xml)
# ---------------------------------------------------------------------------

SELLER_SIRET = "73282932000074"
SELLER_SIREN = "732829320"
BUYER_SIRET = "19691774400019"
BUYER_SIREN = "196917744"

_CHORUS_INVOICE = {
    "BT-1": "FAC-2026-0001",
    "BT-2": "2026-11-20",
    "BT-3": "380",
    "BT-5": "EUR",
    "BT-9": "2026-12-20",
    "BT-10": "SERVICE-EXEC-01",
    "BT-13": "EJ-1234567890",
    "BT-20": "Paiement à 30 jours",
    "BT-72": "2026-11-15",
    "BT-81": "30",
    "BT-84": "FR7630006000011234567890189",
    "BG-1": [
        {"BT-21": "PMT", "BT-22": "Indemnité forfaitaire pour frais de recouvrement : 40 €"},
        {"BT-21": "PMD", "BT-22": "Intérêts moratoires : taux BCE + 8 points"},
        {"BT-21": "AAB", "BT-22": "Pas d'escompte pour paiement anticipé"},
    ],
    "BG-4": {
        "name": "Cabinet Dupont SARL",
        "legal_identifier": SELLER_SIRET,
        "legal_identifier_schemeid": "0002",
        "vat_identifier": "FR44732829320",
        "country_code": "FR",
        "city": "Lyon",
        "postcode": "69001",
        "addr_l1": "1 rue de la République",
    },
    "BG-7": {
        "name": "Université de Test",
        "legal_identifier": BUYER_SIRET,
        "legal_identifier_schemeid": "0002",
        "country_code": "FR",
        "city": "Lyon",
        "postcode": "69007",
        "addr_l1": "15 quai Claude Bernard",
    },
    "BG-23": [
        {"BT-116": "200.00", "BT-117": "40.00", "BT-118": "S", "BT-119": "20"},
    ],
    "BG-25": [
        {
            "BT-126": "1",
            "BT-129": "2",
            "BT-130": "C62",
            "BT-131": "200.00",
            "BT-146": "100.00",
            "BT-151": "S",
            "BT-152": "20",
            "BT-153": "Prestation de conseil",
        },
    ],
    "BT-106": "200.00",
    "BT-109": "200.00",
    "BT-110": "40.00",
    "BT-112": "240.00",
    "BT-115": "240.00",
}


def chorus_invoice_data():
    """A valid EN 16931 invoice, Chorus Pro practice (SIRET under 0002)."""
    return copy.deepcopy(_CHORUS_INVOICE)


def exempt_invoice_data():
    """Psychologist-like invoice: line exempt (E, VATEX-FR-CGI261-4), seller
    without VAT number nor tax registration -> BR-E-02."""
    data = chorus_invoice_data()
    del data["BG-4"]["vat_identifier"]
    data["BG-25"][0].update({"BT-151": "E", "BT-152": "0"})
    data["BG-23"] = [
        {
            "BT-116": "200.00",
            "BT-117": "0.00",
            "BT-118": "E",
            "BT-119": "0",
            "BT-120": "TVA non applicable, art. 261-4-1° du CGI",
            "BT-121": "VATEX-FR-CGI261-4",
        }
    ]
    data.update({"BT-110": "0.00", "BT-112": "200.00", "BT-115": "200.00"})
    return data


def reform_invoice_data():
    """Same invoice with the 2026 reform placement: SIREN under 0002, SIRET as
    GlobalID 0009, BT-23 = S1, electronic addresses BT-34 / BT-49."""
    data = chorus_invoice_data()
    data["BT-23"] = "S1"
    data["BG-4"].update(
        {
            "legal_identifier": SELLER_SIREN,
            "identifiers": {"0009": SELLER_SIRET},
            "einvoicing_addr": SELLER_SIREN,
            "einvoicing_addr_schemeid": "0225",
        }
    )
    data["BG-7"].update(
        {
            "legal_identifier": BUYER_SIREN,
            "identifiers": {"0009": BUYER_SIRET},
            "einvoicing_addr": BUYER_SIREN,
            "einvoicing_addr_schemeid": "0225",
        }
    )
    return data


def make_xml(data, level="en16931"):
    """CII bytes from a BT-keyed dict (no XSD/schematron check by factur-x)."""
    from facturx.generate_xml import generate_xml

    return generate_xml(copy.deepcopy(data), level=level, check_xsd=False, check_schematron=False)


@pytest.fixture(scope="session")
def valid_xml():
    return make_xml(chorus_invoice_data())


@pytest.fixture(scope="session")
def mismatch_xml():
    data = chorus_invoice_data()
    data["BT-112"] = "250.00"  # != BT-109 + BT-110 = 240.00
    return make_xml(data)


@pytest.fixture(scope="session")
def runner():
    """One subprocess runner shared by the tests of the session."""
    from l10n_fr_chorus_pro.lib.schematron.runner import SchematronRunner

    instance = SchematronRunner(mode="subprocess")
    yield instance
    instance.close()


# ---------------------------------------------------------------------------
# PDFs
# ---------------------------------------------------------------------------

DEJAVU_SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def make_pdf(embed_font=False, text="Facture FAC-2026-0001"):
    """A one-page reportlab PDF (not PDF/A). With embed_font, the only font
    is a TrueType font embedded by reportlab (otherwise standard Helvetica,
    which is not embedded)."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    if embed_font:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        if not Path(DEJAVU_SANS).is_file():
            pytest.skip("DejaVu Sans (fonts-dejavu-core) is not installed")
        pdfmetrics.registerFont(TTFont("DejaVuSans", DEJAVU_SANS))
        pdf = canvas.Canvas(buffer, initialFontName="DejaVuSans")
        pdf.setFont("DejaVuSans", 12)
    else:
        pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 760, text)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def srgb_icc_profile():
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def add_pdfa_markers(pdf_bytes, part="3", conformance="B"):
    """Add XMP pdfaid:part/conformance and a GTS_PDFA1 output intent with an
    sRGB ICC profile, with pikepdf."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        icc = pikepdf.Stream(pdf, srgb_icc_profile())
        icc["/N"] = 3
        intent = pikepdf.Dictionary(
            Type=pikepdf.Name.OutputIntent,
            S=pikepdf.Name.GTS_PDFA1,
            OutputConditionIdentifier="sRGB IEC61966-2.1",
            DestOutputProfile=icc,
        )
        pdf.Root.OutputIntents = pdf.make_indirect(pikepdf.Array([intent]))
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["pdfaid:part"] = part
            meta["pdfaid:conformance"] = conformance
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


@pytest.fixture(scope="session")
def invoices():
    """Factories of invoice data dicts and of their XML."""
    return types.SimpleNamespace(
        chorus=chorus_invoice_data,
        exempt=exempt_invoice_data,
        reform=reform_invoice_data,
        make_xml=make_xml,
    )


@pytest.fixture(scope="session")
def pdfs():
    """Factories of test PDFs."""
    return types.SimpleNamespace(
        make_pdf=make_pdf,
        add_pdfa_markers=add_pdfa_markers,
        srgb_icc_profile=srgb_icc_profile,
    )
