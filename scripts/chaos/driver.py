# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""make chaos: the module run as production runs it while things break (see docs/chaos.md).

Started by scripts/chaos.sh with the database created (module installed). This driver,
outside Odoo: starts the simulator (state in SQLite) and two Odoo servers on the database
(``--workers 2``, a cron worker each), sets up the companies and invoices and asks for
their deposit through the users' paths (``odoo-bin shell``: setup.py, request.py), then
injects faults on a schedule while the servers' crons deposit and follow the invoices,
waits until everything is settled and gives the verdict (printed, written as JSON).
Exits 1 when the verdict fails."""

import collections
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime

import psutil
import psycopg2
import requests

LEASE_KEY = 0x43505244  # models/chorus_pro_deposit_job.py
DEPOSIT_PATH = "/cpro/factures/v1/deposer/flux"
ON_CHORUS = ("deposited", "paid")
FAULTS = [
    "kill_worker_deposit",
    "lost_answer",
    "pg_terminate_backend",
    "simulator_5xx",
    "pg_terminate_cron_lock",
    "timeout",
    "simulator_restart",
    "slow_answer",
    "kill_worker_status_sync",
]

ENV = os.environ
HERE = ENV["CHAOS_ROOT"]
WORK = ENV["CHAOS_WORK"]
DB = ENV["CHAOS_DB"]
N = int(ENV["CHAOS_N"])
PY = ENV["VENV"] + "/bin/python"
ODOO_BIN = ENV["ODOO_SRC"] + "/odoo-bin"
ADDONS = ENV["CHAOS_ADDONS"]
FAULT_EVERY = float(ENV.get("CHAOS_FAULT_EVERY", "15"))
ROUNDS = int(ENV.get("CHAOS_ROUNDS", "2"))  # each kind of fault this many times, then recovery
DEADLINE = float(ENV.get("CHAOS_TIMEOUT", str(max(900, N * 3))))
PG = {
    "host": ENV["PGHOST"],
    "port": ENV["PGPORT"],
    "user": ENV["ODOO_DB_USER"],
    "password": ENV["ODOO_DB_PASSWORD"],
}
START = time.monotonic()


def say(text):
    print(f"[chaos {time.monotonic() - START:7.1f} s] {text}", flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def db_options():
    return [
        f"--addons-path={ADDONS}",
        f"--db_host={PG['host']}",
        f"--db_port={PG['port']}",
        f"--db_user={PG['user']}",
        f"--db_password={PG['password']}",
        f"--data-dir={WORK}/data",
        "-d",
        DB,
        f"--db-filter=^{DB}$",
    ]


def sql(query, params=(), fetch=True):
    with psycopg2.connect(dbname=DB, **PG) as conn, conn.cursor() as cr:
        cr.execute(query, params)
        return cr.fetchall() if fetch else None


class Simulator:
    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def start(self):
        log = open(f"{WORK}/simulator.log", "a")
        self.proc = subprocess.Popen(
            [ENV["VENV"] + "/bin/chorus-pro-simulator", "serve", "--host", "127.0.0.1"]
            + ["--port", str(self.port), "--state", f"{WORK}/simulator.sqlite"]
            + ["--advance", "on_poll", "--flow-steps", "1", "--fault-delay", "3"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for _try in range(100):
            try:
                requests.get(self.url + "/_simulator/state", timeout=2)
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("the simulator did not start")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def admin(self, method, path, body=None):
        answer = requests.request(method, self.url + "/_simulator" + path, json=body, timeout=60)
        answer.raise_for_status()
        return answer.json()


class Server:
    def __init__(self, name):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def start(self):
        log = open(f"{WORK}/odoo-{self.name}.out", "a")
        self.proc = subprocess.Popen(
            [PY, os.path.join(HERE, "scripts", "chaos", "odoo_server.py"), *db_options()]
            + [f"--http-port={self.port}", "--http-interface=127.0.0.1"]
            + [f"--gevent-port={free_port()}", "--workers=2", "--max-cron-threads=1"]
            + ["--limit-time-real=900", "--limit-time-cpu=600", "--limit-memory-soft=2147483648"]
            + ["--limit-memory-hard=2684354560", f"--logfile={WORK}/odoo-{self.name}.log"],
            env=dict(ENV, ODOO_NOTIFY_CRON_CHANGES="1", PYTHONPATH=ENV["ODOO_SRC"]),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its workers with it: stopped as a group
        )
        for _try in range(300):
            try:
                if requests.get(self.url + "/web/health", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"Odoo server {self.name} did not start")

    def stop(self):
        if not self.proc:
            return
        for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(wait)
            except subprocess.TimeoutExpired:
                continue
            # the workers the server left (killed ones are respawned in its group)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            break

    def children(self):
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout
        return {int(pid) for pid in out.split()}


def odoo_shell(script, extra_env):
    with open(os.path.join(HERE, "scripts", "chaos", script)) as source:
        result = subprocess.run(
            [PY, ODOO_BIN, "shell", *db_options(), "--no-http", "--log-level=warn"],
            stdin=source,
            capture_output=True,
            text=True,
            env=dict(ENV, **extra_env),
        )
    if result.returncode:
        sys.stderr.write(result.stdout + result.stderr)
        raise RuntimeError(f"{script} failed")
    return result.stdout


# ---------------------------------------------------------------------------
# Progress and faults
# ---------------------------------------------------------------------------
def progress():
    """(invoices linked to their Chorus Pro id, active jobs, open flows)."""
    [(linked,)] = sql(
        "SELECT count(*) FROM account_move WHERE ref = 'CHAOS' AND chorus_identifier IS NOT NULL"
    )
    [(jobs,)] = sql(
        "SELECT count(*) FROM chorus_pro_deposit_job WHERE state IN ('queued', 'running', 'failed')"
    )
    [(flows,)] = sql("SELECT count(*) FROM chorus_pro_flow WHERE state IN ('sending', 'unconfirmed', 'sent')")
    return linked, jobs, flows


def odoo_pid_of_backend(pid):
    """The Odoo process at the client end of the PostgreSQL backend ``pid`` (its TCP
    port): its ``application_name`` names the server that opened the pool, not the worker."""
    rows = sql("SELECT client_port FROM pg_stat_activity WHERE pid = %s AND datname = %s", [pid, DB])
    if not rows or not rows[0][0]:
        return None
    port = rows[0][0]
    for conn in psutil.net_connections(kind="tcp"):
        if conn.laddr and conn.laddr.port == port and conn.raddr and conn.raddr.port == int(PG["port"]):
            return conn.pid
    return None


def wait_for(find, seconds=30):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        found = find()
        if found:
            return found
        time.sleep(0.2)
    return None


def lease_backend():
    """The backend holding a deposit job's lease, in this run's database only: the
    machine's other databases (test suites running beside) are never a target."""
    rows = sql(
        "SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
        "WHERE l.locktype = 'advisory' AND l.classid = %s AND l.granted AND d.datname = %s",
        [LEASE_KEY, DB],
    )
    return rows[0][0] if rows else None


