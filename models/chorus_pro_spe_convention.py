# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib.spe_rules import university_year
from .res_partner_sending import CHORUS_SENDING_METHOD

SENDING_METHODS = [
    (CHORUS_SENDING_METHOD, "Chorus Pro"),
    ("email", "E-mail"),
]


class ChorusProSpeConvention(models.Model):
    """A psychologist's Santé Psy Étudiant convention with one university: whom the
    month's session invoices go to, with which purchase order (per university year), how
    they are sent, at which prices and payment terms."""

    _name = "chorus.pro.spe.convention"
    _description = "Santé Psy Étudiant Convention"
    _order = "partner_id, id"
    _rec_names_search = ["name", "partner_id.name"]

    name = fields.Char(
        string="Convention Number", help="Reference of the convention signed with the university."
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="University",
        required=True,
        index=True,
        domain="[('is_company', '=', True)]",
        help="The university of the convention: the recipient of the invoices.",
    )
    service_id = fields.Many2one(
        "chorus.pro.service",
        string="Chorus Pro Service",
        domain="[('partner_id', '=', partner_id)]",
        help="The service code the university gave, when it asks for one.",
    )
    year_ids = fields.One2many(
        "chorus.pro.spe.convention.year",
        "convention_id",
        string="Purchase Orders",
        help="The university's purchase order (engagement number) for each university year.",
    )
    sending_method = fields.Selection(
        SENDING_METHODS,
        string="Send Invoices by",
        required=True,
        default=CHORUS_SENDING_METHOD,
        help="How the university wants its invoices: deposited on Chorus Pro, or e-mailed. "
        "It becomes the university's Invoice sending (Send dialog) for your company.",
    )
    price_table_id = fields.Many2one(
        "chorus.pro.spe.price.table",
        required=True,
        default=lambda self: self.env.ref(
            "l10n_fr_chorus_pro.spe_price_table_default", raise_if_not_found=False
        ),
    )
    product_id = fields.Many2one(
        "product.product",
        string="Session Product",
        required=True,
        help="Product of the invoice lines (income account, and the exempt tax with its mention "
        "'TVA non applicable, art. 261-4-1° du CGI').",
    )
    payment_term_id = fields.Many2one(
        "account.payment.term",
        string="Payment Terms",
        default=lambda self: self.env.ref("account.account_payment_term_30days", raise_if_not_found=False),
        help="Santé Psy Étudiant: 30 days from the receipt of the invoice.",
    )
    session_ids = fields.One2many("chorus.pro.spe.session", "convention_id", string="Sessions")
    session_count = fields.Integer(compute="_compute_session_count")
    move_ids = fields.One2many("account.move", "chorus_spe_convention_id", string="Invoices")
    active = fields.Boolean(default=True)

    @api.depends("partner_id", "name")
    def _compute_display_name(self):
        for convention in self:
            parts = [convention.partner_id.name or "", convention.name or ""]
            convention.display_name = " - ".join(p for p in parts if p)

    def _compute_session_count(self):
        counts = dict(
            self.env["chorus.pro.spe.session"]._read_group(
                [("convention_id", "in", self.ids)], ["convention_id"], ["__count"]
            )
        )
        for convention in self:
            convention.session_count = counts.get(convention, 0)

    @api.constrains("partner_id", "service_id", "year_ids")
    def _check_engagement(self):
        for convention in self:
            if convention.service_id and convention.service_id.partner_id != convention.partner_id:
                raise ValidationError(
                    self.env._(
                        "Service %(service)s is not a service of %(partner)s.",
                        service=convention.service_id.display_name,
                        partner=convention.partner_id.display_name,
                    )
                )
            partner = convention.partner_id.commercial_partner_id
            if (
                partner.chorus_recipient
                and partner._chorus_engagement_required(convention.service_id)
                and not convention.year_ids
            ):
                raise ValidationError(
                    self.env._(
                        "%(university)s requires an engagement number on every invoice: add the "
                        "purchase order the university gave you for the university year "
                        "(Purchase Orders tab).",
                        university=partner.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        conventions = super().create(vals_list)
        conventions._sync_sending_method()
        return conventions

    def write(self, vals):
        result = super().write(vals)
        if {"sending_method", "partner_id", "company_id"} & set(vals):
            self._sync_sending_method()
        return result

    def _sync_sending_method(self):
        """The convention's sending method becomes the university's Invoice sending for
        the convention's company: Odoo's Send dialog proposes it."""
        for convention in self:
            partner = convention.partner_id.commercial_partner_id.with_company(convention.company_id)
            if partner.invoice_sending_method != convention.sending_method:
                partner.sudo().invoice_sending_method = convention.sending_method

    def _engagement_number(self, day):
        """The purchase order (EJ) of the university year of ``day``, or False."""
        self.ensure_one()
        label = university_year(day)[2]
        return self.year_ids.filtered(lambda y: y.university_year == label)[:1].engagement_number or False

    def _engagement_required(self):
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        return bool(partner.chorus_recipient and partner._chorus_engagement_required(self.service_id))

    def action_view_sessions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "l10n_fr_chorus_pro.action_chorus_pro_spe_session"
        )
        action["domain"] = [("convention_id", "=", self.id)]
        action["context"] = {"default_convention_id": self.id}
        return action

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action["domain"] = [("chorus_spe_convention_id", "=", self.id)]
        action["context"] = {"default_move_type": "out_invoice"}
        return action
