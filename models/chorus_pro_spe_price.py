# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ChorusProSpePrice(models.Model):
    """One period of a Santé Psy Étudiant price table, in force from its date until the
    next period."""

    _name = "chorus.pro.spe.price"
    _description = "Santé Psy Étudiant Price Period"
    _order = "date_from desc, id"

    table_id = fields.Many2one("chorus.pro.spe.price.table", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="table_id.company_id", store=True)
    currency_id = fields.Many2one("res.currency", default=lambda self: self.env.ref("base.EUR"))
    date_from = fields.Date(string="From", required=True, help="Sessions from this date on (inclusive).")
    first_price = fields.Monetary(string="First Session Price", required=True)
    other_price = fields.Monetary(string="Other Sessions Price", required=True)
    session_cap = fields.Integer(
        string="Sessions per Student and University Year",
        required=True,
        help="Sessions of a student beyond this number in a university year (1 September to "
        "31 August) are not invoiced. 0: no cap.",
    )

    _unique_date = models.Constraint(
        "UNIQUE(table_id, date_from)", "A price table has one period per start date."
    )
    _positive = models.Constraint(
        "CHECK(first_price >= 0 AND other_price >= 0 AND session_cap >= 0)",
        "Prices and caps cannot be negative.",
    )