def cron_lock_backend(xmlid):
    """The backend of the cron worker holding the lock of the cron ``xmlid`` (its
    transaction waits, idle, while the job runs in another: Odoo's ir_cron)."""
    [(cron_id,)] = sql(
        "SELECT res_id FROM ir_model_data WHERE module = 'l10n_fr_chorus_pro' AND name = %s", [xmlid]
    )
    rows = sql(
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND state LIKE 'idle in transaction%%' "
        "AND query LIKE %s",
        [DB, f"%ir_cron_trigger%cron_id = {cron_id}%"],
    )
    return rows[0][0] if rows else None


def trigger_cron(xmlid):
    sql(
        "INSERT INTO ir_cron_trigger (cron_id, call_at) SELECT res_id, now() at time zone 'UTC' "
        "FROM ir_model_data WHERE module = 'l10n_fr_chorus_pro' AND name = %s",
        [xmlid],
        fetch=False,
    )
    sql("SELECT pg_notify('cron_trigger', %s)", [DB])


def ours(pid, servers):
    """Whether ``pid`` is a process of this run's Odoo servers (their process groups):
    nothing else on the machine is ever killed."""
    try:
        return os.getpgid(pid) in {server.proc.pid for server in servers}
    except ProcessLookupError:
        return False


def inject(kind, sim, servers):
    """Inject one fault; returns a description, or None when it could not be placed."""
    if kind == "simulator_5xx":
        sim.admin("POST", "/faults", {"path_prefix": "/cpro/", "kind": "http_500", "count": 6})
        return "HTTP 500 on the next 6 API calls"
    if kind == "timeout":
        sim.admin(
            "POST", "/faults", {"path_prefix": DEPOSIT_PATH, "kind": "timeout", "count": 1, "delay": 12}
        )
        return "deposit not processed, no answer within the client's 10 s"
    if kind == "slow_answer":
        sim.admin(
            "POST", "/faults", {"path_prefix": "/cpro/", "kind": "http_503", "count": 3, "retry_after": 2}
        )
        return "HTTP 503 with Retry-After 2 s on the next 3 calls (slow platform)"
    if kind == "lost_answer":
        sim.admin("POST", "/faults", {"path_prefix": DEPOSIT_PATH, "kind": "process_then_drop", "count": 2})
        return "the next 2 deposits processed, their answers lost"
    if kind == "simulator_restart":
        sim.kill()
        time.sleep(5)
        sim.start()
        return "simulator SIGKILLed, down 5 s, restarted on its SQLite state"
    if kind in ("kill_worker_deposit", "pg_terminate_backend"):
        backend = wait_for(lease_backend)
        if not backend:
            return None
        if kind == "pg_terminate_backend":
            sql("SELECT pg_terminate_backend(%s)", [backend])
            return f"backend {backend} of a deposit job terminated"
        pid = odoo_pid_of_backend(backend)
        if not pid or not ours(pid, servers):
            return None
        os.kill(pid, signal.SIGKILL)
        return f"cron worker {pid} SIGKILLed during a deposit"
    if kind == "pg_terminate_cron_lock":
        backend = wait_for(lambda: cron_lock_backend("ir_cron_chorus_deposit_jobs"))
        if not backend:
            return None
        sql("SELECT pg_terminate_backend(%s)", [backend])
        return f"backend {backend} holding Odoo's lock of the deposit cron terminated (job goes on)"
    if kind == "kill_worker_status_sync":
        trigger_cron("ir_cron_chorus_update")
        backend = wait_for(lambda: cron_lock_backend("ir_cron_chorus_update"), 90)
        if not backend:
            return None
        time.sleep(0.5)
        pid = odoo_pid_of_backend(backend)
        if not pid or not ours(pid, servers):
            return None
        os.kill(pid, signal.SIGKILL)
        return f"cron worker {pid} SIGKILLed during the status sync"
    raise ValueError(kind)


