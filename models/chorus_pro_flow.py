# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

from ..lib.chorus.statuses import FLOW_STATUSES, FLOW_TERMINAL_STATUSES


class ChorusProFlow(models.Model):
    """One deposit ("flux") made on Chorus Pro: one file holding one or several invoices."""

    _name = "chorus.pro.flow"
    _description = "Chorus Pro Flow"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Flow Number",
        readonly=True,
        copy=False,
        index=True,
        help="Deposit number given by Chorus Pro (numeroFluxDepot).",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    date = fields.Datetime(string="Deposit Date", readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Deposited by",
        readonly=True,
        index="btree_not_null",
        help="The user who deposited the flow (also when a background deposit or Odoo's "
        "sending cron sent it for them): the activities of its rejections are theirs, "
        "unless the company has a Chorus Pro responsible.",
    )
    syntax = fields.Char(string="Flow Syntax", readonly=True, default="IN_DP_E2_CII_FACTURX")
    state = fields.Selection(
        [
            ("sending", "Sending"),
            ("unconfirmed", "Unconfirmed"),
            ("sent", "Sent"),
            ("done", "Processed"),
            ("failed", "Not received"),
            ("attention", "Needs attention"),
        ],
        default="sending",
        readonly=True,
        index=True,
        tracking=True,
        help="Unconfirmed: Chorus Pro did not answer the deposit; the invoices are searched "
        "on Chorus Pro before anything is sent again. Needs attention: Chorus Pro reported a "
        "status the module does not know, or did not list every invoice of an integrated "
        "flow, for longer than the allowed time: check the flow on the Chorus Pro portal.",
    )
    status = fields.Selection(FLOW_STATUSES, string="Flow Status", readonly=True, tracking=True, index=True)
    status_date = fields.Datetime(readonly=True)
    status_raw = fields.Char(
        string="Chorus Pro Status Code",
        readonly=True,
        help="The flow status exactly as Chorus Pro reported it (etatCourantDepotFlux), "
        "including the codes the module does not know.",
    )
    waiting_since = fields.Datetime(
        readonly=True,
        copy=False,
        help="Since when the flow has been waiting for something the module cannot decide "
        "on its own (an unknown status, invoices missing from the identifiers): after the "
        "allowed time it needs attention.",
    )
    certificate_id = fields.Many2one("ir.attachment", string="Deposit Certificate", readonly=True, copy=False)
    certificate_pending = fields.Boolean(
        readonly=True,
        copy=False,
        index=True,
        help="Chorus Pro did not give the deposit certificate yet: it is asked for again on "
        "the next updates (a bounded number of times). The invoices do not wait for it.",
    )
    certificate_attempts = fields.Integer(readonly=True, copy=False)
    move_ids = fields.One2many("account.move", "chorus_flow_id", string="Invoices", readonly=True)
    move_count = fields.Integer(compute="_compute_move_count", string="Invoice Count")
    attachment_id = fields.Many2one("ir.attachment", string="Sent File", readonly=True)
    # The flow's documents are evidence (see ir_attachment.py): downloaded, never opened
    # in the attachment form.
    attachment_file = fields.Binary(related="attachment_id.datas", string="Sent File Content")
    attachment_filename = fields.Char(related="attachment_id.name", string="Sent File Name")
    certificate_file = fields.Binary(related="certificate_id.datas", string="Deposit Certificate File")
    certificate_filename = fields.Char(related="certificate_id.name", string="Deposit Certificate File Name")
    error_message = fields.Text(string="Errors", readonly=True)

    @api.depends("move_ids")
    def _compute_move_count(self):
        for flow in self:
            flow.move_count = len(flow.move_ids)

    def action_chorus_update(self):
        self.env["chorus.pro.connector"]._update_flows(self)
        return True

    def _is_terminal(self):
        self.ensure_one()
        return self.status in FLOW_TERMINAL_STATUSES
