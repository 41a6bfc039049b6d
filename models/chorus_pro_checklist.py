# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Everything Chorus Pro and the recipient require of an invoice, checked at once.

:meth:`ChorusProChecklist._check` returns one item per rule, each with its state
and, when it fails, what to do and which field to fix, so that users see *every*
missing mention in one go (deposit wizard, posting).
"""

from stdnum import iban as stdnum_iban
from stdnum.fr import siret as stdnum_siret

from odoo import api, fields, models
from odoo.tools import format_date

from .chorus_pro_service import FACTURES_PUBLIQUES

INVOICE_NUMBER_MAX_LENGTH = 20


class ChorusProChecklist(models.AbstractModel):
    _name = "chorus.pro.checklist"
    _description = "Chorus Pro Mandatory Mentions Checklist"

    @api.model
    def _item(self, code, label, problems, field=None, record=None, infos=()):
        """One checklist line: ok when ``problems`` is empty. Its message holds one
        problem per line, the same problem repeated once with its count; an item without
        problem may carry ``infos`` instead (what will happen, nothing to fix)."""
        problems = self._count_repeats(problems)
        return {
            "code": code,
            "label": label,
            "ok": not problems,
            "message": "\n".join(problems or infos),
            "field": field,
            "record": record,
        }

    @api.model
    def _count_repeats(self, problems):
        """``problems`` in their order, each once; one given several times says how many."""
        counts = {}
        for problem in problems:
            counts[problem] = counts.get(problem, 0) + 1
        return [
            problem
            if count == 1
            else self.env._("%(problem)s (%(count)s times)", problem=problem, count=count)
            for problem, count in counts.items()
        ]

    @api.model
    def _item_text(self, label, message):
        """``label: message`` as one translatable sentence (French puts a non-breaking
        space before the colon); several problems go on their own lines under the label."""
        problems = (message or "").split("\n")
        if len(problems) > 1:
            message = "".join(f"\n   – {problem}" for problem in problems)
        return self.env._("%(label)s: %(message)s", label=label, message=message)

    @api.model
    def _problems_text(self, items):
        """The failed ``items`` (dicts or wizard lines with a label and a message), one
        bullet each, for an error message or the chatter."""
        return "\n".join(f"• {self._item_text(item['label'], item['message'])}" for item in items)

    @api.model
    def _check(self, move, with_facturx=True):
        """All checklist items of ``move`` (a customer invoice or credit note)."""
        move.ensure_one()
        items = [
            self._check_recipient(move),
            self._check_company(move),
            self._check_bank(move),
            self._check_routing(move),
            self._check_number_and_dates(move),
            self._check_service_date(move),
            self._check_amounts(move),
            self._check_market(move),
            self._check_beneficiaries(move),
            self._check_taxes(move),
            self._check_attachments(move),
        ]
        items += self.env["chorus.pro.order"]._checklist_items(move)
        items += self.env["chorus.pro.spe.session"]._checklist_items(move)
        items += self.env["chorus.pro.works.statement"]._checklist_items(move)
        if (
            move.chorus_status == "REJETEE"
            or move.reversed_entry_id.chorus_status == "REJETEE"
            or move._chorus_works_refused_document()
        ):
            items.insert(0, self._check_not_rejected(move))
        if move.chorus_channel == "platform":
            items.insert(0, self._check_channel(move))
        if with_facturx and all(item["ok"] for item in items):
            items.append(self._check_facturx(move))
        return items

    @api.model
    def _failed(self, move, with_facturx=True):
        return [item for item in self._check(move, with_facturx=with_facturx) if not item["ok"]]

    # ------------------------------------------------------------------
    @api.model
    def _check_not_rejected(self, move):
        """A rejected invoice is never deposited again (nor the credit note cancelling it)."""
        problems = []
        if move.chorus_status == "REJETEE":
            problems.append(
                self.env._(
                    "The recipient rejected %(move)s on Chorus Pro: it is never deposited again. Use "
                    "Correct and re-issue on the invoice: a credit note cancels it and a new invoice "
                    "is deposited.",
                    move=move.display_name,
                )
            )
        elif move.reversed_entry_id.chorus_status == "REJETEE":
            problems.append(
                self.env._(
                    "This credit note cancels %(invoice)s, rejected on Chorus Pro: it stays in your "
                    "books and is not deposited.",
                    invoice=move.reversed_entry_id.display_name,
                )
            )
        elif move._chorus_works_refused_document():
            problems.append(move._chorus_works_way_out())
        return self._item("rejected", self.env._("Not rejected on Chorus Pro"), problems)

    @api.model
    def _check_channel(self, move):
        """An invoice reaches Chorus Pro one way only: not deposited by this module when
        it goes (or went) through Odoo's approved platform."""
        problems = []
        if move.chorus_channel == "platform":
            if move._chorus_sent_by_platform():
                problems.append(
                    self.env._(
                        "%(move)s was sent through Odoo's approved platform, which delivers it to "
                        "Chorus Pro: it is never deposited directly as well.",
                        move=move.display_name,
                    )
                )
            else:
                problems.append(
                    self.env._(
                        "%(partner)s receives its invoices through Odoo's approved platform (its "
                        "Invoice sending): send this invoice with Send, or set the customer's Invoice "
                        "sending to 'by Chorus Pro' to deposit it directly.",
                        partner=move.commercial_partner_id.display_name,
                    )
                )
        return self._item(
            "channel",
            self.env._("One channel to Chorus Pro"),
            problems,
            field="partner_id",
            record=move.commercial_partner_id,
        )

    @api.model
    def _check_recipient(self, move):
        partner = move.commercial_partner_id
        problems = []
        if not partner.chorus_recipient:
            problems.append(
                self.env._(
                    "%(partner)s is not marked as a Chorus Pro recipient (customer form, Chorus Pro tab).",
                    partner=partner.display_name,
                )
            )
        elif not partner.company_registry:
            problems.append(self.env._("Enter the SIRET of %(partner)s.", partner=partner.display_name))
        elif not (partner.chorus_test_structure or stdnum_siret.is_valid(partner.company_registry)):
            problems.append(
                self.env._("The SIRET of %(partner)s is not valid.", partner=partner.display_name)
            )
        # First use of a recipient: its address comes from the Chorus Pro directory.
        unreadable = self.env["chorus.pro.connector"]._ensure_recipient_address(partner, move.company_id)
        missing = [
            label
            for value, label in (
                (partner.street, self.env._("street")),
                (partner.zip, self.env._("ZIP")),
                (partner.city, self.env._("city")),
            )
            if not value
        ]
        if partner.chorus_recipient and missing:
            problems.append(
                self.env._(
                    "Enter the address of %(partner)s (%(missing)s): the customer's address is a "
                    "mandatory mention of the invoice (use the invoicing address the public body "
                    "gave you).",
                    partner=partner.display_name,
                    missing=", ".join(missing),
                )
            )
            if unreadable:
                problems.append(
                    self.env._(
                        "The address could not be read from the Chorus Pro directory: %(reason)s "
                        "Check again once Chorus Pro can be reached, or enter the address.",
                        reason=unreadable,
                    )
                )
        return self._item(
            "recipient",
            self.env._("Public recipient and its SIRET"),
            problems,
            field="partner_id",
            record=partner,
        )

    @api.model
    def _check_company(self, move):
        company = move.company_id
        problems = []
        if not company.company_registry or not stdnum_siret.is_valid(company.company_registry):
            problems.append(
                self.env._(
                    "Your company %(company)s needs a valid SIRET (Company ID) in its settings.",
                    company=company.name,
                )
            )
        missing = [
            label
            for value, label in (
                (company.street, self.env._("street")),
                (company.zip, self.env._("ZIP")),
                (company.city, self.env._("city")),
                (company.country_id, self.env._("country")),
            )
            if not value
        ]
        if missing:
            problems.append(
                self.env._("Complete your company address: %(missing)s.", missing=", ".join(missing))
            )
        return self._item("company", self.env._("Your company: SIRET and address"), problems, record=company)

    @api.model
    def _check_bank(self, move):
        problems = []
        if move.move_type == "out_invoice":
            bank = move.partner_bank_id
            if not bank:
                problems.append(
                    self.env._("Choose the bank account (IBAN) the recipient must pay to (Other Info tab).")
                )
            elif not stdnum_iban.is_valid(bank.acc_number or ""):
                problems.append(
                    self.env._(
                        "The bank account %(account)s is not a valid IBAN: Chorus Pro only takes IBANs.",
                        account=bank.acc_number,
                    )
                )
            elif not bank.bank_bic:
                problems.append(
                    self.env._("Add the BIC of the bank of account %(account)s.", account=bank.acc_number)
                )
        return self._item("bank", self.env._("Bank details (IBAN, BIC)"), problems, field="partner_bank_id")

    @api.model
    def _check_routing(self, move):
        partner = move.commercial_partner_id
        service = move.chorus_service_id
        code = (move.buyer_reference or "").strip()
        ej = (move.purchase_order_reference or "").strip()
        rule = partner.chorus_routing_rule
        problems = []
        if code.upper() == FACTURES_PUBLIQUES:
            problems.append(
                self.env._(
                    "The service FACTURES_PUBLIQUES only takes invoices between public bodies: "
                    "choose the service that ordered the work."
                )
            )
        if rule in ("service", "service_and_engagement") and not code:
            problems.append(
                self.env._(
                    "%(partner)s requires a service code: choose the Chorus service.",
                    partner=partner.display_name,
                )
            )
        if code and not service and partner.chorus_service_ids:
            problems.append(
                self.env._(
                    "Service code %(code)s is not a service of %(partner)s in the Chorus Pro directory.",
                    code=code,
                    partner=partner.display_name,
                )
            )
        if service and not service._is_valid_on(self._invoice_day(move)):
            problems.append(
                self.env._(
                    "Service %(service)s is closed or not valid on the invoice date.",
                    service=service.display_name,
                )
            )
        if service and not ej and not partner._chorus_engagement_required():
            # Whether the service requires an EJ is read from Chorus Pro when unknown
            # or old; never guessed when Chorus Pro cannot be reached.
            unknown = self.env["chorus.pro.connector"]._ensure_service_details(service, move.company_id)
            if unknown:
                problems.append(
                    self.env._(
                        "Chorus Pro could not be reached to read whether service %(service)s "
                        "requires an engagement number (EJ): %(error)s Try again later, or "
                        "enter the engagement number.",
                        service=service.display_name,
                        error=unknown,
                    )
                )
        if partner._chorus_engagement_required(service) and not ej:
            problems.append(
                self.env._(
                    "An engagement number (EJ) is mandatory for %(target)s: enter the number of "
                    "the purchase order or 'prise en charge' the recipient gave you.",
                    target=service.display_name if service.engagement_required else partner.display_name,
                )
            )
        if rule == "service_or_engagement" and not code and not ej:
            problems.append(
                self.env._(
                    "%(partner)s requires a service code or an engagement number (EJ).",
                    partner=partner.display_name,
                )
            )
        return self._item(
            "routing",
            self.env._("Service code and engagement number (EJ)"),
            problems,
            field="chorus_service_id",
        )

    @api.model
    def _check_number_and_dates(self, move):
        problems = []
        if move.name and move.name != "/" and len(move.name) > INVOICE_NUMBER_MAX_LENGTH:
            problems.append(
                self.env._(
                    "Invoice number %(name)s has %(length)s characters; Chorus Pro accepts %(max)s "
                    "at most: shorten the journal's sequence prefix.",
                    name=move.name,
                    length=len(move.name),
                    max=INVOICE_NUMBER_MAX_LENGTH,
                )
            )
        if move.name and move.name != "/":
            duplicate = self.env["account.move"].search_count(
                [
                    ("company_id", "=", move.company_id.id),
                    ("name", "=", move.name),
                    ("move_type", "in", ("out_invoice", "out_refund")),
                    ("id", "!=", move.id),
                ]
            )
            if duplicate:
                problems.append(self.env._("Invoice number %(name)s is used twice.", name=move.name))
        infos = []
        if not move.invoice_date:
            if move.state == "draft":
                # Odoo dates a customer invoice the day it is posted.
                infos.append(
                    self.env._(
                        "No invoice date yet: the invoice will be dated %(date)s, the day it is posted.",
                        date=format_date(self.env, self._invoice_day(move)),
                    )
                )
            else:
                problems.append(self.env._("Set the invoice date."))
        if move.move_type == "out_invoice" and not (move.invoice_date_due or move.invoice_payment_term_id):
            problems.append(self.env._("Set a due date or payment terms."))
        return self._item(
            "number", self.env._("Invoice number and dates"), problems, field="invoice_date", infos=infos
        )

    @api.model
    def _invoice_day(self, move):
        """The invoice date, or for a draft without one the date posting will give it."""
        if not move.invoice_date and move.state == "draft":
            return fields.Date.context_today(self)
        return move.invoice_date

    @api.model
    def _check_service_date(self, move):
        """The date of the service is a mandatory mention when it is not the invoice
        date. The beneficiaries' periods (lines of a care decision included) give it;
        otherwise the user enters it (Delivery Date): services without it are printed as
        performed on the invoice date, which the user is told rather than left to guess
        (a month of sessions invoiced the month after must give its date)."""
        infos = []
        lines = move.invoice_line_ids.filtered(lambda l: l.display_type == "product")
        services = any((line.product_id.type or "service") == "service" for line in lines)
        if services and not move.delivery_date and not move.chorus_beneficiary_ids:
            infos.append(
                self.env._(
                    "No date of service: the invoice date (%(date)s) is printed as the date of the "
                    "service. If the service was performed before (e.g. last month's sessions), "
                    "enter the date it was completed as the Date of the service before posting.",
                    date=format_date(self.env, self._invoice_day(move)),
                )
            )
        return self._item(
            "service_date", self.env._("Date of the service"), [], field="delivery_date", infos=infos
        )

    @api.model
    def _check_amounts(self, move):
        currency = move.currency_id
        problems = []
        if currency.compare_amounts(move.amount_untaxed + move.amount_tax, move.amount_total):
            problems.append(self.env._("Untaxed amount plus taxes does not equal the total."))
        if currency.compare_amounts(move.amount_total, 0) < 0 or (
            currency.is_zero(move.amount_total) and not move._chorus_works_zero_allowed()
        ):
            problems.append(
                self.env._("The total must be positive (use a credit note for a negative amount).")
            )
        if not move.invoice_line_ids.filtered(lambda l: l.display_type == "product"):
            problems.append(self.env._("Add at least one invoice line."))
        return self._item("amounts", self.env._("Amounts (untaxed, VAT, total)"), problems)

    @api.model
    def _lines_problems(self, lines, one, several):
        """The same problem of invoice ``lines`` said once: ``one(name)`` for one line,
        ``several(count, quoted names)`` for more."""
        names = [(line.name or line.product_id.display_name or "?").split("\n")[0] for line in lines]
        if len(names) == 1:
            return [one(names[0])]
        return [several(len(names), ", ".join(f"'{name}'" for name in names))] if names else []

    @api.model
    def _check_market(self, move):
        problems = []
        if move.contract_reference:
            incomplete = move.invoice_line_ids.filtered(
                lambda l: (
                    l.display_type == "product"
                    and (
                        not l.quantity
                        or not (l.price_unit or move._chorus_works_zero_allowed())
                        or not (l.name or l.product_id)
                    )
                )
            )
            problems += self._lines_problems(
                incomplete,
                lambda line: self.env._(
                    "Public market invoice: line '%(line)s' needs a quantity, a unit price "
                    "and a description (following the BPU/DPGF).",
                    line=line,
                ),
                lambda count, lines: self.env._(
                    "Public market invoice: %(count)s lines need a quantity, a unit price and a "
                    "description (following the BPU/DPGF): %(lines)s.",
                    count=count,
                    lines=lines,
                ),
            )
        return self._item("market", self.env._("Public market: detailed lines"), problems)

    @api.model
    def _check_beneficiaries(self, move):
        problems = []
        if move.chorus_service_id.beneficiary_required:
            if not move.chorus_beneficiary_ids:
                problems.append(
                    self.env._(
                        "Service %(service)s requires the names of the children or young people "
                        "concerned and the dates of the service: fill the beneficiaries.",
                        service=move.chorus_service_id.display_name,
                    )
                )
        return self._item(
            "beneficiaries",
            self.env._("Beneficiaries and service dates"),
            problems,
            field="chorus_beneficiary_ids",
        )

    @api.model
    def _check_taxes(self, move):
        problems = []
        engine = self.env["chorus.pro.facturx"]
        lines = move.invoice_line_ids.filtered(lambda l: l.display_type == "product")
        untaxed = lines.filtered(lambda l: not l.tax_ids)
        problems += self._lines_problems(
            untaxed,
            lambda line: self.env._(
                "Line '%(line)s' has no tax: set its VAT, or an exempt tax with the exemption reason.",
                line=line,
            ),
            lambda count, lines: self.env._(
                "%(count)s lines have no tax: %(lines)s. Set their VAT, or an exempt tax with "
                "the exemption reason.",
                count=count,
                lines=lines,
            ),
        )
        for tax in (lines - untaxed).mapped(lambda l: l.tax_ids[:1]):
            category, code, _text = engine._facturx_tax_category(tax)
            if category not in ("S", "L", "M") and not (code or tax.invoice_legal_notes):
                problems.append(
                    self.env._(
                        "Tax %(tax)s is an exemption: give its exemption reason code and the "
                        "mention to print (e.g. 'TVA non applicable, art. 261-4-1° du CGI') in the "
                        "tax settings.",
                        tax=tax.name,
                    )
                )
        if not move.company_id.vat and any(line.tax_ids[:1].amount for line in move.invoice_line_ids):
            problems.append(
                self.env._("Your company charges VAT but has no VAT number: add it in the company settings.")
            )
        return self._item("taxes", self.env._("VAT or exemption mention"), problems)

    @api.model
    def _check_attachments(self, move):
        return self._item(
            "attachments",
            self.env._("Supporting documents within Chorus Pro limits"),
            move._chorus_attachment_problems(),
            field="chorus_attachment_ids",
        )

    @api.model
    def _check_facturx(self, move):
        engine = self.env["chorus.pro.facturx"]
        xml = engine._facturx_generate_xml(move)
        report = engine._facturx_validate_xml(xml, fr_ctc=move.company_id.chorus_facturx_fr_ctc)
        return self._item(
            "facturx",
            self.env._("Factur-X (XSD and EN 16931 rules)"),
            engine._facturx_report_messages(report),
        )
