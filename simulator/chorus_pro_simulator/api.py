"""Handlers of the Chorus Pro API endpoints (``/cpro/...``).

Each handler receives ``(sim, account, body)`` where ``account`` is the technical account
authenticated by ``cpro-account`` and ``body`` the decoded JSON object, and returns the
JSON answer (HTTP 200).  Functional errors raise ``ApiError`` (HTTP 400 by default).
"""

import copy
import datetime
import io
import zipfile

from . import constants as C
from . import invoice_reader, realism, report_pdf, swagger, util
from .errors import ApiError


def ok(**fields):
    answer = {"codeRetour": 0, "libelle": C.SUCCESS_LIBELLE}
    answer.update(fields)
    return answer


def _clean(mapping):
    """Drop None values (the real API omits empty fields)."""
    return {k: v for k, v in mapping.items() if v is not None}


# ------------------------------------------------------------------------------------
# Factures: deposit
# ------------------------------------------------------------------------------------
def deposer_flux(sim, account, body):
    syntax = body.get("syntaxeFlux")
    if not isinstance(syntax, str) or not syntax:
        raise ApiError(C.CODE_MISSING_FIELD, "Le parametre syntaxeFlux est obligatoire.")
    if syntax not in C.SYNTAXES:
        raise ApiError(C.CODE_BAD_SYNTAX, f"La syntaxe de flux {syntax!r} n'est pas "
                       "reconnue par Chorus Pro.")
    name = body.get("nomFichier")
    if not isinstance(name, str) or not name.strip():
        raise ApiError(C.CODE_BAD_FILE_NAME, "Le parametre nomFichier est obligatoire.")
    if "/" in name or "\\" in name or len(name) > 200 or name != name.strip():
        raise ApiError(C.CODE_BAD_FILE_NAME, f"Le nom de fichier {name!r} est invalide.")
    kind = invoice_reader.file_kind(name)
    if not kind or name.lower() == kind or name.startswith("."):
        raise ApiError(C.CODE_BAD_FILE_NAME, f"Le nom de fichier {name!r} doit comporter "
                       "une extension.")
    allowed = C.SYNTAX_FILE_EXTENSIONS.get(syntax, C.DEFAULT_FILE_EXTENSIONS) + \
        C.ARCHIVE_EXTENSIONS
    if kind not in allowed:
        raise ApiError(C.CODE_BAD_FILE_EXTENSION, f"L'extension {kind} du fichier "
                       f"{name} n'est pas acceptee pour la syntaxe {syntax} (extensions "
                       f"acceptees : {', '.join(allowed)}).")
    signed = body.get("avecSignature", False)
    if signed is not None and not isinstance(signed, bool):
        raise ApiError(C.CODE_MISSING_FIELD, "Le parametre avecSignature doit etre un "
                       "booleen.")
    if "fichierFlux" not in body or body.get("fichierFlux") in (None, ""):
        raise ApiError(C.CODE_EMPTY_FILE, "Le parametre fichierFlux est obligatoire et "
                       "ne doit pas etre vide.")
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
        raise ApiError(C.CODE_FILE_TOO_LARGE, "GDP_MSG_11.022 : La taille du fichier "
                       "depose depasse la taille maximale autorisee (10 Mo par fichier, "
                       "30 Mo pour une archive).")
    flow = sim.create_flow(account, name, content, syntax, bool(signed))
    return ok(numeroFluxDepot=flow["numeroFluxDepot"],
              dateDepot=util.day(flow["dateDepot"]),
              syntaxeFlux=syntax)


# ------------------------------------------------------------------------------------
# Transverses: flow reports
# ------------------------------------------------------------------------------------
def _own_flow(sim, account, body):
    numero = util.get_str(body, "numeroFluxDepot")
    flow = sim.get_flow(numero)
    if flow is None or flow["login"] != account["login"]:
        raise ApiError(C.CODE_UNKNOWN_FLOW, f"Le flux {numero} est inconnu ou n'a pas "
                       "ete depose par cet utilisateur.")
    syntax = body.get("syntaxeFlux")
    if not util.is_empty(syntax) and syntax not in C.SYNTAXES:
        raise ApiError(C.CODE_BAD_SYNTAX, f"La syntaxe de flux {syntax!r} n'est pas "
                       "reconnue par Chorus Pro.")
    return sim.poll_flow(numero)


def _report_lists(flow):
    terminal = flow["statut"] in C.FLOW_TERMINAL_STATUSES
    return (copy.deepcopy(flow["erreursDP"]) if terminal else [],
            copy.deepcopy(flow["erreursTechniques"]))


def consulter_cr_detaille(sim, account, body):
    flow = _own_flow(sim, account, body)
    errors_dp, errors_tech = _report_lists(flow)
    return ok(
        numeroFluxDepot=flow["numeroFluxDepot"],
        etatCourantDepotFlux=flow["statut"],
        dateDepotFlux=flow["dateDepot"],
        dateHeureEtatCourantFlux=flow["dateHeureEtatCourant"],
        codeInterfaceDepotFlux=C.CODE_INTERFACE_DEPOT,
        nomFichier=f"{C.CODE_INTERFACE_DEPOT}_CPP001_{flow['numeroFluxDepot']}",
        syntaxeFlux=flow["syntaxeFlux"],
        listeErreurDP=errors_dp,
        listeErreurTechnique=errors_tech,
    )


