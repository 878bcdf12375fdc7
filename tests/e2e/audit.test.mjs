// What a new user found (issue 12, item 8), checked: cost inputs refuse negative
// and empty values and say which value is still used; the database cost is an
// input and the 30 days are broken down by item; a grade's colour follows it;
// names from a report are text, never markup; a 20 MB file of random bytes, a
// non-JSON file, a truncated report and a report whose histogram claims billions
// of bytes are errors and the page keeps working; the empty page says how
// to make a report and offers two samples; the verdict words are explained.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { deflateSync } from "node:zlib";
import { join } from "node:path";
import { useApp, openPair, openApp, makeProfiles, runnerOutput } from "./harness.mjs";

const ctx = useApp(() => makeProfiles());

test("cost inputs refuse negative and empty values, saying which value is still used", async () => {
  const { page, errors } = await openPair(ctx);
  const cost = await page.getByTestId("cost").textContent();
  for (const [id, bad] of [["requests-per-day", "-5"], ["growth", "-100"], ["requests-per-day", ""]]) {
    await page.getByTestId(id).fill(bad);
    await page.getByTestId(id).dispatchEvent("change");
    const error = page.getByTestId("cost-input-error");
    await error.waitFor();
    assert.match(await error.textContent(), bad === "" ? /is empty: enter a number of 0 or more\. The cost still uses \d/ : /cannot be -\d+: enter a number of 0 or more/);
    assert.equal(await page.getByTestId(id).getAttribute("aria-invalid"), "true");
    assert.equal(await page.getByTestId("cost").textContent(), cost);
    // A good value clears the error.
    await page.getByTestId(id).fill(id === "growth" ? "5" : "50000000");
    await page.getByTestId(id).dispatchEvent("change");
    await page.getByTestId("cost-input-error").waitFor({ state: "detached" });
  }
  assert.deepEqual(errors, []);
});

