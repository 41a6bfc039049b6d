"""Chorus Pro statuses and billing frames, defined once for the addon (``chorus-pro-api.md``
§7 flow statuses, §8 invoice statuses, §9 billing frames), with the groupings the code reads.

Pure data, no Odoo import. The labels are the English labels of the selection fields.
The simulator (``simulator/``, a package installable on its own) keeps its own copy in
``chorus_pro_simulator/constants.py``: it must not import the addon.
"""

# ---------------------------------------------------------------------------
# Flow (deposit) statuses, "etatCourantDepotFlux" (§7)
# ---------------------------------------------------------------------------

FLOW_RECU = "IN_RECU"
FLOW_INTEGRE = "IN_INTEGRE"
FLOW_INTEGRE_PARTIEL = "IN_INTEGRE_PARTIEL"
FLOW_REJETE = "IN_REJETE"
FLOW_INCIDENTE = "IN_INCIDENTE"

# Every flow status, in the order of a flow's life (selection of ``chorus.pro.flow``).
FLOW_STATUSES = [
    (FLOW_RECU, "Received"),
    ("IN_TRAITE_SE_CPP", "Processed by the exchange system"),
    ("IN_EN_ATTENTE_TRAITEMENT_CPP", "Waiting for processing"),
    ("IN_EN_COURS_TRAITEMENT_CPP", "Being processed"),
    ("IN_EN_ATTENTE_RETRAITEMENT_CPP", "Waiting for reprocessing"),
    (FLOW_INCIDENTE, "Incident (flow to send again)"),
    (FLOW_REJETE, "Rejected"),
    (FLOW_INTEGRE, "Integrated"),
    (FLOW_INTEGRE_PARTIEL, "Partially integrated"),
    ("QP_RECEVABLE", "Admissible"),
    ("QP_RECEVABLE_AVEC_ERREUR", "Admissible with errors"),
    ("QP_IRRECEVABLE", "Not admissible"),
]
FLOW_SUCCESS_STATUSES = frozenset({FLOW_INTEGRE, FLOW_INTEGRE_PARTIEL})
FLOW_FAILURE_STATUSES = frozenset({FLOW_REJETE, FLOW_INCIDENTE})
FLOW_TERMINAL_STATUSES = FLOW_SUCCESS_STATUSES | FLOW_FAILURE_STATUSES
# Received, waiting or being processed: the "IN_" statuses not terminal.
FLOW_IN_PROGRESS_STATUSES = (
    frozenset(code for code, _label in FLOW_STATUSES if code.startswith("IN_")) - FLOW_TERMINAL_STATUSES
)
# Admissibility states seen in production clients (§7, §13): Tryton counts the
# last two as failures; their exact semantics are unconfirmed.
FLOW_QP_STATUSES = frozenset({"QP_RECEVABLE", "QP_RECEVABLE_AVEC_ERREUR", "QP_IRRECEVABLE"})
FLOW_QP_FAILURE_STATUSES = frozenset({"QP_RECEVABLE_AVEC_ERREUR", "QP_IRRECEVABLE"})
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
# ``account.move.chorus_status``).
INVOICE_STATUSES = [
    (INVOICE_DEPOSEE, "Deposited"),
    ("EN_COURS_ACHEMINEMENT", "Being routed"),
    ("MISE_A_DISPOSITION", "Made available to the recipient"),
    ("PRISE_EN_COMPTE_DESTINATAIRE", "Acknowledged by the recipient"),
    (INVOICE_A_RECYCLER, "To recycle (wrong routing data)"),
    (INVOICE_SUSPENDUE, "Suspended (documents missing)"),
    ("COMPLETEE", "Completed"),
    (INVOICE_REJETEE, "Rejected"),
    ("SERVICE_FAIT", "Service certified"),
    ("MANDATEE", "Mandated"),
    ("MISE_A_DISPOSITION_COMPTABLE", "Sent to the public accountant"),
    ("COMPTABILISEE", "Recorded by the public accountant"),
    (INVOICE_MISE_EN_PAIEMENT, "Payment ordered"),
    ("ABANDONNEE", "Abandoned"),
    ("SUPPRIMEE", "Deleted"),
]
# Nothing follows these.
INVOICE_TERMINAL_STATUSES = frozenset({INVOICE_REJETEE, INVOICE_MISE_EN_PAIEMENT, "ABANDONNEE", "SUPPRIMEE"})
# Statuses waiting for an action of the supplier (completer / recycler).
INVOICE_ACTION_STATUSES = frozenset({INVOICE_SUSPENDUE, INVOICE_A_RECYCLER})
# Statuses that send the invoice back to the supplier ("to fix").
INVOICE_PROBLEM_STATUSES = INVOICE_ACTION_STATUSES | {INVOICE_REJETEE}
# Sent, not taken up by the recipient yet.
INVOICE_ROUTING_STATUSES = (INVOICE_DEPOSEE, "EN_COURS_ACHEMINEMENT", "MISE_A_DISPOSITION")
# The recipient works on it (suspended or to recycle excluded: back to the supplier).
INVOICE_PROCESSING_STATUSES = ("PRISE_EN_COMPTE_DESTINATAIRE", "COMPLETEE", "SERVICE_FAIT")
# The paid side, in order: mandated, at the public accountant's, recorded by them.
INVOICE_MANDATED_STATUSES = ("MANDATEE", "MISE_A_DISPOSITION_COMPTABLE", "COMPTABILISEE")
# ... then payment ordered.
INVOICE_PAYMENT_STATUSES = (*INVOICE_MANDATED_STATUSES, INVOICE_MISE_EN_PAIEMENT)

# ---------------------------------------------------------------------------
# Billing frames, "cadre de facturation" (BT-23, §9)
# ---------------------------------------------------------------------------

DEFAULT_BILLING_FRAME = "A1"
# The frames a supplier uses outside works contracts (selection of the invoice and order).
BILLING_FRAMES = [
    (DEFAULT_BILLING_FRAME, "A1 - Supplier invoice"),
    ("A2", "A2 - Invoice already paid"),
    ("A9", "A9 - Subcontractor invoice"),
    ("A12", "A12 - Co-contractor invoice"),
]
# BT-23 short code -> Chorus Pro API code.
BILLING_FRAME_API_CODES = {
    DEFAULT_BILLING_FRAME: "A1_FACTURE_FOURNISSEUR",
    "A2": "A2_FACTURE_FOURNISSEUR_DEJA_PAYEE",
    "A3": "A3_MEMOIRE_JUSTICE",
    "A9": "A9_FACTURE_SOUSTRAITANT",
    "A12": "A12_FACTURE_COTRAITANT",
}
