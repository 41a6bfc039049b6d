# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The deposit wizard's checklist: grouped by invoice for a batch, failing invoices
first, with a one-line summary; each invoice version's Factur-X validated once (wizard
open, Deposit click and document build share one result, a changed invoice is validated
again). Against the project's simulator over real HTTP; the French batch tour."""

import dataclasses
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import formatLang

from odoo.addons.l10n_fr_chorus_pro.lib import facturx_validation

from .common import ChorusProSimulatorCommon

DEPOSIT_PATH = "/cpro/factures/v1/deposer/flux"


class ValidationSpy:
    """Counts the real Factur-X validations (and still runs them); ``invalid``: XMLs
    containing one of these strings get a fatal issue added to their real report."""

    def __init__(self):
        self.original = facturx_validation.validate_facturx_xml
        self.xmls = []
        self.invalid = set()

    def __call__(self, xml, *args, **kwargs):
        self.xmls.append(xml)
        report = self.original(xml, *args, **kwargs)
        text = xml.decode() if isinstance(xml, bytes) else xml
        if any(marker in text for marker in self.invalid):
            issue = facturx_validation.ValidationIssue(
                rule_id="BR-CO-15", flag="fatal", message="Injected: totals do not add up"
            )
            report = dataclasses.replace(report, ok=False, issues=[*report.issues, issue])
        return report

    @property
    def count(self):
        return len(self.xmls)


