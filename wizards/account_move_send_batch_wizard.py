# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models


class AccountMoveSendBatchWizard(models.TransientModel):
    _inherit = "account.move.send.batch.wizard"

    @api.depends("move_ids")
    def _compute_summary_data(self):  # pylint: disable=missing-return
        """The batch summary names each sending method in the user's language ("2
        factures par Chorus Pro"): Odoo takes the selection's English labels."""
        super()._compute_summary_data()
        labels = dict(
            self.env["res.partner"]._fields["invoice_sending_method"]._description_selection(self.env)
        )
        for wizard in self:
            summary = dict(wizard.summary_data or {})
            for method, values in summary.items():
                if method != "manual" and method in labels:
                    summary[method] = {**values, "label": labels[method]}
            wizard.summary_data = summary
