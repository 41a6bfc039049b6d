#!/usr/bin/env bash
# make demo: a demo database with the module and its demo data, the Chorus Pro simulator and
# Odoo, both on 127.0.0.1, the demo companies already connected to the simulator.
#   DEMO_DB (default chorus_demo), DEMO_PORT (8069), SANDBOX_PORT (8090), DEMO_RESET=1 to rebuild,
#   DEMO_URL (default http://127.0.0.1:$DEMO_PORT, the web.base.url of the demo database).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$HERE/scripts/env.sh"
log() { printf '\033[1;34m[demo]\033[0m %s\n' "$*"; }

DEMO_DB="${DEMO_DB:-chorus_demo}"
DEMO_PORT="${DEMO_PORT:-8069}"
SANDBOX_PORT="${SANDBOX_PORT:-8090}"
[ -x "$VENV/bin/python" ] || { echo "run 'make setup' first" >&2; exit 2; }
"$HERE/scripts/pg_start.sh" >/dev/null
ADDONS="$("$HERE/scripts/addons_path.sh")"
mkdir -p "$HERE/var"
ODOO_BIN=("$VENV/bin/python" "$ODOO_SRC/odoo-bin")
OPTS=(--addons-path="$ADDONS" --db_host="$PGHOST" --db_port="$PGPORT" --db_user="$ODOO_DB_USER"
      --db_password="$ODOO_DB_PASSWORD" -d "$DEMO_DB")

db_exists() {
  psql -h "$PGHOST" -p "$PGPORT" -U "$ODOO_DB_USER" -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='$DEMO_DB'" 2>/dev/null | grep -q 1
}
if [ "${DEMO_RESET:-0}" = "1" ] && db_exists; then
  log "dropping $DEMO_DB"
  dropdb -h "$PGHOST" -p "$PGPORT" -U "$ODOO_DB_USER" "$DEMO_DB"
  rm -f "$HERE/var/sandbox.sqlite"
fi
if ! db_exists; then
  log "creating $DEMO_DB with l10n_fr_chorus_pro and demo data (a few minutes)"
  "${ODOO_BIN[@]}" "${OPTS[@]}" -i l10n_fr_chorus_pro --with-demo --stop-after-init --log-level=warn --no-http
fi

log "starting the Chorus Pro simulator on 127.0.0.1:$SANDBOX_PORT"
"$VENV/bin/chorus-pro-simulator" serve --host 127.0.0.1 --port "$SANDBOX_PORT" \
  --state "$HERE/var/sandbox.sqlite" --advance on_poll --flow-steps 1 > "$HERE/var/sandbox.log" 2>&1 &
SIM_PID=$!
trap 'kill $SIM_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
  curl -s "http://127.0.0.1:$SANDBOX_PORT/_simulator/state" >/dev/null && break
  sleep 0.2
done

# The works demo (demo/chorus_pro_works_demo.xml): the Département's buildings service, the
# MOA's service of the works statements, and the contractor and the architect firm (its
# project manager, MOE) in the "Factures de travaux" space. The state is kept between runs:
# a service already there answers 409, which is fine.
log "seeding the works demo on the simulator"
sim_admin() {
  local code
  code=$(curl -s -o "$HERE/var/sandbox_admin.json" -w '%{http_code}' -X POST \
    -H 'Content-Type: application/json' -d "$2" "http://127.0.0.1:$SANDBOX_PORT/_simulator$1")
  case "$code" in
    200|409) ;;
    *) echo "simulator admin $1 answered $code: $(cat "$HERE/var/sandbox_admin.json")" >&2; exit 1 ;;
  esac
}
sim_admin /services '{"structure": "22930008201453", "code": "BATIMENTS", "name": "Direction des bâtiments (collèges)"}'
sim_admin /works/enable '{"structure": "84123456000016", "enabled": true}'
sim_admin /works/enable '{"structure": "85234567700011", "enabled": true}'

