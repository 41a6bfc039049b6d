#!/usr/bin/env bash
# Run the whole test suite of l10n_fr_chorus_pro:
#   1. a fresh PostgreSQL database, the module installed with its dependencies and its Odoo
#      tests run (--test-enable --test-tags /l10n_fr_chorus_pro);
#   2. the pure-Python tests with pytest (lib/tests, simulator/tests);
#   3. the packaging test (scripts/test_packaging.sh: the wheel installed into a fresh
#      virtualenv, the module installed from it on a fresh database), one check.
#   4. the update check (scripts/test_update_keeps_edits.sh: an install on a database that
#      already has the customers, the user's edits, then odoo-bin -u keeps them), one check.
# Exits non-zero on any failure, or when no Odoo test ran. Prints the counts.
#
# Options (environment): TEST_TAGS (default /l10n_fr_chorus_pro), KEEP_DB=1 to keep the
# database, SKIP_PYTEST=1 / SKIP_ODOO=1 / SKIP_PACKAGING=1 / SKIP_UPDATE_CHECK=1, WITH_DEMO=1 to install with
# demo data, TEST_MODULES to install other modules beside it (comma-separated, the module
# included), SKIP_DEMO_CHECK=1 / SKIP_PLATFORM_CHECK=1 to skip the demo-data run / the run
# beside Odoo's Peppol and approved-platform stack (account_peppol).
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$HERE/scripts/env.sh"
die() { printf '\033[1;31m[test] ERROR:\033[0m %s\n' "$*" >&2; exit 2; }
log() { printf '\033[1;34m[test]\033[0m %s\n' "$*"; }

[ -x "$VENV/bin/python" ] || die "no virtualenv at $VENV: run 'make setup' first"
[ -f "$ODOO_SRC/odoo-bin" ] || die "no Odoo 19.0 source at ODOO_SRC=$ODOO_SRC: run 'make setup' first"
"$HERE/scripts/pg_start.sh" >/dev/null || die "PostgreSQL is not available"
"$HERE/scripts/addons_path.sh" >/dev/null || die "cannot prepare the addons path"

odoo_passed=0; odoo_failed=0; odoo_ran=0; py_passed=0; py_failed=0; pack_passed=0; pack_failed=0; status=0
LOG_DIR="${LOG_DIR:-$HERE/var/log}"
mkdir -p "$LOG_DIR"

