// Browser benchmark (never a test; run by bench/web-render.sh): from dropping two
// full reports (every embedded workload, made by the release runner) on the page to
// the painted comparison with all its charts, in headless Chromium against the
// release web build, timed inside the page (from the file input's change event, so
// the driver's own round trips are not counted). Each round opens a fresh page;
// prints every round, the median (target under 200 ms) and the wasm's size after
// gzip (target under 600 KB).
// PROFILE=path.cpuprofile also records the first round with Chromium's sampling
// profiler, writes it (open it in Chromium's DevTools, Performance) and prints the
// functions that took the most time; build the web app with names kept for it to
// name wasm functions (CARGO_PROFILE_WEB_STRIP=false scripts/build-web.sh).
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { distDir, launchBrowser, makeProfiles, openApp, serveDist } from "./harness.mjs";

const rounds = Number(process.env.ROUNDS ?? 11);
const pair = await makeProfiles();
const server = await serveDist();
const browser = await launchBrowser();
// Each round drops the pair twice, on fresh pages: the moment the page is up, and
// after the page has been open for IDLE_MS (1 s, less than a person takes to pick
// two files), by which time the page has warmed its analysis code up (main.rs).
const idleMs = Number(process.env.IDLE_MS ?? 1000);
const times = { cold: [], idle: [] };
try {
  // A first, unmeasured round: how many charts the pair makes, once all are drawn.
  const expected = await countCharts();
  for (let round = 1; round <= rounds; round++) {
    const line = [];
    for (const kind of ["cold", "idle"]) {
      const { page, errors } = await openApp(browser, server.url);
      if (kind === "idle") await page.waitForTimeout(idleMs);
      const profiler = round === 1 && kind === "idle" && process.env.PROFILE ? await startProfiler(page) : null;
      const ms = await dropToPainted(page, expected);
      if (profiler) await writeProfile(await profiler.stop(), process.env.PROFILE);
      if (errors.length > 0) throw new Error(`page errors: ${errors.join("; ")}`);
      times[kind].push(ms);
      line.push(`${kind === "cold" ? "at once" : `after ${idleMs} ms`} ${ms.toFixed(0).padStart(5)} ms`);
      await page.close();
    }
    console.log(`round ${String(round).padStart(2)}: ${line.join(", ")} (${expected} charts)`);
  }
} finally {
  await browser.close();
  await server.close();
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const sizes = await Promise.all(
  [pair.baseline.path, pair.optimized.path].map(async (p) => (await readFile(p)).length),
);
const kinds = pair.baseline.report.workloads.map((w) => Object.keys(w)[0]).join(", ");
console.log(`reports: ${sizes.map((b) => `${(b / 1024).toFixed(0)} KB`).join(" and ")}; workloads: ${kinds}`);
console.log(
  `drop to painted comparison with all charts, median over ${rounds} rounds (target under 200 ms): ` +
    `${median(times.idle).toFixed(0)} ms dropped ${idleMs} ms after the page opened, ` +
    `${median(times.cold).toFixed(0)} ms dropped the moment it opened (its code not yet optimized)`,
);
const wasm = (await readdir(distDir)).find((f) => f.endsWith(".wasm"));
const bytes = await readFile(join(distDir, wasm));
console.log(`wasm ${wasm}: ${(bytes.length / 1024).toFixed(0)} KB, ${(gzipSync(bytes, { level: 9 }).length / 1024).toFixed(0)} KB after gzip -9 (target under 600 KB)`);

/** The number of charts the pair makes: drops it, and counts once nothing changed for a second. */
async function countCharts() {
  const { page } = await openApp(browser, server.url);
  await page.getByTestId("file-input").setInputFiles([pair.baseline.path, pair.optimized.path]);
  await page.getByTestId("analysis").waitFor();
  let count = -1;
  for (let now = 0; now !== count; await page.waitForTimeout(1000)) {
    count = now;
    now = await page.locator("figure.chart svg").count();
  }
  await page.close();
  return count;
}

/**
 * Drops the pair on `page` and resolves to the milliseconds, measured in the page,
 * from the file input's change event (the drop, as the page sees it) to the first
 * frame painted after all `expected` charts are in the page (two animation frames:
 * the one that renders them, then the next, which starts once it is painted).
 */
async function dropToPainted(page, expected) {
  const painted = page.evaluate(
    (expected) =>
      new Promise((done) => {
        let dropped;
        const input = document.querySelector('[data-testid="file-input"]');
        input.addEventListener("change", () => (dropped = performance.now()), { capture: true, once: true });
        const frames = () => requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - dropped)));
        new MutationObserver((_, observer) => {
          if (dropped !== undefined && document.querySelectorAll("figure.chart svg").length >= expected) {
            observer.disconnect();
            frames();
          }
        }).observe(document.body, { childList: true, subtree: true });
      }),
    expected,
  );
  await page.getByTestId("file-input").setInputFiles([pair.baseline.path, pair.optimized.path]);
  return painted;
}

/** Starts Chromium's sampling profiler on `page`; `stop()` resolves to the profile. */
async function startProfiler(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
  await cdp.send("Profiler.start");
  return { stop: async () => (await cdp.send("Profiler.stop")).profile };
}

/**
 * Writes `profile` to `path` and prints the 25 functions with the most time in
 * them (self) and under them (total, each sample counted once per function).
 */
async function writeProfile(profile, path) {
  await writeFile(path, JSON.stringify(profile));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  const total = new Map();
  const add = (map, key, ms) => map.set(key, (map.get(key) ?? 0) + ms);
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    add(self, byId.get(id).callFrame.functionName || "(anonymous)", ms);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at).callFrame.functionName || "(anonymous)";
      if (!seen.has(name)) add(total, name, ms), seen.add(name);
    }
  });
  const top = (map) => [...map].sort((a, b) => b[1] - a[1]).slice(0, 25);
  console.log(`profile written to ${path}`);
  for (const [title, map] of [["self", self], ["total", total]]) {
    console.log(`most ${title} time:`);
    for (const [name, ms] of top(map)) console.log(`  ${ms.toFixed(1).padStart(8)} ms  ${name.slice(0, 150)}`);
  }
}
