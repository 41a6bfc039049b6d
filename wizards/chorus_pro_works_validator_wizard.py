# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from stdnum.fr import siret as stdnum_siret

from odoo import fields, models
from odoo.exceptions import UserError

from ..lib import chorus as cc


class ChorusProWorksValidatorWizard(models.TransientModel):
    """Correct the validator (the project manager, MOE) of a works statement Chorus Pro
    refused for a wrong validator: ``corriger/valideur/facture``."""

    _name = "chorus.pro.works.validator.wizard"
    _description = "Correct the Validator of a Works Statement"

    move_id = fields.Many2one("account.move", required=True, readonly=True, ondelete="cascade")
    refusal_reason = fields.Selection(related="move_id.chorus_works_refusal_reason")
    refusal_comment = fields.Text(related="move_id.chorus_works_refusal_comment")
    moe_siret = fields.Char(string="Project Manager's SIRET", required=True)
    moe_service_code = fields.Char(string="Project Manager's Service Code")

    def action_correct(self):
        self.ensure_one()
        siret = cc.normalize_siret(self.moe_siret)
        if not stdnum_siret.is_valid(siret):
            raise UserError(self.env._("%(siret)s is not a valid SIRET.", siret=self.moe_siret))
        self.env["chorus.pro.connector"]._works_correct_validator(
            self.move_id, siret, service_code=(self.moe_service_code or "").strip() or None
        )
        return {"type": "ir.actions.act_window_close"}
