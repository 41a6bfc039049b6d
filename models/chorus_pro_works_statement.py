# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import datetime
from decimal import Decimal

from stdnum import iban

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import format_amount, format_date

from ..lib import payment_delay
from ..lib import works_statement as ws

STATEMENT_KINDS = [
    (ws.MONTHLY, "Monthly statement"),
    (ws.FINAL, "Final statement"),
    (ws.GENERAL, "General statement signed (DGD)"),
    (ws.TACIT_DRAFT, "General statement draft (tacit procedure)"),
    (ws.TACIT, "Tacit general statement (DGD tacite)"),
]
# The order of the statements of a contract: the monthly ones by month, then the final
# one, then the general statement (signed, or the tacit procedure's draft, then the DGD).
KIND_RANK = {ws.MONTHLY: 0, ws.FINAL: 1, ws.GENERAL: 2, ws.TACIT_DRAFT: 2, ws.TACIT: 3}
STATEMENT_STATES = [
    ("draft", "Draft"),
    ("confirmed", "Confirmed"),
    ("submitted", "Submitted"),
    ("replaced", "Refused / Replaced"),
]
# A statement refused on Chorus Pro and replaced by a new one (its invoice cancelled by a
# credit note): kept, frozen, as the evidence of what was sent, and counted nowhere.
REPLACED = "replaced"
FROZEN_STATES = ("submitted", REPLACED)
EXTRAS = ("supplies", "bonuses", "expenses")
# What may still change on a submitted statement (the evidence of what was sent is frozen):
# its state and the links and tracking the Chorus Pro follow-up writes.
SUBMITTED_WRITABLE = {"state", "move_id", "date_submitted"}
SUBMITTED_WRITABLE_PREFIXES = ("message_", "activity_", "chorus_")


