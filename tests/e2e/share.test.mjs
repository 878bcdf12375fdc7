// Sharing the whole view: the link carries the reports with their file names, the
// choice of baseline and optimized, the edited targets and the cost inputs, and
// is rebuilt after every edit; Copy copies it and says so. A view too large for a
// link is offered as a `?src=` link (when every report came from a URL) and as a
// bundle file that, dropped back in, reproduces the view. A damaged link says so
// in words.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { useApp, openPair, openApp, makeProfiles } from "./harness.mjs";

// Two reports of the HTTP workload fit in a link (some 7,000 characters); two of
// all four workloads (some 78,000) do not.
const ctx = useApp(async () => {
  const http = await makeProfiles(["--workloads", "http"]);
  const full = await makeProfiles();
  return { http, full, reports: await serveReports() };
});
after(() => ctx.reports?.close());

/** A second origin holding copies of the two reports, with CORS. */
async function serveReports() {
  const server = createServer(async (req, res) => {
    const name = new URL(req.url, "http://x").pathname.slice(1);
    const file = { "baseline.json": ctx.full?.baseline.path, "optimized.json": ctx.full?.optimized.path }[name];
    if (!file) return res.writeHead(404).end();
    res.writeHead(200, { "access-control-allow-origin": "*", "content-type": "application/json" });
    res.end(await readFile(file));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { base: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((ok) => server.close(ok)) };
}

const linkOf = (page) => page.getByTestId("share-link").inputValue();

/** Waits until the share link differs from `before`, and returns it. */
async function linkAfter(page, before) {
  await page.waitForFunction((b) => document.querySelector('[data-testid="share-link"]')?.value !== b, before);
  return linkOf(page);
}

const edited = '[[target]]\nname = "p95 under 50 ms"\nmetric = "http.*.latency.p95"\nrule = "< 50 ms"\n';

/** What the page shows of the view, to compare two pages. */
async function viewOf(page) {
  await page.getByTestId("grade").waitFor();
  return {
    grade: await page.getByTestId("grade").textContent(),
    targets: await page.getByTestId("target").allTextContents(),
    cost: await page.getByTestId("cost").textContent(),
    requests: await page.getByTestId("requests-per-day").inputValue(),
    baseline: await page.getByTestId("pick-baseline").locator("option:checked").textContent(),
    optimized: await page.getByTestId("pick-optimized").locator("option:checked").textContent(),
    files: await page.getByTestId("loaded-report").allTextContents(),
    editor: await page.getByTestId("targets-text").inputValue(),
  };
}

test("the link follows every edit and reopens the same view, names included", async () => {
  const { page, errors } = await openPair(ctx, ctx.http);
  let link = await linkOf(page);
  assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/#pp2\./);

  // Swap the pair: the old optimized run becomes the baseline.
  const optimizedValue = await page.getByTestId("pick-optimized").inputValue();
  await page.getByTestId("pick-baseline").selectOption(optimizedValue);
  link = await linkAfter(page, link);
  await page.getByTestId("targets-editor").locator("summary").click();
  await page.getByTestId("targets-text").fill(edited);
  link = await linkAfter(page, link);
  await page.getByTestId("requests-per-day").fill("1234567");
  await page.getByTestId("requests-per-day").dispatchEvent("change");
  link = await linkAfter(page, link);
  const shown = await viewOf(page);
  assert.match(shown.baseline, /^optimized \(report\.json\)$/);
  assert.equal(shown.requests, "1234567");
  assert.equal(shown.targets.length, 1);

  const fresh = await ctx.browser.newPage();
  const freshErrors = [];
  fresh.on("pageerror", (e) => freshErrors.push(e));
  await fresh.goto(link);
  const reopened = await viewOf(fresh);
  assert.deepEqual(reopened, shown);
  assert.ok(!reopened.files.some((f) => /shared report/.test(f)), reopened.files.join(" | "));
  // The reopened page's own link is the same link.
  assert.equal(await linkOf(fresh), link);
  assert.deepEqual(errors, []);
  assert.deepEqual(freshErrors, []);
});

test("Copy copies the link and says so; an edit clears the message", async () => {
  const context = await ctx.browser.newContext({ permissions: ["clipboard-read", "clipboard-write"] });
  const page = await context.newPage();
  await page.goto(ctx.server.url);
  await page.getByTestId("file-input").setInputFiles([ctx.http.baseline.path, ctx.http.optimized.path]);
  const link = await linkOf(page);
  await page.getByTestId("share-copy").click();
  await page.waitForFunction(() => /Copied/.test(document.querySelector('[data-testid="share-copied"]').textContent));
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), link);
  await page.getByTestId("growth").fill("7");
  await page.getByTestId("growth").dispatchEvent("change");
  await linkAfter(page, link);
  assert.equal(await page.getByTestId("share-copied").textContent(), "");
  await context.close();
});

