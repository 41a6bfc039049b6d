# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Chorus Pro deposit: checks, search before sending, flows, never twice (see
``chorus_pro_connector.py``)."""

import io
import logging
import tarfile

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount, format_date

from ..lib import chorus as cc
from ..lib import chorus_match, chorus_submission
from .account_move import INVOICE_PDF_FIELD

_logger = logging.getLogger(__name__)


class ChorusProConnectorDeposit(models.AbstractModel):
    _inherit = "chorus.pro.connector"

    @api.model
    def _lock_moves(self, moves):
        try:
            # In its own savepoint: a refusal leaves the transaction usable (the
            # background job records it and goes on). An expected refusal, not a "bad
            # query" to log as an error.
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM account_move WHERE id IN %s FOR UPDATE NOWAIT",
                        tuple(moves.ids),
                    ),
                    log_exceptions=False,
                )
        except Exception as error:  # psycopg2 LockNotAvailable
            raise UserError(
                self.env._(
                    "These invoices are being deposited on Chorus Pro by someone else right "
                    "now. Wait a moment and refresh."
                )
            ) from error
        moves.invalidate_recordset(["chorus_state", "chorus_flow_id"])

    @api.model
    def _check_depositable(self, moves):
        problems = []
        for move in moves:
            if move.state != "posted" or move.move_type not in ("out_invoice", "out_refund"):
                problems.append(
                    self.env._("%(move)s is not a posted customer invoice.", move=move.display_name)
                )
            elif not move.chorus_is_recipient:
                problems.append(
                    self.env._(
                        "%(partner)s is not a Chorus Pro recipient.",
                        partner=move.commercial_partner_id.display_name,
                    )
                )
            elif move.chorus_state in ("sending", "unconfirmed", "deposited", "paid"):
                problems.append(
                    self.env._(
                        "%(move)s is already on Chorus Pro (%(state)s): it is never sent twice.",
                        move=move.display_name,
                        state=dict(move._fields["chorus_state"]._description_selection(self.env))[
                            move.chorus_state
                        ],
                    )
                )
            else:
                # A rejected invoice (or the credit note cancelling it) is never
                # deposited again, and one going through Odoo's approved platform is
                # never deposited as well, whatever path leads here (wizard, Send,
                # background job).
                checklist = self.env["chorus.pro.checklist"]
                for item in (checklist._check_not_rejected(move), checklist._check_channel(move)):
                    if not item["ok"]:
                        problems.append(item["message"])
        if len(moves.company_id) > 1:
            problems.append(self.env._("Deposit the invoices of one company at a time."))
        if problems:
            raise UserError("\n".join(problems))

    @api.model
    def _find_on_chorus(self, client, moves):
        """Search Chorus Pro for the numbers of ``moves`` (one company's): ``(found,
        taken)``.

        ``found`` ``{move: item}``: the invoices Chorus Pro already has (not rejected),
        the same number with the same data (:meth:`_chorus_differences`), to link.
        ``taken`` ``{move: (item, differences)}``: the numbers Chorus Pro holds for
        another invoice of the company (deposited by hand on the portal, or from another
        database), never to link nor to send. An invoice of another supplier structure
        of the technical account is neither: numbers are unique per supplier."""
        names = set(moves.mapped("name"))
        if len(moves) == 1:
            items = client.search_invoices(numeroFacture=moves.name)
        else:
            since = min(moves.mapped("invoice_date"))
            items = client.search_invoices(periodeDateHeureEtatCourantDu=since.isoformat())
        supplier = cc.normalize_siret(moves.company_id.company_registry)
        by_number = {}
        for item in items:
            if item.get("numeroFacture") not in names or item.get("statut") == "REJETEE":
                continue
            if item.get("codeFournisseur") and cc.normalize_siret(item["codeFournisseur"]) != supplier:
                continue
            by_number.setdefault(item["numeroFacture"], []).append(item)
        found, taken = {}, {}
        for move in moves.filtered(lambda m: m.name in by_number):
            compared = [(item, self._chorus_differences(move, item)) for item in by_number[move.name]]
            same = [item for item, differences in compared if not differences]
            if same:
                found[move] = same[0]
            else:
                taken[move] = compared[0]
        return found, taken

    @api.model
    def _chorus_differences(self, move, item):
        """How the invoice Chorus Pro holds under the number of ``move`` (``item``, a
        search result) differs from ``move``: recipient, amounts, currency, date, EJ,
        type. Empty when it is this invoice."""
        expected = {
            chorus_match.RECIPIENT: move.commercial_partner_id.company_registry or "",
            chorus_match.AMOUNT_UNTAXED: move.amount_untaxed,
            chorus_match.AMOUNT_TOTAL: move.amount_total,
            chorus_match.CURRENCY: move.currency_id.name,
            chorus_match.DATE: move.invoice_date,
            chorus_match.ENGAGEMENT: move.purchase_order_reference or "",
            "credit_note": move.move_type == "out_refund",
        }
        return chorus_match.invoice_differences(expected, item, rounding=move.currency_id.rounding)

    @api.model
    def _describe_differences(self, move, item, differences):
        """The ``differences`` of :meth:`_chorus_differences`, in the user's language."""
        labels = {
            chorus_match.RECIPIENT: self.env._("recipient"),
            chorus_match.AMOUNT_UNTAXED: self.env._("untaxed amount"),
            chorus_match.AMOUNT_TOTAL: self.env._("total"),
            chorus_match.CURRENCY: self.env._("currency"),
            chorus_match.DATE: self.env._("invoice date"),
            chorus_match.ENGAGEMENT: self.env._("engagement number (EJ)"),
            chorus_match.TYPE: self.env._("type"),
        }

        def show(field, value, name):
            if field == chorus_match.RECIPIENT:
                return f"{value} ({name})" if name else value
            if field in (chorus_match.AMOUNT_UNTAXED, chorus_match.AMOUNT_TOTAL):
                try:
                    return format_amount(self.env, float(value), move.currency_id)
                except (TypeError, ValueError):
                    return str(value)
            if field == chorus_match.DATE and value and not isinstance(value, str):
                return format_date(self.env, value)
            if field == chorus_match.TYPE:
                return self.env._("credit note") if value else self.env._("invoice")
            return value or self.env._("none")

        return "; ".join(
            self.env._(
                "%(what)s %(chorus)s on Chorus Pro, %(odoo)s on this invoice",
                what=labels[field],
                chorus=show(field, found, item.get("designationDestinataire")),
                odoo=show(field, expected, move.commercial_partner_id.name),
            )
            for field, expected, found in differences
        )

    @api.model
    def _number_taken_message(self, move, item, differences):
        """What to tell the user when Chorus Pro holds the number of ``move`` for
        another invoice: what differs, and what to do."""
        statuses = dict(move._fields["chorus_status"]._description_selection(self.env))
        status = item.get("statut")
        return self.env._(
            "The number %(number)s is already used on Chorus Pro by another invoice (Chorus "
            "Pro id %(id)s, %(status)s): %(differences)s. %(move)s was neither deposited nor "
            "linked to it. If that invoice is this one, deposited by hand on the Chorus Pro "
            "portal, it is already on Chorus Pro: do not deposit it again from Odoo (correct "
            "it on the portal if needed) and mark this activity as done. Otherwise this "
            "invoice needs another number: reset it to draft and change its number, or "
            "cancel it with a credit note and issue a new invoice; then deposit it.",
            number=move.name,
            id=item.get("identifiantFactureCPP") or "-",
            status=statuses.get(status, status) or "-",
            differences=self._describe_differences(move, item, differences),
            move=move.display_name,
        )

    @api.model
    def _mark_number_taken(self, move, item, differences):
        """Chorus Pro holds the number of ``move`` for another invoice: nothing linked,
        nothing deposited; the invoice is to fix (the *Chorus Pro: to fix* filter), with
        the reason in its chatter and an activity. Returns the message."""
        message = self._number_taken_message(move, item, differences)
        move._chorus_write(
            {
                "chorus_state": "to_fix",
                "chorus_status_comment": self.env._(
                    "its number %(number)s is already used on Chorus Pro by another invoice "
                    "(%(differences)s)",
                    number=move.name,
                    differences=self._describe_differences(move, item, differences),
                ),
            }
        )
        move.message_post(body=message)
        self._schedule_fix_activity(
            move, self.env._("Number already used on Chorus Pro"), message, depositor=self._depositor()
        )
        return message

    @api.model
    def _check_engagements(self, client, moves):
        """Look the engagement numbers up on Chorus Pro. Not every public body publishes
        its engagements, so a number not found is a warning on the invoice, not a block."""
        moves = moves.filtered("purchase_order_reference")
        if not moves:
            return
        siret = moves.company_id.company_registry
        try:
            own = [s for s in client.my_structures() if str(s.get("identifiantStructure")) == siret]
            if not own:
                return
            for move in moves:
                found = client.search_engagement(
                    move.purchase_order_reference.strip(), int(own[0]["idStructure"])
                )
                if not found:
                    move.message_post(
                        body=self.env._(
                            "Engagement number %(ej)s was not found on Chorus Pro for your "
                            "structure. Check it with %(partner)s if the invoice is rejected.",
                            ej=move.purchase_order_reference,
                            partner=move.commercial_partner_id.name,
                        )
                    )
        except cc.ChorusError as error:
            _logger.warning("Chorus Pro engagement check failed: %s", error)

    @api.model
    def _flow_file(self, moves, documents):
        """One Factur-X PDF, or a tar.gz of several for a batch flow."""
        if len(documents) == 1:
            return documents[0]
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            for name, content in documents:
                info = tarfile.TarInfo(name=name)
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))
        stamp = fields.Datetime.now().strftime("%Y%m%d%H%M%S")
        return (f"FACTURX_{stamp}_{len(documents)}.tar.gz", buffer.getvalue())

    @api.model
    def _commit_deposit(self):
        """Commit what is known of a deposit (interactive deposits only)."""
        self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _depositor(self):
        """The user who deposits: the one of the request, or the one a background run
        deposits for (``chorus_depositor_id``: the author of a batch Send, which Odoo's
        sending cron runs as its own user)."""
        return self.env["res.users"].browse(self.env.context.get("chorus_depositor_id")) or self.env.user

    @api.model
    def _deposit(self, moves, batch=True, commit=False):
        """Deposit posted invoices; returns the created ``chorus.pro.flow`` records.

        As :meth:`_deposit_result`, except that an invoice whose number Chorus Pro
        holds for another invoice raises a UserError before anything is deposited."""
        return self._deposit_result(moves, batch=batch, commit=commit, refuse_taken=False)["flows"]

    @api.model
    def _deposit_result(self, moves, batch=True, commit=False, refuse_taken=True):
        """Deposit posted invoices; returns ``{"flows": the created chorus.pro.flow
        records, "refusals": [(move, [message])]}``.

        Definite refusals raise a UserError (nothing was deposited). An unknown
        outcome (timeout, 5xx, lost connection) does not raise: the flow is kept
        as *unconfirmed* and recovered later.

        An invoice Chorus Pro already has (same number, same data) is linked, never
        sent again. One whose number Chorus Pro holds for another invoice is refused
        (:meth:`_mark_number_taken`): with ``refuse_taken``, it is in ``refusals`` and
        the others are deposited; without, the refusal raises a UserError before
        anything is deposited.

        With ``commit`` (a deposit in a user's request), the transaction is committed
        before each deposit call (drafts posted, the flow *sending* linked to its
        invoices) and right after it: an error or a crash afterwards never loses what
        Chorus Pro received. A flow a crash leaves *sending* is searched for on
        Chorus Pro like an unconfirmed one.
        """
        self, moves = self._without_defaults(moves)
        # The EN 16931 data and XML of each invoice built once (validated ahead, then
        # embedded in its document).
        with self.env["chorus.pro.facturx"]._facturx_data_cache():
            return self._deposit_moves(moves, batch=batch, commit=commit, refuse_taken=refuse_taken)

    @api.model
    def _deposit_moves(self, moves, batch=True, commit=False, refuse_taken=True):
        """:meth:`_deposit_result` within the deposit's data cache."""
        moves = moves.sorted("id")
        self._lock_moves(moves)
        self._check_depositable(moves)
        company = moves.company_id
        client = self._get_client(company)
        self._refresh_stale_recipients(moves.commercial_partner_id, company)
        try:
            already, taken = self._find_on_chorus(client, moves)
        except cc.ChorusError as error:
            raise UserError(self._error_message(error)) from error
        for move, item in already.items():
            self._link_found_invoice(move, item, recovered=True)
        conflicts = [(move, self._mark_number_taken(move, *taken[move])) for move in moves if move in taken]
        if conflicts:
            if commit:
                self._commit_deposit()  # the refusal stays on the invoices
            if not refuse_taken:
                raise UserError("\n\n".join(message for _move, message in conflicts))
        moves = moves.filtered(lambda m: m not in already and m not in taken)
        if company.chorus_check_engagement:
            self._check_engagements(client, moves)
        # Works statements: submitted in their works frame, the statement as main attachment.
        works_moves = self._works_moves(moves)
        moves -= works_moves
        engine = self.env["chorus.pro.facturx"]
        documents = {}
        # Degraded mode, chosen per invoice: its PDF + data, one invoice per call pair.
        pdf_api_moves = moves.filtered(lambda m: m.chorus_deposit_mode == "pdf_api")
        # Their Factur-X validated while their documents are drawn (the build below
        # finds each report in the validation cache).
        validated = engine._facturx_prevalidate(moves - pdf_api_moves)
        pdfs = engine._facturx_render_invoice_pdfs(moves)
        validated()
        moves -= pdf_api_moves
        for move in moves:
            result = engine._build_facturx(
                move, attachments=move._chorus_attachments_payload(), pdf=pdfs[move.id]
            )
            documents[move] = (engine._facturx_filename(move), result["pdf"])
        groups = [moves] if batch else [move for move in moves]
        flows = self.env["chorus.pro.flow"]
        for group in groups:
            if group:
                flows |= self._deposit_group(client, group, [documents[m] for m in group], commit=commit)
                self._keep_deposited_documents(group, documents)
                if commit:
                    self._commit_deposit()
        for move in pdf_api_moves:
            flows |= self._deposit_pdf_api(client, move, pdfs[move.id], commit=commit)
        for move in works_moves:
            flows |= self._deposit_works(client, move, commit=commit)
        return {"flows": flows, "refusals": [(move, [message]) for move, message in conflicts]}

    @api.model
    def _keep_deposited_documents(self, moves, documents):
        """Keep on each invoice the Factur-X exactly as Chorus Pro received it: evidence
        (see ``ir_attachment.py``), the invoice's PDF and its main attachment, so that
        whatever leaves Odoo for the invoice is this file (see ``account_move.py``)."""
        moves._chorus_detach_invoice_pdf()
        attachments = self.env["ir.attachment"].create(
            [
                {
                    "name": documents[move][0],
                    "raw": documents[move][1],
                    "mimetype": "application/pdf",
                    "res_model": move._name,
                    "res_id": move.id,
                    "res_field": INVOICE_PDF_FIELD,
                    "chorus_evidence": True,
                }
                for move in moves
            ]
        )
        for move, attachment in zip(moves, attachments, strict=True):
            move._chorus_write(
                {"chorus_document_id": attachment.id, "message_main_attachment_id": attachment.id}
            )
        moves.invalidate_recordset(["invoice_pdf_report_id", INVOICE_PDF_FIELD])

    @api.model
    def _create_flow(self, vals, filename, content, mimetype=None):
        """A ``chorus.pro.flow`` with its file (``filename``, ``content``), evidence of
        what was sent, attached to it from its creation, and who deposited it."""
        flow = self.env["chorus.pro.flow"].create({"user_id": self._depositor().id, **vals})
        attachment_vals = {
            "name": filename,
            "raw": content,
            "res_model": flow._name,
            "res_id": flow.id,
            "chorus_evidence": True,
        }
        if mimetype:
            attachment_vals["mimetype"] = mimetype
        flow.attachment_id = self.env["ir.attachment"].create(attachment_vals)
        return flow

    @api.model
    def _deposit_group(self, client, moves, documents, commit=False):
        if commit:
            # An earlier group was committed, which let go of the invoices' locks.
            self._lock_moves(moves)
            self._check_depositable(moves)
        filename, content = self._flow_file(moves, documents)
        flow = self._create_flow(
            {
                "company_id": moves.company_id.id,
                "state": "sending",
                "date": fields.Datetime.now(),
            },
            filename,
            content,
        )
        job_id = self.env.context.get("chorus_pro_deposit_job_id")
        if job_id:
            # A background deposit knows its flow from the commit before the call on.
            job = self.env["chorus.pro.deposit.job"].sudo().browse(job_id)
            job.flow_ids = [Command.link(flow.id)]
        before = [
            (move, {"chorus_state": move.chorus_state, "chorus_flow_id": move.chorus_flow_id.id})
            for move in moves
        ]
        moves._chorus_write({"chorus_flow_id": flow.id, "chorus_state": "sending"})
        if commit:
            # Whatever happens during the call, Odoo knows it may have been sent.
            self._commit_deposit()
            self._lock_records(flow)  # the cron leaves it alone while it is being sent
        try:
            answer = client.deposit_flow(content, filename, syntax=cc.SYNTAX_FACTURX)
        except cc.ChorusUncertainError as error:
            self._record_unconfirmed(flow, moves, error)
        except cc.ChorusError as error:
            # Definitely refused: nothing was deposited, the invoices can be sent again.
            flow.write({"state": "failed", "error_message": self._error_message(error)})
            for move, vals in before:
                move._chorus_write(vals)
            if job_id:
                job.flow_ids = [Command.unlink(flow.id)]
            if commit:
                self._commit_deposit()
            raise UserError(self._error_message(error)) from error
        else:
            self._record_deposit(flow, moves, answer)
        if commit:
            self._commit_deposit()
        return flow

    @api.model
    def _record_unconfirmed(self, flow, moves, error):
        flow.write({"state": "unconfirmed", "error_message": self._error_message(error)})
        moves._chorus_write({"chorus_state": "unconfirmed"})
        for move in moves:
            move.message_post(
                body=self.env._(
                    "Deposit on Chorus Pro not confirmed: %(error)s The invoice will not "
                    "be sent again until Chorus Pro has been searched for it.",
                    error=self._error_message(error),
                )
            )

    @api.model
    def _record_deposit(self, flow, moves, answer):
        """Chorus Pro accepted the flow ``answer`` holding ``moves``."""
        flow.write(
            {
                "name": answer.get("numeroFluxDepot"),
                "state": "sent",
                "status": "IN_RECU",
                "status_date": fields.Datetime.now(),
            }
        )
        moves._chorus_write({"chorus_state": "deposited"})
        for move in moves:
            move.message_post(body=self.env._("Deposited on Chorus Pro in flow %(flow)s.", flow=flow.name))

    @api.model
    def _link_found_invoice(self, move, item, recovered=False):
        """Attach a Chorus invoice to ``move``: found by number with the same data
        (:meth:`_find_on_chorus`), listed by the report of the flow that deposited it, or
        created by its submission."""
        flow = move.chorus_flow_id
        if item.get("numeroFluxDepot") and flow and not flow.name:
            flow.name = item["numeroFluxDepot"]
        status = item.get("statut")
        move._chorus_write(
            {
                "chorus_identifier": str(item.get("identifiantFactureCPP") or ""),
                "chorus_state": "deposited",
            }
        )
        if recovered:
            move.message_post(
                body=self.env._(
                    "Chorus Pro already has this invoice (id %(id)s): it was not sent again.",
                    id=item.get("identifiantFactureCPP"),
                )
            )
        if status:
            self._apply_invoice_item(move, item)

    # ------------------------------------------------------------------
    # Degraded mode: the invoice PDF + its data (deposer/pdf + soumettre)
    # ------------------------------------------------------------------
    @api.model
    def _supplier_structure_id(self, client, company):
        """The company's own Chorus Pro structure id (``idStructureCPP``): read from the
        directory on its partner, or found among the technical account's structures."""
        if company.partner_id.chorus_structure_identifier:
            return company.partner_id.chorus_structure_identifier
        siret = (company.company_registry or "").replace(" ", "")
        try:
            structures = client.my_structures()
        except cc.ChorusError as error:
            raise UserError(self._error_message(error)) from error
        for structure in structures:
            if str(structure.get("identifiantStructure")) == siret and structure.get("idStructure"):
                return int(structure["idStructure"])
        raise UserError(
            self.env._(
                "Your SIRET %(siret)s is not among the structures of the Chorus Pro technical "
                "account: attach the account to your structure on the Chorus Pro portal, then "
                "try again. Nothing was sent.",
                siret=siret or "-",
            )
        )

    @api.model
    def _pdf_api_filename(self, move):
        name = move.chorus_works_statement_id.name or move.name
        return f"{name.replace('/', '_')}.pdf"

    @api.model
    def _deposit_pdf_api(self, client, move, pdf, commit=False):
        """Deposit ``move`` in the degraded mode: its legal PDF (``deposer/pdf``) with
        its EN 16931 data as JSON (``soumettre``, ``DEPOT_PDF_API``), one call pair per
        invoice. Same guarantees as :meth:`_deposit_group`: the invoice is *sending*
        (committed) before the submission, a refusal restores it and raises, an unknown
        outcome keeps it *unconfirmed* until Chorus Pro has been searched for it. Returns
        the ``chorus.pro.flow`` recording the deposit (no flow number: the platform
        gives the invoice id at once)."""
        if commit:
            # An earlier deposit was committed, which let go of the invoice's lock.
            self._lock_moves(move)
            self._check_depositable(move)
        supplier_id = self._supplier_structure_id(client, move.company_id)
        data, options = self._works_submission_options(
            move, self.env["chorus.pro.facturx"]._facturx_data_dict(move)
        )
        filename = self._pdf_api_filename(move)
        flow = self._create_flow(
            {
                "company_id": move.company_id.id,
                "state": "sending",
                "date": fields.Datetime.now(),
                "syntax": chorus_submission.MODE_DEPOT_PDF_API,
            },
            filename,
            pdf,
            mimetype="application/pdf",
        )
        job_id = self.env.context.get("chorus_pro_deposit_job_id")
        if job_id:
            job = self.env["chorus.pro.deposit.job"].sudo().browse(job_id)
            job.flow_ids = [Command.link(flow.id)]
        before = {"chorus_state": move.chorus_state, "chorus_flow_id": move.chorus_flow_id.id}
        move._chorus_write({"chorus_flow_id": flow.id, "chorus_state": "sending"})
        if commit:
            self._commit_deposit()
            self._lock_records(flow)

        def refused(message):
            # Nothing was submitted: the invoice can be sent again.
            flow.write({"state": "failed", "error_message": message})
            move._chorus_write(before)
            if job_id:
                job.flow_ids = [Command.unlink(flow.id)]
            if commit:
                self._commit_deposit()
            return UserError(message)

        try:
            # Uploads only: whatever their outcome, no invoice exists on Chorus Pro yet.
            pdf_id = client.deposit_pdf(pdf, filename)
            pieces = [
                (client.upload_attachment(att.name, att.raw, att.mimetype), att.name)
                for att in move.chorus_attachment_ids
            ]
            payload = chorus_submission.submission_payload(
                data, pdf_id, supplier_id, pdf_name=filename, attachments=pieces, **options
            )
        except cc.ChorusError as error:
            raise refused(self._error_message(error)) from error
        except chorus_submission.SubmissionError as error:
            raise refused(
                self.env._(
                    "%(move)s cannot be submitted to Chorus Pro: %(reason)s",
                    move=move.display_name,
                    reason=str(error),
                )
            ) from error
        try:
            answer = client.submit_invoice(payload)
        except cc.ChorusUncertainError as error:
            self._record_unconfirmed(flow, move, error)
        except cc.ChorusError as error:
            raise refused(self._error_message(error)) from error
        else:
            self._record_submission(flow, move, answer)
        self._keep_deposited_documents(move, {move: (filename, pdf)})
        if commit:
            self._commit_deposit()
        return flow

    @api.model
    def _record_submission(self, flow, move, answer):
        """Chorus Pro created the submitted invoice at once (``identifiantFactureCPP``)."""
        identifier = answer.get("identifiantFactureCPP")
        flow.write(
            {
                # No flow number for a submission: the invoice id names the deposit.
                "name": f"{chorus_submission.MODE_DEPOT_PDF_API}-{identifier}",
                "state": "done",
                "status_date": fields.Datetime.now(),
                "error_message": False,
            }
        )
        move.message_post(
            body=self.env._(
                "Deposited on Chorus Pro as a PDF with the invoice data (DEPOT_PDF_API): "
                "Chorus Pro invoice id %(id)s.",
                id=identifier,
            )
        )
        self._link_found_invoice(
            move,
            {
                "identifiantFactureCPP": identifier,
                "statut": answer.get("statutFacture"),
                "dateHeureEtatCourant": answer.get("dateDepot"),
            },
        )
