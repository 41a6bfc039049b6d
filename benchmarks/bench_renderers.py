# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Renderers of the invoice deposited on Chorus Pro: which one, measured.

Runs INSIDE Odoo, as the stdin script of ``odoo-bin shell`` (``env`` is given by the
shell). Use ``benchmarks/run_renderers.sh [N]`` (or ``make bench-render N=20``), which
creates a throw-away database with the module installed, starts an Odoo HTTP server for
the report assets, runs this script and drops the database.

On N posted French invoices to the seeded Département de la Seine-Saint-Denis (service
538 ASE, EJ, 2-3 service lines, exempt (art. 261-7-1° CGI) and 20 % VAT):

* ``chorus-wkhtmltopdf``: our report (``l10n_fr_chorus_pro.action_report_chorus_invoice``)
  through ``chorus.pro.document._render_pdfs`` (the module's path: several invoices per
  wkhtmltopdf run, stylesheets inlined, then the text read-back gate) -- one batch;
* ``chorus-wkhtmltopdf-1by1``: the same, one ``_render_pdfs`` call per invoice (the
  batching gain apart);
* ``core-wkhtmltopdf``: Odoo core's ``account.account_invoices`` via
  ``_render_qweb_pdf``, one per invoice, as core does;
* ``chorus-weasyprint``: the HTML of our report (``_render_qweb_html``, stylesheets
  inlined by ``_chorus_inline_stylesheets``) rendered by WeasyPrint with
  ``pdf_variant="pdf/a-3b"`` (skipped when weasyprint is not installed);
* ``chorus-weasyprint-css1x``: the same, the stylesheets parsed by WeasyPrint once for
  all invoices (``weasyprint.CSS`` + one ``FontConfiguration``), the HTML without links.

For each: ms per invoice, PDF/A-3 conformity after the module's path
(``_build_facturx(move, pdf=...)`` for the wkhtmltopdf PDFs; WeasyPrint's own PDF/A-3b, raw
and with the Factur-X XML embedded by ``_facturx_embed``), checked with
``lib/tests/pdf_checks.inspect_facturx_pdf``; text present (``_page_text``) and missing
mandatory mentions (``_missing_mentions``); pages; size. Then the cost of the last gate,
``_missing_mentions(move, pdf)``, per invoice. Everything is rolled back at the end.

