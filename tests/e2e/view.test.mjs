// `perfproof view`: the page served from the runner's own binary, with no other
// server running, opens the reports named on its command line and shows the same
// grade and verdicts as `perfproof compare --json`; hostile file names and labels are
// shown as text; a file that is not a report is refused, naming it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { launchBrowser, openApp, makeProfiles, runnerBin, runnerOutput } from "./harness.mjs";

let browser;
let pair;
const views = [];

before(async () => {
  browser = await launchBrowser();
  pair = await makeProfiles();
});

after(async () => {
  for (const view of views) view.kill("SIGINT");
  await browser?.close();
});

/** Starts `perfproof view` of `paths`; resolves to the address it prints. */
async function startView(paths) {
  const view = spawn(runnerBin, ["view", ...paths, "--no-open"], { stdio: ["ignore", "pipe", "pipe"] });
  views.push(view);
  let out = "";
  view.stdout.setEncoding("utf8");
  while (!out.includes("\n")) {
    const [chunk] = await once(view.stdout, "data");
    out += chunk;
  }
  return out.trim();
}

test("view serves the page and the reports; the page shows compare's grade and verdicts", async () => {
  const expected = JSON.parse(runnerOutput(["compare", pair.baseline.path, pair.optimized.path, "--json"]));
  const url = await startView([pair.baseline.path, pair.optimized.path]);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/\?src=reports\/report\.json&src=reports\/report-2\.json$/);
  const { page, errors } = await openApp(browser, url);
  await page.getByTestId("grade").waitFor();
  assert.equal(await page.getByTestId("grade").textContent(), expected.targets.grade ?? "no grade");
  await page.getByTestId("filter-shown").selectOption("every");
  const rows = page.getByTestId("metric");
  assert.equal(await rows.count(), expected.comparison.metrics.length);
  for (const metric of expected.comparison.metrics) {
    const row = page.locator(`[data-testid="metric"][data-key="${metric.key}"]`);
    assert.equal(await row.getByTestId("verdict").textContent(), metric.verdict.replaceAll("_", " "), metric.key);
  }
  assert.deepEqual(errors, []);
});

test("a folder gives its reports and skips the other JSON files beside them", async () => {
  const dir = pair.baseline.dir;
  await copyFile(pair.optimized.path, join(dir, "optimized.json"));
  await writeFile(join(dir, "comparison_api_performance.json"), JSON.stringify({ schema: "perfproof.comparison/v1" }));
  const url = await startView([dir]);
  assert.match(url, /\?src=reports\/optimized\.json&src=reports\/report\.json$/);
  const { page } = await openApp(browser, url);
  await page.getByTestId("grade").waitFor();
  assert.equal(await page.getByTestId("loaded-report").count(), 2);
});

test("hostile file names and labels are shown as text", async () => {
  const hostile = '<img src=x onerror="window.pwned=1">';
  const text = (await readFile(pair.optimized.path, "utf8")).replace('"label": "optimized"', `"label": ${JSON.stringify(hostile)}`);
  const path = join(pair.optimized.dir, `${hostile}.json`);
  await writeFile(path, text);
  const url = await startView([pair.baseline.path, path]);
  const { page } = await openApp(browser, url);
  await page.getByTestId("grade").waitFor();
  assert.match(await page.getByTestId("loaded").textContent(), /<img src=x onerror="window\.pwned=1">/);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.equal(await page.locator("img[src=x]").count(), 0);
});

test("a file that is not a report is refused, naming it", async () => {
  const path = join(pair.baseline.dir, "notes.json");
  await writeFile(path, '{"hello": "world"}');
  const view = spawn(runnerBin, ["view", pair.baseline.path, path, "--no-open"], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  view.stderr.setEncoding("utf8");
  view.stderr.on("data", (chunk) => (err += chunk));
  const [code] = await once(view, "exit");
  assert.equal(code, 1);
  assert.match(err, /notes\.json is not a valid perfproof report/);
});
