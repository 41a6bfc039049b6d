"""What every handler answers or raises (no handler here: see the family modules)."""

from .. import constants as C
from ..errors import ApiError


def ok(**fields):
    answer = {"codeRetour": 0, "libelle": C.SUCCESS_LIBELLE}
    answer.update(fields)
    return answer


def clean(mapping):
    """Drop None values (the real API omits empty fields)."""
    return {k: v for k, v in mapping.items() if v is not None}


def missing(field, what="est obligatoire"):
    return ApiError(C.CODE_MISSING_FIELD, f"Le parametre {field} {what}.")
