# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Price revision of orders and of the invoices made from them (docs/price-revision.md).

Index values are published ones: Syntec (Fédération Syntec) January 2023 = 293.9,
October 2023 = 306.7, November 2023 = 307.0
(https://www.salaire-minimum.com/indices/indice-syntec-2023, secondary source), and
INSEE's BT40 January 2018 = 105.90, December 2018 = 107.70
(https://batirama.com/indices-index-batiment/85-bt40-chauffage-central-a-l-exclusion-du-chauffage-electrique-2018.html,
secondary source reproducing INSEE's values).
"""

import csv

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import file_open

from odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_document import normalize_text

from .test_orders import ChorusProOrderCommon

SYNTEC_2023 = [
    ("2023-01", 293.9, "2023-02-28"),
    ("2023-10", 306.7, "2023-11-30"),
    ("2023-11", 307.0, "2023-12-29"),
]


class PriceRevisionSetup:
    """The Syntec and BT40 indices with published values and a revisable market of the
    Département 93: C = 0.30 + 0.70 × SYNTEC / SYNTEC₀, base month January 2023."""

    @classmethod
    def _setup_price_revision(cls, tax):
        Index = cls.env["chorus.pro.price.index"]
        cls.syntec = Index.create(
            {"code": "SYNTEC", "name": "Indice Syntec", "publisher": "Fédération Syntec"}
        )
        cls.bt40 = Index.create(
            {"code": "BT40", "name": "Chauffage central (à l'exclusion du chauffage électrique)"}
        )
        Value = cls.env["chorus.pro.price.index.value"]
        for period, value, published in SYNTEC_2023:
            Value.create(
                {"index_id": cls.syntec.id, "period": period, "value": value, "publication_date": published}
            )
        Value.create({"index_id": cls.bt40.id, "month": "2018-01-15", "value": 105.90})
        Value.create({"index_id": cls.bt40.id, "month": "2018-12-01", "value": 107.70})
        cls.market = cls.env["chorus.pro.order"].create(
            {
                "name": "OS-2023-007",
                "kind": "market",
                "partner_id": cls.dept93.id,
                "service_id": cls.service_132.id,
                "engagement_number": "EJ2023-000007",
                "market_number": "MP-2022-0099",
                "date_order": "2023-01-15",
                "date_start": "2023-01-15",
                "date_end": "2023-12-31",
                "price_type": "revisable",
                "revision_fixed_part": 0.30,
                "revision_term_ids": [
                    Command.create({"index_id": cls.syntec.id, "weight": 0.70, "base_month": "2023-01-01"})
                ],
                "line_ids": [
                    Command.create(
                        {
                            "name": "Journée de conseil (BPU 2.1)",
                            "quantity": 10,
                            "price_unit": 500.0,
                            "tax_ids": [Command.set(tax.ids)],
                        }
                    )
                ],
            }
        )

    def _market_invoice(self, service_date):
        """Create invoice from the order (the form button), then the service date and
        Apply the price revision (the invoice's button)."""
        move = self.env["account.move"].browse(self.market.action_create_invoice()["res_id"])
        move.delivery_date = service_date
        move.action_chorus_apply_price_revision()
        return move


@tagged("post_install", "-at_install")
class TestPriceRevision(PriceRevisionSetup, ChorusProOrderCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_price_revision(cls.tax)

    def _failed(self, move):
        return {
            item["code"]: item["message"]
            for item in self.env["chorus.pro.order"]._checklist_items(move)
            if not item["ok"]
        }

    def test_single_index_invoice(self):
        self.assertEqual(self.market.revision_term_ids.base_value, 293.9, "base value from the index")
        self.assertEqual(self.market.revision_formula, "C = 0.3 + 0.7 × SYNTEC/SYNTEC₀")
        # C = 0.30 + 0.70 × 307.0 / 293.9 = 1.0312011 → 1.032 (thousandth above)
        move = self._market_invoice("2023-11-20")
        self.assertEqual(move.chorus_revision_coefficient, 1.032)
        self.assertEqual(str(move.chorus_revision_month), "2023-11-01")
        self.assertFalse(move.chorus_revision_provisional)
        self.assertEqual(move.invoice_line_ids.price_unit, 516.0)
        data = move.chorus_revision_data
        self.assertEqual(data["formula"], "C = 0.3 + 0.7 × SYNTEC/SYNTEC₀")
        self.assertEqual(
            [
                (t["index"], t["value"], t["value_month"], t["base_value"], t["base_month"])
                for t in data["terms"]
            ],
            [("SYNTEC", "307.0", "2023-11-01", "293.9", "2023-01-01")],
        )
        self.assertEqual(self._failed(move).get("order_prices"), None)
        # Rounded to the nearest thousandth when the clause says so: 1.031.
        self.market.revision_rounding = "nearest"
        move.action_chorus_apply_price_revision()
        self.assertEqual(move.chorus_revision_coefficient, 1.031)
        self.assertEqual(move.invoice_line_ids.price_unit, 515.5)

    def test_several_indices_and_offset(self):
        # C = 0.125 + 0.70 × 306.7/293.9 + 0.175 × 107.70/105.90 (index of m − 1 = October)
        #   = 0.125 + 0.7304865 + 0.1779745 = 1.0334610 → 1.034
        self.market.write(
            {
                "revision_fixed_part": 0.125,
                "revision_offset": 1,
                "revision_term_ids": [
                    Command.create({"index_id": self.bt40.id, "weight": 0.175, "base_month": "2018-01-01"})
                ],
            }
        )
        move = self._market_invoice("2023-11-20")
        self.assertEqual(str(move.chorus_revision_month), "2023-10-01")
        self.assertEqual(move.chorus_revision_coefficient, 1.034)
        self.assertEqual(move.invoice_line_ids.price_unit, 517.0)
        # BT40 has no value for October 2023: its last one is used, provisional.
        self.assertTrue(move.chorus_revision_provisional)
        self.assertEqual(
            [(t["index"], t["value_month"], t["provisional"]) for t in move.chorus_revision_data["terms"]],
            [("SYNTEC", "2023-10-01", False), ("BT40", "2018-12-01", True)],
        )

    def test_provisional_then_published(self):
        move = self._market_invoice("2023-12-05")
        self.assertTrue(move.chorus_revision_provisional)
        self.assertEqual(move.chorus_revision_coefficient, 1.032, "November's value used")
        # The printed legal page says so, in the recipient's language (French).
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("l10n_fr_chorus_pro.action_report_chorus_invoice", move.ids)[0]
            .decode()
        )
        self.assertIn("Révision des prix :", html)
        self.assertIn("1,032", html)
        self.assertIn("provisoire", html)
        self.assertIn("dernière valeur publiée", html)
        # December arrives (hypothetical value for the test): the revision is definitive.
        self.env["chorus.pro.price.index.value"].create(
            {"index_id": self.syntec.id, "period": "2023-12", "value": 310.0}
        )
        move.action_chorus_apply_price_revision()
        self.assertFalse(move.chorus_revision_provisional)
        # 0.30 + 0.70 × 310.0 / 293.9 = 1.0383464 → 1.039
        self.assertEqual(move.chorus_revision_coefficient, 1.039)

    def test_firm_order_invoice_unchanged(self):
        move = self.env["account.move"].browse(self.order.action_create_invoice()["res_id"])
        self.assertFalse(move.chorus_revision_data)
        self.assertEqual(move.invoice_line_ids.mapped("price_unit"), [50.0, 300.0])
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("l10n_fr_chorus_pro.action_report_chorus_invoice", move.ids)[0]
            .decode()
        )
        self.assertNotIn("Révision des prix", html)

    def test_checklist_revised_and_wrong_price(self):
        move = self._market_invoice("2023-11-20")
        self.assertNotIn("order_prices", self._failed(move))
        # The ordered price is still accepted.
        move.invoice_line_ids.price_unit = 500.0
        self.assertNotIn("order_prices", self._failed(move))
        # A price matching neither.
        move.invoice_line_ids.price_unit = 520.0
        message = self._failed(move)["order_prices"]
        self.assertIn("is neither the ordered price 500.00", message)
        self.assertIn("nor the revised price 516.00", message)
        self.assertIn("coefficient 1.032 of November 2023", message)
        # The service date moved to another month: the recorded coefficient is not its own.
        move.invoice_line_ids.price_unit = 516.0
        move.delivery_date = "2023-10-20"
        self.assertIn(
            "revised with the coefficient of November 2023, but the service date is in October 2023",
            self._failed(move)["order_prices"],
        )
        move.delivery_date = "2023-11-20"
        # The whole order at revised prices is not beyond what remains of it.
        move.invoice_line_ids.price_unit = 516.0
        self.assertNotIn("order_remaining", self._failed(move))
        move.invoice_date = "2023-11-30"
        move.action_post()
        second = self._order_invoice({self.market.line_ids: 1}, post=False, order=self.market)
        self.assertIn("exceeds what remains", self._failed(second)["order_remaining"])
        # A draft typed by hand (no revision recorded): computed for its service month.
        typed = self._order_invoice({self.market.line_ids: 1}, post=False, order=self.market)
        typed.delivery_date = "2023-11-03"
        typed.invoice_line_ids.price_unit = 516.0
        self.assertNotIn("order_prices", self._failed(typed))

    def test_insee_correction_is_versioned(self):
        Value = self.env["chorus.pro.price.index.value"]
        november = self.syntec._value_of(fields.Date.to_date("2023-11-01"))
        self.assertEqual(november.value, 307.0)
        move = self._market_invoice("2023-11-20")
        # The same value imported again: nothing new.
        again = Value.create({"index_id": self.syntec.id, "period": "2023-11", "value": 307.0})
        self.assertEqual(again, november)
        # A corrected value: the previous one is archived, superseded by it.
        corrected = Value.create({"index_id": self.syntec.id, "period": "2023-11", "value": 307.3})
        self.assertFalse(november.active)
        self.assertEqual(november.superseded_by_id, corrected)
        self.assertEqual(self.syntec._value_of(november.month), corrected)
        self.assertEqual(
            Value.with_context(active_test=False).search_count(
                [("index_id", "=", self.syntec.id), ("month", "=", november.month)]
            ),
            2,
        )
        with self.assertRaises(UserError):
            corrected.value = 308.0
        # The invoice keeps the value it was computed with.
        self.assertEqual(move.chorus_revision_data["terms"][0]["value"], "307.0")

    def test_import_insee_periods(self):
        """Odoo's standard import (Favorites > Import records): the index by its code,
        INSEE's periods (YYYY-MM)."""
        result = self.env["chorus.pro.price.index.value"].load(
            ["index_id", "period", "value", "publication_date"],
            [["SYNTEC", "2023-02", "298.5", "2023-03-31"], ["BT40", "2018-02", "106.6", ""]],
        )
        self.assertFalse(result["messages"])
        values = self.env["chorus.pro.price.index.value"].browse(result["ids"])
        self.assertEqual([str(v.month) for v in values], ["2023-02-01", "2018-02-01"])
        result = self.env["chorus.pro.price.index.value"].load(
            ["index_id", "period", "value"], [["SYNTEC", "2023-13", "1"]]
        )
        self.assertTrue(result["messages"])

    def test_import_sample_file(self):
        with file_open("l10n_fr_chorus_pro/data/sample_price_index_values.csv") as handle:
            rows = list(csv.reader(handle))
        result = self.env["chorus.pro.price.index.value"].load(rows[0], rows[1:])
        self.assertFalse(result["messages"])
        self.assertEqual(len(self.syntec.value_ids), 11, "the values already there are not duplicated")
        self.assertEqual(len(self.bt40.value_ids), 12)
        self.assertEqual(str(self.syntec.last_value_month), "2023-11-01")
        self.assertEqual(self.syntec.last_value, 307.0)

    def test_bad_clauses(self):
        # Each bad clause on its own copy: a refused write stays in the cache of its record.
        with self.assertRaisesRegex(ValidationError, "add up to 0.9 instead of 1"):
            self.market.copy({"name": "OS-W"}).revision_fixed_part = 0.20
        with self.assertRaisesRegex(ValidationError, "offset must be between 0 and 24"):
            self.market.copy({"name": "OS-O"}).revision_offset = 30
        # A base month without an index value: the base value cannot be filled in.
        with self.assertRaisesRegex(ValidationError, "has no base value for its base month"):
            with Form(self.market.copy({"name": "OS-B"})) as form:
                with form.revision_term_ids.edit(0) as term:
                    term.base_month = "2022-06-01"
        # No value at all up to the invoice's month: nothing is invoiced.
        move = self._order_invoice({self.market.line_ids: 1}, post=False, order=self.market)
        move.delivery_date = "2022-11-10"
        with self.assertRaisesRegex(UserError, "has no value published up to"):
            move.action_chorus_apply_price_revision()
        # A firm order with a clause is left alone.
        self.market.price_type = "firm"
        self.assertFalse(self.market.revision_formula)

    def test_settlement_of_a_provisional_revision(self):
        move = self._market_invoice("2023-12-05")  # December not published: November's value
        move.invoice_date = "2023-12-29"
        move.action_post()
        self.assertTrue(move.chorus_revision_provisional)
        self.assertEqual(move.chorus_revision_settlement_state, "waiting")
        with self.assertRaisesRegex(UserError, "SYNTEC for December 2023 is not published yet"):
            move.action_chorus_settle_price_revision()
        # December arrives (hypothetical value for the test): 0.30 + 0.70 × 310.0/293.9 → 1.039
        self.env["chorus.pro.price.index.value"].create(
            {"index_id": self.syntec.id, "period": "2023-12", "value": 310.0}
        )
        move.invalidate_recordset(["chorus_revision_settlement_state"])
        self.assertEqual(move.chorus_revision_settlement_state, "ready")
        action = move.action_chorus_settle_price_revision()
        settlement = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(move.chorus_revision_settlement_id, settlement)
        self.assertEqual(settlement.move_type, "out_invoice")
        self.assertEqual(settlement.chorus_revision_settled_id, move)
        # 10 days × (500 × 1.039 − 500 × 1.032) = 10 × 3.50
        self.assertEqual(settlement.invoice_line_ids.quantity, 10)
        self.assertEqual(settlement.invoice_line_ids.price_unit, 3.5)
        self.assertEqual(settlement.amount_untaxed, 35.0)
        self.assertEqual(settlement.chorus_revision_coefficient, 1.039)
        self.assertFalse(settlement.chorus_revision_data["provisional"])
        self.assertEqual(settlement.purchase_order_reference, "EJ2023-000007")
        failed = self._failed(settlement)
        self.assertNotIn("order_prices", failed)
        self.assertNotIn("order_remaining", failed)
        # Never twice.
        move.invalidate_recordset(["chorus_revision_settlement_state"])
        self.assertEqual(move.chorus_revision_settlement_state, "settled")
        with self.assertRaisesRegex(UserError, "already settled by"):
            move.action_chorus_settle_price_revision()

    def test_settlement_by_credit_note(self):
        move = self._market_invoice("2023-12-05")
        move.invoice_date = "2023-12-29"
        move.action_post()
        # A lower December (hypothetical): 0.30 + 0.70 × 300.0/293.9 = 1.0145287 → 1.015
        self.env["chorus.pro.price.index.value"].create(
            {"index_id": self.syntec.id, "period": "2023-12", "value": 300.0}
        )
        action = move.action_chorus_settle_price_revision()
        credit_note = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(credit_note.move_type, "out_refund")
        # 10 × (516.00 − 507.50) = 85.00
        self.assertEqual(credit_note.amount_untaxed, 85.0)

    def test_separate_revision_line(self):
        """The clause invoices the revision on a line of its own: the lines keep the ordered
        prices, one line carries the difference."""
        self.market.revision_invoicing = "separate_line"
        move = self._market_invoice("2023-11-20")
        item = move.invoice_line_ids.filtered(lambda l: not l.chorus_revision_line)
        revision_line = move.invoice_line_ids.filtered("chorus_revision_line")
        self.assertEqual(item.price_unit, 500.0)
        # 10 days × (500.00 × 1.032 − 500.00) = 160.00
        self.assertEqual((revision_line.quantity, revision_line.price_unit), (1, 160.0))
        self.assertIn("1,032", revision_line.name, "in the French page's format")
        self.assertEqual(revision_line.tax_ids, item.tax_ids)
        self.assertEqual(move.amount_untaxed, 5160.0)
        self.assertTrue(move.chorus_revision_data["separate_line"])
        failed = self._failed(move)
        self.assertNotIn("order_prices", failed)
        self.assertNotIn("order_remaining", failed)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("l10n_fr_chorus_pro.action_report_chorus_invoice", move.ids)[0]
            .decode()
        )
        self.assertIn('name="revision_separate_line"', html)
        # A wrong revision amount is flagged.
        move.invoice_line_ids = [Command.update(revision_line.id, {"price_unit": 150.0})]
        self.assertIn("the price revision amounts to 160.00", self._failed(move)["order_prices"])
        # Applied again: one line, the right amount.
        move.action_chorus_apply_price_revision()
        revision_line = move.invoice_line_ids.filtered("chorus_revision_line")
        self.assertEqual((len(revision_line), revision_line.price_unit), (1, 160.0))
        self.assertNotIn("order_prices", self._failed(move))
        # Back to revised unit prices: the line goes.
        self.market.revision_invoicing = "revised_prices"
        move.action_chorus_apply_price_revision()
        self.assertFalse(move.invoice_line_ids.filtered("chorus_revision_line"))
        self.assertEqual(move.invoice_line_ids.price_unit, 516.0)

    def test_separate_revision_line_settlement(self):
        self.market.revision_invoicing = "separate_line"
        move = self._market_invoice("2023-12-05")  # provisional: November's value, 1.032
        move.invoice_date = "2023-12-29"
        move.action_post()
        self.assertEqual(move.amount_untaxed, 5160.0)
        self.env["chorus.pro.price.index.value"].create(
            {"index_id": self.syntec.id, "period": "2023-12", "value": 310.0}
        )
        settlement = self.env["account.move"].browse(move.action_chorus_settle_price_revision()["res_id"])
        # 10 × (500 × 1.039 − 500 × 1.032) = 35.00, as with revised unit prices
        self.assertEqual(settlement.amount_untaxed, 35.0)

    def test_yearly_revision_ceiling_and_safeguard(self):
        """Yearly on the anniversary of 15 October 2023: October's coefficient for the whole
        year, 0.30 + 0.70 × 306.7 / 293.9 = 1.0304866 → 1.031, capped at 1.030; a variation
        of 3.1 % goes beyond the 3 % safeguard."""
        self.market.write(
            {
                "revision_periodicity": "yearly",
                "revision_anniversary": "2023-10-15",
                "revision_ceiling": 1.03,
                "revision_safeguard": 3.0,
            }
        )
        november = self._market_invoice("2023-11-20")
        december = self._market_invoice("2023-12-05")  # December not published: not needed
        for move in november | december:
            self.assertEqual(str(move.chorus_revision_month), "2023-10-01")
            self.assertEqual(move.chorus_revision_coefficient, 1.03)
            self.assertFalse(move.chorus_revision_provisional)
            self.assertEqual(move.invoice_line_ids.price_unit, 515.0)
            self.assertNotIn("order_prices", self._failed(move))
        self.assertTrue(november.chorus_revision_capped)
        self.assertTrue(november.chorus_revision_safeguard_reached)
        data = november.chorus_revision_data
        self.assertEqual(
            (data["formula_coefficient"], data["capped"], data["safeguard_reached"]), ("1.031", True, True)
        )
        november.invoice_date = "2023-11-30"
        november.action_post()
        text = normalize_text(
            self.env["chorus.pro.document"]._page_text(november.chorus_revision_annex_id.raw)
        )
        for expected in (
            "Révision annuelle : le coefficient est fixé à chaque anniversaire du 15/10/2023",
            "Clause butoir : plafond du coefficient 1,030 ; le coefficient de la formule, 1,031, le dépasse",
            "Clause de sauvegarde : seuil de variation du coefficient de 3 % dépassé",
        ):
            self.assertIn(normalize_text(expected), text)
        # Bad limits are refused.
        with self.assertRaisesRegex(ValidationError, "ceiling 0.5 must be between 1 and 10"):
            self.market.copy({"name": "OS-C"}).revision_ceiling = 0.5
        with self.assertRaisesRegex(ValidationError, "safeguard threshold must be between 0 and 100"):
            self.market.copy({"name": "OS-S"}).revision_safeguard = 120.0

    def test_grouped_settlement_from_the_list(self):
        """Invoices list › select the provisional invoices › Actions › Settle the price
        revisions: one complementary invoice for all of them, never twice."""

        def provisional(service_date, quantity):
            move = self._order_invoice(
                {self.market.line_ids: quantity}, post=False, order=self.market, invoice_date=service_date
            )
            move.delivery_date = service_date
            move.action_chorus_apply_price_revision()
            move.action_post()
            self.assertTrue(move.chorus_revision_provisional)
            self.assertEqual(move.chorus_revision_coefficient, 1.032, "November's value")
            return move

        december = provisional("2023-12-05", 4)
        january = provisional("2024-01-10", 3)
        settle = self.env.ref("l10n_fr_chorus_pro.action_chorus_settle_price_revisions").with_context(
            active_model="account.move", active_ids=(december | january).ids
        )
        Value = self.env["chorus.pro.price.index.value"]
        # December published (hypothetical value for the test): January is not yet.
        Value.create({"index_id": self.syntec.id, "period": "2023-12", "value": 310.0})
        # The invoices list's filter "Price Revision to Settle".
        to_settle = [("chorus_revision_settlement_state", "=", "ready")]
        self.assertEqual(self.env["account.move"].search(to_settle), december)
        with self.assertRaisesRegex(UserError, "SYNTEC for January 2024 is not published yet"):
            settle.run()
        self.assertFalse(december.chorus_revision_settlement_id, "nothing settled")
        # January published (hypothetical): 0.30 + 0.70 × 312.0 / 293.9 = 1.0431099 → 1.044
        Value.create({"index_id": self.syntec.id, "period": "2024-01", "value": 312.0})
        action = settle.run()
        settlement = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(settlement.move_type, "out_invoice")
        self.assertEqual(december.chorus_revision_settlement_id, settlement)
        self.assertEqual(january.chorus_revision_settlement_id, settlement)
        self.assertEqual(settlement.chorus_revision_settles_ids, december | january)
        # December: 4 × (519.50 − 516.00) = 14.00; January: 3 × (522.00 − 516.00) = 18.00
        self.assertEqual(
            sorted(settlement.invoice_line_ids.mapped(lambda l: (l.quantity, l.price_unit))),
            [(3.0, 6.0), (4.0, 3.5)],
        )
        self.assertEqual(settlement.amount_untaxed, 32.0)
        self.assertEqual(settlement.purchase_order_reference, "EJ2023-000007")
        failed = self._failed(settlement)
        self.assertNotIn("order_prices", failed)
        self.assertNotIn("order_remaining", failed)
        # Never twice: from the list, nor from one of the invoices.
        self.assertFalse(self.env["account.move"].search(to_settle))
        self.assertEqual(
            self.env["account.move"].search([("chorus_revision_settlement_state", "=", "settled")]),
            december | january,
        )
        (december | january).invalidate_recordset(["chorus_revision_settlement_state"])
        self.assertEqual(set((december | january).mapped("chorus_revision_settlement_state")), {"settled"})
        with self.assertRaisesRegex(UserError, "already settled by"):
            settle.run()
        with self.assertRaisesRegex(UserError, "already settled by"):
            january.action_chorus_settle_price_revision()
        self.assertEqual(
            self.env["account.move"].search_count([("chorus_revision_settles_ids", "!=", False)]), 1
        )
        # Posted, with its justification: each invoice's definitive computation, in French.
        settlement.action_post()
        text = normalize_text(
            self.env["chorus.pro.document"]._page_text(settlement.chorus_revision_annex_id.raw)
        )
        for expected in (
            f"Régularisation de la révision provisoire : facture(s) n° {december.name}, {january.name}",
            f"Facture n° {december.name} : coefficient provisoire 1,032, définitif 1,039",
            "décembre 2023",
            "310,0",
            f"Facture n° {january.name} : coefficient provisoire 1,032, définitif 1,044",
            "janvier 2024",
            "312,0",
            "519,50",
            "522,00",
            # what the settlement bills: from the provisional price to the definitive one
            "Prix unitaire provisoire HT",
            "516,00",
            "Montant de la régularisation HT",
        ):
            self.assertIn(normalize_text(expected), text)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("l10n_fr_chorus_pro.action_report_chorus_invoice", settlement.ids)[0]
            .decode()
        )
        self.assertNotIn('name="price_revision"', html, "no single computation on the page")

    def test_access_and_companies(self):
        """Invoicing users read the indices and clauses, accounting managers maintain them;
        an index of another company is not seen."""
        user_env = self.env(user=self.invoicing_user)
        self.assertTrue(user_env["chorus.pro.price.index"].search([("code", "=", "SYNTEC")]))
        self.assertTrue(
            user_env["chorus.pro.price.revision.term"].search([("order_id", "=", self.market.id)])
        )
        with self.assertRaises(AccessError):
            user_env["chorus.pro.price.index.value"].create(
                {"index_id": self.syntec.id, "period": "2023-12", "value": 310.0}
            )
        other = self.env["res.company"].create({"name": "Other company"})
        private = self.env["chorus.pro.price.index"].create(
            {"code": "PRIV", "name": "Private index", "company_id": other.id}
        )
        self.assertNotIn(private, user_env["chorus.pro.price.index"].search([]))
