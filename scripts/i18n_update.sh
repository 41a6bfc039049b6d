#!/usr/bin/env bash
# Regenerate the translation template of l10n_fr_chorus_pro and update the French catalogue:
#   1. a throw-away PostgreSQL database, the module installed in it (no demo data);
#   2. the template exported with Odoo's own exporter
#      (odoo-bin i18n export ... l10n_fr_chorus_pro  ->  i18n/l10n_fr_chorus_pro.pot);
#   3. i18n/fr.po updated from it (msgmerge --update --no-fuzzy-matching, obsolete entries
#      dropped), created with a proper French header when missing;
#   4. the database dropped, and the untranslated / fuzzy counts of fr.po printed.
#
# Idempotent: when the exported terms did not change, neither file is rewritten (the
# template's creation date alone does not count as a change). Exits non-zero on any failure.
# Options (environment): I18N_STRICT=1 also fails when fr.po has untranslated or fuzzy entries,
# KEEP_DB=1 keeps the database, I18N_DB to choose its name.
#
# Why a staging addons directory: Odoo's exporter walks the module directory (following
# symlinks) and takes every *.py under it as module source. This repository root is the
# module and also holds .venv/, var/, the simulator and .odoo-addons/ (a symlink back to the
# root: an endless loop), so Odoo is pointed at a directory of symlinks to the module's own
# files only.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$HERE/scripts/env.sh"
MODULE=l10n_fr_chorus_pro
log() { printf '\033[1;34m[i18n]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[i18n] ERROR:\033[0m %s\n' "$*" >&2; exit 1; }

[ -x "$VENV/bin/python" ] || die "no virtualenv at $VENV: run 'make setup' first"
[ -f "$ODOO_SRC/odoo-bin" ] || die "no Odoo 19.0 source at ODOO_SRC=$ODOO_SRC: run 'make setup' first"

# gettext (msgmerge, msgfmt, msgattrib) is a Debian package.
if ! command -v msgmerge >/dev/null || ! command -v msgfmt >/dev/null || ! command -v msgattrib >/dev/null; then
  log "installing gettext"
  SUDO=""; [ "$(id -u)" != "0" ] && SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq gettext \
    || { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq gettext; } \
    || die "cannot install gettext"
fi

"$HERE/scripts/pg_start.sh" >/dev/null || die "PostgreSQL is not available"

I18N_DIR="$HERE/i18n"
POT="$I18N_DIR/$MODULE.pot"
PO="$I18N_DIR/fr.po"
DB="${I18N_DB:-chorus_i18n_$(date +%Y%m%d%H%M%S)_$$}"
WORK="$(mktemp -d)"
mkdir -p "$I18N_DIR" "$WORK/addons/$MODULE"

drop_db() {
  [ "${KEEP_DB:-0}" = "1" ] && { log "database $DB kept"; return 0; }
  drop_database "$DB"
}
cleanup() { drop_db; rm -rf "$WORK"; }
trap cleanup EXIT

