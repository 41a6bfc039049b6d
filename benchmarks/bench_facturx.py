# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Factur-X benchmark: l10n_fr_chorus_pro's validated Factur-X vs Odoo core's.

Runs INSIDE Odoo, as the stdin script of ``odoo-bin shell`` (``env`` is given by
the shell). Use ``benchmarks/run_facturx.sh [N]``, which creates a throw-away
database with the module installed, starts an Odoo HTTP server for wkhtmltopdf's
asset requests, runs this script and drops the database.

On the same invoices it times, in ms/invoice:

* the invoice report rendering (``account.account_invoices``, wkhtmltopdf),
  done ONCE per invoice; the same PDF bytes feed both paths, so the rendering
  is reported separately (it is identical for both paths);
* OURS (``chorus.pro.facturx``): XML build (``_facturx_generate_xml``), XSD and
  schematron validation (``_facturx_validate_xml``), PDF/A conversion
  (``_facturx_to_pdfa``) and Factur-X embedding (``_facturx_embed``);
* CORE (``account_edi_ubl_cii``, as in ``account.move.send.
  _hook_invoice_document_after_pdf_report_render``): XML build
  (``account.edi.xml.cii._export_invoice``), no validation, then clone +
  ``addAttachment('factur-x.xml')`` + ``convert_to_pdfa()`` + Factur-X XMP
  metadata + write ("CORE (PDF/A)"), and the same with the hook's own
  ``if not writer.is_pdfa`` condition ("CORE hook as run": with wkhtmltopdf's
  output, that skips the PDF/A conversion and the XMP).

Environment: BENCH_N (measured invoices, default 20), BENCH_WARMUP (extra
invoices run first and excluded, default 2), BENCH_REPORT_URL (URL of the
Odoo HTTP server that serves the report assets, set as ``report.url`` and
``web.base.url``), BENCH_CROSSCHECK=0 to skip the final ``_build_facturx``
call.
"""

import datetime
import gc
import io
import os
import platform
import re
import resource
import statistics
import time
import urllib.request
from urllib.parse import urljoin

from bench_common import (
    SUPPLIER_SIRET,
    SUPPLIER_VAT,
    ase_beneficiaries,
    ase_routing,
    collect_report_warnings,
    create_ase_products,
    create_bank_account,
    create_company,
    proc_status_kib,
    run_benchmark,
    say,
    say_wall_time,
    use_report_server,
)

from odoo import Command, fields
from odoo.tools.pdf import (
    DictionaryObject,
    NameObject,
    NumberObject,
    OdooPdfFileReader,
    OdooPdfFileWriter,
)

from odoo.addons.l10n_fr_chorus_pro.lib import facturx_validation
from odoo.addons.l10n_fr_chorus_pro.lib.schematron import runner as schematron_runner
from odoo.addons.l10n_fr_chorus_pro.lib.tests.pdf_checks import inspect_facturx_pdf

N = int(os.environ.get("BENCH_N") or 20)
WARMUP = int(os.environ.get("BENCH_WARMUP") or 2)
REPORT_URL = (os.environ.get("BENCH_REPORT_URL") or "").rstrip("/")
CROSSCHECK = os.environ.get("BENCH_CROSSCHECK", "1") != "0"
SCHEMATRON_TARGET_MS = 30.0
RATIO_TARGET = 1.2

REPORT_REF = "account.account_invoices"

failures = []


def mib(kib):
    return "n/a" if kib is None else f"{kib / 1024:.0f} MiB"


report_warnings = collect_report_warnings()


# ---------------------------------------------------------------------------
# Data set
# ---------------------------------------------------------------------------


def set_up(env):
    """A French company (chart 'fr'), a bank account, N+WARMUP posted invoices."""
    use_report_server(env, REPORT_URL)
    env, company = create_company(env)
    admin = env.ref("base.user_admin")
    chart = env["account.chart.template"].with_company(company)
    tax_20 = chart.ref("tva_normale")
    tax_10 = chart.ref("tva_intermediaire")
    (tax_20 | tax_10).active = True  # the chart ships the 10 % tax archived
    bank_account = create_bank_account(env, company)
    products = create_ase_products(env)
    recipient, service, period_start, period_end = ase_routing(env, company)
    today = fields.Date.context_today(company)
    vals_list = []
    for index in range(N + WARMUP):
        beneficiaries = ase_beneficiaries(index, period_start, period_end)
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
                "chorus_beneficiary_ids": beneficiaries,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": products["AEMO-H"].id,
                            "quantity": 10 + index % 5,
                            "price_unit": 48.5,
                            "tax_ids": [Command.set(tax_20.ids)],
                        }
                    ),
                    Command.create(
                        {
                            "product_id": products["DEPL"].id,
                            "quantity": 3,
                            "price_unit": 27.3 + index,
                            "tax_ids": [Command.set(tax_10.ids)],
                        }
                    ),
                    Command.create(
                        {
                            "product_id": products["RAPP"].id,
                            "quantity": 1,
                            "price_unit": 180.0,
                            "discount": 5.0,
                            "tax_ids": [Command.set(tax_20.ids)],
                        }
                    ),
                ],
            }
        )
    moves = env["account.move"].create(vals_list)
    moves.action_post()
    env.cr.commit()
    return env, company, moves


# ---------------------------------------------------------------------------
# The two paths
# ---------------------------------------------------------------------------


def add_empty_outlines(writer):
    """Debian's wkhtmltopdf (unpatched Qt) writes no /Outlines, and Odoo's
    convert_to_pdfa() raises KeyError without it: add an empty outline tree, as
    our engine's _facturx_to_pdfa does."""
    root = writer._root_object
    if "/Outlines" not in root:
        outlines = DictionaryObject(
            {NameObject("/Type"): NameObject("/Outlines"), NameObject("/Count"): NumberObject(0)}
        )
        root[NameObject("/Outlines")] = writer._addObject(outlines)
        return True
    return False


