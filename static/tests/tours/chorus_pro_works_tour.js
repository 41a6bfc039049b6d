import {registry} from "@web/core/registry";
import {depositFromFormSteps} from "@l10n_fr_chorus_pro/../tests/tours/chorus_pro_tour_steps";

// A works contractor's monthly statement on Chorus Pro, in French (tests/test_works_tours.py):
// confirmed, invoiced, submitted through its project manager (MOE); between the parts the
// test plays the MOE and the Département on the simulator. Buttons are found by name; the
// checks read the French labels and amounts (1 234,56: a no-break space between thousands).

// Part 1: the statement confirmed, its invoice created and submitted with "Déposer sur
// Chorus Pro": held by the project manager, with their 7 days.
registry.category("web_tour.tours").add("chorus_pro_works_submit_tour", {
  steps: () => [
    {
      content: "Confirm the statement of the month",
      trigger: ".o_form_view .o_form_statusbar button[name=action_confirm]",
      run: "click",
    },
    {
      content: "Confirmed, numbered in the company's sequence",
      trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current[data-value=confirmed]",
    },
    {
      content: "The net to pay: the retention withheld",
      trigger: ".o_form_view div[name=retention_month]:contains(3 505,00)",
    },
    {
      content: "Create the invoice of the month",
      trigger: ".o_form_view .o_form_statusbar button[name=action_create_invoice]",
      run: "click",
    },
    {
      content: "The invoice books the statement: works of the month at 20 %",
      trigger: ".o_form_view div[name=invoice_line_ids] td[name=price_subtotal]:contains(70 100,00)",
    },
    ...depositFromFormSteps("Déposer sur Chorus Pro"),
    {
      content: "The Chorus Pro tab",
      trigger: ".o_form_view .o_notebook a[name=chorus_pro]",
      run: "click",
    },
    {
      content: "Made available to the project manager",
      trigger: ".o_form_view div[name=chorus_status]:contains(Mise à disposition du maître)",
    },
    {
      content: "The frame Chorus Pro received: the statement's, not an invoice frame",
      trigger: ".o_form_view div[name=chorus_works_frame]:contains(A4)",
    },
    {
      content: "No invoice frame nor deposit mode shown for a works statement",
      trigger:
        ".o_form_view:not(:has(div[name=chorus_billing_frame])):not(:has(div[name=chorus_deposit_mode]))",
    },
    {
      content: "Held by the project manager, with their 7 days",
      trigger: ".o_form_view div[name=chorus_works_holder]:contains(Maître d)",
    },
    {
      content: "The project manager's deadline",
      trigger: ".o_form_view div[name=chorus_works_moe_deadline]:not(:empty)",
    },
  ],
});

// Part 2: the MOE validated it with a corrected amount: the user updates it and reads the
// validated amount and the 30 days to object.
registry.category("web_tour.tours").add("chorus_pro_works_corrected_tour", {
  steps: () => [
    {
      content: "Mettre à jour depuis Chorus Pro",
      trigger: ".o_form_view .o_form_statusbar button[name=action_chorus_update]",
      run: "click",
    },
    {
      content: "The Chorus Pro tab",
      trigger: ".o_form_view .o_notebook a[name=chorus_pro]",
      run: "click",
    },
    {
      content: "Sent to the Département by the MOE",
      trigger: ".o_form_view div[name=chorus_status]:contains(Transmise au MOA)",
    },
    {
      content: "The amount the MOE validated, corrected",
      trigger: ".o_form_view div[name=chorus_works_moe_amount_untaxed]:contains(68 000,00)",
    },
    {
      content: "Amounts corrected",
      trigger: ".o_form_view div[name=chorus_works_amounts_corrected] input:checked",
    },
    {
      content: "The MOE's comment",
      trigger: ".o_form_view div[name=chorus_works_validation_comment]:contains(Métré contradictoire)",
    },
    {
      content: "The deadline to object (30 days)",
      trigger: ".o_form_view div[name=chorus_works_objection_deadline]:not(:empty)",
    },
  ],
});

