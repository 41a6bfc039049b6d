# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Chorus Pro as one of Odoo's invoice sending methods, and the recipient's channel.

A public recipient reaches Chorus Pro one way only: directly, through this module's
API connection ("by Chorus Pro", the default for Chorus recipients), or through Odoo's
approved platform (``l10n_fr_pdp``, which sends with Odoo's ``peppol`` method and routes
public buyers to Chorus Pro). The customer's *Invoice sending* says which; the other path
refuses or skips the invoice, so that Chorus Pro never receives it twice.
"""

from odoo import api, fields, models

CHORUS_SENDING_METHOD = "chorus_pro"
# Odoo's sending methods that reach Chorus Pro through the approved platform: l10n_fr_pdp
# sends with its own 'pdp' method in some 19.0 builds, with account_peppol's 'peppol' method
# (to the Peppol network or the French platforms) in others.
PLATFORM_SENDING_METHODS = ("peppol", "pdp")
# The invoice field each of them keeps its sending state in, and the states of a sent one.
PLATFORM_MOVE_STATES = {"peppol_move_state": ("processing", "done"), "pdp_move_state": ("processing", "done")}
CHORUS_CHANNELS = [
    ("api", "Chorus Pro API (this module)"),
    ("platform", "Approved platform (Odoo e-invoicing)"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    invoice_sending_method = fields.Selection(
        selection_add=[(CHORUS_SENDING_METHOD, "by Chorus Pro")],
        ondelete={CHORUS_SENDING_METHOD: "set null"},
    )
    chorus_channel = fields.Selection(
        CHORUS_CHANNELS,
        string="Chorus Pro Channel",
        compute="_compute_chorus_channel",
        help="How this public recipient's invoices reach Chorus Pro: deposited directly by "
        "this module (Invoice sending 'by Chorus Pro', or not set), or through Odoo's "
        "approved platform (Invoice sending 'by the Approved Platform' / 'by Peppol'). An "
        "invoice goes one way only: change the Invoice sending to change the channel.",
    )

    @api.depends("chorus_recipient", "invoice_sending_method")
    @api.depends_context("company")
    def _compute_chorus_channel(self):
        for partner in self:
            commercial = partner.commercial_partner_id or partner
            partner.chorus_channel = commercial._chorus_channel()

    def _chorus_channel(self):
        """``api``, ``platform`` or False (not a Chorus Pro recipient), for the current
        company (the sending method is set per company)."""
        if not self or not self.ensure_one().chorus_recipient:
            return False
        if self.invoice_sending_method in PLATFORM_SENDING_METHODS:
            return "platform"
        return "api"

    @api.onchange("chorus_recipient")
    def _onchange_chorus_recipient_sending_method(self):
        if self.chorus_recipient and not self.invoice_sending_method:
            self.invoice_sending_method = CHORUS_SENDING_METHOD
