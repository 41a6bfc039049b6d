# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What Chorus Pro received is evidence, and whatever leaves Odoo for a deposited invoice
is the deposited document.

* The deposited Factur-X, the flow file and the deposit certificates are never replaced,
  edited or deleted: not by the invoicing user, not by the administrator, not through
  the attachment form the web client saves, not through the ORM; Odoo's legitimate
  writes (storage moves, payments, reset to draft of a rejected invoice) still work.
  The invoice and flow forms show them as downloads.
* After a deposit from the invoice list, the invoice's main attachment and PDF are the
  deposited Factur-X (never the certificate the tracking cron fetches): the preview,
  Print, the download and the portal give it, and an e-mail sent afterwards with Send
  attaches it and nothing else.

Chorus Pro is the project's simulator over real HTTP; the entry points are called as the
web client calls them.
"""

import base64
import json

from lxml import etree

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools import convert_file
from odoo.tools.safe_eval import safe_eval

from .common import ChorusProSimulatorCommon

EVIDENCE = "is the evidence of what Chorus Pro received: it cannot be replaced"
OTHER_PDF = b"%PDF-1.4\n% An unrelated document\n%%EOF\n"


@tagged("post_install", "-at_install")
class TestEvidence(ChorusProSimulatorCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.admin.write({"company_ids": [Command.link(cls.company.id)], "company_id": cls.company.id})
        cls.dept93.email = "factures@seinesaintdenis.fr"

    # ---------------------------------------------------------------- helpers
    def _deposit_from_list(self, moves):
        """Customers > Invoices, select, Actions > Deposit to Chorus Pro, Deposit (one
        flow), in the context the web client gives the wizard."""
        context = self._invoice_list_selection_context(moves)
        wizard_action = self.env.ref("l10n_fr_chorus_pro.action_chorus_pro_deposit_wizard")
        context.update(safe_eval(wizard_action.context or "{}", dict(context, context=context)))

        def deposit(env):
            wizard = env["chorus.pro.deposit.wizard"].create({})
            wizard.batch = True
            wizard.action_deposit()

        _result, error = self._request(deposit, context)
        self.assertIsNone(error)
        self.assertEqual(set(moves.mapped("chorus_state")), {"deposited"})
        self.assertEqual(len(moves.chorus_flow_id), 1)
        return moves.chorus_flow_id

    def _track(self):
        """Chorus Pro processes the flows; the hourly tracking cron fetches the flow
        reports and the deposit certificates."""
        self.sim.advance_flows(to_terminal=True)
        _result, error = self._request(lambda env: env["chorus.pro.connector"]._cron_update(), {})
        self.assertIsNone(error)

    def _evidence(self, moves):
        flow = moves.chorus_flow_id
        return (
            moves.chorus_document_id | flow.attachment_id | moves.chorus_certificate_id | flow.certificate_id
        )

    def _send_by_email(self, move):
        """The invoice's Send button, by e-mail only, then Send: the dialog."""
        action = move.action_send_and_print()
        wizard = self.env[action["res_model"]].with_context(**action["context"]).create({})
        wizard.sending_methods = ["email"]
        return wizard

    def _emails(self, move):
        return move.message_ids.filtered(
            lambda m: m.message_type == "comment" and m.partner_ids == self.dept93
        )

    def _invoice_pdfs(self, move):
        """The attachments holding the invoice's PDF (Odoo's invoice_pdf_report_file)."""
        return self.env["ir.attachment"].search(
            [
                ("res_model", "=", "account.move"),
                ("res_id", "=", move.id),
                ("res_field", "=", "invoice_pdf_report_file"),
            ]
        )

    def _download(self, url):
        response = self.url_open(url, timeout=60)
        self.assertEqual(response.status_code, 200, url)
        return response

    # ---------------------------------------------------------------- evidence
    def test_evidence_is_refused_to_every_user_and_way(self):
        moves = self._d93_invoice() | self._d93_invoice()
        flow = self._deposit_from_list(moves)
        self._track()
        self.assertEqual(flow.state, "done")
        documents = self._evidence(moves)
        # Two deposited Factur-X, the flow file, the certificate on the flow and on each invoice.
        self.assertEqual(len(documents), 6)
        self.assertTrue(all(documents.mapped("chorus_evidence")))
        kept = {doc: (doc.raw, doc.name, doc.res_model, doc.res_id) for doc in documents}
        for document in documents:
            attempts = {
                "replace the file": {"datas": base64.b64encode(OTHER_PDF)},
                "replace the raw content": {"raw": OTHER_PDF},
                "rename": {"name": "facture_corrigee.pdf"},
                "move to another record": {"res_id": document.res_id + 1},
                "move to another model": {"res_model": "res.partner", "res_id": self.dept93.id},
                "turn into a link": {"type": "url", "url": "https://example.com/facture.pdf"},
                "clear the flag": {"chorus_evidence": False},
            }
            for user in (self.invoicing_user, self.admin):
                attachment = document.with_user(user)
                for attempt, vals in attempts.items():
                    with (
                        self.subTest(document=document.name, user=user.login, attempt=attempt),
                        self.assertRaisesRegex(UserError, EVIDENCE),
                    ):
                        attachment.write(vals)
                # The attachment form as the web client saves it: the changed fields.
                with (
                    self.subTest(document=document.name, user=user.login, attempt="form save"),
                    self.assertRaisesRegex(UserError, EVIDENCE),
                ):
                    attachment.web_save(
                        {"datas": base64.b64encode(OTHER_PDF), "name": "autre.pdf"}, {"name": {}, "datas": {}}
                    )
                with (
                    self.subTest(document=document.name, user=user.login, attempt="delete"),
                    self.assertRaisesRegex(UserError, EVIDENCE),
                ):
                    attachment.unlink()
            with self.subTest(document=document.name, attempt="superuser"):
                with self.assertRaisesRegex(UserError, EVIDENCE):
                    document.sudo().write({"raw": OTHER_PDF})
                with self.assertRaisesRegex(UserError, EVIDENCE):
                    document.sudo().unlink()
        # The generic attachment form (Settings > Technical > Attachments), as the
        # administrator: replacing the file and its name is refused on save.
        form = Form(moves[0].chorus_document_id.with_user(self.admin))
        form.name = "autre.pdf"
        form.datas = base64.b64encode(OTHER_PDF)
        with self.assertRaisesRegex(UserError, EVIDENCE):
            form.save()
        # Through the invoice: its PDF is the deposited Factur-X, and cannot be replaced.
        with self.assertRaisesRegex(UserError, EVIDENCE):
            moves[0].with_user(self.invoicing_user).invoice_pdf_report_file = base64.b64encode(OTHER_PDF)
        with self.assertRaisesRegex(UserError, EVIDENCE):
            moves[0].sudo().invoice_pdf_report_file = False
        # Deleting the flow would delete its file (refused: the request is rolled back).
        with self.assertRaisesRegex(UserError, EVIDENCE), self.env.cr.savepoint():
            flow.with_user(self.admin).unlink()
        # Byte for byte as kept, and as Chorus Pro received it.
        self.env.invalidate_all()
        for document, values in kept.items():
            self.assertEqual((document.raw, document.name, document.res_model, document.res_id), values)
        self.assertEqual(flow.attachment_id.raw, self.sim.blobs[f"flow:{flow.name}"])
        for move in moves:
            self.assertEqual(move.chorus_document_id.raw, self.sim.blobs[f"invoice:{move.chorus_identifier}"])

    def test_documents_deposited_before_the_flag_become_evidence_at_update(self):
        moves = self._d93_invoice()
        self._deposit_from_list(moves)
        self._track()
        documents = self._evidence(moves)
        # As an earlier version of the module left them: not flagged.
        self.env.cr.execute(
            "UPDATE ir_attachment SET chorus_evidence = FALSE WHERE id IN %s", (tuple(documents.ids),)
        )
        documents.invalidate_recordset(["chorus_evidence"])
        self.assertFalse(any(documents.mapped("chorus_evidence")))
        # What the module update runs (data/chorus_pro_evidence.xml).
        convert_file(
            self.env, "l10n_fr_chorus_pro", "data/chorus_pro_evidence.xml", {}, mode="update", noupdate=False
        )
        self.assertTrue(all(documents.mapped("chorus_evidence")))
        with self.assertRaisesRegex(UserError, EVIDENCE):
            moves.chorus_document_id.with_user(self.admin).unlink()

    def test_legitimate_writes_still_work(self):
        move = self._d93_invoice()
        self._deposit_from_list(move)
        self._track()
        document, certificate = move.chorus_document_id, move.chorus_certificate_id
        self.assertTrue(certificate)
        content = document.raw
        # Any other attachment of the deposited invoice is the user's to change.
        note = (
            self.env["ir.attachment"]
            .with_user(self.invoicing_user)
            .create({"name": "note.txt", "raw": b"Relance", "res_model": "account.move", "res_id": move.id})
        )
        note.write({"name": "relance.txt", "raw": b"Relance du 3 novembre"})
        self.assertEqual(note.raw, b"Relance du 3 novembre")
        note.unlink()
        self.assertFalse(note.exists())
        # Odoo moving the files to another storage writes the same content again;
        # sharing gives an access token.
        (document | certificate | move.chorus_flow_id.attachment_id)._migrate()
        document.generate_access_token()
        self.assertEqual(document.raw, content)
        # The deposited invoice is paid as usual.
        self._register_payment(move)
        self.assertIn(move.payment_state, ("paid", "in_payment"))
        self.assertEqual(move.chorus_document_id.raw, content)

    def test_rejected_invoice_reset_to_draft_keeps_its_deposited_document(self):
        move = self._d93_invoice()
        self._deposit_from_list(move)
        self._track()
        document = move.chorus_document_id
        name, content = document.name, document.raw
        self.sim.set_invoice_status(int(move.chorus_identifier), "REJETEE", comment="EJ inconnu")
        move.action_chorus_update()
        self.assertEqual(move.chorus_status, "REJETEE")
        move.button_draft()
        self.assertEqual(move.state, "draft")
        # Kept, unchanged (Odoo renames the files it detaches), no longer the invoice's PDF.
        self.assertEqual(move.chorus_document_id, document)
        self.assertEqual((document.name, document.raw, document.res_id), (name, content, move.id))
        self.assertFalse(move.invoice_pdf_report_id)
        with self.assertRaisesRegex(UserError, EVIDENCE):
            document.unlink()

    def test_pdf_mode_documents_are_evidence(self):
        move = self._d93_invoice(chorus_deposit_mode="pdf_api")
        flow = self._deposit_from_list(move)
        for document in (move.chorus_document_id, flow.attachment_id):
            self.assertTrue(document.chorus_evidence)
            self.assertEqual(document.raw, self.sim.blobs[f"invoice:{move.chorus_identifier}"])
            self.assertEqual(
                (document.res_model, document.res_id),
                (move._name, move.id) if document == move.chorus_document_id else (flow._name, flow.id),
            )
            with self.assertRaisesRegex(UserError, EVIDENCE):
                document.with_user(self.invoicing_user).write({"raw": OTHER_PDF})
        self.assertEqual(move.message_main_attachment_id, move.chorus_document_id)
        self.assertEqual(move.invoice_pdf_report_id, move.chorus_document_id)

    def test_forms_download_the_documents(self):
        """The Chorus Pro tab of the invoice and the flow form show the documents as
        download links, never as links to the attachment form."""
        move = self._d93_invoice()
        flow = self._deposit_from_list(move)
        self._track()
        for model, fields in (
            (
                "account.move",
                {
                    "chorus_document_file": "chorus_document_filename",
                    "chorus_certificate_file": "chorus_certificate_filename",
                },
            ),
            (
                "chorus.pro.flow",
                {"attachment_file": "attachment_filename", "certificate_file": "certificate_filename"},
            ),
        ):
            arch = etree.fromstring(self.env[model].get_view(view_type="form")["arch"])
            for fname, filename in fields.items():
                [node] = arch.xpath(f"//field[@name='{fname}']")
                self.assertEqual(node.get("filename"), filename)
                self.assertEqual(self.env[model]._fields[fname].type, "binary")
            for m2o in ("chorus_document_id", "chorus_certificate_id", "attachment_id", "certificate_id"):
                self.assertFalse(arch.xpath(f"//field[@name='{m2o}']"), f"{model}: {m2o}")
        # What the binary field's download link asks for, as the invoicing user.
        self.authenticate(self.invoicing_user.login, self.invoicing_user.login)
        for record, fname, filename, document in (
            (move, "chorus_document_file", "chorus_document_filename", move.chorus_document_id),
            (move, "chorus_certificate_file", "chorus_certificate_filename", move.chorus_certificate_id),
            (flow, "attachment_file", "attachment_filename", flow.attachment_id),
            (flow, "certificate_file", "certificate_filename", flow.certificate_id),
        ):
            with self.subTest(field=fname):
                response = self._download(
                    f"/web/content?model={record._name}&id={record.id}&field={fname}"
                    f"&filename_field={filename}&download=true"
                )
                self.assertEqual(response.content, document.raw)
                disposition = response.headers["Content-Disposition"]
                self.assertTrue(disposition.startswith("attachment;"), disposition)
                self.assertIn(document.name, disposition)
        # Export Factur-X on a deposited invoice downloads what Chorus Pro received.
        action = move.action_chorus_export_facturx()
        self.assertEqual(action["url"], f"/web/content/{move.chorus_document_id.id}?download=true")

    # ---------------------------------------------------------------- what leaves Odoo
    def test_batch_deposit_makes_the_deposited_factur_x_the_invoice_document(self):
        first, second = self._d93_invoice(), self._d93_invoice()
        # The first one was e-mailed before its deposit: Odoo drew its own PDF then.
        self._send_by_email(first).action_send_and_print()
        odoo_pdf = first.invoice_pdf_report_id
        self.assertTrue(odoo_pdf)
        moves = first | second
        self._deposit_from_list(moves)
        for move in moves:
            document = move.chorus_document_id
            self.assertEqual(move.message_main_attachment_id, document)
            self.assertEqual(move.invoice_pdf_report_id, document)
            self.assertEqual(self._invoice_pdfs(move), document)
        # Odoo's earlier PDF stays attached, as it was.
        self.assertTrue(odoo_pdf.exists())
        self.assertEqual(
            (odoo_pdf.res_model, odoo_pdf.res_id, odoo_pdf.res_field), ("account.move", first.id, False)
        )
        # The tracking cron attaches the certificates: still not the main attachment,
        # even when the attachment viewer asks for it.
        self._track()
        for move in moves:
            document, certificate = move.chorus_document_id, move.chorus_certificate_id
            self.assertTrue(certificate)
            self.assertEqual(move.message_main_attachment_id, document)
            certificate.with_user(self.invoicing_user).register_as_main_attachment()
            self.assertEqual(move.message_main_attachment_id, document)
            self.assertEqual(move.invoice_pdf_report_id, document)
            self.assertIn(document, move._get_mail_thread_data_attachments())
        # Print (the form's button, the Print menu), the download and the portal give it.
        move = first
        document = move.chorus_document_id
        self.authenticate(self.invoicing_user.login, self.invoicing_user.login)
        context = json.dumps({"lang": "en_US", "force_report_rendering": True})
        print_action = move.with_user(self.invoicing_user).action_print_pdf()
        for report_name in {
            print_action["report_name"],
            "account.report_invoice_with_payments",
            "l10n_fr_chorus_pro.report_chorus_invoice",
        }:
            with self.subTest(report=report_name):
                response = self._download(f"/report/pdf/{report_name}/{move.id}?context={context}")
                self.assertEqual(response.content, document.raw)
        response = self._download(f"/account/download_invoice_documents/{move.id}/pdf")
        self.assertEqual(response.content, document.raw)
        self.logout()
        move._portal_ensure_token()
        response = self._download(
            f"/my/invoices/{move.id}?report_type=pdf&download=true&access_token={move.access_token}"
        )
        self.assertEqual(response.content, document.raw)

    def test_email_after_a_deposit_attaches_only_the_deposited_factur_x(self):
        move = self._d93_invoice()
        self._deposit_from_list(move)
        document = move.chorus_document_id
        wizard = self._send_by_email(move)
        # The dialog shows the deposited Factur-X, no PDF to draw.
        self.assertEqual([item["id"] for item in wizard.mail_attachments_widget], [document.id])
        self.assertFalse(wizard.invoice_edi_format)
        wizard.action_send_and_print()
        mail = self._emails(move)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.attachment_ids.mapped("raw"), [document.raw])
        self.assertEqual(mail.attachment_ids.mapped("name"), [document.name])
        # Nothing else was drawn or attached to the invoice.
        self.assertEqual(self._invoice_pdfs(move), document)
        self.assertEqual(move.invoice_pdf_report_id, document)
        self.assertFalse(move.ubl_cii_xml_id)
