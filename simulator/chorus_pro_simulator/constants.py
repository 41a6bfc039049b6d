"""Codes, statuses and messages used by the simulator.

Statuses, billing frames and works refusal reasons are read from ``data/codes.json``, a
symlink to the addon's ``lib/chorus/codes.json`` (one definition for both).  Syntax codes
and field names come from the Chorus Pro API reference (``chorus-pro-api.md`` §6-§9).
The functional ``codeRetour`` values other than 20001 and 20003 are simulator choices:
the real values are listed in the (non transcribed) "Error message appendix" of the
external specifications.
"""

import json
from importlib import resources

# Statuses, frames and refusal reasons: the addon's lib/chorus/codes.json (one definition),
# shipped in the package data through the symlink data/codes.json.
CODES = json.loads(resources.files(__package__).joinpath("data", "codes.json").read_text(encoding="utf-8"))


def _codes(kind, key, *values):
    return tuple(row["code"] for row in CODES[kind] if row.get(key) in values)


SUCCESS_LIBELLE = "TRA_MSG_00.000"

# --------------------------------------------------------------------------------------
# Flow statuses (reference §7), from codes.json
# --------------------------------------------------------------------------------------
FLOW_RECU = "IN_RECU"
FLOW_TRAITE_SE = "IN_TRAITE_SE_CPP"
FLOW_EN_ATTENTE = "IN_EN_ATTENTE_TRAITEMENT_CPP"
FLOW_EN_COURS = "IN_EN_COURS_TRAITEMENT_CPP"
FLOW_EN_ATTENTE_RETRAITEMENT = "IN_EN_ATTENTE_RETRAITEMENT_CPP"
FLOW_INCIDENTE = "IN_INCIDENTE"
FLOW_REJETE = "IN_REJETE"
FLOW_INTEGRE = "IN_INTEGRE"
FLOW_INTEGRE_PARTIEL = "IN_INTEGRE_PARTIEL"

# The "IN_" statuses, in the order of a flow's life (the QP_ ones are production answers,
# see realism.py).
FLOW_STATUSES = tuple(row["code"] for row in CODES["flow_statuses"] if row["code"].startswith("IN_"))
FLOW_TERMINAL_STATUSES = _codes("flow_statuses", "outcome", "failure", "success")
# Non terminal statuses a flow walks through, one per poll.
FLOW_PROGRESS = (FLOW_RECU, FLOW_EN_ATTENTE, FLOW_EN_COURS)

# --------------------------------------------------------------------------------------
# Invoice statuses (reference §8), from codes.json
# --------------------------------------------------------------------------------------
INV_DEPOSEE = "DEPOSEE"
INV_MISE_A_DISPOSITION = "MISE_A_DISPOSITION"
INV_A_RECYCLER = "A_RECYCLER"
INV_SUSPENDUE = "SUSPENDUE"
INV_COMPLETEE = "COMPLETEE"
INV_REJETEE = "REJETEE"
INV_SERVICE_FAIT = "SERVICE_FAIT"
INV_MANDATEE = "MANDATEE"
INV_MISE_A_DISPOSITION_COMPTABLE = "MISE_A_DISPOSITION_COMPTABLE"
INV_COMPTABILISEE = "COMPTABILISEE"
INV_MISE_EN_PAIEMENT = "MISE_EN_PAIEMENT"

INVOICE_STATUSES = tuple(row["code"] for row in CODES["invoice_statuses"])
# Validation circuit of A9 / A12 invoices (reference §8): valid in search filters, never
# reached by the simulator's invoices.
VALIDATION_STATUSES = tuple(row["code"] for row in CODES["validation_statuses"])
# Works statuses (works-invoicing.md §5): reached by works documents only.
WORKS_STATUSES = tuple(row["code"] for row in CODES["works_statuses"])
OTHER_INVOICE_STATUSES = VALIDATION_STATUSES + WORKS_STATUSES
INVOICE_TERMINAL_STATUSES = _codes("invoice_statuses", "terminal", True)
# Statuses that wait for an action of the supplier (completer / recycler).
INVOICE_BLOCKING_STATUSES = _codes("invoice_statuses", "stage", "action")

DEFAULT_INVOICE_PATH = (
    INV_DEPOSEE,
    INV_MISE_A_DISPOSITION,
    INV_SERVICE_FAIT,
    INV_MANDATEE,
    INV_MISE_EN_PAIEMENT,
)
# Where an invoice goes after the supplier acted, when its scenario path is exhausted.
CONTINUATION_AFTER_RECYCLING = (
    INV_MISE_A_DISPOSITION,
    INV_SERVICE_FAIT,
    INV_MANDATEE,
    INV_MISE_EN_PAIEMENT,
)
CONTINUATION_AFTER_COMPLETION = (INV_SERVICE_FAIT, INV_MANDATEE, INV_MISE_EN_PAIEMENT)

