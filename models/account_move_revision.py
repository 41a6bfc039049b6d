# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from decimal import Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_date, formatLang

from ..lib import price_revision
from .ir_actions_report import CHORUS_RENDERING

ANNEX_REPORT = "l10n_fr_chorus_pro.report_chorus_price_revision_annex"
ANNEX_LANG = "fr_FR"
MAX_ANNEX_NAME = 50


class AccountMove(models.Model):
    """The price revision of an invoice made from a revisable (or actualisable) order:
    the coefficient of its month, the revised unit prices and the computation, recorded
    (index values and months as they were then) and printed on the legal page."""

    _inherit = "account.move"

    chorus_revision_data = fields.Json(
        string="Price Revision Computation",
        copy=False,
        readonly=True,
        help="Formula, index values and months, coefficient, as applied to this invoice.",
    )
    chorus_revision_coefficient = fields.Float(
        string="Revision Coefficient", digits=(16, 3), copy=False, readonly=True
    )
    chorus_revision_month = fields.Date(string="Revision Month", copy=False, readonly=True)
    chorus_revision_provisional = fields.Boolean(
        string="Provisional Revision",
        copy=False,
        readonly=True,
        help="An index of the month was not published yet: its last published value was "
        "used; the revision is settled when the value arrives.",
    )
    chorus_revision_settlement_id = fields.Many2one(
        "account.move",
        string="Revision Settled By",
        copy=False,
        readonly=True,
        help="The complementary invoice or credit note that settled this provisional revision "
        "once the index values were published.",
    )
    chorus_revision_settled_id = fields.Many2one(
        "account.move",
        string="Settles the Revision Of",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The invoice whose provisional price revision this document settles.",
    )
    chorus_revision_settles_ids = fields.One2many(
        "account.move",
        "chorus_revision_settlement_id",
        string="Settles the Revisions Of",
        readonly=True,
        help="The invoices whose provisional price revisions this document settles.",
    )
    chorus_revision_settlement_state = fields.Selection(
        [
            ("waiting", "Waiting for the index values"),
            ("ready", "To settle"),
            ("settled", "Settled"),
        ],
        string="Revision Settlement",
        compute="_compute_chorus_revision_settlement_state",
        search="_search_chorus_revision_settlement_state",
        help="A posted invoice revised provisionally: to settle once every index value of "
        "its month is published (a complementary invoice or a credit note for the difference).",
    )
    chorus_revision_annex_id = fields.Many2one(
        "ir.attachment",
        string="Price Revision Justification",
        copy=False,
        readonly=True,
        help="The one-page justification of the revision (formula, indices, coefficient, "
        "revised prices), in French, made when the invoice is posted and sent to Chorus Pro "
        "with it as a supporting document. Never made again once deposited.",
    )
    chorus_revision_capped = fields.Boolean(
        string="Ceiling Applied",
        compute="_compute_chorus_revision_limits",
        help="The formula's coefficient exceeds the clause's ceiling: the ceiling is applied.",
    )
    chorus_revision_safeguard_reached = fields.Boolean(
        string="Safeguard Threshold Reached",
        compute="_compute_chorus_revision_limits",
        help="The coefficient moved further from 1 than the clause's safeguard threshold: the "
        "parties apply the clause (renegotiation or termination, as it says).",
    )
    chorus_revision_price_type = fields.Selection(related="chorus_order_id.price_type", string="Price Type")

    def _chorus_revision_day(self):
        """The day of the service whose month gives the index values: the service date,
        else the invoice date, else today."""
        self.ensure_one()
        return self.delivery_date or self.invoice_date or fields.Date.context_today(self)

    def action_chorus_apply_price_revision(self):
        """Button: (re)compute the revision of the draft with its current service date."""
        for move in self:
            if move.state != "draft":
                raise UserError(
                    self.env._(
                        "Invoice %(invoice)s is not a draft: its prices can no longer be revised.",
                        invoice=move.display_name,
                    )
                )
        self._chorus_apply_price_revision()

    def _chorus_apply_price_revision(self):
        """Revise the unit prices of the lines tied to an order line: ordered price ×
        the coefficient of the invoice's month, and record the computation. When the
        clause invoices the revision apart, the lines keep the ordered prices and one
        line (per set of taxes) invoices the difference."""
        digits = self.env["decimal.precision"].precision_get("Product Price")
        for move in self:
            order = move.chorus_order_id
            if move.chorus_revision_settled_id or move.chorus_revision_settles_ids:
                continue  # a settlement keeps the definitive computation it was made with
            old_lines = move.invoice_line_ids.filtered("chorus_revision_line")
            if not order or order.price_type == "firm" or move.move_type != "out_invoice":
                move.write(
                    {
                        "invoice_line_ids": [Command.unlink(line.id) for line in old_lines],
                        "chorus_revision_data": False,
                        "chorus_revision_coefficient": 0.0,
                        "chorus_revision_month": False,
                        "chorus_revision_provisional": False,
                    }
                )
                continue
            revision = order.sudo()._price_revision(move._chorus_revision_day())
            separate = order.sudo().revision_invoicing == "separate_line"
            differences = {}
            for line in move.invoice_line_ids.filtered(
                lambda l: (
                    l.display_type == "product" and l.chorus_order_line_id and not l.chorus_revision_line
                )
            ):
                base = line.chorus_order_line_id.sudo()._price_in_uom(line.product_uom_id)
                if base is None:
                    continue
                revised = float(
                    price_revision.revised_price(Decimal(repr(base)), revision.coefficient, digits)
                )
                if separate:
                    line.price_unit = base
                    taxes = line.tax_ids
                    differences[taxes] = differences.get(taxes, 0.0) + (revised - base) * line.quantity
                else:
                    line.price_unit = revised
            commands = [Command.unlink(line.id) for line in old_lines]
            if separate:
                name = move._chorus_revision_line_name(revision)
                commands += [
                    Command.create(
                        {
                            "name": name,
                            "quantity": 1,
                            "price_unit": move.currency_id.round(amount),
                            "tax_ids": [Command.set(taxes.ids)],
                            "chorus_revision_line": True,
                        }
                    )
                    for taxes, amount in differences.items()
                    if not move.currency_id.is_zero(amount)
                ]
            move.write(
                {
                    "invoice_line_ids": commands,
                    "chorus_revision_data": move._chorus_revision_record(order, revision),
                    "chorus_revision_coefficient": float(revision.coefficient),
                    "chorus_revision_month": revision.month,
                    "chorus_revision_provisional": revision.provisional,
                }
            )

    def _chorus_revision_line_name(self, revision):
        """Label of the separate revision line, in the language of the invoice's page."""
        self.ensure_one()
        move = self.with_context(lang=self.env["chorus.pro.document"]._document_lang(self))
        return move.env._(
            "Price revision (coefficient %(coefficient)s, %(month)s)",
            coefficient=move._chorus_revision_number(str(revision.coefficient)),
            month=format_date(move.env, revision.month, date_format="MMMM y"),
        )

    def _chorus_revision_record(self, order, revision):
        fixed, terms = order._revision_clause()
        indices = {term.index_id.code: term.index_id for term in order.revision_term_ids}
        return {
            "price_type": order.price_type,
            "formula": price_revision.formula_text(fixed, terms),
            "fixed_part": str(fixed),
            "rounding": order.revision_rounding,
            "offset": order.revision_offset,
            "separate_line": order.revision_invoicing == "separate_line",
            "periodicity": order.revision_periodicity,
            "anniversary": str(order._revision_anniversary() or ""),
            "formula_coefficient": str(revision.formula_coefficient or revision.coefficient),
            "ceiling": str(revision.ceiling.quantize(revision.coefficient))
            if revision.ceiling is not None
            else "",
            "capped": revision.capped,
            "safeguard": str(revision.safeguard) if revision.safeguard is not None else "",
            "safeguard_reached": revision.safeguard_reached,
            "coefficient": str(revision.coefficient),
            "raw_coefficient": str(revision.raw_coefficient),
            "month": revision.month.isoformat(),
            "provisional": revision.provisional,
            "terms": [
                {
                    "index": term.index,
                    "name": indices[term.index].name,
                    "idbank": indices[term.index].idbank or "",
                    "publisher": indices[term.index].publisher or "",
                    "weight": str(term.weight),
                    "base_month": term.base_month.isoformat(),
                    "base_value": str(term.base_value),
                    "value_month": term.value_month.isoformat(),
                    "value": str(term.value),
                    "provisional": term.provisional,
                }
                for term in revision.terms
            ],
        }

    def _chorus_revision_number(self, value):
        """A recorded number (``"1.032"``, ``"307.0"``) with its own decimals, written with
        the separators of the current language (``1,032`` in French)."""
        if value in (None, False, ""):
            return ""
        lang = self.env["res.lang"]._get_data(code=self.env.lang or "en_US")
        return price_revision.number_text(
            Decimal(str(value)), lang.decimal_point or ".", lang.thousands_sep or ""
        )

    def _chorus_revision_report(self, data=None):
        """The recorded computation (``data``, by default the invoice's) in the current
        language (the document's: months and numbers written the French way for a French
        recipient), for the legal page and the justification annex."""
        self.ensure_one()
        data = (self.chorus_revision_data or {}) if data is None else data
        number = self._chorus_revision_number

        def month(value):
            return format_date(self.env, fields.Date.to_date(value), date_format="MMMM y")

        lang = self.env["res.lang"]._get_data(code=self.env.lang or "en_US")
        formula = data.get("formula")
        if data.get("terms"):
            formula = price_revision.formula_text(
                Decimal(data.get("fixed_part") or 0),
                [price_revision.Term(t["index"], Decimal(t["weight"]), None) for t in data["terms"]],
                lang.decimal_point or ".",
            )
        return {
            "formula": formula,
            "coefficient": number(data.get("coefficient")),
            "raw_coefficient": number(data.get("raw_coefficient")),
            "rounding": data.get("rounding"),
            "separate_line": bool(data.get("separate_line")),
            "month": month(data["month"]) if data.get("month") else "",
            "provisional": data.get("provisional"),
            "terms": [
                {
                    **term,
                    "weight": number(term["weight"]),
                    "value": number(term["value"]),
                    "base_value": number(term["base_value"]),
                    "base_month": month(term["base_month"]),
                    "value_month": month(term["value_month"]),
                }
                for term in data.get("terms", [])
            ],
        }

    # ------------------------------------------------------------------
    # Justification annex
    # ------------------------------------------------------------------
    def _chorus_revision_annex_rows(self, coefficient, lang_env, provisional=None):
        """Initial and revised (× ``coefficient``) unit prices of this invoice's lines
        tied to the order, written in ``lang_env``'s language. ``provisional``: the
        coefficient a settlement corrects; each row then also gives the provisional price
        and its difference is what the settlement bills (definitive − provisional)."""
        self.ensure_one()
        currency = self.currency_id
        digits = self.env["decimal.precision"].precision_get("Product Price")
        rows = []
        for line in self.invoice_line_ids.filtered(
            lambda l: l.display_type == "product" and l.chorus_order_line_id
        ):
            initial = line.chorus_order_line_id.sudo()._price_in_uom(line.product_uom_id)
            if initial is None:
                continue
            revised = float(price_revision.revised_price(Decimal(repr(initial)), coefficient, digits))
            before = initial
            if provisional is not None:
                before = float(price_revision.revised_price(Decimal(repr(initial)), provisional, digits))
            rows.append(
                {
                    "name": (line.name or "").split("\n")[0],
                    "quantity": formatLang(lang_env, line.quantity, dp="Product Unit"),
                    "initial": formatLang(lang_env, initial, currency_obj=currency, digits=digits),
                    "provisional": formatLang(lang_env, before, currency_obj=currency, digits=digits),
                    "revised": formatLang(lang_env, revised, currency_obj=currency, digits=digits),
                    "difference": formatLang(
                        lang_env, currency.round((revised - before) * line.quantity), currency_obj=currency
                    ),
                }
            )
        return rows

    def _chorus_revision_annex_section(self, data, lines_move, title="", provisional=""):
        """One computation of the annex: ``data`` recorded, applied to ``lines_move``'s
        lines (the invoice itself, or the invoice a settlement settles)."""
        return {
            "title": title,
            "provisional_coefficient": self._chorus_revision_number(provisional),
            "revision": self._chorus_revision_report(data),
            "price_type": data.get("price_type"),
            "offset": data.get("offset") or 0,
            "limits": self._chorus_revision_limits(data),
            "separate_line": bool(data.get("separate_line")),
            "rows": lines_move._chorus_revision_annex_rows(
                Decimal(data.get("coefficient") or 1),
                self.env,
                provisional=Decimal(str(provisional)) if provisional not in (None, False, "") else None,
            ),
        }

    def _chorus_revision_annex_values(self):
        """Values of the justification annex (report_chorus_price_revision_annex), in
        the current language (French when it is made): one section per computation
        (several for a grouped settlement, one per invoice it settles)."""
        self.ensure_one()
        data = self.chorus_revision_data or {}
        order = self.chorus_order_id.sudo()
        if data.get("grouped"):
            settled = self.browse([item["invoice_id"] for item in data["grouped"]]).sudo()
            sections = [
                self._chorus_revision_annex_section(
                    item["record"],
                    self.browse(item["invoice_id"]).sudo(),
                    item["invoice"],
                    item["provisional"],
                )
                for item in data["grouped"]
            ]
        else:
            settled = self.chorus_revision_settled_id.sudo()
            sections = [
                self._chorus_revision_annex_section(
                    data,
                    settled or self,
                    settled.name or "",
                    (settled.chorus_revision_data or {}).get("coefficient") or "",
                )
            ]
        return {
            "sections": sections,
            "invoice_date": format_date(self.env, self.invoice_date) if self.invoice_date else "",
            "today": format_date(self.env, fields.Date.context_today(self)),
            "market": self.contract_reference or order.market_number or "",
            "engagement": self.purchase_order_reference or "",
            "order": order.name or "",
            "settled": ", ".join(settled.mapped("name")),
        }

    def _chorus_revision_limits(self, data):
        """Periodicity, ceiling and safeguard of the recorded computation, written in the
        current language, for the annex."""
        number = self._chorus_revision_number
        anniversary = data.get("anniversary")
        safeguard = data.get("safeguard")
        return {
            "anniversary": (
                format_date(self.env, fields.Date.to_date(anniversary))
                if data.get("periodicity") == price_revision.YEARLY and anniversary
                else ""
            ),
            "ceiling": number(data.get("ceiling")),
            "capped": bool(data.get("capped")),
            "formula_coefficient": number(data.get("formula_coefficient")),
            "safeguard": number((Decimal(safeguard) * 100).normalize()) if safeguard else "",
            "safeguard_reached": bool(data.get("safeguard_reached")),
        }

    def _chorus_revision_annex_name(self):
        self.ensure_one()
        stem = "Revision_prix_" + (self.name or "").replace("/", "_").replace(" ", "_")
        return stem[: MAX_ANNEX_NAME - len(".pdf")] + ".pdf"

    def _chorus_revision_annex_attach(self):
        """Make the justification annex of the revised invoices among ``self`` (just
        posted: called by ``_post`` in account_move.py) and add it to their Chorus Pro
        supporting documents, so that the deposit carries it. Made at posting, when the
        prices and the computation are final; an invoice reset to draft and posted again
        before its deposit gets a new one (the previous one, never sent, is deleted); once
        deposited, it is never made again (the evidence never changes)."""
        moves = self.filtered(
            lambda m: (
                m.state == "posted"
                and m.chorus_revision_data
                and m.move_type in ("out_invoice", "out_refund")
                and m.chorus_is_recipient
                and not m.chorus_document_id
                and not m.chorus_flow_id
                and not m.chorus_identifier
            )
        )
        if not moves:
            return
        lang = ANNEX_LANG if self.env["res.lang"]._get_data(code=ANNEX_LANG) else self.env.lang
        report = self.env["ir.actions.report"].with_context(
            lang=lang,
            force_report_rendering=True,
            report_pdf_no_attachment=True,
            **{CHORUS_RENDERING: True},
        )
        for move in moves:
            pdf = report._render_qweb_pdf(ANNEX_REPORT, move.ids)[0]
            previous = move.chorus_revision_annex_id
            attachment = (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    {
                        "name": move._chorus_revision_annex_name(),
                        "raw": pdf,
                        "mimetype": "application/pdf",
                        "res_model": move._name,
                        "res_id": move.id,
                    }
                )
            )
            commands = [Command.link(attachment.id)]
            if previous:
                commands.insert(0, Command.unlink(previous.id))
            move.write({"chorus_attachment_ids": commands, "chorus_revision_annex_id": attachment.id})
            if previous:
                previous.sudo().unlink()

    # ------------------------------------------------------------------
    # Settlement of a provisional revision
    # ------------------------------------------------------------------
    def _compute_chorus_revision_settlement_state(self):
        for move in self:
            state = False
            if move.chorus_revision_settlement_id.state in ("draft", "posted"):
                state = "settled"
            elif move.chorus_revision_provisional and move.state == "posted" and move.chorus_order_id:
                try:
                    definitive = move.chorus_order_id.sudo()._price_revision(
                        move.chorus_revision_month, month=move.chorus_revision_month
                    )
                    state = "waiting" if definitive.provisional else "ready"
                except UserError:
                    state = "waiting"
            move.chorus_revision_settlement_state = state

    def _search_chorus_revision_settlement_state(self, operator, value):
        """Invoices whose revision is waiting, ready or settled (e.g. the filter *Price
        revision to settle*): the posted provisional ones, then their computed state."""
        if operator not in ("=", "in"):
            return NotImplemented
        wanted = {value} if operator == "=" else set(value)
        candidates = self.search(
            [
                ("state", "=", "posted"),
                "|",
                ("chorus_revision_provisional", "=", True),
                ("chorus_revision_settlement_id", "!=", False),
            ]
        )
        # Not stored, and depending on index values published since: computed afresh.
        candidates.invalidate_recordset(["chorus_revision_settlement_state"])
        return [("id", "in", candidates.filtered(lambda m: m.chorus_revision_settlement_state in wanted).ids)]

    @api.depends("chorus_revision_data")
    def _compute_chorus_revision_limits(self):
        for move in self:
            data = move.chorus_revision_data or {}
            move.chorus_revision_capped = bool(data.get("capped"))
            move.chorus_revision_safeguard_reached = bool(data.get("safeguard_reached"))

    def _chorus_revision_settlement_check(self):
        """The definitive revision of this provisional invoice; a clear UserError when it
        cannot be settled now (already settled, not provisional, values not published)."""
        self.ensure_one()
        settlement = self.chorus_revision_settlement_id
        if settlement.state in ("draft", "posted"):
            raise UserError(
                self.env._(
                    "The price revision of %(invoice)s is already settled by %(settlement)s.",
                    invoice=self.display_name,
                    settlement=settlement.display_name,
                )
            )
        if self.state != "posted" or not self.chorus_revision_provisional:
            raise UserError(
                self.env._(
                    "Only a posted invoice revised provisionally is settled (%(invoice)s).",
                    invoice=self.display_name,
                )
            )
        order = self.chorus_order_id.sudo()
        definitive = order._price_revision(self.chorus_revision_month, month=self.chorus_revision_month)
        if definitive.provisional:
            missing = ", ".join(t.index for t in definitive.terms if t.provisional)
            raise UserError(
                self.env._(
                    "The value of %(indices)s for %(month)s is not published yet: the revision "
                    "of %(invoice)s stays provisional.",
                    indices=missing,
                    month=format_date(self.env, definitive.month, date_format="MMMM y"),
                    invoice=self.display_name,
                )
            )
        return definitive

    def _chorus_revision_settlement_rows(self, definitive):
        """[(line, definitive price, charged price)] of the lines whose amount changes."""
        self.ensure_one()
        digits = self.env["decimal.precision"].precision_get("Product Price")
        rows = []
        for line in self.invoice_line_ids.filtered(
            lambda l: l.display_type == "product" and l.chorus_order_line_id
        ):
            ordered = line.chorus_order_line_id.sudo()._price_in_uom(line.product_uom_id)
            if ordered is None:
                continue
            price = float(
                price_revision.revised_price(Decimal(repr(ordered)), definitive.coefficient, digits)
            )
            # What the invoice charged for the line: its revised price, or with a separate
            # revision line its ordered price × the provisional coefficient.
            charged = line.price_unit
            if (self.chorus_revision_data or {}).get("separate_line"):
                charged = float(
                    price_revision.revised_price(
                        Decimal(repr(ordered)), Decimal(self.chorus_revision_data["coefficient"]), digits
                    )
                )
            difference = line.currency_id.round((price - charged) * line.quantity)
            if not line.currency_id.is_zero(difference):
                rows.append((line, price, charged))
        return rows

    def _chorus_revision_make_definitive(self, definitive):
        """Same coefficient: nothing to invoice, the revision becomes definitive."""
        self.ensure_one()
        self.write(
            {
                "chorus_revision_provisional": False,
                "chorus_revision_data": self._chorus_revision_record(self.chorus_order_id.sudo(), definitive),
            }
        )

    @api.model
    def _chorus_revision_settlement_create(self, order, plan):
        """One draft complementary invoice (or credit note, when the total difference is
        negative) settling the invoices of ``plan`` {invoice: (definitive, rows)}, all of
        ``order``; each invoice is marked settled by it."""
        first = next(iter(plan))
        total = sum(
            (price - charged) * line.quantity
            for _revision, rows in plan.values()
            for line, price, charged in rows
        )
        sign = 1 if total > 0 else -1
        lines = []
        for move, (definitive, rows) in plan.items():
            lines += [
                Command.create(
                    {
                        "name": self.env._(
                            "Price revision settlement of %(invoice)s: %(line)s (%(provisional)s → "
                            "%(definitive)s)",
                            invoice=move.name,
                            line=(line.name or "").split("\n")[0],
                            provisional=move.chorus_revision_coefficient,
                            definitive=str(definitive.coefficient),
                        ),
                        "product_id": line.product_id.id,
                        "product_uom_id": line.product_uom_id.id,
                        "quantity": line.quantity,
                        "price_unit": sign * (price - charged),
                        "tax_ids": [Command.set(line.tax_ids.ids)],
                        "chorus_revision_line": True,
                    }
                )
                for line, price, charged in rows
            ]
        values = {
            "move_type": "out_invoice" if total > 0 else "out_refund",
            "company_id": first.company_id.id,
            "partner_id": first.partner_id.id,
            "chorus_order_id": order.id,
            **order._invoice_header_values(),
            "delivery_date": max(m.delivery_date or m.invoice_date for m in plan),
            "invoice_line_ids": lines,
        }
        if len(plan) == 1:
            # One invoice: the settlement carries its definitive computation (printed, and
            # justified by the annex at posting).
            definitive = plan[first][0]
            values.update(
                {
                    "chorus_revision_settled_id": first.id,
                    "chorus_revision_data": first._chorus_revision_record(order, definitive),
                    "chorus_revision_coefficient": float(definitive.coefficient),
                    "chorus_revision_month": definitive.month,
                }
            )
        else:
            # Several invoices, maybe of several months: each one's definitive computation,
            # for the justification annex (the page prints no single computation).
            values["chorus_revision_data"] = {
                "grouped": [
                    {
                        "invoice": move.name,
                        "invoice_id": move.id,
                        "provisional": (move.chorus_revision_data or {}).get("coefficient") or "",
                        "record": move._chorus_revision_record(order, definitive),
                    }
                    for move, (definitive, _rows) in plan.items()
                ]
            }
        settlement = self.env["account.move"].with_company(first.company_id).create(values)
        for move in plan:
            move.chorus_revision_settlement_id = settlement
        return settlement

    def action_chorus_settle_price_revision(self):
        """Settle a provisional revision with the values now published: a draft
        complementary invoice (or credit note) for the difference, once only."""
        self.ensure_one()
        definitive = self._chorus_revision_settlement_check()
        rows = self._chorus_revision_settlement_rows(definitive)
        if not rows:
            self._chorus_revision_make_definitive(definitive)
            return True
        settlement = self._chorus_revision_settlement_create(
            self.chorus_order_id.sudo(), {self: (definitive, rows)}
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": settlement.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_chorus_settle_price_revisions(self):
        """List action: settle the provisional revisions of the selected invoices, one
        complementary invoice (or credit note) per order for all of them. Refused, with
        every reason, when one of them cannot be settled now (never settled twice)."""
        if not self:
            raise UserError(self.env._("Select the invoices whose price revision is to be settled."))
        plans, problems = {}, []
        for move in self.sorted(lambda m: (m.invoice_date or m.date, m.id)):
            try:
                definitive = move._chorus_revision_settlement_check()
            except UserError as error:
                problems.append(error.args[0])
                continue
            plans.setdefault(move.chorus_order_id.sudo(), {})[move] = (
                definitive,
                move._chorus_revision_settlement_rows(definitive),
            )
        if problems:
            raise UserError("\n".join(problems))
        settlements = self.env["account.move"]
        for order, plan in plans.items():
            for move, (definitive, rows) in list(plan.items()):
                if not rows:
                    move._chorus_revision_make_definitive(definitive)
                    del plan[move]
            if plan:
                settlements |= self._chorus_revision_settlement_create(order, plan)
        if not settlements:
            return True
        action = {
            "type": "ir.actions.act_window",
            "name": self.env._("Price revision settlements"),
            "res_model": "account.move",
            "domain": [("id", "in", settlements.ids)],
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
        }
        if len(settlements) == 1:
            action.update(res_id=settlements.id, view_mode="form", views=[(False, "form")])
        return action
