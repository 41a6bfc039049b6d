import {registry} from "@web/core/registry";
import {download} from "@web/core/network/download";
import {openListRowSteps} from "@l10n_fr_chorus_pro/../tests/tours/chorus_pro_tour_steps";

// A new user's afternoon, in French, from the customer invoices list:
// (1) the invoice of 285,00 € whose number Chorus Pro already holds for another invoice:
//     refused, not shown as deposited, among the invoices to fix;
// (2) the invoice of 475,00 € deposited this morning: its Factur-X is a download;
// (3) an invoice typed by hand for Noah's care (25 days, his care ends on the 20th):
//     matched to the care order, the over-billing stops the deposit;
// (4) the customers filtered on the SIRET of the user's own university: one company,
//     the user's, a Chorus Pro recipient.
const INVOICES = "/odoo/action-account.action_move_out_invoice_type";
const TAKEN = "285,00";
const DEPOSITED = "475,00";

const numberTakenSteps = [
  ...openListRowSteps(TAKEN, "Open the invoice whose number Chorus Pro already holds"),
  {
    content: "Déposer sur Chorus Pro",
    trigger: ".o_form_view .o_statusbar_buttons button[name=action_chorus_deposit]",
    run: "click",
  },
  {
    content: "Its checklist is green",
    trigger: ".modal .alert-success:contains(exigent Chorus Pro et le destinataire)",
  },
  {
    content: "Deposit",
    trigger: ".modal .modal-footer button[name=action_deposit]",
    run: "click",
  },
  {
    content: "The refusal: the number is already used on Chorus Pro, and what to do",
    trigger:
      ".modal .o_error_dialog:contains(est déjà utilisé sur Chorus Pro par une autre facture):contains(200,00):contains(changez son numéro)",
  },
  {
    content: "Close the message",
    trigger: ".modal .o_error_dialog .o-default-button",
    run: "click",
  },
  {
    content: "Close the wizard",
    trigger: ".modal:not(:has(.o_error_dialog)) .modal-footer button[data-hotkey=x]",
    run: "click",
  },
  {
    content: "The banner: not integrated, the number is taken",
    trigger:
      ".o_form_view:not(:has(.modal)) .o_chorus_banner.alert-danger:contains(est déjà utilisé sur Chorus Pro)",
  },
  {
    content: "Not shown as deposited",
    trigger: ".o_form_view:not(:has(.o_chorus_banner:contains(Déposée sur Chorus Pro)))",
  },
  {
    content: "Open the Chorus Pro tab",
    trigger: ".o_notebook a.nav-link[name=chorus_pro]",
    run: "click",
  },
  {
    content: "To fix, no deposited document",
    trigger:
      ".o_form_view:not(:has(div[name=chorus_document_file])) div[name=chorus_state]:contains(À corriger)",
  },
  {
    content: "Back to the invoices",
    trigger: ".o_breadcrumb .breadcrumb-item a",
    run: "click",
  },
  {
    content: "In the list, to fix",
    trigger: `.o_data_row:contains(${TAKEN}) td[name=chorus_state]:contains(À corriger)`,
  },
  {
    content: "Open the filters",
    trigger: ".o_searchview_dropdown_toggler",
    run: "click",
  },
  {
    content: "Chorus Pro : à corriger",
    trigger: ".o_filter_menu .o_menu_item:contains(à corriger)",
    run: "click",
  },
  {
    content: "It is the only invoice to fix",
    trigger: `.o_list_renderer:not(:has(.o_data_row:not(:contains(${TAKEN})))) .o_data_row:contains(${TAKEN})`,
  },
];

const evidenceSteps = [
  {
    content: "Back to all the invoices",
    trigger: "body",
    run: `goToUrl ${INVOICES}`,
    expectUnloadPage: true,
  },
  ...openListRowSteps(DEPOSITED, "Open the invoice deposited this morning"),
  {
    content: "Deposited on Chorus Pro",
    trigger: ".o_chorus_banner.alert-info:contains(Déposée sur Chorus Pro)",
  },
  {
    content: "Open the Chorus Pro tab",
    trigger: ".o_notebook a.nav-link[name=chorus_pro]",
    run: "click",
  },
  {
    content: "The deposited Factur-X is a download link",
    trigger: ".o_form_view div[name=chorus_document_file] a.o_form_uri:has(.fa-download):contains(.pdf)",
    async run(helpers) {
      // What the link downloads, kept for the next step (and downloaded for real).
      const original = download._download;
      download._download = async (options) => {
        download._download = original;
        await original(options);
        document.body.dataset.chorusDownloaded = options.data.field;
      };
      await helpers.click();
    },
  },
  {
    content: "The file was downloaded; no attachment form opened",
    trigger:
      "body[data-chorus-downloaded=chorus_document_file]:not(:has(.modal)) .o_form_view div[name=chorus_document_file]",
  },
  {
    content: "Still on the invoice",
    trigger: ".o_breadcrumb:not(:contains(.pdf)) .o_last_breadcrumb_item",
  },
];

