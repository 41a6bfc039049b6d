# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from markupsafe import Markup, escape

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import formatLang
from odoo.tools.misc import clean_context

# The fields of a single invoice the wizard edits (related to single_move_id).
MOVE_FIELDS = (
    "chorus_service_id",
    "purchase_order_reference",
    "contract_reference",
    "invoice_date",
    "delivery_date",
)


class ChorusProDepositWizard(models.TransientModel):
    """Check every mandatory mention of the selected invoices, then deposit them."""

    _name = "chorus.pro.deposit.wizard"
    _description = "Deposit to Chorus Pro"

    move_ids = fields.Many2many("account.move", string="Invoices", required=True)
    move_count = fields.Integer(compute="_compute_move_count")
    line_ids = fields.One2many("chorus.pro.deposit.wizard.line", "wizard_id", string="Checklist")
    all_ok = fields.Boolean(compute="_compute_all_ok")
    # Invoices of the checklist ready to deposit / with something to fix.
    ready_count = fields.Integer(compute="_compute_checklist_display")
    to_fix_count = fields.Integer(compute="_compute_checklist_display")
    # Several invoices: the checklist grouped by invoice, failing ones first.
    check_summary = fields.Char(string="Checklist Summary", compute="_compute_checklist_display")
    checklist_html = fields.Html(
        string="Checklist by invoice", compute="_compute_checklist_display", sanitize=False
    )
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
    # The checklist as the wizard computed it, signed, with a fingerprint of each
    # invoice: the web client saves it back (the lines come back without their values),
    # the checklist of an invoice unchanged since is not run again (see _load_checklist).
    checklist_token = fields.Char(copy=False)
    # Fix the routing mentions right here when depositing one draft invoice.
    single_move_id = fields.Many2one("account.move", compute="_compute_move_count")
    can_edit_move = fields.Boolean(compute="_compute_move_count")
    chorus_service_id = fields.Many2one(
        related="single_move_id.chorus_service_id", readonly=False, string="Service"
    )
    purchase_order_reference = fields.Char(
        related="single_move_id.purchase_order_reference",
        readonly=False,
        string="Engagement Number (EJ)",
    )
    contract_reference = fields.Char(
        related="single_move_id.contract_reference", readonly=False, string="Public Market Number"
    )
    invoice_date = fields.Date(
        related="single_move_id.invoice_date",
        readonly=False,
        string="Invoice Date",
        help="Left empty, the invoice is dated the day it is posted.",
    )
    delivery_date = fields.Date(
        related="single_move_id.delivery_date",
        readonly=False,
        string="Date of the Service",
        help="The day the service was performed or completed (the last day of a period), "
        "printed on the invoice when it is not the invoice date.",
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

    @api.depends("line_ids.ok", "line_ids.move_id", "line_ids.label", "line_ids.message")
    def _compute_checklist_display(self):
        for wizard in self:
            groups = wizard._checklist_groups()
            to_fix = sum(1 for _move, failed in groups if failed)
            wizard.ready_count = len(groups) - to_fix
            wizard.to_fix_count = to_fix
            wizard.check_summary = (
                self.env._("%(ready)s ready, %(to_fix)s to fix", ready=len(groups) - to_fix, to_fix=to_fix)
                if groups
                else False
            )
            wizard.checklist_html = wizard._checklist_html(groups) if groups else False

    def _checklist_groups(self):
        """``[(move, failed lines)]``, one per checked invoice, failing invoices first
        (then in the order of the selection)."""
        self.ensure_one()
        by_move = {}
        for line in self.line_ids.filtered("move_id"):
            failed = by_move.setdefault(line.move_id, [])
            if not line.ok:
                failed.append(line)
        return sorted(by_move.items(), key=lambda item: (not item[1], item[0].id or 0))

    def _checklist_heading(self, move):
        """Number (or "Draft"), customer, amount, service of ``move``."""
        number = move.name if move.name and move.name != "/" else self.env._("Draft")
        service = move.chorus_service_id.display_name or move.buyer_reference or self.env._("no service")
        amount = formatLang(self.env, move.amount_total, currency_obj=move.currency_id)
        return number, move.commercial_partner_id.display_name or "", amount, service

    def _checklist_item_html(self, line):
        """One check of an invoice: ``label: problem`` on one line, or the label then one
        line per problem (the same problem repeated once, with its count)."""
        problems = (line.message or "").split("\n")
        label = Markup("<strong>%s</strong>") % line.label
        if len(problems) == 1:
            text = Markup(escape(self.env._("%(label)s: %(message)s"))) % {
                "label": label,
                "message": problems[0],
            }
            return Markup("<li>%s</li>") % text
        heading = Markup(escape(self.env._("%(label)s (%(count)s problems)"))) % {
            "label": label,
            "count": len(problems),
        }
        items = Markup().join(Markup("<li>%s</li>") % problem for problem in problems)
        return Markup('<li>%s<ul class="o_chorus_checklist_problems">%s</ul></li>') % (heading, items)

    def _checklist_html(self, groups):
        rows = []
        for move, failed in groups:
            number, customer, amount, service = self._checklist_heading(move)
            if failed:
                badge = Markup('<span class="badge text-bg-danger">%s</span>') % self.env._("To fix")
            else:
                badge = Markup('<span class="badge text-bg-success">%s</span>') % self.env._("Ready")
            problems = Markup().join(self._checklist_item_html(line) for line in failed)
            rows.append(
                Markup(
                    '<div class="o_chorus_checklist_invoice %s border-bottom py-1" data-move-id="%s">'
                    '%s <strong class="o_chorus_checklist_number">%s</strong> — %s — %s — %s%s</div>'
                )
                % (
                    "o_chorus_checklist_to_fix" if failed else "o_chorus_checklist_ready",
                    move.id or "",
                    badge,
                    number,
                    customer,
                    amount,
                    service,
                    Markup('<ul class="mb-1 text-danger">%s</ul>') % problems if failed else "",
                )
            )
        if self._facturx_deferred(self.move_ids):
            rows.append(
                Markup('<p class="text-muted mt-2 mb-0">%s</p>')
                % self.env._(
                    "The Factur-X of each invoice is checked by the background deposit before "
                    "it is built: an invalid one is refused there, with its reasons."
                )
            )
        return Markup('<div class="o_chorus_checklist">%s</div>') % Markup().join(rows)

    @api.model
    def default_get(self, fields_list):
        # The invoices are all the wizard takes from the context (the list action's
        # default_move_ids, or the selection): the other default_* keys belong to the
        # action the user came from (the invoice list's default_move_type...).
        context = self.env.context
        values = super(ChorusProDepositWizard, self.with_context(clean_context(context))).default_get(  # pylint: disable=context-overridden
            fields_list
        )
        move_ids = self._command_ids(context.get("default_move_ids") or context.get("active_ids") or [])
        # Invoices given to create() are checked by create(), not those of the context.
        if "line_ids" in fields_list and "move_ids" in fields_list and move_ids:
            moves = self.env["account.move"].browse(move_ids)
            items = self._checklist_items(moves)
            values["move_ids"] = [Command.set(moves.ids)]
            values["line_ids"] = self._checklist_commands(items)
            values["checklist_token"] = self.env["chorus.pro.deposit.pipeline"]._checklist_token(items)
        return values

    @api.model
    def _command_ids(self, move_ids):
        """The ids of ``move_ids``: ids, or commands."""
        if move_ids and isinstance(move_ids[0], (list, tuple)):  # commands
            return [i for command in move_ids for i in (command[2] if command[0] == 6 else [command[1]])]
        return move_ids

    @api.model
    def _drop_unchanged_move_values(self, vals):
        """The web client saves a new wizard with every value it was given, the invoice's
        fields of a single invoice included: those equal to the invoice's are not written
        to it (which would change it, and run its checklist again, for nothing)."""
        moves = self.env["account.move"].browse(self._command_ids(vals.get("move_ids") or []))
        if len(moves) != 1:
            return
        for name in MOVE_FIELDS:
            if name in vals:
                field = self._fields[name]
                value = field.convert_to_record(field.convert_to_cache(vals[name], self), self)
                if value == moves[field.related.split(".")[-1]]:
                    del vals[name]

    @api.model_create_multi
    def create(self, vals_list):
        # The checklist is always the server's: the web client saves a new wizard with
        # its checklist lines, but without their (read-only) values. The one it
        # previewed comes back signed (checklist_token): kept for the invoices that did
        # not change since, run again for the others.
        for vals in vals_list:
            vals.pop("line_ids", None)
            self._drop_unchanged_move_values(vals)
        wizards = super().create(vals_list)
        wizards.filtered(lambda w: not w.line_ids)._load_checklist()
        return wizards

    @api.model
    def _facturx_deferred(self, moves):
        """Whether the Factur-X of ``moves`` is validated by the background deposit
        rather than here: above the background threshold, validating hundreds of XMLs
        (≈ 27 ms each) would keep the user waiting at the wizard's opening; the job
        validates each invoice once before building it and refuses an invalid one with
        its reasons."""
        return len(moves) > self.env["chorus.pro.deposit.pipeline"]._background_threshold()

    @api.model
    def _checklist_moves(self, moves):
        return moves.filtered(lambda m: m.move_type in ("out_invoice", "out_refund"))

    @api.model
    def _checklist_items(self, moves, selection=None):
        """``{move: [checklist items]}``: the checklist of each invoice of ``moves``, run.
        ``selection``: all the invoices of the wizard (whether the Factur-X is left to
        the background deposit depends on their number), ``moves`` by default."""
        checklist = self.env["chorus.pro.checklist"]
        moves = self._checklist_moves(moves)
        deferred = self._facturx_deferred(self._checklist_moves(selection or moves))
        return {
            move: checklist._check(move, with_facturx=move.state == "posted" and not deferred)
            for move in moves
        }

    @api.model
    def _checklist_commands(self, items):
        """The checklist lines of ``items`` (:meth:`_checklist_items`), to create."""
        return [
            self._checklist_command(move, item) for move, move_items in items.items() for item in move_items
        ]

    def _load_checklist(self):
        """The checklist of each wizard's invoices: the one of its preview
        (``checklist_token``) for the invoices unchanged since, run for the others."""
        for wizard in self:
            moves = wizard._checklist_moves(wizard.move_ids)
            previewed = self.env["chorus.pro.deposit.pipeline"]._checked_from_token(
                wizard.checklist_token, moves
            )
            todo = moves.browse([move.id for move in moves if move not in previewed])
            ran = wizard._checklist_items(todo, wizard.move_ids)
            wizard._set_checklist(
                {move: previewed[move] if move in previewed else ran[move] for move in moves}
            )

    @api.model
    def _checklist_command(self, move, item):
        return Command.create(
            {
                "move_id": move.id,
                "code": item["code"],
                "label": item["label"],
                "ok": item["ok"],
                "message": item["message"],
            }
        )

    def _set_checklist(self, items):
        self.ensure_one()
        self.write(
            {
                "line_ids": [Command.clear(), *self._checklist_commands(items)],
                "checklist_token": self.env["chorus.pro.deposit.pipeline"]._checklist_token(items),
            }
        )

    def _refresh_checklist(self):
        """Run the checklist of each wizard's invoices again (Check)."""
        for wizard in self:
            wizard._set_checklist(wizard._checklist_items(wizard.move_ids))

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
        self = self.with_context(clean_context(self.env.context))  # pylint: disable=context-overridden
        # The EN 16931 data of each invoice built once for the whole click.
        with self.env["chorus.pro.facturx"]._facturx_data_cache():
            return self._deposit_ready_invoices()

    def _deposit_ready_invoices(self):
        pipeline = self.env["chorus.pro.deposit.pipeline"]
        threshold = pipeline._background_threshold()
        # The checklist the user saw, run again only for the invoices changed since.
        self._load_checklist()
        failed = self.line_ids.filtered(lambda l: not l.ok)
        refused = failed.move_id
        if refused == self.move_ids:
            self._raise_nothing_ready(failed)
        moves = self.move_ids - refused
        if self._facturx_deferred(self.move_ids) and len(moves) <= threshold:
            # Sent in this request after all (refusals brought it under the threshold):
            # the Factur-X of the posted ones is checked here, as for a small batch.
            checklist = self.env["chorus.pro.checklist"]
            for move in moves.filtered(lambda m: m.state == "posted"):
                item = checklist._check_facturx(move)
                if not item["ok"]:
                    self.line_ids = [self._checklist_command(move, item)]
                    moves -= move
            failed = self.line_ids.filtered(lambda l: not l.ok)
            refused = failed.move_id
            if refused == self.move_ids:
                self._raise_nothing_ready(failed)
        # The checklist of each invoice, run above: not again by the pipeline.
        checked = {move: list(failed.filtered(lambda l, m=move: l.move_id == m)) for move in refused}
        if len(moves) > threshold:
            # Too many for one request: deposited by a cron, chunk after chunk; its
            # summary gives the refused invoices' reasons.
            pipeline._post_checked(moves)
            job = self.env["chorus.pro.deposit.job"]._create_for(
                moves,
                batch=self.batch,
                selected_count=len(self.move_ids),
                refusals=pipeline._refusals(checked),
            )
            self.write({"state": "background", "job_id": job.id})
            return self._reopen()
        # Committed before and after each deposit call: an error below (or in the
        # summary) never rolls back what Chorus Pro received.
        checked.update({move: [] for move in moves})
        result = pipeline._deposit_invoices(self.move_ids, batch=self.batch, commit=True, checked=checked)
        taken = [(move, messages) for move, messages in result["refusals"] if move not in refused]
        if taken and not result["flows"] and not result["linked"]:
            # Nothing went to Chorus Pro: the reasons as an error, as for the checklist.
            raise UserError(
                "\n\n".join(
                    [message for _move, messages in taken for message in messages]
                    + ([self._refused_text(failed)] if failed else [])
                )
            )
        # The refused invoices' problems are their checklist, shown below the summary.
        refusals = [(move, list(dict.fromkeys(line.label for line in checked[move]))) for move in refused]
        summary = pipeline._deposit_summary(
            len(self.move_ids), result["flows"], result["linked"], refusals + taken
        )
        # What remains to fix: the refused invoices' own checklist.
        self.write(
            {
                "state": "done",
                "summary": summary,
                "line_ids": [
                    Command.unlink(line.id) for line in self.line_ids if line.move_id not in refused
                ],
            }
        )
        return self._reopen()

    def _raise_nothing_ready(self, failed):
        """No invoice of the wizard can be deposited: what to fix, invoice by invoice."""
        checklist = self.env["chorus.pro.checklist"]
        if len(self.move_ids) == 1:
            raise UserError(
                self.env._(
                    "Fix these points before depositing:\n%(problems)s",
                    problems=checklist._problems_text(failed),
                )
            )
        raise UserError(
            self.env._(
                "None of the %(count)s invoices is ready to deposit: fix these points (on each "
                "invoice), then Check again.\n%(problems)s",
                count=len(self.move_ids),
                problems=self._refused_text(failed),
            )
        )

    def _refused_text(self, failed):
        """The failed checklist lines ``failed``, grouped by invoice, for an error."""
        checklist = self.env["chorus.pro.checklist"]
        return "\n\n".join(
            f"{move.display_name}\n{checklist._problems_text(failed.filtered(lambda l, m=move: l.move_id == m))}"  # noqa: E501
            for move in failed.move_id
        )

    def action_open_job(self):
        self.ensure_one()
        return self.job_id._get_form_action()
