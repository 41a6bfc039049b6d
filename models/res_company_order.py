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
        "amount), bills days of care beyond a child's care decision or days already on "
        "another invoice: block it in the checklist, or only warn.",
    )
    chorus_care_product_id = fields.Many2one(
        "product.product",
        string="Default Care Product",
        check_company=True,
        domain="[('sale_ok', '=', True)]",
        help="Product of the invoice lines of the care decisions (ASE) that have no product "
        "of their own (e.g. imported without one): its income account and its tax — child "
        "welfare care is usually exempt, with the exemption reason on the tax.",
    )
