# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ChorusProWorksContract(models.Model):
    """The delays of the general statement procedure (décompte général) of a works
    contract (fields only; docs/works.md, "Final statement and general statement (DGD)").

    The reference read for the module does not establish them: the defaults are the
    CCAG-Travaux 2021 delays as the module assumes them (art. 12.4: the MOA notifies the
    décompte général within 30 days of the final statement; without it, the holder's
    projet de décompte général becomes the DGD when the MOA does not answer within 30
    days); a CCAP may set others."""

    _inherit = "chorus.pro.works.contract"

    general_notice_days = fields.Integer(
        string="Delay to Notify the General Statement (days)",
        default=30,
        help="Days the contracting authority has, after the final statement was submitted, to "
        "notify the general statement (décompte général). After them the holder may submit its "
        "own general statement draft (tacit procedure, A22). Assumed CCAG-Travaux 2021 default: "
        "30 days; check the contract's CCAP.",
    )
    tacit_days = fields.Integer(
        string="Delay Before the Tacit General Statement (days)",
        default=30,
        help="Days the contracting authority has to answer the holder's general statement draft "
        "(A22). Without an answer, the draft becomes the general and final statement (DGD "
        "tacite, A23). Assumed CCAG-Travaux 2021 default: 30 days; check the contract's CCAP.",
    )

    @api.constrains("general_notice_days", "tacit_days")
    def _check_general_delays(self):
        for contract in self:
            if contract.general_notice_days < 0 or contract.tacit_days < 0:
                raise ValidationError(
                    self.env._(
                        "The delays of the general statement of %(contract)s cannot be negative.",
                        contract=contract.display_name,
                    )
                )
