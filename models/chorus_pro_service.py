# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

# Chorus Pro's "Service des factures publiques" only takes invoices between public
# bodies: a supplier invoice addressed to it is rejected.
from ..lib.chorus_client import FACTURES_PUBLIQUES


class ChorusProService(models.Model):
    """A service ("service exécutant") of a Chorus Pro recipient structure.

    Its code goes to the invoice's BT-10 (``buyer_reference``).
    """

    _name = "chorus.pro.service"
    _description = "Chorus Pro Service"
    _order = "partner_id, code"
    _rec_names_search = ["code", "name"]

    partner_id = fields.Many2one(
        "res.partner",
        string="Recipient",
        required=True,
        index=True,
        ondelete="cascade",
        domain=[("is_company", "=", True)],
    )
    company_id = fields.Many2one(
        related="partner_id.company_id", store=True, index=True, string="Company"
    )
    code = fields.Char(
        string="Service Code",
        required=True,
        help="Code of the service in the Chorus Pro directory ('code service "
        "exécutant'), sent as BT-10 of the Factur-X invoice.",
    )
    name = fields.Char(string="Label", required=True, translate=False)
    active = fields.Boolean(default=True)
    date_start = fields.Date(string="Valid From")
    date_end = fields.Date(string="Valid Until")
    engagement_required = fields.Boolean(
        string="Engagement Number Required",
        help="Chorus Pro requires an engagement number (EJ) on invoices sent to this "
        "service, whatever the structure-level setting.",
    )
    beneficiary_required = fields.Boolean(
        string="Beneficiaries Required",
        help="Invoices to this service must list the beneficiaries (children or young "
        "people concerned) with the execution dates, as the Département de la "
        "Seine-Saint-Denis requires for child-welfare (ASE) invoices.",
    )
    chorus_service_identifier = fields.Integer(
        string="Chorus Service ID",
        readonly=True,
        help="Technical identifier of the service in Chorus Pro (idService).",
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Invoicing Contact",
        help="Who to contact at the recipient about invoices sent to this service.",
    )
    sync_date = fields.Datetime(string="Last Directory Sync", readonly=True)

    _code_partner_uniq = models.Constraint(
        "unique(partner_id, code)",
        "A service code must be unique per Chorus Pro recipient.",
    )

    @api.depends("code", "name")
    def _compute_display_name(self):
        for service in self:
            service.display_name = (
                f"{service.code} - {service.name}" if service.name else service.code
            )

    @api.constrains("code")
    def _check_factures_publiques(self):
        for service in self:
            if (service.code or "").strip().upper() == FACTURES_PUBLIQUES:
                raise ValidationError(
                    self.env._(
                        "The Chorus Pro service %(code)s is reserved for invoices "
                        "between public bodies: a supplier cannot invoice it. Ask the "
                        "recipient for the code of the service that ordered the work.",
                        code=FACTURES_PUBLIQUES,
                    )
                )

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for service in self:
            if service.date_start and service.date_end and service.date_start > service.date_end:
                raise ValidationError(
                    self.env._(
                        "The validity of Chorus Pro service %(service)s ends before it "
                        "starts.",
                        service=service.display_name,
                    )
                )

    def _is_valid_on(self, date):
        """Whether the service can receive an invoice dated ``date``."""
        self.ensure_one()
        if not self.active:
            return False
        if date and self.date_start and date < self.date_start:
            return False
        if date and self.date_end and date > self.date_end:
            return False
        return True
