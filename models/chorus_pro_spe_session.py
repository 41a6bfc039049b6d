# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import format_date

from ..lib.spe_rules import beyond_cap, ine_valid, normalize_code, student_code_problem, university_year

SESSION_STATES = [
    ("to_invoice", "To Invoice"),
    ("draft", "On a Draft Invoice"),
    ("invoiced", "Invoiced"),
    ("beyond_cap", "Beyond the Cap"),
]


class ChorusProSpeSession(models.Model):
    """A Santé Psy Étudiant session ("séance"): a date, a student known by a
    pseudonymous code only, first session or not, the convention (university) paying it.

    Health-related personal data: readable by the invoicing users of the company only,
    no chatter, no tracking; the invoice shows counts per date, never a student code.
    """

    _name = "chorus.pro.spe.session"
    _description = "Session (Santé Psy Étudiant)"
    _order = "date desc, id desc"
    _rec_name = "student_code"

    convention_id = fields.Many2one(
        "chorus.pro.spe.convention", required=True, index=True, ondelete="restrict"
    )
    company_id = fields.Many2one(related="convention_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="convention_id.partner_id", store=True, string="University")
    date = fields.Date(required=True, default=fields.Date.context_today)
    student_code = fields.Char(
        required=True,
        index=True,
        help="A pseudonymous code of your choice (4 to 20 letters, digits or hyphens, with at "
        "least one digit), e.g. SPE-0042: never the student's name.",
    )
    ine = fields.Char(
        string="INE",
        help="National student number (11 characters), optional: it never appears on the invoice.",
    )
    first_session = fields.Boolean()
    university_year = fields.Char(compute="_compute_university_year", store=True)
    beyond_cap = fields.Boolean(
        string="Beyond the Cap",
        readonly=True,
        copy=False,
        help="The student already had the sessions the service pays for this university year: "
        "this one is not invoiced.",
    )
    move_line_id = fields.Many2one(
        "account.move.line",
        string="Invoice Line",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
    )
    move_id = fields.Many2one(related="move_line_id.move_id", string="Invoice")
    state = fields.Selection(SESSION_STATES, compute="_compute_state", store=True, string="Status")

    @api.depends("date")
    def _compute_university_year(self):
        for session in self:
            session.university_year = university_year(session.date)[2] if session.date else False

    @api.depends("beyond_cap", "move_line_id", "move_line_id.parent_state")
    def _compute_state(self):
        for session in self:
            state = session.move_line_id.parent_state
            if state == "posted":
                session.state = "invoiced"
            elif state == "draft":
                session.state = "draft"
            elif session.beyond_cap:
                session.state = "beyond_cap"
            else:
                session.state = "to_invoice"

    # ------------------------------------------------------------------
    # Bad input
    # ------------------------------------------------------------------
    @api.constrains("student_code", "ine", "date")
    def _check_input(self):
        today = fields.Date.context_today(self)
        for session in self:
            problem = student_code_problem(session.student_code)
            if problem == "name":
                raise ValidationError(
                    self.env._(
                        "The student code '%(code)s' looks like a name. Sessions are health data: "
                        "identify the student by a pseudonymous code with at least one digit "
                        "(e.g. SPE-0042), never by name.",
                        code=session.student_code,
                    )
                )
            if problem:
                raise ValidationError(
                    self.env._(
                        "The student code '%(code)s' is not valid: use 4 to 20 letters, digits or "
                        "hyphens, with at least one digit and no space (e.g. SPE-0042).",
                        code=session.student_code,
                    )
                )
            if session.ine and not ine_valid(session.ine):
                raise ValidationError(
                    self.env._(
                        "The INE '%(ine)s' is not valid: a national student number has 11 "
                        "characters, 10 digits or letters and a final letter (e.g. 1234567890A). "
                        "Leave it empty if you do not know it.",
                        ine=session.ine,
                    )
                )
            if session.date and session.date > today:
                raise ValidationError(
                    self.env._(
                        "A session cannot be dated in the future (%(date)s): record it once it took place.",
                        date=format_date(self.env, session.date),
                    )
                )

    # ------------------------------------------------------------------
    # The cap per student and university year
    # ------------------------------------------------------------------
    @api.model
    def _normalize_vals(self, vals):
        for fname in ("student_code", "ine"):
            if vals.get(fname):
                vals[fname] = normalize_code(vals[fname])
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        sessions = super().create([self._normalize_vals(dict(vals)) for vals in vals_list])
        sessions._update_caps()
        return sessions

    def write(self, vals):
        keys = self._cap_keys()
        result = super().write(self._normalize_vals(dict(vals)))
        if {"student_code", "date", "convention_id"} & set(vals):
            self._update_caps(keys)
        return result

    def unlink(self):
        keys = self._cap_keys()
        result = super().unlink()
        self.browse()._update_caps(keys)
        return result

    def _cap_keys(self):
        return {(s.company_id.id, s.student_code, s.university_year) for s in self.sudo()}

    def _update_caps(self, keys=None):
        """Flag the sessions beyond the cap of each student and university year touched
        (the students of ``self``, and ``keys`` of before a change)."""
        keys = set(keys or ()) | self._cap_keys()
        sessions = self.sudo().browse()
        for company_id, code, year in keys:
            sessions |= self.sudo().search(
                [("company_id", "=", company_id), ("student_code", "=", code), ("university_year", "=", year)]
            )
        beyond = set()
        for table in sessions.convention_id.price_table_id:
            group = sessions.filtered(lambda s, t=table: s.convention_id.price_table_id == t)
            beyond |= beyond_cap([(s.id, s.student_code, s.date) for s in group], table._rules())
        for session in sessions:
            flag = session.id in beyond
            if session.beyond_cap != flag:
                session.beyond_cap = flag

    # ------------------------------------------------------------------
    # Checklist: an invoice made from sessions bills each once
    # ------------------------------------------------------------------
    @api.model
    def _checklist_items(self, move):
        """Checklist items (format of ``chorus.pro.checklist._item``) of an invoice made
        from sessions: each session line bills as many sessions as are tied to it (none of
        them beyond the cap, none re-invoiced elsewhere since). None for other invoices."""
        lines = move.invoice_line_ids.filtered("chorus_spe_date")
        if not lines or move.move_type != "out_invoice":
            return []
        problems = []
        for line in lines:
            sessions = self.sudo().search([("move_line_id", "=", line.id)])
            date_label = format_date(self.env, line.chorus_spe_date)
            if round(line.quantity) != len(sessions):
                problems.append(
                    self.env._(
                        "Sessions of %(date)s: the line bills %(qty)s session(s) but %(count)s "
                        "are tied to it (the others are on another invoice, or were removed): "
                        "delete this invoice and run The Month's Session Invoices again.",
                        date=date_label,
                        qty=round(line.quantity, 2),
                        count=len(sessions),
                    )
                )
            elif sessions.filtered("beyond_cap"):
                problems.append(
                    self.env._(
                        "Sessions of %(date)s: %(count)s session(s) are beyond the student's cap for "
                        "the university year and are not paid by the service.",
                        date=date_label,
                        count=len(sessions.filtered("beyond_cap")),
                    )
                )
        return [
            self.env["chorus.pro.checklist"]._item(
                "spe_sessions", self.env._("Sessions invoiced once, within the cap"), problems
            )
        ]
