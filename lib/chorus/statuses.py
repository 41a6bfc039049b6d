"""Chorus Pro statuses, billing frames and works codes, with the groupings the code reads.

The codes and their English labels are defined once, in ``codes.json`` beside this module
(``chorus-pro-api.md`` §7 flow statuses, §8 invoice statuses, §9 billing frames;
``works-invoicing.md`` §1 works frames, §5 works statuses, §3.2 refusal reasons). The
simulator (``simulator/``, a package installable on its own that must not import the addon)
reads the same file through the symlink ``chorus_pro_simulator/data/codes.json``.

Pure data, no Odoo import. The labels are the English labels of the selection fields.
"""

import json as _json
from pathlib import Path as _Path

CODES = _json.loads(_Path(__file__).with_name("codes.json").read_text(encoding="utf-8"))


def _codes(rows, **flags):
    """The codes of ``rows`` whose keys have the values of ``flags``, in file order."""
    return tuple(row["code"] for row in rows if all(row.get(key) == value for key, value in flags.items()))


# ---------------------------------------------------------------------------
# Flow (deposit) statuses, "etatCourantDepotFlux" (§7)
# ---------------------------------------------------------------------------

FLOW_RECU = "IN_RECU"
FLOW_INTEGRE = "IN_INTEGRE"
FLOW_INTEGRE_PARTIEL = "IN_INTEGRE_PARTIEL"
FLOW_REJETE = "IN_REJETE"
FLOW_INCIDENTE = "IN_INCIDENTE"

# Every flow status, in the order of a flow's life (selection of ``chorus.pro.flow``).
FLOW_STATUSES = [(row["code"], row["label"]) for row in CODES["flow_statuses"]]
FLOW_SUCCESS_STATUSES = frozenset(_codes(CODES["flow_statuses"], outcome="success"))
FLOW_FAILURE_STATUSES = frozenset(_codes(CODES["flow_statuses"], outcome="failure"))
FLOW_TERMINAL_STATUSES = FLOW_SUCCESS_STATUSES | FLOW_FAILURE_STATUSES
# Received, waiting or being processed: the "IN_" statuses not terminal.
FLOW_IN_PROGRESS_STATUSES = frozenset(_codes(CODES["flow_statuses"], outcome="in_progress"))
# Admissibility states seen in production clients (§7, §13): Tryton counts the
# last two as failures; their exact semantics are unconfirmed.
FLOW_QP_FAILURE_STATUSES = frozenset(_codes(CODES["flow_statuses"], outcome="admissibility_failure"))
FLOW_QP_STATUSES = (
    frozenset(_codes(CODES["flow_statuses"], outcome="admissibility")) | FLOW_QP_FAILURE_STATUSES
)
FLOW_KNOWN_STATUSES = FLOW_IN_PROGRESS_STATUSES | FLOW_TERMINAL_STATUSES | FLOW_QP_STATUSES

# ---------------------------------------------------------------------------
# Invoice processing statuses, "statutCourantCode" (§8)
# ---------------------------------------------------------------------------

INVOICE_DEPOSEE = "DEPOSEE"
INVOICE_A_RECYCLER = "A_RECYCLER"
INVOICE_SUSPENDUE = "SUSPENDUE"
INVOICE_REJETEE = "REJETEE"
INVOICE_MISE_EN_PAIEMENT = "MISE_EN_PAIEMENT"

