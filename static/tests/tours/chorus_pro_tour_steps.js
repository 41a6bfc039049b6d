// Steps shared by the French tours.

// From an invoice form, deposit it with the wizard (its checklist green), then close the
// wizard. Language-free: buttons by name.
export function depositFromFormSteps(content = "Deposit it on Chorus Pro") {
  return [
    {
      content,
      trigger: ".o_form_view:not(:has(.modal)) button[name=action_chorus_deposit]",
      run: "click",
    },
    {
      content: "Everything is there",
      trigger: ".modal .alert-success:not(:has(div[name=summary]))",
    },
    {
      content: "Deposit",
      trigger: ".modal .modal-footer button[name=action_deposit]",
      run: "click",
    },
    {
      content: "The deposit is done",
      trigger: ".modal div[name=summary]",
    },
    {
      content: "Close the wizard",
      trigger: ".modal-footer button[data-hotkey=x]",
      run: "click",
    },
  ];
}

// In a list, open the record of the row showing ``text`` (e.g. an invoice's total).
export function openListRowSteps(text, content = `Open the row of ${text}`) {
  return [
    {
      content,
      trigger: `.o_list_renderer .o_data_row:contains(${text}) td.o_data_cell`,
      run: "click",
    },
    {
      content: "The form is open",
      trigger: ".o_form_view .o_form_saved",
    },
  ];
}

// In a list, tick the rows showing each of ``texts`` (e.g. invoices' totals).
export function selectListRowsSteps(texts) {
  return texts.map((text) => ({
    content: `Select the row of ${text}`,
    trigger: `.o_list_renderer .o_data_row:contains(${text}) td.o_list_record_selector`,
    run: "click",
  }));
}

// In the invoice list, with invoices selected: Actions › Déposer sur Chorus Pro.
export function depositSelectionSteps() {
  return [
    {
      content: "Open the Actions menu",
      trigger: ".o_control_panel .o_cp_action_menus button:has(.fa-cog)",
      run: "click",
    },
    {
      content: "Actions › Déposer sur Chorus Pro",
      trigger: ".o-dropdown--menu .dropdown-item:contains(Déposer sur Chorus Pro)",
      run: "click",
    },
  ];
}
