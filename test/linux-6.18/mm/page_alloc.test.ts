// Worked examples of the 6.18 slow path's rules (mm/page_alloc.c 6.18), then whole runs of
// Kernel618 on small machines.

import { describe, expect, it } from "vitest";
import "../../helpers.js";
import {
  GFP_618 as G,
  earlyCompaction,
  gfpPfmemallocFlags,
  gfpToAllocFlags,
  mayOomExit,
  reclaimRetryStep,
  shouldCompactRetry,
} from "../../../bindings/linux-6.18/mm/page_alloc.js";
import { COMPACT, COMPACT_PRIO } from "../../../bindings/linux-6.18/mm/internal.js";
import { AllocFlags as A } from "../../../bindings/mm/internal.js";
import { MigrateType } from "../../../bindings/include/linux/mmzone.js";
import { Kernel618 } from "../../../bindings/linux-6.18/kernel.js";
import { eventsOfKind } from "../../../bindings/sim/events.js";

const ctx = { memalloc: false, oomVictim: false, inInterrupt: false, rtTask: false };

describe("gfp_to_alloc_flags (6.18)", () => {
  it("GFP_KERNEL: ALLOC_WMARK_MIN | ALLOC_CPUSET | ALLOC_KSWAPD (__GFP_KSWAPD_RECLAIM == ALLOC_KSWAPD)", () => {
    // 0x00 | 0x40 | (0xcc0 & (__GFP_HIGH | __GFP_KSWAPD_RECLAIM) = 0x800) = 0x840
    expect(gfpToAllocFlags(G.GFP_KERNEL, 0)).toBe(0x840);
  });
  it("GFP_ATOMIC order 3: MIN_RESERVE (__GFP_HIGH), NON_BLOCK, HIGHATOMIC, no CPUSET", () => {
    // (0x40 | 0x20 | 0x800) | NON_BLOCK 0x10 | HIGHATOMIC 0x200 (order > 0 && MIN_RESERVE), & ~CPUSET = 0xa30
    expect(gfpToAllocFlags(G.GFP_ATOMIC, 3)).toBe(0xa30);
    // order 0: no HIGHATOMIC
    expect(gfpToAllocFlags(G.GFP_ATOMIC, 0)).toBe(0x830);
  });
  it("GFP_NOWAIT: NON_BLOCK keeps CPUSET (no __GFP_HIGH); GFP_HIGHUSER_MOVABLE gets ALLOC_CMA", () => {
    expect(gfpToAllocFlags(G.GFP_NOWAIT, 0)).toBe(A.CPUSET | A.KSWAPD | A.NON_BLOCK);
    expect(gfpToAllocFlags(G.GFP_HIGHUSER_MOVABLE, 0)).toBe(0x840 | A.CMA);
    // defrag_mode adds ALLOC_NOFRAGMENT
    expect(gfpToAllocFlags(G.GFP_KERNEL, 0, { defragMode: true })).toBe(0x840 | A.NOFRAGMENT);
  });
  it("__gfp_pfmemalloc_flags: NOMEMALLOC wins, MEMALLOC and PF_MEMALLOC give NO_WATERMARKS, victims ALLOC_OOM", () => {
    expect(gfpPfmemallocFlags(G.GFP_KERNEL, ctx)).toBe(0);
    expect(gfpPfmemallocFlags(G.GFP_KERNEL | G.__GFP_MEMALLOC, ctx)).toBe(A.NO_WATERMARKS);
    expect(gfpPfmemallocFlags(G.GFP_KERNEL | G.__GFP_MEMALLOC | G.__GFP_NOMEMALLOC, ctx)).toBe(0);
    expect(gfpPfmemallocFlags(G.GFP_KERNEL, { ...ctx, memalloc: true })).toBe(A.NO_WATERMARKS);
    expect(gfpPfmemallocFlags(G.GFP_KERNEL, { ...ctx, oomVictim: true })).toBe(A.OOM);
    expect(gfpPfmemallocFlags(G.GFP_KERNEL, { ...ctx, oomVictim: true, inInterrupt: true })).toBe(0);
  });
});

