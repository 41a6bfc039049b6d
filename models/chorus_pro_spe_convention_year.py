# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

YEAR_RE = re.compile(r"^(\d{4})-(\d{4})$")


class ChorusProSpeConventionYear(models.Model):
    """The university's purchase order (engagement number, EJ) for one university year of
    a convention: the invoices of that year's sessions carry it."""

    _name = "chorus.pro.spe.convention.year"
    _description = "Santé Psy Étudiant Purchase Order by University Year"
    _order = "university_year desc, id"

    convention_id = fields.Many2one(
        "chorus.pro.spe.convention", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="convention_id.company_id", store=True)
    university_year = fields.Char(required=True, help="From 1 September to 31 August, written '2025-2026'.")
    engagement_number = fields.Char(
        string="Purchase Order / Engagement Number (EJ)",
        required=True,
        help="Number of the university's purchase order, given by the university: the "
        "invoice's engagement number (EJ) on Chorus Pro.",
    )

    _unique_year = models.Constraint(
        "UNIQUE(convention_id, university_year)", "One purchase order per university year and convention."
    )

    @api.constrains("university_year", "engagement_number")
    def _check_year(self):
        for line in self:
            match = YEAR_RE.match(line.university_year or "")
            if not match or int(match.group(2)) != int(match.group(1)) + 1:
                raise ValidationError(
                    self.env._(
                        "University year '%(year)s': write it as two following years, e.g. 2025-2026.",
                        year=line.university_year,
                    )
                )
            if len(line.engagement_number or "") > 50:
                raise ValidationError(
                    self.env._("Chorus Pro accepts engagement numbers of at most 50 characters.")
                )
