# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import ChorusProCommon


@tagged("post_install", "-at_install")
class TestSpeSessions(ChorusProCommon):
    """Santé Psy Étudiant: conventions, sessions, the month's invoices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.exempt = cls._sale_tax(
            "0% exonérée art. 261-4-1° CGI",
            0.0,
            ubl_cii_tax_category_code="E",
            ubl_cii_tax_exemption_reason_code="VATEX-FR-CGI261-4",
            invoice_legal_notes="TVA non applicable, art. 261-4-1° du CGI",
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Séance Santé Psy Étudiant",
                "type": "service",
                "taxes_id": [Command.set(cls.exempt.ids)],
            }
        )
        cls.paris1 = cls.env.ref("l10n_fr_chorus_pro.partner_university_19751717000019")
        cls.paris1.write({"street": "12 place du Panthéon", "zip": "75005"})
        Convention = cls.env["chorus.pro.spe.convention"]
        cls.amu = Convention.create(
            {
                "name": "SPE-AMU-2024",
                "partner_id": cls.university.id,
                "product_id": cls.product.id,
                "year_ids": [
                    Command.create({"university_year": "2023-2024", "engagement_number": "BC-AMU-2324"}),
                    Command.create({"university_year": "2024-2025", "engagement_number": "BC-AMU-2425"}),
                ],
            }
        )
        cls.pantheon = Convention.create(
            {
                "name": "SPE-P1-2024",
                "partner_id": cls.paris1.id,
                "product_id": cls.product.id,
                "sending_method": "email",
            }
        )

    def _session(self, day, code="SPE-0001", first=False, convention=None, **values):
        return self.env["chorus.pro.spe.session"].create(
            {
                "date": day,
                "student_code": code,
                "first_session": first,
                "convention_id": (convention or self.amu).id,
                **values,
            }
        )

    def _wizard(self, month, context=None, **values):
        return (
            self.env["chorus.pro.spe.month.wizard"]
            .with_context(**(context or {}))
            .create({"month": month, "invoice_date": "2024-11-05", **values})
        )

    # ------------------------------------------------------------------
    # Prices and caps
    # ------------------------------------------------------------------
    def test_prices_across_1_july_2024(self):
        self._session("2024-06-28", "SPE-0001", first=True)
        self._session("2024-06-28", "SPE-0002")
        self._session("2024-06-28", "SPE-0003")
        self._session("2024-07-01", "SPE-0004", first=True)
        self._session("2024-07-01", "SPE-0002")
        june = self._wizard(
            "2024-06-01", {"active_model": "chorus.pro.spe.convention", "active_ids": self.amu.ids}
        )
        move = june._create_invoices()
        self.assertEqual(
            [
                (l.chorus_spe_date, l.quantity, l.price_unit, l.chorus_spe_first_count)
                for l in move.invoice_line_ids
            ],
            [(date(2024, 6, 28), 1, 40.0, 1), (date(2024, 6, 28), 2, 30.0, 0)],
        )
        self.assertEqual(move.purchase_order_reference, "BC-AMU-2324")
        july = self._wizard("2024-07-01")._create_invoices()
        self.assertEqual(
            [
                (l.chorus_spe_date, l.quantity, l.price_unit, l.chorus_spe_first_count)
                for l in july.invoice_line_ids
            ],
            [(date(2024, 7, 1), 2, 50.0, 1)],
        )
        self.assertEqual(july.amount_total, 100.0)
        # July 2024 is still the university year 2023-2024.
        self.assertEqual(july.purchase_order_reference, "BC-AMU-2324")
        self.assertEqual(july._chorus_spe_table()[1][1:3], [2, 1])

    def test_cap_across_1_september(self):
        sessions = self.env["chorus.pro.spe.session"]
        for n in range(13):
            sessions |= self._session(date(2025, 3, 1 + n), "SPE-0007", first=not n)
        september = self._session("2025-09-02", "SPE-0007", first=True)
        self.assertEqual(sessions.filtered("beyond_cap"), sessions[12])
        self.assertEqual(sessions[12].state, "beyond_cap")
        self.assertFalse(september.beyond_cap)
        wizard = self._wizard("2025-03-01")
        self.assertEqual(wizard.session_ids, sessions[:12])
        self.assertEqual(wizard.beyond_cap_ids, sessions[12])
        move = wizard.with_context(lang="en_US")._create_invoices()
        self.assertEqual(sum(move.invoice_line_ids.mapped("quantity")), 12)
        # Deleting an earlier session brings the 13th within the cap.
        sessions[0].unlink()
        self.assertFalse(sessions[12].beyond_cap)

    def test_cap_across_the_price_change(self):
        before = self.env["chorus.pro.spe.session"]
        for n in range(10):
            before |= self._session(date(2024, 5, 1 + n), "SPE-0008", first=not n)
        after = self.env["chorus.pro.spe.session"]
        for n in range(5):
            after |= self._session(date(2024, 7, 1 + n), "SPE-0008")
        # Cap 8 before 1 July 2024, 12 after: the student goes on at the 9th.
        self.assertEqual(before.filtered("beyond_cap"), before[8:])
        self.assertEqual(after.filtered("beyond_cap"), after[4])
        move = self._wizard("2024-05-01")._create_invoices()
        self.assertEqual(move.amount_total, 40.0 + 7 * 30.0)

    # ------------------------------------------------------------------
    # Never twice
    # ------------------------------------------------------------------
    def test_never_invoiced_twice(self):
        s1 = self._session("2024-10-02", "SPE-0001", first=True)
        s2 = self._session("2024-10-02", "SPE-0002")
        s3 = self._session("2024-10-10", "SPE-0003", convention=self.pantheon)
        moves = self._wizard("2024-10-01")._create_invoices()
        self.assertEqual(len(moves), 2)
        self.assertEqual((s1 | s2 | s3).mapped("state"), ["draft"] * 3)
        # A second run (the draft is enough) proposes nothing.
        rerun = self._wizard("2024-10-01")
        self.assertFalse(rerun.session_ids)
        with self.assertRaises(UserError):
            rerun._create_invoices()
        # A session logged since: only it.
        s4 = self._session("2024-10-20", "SPE-0004")
        rerun = self._wizard("2024-10-01")
        self.assertEqual(rerun.session_ids, s4)
        extra = rerun._create_invoices()
        self.assertEqual(extra.invoice_line_ids.quantity, 1)
        # Deleting a draft frees its sessions; cancelling one too.
        amu_move = moves.filtered(lambda m: m.partner_id == self.university)
        amu_move.unlink()
        self.assertEqual((s1 | s2).mapped("state"), ["to_invoice"] * 2)
        p1_move = moves - amu_move
        p1_move.button_cancel()
        self.assertEqual(s3.state, "to_invoice")
        again = self._wizard("2024-10-01")
        self.assertEqual(again.session_ids, s1 | s2 | s3)
        again._create_invoices()
        # The cancelled invoice back to draft bills sessions now on another invoice.
        p1_move.button_draft()
        failed = {i["code"]: i for i in self.env["chorus.pro.spe.session"]._checklist_items(p1_move)}
        self.assertFalse(failed["spe_sessions"]["ok"])
        self.assertIn("another invoice", failed["spe_sessions"]["message"])

    def test_duplicated_invoice_ties_no_session(self):
        self._session("2024-10-02", "SPE-0001", first=True)
        move = self._wizard("2024-10-01")._create_invoices()
        self.assertTrue(self._checklist(move)["spe_sessions"]["ok"])
        copy = move.copy()
        self.assertFalse(copy.invoice_line_ids.chorus_spe_date)
        self.assertFalse(copy.chorus_spe_convention_id)

    # ------------------------------------------------------------------
    # The invoice
    # ------------------------------------------------------------------
    def test_invoice_header_terms_and_checklist(self):
        self._bank_account()
        self._session("2024-10-02", "SPE-0001", first=True, ine="1234567890A")
        self._session("2024-10-02", "SPE-0002")
        self._session("2024-10-09", "SPE-0001")
        move = self._wizard("2024-10-01")._create_invoices()
        self.assertEqual(move.partner_id, self.university)
        self.assertEqual(move.chorus_spe_convention_id, self.amu)
        self.assertEqual(move.purchase_order_reference, "BC-AMU-2425")
        self.assertEqual(move.invoice_payment_term_id, self.env.ref("account.account_payment_term_30days"))
        self.assertEqual(move.delivery_date, date(2024, 10, 9))
        self.assertEqual(move.invoice_line_ids.tax_ids, self.exempt)
        table, total = move._chorus_spe_table()
        self.assertEqual([r[:3] for r in table], [[date(2024, 10, 2), 2, 1], [date(2024, 10, 9), 1, 0]])
        self.assertEqual(total[1:], [3, 1, 150.0])
        checklist = self._checklist(move)
        self.assertTrue(checklist["spe_sessions"]["ok"], checklist["spe_sessions"])
        self.assertTrue(checklist["taxes"]["ok"], checklist["taxes"])
        move.action_post()
        self.assertEqual(move.invoice_date_due, date(2024, 12, 5))
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("l10n_fr_chorus_pro.action_report_chorus_invoice", move.ids)[0]
            .decode()
        )
        self.assertIn("o_chorus_spe_table", html)
        self.assertIn("261-4-1", html)
        for secret in ("SPE-0001", "SPE-0002", "1234567890A"):
            self.assertNotIn(secret, html)
        self.assertNotIn(
            "SPE-0001", " ".join(move.message_ids.mapped("body") + move.invoice_line_ids.mapped("name"))
        )

    def test_sending_method_of_the_convention(self):
        Send = self.env["account.move.send"]
        self.assertEqual(self.university.with_company(self.company).invoice_sending_method, "chorus_pro")
        self.assertEqual(self.paris1.with_company(self.company).invoice_sending_method, "email")
        self._session("2024-10-02", "SPE-0001", first=True)
        self._session("2024-10-03", "SPE-0002", convention=self.pantheon)
        self._bank_account()
        moves = self._wizard("2024-10-01")._create_invoices()
        moves.action_post()
        by_partner = {m.partner_id: Send._get_default_sending_methods(m) for m in moves}
        self.assertIn("chorus_pro", by_partner[self.university])
        self.assertIn("email", by_partner[self.paris1])
        self.assertNotIn("chorus_pro", by_partner[self.paris1])
        self.pantheon.sending_method = "chorus_pro"
        self.assertEqual(self.paris1.with_company(self.company).invoice_sending_method, "chorus_pro")

    # ------------------------------------------------------------------
    # Entry points with the UI's context
    # ------------------------------------------------------------------
    def test_wizard_from_the_list_the_form_and_the_menu(self):
        action = self.env.ref("l10n_fr_chorus_pro.action_chorus_pro_spe_month_wizard")
        self.assertEqual(action.binding_model_id.model, "chorus.pro.spe.convention")
        # The list's Actions menu: the selected conventions.
        from_list = self._wizard(
            "2024-10-01",
            {
                "active_model": "chorus.pro.spe.convention",
                "active_ids": self.pantheon.ids,
                "active_id": self.pantheon.id,
            },
        )
        self.assertEqual(from_list.convention_ids, self.pantheon)
        # The form's button: the context the form view gives.
        view = self.env.ref("l10n_fr_chorus_pro.chorus_pro_spe_convention_view_form")
        self.assertIn("'active_ids': [id]", view.arch)
        from_form = self._wizard(
            "2024-10-01",
            {
                "active_model": "chorus.pro.spe.convention",
                "active_ids": [self.amu.id],
                "active_id": self.amu.id,
            },
        )
        self.assertEqual(from_form.convention_ids, self.amu)
        # The Accounting menu: every convention of the company.
        from_menu = self._wizard("2024-10-01")
        self.assertEqual(from_menu.convention_ids, self.amu | self.pantheon)
        self._session("2024-10-02", "SPE-0001", first=True)
        self._session("2024-10-03", "SPE-0002", convention=self.pantheon)
        action = from_list.action_create_invoices()
        move = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(move.partner_id, self.paris1)

    # ------------------------------------------------------------------
    # Bad input
    # ------------------------------------------------------------------
    def test_bad_inputs(self):
        with self.assertRaisesRegex(ValidationError, "future"):
            self._session("2099-01-01")
        with self.assertRaisesRegex(ValidationError, "looks like a name"):
            self._session("2024-10-02", "Dupont")
        with self.assertRaisesRegex(ValidationError, "not valid"):
            self._session("2024-10-02", "Jean Dupont 1")
        with self.assertRaisesRegex(ValidationError, "INE"):
            self._session("2024-10-02", ine="12345")
        session = self._session("2024-10-02", " spe-0099 ")
        self.assertEqual(session.student_code, "SPE-0099")
        with self.assertRaisesRegex(ValidationError, "2025-2026"):
            self.amu.year_ids = [Command.create({"university_year": "2025", "engagement_number": "X"})]

    def test_engagement_required_by_the_university(self):
        self.paris1.chorus_routing_rule = "engagement"
        with self.assertRaisesRegex(ValidationError, "requires an engagement number"):
            self.env["chorus.pro.spe.convention"].create(
                {"partner_id": self.paris1.id, "product_id": self.product.id}
            )
        self.pantheon.year_ids = [
            Command.create({"university_year": "2023-2024", "engagement_number": "BC-P1-2324"})
        ]
        self._session("2024-10-02", "SPE-0001", convention=self.pantheon)
        with self.assertRaisesRegex(UserError, "2024-2025"):
            self._wizard("2024-10-01")._create_invoices()

    def test_product_without_tax(self):
        self.product.taxes_id = False
        self._session("2024-10-02", "SPE-0001")
        with self.assertRaisesRegex(UserError, "261-4-1"):
            self._wizard("2024-10-01")._create_invoices()

    # ------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------
    def test_access_rules(self):
        session = self._session("2024-10-02", "SPE-0001")
        Session = self.env["chorus.pro.spe.session"]
        self.assertEqual(Session.with_user(self.invoicing_user).search([]), session)
        other = self.setup_other_company(name="Autre Cabinet")["company"]
        accountant = new_test_user(
            self.env,
            login="spe_other_accountant",
            groups="account.group_account_manager",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        self.assertFalse(Session.with_user(accountant).search([]))
        self.assertFalse(self.env["chorus.pro.spe.convention"].with_user(accountant).search([]))
        with self.assertRaises(AccessError):
            session.with_user(accountant).read(["student_code"])
        employee = new_test_user(
            self.env, login="spe_employee", groups="base.group_user", company_id=self.company.id
        )
        with self.assertRaises(AccessError):
            Session.with_user(employee).search([])
        with self.assertRaises(AccessError):
            self.env["chorus.pro.spe.convention"].with_user(employee).search([])
        portal = new_test_user(
            self.env, login="spe_portal", groups="base.group_portal", company_id=self.company.id
        )
        with self.assertRaises(AccessError):
            Session.with_user(portal).search([])
        # No chatter, no tracking: the sessions are not a mail.thread.
        self.assertNotIn("message_ids", Session._fields)

    # ------------------------------------------------------------------
    # Import
    # ------------------------------------------------------------------
    def test_import_sample_file(self):
        result = self._load_sample("chorus.pro.spe.session", "sample_spe_sessions.csv")
        self.assertFalse([m for m in result["messages"] if m["type"] == "error"], result["messages"])
        sessions = self.env["chorus.pro.spe.session"].browse(result["ids"])
        self.assertEqual(len(sessions), 4)
        self.assertEqual(sessions.convention_id, self.amu)
        self.assertEqual(sessions.filtered("first_session").mapped("student_code"), ["SPE-0001", "SPE-0003"])
        self.assertEqual(sessions[1].ine, "1234567890A")


@tagged("post_install", "-at_install")
class TestSpeSessionsDemo(TransactionCase):
    """The psychologist's demo conventions and sessions (skipped without demo data)."""

    def test_demo_month(self):
        company = self.env.ref("l10n_fr_chorus_pro.demo_company_psy", raise_if_not_found=False)
        if not company or not self.env.ref(
            "l10n_fr_chorus_pro.demo_spe_convention_amu", raise_if_not_found=False
        ):
            self.skipTest("installed without demo data")
        env = self.env(context=dict(self.env.context, allowed_company_ids=company.ids))
        env.user.company_ids |= company
        conventions = env.ref("l10n_fr_chorus_pro.demo_spe_convention_amu") | env.ref(
            "l10n_fr_chorus_pro.demo_spe_convention_paris1"
        )
        beyond = env["chorus.pro.spe.session"].search(
            [("beyond_cap", "=", True), ("company_id", "=", company.id)]
        )
        self.assertEqual(set(beyond.mapped("student_code")), {"SPE-0413"})
        wizard = (
            env["chorus.pro.spe.month.wizard"]
            .with_company(company)
            .with_context(active_model="chorus.pro.spe.convention", active_ids=conventions.ids)
            .create({"company_id": company.id})
        )
        self.assertEqual(wizard.beyond_cap_ids, beyond)
        moves = wizard._create_invoices()
        self.assertEqual(moves.partner_id, conventions.partner_id)
        for move in moves:
            failed = [i for i in env["chorus.pro.spe.session"]._checklist_items(move) if not i["ok"]]
            self.assertFalse(failed, failed)
            self.assertEqual(move.invoice_payment_term_id, env.ref("account.account_payment_term_30days"))
