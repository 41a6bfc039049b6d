# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_amount, format_date

from ..lib import works_retention as wr
from ..lib import works_statement as ws

RETENTION_STATES = [
    (wr.NONE, "Nothing withheld"),
    (wr.HELD, "Held"),
    (wr.TO_ASK, "To ask for"),
    (wr.RELEASED, "Released"),
]
RETENTION_ACTIVITY = "l10n_fr_chorus_pro.mail_activity_type_works_retention"


class ChorusProWorksContract(models.Model):
    """The release of the retention guarantee at the end of the guarantee period
    (docs/works.md, "Release of the retention"; CCP R2191-35, CCAG-Travaux art. 44).

    The retention is not on the invoices: the MOA withholds it when it pays the net and
    the difference goes to the contract's retention account (411710). The figures are
    read from the books: the **retention items** of the contract are the debits on the
    retention account in the entries (payments, bank statement lines, miscellaneous
    entries) that settle, by reconciliation of their receivable line, an invoice of a
    statement of this contract. What is still held is their open (unreconciled) part;
    the release is the reconciliation of a credit on the retention account (the MOA's
    payment of the retention) with them."""

    _inherit = "chorus.pro.works.contract"

    date_acceptance = fields.Date(
        string="Acceptance Date",
        tracking=True,
        help="Date of the acceptance of the works (réception): the guarantee period starts then.",
    )
    date_guarantee_end = fields.Date(
        string="End of Guarantee Period",
        compute="_compute_date_guarantee_end",
        store=True,
        readonly=False,
        tracking=True,
        help="End of the garantie de parfait achèvement: one year after the acceptance "
        "(CCAG-Travaux art. 44); change it when the MOA extends it.",
    )
    retention_due_date = fields.Date(
        string="Retention Repayable By",
        compute="_compute_retention_figures",
        help="One month after the end of the guarantee period (CCP R2191-35), unless the MOA "
        "notified reserves not lifted.",
    )
    retention_reserves = fields.Boolean(
        string="Reserves Not Lifted",
        tracking=True,
        help="The MOA notified reserves that are not lifted yet: the retention is repaid one "
        "month after their lifting (R2191-35). No reminder is made while this is ticked.",
    )
    retention_withheld = fields.Monetary(
        compute="_compute_retention_figures",
        help="What the MOA withheld when paying the statements' invoices: the debits on the "
        "retention account in the entries that settle them.",
    )
    retention_released = fields.Monetary(
        compute="_compute_retention_figures",
        help="The part of the retention withheld that is matched (reconciled) with its repayment.",
    )
    retention_held = fields.Monetary(
        string="Retention Still Held",
        compute="_compute_retention_figures",
        help="What the MOA still holds: the open part of the retention withheld.",
    )
    retention_state = fields.Selection(
        RETENTION_STATES, string="Retention", compute="_compute_retention_figures"
    )
    retention_reminder_date = fields.Date(
        copy=False,
        readonly=True,
        help="End of the guarantee period the reminder to ask for the retention was made for.",
    )

    @api.depends("date_acceptance")
    def _compute_date_guarantee_end(self):
        for contract in self:
            contract.date_guarantee_end = wr.guarantee_end(contract.date_acceptance)

    @api.depends_context("company")
    @api.depends("date_guarantee_end", "retention_reserves", "bank_guarantee", "retention_account_id")
    def _compute_retention_figures(self):
        today = fields.Date.context_today(self)
        for contract in self:
            items = contract._retention_items() if contract._origin.id else self.env["account.move.line"]
            withheld = sum(ws.dec(line.balance) for line in items)
            held = contract._retention_open(items)
            contract.retention_withheld = float(withheld)
            contract.retention_held = float(held)
            contract.retention_released = float(withheld - held)
            contract.retention_due_date = wr.repayment_due(contract.date_guarantee_end)
            contract.retention_state = wr.state(
                withheld,
                held,
                bank_guarantee=contract.bank_guarantee,
                end=contract.date_guarantee_end,
                today=today,
                reserves=contract.retention_reserves,
            )

    # ------------------------------------------------------------------ books
    def _retention_items(self):
        """The retention items of the contract (sudo): the posted debits on its retention
        account, in its company, in the entries whose receivable line is reconciled with
        an invoice of one of its statements. An entry that settles invoices of another
        works contract too is left out: its retention cannot be split between them."""
        self.ensure_one()
        Line = self.env["account.move.line"].sudo()
        account = self.retention_account_id
        invoices = self.sudo().statement_ids.move_id.filtered(lambda m: m.state == "posted")
        if not account or not invoices:
            return Line
        receivable = invoices.line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable")
        counterparts = (
            receivable.matched_credit_ids.credit_move_id | receivable.matched_debit_ids.debit_move_id
        )
        entries = counterparts.move_id.filtered(lambda m: m.state == "posted") - invoices
        items = Line
        for entry in entries:
            settled = entry.line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable")
            settled_moves = (
                settled.matched_debit_ids.debit_move_id | settled.matched_credit_ids.credit_move_id
            ).move_id
            if settled_moves.chorus_works_statement_id.contract_id.sudo() - self.sudo():
                continue
            items |= entry.line_ids.filtered(
                lambda l: l.account_id == account and l.company_id == self.company_id and l.balance > 0
            )
        return items

    def _retention_open(self, items):
        """What is still held of ``items`` (Decimal): their open part when the account is
        matched (reconcilable), their whole amount until it is."""
        if not items:
            return ws.dec(0)
        if self.retention_account_id.reconcile:
            return sum(ws.dec(line.amount_residual) for line in items)
        return sum(ws.dec(line.balance) for line in items)

    def _retention_open_items(self):
        self.ensure_one()
        return self._retention_items().filtered(lambda l: not l.reconciled and l.amount_residual > 0)

    def _retention_check_release(self, amount):
        """Raise a clear UserError when ``amount`` cannot be recorded as the repayment of
        the retention of this contract."""
        self.ensure_one()
        if not self.retention_account_id:
            raise UserError(
                self.env._(
                    "%(contract)s has no retention account: set the account where the retention is "
                    "kept (e.g. 411710 Clients - retenues de garantie) on the contract first.",
                    contract=self.display_name,
                )
            )
        held = ws.dec(self.retention_held)
        problem = wr.check_release(held, ws.dec(amount))
        if problem == "nothing_held":
            raise UserError(
                self.env._(
                    "The MOA holds no retention of %(contract)s on %(account)s: nothing to release. "
                    "The retention is on that account when the payment of each invoice put the "
                    "difference there (Mark as fully paid).",
                    contract=self.display_name,
                    account=self.retention_account_id.display_name,
                )
            )
        if problem == "not_positive":
            raise UserError(self.env._("The amount received must be positive."))
        if problem == "above_held":
            raise UserError(
                self.env._(
                    "%(amount)s is more than the retention the MOA still holds on %(contract)s (%(held)s).",
                    amount=format_amount(self.env, amount, self.currency_id),
                    contract=self.display_name,
                    held=format_amount(self.env, float(held), self.currency_id),
                )
            )

    def _retention_make_reconcilable(self):
        """The retention account must allow reconciliation for its repayment to be matched
        with what was withheld: turn it on (its open items stay what they are)."""
        self.ensure_one()
        account = self.retention_account_id
        if account and not account.reconcile:
            account.sudo().reconcile = True
            self.message_post(
                body=self.env._(
                    "Account %(account)s now allows reconciliation: the repayment of the retention "
                    "is matched with what was withheld.",
                    account=account.display_name,
                )
            )

    # ------------------------------------------------------------------ actions
    def action_retention_received(self):
        """Record the repayment of the retention by the MOA (wizard)."""
        self.ensure_one()
        self._retention_check_release(self.retention_held)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Retention Received"),
            "res_model": "chorus.pro.works.retention.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_contract_id": self.id},
        }

    def action_open_retention_items(self):
        """The journal items of the retention withheld on this contract."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Retention of %(contract)s", contract=self.display_name),
            "res_model": "account.move.line",
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", self._retention_items().ids)],
            "context": {"create": False},
        }

    # ------------------------------------------------------------------ reminder
    def _retention_activity_user(self):
        self.ensure_one()
        invoices = self.sudo().statement_ids.move_id.sorted(lambda m: (m.invoice_date or m.date, m.id))
        return self.company_id._chorus_activity_user(invoices[-1:].invoice_user_id, self.create_uid)

    @api.model
    def _cron_retention_reminders(self):
        """Daily: when the guarantee period of a contract has ended and the MOA still holds
        its retention, an activity to ask for it (once per end date); when nothing is held
        any more, the activity is done."""
        today = fields.Date.context_today(self)
        activity_type = self.env.ref(RETENTION_ACTIVITY)
        contracts = self.sudo().search(
            [
                ("date_guarantee_end", "<=", today),
                ("retention_account_id", "!=", False),
                ("bank_guarantee", "=", False),
                ("retention_reserves", "=", False),
            ]
        )
        for contract in contracts:
            contract = contract.with_company(contract.company_id)
            if contract.retention_reminder_date == contract.date_guarantee_end:
                continue
            if contract.retention_state != wr.TO_ASK:
                continue
            if not contract.activity_ids.filtered(lambda a, t=activity_type: a.activity_type_id == t):
                contract._retention_schedule_activity()
            contract.retention_reminder_date = contract.date_guarantee_end
        self.sudo()._retention_activities_done()

    def _retention_schedule_activity(self):
        self.ensure_one()
        user = self._retention_activity_user()
        # The cron writes it: in the language of the user who will read it.
        contract = self.with_context(lang=user.lang or self.env.lang)
        env = contract.env
        amount = format_amount(env, self.retention_held, self.currency_id)
        contract.activity_schedule(
            RETENTION_ACTIVITY,
            user_id=user.id,
            summary=env._("Ask the MOA to release the retention of %(amount)s", amount=amount),
            note=Markup("<p>%s</p>")
            % env._(
                "The guarantee period of %(contract)s ended on %(end)s and %(partner)s still holds "
                "%(amount)s of retention: it is repaid within one month, by %(due)s, unless reserves "
                "notified are not lifted (CCP R2191-35). Ask for it; when it is received, record it "
                "with Retention Received.",
                contract=self.display_name,
                end=format_date(env, self.date_guarantee_end),
                partner=self.partner_id.display_name,
                amount=amount,
                due=format_date(env, self.retention_due_date),
            ),
        )

    def _retention_activities_done(self):
        """Mark done the reminders of the contracts whose retention was received."""
        activity_type = self.env.ref(RETENTION_ACTIVITY)
        activities = self.env["mail.activity"].search(
            [("res_model", "=", self._name), ("activity_type_id", "=", activity_type.id)]
        )
        for activity in activities:
            contract = self.browse(activity.res_id).exists()
            if contract and contract.with_company(contract.company_id).retention_state in (
                wr.RELEASED,
                wr.NONE,
            ):
                activity.action_feedback(feedback=self.env._("The retention was received."))
