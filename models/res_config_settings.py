# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models

from .res_company import SECRET_GROUPS


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    chorus_environment = fields.Selection(related="company_id.chorus_environment", readonly=False)
    chorus_api_url = fields.Char(related="company_id.chorus_api_url", readonly=False)
    chorus_token_url = fields.Char(related="company_id.chorus_token_url", readonly=False)
    chorus_client_id = fields.Char(
        related="company_id.chorus_client_id", readonly=False, groups=SECRET_GROUPS
    )
    chorus_client_secret = fields.Char(
        related="company_id.chorus_client_secret", readonly=False, groups=SECRET_GROUPS
    )
    chorus_login = fields.Char(related="company_id.chorus_login", readonly=False, groups=SECRET_GROUPS)
    chorus_password = fields.Char(related="company_id.chorus_password", readonly=False, groups=SECRET_GROUPS)
    chorus_password_expiry_date = fields.Date(
        related="company_id.chorus_password_expiry_date", readonly=False
    )
    chorus_directory_refresh_days = fields.Integer(
        related="company_id.chorus_directory_refresh_days", readonly=False
    )
    chorus_check_engagement = fields.Boolean(related="company_id.chorus_check_engagement", readonly=False)
    chorus_post_check = fields.Selection(related="company_id.chorus_post_check", readonly=False)
    chorus_responsible_id = fields.Many2one(
        related="company_id.chorus_responsible_id",
        readonly=False,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
    )
    chorus_facturx_fr_ctc = fields.Boolean(related="company_id.chorus_facturx_fr_ctc", readonly=False)

    def action_chorus_test_connection(self):
        """Test connection (button with ``noSaveDialog``): the web client saves the
        settings first, which writes the Chorus Pro fields (related to the company) to
        the company, then calls this: the test runs with what the user just typed."""
        self.ensure_one()
        return self.env["chorus.pro.connector"]._action_test_connection(self.company_id)
