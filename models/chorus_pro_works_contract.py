# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..lib import works_statement as ws

WORKS_ROLES = [
    (ws.HOLDER, "Holder (titulaire)"),
    (ws.SUBCONTRACTOR, "First-rank subcontractor paid directly"),
    (ws.CO_CONTRACTOR, "Co-contractor"),
    (ws.REPRESENTATIVE, "Representative of the co-contractors (mandataire)"),
]

# What the confirmed statements were computed with.
FROZEN_TERMS = {"retention_rate", "bank_guarantee", "advance_amount", "tax_id", "role", "company_id"}


class ChorusProWorksContract(models.Model):
    """A public works contract (marché de travaux, CCAG-Travaux) the company executes:
    the market and its lot, the contracting authority (MOA, a Chorus Pro recipient and
    its service), the project manager (MOE) who validates the statements on Chorus Pro,
    the company's role (which sets the billing frames), the price schedule (DPGF lump
    sums and BPU unit prices) with its amendments, the advance, the retention guarantee
    and the penalties. Statements (``chorus.pro.works.statement``) are made from it.

    The arithmetic is in ``lib/works_statement.py``.
    """

    _name = "chorus.pro.works.contract"
    _description = "Public Works Contract"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_notification desc, id desc"
    _rec_names_search = ["name", "lot", "title"]

    name = fields.Char(
        string="Market Number", required=True, tracking=True, help="Number of the public market (BT-12)."
    )
    lot = fields.Char(tracking=True, help="Lot of the market, e.g. 'Lot 1 - Gros œuvre'.")
    title = fields.Char(string="Object", help="Object of the market, e.g. the works of the building.")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    role = fields.Selection(
        WORKS_ROLES,
        string="Our Role",
        required=True,
        default=ws.HOLDER,
        tracking=True,
        help="The company's role in the market: it sets the Chorus Pro billing frames "
        "(monthly: A4 holder, A10 subcontractor, A13 co-contractor; final: A7, A11, A14).",
    )
    monthly_frame = fields.Char(compute="_compute_frames", string="Monthly Statement Frame")
    final_frame = fields.Char(compute="_compute_frames", string="Final Statement Frame")
    partner_id = fields.Many2one(
        "res.partner",
        string="Contracting Authority (MOA)",
        required=True,
        index=True,
        tracking=True,
        domain="[('chorus_recipient', '=', True), ('is_company', '=', True)]",
        help="The public body that ordered the works (maître d'ouvrage), a Chorus Pro recipient.",
    )
    service_id = fields.Many2one(
        "chorus.pro.service",
        string="MOA Service",
        tracking=True,
        domain="[('partner_id', '=', partner_id)]",
    )
    engagement_number = fields.Char(string="Engagement Number (EJ)", tracking=True)
    moe_partner_id = fields.Many2one(
        "res.partner",
        string="Project Manager (MOE)",
        tracking=True,
        domain="[('is_company', '=', True)]",
        help="The maître d'œuvre (architect, engineering firm) who validates the statements on Chorus Pro.",
    )
    moe_siret = fields.Char(
        string="MOE SIRET",
        compute="_compute_moe_siret",
        store=True,
        readonly=False,
        tracking=True,
        help="SIRET of the MOE's Chorus Pro structure: the validator of the statements.",
    )
    moe_service_code = fields.Char(
        string="MOE Service Code",
        tracking=True,
        help="Code of the MOE's Chorus Pro service, when it has one.",
    )
    date_notification = fields.Date(
        string="Notification Date",
        required=True,
        default=fields.Date.context_today,
        help="Date the market was notified: statements are cumulative since then.",
    )
    tax_id = fields.Many2one(
        "account.tax",
        string="VAT",
        required=True,
        domain="[('type_tax_use', '=', 'sale'), ('company_id', 'parent_of', company_id)]",
        default=lambda self: self.env.company.account_sale_tax_id,
        help="VAT of the works, applied to the invoice of each statement.",
    )
    item_ids = fields.One2many(
        "chorus.pro.works.contract.item",
        "contract_id",
        string="Price Schedule",
        domain=[("amendment_id", "=", False)],
        copy=True,
    )
    amendment_ids = fields.One2many("chorus.pro.works.amendment", "contract_id", string="Amendments")
    all_item_ids = fields.One2many("chorus.pro.works.contract.item", "contract_id", string="All Items")
    statement_ids = fields.One2many("chorus.pro.works.statement", "contract_id", string="Statements")
    statement_count = fields.Integer(compute="_compute_statement_count")
    amount_initial = fields.Monetary(
        string="Initial Amount", compute="_compute_amounts", help="Initial price schedule, excluding VAT."
    )
    amount_total = fields.Monetary(
        string="Amount with Amendments",
        compute="_compute_amounts",
        help="Price schedule in force with the amendments, excluding VAT.",
    )
    advance_amount = fields.Monetary(
        string="Advance",
        tracking=True,
        help="Advance paid by the MOA, excluding VAT: repaid linearly while the works go "
        "from 65 % to 80 % of the contract.",
    )
    retention_rate = fields.Float(
        string="Retention Guarantee (%)",
        default=5.0,
        tracking=True,
        help="Retenue de garantie: at most 5 % (CCP R2191-33), withheld from each statement.",
    )
    bank_guarantee = fields.Boolean(
        string="Replaced by a Bank Guarantee",
        tracking=True,
        help="The retention is replaced by a first-demand guarantee or a surety: nothing is withheld.",
    )
    penalty_per_day = fields.Monetary(
        string="Delay Penalty per Day",
        help="For information: delay penalties are applied by the MOA on the statements.",
    )
    retention_account_id = fields.Many2one(
        "account.account",
        domain="[('account_type', 'not in', ('asset_receivable', 'liability_payable'))]",
        help="Where the retention the MOA withholds is kept until the end of the guarantee "
        "(e.g. 411710 Clients - retenues de garantie, a current asset): the difference of the "
        "payment of the month's invoice.",
    )
    advance_account_id = fields.Many2one(
        "account.account",
        domain="[('account_type', 'not in', ('asset_receivable', 'liability_payable'))]",
        help="Where the advance received was booked (419100 Clients - avances et acomptes "
        "reçus); its repayment is deducted there on the invoice.",
    )
    note = fields.Text(string="Notes")

    @api.depends("role")
    def _compute_frames(self):
        for contract in self:
            contract.monthly_frame = ", ".join(ws.allowed_frames(contract.role, ws.MONTHLY))
            contract.final_frame = ", ".join(ws.allowed_frames(contract.role, ws.FINAL))

    @api.depends("moe_partner_id")
    def _compute_moe_siret(self):
        for contract in self:
            if contract.moe_partner_id.company_registry:
                contract.moe_siret = contract.moe_partner_id.company_registry

    def _compute_statement_count(self):
        for contract in self:
            contract.statement_count = len(contract.statement_ids)

    @api.depends(
        "all_item_ids.total", "all_item_ids.amendment_id", "amendment_ids.date", "amendment_ids.sequence"
    )
    def _compute_amounts(self):
        for contract in self:
            initial = contract.item_ids._works_items()
            contract.amount_initial = float(ws.contract_total(initial))
            contract.amount_total = float(ws.contract_total(initial, contract._works_amendments()))

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        if self.service_id.partner_id != self.partner_id:
            self.service_id = False

    @api.constrains("retention_rate")
    def _check_retention_rate(self):
        for contract in self:
            if not 0 <= contract.retention_rate <= float(ws.MAX_RETENTION_RATE):
                raise ValidationError(
                    self.env._(
                        "The retention guarantee of %(contract)s is %(rate)s %%: it is at most 5 %% "
                        "of the contract and its amendments (Code de la commande publique R2191-33).",
                        contract=contract.display_name,
                        rate=contract.retention_rate,
                    )
                )

    @api.constrains("advance_amount")
    def _check_advance_amount(self):
        for contract in self:
            if contract.advance_amount < 0:
                raise ValidationError(
                    self.env._("The advance of %(contract)s is negative.", contract=contract.display_name)
                )

    @api.constrains("service_id", "partner_id")
    def _check_service(self):
        for contract in self:
            if contract.service_id and contract.service_id.partner_id != contract.partner_id:
                raise ValidationError(
                    self.env._(
                        "The service %(service)s does not belong to %(partner)s.",
                        service=contract.service_id.display_name,
                        partner=contract.partner_id.display_name,
                    )
                )

    @api.depends("name", "lot")
    def _compute_display_name(self):
        for contract in self:
            contract.display_name = (
                f"{contract.name} - {contract.lot}" if contract.lot else (contract.name or "")
            )

    def write(self, vals):
        frozen = FROZEN_TERMS.intersection(vals)
        if frozen:
            for contract in self:
                contract._works_check_terms_open()
        return super().write(vals)

    def _works_check_terms_open(self):
        """The financial terms and the price schedule are those of the statements already
        confirmed: they change through an amendment, never in place."""
        self.ensure_one()
        confirmed = self.statement_ids.filtered(lambda s: s.state != "draft")
        if confirmed:
            raise UserError(
                self.env._(
                    "%(contract)s has confirmed statements (%(statements)s): its price schedule "
                    "and financial terms can no longer change. Record an amendment instead.",
                    contract=self.display_name,
                    statements=", ".join(confirmed.mapped("name")),
                )
            )

    # ------------------------------------------------------------------
    def _works_amendment_records(self):
        """The amendments in their order (date, sequence)."""
        self.ensure_one()
        return self.amendment_ids.sorted(lambda a: (a.date or fields.Date.today(), a.sequence, a.id or 0))

    def _works_amendments(self):
        """The amendments as lib objects, in their order."""
        return self._works_amendment_records()._works_amendment()

    def _works_schedule(self):
        """{code: item record} of the price schedule in force (the amendments' version of
        an item replaces the initial one), in schedule order."""
        self.ensure_one()
        current = {item.code: item for item in self.item_ids}
        for amendment in self._works_amendment_records():
            for item in amendment.item_ids:
                current[item.code] = item
        return current

    def _works_statement_sequence(self):
        """The company's own sequence of works statements (created on first use)."""
        self.ensure_one()
        Sequence = self.env["ir.sequence"].sudo()
        sequence = Sequence.search(
            [("code", "=", "chorus.pro.works.statement"), ("company_id", "=", self.company_id.id)], limit=1
        )
        if not sequence:
            sequence = Sequence.create(
                {
                    "name": f"Works statements ({self.company_id.name})",
                    "code": "chorus.pro.works.statement",
                    "company_id": self.company_id.id,
                    "prefix": "DT/%(year)s/",
                    "padding": 4,
                }
            )
        return sequence

    def action_open_statements(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Statements"),
            "res_model": "chorus.pro.works.statement",
            "view_mode": "list,form",
            "domain": [("contract_id", "=", self.id)],
            "context": {"default_contract_id": self.id},
        }
