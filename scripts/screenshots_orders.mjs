// README screenshots of the orders and care decisions (section "Orders and care
// decisions"), taken in French from a running `make demo` (demo company "Association Les
// Tilleuls"). Needs playwright-core (npm) and Debian's chromium; not part of the tests.
//   node scripts/screenshots_orders.mjs [odoo_url] [output_dir]
import { chromium } from "playwright-core";

const url = process.argv[2] || "http://127.0.0.1:8069";
const out = process.argv[3] || "static/description/screenshots";
const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
await page.goto(`${url}/web/login`);
await page.fill("input[name=login]", "admin");
await page.fill("input[name=password]", "admin");
await page.click("button[type=submit]");
await page.waitForURL(/\/odoo/);

async function rpc(model, method, args, kwargs = {}) {
    return page.evaluate(async ([model, method, args, kwargs]) => {
        const response = await fetch(`/web/dataset/call_kw/${model}/${method}`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ jsonrpc: "2.0", method: "call", params: { model, method, args, kwargs } }),
        });
        const data = await response.json();
        if (data.error) {
            throw new Error(JSON.stringify(data.error));
        }
        return data.result;
    }, [model, method, args, kwargs]);
}
async function ref(name) {
    const [data] = await rpc("ir.model.data", "search_read", [[
        ["module", "=", "l10n_fr_chorus_pro"], ["name", "=", name]]], { fields: ["res_id"] });
    return data.res_id;
}

// In French.
const [uid] = await rpc("res.users", "search", [[["login", "=", "admin"]]]);
await rpc("res.users", "write", [[uid], { lang: "fr_FR" }]);
const company = await ref("demo_company_ase");
const context = { allowed_company_ids: [company], lang: "fr_FR" };

// The crèches service order: part of it invoiced (posted), that invoice paid.
const orderId = await ref("demo_order_creches");
const [order] = await rpc("chorus.pro.order", "read", [[orderId], ["invoice_count"]], { context });
if (!order.invoice_count) {
    const action = await rpc("chorus.pro.order", "action_create_invoice", [[orderId]], { context });
    const moveId = action.res_id;
    const [move] = await rpc("account.move", "read", [[moveId], ["invoice_line_ids"]], { context });
    await rpc("account.move.line", "write", [[move.invoice_line_ids[0]], { quantity: 60 }], { context });
    await rpc("account.move.line", "write", [[move.invoice_line_ids[1]], { quantity: 25 }], { context });
    await rpc("account.move", "write", [[moveId], { invoice_date: new Date().toISOString().slice(0, 10) }], { context });
    await rpc("account.move", "action_post", [[moveId]], { context });
    const payContext = { ...context, active_model: "account.move", active_ids: [moveId] };
    const payWizard = await rpc("account.payment.register", "create", [{}], { context: payContext });
    await rpc("account.payment.register", "action_create_payments", [[payWizard]], { context: payContext });
}

await page.goto(`${url}/odoo/action-l10n_fr_chorus_pro.action_chorus_pro_order/${orderId}`);
await page.waitForSelector(".o_form_view div[name=line_ids] .o_data_row");
await page.waitForTimeout(800);
await page.screenshot({ path: `${out}/order_form.png` });

// The care decisions.
await page.goto(`${url}/odoo/action-l10n_fr_chorus_pro.action_chorus_pro_care_decision`);
await page.waitForSelector(".o_list_view .o_data_row");
await page.waitForTimeout(800);
await page.screenshot({ path: `${out}/care_decisions_list.png`, clip: { x: 0, y: 0, width: 1400, height: 360 } });

// The month's care invoices: last month's days of each child, one invoice per EJ.
await page.goto(`${url}/odoo/action-l10n_fr_chorus_pro.action_chorus_pro_care_month_wizard`);
await page.waitForSelector(".modal div[name=line_ids] .o_data_row");
await page.click(".modal .modal-title");  // not the recipient field's focus
await page.waitForTimeout(800);
await page.screenshot({ path: `${out}/care_month_wizard.png` });
await browser.close();
