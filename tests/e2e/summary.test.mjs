// The report card shows the run's summary as `perfproof run` prints it: the same
// tables, rows, columns and strings, for every workload kind, because both read
// shared's `summary`. The CLI's side is `perfproof summary --json` of the same report.
import { test } from "node:test";
import assert from "node:assert/strict";
import { useApp, openApp, makeReport, runnerOutput } from "./harness.mjs";

const ctx = useApp(async () => ({ made: await makeReport({ label: "summary" }) }));

/** The card's summary tables as the CLI's JSON writes them. */
function tablesOf(card) {
  return card.evaluate((card) =>
    [...card.querySelectorAll("section.summary-table")].map((section) => ({
      id: section.dataset.testid,
      title: section.querySelector(".table-title")?.textContent ?? "",
      columns: [...section.querySelectorAll("thead th")].map((th) => th.textContent),
      rows: [...section.querySelectorAll("tbody tr")].map((tr) => ({
        part: tr.classList.contains("part"),
        cells: [...tr.children].map((cell) => cell.textContent),
      })),
      notes: [...section.querySelectorAll(".notes li")].map((li) => li.textContent),
    })),
  );
}

test("the report card shows the CLI's summary, string for string, for every kind", async () => {
  const { made } = ctx;
  const kinds = made.report.workloads.map((workload) => Object.keys(workload)[0]);
  assert.deepEqual(kinds, ["http", "db", "ml", "cache"]);
  const cli = JSON.parse(runnerOutput(["summary", "--json", made.path]));
  // Each kind with a table of its own has it: the pool, the batch sizes, the cache.
  assert.deepEqual(cli.details.map((table) => table.id), ["pool", "batches", "cache"]);

  const { page, errors } = await openApp(ctx.browser, ctx.server.url);
  await page.getByTestId("file-input").setInputFiles(made.path);
  const card = page.getByTestId("report");
  await card.waitFor();
  assert.deepEqual(await tablesOf(card), [cli.workloads, ...cli.details]);
  const lines = cli.lines.length > 0 ? await card.getByTestId("warnings").locator("li").allTextContents() : [];
  assert.deepEqual(lines, cli.lines);

  // The CLI's terminal text has the same strings: every cell of every table.
  const text = runnerOutput(["summary", made.path]);
  for (const table of [cli.workloads, ...cli.details]) {
    for (const cell of table.rows.flatMap((row) => row.cells)) assert.ok(text.includes(cell), `${table.id}: ${cell}`);
  }
  assert.deepEqual(errors, []);
});
