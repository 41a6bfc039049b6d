#!/usr/bin/env bash
# Factur-X benchmark: our validated Factur-X (chorus.pro.facturx) vs Odoo core's
# (account_edi_ubl_cii), on the same N invoices. Method and latest figures: docs/benchmarks.md.
#
#   bash benchmarks/run_facturx.sh [N]        # N measured invoices (default 20), + 2 warm-up
#
# 1. creates a throw-away database with l10n_fr_chorus_pro installed (no demo data);
# 2. starts odoo-bin in the background on a free 127.0.0.1 port for that database:
#    wkhtmltopdf fetches the report stylesheets from Odoo's HTTP server, which
#    `odoo-bin shell` does not run (the script sets report.url/web.base.url to it);
# 3. runs benchmarks/bench_facturx.py through `odoo-bin shell` (stdin script);
# 4. checks the server log for the asset requests, stops the server, drops the database.
#
# Environment: BENCH_WARMUP (default 2), BENCH_HTTP_PORT (default: a free port),
# BENCH_DB (default chorus_bench_<date>_<pid>), KEEP_DB=1 to keep the database,
# BENCH_LOG_DIR (default: a new chorus_bench.XXXXXX in $TMPDIR, else /tmp; kept), BENCH_CROSSCHECK=0,
# CHORUS_PRO_SCHEMATRON_MODE=inprocess to run saxonche in the Odoo process.
set -euo pipefail

export BENCH_WARMUP="${BENCH_WARMUP:-2}"
exec bash "$(dirname "${BASH_SOURCE[0]}")/run_in_odoo.sh" bench_facturx.py "${1:-${BENCH_N:-20}}"
