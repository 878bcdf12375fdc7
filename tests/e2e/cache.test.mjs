// The cache workload in the page: each report card shows the cache (backend,
// eviction, capacity, keys), its hit rate beside the ideal, and its hit and miss
// latency; the analysis charts hit rate (with the ideal) and hit and miss p95
// against capacity, with the reports' own numbers in the tables; a Redis cache,
// bounded by memory, is shown unbounded with its own counters and no capacity charts.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { useApp, openPair, makeProfiles, runnerOutput, latencyText } from "./harness.mjs";

/** A Redis of this test's own (Debian's redis-server on a free loopback port), so
 * that no other test's server-wide counters see its traffic; stopped after the tests. */
async function startRedis() {
  const port = await new Promise((ok, fail) => {
    const probe = createServer().once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  const server = spawn("redis-server", args, { stdio: "ignore" });
  let failed = null;
  server.once("error", (e) => (failed = e)); // not installed: scripts/services.sh needs it too
  const pong = () =>
    new Promise((ok) => {
      const socket = connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
      socket.once("data", (data) => {
        socket.destroy();
        ok(data.toString().startsWith("+PONG"));
      });
      socket.once("error", () => ok(false));
    });
  for (let tries = 0; !(await pong()); tries++) {
    if (failed) throw failed;
    if (tries === 100) throw new Error(`redis-server did not answer on port ${port}`);
    await sleep(50);
  }
  return { url: `redis://127.0.0.1:${port}`, stop: () => server.kill() };
}

let redis;
after(() => redis?.stop());

/** Both demo profiles as they are, both swept over three capacities (1, 10 and
 * 50 % of the keys), and both through Redis. */
const ctx = useApp(async () => {
  const scenario = join(await mkdtemp(join(tmpdir(), "perfproof-e2e-")), "sweep.toml");
  await writeFile(scenario, "[cache]\n[cache.sweep]\ncapacity_percent = [1, 10, 50]\n");
  redis = await startRedis();
  return {
    ...(await makeProfiles(["--workloads", "cache"])),
    sweep: await makeProfiles(["--workloads", "cache", "--config", scenario]),
    redis: await makeProfiles(["--workloads", "cache", "--cache-url", redis.url]),
  };
});

const perMs = { ns: 1e6, us: 1e3, ms: 1 };
/** A latency's p95 in milliseconds, as the report holds it. */
const p95Ms = (latency) => latency.summary.p95 / perMs[latency.unit];
/** Every measured capacity of a cache workload: each point of its sweep, or its one cache. */
const capacities = (cache) => (cache.sweep.length > 0 ? cache.sweep.map((p) => p.cache) : [cache.cache]);

/** A chart table's cells as { run, part, x, y } numbers. */
async function cells(chart) {
  return chart.locator("td[data-run]").evaluateAll((tds) =>
    tds.map((td) => ({
      run: td.dataset.run,
      part: td.dataset.part ?? null,
      x: Number(td.dataset.x),
      y: td.dataset.y === undefined ? null : Number(td.dataset.y),
    })),
  );
}

/** The one cell of `run` (and `part`) at capacity `x` % of the keyspace. */
function cellAt(all, run, part, x) {
  const found = all.filter((c) => c.run === run && c.part === part && Math.abs(c.x - x) < 1e-9);
  assert.equal(found.length, 1, `${run} ${part ?? ""} at ${x} %`);
  return found[0];
}

const close = (actual, expected, what) => assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);

test("each card shows the cache, its hit rate beside the ideal, and its latency", async () => {
  const { page, errors } = await openPair(ctx);
  const { baseline, optimized } = ctx;
  const cards = page.getByTestId("report");
  assert.equal(await cards.count(), 2);
  for (const { report } of [baseline, optimized]) {
    const cache = report.workloads[0].cache;
    const label = page.locator('[data-testid="label"]', { hasText: new RegExp(`^${report.run.label}$`) });
    const card = cards.filter({ has: label });
    const section = card.getByTestId("cache");
    const setup = await section.getByTestId("table-title").textContent();
    assert.ok(setup.includes(`${cache.backend} `) && setup.includes(`${cache.eviction_policy} eviction`), setup);
    const row = section.getByTestId("row");
    assert.equal(await row.count(), 1);
    const hitRate = await row.getByTestId("hit-rate").textContent();
    assert.match(hitRate, /^\d+\.\d %$/);
    assert.ok(Math.abs(parseFloat(hitRate) - cache.cache.hit_rate * 100) <= 0.05 + 1e-9, `${hitRate} vs ${cache.cache.hit_rate}`);
    if (cache.cache.ideal_hit_rate != null) {
      const ideal = await row.getByTestId("ideal").textContent();
      assert.ok(Math.abs(parseFloat(ideal) - cache.cache.ideal_hit_rate * 100) <= 0.05 + 1e-9, ideal);
    }
    assert.equal(await row.getByTestId("hits").textContent(), cache.cache.hits.toLocaleString("en-US"));
    assert.equal(await row.getByTestId("misses").textContent(), cache.cache.misses.toLocaleString("en-US"));
    assert.equal(await row.getByTestId("hit-p95").textContent(), latencyText(p95Ms(cache.cache.hit_latency)));
    assert.equal(await card.locator('[data-testid="part"][data-workload="cache demo"]').count(), 2);
  }
  assert.deepEqual(errors, []);
});

/** Checks the cache charts' cells against both reports' capacities; returns how many were checked. */
async function checkCharts(page, { baseline, optimized }) {
  const hitRateChart = page.getByTestId("chart-cache-hit-rate");
  await hitRateChart.waitFor();
  assert.match(await hitRateChart.locator("svg").innerHTML(), /Hit rate against capacity/);
  const latencyChart = page.getByTestId("chart-cache-latency");
  assert.match(await latencyChart.locator("svg").innerHTML(), /Hit and miss latency p95 against capacity/);
  const [rates, latencies] = [await cells(hitRateChart), await cells(latencyChart)];
  let charted = 0;
  for (const [run, { report }] of [["baseline", baseline], ["optimized", optimized]]) {
    const cache = report.workloads[0].cache;
    for (const stats of capacities(cache).filter((s) => s.capacity != null)) {
      const x = (stats.capacity / cache.keys.keyspace) * 100;
      close(cellAt(rates, run, null, x).y, stats.hit_rate * 100, `${run} hit rate at ${x} %`);
      if (stats.ideal_hit_rate != null) {
        // One ideal column: the runs share their key distribution, so their ideals agree.
        close(cellAt(rates, "ideal", null, x).y, stats.ideal_hit_rate * 100, `ideal at ${x} % (${run})`);
      }
      close(cellAt(latencies, run, "hit", x).y, p95Ms(stats.hit_latency), `${run} hit p95 at ${x} %`);
      close(cellAt(latencies, run, "miss", x).y, p95Ms(stats.miss_latency), `${run} miss p95 at ${x} %`);
      charted += 1;
    }
  }
  return charted;
}

test("hit rate, the ideal and hit and miss p95 are charted against capacity", async () => {
  const { page, errors } = await openPair(ctx);
  assert.equal(await checkCharts(page, ctx), 2, "each demo run has one capacity");
  assert.deepEqual(errors, []);
});

test("every capacity of a sweep is charted, and the advice is perfproof compare's", async () => {
  const { page, errors } = await openPair(ctx, ctx.sweep);
  const { baseline, optimized } = ctx.sweep;
  assert.equal(await checkCharts(page, ctx.sweep), 6, "three capacities per run");
  const cache = optimized.report.workloads[0].cache;
  const label = page.locator('[data-testid="label"]', { hasText: /^optimized$/ });
  const points = page.getByTestId("report").filter({ has: label }).getByTestId("cache").getByTestId("row");
  assert.equal(await points.count(), cache.sweep.length);
  const cli = JSON.parse(runnerOutput(["compare", "--json", baseline.path, optimized.path]));
  assert.ok(cli.advice.some((line) => line.startsWith("cache demo: hit rate")), `${cli.advice}`);
  const shown = await page.getByTestId("advice").locator("li").allTextContents();
  assert.deepEqual(shown, cli.advice);
  assert.deepEqual(errors, []);
});

test("a Redis cache is unbounded, shows its own counters and memory, and has no capacity charts", async () => {
  const { page, errors } = await openPair(ctx, ctx.redis);
  const cards = page.getByTestId("report");
  assert.equal(await cards.count(), 2);
  for (const { report } of [ctx.redis.baseline, ctx.redis.optimized]) {
    const cache = report.workloads[0].cache;
    assert.equal(cache.backend, "redis");
    const label = page.locator('[data-testid="label"]', { hasText: new RegExp(`^${report.run.label}$`) });
    const card = cards.filter({ has: label });
    const section = card.getByTestId("cache");
    const setup = await section.getByTestId("table-title").textContent();
    assert.ok(setup.includes(`${cache.eviction_policy} eviction`), setup);
    const row = section.getByTestId("row");
    assert.equal(await row.locator("th").textContent(), "unbounded");
    const hitRate = await row.getByTestId("hit-rate").textContent();
    assert.ok(Math.abs(parseFloat(hitRate) - cache.cache.hit_rate * 100) <= 0.05 + 1e-9, hitRate);
    const own = cache.cache.backend;
    const counters = (await section.getByTestId("notes").locator("li").allTextContents()).join("\n");
    for (const [name, value] of [["hits", own.hits], ["evictions", own.evictions]]) {
      assert.ok(counters.includes(`${value.toLocaleString("en-US")} ${name}`), `${name} in ${counters}`);
    }
    assert.ok(counters.includes(`${own.entries.toLocaleString("en-US")} entries at the end`), counters);
    assert.ok(counters.includes(`${own.memory_bytes.toLocaleString("en-US")} bytes of memory used`), counters);
  }
  assert.equal(await page.getByTestId("chart-spectrum").count(), 1, "the analysis' charts are drawn");
  assert.equal(await page.getByTestId("chart-cache-hit-rate").count(), 0);
  assert.equal(await page.getByTestId("chart-cache-latency").count(), 0);
  assert.deepEqual(errors, []);
});
