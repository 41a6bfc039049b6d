// README screenshots of the deposit wizard and of the deposited invoice, taken from a
// running `make demo`. Needs playwright-core (npm), Debian's chromium and poppler-utils
// (pdftoppm); not part of the test suite.
//   node scripts/screenshots.mjs [odoo_url] [output_dir]
import {execFileSync} from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import {openAdmin} from "./screenshots_common.mjs";

const url = process.argv[2] || "http://127.0.0.1:8069";
const out = process.argv[3] || "static/description/screenshots";
const {browser, page, rpc, ref} = await openAdmin(url, {width: 1400, height: 900});
// The README screenshots are in English; the demo administrator works in French (restored at
// the end).
const [admin] = await rpc("res.users", "search_read", [[["login", "=", "admin"]]], {fields: ["lang"]});
await rpc("res.users", "write", [[admin.id], {lang: "en_US"}]);
const invoiceId = process.env.INVOICE_ID;
await page.goto(`${url}/odoo/account.move/${invoiceId}`);
await page.click("button[name=action_chorus_deposit]");
await page.waitForSelector(".modal .o_data_row");
await page.waitForTimeout(500);
await page.screenshot({path: `${out}/deposit_wizard_missing_ej.png`});
await page.fill(".modal div[name=purchase_order_reference] input", "EJ2026-000456");
await page.click(".modal button[name=action_check]");
await page.waitForSelector(".modal .alert-success");
await page.waitForTimeout(500);
await page.screenshot({path: `${out}/deposit_wizard_ready.png`});
await page.click(".modal button[name=action_deposit]");
await page.waitForSelector(".modal :text('Next steps')", {timeout: 120000});
await page.waitForTimeout(500);
await page.screenshot({path: `${out}/deposit_done.png`});
await page.click(".modal-footer button:has-text('Close')");
for (let i = 0; i < 2; i++) {
  // the simulator's flow takes one poll to integrate
  await page.click("button[name=action_chorus_update]");
  await page.waitForTimeout(1500);
}
await page.click(".o_notebook a.nav-link:has-text('Chorus Pro')");
await page.waitForTimeout(1000);
await page.screenshot({path: `${out}/invoice_chorus_tab.png`});

// A background deposit: 30 copies of the PMI demo invoice, deposited by the
// wizard (above the threshold of 20), followed on the job form while the cron runs.
const pmiInvoiceId = await ref("demo_invoice_ase_132");
const [source] = await rpc("account.move", "read", [[pmiInvoiceId], ["company_id"]]);
const context = {allowed_company_ids: [source.company_id[0]]};
await rpc("ir.config_parameter", "set_param", ["l10n_fr_chorus_pro.background_deposit_chunk", "5"]);
const copies = [];
for (let i = 0; i < 30; i++) {
  copies.push(
    ...(await rpc("account.move", "copy", [[pmiInvoiceId]], {
      default: {invoice_date: "2026-11-20", purchase_order_reference: "EJ2026-000456"},
      context,
    }))
  );
}
await rpc("account.move", "action_post", [copies], {context});
const wizardId = await rpc("chorus.pro.deposit.wizard", "create", [{move_ids: [[6, 0, copies]]}], {context});
await rpc("chorus.pro.deposit.wizard", "action_deposit", [[wizardId]], {context});
const [wizard] = await rpc("chorus.pro.deposit.wizard", "read", [[wizardId], ["job_id"]], {context});
await page.goto(`${url}/odoo/action-l10n_fr_chorus_pro.action_chorus_pro_deposit_job/${wizard.job_id[0]}`);
await page.waitForFunction(
  () => {
    const bar = document.querySelector(".o_progressbar_value");
    return bar && /^[1-9]/.test(bar.textContent.trim()) && !/^100/.test(bar.textContent.trim());
  },
  null,
  {timeout: 120000, polling: 200}
);
await page.screenshot({path: `${out}/background_deposit_running.png`});
await page.waitForSelector(":text('Next steps')", {timeout: 180000});
await page.waitForTimeout(500);
await page.screenshot({path: `${out}/background_deposit_done.png`});

// The legal document deposited for the child-welfare demo invoice (ASE 538, beneficiaries,
// VAT exemption): the Factur-X kept on the invoice, its page drawn with pdftoppm.
const aseInvoiceId = await ref("demo_invoice_ase_538");
const aseWizard = await rpc("chorus.pro.deposit.wizard", "create", [{move_ids: [[6, 0, [aseInvoiceId]]]}], {
  context,
});
await rpc("chorus.pro.deposit.wizard", "action_deposit", [[aseWizard]], {context});
const [aseMove] = await rpc("account.move", "read", [[aseInvoiceId], ["chorus_document_id"]], {context});
const pdf = await page.request.get(`${url}/web/content/${aseMove.chorus_document_id[0]}?download=true`);
const asePdf = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "chorus-shot-")), "chorus_invoice_ase.pdf");
fs.writeFileSync(asePdf, await pdf.body());
execFileSync("pdftoppm", ["-r", "80", "-png", "-singlefile", asePdf, `${out}/chorus_invoice_ase`]);
await rpc("res.users", "write", [[admin.id], {lang: admin.lang}]);
await browser.close();
