# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Status sync at scale: BENCH_N invoices deposited on Chorus Pro across BENCH_COMPANIES
companies, followed by the real cron (``ir_cron_chorus_update``, run as the scheduler
runs it: ``method_direct_trigger``, its own cursor and progress records).

Run by ``benchmarks/run_sync_scale.sh`` (``make bench-sync``) through ``odoo-bin shell``;
the Chorus Pro simulator runs in its own process (BENCH_SIM_URL), so the memory measured is
Odoo's alone. Method and figures: docs/benchmarks.md, "make bench-sync".

Set-up (not measured): BENCH_COMPANIES companies with the French chart, each connected to
the simulator with its own supplier structure and technical account; the invoices are
created on the simulator in bulk (admin ``POST /invoices/bulk``, ``DEPOSEE``) and in Odoo
as posted invoices cloned in SQL from one draft invoice per company (marked deposited,
with their Chorus Pro identifiers): a benchmark set-up, the sync under test is the module's.

Cases, each measured per cron run until the sync is done: A) nothing changed; B) 1 % of
the invoices changed (MISE_A_DISPOSITION); C) 10 % more changed (MISE_A_DISPOSITION);
D) every invoice paid (MISE_EN_PAIEMENT). Per run: API calls (simulator counters), wall
time, peak memory of this process (VmHWM, reset before each run through
/proc/self/clear_refs), rows updated (status history rows), and the per-run bounds:
BENCH_BOUND_S seconds (default 120, Odoo's limit_time_real, which also kills cron
workers when limit_time_real_cron is not set), BENCH_BOUND_MIB (default 2048, Odoo's
limit_memory_soft), and API calls <= companies x (token + first page) + the pages of the
invoices listed (100 a page) + 1 search per company for each batch commit.
"""

import datetime
import json
import math
import os
import platform
import random
import time
import urllib.request

from bench_common import proc_status_kib, run_benchmark, say, say_wall_time

from odoo import Command

N = int(os.environ.get("BENCH_N") or 20000)
COMPANIES = int(os.environ.get("BENCH_COMPANIES") or 10)
SIM_URL = os.environ["BENCH_SIM_URL"].rstrip("/")
BOUND_S = float(os.environ.get("BENCH_BOUND_S") or 120)
BOUND_MIB = float(os.environ.get("BENCH_BOUND_MIB") or 2048)
MAX_RUNS = int(os.environ.get("BENCH_MAX_RUNS") or 50)
PAGE = 100
RECIPIENT_SIRET = "22930008201453"  # Département de la Seine-Saint-Denis (simulator seed)
PASSWORD = "Chorus-Sim-2026"

failures = []


def admin(method, route, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        SIM_URL + "/_simulator" + route,
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=600) as answer:
        return json.loads(answer.read() or b"{}")


def luhn_siret(prefix):
    """A 14-digit SIRET with a valid Luhn key from its 13 first digits."""
    for last in range(10):
        digits = [int(c) for c in prefix + str(last)]
        total = sum(d if i % 2 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits))
        if total % 10 == 0:
            return prefix + str(last)
    raise ValueError(prefix)


def vm_hwm_mib():
    return (proc_status_kib("self", "VmHWM") or 0) / 1024


def reset_peak():
    """Reset VmHWM to the current RSS (Linux >= 4.0); False when not allowed."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def set_up_company(env, index, recipient):
    siret = luhn_siret(f"9{index:02d}12345{index:03d}0"[:13])
    login = f"TECH_1_{siret}@cpro.fr"
    admin("POST", "/structures", {"siret": siret, "name": f"Cabinet Sync {index + 1}", "public": False})
    admin("POST", "/accounts", {"login": login, "password": PASSWORD, "structures": [siret]})
    company = env["res.company"].create(
        {
            "name": f"Cabinet Sync {index + 1:02d}",
            "country_id": env.ref("base.fr").id,
            "currency_id": env.ref("base.EUR").id,
            "company_registry": siret,
            "chorus_environment": "custom",
            "chorus_api_url": SIM_URL,
            "chorus_token_url": SIM_URL + "/api/oauth/token",
            "chorus_client_id": "chorus-sim-client",
            "chorus_client_secret": "chorus-sim-secret",
            "chorus_login": login,
            "chorus_password": PASSWORD,
            **(
                {"iap_enrich_auto_done": True} if "iap_enrich_auto_done" in env["res.company"]._fields else {}
            ),
        }
    )
    (env.user | env.ref("base.user_admin")).write({"company_ids": [Command.link(company.id)]})
    env["account.chart.template"].try_loading("fr", company, install_demo=False)
    cenv = env(context=dict(env.context, allowed_company_ids=[company.id]))
    template = (
        cenv["account.move"]
        .with_company(company)
        .create(
            {
                "move_type": "out_invoice",
                "partner_id": recipient.id,
                "invoice_date": datetime.date.today(),
                "invoice_line_ids": [Command.create({"name": "Séance", "quantity": 1, "price_unit": 100.0})],
            }
        )
    )
    return company, siret, template


