# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A new user's afternoon, in the browser, in French: the holes new users found, walked
through the web client against the project's Chorus Pro simulator (real HTTP).

* An invoice whose number Chorus Pro already holds for another invoice is refused, not
  shown as deposited, and waits among the invoices to fix.
* A deposited invoice's Factur-X is a download, never an attachment form; its bytes stay.
* An invoice typed by hand for a child's care is matched to the care order and its
  days beyond the care decision block the deposit.
* A customer the user had before the module's seeded recipients joins them: one
  company, the user's, now a Chorus Pro recipient.
* The month's care invoices from the imported sample care decisions, with the default
  care product of the settings, deposited from the invoice list: one line per problem,
  the valid ones deposited, the refused ones' checklist readable.
"""

from odoo import Command
from odoo.tests import tagged

from .common import SUPPLIER_SIRET, ChorusProSimulatorCommon
from .test_recipients_install import BORDEAUX, RecipientsInstallCommon

DEPOSIT_PATH = "/cpro/factures/v1/deposer/flux"
SIRET_UNIVERSITY = "13001533200013"


class NewUserTourCommon(ChorusProSimulatorCommon):
    chorus_timeout = "5"

    def _care_order(self, name, engagement=False, service=False, children=()):
        """A care order of the Département 93 for 2026, with its children's care
        decisions ``children``: (name, care type, start, end, daily rate)."""
        return self.env["chorus.pro.order"].create(
            {
                "name": name,
                "kind": "care",
                "partner_id": self.dept93.id,
                "service_id": service and service.id,
                "engagement_number": engagement,
                "date_start": "2026-01-01",
                "date_end": "2026-12-31",
                "care_decision_ids": [
                    Command.create(
                        {
                            "name": child,
                            "care_type": care_type,
                            "date_start": start,
                            "date_end": end,
                            "daily_rate": rate,
                        }
                    )
                    for child, care_type, start, end, rate in children
                ],
            }
        )

    def _deposits(self):
        return self.sim.calls.get(DEPOSIT_PATH, 0)


@tagged("post_install", "-at_install")
class TestNewUserTourFrench(RecipientsInstallCommon, NewUserTourCommon):
    def test_new_user_afternoon(self):
        user = self._french_user("chorus_new_user_fr")
        # (1) 285,00 €: its number is on Chorus Pro for another invoice, deposited by hand
        # on the portal (another recipient, another amount).
        taken = self._d93_invoice()
        portal_id = self.sim.add_portal_invoice(
            SUPPLIER_SIRET, taken.name, SIRET_UNIVERSITY, 1000.0, 1200.0, invoice_date="2026-10-01"
        )
        # (2) 475,00 €: deposited this morning.
        deposited = self._d93_invoice(post=False)
        deposited.invoice_line_ids.quantity = 5
        deposited.action_post()
        self._open_from_list(deposited).action_deposit()
        self.sim.advance_flows(to_terminal=True)
        self.connector._update_flows(deposited.chorus_flow_id)
        self.assertEqual(deposited.chorus_state, "deposited")
        document = deposited.chorus_document_id
        content = document.raw
        self.assertEqual(content, self.sim.blobs[f"invoice:{deposited.chorus_identifier}"])
        attachments = self.env["ir.attachment"].search(
            [("res_model", "=", "account.move"), ("res_id", "=", deposited.id)]
        )
        # (3) The care order of Noah, cared for from the 10th to the 20th of March.
        order = self._care_order(
            "PEC-2026-EJ1",
            "EJ2026-ASE-0001",
            self.service_538,
            [("Noah Diallo", "day_care", "2026-03-10", "2026-03-20", 80.0)],
        )
        # (4) The user's own customer, entered before the module's recipients were loaded.
        self._never_seeded(f"partner_university_{BORDEAUX}")
        bordeaux = self._customer("Université de Bordeaux", "130 018 351 00010")
        self.env["res.partner"]._chorus_load_seeded_recipients()
        self.assertEqual((taken | deposited).mapped("amount_total"), [285.0, 475.0])
        deposits = self._deposits()

        self.start_tour(
            "/odoo/action-account.action_move_out_invoice_type",
            "chorus_pro_new_user_tour",
            login=user.login,
            timeout=300,
        )

        # (1) Refused: nothing linked, nothing sent, to fix.
        self.assertEqual(taken.chorus_state, "to_fix")
        self.assertFalse(taken.chorus_identifier)
        self.assertFalse(taken.chorus_flow_id)
        self.assertFalse(taken.chorus_document_id)
        self.assertIn(taken, self.env["account.move"].search([("chorus_to_fix", "=", True)]))
        self.assertEqual(
            [i["identifiantFactureCPP"] for i in self.sim.find_invoices(numero_facture=taken.name)],
            [portal_id],
        )
        # (2) Downloaded, never replaced: the same file, the same attachments.
        self.env.invalidate_all()
        self.assertEqual(deposited.chorus_document_id, document)
        self.assertEqual(document.raw, content)
        self.assertEqual(
            self.env["ir.attachment"].search(
                [("res_model", "=", "account.move"), ("res_id", "=", deposited.id)]
            ),
            attachments,
        )
        # (3) Typed by hand in the form, tied to the care order, not deposited.
        typed = self.env["account.move"].search(
            [("partner_id", "=", self.dept93.id), ("purchase_order_reference", "=", "EJ2026-ASE-0001")]
        )
        self.assertEqual(len(typed), 1)
        self.assertEqual((typed.state, typed.chorus_state), ("draft", False))
        self.assertEqual(typed.chorus_order_id, order)
        self.assertEqual(typed.invoice_line_ids.quantity, 25)
        self.assertEqual(typed.invoice_line_ids.chorus_care_decision_id, order.care_decision_ids)
        self.assertEqual(typed.chorus_beneficiary_ids.name, "Noah Diallo")
        self.assertEqual(self._deposits(), deposits, "nothing deposited during the afternoon")
        # (4) One company with this SIRET: the user's, with its e-mail, a recipient.
        self.assertEqual(self._companies(BORDEAUX), bordeaux)
        self.assertTrue(bordeaux.chorus_recipient)
        self.assertEqual(bordeaux.email, "factures@example.fr")


@tagged("post_install", "-at_install")
class TestCareMonthTourFrench(NewUserTourCommon):
    def test_care_month_from_the_sample_import(self):
        # The user manages the company's settings too.
        user = self._french_user("chorus_care_month_fr")
        user.group_ids += self.env.ref("base.group_system") | self.env.ref("account.group_account_manager")
        # The sample care decisions imported, without product (three children on one EJ).
        self._load_sample("chorus.pro.order", "sample_orders.csv")
        result = self._load_sample("chorus.pro.care.decision", "sample_care_decisions.csv")
        self.assertFalse([m for m in result["messages"] if m["type"] == "error"], result["messages"])
        imported = self.env["chorus.pro.care.decision"].browse(result["ids"])
        self.assertFalse(imported.product_id)
        # Two care orders whose engagement number has not come yet (one without its
        # service either): their invoices are to fix.
        no_routing = self._care_order(
            "PEC-ASE-2026-EJ2", children=[("Sacha Petit", "placement", "2026-03-01", "2026-03-31", 10.0)]
        )
        no_engagement = self._care_order(
            "PEC-ASE-2026-EJ3",
            service=self.service_538,
            children=[("Lina Roche", "day_care", "2026-03-01", "2026-03-31", 20.0)],
        )
        product = self._care_product("Placement ASE")
        self.assertFalse(self.company.chorus_care_product_id)

        self.start_tour(
            "/odoo/settings#account", "chorus_pro_care_month_tour_fr", login=user.login, timeout=300
        )

        self.assertEqual(self.company.chorus_care_product_id, product)
        moves = self.env["account.move"].search(
            [("chorus_order_id", "in", (imported.order_id | no_routing | no_engagement).ids)]
        )
        self.assertEqual(len(moves), 3, "one invoice per care order")
        self.assertEqual(moves.invoice_line_ids.product_id, product)
        self.assertEqual(moves.invoice_line_ids.tax_ids, product.taxes_id)
        ready = moves.filtered(lambda m: m.chorus_order_id == imported.order_id)
        self.assertEqual(ready.amount_total, 7464.70)
        self.assertEqual(
            sorted(ready.chorus_beneficiary_ids.mapped("name")), ["Inès Benali", "Léa Martin", "Noah Diallo"]
        )
        self.assertEqual((ready.state, ready.chorus_state), ("posted", "deposited"))
        for move in moves - ready:
            self.assertEqual((move.state, move.chorus_state), ("draft", False))
        self.assertEqual(self._deposits(), 1)
        self.assertEqual(ready.chorus_flow_id.move_ids, ready)
