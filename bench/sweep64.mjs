// The sweep target: 64 cells x about 1,000,000 requests each with 6.18 rules, reclaim and
// compaction live, on 2 workers, in at most 60 s here. `node bench/sweep64.mjs [--workers 2] [--cells 64]
// [--cache-percent 100] [--json]`. Each cell is mmtests' thpchallenge-fio on the 6.18 kernel model
// (workload page-cache: a 4 GiB machine read through the page cache in 64 KiB files, a THP fault every
// 16 files; about 1.13 million allocation requests at --cache-percent 100), one cell per
// (min_free_kbytes, watermark_scale_factor) pair of an 8 x 8 grid, through the real pool
// (dist/bindings/cli/sweep_workers.js, worker_threads) and the cell oomlab sweep runs. The whole run is
// timed, worker start included, as `oomlab sweep` would be; requests are summed from the results.
import { x86Machine } from "./machines.mjs";
import { availableParallelism, cpus } from "node:os";

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const workers = opt("--workers", 2);
const cells = opt("--cells", 64);
const cachePercent = opt("--cache-percent", 100);
const json = argv.includes("--json");
const dist = new URL("../dist/", import.meta.url);
const { runSweep } = await import(new URL("bindings/sweep/runner.js", dist));
const { expandSweep, validateSweepSpec } = await import(new URL("bindings/sweep/spec.js", dist));
const { nodeWorkerFactory } = await import(new URL("bindings/cli/sweep_workers.js", dist));

const PAGES = 2 ** 20;
const side = Math.ceil(Math.sqrt(cells));
const mfk = [1024, 2048, 4096, 8192, 11584, 16384, 32768, 65536].slice(0, side);
const wsf = [10, 25, 50, 100, 150, 200, 500, 1000].slice(0, Math.ceil(cells / mfk.length));
const x = expandSweep(
  validateSweepSpec({
    format: "oomlab-sweep/1",
    name: "bench-sweep64",
    machine: x86Machine(PAGES),
    thp: { enabled: "always", defrag: "madvise" },
    workload: { name: "page-cache", params: { cachePercent } },
    grid: [
      { path: "sysctl.min_free_kbytes", values: mfk },
      { path: "sysctl.watermark_scale_factor", values: wsf },
    ],
  }),
);
const lines = [];
const t0 = performance.now();
let peakRss = 0;
const timer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 200);
await runSweep(x, {
  workerFactory: nodeWorkerFactory(),
  workers,
  onLine: (l) => void lines.push(l),
});
clearInterval(timer);
const s = (performance.now() - t0) / 1000;
let requests = 0;
let compactStall = 0;
let allocstall = 0;
for (const l of lines) {
  const m = JSON.parse(l).metrics;
  requests += m.attempts.reduce((a, b) => a + b, 0);
  compactStall += m.compact_stall;
  allocstall += m.allocstall_movable + m.allocstall_normal + m.allocstall_dma32 + m.allocstall_dma;
}
const out = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: `${cpus()[0]?.model ?? "?"} (${availableParallelism()} available)`,
  workers,
  cells: lines.length,
  requests,
  requestsPerCell: Math.round(requests / lines.length),
  seconds: Number(s.toFixed(2)),
  requestsPerSec: Math.round(requests / s),
  compactStall,
  allocstall,
  peakRssMiBMainThread: Math.round(peakRss / 2 ** 20),
};
if (json) console.log(JSON.stringify(out));
else {
  console.log(`date: ${out.date}  node: ${out.node}  cpu: ${out.cpu}`);
  console.log(
    `${out.cells} cells x ${out.requestsPerCell} requests (6.18, page-cache with THP faults, 4 GiB) on ${workers} ` +
      `worker(s): ${out.seconds} s (target <= 60 s with 2), ${(out.requestsPerSec / 1e6).toFixed(2)} M requests/s; ` +
      `direct compaction stalls ${compactStall}, reclaim stalls ${allocstall}`,
  );
}
