// Drive Home Assistant's own UI in headless Chromium the way a person does, for the media journeys.
// Usage: node media_journeys.mjs <ha-url> <tokens.json> <plan.json> <screenshot dir>
// The plan is {"journeys": [...]}; each journey is one of
//   {"kind": "play", "name": ..., "path": [title, ...]}   Media -> click each title; the last plays
//   {"kind": "arm", "name": ..., "card": title}             arm away then disarm from the card
//   {"kind": "press", "name": ..., "button": text, "path": [title, ...]}
//                                                             press a button row, then open `path`
//   {"kind": "logbook", "name": ..., "expect": [text, ...]}  what the logbook card lists
//   {"kind": "toggle", "name": ..., "row": text}            switch a toggle row off, then on
// Prints one JSON line: {"journeys": {name: result}}; a journey that fails has "error".
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(process.env.CAMHUB_NODE_MODULES + "/");
const { chromium } = require("playwright-core");

const [url, tokensFile, planFile, shots] = process.argv.slice(2);
const tokens = JSON.parse(readFileSync(tokensFile, "utf8"));
const plan = JSON.parse(readFileSync(planFile, "utf8"));
const executablePath = process.env.CAMHUB_CHROMIUM || "/usr/bin/chromium";
const STEP_MS = 15000;

const browser = await chromium.launch({
  executablePath,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--autoplay-policy=no-user-gesture-required"],
});

// Click an item of the media browser by its exact title (Playwright's locators pierce the
// frontend's shadow roots) and wait until the browser shows that level or starts playing.
async function open(page, title) {
  // The card's title (its tooltip holds the same text but is hidden).
  const exact = new RegExp(`^\\s*${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*$`);
  const item = page.locator("ha-media-player-browse .title").filter({ hasText: exact }).first();
  try {
    await item.waitFor({ state: "visible", timeout: STEP_MS });
  } catch (err) {
    throw new Error(`no item "${title}" in the media browser`);
  }
  await item.click();
}

async function browseTo(page, path) {
  // From the sidebar, as a person gets there.
  if (!page.url().startsWith(url)) await page.goto(url, { waitUntil: "load" });
  await page.locator("ha-sidebar").getByText("Media", { exact: true }).first().click();
  await open(page, "CamHub");
  for (const title of path) await open(page, title);
}

// What the <video> of the player dialog does: sampled until it plays, then once more later.
async function playback(page) {
  const video = page.locator("video").first();
  await video.waitFor({ state: "attached", timeout: STEP_MS });
  const sample = () => video.evaluate((v) => ({
    currentTime: v.currentTime, readyState: v.readyState, videoWidth: v.videoWidth,
    videoHeight: v.videoHeight, paused: v.paused, error: v.error ? v.error.code : null,
    src: (v.currentSrc || v.src || "").replace(/authSig=[^&]+/, "authSig=…"),
  }));
  let first = await sample();
  for (let i = 0; i < 60 && !(first.readyState >= 2 && first.currentTime > 0); i++) {
    await page.waitForTimeout(250);
    first = await sample();
  }
  await page.waitForTimeout(1500);
  return { first, later: await sample() };
}

async function play(page, journey) {
  await browseTo(page, journey.path);
  const result = await playback(page);
  await page.screenshot({ path: `${shots}/${journey.name}.png` });
  await page.keyboard.press("Escape");
  return result;
}

async function arm(page, journey) {
  await page.goto(`${url}/camhub-demo/cameras`, { waitUntil: "load" });
  const card = page.locator("hui-alarm-panel-card").filter({ hasText: journey.card }).first();
  await card.waitFor({ state: "visible", timeout: STEP_MS });
  const seen = [];
  for (const [action, state] of [["Arm away", "Armed away"], ["Disarm", "Disarmed"]]) {
    await card.getByRole("button", { name: action, exact: true }).click();
    await card.getByText(state, { exact: true }).first().waitFor({ timeout: STEP_MS * 2 });
    seen.push(state);
    await page.screenshot({ path: `${shots}/${journey.name}-${seen.length}.png` });
  }
  return { seen };
}

async function press(page, journey) {
  await page.goto(`${url}/camhub-demo/cameras`, { waitUntil: "load" });
  const row = page.locator("hui-button-entity-row").filter({ hasText: journey.button }).first();
  await row.waitFor({ state: "visible", timeout: STEP_MS });
  const pressedAt = new Date().toISOString();
  await row.getByRole("button").first().click();
  // The press is a service call: wait for the button entity's state (last press) to move.
  await page.waitForTimeout(2000);
  await browseTo(page, journey.path);
  await page.waitForTimeout(500);
  const titles = await page.locator(".title").allInnerTexts();
  await page.screenshot({ path: `${shots}/${journey.name}.png` });
  return { pressedAt, titles };
}

// The dashboard's "Recent incidents" logbook card: how often each expected name shows.
async function logbook(page, journey) {
  await page.goto(`${url}/camhub-demo/cameras`, { waitUntil: "load" });
  const card = page.locator("hui-logbook-card").first();
  await card.waitFor({ state: "visible", timeout: STEP_MS });
  await card.scrollIntoViewIfNeeded();
  const found = {};
  for (let i = 0; i < 40; i++) {
    for (const text of journey.expect) found[text] = await card.getByText(text).count();
    if (journey.expect.every((text) => found[text] > 0)) break;
    await page.waitForTimeout(500);
  }
  await card.screenshot({ path: `${shots}/${journey.name}.png` });
  return { found };
}

// A toggle row of the dashboard's "Settings" card, clicked off and on again: what the switch
// shows after each click, once Home Assistant confirmed it.
async function toggle(page, journey) {
  await page.goto(`${url}/camhub-demo/cameras`, { waitUntil: "load" });
  const row = page.locator("hui-toggle-entity-row").filter({ hasText: journey.row }).first();
  await row.waitFor({ state: "visible", timeout: STEP_MS });
  await row.scrollIntoViewIfNeeded();
  // The row's ha-switch (Playwright's CSS locators pierce the shadow roots) and its state.
  const control = row.locator("ha-entity-toggle ha-switch").first();
  await control.waitFor({ state: "visible", timeout: STEP_MS });
  const checked = () => control.evaluate((el) => Boolean(el.checked));
  const seen = [await checked()];
  for (const want of [false, true]) {
    await control.click();
    for (let i = 0; i < 40 && (await checked()) !== want; i++) await page.waitForTimeout(250);
    seen.push(await checked());
    await row.screenshot({ path: `${shots}/${journey.name}-${seen.length - 1}.png` });
  }
  return { seen };
}

const kinds = { play, arm, press, logbook, toggle };
const results = {};
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await context.addInitScript((t) => {
    window.localStorage.setItem("hassTokens", JSON.stringify(t));
  }, { hassUrl: url, clientId: url + "/", token_type: "Bearer", expires: Date.now() + 1800e3, ...tokens });
  for (const journey of plan.journeys) {
    const page = await context.newPage();
    const started = Date.now();
    try {
      results[journey.name] = await kinds[journey.kind](page, journey);
    } catch (err) {
      await page.screenshot({ path: `${shots}/${journey.name}-failed.png` }).catch(() => {});
      results[journey.name] = { error: String(err).split("\n")[0] };
    }
    results[journey.name].seconds = (Date.now() - started) / 1000;
    await page.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify({ journeys: results }));
