# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The one deposit pipeline: checklist, refusals, deposit, result.

The deposit wizard, the background job and the Send dialog hand their invoices to
:meth:`ChorusProDepositPipeline._deposit_invoices` and render its result; every
deposit still goes through ``chorus.pro.connector._deposit``. A refusal has one format
whatever refused the invoice (its checklist, or Chorus Pro holding its number for
another invoice): ``(move, [messages])``.
"""

import base64
import binascii
import json
import zlib

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools.misc import consteq, hmac

PARAM_THRESHOLD = "l10n_fr_chorus_pro.background_deposit_threshold"
DEFAULT_THRESHOLD = 20
# Context key: the drafts the pipeline posts were checked by it, not again by _post.
CHECKED_CONTEXT = "chorus_pro_checklist_done"
# The scope of the signature of a checklist preview (see _checklist_token).
PREVIEW_SCOPE = "l10n_fr_chorus_pro.deposit_preview"
# The keys of a checklist item a preview keeps.
ITEM_KEYS = ("code", "label", "ok", "message")


class ChorusProDepositPipeline(models.AbstractModel):
    _name = "chorus.pro.deposit.pipeline"
    _description = "Chorus Pro Deposit Pipeline"

    # ------------------------------------------------------------------ settings
    @api.model
    def _get_int_param(self, key, default):
        value = self.env["ir.config_parameter"].sudo().get_param(key)
        try:
            return max(int(value), 1) if value else default
        except ValueError:
            return default

    @api.model
    def _background_threshold(self):
        """Above this many invoices, a deposit runs in the background (a job)."""
        return self._get_int_param(PARAM_THRESHOLD, DEFAULT_THRESHOLD)

    # ------------------------------------------------------------------ preview
    # The checklist a dialog showed (the deposit wizard, the Send dialog), kept with it
    # as a signed text (a hidden field of its form): the deposit takes it for the
    # invoices unchanged since, instead of running the checklist again.
    @api.model
    def _checklist_fingerprint(self, move):
        """What the checklist of ``move`` read that may change between a dialog's
        opening and its button, cheaply: when the invoice, its customer, service, bank
        account or company were last written. A new fingerprint runs the checklist
        again; the deposit itself checks what Chorus Pro requires and validates the
        Factur-X whatever the preview said."""
        records = (
            move,
            move.commercial_partner_id,
            move.chorus_service_id,
            move.partner_bank_id,
            move.company_id,
        )
        return "|".join(str(record.write_date or "") for record in records)

    @api.model
    def _checklist_signature(self, payload, uid=None):
        return hmac(self.env(su=True), PREVIEW_SCOPE, (uid or self.env.uid, payload))

    @api.model
    def _checklist_token(self, items):
        """``items`` (``{move: [checklist items]}``) as the signed text a dialog keeps:
        each invoice's fingerprint and checklist, compressed, signed with the database
        secret for the current user."""
        preview = {
            "fingerprints": {str(move.id): self._checklist_fingerprint(move) for move in items},
            "items": {
                str(move.id): [[item[key] for key in ITEM_KEYS] for item in move_items]
                for move, move_items in items.items()
            },
        }
        payload = base64.b64encode(zlib.compress(json.dumps(preview, default=str).encode())).decode()
        return f"{payload}.{self._checklist_signature(payload)}"

    @api.model
    def _checked_from_token(self, token, moves, uid=None):
        """``{move: [checklist items]}`` of the invoices of ``moves`` the signed
        ``token`` (:meth:`_checklist_token`) checked and that did not change since.
        A token missing, forged or signed for another user than ``uid`` (by default the
        current one; a background job gives the user who asked for it) gives nothing."""
        payload, _dot, signature = (token or "").rpartition(".")
        if not payload or not consteq(signature, self._checklist_signature(payload, uid=uid)):
            return {}
        try:
            preview = json.loads(zlib.decompress(base64.b64decode(payload)))
            fingerprints, previewed = preview["fingerprints"], preview["items"]
        except (binascii.Error, zlib.error, ValueError, KeyError, TypeError):
            return {}
        return {
            move: [dict(zip(ITEM_KEYS, item, strict=True)) for item in previewed[key]]
            for move in moves
            for key in [str(move.id)]
            if key in previewed and fingerprints.get(key) == self._checklist_fingerprint(move)
        }

    @api.model
    def _checklist_token_of(self, moves, token=None):
        """The signed checklist (its mentions: the deposit validates the Factur-X) of
        ``moves``: taken from ``token`` for the invoices it checked unchanged, run for
        the others. Returns ``(token, {move: [checklist items]})``."""
        checklist = self.env["chorus.pro.checklist"]
        checked = self._checked_from_token(token, moves) if token else {}
        stale = [move for move in moves if move not in checked]
        if token and not stale:
            return token, checked
        for move in stale:
            checked[move] = checklist._check(move, with_facturx=False)
        return (self._checklist_token(checked) if checked else False), checked

    # ------------------------------------------------------------------ checklist
    @api.model
    def _refusals(self, failed):
        """``[(move, [messages])]`` of ``failed`` (:meth:`_check_invoices`): the problems
        of each refused invoice, one message each."""
        return [
            (move, [message for item in items for message in (item["message"] or item["label"]).split("\n")])
            for move, items in failed.items()
        ]

    @api.model
    def _check_invoices(self, moves, mode="full", checked=None):
        """``{move: [failed checklist items]}`` of ``moves``, each checked once.

        ``mode``: ``full`` (the whole checklist with its Factur-X), ``mentions`` (without
        the Factur-X), ``facturx`` (what the Chorus Pro call requires, then the Factur-X:
        the background job, whose invoices the wizard checked). ``checked``: the
        ``{move: [failed items]}`` already known (the wizard's preview), not run again."""
        checklist = self.env["chorus.pro.checklist"]
        connector = self.env["chorus.pro.connector"]
        failed = {}
        depositable = moves.browse()
        for move in moves:
            if checked is not None and move in checked:
                items = checked[move]
            elif mode == "facturx":
                try:
                    connector._check_depositable(move)
                except UserError as error:
                    items = [{"code": "depositable", "label": error.args[0], "message": error.args[0]}]
                else:
                    depositable |= move
                    continue
            else:
                items = checklist._failed(move, with_facturx=mode == "full")
            if items:
                failed[move] = items
        if depositable:
            # Their Factur-X validated side by side, then checked one by one (from the cache).
            self.env["chorus.pro.facturx"]._facturx_prevalidate(depositable)()
            for move in depositable:
                items = [item for item in [checklist._check_facturx(move)] if not item["ok"]]
                if items:
                    failed[move] = items
        return {move: failed[move] for move in moves if move in failed}

    # ------------------------------------------------------------------ deposit
    @api.model
    def _empty_result(self, refusals=()):
        return {
            "flows": self.env["chorus.pro.flow"],
            "deposited": self.env["account.move"],
            "linked": self.env["account.move"],
            "unconfirmed": self.env["account.move"],
            "refusals": list(refusals),
        }

    @api.model
    def _deposit_invoices(self, moves, mode="full", batch=True, commit=True, checked=None):
        """Check ``moves`` (see :meth:`_check_invoices`), post the ready drafts and
        deposit the ready ones through ``chorus.pro.connector._deposit``.

        Returns one dict: ``flows`` created, ``deposited`` invoices (sent in them),
        ``linked`` (already on Chorus Pro, not sent again), ``unconfirmed`` (Chorus Pro
        did not confirm their flow), ``refusals`` ``[(move, [messages])]``: refused by
        their checklist or because Chorus Pro holds their number for another invoice.
        A definite refusal of Chorus Pro raises a UserError (nothing deposited)."""
        with self.env["chorus.pro.facturx"]._facturx_data_cache():
            failed = self._check_invoices(moves, mode=mode, checked=checked)
            result = self._empty_result(self._refusals(failed))
            ready = moves.filtered(lambda m: m not in failed)
            return self._deposit_ready(ready, result, batch=batch, commit=commit)

    @api.model
    def _post_checked(self, moves):
        """Post the drafts of ``moves``, whose checklist the pipeline ran."""
        moves.filtered(lambda m: m.state == "draft").with_context(**{CHECKED_CONTEXT: True}).action_post()

    @api.model
    def _deposit_ready(self, ready, result, batch=True, commit=True):
        """Post the drafts of ``ready`` (checked) and deposit them; fills ``result``."""
        if not ready:
            return result
        self._post_checked(ready)
        deposit = self.env["chorus.pro.connector"]._deposit_result(ready, batch=batch, commit=commit)
        flows = deposit["flows"]
        result["flows"] |= flows
        result["deposited"] |= flows.move_ids
        result["unconfirmed"] |= flows.filtered(lambda f: f.state in ("unconfirmed", "sending")).move_ids
        result["linked"] |= ready.filtered(lambda m: m.chorus_state == "deposited") - flows.move_ids
        # Chorus Pro holds their number for another invoice: refused, the others sent.
        result["refusals"] += deposit["refusals"]
        return result

    # ------------------------------------------------------------------ summary
    @api.model
    def _deposit_summary(self, selected_count, flows, already, refusals, pending=None, depositor=None):
        """Text telling what a deposit did.

        ``selected_count``: invoices selected; ``flows``: the flows created;
        ``already``: invoices Chorus Pro already had (not sent again); ``refusals``:
        ``(move, [messages])`` pairs of invoices refused before sending; ``pending``:
        invoices not processed yet (a background deposit stopped on an error);
        ``depositor``: who asked for the deposit (its flows' user, else the current one).
        """
        lines = [
            self.env._(
                "%(done)s of %(total)s invoices sent to Chorus Pro.",
                done=len(flows.move_ids),
                total=selected_count,
            )
        ]
        for flow in flows:
            if flow.state in ("unconfirmed", "sending"):
                lines.append(
                    self.env._(
                        "%(moves)s: Chorus Pro did not confirm the deposit. Nothing will be sent "
                        "again until Chorus Pro has been searched for these invoices (automatic, "
                        "hourly, or 'Update from Chorus Pro').",
                        moves=", ".join(sorted(flow.move_ids.mapped("name"))),
                    )
                )
            else:
                lines.append(
                    self.env._(
                        "Flow %(flow)s: %(moves)s deposited.",
                        flow=flow.name,
                        moves=", ".join(sorted(flow.move_ids.mapped("name"))),
                    )
                )
        if already:
            lines.append(
                self.env._(
                    "Already on Chorus Pro, not sent again: %(moves)s",
                    moves=", ".join(sorted(already.mapped("name"))),
                )
            )
        for move, messages in refusals:
            lines.append(
                self.env._(
                    "Refused, %(move)s: %(reasons)s", move=move.display_name, reasons="; ".join(messages)
                )
            )
        if pending:
            lines.append(
                self.env._(
                    "Not sent yet (the deposit stopped on an error; resume it): %(moves)s",
                    moves=", ".join(sorted(pending.mapped("name"))),
                )
            )
        company = (flows.company_id or self.env.company)[:1]
        depositor = depositor or flows.user_id[:1] or self.env.user
        # Who a rejection's activity goes to, as the status follow-up decides it.
        user = company._chorus_activity_user(depositor)
        if user != depositor and user == company.chorus_responsible_id:
            lines.append(
                self.env._(
                    "Next steps: Chorus Pro checks each invoice, then the recipient processes it. "
                    "Statuses come back to the invoices automatically (hourly) or with 'Update from "
                    "Chorus Pro'; a rejection creates an activity for %(user)s, the company's Chorus "
                    "Pro responsible.",
                    user=user.name,
                )
            )
        else:
            lines.append(
                self.env._(
                    "Next steps: Chorus Pro checks each invoice, then the recipient processes it. "
                    "Statuses come back to the invoices automatically (hourly) or with 'Update from "
                    "Chorus Pro'; a rejection creates an activity for you."
                )
            )
        return "\n".join(lines)
