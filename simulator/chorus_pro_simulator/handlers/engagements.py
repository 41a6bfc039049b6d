"""EngagementsJuridiques API: search of the engagements of the account's structures."""

from .. import constants as C
from .. import util
from ..errors import ApiError
from .common import clean, ok, search_page

EJ_SORT = {
    "DateCreationEJ": lambda e: (e["dateNotificationEJ"], e["idEngagementJuridique"]),
    "DateNotificationEJ": lambda e: (e["dateNotificationEJ"], e["idEngagementJuridique"]),
    "NumeroEJ": lambda e: e["numeroEngagementJuridique"],
    "MontantTTC": lambda e: (e["montantTotalTtc"], e["idEngagementJuridique"]),
}


def rechercher_engagement(sim, account, body):
    engagements = sim.engagements_of(account)
    numero = body.get("numeroEngagementJuridique")
    if not util.is_empty(numero):
        engagements = [e for e in engagements if e["numeroEngagementJuridique"] == str(numero).strip()]
    receiver = body.get("structureReceptriceEngagementJuridique")
    if not util.is_empty(receiver):
        try:
            receiver = int(receiver)
        except (TypeError, ValueError):
            raise ApiError(
                C.CODE_MISSING_FIELD,
                "Le parametre "
                "structureReceptriceEngagementJuridique doit etre un "
                "identifiant de structure (idStructureCPP).",
            ) from None
        engagements = [e for e in engagements if e["idStructureReceptrice"] == receiver]
    state = body.get("etatCourantEngagementJuridique")
    if not util.is_empty(state):
        engagements = [e for e in engagements if e["etat"] == state]
    market = body.get("numeroMarcheEngagementJuridique")
    if not util.is_empty(market):
        engagements = [e for e in engagements if e["numeroMarche"] == market]
    code = body.get("codeEngagementJuridique")
    if not util.is_empty(code):
        engagements = [e for e in engagements if str(e["idEngagementJuridique"]) == str(code)]
    page, params = search_page(sim, engagements, body, "parametresRecherche", EJ_SORT, "NumeroEJ")
    result = []
    for e in page:
        rec = sim.get_structure(e["idStructureReceptrice"]) or {}
        svc = sim.get_service(e["idServiceExecutant"]) or {}
        result.append(
            clean(
                {
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
                }
            )
        )
    return ok(listeEngagementJuridique=result, parametresRetour=params)
