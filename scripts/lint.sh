#!/usr/bin/env bash
# Style checks: the hooks of .pre-commit-config.yaml (ruff check and format, pylint-odoo's Odoo
# rules, prettier for XML and JavaScript) on every file. Non-zero when a hook fails or changes a
# file (the diff is shown). pre-commit comes from requirements-dev.txt (make setup); each hook
# builds its own environment from PyPI or the npm registry on first use.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
source "$HERE/scripts/env.sh"
cd "$HERE"
"$VENV/bin/pre-commit" run --all-files --show-diff-on-failure
echo "[lint] pre-commit: every hook passed"
