"""Works documents (CCAG-Travaux): submission through ``soumettre`` with a works frame and
an MOE validator, the MOE -> MOA -> payment circuit, refusals and their way out.

What Chorus Pro documents is in ``works-invoicing.md``; the sequence of statuses, the
validated amounts and the ``suiviTravaux`` block are simulator assumptions, written down
in ``docs/simulator.md`` ("Works documents (assumptions)").  ``WorksMixin`` is a part of
``Simulator``: its methods hold the simulator lock like the others.
"""

import copy
import datetime

from . import constants as C
from . import util
from .errors import AdminError

MESSAGES = {
    "FRAME_UNKNOWN": "Le cadre de facturation {cadre} est inconnu.",
    "FRAME_NOT_SUPPLIER": "Le cadre de facturation {cadre} est reserve a la maitrise d'oeuvre ou a la "
    "maitrise d'ouvrage : il ne peut pas etre soumis par un fournisseur.",
    "SUPPLIER_NOT_WORKS": "La structure {siret} n'est pas habilitee a l'espace Factures de travaux : "
    "elle ne peut pas deposer une piece de travaux ({cadre}).",
    "VALIDATOR_REQUIRED": "Le valideur (codeStructureValideur) est obligatoire pour le cadre de "
    "facturation {cadre} : renseigner le SIRET de la maitrise d'oeuvre.",
    "VALIDATOR_UNKNOWN": "La structure valideur {siret} (codeStructureValideur) est inconnue de "
    "l'annuaire Chorus Pro.",
    "VALIDATOR_INACTIVE": "La structure valideur {siret} (codeStructureValideur) n'est pas active.",
    "VALIDATOR_NOT_WORKS": "La structure valideur {siret} (codeStructureValideur) n'est pas habilitee "
    "a l'espace Factures de travaux.",
    "VALIDATOR_SERVICE": "Le service {code} (codeServiceValideur) est inconnu ou inactif pour la "
    "structure valideur {siret}.",
    "VALIDATOR_IS_SUPPLIER": "La structure valideur {siret} (codeStructureValideur) ne peut pas etre "
    "le fournisseur lui-meme.",
}


# Works documents that go straight to the MOA, without the MOE's validation (simulator
# assumption, docs/works.md "Final statement and general statement (DGD)"): the décompte
# général signed by the holder "goes directly to the financial service" (works-invoicing.md
# §2, A8); in the tacit procedure the holder notifies its projet de décompte général to the
# MOA (A22: nothing to pay, it waits there) and the DGD tacite is paid by the MOA (A23).
# The MOE is still named as validator (codeStructureValideur) of every supplier frame.
MOA_PATH = (
    C.INV_DEPOSEE,
    "TRANSMISE_MOA",
    "MISE_A_DISPOSITION_MOA",
    "PRISE_EN_COMPTE_MOA",
    C.INV_MANDATEE,
    C.INV_MISE_EN_PAIEMENT,
)
MOA_DIRECT_PATHS = {"A8": MOA_PATH, "A22": MOA_PATH[:4], "A23": MOA_PATH}


def works_path(frame):
    """The statuses a works document of ``frame`` (its API string) goes through."""
    return MOA_DIRECT_PATHS.get(C.CADRES_SHORT.get(frame), C.WORKS_DOCUMENT_PATH)


def message(key, **values):
    return MESSAGES[key].format(**values)


def _amount(value, name):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AdminError(f"{name} must be a number")
    return round(float(value), 2)


def _actor(struct, service):
    return {
        "id": struct["idStructureCPP"],
        "identifiant": struct["identifiantStructure"],
        "typeIdentifiant": struct["typeIdentifiantStructure"],
        "raisonSociale": struct["raisonSociale"],
        "idService": service["idService"] if service else None,
        "codeService": service["codeService"] if service else None,
        "nomService": service["libelleService"] if service else None,
    }