# The statuses a supplier meets, in the order of an invoice's life (selection of
# ``account.move.chorus_status``; the draft of the portal is not one of them).
INVOICE_STATUSES = [
    (row["code"], row["label"]) for row in CODES["invoice_statuses"] if row.get("selection", True)
]
# Nothing follows these.
INVOICE_TERMINAL_STATUSES = frozenset(_codes(CODES["invoice_statuses"], terminal=True))
# Statuses waiting for an action of the supplier (completer / recycler).
INVOICE_ACTION_STATUSES = frozenset(_codes(CODES["invoice_statuses"], stage="action"))
# Statuses that send the invoice back to the supplier ("to fix").
INVOICE_PROBLEM_STATUSES = INVOICE_ACTION_STATUSES | {INVOICE_REJETEE}
# Sent, not taken up by the recipient yet.
INVOICE_ROUTING_STATUSES = _codes(CODES["invoice_statuses"], stage="routing")
# The recipient works on it (suspended or to recycle excluded: back to the supplier).
INVOICE_PROCESSING_STATUSES = _codes(CODES["invoice_statuses"], stage="processing")
# The paid side, in order: mandated, at the public accountant's, recorded by them.
INVOICE_MANDATED_STATUSES = _codes(CODES["invoice_statuses"], stage="mandated")
# ... then payment ordered.
INVOICE_PAYMENT_STATUSES = (*INVOICE_MANDATED_STATUSES, INVOICE_MISE_EN_PAIEMENT)
# Validation circuit of subcontractor and co-contractor invoices (A9, A12).
VALIDATION_STATUSES = [(row["code"], row["label"]) for row in CODES["validation_statuses"]]

# ---------------------------------------------------------------------------
# Billing frames, "cadre de facturation" (BT-23, §9; works frames: works-invoicing.md §1)
# ---------------------------------------------------------------------------

DEFAULT_BILLING_FRAME = "A1"
# Every frame by short code: api_code, label, kind, roles, works, validator, ...
FRAMES = {row["code"]: row for row in CODES["billing_frames"]}
# The frames a supplier uses outside works contracts (selection of the invoice and order).
BILLING_FRAMES = [(row["code"], row["label"]) for row in CODES["billing_frames"] if row.get("selection")]
# BT-23 short code -> Chorus Pro API code (every frame).
BILLING_FRAME_API_CODES = {code: row["api_code"] for code, row in FRAMES.items()}
# Chorus Pro API code -> BT-23 short code.
BILLING_FRAME_SHORT_CODES = {row["api_code"]: code for code, row in FRAMES.items()}

# ---------------------------------------------------------------------------
# Public works (works-invoicing.md)
# ---------------------------------------------------------------------------

# Supplier roles on a works contract, and the works frames each may file (§1).
WORKS_ROLES = [(row["code"], row["label"]) for row in CODES["supplier_roles"]]
WORKS_FRAMES = [(code, row["label"]) for code, row in FRAMES.items() if row.get("works")]
WORKS_FRAMES_BY_ROLE = {
    role: tuple(code for code, row in FRAMES.items() if row.get("works") and role in row["roles"])
    for role, _label in WORKS_ROLES
}
# Works frames filed by a supplier (holder, subcontractor, co-contractor): validated by the MOE.
WORKS_SUPPLIER_FRAMES = tuple(code for codes in WORKS_FRAMES_BY_ROLE.values() for code in codes)
# Frames by kind of document, e.g. FRAMES_BY_KIND["monthly_statement"] == ("A4", "A10", "A13").
FRAMES_BY_KIND = {}
for _code, _row in FRAMES.items():
    FRAMES_BY_KIND.setdefault(_row["kind"], ())
    FRAMES_BY_KIND[_row["kind"]] += (_code,)
WORKS_PAYMENT_REQUEST_TYPE = "FACTURE_TRAVAUX"

# Works statuses (§5), with who holds the document: supplier, moe (project manager), moa.
WORKS_STATUSES = [(row["code"], row["label"]) for row in CODES["works_statuses"]]
WORKS_STATUS_HOLDERS = {row["code"]: row["holder"] for row in CODES["works_statuses"]}
WORKS_MOE_STATUSES = _codes(CODES["works_statuses"], holder="moe")
WORKS_MOA_STATUSES = _codes(CODES["works_statuses"], holder="moa")
WORKS_REFUSED_STATUSES = frozenset(_codes(CODES["works_statuses"], refused=True))
# Refused for a wrong validator: fixed with ``corriger/valideur/facture``.
WORKS_WRONG_VALIDATOR_STATUSES = frozenset(
    row["status"] for row in CODES["works_refusal_reasons"] if row.get("fix") == "validator"
)
# Refusal reasons of a works document (``recupererMotifsRefusFactureTravaux``, §3.2).
WORKS_REFUSAL_REASONS = [(row["code"], row["label"]) for row in CODES["works_refusal_reasons"]]
