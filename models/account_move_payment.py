# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Payment follow-through: what Chorus Pro says of the payment of an invoice (mandate,
public accountant, payment ordered), shown beside Odoo's own payment state.

A Chorus Pro status never creates a journal entry nor a payment, and never changes
``payment_state``: the invoice is paid in Odoo when the money is reconciled (bank
statement, registered payment). Everything here is derived from the current status and
the status history, so a status going back clears it."""

import datetime

from odoo import api, fields, models
from odoo.tools.misc import format_amount, format_date

from ..lib.chorus.statuses import (
    INVOICE_MANDATED_STATUSES,
    INVOICE_MISE_EN_PAIEMENT,
    INVOICE_PAYMENT_STATUSES,
    INVOICE_PROCESSING_STATUSES,
    INVOICE_ROUTING_STATUSES,
)
from .chorus_pro_status_history import CHORUS_TIMEZONE

# The payment stages of Chorus Pro, in their order on the public side.
CHORUS_PAYMENT_STAGES = [
    ("mandated", "Mandated"),
    ("accountant", "Sent to the public accountant"),
    ("recorded", "Recorded by the public accountant"),
    ("payment_ordered", "Payment ordered by the public body"),
]
STATUS_PAYMENT_STAGES = dict(
    zip(INVOICE_PAYMENT_STATUSES, (stage for stage, _label in CHORUS_PAYMENT_STAGES), strict=True)
)
STAGE_RANKS = {stage: rank for rank, (stage, _label) in enumerate(CHORUS_PAYMENT_STAGES)}
# Odoo's payment states of an invoice whose money has not come in yet.
CHORUS_NOT_RECEIVED_STATES = ("not_paid", "partial")

# The follow-up of the receivables on Chorus Pro (sales journal card, list filters):
# where the amount still due of an invoice on Chorus Pro stands.
CHORUS_FOLLOW_UP = [
    ("deposited", "Deposited (awaiting the recipient)"),
    ("processing", "In processing"),
    ("mandated", "Mandated (payment to come)"),
    ("payment_ordered", "Payment ordered (not yet received)"),
]
CHORUS_FOLLOW_UP_STATUSES = {
    # sent, not taken up by the recipient yet (no status yet: being deposited)
    "deposited": (False, *INVOICE_ROUTING_STATUSES),
    # the recipient works on it (suspended or to recycle: "to fix", not here)
    "processing": INVOICE_PROCESSING_STATUSES,
    # mandated, at the public accountant's, recorded by them
    "mandated": INVOICE_MANDATED_STATUSES,
    "payment_ordered": (INVOICE_MISE_EN_PAIEMENT,),
}
STATUS_FOLLOW_UP = {
    status: bucket for bucket, statuses in CHORUS_FOLLOW_UP_STATUSES.items() for status in statuses
}
# The invoices Chorus Pro has (or is being sent): returned ones ("to fix") are not.
CHORUS_FOLLOWED_STATES = ("sending", "unconfirmed", "deposited", "paid")


def chorus_day(value):
    """The day (in Paris, Chorus Pro's time) of a stored UTC date-time, or False."""
    if not value:
        return False
    return value.replace(tzinfo=datetime.UTC).astimezone(CHORUS_TIMEZONE).date()


class AccountMove(models.Model):
    _inherit = "account.move"

    chorus_payment_stage = fields.Selection(
        CHORUS_PAYMENT_STAGES,
        string="Chorus Pro Payment Stage",
        compute="_compute_chorus_payment_stage",
        store=True,
        index="btree_not_null",
        help="Where the payment stands on the public side, according to Chorus Pro: "
        "mandated by the public body, sent to and recorded by its public accountant, "
        "payment ordered (the money arrives within days). Odoo's payment status stays "
        "the bank's: it changes only when the payment is recorded in Odoo.",
    )
    chorus_mandate_date = fields.Date(
        string="Mandated On",
        compute="_compute_chorus_payment_follow_up",
        store=True,
        help="When Chorus Pro reported the invoice mandated (MANDATEE).",
    )
    chorus_payment_order_date = fields.Date(
        string="Payment Ordered On",
        compute="_compute_chorus_payment_follow_up",
        store=True,
        help="When Chorus Pro reported the payment ordered by the public accountant (MISE_EN_PAIEMENT).",
    )
    chorus_payment_comment = fields.Text(
        string="Payment Comment",
        compute="_compute_chorus_payment_follow_up",
        store=True,
        help="The last comment of Chorus Pro on the payment stages.",
    )
    chorus_amount_to_pay = fields.Monetary(
        string="Amount to Pay (Chorus Pro)",
        readonly=True,
        copy=False,
        help="What Chorus Pro says the public body pays (montantAPayer), when it gives it.",
    )
    chorus_follow_up = fields.Selection(
        CHORUS_FOLLOW_UP,
        string="Chorus Pro Follow-up",
        compute="_compute_chorus_follow_up",
        store=True,
        index="btree_not_null",
        help="Where the amount still due of the invoice stands on Chorus Pro: deposited, "
        "in processing by the recipient, mandated, payment ordered. Empty once the "
        "invoice is paid in Odoo, and for invoices not on Chorus Pro or returned.",
    )
    chorus_payment_info = fields.Char(
        string="Payment Follow-through",
        compute="_compute_chorus_payment_info",
    )

    @api.depends("chorus_status")
    def _compute_chorus_payment_stage(self):
        for move in self:
            move.chorus_payment_stage = STATUS_PAYMENT_STAGES.get(move.chorus_status, False)

    @api.depends("move_type", "state", "payment_state", "chorus_state", "chorus_status")
    def _compute_chorus_follow_up(self):
        for move in self:
            followed = (
                move.move_type in ("out_invoice", "out_refund")
                and move.state == "posted"
                and move.payment_state in CHORUS_NOT_RECEIVED_STATES
                and move.chorus_state in CHORUS_FOLLOWED_STATES
            )
            move.chorus_follow_up = STATUS_FOLLOW_UP.get(move.chorus_status) if followed else False

    @api.depends(
        "chorus_payment_stage",
        "chorus_status_history_ids.status",
        "chorus_status_history_ids.date",
        "chorus_status_history_ids.comment",
    )
    def _compute_chorus_payment_follow_up(self):
        for move in self:
            rows = move._chorus_payment_rows()
            mandates = rows.filtered(lambda r: r.status == "MANDATEE")
            orders = rows.filtered(lambda r: r.status == "MISE_EN_PAIEMENT")
            move.chorus_mandate_date = chorus_day(mandates[:1].date)
            move.chorus_payment_order_date = chorus_day(orders[:1].date)
            move.chorus_payment_comment = next((row.comment for row in rows if row.comment), False)

    def _chorus_payment_rows(self):
        """The status rows of the current payment run, most recent first: back from
        the current status while they are payment stages, leaving out a stage a later
        status took back (a payment followed by *recorded* again: the payment is
        void). An earlier status outside the payment stages (suspended, completed...)
        ends the run: what came before it was taken back too."""
        self.ensure_one()
        history = self.env["chorus.pro.status.history"]
        if not self.chorus_payment_stage:
            return history
        rows = self.chorus_status_history_ids.sorted(lambda r: (r.date, r.id), reverse=True)
        ceiling = STAGE_RANKS[self.chorus_payment_stage]
        for row in rows:
            stage = STATUS_PAYMENT_STAGES.get(row.status)
            if not stage:
                break
            if STAGE_RANKS[stage] <= ceiling:
                ceiling = STAGE_RANKS[stage]
                history |= row
        return history

    @api.depends_context("lang")
    @api.depends(
        "chorus_payment_stage",
        "chorus_mandate_date",
        "chorus_payment_order_date",
        "chorus_amount_to_pay",
        "chorus_status_date",
        "payment_state",
        "currency_id",
    )
    def _compute_chorus_payment_info(self):
        for move in self:
            move.chorus_payment_info = move._chorus_payment_sentence()

    def _chorus_payment_sentence(self):
        """The payment follow-through of the invoice in one sentence, or False."""
        self.ensure_one()
        stage = self.chorus_payment_stage
        if not stage:
            return False
        if stage == "payment_ordered":
            day = format_date(self.env, self.chorus_payment_order_date or chorus_day(self.chorus_status_date))
            if self.payment_state not in CHORUS_NOT_RECEIVED_STATES:
                return self.env._("Payment ordered by the public body on %(date)s.", date=day)
            if self.chorus_amount_to_pay:
                return self.env._(
                    "Payment ordered by the public body on %(date)s (%(amount)s) — awaiting "
                    "the bank payment.",
                    date=day,
                    amount=format_amount(self.env, self.chorus_amount_to_pay, self.currency_id),
                )
            return self.env._(
                "Payment ordered by the public body on %(date)s — awaiting the bank payment.", date=day
            )
        label = dict(self._fields["chorus_payment_stage"]._description_selection(self.env))[stage]
        day = format_date(self.env, chorus_day(self.chorus_status_date))
        if self.chorus_mandate_date and stage != "mandated":
            return self.env._(
                "%(stage)s on %(date)s (mandated on %(mandate)s): the payment is to come.",
                stage=label,
                date=day,
                mandate=format_date(self.env, self.chorus_mandate_date),
            )
        return self.env._("%(stage)s on %(date)s: the payment is to come.", stage=label, date=day)

    def _chorus_payment_banner(self):
        """Once mandated, the banner tells where the payment stands: (text, level), or
        None (see ``_chorus_banner``)."""
        if (
            self.chorus_payment_stage
            and self.chorus_state in ("deposited", "paid")
            and self.chorus_payment_info
        ):
            return self.chorus_payment_info, "success" if self.chorus_state == "paid" else "info"
        return None