def _report_pdf(sim, flow):
    lines = [
        f"Numero de flux : {flow['numeroFluxDepot']}",
        f"Fichier depose : {flow['nomFichier']} ({flow['taille']} octets)",
        f"Syntaxe : {flow['syntaxeFlux']}",
        f"Date de depot : {util.minute(flow['dateDepot'])}",
        f"Etat courant du flux : {flow['statut']} "
        f"(depuis le {util.minute(flow['dateHeureEtatCourant'])})",
        f"Depose par : {flow['login']}",
        "",
    ]
    if flow["statut"] in C.FLOW_TERMINAL_STATUSES:
        lines.append(f"Demandes de paiement integrees : {len(flow['factures'])}")
        for invoice_id in flow["factures"]:
            invoice = sim.get_invoice(invoice_id)
            lines.append(f"  - {invoice['numeroFacture']} : identifiant Chorus Pro "
                         f"{invoice_id}, destinataire {invoice['codeDestinataire']}"
                         + (f", service {invoice['codeServiceExecutant']}"
                            if invoice["codeServiceExecutant"] else ""))
        lines.append(f"Erreurs sur les demandes de paiement : {len(flow['erreursDP'])}")
        for err in flow["erreursDP"]:
            lines.append(f"  - {err['numeroDP']} : {err['libelleErreurDP']}")
    else:
        lines.append("Le flux est en cours de traitement.")
    for err in flow["erreursTechniques"]:
        lines.append(f"Erreur technique {err['codeErreur']} : {err['libelleErreur']}")
    return report_pdf.build_pdf("Chorus Pro - Compte rendu de traitement du flux", lines)


def consulter_cr(sim, account, body):
    date = body.get("dateDepot")
    if not util.is_empty(date):
        util.parse_filter_date(date, "dateDepot")
    flow = _own_flow(sim, account, body)
    return ok(
        numeroFluxDepot=flow["numeroFluxDepot"],
        etatCourantFlux=flow["statut"],
        dateHeureEtatCourantFlux=flow["dateHeureEtatCourant"],
        dateDepotFlux=flow["dateDepot"],
        nomFichierFlux=flow["nomFichier"],
        codeInterfaceFlux=C.CODE_INTERFACE_DEPOT,
        codeAppliPartenaire="API_PISTE",
        designationPartenaire="Raccordement API (simulateur)",
        syntaxeFlux=flow["syntaxeFlux"],
        fichierCR=util.b64(_report_pdf(sim, flow)),
    )


# ------------------------------------------------------------------------------------
# Factures: search and consult
# ------------------------------------------------------------------------------------
INVOICE_SORT = {
    "IdentifiantFactureCPP": lambda i: i["identifiantFactureCPP"],
    "NumeroFacture": lambda i: i["numeroFacture"],
    "DateDepot": lambda i: (i["dateHeureDepot"], i["identifiantFactureCPP"]),
    "DateFacture": lambda i: (i["dateFacture"] or "", i["identifiantFactureCPP"]),
    "DateHeureEtatCourant": lambda i: (i["dateHeureEtatCourant"],
                                       i["identifiantFactureCPP"]),
    "Statut": lambda i: (i["statut"], i["identifiantFactureCPP"]),
    "MontantHT": lambda i: (i["montantHT"] or 0, i["identifiantFactureCPP"]),
    "MontantTTC": lambda i: (i["montantTTC"] or 0, i["identifiantFactureCPP"]),
    "CodeDestinataire": lambda i: (i["codeDestinataire"], i["identifiantFactureCPP"]),
}


def _visible_invoices(sim, account):
    with sim._lock:
        return [copy.deepcopy(inv) for inv in sim.t["invoice"].values()
                if inv["idFournisseur"] in account["structures"]]


def _own_invoice(sim, account, invoice_id):
    invoice = sim.get_invoice(invoice_id)
    if invoice is None or invoice["idFournisseur"] not in account["structures"]:
        raise ApiError(C.CODE_UNKNOWN_INVOICE, f"La facture {invoice_id} est inconnue ou "
                       "n'est pas accessible a cet utilisateur.")
    return invoice


def _list_item(inv):
    return _clean({
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
        "typeDemandePaiement": "FACTURE",
        "cadreFacturation": inv["cadreFacturation"],
        "modeDepot": inv.get("modeDepot", "FLUX"),
        "devise": inv["devise"],
        "montantHT": inv["montantHT"],
        "montantTTC": inv["montantTTC"],
        "montantAPayer": inv["montantAPayer"],
        "rejetTraite": False,
        "taille": inv["taille"],
    })


def rechercher_fournisseur(sim, account, body):
    invoices = _visible_invoices(sim, account)
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
                raise ApiError(C.CODE_MISSING_FIELD, f"Le parametre {param} doit etre "
                               "une chaine de caracteres.")
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
                not isinstance(s, str) or (s not in known and not sim.production)
                for s in statuses):
            raise ApiError(C.CODE_MISSING_FIELD, "Le parametre statutCourant doit etre "
                           "une liste de statuts de facture valides.")
        invoices = [i for i in invoices if i["statut"] in statuses]
    recipients = body.get("listeDestinataire")
    if not util.is_empty(recipients):
        if not isinstance(recipients, list):
            raise ApiError(C.CODE_MISSING_FIELD, "Le parametre listeDestinataire doit "
                           "etre une liste.")
        ids = {r.get("idDestinataire") for r in recipients if isinstance(r, dict)
               and not util.is_empty(r.get("idDestinataire"))}
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
    for param, field, cmp in (("montantHTMin", "montantHT", 1),
                              ("montantHTMax", "montantHT", -1),
                              ("montantTTCMin", "montantTTC", 1),
                              ("montantTTCMax", "montantTTC", -1)):
        value = body.get(param)
        if not util.is_empty(value):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ApiError(C.CODE_MISSING_FIELD, f"Le parametre {param} doit etre "
                               "un nombre.")
            invoices = [i for i in invoices if i[field] is not None
                        and (i[field] - value) * cmp >= 0]
    page, params = util.paginate(
        invoices, body.get("rechercheFactureParFournisseur"), sim.max_page_size,
        INVOICE_SORT, default_sort=INVOICE_SORT["IdentifiantFactureCPP"],
        block_name="rechercheFactureParFournisseur")
    return ok(listeFactures=[_list_item(i) for i in page], parametresRetour=params)


