# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date


class ChorusProWorksStatement(models.Model):
    """The expected price revision of a statement, for information only (docs/works.md):
    the statement stays at the initial prices (CCAG-Travaux art. 12.1), nothing here
    enters its amounts, its document or its invoice."""

    _inherit = "chorus.pro.works.statement"

    revision_expected_coefficient = fields.Float(
        string="Expected Coefficient",
        digits=(16, 3),
        compute="_compute_revision_expected",
        help="Coefficient of the contract's revision clause for the month of the statement.",
    )
    revision_expected_amount = fields.Monetary(
        string="Expected revision (for information)",
        compute="_compute_revision_expected",
        help="Amount of the month × (coefficient − 1): the revision the project manager should "
        "compute for this statement, to check their figure. Not part of the statement's amounts.",
    )
    revision_expected_provisional = fields.Boolean(
        string="Provisional Revision",
        compute="_compute_revision_expected",
        help="An index value of the month is not published yet: its last published value is used.",
    )
    revision_expected_detail = fields.Text(
        string="Revision Computation",
        compute="_compute_revision_expected",
        help="How the expected revision is computed: formula, index values, coefficient.",
    )

    @api.depends(
        "period",
        "amount_month",
        "currency_id",
        "contract_id.revision_fixed_part",
        "contract_id.revision_offset",
        "contract_id.revision_rounding",
        "contract_id.revision_term_ids.weight",
        "contract_id.revision_term_ids.index_id",
        "contract_id.revision_term_ids.base_month",
        "contract_id.revision_term_ids.base_value",
    )
    def _compute_revision_expected(self):
        for statement in self:
            coefficient, amount, provisional, detail = 0.0, 0.0, False, False
            contract = statement.contract_id
            if contract.revision_term_ids and statement.period:
                try:
                    revision = contract._works_price_revision(statement.period)
                except UserError as error:
                    detail = error.args[0]
                else:
                    coefficient = float(revision.coefficient)
                    amount = statement.currency_id.round(
                        float(Decimal(repr(statement.amount_month)) * (revision.coefficient - 1))
                    )
                    provisional = revision.provisional
                    detail = statement._revision_expected_text(revision, amount)
            statement.revision_expected_coefficient = coefficient
            statement.revision_expected_amount = amount
            statement.revision_expected_provisional = provisional
            statement.revision_expected_detail = detail

    def _revision_expected_text(self, revision, amount):
        """The computation, one line each: formula, each index's value and base, the
        coefficient before and after rounding, the expected revision."""
        self.ensure_one()
        contract = self.contract_id

        def month(value):
            return format_date(self.env, value, date_format="MMMM y")

        lines = [
            self.env._(
                "Formula: %(formula)s, index values of %(month)s",
                formula=contract.revision_formula,
                month=month(revision.month),
            )
        ]
        for term in revision.terms:
            values = {
                "index": term.index,
                "value": str(term.value),
                "value_month": month(term.value_month),
                "base": str(term.base_value),
                "base_month": month(term.base_month),
            }
            if term.provisional:
                lines.append(
                    self.env._(
                        "%(index)s: %(value)s (%(value_month)s, last published value: provisional), "
                        "base %(base)s (%(base_month)s)",
                        **values,
                    )
                )
            else:
                lines.append(
                    self.env._(
                        "%(index)s: %(value)s (%(value_month)s), base %(base)s (%(base_month)s)",
                        **values,
                    )
                )
        rounding = dict(
            self.env["chorus.pro.works.contract"]
            ._fields["revision_rounding"]
            ._description_selection(self.env)
        )
        lines.append(
            self.env._(
                "C = %(raw)s, rounded (%(rounding)s): %(coefficient)s",
                raw=str(revision.raw_coefficient),
                rounding=rounding.get(contract.revision_rounding, ""),
                coefficient=str(revision.coefficient),
            )
        )
        lines.append(
            self.env._(
                "Expected revision: %(amount_month)s × (%(coefficient)s − 1) = %(amount)s",
                amount_month=f"{self.amount_month:.2f}",
                coefficient=str(revision.coefficient),
                amount=f"{amount:.2f}",
            )
        )
        return "\n".join(lines)
