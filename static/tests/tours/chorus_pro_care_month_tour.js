import {registry} from "@web/core/registry";
import {
  depositSelectionSteps,
  selectListRowsSteps,
} from "@l10n_fr_chorus_pro/../tests/tours/chorus_pro_tour_steps";

// In French, the month of March after the sample care decisions were imported (no product):
// the Default Care Product chosen in Settings, the month's care invoices proposed with it
// (the wizard says what to choose first), three invoices created — one per care order:
// 7 464,70 € ready, 310,00 € without service nor engagement number (EJ), 620,00 € without
// EJ — and deposited from the invoice list: one line per problem, nothing to deposit
// while none is ready, the ready one deposited, the refused ones' checklist readable.
const READY = "7 464,70";
const NO_ROUTING = "310,00";
const NO_EJ = "620,00";

const settingsSteps = [
  {
    content: "Settings › Chorus Pro: the Default Care Product",
    trigger: ".o-settings-form-view div[name=chorus_care_product_id] input",
    run: "edit Placement ASE",
  },
  {
    content: "Placement ASE, exempt from VAT",
    trigger: ".o-autocomplete--dropdown-item a:contains(Placement ASE)",
    run: "click",
  },
  {
    content: "Save",
    trigger: ".o_control_panel .o_form_button_save",
    run: "click",
    expectUnloadPage: true,
  },
  {
    content: "Saved",
    trigger:
      ".o-settings-form-view:not(:has(.o_dirty_warning)) div[name=chorus_care_product_id] input:value(Placement ASE)",
  },
];

const monthWizardSteps = [
  {
    content: "The apps",
    trigger: ".o_navbar_apps_menu button",
    run: "click",
  },
  {
    content: "Facturation",
    trigger: ".o_app[data-menu-xmlid='account.menu_finance']",
    run: "click",
  },
  {
    content: "The Customers menu",
    trigger: ".o_main_navbar button[data-menu-xmlid='account.menu_finance_receivables']",
    run: "click",
  },
  {
    content: "Factures de prise en charge du mois",
    trigger:
      ".dropdown-item[data-menu-xmlid='l10n_fr_chorus_pro.menu_chorus_pro_care_month_wizard']:contains(Factures de prise en charge du mois)",
    run: "click",
  },
  {
    content: "It opens on last month for the Département: the user clears the recipient",
    trigger: ".modal div[name=partner_id] input:value(Seine-Saint-Denis)",
    run: "clear",
  },
  {
    content: "And leaves the field",
    trigger: ".modal .modal-title",
    run: "click",
  },
  {
    content: "The wizard says what to choose, and proposes nothing",
    trigger:
      ".modal:not(:has(div[name=line_ids] .o_data_row)) div[name=proposal_note]:contains(Choisissez le destinataire et le mois)",
  },
  {
    content: "The recipient",
    trigger: ".modal div[name=partner_id] input",
    run: "edit Seine-Saint-Denis",
  },
  {
    content: "The Département",
    trigger: ".o-autocomplete--dropdown-item a:contains(Département de la Seine-Saint-Denis)",
    run: "click",
  },
  {
    content: "The month",
    trigger: ".modal div[name=month] button",
    run: "click",
  },
  {
    content: "March 2026",
    trigger: ".modal div[name=month] input",
    run: "edit 01/03/2026",
  },
  {
    content: "Confirm the month",
    trigger: ".modal div[name=month] input",
    run: "press Enter",
  },
  {
    content: "The children of March, each line with the Default Care Product",
    trigger:
      ".modal div[name=line_ids]:not(:has(.o_data_row:not(:contains(Placement ASE)))):has(.o_data_row:contains(Sacha Petit)):has(.o_data_row:contains(Lina Roche)) .o_data_row:contains(Léa Martin)",
  },
  {
    content: "Nothing is missing",
    trigger: ".modal:not(:has(div[name=product_problem])) div[name=care_product_id]:contains(Placement ASE)",
  },
  {
    content: "Créer les factures",
    trigger: ".modal .modal-footer button[name=action_create_invoices]",
    run: "click",
  },
  {
    content: "The three invoices, one per care order",
    trigger: `.o_list_renderer:has(.o_data_row:contains(${NO_ROUTING})):has(.o_data_row:contains(${NO_EJ})) .o_data_row:contains(${READY})`,
  },
];

