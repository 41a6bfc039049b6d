# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The ``soumettre`` submission of an invoice (Chorus Pro API reference §5.7), built
from its EN 16931 data: the degraded mode ``DEPOT_PDF_API`` (the invoice PDF deposited
with ``deposer/pdf``, its data given as JSON) for an invoice whose Factur-X the
platform refuses.

Pure: no Odoo, no network. The input is the BT-keyed dict of the invoice the
Factur-X engine builds (``chorus.pro.facturx._facturx_data_dict``), the ONE mapping of
an invoice, so the JSON, the XML and the printed page cannot disagree.
"""

import datetime

from .chorus.endpoints import MODE_DEPOT_PDF_API
from .chorus.statuses import BILLING_FRAME_API_CODES, DEFAULT_BILLING_FRAME, FRAMES
from .chorus.values import normalize_siret

# BT-3 (UNTDID 1001) -> typeFacture.
INVOICE_TYPES = {"380": "FACTURE", "381": "AVOIR"}

# BT-81 (UNTDID 4461 payment means) -> modePaiement.
PAYMENT_MODES = {
    "10": "ESPECE",
    "20": "CHEQUE",
    "30": "VIREMENT",
    "31": "VIREMENT",
    "42": "VIREMENT",
    "58": "VIREMENT",
    "49": "PRELEVEMENT",
    "59": "PRELEVEMENT",
}

# typeTva values.
TVA_ON_DEBITS = "TVA_SUR_DEBIT"
TVA_ON_PAYMENT = "TVA_SUR_ENCAISSEMENT"
TVA_EXEMPT = "EXONERATION"
TVA_NONE = "SANS_TVA"
# VAT categories (UNTDID 5305) outside the scope of VAT (no exemption to justify).
OUT_OF_SCOPE_CATEGORIES = {"O"}


class SubmissionError(ValueError):
    """The data cannot make a ``soumettre`` submission (missing identifier...)."""


def _date(value):
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)[:10]


def _amount(value):
    return round(float(value or 0.0), 2)


def _number(value):
    """A quantity or unit price: a float, with the data's precision (≤ 4 decimals)."""
    return round(float(value or 0.0), 4)


def _rate_code(rate, vat_codes):
    if not vat_codes:
        return None
    for code_rate, code in vat_codes.items():
        if abs(float(code_rate) - float(rate)) < 1e-6:
            return code
    return None


def vat_type(data):
    """``typeTva`` of the invoice: exempt (or out of scope) when no VAT is due, VAT
    on payments when the data says so (BT-8 ``payment``), on debits otherwise."""
    groups = data.get("BG-23") or []
    if not any(_amount(group.get("BT-117")) for group in groups) and not _amount(data.get("BT-110")):
        categories = {group.get("BT-118") for group in groups}
        if categories and categories <= OUT_OF_SCOPE_CATEGORIES:
            return TVA_NONE
        return TVA_EXEMPT
    if data.get("BT-8") == "payment":
        return TVA_ON_PAYMENT
    return TVA_ON_DEBITS


def exemption_reason(data):
    """``motifExonerationTva``: the exemption texts (BT-120) or codes (BT-121) of the
    VAT groups without VAT, once each."""
    reasons = []
    for group in data.get("BG-23") or []:
        if _amount(group.get("BT-117")):
            continue
        reason = (group.get("BT-120") or group.get("BT-121") or "").strip()
        if reason and reason not in reasons:
            reasons.append(reason)
    return " ".join(reasons) or None


def _buyer_siret(data):
    buyer = data.get("BG-7") or {}
    siret = (buyer.get("legal_identifier") or "").replace(" ", "")
    if not siret:
        raise SubmissionError("the customer's SIRET (BT-47) is missing")
    return siret


def _line(line, vat_codes):
    quantity = float(line.get("BT-129") or 0.0)
    net_amount = _amount(line.get("BT-131"))
    net_price = float(line.get("BT-146") or 0.0)
    gross_price = float(line.get("BT-148")) if line.get("BT-148") is not None else net_price
    if quantity and net_price and abs(quantity * net_price - net_amount) >= 0.01:
        # The price includes the tax (an Odoo price-included tax): Chorus Pro computes
        # each line as quantity x unit price excl. tax - discount, so the prices are
        # brought back to the line's amount excl. tax (BT-131, as booked).
        ratio = net_amount / (quantity * net_price)
        gross_price *= ratio
    unit_price = _number(gross_price)
    discount = 0.0
    if line.get("BT-148") is not None:
        # The line's discount (BT-147 per unit): what the gross price loses.
        discount = _amount(quantity * unit_price - net_amount)
    quantity = _number(quantity)
    rate = float(line.get("BT-152") or 0.0)
    item = {
        "lignePosteNumero": int(line.get("BT-126") or 0),
        "lignePosteReference": line.get("BT-155") or "",
        "lignePosteDenomination": (line.get("BT-153") or "")[:255],
        "lignePosteQuantite": quantity,
        "lignePosteUnite": line.get("BT-130") or "",
        "lignePosteMontantUnitaireHT": unit_price,
        "lignePosteMontantRemiseHT": discount,
        "lignePosteTauxTvaManuel": rate,
    }
    code = _rate_code(rate, vat_codes)
    if code:
        item["lignePosteTauxTva"] = code
    return item


def _vat_line(group, vat_codes):
    rate = float(group.get("BT-119") or 0.0)
    item = {
        "ligneTvaTauxManuel": rate,
        "ligneTvaMontantBaseHtParTaux": _amount(group.get("BT-116")),
        "ligneTvaMontantTvaParTaux": _amount(group.get("BT-117")),
    }
    code = _rate_code(rate, vat_codes)
    if code:
        item["ligneTvaTaux"] = code
    return item


