# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import clean_context

# Chorus Pro limits on attachments (pièces jointes), from the pure API client.
from ..lib.chorus_client import (
    ALLOWED_ATTACHMENT_EXTENSIONS,
    MAX_ATTACHMENT_NAME,
    MAX_ATTACHMENT_SIZE,
)

# Chorus Pro "cadre de facturation" (BT-23) a supplier uses outside works contracts.
BILLING_FRAMES = [
    ("A1", "A1 - Supplier invoice"),
    ("A2", "A2 - Invoice already paid"),
    ("A9", "A9 - Subcontractor invoice"),
    ("A12", "A12 - Co-contractor invoice"),
]

# Invoice processing statuses of Chorus Pro ("statutCourantCode") a supplier meets.
INVOICE_STATUSES = [
    ("DEPOSEE", "Deposited"),
    ("EN_COURS_ACHEMINEMENT", "Being routed"),
    ("MISE_A_DISPOSITION", "Made available to the recipient"),
    ("PRISE_EN_COMPTE_DESTINATAIRE", "Acknowledged by the recipient"),
    ("A_RECYCLER", "To recycle (wrong routing data)"),
    ("SUSPENDUE", "Suspended (documents missing)"),
    ("COMPLETEE", "Completed"),
    ("REJETEE", "Rejected"),
    ("SERVICE_FAIT", "Service certified"),
    ("MANDATEE", "Payment ordered"),
    ("MISE_A_DISPOSITION_COMPTABLE", "Sent to the public accountant"),
    ("COMPTABILISEE", "Recorded by the public accountant"),
    ("MISE_EN_PAIEMENT", "Paid"),
    ("ABANDONNEE", "Abandoned"),
    ("SUPPRIMEE", "Deleted"),
]

CHORUS_REFERENCE_MAX_LENGTH = 50

# Where the invoice stands in the module's deposit process.
CHORUS_STATES = [
    ("sending", "Sending"),
    ("unconfirmed", "Deposit unconfirmed"),
    ("deposited", "Deposited"),
    ("to_fix", "To fix"),
    ("paid", "Paid"),
]


