# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The Chorus Pro cycle of a works invoice (fields and methods only, no override): its
works statuses, who holds it now and since when, the MOE's 7-day deadline, the amounts
the MOE and the MOA validated, a refusal with its reason."""

import datetime

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import format_amount, format_date, format_datetime

from ..lib.chorus.statuses import (
    WORKS_REFUSAL_REASONS,
    WORKS_REFUSED_STATUSES,
    WORKS_STATUS_HOLDERS,
    WORKS_STATUSES,
    WORKS_WRONG_VALIDATOR_STATUSES,
)

WORKS_HOLDERS = [
    ("supplier", "You (the company)"),
    ("moe", "Project manager (MOE)"),
    ("moa", "Contracting authority (MOA)"),
]
# When the MOE (or MOA) corrects the amounts, the contractor has 30 days to object
# (CCAG-Travaux art. 8.2 as cited by Chorus Pro, works-invoicing.md §6).
OBJECTION_DAYS = 30


class AccountMove(models.Model):
    _inherit = "account.move"

    chorus_status = fields.Selection(
        selection_add=WORKS_STATUSES,
        ondelete=dict.fromkeys((code for code, _label in WORKS_STATUSES), "set null"),
    )
    chorus_works_holder = fields.Selection(
        WORKS_HOLDERS,
        string="Held By",
        compute="_compute_chorus_works_holder",
        store=True,
        help="Who must act on the works document now, by its Chorus Pro status.",
    )
    chorus_works_moe_deadline = fields.Datetime(
        string="Project Manager's Deadline",
        readonly=True,
        copy=False,
        help="The MOE has 7 days from Chorus Pro's timestamp to handle the statement.",
    )
    chorus_works_deadline_notified = fields.Boolean(readonly=True, copy=False)
    chorus_works_moe_amount_untaxed = fields.Monetary(
        string="Untaxed Amount Validated by the MOE", readonly=True, copy=False
    )
    chorus_works_moe_amount_total = fields.Monetary(
        string="Total Validated by the MOE", readonly=True, copy=False
    )
    chorus_works_moa_amount_untaxed = fields.Monetary(
        string="Untaxed Amount Validated by the MOA", readonly=True, copy=False
    )
    chorus_works_moa_amount_total = fields.Monetary(
        string="Total Validated by the MOA", readonly=True, copy=False
    )
    chorus_works_amounts_corrected = fields.Boolean(
        string="Amounts Corrected",
        readonly=True,
        copy=False,
        help="The MOE or the MOA validated amounts that differ from the submitted ones.",
    )
    chorus_works_validation_comment = fields.Text(string="Validation Comment", readonly=True, copy=False)
    chorus_works_objection_deadline = fields.Date(
        string="Objection Deadline",
        readonly=True,
        copy=False,
        help="30 days from the correction of the amounts to object (CCAG-Travaux art. 8.2); "
        "afterwards the corrected amounts are deemed accepted.",
    )
    chorus_works_refusal_reason = fields.Selection(
        WORKS_REFUSAL_REASONS, string="Refusal Reason", readonly=True, copy=False
    )
    chorus_works_refusal_comment = fields.Text(string="Refusal Comment", readonly=True, copy=False)
    chorus_works_wrong_validator = fields.Boolean(
        compute="_compute_chorus_works_wrong_validator",
        help="Refused for a wrong project manager: correct the validator.",
    )

    @api.depends("chorus_status", "chorus_works_statement_id")
    def _compute_chorus_works_holder(self):
        for move in self:
            works = bool(move.chorus_works_statement_id)
            move.chorus_works_holder = works and WORKS_STATUS_HOLDERS.get(move.chorus_status, False)

    @api.depends("chorus_status", "chorus_works_statement_id")
    def _compute_chorus_works_wrong_validator(self):
        for move in self:
            move.chorus_works_wrong_validator = bool(
                move.chorus_works_statement_id and move.chorus_status in WORKS_WRONG_VALIDATOR_STATUSES
            )

    def _chorus_works_direct(self):
        """A works document always goes directly to Chorus Pro (never through an approved
        platform: works documents stay on Chorus Pro after the 2026 reform)."""
        self.ensure_one()
        return bool(self.chorus_works_statement_id)

    # ------------------------------------------------------------------ follow-up
    def _chorus_works_apply_document(self, document):
        """Keep what ``document`` (``lib/chorus/works.py`` ``works_document``) says of this
        works invoice; tell the user once of a correction of the amounts and of a refusal."""
        self.ensure_one()
        validations = document.get("validations") or {}
        moe = validations.get("moe") or {}
        moa = validations.get("moa") or {}
        deadline = self.env["chorus.pro.status.history"]._chorus_date(document.get("moe_deadline"))
        vals = {
            "chorus_works_moe_deadline": deadline or False,
            "chorus_works_moe_amount_untaxed": moe.get("amount_untaxed") or 0.0,
            "chorus_works_moe_amount_total": moe.get("amount_total") or 0.0,
            "chorus_works_moa_amount_untaxed": moa.get("amount_untaxed") or 0.0,
            "chorus_works_moa_amount_total": moa.get("amount_total") or 0.0,
        }
        if deadline and deadline != self.chorus_works_moe_deadline:
            vals["chorus_works_deadline_notified"] = False  # a new MOE, a new period
        corrected = [
            validation
            for validation in (moe, moa)
            if validation
            and validation.get("amount_untaxed") is not None
            and (
                validation.get("corrected")
                or self.currency_id.compare_amounts(validation["amount_untaxed"], self.amount_untaxed)
            )
        ]
        if corrected and not self.chorus_works_amounts_corrected:
            last = corrected[-1]
            start = last.get("date") or fields.Date.context_today(self)
            vals.update(
                chorus_works_amounts_corrected=True,
                chorus_works_validation_comment=last.get("comment") or False,
                chorus_works_objection_deadline=start + datetime.timedelta(days=OBJECTION_DAYS),
            )
        refusal = document.get("refusal")
        status = document.get("status") or self.chorus_status
        refused = status in WORKS_REFUSED_STATUSES and WORKS_STATUS_HOLDERS.get(status) == "supplier"
        if refused and refusal:
            vals.update(
                chorus_works_refusal_reason=refusal.get("reason") or False,
                chorus_works_refusal_comment=refusal.get("comment") or False,
            )
        elif not refused:
            vals.update(chorus_works_refusal_reason=False, chorus_works_refusal_comment=False)
        newly_corrected = (
            vals.get("chorus_works_amounts_corrected") and not self.chorus_works_amounts_corrected
        )
        newly_refused = refused and self.chorus_state != "to_fix"
        self._chorus_write(vals)
        if newly_corrected:
            self._chorus_works_corrected_activity()
        if newly_refused:
            self._chorus_works_refused()
        return True

    def _chorus_works_activity_user(self):
        """Who the works activities go to (as the status follow-up decides it)."""
        return self.company_id._chorus_activity_user(self.chorus_flow_id.user_id, self.invoice_user_id)

    def _chorus_works_corrected_activity(self):
        """The MOE (or MOA) validated other amounts: a note and an activity until the end of
        the 30 days to object."""
        self.ensure_one()
        untaxed = self.chorus_works_moa_amount_untaxed or self.chorus_works_moe_amount_untaxed
        note = self.env._(
            "The amounts were validated at %(validated)s excluding VAT instead of %(submitted)s "
            "submitted. %(comment)s You may object until %(deadline)s (30 days, CCAG-Travaux "
            "art. 8.2); afterwards the corrected amounts are deemed accepted. Book the difference "
            "with a credit note if you accept it.",
            validated=format_amount(self.env, untaxed, self.currency_id),
            submitted=format_amount(self.env, self.amount_untaxed, self.currency_id),
            comment=self.chorus_works_validation_comment or "",
            deadline=format_date(self.env, self.chorus_works_objection_deadline),
        )
        self.message_post(body=note)
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=self.chorus_works_objection_deadline,
            summary=self.env._("Works statement: amounts corrected on Chorus Pro"),
            note=note,
            user_id=self._chorus_works_activity_user().id,
        )

    def _chorus_works_refused(self):
        """Refused by the MOE or the MOA: to fix, with the reason and the way out."""
        self.ensure_one()
        reasons = dict(self._fields["chorus_works_refusal_reason"]._description_selection(self.env))
        statuses = dict(self._fields["chorus_status"]._description_selection(self.env))
        reason = reasons.get(self.chorus_works_refusal_reason) or statuses.get(self.chorus_status, "")
        comment = self.chorus_works_refusal_comment
        if self.chorus_status in WORKS_WRONG_VALIDATOR_STATUSES:
            way_out = self.env._("Use Correct the Validator on the invoice with the right project manager.")
        elif self.chorus_works_refusal_reason == "MAUVAISE_MOA":
            way_out = self.env._(
                "The contracting authority is wrong: correct the routing (Recycle) or cancel the "
                "invoice with a credit note and submit the statement to the right one."
            )
        else:
            way_out = self.env._(
                "The refusal ends the circuit: Replace the Refused Statement (on the works "
                "statement) cancels the invoice with a credit note and opens a new statement of the "
                "month, to correct and submit."
            )
        text = self.env._("%(reason)s%(comment)s", reason=reason, comment=f" - {comment}" if comment else "")
        self._chorus_write({"chorus_state": "to_fix", "chorus_status_comment": text})
        body = Markup("<p>%s</p><p>%s</p>") % (
            self.env._("The works statement was refused on Chorus Pro: %(reason)s", reason=text),
            way_out,
        )
        self.message_post(body=body)
        self.env["chorus.pro.connector"]._schedule_fix_activity(
            self, self.env._("Works statement refused on Chorus Pro"), body
        )

    def _chorus_works_deadline_activity(self):
        """The MOE let its 7 days pass: an activity saying what the rules allow."""
        self.ensure_one()
        note = self.env._(
            "The project manager has not handled the statement %(move)s within 7 days of its "
            "receipt on Chorus Pro (deadline %(deadline)s). The payment period runs from that "
            "receipt: remind the project manager, and tell the contracting authority if the "
            "statement stays unhandled.",
            move=self.display_name,
            deadline=format_datetime(self.env, self.chorus_works_moe_deadline),
        )
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Project manager's 7 days passed"),
            note=note,
            user_id=self._chorus_works_activity_user().id,
        )
        self.message_post(body=note)
        self._chorus_write({"chorus_works_deadline_notified": True})

    def action_chorus_works_correct_validator(self):
        self.ensure_one()
        contract = self.chorus_works_statement_id.contract_id
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Correct the Validator"),
            "res_model": "chorus.pro.works.validator.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_move_id": self.id,
                "default_moe_siret": contract.moe_siret,
                "default_moe_service_code": contract.moe_service_code,
            },
        }