def core_xml(env, move):
    xml, _errors = env["account.edi.xml.cii"]._export_invoice(move)
    return xml


def core_pdf(env, move, pdf, xml, sub, force_pdfa=True):
    """account_edi_ubl_cii's post-processing of the report PDF (facturx format).

    ``force_pdfa=True``: always clone + attach + convert_to_pdfa + Factur-X XMP +
    write (the PDF/A path the core hook means to take). ``force_pdfa=False``:
    exactly the hook's condition ``if not writer.is_pdfa``: OdooPdfFileWriter's
    header heuristic marks wkhtmltopdf's output (``%PDF-1.4`` then a 6-byte
    binary comment line) as PDF/A already, so core then only attaches the XML.
    """
    start = time.perf_counter()
    reader_buffer = io.BytesIO(pdf)
    reader = OdooPdfFileReader(reader_buffer, strict=False)
    writer = OdooPdfFileWriter()
    writer.cloneReaderDocumentRoot(reader)
    sub["is_pdfa_heuristic"] = writer.is_pdfa
    writer.addAttachment("factur-x.xml", xml, subtype="text/xml")
    sub["clone_attach"] = (time.perf_counter() - start) * 1000
    if force_pdfa or not writer.is_pdfa:
        start = time.perf_counter()
        sub["outlines_added"] = add_empty_outlines(writer)
        writer.convert_to_pdfa()
        sub["pdfa"] = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        content = env["ir.qweb"]._render(
            "account_edi_ubl_cii.account_invoice_pdfa_3_facturx_metadata",
            {"title": move.name, "date": fields.Date.context_today(move)},
        )
        writer.add_file_metadata(content.encode())
        sub["xmp"] = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    writer_buffer = io.BytesIO()
    writer.write(writer_buffer)
    result = writer_buffer.getvalue()
    sub["write"] = (time.perf_counter() - start) * 1000
    reader_buffer.close()
    writer_buffer.close()
    return result


