// The 6.18 slow path under load:
// `node bench/slowpath.mjs [--requests N] [--thp-every N] [--truncate random|oldest] [--json] [--dist DIR]`.
// A 4 GiB x86-64 machine of Linux 6.18 (2^20 pages: DMA 16 MiB, DMA32 to 2 GiB, Normal to 4 GiB)
// with 1 GiB of swap, three processes holding 256 MiB of anonymous memory each, 64 MiB of
// reclaimable slab, and a page-cache workload: every request reads one page into the page cache
// (GFP_HIGHUSER_MOVABLE, order 0), and one request in 8 also drops a resident cache page (picked by
// a seeded xorshift32; --truncate oldest: the oldest) as deleting a file would. The machine is
// filled with page cache first (setup); then the fast path fails at the low mark, the slow path
// wakes kswapd and takes the page at the min mark, and kswapd reclaims back to the high mark: free
// memory stays between min and high with reclaim active for the whole run.
// One request in 4096 (--thp-every N; 0: none) is instead a THP fault in an MADV_HUGEPAGE mapping
// (order 9, GFP_TRANSHUGE): its slow path runs direct compaction over the page cache, and the huge
// page is unmapped again 16 THP faults later, so compaction stays active too.
// The fast path runs in WASM; the slow path, kswapd and the LRU bookkeeping in TypeScript.
// Events are not recorded (as in a sweep).
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
const thpEvery = Number(opt("--thp-every", 4096));
const randomTruncate = opt("--truncate", "random") !== "oldest";
let seed = 0x2545f491;
const { Kernel618 } = await import(new URL("bindings/linux-6.18/kernel.js", dist));

const PAGES = 2 ** 20;
const spec = x86Machine(PAGES);

const t0 = performance.now();
const k = new Kernel618(spec, { swapTotalPages: 262144, recordEvents: false });
for (let p = 0; p < 3; p++) {
  k.addTask({ pid: 1000 + p, comm: `app${p}` });
  k.faultAnon(1000 + p, 65536);
}
k.allocSlab(16384, true);
// fill the rest with page cache until kswapd first runs: the machine starts the run full
const base = k.machine.machine.basePfn;
const cache = new Int32Array(requests + PAGES);
let head = 0;
let tail = 0;
while (k.vm.pageoutrun === 0 && k.readFile(1) === 1) cache[tail++] = k.folios.list(0, 2).next().value + base;
const setupMs = performance.now() - t0;

let failed = 0;
let thp = 0;
let thpFailed = 0;
const huge = [];
let minFree = Infinity;
let maxFree = 0;
const normal = k.machine.zone("Normal");
const t1 = performance.now();
for (let r = 0; r < requests; r++) {
  if (thpEvery > 0 && r % thpEvery === thpEvery - 1) {
    thp++;
    k.current = k.task(1000);
    const pfn = k.allocFolio(k.thpFaultGfp(true), 9, 1000, 1, 0);
    k.current = null;
    if (pfn < 0) thpFailed++;
    else huge.push(pfn);
    if (huge.length > 16) k.freePages(huge.shift(), 9);
    continue;
  }
  if (k.readFile(1) === 1) {
    // the newest file folio: the head of the inactive file list
    cache[tail++] = k.folios.list(0, 2).next().value + base;
  } else failed++;
  if ((r & 7) === 7) {
    // truncate a cache page still resident: one picked by a seeded xorshift32 (holes all over
    // memory, for compaction to work on), or with --truncate oldest the oldest
    while (head < tail) {
      let at = head;
      if (randomTruncate) {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        at = head + ((seed >>> 0) % (tail - head));
      }
      const pfn = cache[at];
      cache[at] = cache[head++];
      const i = pfn - base;
      if (k.folios.kind[i] === 2 && !(k.folios.flags[i] & 0x10)) {
        k.freeFolio(i);
        break;
      }
    }
  }
  if ((r & 1023) === 0) {
    const free = k.machine.counters(normal.slot).freePages;
    minFree = Math.min(minFree, free);
    maxFree = Math.max(maxFree, free);
  }
}
const runMs = performance.now() - t1;
const w = normal.watermarks;
const out = {
  date: new Date().toISOString(),
  node: process.version,
  requests,
  failed,
  thp: { faults: thp, failed: thpFailed },
  setupMs: Math.round(setupMs),
  runMs: Math.round(runMs),
  nsPerRequest: Math.round((runMs * 1e6) / requests),
  normal: { min: w.min, low: w.low, high: w.high, freeSeenMin: minFree, freeSeenMax: maxFree },
  vmstat: Object.fromEntries(
    [
      "pgscan_kswapd",
      "pgsteal_kswapd",
      "pgscan_direct",
      "pgsteal_direct",
      "allocstall_movable",
      "pageoutrun",
      "pswpout",
      "slabs_scanned",
      "oom_kill",
      "compact_stall",
      "compact_success",
      "compact_fail",
      "pgmigrate_success",
      "compact_daemon_wake",
    ].map((n) => [n, k.vm[n]]),
  ),
};
if (json) console.log(JSON.stringify(out));
else {
  console.log(`date: ${out.date}  node: ${out.node}`);
  console.log(
    `${requests} requests in ${out.runMs} ms (${out.nsPerRequest} ns each; setup ${out.setupMs} ms), ${failed} failed`,
  );
  console.log(`THP faults ${thp} (one request in ${thpEvery}), ${thpFailed} failed`);
  console.log(`Normal: min/low/high ${w.min}/${w.low}/${w.high}, free seen ${minFree} .. ${maxFree}`);
  console.log(
    Object.entries(out.vmstat)
      .map(([n, v]) => `${n} ${v}`)
      .join(", "),
  );
}
