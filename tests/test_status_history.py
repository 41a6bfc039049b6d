# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Status history of an invoice on Chorus Pro, the chatter line of each change, and
"Update from Chorus Pro" from the invoice list and the sales journal card; against the
project's simulator over real HTTP."""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .common import ChorusProSimulatorCommon


@tagged("post_install", "-at_install")
class TestStatusHistory(ChorusProSimulatorCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["l10n_fr_chorus_pro"], ["fr_FR"])
        cls.History = cls.env["chorus.pro.status.history"]
        cls.list_action = cls.env.ref("l10n_fr_chorus_pro.action_chorus_pro_update_from_list")

    # ---------------------------------------------------------------- helpers
    def _deposited(self, count=1, **values):
        """Invoices deposited and integrated by Chorus Pro (status DEPOSEE)."""
        moves = self.env["account.move"].concat(*(self._d93_invoice(**values) for _i in range(count)))
        flows = self.connector._deposit(moves)
        self.connector._update_flows(flows)
        return moves

    def _set_status(self, move, status, comment=None):
        self.sim.set_invoice_status(int(move.chorus_identifier), status, comment=comment)
        return self.sim.get_invoice(int(move.chorus_identifier))

    def _chorus_date(self, chorus_invoice):
        return self.History._chorus_date(chorus_invoice["dateHeureEtatCourant"])

    def _rows(self, move):
        """The history as the invoice form reads it (from the database: most recent first)."""
        self.env.flush_all()
        move.invalidate_recordset(["chorus_status_history_ids"])
        return move.chorus_status_history_ids

    def _status_messages(self, move):
        return move.message_ids.filtered(
            lambda m: "Chorus Pro status" in m.body or "Statut Chorus Pro" in m.body
        )

    def _label(self, status, lang):
        return dict(self.History.with_context(lang=lang).fields_get(["status"])["status"]["selection"])[
            status
        ]

    def _update_from_journal_card(self, journal):
        """The sales journal card's Chorus Pro update, as the invoicing user, with the
        context of Accounting > Dashboard."""
        action = self.env.ref("account.open_account_journal_dashboard_kanban")
        context = safe_eval(action.context or "{}", {"uid": self.env.uid})
        return (
            journal.with_user(self.invoicing_user)
            .with_context(context, allowed_company_ids=self.company.ids)
            .action_chorus_update()
        )

    def _run_list_action(self, moves, user=None, **extra):
        server_action = self.list_action.with_user(user) if user else self.list_action
        action = server_action.with_context(self._invoice_list_selection_context(moves), **extra).run()
        self.assertEqual((action["type"], action["tag"]), ("ir.actions.client", "display_notification"))
        return action["params"]

    # ---------------------------------------------------------------- history
    def test_one_row_per_change_with_date_and_comment(self):
        move = self._deposited()
        on_chorus = self.sim.get_invoice(int(move.chorus_identifier))
        deposited = move.chorus_status_history_ids
        self.assertEqual(len(deposited), 1)
        self.assertEqual(deposited.status, "DEPOSEE")
        self.assertEqual(deposited.date, self._chorus_date(on_chorus))
        self.assertEqual(deposited.company_id, self.company)

        available = self._set_status(move, "MISE_A_DISPOSITION")
        self.assertEqual(self.connector._sync_invoice_statuses(self.company), 1)
        # The same status seen again adds nothing.
        self.assertEqual(self.connector._sync_invoice_statuses(self.company), 0)
        self.assertFalse(self.connector._apply_invoice_status(move, "MISE_A_DISPOSITION"))
        move.action_chorus_update()
        rejected = self._set_status(move, "REJETEE", comment="Numéro d'engagement inconnu")
        self.assertEqual(self.connector._sync_invoice_statuses(self.company), 1)

        rows = self._rows(move)
        self.assertEqual(rows.mapped("status"), ["REJETEE", "MISE_A_DISPOSITION", "DEPOSEE"])
        self.assertEqual(
            rows.mapped("date"),
            [self._chorus_date(rejected), self._chorus_date(available), self._chorus_date(on_chorus)],
        )
        self.assertEqual(
            rows.mapped("comment"),
            [
                "Numéro d'engagement inconnu",
                available["commentaireEtatCourant"],
                on_chorus["commentaireEtatCourant"],
            ],
        )
        self.assertEqual(move.chorus_status_date, self._chorus_date(rejected))

        # Once in the chatter per change: one note each, no field tracking besides.
        self.env.flush_all()
        self.env.cr.precommit.run()  # where Odoo's field tracking would be written
        self.assertEqual(len(self._status_messages(move)), 3)
        tracked = move.message_ids.tracking_value_ids.filtered(lambda t: t.field_id.name == "chorus_status")
        self.assertFalse(tracked)

    def test_completion_and_recycling_add_one_row(self):
        suspended, recycle = self._deposited(count=2)
        self._set_status(suspended, "SUSPENDUE", comment="Joindre l'arrêté")
        self._set_status(recycle, "A_RECYCLER", comment="Mauvais service")
        self.assertEqual(self.connector._sync_invoice_statuses(self.company), 2)
        self.assertEqual(self._rows(suspended)[0].comment, "Joindre l'arrêté")
        self.assertEqual(self._rows(recycle)[0].comment, "Mauvais service")
        document = self.env["ir.attachment"].create({"name": "arrete.pdf", "raw": b"%PDF-1.4 test"})
        self.env["chorus.pro.complete.wizard"].create(
            {
                "move_id": suspended.id,
                "comment": "Arrêté joint",
                "attachment_ids": [Command.set(document.ids)],
            }
        ).action_complete()
        self.env["chorus.pro.recycle.wizard"].create(
            {"move_id": recycle.id, "service_id": self.service_132.id, "comment": "Service PMI"}
        ).action_recycle()
        self.assertEqual(self._rows(suspended).mapped("status"), ["COMPLETEE", "SUSPENDUE", "DEPOSEE"])
        self.assertEqual(self._rows(recycle).mapped("status"), ["DEPOSEE", "A_RECYCLER", "DEPOSEE"])
        # Nothing new on Chorus Pro: nothing added.
        self.connector._sync_invoice_statuses(self.company)
        self.assertEqual(len(suspended.chorus_status_history_ids), 3)
        self.assertEqual(len(recycle.chorus_status_history_ids), 3)

    # ---------------------------------------------------------------- languages
    def test_labels_in_the_reader_language(self):
        move = self._deposited()
        self._set_status(move, "MISE_A_DISPOSITION")
        self.connector.with_context(lang="fr_FR")._sync_invoice_statuses(self.company)
        self.assertIn(
            "Statut Chorus Pro : Déposée → Mise à disposition du destinataire",
            self._status_messages(move)[0].body,
        )
        self._set_status(move, "MANDATEE")
        self.connector.with_context(lang="en_US")._sync_invoice_statuses(self.company)
        self.assertIn(
            "Chorus Pro status: Made available to the recipient → Mandated",
            self._status_messages(move)[0].body,
        )
        # The cron (no language): the company's.
        self.company.partner_id.lang = "fr_FR"
        self._set_status(move, "MISE_EN_PAIEMENT")
        self.connector._cron_update()
        self.assertIn("Statut Chorus Pro : Mandatée → Mise en paiement", self._status_messages(move)[0].body)
        self.assertEqual(len(self._status_messages(move)), 4)  # with none → Deposited

        # The history is stored once, read in each reader's language.
        self.assertEqual(self._label("MANDATEE", "fr_FR"), "Mandatée")
        self.assertEqual(self._label("MANDATEE", "en_US"), "Mandated")
        french = self._company_user("chorus_history_fr", "account.group_account_invoice", lang="fr_FR")
        rows = self._rows(move).with_user(french).with_context(lang=french.lang)
        self.assertEqual(
            [row["status"] for row in rows.web_read({"status": {}, "date": {}, "comment": {}})],
            ["MISE_EN_PAIEMENT", "MANDATEE", "MISE_A_DISPOSITION", "DEPOSEE"],
        )
        labels = dict(rows.fields_get(["status"])["status"]["selection"])
        self.assertEqual(labels["MISE_A_DISPOSITION"], "Mise à disposition du destinataire")
        self.assertEqual(
            dict(
                self.env["account.move"]
                .with_context(lang="fr_FR")
                .fields_get(["chorus_status"])["chorus_status"]["selection"]
            ),
            labels,
        )

    # ---------------------------------------------------------------- security
    def test_multi_company_and_access(self):
        move = self._deposited()
        other = self._other_chorus_company()
        theirs = self._d93_invoice(company=other)
        self.connector._update_flows(self.connector._deposit(theirs))
        self.assertEqual(theirs.chorus_status_history_ids.status, "DEPOSEE")
        user_other = self._company_user("chorus_history_other", "account.group_account_invoice", other)
        rows = self.History.with_user(user_other).search([])
        self.assertEqual(rows, theirs.chorus_status_history_ids)
        self.assertFalse(self.History.with_user(user_other).search([("move_id", "=", move.id)]))
        with self.assertRaises(AccessError):
            move.chorus_status_history_ids.with_user(user_other).read(["status"])
        mine = self.History.with_user(self.invoicing_user)
        self.assertEqual(mine.search([]), move.chorus_status_history_ids)
        with self.assertRaises(AccessError):
            mine.create({"move_id": move.id, "status": "REJETEE"})
        with self.assertRaises(AccessError):
            move.chorus_status_history_ids.with_user(self.invoicing_user).write({"comment": "x"})

    # ---------------------------------------------------------------- update actions
    def test_list_action_notification(self):
        moves = self._deposited(count=3)
        self._set_status(moves[0], "REJETEE", comment="Service fermé")
        self._set_status(moves[1], "MANDATEE")
        self._set_status(moves[2], "MANDATEE")
        params = self._run_list_action(moves, user=self.invoicing_user, allowed_company_ids=self.company.ids)
        self.assertEqual(params["message"], "3 invoices updated: 1 rejected, 2 mandated")
        self.assertEqual(params["type"], "success")
        self.assertEqual(moves.mapped("chorus_status"), ["REJETEE", "MANDATEE", "MANDATEE"])
        self.assertEqual(self._rows(moves[0])[0].comment, "Service fermé")
        # Nothing new on Chorus Pro.
        params = self._run_list_action(moves)
        self.assertEqual(params["message"], "Nothing changed.")
        # Chorus Pro cannot be reached: the user is told so, never "nothing changed".
        self.sim.inject_fault("/cpro/factures/v1/rechercher/fournisseur", "http_503", count=20)
        with self.assertRaisesRegex(UserError, "Chorus Pro is not answering right now"):
            self._run_list_action(moves)
        with self.assertRaisesRegex(UserError, "Chorus Pro is not answering right now"):
            moves[0].action_chorus_update()
        self.sim.clear_faults()
        # A French user reads the statuses in French.
        self._set_status(moves[1], "MISE_EN_PAIEMENT")
        params = self._run_list_action(moves, lang="fr_FR")
        self.assertIn("1 mise en paiement", params["message"])
        # Invoices never deposited.
        draft = self._d93_invoice(post=False)
        params = self._run_list_action(draft)
        self.assertEqual(params["message"], "No invoice to update on Chorus Pro.")

    def test_update_on_a_new_database(self):
        """The first update ever, from the list's action and from the journal card: the
        history is still empty (invoices deposited, their flows not read yet)."""
        journal = self.company_data["default_journal_sale"]
        listed = self._d93_invoice() | self._d93_invoice()
        self.connector._deposit(listed)
        self.History.sudo().search([]).unlink()
        params = self._run_list_action(listed, user=self.invoicing_user, allowed_company_ids=self.company.ids)
        self.assertEqual((params["type"], params["message"]), ("success", "2 invoices updated: 2 deposited"))
        self.assertEqual(listed.mapped("chorus_status"), ["DEPOSEE", "DEPOSEE"])
        # The sales journal card's update, on an empty history again.
        carded = self._d93_invoice()
        self.connector._deposit(carded)
        self.History.sudo().search([]).unlink()
        result = self._update_from_journal_card(journal)
        self.assertEqual(result["tag"], "display_notification")
        self.assertEqual(
            (result["params"]["type"], result["params"]["message"]),
            ("success", "1 invoice updated: 1 deposited"),
        )
        self.assertEqual(carded.chorus_status, "DEPOSEE")

    def test_journal_card(self):
        journal = self.company_data["default_journal_sale"]
        paid = self._deposited()
        self.company.chorus_post_check = "warn"
        refused = self._d93_invoice(purchase_order_reference=False)
        self.connector._deposit(refused)  # the flow is not read yet: Chorus will refuse it
        self._set_status(paid, "MISE_EN_PAIEMENT")
        dashboard = journal._get_journal_dashboard_data_batched()[journal.id]
        self.assertEqual(dashboard["chorus_followed"], 2)
        # The card's button, with the dashboard's context (Accounting > Dashboard).
        result = self._update_from_journal_card(journal)
        self.assertEqual(result["tag"], "display_notification")
        self.assertEqual(result["params"]["message"], "2 invoices updated: 1 rejected, 1 payment ordered")
        self.assertEqual(refused.chorus_state, "to_fix")
        self.assertEqual(paid.chorus_state, "paid")
        dashboard = journal._get_journal_dashboard_data_batched()[journal.id]
        self.assertEqual(dashboard["chorus_followed"], 0)
        self.assertEqual(
            journal.action_chorus_update()["params"]["message"], "No invoice to update on Chorus Pro."
        )


@tagged("post_install", "-at_install")
class TestStatusHistoryProduction(TestStatusHistory):
    """The same tests against the simulator answering as the real platform does (``production`` realism)."""

    # Odoo runs only the test methods a class defines, unless told otherwise.
    allow_inherited_tests_method = True
    simulator_options = {**TestStatusHistory.simulator_options, "realism": "production"}
