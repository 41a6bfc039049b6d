// README screenshots of the orders and care decisions (section "Orders and care
// decisions"), taken in French from a running `make demo` (demo company "Association Les
// Tilleuls"). Needs playwright-core (npm) and Debian's chromium; not part of the tests.
//   node scripts/screenshots_orders.mjs [odoo_url] [output_dir]
import {openAdmin} from "./screenshots_common.mjs";

const url = process.argv[2] || "http://127.0.0.1:8069";
const out = process.argv[3] || "static/description/screenshots";
const {browser, page, rpc, ref} = await openAdmin(url, {width: 1400, height: 860});

// In French.
const [uid] = await rpc("res.users", "search", [[["login", "=", "admin"]]]);
await rpc("res.users", "write", [[uid], {lang: "fr_FR"}]);
const company = await ref("demo_company_ase");
const context = {allowed_company_ids: [company], lang: "fr_FR"};

// The crèches service order: part of it invoiced (posted), that invoice paid.
const orderId = await ref("demo_order_creches");
const [order] = await rpc("chorus.pro.order", "read", [[orderId], ["invoice_count"]], {context});
if (!order.invoice_count) {
  const action = await rpc("chorus.pro.order", "action_create_invoice", [[orderId]], {context});
  const moveId = action.res_id;
  const [move] = await rpc("account.move", "read", [[moveId], ["invoice_line_ids"]], {context});
  await rpc("account.move.line", "write", [[move.invoice_line_ids[0]], {quantity: 60}], {context});
  await rpc("account.move.line", "write", [[move.invoice_line_ids[1]], {quantity: 25}], {context});
  await rpc("account.move", "write", [[moveId], {invoice_date: new Date().toISOString().slice(0, 10)}], {
    context,
  });
  await rpc("account.move", "action_post", [[moveId]], {context});
  const payContext = {...context, active_model: "account.move", active_ids: [moveId]};
  const payWizard = await rpc("account.payment.register", "create", [{}], {context: payContext});
  await rpc("account.payment.register", "action_create_payments", [[payWizard]], {context: payContext});
}

await page.goto(`${url}/odoo/action-l10n_fr_chorus_pro.action_chorus_pro_order/${orderId}`);
await page.waitForSelector(".o_form_view div[name=line_ids] .o_data_row");
await page.waitForTimeout(800);
await page.screenshot({path: `${out}/order_form.png`});

// The care decisions.
await page.goto(`${url}/odoo/action-l10n_fr_chorus_pro.action_chorus_pro_care_decision`);
await page.waitForSelector(".o_list_view .o_data_row");
await page.waitForTimeout(800);
await page.screenshot({path: `${out}/care_decisions_list.png`, clip: {x: 0, y: 0, width: 1400, height: 360}});

// The month's care invoices: last month's days of each child, one invoice per EJ.
await page.goto(`${url}/odoo/action-l10n_fr_chorus_pro.action_chorus_pro_care_month_wizard`);
await page.waitForSelector(".modal div[name=line_ids] .o_data_row");
await page.click(".modal .modal-title"); // not the recipient field's focus
await page.waitForTimeout(800);
await page.screenshot({path: `${out}/care_month_wizard.png`});
await browser.close();
