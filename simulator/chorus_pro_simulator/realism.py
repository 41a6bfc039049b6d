"""The ``production`` realism: answer like the real platform does in production clients.

``strict`` (the default) follows the written contract (reference + Swagger).
``production`` keeps every strict check that the platform really makes, and adds what
the production clients show (see simulator/README.md, "Realism", for the sources):

* a search that finds nothing answers HTTP 200 with codeRetour 20000 (``no_result``);
* the invoice search pages at the top level (``pageCourante``, ``pages``, ...);
* lenient request parsing (``lenient_body``, digit strings for integers, any status in
  the invoice search filter, ``restreindreStructuresPrivees`` with its documented
  meaning);
* every Nth API call throttled with HTTP 429 + ``Retry-After`` (``throttle_every``);
* tokens that die before ``expires_in`` (``token_life_fraction``);
* unreadable flows ending ``QP_IRRECEVABLE``, any flow status settable by the admin API.

Gateway errors (502/504 with an HTML body) are fault kinds, available in both modes.
"""

import re

REALISMS = ("strict", "production")

# Pastell CPPWrapper.php: "20000 : TRA_MSG_00.015 - La recherche n'a retourné aucun
# résultat" (recipient search).  The works search answers 20007 GFT_MSG_01.075; the
# simulator has no works search.
NO_RESULT_CODE = 20000
NO_RESULT_LIBELLE = "TRA_MSG_00.015 - La recherche n'a retourné aucun résultat"

# Searches that answer the no-result code, and the list key of their answer.
SEARCH_LISTS = {
    "/cpro/factures/v1/rechercher/fournisseur": "listeFactures",
    "/cpro/structures/v1/rechercher": "listeStructures",
    "/cpro/structures/v1/rechercher/services": "listeServices",
    "/cpro/engagementsJuridiques/v1/rechercher": "listeEngagementJuridique",
}
# Searches whose paging comes at the top level instead of ``parametresRetour``.
TOP_LEVEL_PAGING = {"/cpro/factures/v1/rechercher/fournisseur"}

# Flow statuses the admin API may set in production mode besides the strict ones; any
# other upper-case code is accepted too (an "unknown" status for client tests).
QP_IRRECEVABLE = "QP_IRRECEVABLE"
QP_RECEVABLE_AVEC_ERREUR = "QP_RECEVABLE_AVEC_ERREUR"
QP_RECEVABLE = "QP_RECEVABLE"
QP_STATUSES = (QP_IRRECEVABLE, QP_RECEVABLE_AVEC_ERREUR, QP_RECEVABLE)
STATUS_CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")

# Integer fields of the Structures API that production clients may send as strings.
INTEGER_FIELDS = {"idStructureCPP", "idStructure", "idService", "nbResultatsParPage", "pageResultatDemandee"}

GATEWAY_HTML = {
    502: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n",
    504: "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n"
    "<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n",
}


def check(realism):
    if realism not in REALISMS:
        raise ValueError(f"realism must be one of {', '.join(REALISMS)}")
    return realism


def lenient_body(body):
    """Production parsing of a Structures API body, before the Swagger check.

    ``restreindreStructuresPrivees`` ``""``/``null`` is dropped (= absent), ``"true"`` /
    ``"false"`` become booleans; digit strings become integers in integer fields.
    """

    def fix(value, key=None):
        if isinstance(value, dict):
            return {k: fix(v, k) for k, v in value.items()}
        if key in INTEGER_FIELDS and isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        return value

    body = fix(body)
    flag = body.get("restreindreStructuresPrivees", True)
    if flag in ("", None):
        body.pop("restreindreStructuresPrivees")
    elif isinstance(flag, str) and flag.strip().lower() in ("true", "false"):
        body["restreindreStructuresPrivees"] = flag.strip().lower() == "true"
    return body


def shape_answer(path, answer):
    """Production shape of a search answer: no-result code, top-level paging."""
    list_key = SEARCH_LISTS.get(path)
    if list_key is None or answer.get("codeRetour") != 0:
        return answer
    params = answer.get("parametresRetour") or {}
    if not answer.get(list_key) and not params.get("total"):
        return {"codeRetour": NO_RESULT_CODE, "libelle": NO_RESULT_LIBELLE}
    if path in TOP_LEVEL_PAGING and "parametresRetour" in answer:
        answer = dict(answer)
        answer.update(answer.pop("parametresRetour"))
    return answer