describe("the early compaction condition", () => {
  // can_direct_reclaim && can_compact && (costly_order || (order > 0 && migratetype != MOVABLE))
  //   && !gfp_pfmemalloc_allowed
  it("costly orders of any migratetype, non-movable orders 1..3, never order 0", () => {
    expect(earlyCompaction(true, true, 4, MigrateType.Movable, false)).toBe(true);
    expect(earlyCompaction(true, true, 3, MigrateType.Movable, false)).toBe(false);
    expect(earlyCompaction(true, true, 3, MigrateType.Unmovable, false)).toBe(true);
    expect(earlyCompaction(true, true, 1, MigrateType.Reclaimable, false)).toBe(true);
    expect(earlyCompaction(true, true, 0, MigrateType.Unmovable, false)).toBe(false);
  });
  it("not without direct reclaim, without compaction, or with access to the reserves", () => {
    expect(earlyCompaction(false, true, 9, MigrateType.Movable, false)).toBe(false);
    expect(earlyCompaction(true, false, 9, MigrateType.Movable, false)).toBe(false);
    expect(earlyCompaction(true, true, 9, MigrateType.Movable, true)).toBe(false);
  });
});

describe("should_reclaim_retry's counter", () => {
  it("progress resets it for orders <= 3; costly orders always count; more than 16 gives up", () => {
    expect(reclaimRetryStep(0, true, 7)).toEqual({ noProgressLoops: 0, giveUp: false });
    expect(reclaimRetryStep(3, true, 7)).toEqual({ noProgressLoops: 0, giveUp: false });
    expect(reclaimRetryStep(4, true, 7)).toEqual({ noProgressLoops: 8, giveUp: false });
    // 16 -> 17 > MAX_RECLAIM_RETRIES (16)
    expect(reclaimRetryStep(0, false, 15)).toEqual({ noProgressLoops: 16, giveUp: false });
    expect(reclaimRetryStep(0, false, 16)).toEqual({ noProgressLoops: 17, giveUp: true });
  });
});

describe("should_compact_retry", () => {
  const no = () => false;
  it("order 0 never retries; COMPACT_SKIPPED asks compaction_zonelist_suitable", () => {
    expect(shouldCompactRetry(0, COMPACT.COMPLETE, COMPACT_PRIO.SYNC_LIGHT, 0, no).retry).toBe(false);
    expect(shouldCompactRetry(2, COMPACT.SKIPPED, COMPACT_PRIO.SYNC_LIGHT, 0, () => true).retry).toBe(true);
    expect(shouldCompactRetry(2, COMPACT.SKIPPED, COMPACT_PRIO.SYNC_LIGHT, 0, no).retry).toBe(false);
  });
  it("success retries up to 16 times (4 for costly orders: 16 / 4), then raises the priority", () => {
    expect(shouldCompactRetry(2, COMPACT.SUCCESS, COMPACT_PRIO.SYNC_LIGHT, 15, no)).toEqual({
      retry: true,
      priority: COMPACT_PRIO.SYNC_LIGHT,
      retries: 16,
      maxRetries: 16,
    });
    // 17th: priority SYNC_LIGHT (1) > MIN_COMPACT_PRIORITY (SYNC_FULL 0): raise to 0, retries reset
    expect(shouldCompactRetry(2, COMPACT.SUCCESS, COMPACT_PRIO.SYNC_LIGHT, 16, no)).toEqual({
      retry: true,
      priority: COMPACT_PRIO.SYNC_FULL,
      retries: 0,
      maxRetries: 16,
    });
    expect(shouldCompactRetry(9, COMPACT.SUCCESS, COMPACT_PRIO.ASYNC, 3, no).retries).toBe(4);
    expect(shouldCompactRetry(9, COMPACT.SUCCESS, COMPACT_PRIO.ASYNC, 4, no)).toMatchObject({
      retry: true,
      priority: COMPACT_PRIO.SYNC_LIGHT,
      maxRetries: 4,
    });
  });
  it("failure raises the priority down to SYNC_FULL, costly orders only to SYNC_LIGHT", () => {
    expect(shouldCompactRetry(2, COMPACT.COMPLETE, COMPACT_PRIO.ASYNC, 0, no)).toMatchObject({
      retry: true,
      priority: COMPACT_PRIO.SYNC_LIGHT,
    });
    expect(shouldCompactRetry(2, COMPACT.COMPLETE, COMPACT_PRIO.SYNC_FULL, 0, no).retry).toBe(false);
    // MIN_COMPACT_COSTLY_PRIORITY = SYNC_LIGHT: order 9 at SYNC_LIGHT gives up
    expect(shouldCompactRetry(9, COMPACT.COMPLETE, COMPACT_PRIO.SYNC_LIGHT, 0, no).retry).toBe(false);
    expect(shouldCompactRetry(9, COMPACT.COMPLETE, COMPACT_PRIO.ASYNC, 0, no).retry).toBe(true);
  });
});

