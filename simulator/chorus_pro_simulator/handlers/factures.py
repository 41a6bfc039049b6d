"""Factures API: deposits (``deposer/flux``, ``deposer/pdf`` + ``soumettre``), search
and consultation, supplier actions (``completer``, ``recycler``, ``telecharger/groupe``).

``soumettre`` bodies follow Pastell ``CPP.php`` (``deposerPDF``, ``soumettreFacture``) and
reference §5.7; it applies the deposit rules of ``Simulator._invoice_checks``.
"""

import datetime
import hashlib
import io
import zipfile

from .. import constants as C
from .. import invoice_reader, report_pdf, util, works
from ..errors import ApiError
from .common import clean, list_block, missing, ok, search_page


# ------------------------------------------------------------------------------------
# Factures: deposit of a flow (deposer/flux)
# ------------------------------------------------------------------------------------
def deposer_flux(sim, account, body):
    syntax = body.get("syntaxeFlux")
    if not isinstance(syntax, str) or not syntax:
        raise ApiError(C.CODE_MISSING_FIELD, "Le parametre syntaxeFlux est obligatoire.")
    if syntax not in C.SYNTAXES:
        raise ApiError(C.CODE_BAD_SYNTAX, f"La syntaxe de flux {syntax!r} n'est pas reconnue par Chorus Pro.")
    name = body.get("nomFichier")
    if not isinstance(name, str) or not name.strip():
        raise ApiError(C.CODE_BAD_FILE_NAME, "Le parametre nomFichier est obligatoire.")
    if "/" in name or "\\" in name or len(name) > 200 or name != name.strip():
        raise ApiError(C.CODE_BAD_FILE_NAME, f"Le nom de fichier {name!r} est invalide.")
    kind = invoice_reader.file_kind(name)
    if not kind or name.lower() == kind or name.startswith("."):
        raise ApiError(C.CODE_BAD_FILE_NAME, f"Le nom de fichier {name!r} doit comporter une extension.")
    allowed = C.SYNTAX_FILE_EXTENSIONS.get(syntax, C.DEFAULT_FILE_EXTENSIONS) + C.ARCHIVE_EXTENSIONS
    if kind not in allowed:
        raise ApiError(
            C.CODE_BAD_FILE_EXTENSION,
            f"L'extension {kind} du fichier "
            f"{name} n'est pas acceptee pour la syntaxe {syntax} (extensions "
            f"acceptees : {', '.join(allowed)}).",
        )
    signed = body.get("avecSignature", False)
    if signed is not None and not isinstance(signed, bool):
        raise ApiError(C.CODE_MISSING_FIELD, "Le parametre avecSignature doit etre un booleen.")
    if "fichierFlux" not in body or body.get("fichierFlux") in (None, ""):
        raise ApiError(
            C.CODE_EMPTY_FILE, "Le parametre fichierFlux est obligatoire et ne doit pas etre vide."
        )
    content = util.b64decode_strict(body.get("fichierFlux"), "fichierFlux")
    if not content:
        raise ApiError(C.CODE_EMPTY_FILE, "Le fichier depose est vide.")
    limit = sim.max_file_size * (3 if kind in C.ARCHIVE_EXTENSIONS else 1)
    too_large = len(content) > limit
    if not too_large and kind in C.ARCHIVE_EXTENSIONS:
        try:
            members = invoice_reader.split_members(name, content)
            too_large = any(len(data) > sim.max_file_size for _n, data in members)
        except invoice_reader.FlowContentError:
            pass  # reported asynchronously in the flow report
    if too_large:
        raise ApiError(
            C.CODE_FILE_TOO_LARGE,
            "GDP_MSG_11.022 : La taille du fichier "
            "depose depasse la taille maximale autorisee (10 Mo par fichier, "
            "30 Mo pour une archive).",
        )
    flow = sim.create_flow(account, name, content, syntax, bool(signed))
    return ok(
        numeroFluxDepot=flow["numeroFluxDepot"], dateDepot=util.day(flow["dateDepot"]), syntaxeFlux=syntax
    )


# ------------------------------------------------------------------------------------
# Factures: an invoice submitted as JSON (deposer/pdf, then soumettre)
# ------------------------------------------------------------------------------------
PDF_FORMATS = ("PDF_NON_SIGNE", "PDF_SIGNE")
PDF_MODES = ("DEPOT_PDF_API", "DEPOT_PDF_SIGNE_API")
MODES = PDF_MODES + ("SAISIE_API",)
TYPE_CODES = {"FACTURE": "380", "AVOIR": "381", "ACOMPTE": "386"}
TYPES_TVA = ("TVA_SUR_DEBIT", "TVA_SUR_ENCAISSEMENT", "EXONERATION", "SANS_TVA")
MODES_PAIEMENT = ("CHEQUE", "PRELEVEMENT", "VIREMENT", "ESPECE", "AUTRE", "REPORT")


def _block(body, field, required=True):
    value = body.get(field)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise missing(field, "est obligatoire et doit etre un objet")
    return value