# French history comments of the statuses (invoices and works documents).
DEFAULT_STATUS_COMMENTS = {
    row["code"]: row["comment"]
    for kind in ("invoice_statuses", "works_statuses")
    for row in CODES[kind]
    if row.get("comment")
}

# --------------------------------------------------------------------------------------
# Flow syntaxes (reference §6.1)
# --------------------------------------------------------------------------------------
SYNTAX_FACTURX = "IN_DP_E2_CII_FACTURX"
SYNTAX_CII_16B = "IN_DP_E1_CII_16B"
SYNTAXES = (
    SYNTAX_FACTURX,
    SYNTAX_CII_16B,
    "IN_DP_E1_UBL_INVOICE",
    "IN_DP_E1_CII",
    "IN_DP_E1_PES_FACTURE",
    "IN_DP_E1_XCBL",
    "IN_DP_E2_UBL_INVOICE_MIN",
    "IN_DP_E2_CII_MIN_16B",
    "IN_DP_E2_CII_MIN",
    "IN_DP_E2_PES_FACTURE_MIN",
    "IN_DP_E2_CPP_FACTURE_MIN",
    "IN_DP_E3_UBL_INVOICE",
)
# Syntaxes whose invoices the simulator really reads and checks; the other known codes
# are accepted at deposit time and then rejected with a technical error.
PROCESSED_SYNTAXES = (SYNTAX_FACTURX, SYNTAX_CII_16B)
ARCHIVE_EXTENSIONS = (".zip", ".tar.gz", ".tgz")
SYNTAX_FILE_EXTENSIONS = {SYNTAX_FACTURX: (".pdf",)}
DEFAULT_FILE_EXTENSIONS = (".xml",)
CODE_INTERFACE_DEPOT = "FSO1110A"

# --------------------------------------------------------------------------------------
# Attachments (reference §6.2)
# --------------------------------------------------------------------------------------
ATTACHMENT_EXTENSIONS = (
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
)
ATTACHMENT_NAME_MAX = 50
MEGABYTE = 1024 * 1024

# --------------------------------------------------------------------------------------
# Cadre de facturation (reference §9, works-invoicing.md §1), from codes.json
# --------------------------------------------------------------------------------------
FRAMES = {row["code"]: row for row in CODES["billing_frames"]}
# BT-23 short code -> API code, and back.
CADRES = {code: row["api_code"] for code, row in FRAMES.items()}
CADRES_SHORT = {api: code for code, api in CADRES.items()}
# Works frames a supplier files (holder, subcontractor, co-contractor): MOE validator.
WORKS_SUPPLIER_FRAMES = tuple(
    row["api_code"] for row in CODES["billing_frames"] if row.get("works") and row.get("validator") == "moe"
)
WORKS_FRAMES = tuple(row["api_code"] for row in CODES["billing_frames"] if row.get("works"))
# Refusal reasons of a works document -> the status the refusal gives (assumed).
WORKS_REFUSAL_REASONS = {row["code"]: row for row in CODES["works_refusal_reasons"]}
WORKS_AMOUNT_ERROR_REASON = CODES["works_refused_amount_reason"]["code"]

# Works documents (simulator assumptions, docs/simulator.md "Works documents (assumptions)"):
# the path ``advance`` follows, the statuses where the MOE / the MOA holds the document,
# and the refused statuses where it stops (only corriger/valideur moves it on).
WORKS_DOCUMENT_PATH = (
    INV_DEPOSEE,
    "MISE_A_DISPOSITION_MOE",
    "PRISE_EN_COMPTE_MOE",
    "TRANSMISE_MOA",
    "MISE_A_DISPOSITION_MOA",
    "PRISE_EN_COMPTE_MOA",
    INV_MANDATEE,
    INV_MISE_EN_PAIEMENT,
)
WORKS_MOE_PENDING = ("A_VALIDER_MOE", "MISE_A_DISPOSITION_MOE", "PRISE_EN_COMPTE_MOE")
WORKS_MOA_PENDING = ("TRANSMISE_MOA", "MISE_A_DISPOSITION_MOA", "PRISE_EN_COMPTE_MOA")
WORKS_AFTER_MOA_STATUSES = (
    INV_MANDATEE,
    INV_MISE_A_DISPOSITION_COMPTABLE,
    INV_COMPTABILISEE,
    INV_MISE_EN_PAIEMENT,
)
WORKS_STOP_STATUSES = tuple(row["code"] for row in CODES["works_statuses"] if row.get("refused"))
WORKS_WRONG_VALIDATOR_STATUSES = tuple(
    {row["status"] for row in CODES["works_refusal_reasons"] if row.get("fix") == "validator"}
)
WORKS_MOE_DEADLINE_DAYS = 7
WORKS_PAYMENT_REQUEST = "FACTURE_TRAVAUX"
# Rejected invoices and refused works documents: traiterRejet applies to them.
REJECTED_STATUSES = (INV_REJETEE,) + WORKS_STOP_STATUSES

