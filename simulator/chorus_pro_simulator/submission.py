"""Invoices submitted as JSON (``deposer/pdf`` + ``soumettre``) and the Transverses
referentials production clients call (``recuperer/devises``, ``recuperer/tauxtva``,
``consulter/information/siret``).  Same handler signature as ``api.py``.

Request bodies follow Pastell ``CPP.php`` (``deposerPDF``, ``soumettreFacture``) and
reference §5.7; ``soumettre`` applies the deposit rules of ``Simulator._invoice_checks``.
"""

import datetime
import hashlib

from . import constants as C
from . import report_pdf, util
from .api import ok
from .errors import ApiError

PDF_FORMATS = ("PDF_NON_SIGNE", "PDF_SIGNE")
PDF_MODES = ("DEPOT_PDF_API", "DEPOT_PDF_SIGNE_API")
MODES = PDF_MODES + ("SAISIE_API",)
TYPE_CODES = {"FACTURE": "380", "AVOIR": "381", "ACOMPTE": "386"}
TYPES_TVA = ("TVA_SUR_DEBIT", "TVA_SUR_ENCAISSEMENT", "EXONERATION", "SANS_TVA")
MODES_PAIEMENT = ("CHEQUE", "PRELEVEMENT", "VIREMENT", "ESPECE", "AUTRE", "REPORT")

DEVISES = (("EUR", "Euro"), ("USD", "Dollar des Etats-Unis"), ("GBP", "Livre sterling"),
           ("CHF", "Franc suisse"), ("XPF", "Franc CFP"), ("JPY", "Yen"))
TAUX_TVA = (("TVA1", "Taux normal 20 %", 20.0), ("TVA2", "Taux intermediaire 10 %", 10.0),
            ("TVA3", "Taux reduit 5,5 %", 5.5), ("TVA4", "Taux particulier 2,1 %", 2.1),
            ("TVA5", "Taux 0 %", 0.0), ("TVA6", "Taux Corse 13 %", 13.0),
            ("TVA7", "Taux DOM 8,5 %", 8.5))


def _missing(field, what="est obligatoire"):
    return ApiError(C.CODE_MISSING_FIELD, f"Le parametre {field} {what}.")


def _block(body, field, required=True):
    value = body.get(field)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise _missing(field, "est obligatoire et doit etre un objet")
    return value


