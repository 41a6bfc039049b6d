# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib import works_statement as ws

ITEM_KINDS = [
    (ws.LUMP_SUM, "Lump sum (DPGF)"),
    (ws.UNIT, "Unit price (BPU)"),
]


class ChorusProWorksContractItem(models.Model):
    """An item of a works contract's price schedule: a DPGF lump sum (valued at the
    percentage done) or a BPU unit price with the contract's quantity (valued at the
    quantity done × the unit price, never fractioned). An item of an amendment with the
    code of an existing item replaces it (new price or quantity)."""

    _name = "chorus.pro.works.contract.item"
    _description = "Works Contract Price Item"
    _order = "contract_id, amendment_id desc, sequence, id"
    _check_company_auto = True

    contract_id = fields.Many2one("chorus.pro.works.contract", required=True, index=True, ondelete="cascade")
    amendment_id = fields.Many2one(
        "chorus.pro.works.amendment",
        index="btree_not_null",
        ondelete="cascade",
        help="The amendment that adds or changes this item (empty: the initial schedule).",
    )
    company_id = fields.Many2one(related="contract_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="contract_id.currency_id")
    sequence = fields.Integer(default=10)
    code = fields.Char(required=True, help="Number of the item in the DPGF or the BPU, e.g. '2.1'.")
    name = fields.Char(string="Description", required=True)
    kind = fields.Selection(ITEM_KINDS, required=True, default=ws.LUMP_SUM)
    price = fields.Monetary(
        required=True,
        help="Lump sum of a DPGF item, unit price of a BPU item, excluding VAT, at the initial prices.",
    )
    quantity = fields.Float(
        default=1.0, digits="Product Unit", help="Quantity the contract provides for a unit-price item."
    )
    uom = fields.Char(string="Unit", help="e.g. m², ml, u, forfait.")
    total = fields.Monetary(compute="_compute_total", store=True)

    @api.model_create_multi
    def create(self, vals_list):
        # An amendment's item belongs to the amendment's contract.
        for vals in vals_list:
            if vals.get("amendment_id") and not vals.get("contract_id"):
                vals["contract_id"] = (
                    self.env["chorus.pro.works.amendment"].browse(vals["amendment_id"]).contract_id.id
                )
        return super().create(vals_list)

    def write(self, vals):
        if {"code", "kind", "price", "quantity", "contract_id", "amendment_id"}.intersection(vals):
            for contract in self.contract_id:
                contract._works_check_terms_open()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_unless_statements(self):
        for contract in self.contract_id:
            contract._works_check_terms_open()

    @api.depends("kind", "price", "quantity")
    def _compute_total(self):
        for item in self:
            item.total = float(item._works_item().total)

    @api.constrains("price", "quantity", "kind")
    def _check_values(self):
        for item in self:
            if item.price < 0 or (item.kind == ws.UNIT and item.quantity < 0):
                raise ValidationError(
                    self.env._(
                        "Item %(code)s of %(contract)s has a negative price or quantity.",
                        code=item.code,
                        contract=item.contract_id.display_name,
                    )
                )

    @api.constrains("code", "contract_id", "amendment_id")
    def _check_unique_code(self):
        for item in self:
            twins = item.contract_id.all_item_ids.filtered(
                lambda other, item=item: (
                    other != item and other.code == item.code and other.amendment_id == item.amendment_id
                )
            )
            if twins:
                raise ValidationError(
                    self.env._(
                        "Item %(code)s appears twice in %(where)s.",
                        code=item.code,
                        where=item.amendment_id.display_name or item.contract_id.display_name,
                    )
                )

    @api.depends("code", "name")
    def _compute_display_name(self):
        for item in self:
            item.display_name = f"{item.code} {item.name}" if item.code else (item.name or "")

    def _works_item(self):
        self.ensure_one()
        return ws.Item(
            self.code or "",
            self.name or "",
            self.kind or ws.LUMP_SUM,
            ws.dec(self.price or 0.0),
            ws.dec(self.quantity if self.kind == ws.UNIT else 1.0),
            self.uom or "",
        )

    def _works_items(self):
        return [item._works_item() for item in self]
