import {registry} from "@web/core/registry";

// Add a public body by SIRET: from a new customer invoice (the button under the customer)
// and from the Chorus Pro recipients list (the button above the list).

const addBySiretSteps = (siret) => [
  {
    content: "Type the SIRET, with its spaces",
    trigger: ".modal div[name=siret] input",
    run: `edit ${siret}`,
  },
  {
    content: "Add from the directory",
    trigger: ".modal .modal-footer button[name=action_add]",
    run: "click",
  },
];

registry.category("web_tour.tours").add("chorus_pro_add_recipient_invoice_tour", {
  steps: () => [
    {
      content: "Add a public body by SIRET, under the customer field",
      trigger: ".o_form_view button.o_chorus_add_recipient",
      run: "click",
    },
    ...addBySiretSteps("219 300 662 00018"),
    {
      content: "The public body is the invoice's customer: the button is gone",
      trigger:
        ".o_form_view:not(:has(.modal)):not(:has(button.o_chorus_add_recipient)) div[name=partner_id] input:value('Ville Aubervilliers')",
    },
  ],
});

registry.category("web_tour.tours").add("chorus_pro_add_recipient_list_tour", {
  steps: () => [
    {
      content: "Add a public body by SIRET, above the list",
      trigger: ".o_control_panel button:contains(Add a public body by SIRET)",
      run: "click",
    },
    ...addBySiretSteps("219 300 779 00010"),
    {
      content: "The new public body's form opens, with its address",
      trigger: ".o_form_view:not(:has(.modal)) div[name=city] input:value('Bobigny')",
    },
  ],
});

registry.category("web_tour.tours").add("chorus_pro_directory_diff_tour", {
  steps: () => [
    {
      content: "The directory says another street: yours and the directory's",
      trigger: ".o_chorus_directory_proposal:contains(58 boulevard Charles Livon):contains(Jardin du Pharo)",
    },
    {
      content: "Use the directory's address",
      trigger: ".o_chorus_directory_proposal button[name=action_chorus_use_directory_address]",
      run: "click",
    },
    {
      content: "The banner is gone, the street is the directory's",
      trigger:
        ".o_form_view:not(:has(.o_chorus_directory_proposal)) div[name=street] input:value('Jardin du Pharo, 58 boulevard Charles Livon')",
    },
  ],
});
