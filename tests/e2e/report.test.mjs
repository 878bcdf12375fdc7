// The web app reads a report made by the runner and shows what the report says;
// a file that is not a valid report shows its error and the page keeps working.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { serveDist, launchBrowser, openApp, makeReport, latencyText } from "./harness.mjs";

let server;
let browser;

before(async () => {
  server = await serveDist();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** A latency of the runner's (microseconds) as the page and CLI print it. */
const asMs = (micros) => latencyText(micros / 1000);

test("a runner report shows its label, time and the report's p95", async () => {
  const { path, report } = await makeReport();
  const stats = report.workloads[0].http.result.stats;
  assert.equal(stats.latency.unit, "us");
  assert.ok(stats.latency.summary.count > 0);

  const { page, errors } = await openApp(browser, server.url);
  await page.getByTestId("file-input").setInputFiles(path);
  const card = page.getByTestId("report");
  await card.waitFor();
  // The embedded default runs every workload: the HTTP one's row.
  const row = card.getByTestId("workload").filter({ hasText: "http demo" });
  assert.equal(await card.getByTestId("label").textContent(), "e2e");
  assert.match(await card.getByTestId("started").textContent(), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  assert.equal(await row.getByTestId("p95").textContent(), asMs(stats.latency.summary.p95));
  assert.equal(await row.getByTestId("p50").textContent(), asMs(stats.latency.summary.p50));
  // The embedded demo scenario has three endpoints, each with its own row.
  const endpoints = report.workloads[0].http.endpoints;
  const parts = card.locator('[data-testid="part"][data-workload="http demo"]');
  assert.equal(await parts.count(), endpoints.length);
  assert.equal(
    await parts.nth(0).getByTestId("p95").textContent(),
    asMs(endpoints[0].stats.latency.summary.p95),
  );
  assert.deepEqual(errors, []);
});

test("an invalid file shows which field on which line is wrong, and the page keeps working", async () => {
  const { path, dir, report } = await makeReport();
  const text = JSON.stringify(report, null, 2);
  const broken = text.replace(/"users": (\d+)/, '"users": "many"');
  assert.notEqual(broken, text);
  const line = broken.split("\n").findIndex((l) => l.includes('"many"')) + 1;
  const badPath = join(dir, "broken.json");
  await writeFile(badPath, broken);

  const { page, errors } = await openApp(browser, server.url);
  await page.getByTestId("file-input").setInputFiles(badPath);
  const error = page.getByTestId("report-error");
  await error.waitFor();
  const message = await error.textContent();
  assert.match(message, /workloads\[0\]\.http\.result\.load\.closed\.users/);
  assert.match(message, new RegExp(`line ${line}\\b`));

  // The page still works: a valid report loads after the bad one.
  await page.getByTestId("file-input").setInputFiles(path);
  await page.getByTestId("report").waitFor();
  assert.equal(await page.getByTestId("report-error").count(), 1);
  assert.deepEqual(errors, []);
});

test("a file that is not JSON at all is reported with its position", async () => {
  const { dir } = await makeReport();
  const badPath = join(dir, "notes.json");
  await writeFile(badPath, "{\n  \"schema\": \"perfproof.report/v1\",\n  oops\n}\n");
  const { page } = await openApp(browser, server.url);
  await page.getByTestId("file-input").setInputFiles(badPath);
  const error = page.getByTestId("report-error");
  await error.waitFor();
  assert.match(await error.textContent(), /not valid JSON at line 3/);
});

test("a report of two workloads shows both, and two such reports are analysed per workload", async () => {
  const { dir } = await makeReport();
  const scenario = join(dir, "two.toml");
  await writeFile(scenario, '[[http]]\nname = "shop"\n\n[[http]]\nname = "admin"\n');
  const before = await makeReport({ label: "before", args: ["-f", scenario] });
  const after = await makeReport({ label: "after", args: ["-f", scenario, "--demo-profile", "optimized"] });
  assert.deepEqual(
    before.report.workloads.map((w) => w.http.name),
    ["shop", "admin"],
  );

  const { page, errors } = await openApp(browser, server.url);
  await page.getByTestId("file-input").setInputFiles(before.path);
  const rows = page.getByTestId("report").getByTestId("workload");
  await rows.first().waitFor();
  assert.equal(await rows.count(), 2);
  for (const [i, workload] of before.report.workloads.entries()) {
    const row = rows.nth(i);
    assert.equal(await row.locator("th").textContent(), `http ${workload.http.name}`);
    assert.equal(await row.getByTestId("p95").textContent(), asMs(workload.http.result.stats.latency.summary.p95));
  }

  await page.getByTestId("file-input").setInputFiles(after.path);
  await page.getByTestId("analysis").waitFor();
  for (const key of ["http.shop.latency.p95", "http.admin.latency.p95"]) {
    await page.locator(`[data-testid="metric"][data-key="${key}"]`).waitFor();
  }
  assert.deepEqual(errors, []);
});

test("a run compared with itself is flagged beside the grade", async () => {
  const { path } = await makeReport();
  const { page, errors } = await openApp(browser, server.url);
  await page.getByTestId("file-input").setInputFiles(path);
  await page.getByTestId("report").first().waitFor();
  await page.getByTestId("file-input").setInputFiles(path);
  const note = page.getByTestId("comparability");
  await note.waitFor();
  assert.match(await note.textContent(), /same run/);
  assert.deepEqual(errors, []);
});

test("the page loads without a missing file (favicon included)", async () => {
  const page = await browser.newPage();
  const missing = [];
  page.on("response", (r) => r.status() >= 400 && missing.push(`${r.status()} ${r.url()}`));
  await page.goto(server.url);
  await page.getByTestId("file-input").waitFor({ state: "attached" });
  await page.waitForLoadState("networkidle");
  assert.deepEqual(missing, []);
  assert.match(await page.locator('link[rel="icon"]').getAttribute("href"), /favicon.*\.svg$/);
});

test("a file dropped outside the drop zone is ignored, not opened in place of the page", async () => {
  const { page, errors } = await openApp(browser, server.url);
  const prevented = await page.evaluate(() => {
    const data = new DataTransfer();
    data.items.add(new File(["{}"], "report.json", { type: "application/json" }));
    const header = document.querySelector("header");
    return ["dragover", "drop"].map((type) => {
      const event = new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data });
      header.dispatchEvent(event);
      return event.defaultPrevented;
    });
  });
  assert.deepEqual(prevented, [true, true]);
  assert.equal(await page.getByTestId("report").count(), 0);
  assert.deepEqual(errors, []);
});
