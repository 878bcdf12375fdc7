// The analysis' views: a nav of anchors reaches the overview, comparison, charts,
// cost and ROI, history and reports by keyboard; the overview says the headline
// verdicts in words; the comparison filters by workload and verdict and sorts by
// any column in shared's order; a phone keeps before, after, change and verdict
// on screen; each timeline draws p50, p95 and p99 of both runs per second.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { useApp, openPair, makeProfiles, makeReport, runnerOutput } from "./harness.mjs";

const ctx = useApp(async () => {
  const profiles = await makeProfiles();
  return { ...profiles, expected: JSON.parse(runnerOutput(["compare", profiles.baseline.path, profiles.optimized.path, "--json"])) };
});

const views = ["view-overview", "view-comparison", "view-charts", "view-cost", "view-history", "view-reports"];

test("the nav reaches every view by keyboard", async () => {
  const { page, errors } = await openPair(ctx);
  const nav = page.getByTestId("views");
  assert.deepEqual(
    await nav.locator("a").allTextContents(),
    ["Overview", "Comparison", "Charts", "Cost and ROI", "History", "Reports"],
  );
  for (const id of views) {
    assert.equal(await page.locator(`#${id}`).count(), 1, id);
    const link = page.getByTestId(`nav-${id}`);
    await link.focus();
    await page.keyboard.press("Enter");
    await page.waitForFunction((id) => location.hash === `#${id}`, id);
  }
  // An anchor in the address is not a share link: reloading shows no error.
  await page.reload();
  await page.getByTestId("file-input").waitFor({ state: "attached" });
  assert.equal(await page.getByTestId("share-error").count(), 0);
  assert.deepEqual(errors, []);
});

test("the overview says the headline verdicts in words, as the CLI judged them", async () => {
  const { page, errors } = await openPair(ctx);
  const lines = await page.getByTestId("headlines").locator("li").allTextContents();
  const p95 = lines.find((l) => l.startsWith("http demo: latency p95: went from"));
  assert.ok(p95, lines.join("\n"));
  const verdict = ctx.expected.comparison.metrics.find((m) => m.key === "http.demo.latency.p95").verdict;
  const words = { improved: /a real improvement\.$/, regressed: /a real regression\.$/, no_change: /no real change/, inconclusive: /cannot tell/, insufficient_data: /too few samples/ };
  assert.match(p95, words[verdict]);
  assert.deepEqual(errors, []);
});

