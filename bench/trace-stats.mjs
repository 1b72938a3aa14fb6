// Times `oomlab trace stats` on the 1.26-million-event 6.18 capture (test/fixtures/traces/6.18-anon-pagecache-1,
// 6.4 MB .xz, 156 MiB of text): `npm run bench:trace`, or `node bench/trace-stats.mjs --file F --runs N`.
// Phases, each the best of --runs (the machine is shared: the minimum is the least disturbed run):
//   decompress  xz -> lines, nothing parsed: on the worker thread the CLI uses, and on this thread
//   parse       FtraceParser + counts over lines already in memory
//   total       fileLines + traceStats as the command runs them (decompressing and parsing overlap)
//   cli         the built CLI as a process, `trace stats FILE --json` (node start-up included; GNU time)
// The target: trace stats of this capture in at most 2 s.
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { fileLines } from "../dist/bindings/cli/text_lines.js";
import { traceStats, traceStatsSync } from "../dist/bindings/analyse/trace_stats.js";

const { values } = parseArgs({
  options: {
    file: {
      type: "string",
      default: new URL("../test/fixtures/traces/6.18-anon-pagecache-1/trace.txt.xz", import.meta.url).pathname,
    },
    runs: { type: "string", default: "3" },
  },
});
const runs = Number(values.runs);
if (!(runs >= 1 && runs <= 20)) throw new Error(`--runs needs 1 to 20, got ${values.runs}`);
const file = values.file;

/** Runs f --runs times; prints the best wall time with its CPU time (this process, user + system, every
 *  thread: the worker's decoding counts too) or, for a child process, the CPU time f reports. */
async function best(label, f) {
  const runsOut = [];
  let out;
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    out = await f();
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    runsOut.push({ wall, cpu: out?.childCpuMs ?? (c.user + c.system) / 1000 });
  }
  const b = runsOut.reduce((a, r) => (r.wall < a.wall ? r : a));
  const all = runsOut.map((r) => r.wall.toFixed(0)).join(", ");
  const line = `best ${b.wall.toFixed(0).padStart(5)} ms wall, ${b.cpu.toFixed(0).padStart(5)} ms CPU`;
  console.log(`${label.padEnd(28)} ${line}   (walls: ${all})`);
  return out;
}

const countLines = async (xzWorker) => {
  let n = 0;
  for await (const batch of fileLines(file, { xzWorker })) n += batch.length;
  return n;
};

console.log(`${new Date().toISOString()}  node ${process.version}  ${file}`);
const lines = await best("decompress (worker thread)", () => countLines(true));
await best("decompress (this thread)", () => countLines(false));
const all = [];
for await (const batch of fileLines(file)) all.push(...batch);
const s = await best("parse + count", () => traceStatsSync(all));
all.length = 0;
await best("total (worker thread)", () => traceStats(fileLines(file)));
await best("total (this thread)", () => traceStats(fileLines(file, { xzWorker: false })));
const cli = new URL("../dist/bindings/cli/main.js", import.meta.url).pathname;
await best("cli trace stats --json", () => {
  // GNU time's user and system seconds of the child, on stderr's last line
  const args = ["-f", "%U %S", process.execPath, cli, "trace", "stats", file, "--json"];
  const r = spawnSync("/usr/bin/time", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`trace stats exited ${r.status}: ${r.stderr}`);
  const [user, sys] = r.stderr.trim().split("\n").at(-1).split(" ").map(Number);
  return { childCpuMs: (user + sys) * 1000 };
});
console.log(
  `${lines} lines, ${s.counts.events} events; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
);
