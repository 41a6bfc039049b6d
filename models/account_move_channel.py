# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

from ..lib.chorus.statuses import (
    INVOICE_PROBLEM_STATUSES,
    WORKS_REFUSED_STATUSES,
    WORKS_WRONG_VALIDATOR_STATUSES,
)
from .res_partner_sending import CHORUS_CHANNELS, PLATFORM_MOVE_STATES


class AccountMove(models.Model):
    _inherit = "account.move"

    chorus_channel = fields.Selection(
        CHORUS_CHANNELS,
        string="Chorus Pro Channel",
        compute="_compute_chorus_channel",
        help="How this invoice reaches Chorus Pro: deposited by this module, or sent "
        "through Odoo's approved platform. Never both.",
    )

    chorus_can_deposit = fields.Boolean(
        compute="_compute_chorus_can_deposit",
        help="The Deposit to Chorus Pro button is offered: what Send checks before depositing, "
        "on an invoice not cancelled.",
    )

    @api.depends(
        "commercial_partner_id",
        "chorus_state",
        "chorus_status",
        "state",
        "move_type",
        "reversed_entry_id.chorus_status",
        "chorus_works_statement_id",
        "reversed_entry_id.chorus_works_statement_id",
    )
    @api.depends_context("company")
    def _compute_chorus_can_deposit(self):
        for move in self:
            move.chorus_can_deposit = move.state != "cancel" and move._chorus_send_applicable()

    @api.depends("commercial_partner_id", "chorus_state", "chorus_works_statement_id")
    @api.depends_context("company")
    def _compute_chorus_channel(self):
        for move in self:
            move.chorus_channel = move._chorus_channel()

    def _chorus_channel(self):
        """The way this invoice goes (or went) to Chorus Pro: what it went by first wins
        over the customer's current setting."""
        self.ensure_one()
        if self.chorus_state or self._chorus_works_direct():
            return "api"
        if self._chorus_sent_by_platform():
            return "platform"
        return self.commercial_partner_id.with_company(self.company_id)._chorus_channel()

    def _chorus_sent_by_platform(self):
        """Sent (or being sent) through Odoo's approved platform / Peppol. Those modules
        (account_peppol, l10n_fr_pdp) may not be installed: their fields are looked up."""
        self.ensure_one()
        return any(
            fname in self._fields and self[fname] in states for fname, states in PLATFORM_MOVE_STATES.items()
        )

    # ------------------------------------------------------------------ Send dialog
    def _chorus_send_applicable(self):
        """Whether Send may deposit this invoice now: a customer invoice or credit note to a
        Chorus Pro recipient reached by this module, not on Chorus Pro yet (or back to fix
        after a refused flow), never a rejected one."""
        self.ensure_one()
        return bool(
            self.move_type in ("out_invoice", "out_refund")
            and self.chorus_is_recipient
            and self.chorus_channel == "api"
            and self.chorus_state in (False, "to_fix")
            and self.chorus_status not in INVOICE_PROBLEM_STATUSES
            and self.reversed_entry_id.chorus_status != "REJETEE"
            and not self._chorus_works_refused_document()
        )

    def _chorus_works_refused_document(self):
        """A works statement refused on Chorus Pro (by the MOE or the MOA), or the credit
        note cancelling one. Chorus Pro keeps the refused document under its number: it is
        never deposited again, the way out is the one the refusal allows
        (:meth:`_chorus_works_way_out`)."""
        self.ensure_one()
        return any(
            move.chorus_works_statement_id and move.chorus_status in WORKS_REFUSED_STATUSES
            for move in self | self.reversed_entry_id
        )

    def _chorus_works_way_out(self):
        """What to do with this refused works statement (or the credit note cancelling
        one), by its refusal."""
        self.ensure_one()
        if self.reversed_entry_id:
            return self.env._(
                "This credit note cancels %(invoice)s, a works statement refused on Chorus Pro: "
                "it stays in your books and is not deposited.",
                invoice=self.reversed_entry_id.display_name,
            )
        if self.chorus_status in WORKS_WRONG_VALIDATOR_STATUSES:
            return self.env._(
                "It is never deposited again: correct the validator (Correct the Validator "
                "button), the statement goes to the right project manager on Chorus Pro."
            )
        if self.chorus_works_refusal_reason == "MAUVAISE_MOA":
            return self.env._(
                "The contracting authority is wrong: cancel the invoice with a credit note and "
                "submit the statement to the right one. It is never deposited again."
            )
        return self.env._(
            "The refusal ends the circuit: it is never deposited again. Replace the Refused "
            "Statement (on the works statement) cancels the invoice with a credit note and opens "
            "a new statement of the month, to correct and submit."
        )

    def _chorus_send_offered(self):
        """Whether Send offers "by Chorus Pro" for this invoice: not once Chorus Pro has (or
        had) it — being sent, unconfirmed, deposited, paid, returned by the recipient — nor
        for the credit note cancelling a rejected invoice: those never go to Chorus Pro
        again (an invoice refused with its flow goes again: it is offered)."""
        self.ensure_one()
        went = (
            self.chorus_state
            or self.chorus_status
            or self.reversed_entry_id.chorus_status == "REJETEE"
            or self._chorus_works_refused_document()
        )
        return self._chorus_send_applicable() or not went

    def _chorus_send_refusal(self):
        """Why Send does not deposit this invoice (see _chorus_send_applicable)."""
        self.ensure_one()
        if self.move_type not in ("out_invoice", "out_refund") or not self.chorus_is_recipient:
            return self.env._(
                "%(move)s: %(partner)s is not a Chorus Pro recipient (customer form, Chorus Pro tab).",
                move=self.display_name,
                partner=self.commercial_partner_id.display_name,
            )
        if self.chorus_channel == "platform":
            return self.env._(
                "%(move)s: %(reason)s",
                move=self.display_name,
                reason=self.env["chorus.pro.checklist"]._check_channel(self)["message"],
            )
        if self._chorus_works_refused_document():
            return self.env._(
                "%(move)s was refused on Chorus Pro: %(way_out)s",
                move=self.display_name,
                way_out=self._chorus_works_way_out(),
            )
        if self.chorus_state:
            return self.env._(
                "%(move)s is already on Chorus Pro: it is never deposited twice.", move=self.display_name
            )
        return self.env._(
            "%(move)s was returned by Chorus Pro: use the action its banner shows (correct and "
            "re-issue, complete, correct routing).",
            move=self.display_name,
        )

    def _chorus_deposit_wizard_action(self):
        """The deposit wizard on these invoices: its checklist shows what to fix."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Deposit to Chorus Pro"),
            "res_model": "chorus.pro.deposit.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"active_model": "account.move", "active_ids": self.ids},
        }
