import {registry} from "@web/core/registry";

// The psychologist's month, in French: a session logged in the sessions list (a
// pseudonymous code, never a name), the month's session invoices created from the
// Accounting menu (one per university), then each sent from Odoo's Send dialog by the
// convention's method: Aix-Marseille Université by Chorus Pro, Paris 1 by e-mail.

function lastMonthDay() {
  const day = new Date();
  day.setDate(1);
  day.setMonth(day.getMonth() - 1);
  day.setDate(8);
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(day.getDate())}/${pad(day.getMonth() + 1)}/${day.getFullYear()}`;
}

function postAndSendSteps(university, sent) {
  return [
    {
      content: `Open the invoice of ${university}`,
      trigger: `.o_list_view .o_data_row:contains(${university}) td[name=name]`,
      run: "click",
    },
    {
      content: "Confirm the invoice",
      trigger: ".o_form_view button[name=action_post]",
      run: "click",
    },
    {
      content: "Send the invoice",
      trigger: ".o_form_view button[name=action_invoice_sent]",
      run: "click",
    },
    {
      content: "Nothing to fix for Chorus Pro",
      trigger:
        ".modal:not(:has(div[name=l10n_fr_chorus_pro_checklist])) .modal-footer button[name=action_send_and_print]",
      run: "click",
    },
    {
      content: "Sent",
      trigger: `.o_form_view:not(:has(.modal)) ${sent}`,
    },
    {
      content: "Back to the invoices",
      trigger: ".o_breadcrumb li.breadcrumb-item.o_back_button",
      run: "click",
    },
  ];
}

registry.category("web_tour.tours").add("chorus_pro_spe_month_tour", {
  steps: () => [
    {
      content: "Log a session",
      trigger: ".o_list_view .o_list_button_add",
      run: "click",
    },
    {
      content: "Its date, last month",
      trigger: ".o_selected_row div[name=date] input",
      run: `edit ${lastMonthDay()}`,
    },
    {
      content: "The student's pseudonymous code",
      trigger: ".o_selected_row div[name=student_code] input",
      run: "edit spe-0777",
    },
    {
      content: "A first session",
      trigger: ".o_selected_row div[name=first_session] input",
      run: "click",
    },
    {
      content: "The convention",
      trigger: ".o_selected_row div[name=convention_id] input",
      run: "edit Aix",
    },
    {
      content: "Aix-Marseille Université",
      trigger: ".o-autocomplete--dropdown-item a:contains(Aix-Marseille)",
      run: "click",
    },
    {
      content: "Save",
      trigger: ".o_list_button_save",
      run: "click",
    },
    {
      content: "Saved, the code in capitals",
      trigger: ".o_list_view:not(:has(.o_selected_row)) td[name=student_code]:contains(SPE-0777)",
    },
    {
      content: "The apps",
      trigger: ".o_navbar_apps_menu button",
      run: "click",
    },
    {
      content: "Facturation",
      trigger: ".o_app[data-menu-xmlid='account.menu_finance']",
      run: "click",
    },
    {
      content: "The Customers menu",
      trigger: ".o_main_navbar button[data-menu-xmlid='account.menu_finance_receivables']",
      run: "click",
    },
    {
      content: "The month's session invoices",
      trigger: ".dropdown-item[data-menu-xmlid='l10n_fr_chorus_pro.menu_chorus_pro_spe_month_wizard']",
      run: "click",
    },
    {
      content: "Last month's sessions are proposed, the new one included",
      trigger: ".modal div[name=session_ids] td[name=student_code]:contains(SPE-0777)",
    },
    {
      content: "The student beyond the cap is shown apart",
      trigger: ".modal div[name=beyond_cap_ids] td[name=student_code]:contains(SPE-0413)",
    },
    {
      content: "Create the invoices",
      trigger: ".modal button[name=action_create_invoices]",
      run: "click",
    },
    {
      content: "Two invoices, one per university",
      trigger: ".o_list_view:has(.o_data_row:contains(Aix-Marseille)):has(.o_data_row:contains(Panth))",
    },
    ...postAndSendSteps("Aix-Marseille", ".o_chorus_banner.alert-info"),
    ...postAndSendSteps("Panth", ".ribbon"),
    {
      content: "Both sent",
      trigger: ".o_list_view .o_data_row",
    },
  ],
});
