# Copyright 2026 l10n_fr_chorus_pro contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "France - Chorus Pro (Factur-X deposit and tracking)",
    "summary": "Invoice French public bodies through Chorus Pro: mandatory mentions, "
    "validated Factur-X PDF/A-3, API deposit and status tracking",
    "version": "19.0.1.0.0",
    "category": "Accounting/Localizations/EDI",
    "countries": ["fr"],
    "license": "AGPL-3",
    "author": "l10n_fr_chorus_pro contributors",
    "website": "https://github.com/l10n-fr-chorus-pro/l10n_fr_chorus_pro",
    "depends": [
        "account",
        "mail",
        "l10n_fr_account",
        "l10n_fr_facturx_chorus_pro",
    ],
    "external_dependencies": {
        "python": [
            "factur-x",
            "saxonche",
            "python-stdnum",
            "phonenumbers",
            "requests",
            "lxml",
            "pypdf",
            "fonttools",
        ],
    },
    "data": [
        "security/chorus_pro_security.xml",
        "security/ir.model.access.csv",
        "data/res_lang.xml",
        "data/chorus_pro_recipients.xml",
        "data/ir_cron.xml",
        "data/chorus_pro_order_data.xml",
        "data/chorus_pro_evidence.xml",
        "views/chorus_pro_service_views.xml",
        "views/chorus_pro_beneficiary_views.xml",
        "views/chorus_pro_flow_views.xml",
        "views/res_partner_views.xml",
        "views/account_move_views.xml",
        "views/account_journal_dashboard_views.xml",
        "views/chorus_pro_status_history_views.xml",
        "views/res_config_settings_views.xml",
        "views/res_company_views.xml",
        "views/report_chorus_invoice.xml",
        "views/chorus_pro_wizard_views.xml",
        "views/chorus_pro_reissue_wizard_views.xml",
        "views/chorus_pro_deposit_job_views.xml",
        "views/chorus_pro_menus.xml",
        "views/chorus_pro_order_views.xml",
        "views/chorus_pro_send_views.xml",
    ],
    "demo": [
        "demo/res_company_demo.xml",
        "demo/account_move_demo.xml",
        "demo/chorus_pro_order_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "l10n_fr_chorus_pro/static/src/**/*",
        ],
        "web.assets_tests": [
            "l10n_fr_chorus_pro/static/tests/tours/**/*",
        ],
    },
}
