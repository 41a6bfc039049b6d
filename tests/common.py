# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import Command
from odoo.tests import HttpCase, new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

# Demo / simulator supplier SIRETs (valid checksums).
SUPPLIER_SIRET = "81234567600017"
OTHER_SUPPLIER_SIRET = "79876543400021"


class ChorusProCommon(AccountTestInvoicingCommon):
    """A French company invoicing the seeded Chorus Pro recipients."""

    @classmethod
    @AccountTestInvoicingCommon.setup_country("fr")
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.company.write(
            {
                "name": "Cabinet Chorus Test",
                "company_registry": SUPPLIER_SIRET,
                "street": "12 rue des Lilas",
                "zip": "93100",
                "city": "Montreuil",
            }
        )
        cls.dept93 = cls.env.ref("l10n_fr_chorus_pro.partner_departement_93")
        cls.service_538 = cls.env.ref("l10n_fr_chorus_pro.service_departement_93_ase_538")
        cls.service_132 = cls.env.ref("l10n_fr_chorus_pro.service_departement_93_pmi_132")
        cls.university = cls.env.ref("l10n_fr_chorus_pro.partner_university_13001533200013")
        cls.invoicing_user = new_test_user(
            cls.env,
            login="chorus_invoicing_user",
            groups="account.group_account_invoice,base.group_partner_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    @classmethod
    def _bank_account(cls, company=None):
        """An IBAN account with its bank's BIC, as Chorus Pro requires on invoices."""
        company = company or cls.company
        bank = cls.env["res.bank"].create({"name": "BNP Paribas", "bic": "BNPAFRPPXXX"})
        return cls.env["res.partner.bank"].create({
            "partner_id": company.partner_id.id,
            "company_id": company.id,
            "bank_id": bank.id,
            "acc_number": "FR4430004000030000012345678",
            "allow_out_payment": True,
        })

    @classmethod
    def _chorus_invoice(cls, partner=None, service=None, post=False, **values):
        partner = partner or cls.dept93
        vals = {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": "2026-11-02",
            "invoice_line_ids": [
                Command.create(
                    {"product_id": cls.product_a.id, "quantity": 2, "price_unit": 120.0}
                )
            ],
        }
        if service:
            vals["chorus_service_id"] = service.id
        vals.update(values)
        move = cls.env["account.move"].create(vals)
        if post:
            move.action_post()
        return move


class ChorusProHttpCommon(ChorusProCommon, HttpCase):
    """For tests that render PDFs: wkhtmltopdf fetches the report assets from Odoo's
    HTTP server, which must share the test transaction."""
