# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Payment follow-through: the payment stages Chorus Pro reports (mandated,
public accountant, payment ordered) on the invoice, the list filters and the sales
journal card, their reversal when a status goes back, and no journal entry from a
status; against the project's simulator over real HTTP, synced as the UI does."""

from lxml import etree

from odoo.tests import tagged
from odoo.tools.misc import format_amount
from odoo.tools.safe_eval import safe_eval

from ..models.account_move_payment import chorus_day
from .common import ChorusProSimulatorCommon

TOTAL = 285.0  # 3 x 95.00 (the Département 93 invoice of the tests, VAT-exempt)


@tagged("post_install", "-at_install")
class TestPaymentFollowUp(ChorusProSimulatorCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.History = cls.env["chorus.pro.status.history"]
        cls.journal = cls.company_data["default_journal_sale"]
        cls.list_action = cls.env.ref("l10n_fr_chorus_pro.action_chorus_pro_update_from_list")
        cls.invoices_action = cls.env.ref("account.action_move_out_invoice_type")

    # ---------------------------------------------------------------- helpers
    def _deposited(self, count=1):
        """Invoices deposited and integrated by Chorus Pro (status DEPOSEE)."""
        moves = self.env["account.move"].concat(*(self._d93_invoice() for _i in range(count)))
        self.connector._update_flows(self.connector._deposit(moves))
        self.assertEqual(set(moves.mapped("chorus_status")), {"DEPOSEE"})
        return moves

    def _set_status(self, move, status, **options):
        self.sim.set_invoice_status(int(move.chorus_identifier), status, **options)
        return self.sim.get_invoice(int(move.chorus_identifier))

    def _day(self, chorus_invoice):
        """The day Chorus Pro gives for the invoice's current status."""
        return chorus_day(self.History._chorus_date(chorus_invoice["dateHeureEtatCourant"]))

    def _update(self, moves):
        """Update from Chorus Pro from Customers > Invoices (the list's Actions menu), with
        that action's context, as the invoicing user."""
        context = dict(self._invoice_list_selection_context(moves), allowed_company_ids=self.company.ids)
        action = self.list_action.with_user(self.invoicing_user).with_context(**context).run()
        self.assertEqual(action["tag"], "display_notification")
        self.env.invalidate_all()
        return action["params"]["message"]

    def _filter_domain(self, name):
        """The domain of a filter of the invoices' search view, as the web client reads it."""
        arch = self.env["account.move"].get_view(
            self.env.ref("account.view_account_invoice_filter").id, "search"
        )["arch"]
        node = etree.fromstring(arch).xpath(f"//filter[@name='{name}']")
        self.assertEqual(len(node), 1, name)
        return safe_eval(node[0].get("domain"), {"context_today": None, "uid": self.env.uid})

    def _filtered(self, name, journal=None):
        """Customers > Invoices with the filter ``name`` (of a journal: from its card)."""
        domain = safe_eval(self.invoices_action.domain or "[]")
        if journal:
            domain = journal.open_action()["domain"]
        return self.env["account.move"].search(domain + self._filter_domain(name))

    def _update_button_shown(self, move):
        """Whether the invoice form shows Update from Chorus Pro (its invisible expression)."""
        arch = self.env["account.move"].get_views([(False, "form")])["views"]["form"]["arch"]
        button = etree.fromstring(arch).xpath("//button[@name='action_chorus_update']")[0]
        return not safe_eval(
            button.get("invisible"), {"chorus_state": move.chorus_state, "payment_state": move.payment_state}
        )

    def _accounting_counts(self):
        return (
            self.env["account.move"].search_count([]),
            self.env["account.move.line"].search_count([]),
            self.env["account.payment"].search_count([]),
        )

    # ---------------------------------------------------------------- the invoice
    def test_payment_ordered_then_taken_back(self):
        move, other = self._deposited(count=2)
        counts = self._accounting_counts()
        residual = move.amount_residual
        self.assertEqual(move.payment_state, "not_paid")
        self.assertEqual(move.amount_total, TOTAL)
        self.assertFalse(move.chorus_payment_stage)

        mandated = self._set_status(move, "MANDATEE")
        self._set_status(other, "SERVICE_FAIT")
        self.assertEqual(self._update(move | other), "2 invoices updated: 1 service certified, 1 mandated")
        self.assertEqual(move.chorus_payment_stage, "mandated")
        self.assertEqual(move.chorus_mandate_date, self._day(mandated))
        self.assertFalse(move.chorus_payment_order_date)
        self.assertEqual(move.chorus_payment_comment, "Facture mandatée")
        self.assertEqual(move.chorus_amount_to_pay, TOTAL)  # montantAPayer of the deposit
        self.assertEqual(move.chorus_follow_up, "mandated")
        self.assertIn("the payment is to come", move.chorus_banner)
        self.assertEqual(self._filtered("chorus_mandated"), move)
        self.assertFalse(self._filtered("chorus_payment_ordered"))
        self.assertEqual(self._filtered("chorus_follow_processing"), other)

        self._set_status(move, "COMPTABILISEE")
        self._update(move)
        self.assertEqual(move.chorus_payment_stage, "recorded")
        self.assertEqual(move.chorus_mandate_date, self._day(mandated))
        self.assertIn("Recorded by the public accountant on", move.chorus_payment_info)

        # Payment ordered by the public accountant, less a 42.00 deduction.
        ordered = self._set_status(move, "MISE_EN_PAIEMENT", comment="Virement émis", amount_to_pay=300.0)
        self.assertEqual(self._update(move), "1 invoice updated: 1 payment ordered")
        self.assertEqual((move.chorus_status, move.chorus_state), ("MISE_EN_PAIEMENT", "paid"))
        self.assertEqual(move.chorus_payment_stage, "payment_ordered")
        self.assertEqual(move.chorus_payment_order_date, self._day(ordered))
        self.assertEqual(move.chorus_mandate_date, self._day(mandated))
        self.assertEqual(move.chorus_amount_to_pay, 300.0)
        self.assertEqual(move.chorus_payment_comment, "Virement émis")
        self.assertEqual(move.chorus_follow_up, "payment_ordered")
        day = self._day(ordered).strftime("%m/%d/%Y")
        self.assertEqual(
            move.chorus_payment_info,
            f"Payment ordered by the public body on {day} "
            f"({format_amount(self.env, 300.0, move.currency_id)}) — awaiting the bank payment.",
        )
        self.assertEqual(
            (move.chorus_banner, move.chorus_banner_level), (move.chorus_payment_info, "success")
        )
        self.assertEqual(self._filtered("chorus_payment_ordered"), move)
        self.assertFalse(self._filtered("chorus_mandated"))
        self.assertTrue(self._update_button_shown(move))  # it may still be taken back
        # Odoo's payment is the bank's: no entry, no payment, nothing paid.
        self.assertEqual(self._accounting_counts(), counts)
        self.assertEqual((move.payment_state, move.amount_residual), ("not_paid", residual))

        # The payment goes back (returned by the bank: recorded again).
        self._set_status(move, "COMPTABILISEE", comment="Virement rejeté, RIB clos")
        self.assertEqual(self._update(move), "1 invoice updated: 1 recorded by the public accountant")
        self.assertEqual((move.chorus_status, move.chorus_state), ("COMPTABILISEE", "deposited"))
        self.assertEqual(move.chorus_payment_stage, "recorded")
        self.assertFalse(move.chorus_payment_order_date)
        self.assertEqual(move.chorus_mandate_date, self._day(mandated))
        self.assertEqual(move.chorus_payment_comment, "Virement rejeté, RIB clos")
        self.assertEqual(move.chorus_follow_up, "mandated")
        self.assertNotIn("Payment ordered", move.chorus_banner)
        self.assertFalse(self._filtered("chorus_payment_ordered"))
        self.assertEqual(self._filtered("chorus_mandated"), move)

        # Further back: suspended, no payment stage at all.
        self._set_status(move, "SUSPENDUE", comment="Joindre le RIB")
        self._update(move)
        self.assertEqual((move.chorus_state, move.chorus_payment_stage), ("to_fix", False))
        self.assertFalse(move.chorus_mandate_date or move.chorus_payment_comment)
        self.assertFalse(move.chorus_follow_up or move.chorus_payment_info)
        self.assertFalse(self._filtered("chorus_mandated"))
        self.assertEqual(self._accounting_counts()[2], counts[2])  # still no payment
        self.assertEqual(self._accounting_counts()[:2], (counts[0], counts[1]))

    def test_payment_received_in_odoo(self):
        move = self._deposited()
        ordered = self._set_status(move, "MISE_EN_PAIEMENT")
        self._update(move)
        self.assertEqual(move.chorus_follow_up, "payment_ordered")
        self.assertTrue(move.chorus_payment_order_date)
        # The money comes in: the payment is registered in Odoo, by the user.
        self._register_payment(move)
        self.assertIn(move.payment_state, ("paid", "in_payment"))
        self.assertEqual(move.chorus_payment_stage, "payment_ordered")
        self.assertFalse(move.chorus_follow_up)
        self.assertEqual(
            move.chorus_payment_info,
            "Payment ordered by the public body on %s." % self._day(ordered).strftime("%m/%d/%Y"),
        )
        self.assertFalse(self._filtered("chorus_payment_ordered"))
        self.assertFalse(self._update_button_shown(move))
        # Received: the sync no longer follows it.
        followed = self.env["account.move"].search(self.connector._status_sync_domain(self.company))
        self.assertNotIn(move, followed)

    # ---------------------------------------------------------------- journal card
    def test_journal_card_amounts(self):
        moves = self._deposited(count=7)
        waiting, processing, mandated, recorded, ordered, received, rejected = moves
        self._set_status(processing, "SERVICE_FAIT")
        self._set_status(mandated, "MANDATEE")
        self._set_status(recorded, "COMPTABILISEE")
        self._set_status(ordered, "MISE_EN_PAIEMENT", amount_to_pay=300.0)
        self._set_status(received, "MISE_EN_PAIEMENT")
        self._set_status(rejected, "REJETEE", comment="Service fermé")
        self._update(moves)
        self._register_payment(received)
        counts = self._accounting_counts()

        dashboard = self.journal._get_journal_dashboard_data_batched()[self.journal.id]
        # Amounts still due, in the company currency (the amount to pay does not count:
        # what Odoo expects is its own amount due).
        self.assertEqual(
            dashboard["chorus_follow_up"],
            {"deposited": TOTAL, "processing": TOTAL, "mandated": 2 * TOTAL, "payment_ordered": TOTAL},
        )
        self.assertEqual(dashboard["chorus_follow_up_mandated"], self.company.currency_id.format(2 * TOTAL))
        # Each amount opens the journal's invoices with the filter of the same name.
        buckets = {
            "deposited": "chorus_follow_deposited",
            "processing": "chorus_follow_processing",
            "mandated": "chorus_mandated",
            "payment_ordered": "chorus_payment_ordered",
        }
        expected = {
            "deposited": waiting,
            "processing": processing,
            "mandated": mandated | recorded,
            "payment_ordered": ordered,
        }
        for bucket, name in buckets.items():
            with self.subTest(bucket=bucket):
                action = self.journal.with_context(**{f"search_default_{name}": "1"}).open_action()
                self.assertEqual(action["context"][f"search_default_{name}"], "1")
                found = self._filtered(name, journal=self.journal)
                self.assertEqual(found, expected[bucket])
                self.assertEqual(
                    sum(found.mapped("amount_residual_signed")), dashboard["chorus_follow_up"][bucket]
                )
        # The card's view renders the line (the dashboard data it reads exists).
        arch = self.env["account.journal"].get_view(
            self.env.ref("account.account_journal_dashboard_kanban_view").id, "kanban"
        )["arch"]
        for name in buckets.values():
            self.assertIn(f"search_default_{name}", arch)
        self.assertEqual(self._accounting_counts(), counts)  # reading makes nothing

        # A status going back moves the amount to its bucket.
        self._set_status(ordered, "MANDATEE", comment="Paiement annulé")
        self._update(ordered)
        dashboard = self.journal._get_journal_dashboard_data_batched()[self.journal.id]
        self.assertEqual(dashboard["chorus_follow_up"]["payment_ordered"], 0.0)
        self.assertEqual(dashboard["chorus_follow_up"]["mandated"], 3 * TOTAL)


@tagged("post_install", "-at_install")
class TestPaymentFollowUpProduction(TestPaymentFollowUp):
    """The same tests against the simulator answering as the real platform does (``production`` realism)."""

    allow_inherited_tests_method = True
    simulator_options = {**TestPaymentFollowUp.simulator_options, "realism": "production"}

    def test_journal_card_rows_are_in_the_sales_column(self):
        """The Chorus Pro rows are drawn in the sales card's column of amounts (the card
        has a bank/cash column of the same name, where they would never show)."""
        view = self.env.ref("account.account_journal_dashboard_kanban_view")
        arch, _view = self.env["account.journal"]._get_view(view.id, "kanban")
        sales = arch.xpath("//div[@name='kanban_primary_right'][not(@id='dashboard_bank_cash_right')]")
        self.assertEqual(len(sales), 1)
        rows = sales[0].xpath(".//div[contains(@class, 'o_chorus_follow_up ')]")
        self.assertEqual(
            [row.get("class").split()[-1] for row in rows],
            [
                "o_chorus_follow_up_deposited",
                "o_chorus_follow_up_processing",
                "o_chorus_follow_up_mandated",
                "o_chorus_follow_up_payment_ordered",
            ],
        )
        self.assertTrue(sales[0].xpath(".//a[@name='action_chorus_update']"))
        self.assertTrue(sales[0].xpath(".//a[contains(@context, 'search_default_chorus_to_fix')]"))
        bank = arch.xpath("//div[@id='dashboard_bank_cash_right']")[0]
        self.assertFalse(
            bank.xpath(
                ".//*[contains(@class, 'o_chorus') or contains(@name, 'chorus')"
                " or contains(@context, 'chorus')]"
            )
        )
