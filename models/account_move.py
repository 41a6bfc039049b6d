# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools.misc import clean_context

# Chorus Pro limits on attachments (pièces jointes), from the pure API client.
from ..lib.chorus import (
    ALLOWED_ATTACHMENT_EXTENSIONS,
    MAX_ATTACHMENT_NAME,
    MAX_ATTACHMENT_SIZE,
)
from ..lib.chorus.statuses import (
    BILLING_FRAMES,
    DEFAULT_BILLING_FRAME,
    INVOICE_ACTION_STATUSES,
    INVOICE_STATUSES,
    WORKS_REFUSED_STATUSES,
)
from .chorus_pro_deposit_pipeline import CHECKED_CONTEXT

CHORUS_REFERENCE_MAX_LENGTH = 50
# Odoo's field holding the PDF of an invoice: the deposited document once deposited.
INVOICE_PDF_FIELD = "invoice_pdf_report_file"

# How an invoice is deposited on Chorus Pro: a Factur-X flow, or the degraded mode (its
# PDF with the invoice data, ``deposer/pdf`` + ``soumettre`` ``DEPOT_PDF_API``) for an
# invoice whose Factur-X the platform refuses.
DEPOSIT_MODES = [
    ("facturx", "Factur-X flow"),
    ("pdf_api", "PDF + invoice data (degraded mode)"),
]

# Where the invoice stands in the module's deposit process.
CHORUS_STATES = [
    ("sending", "Sending"),
    ("unconfirmed", "Deposit unconfirmed"),
    ("deposited", "Deposited"),
    ("to_fix", "To fix"),
    ("paid", "Payment ordered"),
]

# An invoice is held by Chorus Pro once sent (and until the recipient rejects it): what
# Chorus Pro holds must stay as it was deposited. A suspended invoice or one to recycle
# is still held: it is completed or re-routed, never changed.
CHORUS_HELD_STATES = ("sending", "unconfirmed", "deposited", "paid")
# The invoices the sales journal card counts and the invoice list's filters show, one rule
# each (the searchable fields of the same names):
CHORUS_QUEUE_DOMAINS = {
    # Never deposited; not the credit note cancelling a rejected invoice (kept in the books).
    "chorus_to_deposit": [
        ("commercial_partner_id.chorus_recipient", "=", True),
        ("move_type", "in", ("out_invoice", "out_refund")),
        ("state", "=", "posted"),
        ("chorus_state", "=", False),
        ("reversed_entry_id", "not any", [("chorus_status", "=", "REJETEE")]),
        # nor the credit note cancelling a works statement refused on Chorus Pro.
        (
            "reversed_entry_id",
            "not any",
            [
                ("chorus_works_statement_id", "!=", False),
                ("chorus_status", "in", list(WORKS_REFUSED_STATUSES)),
            ],
        ),
    ],
    # Returned by Chorus Pro (flow refused) or by the recipient, and not handled yet: not
    # deposited again (its state changes), cancelled, cancelled by a credit note nor re-issued.
    "chorus_to_fix": [
        ("chorus_state", "=", "to_fix"),
        ("state", "!=", "cancel"),
        ("payment_state", "!=", "reversed"),
        ("chorus_reissue_ids", "not any", [("state", "!=", "cancel")]),
    ],
}
# What the user may not change on a held invoice (Odoo's own writes on a posted invoice,
# payments and reconciliation, touch none of them).
CHORUS_LOCKED_FIELDS = frozenset(
    {
        "state",
        "name",
        "move_type",
        "journal_id",
        "currency_id",
        "partner_id",
        "partner_shipping_id",
        "partner_bank_id",
        "fiscal_position_id",
        "invoice_line_ids",
        "line_ids",
        "invoice_cash_rounding_id",
        "invoice_date",
        "invoice_date_due",
        "date",
        "delivery_date",
        "taxable_supply_date",
        "invoice_payment_term_id",
        "chorus_service_id",
        "buyer_reference",
        "purchase_order_reference",
        "contract_reference",
        "chorus_billing_frame",
        "chorus_beneficiary_ids",
        "chorus_attachment_ids",
        "narration",
        "payment_reference",
    }
)
# What a held invoice's lines carry to Chorus Pro (the Factur-X lines, the legal page):
# never changed on a line of an invoice Chorus Pro holds, whatever form edits the line.
CHORUS_LOCKED_LINE_FIELDS = frozenset(
    {
        "move_id",
        "display_type",
        "sequence",
        "name",
        "product_id",
        "product_uom_id",
        "quantity",
        "price_unit",
        "discount",
        "tax_ids",
        "currency_id",
        "chorus_order_line_id",
        "chorus_care_decision_id",
        "chorus_care_date_start",
        "chorus_care_date_end",
    }
)


