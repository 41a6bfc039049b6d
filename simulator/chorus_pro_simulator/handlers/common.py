"""What every handler answers or raises (no handler here: see the family modules)."""

from .. import constants as C
from .. import util
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


def search_page(sim, items, body, block_name, sort_columns, default_column):
    """One page of ``items`` per the search's paging block ``body[block_name]``.

    Returns ``(page_items, parametresRetour)``; ``default_column`` is the sort applied
    when the block names no ``triColonne``.
    """
    return util.paginate(
        items,
        body.get(block_name),
        sim.max_page_size,
        sort_columns,
        default_sort=sort_columns[default_column],
        block_name=block_name,
    )


def list_block(item_key, items, suffix, params=None):
    """A paged sub-list of a consulter answer: the items and their four paging fields.

    ``params`` (``nbResultatsParPage``, ``pageCourante``, ``pages``, ``total``) defaults
    to the whole list on one page, as the real API answers for invoice lines.
    """
    if params is None:
        params = {
            "nbResultatsParPage": max(len(items), 1),
            "pageCourante": 1,
            "pages": 1 if items else 0,
            "total": len(items),
        }
    return {
        item_key: items,
        f"nbResultatsParPage{suffix}": params["nbResultatsParPage"],
        f"pageCourante{suffix}": params["pageCourante"],
        f"pages{suffix}": params["pages"],
        f"total{suffix}": params["total"],
    }
