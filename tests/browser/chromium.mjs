// Shared by the browser checks: Chromium launched as the issue asks, and a
// failure that reports, closes the browser and exits non-zero.
import { chromium } from "playwright-core";

export async function launch() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const fail = async (message) => {
    console.error("browser check failed: " + message);
    await browser.close();
    process.exit(1);
  };
  return { browser, fail };
}
