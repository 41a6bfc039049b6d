# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class AccountMoveLine(models.Model):
    """The separate price revision line of an invoice whose order's clause invoices the
    revision apart (docs/price-revision.md): the other lines keep the ordered prices."""

    _inherit = "account.move.line"

    chorus_revision_line = fields.Boolean(
        string="Price Revision Line",
        copy=False,
        readonly=True,
        help="The difference between the revised and the ordered prices of the invoice's lines, "
        "invoiced on a line of its own as the order's revision clause says.",
    )