log "connecting the demo companies to the simulator"
DEMO_URL="${DEMO_URL:-http://127.0.0.1:$DEMO_PORT}"
SANDBOX_URL="http://127.0.0.1:$SANDBOX_PORT" DEMO_URL="$DEMO_URL" "${ODOO_BIN[@]}" shell "${OPTS[@]}" --no-http --log-level=warn <<'PY'
import os
url = os.environ["SANDBOX_URL"]
for xmlid, login in (("l10n_fr_chorus_pro.demo_company_psy", "TECH_1_81234567600017@cpro.fr"),
                     ("l10n_fr_chorus_pro.demo_company_ase", "TECH_1_79876543400021@cpro.fr"),
                     ("l10n_fr_chorus_pro.demo_company_works", "TECH_1_84123456000016@cpro.fr")):
    env.ref(xmlid).write({
        "chorus_environment": "custom", "chorus_api_url": url,
        "chorus_token_url": url + "/api/oauth/token",
        "chorus_client_id": "chorus-sim-client", "chorus_client_secret": "chorus-sim-secret",
        "chorus_login": login, "chorus_password": "Chorus-Sim-2026",
    })
env["ir.config_parameter"].set_param("web.base.url", os.environ["DEMO_URL"])
# The recipients as the simulator's directory knows them, before Odoo starts: the weekly
# directory cron, due since the installation, would otherwise run in the first minute, beside
# the first deposit, both writing the same recipient (a serialization failure in the log).
from datetime import timedelta
from odoo import fields
now = fields.Datetime.now()
env["chorus.pro.connector"]._cron_sync_directory()
env.ref("l10n_fr_chorus_pro.ir_cron_chorus_directory").write(
    {"lastcall": now, "nextcall": now + timedelta(weeks=1)})
env.cr.commit()
PY

cat <<EOF2

  Odoo:       $DEMO_URL/odoo/customer-invoices   (login: admin / password: admin)
  Simulator:  http://127.0.0.1:$SANDBOX_PORT   (state: $HERE/var/sandbox.sqlite)

  The demo is in French: the administrator lands on the customer invoices of the
  psychologist (Cabinet de psychologie Claire Martin), who invoices universities for
  Santé Psy Étudiant; the company switcher (top right) opens the child-welfare association
  (Association Les Tilleuls), which invoices the Département de la Seine-Saint-Denis (ASE).

  The building firm (Rénovation Bâtiment 93) renovates a collège for the Département:
  Facturation › Clients › Chorus Pro › Décomptes de travaux (Works Statements). Month 1
  was validated and paid (the 5 % retention on 411710), month 2 validated by the
  architect (MOE) with a corrected amount (30 days to object); open month 3, its invoice,
  "Déposer sur Chorus Pro". Then play the architect and the Département:
    $VENV/bin/chorus-pro-simulator works-validate ID --ht AMOUNT --url http://127.0.0.1:$SANDBOX_PORT
    $VENV/bin/chorus-pro-simulator works-validate ID --by MOA --url http://127.0.0.1:$SANDBOX_PORT
  (ID: the invoice's Chorus Pro number, Chorus Pro tab) and "Mettre à jour depuis Chorus Pro".

  Try it: Facturation › Clients › Factures clients (Invoicing › Customers › Invoices), open
  a draft invoice, "Confirmer" (Confirm), then "Envoyer" (Send): "par Chorus Pro" (by Chorus
  Pro) is ticked for public bodies, "Envoyer" deposits it. Or "Déposer sur Chorus Pro"
  (Deposit to Chorus Pro), then "Déposer" (Deposit). In the association, the PMI invoice lacks
  its engagement number: the checklist asks for it. "Mettre à jour depuis Chorus Pro" (Update
  from Chorus Pro) brings the status back; move the recipient's side forward with:
    $VENV/bin/chorus-pro-simulator advance --url http://127.0.0.1:$SANDBOX_PORT
  Ctrl-C stops Odoo and the simulator.

EOF2
"${ODOO_BIN[@]}" "${OPTS[@]}" --http-interface=127.0.0.1 --http-port="$DEMO_PORT" --log-level=warn