# ---------------------------------------------------------------------------
# Verdict
# ---------------------------------------------------------------------------
def verdict(sim, elapsed, faults):
    moves = sql(
        "SELECT m.id, m.name, p.company_registry, m.chorus_identifier, m.chorus_state, m.chorus_status "
        "FROM account_move m JOIN res_company c ON c.id = m.company_id "
        "JOIN res_partner p ON p.id = c.partner_id WHERE m.ref = 'CHAOS'"
    )
    on_sim = collections.defaultdict(list)
    for invoice in sim.admin("GET", "/invoices")["invoices"]:
        if invoice.get("statut") != "REJETEE":
            on_sim[(invoice.get("codeFournisseur"), invoice["numeroFacture"])].append(invoice)
    lost = [name for _id, name, siret, *_rest in moves if not on_sim.get((siret, name))]
    twice = [name for _id, name, siret, *_rest in moves if len(on_sim.get((siret, name), [])) > 1]
    unlinked = [
        name
        for _id, name, siret, identifier, state, status in moves
        if state not in ON_CHORUS
        or not status
        or [str(i["identifiantFactureCPP"]) for i in on_sim.get((siret, name), [])] != [identifier]
    ]
    ids = tuple(move[0] for move in moves) or (0,)
    stuck_jobs = sql(
        "SELECT id, state FROM chorus_pro_deposit_job WHERE state IN ('queued', 'running', 'failed')"
    )
    stuck_flows = sql(
        "SELECT id, state FROM chorus_pro_flow WHERE state IN ('sending', 'unconfirmed', 'attention')"
    )
    messages = sql(
        "SELECT res_id, left(body, 80), count(*) FROM mail_message WHERE model = 'account.move' "
        "AND res_id IN %s AND (body LIKE %s OR body LIKE %s OR body LIKE %s) "
        "GROUP BY res_id, body HAVING count(*) > 1",
        [ids, "%Deposited on Chorus Pro%", "%Chorus Pro already has this invoice%", "%Chorus Pro status:%"],
    )
    activities = sql(
        "SELECT res_id, summary, count(*) FROM mail_activity WHERE res_model = 'account.move' "
        "AND res_id IN %s GROUP BY res_id, summary HAVING count(*) > 1",
        [ids],
    )
    by_kind = collections.Counter(fault["kind"] for fault in faults if fault["placed"])
    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "n": N,
        "invoices": len(moves),
        "load_average": os.getloadavg(),
        "cores": os.cpu_count(),
        "seconds": round(elapsed, 1),
        "invoices_per_second": round(len(moves) / elapsed, 3) if elapsed else None,
        "lost": len(lost),
        "twice": len(twice),
        "not_linked": len(unlinked),
        "stuck_jobs": len(stuck_jobs),
        "stuck_flows": len(stuck_flows),
        "duplicate_messages": len(messages),
        "duplicate_activities": len(activities),
        "faults_by_kind": dict(by_kind),
        "faults": faults,
        "examples": {
            "lost": lost[:5],
            "twice": twice[:5],
            "not_linked": unlinked[:5],
            "stuck_jobs": stuck_jobs[:5],
            "stuck_flows": stuck_flows[:5],
            "duplicate_messages": messages[:5],
            "duplicate_activities": activities[:5],
        },
    }
    result["green"] = (
        not (lost or twice or unlinked or stuck_jobs or stuck_flows or messages or activities)
        and len(moves) == N
    )
    return result


