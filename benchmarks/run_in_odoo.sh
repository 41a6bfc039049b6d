#!/usr/bin/env bash
# Shared runner of the benchmarks (see docs/benchmarks.md):
#   bash benchmarks/run_in_odoo.sh bench_xxx.py N
# 1. a throw-away database with l10n_fr_chorus_pro installed from the working tree (no demo);
# 2. odoo-bin serving that database on a free 127.0.0.1 port (wkhtmltopdf fetches the report
#    assets from it; the script receives its URL in BENCH_REPORT_URL);
# 3. benchmarks/<script> run through `odoo-bin shell` (stdin), N in BENCH_N;
# 4. the asset requests checked in the server log, the server stopped, the database dropped.
# Environment: BENCH_HTTP_PORT, BENCH_DB, KEEP_DB=1, BENCH_LOG_DIR (default: a new chorus_bench.XXXXXX in $TMPDIR, else /tmp).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$HERE/scripts/env.sh"
die() { printf '[bench] ERROR: %s\n' "$*" >&2; exit 2; }
log() { printf '[bench] %s\n' "$*" >&2; }

SCRIPT="${1:?usage: run_in_odoo.sh BENCH_SCRIPT.py N}"
N="${2:-}"
[[ "$N" =~ ^[0-9]+$ ]] && [ "$N" -ge 1 ] || die "N must be a positive integer (got '$N')"
export BENCH_N="$N"

[ -x "$VENV/bin/python" ] || die "no virtualenv at $VENV: run 'make setup' first"
[ -f "$ODOO_SRC/odoo-bin" ] || die "no Odoo 19.0 source at ODOO_SRC=$ODOO_SRC"
command -v wkhtmltopdf >/dev/null || die "wkhtmltopdf is not installed"
"$HERE/scripts/pg_start.sh" >/dev/null || die "PostgreSQL is not available"
"$HERE/scripts/addons_path.sh" >/dev/null || die "cannot prepare the addons path"

DB="${BENCH_DB:-chorus_bench_$(date +%Y%m%d%H%M%S)_$$}"
LOG_DIR="${BENCH_LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/chorus_bench.XXXXXX")}"
mkdir -p "$LOG_DIR"
DATA_DIR="$LOG_DIR/data"   # filestore of the throw-away database
PORT="${BENCH_HTTP_PORT:-$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
URL="http://127.0.0.1:$PORT"

ODOO=("$VENV/bin/python" "$ODOO_SRC/odoo-bin")
COMMON=(--addons-path="$(cat "$ADDONS_LINK_DIR/.addons_path")"
        --db_host="$PGHOST" --db_port="$PGPORT" --db_user="$ODOO_DB_USER" --db_password="$ODOO_DB_PASSWORD"
        --data-dir="$DATA_DIR" -d "$DB" --db-filter="^${DB}\$" --max-cron-threads=0)

SERVER_PID=""
cleanup() {
  local rc=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "${KEEP_DB:-0}" != "1" ]; then
    drop_database "$DB"
    rm -rf "$DATA_DIR"
    log "database $DB dropped"
  else
    log "database $DB kept (KEEP_DB=1), filestore in $DATA_DIR"
  fi
  log "logs in $LOG_DIR"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "$SCRIPT N=$N, database $DB, HTTP $URL, logs $LOG_DIR"

# 1. Database with the module (no demo data).
start=$(date +%s)
if ! "${ODOO[@]}" "${COMMON[@]}" -i l10n_fr_chorus_pro --stop-after-init --no-http \
     --log-level=warn >"$LOG_DIR/install.log" 2>&1; then
  tail -30 "$LOG_DIR/install.log" >&2; die "install failed (see $LOG_DIR/install.log)"
fi
log "module installed in $(( $(date +%s) - start )) s"

# 2. HTTP server for the report assets (threaded, crons off, this database only).
"${ODOO[@]}" "${COMMON[@]}" --http-interface=127.0.0.1 --http-port="$PORT" --workers=0 \
    --log-level=info >"$LOG_DIR/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -30 "$LOG_DIR/server.log" >&2; die "the Odoo server exited"; }
  if "$VENV/bin/python" -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('$URL/web/health', timeout=2).status == 200 else 1)" 2>/dev/null; then
    break
  fi
  sleep 1
done
"$VENV/bin/python" -c "import urllib.request; urllib.request.urlopen('$URL/web/health', timeout=5)" 2>/dev/null \
  || die "the Odoo server does not answer on $URL (see $LOG_DIR/server.log)"
log "Odoo HTTP server pid $SERVER_PID ready on $URL"

# 3. The benchmark, inside Odoo.
set +e
# bench_common.py is imported by the scripts.
BENCH_REPORT_URL="$URL" PYTHONPATH="$HERE/benchmarks${PYTHONPATH:+:$PYTHONPATH}" "${ODOO[@]}" shell "${COMMON[@]}" --no-http --log-level=warn \
    <"$HERE/benchmarks/$SCRIPT" 2>"$LOG_DIR/shell.log" | tee "$LOG_DIR/bench.out"
bench_rc=${PIPESTATUS[0]}
set -e
if [ "$bench_rc" != "0" ]; then
  { grep -v -E '^[0-9-]+ [0-9:,]+ [0-9]+ INFO ' "$LOG_DIR/shell.log" || true; } | tail -40 >&2
fi

# 4. What wkhtmltopdf asked the server for.
echo
echo "HTTP requests served by the Odoo server (wkhtmltopdf's report assets), by path and status:"
grep -oE '"(GET|POST) [^ ]+ HTTP/[0-9.]+" [0-9]{3}' "$LOG_DIR/server.log" \
  | grep -v '/web/health' \
  | sed -E 's#"(GET|POST) ([^ ?]+)[^ ]* HTTP/[0-9.]+" ([0-9]{3})#\3 \2#' \
  | sed -E 's#^([0-9]{3}) /web/assets/[^/]+/(.*)$#\1 /web/assets/*/\2#' \
  | sort | uniq -c | sed 's/^/  /' || echo "  (none)"
bad=$(grep -cE '"(GET|POST) [^ ]+ HTTP/[0-9.]+" [45][0-9]{2}' "$LOG_DIR/server.log" || true)
assets=$(grep -cE '"GET /web/assets/[^ ]+ HTTP/[0-9.]+" (200|304)' "$LOG_DIR/server.log" || true)
# The Chorus benchmark renders with stylesheets inlined by the module (no request).
if [ "${assets:-0}" = "0" ] && [ "${BENCH_EXPECT_ASSETS:-1}" = "1" ]; then
  echo "BENCHMARK FAILURE: no asset request succeeded on the server: reports rendered without styles"
  bench_rc=1
fi
if [ "${bad:-0}" != "0" ]; then
  echo "BENCHMARK FAILURE: $bad HTTP request(s) failed (4xx/5xx) on the server"
  bench_rc=1
fi
exit "$bench_rc"
