// Browser benchmark (never a test; run by bench/web-render.sh): from dropping two
// full reports (every embedded workload, made by the release runner) on the page to
// the rendered comparison with its charts, in headless Chromium against the release
// web build. Each round opens a fresh page; prints every round, the median (target
// under 200 ms) and the wasm's size after gzip (target under 600 KB).
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { distDir, launchBrowser, makeProfiles, openApp, serveDist } from "./harness.mjs";

const rounds = Number(process.env.ROUNDS ?? 11);
const pair = await makeProfiles();
const server = await serveDist();
const browser = await launchBrowser();
const times = [];
try {
  for (let round = 1; round <= rounds; round++) {
    const { page, errors } = await openApp(browser, server.url);
    const began = performance.now();
    await page.getByTestId("file-input").setInputFiles([pair.baseline.path, pair.optimized.path]);
    await page.getByTestId("analysis").waitFor();
    await page.locator("figure.chart svg").first().waitFor();
    // Until the browser has painted what was rendered.
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    const ms = performance.now() - began;
    const charts = await page.locator("figure.chart svg").count();
    if (errors.length > 0) throw new Error(`page errors: ${errors.join("; ")}`);
    times.push(ms);
    console.log(`round ${String(round).padStart(2)}: ${ms.toFixed(0).padStart(5)} ms, ${charts} charts`);
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}
const sorted = [...times].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)];
const sizes = await Promise.all(
  [pair.baseline.path, pair.optimized.path].map(async (p) => (await readFile(p)).length),
);
const kinds = pair.baseline.report.workloads.map((w) => Object.keys(w)[0]).join(", ");
console.log(`reports: ${sizes.map((b) => `${(b / 1024).toFixed(0)} KB`).join(" and ")}; workloads: ${kinds}`);
console.log(`drop to rendered comparison with charts: median ${median.toFixed(0)} ms over ${rounds} rounds (target under 200 ms)`);
const wasm = (await readdir(distDir)).find((f) => f.endsWith(".wasm"));
const bytes = await readFile(join(distDir, wasm));
console.log(`wasm ${wasm}: ${(bytes.length / 1024).toFixed(0)} KB, ${(gzipSync(bytes, { level: 9 }).length / 1024).toFixed(0)} KB after gzip -9 (target under 600 KB)`);
