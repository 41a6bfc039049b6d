# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Chorus Pro volume benchmark: batch deposit of N invoices, then status sync of M.

Runs INSIDE Odoo, as the stdin script of ``odoo-bin shell`` (``env`` is given by
the shell). Use ``benchmarks/run_chorus.sh [N]``: it creates a throw-away database
with the module installed (no demo data), starts an Odoo HTTP server for
wkhtmltopdf's asset requests, runs this script and drops the database.

The Chorus Pro simulator (``chorus_pro_simulator``) runs in this process, in a
background thread, with ``flow_steps=0`` (a flow is terminal at its first poll).
Nothing is mocked on the Odoo side: the real ``chorus.pro.connector`` methods run.

1. Deposit: the first N posted invoices are deposited in flows of BENCH_BATCH
   (``_deposit(batch, batch=True)`` + ``env.cr.commit()`` per flow, as a real run
   would), then ``_update_flows`` reads every flow report and links the invoice
   identifiers. Prints the wall time split into report rendering (wkhtmltopdf),
   Factur-X build (XML + XSD + schematron + PDF/A + embed), deposit calls and flow
   processing; the API calls made (simulator counters, and the connector's client
   counters); peak RSS.
2. Status sync: the invoices up to BENCH_SYNC_N are deposited the same way (a
   second deposit run, reported too), then three ``_sync_invoice_statuses`` runs:
   A) nothing changed; B) BENCH_SYNC_CHANGES statuses changed on the simulator
   (MISE_A_DISPOSITION, MISE_EN_PAIEMENT, REJETEE with a comment); C) a handful
   changed. For each: API calls, invoices changed, calls per changed invoice, wall
   time.

0. Directory read: a structure with BENCH_DIRECTORY_SERVICES (218) services
   is added to the simulator through its Python admin API (``add_structure``,
   ``add_service``); the recipient is read with ``_sync_recipients`` (the partner
   button's path: structure search, ``consulter``, the services listing, no
   ``consulter/service``), at the connector's page size (100) and with the simulator
   capping pages at 10 as the worst case; then one service's details on demand
   (``_ensure_service_details``), and, for comparison, the old full read
   (``get_directory_entry(service_details=True)``, one call per service).

The simulator runs in BENCH_REALISM (``production`` by default: no-result codes on
empty searches, top-level paging, lenient parsing, tokens dying before ``expires_in``;
BENCH_THROTTLE_EVERY=N adds a 429 every Nth call).

No timing is asserted: the script prints figures. It exits non-zero only when the
run itself is wrong (invoices not deposited, statuses not applied...).

