#!/usr/bin/env bash
# Packaging test: the addon installs like any pip-installed Odoo addon.
#   1. builds the wheel (scripts/build_wheel.sh: whool, odoo-addon-l10n_fr_chorus_pro);
#   2. creates a fresh virtualenv in a temporary directory and installs into it Odoo's
#      requirements.txt, Odoo itself from $ODOO_SRC (Odoo is not on PyPI: an editable
#      install in "compat" mode — a .pth naming the source tree, no copy of its 1.2 GB —
#      which gives the `odoo` distribution the wheel requires), then the wheel, its
#      Requires-Dist resolved by pip (never --no-deps), and runs `pip check`;
#   3. checks that odoo.addons.l10n_fr_chorus_pro is imported from that virtualenv's
#      site-packages;
#   4. runs that virtualenv's `odoo` on a fresh database with Odoo's own addons only in
#      --addons-path (not this repository): -i l10n_fr_chorus_pro --stop-after-init;
#   5. checks the module is installed (ir_module_module), that no error was logged, and that
#      no docutils message (README parsed as reStructuredText, e.g. "Unexpected
#      indentation") was printed while the module loaded; drops the database.
# Exits non-zero loudly on any failure.
#
# Cost, on a warm machine (wheels of Odoo's pinned requirements in pip's cache, the same
# versions as $VENV thanks to its odoo-constraints.txt): about 1.5 minutes — wheel 3 s,
# virtualenv 6 s, Odoo's requirements 20 s, Odoo 8 s, the wheel and its dependencies 8 s,
# module installation on a fresh database 40–60 s. A cold pip cache adds the downloads
# (and the compilation of psycopg2 and python-ldap).
#
# Options (environment): KEEP_PACKAGING=1 keeps the temporary directory and the database.
set -uo pipefail

