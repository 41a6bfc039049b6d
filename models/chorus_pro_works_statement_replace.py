# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A works statement refused on Chorus Pro, replaced by a new one (docs/works.md,
"Submitting and following statements"): its invoice is cancelled by a credit note, the
statement is kept frozen as *Refused / Replaced* (the evidence of what was sent) and counts
nowhere any more; a new draft statement of the same contract and month starts from its
cumulatives (fields and methods only, no override)."""

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import clean_context, format_date

from ..lib import works_statement as ws
from ..lib.chorus.statuses import (
    WORKS_REFUSED_STATUSES,
    WORKS_STATUS_HOLDERS,
    WORKS_WRONG_VALIDATOR_STATUSES,
)
from .chorus_pro_works_statement import EXTRAS, REPLACED

# What the replacement takes from the refused statement, for the user to correct.
REPLACE_COPIED = (
    "extras_reason",
    "note",
    "general_notification_date",
    "general_amount",
    "general_reserves",
    "general_reserves_text",
    "signed_document",
    "signed_document_name",
)


class ChorusProWorksStatement(models.Model):
    _inherit = "chorus.pro.works.statement"

    replaced_statement_id = fields.Many2one(
        "chorus.pro.works.statement",
        string="Replaces",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
        help="The statement refused on Chorus Pro that this one replaces.",
    )
    replacement_ids = fields.One2many(
        "chorus.pro.works.statement",
        "replaced_statement_id",
        string="Replaced By",
        readonly=True,
        help="The statement that replaces this one, refused on Chorus Pro.",
    )
    replacement_id = fields.Many2one(
        "chorus.pro.works.statement",
        string="Replaced By",
        compute="_compute_replacement_id",
        help="The statement that replaces this one, refused on Chorus Pro.",
    )
    works_replaceable = fields.Boolean(
        compute="_compute_works_replaceable",
        help="Submitted and refused on Chorus Pro for another reason than a wrong validator: "
        "it is replaced by a new statement, its invoice cancelled by a credit note.",
    )

    @api.depends("replacement_ids")
    def _compute_replacement_id(self):
        for statement in self:
            statement.replacement_id = statement.replacement_ids.sorted("id")[-1:]

    @api.depends("state", "move_id.chorus_status")
    def _compute_works_replaceable(self):
        for statement in self:
            statement.works_replaceable = statement._works_refused()

    def _works_refused(self):
        """Submitted and refused by the MOE or the MOA (the document is back to the company),
        for another reason than a wrong validator."""
        self.ensure_one()
        status = self.move_id.chorus_status
        return bool(
            self.state == "submitted"
            and status in WORKS_REFUSED_STATUSES
            and WORKS_STATUS_HOLDERS.get(status) == "supplier"
            and status not in WORKS_WRONG_VALIDATOR_STATUSES
        )

    # ------------------------------------------------------------------ action
    def action_works_replace(self):
        """Replace the refused statement: its invoice cancelled by a credit note (Odoo's
        reversal, posted and reconciled; kept when one already cancels it), the statement
        marked *Refused / Replaced*, and a new draft statement of the same contract and
        month opened, pre-filled with its cumulatives."""
        self.ensure_one()
        # The form's context (default_contract_id of the contract's button, …) is not
        # meant for the credit note nor the new statement.
        statement = self.with_env(self.env(context=clean_context(self.env.context)))
        statement._works_check_replaceable()
        credit_note = statement._works_cancel_invoice()
        statement.write({"state": REPLACED})
        replacement = statement.create(statement._works_replacement_values())
        statement.message_post(
            body=self.env._(
                "Refused on Chorus Pro (%(reason)s): replaced by a new statement; the invoice %(move)s "
                "is cancelled by the credit note %(credit_note)s.",
                reason=statement._works_refusal_label(),
                move=statement.move_id.name,
                credit_note=credit_note.name,
            )
        )
        replacement.message_post(
            body=self.env._(
                "Replaces %(statement)s, refused on Chorus Pro (%(reason)s): correct it, confirm "
                "it and submit its invoice.",
                statement=statement.name,
                reason=statement._works_refusal_label(),
            )
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": replacement.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def _works_refusal_label(self):
        self.ensure_one()
        move = self.move_id
        reasons = dict(move._fields["chorus_works_refusal_reason"]._description_selection(self.env))
        statuses = dict(move._fields["chorus_status"]._description_selection(self.env))
        label = reasons.get(move.chorus_works_refusal_reason) or statuses.get(move.chorus_status, "")
        comment = move.chorus_works_refusal_comment
        return f"{label}: {comment}" if comment else label

    def _works_check_replaceable(self):
        """Raise a clear UserError when this statement cannot be replaced."""
        self.ensure_one()
        if self.state == REPLACED:
            raise UserError(
                self.env._(
                    "%(statement)s is already replaced by %(replacement)s.",
                    statement=self.display_name,
                    replacement=", ".join(self.replacement_ids.mapped("display_name")) or "-",
                )
            )
        if self.move_id.chorus_status in WORKS_WRONG_VALIDATOR_STATUSES and self.state == "submitted":
            raise UserError(
                self.env._(
                    "%(statement)s was refused for a wrong project manager: it is not replaced, "
                    "use Correct the Validator on its invoice %(move)s (the statement goes to the "
                    "right project manager on Chorus Pro).",
                    statement=self.display_name,
                    move=self.move_id.name,
                )
            )
        if not self._works_refused():
            raise UserError(
                self.env._(
                    "%(statement)s is not refused on Chorus Pro: only a statement refused by the "
                    "project manager or the contracting authority is replaced (then its invoice is "
                    "cancelled by a credit note).",
                    statement=self.display_name,
                )
            )
        move = self.move_id
        if move.state != "posted":
            raise UserError(
                self.env._(
                    "The invoice %(move)s of %(statement)s is not posted: it cannot be cancelled by "
                    "a credit note.",
                    move=move.display_name,
                    statement=self.display_name,
                )
            )
        if move.payment_state not in ("not_paid", "reversed"):
            raise UserError(
                self.env._(
                    "The invoice %(move)s of %(statement)s is partly paid or partly credited: "
                    "unreconcile its payments and credit notes first, the replacement cancels it "
                    "with one credit note of its whole amount.",
                    move=move.name,
                    statement=self.display_name,
                )
            )
        drafts = move.reversal_move_ids.filtered(lambda m: m.state == "draft")
        if move.payment_state != "reversed" and drafts:
            raise UserError(
                self.env._(
                    "The credit note %(credit_note)s of %(move)s is in draft: post it (or delete it), "
                    "then replace the statement.",
                    credit_note=drafts[0].display_name,
                    move=move.name,
                )
            )
        later = self._works_later().filtered(lambda s: s.state == "confirmed")
        if later:
            raise UserError(
                self.env._(
                    "%(later)s starts from the cumulatives of %(statement)s: reset it to draft "
                    "first, it starts from the replacement once confirmed again.",
                    later=", ".join(later.mapped("name")),
                    statement=self.display_name,
                )
            )

    def _works_later(self):
        """The statements of the contract after this one (not replaced)."""
        self.ensure_one()
        key = self._works_order_key()
        return self.contract_id.statement_ids.filtered(
            lambda s: s != self and s.state != REPLACED and s._works_order_key() > key
        )

    def _works_cancel_invoice(self):
        """The credit note that cancels the invoice: the one already posted and reconciled
        with it, or made now by Odoo's reversal (posted, reconciled)."""
        self.ensure_one()
        move = self.move_id
        if move.payment_state == "reversed":
            return move.reversal_move_ids.filtered(lambda m: m.state == "posted")[:1]
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create(
                {
                    "journal_id": move.journal_id.id,
                    "date": fields.Date.context_today(self),
                    "reason": self.env._(
                        "works statement %(statement)s refused on Chorus Pro", statement=self.name
                    ),
                }
            )
        )
        credit_note = move._reverse_moves([reversal._prepare_default_reversal(move)], cancel=True)
        if move.payment_state != "reversed":  # pragma: no cover - Odoo reconciles them
            raise UserError(
                self.env._(
                    "The credit note %(credit_note)s does not cancel %(move)s.",
                    credit_note=credit_note.name,
                    move=move.name,
                )
            )
        return credit_note

    def _works_replacement_values(self):
        """The new draft statement: same contract, kind and month, the refused one's
        cumulatives (its previous ones come from the statement before it)."""
        self.ensure_one()
        values = {
            "contract_id": self.contract_id.id,
            "kind": self.kind,
            "period": self.period,
            "date": fields.Date.context_today(self),
            "replaced_statement_id": self.id,
            "line_ids": [
                Command.create(
                    {
                        "sequence": line.sequence,
                        "item_id": line.item_id.id,
                        "cumulative": line.cumulative,
                        "reason": line.reason,
                    }
                )
                for line in self.line_ids
                if line.item_id
            ],
        }
        values.update({f"{kind}_cumulative": self[f"{kind}_cumulative"] for kind in EXTRAS})
        values.update({field: self[field] for field in REPLACE_COPIED})
        return values

    # ------------------------------------------------------------------ checks
    def _works_replace_problems(self):
        """A replacement confirmed after a later statement was already submitted on the
        refused one's cumulatives keeps them: the months still add up to the cumulative."""
        self.ensure_one()
        refused = self.replaced_statement_id
        if not refused or self._works_is_general():
            return []
        later = self._works_later().filtered(lambda s: s.state == "submitted")
        if not later:
            return []
        before = {line.item_id.code: line.cumulative for line in refused.line_ids}
        now = {line.item_id.code: line.cumulative for line in self.line_ids}
        changed = [
            code
            for code in sorted(set(before) | set(now))
            if ws.dec(before.get(code, 0)) != ws.dec(now.get(code, 0))
        ]
        changed += [
            kind
            for kind in EXTRAS
            if self.currency_id.compare_amounts(self[f"{kind}_cumulative"], refused[f"{kind}_cumulative"])
        ]
        if not changed:
            return []
        return [
            self.env._(
                "%(later)s was submitted on the cumulatives of %(refused)s (%(month)s): this "
                "replacement keeps them (%(changed)s differ); correct the works in the next statement.",
                later=", ".join(later.mapped("name")),
                refused=refused.name,
                month=format_date(self.env, self.period, date_format="MMMM y"),
                changed=", ".join(changed),
            )
        ]