def _as_dt(value):
    if len(value) == 10:
        return util.parse_filter_date(value, "date")
    return util.parse_iso(value)


def _address(struct, prefix):
    address = struct.get("adresse", {}) if struct else {}
    return _clean({
        f"{prefix}Detail": address.get("adresse"),
        f"{prefix}Complement1": address.get("complementAdresse1"),
        f"{prefix}Complement2": address.get("complementAdresse2"),
        f"{prefix}CodePostal": address.get("codePostal"),
        f"{prefix}Ville": address.get("ville"),
        f"{prefix}CodePays": address.get("pays"),
    })


def _facture(sim, inv):
    with sim._lock:
        buyer = copy.deepcopy(sim.t["structure"].get(inv["idDestinataire"]))
        seller = copy.deepcopy(sim.t["structure"].get(inv["idFournisseur"]))
        attachments = [copy.deepcopy(sim.t["attachment"][a]) for a in inv["piecesJointes"]
                       if a in sim.t["attachment"]]
    lines = [_clean({
        "lignePosteNumero": number,
        "lignePosteReference": line.get("reference"),
        "lignePosteDenomination": line.get("denomination"),
        "lignePosteQuantite": line.get("quantite"),
        "lignePosteUniteLibelle": line.get("unite"),
        "lignePosteMontantUnitaireHT": line.get("prixUnitaireHT"),
        "lignePosteTauxTvaManuel": line.get("tauxTva"),
        "lignePosteMontantHtApresRemise": line.get("montantHT"),
    }) for number, line in enumerate(inv["lignes"], start=1)]
    vat = [_clean({
        "ligneTvaTauxManuel": line.get("taux"),
        "ligneTvaMontantBaseHtParTaux": line.get("base"),
        "ligneTvaMontantTvaParTaux": line.get("montant"),
        "ligneTvaTauxRefCode": line.get("categorie"),
    }) for line in inv["tva"]]
    pieces = [{
        "pieceJointeId": a["pieceJointeId"],
        "pieceJointeDesignation": a["nom"],
        "pieceJointeExtension": a["extension"],
        "pieceJointeTypeCode": "PIECE_JOINTE_COMPLEMENTAIRE",
    } for a in attachments]
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
    return _clean({
        "identifiantFactureCPP": inv["identifiantFactureCPP"],
        "numeroFacture": inv["numeroFacture"],
        "statutFacture": inv["statut"],
        "modeDepot": inv.get("modeDepot", "FLUX"),
        "commentaire": inv["commentaire"],
        "cadreDeFacturation": {"codeCadreFacturation": inv["cadreFacturation"]},
        "destinataire": _clean(destinataire),
        "fournisseur": _clean(fournisseur),
        "references": _clean({
            "codeDeviseFacture": inv["devise"],
            "dateFacture": inv["dateFacture"],
            "dateDepot": inv["dateDepot"],
            "dateCreationFacture": util.minute(inv["dateHeureDepot"]),
            "dateEcheancePaiement": inv["dateEcheancePaiement"],
            "typeFacture": inv["typeFacture"],
            "typeTva": "EXONERATION" if inv["motifExonerationTva"] or
            inv["libelleMotifExonerationTva"] else "TVA_SUR_DEBIT",
            "motifExonerationTva": inv["motifExonerationTva"],
            "libelleMotifExonerationTva": inv["libelleMotifExonerationTva"],
            "numeroBonCommande": inv["numeroBonCommande"],
            "numeroMarche": inv["numeroMarche"],
            "numeroFactureOrigine": inv["numeroFactureOrigine"],
            "modePaiement": inv["modePaiement"],
        }),
        "montantTotal": _clean({
            "montantHtTotal": inv["montantHT"],
            "montantTVA": inv["montantTVA"],
            "montantTtcTotal": inv["montantTTC"],
            "montantAPayer": inv["montantAPayer"],
        }),
        "lignesDePoste": {
            "lignePoste": lines,
            "nbResultatsParPageLignesPoste": max(len(lines), 1),
            "pageCouranteLignesPoste": 1,
            "pagesLignesPoste": 1 if lines else 0,
            "totalLignesPoste": len(lines),
        },
        "recapitulatifDeTva": {
            "ligneTva": vat,
            "nbResultatsParPageLignesRecapitulativesTVA": max(len(vat), 1),
            "pageCouranteLignesRecapitulativesTVA": 1,
            "pagesLignesRecapitulativesTVA": 1 if vat else 0,
            "totalLignesRecapitulativesTVA": len(vat),
        },
        "listeDesPiecesJointes": {
            "pieceJointe": pieces,
            "nbResultatsParPageListePiecesJointe": max(len(pieces), 1),
            "pageCouranteListePiecesJointe": 1,
            "pagesListePiecesJointe": 1 if pieces else 0,
            "totalListePiecesJointe": len(pieces),
        },
        "pieceJointePrincipale": {
            "idPieceJointePrincipale": inv["identifiantFactureCPP"],
            "designationPieceJointePrincipale": inv["nomFichier"],
        },
    })


