// Opens the report of a dated corpus in headless Chromium and checks what a
// reader sees of provenance: the link card's arrow from the earlier story,
// each side's source and date, and the passage's timeline — its first
// appearance, then each repost by date with its lag, undated copies last.
// Usage: node timeline.mjs REPORT.html
import { launch } from "./chromium.mjs";

const [report] = process.argv.slice(2);
const { browser, fail } = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto("file://" + report);
  const link = page.locator("section.link", { hasText: "paper ~ wire" });
  if (await link.count() !== 1) await fail("no link between the paper and the wire");
  // Cards use `content-visibility: auto`: one off screen may not be rendered
  // yet, and innerText of an unrendered element can read "" — so the card is
  // scrolled into view and its words read as text content, which does not
  // depend on when Chromium paints.
  await link.scrollIntoViewIfNeeded();
  const arrow = ((await link.locator("h3 .arrow").textContent()) ?? "").trim();
  if (arrow !== "wire → paper, 3 h later") await fail(`arrow reads "${arrow}"`);
  const about = (await link.locator("h4 .about").allTextContents()).map((t) => t.trim());
  if (JSON.stringify(about) !== JSON.stringify(["daily · 2024-05-01T11:00:00Z", "agency · 2024-05-01T08:00:00Z"])) {
    await fail(`sides say ${JSON.stringify(about)}`);
  }
  const timeline = link.locator("ol.timeline");
  if (await timeline.count() !== 1) await fail("no timeline under the shared passage");
  if (!(await timeline.isVisible())) await fail("the timeline is not visible");
  const rows = await timeline.locator("li").evaluateAll((items) => items.map((li) => ({
    cls: li.className,
    doc: li.querySelector("b").textContent,
    lag: li.querySelector(".lag").textContent,
    date: li.querySelector("time")?.getAttribute("datetime") ?? null,
  })));
  const expected = [
    { cls: "first", doc: "wire", lag: "first", date: "2024-05-01T08:00:00Z" },
    { cls: "repost", doc: "paper", lag: "+3 h", date: "2024-05-01T11:00:00Z" },
    { cls: "repost", doc: "blog", lag: "+40 h", date: "2024-05-03T00:00:00Z" },
    { cls: "undated", doc: "undated", lag: "undated", date: null },
  ];
  if (JSON.stringify(rows) !== JSON.stringify(expected)) {
    await fail(`timeline rows ${JSON.stringify(rows)}`);
  }
  console.log("timeline ok");
} finally {
  await browser.close();
}
