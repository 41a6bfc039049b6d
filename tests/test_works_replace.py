# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A works statement refused on Chorus Pro (docs/works.md, "Replacing a refused
statement"), replaced as the contractor's accountant does it, against the simulator over
HTTP: the refusal comes from the MOE, *Replace the Refused Statement* cancels the invoice
with a credit note, keeps the refused statement frozen and opens a new draft statement of
the same month, which is confirmed, invoiced and submitted; the refused one counts nowhere
any more (one per month, previous cumulatives, already invoiced, retention)."""

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .test_works_deposit import SUBMIT, WRONG_MOE_SIRET
from .test_works_final import ALL_DONE, FEBRUARY, JANUARY, ChorusProWorksFinalCommon

# The context the statement form gives when opened from the contract's Statements button.
FORM_CONTEXT = {"lang": "en_US", "tz": "Europe/Paris"}


@tagged("post_install", "-at_install")
class TestWorksReplace(ChorusProWorksFinalCommon):
    def _refuse(self, move, reason="REF_FAC_TRAVAUX", comment="Référence du marché erronée"):
        """The MOE refuses the document on Chorus Pro; the status sync brings it back."""
        self._admin(
            "/works/refuse",
            {"identifiantFactureCPP": int(move.chorus_identifier), "motif": reason, "commentaire": comment},
        )
        move.action_chorus_update()
        self.assertEqual(move.chorus_state, "to_fix")

    def _replace(self, statement):
        """The statement form's *Replace the Refused Statement* button."""
        context = dict(FORM_CONTEXT, default_contract_id=statement.contract_id.id)
        action = statement.with_user(self.user).with_context(**context).action_works_replace()
        self.assertEqual((action["res_model"], action["view_mode"]), ("chorus.pro.works.statement", "form"))
        return self.env["chorus.pro.works.statement"].browse(action["res_id"])

    def _line(self, statement, code):
        return statement.line_ids.filtered(lambda line: line.item_id.code == code)

    def test_refused_monthly_statement_replaced_and_submitted(self):
        contract = self._contract()
        january = self._statement(contract, "2026-01-01", JANUARY)
        self._submit(january)
        february = self._statement(contract, "2026-02-01", FEBRUARY)
        move = self._submit(february)
        self.assertFalse(february.works_replaceable)  # with the MOE, not refused
        self._refuse(move)
        self.assertTrue(february.works_replaceable)
        self.assertIn("Replace the Refused Statement", move.chorus_banner)

        replacement = self._replace(february)

        # The invoice is cancelled by a posted credit note, reconciled with it, never deposited.
        credit_note = move.reversal_move_ids
        self.assertEqual(len(credit_note), 1)
        self.assertEqual((credit_note.state, credit_note.move_type), ("posted", "out_refund"))
        self.assertEqual(move.payment_state, "reversed")
        self.assertAlmostEqual(credit_note.amount_total, move.amount_total)
        self.assertFalse(credit_note.chorus_can_deposit)
        self.assertFalse(credit_note.chorus_works_statement_id)
        # The refused statement is kept, frozen, as evidence.
        self.assertEqual(february.state, "replaced")
        self.assertEqual(february.move_id, move)
        self.assertFalse(february.works_replaceable)
        self.assertEqual(february.replacement_ids, replacement)
        with self.assertRaisesRegex(UserError, "evidence"):
            february.with_user(self.user).write({"note": "corrigé"})
        with self.assertRaisesRegex(UserError, "already replaced"):
            february.with_user(self.user).action_works_replace()
        self.assertTrue(any(credit_note.name in (message.body or "") for message in february.message_ids))
        # The new statement: same contract and month, a draft, its previous cumulatives those
        # of January (not of the refused statement), its cumulatives the refused one's.
        self.assertEqual(
            (replacement.contract_id, replacement.kind, replacement.period, replacement.state),
            (contract, "monthly", february.period, "draft"),
        )
        self.assertEqual(replacement.replaced_statement_id, february)
        self.assertEqual(replacement.previous_statement_id, january)
        for code in ("1.1", "1.2", "2.1", "4.1"):
            self.assertEqual(self._line(replacement, code).previous, self._line(january, code).cumulative)
            self.assertEqual(self._line(replacement, code).cumulative, self._line(february, code).cumulative)
        self.assertAlmostEqual(replacement.amount_month, february.amount_month)
        # The user corrects it, confirms it, invoices it and deposits it from the forms.
        with Form(replacement.with_user(self.user)) as form:
            with form.line_ids.edit(
                next(i for i, line in enumerate(replacement.line_ids) if line.item_id.code == "4.1")
            ) as line:
                line.cumulative = 300
        replacement.with_user(self.user).action_confirm()
        self.assertNotEqual(replacement.name, february.name)
        # 138 832.50 - 12.5 m² × 87.40 = 137 740.00 cumulative, 74 840.00 this month.
        self.assertAlmostEqual(replacement.amount_cumulative, 137740.00)
        self.assertAlmostEqual(replacement.amount_month, 74840.00)
        new_move = self._invoice(replacement)
        self.assertNotEqual(new_move, move)
        self._deposit_from_form(new_move)
        self.assertEqual(replacement.state, "submitted")
        self.assertEqual(new_move.chorus_status, "MISE_A_DISPOSITION_MOE")
        self.assertEqual(
            self._sim_document(new_move)["travaux"]["typeFactureTravaux"], "PROJET_DECOMPTE_MENSUEL"
        )
        # Three documents submitted, each once; the refused one never again.
        self.assertEqual(self._calls(SUBMIT), 3)
        self.assertFalse(move.chorus_can_deposit)
        # March starts from the replacement.
        march = self._statement(contract, "2026-03-01", {"2.1": 60})
        self.assertEqual(march.previous_statement_id, replacement)
        self.assertEqual(self._line(march, "4.1").previous, 300)
        # Nothing withheld by the refused statement: its invoice has no payment.
        self.assertFalse(contract._retention_items())
        self.assertEqual(contract.retention_withheld, 0.0)

    def test_refused_final_statement_replaced_then_general_statement(self):
        contract, final, final_move = self._final_submitted()
        self._refuse(final_move, "AUTRE", "Décompte non signé")
        replacement = self._replace(final)
        self.assertEqual((final.state, replacement.kind, replacement.state), ("replaced", "final", "draft"))
        self.assertEqual(final_move.payment_state, "reversed")
        january = replacement.previous_statement_id
        self.assertEqual(january.period.month, 1)
        self.assertAlmostEqual(replacement.amount_cumulative, 431549.00)
        replacement.with_user(self.user).action_confirm()
        new_move = self._invoice(replacement)
        self._deposit_from_form(new_move)
        self.assertEqual(replacement.state, "submitted")
        self.assertEqual(
            self._sim_document(new_move)["cadreFacturation"], "A7_PROJET_DECOMPTE_FINAL_FOURNISSEUR"
        )
        self.assertEqual(self._calls(SUBMIT), 3)
        self.assertTrue(replacement.general_deadline)
        self.assertFalse(final.general_deadline)
        # The general statement: what was invoiced is January and the replacement, the
        # refused final's invoice and its credit note cancel each other out.
        general = self._general(contract, 431549.00)
        general.with_user(self.user).action_confirm()
        self.assertAlmostEqual(general.amount_invoiced_before, 431549.00)
        self.assertAlmostEqual(general.advance_repaid_before, 43154.90)
        self.assertAlmostEqual(general.amount_month, 0.0)
        # Only one final statement still: no other one, no monthly statement after it.
        with self.assertRaisesRegex(Exception, "already has a final statement"):
            self._statement(contract, "2026-04-01", ALL_DONE, kind="final")

    def test_replace_refused_for_wrong_validator_or_not_refused(self):
        contract = self._contract()
        january = self._statement(contract, "2026-01-01", JANUARY)
        # Confirmed, not submitted: nothing to replace.
        january.with_user(self.user).action_confirm()
        with self.assertRaisesRegex(UserError, "not refused on Chorus Pro"):
            january.with_user(self.user).action_works_replace()
        move = self._submit(january)
        with self.assertRaisesRegex(UserError, "not refused on Chorus Pro"):
            january.with_user(self.user).action_works_replace()
        # Refused for a wrong project manager: Correct the Validator, not a replacement.
        self._admin(
            "/structures", {"siret": WRONG_MOE_SIRET, "name": "Autre cabinet d'architecture", "public": False}
        )
        self._admin("/works/enable", {"structure": WRONG_MOE_SIRET, "enabled": True})
        self._refuse(move, "MAUVAIS_VALIDEUR", "Pas notre chantier")
        self.assertTrue(move.chorus_works_wrong_validator)
        self.assertFalse(january.works_replaceable)
        with self.assertRaisesRegex(UserError, "Correct the Validator"):
            january.with_user(self.user).action_works_replace()
        self.assertEqual((january.state, move.payment_state), ("submitted", "not_paid"))
        self.assertFalse(move.reversal_move_ids)

    def test_credit_note_already_made_or_in_draft(self):
        contract = self._contract()
        january = self._statement(contract, "2026-01-01", JANUARY)
        move = self._submit(january)
        self._refuse(move)
        # The user started the reversal from the invoice: a draft credit note.
        reversal = (
            self.env["account.move.reversal"]
            .with_user(self.user)
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"journal_id": move.journal_id.id, "reason": "Refusée par la maîtrise d'œuvre"})
        )
        credit_note = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        with self.assertRaisesRegex(UserError, "is in draft: post it"):
            january.with_user(self.user).action_works_replace()
        self.assertEqual(january.state, "submitted")
        # Posted and reconciled with the invoice: the replacement keeps it, no second one.
        credit_note.action_post()  # Odoo reconciles it with the invoice
        self.assertEqual(move.payment_state, "reversed")
        replacement = self._replace(january)
        self.assertEqual(move.reversal_move_ids, credit_note)
        self.assertEqual(january.state, "replaced")
        self.assertFalse(replacement.previous_statement_id)
        self.assertEqual(self._line(replacement, "1.2").previous, 0.0)
        self.assertEqual(self._line(replacement, "1.2").cumulative, 60.0)

    def test_later_statement_confirmed_or_submitted(self):
        contract = self._contract()
        january = self._statement(contract, "2026-01-01", JANUARY)
        move = self._submit(january)
        february = self._statement(contract, "2026-02-01", FEBRUARY)
        february.with_user(self.user).action_confirm()
        self._refuse(move)
        # February, confirmed on January's cumulatives: reset it first.
        with self.assertRaisesRegex(UserError, "reset it to draft"):
            january.with_user(self.user).action_works_replace()
        self.assertEqual((january.state, move.payment_state), ("submitted", "not_paid"))
        # Submitted on them: the replacement keeps them, so that the months add up.
        self._submit(february)
        replacement = self._replace(january)
        with Form(replacement.with_user(self.user)) as form:
            with form.line_ids.edit(
                next(i for i, line in enumerate(replacement.line_ids) if line.item_id.code == "2.1")
            ) as line:
                line.cumulative = 20
        with self.assertRaisesRegex(UserError, f"{february.name} was submitted on the cumulatives"):
            replacement.with_user(self.user).action_confirm()
        with Form(replacement.with_user(self.user)) as form:
            with form.line_ids.edit(
                next(i for i, line in enumerate(replacement.line_ids) if line.item_id.code == "2.1")
            ) as line:
                line.cumulative = 15
        replacement.with_user(self.user).action_confirm()
        self.assertAlmostEqual(replacement.amount_month, january.amount_month)
