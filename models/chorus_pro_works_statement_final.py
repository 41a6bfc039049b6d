# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The end of a works contract (docs/works.md, "Final statement and general statement
(DGD)"): the final statement's recap (état du solde), the general statement signed (A8)
or the tacit procedure (A22, A23), their checks and their booking (fields and methods
only, no override)."""

import base64

from odoo import Command, api, fields, models
from odoo.tools.misc import format_amount, format_date

from ..lib import works_statement as ws


class ChorusProWorksStatement(models.Model):
    _inherit = "chorus.pro.works.statement"

    general_notification_date = fields.Date(
        string="General Statement Notified On",
        help="Date the contracting authority notified its general statement (décompte général).",
    )
    general_amount = fields.Monetary(
        string="Amount of the General Statement",
        help="Total of the general statement excluding VAT: as notified by the contracting "
        "authority (signed general statement), or the final statement's cumulative (the "
        "holder's draft and the tacit general statement). Price revisions and penalties included.",
    )
    general_reserves = fields.Boolean(
        string="Signed with Reserves",
        help="The holder signed the general statement with reserves (its objections, stated below).",
    )
    general_reserves_text = fields.Text(string="Reserves")
    signed_document = fields.Binary(
        string="Signed General Statement",
        attachment=True,
        copy=False,
        help="The scan of the general statement signed by the company (PDF): the document "
        "Chorus Pro receives in the frame A8.",
    )
    signed_document_name = fields.Char(copy=False)
    amount_invoiced_before = fields.Monetary(
        string="Already Invoiced",
        readonly=True,
        help="Works and extras invoiced by the previous statements of the contract, excluding VAT.",
    )
    advance_repaid_before = fields.Monetary(string="Advance Already Repaid", readonly=True)
    retention_before = fields.Monetary(string="Retention Already Withheld", readonly=True)
    date_submitted = fields.Datetime(string="Submitted On", readonly=True, copy=False)
    general_deadline = fields.Date(
        string="Contracting Authority Has Until",
        compute="_compute_general_deadline",
        help="Final statement: the last day for the contracting authority to notify the general "
        "statement (then the tacit procedure may start, A22). General statement draft (A22): the "
        "last day for it to answer (then the tacit general statement, A23). From the contract's delays.",
    )

    @api.depends(
        "kind", "state", "date_submitted", "contract_id.general_notice_days", "contract_id.tacit_days"
    )
    def _compute_general_deadline(self):
        for statement in self:
            days = {
                ws.FINAL: statement.contract_id.general_notice_days,
                ws.TACIT_DRAFT: statement.contract_id.tacit_days,
            }
            statement.general_deadline = (
                ws.deadline(statement._works_submitted_on(), days[statement.kind])
                if statement.kind in days and statement.state == "submitted"
                else False
            )

    def _works_submitted_on(self):
        """When the statement was submitted: its submission time, or its deposit's (a
        statement submitted before the time was kept)."""
        self.ensure_one()
        return self.date_submitted or self.move_id.chorus_flow_id.date or None

    # ------------------------------------------------------------------ helpers
    def _works_is_general(self):
        return self.kind in ws.GENERAL_KINDS

    def _works_contract_statement(self, kind):
        """The contract's statement of ``kind`` (a final or general one: made once)."""
        self.ensure_one()
        return self.contract_id.statement_ids.filtered(
            lambda s: s.kind == kind and s._origin != self._origin and s.state != "replaced"
        )[:1]

    def _works_invoiced_earlier(self):
        """The earlier statements of the contract booked by an invoice not cancelled (a
        refused statement replaced by a new one is not: its invoice and the credit note that
        cancels it are both left out)."""
        return self._works_earlier().filtered(
            lambda s: s.state != "draft" and s.move_id and s.move_id.state != "cancel"
        )

    def _works_general_values(self):
        """What a general statement takes from the earlier ones (written on refresh and
        confirmation): what they invoiced, the advance they repaid, the retention they
        withheld; the holder's draft and the tacit statement take the final statement's
        cumulative as their amount."""
        self.ensure_one()
        if not self._works_is_general():
            return {}
        earlier = self._works_invoiced_earlier()
        values = {
            "amount_invoiced_before": sum(earlier.mapped("amount_month")),
            "advance_repaid_before": sum(earlier.mapped("advance_month")),
            "retention_before": sum(earlier.mapped("retention_month")),
        }
        if self.kind in (ws.TACIT_DRAFT, ws.TACIT):
            final = self._works_contract_statement(ws.FINAL)
            values["general_amount"] = final.amount_cumulative if final else 0.0
        return values

    def _works_general_result(self):
        self.ensure_one()
        contract = self.contract_id
        return ws.general_balance(
            ws.dec(self.general_amount),
            ws.dec(self.amount_invoiced_before),
            ws.dec(contract.amount_total),
            advance=ws.dec(contract.advance_amount),
            advance_repaid=ws.dec(self.advance_repaid_before),
            retention_rate=ws.dec(contract.retention_rate),
            bank_guarantee=contract.bank_guarantee,
            retention_withheld=ws.dec(self.retention_before),
        )

    def _works_compute_general_amounts(self):
        """The amounts of a general statement (called by ``_compute_amounts``): its
        difference with what was invoiced is the amount of the month."""
        self.ensure_one()
        result = self._works_general_result()
        untaxed = result.difference - result.advance_left
        tax = self._works_tax(untaxed)
        self.update(
            {
                "amount_works_previous": float(result.invoiced),
                "amount_works_cumulative": float(result.amount),
                "amount_works_month": float(result.difference),
                "amount_previous": float(result.invoiced),
                "amount_cumulative": float(result.amount),
                "amount_month": float(result.difference),
                "retention_month": float(result.retention_month),
                "advance_month": float(result.advance_left),
                "amount_untaxed": float(untaxed),
                "amount_tax": float(tax),
                "amount_total": float(untaxed + tax),
                "amount_to_pay": float(untaxed + tax - result.retention_month),
            }
        )

    # ------------------------------------------------------------------ checks
    def _works_end_problems(self):
        """Readable problems of the end of the contract (a list of strings): a final
        statement after monthly statements not submitted yet; a general statement before the
        final one is submitted, without its notification, or after the tacit one; the tacit
        procedure before its delays."""
        self.ensure_one()
        if self.kind == ws.FINAL:
            pending = self.contract_id.statement_ids.filtered(
                lambda s: s.kind == ws.MONTHLY and s.state not in ("submitted", "replaced")
            )
            if pending:
                return [
                    self.env._(
                        "The monthly statements %(statements)s are not submitted to Chorus Pro: submit "
                        "them first, or reset them to draft and delete them (the final statement then "
                        "covers their months).",
                        statements=", ".join(pending.mapped("display_name")),
                    )
                ]
            return []
        if not self._works_is_general():
            return []
        problems = []
        contract = self.contract_id
        final = self._works_contract_statement(ws.FINAL)
        general = self._works_contract_statement(ws.GENERAL)
        tacit_draft = self._works_contract_statement(ws.TACIT_DRAFT)
        tacit = self._works_contract_statement(ws.TACIT)
        today = fields.Date.context_today(self)
        if final.state != "submitted":
            problems.append(
                self.env._(
                    "Submit the final statement of %(contract)s to Chorus Pro first: the general "
                    "statement comes after it.",
                    contract=contract.display_name,
                )
            )
        if self.kind == ws.GENERAL:
            if not self.general_notification_date:
                problems.append(
                    self.env._("Give the date the contracting authority notified the general statement.")
                )
            if self.currency_id.compare_amounts(self.general_amount, 0) <= 0:
                problems.append(
                    self.env._("Give the amount of the general statement notified, excluding VAT.")
                )
            if self.general_reserves and not (self.general_reserves_text or "").strip():
                problems.append(self.env._("State the reserves the general statement is signed with."))
            if tacit:
                problems.append(
                    self.env._(
                        "%(contract)s already has its tacit general statement (%(tacit)s): it is the "
                        "general and final statement.",
                        contract=contract.display_name,
                        tacit=tacit.name,
                    )
                )
            return problems
        if general:
            problems.append(
                self.env._(
                    "The contracting authority notified its general statement (%(general)s): there "
                    "is no tacit procedure.",
                    general=general.display_name,
                )
            )
        if self.kind == ws.TACIT_DRAFT and final.state == "submitted":
            days = contract.general_notice_days
            if not ws.delay_passed(final._works_submitted_on(), days, today):
                problems.append(
                    self.env._(
                        "The contracting authority has until %(date)s to notify the general statement "
                        "(%(days)s days after the final statement was submitted): the tacit procedure "
                        "starts after that date.",
                        date=format_date(self.env, final.general_deadline),
                        days=days,
                    )
                )
        if self.kind == ws.TACIT:
            if tacit_draft.state != "submitted":
                problems.append(
                    self.env._(
                        "Submit the general statement draft of the tacit procedure (A22) first: the "
                        "tacit general statement comes after it."
                    )
                )
            elif not ws.delay_passed(tacit_draft._works_submitted_on(), contract.tacit_days, today):
                problems.append(
                    self.env._(
                        "The contracting authority has until %(date)s to answer the general statement "
                        "draft %(draft)s (%(days)s days): the general statement becomes tacit after that "
                        "date.",
                        date=format_date(self.env, tacit_draft.general_deadline),
                        draft=tacit_draft.name,
                        days=contract.tacit_days,
                    )
                )
        return problems

    def _works_signed_problems(self):
        """The signed general statement (A8) is submitted with the scan of the document the
        company signed, a PDF."""
        self.ensure_one()
        if self.kind != ws.GENERAL:
            return []
        if not self.signed_document:
            return [
                self.env._(
                    "Attach the general statement signed by the company (the scan, a PDF) to "
                    "%(statement)s: it is the document Chorus Pro receives.",
                    statement=self.display_name,
                )
            ]
        if not self._works_signed_pdf().startswith(b"%PDF"):
            return [
                self.env._(
                    "The signed general statement of %(statement)s is not a PDF.", statement=self.display_name
                )
            ]
        return []

    def _works_signed_pdf(self):
        self.ensure_one()
        return base64.b64decode(self.signed_document or b"")

    # ------------------------------------------------------------------ booking
    def _works_general_invoice_values(self):
        """The invoice of the difference between the general statement and what the
        statements invoiced (a credit note when lower), with the advance still to repay; a
        zero invoice when there is no difference: it carries the general statement to
        Chorus Pro, never beside the deposit pipeline."""
        self.ensure_one()
        contract = self.contract_id
        result = self._works_general_result()
        refund = self.currency_id.compare_amounts(self.amount_total, 0) < 0
        sign = -1 if refund else 1
        tax = [Command.set(contract.tax_id.ids)]
        labels = {
            ws.GENERAL: self.env._("General and final statement %(statement)s", statement=self.name),
            ws.TACIT_DRAFT: self.env._(
                "General statement draft, tacit procedure %(statement)s", statement=self.name
            ),
            ws.TACIT: self.env._("Tacit general and final statement %(statement)s", statement=self.name),
        }
        label = self.env._(
            "%(document)s - market %(market)s: %(amount)s, invoiced %(invoiced)s",
            document=labels[self.kind],
            market=contract.display_name,
            amount=format_amount(self.env, self.general_amount, self.currency_id),
            invoiced=format_amount(self.env, self.amount_invoiced_before, self.currency_id),
        )
        lines = [
            Command.create(
                {"name": label, "quantity": 1, "price_unit": sign * float(result.difference), "tax_ids": tax}
            )
        ]
        if result.advance_left:
            lines.append(
                self._works_advance_line(
                    self.env._("Advance repayment (balance)"), -sign * result.advance_left
                )
            )
        return self._works_move_values("out_refund" if refund else "out_invoice", lines)

    # ------------------------------------------------------------------ document
    def _works_end_report_values(self, money, lang):
        """What the French document prints of the end of the contract: the final
        statement's état du solde, the general statement's balance."""
        self.ensure_one()
        if self.kind == ws.FINAL:
            result = self._works_compute()
            monthly = self._works_earlier().filtered(lambda s: s.kind == ws.MONTHLY)
            advance_repaid = sum(monthly.mapped("advance_month")) + float(result.advance_month)
            balance = ws.final_balance(
                result.total_cumulative,
                [ws.dec(amount) for amount in monthly.mapped("amount_month")],
                ws.dec(self.contract_id.advance_amount),
                ws.dec(advance_repaid),
                result.retention_cumulative,
            )
            return {
                "balance": balance,
                "claims": [
                    (
                        statement.name,
                        format_date(self.env, statement.period, date_format="MMMM y", lang_code=lang),
                        statement.amount_month,
                    )
                    for statement in monthly
                ],
            }
        if self._works_is_general():

            def submitted(statement):
                submitted_on = statement._works_submitted_on() if statement else None
                return (
                    statement.name,
                    format_date(self.env, submitted_on, lang_code=lang) if submitted_on else "",
                )

            return {
                "final_ref": submitted(self._works_contract_statement(ws.FINAL)),
                "draft_ref": submitted(self._works_contract_statement(ws.TACIT_DRAFT)),
                "general": self._works_general_result(),
                "claims": [
                    (
                        statement.name,
                        format_date(self.env, statement.period, date_format="MMMM y", lang_code=lang),
                        statement.amount_month,
                    )
                    for statement in self._works_invoiced_earlier()
                ],
                "general_notified": format_date(self.env, self.general_notification_date, lang_code=lang)
                if self.general_notification_date
                else "",
            }
        return {}
