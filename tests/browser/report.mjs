// Opens a reprint HTML report in headless Chromium and checks, as a reader
// would see it: the seeds' link shows each shared passage highlighted on
// both sides, and clicking a passage scrolls the other side to its copy.
// Usage: node report.mjs REPORT.html SCREENSHOT.png
import { launch } from "./chromium.mjs";

const [report, screenshot] = process.argv.slice(2);
const { browser, fail } = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const requests = [];
  page.on("request", (r) => { if (!r.url().startsWith("file:")) requests.push(r.url()); });
  await page.goto("file://" + report);
  const link = page.locator("section.link", { hasText: "000_85676adcdf0feb57.txt ~ 004_d7de4594d4d3c26f.txt" });
  if (await link.count() !== 1) await fail("no link between the two seeds");
  const classesOf = async (side) => link.locator(`.${side} mark`).evaluateAll((marks) =>
    [...new Set(marks.map((m) => [...m.classList].find((c) => /^p\d+$/.test(c))))].sort());
  const a = await classesOf("side-a"), b = await classesOf("side-b");
  if (a.length !== 3 || JSON.stringify(a) !== JSON.stringify(b)) {
    await fail(`passage classes differ or are not three: ${a} / ${b}`);
  }
  for (const needle of ["activists have accused Moscow", "commander-in-chief", "Defence ties between"]) {
    const hit = link.locator(".side-a mark", { hasText: needle });
    if (await hit.count() < 1) await fail(`"${needle}" is not highlighted in the first story`);
  }
  // Click the last passage on side a; its copy on side b must scroll into view.
  const marks = link.locator(".side-a mark");
  const last = marks.nth((await marks.count()) - 1);
  const otherId = await last.getAttribute("data-other");
  const inView = () => page.evaluate((id) => {
    const el = document.getElementById(id);
    const box = el.closest(".doc").getBoundingClientRect();
    const r = el.getBoundingClientRect();
    return r.top >= box.top && r.bottom <= box.bottom + 1 && r.top < window.innerHeight && r.bottom > 0;
  }, otherId);
  // The copy starts out of view (near the end of the other story) …
  if (await inView()) await fail(`${otherId} is already in view before the click; the check would prove nothing`);
  await last.click();
  await page.waitForTimeout(800);
  // … and is in view after the click.
  if (!(await inView())) await fail(`clicking a passage did not scroll ${otherId} into view`);
  if (requests.length) await fail("network requests: " + requests.join(", "));
  await page.screenshot({ path: screenshot, fullPage: false });
  console.log("browser check passed; screenshot " + screenshot);
} catch (e) {
  await fail(String(e));
}
await browser.close();