# run_odoo_tests NAME DEMO(0|1) TAGS [MODULES]: fresh database, install (the module, or
# MODULES), run the tagged tests.
run_odoo_tests() {
  local name="$1" demo="$2" tags="$3" modules="${4:-l10n_fr_chorus_pro}"
  local db="${TEST_DB:-chorus_test_$(date +%Y%m%d%H%M%S)_$$}_$name"
  local odoo_log="$LOG_DIR/odoo-test-$name-$$.log" demo_flag=""
  local http_port="${TEST_HTTP_PORT:-$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
  [ "$demo" = "1" ] && demo_flag="--with-demo"
  log "Odoo tests ($name): database $db, demo=$demo, tags $tags (log: $odoo_log)"
  "$VENV/bin/python" "$ODOO_SRC/odoo-bin" \
      --addons-path="$(cat "$ADDONS_LINK_DIR/.addons_path")" \
      --db_host="$PGHOST" --db_port="$PGPORT" --db_user="$ODOO_DB_USER" --db_password="$ODOO_DB_PASSWORD" \
      -d "$db" -i "$modules" $demo_flag \
      --test-enable --test-tags "$tags" --stop-after-init \
      --http-port="$http_port" --http-interface=127.0.0.1 --log-level=test --max-cron-threads=0 \
      2>&1 | tee "$odoo_log" | grep --line-buffered -E "ERROR|FAIL|CRITICAL|tests .* queries|failed, .* error|Traceback"
  local odoo_rc=${PIPESTATUS[0]} ran=0 nf=0 ne=0
  local summary
  summary="$(grep -E "[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests" "$odoo_log" | tail -1)"
  if [ -n "$summary" ]; then
    read -r nf ne ran < <(sed -E 's/.* ([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests.*/\1 \2 \3/' <<<"$summary")
  fi
  local failed=$((nf + ne)) passed=$((ran - nf - ne))
  [ "$passed" -lt 0 ] && passed=0
  if grep -qE "^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) " "$odoo_log"; then
    # An error logged outside a test (module loading, data files...) fails the run too.
    log "errors were logged during the Odoo run (see $odoo_log)"
    status=1; [ "$failed" = "0" ] && failed=1
  fi
  # A skipped test is not a passed one: only the demo-data checks may skip (database
  # installed without demo data). A browser test skipped for a missing package fails.
  local skipped
  skipped="$(grep -aE "l10n_fr_chorus_pro\.tests.*: skipped " "$odoo_log" | grep -v "installed without demo data" || true)"
  if [ -n "$skipped" ]; then
    log "unexpected skipped tests:"; echo "$skipped"
    status=1; failed=$((failed + $(wc -l <<<"$skipped"))); passed=$((passed - $(wc -l <<<"$skipped")))
  fi
  [ "$odoo_rc" = "0" ] || { log "odoo-bin exited with $odoo_rc"; status=1; }
  if [ "$ran" = "0" ]; then log "NO ODOO TEST RAN ($name): this is a failure"; status=1; fi
  [ "$failed" = "0" ] || status=1
  odoo_passed=$((odoo_passed + passed)); odoo_failed=$((odoo_failed + failed))
  log "odoo ($name): $passed passed, $failed failed"
  if [ "${KEEP_DB:-0}" != "1" ]; then
    drop_database "$db"
  fi
}

if [ "${SKIP_ODOO:-0}" != "1" ]; then
  run_odoo_tests main "${WITH_DEMO:-0}" "${TEST_TAGS:-/l10n_fr_chorus_pro}" "${TEST_MODULES:-l10n_fr_chorus_pro}"
  if [ "${SKIP_DEMO_CHECK:-0}" != "1" ] && [ -z "${TEST_TAGS:-}" ]; then
    # The module must also install with demo data; its demo tests run there.
    run_odoo_tests demo 1 "/l10n_fr_chorus_pro:TestDemoData"
  fi
  if [ "${SKIP_PLATFORM_CHECK:-0}" != "1" ] && [ -z "${TEST_TAGS:-}" ]; then
    # Beside Odoo's Peppol / approved-platform stack (account_peppol, on which l10n_fr_pdp
    # sends): the Send and channel tests run there with the real 'peppol' sending method.
    run_odoo_tests platform 0 "/l10n_fr_chorus_pro:TestChorusSend" "l10n_fr_chorus_pro,account_peppol"
  fi
fi

if [ "${SKIP_PYTEST:-0}" != "1" ]; then
  targets=()
  for dir in lib/tests simulator/tests; do [ -d "$HERE/$dir" ] && targets+=("$dir"); done
  if [ ${#targets[@]} -gt 0 ]; then
    log "pytest: ${targets[*]}"
    py_log="$LOG_DIR/pytest-$$.log"
    (cd "$HERE" && "$VENV/bin/python" -m pytest -q -p no:cacheprovider "${targets[@]}") 2>&1 | tee "$py_log"
    py_rc=${PIPESTATUS[0]}
    line="$(grep -E "[0-9]+ (passed|failed|errors?)\b" "$py_log" | tail -1)"
    py_passed=$(grep -oE "[0-9]+ passed" <<<"$line" | grep -oE "[0-9]+" || echo 0)
    py_failed=$(( $(grep -oE "[0-9]+ failed" <<<"$line" | grep -oE "[0-9]+" || echo 0) + $(grep -oE "[0-9]+ errors?" <<<"$line" | grep -oE "[0-9]+" || echo 0) ))
    [ "$py_rc" = "0" ] || status=1
    log "pytest: $py_passed passed, $py_failed failed"
  fi
fi

if [ "${SKIP_PACKAGING:-0}" != "1" ]; then
  log "packaging: wheel, fresh virtualenv, module installed from it (scripts/test_packaging.sh)"
  if LOG_DIR="$LOG_DIR" bash "$HERE/scripts/test_packaging.sh"; then
    pack_passed=1
  else
    pack_failed=1; status=1
  fi
  log "packaging: $pack_passed passed, $pack_failed failed"
fi

upd_passed=0; upd_failed=0
if [ "${SKIP_UPDATE_CHECK:-0}" != "1" ] && [ -z "${TEST_TAGS:-}" ]; then
  log "update: install on a database that already has the customers, edits, -u (scripts/test_update_keeps_edits.sh)"
  if bash "$HERE/scripts/test_update_keeps_edits.sh"; then
    upd_passed=1
  else
    upd_failed=1; status=1
  fi
  log "update: $upd_passed passed, $upd_failed failed"
fi

total_passed=$((odoo_passed + py_passed + pack_passed + upd_passed)); total_failed=$((odoo_failed + py_failed + pack_failed + upd_failed))
if [ "$status" != "0" ] && [ "$total_failed" = "0" ]; then total_failed=1; fi
echo "total: $total_passed passed, $total_failed failed"
exit $status