// Part 3: the Département ordered the payment of the net: the user updates the invoice and
// registers the payment, the retention on the retention account.
registry.category("web_tour.tours").add("chorus_pro_works_paid_tour", {
  steps: () => [
    {
      content: "Mettre à jour depuis Chorus Pro",
      trigger: ".o_form_view .o_form_statusbar button[name=action_chorus_update]",
      run: "click",
    },
    {
      content: "Payment ordered on Chorus Pro",
      trigger: ".o_form_view .o_chorus_banner.alert-success",
    },
    {
      content: "Register the payment",
      trigger: ".o_form_view .o_form_statusbar button[name=action_register_payment]",
      run: "click",
    },
    {
      content: "The net the Département paid",
      trigger: ".modal div[name=amount] input",
      run: "edit 80615,00 && press Tab",
    },
    {
      content: "Mark as fully paid: the difference is the retention",
      trigger: ".modal div[name=payment_difference_handling] input[data-value=reconcile]",
      run: "click",
    },
    {
      content: "On the retention account",
      trigger: ".modal div[name=writeoff_account_id] input",
      run: "edit 411710",
    },
    {
      content: "411710 Clients - Retenues de garantie",
      trigger: ".o-autocomplete--dropdown-item a:contains(Retenues de garantie)",
      run: "click",
    },
    {
      content: "Its label",
      trigger: ".modal div[name=writeoff_label] input",
      run: "edit Retenue de garantie 5 %",
    },
    {
      content: "Create the payment",
      trigger: ".modal button[name=action_create_payments]",
      run: "click",
    },
    {
      content: "Paid",
      trigger: ".o_form_view:not(:has(.modal)) .ribbon",
    },
  ],
});

// The MOE refused the statement: wrong validator. No deposit again; "Corriger le valideur"
// with the right project manager sends it to them.
registry.category("web_tour.tours").add("chorus_pro_works_validator_tour", {
  steps: () => [
    {
      content: "Mettre à jour depuis Chorus Pro",
      trigger: ".o_form_view .o_form_statusbar button[name=action_chorus_update]",
      run: "click",
    },
    {
      content: "The refusal, with the MOE's comment",
      trigger: ".o_form_view .o_chorus_banner.alert-warning:contains(Pas notre chantier)",
    },
    {
      content: "Never deposited again",
      trigger: ".o_form_view:not(:has(button[name=action_chorus_deposit]))",
    },
    {
      content: "The Chorus Pro tab",
      trigger: ".o_form_view .o_notebook a[name=chorus_pro]",
      run: "click",
    },
    {
      content: "The refusal reason",
      trigger: ".o_form_view div[name=chorus_works_refusal_reason]:contains(Mauvais valideur)",
    },
    {
      content: "Corriger le valideur",
      trigger: ".o_form_view .o_form_statusbar button[name=action_chorus_works_correct_validator]",
      run: "click",
    },
    {
      content: "The right project manager's SIRET",
      trigger: ".modal div[name=moe_siret] input",
      run: "edit 85234567700011",
    },
    {
      content: "Their service",
      trigger: ".modal div[name=moe_service_code] input",
      run: "edit MOE-COLLEGES",
    },
    {
      content: "Correct on Chorus Pro",
      trigger: ".modal button[name=action_correct]",
      run: "click",
    },
    {
      content: "With the right project manager, a new 7-day period",
      trigger:
        ".o_form_view:not(:has(.modal)) div[name=chorus_status]:contains(Mise à disposition du maître)",
    },
    {
      content: "No refusal any more",
      trigger: ".o_form_view:not(:has(button[name=action_chorus_works_correct_validator]))",
    },
  ],
});

// A new statement from the list: the contract chosen in its field (any contract of the
// user's companies), the schedule's lines filled in from it.
registry.category("web_tour.tours").add("chorus_pro_works_new_statement_tour", {
  steps: () => [
    {
      content: "Choose the works contract",
      trigger: ".o_form_view div[name=contract_id] input",
      run: "edit TRX-014",
    },
    {
      content: "The contract is offered",
      trigger: ".o-autocomplete--dropdown-item a:contains(TRX-014)",
      run: "click",
    },
    {
      content: "The lines of its schedule",
      trigger: ".o_form_view div[name=line_ids] .o_data_row",
    },
    {
      content: "Save",
      trigger: ".o_form_view .o_form_button_save",
      run: "click",
    },
    {
      content: "Saved",
      trigger: ".o_form_view .o_form_saved",
    },
  ],
});