test("the comparison filters by workload and verdict, and sorts each column", async () => {
  const { dir } = await makeReport();
  const scenario = join(dir, "two.toml");
  await writeFile(scenario, '[[http]]\nname = "shop"\n\n[[http]]\nname = "admin"\n');
  const pair = {
    baseline: await makeReport({ label: "baseline", args: ["-f", scenario] }),
    optimized: await makeReport({ label: "optimized", args: ["-f", scenario, "--demo-profile", "optimized"] }),
  };
  const expected = JSON.parse(runnerOutput(["compare", pair.baseline.path, pair.optimized.path, "--json"]));
  const listed = expected.comparison.metrics;
  const { page, errors } = await openPair(ctx, pair);
  const keys = () => page.getByTestId("metric").evaluateAll((rows) => rows.map((r) => r.dataset.key));
  // The first view is `perfproof compare`'s first look: the same rows, in its order.
  const markdown = runnerOutput(["compare", pair.baseline.path, pair.optimized.path, "--markdown"]);
  const firstLook = [...markdown.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]);
  assert.ok(firstLook.length > 0 && firstLook.length < listed.length, `${firstLook.length} of ${listed.length}`);
  assert.deepEqual(await keys(), firstLook);
  await page.getByTestId("filter-shown").selectOption("every");
  const all = await keys();
  assert.deepEqual(all, listed.map((m) => m.key));
  assert.equal(await page.getByTestId("shown-count").textContent(), `${all.length} of ${all.length} metrics shown`);

  const workloads = await page.getByTestId("filter-workload").locator("option").evaluateAll((o) => o.map((e) => e.value).filter(Boolean));
  assert.deepEqual(workloads, ["http.shop", "http.admin"]);
  for (const workload of workloads) {
    await page.getByTestId("filter-workload").selectOption(workload);
    assert.deepEqual(await keys(), all.filter((k) => k.startsWith(`${workload}.`)), workload);
  }
  await page.getByTestId("filter-workload").selectOption("");

  for (const verdict of new Set(listed.map((m) => m.verdict))) {
    const label = verdict.replaceAll("_", " ");
    await page.getByTestId("filter-verdict").selectOption(label);
    assert.deepEqual(await keys(), listed.filter((m) => m.verdict === verdict).map((m) => m.key), label);
  }
  // Both filters at once: one workload's metrics of one verdict.
  const first = listed[0];
  await page.getByTestId("filter-workload").selectOption("http.admin");
  await page.getByTestId("filter-verdict").selectOption(first.verdict.replaceAll("_", " "));
  assert.deepEqual(await keys(), listed.filter((m) => m.verdict === first.verdict && m.key.startsWith("http.admin.")).map((m) => m.key));
  await page.getByTestId("filter-workload").selectOption("");
  await page.getByTestId("filter-verdict").selectOption("");

  await page.getByTestId("sort-metric").click();
  assert.deepEqual(await keys(), [...all].sort());
  assert.equal(await page.locator("th[aria-sort=ascending]").count(), 1);
  await page.getByTestId("sort-metric").click();
  assert.deepEqual(await keys(), [...all].sort().reverse());
  assert.equal(await page.locator("th[aria-sort=descending]").count(), 1);
  // Each numeric column in the CLI's numbers' order (stable: ties keep the table's order; n/a last).
  const byNumber = (field, descending) => {
    const has = listed.filter((m) => m[field] !== null);
    const sorted = [...has].sort((a, b) => (descending ? b[field] - a[field] : a[field] - b[field]));
    return [...sorted, ...listed.filter((m) => m[field] === null)].map((m) => m.key);
  };
  for (const [column, field] of [["before", "baseline"], ["after", "optimized"], ["change", "change_pct"], ["factor", "factor"]]) {
    await page.getByTestId(`sort-${column}`).click();
    assert.deepEqual(await keys(), byNumber(field, false), `${column} ascending`);
    await page.getByTestId(`sort-${column}`).click();
    assert.deepEqual(await keys(), byNumber(field, true), `${column} descending`);
  }
  assert.deepEqual(errors, []);
});

test("on a phone, before, after, change and verdict stay on screen", async () => {
  const page = await ctx.browser.newPage({ viewport: { width: 390, height: 844 } });
  await page.goto(ctx.server.url);
  await page.getByTestId("file-input").setInputFiles([ctx.baseline.path, ctx.optimized.path]);
  const row = page.locator('[data-testid="metric"][data-key="http.demo.latency.p95"]');
  await row.waitFor();
  const right = await row.getByTestId("verdict").evaluate((e) => e.getBoundingClientRect().right);
  assert.ok(right <= 390, `the verdict ends at ${right} px`);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390);
});

test("each timeline draws p50, p95 and p99 of both runs, errors and throughput, per second", async () => {
  const { page, errors } = await openPair(ctx);
  const timeline = page.getByTestId("timeline").first();
  await timeline.waitFor();
  for (const id of ["chart-timeline", "chart-timeline-errors", "chart-timeline-latency"]) {
    assert.equal(await timeline.getByTestId(id).locator(".plot svg").count(), 1, id);
  }
  const latency = timeline.getByTestId("chart-timeline-latency");
  for (const [run, file] of [["baseline", ctx.baseline], ["optimized", ctx.optimized]]) {
    const seconds = JSON.parse(await readFile(file.path, "utf8")).workloads[0].http.result.timeline;
    assert.ok(seconds.length >= 1);
    for (const second of seconds) {
      for (const p of ["p50", "p95", "p99"]) {
        const cell = latency.locator(`td[data-run="${run}"][data-part="${p}"][data-x="${second.second}"]`);
        assert.equal(Number(await cell.getAttribute("data-y")), second[`${p}_us`] / 1000, `${run} ${p} at ${second.second} s`);
      }
      const errorsCell = timeline.getByTestId("chart-timeline-errors").locator(`td[data-run="${run}"][data-x="${second.second}"]`);
      assert.equal(Number(await errorsCell.getAttribute("data-y")), second.errors);
    }
  }
  assert.deepEqual(errors, []);
});
