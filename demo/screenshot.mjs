// Open a CamHub dashboard view in headless Chromium as the demo user and save a screenshot.
// Usage: node screenshot.mjs <ha-url> <tokens.json> <dashboard/view path> <out.png>
// Prints one JSON line: how many camera images rendered and their natural sizes.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(process.env.CAMHUB_NODE_MODULES + "/");
const { chromium } = require("playwright-core");

const [url, tokensFile, viewPath, out] = process.argv.slice(2);
const tokens = JSON.parse(readFileSync(tokensFile, "utf8"));
const executablePath = process.env.CAMHUB_CHROMIUM || "/usr/bin/chromium";

const browser = await chromium.launch({
  executablePath,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await context.addInitScript((t) => {
    window.localStorage.setItem("hassTokens", JSON.stringify(t));
  }, { hassUrl: url, clientId: url + "/", token_type: "Bearer", expires: Date.now() + 1800e3, ...tokens });
  const page = await context.newPage();
  await page.goto(`${url}/${viewPath}`, { waitUntil: "load" });
  // Camera cards render <img> elements inside shadow roots; wait until some have pixels.
  const collect = () => page.evaluate(() => {
    const found = [];
    const walk = (root) => {
      for (const el of root.querySelectorAll("*")) {
        if (el.tagName === "IMG" && (el.src || "").includes("camera_proxy")) {
          // Measure how varied the pixels are: a blank or single-colour image scores ~0.
          let spread = 0;
          if (el.complete && el.naturalWidth > 0) {
            const canvas = document.createElement("canvas");
            canvas.width = 64; canvas.height = 36;
            const ctx = canvas.getContext("2d");
            ctx.drawImage(el, 0, 0, 64, 36);
            const data = ctx.getImageData(0, 0, 64, 36).data;
            let sum = 0, sq = 0, n = 0;
            for (let i = 0; i < data.length; i += 4) {
              const y = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
              sum += y; sq += y * y; n++;
            }
            spread = Math.sqrt(sq / n - (sum / n) ** 2);
          }
          const entity = (el.src.match(/camera_proxy\/([^?]+)/) || [])[1] || "";
          found.push({ entity, w: el.naturalWidth, h: el.naturalHeight, complete: el.complete, spread });
        }
        if (el.shadowRoot) walk(el.shadowRoot);
      }
    };
    walk(document);
    return found;
  });
  let images = [];
  for (let i = 0; i < 60; i++) {
    images = await collect();
    // Wait until every image finished loading (a camera without a snapshot ends broken).
    if (images.length > 0 && images.every((img) => img.complete)) break;
    await page.waitForTimeout(500);
  }
  await page.waitForTimeout(1000);
  await page.screenshot({ path: out, fullPage: true });
  console.log(JSON.stringify({ images }));
} finally {
  await browser.close();
}
