#!/usr/bin/env bash
# Renderers of the Chorus Pro invoice document: our report with wkhtmltopdf
# (batch and one by one), Odoo core's invoice report with wkhtmltopdf, our report's HTML
# with WeasyPrint (PDF/A-3b), on the same N invoices; plus the cost of the text read-back
# gate. Method and latest figures: docs/benchmarks.md, "make bench-render".
#
#   bash benchmarks/run_renderers.sh [N]      # N measured invoices (default 20), + 2 warm-up
#
# 1. creates a throw-away database with l10n_fr_chorus_pro installed (no demo data);
# 2. starts odoo-bin in the background on a free 127.0.0.1 port for that database:
#    core's report makes wkhtmltopdf fetch the stylesheets and fonts from it (ours inlines
#    them); WeasyPrint fetches what stays a URL (icon fonts, images) from it too;
# 3. runs benchmarks/bench_renderers.py through `odoo-bin shell` (stdin script), which
#    rolls everything back at the end;
# 4. checks the server log for the asset requests, stops the server, drops the database.
#
# WeasyPrint is optional (requirements-dev.txt; needs Pango): without it, its row says
# "skipped: weasyprint not installed".
# Environment: BENCH_WARMUP (default 2), BENCH_SINGLE=0 (skip the one-by-one row of ours),
# BENCH_SAMPLES_DIR (the last PDF of each renderer written there),
# BENCH_HTTP_PORT, BENCH_DB, KEEP_DB=1, BENCH_LOG_DIR (default: a new chorus_bench.XXXXXX in $TMPDIR, else /tmp).
set -euo pipefail

export BENCH_WARMUP="${BENCH_WARMUP:-2}"
exec bash "$(dirname "${BASH_SOURCE[0]}")/run_in_odoo.sh" bench_renderers.py "${1:-${BENCH_N:-20}}"
