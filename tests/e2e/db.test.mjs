// The database workload in the page: each report card shows the pool (size,
// efficiency and utilization side by side), and the analysis charts throughput and
// efficiency against pool size with the reports' own numbers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { useApp, openPair, makeProfiles, percentText } from "./harness.mjs";

const ctx = useApp(() => makeProfiles(["--workloads", "db"]));

test("the pool of each database run is shown, and charted against pool size", async () => {
  const { page, errors } = await openPair(ctx);
  const { baseline, optimized } = ctx;
  assert.equal(await page.getByTestId("pool").count(), 2);
  for (const { report } of [baseline, optimized]) {
    const db = report.workloads[0].db;
    const label = page.locator('[data-testid="label"]', { hasText: new RegExp(`^${report.run.label}$`) });
    const pool = page.getByTestId("report").filter({ has: label }).getByTestId("pool").getByTestId("row");
    assert.equal(await pool.count(), 1);
    assert.equal(await pool.locator("th").textContent(), String(db.pool.size));
    assert.equal(await pool.getByTestId("efficiency").textContent(), percentText(db.pool.efficiency * 100));
    assert.equal(await pool.getByTestId("utilization").textContent(), percentText(db.pool.utilization * 100));
  }
  const queries = page.locator('[data-testid="part"][data-workload="db demo"]');
  assert.equal(await queries.count(), 2 * baseline.report.workloads[0].db.queries.length);

  const throughput = page.getByTestId("chart-pool-throughput");
  await throughput.waitFor();
  assert.match(await throughput.locator("svg").innerHTML(), /Transactions per second against pool size/);
  for (const [run, { report }] of [["baseline", baseline], ["optimized", optimized]]) {
    const db = report.workloads[0].db;
    const cell = throughput.locator(`td[data-run="${run}"][data-x="${db.pool.size}"]`);
    assert.equal(Number(await cell.getAttribute("data-y")), db.result.throughput_per_s, run);
    const efficiency = page.getByTestId("chart-pool-efficiency").locator(`td[data-run="${run}"][data-x="${db.pool.size}"]`);
    assert.equal(Number(await efficiency.getAttribute("data-y")), db.pool.efficiency * 100, run);
  }
  // The right-sized pool waits less: the optimized run is more efficient.
  const [b, o] = [baseline, optimized].map(({ report }) => report.workloads[0].db.pool.efficiency);
  assert.ok(o > b, `efficiency ${b} → ${o}`);
  assert.deepEqual(errors, []);
});

test("the optimized run's pool advice is shown in words", async () => {
  const { page, errors } = await openPair(ctx);
  const pool = ctx.optimized.report.workloads[0].db.pool;
  const advice = page.getByTestId("advice");
  // The advice is given exactly when efficiency and utilization disagree with the pool's size.
  const waits = pool.efficiency < 0.9 && pool.utilization >= 0.5;
  const oversized = pool.efficiency >= 0.9 && pool.utilization < 0.5;
  assert.equal(await advice.count(), waits || oversized ? 1 : 0);
  if (waits) assert.match(await advice.textContent(), /transactions wait for connections/);
  if (oversized) assert.match(await advice.textContent(), /larger than this load needs/);
  assert.deepEqual(errors, []);
});
