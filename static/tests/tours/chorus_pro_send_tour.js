import {registry} from "@web/core/registry";

// Odoo's Send dialog, in French: the invoice of a Chorus Pro recipient is sent "par
// Chorus Pro" (already ticked), deposited through the same checklist as the Deposit
// button; a missing mention is shown in the dialog, with the deposit checklist as the
// way out.

registry.category("web_tour.tours").add("chorus_pro_send_tour", {
  steps: () => [
    {
      content: "Send the invoice",
      trigger: ".o_form_view button[name=action_invoice_sent]",
      run: "click",
    },
    {
      content: "By Chorus Pro is ticked, and nothing to fix",
      trigger:
        ".modal:not(:has(div[name=l10n_fr_chorus_pro_checklist])) .form-check:has(label:contains(par Chorus Pro)) input:checked",
    },
    {
      content: "Send",
      trigger: ".modal .modal-footer button[name=action_send_and_print]",
      run: "click",
    },
    {
      content: "Deposited on Chorus Pro, waiting for the recipient",
      trigger: ".o_form_view:not(:has(.modal)) .o_chorus_banner.alert-info",
    },
  ],
});

registry.category("web_tour.tours").add("chorus_pro_send_checklist_tour", {
  steps: () => [
    {
      content: "Send the invoice",
      trigger: ".o_form_view button[name=action_invoice_sent]",
      run: "click",
    },
    {
      content: "The dialog says what Chorus Pro is missing",
      trigger:
        ".modal div[name=l10n_fr_chorus_pro_checklist]:contains(Pas prêt pour Chorus Pro):contains(engagement)",
    },
    {
      content: "Open the deposit checklist",
      trigger: ".modal div[name=l10n_fr_chorus_pro_checklist] a",
      run: "click",
    },
    {
      content: "The deposit wizard lists what to fix",
      trigger:
        ".modal .o_field_widget[name=purchase_order_reference], .modal:contains(engagement) .modal-footer",
    },
  ],
});
