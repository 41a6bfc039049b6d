#!/usr/bin/env bash
# Status sync at scale (make bench-sync): N invoices deposited on Chorus Pro across COMPANIES
# companies, followed by the real cron. Method and figures: docs/benchmarks.md, "make bench-sync".
#
#   N=20000 COMPANIES=10 bash benchmarks/run_sync_scale.sh
#
# 1. starts the Chorus Pro simulator in its own process on a free port (the Odoo process's
#    peak memory is then Odoo's alone);
# 2. runs benchmarks/bench_sync_scale.py through run_in_odoo.sh (throw-away database);
# 3. stops the simulator.
# Environment: N (default 20000), COMPANIES (default 10), BENCH_BOUND_S (default 120),
# BENCH_BOUND_MIB (default 2048), BENCH_MAX_RUNS (default 50), and run_in_odoo.sh's.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${VENV:-$HERE/.venv}/bin/python"
export PYTHONPATH="$HERE/simulator${PYTHONPATH:+:$PYTHONPATH}"
"$PY" -c "import chorus_pro_simulator" 2>/dev/null \
  || { echo "[bench] ERROR: the chorus_pro_simulator package is not importable" >&2; exit 2; }
SIM_PORT="${BENCH_SIM_PORT:-$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
SIM_LOG="$(mktemp "${TMPDIR:-/tmp}/chorus_sync_sim.XXXXXX.log")"
"$PY" -c "import sys; from chorus_pro_simulator.cli import main; sys.exit(main())" \
    serve --port "$SIM_PORT" --flow-steps 0 >"$SIM_LOG" 2>&1 &
SIM_PID=$!
trap 'kill "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  "$PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$SIM_PORT/_simulator/state', timeout=2)" \
    2>/dev/null && break
  kill -0 "$SIM_PID" 2>/dev/null || { cat "$SIM_LOG" >&2; exit 2; }
  sleep 0.2
done
echo "[bench] simulator pid $SIM_PID on http://127.0.0.1:$SIM_PORT (log $SIM_LOG)" >&2
export BENCH_SIM_URL="http://127.0.0.1:$SIM_PORT" BENCH_COMPANIES="${COMPANIES:-10}"
BENCH_EXPECT_ASSETS=0 bash "$HERE/benchmarks/run_in_odoo.sh" bench_sync_scale.py "${N:-20000}"
