# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import csv
from collections import Counter
from unittest.mock import patch

from chorus_pro_simulator import Simulator

from odoo import Command, api
from odoo.exceptions import UserError
from odoo.tests import Form, HttpCase, new_test_user
from odoo.tools.misc import file_path
from odoo.tools.safe_eval import safe_eval

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_connector_deposit import ChorusProConnectorDeposit
from odoo.addons.l10n_fr_chorus_pro.models.chorus_pro_facturx import ChorusProFacturx

# Demo / simulator supplier SIRETs (valid checksums).
SUPPLIER_SIRET = "81234567600017"
OTHER_SUPPLIER_SIRET = "79876543400021"
SIMULATOR_PASSWORD = "Chorus-Sim-2026"


def simulator_settings(server, login):
    """The company's Chorus Pro settings for the simulator ``server`` and the technical
    account ``login``."""
    return {
        "chorus_environment": "custom",
        "chorus_api_url": server.url,
        "chorus_token_url": server.token_url,
        "chorus_client_id": "chorus-sim-client",
        "chorus_client_secret": "chorus-sim-secret",
        "chorus_login": login,
        "chorus_password": SIMULATOR_PASSWORD,
    }


def create_bank_account(env, company, bank_name="BNP Paribas"):
    """An IBAN account of ``company`` with its bank's BIC, as Chorus Pro requires on
    invoices."""
    bank = env["res.bank"].create({"name": bank_name, "bic": "BNPAFRPPXXX"})
    return env["res.partner.bank"].create(
        {
            "partner_id": company.partner_id.id,
            "company_id": company.id,
            "bank_id": bank.id,
            "acc_number": "FR4430004000030000012345678",
            "allow_out_payment": True,
        }
    )


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
        # The seeded universities have their city only: the invoice needs the full address.
        cls.university.write({"street": "58 boulevard Charles Livon", "zip": "13007"})
        cls.invoicing_user = cls._company_user(
            "chorus_invoicing_user", "account.group_account_invoice,base.group_partner_manager"
        )

        # The test's own transaction cannot commit: a deposit made in it is only
        # flushed. One made in a request cursor (registry.cursor(), as the web client's
        # requests) commits: Odoo's test cursor simulates it, and rolls back to it.
        commit = ChorusProConnectorDeposit._commit_deposit

        def _commit_deposit(connector):
            if connector.env.cr is cls.cr:
                connector.env.flush_all()
            else:
                commit(connector)

        cls.startClassPatcher(patch.object(ChorusProConnectorDeposit, "_commit_deposit", _commit_deposit))

    def _load_sample(self, model, filename):
        """Import ``data/<filename>`` (a sample CSV) with Odoo's standard import."""
        with open(file_path(f"l10n_fr_chorus_pro/data/{filename}"), encoding="utf-8") as f:
            rows = list(csv.reader(f))
        return self.env[model].load(rows[0], rows[1:])

    @classmethod
    def _company_user(cls, login, groups, company=None, **values):
        """A user of ``company`` only (the test company by default) in ``groups`` (comma
        separated xml ids); ``values`` other fields (lang, name...)."""
        company = company or cls.company
        return new_test_user(
            cls.env,
            login=login,
            groups=groups,
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
            **values,
        )

    @classmethod
    def _sale_tax(cls, name, amount, tax_group=None, **values):
        """A sales tax of the test company, in ``tax_group`` when given; ``values`` other
        fields (exemption code and reason, exigibility...)."""
        vals = {
            "name": name,
            "amount": amount,
            "type_tax_use": "sale",
            "company_id": cls.company.id,
            **values,
        }
        if tax_group:
            vals["tax_group_id"] = tax_group.id
        return cls.env["account.tax"].create(vals)

    def _care_product(self, name="Placement ASE"):
        """A child-welfare care product, exempt from VAT (CGI art. 261-7-1°) with its
        exemption reason."""
        exempt = self._sale_tax(
            "0% exonérée art. 261-7-1° CGI",
            0.0,
            ubl_cii_tax_category_code="E",
            ubl_cii_tax_exemption_reason_code="VATEX-FR-CGI261-7",
            invoice_legal_notes="TVA non applicable, art. 261-7-1° du CGI",
        )
        return self.env["product.product"].create(
            {"name": name, "type": "service", "taxes_id": [Command.set(exempt.ids)]}
        )

    def _count_calls(self, model, method):
        """Calls of the real ``model.method(move, ...)`` by invoice id, from now on."""
        cls = type(self.env[model])
        original = getattr(cls, method)
        counts = Counter()

        def counting(records, move, *args, **kwargs):
            counts[move.id] += 1
            return original(records, move, *args, **kwargs)

        patcher = patch.object(cls, method, counting)
        patcher.start()
        self.addCleanup(patcher.stop)
        return counts

    def _deposit_list_context(self, moves):
        """The context of Actions > Deposit to Chorus Pro in the invoice list."""
        action = self.env.ref("l10n_fr_chorus_pro.action_chorus_pro_deposit_wizard")
        context = {
            "active_model": "account.move",
            "active_ids": moves.ids,
            "active_id": moves[:1].id,
            "default_move_type": "out_invoice",
        }
        context.update(safe_eval(action.context, dict(context, context=context)))
        return context

    def _open_from_list(self, moves):
        """The deposit wizard as Actions > Deposit to Chorus Pro opens it from the invoice list."""
        return (
            self.env["chorus.pro.deposit.wizard"].with_context(**self._deposit_list_context(moves)).create({})
        )

    def _invoice_list_selection_context(self, moves):
        """The context of Customers > Invoices, then the selection, as the list's Actions
        menu gives it to what it runs."""
        action = self.env.ref("account.action_move_out_invoice_type")
        context = safe_eval(action.context or "{}", {"uid": self.env.uid})
        context.update(
            active_model="account.move", active_ids=moves.ids, active_id=moves[:1].id, active_domain=[]
        )
        return context

    def _typed_invoice(self, lines, beneficiaries=(), invoice_date="2026-04-02", **values):
        """A customer invoice to the Département 93 typed by hand in the generic invoice
        form: ``lines`` (label, quantity, unit price) at the company's sales tax,
        ``beneficiaries`` (name, from, to), ``values`` other fields of the form (e.g.
        purchase_order_reference)."""
        form = Form(self.env["account.move"].with_context(default_move_type="out_invoice"))
        form.partner_id = self.dept93
        form.invoice_date = invoice_date
        for fname, value in values.items():
            setattr(form, fname, value)
        for name, quantity, price in lines:
            with form.invoice_line_ids.new() as line:
                line.name = name
                line.quantity = quantity
                line.price_unit = price
                line.tax_ids.set(self.company_data["default_tax_sale"])
        for name, start, end in beneficiaries:
            with form.chorus_beneficiary_ids.new() as beneficiary:
                beneficiary.name = name
                beneficiary.date_start = start
                beneficiary.date_end = end
        return form.save()

    def _register_payment(self, moves):
        """Register the full payment of ``moves`` with the Register Payment wizard."""
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=moves.ids)
            .create({})
        )
        return wizard.action_create_payments()

    def _post_refused(self, move):
        """The error posting ``move`` raises when the company blocks posting on the
        checklist."""
        check = self.company.chorus_post_check
        self.company.chorus_post_check = "block"
        with self.assertRaises(UserError) as caught:
            move.action_post()
        self.assertEqual(move.state, "draft")
        self.company.chorus_post_check = check
        return str(caught.exception)

    def _checklist(self, move):
        """The checklist items of ``move`` by code (no Factur-X)."""
        return {
            item["code"]: item for item in self.env["chorus.pro.checklist"]._check(move, with_facturx=False)
        }

    def _french_user(self, login):
        """An invoicing user of the company who works in French (the module's French terms
        loaded), for the browser tours."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["l10n_fr_chorus_pro"], ["fr_FR"])
        return self._company_user(
            login, "account.group_account_invoice,base.group_partner_manager", lang="fr_FR"
        )

    @classmethod
    def _bank_account(cls, company=None):
        """An IBAN account with its bank's BIC, as Chorus Pro requires on invoices."""
        return create_bank_account(cls.env, company or cls.company)

    @classmethod
    def _chorus_invoice(cls, partner=None, service=None, post=False, **values):
        partner = partner or cls.dept93
        vals = {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": "2026-11-02",
            "invoice_line_ids": [
                Command.create({"product_id": cls.product_a.id, "quantity": 2, "price_unit": 120.0})
            ],
        }
        if service:
            vals["chorus_service_id"] = service.id
        vals.update(values)
        move = cls.env["account.move"].create(vals)
        if post:
            move.action_post()
        return move

    def _peppol_method(self):
        """Odoo's approved platform sends with account_peppol's 'peppol' method (l10n_fr_pdp
        renames it 'by the Approved Platform'); without those modules, the selection value
        is simulated."""
        field = self.env["res.partner"]._fields["invoice_sending_method"]
        if "peppol" in dict(field.selection):
            return
        selection = [*field.selection, ("peppol", "by Peppol")]
        for attribute, value in (("selection", selection), ("_selection", dict(selection))):
            patcher = patch.object(field, attribute, value)
            patcher.start()
            self.addCleanup(patcher.stop)


