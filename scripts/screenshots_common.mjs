// Shared by the README screenshot scripts: Debian's Chromium driven by playwright-core,
// logged in as the demo's admin, with a JSON-RPC helper and an xml id lookup.
import {chromium} from "playwright-core";

export async function openAdmin(url, viewport) {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
  });
  const page = await browser.newPage({viewport});
  await page.goto(`${url}/web/login`);
  await page.fill("input[name=login]", "admin");
  await page.fill("input[name=password]", "admin");
  await page.click("button[type=submit]");
  await page.waitForURL(/\/odoo/);

  async function rpc(model, method, args, kwargs = {}) {
    return page.evaluate(
      async ([model, method, args, kwargs]) => {
        const response = await fetch(`/web/dataset/call_kw/${model}/${method}`, {
          method: "POST",
          headers: {"Content-Type": "application/json"},
          body: JSON.stringify({jsonrpc: "2.0", method: "call", params: {model, method, args, kwargs}}),
        });
        const data = await response.json();
        if (data.error) {
          throw new Error(JSON.stringify(data.error));
        }
        return data.result;
      },
      [model, method, args, kwargs]
    );
  }

  async function ref(name) {
    const [data] = await rpc(
      "ir.model.data",
      "search_read",
      [
        [
          ["module", "=", "l10n_fr_chorus_pro"],
          ["name", "=", name],
        ],
      ],
      {fields: ["res_id"]}
    );
    return data.res_id;
  }

  return {browser, page, rpc, ref};
}
