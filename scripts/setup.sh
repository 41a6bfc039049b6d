#!/usr/bin/env bash
# One-shot set-up of a development / CI machine for l10n_fr_chorus_pro.
#
#  * Debian packages Odoo 19.0 needs to build and run (libpq, ldap, sasl, wkhtmltopdf, chromium...)
#  * PostgreSQL running, with an "odoo" superuser role for the tests
#  * Odoo 19.0 Community source: $ODOO_SRC (default /opt/odoo-19.0); when absent, the official
#    19.0 source archive is downloaded there
#  * a project virtualenv ($VENV, default .venv) with Odoo's requirements.txt, this module's
#    requirements.txt and the Chorus Pro simulator (editable install)
#
# Idempotent: re-running it only installs what is missing.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
source "$HERE/scripts/env.sh"

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[setup] ERROR:\033[0m %s\n' "$*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

# --- 1. Debian packages ---------------------------------------------------------------
DEB_PACKAGES=(
  build-essential python3-dev libpq-dev libldap2-dev libsasl2-dev libxml2-dev libxslt1-dev
  libjpeg-dev zlib1g-dev libffi-dev libssl-dev
  postgresql postgresql-client
  wkhtmltopdf fonts-dejavu-core fonts-lato fontconfig poppler-utils
  libpango-1.0-0 libpangoft2-1.0-0
  chromium
)
missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || die "apt-get install failed for: ${missing[*]}"
else
  log "Debian packages present"
fi

# --- 2. PostgreSQL ------------------------------------------------------------------------
"$HERE/scripts/pg_start.sh"

# --- 3. Odoo 19.0 source ------------------------------------------------------------------
if [ ! -f "$ODOO_SRC/odoo-bin" ]; then
  log "no Odoo source at $ODOO_SRC: downloading the official 19.0 source archive"
  tmp="$(mktemp -d)"
  curl -fL --retry 3 -o "$tmp/odoo.tar.gz" "$ODOO_ARCHIVE_URL" \
    || die "Odoo 19.0 source not found at ODOO_SRC=$ODOO_SRC and the archive $ODOO_ARCHIVE_URL could not be downloaded. Put an Odoo 19.0 Community tree there (odoo-bin, odoo/, addons/) or set ODOO_SRC."
  mkdir -p "$ODOO_SRC"
  tar -xzf "$tmp/odoo.tar.gz" -C "$ODOO_SRC" --strip-components=1
  rm -rf "$tmp"
fi
grep -q "version_info = (19, 0" "$ODOO_SRC/odoo/release.py" || die "$ODOO_SRC is not an Odoo 19.0 tree"
[ -d "$ODOO_SRC/addons/l10n_fr_facturx_chorus_pro" ] || die "$ODOO_SRC/addons lacks l10n_fr_facturx_chorus_pro"
log "Odoo 19.0 source: $ODOO_SRC"

# --- 4. virtualenv ----------------------------------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
  log "creating virtualenv $VENV"
  python3 -m venv "$VENV"
fi
stamp="$VENV/.chorus-setup-stamp"
want="$( { cat "$ODOO_SRC/requirements.txt" "$HERE/requirements.txt" "$HERE/requirements-dev.txt" "$HERE/simulator/pyproject.toml" 2>/dev/null || true; } | sha1sum | cut -c1-40)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "installing Python requirements into $VENV"
  "$VENV/bin/pip" install -q --upgrade "pip<25" wheel "setuptools<70"
  # Odoo's pinned requirements first, then ours (must not override Odoo's pins).
  # Some of Odoo's pinned sdists still import pkg_resources in their setup.py: keep the
  # isolated build environments on a setuptools that has it.
  build_constraints="$VENV/build-constraints.txt"
  echo "setuptools<70" > "$build_constraints"
  PIP_CONSTRAINT="$build_constraints" "$VENV/bin/pip" install -q -r "$ODOO_SRC/requirements.txt"
  # Our requirements must not move any version Odoo pinned: freeze them as constraints.
  "$VENV/bin/pip" freeze --exclude-editable > "$VENV/odoo-constraints.txt"
  "$VENV/bin/pip" install -q -c "$VENV/odoo-constraints.txt" -r "$HERE/requirements.txt" -r "$HERE/requirements-dev.txt"
  if [ -f "$HERE/simulator/pyproject.toml" ]; then
    "$VENV/bin/pip" install -q --no-build-isolation -e "$HERE/simulator"
  fi
  echo "$want" > "$stamp"
else
  log "Python requirements up to date in $VENV"
fi
"$VENV/bin/python" -c "import facturx, saxonche, stdnum.fr.siret, phonenumbers, requests, lxml" \
  || die "Python dependencies are not importable from $VENV"
log "done. Run the tests with: make test"
