// A seeded mixed workload through the batch API (the demo's 6.18 machine): movable page cache and
// anon (order 0), unmovable kernel objects (orders 0-3), reclaimable slab (orders 0-1), occasional
// GFP_ATOMIC-like order-2 requests with the highatomic reserve, and frees of random live blocks.

import { xorshift32 } from "./churn.js";
import type { BatchOp, Machine } from "./machine.js";
import { MigrateType } from "../include/linux/mmzone.js";
import { AllocFlags } from "../mm/internal.js";

export interface MixedResult {
  ops: number;
  allocated: number;
  failed: number;
}

/** Operations per Machine.batch call. */
const BATCH = 4096;
/** Owner ids of the workload's four kinds of memory. */
const OWNER = { movable: 1, unmovable: 2, reclaimable: 3, atomic: 4 } as const;
const ATOMIC_FLAGS =
  AllocFlags.WMARK_MIN | AllocFlags.MIN_RESERVE | AllocFlags.NON_BLOCK | AllocFlags.HIGHATOMIC | AllocFlags.KSWAPD;

/** One operation drawn from the mix: 35% frees of a live block, 40% movable order 0, 15% unmovable
 *  orders 0-3, 9% reclaimable orders 0-1, 1% atomic order 2. */
function nextOp(rng: () => number, live: number[], freed: Set<number>): BatchOp {
  const r = rng() % 100;
  if (r < 35 && live.length > freed.size) {
    let k = rng() % live.length;
    while (freed.has(live[k])) k = (k + 1) % live.length;
    freed.add(live[k]);
    return { op: "free", pfn: live[k] };
  }
  const low = AllocFlags.WMARK_LOW;
  if (r < 75)
    return { op: "alloc", req: { order: 0, migratetype: MigrateType.Movable, owner: OWNER.movable, allocFlags: low } };
  if (r < 90) {
    const req = {
      order: rng() % 4,
      migratetype: MigrateType.Unmovable,
      owner: OWNER.unmovable,
      allocFlags: low | AllocFlags.KSWAPD,
    };
    return { op: "alloc", req };
  }
  if (r < 99) {
    const req = {
      order: rng() % 2,
      migratetype: MigrateType.Reclaimable,
      owner: OWNER.reclaimable,
      allocFlags: low | AllocFlags.KSWAPD,
    };
    return { op: "alloc", req };
  }
  return {
    op: "alloc",
    req: { order: 2, migratetype: MigrateType.Unmovable, owner: OWNER.atomic, allocFlags: ATOMIC_FLAGS },
  };
}

/** Runs ops operations of the mix on m, in batches inside the engine. */
export function runMixed(m: Machine, ops: number, seed = 1): MixedResult {
  const rng = xorshift32(seed);
  const live: number[] = [];
  let allocated = 0;
  let failed = 0;
  for (let done = 0; done < ops; ) {
    const n = Math.min(BATCH, ops - done);
    const batch: BatchOp[] = [];
    const freed = new Set<number>();
    for (let i = 0; i < n; i++) batch.push(nextOp(rng, live, freed));
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