def clone_invoices(env, company, siret, template, count, offset):
    """``count`` posted invoices of ``company`` deposited on the simulator (DEPOSEE)."""
    numbers = [f"SYNC{company.id:02d}/{offset + i:06d}" for i in range(count)]
    ids = []
    for start in range(0, count, 5000):
        ids += admin(
            "POST",
            "/invoices/bulk",
            {
                "supplier": siret,
                "recipient": RECIPIENT_SIRET,
                "numbers": numbers[start : start + 5000],
                "amount_untaxed": 100.0,
                "amount_total": 120.0,
            },
        )["ids"]
    env.flush_all()
    env.cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'account_move' "
        "AND column_name <> 'id'"
    )
    columns = [row[0] for row in env.cr.fetchall()]
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    overrides = {
        "name": "u.num",
        "state": "'posted'",
        "payment_state": "'not_paid'",
        "chorus_identifier": "u.cid",
        "chorus_status": "'DEPOSEE'",
        "chorus_state": "'deposited'",
        "chorus_status_date": "%(now)s",
        "chorus_amount_to_pay": "t.amount_total",
        "sequence_prefix": "'SYNC/'",
        "sequence_number": "u.ord",
        "create_date": "%(now)s",
        "write_date": "%(now)s",
    }
    select = ", ".join(overrides.get(c, f"t.{c}") for c in columns)
    env.cr.execute(
        f"INSERT INTO account_move ({', '.join(columns)}) "
        f"SELECT {select} FROM account_move t, "
        "unnest(%(nums)s::varchar[], %(cids)s::varchar[]) WITH ORDINALITY AS u(num, cid, ord) "
        "WHERE t.id = %(template)s",
        {"nums": numbers, "cids": [str(i) for i in ids], "template": template.id, "now": now},
    )
    return ids


def counts_by_status(env):
    env.cr.execute(
        "SELECT chorus_status, count(*) FROM account_move WHERE chorus_identifier IS NOT NULL "
        "GROUP BY chorus_status"
    )
    return dict(env.cr.fetchall())


def history_rows(env):
    env.cr.execute("SELECT count(*) FROM chorus_pro_status_history")
    return env.cr.fetchone()[0]


def cron_run(env, cron):
    """One run of the cron as the scheduler runs it; its figures."""
    env.cr.commit()
    admin("DELETE", "/calls")
    rows_before = history_rows(env)
    env.cr.commit()
    peak_reset = reset_peak()
    rss_before = (proc_status_kib("self", "VmRSS") or 0) / 1024
    start = time.perf_counter()
    result = cron.method_direct_trigger()
    wall = time.perf_counter() - start
    env.cr.commit()
    env.invalidate_all()
    calls = admin("GET", "/calls")
    if result is not True:
        failures.append(f"the cron run failed: {str(result)[:500]}")
    return {
        "wall": wall,
        "calls": sum(n for path, n in calls.items() if not path.startswith("/_simulator")),
        "searches": calls.get("/cpro/factures/v1/rechercher/fournisseur", 0),
        "by_path": calls,
        "rows": history_rows(env) - rows_before,
        "rss_before": rss_before,
        "peak": vm_hwm_mib() if peak_reset else None,
        "ok": result is True,
    }


