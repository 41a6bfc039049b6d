# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Whatever leaves Odoo for a deposited invoice is the deposited document.

The deposited Factur-X (or PDF, in the degraded mode) is kept as the invoice's PDF
(Odoo's ``invoice_pdf_report_file``) and its main attachment: Odoo's preview, the portal
download, Print and an e-mail sent with Send all give that file, and Odoo never draws
another one for the invoice. The deposit certificate is never the main attachment. The
documents are evidence (see ``ir_attachment.py``): shown as downloads, never as forms.
"""

from odoo import fields, models

INVOICE_PDF_FIELD = "invoice_pdf_report_file"


class AccountMoveEvidence(models.Model):
    _inherit = "account.move"

    chorus_document_file = fields.Binary(
        related="chorus_document_id.datas", string="Deposited Factur-X File")
    chorus_document_filename = fields.Char(
        related="chorus_document_id.name", string="Deposited Factur-X File Name")
    chorus_certificate_file = fields.Binary(
        related="chorus_certificate_id.datas", string="Deposit Certificate File")
    chorus_certificate_filename = fields.Char(
        related="chorus_certificate_id.name", string="Deposit Certificate File Name")

    def _chorus_detach_invoice_pdf(self, evidence_only=False):
        """The attachments holding the invoices' PDF stop holding it; they stay attached
        to the invoices, unchanged."""
        domain = [
            ("res_model", "=", self._name),
            ("res_id", "in", self.ids),
            ("res_field", "=", INVOICE_PDF_FIELD),
        ]
        if evidence_only:
            domain.append(("chorus_evidence", "=", True))
        attachments = self.env["ir.attachment"].sudo().search(domain)
        if attachments:
            attachments.res_field = False
            self.invalidate_recordset(["invoice_pdf_report_id", INVOICE_PDF_FIELD])

    def _detach_attachments(self):
        # Reset to draft (an invoice Chorus Pro rejected): its deposited document is no
        # longer its PDF, and keeps its name (Odoo renames the files it detaches).
        self._chorus_detach_invoice_pdf(evidence_only=True)
        return super()._detach_attachments()

    def _message_set_main_attachment_id(self, attachments, force=False, filter_xml=True):
        # The main attachment of a deposited invoice stays the deposited document (the
        # attachment viewer asks for the newest PDF when there is none, or when the user
        # browses); a deposit certificate never becomes it.
        if self.chorus_document_id:
            return
        attachments = attachments.filtered(lambda attachment: not attachment.chorus_evidence)
        super()._message_set_main_attachment_id(attachments, force=force, filter_xml=filter_xml)
