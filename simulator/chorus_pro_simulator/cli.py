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
        base_url.rstrip("/") + "/_simulator" + route, data=data, method=method,
        headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as err:
        body = err.read().decode("utf-8", errors="replace")
        raise SystemExit(f"error {err.code}: {body}") from None
    except urllib.error.URLError as err:
        raise SystemExit(f"cannot reach the simulator at {base_url}: {err.reason}") \
            from None


def _serve(args):
    from .simulator import Simulator

    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    sim = Simulator(state_path=args.state, invoice_advance=args.advance,
                    flow_steps=args.flow_steps, token_lifetime=args.token_lifetime,
                    fault_delay=args.fault_delay, realism=args.realism,
                    throttle_every=args.throttle_every,
                    token_life_fraction=args.token_life_fraction,
                    retry_after=args.retry_after)
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


def _print(result):
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="chorus-pro-simulator",
                                     description="Local Chorus Pro API simulator")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the simulator HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8090)
    serve.add_argument("--state", default=None, help="SQLite file keeping the state")
    serve.add_argument("--advance", choices=("manual", "on_poll"), default="manual")
    serve.add_argument("--flow-steps", type=int, default=3)
    serve.add_argument("--token-lifetime", type=int, default=3600)
    serve.add_argument("--fault-delay", type=float, default=5.0)
    serve.add_argument("--realism", choices=("strict", "production"), default="strict",
                       help="strict: the written contract; production: as the real "
                       "platform answers (see README)")
    serve.add_argument("--throttle-every", type=int, default=0, metavar="N",
                       help="production: every Nth API call answers HTTP 429")
    serve.add_argument("--token-life-fraction", type=float, default=0.5,
                       help="production: tokens die after this part of expires_in")
    serve.add_argument("--retry-after", type=int, default=1,
                       help="Retry-After seconds of 429/503 answers")
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
        payload = {"identifiantFactureCPP": args.identifiant_facture_cpp,
                   "statut": args.status}
        if args.comment:
            payload["commentaire"] = args.comment
        return _print(_admin_call(url, "POST", "/invoices/status", payload))
    if args.command == "set-path":
        return _print(_admin_call(url, "POST", "/invoices/path", {
            "numeroFacture": args.numero_facture, "path": args.statuses}))
    if args.command == "advance":
        return _print(_admin_call(url, "POST", "/invoices/advance", {
            "ids": args.ids or None, "steps": args.steps}))
    if args.command == "advance-flows":
        return _print(_admin_call(url, "POST", "/flows/advance", {
            "numeros": args.numeros or None, "to_terminal": args.to_terminal}))
    if args.command == "fault":
        payload = {"path_prefix": args.path_prefix, "kind": args.kind,
                   "count": args.count}
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
        return _print(_admin_call(url, "POST", "/flows/status", {
            "numeroFluxDepot": args.numero, "statut": args.status,
            "hold": not args.release}))
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
