import {registry} from "@web/core/registry";
import {depositFromFormSteps} from "@l10n_fr_chorus_pro/../tests/tours/chorus_pro_tour_steps";

// The user's language is French: the steps find buttons and tabs by name and check the
// figures as French shows them, never English labels.

// A late invoice of the Département: the Payment Delay tab shows the interest still owed;
// "Create interest invoice" opens the interest invoice with the claim letter attached as its
// Chorus Pro supporting document; it is deposited through the checklist.
registry.category("web_tour.tours").add("chorus_pro_interest_tour", {
  steps: () => [
    {
      content: "Open the Payment Delay tab",
      trigger: ".o_notebook a.nav-link[name=chorus_payment_delay]",
      run: "click",
    },
    {
      content: "18 days late",
      trigger: "div[name=chorus_delay_days_late]:contains(18)",
    },
    {
      content: "41,57 € of interest and indemnity still owed",
      trigger: "div[name=chorus_interest_remaining]:contains(41,57)",
    },
    {
      content: "Create the interest invoice",
      trigger: ".o_form_view button[name=action_chorus_interest_invoice]",
      run: "click",
    },
    {
      content: "The interest invoice is open: the late invoice it claims for",
      trigger: ".o_form_view .o_notebook a.nav-link[name=chorus_interest_late_moves]",
      run: "click",
    },
    {
      content: "41,57 € claimed for it",
      trigger: "div[name=chorus_interest_late_move_ids] .o_data_row:contains(41,57)",
    },
    {
      content: "Open the Chorus Pro tab",
      trigger: ".o_notebook a.nav-link[name=chorus_pro]",
      run: "click",
    },
    {
      content: "The claim letter is its supporting document",
      trigger: "div[name=chorus_attachment_ids]:contains(Reclamation interets)",
    },
    ...depositFromFormSteps("Deposit the interest invoice on Chorus Pro"),
    {
      content: "The interest invoice is on Chorus Pro, waiting for the recipient",
      trigger: ".o_form_view:not(:has(.modal)) .o_chorus_banner.alert-info",
    },
  ],
});
