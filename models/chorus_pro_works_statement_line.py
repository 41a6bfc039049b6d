# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

from ..lib import works_statement as ws


class ChorusProWorksStatementLine(models.Model):
    """An item of a works statement: the previous cumulative (from the previous
    statement), this month and the new cumulative — a percentage of a lump-sum item, a
    quantity of a unit-price item — and their amounts at the initial prices, excluding
    VAT (each cumulative rounded to the cent, the month is their difference)."""

    _name = "chorus.pro.works.statement.line"
    _description = "Works Statement Item"
    _order = "statement_id, sequence, id"

    statement_id = fields.Many2one(
        "chorus.pro.works.statement", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="statement_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="statement_id.currency_id")
    sequence = fields.Integer(default=10)
    item_id = fields.Many2one("chorus.pro.works.contract.item", required=True, ondelete="restrict")
    code = fields.Char(related="item_id.code")
    name = fields.Char(related="item_id.name", string="Description")
    kind = fields.Selection(related="item_id.kind")
    uom = fields.Char(compute="_compute_uom", string="Unit")
    previous = fields.Float(
        string="Previous Cumulative",
        digits="Product Unit",
        readonly=True,
        help="Cumulative of the previous statement: percentage of a lump sum, quantity of a unit item.",
    )
    cumulative = fields.Float(
        string="New Cumulative",
        digits="Product Unit",
        help="Done since the notification: percentage of a lump sum, quantity of a unit item.",
    )
    month = fields.Float(string="This Month", compute="_compute_amounts", digits="Product Unit")
    previous_amount = fields.Monetary(compute="_compute_amounts")
    month_amount = fields.Monetary(compute="_compute_amounts", string="Amount of the Month")
    cumulative_amount = fields.Monetary(compute="_compute_amounts")
    reason = fields.Char(
        help="Why the cumulative is below the previous one (e.g. a contradictory measurement)."
    )

    @api.depends("item_id.kind", "item_id.uom")
    def _compute_uom(self):
        for line in self:
            line.uom = "%" if line.item_id.kind == ws.LUMP_SUM else (line.item_id.uom or "")

    @api.depends("previous", "cumulative", "item_id.price", "item_id.kind", "item_id.quantity")
    def _compute_amounts(self):
        for line in self:
            item = line.item_id._works_item() if line.item_id else ws.Item("", "")
            previous_amount = item.value(ws.dec(line.previous))
            cumulative_amount = item.value(ws.dec(line.cumulative))
            line.month = line.cumulative - line.previous
            line.previous_amount = float(previous_amount)
            line.cumulative_amount = float(cumulative_amount)
            line.month_amount = float(cumulative_amount - previous_amount)

    def _works_check_editable(self):
        for statement in self.statement_id:
            if statement.state != "draft":
                statement._works_check_draft()

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._works_check_editable()
        return lines

    def write(self, vals):
        self._works_check_editable()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        self._works_check_editable()