class AccountMove(models.Model):
    _inherit = "account.move"

    chorus_is_recipient = fields.Boolean(
        related="commercial_partner_id.chorus_recipient", string="Chorus Pro Recipient"
    )
    chorus_service_id = fields.Many2one(
        "chorus.pro.service",
        compute="_compute_chorus_service_id",
        store=True,
        readonly=False,
        index="btree_not_null",
        copy=True,
        domain="[('partner_id', '=', commercial_partner_id)]",
        tracking=True,
        help="Service of the public recipient the invoice is addressed to. Its code is "
        "the invoice's 'Code de Service' (BT-10).",
    )
    # Odoo core's Chorus Pro fields (l10n_fr_facturx_chorus_pro): the service code is
    # kept equal to the chosen service.
    buyer_reference = fields.Char(
        compute="_compute_buyer_reference",
        inverse="_inverse_buyer_reference",
        store=True,
        readonly=False,
    )
    chorus_billing_frame = fields.Selection(
        BILLING_FRAMES,
        string="Billing Frame",
        default="A1",
        help="Chorus Pro 'cadre de facturation' (BT-23): A1 for a usual supplier "
        "invoice, A2 when it is already paid, A9 for a subcontractor, A12 for a "
        "co-contractor.",
    )
    chorus_beneficiary_ids = fields.One2many(
        "chorus.pro.beneficiary",
        "move_id",
        string="Beneficiaries",
        help="Children or young people concerned and the date or period of the "
        "service (Département de la Seine-Saint-Denis child-welfare invoices).",
    )
    chorus_status = fields.Selection(
        INVOICE_STATUSES,
        string="Chorus Pro Status",
        readonly=True,
        copy=False,
        tracking=True,
        index="btree_not_null",
    )
    chorus_status_date = fields.Datetime(readonly=True, copy=False)
    chorus_identifier = fields.Char(
        string="Chorus Invoice ID",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Identifier of the invoice in Chorus Pro (identifiantFactureCPP).",
    )
    chorus_flow_id = fields.Many2one(
        "chorus.pro.flow", readonly=True, copy=False, index="btree_not_null"
    )
    chorus_state = fields.Selection(
        CHORUS_STATES,
        string="Chorus Pro Deposit",
        readonly=True,
        copy=False,
        tracking=True,
        index="btree_not_null",
    )
    chorus_attachment_ids = fields.Many2many(
        "ir.attachment",
        "account_move_chorus_attachment_rel",
        "move_id",
        "attachment_id",
        string="Supporting Documents",
        copy=False,
        help="Sent with the invoice to Chorus Pro, inside the Factur-X PDF (arrêté, prise en "
        "charge, décompte...). Names of at most 50 characters, allowed extensions, 10 MB each.",
    )
    chorus_certificate_id = fields.Many2one(
        "ir.attachment", string="Deposit Certificate", readonly=True, copy=False
    )
    chorus_document_id = fields.Many2one(
        "ir.attachment",
        string="Deposited Factur-X",
        readonly=True,
        copy=False,
        help="The Factur-X PDF/A-3 exactly as it was sent to Chorus Pro.",
    )

    def _chorus_write(self, vals):
        """Write Chorus Pro tracking fields. They touch no journal item, so Odoo's
        invoice-line synchronisation (the costly part of a write on a posted invoice)
        is skipped."""
        return self.with_context(skip_invoice_sync=True).write(vals)

    def _post(self, soft=True):
        """Invoices to Chorus Pro recipients are checked before posting: the company
        chooses to block (every missing mention listed) or to warn in the chatter."""
        checklist = self.env["chorus.pro.checklist"]
        warnings = {}
        for move in self.filtered(
            lambda m: m.move_type in ("out_invoice", "out_refund") and m.chorus_is_recipient
        ):
            failed = checklist._failed(move, with_facturx=False)
            if not failed:
                continue
            text = "\n".join(f"• {item['label']}: {item['message']}" for item in failed)
            if move.company_id.chorus_post_check == "warn":
                warnings[move] = text
                continue
            raise UserError(
                self.env._(
                    "%(move)s cannot be posted: Chorus Pro and %(partner)s require\n%(problems)s",
                    move=move.display_name,
                    partner=move.commercial_partner_id.display_name,
                    problems=text,
                )
            )
        posted = super()._post(soft=soft)
        for move, text in warnings.items():
            move.message_post(
                body=self.env._("Posted with missing Chorus Pro mentions:\n%(problems)s", problems=text)
            )
        return posted

    def _chorus_attachment_problems(self):
        """Readable problems of the supporting documents with Chorus Pro's limits."""
        problems = []
        for attachment in self.chorus_attachment_ids:
            name = attachment.name or ""
            extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            if len(name) > MAX_ATTACHMENT_NAME:
                problems.append(self.env._(
                    "Document '%(name)s': Chorus Pro accepts names of at most %(max)s "
                    "characters (extension included). Rename it.", name=name, max=MAX_ATTACHMENT_NAME))
            if extension not in {ext.lower() for ext in ALLOWED_ATTACHMENT_EXTENSIONS}:
                problems.append(self.env._(
                    "Document '%(name)s': Chorus Pro does not accept this file type. Send it "
                    "as PDF, an image or an office document.", name=name))
            if (attachment.file_size or 0) > MAX_ATTACHMENT_SIZE:
                problems.append(self.env._(
                    "Document '%(name)s' is larger than 10 MB, Chorus Pro's limit.", name=name))
        return problems

    def _chorus_attachments_payload(self):
        """Supporting documents to embed in the Factur-X PDF (factur-x format)."""
        self.ensure_one()
        problems = self._chorus_attachment_problems()
        if problems:
            raise UserError("\n".join(problems))
        return {
            attachment.name: {"filedata": attachment.raw, "description": attachment.name}
            for attachment in self.chorus_attachment_ids
        }

    def action_chorus_deposit(self):
        """Open the deposit wizard with its mandatory-mentions checklist."""
        # The invoice form's context (default_move_type...) is not the wizard's.
        wizards = self.env["chorus.pro.deposit.wizard"].with_context(clean_context(self.env.context))
        wizard = wizards.create({"move_ids": [Command.set(self.ids)]})
        return wizard._reopen()

    def action_chorus_update(self):
        """Read the flow and status of these invoices from Chorus Pro now."""
        connector = self.env["chorus.pro.connector"]
        connector._update_flows(self.chorus_flow_id)
        for company in self.company_id:
            connector._sync_invoice_statuses(company)
        return True

    def action_chorus_complete(self):
        self.ensure_one()
        return self._chorus_open_wizard("chorus.pro.complete.wizard", self.env._("Complete on Chorus Pro"))

    def action_chorus_recycle(self):
        self.ensure_one()
        return self._chorus_open_wizard("chorus.pro.recycle.wizard", self.env._("Correct the routing"))

    def _chorus_open_wizard(self, model, name):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id},
        }

    def action_chorus_export_facturx(self):
        """Download the validated Factur-X PDF/A-3 of the invoice."""
        self.ensure_one()
        if self.state != "posted" or self.move_type not in ("out_invoice", "out_refund"):
            raise UserError(
                self.env._("Only a posted customer invoice or credit note has a Factur-X.")
            )
        engine = self.env["chorus.pro.facturx"]
        result = engine._build_facturx(self)
        attachment = self.env["ir.attachment"].create(
            {
                "name": engine._facturx_filename(self),
                "raw": result["pdf"],
                "mimetype": "application/pdf",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "download",
        }

    @api.depends("commercial_partner_id")
    def _compute_chorus_service_id(self):
        for move in self:
            if move.chorus_service_id.partner_id != move.commercial_partner_id:
                move.chorus_service_id = False

    @api.depends("chorus_service_id")
    def _compute_buyer_reference(self):
        for move in self:
            if move.chorus_service_id:
                move.buyer_reference = move.chorus_service_id.code
            elif move.chorus_is_recipient:
                move.buyer_reference = False
            else:
                move.buyer_reference = move.buyer_reference

    def _inverse_buyer_reference(self):
        """A service code typed or imported in buyer_reference selects that service."""
        for move in self.filtered("chorus_is_recipient"):
            code = (move.buyer_reference or "").strip()
            if code == (move.chorus_service_id.code or ""):
                continue
            move.chorus_service_id = self.env["chorus.pro.service"].search(
                [("partner_id", "=", move.commercial_partner_id.id), ("code", "=", code)],
                limit=1,
            ) if code else False

    @api.constrains("purchase_order_reference", "contract_reference", "partner_id")
    def _check_chorus_reference_length(self):
        labels = {
            "purchase_order_reference": self.env._("engagement number (EJ)"),
            "contract_reference": self.env._("public market number"),
        }
        for move in self.filtered("chorus_is_recipient"):
            for fname, label in labels.items():
                value = move[fname] or ""
                if len(value) > CHORUS_REFERENCE_MAX_LENGTH:
                    raise ValidationError(
                        self.env._(
                            "The %(label)s of %(move)s has %(length)s characters; Chorus "
                            "Pro accepts at most %(max)s.",
                            label=label,
                            move=move.display_name,
                            length=len(value),
                            max=CHORUS_REFERENCE_MAX_LENGTH,
                        )
                    )

    @api.constrains("chorus_service_id", "partner_id")
    def _check_chorus_service(self):
        for move in self.filtered("chorus_service_id"):
            service = move.chorus_service_id
            if service.partner_id != move.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "The Chorus Pro service %(service)s belongs to %(owner)s, not to "
                        "the invoiced customer %(customer)s.",
                        service=service.display_name,
                        owner=service.partner_id.display_name,
                        customer=move.commercial_partner_id.display_name,
                    )
                )
            if not service.active:
                raise ValidationError(
                    self.env._(
                        "The Chorus Pro service %(service)s is archived (closed in the "
                        "Chorus Pro directory): choose an active service.",
                        service=service.display_name,
                    )
                )
