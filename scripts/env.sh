# Shared settings of the project scripts (sourced, not executed).
# Override any of them from the environment.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Where the Odoo 19.0 Community source tree lives (odoo-bin, odoo/, addons/).
export ODOO_SRC="${ODOO_SRC:-/opt/odoo-19.0}"
export ODOO_ARCHIVE_URL="${ODOO_ARCHIVE_URL:-https://nightly.odoo.com/19.0/nightly/src/odoo_19.0.latest.tar.gz}"
# The project virtualenv.
export VENV="${VENV:-$ROOT/.venv}"
# PostgreSQL connection used by Odoo (a superuser role; never "postgres", Odoo refuses it).
export PGHOST="${PGHOST:-127.0.0.1}"
export PGPORT="${PGPORT:-5432}"
export ODOO_DB_USER="${ODOO_DB_USER:-odoo}"
export ODOO_DB_PASSWORD="${ODOO_DB_PASSWORD:-odoo}"
export PGPASSWORD="${PGPASSWORD:-$ODOO_DB_PASSWORD}"
# Where the addon is mounted for Odoo's addons path: Odoo needs the directory name to be the
# module name, and a clone may be named anything.
export ADDONS_LINK_DIR="${ADDONS_LINK_DIR:-$ROOT/.odoo-addons}"

# drop_database NAME: drop a throw-away database and its filestore (sourced helper).
drop_database() {
  dropdb --if-exists -h "$PGHOST" -p "$PGPORT" -U "$ODOO_DB_USER" "$1" 2>/dev/null || true
  rm -rf "$HOME/.local/share/Odoo/filestore/$1"
}
