// Opens the report of a corpus with many links in headless Chromium and
// checks the paging a reader uses: one page of cards at a time, Next shows
// the following cards, the table of all links shows 100 rows a page, the
// search box filters the table, and a row's number jumps to its card on
// whatever page it is.
// Usage: node pages.mjs REPORT.html LINKS
import { launch } from "./chromium.mjs";

const [report, linksArg] = process.argv.slice(2);
const links = Number(linksArg);
const { browser, fail } = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto("file://" + report);
  const visibleCards = () => page.locator("#link-pages section.link:visible").evaluateAll((s) => s.map((e) => e.id));
  const cards = Math.min(links, 500);
  let shown = await visibleCards();
  if (shown.length !== Math.min(cards, 20) || shown[0] !== "link-0") await fail(`first page shows ${shown}`);
  const pager = page.locator(".pager").first();
  const label = await pager.locator("span").textContent();
  if (label !== `page 1 of ${Math.ceil(cards / 20)}`) await fail(`pager says "${label}"`);
  await pager.getByText("Next ›").click();
  shown = await visibleCards();
  if (shown[0] !== "link-20") await fail(`Next shows ${shown[0]}`);

  // The table of every link: 100 rows a page.
  const rows = page.locator("#links-table tbody tr");
  if (await rows.count() !== Math.min(links, 100)) await fail(`table shows ${await rows.count()} rows`);
  // Filtering by a document id keeps only rows naming it.
  const id = await rows.nth(3).locator("td").nth(1).textContent();
  await page.fill("#q", id);
  const names = await rows.evaluateAll((trs) => trs.map((tr) => tr.cells[1].textContent + " " + tr.cells[2].textContent));
  if (!names.length || names.some((n) => !n.includes(id))) await fail(`filter "${id}" left ${names}`);
  if (await pager.isVisible()) await fail("the card pager is still shown while filtering");
  await page.fill("#q", "no document has this id");
  const none = await rows.allTextContents();
  if (none.length !== 1 || !none[0].includes("Nothing matches")) await fail(`a filter matching nothing shows ${none}`);
  await page.fill("#q", "");
  if (await rows.count() !== Math.min(links, 100)) await fail("clearing the filter did not restore the table");

  // A row's number jumps to its card, opening the card's page.
  const target = Math.min(cards - 1, 45);
  await page.locator(`#links-table a[href="#link-${target}"]`).click();
  await page.waitForTimeout(300);
  const inView = await page.evaluate((id) => {
    const el = document.getElementById(id);
    const r = el.getBoundingClientRect();
    return el.offsetParent !== null && r.bottom > 0 && r.top < window.innerHeight;
  }, `link-${target}`);
  if (!inView) await fail(`link-${target} is not shown after clicking its row`);
  console.log("paging check passed");
} catch (e) {
  await fail(String(e));
}
await browser.close();