# Staging addons directory: symlinks to the module's own top-level files and folders.
for entry in "$HERE"/*; do
  name="$(basename "$entry")"
  case "$name" in
    var|simulator|benchmarks) continue ;;  # runtime data and separate tools, not the module
  esac
  ln -s "$entry" "$WORK/addons/$MODULE/$name"
done

cat > "$WORK/odoo.conf" <<EOF
[options]
addons_path = $ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$WORK/addons
db_host = $PGHOST
db_port = $PGPORT
db_user = $ODOO_DB_USER
db_password = $ODOO_DB_PASSWORD
data_dir = $HOME/.local/share/Odoo
max_cron_threads = 0
EOF

log "installing $MODULE in the throw-away database $DB (no demo data)"
if ! "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$WORK/odoo.conf" -d "$DB" -i "$MODULE" \
    --stop-after-init --no-http --log-level=warn >"$WORK/install.log" 2>&1; then
  tail -40 "$WORK/install.log" >&2
  die "installing $MODULE failed"
fi
if grep -qE "^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) " "$WORK/install.log"; then
  grep -E "(ERROR|CRITICAL)" "$WORK/install.log" | head -20 >&2
  die "errors were logged while installing $MODULE"
fi

log "exporting the template with Odoo's exporter"
if ! "$VENV/bin/python" "$ODOO_SRC/odoo-bin" i18n export -c "$WORK/odoo.conf" -d "$DB" \
    -o "$WORK/$MODULE.pot" "$MODULE" >"$WORK/export.log" 2>&1; then
  tail -40 "$WORK/export.log" >&2
  die "odoo-bin i18n export failed"
fi
grep -E "WARNING|ERROR" "$WORK/export.log" >&2 || true
[ -s "$WORK/$MODULE.pot" ] || die "the exported template is empty"
msgfmt --check-format -o /dev/null "$WORK/$MODULE.pot" || die "the exported template is not a valid PO file"
drop_db; trap 'rm -rf "$WORK"' EXIT

# Keep the committed template when only its creation date changed.
strip_dates() { grep -vE '^"(POT-Creation-Date|PO-Revision-Date): ' "$1"; }
if [ -f "$POT" ] && diff -q <(strip_dates "$POT") <(strip_dates "$WORK/$MODULE.pot") >/dev/null; then
  log "template unchanged: $POT"
else
  cp "$WORK/$MODULE.pot" "$POT"
  log "template written: $POT"
fi

if [ ! -f "$PO" ]; then
  log "creating $PO"
  msginit --no-translator --locale=fr --input="$POT" --output-file="$WORK/fr.po" >/dev/null 2>&1 \
    || die "msginit failed"
  # French: singular for 0 and 1.
  sed -i -e 's/^"Language: .*\\n"$/"Language: fr\\n"/' \
         -e 's/^"Plural-Forms: .*\\n"$/"Plural-Forms: nplurals=2; plural=(n > 1);\\n"/' \
         -e 's/^"Last-Translator: .*\\n"$/"Last-Translator: l10n_fr_chorus_pro contributors\\n"/' \
         -e 's/^"Language-Team: .*\\n"$/"Language-Team: French\\n"/' "$WORK/fr.po"
  cp "$WORK/fr.po" "$PO"
fi

log "updating $PO from the template"
msgmerge --quiet --update --no-fuzzy-matching --backup=none "$PO" "$POT" || die "msgmerge failed"
if grep -q '^#~' "$PO"; then
  log "dropping obsolete entries (terms no longer in the module)"
  msgattrib --no-obsolete -o "$WORK/fr.po" "$PO" || die "msgattrib failed"
  cp "$WORK/fr.po" "$PO"
fi
grep -q '^"Language: fr\\n"$' "$PO" || die "$PO has no 'Language: fr' header"

stats="$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$PO" 2>&1)" || { echo "$stats" >&2; die "msgfmt --check failed on $PO"; }
translated=$(grep -oE '[0-9]+ translated' <<<"$stats" | grep -oE '[0-9]+' || echo 0)
untranslated=$(grep -oE '[0-9]+ untranslated' <<<"$stats" | grep -oE '[0-9]+' || echo 0)
fuzzy=$(grep -oE '[0-9]+ fuzzy' <<<"$stats" | grep -oE '[0-9]+' || echo 0)
total=$(msgattrib --no-obsolete "$POT" 2>/dev/null | grep -c '^msgid ' || true)
log "msgfmt: $stats"
echo "fr.po: $translated translated, $untranslated untranslated, $fuzzy fuzzy (template: $((total - 1)) entries)"
if [ "${I18N_STRICT:-0}" = "1" ] && [ $((untranslated + fuzzy)) -gt 0 ]; then
  die "fr.po has $untranslated untranslated and $fuzzy fuzzy entries"
fi
exit 0
