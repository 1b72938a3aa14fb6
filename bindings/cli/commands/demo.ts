// What `npm start` shows until the seed replay exists: the churn benchmark on the WASM engine with
// its checksum, /proc/buddyinfo after it, and a 6.18 x86-64 machine driven by a seeded mixed
// workload through the batch API, with /proc/pagetypeinfo and the zone watermarks.

import { runChurn, CHURN_DEFAULTS, xorshift32 } from "../../engine/churn.js";
import { Machine, type BatchOp, type ZoneStats } from "../../engine/machine.js";
import { buddyinfo, padStart, pagetypeinfo } from "../../mm/vmstat.js";
import type { MachineSpec } from "../../include/machine.js";
import { MigrateType } from "../../include/linux/mmzone.js";
import { AllocFlags } from "../../mm/internal.js";

/** churn-benchmark.md's checksum for L = 20, 10,000,000 operations, seed 0x12345678. */
export const REFERENCE_CHURN_CHECKSUM =
  "sum=1327924465510;hash=529020669;alloc=5068664;free=5000129;fail=0;capfree=0;noop=0;live=68535;live_pages=484398;free_pages=564178;nr_free=188,311,68,141,11,8,2,4,1,35,530";

/** A 6 GiB x86-64 box of 6.18: DMA below 16 MiB, DMA32 to 2 GiB, a PCI hole, Normal above 4 GiB. */
export const X86_64_6GB: MachineSpec = {
  era: "6.18",
  nodes: [
    {
      zones: [
        { type: "DMA", startPfn: 1, spannedPages: 4095, presentPages: 3998, managedPages: 3840 },
        { type: "DMA32", startPfn: 4096, spannedPages: 520192, presentPages: 520192, managedPages: 508000 },
        { type: "Normal", startPfn: 1048576, spannedPages: 1048576, presentPages: 1048576, managedPages: 1030000 },
      ],
    },
  ],
};


export interface MixedResult {
  ops: number;
  allocated: number;
  failed: number;
}

/** A seeded mixed workload: movable page cache and anon (order 0), unmovable kernel objects
 *  (orders 0-3), reclaimable slab (orders 0-1), occasional GFP_ATOMIC order-2, and frees of random
 *  live blocks, run in batches through the engine. */
export function runMixed(m: Machine, ops: number, seed = 1): MixedResult {
  const rng = xorshift32(seed);
  const live: number[] = [];
  let allocated = 0;
  let failed = 0;
  for (let done = 0; done < ops; ) {
    const n = Math.min(4096, ops - done);
    const batch: BatchOp[] = [];
    const freed = new Set<number>();
    for (let i = 0; i < n; i++) {
      const r = rng() % 100;
      if (r < 35 && live.length > freed.size) {
        let k = rng() % live.length;
        while (freed.has(live[k])) k = (k + 1) % live.length;
        freed.add(live[k]);
        batch.push({ op: "free", pfn: live[k] });
      } else if (r < 75) batch.push({ op: "alloc", req: { order: 0, migratetype: MigrateType.Movable, owner: 1, allocFlags: AllocFlags.WMARK_LOW } });
      else if (r < 90) batch.push({ op: "alloc", req: { order: rng() % 4, migratetype: MigrateType.Unmovable, owner: 2, allocFlags: AllocFlags.WMARK_LOW | AllocFlags.KSWAPD } });
      else if (r < 99) batch.push({ op: "alloc", req: { order: rng() % 2, migratetype: MigrateType.Reclaimable, owner: 3, allocFlags: AllocFlags.WMARK_LOW | AllocFlags.KSWAPD } });
      else batch.push({ op: "alloc", req: { order: 2, migratetype: MigrateType.Unmovable, owner: 4, allocFlags: AllocFlags.WMARK_MIN | AllocFlags.MIN_RESERVE | AllocFlags.NON_BLOCK | AllocFlags.HIGHATOMIC | AllocFlags.KSWAPD } });
    }
    const res = m.batch(batch);
    const kept = live.filter((p) => !freed.has(p));
    batch.forEach((op, i) => {
      if (op.op !== "alloc") return;
      if (res[i] < 0) failed++;
      else {
        allocated++;
        kept.push(res[i]);
      }
    });
    live.splice(0, live.length, ...kept);
    done += n;
  }
  return { ops, allocated, failed };
}

