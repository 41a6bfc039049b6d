# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import ChorusProCommon


@tagged("post_install", "-at_install")
class TestInvoiceFields(ChorusProCommon):
    def test_service_keeps_buyer_reference(self):
        move = self._chorus_invoice(service=self.service_538)
        self.assertTrue(move.chorus_is_recipient)
        self.assertEqual(move.buyer_reference, "538")
        move.chorus_service_id = self.service_132
        self.assertEqual(move.buyer_reference, "132")
        move.chorus_service_id = False
        self.assertFalse(move.buyer_reference)

    def test_buyer_reference_selects_service(self):
        move = self._chorus_invoice()
        move.buyer_reference = "132"
        self.assertEqual(move.chorus_service_id, self.service_132)
        move.buyer_reference = "UNKNOWN"
        self.assertFalse(move.chorus_service_id)
        # Created with core's field only (import, API): the service follows.
        move2 = self._chorus_invoice(buyer_reference="538")
        self.assertEqual(move2.chorus_service_id, self.service_538)
        self.assertEqual(move2.buyer_reference, "538")

    def test_non_recipient_keeps_core_behaviour(self):
        customer = self.partner_a
        self.assertFalse(customer.chorus_recipient)
        move = self._chorus_invoice(partner=customer, buyer_reference="ANY-REF")
        self.assertEqual(move.buyer_reference, "ANY-REF")
        self.assertFalse(move.chorus_service_id)
        # No Chorus length limit outside Chorus.
        move.purchase_order_reference = "X" * 60
        self.assertEqual(len(move.purchase_order_reference), 60)

    def test_partner_change_resets_foreign_service(self):
        move = self._chorus_invoice(service=self.service_538)
        move.partner_id = self.university
        self.assertFalse(move.chorus_service_id)
        self.assertFalse(move.buyer_reference)

    def test_reference_lengths(self):
        move = self._chorus_invoice(service=self.service_538)
        move.purchase_order_reference = "E" * 50
        move.contract_reference = "M" * 50
        with self.assertRaisesRegex(ValidationError, "engagement number .* 51 characters"):
            self._chorus_invoice(service=self.service_538, purchase_order_reference="E" * 51)
        with self.assertRaisesRegex(ValidationError, "public market number .* 51 characters"):
            self._chorus_invoice(service=self.service_538, contract_reference="M" * 51)

    def test_service_must_belong_to_recipient_and_be_active(self):
        university_service = self.env["chorus.pro.service"].create(
            {"partner_id": self.university.id, "code": "SPE", "name": "Santé Psy Étudiant"}
        )
        with self.assertRaisesRegex(ValidationError, "belongs to Aix-Marseille"):
            self._chorus_invoice(service=university_service)
        closed = self.env["chorus.pro.service"].create(
            {"partner_id": self.dept93.id, "code": "900", "name": "Closed service"}
        )
        closed.active = False
        with self.assertRaisesRegex(ValidationError, "archived"):
            self._chorus_invoice(service=closed)
        # An invoice keeps its service when the service is archived later.
        move = self._chorus_invoice(service=self.service_132)
        self.service_132.active = False
        move.ref = "still editable"
        self.assertEqual(move.chorus_service_id, self.service_132)

    def test_billing_frame_and_tracking_defaults(self):
        move = self._chorus_invoice(service=self.service_538)
        self.assertEqual(move.chorus_billing_frame, "A1")
        self.assertFalse(move.chorus_status)
        move.write({"chorus_status": "DEPOSEE", "chorus_identifier": "1234"})
        copy = move.copy()
        self.assertEqual(copy.chorus_service_id, self.service_538)
        self.assertFalse(copy.chorus_status)
        self.assertFalse(copy.chorus_identifier)

    def test_beneficiaries(self):
        move = self._chorus_invoice(service=self.service_538)
        line = move.invoice_line_ids[0]
        move.chorus_beneficiary_ids = [
            Command.create(
                {
                    "name": "Lina B.",
                    "date_start": "2026-10-01",
                    "date_end": "2026-10-31",
                    "move_line_id": line.id,
                }
            ),
            Command.create({"name": "Yanis K.", "date_start": "2026-10-14"}),
        ]
        self.assertEqual(len(move.chorus_beneficiary_ids), 2)
        by_name = {b.name: b for b in move.chorus_beneficiary_ids}
        self.assertEqual(by_name["Lina B."]._period_label(), "2026-10-01 - 2026-10-31")
        self.assertEqual(by_name["Yanis K."]._period_label(), "2026-10-14")
        self.assertEqual(by_name["Lina B."].company_id, move.company_id)
        with self.assertRaisesRegex(ValidationError, "ends before it starts"):
            by_name["Yanis K."].date_end = "2026-10-01"
        other = self._chorus_invoice(service=self.service_538)
        with self.assertRaisesRegex(ValidationError, "line of another invoice"):
            by_name["Yanis K."].move_line_id = other.invoice_line_ids[0]
        move.unlink()
        self.assertFalse(by_name["Lina B."].exists())

    def test_invoice_form(self):
        with Form(self.env["account.move"].with_context(default_move_type="out_invoice")) as form:
            form.partner_id = self.dept93
            form.chorus_service_id = self.service_132
            form.purchase_order_reference = "EJ2026-000123"
            form.contract_reference = "MP-2026-04"
            form.chorus_billing_frame = "A2"
            with form.invoice_line_ids.new() as line:
                line.product_id = self.product_a
            with form.chorus_beneficiary_ids.new() as beneficiary:
                beneficiary.name = "Inès D."
                beneficiary.date_start = "2026-11-03"
        move = form.record
        self.assertEqual(move.buyer_reference, "132")
        self.assertEqual(move.purchase_order_reference, "EJ2026-000123")
        self.assertEqual(move.chorus_billing_frame, "A2")
        self.assertEqual(move.chorus_beneficiary_ids.name, "Inès D.")