// The problems of an invoice under its check, with their count (no apostrophe in a
// :contains(), it would open a quoted string in the selector).
const ROUTING_PROBLEMS = `.o_chorus_checklist_to_fix:contains(${NO_ROUTING}) li:contains(engagement (EJ) (2 problèmes)) ul.o_chorus_checklist_problems:has(li:contains(exige un code service)) li:contains(engagement (EJ) est obligatoire)`;
const MISSING_EJ = `.o_chorus_checklist_to_fix:contains(${NO_EJ}) li:contains(engagement (EJ) est obligatoire)`;

const depositSteps = [
  ...selectListRowsSteps([NO_ROUTING, NO_EJ]),
  ...depositSelectionSteps(),
  {
    content: "None ready, two to fix",
    trigger: ".modal .o_chorus_check_summary:contains(0 prête(s), 2 à corriger)",
  },
  {
    content: "One line per problem, under its check, with the count",
    trigger: `.modal ${ROUTING_PROBLEMS}`,
  },
  {
    content: "The other one's problem",
    trigger: `.modal ${MISSING_EJ}`,
  },
  {
    content: "Nothing to deposit: no deposit button",
    trigger: ".modal .modal-footer:not(:has(button[name=action_deposit])) button[name=action_check]",
  },
  {
    content: "Close",
    trigger: ".modal-footer button[data-hotkey=x]",
    run: "click",
  },
  {
    content: "The list is reloaded, nothing selected",
    trigger: ".o_list_renderer:not(:has(.o_data_row_selected)) .o_data_row",
  },
  ...selectListRowsSteps([READY, NO_ROUTING, NO_EJ]),
  {
    content: "Three invoices selected",
    trigger: ".o_selection_box:contains(3)",
  },
  ...depositSelectionSteps(),
  {
    content: "One ready, two to fix",
    trigger: ".modal .o_chorus_check_summary:contains(1 prête(s), 2 à corriger)",
  },
  {
    content: "Déposer celles qui sont conformes",
    trigger: ".modal .modal-footer button[name=action_deposit]:contains(Déposer celles qui sont conformes)",
    run: "click",
  },
  {
    content: "One of three sent",
    trigger: ".modal:contains(1 facture(s) sur 3 envoyée(s) à Chorus Pro)",
  },
  {
    content: "The refused ones' checklist, readable: their problems, nothing garbled",
    trigger: `.modal .o_chorus_checklist:not(:has(.o_chorus_checklist_ready)):not(:contains(False)):has(${MISSING_EJ}) ${ROUTING_PROBLEMS}`,
  },
  {
    content: "Not deposited: fix them",
    trigger: ".modal .o_chorus_not_deposited",
  },
  {
    content: "Close",
    trigger: ".modal-footer button[data-hotkey=x]",
    run: "click",
  },
  {
    content: "The ready one is deposited",
    trigger: `.o_data_row:contains(${READY}) td[name=chorus_state]:contains(Déposée)`,
  },
  {
    content: "The two others are not",
    trigger: `.o_list_renderer:not(:has(.o_data_row:contains(${NO_ROUTING}) td[name=chorus_state]:contains(Déposée))):not(:has(.o_data_row:contains(${NO_EJ}) td[name=chorus_state]:contains(Déposée)))`,
  },
];

registry.category("web_tour.tours").add("chorus_pro_care_month_tour_fr", {
  steps: () => [...settingsSteps, ...monthWizardSteps, ...depositSteps],
});
