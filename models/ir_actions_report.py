# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import contextlib
import io
import logging
import os
import re
import subprocess
import tempfile
from collections import OrderedDict
from urllib.parse import urlparse

import lxml.html

from odoo import api, models
from odoo.http import request
from odoo.tools.pdf import merge_pdf

from odoo.addons.base.models.ir_actions_report import _split_table, _wkhtml

_logger = logging.getLogger(__name__)

# Odoo's PDF/A conversion reads the fonts wkhtmltopdf embedded with fontTools, which warns
# on each of them ("'created' timestamp seems very low"): wkhtmltopdf's font subsets carry
# no dates. Six meaningless warnings per invoice deposited; real problems are errors.
logging.getLogger("fontTools.ttLib.tables._h_e_a_d").setLevel(logging.ERROR)

# Context key of the Chorus Pro invoice renders (see _run_wkhtmltopdf).
CHORUS_RENDERING = "chorus_pro_rendering"
CHORUS_REPORT = "l10n_fr_chorus_pro.report_chorus_invoice"
CLAIM_REPORT = "l10n_fr_chorus_pro.report_chorus_late_interest_claim"
WORKS_REPORT = "l10n_fr_chorus_pro.report_chorus_works_statement"
# wkhtmltopdf's wait for the page's scripts (Odoo's report.print_delay, 1 s by default) for
# the Chorus Pro invoice, which has none to wait for (stylesheets inlined, installed fonts,
# logo as data URI): a system parameter, in milliseconds.
PARAM_PRINT_DELAY = "l10n_fr_chorus_pro.print_delay"
DEFAULT_PRINT_DELAY = "100"
# wkhtmltopdf processes run side by side for one batch of Chorus Pro invoices (Debian's
# wkhtmltopdf uses one core): a system parameter, capped by the server's cores.
PARAM_RENDER_PROCESSES = "l10n_fr_chorus_pro.render_processes"
DEFAULT_RENDER_PROCESSES = 2
# Fewer invoices per process than this: one process (its start-up would cost more).
MIN_INVOICES_PER_PROCESS = 2
# Odoo splits the tables of report bodies above this size (wkhtmltopdf slows down on them).
LARGE_BODY = 4 * 1024 * 1024
FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}")
ICON_FONTS = ("FontAwesome", "odoo_ui_icons")


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    @api.model
    def _chorus_single_document(self, documents):
        """Join several report bodies (parsed HTML documents of the same layout) into
        the first one, each body on a new page; returns the first one."""
        target = documents[0].body
        for document in documents[1:]:
            page = lxml.html.Element("div", style="page-break-before: always;")
            page.extend(list(document.body))
            target.append(page)
        return documents[0]

    @api.model
    def _chorus_inline_stylesheets(self, document, styles):
        """Inline the report's asset stylesheets without their text web fonts
        (``styles``: the stripped stylesheets by path, shared by one run's documents).

        wkhtmltopdf draws a web font (@font-face) as vector paths: the PDF has no
        text (nothing to search, copy or read aloud) and weighs ten times more.
        Without the @font-face rules, the same family comes from the fonts installed
        on the server (Debian's fonts-lato for Odoo's default Lato) and is embedded
        as real text. Icon fonts are kept."""
        for link in document.xpath("//link[@rel='stylesheet'][@href]"):
            path = urlparse(link.get("href")).path
            if path not in styles:
                styles[path] = FONT_FACE.sub(
                    lambda rule: rule.group(0) if any(icon in rule.group(0) for icon in ICON_FONTS) else "",
                    self._chorus_stylesheet(path),
                )
            css = styles[path]
            if not css:
                continue
            style = lxml.html.Element("style")
            style.text = css
            link.addprevious(style)
            link.getparent().remove(link)

    @api.model
    def _chorus_stylesheet(self, path):
        """The CSS of an asset bundle stylesheet (``/web/assets/<unique>/<bundle>[.rtl]
        [.autoprefixed].min.css``), generated if nobody asked for it yet, as Odoo does
        when wkhtmltopdf requests it. In a read-only request (printing from the web
        client) it is computed without being stored."""
        attachment = self.env["ir.attachment"].sudo().search([("url", "=", path)], limit=1)
        if attachment:
            return attachment.raw.decode()
        if not path.startswith("/web/assets/") or not path.endswith(".min.css"):
            return ""
        bundle_name, rtl, _type, autoprefix = self.env["ir.asset"]._parse_bundle_name(
            path.rsplit("/", 1)[1], False
        )
        bundle = (
            self.env["ir.qweb"]
            .sudo()
            ._get_asset_bundle(bundle_name, js=False, rtl=rtl, autoprefix=autoprefix)
        )
        if self.env.cr.readonly:
            return bundle.preprocess_css()
        return bundle.css().raw.decode()

    def _render_qweb_pdf_prepare_streams(self, report_ref, data, res_ids=None):
        report = self._get_report(report_ref)
        deposited = self._chorus_deposited_streams(report, res_ids)
        if deposited:
            others = [res_id for res_id in res_ids if res_id not in deposited]
            streams = (
                self._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=others) if others else {}
            )
            return OrderedDict(
                (res_id, deposited.get(res_id) or streams[res_id]) for res_id in dict.fromkeys(res_ids)
            )
        # The Chorus Pro invoice, the interest claim and the works statement printed from the
        # Print menu get the engine's rendering too: real text, several documents per run with
        # Debian's wkhtmltopdf.
        if not self.env.context.get(CHORUS_RENDERING) and report.report_name in (
            CHORUS_REPORT,
            CLAIM_REPORT,
            WORKS_REPORT,
        ):
            self = self.with_context(**{CHORUS_RENDERING: True})
        return super()._render_qweb_pdf_prepare_streams(report_ref, data, res_ids=res_ids)

    @api.model
    def _chorus_deposited_streams(self, report, res_ids):
        """An invoice deposited on Chorus Pro is printed as it was deposited (Print,
        the portal's PDF): the streams of its deposited document, by invoice id. The
        Factur-X engine's own renders (``report_pdf_no_attachment``) are left alone."""
        if (
            not res_ids
            or report.model != "account.move"
            or self.env.context.get("report_pdf_no_attachment")
            or not (report.report_name == CHORUS_REPORT or self._is_invoice_report(report))
        ):
            return {}
        moves = self.env["account.move"].browse(res_ids).filtered("chorus_document_id")
        return {
            move.id: {
                "stream": io.BytesIO(move.chorus_document_id.sudo().raw),
                "attachment": move.chorus_document_id,
            }
            for move in moves
        }

    def _build_wkhtmltopdf_args(self, *args, **kwargs):
        command_args = super()._build_wkhtmltopdf_args(*args, **kwargs)
        if self.env.context.get(CHORUS_RENDERING) and "--javascript-delay" in command_args:
            delay = self.env["ir.config_parameter"].sudo().get_param(PARAM_PRINT_DELAY, DEFAULT_PRINT_DELAY)
            command_args[command_args.index("--javascript-delay") + 1] = delay
        return command_args

    def _run_wkhtmltopdf(
        self,
        bodies,
        report_ref=False,
        header=None,
        footer=None,
        landscape=False,
        specific_paperformat_args=None,
        set_viewport_size=False,
    ):
        options = {
            "report_ref": report_ref,
            "header": header,
            "footer": footer,
            "landscape": landscape,
            "specific_paperformat_args": specific_paperformat_args,
            "set_viewport_size": set_viewport_size,
        }
        # For the Factur-X engine: real text instead of paths, and several invoices
        # per run with Debian's wkhtmltopdf (unpatched Qt), which converts one
        # document per run, at the cost of a process start and the print delay each
        # time. Odoo splits the result by page when each invoice fills one page (the
        # engine renders the others again). A large batch is drawn by two processes
        # side by side (see _chorus_render_parts), their PDFs joined in order.
        if not self.env.context.get(CHORUS_RENDERING):
            return super()._run_wkhtmltopdf(bodies, **options)
        documents = [lxml.html.document_fromstring(body) for body in bodies]
        patched = _wkhtml().is_patched_qt
        if len(documents) > 1 and not patched:
            documents = [self._chorus_single_document(part) for part in self._chorus_render_parts(documents)]
        styles = {}
        for document in documents:
            self._chorus_inline_stylesheets(document, styles)
        bodies = [
            lxml.html.tostring(document, encoding="unicode", doctype="<!DOCTYPE html>")
            for document in documents
        ]
        if patched or len(bodies) == 1:
            return super()._run_wkhtmltopdf(bodies, **options)
        pdfs = self._chorus_run_side_by_side(bodies, options)
        for index, pdf in enumerate(pdfs):
            if pdf is None:
                # That process failed: drawn again by Odoo's method, which reports the error.
                pdfs[index] = super()._run_wkhtmltopdf([bodies[index]], **options)
        return merge_pdf(pdfs)

    @api.model
    def _chorus_render_parts(self, documents):
        """The invoices (parsed report documents, in order) split into consecutive parts,
        one per wkhtmltopdf process: as many as the system parameter
        ``l10n_fr_chorus_pro.render_processes`` (default 2) and the server's cores allow,
        with at least two invoices each. One part in an HTTP request: wkhtmltopdf then
        needs the user's session (Odoo's cookie jar), given to one process only."""
        wanted = (
            self.env["ir.config_parameter"].sudo().get_param(PARAM_RENDER_PROCESSES, DEFAULT_RENDER_PROCESSES)
        )
        try:
            wanted = int(wanted)
        except ValueError:
            wanted = DEFAULT_RENDER_PROCESSES
        count = min(wanted, os.cpu_count() or 1, len(documents) // MIN_INVOICES_PER_PROCESS)
        if count <= 1 or (request and request.db):
            return [documents]
        size, extra = divmod(len(documents), count)
        parts, start = [], 0
        for index in range(count):
            end = start + size + (1 if index < extra else 0)
            parts.append(documents[start:end])
            start = end
        return parts

    def _chorus_run_side_by_side(self, bodies, options):
        """Run one wkhtmltopdf process per body at the same time, with the arguments
        Odoo's ``_run_wkhtmltopdf`` gives (same paper format, header, footer). Returns
        their PDFs in order, ``None`` for a process that failed."""
        report = self._get_report(options["report_ref"]) if options["report_ref"] else self
        command_args = self._build_wkhtmltopdf_args(
            report.get_paperformat(),
            options["landscape"],
            specific_paperformat_args=options["specific_paperformat_args"],
            set_viewport_size=options["set_viewport_size"],
        )
        with tempfile.TemporaryDirectory(prefix="chorus_report.") as folder:

            def write(name, html):
                path = os.path.join(folder, name)
                with open(path, "w", encoding="utf-8") as file:
                    file.write(html)
                return path

            files_args = []
            for option, html in (("--header-html", options["header"]), ("--footer-html", options["footer"])):
                if html:
                    files_args += [option, write(f"{option[2:]}.html", html)]
            runs = []
            with contextlib.ExitStack() as stack:
                for index, body in enumerate(bodies):
                    if len(body) >= LARGE_BODY:
                        tree = lxml.html.fromstring(body)
                        _split_table(tree, 500)
                        body = lxml.html.tostring(tree, encoding="unicode")
                    body_path = write(f"body.{index}.html", body)
                    pdf_path = os.path.join(folder, f"part.{index}.pdf")
                    log = stack.enter_context(
                        open(os.path.join(folder, f"part.{index}.log"), "w+", encoding="utf-8")
                    )
                    process = stack.enter_context(
                        subprocess.Popen(
                            [_wkhtml().bin, *command_args, *files_args, body_path, pdf_path],
                            stdout=subprocess.DEVNULL,
                            stderr=log,
                        )
                    )
                    runs.append((process, pdf_path, log))
                results = []
                for process, pdf_path, log in runs:
                    returncode = process.wait()
                    log.seek(0)
                    results.append((returncode, pdf_path, log.read()))
            pdfs = []
            for returncode, pdf_path, error in results:
                if returncode in (0, 1) and os.path.exists(pdf_path) and os.path.getsize(pdf_path):
                    if returncode:
                        _logger.warning("wkhtmltopdf: %s", error)
                    with open(pdf_path, "rb") as pdf:
                        pdfs.append(pdf.read())
                else:
                    _logger.warning("wkhtmltopdf failed (%s): %s", returncode, error[-1000:])
                    pdfs.append(None)
        return pdfs
