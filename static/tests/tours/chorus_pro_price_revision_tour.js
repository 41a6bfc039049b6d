import {registry} from "@web/core/registry";

// A month of a market at revisable prices, in French: the order's revision clause, the
// invoice made from it at the revised price (coefficient of its month, provisional: the
// index of December is not published yet), the index value published, then the
// settlement proposed on the invoice and made in one click.

registry.category("web_tour.tours").add("chorus_pro_price_revision_tour", {
  steps: () => [
    {
      content: "The order's revision clause",
      trigger: ".o_form_view .o_notebook a[name=price_revision]",
      run: "click",
    },
    {
      content: "The formula as the contract writes it",
      trigger: ".o_form_view div[name=revision_formula]:contains(SYNTEC/SYNTEC₀)",
    },
    {
      content: "Create the invoice of the month",
      trigger: ".o_form_view .o_form_statusbar button[name=action_create_invoice]",
      run: "click",
    },
    {
      content: "The invoice date: end of December 2023",
      trigger: ".o_form_view .o_form_editable div[name=invoice_date] input",
      run: "edit 29/12/2023",
    },
    {
      content: "The Chorus Pro tab",
      trigger: ".o_form_view .o_notebook a[name=chorus_pro]",
      run: "click",
    },
    {
      content: "Apply the price revision of December",
      trigger: ".o_form_view button[name=action_chorus_apply_price_revision]",
      run: "click",
    },
    {
      content: "The coefficient, written the French way",
      trigger: ".o_form_view div[name=chorus_revision_coefficient]:contains(1,032)",
    },
    {
      content: "Provisional: December's index is not published yet",
      trigger: ".o_form_view div[name=chorus_revision_provisional] input:checked",
    },
    {
      content: "The invoice lines",
      trigger: ".o_form_view .o_notebook a[name=invoice_tab]",
      run: "click",
    },
    {
      content: "The revised unit price: 500,00 × 1,032",
      trigger: ".o_form_view div[name=invoice_line_ids] td[name=price_unit]:contains(516,00)",
    },
    {
      content: "Confirm the invoice",
      trigger: ".o_form_view button[name=action_post]",
      run: "click",
    },
    {
      content: "Posted",
      trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current[data-value=posted]",
    },
    {
      content: "The Configuration menu",
      trigger: ".o_main_navbar button[data-menu-xmlid='account.menu_finance_configuration']",
      run: "click",
    },
    {
      content: "The index values",
      trigger: ".dropdown-item[data-menu-xmlid='l10n_fr_chorus_pro.menu_chorus_pro_price_index_value']",
      run: "click",
    },
    {
      content: "December's value is published: record it",
      trigger: ".o_list_view .o_list_button_add",
      run: "click",
    },
    {
      content: "The index",
      trigger: ".o_selected_row div[name=index_id] input",
      run: "edit SYNTEC",
    },
    {
      content: "Syntec",
      trigger: ".o-autocomplete--dropdown-item a:contains(SYNTEC)",
      run: "click",
    },
    {
      content: "Its month",
      trigger: ".o_selected_row div[name=month] input",
      run: "edit 01/12/2023",
    },
    {
      content: "Its value",
      trigger: ".o_selected_row div[name=value] input",
      run: "edit 310",
    },
    {
      content: "Save",
      trigger: ".o_list_button_save",
      run: "click",
    },
    {
      content: "Saved",
      trigger: ".o_list_view:not(:has(.o_selected_row)) td[name=value]:contains(310)",
    },
    {
      content: "The Customers menu",
      trigger: ".o_main_navbar button[data-menu-xmlid='account.menu_finance_receivables']",
      run: "click",
    },
    {
      content: "The invoices",
      trigger: ".dropdown-item[data-menu-xmlid='account.menu_action_move_out_invoice_type']",
      run: "click",
    },
    {
      content: "The provisional invoice of December",
      trigger: ".o_list_view .o_data_row:contains(déc. 2023) td[name=invoice_partner_display_name]",
      run: "click",
    },
    {
      content: "The Chorus Pro tab",
      trigger: ".o_form_view .o_notebook a[name=chorus_pro]",
      run: "click",
    },
    {
      content: "The settlement is proposed: settle it",
      trigger: ".o_form_view button[name=action_chorus_settle_price_revision]",
      run: "click",
    },
    {
      content: "The complementary invoice, for the difference",
      trigger: ".o_form_view div[name=invoice_line_ids] td[name=price_unit]:contains(3,50)",
    },
  ],
});
