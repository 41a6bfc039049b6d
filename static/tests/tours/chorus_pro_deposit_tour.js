import {registry} from "@web/core/registry";

// An invoice to the Département de la Seine-Saint-Denis lacks its engagement number (EJ):
// the deposit checklist says so, the user types it in the wizard, deposits, and sees the
// Chorus Pro status come back on the invoice.
registry.category("web_tour.tours").add("chorus_pro_deposit_tour", {
  steps: () => [
    {
      content: "Open the deposit wizard",
      trigger: "button[name=action_chorus_deposit]",
      run: "click",
    },
    {
      content: "The checklist asks for the engagement number",
      trigger: ".modal .o_data_row:contains(engagement number (EJ) is mandatory)",
    },
    {
      content: "Type the engagement number",
      trigger: ".modal div[name=purchase_order_reference] input",
      run: "edit EJ2026-000456",
    },
    {
      content: "Check again",
      trigger: ".modal button[name=action_check]",
      run: "click",
    },
    {
      content: "Everything is there",
      trigger: ".modal .alert-success:contains(Everything Chorus Pro)",
    },
    {
      content: "Deposit",
      trigger: ".modal button[name=action_deposit]",
      run: "click",
    },
    {
      content: "The flow number and next steps are shown",
      trigger: ".modal:contains(Next steps)",
    },
    {
      content: "Close the wizard",
      trigger: ".modal-footer button:contains(Close)",
      run: "click",
    },
    {
      content: "Ask Chorus Pro for the status",
      trigger: "button[name=action_chorus_update]",
      run: "click",
    },
    {
      content: "Open the Chorus Pro tab",
      trigger: ".o_notebook a.nav-link:contains(Chorus Pro)",
      run: "click",
    },
    {
      content: "The invoice shows its Chorus Pro status",
      trigger: "div[name=chorus_status]:contains(Deposited)",
    },
  ],
});