def consulter_fournisseur(sim, account, body):
    invoice_id = util.get_int(body, "identifiantFactureCPP")
    language = body.get("codeLangue")
    if not util.is_empty(language) and language not in ("FR", "EN", "fr", "en"):
        raise ApiError(C.CODE_MISSING_FIELD, "Le parametre codeLangue doit valoir FR ou "
                       "EN.")
    invoice = _own_invoice(sim, account, invoice_id)
    return ok(facture=_facture(sim, invoice))


def consulter_historique(sim, account, body):
    invoice_id = util.get_int(body, "idFacture")
    _own_invoice(sim, account, invoice_id)
    sim.on_invoice_poll(invoice_id)
    invoice = sim.get_invoice(invoice_id)
    block = body.get("paramRechercheHistoStatuts") or {}
    if not isinstance(block, dict):
        raise ApiError(C.CODE_BAD_PAGINATION, "Le bloc paramRechercheHistoStatuts doit "
                       "etre un objet.")
    page, params = util.paginate(
        invoice["historique"],
        {"nbResultatsParPage": block.get("nbResultatsParPageListeHistoStatut") or 100,
         "pageResultatDemandee": block.get("pageResultatDemandeeListeHistoStatut"),
         "triColonne": block.get("triColonneListeHistoStatut"),
         "triSens": block.get("triSensListeHistoStatut")},
        max(sim.max_page_size, 100),
        {"DatePassage": lambda h: h["histoStatutId"],
         "HistoStatutId": lambda h: h["histoStatutId"],
         "Code": lambda h: (h["histoStatutCode"], h["histoStatutId"])},
        default_sort=lambda h: h["histoStatutId"],
        block_name="paramRechercheHistoStatuts")
    last = invoice["historique"][-1]
    return ok(
        idFacture=invoice["identifiantFactureCPP"],
        numeroFacture=invoice["numeroFacture"],
        statutCourantCode=invoice["statut"],
        modeDepot=invoice.get("modeDepot", "FLUX"),
        derniereAction={"derniereActionCode": f"STATUT_{last['histoStatutCode']}",
                        "derniereActionId": last["histoStatutId"]},
        historiquesDesStatuts={
            "histoStatut": [{
                "histoStatutId": h["histoStatutId"],
                "histoStatutCode": h["histoStatutCode"],
                "histoStatutDatePassage": util.minute(h["histoStatutDatePassage"]),
                "histoStatutCommentaire": h["histoStatutCommentaire"],
                "histoStatutUtilisateurNom": "",
                "histoStatutUtilisateurPrenom": "",
                "histoStatutUtilisateurEmail": "",
                "histoStatutUtilisateurTelephone": "",
            } for h in page],
            "nbResultatsParPageHistoStatut": params["nbResultatsParPage"],
            "pageCouranteHistoStatut": params["pageCourante"],
            "pagesHistoStatut": params["pages"],
            "totalHistoStatut": params["total"],
        },
        historiquesDesActionsUtilisateurs={
            "histoAction": [], "nbResultatsParPageHistoAction": 10,
            "pageCouranteHistoAction": 1, "pagesHistoAction": 0, "totalHistoAction": 0,
        },
        historiquesDesEvenementsComplementaires={
            "evenement": [], "nbResultatsParPageEvenement": 10,
            "pageCouranteEvenement": 1, "pagesEvenement": 0, "totalEvenement": 0,
        },
    )


# ------------------------------------------------------------------------------------
# Factures: supplier actions
# ------------------------------------------------------------------------------------
def ajouter_fichier(sim, account, body):
    name = util.get_str(body, "pieceJointeNom")
    mime = util.get_str(body, "pieceJointeTypeMime")
    extension = util.get_str(body, "pieceJointeExtension")
    if len(name) > C.ATTACHMENT_NAME_MAX:
        raise ApiError(C.CODE_ATTACHMENT_NAME, f"Le nom de la piece jointe ({len(name)} "
                       f"caracteres) depasse {C.ATTACHMENT_NAME_MAX} caracteres, "
                       "extension comprise.")
    if len(mime) > 255:
        raise ApiError(C.CODE_MISSING_FIELD, "Le type MIME de la piece jointe depasse "
                       "255 caracteres.")
    ext = extension.lstrip(".").upper()
    if ext not in C.ATTACHMENT_EXTENSIONS:
        raise ApiError(C.CODE_ATTACHMENT_EXTENSION, f"L'extension {extension!r} n'est "
                       "pas autorisee pour une piece jointe.")
    content = util.b64decode_strict(body.get("pieceJointeFichier"), "pieceJointeFichier")
    if not content:
        raise ApiError(C.CODE_EMPTY_FILE, "La piece jointe est vide.")
    if len(content) > sim.max_file_size:
        raise ApiError(C.CODE_ATTACHMENT_TOO_LARGE, "La piece jointe depasse la taille "
                       "maximale autorisee de 10 Mo.")
    attachment_id = sim.add_attachment(account, name, mime, ext, content)
    return ok(pieceJointeId=attachment_id)