Environment: BENCH_N (default 20), BENCH_WARMUP (default 2, excluded), BENCH_REPORT_URL
(the runner's Odoo server), BENCH_SINGLE=0 to skip the one-by-one chorus row,
BENCH_SAMPLES_DIR (write the last measured PDF of each renderer there).
"""

import datetime
import gc
import io
import logging
import os
import platform
import shutil
import statistics
import time
from urllib.parse import urlparse

import lxml.html
from bench_common import (
    LogCollector,
    ase_beneficiaries,
    ase_routing,
    collect_report_warnings,
    create_ase_products,
    create_bank_account,
    create_company,
    run_benchmark,
    say,
    say_wall_time,
    use_report_server,
)
from pypdf import PdfReader

from odoo import Command, fields

from odoo.addons.l10n_fr_chorus_pro.lib.tests.pdf_checks import inspect_facturx_pdf
from odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_document import FORCE_RENDERING, REPORT
from odoo.addons.l10n_fr_chorus_pro.models.ir_actions_report import CHORUS_RENDERING

N = int(os.environ.get("BENCH_N") or 20)
WARMUP = int(os.environ.get("BENCH_WARMUP") or 2)
REPORT_URL = (os.environ.get("BENCH_REPORT_URL") or "").rstrip("/")
SINGLE = os.environ.get("BENCH_SINGLE", "1") != "0"
SAMPLES_DIR = os.environ.get("BENCH_SAMPLES_DIR")
CORE_REPORT = "account.account_invoices"
ASE_EXEMPTION = "TVA non applicable, art. 261-7-1° du CGI"

failures = []

try:
    import weasyprint
    from weasyprint.urls import URLFetcher
except Exception as err:
    weasyprint = None
    WEASYPRINT_ERROR = f"{type(err).__name__}: {err}"
else:
    WEASYPRINT_ERROR = None


report_warnings = collect_report_warnings()
weasy_warnings = LogCollector()
weasy_logger = logging.getLogger("weasyprint")
weasy_logger.addHandler(weasy_warnings)
weasy_logger.propagate = False  # counted, not printed (Bootstrap has many unsupported properties)


def timed(func, *args, **kwargs):
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return result, (time.perf_counter() - start) * 1000


def mean_median(values):
    return (statistics.fmean(values), statistics.median(values)) if values else (None, None)


def pages_of(pdf):
    return len(PdfReader(io.BytesIO(pdf)).pages)


# ---------------------------------------------------------------------------
# Data set
# ---------------------------------------------------------------------------


def set_up(env):
    use_report_server(env, REPORT_URL)
    env, company = create_company(env)
    admin = env.ref("base.user_admin")
    chart = env["account.chart.template"].with_company(company)
    tax_20 = chart.ref("tva_normale")
    tax_exempt = env["account.tax"].create(
        {
            "name": "Exonérée 261-7-1°",
            "amount": 0.0,
            "type_tax_use": "sale",
            "company_id": company.id,
            "tax_group_id": chart.ref("tax_group_tva_0").id,
            "ubl_cii_tax_category_code": "E",
            "ubl_cii_tax_exemption_reason_code": "VATEX-FR-CGI261-7",
            "invoice_legal_notes": ASE_EXEMPTION,
        }
    )
    bank_account = create_bank_account(env, company)
    products = create_ase_products(env)
    recipient, service, period_start, period_end = ase_routing(env, company)
    today = fields.Date.context_today(company)
    vals_list = []
    for index in range(N + WARMUP):
        lines = [
            Command.create(
                {
                    "product_id": products["AEMO-H"].id,
                    "quantity": 10 + index % 5,
                    "price_unit": 48.5,
                    "tax_ids": [Command.set(tax_exempt.ids)],
                }
            ),
            Command.create(
                {
                    "product_id": products["RAPP"].id,
                    "quantity": 1,
                    "price_unit": 180.0 + index,
                    "tax_ids": [Command.set(tax_20.ids)],
                }
            ),
        ]
        if index % 2:  # 2 or 3 lines
            lines.append(
                Command.create(
                    {
                        "product_id": products["DEPL"].id,
                        "quantity": 3,
                        "price_unit": 27.3,
                        "discount": 5.0,
                        "tax_ids": [Command.set(tax_20.ids)],
                    }
                )
            )
        vals_list.append(
            {
                "move_type": "out_invoice",
                "company_id": company.id,
                "partner_id": recipient.id,
                "chorus_service_id": service.id,
                "purchase_order_reference": "EJ2026-000123",
                "partner_bank_id": bank_account.id,
                "invoice_user_id": admin.id,
                "invoice_date": today,
                # Service 538 (ASE) requires the children concerned and the service dates.
                "chorus_beneficiary_ids": ase_beneficiaries(index, period_start, period_end),
                "invoice_line_ids": lines,
            }
        )
    moves = env["account.move"].create(vals_list)
    moves.action_post()
    return env, company, moves


# ---------------------------------------------------------------------------
# Renderers
# ---------------------------------------------------------------------------


class CountingFetcher(URLFetcher if weasyprint else object):
    """WeasyPrint's URL fetcher, counting what it fetches (images, icon fonts)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.urls = []
        self.ms = 0.0

    def fetch(self, url, headers=None):
        start = time.perf_counter()
        try:
            return super().fetch(url, headers)
        finally:
            self.ms += (time.perf_counter() - start) * 1000
            self.urls.append(url)


# The paper format of our report (views/report_chorus_invoice.xml) in CSS paged media, and
# the page number of its footer drawn by WeasyPrint (wkhtmltopdf's footer is a separate
# page header/footer HTML that Odoo fills with JavaScript).
def weasy_page_css(paperformat):
    return (
        "@page { size: %s %s; margin: %smm %smm %smm %smm;"
        " @bottom-right { content: counter(page) ' / ' counter(pages);"
        " font-family: Lato, sans-serif; font-size: 7pt; color: #6c757d; } }"
        " .header, .footer { display: none; }"
        % (
            paperformat.format or "A4",
            "landscape" if paperformat.orientation == "Landscape" else "portrait",
            paperformat.margin_top,
            paperformat.margin_right,
            paperformat.margin_bottom,
            paperformat.margin_left,
        )
    )


def weasy_html(env, move, styles, page_css):
    """The HTML of our report for ``move``, stylesheets inlined (as the module does for
    wkhtmltopdf) and the paper format as CSS."""
    report = env["ir.actions.report"].with_context(**FORCE_RENDERING, **{CHORUS_RENDERING: True})
    html = report._render_qweb_html(REPORT, move.ids, data={"report_type": "pdf"})[0]
    document = lxml.html.document_fromstring(html)
    report._chorus_inline_stylesheets(document, styles)
    style = lxml.html.Element("style")
    style.text = page_css
    document.head.append(style)
    return lxml.html.tostring(document, encoding="unicode", doctype="<!DOCTYPE html>")


def weasy_render(env, move, styles, page_css, fetcher, cache, row):
    html, row["html_ms"] = timed(weasy_html, env, move, styles, page_css)
    pdf, row["weasy_ms"] = timed(
        lambda: weasyprint.HTML(string=html, base_url=REPORT_URL + "/", url_fetcher=fetcher).write_pdf(
            pdf_variant="pdf/a-3b", cache=cache
        )
    )
    return pdf


def weasy_html_links(env, move, page_css):
    """The HTML of our report without its stylesheet links (given to WeasyPrint parsed
    once, see weasy_stylesheets)."""
    report = env["ir.actions.report"].with_context(**FORCE_RENDERING, **{CHORUS_RENDERING: True})
    html = report._render_qweb_html(REPORT, move.ids, data={"report_type": "pdf"})[0]
    document = lxml.html.document_fromstring(html)
    for link in document.xpath("//link[@rel='stylesheet'][@href]"):
        link.getparent().remove(link)
    style = lxml.html.Element("style")
    style.text = page_css
    document.head.append(style)
    return lxml.html.tostring(document, encoding="unicode", doctype="<!DOCTYPE html>")


def weasy_stylesheets(env, move, styles, fetcher, font_config):
    """The report's stylesheets (web fonts stripped, as inlined by the module), parsed by
    WeasyPrint once for every invoice, with one font configuration."""
    report = env["ir.actions.report"].with_context(**FORCE_RENDERING, **{CHORUS_RENDERING: True})
    html = report._render_qweb_html(REPORT, move.ids, data={"report_type": "pdf"})[0]
    document = lxml.html.document_fromstring(html)
    paths = [urlparse(link.get("href")).path for link in document.xpath("//link[@rel='stylesheet'][@href]")]
    report._chorus_inline_stylesheets(document, styles)
    return [
        weasyprint.CSS(
            string=styles[path], base_url=REPORT_URL + "/", url_fetcher=fetcher, font_config=font_config
        )
        for path in paths
        if styles.get(path)
    ]


def weasy_render_css_once(env, move, page_css, stylesheets, fetcher, font_config, cache, row):
    html, row["html_ms"] = timed(weasy_html_links, env, move, page_css)
    pdf, row["weasy_ms"] = timed(
        lambda: weasyprint.HTML(string=html, base_url=REPORT_URL + "/", url_fetcher=fetcher).write_pdf(
            pdf_variant="pdf/a-3b", stylesheets=stylesheets, font_config=font_config, cache=cache
        )
    )
    return pdf


def core_render(env, move):
    report = env["ir.actions.report"].with_context(**FORCE_RENDERING)
    return report._render_qweb_pdf(CORE_REPORT, move.ids)[0]


# ---------------------------------------------------------------------------
# Checks (untimed, except the gate and the Factur-X PDF step)
# ---------------------------------------------------------------------------


def check_pdf(env, move, pdf, row, facturx=True):
    """Text, mentions, pages, size of the rendered PDF; PDF/A-3 after the module's path."""
    document = env["chorus.pro.document"]
    engine = env["chorus.pro.facturx"]
    row["kib"] = len(pdf) / 1024
    row["pages"] = pages_of(pdf)
    row["text_chars"] = len((document._page_text(pdf) or "").strip())
    row["missing"] = document._missing_mentions(move, pdf)
    if facturx:
        result = engine._build_facturx(move, pdf=pdf)
        row["fx_pdf_ms"] = result["timings"]["pdf"]
        out = result["pdf"]
        row["fx_kib"] = len(out) / 1024
        report = inspect_facturx_pdf(out)
        row["pdfa"] = f"PDF/A-{report.pdfa_part}{report.pdfa_conformance or ''}"
        row["problems"] = report.problems()
        row["checker_errors"] = report.errors
    return row


def summarize_checks(rows):
    problems = {}
    for row in rows:
        for problem in row.get("problems", []):
            problems[problem] = problems.get(problem, 0) + 1
    missing_counts = [len(row["missing"]) for row in rows]
    missing_kinds = {}
    for row in rows:
        for item in row["missing"]:
            kind = item.split(" (")[0]
            missing_kinds[kind] = missing_kinds.get(kind, 0) + 1
    return {
        "pdfa": sorted({row.get("pdfa", "-") for row in rows}),
        "problems": problems,
        "with_problems": sum(1 for row in rows if row.get("problems")),
        "text": sum(1 for row in rows if row["text_chars"]),
        "complete": sum(1 for row in rows if not row["missing"]),
        "missing_mean": statistics.fmean(missing_counts),
        "missing_max": max(missing_counts),
        "missing_kinds": missing_kinds,
        "pages": sorted({row["pages"] for row in rows}),
        "kib": statistics.fmean(row["kib"] for row in rows),
        "fx_kib": statistics.fmean(row["fx_kib"] for row in rows) if "fx_kib" in rows[0] else None,
        "fx_pdf_ms": mean_median([row["fx_pdf_ms"] for row in rows if "fx_pdf_ms" in row]),
    }


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def main(shell_env):  # noqa: C901
    wall_start = time.perf_counter()
    say("=" * 100)
    say("Renderers of the Chorus Pro invoice document")
    say("=" * 100)
    say(f"date      : {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    say(
        f"machine   : {platform.node()} {platform.machine()}, {os.cpu_count()} CPU(s), "
        f"{platform.platform()}; python {platform.python_version()}"
    )
    say(
        f"load avg  : {' '.join('%.2f' % x for x in os.getloadavg())} (1/5/15 min) at start "
        "(the machine is shared: other test runs go on at the same time)"
    )
    wk = shell_env["ir.actions.report"].get_wkhtmltopdf_state()
    from odoo.addons.base.models.ir_actions_report import _wkhtml

    wk_info = _wkhtml()
    say(
        f"wkhtmltopdf: state {wk}, version {getattr(wk_info, 'version', '?')}, patched Qt "
        f"{getattr(wk_info, 'is_patched_qt', '?')}; report.print_delay "
        f"{shell_env['ir.config_parameter'].sudo().get_param('report.print_delay', '1000')} ms "
        "per wkhtmltopdf run"
    )
    if wk != "ok":
        failures.append(f"wkhtmltopdf state is {wk!r}")
    if weasyprint:
        say(f"weasyprint: {weasyprint.__version__} (pydyf, Pango from the system)")
    else:
        say(f"weasyprint: skipped: weasyprint not installed ({WEASYPRINT_ERROR})")

    start = time.perf_counter()
    env, company, moves = set_up(shell_env)
    warm, measured = moves[:WARMUP], moves[WARMUP:]
    lines = [len(move.invoice_line_ids) for move in measured]
    say(
        f"set-up    : {len(moves)} posted invoices ({WARMUP} warm-up, {len(measured)} measured) of "
        f"{min(lines)}-{max(lines)} service lines (exempt art. 261-7-1° CGI + 20 %) to "
        f"{moves[0].partner_id.name!r}, service {moves[0].chorus_service_id.display_name!r}, "
        f"EJ {moves[0].purchase_order_reference}; lang of the recipient "
        f"{moves[0].commercial_partner_id.lang}; {(time.perf_counter() - start):.1f} s (not measured)"
    )
    say(f"report.url: {REPORT_URL or '-'}")
    document = env["chorus.pro.document"]

    # -- warm-up: QWeb compilation, asset bundles, wkhtmltopdf and WeasyPrint first runs ---------
    start = time.perf_counter()
    document._render_pdfs(warm)
    for move in warm:
        core_render(env, move)
    styles = {}
    page_css = weasy_page_css(env.ref(REPORT).paperformat_id)
    fetcher = CountingFetcher() if weasyprint else None
    weasy_cache = {}
    css_once = None
    if weasyprint:
        for move in warm:
            weasy_render(env, move, styles, page_css, fetcher, weasy_cache, {})
        from weasyprint.text.fonts import FontConfiguration

        font_config = FontConfiguration()
        stylesheets, css_ms = timed(weasy_stylesheets, env, warm[0], styles, fetcher, font_config)
        css_once = (stylesheets, font_config, css_ms)
        for move in warm:
            weasy_render_css_once(env, move, page_css, stylesheets, fetcher, font_config, weasy_cache, {})
    say(
        f"warm-up   : {WARMUP} invoice(s) through every renderer, {time.perf_counter() - start:.1f} s "
        "(excluded)"
    )
    say("")

    results = {}

    # -- 1. chorus-wkhtmltopdf, batch: the module's path --------------------------------------
    gc.collect()
    env.invalidate_all()
    pdfs, batch_ms = timed(document._render_pdfs, measured)
    chorus_rows = [{"name": move.name} for move in measured]
    say(
        f"1. chorus-wkhtmltopdf (batch): _render_pdfs({len(measured)} invoices) {batch_ms:.0f} ms = "
        f"{batch_ms / len(measured):.1f} ms/invoice (read-back gate included)"
    )

    # The last gate on those PDFs, per invoice: warm ORM cache (as right after the render in
    # _render_pdfs) and cold (env.invalidate_all() first); text extraction alone.
    gate_warm, gate_cold, text_ms = [], [], []
    for move in measured:
        gc.collect()
        _, ms = timed(document._page_text, pdfs[move.id])
        text_ms.append(ms)
        env.invalidate_all()
        missing, ms = timed(document._missing_mentions, move, pdfs[move.id])
        gate_cold.append(ms)
        if missing:
            failures.append(f"{move.name}: our document misses {missing}")
        missing, ms = timed(document._missing_mentions, move, pdfs[move.id])
        gate_warm.append(ms)
    gate_share = sum(gate_warm) / len(measured)
    results["chorus-wkhtmltopdf"] = {
        "ms": (batch_ms / len(measured), None),
        "note": f"1 call, {-(-len(measured) // 50)} wkhtmltopdf run(s); "
        f"render alone ≈ {batch_ms / len(measured) - gate_share:.1f} ms",
        "rows": chorus_rows,
        "pdfs": [pdfs[move.id] for move in measured],
    }

    # -- 1b. chorus-wkhtmltopdf, one invoice per call -----------------------------------------
    if SINGLE:
        single_rows, single_pdfs = [], []
        for move in measured:
            gc.collect()
            env.invalidate_all()
            result, ms = timed(document._render_pdfs, move)
            single_rows.append({"name": move.name, "ms": ms})
            single_pdfs.append(result[move.id])
        times = [row["ms"] for row in single_rows]
        results["chorus-wkhtmltopdf-1by1"] = {
            "ms": mean_median(times),
            "rows": single_rows,
            "pdfs": single_pdfs,
            "note": "1 wkhtmltopdf run per invoice (gate included)",
        }
        say(
            f"1b. chorus-wkhtmltopdf one by one: {statistics.fmean(times):.1f} ms/invoice mean, "
            f"{statistics.median(times):.1f} median"
        )

    # -- 2. core-wkhtmltopdf: account.account_invoices, one per invoice ------------------------
    core_rows, core_pdfs = [], []
    for move in measured:
        gc.collect()
        env.invalidate_all()
        pdf, ms = timed(core_render, env, move)
        core_rows.append({"name": move.name, "ms": ms})
        core_pdfs.append(pdf)
    times = [row["ms"] for row in core_rows]
    results["core-wkhtmltopdf"] = {
        "ms": mean_median(times),
        "rows": core_rows,
        "pdfs": core_pdfs,
        "note": "_render_qweb_pdf per invoice, assets fetched from the server",
    }
    say(
        f"2. core-wkhtmltopdf ({CORE_REPORT}): {statistics.fmean(times):.1f} ms/invoice mean, "
        f"{statistics.median(times):.1f} median"
    )

    # -- 3. chorus-weasyprint ------------------------------------------------------------------
    if weasyprint:
        weasy_rows, weasy_pdfs = [], []
        fetches_before = len(fetcher.urls)
        fetch_ms_before = fetcher.ms
        for move in measured:
            gc.collect()
            env.invalidate_all()
            row = {"name": move.name}
            pdf, ms = timed(weasy_render, env, move, styles, page_css, fetcher, weasy_cache, row)
            row["ms"] = ms
            weasy_rows.append(row)
            weasy_pdfs.append(pdf)
        times = [row["ms"] for row in weasy_rows]
        html_mean = statistics.fmean(row["html_ms"] for row in weasy_rows)
        weasy_mean = statistics.fmean(row["weasy_ms"] for row in weasy_rows)
        fetched = fetcher.urls[fetches_before:]
        results["chorus-weasyprint"] = {
            "ms": mean_median(times),
            "rows": weasy_rows,
            "pdfs": weasy_pdfs,
            "note": f"QWeb HTML + inlining {html_mean:.1f} ms, WeasyPrint {weasy_mean:.1f} ms; "
            f"{len(fetched)} URL(s) fetched ({(fetcher.ms - fetch_ms_before) / len(measured):.1f}"
            " ms/invoice)",
        }
        say(
            f"3. chorus-weasyprint: {statistics.fmean(times):.1f} ms/invoice mean, "
            f"{statistics.median(times):.1f} median (QWeb HTML + inlining {html_mean:.1f} ms, "
            f"WeasyPrint write_pdf {weasy_mean:.1f} ms)"
        )
        if fetched:
            by_path = {}
            for url in fetched:
                path = urlparse(url).path
                by_path[path] = by_path.get(path, 0) + 1
            for path, count in sorted(by_path.items()):
                say(f"     fetched {count}x {path}")
        # 3b. the same, the stylesheets parsed once for all invoices (what a WeasyPrint
        # implementation would do), one font configuration.
        stylesheets, font_config, css_ms = css_once
        rows_once, pdfs_once = [], []
        fetches_before = len(fetcher.urls)
        for move in measured:
            gc.collect()
            env.invalidate_all()
            row = {"name": move.name}
            pdf, ms = timed(
                weasy_render_css_once,
                env,
                move,
                page_css,
                stylesheets,
                fetcher,
                font_config,
                weasy_cache,
                row,
            )
            row["ms"] = ms
            rows_once.append(row)
            pdfs_once.append(pdf)
        times = [row["ms"] for row in rows_once]
        html_mean = statistics.fmean(row["html_ms"] for row in rows_once)
        weasy_mean = statistics.fmean(row["weasy_ms"] for row in rows_once)
        results["chorus-weasyprint-css1x"] = {
            "ms": mean_median(times),
            "rows": rows_once,
            "pdfs": pdfs_once,
            "note": f"{len(stylesheets)} stylesheets parsed once ({css_ms:.0f} ms, not counted), QWeb HTML "
            f"{html_mean:.1f} ms, WeasyPrint {weasy_mean:.1f} ms; "
            f"{len(fetcher.urls) - fetches_before} URL(s) fetched",
        }
        say(
            f"3b. chorus-weasyprint, CSS parsed once ({css_ms:.0f} ms, not counted): "
            f"{statistics.fmean(times):.1f} ms/invoice mean, {statistics.median(times):.1f} median "
            f"(QWeb HTML {html_mean:.1f} ms, WeasyPrint write_pdf {weasy_mean:.1f} ms)"
        )
    else:
        say("3. chorus-weasyprint: skipped: weasyprint not installed")

    # -- checks (untimed, except the Factur-X PDF step given apart) -----------------------------
    say("")
    say("Checks (not in the timings above): text read back, mandatory mentions, pages, size;")
    say("PDF/A-3 after the module's path: _build_facturx(move, pdf=...) for the wkhtmltopdf PDFs.")
    for key in ("chorus-wkhtmltopdf", "chorus-wkhtmltopdf-1by1", "core-wkhtmltopdf"):
        if key not in results:
            continue
        result = results[key]
        for move, row, pdf in zip(measured, result["rows"], result["pdfs"], strict=True):
            env.invalidate_all()
            check_pdf(env, move, pdf, row)
        result["checks"] = summarize_checks(result["rows"])
    for key in ("chorus-weasyprint", "chorus-weasyprint-css1x"):
        if key not in results:
            continue
        result = results[key]
        engine = env["chorus.pro.facturx"]
        raw_problems = {}
        raw_parts = set()
        for move, row, pdf in zip(measured, result["rows"], result["pdfs"], strict=True):
            env.invalidate_all()
            check_pdf(env, move, pdf, row, facturx=False)
            raw = inspect_facturx_pdf(pdf)
            raw_parts.add(f"PDF/A-{raw.pdfa_part}{raw.pdfa_conformance or ''}")
            for problem in raw.problems():
                raw_problems[problem] = raw_problems.get(problem, 0) + 1
            # The Factur-X XML embedded in WeasyPrint's PDF/A-3b directly (no Odoo PDF/A
            # conversion: it is PDF/A-3b already).
            level = engine._facturx_level(move.company_id)
            xml = engine._facturx_generate_xml(move, level=level)
            out, row["fx_pdf_ms"] = timed(engine._facturx_embed, move, pdf, xml, level=level)
            row["fx_kib"] = len(out) / 1024
            report = inspect_facturx_pdf(out)
            row["pdfa"] = f"PDF/A-{report.pdfa_part}{report.pdfa_conformance or ''}"
            row["problems"] = report.problems()
        result["checks"] = summarize_checks(result["rows"])
        result["raw"] = (sorted(raw_parts), raw_problems)

    if SAMPLES_DIR:
        os.makedirs(SAMPLES_DIR, exist_ok=True)
        for key, result in results.items():
            with open(os.path.join(SAMPLES_DIR, f"{key}.pdf"), "wb") as sample:
                sample.write(result["pdfs"][-1])
        say(f"samples: the last measured invoice of each renderer in {SAMPLES_DIR}")

    # -- table ---------------------------------------------------------------------------------
    say("")
    say(
        f"RESULTS on {len(measured)} invoices (after {WARMUP} warm-up), ms/invoice; "
        f"load avg now {' '.join('%.2f' % x for x in os.getloadavg())}"
    )
    header = (
        f"{'renderer':<26}{'ms/inv mean':>12}{'median':>9}  {'PDF/A (Factur-X)':<18}"
        f"{'problems':>9}{'text':>7}{'complete':>10}{'missing':>9}{'pages':>7}"
        f"{'KiB':>7}{'FX KiB':>8}{'FX PDF ms':>10}"
    )
    say(header)
    say("-" * len(header))
    count = len(measured)
    for key, result in results.items():
        mean, median = result["ms"]
        checks = result["checks"]
        say(
            f"{key:<26}{mean:12.1f}{(f'{median:.1f}' if median is not None else 'n/a'):>9}  "
            f"{','.join(checks['pdfa']):<18}{checks['with_problems']:>5}/{count:<3}"
            f"{checks['text']:>3}/{count:<3}{checks['complete']:>6}/{count:<3}"
            f"{checks['missing_mean']:>9.1f}{'-'.join(map(str, checks['pages'])):>7}"
            f"{checks['kib']:7.0f}{checks['fx_kib']:8.0f}{checks['fx_pdf_ms'][0]:10.1f}"
        )
    if not weasyprint:
        say(f"{'chorus-weasyprint':<26}  skipped: weasyprint not installed")
    say("-" * len(header))
    say(
        "problems = invoices with lib/pdf_checks problems after the Factur-X step; text = "
        "_page_text non-empty;"
    )
    say("complete = _missing_mentions == []; missing = mean number of missing mentions; KiB = rendered PDF,")
    say(
        "FX KiB = the Factur-X PDF; FX PDF ms = Odoo PDF/A conversion + factur-x embed "
        "(WeasyPrint: embed only)."
    )
    say("")
    for key, result in results.items():
        checks = result["checks"]
        say(f"{key}: {result['note']}")
        for problem, number in sorted(checks["problems"].items()):
            say(f"    pdf_checks ({number}/{count}): {problem}")
        for kind, number in sorted(checks["missing_kinds"].items()):
            say(f"    missing on the page: {kind} ({number} in all over {count} invoices)")
        if checks["missing_kinds"]:
            say(
                f"    missing mentions per invoice: mean {checks['missing_mean']:.1f}, "
                f"max {checks['missing_max']}"
            )
        if "raw" in result:
            parts, raw_problems = result["raw"]
            say(
                f"    WeasyPrint's own PDF (before the Factur-X XML): {', '.join(parts)}; "
                f"pdf_checks problems: "
                + ("; ".join(f"{p} ({n}/{count})" for p, n in sorted(raw_problems.items())) or "none")
            )

    # -- the last gate --------------------------------------------------------------------------
    say("")
    warm_mean, warm_median = mean_median(gate_warm)
    cold_mean, cold_median = mean_median(gate_cold)
    text_mean, text_median = mean_median(text_ms)
    say(f"LAST GATE _missing_mentions(move, pdf) on the chorus-wkhtmltopdf PDFs, {count} invoices:")
    say(
        f"  warm ORM cache (as in _render_pdfs): mean {warm_mean:.1f} ms, median {warm_median:.1f} ms, "
        f"max {max(gate_warm):.1f} ms"
    )
    say(
        f"  cold ORM cache (invalidate_all)    : mean {cold_mean:.1f} ms, median {cold_median:.1f} ms, "
        f"max {max(gate_cold):.1f} ms"
    )
    extractor = "pdftotext" if shutil.which("pdftotext") else "pypdf"
    say(
        f"  of which _page_text ({extractor}){' ' * (9 - len(extractor))}: mean {text_mean:.1f} ms, "
        f"median {text_median:.1f} ms"
    )
    batch = results["chorus-wkhtmltopdf"]["ms"][0]
    say(f"  = {100 * warm_mean / batch:.1f} % of the batch path's {batch:.1f} ms/invoice")

    if report_warnings.records:
        say("")
        say(f"report warnings ({len(report_warnings.records)}):")
        for message in report_warnings.records[:10]:
            say(f"  {message[:300]}")
    if weasy_warnings.records:
        kinds = {}
        for message in weasy_warnings.records:
            kinds[message.split(":")[0][:80]] = kinds.get(message.split(":")[0][:80], 0) + 1
        say("")
        say(
            f"WeasyPrint warnings (unsupported CSS etc., not printed): {len(weasy_warnings.records)} "
            f"in all; most frequent:"
        )
        for kind, number in sorted(kinds.items(), key=lambda item: -item[1])[:5]:
            say(f"  {number:6d}  {kind}")
    say("")
    say_wall_time(wall_start)


run_benchmark(main, env, failures, rollback=True)  # noqa: F821 - env is given by odoo-bin shell
