#!/usr/bin/env bash
# End-to-end check, with real odoo-bin runs, that the seeded Chorus Pro recipients join the
# user's own companies at install and that an update of the module keeps what the user changed:
#   1. a fresh database with Odoo's accounting and its French localisation only (account,
#      l10n_fr_account), no demo data;
#   2. odoo-bin shell, as a user of that database would have them: the customers Université
#      de Bordeaux (SIRET typed with spaces, address, e-mail, language, a posted invoice) and
#      the Département de la Seine-Saint-Denis (SIRET, address, e-mail);
#   3. odoo-bin -i l10n_fr_chorus_pro; odoo-bin shell: one company per SIRET, the user's,
#      is the Chorus Pro recipient (the module's external ids point at it, its name, address,
#      e-mail and language kept, Chorus Pro settings, services, a note); then the user's
#      edits: the Département's street, the label of service 538, a university's street, an
#      invoicing contact's e-mail, the weekly directory cron switched off, the status cron
#      every 4 hours, the activity type's summary, a company setting, a system parameter;
#   4. odoo-bin -u l10n_fr_chorus_pro; odoo-bin shell: every edit kept, no duplicate, every
#      seeded external id noupdate.
# With FROM_REF=<git ref> (e.g. an earlier release), step 3 installs the module as it was at
# that commit (which may not join the customers: only the edits and the update are checked)
# and step 4 updates it to this working tree: the path of a database installed before.
# Prints "update keeps edits: 1 passed, 0 failed" and exits 0 when every check holds.
#
# Options (environment): KEEP_DB=1 keeps the database, FROM_REF (above). About 2-3 minutes.
set -uo pipefail