def completer(sim, account, body):
    invoice_id = util.get_int(body, "identifiantFactureCPP")
    invoice = _own_invoice(sim, account, invoice_id)
    comment = body.get("commentaire")
    if comment is not None and not isinstance(comment, str):
        raise ApiError(C.CODE_MISSING_FIELD, "Le parametre commentaire doit etre une "
                       "chaine de caracteres.")
    pieces = body.get("pieceJointeComplementaire") or []
    if not isinstance(pieces, list):
        raise ApiError(C.CODE_MISSING_FIELD, "Le parametre pieceJointeComplementaire "
                       "doit etre une liste.")
    attachment_ids = []
    with sim._lock:
        for piece in pieces:
            piece_id = piece.get("pieceJointeComplementaireId") \
                if isinstance(piece, dict) else None
            attachment = sim.t["attachment"].get(piece_id)
            if attachment is None or attachment["login"] != account["login"]:
                raise ApiError(C.CODE_UNKNOWN_ATTACHMENT, f"La piece jointe {piece_id} "
                               "est inconnue (deposer d'abord le fichier avec "
                               "ajouter/fichier).")
            attachment_ids.append(piece_id)
        if not comment and not attachment_ids:
            raise ApiError(C.CODE_MISSING_FIELD, "Un commentaire ou au moins une piece "
                           "jointe complementaire est obligatoire pour completer une "
                           "facture.")
        live = sim.t["invoice"][invoice_id]
        if live["statut"] != C.INV_SUSPENDUE:
            raise ApiError(C.CODE_BAD_INVOICE_STATUS, f"La facture {invoice['numeroFacture']}"
                           f" est au statut {live['statut']} : seule une facture au "
                           "statut SUSPENDUE peut etre completee.")
        sim.complete_invoice(live, comment, attachment_ids)
        return ok(identifiantFactureCPP=invoice_id,
                  numeroFacture=live["numeroFacture"],
                  dateTraitement=util.minute(live["dateHeureEtatCourant"]))


def recycler(sim, account, body):
    invoice_id = util.get_int(body, "identifiantFactureCPP")
    invoice = _own_invoice(sim, account, invoice_id)
    destinataire = body.get("destinataire")
    if not isinstance(destinataire, dict):
        raise ApiError(C.CODE_MISSING_FIELD, "Le parametre destinataire "
                       "{codeDestinataire, codeServiceExecutant} est obligatoire.")
    buyer_siret = util.get_str(destinataire, "codeDestinataire")
    service_code = util.get_str(destinataire, "codeServiceExecutant", required=False)
    references = body.get("reference") or body.get("references") or {}
    if not isinstance(references, dict):
        raise ApiError(C.CODE_MISSING_FIELD, "Le parametre reference doit etre un objet.")
    comment = body.get("commentaire")
    with sim._lock:
        live = sim.t["invoice"][invoice_id]
        if live["statut"] != C.INV_A_RECYCLER:
            raise ApiError(C.CODE_BAD_INVOICE_STATUS, f"La facture "
                           f"{invoice['numeroFacture']} est au statut {live['statut']} : "
                           "seule une facture au statut A_RECYCLER peut etre recyclee.")
        ej = references.get("numeroBonCommande") or live["numeroBonCommande"]
        errors, buyer, service = sim._routing_checks(buyer_siret, service_code, ej,
                                                     util.now().date())
        if errors:
            raise ApiError(C.CODE_BAD_ROUTING, " ".join(errors))
        sim.recycle_invoice(live, buyer, service, comment, references)
        return ok(identifiantFactureCPP=invoice_id,
                  numeroFacture=live["numeroFacture"],
                  statutFacture=live["statut"],
                  dateDepot=util.minute(live["dateHeureEtatCourant"]))


def telecharger_groupe(sim, account, body):
    items = body.get("listeFacture")
    if not isinstance(items, list) or not items:
        raise ApiError(C.CODE_MISSING_FIELD, "Le parametre listeFacture [{idFacture}] est "
                       "obligatoire.")
    fmt = body.get("format") or "PDF"
    if fmt not in ("PDF", "PIVOT", "XML", "ZIP"):
        raise ApiError(C.CODE_MISSING_FIELD, f"Le format {fmt!r} n'est pas pris en "
                       "charge (PDF, PIVOT, XML ou ZIP).")
    with_pieces = bool(body.get("avecPiecesJointesComplementaires"))
    files = []
    for item in items:
        if not isinstance(item, dict):
            raise ApiError(C.CODE_MISSING_FIELD, "Chaque element de listeFacture doit "
                           "etre un objet {idFacture}.")
        invoice_id = util.get_int(item, "idFacture")
        invoice = _own_invoice(sim, account, invoice_id)
        base = invoice["numeroFacture"].replace("/", "_")
        with sim._lock:
            xml = sim.blobs.get(f"invoice-xml:{invoice_id}")
            if fmt in ("PIVOT", "XML") and xml is not None:
                files.append((f"{base}.xml", xml))
            else:
                files.append((invoice["nomFichier"] or f"{base}.pdf",
                              sim.blobs[f"invoice:{invoice_id}"]))
            if with_pieces:
                for attachment_id in invoice["piecesJointes"]:
                    att = sim.t["attachment"][attachment_id]
                    files.append((f"{base}_PJ_{att['nom']}",
                                  sim.blobs[f"attachment:{attachment_id}"]))
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
        raise ApiError(C.CODE_RESULT_TOO_LARGE, "Le resultat depasse la taille maximale "
                       "d'un dossier de facturation (120 Mo).", 413)
    return ok(fichierResultat=util.b64(data), nomFichierResultat=name)


# ------------------------------------------------------------------------------------
# Structures (validated against the Swagger)
# ------------------------------------------------------------------------------------
STRUCTURE_SORT = {
    "IdentifiantStructure": lambda s: s["identifiantStructure"],
    "DesignationStructure": lambda s: s["raisonSociale"].lower(),
    "TypeIdentifiantStructure": lambda s: (s["typeIdentifiantStructure"],
                                           s["identifiantStructure"]),
    "Statut": lambda s: (s["statut"], s["identifiantStructure"]),
}
SERVICE_SORT = {
    "CodeService": lambda s: s["codeService"],
    "LibelleService": lambda s: s["libelleService"].lower(),
    "DateDbtService": lambda s: (s["dateDebutValidite"] or "", s["codeService"]),
    "DateFinService": lambda s: (s["dateFinValidite"] or "9999", s["codeService"]),
    "EstActif": lambda s: (not s["estActif"], s["codeService"]),
}


