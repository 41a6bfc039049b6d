# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The optional price revision clause of a works contract (docs/works.md): the statements
stay at the initial prices (CCAG-Travaux art. 12.1); each one shows its expected revision,
for information, for the contractor to check the project manager's figure. Index values
are test values; the expected figures are computed by hand in the comments."""

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .test_works_statements import ChorusProWorksCommon


@tagged("post_install", "-at_install")
class TestWorksRevision(ChorusProWorksCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bt01 = cls.env["chorus.pro.price.index"].create(
            {"code": "BT01", "name": "BT01 Tous corps d'état"}
        )
        for period, value in (("2026-01", 130.0), ("2026-02", 131.3)):
            cls.env["chorus.pro.price.index.value"].create(
                {"index_id": cls.bt01.id, "period": period, "value": value}
            )
        cls.manager = cls._company_user(
            "works_revision_manager", "account.group_account_manager,base.group_partner_manager"
        )
        cls.contract = cls._contract_form().save()

    def _set_clause(self, fixed, weight):
        """The accounting administrator types the clause on the contract's Price Revision tab."""
        form = Form(self.contract.with_user(self.manager))
        form.revision_fixed_part = fixed
        with form.revision_term_ids.new() as term:
            term.index_id = self.bt01
            term.weight = weight
            term.base_month = "2026-01-01"
        return form.save()

    def test_expected_revision_for_information(self):
        self._set_clause(0.15, 0.85)
        self.assertEqual(self.contract.revision_term_ids.base_value, 130.0)  # January's value
        self.assertEqual(self.contract.revision_formula, "C = 0.15 + 0.85 × BT01/BT01₀")
        january = self._statement(self.contract, "2026-01-20", {"1.1": 100, "1.2": 60, "2.1": 15})
        # C = 0.15 + 0.85 × 130.0 / 130.0 = 1.000: nothing to revise.
        self.assertEqual(
            (january.revision_expected_coefficient, january.revision_expected_amount), (1.0, 0.0)
        )
        january.with_user(self.user).action_confirm()
        february = self._statement(
            self.contract, "2026-02-01", {"1.2": 100, "2.1": 40, "4.1": 312.5}, supplies_cumulative=12000.0
        )
        # C = 0.15 + 0.85 × 131.3 / 130.0 = 0.15 + 0.8585 = 1.0085 → 1.009 (thousandth above);
        # expected revision 87 932.50 × 0.009 = 791.3925 → 791.39.
        form = Form(february.with_user(self.user))
        self.assertEqual(form.revision_expected_coefficient, 1.009)
        self.assertEqual(form.revision_expected_amount, 791.39)
        self.assertFalse(form.revision_expected_provisional)
        detail = form.revision_expected_detail
        self.assertIn("BT01: 131.3 (February 2026), base 130.0 (January 2026)", detail)
        self.assertIn("C = 1.008500000", detail)
        self.assertIn("87932.50 × (1.009 − 1) = 791.39", detail)
        # The statement itself stays at the initial prices: the same amounts as without a clause.
        self.assertEqual(
            (february.amount_month, february.amount_tax, february.amount_to_pay),
            (87932.50, 17586.50, 101122.37),
        )
        february.with_user(self.user).action_confirm()
        # March is not published: February's value is used, provisionally.
        march = self._statement(self.contract, "2026-03-01", {"2.1": 50}, supplies_cumulative=12000.0)
        self.assertTrue(march.revision_expected_provisional)
        self.assertEqual(march.revision_expected_coefficient, 1.009)
        # works 10 % × 126 800 = 12 680.00 × 0.009 = 114.12
        self.assertEqual(march.amount_month, 12680.00)
        self.assertEqual(march.revision_expected_amount, 114.12)
        self.assertIn("last published value: provisional", march.revision_expected_detail)

    def test_no_clause_no_revision(self):
        statement = self._statement(self.contract, "2026-01-20", {"1.1": 100})
        self.assertEqual(statement.revision_expected_amount, 0.0)
        self.assertFalse(statement.revision_expected_detail)

    def test_clause_weights_must_add_up(self):
        with self.assertRaisesRegex(ValidationError, "add up to 0.95 instead of 1"):
            self._set_clause(0.15, 0.80)
