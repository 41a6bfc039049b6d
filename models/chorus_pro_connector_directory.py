# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Chorus Pro directory: recipients (structures) and their services, read from Chorus Pro.

A directory read costs a bounded number of calls (structure search, ``consulter`` and the
paginated services listing: 5 calls for a 218-service structure at 100 per page, 24 if
the platform pages by 10), never one call per
service. A service's details ("EJ required", validity) come from ``consulter/service``,
read one service at a time when they are needed: when the service is chosen on an invoice
being checked or deposited and its details were never read or are older than the
company's refresh delay (``_ensure_service_details``), and by the weekly directory cron
for the services used on invoices of the last months (``_refresh_service_details``).
"""

import logging
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..lib import chorus as cc

_logger = logging.getLogger(__name__)

# The weekly cron refreshes the details of the services used on invoices dated within
# this many months (system parameter; 0 = every service read from the directory).
PARAM_DETAILS_MONTHS = "l10n_fr_chorus_pro.service_details_months"
DEFAULT_DETAILS_MONTHS = 6
# Services whose details could not be read in this request (cursor cache): id -> message.
FAILED_DETAILS_KEY = "l10n_fr_chorus_pro.service_details_failed"
# Add a public body by SIRET reads the details of each service of a structure of at most
# this many services (one call each).
ADD_DETAILS_LIMIT = 20
# Recipients whose address could not be read in this request (cursor cache): id -> message.
FAILED_ADDRESS_KEY = "l10n_fr_chorus_pro.recipient_address_failed"


class ChorusProConnectorDirectory(models.AbstractModel):
    _inherit = "chorus.pro.connector"

    @api.model
    def _sync_recipients(self, partners, company=None, raise_if_missing=True):
        """Read each recipient's structure, flags and services from the directory. A
        recipient sharing its SIRET with the module's own copy of a seeded recipient
        absorbs the copy first (``res.partner._chorus_join_seeded_copy``). Returns the
        recipients read."""
        client = self._get_client(company or self.env.company)
        done = self.env["res.partner"]
        for partner in partners:
            if not partner.exists() or partner in done:
                continue  # a copy joined to a recipient read before, or that recipient
            partner = partner._chorus_join_seeded_copy()
            done |= partner
            try:
                entry = client.get_directory_entry(partner.company_registry, service_details=False)
            except cc.ChorusError as error:
                raise UserError(self._error_message(error)) from error
            if not entry:
                if raise_if_missing:
                    raise UserError(
                        self.env._(
                            "SIRET %(siret)s of %(partner)s is not in the Chorus Pro "
                            "directory: check it with the recipient.",
                            siret=partner.company_registry,
                            partner=partner.display_name,
                        )
                    )
                _logger.warning("SIRET %s not in the Chorus Pro directory", partner.company_registry)
                continue
            self._apply_directory_entry(partner, entry)
        return done

    @api.model
    def _add_public_body(self, siret, company):
        """The recipient with this (valid, compact) SIRET, read from the directory in one
        step: name, address, routing rule and services. A company of the database with the
        same SIRET (shared, or of ``company``) is completed, never duplicated; otherwise one
        is created. A SIRET the directory does not know, a private or closed structure
        raise a UserError saying what to do."""
        client = self._get_client(company)
        try:
            entry = client.get_directory_entry(siret, service_details=False)
        except cc.ChorusError as error:
            raise UserError(self._error_message(error)) from error
        Partner = self.env["res.partner"].sudo()
        if not entry:
            raise UserError(
                self.env._(
                    "No public body with SIRET %(siret)s in the Chorus Pro directory: check the "
                    "number with the public body (its purchase order, or "
                    "annuaire-entreprises.data.gouv.fr). Only the structures registered on "
                    "Chorus Pro receive their invoices there.",
                    siret=siret,
                )
            )
        if not entry.get("public"):
            raise UserError(
                self.env._(
                    "%(name)s (SIRET %(siret)s) is a private company on Chorus Pro, not a public "
                    "body: invoice it as any other customer.",
                    name=entry.get("name") or siret,
                    siret=siret,
                )
            )
        if not entry.get("active", True):
            raise UserError(
                self.env._(
                    "%(name)s (SIRET %(siret)s) is closed on Chorus Pro: ask the public body for "
                    "the SIRET it invoices under now.",
                    name=entry.get("name") or siret,
                    siret=siret,
                )
            )
        candidates = (Partner._chorus_companies_by_siret([siret]).get(siret) or Partner).filtered(
            lambda p: not p.company_id or p.company_id == company
        )
        partner = candidates[:1]
        if partner:
            vals = {} if partner.chorus_recipient else {"chorus_recipient": True, "lang": partner.lang}
            if partner.company_registry != siret:
                vals["company_registry"] = siret
            if vals:
                partner.write(vals)
            note = self.env._(
                "Completed from the Chorus Pro directory (Add a public body by SIRET %(siret)s).",
                siret=siret,
            )
        else:
            partner = Partner.create(
                {
                    "name": entry.get("name") or siret,
                    "is_company": True,
                    "company_registry": siret,
                    "chorus_recipient": True,
                }
            )
            note = self.env._(
                "Created from the Chorus Pro directory (Add a public body by SIRET %(siret)s).",
                siret=siret,
            )
        self._apply_directory_entry(partner, entry)
        # Ready to invoice: what each service requires (EJ) is read now for a structure of
        # a few services; a larger one's services are read when chosen on an invoice.
        services = partner.chorus_service_ids.filtered("active")
        if len(services) <= ADD_DETAILS_LIMIT:
            self._load_service_details(services, company, client=client)
        partner.message_post(body=note, subtype_xmlid="mail.mt_note")
        return partner

    @api.model
    def _routing_rule(self, entry):
        if entry.get("engagement_or_service"):
            return "service_or_engagement"
        if entry.get("service_required") and entry.get("engagement_required"):
            return "service_and_engagement"
        if entry.get("service_required"):
            return "service"
        if entry.get("engagement_required"):
            return "engagement"
        return "none"

    @api.model
    def _apply_directory_entry(self, partner, entry):
        now = fields.Datetime.now()
        partner = partner.sudo()
        partner.write(
            {
                "chorus_structure_identifier": entry.get("idStructureCPP") or False,
                "chorus_routing_rule": self._routing_rule(entry),
                "chorus_sync_date": now,
            }
        )
        partner._chorus_apply_directory_address(entry)
        Service = self.env["chorus.pro.service"].sudo().with_context(active_test=False)
        existing = {s.code: s for s in Service.search([("partner_id", "=", partner.id)])}
        seen = set()
        for item in entry.get("services", []):
            code = item.get("code")
            if not code:
                continue
            seen.add(code)
            vals = {
                "name": item.get("name") or code,
                "active": bool(item.get("active", True)),
                "date_start": item.get("date_start") or False,
                "date_end": item.get("date_end") or False,
                "chorus_service_identifier": item.get("idService") or 0,
                "sync_date": now,
            }
            if item.get("details_loaded"):
                vals.update(engagement_required=bool(item.get("engagement_required")), details_sync_date=now)
                vals["postal_address"] = self._format_postal_address(item.get("address"))
            # Otherwise the details are unknown: what was read before is kept, with its
            # date (read again on demand once older than the refresh delay).
            if code in existing:
                existing[code].write(vals)
            else:
                Service.create(dict(vals, partner_id=partner.id, code=code))
        for code, service in existing.items():
            if code not in seen and service.active:
                service.active = False

    @api.model
    def _format_postal_address(self, address):
        """A service's ``adressePostale`` (``cc.postal_address``) on one line, or False."""
        address = address or {}
        town = " ".join(filter(None, (address.get("zip"), address.get("city"))))
        return ", ".join(filter(None, (address.get("street"), address.get("street2"), town))) or False

    @api.model
    def _ensure_recipient_address(self, partner, company):
        """Read the address of the recipient ``partner`` from the directory when it is
        incomplete (its first use on an invoice of ``company``): the checklist checks
        the address right after. Not read again within the company's refresh delay
        (the directory had nothing more), nor twice in one request when Chorus Pro
        cannot be reached. Returns None, or why the directory could not be read."""
        partner = partner.commercial_partner_id
        if not partner.chorus_recipient or not partner.company_registry or partner._chorus_address_complete():
            return None
        limit = fields.Datetime.now() - timedelta(days=company.sudo().chorus_directory_refresh_days or 0)
        if partner.chorus_address_sync_date and partner.chorus_address_sync_date > limit:
            return None
        failed = self.env.cr.cache.setdefault(FAILED_ADDRESS_KEY, {})
        if partner.id in failed:
            return failed[partner.id]
        try:
            with self.env.cr.savepoint():
                self._sync_recipients(partner, company=company)
        except UserError as error:
            failed[partner.id] = error.args[0]
            _logger.warning("Address of %s not read from the Chorus Pro directory: %s", partner.id, error)
            return error.args[0]
        return None

    @api.model
    def _refresh_stale_recipients(self, partners, company):
        """Refresh recipients whose directory data is older than the company's delay."""
        limit = fields.Datetime.now() - timedelta(days=company.chorus_directory_refresh_days or 0)
        stale = partners.filtered(lambda p: not p.chorus_sync_date or p.chorus_sync_date < limit)
        if stale:
            self._sync_recipients(stale, company=company)
        return stale

    # ------------------------------------------------------------------
    # Service details (consulter/service), on demand
    # ------------------------------------------------------------------

    @api.model
    def _load_service_details(self, services, company, client=None):
        """Read the details of ``services`` from Chorus Pro, one ``consulter/service``
        call each, and keep them on the services. Only services read from the directory
        (a Chorus service id and the recipient's structure id) are read. Returns
        ``{service: message}`` for the services whose details could not be read."""
        services = services.sudo().filtered(
            lambda s: s.chorus_service_identifier and s.partner_id.chorus_structure_identifier
        )
        if not services:
            return {}
        if client is None:
            try:
                client = self._get_client(company)
            except UserError as error:
                return dict.fromkeys(services, error.args[0])
        errors = {}
        for service in services:
            listed = {
                "idService": service.chorus_service_identifier,
                "code": service.code,
                "name": service.name,
                "active": service.active,
            }
            try:
                entry = client.get_service_entry(
                    service.partner_id.chorus_structure_identifier,
                    service.chorus_service_identifier,
                    listed=listed,
                )
            except cc.ChorusError as error:
                errors[service] = self._error_message(error)
                continue
            vals = {
                "engagement_required": bool(entry.get("engagement_required")),
                "details_sync_date": fields.Datetime.now(),
                "postal_address": self._format_postal_address(entry.get("address")),
            }
            if entry.get("date_start"):
                vals["date_start"] = entry["date_start"]
            if entry.get("date_end"):
                vals["date_end"] = entry["date_end"]
            service.write(vals)
        return errors

    @api.model
    def _ensure_service_details(self, service, company):
        """Make the details of ``service`` (chosen on an invoice of ``company``) fresh
        enough to decide on them: read from Chorus Pro when never read or older than the
        company's refresh delay. Returns None when they can be relied on, or the reason
        they are unknown: never read and Chorus Pro could not be reached (the caller
        must say so, not guess). Details read before and merely old are kept when the
        new read fails."""
        if not service or not service._chorus_details_stale(company):
            return None
        # One attempt per service and request: a checklist of 500 invoices to the same
        # service does not wait for Chorus Pro 500 times when it is down.
        failed = self.env.cr.cache.setdefault(FAILED_DETAILS_KEY, {})
        message = failed.get(service.id)
        if message is None:
            message = self._load_service_details(service, company).get(service)
            if message:
                failed[service.id] = message
        if not message:
            return None
        if service.details_sync_date:
            _logger.warning(
                "Chorus Pro service %s: details kept from %s, refresh failed: %s",
                service.display_name,
                service.details_sync_date,
                message,
            )
            return None
        return message

    @api.model
    def _refresh_service_details(self, company):
        """Weekly refresh of the details of the services used on customer invoices and
        credit notes dated within the last ``PARAM_DETAILS_MONTHS`` months (0 = every
        service read from the directory): one call per such service, not one per
        service of the directory. The others are read on demand when chosen."""
        months = int(
            self.env["ir.config_parameter"].sudo().get_param(PARAM_DETAILS_MONTHS, DEFAULT_DETAILS_MONTHS)
            or 0
        )
        Service = self.env["chorus.pro.service"].sudo()
        domain = [("chorus_service_identifier", "!=", 0), ("sync_date", "!=", False)]
        if months > 0:
            since = fields.Date.context_today(self) - relativedelta(months=months)
            moves = (
                self.env["account.move"]
                .sudo()
                .search(
                    [
                        ("move_type", "in", ("out_invoice", "out_refund")),
                        ("chorus_service_id", "!=", False),
                        ("invoice_date", ">=", since),
                    ]
                )
            )
            domain.append(("id", "in", moves.chorus_service_id.ids))
        services = Service.search(domain)
        errors = self._load_service_details(services, company)
        for service, message in errors.items():
            _logger.warning(
                "Chorus Pro details of service %s not refreshed: %s", service.display_name, message
            )
        return services

    @api.model
    def _cron_sync_directory(self):
        """The weekly directory sync: the recipients, then the details of the services
        in use."""
        companies = self._configured_companies()
        if not companies:
            return
        recipients = self.env["res.partner"].search([("chorus_recipient", "=", True)])
        try:
            self._sync_recipients(recipients, company=companies[0], raise_if_missing=False)
        except UserError as error:
            _logger.warning("Chorus Pro directory sync failed: %s", error)
        try:
            self._refresh_service_details(companies[0])
        except UserError as error:
            _logger.warning("Chorus Pro service details refresh failed: %s", error)