def _contains(haystack, needle):
    return needle.lower() in (haystack or "").lower()


def rechercher_structure(sim, account, body):
    criteria = body.get("structure") or {}
    with sim._lock:
        structures = [copy.deepcopy(s) for s in sim.t["structure"].values()]
    checks = {
        "identifiantStructure": lambda s, v: s["identifiantStructure"] == v,
        "typeIdentifiantStructure": lambda s, v: s["typeIdentifiantStructure"] == v,
        "raisonSocialeStructure": lambda s, v: _contains(s["raisonSociale"], v),
        "libelleStructure": lambda s, v: _contains(s["raisonSociale"], v),
        "nomStructure": lambda s, v: _contains(s["raisonSociale"], v),
        "adresseCodePostal": lambda s, v: s["adresse"].get("codePostal") == v,
        "adresseVille": lambda s, v: _contains(s["adresse"].get("ville"), v),
        "adresseCodePays": lambda s, v: s["adresse"].get("pays", "FR") == v,
        "typeStructure": lambda s, v: s["typeStructure"] == v,
        "statutStructure": lambda s, v: s["statut"] == {"ACTIF": "ACTIVE",
                                                        "INACTIF": "INACTIVE"}[v],
        "estMOA": lambda s, v: not v,
        "estMOAUniquement": lambda s, v: not v,
    }
    for key, check in checks.items():
        value = criteria.get(key)
        if not util.is_empty(value) or value is True:
            structures = [s for s in structures if check(s, value)]
    restrict = body.get("restreindreStructuresPrivees")
    if sim.production:
        # Documented meaning (quoted by Pastell CPPWrapper.php): absent or true =
        # public structures + the private ones the user is attached to; false = all.
        if restrict is None or restrict is True:
            structures = [s for s in structures if s["typeStructure"] == "PUBLIQUE"
                          or s["idStructureCPP"] in account["structures"]]
    elif restrict:
        structures = [s for s in structures if s["typeStructure"] == "PUBLIQUE"]
    page, params = util.paginate(structures, body.get("parametres"), sim.max_page_size,
                                 STRUCTURE_SORT,
                                 default_sort=STRUCTURE_SORT["IdentifiantStructure"],
                                 block_name="parametres")
    return ok(listeStructures=[{
        "idStructureCPP": s["idStructureCPP"],
        "identifiantStructure": s["identifiantStructure"],
        "designationStructure": s["raisonSociale"],
        "typeIdentifiantStructure": s["typeIdentifiantStructure"],
        "statut": s["statut"],
    } for s in page], parametresRetour=params)


def _structure_or_error(sim, id_structure, field):
    if id_structure is None:
        raise ApiError(C.CODE_MISSING_FIELD, f"Le parametre {field} est obligatoire.")
    with sim._lock:
        struct = sim.t["structure"].get(id_structure)
        if struct is None:
            raise ApiError(C.CODE_UNKNOWN_STRUCTURE, f"La structure {id_structure} est "
                           "inconnue.")
        return copy.deepcopy(struct)


def _adresse_postale(address):
    return _clean({key: address.get(key) for key in (
        "adresse", "complementAdresse1", "complementAdresse2", "codePostal", "ville",
        "pays", "telephone", "indicatifTelephone", "fax", "indicatifFax")})


def consulter_structure(sim, account, body):
    struct = _structure_or_error(sim, body.get("idStructureCPP"), "idStructureCPP")
    infos = _clean({
        "idStructureCPP": struct["idStructureCPP"],
        "identifiantStructure": struct["identifiantStructure"],
        "typeIdentifiantStructure": struct["typeIdentifiantStructure"],
        "raisonSocialeStructure": struct["raisonSociale"],
        "libelleStructure": struct["raisonSociale"],
        "numeroTVA": struct.get("numeroTVA") or None,
        "emailStructure": struct.get("email") or None,
        "structurePriveePublique": struct["typeStructure"],
        "estValideurDeleguee": False,
        "listeStructureDupliquees": [],
    })
    with sim._lock:
        attached = any(struct["idStructureCPP"] in a["structures"]
                       and a["login"] == account["login"]
                       for a in sim.t["account"].values())
    if attached:
        # Technical passwords expire every 424 days (reference §2.4).
        infos["dateExpirationMotPasseCompteTech"] = "2027-12-31T00:00:00.000+01:00"
    return ok(informationGenerales=infos,
              adressePostaleDuSiege=_adresse_postale(struct["adresse"]),
              parametres=dict(struct["parametres"]))


# Open-ended services are shown with the far end date real answers carry.
OPEN_END_DATE = "2050-12-31"


def _service_dt(value, end=False):
    """``YYYY-MM-DD HH:MM`` (format of real rechercher/services answers)."""
    if not value and end:
        value = OPEN_END_DATE
    return f"{value} 00:00" if value else None


def rechercher_services(sim, account, body):
    struct = _structure_or_error(sim, body.get("idStructure"), "idStructure")
    services = copy.deepcopy(sim.services_of(struct["idStructureCPP"]))
    page, params = util.paginate(
        services, body.get("parametresRechercherServicesStructure"), sim.max_page_size,
        SERVICE_SORT, default_sort=SERVICE_SORT["CodeService"],
        block_name="parametresRechercherServicesStructure")
    return ok(listeServices=[_clean({
        "idService": s["idService"],
        "codeService": s["codeService"],
        "libelleService": s["libelleService"],
        "estActif": s["estActif"],
        "statutService": "ACTIF" if s["estActif"] else "INACTIF",
        "dateDbtService": _service_dt(s["dateDebutValidite"]),
        "dateFinService": _service_dt(s["dateFinValidite"], end=True),
    }) for s in page], parametresRetour=params)


