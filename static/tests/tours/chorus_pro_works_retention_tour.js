import {registry} from "@web/core/registry";

// The retention guarantee of a works contract, in French: withheld by the MOA on the two
// statements paid net, the guarantee period ended, the repayment recorded with
// "Retention Received": nothing is held any more.

registry.category("web_tour.tours").add("chorus_pro_works_retention_tour", {
  steps: () => [
    {
      content: "The retention guarantee tab",
      trigger: ".o_form_view .o_notebook a[name=retention_guarantee]",
      run: "click",
    },
    {
      content: "The retention still held, written the French way",
      trigger: ".o_form_view div[name=retention_held]:contains(6 941,63)",
    },
    {
      content: "Record the repayment",
      trigger: ".o_form_view button[name=action_retention_received]",
      run: "click",
    },
    {
      content: "The retention the MOA holds, in the dialog",
      trigger: ".modal .o_form_view div[name=retention_held]:contains(941,63)",
    },
    {
      content: "Record it",
      trigger: ".modal button[name=action_confirm]",
      run: "click",
    },
    {
      content: "Nothing held any more",
      trigger: ".o_form_view:not(:has(.modal)) div[name=retention_held]:contains(0,00)",
    },
  ],
});
