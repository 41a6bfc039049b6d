"""Structures API (bodies and answers validated against its Swagger by ``routes``)."""

import copy
import datetime

from .. import constants as C
from .. import util
from ..errors import ApiError
from .common import clean, ok, search_page

STRUCTURE_SORT = {
    "IdentifiantStructure": lambda s: s["identifiantStructure"],
    "DesignationStructure": lambda s: s["raisonSociale"].lower(),
    "TypeIdentifiantStructure": lambda s: (s["typeIdentifiantStructure"], s["identifiantStructure"]),
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
    structures = sim.structures()
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
        "statutStructure": lambda s, v: s["statut"] == {"ACTIF": "ACTIVE", "INACTIF": "INACTIVE"}[v],
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
            structures = [
                s
                for s in structures
                if s["typeStructure"] == "PUBLIQUE" or s["idStructureCPP"] in account["structures"]
            ]
    elif restrict:
        structures = [s for s in structures if s["typeStructure"] == "PUBLIQUE"]
    page, params = search_page(sim, structures, body, "parametres", STRUCTURE_SORT, "IdentifiantStructure")
    return ok(
        listeStructures=[
            {
                "idStructureCPP": s["idStructureCPP"],
                "identifiantStructure": s["identifiantStructure"],
                "designationStructure": s["raisonSociale"],
                "typeIdentifiantStructure": s["typeIdentifiantStructure"],
                "statut": s["statut"],
            }
            for s in page
        ],
        parametresRetour=params,
    )


def _structure_or_error(sim, id_structure, field):
    if id_structure is None:
        raise ApiError(C.CODE_MISSING_FIELD, f"Le parametre {field} est obligatoire.")
    struct = sim.get_structure(id_structure)
    if struct is None:
        raise ApiError(C.CODE_UNKNOWN_STRUCTURE, f"La structure {id_structure} est inconnue.")
    return struct


def _adresse_postale(address):
    return clean(
        {
            key: address.get(key)
            for key in (
                "adresse",
                "complementAdresse1",
                "complementAdresse2",
                "codePostal",
                "ville",
                "pays",
                "telephone",
                "indicatifTelephone",
                "fax",
                "indicatifFax",
            )
        }
    )


def consulter_structure(sim, account, body):
    struct = _structure_or_error(sim, body.get("idStructureCPP"), "idStructureCPP")
    infos = clean(
        {
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
        }
    )
    if sim.is_attached(account["login"], struct["idStructureCPP"]):
        # Technical passwords expire every 424 days (reference §2.4).
        infos["dateExpirationMotPasseCompteTech"] = "2027-12-31T00:00:00.000+01:00"
    return ok(
        informationGenerales=infos,
        adressePostaleDuSiege=_adresse_postale(struct["adresse"]),
        parametres=dict(struct["parametres"]),
    )


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
    page, params = search_page(
        sim, services, body, "parametresRechercherServicesStructure", SERVICE_SORT, "CodeService"
    )
    return ok(listeServices=[service_item(s) for s in page], parametresRetour=params)


def service_item(svc):
    """A service as the search answers list it (also in the account's attachments)."""
    return clean(
        {
            "idService": svc["idService"],
            "codeService": svc["codeService"],
            "libelleService": svc["libelleService"],
            "estActif": svc["estActif"],
            "statutService": "ACTIF" if svc["estActif"] else "INACTIF",
            "dateDbtService": _service_dt(svc["dateDebutValidite"]),
            "dateFinService": _service_dt(svc["dateFinValidite"], end=True),
        }
    )


def _service_iso(value, end=False):
    """RFC 3339 date-time (the Swagger declares ``format: date-time``)."""
    if not value and end:
        value = OPEN_END_DATE
    if not value:
        return None
    return util.iso(
        datetime.datetime.combine(datetime.date.fromisoformat(value), datetime.time.min, tzinfo=util.PARIS)
    )


def consulter_service(sim, account, body):
    struct = _structure_or_error(sim, body.get("idStructure"), "idStructure")
    id_service = body.get("idService")
    if id_service is None:
        raise ApiError(C.CODE_MISSING_FIELD, "Le parametre idService est obligatoire.")
    svc = sim.get_service(id_service)
    if svc is None or svc["idStructure"] != struct["idStructureCPP"]:
        raise ApiError(
            C.CODE_UNKNOWN_SERVICE,
            f"Le service {id_service} est inconnu pour la structure {struct['idStructureCPP']}.",
        )
    return ok(
        informationsGenerales={
            "codeService": svc["codeService"],
            "nomService": svc["libelleService"],
            "descriptionService": svc["descriptionService"],
        },
        adressePostale=_adresse_postale(svc.get("adresse") or struct["adresse"]),
        parametres=clean(
            {
                "numeroEngagement": svc["numeroEngagement"],
                "miseEnPaiement": svc["miseEnPaiement"],
                "dateCreation": _service_iso(svc.get("dateCreation")),
                "dateDebutValidite": _service_iso(svc["dateDebutValidite"]),
                "dateFinValidite": _service_iso(svc["dateFinValidite"], end=True),
                "dateModification": _service_iso(svc.get("dateCreation")),
            }
        ),
    )