def _service_iso(value, end=False):
    """RFC 3339 date-time (the Swagger declares ``format: date-time``)."""
    if not value and end:
        value = OPEN_END_DATE
    if not value:
        return None
    return util.iso(datetime.datetime.combine(datetime.date.fromisoformat(value),
                                              datetime.time.min, tzinfo=util.PARIS))


def consulter_service(sim, account, body):
    struct = _structure_or_error(sim, body.get("idStructure"), "idStructure")
    id_service = body.get("idService")
    if id_service is None:
        raise ApiError(C.CODE_MISSING_FIELD, "Le parametre idService est obligatoire.")
    with sim._lock:
        svc = copy.deepcopy(sim.t["service"].get(id_service))
    if svc is None or svc["idStructure"] != struct["idStructureCPP"]:
        raise ApiError(C.CODE_UNKNOWN_SERVICE, f"Le service {id_service} est inconnu pour "
                       f"la structure {struct['idStructureCPP']}.")
    return ok(
        informationsGenerales={"codeService": svc["codeService"],
                               "nomService": svc["libelleService"],
                               "descriptionService": svc["descriptionService"]},
        adressePostale=_adresse_postale(struct["adresse"]),
        parametres=_clean({
            "numeroEngagement": svc["numeroEngagement"],
            "miseEnPaiement": svc["miseEnPaiement"],
            "dateCreation": _service_iso(svc.get("dateCreation")),
            "dateDebutValidite": _service_iso(svc["dateDebutValidite"]),
            "dateFinValidite": _service_iso(svc["dateFinValidite"], end=True),
            "dateModification": _service_iso(svc.get("dateCreation")),
        }),
    )


# ------------------------------------------------------------------------------------
# Engagements juridiques, utilisateurs, misc
# ------------------------------------------------------------------------------------
EJ_SORT = {
    "DateCreationEJ": lambda e: (e["dateNotificationEJ"], e["idEngagementJuridique"]),
    "DateNotificationEJ": lambda e: (e["dateNotificationEJ"], e["idEngagementJuridique"]),
    "NumeroEJ": lambda e: e["numeroEngagementJuridique"],
    "MontantTTC": lambda e: (e["montantTotalTtc"], e["idEngagementJuridique"]),
}


def rechercher_engagement(sim, account, body):
    with sim._lock:
        engagements = [copy.deepcopy(e) for e in sim.t["engagement"].values()
                       if e["idStructureReceptrice"] in account["structures"]]
        structures = copy.deepcopy(sim.t["structure"])
        services = copy.deepcopy(sim.t["service"])
    numero = body.get("numeroEngagementJuridique")
    if not util.is_empty(numero):
        engagements = [e for e in engagements
                       if e["numeroEngagementJuridique"] == str(numero).strip()]
    receiver = body.get("structureReceptriceEngagementJuridique")
    if not util.is_empty(receiver):
        try:
            receiver = int(receiver)
        except (TypeError, ValueError):
            raise ApiError(C.CODE_MISSING_FIELD, "Le parametre "
                           "structureReceptriceEngagementJuridique doit etre un "
                           "identifiant de structure (idStructureCPP).") from None
        engagements = [e for e in engagements if e["idStructureReceptrice"] == receiver]
    state = body.get("etatCourantEngagementJuridique")
    if not util.is_empty(state):
        engagements = [e for e in engagements if e["etat"] == state]
    market = body.get("numeroMarcheEngagementJuridique")
    if not util.is_empty(market):
        engagements = [e for e in engagements if e["numeroMarche"] == market]
    code = body.get("codeEngagementJuridique")
    if not util.is_empty(code):
        engagements = [e for e in engagements
                       if str(e["idEngagementJuridique"]) == str(code)]
    page, params = util.paginate(engagements, body.get("parametresRecherche"),
                                 sim.max_page_size, EJ_SORT,
                                 default_sort=EJ_SORT["NumeroEJ"],
                                 block_name="parametresRecherche")
    result = []
    for e in page:
        rec = structures.get(e["idStructureReceptrice"], {})
        svc = services.get(e["idServiceExecutant"]) or {}
        result.append(_clean({
            "idEngagementJuridique": e["idEngagementJuridique"],
            "libelleTypeEngagementJuridique": e["typeEngagementJuridique"],
            "numeroEngagementJuridique": e["numeroEngagementJuridique"],
            "numeroMarche": e["numeroMarche"] or None,
            "structureReceptrice": e["idStructureReceptrice"],
            "identifiantStructureReceptrice": rec.get("identifiantStructure"),
            "libelleStructureReceptrice": rec.get("raisonSociale"),
            "codeServiceExecutant": svc.get("codeService"),
            "libelleServiceExecutant": svc.get("libelleService"),
            "dateNotificationEJ": e["dateNotificationEJ"],
            "libelleEtatCourantEJ": e["etat"],
            "montantTotalTtc": e["montantTotalTtc"],
            "deviseEngagement": e["deviseEngagement"],
            "taillePJ": 0,
        }))
    return ok(listeEngagementJuridique=result, parametresRetour=params)


