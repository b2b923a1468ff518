// Open a CamHub dashboard view in headless Chromium as the demo user, measure what a person
// sees, and save a screenshot.
// Usage: node screenshot.mjs <ha-url> <tokens.json> <dashboard/view path> <out.png> [options.json]
// Options (JSON text): {"live": [entity_id, ...]} opens each camera's more-info dialog from
// its card and measures its live view (<video> or MJPEG <img>), one at a time;
// {"offline": {"post": <url>, "entity": <entity_id>}} then POSTs to the simulator's control
// URL and watches, in this page, until the entity turns unavailable.
// Prints one JSON line: {images, videos, mjpeg, live, offline}.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(process.env.CAMHUB_NODE_MODULES + "/");
const { chromium } = require("playwright-core");

const [url, tokensFile, viewPath, out, optionsText] = process.argv.slice(2);
const options = JSON.parse(optionsText || "{}");
const tokens = JSON.parse(readFileSync(tokensFile, "utf8"));
const executablePath = process.env.CAMHUB_CHROMIUM || "/usr/bin/chromium";

// Runs in the page: every camera or image-entity picture, video and MJPEG stream, with the
// entity it shows.
function measure(top = document) {
  const spreadOf = (el, w, h) => {
    // How varied the pixels are: a blank or single-colour picture scores ~0.
    const canvas = document.createElement("canvas");
    canvas.width = 64; canvas.height = 36;
    const ctx = canvas.getContext("2d");
    ctx.drawImage(el, 0, 0, 64, 36);
    const data = ctx.getImageData(0, 0, 64, 36).data;
    let sum = 0, sq = 0, n = 0, hash = 0;
    for (let i = 0; i < data.length; i += 4) {
      const y = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
      sum += y; sq += y * y; n++;
      hash = (hash * 31 + Math.round(y / 8)) % 1000000007;
    }
    return { spread: Math.sqrt(sq / n - (sum / n) ** 2), hash };
  };
  const found = { images: [], videos: [], mjpeg: [] };
  const walk = (root, entity) => {
    for (const el of root.querySelectorAll("*")) {
      let here = entity;
      if (el.stateObj && el.stateObj.entity_id && el.tagName === "HA-CAMERA-STREAM") {
        here = el.stateObj.entity_id;
      }
      if (el.tagName === "IMG" && /camera_proxy|image_proxy/.test(el.src || "")) {
        const ok = el.complete && el.naturalWidth > 0;
        const pixels = ok ? spreadOf(el) : { spread: 0, hash: 0 };
        const stream = el.src.includes("camera_proxy_stream");
        const id = (el.src.match(/(?:camera_proxy(?:_stream)?|image_proxy)\/([^?]+)/) || [])[1] || here || "";
        const item = { entity: id, w: el.naturalWidth, h: el.naturalHeight, complete: el.complete, ...pixels };
        (stream ? found.mjpeg : found.images).push(item);
      }
      if (el.tagName === "VIDEO") {
        found.videos.push({
          entity: here || "", kind: el.srcObject ? "webrtc" : "hls",
          time: el.currentTime, ready: el.readyState, w: el.videoWidth, h: el.videoHeight,
        });
      }
      if (el.shadowRoot) walk(el.shadowRoot, here);
    }
  };
  walk(top, "");
  return found;
}

// Click a camera's card as a person does: the more-info dialog opens with its live view.
async function openMoreInfo(page, entity) {
  const card = await page.evaluateHandle((id) => {
    const find = (root) => {
      for (const el of root.querySelectorAll("*")) {
        if (el.tagName === "HUI-PICTURE-ENTITY-CARD" && el._config?.entity === id) return el;
        const inner = el.shadowRoot && find(el.shadowRoot);
        if (inner) return inner;
      }
      return null;
    };
    return find(document);
  }, entity);
  await card.asElement().click();
}

