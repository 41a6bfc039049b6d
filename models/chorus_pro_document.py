# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The legal invoice document deposited on Chorus Pro: the page the public body reads.

Every mandatory mention is printed in the body of the page (never in a report header or
footer, which an unpatched-Qt wkhtmltopdf does not print), from the same EN 16931 data
as the Factur-X XML, so the page and the XML cannot disagree. After rendering, the text
is read back from the PDF and a document missing a mention is refused.
"""

import contextlib
import functools
import io
import os
import re
import shutil
import subprocess
import unicodedata
from concurrent.futures import ThreadPoolExecutor

from pypdf import PdfReader
from stdnum import iban
from stdnum.fr import siren, siret

from odoo import _lt, api, models
from odoo.exceptions import UserError
from odoo.tools import format_date, formatLang

from .ir_actions_report import CHORUS_RENDERING, DEFAULT_RENDER_PROCESSES, PARAM_RENDER_PROCESSES

REPORT = "l10n_fr_chorus_pro.action_report_chorus_invoice"


# Odoo's test mode renders reports as HTML unless told otherwise.
FORCE_RENDERING = {"force_report_rendering": True}
RENDER_CHUNK = 50
DEFAULT_LANG = "fr_FR"
# BT-21 subjects printed as legal mentions (beneficiaries, AAI, have their own table).
LEGAL_NOTE_SUBJECTS = ("TXD", "PMT", "PMD", "AAB")
# Factur-X tax categories and their short label on the page.
EXEMPT_CATEGORIES = ("E", "Z", "AE", "K", "G", "O")
WHITESPACE = re.compile(r"\s+")

# Mandatory mentions checked on the page, by key (see _document_mentions).
MENTION_LABELS = {
    "supplier_name": _lt("supplier name"),
    "supplier_address": _lt("supplier address"),
    "supplier_siret": _lt("supplier SIRET"),
    "supplier_vat": _lt("supplier VAT number or VAT exemption mention"),
    "buyer_name": _lt("customer name"),
    "buyer_address": _lt("customer address"),
    "buyer_siret": _lt("customer SIRET"),
    "number": _lt("invoice number"),
    "date": _lt("issue date"),
    "due_date": _lt("due date"),
    "origin": _lt("original invoice of the credit note"),
    "service": _lt("service code"),
    "engagement": _lt("engagement number (EJ)"),
    "market": _lt("public market number"),
    "line": _lt("invoice line"),
    "total_untaxed": _lt("total without tax"),
    "total_tax": _lt("VAT amount"),
    "total": _lt("total with tax"),
    "amount_due": _lt("amount due"),
    "iban": _lt("IBAN"),
    "bic": _lt("BIC"),
    "note": _lt("legal mention"),
    "beneficiary": _lt("beneficiary"),
}


def normalize_text(text):
    """Page text compared without layout: compatibility characters folded (ligatures,
    non-breaking spaces), every white space and invisible format character (e.g. the
    zero-width space Odoo puts after a minus sign) removed."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    return WHITESPACE.sub("", text)


