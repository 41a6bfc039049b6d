# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from . import chorus_pro_month_wizard_mixin  # noqa: F401 (defined before the wizards inheriting it)


class ChorusProCareMonthWizard(models.TransientModel):
    """The month's child-welfare (ASE) invoices in one step.

    For a month, a recipient and (optionally) a service, proposes one line per child and
    care type with the days of the month inside the care period that no invoice covers yet
    (drafts included), at the decision's price; the user adjusts the days (absences,
    hospital stays) and creates one draft invoice per engagement number (care order).
    """

    _name = "chorus.pro.care.month.wizard"
    _inherit = ["chorus.pro.month.wizard.mixin"]
    _description = "Chorus Pro: Month's Care Invoices"

    partner_id = fields.Many2one(
        "res.partner",
        string="Recipient",
        required=True,
        domain="[('chorus_recipient', '=', True), ('is_company', '=', True)]",
        default=lambda self: self._default_partner(),
    )
    service_id = fields.Many2one("chorus.pro.service", domain="[('partner_id', '=', partner_id)]")
    order_ids = fields.Many2many(
        "chorus.pro.order",
        string="Orders",
        domain="[('kind', '=', 'care'), ('partner_id', '=', partner_id)]",
        help="Only these care orders (all of the recipient's by default).",
    )
    line_ids = fields.One2many("chorus.pro.care.month.wizard.line", "wizard_id", string="Proposal")
    amount_total = fields.Monetary(
        string="Total", compute="_compute_amount_total", currency_field="currency_id"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    care_product_id = fields.Many2one(
        related="company_id.chorus_care_product_id",
        string="Default Care Product",
        help="Product (account and tax) of the lines of care decisions without a product of "
        "their own; set in the settings (Chorus Pro).",
    )
    proposal_note = fields.Char(compute="_compute_proposal_note")
    product_problem = fields.Char(compute="_compute_proposal_note")

    @api.model
    def _default_partner(self):
        order = self.env["chorus.pro.order"].search(
            [("kind", "=", "care"), ("company_id", "=", self.env.company.id), ("closed", "=", False)], limit=1
        )
        return order.partner_id

    @api.depends("line_ids.amount", "line_ids.selected")
    def _compute_amount_total(self):
        for wizard in self:
            wizard.amount_total = sum(wizard.line_ids.filtered("selected").mapped("amount"))

    @api.depends("month", "partner_id", "line_ids", "line_ids.selected", "care_product_id")
    def _compute_proposal_note(self):
        for wizard in self:
            if not (wizard.month and wizard.partner_id):
                wizard.proposal_note = self.env._(
                    "Choose the recipient and the month to invoice: the days of care of that "
                    "month not yet on an invoice are proposed here."
                )
            elif not wizard.line_ids:
                wizard.proposal_note = self.env._(
                    "Nothing to invoice: every day of care of this month is already on an invoice."
                )
            else:
                wizard.proposal_note = False
            wizard.product_problem = wizard._product_problem()

    def _product_problem(self):
        """Why selected lines would be invoiced without a tax (the checklist would refuse
        them), or False."""
        self.ensure_one()
        untaxed = self.line_ids.filtered("selected").decision_id.filtered(lambda d: not d._invoice_taxes())
        if not untaxed:
            return False
        if not all(decision.invoice_product_id for decision in untaxed):
            return self.env._(
                "No Default Care Product: %(count)s care decision(s) have no product nor tax. "
                "Choose the Default Care Product in the Settings (Chorus Pro) — its tax gives the "
                "VAT or the exemption of the invoice lines — or a product on each care decision.",
                count=len(untaxed),
            )
        return self.env._(
            "%(count)s care decision(s) would be invoiced without a tax (no tax on product "
            "%(products)s): give the product its VAT, or its exempt tax with the exemption "
            "reason, in the product form.",
            count=len(untaxed),
            products=", ".join(untaxed.invoice_product_id.mapped("display_name")),
        )

    @api.model
    def _action_open_for_orders(self, orders):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Month's Care Invoices"),
            "res_model": self._name,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_partner_id": orders.partner_id[:1].id,
                "default_service_id": orders.service_id.id if len(orders.service_id) == 1 else False,
                "default_order_ids": [Command.set(orders.ids)],
                "default_company_id": orders.company_id[:1].id,
            },
        }

    # ------------------------------------------------------------------
    def _orders(self):
        self.ensure_one()
        domain = [
            ("kind", "=", "care"),
            ("company_id", "=", self.company_id.id),
            ("partner_id", "=", self.partner_id.id),
            ("closed", "=", False),
        ]
        if self.service_id:
            domain.append(("service_id", "=", self.service_id.id))
        if self.order_ids:
            domain.append(("id", "in", self.order_ids.ids))
        return self.env["chorus.pro.order"].search(domain)

    @api.model
    def _proposals(self, orders, first, last):
        """What remains to invoice from ``first`` to ``last``: dicts with the decision,
        the uncovered period and its number of days."""
        result = []
        decisions = self.env["chorus.pro.care.decision"].search(
            [("order_id", "in", orders.ids), ("date_start", "<=", last), ("date_end", ">=", first)],
            order="order_id, name, care_type, date_start, id",
        )
        for decision in decisions:
            for start, end in decision._uncovered_runs(first, last):
                result.append(
                    {
                        "decision_id": decision.id,
                        "date_start": start,
                        "date_end": end,
                        "days": (end - start).days + 1,
                    }
                )
        return result

    @api.model
    def _proposal_line_values(self, order, first, last):
        decisions = self.env["chorus.pro.care.decision"]
        return [
            decisions.browse(p["decision_id"])._invoice_line_values(p["date_start"], p["date_end"], p["days"])
            for p in self._proposals(order, first, last)
        ]

    @api.onchange("month", "partner_id", "service_id", "order_ids", "company_id")
    def _onchange_propose(self):
        self.line_ids = self._proposal_commands()

    def _proposal_commands(self):
        if not (self.month and self.partner_id):
            return [Command.clear()]
        first, last = self._period()
        return [Command.clear()] + [
            Command.create(vals) for vals in self._proposals(self._orders(), first, last)
        ]

    def action_propose(self):
        """Propose again (in the database): the uncovered days of the month."""
        self.ensure_one()
        self.line_ids = self._proposal_commands()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }

    def _create_invoices(self):
        self.ensure_one()
        lines = self.line_ids.filtered(lambda l: l.selected and l.days > 0)
        if not lines:
            raise UserError(self.env._("Nothing to invoice for this month."))
        lines._check_days()
        problem = self._product_problem()
        if problem:
            raise UserError(problem)
        moves = self.env["account.move"]
        for order in lines.order_id:
            order_lines = lines.filtered(lambda l, o=order: l.order_id == o)
            moves |= (
                self.env["account.move"]
                .with_company(order.company_id)
                .create(
                    {
                        "move_type": "out_invoice",
                        "company_id": order.company_id.id,
                        "partner_id": order.partner_id.id,
                        "invoice_date": self.invoice_date,
                        "chorus_order_id": order.id,
                        **order._invoice_header_values(),
                        "invoice_line_ids": [
                            Command.create(
                                line.decision_id._invoice_line_values(
                                    line.date_start, line.date_end, line.days
                                )
                            )
                            for line in order_lines
                        ],
                    }
                )
            )
        return moves

    def action_create_invoices(self):
        moves = self._create_invoices()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        if len(moves) == 1:
            action.update({"res_id": moves.id, "view_mode": "form", "views": [(False, "form")]})
        else:
            action["domain"] = [("id", "in", moves.ids)]
        return action
