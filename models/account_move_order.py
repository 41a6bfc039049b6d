# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.fields import Domain

from .chorus_pro_care_decision import normalize_name

# Fields after whose change a draft is matched again to an order (see _chorus_order_match).
ORDER_MATCH_FIELDS = {
    "partner_id",
    "purchase_order_reference",
    "chorus_order_id",
    "invoice_line_ids",
    "line_ids",
    "chorus_beneficiary_ids",
}


class AccountMove(models.Model):
    """The public order (or the ASE care decisions) an invoice is made from."""

    _inherit = "account.move"

    chorus_order_id = fields.Many2one(
        "chorus.pro.order",
        string="Chorus Pro Order",
        index="btree_not_null",
        copy=True,
        tracking=True,
        domain="[('partner_id', '=', commercial_partner_id), ('company_id', '=', company_id), "
        "('closed', '=', False)]",
        help="The purchase order, service order or care decisions this invoice bills: its "
        "service, engagement number, market number, lines and documents are copied onto the "
        "invoice, and the checklist checks that the invoice matches it.",
    )
    chorus_order_matched_by = fields.Selection(
        [("engagement", "Engagement number"), ("beneficiary", "Beneficiaries")],
        string="Order Found By",
        readonly=True,
        help="Empty when the order was chosen on the invoice (or the invoice made from it); "
        "otherwise the invoice (typed by hand, imported...) was tied to the order its "
        "engagement number (EJ) or its beneficiaries belong to.",
    )
    chorus_orders_required = fields.Boolean(related="commercial_partner_id.chorus_orders_required")

    @api.onchange("chorus_order_id")
    def _onchange_chorus_order_id(self):
        order = self.chorus_order_id
        if not order or self.state != "draft":
            return
        if not self.partner_id:
            self.partner_id = order.partner_id
        for fname, value in order._invoice_header_values().items():
            self[fname] = value
        self.chorus_attachment_ids = [Command.link(att.id) for att in order._documents()]
        if self.invoice_line_ids.filtered(lambda l: l.display_type == "product"):
            return  # never replace lines the user typed
        self.invoice_line_ids = self._chorus_order_line_commands(order)

    def _chorus_order_line_commands(self, order):
        """Lines of an invoice made from ``order``: what remains of its lines, or for care
        decisions the uncovered days of the month before the invoice date."""
        if order.kind != "care":
            return order._invoice_line_commands()
        decisions = self.env["chorus.pro.care.decision"]
        if self.invoice_date:
            first, last = decisions._month_bounds(self.invoice_date.replace(day=1) - timedelta(days=1))
        else:
            first, last = decisions._last_month()
        wizard = self.env["chorus.pro.care.month.wizard"]
        return [Command.create(vals) for vals in wizard._proposal_line_values(order, first, last)]

    @api.model_create_multi
    def create(self, vals_list):
        moves = super().create(vals_list)
        moves._chorus_order_match()
        moves.filtered("chorus_order_id")._chorus_order_sync()
        return moves

    def _chorus_order_write_vals(self, vals):
        """``write`` (``account_move.py``): an order set without how it was found was
        chosen by hand."""
        if "chorus_order_id" in vals and "chorus_order_matched_by" not in vals:
            return dict(vals, chorus_order_matched_by=False)
        return vals

    def _chorus_order_after_write(self, vals):
        """``write`` (``account_move.py``): a draft is matched again to an order, and
        follows its order, after a change of what ties them."""
        if ORDER_MATCH_FIELDS.intersection(vals):
            self._chorus_order_match()
        if {"chorus_order_id", "invoice_line_ids", "line_ids"}.intersection(vals):
            self.filtered(lambda m: m.chorus_order_id and m.state == "draft")._chorus_order_sync()

    def copy(self, default=None):
        # The copy keeps the original's order; its lines keep their items or care decisions
        # only while these remain (copy_data): they are not tied again here.
        new_moves = super(AccountMove, self.with_context(chorus_order_matching=True)).copy(default)
        new_moves = new_moves.with_env(self.env)
        new_moves._chorus_order_match(tie_lines=False)
        for old, new in zip(self, new_moves, strict=True):
            if not old.chorus_order_id:
                continue
            kept = len(
                new.sudo().invoice_line_ids.filtered(
                    lambda l: l.chorus_order_line_id or l.chorus_care_decision_id
                )
            )
            dropped = (
                len(
                    old.sudo().invoice_line_ids.filtered(
                        lambda l: l.chorus_order_line_id or l.chorus_care_decision_id
                    )
                )
                - kept
            )
            if dropped > 0:
                new._message_log(
                    body=self.env._(
                        "%(count)s line(s) of the duplicated invoice were already invoiced on order "
                        "%(order)s (quantities or days of care): they are no longer tied to the "
                        "order, and the deposit checklist blocks them until they are corrected or "
                        "removed.",
                        count=dropped,
                        order=old.chorus_order_id.display_name,
                    )
                )
        return new_moves

    # ------------------------------------------------------------------
    # Invoices not made from their order
    # ------------------------------------------------------------------
    def _chorus_order_candidates(self):
        """The orders of the invoice's recipient its engagement number (EJ) belongs to,
        or else the care orders of the care decisions its beneficiaries are about, and
        how they were found ('engagement', 'beneficiary'; False when none)."""
        self.ensure_one()
        orders = self.env["chorus.pro.order"].sudo()
        partner = self.commercial_partner_id
        if self.move_type not in ("out_invoice", "out_refund") or not partner.chorus_recipient:
            return orders, False
        domain = Domain("partner_id", "=", partner.id) & Domain("company_id", "=", self.company_id.id)
        engagement = (self.purchase_order_reference or "").strip()
        if engagement:
            found = orders.search(domain & Domain("engagement_number", "=", engagement))
            if found:
                return found, "engagement"
        beneficiaries = self.sudo().chorus_beneficiary_ids
        if beneficiaries:
            decisions = (
                self.env["chorus.pro.care.decision"]
                .sudo()
                .search(
                    domain
                    & Domain("date_start", "<=", max(b.date_end or b.date_start for b in beneficiaries))
                    & Domain("date_end", ">=", min(beneficiaries.mapped("date_start")))
                )
            )
            found = decisions.filtered(
                lambda d: any(d._matches_beneficiary(b) for b in beneficiaries)
            ).order_id
            if found:
                return found, "beneficiary"
        return orders, False

    def _chorus_order_ambiguity(self, orders, matched_by):
        """What to do when the invoice's EJ or beneficiaries belong to several orders."""
        names = ", ".join(orders.mapped("display_name"))
        if matched_by == "engagement":
            return self.env._(
                "Engagement number %(ej)s belongs to several orders of %(partner)s (%(orders)s): "
                "choose the order on the invoice (Chorus Pro tab).",
                ej=self.purchase_order_reference,
                partner=self.commercial_partner_id.display_name,
                orders=names,
            )
        return self.env._(
            "The beneficiaries of the invoice have care decisions on several orders (%(orders)s): "
            "one invoice per engagement number (EJ). Choose the order on the invoice (Chorus Pro "
            "tab) and invoice the other children on an invoice of their own.",
            orders=names,
        )

    def _chorus_order_match(self, tie_lines=True):
        """Invoices to a recipient with orders, however they were made (typed by hand,
        imported, duplicated, edited in the generic form): a draft without an order whose
        engagement number (EJ) or beneficiaries belong to exactly one order is tied to it,
        and with ``tie_lines`` its lines typed by hand to the order's items or to its
        children's care decisions, so that every check and every count of what is billed
        sees them."""
        if self.env.context.get("chorus_order_matching"):
            return
        moves = self.with_context(chorus_order_matching=True).filtered(
            lambda m: (
                m.state == "draft"
                and m.move_type in ("out_invoice", "out_refund")
                and m.commercial_partner_id.chorus_recipient
            )
        )
        for move in moves:
            if not move.chorus_order_id:
                orders, matched_by = move._chorus_order_candidates()
                if len(orders) != 1:
                    continue
                move.write({"chorus_order_id": orders.id, "chorus_order_matched_by": matched_by})
            if tie_lines:
                move.sudo()._chorus_tie_lines()

    def _chorus_tie_lines(self):
        """Tie the lines typed by hand to what they bill: an item of the order (same
        designation or product), or for care decisions the decision of the child named
        by the line's beneficiary, with the beneficiary's period."""
        self.ensure_one()
        order = self.chorus_order_id
        lines = self.invoice_line_ids.filtered(lambda l: l.display_type == "product")
        if order.kind != "care":
            for line in lines.filtered(lambda l: not l.chorus_order_line_id):
                item = order._match_order_line(line)
                if item:
                    line.chorus_order_line_id = item
            return
        for line, beneficiary in self._chorus_line_beneficiaries(
            lines.filtered(lambda l: not l.chorus_care_decision_id)
        ):
            decision = order._match_care_decision(beneficiary, line)
            if not decision:
                continue
            line.write(
                {
                    "chorus_care_decision_id": decision.id,
                    "chorus_care_date_start": beneficiary.date_start,
                    "chorus_care_date_end": beneficiary.date_end or beneficiary.date_start,
                }
            )
            if not beneficiary.move_line_id:
                beneficiary.move_line_id = line

    def _chorus_line_beneficiaries(self, lines):
        """(line, beneficiary) pairs: the beneficiary tied to the line, or else the one
        named in the line's label; the last line left and the last beneficiary left go
        together."""
        self.ensure_one()
        beneficiaries = self.chorus_beneficiary_ids
        free = beneficiaries.filtered(lambda b: not b.move_line_id)
        pairs, alone = [], []
        for line in lines:
            own = beneficiaries.filtered(lambda b, l=line: b.move_line_id == l)
            if not own:
                label = normalize_name(line.name)
                own = free.filtered(lambda b, t=label: normalize_name(b.name) and normalize_name(b.name) in t)
            if len(own) == 1:
                pairs.append((line, own))
                free -= own
            elif not own:
                alone.append(line)
        if len(alone) == 1 and len(free) == 1:
            pairs.append((alone[0], free))
        return pairs

    def _chorus_order_sync(self):
        """The order's documents become the invoice's Chorus Pro supporting documents;
        each line of a care decision gets its beneficiary (name and exact period)."""
        beneficiaries = []
        for move in self:
            documents = move.chorus_order_id._documents() - move.chorus_attachment_ids
            if documents and move.state == "draft":
                move.chorus_attachment_ids = [Command.link(att.id) for att in documents]
            for line in move.sudo().invoice_line_ids.filtered("chorus_care_decision_id"):
                if not line.chorus_care_date_start or any(
                    b.move_line_id == line for b in move.chorus_beneficiary_ids
                ):
                    continue
                beneficiaries.append(
                    {
                        "move_id": move.id,
                        "move_line_id": line.id,
                        "name": line.chorus_care_decision_id.name,
                        "date_start": line.chorus_care_date_start,
                        "date_end": line.chorus_care_date_end,
                    }
                )
        if beneficiaries:
            self.env["chorus.pro.beneficiary"].create(beneficiaries)
