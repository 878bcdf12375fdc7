// Offline once loaded: the service worker keeps the app shell, so a page reloaded
// with the network gone still renders and analyses dropped reports.
import { test } from "node:test";
import assert from "node:assert/strict";
import { useApp, makeProfiles } from "./harness.mjs";

const ctx = useApp(() => makeProfiles());

test("once loaded, the page works offline: reloaded without a network, it analyses a dropped pair", async () => {
  const context = await ctx.browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(ctx.server.url);
  await page.getByTestId("file-input").waitFor({ state: "attached" });
  // The worker is installed (the shell cached) and active.
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
  assert.equal(scope, ctx.server.url);

  await context.setOffline(true);
  await page.reload();
  await page.getByTestId("file-input").waitFor({ state: "attached" });
  await page.getByTestId("file-input").setInputFiles([ctx.baseline.path, ctx.optimized.path]);
  await page.getByTestId("grade").waitFor();
  await page.getByTestId("chart-spectrum").first().waitFor();
  // Really offline: a request to the server fails.
  const reachable = await page.evaluate((url) => fetch(`${url}nothing-here`).then(() => true, () => false), ctx.server.url);
  assert.equal(reachable, false);
  assert.deepEqual(errors, []);
  await context.close();
});
