# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date

from ..lib.spe_rules import invoice_rows, university_year
from . import chorus_pro_month_wizard_mixin  # noqa: F401 (defined before the wizards inheriting it)


class ChorusProSpeMonthWizard(models.TransientModel):
    """The month's Santé Psy Étudiant invoices in one step: for a month, one draft invoice
    per convention (university) with one line per date and price — the number of
    sessions and of first sessions — for the sessions not yet on an invoice (drafts
    included) and within the students' cap. Sending goes through Odoo's Send dialog, by
    the convention's method."""

    _name = "chorus.pro.spe.month.wizard"
    _inherit = ["chorus.pro.month.wizard.mixin"]
    _description = "The Month's Session Invoices"

    convention_ids = fields.Many2many(
        "chorus.pro.spe.convention",
        string="Conventions",
        default=lambda self: self._default_conventions(),
        domain="[('company_id', '=', company_id)]",
        help="The universities to invoice (all your conventions by default).",
    )
    session_ids = fields.Many2many(
        "chorus.pro.spe.session", string="Sessions to Invoice", compute="_compute_sessions"
    )
    beyond_cap_ids = fields.Many2many(
        "chorus.pro.spe.session", string="Sessions Beyond the Cap", compute="_compute_sessions"
    )
    proposal_note = fields.Char(compute="_compute_sessions")

    @api.model
    def _default_conventions(self):
        context = self.env.context
        if context.get("active_model") == "chorus.pro.spe.convention" and context.get("active_ids"):
            return self.env["chorus.pro.spe.convention"].browse(context["active_ids"])
        return self.env["chorus.pro.spe.convention"].search([("company_id", "=", self.env.company.id)])

    def _month_sessions(self, states):
        self.ensure_one()
        if not (self.month and self.convention_ids):
            return self.env["chorus.pro.spe.session"]
        first, last = self._period()
        return self.env["chorus.pro.spe.session"].search(
            [
                ("convention_id", "in", self.convention_ids.ids),
                ("company_id", "=", self.company_id.id),
                ("date", ">=", first),
                ("date", "<=", last),
                ("state", "in", states),
            ],
            order="convention_id, date, id",
        )

    @api.depends("month", "convention_ids", "company_id")
    def _compute_sessions(self):
        for wizard in self:
            wizard.session_ids = wizard._month_sessions(["to_invoice"])
            wizard.beyond_cap_ids = wizard._month_sessions(["beyond_cap"])
            if not wizard.session_ids:
                wizard.proposal_note = self.env._(
                    "Nothing to invoice: every session of this month is already on an invoice "
                    "(or beyond the cap)."
                )
            else:
                wizard.proposal_note = self.env._(
                    "%(count)s session(s) to invoice, %(students)s student(s), "
                    "%(universities)s university(ies).",
                    count=len(wizard.session_ids),
                    students=len(set(wizard.session_ids.mapped("student_code"))),
                    universities=len(wizard.session_ids.convention_id),
                )

    def _check_convention(self, convention, day):
        """Why ``convention`` cannot be invoiced for sessions of ``day``'s university year."""
        if not convention.product_id.taxes_id.filtered(lambda t: t.company_id == convention.company_id):
            raise UserError(
                self.env._(
                    "Convention %(convention)s: the session product %(product)s has no tax. Give it "
                    "the exempt tax with the mention 'TVA non applicable, art. 261-4-1° du CGI' "
                    "(product form, Customer Taxes).",
                    convention=convention.display_name,
                    product=convention.product_id.display_name,
                )
            )
        if convention._engagement_required() and not convention._engagement_number(day):
            raise UserError(
                self.env._(
                    "%(university)s requires an engagement number: add the purchase order of the "
                    "university year %(year)s to convention %(convention)s (Purchase Orders tab). "
                    "Ask the university for it.",
                    university=convention.partner_id.display_name,
                    year=university_year(day)[2],
                    convention=convention.display_name,
                )
            )

    def _line_values(self, convention, row, lang):
        env = self.with_context(lang=lang).env
        day = format_date(env, row["date"], lang_code=lang)
        if row["first_count"]:
            name = env._(
                "Sessions of %(date)s: %(count)s, of which %(first)s first session(s)",
                date=day,
                count=row["count"],
                first=row["first_count"],
            )
        else:
            name = env._("Sessions of %(date)s: %(count)s", date=day, count=row["count"])
        company = convention.company_id
        return {
            "product_id": convention.product_id.id,
            "name": name,
            "quantity": row["count"],
            "price_unit": row["price"],
            "tax_ids": [
                Command.set(convention.product_id.taxes_id.filtered(lambda t: t.company_id == company).ids)
            ],
            "chorus_spe_date": row["date"],
            "chorus_spe_first_count": row["first_count"],
        }

    def _create_invoices(self):
        self.ensure_one()
        sessions = self._month_sessions(["to_invoice"])
        if not sessions:
            raise UserError(
                self.env._("Nothing to invoice for this month: no session left outside an invoice.")
            )
        first, last = self._period()
        moves = self.env["account.move"]
        for convention in sessions.convention_id:
            self._check_convention(convention, first)
        for convention in sessions.convention_id:
            todo = sessions.filtered(lambda s, c=convention: s.convention_id == c)
            rows = invoice_rows(
                [(s.id, s.date, s.first_session) for s in todo], convention.price_table_id._rules()
            )
            partner = convention.partner_id
            lang = partner.lang or self.env.lang
            move = (
                self.env["account.move"]
                .with_company(convention.company_id)
                .create(
                    {
                        "move_type": "out_invoice",
                        "company_id": convention.company_id.id,
                        "partner_id": partner.id,
                        "invoice_date": self.invoice_date,
                        "delivery_date": max(todo.mapped("date")),
                        "chorus_spe_convention_id": convention.id,
                        "chorus_service_id": convention.service_id.id,
                        "purchase_order_reference": convention._engagement_number(first),
                        "invoice_payment_term_id": convention.payment_term_id.id,
                        "invoice_line_ids": [
                            Command.create(self._line_values(convention, row, lang)) for row in rows
                        ],
                    }
                )
            )
            for row, line in zip(rows, move.invoice_line_ids.sorted("id"), strict=True):
                self.env["chorus.pro.spe.session"].browse(row["keys"]).move_line_id = line
            moves |= move
        return moves

    def action_create_invoices(self):
        moves = self._create_invoices()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        if len(moves) == 1:
            action.update({"res_id": moves.id, "view_mode": "form", "views": [(False, "form")]})
        else:
            action["domain"] = [("id", "in", moves.ids)]
        return action
