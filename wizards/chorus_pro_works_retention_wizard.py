# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_amount


class ChorusProWorksRetentionWizard(models.TransientModel):
    """Record the repayment of the retention of a works contract by the MOA: either a
    payment on a bank journal (posted), or a bank transaction already imported; its
    counterpart is the contract's retention account, reconciled with the retention
    withheld, so that the account is cleared for the contract (docs/works.md)."""

    _name = "chorus.pro.works.retention.wizard"
    _description = "Retention Guarantee Received"
    _check_company_auto = True

    contract_id = fields.Many2one(
        "chorus.pro.works.contract", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="contract_id.company_id")
    currency_id = fields.Many2one(related="contract_id.currency_id")
    partner_id = fields.Many2one(related="contract_id.partner_id")
    retention_account_id = fields.Many2one(related="contract_id.retention_account_id")
    retention_held = fields.Monetary(related="contract_id.retention_held")
    statement_line_id = fields.Many2one(
        "account.bank.statement.line",
        string="Bank Transaction",
        check_company=True,
        domain="[('company_id', '=', company_id), ('is_reconciled', '=', False), ('amount', '>', 0)]",
        help="The transaction of the bank statement where the MOA's payment arrived, when it is "
        "imported: it is matched with the retention. Empty: a payment is created.",
    )
    journal_id = fields.Many2one(
        "account.journal",
        string="Bank Journal",
        check_company=True,
        domain="[('company_id', '=', company_id), ('type', 'in', ('bank', 'cash'))]",
        compute="_compute_journal_id",
        store=True,
        readonly=False,
    )
    amount = fields.Monetary(
        string="Amount Received",
        compute="_compute_amount",
        store=True,
        readonly=False,
    )
    date = fields.Date(
        string="Payment Date",
        compute="_compute_date",
        store=True,
        readonly=False,
    )
    memo = fields.Char(compute="_compute_memo", store=True, readonly=False)

    @api.depends("contract_id", "statement_line_id")
    def _compute_journal_id(self):
        for wizard in self:
            if wizard.statement_line_id:
                wizard.journal_id = wizard.statement_line_id.journal_id
            elif not wizard.journal_id and wizard.contract_id:
                wizard.journal_id = self.env["account.journal"].search(
                    [("company_id", "=", wizard.company_id.id), ("type", "=", "bank")], limit=1
                )

    @api.depends("contract_id", "statement_line_id")
    def _compute_amount(self):
        for wizard in self:
            wizard.amount = wizard.statement_line_id.amount or wizard.contract_id.retention_held

    @api.depends("statement_line_id")
    def _compute_date(self):
        for wizard in self:
            wizard.date = wizard.statement_line_id.date or fields.Date.context_today(wizard)

    @api.depends("contract_id")
    def _compute_memo(self):
        for wizard in self:
            wizard.memo = self.env._(
                "Retention guarantee %(contract)s", contract=wizard.contract_id.display_name
            )

    def action_confirm(self):
        self.ensure_one()
        contract = self.contract_id.with_company(self.company_id)
        contract._retention_check_release(self.amount)
        contract._retention_make_reconcilable()
        items = contract._retention_open_items()
        if self.statement_line_id:
            counterpart = self._match_statement_line(contract)
        else:
            counterpart = self._create_payment(contract)
        (counterpart | items).reconcile()
        contract.invalidate_recordset(
            ["retention_withheld", "retention_released", "retention_held", "retention_state"]
        )
        contract.message_post(
            body=self.env._(
                "Retention received from %(partner)s: %(amount)s (%(entry)s); still held: %(held)s.",
                partner=contract.partner_id.display_name,
                amount=format_amount(self.env, self.amount, self.currency_id),
                entry=counterpart.move_id.display_name,
                held=format_amount(self.env, contract.retention_held, self.currency_id),
            )
        )
        if contract.retention_state != "to_ask":
            contract._retention_activities_done()
        return {"type": "ir.actions.act_window_close"}

    def _create_payment(self, contract):
        """The MOA's payment of the retention, posted, its counterpart on the retention
        account: returns that counterpart line."""
        if not self.journal_id:
            raise UserError(self.env._("Choose the bank journal the retention was paid to."))
        method_line = self.journal_id._get_available_payment_method_lines("inbound")[:1]
        if not method_line:
            raise UserError(
                self.env._(
                    "The journal %(journal)s has no incoming payment method.",
                    journal=self.journal_id.display_name,
                )
            )
        payment = (
            self.env["account.payment"]
            .with_company(contract.company_id)
            .create(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": contract.partner_id.commercial_partner_id.id,
                    "amount": self.amount,
                    "currency_id": contract.currency_id.id,
                    "date": self.date,
                    "journal_id": self.journal_id.id,
                    "payment_method_line_id": method_line.id,
                    "memo": self.memo,
                    "destination_account_id": contract.retention_account_id.id,
                    "company_id": contract.company_id.id,
                }
            )
        )
        payment.action_post()
        return payment.move_id.line_ids.filtered(
            lambda l: l.account_id == contract.retention_account_id and l.balance < 0
        )

    def _match_statement_line(self, contract):
        """Put the unmatched part of the bank transaction on the retention account (as the
        bank reconciliation does): returns that line."""
        st_line = self.statement_line_id
        if not st_line.has_access("write"):
            raise UserError(
                self.env._(
                    "Matching a bank transaction is an accountant's task: leave the bank transaction "
                    "empty to record a payment, or ask an accountant."
                )
            )
        if st_line.is_reconciled:
            raise UserError(
                self.env._("The bank transaction %(line)s is already matched.", line=st_line.display_name)
            )
        if contract.currency_id.compare_amounts(st_line.amount, self.amount):
            raise UserError(
                self.env._(
                    "The bank transaction is of %(line_amount)s, not %(amount)s: the whole "
                    "transaction is matched with the retention.",
                    line_amount=format_amount(self.env, st_line.amount, self.currency_id),
                    amount=format_amount(self.env, self.amount, self.currency_id),
                )
            )
        _liquidity, suspense, other = st_line._seek_for_lines()
        if len(suspense) != 1 or other:
            raise UserError(
                self.env._(
                    "The bank transaction %(line)s is already partly matched: undo its reconciliation first.",
                    line=st_line.display_name,
                )
            )
        if not st_line.partner_id:
            st_line.partner_id = contract.partner_id.commercial_partner_id
            suspense = st_line._seek_for_lines()[1]
        st_line.move_id.with_context(skip_readonly_check=True).write(
            {
                "line_ids": [
                    Command.update(
                        suspense.id,
                        {
                            "account_id": contract.retention_account_id.id,
                            "partner_id": contract.partner_id.commercial_partner_id.id,
                            "name": self.memo,
                        },
                    )
                ]
            }
        )
        return st_line.move_id.line_ids.filtered(
            lambda l: l.account_id == contract.retention_account_id and l.balance < 0
        )
