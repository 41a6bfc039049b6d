# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models

from .account_move import CHORUS_LOCKED_LINE_FIELDS, field_changes


class AccountMoveLine(models.Model):
    """The lines of an invoice Chorus Pro holds are what it received: no form changes them.

    The invoice form makes them read-only once posted, but the journal items' list and
    form, an import or a script write the lines themselves: the same rule holds there.
    Odoo's own writes on a posted invoice's lines (reconciliation, payments, analytic
    distribution) touch none of these fields.
    """

    _inherit = "account.move.line"

    def _chorus_check_line_unlocked(self, moves, fnames=()):
        if self.env.context.get("chorus_lock_bypass"):
            return
        for move in moves.filtered(lambda m: m._chorus_is_held()):
            if fnames:
                label = self.env._("its lines (%(fields)s)", fields=", ".join(fnames))
            else:
                label = self.env._("its lines")
            raise move._chorus_lock_error("write", [label])

    @api.model_create_multi
    def create(self, vals_list):
        move_ids = {vals["move_id"] for vals in vals_list if vals.get("move_id")}
        self._chorus_check_line_unlocked(self.env["account.move"].browse(move_ids))
        return super().create(vals_list)

    def write(self, vals):
        locked = CHORUS_LOCKED_LINE_FIELDS.intersection(vals)
        if locked and not self.env.context.get("chorus_lock_bypass"):
            for line in self:
                changed = [f for f in locked if field_changes(line, f, vals[f])]
                if changed:
                    labels = sorted({line._fields[f]._description_string(self.env) for f in changed})
                    self._chorus_check_line_unlocked(line.move_id, labels)
        return super().write(vals)

    def unlink(self):
        self._chorus_check_line_unlocked(self.move_id)
        return super().unlink()
