# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

# Chorus Pro's "Service des factures publiques" only takes invoices between public
# bodies: a supplier invoice addressed to it is rejected.
from ..lib.chorus import FACTURES_PUBLIQUES


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
    company_id = fields.Many2one(related="partner_id.company_id", store=True, index=True, string="Company")
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
    postal_address = fields.Char(
        readonly=True,
        help="The service's postal address in the Chorus Pro directory (consulter/service), "
        "read with its details.",
    )
    details_sync_date = fields.Datetime(
        string="Details Loaded At",
        readonly=True,
        help="When the service's details (engagement number required, validity) were "
        "last read from Chorus Pro (consulter/service). The directory read only lists "
        "the services: the details are read when the service is chosen on an invoice "
        "being checked or deposited, then refreshed by the weekly directory cron.",
    )
    details_known = fields.Boolean(
        compute="_compute_details_known",
        help="Whether 'Engagement Number Required' is known: read from Chorus Pro, or "
        "entered by hand on a service that was never synchronised with the directory.",
    )

    _code_partner_uniq = models.Constraint(
        "unique(partner_id, code)",
        "A service code must be unique per Chorus Pro recipient.",
    )

    @api.depends("code", "name")
    def _compute_display_name(self):
        for service in self:
            service.display_name = f"{service.code} - {service.name}" if service.name else service.code

    @api.depends("details_sync_date", "sync_date", "chorus_service_identifier")
    def _compute_details_known(self):
        for service in self:
            service.details_known = not service._chorus_details_unknown()

    def _chorus_details_unknown(self):
        """True when the directory listed this service but its details were never read:
        its 'Engagement Number Required' is not known yet. A service entered by hand
        (never synchronised) keeps the value entered."""
        self.ensure_one()
        return bool(self.sync_date and self.chorus_service_identifier and not self.details_sync_date)

    def _chorus_details_stale(self, company):
        """True when the details were never read, or read more than the company's
        directory refresh delay ago (only for services read from the directory)."""
        self.ensure_one()
        if not (self.sync_date and self.chorus_service_identifier):
            return False
        if not self.details_sync_date:
            return True
        days = company.chorus_directory_refresh_days or 0
        return self.details_sync_date < fields.Datetime.now() - timedelta(days=days)

    def action_chorus_load_details(self):
        """Read the details of these services from Chorus Pro now."""
        errors = self.env["chorus.pro.connector"]._load_service_details(self, self.env.company)
        if errors:
            raise UserError("\n".join(errors.values()))
        return True

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
                        "The validity of Chorus Pro service %(service)s ends before it starts.",
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
