#!/usr/bin/env bash
# Expose this repository to Odoo under its module name (the clone directory may be named
# anything) and write the resulting addons path to $ADDONS_LINK_DIR/.addons_path.
set -euo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/env.sh"
mkdir -p "$ADDONS_LINK_DIR"
ln -sfn "$ROOT" "$ADDONS_LINK_DIR/l10n_fr_chorus_pro"
echo "$ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$ADDONS_LINK_DIR" > "$ADDONS_LINK_DIR/.addons_path"
cat "$ADDONS_LINK_DIR/.addons_path"