class ChorusProWorksStatement(models.Model):
    """A statement of a works contract (projet de décompte, CCAG-Travaux 2021 art. 12):
    monthly or final, cumulative since the notification, at the contract's initial
    prices, excluding VAT. Per item the previous cumulative (from the previous
    statement), this month and the new cumulative; supplies, bonuses and reimbursed
    expenses as cumulative amounts; the retention and the advance repayment of the
    month. Numbered in the company's own sequence when confirmed; a customer invoice of
    the month is booked from it. A submitted statement is the evidence of what was sent:
    it cannot be changed any more."""

    _name = "chorus.pro.works.statement"
    _description = "Works Statement"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "contract_id, period desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Number", required=True, readonly=True, copy=False, default="/", tracking=True)
    # No check_company: the statement's company is the contract's (related), empty on a new
    # statement, where Odoo's company domain would then offer no contract at all.
    contract_id = fields.Many2one(
        "chorus.pro.works.contract",
        required=True,
        index=True,
        ondelete="restrict",
        tracking=True,
        domain="[('company_id', 'in', allowed_company_ids)]",
    )
    company_id = fields.Many2one(related="contract_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="contract_id.currency_id")
    partner_id = fields.Many2one(related="contract_id.partner_id", string="Contracting Authority (MOA)")
    kind = fields.Selection(STATEMENT_KINDS, required=True, default=ws.MONTHLY, tracking=True)
    period = fields.Date(
        string="Month",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1),
        tracking=True,
        help="The month of the works: one monthly statement per contract and month.",
    )
    date = fields.Date(string="Statement Date", required=True, default=fields.Date.context_today)
    state = fields.Selection(STATEMENT_STATES, required=True, default="draft", tracking=True, copy=False)
    frame = fields.Char(
        string="Billing Frame",
        compute="_compute_frame",
        store=True,
        help="Chorus Pro billing frame, from the company's role in the market and the kind of statement.",
    )
    previous_statement_id = fields.Many2one(
        "chorus.pro.works.statement", compute="_compute_previous_statement_id"
    )
    line_ids = fields.One2many("chorus.pro.works.statement.line", "statement_id", string="Items", copy=True)
    supplies_previous = fields.Monetary(string="Supplies - Previous", readonly=True)
    supplies_cumulative = fields.Monetary(
        string="Supplies - Cumulative", help="Approvisionnements: cumulative amount, excluding VAT."
    )
    bonuses_previous = fields.Monetary(string="Bonuses - Previous", readonly=True)
    bonuses_cumulative = fields.Monetary(string="Bonuses - Cumulative", help="Primes: cumulative amount.")
    expenses_previous = fields.Monetary(string="Reimbursed Expenses - Previous", readonly=True)
    expenses_cumulative = fields.Monetary(
        string="Reimbursed Expenses - Cumulative",
        help="Remboursement des débours (CCAG-Travaux art. 26.4): cumulative amount.",
    )
    extras_reason = fields.Char(
        string="Reason for a Lower Cumulative",
        help="Why the supplies, bonuses or expenses cumulative is below the previous one.",
    )
    amount_works_previous = fields.Monetary(compute="_compute_amounts", store=True, string="Works - Previous")
    amount_works_cumulative = fields.Monetary(
        compute="_compute_amounts", store=True, string="Works - Cumulative"
    )
    amount_works_month = fields.Monetary(compute="_compute_amounts", store=True, string="Works - Month")
    amount_previous = fields.Monetary(compute="_compute_amounts", store=True, string="Previous Cumulative")
    amount_cumulative = fields.Monetary(compute="_compute_amounts", store=True, string="New Cumulative")
    amount_month = fields.Monetary(
        compute="_compute_amounts",
        store=True,
        string="Amount of the Month",
        help="New cumulative less the previous one, excluding VAT, at the initial prices.",
    )
    retention_month = fields.Monetary(compute="_compute_amounts", store=True, string="Retention")
    advance_month = fields.Monetary(compute="_compute_amounts", store=True, string="Advance Repayment")
    amount_untaxed = fields.Monetary(
        compute="_compute_amounts",
        store=True,
        string="Taxable Amount",
        help="Amount of the month less the advance repayment: the base of the VAT.",
    )
    amount_tax = fields.Monetary(compute="_compute_amounts", store=True, string="VAT")
    amount_total = fields.Monetary(
        compute="_compute_amounts",
        store=True,
        string="Amount Including VAT",
        help="Taxable amount plus VAT: the amount of the month's invoice, before the retention.",
    )
    amount_to_pay = fields.Monetary(
        compute="_compute_amounts",
        store=True,
        string="Net to Pay",
        help="Amount of the month less the advance repayment, plus VAT, less the retention.",
    )
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True, copy=False, check_company=True)
    note = fields.Text(string="Notes")

    @api.depends("contract_id.role", "kind")
    def _compute_frame(self):
        for statement in self:
            frames = ws.allowed_frames(statement.contract_id.role, statement.kind)
            statement.frame = frames[0] if frames else False

    @api.depends("contract_id", "period", "kind")
    def _compute_previous_statement_id(self):
        for statement in self:
            statement.previous_statement_id = statement._works_previous()

    def _works_previous(self):
        """The statement before this one (by month; the final statement comes after the
        monthly ones of the same month)."""
        self.ensure_one()
        if not self.contract_id or not self.period:
            return self.browse()
        return self._works_earlier()[-1:]

    def _works_order_key(self):
        return (KIND_RANK.get(self.kind, 0), self.period, self._origin.id or 0)

    def _works_earlier(self):
        """The statements of the contract before this one, in order (a refused statement
        replaced by a new one does not count)."""
        self.ensure_one()
        if not self.contract_id or not self.period:
            return self.browse()
        key = self._works_order_key()
        earlier = self.contract_id.statement_ids.filtered(
            lambda s: (
                s._origin != self._origin and s.state != REPLACED and s.period and s._works_order_key() < key
            )
        )
        return earlier.sorted(lambda s: s._works_order_key())

    @api.depends(
        "line_ids.previous",
        "line_ids.cumulative",
        "line_ids.item_id",
        "supplies_previous",
        "supplies_cumulative",
        "bonuses_previous",
        "bonuses_cumulative",
        "expenses_previous",
        "expenses_cumulative",
        "contract_id.retention_rate",
        "contract_id.bank_guarantee",
        "contract_id.advance_amount",
        "contract_id.tax_id",
        "kind",
        "general_amount",
        "amount_invoiced_before",
        "advance_repaid_before",
        "retention_before",
    )
    def _compute_amounts(self):
        # Not recomputed when an amendment changes the contract total: a confirmed statement
        # keeps its amounts (the financial terms are then frozen, see the contract's write);
        # a draft one follows on *Refresh from Contract* and at confirmation.
        for statement in self:
            if statement.kind in ws.GENERAL_KINDS:
                statement._works_compute_general_amounts()
                continue
            result = statement._works_compute()
            statement.amount_works_previous = float(result.works_previous)
            statement.amount_works_cumulative = float(result.works_cumulative)
            statement.amount_works_month = float(result.works_month)
            statement.amount_previous = float(result.total_previous)
            statement.amount_cumulative = float(result.total_cumulative)
            statement.amount_month = float(result.total_month)
            statement.retention_month = float(result.retention_month)
            statement.advance_month = float(result.advance_month)
            untaxed = result.total_month - result.advance_month
            tax = statement._works_tax(untaxed)
            statement.amount_untaxed = float(untaxed)
            statement.amount_tax = float(tax)
            statement.amount_total = float(untaxed + tax)
            statement.amount_to_pay = float(untaxed + tax - result.retention_month)

    def _works_tax(self, untaxed):
        """VAT of the contract on ``untaxed`` (Decimal), as the invoice computes it."""
        tax = self.contract_id.tax_id
        if not tax or not untaxed:
            return Decimal(0)
        taxes = tax.compute_all(float(untaxed), currency=self.currency_id)
        return ws.cents(ws.dec(taxes["total_included"]) - ws.dec(taxes["total_excluded"]))

    def _works_progress(self):
        return [
            ws.Progress(
                line.item_id.code or "", ws.dec(line.previous), ws.dec(line.cumulative), line.reason or ""
            )
            for line in self.line_ids
            if line.item_id
        ]

    def _works_extras(self):
        labels = {
            "supplies": self.env._("Supplies"),
            "bonuses": self.env._("Bonuses"),
            "expenses": self.env._("Reimbursed expenses"),
        }
        return [
            ws.Extra(
                kind,
                labels[kind],
                ws.dec(self[f"{kind}_previous"]),
                ws.dec(self[f"{kind}_cumulative"]),
                self.extras_reason or "",
            )
            for kind in EXTRAS
        ]

    def _works_compute(self):
        """The statement computed by lib/works_statement.py."""
        self.ensure_one()
        contract = self.contract_id
        return ws.compute(
            contract.item_ids._works_items(),
            self._works_progress(),
            self._works_extras(),
            contract._works_amendments() if contract else [],
            retention_rate=ws.dec(contract.retention_rate),
            bank_guarantee=contract.bank_guarantee,
            advance=ws.dec(contract.advance_amount),
        )

    # ------------------------------------------------------------------ lines
    def _works_line_commands(self, keep_typed=True):
        """Lines of every item in force, their previous cumulative from the previous
        statement; cumulatives already typed are kept (unless ``keep_typed`` is False)."""
        self.ensure_one()
        if self.kind in ws.GENERAL_KINDS:
            # The general statement is an amount, not a progress per item.
            return [Command.delete(line.id) for line in self.line_ids if line.id]
        previous = self._works_previous()
        previous_by_code = {line.item_id.code: line.cumulative for line in previous.line_ids}
        typed = {line.item_id.code: line for line in self.line_ids} if keep_typed else {}
        commands = []
        for sequence, (code, item) in enumerate(self.contract_id._works_schedule().items()):
            before = previous_by_code.get(code, 0.0)
            line = typed.pop(code, None)
            if line:
                commands.append(Command.update(line.id, {"item_id": item.id, "previous": before}))
            else:
                commands.append(
                    Command.create(
                        {"sequence": sequence, "item_id": item.id, "previous": before, "cumulative": before}
                    )
                )
        commands += [Command.delete(line.id) for line in typed.values()]
        return commands

    def _works_extras_previous(self):
        previous = self._works_previous()
        return {f"{kind}_previous": previous[f"{kind}_cumulative"] if previous else 0.0 for kind in EXTRAS}

    @api.onchange("contract_id", "period", "kind")
    def _onchange_contract_period(self):
        if self.state != "draft" or not self.contract_id:
            return
        self.line_ids = [Command.clear()] + self._works_line_commands(keep_typed=False)
        extras = self._works_extras_previous()
        self.update(extras)
        self.update(self._works_general_values())
        for kind in EXTRAS:
            if not self[f"{kind}_cumulative"]:
                self[f"{kind}_cumulative"] = extras[f"{kind}_previous"]

    @api.model
    def _works_normalize_period(self, vals):
        """The month of a statement is its first day."""
        if vals.get("period"):
            vals["period"] = fields.Date.to_date(vals["period"]).replace(day=1)
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [self._works_normalize_period(dict(vals)) for vals in vals_list]
        statements = super().create(vals_list)
        for statement, vals in zip(statements, vals_list, strict=True):
            # The previous cumulatives always come from the previous statement.
            statement._works_refresh_previous()
            if not vals.get("line_ids"):
                for kind in EXTRAS:
                    if f"{kind}_cumulative" not in vals:
                        statement[f"{kind}_cumulative"] = statement[f"{kind}_previous"]
        return statements

    def _works_refresh_previous(self):
        for statement in self:
            statement.write(
                {
                    "line_ids": statement._works_line_commands(),
                    **statement._works_extras_previous(),
                    **statement._works_general_values(),
                }
            )

    # ------------------------------------------------------------------ checks
    @api.constrains("contract_id", "period", "kind")
    def _check_one_per_month(self):
        for statement in self:
            twins = self.search(
                [
                    ("id", "!=", statement.id),
                    ("contract_id", "=", statement.contract_id.id),
                    ("kind", "=", statement.kind),
                    ("state", "!=", REPLACED),
                ]
                + ([("period", "=", statement.period)] if statement.kind == ws.MONTHLY else [])
            )
            if twins and statement.kind == ws.MONTHLY:
                raise ValidationError(
                    self.env._(
                        "%(contract)s already has a monthly statement for %(month)s (%(other)s): "
                        "correct that one instead.",
                        contract=statement.contract_id.display_name,
                        month=format_date(self.env, statement.period, date_format="MMMM y"),
                        other=twins[0].name,
                    )
                )
            if twins and statement.kind == ws.FINAL:
                raise ValidationError(
                    self.env._(
                        "%(contract)s already has a final statement (%(other)s).",
                        contract=statement.contract_id.display_name,
                        other=twins[0].name,
                    )
                )
            if twins:
                raise ValidationError(
                    self.env._(
                        "%(contract)s already has a %(kind)s (%(other)s): it is made once.",
                        contract=statement.contract_id.display_name,
                        kind=dict(self._fields["kind"]._description_selection(self.env))[statement.kind],
                        other=twins[0].name,
                    )
                )
            if statement.kind == ws.MONTHLY:
                final = self.search(
                    [
                        ("contract_id", "=", statement.contract_id.id),
                        ("kind", "!=", ws.MONTHLY),
                        ("id", "!=", statement.id),
                        ("state", "!=", REPLACED),
                    ],
                    limit=1,
                )
                if final:
                    raise ValidationError(
                        self.env._(
                            "%(contract)s has its final statement (%(final)s): no monthly statement "
                            "comes after it. Correct the final statement instead (reset it to draft "
                            "while it is not submitted).",
                            contract=statement.contract_id.display_name,
                            final=final.name,
                        )
                    )

    def _works_problems(self):
        """Readable problems of the statement (a list of strings, empty when fine)."""
        self.ensure_one()
        contract = self.contract_id
        problems = ws.check(
            contract.item_ids._works_items(),
            self._works_progress(),
            self._works_extras(),
            contract._works_amendments(),
            ws.dec(contract.retention_rate),
        )
        messages = []
        for problem in problems:
            params = problem.params
            if problem.code == "cumulative_down":
                messages.append(
                    self.env._(
                        "%(item)s: the cumulative (%(cumulative)s) is below the previous one (%(previous)s). "
                        "Give the reason (e.g. a contradictory measurement) or correct it.",
                        item=params["item"],
                        cumulative=params["cumulative"],
                        previous=params["previous"],
                    )
                )
            elif problem.code == "over_100":
                messages.append(
                    self.env._(
                        "%(item)s: a lump-sum item cannot be done beyond 100 %% (%(cumulative)s %%).",
                        item=params["item"],
                        cumulative=params["cumulative"],
                    )
                )
            elif problem.code == "beyond_contract":
                messages.append(
                    self.env._(
                        "The works reach %(cumulative)s, beyond the contract with its amendments "
                        "(%(total)s): an amendment is needed first.",
                        cumulative=format_amount(self.env, float(params["cumulative"]), self.currency_id),
                        total=format_amount(self.env, float(params["total"]), self.currency_id),
                    )
                )
            elif problem.code == "negative":
                messages.append(self.env._("%(item)s: the progress cannot be negative.", item=params["item"]))
            elif problem.code == "unknown_item":
                messages.append(
                    self.env._(
                        "%(item)s is not in the contract's price schedule any more: refresh the statement.",
                        item=params["item"],
                    )
                )
            elif problem.code == "retention_rate":
                messages.append(
                    self.env._(
                        "The retention guarantee is at most 5 %% of the contract (R2191-33), "
                        "not %(rate)s %%.",
                        rate=params["rate"],
                    )
                )
        frames = ws.allowed_frames(contract.role, self.kind)
        if not frames:
            messages.append(
                self.env._(
                    "No Chorus Pro billing frame for a %(kind)s filed by a %(role)s.",
                    kind=dict(self._fields["kind"]._description_selection(self.env))[self.kind],
                    role=dict(contract._fields["role"]._description_selection(self.env))[contract.role],
                )
            )
        return messages + self._works_end_problems() + self._works_replace_problems()

    # ------------------------------------------------------------------ actions
    def action_refresh(self):
        """Bring the items of the contract in force (amendments) and the previous
        cumulatives of the previous statement; what was typed is kept."""
        for statement in self:
            statement._works_check_draft()
        self._works_refresh_previous()
        return True

    def action_confirm(self):
        for statement in self.sorted(lambda s: (s.period, s.id)):
            statement._works_check_draft()
            previous = statement._works_previous()
            if previous.state == "draft":
                raise UserError(
                    self.env._(
                        "Confirm the previous statement %(previous)s first: this one starts "
                        "from its cumulatives.",
                        previous=previous.display_name,
                    )
                )
            statement._works_refresh_previous()
            problems = statement._works_problems()
            if problems:
                raise UserError(
                    self.env._(
                        "The statement cannot be confirmed:\n%(problems)s",
                        problems="\n".join(f"• {problem}" for problem in problems),
                    )
                )
            values = {"state": "confirmed"}
            if statement.name == "/":
                values["name"] = statement.contract_id._works_statement_sequence().next_by_id(
                    sequence_date=statement.date
                )
            statement.write(values)
        return True

    def action_draft(self):
        for statement in self:
            if statement.state != "confirmed":
                raise UserError(self.env._("Only a confirmed statement can be reset to draft."))
            later = statement.contract_id.statement_ids.filtered(
                lambda s, statement=statement: s._works_previous() == statement and s.state != "draft"
            )
            if later:
                raise UserError(
                    self.env._(
                        "%(later)s starts from this statement: reset it to draft first.", later=later[0].name
                    )
                )
            if statement.move_id.state == "posted":
                raise UserError(
                    self.env._(
                        "The invoice %(move)s of this statement is posted: reset it to draft or "
                        "cancel it first.",
                        move=statement.move_id.name,
                    )
                )
            statement.move_id.filtered(lambda m: m.state == "draft").unlink()
            statement.write({"state": "draft", "move_id": False})
        return True

    def _works_mark_submitted(self):
        """Called once the statement was deposited on Chorus Pro: frozen from then on."""
        for statement in self:
            if statement.state != "confirmed":
                raise UserError(self.env._("Only a confirmed statement can be submitted."))
        self.write({"state": "submitted", "date_submitted": fields.Datetime.now()})

    def _works_check_draft(self):
        self.ensure_one()
        if self.state != "draft":
            raise UserError(
                self.env._(
                    "The statement %(statement)s is %(state)s: reset it to draft to change it.",
                    statement=self.display_name,
                    state=dict(self._fields["state"]._description_selection(self.env))[self.state],
                )
            )

    def action_create_invoice(self):
        """The customer invoice of the month (draft), opened."""
        self.ensure_one()
        if self.state not in ("confirmed", "submitted"):
            raise UserError(self.env._("Confirm the statement before invoicing it."))
        if self.move_id and self.move_id.state != "cancel":
            return self.action_open_invoice()
        move = self.env["account.move"].create(self._works_invoice_book_values())
        self.move_id = move
        return self.action_open_invoice()

    def _works_invoice_book_values(self):
        """The invoice's values as the MOA reads them: its lines in the MOA's language (the
        legal document's), and, without payment terms of its own, due at the legal or
        contractual payment deadline of the buyer (R2192-10: 30 days for a local
        authority) from the statement's date."""
        partner = self.contract_id.partner_id
        try:
            values = self.with_context(lang=partner.lang or self.env.lang)._works_invoice_values()
        except UserError:
            self._works_invoice_values()  # the same refusal, in the user's language
            raise
        if not partner.property_payment_term_id:
            buyer = partner.commercial_partner_id
            days = payment_delay.deadline_days(buyer.chorus_buyer_kind, buyer.chorus_payment_deadline_days)
            values["invoice_date_due"] = self.date + datetime.timedelta(days=days)
        return values

    def action_open_invoice(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.move_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def _works_invoice_values(self):
        """The invoice of the month: the works and each extra at the contract's VAT, the
        advance repayment as a negative line with the same VAT on the advance account. The
        retention is not on it: the MOA withholds it when paying, after the VAT
        (docs/works.md)."""
        self.ensure_one()
        contract = self.contract_id
        if self.kind in ws.GENERAL_KINDS:
            return self._works_general_invoice_values()
        if self.currency_id.compare_amounts(self.amount_month, 0) <= 0:
            raise UserError(
                self.env._(
                    "Nothing to invoice: the amount of the month of %(statement)s is not positive.",
                    statement=self.name,
                )
            )
        month = format_date(self.env, self.period, date_format="MM/y")
        tax = [Command.set(contract.tax_id.ids)]
        lines = []
        result = self._works_compute()
        works_label = self.env._(
            "Works of %(month)s - statement %(statement)s - market %(market)s",
            month=month,
            statement=self.name,
            market=contract.display_name,
        )
        extra_labels = {
            "supplies": self.env._("Supplies of %(month)s", month=month),
            "bonuses": self.env._("Bonuses of %(month)s", month=month),
            "expenses": self.env._("Reimbursed expenses of %(month)s", month=month),
        }
        if result.works_month:
            lines.append(
                Command.create(
                    {
                        "name": works_label,
                        "quantity": 1,
                        "price_unit": float(result.works_month),
                        "tax_ids": tax,
                    }
                )
            )
        for kind in EXTRAS:
            amount = ws.cents(self[f"{kind}_cumulative"]) - ws.cents(self[f"{kind}_previous"])
            if amount:
                lines.append(
                    Command.create(
                        {
                            "name": extra_labels[kind],
                            "quantity": 1,
                            "price_unit": float(amount),
                            "tax_ids": tax,
                        }
                    )
                )
        if result.advance_month:
            lines.append(self._works_advance_line(self.env._("Advance repayment"), -result.advance_month))
        return self._works_move_values("out_invoice", lines)

    def _works_advance_line(self, label, amount):
        """The invoice line of an advance repayment (``amount``, negative on an invoice) on
        the contract's advance account, at the contract's VAT."""
        contract = self.contract_id
        if not contract.advance_account_id:
            raise UserError(
                self.env._("Set the advance account of %(contract)s first.", contract=contract.display_name)
            )
        return Command.create(
            {
                "name": label,
                "quantity": 1,
                "price_unit": float(amount),
                "account_id": contract.advance_account_id.id,
                "tax_ids": [Command.set(contract.tax_id.ids)],
            }
        )

    def _works_move_values(self, move_type, lines):
        """The invoice (or credit note) of this statement to the MOA, with ``lines``."""
        contract = self.contract_id
        return {
            "move_type": move_type,
            "company_id": self.company_id.id,
            "partner_id": contract.partner_id.id,
            "invoice_date": self.date,
            "ref": self.name,
            "invoice_origin": self.name,
            "chorus_works_statement_id": self.id,
            "chorus_service_id": contract.service_id.id,
            "purchase_order_reference": contract.engagement_number or False,
            "contract_reference": contract.name,
            "invoice_line_ids": lines,
        }

    # ------------------------------------------------------------------ evidence
    def write(self, vals):
        locked = [
            field
            for field in vals
            if field not in SUBMITTED_WRITABLE and not field.startswith(SUBMITTED_WRITABLE_PREFIXES)
        ]
        if locked and any(statement.state in FROZEN_STATES for statement in self):
            raise UserError(
                self.env._(
                    "A submitted statement is the evidence of what was sent to Chorus Pro: "
                    "it cannot be changed."
                )
            )
        return super().write(self._works_normalize_period(vals))

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(statement.state != "draft" for statement in self):
            raise UserError(self.env._("Only a draft statement can be deleted."))

    def _works_report_values(self):
        """What the French statement document prints (formatted in French)."""
        self.ensure_one()
        lang = "fr_FR"

        def money(value):
            return format_amount(self.env, float(value or 0), self.currency_id, lang_code=lang)

        def number(value):
            text = f"{float(value):,.3f}".rstrip("0").rstrip(".")
            return text.replace(",", "\u202f").replace(".", ",")

        result = self._works_compute()
        bank = self.move_id.partner_bank_id or self.company_id.partner_id.bank_ids[:1]
        account = bank.acc_number or ""
        return {
            "result": result,
            "bank": {
                "iban": iban.format(account) if iban.is_valid(account) else account,
                "bic": bank.bank_id.bic or "",
            },
            "money": money,
            "number": number,
            "month": format_date(self.env, self.period, date_format="MMMM y", lang_code=lang),
            "date": format_date(self.env, self.date, lang_code=lang),
            "notification": format_date(self.env, self.contract_id.date_notification, lang_code=lang),
            **self._works_end_report_values(money, lang),
        }
