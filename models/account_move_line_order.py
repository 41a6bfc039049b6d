# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models
from odoo.tools import float_compare

from .chorus_pro_care_decision import days_between


class AccountMoveLine(models.Model):
    """Invoice lines made from a public order line or an ASE care decision.

    A credit note (reversal) keeps the links: it gives back the same order line or the
    same days of care. A duplicated invoice (Odoo's *Duplicate*) keeps a link only while
    its quantity still remains on the order line, or its days are on no other invoice
    (drafts included): otherwise the copy's line is no longer tied to the order, the
    checklist blocks it ("not an item of the order") and nothing is counted twice.
    """

    _inherit = "account.move.line"

    chorus_order_id = fields.Many2one(
        related="move_id.chorus_order_id", store=True, index="btree_not_null", string="Chorus Pro Order"
    )
    chorus_order_line_id = fields.Many2one(
        "chorus.pro.order.line", string="Order Line", index="btree_not_null", ondelete="set null"
    )
    chorus_care_decision_id = fields.Many2one(
        "chorus.pro.care.decision",
        string="Care Decision",
        index="btree_not_null",
        ondelete="restrict",
        groups="account.group_account_invoice",
    )
    chorus_care_date_start = fields.Date(string="Care From")
    chorus_care_date_end = fields.Date(string="Care To")

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        if self.env.context.get("include_business_fields"):
            return vals_list  # a reversal: the credit note gives back what the invoice billed
        for line, vals in zip(self, vals_list, strict=True):
            if line.sudo().chorus_order_line_id and not line._chorus_order_line_remains():
                vals["chorus_order_line_id"] = False
            if line.sudo().chorus_care_decision_id and not line._chorus_care_days_remain():
                vals.update(
                    chorus_care_decision_id=False, chorus_care_date_start=False, chorus_care_date_end=False
                )
        return vals_list

    def _chorus_order_line_remains(self):
        """Whether this line's quantity still remains on its order line, counting every
        invoice that is not cancelled (drafts too: this line's own invoice is one)."""
        self.ensure_one()
        order_line = self.sudo().chorus_order_line_id
        qty = order_line._qty_from_move_line(self)
        if qty is None:
            return False
        already, _amount = order_line._billed(drafts=True)
        return (
            float_compare(qty, order_line.quantity - already, precision_digits=order_line._qty_digits()) <= 0
        )

    def _chorus_care_days_remain(self):
        """Whether none of this line's days of care is on another invoice that is not
        cancelled (this line's own invoice included)."""
        self.ensure_one()
        decision = self.sudo().chorus_care_decision_id
        days = days_between(self.chorus_care_date_start, self.chorus_care_date_end)
        return bool(days) and not decision._covered_days().intersection(days)
