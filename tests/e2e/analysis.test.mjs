// Two reports in the page: the analysis (grade, verdicts, cost) equals what
// `perfproof compare --json` computes from the same files, cost inputs are
// editable, and a share link reopens the same analysis in a fresh page.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { serveDist, launchBrowser, openApp, makeProfiles, runnerOutput, percentText } from "./harness.mjs";

let server;
let browser;
let baseline;
let optimized;
let expected;

before(async () => {
  server = await serveDist();
  browser = await launchBrowser();
  ({ baseline, optimized } = await makeProfiles());
  expected = JSON.parse(runnerOutput(["compare", baseline.path, optimized.path, "--json"]));
  assert.equal(expected.schema, "perfproof.analysis/v1");
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const gradeOf = (analysis) => analysis.targets.grade ?? "no grade";
const verdictOf = (analysis, key) =>
  analysis.comparison.metrics.find((m) => m.key === key).verdict.replaceAll("_", " ");

async function loadBoth(page) {
  await page.getByTestId("file-input").setInputFiles([baseline.path, optimized.path]);
  await page.getByTestId("analysis").waitFor();
  await page.getByTestId("grade").waitFor();
}

test("the page's analysis equals the CLI's", async () => {
  const { page, errors } = await openApp(browser, server.url);
  await loadBoth(page);
  assert.equal(await page.getByTestId("grade").textContent(), gradeOf(expected));
  await page.getByTestId("filter-shown").selectOption("every");
  for (const key of ["http.demo.latency.p50", "http.demo.latency.p95", "http.demo.throughput_rps"]) {
    const row = page.locator(`[data-testid="metric"][data-key="${key}"]`);
    assert.equal(await row.getByTestId("verdict").textContent(), verdictOf(expected, key), key);
  }
  assert.equal(
    await page.getByTestId("cost-reduction").textContent(),
    percentText(expected.cost.reduction_pct),
  );
  assert.deepEqual(errors, []);
});

test("metrics of one report only are listed by side", async () => {
  const { page, errors } = await openApp(browser, server.url);
  const renamed = (await readFile(optimized.path, "utf8")).replaceAll('"name": "search"', '"name": "lookup"');
  // Playwright takes paths or buffers, not both: the baseline goes as a buffer too.
  await page.getByTestId("file-input").setInputFiles([
    { name: "baseline.json", mimeType: "application/json", buffer: await readFile(baseline.path) },
    { name: "renamed.json", mimeType: "application/json", buffer: Buffer.from(renamed) },
  ]);
  await page.getByTestId("unmatched").waitFor();
  const text = await page.getByTestId("unmatched").textContent();
  assert.match(text, /only in baseline: http\.demo\.endpoint\.search\./);
  assert.match(text, /only in optimized: http\.demo\.endpoint\.lookup\./);
  assert.deepEqual(errors, []);
});

test("editing the traffic re-prices the change", async () => {
  const { page } = await openApp(browser, server.url);
  await loadBoth(page);
  const before = await page.getByTestId("cost").textContent();
  await page.getByTestId("requests-per-day").fill("900000000");
  await page.getByTestId("requests-per-day").dispatchEvent("change");
  await page.waitForFunction(
    (previous) => document.querySelector('[data-testid="cost"]').textContent !== previous,
    before,
  );
  assert.notEqual(await page.getByTestId("cost").textContent(), before);
});

test("a share link reopens the same analysis in a new page", async () => {
  // Reports of the HTTP workload alone: two of all four workloads are too large for a link.
  const http = await makeProfiles(["--workloads", "http"]);
  const httpExpected = JSON.parse(runnerOutput(["compare", http.baseline.path, http.optimized.path, "--json"]));
  const { page } = await openApp(browser, server.url);
  await page.getByTestId("file-input").setInputFiles([http.baseline.path, http.optimized.path]);
  const link = await page.getByTestId("share-link").inputValue();
  assert.match(link, /#pp2\./);
  const fresh = await browser.newPage();
  await fresh.goto(link);
  await fresh.getByTestId("grade").waitFor();
  assert.equal(await fresh.getByTestId("grade").textContent(), gradeOf(httpExpected));
  assert.equal(await fresh.getByTestId("report").count(), 2);

  const damaged = await browser.newPage();
  await damaged.goto(`${server.url}#pp2.not-a-real-link`);
  await damaged.getByTestId("share-error").waitFor();
  assert.match(await damaged.getByTestId("share-error").textContent(), /damaged/);
});

test("charts: spectrum, timeline and cost render beside their numbers", async () => {
  const { page, errors } = await openApp(browser, server.url);
  await loadBoth(page);
  const spectrum = page.getByTestId("chart-spectrum").first();
  await spectrum.waitFor();
  assert.equal(await spectrum.locator(".plot svg").count(), 1);
  const perMs = { ns: 1e6, us: 1e3, ms: 1 };
  for (const [run, file] of [["baseline", baseline], ["optimized", optimized]]) {
    const latency = JSON.parse(await readFile(file.path, "utf8")).workloads[0].http.result.stats.latency;
    for (const [percentile, value] of [["50", latency.summary.p50], ["99", latency.summary.p99]]) {
      const ms = value / perMs[latency.unit];
      const cell = spectrum.locator(`td[data-run="${run}"][data-x="${percentile}"]`);
      assert.equal(Number(await cell.getAttribute("data-y")), ms, `${run} p${percentile}`);
      assert.equal((await cell.textContent()).trim(), ms.toFixed(3), `${run} p${percentile}`);
    }
  }
  for (const id of ["chart-timeline", "chart-cost"]) {
    const chart = page.getByTestId(id).first();
    assert.equal(await chart.locator(".plot svg").count(), 1, id);
    assert.ok((await chart.locator("td[data-run]").count()) > 0, id);
  }
  assert.deepEqual(errors, []);
});

test("picking the baseline report as optimized swaps the two", async () => {
  const { page, errors } = await openApp(browser, server.url);
  await loadBoth(page);
  const baselinePicker = page.getByTestId("pick-baseline");
  const optimizedPicker = page.getByTestId("pick-optimized");
  const [b0, o0] = [await baselinePicker.inputValue(), await optimizedPicker.inputValue()];
  assert.notEqual(b0, o0);
  const p95 = () => page.locator('[data-testid="metric"][data-key="http.demo.latency.p95"] td').nth(0).textContent();
  const before = await p95();
  await optimizedPicker.selectOption(b0);
  await page.waitForFunction(
    ([b, o]) =>
      document.querySelector('[data-testid="pick-baseline"]').value === o &&
      document.querySelector('[data-testid="pick-optimized"]').value === b,
    [b0, o0],
  );
  // The analysis follows: the old optimized run is now the "before" column.
  assert.notEqual(await p95(), before);
  assert.deepEqual(errors, []);
});

test("the page states the confidence, the threshold and the verdict counts, as the CLI does", async () => {
  const { page, errors } = await openApp(browser, server.url);
  await loadBoth(page);
  const line = await page.getByTestId("verdicts-line").textContent();
  assert.match(line, /^verdicts at 95 % confidence, threshold ±5\.0 %/);
  const count = (verdict) => expected.comparison.metrics.filter((m) => m.verdict === verdict).length;
  assert.match(line, new RegExp(`: ${count("improved")} improved, ${count("regressed")} regressed, `));
  assert.deepEqual(errors, []);
});
