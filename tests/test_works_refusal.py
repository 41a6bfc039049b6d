# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A works statement refused on Chorus Pro is never deposited again: Chorus Pro keeps the
refused document under its number. The way out is the one its refusal allows: *Correct the
Validator* for a wrong project manager, a credit note (and a new statement) otherwise.
Against the simulator over HTTP."""

from odoo.exceptions import UserError
from odoo.tests import tagged

from .test_works_deposit import SUBMIT, WRONG_MOE_SIRET, ChorusProWorksDepositCommon


@tagged("post_install", "-at_install")
class TestWorksRefusal(ChorusProWorksDepositCommon):
    def _refused(self, reason, comment, moe_siret=None):
        statement, move = self._works_invoice()
        if moe_siret:
            statement.contract_id.write({"moe_siret": moe_siret, "moe_service_code": False})
        self._deposit_from_form(move)
        self._admin(
            "/works/refuse",
            {"identifiantFactureCPP": int(move.chorus_identifier), "motif": reason, "commentaire": comment},
        )
        move.action_chorus_update()
        self.assertEqual(move.chorus_state, "to_fix")
        return statement, move

    def _assert_never_deposited_again(self, move):
        """No Deposit button, Send does not offer it, the wizard and the pipeline refuse it,
        it cannot be reset to draft: nothing is submitted again."""
        self.assertFalse(move.chorus_can_deposit)
        self.assertFalse(move._chorus_send_applicable())
        self.assertFalse(move._chorus_send_offered())
        self.assertIn("never deposited again", move._chorus_send_refusal())
        checklist = self._checklist(move)
        self.assertFalse(checklist["rejected"]["ok"])
        with self.assertRaisesRegex(UserError, "never deposited again"):
            self.connector._deposit(move)
        with self.assertRaises(UserError):
            self._deposit_from_form(move)
        self.assertFalse(move.show_reset_to_draft_button)
        with self.assertRaises(UserError):
            move.button_draft()
        self.assertEqual(move.state, "posted")
        self.assertEqual(self._calls(SUBMIT), 1)

    def test_refused_statement_never_deposited_again(self):
        statement, move = self._refused("REF_FAC_TRAVAUX", "Référence du marché erronée")
        self.assertEqual(move.chorus_status, "REFUSEE_MOE")
        self._assert_never_deposited_again(move)
        # The banner says the refusal and the way out the reason allows.
        self.assertEqual(move.chorus_banner_level, "danger")
        self.assertIn("Référence du marché erronée", move.chorus_banner)
        self.assertIn("credit note", move.chorus_banner)
        self.assertNotIn("deposit it again", move.chorus_banner)
        self.assertEqual(statement.state, "submitted")
        # The way out: a credit note cancels it; that one is not deposited either.
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"journal_id": move.journal_id.id, "reason": "Refusée par la maîtrise d'œuvre"})
        )
        credit_note = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        credit_note.action_post()
        self.assertFalse(credit_note.chorus_can_deposit)
        self.assertFalse(credit_note.chorus_to_deposit)
        self.assertFalse(self.env["account.move"].search([("chorus_to_deposit", "=", True)]) & credit_note)
        self.assertFalse(credit_note._chorus_send_offered())
        with self.assertRaisesRegex(UserError, "not deposited"):
            self.connector._deposit(credit_note)
        self.assertEqual(self._calls(SUBMIT), 1)
        self.assertEqual(move.chorus_banner_level, "info")

    def test_wrong_validator_only_corrected(self):
        # The contract names another architect firm (enabled for works on Chorus Pro).
        self._admin(
            "/structures", {"siret": WRONG_MOE_SIRET, "name": "Autre cabinet d'architecture", "public": False}
        )
        self._admin("/works/enable", {"structure": WRONG_MOE_SIRET, "enabled": True})
        _statement, move = self._refused("MAUVAIS_VALIDEUR", "Pas notre chantier", WRONG_MOE_SIRET)
        self.assertEqual(move.chorus_status, "ERREUR_FOURNISSEUR_SUR_MOE")
        self._assert_never_deposited_again(move)
        self.assertTrue(move.chorus_works_wrong_validator)
        self.assertEqual(move.chorus_banner_level, "warning")
        self.assertIn("Correct the Validator", move.chorus_banner)
        # A status sync changes nothing: still refused, still not depositable.
        move.action_chorus_update()
        self.assertEqual((move.chorus_state, move.chorus_can_deposit), ("to_fix", False))
        self.connector._works_correct_validator(move, "85234567700011", "MOE-COLLEGES")
        self.assertEqual((move.chorus_state, move.chorus_status), ("deposited", "MISE_A_DISPOSITION_MOE"))
        self.assertFalse(move.chorus_can_deposit)
        self.assertEqual(self._calls(SUBMIT), 1)
