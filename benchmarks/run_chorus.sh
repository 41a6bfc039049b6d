#!/usr/bin/env bash
# Chorus Pro volume benchmark: deposit N invoices in batches to the simulator, then
# synchronise the statuses of BENCH_SYNC_N invoices. Method and latest figures: docs/benchmarks.md.
#
#   bash benchmarks/run_chorus.sh [N]         # N deposited invoices (default 500)
#
# 1. creates a throw-away database with l10n_fr_chorus_pro installed (no demo data);
# 2. starts odoo-bin in the background on a free 127.0.0.1 port for that database:
#    wkhtmltopdf fetches the report stylesheets from Odoo's HTTP server, which
#    `odoo-bin shell` does not run (the script sets report.url/web.base.url to it);
# 3. runs benchmarks/bench_chorus.py through `odoo-bin shell` (stdin script); the
#    Chorus Pro simulator runs inside that process;
# 4. checks the server log for failed asset requests, stops the server, drops the database.
#
# Environment: BENCH_BATCH (invoices per flow, default 50), BENCH_SYNC_N (default 1000),
# BENCH_SYNC_CHANGES (default "100,40,10"), BENCH_SYNC_FEW (default 5), BENCH_UI_N (the user's
# path, default N), BENCH_SEND_N (batch Send by Chorus Pro, default 100), BENCH_PROFILE=1,
# BENCH_HTTP_PORT (default: a free port), BENCH_DB (default chorus_bench_<date>_<pid>),
# KEEP_DB=1 to keep the database, BENCH_LOG_DIR (default: a new chorus_bench.XXXXXX in $TMPDIR, else /tmp; kept).
set -euo pipefail

"${VENV:-$(dirname "${BASH_SOURCE[0]}")/../.venv}/bin/python" -c "import chorus_pro_simulator" 2>/dev/null \
  || { echo "[bench] ERROR: the chorus_pro_simulator package is not installed (make setup)" >&2; exit 2; }
BENCH_EXPECT_ASSETS=0 exec bash "$(dirname "${BASH_SOURCE[0]}")/run_in_odoo.sh" bench_chorus.py "${1:-${BENCH_N:-500}}"
