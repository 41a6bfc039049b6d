# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ChorusProBeneficiary(models.Model):
    """A person an invoice is about, with the date or period of the service.

    Département 93 child-welfare (ASE) invoices must name each child or young
    person concerned and the execution dates. EN 16931 has no beneficiary field:
    they are printed on the invoice and sent in the Factur-X line descriptions
    and notes. These are personal data of minors: only invoicing users see them.
    """

    _name = "chorus.pro.beneficiary"
    _description = "Chorus Pro Invoice Beneficiary"
    _order = "move_id, date_start, id"

    move_id = fields.Many2one(
        "account.move",
        string="Invoice",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True, string="Company")
    name = fields.Char(
        string="Beneficiary",
        required=True,
        help="Full name of the child or young person concerned.",
    )
    date_start = fields.Date(string="Service Date", required=True)
    date_end = fields.Date(
        string="Until",
        help="Last day of the service when it covers a period; leave empty for a single day.",
    )
    move_line_id = fields.Many2one(
        "account.move.line",
        string="Invoice Line",
        domain="[('move_id', '=', move_id), ('display_type', '=', 'product')]",
        help="Optional: the invoice line this beneficiary belongs to.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        moves = self.env["account.move"].browse(
            [vals.get("move_id") for vals in vals_list if vals.get("move_id")]
        )
        moves._chorus_check_beneficiaries_unlocked()
        return super().create(vals_list)

    def write(self, vals):
        self.move_id._chorus_check_beneficiaries_unlocked()
        if vals.get("move_id"):
            self.env["account.move"].browse(vals["move_id"])._chorus_check_beneficiaries_unlocked()
        return super().write(vals)

    def unlink(self):
        self.move_id._chorus_check_beneficiaries_unlocked()
        return super().unlink()

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for beneficiary in self:
            if beneficiary.date_end and beneficiary.date_end < beneficiary.date_start:
                raise ValidationError(
                    self.env._(
                        "The service period of %(name)s ends before it starts.",
                        name=beneficiary.name,
                    )
                )

    @api.constrains("move_line_id", "move_id")
    def _check_move_line(self):
        for beneficiary in self:
            if beneficiary.move_line_id and beneficiary.move_line_id.move_id != beneficiary.move_id:
                raise ValidationError(
                    self.env._(
                        "Beneficiary %(name)s is tied to a line of another invoice.",
                        name=beneficiary.name,
                    )
                )

    def _period_label(self):
        """Human-readable date or period, e.g. '2026-03-01' or '2026-03-01 - 2026-03-31'."""
        self.ensure_one()
        if self.date_end and self.date_end != self.date_start:
            return f"{self.date_start.isoformat()} - {self.date_end.isoformat()}"
        return self.date_start.isoformat()
