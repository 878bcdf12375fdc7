// Numbers are written by shared's helper, with thousands separators, so the page and
// `perfproof compare` show the same text; a Rust panic is shown as a message
// instead of a page that silently stops.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { serveDist, launchBrowser, openApp, makeProfiles, runnerOutput } from "./harness.mjs";

let server;
let browser;
let baseline;
let optimized;

before(async () => {
  server = await serveDist();
  browser = await launchBrowser();
  ({ baseline, optimized } = await makeProfiles());
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** `perfproof compare --markdown`'s metric rows: key → [before, after]. */
function cliValues() {
  const rows = new Map();
  for (const line of runnerOutput(["compare", baseline.path, optimized.path, "--markdown"]).split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    const key = /^`(.+)`$/.exec(cells[1] ?? "")?.[1];
    if (key) rows.set(key, [cells[2], cells[3]]);
  }
  return rows;
}

const grouped = /^-?\d{1,3}(,\d{3})*(\.\d+)?$/;

test("the page writes every metric as the CLI does, with thousands separators", async () => {
  const cli = cliValues();
  assert.ok(cli.size > 0);
  const { page, errors } = await openApp(browser, server.url);
  await page.getByTestId("file-input").setInputFiles([baseline.path, optimized.path]);
  await page.getByTestId("analysis").waitFor();
  const rows = page.getByTestId("metric");
  await rows.first().waitFor();
  let compared = 0;
  for (const row of await rows.all()) {
    const key = await row.getAttribute("data-key");
    if (!cli.has(key)) continue;
    const cells = row.locator("td");
    assert.deepEqual([await cells.nth(0).textContent(), await cells.nth(1).textContent()], cli.get(key), key);
    compared += 1;
  }
  assert.ok(compared >= 3, `${compared} metrics compared`);

  // The report card's counts are grouped: the operations of the run, exactly.
  for (const file of [baseline, optimized]) {
    const operations = file.report.workloads[0].http.result.stats.operations;
    const card = page.getByTestId("report").filter({ has: page.getByTestId("label").getByText(file.report.run.label, { exact: true }) });
    const cell = card.getByTestId("workload").filter({ hasText: "http demo" }).getByTestId("operations");
    const text = await cell.textContent();
    assert.match(text, grouped);
    assert.equal(Number(text.replaceAll(",", "")), operations);
    assert.equal(text, operations.toLocaleString("en-US"));
  }

  // Dollars in the thousands: a lot of traffic costs more than $1,000 in 30 days.
  await page.getByTestId("requests-per-day").fill("90000000000");
  await page.getByTestId("requests-per-day").dispatchEvent("change");
  await page.waitForFunction(() => /\$\d{1,3}(,\d{3})+\.\d\d/.test(document.querySelector('[data-testid="cost"]').textContent));
  assert.doesNotMatch(await page.getByTestId("cost").textContent(), /\$\d{4}/);
  assert.deepEqual(errors, []);
});

test("a Rust panic is shown as a message, not a dead page", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(`${server.url}?debug=panic`);
  const alert = page.getByRole("alert");
  await alert.waitFor();
  const text = await alert.textContent();
  assert.match(text, /^perfproof stopped because of a bug/);
  assert.match(text, /a deliberate panic, asked for by \?debug=panic/);
  assert.match(text, /Reload the page/);
  assert.ok(await alert.isVisible());
  // The page that was drawn is still there beneath the message.
  assert.ok(await page.getByTestId("file-input").count());
  // The panic itself still reaches the browser as an error (wasm traps on it).
  assert.ok(errors.length >= 1);
});
