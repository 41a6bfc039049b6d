# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import clean_context


class ChorusProDepositWizard(models.TransientModel):
    """Check every mandatory mention of the selected invoices, then deposit them."""

    _name = "chorus.pro.deposit.wizard"
    _description = "Deposit to Chorus Pro"

    move_ids = fields.Many2many("account.move", string="Invoices", required=True)
    move_count = fields.Integer(compute="_compute_move_count")
    line_ids = fields.One2many("chorus.pro.deposit.wizard.line", "wizard_id", string="Checklist")
    all_ok = fields.Boolean(compute="_compute_all_ok")
    batch = fields.Boolean(
        string="One flow for all invoices",
        default=True,
        help="Send the invoices together in one Chorus Pro flow, or one flow per invoice.",
    )
    state = fields.Selection(
        [("check", "Check"), ("background", "Running in the background"), ("done", "Done")],
        default="check",
    )
    summary = fields.Text(readonly=True)
    job_id = fields.Many2one("chorus.pro.deposit.job", string="Background Deposit", readonly=True)
    # Fix the routing mentions right here when depositing one draft invoice.
    single_move_id = fields.Many2one("account.move", compute="_compute_move_count")
    can_edit_move = fields.Boolean(compute="_compute_move_count")
    chorus_service_id = fields.Many2one(
        related="single_move_id.chorus_service_id", readonly=False, string="Service"
    )
    purchase_order_reference = fields.Char(
        related="single_move_id.purchase_order_reference", readonly=False,
        string="Engagement Number (EJ)",
    )
    contract_reference = fields.Char(
        related="single_move_id.contract_reference", readonly=False, string="Public Market Number"
    )
    commercial_partner_id = fields.Many2one(related="single_move_id.commercial_partner_id")

    @api.depends("move_ids")
    def _compute_move_count(self):
        for wizard in self:
            wizard.move_count = len(wizard.move_ids)
            wizard.single_move_id = wizard.move_ids if len(wizard.move_ids) == 1 else False
            wizard.can_edit_move = bool(wizard.single_move_id) and wizard.single_move_id.state == "draft"

    @api.depends("line_ids.ok")
    def _compute_all_ok(self):
        for wizard in self:
            wizard.all_ok = bool(wizard.line_ids) and all(wizard.line_ids.mapped("ok"))

    @api.model
    def default_get(self, fields_list):
        # The invoices are all the wizard takes from the context (the list action's
        # default_move_ids, or the selection): the other default_* keys belong to the
        # action the user came from (the invoice list's default_move_type...).
        context = self.env.context
        values = super(ChorusProDepositWizard, self.with_context(clean_context(context))).default_get(
            fields_list
        )
        move_ids = context.get("default_move_ids") or context.get("active_ids") or []
        if move_ids and isinstance(move_ids[0], (list, tuple)):  # commands
            move_ids = [i for command in move_ids for i in (command[2] if command[0] == 6 else [command[1]])]
        # Invoices given to create() are checked by create(), not those of the context.
        if "line_ids" in fields_list and "move_ids" in fields_list and move_ids:
            moves = self.env["account.move"].browse(move_ids)
            values["move_ids"] = [Command.set(moves.ids)]
            values["line_ids"] = self._checklist_commands(moves)
        return values

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        wizards.filtered(lambda w: not w.line_ids)._refresh_checklist()
        return wizards

    @api.model
    def _checklist_commands(self, moves):
        checklist = self.env["chorus.pro.checklist"]
        moves = moves.filtered(lambda m: m.move_type in ("out_invoice", "out_refund"))
        return [
            Command.create({
                "move_id": move.id,
                "code": item["code"],
                "label": item["label"],
                "ok": item["ok"],
                "message": item["message"],
            })
            for move in moves
            for item in checklist._check(move, with_facturx=move.state == "posted")
        ]

    def _refresh_checklist(self):
        for wizard in self:
            wizard.line_ids = [Command.clear(), *self._checklist_commands(wizard.move_ids)]

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Deposit to Chorus Pro"),
        }

    def action_check(self):
        self._refresh_checklist()
        return self._reopen()

    def action_deposit(self):
        """Deposit the invoices whose checklist is green. One invoice with a problem is
        refused with the full list; in a batch, the others are deposited and the refused
        ones are listed with their reasons."""
        self.ensure_one()
        # Nothing created from here on (flows, files, jobs, messages...) takes the
        # default_* values of the action that opened the wizard.
        self = self.with_context(clean_context(self.env.context))
        self._refresh_checklist()
        failed = self.line_ids.filtered(lambda l: not l.ok)
        refused = failed.move_id
        if refused and (len(self.move_ids) == 1 or refused == self.move_ids):
            raise UserError(
                self.env._("Fix these points before depositing:\n%(problems)s",
                           problems="\n".join(f"• {l.move_id.display_name} — {l.label}: {l.message}"
                                              for l in failed))
            )
        moves = self.move_ids - refused
        refusals = [
            (move, "; ".join(failed.filtered(lambda l, m=move: l.move_id == m).mapped("message")))
            for move in refused
        ]
        moves.filtered(lambda m: m.state == "draft").action_post()
        jobs = self.env["chorus.pro.deposit.job"]
        if len(moves) > jobs._background_threshold():
            # Too many for one request: deposited by a cron, chunk after chunk.
            job = jobs._create_for(moves, batch=self.batch, selected_count=len(self.move_ids),
                                   refusals=refusals)
            self.write({"state": "background", "job_id": job.id})
            return self._reopen()
        # Committed before and after each deposit call: an error below (or in the
        # summary) never rolls back what Chorus Pro received.
        flows = self.env["chorus.pro.connector"]._deposit(moves, batch=self.batch, commit=True)
        already = moves.filtered(lambda m: m.chorus_state == "deposited") - flows.move_ids
        summary = jobs._deposit_summary(len(self.move_ids), flows, already, refusals)
        self.write({"state": "done", "summary": summary})
        return self._reopen()

    def action_open_job(self):
        self.ensure_one()
        return self.job_id._get_form_action()
