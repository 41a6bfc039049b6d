"""JSON-schema validation of the Structures API bodies against the official Swagger.

The Swagger 2.0 ``definitions`` are JSON-schema Draft 4 objects; ``$ref`` values point
to ``#/definitions/<Name>``.  Each definition is validated with a Draft 4 validator whose
references resolve inside the whole Swagger document, so no field check is hand written.
"""

import functools
import json
from importlib import resources

import jsonschema

SWAGGER_FILE = "structures-api.swagger.json"


@functools.lru_cache(maxsize=1)
def load_swagger():
    return json.loads(
        resources.files(__package__).joinpath("data").joinpath(SWAGGER_FILE).read_text(encoding="utf-8")
    )


def swagger_bytes():
    return resources.files(__package__).joinpath("data").joinpath(SWAGGER_FILE).read_bytes()


def _format_checker():
    checker = getattr(jsonschema.Draft4Validator, "FORMAT_CHECKER", None)
    return checker if checker is not None else jsonschema.FormatChecker()


def _make_validator(pointer, document):
    """Draft 4 validator of ``{"$ref": pointer}`` resolved inside ``document``."""
    try:  # jsonschema >= 4.18 resolves references with the "referencing" library
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT4
    except ImportError:  # pragma: no cover - older jsonschema
        resolver = jsonschema.RefResolver.from_schema(document)
        return jsonschema.Draft4Validator(
            {"$ref": pointer}, resolver=resolver, format_checker=_format_checker()
        )
    uri = "urn:chorus-pro:structures-api"
    registry = Registry().with_resource(uri, Resource.from_contents(document, default_specification=DRAFT4))
    return jsonschema.Draft4Validator(
        {"$ref": uri + pointer}, registry=registry, format_checker=_format_checker()
    )


@functools.cache
def validator(definition):
    document = load_swagger()
    if definition not in document["definitions"]:
        raise KeyError(f"No Swagger definition {definition!r}")
    return _make_validator(f"#/definitions/{definition}", document)


def errors(definition, instance):
    """List of readable error messages (empty when valid)."""
    result = []
    for err in sorted(validator(definition).iter_errors(instance), key=lambda e: list(e.absolute_path)):
        where = ".".join(str(p) for p in err.absolute_path) or "(racine)"
        result.append(f"{where} : {err.message}")
    return result


def operation_definitions(path):
    """``(request definition, 200-response definition)`` of a Structures API path.

    ``path`` is the full path, e.g. ``/cpro/structures/v1/rechercher``.
    """
    document = load_swagger()
    base = document["basePath"]
    if not path.startswith(base):
        raise KeyError(path)
    operation = document["paths"][path[len(base) :]]["post"]
    request_def = None
    for param in operation.get("parameters", []):
        if param.get("in") == "body":
            request_def = param["schema"]["$ref"].rsplit("/", 1)[-1]
    response_def = operation["responses"]["200"]["schema"]["$ref"].rsplit("/", 1)[-1]
    return request_def, response_def
