import {registry} from "@web/core/registry";
import {depositFromFormSteps} from "@l10n_fr_chorus_pro/../tests/tours/chorus_pro_tour_steps";

// In French: on a care order of the Département 93, record a child's care decision, run
// the month's ASE invoices wizard, take two days off, create the draft invoice, post it
// and deposit it on Chorus Pro (the simulator).
registry.category("web_tour.tours").add("chorus_pro_care_decision_tour", {
  steps: () => [
    {
      content: "Open the Care Decisions tab of the order",
      trigger: ".o_notebook a.nav-link[name=care_decisions]",
      run: "click",
    },
    {
      content: "Add a care decision",
      trigger: "div[name=care_decision_ids] .o_field_x2many_list_row_add a",
      run: "click",
    },
    {
      content: "The child's name",
      trigger: ".o_selected_row div[name=name] input",
      run: "edit Jade Morel",
    },
    {
      content: "From",
      trigger: ".o_selected_row div[name=date_start] input",
      run: "edit 01/01/2026",
    },
    {
      content: "To",
      trigger: ".o_selected_row div[name=date_end] input",
      run: "edit 31/12/2026",
    },
    {
      content: "Daily rate",
      trigger: ".o_selected_row div[name=daily_rate] input",
      run: "edit 120",
    },
    {
      content: "Save the order",
      trigger: ".o_form_button_save",
      run: "click",
    },
    {
      content: "Saved",
      trigger: ".o_form_saved",
    },
    {
      content: "Create the month's invoice",
      trigger: "button[name=action_create_invoice]",
      run: "click",
    },
    {
      content: "The wizard proposes the child's days of last month",
      trigger: ".modal .o_data_row:contains(Jade Morel)",
    },
    {
      content: "It says which product (and tax) the lines take: the Default Care Product",
      trigger: ".modal div[name=care_product_id]:contains(Placement ASE)",
    },
    {
      content: "Edit the days",
      trigger: ".modal .o_data_row:contains(Jade Morel) td[name=days]",
      run: "click",
    },
    {
      content: "Two days in hospital",
      trigger: ".modal .o_selected_row div[name=days] input",
      run: "edit 28",
    },
    {
      content: "Create the invoices",
      trigger: ".modal button[name=action_create_invoices]",
      run: "click",
    },
    {
      content: "The draft invoice opens",
      trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current[data-value=draft]",
    },
    {
      content: "Its line names the child",
      trigger: ".o_form_view div[name=invoice_line_ids] .o_data_row:contains(Jade Morel)",
    },
    {
      content: "Open the Chorus Pro tab",
      trigger: ".o_notebook a.nav-link[name=chorus_pro]",
      run: "click",
    },
    {
      content: "The engagement number of the order is there",
      trigger: "div[name=purchase_order_reference] input:value(EJ2026-TOUR-01)",
    },
    {
      content: "Post the invoice",
      trigger: ".o_statusbar_buttons button[name=action_post]",
      run: "click",
    },
    {
      content: "Posted",
      trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current[data-value=posted]",
    },
    ...depositFromFormSteps(),
    {
      content: "Back on the invoice, now on Chorus Pro",
      trigger: ".o_form_view:not(:has(.modal)) .o_chorus_banner",
    },
  ],
});
