// Shared helpers for the browser tests: serve the release build of the web app,
// launch Debian's headless Chromium through playwright-core, and make real reports
// with the runner (target/debug/perfproof, which `cargo test` or `cargo build` makes,
// unless PERFPROOF_BIN names another: the tests check what the page shows of a
// report, not how fast it ran).
import { createServer } from "node:http";
import { readFile, mkdtemp, mkdir, copyFile, access } from "node:fs/promises";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { extname, join, resolve, normalize } from "node:path";
import { tmpdir } from "node:os";
import { before, after } from "node:test";
import { chromium } from "playwright-core";

const root = resolve(import.meta.dirname, "..", "..");
export const distDir = process.env.PERFPROOF_DIST ?? join(root, "dist");
export const runnerBin = process.env.PERFPROOF_BIN ?? join(root, "target", "debug", "perfproof");

const mimeTypes = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".wasm": "application/wasm",
  ".css": "text/css",
  ".json": "application/json",
  ".svg": "image/svg+xml",
};

/** Serves `distDir` on an ephemeral loopback port; resolves to { url, close }. */
export async function serveDist() {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    const file = join(distDir, path === "/" ? "index.html" : path);
    if (!file.startsWith(distDir)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": mimeTypes[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((ok) => server.close(ok)) };
}

/** Launches Debian's Chromium headless (never a downloaded browser). */
export async function launchBrowser() {
  const executablePath = process.env.CHROMIUM ?? execFileSync("sh", ["-c", "command -v chromium"]).toString().trim();
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
      "--disable-quic",
    ],
  });
}

/** Opens the app in a new page, failing the test on any page error. */
export async function openApp(browser, url) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(url);
  await page.getByTestId("file-input").waitFor({ state: "attached" });
  return { page, errors };
}

/**
 * Runs the runner with `args` and returns its standard output as text, whatever
 * its exit code (compare's and history's codes carry verdicts and alerts; what
 * they print is the same); throws when it could not run or printed nothing.
 */
export function runnerOutput(args) {
  const run = spawnSync(runnerBin, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (run.error) throw run.error;
  if (run.stdout === "") throw new Error(`perfproof ${args.join(" ")} printed nothing (exit ${run.status})`);
  return run.stdout;
}

/** Runs the runner on its embedded default and returns { path, dir, report }. */
export async function makeReport({ label = "e2e", args = [] } = {}) {
  const dir = await mkdtemp(join(tmpdir(), "perfproof-e2e-"));
  const path = join(dir, "report.json");
  execFileSync(runnerBin, ["run", "-q", "--duration", "1s", "--users", "4", "--label", label, "-o", path, ...args], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  return { path, dir, report: JSON.parse(await readFile(path, "utf8")) };
}

/**
 * Both demo profiles, each made by `makeReport` and labelled after its profile.
 * Within one `npm test` (which sets PERFPROOF_E2E_REPORTS), a pair made with the
 * same `args` is made once and each later test file gets copies in directories of
 * its own, so what one file writes beside its reports never reaches another.
 */
export async function makeProfiles(args = []) {
  const make = (profile) => makeReport({ label: profile, args: [...args, "--demo-profile", profile] });
  const cacheRoot = process.env.PERFPROOF_E2E_REPORTS;
  if (!cacheRoot) return { baseline: await make("baseline"), optimized: await make("optimized") };
  const cached = join(cacheRoot, createHash("sha256").update(JSON.stringify(args)).digest("hex").slice(0, 16));
  const made = await access(join(cached, "optimized.json")).then(() => true, () => false);
  if (!made) {
    const pair = { baseline: await make("baseline"), optimized: await make("optimized") };
    await mkdir(cached, { recursive: true });
    for (const side of ["baseline", "optimized"]) await copyFile(pair[side].path, join(cached, `${side}.json`));
    return pair;
  }
  const copy = async (side) => {
    const dir = await mkdtemp(join(tmpdir(), "perfproof-e2e-"));
    const path = join(dir, "report.json");
    await copyFile(join(cached, `${side}.json`), path);
    return { path, dir, report: JSON.parse(await readFile(path, "utf8")) };
  };
  return { baseline: await copy("baseline"), optimized: await copy("optimized") };
}

/**
 * Registers a test file's `before` and `after` hooks: the app served, Chromium
 * launched, then `prepare()`'s fields (such as `makeProfiles`' baseline and
 * optimized) added; returns the object those fields are set on once `before` ran.
 */
export function useApp(prepare = async () => ({})) {
  const ctx = {};
  before(async () => {
    ctx.server = await serveDist();
    ctx.browser = await launchBrowser();
    Object.assign(ctx, await prepare());
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.server?.close();
  });
  return ctx;
}

/**
 * Opens the app of `useApp`'s `ctx` with a baseline and an optimized report loaded
 * (`ctx`'s own, or `pair`'s), once the analysis shows.
 */
export async function openPair(ctx, pair = ctx) {
  const opened = await openApp(ctx.browser, ctx.server.url);
  await opened.page.getByTestId("file-input").setInputFiles([pair.baseline.path, pair.optimized.path]);
  await opened.page.getByTestId("analysis").waitFor();
  return opened;
}

/**
 * The test's own statement of shared's number rules (`shared/src/format.rs`), to
 * check the page against figures read from a report: a latency in ms from 1 ms up
 * (`7.37 ms`), below in µs or ns with three significant digits (`121 µs`).
 */
export function latencyText(ms) {
  if (ms === 0) return "0 ms";
  const significant = (v) => Number(v.toPrecision(3));
  if (significant(ms) >= 1) return `${grouped(ms, ms >= 100 ? 1 : 2)} ms`;
  const [value, unit] = significant(ms * 1e3) >= 1 ? [ms * 1e3, "µs"] : [ms * 1e6, "ns"];
  const digits = Math.max(0, 2 - Math.floor(Math.log10(significant(value))));
  return `${grouped(value, digits)} ${unit}`;
}

/**
 * `value` with `digits` decimals as Rust's `format!("{:.digits$}")` writes it: the
 * nearest, and on an exact tie (3.125 to two decimals: a nanosecond latency such as
 * 3,125 ns in µs) the even one, where JavaScript's `toFixed` rounds up.
 */
function fixed(value, digits) {
  // toFixed writes the double's exact decimal expansion: a tie is a 5 then zeros.
  const exact = Math.abs(value).toFixed(digits + 30);
  const cut = exact.length - 30;
  if (!/^50*$/.test(exact.slice(cut))) return value.toFixed(digits);
  const kept = exact.slice(0, cut).replace(/\.$/, "");
  const last = Number(kept.replace(".", "").slice(-1));
  const rounded = last % 2 === 0 ? kept : (Number(kept) + 10 ** -digits).toFixed(digits);
  return `${value < 0 ? "-" : ""}${Number(rounded).toFixed(digits)}`;
}

/** A percentage by shared's rule: one decimal from 1 % up (`93.5 %`), two significant digits below. */
export function percentText(pct) {
  if (pct === 0) return "0 %";
  if (Math.abs(pct) >= 1) return `${grouped(pct, 1)} %`;
  return `${pct.toPrecision(2)} %`;
}

/** `value` with `digits` decimals (rounded from its exact value, as Rust does) and its thousands grouped by commas. */
function grouped(value, digits) {
  const [whole, fraction] = fixed(value, digits).split(".");
  const withCommas = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === undefined ? withCommas : `${withCommas}.${fraction}`;
}
