# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    chorus_orders_required = fields.Boolean(
        string="Orders Required",
        help="Every invoice to this Chorus Pro recipient must be made from one of its orders "
        "(purchase order, service order or care decisions): the checklist blocks an invoice "
        "without one.",
    )
