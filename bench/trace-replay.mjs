// Times the `trace` workload on the 1.26-million-event 6.18 capture (test/fixtures/traces/6.18-anon-pagecache-1):
// `node bench/trace-replay.mjs [--file F] [--runs N]`. Phases, each the best of --runs (the machine is shared:
// the minimum is the least disturbed run), wall time and this process's CPU time:
//   load      cli/trace_load.ts: xz on a worker thread, parse, pairing, typed arrays, /proc files, SHA-256
//             (once per worker in a sweep)
//   requests  one cell, mode requests on the engine (get_page_from_freelist per request)
//   kernel    one cell, mode requests on the 6.18 kernel model (compaction_proactiveness 20: kcompactd runs)
//   pinned    one cell, mode pinned (the buddy model at the trace's pfns)
import { parseArgs } from "node:util";
import { loadTraceCapture } from "../dist/bindings/cli/trace_load.js";
import { runCell } from "../dist/bindings/sweep/cell.js";
import { provideTraceCapture } from "../dist/bindings/sweep/trace_source.js";

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

async function best(label, f) {
  let bestWall = Number.POSITIVE_INFINITY;
  let bestCpu = 0;
  let out;
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    out = await f(i);
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (wall < bestWall) {
      bestWall = wall;
      bestCpu = (c.user + c.system) / 1000;
    }
  }
  console.log(`${label.padEnd(9)} ${(bestWall / 1000).toFixed(2)} s wall, ${(bestCpu / 1000).toFixed(2)} s CPU`);
  return out;
}

const machine = { era: "6.18", nodes: [{ zones: [{ type: "Normal", startPfn: 0, spannedPages: 4096 }] }] };
const cell = (params, extra = {}) => ({
  era: "6.18",
  machine,
  workload: { name: "trace", params: { trace: "bench", ...params } },
  seed: 1,
  ...extra,
});
// loadTraceCapture caches by path and content: cache false reads the file every run
const cap = await best("load", () => loadTraceCapture("bench", values.file, { cache: false }));
provideTraceCapture("bench", cap);
console.log(`          ${cap.events.count.toLocaleString("en")} events replayed of ${values.file}`);
const r = await best("requests", () => runCell(cell({})));
console.log(`          ${r.metrics.ops.toLocaleString("en")} simulated operations`);
await best("kernel", () => runCell(cell({ model: "kernel" }, { sysctl: { compaction_proactiveness: 20 } })));
await best("pinned", () => runCell(cell({ mode: "pinned" })));
