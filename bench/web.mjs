// Times the web page (web/, issue 14) from its built folder on a local static server, in Debian's
// Chromium: `npm run bench:web` (builds first). Prints, as medians over --runs fresh pages:
//   interactive: navigation start to the panel wired (body[data-ready], the main script has run);
//   engine ready: navigation start to the first diagnosis answered (the worker has compiled the WASM);
//   seed diagnose: request to drawn answer for the seed report, measured in the page (data-drawn-ms: the
//   worker, both messages and the DOM built), first and warm, and the worker's own time (data-ms).
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { headerLine, median, openSite, ROOT } from "./web-site.mjs";

const { values } = parseArgs({ options: { runs: { type: "string", default: "7" } } });
const RUNS = Number(values.runs);
const SEED = readFileSync(path.join(ROOT, "test", "fixtures", "seed-article-oom-report.txt"), "utf8");

const { origin, browser, close } = await openSite();

const done = (prev) =>
  document.getElementById("diagnose")?.dataset.state === "done" && document.getElementById("json").textContent !== prev;
const rows = { interactive: [], engineReady: [], seedFirst: [], seedWall: [], seedWorker: [] };
for (let i = 0; i < RUNS; i++) {
  const page = await browser.newPage();
  await page.goto(`${origin}/`, { waitUntil: "commit" });
  await page.waitForSelector("body[data-ready]");
  const nav = await page.evaluate(() => performance.now());
  rows.interactive.push(nav);
  await page.fill("#report", SEED);
  await page.click("#run");
  await page.waitForFunction(done, "");
  rows.engineReady.push(await page.evaluate(() => performance.now()));
  rows.seedFirst.push(Number(await page.getAttribute("#diagnose", "data-drawn-ms")));
  for (let k = 0; k < 5; k++) {
    const prev = await page.textContent("#json");
    await page.evaluate(() => {
      document.getElementById("json").textContent = "";
    });
    await page.click("#run");
    await page.waitForFunction(done, "");
    if ((await page.textContent("#json")) !== prev) throw new Error("the seed's JSON changed between runs");
    rows.seedWall.push(Number(await page.getAttribute("#diagnose", "data-drawn-ms")));
    rows.seedWorker.push(Number(await page.getAttribute("#diagnose", "data-ms")));
  }
  await page.close();
}
await close();
console.log(headerLine(RUNS));
console.log(`interactive (navigation -> panel wired):       ${median(rows.interactive).toFixed(0)} ms`);
console.log(`engine ready (navigation -> first diagnosis):  ${median(rows.engineReady).toFixed(0)} ms`);
console.log(`seed diagnose, request -> drawn, first:        ${median(rows.seedFirst).toFixed(1)} ms`);
console.log(`seed diagnose, request -> drawn, warm:         ${median(rows.seedWall).toFixed(1)} ms`);
console.log(`seed diagnose, in the worker:                  ${median(rows.seedWorker).toFixed(1)} ms`);
