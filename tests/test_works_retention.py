# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Release of the retention guarantee of a works contract at the end of the guarantee
period (docs/works.md, "Release of the retention"), as the contractor's French
invoicing user does it: the MOA pays each statement's net and the user registers it
with *Mark as fully paid* on 411710; the works are accepted; a year later the daily
cron asks to claim the retention; the MOA pays it and the user records it (*Retention
Received*) or matches the bank transaction with 411710.

Amounts (the collège's lot 1, 5 % retention, see test_works_statements.py):
January 62 900.00 → retention 3 145.00; February cumulative 138 832.50 (without
supplies) → retention 5 % = 6 941.625 → 6 941.63, less 3 145.00 = 3 796.63; held after
both payments 6 941.63.
"""

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools.misc import format_amount

from .common import ChorusProHttpCommon
from .test_works_statements import ChorusProWorksCommon

HELD = 6941.63


@tagged("post_install", "-at_install")
class TestWorksRetention(ChorusProWorksCommon, ChorusProHttpCommon):
    """An HttpCase: the cron runs in its own (test) cursor, as the scheduler runs it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.user = cls._company_user(
            "works_retention_fr",
            "account.group_account_invoice,base.group_partner_manager",
            lang="fr_FR",
            name="Claire Martin",
        )
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.activity_type = cls.env.ref("l10n_fr_chorus_pro.mail_activity_type_works_retention")
        cls.cron = cls.env.ref("l10n_fr_chorus_pro.ir_cron_chorus_works_retention")

    # ------------------------------------------------------------------ helpers
    def _pay_net(self, statement):
        """Book the statement's invoice and register the MOA's payment of the net: the
        difference, the retention, on the retention account (Mark as fully paid)."""
        action = statement.with_user(self.user).action_create_invoice()
        move = self.env["account.move"].browse(action["res_id"])
        move.with_user(self.user).action_post()
        action = move.with_user(self.user).action_register_payment()
        payment = Form(
            self.env["account.payment.register"].with_user(self.user).with_context(**action["context"])
        )
        payment.journal_id = self.bank_journal
        payment.payment_date = statement.period
        payment.amount = statement.amount_to_pay
        if statement.retention_month:
            payment.payment_difference_handling = "reconcile"
            payment.writeoff_account_id = self.retention_account
            payment.writeoff_label = "Retenue de garantie"
        payment.save().action_create_payments()
        self.assertIn(move.payment_state, ("paid", "in_payment"))
        return move

    def _contract_paid(self, **values):
        """The contract with January and February confirmed, invoiced and paid net."""
        form = self._contract_form()
        for name, value in values.items():
            setattr(form, name, value)
        contract = form.save()
        january = self._statement(contract, "2026-01-01", {"1.1": 100, "1.2": 60, "2.1": 15})
        january.with_user(self.user).action_confirm()
        self._pay_net(january)
        february = self._statement(contract, "2026-02-01", {"1.2": 100, "2.1": 40, "4.1": 312.5})
        february.with_user(self.user).action_confirm()
        self._pay_net(february)
        contract.invalidate_recordset()
        return contract

    def _open_items(self, contract):
        return self.env["account.move.line"].search(
            [
                ("account_id", "=", self.retention_account.id),
                ("partner_id", "=", self.dept93.id),
                ("company_id", "=", contract.company_id.id),
                ("reconciled", "=", False),
            ]
        )

    def _wizard(self, contract, **values):
        action = contract.with_user(self.user).action_retention_received()
        self.assertEqual(action["res_model"], "chorus.pro.works.retention.wizard")
        form = Form(self.env[action["res_model"]].with_user(self.user).with_context(**action["context"]))
        for name, value in values.items():
            setattr(form, name, value)
        return form

    def _reminders(self, contract):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", contract._name),
                ("res_id", "=", contract.id),
                ("activity_type_id", "=", self.activity_type.id),
            ]
        )

    def _figures(self, contract):
        contract.invalidate_recordset()
        contract = contract.with_user(self.user)
        return (
            contract.retention_withheld,
            contract.retention_released,
            contract.retention_held,
            contract.retention_state,
        )

    # ------------------------------------------------------------------ tests
    def test_held_then_reminded_once_then_released_by_the_wizard(self):
        contract = self._contract_paid()
        self.assertEqual(self._figures(contract), (HELD, 0.0, HELD, "held"))
        # The form: the acceptance of the works sets the end of the guarantee, a year later;
        # the MOA extends it by a month.
        with Form(contract.with_user(self.user)) as form:
            form.date_acceptance = "2026-03-31"
            self.assertEqual(str(form.date_guarantee_end), "2027-03-31")
            form.date_guarantee_end = "2027-04-30"
        self.assertEqual(str(contract.retention_due_date), "2027-05-30")
        # Guarantee running: no reminder.
        self.cron.method_direct_trigger()
        self.assertFalse(self._reminders(contract))
        self.assertEqual(self._figures(contract)[3], "held")
        with freeze_time("2027-04-30"):
            self.assertEqual(self._figures(contract)[3], "to_ask")
            self.cron.method_direct_trigger()
            self.cron.method_direct_trigger()
            reminder = self._reminders(contract)
            self.assertEqual(len(reminder), 1)
            self.assertEqual(reminder.user_id, self.user)
            # In the user's language: the amount as a French reader writes it.
            french = format_amount(self.env(context={"lang": "fr_FR"}), HELD, contract.currency_id)
            self.assertNotEqual(
                french, format_amount(self.env(context={"lang": "en_US"}), HELD, contract.currency_id)
            )
            self.assertIn(french, reminder.summary)
            self.assertIn("30/04/2027", str(reminder.note))  # the end, as a French reader writes it
            # Done by the user, the cron does not make it again.
            reminder.action_done()
            self.cron.method_direct_trigger()
            self.assertFalse(self._reminders(contract))
            contract.with_user(self.user).date_guarantee_end = "2027-04-29"
            self.cron.method_direct_trigger()
            self.assertEqual(len(self._reminders(contract)), 1)  # a new end date: asked again
        with freeze_time("2027-05-10"):
            # The MOA repays part of it, then the rest.
            self._wizard(contract, amount=2000.0).save().action_confirm()
            self.assertEqual(self._figures(contract), (HELD, 2000.0, HELD - 2000.0, "to_ask"))
            self.assertEqual(len(self._reminders(contract)), 1)
            form = self._wizard(contract)
            self.assertEqual(form.amount, round(HELD - 2000.0, 2))
            self.assertEqual(form.journal_id, self.bank_journal)
            form.save().action_confirm()
            self.assertEqual(self._figures(contract), (HELD, HELD, 0.0, "released"))
            self.assertFalse(self._reminders(contract))  # done: received
            # 411710 is cleared for the contract; the payments are posted on the bank journal.
            self.assertFalse(self._open_items(contract))
            payments = self.env["account.payment"].search(
                [("destination_account_id", "=", self.retention_account.id)]
            )
            self.assertEqual(sorted(payments.mapped("amount")), sorted([2000.0, round(HELD - 2000.0, 2)]))
            self.assertEqual(set(payments.mapped("state")), {"in_process"})
            self.assertEqual(payments.journal_id, self.bank_journal)
            self.assertTrue(self.retention_account.reconcile)
            # Nothing is held any more: the button refuses.
            with self.assertRaisesRegex(UserError, "nothing to release"):
                contract.with_user(self.user).action_retention_received()

    def test_bank_transaction_matched_in_the_wizard(self):
        contract = self._contract_paid()
        st_line = self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.bank_journal.id,
                "date": "2027-05-12",
                "payment_ref": "VIR DEPT 93 RG 2026-093-TRX-014",
                "amount": HELD,
            }
        )
        # A billing user cannot match bank transactions; an accountant can.
        wizard = self._wizard(contract).save()
        wizard.statement_line_id = st_line
        with self.assertRaisesRegex(UserError, "accountant"):
            wizard.action_confirm()
        self.user.group_ids = [Command.link(self.env.ref("account.group_account_user").id)]
        form = self._wizard(contract)
        form.statement_line_id = st_line
        self.assertEqual(form.amount, HELD)
        self.assertEqual(str(form.date), "2027-05-12")
        form.save().action_confirm()
        self.assertEqual(self._figures(contract), (HELD, HELD, 0.0, "released"))
        self.assertTrue(st_line.is_reconciled)
        self.assertEqual(st_line.partner_id, self.dept93)
        self.assertFalse(self._open_items(contract))

    def test_bank_transaction_matched_on_the_account_outside_the_contract(self):
        """The accountant matches the bank transaction with 411710 in the bank
        reconciliation (the transaction's counterpart put on 411710 and reconciled with
        the retention items), or books a miscellaneous entry: the contract follows."""
        contract = self._contract_paid()
        self.retention_account.reconcile = True
        items = self._open_items(contract)
        self.assertEqual(sum(items.mapped("amount_residual")), HELD)
        st_line = self.env["account.bank.statement.line"].create(
            {
                "journal_id": self.bank_journal.id,
                "date": "2027-05-12",
                "payment_ref": "VIR DEPT 93 RG partielle",
                "partner_id": self.dept93.id,
                "amount": 5000.0,
            }
        )
        suspense = st_line._seek_for_lines()[1]
        st_line.move_id.with_context(skip_readonly_check=True).write(
            {"line_ids": [Command.update(suspense.id, {"account_id": self.retention_account.id})]}
        )
        counterpart = st_line.move_id.line_ids.filtered(lambda l: l.account_id == self.retention_account)
        (counterpart | items).reconcile()
        self.assertTrue(st_line.is_reconciled)
        self.assertEqual(self._figures(contract), (HELD, 5000.0, HELD - 5000.0, "held"))
        # The rest by a miscellaneous entry on the bank account, matched on 411710.
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "date": "2027-05-20",
                "journal_id": self.company_data["default_journal_misc"].id,
                "line_ids": [
                    Command.create(
                        {
                            "account_id": self.bank_journal.default_account_id.id,
                            "debit": round(HELD - 5000.0, 2),
                        }
                    ),
                    Command.create(
                        {
                            "account_id": self.retention_account.id,
                            "partner_id": self.dept93.id,
                            "credit": round(HELD - 5000.0, 2),
                        }
                    ),
                ],
            }
        )
        entry.action_post()
        (entry.line_ids.filtered(lambda l: l.account_id == self.retention_account) | items).reconcile()
        self.assertEqual(self._figures(contract), (HELD, HELD, 0.0, "released"))
        # The wizard then refuses: nothing is held.
        with self.assertRaisesRegex(UserError, "nothing to release"):
            contract.with_user(self.user).action_retention_received()

    def test_two_contracts_of_the_same_moa(self):
        """Each contract reads its own retention on the shared 411710; releasing one
        leaves the other held."""
        lot1 = self._contract_paid()
        form = self._contract_form()
        form.lot = "Lot 2 - Menuiseries"
        lot2 = form.save()
        march = self._statement(lot2, "2026-03-01", {"1.1": 100})
        march.with_user(self.user).action_confirm()
        self._pay_net(march)
        self.assertEqual(march.retention_month, 925.0)  # 5 % × 18 500
        self.assertEqual(self._figures(lot1), (HELD, 0.0, HELD, "held"))
        self.assertEqual(self._figures(lot2), (925.0, 0.0, 925.0, "held"))
        self._wizard(lot2).save().action_confirm()
        self.assertEqual(self._figures(lot2), (925.0, 925.0, 0.0, "released"))
        self.assertEqual(self._figures(lot1), (HELD, 0.0, HELD, "held"))
        self.assertEqual(sum(self._open_items(lot1).mapped("amount_residual")), HELD)

    def test_refusals(self):
        # Nothing withheld yet (no statement paid).
        contract = self._contract_form().save()
        with self.assertRaisesRegex(UserError, "nothing to release"):
            contract.with_user(self.user).action_retention_received()
        self.assertEqual(self._figures(contract), (0.0, 0.0, 0.0, "none"))
        contract.unlink()
        # More than what is held, not positive.
        contract = self._contract_paid()
        wizard = self._wizard(contract, amount=HELD + 0.01).save()
        with self.assertRaisesRegex(UserError, "more than the retention the MOA still holds"):
            wizard.action_confirm()
        wizard.amount = 0.0
        with self.assertRaisesRegex(UserError, "must be positive"):
            wizard.action_confirm()
        # A bank transaction of another amount (matched by an accountant).
        self.user.group_ids = [Command.link(self.env.ref("account.group_account_user").id)]
        st_line = self.env["account.bank.statement.line"].create(
            {"journal_id": self.bank_journal.id, "date": "2027-05-12", "payment_ref": "VIR", "amount": 100.0}
        )
        wizard = self._wizard(contract).save()
        wizard.write({"statement_line_id": st_line.id, "amount": 50.0})
        with self.assertRaisesRegex(UserError, "the whole transaction"):
            wizard.action_confirm()
        self.assertFalse(st_line.is_reconciled)
        # No retention account: nothing can be read nor released.
        contract.sudo().retention_account_id = False
        with self.assertRaisesRegex(UserError, "has no retention account"):
            contract.with_user(self.user).action_retention_received()
        self.assertEqual(self._figures(contract)[2], 0.0)
        # Nothing was booked by the refused attempts.
        self.assertFalse(
            self.env["account.payment"].search([("destination_account_id", "=", self.retention_account.id)])
        )

    def test_bank_guarantee_nothing_withheld(self):
        contract = self._contract_paid(bank_guarantee=True)
        self.assertEqual(self._figures(contract), (0.0, 0.0, 0.0, "none"))
        contract.with_user(self.user).date_acceptance = "2025-01-15"  # guarantee ended
        self.cron.method_direct_trigger()
        self.assertFalse(self._reminders(contract))
        with self.assertRaisesRegex(UserError, "nothing to release"):
            contract.with_user(self.user).action_retention_received()

    def test_reserves_not_lifted_wait(self):
        contract = self._contract_paid()
        contract.with_user(self.user).write({"date_acceptance": "2025-01-15", "retention_reserves": True})
        self.assertEqual(self._figures(contract)[3], "held")
        self.cron.method_direct_trigger()
        self.assertFalse(self._reminders(contract))
        contract.with_user(self.user).retention_reserves = False  # lifted
        self.assertEqual(self._figures(contract)[3], "to_ask")
        self.cron.method_direct_trigger()
        self.assertEqual(len(self._reminders(contract)), 1)

    def test_other_company_user_sees_nothing(self):
        contract = self._contract_paid()
        other = self.setup_other_company(name="Autre entreprise BTP")["company"]
        outsider = self._company_user(
            "works_retention_outsider", "account.group_account_invoice", company=other
        )
        self.assertFalse(
            self.env["chorus.pro.works.contract"].with_user(outsider).search([("id", "=", contract.id)])
        )
        with self.assertRaises(AccessError):
            contract.with_user(outsider).read(["retention_held"])
        with self.assertRaises(AccessError):
            contract.with_user(outsider).action_retention_received()
        self.assertEqual(self._figures(contract)[2], HELD)

    def test_retention_received_tour(self):
        """In the browser, in French (static/tests/tours/chorus_pro_works_retention_tour.js)."""
        user = self._french_user("works_retention_tour_fr")
        self.user = user
        contract = self._contract_paid(date_acceptance="2025-10-01")
        self.start_tour(
            f"/odoo/action-l10n_fr_chorus_pro.action_chorus_pro_works_contract/{contract.id}",
            "chorus_pro_works_retention_tour",
            login=user.login,
            timeout=180,
        )
        self.assertEqual(self._figures(contract), (HELD, HELD, 0.0, "released"))
        self.assertFalse(self._open_items(contract))
