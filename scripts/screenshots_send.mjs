// README screenshots of Send by Chorus Pro and of the payment follow-through, in French, from
// a running `make demo` (the psychologist's invoice to Aix-Marseille Université). Needs
// playwright-core (npm) and Debian's chromium; not part of the tests.
//   node scripts/screenshots_send.mjs [odoo_url] [simulator_url] [output_dir]
import {openAdmin} from "./screenshots_common.mjs";

const url = process.argv[2] || "http://127.0.0.1:8069";
const simulator = process.argv[3] || "http://127.0.0.1:8090";
const out = process.argv[4] || "static/description/screenshots";
const {browser, page, rpc, ref} = await openAdmin(url, {width: 1366, height: 860});
const company = await ref("demo_company_psy");
const invoice = await ref("demo_invoice_psy_amu");
await page.context().addCookies([{name: "cids", value: String(company), url}]);
const context = {allowed_company_ids: [company]};
const [move] = await rpc("account.move", "read", [[invoice], ["state"]], {context});
if (move.state === "draft") {
  await rpc("account.move", "action_post", [[invoice]], {context});
}

// Send: "par Chorus Pro" ticked.
await page.goto(`${url}/odoo/account.move/${invoice}`);
await page.click(".o_form_view button[name=action_invoice_sent]");
await page.waitForSelector(".modal .modal-footer button[name=action_send_and_print]");
await page.waitForTimeout(800);
await page.screenshot({path: `${out}/send_dialog.png`});
await page.click(".modal .modal-footer button[name=action_send_and_print]");
await page.waitForSelector(".o_form_view:not(:has(.modal)) .o_chorus_banner");

// The recipient mandates it, then the public accountant orders the payment.
const update = ".o_form_view button[name=action_chorus_update]";
let identifier = false;
for (let attempt = 0; attempt < 5 && !identifier; attempt++) {
  await page.click(update);
  await page.waitForTimeout(2000);
  [{chorus_identifier: identifier}] = await rpc("account.move", "read", [[invoice], ["chorus_identifier"]], {
    context,
  });
}
for (const body of [{statut: "MANDATEE"}, {statut: "MISE_EN_PAIEMENT", montantAPayer: 200.0}]) {
  await fetch(`${simulator}/_simulator/invoices/status`, {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify({identifiantFactureCPP: Number(identifier), ...body}),
  });
  await page.click(update);
  await page.waitForTimeout(2000);
}
await page.reload();
await page.waitForSelector(".o_chorus_banner");
await page.click(".o_notebook a.nav-link:has-text('Chorus Pro')");
await page.waitForTimeout(800);
await page.screenshot({path: `${out}/payment_ordered.png`});

// The sales journal card.
await page.goto(`${url}/odoo/action-account.open_account_journal_dashboard_kanban`);
await page.waitForSelector(".o_chorus_follow_up");
await page.waitForTimeout(800);
await page
  .locator(".o_kanban_record:has(.o_chorus_follow_up)")
  .screenshot({path: `${out}/journal_card_follow_up.png`});
await browser.close();