class WorksMixin:
    """Works documents of ``Simulator``."""

    # ------------------------------------------------------------------------------
    # Directory: the "Factures de travaux" space
    # ------------------------------------------------------------------------------
    def set_works_enabled(self, structure, enabled=True):
        """Enable (or not) a structure for the "Factures de travaux" space."""
        with self._lock:
            struct = self._resolve_structure(structure)
            struct["factureTravaux"] = bool(enabled)
            self._save("structure", struct["idStructureCPP"])
            return struct["idStructureCPP"]

    def works_structures_of(self, account):
        """Copies of the active structures of ``account`` enabled for works."""
        return [s for s in self.structures_of(account) if s["statut"] == "ACTIVE" and s.get("factureTravaux")]

    def works_validator_checks(self, siret, service_code=None, frame=None, supplier_id=None):
        """Checks of a works validator (the MOE structure, by SIRET, and its service).

        Returns ``(errors, structure, service)``.
        """
        if not siret:
            return [message("VALIDATOR_REQUIRED", cadre=frame or "-")], None, None
        with self._lock:
            struct = self.structure_by_siret(siret)
            if struct is None:
                return [message("VALIDATOR_UNKNOWN", siret=siret)], None, None
            if struct["idStructureCPP"] == supplier_id:
                return [message("VALIDATOR_IS_SUPPLIER", siret=siret)], None, None
            if struct["statut"] != "ACTIVE":
                return [message("VALIDATOR_INACTIVE", siret=siret)], None, None
            if not struct.get("factureTravaux"):
                return [message("VALIDATOR_NOT_WORKS", siret=siret)], None, None
            service = None
            if service_code:
                service = self.service_by_code(struct["idStructureCPP"], service_code)
                if service is None or not service["estActif"]:
                    return [message("VALIDATOR_SERVICE", code=service_code, siret=siret)], None, None
            return [], copy.deepcopy(struct), copy.deepcopy(service)

    # ------------------------------------------------------------------------------
    # Submission
    # ------------------------------------------------------------------------------
    def submit_works_document(self, account, fields, mode, pdf_bytes, file_name, validator, extra=None):
        """API ``soumettre`` with a works frame (``fields["BT-23"]``: its API string).

        ``validator``: ``{"codeStructureValideur", "codeServiceValideur"}``.  Checks the
        invoice like any submission, then the frame (filed by a supplier), the supplier's
        works space and the validator.  The document is ``DEPOSEE`` then at once
        ``MISE_A_DISPOSITION_MOE`` (Chorus Pro's timestamp of the MOE's 7 days).
        Returns ``(errors, document)``.
        """
        frame = fields.get("BT-23")
        with self._lock:
            when = util.now()
            errors, context = self._invoice_checks(fields, account, when.date(), set())
            seller = context["seller"]
            if frame not in C.WORKS_SUPPLIER_FRAMES:
                errors.append(message("FRAME_NOT_SUPPLIER", cadre=frame))
            elif seller is not None and not seller.get("factureTravaux"):
                errors.append(
                    message("SUPPLIER_NOT_WORKS", siret=seller["identifiantStructure"], cadre=frame)
                )
            validator_errors, moe, moe_service = self.works_validator_checks(
                (validator or {}).get("codeStructureValideur"),
                (validator or {}).get("codeServiceValideur"),
                frame,
                seller["idStructureCPP"] if seller else None,
            )
            errors.extend(validator_errors)
            if errors:
                return errors, None
            invoice = self._create_submitted_invoice(
                account, when, fields, context, (file_name, pdf_bytes), mode, extra, "Piece de travaux"
            )
            invoice_id = invoice["identifiantFactureCPP"]
            if not self.t["scenario"].get(fields["BT-1"]):
                invoice["path"] = [[status, None] for status in works_path(frame)]
            invoice["travaux"] = {
                "typeFactureTravaux": C.FRAMES[C.CADRES_SHORT[frame]].get("works_type"),
                "moe": _actor(moe, moe_service),
                "moa": _actor(context["buyer"], context["service"]),
                "miseADispositionMoe": None,
                "validationMoe": None,
                "validationMoa": None,
                "refus": None,
            }
            self._advance_invoice(invoice)
            self._save("invoice", invoice_id)
            return [], copy.deepcopy(invoice)

    # ------------------------------------------------------------------------------
    # The circuit (admin API and advance)
    # ------------------------------------------------------------------------------
    def _works_on_status(self, invoice, status, when):
        """Called by ``_change_status`` for works documents: timestamps and validations
        implied by the status (an ``advance`` validates the amounts as submitted)."""
        works = invoice["travaux"]
        if status == "MISE_A_DISPOSITION_MOE":
            works["miseADispositionMoe"] = util.iso(when)
        elif (
            status == "TRANSMISE_MOA"
            and works["validationMoe"] is None
            and works_path(invoice["cadreFacturation"]) == C.WORKS_DOCUMENT_PATH
        ):
            self._record_validation(invoice, "validationMoe", None, None, None, when)
        elif status in C.WORKS_AFTER_MOA_STATUSES and works["validationMoa"] is None:
            self._record_validation(invoice, "validationMoa", None, None, None, when)

    def _record_validation(self, invoice, key, amount_untaxed, amount_total, comment, when):
        works = invoice["travaux"]
        previous = works["validationMoe"] if key == "validationMoa" and works["validationMoe"] else None
        base_untaxed = previous["montantHT"] if previous else invoice["montantHT"]
        base_total = previous["montantTTC"] if previous else invoice["montantTTC"]
        untaxed = base_untaxed if amount_untaxed is None else amount_untaxed
        if amount_total is None:
            # The VAT of the submitted document, applied to the validated amount.
            rate = (invoice["montantTTC"] / invoice["montantHT"]) if invoice["montantHT"] else 1.0
            total = base_total if amount_untaxed is None else round(untaxed * rate, 2)
        else:
            total = amount_total
        actor = works["moe"] if key == "validationMoe" else works["moa"]
        works[key] = {
            "date": util.iso(when),
            "montantHT": untaxed,
            "montantTTC": total,
            "corrige": untaxed != invoice["montantHT"] or total != invoice["montantTTC"],
            "commentaire": comment,
            "valideur": actor["identifiant"],
        }
        invoice["montantAPayer"] = total

    def _works_document(self, invoice_id):
        invoice = self._invoice_or_error(invoice_id)
        if not invoice.get("travaux"):
            raise AdminError(f"invoice {invoice_id} is not a works document", 409)
        return invoice

    def validate_works_document(
        self, invoice_id, by="MOE", amount_untaxed=None, amount_total=None, comment=None
    ):
        """The MOE (or the MOA) validates a works document, with corrected amounts or not.

        MOE: from ``A_VALIDER_MOE`` / ``MISE_A_DISPOSITION_MOE`` / ``PRISE_EN_COMPTE_MOE``
        to ``TRANSMISE_MOA``; MOA: from ``TRANSMISE_MOA`` / ``MISE_A_DISPOSITION_MOA`` /
        ``PRISE_EN_COMPTE_MOA`` to ``MANDATEE``.  ``amount_untaxed`` / ``amount_total``:
        the validated amounts (default: as submitted, or as the MOE validated them); an
        amount error is corrected here, never refused (19 February 2025).  Returns the
        new status.
        """
        if by not in ("MOE", "MOA"):
            raise AdminError("by must be MOE or MOA")
        amount_untaxed = _amount(amount_untaxed, "amount_untaxed")
        amount_total = _amount(amount_total, "amount_total")
        with self._lock:
            invoice = self._works_document(invoice_id)
            pending = C.WORKS_MOE_PENDING if by == "MOE" else C.WORKS_MOA_PENDING
            if invoice["statut"] not in pending:
                raise AdminError(
                    f"the {by} validates a document in {', '.join(pending)}, not {invoice['statut']}", 409
                )
            key = "validationMoe" if by == "MOE" else "validationMoa"
            self._record_validation(invoice, key, amount_untaxed, amount_total, comment, util.now())
            validated = invoice["travaux"][key]
            target = "TRANSMISE_MOA" if by == "MOE" else "MANDATEE"
            actor = "maitrise d'oeuvre" if by == "MOE" else "maitrise d'ouvrage"
            text = f"Piece de travaux validee par la {actor}"
            if validated["corrige"]:
                text += (
                    f" avec des montants corriges : {validated['montantHT']:.2f} EUR HT, "
                    f"{validated['montantTTC']:.2f} EUR TTC"
                )
            if comment:
                text += f" ({comment})"
            return self.set_invoice_status(invoice_id, target, text)

    def refuse_works_document(self, invoice_id, reason, comment=None, by="MOE"):
        """The MOE (or the MOA) refuses a works document with a reason of
        ``recupererMotifsRefusFactureTravaux`` (AUTRE, MAUVAIS_VALIDEUR, MAUVAISE_MOE,
        MAUVAISE_MOA, REF_FAC_TRAVAUX); the status follows the reason (codes.json).
        An amount error is not a reason since 19 February 2025 (400).  Returns the status.
        """
        if by not in ("MOE", "MOA"):
            raise AdminError("by must be MOE or MOA")
        if reason == C.WORKS_AMOUNT_ERROR_REASON:
            raise AdminError(
                "an amount error is not a refusal reason since 19 February 2025: the MOE corrects "
                "the amounts (POST /_simulator/works/validate with montantHT / montantTTC)"
            )
        if reason not in C.WORKS_REFUSAL_REASONS:
            raise AdminError(f"reason must be one of {', '.join(C.WORKS_REFUSAL_REASONS)}")
        with self._lock:
            invoice = self._works_document(invoice_id)
            pending = C.WORKS_MOE_PENDING if by == "MOE" else C.WORKS_MOA_PENDING
            if invoice["statut"] not in pending:
                raise AdminError(
                    f"the {by} refuses a document in {', '.join(pending)}, not {invoice['statut']}", 409
                )
            status = C.WORKS_REFUSAL_REASONS[reason]["status"]
            if by == "MOA" and status == "REFUSEE_MOE":
                status = "REFUSEE_MOA"
            invoice["travaux"]["refus"] = {
                "par": by,
                "motif": reason,
                "commentaire": comment,
                "date": util.iso(util.now()),
            }
            invoice["rejetTraite"] = False
            text = f"Piece de travaux refusee ({reason})" + (f" : {comment}" if comment else "")
            # The refusal ends the path: only corriger/valideur (or nothing) follows.
            del invoice["path"][invoice["pos"] + 1 :]
            return self.set_invoice_status(invoice_id, status, text)

    def correct_works_validator(self, invoice_id, validator, service_code=None):
        """API ``corriger/valideur/facture``: a document refused for a wrong validator
        (``ERREUR_FOURNISSEUR_SUR_MOE``) goes to the new MOE (``MISE_A_DISPOSITION_MOE``,
        a new 7-day period).  ``validator``: the new validator structure (a copy, checked
        by ``works_validator_checks``).  Returns a copy of the document."""
        with self._lock:
            invoice = self._invoice_or_error(invoice_id)
            works = invoice["travaux"]
            works["moe"] = _actor(validator, self.service_by_code(validator["idStructureCPP"], service_code))
            works["refus"] = None
            works["validationMoe"] = None
            start = C.WORKS_DOCUMENT_PATH.index("MISE_A_DISPOSITION_MOE")
            del invoice["path"][invoice["pos"] + 1 :]
            invoice["path"].extend([status, None] for status in C.WORKS_DOCUMENT_PATH[start:])
            self._advance_invoice(invoice, force=True)
            return copy.deepcopy(invoice)

    def mark_rejection_handled(self, account, invoice_ids, reason=None, details=None):
        """API ``traiterRejet``: the supplier handled the rejection (or works refusal) of
        these invoices of its own.  Returns the identifiers that were not handled yet."""
        with self._lock:
            done = []
            for invoice_id in invoice_ids:
                invoice = self._invoice_or_error(invoice_id)
                invoice["rejetTraite"] = True
                invoice["rejetTraiteMotif"] = reason
                invoice["rejetTraiteInfos"] = details
                self._save("invoice", invoice_id)
                done.append(invoice_id)
            return done

    def backdate_invoice(self, invoice_id, days):
        """Move every date of an invoice ``days`` days back (deposit, history, works
        timestamps), e.g. to pass the MOE's 7 days in a test.  Returns the new current
        status date."""
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise AdminError("days must be a non negative integer")
        delta = datetime.timedelta(days=days)

        def shift(value):
            return util.iso(util.parse_iso(value) - delta) if value else value

        with self._lock:
            invoice = self._invoice_or_error(invoice_id)
            invoice["dateHeureDepot"] = shift(invoice["dateHeureDepot"])
            invoice["dateDepot"] = util.day(invoice["dateHeureDepot"])
            invoice["dateHeureEtatCourant"] = shift(invoice["dateHeureEtatCourant"])
            for entry in invoice["historique"]:
                entry["histoStatutDatePassage"] = shift(entry["histoStatutDatePassage"])
            works = invoice.get("travaux")
            if works:
                works["miseADispositionMoe"] = shift(works["miseADispositionMoe"])
                for key in ("validationMoe", "validationMoa", "refus"):
                    if works[key]:
                        works[key]["date"] = shift(works[key]["date"])
            self._save("invoice", invoice_id)
            return invoice["dateHeureEtatCourant"]