def rattachements(sim, account, body):
    with sim._lock:
        structures = [copy.deepcopy(sim.t["structure"][i]) for i in account["structures"]
                      if i in sim.t["structure"]]
    page, params = util.paginate(
        structures, body.get("parametresRecherche"), sim.max_page_size,
        {"IdentifiantStructure": STRUCTURE_SORT["IdentifiantStructure"],
         "DesignationStructure": STRUCTURE_SORT["DesignationStructure"]},
        default_sort=STRUCTURE_SORT["IdentifiantStructure"],
        block_name="parametresRecherche")
    result = []
    for number, s in enumerate(page, start=1):
        services = sim.services_of(s["idStructureCPP"])
        result.append({
            "idStructure": s["idStructureCPP"],
            "identifiantStructure": s["identifiantStructure"],
            "designationStructure": s["raisonSociale"],
            "typeIdentifiantStructure": s["typeIdentifiantStructure"],
            "roleUtilisateur": "GESTIONNAIRE_PRINCIPAL",
            "statutRattachementStructure": "ACTIF",
            "statutUtilisateur": "ACTIF",
            "idRattachementStructure": s["idStructureCPP"] * 10 + number,
            "listeServicesRattache": [_clean({
                "idService": svc["idService"],
                "codeService": svc["codeService"],
                "libelleService": svc["libelleService"],
                "estActif": svc["estActif"],
                "statutService": "ACTIF" if svc["estActif"] else "INACTIF",
                "dateDbtService": _service_dt(svc["dateDebutValidite"]),
                "dateFinService": _service_dt(svc["dateFinValidite"], end=True),
                "idRattachementService": svc["idService"] * 10 + 1,
                "statutRattachementService": "ACTIF",
            }) for svc in services],
        })
    return ok(listeStructureRattachement=result, parametresRetour=params)


def structures_actives_fournisseur(sim, account, body):
    with sim._lock:
        structures = [sim.t["structure"][i] for i in account["structures"]
                      if i in sim.t["structure"]
                      and sim.t["structure"][i]["statut"] == "ACTIVE"]
        return ok(listeStructures=[{
            "idStructureCPP": s["idStructureCPP"],
            "identifiant": s["identifiantStructure"],
            "designationStructure": s["raisonSociale"],
        } for s in structures])


def health_check(sim, account, body):
    return {"body": "Chorus Pro API is up (simulator)", "statusCode": "OK",
            "statusCodeValue": 200}


# ------------------------------------------------------------------------------------
# Routing table
# ------------------------------------------------------------------------------------
from . import submission  # noqa: E402  (its handlers use ok() above)

POST_ROUTES = {
    "/cpro/factures/v1/deposer/flux": deposer_flux,
    "/cpro/factures/v1/deposer/pdf": submission.deposer_pdf,
    "/cpro/factures/v1/soumettre": submission.soumettre,
    "/cpro/transverses/v1/consulter/information/siret": submission.information_siret,
    "/cpro/transverses/v1/recuperer/devises": submission.recuperer_devises,
    "/cpro/transverses/v1/recuperer/tauxtva": submission.recuperer_taux_tva,
    "/cpro/factures/v1/rechercher/fournisseur": rechercher_fournisseur,
    "/cpro/factures/v1/consulter/fournisseur": consulter_fournisseur,
    "/cpro/factures/v1/consulter/historique": consulter_historique,
    "/cpro/factures/v1/completer": completer,
    "/cpro/factures/v1/recycler": recycler,
    "/cpro/factures/v1/telecharger/groupe": telecharger_groupe,
    "/cpro/transverses/v1/consulterCRDetaille": consulter_cr_detaille,
    "/cpro/transverses/v1/consulterCR": consulter_cr,
    "/cpro/transverses/v1/ajouter/fichier": ajouter_fichier,
    "/cpro/transverses/v1/recuperer/structures/actives/fournisseur":
        structures_actives_fournisseur,
    "/cpro/structures/v1/rechercher": rechercher_structure,
    "/cpro/structures/v1/consulter": consulter_structure,
    "/cpro/structures/v1/rechercher/services": rechercher_services,
    "/cpro/structures/v1/consulter/service": consulter_service,
    "/cpro/engagementsJuridiques/v1/rechercher": rechercher_engagement,
    "/cpro/utilisateurs/v1/monCompte/recuperer/rattachements": rattachements,
}
GET_ROUTES = {
    "/cpro/transverses/v1/health-check": health_check,
}
# Paths whose bodies are validated against the Swagger of the Structures API.
SWAGGER_PATHS = {
    path for path in POST_ROUTES if path.startswith("/cpro/structures/")
}


def dispatch(sim, method, path, account, body):
    """Run the handler of ``path``; validates Structures bodies against the Swagger.

    In production realism, the body is read leniently first and search answers get
    the platform's shape (no-result code, top-level paging): see ``realism.py``.
    """
    if method == "GET":
        return GET_ROUTES[path](sim, account, body)
    if not sim.production:
        return _dispatch(sim, path, account, body)
    if path in SWAGGER_PATHS:
        body = realism.lenient_body(body)
    return realism.shape_answer(path, _dispatch(sim, path, account, body))


def _dispatch(sim, path, account, body):
    handler = POST_ROUTES[path]
    if path in SWAGGER_PATHS:
        request_def, response_def = swagger.operation_definitions(path)
        problems = swagger.errors(request_def, body)
        if problems:
            raise ApiError(C.CODE_SCHEMA, "Requete non conforme au schema "
                           f"{request_def} : " + " ; ".join(problems))
        answer = handler(sim, account, body)
        problems = swagger.errors(response_def, answer)
        if problems:  # a simulator bug: never answer something the Swagger forbids
            raise RuntimeError(f"answer of {path} does not match {response_def}: "
                               + " ; ".join(problems))
        return answer
    return handler(sim, account, body)
