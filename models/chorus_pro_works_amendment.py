# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

from ..lib import works_statement as ws


class ChorusProWorksAmendment(models.Model):
    """An amendment (avenant) of a works contract: items added, or items of the initial
    schedule changed (an item with the same code replaces the previous version). The
    contract's amount with its amendments bounds the statements and the retention."""

    _name = "chorus.pro.works.amendment"
    _description = "Works Contract Amendment"
    _order = "contract_id, date, sequence, id"

    contract_id = fields.Many2one("chorus.pro.works.contract", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="contract_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="contract_id.currency_id")
    name = fields.Char(string="Amendment", required=True, help="e.g. 'Avenant n° 1'.")
    sequence = fields.Integer(default=10)
    date = fields.Date(required=True, default=fields.Date.context_today)
    item_ids = fields.One2many("chorus.pro.works.contract.item", "amendment_id", string="Items")
    amount_change = fields.Monetary(
        string="Change of the Contract Amount",
        compute="_compute_amount_change",
        help="What this amendment adds to the contract amount (negative when it reduces it).",
    )

    @api.depends("item_ids.total", "contract_id.amendment_ids")
    def _compute_amount_change(self):
        for amendment in self:
            contract = amendment.contract_id
            ordered = list(contract._works_amendment_records()) if contract else []
            position = ordered.index(amendment) if amendment in ordered else len(ordered)
            before = [a._works_amendment()[0] for a in ordered[:position]]
            initial = contract.item_ids._works_items()
            total_before = ws.contract_total(initial, before)
            total_after = ws.contract_total(initial, before + amendment._works_amendment())
            amendment.amount_change = float(total_after - total_before)

    def _works_amendment(self):
        """These amendments as lib objects, in the order of the recordset."""
        return [ws.Amendment(a.name or "", tuple(a.item_ids._works_items())) for a in self]
