// Steps shared by the French tours: from an invoice form, deposit it with the wizard (its
// checklist green), then close the wizard. Language-free: buttons by name.

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
