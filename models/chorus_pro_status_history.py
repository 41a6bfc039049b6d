# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import datetime
import logging
from zoneinfo import ZoneInfo

from odoo import api, fields, models

from ..lib import chorus as cc

_logger = logging.getLogger(__name__)

# Chorus Pro gives local (Paris) times when it gives no offset.
CHORUS_TIMEZONE = ZoneInfo("Europe/Paris")


class ChorusProStatusHistory(models.Model):
    """One row per Chorus Pro status an invoice went through, as the connector
    applied it (status sync, flow processing, completion, recycling). Written by the
    connector only (as superuser): users read it on the invoice's Chorus Pro tab."""

    _name = "chorus.pro.status.history"
    _description = "Chorus Pro Status History"
    _order = "date desc, id desc"
    _rec_name = "status"

    move_id = fields.Many2one("account.move", string="Invoice", required=True, ondelete="cascade", index=True)
    date = fields.Datetime(
        required=True,
        default=fields.Datetime.now,
        help="When Chorus Pro says the invoice reached this status (when it gives the time), "
        "else when Odoo learnt it.",
    )
    # The invoice's selection, labels included: its translations are the invoice
    # field's, in the reader's language.
    status = fields.Selection(selection="_selection_status", required=True)
    comment = fields.Text(help="Comment of the recipient on Chorus Pro with this status.")
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)

    @api.model
    def _selection_status(self):
        return self.env["account.move"]._fields["chorus_status"]._description_selection(self.env)

    @api.model
    def _chorus_date(self, value):
        """A Chorus Pro date-time as Odoo stores it (UTC, naive), or None."""
        try:
            parsed = cc.parse_chorus_datetime(value)
        except ValueError:
            _logger.warning("Chorus Pro: unparseable status date %r ignored", value)
            return None
        if parsed is None:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=CHORUS_TIMEZONE)
        # to the second, as Odoo's own times (fields.Datetime.now): rows of the same
        # second keep their order of arrival
        return parsed.astimezone(datetime.UTC).replace(tzinfo=None, microsecond=0)

    # ------------------------------------------------------------------
    # "Update from Chorus Pro" from the invoice list and the journal card
    # ------------------------------------------------------------------
    @api.model
    def _action_update_from_chorus(self, moves):
        """Update ``moves`` from Chorus Pro (flows, then the statuses of their companies,
        as the invoice's button does) and tell the user what changed: the status rows
        this update added, plus the invoices Chorus Pro refused at the flow level."""
        moves = moves.filtered(lambda m: m.chorus_state or m.chorus_identifier)
        if not moves:
            return self._update_notification(self.env._("No invoice to update on Chorus Pro."), "warning")
        rows = self.sudo()
        # 0 on a new database, whose history is still empty (every row is then new).
        last_id = rows.search([], order="id desc", limit=1).id or 0
        flow_moves = moves.chorus_flow_id.move_ids
        before = {move.id: move.chorus_state for move in flow_moves}
        moves.action_chorus_update()
        latest = {row.move_id: row.status for row in rows.search([("id", ">", last_id)], order="id")}
        for move in flow_moves:
            if move.chorus_state == "to_fix" and before[move.id] != "to_fix" and move not in latest:
                latest[move] = "REJETEE"  # the flow was refused: never integrated
        if not latest:
            return self._update_notification(self.env._("Nothing changed."), "info")
        labels = self._selection_status()
        details = ", ".join(
            f"{count} {label[:1].lower()}{label[1:]}"
            for code, label in labels
            if (count := list(latest.values()).count(code))
        )
        if len(latest) == 1:
            message = self.env._("1 invoice updated: %(details)s", details=details)
        else:
            message = self.env._(
                "%(count)s invoices updated: %(details)s", count=len(latest), details=details
            )
        return self._update_notification(message, "success")

    @api.model
    def _update_notification(self, message, kind):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Update from Chorus Pro"),
                "message": message,
                "type": kind,
                "sticky": False,
                # the list or the dashboard shows the new statuses
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
