// Drives Debian's chromium (playwright-core, no downloaded browser) to a page from one origin that
// calls the gateway on another, over TLS, and prints what the page got. Run by BrowserTest.
// Usage: node browser.mjs <pageUrl> <spki sha256 of the gateway's certificate, base64>
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [pageUrl, spki] = process.argv.slice(2);
const userDataDir = mkdtempSync(join(tmpdir(), "switchboard-chromium-"));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    // Trust exactly the test CA's gateway certificate, by its public key.
    `--ignore-certificate-errors-spki-list=${spki}`,
  ],
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  const protocols = new Set();
  cdp.on("Network.responseReceived", (e) => {
    if (e.response.url.startsWith("https://")) protocols.add(e.response.protocol);
  });
  page.on("console", (m) => console.error("page:", m.text()));
  await page.goto(pageUrl);
  await page.waitForFunction(() => window.result !== undefined, null, { timeout: 30000 });
  const result = await page.evaluate(() => window.result);
  result.protocols = [...protocols];
  console.log(JSON.stringify(result));
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
