// Light and dark themes follow the system, with text and charts readable in both;
// every control shows keyboard focus; printing drops the controls and puts each
// report on a page of its own. Screenshots of each view, light and dark, are
// written to tests/e2e/artifacts/ (PERFPROOF_ARTIFACTS to change it).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { serveDist, launchBrowser, openApp, makeProfiles } from "./harness.mjs";

const artifacts = process.env.PERFPROOF_ARTIFACTS ?? join(import.meta.dirname, "artifacts");

let server;
let browser;
let baseline;
let optimized;

before(async () => {
  server = await serveDist();
  browser = await launchBrowser();
  ({ baseline, optimized } = await makeProfiles());
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function loadBoth(page) {
  await page.getByTestId("file-input").setInputFiles([baseline.path, optimized.path]);
  await page.getByTestId("grade").waitFor();
  await page.getByTestId("chart-spectrum").first().waitFor();
}

/** WCAG contrast ratio of two CSS colours, computed in the page. */
function contrastIn(page, pairs) {
  return page.evaluate((pairs) => {
    const probe = document.createElement("canvas").getContext("2d");
    const rgb = (css) => {
      probe.fillStyle = "#000";
      probe.fillStyle = css;
      const hex = probe.fillStyle; // normalised to #rrggbb for opaque colours
      return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
    };
    const luminance = (css) => {
      const [r, g, b] = rgb(css).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    return pairs.map(([a, b]) => {
      const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
      return (l1 + 0.05) / (l2 + 0.05);
    });
  }, pairs);
}

for (const scheme of ["light", "dark"]) {
  test(`the ${scheme} theme follows the system; text and charts are readable`, async () => {
    const page = await browser.newPage({ colorScheme: scheme });
    const errors = [];
    page.on("pageerror", (e) => errors.push(e));
    await page.goto(server.url);
    await loadBoth(page);
    const colours = await page.evaluate(() => {
      const style = (selector) => getComputedStyle(document.querySelector(selector));
      const chart = document.querySelector('[data-testid="chart-spectrum"]');
      const card = chart.closest(".card");
      const svg = chart.querySelector(".plot svg");
      return {
        page: style("body").backgroundColor,
        text: style("body").color,
        card: getComputedStyle(card).backgroundColor,
        muted: style(".meta").color,
        // Everything the chart writes and draws: text, axes, the two runs' lines.
        inks: [...new Set([...svg.querySelectorAll("text, line, polyline, path")]
          .map((e) => e.getAttribute("fill") !== "none" && e.tagName === "text" ? e.getAttribute("fill") : e.getAttribute("stroke"))
          .filter((c) => c && c !== "none"))],
        // A chart drawn on its own opaque background would not follow the theme.
        opaqueBackgrounds: [...svg.querySelectorAll("rect")].filter((r) => {
          const w = Number(r.getAttribute("width"));
          const fill = r.getAttribute("fill");
          return w >= 600 && fill && fill !== "none" && r.getAttribute("opacity") !== "0";
        }).length,
      };
    });
    const dark = (await contrastIn(page, [[colours.page, "#000000"]]))[0] < 3;
    assert.equal(dark, scheme === "dark", `page background ${colours.page}`);
    const [text, muted] = await contrastIn(page, [[colours.text, colours.card], [colours.muted, colours.card]]);
    assert.ok(text >= 7, `text contrast ${text}`);
    assert.ok(muted >= 4.5, `muted text contrast ${muted}`);
    assert.equal(colours.opaqueBackgrounds, 0);
    assert.ok(colours.inks.length >= 3, `${colours.inks}`);
    const inks = await contrastIn(page, colours.inks.map((ink) => [ink, colours.card]));
    for (const [i, ratio] of inks.entries()) {
      assert.ok(ratio >= 3, `chart colour ${colours.inks[i]} on ${colours.card}: contrast ${ratio.toFixed(2)}`);
    }
    assert.deepEqual(errors, []);
  });
}

test("every control shows keyboard focus, and Tab reaches each of them", async () => {
  const { page, errors } = await openApp(browser, server.url);
  await loadBoth(page);
  // Controls on show and enabled (a folded editor's or a disabled button is not a Tab stop).
  const controls = await page
    .locator("button, input, select, textarea, a[href], summary")
    .evaluateAll((all) => all.filter((e) => e.checkVisibility() && !e.disabled).length);
  const seen = [];
  for (let i = 0; i < 200; i++) {
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => {
      const e = document.activeElement;
      if (!e || e === document.body) return null;
      if (!e.dataset.focusSeen) e.dataset.focusSeen = String(Math.random());
      const style = getComputedStyle(e);
      return {
        id: e.dataset.focusSeen,
        what: `${e.tagName.toLowerCase()} ${e.getAttribute("data-testid") ?? e.getAttribute("aria-label") ?? e.className}`,
        control: e.matches("button, input, select, textarea, a[href], summary"),
        outline: style.outlineStyle,
        width: parseFloat(style.outlineWidth),
        visible: e.matches(":focus-visible"),
      };
    });
    if (!focused) continue;
    if (seen.some((s) => s.id === focused.id)) break; // wrapped around
    seen.push(focused);
  }
  for (const f of seen) {
    assert.ok(f.visible && f.outline !== "none" && f.width >= 2, `${f.what}: outline ${f.outline} ${f.width}px`);
  }
  assert.equal(seen.filter((f) => f.control).length, controls, seen.map((f) => f.what).join(", "));
  assert.deepEqual(errors, []);
});

test("print: no controls, the pair compared in words, one report per page", async () => {
  const { page, errors } = await openApp(browser, server.url);
  await loadBoth(page);
  await page.emulateMedia({ media: "print", colorScheme: "dark" });
  for (const selector of ["button", "input", "select", "textarea", "nav", '[data-testid="loaded"]']) {
    const shown = await page.locator(selector).evaluateAll((all) => all.filter((e) => e.checkVisibility()).length);
    assert.equal(shown, 0, selector);
  }
  assert.match(
    await page.getByTestId("print-pair").textContent(),
    /^baseline baseline \(report\.json\) → optimized optimized \(report\.json\)$/,
  );
  assert.ok(await page.getByTestId("print-pair").isVisible());
  const breaks = await page.getByTestId("report").evaluateAll((all) => all.map((e) => getComputedStyle(e).breakBefore));
  assert.deepEqual(breaks, ["page", "page"]);
  // Printed on white whatever the system's theme.
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), "rgb(255, 255, 255)");
  // The PDF: the analysis, then each report starting a page of its own.
  const pdf = (await page.pdf({ format: "A4" })).toString("latin1");
  const pages = pdf.match(/\/Type\s*\/Page\b/g).length;
  assert.ok(pages >= 3, `${pages} pages`);
  assert.deepEqual(errors, []);
});

