// Capacity in the page: both demo profiles of every tier (HTTP, SQLite, the
// inference server, the in-process cache) searched with capacity.toml's tables
// (probes of 1 s to 10 %, to keep the test short); the analysis draws, per
// workload, p50, p95 and p99 against the offered rate for both runs, with the SLO
// line and each capacity's bracket, and its table holds the reports' own numbers;
// the cost view prices every tier from its capacity, with the same cost, range and
// grade as `compare --json`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { useApp, openPair, makeProfiles, runnerOutput, percentText } from "./harness.mjs";

const scenario = fileURLToPath(new URL("capacity.toml", import.meta.url));
const ctx = useApp(() => makeProfiles(["-f", scenario]));

const PER_MS = { ns: 1e6, us: 1e3, ms: 1 };

test("every tier's capacity search is drawn as latency against offered load", async () => {
  const { page, errors } = await openPair(ctx);
  const { baseline, optimized } = ctx;
  const workloads = baseline.report.workloads;
  assert.equal(workloads.length, 4);
  assert.equal(await page.getByTestId("capacity-search").count(), 4);
  for (const workload of workloads) {
    const [kind] = Object.keys(workload);
    const name = `${kind} ${workload[kind].name}`;
    const block = page.locator(`[data-testid="capacity-search"][data-workload="${name}"]`);
    const chart = block.getByTestId("chart-capacity");
    await chart.waitFor();
    assert.match(await chart.locator("svg").innerHTML(), new RegExp(`Latency against offered load, ${name}`));
    for (const [run, { report }] of [["baseline", baseline], ["optimized", optimized]]) {
      const search = report.workloads.find((w) => w[kind]?.name === workload[kind].name)[kind].result.capacity;
      assert.ok(search, `${run} ${name}: no search`);
      // The table: each probe's p50, p95 and p99 from its histogram, at its offered rate
      // (a rate probed twice: the last probe, the one judged).
      const last = new Map(search.probes.map((p) => [p.offered_per_s, p]));
      for (const [rate, probe] of last) {
        const { unit, summary } = probe.latency;
        for (const part of ["p50", "p95", "p99"]) {
          const cell = chart.locator(`td[data-run="${run}"][data-part="${part}"][data-x="${rate}"]`);
          assert.equal(Number(await cell.getAttribute("data-y")), summary[part] / PER_MS[unit], `${run} ${name} ${part} at ${rate}`);
        }
      }
      // The bracket's rings sit on the SLO line, at the highest pass and the lowest fail.
      for (const rate of [search.capacity_per_s, search.lowest_fail_per_s].filter((r) => r != null)) {
        const ring = chart.locator(`td[data-run="${run}"][data-part="bracket"][data-x="${rate}"]`);
        assert.equal(Number(await ring.getAttribute("data-y")), search.slo.latency_ms, `${run} ${name} bracket`);
      }
      const slo = chart.locator(`td[data-run="SLO"][data-y="${search.slo.latency_ms}"]`);
      assert.ok((await slo.count()) >= 1, `${name}: the SLO line`);
      const found = block.locator(`[data-testid="capacity-found"][data-run="${run}"]`);
      // A cache's SLO holds its reads: "under read p99 < 10.00 ms".
      const held = search.slo.part ? `${search.slo.part} ${search.slo.percentile}` : search.slo.percentile;
      assert.match(await found.textContent(), new RegExp(`^${run}: capacity .* under ${held} < `));
    }
  }
  assert.deepEqual(errors, []);
});

const TIER_LABELS = { api: "API", inference: "inference", database: "database", cache: "cache" };

test("cost prices every tier from its capacity, with the range and grade of compare --json", async () => {
  const { page, errors } = await openPair(ctx);
  const expected = JSON.parse(runnerOutput(["compare", ctx.baseline.path, ctx.optimized.path, "--json"]));
  const { cost } = expected;
  assert.equal(await page.getByTestId("grade").textContent(), expected.targets.grade ?? "no grade");
  assert.equal(await page.getByTestId("cost-reduction").textContent(), percentText(cost.reduction_pct));
  const [low, high] = cost.reduction_range_pct;
  assert.ok(low <= cost.reduction_pct && cost.reduction_pct <= high, `${low} ${cost.reduction_pct} ${high}`);
  const range = page.getByTestId("cost-reduction-range");
  if (percentText(low) === percentText(high)) {
    assert.equal(await range.count(), 0);
  } else {
    assert.equal(await range.textContent(), `[${percentText(low)}, ${percentText(high)}]`);
  }
  const table = page.getByTestId("cost-tiers");
  for (const [run, side] of [["baseline", cost.baseline], ["optimized", cost.optimized]]) {
    assert.equal(side.tiers.length, 4);
    for (const tier of side.tiers) {
      // Every tier was searched: each is priced by the instances its capacity needs.
      assert.equal(tier.basis.basis, "capacity", `${run} ${tier.tier}`);
      const row = table.locator(`tr[data-tier="${TIER_LABELS[tier.tier]}"]`);
      const cell = row.locator(`td[data-run="${run}"]:not([data-part])`);
      assert.equal(await cell.textContent(), tier.instances_day_30.toLocaleString("en-US"), `${run} ${tier.tier}`);
      assert.match(await row.locator('td[data-part="source"]').textContent(), /^measured capacity /);
    }
  }
  assert.deepEqual(errors, []);
});

test("a zero fan-out where a tier's capacity was measured is named, and the page keeps working", async () => {
  const { page, errors } = await openPair(ctx);
  const fanOut = page.getByTestId("fan-out-database");
  await fanOut.fill("0");
  await fanOut.dispatchEvent("change");
  const error = page.getByTestId("cost-error");
  await error.waitFor();
  assert.match(await error.textContent(), /`fan_out\.database_transactions` must be above 0 where the tier's capacity was measured/);
  assert.ok((await page.getByTestId("grade").textContent()).length > 0);
  await fanOut.fill("1");
  await fanOut.dispatchEvent("change");
  await page.getByTestId("cost-reduction").waitFor();
  assert.deepEqual(errors, []);
});