def main():
    sim = Simulator()
    servers = [Server("a"), Server("b")]
    try:
        sim.start()
        say(f"simulator on {sim.url} (state {WORK}/simulator.sqlite)")
        setup_env = {
            "CHAOS_SIM_URL": sim.url,
            "CHAOS_REPORT_URL": servers[0].url,
            "CHAOS_BENCH_DIR": os.path.join(HERE, "benchmarks"),
        }
        say(f"setup: 2 companies, {N} posted invoices")
        say(odoo_shell("setup.py", setup_env).strip().splitlines()[-1])
        for server in servers:
            server.start()
            say(
                f"Odoo server {server.name} on {server.url}: --workers 2, 1 cron worker "
                f"(pids {server.children()})"
            )
        started = time.monotonic()
        say("users' paths: Deposit to Chorus Pro (background) and batch Send, per company")
        say(odoo_shell("request.py", setup_env).strip().splitlines()[-1])
        faults, next_fault, index = [], time.monotonic() + 5, 0
        last, integrated = None, 0.0
        while time.monotonic() - started < DEADLINE:
            if time.monotonic() - integrated > 10:
                # Chorus Pro integrates the flows it received on its own, within minutes,
                # polled or not (the simulator only when asked): else a flow whose answer
                # was lost would never show its invoices to the recovery's search.
                with contextlib.suppress(requests.RequestException):
                    sim.admin("POST", "/flows/advance", {"to_terminal": True})
                integrated = time.monotonic()
            linked, jobs, flows = progress()
            if (linked, jobs, flows) != last:
                say(f"linked {linked}/{N}, jobs open {jobs}, flows open {flows}")
                last = (linked, jobs, flows)
            for fault in faults:
                if fault["placed"] and fault["recovered_after_s"] is None and linked > fault["linked"]:
                    fault["recovered_after_s"] = round(time.monotonic() - fault["t"], 1)
            if linked >= N and not jobs and not flows:
                break
            if time.monotonic() >= next_fault and (jobs or linked < N) and index < len(FAULTS) * ROUNDS:
                kind = FAULTS[index % len(FAULTS)]
                index += 1
                try:
                    description = inject(kind, sim, servers)
                except Exception as error:
                    description = None
                    say(f"could not inject {kind}: {error}")
                faults.append(
                    {
                        "kind": kind,
                        "placed": bool(description),
                        "what": description or "no target at that moment",
                        "at_s": round(time.monotonic() - started, 1),
                        "t": time.monotonic(),
                        "linked": linked,
                        "recovered_after_s": None,
                    }
                )
                say(f"FAULT {kind}: {faults[-1]['what']}")
                next_fault = time.monotonic() + FAULT_EVERY
            time.sleep(2)
        elapsed = time.monotonic() - started
        for fault in faults:
            fault.pop("t")
        result = verdict(sim, elapsed, faults)
    finally:
        for server in servers:
            server.stop()
        sim.kill()
    out = ENV.get("CHAOS_VERDICT", os.path.join(HERE, "var", "chaos", "verdict.json"))
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as handle:
        json.dump(result, handle, indent=2, default=str)
    say(f"verdict written to {out}")
    for key in (
        "n", "seconds", "invoices_per_second", "lost", "twice", "not_linked", "stuck_jobs",
        "stuck_flows", "duplicate_messages", "duplicate_activities", "faults_by_kind",
    ):  # fmt: skip
        print(f"  {key}: {result[key]}")
    for fault in result["faults"]:
        print(
            f"  fault at {fault['at_s']} s {fault['kind']}: {fault['what']}; "
            f"recovered after {fault['recovered_after_s']} s"
        )
    print("  examples:", json.dumps(result["examples"], default=str))
    print("VERDICT:", "GREEN" if result["green"] else "RED")
    return 0 if result["green"] else 1


def _interrupted(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupted)
    sys.exit(main())
