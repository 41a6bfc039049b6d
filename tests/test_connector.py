# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Chorus Pro connector tests, against the project's simulator over real HTTP."""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import OTHER_SUPPLIER_SIRET, SIMULATOR_PASSWORD, ChorusProSimulatorCommon


@tagged("post_install", "-at_install")
class TestConnector(ChorusProSimulatorCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax_20 = cls.company_data["default_tax_sale"]

    def _deposit_and_process(self, moves, batch=True):
        flows = self.connector._deposit(moves, batch=batch)
        self.connector._update_flows(flows)
        return flows

    # ---------------------------------------------------------------- settings
    def test_connection(self):
        action = self.env["res.config.settings"].create({}).action_chorus_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("81234567600017", action["params"]["message"])
        self.company.chorus_client_secret = "wrong"
        with self.assertRaisesRegex(UserError, "refused the credentials"):
            self.env["res.config.settings"].create({}).action_chorus_test_connection()
        self.company.chorus_client_secret = "chorus-sim-secret"
        self.company.chorus_password = "wrong"
        with self.assertRaisesRegex(UserError, "refused the credentials"):
            self.connector._action_test_connection(self.company)

    def test_settings_missing_and_expired(self):
        self.company.chorus_login = False
        with self.assertRaisesRegex(UserError, "technical account login"):
            self.connector._get_client(self.company)
        self.company.chorus_login = "TECH_1_81234567600017@cpro.fr"
        self.company.write({"chorus_password": SIMULATOR_PASSWORD})
        self.assertTrue(self.company.chorus_password_expiry_date)
        self.company.chorus_password_expiry_date = "2020-01-01"
        with self.assertRaisesRegex(UserError, "expired on 01/01/2020"):
            self.connector._get_client(self.company)
        self.connector._cron_password_reminder()
        activity = self.company.partner_id.activity_ids.filtered(
            lambda a: "technical password" in (a.summary or "")
        )
        self.assertEqual(len(activity), 1)
        self.connector._cron_password_reminder()
        self.assertEqual(
            len(
                self.company.partner_id.activity_ids.filtered(
                    lambda a: "technical password" in (a.summary or "")
                )
            ),
            1,
        )

    def test_credentials_restricted_to_administrators(self):
        company = self.company.with_user(self.invoicing_user)
        with self.assertRaises(AccessError):
            company.read(["chorus_client_secret"])
        with self.assertRaises(AccessError):
            company.read(["chorus_password"])
        self.assertEqual(company.read(["chorus_environment"])[0]["chorus_environment"], "custom")
        manager = new_test_user(
            self.env, login="chorus_admin", groups="account.group_account_manager", company_id=self.company.id
        )
        self.assertEqual(self.company.with_user(manager).chorus_client_secret, "chorus-sim-secret")

    # ---------------------------------------------------------------- directory
    def test_directory_sync_departement_93(self):
        self.dept93.write({"chorus_routing_rule": "none"})
        self.dept93.action_chorus_sync_directory()
        self.assertEqual(self.dept93.chorus_structure_identifier, 25493001)
        self.assertEqual(self.dept93.chorus_routing_rule, "service_and_engagement")
        self.assertTrue(self.dept93.chorus_sync_date)
        services = {s.code: s for s in self.dept93.with_context(active_test=False).chorus_service_ids}
        self.assertEqual(set(services), {"538", "125", "218", "132", "131"})
        self.assertEqual(services["538"].chorus_service_identifier, 35493538)
        self.assertTrue(all(s.active for s in services.values()))

    def test_directory_sync_flag_combinations(self):
        cases = {
            "12345678200028": "service",
            "12345678200036": "engagement",
            "12345678200044": "service_or_engagement",
            "12345678200051": "none",
        }
        partners = self.env["res.partner"]
        for siret in cases:
            partners |= self.env["res.partner"].create(
                {
                    "name": f"Qualif {siret}",
                    "is_company": True,
                    "chorus_recipient": True,
                    "chorus_test_structure": True,
                    "company_registry": siret,
                }
            )
        self.connector._sync_recipients(partners, company=self.company)
        for partner in partners:
            self.assertEqual(partner.chorus_routing_rule, cases[partner.company_registry], partner.name)
        codes = partners.filtered(lambda p: p.company_registry == "12345678200028").chorus_service_ids.mapped(
            "code"
        )
        self.assertEqual(codes, ["SERVICE_DEST_SERV_OBL"])
        # A service closed in the directory is archived in Odoo.
        self.sim.update_service(25493001, "131", active=False)
        self.dept93.action_chorus_sync_directory()
        closed = self.env.ref("l10n_fr_chorus_pro.service_departement_93_creches_131")
        self.assertFalse(closed.active)
        unknown = self.env["res.partner"].create(
            {
                "name": "Unknown",
                "is_company": True,
                "chorus_recipient": True,
                "company_registry": "21440109300015",
            }
        )
        with self.assertRaisesRegex(UserError, "not in the Chorus Pro directory"):
            unknown.action_chorus_sync_directory()

    # ---------------------------------------------------------------- deposit
    def test_single_deposit_and_tracking(self):
        move = self._d93_invoice()
        flows = self.connector._deposit(move)
        self.assertEqual(flows.state, "sent")
        self.assertTrue(flows.name.startswith("CPP"))
        self.assertEqual(move.chorus_state, "deposited")
        self.assertEqual(move.chorus_flow_id, flows)
        with self.assertRaisesRegex(UserError, "never sent twice"):
            self.connector._deposit(move)
        self.sim.expire_tokens()  # the client renews its token transparently
        move.action_chorus_update()
        self.assertEqual(flows.status, "IN_INTEGRE")
        self.assertEqual(flows.state, "done")
        self.assertTrue(move.chorus_identifier)
        self.assertEqual(move.chorus_status, "DEPOSEE")
        self.assertTrue(move.chorus_certificate_id.raw.startswith(b"%PDF"))
        on_chorus = self.sim.find_invoices(numero_facture=move.name)
        self.assertEqual(len(on_chorus), 1)

    def test_batch_deposit_of_50_invoices(self):
        moves = self.env["account.move"]
        for _index in range(50):
            moves |= self._d93_invoice()
        flows = self._deposit_and_process(moves)
        self.assertEqual(len(flows), 1)
        self.assertTrue(flows.attachment_id.name.endswith(".tar.gz"))
        self.assertEqual(flows.status, "IN_INTEGRE")
        # The simulator pages by 10: every invoice of the flow got its identifier.
        self.assertEqual(len(moves.filtered("chorus_identifier")), 50)
        self.assertEqual(len(set(moves.mapped("chorus_identifier"))), 50)
        # The deposit certificate is attached to the flow and to every invoice (one file).
        certificates = moves.chorus_certificate_id
        self.assertEqual(len(certificates), 50)
        self.assertEqual(
            {(c.res_model, c.res_id) for c in certificates}, {("account.move", move.id) for move in moves}
        )
        flow_certificate = self.env["ir.attachment"].search(
            [
                ("res_model", "=", "chorus.pro.flow"),
                ("res_id", "=", flows.id),
                ("name", "=like", "certificat_depot_%"),
            ]
        )
        self.assertEqual(len(flow_certificate), 1)
        self.assertEqual(set(certificates.mapped("store_fname")), {flow_certificate.store_fname})
        self.assertTrue(flow_certificate.raw.startswith(b"%PDF"))
        self.assertEqual(set(moves.mapped("chorus_status")), {"DEPOSEE"})

    def test_one_flow_per_invoice(self):
        moves = self._d93_invoice() | self._d93_invoice()
        flows = self._deposit_and_process(moves, batch=False)
        self.assertEqual(len(flows), 2)
        self.assertEqual(set(flows.mapped("status")), {"IN_INTEGRE"})

    def test_status_branches(self):
        paths = {
            "paid": ["DEPOSEE", "MISE_A_DISPOSITION", "SERVICE_FAIT", "MANDATEE", "MISE_EN_PAIEMENT"],
            "rejected": [
                "DEPOSEE",
                "MISE_A_DISPOSITION",
                {"statut": "REJETEE", "commentaire": "Numéro d'engagement inconnu"},
            ],
            "suspended": ["DEPOSEE", {"statut": "SUSPENDUE", "commentaire": "Joindre l'arrêté"}],
            "recycle": ["DEPOSEE", {"statut": "A_RECYCLER", "commentaire": "Mauvais service"}],
        }
        moves = {key: self._d93_invoice() for key in paths}
        for key, move in moves.items():
            self.sim.set_invoice_path(move.name, paths[key])
        self._deposit_and_process(self.env["account.move"].concat(*moves.values()))
        for _step in range(4):
            self.sim.advance_invoices()
            self.env["account.move"].concat(*moves.values()).action_chorus_update()
        self.assertEqual(moves["paid"].chorus_status, "MISE_EN_PAIEMENT")
        self.assertEqual(moves["paid"].chorus_state, "paid")
        rejected = moves["rejected"]
        self.assertEqual(rejected.chorus_status, "REJETEE")
        self.assertEqual(rejected.chorus_state, "to_fix")
        self.assertIn("Numéro d'engagement inconnu", rejected.message_ids[0].body)
        self.assertIn("01 43 93 75 76", rejected.message_ids[0].body)  # the recipient's help
        self.assertTrue(rejected.activity_ids.filtered(lambda a: "Chorus Pro" in a.summary))
        self.assertIn(rejected, self.env["account.move"].search([("chorus_state", "=", "to_fix")]))
        messages = " ".join(moves["paid"].message_ids.mapped("body"))
        self.assertIn("Payment ordered", messages)

        suspended = moves["suspended"]
        self.assertEqual(suspended.chorus_status, "SUSPENDUE")
        document = self.env["ir.attachment"].create({"name": "arrete_placement.pdf", "raw": b"%PDF-1.4 test"})
        wizard = self.env["chorus.pro.complete.wizard"].create(
            {
                "move_id": suspended.id,
                "comment": "Arrêté joint",
                "attachment_ids": [Command.set(document.ids)],
            }
        )
        wizard.action_complete()
        self.assertEqual(self.sim.get_invoice(int(suspended.chorus_identifier))["statut"], "COMPLETEE")
        self.assertEqual(suspended.chorus_state, "deposited")

        recycle = moves["recycle"]
        self.assertEqual(recycle.chorus_status, "A_RECYCLER")
        wizard = self.env["chorus.pro.recycle.wizard"].create(
            {"move_id": recycle.id, "service_id": self.service_132.id, "comment": "Service PMI"}
        )
        wizard.action_recycle()
        chorus_invoice = self.sim.get_invoice(int(recycle.chorus_identifier))
        self.assertEqual(chorus_invoice["statut"], "DEPOSEE")
        self.assertEqual(recycle.chorus_service_id, self.service_132)

    def test_flow_rejection_then_fix_and_deposit_again(self):
        self.company.chorus_post_check = "warn"
        move = self._d93_invoice(purchase_order_reference=False)
        flow = self._deposit_and_process(move)
        self.assertEqual(flow.status, "IN_REJETE")
        self.assertEqual(move.chorus_state, "to_fix")
        self.assertTrue(move.activity_ids)
        self.assertIn("Chorus Pro rejected this invoice", move.message_ids[0].body)
        # Fix: the engagement number was missing.
        move.button_draft()
        move.purchase_order_reference = "EJ2026-000123"
        move.action_post()
        second = self._deposit_and_process(move)
        self.assertEqual(second.status, "IN_INTEGRE")
        self.assertEqual(move.chorus_state, "deposited")
        self.assertTrue(move.chorus_identifier)

    def test_engagement_check(self):
        self.company.chorus_check_engagement = True
        known = self._d93_invoice(purchase_order_reference="EJ2026-000456")
        unknown = self._d93_invoice(purchase_order_reference="EJ-INCONNU-1")
        self.connector._deposit(known | unknown)
        self.assertFalse(known.message_ids.filtered(lambda m: "was not found" in (m.body or "")))
        self.assertTrue(
            unknown.message_ids.filtered(lambda m: "EJ-INCONNU-1 was not found" in (m.body or ""))
        )
        self.assertEqual(unknown.chorus_state, "deposited")  # a warning, not a block

    # ---------------------------------------------------------------- never twice
    def test_server_error_during_deposit(self):
        move = self._d93_invoice()
        self.sim.inject_fault("/cpro/factures/v1/deposer/flux", "http_500")
        flow = self.connector._deposit(move)  # does not raise: the trace is kept
        self.assertEqual(flow.state, "unconfirmed")
        self.assertEqual(move.chorus_state, "unconfirmed")
        with self.assertRaisesRegex(UserError, "never sent twice"):
            self.connector._deposit(move)
        self.assertEqual(self.sim.calls.get("/cpro/factures/v1/deposer/flux"), 1)
        # Still within the waiting delay: searched, not found, kept unconfirmed.
        self.connector._update_flows(flow)
        self.assertEqual(move.chorus_state, "unconfirmed")
        # After the delay, Chorus Pro never got it: it can be deposited again.
        self.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.unconfirmed_delay_minutes", "-1")
        self.connector._update_flows(flow)
        self.assertFalse(move.chorus_state)
        self.assertEqual(flow.state, "failed")
        self._deposit_and_process(move)
        self.assertEqual(move.chorus_state, "deposited")
        self.assertEqual(len(self.sim.find_invoices(numero_facture=move.name)), 1)

    def test_lost_answer_during_deposit_is_recovered_without_resending(self):
        for kind in ("process_then_drop", "process_then_timeout"):
            move = self._d93_invoice()
            calls_before = self.sim.calls.get("/cpro/factures/v1/deposer/flux", 0)
            self.sim.inject_fault("/cpro/factures/v1/deposer/flux", kind)
            flow = self.connector._deposit(move)
            self.assertEqual(flow.state, "unconfirmed", kind)
            # Chorus Pro processed it on its side.
            self.sim.advance_flows(to_terminal=True)
            self.env["ir.config_parameter"].sudo().set_param(
                "l10n_fr_chorus_pro.unconfirmed_delay_minutes", "-1"
            )
            self.connector._cron_update()
            self.assertEqual(move.chorus_state, "deposited", kind)
            self.assertTrue(move.chorus_identifier, kind)
            self.assertEqual(self.sim.calls.get("/cpro/factures/v1/deposer/flux"), calls_before + 1, kind)
            self.assertEqual(len(self.sim.find_invoices(numero_facture=move.name)), 1, kind)

    def test_crash_after_deposit_is_not_sent_again(self):
        move = self._d93_invoice()
        self._deposit_and_process(move)
        # Odoo lost its record of the deposit (e.g. crash before commit).
        move.write({"chorus_state": False, "chorus_flow_id": False, "chorus_identifier": False})
        calls = self.sim.calls.get("/cpro/factures/v1/deposer/flux")
        self.connector._deposit(move)
        self.assertEqual(self.sim.calls.get("/cpro/factures/v1/deposer/flux"), calls)
        self.assertEqual(move.chorus_state, "deposited")
        self.assertTrue(move.chorus_identifier)

    # ---------------------------------------------------------------- multi-company
    def test_multi_company(self):
        other = self._other_chorus_company()
        mine, theirs = self._d93_invoice(), self._d93_invoice(company=other)
        both = (mine | theirs).with_context(allowed_company_ids=(self.company | other).ids)
        with self.assertRaisesRegex(UserError, "one company at a time"):
            self.connector.with_context(allowed_company_ids=(self.company | other).ids)._deposit(both)
        self._deposit_and_process(mine)
        self._deposit_and_process(theirs)
        suppliers = {inv["codeFournisseur"] for inv in self.sim.find_invoices(numero_facture=theirs.name)}
        self.assertEqual(suppliers, {OTHER_SUPPLIER_SIRET, "81234567600017"})  # same number, two companies
        self.assertNotEqual(theirs.chorus_identifier, mine.chorus_identifier)
        self.sim.set_invoice_status(int(theirs.chorus_identifier), "MISE_A_DISPOSITION")
        self.sim.set_invoice_status(int(mine.chorus_identifier), "MISE_A_DISPOSITION")
        self.assertEqual(self.connector._sync_invoice_statuses(self.company), 1)
        self.assertEqual(mine.chorus_status, "MISE_A_DISPOSITION")
        self.assertEqual(theirs.chorus_status, "DEPOSEE")
        self.connector._cron_update()
        self.assertEqual(theirs.chorus_status, "MISE_A_DISPOSITION")

    def test_status_sync_lists_only_changed_invoices(self):
        """The sync's date filter covers the whole day: the invoices deposited today
        (DEPOSEE, already known from the flow) are left out of the search, so a sync
        with two changes among 25 invoices costs one call, not one per page."""
        moves = self.env["account.move"]
        for _index in range(25):
            moves |= self._d93_invoice()
        self._deposit_and_process(moves)
        self.assertEqual(set(moves.mapped("chorus_status")), {"DEPOSEE"})
        paid, available = moves[3], moves[17]
        self.sim.set_invoice_status(int(paid.chorus_identifier), "MISE_EN_PAIEMENT")
        self.sim.set_invoice_status(int(available.chorus_identifier), "MISE_A_DISPOSITION")
        self.sim.reset_calls()
        self.assertEqual(self.connector._sync_invoice_statuses(self.company), 2)
        self.assertEqual(self.sim.calls.get("/cpro/factures/v1/rechercher/fournisseur"), 1)
        self.assertEqual((paid.chorus_status, paid.chorus_state), ("MISE_EN_PAIEMENT", "paid"))
        self.assertEqual(available.chorus_status, "MISE_A_DISPOSITION")
        self.assertEqual(set((moves - paid - available).mapped("chorus_status")), {"DEPOSEE"})

    # ---------------------------------------------------------------- deposit wizard
    def test_deposit_wizard_single_invoice(self):
        move = self._d93_invoice(post=False, purchase_order_reference=False)
        action = move.action_chorus_deposit()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertFalse(wizard.all_ok)
        failed = wizard.line_ids.filtered(lambda l: not l.ok)
        self.assertEqual(failed.mapped("code"), ["routing"])
        self.assertIn("engagement number (EJ) is mandatory", failed.message)
        with self.assertRaisesRegex(UserError, "Fix these points"):
            wizard.action_deposit()
        self.assertEqual(move.state, "draft")
        # The missing EJ is fixed in the wizard itself.
        self.assertTrue(wizard.can_edit_move)
        wizard.purchase_order_reference = "EJ2026-000456"
        wizard.action_check()
        self.assertTrue(wizard.all_ok)
        wizard.action_deposit()
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.purchase_order_reference, "EJ2026-000456")
        self.assertEqual(move.chorus_state, "deposited")
        self.assertEqual(wizard.state, "done")
        self.assertIn(move.chorus_flow_id.name, wizard.summary)
        self.assertIn("Next steps", wizard.summary)

    def test_deposit_wizard_batch_from_list(self):
        moves = self._d93_invoice() | self._d93_invoice() | self._d93_invoice(post=False)
        wizard = self.env["chorus.pro.deposit.wizard"].with_context(active_ids=moves.ids).create({})
        self.assertEqual(wizard.move_ids, moves)
        self.assertTrue(wizard.all_ok, wizard.line_ids.filtered(lambda l: not l.ok).mapped("message"))
        self.assertEqual(set(wizard.line_ids.mapped("move_id")), set(moves))
        self.assertIn("facturx", wizard.line_ids.filtered(lambda l: l.move_id == moves[0]).mapped("code"))
        wizard.action_deposit()
        self.assertEqual(len(moves.chorus_flow_id), 1)
        self.assertEqual(set(moves.mapped("chorus_state")), {"deposited"})
        self.connector._update_flows(moves.chorus_flow_id)
        self.assertTrue(all(moves.mapped("chorus_identifier")))
        # Deposited invoices show in the list filter.
        deposited = self.env["account.move"].search([("chorus_state", "in", ("deposited",))])
        self.assertEqual(deposited & moves, moves)

    def test_deposit_wizard_batch_with_refused_invoices(self):
        good = self._d93_invoice() | self._d93_invoice()
        bad = self._d93_invoice(post=False, purchase_order_reference=False)
        wizard = self.env["chorus.pro.deposit.wizard"].with_context(active_ids=(good | bad).ids).create({})
        self.assertFalse(wizard.all_ok)
        wizard.action_deposit()
        self.assertEqual(set(good.mapped("chorus_state")), {"deposited"})
        self.assertFalse(bad.chorus_state)
        self.assertEqual(bad.state, "draft")
        self.assertIn("2 of 3 invoices sent", wizard.summary)
        self.assertIn("Refused, Draft Invoice", wizard.summary)
        # Why, in the refused invoice's checklist shown below the summary.
        self.assertIn("engagement number (EJ) is mandatory", str(wizard.checklist_html))

    # ---------------------------------------------------------------- browser
    def test_deposit_tour(self):
        """In the browser: Deposit to Chorus Pro, fix the missing EJ, deposit, see the status."""
        move = self._d93_invoice(post=False, purchase_order_reference=False)
        self.start_tour(
            f"/odoo/account.move/{move.id}", "chorus_pro_deposit_tour", login=self.env.user.login, timeout=120
        )
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.purchase_order_reference, "EJ2026-000456")
        self.assertEqual(move.chorus_state, "deposited")
        self.assertEqual(move.chorus_status, "DEPOSEE")
        self.assertEqual(len(self.sim.find_invoices(numero_facture=move.name)), 1)


@tagged("post_install", "-at_install")
class TestConnectorProduction(TestConnector):
    """The same tests against the simulator answering as the real platform does (``production`` realism)."""

    # Odoo runs only the test methods a class defines, unless told otherwise.
    allow_inherited_tests_method = True
    simulator_options = {**TestConnector.simulator_options, "realism": "production"}
