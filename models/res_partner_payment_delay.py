# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The kind of public buyer, which sets the legal global payment deadline of its invoices
(R2192-10, R2192-11 of the Code de la commande publique), and a shorter contractual one."""

from odoo import fields, models

CHORUS_BUYER_KINDS = [
    ("state", "State or local authority (30 days)"),
    ("health", "Public health establishment (50 days)"),
    ("company", "Public company (60 days)"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    chorus_buyer_kind = fields.Selection(
        CHORUS_BUYER_KINDS,
        string="Kind of Public Buyer",
        default="state",
        help="Sets the legal global payment deadline (délai global de paiement) of its invoices: "
        "30 days for the State, local authorities and their administrative bodies (R2192-10), 50 days "
        "for public health establishments, 60 days for public companies (R2192-11).",
    )
    chorus_payment_deadline_days = fields.Integer(
        string="Contractual Payment Deadline (days)",
        help="When the contract with this buyer sets a shorter payment deadline, in days; empty: "
        "the legal deadline of its kind. An order may set its own.",
    )
