# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import Command, api, fields, models
from odoo.tools.misc import clean_context


class ChorusProReissueWizard(models.TransientModel):
    """Correct and re-issue an invoice the recipient rejected on Chorus Pro.

    A rejected invoice is never deposited again (``../shared/reference/chorus-pro-api.md``,
    status REJETEE: a new invoice must be issued): a credit note cancels it in the books
    (Odoo's reversal, posted and reconciled) and a new draft invoice takes its lines,
    customer, beneficiaries and the routing typed here; it is then deposited through
    the usual checklist."""

    _name = "chorus.pro.reissue.wizard"
    _description = "Correct and Re-issue a Rejected Chorus Pro Invoice"

    move_id = fields.Many2one("account.move", required=True, readonly=True)
    reason = fields.Text(string="Rejection Reason", related="move_id.chorus_status_comment")
    partner_id = fields.Many2one(related="move_id.commercial_partner_id")
    chorus_service_id = fields.Many2one(
        "chorus.pro.service",
        string="Service",
        compute="_compute_routing",
        store=True,
        readonly=False,
        domain="[('partner_id', '=', partner_id)]",
    )
    purchase_order_reference = fields.Char(
        string="Engagement Number (EJ)", compute="_compute_routing", store=True, readonly=False
    )
    contract_reference = fields.Char(
        string="Public Market Number", compute="_compute_routing", store=True, readonly=False
    )

    @api.depends("move_id")
    def _compute_routing(self):
        for wizard in self:
            wizard.chorus_service_id = wizard.move_id.chorus_service_id
            wizard.purchase_order_reference = wizard.move_id.purchase_order_reference
            wizard.contract_reference = wizard.move_id.contract_reference

    def action_reissue(self):
        """Credit note cancelling the rejected invoice, new draft invoice, opened."""
        self.ensure_one()
        # Nothing created here takes the default_* values of the invoice form's context.
        self = self.with_context(clean_context(self.env.context))  # pylint: disable=context-overridden
        move = self.move_id.with_company(self.move_id.company_id)
        move._chorus_check_reissuable()
        if move.payment_state == "reversed":
            # Already cancelled by a credit note (its re-issue was deleted): new draft only.
            new = self._new_draft(move)
            credit_note = move.reversal_move_ids.filtered(lambda m: m.state == "posted")[:1]
        else:
            reversal = (
                self.env["account.move.reversal"]
                .with_company(move.company_id)
                .with_context(active_model="account.move", active_ids=move.ids)
                .create(
                    {
                        "journal_id": move.journal_id.id,
                        "reason": self.env._("rejected on Chorus Pro"),
                    }
                )
            )
            reversal.modify_moves()  # reversed with cancel: posted and reconciled
            new = reversal.new_move_ids
            credit_note = move.reversal_move_ids.filtered(lambda m: m.state == "posted")[:1]
        new.write(
            {
                "invoice_date": fields.Date.context_today(self),
                "chorus_service_id": self.chorus_service_id.id,
                "purchase_order_reference": self.purchase_order_reference or False,
                "contract_reference": self.contract_reference or False,
                "chorus_reissued_from_id": move.id,
            }
        )
        self._copy_beneficiaries_and_documents(move, new)
        move.message_post(
            body=self.env._(
                "Rejected on Chorus Pro: cancelled by credit note %(credit_note)s and re-issued as a new "
                "invoice (draft, to deposit).",
                credit_note=credit_note.name or "-",
            )
        )
        new.message_post(
            body=self.env._(
                "Re-issue of %(invoice)s, rejected on Chorus Pro: %(reason)s",
                invoice=move.name,
                reason=move.chorus_status_comment or "-",
            )
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Re-issued invoice"),
            "res_model": "account.move",
            "res_id": new.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    @api.model
    def _new_draft(self, move):
        """A draft copy of ``move`` (its lines, not its tax or receivable lines), as
        Odoo's 'modify' reversal makes it."""
        data = move.with_context(include_business_fields=True).copy_data()[0]
        data["line_ids"] = [
            line
            for line in data["line_ids"]
            if line[2]["display_type"] in ("product", "line_section", "line_subsection", "line_note")
        ]
        return self.env["account.move"].with_company(move.company_id).create(data)

    @api.model
    def _copy_beneficiaries_and_documents(self, move, new):
        old_lines = move.invoice_line_ids.filtered(lambda l: l.display_type == "product")
        new_lines = new.invoice_line_ids.filtered(lambda l: l.display_type == "product")
        line_map = dict(zip(old_lines.ids, new_lines.ids, strict=True))
        commands = [
            Command.create(
                {
                    "name": beneficiary.name,
                    "date_start": beneficiary.date_start,
                    "date_end": beneficiary.date_end,
                    "move_line_id": line_map.get(beneficiary.move_line_id.id, False),
                }
            )
            for beneficiary in move.chorus_beneficiary_ids
        ]
        documents = [
            attachment.copy({"res_model": "account.move", "res_id": new.id}).id
            for attachment in move.chorus_attachment_ids
        ]
        vals = {}
        if commands:
            vals["chorus_beneficiary_ids"] = commands
        if documents:
            vals["chorus_attachment_ids"] = [Command.set(documents)]
        if vals:
            new.write(vals)
