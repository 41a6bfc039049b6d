# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Chorus Pro directory: recipients (structures) and their services, read from Chorus Pro."""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..lib import chorus_client as cc

_logger = logging.getLogger(__name__)


class ChorusProConnectorDirectory(models.AbstractModel):
    _inherit = "chorus.pro.connector"

    @api.model
    def _sync_recipients(self, partners, company=None, raise_if_missing=True):
        """Read each recipient's structure, flags and services from the directory."""
        client = self._get_client(company or self.env.company)
        for partner in partners:
            try:
                entry = client.get_directory_entry(partner.company_registry)
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
        return True

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
                "engagement_required": bool(item.get("engagement_required")),
                "chorus_service_identifier": item.get("idService") or 0,
                "sync_date": now,
            }
            if code in existing:
                existing[code].write(vals)
            else:
                Service.create(dict(vals, partner_id=partner.id, code=code))
        for code, service in existing.items():
            if code not in seen and service.active:
                service.active = False

    @api.model
    def _refresh_stale_recipients(self, partners, company):
        """Refresh recipients whose directory data is older than the company's delay."""
        limit = fields.Datetime.now() - timedelta(days=company.chorus_directory_refresh_days or 0)
        stale = partners.filtered(lambda p: not p.chorus_sync_date or p.chorus_sync_date < limit)
        if stale:
            self._sync_recipients(stale, company=company)
        return stale