def run_case(env, cron, label, expected, listed):
    """Cron runs until every invoice has its simulator status (at most MAX_RUNS)."""
    say("")
    say(f"{label}: expecting {expected} status change(s); the searches list about {listed} invoice(s)")
    runs = []
    total_rows = 0
    while len(runs) < MAX_RUNS:
        run = cron_run(env, cron)
        runs.append(run)
        total_rows += run["rows"]
        # token + first page per company, the pages of what is listed, a last page each
        bound_calls = COMPANIES * 3 + math.ceil(listed / PAGE)
        within = (
            run["wall"] <= BOUND_S
            and (run["peak"] is None or run["peak"] <= BOUND_MIB)
            and run["calls"] <= bound_calls
        )
        run["within"] = within
        say(
            f"  run {len(runs)}: {run['calls']} API calls ({run['searches']} search pages), "
            f"wall {run['wall']:.1f} s, peak memory "
            + (f"{run['peak']:.0f} MiB" if run["peak"] is not None else "n/a")
            + f" (RSS {run['rss_before']:.0f} MiB before), rows updated {run['rows']}, "
            f"within bounds ({BOUND_S:.0f} s, {BOUND_MIB:.0f} MiB, ~{bound_calls} calls): "
            f"{'yes' if within else 'NO'}"
        )
        if not within:
            failures.append(f"{label}, run {len(runs)}: out of its bounds")
        if total_rows >= expected or not run["ok"]:
            break
        if run["rows"] == 0:
            break  # nothing more to apply: stop (checked below)
    if total_rows != expected:
        failures.append(f"{label}: {total_rows} status changes applied, expected {expected}")
    return runs


def main(env):
    bench_start = time.perf_counter()
    say("=" * 96)
    say("Chorus Pro status sync at scale (l10n_fr_chorus_pro): the cron on many deposited invoices")
    say("=" * 96)
    say(f"date      : {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    say(f"machine   : {platform.node()} {platform.machine()}, {os.cpu_count()} CPU(s), {platform.platform()}")
    say(f"load avg  : {' '.join('%.2f' % x for x in os.getloadavg())} (1/5/15 min) at start")
    say(f"settings  : N={N} invoices, {COMPANIES} companies, simulator {SIM_URL} (own process)")
    recipient = env.ref("l10n_fr_chorus_pro.partner_departement_93")
    start = time.perf_counter()
    per_company = [N // COMPANIES + (1 if i < N % COMPANIES else 0) for i in range(COMPANIES)]
    ids = []
    for index, count in enumerate(per_company):
        company, siret, template = set_up_company(env, index, recipient)
        ids += clone_invoices(env, company, siret, template, count, 0)
        env.cr.commit()
    env.invalidate_all()
    say(
        f"set-up    : {COMPANIES} companies (chart fr), {len(ids)} posted invoices deposited "
        f"({per_company[0]} a company) in {time.perf_counter() - start:.1f} s (not measured); "
        f"Odoo statuses {counts_by_status(env)}"
    )
    cron = env.ref("l10n_fr_chorus_pro.ir_cron_chorus_update")
    rng = random.Random(2026)
    order = list(ids)
    rng.shuffle(order)
    one = order[: max(1, N // 100)]
    ten = order[len(one) : len(one) + max(1, N // 10)]
    results = {}
    results["A"] = run_case(env, cron, "A) nothing changed", 0, 0)
    admin("POST", "/invoices/status/bulk", {"ids": one, "status": "MISE_A_DISPOSITION"})
    results["B"] = run_case(env, cron, f"B) 1 % changed ({len(one)} MISE_A_DISPOSITION)", len(one), len(one))
    admin("POST", "/invoices/status/bulk", {"ids": ten, "status": "MISE_A_DISPOSITION"})
    # The search filter is a day: the changes of B are listed again (unchanged, skipped).
    results["C"] = run_case(
        env, cron, f"C) 10 % changed ({len(ten)} more MISE_A_DISPOSITION)", len(ten), len(one) + len(ten)
    )
    admin("POST", "/invoices/status/bulk", {"ids": ids, "status": "MISE_EN_PAIEMENT"})
    results["D"] = run_case(
        env, cron, f"D) every invoice paid ({len(ids)} MISE_EN_PAIEMENT)", len(ids), len(ids)
    )
    statuses = counts_by_status(env)
    say("")
    say(f"Odoo statuses at the end: {statuses}")
    if statuses.get("MISE_EN_PAIEMENT") != len(ids):
        failures.append(f"not every invoice is MISE_EN_PAIEMENT in Odoo: {statuses}")
    say("")
    say("SUMMARY (per case: cron runs; API calls; wall; peak memory; rows updated)")
    for key, runs in results.items():
        peaks = [r["peak"] for r in runs if r["peak"] is not None]
        say(
            f"  {key}: {len(runs)} run(s); {sum(r['calls'] for r in runs)} API calls; "
            f"{sum(r['wall'] for r in runs):.1f} s (longest run {max(r['wall'] for r in runs):.1f} s); "
            f"peak {max(peaks):.0f} MiB; rows {sum(r['rows'] for r in runs)}; "
            f"within bounds: {'yes' if all(r['within'] for r in runs) else 'NO'}"
        )
    say_wall_time(bench_start)


run_benchmark(main, env, failures)  # noqa: F821 - env is given by odoo-bin shell