describe("__alloc_pages_may_oom's exits", () => {
  it("order > 3, __GFP_RETRY_MAYFAIL or __GFP_THISNODE, highest zone below Normal: no kill", () => {
    expect(mayOomExit(G.GFP_KERNEL, 4, 2)).toBe("costly order");
    expect(mayOomExit(G.GFP_KERNEL, 3, 2)).toBeNull();
    expect(mayOomExit(G.GFP_KERNEL | G.__GFP_RETRY_MAYFAIL, 0, 2)).toBe("__GFP_RETRY_MAYFAIL|__GFP_THISNODE");
    expect(mayOomExit(G.GFP_KERNEL | G.__GFP_THISNODE, 0, 2)).toBe("__GFP_RETRY_MAYFAIL|__GFP_THISNODE");
    expect(mayOomExit(G.GFP_KERNEL | G.__GFP_DMA32, 0, 1)).toBe("lowmem");
    expect(mayOomExit(G.GFP_HIGHUSER_MOVABLE, 0, 4)).toBeNull();
  });
});

/** 64 MiB of DMA32 and 64 MiB of Normal, swap of 1024 pages; per-CPU lists when pcp is given. */
function small(swapPages = 1024, pcp?: { cpus: number }, era: "6.18" | "6.1" = "6.18"): Kernel618 {
  return new Kernel618(
    {
      era,
      ...(pcp ? { percpuPagelists: pcp } : {}),
      nodes: [
        {
          zones: [
            { type: "DMA32", startPfn: 0, spannedPages: 16384 },
            { type: "Normal", startPfn: 16384, spannedPages: 16384 },
          ],
        },
      ],
    },
    { swapTotalPages: swapPages },
  );
}

