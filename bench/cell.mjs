// Sweep cells at full size: `node bench/cell.mjs [--requests N] [--json] [--dist DIR]`.
// A 4 GiB x86-64 machine of Linux 6.18 (2^20 pages: DMA 16 MiB, DMA32 to 2 GiB, Normal to 4 GiB), as
// bench/slowpath.mjs. Two cells through runCell (bindings/sweep/cell.ts), each timed on its own:
// - churn: 1,000,000 requests (default mix: orders 0:70 1:15 2:8 3:4 4:2 9:1, movable 70 unmovable 20
//   reclaimable 10), on the engine's fast path;
// - page-cache: mmtests' thpchallenge-fio on the 6.18 kernel model: 1.5x memory read through the page
//   cache in 64 KiB files with a THP fault every 16 files, kswapd, direct reclaim and compaction live.
// Both sample their series every 10,000 operations. Each cell runs twice to show the result is the
// same byte for byte; the time is the first run's.
import { x86Machine } from "./machines.mjs";
import { pathToFileURL } from "node:url";

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const dist = argv.includes("--dist") ? pathToFileURL(`${opt("--dist")}/`) : new URL("../dist/", import.meta.url);
const requests = Number(opt("--requests", 1_000_000));
const json = argv.includes("--json");
const { runCell } = await import(new URL("bindings/sweep/cell.js", dist));

const PAGES = 2 ** 20;
const machine = x86Machine(PAGES);
const cells = [
  { name: "churn", params: { requests } },
  { name: "page-cache", params: {} },
];
const out = { date: new Date().toISOString(), node: process.version, pages: PAGES, cells: [] };
for (const w of cells) {
  const input = { era: "6.18", machine, workload: w, seed: 1, sampleEvery: 10_000 };
  const t0 = performance.now();
  const r = runCell(input);
  const ms = performance.now() - t0;
  const again = JSON.stringify(runCell(input)) === JSON.stringify(r);
  const m = r.metrics;
  out.cells.push({
    workload: w.name,
    ms: Math.round(ms),
    ops: m.ops,
    opsPerSec: Math.round((m.ops * 1000) / ms),
    sameTwice: again,
    samples: r.series.ops.length,
    highOrderSuccessPct: m.high_order_success_pct ?? null,
    thpSuccessPct: m.thp_success_pct ?? null,
    freeHugeBlocks: m.free_huge_blocks,
    freeHugeIdeal: m.free_huge_ideal,
    fragmentationScore: m["fragmentation_score.node0"],
    mixedPageblocks: m.mixed_pageblocks.total,
    extfragFallbacks: m.extfrag_fallbacks,
    vmstat: Object.fromEntries(
      ["pgscan_kswapd", "pgscan_direct", "allocstall_movable", "compact_stall", "compact_success", "pgmigrate_success"]
        .filter((n) => n in m)
        .map((n) => [n, m[n]]),
    ),
  });
}
if (json) console.log(JSON.stringify(out));
else {
  console.log(`date: ${out.date}  node: ${out.node}  machine: 2^20 pages (4 GiB), Linux 6.18`);
  for (const c of out.cells) {
    console.log(
      `${c.workload}: ${c.ops} ops in ${c.ms} ms (${c.opsPerSec} ops/s), ${c.samples} samples, ` +
        `same twice: ${c.sameTwice}`,
    );
    console.log(
      `  high-order success ${c.highOrderSuccessPct ?? "-"}%, THP success ${c.thpSuccessPct ?? "-"}%, ` +
        `free huge blocks ` +
        `${c.freeHugeBlocks} of ${c.freeHugeIdeal}, fragmentation score ${c.fragmentationScore}, ` +
        `mixed pageblocks ${c.mixedPageblocks}, fallbacks ${c.extfragFallbacks}`,
    );
    const vm = Object.entries(c.vmstat);
    if (vm.length) console.log(`  ${vm.map(([n, v]) => `${n} ${v}`).join(", ")}`);
  }
}