Environment: BENCH_N (default 500), BENCH_BATCH (invoices per flow, default 50),
BENCH_SYNC_N (invoices for the status sync, default 1000; min N),
BENCH_SYNC_CHANGES ("to MISE_A_DISPOSITION,to MISE_EN_PAIEMENT,to REJETEE", default
"100,40,10"), BENCH_SYNC_FEW (changes of sync C, default 5), BENCH_REPORT_URL (the
Odoo HTTP server for report assets), BENCH_PROFILE=1 (cProfile of deposit run 1,
of sync B and of the batch Send's job, top functions printed; the profiler slows the run down),
BENCH_SYNC_RENDER ("reuse", the default: the invoices deposited only to reach
BENCH_SYNC_N reuse one real report PDF, each with its own Factur-X XML, as the
module's tests do; "real": render them all), BENCH_PRINT_DELAY (Odoo's
``report.print_delay``, the --javascript-delay of every wkhtmltopdf run; unset =
Odoo's default, 1000 ms).

Rendering: ``_facturx_render_invoice_pdfs`` runs wkhtmltopdf once per chunk of 50
invoices (with Debian's unpatched-Qt wkhtmltopdf, the chunk is one HTML document
split by page; an invoice longer than one page is rendered alone). The script first
calls it on two invoices and prints how many wkhtmltopdf runs that took. If that call
fails, it reports a failure and renders one invoice per run (``chunk=1``) to measure
the rest.
"""

import collections
import cProfile
import datetime
import functools
import io
import logging
import os
import platform
import pstats
import random
import resource
import time

from bench_common import (
    create_bank_account,
    create_company,
    proc_status_kib,
    run_benchmark,
    say,
    say_wall_time,
    use_report_server,
)
from chorus_pro_simulator import Simulator
from pypdf import PdfReader

from odoo import Command, fields

from odoo.addons.base.models.ir_actions_report import _wkhtml
from odoo.addons.l10n_fr_chorus_pro.lib import chorus as cc

WKHTML = _wkhtml()

N = int(os.environ.get("BENCH_N") or 500)
BATCH = int(os.environ.get("BENCH_BATCH") or 50)
SYNC_N = max(N, int(os.environ.get("BENCH_SYNC_N") or 1000))
SYNC_CHANGES = [int(x) for x in (os.environ.get("BENCH_SYNC_CHANGES") or "100,40,10").split(",")]
SYNC_FEW = int(os.environ.get("BENCH_SYNC_FEW") or 5)
REPORT_URL = (os.environ.get("BENCH_REPORT_URL") or "").rstrip("/")
PROFILE = os.environ.get("BENCH_PROFILE", "0") not in ("", "0")
SYNC_RENDER = os.environ.get("BENCH_SYNC_RENDER") or "reuse"  # or "real"
PRINT_DELAY = os.environ.get("BENCH_PRINT_DELAY")  # report.print_delay (ms); Odoo's default 1000
UI_N = int(os.environ.get("BENCH_UI_N") or N)  # the user's path (0: skipped)
SEND_N = int(os.environ.get("BENCH_SEND_N") or 100)  # batch Send by Chorus Pro (0: skipped)
REALISM = os.environ.get("BENCH_REALISM") or "production"  # simulator realism
THROTTLE_EVERY = int(os.environ.get("BENCH_THROTTLE_EVERY") or 0)  # production: a 429 every Nth call
DIRECTORY_SERVICES = int(os.environ.get("BENCH_DIRECTORY_SERVICES") or 218)  # 0: skipped
DIRECTORY_TARGET_CALLS = 25  # for a 218-service structure
DIRECTORY_SIRET = "21930000000017"  # a structure added to the simulator by this script
DEPOSIT_TARGET_S = 30.0  # for 500 invoices (60 s before)
USER_PATH_TARGET_S = 40.0  # for 500 invoices, list > wizard > Deposit > job > flows integrated
SEND_TARGET_S = 10.0  # for 100 invoices, batch Send by Chorus Pro > flows integrated
WIZARD_OPEN_TARGET_S = 5.0  # for 500 invoices
CALLS_PER_CHANGE_TARGET = 1.0

LOGIN = "TECH_1_81234567600017@cpro.fr"
PASSWORD = "Chorus-Sim-2026"
TOKEN_PATH = "/api/oauth/token"

failures = []


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def vm_hwm_mib(pid):
    kib = proc_status_kib(pid, "VmHWM") if pid else None
    return None if kib is None else kib / 1024


def short(path):
    return path.replace("/cpro/", "").replace("/v1/", "/")


# ---------------------------------------------------------------------------
# Probes: time and count methods without changing them
# ---------------------------------------------------------------------------


class Probe:
    """Accumulates wall time (s) and counts of wrapped methods, by key."""

    def __init__(self):
        self.seconds = collections.defaultdict(float)
        self.count = collections.Counter()
        self.facturx_ms = collections.defaultdict(float)  # _build_facturx's own timings
        self.clients = []
        self._patches = []

    def wrap(self, cls, name, key=None, key_fn=None, on_result=None):
        original = getattr(cls, name)
        probe = self

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            label = key_fn(*args, **kwargs) if key_fn else (key or name)
            start = time.perf_counter()
            try:
                result = original(*args, **kwargs)
            finally:
                probe.seconds[label] += time.perf_counter() - start
                probe.count[label] += 1
            if on_result:
                on_result(result)
            return result

        self._patches.append((cls, name, cls.__dict__.get(name), name in cls.__dict__))
        setattr(cls, name, wrapper)

    def replace(self, cls, name, function):
        self._patches.append((cls, name, cls.__dict__.get(name), name in cls.__dict__))
        setattr(cls, name, function)

    def restore(self):
        for cls, name, value, had in reversed(self._patches):
            if had:
                setattr(cls, name, value)
            else:
                delattr(cls, name)
        self._patches = []

    def snapshot(self):
        return (
            dict(self.seconds),
            dict(self.count),
            dict(self.facturx_ms),
            sum(client.call_count for client in self.clients),
        )

    def since(self, snap):
        seconds, count, facturx_ms, client_calls = snap
        return (
            {k: v - seconds.get(k, 0.0) for k, v in self.seconds.items()},
            {k: v - count.get(k, 0) for k, v in self.count.items()},
            {k: v - facturx_ms.get(k, 0.0) for k, v in self.facturx_ms.items()},
            sum(client.call_count for client in self.clients) - client_calls,
        )


RENDER = {"mode": "module", "sample": None}


def install_render_switch(env, probe):
    """``_facturx_render_invoice_pdfs`` as the module has it ("module"), one invoice
    per wkhtmltopdf run ("one_by_one", for unpatched Qt), or one sample PDF for every
    invoice ("reuse")."""
    engine_cls = type(env["chorus.pro.facturx"])
    original = engine_cls._facturx_render_invoice_pdfs

    @functools.wraps(original)
    def render(self, moves, *args, **kwargs):
        if RENDER["mode"] == "reuse":
            return dict.fromkeys(moves.ids, RENDER["sample"])
        if RENDER["mode"] == "one_by_one":
            return original(self, moves, chunk=1)
        return original(self, moves, *args, **kwargs)

    probe.replace(engine_cls, "_facturx_render_invoice_pdfs", render)
    return original


def check_batch_rendering(env, original, moves):
    """The module's chunked rendering on two invoices, as ``_deposit`` calls it."""
    engine = env["chorus.pro.facturx"]
    start = time.perf_counter()
    try:
        with env.cr.savepoint():
            pdfs = original(engine, moves[:2])
    except Exception as error:
        return False, f"{type(error).__name__}: {error}", time.perf_counter() - start
    seconds = time.perf_counter() - start
    if len(pdfs) != 2:
        return False, f"{len(pdfs)} PDF(s) for 2 invoices", seconds
    # The engine inlines the report stylesheets (no asset request to the server) and
    # uses installed fonts: the invoice number must be real text.
    text = PdfReader(io.BytesIO(pdfs[moves[0].id])).pages[0].extract_text()
    if moves[0].name not in text:
        return False, f"{moves[0].name} is not text in its PDF (web fonts drawn as paths?)", seconds
    return True, "ok", seconds


CHECKLIST_RUNS = "checklist runs"
EN16931_BUILDS = "EN 16931 builds"


def per_invoice_counts(probe, snap, n):
    """``checklist runs x/invoice, EN 16931 builds y/invoice`` since ``snap``."""
    _seconds, counts, _ms, _calls = probe.since(snap)
    return ", ".join(
        f"{key} {counts.get(key, 0) / n:.2f}/invoice" for key in (CHECKLIST_RUNS, EN16931_BUILDS)
    )


def install_probes(env, probe):
    connector_cls = type(env["chorus.pro.connector"])
    engine_cls = type(env["chorus.pro.facturx"])
    report_cls = type(env["ir.actions.report"])

    def keep_client(client):
        probe.clients.append(client)

    def keep_timings(result):
        for key, value in (result or {}).get("timings", {}).items():
            probe.facturx_ms[key] += value or 0.0

    probe.wrap(connector_cls, "_get_client", on_result=keep_client)
    for name in (
        "_deposit",
        "_refresh_stale_recipients",
        "_find_on_chorus",
        "_check_engagements",
        "_deposit_group",
        "_flow_file",
        "_update_flows",
        "_update_flow",
        "_link_found_invoice",
        "_store_certificate",
        "_mark_rejected",
        "_apply_invoice_status",
        "_last_status_comment",
        "_sync_invoice_statuses",
    ):
        probe.wrap(connector_cls, name)
    probe.wrap(engine_cls, "_facturx_render_invoice_pdfs")
    # Per invoice and deposit, the target is one of each.
    probe.wrap(type(env["chorus.pro.checklist"]), "_check", key=CHECKLIST_RUNS)
    probe.wrap(engine_cls, "_facturx_build_data", key=EN16931_BUILDS)
    probe.wrap(engine_cls, "_build_facturx", on_result=keep_timings)
    if hasattr(engine_cls, "_facturx_prevalidate"):
        probe.wrap(engine_cls, "_facturx_prevalidate")
    probe.wrap(report_cls, "_run_wkhtmltopdf")
    if hasattr(report_cls, "_chorus_run_side_by_side"):
        # wkhtmltopdf processes run at the same time for one batch (both cores).

        def count_side_by_side(pdfs):
            probe.count["wkhtmltopdf processes side by side"] += len(pdfs or [])

        probe.wrap(report_cls, "_chorus_run_side_by_side", on_result=count_side_by_side)
    from odoo.addons.l10n_fr_chorus_pro.lib import facturx_validation

    probe.wrap(facturx_validation, "validate_facturx_xml")  # real validations (cache misses)
    # Every HTTP operation of the client, by API path (retries included), and the token.
    probe.wrap(cc.ChorusClient, "_call", key_fn=lambda self, path, *a, **k: "http " + path)
    probe.wrap(cc.ChorusClient, "_request_token", key="http " + TOKEN_PATH)

    def count_listed(result):
        probe.count["invoices listed by searches"] += len(result or [])

    probe.wrap(cc.ChorusClient, "search_invoices", on_result=count_listed)


def calls_delta(sim, before):
    now = sim.calls
    return {path: n - before.get(path, 0) for path, n in now.items() if n - before.get(path, 0)}


def print_calls(delta, indent="    "):
    for path, n in sorted(delta.items(), key=lambda item: (-item[1], item[0])):
        say(f"{indent}{n:6d}  {path}")


# ---------------------------------------------------------------------------
# Data set
# ---------------------------------------------------------------------------


def set_up(shell_env, server):
    env = shell_env
    use_report_server(env, REPORT_URL, PRINT_DELAY)
    env, company = create_company(env)
    company.write(
        {
            "chorus_environment": "custom",
            "chorus_api_url": server.url,
            "chorus_token_url": server.token_url,
            "chorus_client_id": "chorus-sim-client",
            "chorus_client_secret": "chorus-sim-secret",
            "chorus_login": LOGIN,
            "chorus_password": PASSWORD,
        }
    )
    create_bank_account(env, company)
    return env, company, create_invoices(env, company, SYNC_N)


def create_invoices(env, company, count):
    """``count`` posted invoices to the Département 93 (PMI, an EJ), committed."""
    tax_20 = env["account.chart.template"].with_company(company).ref("tva_normale")
    bank_account = env["res.partner.bank"].search([("partner_id", "=", company.partner_id.id)], limit=1)
    admin = env.ref("base.user_admin")
    recipient = env.ref("l10n_fr_chorus_pro.partner_departement_93")
    service = env.ref("l10n_fr_chorus_pro.service_departement_93_pmi_132")
    today = fields.Date.context_today(company)
    moves = env["account.move"]
    for start in range(0, count, 100):
        vals_list = []
        for index in range(start, min(start + 100, count)):
            lines = [
                Command.create(
                    {
                        "name": "Consultation PMI",
                        "quantity": 1 + index % 4,
                        "price_unit": 95.0,
                        "tax_ids": [Command.set(tax_20.ids)],
                    }
                )
            ]
            if index % 2:
                lines.append(
                    Command.create(
                        {
                            "name": "Frais de déplacement",
                            "quantity": 1,
                            "price_unit": 27.3 + index % 7,
                            "tax_ids": [Command.set(tax_20.ids)],
                        }
                    )
                )
            vals_list.append(
                {
                    "move_type": "out_invoice",
                    "company_id": company.id,
                    "partner_id": recipient.id,
                    "chorus_service_id": service.id,
                    "purchase_order_reference": "EJ2026-000123",
                    "partner_bank_id": bank_account.id,
                    "invoice_user_id": admin.id,
                    "invoice_date": today,
                    "invoice_line_ids": lines,
                }
            )
        chunk = env["account.move"].create(vals_list)
        chunk.action_post()
        env.cr.commit()
        moves |= chunk
    return moves.sorted("id")


# ---------------------------------------------------------------------------
# Deposit
# ---------------------------------------------------------------------------


def deposit_run(env, sim, probe, moves, label):
    """Deposit ``moves`` in flows of BATCH (commit after each), then process the flows.
    Returns a dict of figures."""
    connector = env["chorus.pro.connector"]
    batches = [moves[i : i + BATCH] for i in range(0, len(moves), BATCH)]
    say(
        f"{label}: {len(moves)} invoices ({moves[0].name} .. {moves[-1].name}) in "
        f"{len(batches)} flow(s) of up to {BATCH}"
    )
    say(
        f"  {'flow':>4} {'inv':>4} {'total s':>8} {'render':>7} {'build':>7} {'deposit':>8} "
        f"{'(http)':>7} {'checks':>7} {'other':>6} {'calls':>6} {'search pages':>13}"
    )
    calls_start = sim.calls
    snap_start = probe.snapshot()
    rss_start = peak_rss_mib()
    flows = env["chorus.pro.flow"]
    wall_start = time.perf_counter()
    for number, batch in enumerate(batches, 1):
        calls_before = sim.calls
        snap = probe.snapshot()
        start = time.perf_counter()
        flows |= connector._deposit(batch, batch=True)
        env.cr.commit()
        total = time.perf_counter() - start
        seconds, _count, _fx, _client = probe.since(snap)
        delta = calls_delta(sim, calls_before)
        render = seconds.get("_facturx_render_invoice_pdfs", 0)
        build = seconds.get("_build_facturx", 0)
        deposit = seconds.get("_deposit_group", 0)
        http_deposit = seconds.get("http " + cc.P_DEPOSIT, 0)
        checks = (
            seconds.get("_refresh_stale_recipients", 0)
            + seconds.get("_find_on_chorus", 0)
            + seconds.get("_check_engagements", 0)
        )
        other = total - render - build - deposit - checks
        say(
            f"  {number:4d} {len(batch):4d} {total:8.2f} {render:7.2f} {build:7.2f} {deposit:8.2f} "
            f"{http_deposit:7.2f} {checks:7.2f} {other:6.2f} {sum(delta.values()):6d} "
            f"{delta.get(cc.P_SEARCH_INVOICES, 0):13d}"
        )
    deposit_wall = time.perf_counter() - wall_start
    deposit_calls = calls_delta(sim, calls_start)
    deposit_seconds, deposit_counts, facturx_ms, deposit_client_calls = probe.since(snap_start)

    calls_before = sim.calls
    snap = probe.snapshot()
    start = time.perf_counter()
    connector._update_flows(flows)
    env.cr.commit()
    flows_wall = time.perf_counter() - start
    flow_calls = calls_delta(sim, calls_before)
    flow_seconds, _counts, _fx, flow_client_calls = probe.since(snap)
    wall = time.perf_counter() - wall_start

    # Checks of the outcome (not timed).
    env.invalidate_all()
    statuses = collections.Counter(flows.mapped("status"))
    linked = moves.filtered("chorus_identifier")
    if statuses != {"IN_INTEGRE": len(flows)}:
        failures.append(f"{label}: flow statuses {dict(statuses)}")
        for flow in flows.filtered(lambda f: f.status != "IN_INTEGRE")[:3]:
            say(f"  ! flow {flow.name} {flow.status} {flow.state}: {flow.error_message or ''}")
    if len(linked) != len(moves) or set(moves.mapped("chorus_status")) != {"DEPOSEE"}:
        failures.append(
            f"{label}: {len(linked)}/{len(moves)} invoices got a Chorus identifier, "
            f"statuses {collections.Counter(moves.mapped('chorus_status'))}"
        )
        for move in (moves - linked)[:3]:
            say(f"  ! {move.name} {move.chorus_state}: {(move.message_ids[:1].body or '')[:300]}")
    render = deposit_seconds.get("_facturx_render_invoice_pdfs", 0)
    build = deposit_seconds.get("_build_facturx", 0)
    deposit_group = deposit_seconds.get("_deposit_group", 0)
    http_deposit = deposit_seconds.get("http " + cc.P_DEPOSIT, 0)
    tar = deposit_seconds.get("_flow_file", 0)
    checks = {
        "directory refresh (_refresh_stale_recipients)": deposit_seconds.get("_refresh_stale_recipients", 0),
        "duplicate search (_find_on_chorus)": deposit_seconds.get("_find_on_chorus", 0),
        "engagement check": deposit_seconds.get("_check_engagements", 0),
    }
    other = deposit_wall - render - build - deposit_group - sum(checks.values())
    n = len(moves)
    http_flow = {
        path: flow_seconds.get("http " + path, 0)
        for path in (cc.P_FLOW_REPORT, cc.P_SEARCH_INVOICES, cc.P_FLOW_REPORT_PDF)
    }
    link = flow_seconds.get("_link_found_invoice", 0)
    certificate = flow_seconds.get("_store_certificate", 0)
    total_calls = sum(deposit_calls.values()) + sum(flow_calls.values())

    def pct(value):
        return f"{100 * value / wall:5.1f} %"

    say("")
    say(f"  {label} results, {n} invoices, {len(flows)} flows:")
    say(
        f"    WALL TIME {wall:8.2f} s = {1000 * wall / n:6.1f} ms/invoice "
        f"(deposit loop {deposit_wall:.2f} s + flow processing {flows_wall:.2f} s)"
    )
    say(
        f"    - report rendering (wkhtmltopdf)     {render:8.2f} s  {pct(render)}  "
        f"{deposit_counts.get('_run_wkhtmltopdf', 0)} report render(s), "
        f"{deposit_counts.get('wkhtmltopdf processes side by side', 0)} wkhtmltopdf "
        "process(es) side by side, "
        f"{1000 * render / n:.1f} ms/invoice"
    )
    say(
        f"    - Factur-X build                     {build:8.2f} s  {pct(build)}  "
        f"{1000 * build / n:.1f} ms/invoice: XML {facturx_ms.get('xml', 0) / n:.1f}, XSD "
        f"{facturx_ms.get('xsd', 0) / n:.1f}, schematron {facturx_ms.get('schematron', 0) / n:.1f}, "
        f"PDF/A+embed {facturx_ms.get('pdf', 0) / n:.1f} ms"
    )
    say(
        f"      Factur-X validated ahead, side by side while drawing (_facturx_prevalidate: XML "
        f"then {deposit_counts.get('validate_facturx_xml', 0)} validation(s) taking "
        f"{deposit_seconds.get('validate_facturx_xml', 0):.2f} s of worker time in all, "
        f"{deposit_seconds.get('_facturx_prevalidate', 0):.2f} s in the deposit's thread)"
    )
    say(
        f"    - deposit (_deposit_group)           {deposit_group:8.2f} s  {pct(deposit_group)}  "
        f"of which HTTP deposer/flux {http_deposit:.2f} s (simulator included), tar.gz "
        f"{tar:.2f} s, Odoo writes/messages {deposit_group - http_deposit - tar:.2f} s"
    )
    for name, value in checks.items():
        say(f"    - {name:<35}{value:8.2f} s  {pct(value)}")
    say(f"    - other (locks, checks, ORM)         {other:8.2f} s  {pct(other)}")
    say(
        f"    - flow processing (_update_flows)    {flows_wall:8.2f} s  {pct(flows_wall)}  "
        f"HTTP: report {http_flow[cc.P_FLOW_REPORT]:.2f} s (the simulator integrates the flow "
        f"then), search {http_flow[cc.P_SEARCH_INVOICES]:.2f} s, certificate "
        f"{http_flow[cc.P_FLOW_REPORT_PDF]:.2f} s; Odoo: link invoices {link:.2f} s, store "
        f"certificates {certificate:.2f} s"
    )
    sizes = flows.mapped("attachment_id.file_size")
    say(
        f"    flow files (tar.gz of the Factur-X PDFs): {sum(sizes) / 2**20:.1f} MiB in all, "
        f"{max(sizes) / 2**20:.1f} MiB the largest; per invoice {sum(sizes) / n / 1024:.0f} KiB"
    )
    say(
        f"    API CALLS {total_calls} (simulator counters) = {total_calls / n:.3f} per invoice; "
        f"connector client counters: {deposit_client_calls + flow_client_calls}"
    )
    say(f"      deposit loop: {sum(deposit_calls.values())}")
    print_calls(deposit_calls, indent="        ")
    say(f"      flow processing: {sum(flow_calls.values())}")
    print_calls(flow_calls, indent="        ")
    say(
        f"    PEAK RSS of the Odoo process (simulator thread included): {rss_start:.0f} MiB before, "
        f"{peak_rss_mib():.0f} MiB after"
    )
    return {
        "wall": wall,
        "n": n,
        "flows": len(flows),
        "calls": total_calls,
        "render": render,
        "build": build,
        "deposit": deposit_group,
        "flow": flows_wall,
        "search_pages": deposit_calls.get(cc.P_SEARCH_INVOICES, 0),
    }


# ---------------------------------------------------------------------------
# The user's path: list selection -> wizard -> Deposit -> background job
# ---------------------------------------------------------------------------

WIZARD_SPEC = {
    "state": {},
    "all_ok": {},
    "can_edit_move": {},
    "move_count": {},
    "summary": {},
    "commercial_partner_id": {"fields": {"display_name": {}}},
    "move_ids": {"fields": {"display_name": {}}},
    "job_id": {"fields": {"display_name": {}}},
    "chorus_service_id": {"fields": {"display_name": {}}},
    "purchase_order_reference": {},
    "contract_reference": {},
    "check_summary": {},
    "checklist_html": {},
    "batch": {},
    "checklist_token": {},
    "line_ids": {
        "fields": {"move_id": {"fields": {"display_name": {}}}, "ok": {}, "label": {}, "message": {}}
    },
}


def _save_values(value, moves):
    """The onchange's values as the web client sends them back to ``web_save``: the
    selected invoices, the checklist lines it received and the signed checklist preview
    (``checklist_token``, an invisible field of the form)."""

    def plain(v):
        return v["id"] if isinstance(v, dict) and "id" in v else v

    lines = [
        Command.create({k: plain(v) for k, v in command[2].items()})
        for command in value.get("line_ids") or []
        if command[0] == Command.CREATE
    ]
    return {
        "batch": value.get("batch", True),
        "move_ids": [Command.set(moves.ids)],
        "line_ids": lines,
        "checklist_token": value.get("checklist_token"),
    }


def user_path_run(env, sim, probe, moves):
    """Actions > Deposit to Chorus Pro on ``moves`` selected in the invoice list: the
    wizard opens (onchange, in the list action's context), Deposit (create + button),
    the background job (the cron), then the flow reports. Returns a dict of figures."""
    from odoo.tools.safe_eval import safe_eval

    list_action = env.ref("account.action_move_out_invoice_type")
    context = dict(
        safe_eval(list_action.context or "{}", {"uid": env.uid}),
        active_model="account.move",
        active_ids=moves.ids,
        active_id=moves[0].id,
        active_domain=[],
    )
    wizard_action = env.ref("l10n_fr_chorus_pro.action_chorus_pro_deposit_wizard")
    context.update(safe_eval(wizard_action.context or "{}", dict(context, context=context)))
    wizards = env["chorus.pro.deposit.wizard"].with_context(context)
    n = len(moves)
    say(
        f"user path: {n} posted invoices ({moves[0].name} .. {moves[-1].name}) selected in the "
        f"invoice list, Actions > Deposit to Chorus Pro (context {sorted(context)})"
    )

    def validations():
        return probe.count.get("validate_facturx_xml", 0)

    calls_start, v0, wall_start = sim.calls, validations(), time.perf_counter()
    snap = probe.snapshot()
    result = wizards.onchange({}, [], WIZARD_SPEC)
    # A request of its own, committed as the web client's are: the checklist may have read a
    # service's details from Chorus Pro and kept them (the signed preview saw them kept).
    env.cr.commit()
    t_open = time.perf_counter() - wall_start
    value = result["value"]
    v_open = validations() - v0
    say(
        f"  wizard open (onchange: checklist of {n} invoices, {len(value.get('line_ids') or [])} "
        f"lines): {t_open:.2f} s, {v_open} Factur-X validation(s); summary "
        f"{value.get('check_summary')!r}"
    )
    start = time.perf_counter()
    wizard = wizards.create(_save_values(value, moves))
    wizard.action_deposit()
    env.cr.commit()
    t_click = time.perf_counter() - start
    v_click = validations() - v0 - v_open
    job = wizard.job_id
    say(
        f"  Deposit click (create + action_deposit): {t_click:.2f} s, state {wizard.state!r}, "
        f"job {job.id or '-'}, {v_click} validation(s)"
    )
    say(f"  open + Deposit click: {per_invoice_counts(probe, snap, n)}")
    start = time.perf_counter()
    if job:
        env["chorus.pro.deposit.job"]._cron_process_jobs()  # commits after each chunk
        env.cr.commit()
        env.invalidate_all()
        flows = job.flow_ids
    else:
        flows = moves.chorus_flow_id
    t_job = time.perf_counter() - start
    start = time.perf_counter()
    env["chorus.pro.connector"]._update_flows(flows)
    env.cr.commit()
    t_flows = time.perf_counter() - start
    wall = time.perf_counter() - wall_start
    v_all = validations() - v0
    env.invalidate_all()
    calls = calls_delta(sim, calls_start)
    statuses = collections.Counter(flows.mapped("status"))
    linked = moves.filtered("chorus_identifier")
    if (job and job.state != "done") or statuses != {"IN_INTEGRE": len(flows)} or len(linked) != n:
        failures.append(
            f"user path: job {job.state if job else '-'}, flows {dict(statuses)}, "
            f"{len(linked)}/{n} invoices integrated; {job.error_message or ''}"
        )
    if v_all != n:
        failures.append(f"user path: {v_all} Factur-X validations for {n} invoices (expected one each)")
    say(
        f"  background job (cron, chunks of {env['chorus.pro.deposit.job']._chunk_size()}): "
        f"{t_job:.2f} s, {len(flows)} flows; flow processing {t_flows:.2f} s"
    )
    say(
        f"  every flow integrated: {dict(statuses)}, {len(linked)}/{n} invoices with their Chorus "
        f"Pro id; API calls {sum(calls.values())}; Factur-X validations {v_all} for {n} invoices"
    )
    say(f"  whole user path: {per_invoice_counts(probe, snap, n)}")
    return {
        "n": n,
        "open": t_open,
        "click": t_click,
        "job": t_job,
        "flows": t_flows,
        "wall": wall,
        "validations": v_all,
        "flow_count": len(flows),
    }


# The batch Send dialog's form (account.move.send.batch.wizard), as the web client reads it.
SEND_SPEC = {"move_ids": {}, "alerts": {}, "summary_data": {}, "chorus_checklist_token": {}}


def send_path_run(env, sim, probe, moves):
    """Send on ``moves`` selected in the invoice list, *by Chorus Pro*: the batch dialog
    opens (summary and alerts: the checklist of each invoice), Send queues them in one
    background deposit job, whose cron sends them (chunks of 50, Odoo's sending steps),
    Odoo's sending cron for anything it left, then the flow reports. Returns a dict of
    figures."""
    n = len(moves)
    context = {"active_model": "account.move", "active_ids": moves.ids}
    say(
        f"send path: {n} posted invoices ({moves[0].name} .. {moves[-1].name}) selected in the "
        "invoice list, Send (batch dialog), by Chorus Pro"
    )
    jobs_model = env["chorus.pro.deposit.job"]
    jobs_before = jobs_model.search([])
    calls_start, wall_start = sim.calls, time.perf_counter()
    snap = probe.snapshot()
    # The dialog's opening (onchange, its own request), then Send: the web client saves
    # the dialog (its invisible signed checklist included, reading summary and alerts
    # back), then calls the button.
    wizards = env["account.move.send.batch.wizard"].with_context(**context)
    value = wizards.onchange({}, [], SEND_SPEC)["value"]
    # A request of its own, committed as the web client's are: the checklist may have read a
    # service's details from Chorus Pro and kept them (the signed preview saw them kept).
    env.cr.commit()
    summary, alerts = value.get("summary_data") or {}, value.get("alerts") or {}
    t_open = time.perf_counter() - wall_start
    say(f"  dialog open (summary {summary.get('chorus_pro')}, alerts {sorted(alerts)}): {t_open:.2f} s")
    start = time.perf_counter()
    save = {
        "move_ids": [Command.set(moves.ids)],
        "chorus_checklist_token": value.get("chorus_checklist_token"),
    }
    wizard_id = wizards.web_save(save, SEND_SPEC)[0]["id"]
    env.cr.commit()
    env.invalidate_all()
    wizards.browse(wizard_id).action_send_and_print()
    env.cr.commit()
    t_click = time.perf_counter() - start
    say(f"  dialog open + Send click: {per_invoice_counts(probe, snap, n)}")
    jobs = jobs_model.search([]) - jobs_before
    profiler = cProfile.Profile() if PROFILE else None
    start = time.perf_counter()
    if jobs:
        if profiler:
            profiler.enable()
        jobs_model._cron_process_jobs()  # commits after each chunk
        if profiler:
            profiler.disable()
        env.cr.commit()
    t_job = time.perf_counter() - start
    start, runs = time.perf_counter(), 0
    pending = [("id", "in", moves.ids), ("sending_data", "!=", False)]
    while env["account.move"].search_count(pending) and runs < n:
        env["account.move"]._cron_account_move_send()  # 10 invoices per run, as Odoo's cron
        env.cr.commit()
        runs += 1
    t_cron = time.perf_counter() - start
    env.invalidate_all()
    flows = moves.chorus_flow_id
    start = time.perf_counter()
    env["chorus.pro.connector"]._update_flows(flows)
    env.cr.commit()
    t_flows = time.perf_counter() - start
    wall = time.perf_counter() - wall_start
    env.invalidate_all()
    calls = calls_delta(sim, calls_start)
    statuses = collections.Counter(flows.mapped("status"))
    linked = moves.filtered("chorus_identifier")
    deposits = calls.get("/cpro/factures/v1/deposer/flux", 0)
    if statuses != {"IN_INTEGRE": len(flows)} or len(linked) != n or deposits != len(flows):
        failures.append(
            f"send path: flows {dict(statuses)}, {len(linked)}/{n} invoices "
            f"integrated, {deposits} deposit calls for {len(flows)} flows"
        )
    if jobs and set(jobs.mapped("state")) != {"done"}:
        failures.append(f"send path: background jobs {jobs.mapped('state')}")
    pdfs = moves.filtered(
        lambda m: (
            m.invoice_pdf_report_id
            and m.chorus_document_id
            and m.invoice_pdf_report_id.checksum == m.chorus_document_id.checksum
            and m.is_move_sent
        )
    )
    if len(pdfs) != n:
        failures.append(f"send path: {len(pdfs)}/{n} invoices sent with the deposited Factur-X as PDF")
    _seconds, counts, _ms, _calls = probe.since(snap)
    side_by_side = counts.get("wkhtmltopdf processes side by side", 0)
    say(
        f"  Send click (save + button: queued): {t_click:.2f} s; {len(jobs)} background job(s): "
        f"{t_job:.2f} s; "
        f"Odoo's sending cron {runs} run(s): {t_cron:.2f} s; {len(flows)} flows; flow processing "
        f"{t_flows:.2f} s"
    )
    say(
        f"  every flow integrated: {dict(statuses)}, {len(linked)}/{n} invoices with their Chorus "
        f"Pro id, {len(pdfs)}/{n} sent with the deposited Factur-X as their PDF; API calls "
        f"{sum(calls.values())}; report renders {counts.get('_run_wkhtmltopdf', 0)}, of which "
        f"wkhtmltopdf processes side by side {side_by_side}"
    )
    say(f"  whole send path: {per_invoice_counts(probe, snap, n)}")
    if profiler:
        print_profile(profiler, "cProfile of the Send's background job (main thread)", 30)
    return {
        "n": n,
        "open": t_open,
        "click": t_click,
        "jobs": len(jobs),
        "job": t_job,
        "cron": t_cron,
        "runs": runs,
        "flows": t_flows,
        "wall": wall,
        "flow_count": len(flows),
    }


# ---------------------------------------------------------------------------
# Status sync
# ---------------------------------------------------------------------------


def sync_run(env, sim, probe, company, label, expected_changes, profile=False):
    connector = env["chorus.pro.connector"]
    env.invalidate_all()
    since = company.chorus_last_status_sync
    calls_before = sim.calls
    snap = probe.snapshot()
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    changed = connector._sync_invoice_statuses(company)
    if profiler:
        profiler.disable()
    env.cr.commit()
    wall = time.perf_counter() - start
    delta = calls_delta(sim, calls_before)
    seconds, counts, _fx, client_calls = probe.since(snap)
    calls = sum(delta.values())
    per_change = calls / changed if changed else float("inf")
    http = sum(v for k, v in seconds.items() if k.startswith("http "))
    apply = seconds.get("_apply_invoice_status", 0)
    say(
        f"  {label}: chorus_last_status_sync before = {since or 'empty'} "
        f"(the search starts on its DATE: "
        f"{(since.date() if since else 'the oldest invoice creation date')})"
    )
    say(
        f"    the search listed {counts.get('invoices listed by searches', 0)} invoices "
        f"({delta.get(cc.P_SEARCH_INVOICES, 0)} pages of up to 100)"
    )
    say(
        f"    API calls {calls} (client counters {client_calls}), invoices changed {changed} "
        f"(expected {expected_changes}), calls per changed invoice "
        + (f"{per_change:.3f}" if changed else "n/a (nothing changed)")
        + (
            f"   target <= {CALLS_PER_CHANGE_TARGET:.0f}: "
            f"{'met' if per_change <= CALLS_PER_CHANGE_TARGET else 'MISSED'}"
            if changed
            else ""
        )
    )
    say(
        f"    wall {wall:.2f} s: HTTP {http:.2f} s (simulator included), applying statuses "
        f"{apply:.2f} s ({counts.get('_apply_invoice_status', 0)} calls of "
        f"_apply_invoice_status, {counts.get('_mark_rejected', 0)} rejection(s) with activity), "
        f"other {wall - http - apply:.2f} s"
    )
    print_calls(delta, indent="      ")
    if changed != expected_changes:
        failures.append(f"{label}: {changed} invoices changed, expected {expected_changes}")
    if profiler:
        print_profile(profiler, f"cProfile of {label} (main thread)", 20)
    return {"calls": calls, "changed": changed, "per_change": per_change, "wall": wall}


def check_statuses(env, sim, moves, label):
    env.invalidate_all()
    wrong = [m.name for m in moves if sim.get_invoice(int(m.chorus_identifier))["statut"] != m.chorus_status]
    if wrong:
        failures.append(f"{label}: {len(wrong)} invoices differ from the simulator: {wrong[:5]}")
    return not wrong


def print_profile(profiler, title, limit):
    for sort in ("tottime", "cumulative"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(sort)
        stats.print_stats(limit)
        text = out.getvalue()
        body = text[text.find("   ncalls") :] if "   ncalls" in text else text
        say(f"  {title}, top {limit} by {sort}:")
        for line in body.rstrip().splitlines():
            say("    " + line[:160])


# ---------------------------------------------------------------------------
# Directory read
# ---------------------------------------------------------------------------


def api_calls(delta):
    return sum(n for path, n in delta.items() if path.startswith("/cpro/"))


def directory_run(env, sim, company):
    """API calls of a directory read of a structure with DIRECTORY_SERVICES services."""
    id_structure = sim.add_structure(
        DIRECTORY_SIRET, "Collectivité 218 services (benchmark)", service_required=True
    )
    for index in range(DIRECTORY_SERVICES):
        sim.add_service(id_structure, f"B{index:03d}", f"Service {index}", ej_required=index % 7 == 0)
    partner = env["res.partner"].create(
        {
            "name": "Collectivité 218 services (benchmark)",
            "is_company": True,
            "chorus_recipient": True,
            "chorus_test_structure": True,
            "company_registry": DIRECTORY_SIRET,
        }
    )
    connector = env["chorus.pro.connector"].with_company(company)
    result = {}
    max_page = 100  # the benchmark's simulator setting (main)
    for label, page_cap in (
        ("page size 100 (the connector's)", 100),
        ("pages capped at 10 by the platform (worst case)", 10),
    ):
        sim.configure(max_page_size=page_cap)
        before, start = sim.calls, time.perf_counter()
        connector._sync_recipients(partner, company=company)
        wall = time.perf_counter() - start
        delta = calls_delta(sim, before)
        calls = api_calls(delta)
        result[page_cap] = calls
        say(
            f"  directory read, {len(partner.chorus_service_ids)} services, {label}: "
            f"{calls} API calls (target <= {DIRECTORY_TARGET_CALLS}: "
            f"{'met' if calls <= DIRECTORY_TARGET_CALLS else 'MISSED'}), {wall:.2f} s"
        )
        print_calls(delta)
        if delta.get("/cpro/structures/v1/consulter/service"):
            failures.append("the directory read called consulter/service")
        if calls > DIRECTORY_TARGET_CALLS:
            failures.append(f"directory read: {calls} API calls > {DIRECTORY_TARGET_CALLS}")
    sim.configure(max_page_size=max_page)
    if len(partner.chorus_service_ids) != DIRECTORY_SERVICES:
        failures.append(
            f"directory read: {len(partner.chorus_service_ids)} services, expected {DIRECTORY_SERVICES}"
        )
    service = partner.chorus_service_ids.sorted("code")[:1]
    before, start = sim.calls, time.perf_counter()
    unknown = connector._ensure_service_details(service, company)
    again = connector._ensure_service_details(service, company)
    delta = calls_delta(sim, before)
    say(
        f"  details of service {service.code} on demand: {api_calls(delta)} API call(s) for two "
        f"checks (then cached; EJ required: {service.engagement_required}), "
        f"{time.perf_counter() - start:.2f} s"
    )
    if unknown or again or delta.get("/cpro/structures/v1/consulter/service") != 1:
        failures.append(f"service details on demand: {delta}, {unknown or again}")
    result["on_demand"] = api_calls(delta)
    client = connector._get_client(company)
    sim.configure(max_page_size=10)
    before, start = sim.calls, time.perf_counter()
    client.get_directory_entry(DIRECTORY_SIRET, service_details=True)
    wall = time.perf_counter() - start
    sim.configure(max_page_size=max_page)
    result["full"] = api_calls(calls_delta(sim, before))
    say(
        f"  for comparison, the full read (consulter/service for every service, pages of 10): "
        f"{result['full']} API calls, {wall:.2f} s"
    )
    env.cr.commit()  # pylint: disable=invalid-commit
    return result


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def main(shell_env):  # noqa: C901
    bench_start = time.perf_counter()
    say("=" * 96)
    say("Chorus Pro volume benchmark: batch deposit and status sync (l10n_fr_chorus_pro)")
    say("=" * 96)
    say(f"date      : {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    say(f"machine   : {platform.node()} {platform.machine()}, {os.cpu_count()} CPU(s), {platform.platform()}")
    say(f"python    : {platform.python_version()}; database {shell_env.cr.dbname}")
    say(f"load avg  : {' '.join('%.2f' % x for x in os.getloadavg())} (1/5/15 min) at start")
    say(
        f"settings  : N={N} deposited in flows of {BATCH}; status sync on {SYNC_N} invoices, "
        f"changes {SYNC_CHANGES} + {SYNC_FEW}; report.url {REPORT_URL or '-'}; "
        f"profile {'on' if PROFILE else 'off'}; run-2 rendering {SYNC_RENDER}"
    )
    wk = shell_env["ir.actions.report"].get_wkhtmltopdf_state()
    say(f"wkhtmltopdf state: {wk}")
    if wk != "ok":
        failures.append(f"wkhtmltopdf state is {wk!r}")

    sim = Simulator(flow_steps=0, realism=REALISM)
    sim.configure(max_page_size=100, throttle_every=THROTTLE_EVERY)
    server = sim.serve()
    say(
        f"simulator : {server.url} (in process, background thread), realism={REALISM}, "
        f"throttle_every={THROTTLE_EVERY}, flow_steps=0, max_page_size=100, "
        "invoice_advance=manual"
    )
    probe = Probe()
    try:
        start = time.perf_counter()
        env, company, moves = set_up(shell_env, server)
        say(
            f"set-up    : company {company.name!r} (chart fr), {len(moves)} posted invoices "
            f"({moves[0].name} .. {moves[-1].name}) of 1-2 lines at 20 % to "
            f"{moves[0].partner_id.name!r}, service {moves[0].chorus_service_id.display_name!r}, "
            f"EJ {moves[0].purchase_order_reference}: {time.perf_counter() - start:.1f} s "
            "(posting runs the Chorus checklist, Factur-X validation included; not measured)"
        )
        original_render = install_render_switch(env, probe)
        install_probes(env, probe)
        runs_before = probe.count.get("_run_wkhtmltopdf", 0)
        ok, message, seconds = check_batch_rendering(env, original_render, moves)
        runs = probe.count.get("_run_wkhtmltopdf", 0) - runs_before
        if ok:
            message = f"ok, {runs} wkhtmltopdf run(s) for 2 invoices"
        delay = env["ir.config_parameter"].sudo().get_param("report.print_delay", "1000")
        say(
            f"rendering : wkhtmltopdf {'with' if WKHTML.is_patched_qt else 'WITHOUT'} patched Qt "
            f"({WKHTML.version}); report.print_delay {delay} ms per wkhtmltopdf run"
        )
        say(
            f"            _facturx_render_invoice_pdfs (chunks of 50, one wkhtmltopdf run each) "
            f"on 2 invoices: {message} ({seconds:.1f} s, not measured)"
        )
        if not ok:
            RENDER["mode"] = "one_by_one"
            failures.append(
                "the module's invoice rendering fails here on 2 invoices, so _deposit() of 2+ "
                "invoices fails: " + message
            )
            say(
                "            => _deposit() of more than one invoice FAILS with this wkhtmltopdf. "
                "To measure the rest, every invoice is rendered in its own wkhtmltopdf run "
                "(the module's per-invoice path, chunk=1)."
            )

        # ---------------------------------------------------------- 0. directory
        directory = None
        if DIRECTORY_SERVICES:
            say("")
            say("-" * 96)
            say(f"0. DIRECTORY READ: a structure with {DIRECTORY_SERVICES} services")
            say("-" * 96)
            directory = directory_run(env, sim, company)

        # ---------------------------------------------------------- 1. deposit
        say("")
        say("-" * 96)
        say("1. DEPOSIT")
        say("-" * 96)
        profiler = cProfile.Profile() if PROFILE else None
        if profiler:
            profiler.enable()
        first = deposit_run(env, sim, probe, moves[:N], "deposit run 1")
        if profiler:
            profiler.disable()
        rss_after_deposit = peak_rss_mib()

        # ---------------------------------------------------------- 2. status sync
        say("")
        say("-" * 96)
        say("2. STATUS SYNC")
        say("-" * 96)
        second = None
        if SYNC_N > N:
            if SYNC_RENDER == "reuse":
                RENDER["sample"] = env["chorus.pro.facturx"]._facturx_render_invoice_pdf(moves[0])
                RENDER["mode"], mode_before = "reuse", RENDER["mode"]
                say(
                    f"  deposit run 2 reuses ONE real report PDF ({len(RENDER['sample']) // 1024} "
                    "KiB) for all its invoices (BENCH_SYNC_RENDER=reuse): no wkhtmltopdf; each "
                    "invoice keeps its own Factur-X XML, built and validated as usual"
                )
            second = deposit_run(
                env, sim, probe, moves[N:SYNC_N], f"deposit run 2 (to reach {SYNC_N} invoices for the sync)"
            )
            if SYNC_RENDER == "reuse":
                RENDER["mode"] = mode_before
            say("")
        env.invalidate_all()
        synced = moves.filtered("chorus_identifier")
        say(f"  {len(synced)} invoices on Chorus Pro with their identifier, all DEPOSEE")
        results = {}
        results["A"] = sync_run(env, sim, probe, company, "sync A (nothing changed since the deposit)", 0)

        rng = random.Random(2026)
        to_available, to_paid, to_rejected = (SYNC_CHANGES + [0, 0, 0])[:3]
        picked = rng.sample(list(synced), min(len(synced), to_available + to_paid + to_rejected))
        expected = {}
        for index, move in enumerate(picked):
            if index < to_available:
                expected[move] = ("MISE_A_DISPOSITION", None)
            elif index < to_available + to_paid:
                expected[move] = ("MISE_EN_PAIEMENT", None)
            else:
                expected[move] = (
                    "REJETEE",
                    f"Bon de commande {move.name} introuvable, merci de joindre le justificatif",
                )
        for move, (status, comment) in expected.items():
            sim.set_invoice_status(int(move.chorus_identifier), status, comment=comment)
        say("")
        say(
            f"  changed on the simulator: {to_available} -> MISE_A_DISPOSITION, {to_paid} -> "
            f"MISE_EN_PAIEMENT, {to_rejected} -> REJETEE (with a comment)"
        )
        results["B"] = sync_run(
            env, sim, probe, company, f"sync B ({len(expected)} changed)", len(expected), profile=PROFILE
        )
        env.invalidate_all()
        bad = [m.name for m, (status, _c) in expected.items() if m.chorus_status != status]
        if bad:
            failures.append(f"sync B: statuses not applied to {bad[:5]}")
        states = collections.Counter(m.chorus_state for m in expected)
        say(f"    Odoo after sync B: chorus_state of the changed invoices {dict(states)}")
        check_statuses(env, sim, synced, "sync B")

        remaining = [m for m in synced if m not in expected]
        few = rng.sample(remaining, min(len(remaining), SYNC_FEW))
        for move in few:
            sim.set_invoice_status(int(move.chorus_identifier), "MISE_A_DISPOSITION")
        say("")
        say(f"  changed on the simulator: {len(few)} -> MISE_A_DISPOSITION (a quiet cron run)")
        results["C"] = sync_run(env, sim, probe, company, f"sync C ({len(few)} changed)", len(few))
        check_statuses(env, sim, synced, "sync C")

        # ---------------------------------------------------------- 3. user path
        user = None
        if UI_N:
            say("")
            say("-" * 96)
            say("3. THE USER'S PATH: list selection > wizard > Deposit > background job")
            say("-" * 96)
            start = time.perf_counter()
            ui_moves = create_invoices(env, company, UI_N)
            say(f"  {UI_N} more posted invoices created: {time.perf_counter() - start:.1f} s (not measured)")
            user = user_path_run(env, sim, probe, ui_moves)

        # ---------------------------------------------------------- 4. Send
        send = None
        if SEND_N:
            say("")
            say("-" * 96)
            say("4. SEND BY CHORUS PRO: list selection > Send > one background job")
            say("-" * 96)
            start = time.perf_counter()
            send_moves = create_invoices(env, company, SEND_N)
            say(
                f"  {SEND_N} more posted invoices created: {time.perf_counter() - start:.1f} s (not measured)"
            )
            send = send_path_run(env, sim, probe, send_moves)

        if profiler:
            say("")
            print_profile(
                profiler,
                "cProfile of deposit run 1 (main thread; wkhtmltopdf and "
                "the simulator thread appear as waits)",
                25,
            )

        # ---------------------------------------------------------- summary
        runner_line = ""
        try:
            from odoo.addons.l10n_fr_chorus_pro.lib.schematron import (
                runner as schematron_runner,
            )

            stats = schematron_runner.get_default_runner().stats()
            pid = stats.get("worker_pid")
            if pid:
                runner_line = (
                    f"; schematron worker pid {pid} peak {vm_hwm_mib(pid) or 0:.0f} MiB "
                    f"({stats.get('mode')} mode)"
                )
        except Exception:
            pass
        say("")
        say("=" * 96)
        say("SUMMARY")
        say("=" * 96)
        say(f"simulator realism: {REALISM} (throttle_every={THROTTLE_EVERY})")
        if directory:
            say(
                f"directory read of a {DIRECTORY_SERVICES}-service structure: "
                f"{directory[100]} API calls at page size 100, {directory[10]} with pages of 10 "
                f"(target <= {DIRECTORY_TARGET_CALLS}); details of a service on demand "
                f"{directory['on_demand']} call, then cached; full read with every service's "
                f"details {directory['full']} calls"
            )
        verdict = "met" if first["wall"] <= DEPOSIT_TARGET_S * first["n"] / 500 else "MISSED"
        say(
            f"deposit {first['n']} invoices in {first['flows']} flows: {first['wall']:.1f} s "
            f"wall ({1000 * first['wall'] / first['n']:.0f} ms/invoice; target for 500: <= "
            f"{DEPOSIT_TARGET_S:.0f} s, scaled to N: {verdict})"
        )
        say(
            f"  rendering {first['render']:.1f} s | Factur-X build {first['build']:.1f} s | "
            f"deposit calls {first['deposit']:.1f} s | flow processing {first['flow']:.1f} s | "
            f"API calls {first['calls']} ({first['calls'] / first['n']:.3f}/invoice, of which "
            f"{first['search_pages']} duplicate-search pages)"
        )
        if second:
            say(
                f"deposit run 2, {second['n']} more invoices"
                f"{' (one reused PDF, no wkhtmltopdf)' if SYNC_RENDER == 'reuse' else ''}: "
                f"{second['wall']:.1f} s wall "
                f"({1000 * second['wall'] / second['n']:.0f} ms/invoice), API calls "
                f"{second['calls']} (of which {second['search_pages']} duplicate-search pages)"
            )
        for key in "ABC":
            result = results[key]
            per = f"{result['per_change']:.3f}" if result["changed"] else "n/a"
            say(
                f"status sync {key} on {len(synced)} invoices: {result['calls']} API calls, "
                f"{result['changed']} changed, {per} calls per changed invoice, "
                f"{result['wall']:.2f} s"
            )
        if user:
            scale = user["n"] / 500
            say(
                f"user path, {user['n']} invoices selected in the list: wizard open "
                f"{user['open']:.1f} s (target <= {WIZARD_OPEN_TARGET_S:.0f} s for 500: "
                f"{'met' if user['open'] <= WIZARD_OPEN_TARGET_S * max(scale, 1) else 'MISSED'}), "
                f"Deposit click {user['click']:.1f} s, background job {user['job']:.1f} s, flow "
                f"processing {user['flows']:.1f} s: total {user['wall']:.1f} s (target <= "
                f"{USER_PATH_TARGET_S:.0f} s for 500, scaled to N: "
                f"{'met' if user['wall'] <= USER_PATH_TARGET_S * scale else 'MISSED'}); "
                f"{user['validations']} Factur-X validations for {user['n']} invoices"
            )
        if send:
            say(
                f"send path, {send['n']} invoices selected in the list, by Chorus Pro: dialog "
                f"open {send['open']:.1f} s, Send click {send['click']:.1f} s, {send['jobs']} "
                f"background job(s) {send['job']:.1f} s, Odoo's sending cron {send['runs']} runs "
                f"{send['cron']:.1f} s ({send['flow_count']} flows), flow processing "
                f"{send['flows']:.1f} s: total {send['wall']:.1f} s "
                f"({1000 * send['wall'] / send['n']:.0f} ms/invoice; target <= "
                f"{SEND_TARGET_S:.0f} s for 100, scaled to N: "
                f"{'met' if send['wall'] <= SEND_TARGET_S * send['n'] / 100 else 'MISSED'})"
            )
        say(
            f"peak RSS of the Odoo process: {rss_after_deposit:.0f} MiB after deposit run 1, "
            f"{peak_rss_mib():.0f} MiB at the end{runner_line}"
        )
        say_wall_time(bench_start)
    finally:
        probe.restore()
        server.stop()


logging.getLogger("odoo.addons.l10n_fr_chorus_pro.lib.chorus").setLevel(logging.WARNING)
logging.getLogger("factur-x").setLevel(logging.WARNING)  # the simulator reads every PDF with it
run_benchmark(main, env, failures)  # noqa: F821 - env is given by odoo-bin shell
