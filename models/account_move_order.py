# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import Command, api, fields, models


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
        "invoice, and the checklist checks that the invoice matches it.")
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
        moves.filtered("chorus_order_id")._chorus_order_sync()
        return moves

    def write(self, vals):
        result = super().write(vals)
        if {"chorus_order_id", "invoice_line_ids", "line_ids"}.intersection(vals):
            self.filtered(lambda m: m.chorus_order_id and m.state == "draft")._chorus_order_sync()
        return result

    def copy(self, default=None):
        new_moves = super().copy(default)
        for old, new in zip(self, new_moves, strict=True):
            if not old.chorus_order_id:
                continue
            kept = len(new.sudo().invoice_line_ids.filtered(
                lambda l: l.chorus_order_line_id or l.chorus_care_decision_id))
            dropped = len(old.sudo().invoice_line_ids.filtered(
                lambda l: l.chorus_order_line_id or l.chorus_care_decision_id)) - kept
            if dropped > 0:
                new._message_log(body=self.env._(
                    "%(count)s line(s) of the duplicated invoice were already invoiced on order "
                    "%(order)s (quantities or days of care): they are no longer tied to the "
                    "order, and the deposit checklist blocks them until they are corrected or "
                    "removed.", count=dropped, order=old.chorus_order_id.display_name))
        return new_moves

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
                        b.move_line_id == line for b in move.chorus_beneficiary_ids):
                    continue
                beneficiaries.append({
                    "move_id": move.id,
                    "move_line_id": line.id,
                    "name": line.chorus_care_decision_id.name,
                    "date_start": line.chorus_care_date_start,
                    "date_end": line.chorus_care_date_end,
                })
        if beneficiaries:
            self.env["chorus.pro.beneficiary"].create(beneficiaries)
