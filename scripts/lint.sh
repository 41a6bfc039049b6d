#!/usr/bin/env bash
# OCA style check: pylint-odoo's Odoo rules on the module (its own virtualenv, .venv-lint,
# so that pylint's pins do not touch Odoo's). Non-zero on any message.
# manifest-required-author is off: this module is not an OCA one.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LINT_VENV="${LINT_VENV:-$HERE/.venv-lint}"
if [ ! -x "$LINT_VENV/bin/pylint" ]; then
  python3 -m venv "$LINT_VENV"
  "$LINT_VENV/bin/pip" install -q "pylint-odoo>=10"
fi
cd "$HERE"
"$LINT_VENV/bin/pylint" --load-plugins=pylint_odoo --disable=all --enable=odoolint \
  --disable=manifest-required-author --valid-odoo-versions=19.0 --score=n \
  --ignore=.venv,.venv-lint,.odoo-addons,var,simulator .
echo "[lint] pylint-odoo: no message"
