"""Routing of the Chorus Pro API paths (``/cpro/...``) to the handlers of each family.

``dispatch`` validates the Structures bodies and answers against the Swagger and, in
production realism, reads bodies leniently and shapes answers (see ``realism.py``).
"""

from . import constants as C
from . import realism, swagger
from .errors import ApiError
from .handlers import engagements, factures, structures, transverses, utilisateurs

POST_ROUTES = {
    "/cpro/factures/v1/deposer/flux": factures.deposer_flux,
    "/cpro/factures/v1/deposer/pdf": factures.deposer_pdf,
    "/cpro/factures/v1/soumettre": factures.soumettre,
    "/cpro/transverses/v1/consulter/information/siret": transverses.information_siret,
    "/cpro/transverses/v1/recuperer/devises": transverses.recuperer_devises,
    "/cpro/transverses/v1/recuperer/tauxtva": transverses.recuperer_taux_tva,
    "/cpro/factures/v1/rechercher/fournisseur": factures.rechercher_fournisseur,
    "/cpro/factures/v1/consulter/fournisseur": factures.consulter_fournisseur,
    "/cpro/factures/v1/consulter/historique": factures.consulter_historique,
    "/cpro/factures/v1/completer": factures.completer,
    "/cpro/factures/v1/recycler": factures.recycler,
    "/cpro/factures/v1/telecharger/groupe": factures.telecharger_groupe,
    "/cpro/transverses/v1/consulterCRDetaille": transverses.consulter_cr_detaille,
    "/cpro/transverses/v1/consulterCR": transverses.consulter_cr,
    "/cpro/transverses/v1/ajouter/fichier": transverses.ajouter_fichier,
    "/cpro/transverses/v1/recuperer/structures/actives/fournisseur": transverses.structures_actives_fournisseur,  # noqa: E501
    "/cpro/transverses/v1/recuperer/structures/actives/facturetravaux": transverses.structures_actives_facture_travaux,  # noqa: E501
    "/cpro/transverses/v1/recuperer/cadrefacturation": transverses.recuperer_cadre_facturation,
    "/cpro/factures/v1/corriger/valideur/facture": factures.corriger_valideur,
    "/cpro/factures/v1/traiterRejet": factures.traiter_rejet,
    "/cpro/structures/v1/rechercher": structures.rechercher_structure,
    "/cpro/structures/v1/consulter": structures.consulter_structure,
    "/cpro/structures/v1/rechercher/services": structures.rechercher_services,
    "/cpro/structures/v1/consulter/service": structures.consulter_service,
    "/cpro/engagementsJuridiques/v1/rechercher": engagements.rechercher_engagement,
    "/cpro/utilisateurs/v1/monCompte/recuperer/rattachements": utilisateurs.rattachements,
}
GET_ROUTES = {
    "/cpro/transverses/v1/health-check": transverses.health_check,
}
# Paths whose bodies are validated against the Swagger of the Structures API.
SWAGGER_PATHS = {path for path in POST_ROUTES if path.startswith("/cpro/structures/")}


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
            raise ApiError(
                C.CODE_SCHEMA, f"Requete non conforme au schema {request_def} : " + " ; ".join(problems)
            )
        answer = handler(sim, account, body)
        problems = swagger.errors(response_def, answer)
        if problems:  # a simulator bug: never answer something the Swagger forbids
            raise RuntimeError(f"answer of {path} does not match {response_def}: " + " ; ".join(problems))
        return answer
    return handler(sim, account, body)