class ChorusProHttpCommon(ChorusProCommon, HttpCase):
    """For tests that render PDFs: wkhtmltopdf fetches the report assets from Odoo's
    HTTP server, which must share the test transaction."""


class ChorusProSimulatorCommon(ChorusProHttpCommon):
    """The company connected to the project's Chorus Pro simulator, started on a free
    loopback port (real HTTP). The invoice report is rendered once with wkhtmltopdf and
    its pages reused (each invoice keeps its own Factur-X XML)."""

    simulator_options = {"flow_steps": 0, "max_page_size": 10, "fault_delay": 3.0}
    chorus_timeout = "1.5"
    _rendered_pdf = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sim = Simulator(**cls.simulator_options)
        cls.server = cls.sim.serve()
        cls.addClassCleanup(cls.server.stop)
        cls.connector = cls.env["chorus.pro.connector"]
        cls.env["ir.config_parameter"].sudo().set_param("l10n_fr_chorus_pro.timeout", cls.chorus_timeout)
        cls.company.write(cls._chorus_settings("TECH_1_81234567600017@cpro.fr"))
        cls.company.vat = "FR19812345676"
        cls.bank_account = cls._bank_account(cls.company)

    @classmethod
    def _chorus_settings(cls, login):
        return simulator_settings(cls.server, login)

    def _request(self, func, context=None):
        """``func(env)`` in its own cursor, as one request of the web client or one run
        of a cron: committed at the end, rolled back to its last commit on an error or a
        crash. Returns (result, error)."""
        self.env.flush_all()
        result = error = None
        with self.registry.cursor() as cr:
            env = api.Environment(cr, self.env.uid, context or {})
            try:
                result = func(env)
            except BaseException as exc:
                cr.rollback()
                error = exc
        self.env.invalidate_all()
        return result, error

    def _other_chorus_company(self):
        """A second company, with its own technical account on the simulator."""
        other = self.setup_other_company(name="Association Les Tilleuls")["company"]
        other.write(
            dict(
                self._chorus_settings("TECH_1_79876543400021@cpro.fr"),
                company_registry=OTHER_SUPPLIER_SIRET,
                vat="FR69798765434",
                street="4 allée des Tilleuls",
                zip="93200",
                city="Saint-Denis",
            )
        )
        self._bank_account(other)
        return other

    def setUp(self):
        super().setUp()
        self.sim.reset()
        if ChorusProSimulatorCommon._rendered_pdf is None:
            ChorusProSimulatorCommon._rendered_pdf = self.env[
                "chorus.pro.facturx"
            ]._facturx_render_invoice_pdf(self._d93_invoice())
        render = patch.object(
            ChorusProFacturx,
            "_facturx_render_invoice_pdfs",
            lambda engine, moves, chunk=50: dict.fromkeys(moves.ids, ChorusProSimulatorCommon._rendered_pdf),
        )
        render.start()
        self.addCleanup(render.stop)

    def _d93_invoice(self, post=True, company=None, **values):
        """An invoice to the Département 93 (service 132, an EJ), posted by default."""
        company = company or self.company
        values.setdefault("purchase_order_reference", "EJ2026-000123")
        move = (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "company_id": company.id,
                    "partner_id": self.dept93.id,
                    "invoice_date": "2026-11-02",
                    "chorus_service_id": self.service_132.id,
                    "partner_bank_id": self.env["res.partner.bank"]
                    .search([("partner_id", "=", company.partner_id.id)], limit=1)
                    .id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Accueil de jour",
                                "quantity": 3,
                                "price_unit": 95.0,
                                "tax_ids": [
                                    Command.set(
                                        self.env["account.tax"]
                                        .search(
                                            [
                                                ("company_id", "=", company.id),
                                                ("type_tax_use", "=", "sale"),
                                                ("amount", "=", 20.0),
                                            ],
                                            limit=1,
                                        )
                                        .ids
                                    )
                                ],
                            }
                        )
                    ],
                    **values,
                }
            )
        )
        if post:
            move.action_post()
        return move