const typedCareSteps = [
  {
    content: "Back to the invoices",
    trigger: ".o_breadcrumb .breadcrumb-item a",
    run: "click",
  },
  {
    content: "A new invoice, typed by hand",
    trigger: ".o_list_button_add",
    run: "click",
  },
  {
    content: "The customer",
    trigger: ".o_form_view div[name=partner_id] input",
    run: "edit Seine-Saint-Denis",
  },
  {
    content: "The Département",
    trigger: ".o-autocomplete--dropdown-item a:contains(Département de la Seine-Saint-Denis)",
    run: "click",
  },
  {
    content: "The invoice date",
    trigger: ".o_form_view div[name=invoice_date] input",
    run: "edit 02/04/2026",
  },
  {
    content: "Show the quantity column of the lines",
    trigger: "div[name=invoice_line_ids] .o_optional_columns_dropdown_toggle",
    run: "click",
  },
  {
    content: "Quantité",
    trigger: ".o-dropdown--menu .dropdown-item:has(input[name=quantity]:not(:checked))",
    run: "click",
  },
  {
    content: "Add a line",
    trigger: "div[name=invoice_line_ids]:has(th[data-name=quantity]) .o_field_x2many_list_row_add a",
    run: "click",
  },
  {
    content: "Its label",
    trigger: "div[name=invoice_line_ids] .o_selected_row div[name=name] textarea",
    run: "edit Accueil de jour de Noah, mars 2026",
  },
  {
    content: "25 days",
    trigger: "div[name=invoice_line_ids] .o_selected_row div[name=quantity] input",
    run: "edit 25",
  },
  {
    content: "At 80 € a day",
    trigger: "div[name=invoice_line_ids] .o_selected_row div[name=price_unit] input",
    run: "edit 80",
  },
  {
    content: "Open the Chorus Pro tab",
    trigger: ".o_notebook a.nav-link[name=chorus_pro]",
    run: "click",
  },
  {
    content: "The service",
    trigger: ".o_form_view div[name=chorus_service_id] input",
    run: "edit 538",
  },
  {
    content: "ASE 538",
    trigger: ".o-autocomplete--dropdown-item a:contains(538)",
    run: "click",
  },
  {
    content: "The engagement number of Noah's care order",
    trigger: ".o_form_view div[name=purchase_order_reference] input",
    run: "edit EJ2026-ASE-0001",
  },
  {
    content: "Add a beneficiary",
    trigger: "div[name=chorus_beneficiary_ids] .o_field_x2many_list_row_add a",
    run: "click",
  },
  {
    content: "Noah",
    trigger: "div[name=chorus_beneficiary_ids] .o_selected_row div[name=name] input",
    run: "edit Noah Diallo",
  },
  {
    content: "From the 10th",
    trigger: "div[name=chorus_beneficiary_ids] .o_selected_row div[name=date_start] input",
    run: "edit 10/03/2026",
  },
  {
    content: "To the 20th",
    trigger: "div[name=chorus_beneficiary_ids] .o_selected_row div[name=date_end] input",
    run: "edit 20/03/2026",
  },
  {
    content: "Save",
    trigger: ".o_form_button_save",
    run: "click",
  },
  {
    content: "Saved, matched to the care order",
    trigger: ".o_form_saved div[name=chorus_order_id] input:value(PEC-2026-EJ1)",
  },
  {
    content: "Déposer sur Chorus Pro",
    trigger: ".o_form_view .o_statusbar_buttons button[name=action_chorus_deposit]",
    run: "click",
  },
  {
    content: "The checklist: matched to the care order by its engagement number",
    trigger: ".modal .o_data_row:contains(Rattachée à la commande PEC-2026-EJ1)",
  },
  {
    content: "25 days billed, the care decision covers 11 of them",
    trigger:
      ".modal .o_data_row:contains(25 jours facturés du 10/03/2026 au 20/03/2026):contains(11 de ces jours)",
  },
  {
    content: "Nothing to deposit",
    trigger: ".modal .modal-footer:not(:has(button[name=action_deposit])) button[name=action_check]",
  },
  {
    content: "Close the wizard",
    trigger: ".modal-footer button[data-hotkey=x]",
    run: "click",
  },
  {
    content: "Still a draft, not on Chorus Pro",
    trigger:
      ".o_form_view:not(:has(.modal)):not(:has(.o_chorus_banner)) .o_statusbar_status button.o_arrow_button_current[data-value=draft]",
  },
];

const joinedCustomerSteps = [
  {
    content: "The customers",
    trigger: "body",
    run: "goToUrl /odoo/action-account.res_partner_action_customer",
    expectUnloadPage: true,
  },
  {
    content: "As a list",
    trigger: ".o_switch_view.o_list",
    run: "click",
  },
  {
    content: "The customers are listed",
    trigger: ".o_list_view .o_data_row",
  },
  {
    content: "Search the SIRET of the university",
    trigger: ".o_list_view .o_searchview_input",
    run: "fill 13001835100010",
  },
  {
    content: "Search it",
    trigger: ".o_searchview_autocomplete .o-dropdown-item:contains(13001835100010) a",
    run: "click",
  },
  {
    content: "Searched",
    trigger: ".o_searchview_facet:contains(13001835100010)",
  },
  {
    content: "One company: the user's own, with its e-mail",
    trigger:
      ".o_list_renderer:not(:has(.o_data_row:not(:contains(Université de Bordeaux)))) .o_data_row:contains(Université de Bordeaux):contains(factures@example.fr) td.o_data_cell",
    run: "click",
  },
  {
    content: "Open its Chorus Pro tab",
    trigger: ".o_notebook a.nav-link[name=chorus_pro]",
    run: "click",
  },
  {
    content: "A Chorus Pro recipient, with the SIRET",
    trigger:
      ".o_form_view:has(div[name=company_registry]:contains(13001835100010)) div[name=chorus_recipient] input:checked",
  },
];

registry.category("web_tour.tours").add("chorus_pro_new_user_tour", {
  steps: () => [...numberTakenSteps, ...evidenceSteps, ...typedCareSteps, ...joinedCustomerSteps],
});
