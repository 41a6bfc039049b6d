# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ChorusProDepositWizardLine(models.TransientModel):
    _name = "chorus.pro.deposit.wizard.line"
    _description = "Chorus Pro Deposit Checklist Line"
    _order = "move_id, ok, id"

    wizard_id = fields.Many2one("chorus.pro.deposit.wizard", required=True, ondelete="cascade")
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    code = fields.Char(readonly=True)
    # Text: a long label wraps in the checklist instead of being cut off.
    label = fields.Text(string="Check", readonly=True)
    ok = fields.Boolean(string="OK", readonly=True)
    message = fields.Text(string="What to do", readonly=True)
