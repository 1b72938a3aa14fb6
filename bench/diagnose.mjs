// Times parsing and diagnosing a log built from the test corpus (every fixture repeated), 10 MB by
// default: `npm run bench:diagnose`, or `node bench/diagnose.mjs --mb 50` for another size.
// `--only diagnose` skips the separate parse pass, so the peak memory is the diagnose path's alone;
// `--distinct` makes every repeated zone differ a little (see copy below), so no result is reused;
// `--cli` also times the command itself on the log written to a temporary file. The 6.18 replay of
// modern reports (at most 8 per input by default, seconds for a 64 GiB machine) is left out unless
// `--replay` is given, so the figure is the parsers' and verdicts' throughput.
// Prints the date, node version, sizes, timings, and the process's peak RSS and heap.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseReports } from "../dist/bindings/parse/reports.js";
import { diagnose } from "../dist/bindings/analyse/diagnose.js";

const { values } = parseArgs({
  options: {
    mb: { type: "string", default: "10" },
    only: { type: "string", default: "parse,diagnose" },
    distinct: { type: "boolean", default: false },
    cli: { type: "boolean", default: false },
    replay: { type: "boolean", default: false },
  },
});
const mb = Number(values.mb);
const replay = values.replay;
if (!(mb > 0 && mb <= 1024)) throw new Error(`--mb needs a size in MB from 0 to 1024, got ${values.mb}`);
const only = new Set(values.only.split(","));

const MB = 1024 * 1024;
const dir = new URL("../test/fixtures/", import.meta.url);
const corpus = readdirSync(dir)
  .filter((f) => f.endsWith(".log"))
  .map((f) => readFileSync(new URL(f, dir), "utf8"))
  .join("\n");
const target = Math.round(mb * MB);
const copies = Math.ceil(target / corpus.length);
// --distinct: copy i adds i blocks to every per-order line's first count (and their size to its
// total), so no two copies print the same free lists and no rebuilt zone or check is reused.
const AREAS = /([A-Za-z][\w-]{0,15}: )(\d+)\*(\d+)kB([^=\n]*)= ?(\d+) ?kB/g;
const perturb = (i) => (_, head, n, size, rest, total) =>
  `${head}${Number(n) + i}*${size}kB${rest}= ${Number(total) + i * Number(size)}kB`;
const copy = (i) => (values.distinct ? corpus.replace(AREAS, perturb(i)) : corpus);
const text = Array.from({ length: copies }, (_, i) => copy(i))
  .join("")
  .slice(0, target);

let peakHeap = 0;

/** Wall time, and the CPU time of this process (user + system): on a shared machine the CPU time
 *  moves less with the load. */
function time(label, f) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const out = f();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(`${label.padEnd(10)} ${ms.toFixed(0).padStart(6)} ms  (cpu ${cpuMs.toFixed(0)} ms)`);
  return out;
}

const command = `node bench/diagnose.mjs --mb ${mb}${values.distinct ? " --distinct" : ""}`;
console.log(`date: ${new Date().toISOString()}  node: ${process.version}  command: ${command}`);
let lines = 1;
for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lines++;
console.log(`log: ${(text.length / MB).toFixed(1)} MB, ${lines} lines`);
if (values.cli) {
  // The whole command as a user runs it (a fresh process: start, read the file, diagnose, print), its
  // wall time and the peak RSS of its process (main thread and worker) from GNU time.
  const dir = mkdtempSync(join(tmpdir(), "oomlab-bench-"));
  const file = join(dir, "big.log");
  writeFileSync(file, text);
  const cli = new URL("../dist/bindings/cli/main.js", import.meta.url).pathname;
  for (const json of [false, true]) {
    const args = [
      "-f",
      "%e %M",
      process.execPath,
      cli,
      "diagnose",
      file,
      "--replay618",
      replay ? "auto" : "off",
      ...(json ? ["--json"] : []),
    ];
    const r = spawnSync("/usr/bin/time", args, { encoding: "utf8", maxBuffer: 1 << 30 });
    if (r.error) throw new Error(`--cli needs GNU time at /usr/bin/time: ${r.error.message}`);
    const [secs, kb] = r.stderr.trim().split("\n").pop().split(" ").map(Number);
    const what = `oomlab diagnose${json ? " --json" : ""}`.padEnd(24);
    console.log(
      `${what} ${(secs * 1000).toFixed(0).padStart(6)} ms  peak RSS ${(kb / 1024).toFixed(0)} MB  exit ${r.status}`,
    );
  }
  rmSync(dir, { recursive: true });
}
const parsed = only.has("parse") ? time("parse", () => parseReports(text)) : null;
const diag = only.has("diagnose") ? time("diagnose", () => diagnose(text, { replay618: replay })) : null;
console.log(`reports: ${parsed?.reports.length ?? "-"} parsed, ${diag?.reports.length ?? "-"} diagnosed`);
// The heap is read at the end of each pass (with the pass's result still held); the peak RSS
// (getrusage maxrss) covers the whole run, the log text included.
const rss = process.resourceUsage().maxRSS / 1024;
console.log(`peak RSS: ${rss.toFixed(0)} MB  heap used at the end of a pass, max: ${(peakHeap / MB).toFixed(0)} MB`);