E2E_NAME=update
E2E_FAIL_SUMMARY="update keeps edits: 0 passed, 1 failed"
# shellcheck source=scripts/e2e_prologue.sh
source "$(dirname "${BASH_SOURCE[0]}")/e2e_prologue.sh"
MODULE=l10n_fr_chorus_pro
"$HERE/scripts/addons_path.sh" >/dev/null || fail "cannot prepare the addons path"
ADDONS_PATH="$(cat "$ADDONS_LINK_DIR/.addons_path")"
cleanup() {
  if [ "${KEEP_DB:-0}" = "1" ]; then
    log "kept: database $DB"
  else
    drop_database "$DB"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
: >"$ODOO_LOG"

# odoo_bin ADDONS_PATH COMMAND_AND_ARGS...: odoo-bin on the database (standard input and
# output are the caller's).
odoo_bin() {
  local addons_path="$1"; shift
  "$VENV/bin/python" "$ODOO_SRC/odoo-bin" "$@" --addons-path="$addons_path" \
    --db_host="$PGHOST" --db_port="$PGPORT" --db_user="$ODOO_DB_USER" --db_password="$ODOO_DB_PASSWORD" \
    -d "$DB" --no-http --max-cron-threads=0 --log-level=info
}
# odoo ADDONS_PATH ARGS...: odoo-bin --stop-after-init, its log appended to $ODOO_LOG.
odoo() {
  odoo_bin "$@" --stop-after-init >>"$ODOO_LOG" 2>&1
}
# shell STEP: run the Python code on standard input in odoo-bin shell; it prints
# "STEP ok" when its checks hold (an AssertionError otherwise).
shell() {
  local step="$1" out="$WORK/$1.out"
  odoo_bin "$ADDONS_PATH" shell >"$out" 2>&1 || true
  cat "$out" >>"$ODOO_LOG"
  grep -q "^$step ok$" "$out" || { grep -v "^[0-9-]* [0-9:,]* [0-9]* INFO" "$out" | tail -30; fail "$step (log: $ODOO_LOG)"; }
  log "$step: ok"
}

log "database $DB: account, l10n_fr_account (log: $ODOO_LOG)"
odoo "$ADDONS_PATH" -i account,l10n_fr_account \
  || fail "installing the dependencies failed (log: $ODOO_LOG)"

shell customers <<'EOF'
company = env.company
company.write({"country_id": env.ref("base.fr").id, "company_registry": "81234567600017"})
env["account.chart.template"].try_loading("fr", company, install_demo=False)
Partner = env["res.partner"]
fr = env.ref("base.fr").id
bordeaux = Partner.create({
    "name": "Université de Bordeaux", "is_company": True, "company_registry": "130 018 351 00010",
    "street": "35 place Pey Berland", "zip": "33000", "city": "Bordeaux", "country_id": fr,
    "email": "factures@u-bordeaux.example.fr", "lang": "en_US"})
dept = Partner.create({
    "name": "Département de la Seine-Saint-Denis", "is_company": True,
    "company_registry": "22930008201453", "street": "Immeuble Papillon", "zip": "93000",
    "city": "Bobigny", "country_id": fr, "email": "compta@cd93.example.fr"})
product = env["product.product"].create({"name": "Consultation", "list_price": 60.0})
invoice = env["account.move"].create({
    "move_type": "out_invoice", "partner_id": bordeaux.id, "invoice_date": "2026-10-01",
    "invoice_line_ids": [(0, 0, {"product_id": product.id, "quantity": 2, "price_unit": 60.0})]})
invoice.action_post()
assert bordeaux.company_registry == "130 018 351 00010", bordeaux.company_registry
env.cr.commit()
print("customers ok")
EOF

if [ -n "${FROM_REF:-}" ]; then
  old="$WORK/old/addons"
  mkdir -p "$old/$MODULE"
  git -C "$HERE" archive "$FROM_REF" | tar -x -C "$old/$MODULE" || fail "cannot read $FROM_REF"
  log "-i $MODULE as it was at $FROM_REF"
  odoo "$ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$old" -i "$MODULE" \
    || fail "installing $FROM_REF failed (log: $ODOO_LOG)"
else
  log "-i $MODULE"
  odoo "$ADDONS_PATH" -i "$MODULE" || fail "install failed (log: $ODOO_LOG)"
fi

# The checks of the join (skipped after an install of FROM_REF).
JOIN_CHECKS=1
[ -n "${FROM_REF:-}" ] && JOIN_CHECKS=0
shell installed <<EOF
import re
JOIN_CHECKS = $JOIN_CHECKS
Partner = env["res.partner"]
def companies(siret):
    return Partner.search([("is_company", "=", True)]).filtered(
        lambda p: re.sub(r"\\D", "", p.company_registry or "") == siret)
dept = env.ref("$MODULE.partner_departement_93")
bordeaux = env.ref("$MODULE.partner_university_13001835100010")
if JOIN_CHECKS:
    for partner, siret in ((bordeaux, "13001835100010"), (dept, "22930008201453")):
        assert companies(siret) == partner, (siret, companies(siret).mapped("name"))
        assert partner.chorus_recipient and partner.company_registry == siret, partner.company_registry
        notes = " ".join(partner.message_ids.mapped("body"))
        assert "Chorus Pro recipient settings added to this existing company (same SIRET" in notes, notes
    assert (bordeaux.street, bordeaux.email, bordeaux.lang) == (
        "35 place Pey Berland", "factures@u-bordeaux.example.fr", "en_US"), bordeaux.read(["street", "email", "lang"])
    assert len(bordeaux.invoice_ids) == 1
    assert (dept.street, dept.city, dept.email) == ("Immeuble Papillon", "Bobigny", "compta@cd93.example.fr")
    assert dept.chorus_routing_rule == "service_and_engagement"
    assert set(dept.chorus_service_ids.mapped("code")) == {"538", "125", "218", "132", "131"}
    assert env.ref("$MODULE.service_departement_93_ase_538").partner_id == dept
    assert len(Partner.search([("chorus_recipient", "=", True), ("company_registry", "!=", False)])) == 70
# The user's edits.
dept.write({"street": "6 rue du Chemin Vert"})
env.ref("$MODULE.service_departement_93_ase_538").name = "ASE - Fournitures (libellé maison)"
env.ref("$MODULE.partner_university_13001533200013").street = "Jardin du Pharo"
env.ref("$MODULE.partner_departement_93_pmi").email = "pmi@cd93.example.fr"
env.ref("$MODULE.ir_cron_chorus_directory").active = False
env.ref("$MODULE.ir_cron_chorus_update").write({"interval_number": 4, "interval_type": "hours"})
env.ref("$MODULE.mail_activity_type_order_expiring").summary = "Relancer le service"
env.company.chorus_directory_refresh_days = 30
env["ir.config_parameter"].set_param("l10n_fr_chorus_pro.service_details_months", "3")
counts = (Partner.search_count([]), env["chorus.pro.service"].search_count([]))
env["ir.config_parameter"].set_param("test_update_keeps_edits.counts", repr(counts))
env.cr.commit()
print("installed ok")
EOF

log "-u $MODULE"
odoo "$ADDONS_PATH" -u "$MODULE" || fail "update failed (log: $ODOO_LOG)"
grep -qE "^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) " "$ODOO_LOG" \
  && { grep -E "^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) " "$ODOO_LOG" | head; fail "errors were logged"; }

shell updated <<EOF
JOIN_CHECKS = $JOIN_CHECKS
Partner = env["res.partner"]
dept = env.ref("$MODULE.partner_departement_93")
assert dept.street == "6 rue du Chemin Vert", dept.street
assert env.ref("$MODULE.service_departement_93_ase_538").name == "ASE - Fournitures (libellé maison)"
assert env.ref("$MODULE.partner_university_13001533200013").street == "Jardin du Pharo"
assert env.ref("$MODULE.partner_departement_93_pmi").email == "pmi@cd93.example.fr"
assert not env.ref("$MODULE.ir_cron_chorus_directory").active
cron = env.ref("$MODULE.ir_cron_chorus_update")
assert (cron.interval_number, cron.interval_type) == (4, "hours"), (cron.interval_number, cron.interval_type)
assert env.ref("$MODULE.mail_activity_type_order_expiring").summary == "Relancer le service"
assert env.company.chorus_directory_refresh_days == 30
assert env["ir.config_parameter"].get_param("l10n_fr_chorus_pro.service_details_months") == "3"
counts = (Partner.search_count([]), env["chorus.pro.service"].search_count([]))
before = env["ir.config_parameter"].get_param("test_update_keeps_edits.counts")
assert repr(counts) == before, ("no duplicate", counts, before)
if JOIN_CHECKS:
    assert len(Partner.search([("company_registry", "=", "22930008201453"), ("is_company", "=", True)])) == 1
flags = env["ir.model.data"].search([("module", "=", "$MODULE"), ("model", "in", (
    "res.partner", "chorus.pro.service", "ir.cron", "mail.activity.type"))]).mapped("noupdate")
assert flags and all(flags), "every seeded external id is noupdate"
print("updated ok")
EOF

log "every check holds"
echo "update keeps edits: 1 passed, 0 failed"