function zoneLine(z: ZoneStats): string {
  const w = z.watermarks;
  return `Node ${z.node}, zone ${padStart(z.type, 8)}: free ${padStart(z.freePages, 8)}  min ${padStart(w.min, 6)} low ${padStart(w.low, 6)} high ${padStart(w.high, 6)}  boost ${padStart(z.watermarkBoost, 5)}  fallbacks ${padStart(z.fallbacks, 6)}  highatomic ${z.nrReservedHighatomic}  largest order ${z.largestFreeOrder}  protection (${z.lowmemReserve.join(", ")})`;
}

export async function runDemo(opts: { ops: number; json: boolean }): Promise<string> {
  const churn = runChurn({ ops: opts.ops });
  const churnMachineInfo = `2^${churn.log2Pages} pages, 2.6.11 free lists, seed 0x${churn.seed.toString(16)}`;
  const matches = opts.ops === CHURN_DEFAULTS.ops ? churn.checksum === REFERENCE_CHURN_CHECKSUM : null;
  const m = Machine.create(X86_64_6GB);
  const t0 = performance.now();
  const mixed = runMixed(m, 400_000, 7);
  const mixedMs = performance.now() - t0;
  const stats = m.allStats();
  if (opts.json) {
    return JSON.stringify({ churn: { ...churn, matchesReference: matches }, mixed: { ...mixed, ms: mixedMs, zones: stats } }) + "\n";
  }
  const lines = [
    `oomlab engine demo`,
    ``,
    `== churn benchmark (${churnMachineInfo}) on the WASM engine ==`,
    `operations       ${churn.ops.toLocaleString("en-US")}`,
    `checksum         ${churn.checksum}`,
    matches === null ? `reference        (published only for 10,000,000 operations: run with --ops 10000000)` : `reference        ${matches ? "matches churn-benchmark.md" : "DOES NOT MATCH churn-benchmark.md"}`,
    `time             ${churn.nsPerOp.toFixed(2)} ns/op, ${(churn.opsPerSec / 1e6).toFixed(1)} M ops/s`,
    `coalesced after freeing everything: ${churn.coalesced ? "yes" : "NO"}`,
    ``,
    `== 6.18 x86-64, 6 GiB: ${mixed.ops.toLocaleString("en-US")} mixed operations (${mixed.allocated.toLocaleString("en-US")} allocations, ${mixed.failed} failed) in ${mixedMs.toFixed(0)} ms ==`,
    ...stats.map(zoneLine),
    ``,
    `/proc/buddyinfo`,
    buddyinfo(m).replace(/\n$/, ""),
    ``,
    `/proc/pagetypeinfo`,
    pagetypeinfo(m).replace(/\n$/, ""),
    ``,
  ];
  return lines.join("\n") + "\n";
}

/** The `machine` command: zones with their watermarks and reserves, and the /proc views. */
export function describeMachine(spec: unknown, json: boolean): string {
  const m = Machine.create(spec as MachineSpec);
  if (json) return JSON.stringify({ machine: m.machine, zones: m.allStats() }) + "\n";
  const r = m.machine;
  const lines = [`era ${r.era}, page size ${r.pageSize}, MAX_ORDER ${r.maxOrder}, pageblock_order ${r.pageblockOrder}, min_free_kbytes ${r.minFreeKbytes}`, ...m.allStats().map(zoneLine), "", "/proc/buddyinfo", buddyinfo(m).replace(/\n$/, "")];
  if (r.era !== "2.6.11") lines.push("", "/proc/pagetypeinfo", pagetypeinfo(m).replace(/\n$/, ""));
  return lines.join("\n") + "\n";
}
