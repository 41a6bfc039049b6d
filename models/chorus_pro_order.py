# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tools import float_compare, float_is_zero
from odoo.tools.misc import format_amount, format_date, formatLang

from ..lib.chorus.statuses import BILLING_FRAMES, DEFAULT_BILLING_FRAME
from .chorus_pro_care_decision import days_between, normalize_name

ORDER_KINDS = [
    ("purchase", "Purchase order"),
    ("market", "Service order under a market"),
    ("care", "Care decisions (ASE)"),
]
ORDER_STATES = [
    ("open", "Open"),
    ("invoiced", "Fully invoiced"),
    ("expired", "Expired"),
    ("closed", "Closed"),
]


class ChorusProOrder(models.Model):
    """What a public body ordered: the reference an invoice must match.

    * a purchase order (bon de commande), or a service order (ordre de service) under
      a public market, priced from the market's BPU/DPGF: its lines say what was
      ordered, in which quantity and at which unit price;
    * for child-welfare (ASE) social services, the *care decisions* ("prises en
      charge" recorded by the Département in Iodas) grouped under the engagement
      number (EJ) that pays them: an order of kind ``care`` and its
      :class:`chorus.pro.care.decision` records, one per child and care type.

    Care decisions are a separate model, linked to their order, rather than fields of
    the order: several children (and several care types for one child) are paid on the
    same EJ and invoiced on one invoice per month, and the personal data of minors then
    sit in one model only, visible to invoicing users of the company and never tracked.

    Invoiced and remaining amounts come from the posted invoices and credit notes linked
    to the order (``account.move.chorus_order_id``); cancelled or draft ones do not count.
    """

    _name = "chorus.pro.order"
    _description = "Public Order"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_order desc, id desc"
    _rec_names_search = ["name", "engagement_number", "market_number"]

    name = fields.Char(
        string="Order Number",
        required=True,
        tracking=True,
        help="Number of the purchase order, service order or prise en charge.",
    )
    kind = fields.Selection(ORDER_KINDS, required=True, default="purchase", tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    partner_id = fields.Many2one(
        "res.partner",
        string="Recipient",
        required=True,
        index=True,
        tracking=True,
        domain="[('chorus_recipient', '=', True), ('is_company', '=', True)]",
        help="The public body (Chorus Pro recipient) that placed the order.",
    )
    service_id = fields.Many2one(
        "chorus.pro.service", tracking=True, domain="[('partner_id', '=', partner_id)]"
    )
    engagement_number = fields.Char(
        string="Engagement Number (EJ)",
        tracking=True,
        index="btree_not_null",
        help="Engagement number (EJ, 'NE') given by the public body: the invoice's BT-13.",
    )
    market_number = fields.Char(
        string="Public Market Number",
        tracking=True,
        help="Number of the public market (BT-12), when the order is under one.",
    )
    billing_frame = fields.Selection(BILLING_FRAMES, default=DEFAULT_BILLING_FRAME)
    date_order = fields.Date(string="Order Date", required=True, default=fields.Date.context_today)
    date_start = fields.Date(string="Valid From")
    date_end = fields.Date(string="Valid Until", tracking=True)
    closed = fields.Boolean(
        tracking=True, copy=False, help="Closed by hand: no invoice is expected any more."
    )
    line_ids = fields.One2many("chorus.pro.order.line", "order_id", string="Lines", copy=True)
    care_decision_ids = fields.One2many(
        "chorus.pro.care.decision", "order_id", string="Care Decisions", copy=False
    )
    care_decision_count = fields.Integer(compute="_compute_counts")
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "chorus_pro_order_attachment_rel",
        "order_id",
        "attachment_id",
        string="Documents",
        help="The order, the arrêté, the prise en charge...: they become the supporting "
        "documents (Chorus Pro attachments) of the invoices made from this order.",
    )
    move_ids = fields.One2many("account.move", "chorus_order_id", string="Invoices")
    move_line_ids = fields.One2many("account.move.line", "chorus_order_id", string="Invoice Lines")
    invoice_count = fields.Integer(compute="_compute_counts")
    amount_ordered = fields.Monetary(
        string="Ordered",
        compute="_compute_amounts",
        store=True,
        help="Total of the lines (or of the care decisions), untaxed.",
    )
    amount_invoiced = fields.Monetary(
        string="Invoiced",
        compute="_compute_amounts",
        store=True,
        help="Untaxed total of the posted invoices minus the posted credit notes of this order.",
    )
    amount_remaining = fields.Monetary(string="Remaining", compute="_compute_amounts", store=True)
    amount_paid = fields.Monetary(
        string="Paid",
        compute="_compute_amounts",
        store=True,
        help="Untaxed part of the invoices already paid.",
    )
    state = fields.Selection(ORDER_STATES, string="Status", compute="_compute_state", search="_search_state")
    expiring_soon = fields.Boolean(
        string="Expiring within 30 Days",
        compute="_compute_expiring_soon",
        search="_search_expiring_soon",
        help="Open, and its validity ends within 30 days: invoice what remains, or have it extended.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        tracking=True,
        index="btree_not_null",
        default=lambda self: self.env.user,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        help="Who follows this order: the reminder before the order expires is scheduled "
        "for this user (an invoicing user of the company otherwise).",
    )
    expiry_reminder_date = fields.Date(
        copy=False,
        readonly=True,
        help="End of validity for which the expiry reminder was scheduled (once per order and end date).",
    )
    note = fields.Text(string="Notes")

    _check_period = models.Constraint(
        "CHECK(date_end IS NULL OR date_start IS NULL OR date_end >= date_start)",
        "The order's validity ends before it starts.",
    )

    # ------------------------------------------------------------------
    @api.depends(
        "line_ids.price_subtotal",
        "care_decision_ids.amount_ordered",
        "move_line_ids.parent_state",
        "move_line_ids.price_subtotal",
        "move_line_ids.move_id.payment_state",
        "move_line_ids.move_id.amount_residual",
        "kind",
    )
    def _compute_amounts(self):
        for order in self:
            if order.kind == "care":
                ordered = sum(order.care_decision_ids.mapped("amount_ordered"))
            else:
                ordered = sum(order.line_ids.mapped("price_subtotal"))
            invoiced, paid = order._billed()
            order.amount_ordered = ordered
            order.amount_invoiced = invoiced
            order.amount_remaining = ordered - invoiced
            order.amount_paid = order.currency_id.round(paid) if order.currency_id else paid

    def _billed(self, exclude_moves=None):
        """(untaxed amount, the part of it already paid) of the posted invoices less the
        posted credit notes of this order; ``exclude_moves`` do not count (the invoice
        being checked)."""
        self.ensure_one()
        invoiced = paid = 0.0
        for line in self.move_line_ids:
            if (
                line.parent_state != "posted"
                or line.display_type != "product"
                or (exclude_moves and line.move_id in exclude_moves)
            ):
                continue
            move = line.move_id
            sign = -1 if move.move_type == "out_refund" else 1
            invoiced += sign * line.price_subtotal
            # Paid: the share of the invoice already settled (payments, or a credit
            # note offsetting it), from what is left to pay.
            if move.payment_state in ("paid", "in_payment", "reversed"):
                settled = 1.0
            elif move.amount_total and move.payment_state == "partial":
                settled = 1.0 - move.amount_residual / move.amount_total
            else:
                settled = 0.0
            paid += sign * line.price_subtotal * settled
        return invoiced, paid

    @api.depends("closed", "date_end", "amount_remaining", "amount_ordered")
    def _compute_state(self):
        today = fields.Date.context_today(self)
        for order in self:
            order.state = order._state_on(today)

    def _state_on(self, day):
        """The order's state on ``day`` (e.g. the invoice date)."""
        self.ensure_one()
        if self.closed:
            return "closed"
        if self.amount_ordered and self.currency_id.compare_amounts(self.amount_remaining, 0) <= 0:
            return "invoiced"
        if day and ((self.date_end and day > self.date_end) or (self.date_start and day < self.date_start)):
            return "expired"
        return "open"

    def _search_state(self, operator, value):
        if operator not in ("in", "="):
            return NotImplemented
        values = [value] if isinstance(value, str) else list(value)
        today = fields.Date.context_today(self)
        not_invoiced = Domain("amount_ordered", "=", 0) | Domain("amount_remaining", ">", 0)
        live = Domain("closed", "=", False)
        expired = Domain("date_end", "<", today) | Domain("date_start", ">", today)
        domains = {
            "closed": Domain("closed", "=", True),
            "invoiced": live & Domain("amount_ordered", "!=", 0) & Domain("amount_remaining", "<=", 0),
            "expired": live & not_invoiced & expired,
            "open": live & not_invoiced & ~expired,
        }
        return Domain.OR(domains[v] for v in values if v in domains) if values else Domain.FALSE

    def _compute_counts(self):
        for order in self:
            order.care_decision_count = len(order.care_decision_ids)
            order.invoice_count = len(order.move_ids)

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        if self.service_id.partner_id != self.partner_id:
            self.service_id = False

    @api.constrains("service_id", "partner_id")
    def _check_service(self):
        for order in self.filtered("service_id"):
            if order.service_id.partner_id != order.partner_id:
                raise ValidationError(
                    self.env._(
                        "Service %(service)s is not a service of %(partner)s.",
                        service=order.service_id.display_name,
                        partner=order.partner_id.display_name,
                    )
                )

    @api.constrains("engagement_number", "market_number")
    def _check_reference_length(self):
        for order in self:
            for value in (order.engagement_number, order.market_number):
                if value and len(value) > 50:
                    raise ValidationError(
                        self.env._(
                            "Chorus Pro accepts engagement and market numbers of at most 50 "
                            "characters (%(value)s).",
                            value=value,
                        )
                    )

    @api.depends("name", "engagement_number")
    def _compute_display_name(self):
        for order in self:
            if order.engagement_number and order.engagement_number != order.name:
                order.display_name = f"{order.name} ({order.engagement_number})"
            else:
                order.display_name = order.name or ""

    # ------------------------------------------------------------------
    # Invoicing
    # ------------------------------------------------------------------
    def _invoice_header_values(self):
        """Routing of an invoice made from this order."""
        self.ensure_one()
        return {
            "chorus_service_id": self.service_id.id,
            "purchase_order_reference": self.engagement_number or False,
            "contract_reference": self.market_number or False,
            "chorus_billing_frame": self.billing_frame or DEFAULT_BILLING_FRAME,
        }

    def _invoice_line_commands(self):
        """Invoice lines for what remains to invoice, at the ordered prices."""
        self.ensure_one()
        commands = []
        for line in self.line_ids:
            if line.display_type:
                commands.append(Command.create({"display_type": line.display_type, "name": line.name}))
                continue
            if float_compare(line.qty_remaining, 0, precision_digits=line._qty_digits()) <= 0:
                continue
            vals = {
                "name": line.name,
                "quantity": line.qty_remaining,
                "price_unit": line.price_unit,
                "tax_ids": [Command.set(line.tax_ids.ids)],
                "chorus_order_line_id": line.id,
            }
            if line.product_id:
                vals["product_id"] = line.product_id.id
            if line.product_uom_id:
                vals["product_uom_id"] = line.product_uom_id.id
            commands.append(Command.create(vals))
        return commands

    def _documents(self):
        """Documents to attach to the invoices of this order (with the care decisions' arrêtés)."""
        self.ensure_one()
        return self.attachment_ids | self.care_decision_ids.attachment_ids

    def action_create_invoice(self):
        """A draft invoice for what remains of this order; for care decisions, the
        month's wizard (one invoice per EJ, the children's days of last month)."""
        self.ensure_one()
        if self.state == "closed":
            raise UserError(self.env._("Order %(order)s is closed.", order=self.display_name))
        if self.kind == "care":
            return self.env["chorus.pro.care.month.wizard"]._action_open_for_orders(self)
        lines = self._invoice_line_commands()
        if not lines:
            raise UserError(
                self.env._("Nothing remains to invoice on order %(order)s.", order=self.display_name)
            )
        move = (
            self.env["account.move"]
            .with_company(self.company_id)
            .create(
                {
                    "move_type": "out_invoice",
                    "company_id": self.company_id.id,
                    "partner_id": self.partner_id.id,
                    "chorus_order_id": self.id,
                    **self._invoice_header_values(),
                    "invoice_line_ids": lines,
                }
            )
        )
        move._chorus_apply_price_revision()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": move.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action["domain"] = [("chorus_order_id", "=", self.id)]
        action["context"] = {
            "default_chorus_order_id": self.id,
            "default_partner_id": self.partner_id.id,
            "default_move_type": "out_invoice",
        }
        return action

    def action_view_care_decisions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "l10n_fr_chorus_pro.action_chorus_pro_care_decision"
        )
        action["domain"] = [("order_id", "=", self.id)]
        action["context"] = {"default_order_id": self.id}
        return action

    def action_close(self):
        self.closed = True

    def action_reopen(self):
        self.closed = False

    @api.model
    def _expiring_domain(self, days=30):
        """Open orders (not closed, not fully invoiced) whose validity ends within ``days``."""
        today = fields.Date.context_today(self)
        return (
            Domain("state", "=", "open")
            & Domain("date_end", ">=", today)
            & Domain("date_end", "<=", today + timedelta(days=days))
        )

    def _compute_expiring_soon(self):
        stored = [record_id for record_id in self.ids if isinstance(record_id, int)]  # not a new record
        expiring = self.search(Domain("id", "in", stored) & self._expiring_domain())
        for order in self:
            order.expiring_soon = order in expiring

    def _search_expiring_soon(self, operator, value):
        if operator != "in":
            return NotImplemented
        if True in value:
            return self._expiring_domain()
        return ~self._expiring_domain()

    def _expiry_reminder_user(self):
        """The order's responsible, or an invoicing user of its company."""
        self.ensure_one()
        if self.user_id and self.user_id.active and not self.user_id.share:
            return self.user_id
        invoicing = (
            self.env.ref("account.group_account_invoice")
            .sudo()
            .all_user_ids.filtered(
                lambda u: (
                    u.active and not u.share and self.company_id in u.company_ids and not u._is_superuser()
                )
            )
        )
        return invoicing.sorted("id")[:1] or self.env.user

    @api.model
    def _cron_expiry_reminders(self):
        """Daily: an "Order expiring" activity on each open order whose validity ends within
        30 days, once per order and end date."""
        activity_type = self.env.ref("l10n_fr_chorus_pro.mail_activity_type_order_expiring")
        orders = self.sudo().search(self._expiring_domain())
        for order in orders.filtered(lambda o: o.expiry_reminder_date != o.date_end):
            if not order.activity_ids.filtered(lambda a, t=activity_type: a.activity_type_id == t):
                lang = order.user_id.lang or order.company_id.partner_id.lang or self.env.lang
                writer = order.with_context(lang=lang)
                order.activity_schedule(
                    "l10n_fr_chorus_pro.mail_activity_type_order_expiring",
                    date_deadline=max(order.date_end - timedelta(days=7), fields.Date.context_today(self)),
                    user_id=order._expiry_reminder_user().id,
                    summary=writer.env._(
                        "Order expiring on %(date)s", date=format_date(writer.env, order.date_end)
                    ),
                    note=writer.env._(
                        "Order %(order)s is valid until %(date)s and %(amount)s remain to invoice: "
                        "invoice what was done, or ask the public body to extend the order.",
                        order=order.display_name,
                        date=format_date(writer.env, order.date_end),
                        amount=format_amount(writer.env, order.amount_remaining, order.currency_id),
                    ),
                )
            order.expiry_reminder_date = order.date_end

    # ------------------------------------------------------------------
    # Invoices typed by hand: which item, which care decision
    # ------------------------------------------------------------------
    def _match_order_line(self, move_line):
        """The item of this order an invoice line typed by hand bills: the only one with
        its designation (first line, case and spaces ignored), or else the only one with
        its product. Empty when none or several fit."""
        self.ensure_one()
        items = self.line_ids.filtered(lambda l: not l.display_type)

        def designation(name):
            return normalize_name((name or "").split("\n")[0])

        typed = designation(move_line.name)
        found = items.filtered(lambda l: typed and designation(l.name) == typed)
        if len(found) != 1 and move_line.product_id:
            found = items.filtered(lambda l: l.product_id == move_line.product_id)
        return found if len(found) == 1 else items.browse()

    def _match_care_decision(self, beneficiary, move_line):
        """The care decision of this order ``beneficiary`` (the child ``move_line`` bills)
        is about: the child's during part of the beneficiary's period; between two care
        types of the child, the one at the line's daily rate or with its product. Empty
        when none or several fit."""
        self.ensure_one()
        decisions = self.care_decision_ids.filtered(lambda d: d._matches_beneficiary(beneficiary))
        if len(decisions) > 1:
            decisions = decisions.filtered(
                lambda d: (
                    (
                        d.rate_type == "daily"
                        and not d.currency_id.compare_amounts(d.daily_rate, move_line.price_unit)
                    )
                    or (move_line.product_id and d.invoice_product_id == move_line.product_id)
                )
            )
        return decisions if len(decisions) == 1 else decisions.browse()

    # ------------------------------------------------------------------
    # Messages: dates, quantities and amounts in the user's language
    # ------------------------------------------------------------------
    def _format_date(self, day):
        return format_date(self.env, day) if day else "-"

    def _format_quantity(self, qty, uom=None):
        """``qty`` in the user's language, without useless decimals ("40", "1.5"), and
        its unit."""
        digits = self.env["decimal.precision"].precision_get("Product Unit")
        decimals = next(
            n for n in range(digits + 1) if float_is_zero(qty - round(qty, n), precision_digits=digits)
        )
        text = formatLang(self.env, qty, digits=decimals)
        return f"{text} {uom.name}" if uom else text

    def _format_price(self, price, currency):
        return formatLang(self.env, price, dp="Product Price", currency_obj=currency)

    @api.model
    def _initials(self, name):
        """Initials only: checklist messages may reach the invoice's chatter, where the
        name of a child must not be written."""
        return "".join(f"{part[0].upper()}." for part in (name or "").split() if part)

    # ------------------------------------------------------------------
    # Checklist: does the invoice match its order?
    # ------------------------------------------------------------------
    @api.model
    def _checklist_items(self, move):
        """Checklist items (format of ``chorus.pro.checklist._item``) on the match between
        ``move`` and its order: the order chosen on the invoice, or else the one its
        engagement number (EJ) or its beneficiaries belong to, however the invoice was
        made. None without an order, unless the recipient requires orders. Billing beyond
        the order (quantities, amount, days of care) blocks or only warns (company
        setting)."""
        checklist = self.env["chorus.pro.checklist"]
        order, matched_by = move.chorus_order_id, move.chorus_order_matched_by
        if not order:
            order, matched_by = move._chorus_order_candidates()
            if len(order) > 1:
                return [
                    checklist._item(
                        "order",
                        self.env._("Order"),
                        [move._chorus_order_ambiguity(order, matched_by)],
                        field="chorus_order_id",
                    )
                ]
        if not order:
            if move.commercial_partner_id.chorus_orders_required and move.move_type == "out_invoice":
                return [
                    checklist._item(
                        "order",
                        self.env._("Order"),
                        [
                            self.env._(
                                "%(partner)s requires every invoice to be made from one of its orders: "
                                "choose the order (Chorus Pro tab).",
                                partner=move.commercial_partner_id.display_name,
                            )
                        ],
                        field="chorus_order_id",
                    )
                ]
            return []
        order = order.sudo()
        lines = move.invoice_line_ids.filtered(lambda l: l.display_type == "product").sudo()
        items = []
        if matched_by:
            label = (
                self.env._("Matched to order %(order)s by its engagement number", order=order.display_name)
                if matched_by == "engagement"
                else self.env._("Matched to order %(order)s by its beneficiaries", order=order.display_name)
            )
            items.append(checklist._item("order_match", label, [], field="chorus_order_id", record=order))
        items += [
            checklist._item(
                "order",
                self.env._("Order open on the invoice date"),
                order._check_open(move),
                field="chorus_order_id",
                record=order,
            ),
            checklist._item(
                "order_routing",
                self.env._("Engagement, service and market of the order"),
                order._check_routing(move),
                field="purchase_order_reference",
            ),
            checklist._item(
                "order_units",
                self.env._("Units of measure of the order"),
                order._check_units(lines),
                field="invoice_line_ids",
            ),
            checklist._item(
                "order_prices",
                self.env._("Unit prices of the order"),
                order._check_prices(lines),
                field="invoice_line_ids",
            ),
            checklist._item(
                "order_dates",
                self.env._("Execution dates inside the order's period"),
                order._check_dates(move, lines),
                field="chorus_beneficiary_ids",
            ),
        ]
        overrun = checklist._item(
            "order_remaining",
            self.env._("Not beyond what remains of the order"),
            order._check_remaining(move, lines),
            field="invoice_line_ids",
        )
        if not overrun["ok"] and move.company_id.chorus_order_overrun == "warn":
            overrun["ok"] = True
        items.append(overrun)
        if order.kind == "care":
            items.append(
                checklist._item(
                    "order_beneficiaries",
                    self.env._("Beneficiaries covered by a care decision"),
                    order._check_beneficiaries(move),
                    field="chorus_beneficiary_ids",
                )
            )
        return items

    def _check_open(self, move):
        problems = []
        if move.commercial_partner_id != self.partner_id:
            problems.append(
                self.env._(
                    "Order %(order)s was placed by %(partner)s, not by the invoiced customer.",
                    order=self.display_name,
                    partner=self.partner_id.display_name,
                )
            )
        if move.company_id != self.company_id:
            problems.append(
                self.env._("Order %(order)s belongs to another company.", order=self.display_name)
            )
        day = move.invoice_date or fields.Date.context_today(self)
        if self.closed:
            problems.append(self.env._("Order %(order)s is closed.", order=self.display_name))
        elif (self.date_end and day > self.date_end) or (self.date_start and day < self.date_start):
            problems.append(
                self.env._(
                    "Order %(order)s is not valid on %(date)s (valid from %(start)s to %(end)s).",
                    order=self.display_name,
                    date=self._format_date(day),
                    start=self._format_date(self.date_start),
                    end=self._format_date(self.date_end),
                )
            )
        return problems

    def _check_routing(self, move):
        problems = []
        pairs = (
            (move.purchase_order_reference, self.engagement_number, self.env._("engagement number (EJ)")),
            (move.contract_reference, self.market_number, self.env._("public market number")),
        )
        for value, expected, label in pairs:
            if (value or "").strip() != (expected or "").strip():
                problems.append(
                    self.env._(
                        "The %(label)s of the invoice (%(value)s) is not the order's (%(expected)s).",
                        label=label,
                        value=value or "-",
                        expected=expected or "-",
                    )
                )
        if self.service_id and move.chorus_service_id != self.service_id:
            problems.append(
                self.env._(
                    "The invoice is addressed to service %(service)s; the order was placed by %(expected)s.",
                    service=move.chorus_service_id.display_name or "-",
                    expected=self.service_id.display_name,
                )
            )
        return problems

    def _check_prices(self, lines):
        problems = []
        for line in lines:
            expected = None
            if line.chorus_order_line_id:
                if line.chorus_order_line_id.order_id != self:
                    problems.append(self.env._("Line '%(line)s' comes from another order.", line=line.name))
                    continue
                expected = line.chorus_order_line_id._price_in_uom(line.product_uom_id)
                if expected is None:
                    continue  # another kind of unit: the units item says so
            elif line.chorus_care_decision_id:
                decision = line.chorus_care_decision_id
                if decision.order_id != self:
                    problems.append(self.env._("A line bills a care decision of another order."))
                elif decision.rate_type == "daily" and line.currency_id.compare_amounts(
                    line.price_unit, decision.daily_rate
                ):
                    problems.append(
                        self.env._(
                            "The child %(child)s (%(care)s): unit price %(price)s instead of the daily "
                            "rate of the care decision, %(expected)s.",
                            child=self._initials(decision.name),
                            care=dict(decision._fields["care_type"]._description_selection(self.env))[
                                decision.care_type
                            ],
                            price=self._format_price(line.price_unit, line.currency_id),
                            expected=self._format_price(decision.daily_rate, line.currency_id),
                        )
                    )
                continue
            elif line.move_id.chorus_revision_settled_id:
                continue  # the settlement of a price revision: no item of the order
            elif line.chorus_revision_line:
                problems += self._revision_line_problems(line)  # chorus_pro_order_revision.py
                continue
            elif self.kind != "care":
                problems.append(
                    self.env._(
                        "Line '%(line)s' is not an item of order %(order)s: give it the designation "
                        "or the product of the order's line it bills, or remove it.",
                        line=(line.name or "").split("\n")[0],
                        order=self.display_name,
                    )
                )
            else:
                problems.append(
                    self.env._(
                        "A line is not tied to a care decision of order %(order)s: in the Chorus Pro "
                        "tab, give each child of the invoice a beneficiary with the period billed and "
                        "its invoice line (one line per child and care type).",
                        order=self.display_name,
                    )
                )
            if expected is not None and line.currency_id.compare_amounts(line.price_unit, expected):
                # A revisable order: the ordered price × the coefficient is right too.
                revised_ok, revised_problem = self._revised_price_check(line, expected)
                if revised_ok:
                    continue
                if revised_problem:
                    problems.append(revised_problem)
                    continue
                problems.append(
                    self.env._(
                        "Line '%(line)s': unit price %(price)s instead of the ordered %(expected)s.",
                        line=(line.name or "").split("\n")[0],
                        price=self._format_price(line.price_unit, line.currency_id),
                        expected=self._format_price(expected, line.currency_id),
                    )
                )
        return problems

    def _check_units(self, lines):
        """Each line tied to an order line is in a unit that converts into the ordered one
        (days and hours, units and dozens), so that its quantity and price can be checked."""
        problems = []
        for line in lines.filtered("chorus_order_line_id"):
            order_line = line.chorus_order_line_id
            if not order_line._units_compatible(line.product_uom_id):
                problems.append(
                    self.env._(
                        "Line '%(line)s' is invoiced in %(unit)s, which cannot be converted into the "
                        "unit of the order (%(order_unit)s): invoice it in %(order_unit)s or in a unit "
                        "of the same kind.",
                        line=(line.name or "").split("\n")[0],
                        unit=line.product_uom_id.name,
                        order_unit=order_line.product_uom_id.name,
                    )
                )
        return problems

    def _check_dates(self, move, lines):
        problems = []
        for line in lines.filtered("chorus_care_decision_id"):
            decision = line.chorus_care_decision_id
            start, end = line.chorus_care_date_start, line.chorus_care_date_end
            if not start or not end:
                problems.append(
                    self.env._(
                        "A care line of the child %(child)s has no period: give the child's "
                        "beneficiary the period billed.",
                        child=self._initials(decision.name),
                    )
                )
            elif start < decision.date_start or end > decision.date_end:
                problems.append(
                    self.env._(
                        "The child %(child)s: care from %(start)s to %(end)s is outside the care "
                        "decision (%(dstart)s to %(dend)s).",
                        child=self._initials(decision.name),
                        start=self._format_date(start),
                        end=self._format_date(end),
                        dstart=self._format_date(decision.date_start),
                        dend=self._format_date(decision.date_end),
                    )
                )
        for beneficiary in move.chorus_beneficiary_ids:
            end = beneficiary.date_end or beneficiary.date_start
            if (self.date_start and beneficiary.date_start < self.date_start) or (
                self.date_end and end > self.date_end
            ):
                problems.append(
                    self.env._(
                        "Service from %(start)s to %(end)s is outside the order's period (%(ostart)s to %(oend)s).",  # noqa: E501
                        start=self._format_date(beneficiary.date_start),
                        end=self._format_date(end),
                        ostart=self._format_date(self.date_start),
                        oend=self._format_date(self.date_end),
                    )
                )
        return problems

    def _check_remaining(self, move, lines):
        if move.move_type != "out_invoice":
            return []
        problems = []
        for order_line in lines.chorus_order_line_id:
            # Quantities in the order line's unit (an invoice in hours of an order in days).
            already, _amount = order_line._billed(exclude_moves=move)
            asked = sum(
                order_line._qty_from_move_line(l) or 0.0
                for l in lines.filtered(lambda l, ol=order_line: l.chorus_order_line_id == ol)
            )
            left = order_line.quantity - already
            if float_compare(asked, left, precision_digits=order_line._qty_digits()) > 0:
                unit = order_line.product_uom_id
                problems.append(
                    self.env._(
                        "Line '%(line)s': %(asked)s invoiced, only %(left)s left on the order.",
                        line=order_line.name.split("\n")[0],
                        asked=self._format_quantity(asked, unit),
                        left=self._format_quantity(left, unit),
                    )
                )
        problems += self._check_care_days(move, lines)
        invoiced, _paid = self._billed(exclude_moves=move)
        # Revised prices: compared at the ordered prices.
        posted = self.move_ids.filtered(lambda m: m.state == "posted") - move
        invoiced -= self._revision_amount(posted)
        if (
            self.amount_ordered
            and move.currency_id.compare_amounts(
                move.amount_untaxed - self._revision_amount(move), self.amount_ordered - invoiced
            )
            > 0
        ):
            problems.append(
                self.env._(
                    "The invoice (%(amount)s untaxed) exceeds what remains of order %(order)s (%(left)s).",
                    amount=format_amount(self.env, move.amount_untaxed, move.currency_id),
                    order=self.display_name,
                    left=format_amount(self.env, self.amount_ordered - invoiced, self.currency_id),
                )
            )
        return problems

    def _check_care_days(self, move, lines):
        """Each care line bills at most the days of its period inside the child's care
        decision, and none of the days already on another invoice (drafts included)."""
        problems = []
        day_uom = self.env.ref("uom.product_uom_day", raise_if_not_found=False)
        for line in lines.filtered("chorus_care_decision_id"):
            decision = line.chorus_care_decision_id
            start, end = line.chorus_care_date_start, line.chorus_care_date_end
            if not start or not end:
                continue  # the dates item says so
            inside = [
                day for day in days_between(start, end) if decision.date_start <= day <= decision.date_end
            ]
            child = self._initials(decision.name)
            if decision.rate_type == "daily":
                qty = line.quantity
                uom = line.product_uom_id
                if day_uom and uom and uom != day_uom and uom._has_common_reference(day_uom):
                    qty = uom._compute_quantity(qty, day_uom, round=False)
                if float_compare(qty, len(inside), precision_digits=2) > 0:
                    problems.append(
                        self.env._(
                            "The child %(child)s: %(qty)s days billed from %(start)s to %(end)s, but the "
                            "care decision covers %(days)s of these days (care from %(dstart)s to %(dend)s).",
                            child=child,
                            qty=self._format_quantity(qty),
                            days=len(inside),
                            start=self._format_date(start),
                            end=self._format_date(end),
                            dstart=self._format_date(decision.date_start),
                            dend=self._format_date(decision.date_end),
                        )
                    )
            else:
                expected = decision._amount_for_days(inside)
                if line.currency_id.compare_amounts(line.price_subtotal, expected) > 0:
                    problems.append(
                        self.env._(
                            "The child %(child)s: %(amount)s billed from %(start)s to %(end)s, more than "
                            "the care decision's %(expected)s for these days.",
                            child=child,
                            amount=format_amount(self.env, line.price_subtotal, line.currency_id),
                            expected=format_amount(self.env, expected, line.currency_id),
                            start=self._format_date(start),
                            end=self._format_date(end),
                        )
                    )
            twice = decision._covered_days(exclude_moves=move).intersection(days_between(start, end))
            if twice:
                problems.append(
                    self.env._(
                        "The child %(child)s: %(count)s day(s) from %(start)s to %(end)s already on "
                        "another invoice.",
                        child=child,
                        count=len(twice),
                        start=self._format_date(min(twice)),
                        end=self._format_date(max(twice)),
                    )
                )
        return problems

    def _check_beneficiaries(self, move):
        problems = []
        decisions = self.care_decision_ids
        for beneficiary in move.chorus_beneficiary_ids:
            end = beneficiary.date_end or beneficiary.date_start
            if not decisions.filtered(
                lambda d, b=beneficiary, e=end: (
                    normalize_name(d.name) == normalize_name(b.name)
                    and d.date_start <= b.date_start
                    and e <= d.date_end
                )
            ):
                problems.append(
                    self.env._(
                        "The child %(child)s has no care decision of order %(order)s covering "
                        "%(start)s to %(end)s.",
                        child=self._initials(beneficiary.name),
                        order=self.display_name,
                        start=self._format_date(beneficiary.date_start),
                        end=self._format_date(end),
                    )
                )
        return problems
