# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class AccountMoveLine(models.Model):
    """Invoice lines made from a public order line or an ASE care decision.

    The links are copied: a credit note (reversal) gives back the same order line or the
    same days of care; a duplicated invoice covers the same days and the checklist says so.
    """

    _inherit = "account.move.line"

    chorus_order_id = fields.Many2one(related="move_id.chorus_order_id", store=True,
                                      index="btree_not_null", string="Chorus Pro Order")
    chorus_order_line_id = fields.Many2one("chorus.pro.order.line", string="Order Line",
                                           index="btree_not_null", ondelete="set null")
    chorus_care_decision_id = fields.Many2one(
        "chorus.pro.care.decision", string="Care Decision", index="btree_not_null",
        ondelete="restrict", groups="account.group_account_invoice")
    chorus_care_date_start = fields.Date(string="Care From")
    chorus_care_date_end = fields.Date(string="Care To")
