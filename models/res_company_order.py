# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    chorus_order_overrun = fields.Selection(
        [("block", "Block"), ("warn", "Warn")],
        string="Invoice Beyond the Order",
        default="block",
        required=True,
        help="When an invoice asks for more than what remains of its order (quantities or "
        "amount): block it in the checklist, or only warn.")