describe("Kernel618 runs", () => {
  it("order-0 exhaustion with swap full: reclaim, should_reclaim_retry gives up, the biggest task is killed", () => {
    const k = small();
    k.addTask({ pid: 100, comm: "small" });
    k.addTask({ pid: 200, comm: "big" });
    k.readFile(2000);
    k.faultAnon(100, 3000);
    k.current = k.task(200) ?? null;
    k.faultAnon(200, 40000);
    expect(k.swap.usedPages).toBe(1024);
    expect(k.oomKills.map((v) => v.pid)).toEqual([200]);
    const v = k.oomKills[0];
    expect(v.freedPages).toBeGreaterThan(20000);
    expect(k.vm.oom_kill).toBe(1);
    const retry = eventsOfKind(k.log.events, "should_reclaim_retry").at(-1);
    expect(retry?.retry).toBe(false);
    // every zone failed the check at its min mark with reclaimable + free
    for (const z of retry?.zones ?? []) expect(z.ok).toBe(false);
    expect(eventsOfKind(k.log.events, "__alloc_pages_may_oom").at(-1)?.exit).toBe("out_of_memory");
    expect(k.vm.pswpout).toBe(1024);
  });

  it("with per-CPU lists, direct reclaim's failed retry drains them (drain_all_pages) before trying again", () => {
    const run = (pcp?: { cpus: number }, era: "6.18" | "6.1" = "6.18") => {
      const k = small(1024, pcp, era);
      k.addTask({ pid: 100, comm: "small" });
      k.addTask({ pid: 200, comm: "big" });
      k.readFile(2000);
      k.faultAnon(100, 3000);
      k.current = k.task(200) ?? null;
      k.faultAnon(200, 40000);
      k.machine.checkInvariants();
      return k;
    };
    const off = run();
    expect(eventsOfKind(off.log.events, "drain_all_pages")).toEqual([]);
    const on = run({ cpus: 2 });
    expect(on.oomKills.map((v) => v.pid)).toEqual([200]);
    const drainedRetries = eventsOfKind(on.log.events, "__alloc_pages_direct_reclaim").filter((e) => e.drained);
    const drains = eventsOfKind(on.log.events, "drain_all_pages");
    expect(drainedRetries.length).toBeGreaterThan(0);
    expect(drains.length).toBe(drainedRetries.length);
    // pages were waiting on the lists of CPU 0 (every allocation runs there) and went back to the buddy
    expect(drains[0].pages).toBeGreaterThan(0);
    // Linux 6.1's lists (fixed high, no decay) on the same run: the same victim, drained the same way
    const on61 = run({ cpus: 2 }, "6.1");
    expect(on61.oomKills.map((v) => v.pid)).toEqual([200]);
    const drained61 = eventsOfKind(on61.log.events, "__alloc_pages_direct_reclaim").filter((e) => e.drained);
    expect(eventsOfKind(on61.log.events, "drain_all_pages").length).toBe(drained61.length);
    expect(drained61.length).toBeGreaterThan(0);
  });

  it("a costly order fails without an OOM kill and warn_alloc reports it", () => {
    const k = small(0);
    k.addTask({ pid: 300, comm: "worker" });
    k.current = k.task(300) ?? null;
    // fill memory with order-0 unmovable pages: no order-4 block is left
    while (k.allocKernel(0, { gfp: G.GFP_NOWAIT }) >= 0);
    const pfn = k.allocKernel(4);
    expect(pfn).toBe(-1);
    expect(k.oomKills).toEqual([]);
    // every NULL is recorded (the GFP_NOWAIT fill ended with one); warn_alloc printed only order 4's
    expect(k.alloc.failures.filter((f) => f.order === 4)).toEqual([
      { order: 4, gfpMask: G.GFP_KERNEL, comm: "worker" },
    ]);
    expect(eventsOfKind(k.log.events, "nopage").at(-1)?.why).toBe("costly order without __GFP_RETRY_MAYFAIL");
    // warn_alloc's whole report: the header, the stack, Mem-Info (mm/warn_alloc.ts over show_mem)
    const at = k.log.lines.findIndex((l) => l.includes("page allocation failure"));
    expect(k.log.lines[at]).toMatch(/^worker: page allocation failure: order:4, mode:0xcc0\(GFP_KERNEL\)/);
    expect(k.log.lines.slice(at)).toContain("Mem-Info:");
    expect(k.log.lines.at(-1)).toBe("0 pages hwpoisoned");
    // the callers (SLUB, vmalloc) get the exit as the failure's reason
    expect(k.tryAllocPages(G.GFP_KERNEL, 4, 300)).toEqual({
      pfn: -1,
      failure: { gfp: G.GFP_KERNEL, order: 4, reason: "costly order without __GFP_RETRY_MAYFAIL" },
    });
  });

  it("kswapd keeps free memory between min and high under page-cache churn without direct reclaim", () => {
    const k = small(0);
    for (let i = 0; i < 40000; i++) k.readFile(1);
    const z = k.machine.zone("Normal");
    const free = k.machine.counters(z.slot).freePages;
    expect(free).toBeGreaterThan(z.watermarks.min);
    expect(k.vm.pgsteal_kswapd).toBeGreaterThan(0);
    expect(k.vm.allocstall_movable).toBe(0);
    expect(k.oomKills).toEqual([]);
  });

  it("migrateFolio moves kind, owner and LRU position", () => {
    const k = small();
    k.addTask({ pid: 5, comm: "a" });
    k.faultAnon(5, 3);
    const f = k.folios;
    const node = 0;
    const before = [...f.list(node, 0)];
    const mid = before[1];
    const base = k.machine.machine.basePfn;
    // a free target: allocate one page and free it, then move the bookkeeping there
    const target = k.allocKernel(0);
    k.freePages(target, 0);
    k.migrateFolio(mid + base, target, 0);
    const after = [...f.list(node, 0)];
    expect(after).toEqual([before[0], target - base, before[2]]);
    expect(f.owner[target - base]).toBe(5);
    expect(f.kind[mid]).toBe(0);
  });
});
