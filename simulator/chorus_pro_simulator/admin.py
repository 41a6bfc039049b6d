"""Admin HTTP API under ``/_simulator/`` (no authentication, JSON in and out).

Every route maps onto a public method of ``Simulator``; see README.md for the list.
"""

import inspect

from .errors import AdminError


def _call(func, body, rename=None, positional=()):
    """Call ``func`` with the JSON ``body`` as keyword arguments (names checked)."""
    if not isinstance(body, dict):
        raise AdminError("the body must be a JSON object")
    kwargs = dict(body)
    for old, new in (rename or {}).items():
        if old in kwargs:
            kwargs[new] = kwargs.pop(old)
    params = inspect.signature(func).parameters
    accepts_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    unknown = [k for k in kwargs if k not in params]
    if unknown and not accepts_any:
        raise AdminError(f"unknown parameter(s): {', '.join(unknown)}")
    missing = [
        name
        for name, p in params.items()
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        and name not in kwargs
    ]
    if missing:
        raise AdminError(f"missing parameter(s): {', '.join(missing)}")
    try:
        return func(**kwargs)
    except (TypeError, ValueError) as err:
        raise AdminError(str(err)) from None


def _invoice_view(sim, invoice):
    view = {k: v for k, v in invoice.items() if k not in ("path", "login")}
    view["path"] = [status for status, _comment in invoice["path"]]
    return view


# JSON names of the works admin routes -> Python arguments.
WORKS_RENAME = {
    "identifiantFactureCPP": "invoice_id",
    "par": "by",
    "montantHT": "amount_untaxed",
    "montantTTC": "amount_total",
    "motif": "reason",
    "commentaire": "comment",
}


def handle(sim, method, path, query, body):  # noqa: C901
    """Return ``(http status, JSON answer)`` for an admin request."""
    route = path[len("/_simulator") :].rstrip("/") or "/"
    key = (method, route)
    if key == ("POST", "/reset"):
        sim.reset()
        return 200, {"reset": True}
    if key == ("GET", "/state"):
        return 200, sim.state_summary()
    if key == ("GET", "/calls"):
        return 200, sim.calls
    if key == ("DELETE", "/calls"):
        sim.reset_calls()
        return 200, {}
    if key == ("GET", "/faults"):
        return 200, {"faults": sim.faults}
    if key == ("POST", "/faults"):
        return 200, _call(sim.inject_fault, body)
    if key == ("DELETE", "/faults"):
        sim.clear_faults()
        return 200, {"faults": []}
    if key == ("POST", "/tokens/expire"):
        sim.expire_tokens()
        return 200, {"expired": True}
    if key == ("POST", "/invoices/status"):
        status = _call(
            sim.set_invoice_status,
            body,
            rename={
                "identifiantFactureCPP": "identifiant_facture_cpp",
                "statut": "status",
                "commentaire": "comment",
                "montantAPayer": "amount_to_pay",
            },
        )
        return 200, {"statut": status}
    if key == ("POST", "/invoices/path"):
        path_ = _call(sim.set_invoice_path, body, rename={"numeroFacture": "numero_facture"})
        return 200, {"path": path_}
    if key == ("POST", "/invoices/advance"):
        result = _call(sim.advance_invoices, body)
        return 200, {"invoices": {str(k): v for k, v in result.items()}}
    if key == ("POST", "/invoices/portal"):
        invoice_id = _call(
            sim.add_portal_invoice,
            body,
            rename={
                "numeroFacture": "number",
                "codeDestinataire": "recipient",
                "montantHT": "amount_untaxed",
                "montantTTC": "amount_total",
                "dateFacture": "invoice_date",
                "codeServiceExecutant": "service_code",
                "numeroBonCommande": "engagement",
                "typeFacture": "invoice_type",
                "devise": "currency",
                "modeDepot": "mode",
            },
        )
        return 200, {"identifiantFactureCPP": invoice_id}
    if key == ("POST", "/invoices/bulk"):
        return 200, {"ids": _call(sim.add_deposited_invoices, body)}
    if key == ("POST", "/invoices/status/bulk"):
        result = _call(sim.set_invoices_status, body)
        return 200, {"invoices": {str(k): v for k, v in result.items()}}
    if key == ("GET", "/invoices"):
        invoices = sim.find_invoices(
            numero_facture=query.get("numeroFacture"), numero_flux=query.get("numeroFluxDepot")
        )
        return 200, {"invoices": [_invoice_view(sim, i) for i in invoices]}
    if key == ("POST", "/flows/advance"):
        return 200, {"flows": _call(sim.advance_flows, body)}
    if key == ("POST", "/flows/status"):
        status = _call(sim.set_flow_status, body, rename={"numeroFluxDepot": "numero", "statut": "status"})
        return 200, {"statut": status}
    if key == ("POST", "/structures"):
        return 200, {"idStructureCPP": _call(sim.add_structure, body)}
    if key == ("POST", "/structures/update"):
        return 200, {"idStructureCPP": _call(sim.update_structure, body)}
    if key == ("POST", "/services"):
        return 200, {"idService": _call(sim.add_service, body)}
    if key == ("POST", "/services/update"):
        return 200, {"idService": _call(sim.update_service, body)}
    if key == ("POST", "/accounts"):
        return 200, {"login": _call(sim.add_technical_account, body)}
    if key == ("POST", "/engagements"):
        return 200, {"idEngagementJuridique": _call(sim.add_engagement, body)}
    if key == ("POST", "/works/validate"):
        status = _call(sim.validate_works_document, body, rename=WORKS_RENAME)
        return 200, {"statut": status}
    if key == ("POST", "/works/refuse"):
        status = _call(sim.refuse_works_document, body, rename=WORKS_RENAME)
        return 200, {"statut": status}
    if key == ("POST", "/works/enable"):
        return 200, {"idStructureCPP": _call(sim.set_works_enabled, body)}
    if key == ("POST", "/invoices/backdate"):
        date = _call(
            sim.backdate_invoice, body, rename={"identifiantFactureCPP": "invoice_id", "jours": "days"}
        )
        return 200, {"dateHeureEtatCourant": date}
    if key == ("POST", "/config"):
        return 200, _call(sim.configure, body)
    raise AdminError(f"no admin route {method} {path}", 404)
