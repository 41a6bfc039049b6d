import {registry} from "@web/core/registry";
import {depositFromFormSteps} from "@l10n_fr_chorus_pro/../tests/tours/chorus_pro_tour_steps";

// The user's language is French: the steps find buttons by name and check the data
// (the recipient's words), never English labels.

// The recipient rejected the invoice: the banner says why and what to do; "Correct and
// re-issue" shows the reason, takes the corrected engagement number, cancels the invoice
// with a credit note and opens the new draft, deposited through the checklist.
registry.category("web_tour.tours").add("chorus_pro_reissue_tour", {
  steps: () => [
    {
      content: "The banner gives the rejection reason",
      trigger: ".o_chorus_banner.alert-danger:contains(engagement inconnu)",
    },
    {
      content: "No deposit of the rejected invoice",
      trigger: ".o_form_view:not(:has(button[name=action_chorus_deposit]))",
    },
    {
      content: "Correct and re-issue",
      trigger: "button[name=action_chorus_reissue]",
      run: "click",
    },
    {
      content: "The wizard shows the reason",
      trigger: ".modal .o_chorus_rejection_reason:contains(engagement inconnu)",
    },
    {
      content: "Type the right engagement number",
      trigger: ".modal div[name=purchase_order_reference] input",
      run: "edit EJ2026-000456",
    },
    {
      content: "Cancel it and prepare the new invoice",
      trigger: ".modal button[name=action_reissue]",
      run: "click",
    },
    ...depositFromFormSteps("The new draft invoice is open: deposit it"),
    {
      content: "The new invoice is on Chorus Pro, waiting for the recipient",
      trigger: ".o_form_view:not(:has(.modal)) .o_chorus_banner.alert-info",
    },
  ],
});

// The recipient suspended the invoice: "Complete" only (no deposit), its request shown.
registry.category("web_tour.tours").add("chorus_pro_complete_tour", {
  steps: () => [
    {
      content: "The banner gives the recipient's request",
      trigger: ".o_chorus_banner.alert-warning:contains(arrêté de placement)",
    },
    {
      content: "No deposit of a suspended invoice",
      trigger: ".o_form_view:not(:has(button[name=action_chorus_deposit]))",
    },
    {
      content: "Complete",
      trigger: "button[name=action_chorus_complete]",
      run: "click",
    },
    {
      content: "The wizard shows what the recipient asks",
      trigger: ".modal .o_chorus_recipient_comment:contains(arrêté de placement)",
    },
    {
      content: "Answer",
      trigger: ".modal div[name=comment] textarea",
      run: "edit Arrêté joint",
    },
    {
      content: "Complete on Chorus Pro",
      trigger: ".modal button[name=action_complete]",
      run: "click",
    },
    {
      content: "Back on Chorus Pro, waiting for the recipient",
      trigger: ".o_form_view:not(:has(.modal)) .o_chorus_banner.alert-info",
    },
  ],
});
