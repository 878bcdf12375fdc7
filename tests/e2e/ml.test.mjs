// The ML workload in the page: samples per second and per-request p95 against
// batch size, baseline and optimized, with the reports' own numbers in the tables.
import { test } from "node:test";
import assert from "node:assert/strict";
import { useApp, openPair, makeProfiles } from "./harness.mjs";

const ctx = useApp(() => makeProfiles(["--workloads", "ml"]));

test("samples per second and latency are charted against batch size", async () => {
  const { page, errors } = await openPair(ctx);
  const { baseline, optimized } = ctx;
  const throughput = page.getByTestId("chart-batch-throughput");
  await throughput.waitFor();
  assert.match(await throughput.locator("svg").innerHTML(), /Samples per second against batch size/);
  const latency = page.getByTestId("chart-batch-latency");
  for (const [run, { report }] of [["baseline", baseline], ["optimized", optimized]]) {
    const points = report.workloads[0].ml.points;
    assert.ok(points.length >= 2, "a run measures several batch sizes");
    for (const point of points) {
      const cell = throughput.locator(`td[data-run="${run}"][data-x="${point.batch_size}"]`);
      assert.equal(Number(await cell.getAttribute("data-y")), point.samples_per_s, `${run} B=${point.batch_size}`);
      const p95 = latency.locator(`td[data-run="${run}"][data-x="${point.batch_size}"]`);
      const perMs = { ns: 1e6, us: 1e3, ms: 1 }[point.result.stats.latency.unit];
      const expected = point.result.stats.latency.summary.p95 / perMs;
      assert.ok(Math.abs(Number(await p95.getAttribute("data-y")) - expected) < 1e-9, `${run} B=${point.batch_size} p95`);
    }
  }
  assert.deepEqual(errors, []);
});
