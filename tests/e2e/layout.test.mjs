// The layout at a phone's, a laptop's and a desktop's width: every table of the
// analysis and of the report cards fits its card or scrolls inside it, so no column
// is cut at the card's edge (the views are painted contained, which would clip a
// table wider than its card), and each verdict can be scrolled into sight.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { useApp } from "./harness.mjs";

const ctx = useApp();
const samples = resolve(import.meta.dirname, "..", "..", "static", "samples");

for (const width of [390, 1280, 1920]) {
  test(`at ${width} px every table fits or scrolls inside its card`, async () => {
    const page = await ctx.browser.newPage({ viewport: { width, height: 900 } });
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(ctx.server.url);
    await page.getByTestId("file-input").setInputFiles([join(samples, "baseline.json"), join(samples, "optimized.json")]);
    await page.getByTestId("analysis").waitFor();
    await page.getByTestId("filter-shown").selectOption("every");
    const tables = await page.evaluate(() =>
      [...document.querySelectorAll(".table-scroll")].map((scroller) => {
        const card = scroller.closest(".card");
        const table = scroller.querySelector("table");
        const [s, c] = [scroller.getBoundingClientRect(), card.getBoundingClientRect()];
        return {
          what: table.className || scroller.closest("section")?.dataset.testid,
          inside: s.left >= c.left - 1 && s.right <= c.right + 1,
          scrolls: getComputedStyle(scroller).overflowX === "auto",
          whole: scroller.scrollWidth >= table.getBoundingClientRect().width - 1,
        };
      }),
    );
    assert.ok(tables.some((t) => t.what === "comparison") && tables.length > 4, JSON.stringify(tables));
    for (const t of tables) assert.ok(t.inside && t.scrolls && t.whole, `${width} px: ${JSON.stringify(t)}`);
    // The last row's verdict, scrolled to, shows inside the card.
    const verdict = page.locator('[data-testid="metric"]').last().getByTestId("verdict");
    await verdict.scrollIntoViewIfNeeded();
    const [v, card] = await Promise.all([
      verdict.boundingBox(),
      page.locator(".card", { has: page.locator("table.comparison") }).boundingBox(),
    ]);
    assert.ok(v.x >= card.x - 1 && v.x + v.width <= card.x + card.width + 1, `${width} px: verdict at ${JSON.stringify(v)}, card ${JSON.stringify(card)}`);
    assert.deepEqual(errors, []);
    await page.close();
  });
}
