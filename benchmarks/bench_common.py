# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What the benchmark scripts share: output, process memory, and the benchmark
company (French chart, SIRET, VAT, bank account). The scripts run inside
``odoo-bin shell``; ``run_in_odoo.sh`` puts this folder on PYTHONPATH."""

import datetime
import logging
import os
import sys
import time
import traceback

from odoo import Command, fields

SUPPLIER_SIRET = "81234567600017"
SUPPLIER_VAT = "FR19812345676"
IBAN = "FR4430004000030000012345678"
BIC = "BNPAFRPPXXX"


def say(text=""):
    print(text, flush=True)


class LogCollector(logging.Handler):
    """Keeps the messages logged at ``level`` or above (``records``)."""

    def __init__(self, level=logging.WARNING):
        super().__init__(level)
        self.records = []

    def emit(self, record):
        self.records.append(record.getMessage())


def collect_report_warnings():
    """A ``LogCollector`` of the report warnings (a failed wkhtmltopdf asset request is
    only logged as a warning)."""
    collector = LogCollector()
    logging.getLogger("odoo.addons.base.models.ir_actions_report").addHandler(collector)
    return collector


def say_wall_time(start):
    """The benchmark's wall time since ``start`` (``time.perf_counter()``) and the load."""
    say(
        f"benchmark wall time {time.perf_counter() - start:.1f} s; load avg at end "
        f"{' '.join('%.2f' % x for x in os.getloadavg())}"
    )


def run_benchmark(main, env, failures, rollback=False):
    """Run ``main(env)``; an exception is a failure. With ``rollback``, nothing of the
    benchmark is committed. Exits 1 after listing ``failures`` when there are any."""
    try:
        main(env)
    except Exception:
        traceback.print_exc()
        failures.append("the benchmark raised")
    finally:
        if rollback:
            env.cr.rollback()
            say("[bench] rolled back: nothing committed to the database")
    if failures:
        say("")
        for failure in failures:
            say(f"BENCHMARK FAILURE: {failure}")
        sys.stdout.flush()
        sys.exit(1)


def ase_beneficiaries(index, period_start, period_end):
    """The two children an ASE invoice of the Département 93 names, with the service
    dates (the module refuses to post it otherwise); fictitious names."""
    return [
        Command.create(
            {
                "name": f"Enfant {letter}. {index + 1:04d}",
                "date_start": period_start,
                "date_end": period_end,
            }
        )
        for letter in "AB"
    ]


def proc_status_kib(pid="self", key="VmRSS"):
    """A memory line of /proc/<pid>/status (VmRSS: current, VmHWM: peak), in KiB."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def use_report_server(env, url, print_delay=None):
    """wkhtmltopdf fetches the report assets from ``url`` (the runner's Odoo server)."""
    icp = env["ir.config_parameter"].sudo()
    if url:
        icp.set_param("report.url", url)
        icp.set_param("web.base.url", url)
        icp.set_param("web.base.url.freeze", "True")
    if print_delay is not None:
        icp.set_param("report.print_delay", print_delay)


def create_company(env):
    """The benchmark company with the French chart; returns ``(env, company)``, the
    environment restricted to that company."""
    euro = env.ref("base.EUR")
    euro.active = True
    company = env["res.company"].create(
        {
            "name": "Cabinet Chorus Bench",
            "country_id": env.ref("base.fr").id,
            "currency_id": euro.id,
            "company_registry": SUPPLIER_SIRET,
            "vat": SUPPLIER_VAT,
            "street": "12 rue des Lilas",
            "zip": "93100",
            "city": "Montreuil",
            "email": "facturation@cabinet-bench.example",
            "phone": "+33 1 48 00 00 00",
            # partner_autocomplete (auto-installed) would call Odoo's IAP over the network.
            **(
                {"iap_enrich_auto_done": True} if "iap_enrich_auto_done" in env["res.company"]._fields else {}
            ),
        }
    )
    admin = env.ref("base.user_admin")
    (env.user | admin).write({"company_ids": [Command.link(company.id)]})
    env["account.chart.template"].try_loading("fr", company, install_demo=False)
    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    return env, company.with_env(env)


def create_bank_account(env, company):
    """The company's IBAN account with its bank's BIC, as Chorus Pro requires."""
    bank = env["res.bank"].create({"name": "BNP Paribas", "bic": BIC})
    return env["res.partner.bank"].create(
        {
            "partner_id": company.partner_id.id,
            "acc_number": IBAN,
            "bank_id": bank.id,
            "allow_out_payment": True,
            "company_id": company.id,
        }
    )


def create_ase_products(env):
    """The child-welfare services the benchmark invoices bill, by internal reference."""
    products = env["product.product"].create(
        [
            {
                "name": "Mesure d'accompagnement éducatif",
                "type": "service",
                "default_code": "AEMO-H",
                "list_price": 48.5,
            },
            {"name": "Frais de déplacement", "type": "service", "default_code": "DEPL", "list_price": 27.3},
            {"name": "Rapport de synthèse", "type": "service", "default_code": "RAPP", "list_price": 180.0},
        ]
    )
    return {product.default_code: product for product in products}


def ase_routing(env, company):
    """(recipient, service 538, first and last day of last month) of the Département 93
    child-welfare invoices: service 538 requires the children and the service dates."""
    today = fields.Date.context_today(company)
    period_end = today.replace(day=1) - datetime.timedelta(days=1)
    return (
        env.ref("l10n_fr_chorus_pro.partner_departement_93"),
        env.ref("l10n_fr_chorus_pro.service_departement_93_ase_538"),
        period_end.replace(day=1),
        period_end,
    )