def _amount(sim, block, field, required=False):
    value = block.get(field)
    if value is None or value == "":
        if required:
            raise missing(f"montantTotal.{field}")
        return None
    if sim.production and isinstance(value, str):  # "120.00" from production clients
        try:
            value = float(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise missing(f"montantTotal.{field}", "doit etre un nombre")
    return float(value)


def _enum(sim, value, allowed, field):
    """Strict: an enumerated value must be known; production takes any string."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or (value not in allowed and not sim.production):
        raise missing(field, f"doit valoir {' | '.join(allowed)}")
    return value


def deposer_pdf(sim, account, body):
    """Upload the main PDF of a ``soumettre`` invoice; answers its ``pieceJointeId``."""
    name = util.get_str(body, "nomFichier")
    fmt = body.get("formatDepot")
    if fmt in (None, "") and sim.production:
        fmt = "PDF_NON_SIGNE"
    if fmt not in PDF_FORMATS:
        raise missing("formatDepot", f"doit valoir {' | '.join(PDF_FORMATS)}")
    if not name.lower().endswith(".pdf") or "/" in name or "\\" in name:
        raise ApiError(C.CODE_BAD_FILE_EXTENSION, f"Le fichier {name} doit etre un fichier .pdf.")
    if body.get("fichierFacture") in (None, ""):
        raise ApiError(
            C.CODE_EMPTY_FILE, "Le parametre fichierFacture est obligatoire et ne doit pas etre vide."
        )
    content = util.b64decode_strict(body.get("fichierFacture"), "fichierFacture")
    if not content:
        raise ApiError(C.CODE_EMPTY_FILE, "Le fichier depose est vide.")
    if not content.startswith(b"%PDF"):
        raise ApiError(C.CODE_BAD_FILE_EXTENSION, f"Le fichier {name} n'est pas un fichier PDF lisible.")
    if len(content) > sim.max_file_size:
        raise ApiError(
            C.CODE_FILE_TOO_LARGE,
            "GDP_MSG_11.022 : La taille du fichier depose depasse la taille maximale autorisee (10 Mo).",
        )
    piece_id = sim.add_attachment(account, name, "application/pdf", "PDF", content)
    return ok(pieceJointeId=piece_id, nomFichier=name, formatDepot=fmt)


def _main_pdf(sim, account, body, mode, number):
    """The main PDF (PDF modes: a ``deposer/pdf`` or ``ajouter/fichier`` upload)."""
    if mode not in PDF_MODES:
        lines = [f"Facture {number} saisie par l'API soumettre (SAISIE_API)."]
        return report_pdf.build_pdf("Chorus Pro - Facture saisie", lines), f"{number}.pdf"
    pieces = body.get("pieceJointePrincipale")
    if isinstance(pieces, dict):
        pieces = [pieces]
    if not isinstance(pieces, list) or not pieces or not isinstance(pieces[0], dict):
        raise missing("pieceJointePrincipale", f"est obligatoire en mode {mode}")
    piece_id = util.get_int(pieces[0], "pieceJointePrincipaleId")
    with sim.transaction():
        attachment = _own_attachment(sim, account, piece_id, "le PDF avec deposer/pdf")
        return sim.attachment_content(piece_id), attachment["nom"]


def _own_attachment(sim, account, piece_id, upload):
    """The attachment ``piece_id`` uploaded by ``account`` (``upload``: how to add it)."""
    attachment = sim.get_attachment(piece_id)
    if attachment is None or attachment["login"] != account["login"]:
        raise ApiError(
            C.CODE_UNKNOWN_ATTACHMENT, f"La piece jointe {piece_id} est inconnue (deposer d'abord {upload})."
        )
    return attachment


def _lines(sim, body, mode):
    lines = body.get("lignePoste") or []
    if not isinstance(lines, list) or (mode == "SAISIE_API" and not lines):
        raise missing("lignePoste", "est obligatoire en mode SAISIE_API (liste)")
    result = []
    for line in lines:
        if not isinstance(line, dict):
            raise missing("lignePoste", "doit etre une liste d'objets")
        quantity = line.get("lignePosteQuantite")
        price = line.get("lignePosteMontantUnitaireHT")
        amount = None
        if isinstance(quantity, (int, float)) and isinstance(price, (int, float)):
            amount = round(quantity * price - (line.get("lignePosteMontantRemiseHT") or 0), 2)
        result.append(
            {
                "reference": line.get("lignePosteReference"),
                "denomination": line.get("lignePosteDenomination"),
                "quantite": quantity,
                "unite": line.get("lignePosteUnite"),
                "prixUnitaireHT": price,
                "tauxTva": line.get("lignePosteTauxTvaManuel"),
                "montantHT": amount,
            }
        )
    vat = []
    for line in body.get("ligneTva") or []:
        if isinstance(line, dict):
            vat.append(
                {
                    "taux": line.get("ligneTvaTauxManuel"),
                    "base": line.get("ligneTvaMontantBaseHtParTaux"),
                    "montant": line.get("ligneTvaMontantTvaParTaux"),
                    "categorie": line.get("ligneTvaTaux"),
                }
            )
    return result, vat


def soumettre(sim, account, body):
    """Submit an invoice as JSON; created at once (``DEPOSEE``) or refused (20022)."""
    number = util.get_str(body, "numeroFactureSaisi")
    date = util.get_str(body, "dateFacture")
    try:
        datetime.date.fromisoformat(date[:10])
    except ValueError:
        raise ApiError(
            C.CODE_BAD_DATE, f"Le parametre dateFacture ({date}) n'est pas une date valide (AAAA-MM-JJ)."
        ) from None
    mode = body.get("modeDepot")
    if mode not in MODES:
        raise missing("modeDepot", f"doit valoir {' | '.join(MODES)}")
    recipient = _block(body, "destinataire")
    buyer_siret = util.get_str(recipient, "codeDestinataire")
    service_code = util.get_str(recipient, "codeServiceExecutant", required=False)
    supplier = _block(body, "fournisseur")
    supplier_id = util.get_int(supplier, "idFournisseur")
    frame_block = _block(body, "cadreDeFacturation")
    cadre = util.get_str(frame_block, "codeCadreFacturation")
    if cadre not in C.CADRES_SHORT and not sim.production:
        raise ApiError(C.CODE_SUBMIT_REFUSED, works.message("FRAME_UNKNOWN", cadre=cadre))
    refs = _block(body, "references", required=not sim.production)
    type_facture = (
        _enum(sim, refs.get("typeFacture"), tuple(TYPE_CODES), "references.typeFacture") or "FACTURE"
    )
    _enum(sim, refs.get("typeTva"), TYPES_TVA, "references.typeTva")
    payment = _enum(sim, refs.get("modePaiement"), MODES_PAIEMENT, "references.modePaiement")
    totals = _block(body, "montantTotal")
    lines, vat = _lines(sim, body, mode)
    pdf_bytes, file_name = _main_pdf(sim, account, body, mode, number)
    seller = sim.get_structure(supplier_id)
    fields = {
        "BT-1": number,
        "BT-2": date[:10],
        "BT-3": TYPE_CODES.get(type_facture, "380"),
        "BT-5": refs.get("deviseFacture") or "EUR",
        "BT-10": service_code,
        "BT-12": refs.get("numeroMarche") or None,
        "BT-13": refs.get("numeroBonCommande") or None,
        "BT-23": cadre,
        "BT-25": refs.get("numeroFactureOrigine") or None,
        "BT-30": seller["identifiantStructure"] if seller else None,
        "BT-47": buyer_siret,
        # The Factur-X payment means rule (BT-81) has no JSON equivalent here.
        "BT-81": "soumettre",
        "BT-109": _amount(sim, totals, "montantHtTotal", required=True),
        "BT-110": _amount(sim, totals, "montantTVA"),
        "BT-112": _amount(sim, totals, "montantTtcTotal", required=True),
        "BT-115": _amount(sim, totals, "montantAPayer"),
        "BT-120": refs.get("motifExonerationTva") or None,
        "lines": lines,
        "vat": vat,
    }
    if fields["BT-115"] is None:
        fields["BT-115"] = fields["BT-112"]
    extra = {"modePaiement": payment or "AUTRE", "commentaire": body.get("commentaire")}
    if cadre in C.WORKS_FRAMES:
        validator = {
            key: util.get_str(frame_block, key, required=False)
            for key in ("codeStructureValideur", "codeServiceValideur")
        }
        errors, invoice = sim.submit_works_document(
            account, fields, mode, pdf_bytes, file_name, validator, extra
        )
    else:
        errors, invoice = sim.submit_invoice(account, fields, mode, pdf_bytes, file_name, extra)
    if errors:
        raise ApiError(C.CODE_SUBMIT_REFUSED, " | ".join(errors))
    fingerprint = hashlib.sha256(f"{invoice['identifiantFactureCPP']}:{number}".encode()).hexdigest()
    return ok(
        identifiantFactureCPP=invoice["identifiantFactureCPP"],
        numeroFacture=number,
        statutFacture=invoice["statut"],
        dateDepot=invoice["dateDepot"],
        identifiantStructure=invoice["codeFournisseur"],
        empreinteCertificatDepot=fingerprint,
    )


# ------------------------------------------------------------------------------------
# Factures: search and consult
# ------------------------------------------------------------------------------------
# The user-action and event histories the simulator never fills: empty, 10 a page.
EMPTY_HISTORY = {"nbResultatsParPage": 10, "pageCourante": 1, "pages": 0, "total": 0}
INVOICE_SORT = {
    "IdentifiantFactureCPP": lambda i: i["identifiantFactureCPP"],
    "NumeroFacture": lambda i: i["numeroFacture"],
    "DateDepot": lambda i: (i["dateHeureDepot"], i["identifiantFactureCPP"]),
    "DateFacture": lambda i: (i["dateFacture"] or "", i["identifiantFactureCPP"]),
    "DateHeureEtatCourant": lambda i: (i["dateHeureEtatCourant"], i["identifiantFactureCPP"]),
    "Statut": lambda i: (i["statut"], i["identifiantFactureCPP"]),
    "MontantHT": lambda i: (i["montantHT"] or 0, i["identifiantFactureCPP"]),
    "MontantTTC": lambda i: (i["montantTTC"] or 0, i["identifiantFactureCPP"]),
    "CodeDestinataire": lambda i: (i["codeDestinataire"], i["identifiantFactureCPP"]),
}


def _own_invoice(sim, account, invoice_id):
    invoice = sim.get_invoice(invoice_id)
    if invoice is None or invoice["idFournisseur"] not in account["structures"]:
        raise ApiError(
            C.CODE_UNKNOWN_INVOICE,
            f"La facture {invoice_id} est inconnue ou n'est pas accessible a cet utilisateur.",
        )
    return invoice


def _list_item(inv):
    return clean(
        {
            "identifiantFactureCPP": inv["identifiantFactureCPP"],
            "numeroFacture": inv["numeroFacture"],
            "statut": inv["statut"],
            "numeroFluxDepot": inv["numeroFluxDepot"],
            "dateDepot": inv["dateDepot"],
            "dateFacture": inv["dateFacture"],
            "dateHeureEtatCourant": inv["dateHeureEtatCourant"],
            "commentaireEtatCourant": inv["commentaireEtatCourant"],
            "idDestinataire": inv["idDestinataire"],
            "codeDestinataire": inv["codeDestinataire"],
            "designationDestinataire": inv["designationDestinataire"],
            "idServiceExecutant": inv["idServiceExecutant"],
            "codeServiceExecutant": inv["codeServiceExecutant"],
            "nomServiceExecutant": inv["nomServiceExecutant"],
            "idFournisseur": inv["idFournisseur"],
            "codeFournisseur": inv["codeFournisseur"],
            "designationFournisseur": inv["designationFournisseur"],
            "typeIdentifiantFournisseur": "SIRET",
            "numeroBonCommande": inv["numeroBonCommande"],
            "numeroMarche": inv["numeroMarche"],
            "numeroFactureOrigine": inv["numeroFactureOrigine"],
            "typeFacture": inv["typeFacture"],
            "typeDemandePaiement": C.WORKS_PAYMENT_REQUEST if inv.get("travaux") else "FACTURE",
            "typeFactureTravaux": (inv.get("travaux") or {}).get("typeFactureTravaux"),
            "cadreFacturation": inv["cadreFacturation"],
            "modeDepot": inv.get("modeDepot", "FLUX"),
            "devise": inv["devise"],
            "montantHT": inv["montantHT"],
            "montantTTC": inv["montantTTC"],
            "montantAPayer": inv["montantAPayer"],
            "rejetTraite": bool(inv.get("rejetTraite")),
            "taille": inv["taille"],
        }
    )


def rechercher_fournisseur(sim, account, body):  # noqa: C901
    invoices = sim.invoices_of(account)
    exact = {
        "numeroFluxDepot": "numeroFluxDepot",
        "numeroFacture": "numeroFacture",
        "numeroBonCommande": "numeroBonCommande",
        "numeroMarche": "numeroMarche",
        "numeroFactureOrigine": "numeroFactureOrigine",
        "typeFacture": "typeFacture",
        "cadreFacturation": "cadreFacturation",
    }
    for param, field in exact.items():
        value = body.get(param)
        if not util.is_empty(value):
            if not isinstance(value, str):
                raise ApiError(
                    C.CODE_MISSING_FIELD, f"Le parametre {param} doit etre une chaine de caracteres."
                )
            invoices = [i for i in invoices if i[field] == value]
    for param in ("idFournisseur", "idServiceFournisseur"):
        value = body.get(param)
        if not util.is_empty(value):
            value = util.get_int(body, param)
            if param == "idFournisseur":
                invoices = [i for i in invoices if i["idFournisseur"] == value]
    statuses = body.get("statutCourant")
    if not util.is_empty(statuses):
        if isinstance(statuses, str):
            statuses = [statuses]
        # Any status code of the platform filters (A_VALIDER_1 ...); production also
        # takes codes the simulator does not know (they match nothing).
        known = C.INVOICE_STATUSES + C.OTHER_INVOICE_STATUSES
        if not isinstance(statuses, list) or any(
            not isinstance(s, str) or (s not in known and not sim.production) for s in statuses
        ):
            raise ApiError(
                C.CODE_MISSING_FIELD,
                "Le parametre statutCourant doit etre une liste de statuts de facture valides.",
            )
        invoices = [i for i in invoices if i["statut"] in statuses]
    recipients = body.get("listeDestinataire")
    if not util.is_empty(recipients):
        if not isinstance(recipients, list):
            raise ApiError(C.CODE_MISSING_FIELD, "Le parametre listeDestinataire doit etre une liste.")
        ids = {
            r.get("idDestinataire")
            for r in recipients
            if isinstance(r, dict) and not util.is_empty(r.get("idDestinataire"))
        }
        if ids:
            invoices = [i for i in invoices if i["idDestinataire"] in ids]
    periods = (
        ("periodeDateHeureEtatCourant", "dateHeureEtatCourant"),
        ("periodeDateDepot", "dateHeureDepot"),
        ("periodeDateFacture", "dateFacture"),
    )
    for prefix, field in periods:
        start = body.get(prefix + "Du")
        end = body.get(prefix + "Au")
        if not util.is_empty(start):
            low = util.parse_filter_date(start, prefix + "Du")
            invoices = [i for i in invoices if i[field] and _as_dt(i[field]) >= low]
        if not util.is_empty(end):
            high = util.parse_filter_date(end, prefix + "Au", end=True)
            invoices = [i for i in invoices if i[field] and _as_dt(i[field]) <= high]
    for param, field, cmp in (
        ("montantHTMin", "montantHT", 1),
        ("montantHTMax", "montantHT", -1),
        ("montantTTCMin", "montantTTC", 1),
        ("montantTTCMax", "montantTTC", -1),
    ):
        value = body.get(param)
        if not util.is_empty(value):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ApiError(C.CODE_MISSING_FIELD, f"Le parametre {param} doit etre un nombre.")
            invoices = [i for i in invoices if i[field] is not None and (i[field] - value) * cmp >= 0]
    page, params = search_page(
        sim, invoices, body, "rechercheFactureParFournisseur", INVOICE_SORT, "IdentifiantFactureCPP"
    )
    return ok(listeFactures=[_list_item(i) for i in page], parametresRetour=params)


def _as_dt(value):
    if len(value) == 10:
        return util.parse_filter_date(value, "date")
    return util.parse_iso(value)


def _address(struct, prefix):
    address = struct.get("adresse", {}) if struct else {}
    return clean(
        {
            f"{prefix}Detail": address.get("adresse"),
            f"{prefix}Complement1": address.get("complementAdresse1"),
            f"{prefix}Complement2": address.get("complementAdresse2"),
            f"{prefix}CodePostal": address.get("codePostal"),
            f"{prefix}Ville": address.get("ville"),
            f"{prefix}CodePays": address.get("pays"),
        }
    )


def _cadre(inv):
    """``cadreDeFacturation`` of a consultation: the frame, and for a works document its
    MOE (validator 1) and MOA (validator 2) with their validation dates (go-choruspro
    ``CadreDeFacturation``)."""
    cadre = {"codeCadreFacturation": inv["cadreFacturation"]}
    works_ = inv.get("travaux")
    if not works_:
        return cadre
    for role, actor in (("Moe", works_["moe"]), ("Moa", works_["moa"])):
        cadre.update(
            {
                f"id{role}": actor["id"],
                f"identifiant{role}": actor["identifiant"],
                f"typeIdentifiant{role}": actor["typeIdentifiant"],
                f"raisonSociale{role}": actor["raisonSociale"],
                f"idService{role}": actor["idService"],
                f"codeService{role}": actor["codeService"],
                f"nomService{role}": actor["nomService"],
            }
        )
    for number, (key, actor) in enumerate(
        (("validationMoe", works_["moe"]), ("validationMoa", works_["moa"])), start=1
    ):
        cadre.update(
            {
                f"idValideur{number}": actor["id"],
                f"codeValideur{number}": actor["identifiant"],
                f"typeIdentifiantValideur{number}": actor["typeIdentifiant"],
                f"raisonSocialeValideur{number}": actor["raisonSociale"],
            }
        )
        if works_[key]:
            cadre[f"dateValidation{number}"] = util.day(works_[key]["date"])
    return clean(cadre)


def _works_follow_up(inv):
    """``suiviTravaux`` (a simulator block, see docs/simulator.md): the MOE's 7 days from
    Chorus Pro's timestamp, the amounts each validator validated, the refusal."""
    works_ = inv.get("travaux")
    if not works_:
        return None
    start = works_["miseADispositionMoe"]
    follow_up = {}
    if start:  # never for a document that goes straight to the MOA (works.MOA_DIRECT_PATHS)
        deadline = util.iso(util.parse_iso(start) + datetime.timedelta(days=C.WORKS_MOE_DEADLINE_DAYS))
        follow_up = {
            "dateHeureMiseADispositionMoe": start,
            "dateHeureLimiteTraitementMoe": deadline,
        }
    for key, suffix in (("validationMoe", "Moe"), ("validationMoa", "Moa")):
        validated = works_[key]
        if validated:
            follow_up.update(
                {
                    f"dateHeureValidation{suffix}": validated["date"],
                    f"montantHtValide{suffix}": validated["montantHT"],
                    f"montantTtcValide{suffix}": validated["montantTTC"],
                    f"montantsCorriges{suffix}": validated["corrige"],
                    f"commentaireValidation{suffix}": validated["commentaire"],
                }
            )
    refusal = works_["refus"]
    if refusal:
        follow_up.update(
            {
                "refusPar": refusal["par"],
                "motifRefus": refusal["motif"],
                "commentaireRefus": refusal["commentaire"],
                "dateHeureRefus": refusal["date"],
            }
        )
    return clean(follow_up)


def _facture(sim, inv):
    with sim.transaction():
        buyer = sim.get_structure(inv["idDestinataire"])
        seller = sim.get_structure(inv["idFournisseur"])
        attachments = list(filter(None, map(sim.get_attachment, inv["piecesJointes"])))
    lines = [
        clean(
            {
                "lignePosteNumero": number,
                "lignePosteReference": line.get("reference"),
                "lignePosteDenomination": line.get("denomination"),
                "lignePosteQuantite": line.get("quantite"),
                "lignePosteUniteLibelle": line.get("unite"),
                "lignePosteMontantUnitaireHT": line.get("prixUnitaireHT"),
                "lignePosteTauxTvaManuel": line.get("tauxTva"),
                "lignePosteMontantHtApresRemise": line.get("montantHT"),
            }
        )
        for number, line in enumerate(inv["lignes"], start=1)
    ]
    vat = [
        clean(
            {
                "ligneTvaTauxManuel": line.get("taux"),
                "ligneTvaMontantBaseHtParTaux": line.get("base"),
                "ligneTvaMontantTvaParTaux": line.get("montant"),
                "ligneTvaTauxRefCode": line.get("categorie"),
            }
        )
        for line in inv["tva"]
    ]
    pieces = [
        {
            "pieceJointeId": a["pieceJointeId"],
            "pieceJointeDesignation": a["nom"],
            "pieceJointeExtension": a["extension"],
            "pieceJointeTypeCode": "PIECE_JOINTE_COMPLEMENTAIRE",
        }
        for a in attachments
    ]
    destinataire = {
        "codeDestinataire": inv["codeDestinataire"],
        "idDestinataire": inv["idDestinataire"],
        "libelleDestinataire": inv["designationDestinataire"],
        "codeServiceExecutant": inv["codeServiceExecutant"],
        "idServiceExecutant": inv["idServiceExecutant"],
        "libelleServiceExecutant": inv["nomServiceExecutant"],
        "destinataireEtat": "OUI" if buyer and buyer.get("estEtat") else "NON",
    }
    destinataire.update(_address(buyer, "adresseDestinataire"))
    fournisseur = {
        "codeFournisseur": inv["codeFournisseur"],
        "idFournisseur": inv["idFournisseur"],
        "typeIdentifiantFournisseur": "SIRET",
        "designationFournisseur": inv["designationFournisseur"],
        "coordBancairesFournisseurType": "IBAN" if inv["iban"] else None,
        "coordBancairesFournisseurCompteBancaire": inv["iban"],
    }
    fournisseur.update(_address(seller, "adresseFournisseur"))
    return clean(
        {
            "identifiantFactureCPP": inv["identifiantFactureCPP"],
            "numeroFacture": inv["numeroFacture"],
            "statutFacture": inv["statut"],
            "modeDepot": inv.get("modeDepot", "FLUX"),
            "commentaire": inv["commentaire"],
            "cadreDeFacturation": _cadre(inv),
            "suiviTravaux": _works_follow_up(inv),
            "destinataire": clean(destinataire),
            "fournisseur": clean(fournisseur),
            "references": clean(
                {
                    "codeDeviseFacture": inv["devise"],
                    "dateFacture": inv["dateFacture"],
                    "dateDepot": inv["dateDepot"],
                    "dateCreationFacture": util.minute(inv["dateHeureDepot"]),
                    "dateEcheancePaiement": inv["dateEcheancePaiement"],
                    "typeFacture": inv["typeFacture"],
                    "typeFactureTravaux": (inv.get("travaux") or {}).get("typeFactureTravaux"),
                    "typeTva": "EXONERATION"
                    if inv["motifExonerationTva"] or inv["libelleMotifExonerationTva"]
                    else "TVA_SUR_DEBIT",
                    "motifExonerationTva": inv["motifExonerationTva"],
                    "libelleMotifExonerationTva": inv["libelleMotifExonerationTva"],
                    "numeroBonCommande": inv["numeroBonCommande"],
                    "numeroMarche": inv["numeroMarche"],
                    "numeroFactureOrigine": inv["numeroFactureOrigine"],
                    "modePaiement": inv["modePaiement"],
                }
            ),
            "montantTotal": clean(
                {
                    "montantHtTotal": inv["montantHT"],
                    "montantTVA": inv["montantTVA"],
                    "montantTtcTotal": inv["montantTTC"],
                    "montantAPayer": inv["montantAPayer"],
                }
            ),
            "lignesDePoste": list_block("lignePoste", lines, "LignesPoste"),
            "recapitulatifDeTva": list_block("ligneTva", vat, "LignesRecapitulativesTVA"),
            "listeDesPiecesJointes": list_block("pieceJointe", pieces, "ListePiecesJointe"),
            "pieceJointePrincipale": {
                "idPieceJointePrincipale": inv["identifiantFactureCPP"],
                "designationPieceJointePrincipale": inv["nomFichier"],
            },
        }
    )


def consulter_fournisseur(sim, account, body):
    invoice_id = util.get_int(body, "identifiantFactureCPP")
    language = body.get("codeLangue")
    if not util.is_empty(language) and language not in ("FR", "EN", "fr", "en"):
        raise ApiError(C.CODE_MISSING_FIELD, "Le parametre codeLangue doit valoir FR ou EN.")
    invoice = _own_invoice(sim, account, invoice_id)
    return ok(facture=_facture(sim, invoice))


def consulter_historique(sim, account, body):
    invoice_id = util.get_int(body, "idFacture")
    _own_invoice(sim, account, invoice_id)
    sim.on_invoice_poll(invoice_id)
    invoice = sim.get_invoice(invoice_id)
    block = body.get("paramRechercheHistoStatuts") or {}
    if not isinstance(block, dict):
        raise ApiError(C.CODE_BAD_PAGINATION, "Le bloc paramRechercheHistoStatuts doit etre un objet.")
    page, params = util.paginate(
        invoice["historique"],
        {
            "nbResultatsParPage": block.get("nbResultatsParPageListeHistoStatut") or 100,
            "pageResultatDemandee": block.get("pageResultatDemandeeListeHistoStatut"),
            "triColonne": block.get("triColonneListeHistoStatut"),
            "triSens": block.get("triSensListeHistoStatut"),
        },
        max(sim.max_page_size, 100),
        {
            "DatePassage": lambda h: h["histoStatutId"],
            "HistoStatutId": lambda h: h["histoStatutId"],
            "Code": lambda h: (h["histoStatutCode"], h["histoStatutId"]),
        },
        default_sort=lambda h: h["histoStatutId"],
        block_name="paramRechercheHistoStatuts",
    )
    last = invoice["historique"][-1]
    return ok(
        idFacture=invoice["identifiantFactureCPP"],
        numeroFacture=invoice["numeroFacture"],
        statutCourantCode=invoice["statut"],
        modeDepot=invoice.get("modeDepot", "FLUX"),
        derniereAction={
            "derniereActionCode": f"STATUT_{last['histoStatutCode']}",
            "derniereActionId": last["histoStatutId"],
        },
        historiquesDesStatuts=list_block(
            "histoStatut",
            [
                {
                    "histoStatutId": h["histoStatutId"],
                    "histoStatutCode": h["histoStatutCode"],
                    "histoStatutDatePassage": util.minute(h["histoStatutDatePassage"]),
                    "histoStatutCommentaire": h["histoStatutCommentaire"],
                    "histoStatutUtilisateurNom": "",
                    "histoStatutUtilisateurPrenom": "",
                    "histoStatutUtilisateurEmail": "",
                    "histoStatutUtilisateurTelephone": "",
                }
                for h in page
            ],
            "HistoStatut",
            params,
        ),
        historiquesDesActionsUtilisateurs=list_block("histoAction", [], "HistoAction", EMPTY_HISTORY),
        historiquesDesEvenementsComplementaires=list_block("evenement", [], "Evenement", EMPTY_HISTORY),
    )


# ------------------------------------------------------------------------------------
# Factures: supplier actions
# ------------------------------------------------------------------------------------
def completer(sim, account, body):
    invoice_id = util.get_int(body, "identifiantFactureCPP")
    invoice = _own_invoice(sim, account, invoice_id)
    comment = body.get("commentaire")
    if comment is not None and not isinstance(comment, str):
        raise ApiError(C.CODE_MISSING_FIELD, "Le parametre commentaire doit etre une chaine de caracteres.")
    pieces = body.get("pieceJointeComplementaire") or []
    if not isinstance(pieces, list):
        raise ApiError(C.CODE_MISSING_FIELD, "Le parametre pieceJointeComplementaire doit etre une liste.")
    attachment_ids = []
    with sim.transaction():
        for piece in pieces:
            piece_id = piece.get("pieceJointeComplementaireId") if isinstance(piece, dict) else None
            _own_attachment(sim, account, piece_id, "le fichier avec ajouter/fichier")
            attachment_ids.append(piece_id)
        if not comment and not attachment_ids:
            raise ApiError(
                C.CODE_MISSING_FIELD,
                "Un commentaire ou au moins une piece "
                "jointe complementaire est obligatoire pour completer une "
                "facture.",
            )
        live = sim.get_invoice(invoice_id)
        if live["statut"] != C.INV_SUSPENDUE:
            raise ApiError(
                C.CODE_BAD_INVOICE_STATUS,
                f"La facture {invoice['numeroFacture']}"
                f" est au statut {live['statut']} : seule une facture au "
                "statut SUSPENDUE peut etre completee.",
            )
        live = sim.complete_invoice(invoice_id, comment, attachment_ids)
        return ok(
            identifiantFactureCPP=invoice_id,
            numeroFacture=live["numeroFacture"],
            dateTraitement=util.minute(live["dateHeureEtatCourant"]),
        )


def recycler(sim, account, body):
    invoice_id = util.get_int(body, "identifiantFactureCPP")
    invoice = _own_invoice(sim, account, invoice_id)
    destinataire = body.get("destinataire")
    if not isinstance(destinataire, dict):
        raise ApiError(
            C.CODE_MISSING_FIELD,
            "Le parametre destinataire {codeDestinataire, codeServiceExecutant} est obligatoire.",
        )
    buyer_siret = util.get_str(destinataire, "codeDestinataire")
    service_code = util.get_str(destinataire, "codeServiceExecutant", required=False)
    references = body.get("reference") or body.get("references") or {}
    if not isinstance(references, dict):
        raise ApiError(C.CODE_MISSING_FIELD, "Le parametre reference doit etre un objet.")
    comment = body.get("commentaire")
    with sim.transaction():
        live = sim.get_invoice(invoice_id)
        if live["statut"] != C.INV_A_RECYCLER:
            raise ApiError(
                C.CODE_BAD_INVOICE_STATUS,
                f"La facture "
                f"{invoice['numeroFacture']} est au statut {live['statut']} : "
                "seule une facture au statut A_RECYCLER peut etre recyclee.",
            )
        ej = references.get("numeroBonCommande") or live["numeroBonCommande"]
        errors, buyer, service = sim.routing_checks(buyer_siret, service_code, ej, util.now().date())
        if errors:
            raise ApiError(C.CODE_BAD_ROUTING, " ".join(errors))
        live = sim.recycle_invoice(invoice_id, buyer, service, comment, references)
        return ok(
            identifiantFactureCPP=invoice_id,
            numeroFacture=live["numeroFacture"],
            statutFacture=live["statut"],
            dateDepot=util.minute(live["dateHeureEtatCourant"]),
        )


def telecharger_groupe(sim, account, body):
    items = body.get("listeFacture")
    if not isinstance(items, list) or not items:
        raise ApiError(C.CODE_MISSING_FIELD, "Le parametre listeFacture [{idFacture}] est obligatoire.")
    fmt = body.get("format") or "PDF"
    if fmt not in ("PDF", "PIVOT", "XML", "ZIP"):
        raise ApiError(
            C.CODE_MISSING_FIELD, f"Le format {fmt!r} n'est pas pris en charge (PDF, PIVOT, XML ou ZIP)."
        )
    with_pieces = bool(body.get("avecPiecesJointesComplementaires"))
    files = []
    for item in items:
        if not isinstance(item, dict):
            raise ApiError(
                C.CODE_MISSING_FIELD, "Chaque element de listeFacture doit etre un objet {idFacture}."
            )
        invoice_id = util.get_int(item, "idFacture")
        invoice = _own_invoice(sim, account, invoice_id)
        base = invoice["numeroFacture"].replace("/", "_")
        with sim.transaction():
            xml = sim.invoice_xml(invoice_id)
            if fmt in ("PIVOT", "XML") and xml is not None:
                files.append((f"{base}.xml", xml))
            else:
                files.append((invoice["nomFichier"] or f"{base}.pdf", sim.invoice_pdf(invoice_id)))
            if with_pieces:
                for attachment_id in invoice["piecesJointes"]:
                    att = sim.get_attachment(attachment_id)
                    files.append((f"{base}_PJ_{att['nom']}", sim.attachment_content(attachment_id)))
    if len(files) == 1 and fmt != "ZIP":
        name, data = files[0]
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            seen = set()
            for file_name, data in files:
                unique = file_name
                counter = 1
                while unique in seen:
                    counter += 1
                    unique = f"{counter}_{file_name}"
                seen.add(unique)
                archive.writestr(unique, data)
        name, data = "factures.zip", buffer.getvalue()
    if len(data) > 120 * C.MEGABYTE:
        raise ApiError(
            C.CODE_RESULT_TOO_LARGE,
            "Le resultat depasse la taille maximale d'un dossier de facturation (120 Mo).",
            413,
        )
    return ok(fichierResultat=util.b64(data), nomFichierResultat=name)


# ------------------------------------------------------------------------------------
# Factures: works documents and rejections (corriger/valideur/facture, traiterRejet)
# ------------------------------------------------------------------------------------
def corriger_valideur(sim, account, body):
    """Correct the validator of a works document refused for a wrong validator
    (``ERREUR_FOURNISSEUR_SUR_MOE``): it goes to the new MOE.  Body (go-choruspro
    ``CorrigerValideurFactureOptions``): ``idFacture``, the new validator by
    ``identifiantStructure`` (+ ``typeIdentifiantStructure``, SIRET) and/or its
    ``idStructure``; ``codeServiceValideur`` (a simulator extension, optional)."""
    invoice_id = util.get_int(body, "idFacture")
    invoice = _own_invoice(sim, account, invoice_id)
    siret = util.get_str(body, "identifiantStructure", required=False)
    id_structure = body.get("idStructure")
    if util.is_empty(siret) and util.is_empty(id_structure):
        raise missing("identifiantStructure", "ou idStructure est obligatoire")
    kind = body.get("typeIdentifiantStructure")
    if not util.is_empty(kind) and kind != "SIRET" and not sim.production:
        raise missing("typeIdentifiantStructure", "doit valoir SIRET")
    if util.is_empty(siret):
        struct = sim.get_structure(util.get_int(body, "idStructure"))
        if struct is None:
            raise ApiError(C.CODE_UNKNOWN_STRUCTURE, f"La structure {id_structure} est inconnue.")
        siret = struct["identifiantStructure"]
    if invoice["statut"] not in C.WORKS_WRONG_VALIDATOR_STATUSES:
        raise ApiError(
            C.CODE_BAD_INVOICE_STATUS,
            f"La facture {invoice_id} n'est pas au statut {' ou '.join(C.WORKS_WRONG_VALIDATOR_STATUSES)} "
            f"(statut courant : {invoice['statut']}) : son valideur ne peut pas etre corrige.",
        )
    service_code = util.get_str(body, "codeServiceValideur", required=False)
    errors, validator, _service = sim.works_validator_checks(
        siret, service_code, invoice["cadreFacturation"], invoice["idFournisseur"]
    )
    if not errors and not util.is_empty(id_structure):
        if util.get_int(body, "idStructure") != validator["idStructureCPP"]:
            errors.append(f"La structure {id_structure} ne correspond pas a l'identifiant {siret}.")
    if not errors and validator["identifiantStructure"] == invoice["travaux"]["moe"]["identifiant"]:
        errors.append(f"La structure valideur {siret} est deja le valideur de la facture {invoice_id}.")
    if errors:
        raise ApiError(C.CODE_SUBMIT_REFUSED, " | ".join(errors))
    sim.correct_works_validator(invoice_id, validator, service_code)
    return ok(idFacture=invoice_id)


def traiter_rejet(sim, account, body):
    """Record that the supplier handled the rejection of invoices or works documents
    (go-choruspro ``TraiterRejetOptions``: ``listeDemandePaiement[].idDemandePaiement``,
    ``motifRejet``, ``cpltInfos``)."""
    items = body.get("listeDemandePaiement")
    if not isinstance(items, list) or not items:
        raise missing("listeDemandePaiement", "est obligatoire (liste non vide)")
    ids = []
    for item in items:
        if not isinstance(item, dict):
            raise missing("listeDemandePaiement", "doit etre une liste d'objets")
        invoice_id = util.get_int(item, "idDemandePaiement")
        invoice = _own_invoice(sim, account, invoice_id)
        if invoice["statut"] not in C.REJECTED_STATUSES:
            raise ApiError(
                C.CODE_BAD_INVOICE_STATUS,
                f"La demande de paiement {invoice_id} n'est pas rejetee ou refusee "
                f"(statut courant : {invoice['statut']}).",
            )
        ids.append(invoice_id)
    sim.mark_rejection_handled(account, ids, body.get("motifRejet"), body.get("cpltInfos"))
    return ok()
