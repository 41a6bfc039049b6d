# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What Chorus Pro received and gave back is evidence: the deposited Factur-X (or PDF),
the flow file and the deposit certificate are never replaced, edited or deleted, by
anyone (the administrator and the superuser included), through the interface or the ORM.

The module flags them when it creates them (``chorus_evidence``): the check on a write
is a field read of the written records (by primary key), made only when the write
touches what they are. Odoo's own storage moves (``force_storage``) write the same
content again, which is allowed; ``res_field`` stays free, so that a deposited document
can stop being the invoice's PDF (re-deposit of an invoice, reset to draft) without
changing."""

import base64
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

# What makes the file what it is: its content, its name, where it belongs.
EVIDENCE_FIELDS = frozenset(
    {
        "datas",
        "raw",
        "db_datas",
        "store_fname",
        "name",
        "res_model",
        "res_id",
        "type",
        "url",
        "mimetype",
        "chorus_evidence",
    }
)


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    chorus_evidence = fields.Boolean(
        string="Chorus Pro Evidence",
        readonly=True,
        copy=False,
        help="What Chorus Pro received (the deposited invoice, the flow file) or gave back "
        "(the deposit certificate): kept exactly as it is, never changed or deleted.",
    )

    @api.model
    def _chorus_flag_existing_evidence(self):
        """Flag the documents deposited or received before the flag existed (a database
        where an earlier version of the module deposited invoices). Called at every
        install and update (data/chorus_pro_evidence.xml); a no-op once flagged."""
        self.env.cr.execute("""
            UPDATE ir_attachment SET chorus_evidence = TRUE
             WHERE chorus_evidence IS NOT TRUE AND id IN (
                   SELECT chorus_document_id FROM account_move WHERE chorus_document_id IS NOT NULL
                   UNION SELECT chorus_certificate_id FROM account_move
                          WHERE chorus_certificate_id IS NOT NULL
                   UNION SELECT certificate_id FROM chorus_pro_flow WHERE certificate_id IS NOT NULL
                   UNION SELECT attachment_id FROM chorus_pro_flow WHERE attachment_id IS NOT NULL)
        """)
        if self.env.cr.rowcount:
            _logger.info("Chorus Pro: %s deposited documents flagged as evidence", self.env.cr.rowcount)
        self.invalidate_model(["chorus_evidence"])

    def _chorus_evidence_error(self):
        self.ensure_one()
        return UserError(
            self.env._(
                "%(name)s is the evidence of what Chorus Pro received: it cannot be replaced, "
                "changed or deleted, not even by an administrator. To correct a deposited "
                "invoice, issue a credit note and a new invoice.",
                name=self.name,
            )
        )

    def _chorus_changes_evidence(self, vals):
        """Whether writing ``vals`` changes this evidence (``self``, one record)."""
        for fname in EVIDENCE_FIELDS.intersection(vals):
            value = vals[fname]
            if fname in ("datas", "raw", "db_datas"):
                content = value or b""
                if isinstance(content, str):
                    content = content.encode()
                if fname == "datas":
                    content = base64.b64decode(content)
                if self._compute_checksum(content) != self.checksum:
                    return True
            elif fname == "store_fname":
                if value != self.store_fname:
                    return True
            else:
                field = self._fields[fname]
                if field.convert_to_cache(value, self) != field.convert_to_cache(self[fname], self):
                    return True
        return False

    def write(self, vals):
        if EVIDENCE_FIELDS.intersection(vals):
            for attachment in self.sudo().filtered("chorus_evidence"):
                if attachment._chorus_changes_evidence(vals):
                    raise attachment._chorus_evidence_error()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_chorus_evidence(self):
        evidence = self.sudo().filtered("chorus_evidence")
        if evidence:
            raise evidence[0]._chorus_evidence_error()