// The live view in the more-info dialog: wait for decoded frames, then look twice, two
// seconds apart (playing video advances; a live MJPEG picture changes).
async function watchLive(page, entity, shot) {
  await openMoreInfo(page, entity);
  const inDialog = () => page.evaluate((measureText) => {
    const dialog = (function find(root) {
      for (const el of root.querySelectorAll("*")) {
        if (el.tagName === "HA-MORE-INFO-DIALOG") return el;
        const inner = el.shadowRoot && find(el.shadowRoot);
        if (inner) return inner;
      }
      return null;
    })(document);
    if (!dialog) return null;
    const measure = eval(`(${measureText})`);
    return measure(dialog.shadowRoot || dialog);
  }, measure.toString());
  let first = null;
  for (let i = 0; i < 60; i++) {
    first = await inDialog();
    const video = first?.videos.find((v) => v.ready >= 2 && v.w > 0);
    const mjpeg = first?.mjpeg.find((m) => m.complete && m.w > 0);
    if (video || mjpeg) break;
    await page.waitForTimeout(500);
  }
  await page.waitForTimeout(2000);
  const later = await inDialog();
  await page.screenshot({ path: shot });
  await page.keyboard.press("Escape");
  await page.waitForTimeout(500);
  const video = first?.videos[0];
  const mjpeg = first?.mjpeg[0];
  return {
    video: video ? { ...video, later: later?.videos[0]?.time ?? video.time } : null,
    mjpeg: mjpeg ? { ...mjpeg, laterHash: later?.mjpeg[0]?.hash ?? mjpeg.hash } : null,
  };
}

const browser = await chromium.launch({
  executablePath,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--autoplay-policy=no-user-gesture-required"],
});
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await context.addInitScript((t) => {
    window.localStorage.setItem("hassTokens", JSON.stringify(t));
  }, { hassUrl: url, clientId: url + "/", token_type: "Bearer", expires: Date.now() + 1800e3, ...tokens });
  const page = await context.newPage();
  await page.goto(`${url}/${viewPath}`, { waitUntil: "load" });
  let seen = { images: [], videos: [], mjpeg: [] };
  for (let i = 0; i < 90; i++) {
    seen = await page.evaluate(measure);
    // Wait until every picture finished loading (a camera without a picture ends broken).
    if (seen.images.length > 0 && seen.images.every((img) => img.complete && img.w > 0)) break;
    await page.waitForTimeout(500);
  }
  await page.waitForTimeout(1000);
  await page.screenshot({ path: out, fullPage: true });
  const result = { ...seen, live: {}, offline: null };
  for (const entity of options.live || []) {
    result.live[entity] = await watchLive(page, entity, out.replace(/\.png$/, `-${entity}.png`));
  }
  if (options.offline) {
    const { post, entity } = options.offline;
    const posted = Date.now();
    const answer = await fetch(post, { method: "POST" });
    let state = null, card = "";
    for (let i = 0; i < 120 && state !== "unavailable"; i++) {
      await page.waitForTimeout(500);
      // What this page's own connection to Home Assistant holds, and what the card says.
      ({ state, card } = await page.evaluate((id) => {
        const ha = document.querySelector("home-assistant");
        const text = [];
        const walk = (root) => {
          for (const el of root.querySelectorAll("hui-picture-entity-card")) {
            if (el._config && el._config.entity === id) text.push(el.shadowRoot?.textContent || "");
          }
          for (const el of root.querySelectorAll("*")) if (el.shadowRoot) walk(el.shadowRoot);
        };
        walk(document);
        return { state: ha?.hass?.states?.[id]?.state ?? null, card: text.join(" ").replace(/\s+/g, " ").trim() };
      }, entity));
    }
    const seen = Date.now();
    result.offline = { status: answer.status, state, card, posted, seen, seconds: (seen - posted) / 1000 };
    await page.screenshot({ path: out.replace(/\.png$/, "-offline.png"), fullPage: true });
  }
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}