def _pdftotext(pdftotext, pdf):
    """The text of ``pdf`` read by Poppler's ``pdftotext``, or None when it failed."""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        return subprocess.run(
            [pdftotext, "-q", "-enc", "UTF-8", "-", "-"],
            input=pdf,
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout.decode()
    return None


class ChorusProDocument(models.AbstractModel):
    _name = "chorus.pro.document"
    _description = "Chorus Pro Legal Invoice Document"

    # ------------------------------------------------------------------
    # Values of the page (report l10n_fr_chorus_pro.report_chorus_invoice)
    # ------------------------------------------------------------------
    @api.model
    def _document_lang(self, move):
        """French for Chorus Pro recipients, unless the recipient is set to another
        installed language (e.g. English)."""
        lang = move.commercial_partner_id.lang
        installed = dict(self.env["res.lang"].get_installed())
        if lang and lang in installed:
            return lang
        return DEFAULT_LANG if DEFAULT_LANG in installed else self.env.lang

    @api.model
    def _format_siret(self, number):
        number = (number or "").replace(" ", "")
        if len(number) == 14 and number.isdigit():
            return siret.format(number)
        return number

    @api.model
    def _format_siren(self, number):
        number = (number or "").replace(" ", "")[:9]
        if len(number) == 9 and siren.is_valid(number):
            return " ".join((number[:3], number[3:6], number[6:]))
        return ""

    @api.model
    def _party(self, partner, registry):
        """Name, address lines and identifiers of a party, for the page."""
        street = ", ".join(part for part in (partner.street, partner.street2) if part)
        city = " ".join(part for part in (partner.zip, partner.city) if part)
        country = partner.country_id.name if partner.country_id.code != "FR" else ""
        return {
            "name": partner.name,
            "address": [line for line in (street, city, country) if line],
            "siret": self._format_siret(registry),
            "siren": self._format_siren(registry),
            "vat": partner.vat or "",
        }

    @api.model
    def _nature(self, move):
        """Nature of the operations (reform mention): goods, services or both."""
        kinds = set()
        for line in move.invoice_line_ids.filtered(lambda l: l.display_type == "product"):
            kind = line.product_id.type or "service"
            kinds.add("service" if kind == "service" else "goods")
        if kinds == {"goods"}:
            return "goods"
        return "mixed" if len(kinds) > 1 else "service"

    @api.model
    def _tax_on_debits(self, move):
        """The supplier opted for VAT on debits: a service line bears VAT due on the
        invoice. Never on an exempt invoice."""
        return any(
            tax.amount and tax.tax_exigibility == "on_invoice"
            for line in move.invoice_line_ids.filtered(
                lambda l: l.display_type == "product" and (l.product_id.type or "service") == "service"
            )
            for tax in line.tax_ids
        )

    @api.model
    def _line_rows(self, move, data):
        """Rows of the lines table in the invoice's order: sections, notes and product
        lines (with their EN 16931 values and beneficiaries)."""
        product_lines = iter(data["BG-25"])
        rows = []
        for line in move.invoice_line_ids:
            if line.display_type in ("line_section", "line_subsection", "line_note"):
                kind = "note" if line.display_type == "line_note" else "section"
                rows.append({"kind": kind, "text": line.name or ""})
            elif line.display_type == "product":
                values = next(product_lines)
                description = (line.name or "").strip()
                if description.split("\n")[0] == values["BT-153"]:
                    description = "\n".join(description.split("\n")[1:]).strip()
                rows.append(
                    {
                        "kind": "line",
                        "line": line,
                        "values": values,
                        "description": description,
                        "uom": line.product_uom_id.name or "",
                        "exempt": values["BT-151"] in EXEMPT_CATEGORIES,
                        "out_of_scope": values["BT-151"] == "O",
                        "beneficiaries": move.chorus_beneficiary_ids.filtered(
                            lambda b, line=line: b.move_line_id == line
                        ),
                    }
                )
        return rows

    @api.model
    def _legal_notes(self, data):
        """The legal mentions of the invoice, each once: tax exemption notes, recovery
        indemnity, late-payment interest, no discount; other exemption reasons (BT-120)
        not already given by a tax note."""
        notes = [note["BT-22"] for note in data["BG-1"] if note.get("BT-21") in LEGAL_NOTE_SUBJECTS]
        tax_text = " ".join(note["BT-22"] for note in data["BG-1"] if note.get("BT-21") == "TXD")
        for group in data["BG-23"]:
            reason = group.get("BT-120")
            if reason and reason not in tax_text and reason not in notes:
                notes.insert(0, reason)
        return notes

    @api.model
    def _payment_terms(self, move, data):
        """The payment terms printed with the due date: the invoice's payment terms, or
        without them, what the due date means (on receipt, within so many days)."""
        if data.get("BT-20"):
            return data["BT-20"]
        if not data.get("BT-9"):
            return ""
        days = (data["BT-9"] - data["BT-2"]).days
        if days <= 0:
            return self.env._("payment on receipt of the invoice")
        if days == 1:
            return self.env._("payment within 1 day of the issue date")
        return self.env._("payment within %(days)s days of the issue date", days=days)

    @api.model
    def _free_notes(self, data):
        return [note["BT-22"] for note in data["BG-1"] if not note.get("BT-21")]

    @api.model
    def _document_values(self, move):
        """Everything the page prints, from the invoice's EN 16931 data."""
        data = self.env["chorus.pro.facturx"]._facturx_data_dict(move)
        company = move.company_id
        buyer = move.commercial_partner_id
        shipping = move.partner_shipping_id
        bank = move.partner_bank_id
        values = {
            "data": data,
            "is_refund": move.move_type == "out_refund",
            "supplier": self._party(company.partner_id, company.company_registry),
            "buyer": self._party(buyer, buyer.company_registry),
            "billing": False,
            "delivery": False,
            "rows": self._line_rows(move, data),
            "show_discount": any(line.get("BT-148") for line in data["BG-25"]),
            "nature": self._nature(move),
            "tax_on_debits": self._tax_on_debits(move),
            "legal_notes": self._legal_notes(data),
            "free_notes": self._free_notes(data),
            "payment_terms": self._payment_terms(move, data),
            "iban": iban.format(data["BT-84"]) if data.get("BT-84") else "",
            "bank_name": bank.bank_id.name or "",
            "invoice_beneficiaries": move.chorus_beneficiary_ids.filtered(lambda b: not b.move_line_id),
        }
        if move.partner_id != buyer:
            billing = self._party(move.partner_id, False)["address"]
            if billing and billing != values["buyer"]["address"]:
                values["billing"] = billing
        if shipping and shipping != move.partner_id and shipping.commercial_partner_id == buyer:
            delivery = self._party(shipping, False)["address"]
            if delivery != values["buyer"]["address"]:
                values["delivery"] = delivery
        return values

    # ------------------------------------------------------------------
    # Rendering
    # ------------------------------------------------------------------
    @api.model
    def _render_pdfs(self, moves, chunk=RENDER_CHUNK):
        """The legal document PDF of each invoice, by move id, each read back and
        checked (:meth:`_check_documents`).

        Rendered by chunks: one wkhtmltopdf run per chunk. Odoo splits the result by
        record (with a patched-Qt wkhtmltopdf by outlines; with Debian's unpatched one
        the chunk is one document, split by page, see ``ir_actions_report.py``). A chunk
        Odoo cannot split (an invoice longer than one page) is halved until each part
        splits, so only long invoices are rendered alone."""
        report = self.env["ir.actions.report"].with_context(
            **FORCE_RENDERING, report_pdf_no_attachment=True, **{CHORUS_RENDERING: True}
        )
        pdfs = {}
        pending = [moves[start : start + chunk] for start in range(0, len(moves), chunk)]
        while pending:
            batch = pending.pop()
            if len(batch) == 1:
                pdfs[batch.id] = report._render_qweb_pdf(REPORT, batch.ids)[0]
                continue
            streams = report._render_qweb_pdf_prepare_streams(REPORT, {}, res_ids=batch.ids)
            if all(streams.get(move.id, {}).get("stream") for move in batch):
                pdfs.update({move.id: streams[move.id]["stream"].getvalue() for move in batch})
            else:
                half = len(batch) // 2
                pending += [batch[half:], batch[:half]]
        self._check_documents(moves, pdfs)
        return pdfs

    # ------------------------------------------------------------------
    # The last gate: the mentions read back from the page
    # ------------------------------------------------------------------
    @api.model
    def _page_text(self, pdf):
        """The text of every page. Poppler's pdftotext (Debian's poppler-utils) reads a
        page in about 10 ms where pypdf takes 50 ms: it is used when installed, pypdf
        otherwise."""
        return self._page_texts([pdf])[0]

    @api.model
    def _page_texts(self, pdfs):
        """The text of every page of each of ``pdfs`` (see :meth:`_page_text`), in order.
        Several pdftotext processes read side by side, as many as the rendering runs
        (``l10n_fr_chorus_pro.render_processes``, capped by the cores)."""
        pdftotext = shutil.which("pdftotext")
        texts = [None] * len(pdfs)
        if pdftotext:
            wanted = (
                self.env["ir.config_parameter"]
                .sudo()
                .get_param(PARAM_RENDER_PROCESSES, DEFAULT_RENDER_PROCESSES)
            )
            try:
                processes = max(min(int(wanted), os.cpu_count() or 1, len(pdfs)), 1)
            except ValueError:
                processes = 1
            # Threads wait for their process: no ORM in them.
            with ThreadPoolExecutor(max_workers=processes) as pool:
                texts = list(pool.map(functools.partial(_pdftotext, pdftotext), pdfs))
        for index, pdf in enumerate(pdfs):
            if texts[index] is None:
                reader = PdfReader(io.BytesIO(pdf))
                texts[index] = "\n".join(page.extract_text() or "" for page in reader.pages)
        return texts

    @api.model
    def _document_mentions(self, move):
        """(key, value) of each mandatory mention whose value must be read on the page."""
        lang_env = self.with_context(lang=self._document_lang(move)).env
        company = move.company_id
        supplier = company.partner_id
        buyer = move.commercial_partner_id
        data = self.env["chorus.pro.facturx"]._facturx_data_dict(move)
        currency = move.currency_id

        def amount(value):
            return formatLang(lang_env, value, currency_obj=currency)

        mentions = [
            ("supplier_name", company.name),
            ("supplier_address", supplier.street),
            ("supplier_address", supplier.zip),
            ("supplier_address", supplier.city),
            ("supplier_siret", company.company_registry),
            ("buyer_name", buyer.name),
            ("buyer_address", buyer.street),
            ("buyer_address", buyer.zip),
            ("buyer_address", buyer.city),
            ("buyer_siret", buyer.company_registry),
            ("number", move.name),
            ("date", format_date(lang_env, data["BT-2"])),
            ("service", data.get("BT-10")),
            ("engagement", data.get("BT-13")),
            ("market", data.get("BT-12")),
            ("total_untaxed", amount(data["BT-109"])),
            ("total_tax", amount(data["BT-110"])),
            ("total", amount(data["BT-112"])),
            ("amount_due", amount(data["BT-115"])),
        ]
        # The VAT number, or for a seller without one the VAT exemption mention.
        exemptions = [group["BT-120"] for group in data["BG-23"] if group.get("BT-120")]
        mentions.append(("supplier_vat", company.vat or (exemptions and exemptions[0])))
        if data.get("BT-9"):
            mentions.append(("due_date", format_date(lang_env, data["BT-9"])))
        for reference in data.get("BG-3", []):
            mentions.append(("origin", reference["BT-25"]))
        if data.get("BT-84"):
            mentions.append(("iban", data["BT-84"]))
        if data.get("BT-86"):
            mentions.append(("bic", data["BT-86"]))
        mentions += [("line", line["BT-153"]) for line in data["BG-25"]]
        mentions += [("note", text) for text in self._legal_notes(data)]
        mentions += [("beneficiary", name) for name in move.chorus_beneficiary_ids.mapped("name")]
        return [(key, value) for key, value in mentions if value or key == "supplier_vat"]

    @api.model
    def _missing_mentions(self, move, pdf, text=None):
        """Labels of the mandatory mentions not found in the text of the PDF (``text``:
        already read from it)."""
        text = normalize_text(self._page_text(pdf) if text is None else text)
        missing = []
        for key, value in self._document_mentions(move):
            if not value or normalize_text(str(value)) not in text:
                label = self.env._(str(MENTION_LABELS[key]))
                missing.append(f"{label} ({value})" if value else label)
        return missing

    @api.model
    def _check_documents(self, moves, pdfs):
        """Refuse documents whose page lacks a mandatory mention, listing them all."""
        problems = []
        texts = self._page_texts([pdfs[move.id] for move in moves])
        for move, text in zip(moves, texts, strict=True):
            missing = self._missing_mentions(move, pdfs[move.id], text=text)
            if missing:
                problems.append(
                    self.env._("%(move)s: %(missing)s", move=move.display_name, missing=", ".join(missing))
                )
        if problems:
            raise UserError(
                self.env._(
                    "The invoice document lacks mandatory mentions on its page, nothing was "
                    "sent. Check the invoice report customisations and the company and "
                    "customer details:\n%(problems)s",
                    problems="\n".join(f"• {problem}" for problem in problems),
                )
            )
