# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What a user can do with an invoice at each Chorus Pro status.

* **Deposited invoices are locked**: every change to what Chorus Pro holds is refused,
  saying why and what to do; payments still work. A rejected invoice, a deposit
  declared not received or an invoice Chorus Pro never integrated can be corrected,
  and that is traced.
* **A way out for each status**: rejected → correct and re-issue (credit note, new
  invoice, deposited through the checklist, the rejected one never again); suspended →
  complete; to recycle → re-route; each closes its activity. The form's banner says
  where the invoice stands and what to do.

Chorus Pro is the project's simulator over real HTTP; the entry points are called as
the web client calls them (the form button on the record, with the invoice action's
context; the wizard it opens built from the action it returns).
"""

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import ChorusProSimulatorCommon

# The context of the customer invoices action (account.action_move_out_invoice_type),
# which the form's buttons run with.
INVOICE_ACTION_CONTEXT = {"default_move_type": "out_invoice", "search_default_out_invoice": 1}
DEPOSIT_PATH = "/cpro/factures/v1/deposer/flux"
REASON = "Numéro d'engagement inconnu"
REQUEST = "Joindre l'arrêté de placement"


@tagged("post_install", "-at_install")
class TestChorusPaths(ChorusProSimulatorCommon):
    # ---------------------------------------------------------------- helpers
    def _deposited(self, **values):
        """An invoice deposited and integrated on the simulator (status DEPOSEE)."""
        move = self._d93_invoice(**values)
        flows = self.connector._deposit(move)
        self.connector._update_flows(flows)
        self.assertEqual((move.chorus_state, move.chorus_status), ("deposited", "DEPOSEE"))
        return move

    def _returned(self, status, comment, **values):
        """A deposited invoice the recipient returns with ``status``, synced as the
        invoice's 'Update from Chorus Pro' button does."""
        move = self._deposited(**values)
        self.sim.set_invoice_status(int(move.chorus_identifier), status, comment=comment)
        self._button(move, "action_chorus_update")
        self.assertEqual((move.chorus_state, move.chorus_status), ("to_fix", status))
        return move

    def _button(self, move, method):
        """A form button: the method called on the record, with the invoice action's context."""
        return getattr(move.with_context(**INVOICE_ACTION_CONTEXT), method)()

    def _wizard_form(self, action):
        """The wizard a button's action opens, built as the web client does (onchanges)."""
        return Form(self.env[action["res_model"]].with_context(**action.get("context", {})))

    def _open_activities(self, move):
        return move.activity_ids.filtered(lambda a: a.summary == "Fix and send again to Chorus Pro")

    def _attachment(self, name="arrete_placement.pdf"):
        return self.env["ir.attachment"].create({"name": name, "raw": b"%PDF-1.4 test"})

    # ---------------------------------------------------------------- lock
    def test_deposited_invoice_refuses_every_change(self):
        move = self._deposited(
            chorus_beneficiary_ids=[Command.create({"name": "Enfant A", "date_start": "2026-10-01"})]
        )
        self.assertTrue(move.chorus_locked)
        self.assertFalse(move.show_reset_to_draft_button, "no button that only says no")
        total = move.amount_total
        with self.assertRaisesRegex(UserError, "cannot be reset to draft.*credit note"):
            self._button(move, "button_draft")
        with self.assertRaisesRegex(UserError, "cannot be cancelled.*credit note"):
            self._button(move, "button_cancel")
        line = move.invoice_line_ids[0]
        changes = {
            "invoice_line_ids": [Command.update(line.id, {"price_unit": 150.0})],
            "line_ids": [Command.delete(line.id)],
            "partner_id": self.university.id,
            "invoice_date": "2026-11-03",
            "invoice_date_due": "2027-01-31",
            "chorus_service_id": self.service_538.id,
            "purchase_order_reference": "EJ-AUTRE",
            "contract_reference": "MARCHE-2026-01",
            "chorus_billing_frame": "A2",
            "chorus_beneficiary_ids": [Command.create({"name": "Enfant B", "date_start": "2026-10-02"})],
            "chorus_attachment_ids": [Command.set(self._attachment().ids)],
        }
        for fname, value in changes.items():
            with (
                self.subTest(field=fname),
                self.assertRaisesRegex(
                    UserError, r"is on Chorus Pro \(Deposited\).*can no longer be changed.*credit note"
                ),
            ):
                move.write({fname: value})
        # The beneficiaries' own records, as their list view edits them.
        beneficiary = move.chorus_beneficiary_ids
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            beneficiary.write({"name": "Enfant Z"})
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            beneficiary.unlink()
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            self.env["chorus.pro.beneficiary"].create(
                {"move_id": move.id, "name": "Enfant C", "date_start": "2026-10-03"}
            )
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.amount_total, total)
        self.assertEqual(move.invoice_line_ids.price_unit, 95.0)
        self.assertEqual(move.purchase_order_reference, "EJ2026-000123")
        # The same value written again, and fields outside what was deposited, are fine.
        move.write({"purchase_order_reference": "EJ2026-000123", "ref": "Commande 42"})
        self.assertEqual(move.ref, "Commande 42")

    def test_deposited_lines_and_notes_refuse_changes_from_any_form(self):
        """The journal items' form, an import or a script edit the lines themselves; the
        invoice's note and payment reference are on the deposited Factur-X too."""
        move = self._deposited()
        line = move.invoice_line_ids[0]
        journal_item = Form(line, view="account.view_move_line_form")
        journal_item.name = "Libellé changé"
        with self.assertRaisesRegex(UserError, r"is on Chorus Pro \(Deposited\).*lines.*Label"):
            journal_item.save()
        for vals in ({"price_unit": 150.0}, {"quantity": line.quantity + 1}, {"tax_ids": [Command.clear()]}):
            with self.subTest(vals=vals), self.assertRaisesRegex(UserError, "can no longer be changed"):
                line.write(vals)
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            line.with_context(check_move_validity=False).unlink()
        with self.assertRaisesRegex(UserError, "can no longer be changed"):
            self.env["account.move.line"].with_context(check_move_validity=False).create(
                {"move_id": move.id, "name": "Ligne ajoutée", "display_type": "line_note"}
            )
        # Export the journal item, change its label, import the file back.
        xmlid = line.export_data(["id"])["datas"][0][0]
        imported = self.env["account.move.line"].load(["id", "name"], [[xmlid, "Importé"]])
        self.assertFalse(imported["ids"])
        self.assertIn("can no longer be changed", imported["messages"][0]["message"])
        for fname, value in {"narration": "<p>Autre note</p>", "payment_reference": "AUTRE-REF"}.items():
            with self.subTest(field=fname), self.assertRaisesRegex(UserError, "can no longer be changed"):
                move.write({fname: value})
        self.assertNotIn(line.name, ("Libellé changé", "Importé"))
        self.assertEqual(line.price_unit, 95.0)
        # Writing the same values again stays possible.
        line.write({"name": line.name, "price_unit": 95.0})

    def test_payment_on_a_deposited_invoice(self):
        move = self._deposited()
        action = self._button(move, "action_register_payment")
        wizard = self.env["account.payment.register"].with_context(**action["context"]).create({})
        wizard.action_create_payments()
        self.assertIn(move.payment_state, ("paid", "in_payment"))
        self.assertFalse(move.amount_residual)
        self.assertEqual(move.chorus_state, "deposited")
        # The status sync (the module's own writes) still works on it.
        self.sim.set_invoice_status(int(move.chorus_identifier), "MISE_EN_PAIEMENT")
        self._button(move, "action_chorus_update")
        self.assertEqual((move.chorus_status, move.chorus_state), ("MISE_EN_PAIEMENT", "paid"))
        self.assertEqual(move.chorus_banner_level, "success")

    def test_suspended_and_to_recycle_invoices_are_held(self):
        for status in ("SUSPENDUE", "A_RECYCLER"):
            with self.subTest(status=status):
                move = self._returned(status, "Pièce manquante")
                self.assertTrue(move.chorus_locked)
                with self.assertRaisesRegex(UserError, "cannot be reset to draft"):
                    self._button(move, "button_draft")
                with self.assertRaisesRegex(UserError, "can no longer be changed"):
                    move.write({"chorus_service_id": self.service_538.id})

    def test_rejected_invoice_can_be_corrected_and_it_is_traced(self):
        move = self._returned("REJETEE", REASON)
        self.assertFalse(move.chorus_locked)
        self.assertTrue(move.show_reset_to_draft_button)
        move._chorus_write({"chorus_status_comment": REASON + "."})  # the recipient's full stop
        self.assertIn(f"{REASON}. It is never deposited again", move.chorus_banner)
        self._button(move, "button_draft")
        self.assertEqual(move.state, "draft")
        self.assertIn("Reset to draft after Chorus Pro (rejected by the recipient)", move.message_ids[0].body)
        move.write({"purchase_order_reference": "EJ2026-000456"})
        self.assertIn(
            "Corrected after Chorus Pro (rejected by the recipient): engagement number (EJ)",
            move.message_ids[0].body,
        )
        self._button(move, "button_cancel")
        self.assertEqual(move.state, "cancel")
        self.assertIn("Cancelled after Chorus Pro", move.message_ids[0].body)

    def test_rejected_invoice_is_never_deposited_again_by_the_connector(self):
        """Whatever path calls the connector (wizard, background job), a rejected invoice
        is refused before anything is sent."""
        move = self._returned("REJETEE", REASON)
        deposits = self.sim.calls.get("/cpro/factures/v1/deposer/flux")
        with self.assertRaisesRegex(UserError, "never deposited again"):
            self.connector._deposit(move)
        self.assertEqual(self.sim.calls.get("/cpro/factures/v1/deposer/flux"), deposits)

    def test_not_integrated_invoice_can_be_corrected(self):
        """A flow Chorus Pro rejected (never integrated): corrected and deposited again,
        its activity closed."""
        self.company.chorus_post_check = "warn"
        move = self._d93_invoice(purchase_order_reference=False)
        self.connector._update_flows(self.connector._deposit(move))
        self.assertEqual((move.chorus_state, move.chorus_status), ("to_fix", False))
        self.assertEqual(move.chorus_banner_level, "danger")
        self.assertTrue(self._open_activities(move))
        self._button(move, "button_draft")
        self.assertIn("not integrated by Chorus Pro", move.message_ids[0].body)
        move.purchase_order_reference = "EJ2026-000123"
        action = self._button(move, "action_chorus_deposit")
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertTrue(wizard.all_ok, wizard.line_ids.filtered(lambda l: not l.ok).mapped("message"))
        wizard.action_deposit()
        self.assertEqual(move.chorus_state, "deposited")
        self.assertFalse(self._open_activities(move))
        self.assertFalse(move.chorus_activity_id.active)

    def test_deposit_declared_not_received_can_be_corrected(self):
        move = self._d93_invoice()
        self.sim.inject_fault(DEPOSIT_PATH, "http_500")
        flow = self.connector._deposit(move)
        self.assertEqual(move.chorus_state, "unconfirmed")
        self.assertTrue(move.chorus_locked)
        self.assertEqual(move.chorus_banner_level, "warning")
        with self.assertRaisesRegex(UserError, r"Deposit unconfirmed.*cannot be reset to draft"):
            self._button(move, "button_draft")
        self.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.unconfirmed_delay_minutes", "-1")
        self.connector._update_flows(flow)
        self.assertFalse(move.chorus_state)
        self._button(move, "button_draft")
        self.assertIn("deposit declared not received", move.message_ids[0].body)

    # ---------------------------------------------------------------- rejected
    def test_correct_and_reissue(self):
        """Rejected on the simulator → status sync → button → wizard (the reason shown,
        routing editable) → credit note posted and reconciled, new draft prefilled →
        deposited through the checklist → the simulator holds each once → activity closed."""
        original = self._d93_invoice(
            post=False,
            chorus_beneficiary_ids=[
                Command.create({"name": "Enfant A", "date_start": "2026-10-01", "date_end": "2026-10-31"})
            ],
        )
        original.chorus_beneficiary_ids.move_line_id = original.invoice_line_ids[0]
        original.chorus_attachment_ids = [Command.set(self._attachment().ids)]
        original.action_post()
        self.connector._update_flows(self.connector._deposit(original))
        self.sim.set_invoice_status(int(original.chorus_identifier), "REJETEE", comment=REASON)
        self._button(original, "action_chorus_update")
        move = original
        self.assertEqual((move.chorus_status, move.chorus_state), ("REJETEE", "to_fix"))
        self.assertEqual(move.chorus_status_comment, REASON)
        self.assertEqual(len(self._open_activities(move)), 1)
        self.assertEqual(move.chorus_banner_level, "danger")
        self.assertIn(f"Rejected by the recipient: {REASON}", move.chorus_banner)
        self.assertIn("Correct and re-issue", move.chorus_banner)
        self.assertTrue(move.chorus_can_reissue)

        # Never deposited again: the checklist and the deposit say what to do instead.
        action = self._button(move, "action_chorus_deposit")
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertFalse(wizard.all_ok)
        refusal = wizard.line_ids.filtered(lambda l: l.code == "rejected")
        self.assertFalse(refusal.ok)
        self.assertIn("Correct and re-issue", refusal.message)
        with self.assertRaisesRegex(UserError, "never deposited again.*Correct and re-issue"):
            wizard.action_deposit()

        action = self._button(move, "action_chorus_reissue")
        with self._wizard_form(action) as form:
            self.assertEqual(form.reason, REASON)
            self.assertEqual(form.purchase_order_reference, "EJ2026-000123")
            self.assertEqual(form.chorus_service_id, self.service_132)
            form.purchase_order_reference = "EJ2026-000456"
            form.contract_reference = "MARCHE-2026-07"
        result = form.record.action_reissue()

        # The credit note cancels the rejected invoice in the books.
        credit_note = move.reversal_move_ids
        self.assertEqual(len(credit_note), 1)
        self.assertEqual((credit_note.state, credit_note.move_type), ("posted", "out_refund"))
        self.assertEqual(credit_note.amount_total, move.amount_total)
        self.assertEqual(move.payment_state, "reversed")
        receivable = (move | credit_note).line_ids.filtered(
            lambda l: l.account_id.account_type == "asset_receivable"
        )
        self.assertTrue(all(receivable.mapped("reconciled")))
        self.assertEqual(credit_note.chorus_banner_level, "info")
        self.assertIn("is not deposited", credit_note.chorus_banner)
        self.assertFalse(self.env["chorus.pro.checklist"]._check(credit_note, with_facturx=False)[0]["ok"])

        # The new invoice: a draft with the same lines, customer and beneficiaries.
        new = self.env["account.move"].browse(result["res_id"])
        self.assertEqual((result["res_model"], result["view_mode"]), ("account.move", "form"))
        self.assertNotEqual(new, move)
        self.assertEqual((new.state, new.move_type), ("draft", "out_invoice"))
        self.assertEqual(new.partner_id, move.partner_id)
        self.assertEqual(new.invoice_date, fields.Date.context_today(new))
        self.assertEqual(
            new.invoice_line_ids.mapped(lambda l: (l.name, l.quantity, l.price_unit, l.tax_ids)),
            move.invoice_line_ids.mapped(lambda l: (l.name, l.quantity, l.price_unit, l.tax_ids)),
        )
        self.assertEqual(new.amount_total, move.amount_total)
        self.assertEqual(new.chorus_service_id, self.service_132)
        self.assertEqual(new.purchase_order_reference, "EJ2026-000456")
        self.assertEqual(new.contract_reference, "MARCHE-2026-07")
        self.assertEqual(new.chorus_reissued_from_id, move)
        self.assertFalse(new.chorus_state or new.chorus_status or new.chorus_identifier)
        self.assertEqual(new.chorus_beneficiary_ids.mapped("name"), ["Enfant A"])
        self.assertEqual(new.chorus_beneficiary_ids.move_line_id, new.invoice_line_ids[0])
        self.assertEqual(new.chorus_attachment_ids.mapped("name"), ["arrete_placement.pdf"])
        self.assertNotEqual(new.chorus_attachment_ids, move.chorus_attachment_ids)
        self.assertFalse(move.chorus_can_reissue)
        self.assertIn("Re-issued as", move.chorus_banner)
        with self.assertRaisesRegex(UserError, "already re-issued"):
            self._button(move, "action_chorus_reissue")
        self.assertTrue(self._open_activities(move))  # until the new invoice is deposited

        # Deposited through the usual checklist and wizard.
        action = self._button(new, "action_chorus_deposit")
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertTrue(wizard.all_ok, wizard.line_ids.filtered(lambda l: not l.ok).mapped("message"))
        wizard.action_deposit()
        self.assertEqual((new.state, new.chorus_state), ("posted", "deposited"))
        self.assertNotEqual(new.name, move.name)
        self.connector._update_flows(new.chorus_flow_id)
        self.assertEqual(new.chorus_status, "DEPOSEE")
        self.assertEqual(len(self.sim.find_invoices(numero_facture=new.name)), 1)
        self.assertEqual(len(self.sim.find_invoices(numero_facture=move.name)), 1)
        self.assertEqual(self.sim.calls.get(DEPOSIT_PATH), 2)
        # The rejection's activity is done, with what was done.
        self.assertFalse(self._open_activities(move))
        self.assertFalse(move.chorus_activity_id.active)
        self.assertIn(f"Re-issued as {new.name}", move.chorus_activity_id.feedback)
        self.assertIn("deposited on Chorus Pro", move.chorus_banner)

    def test_reissue_refusals(self):
        move = self._deposited()
        with self.assertRaisesRegex(UserError, "Only an invoice the recipient rejected"):
            self._button(move, "action_chorus_reissue")
        self.sim.set_invoice_status(int(move.chorus_identifier), "REJETEE", comment=REASON)
        self._button(move, "action_chorus_update")
        self._button(move, "button_draft")
        with self.assertRaisesRegex(UserError, "Post .* again first"):
            self._button(move, "action_chorus_reissue")

    # ---------------------------------------------------------------- suspended
    def test_suspended_then_completed(self):
        move = self._returned("SUSPENDUE", REQUEST)
        self.assertEqual(len(self._open_activities(move)), 1)
        self.assertEqual(move.chorus_banner_level, "warning")
        self.assertIn(f"Suspended by the recipient: {REQUEST}", move.chorus_banner)
        # Complete only: no deposit (the checklist's own refusal is Chorus Pro's state).
        with self.assertRaisesRegex(UserError, "cannot be reset to draft"):
            self._button(move, "button_draft")
        action = self._button(move, "action_chorus_complete")
        document = self._attachment()
        with self._wizard_form(action) as form:
            self.assertEqual(form.recipient_comment, REQUEST)
            form.comment = "Arrêté joint"
            form.attachment_ids.add(document)
        form.record.action_complete()
        self.assertEqual(self.sim.get_invoice(int(move.chorus_identifier))["statut"], "COMPLETEE")
        self.assertEqual((move.chorus_state, move.chorus_status), ("deposited", "COMPLETEE"))
        self.assertFalse(self._open_activities(move))
        self.assertIn("Completed on Chorus Pro", move.chorus_activity_id.feedback)
        self.assertEqual(move.chorus_banner_level, "info")

    def test_completion_wizard_reads_the_comment_from_chorus_pro(self):
        """An invoice suspended before the comment was kept: read from its history."""
        move = self._returned("SUSPENDUE", REQUEST)
        move._chorus_write({"chorus_status_comment": False})
        action = self._button(move, "action_chorus_complete")
        with self._wizard_form(action) as form:
            self.assertEqual(form.recipient_comment, REQUEST)
            form.comment = "Arrêté joint"

    # ---------------------------------------------------------------- to recycle
    def test_to_recycle_then_rerouted(self):
        move = self._returned("A_RECYCLER", "Mauvais service")
        self.assertIn("Mauvais service", move.chorus_banner)
        action = self._button(move, "action_chorus_recycle")
        with self._wizard_form(action) as form:
            self.assertEqual(form.recipient_comment, "Mauvais service")
            form.service_id = self.service_538
            form.comment = "Service ASE"
        form.record.action_recycle()
        self.assertEqual(self.sim.get_invoice(int(move.chorus_identifier))["statut"], "DEPOSEE")
        self.assertEqual(move.chorus_service_id, self.service_538)
        self.assertEqual(move.chorus_state, "deposited")
        self.assertFalse(self._open_activities(move))
        self.assertTrue(move.chorus_locked)

    def test_a_new_status_replaces_the_previous_activity(self):
        move = self._returned("SUSPENDUE", REQUEST)
        first = move.chorus_activity_id
        self.sim.set_invoice_status(int(move.chorus_identifier), "REJETEE", comment=REASON)
        self._button(move, "action_chorus_update")
        self.assertFalse(first.active)
        self.assertEqual(len(self._open_activities(move)), 1)
        self.assertEqual(move.chorus_status_comment, REASON)

    # ---------------------------------------------------------------- browser, in French
    def test_reissue_tour(self):
        """Rejected → Correct and re-issue → deposited → activity closed, in French."""
        user = self._french_user("chorus_paths_fr")
        move = self._returned("REJETEE", REASON)
        self.start_tour(
            f"/odoo/account.move/{move.id}", "chorus_pro_reissue_tour", login=user.login, timeout=180
        )
        new = move.chorus_reissue_ids
        self.assertEqual(len(new), 1)
        self.assertEqual(new.purchase_order_reference, "EJ2026-000456")
        self.assertEqual(new.chorus_state, "deposited")
        self.assertEqual(move.payment_state, "reversed")
        self.connector._update_flows(new.chorus_flow_id)
        self.assertEqual(len(self.sim.find_invoices(numero_facture=new.name)), 1)
        self.assertEqual(len(self.sim.find_invoices(numero_facture=move.name)), 1)
        self.assertFalse(self._open_activities(move))

    def test_complete_tour(self):
        """Suspended → Complete (the recipient's request shown), in French."""
        user = self._french_user("chorus_paths_fr")
        move = self._returned("SUSPENDUE", REQUEST)
        self.start_tour(
            f"/odoo/account.move/{move.id}", "chorus_pro_complete_tour", login=user.login, timeout=120
        )
        self.assertEqual(self.sim.get_invoice(int(move.chorus_identifier))["statut"], "COMPLETEE")
        self.assertEqual(move.chorus_state, "deposited")
        self.assertFalse(self._open_activities(move))


@tagged("post_install", "-at_install")
class TestChorusPathsProduction(TestChorusPaths):
    """The same tests against the simulator answering as the real platform does (``production`` realism)."""

    # Odoo runs only the test methods a class defines, unless told otherwise.
    allow_inherited_tests_method = True
    simulator_options = {**TestChorusPaths.simulator_options, "realism": "production"}
