"""Utilisateurs API: the structures and services the technical account is attached to."""

from .common import ok, search_page
from .structures import STRUCTURE_SORT, service_item

ATTACHMENT_SORT = {
    "IdentifiantStructure": STRUCTURE_SORT["IdentifiantStructure"],
    "DesignationStructure": STRUCTURE_SORT["DesignationStructure"],
}


def rattachements(sim, account, body):
    structures = sim.structures_of(account)
    page, params = search_page(
        sim, structures, body, "parametresRecherche", ATTACHMENT_SORT, "IdentifiantStructure"
    )
    result = []
    for number, s in enumerate(page, start=1):
        services = sim.services_of(s["idStructureCPP"])
        result.append(
            {
                "idStructure": s["idStructureCPP"],
                "identifiantStructure": s["identifiantStructure"],
                "designationStructure": s["raisonSociale"],
                "typeIdentifiantStructure": s["typeIdentifiantStructure"],
                "roleUtilisateur": "GESTIONNAIRE_PRINCIPAL",
                "statutRattachementStructure": "ACTIF",
                "statutUtilisateur": "ACTIF",
                "idRattachementStructure": s["idStructureCPP"] * 10 + number,
                "listeServicesRattache": [
                    {
                        **service_item(svc),
                        "idRattachementService": svc["idService"] * 10 + 1,
                        "statutRattachementService": "ACTIF",
                    }
                    for svc in services
                ],
            }
        )
    return ok(listeStructureRattachement=result, parametresRetour=params)
