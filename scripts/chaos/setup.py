# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
# ruff: noqa: F821
"""make chaos, step 1 (run by ``odoo-bin shell``, ``env`` given): two supplier companies
connected to the simulator, CHAOS_N posted invoices to the Département 93 split between
them (``ref`` = CHAOS), and the crons and delays of a chaos run (every minute)."""

import os
import sys

from odoo import Command, fields

sys.path.insert(0, os.environ["CHAOS_BENCH_DIR"])
from bench_common import BIC

N = int(os.environ["CHAOS_N"])
SIM_URL = os.environ["CHAOS_SIM_URL"]
REPORT_URL = os.environ["CHAOS_REPORT_URL"]
COMPANIES = [
    ("Cabinet Chaos Lilas", "81234567600017", "FR19812345676", "FR4430004000030000012345678"),
    ("Association Chaos Tilleuls", "79876543400021", "FR69798765434", "FR7630006000011234567890189"),
]

icp = env["ir.config_parameter"].sudo()
for key, value in {
    "report.url": REPORT_URL,
    "web.base.url": REPORT_URL,
    "web.base.url.freeze": "True",
    "l10n_fr_chorus_pro.unconfirmed_delay_minutes": "2",
    "l10n_fr_chorus_pro.background_deposit_retry_minutes": "1",
    "l10n_fr_chorus_pro.background_deposit_retry_max": "100",
    "l10n_fr_chorus_pro.background_deposit_chunk": os.environ.get("CHAOS_CHUNK", "20"),
    "l10n_fr_chorus_pro.timeout": "10",
}.items():
    icp.set_param(key, value)
for xmlid in ("ir_cron_chorus_update", "ir_cron_chorus_deposit_jobs"):
    env.ref(f"l10n_fr_chorus_pro.{xmlid}").write({"interval_number": 1, "interval_type": "minutes"})

euro = env.ref("base.EUR")
euro.active = True
admin = env.ref("base.user_admin")
recipient = env.ref("l10n_fr_chorus_pro.partner_departement_93")
service = env.ref("l10n_fr_chorus_pro.service_departement_93_pmi_132")
bank = env["res.bank"].create({"name": "BNP Paribas", "bic": BIC})
companies = env["res.company"]
for name, siret, vat, iban in COMPANIES:
    company = env["res.company"].create(
        {
            "name": name,
            "country_id": env.ref("base.fr").id,
            "currency_id": euro.id,
            "company_registry": siret,
            "vat": vat,
            "street": "12 rue des Lilas",
            "zip": "93100",
            "city": "Montreuil",
            "email": "facturation@chaos.example",
            "chorus_environment": "custom",
            "chorus_api_url": SIM_URL,
            "chorus_token_url": SIM_URL + "/api/oauth/token",
            "chorus_client_id": "chorus-sim-client",
            "chorus_client_secret": "chorus-sim-secret",
            "chorus_login": f"TECH_1_{siret}@cpro.fr",
            "chorus_password": "Chorus-Sim-2026",
            "chorus_check_engagement": False,
            **(
                {"iap_enrich_auto_done": True} if "iap_enrich_auto_done" in env["res.company"]._fields else {}
            ),
        }
    )
    (env.user | admin).write({"company_ids": [Command.link(company.id)]})
    env["account.chart.template"].try_loading("fr", company, install_demo=False)
    env["res.partner.bank"].create(
        {
            "partner_id": company.partner_id.id,
            "acc_number": iban,
            "bank_id": bank.id,
            "allow_out_payment": True,
            "company_id": company.id,
        }
    )
    companies |= company
env.cr.commit()

today = fields.Date.context_today(admin)
for position, company in enumerate(companies):
    cenv = env(context=dict(env.context, allowed_company_ids=[company.id]))
    tax = cenv["account.chart.template"].with_company(company).ref("tva_normale")
    bank_account = cenv["res.partner.bank"].search([("partner_id", "=", company.partner_id.id)], limit=1)
    count = N // len(companies) + (1 if position < N % len(companies) else 0)
    for start in range(0, count, 100):
        vals_list = [
            {
                "move_type": "out_invoice",
                "company_id": company.id,
                "partner_id": recipient.id,
                "chorus_service_id": service.id,
                "purchase_order_reference": "EJ2026-000123",
                "partner_bank_id": bank_account.id,
                "invoice_user_id": admin.id,
                "invoice_date": today,
                "ref": "CHAOS",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Consultation PMI",
                            "quantity": 1 + index % 4,
                            "price_unit": 95.0,
                            "tax_ids": [Command.set(tax.ids)],
                        }
                    )
                ],
            }
            for index in range(start, min(start + 100, count))
        ]
        cenv["account.move"].create(vals_list).action_post()
        env.cr.commit()
print("CHAOS-SETUP", env["account.move"].search_count([("ref", "=", "CHAOS"), ("state", "=", "posted")]))
