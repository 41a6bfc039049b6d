"""Transverses API: flow reports (``consulterCR``, ``consulterCRDetaille``), attachments
(``ajouter/fichier``), referentials production clients call (``recuperer/devises``,
``recuperer/tauxtva``, ``consulter/information/siret``), the supplier's active structures
and the health check.
"""

import copy

from .. import constants as C
from .. import report_pdf, util
from ..errors import ApiError
from .common import missing, ok

DEVISES = (
    ("EUR", "Euro"),
    ("USD", "Dollar des Etats-Unis"),
    ("GBP", "Livre sterling"),
    ("CHF", "Franc suisse"),
    ("XPF", "Franc CFP"),
    ("JPY", "Yen"),
)
TAUX_TVA = (
    ("TVA1", "Taux normal 20 %", 20.0),
    ("TVA2", "Taux intermediaire 10 %", 10.0),
    ("TVA3", "Taux reduit 5,5 %", 5.5),
    ("TVA4", "Taux particulier 2,1 %", 2.1),
    ("TVA5", "Taux 0 %", 0.0),
    ("TVA6", "Taux Corse 13 %", 13.0),
    ("TVA7", "Taux DOM 8,5 %", 8.5),
)


# ------------------------------------------------------------------------------------
# Transverses: flow reports
# ------------------------------------------------------------------------------------
def _own_flow(sim, account, body):
    numero = util.get_str(body, "numeroFluxDepot")
    flow = sim.get_flow(numero)
    if flow is None or flow["login"] != account["login"]:
        raise ApiError(
            C.CODE_UNKNOWN_FLOW, f"Le flux {numero} est inconnu ou n'a pas ete depose par cet utilisateur."
        )
    syntax = body.get("syntaxeFlux")
    if not util.is_empty(syntax) and syntax not in C.SYNTAXES:
        raise ApiError(C.CODE_BAD_SYNTAX, f"La syntaxe de flux {syntax!r} n'est pas reconnue par Chorus Pro.")
    return sim.poll_flow(numero)


def _report_lists(flow):
    terminal = flow["statut"] in C.FLOW_TERMINAL_STATUSES
    return (copy.deepcopy(flow["erreursDP"]) if terminal else [], copy.deepcopy(flow["erreursTechniques"]))


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
        (f"Etat courant du flux : {flow['statut']} (depuis le {util.minute(flow['dateHeureEtatCourant'])})"),
        f"Depose par : {flow['login']}",
        "",
    ]
    if flow["statut"] in C.FLOW_TERMINAL_STATUSES:
        lines.append(f"Demandes de paiement integrees : {len(flow['factures'])}")
        for invoice_id in flow["factures"]:
            invoice = sim.get_invoice(invoice_id)
            lines.append(
                f"  - {invoice['numeroFacture']} : identifiant Chorus Pro "
                f"{invoice_id}, destinataire {invoice['codeDestinataire']}"
                + (f", service {invoice['codeServiceExecutant']}" if invoice["codeServiceExecutant"] else "")
            )
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
# Attachments
# ------------------------------------------------------------------------------------
def ajouter_fichier(sim, account, body):
    name = util.get_str(body, "pieceJointeNom")
    mime = util.get_str(body, "pieceJointeTypeMime")
    extension = util.get_str(body, "pieceJointeExtension")
    if len(name) > C.ATTACHMENT_NAME_MAX:
        raise ApiError(
            C.CODE_ATTACHMENT_NAME,
            f"Le nom de la piece jointe ({len(name)} "
            f"caracteres) depasse {C.ATTACHMENT_NAME_MAX} caracteres, "
            "extension comprise.",
        )
    if len(mime) > 255:
        raise ApiError(C.CODE_MISSING_FIELD, "Le type MIME de la piece jointe depasse 255 caracteres.")
    ext = extension.lstrip(".").upper()
    if ext not in C.ATTACHMENT_EXTENSIONS:
        raise ApiError(
            C.CODE_ATTACHMENT_EXTENSION,
            f"L'extension {extension!r} n'est pas autorisee pour une piece jointe.",
        )
    content = util.b64decode_strict(body.get("pieceJointeFichier"), "pieceJointeFichier")
    if not content:
        raise ApiError(C.CODE_EMPTY_FILE, "La piece jointe est vide.")
    if len(content) > sim.max_file_size:
        raise ApiError(
            C.CODE_ATTACHMENT_TOO_LARGE, "La piece jointe depasse la taille maximale autorisee de 10 Mo."
        )
    attachment_id = sim.add_attachment(account, name, mime, ext, content)
    return ok(pieceJointeId=attachment_id)