test("a view too large for a link is offered as a bundle file that reproduces it", async () => {
  const { page, errors } = await openApp(ctx.browser, ctx.server.url);
  await page.getByTestId("file-input").setInputFiles([ctx.full.baseline.path, ctx.full.optimized.path]);
  const tooLarge = page.getByTestId("share-too-large");
  await tooLarge.waitFor();
  assert.match(await tooLarge.textContent(), /too large for a link: it would be [\d,]+ characters long, and links longer than 65,536/);
  assert.equal(await page.getByTestId("share-link").count(), 0);
  // Dropped files have no URL: no ?src= link.
  await page.getByTestId("share-no-src").waitFor();
  await page.getByTestId("targets-editor").locator("summary").click();
  await page.getByTestId("targets-text").fill(edited);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="target"]').length === 1);
  const shown = await viewOf(page);

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("share-bundle").click()]);
  assert.equal(download.suggestedFilename(), "perfproof-view.json");
  const saved = join(ctx.full.baseline.dir, "view.json");
  await download.saveAs(saved);

  const { page: fresh, errors: freshErrors } = await openApp(ctx.browser, ctx.server.url);
  await fresh.getByTestId("file-input").setInputFiles(saved);
  await fresh.waitForFunction(() => document.querySelectorAll('[data-testid="target"]').length === 1);
  assert.deepEqual(await viewOf(fresh), shown);
  assert.equal(await fresh.getByTestId("report-error").count(), 0);
  assert.deepEqual(errors, []);
  assert.deepEqual(freshErrors, []);
});

test("a view too large for a link, of reports loaded by ?src=, is offered as a ?src= link", async () => {
  const urls = ["baseline", "optimized"].map((n) => `${ctx.reports.base}/${n}.json`);
  const query = urls.map((u) => `src=${encodeURIComponent(u)}`).join("&");
  const { page, errors } = await openApp(ctx.browser, `${ctx.server.url}?${query}`);
  const src = page.getByTestId("share-src-link");
  await src.waitFor();
  const link = await src.inputValue();
  assert.equal(new URL(link).origin + new URL(link).pathname, ctx.server.url);
  assert.deepEqual(new URL(link).searchParams.getAll("src"), urls);
  const { page: fresh } = await openApp(ctx.browser, link);
  await fresh.waitForFunction((n) => document.querySelectorAll('[data-testid="loaded-report"]').length === n, urls.length);
  assert.deepEqual(errors, []);
});

test("a damaged link is explained in words, and the page still works", async () => {
  const { page } = await openPair(ctx, ctx.http);
  const link = await linkOf(page);
  const { page: damaged, errors } = await openApp(ctx.browser, link.slice(0, Math.floor(link.length * 0.6)));
  const message = damaged.getByTestId("share-error");
  await message.waitFor();
  const text = await message.textContent();
  assert.match(text, /^This share link could not be opened: the link is damaged: part of it is missing or changed/);
  assert.doesNotMatch(text, /deflate|Failed|Malformed/);
  await damaged.getByTestId("file-input").setInputFiles([ctx.http.baseline.path, ctx.http.optimized.path]);
  await damaged.getByTestId("grade").waitFor();
  assert.deepEqual(errors, []);
});
