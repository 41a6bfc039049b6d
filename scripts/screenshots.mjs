// README screenshots of the deposit wizard, taken from a running `make demo`.
// Needs playwright-core (npm) and Debian's chromium; not part of the test suite.
//   node scripts/screenshots.mjs [odoo_url] [output_dir]
import { chromium } from "playwright-core";

const url = process.argv[2] || "http://127.0.0.1:8069";
const out = process.argv[3] || "static/description/screenshots";
const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
await page.goto(`${url}/web/login`);
await page.fill("input[name=login]", "admin");
await page.fill("input[name=password]", "admin");
await page.click("button[type=submit]");
await page.waitForURL(/\/odoo/);
const invoiceId = process.env.INVOICE_ID;
await page.goto(`${url}/odoo/account.move/${invoiceId}`);
await page.click("button[name=action_chorus_deposit]");
await page.waitForSelector(".modal .o_data_row");
await page.waitForTimeout(500);
await page.screenshot({ path: `${out}/deposit_wizard_missing_ej.png` });
await page.fill(".modal div[name=purchase_order_reference] input", "EJ2026-000456");
await page.click(".modal button[name=action_check]");
await page.waitForSelector(".modal .alert-success");
await page.waitForTimeout(500);
await page.screenshot({ path: `${out}/deposit_wizard_ready.png` });
await page.click(".modal button[name=action_deposit]");
await page.waitForSelector(".modal :text('Next steps')", { timeout: 120000 });
await page.waitForTimeout(500);
await page.screenshot({ path: `${out}/deposit_done.png` });
await page.click(".modal-footer button:has-text('Close')");
for (let i = 0; i < 2; i++) {  // the simulator's flow takes one poll to integrate
    await page.click("button[name=action_chorus_update]");
    await page.waitForTimeout(1500);
}
await page.click(".o_notebook a.nav-link:has-text('Chorus Pro')");
await page.waitForTimeout(1000);
await page.screenshot({ path: `${out}/invoice_chorus_tab.png` });
await browser.close();
