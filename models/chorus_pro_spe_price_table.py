# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ChorusProSpePriceTable(models.Model):
    """Santé Psy Étudiant prices and caps by period: the rates in force on each date
    (first session, other sessions) and the cap of sessions per student and university
    year. The module ships the service's table; the user adds a period when the
    service changes its rates."""

    _name = "chorus.pro.spe.price.table"
    _description = "Santé Psy Étudiant Price Table"

    name = fields.Char(required=True)
    company_id = fields.Many2one("res.company", help="Empty: shared by every company.")
    price_ids = fields.One2many("chorus.pro.spe.price", "table_id", string="Periods", copy=True)
    active = fields.Boolean(default=True)

    def _rules(self):
        """The periods as plain mappings (for ``lib.spe_rules``)."""
        self.ensure_one()
        return [
            {
                "date_from": price.date_from,
                "first_price": price.first_price,
                "other_price": price.other_price,
                "cap": price.session_cap,
            }
            for price in self.price_ids
        ]
