// The history in the page: with three or more reports loaded, each metric's slope
// per day with its interval, whether it is worsening, its value at each run in a
// chart's table, and the alerts, all equal to `perfproof history --json` on the
// same files; with two reports there is no history.
import { test } from "node:test";
import assert from "node:assert/strict";
import { useApp, openApp, makeReport, runnerOutput } from "./harness.mjs";

/** Three runs, one after another, of the HTTP and cache demo workloads. */
const ctx = useApp(async () => {
  const runs = [];
  for (const label of ["run1", "run2", "run3"]) {
    runs.push(await makeReport({ label, args: ["--workloads", "http,cache"] }));
  }
  const cli = JSON.parse(runnerOutput(["history", "--json", ...runs.map((r) => r.path)]));
  return { runs, cli };
});

async function openWith(reports) {
  const opened = await openApp(ctx.browser, ctx.server.url);
  await opened.page.getByTestId("file-input").setInputFiles(reports.map((r) => r.path));
  await opened.page.getByTestId("report").nth(reports.length - 1).waitFor();
  return opened;
}

test("three reports: every slope, interval, trend point and alert is perfproof history's", async () => {
  const { page, errors } = await openWith(ctx.runs);
  const history = page.getByTestId("history");
  await history.waitFor();
  // The CLI's table leaves out per-endpoint series; so does the page.
  const trends = ctx.cli.trends.filter((t) => !t.key.includes(".endpoint."));
  assert.ok(trends.some((t) => t.key.startsWith("http.")) && trends.some((t) => t.key.startsWith("cache.")));
  assert.equal(await history.getByTestId("trend").count(), trends.length);
  for (const trend of trends) {
    const row = history.locator(`[data-testid="trend"][data-key="${trend.key}"]`);
    assert.ok(trend.slope_per_day, `${trend.key}: three runs have a slope`);
    const [slope, { low, high }] = trend.slope_per_day;
    assert.equal(Number(await row.getAttribute("data-slope")), slope, `${trend.key} slope`);
    assert.equal(Number(await row.getAttribute("data-low")), low, `${trend.key} low`);
    assert.equal(Number(await row.getAttribute("data-high")), high, `${trend.key} high`);
    assert.equal((await row.getByTestId("worsening").textContent()) === "worsening", trend.worsening, trend.key);
    const chart = history.getByTestId("chart-trend").filter({ has: page.locator(`[aria-label^="${trend.key}: slope"]`) });
    const values = await chart.locator('td[data-run="measured"]').evaluateAll((tds) => tds.map((td) => Number(td.dataset.y)));
    assert.deepEqual(values, trend.points.map((p) => p.value), `${trend.key} points`);
    const alerted = ctx.cli.alerts.some((a) => a.key === trend.key);
    const open = await history.locator(`details[data-key="${trend.key}"]`).evaluate((d) => d.open);
    assert.equal(open, trend.worsening || alerted, `${trend.key}: unfolded exactly when worsening or alerted on`);
    const labels = await chart.locator("tbody th").allTextContents();
    assert.deepEqual(labels, ["run1", "run2", "run3"], `${trend.key}: runs in time order`);
  }
  if (ctx.cli.alerts.length === 0) {
    await history.getByTestId("no-alerts").waitFor();
  } else {
    const shown = await history.getByTestId("alert").allTextContents();
    assert.deepEqual(shown, ctx.cli.alerts.map((a) => `${a.run}: ${a.message}`));
  }
  assert.deepEqual(errors, []);
});

test("two reports are no history", async () => {
  const { page, errors } = await openWith(ctx.runs.slice(0, 2));
  await page.getByTestId("analysis").waitFor();
  assert.equal(await page.getByTestId("history").count(), 0);
  assert.deepEqual(errors, []);
});
