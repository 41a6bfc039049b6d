# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ChorusProWorksContract(models.Model):
    """The delays of the general statement procedure (décompte général) of a works
    contract (fields only; docs/works.md, "Final statement and general statement (DGD)").

    The defaults are CCAG-Travaux 2021's, art. 12.4, as secondary sources quote it (the text
    itself was not read): the MOA notifies the décompte général within 30 days of the final
    statement's receipt by the MOE (12.4.2); without it, the holder's projet de décompte
    général becomes the DGD when the MOA does not notify it within 10 days (12.4.4). A CCAP
    may set others."""

    _inherit = "chorus.pro.works.contract"

    general_notice_days = fields.Integer(
        string="Delay to Notify the General Statement (days)",
        default=30,
        help="Days the contracting authority has, after the final statement was submitted, to "
        "notify the general statement (décompte général). After them the holder may submit its "
        "own general statement draft (tacit procedure, A22). CCAG-Travaux 2021 art. 12.4.2: "
        "30 days; check the contract's CCAP.",
    )
    tacit_days = fields.Integer(
        string="Delay Before the Tacit General Statement (days)",
        default=10,
        help="Days the contracting authority has to answer the holder's general statement draft "
        "(A22). Without an answer, the draft becomes the general and final statement (DGD "
        "tacite, A23). CCAG-Travaux 2021 art. 12.4.4: 10 days; check the contract's CCAP.",
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
