"""Works documents read from Chorus Pro answers into plain dicts (no Odoo import).

``works_document(facture, history)`` reads a ``consulter/fournisseur`` ``facture`` (and
optionally the ``consulter/historique`` answer) of a works document: its frame, the MOE and
the MOA, what each validated and when, the MOE's 7-day deadline, the refusal. The
documented fields come first (``cadreDeFacturation`` of go-choruspro: ``identifiantMoe``,
``codeValideur1``, ``dateValidation1``...); the validated amounts and the refusal come from
the simulator's ``suiviTravaux`` block (an assumption, docs/simulator.md "Works documents
(assumptions)"), absent on the real platform until its field names are known.
"""

import datetime

from .statuses import BILLING_FRAME_SHORT_CODES, FRAMES, WORKS_STATUS_HOLDERS
from .values import _to_int, as_list, normalize_siret, parse_chorus_date, parse_chorus_datetime

# The MOE has 7 days from Chorus Pro's timestamp to handle a payment request
# (works-invoicing.md §6).
MOE_DEADLINE = datetime.timedelta(days=7)
MOE_MADE_AVAILABLE = "MISE_A_DISPOSITION_MOE"


def _amount(value):
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _actor(cadre, role):
    """The MOE or the MOA (``role``: ``Moe`` / ``Moa``) of a ``cadreDeFacturation``."""
    siret = cadre.get(f"identifiant{role}")
    if siret in (None, "") and cadre.get(f"id{role}") in (None, ""):
        return None
    return {
        "id": _to_int(cadre.get(f"id{role}")),
        "siret": normalize_siret(siret),
        "name": cadre.get(f"raisonSociale{role}") or "",
        "service_id": _to_int(cadre.get(f"idService{role}")),
        "service_code": cadre.get(f"codeService{role}") or "",
        "service_name": cadre.get(f"nomService{role}") or "",
    }


def _validation(cadre, follow_up, number, suffix):
    date = parse_chorus_date(cadre.get(f"dateValidation{number}"))
    when = parse_chorus_datetime(follow_up.get(f"dateHeureValidation{suffix}"))
    untaxed = _amount(follow_up.get(f"montantHtValide{suffix}"))
    if date is None and when is None and untaxed is None:
        return None
    return {
        "validator_siret": normalize_siret(cadre.get(f"codeValideur{number}")),
        "date": date or (when.date() if when else None),
        "datetime": when,
        "amount_untaxed": untaxed,
        "amount_total": _amount(follow_up.get(f"montantTtcValide{suffix}")),
        "corrected": bool(follow_up.get(f"montantsCorriges{suffix}")),
        "comment": follow_up.get(f"commentaireValidation{suffix}") or "",
    }


def made_available_to_moe(history):
    """Chorus Pro's timestamp of the last ``MISE_A_DISPOSITION_MOE`` of a
    ``consulter/historique`` answer (aware or naive datetime as answered), or None."""
    block = (history or {}).get("historiquesDesStatuts") or {}
    entries = [e for e in as_list(block.get("histoStatut")) if e.get("histoStatutCode") == MOE_MADE_AVAILABLE]
    if not entries:
        return None
    last = max(entries, key=lambda e: _to_int(e.get("histoStatutId")) or 0)
    return parse_chorus_datetime(last.get("histoStatutDatePassage"))


def works_document(facture, history=None):
    """The works fields of a consultation as a plain dict (None values when unknown):

    ``frame`` (short code, ``A4``), ``frame_api_code``, ``kind`` (``monthly_statement``...),
    ``document_type`` (``typeFactureTravaux``), ``status`` and ``holder`` (``moe``, ``moa``,
    ``supplier`` for the works statuses), ``moe`` / ``moa`` (``id``, ``siret``, ``name``,
    ``service_id``, ``service_code``, ``service_name``), ``validations`` {``moe``, ``moa``}
    (``validator_siret``, ``date``, ``datetime``, ``amount_untaxed``, ``amount_total``,
    ``corrected``, ``comment``), ``made_available_to_moe`` and ``moe_deadline``
    (datetimes), ``refusal`` (``by``, ``reason``, ``comment``, ``datetime``), the submitted
    ``amount_untaxed`` / ``amount_total`` and the ``amount_to_pay``.
    """
    facture = facture or {}
    cadre = facture.get("cadreDeFacturation") or {}
    follow_up = facture.get("suiviTravaux") or {}
    totals = facture.get("montantTotal") or {}
    api_code = cadre.get("codeCadreFacturation") or ""
    short = BILLING_FRAME_SHORT_CODES.get(api_code, "")
    status = facture.get("statutFacture") or ""
    made_available = parse_chorus_datetime(follow_up.get("dateHeureMiseADispositionMoe"))
    if made_available is None:
        made_available = made_available_to_moe(history)
    deadline = parse_chorus_datetime(follow_up.get("dateHeureLimiteTraitementMoe"))
    if deadline is None and made_available is not None:
        deadline = made_available + MOE_DEADLINE
    refusal = None
    if follow_up.get("motifRefus"):
        refusal = {
            "by": follow_up.get("refusPar") or "",
            "reason": follow_up["motifRefus"],
            "comment": follow_up.get("commentaireRefus") or "",
            "datetime": parse_chorus_datetime(follow_up.get("dateHeureRefus")),
        }
    return {
        "frame": short,
        "frame_api_code": api_code,
        "kind": FRAMES.get(short, {}).get("kind"),
        "document_type": (facture.get("references") or {}).get("typeFactureTravaux")
        or FRAMES.get(short, {}).get("works_type"),
        "status": status,
        "holder": WORKS_STATUS_HOLDERS.get(status),
        "moe": _actor(cadre, "Moe"),
        "moa": _actor(cadre, "Moa"),
        "validations": {
            "moe": _validation(cadre, follow_up, 1, "Moe"),
            "moa": _validation(cadre, follow_up, 2, "Moa"),
        },
        "made_available_to_moe": made_available,
        "moe_deadline": deadline,
        "refusal": refusal,
        "amount_untaxed": _amount(totals.get("montantHtTotal")),
        "amount_total": _amount(totals.get("montantTtcTotal")),
        "amount_to_pay": _amount(totals.get("montantAPayer")),
    }