# ------------------------------------------------------------------------------------
# Transverses referentials
# ------------------------------------------------------------------------------------
def _language(sim, body):
    language = body.get("codeLangue")
    if language not in (None, "", "FR", "EN", "fr", "en") and not sim.production:
        raise missing("codeLangue", "doit valoir FR ou EN")


def recuperer_devises(sim, account, body):
    _language(sim, body)
    return ok(listeDevises=[{"codeDevise": code, "libelleDevise": label} for code, label in DEVISES])


def recuperer_taux_tva(sim, account, body):
    """Pastell's connection test (``testConnexion``) calls it with ``{}``."""
    _language(sim, body)
    return ok(
        listeTauxTva=[
            {"codeTauxTva": code, "libelleTauxTva": label, "valeurTauxTva": value}
            for code, label, value in TAUX_TVA
        ]
    )


def information_siret(sim, account, body):
    """INSEE data of a SIRET (chorus-api ``information_siret``: ``siretStructure``)."""
    siret = body.get("siretStructure")
    if isinstance(siret, int) and not isinstance(siret, bool) and sim.production:
        siret = f"{siret:014d}"
    if not isinstance(siret, str) or not siret.isdigit() or len(siret) != 14:
        raise missing("siretStructure", "doit etre un SIRET de 14 chiffres")
    struct = sim.structure_by_siret(siret)
    if struct is None:
        raise ApiError(C.CODE_UNKNOWN_STRUCTURE, f"Le SIRET {siret} est inconnu du referentiel.")
    address = struct.get("adresse") or {}
    return ok(
        siret=siret,
        siren=siret[:9],
        raisonSociale=struct["raisonSociale"],
        adresse=" ".join(
            filter(None, (address.get("adresse"), address.get("codePostal"), address.get("ville")))
        ),
        estActif=struct["statut"] == "ACTIVE",
        siege=True,
        categorieEntreprise="PME",
        categorieJuridique="7220" if struct["typeStructure"] == "PUBLIQUE" else "5710",
        nonDiffusibleInsee=False,
    )


# ------------------------------------------------------------------------------------
# Structures of the supplier, health
# ------------------------------------------------------------------------------------
def structures_actives_fournisseur(sim, account, body):
    structures = [s for s in sim.structures_of(account) if s["statut"] == "ACTIVE"]
    return ok(
        listeStructures=[
            {
                "idStructureCPP": s["idStructureCPP"],
                "identifiant": s["identifiantStructure"],
                "designationStructure": s["raisonSociale"],
            }
            for s in structures
        ]
    )


def structures_actives_facture_travaux(sim, account, body):
    """The active structures of the user enabled for the "Factures de travaux" space."""
    return ok(
        listeStructures=[
            {
                "idStructureCPP": s["idStructureCPP"],
                "identifiant": s["identifiantStructure"],
                "designationStructure": s["raisonSociale"],
            }
            for s in sim.works_structures_of(account)
        ]
    )


def recuperer_cadre_facturation(sim, account, body):
    """The billing frames of a kind of payment request (``typeDemandePaiement``:
    ``FACTURE``, ``FACTURE_TRAVAUX``, ...; none = every frame), ``codes.json``."""
    kind = body.get("typeDemandePaiement")
    kinds = {row.get("payment_request") for row in C.FRAMES.values()}
    if not util.is_empty(kind) and kind not in kinds:
        if not sim.production:
            raise ApiError(
                C.CODE_MISSING_FIELD,
                f"Le parametre typeDemandePaiement doit valoir {' | '.join(sorted(kinds))}.",
            )
        return ok(listeCadreFacturation=[])
    return ok(
        listeCadreFacturation=[
            {"codeCadreFacturation": row["api_code"]}
            for row in C.FRAMES.values()
            if util.is_empty(kind) or row.get("payment_request") == kind
        ]
    )


def health_check(sim, account, body):
    return {"body": "Chorus Pro API is up (simulator)", "statusCode": "OK", "statusCodeValue": 200}
