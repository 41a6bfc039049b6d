"""Utilisateurs API: the structures and services the technical account is attached to."""

from .. import util
from .common import ok
from .structures import STRUCTURE_SORT, service_item


def rattachements(sim, account, body):
    structures = sim.structures_of(account)
    page, params = util.paginate(
        structures,
        body.get("parametresRecherche"),
        sim.max_page_size,
        {
            "IdentifiantStructure": STRUCTURE_SORT["IdentifiantStructure"],
            "DesignationStructure": STRUCTURE_SORT["DesignationStructure"],
        },
        default_sort=STRUCTURE_SORT["IdentifiantStructure"],
        block_name="parametresRecherche",
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
