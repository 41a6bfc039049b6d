"""Command line: ``chorus-pro-simulator serve`` and admin sub-commands."""

import argparse
import json
import logging
import signal
import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8090"


def _admin_call(base_url, method, route, payload=None):
    data = None if payload is None else json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(
        base_url.rstrip("/") + "/_simulator" + route,
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as err:
        body = err.read().decode("utf-8", errors="replace")
        raise SystemExit(f"error {err.code}: {body}") from None
    except urllib.error.URLError as err:
        raise SystemExit(f"cannot reach the simulator at {base_url}: {err.reason}") from None


def _serve(args):
    from .simulator import Simulator

    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    sim = Simulator(
        state_path=args.state,
        invoice_advance=args.advance,
        flow_steps=args.flow_steps,
        token_lifetime=args.token_lifetime,
        fault_delay=args.fault_delay,
        realism=args.realism,
        throttle_every=args.throttle_every,
        token_life_fraction=args.token_life_fraction,
        retry_after=args.retry_after,
    )
    server = sim.serve(host=args.host, port=args.port)

    def _terminate(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    print(f"Chorus Pro simulator listening on {server.url}", flush=True)
    print(f"  realism   : {sim.realism}", flush=True)
    print(f"  token URL : {server.token_url}", flush=True)
    print(f"  admin API : {server.url}/_simulator/state", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sim.close()
    return 0


def _options(args, names):
    """The admin API body: the given options of ``args``, those set."""
    return {name: getattr(args, name) for name in names if getattr(args, name) not in (None, False)}


def _add_structure(url, args):
    """The structure (admin API ``POST /structures``), then each of its services."""
    payload = _options(
        args,
        (
            "siret",
            "name",
            "service_required",
            "ej_required",
            "ej_or_service",
            "payment_status_not_reported",
            "is_state",
            "identifier_type",
            "id_structure_cpp",
            "email",
            "vat",
        ),
    )
    payload.update(public=not args.private, active=not args.inactive, technical_accounts=args.account)
    address = {
        key: value
        for key, value in (
            ("adresse", args.street),
            ("codePostal", args.zip),
            ("ville", args.city),
            ("pays", args.country),
        )
        if value
    }
    if address:
        payload["address"] = address
    result = _admin_call(url, "POST", "/structures", payload)
    services = {}
    for spec, ej_required in [(s, False) for s in args.service] + [(s, True) for s in args.ej_service]:
        code, _sep, name = spec.partition(":")
        services[code] = _admin_call(
            url,
            "POST",
            "/services",
            {
                "structure": result["idStructureCPP"],
                "code": code,
                "name": name or code,
                "ej_required": ej_required,
            },
        )["idService"]
    if services:
        result["services"] = services
    return result


def _print(result):
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def _works_call(url, args):
    payload = {"identifiantFactureCPP": args.identifiant_facture_cpp, "par": args.by}
    if args.comment:
        payload["commentaire"] = args.comment
    if args.command == "works-refuse":
        payload["motif"] = args.reason
        return _admin_call(url, "POST", "/works/refuse", payload)
    if args.ht is not None:
        payload["montantHT"] = args.ht
    if args.ttc is not None:
        payload["montantTTC"] = args.ttc
    return _admin_call(url, "POST", "/works/validate", payload)


def main(argv=None):  # noqa: C901
    parser = argparse.ArgumentParser(
        prog="chorus-pro-simulator", description="Local Chorus Pro API simulator"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the simulator HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8090)
    serve.add_argument("--state", default=None, help="SQLite file keeping the state")
    serve.add_argument("--advance", choices=("manual", "on_poll"), default="manual")
    serve.add_argument("--flow-steps", type=int, default=3)
    serve.add_argument("--token-lifetime", type=int, default=3600)
    serve.add_argument("--fault-delay", type=float, default=5.0)
    serve.add_argument(
        "--realism",
        choices=("strict", "production"),
        default="strict",
        help="strict: the written contract; production: as the real platform answers (see README)",
    )
    serve.add_argument(
        "--throttle-every",
        type=int,
        default=0,
        metavar="N",
        help="production: every Nth API call answers HTTP 429",
    )
    serve.add_argument(
        "--token-life-fraction",
        type=float,
        default=0.5,
        help="production: tokens die after this part of expires_in",
    )
    serve.add_argument("--retry-after", type=int, default=1, help="Retry-After seconds of 429/503 answers")
    serve.add_argument("-v", "--verbose", action="store_true")

    def client(name, help_text):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--url", default=DEFAULT_URL, help="simulator base URL")
        return p

    p = client("set-status", "set the status of an invoice")
    p.add_argument("identifiant_facture_cpp", type=int)
    p.add_argument("status")
    p.add_argument("--comment")
    p = client("set-path", "scenario path of an invoice number")
    p.add_argument("numero_facture")
    p.add_argument("statuses", nargs="+")
    p = client("advance", "advance invoices along their path")
    p.add_argument("ids", type=int, nargs="*", help="invoice ids (default: all)")
    p.add_argument("--steps", type=int, default=1)
    p = client("advance-flows", "process flows as if polled")
    p.add_argument("numeros", nargs="*")
    p.add_argument("--to-terminal", action="store_true")
    p = client("fault", "inject a fault")
    p.add_argument("path_prefix")
    p.add_argument("kind")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--delay", type=float)
    p.add_argument("--retry-after", type=int)
    p = client("realism", "switch the realism at run time")
    p.add_argument("realism", choices=("strict", "production"))
    p.add_argument("--throttle-every", type=int)
    p.add_argument("--token-life-fraction", type=float)
    p = client("flow-status", "force a flow status (QP_IRRECEVABLE, ...)")
    p.add_argument("numero")
    p.add_argument("status")
    p.add_argument("--release", action="store_true", help="keep polling it afterwards")
    p = client(
        "add-structure",
        "add a structure to the directory (POST /structures), with its services (POST /services)",
    )
    p.add_argument("siret", help="SIRET (or other identifier, see --identifier-type)")
    p.add_argument("name", help="raison sociale")
    p.add_argument("--private", action="store_true", help="a private structure (a supplier); default: public")
    p.add_argument("--inactive", action="store_true")
    p.add_argument("--service-required", action="store_true", help="codeServiceDoitEtreRenseigne")
    p.add_argument("--ej-required", action="store_true", help="numeroEJDoitEtreRenseigne")
    p.add_argument("--ej-or-service", action="store_true", help="gestionNumeroEJOuCodeService")
    p.add_argument(
        "--payment-status-not-reported", action="store_true", help="statutMiseEnPaiementNestPasRemonte"
    )
    p.add_argument("--is-state", action="store_true", help="estEtat")
    p.add_argument("--identifier-type", default=None, help="default: SIRET")
    p.add_argument("--id", type=int, dest="id_structure_cpp", help="idStructureCPP")
    p.add_argument("--email")
    p.add_argument("--vat")
    p.add_argument("--street")
    p.add_argument("--zip")
    p.add_argument("--city")
    p.add_argument("--country", default="FR")
    p.add_argument(
        "--account",
        action="append",
        default=[],
        metavar="LOGIN",
        help="attach to this existing technical account (repeatable)",
    )
    p.add_argument(
        "--service", action="append", default=[], metavar="CODE[:NAME]", help="add this service (repeatable)"
    )
    p.add_argument(
        "--ej-service",
        action="append",
        default=[],
        metavar="CODE[:NAME]",
        help="add this service, an engagement number required (repeatable)",
    )
    p = client("add-account", "add a technical account (POST /accounts)")
    p.add_argument("login", help="e.g. TECH_1_<SIRET>@cpro.fr")
    p.add_argument("password")
    p.add_argument(
        "--structure",
        action="append",
        default=[],
        metavar="SIRET|ID",
        help="bind it to this structure (repeatable)",
    )
    p = client("add-portal-invoice", "an invoice deposited by hand on the portal (POST /invoices/portal)")
    p.add_argument("supplier", help="SIRET or idStructureCPP")
    p.add_argument("number")
    p.add_argument("recipient", help="SIRET or idStructureCPP")
    p.add_argument("amount_untaxed", type=float)
    p.add_argument("--total", type=float, dest="amount_total")
    p.add_argument("--date", dest="invoice_date", help="YYYY-MM-DD (default today)")
    p.add_argument("--service", dest="service_code")
    p.add_argument("--ej", dest="engagement")
    p.add_argument("--type", dest="invoice_type", choices=("FACTURE", "AVOIR", "ACOMPTE"))
    p = client("works-validate", "the MOE (or MOA) validates a works document (POST /works/validate)")
    p.add_argument("identifiant_facture_cpp", type=int)
    p.add_argument("--by", choices=("MOE", "MOA"), default="MOE")
    p.add_argument("--ht", type=float, help="validated amount excluding VAT (default: as submitted)")
    p.add_argument("--ttc", type=float, help="validated amount including VAT")
    p.add_argument("--comment")
    p = client("works-refuse", "the MOE (or MOA) refuses a works document (POST /works/refuse)")
    p.add_argument("identifiant_facture_cpp", type=int)
    p.add_argument("reason", help="AUTRE, MAUVAIS_VALIDEUR, MAUVAISE_MOE, MAUVAISE_MOA, REF_FAC_TRAVAUX")
    p.add_argument("--by", choices=("MOE", "MOA"), default="MOE")
    p.add_argument("--comment")
    client("clear-faults", "remove pending faults")
    client("expire-tokens", "invalidate every bearer token")
    client("reset", "back to the seeded state")
    client("state", "print the state summary")
    client("calls", "print the call counters")

    args = parser.parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    url = args.url
    if args.command == "set-status":
        payload = {"identifiantFactureCPP": args.identifiant_facture_cpp, "statut": args.status}
        if args.comment:
            payload["commentaire"] = args.comment
        return _print(_admin_call(url, "POST", "/invoices/status", payload))
    if args.command == "set-path":
        return _print(
            _admin_call(
                url, "POST", "/invoices/path", {"numeroFacture": args.numero_facture, "path": args.statuses}
            )
        )
    if args.command == "advance":
        return _print(
            _admin_call(url, "POST", "/invoices/advance", {"ids": args.ids or None, "steps": args.steps})
        )
    if args.command == "advance-flows":
        return _print(
            _admin_call(
                url,
                "POST",
                "/flows/advance",
                {"numeros": args.numeros or None, "to_terminal": args.to_terminal},
            )
        )
    if args.command == "fault":
        payload = {"path_prefix": args.path_prefix, "kind": args.kind, "count": args.count}
        if args.delay is not None:
            payload["delay"] = args.delay
        if args.retry_after is not None:
            payload["retry_after"] = args.retry_after
        return _print(_admin_call(url, "POST", "/faults", payload))
    if args.command == "realism":
        payload = {"realism": args.realism}
        if args.throttle_every is not None:
            payload["throttle_every"] = args.throttle_every
        if args.token_life_fraction is not None:
            payload["token_life_fraction"] = args.token_life_fraction
        return _print(_admin_call(url, "POST", "/config", payload))
    if args.command == "flow-status":
        return _print(
            _admin_call(
                url,
                "POST",
                "/flows/status",
                {"numeroFluxDepot": args.numero, "statut": args.status, "hold": not args.release},
            )
        )
    if args.command == "add-structure":
        return _print(_add_structure(url, args))
    if args.command == "add-account":
        return _print(
            _admin_call(
                url,
                "POST",
                "/accounts",
                {"login": args.login, "password": args.password, "structures": args.structure},
            )
        )
    if args.command == "add-portal-invoice":
        return _print(
            _admin_call(
                url,
                "POST",
                "/invoices/portal",
                _options(
                    args,
                    (
                        "supplier",
                        "number",
                        "recipient",
                        "amount_untaxed",
                        "amount_total",
                        "invoice_date",
                        "service_code",
                        "engagement",
                        "invoice_type",
                    ),
                ),
            )
        )
    if args.command in ("works-validate", "works-refuse"):
        return _print(_works_call(url, args))
    if args.command == "clear-faults":
        return _print(_admin_call(url, "DELETE", "/faults"))
    if args.command == "expire-tokens":
        return _print(_admin_call(url, "POST", "/tokens/expire", {}))
    if args.command == "reset":
        return _print(_admin_call(url, "POST", "/reset", {}))
    if args.command == "state":
        return _print(_admin_call(url, "GET", "/state"))
    if args.command == "calls":
        return _print(_admin_call(url, "GET", "/calls"))
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