# Invoice type codes (BT-3) the simulator accepts: 380 invoice, 381 credit note,
# 386 prepayment invoice.  261 / 751 are refused (mapping §1 / §4).
ACCEPTED_TYPE_CODES = {"380": "FACTURE", "381": "AVOIR", "386": "ACOMPTE"}

# --------------------------------------------------------------------------------------
# Functional return codes (HTTP 400 unless stated otherwise)
# --------------------------------------------------------------------------------------
CODE_ACCOUNT_MISSING = 10001  # HTTP 401: cpro-account header missing or malformed
CODE_ACCOUNT_REFUSED = 10002  # HTTP 401: unknown technical login or wrong password
CODE_BAD_BODY = 20000  # body is not a JSON object
CODE_FILE_TOO_LARGE = 20001  # GDP_MSG_11.022 (real code)
CODE_BAD_SYNTAX = 20002  # unknown syntaxeFlux
CODE_ATTACHMENT_TOO_LARGE = 20003  # real code
CODE_BAD_BASE64 = 20004
CODE_EMPTY_FILE = 20005
CODE_BAD_FILE_NAME = 20006
CODE_BAD_FILE_EXTENSION = 20007
CODE_MISSING_FIELD = 20008  # mandatory parameter missing or of the wrong type
CODE_ATTACHMENT_NAME = 20009
CODE_ATTACHMENT_EXTENSION = 20010
CODE_UNKNOWN_FLOW = 20011
CODE_UNKNOWN_INVOICE = 20012
CODE_BAD_INVOICE_STATUS = 20013
CODE_BAD_ROUTING = 20014  # recycler: new recipient refused
CODE_BAD_PAGINATION = 20015
CODE_UNKNOWN_STRUCTURE = 20016
CODE_UNKNOWN_SERVICE = 20017
CODE_SCHEMA = 20018  # structures API: request body does not match the Swagger schema
CODE_BAD_DATE = 20019
CODE_UNKNOWN_ATTACHMENT = 20020
CODE_RESULT_TOO_LARGE = 20021  # telecharger/groupe > 120 MB (HTTP 413)
CODE_SUBMIT_REFUSED = 20022  # soumettre: the invoice breaks a Chorus Pro rule
CODE_INTERNAL = 99999  # HTTP 500 (injected fault or simulator bug)

RETURN_CODES = {
    CODE_ACCOUNT_MISSING: "En-tête cpro-account absent ou mal formé (HTTP 401)",
    CODE_ACCOUNT_REFUSED: "Compte technique inconnu ou mot de passe incorrect (HTTP 401)",
    CODE_BAD_BODY: "Corps de requête JSON invalide",
    CODE_FILE_TOO_LARGE: "GDP_MSG_11.022 : fichier déposé trop volumineux",
    CODE_BAD_SYNTAX: "syntaxeFlux inconnue",
    CODE_ATTACHMENT_TOO_LARGE: "Pièce jointe de plus de 10 Mo",
    CODE_BAD_BASE64: "Contenu base64 invalide",
    CODE_EMPTY_FILE: "Fichier vide",
    CODE_BAD_FILE_NAME: "Nom de fichier absent, invalide ou sans extension",
    CODE_BAD_FILE_EXTENSION: "Extension de fichier non acceptée pour la syntaxe",
    CODE_MISSING_FIELD: "Paramètre obligatoire absent ou de type incorrect",
    CODE_ATTACHMENT_NAME: "Nom de pièce jointe de plus de 50 caractères",
    CODE_ATTACHMENT_EXTENSION: "Extension de pièce jointe non autorisée",
    CODE_UNKNOWN_FLOW: "Flux inconnu pour ce compte",
    CODE_UNKNOWN_INVOICE: "Facture inconnue pour ce compte",
    CODE_BAD_INVOICE_STATUS: "Action impossible dans le statut courant de la facture",
    CODE_BAD_ROUTING: "Données d'acheminement refusées (recyclage)",
    CODE_BAD_PAGINATION: "Paramètres de pagination ou de tri invalides",
    CODE_UNKNOWN_STRUCTURE: "Structure inconnue",
    CODE_UNKNOWN_SERVICE: "Service inconnu pour cette structure",
    CODE_SCHEMA: "Requête non conforme au schéma Swagger",
    CODE_BAD_DATE: "Date invalide",
    CODE_UNKNOWN_ATTACHMENT: "Pièce jointe inconnue",
    CODE_RESULT_TOO_LARGE: "Résultat de téléchargement supérieur à 120 Mo (HTTP 413)",
    CODE_SUBMIT_REFUSED: "Facture soumise refusée par une règle Chorus Pro",
    CODE_INTERNAL: "Erreur technique (HTTP 500)",
}

# Fault kinds accepted by Simulator.inject_fault
FAULT_KINDS = (
    "http_500",
    "http_503",
    "http_429",
    "http_502",
    "http_504",
    "timeout",
    "drop",
    "process_then_drop",
    "process_then_timeout",
    "token_expired",
)
