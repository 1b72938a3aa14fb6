// Times a sweep run in the web page's Sweep panel (web/src/sweep.ts) against `oomlab sweep` on the same
// spec, with 1 and 2 workers: `npm run bench:web-sweep` (builds first), or `node bench/web-sweep.mjs
// [--spec sweeps/thp-mfk.json] [--runs 3]` after `npm run build && npm run web:build`. Prints medians over
// --runs of:
//   page run: the panel's runSweep from start to the last results line (data-run-ms: fresh Web Workers,
//     each compiling the engine, then the cells), in a fresh page of the built folder on a local server;
//   page report: the helper worker's comparison, plots (vega-interpreter) and report, to drawn;
//   CLI run: the runner's time `oomlab sweep` prints ("in X s": fresh worker threads, then the cells);
//   CLI process: the whole command's wall time (Node's start, the run, summary.csv, the plots and report).
// Runs alternate (CLI, page; 1 then 2 workers) so that the machine's load drifts alike for both. Each page
// run's results.jsonl is checked against the CLI's bytes.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { headerLine, median, openSite, ROOT } from "./web-site.mjs";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "3" }, spec: { type: "string", default: "sweeps/thp-mfk.json" } },
});
const RUNS = Number(values.runs);
const CLI = path.join(ROOT, "dist", "bindings", "cli", "main.js");
if (!existsSync(CLI)) throw new Error("dist/ is missing: run `npm run build`");
const SPEC_PATH = path.resolve(ROOT, values.spec);
const SPEC = readFileSync(SPEC_PATH, "utf8");
const WORKERS = [1, 2];

const tmp = mkdtempSync(path.join(tmpdir(), "oomlab-bench-web-sweep-"));

const { origin, browser, close } = await openSite();

let want = null;
/** One CLI run on w workers: the runner's time it prints and the process's wall time (ms). */
function cliRun(w, i) {
  const out = path.join(tmp, `cli-${w}-${i}`);
  const t0 = performance.now();
  const text = execFileSync(process.execPath, [CLI, "sweep", SPEC_PATH, "--out", out, "--workers", String(w)], {
    encoding: "utf8",
  });
  const wall = performance.now() - t0;
  want ??= readFileSync(path.join(out, "results.jsonl"));
  return { run: Number(/ in ([\d.]+) s on /.exec(text)[1]) * 1000, wall };
}

/** One page run on w workers, in a fresh page: the run's and the report's times (ms). */
async function pageRun(w) {
  const p = await browser.newPage({ acceptDownloads: true });
  await p.goto(`${origin}/`);
  await p.waitForSelector("body[data-ready]");
  await p.fill("#sweep-spec", SPEC);
  await p.fill("#sweep-workers", String(w));
  await p.click("#sweep-run");
  await p.waitForFunction(
    () => ["done", "error", "cancelled"].includes(document.getElementById("sweep").dataset.state),
    null,
    { timeout: 600_000 },
  );
  const state = await p.getAttribute("#sweep", "data-state");
  if (state !== "done") throw new Error(`the page's run ended ${state}: ${await p.textContent("#sweep-status")}`);
  const run = Number(await p.getAttribute("#sweep", "data-run-ms"));
  const report = Number(await p.getAttribute("#sweep", "data-report-ms"));
  const [download] = await Promise.all([p.waitForEvent("download"), p.click('a[download="results.jsonl"]')]);
  if (!readFileSync(await download.path()).equals(want)) throw new Error("the page's results.jsonl is not the CLI's");
  await p.close();
  return { run, report };
}

// interleaved (CLI, page, for each worker count, run after run), so that the machine's load drifts alike
const cli = {};
const page = {};
for (const w of WORKERS) {
  cli[w] = { run: [], wall: [] };
  page[w] = { run: [], report: [] };
}
for (let i = 0; i < RUNS; i++)
  for (const w of WORKERS) {
    const c = cliRun(w, i);
    cli[w].run.push(c.run);
    cli[w].wall.push(c.wall);
    const p = await pageRun(w);
    page[w].run.push(p.run);
    page[w].report.push(p.report);
  }
await close();
rmSync(tmp, { recursive: true, force: true });

const tasks = want.toString().split("\n").filter(Boolean).length;
console.log(headerLine(RUNS));
console.log(`spec ${path.relative(ROOT, SPEC_PATH)}: ${tasks} tasks; medians in s (results.jsonl identical)`);
console.log("workers  page run  page report  CLI run  CLI process");
const s = (ms) => (ms / 1000).toFixed(2).padStart(8);
for (const w of WORKERS)
  console.log(
    `${String(w).padStart(7)}  ${s(median(page[w].run))}  ${s(median(page[w].report)).padStart(11)}  ` +
      `${s(median(cli[w].run)).padStart(7)}  ${s(median(cli[w].wall)).padStart(11)}`,
  );
