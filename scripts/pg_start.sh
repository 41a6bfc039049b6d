#!/usr/bin/env bash
# Start the local PostgreSQL cluster if it is down and make sure the Odoo role exists.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"
log() { printf '\033[1;34m[pg]\033[0m %s\n' "$*"; }

if ! pg_isready -h "$PGHOST" -p "$PGPORT" -q; then
  log "PostgreSQL is down: starting it"
  if command -v pg_ctlcluster >/dev/null 2>&1 && ls /etc/postgresql >/dev/null 2>&1; then
    for version in $(ls /etc/postgresql); do
      pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
  else
    service postgresql start || true
  fi
  for _ in $(seq 1 30); do pg_isready -h "$PGHOST" -p "$PGPORT" -q && break; sleep 1; done
fi
pg_isready -h "$PGHOST" -p "$PGPORT" -q || { echo "[pg] ERROR: PostgreSQL does not answer on $PGHOST:$PGPORT" >&2; exit 1; }

as_postgres() {
  # Trust or peer authentication as the "postgres" superuser.
  if psql -U postgres -h "$PGHOST" -p "$PGPORT" -tAc "$1" 2>/dev/null; then return 0; fi
  su postgres -c "psql -p $PGPORT -tA" <<<"$1"
}
if [ "$(as_postgres "SELECT 1 FROM pg_roles WHERE rolname='$ODOO_DB_USER'")" != "1" ]; then
  log "creating role $ODOO_DB_USER"
  as_postgres "CREATE ROLE \"$ODOO_DB_USER\" LOGIN SUPERUSER CREATEDB PASSWORD '$ODOO_DB_PASSWORD'" >/dev/null
fi
log "PostgreSQL ready on $PGHOST:$PGPORT (role $ODOO_DB_USER)"
