# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Payment follow-through on the connector side: the amount Chorus Pro says the public
body pays, and the payments not received yet kept in the status sync."""

from odoo import api, models
from odoo.fields import Domain

from .account_move_payment import CHORUS_NOT_RECEIVED_STATES


class ChorusProConnectorPayment(models.AbstractModel):
    _inherit = "chorus.pro.connector"

    @api.model
    def _status_sync_payment_domain(self, company):
        """The invoices of ``company`` whose payment Chorus Pro ordered and Odoo has not
        received yet: a later status may take the payment back, so the status sync
        (``_status_sync_domain``) follows them too. It costs no call: the sync is one
        search of what changed on Chorus Pro."""
        return Domain(
            [
                ("company_id", "=", company.id),
                ("chorus_identifier", "!=", False),
                ("chorus_status", "=", "MISE_EN_PAIEMENT"),
                ("payment_state", "in", CHORUS_NOT_RECEIVED_STATES),
            ]
        )

    @api.model
    def _apply_invoice_amount_to_pay(self, move, item):
        """Keep what a search result says the public body pays (``montantAPayer``)."""
        amount = item.get("montantAPayer")
        try:
            amount = float(amount) if amount not in (None, "") else None
        except (TypeError, ValueError):
            amount = None
        if amount is not None and move.currency_id.compare_amounts(amount, move.chorus_amount_to_pay) != 0:
            move._chorus_write({"chorus_amount_to_pay": amount})
