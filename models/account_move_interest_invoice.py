# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The interest invoice of late invoices (docs/payment-delay.md): a customer invoice to the
same public body and Chorus Pro service with, for each late invoice, a line of moratorium
interest and a line of the 40 € recovery indemnity, both outside the scope of VAT (sums that
repair a loss, not the price of a supply: art. 256 of the CGI, BOI-TVA-BASE-10-10-50, CJEC
C-222/81 BAZ Bausystem), and the claim letter attached as its Chorus Pro supporting document.
It is deposited through the usual paths (deposit wizard, Send): the deposit pipeline embeds
the letter. Never two interest invoices for the same late invoice (unless the first one was
cancelled)."""

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.misc import format_amount, format_date

# The chart of accounts of the French template (l10n_fr_account): 7631 "Revenus des
# créances commerciales" for the interest, 758 "Indemnités et autres produits" for the
# indemnity; else the journal's income account.
INTEREST_ACCOUNT = "pcg_7631"
INDEMNITY_ACCOUNT = "pcg_758"
# The tax of the lines: 0 %, "not subject to VAT" (EN 16931 category O, VATEX-EU-O).
OUT_OF_SCOPE_CATEGORY = "O"
OUT_OF_SCOPE_REASON = "VATEX-EU-O"
# Chorus Pro accepts supporting documents named with at most 50 characters.
CLAIM_ATTACHMENT_PREFIX = "Reclamation interets "


class AccountMove(models.Model):
    _inherit = "account.move"

    chorus_interest_can_invoice = fields.Boolean(compute="_compute_chorus_interest_can_invoice")

    @api.depends(
        "chorus_delay_late",
        "chorus_delay_paid_date",
        "chorus_interest_settled",
        "chorus_interest_move_id.state",
    )
    def _compute_chorus_interest_can_invoice(self):
        for move in self:
            move.chorus_interest_can_invoice = (
                move.chorus_delay_late
                and bool(move.chorus_delay_paid_date)
                and not move.chorus_interest_settled
                and (not move.chorus_interest_move_id or move.chorus_interest_move_id.state == "cancel")
            )

    def _chorus_interest_check(self):
        """The late invoices an interest invoice can claim for, together: else a clear error."""
        if not self:
            raise UserError(self.env._("Select the late invoices whose interest you claim."))
        problems = []
        for move in self:
            if not move.chorus_delay_late:
                problems.append(
                    self.env._("%(move)s was not paid late: no interest is owed.", move=move.display_name)
                )
            elif not move.chorus_delay_paid_date:
                problems.append(
                    self.env._(
                        "%(move)s is not paid yet: its interest runs until the payment of the principal "
                        "and is claimed once it is paid.",
                        move=move.display_name,
                    )
                )
            elif move.chorus_interest_move_id and move.chorus_interest_move_id.state != "cancel":
                problems.append(
                    self.env._(
                        "The interest of %(move)s is already invoiced: %(interest)s.",
                        move=move.display_name,
                        interest=move.chorus_interest_move_id.display_name,
                    )
                )
            elif move.chorus_interest_settled:
                problems.append(
                    self.env._("The interest of %(move)s was already received.", move=move.display_name)
                )
            elif move.chorus_delay_interest <= 0:
                problems.append(
                    self.env._(
                        "The interest of %(move)s is not computed (no ECB rate known for its "
                        "half-year): enter the rate in Invoicing > Configuration > Chorus Pro > ECB Rates.",
                        move=move.display_name,
                    )
                )
        if len(self.company_id) > 1 or len(self.commercial_partner_id) > 1 or len(self.chorus_service_id) > 1:
            problems.append(
                self.env._(
                    "One interest invoice claims for late invoices of one company, one public body and "
                    "one Chorus Pro service: select them by recipient and service."
                )
            )
        partner = self.commercial_partner_id[:1]
        if (
            len(set(self.mapped("purchase_order_reference"))) > 1
            and partner
            and partner._chorus_engagement_required(self.chorus_service_id[:1])
        ):
            problems.append(
                self.env._(
                    "%(partner)s requires an engagement number and these invoices have different "
                    "ones: create one interest invoice per engagement number.",
                    partner=partner.display_name,
                )
            )
        if problems:
            raise UserError("\n".join(problems))

    def action_chorus_interest_invoice(self):
        """Create the interest invoice of these late invoices (one public body, one service)
        in draft, with the claim letter attached, and open it: checked and deposited as any
        invoice (Deposit to Chorus Pro, Send)."""
        self._chorus_interest_lock()
        self._chorus_interest_check()
        first = self.sorted("id")[0]
        # the document goes to a French public body: its texts in French
        lang = "fr_FR" if self.env["res.lang"]._lang_get("fr_FR") else self.env.lang
        env = self.with_context(lang=lang).env
        tax = self._chorus_interest_tax(first.company_id)
        lines = []
        for move in self.sorted("id"):
            lines += move.with_env(env)._chorus_interest_line_values(tax)
        references = set(self.mapped("purchase_order_reference"))
        markets = set(self.mapped("contract_reference"))
        interest = (
            self.env["account.move"]
            .with_company(first.company_id)
            .create(
                {
                    "move_type": "out_invoice",
                    "company_id": first.company_id.id,
                    "journal_id": first.journal_id.id,
                    "partner_id": first.partner_id.id,
                    "chorus_service_id": first.chorus_service_id.id,
                    "purchase_order_reference": references.pop() if len(references) == 1 else False,
                    "contract_reference": markets.pop() if len(markets) == 1 else False,
                    "partner_bank_id": first.partner_bank_id.id,
                    "invoice_date": fields.Date.context_today(self),
                    "currency_id": first.company_currency_id.id,
                    "ref": env._("Late-payment interest: %(names)s", names=", ".join(self.mapped("name"))),
                    "invoice_line_ids": lines,
                    "chorus_beneficiary_ids": [
                        Command.create(
                            {
                                "name": beneficiary.name,
                                "date_start": beneficiary.date_start,
                                "date_end": beneficiary.date_end,
                            }
                        )
                        for beneficiary in self.chorus_beneficiary_ids
                    ],
                }
            )
        )
        for move in self:
            move.write(
                {
                    "chorus_interest_move_id": interest.id,
                    "chorus_interest_claimed": move.chorus_delay_interest + move.chorus_delay_indemnity,
                }
            )
        interest.chorus_attachment_ids = [Command.set(self._chorus_interest_letter(interest).ids)]
        interest.message_post(
            body=self.env._(
                "Interest invoice of %(names)s, with the claim letter attached for Chorus Pro.",
                names=", ".join(self.mapped("display_name")),
            )
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": interest.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def _chorus_interest_lock(self):
        """Two clicks at the same time never make two interest invoices: the late invoices
        are locked until the end of the transaction (the second one waits, then sees the
        first one's interest invoice)."""
        if self.ids:
            self.env.cr.execute(
                SQL("SELECT id FROM account_move WHERE id IN %s ORDER BY id FOR UPDATE", tuple(self.ids))
            )
            self.invalidate_recordset(["chorus_interest_move_id"])

    def _chorus_interest_line_values(self, tax):
        """The two lines of this late invoice: its interest and its indemnity."""
        self.ensure_one()
        company = self.company_id
        journal_account = self.journal_id.default_account_id
        chart = self.env["account.chart.template"].with_company(company)
        interest_account = chart.ref(INTEREST_ACCOUNT, raise_if_not_found=False) or journal_account
        indemnity_account = chart.ref(INDEMNITY_ACCOUNT, raise_if_not_found=False) or journal_account
        lang = self.env.lang

        def day(value):
            return format_date(self.env, value, lang_code=lang)

        def money(value):
            return format_amount(self.env, value, self.company_currency_id, lang_code=lang)

        lines = []
        if not self.company_currency_id.is_zero(self.chorus_delay_interest):
            lines.append(
                Command.create(
                    {
                        "name": self.env._(
                            "Moratorium interest of invoice %(name)s of %(date)s (%(principal)s): paid on "
                            "%(paid)s, %(days)s days late, at %(rate)s %% (art. R2192-31 of the Code de la "
                            "commande publique)",
                            name=self.name,
                            date=day(self.invoice_date),
                            principal=money(abs(self.amount_total_signed)),
                            paid=day(self.chorus_delay_paid_date),
                            days=self.chorus_delay_days_late,
                            rate=f"{self.chorus_delay_rate:.2f}".replace(".", ","),
                        ),
                        "quantity": 1,
                        "price_unit": self.chorus_delay_interest,
                        "account_id": interest_account.id,
                        "tax_ids": [Command.set(tax.ids)],
                    }
                )
            )
        lines.append(
            Command.create(
                {
                    "name": self.env._(
                        "Flat recovery indemnity of invoice %(name)s (art. D2192-35 of the Code de la "
                        "commande publique)",
                        name=self.name,
                    ),
                    "quantity": 1,
                    "price_unit": self.chorus_delay_indemnity,
                    "account_id": indemnity_account.id,
                    "tax_ids": [Command.set(tax.ids)],
                }
            )
        )
        return lines

    @api.model
    def _chorus_interest_tax(self, company):
        """The company's 0 % sales tax "not subject to VAT" (category O), created once."""
        taxes = self.env["account.tax"].sudo().with_context(active_test=True)
        domain = [
            ("company_id", "=", company.id),
            ("type_tax_use", "=", "sale"),
            ("amount_type", "=", "percent"),
            ("amount", "=", 0.0),
            ("ubl_cii_tax_category_code", "=", OUT_OF_SCOPE_CATEGORY),
        ]
        tax = taxes.search(domain, limit=1)
        if not tax:
            tax = taxes.create(
                {
                    "name": "Hors champ TVA (intérêts moratoires)",
                    "description": "Hors champ",
                    "company_id": company.id,
                    "country_id": (company.account_fiscal_country_id or company.country_id).id,
                    "type_tax_use": "sale",
                    "amount_type": "percent",
                    "amount": 0.0,
                    "ubl_cii_tax_category_code": OUT_OF_SCOPE_CATEGORY,
                    "ubl_cii_tax_exemption_reason_code": OUT_OF_SCOPE_REASON,
                    "invoice_legal_notes": "Hors champ d'application de la TVA : intérêts moratoires et "
                    "indemnité forfaitaire pour frais de recouvrement (art. 256 du CGI, "
                    "BOI-TVA-BASE-10-10-50).",
                }
            )
        return tax.sudo(False)

    def _chorus_interest_letter(self, interest):
        """The claim letter of these late invoices (French PDF, the module's report), as the
        interest invoice's supporting document."""
        report = self.env.ref("l10n_fr_chorus_pro.action_report_chorus_late_interest_claim")
        lang = "fr_FR" if self.env["res.lang"]._lang_get("fr_FR") else self.env.lang
        # a real PDF, always: it goes to Chorus Pro
        pdf, _format = report.with_context(lang=lang, force_report_rendering=True)._render_qweb_pdf(
            report.report_name, self.sorted("id").ids
        )
        names = self.sorted("id").mapped("name")
        suffix = names[0] if len(names) == 1 else f"{names[0]} et {len(names) - 1} autres"
        name = (CLAIM_ATTACHMENT_PREFIX + suffix.replace("/", "-"))[:46] + ".pdf"
        return self.env["ir.attachment"].create(
            {
                "name": name,
                "raw": pdf,
                "mimetype": "application/pdf",
                "res_model": "account.move",
                "res_id": interest.id,
            }
        )
