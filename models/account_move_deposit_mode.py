# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""How an invoice is deposited on Chorus Pro: a Factur-X flow, or the degraded mode
(its PDF with the invoice data, ``deposer/pdf`` + ``soumettre`` ``DEPOT_PDF_API``) for
an invoice whose Factur-X the platform refuses."""

from odoo import fields, models

DEPOSIT_MODES = [
    ("facturx", "Factur-X flow"),
    ("pdf_api", "PDF + invoice data (degraded mode)"),
]


class AccountMoveDepositMode(models.Model):
    _inherit = "account.move"

    chorus_deposit_mode = fields.Selection(
        DEPOSIT_MODES,
        string="Deposit Mode",
        default="facturx",
        required=True,
        copy=False,
        help="Factur-X flow: the usual deposit. PDF + invoice data: when Chorus Pro refuses "
        "the Factur-X of this invoice, its PDF is deposited with the invoice data entered "
        "through the API (DEPOT_PDF_API), as the Chorus Pro portal lets a supplier do. Same "
        "checklist, one invoice at a time.",
    )

    def write(self, vals):
        if "chorus_deposit_mode" in vals:
            for move in self:
                if move.chorus_deposit_mode != vals["chorus_deposit_mode"] and (
                    move._chorus_is_held()
                    or move.chorus_state in ("sending", "unconfirmed", "deposited", "paid")
                ):
                    raise move._chorus_lock_error(
                        "write", [self._fields["chorus_deposit_mode"]._description_string(self.env)]
                    )
        return super().write(vals)
