# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Paid on time? The legal payment deadline of each invoice deposited on Chorus Pro, the
days it was suspended, the days late once paid (or as of today), and the moratorium interest
and recovery indemnity owed (``lib/payment_delay.py`` applies the Code de la commande
publique). Then the follow-up: 45 days after a late invoice's payment, an activity when the
interest has not been received, and the claim letter.

The stored figures of unpaid invoices are recomputed every day by the follow-up cron
(their days late grow with today)."""

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.tools.misc import format_amount, format_date

from ..lib import payment_delay as pd
from .account_move_payment import chorus_day

# Invoices whose deadline is followed: on Chorus Pro (deposited, or paid there).
CHORUS_DELAY_STATES = ("deposited", "paid")
# Chorus Pro statuses that say the invoice was received by the platform.
CHORUS_RECEIVED_STATUS = "DEPOSEE"
CHORUS_DELAY_FIELDS = (
    "chorus_delay_deadline_days",
    "chorus_delay_received_date",
    "chorus_delay_start_date",
    "chorus_delay_suspended_days",
    "chorus_delay_due_date",
    "chorus_delay_paid_date",
    "chorus_delay_days_late",
    "chorus_delay_late",
    "chorus_delay_rate",
    "chorus_delay_interest",
    "chorus_delay_indemnity",
    "chorus_delay_claim_date",
)


class AccountMove(models.Model):
    _inherit = "account.move"

    chorus_delay_deadline_days = fields.Integer(
        string="Payment Deadline (days)",
        compute="_compute_chorus_delay",
        store=True,
        help="The global payment deadline: the order's contractual deadline, else the recipient's, "
        "else the legal one of its kind (30 days for the State and local authorities, 50 for "
        "public health establishments, 60 for public companies).",
    )
    chorus_delay_received_date = fields.Date(
        string="Received On (Chorus Pro)",
        compute="_compute_chorus_delay",
        store=True,
        help="The day the invoice was deposited on Chorus Pro: the payment request's receipt.",
    )
    chorus_delay_start_date = fields.Date(
        string="Deadline Runs From",
        compute="_compute_chorus_delay",
        store=True,
        help="The deposit day, or the date of the service when it is later (R2192-12, R2192-13).",
    )
    chorus_delay_suspended_days = fields.Integer(
        string="Days Suspended",
        compute="_compute_chorus_delay",
        store=True,
        help="Days the invoice was suspended on Chorus Pro awaiting a completion: they extend the deadline.",
    )
    chorus_delay_due_date = fields.Date(
        string="Legal Payment Due Date",
        compute="_compute_chorus_delay",
        store=True,
        index="btree_not_null",
    )
    chorus_delay_paid_date = fields.Date(
        string="Paid On",
        compute="_compute_chorus_delay",
        store=True,
        help="The day the public accountant ordered the payment (mise en paiement on Chorus Pro), "
        "else the day the payment was reconciled in Odoo.",
    )
    chorus_delay_days_late = fields.Integer(
        string="Days Late",
        compute="_compute_chorus_delay",
        store=True,
        aggregator="max",
        help="Days between the due date and the payment (or today while unpaid).",
    )
    chorus_delay_late = fields.Boolean(string="Paid Late", compute="_compute_chorus_delay", store=True)
    chorus_delay_rate = fields.Float(
        string="Moratorium Rate (%)",
        digits=(5, 2),
        compute="_compute_chorus_delay",
        store=True,
        aggregator=None,
        help="The ECB main refinancing rate in force on the first day of the half-year in which "
        "interest starts to run, plus 8 points (R2192-31).",
    )
    chorus_delay_interest = fields.Monetary(
        string="Moratorium Interest",
        compute="_compute_chorus_delay",
        store=True,
        currency_field="company_currency_id",
    )
    chorus_delay_indemnity = fields.Monetary(
        string="Recovery Indemnity",
        compute="_compute_chorus_delay",
        store=True,
        currency_field="company_currency_id",
    )
    chorus_delay_claim_date = fields.Date(
        string="Interest Due By",
        compute="_compute_chorus_delay",
        store=True,
        help="45 days after the payment of the principal (R2192-36).",
    )
    chorus_delay_explanation = fields.Html(
        string="Payment Delay Computation", compute="_compute_chorus_delay_explanation", sanitize=False
    )
    chorus_interest_received = fields.Boolean(
        string="Interest Received (by hand)",
        copy=False,
        tracking=True,
        help="Tick when the public body paid the moratorium interest and indemnity and no interest "
        "invoice records it (paid without being invoiced): no more reminder.",
    )
    chorus_interest_marked_date = fields.Date(string="Marked Received On", copy=False, readonly=True)
    chorus_interest_reminded = fields.Boolean(copy=False, readonly=True)
    chorus_interest_move_id = fields.Many2one(
        "account.move",
        string="Interest Invoice",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The invoice of the moratorium interest and recovery indemnity of this late invoice, "
        "deposited on Chorus Pro with the claim letter.",
    )
    chorus_interest_late_move_ids = fields.One2many(
        "account.move",
        "chorus_interest_move_id",
        string="Late Invoices Claimed",
        help="The late invoices whose interest and indemnity this invoice claims.",
    )
    chorus_interest_claimed = fields.Monetary(
        string="Interest Invoiced",
        copy=False,
        readonly=True,
        currency_field="company_currency_id",
        help="The interest and indemnity of this late invoice on its interest invoice.",
    )
    chorus_interest_received_amount = fields.Monetary(
        string="Interest Received",
        compute="_compute_chorus_interest_received",
        store=True,
        currency_field="company_currency_id",
        help="What came in for the interest and indemnity: the payments reconciled with the "
        "interest invoice (registered payment or bank statement line), or everything when "
        "marked received by hand.",
    )
    chorus_interest_received_date = fields.Date(
        string="Interest Received On", compute="_compute_chorus_interest_received", store=True
    )
    chorus_interest_remaining = fields.Monetary(
        string="Interest Still Owed",
        compute="_compute_chorus_interest_received",
        store=True,
        currency_field="company_currency_id",
    )
    chorus_interest_settled = fields.Boolean(
        string="Interest Settled",
        compute="_compute_chorus_interest_received",
        store=True,
        help="The interest and indemnity were received in full (interest invoice paid, or marked "
        "received by hand): no more reminder.",
    )

    # ------------------------------------------------------------------
    # Computation
    # ------------------------------------------------------------------
    @api.depends(
        "move_type",
        "state",
        "chorus_state",
        "chorus_status",
        "amount_total_signed",
        "delivery_date",
        "chorus_flow_id.date",
        "chorus_status_history_ids.status",
        "chorus_status_history_ids.date",
        "chorus_payment_order_date",
        "payment_state",
        "commercial_partner_id.chorus_buyer_kind",
        "commercial_partner_id.chorus_payment_deadline_days",
        "chorus_order_id.payment_deadline_days",
        "chorus_interest_late_move_ids",
    )
    def _compute_chorus_delay(self):
        rates = self.env["chorus.pro.ecb.rate"]._rates()
        today = fields.Date.context_today(self)
        for move in self:
            result = move._chorus_delay_result(rates, today)
            values = dict.fromkeys(CHORUS_DELAY_FIELDS, False)
            if result is not None:
                values.update(
                    chorus_delay_deadline_days=result.deadline_days,
                    chorus_delay_received_date=result.received,
                    chorus_delay_start_date=result.start,
                    chorus_delay_suspended_days=result.suspended_days,
                    chorus_delay_due_date=result.due_date,
                    chorus_delay_paid_date=result.paid,
                    chorus_delay_days_late=result.days_late,
                    chorus_delay_late=result.late,
                    chorus_delay_rate=float(result.rate or 0.0),
                    chorus_delay_interest=float(result.interest),
                    chorus_delay_indemnity=float(result.indemnity),
                    chorus_delay_claim_date=result.claim_due_date,
                )
            move.update(values)

    def _chorus_delay_followed(self):
        self.ensure_one()
        return (
            self.move_type == "out_invoice"
            and self.state == "posted"
            # an interest invoice claims interest, none is computed on it
            and not self.chorus_interest_late_move_ids
            and (
                self.chorus_state in CHORUS_DELAY_STATES
                # suspended: back to the supplier for a completion, the deadline still followed
                or (self.chorus_state == "to_fix" and self.chorus_status == "SUSPENDUE")
            )
        )

    def _chorus_delay_result(self, rates=None, today=None):
        """The ``lib.payment_delay.DelayComputation`` of the invoice, or None when it is not
        followed (not an invoice deposited on Chorus Pro). A missing ECB rate leaves the
        interest at zero (the explanation says which rate to enter)."""
        self.ensure_one()
        if not self._chorus_delay_followed():
            return None
        rates = self.env["chorus.pro.ecb.rate"]._rates() if rates is None else rates
        today = today or fields.Date.context_today(self)
        rows = self.chorus_status_history_ids
        statuses = [(chorus_day(row.date), row.status) for row in rows]
        received = min((day for day, status in statuses if status == CHORUS_RECEIVED_STATUS), default=False)
        received = (
            received or chorus_day(self.chorus_flow_id.date) or min((d for d, _s in statuses), default=False)
        )
        partner = self.commercial_partner_id
        override = self.chorus_order_id.payment_deadline_days or partner.chorus_payment_deadline_days
        arguments = {
            "kind": partner.chorus_buyer_kind,
            "override_days": override,
            "executed": self.delivery_date or self._chorus_delay_service_end(),
            "statuses": statuses,
            "paid": self._chorus_delay_paid_day(),
            "today": today,
        }
        principal = abs(self.amount_total_signed)
        return pd.compute_delay(principal, received or None, rates, strict=False, **arguments)

    def _chorus_delay_service_end(self):
        """The last day of the service its beneficiaries' periods give, or False."""
        days = [b.date_end or b.date_start for b in self.chorus_beneficiary_ids]
        return max(days, default=False)

    def _chorus_delay_paid_day(self):
        """The mise en paiement day on Chorus Pro, else the day Odoo reconciled the payment."""
        if self.chorus_payment_order_date:
            return self.chorus_payment_order_date
        if self.payment_state not in ("paid", "in_payment"):
            return None
        lines = self.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        days = lines.matched_credit_ids.mapped("max_date")
        return max(days, default=None)

    def _chorus_delay_recompute(self):
        """Recompute the stored figures (days late grow while unpaid; a rate changed)."""
        if self:
            for fname in CHORUS_DELAY_FIELDS:
                self.env.add_to_compute(self._fields[fname], self)
            self._recompute_recordset(CHORUS_DELAY_FIELDS)

    @api.depends(
        "chorus_delay_late",
        "chorus_delay_interest",
        "chorus_delay_indemnity",
        "chorus_interest_received",
        "chorus_interest_marked_date",
        "chorus_interest_claimed",
        "chorus_interest_move_id.state",
        "chorus_interest_move_id.amount_total",
        "chorus_interest_move_id.amount_residual",
        "chorus_interest_move_id.chorus_interest_late_move_ids.chorus_interest_claimed",
    )
    def _compute_chorus_interest_received(self):
        """What came in for the interest of each late invoice: from its interest invoice's
        reconciled payments (shared between the late invoices it claims for, in proportion of
        their claims, ``lib.payment_delay.allocate_received``), or all of it when marked by
        hand. A partial receipt leaves the rest owed."""
        shares = {}
        for interest in self.chorus_interest_move_id.filtered(lambda m: m.state == "posted"):
            late = interest.chorus_interest_late_move_ids.sorted("id")
            amounts = pd.allocate_received(
                interest.amount_total - interest.amount_residual,
                interest.amount_total,
                late.mapped("chorus_interest_claimed"),
            )
            day = interest._chorus_interest_paid_day()
            shares.update({move.id: (float(amount), day) for move, amount in zip(late, amounts, strict=True)})
        for move in self:
            owed = move.chorus_delay_interest + move.chorus_delay_indemnity if move.chorus_delay_late else 0.0
            if move.chorus_interest_received:
                received, day = owed, move.chorus_interest_marked_date
            else:
                received, day = shares.get(move.id, (0.0, False))
            remaining = move.company_currency_id.round(max(owed - received, 0.0))
            move.chorus_interest_received_amount = received
            move.chorus_interest_received_date = day if received else False
            move.chorus_interest_remaining = remaining
            move.chorus_interest_settled = bool(move.chorus_delay_late) and (
                move.chorus_interest_received
                or (bool(received) and move.company_currency_id.is_zero(remaining))
            )

    def _chorus_interest_paid_day(self):
        """The day of the last payment reconciled with this (interest) invoice (the payment's
        or the bank statement line's date), or False."""
        lines = self.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        return max(lines.matched_credit_ids.credit_move_id.mapped("date"), default=False)

    def _invoice_paid_hook(self):
        """An interest invoice paid: the late invoices' follow-up activities are done."""
        res = super()._invoice_paid_hook()
        late = self.chorus_interest_late_move_ids.filtered("chorus_interest_settled")
        late._chorus_interest_activity_done()
        return res

    def _chorus_interest_activity_done(self):
        if self:
            self.activity_feedback(
                ["l10n_fr_chorus_pro.mail_activity_type_late_interest"],
                feedback=self.env._("Interest received."),
            )

    # ------------------------------------------------------------------
    # The computation, shown
    # ------------------------------------------------------------------
    @api.depends_context("lang")
    @api.depends(*CHORUS_DELAY_FIELDS)
    def _compute_chorus_delay_explanation(self):
        for move in self:
            move.chorus_delay_explanation = move._chorus_delay_explanation_html()

    def _chorus_delay_lines(self, result=None):
        """The computation, as a list of sentences (the form and the claim letter)."""
        self.ensure_one()
        result = result or self._chorus_delay_result()
        if result is None or not result.received:
            return []

        def day(value):
            return format_date(self.env, value)

        def money(value):
            return format_amount(self.env, float(value), self.company_currency_id)

        lines = [
            self.env._("Deposited on Chorus Pro on %(date)s.", date=day(result.received)),
        ]
        if result.start != result.received:
            lines.append(
                self.env._(
                    "Service completed on %(date)s, after the deposit: the deadline runs from that day "
                    "(R2192-12, R2192-13).",
                    date=day(result.start),
                )
            )
        lines.append(self.env._("Payment deadline: %(days)s days.", days=result.deadline_days))
        for begin, end in result.suspensions:
            lines.append(
                self.env._(
                    "Suspended from %(start)s to %(end)s awaiting a completion: %(days)s days added "
                    "(R2192-27, R2192-28).",
                    start=day(begin),
                    end=day(end),
                    days=(end - begin).days,
                )
            )
        lines.append(self.env._("Payment due by %(date)s.", date=day(result.due_date)))
        if result.paid:
            lines.append(self.env._("Payment ordered on %(date)s.", date=day(result.paid)))
        if not result.late:
            lines.append(
                self.env._("Paid on time.")
                if result.paid
                else self.env._("Not late as of %(date)s.", date=day(result.until))
            )
            return lines
        lines.append(
            self.env._(
                "%(days)s days late (from %(start)s to %(end)s included).",
                days=result.days_late,
                start=day(result.first_interest_day),
                end=day(result.until),
            )
        )
        if not result.ecb_rate_date:
            lines.append(
                self.env._(
                    "No ECB rate is known on %(date)s: enter it in Invoicing > Configuration > Chorus Pro "
                    "> ECB Rates to compute the interest.",
                    date=day(result.half_year_start),
                )
            )
        else:
            lines.append(
                self.env._(
                    "Rate: ECB main refinancing rate in force on %(half)s (%(ecb)s %%, since %(since)s) "
                    "plus 8 points = %(rate)s %% (R2192-31).",
                    half=day(result.half_year_start),
                    ecb=f"{result.ecb_rate:.2f}",
                    since=day(result.ecb_rate_date),
                    rate=f"{result.rate:.2f}",
                )
            )
            lines.append(
                self.env._(
                    "Moratorium interest: %(principal)s x %(rate)s %% x %(days)s / 365 = %(interest)s.",
                    principal=money(result.principal),
                    rate=f"{result.rate:.2f}",
                    days=result.days_late,
                    interest=money(result.interest),
                )
            )
        lines.append(
            self.env._("Flat recovery indemnity: %(amount)s (D2192-35).", amount=money(result.indemnity))
        )
        if result.claim_due_date:
            lines.append(
                self.env._(
                    "Interest and indemnity due by %(date)s, 45 days after the payment (R2192-36).",
                    date=day(result.claim_due_date),
                )
            )
        return lines

    def _chorus_delay_explanation_html(self):
        lines = self._chorus_delay_lines()
        if not lines:
            return False
        return Markup("<ul>%s</ul>") % Markup("").join(Markup("<li>%s</li>") % escape(line) for line in lines)

    # ------------------------------------------------------------------
    # Follow-up
    # ------------------------------------------------------------------
    def action_chorus_interest_received(self):
        """Mark the interest and indemnity of these invoices received (no more reminder)."""
        self.write(
            {"chorus_interest_received": True, "chorus_interest_marked_date": fields.Date.context_today(self)}
        )
        self._chorus_interest_activity_done()
        return True

    @api.model
    def _cron_chorus_payment_delay(self):
        """Daily: refresh the days late of unpaid invoices; 45 days after the payment of a
        late invoice whose interest was not received, an activity (once)."""
        open_moves = self.search(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("chorus_delay_due_date", "!=", False),
                ("chorus_delay_paid_date", "=", False),
            ]
        )
        open_moves._chorus_delay_recompute()
        today = fields.Date.context_today(self)
        overdue = self.search(
            [
                ("chorus_delay_late", "=", True),
                ("chorus_delay_claim_date", "<", today),
                ("chorus_interest_settled", "=", False),
                ("chorus_interest_reminded", "=", False),
            ]
        )
        for move in overdue:
            move._chorus_schedule_interest_activity()
        # received since (ticked by hand, interest invoice paid): the reminder is done
        activity_type = self.env.ref("l10n_fr_chorus_pro.mail_activity_type_late_interest")
        settled = self.search(
            [
                ("chorus_interest_settled", "=", True),
                ("activity_ids.activity_type_id", "=", activity_type.id),
            ]
        )
        settled._chorus_interest_activity_done()

    def _chorus_schedule_interest_activity(self):
        self.ensure_one()
        user = self.company_id._chorus_activity_user(self.invoice_user_id)
        # The cron writes it: in the language of the user who will read it.
        move = self.with_context(lang=user.lang or self.env.lang)
        env = move.env
        move.activity_schedule(
            "l10n_fr_chorus_pro.mail_activity_type_late_interest",
            user_id=user.id,
            note=env._(
                "%(move)s was paid %(days)s days late: %(amount)s of moratorium interest and recovery "
                "indemnity were due by %(date)s. Claim them (Claim late-payment interest, or Create "
                "the interest invoice), or mark them received.",
                move=self.display_name,
                days=self.chorus_delay_days_late,
                amount=format_amount(env, self.chorus_interest_remaining, self.company_currency_id),
                date=format_date(env, self.chorus_delay_claim_date),
            ),
        )
        self.chorus_interest_reminded = True

    def action_chorus_claim_interest(self):
        """Open the mail composer with the claim letter (French PDF) attached."""
        self.ensure_one()
        report = self.env.ref("l10n_fr_chorus_pro.action_report_chorus_late_interest_claim")
        lang = "fr_FR" if self.env["res.lang"]._lang_get("fr_FR") else self.env.lang
        # rendered by the module's engine (ir.actions.report): real, searchable text
        pdf, _format = report.with_context(lang=lang)._render_qweb_pdf(report.report_name, self.ids)
        attachment = self.env["ir.attachment"].create(
            {
                "name": self._chorus_claim_filename(),
                "raw": pdf,
                "mimetype": "application/pdf",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_composition_mode": "comment",
                "default_partner_ids": self.partner_id.ids,
                "default_subject": self.env._("Late-payment interest: invoice %(name)s", name=self.name),
                "default_body": self.env._(
                    "Please find attached our claim for the moratorium interest and recovery indemnity "
                    "of invoice %(name)s, paid %(days)s days late.",
                    name=self.name,
                    days=self.chorus_delay_days_late,
                ),
                "default_attachment_ids": [(6, 0, attachment.ids)],
            },
        }

    def _chorus_claim_filename(self):
        return "Réclamation intérêts moratoires - %s.pdf" % (self.name or "").replace("/", "_")

    def _chorus_claim_values(self):
        """What the claim letter prints, formatted in French (the letter is a French legal
        document addressed to a French public body, whatever the user's language)."""
        self.ensure_one()
        result = self._chorus_delay_result()
        env = self.with_context(lang="fr_FR").env

        def day(value):
            return format_date(env, value, lang_code="fr_FR") if value else ""

        def money(value):
            return format_amount(env, float(value or 0), self.company_currency_id, lang_code="fr_FR")

        def rate(value):
            return f"{value:.2f}".replace(".", ",") if value is not None else ""

        return {
            "result": result,
            "received": day(result.received),
            "start": day(result.start),
            "executed_later": result.start != result.received,
            "suspensions": [(day(b), day(e), (e - b).days) for b, e in result.suspensions],
            "due_date": day(result.due_date),
            "paid": day(result.paid),
            "until": day(result.until),
            "first_interest_day": day(result.first_interest_day),
            "half_year_start": day(result.half_year_start),
            "ecb_rate_date": day(result.ecb_rate_date),
            "ecb_rate": rate(result.ecb_rate),
            "rate": rate(result.rate),
            "principal": money(result.principal),
            "interest": money(result.interest),
            "indemnity": money(result.indemnity),
            "total": money(result.total_owed),
            "claim_due_date": day(result.claim_due_date),
            "today": day(fields.Date.context_today(self)),
            "invoice_date": day(self.invoice_date),
        }
