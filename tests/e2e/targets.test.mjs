// The targets, edited in place: the editor starts from shared's defaults (as a
// targets file), the grade and the targets table follow an edit as the CLI grades
// the same file, an invalid file names what is wrong (the TOML line, or the
// target and rule) while the last valid targets stay in force, and the page never
// breaks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { useApp, openPair, makeProfiles, runnerOutput } from "./harness.mjs";

const ctx = useApp(() => makeProfiles());

/** The colour class of a grade: green for A+ and A, amber for B+ and B, red below. */
const gradeColour = (grade) =>
  ({ "A+": "good", A: "good", "B+": "warn", B: "warn", C: "bad", D: "bad" })[grade] ?? "muted";

/** Replaces the editor's text as a person pasting it would, and waits for it to apply. */
async function typeTargets(page, text) {
  await page.getByTestId("targets-editor").locator("summary").click();
  const editor = page.getByTestId("targets-text");
  await editor.fill(text);
}

test("the editor starts from the default targets, as TOML, with the rules read as ranges", async () => {
  const { page, errors } = await openPair(ctx);
  await page.getByTestId("targets-editor").locator("summary").click();
  const text = await page.getByTestId("targets-text").inputValue();
  assert.match(text, /^\[\[target\]\]\nname = "API p95 latency"\nmetric = "http\.\*\.latency\.p95"\nrule = "< 200 ms"\n/);
  assert.match(text, /rule = "between 25 35 %"/);
  assert.equal((text.match(/\[\[target\]\]/g) ?? []).length, 6);
  // The rule "between 25 35 %" reads as a range in the table.
  const rules = await page.getByTestId("target-rule").allTextContents();
  assert.ok(rules.includes("25–35 %"), rules.join(", "));
  assert.ok(!rules.some((r) => r.startsWith("between")), rules.join(", "));
  assert.deepEqual(errors, []);
});

test("an edited file re-grades the pair as perfproof compare grades it", async () => {
  const { page, errors } = await openPair(ctx);
  const edited = [
    "[[target]]",
    'name = "p50 under a microsecond"',
    'metric = "http.*.latency.p50"',
    'rule = "< 0.001 ms"',
    "",
    "[[target]]",
    'name = "p95 under a minute"',
    'metric = "http.*.latency.p95"',
    'rule = "< 60 s"',
    "",
  ].join("\n");
  const file = join(ctx.baseline.dir, "targets.toml");
  await writeFile(file, edited);
  const cli = JSON.parse(runnerOutput(["compare", ctx.baseline.path, ctx.optimized.path, "--json", "--targets", file]));
  await typeTargets(page, edited);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="target"]').length === 2);
  assert.equal(await page.getByTestId("grade").textContent(), cli.targets.grade ?? "no grade");
  assert.match(await page.getByTestId("targets-met").textContent(), new RegExp(`^${cli.targets.met} of ${cli.targets.measured} measured`));
  const statuses = await page.getByTestId("target-status").allTextContents();
  assert.deepEqual(statuses, cli.targets.results.map((r) => r.status.replaceAll("_", " ")));
  assert.match(await page.getByTestId("targets-ok").textContent(), /^2 targets in force/);
  // The grade's colour follows the grade: a D is not drawn as an A+ is.
  assert.equal(await page.getByTestId("grade").getAttribute("class"), `grade ${gradeColour(cli.targets.grade)}`);
  // Back to the defaults: six targets again.
  await page.getByTestId("targets-reset").click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="target"]').length >= 6);
  assert.deepEqual(errors, []);
});

test("an invalid file names the line or the rule at fault, and the last valid targets stay", async () => {
  const { page, errors } = await openPair(ctx);
  const grade = await page.getByTestId("grade").textContent();
  const rows = await page.getByTestId("target").count();

  await typeTargets(page, '[[target]]\nmetric = "http.*.latency.p95"\nrule = < 200 ms\n');
  const error = page.getByTestId("targets-error");
  await error.waitFor();
  assert.match(await error.textContent(), /line 3/);
  assert.equal(await page.getByTestId("targets-text").getAttribute("aria-invalid"), "true");
  assert.equal(await page.getByTestId("grade").textContent(), grade);
  assert.equal(await page.getByTestId("target").count(), rows);

  await page.getByTestId("targets-text").fill('[[target]]\nname = "odd"\nmetric = "http.*.latency.p95"\nrule = "~ 200 ms"\n');
  await page.waitForFunction(() => /rule `~ 200 ms`/.test(document.querySelector('[data-testid="targets-error"]')?.textContent ?? ""));
  assert.match(await error.textContent(), /target 0 \(`odd`\): rule `~ 200 ms`: expected <, <=, >, >= or between/);

  await page.getByTestId("targets-text").fill('[[target]]\nmetric = "http.*.latency.p95"\nrule = "< 200 furlongs"\n');
  await page.waitForFunction(() => /unknown unit `furlongs`/.test(document.querySelector('[data-testid="targets-error"]')?.textContent ?? ""));

  // Fixed: the error goes and the grade follows the new targets.
  await page.getByTestId("targets-text").fill('[[target]]\nmetric = "http.*.latency.p95"\nrule = "< 200 ms"\n');
  await page.getByTestId("targets-ok").waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="target"]').length === 1);
  assert.equal(await page.getByTestId("grade").textContent(), "A+");
  assert.deepEqual(errors, []);
});
