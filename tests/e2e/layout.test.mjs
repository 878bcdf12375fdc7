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

test("no chart's legend covers its data", async () => {
  const page = await ctx.browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(ctx.server.url);
  await page.getByTestId("file-input").setInputFiles([join(samples, "baseline.json"), join(samples, "optimized.json")]);
  await page.getByTestId("analysis").waitFor();
  const charts = await page.locator("figure.chart").evaluateAll((figures) =>
    figures.map((figure) => {
      const svg = figure.querySelector("svg");
      const elements = [...svg.querySelectorAll("*")];
      const legend = elements.findIndex((e) => e.tagName === "rect" && e.getAttribute("fill-opacity") === "0.12");
      const box = elements[legend];
      const [x, y, w, h] = ["x", "y", "width", "height"].map((a) => Number(box.getAttribute(a)));
      const inside = ([px, py]) => px >= x && px <= x + w && py >= y && py <= y + h;
      // The data: the series' dots and rings, and their lines (2 px wide), drawn before the legend.
      const points = [];
      for (const e of elements.slice(0, legend)) {
        if (e.tagName === "circle") points.push([Number(e.getAttribute("cx")), Number(e.getAttribute("cy"))]);
        if (e.tagName === "polyline" && e.getAttribute("stroke-width") === "2") {
          const vertices = e.getAttribute("points").trim().split(/\s+/).map((p) => p.split(",").map(Number));
          for (let i = 1; i < vertices.length; i++) {
            const [[x0, y0], [x1, y1]] = [vertices[i - 1], vertices[i]];
            const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) / 2));
            for (let s = 0; s <= steps; s++) points.push([x0 + ((x1 - x0) * s) / steps, y0 + ((y1 - y0) * s) / steps]);
          }
        }
      }
      return { title: figure.dataset.testid, points: points.length, covered: points.filter(inside).length };
    }),
  );
  assert.ok(charts.length >= 10 && charts.every((c) => c.points > 0), JSON.stringify(charts));
  for (const chart of charts) assert.equal(chart.covered, 0, `${chart.title}: the legend covers ${chart.covered} of ${chart.points} data points`);
  await page.close();
});