def field_changes(record, fname, value):
    """Whether writing ``value`` in ``fname`` changes ``record`` (one record)."""
    field = record._fields[fname]
    if field.type in ("one2many", "many2many"):
        commands = value or []
        if all(isinstance(c, (list, tuple)) and c[0] == Command.SET for c in commands) and commands:
            return set(commands[-1][2]) != set(record[fname].ids)
        return bool(commands)
    try:
        return field.convert_to_cache(value, record) != field.convert_to_cache(record[fname], record)
    except (ValueError, TypeError):
        return True


class AccountMove(models.Model):
    _inherit = "account.move"

    chorus_is_recipient = fields.Boolean(
        related="commercial_partner_id.chorus_recipient", string="Chorus Pro Recipient"
    )
    chorus_service_id = fields.Many2one(
        "chorus.pro.service",
        compute="_compute_chorus_service_id",
        store=True,
        readonly=False,
        index="btree_not_null",
        copy=True,
        domain="[('partner_id', '=', commercial_partner_id)]",
        tracking=True,
        help="Service of the public recipient the invoice is addressed to. Its code is "
        "the invoice's 'Code de Service' (BT-10).",
    )
    # Odoo core's Chorus Pro fields (l10n_fr_facturx_chorus_pro): the service code is
    # kept equal to the chosen service.
    buyer_reference = fields.Char(
        compute="_compute_buyer_reference",
        inverse="_inverse_buyer_reference",
        store=True,
        readonly=False,
    )
    chorus_billing_frame = fields.Selection(
        BILLING_FRAMES,
        string="Billing Frame",
        default=DEFAULT_BILLING_FRAME,
        help="Chorus Pro 'cadre de facturation' (BT-23): A1 for a usual supplier "
        "invoice, A2 when it is already paid, A9 for a subcontractor, A12 for a "
        "co-contractor.",
    )
    chorus_beneficiary_ids = fields.One2many(
        "chorus.pro.beneficiary",
        "move_id",
        string="Beneficiaries",
        help="Children or young people concerned and the date or period of the "
        "service (Département de la Seine-Saint-Denis child-welfare invoices).",
    )
    chorus_deposit_mode = fields.Selection(
        DEPOSIT_MODES,
        string="Deposit Mode",
        default="facturx",
        required=True,
        copy=False,
        help="Factur-X flow: the usual deposit. PDF + invoice data: when Chorus Pro refuses "
        "the Factur-X of this invoice, its PDF is deposited with the invoice data entered "
        "through the API (DEPOT_PDF_API), as the Chorus Pro portal lets a supplier do. Same "
        "checklist, one invoice at a time.",
    )
    chorus_document_file = fields.Binary(related="chorus_document_id.datas", string="Deposited Factur-X File")
    chorus_document_filename = fields.Char(
        related="chorus_document_id.name", string="Deposited Factur-X File Name"
    )
    chorus_certificate_file = fields.Binary(
        related="chorus_certificate_id.datas", string="Deposit Certificate File"
    )
    chorus_certificate_filename = fields.Char(
        related="chorus_certificate_id.name", string="Deposit Certificate File Name"
    )
    # Not tracked: the connector logs each change once, in a language it chooses, and
    # keeps the status history (see _apply_invoice_status).
    chorus_status = fields.Selection(
        INVOICE_STATUSES,
        string="Chorus Pro Status",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    chorus_status_history_ids = fields.One2many(
        "chorus.pro.status.history",
        "move_id",
        string="Chorus Pro Status History",
        readonly=True,
        copy=False,
        groups="account.group_account_invoice,account.group_account_readonly",
    )
    chorus_status_date = fields.Datetime(readonly=True, copy=False)
    chorus_identifier = fields.Char(
        string="Chorus Invoice ID",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Identifier of the invoice in Chorus Pro (identifiantFactureCPP).",
    )
    chorus_flow_id = fields.Many2one("chorus.pro.flow", readonly=True, copy=False, index="btree_not_null")
    chorus_state = fields.Selection(
        CHORUS_STATES,
        string="Chorus Pro Deposit",
        readonly=True,
        copy=False,
        tracking=True,
        index="btree_not_null",
    )
    chorus_attachment_ids = fields.Many2many(
        "ir.attachment",
        "account_move_chorus_attachment_rel",
        "move_id",
        "attachment_id",
        string="Supporting Documents",
        copy=False,
        help="Sent with the invoice to Chorus Pro, inside the Factur-X PDF (arrêté, prise en "
        "charge, décompte...). Names of at most 50 characters, allowed extensions, 10 MB each.",
    )
    chorus_certificate_id = fields.Many2one(
        "ir.attachment", string="Deposit Certificate", readonly=True, copy=False
    )
    chorus_document_id = fields.Many2one(
        "ir.attachment",
        string="Deposited Factur-X",
        readonly=True,
        copy=False,
        help="The Factur-X PDF/A-3 exactly as it was sent to Chorus Pro.",
    )
    chorus_status_comment = fields.Text(
        string="Recipient's Comment",
        readonly=True,
        copy=False,
        help="Why the recipient (or Chorus Pro) returned the invoice, as Chorus Pro gave it.",
    )
    chorus_activity_id = fields.Many2one(
        "mail.activity",
        string="Chorus Pro Activity",
        readonly=True,
        copy=False,
        ondelete="set null",
    )
    chorus_reissued_from_id = fields.Many2one(
        "account.move",
        string="Re-issue of",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The invoice rejected on Chorus Pro this invoice replaces.",
    )
    chorus_reissue_ids = fields.One2many(
        "account.move", "chorus_reissued_from_id", string="Re-issues", readonly=True
    )
    chorus_locked = fields.Boolean(
        compute="_compute_chorus_banner",
        help="Chorus Pro holds this invoice: it cannot be changed, only cancelled by a credit note.",
    )
    chorus_reissue_move_id = fields.Many2one(
        "account.move",
        string="Re-issued as",
        compute="_compute_chorus_banner",
        help="The new invoice replacing this invoice, rejected on Chorus Pro.",
    )
    chorus_can_reissue = fields.Boolean(compute="_compute_chorus_banner")
    chorus_to_deposit = fields.Boolean(
        string="Chorus Pro: To Deposit",
        compute="_compute_chorus_queues",
        search="_search_chorus_to_deposit",
        help="Posted for a Chorus Pro recipient and never deposited (the credit note cancelling "
        "a rejected invoice excepted: it is not deposited).",
    )
    chorus_to_fix = fields.Boolean(
        string="Chorus Pro: To Fix",
        compute="_compute_chorus_queues",
        search="_search_chorus_to_fix",
        help="Returned by Chorus Pro or by the recipient and not handled yet: neither "
        "deposited again, re-issued, nor cancelled (by a credit note).",
    )
    reversed_entry_chorus_status = fields.Selection(
        related="reversed_entry_id.chorus_status", string="Chorus Pro Status of the Original Invoice"
    )
    chorus_banner = fields.Text(compute="_compute_chorus_banner")
    chorus_banner_level = fields.Selection(
        [("info", "Info"), ("success", "Success"), ("warning", "Warning"), ("danger", "Danger")],
        compute="_compute_chorus_banner",
    )

    def _chorus_write(self, vals):
        """Write Chorus Pro tracking fields. They touch no journal item, so Odoo's
        invoice-line synchronisation (the costly part of a write on a posted invoice)
        is skipped."""
        return self.with_context(skip_invoice_sync=True).write(vals)

    # ------------------------------------------------------------------
    # Lock of the invoices Chorus Pro holds
    # ------------------------------------------------------------------
    def _chorus_is_held(self):
        """Whether Chorus Pro holds this invoice: sent (or maybe sent), not rejected."""
        self.ensure_one()
        if self.chorus_status == "REJETEE":
            return False
        # A refused works statement stays on Chorus Pro under its number (its validator
        # may be corrected): changed only by a credit note.
        return (
            self.chorus_state in CHORUS_HELD_STATES
            or self.chorus_status in INVOICE_ACTION_STATUSES
            or (self._chorus_works_refused_document() and not self.reversed_entry_id)
        )

    def _chorus_released_situation(self):
        """Why an invoice that went to Chorus Pro may be corrected, or False."""
        self.ensure_one()
        if self._chorus_is_held():
            return False
        if self.chorus_status == "REJETEE":
            return self.env._("rejected by the recipient")
        if self.chorus_state == "to_fix":
            return self.env._("not integrated by Chorus Pro")
        if self.chorus_document_id:
            return self.env._("deposit declared not received by Chorus Pro")
        return False

    def _chorus_situation_label(self):
        self.ensure_one()
        if self.chorus_status:
            field, value = self._fields["chorus_status"], self.chorus_status
        else:
            field, value = self._fields["chorus_state"], self.chorus_state
        return dict(field._description_selection(self.env)).get(value, value)

    def _chorus_field_changes(self, fname, value):
        """Whether writing ``value`` in ``fname`` changes this invoice."""
        return field_changes(self, fname, value)

    def _chorus_lock_error(self, action, fields_=None):
        """The refusal for a change to an invoice Chorus Pro holds, saying what to do."""
        self.ensure_one()
        values = {"move": self.display_name, "situation": self._chorus_situation_label()}
        if action == "draft":
            message = self.env._(
                "%(move)s is on Chorus Pro (%(situation)s): it cannot be reset to draft. What "
                "Chorus Pro holds must stay as it was deposited: to correct it, issue a credit "
                "note (Credit Note button) and a new invoice.",
                **values,
            )
        elif action == "cancel":
            message = self.env._(
                "%(move)s is on Chorus Pro (%(situation)s): it cannot be cancelled. What Chorus "
                "Pro holds must stay as it was deposited: to cancel it, issue a credit note "
                "(Credit Note button).",
                **values,
            )
        else:
            message = self.env._(
                "%(move)s is on Chorus Pro (%(situation)s): %(fields)s can no longer be changed. "
                "What Chorus Pro holds must stay as it was deposited: to correct it, issue a "
                "credit note (Credit Note button) and a new invoice.",
                fields=", ".join(fields_ or []),
                **values,
            )
        return UserError(message)

    def _chorus_field_labels(self, fnames):
        # Core's names of the Chorus Pro references are not the ones users see.
        chorus_labels = {
            "purchase_order_reference": self.env._("engagement number (EJ)"),
            "contract_reference": self.env._("public market number"),
            "buyer_reference": self.env._("service code"),
        }
        return sorted({chorus_labels.get(f) or self._fields[f]._description_string(self.env) for f in fnames})

    def write(self, vals):
        vals = self._chorus_order_write_vals(vals)
        self._chorus_deposit_mode_write_check(vals)
        locked = CHORUS_LOCKED_FIELDS.intersection(vals)
        traces = []
        if locked and not self.env.context.get("chorus_lock_bypass"):
            for move in self:
                changed = [f for f in locked if move._chorus_field_changes(f, vals[f])]
                if not changed:
                    continue
                if move._chorus_is_held():
                    if move.env.context.get("chorus_rerouting") and set(changed) <= {
                        "chorus_service_id",
                        "buyer_reference",
                    }:
                        continue  # the recycle wizard re-routes it on Chorus Pro
                    raise move._chorus_lock_error("write", move._chorus_field_labels(changed))
                situation = move._chorus_released_situation()
                traced = [f for f in changed if f != "state"]
                if situation and traced:
                    traces.append((move, situation, move._chorus_field_labels(traced)))
        done = self._chorus_activities_done(vals)
        result = super().write(vals)
        for move, feedback in done.items():
            move._chorus_close_activity(feedback)
        for move, situation, labels in traces:
            move.message_post(
                body=self.env._(
                    "Corrected after Chorus Pro (%(situation)s): %(fields)s.",
                    situation=situation,
                    fields=", ".join(labels),
                )
            )
        self._chorus_order_after_write(vals)
        return result

    def _chorus_deposit_mode_write_check(self, vals):
        """The deposit mode of an invoice Chorus Pro holds or has is never changed."""
        if "chorus_deposit_mode" not in vals:
            return
        for move in self:
            if move.chorus_deposit_mode != vals["chorus_deposit_mode"] and (
                move._chorus_is_held() or move.chorus_state in ("sending", "unconfirmed", "deposited", "paid")
            ):
                raise move._chorus_lock_error(
                    "write", [self._fields["chorus_deposit_mode"]._description_string(self.env)]
                )

    def _chorus_activities_done(self, vals):
        """Activities this write closes, with their feedback: an invoice back on Chorus
        Pro (deposited again, completed, re-routed, or the new invoice replacing a
        rejected one) closes the activity that asked for it."""
        done = {}
        if vals.get("chorus_state") != "deposited":
            return done
        for move in self:
            if move.chorus_activity_id.active and move.chorus_state != "deposited":
                if move.chorus_status == "SUSPENDUE":
                    done[move] = self.env._("Completed on Chorus Pro.")
                elif move.chorus_status == "A_RECYCLER":
                    done[move] = self.env._("Routing corrected on Chorus Pro.")
                else:
                    done[move] = self.env._("Deposited on Chorus Pro again.")
            origin = move.chorus_reissued_from_id
            if origin.chorus_activity_id.active and move.chorus_state != "deposited":
                done[origin] = self.env._(
                    "Re-issued as %(invoice)s, deposited on Chorus Pro.", invoice=move.name
                )
        return done

    def _chorus_close_activity(self, feedback):
        """Mark the Chorus Pro activity of these invoices (rejection, suspension...) done."""
        activities = self.chorus_activity_id.filtered("active")
        if activities:
            activities.sudo().action_feedback(feedback=feedback)
        return bool(activities)

    def _chorus_set_activity(self, activity):
        """``activity`` now asks for the invoice's next step: the previous one is done."""
        self.ensure_one()
        self._chorus_close_activity(self.env._("Replaced by the new Chorus Pro status."))
        self._chorus_write({"chorus_activity_id": activity.id})

    def button_draft(self):
        self._chorus_check_unlocked("draft")
        released = [(move, move._chorus_released_situation()) for move in self]
        result = super().button_draft()
        for move, situation in released:
            if situation:
                move.message_post(
                    body=self.env._("Reset to draft after Chorus Pro (%(situation)s).", situation=situation)
                )
        return result

    def button_cancel(self):
        self._chorus_check_unlocked("cancel")
        released = [(move, move._chorus_released_situation()) for move in self]
        result = super().button_cancel()
        for move, situation in released:
            if situation:
                move.message_post(
                    body=self.env._("Cancelled after Chorus Pro (%(situation)s).", situation=situation)
                )
        return result

    def _chorus_check_beneficiaries_unlocked(self):
        """Beneficiaries are part of what was deposited (lines and notes of the Factur-X)."""
        for move in self:
            if move._chorus_is_held():
                raise move._chorus_lock_error("write", move._chorus_field_labels(["chorus_beneficiary_ids"]))

    def _chorus_check_unlocked(self, action):
        for move in self:
            if move._chorus_is_held():
                raise move._chorus_lock_error(action)
            if action == "draft" and (closed := move._chorus_closed_message()):
                raise UserError(
                    self.env._(
                        "%(move)s cannot be reset to draft. %(reason)s", move=move.display_name, reason=closed
                    )
                )

    @api.depends(
        "chorus_state",
        "state",
        "payment_state",
        "chorus_reissue_ids.state",
        "move_type",
        "commercial_partner_id.chorus_recipient",
        "reversed_entry_id.chorus_status",
    )
    def _compute_chorus_queues(self):
        for fname, domain in CHORUS_QUEUE_DOMAINS.items():
            matching = self.filtered_domain(domain)
            for move in self:
                move[fname] = move in matching

    def _search_chorus_to_deposit(self, operator, value):
        return self._search_chorus_queue("chorus_to_deposit", operator, value)

    def _search_chorus_to_fix(self, operator, value):
        return self._search_chorus_queue("chorus_to_fix", operator, value)

    @api.model
    def _search_chorus_queue(self, fname, operator, value):
        if operator != "in":
            return NotImplemented
        domain = Domain(CHORUS_QUEUE_DOMAINS[fname])
        if set(value) == {True}:
            return domain
        if set(value) == {False}:
            return ~domain
        return Domain.TRUE

    def _chorus_closed(self):
        """Returned by Chorus Pro or the recipient, then cancelled by a credit note or
        re-issued — or the credit note cancelling it: closed history. Reset to draft, it
        would undo the credit note's reconciliation and reopen what was re-issued."""
        self.ensure_one()
        original = self if self.chorus_state == "to_fix" else self.reversed_entry_id
        return bool(
            original.chorus_state == "to_fix" and original.state == "posted" and not original.chorus_to_fix
        )

    def _chorus_closed_message(self):
        """Why this closed invoice (or credit note) is never reset to draft, or False."""
        self.ensure_one()
        if not self._chorus_closed():
            return False
        if self.chorus_state != "to_fix":
            return self.env._(
                "It is never reset to draft: that would reopen %(invoice)s in your books.",
                invoice=self.reversed_entry_id.name,
            )
        credit_note = self.reversal_move_ids.filtered(lambda m: m.state == "posted")[:1]
        if credit_note:
            return self.env._(
                "Closed: credit note %(credit_note)s cancels it in your books, so it is never "
                "reset to draft nor deposited again.",
                credit_note=credit_note.name,
            )
        return self.env._("Closed: it was re-issued, so it is never reset to draft nor deposited again.")

    # ------------------------------------------------------------------
    # What Chorus Pro says, and what to do next
    # ------------------------------------------------------------------
    @api.depends(
        "chorus_state",
        "chorus_status",
        "payment_state",
        "chorus_reissue_ids.state",
        "reversed_entry_id.chorus_state",
        "reversed_entry_id.payment_state",
    )
    def _compute_show_reset_to_draft_button(self):
        # What Chorus Pro holds cannot be reset to draft, nor what closed a rejection (the
        # banner says why): no button that only says no.
        result = super()._compute_show_reset_to_draft_button()
        for move in self.filtered("show_reset_to_draft_button"):
            if (move.chorus_is_recipient and move._chorus_is_held()) or move._chorus_closed():
                move.show_reset_to_draft_button = False
        return result

    @api.depends(
        "chorus_state",
        "chorus_status",
        "chorus_status_comment",
        "state",
        "payment_state",
        "chorus_reissue_ids.state",
        "chorus_reissue_ids.chorus_state",
        "reversed_entry_id.chorus_status",
        "reversed_entry_id.chorus_state",
        "reversed_entry_id.payment_state",
    )
    @api.depends_context("lang")
    def _compute_chorus_banner(self):
        for move in self:
            move.chorus_locked = move.chorus_is_recipient and move._chorus_is_held()
            reissues = move.chorus_reissue_ids.filtered(lambda m: m.state != "cancel")
            move.chorus_can_reissue = (
                move.chorus_status == "REJETEE" and move.state == "posted" and not reissues
            )
            move.chorus_reissue_move_id = reissues[:1]
            text, level = move._chorus_banner(reissues)
            if closed := move._chorus_closed_message():
                text, level = (f"{text} {closed}" if text else closed), level or "info"
            move.chorus_banner, move.chorus_banner_level = text, level

    def _chorus_banner(self, reissues):
        """The Chorus Pro situation of the invoice and the next step: (text, level). Once
        mandated, where the payment stands (``account_move_payment.py``)."""
        return self._chorus_payment_banner() or self._chorus_situation_banner(reissues)

    def _chorus_situation_banner(self, reissues):
        """The Chorus Pro situation of the invoice and the next step: (text, level)."""
        status, state = self.chorus_status, self.chorus_state
        # The sentences below end the comment with their own full stop.
        comment = (self.chorus_status_comment or "").strip().rstrip(".")
        if self.reversed_entry_id.chorus_status == "REJETEE":
            return self.env._(
                "This credit note cancels %(invoice)s, rejected on Chorus Pro: it stays in "
                "your books and is not deposited.",
                invoice=self.reversed_entry_id.name,
            ), "info"
        if status == "REJETEE":
            reason = comment or self._chorus_situation_label()
            if reissues:
                new = reissues[:1]
                if new.chorus_state in CHORUS_HELD_STATES:
                    return self.env._(
                        "Rejected by the recipient: %(reason)s. Re-issued as %(invoice)s, "
                        "deposited on Chorus Pro.",
                        reason=reason,
                        invoice=new.name,
                    ), "info"
                return self.env._(
                    "Rejected by the recipient: %(reason)s. Re-issued as %(invoice)s: deposit "
                    "it on Chorus Pro.",
                    reason=reason,
                    invoice=new.name or self.env._("a draft invoice"),
                ), "warning"
            return self.env._(
                "Rejected by the recipient: %(reason)s. It is never deposited again: correct "
                "and re-issue it (Correct and re-issue button).",
                reason=reason,
            ), "danger"
        if status == "SUSPENDUE" and state == "to_fix":
            return self.env._(
                "Suspended by the recipient: %(comment)s. Complete it (Complete on Chorus Pro "
                "button) with the documents asked for.",
                comment=comment or self._chorus_situation_label(),
            ), "warning"
        if status == "A_RECYCLER" and state == "to_fix":
            return self.env._(
                "Returned to recycle (wrong routing): %(comment)s. Correct its routing "
                "(Correct routing button): it is routed again, without a new invoice.",
                comment=comment or self._chorus_situation_label(),
            ), "warning"
        if state == "to_fix" and self._chorus_works_refused_document():
            reason = comment or self._chorus_situation_label()
            if self._chorus_closed():
                return self.env._("Works statement refused on Chorus Pro: %(reason)s.", reason=reason), "info"
            return self.env._(
                "Works statement refused on Chorus Pro: %(reason)s. %(way_out)s",
                reason=reason,
                way_out=self._chorus_works_way_out(),
            ), ("warning" if self.chorus_works_wrong_validator else "danger")
        if state == "to_fix" and self._chorus_closed():
            return self.env._(
                "Chorus Pro did not integrate this invoice: %(reason)s.",
                reason=comment or self.env._("see the chatter"),
            ), "info"
        if state == "to_fix":
            return self.env._(
                "Chorus Pro did not integrate this invoice: %(reason)s. Reset it to draft, "
                "fix it and deposit it again.",
                reason=comment or self.env._("see the chatter"),
            ), "danger"
        if state == "sending":
            return self.env._("Being deposited on Chorus Pro."), "info"
        if state == "unconfirmed":
            return self.env._(
                "Deposit not confirmed yet: Chorus Pro did not answer. It is searched for on "
                "Chorus Pro (Update from Chorus Pro), never sent twice."
            ), "warning"
        if state == "paid":
            return self.env._("Paid, according to Chorus Pro."), "success"
        if state == "deposited":
            if status and status != "DEPOSEE":
                return self.env._(
                    "On Chorus Pro: %(status)s. Waiting for the recipient.",
                    status=self._chorus_situation_label(),
                ), "info"
            return self.env._("Deposited on Chorus Pro, waiting for the recipient."), "info"
        return False, False

    def _chorus_recipient_comment(self):
        """The recipient's last comment: kept on the invoice when its status came in, or
        read from the invoice's history on Chorus Pro (invoices returned before)."""
        self.ensure_one()
        if self.chorus_status_comment or not self.chorus_identifier:
            return self.chorus_status_comment or False
        connector = self.env["chorus.pro.connector"]
        try:
            client = connector._get_client(self.company_id)
        except UserError:
            return False
        return connector._last_status_comment(client, self) or False

    def action_chorus_reissue(self):
        """Correct and re-issue an invoice the recipient rejected."""
        self.ensure_one()
        self._chorus_check_reissuable()
        return self._chorus_open_wizard("chorus.pro.reissue.wizard", self.env._("Correct and re-issue"))

    def _chorus_check_reissuable(self):
        self.ensure_one()
        if self.chorus_status != "REJETEE":
            raise UserError(
                self.env._("Only an invoice the recipient rejected on Chorus Pro is corrected and re-issued.")
            )
        reissues = self.chorus_reissue_ids.filtered(lambda m: m.state != "cancel")
        if reissues:
            raise UserError(
                self.env._(
                    "%(move)s was already re-issued as %(invoice)s: open that invoice.",
                    move=self.display_name,
                    invoice=reissues[:1].display_name,
                )
            )
        if self.state != "posted":
            raise UserError(
                self.env._(
                    "Post %(move)s again first: a credit note cancels it in your books.",
                    move=self.display_name,
                )
            )
        if self.payment_state not in ("not_paid", "reversed"):
            raise UserError(
                self.env._(
                    "%(move)s has payments: unreconcile them before cancelling it with a credit note.",
                    move=self.display_name,
                )
            )

    def _post(self, soft=True):
        """Invoices to Chorus Pro recipients are checked before posting: the company
        chooses to block (every missing mention listed) or to warn in the chatter."""
        checklist = self.env["chorus.pro.checklist"]
        # An invoice typed by hand before its order was recorded is tied to it now: it
        # counts on the order, and the order's checks below apply.
        self._chorus_order_match(tie_lines=False)
        warnings = {}
        # The deposit pipeline posts only drafts whose whole checklist it just ran.
        checked = self.env.context.get(CHECKED_CONTEXT)
        for move in self.filtered(
            lambda m: (
                not checked
                and m.move_type in ("out_invoice", "out_refund")
                and m.chorus_is_recipient
                and m.reversed_entry_id.chorus_status != "REJETEE"
            )
        ):
            # Posting is never refused for the way the invoice will go to Chorus Pro.
            failed = [
                item
                for item in checklist._failed(move, with_facturx=False)
                if item["code"] not in ("rejected", "channel")
            ]
            if not failed:
                continue
            text = checklist._problems_text(failed)
            if move.company_id.chorus_post_check == "warn":
                warnings[move] = text
                continue
            raise UserError(
                self.env._(
                    "%(move)s cannot be posted: Chorus Pro and %(partner)s require\n%(problems)s",
                    move=move.display_name,
                    partner=move.commercial_partner_id.display_name,
                    problems=text,
                )
            )
        posted = super()._post(soft=soft)
        # The justification of a revised price, sent with the invoice (account_move_revision.py).
        posted._chorus_revision_annex_attach()
        for move, text in warnings.items():
            move.message_post(
                body=self.env._("Posted with missing Chorus Pro mentions:\n%(problems)s", problems=text)
            )
        return posted

    def _chorus_attachment_problems(self):
        """Readable problems of the supporting documents with Chorus Pro's limits."""
        problems = []
        for attachment in self.chorus_attachment_ids:
            name = attachment.name or ""
            extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            if len(name) > MAX_ATTACHMENT_NAME:
                problems.append(
                    self.env._(
                        "Document '%(name)s': Chorus Pro accepts names of at most %(max)s "
                        "characters (extension included). Rename it.",
                        name=name,
                        max=MAX_ATTACHMENT_NAME,
                    )
                )
            if extension not in {ext.lower() for ext in ALLOWED_ATTACHMENT_EXTENSIONS}:
                problems.append(
                    self.env._(
                        "Document '%(name)s': Chorus Pro does not accept this file type. Send it "
                        "as PDF, an image or an office document.",
                        name=name,
                    )
                )
            if (attachment.file_size or 0) > MAX_ATTACHMENT_SIZE:
                problems.append(
                    self.env._("Document '%(name)s' is larger than 10 MB, Chorus Pro's limit.", name=name)
                )
        return problems

    def _chorus_attachments_payload(self):
        """Supporting documents to embed in the Factur-X PDF (factur-x format)."""
        self.ensure_one()
        problems = self._chorus_attachment_problems()
        if problems:
            raise UserError("\n".join(problems))
        return {
            attachment.name: {"filedata": attachment.raw, "description": attachment.name}
            for attachment in self.chorus_attachment_ids
        }

    def action_chorus_deposit(self):
        """Open the deposit wizard with its mandatory-mentions checklist."""
        # The invoice form's context (default_move_type...) is not the wizard's.
        wizards = self.env["chorus.pro.deposit.wizard"].with_context(clean_context(self.env.context))  # pylint: disable=context-overridden
        wizard = wizards.create({"move_ids": [Command.set(self.ids)]})
        return wizard._reopen()

    def action_chorus_update(self):
        """Read the flow and status of these invoices from Chorus Pro now."""
        connector = self.env["chorus.pro.connector"]
        connector._update_flows(self.chorus_flow_id)
        for company in self.company_id:
            connector._sync_invoice_statuses(company, interactive=True)
        return True

    def action_chorus_complete(self):
        self.ensure_one()
        return self._chorus_open_wizard("chorus.pro.complete.wizard", self.env._("Complete on Chorus Pro"))

    def action_chorus_recycle(self):
        self.ensure_one()
        return self._chorus_open_wizard("chorus.pro.recycle.wizard", self.env._("Correct the routing"))

    def _chorus_open_wizard(self, model, name):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id},
        }

    def action_chorus_export_facturx(self):
        """Download the validated Factur-X PDF/A-3 of the invoice: once deposited, the
        one Chorus Pro received."""
        self.ensure_one()
        if self.state != "posted" or self.move_type not in ("out_invoice", "out_refund"):
            raise UserError(self.env._("Only a posted customer invoice or credit note has a Factur-X."))
        attachment = self.chorus_document_id
        if not attachment:
            engine = self.env["chorus.pro.facturx"]
            result = engine._build_facturx(self)
            attachment = self.env["ir.attachment"].create(
                {
                    "name": engine._facturx_filename(self),
                    "raw": result["pdf"],
                    "mimetype": "application/pdf",
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "download",
        }

    @api.depends("commercial_partner_id")
    def _compute_chorus_service_id(self):
        for move in self:
            if move.chorus_service_id.partner_id != move.commercial_partner_id:
                move.chorus_service_id = False

    @api.depends("chorus_service_id")
    def _compute_buyer_reference(self):
        for move in self:
            if move.chorus_service_id:
                move.buyer_reference = move.chorus_service_id.code
            elif move.chorus_is_recipient:
                move.buyer_reference = False
            else:
                move.buyer_reference = move.buyer_reference

    def _inverse_buyer_reference(self):
        """A service code typed or imported in buyer_reference selects that service."""
        for move in self.filtered("chorus_is_recipient"):
            code = (move.buyer_reference or "").strip()
            if code == (move.chorus_service_id.code or ""):
                continue
            move.chorus_service_id = (
                self.env["chorus.pro.service"].search(
                    [("partner_id", "=", move.commercial_partner_id.id), ("code", "=", code)],
                    limit=1,
                )
                if code
                else False
            )

    @api.constrains("purchase_order_reference", "contract_reference", "partner_id")
    def _check_chorus_reference_length(self):
        labels = {
            "purchase_order_reference": self.env._("engagement number (EJ)"),
            "contract_reference": self.env._("public market number"),
        }
        for move in self.filtered("chorus_is_recipient"):
            for fname, label in labels.items():
                value = move[fname] or ""
                if len(value) > CHORUS_REFERENCE_MAX_LENGTH:
                    raise ValidationError(
                        self.env._(
                            "The %(label)s of %(move)s has %(length)s characters; Chorus "
                            "Pro accepts at most %(max)s.",
                            label=label,
                            move=move.display_name,
                            length=len(value),
                            max=CHORUS_REFERENCE_MAX_LENGTH,
                        )
                    )

    @api.constrains("chorus_service_id", "partner_id")
    def _check_chorus_service(self):
        for move in self.filtered("chorus_service_id"):
            service = move.chorus_service_id
            if service.partner_id != move.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "The Chorus Pro service %(service)s belongs to %(owner)s, not to "
                        "the invoiced customer %(customer)s.",
                        service=service.display_name,
                        owner=service.partner_id.display_name,
                        customer=move.commercial_partner_id.display_name,
                    )
                )
            if not service.active:
                raise ValidationError(
                    self.env._(
                        "The Chorus Pro service %(service)s is archived (closed in the "
                        "Chorus Pro directory): choose an active service.",
                        service=service.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # Whatever leaves Odoo for a deposited invoice is the deposited document
    # ------------------------------------------------------------------
    # The deposited Factur-X (or PDF, in the degraded mode) is kept as the invoice's PDF
    # (Odoo's ``invoice_pdf_report_file``) and its main attachment: Odoo's preview, the
    # portal download, Print and an e-mail sent with Send all give that file, and Odoo
    # never draws another one for the invoice. The deposit certificate is never the main
    # attachment. The documents are evidence (see ``ir_attachment.py``): shown as
    # downloads, never as forms.
    def _chorus_detach_invoice_pdf(self, evidence_only=False):
        """The attachments holding the invoices' PDF stop holding it; they stay attached
        to the invoices, unchanged."""
        domain = [
            ("res_model", "=", self._name),
            ("res_id", "in", self.ids),
            ("res_field", "=", INVOICE_PDF_FIELD),
        ]
        if evidence_only:
            domain.append(("chorus_evidence", "=", True))
        attachments = self.env["ir.attachment"].sudo().search(domain)
        if attachments:
            attachments.res_field = False
            self.invalidate_recordset(["invoice_pdf_report_id", INVOICE_PDF_FIELD])

    def _detach_attachments(self):
        # Reset to draft (an invoice Chorus Pro rejected): its deposited document is no
        # longer its PDF, and keeps its name (Odoo renames the files it detaches).
        self._chorus_detach_invoice_pdf(evidence_only=True)
        return super()._detach_attachments()

    def _message_set_main_attachment_id(self, attachments, force=False, filter_xml=True):
        # The main attachment of a deposited invoice stays the deposited document (the
        # attachment viewer asks for the newest PDF when there is none, or when the user
        # browses); a deposit certificate never becomes it.
        if self.chorus_document_id:
            return
        attachments = attachments.filtered(lambda attachment: not attachment.chorus_evidence)
        super()._message_set_main_attachment_id(attachments, force=force, filter_xml=filter_xml)