test("the database price is an input, and the 30 days are broken down by item as the CLI prices them", async () => {
  const { page, errors } = await openPair(ctx);
  const expected = JSON.parse(runnerOutput(["compare", ctx.baseline.path, ctx.optimized.path, "--json"]));
  const breakdown = page.getByTestId("cost-breakdown");
  const database = breakdown.locator("tr", { hasText: "database" });
  const usd = (v) => `$${v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  assert.equal(await database.locator('td[data-run="baseline"]').textContent(), usd(expected.cost.baseline.breakdown.database));
  assert.equal(await database.locator('td[data-run="optimized"]').textContent(), usd(expected.cost.optimized.breakdown.database));
  assert.match(await page.getByTestId("database-price").locator("..").textContent(), /default 0\.34/);
  const before = await page.getByTestId("cost").textContent();
  await page.getByTestId("database-price").fill("10");
  await page.getByTestId("database-price").dispatchEvent("change");
  await page.waitForFunction((b) => document.querySelector('[data-testid="cost"]').textContent !== b, before);
  assert.equal(await database.locator('td[data-run="baseline"]').textContent(), usd(10 * 24 * 30));
  assert.deepEqual(errors, []);
});

/** The colour class of a grade: green for A+ and A, amber for B+ and B, red below. */
const gradeColour = (grade) =>
  ({ "A+": "good", A: "good", "B+": "warn", B: "warn", C: "bad", D: "bad" })[grade] ?? "muted";

test("the grade's colour follows the grade, also when no traffic changes it", async () => {
  const { page, errors } = await openPair(ctx);
  const look = async () => {
    const grade = page.getByTestId("grade");
    return { grade: await grade.textContent(), classes: await grade.getAttribute("class"), colour: await grade.evaluate((e) => getComputedStyle(e).color) };
  };
  const first = await look();
  assert.equal(first.classes, `grade ${gradeColour(first.grade)}`);
  const roi = await page.getByTestId("view-cost").textContent();
  await page.getByTestId("requests-per-day").fill("0");
  await page.getByTestId("requests-per-day").dispatchEvent("change");
  await page.waitForFunction((r) => document.querySelector('[data-testid="view-cost"]').textContent !== r, roi);
  const then = await look();
  assert.equal(then.classes, `grade ${gradeColour(then.grade)}`);
  assert.equal(then.colour === first.colour, gradeColour(then.grade) === gradeColour(first.grade), `${first.grade} ${first.colour} → ${then.grade} ${then.colour}`);
  assert.deepEqual(errors, []);
});

test("a report's label and workload names are shown as text, never run as markup", async () => {
  const hostile = ['<img src=x onerror=alert(1)>', '"><script>alert(1)</script>'];
  const renamed = async (file, label) => {
    const report = JSON.parse(await readFile(file.path, "utf8"));
    report.run.label = label;
    for (const w of report.workloads) Object.values(w)[0].name = hostile[1];
    const path = join(file.dir, "hostile.json");
    await writeFile(path, JSON.stringify(report));
    return path;
  };
  const { page, errors } = await openApp(ctx.browser, ctx.server.url);
  const dialogs = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    d.dismiss();
  });
  await page.getByTestId("file-input").setInputFiles(await renamed(ctx.baseline, hostile[0]));
  await page.getByTestId("report").waitFor();
  await page.getByTestId("file-input").setInputFiles(await renamed(ctx.optimized, hostile[1]));
  await page.getByTestId("grade").waitFor();
  await page.getByTestId("chart-spectrum").first().waitFor();
  assert.ok((await page.getByTestId("label").allTextContents()).includes(hostile[0]));
  assert.match(await page.getByTestId("workload").first().locator("th").textContent(), /<script>alert\(1\)<\/script>/);
  assert.equal(await page.locator("img[src=x], main script").count(), 0);
  assert.match(await page.getByTestId("chart-spectrum").first().locator("svg").textContent(), /<script>alert/);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(errors, []);
});

/**
 * `size` pseudo-random bytes from a fixed seed (xorshift32), the same every run,
 * starting with a byte no JSON text starts with (so the error is at line 1).
 */
function noise(size) {
  const bytes = Buffer.alloc(size);
  let x = 2463534242;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  bytes[0] = 0xff;
  return bytes;
}

test("a 20 MB file of random bytes and a truncated report are errors, and the page keeps working", async () => {
  const random = join(ctx.baseline.dir, "random.json");
  await writeFile(random, noise(20 * 1024 * 1024));
  const truncated = join(ctx.baseline.dir, "truncated.json");
  const text = await readFile(ctx.baseline.path, "utf8");
  await writeFile(truncated, text.slice(0, Math.floor(text.length / 2)));
  const { page, errors } = await openApp(ctx.browser, ctx.server.url);
  await page.getByTestId("file-input").setInputFiles([random, truncated]);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="report-error"]').length === 2);
  const messages = await page.getByTestId("report-error").allTextContents();
  assert.ok(messages.some((m) => /random\.json.*not valid JSON at line 1/s.test(m)), messages.join("\n"));
  assert.ok(messages.some((m) => /truncated\.json.*(EOF|end of)/si.test(m)), messages.join("\n"));
  await page.getByTestId("file-input").setInputFiles([ctx.baseline.path, ctx.optimized.path]);
  await page.getByTestId("grade").waitFor();
  assert.deepEqual(errors, []);
});

/**
 * An HdrHistogram V2 histogram, compressed as perfproof writes them (cookie,
 * length, zlib), whose header claims a payload of 4 GB and which holds 2 bytes:
 * read as claimed, it would allocate 4 GB before finding out.
 */
function histogramClaimingBillions() {
  const plain = Buffer.alloc(42);
  plain.writeUInt32BE(0x1c849313, 0); // V2 cookie
  plain.writeUInt32BE(0xffffffff, 4); // payload length
  plain.writeUInt32BE(0, 8); // normalizing offset
  plain.writeUInt32BE(5, 12); // significant digits
  plain.writeBigUInt64BE(1n, 16); // lowest value
  plain.writeBigUInt64BE(2n ** 62n, 24); // highest value
  plain.writeDoubleBE(1.0, 32); // integer to double ratio
  plain.writeUInt16BE(0x0202, 40); // one count
  const zlib = deflateSync(plain);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(0x1c849314, 0);
  head.writeUInt32BE(zlib.length, 4);
  return Buffer.concat([head, zlib]).toString("base64");
}

test("a non-JSON file and a report whose histogram claims billions of bytes are errors naming the field", async () => {
  const csv = join(ctx.baseline.dir, "results.csv");
  await writeFile(csv, "metric,value\nlatency_p95,12.5\n");
  const report = JSON.parse(await readFile(ctx.baseline.path, "utf8"));
  report.workloads[0].http.result.stats.latency.histogram = histogramClaimingBillions();
  const claiming = join(ctx.baseline.dir, "claiming.json");
  await writeFile(claiming, JSON.stringify(report));
  const { page, errors } = await openApp(ctx.browser, ctx.server.url);
  await page.getByTestId("file-input").setInputFiles([csv, claiming]);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="report-error"]').length === 2);
  const messages = await page.getByTestId("report-error").allTextContents();
  assert.ok(messages.some((m) => /results\.csv.*not valid JSON at line 1/s.test(m)), messages.join("\n"));
  assert.ok(
    messages.some((m) => /claiming\.json.*workloads\[0\].*latency.*claims a payload of 4294967295 bytes but holds 2/s.test(m)),
    messages.join("\n"),
  );
  await page.getByTestId("file-input").setInputFiles([ctx.baseline.path, ctx.optimized.path]);
  await page.getByTestId("grade").waitFor();
  assert.deepEqual(errors, []);
});

test("the empty page offers the sample reports, which are analysed", async () => {
  const { page, errors } = await openApp(ctx.browser, ctx.server.url);
  await page.getByTestId("load-samples").click();
  await page.getByTestId("grade").waitFor();
  assert.deepEqual(await page.getByTestId("loaded-label").allTextContents(), ["optimized", "baseline"]);
  assert.equal(await page.getByTestId("report-error").count(), 0);
  assert.deepEqual(errors, []);
});

test("the empty page says how to make a report; the verdict words are explained", async () => {
  const { page, errors } = await openApp(ctx.browser, ctx.server.url);
  assert.match(await page.getByTestId("empty-hint").textContent(), /perfproof demo/);
  await page.getByTestId("file-input").setInputFiles([ctx.baseline.path, ctx.optimized.path]);
  await page.getByTestId("empty-hint").waitFor({ state: "detached" });
  const glossary = page.getByTestId("glossary");
  await glossary.locator("summary").click();
  const text = await glossary.textContent();
  for (const word of ["factor", "not tested", "insufficient data", "inconclusive"]) assert.ok(text.includes(word), word);
  // Metrics read in words beside their keys.
  await page.getByTestId("filter-shown").selectOption("every");
  const row = page.locator('[data-testid="metric"][data-key="http.demo.latency.p99_9"]');
  assert.equal(await row.locator(".metric-name").textContent(), "http demo: latency p99.9");
  assert.deepEqual(errors, []);
});
