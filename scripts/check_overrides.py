"""List methods defined more than once for the same model inside the module.

OCA rule: a model's method is defined once in the module (one ``write``, one ``_post``...);
a concern that needs to take part in it gets a plain private helper with its own name, called
from the single definition. This scans the classes of models/ and wizards/ (their ``_name``,
else their ``_inherit``), prints every (model, method) defined in more than one class and exits
1 if there is any. Run from the repository root:
    python3 scripts/check_overrides.py
"""

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("models", "wizards")


def _string_value(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [elt.value for elt in node.elts if isinstance(elt, ast.Constant)]
    return []


def model_of(cls):
    """The model a class defines or extends: ``_name`` first, else its first ``_inherit``."""
    attrs = {}
    for stmt in cls.body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name) and target.id in ("_name", "_inherit"):
                    attrs[target.id] = _string_value(stmt.value)
    names = attrs.get("_name") or attrs.get("_inherit") or []
    return names[0] if names else None


def scan(root=ROOT):
    """{(model, method): [file:line, ...]} for every method of every model class."""
    found = defaultdict(list)
    for folder in FOLDERS:
        for path in sorted((root / folder).glob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for cls in tree.body:
                if not isinstance(cls, ast.ClassDef):
                    continue
                model = model_of(cls)
                if not model:
                    continue
                for stmt in cls.body:
                    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        where = f"{path.relative_to(root)}:{stmt.lineno}"
                        found[(model, stmt.name)].append(where)
    return {key: places for key, places in found.items() if len(places) > 1}


def main():
    duplicates = scan()
    for (model, method), places in sorted(duplicates.items()):
        print(f"{model} {method}: {', '.join(places)}")
    if duplicates:
        print(f"{len(duplicates)} method(s) defined more than once for the same model")
        return 1
    print("no method defined twice for the same model")
    return 0


if __name__ == "__main__":
    sys.exit(main())
