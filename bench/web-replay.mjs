// Times the Replay panel of the web page (web/, issue 14) from its built folder on a local static server,
// in Debian's Chromium: `npm run web:build && node bench/web-replay.mjs [--runs 5] [--scenario NAME]`.
// The default scenario is the large machine (exhaustion-618 scaled to 4 GiB, 2^20 pfns: a 1024 x 1024
// page map). Prints, as medians over --runs fresh pages:
//   replay in the worker: the whole replay with its frames recorded (data-ms), and of it the time spent
//     taking frames (data-record-ms: reading the page states from the engine, the runs, the counters);
//   load: the Replay button's click to the first frame drawn (worker, transfer, set-up);
//   requestAnimationFrame, paused: the page's own frame rate, the ceiling of the next figure;
//   playing: frames per second while the replay plays at its fastest speed (60 frames per second),
//     requestAnimationFrame timing from the first to the last frame shown, and the median time to draw
//     one frame (data-draw-ms: the page states moved and the page map painted).
import { parseArgs } from "node:util";
import { headerLine, median, openSite } from "./web-site.mjs";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "5" }, scenario: { type: "string", default: "exhaustion-618-4g" } },
});
const RUNS = Number(values.runs);

const { origin, browser, close } = await openSite();

const rows = { idle: [], worker: [], record: [], load: [], fps: [], draw: [], all: [], frames: [], pages: [] };
for (let i = 0; i < RUNS; i++) {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  await page.goto(`${origin}/`);
  await page.waitForSelector("body[data-ready]");
  await page.selectOption("#replay-scenario", values.scenario);
  const t0 = await page.evaluate(() => performance.now());
  await page.click("#replay-load");
  await page.waitForSelector("#replay[data-state=loaded]", { timeout: 300_000 });
  rows.load.push((await page.evaluate(() => performance.now())) - t0);
  rows.worker.push(Number(await page.getAttribute("#replay", "data-ms")));
  rows.record.push(Number(await page.getAttribute("#replay", "data-record-ms")));
  const max = Number(await page.getAttribute("#replay-frame", "max"));
  rows.frames.push(max + 1);
  rows.pages.push(await page.$eval("#replay-map", (c) => c.width * c.height));
  await page.selectOption("#replay-speed", "60");
  // the page's own frame rate with the replay loaded and paused: requestAnimationFrame over 2 s
  rows.idle.push(
    await page.evaluate(
      () =>
        new Promise((resolve) => {
          const times = [];
          const tick = (now) => {
            times.push(now);
            if (now - times[0] < 2000) requestAnimationFrame(tick);
            else resolve((times.length - 1) / ((now - times[0]) / 1000));
          };
          requestAnimationFrame(tick);
        }),
    ),
  );
  // every frame shown while playing: its number, when (rAF time), and its draw time
  const timing = await page.evaluate(
    (last) =>
      new Promise((resolve) => {
        const root = document.getElementById("replay");
        const shown = [];
        const watch = (now) => {
          const f = Number(root.dataset.frame);
          if (!shown.length || shown[shown.length - 1].f !== f)
            shown.push({ f, now, draw: Number(root.dataset.drawMs), all: Number(root.dataset.showMs) });
          if (f >= last) resolve(shown);
          else requestAnimationFrame(watch);
        };
        document.getElementById("replay-play").click();
        requestAnimationFrame(watch);
      }),
    max,
  );
  const played = timing.filter((s) => s.f > 0);
  const secs = (played[played.length - 1].now - played[0].now) / 1000;
  rows.fps.push((played.length - 1) / secs);
  rows.draw.push(median(played.map((s) => s.draw)));
  rows.all.push(median(played.map((s) => s.all)));
  await page.close();
}
await close();
console.log(headerLine(RUNS));
console.log(`scenario ${values.scenario}: ${median(rows.frames)} frames, page map ${median(rows.pages)} pixels`);
console.log(`replay in the worker:                 ${median(rows.worker).toFixed(0)} ms`);
console.log(`  of it taking frames:                ${median(rows.record).toFixed(0)} ms`);
console.log(`load (click -> first frame drawn):    ${median(rows.load).toFixed(0)} ms`);
console.log(`requestAnimationFrame, paused:        ${median(rows.idle).toFixed(1)} per second`);
console.log(`playing at 60 frames/s:               ${median(rows.fps).toFixed(1)} frames per second`);
console.log(`  one frame's page map drawn in:      ${median(rows.draw).toFixed(2)} ms`);
console.log(`  one frame shown (every view) in:    ${median(rows.all).toFixed(2)} ms`);