def timed(func, *args):
    start = time.perf_counter()
    result = func(*args)
    return result, (time.perf_counter() - start) * 1000


def ours_options(engine, move):
    """Level and BR-FR option exactly as _build_facturx chooses them."""
    company = move.company_id
    fr_ctc = bool("chorus_facturx_fr_ctc" in company._fields and company.chorus_facturx_fr_ctc)
    return engine._facturx_level(company), fr_ctc


def run_ours(env, engine, move, pdf, row):
    level, fr_ctc = ours_options(engine, move)
    env.invalidate_all()  # both XML builders start from a cold record cache
    xml, row["ours_xml"] = timed(engine._facturx_generate_xml, move, level)
    report, row["ours_validation_wall"] = timed(engine._facturx_validate_xml, xml, level, fr_ctc)
    row["ours_xsd"] = report.xsd_ms
    row["ours_schematron"] = report.schematron_ms
    row["schematron_compile"] = report.compile_ms
    if not report.ok:
        failures.append(f"{move.name}: our XML is invalid: {report.messages()[:5]}")
    pdfa, row["ours_pdfa"] = timed(engine._facturx_to_pdfa, pdf)
    out, row["ours_embed"] = timed(engine._facturx_embed, move, pdfa, xml, level)
    row["ours_pdf"] = row["ours_pdfa"] + row["ours_embed"]
    return xml, out


def run_core(env, move, pdf, row):
    env.invalidate_all()
    xml, row["core_xml"] = timed(core_xml, env, move)
    sub = {}
    out, row["core_pdf"] = timed(core_pdf, env, move, pdf, xml, sub)
    row["core_pdfa"] = sub["clone_attach"] + sub["pdfa"] + sub["write"]
    row["core_xmp"] = sub["xmp"]
    row["core_outlines_added"] = sub["outlines_added"]
    row["core_is_pdfa_heuristic"] = sub["is_pdfa_heuristic"]
    literal = {}
    literal_out, row["core_hook_pdf"] = timed(core_pdf, env, move, pdf, xml, literal, False)
    row["core_hook_converted"] = "pdfa" in literal
    return xml, out, literal_out


def bench_invoice(env, engine, move, index):
    row = {"name": move.name}
    gc.collect()  # untimed, so that the cyclic GC seldom fires inside a timed step
    env.invalidate_all()
    pdf, row["render"] = timed(engine._facturx_render_invoice_pdf, move)
    row["render_bytes"] = len(pdf)
    # Alternate the order of the two paths to cancel order effects.
    if index % 2 == 0:
        ours = run_ours(env, engine, move, pdf, row)
        core = run_core(env, move, pdf, row)
    else:
        core = run_core(env, move, pdf, row)
        ours = run_ours(env, engine, move, pdf, row)
    row["ours_validation"] = row["ours_xsd"] + row["ours_schematron"]
    row["ours_total"] = row["ours_xml"] + row["ours_validation_wall"] + row["ours_pdf"]
    row["core_total"] = row["core_xml"] + row["core_pdf"]
    row["core_hook_total"] = row["core_xml"] + row["core_hook_pdf"]
    row["core_hook_total_render"] = row["core_hook_total"] + row["render"]
    row["ours_total_render"] = row["ours_total"] + row["render"]
    row["core_total_render"] = row["core_total"] + row["render"]
    return row, ours, core


# ---------------------------------------------------------------------------
# Checks (outside the timings)
# ---------------------------------------------------------------------------