def _amount(sim, block, field, required=False):
    value = block.get(field)
    if value is None or value == "":
        if required:
            raise _missing(f"montantTotal.{field}")
        return None
    if sim.production and isinstance(value, str):  # "120.00" from production clients
        try:
            value = float(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _missing(f"montantTotal.{field}", "doit etre un nombre")
    return float(value)


def _enum(sim, value, allowed, field):
    """Strict: an enumerated value must be known; production takes any string."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or (value not in allowed and not sim.production):
        raise _missing(field, f"doit valoir {' | '.join(allowed)}")
    return value


# ------------------------------------------------------------------------------------
# deposer/pdf
# ------------------------------------------------------------------------------------
def deposer_pdf(sim, account, body):
    """Upload the main PDF of a ``soumettre`` invoice; answers its ``pieceJointeId``."""
    name = util.get_str(body, "nomFichier")
    fmt = body.get("formatDepot")
    if fmt in (None, "") and sim.production:
        fmt = "PDF_NON_SIGNE"
    if fmt not in PDF_FORMATS:
        raise _missing("formatDepot", f"doit valoir {' | '.join(PDF_FORMATS)}")
    if not name.lower().endswith(".pdf") or "/" in name or "\\" in name:
        raise ApiError(C.CODE_BAD_FILE_EXTENSION, f"Le fichier {name} doit etre un "
                       "fichier .pdf.")
    if body.get("fichierFacture") in (None, ""):
        raise ApiError(C.CODE_EMPTY_FILE, "Le parametre fichierFacture est obligatoire "
                       "et ne doit pas etre vide.")
    content = util.b64decode_strict(body.get("fichierFacture"), "fichierFacture")
    if not content:
        raise ApiError(C.CODE_EMPTY_FILE, "Le fichier depose est vide.")
    if not content.startswith(b"%PDF"):
        raise ApiError(C.CODE_BAD_FILE_EXTENSION, f"Le fichier {name} n'est pas un "
                       "fichier PDF lisible.")
    if len(content) > sim.max_file_size:
        raise ApiError(C.CODE_FILE_TOO_LARGE, "GDP_MSG_11.022 : La taille du fichier "
                       "depose depasse la taille maximale autorisee (10 Mo).")
    piece_id = sim.add_attachment(account, name, "application/pdf", "PDF", content)
    return ok(pieceJointeId=piece_id, nomFichier=name, formatDepot=fmt)


# ------------------------------------------------------------------------------------
# soumettre
# ------------------------------------------------------------------------------------
def _main_pdf(sim, account, body, mode, number):
    """The main PDF (PDF modes: a ``deposer/pdf`` or ``ajouter/fichier`` upload)."""
    if mode not in PDF_MODES:
        lines = [f"Facture {number} saisie par l'API soumettre (SAISIE_API)."]
        return report_pdf.build_pdf("Chorus Pro - Facture saisie", lines), \
            f"{number}.pdf"
    pieces = body.get("pieceJointePrincipale")
    if isinstance(pieces, dict):
        pieces = [pieces]
    if not isinstance(pieces, list) or not pieces or not isinstance(pieces[0], dict):
        raise _missing("pieceJointePrincipale", f"est obligatoire en mode {mode}")
    piece_id = util.get_int(pieces[0], "pieceJointePrincipaleId")
    with sim._lock:
        attachment = sim.t["attachment"].get(piece_id)
        if attachment is None or attachment["login"] != account["login"]:
            raise ApiError(C.CODE_UNKNOWN_ATTACHMENT, f"La piece jointe {piece_id} est "
                           "inconnue (deposer d'abord le PDF avec deposer/pdf).")
        return sim.blobs[f"attachment:{piece_id}"], attachment["nom"]


def _lines(sim, body, mode):
    lines = body.get("lignePoste") or []
    if not isinstance(lines, list) or (mode == "SAISIE_API" and not lines):
        raise _missing("lignePoste", "est obligatoire en mode SAISIE_API (liste)")
    result = []
    for line in lines:
        if not isinstance(line, dict):
            raise _missing("lignePoste", "doit etre une liste d'objets")
        quantity = line.get("lignePosteQuantite")
        price = line.get("lignePosteMontantUnitaireHT")
        amount = None
        if isinstance(quantity, (int, float)) and isinstance(price, (int, float)):
            amount = round(quantity * price - (line.get("lignePosteMontantRemiseHT")
                                               or 0), 2)
        result.append({"reference": line.get("lignePosteReference"),
                       "denomination": line.get("lignePosteDenomination"),
                       "quantite": quantity, "unite": line.get("lignePosteUnite"),
                       "prixUnitaireHT": price,
                       "tauxTva": line.get("lignePosteTauxTvaManuel"),
                       "montantHT": amount})
    vat = []
    for line in body.get("ligneTva") or []:
        if isinstance(line, dict):
            vat.append({"taux": line.get("ligneTvaTauxManuel"),
                        "base": line.get("ligneTvaMontantBaseHtParTaux"),
                        "montant": line.get("ligneTvaMontantTvaParTaux"),
                        "categorie": line.get("ligneTvaTaux")})
    return result, vat


def soumettre(sim, account, body):
    """Submit an invoice as JSON; created at once (``DEPOSEE``) or refused (20022)."""
    number = util.get_str(body, "numeroFactureSaisi")
    date = util.get_str(body, "dateFacture")
    try:
        datetime.date.fromisoformat(date[:10])
    except ValueError:
        raise ApiError(C.CODE_BAD_DATE, f"Le parametre dateFacture ({date}) n'est pas "
                       "une date valide (AAAA-MM-JJ).") from None
    mode = body.get("modeDepot")
    if mode not in MODES:
        raise _missing("modeDepot", f"doit valoir {' | '.join(MODES)}")
    recipient = _block(body, "destinataire")
    buyer_siret = util.get_str(recipient, "codeDestinataire")
    service_code = util.get_str(recipient, "codeServiceExecutant", required=False)
    supplier = _block(body, "fournisseur")
    supplier_id = util.get_int(supplier, "idFournisseur")
    cadre = util.get_str(_block(body, "cadreDeFacturation"), "codeCadreFacturation")
    refs = _block(body, "references", required=not sim.production)
    type_facture = _enum(sim, refs.get("typeFacture"), tuple(TYPE_CODES),
                         "references.typeFacture") or "FACTURE"
    _enum(sim, refs.get("typeTva"), TYPES_TVA, "references.typeTva")
    payment = _enum(sim, refs.get("modePaiement"), MODES_PAIEMENT,
                    "references.modePaiement")
    totals = _block(body, "montantTotal")
    lines, vat = _lines(sim, body, mode)
    pdf_bytes, file_name = _main_pdf(sim, account, body, mode, number)
    with sim._lock:
        seller = sim.t["structure"].get(supplier_id)
    fields = {
        "BT-1": number, "BT-2": date[:10], "BT-3": TYPE_CODES.get(type_facture, "380"),
        "BT-5": refs.get("deviseFacture") or "EUR",
        "BT-10": service_code, "BT-12": refs.get("numeroMarche") or None,
        "BT-13": refs.get("numeroBonCommande") or None,
        "BT-23": cadre, "BT-25": refs.get("numeroFactureOrigine") or None,
        "BT-30": seller["identifiantStructure"] if seller else None,
        "BT-47": buyer_siret,
        # The Factur-X payment means rule (BT-81) has no JSON equivalent here.
        "BT-81": "soumettre",
        "BT-109": _amount(sim, totals, "montantHtTotal", required=True),
        "BT-110": _amount(sim, totals, "montantTVA"),
        "BT-112": _amount(sim, totals, "montantTtcTotal", required=True),
        "BT-115": _amount(sim, totals, "montantAPayer"),
        "BT-120": refs.get("motifExonerationTva") or None,
        "lines": lines, "vat": vat,
    }
    if fields["BT-115"] is None:
        fields["BT-115"] = fields["BT-112"]
    errors, invoice = sim.submit_invoice(account, fields, mode, pdf_bytes, file_name,
                                         {"modePaiement": payment or "AUTRE",
                                          "commentaire": body.get("commentaire")})
    if errors:
        raise ApiError(C.CODE_SUBMIT_REFUSED, " | ".join(errors))
    fingerprint = hashlib.sha256(f"{invoice['identifiantFactureCPP']}:{number}"
                                 .encode()).hexdigest()
    return ok(identifiantFactureCPP=invoice["identifiantFactureCPP"],
              numeroFacture=number, statutFacture=invoice["statut"],
              dateDepot=invoice["dateDepot"],
              identifiantStructure=invoice["codeFournisseur"],
              empreinteCertificatDepot=fingerprint)


# ------------------------------------------------------------------------------------
# Transverses referentials
# ------------------------------------------------------------------------------------
def _language(sim, body):
    language = body.get("codeLangue")
    if language not in (None, "", "FR", "EN", "fr", "en") and not sim.production:
        raise _missing("codeLangue", "doit valoir FR ou EN")


def recuperer_devises(sim, account, body):
    _language(sim, body)
    return ok(listeDevises=[{"codeDevise": code, "libelleDevise": label}
                            for code, label in DEVISES])


def recuperer_taux_tva(sim, account, body):
    """Pastell's connection test (``testConnexion``) calls it with ``{}``."""
    _language(sim, body)
    return ok(listeTauxTva=[{"codeTauxTva": code, "libelleTauxTva": label,
                             "valeurTauxTva": value} for code, label, value in TAUX_TVA])


def information_siret(sim, account, body):
    """INSEE data of a SIRET (chorus-api ``information_siret``: ``siretStructure``)."""
    siret = body.get("siretStructure")
    if isinstance(siret, int) and not isinstance(siret, bool) and sim.production:
        siret = f"{siret:014d}"
    if not isinstance(siret, str) or not siret.isdigit() or len(siret) != 14:
        raise _missing("siretStructure", "doit etre un SIRET de 14 chiffres")
    struct = sim.structure_by_siret(siret)
    if struct is None:
        raise ApiError(C.CODE_UNKNOWN_STRUCTURE, f"Le SIRET {siret} est inconnu du "
                       "referentiel.")
    address = struct.get("adresse") or {}
    return ok(siret=siret, siren=siret[:9], raisonSociale=struct["raisonSociale"],
              adresse=" ".join(filter(None, (address.get("adresse"),
                                             address.get("codePostal"),
                                             address.get("ville")))),
              estActif=struct["statut"] == "ACTIVE", siege=True,
              categorieEntreprise="PME",
              categorieJuridique="7220" if struct["typeStructure"] == "PUBLIQUE"
              else "5710",
              nonDiffusibleInsee=False)