def billing_frame_block(frame, validator_siret=None, validator_service=None):
    """``cadreDeFacturation`` of a submission: the API code of the BT-23 ``frame`` (default
    A1) and its validator (``codeStructureValideur`` SIRET, ``codeServiceValideur``),
    required for a works frame filed by a supplier (its project manager, MOE)."""
    frame = frame or DEFAULT_BILLING_FRAME
    block = {"codeCadreFacturation": BILLING_FRAME_API_CODES.get(frame, frame)}
    if validator_siret:
        block["codeStructureValideur"] = normalize_siret(validator_siret)
        if validator_service:
            block["codeServiceValideur"] = validator_service
    elif FRAMES.get(frame, {}).get("validator") == "moe":
        raise SubmissionError(f"the billing frame {frame} needs its validator: the project manager's SIRET")
    return block


def submission_payload(
    data,
    pdf_attachment_id,
    supplier_structure_id,
    pdf_name=None,
    attachments=(),
    vat_codes=None,
    bank_details_id=None,
    supplier_service_id=None,
    comment=None,
    validator_siret=None,
    validator_service=None,
):
    """The ``soumettre`` body (mode ``DEPOT_PDF_API``) of the invoice whose EN 16931
    data is ``data``.

    ``pdf_attachment_id``: the ``pieceJointeId`` of its PDF (``deposer/pdf``), named
    ``pdf_name``; ``supplier_structure_id``: the supplier's own ``idStructureCPP``;
    ``attachments``: ``(pieceJointeId, name)`` of supporting documents uploaded with
    ``ajouter/fichier``; ``vat_codes``: optional ``{rate: code}`` of the platform's VAT
    rates (``recuperer/tauxtva``), the manual rate is always given; ``bank_details_id``
    (``codeCoordonneesBancairesFournisseur``) and ``supplier_service_id``
    (``idServiceFournisseur``) when known. ``validator_siret`` / ``validator_service``:
    the validator of the frame (``cadreDeFacturation.codeStructureValideur`` /
    ``codeServiceValideur``): the project manager (MOE) of a works frame (BT-23 ``A4``,
    ``A7``, ``A10``...: required), the holder for ``A9`` / ``A12``. Raises
    :class:`SubmissionError` when an identifier Chorus Pro needs is missing.
    """
    if not data.get("BT-1"):
        raise SubmissionError("the invoice number (BT-1) is missing")
    if pdf_attachment_id in (None, ""):
        raise SubmissionError("the PDF attachment id (deposer/pdf) is missing")
    if not supplier_structure_id:
        raise SubmissionError("the supplier's Chorus Pro structure id is missing")
    type_code = data.get("BT-3") or "380"
    if type_code not in INVOICE_TYPES:
        raise SubmissionError(f"invoice type {type_code} cannot be submitted")
    recipient = {"codeDestinataire": _buyer_siret(data)}
    if data.get("BT-10"):
        recipient["codeServiceExecutant"] = data["BT-10"]
    supplier = {"idFournisseur": int(supplier_structure_id)}
    if bank_details_id:
        supplier["codeCoordonneesBancairesFournisseur"] = int(bank_details_id)
    if supplier_service_id:
        supplier["idServiceFournisseur"] = int(supplier_service_id)
    frame_block = billing_frame_block(data.get("BT-23"), validator_siret, validator_service)
    references = {
        "deviseFacture": data.get("BT-5") or "EUR",
        "typeFacture": INVOICE_TYPES[type_code],
        "typeTva": vat_type(data),
        "modePaiement": PAYMENT_MODES.get(str(data.get("BT-81") or ""), "AUTRE"),
    }
    if references["typeTva"] == TVA_EXEMPT:
        reason = exemption_reason(data)
        if reason:
            references["motifExonerationTva"] = reason[:1024]
    if data.get("BT-13"):
        references["numeroBonCommande"] = data["BT-13"]
    if data.get("BT-12"):
        references["numeroMarche"] = data["BT-12"]
    if type_code == "381":
        origins = [ref.get("BT-25") for ref in data.get("BG-3") or [] if ref.get("BT-25")]
        if origins:
            references["numeroFactureOrigine"] = origins[0]
    total = _amount(data.get("BT-112"))
    payload = {
        "modeDepot": MODE_DEPOT_PDF_API,
        "numeroFactureSaisi": data["BT-1"],
        "dateFacture": _date(data.get("BT-2")),
        "destinataire": recipient,
        "fournisseur": supplier,
        "cadreDeFacturation": frame_block,
        "references": references,
        "lignePoste": [_line(line, vat_codes) for line in data.get("BG-25") or []],
        "ligneTva": [_vat_line(group, vat_codes) for group in data.get("BG-23") or []],
        "montantTotal": {
            "montantHtTotal": _amount(data.get("BT-109")),
            "montantTVA": _amount(data.get("BT-110")),
            "montantTtcTotal": total,
            "montantTtcAvantRemiseGlobalTTC": total,
            "montantRemiseGlobaleTTC": 0.0,
            "montantAPayer": _amount(data.get("BT-115") if data.get("BT-115") is not None else total),
        },
        "pieceJointePrincipale": [
            {
                "pieceJointePrincipaleDesignation": pdf_name or f"{data['BT-1']}.pdf",
                "pieceJointePrincipaleId": pdf_attachment_id,
            }
        ],
    }
    extra = [
        {"pieceJointeComplementaireDesignation": name, "pieceJointeComplementaireId": piece_id}
        for piece_id, name in attachments or ()
    ]
    if extra:
        payload["pieceJointeComplementaire"] = extra
    if comment:
        payload["commentaire"] = comment
    return payload
