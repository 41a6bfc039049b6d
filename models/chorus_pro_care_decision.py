# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import calendar
import unicodedata
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.tools.misc import format_date

CARE_TYPES = [
    ("placement", "Placement (accommodation)"),
    ("day_care", "Day care"),
    ("daily_expenses", "Daily expenses (frais du quotidien)"),
    ("aemo", "Educational support (AEMO)"),
    ("other", "Other"),
]
RATE_TYPES = [
    ("daily", "Daily rate"),
    ("monthly", "Fixed monthly amount"),
]


def days_between(start, end):
    """Every day from ``start`` to ``end``, both included."""
    return (
        [start + timedelta(days=n) for n in range((end - start).days + 1)]
        if start and end and end >= start
        else []
    )


def normalize_name(name):
    """A person's name compared as typed by hand: case, accents and spaces ignored."""
    text = unicodedata.normalize("NFKD", name or "")
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).casefold().split())


def runs(days):
    """Contiguous runs of sorted dates, as (first, last) pairs."""
    result = []
    for day in sorted(days):
        if result and day == result[-1][1] + timedelta(days=1):
            result[-1][1] = day
        else:
            result.append([day, day])
    return [tuple(run) for run in result]


class ChorusProCareDecision(models.Model):
    """A child-welfare (ASE) care decision: the "prise en charge" the Département records
    in Iodas for one child or young person, one care type, a period and a price (daily
    rate fixed by an "arrêté de prix de journée", or a fixed monthly amount).

    Care decisions paid on the same engagement number (EJ) belong to one order of kind
    ``care`` (:class:`chorus.pro.order`), which carries the recipient, the service, the EJ
    and the common documents; each decision keeps its own documents (its arrêté, its
    prise en charge). A separate model rather than fields of the order: one invoice per
    EJ and month names several children, and the personal data of minors stay in this
    model only — readable by invoicing users of the company, never tracked in a chatter
    nor written to the logs.
    """

    _name = "chorus.pro.care.decision"
    _description = "Chorus Pro Care Decision (ASE)"
    _order = "date_start desc, name, id"

    order_id = fields.Many2one(
        "chorus.pro.order",
        string="Order (EJ)",
        required=True,
        index=True,
        ondelete="restrict",
        domain="[('kind', '=', 'care')]",
        help="The order of kind 'Care decisions' carrying the engagement number (EJ) that pays this care.",
    )
    company_id = fields.Many2one(related="order_id.company_id", store=True, index=True, string="Company")
    currency_id = fields.Many2one(related="order_id.currency_id", string="Currency")
    partner_id = fields.Many2one(related="order_id.partner_id", store=True, string="Recipient")
    service_id = fields.Many2one(related="order_id.service_id", store=True, string="Service")
    engagement_number = fields.Char(
        related="order_id.engagement_number", store=True, string="Engagement Number (EJ)"
    )
    reference = fields.Char(
        string="Prise en Charge Number",
        help="Number of the prise en charge in the Département's software (Iodas).",
    )
    name = fields.Char(string="Beneficiary", required=True, help="Full name of the child or young person.")
    birth_date = fields.Date()
    care_type = fields.Selection(CARE_TYPES, required=True, default="placement")
    date_start = fields.Date(string="From", required=True)
    date_end = fields.Date(string="To", required=True)
    rate_type = fields.Selection(RATE_TYPES, string="Pricing", required=True, default="daily")
    daily_rate = fields.Monetary()
    fixed_amount = fields.Monetary(
        string="Monthly Amount", help="Fixed amount per full month, prorated by days in a partial month."
    )
    arrete_reference = fields.Char(
        string="Price Order (Arrêté)", help="Reference of the arrêté fixing the daily rate."
    )
    product_id = fields.Many2one(
        "product.product",
        help="Product of the invoice lines (account, taxes). Empty: the "
        "Default Care Product of the settings.",
    )
    invoice_product_id = fields.Many2one(
        "product.product",
        string="Invoiced With",
        compute="_compute_invoice_product_id",
        help="The product of this decision's invoice lines: its own, or the Default Care Product "
        "of the settings (Chorus Pro).",
    )
    tax_ids = fields.Many2many(
        "account.tax",
        "chorus_pro_care_decision_tax_rel",
        "decision_id",
        "tax_id",
        string="Taxes",
        compute="_compute_tax_ids",
        store=True,
        readonly=False,
        domain="[('type_tax_use', '=', 'sale'), ('company_id', 'parent_of', company_id)]",
    )
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "chorus_pro_care_decision_attachment_rel",
        "decision_id",
        "attachment_id",
        string="Documents",
        help="The arrêté and the prise en charge: attached to the invoices.",
    )
    move_line_ids = fields.One2many("account.move.line", "chorus_care_decision_id", string="Invoice Lines")
    amount_ordered = fields.Monetary(
        string="Amount for the Period", compute="_compute_amount_ordered", store=True
    )
    days_total = fields.Integer(string="Days", compute="_compute_amount_ordered", store=True)
    days_invoiced = fields.Integer(compute="_compute_invoiced")
    amount_invoiced = fields.Monetary(string="Invoiced", compute="_compute_invoiced")
    last_invoiced_date = fields.Date(string="Invoiced Until", compute="_compute_invoiced")
    missing_last_month = fields.Boolean(
        string="Not Invoiced Last Month",
        compute="_compute_missing_last_month",
        search="_search_missing_last_month",
    )
    active = fields.Boolean(default=True)

    _check_period = models.Constraint(
        "CHECK(date_end >= date_start)", "A care decision ends before it starts."
    )

    @api.depends("product_id", "company_id")
    def _compute_tax_ids(self):
        for decision in self:
            if decision.product_id:
                decision.tax_ids = decision.product_id.taxes_id.filtered_domain(
                    self.env["account.tax"]._check_company_domain(decision.company_id or self.env.company)
                )

    @api.depends("product_id", "company_id.chorus_care_product_id")
    def _compute_invoice_product_id(self):
        for decision in self:
            decision.invoice_product_id = (
                decision.product_id or (decision.company_id or self.env.company).chorus_care_product_id
            )

    def _invoice_taxes(self):
        """Taxes of this decision's invoice lines: its own, or those of its product."""
        self.ensure_one()
        return self.tax_ids or self.invoice_product_id.taxes_id.filtered_domain(
            self.env["account.tax"]._check_company_domain(self.company_id or self.env.company)
        )

    @api.depends("date_start", "date_end", "rate_type", "daily_rate", "fixed_amount")
    def _compute_amount_ordered(self):
        for decision in self:
            days = days_between(decision.date_start, decision.date_end)
            decision.days_total = len(days)
            decision.amount_ordered = decision._amount_for_days(days)

    def _compute_invoiced(self):
        for decision in self:
            days = 0
            amount = 0.0
            last = False
            for line in decision.sudo().move_line_ids:
                if line.parent_state != "posted":
                    continue
                sign = -1 if line.move_id.move_type == "out_refund" else 1
                days += sign * len(days_between(line.chorus_care_date_start, line.chorus_care_date_end))
                amount += sign * line.price_subtotal
                if sign > 0 and line.chorus_care_date_end and (not last or line.chorus_care_date_end > last):
                    last = line.chorus_care_date_end
            decision.days_invoiced = days
            decision.amount_invoiced = amount
            decision.last_invoiced_date = last

    @api.constrains("rate_type", "daily_rate", "fixed_amount")
    def _check_rate(self):
        for decision in self:
            amount = decision.daily_rate if decision.rate_type == "daily" else decision.fixed_amount
            if amount <= 0:
                raise ValidationError(
                    self.env._("A care decision needs a positive daily rate or monthly amount.")
                )

    @api.constrains("order_id")
    def _check_order_kind(self):
        for decision in self:
            if decision.order_id.kind != "care":
                raise ValidationError(
                    self.env._("Care decisions belong to an order of kind 'Care decisions (ASE)'.")
                )

    @api.depends("name", "care_type")
    def _compute_display_name(self):
        labels = dict(self._fields["care_type"]._description_selection(self.env))
        for decision in self:
            decision.display_name = f"{decision.name or ''} - {labels.get(decision.care_type, '')}"

    # ------------------------------------------------------------------
    # Days and amounts
    # ------------------------------------------------------------------
    def _amount_for_days(self, days):
        """Amount of the given days of care: days × daily rate, or the monthly amount
        prorated by the days of each calendar month."""
        self.ensure_one()
        currency = self.currency_id or self.env.company.currency_id
        if self.rate_type == "daily":
            return currency.round(len(days) * self.daily_rate)
        per_month = {}
        for day in days:
            per_month.setdefault((day.year, day.month), 0)
            per_month[(day.year, day.month)] += 1
        return currency.round(
            sum(
                self.fixed_amount * count / calendar.monthrange(year, month)[1]
                for (year, month), count in per_month.items()
            )
        )

    def _matches_beneficiary(self, beneficiary):
        """Whether ``beneficiary`` (of an invoice) is this decision's child during part of
        its period: names compared as typed by hand."""
        self.ensure_one()
        end = beneficiary.date_end or beneficiary.date_start
        return (
            normalize_name(beneficiary.name) == normalize_name(self.name)
            and beneficiary.date_start <= self.date_end
            and end >= self.date_start
        )

    def _billing_periods(self):
        """(invoice or credit note, first day, last day) of everything billing this
        decision's child: the invoice lines (and credit note lines) of this decision, and
        the beneficiaries naming the child on an invoice of the recipient whose line bills
        no care decision (typed by hand, or a line that could not be tied to one). A
        credit note gives days back through its lines only."""
        self.ensure_one()
        periods = [
            (line.move_id, line.chorus_care_date_start, line.chorus_care_date_end)
            for line in self.sudo().move_line_ids
        ]
        beneficiaries = (
            self.env["chorus.pro.beneficiary"]
            .sudo()
            .search(
                [
                    ("move_id.commercial_partner_id", "=", self.partner_id.id),
                    ("company_id", "=", self.company_id.id),
                    ("move_id.move_type", "=", "out_invoice"),
                    ("date_start", "<=", self.date_end),
                ]
            )
        )
        periods += [
            (b.move_id, b.date_start, b.date_end or b.date_start)
            for b in beneficiaries
            if not b.move_line_id.chorus_care_decision_id and self._matches_beneficiary(b)
        ]
        return periods

    def _covered_days(self, exclude_moves=None):
        """Days of this decision's child already on an invoice that is not cancelled
        (drafts included: a second run of the month's wizard must not propose them
        again, a second invoice typed by hand must not bill them), minus the days given
        back by posted credit notes. The one place saying which days are billed: the
        month's wizard, a duplicated invoice and the checklist all read it."""
        self.ensure_one()
        covered = set()
        returned = set()
        for move, start, end in self._billing_periods():
            if move.state == "cancel" or (exclude_moves and move in exclude_moves):
                continue
            days = days_between(start, end)
            if move.move_type == "out_refund":
                if move.state == "posted":
                    returned.update(days)
            else:
                covered.update(days)
        return covered - returned

    def _uncovered_runs(self, first, last):
        """Contiguous periods between ``first`` and ``last`` inside the decision's period
        that no invoice covers yet."""
        self.ensure_one()
        start = max(first, self.date_start)
        end = min(last, self.date_end)
        days = set(days_between(start, end)) - self._covered_days()
        return runs(days)

    @api.model
    def _last_month(self):
        first = fields.Date.context_today(self).replace(day=1) - relativedelta(months=1)
        return first, first + relativedelta(months=1, days=-1)

    def _compute_missing_last_month(self):
        missing = self.search([("id", "in", self.ids), ("missing_last_month", "=", True)])
        for decision in self:
            decision.missing_last_month = decision in missing

    def _search_missing_last_month(self, operator, value):
        if operator != "in":
            return NotImplemented
        first, last = self._last_month()
        overlapping = self.search([("date_start", "<=", last), ("date_end", ">=", first)])
        invoiced = (
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    ("chorus_care_decision_id", "in", overlapping.ids),
                    ("parent_state", "!=", "cancel"),
                    ("move_id.move_type", "=", "out_invoice"),
                    ("chorus_care_date_start", "<=", last),
                    ("chorus_care_date_end", ">=", first),
                ]
            )
            .chorus_care_decision_id
        )
        missing = overlapping - invoiced
        if True in value:
            return Domain("id", "in", missing.ids)
        return Domain("id", "not in", missing.ids)

    @api.model
    def _month_bounds(self, day):
        first = day.replace(day=1)
        return first, date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])

    def _invoice_line_values(self, start, end, days=None):
        """Values of the invoice line billing this decision from ``start`` to ``end``
        (``days`` days of care, all the days of the period by default)."""
        self.ensure_one()
        period_days = days_between(start, end)
        days = len(period_days) if days is None else days
        lang = self.partner_id.lang or self.env.lang
        decision = self.with_context(lang=lang)
        care = dict(self._fields["care_type"]._description_selection(decision.env))[self.care_type]
        label = decision.env._(
            "%(care)s: %(name)s, %(start)s to %(end)s (%(days)s days)",
            care=care,
            name=self.name,
            days=days,
            start=format_date(decision.env, start, lang_code=lang),
            end=format_date(decision.env, end, lang_code=lang),
        )
        if self.reference:
            label = f"{label} - {self.reference}"
        vals = {
            "name": label,
            "tax_ids": [Command.set(self._invoice_taxes().ids)],
            "chorus_care_decision_id": self.id,
            "chorus_care_date_start": start,
            "chorus_care_date_end": end,
        }
        if self.invoice_product_id:
            vals["product_id"] = self.invoice_product_id.id
        if self.rate_type == "daily":
            vals.update(quantity=days, price_unit=self.daily_rate)
            uom = self.env.ref("uom.product_uom_day", raise_if_not_found=False)
            if uom:
                vals["product_uom_id"] = uom.id
        else:
            month_days = calendar.monthrange(start.year, start.month)[1]
            vals.update(
                quantity=1,
                price_unit=(self.currency_id or self.env.company.currency_id).round(
                    self.fixed_amount * days / month_days
                ),
            )
        return vals
