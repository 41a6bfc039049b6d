# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A payment deadline set by the order's contract, shorter than the legal one."""

from odoo import fields, models


class ChorusProOrder(models.Model):
    _inherit = "chorus.pro.order"

    payment_deadline_days = fields.Integer(
        string="Contractual Payment Deadline (days)",
        help="When this order's contract sets a shorter payment deadline, in days; empty: the "
        "recipient's (its contractual deadline, else the legal one of its kind).",
    )
