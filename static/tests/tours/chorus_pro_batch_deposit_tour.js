import {registry} from "@web/core/registry";
import {
  depositSelectionSteps,
  selectListRowsSteps,
} from "@l10n_fr_chorus_pro/../tests/tours/chorus_pro_tour_steps";

// In French, from the invoice list: three drafts to the Département de la
// Seine-Saint-Denis (totals 380,00 / 570,00 / 760,00 €), the last one without its
// engagement number (EJ). Actions › Déposer sur Chorus Pro: the checklist is grouped by
// invoice, the one to fix first, with a one-line summary; the valid ones are deposited
// (one flow for all, or one flow per invoice), the refused one's checklist stays shown,
// and the list shows them deposited.
const TOTALS = ["380,00", "570,00", "760,00"];

function batchDepositSteps(oneFlow) {
  return [
    ...selectListRowsSteps(TOTALS),
    {
      content: "Three invoices selected",
      trigger: ".o_selection_box:contains(3)",
    },
    ...depositSelectionSteps(),
    {
      content: "One line of summary: 2 ready, 1 to fix",
      trigger: ".modal .o_chorus_check_summary:contains(2):contains(1)",
    },
    {
      content: "The invoice to fix comes first, with its problem",
      trigger:
        ".modal .o_chorus_checklist .o_chorus_checklist_invoice:first-child.o_chorus_checklist_to_fix:contains(760,00) li:contains(EJ)",
    },
    {
      content: "The two ready invoices follow",
      trigger:
        ".modal .o_chorus_checklist .o_chorus_checklist_ready:contains(380,00) ~ .o_chorus_checklist_ready:contains(570,00)",
    },
    ...(oneFlow
      ? []
      : [
          {
            content: "One flow per invoice",
            trigger: ".modal div[name=batch] input:checked",
            run: "click",
          },
          {
            content: "Unticked",
            trigger: ".modal div[name=batch] input:not(:checked)",
          },
        ]),
    {
      content: "Déposer celles qui sont conformes",
      trigger: ".modal button[name=action_deposit]:contains(Déposer celles qui sont conformes)",
      run: "click",
    },
    {
      content: "What was sent, what was refused, what comes next",
      trigger: ".modal:contains(2 facture(s) sur 3 envoyée(s) à Chorus Pro)",
    },
    {
      content: "Below, the refused invoice's own checklist: its problem, nothing garbled",
      trigger:
        ".modal .o_chorus_checklist:not(:has(.o_chorus_checklist_ready)):not(:contains(False)) .o_chorus_checklist_to_fix:contains(760,00) li:contains(EJ)",
    },
    {
      content: "Close",
      trigger: ".modal-footer button:contains(Fermer)",
      run: "click",
    },
    {
      content: "The first one is deposited",
      trigger: ".o_data_row:contains(380,00) td[name=chorus_state]:contains(Déposée)",
    },
    {
      content: "The second one is deposited",
      trigger: ".o_data_row:contains(570,00) td[name=chorus_state]:contains(Déposée)",
    },
    {
      content: "The one without EJ is still a draft, not deposited",
      trigger: ".o_data_row:contains(760,00) td[name=chorus_state]:not(:contains(Déposée))",
    },
  ];
}

registry.category("web_tour.tours").add("chorus_pro_batch_deposit_tour", {
  steps: () => batchDepositSteps(true),
});

registry.category("web_tour.tours").add("chorus_pro_batch_deposit_per_invoice_tour", {
  steps: () => batchDepositSteps(false),
});
