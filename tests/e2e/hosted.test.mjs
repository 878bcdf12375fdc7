// Hosted reports: the page opened with `?src=<url>` (repeatable) fetches each report
// from another server, shows which one it is loading, and names the URL when a
// fetch fails: no CORS header, a non-2xx status, a body that is not a report, a
// server that is not there.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { serveDist, launchBrowser, openApp, makeProfiles } from "./harness.mjs";

let server;
let browser;
let reports;
let baseline;
let optimized;
let broken;
/** Resolves the held response of /slow.json. */
let releaseSlow;
let slowHeld;

before(async () => {
  server = await serveDist();
  browser = await launchBrowser();
  ({ baseline, optimized } = await makeProfiles());
  const text = JSON.stringify(baseline.report, null, 2);
  broken = text.replace(/"users": (\d+)/, '"users": "many"');
  assert.notEqual(broken, text);
  reports = await serveReports();
});

after(async () => {
  await browser?.close();
  await server?.close();
  await reports?.close();
});

/** A second loopback server (another origin than the page's) holding the reports. */
async function serveReports() {
  const cors = { "access-control-allow-origin": "*", "content-type": "application/json" };
  const routes = {
    "/baseline.json": async () => [200, cors, await readFile(baseline.path)],
    "/optimized.json": async () => [200, cors, await readFile(optimized.path)],
    "/slow.json": async () => {
      await new Promise((ok) => {
        releaseSlow = ok;
        slowHeld?.();
      });
      return [200, cors, await readFile(baseline.path)];
    },
    "/nocors.json": async () => [200, { "content-type": "application/json" }, await readFile(baseline.path)],
    "/missing.json": async () => [404, cors, "not found"],
    "/broken.json": async () => [200, cors, broken],
  };
  const httpServer = createServer(async (req, res) => {
    const route = routes[new URL(req.url, "http://x").pathname];
    const [status, headers, body] = route ? await route() : [404, {}, "no such route"];
    res.writeHead(status, headers).end(body);
  });
  await new Promise((ok) => httpServer.listen(0, "127.0.0.1", ok));
  const base = `http://127.0.0.1:${httpServer.address().port}`;
  return { base, close: () => new Promise((ok) => httpServer.close(ok)) };
}

/** A loopback port nothing listens on. */
async function closedPort() {
  const probe = createServer();
  await new Promise((ok) => probe.listen(0, "127.0.0.1", ok));
  const { port } = probe.address();
  await new Promise((ok) => probe.close(ok));
  return port;
}

const withSources = (urls) => `${server.url}?${urls.map((u) => `src=${encodeURIComponent(u)}`).join("&")}`;

test("?src= loads hosted reports one after another, showing progress, and analyses them", async () => {
  const held = new Promise((ok) => (slowHeld = ok));
  const { page, errors } = await openApp(
    browser,
    withSources([`${reports.base}/slow.json`, `${reports.base}/optimized.json`]),
  );
  await held;
  const progress = page.getByTestId("src-progress");
  await progress.waitFor();
  assert.match(await progress.textContent(), /^loading 1 of 2…/);
  assert.match(await progress.textContent(), /slow\.json/);
  releaseSlow();
  await page.getByTestId("analysis").waitFor();
  await progress.waitFor({ state: "detached" });
  assert.equal(await page.getByTestId("report").count(), 2);
  // The first URL is the oldest, so it is the baseline.
  const picked = page.getByTestId("pick-baseline").locator("option:checked");
  assert.match(await picked.textContent(), /^baseline \(.*slow\.json\)$/);
  assert.equal(await page.getByTestId("report-error").count(), 0);
  assert.deepEqual(errors, []);
});

test("a hosted report that cannot be loaded names its URL and why", async () => {
  const nowhere = `http://127.0.0.1:${await closedPort()}/gone.json`;
  const urls = {
    nocors: `${reports.base}/nocors.json`,
    missing: `${reports.base}/missing.json`,
    broken: `${reports.base}/broken.json`,
    nowhere,
  };
  const { page, errors } = await openApp(
    browser,
    withSources([...Object.values(urls), `${reports.base}/baseline.json`]),
  );
  await page.getByTestId("report").waitFor();
  await page.getByTestId("src-progress").waitFor({ state: "detached" });
  const cards = page.getByTestId("report-error");
  assert.equal(await cards.count(), 4);
  const messageOf = async (url) => {
    const card = cards.filter({ has: page.locator(".file", { hasText: url }) });
    assert.equal(await card.count(), 1, url);
    return card.locator(".message").textContent();
  };
  const fetchFailed = /the request failed: the server could not be reached, or it does not allow this page to read it \(no CORS header Access-Control-Allow-Origin\) \(TypeError: /;
  const nocors = await messageOf(urls.nocors);
  assert.ok(nocors.startsWith(`could not fetch ${urls.nocors}: `), nocors);
  assert.match(nocors, fetchFailed);
  const gone = await messageOf(urls.nowhere);
  assert.ok(gone.startsWith(`could not fetch ${urls.nowhere}: `), gone);
  assert.match(gone, fetchFailed);
  assert.equal(await messageOf(urls.missing), `could not fetch ${urls.missing}: the server answered 404 Not Found`);
  const notReport = await messageOf(urls.broken);
  assert.ok(notReport.startsWith(`${urls.broken} is not a perfproof report: `), notReport);
  assert.match(notReport, /workloads\[0\]\.http\.result\.load\.closed\.users/);
  assert.match(notReport, /line \d+/);
  // The good one is loaded all the same.
  assert.equal(await page.getByTestId("report").getByTestId("label").textContent(), "baseline");
  assert.deepEqual(errors, []);
});
