"""Chorus Pro API catalogue: platforms, syntaxes, codes, attachment limits and the
API paths (``chorus-pro-api.md`` §1, §4, §6, §13). Pure data, no Odoo import."""

from dataclasses import dataclass

# ---------------------------------------------------------------------------
# Environments (§1)
# ---------------------------------------------------------------------------

TOKEN_PATH = "/api/oauth/token"


@dataclass(frozen=True)
class ChorusEnvironment:
    """API base URL and PISTE token URL of one platform."""

    api_url: str
    token_url: str
    name: str = "custom"

    @classmethod
    def custom(cls, api_url, token_url=None, name="custom"):
        """A custom platform (e.g. the local simulator). Without ``token_url``,
        the token URL is ``<api_url>/api/oauth/token`` (simulator layout)."""
        api_url = api_url.rstrip("/")
        return cls(api_url=api_url, token_url=token_url or api_url + TOKEN_PATH, name=name)


PRODUCTION = ChorusEnvironment(
    api_url="https://api.piste.gouv.fr",
    token_url="https://oauth.piste.gouv.fr/api/oauth/token",
    name="production",
)
QUALIFICATION = ChorusEnvironment(
    api_url="https://sandbox-api.piste.gouv.fr",
    token_url="https://sandbox-oauth.piste.gouv.fr/api/oauth/token",
    name="qualification",
)

# ---------------------------------------------------------------------------
# Constants: syntaxes (§6.1), codes, attachment limits (§6.2)
# ---------------------------------------------------------------------------

SYNTAX_FACTURX = "IN_DP_E2_CII_FACTURX"
SYNTAX_CII_16B = "IN_DP_E1_CII_16B"
SYNTAX_UBL = "IN_DP_E1_UBL_INVOICE"

SUCCESS_LIBELLE = "TRA_MSG_00.000"

FACTURES_PUBLIQUES = "FACTURES_PUBLIQUES"

# "No result" codes of searches (HTTP 200, §13): code -> message key. Pastell
# (connecteur/cpp/lib/CPPWrapper.php) reads 20000 "TRA_MSG_00.015 - La recherche
# n'a retourné aucun résultat" and 20007 "GFT_MSG_01.075" (works search) as
# "nothing found". Only searches read them so; elsewhere they stay errors.
NO_RESULT_CODES = {20000: "TRA_MSG_00.015", 20007: "GFT_MSG_01.075"}

# PDF deposit + submission (§5.7, §13).
FORMAT_PDF_NON_SIGNE = "PDF_NON_SIGNE"
MODE_DEPOT_PDF_API = "DEPOT_PDF_API"
MODE_SAISIE_API = "SAISIE_API"
MODE_DEPOT_PDF_SIGNE_API = "DEPOT_PDF_SIGNE_API"

# PISTE API families (``/cpro/<family>/v1/...``) as named in PISTE's catalogue.
API_FAMILIES = {
    "factures": "Factures",
    "facturesTravaux": "FacturesTravaux",
    "structures": "Structures",
    "transverses": "Transverses",
    "utilisateurs": "Utilisateurs",
    "engagementsJuridiques": "EngagementsJuridiques",
}

ALLOWED_ATTACHMENT_EXTENSIONS = frozenset(
    {
        "BMP",
        "GIF",
        "FAX",
        "ODT",
        "PPT",
        "TIFF",
        "XLS",
        "BZ2",
        "GZ",
        "JPEG",
        "P7S",
        "RTF",
        "TXT",
        "XML",
        "CSV",
        "GZIP",
        "JPG",
        "PDF",
        "SVG",
        "XHTML",
        "XLSX",
        "DOC",
        "HTM",
        "ODP",
        "PNG",
        "TGZ",
        "XLC",
        "ZIP",
        "DOCX",
        "HTML",
        "ODS",
        "PPS",
        "TIF",
        "XLM",
        "PPTX",
    }
)
MAX_ATTACHMENT_SIZE = 10 * 1024 * 1024  # bytes
MAX_ATTACHMENT_NAME = 50  # characters, extension included
MAX_MIMETYPE_LENGTH = 255

# API paths (§4).
P_DEPOSIT = "/cpro/factures/v1/deposer/flux"
P_SEARCH_INVOICES = "/cpro/factures/v1/rechercher/fournisseur"
P_INVOICE_DETAIL = "/cpro/factures/v1/consulter/fournisseur"
P_INVOICE_HISTORY = "/cpro/factures/v1/consulter/historique"
P_COMPLETE = "/cpro/factures/v1/completer"
P_RECYCLE = "/cpro/factures/v1/recycler"
P_DOWNLOAD = "/cpro/factures/v1/telecharger/groupe"
P_FLOW_REPORT = "/cpro/transverses/v1/consulterCRDetaille"
P_FLOW_REPORT_PDF = "/cpro/transverses/v1/consulterCR"
P_UPLOAD = "/cpro/transverses/v1/ajouter/fichier"
P_HEALTH = "/cpro/transverses/v1/health-check"
P_VAT_RATES = "/cpro/transverses/v1/recuperer/tauxtva"
P_CURRENCIES = "/cpro/transverses/v1/recuperer/devises"
P_SIRET_INFO = "/cpro/transverses/v1/consulter/information/siret"
P_DEPOSIT_PDF = "/cpro/factures/v1/deposer/pdf"
P_SUBMIT = "/cpro/factures/v1/soumettre"
P_SEARCH_STRUCTURE = "/cpro/structures/v1/rechercher"
P_GET_STRUCTURE = "/cpro/structures/v1/consulter"
P_SEARCH_SERVICES = "/cpro/structures/v1/rechercher/services"
P_GET_SERVICE = "/cpro/structures/v1/consulter/service"
P_SEARCH_ENGAGEMENT = "/cpro/engagementsJuridiques/v1/rechercher"
P_MY_STRUCTURES = "/cpro/utilisateurs/v1/monCompte/recuperer/rattachements"
# Works documents and rejections (works-invoicing.md §3; docs/simulator.md, "Works documents").
P_CORRECT_VALIDATOR = "/cpro/factures/v1/corriger/valideur/facture"
P_HANDLE_REJECTION = "/cpro/factures/v1/traiterRejet"
P_BILLING_FRAMES = "/cpro/transverses/v1/recuperer/cadrefacturation"
P_WORKS_STRUCTURES = "/cpro/transverses/v1/recuperer/structures/actives/facturetravaux"
