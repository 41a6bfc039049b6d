# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The status sync cron on many changes: bounded runs, each batch committed, the rest on
the next run (``make bench-sync`` measures it on 20 000 invoices)."""

import math

from odoo.tests import tagged

from .common import ChorusProSimulatorCommon

SEARCH = "/cpro/factures/v1/rechercher/fournisseur"


@tagged("post_install", "-at_install")
class TestStatusSyncScale(ChorusProSimulatorCommon):
    def _deposited(self, count):
        moves = self.env["account.move"]
        for _index in range(count):
            moves |= self._d93_invoice()
        flows = self.connector._deposit(moves)
        self.connector._update_flows(flows)
        self.assertEqual(set(moves.mapped("chorus_status")), {"DEPOSEE"})
        return moves

    def _status_lines(self, move):
        return move.message_ids.filtered(lambda m: "→" in (m.body or "") and "Chorus Pro" in m.body)

    def _run_cron(self):
        """One run of the cron as the scheduler runs it; the search pages it asked for."""
        cron = self.env.ref("l10n_fr_chorus_pro.ir_cron_chorus_update")
        self.sim.reset_calls()
        self.assertIs(cron.method_direct_trigger(), True)
        self.env.invalidate_all()
        return self.sim.calls.get(SEARCH, 0)

    def test_cron_applies_many_payments_in_bounded_runs(self):
        """12 payments, batches of 5 and no time for a second batch: each cron run applies
        and commits one batch and triggers the cron again; the third run ends the sync.
        Every invoice gets its status once (one history row, one chatter line), and each
        run costs one search of the changes, never a call per invoice."""
        moves = self._deposited(16)
        paid = moves[:12]
        for move in paid:
            self.sim.set_invoice_status(int(move.chorus_identifier), "MISE_EN_PAIEMENT")
        icp = self.env["ir.config_parameter"].sudo()
        icp.set_param("l10n_fr_chorus_pro.status_sync_batch", "5")
        icp.set_param("l10n_fr_chorus_pro.status_sync_seconds", "0")
        lines_before = {move: len(self._status_lines(move)) for move in paid}
        cron = self.env.ref("l10n_fr_chorus_pro.ir_cron_chorus_update")
        triggers = self.env["ir.cron.trigger"]
        pages = math.ceil(len(paid) / self.sim.max_page_size)
        applied, triggered = [], []
        for _run in range(3):
            # Only what this run asks for (a deposit also triggers the tracking cron).
            triggers.search([("cron_id", "=", cron.id)]).unlink()
            before = 0
            self.assertEqual(self._run_cron(), pages)
            applied.append(len(paid.filtered(lambda m: m.chorus_status == "MISE_EN_PAIEMENT")))
            # The triggers of the runs stay in the test transaction (its now() is frozen).
            triggered.append(triggers.search_count([("cron_id", "=", cron.id)]) - before)
            if applied[-1] < len(paid):
                self.assertFalse(self.company.chorus_last_status_sync, "the sync is not over")
        self.assertEqual(applied, [5, 10, 12])
        self.assertEqual(triggered, [1, 1, 0], "the cron runs again at once, until the sync is over")
        self.assertTrue(self.company.chorus_last_status_sync)
        self.assertEqual(set(paid.mapped("chorus_state")), {"paid"})
        self.assertEqual(set((moves - paid).mapped("chorus_status")), {"DEPOSEE"})
        for move in paid:
            history = move.chorus_status_history_ids.filtered(lambda h: h.status == "MISE_EN_PAIEMENT")
            self.assertEqual(len(history), 1, move.name)
            self.assertEqual(len(self._status_lines(move)), lines_before[move] + 1, move.name)

    def test_user_update_applies_everything_at_once(self):
        """A user's *Update from Chorus Pro* (the invoice form's button, not the cron)
        applies every change in its own request, whatever the cron's batch size."""
        moves = self._deposited(8)
        for move in moves:
            self.sim.set_invoice_status(int(move.chorus_identifier), "MISE_A_DISPOSITION")
        self.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.status_sync_batch", "3")
        self.assertIs(moves[0].action_chorus_update(), True)
        self.assertEqual(set(moves.mapped("chorus_status")), {"MISE_A_DISPOSITION"})
        self.assertTrue(self.company.chorus_last_status_sync)
