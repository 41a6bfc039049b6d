# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Works statements on Chorus Pro (docs/works.md, "Submitting and following statements"):
the progress invoice of a statement is submitted with ``soumettre`` in its works frame,
validated by the project manager (MOE), the statement PDF as main attachment; its works
statuses, holder, deadline, validated amounts and refusal are followed; a wrong validator
is corrected with ``corriger/valideur/facture``."""

import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..lib import chorus as cc
from ..lib.chorus.statuses import WORKS_REFUSED_STATUSES, WORKS_STATUS_HOLDERS

_logger = logging.getLogger(__name__)

STATEMENT_REPORT = "l10n_fr_chorus_pro.action_report_chorus_works_statement"


class ChorusProConnectorWorks(models.AbstractModel):
    _inherit = "chorus.pro.connector"

    # ------------------------------------------------------------------ deposit
    @api.model
    def _works_moves(self, moves):
        """The invoices of ``moves`` that book a works statement: submitted in their works
        frame, never as a Factur-X flow."""
        return moves.filtered("chorus_works_statement_id")

    @api.model
    def _works_statement_pdf(self, move):
        """The statement of ``move`` printed (French), the main attachment of its submission;
        for the signed general statement (A8), the scan of the document the company signed."""
        statement = move.chorus_works_statement_id
        if statement.kind == "general":
            # The general statement the company signed: its scan is the document.
            problems = statement._works_signed_problems()
            if problems:
                raise UserError("\n".join(problems))
            return statement._works_signed_pdf()
        lang = move.commercial_partner_id.lang or "fr_FR"
        pdf, _type = (
            self.env["ir.actions.report"]
            .with_context(lang=lang, force_report_rendering=True)
            ._render_qweb_pdf(STATEMENT_REPORT, statement.ids)
        )
        return pdf

    @api.model
    def _works_submission_options(self, move, data):
        """For a works invoice: ``data`` (a copy) with its works frame (BT-23) and the
        ``submission_payload`` options naming the MOE as validator. ``(data, {})`` else."""
        statement = move.chorus_works_statement_id
        if not statement:
            return data, {}
        contract = statement.contract_id
        data = dict(data, **{"BT-23": statement.frame})
        return data, {
            "validator_siret": contract.moe_siret or None,
            "validator_service": contract.moe_service_code or None,
        }

    @api.model
    def _deposit_works(self, client, move, commit=False):
        """Submit the works invoice ``move`` (its statement PDF as main attachment) through
        the degraded mode's path (:meth:`_deposit_pdf_api`: same guarantees, never twice);
        the statement is frozen as soon as it may be on Chorus Pro."""
        flow = self._deposit_pdf_api(client, move, self._works_statement_pdf(move), commit=commit)
        statement = move.chorus_works_statement_id
        if (
            move.chorus_state in ("deposited", "unconfirmed", "paid", "to_fix")
            and statement.state == "confirmed"
        ):
            statement._works_mark_submitted()
            statement.message_post(
                body=self.env._(
                    "Submitted to Chorus Pro (%(frame)s) with %(move)s, to be validated by %(moe)s.",
                    frame=statement.frame,
                    move=move.name,
                    moe=statement.contract_id.moe_partner_id.name or statement.contract_id.moe_siret,
                )
            )
            if commit:
                self._commit_deposit()
        return flow

    # ------------------------------------------------------------------ follow-up
    @api.model
    def _works_follow(self, move, client=None):
        """Read the works document of ``move`` on Chorus Pro (``consulter/fournisseur`` and
        its history) and keep what the user follows: holder, deadline, validated amounts,
        refusal. A refusal sends the invoice back to fix with its reason."""
        if not move.chorus_works_statement_id or not move.chorus_identifier:
            return False
        client = client or self._get_client(move.company_id)
        try:
            document = client.works_document(int(move.chorus_identifier))
        except cc.ChorusError as error:
            _logger.warning("Chorus Pro works document %s not read: %s", move.chorus_identifier, error)
            return False
        return move._chorus_works_apply_document(document)

    @api.model
    def _works_check_deadlines(self, company):
        """An activity on each works invoice whose MOE let its 7 days pass."""
        moves = self.env["account.move"].search(
            [
                ("company_id", "=", company.id),
                ("chorus_works_statement_id", "!=", False),
                ("chorus_works_moe_deadline", "<", fields.Datetime.now()),
                ("chorus_works_deadline_notified", "=", False),
                ("chorus_status", "in", [s for s, holder in WORKS_STATUS_HOLDERS.items() if holder == "moe"]),
            ]
        )
        for move in moves:
            move._chorus_works_deadline_activity()
        return moves

    @api.model
    def _works_correct_validator(self, move, siret, service_code=None):
        """A works document refused for a wrong validator goes to ``siret``: the refusal is
        handled (``traiterRejet``, while the document is still refused), then the validator
        corrected (``corriger/valideur/facture``); the contract keeps the new MOE."""
        if move.chorus_status not in cc.WORKS_WRONG_VALIDATOR_STATUSES:
            raise UserError(
                self.env._(
                    "%(move)s was not refused for a wrong project manager: its validator cannot "
                    "be corrected.",
                    move=move.display_name,
                )
            )
        siret = cc.normalize_siret(siret)
        client = self._get_client(move.company_id)
        try:
            client.handle_rejection(
                [move.chorus_identifier],
                reason="MAUVAIS_VALIDEUR",
                details=self.env._("Validator corrected: %(siret)s", siret=siret),
            )
            client.correct_validator(int(move.chorus_identifier), siret, service_code=service_code or None)
        except cc.ChorusError as error:
            raise UserError(self._error_message(error)) from error
        contract = move.chorus_works_statement_id.contract_id
        contract.write({"moe_siret": siret, "moe_service_code": service_code or False})
        move.message_post(
            body=self.env._(
                "Validator corrected on Chorus Pro: %(siret)s %(service)s.",
                siret=siret,
                service=service_code or "",
            )
        )
        move._chorus_write({"chorus_state": "deposited", "chorus_status_comment": False})
        move._chorus_close_activity(self.env._("Validator corrected on Chorus Pro."))
        self._works_refresh(move, client)
        return True

    @api.model
    def _works_refresh(self, move, client=None):
        """The status of ``move`` from Chorus Pro now, then its works follow-up."""
        client = client or self._get_client(move.company_id)
        try:
            document = client.works_document(int(move.chorus_identifier))
        except cc.ChorusError as error:
            raise UserError(self._error_message(error)) from error
        if document.get("status") and document["status"] != move.chorus_status:
            self._apply_invoice_status(move, document["status"], client=client)
        else:
            move._chorus_works_apply_document(document)
        return document

    @api.model
    def _works_is_refused(self, status):
        return status in WORKS_REFUSED_STATUSES and WORKS_STATUS_HOLDERS.get(status) == "supplier"
