# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Flow tracking as the real platform behaves, against the project's simulator
over real HTTP, in both realisms: a deposit certificate (``consulterCR``) that fails
never holds the invoices back and is fetched later; ``QP_*`` failure states end like a
refused flow; a status the module does not know is polled for a bounded time, then the
flow needs attention; an invoice is rejected only when the flow report names it; a 429
on the deposit is waited for, and the deposit is sent once."""

from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from odoo.addons.l10n_fr_chorus_pro.lib import chorus as cc
from odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_connector_tracking import ChorusProConnectorTracking

from .common import ChorusProSimulatorCommon

CERTIFICATE_PATH = "/cpro/transverses/v1/consulterCR"
REPORT_PATH = "/cpro/transverses/v1/consulterCRDetaille"
DEPOSIT_PATH = "/cpro/factures/v1/deposer/flux"


@tagged("post_install", "-at_install")
class TestTracking(ChorusProSimulatorCommon):
    """Strict realism; ``TestTrackingProduction`` runs the same tests in production."""

    def _deposit(self, count=1):
        moves = self.env["account.move"]
        for _index in range(count):
            moves |= self._d93_invoice()
        flow = self.connector._deposit(moves)
        self.assertEqual(flow.state, "sent")
        return moves, flow

    def _update_with_failing_certificate(self, flow):
        """Update ``flow`` while ``consulterCR`` answers HTTP 500 (every retry). The fault
        is set right before the certificate call: its path prefix also matches
        ``consulterCRDetaille``, which must answer."""
        fetch = ChorusProConnectorTracking._fetch_certificate
        sim = self.sim

        def failing_fetch(connector, client, flow):
            sim.inject_fault(CERTIFICATE_PATH, "http_500", count=10)
            try:
                return fetch(connector, client, flow)
            finally:
                sim.clear_faults()

        with patch.object(ChorusProConnectorTracking, "_fetch_certificate", failing_fetch):
            self.connector._update_flows(flow)

    # ---------------------------------------------------------------- certificate
    def test_failing_certificate_never_blocks_the_invoices(self):
        moves, flow = self._deposit(2)
        self._update_with_failing_certificate(flow)
        # The invoices got their identifiers and statuses all the same.
        self.assertEqual(flow.status, "IN_INTEGRE")
        self.assertEqual(flow.state, "done")
        self.assertTrue(all(moves.mapped("chorus_identifier")))
        self.assertEqual(set(moves.mapped("chorus_status")), {"DEPOSEE"})
        self.assertEqual(set(moves.mapped("chorus_state")), {"deposited"})
        self.assertFalse(moves.chorus_certificate_id)
        self.assertTrue(flow.certificate_pending)
        self.assertEqual(flow.certificate_attempts, 1)
        # The hourly update asks for it again, and gets it.
        self.connector._cron_update()
        self.assertFalse(flow.certificate_pending)
        self.assertTrue(flow.certificate_id.raw.startswith(b"%PDF"))
        self.assertEqual(len(moves.chorus_certificate_id), 2)
        self.assertEqual(set(moves.mapped("chorus_state")), {"deposited"})
        # Once there, it is not asked for again.
        calls = self.sim.calls.get(CERTIFICATE_PATH, 0)
        self.connector._cron_update()
        self.assertEqual(self.sim.calls.get(CERTIFICATE_PATH, 0), calls)

    def test_certificate_retries_are_bounded(self):
        self.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.certificate_attempts", "2")
        moves, flow = self._deposit()
        self._update_with_failing_certificate(flow)
        self.assertTrue(flow.certificate_pending)
        self._update_with_failing_certificate(flow)
        self.assertFalse(flow.certificate_pending)
        self.assertEqual(flow.certificate_attempts, 2)
        self.assertIn("could not be fetched", flow.message_ids[0].body)
        self.assertEqual(moves.chorus_state, "deposited")
        self.assertTrue(moves.chorus_identifier)
        calls = self.sim.calls.get(CERTIFICATE_PATH, 0)
        self.connector._cron_update()
        self.assertEqual(self.sim.calls.get(CERTIFICATE_PATH, 0), calls)

    # ---------------------------------------------------------------- QP_* states
    def test_qp_irrecevable_ends_like_a_refused_flow(self):
        moves, flow = self._deposit(2)
        self.sim.set_flow_status(flow.name, "QP_IRRECEVABLE")
        self.connector._update_flows(flow)
        self.assertEqual(flow.status, "QP_IRRECEVABLE")
        self.assertEqual(flow.status_raw, "QP_IRRECEVABLE")
        self.assertEqual(flow.state, "done")
        self.assertEqual(set(moves.mapped("chorus_state")), {"to_fix"})
        for move in moves:
            self.assertIn("not admissible", move.message_ids[0].body)
            self.assertIn("FLUX_IRRECEVABLE", move.message_ids[0].body)
            self.assertTrue(move.activity_ids.filtered(lambda a: "Chorus Pro" in a.summary))
            self.assertIn("not admissible", move.chorus_status_comment)
        # Done: the cron does not poll it any more.
        calls = self.sim.calls.get(REPORT_PATH, 0)
        self.connector._cron_update()
        self.assertEqual(self.sim.calls.get(REPORT_PATH, 0), calls)
        self.assertIn(flow, self.env["chorus.pro.flow"].search([("status", "=", "QP_IRRECEVABLE")]))

    def test_qp_recevable_avec_erreur_ends_like_a_refused_flow(self):
        moves, flow = self._deposit()
        self.sim.set_flow_status(flow.name, "QP_RECEVABLE_AVEC_ERREUR")
        self.connector._update_flows(flow)
        self.assertEqual(flow.state, "done")
        self.assertEqual(moves.chorus_state, "to_fix")
        self.assertIn("QP_RECEVABLE_AVEC_ERREUR", moves.message_ids[0].body)

    # ---------------------------------------------------------------- rejections
    def test_invoice_missing_from_the_identifiers_is_not_rejected(self):
        """An invoice of the flow that Chorus Pro neither lists nor names in error (here:
        linked to the flow in Odoo only) is looked for again, never declared rejected;
        after the allowed time the flow needs attention."""
        moves, flow = self._deposit(2)
        stray = self._d93_invoice()
        stray._chorus_write({"chorus_flow_id": flow.id, "chorus_state": "deposited"})
        self.connector._update_flows(flow)
        self.assertEqual(flow.status, "IN_INTEGRE")
        self.assertTrue(all(moves.mapped("chorus_identifier")))
        self.assertEqual(stray.chorus_state, "deposited")
        self.assertFalse(stray.chorus_identifier)
        self.assertFalse(stray.activity_ids)
        self.assertEqual(flow.state, "sent")
        self.assertIn(stray.name, flow.error_message)
        self.assertTrue(flow.waiting_since)
        self.assertTrue(flow.certificate_id)
        # Still missing on the next poll, long after: the flow needs attention.
        flow.waiting_since = fields.Datetime.now() - timedelta(hours=49)
        self.connector._cron_update()
        self.assertEqual(flow.state, "attention")
        self.assertEqual(stray.chorus_state, "deposited")
        self.assertTrue(flow.activity_ids)
        self.assertIn("needs attention", flow.message_ids[0].body)
        self.assertIn("needs attention", stray.message_ids[0].body)
        self.assertEqual(set(moves.mapped("chorus_state")), {"deposited"})
        self.assertIn(flow, self.env["chorus.pro.flow"].search([("state", "=", "attention")]))

    def test_partial_integration_rejects_only_the_invoices_named(self):
        self.company.chorus_post_check = "warn"
        good = self._d93_invoice() | self._d93_invoice()
        bad = self._d93_invoice(purchase_order_reference=False)
        flow = self.connector._deposit(good | bad)
        self.connector._update_flows(flow)
        self.assertEqual(flow.status, "IN_INTEGRE_PARTIEL")
        self.assertEqual(flow.state, "done")
        self.assertEqual(set(good.mapped("chorus_state")), {"deposited"})
        self.assertTrue(all(good.mapped("chorus_identifier")))
        self.assertEqual(bad.chorus_state, "to_fix")
        self.assertIn("Chorus Pro rejected this invoice", bad.message_ids[0].body)

    # ---------------------------------------------------------------- 429 and gateway
    def test_429_on_deposit_waits_and_sends_once(self):
        move = self._d93_invoice()
        self.sim.reset_calls()
        self.sim.inject_fault(DEPOSIT_PATH, "http_429", retry_after=1)
        flow = self.connector._deposit(move)
        self.assertEqual(flow.state, "sent")
        self.assertEqual(move.chorus_state, "deposited")
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 2)  # refused once, then sent
        self.connector._update_flows(flow)
        self.assertTrue(move.chorus_identifier)
        self.assertEqual(len(self.sim.find_invoices(numero_facture=move.name)), 1)

    def test_gateway_error_on_flow_report_is_readable(self):
        _moves, flow = self._deposit()
        self.sim.inject_fault(REPORT_PATH, "http_502", count=10)
        self.connector._update_flows(flow)
        self.sim.clear_faults()
        self.assertEqual(flow.state, "sent")
        self.assertIn("gateway", flow.error_message)
        self.assertIn("502", flow.error_message)
        self.connector._update_flows(flow)
        self.assertEqual(flow.state, "done")

    def test_error_messages(self):
        connector = self.connector
        message = connector._error_message(
            cc.ChorusRateLimitError("too many", http_status=429, retry_after=30)
        )
        self.assertIn("try again in a few minutes", message)
        self.assertIn("Nothing was sent", message)
        message = connector._error_message(
            cc.ChorusSubscriptionError("forbidden", api="Structures", http_status=403)
        )
        self.assertIn('"Structures"', message)
        self.assertIn("not subscribed", message)
        message = connector._error_message(cc.ChorusTransientError("504 Gateway Time-out", http_status=504))
        self.assertIn("gateway", message)
        message = connector._error_message(cc.ChorusIncompleteResultError("page 2 missing", items=[{}] * 10))
        self.assertIn("10 items read", message)


@tagged("post_install", "-at_install")
class TestTrackingProduction(TestTracking):
    """The same tests with the simulator in production realism, and what only it does:
    unknown flow statuses, top-level paging, throttling."""

    # Odoo runs only the test methods a class defines, unless told otherwise.
    allow_inherited_tests_method = True
    simulator_options = {**TestTracking.simulator_options, "realism": "production"}

    def test_unknown_status_is_polled_for_a_bounded_time(self):
        moves, flow = self._deposit()
        self.sim.set_flow_status(flow.name, "IN_STATUT_FUTUR")
        self.connector._update_flows(flow)
        self.assertEqual(flow.state, "sent")
        self.assertFalse(flow.status)
        self.assertEqual(flow.status_raw, "IN_STATUT_FUTUR")
        self.assertTrue(flow.waiting_since)
        self.assertEqual(moves.chorus_state, "deposited")
        # Polled again by the cron within the allowed time.
        calls = self.sim.calls.get(REPORT_PATH, 0)
        self.connector._cron_update()
        self.assertEqual(self.sim.calls.get(REPORT_PATH, 0), calls + 1)
        self.assertEqual(flow.state, "sent")
        # After l10n_fr_chorus_pro.unknown_flow_status_hours: needs attention.
        self.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.unknown_flow_status_hours", "2")
        flow.waiting_since = fields.Datetime.now() - timedelta(hours=3)
        self.connector._cron_update()
        self.assertEqual(flow.state, "attention")
        self.assertIn("IN_STATUT_FUTUR", flow.message_ids[0].body)
        self.assertIn("IN_STATUT_FUTUR", moves.message_ids[0].body)
        activity = flow.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn("needs attention", activity.summary)
        self.assertEqual(moves.chorus_state, "deposited")  # neither rejected nor integrated
        self.assertFalse(moves.activity_ids)
        # Not polled for ever: the cron leaves it alone.
        calls = self.sim.calls.get(REPORT_PATH, 0)
        self.connector._cron_update()
        self.assertEqual(self.sim.calls.get(REPORT_PATH, 0), calls)
        # Asked by the user once Chorus Pro moved on, it ends normally.
        self.sim.set_flow_status(flow.name, "IN_EN_COURS_TRAITEMENT_CPP", hold=False)
        flow.action_chorus_update()
        self.assertEqual(flow.state, "done")
        self.assertFalse(flow.waiting_since)
        self.assertEqual(flow.status, "IN_INTEGRE")
        self.assertTrue(moves.chorus_identifier)

    def test_flow_of_more_than_ten_invoices_with_top_level_paging(self):
        """The invoice search pages at the top level by 10: the 11th and 12th invoices of
        the flow get their identifiers, none is declared rejected."""
        moves, flow = self._deposit(12)
        self.sim.reset_calls()
        self.connector._update_flows(flow)
        self.assertEqual(flow.state, "done")
        self.assertEqual(self.sim.calls.get("/cpro/factures/v1/rechercher/fournisseur"), 2)
        self.assertEqual(len(set(moves.mapped("chorus_identifier")) - {False}), 12)
        self.assertEqual(set(moves.mapped("chorus_state")), {"deposited"})
        self.assertFalse(moves.activity_ids)

    def test_throttled_lifecycle(self):
        """PISTE answers 429 to every other call: deposit, flow report, identifiers,
        certificate and status sync wait as told; the deposit is recorded once."""
        self.sim.configure(throttle_every=2, retry_after=1)
        self.addCleanup(self.sim.configure, throttle_every=0)
        move = self._d93_invoice()
        flow = self.connector._deposit(move)
        self.connector._update_flows(flow)
        self.assertEqual(flow.state, "done")
        self.assertTrue(move.chorus_identifier)
        self.assertTrue(flow.certificate_id)
        self.sim.set_invoice_status(int(move.chorus_identifier), "MISE_A_DISPOSITION")
        self.assertEqual(self.connector._sync_invoice_statuses(self.company), 1)
        self.assertEqual(move.chorus_status, "MISE_A_DISPOSITION")
        self.assertEqual(len(self.sim.find_invoices(numero_facture=move.name)), 1)