E2E_NAME=packaging
# shellcheck source=scripts/e2e_prologue.sh
source "$(dirname "${BASH_SOURCE[0]}")/e2e_prologue.sh"
ADDON=l10n_fr_chorus_pro
command -v psql >/dev/null || fail "psql is missing (postgresql-client)"
cleanup() {
  if [ "${KEEP_PACKAGING:-0}" = "1" ]; then
    log "kept: $WORK, database $DB"
  else
    drop_database "$DB"
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

# pip_quiet PIP ARGS...: pip without the warnings about absent local indexes that the
# machine-wide pip configuration may name; the output is shown on failure.
pip_quiet() {
  local out="$WORK/pip.log" rc=0
  "$@" >"$out" 2>&1 || rc=$?
  grep -v "^WARNING: Location '" "$out" || true
  return $rc
}

# 1. The wheel.
wheel="$(bash "$HERE/scripts/build_wheel.sh" "$WORK/dist" | tail -1)"
[ -f "$wheel" ] || fail "the wheel was not built"
log "wheel: $(basename "$wheel")"

# 2. A fresh virtualenv, on the same Python as $VENV.
base_python="$("$VENV/bin/python" -c 'import sys; print(sys._base_executable)')"
"$base_python" -m venv "$WORK/venv" || fail "cannot create a virtualenv with $base_python"
PIP=("$WORK/venv/bin/python" -m pip --disable-pip-version-check --quiet)
# Keep Odoo's pins at the versions of the project virtualenv (setup.sh froze them), and the
# isolated builds of old sdists on a setuptools that still has pkg_resources (as setup.sh).
constraints=()
[ -f "$VENV/odoo-constraints.txt" ] && constraints=(-c "$VENV/odoo-constraints.txt")
echo "setuptools<70" > "$WORK/build-constraints.txt"
export PIP_CONSTRAINT="$WORK/build-constraints.txt"
pip_quiet "${PIP[@]}" install -r "$ODOO_SRC/requirements.txt" "${constraints[@]}" \
  || fail "installing Odoo's requirements.txt into the fresh virtualenv"
log "fresh virtualenv $WORK/venv: Odoo's requirements installed"
pip_quiet "${PIP[@]}" install -e "$ODOO_SRC" --config-settings editable_mode=compat "${constraints[@]}" \
  || fail "installing Odoo from $ODOO_SRC"
# The wheel, its requirements (odoo==19.0.*, the manifest's Python packages) resolved by pip.
pip_quiet "${PIP[@]}" install "$wheel" "${constraints[@]}" || fail "installing $(basename "$wheel")"
pip_quiet "${PIP[@]}" check || fail "pip check: broken requirements in the fresh virtualenv"
log "installed: $("$WORK/venv/bin/python" -c "from importlib.metadata import version as v
print(f'odoo {v(\"odoo\")}, odoo-addon-$ADDON {v(\"odoo-addon-$ADDON\")}, factur-x {v(\"factur-x\")}')")"

# 3. The addon comes from the virtualenv's site-packages.
site="$("$WORK/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
addon_file="$(cd "$WORK" && env -u PYTHONPATH "$WORK/venv/bin/python" -c \
  "import odoo.addons.$ADDON as m; print(m.__file__)" 2>"$WORK/import.log")" \
  || { cat "$WORK/import.log" >&2; fail "odoo.addons.$ADDON is not importable from the fresh virtualenv"; }
[ "$addon_file" = "$site/odoo/addons/$ADDON/__init__.py" ] \
  || fail "odoo.addons.$ADDON comes from $addon_file, not from $site"
log "odoo.addons.$ADDON imported from $addon_file"

# 4. Install the module with Odoo's own addons only in the addons path.
http_port="$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
log "installing $ADDON on the fresh database $DB (log: $ODOO_LOG)"
(cd "$WORK" && env -u PYTHONPATH "$WORK/venv/bin/odoo" \
    --addons-path="$ODOO_SRC/addons,$ODOO_SRC/odoo/addons" \
    --db_host="$PGHOST" --db_port="$PGPORT" --db_user="$ODOO_DB_USER" --db_password="$ODOO_DB_PASSWORD" \
    -d "$DB" -i "$ADDON" --stop-after-init \
    --http-port="$http_port" --http-interface=127.0.0.1 --max-cron-threads=0 --log-level=info) \
  >"$ODOO_LOG" 2>&1
odoo_rc=$?

# 5. Checks.
problems=()
[ "$odoo_rc" = "0" ] || problems+=("odoo exited with $odoo_rc")
state="$(psql -h "$PGHOST" -p "$PGPORT" -U "$ODOO_DB_USER" -d "$DB" -tAc \
  "SELECT state FROM ir_module_module WHERE name = '$ADDON'" 2>&1)"
[ "$state" = "installed" ] || problems+=("module state is '$state', not 'installed'")
grep -q "Loading module $ADDON " "$ODOO_LOG" || problems+=("the log does not show $ADDON being loaded")
grep -qF "$site/odoo/addons" "$ODOO_LOG" || problems+=("the addons paths in the log do not include $site/odoo/addons")
if grep -qF "$HERE" "$ODOO_LOG"; then problems+=("the log names the repository $HERE"); fi
errors="$(grep -nE "^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) |^Traceback" "$ODOO_LOG" || true)"
[ -z "$errors" ] || problems+=("errors logged:"$'\n'"$errors")
# docutils prints its messages on stderr, without a logger prefix: look from the loading of
# our module on (Odoo core modules loaded before it, such as mail, have their own).
docutils="$(sed -n "/Loading module $ADDON /,\$p" "$ODOO_LOG" \
  | grep -E "^<string>:[0-9]+: \((INFO|WARNING|ERROR|SEVERE)/[0-9]\)|Unexpected indentation" || true)"
[ -z "$docutils" ] || problems+=("docutils messages while $ADDON loaded (README parsed?):"$'\n'"$docutils")

if [ ${#problems[@]} -gt 0 ]; then
  printf '  %s\n' "${problems[@]}" >&2
  tail -20 "$ODOO_LOG" >&2
  fail "the module does not install from its wheel (log: $ODOO_LOG)"
fi
log "passed: $ADDON $state from $(basename "$wheel") in a fresh virtualenv, no error, no docutils message"
