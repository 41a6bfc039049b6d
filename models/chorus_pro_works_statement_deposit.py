# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The checklist of a works invoice and what the statement shows of its Chorus Pro cycle
(fields and methods only, no override)."""

import logging

from stdnum.fr import siret as stdnum_siret

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..lib import chorus as cc
from ..lib import works_statement as ws
from ..lib.chorus.statuses import FRAMES

_logger = logging.getLogger(__name__)

CUMULATIVE_PROBLEMS = ("cumulative_down", "negative")
CONTRACT_PROBLEMS = ("beyond_contract", "over_100", "unknown_item", "retention_rate")


class ChorusProWorksStatement(models.Model):
    _inherit = "chorus.pro.works.statement"

    chorus_status = fields.Selection(related="move_id.chorus_status", string="Chorus Pro Status")
    chorus_status_date = fields.Datetime(related="move_id.chorus_status_date", string="Since")
    chorus_works_holder = fields.Selection(related="move_id.chorus_works_holder")
    chorus_works_moe_deadline = fields.Datetime(related="move_id.chorus_works_moe_deadline")
    chorus_works_moe_amount_untaxed = fields.Monetary(related="move_id.chorus_works_moe_amount_untaxed")
    chorus_works_moa_amount_untaxed = fields.Monetary(related="move_id.chorus_works_moa_amount_untaxed")
    chorus_works_amounts_corrected = fields.Boolean(related="move_id.chorus_works_amounts_corrected")
    chorus_works_objection_deadline = fields.Date(related="move_id.chorus_works_objection_deadline")
    chorus_works_refusal_reason = fields.Selection(related="move_id.chorus_works_refusal_reason")
    chorus_works_refusal_comment = fields.Text(related="move_id.chorus_works_refusal_comment")

    # ------------------------------------------------------------------ checklist
    @api.model
    def _checklist_items(self, move):
        """The works items of the checklist of ``move`` (none for another invoice)."""
        statement = move.chorus_works_statement_id
        if not statement:
            return []
        checklist = self.env["chorus.pro.checklist"]
        problems = ws.check(
            statement.contract_id.item_ids._works_items(),
            statement._works_progress(),
            statement._works_extras(),
            statement.contract_id._works_amendments(),
            ws.dec(statement.contract_id.retention_rate),
        )
        # _works_problems words ws.check's problems in the same order, then the frame's.
        messages = statement._works_problems()
        worded = list(zip(problems, messages, strict=False))
        return [
            statement._works_check_attached(move),
            statement._works_check_frame(),
            checklist._item(
                "works_cumulative",
                self.env._("Cumulatives never below the previous ones without a reason"),
                [text for problem, text in worded if problem.code in CUMULATIVE_PROBLEMS],
                record=statement,
            ),
            checklist._item(
                "works_contract",
                self.env._("Works within the contract and its amendments"),
                [text for problem, text in worded if problem.code in CONTRACT_PROBLEMS],
                record=statement.contract_id,
            ),
            statement._works_check_validator(),
        ]

    def _works_check_attached(self, move):
        """The statement is confirmed (numbered, its PDF the main attachment) and the
        invoice books it."""
        self.ensure_one()
        problems = []
        if self.state == "draft":
            problems.append(
                self.env._(
                    "Confirm the statement %(statement)s first: its PDF is the document Chorus Pro receives.",
                    statement=self.display_name,
                )
            )
        elif self.currency_id.compare_amounts(
            move.amount_total * (-1 if move.move_type == "out_refund" else 1), self.amount_total
        ):
            problems.append(
                self.env._(
                    "The invoice (%(invoice)s) does not book the statement %(statement)s (amount "
                    "including VAT %(statement_amount)s): create the invoice again from the statement.",
                    invoice=move.amount_total,
                    statement=self.name,
                    statement_amount=self.amount_total,
                )
            )
        problems += self._works_signed_problems()
        return self.env["chorus.pro.checklist"]._item(
            "works_statement", self.env._("Works statement attached"), problems, record=self
        )

    def _works_check_frame(self):
        self.ensure_one()
        contract = self.contract_id
        frame = self.frame
        problems = []
        if (
            not frame
            or frame not in ws.allowed_frames(contract.role, self.kind)
            or not FRAMES.get(frame, {}).get("works")
        ):
            roles = dict(contract._fields["role"]._description_selection(self.env))
            problems.append(
                self.env._(
                    "The billing frame %(frame)s does not match the company's role in the market (%(role)s).",
                    frame=frame or "-",
                    role=roles.get(contract.role, contract.role),
                )
            )
        return self.env["chorus.pro.checklist"]._item(
            "works_frame", self.env._("Works frame consistent with the role"), problems, record=contract
        )

    def _works_check_validator(self):
        """The MOE is given, a valid SIRET other than the company's, known to the Chorus Pro
        directory; the company itself is enabled for works documents."""
        self.ensure_one()
        contract = self.contract_id
        siret = cc.normalize_siret(contract.moe_siret or "")
        problems = []
        if not siret:
            problems.append(
                self.env._(
                    "The contract %(contract)s has no project manager (MOE) SIRET: Chorus Pro "
                    "needs its validator.",
                    contract=contract.display_name,
                )
            )
        elif not stdnum_siret.is_valid(siret):
            problems.append(self.env._("The MOE SIRET %(siret)s is not a valid SIRET.", siret=siret))
        elif siret == cc.normalize_siret(self.company_id.company_registry or ""):
            problems.append(self.env._("The project manager (MOE) cannot be the company itself."))
        else:
            problems += self._works_directory_problems(siret)
        return self.env["chorus.pro.checklist"]._item(
            "works_validator",
            self.env._("Project manager (validator) known to Chorus Pro"),
            problems,
            field="moe_siret",
            record=contract,
        )

    def _works_directory_problems(self, siret):
        """What the Chorus Pro directory says against the MOE ``siret`` and the company (not
        enabled for works). Nothing when Chorus Pro cannot be asked: the deposit will tell."""
        connector = self.env["chorus.pro.connector"]
        try:
            client = connector._get_client(self.company_id)
            structure = client.search_structure(siret)
            own = client.works_structures()
        except (cc.ChorusError, UserError, ValueError) as error:
            _logger.info("Works validator %s not checked on Chorus Pro: %s", siret, error)
            return []
        problems = []
        if not structure or structure.get("statut") not in (None, "ACTIVE"):
            problems.append(
                self.env._(
                    "The project manager's SIRET %(siret)s is not an active structure of the Chorus "
                    "Pro directory: check it with your project manager.",
                    siret=siret,
                )
            )
        company_siret = cc.normalize_siret(self.company_id.company_registry or "")
        if company_siret not in {structure["siret"] for structure in own}:
            problems.append(
                self.env._(
                    "Your structure %(siret)s is not enabled for works documents (Factures de "
                    "travaux) on Chorus Pro: enable it on the Chorus Pro portal.",
                    siret=company_siret,
                )
            )
        return problems