@tagged("post_install", "-at_install")
class TestDepositChecklist(ChorusProSimulatorCommon):
    simulator_options = {"flow_steps": 0, "max_page_size": 100, "fault_delay": 3.0}
    chorus_timeout = "5"

    def setUp(self):
        super().setUp()
        self.engine = self.env["chorus.pro.facturx"]
        self.engine._facturx_validation_cache_clear()
        self.addCleanup(self.engine._facturx_validation_cache_clear)
        self.spy = ValidationSpy()
        spy = patch.object(facturx_validation, "validate_facturx_xml", self.spy)
        spy.start()
        self.addCleanup(spy.stop)

    # ---------------------------------------------------------------- grouped checklist
    def test_batch_checklist_grouped_by_invoice(self):
        good = self._d93_invoice(post=False) | self._d93_invoice()
        bad = self._d93_invoice(post=False, purchase_order_reference=False)
        wizard = self._open_from_list(good | bad)
        self.assertEqual(wizard.check_summary, "2 ready, 1 to fix")
        html = str(wizard.checklist_html)
        # One block per invoice, the failing one first, then in the selection's order.
        blocks = html.split('<div class="o_chorus_checklist_invoice')[1:]
        self.assertEqual(len(blocks), 3)
        self.assertIn("o_chorus_checklist_to_fix", blocks[0])
        self.assertIn(f'data-move-id="{bad.id}"', blocks[0])
        self.assertEqual(
            [f'data-move-id="{m.id}"' in b for m, b in zip(good, blocks[1:], strict=True)], [True, True]
        )
        for block in blocks[1:]:
            self.assertIn("o_chorus_checklist_ready", block)
            self.assertNotIn("<li>", block)
        # Number or "Draft", customer, amount, service; the problems of the failing one.
        self.assertIn(">Draft</strong>", blocks[0])
        self.assertIn(self.dept93.name, blocks[0])
        self.assertIn(formatLang(self.env, bad.amount_total, currency_obj=bad.currency_id), blocks[0])
        self.assertIn(self.service_132.display_name, blocks[0])
        self.assertIn("Service code and engagement number (EJ)</strong>", blocks[0])
        self.assertIn("engagement number (EJ) is mandatory", blocks[0])
        self.assertIn(f">{good[1].name}</strong>", blocks[2])
        self.assertNotIn("Draft Invoice (*", html)
        # Deposit the valid ones: the summary of the deposit replaces the checklist.
        wizard.action_deposit()
        self.assertEqual(wizard.state, "done")
        self.assertIn("2 of 3 invoices sent", wizard.summary)
        self.assertEqual(set(good.mapped("chorus_state")), {"deposited"})
        self.assertFalse(bad.chorus_state)

    def test_all_ready_and_single_invoice(self):
        moves = self._d93_invoice() | self._d93_invoice()
        wizard = self._open_from_list(moves)
        self.assertEqual(wizard.check_summary, "2 ready, 0 to fix")
        self.assertTrue(wizard.all_ok)
        # One invoice: the checks one by one, as before (the form shows the list).
        single = self._open_from_list(self._d93_invoice(post=False, purchase_order_reference=False))
        self.assertEqual(single.move_count, 1)
        self.assertGreater(len(single.line_ids), 5)
        self.assertEqual(single.check_summary, "0 ready, 1 to fix")

    def test_summary_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        moves = self._d93_invoice() | self._d93_invoice(post=False, purchase_order_reference=False)
        wizard = self._open_from_list(moves).with_context(lang="fr_FR")
        wizard.invalidate_recordset(["check_summary", "checklist_html"])
        # The amount in French; the labels in French once the translations are loaded.
        amount = formatLang(
            self.env(context={"lang": "fr_FR"}), moves[0].amount_total, currency_obj=moves[0].currency_id
        )
        self.assertIn(",00\xa0€", amount)
        self.assertIn(amount, str(wizard.checklist_html))

    # ---------------------------------------------------------------- one validation per version
    def test_facturx_validated_once_per_deposit(self):
        moves = self._d93_invoice() | self._d93_invoice()
        wizard = self._open_from_list(moves)  # wizard open
        self.assertEqual(self.spy.count, 2)
        self.assertIn("facturx", wizard.line_ids.mapped("code"))
        wizard.action_check()  # Check again
        self.assertEqual(self.spy.count, 2)
        wizard.action_deposit()  # Deposit click + document build
        self.assertEqual(wizard.state, "done")
        self.assertEqual(set(moves.mapped("chorus_state")), {"deposited"})
        self.assertEqual(self.spy.count, 2)
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 1)

    def test_draft_validated_once_when_posted(self):
        draft = self._d93_invoice(post=False)
        wizard = self._open_from_list(draft | self._d93_invoice(post=False))
        self.assertEqual(self.spy.count, 0)  # a draft has no number yet: checked once posted
        wizard.action_deposit()
        self.assertEqual(draft.chorus_state, "deposited")
        self.assertEqual(self.spy.count, 2)

    def test_changed_invoice_is_validated_again(self):
        move = self._d93_invoice()
        checklist = self.env["chorus.pro.checklist"]
        self.assertTrue(checklist._check_facturx(move)["ok"])
        self.assertTrue(checklist._check_facturx(move)["ok"])
        self.assertEqual(self.spy.count, 1)
        # The invoice changes: its new XML is validated, the old result is not reused.
        move.purchase_order_reference = "EJ2026-000999"
        self.spy.invalid.add("EJ2026-000999")
        item = checklist._check_facturx(move)
        self.assertEqual(self.spy.count, 2)
        self.assertFalse(item["ok"])
        self.assertIn("BR-CO-15", item["message"])
        self.assertIn(b"EJ2026-000999", self.spy.xmls[-1])
        # A change of a related record reaches the XML too (not the invoice's write_date).
        self.dept93.street = "Hôtel du Département, 93006 Bobigny Cedex"
        self.assertFalse(checklist._check_facturx(move)["ok"])
        self.assertEqual(self.spy.count, 3)
        # Back to the first version: its result is reused.
        move.purchase_order_reference = "EJ2026-000123"
        self.spy.invalid.clear()
        wizard = self._open_from_list(move | self._d93_invoice())
        self.assertEqual(self.spy.count, 5)  # the new street: both validated once
        wizard.action_deposit()
        self.assertEqual(self.spy.count, 5)
        self.assertEqual(move.chorus_state, "deposited")

    def test_large_batch_validated_by_the_job(self):
        """Above the background threshold the wizard opens without validating the
        Factur-X: the job validates each invoice once, and refuses an invalid one with
        its reasons instead of failing the chunk."""
        self.env["ir.config_parameter"].sudo().set_param(
            "l10n_fr_chorus_pro.background_deposit_threshold", "2"
        )
        moves = self._d93_invoice() | self._d93_invoice() | self._d93_invoice()
        invalid = moves[1]
        self.spy.invalid.add(invalid.name)
        wizard = self._open_from_list(moves)
        self.assertEqual(self.spy.count, 0)
        self.assertTrue(wizard.all_ok)
        self.assertIn("checked by the background deposit", str(wizard.checklist_html))
        wizard.action_deposit()
        self.assertEqual(wizard.state, "background")
        job = wizard.job_id
        while job.state in ("queued", "running"):
            job._process_next_chunk()
        self.assertEqual(job.state, "done")
        self.assertEqual(self.spy.count, 3)
        self.assertEqual(job.flow_ids.move_ids, moves - invalid)
        self.assertFalse(invalid.chorus_state)
        self.assertIn("2 of 3 invoices sent", job.summary)
        self.assertIn(f"Refused, {invalid.display_name}: BR-CO-15", job.summary)

    # ---------------------------------------------------------------- browser, in French
    def _tour_batch(self, batch):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env.user.lang = "fr_FR"
        # Told apart in the list by their totals: 380,00, 570,00, 760,00 € (no other amount of
        # the list is one of them).
        good = self._d93_invoice(post=False) | self._d93_invoice(post=False)
        bad = self._d93_invoice(post=False, purchase_order_reference=False)
        for move, quantity in zip(good | bad, (4, 6, 8), strict=True):
            move.invoice_line_ids.quantity = quantity
        self.assertEqual((good | bad).mapped("amount_total"), [380.0, 570.0, 760.0])
        tour = "chorus_pro_batch_deposit_tour" if batch else "chorus_pro_batch_deposit_per_invoice_tour"
        self.start_tour(
            "/odoo/action-account.action_move_out_invoice_type", tour, login=self.env.user.login, timeout=180
        )
        self.assertEqual(set(good.mapped("chorus_state")), {"deposited"})
        self.assertEqual(len(good.chorus_flow_id), 1 if batch else 2)
        for move in good:
            self.assertIn(move, move.chorus_flow_id.move_ids)
        self.assertEqual(good.chorus_flow_id.move_ids, good)
        self.assertEqual((bad.state, bad.chorus_state), ("draft", False))
        self.sim.advance_flows(to_terminal=True)
        for move in good:
            self.assertEqual(len(self.sim.find_invoices(numero_facture=move.name)), 1)

    def test_batch_deposit_tour_french(self):
        self._tour_batch(batch=True)

    def test_batch_deposit_tour_french_one_flow_per_invoice(self):
        self._tour_batch(batch=False)