def check_assets(env, move):
    """The stylesheets the report links to are served by REPORT_URL."""
    report = env["ir.actions.report"].with_context(force_report_rendering=True)
    html = report._render_qweb_html(REPORT_REF, move.ids, data={"report_type": "pdf"})[0]
    html = html.decode() if isinstance(html, bytes) else html
    hrefs = sorted(set(re.findall(r'<link[^>]+href="([^"]+\.css[^"]*)"', html)))
    base = report._get_report_url()
    results = []
    for href in hrefs:
        url = urljoin(base + "/", href)
        try:
            with urllib.request.urlopen(url, timeout=120) as answer:
                body = answer.read()
                results.append((href, answer.status, answer.headers.get("Content-Type", ""), len(body)))
        except Exception as err:
            results.append((href, f"ERROR {err}", "", 0))
    return base, results


def inspect(label, pdf, xml):
    report = inspect_facturx_pdf(pdf)
    problems = report.problems()
    same_xml = report.facturx_xml == xml
    say(
        f"  {label:<16} PDF: {len(pdf) / 1024:.0f} KiB, PDF/A-{report.pdfa_part}"
        f"{report.pdfa_conformance or ''}, embedded XML identical: {same_xml}, "
        f"pdf_checks problems: {len(problems)}"
    )
    for problem in problems:
        say(f"        - {problem}")
    for error in report.errors:
        say(f"        ! checker error: {error[:160]}")
    return report


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def stats(rows, key):
    values = [row[key] for row in rows]
    return statistics.median(values), statistics.fmean(values)


def cell(value):
    if value is None:
        return f"{'-':>8} {'-':>8}"
    if value == "zero":
        return f"{0.0:8.1f} {0.0:8.1f}"
    if value == "shared":
        return f"{'(same PDF)':>17}"
    return f"{value[0]:8.1f} {value[1]:8.1f}"


def table(rows):
    def s(key):
        return stats(rows, key)

    lines = [
        ("Report render (wkhtmltopdf), once", s("render"), "shared", "shared"),
        ("XML build", s("ours_xml"), s("core_xml"), s("core_xml")),
        ("Validation: XSD", s("ours_xsd"), "zero", "zero"),
        ("Validation: schematron", s("ours_schematron"), "zero", "zero"),
        ("Validation: total (wall)", s("ours_validation_wall"), "zero", "zero"),
        ("PDF: PDF/A conversion (1)", s("ours_pdfa"), s("core_pdfa"), None),
        ("PDF: Factur-X embed / XMP (2)", s("ours_embed"), s("core_xmp"), None),
        ("PDF: total", s("ours_pdf"), s("core_pdf"), s("core_hook_pdf")),
        ("TOTAL without render", s("ours_total"), s("core_total"), s("core_hook_total")),
        ("TOTAL with render", s("ours_total_render"), s("core_total_render"), s("core_hook_total_render")),
    ]
    width = 36 + 3 * 21
    say(f"{'':36}{'OURS':>21}{'CORE (PDF/A)':>21}{'CORE hook as run (3)':>21}")
    say(f"{'ms/invoice':36}" + f"{'median':>12}{'mean':>9}" * 3)
    say("-" * width)
    for label, *cells in lines:
        say(f"{label:36}" + "".join(f"{cell(value):>21}" for value in cells))
    say("-" * width)


def ratio_line(rows, label, ours_key, core_key, target=True):
    ours_med, ours_mean = stats(rows, ours_key)
    core_med, core_mean = stats(rows, core_key)
    ratio_mean = ours_mean / core_mean
    ratio_med = ours_med / core_med
    verdict = ""
    if target:
        verdict = "   target <= %.1fx: %s" % (
            RATIO_TARGET,
            "OK" if ratio_mean <= RATIO_TARGET else "ABOVE TARGET",
        )
    say(f"  {label:<44} {ratio_mean:5.2f}x (means) {ratio_med:5.2f}x (medians){verdict}")
    return ratio_mean


