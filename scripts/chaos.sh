#!/usr/bin/env bash
# make chaos (see docs/chaos.md): a throw-away database with the module installed, then
# scripts/chaos/driver.py (simulator, two Odoo servers with --workers 2 and a cron worker
# each, the users' paths, faults on a schedule, the verdict). Not part of make test.
#   N (default 2000) invoices; CHAOS_FAULT_EVERY (s, default 15); CHAOS_ROUNDS (default 2:
#   each kind of fault twice, then the run settles); CHAOS_TIMEOUT (s);
#   KEEP_DB=1 keeps the database; CHAOS_VERDICT (default var/chaos/verdict.json).
set -euo pipefail
E2E_NAME=chaos
# shellcheck source=scripts/e2e_prologue.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/e2e_prologue.sh"
export N="${N:-2000}"
ADDONS="$("$HERE/scripts/addons_path.sh")"
cleanup() {
  local rc=$?
  if [ "${KEEP_DB:-0}" != "1" ]; then drop_database "$DB"; rm -rf "$WORK/data"; fi
  log "logs in $WORK"
  exit $rc
}
trap cleanup EXIT
log "database $DB: installing l10n_fr_chorus_pro (no demo)"
"$VENV/bin/python" "$ODOO_SRC/odoo-bin" --addons-path="$ADDONS" --db_host="$PGHOST" --db_port="$PGPORT" \
  --db_user="$ODOO_DB_USER" --db_password="$ODOO_DB_PASSWORD" --data-dir="$WORK/data" -d "$DB" \
  -i l10n_fr_chorus_pro --stop-after-init --no-http --log-level=warn >"$ODOO_LOG" 2>&1 \
  || fail "install failed: see $ODOO_LOG"
CHAOS_ROOT="$HERE" CHAOS_WORK="$WORK" CHAOS_DB="$DB" CHAOS_N="$N" CHAOS_ADDONS="$ADDONS" \
  "$VENV/bin/python" "$HERE/scripts/chaos/driver.py"
