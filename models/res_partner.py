# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.fr import siret as stdnum_siret

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

ROUTING_RULES = [
    ("none", "Nothing"),
    ("service", "Service code"),
    ("engagement", "Engagement number"),
    ("service_and_engagement", "Service code and engagement number"),
    ("service_or_engagement", "Service code or engagement number"),
]

# Recipient settings that only accounting managers may change.
CHORUS_MANAGER_FIELDS = {
    "chorus_recipient",
    "chorus_structure_identifier",
    "chorus_routing_rule",
    "chorus_test_structure",
    "chorus_help",
}


class ResPartner(models.Model):
    _inherit = "res.partner"

    chorus_recipient = fields.Boolean(
        string="Chorus Pro Recipient",
        help="This customer is a public body that receives its invoices through Chorus Pro.",
        index=True,
    )
    chorus_structure_identifier = fields.Integer(
        string="Chorus Structure ID",
        help="Technical identifier of the structure in Chorus Pro (idStructureCPP), "
        "read from the Chorus Pro directory.",
    )
    chorus_routing_rule = fields.Selection(
        ROUTING_RULES,
        string="Mandatory on Invoices",
        default="none",
        help="What the recipient requires on every invoice, as published in the Chorus "
        "Pro directory: a service code (BT-10), an engagement number (EJ, BT-13), "
        "both, or at least one of them.",
    )
    chorus_test_structure = fields.Boolean(
        string="Qualification Test Structure",
        help="A structure of the Chorus Pro qualification platform. Their SIRET numbers "
        "do not always pass the checksum, so it is not enforced.",
    )
    chorus_help = fields.Text(
        string="Invoicing Help",
        help="Who to call or write to when Chorus Pro or the recipient rejects an invoice.",
    )
    chorus_service_ids = fields.One2many("chorus.pro.service", "partner_id", string="Chorus Pro Services")
    chorus_service_count = fields.Integer(compute="_compute_chorus_service_count")
    chorus_sync_date = fields.Datetime(string="Last Directory Sync", readonly=True)
    chorus_can_edit = fields.Boolean(compute="_compute_chorus_can_edit")

    @api.depends("chorus_service_ids")
    def _compute_chorus_service_count(self):
        for partner in self:
            partner.chorus_service_count = len(partner.chorus_service_ids)

    @api.depends_context("uid")
    def _compute_chorus_can_edit(self):
        can_edit = self._chorus_user_can_edit()
        for partner in self:
            partner.chorus_can_edit = can_edit

    def _chorus_user_can_edit(self):
        return self.env.su or self.env.user.has_group("account.group_account_manager")

    def _chorus_check_edit_rights(self, vals):
        if self._chorus_user_can_edit() or not CHORUS_MANAGER_FIELDS.intersection(vals):
            return
        changed = [
            fname
            for fname in CHORUS_MANAGER_FIELDS.intersection(vals)
            if any(partner[fname] != vals[fname] for partner in self) or not self
        ]
        if changed:
            raise AccessError(
                self.env._(
                    "Only accounting administrators can change the Chorus Pro settings "
                    "of a customer (%(fields)s).",
                    fields=", ".join(self._fields[fname].string for fname in sorted(changed)),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("chorus_recipient"):
                self.browse()._chorus_check_edit_rights({key: value for key, value in vals.items() if value})
            self._chorus_normalize_siret(vals)
            self._chorus_default_lang(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._chorus_check_edit_rights(vals)
        self._chorus_normalize_siret(vals)
        self._chorus_default_lang(vals)
        return super().write(vals)

    @api.model
    def _chorus_default_lang(self, vals):
        """A public body becoming a Chorus Pro recipient gets its documents in French,
        unless a language is given with it."""
        if vals.get("chorus_recipient") and "lang" not in vals:
            if self.env["res.lang"]._lang_get("fr_FR"):
                vals["lang"] = "fr_FR"

    @api.model
    def _chorus_normalize_siret(self, vals):
        """Store a SIRET typed with spaces or dots as its 14 digits."""
        registry = vals.get("company_registry")
        if registry and isinstance(registry, str):
            compact = stdnum_siret.compact(registry)
            if compact != registry and len(compact) == 14 and compact.isdigit():
                vals["company_registry"] = compact

    @api.constrains("chorus_recipient", "company_registry", "chorus_test_structure")
    def _check_chorus_siret(self):
        for partner in self.filtered("chorus_recipient"):
            partner._chorus_validate_siret()

    def _chorus_validate_siret(self):
        """Raise a ValidationError explaining what is wrong with the recipient's SIRET."""
        self.ensure_one()
        siret = self.company_registry
        if not siret:
            raise ValidationError(
                self.env._(
                    "%(partner)s is a Chorus Pro recipient: enter its SIRET (14 digits) in "
                    "the Company ID field. Chorus Pro routes invoices on it.",
                    partner=self.display_name,
                )
            )
        try:
            stdnum_siret.validate(siret)
        except (InvalidFormat, InvalidLength):
            raise ValidationError(
                self.env._(
                    "The SIRET of %(partner)s must be 14 digits (found '%(siret)s').",
                    partner=self.display_name,
                    siret=siret,
                )
            ) from None
        except InvalidChecksum:
            if self.chorus_test_structure:
                return
            raise ValidationError(
                self.env._(
                    "The SIRET '%(siret)s' of %(partner)s is not valid (wrong check "
                    "digit): check it against the recipient's documents or "
                    "annuaire-entreprises.data.gouv.fr.",
                    partner=self.display_name,
                    siret=siret,
                )
            ) from None

    def _chorus_engagement_required(self, service=None):
        """Whether an invoice to this recipient (and service) needs an engagement number."""
        self.ensure_one()
        return self.chorus_routing_rule in ("engagement", "service_and_engagement") or bool(
            service and service.engagement_required
        )

    def _chorus_service_required(self):
        self.ensure_one()
        return self.chorus_routing_rule in ("service", "service_and_engagement")

    def action_chorus_sync_directory(self):
        """Read the structure, its flags and services from the Chorus Pro directory. When
        this recipient was the module's copy of a company of the user (same SIRET), it
        joined that company: its form is shown instead."""
        read = self.env["chorus.pro.connector"]._sync_recipients(self.filtered("chorus_recipient"))
        if len(self) == 1 and not self.exists() and len(read) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "res.partner",
                "res_id": read.id,
                "view_mode": "form",
                "views": [(False, "form")],
            }
        return True

    def action_view_chorus_services(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("l10n_fr_chorus_pro.action_chorus_pro_service")
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action