for (const scheme of ["light", "dark"]) {
  test(`screenshots of each view, ${scheme}`, async () => {
    await mkdir(artifacts, { recursive: true });
    const page = await browser.newPage({ colorScheme: scheme, viewport: { width: 1200, height: 900 } });
    const errors = [];
    page.on("pageerror", (e) => errors.push(e));
    await page.goto(server.url);
    // Three reports, so that the history view has something to show.
    await page.getByTestId("file-input").setInputFiles([baseline.path, optimized.path]);
    await page.getByTestId("grade").waitFor();
    await page.getByTestId("file-input").setInputFiles([optimized.path]);
    await page.getByTestId("history").waitFor();
    // A screenshot takes in more than the window: draw now what the page draws
    // only once it is scrolled to (content-visibility: auto).
    await page.addStyleTag({ content: "* { content-visibility: visible !important; }" });
    for (const view of ["overview", "comparison", "charts", "cost", "history", "reports"]) {
      const section = page.locator(`#view-${view}`);
      await section.scrollIntoViewIfNeeded();
      const path = join(artifacts, `view-${view}-${scheme}.png`);
      await section.screenshot({ path });
      assert.ok((await stat(path)).size > 1000, path);
    }
    await page.screenshot({ path: join(artifacts, `page-${scheme}.png`), fullPage: true });
    assert.deepEqual(errors, []);
  });
}
