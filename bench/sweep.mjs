// The sweep runner's scaling: one spec run with 1 and then 2 worker threads, interleaved, several rounds:
// `node bench/sweep.mjs [--cells 8] [--ops 1000000] [--log2-pages 18] [--rounds 3] [--json]`.
// The cells are the engine's churn loop (docs/churn-benchmark.md) on a 2.6.11 zone of 2^L pages, one
// cell per min_free_kbytes value, through the thin churn cell of the tests (test/sweep/churn_cell.mjs),
// on the real pool (dist/bindings/cli/sweep_workers.js, worker_threads). Each run starts its workers
// (thread start, engine compile) and is timed whole, as `oomlab sweep` would be; the results of every
// run are compared byte for byte. The target: 2 workers at least 1.8x as fast as 1.
import { availableParallelism, cpus } from "node:os";

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const cells = opt("--cells", 8);
const ops = opt("--ops", 1_000_000);
const log2Pages = opt("--log2-pages", 18);
const rounds = opt("--rounds", 3);
const json = argv.includes("--json");
const dist = new URL("../dist/", import.meta.url);
const { runSweep } = await import(new URL("bindings/sweep/runner.js", dist));
const { expandSweep, validateSweepSpec } = await import(new URL("bindings/sweep/spec.js", dist));
const { nodeWorkerFactory } = await import(new URL("bindings/cli/sweep_workers.js", dist));
const CELL = new URL("../test/sweep/churn_cell.mjs", import.meta.url).href;

const x = expandSweep(
  validateSweepSpec({
    format: "oomlab-sweep/1",
    name: "bench",
    machine: { era: "2.6.11", nodes: [{ zones: [{ type: "Normal", startPfn: 0, spannedPages: 2 ** log2Pages }] }] },
    workload: { name: "churn", params: { ops } },
    grid: [{ path: "machine.minFreeKbytes", values: Array.from({ length: cells }, (_, i) => 128 * (i + 1)) }],
  }),
);

async function once(workers) {
  const out = [];
  const t0 = performance.now();
  await runSweep(x, { workerFactory: nodeWorkerFactory(CELL), workers, onLine: (l) => void out.push(`${l}\n`) });
  return { s: (performance.now() - t0) / 1000, out: out.join("") };
}

const rows = [];
let reference = null;
for (let r = 0; r < rounds; r++) {
  const one = await once(1);
  const two = await once(2);
  reference ??= one.out;
  if (one.out !== reference || two.out !== reference) throw new Error("results differ between runs");
  rows.push({ round: r + 1, s1: one.s, s2: two.s, speedup: one.s / two.s });
}
const median = (a) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
const summary = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: `${cpus()[0]?.model ?? "?"} (${availableParallelism()} available)`,
  cells,
  ops,
  log2Pages,
  rows,
  medianSpeedup: median(rows.map((r) => r.speedup)),
  simOpsPerSec2: (cells * ops) / median(rows.map((r) => r.s2)),
};
if (json) console.log(JSON.stringify(summary));
else {
  console.log(`date: ${summary.date}\nnode: ${summary.node}\ncpu:  ${summary.cpu}`);
  console.log(
    `sweep: ${cells} cells x ${ops} churn ops, 2^${log2Pages}-page 2.6.11 zone, results identical in every run`,
  );
  console.log("round  1 worker s  2 workers s  speedup");
  for (const r of rows) {
    const cols = [String(r.round).padStart(5), r.s1.toFixed(3).padStart(10), r.s2.toFixed(3).padStart(11)];
    console.log(`${cols.join("  ")}  ${r.speedup.toFixed(2).padStart(7)}`);
  }
  console.log(
    `median speedup ${summary.medianSpeedup.toFixed(2)} (target >= 1.8); ` +
      `${(summary.simOpsPerSec2 / 1e6).toFixed(1)} M simulated ops/s with 2 workers`,
  );
}
