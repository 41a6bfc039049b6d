# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    chorus_order_overrun = fields.Selection(related="company_id.chorus_order_overrun", readonly=False)
    chorus_care_product_id = fields.Many2one(related="company_id.chorus_care_product_id", readonly=False)
