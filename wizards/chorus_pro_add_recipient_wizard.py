# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Add a public body by SIRET: one step from the SIRET to a recipient ready to invoice.

Opened from the contacts list (header button), a contact's form (Actions menu, the
contact's SIRET filled in), the *Chorus Pro › Add a Public Body by SIRET* menu, and the
customer invoice form (button under the customer: the invoice gets the public body as its
customer). The directory read is ``chorus.pro.connector._add_public_body``.
"""

from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.fr import siret as stdnum_siret

from odoo import api, fields, models
from odoo.exceptions import UserError


class ChorusProAddRecipientWizard(models.TransientModel):
    _name = "chorus.pro.add.recipient.wizard"
    _description = "Add a Public Body by SIRET"

    siret = fields.Char(
        string="SIRET",
        required=True,
        help="The 14-digit SIRET of the public body (on its purchase orders, or on "
        "annuaire-entreprises.data.gouv.fr). Spaces are allowed.",
    )
    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        readonly=True,
        help="The draft invoice that gets the public body as its customer.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        model, record_id = context.get("active_model"), context.get("active_id")
        if model == "account.move" and record_id:
            move = self.env["account.move"].browse(record_id).exists()
            if move and move.state == "draft" and move.move_type in ("out_invoice", "out_refund"):
                values["move_id"] = move.id
        elif model == "res.partner" and record_id and "siret" in fields_list:
            partner = self.env["res.partner"].browse(record_id).exists()
            if partner.commercial_partner_id.company_registry:
                values.setdefault("siret", partner.commercial_partner_id.company_registry)
        return values

    def _checked_siret(self):
        """The SIRET as 14 digits, or a UserError saying what is wrong with it."""
        self.ensure_one()
        siret = stdnum_siret.compact(self.siret or "")
        try:
            return stdnum_siret.validate(siret)
        except (InvalidFormat, InvalidLength):
            raise UserError(
                self.env._(
                    "'%(siret)s' is not a SIRET: a SIRET has 14 digits (the 9 of the SIREN, then "
                    "5 for the establishment). Copy it from the public body's purchase order or "
                    "from annuaire-entreprises.data.gouv.fr.",
                    siret=self.siret or "",
                )
            ) from None
        except InvalidChecksum:
            raise UserError(
                self.env._(
                    "The SIRET %(siret)s is not valid (wrong check digit): a digit is probably "
                    "mistyped. Check it against the public body's documents or "
                    "annuaire-entreprises.data.gouv.fr.",
                    siret=self.siret,
                )
            ) from None

    def action_add(self):
        """Read the public body from the directory and create (or complete) it; then
        open it, or put it on the invoice the wizard was opened from."""
        self.ensure_one()
        company = self.move_id.company_id or self.env.company
        partner = self.env["chorus.pro.connector"]._add_public_body(self._checked_siret(), company)
        partner = partner.with_env(self.env)
        if self.move_id:
            if self.move_id.state != "draft":
                raise UserError(self.env._("Only a draft invoice can get another customer."))
            self.move_id.partner_id = partner
            return {"type": "ir.actions.act_window_close"}
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": partner.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }
