# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# Chorus Pro asks for a new technical password every 424 days (14 months).
TECHNICAL_PASSWORD_LIFETIME_DAYS = 424
SECRET_GROUPS = "account.group_account_manager,base.group_system"


class ResCompany(models.Model):
    _inherit = "res.company"

    chorus_environment = fields.Selection(
        [
            ("qualification", "Qualification (tests)"),
            ("production", "Production"),
            ("custom", "Custom URL (simulator)"),
        ],
        string="Chorus Pro Environment",
        default="qualification",
    )
    chorus_api_url = fields.Char(
        string="Chorus Pro API URL", help="Only for a custom environment, e.g. the simulator."
    )
    chorus_token_url = fields.Char(
        string="PISTE Token URL", help="Only for a custom environment, e.g. the simulator."
    )
    chorus_client_id = fields.Char(string="PISTE Client ID", groups=SECRET_GROUPS, copy=False)
    chorus_client_secret = fields.Char(string="PISTE Client Secret", groups=SECRET_GROUPS, copy=False)
    chorus_login = fields.Char(
        string="Technical Account Login",
        groups=SECRET_GROUPS,
        copy=False,
        help="Login of the Chorus Pro technical user, e.g. TECH_1_<SIRET>@cpro.fr.",
    )
    chorus_password = fields.Char(string="Technical Account Password", groups=SECRET_GROUPS, copy=False)
    chorus_password_expiry_date = fields.Date(
        string="Technical Password Expiry",
        copy=False,
        help="Chorus Pro requires a new technical password every 424 days. A reminder "
        "activity is scheduled 15 days before this date.",
    )
    chorus_directory_refresh_days = fields.Integer(
        string="Refresh Recipients After (days)",
        default=7,
        help="When an invoice is prepared for Chorus Pro, its recipient is read again "
        "from the Chorus Pro directory if the last reading is older than this.",
    )
    chorus_check_engagement = fields.Boolean(
        string="Check Engagement Numbers on Chorus Pro",
        help="Look the engagement number (EJ) up in Chorus Pro before depositing. Not "
        "every public body publishes its engagements: a number not found is only a warning.",
    )
    chorus_facturx_fr_ctc = fields.Boolean(
        string="Also Check the 2026 Reform Rules (BR-FR)",
        help="Validate the Factur-X against the French e-invoicing reform schematron as "
        "well. Today's Chorus Pro practice (SIRET as legal identifier, billing frame A1) "
        "breaks some of these rules: enable it only to prepare the reform.",
    )
    chorus_last_status_sync = fields.Datetime(
        string="Last Chorus Status Synchronisation", readonly=True, copy=False
    )
    # Legal mentions of the invoice (Code de commerce R123-237), printed in the
    # supplier block of the Chorus Pro invoice document.
    chorus_legal_form = fields.Char(
        string="Legal Form", help="Printed on invoices, e.g. SARL, SAS, EI, association loi 1901."
    )
    chorus_share_capital = fields.Monetary(
        string="Share Capital",
        currency_field="currency_id",
        help="Printed on invoices for companies that have a share capital.",
    )
    chorus_trade_register = fields.Char(
        string="Trade Register",
        help="Registration printed on invoices, e.g. 'RCS Bobigny 812 345 676' or "
        "'RM 93'. Leave empty when not registered.",
    )
    chorus_post_check = fields.Selection(
        [("block", "Block posting"), ("warn", "Warn only")],
        string="Missing Chorus Mentions at Posting",
        default="block",
    )
    chorus_responsible_id = fields.Many2one(
        "res.users",
        string="Chorus Pro Responsible",
        domain="[('share', '=', False), ('company_ids', 'in', id)]",
        help="Receives the activities of the invoices Chorus Pro or the recipient returns and "
        "of the flows that need attention. When empty, the user who deposited the invoice "
        "receives them (else the invoice's salesperson).",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._chorus_default_expiry(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._chorus_default_expiry(vals)
        return super().write(vals)

    def _chorus_activity_user(self, *candidates):
        """Who a Chorus Pro activity of this company goes to: its Chorus Pro responsible
        when set, else the first of ``candidates`` (the user who deposited, the invoice's
        salesperson...) who still works in the company, else the current user."""
        self.ensure_one()
        for user in (self.chorus_responsible_id, *candidates):
            if user and self._chorus_can_follow(user):
                return user
        return self.env.user

    def _chorus_can_follow(self, user):
        """Whether ``user`` can act on this company's invoices and flows: active, with the
        invoicing rights, in the company."""
        self.ensure_one()
        user = user.sudo()
        return bool(
            user.active and self in user.company_ids and user.has_group("account.group_account_invoice")
        )

    @api.constrains("chorus_responsible_id")
    def _check_chorus_responsible(self):
        for company in self.filtered("chorus_responsible_id"):
            if not company._chorus_can_follow(company.chorus_responsible_id):
                raise ValidationError(
                    self.env._(
                        "%(user)s cannot be the Chorus Pro responsible of %(company)s: they could not "
                        "open its invoices. Choose an active user with invoicing rights in this company "
                        "(or give them these rights first).",
                        user=company.chorus_responsible_id.name,
                        company=company.name,
                    )
                )

    @api.model
    def _chorus_default_expiry(self, vals):
        """A new technical password is valid 424 days unless a date is given."""
        if vals.get("chorus_password") and "chorus_password_expiry_date" not in vals:
            vals["chorus_password_expiry_date"] = fields.Date.context_today(self) + relativedelta(
                days=TECHNICAL_PASSWORD_LIFETIME_DAYS
            )