def main(shell_env):  # noqa: C901
    wall_start = time.perf_counter()
    rusage_start = resource.getrusage(resource.RUSAGE_SELF)
    say("=" * 88)
    say("Factur-X benchmark: l10n_fr_chorus_pro (validated) vs Odoo core account_edi_ubl_cii")
    say("=" * 88)
    say(f"date      : {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
    say(f"machine   : {platform.node()} {platform.machine()}, {os.cpu_count()} CPU(s), {platform.platform()}")
    say(f"python    : {platform.python_version()}; database {shell_env.cr.dbname}")
    say(f"load avg  : {' '.join('%.2f' % x for x in os.getloadavg())} (1/5/15 min) at start")
    say(f"invoices  : {N} measured + {WARMUP} warm-up (excluded); report.url {REPORT_URL or '-'}")
    wk = shell_env["ir.actions.report"].get_wkhtmltopdf_state()
    say(f"wkhtmltopdf state: {wk}")
    if wk != "ok":
        failures.append(f"wkhtmltopdf state is {wk!r}")

    start = time.perf_counter()
    env, company, moves = set_up(shell_env)
    say(
        f"set-up    : company {company.name!r} (chart fr, SIRET {SUPPLIER_SIRET}, "
        f"VAT {SUPPLIER_VAT}), {len(moves)} posted invoices of 3 lines (20 %/10 %) to "
        f"{moves[0].partner_id.name!r}, service {moves[0].chorus_service_id.display_name!r}; "
        f"{(time.perf_counter() - start):.1f} s (not measured)"
    )
    engine = env["chorus.pro.facturx"]
    runner = schematron_runner.get_default_runner()
    level, fr_ctc = ours_options(engine, moves[0])
    stylesheets = facturx_validation.schematron_paths(level, fr_ctc)
    say(
        f"schematron: mode {runner.mode}, level {level}, BR-FR (company option) {fr_ctc}: "
        f"{', '.join(os.path.basename(path) for path in stylesheets)}"
    )

    say("")
    say("Report assets (wkhtmltopdf fetches them from the Odoo HTTP server):")
    base, assets = check_assets(env, moves[0])
    if not assets:
        failures.append("the report HTML links no stylesheet")
    for href, status, ctype, size in assets:
        say(f"  {status} {ctype:<24} {size / 1024:7.1f} KiB  {base}{href}")
        if status != 200 or "css" not in ctype or size < 1024:
            failures.append(f"asset {href} not served correctly ({status}, {ctype}, {size} B)")

    rows = []
    say("")
    say("Running. Per invoice (untimed gc.collect() first): render once, then both paths on")
    say("the same PDF bytes, alternating which goes first; each XML build starts from a cold")
    say("ORM cache (env.invalidate_all()). ms; 'sch' = schematron, 'hook' = core hook as run:")
    last = checked = None
    for index, move in enumerate(moves):
        row, ours, core = bench_invoice(env, engine, move, index)
        row["warmup"] = index < WARMUP
        rows.append(row)
        last = (move, ours, core)
        tag = "warm-up" if row["warmup"] else "       "
        say(
            f"  {index + 1:3d} {tag} {row['name']:<16} render {row['render']:7.1f}  "
            f"ours {row['ours_total']:7.1f} (xml {row['ours_xml']:5.1f}, "
            f"sch {row['ours_schematron']:6.1f}, pdf {row['ours_pdf']:6.1f})  "
            f"core {row['core_total']:7.1f} (xml {row['core_xml']:5.1f}, "
            f"pdf {row['core_pdf']:5.1f}, hook {row['core_hook_pdf']:4.1f})"
        )
        if index == WARMUP:
            checked = last  # the first measured invoice: its PDFs are inspected below

    memory_after_loop = (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        proc_status_kib(runner.worker_pid, "VmHWM") if runner.worker_pid else None,
    )
    # Our public entry point once, end to end (renders again), before the output checks
    # below compile another stylesheet in the worker.
    crosscheck_line = None
    if CROSSCHECK:
        move = moves[-1]
        env.invalidate_all()
        start = time.perf_counter()
        result = engine._build_facturx(move)
        total = (time.perf_counter() - start) * 1000
        timings = ", ".join(f"{key} {value:.1f}" for key, value in result["timings"].items())
        crosscheck_line = (
            f"  cross-check _build_facturx({move.name}) end to end (renders again): "
            f"{total:.1f} ms; its timings (ms): {timings}"
        )
    warm = [row for row in rows if row["warmup"]]
    measured = [row for row in rows if not row["warmup"]]
    if not measured:
        failures.append("no measured invoice (N=0)")
        return

    say("")
    say("Warm-up / first calls (excluded from the table):")
    for position, row in enumerate(warm, 1):
        say(
            f"  warm-up #{position} {row['name']}: render {row['render']:.1f} ms, "
            f"ours XML {row['ours_xml']:.1f} ms, XSD {row['ours_xsd']:.1f} ms, "
            f"schematron {row['ours_schematron']:.1f} ms (of which compile "
            f"{row['schematron_compile']:.1f} ms), ours PDF {row['ours_pdf']:.1f} ms; "
            f"core XML {row['core_xml']:.1f} ms, core PDF {row['core_pdf']:.1f} ms"
        )
    recompiled = [row["name"] for row in measured if row["schematron_compile"]]
    if recompiled:
        failures.append(f"schematron compiled again during measured invoices: {recompiled}")

    say("")
    say(f"Results on {len(measured)} invoices after warm-up (ms/invoice; median and mean):")
    table(measured)
    say("(1) ours: _facturx_to_pdfa (read, clone, empty /Outlines, convert_to_pdfa, write);")
    say("    core: read + clone + addAttachment + empty /Outlines + convert_to_pdfa + write.")
    say("(2) ours: _facturx_embed (factur-x generate_from_binary: re-read, attach XML, XMP, write);")
    say(
        "    core: render of account_edi_ubl_cii.account_invoice_pdfa_3_facturx_metadata + add_file_metadata."
    )
    heuristic = sum(1 for row in measured if row["core_is_pdfa_heuristic"])
    converted = sum(1 for row in measured if row["core_hook_converted"])
    say(
        f"(3) the hook's own condition, 'if not writer.is_pdfa': OdooPdfFileWriter's header "
        f"heuristic took {heuristic}/{len(measured)} wkhtmltopdf PDFs for PDF/A already, so"
    )
    say(
        f"    core's hook converted {converted}/{len(measured)} of them: it only attached the XML "
        "(clone + addAttachment + write), no PDF/A conversion, no Factur-X XMP."
    )
    outlines = sum(1 for row in measured if row["core_outlines_added"])
    say(
        f"NOTE: the report PDFs of this wkhtmltopdf have no /Outlines ({outlines}/{len(measured)}"
        " invoices); core's convert_to_pdfa() raises KeyError on them, so the CORE (PDF/A)"
    )
    say("      path here first adds the same empty outline tree as our engine does.")
    say("NOTE: core does not validate its XML (no XSD, no schematron): its validation is 0.")

    say("")
    if checked:
        _move, (ours_xml, ours_pdf), (core_xml_bytes, core_pdf_bytes, hook_pdf) = checked
        say(f"Output checks on {_move.name} (lib/tests/pdf_checks.py; not timed):")
        ours_report = inspect("ours", ours_pdf, ours_xml)
        inspect("core (PDF/A)", core_pdf_bytes, core_xml_bytes)
        inspect("core hook as run", hook_pdf, core_xml_bytes)
        if ours_report.problems():
            failures.append(f"our Factur-X PDF has problems: {ours_report.problems()}")
        core_validation = engine._facturx_validate_xml(core_xml_bytes, level="autodetect")
        say(
            f"  core XML through our validator (level autodetected: {core_validation.level}):"
            f" ok={core_validation.ok}, {len(core_validation.fatal_issues)} fatal / "
            f"{len(core_validation.warnings)} other issues "
            f"{sorted(core_validation.rule_ids(fatal_only=True))[:8]}"
        )
    say("")
    say("Ratios (ours/core) and targets:")
    ratio_without = ratio_line(measured, "vs CORE (PDF/A), WITHOUT render:", "ours_total", "core_total")
    ratio_with = ratio_line(
        measured, "vs CORE (PDF/A), WITH render:", "ours_total_render", "core_total_render"
    )
    ratio_line(
        measured, "vs CORE hook as run, WITHOUT render:", "ours_total", "core_hook_total", target=False
    )
    ratio_line(
        measured,
        "vs CORE hook as run, WITH render:",
        "ours_total_render",
        "core_hook_total_render",
        target=False,
    )
    val_med, val_mean = stats(measured, "ours_validation_wall")
    ours_mean = stats(measured, "ours_total")[1]
    core_mean = stats(measured, "core_total")[1]
    say(
        f"  our extra validation cost (XSD + schematron, wall): {val_mean:.1f} ms/invoice mean "
        f"({val_med:.1f} median) = {100 * val_mean / ours_mean:.0f} % of our path without render"
    )
    say(
        f"  ours minus validation vs CORE (PDF/A), without render: "
        f"{(ours_mean - val_mean) / core_mean:.2f}x (means)"
    )
    sch_med, sch_mean = stats(measured, "ours_schematron")
    sch_max = max(row["ours_schematron"] for row in measured)
    verdict = "OK" if sch_mean <= SCHEMATRON_TARGET_MS else "ABOVE TARGET"
    say(
        f"  schematron after warm-up: {sch_mean:.1f} ms/invoice mean, {sch_med:.1f} median, "
        f"{sch_max:.1f} max   target <= {SCHEMATRON_TARGET_MS:.0f} ms: {verdict}"
    )
    if warm:
        first_compile = sum(row["schematron_compile"] for row in warm)
        say(
            f"  schematron first call: {warm[0]['ours_schematron']:.1f} ms, of which worker "
            f"compile {first_compile:.1f} ms (excluded)"
        )

    if crosscheck_line:
        say(crosscheck_line)

    say("")
    self_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stats_runner = runner.stats()
    worker_pid = stats_runner.get("worker_pid")
    say("Memory, peak RSS (resource.getrusage; /proc VmHWM for the long-lived worker):")
    say(f"  {'':38}{'after the timed loop':>22}{'at the end (3)':>16}")
    say(f"  {'Odoo shell process (4)':38}{mib(memory_after_loop[0]):>22}{mib(self_peak):>16}")
    say(
        f"  {'schematron worker (pid %s)' % worker_pid:38}{mib(memory_after_loop[1]):>22}"
        f"{mib(proc_status_kib(worker_pid, 'VmHWM') if worker_pid else None):>16}"
    )
    say(
        f"  (3) after the output checks (they compile the EXTENDED schematron for core's XML) and "
        f"the cross-check; (4) {mib(rusage_start.ru_maxrss)} before the benchmark."
    )
    say("  wkhtmltopdf is not counted: RUSAGE_CHILDREN would report the Odoo process's own RSS")
    say("  (Linux carries the parent's high-water mark into a forked child).")
    say(
        f"  worker: {stats_runner.get('request_count')} requests, "
        f"{stats_runner.get('compile_count')} stylesheet(s) compiled, "
        f"{stats_runner.get('restart_count')} restart(s); mode {stats_runner.get('mode')}"
    )
    if report_warnings.records:
        say("")
        say("wkhtmltopdf / report warnings:")
        for message in report_warnings.records[:10]:
            say(f"  {message[:300]}")
        failures.append(f"{len(report_warnings.records)} report warning(s) logged")
    say("")
    say_wall_time(wall_start)
    say(
        f"SUMMARY N={len(measured)} ours/core {ratio_without:.2f}x without render, "
        f"{ratio_with:.2f}x with render; schematron {sch_mean:.1f} ms/invoice"
    )


run_benchmark(main, env, failures)  # noqa: F821 - env is given by odoo-bin shell
