import importlib.machinery

import stdnum


def _restore_stdnum_loader():
    """Give python-stdnum back a loader that can read its data files.

    Odoo 19's lazy monkeypatcher (odoo/_monkeypatches) imports ``stdnum`` through a
    loader replaced by a ``SimpleNamespace``; ``importlib.resources`` then cannot
    open the package's ``*.dat`` files ("Can't open orphan path"), which breaks
    ``stdnum.iban``, used by the ``factur-x`` library.
    """
    spec = stdnum.__spec__
    if spec and spec.origin and not hasattr(spec.loader, "get_resource_reader"):
        spec.loader = importlib.machinery.SourceFileLoader(spec.name, spec.origin)


_restore_stdnum_loader()

from . import models
from . import wizards
