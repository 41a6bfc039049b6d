# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import csv
from pathlib import Path

from psycopg2.errors import UniqueViolation
from stdnum.fr import siret as stdnum_siret

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ChorusProCommon

SHARED_UNIVERSITIES = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "recipients" / "universities.csv"
)


@tagged("post_install", "-at_install")
class TestRecipients(ChorusProCommon):
    def test_departement_93_seeded(self):
        self.assertTrue(self.dept93.chorus_recipient)
        self.assertEqual(self.dept93.company_registry, "22930008201453")
        self.assertTrue(stdnum_siret.is_valid(self.dept93.company_registry))
        self.assertEqual(self.dept93.chorus_routing_rule, "service_and_engagement")
        self.assertTrue(self.dept93._chorus_service_required())
        self.assertTrue(self.dept93._chorus_engagement_required())
        self.assertEqual(self.dept93.zip, "93006")
        self.assertEqual(self.dept93.country_id.code, "FR")
        services = {s.code: s for s in self.dept93.chorus_service_ids}
        self.assertEqual(set(services), {"538", "125", "218", "132", "131"})
        self.assertEqual(services["132"].name, "PMI")
        self.assertEqual(services["131"].name, "Crèches")
        self.assertTrue(all(services[c].beneficiary_required for c in ("538", "125", "218")))
        self.assertFalse(services["132"].beneficiary_required)
        self.assertEqual(services["132"].contact_id.email, "def-compta-pmi-depenses@seinesaintdenis.fr")
        self.assertIn("01 43 93 75 76", self.dept93.chorus_help)
        contacts = self.dept93.child_ids.filtered(lambda p: p.type == "invoice")
        self.assertEqual(len(contacts), 4)

    def test_universities_seeded_with_valid_siret(self):
        universities = self.env["res.partner"].search(
            [("chorus_recipient", "=", True), ("id", "!=", self.dept93.id), ("company_registry", "!=", False)]
        )
        seeded = universities.filtered(
            lambda p: p.get_external_id()[p.id].startswith("l10n_fr_chorus_pro.partner_university_")
        )
        self.assertEqual(len(seeded), 69)
        for partner in seeded:
            self.assertTrue(stdnum_siret.is_valid(partner.company_registry), partner.name)
            self.assertEqual(partner.chorus_routing_rule, "none")
            self.assertFalse(partner._chorus_service_required())
        by_siret = {p.company_registry: p for p in seeded}
        self.assertEqual(by_siret["13001533200013"].name, "Aix-Marseille Université")
        self.assertEqual(by_siret["13001533200013"].city, "Marseille")
        self.assertEqual(by_siret["19751717000019"].name, "Université Paris 1 - Panthéon Sorbonne")
        if SHARED_UNIVERSITIES.exists():
            with open(SHARED_UNIVERSITIES, newline="", encoding="utf-8") as handle:
                expected = {row["siret"]: row["name"] for row in csv.DictReader(handle)}
            self.assertEqual({s: p.name for s, p in by_siret.items()}, expected)

    def test_siret_wrong_checksum_refused(self):
        with self.assertRaisesRegex(ValidationError, "wrong check digit"):
            self.env["res.partner"].create(
                {
                    "name": "Mairie",
                    "is_company": True,
                    "chorus_recipient": True,
                    "company_registry": "22930008201454",
                }
            )
        with self.assertRaisesRegex(ValidationError, "must be 14 digits"):
            self.env["res.partner"].create(
                {
                    "name": "Mairie",
                    "is_company": True,
                    "chorus_recipient": True,
                    "company_registry": "229300082",
                }
            )
        with self.assertRaisesRegex(ValidationError, "enter its SIRET"):
            self.env["res.partner"].create({"name": "Mairie", "is_company": True, "chorus_recipient": True})
        with self.assertRaisesRegex(ValidationError, "wrong check digit"):
            self.dept93.company_registry = "22930008201450"

    def test_siret_normalized_and_test_structures(self):
        partner = self.env["res.partner"].create(
            {
                "name": "Commune",
                "is_company": True,
                "chorus_recipient": True,
                "company_registry": "229 300 082 01453",
            }
        )
        self.assertEqual(partner.company_registry, "22930008201453")
        # Qualification structures do not all pass the checksum: allowed when flagged.
        test_structure = self.env["res.partner"].create(
            {
                "name": "Destinataire",
                "is_company": True,
                "chorus_recipient": True,
                "chorus_test_structure": True,
                "company_registry": "98125730567914",
            }
        )
        self.assertEqual(test_structure.company_registry, "98125730567914")
        with self.assertRaisesRegex(ValidationError, "wrong check digit"):
            test_structure.chorus_test_structure = False
        # Not a recipient: the SIRET is not our business.
        other = self.env["res.partner"].create(
            {"name": "Private customer", "is_company": True, "company_registry": "123"}
        )
        self.assertEqual(other.company_registry, "123")

    def test_services(self):
        with self.assertRaisesRegex(ValidationError, "FACTURES_PUBLIQUES"):
            self.env["chorus.pro.service"].create(
                {
                    "partner_id": self.dept93.id,
                    "code": "FACTURES_PUBLIQUES",
                    "name": "Service des factures publiques",
                }
            )
        with self.assertRaisesRegex(ValidationError, "ends before it starts"):
            self.env["chorus.pro.service"].create(
                {
                    "partner_id": self.dept93.id,
                    "code": "999",
                    "name": "Closed",
                    "date_start": "2026-06-01",
                    "date_end": "2026-01-01",
                }
            )
        with mute_logger("odoo.sql_db"), self.assertRaises(UniqueViolation), self.env.cr.savepoint():
            self.env["chorus.pro.service"].create(
                {"partner_id": self.dept93.id, "code": "538", "name": "Duplicate"}
            )
        self.assertEqual(
            self.service_538.display_name, "538 - ASE - Approvisionnement / Fourniture du service"
        )
        found = self.env["chorus.pro.service"].name_search("PMI")
        self.assertIn(self.service_132.id, [row[0] for row in found])
        found = self.env["chorus.pro.service"].name_search("131")
        self.assertEqual(
            [row[0] for row in found],
            self.env.ref("l10n_fr_chorus_pro.service_departement_93_creches_131").ids,
        )
        service = self.env["chorus.pro.service"].create(
            {
                "partner_id": self.dept93.id,
                "code": "777",
                "name": "Seasonal",
                "date_start": "2026-01-01",
                "date_end": "2026-06-30",
            }
        )
        from datetime import date

        self.assertTrue(service._is_valid_on(date(2026, 3, 1)))
        self.assertFalse(service._is_valid_on(date(2026, 7, 1)))
        self.assertFalse(service._is_valid_on(date(2025, 12, 31)))
        service.active = False
        self.assertFalse(service._is_valid_on(date(2026, 3, 1)))

    def test_engagement_required_by_service(self):
        self.assertFalse(self.university._chorus_engagement_required())
        service = self.env["chorus.pro.service"].create(
            {
                "partner_id": self.university.id,
                "code": "PSY",
                "name": "Santé Psy",
                "engagement_required": True,
            }
        )
        self.assertTrue(self.university._chorus_engagement_required(service))
        action = self.university.action_view_chorus_services()
        self.assertEqual(self.env[action["res_model"]].search(action["domain"]), service)
