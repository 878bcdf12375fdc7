// The list of loaded files: each report with its label, start time, host and
// workloads; a bad file dropped among good ones names the file and the field while
// the others stay loaded; every entry is removed by its own, named button.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { serveDist, launchBrowser, openApp, makeProfiles } from "./harness.mjs";

let server;
let browser;

before(async () => {
  server = await serveDist();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const asFile = (name, text) => ({ name, mimeType: "application/json", buffer: Buffer.from(text) });

test("loaded reports are listed with label, time, host and workloads; a bad one names file and field; each is removable", async () => {
  const { baseline, optimized } = await makeProfiles();
  const text = JSON.stringify(baseline.report, null, 2);
  const broken = text.replace(/"cpus": (\d+)/, '"cpus": -3');
  assert.notEqual(broken, text);

  const { page, errors } = await openApp(browser, server.url);
  await page.getByTestId("file-input").setInputFiles([
    asFile("before.json", await readFile(baseline.path, "utf8")),
    asFile("broken.json", broken),
    asFile("after.json", await readFile(optimized.path, "utf8")),
  ]);
  const list = page.getByTestId("loaded");
  const items = list.getByTestId("loaded-report");
  await page.getByTestId("analysis").waitFor();
  await list.getByTestId("report-error").waitFor();
  assert.equal(await items.count(), 2);
  assert.match(await list.locator("h2").textContent(), /^Loaded reports \(3\)$/);

  // The bad file: its name and the field that is wrong; the other two stay loaded.
  const bad = list.getByTestId("report-error");
  assert.equal(await bad.locator(".file").textContent(), "broken.json");
  assert.match(await bad.locator(".message").textContent(), /run\.host\.cpus/);
  assert.equal(await page.getByTestId("report").count(), 2);

  for (const { report, file } of [
    { report: baseline.report, file: "before.json" },
    { report: optimized.report, file: "after.json" },
  ]) {
    const item = items.filter({ has: page.locator(".file", { hasText: file }) });
    assert.equal(await item.getByTestId("loaded-label").textContent(), report.run.label);
    assert.match(await item.getByTestId("loaded-started").textContent(), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    const host = report.run.host;
    assert.equal(await item.getByTestId("loaded-host").textContent(), `${host.os} ${host.arch} · ${host.cpus} CPUs`);
    assert.equal(
      await item.getByTestId("loaded-workloads").textContent(),
      report.workloads.map((w) => Object.entries(w).map(([kind, part]) => `${kind} ${part.name}`)[0]).join(", "),
    );
  }

  // Each entry has its own button, found by its accessible name.
  await page.getByRole("button", { name: "Remove broken.json, which is not a report" }).click();
  await bad.waitFor({ state: "detached" });
  assert.match(await list.locator("h2").textContent(), /\(2\)$/);
  await page.getByRole("button", { name: "Remove report optimized (after.json)" }).click();
  await page.getByTestId("analysis").waitFor({ state: "detached" });
  assert.equal(await items.count(), 1);
  assert.equal(await page.getByTestId("report").count(), 1);
  assert.equal(await page.getByTestId("report").getByTestId("label").textContent(), "baseline");
  await page.getByRole("button", { name: "Remove report baseline (before.json)" }).click();
  await list.waitFor({ state: "detached" });
  assert.equal(await page.getByTestId("report").count(), 0);
  assert.deepEqual(errors, []);
});
