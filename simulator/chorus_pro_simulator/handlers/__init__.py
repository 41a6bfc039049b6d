"""Handlers of the Chorus Pro API endpoints (``/cpro/...``), one module per API family.

``factures`` (deposits, search, consult, supplier actions), ``transverses`` (flow
reports, attachments, referentials, health check), ``structures`` (validated against the
Swagger), ``engagements`` (engagements juridiques), ``utilisateurs`` (the technical
account's attachments).  ``routes.py`` (package level) maps the paths to them.

Each handler receives ``(sim, account, body)`` where ``account`` is the technical account
authenticated by ``cpro-account`` and ``body`` the decoded JSON object, and returns the
JSON answer (HTTP 200).  Functional errors raise ``ApiError`` (HTTP 400 by default).
Handlers use only the public methods of ``Simulator``.
"""
