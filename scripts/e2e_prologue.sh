#!/usr/bin/env bash
# Shared prologue of the end-to-end scripts that run odoo-bin on a database of their own
# (test_packaging.sh, test_update_keeps_edits.sh). Sourced, after setting:
#   E2E_NAME          short name: the log prefix "[E2E_NAME]", and part of the database,
#                     Odoo log and temporary directory names;
#   E2E_FAIL_SUMMARY  (optional) a line printed after a failure message.
# Sources env.sh; defines log MESSAGE and fail MESSAGE (exits 1); checks the virtualenv,
# Odoo's source and PostgreSQL; sets HERE, START, LOG_DIR (created), DB (a new name),
# ODOO_LOG and WORK (a new temporary directory: the caller's cleanup removes it).
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
source "$HERE/scripts/env.sh"
START=$SECONDS
log() { printf '\033[1;34m[%s]\033[0m %s (%d s)\n' "$E2E_NAME" "$*" "$((SECONDS - START))"; }
fail() {
  printf '\033[1;31m[%s] FAILED:\033[0m %s\n' "$E2E_NAME" "$*" >&2
  if [ -n "${E2E_FAIL_SUMMARY:-}" ]; then echo "$E2E_FAIL_SUMMARY"; fi
  exit 1
}

[ -x "$VENV/bin/python" ] || fail "no virtualenv at $VENV: run 'make setup' first"
[ -f "$ODOO_SRC/odoo-bin" ] || fail "no Odoo 19.0 source at ODOO_SRC=$ODOO_SRC: run 'make setup' first"
"$HERE/scripts/pg_start.sh" >/dev/null || fail "PostgreSQL is not available"

LOG_DIR="${LOG_DIR:-$HERE/var/log}"
mkdir -p "$LOG_DIR"
DB="chorus_${E2E_NAME}_$(date +%Y%m%d%H%M%S)_$$"
ODOO_LOG="$LOG_DIR/odoo-${E2E_NAME}-$$.log"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/chorus-${E2E_NAME}.XXXXXX")"
