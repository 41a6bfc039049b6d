# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib import price_revision
from .chorus_pro_order_revision import REVISION_ROUNDINGS


class ChorusProWorksContract(models.Model):
    """An optional price revision clause on a works contract (docs/works.md). The statements
    stay at the initial prices, as CCAG-Travaux art. 12.1 requires (the project manager
    computes the revision); the clause only gives each statement its expected revision, for
    information, for the contractor to check the project manager's figure."""

    _inherit = "chorus.pro.works.contract"

    revision_fixed_part = fields.Float(
        string="Fixed Part (a)",
        digits=(16, 6),
        help="Fixed part of the revision formula, not revised (e.g. 0.125, 0.15).",
    )
    revision_term_ids = fields.One2many(
        "chorus.pro.price.revision.term",
        "works_contract_id",
        string="Index Terms",
        copy=True,
        help="The indices of the revision clause (e.g. BT01), each with its weight and base "
        "month. Empty: no revision is shown on the statements.",
    )
    revision_offset = fields.Integer(
        string="Index Month Offset",
        default=0,
        help="0: the index values of the month of the statement are used; 3: those of three "
        "months earlier (m − 3), as the clause says.",
    )
    revision_rounding = fields.Selection(
        REVISION_ROUNDINGS,
        string="Coefficient Rounding",
        default=price_revision.ROUND_UP,
        required=True,
        help="The coefficient is rounded to the thousandth above by default, or to the nearest "
        "thousandth when the clause says so.",
    )
    revision_formula = fields.Char(string="Formula", compute="_compute_revision_formula")

    @api.depends("revision_fixed_part", "revision_term_ids.weight", "revision_term_ids.index_id")
    def _compute_revision_formula(self):
        for contract in self:
            terms = contract.revision_term_ids.filtered("index_id")
            contract.revision_formula = (
                price_revision.formula_text(Decimal(repr(contract.revision_fixed_part)), terms._lib_terms())
                if terms
                else False
            )

    @api.constrains("revision_fixed_part", "revision_term_ids", "revision_offset", "revision_rounding")
    def _check_works_revision_clause(self):
        for contract in self.filtered("revision_term_ids"):
            try:
                price_revision.validate(*contract._works_revision_clause())
                price_revision.revision_month(fields.Date.today(), contract.revision_offset)
            except price_revision.PriceRevisionError as error:
                raise ValidationError(contract._works_revision_error_message(error)) from error

    def _works_revision_clause(self):
        """(fixed part, [price_revision.Term]) of the clause."""
        self.ensure_one()
        return Decimal(repr(self.revision_fixed_part)), self.revision_term_ids._lib_terms()

    def _works_price_revision(self, period):
        """The lib's Revision of the statement of month ``period`` (with the index values
        of m − offset); None without a clause. Raises UserError (a clear message) when it
        cannot be computed."""
        self.ensure_one()
        if not self.revision_term_ids:
            return None
        try:
            fixed, terms = self._works_revision_clause()
            series = self.revision_term_ids._lib_series()
            return price_revision.compute(
                fixed,
                terms,
                series,
                price_revision.revision_month(period, self.revision_offset),
                self.revision_rounding,
            )
        except price_revision.PriceRevisionError as error:
            raise UserError(self._works_revision_error_message(error)) from error

    def _works_revision_error_message(self, error):
        return self.env["chorus.pro.price.revision.term"]._lib_error_message(
            error, self.env._("Works contract %(contract)s", contract=self.display_name)
        )
