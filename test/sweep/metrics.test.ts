// The per-cell metrics on small cases worked by hand: the arithmetic is in each test.

import { describe, expect, it } from "vitest";
import { Machine } from "../../bindings/engine/machine.js";
import { Kernel618 } from "../../bindings/linux-6.18/kernel.js";
import { recordKernel } from "../../bindings/sweep/env.js";
import { EnginePlacement } from "../../bindings/sweep/policies/engine.js";
import {
  Recorder,
  cellMetrics,
  fragmentationScoreNode,
  freeHugeBlocks,
  hugeOrder,
  mixedPageblocks,
  pageblockMap,
  pageblocksMultiType,
  engineBlocks,
  type BlockVisitor,
} from "../../bindings/sweep/metrics.js";
import type { MachineSpec } from "../../bindings/include/machine.js";
import { MigrateType } from "../../bindings/include/linux/mmzone.js";

/** One 2.6.11 Normal zone of 1024 pages at pfn 0 (orders 0..10), watermarks 0. */
const ZONE_1024: MachineSpec = {
  era: "2.6.11",
  maxOrder: 11,
  minFreeKbytes: 0,
  nodes: [
    {
      zones: [
        {
          type: "Normal",
          startPfn: 0,
          spannedPages: 1024,
          watermarks: { min: 0, low: 0, high: 0 },
          lowmemReserve: [0, 0, 0, 0, 0],
        },
      ],
    },
  ],
};

/** The engine's buddy allocator over m as the metrics read it (m stays the test's to dispose). */
const P = (m: Machine) => new EnginePlacement("buddy", m, false);

const blocksOf =
  (list: [number, number, number][]) =>
  (visit: BlockVisitor): void => {
    for (const [pfn, order, mt] of list) visit(pfn, order, mt);
  };

describe("free huge blocks (LLFree's score)", () => {
  it("counts blocks of the huge order and above in huge-order units", () => {
    // nr_free[9] = 2, nr_free[10] = 1: 2 + 1 * 2^(10 - 9) = 4 free order-9 blocks; orders below 9 add nothing
    expect(freeHugeBlocks([3, 5, 0, 0, 0, 0, 0, 0, 1, 2, 1], 9)).toBe(4);
    expect(freeHugeBlocks([3, 5, 0, 0, 0, 0, 0, 0, 1, 0, 0], 9)).toBe(0);
  });

  it("takes the order of 2 MiB: 9 with 4 KiB pages, 7 with 16 KiB, at most the top order", () => {
    expect(hugeOrder(4096, 11)).toBe(9); // 2 MiB / 4 KiB = 512 = 2^9
    expect(hugeOrder(16384, 11)).toBe(7); // 2 MiB / 16 KiB = 128 = 2^7
    expect(hugeOrder(4096, 9)).toBe(8); // orders 0..8 only
  });
});

describe("fragmentation_score_node (mm/compaction.c, 6.18)", () => {
  it("weights each zone's extfrag_for_order by its present pages over node_present_pages + 1", () => {
    // zone A: 1000 present; free 1 order-0 + 1 order-9 block = 513 pages; at order 9 one block is
    // suitable: unusable = (513 - 512) * 100 / 513 = 0 (truncated). zone B: 3000 present; free 2
    // order-8 blocks = 512 pages, none suitable: (512 - 0) * 100 / 512 = 100.
    // node present 4000: A 1000 * 0 / 4001 = 0; B 3000 * 100 / 4001 = 74.98 -> 74. Score 74.
    const a = { presentPages: 1000, nrFree: [1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0] };
    const b = { presentPages: 3000, nrFree: [0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0] };
    expect(fragmentationScoreNode([a, b], 9)).toBe(74);
    // an unpopulated zone adds nothing and does not count in node_present_pages
    expect(fragmentationScoreNode([a, b, { presentPages: 0, nrFree: new Array(11).fill(0) }], 9)).toBe(74);
    // B alone: 3000 * 100 / 3001 = 99.97 -> 99
    expect(fragmentationScoreNode([b], 9)).toBe(99);
  });
});

describe("mixed pageblocks (mm/page_owner.c pagetypeinfo_showmixedcount_print)", () => {
  // pageblock order 2 (4 pages): block 0 Movable, 1 Unmovable, 2 CMA, 3 HighAtomic, 4 Movable
  const types = [1, 0, 4, 3, 1];
  const list: [number, number, number][] = [
    [0, 0, 1], // Movable page in a Movable block: not mixed
    [1, 0, 0], // Unmovable page in block 0 (Movable): block 0 mixed, counted under Movable
    [2, 0, 0], // a second stranger in block 0: still one block
    [4, 2, 0], // order-2 Unmovable block filling block 1 (Unmovable): not mixed
    [8, 0, 0], // Unmovable page in a CMA block: counted under Movable, as the kernel does
    [12, 0, 1], // Movable page in a HighAtomic block (no request is HighAtomic): mixed, HighAtomic
  ];

  it("counts each pageblock holding a page of another migratetype once, under the block's type", () => {
    const m = mixedPageblocks(types, 2, 0, blocksOf(list));
    // blocks 0 and 2 under Movable, block 3 under HighAtomic: 3 in all
    expect(m).toEqual({ total: 3, Unmovable: 0, Movable: 2, Reclaimable: 0, HighAtomic: 1, CMA: 0, Isolate: 0 });
  });

  it("sees a block spanning pageblocks in each of them, from the machine's base pfn", () => {
    // an order-3 Unmovable block at pfn 1000 + 8 covers pageblocks 2 and 3 (base pfn 1000)
    const m = mixedPageblocks([1, 1, 1, 1], 2, 1000, blocksOf([[1008, 3, 0]]));
    expect(m.total).toBe(2);
    expect(m.Movable).toBe(2);
  });

  it("pageblocks of two or more requested migratetypes, whatever the pageblock's type", () => {
    // block 0: Movable + Unmovable -> counted; block 1: Unmovable only; block 2: Unmovable only;
    // block 3: Movable only. One block.
    expect(pageblocksMultiType(5, 2, 0, blocksOf(list))).toBe(1);
    // add a Reclaimable page in block 3 (pfn 13): Movable + Reclaimable -> two blocks
    expect(pageblocksMultiType(5, 2, 0, blocksOf([...list, [13, 0, 2]]))).toBe(2);
  });
});

describe("the recorder", () => {
  it("counts attempts, successes and failures per order, and operations", () => {
    const m = Machine.create(ZONE_1024);
    try {
      const rec = new Recorder(P(m), 0);
      rec.alloc(0, true);
      rec.alloc(9, true);
      rec.alloc(9, false);
      rec.free();
      expect(rec.attempts[0]).toBe(1);
      expect(rec.attempts[9]).toBe(2);
      expect(rec.successes[9]).toBe(1);
      expect(rec.failures[9]).toBe(1);
      expect(rec.ops).toBe(4); // three requests and a free
      expect(rec.series).toEqual({});
      expect(rec.latencySum).toBeNull(); // no simulated time on the engine alone
      // two order-9 requests of the kernel model took 3 and 1 simulated ms: sum 4, longest 3
      rec.latency(9, 3);
      rec.latency(9, 1);
      const out = cellMetrics(P(m), rec, { blocks: () => {} });
      expect((out.alloc_latency_ms_sum as number[])[9]).toBe(4);
      expect((out.alloc_latency_ms_max as number[])[9]).toBe(3);
      expect((out.alloc_latency_ms_max as number[])[0]).toBe(0);
    } finally {
      m.dispose();
    }
  });

  it("gives high-order success per phase, for the phases that made high-order requests", () => {
    const m = Machine.create(ZONE_1024);
    try {
      const rec = new Recorder(P(m), 0);
      rec.alloc(9, true); // before any phase: in the totals only
      rec.phase("load");
      rec.alloc(9, true);
      rec.alloc(9, false);
      rec.alloc(10, false);
      rec.alloc(3, false); // order 3 is not above PAGE_ALLOC_COSTLY_ORDER: not a high-order request
      rec.phase("quiet"); // no high-order request: no entry
      rec.alloc(0, true);
      rec.phase("rest");
      rec.alloc(4, true);
      const out = cellMetrics(P(m), rec, { blocks: () => {} });
      // load: 1 of 3 -> 33.333 %; rest: 1 of 1 -> 100 %; overall orders > 3: 3 of 5 -> 60 %
      expect(out.high_order_success_pct_by_phase).toEqual({ load: 33.333, rest: 100 });
      expect(out.high_order_success_pct).toBe(60);
    } finally {
      m.dispose();
    }
  });

  it("samples at 0 and every K operations: free pages, watermarks, free blocks per order", () => {
    const m = Machine.create(ZONE_1024);
    try {
      const rec = new Recorder(P(m), 2);
      const pfn = m.alloc({ order: 3 });
      rec.alloc(3, true); // op 1: no sample
      m.free(pfn);
      rec.free(); // op 2: sample
      m.alloc({ order: 0 });
      rec.alloc(0, true); // op 3
      rec.alloc(0, false); // op 4: sample
      expect(rec.series.ops).toEqual([0, 2, 4]);
      // 1024 free (one order-10 block); again after the free; then 1023 = 1 + 2 + ... + 512
      expect(rec.series["free_pages.Normal"]).toEqual([1024, 1024, 1023]);
      expect(rec.series["nr_free.10"]).toEqual([1, 1, 0]);
      expect(rec.series["nr_free.0"]).toEqual([0, 0, 1]);
      expect(rec.series["min.Normal"]).toEqual([0, 0, 0]);
      // unusable index at order 9: 1023 free, one order-9 block (512 pages) suitable:
      // (1023 - 512) * 1000 / 1023 = 499.5 -> 499
      expect(rec.series["unusable_index_order9.Normal"]).toEqual([0, 0, 499]);
      // fragmentation score: extfrag_for_order(9) = (1023 - 512) * 100 / 1023 = 49.95 -> 49, times
      // present 1024 / (1024 + 1) -> 48.95 -> 48; before, a free order-10 block: 0
      expect(rec.series["fragmentation_score.node0"]).toEqual([0, 0, 48]);
    } finally {
      m.dispose();
    }
  });
});

describe("fallbacks split by change_ownership (mm_page_alloc_extfrag, 6.18)", () => {
  it("tells a fallback that claimed its pageblock from a steal", () => {
    // 6.18, one Normal zone of 4096 pages: 8 pageblocks of 512, all Movable at boot (enough for
    // grouping by mobility: at least 6 pageblocks); every page allocated, then two holes made
    const spec: MachineSpec = {
      era: "6.18",
      minFreeKbytes: 0,
      nodes: [
        { zones: [{ type: "Normal", startPfn: 0, spannedPages: 4096, watermarks: { min: 0, low: 0, high: 0 } }] },
      ],
    };
    const m = Machine.create(spec);
    try {
      m.allocAllOrder0(m.machine.zones.find((z) => z.type === "Normal")?.slot ?? 0, MigrateType.Movable);
      m.freeRange(100, 1); // one free page in pageblock 0 (Movable)
      const pl = P(m);
      const rec = new Recorder(pl, 0);
      // an Unmovable order-0 request finds no Unmovable page: __rmqueue_claim looks at pageblock 0,
      // which has 1 free page and no Unmovable ones, under half of 512: no claim; __rmqueue_steal
      // takes pfn 100 and the block stays Movable (change_ownership 0)
      const stolen = m.alloc({ order: 0, migratetype: MigrateType.Unmovable });
      expect(stolen).toBe(100);
      pl.checkFallback(stolen);
      expect(pl.fallbacks().changeOwnership).toBe(0);
      m.freeRange(512, 512); // pageblock 1 entirely free: one order-9 Movable block
      // the next Unmovable request falls back to order 9 >= pageblock_order / 2: the whole block is
      // claimed for Unmovable (change_ownership 1)
      const claimed = m.alloc({ order: 0, migratetype: MigrateType.Unmovable });
      expect(claimed >> 9).toBe(1);
      pl.checkFallback(claimed);
      expect(pl.fallbacks().changeOwnership).toBe(1);
      pl.checkFallback(claimed); // no new fallback: nothing counted
      const out = cellMetrics(pl, rec);
      expect([out.extfrag_fallbacks, out.extfrag_change_ownership, out.extfrag_steal]).toEqual([2, 1, 1]);
      // fragmenting (fallback_order < pageblock_order 9): the steal took an order-0 block (yes), the
      // claim an order-9 one (no)
      expect(out.extfrag_fragmenting).toBe(1);
      // the steal left an Unmovable page in Movable pageblock 0: one mixed block, under Movable
      expect((out.mixed_pageblocks as Record<string, number>).Movable).toBe(1);
    } finally {
      m.dispose();
    }
  });
});

describe("a cell's metrics at its end", () => {
  it("gives the indices, free huge blocks, score and success percentages of a state built by hand", () => {
    const m = Machine.create(ZONE_1024);
    try {
      m.allocAllOrder0(m.machine.zones.find((z) => z.type === "Normal")?.slot ?? 0);
      m.freeRange(0, 4); // pfns 0..3 -> one order-2 block
      m.freeRange(8, 1); // pfn 8 -> order 0 (its buddy 9 is allocated)
      m.freeRange(16, 16); // pfns 16..31 -> one order-4 block
      const rec = new Recorder(P(m), 0);
      rec.alloc(0, true);
      rec.alloc(9, true);
      rec.alloc(9, false);
      rec.alloc(9, false);
      const out = cellMetrics(P(m), rec, { blocks: () => {}, vm: { compact_stall: 4, compact_success: 1 } });
      // nr_free: order 0 = 1, order 2 = 1, order 4 = 1; free pages 1 + 4 + 16 = 21
      expect(out["nr_free.Normal"]).toEqual([1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
      expect(out.free_pages).toBe(21);
      const unusable = out["unusable_index.Normal"] as number[];
      const extfrag = out["extfrag_index.Normal"] as number[];
      // order 0: everything usable -> 0
      expect(unusable[0]).toBe(0);
      // order 2: suitable = 1 (order 2) + 1 << 2 (order 4) = 5 blocks of 4 pages = 20 pages;
      // (21 - 20) * 1000 / 21 = 47.6 -> 47
      expect(unusable[2]).toBe(47);
      // order 3: suitable = 1 << 1 = 2 blocks of 8 = 16 pages; (21 - 16) * 1000 / 21 = 238.1 -> 238
      expect(unusable[3]).toBe(238);
      // order 5: nothing suitable -> (21 - 0) * 1000 / 21 = 1000
      expect(unusable[5]).toBe(1000);
      // extfrag at order 4: a suitable block exists -> -1000
      expect(extfrag[4]).toBe(-1000);
      // order 5: requested 32, free_blocks_total 3:
      // 1000 - (1000 + 21 * 1000 / 32) / 3 = 1000 - (1000 + 656) / 3 = 1000 - 552 = 448
      expect(extfrag[5]).toBe(448);
      // order 10: 1000 - (1000 + 21000 / 1024 = 20) / 3 = 1000 - 340 = 660
      expect(extfrag[10]).toBe(660);
      // score at order 9: extfrag_for_order = (21 - 0) * 100 / 21 = 100; present 1024:
      // 1024 * 100 / 1025 = 99.9 -> 99
      expect(out["fragmentation_score.node0"]).toBe(99);
      expect(out.huge_order).toBe(9);
      expect(out.free_huge_blocks).toBe(0);
      expect(out.free_huge_ideal).toBe(0); // 21 / 512 -> 0
      expect(out.free_huge_ratio).toBeUndefined(); // no ideal to compare against
      // order 0: 1 of 1 -> 100 %; order 9: 1 of 3 -> 33.333 %; high orders (> 3) are order 9 only
      expect(out.success_pct).toEqual({ 0: 100, 9: 33.333 });
      expect(out.high_order_success_pct).toBe(33.333);
      expect(out.attempts).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0]);
      expect(out.failures).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0]);
      // compaction efficiency: compact_success / compact_stall = 1 / 4 -> 25 %
      expect(out.compact_efficiency_pct).toBe(25);
      expect(out.compact_stall).toBe(4);
      // 2.6.11 keeps no pageblock migratetypes: no mixed_pageblocks (page_owner's count is 6.18's)
      expect(out.mixed_pageblocks).toBeUndefined();
      expect(out.pageblocks_multi_type).toBe(0);
    } finally {
      m.dispose();
    }
  });

  it("reads free huge blocks against free pages / 512 on an empty zone", () => {
    const m = Machine.create(ZONE_1024);
    try {
      const out = cellMetrics(P(m), new Recorder(P(m), 0));
      // 1024 free pages: one order-10 block = 2 order-9 blocks; ideal 1024 / 512 = 2; ratio 1
      expect(out.free_huge_blocks).toBe(2);
      expect(out.free_huge_ideal).toBe(2);
      expect(out.free_huge_ratio).toBe(1);
      expect(out.high_order_success_pct).toBeUndefined(); // no high-order request was made
    } finally {
      m.dispose();
    }
  });

  it("counts every allocation of the 6.18 kernel model, page tables included", () => {
    const spec: MachineSpec = { era: "6.18", nodes: [{ zones: [{ type: "DMA32", startPfn: 0, spannedPages: 8192 }] }] };
    const k = new Kernel618(spec, { recordEvents: false, thpDefrag: "never" });
    try {
      const pl = new EnginePlacement("buddy-6.18", k.machine, false);
      const rec = new Recorder(pl, 0);
      recordKernel(k, rec, pl);
      expect(k.readFile(10)).toBe(10); // ten order-0 page-cache folios
      k.addTask({ pid: 1, comm: "t" });
      k.current = k.task(1) ?? null;
      // a THP fault of a task with nothing mapped: a page-table page (order 0), then the order-9 folio
      expect(k.thpFault(1)).toBe(true);
      expect(rec.attempts[0]).toBe(11);
      expect(rec.attempts[9]).toBe(1);
      expect(rec.successes[9]).toBe(1);
      expect(rec.ops).toBe(12);
      // nothing had to wait: an empty machine serves every request from the fast path in no simulated time
      expect(rec.latencySum?.[0]).toBe(0);
      expect(rec.latencyMax?.[9]).toBe(0);
    } finally {
      k.machine.dispose();
    }
  });
});

describe("the pageblock map (docs/workloads.md, Pageblock map)", () => {
  it("6.18: each pageblock's migratetype, lower case when wholly free", () => {
    // one Normal zone of 4096 pages: 8 pageblocks of 512, all Movable and free at boot
    const spec: MachineSpec = {
      era: "6.18",
      minFreeKbytes: 0,
      nodes: [
        { zones: [{ type: "Normal", startPfn: 0, spannedPages: 4096, watermarks: { min: 0, low: 0, high: 0 } }] },
      ],
    };
    const m = Machine.create(spec);
    try {
      const map = () => pageblockMap(m, engineBlocks(m));
      expect(map()).toBe("mmmmmmmm");
      const a = m.alloc({ order: 0, migratetype: MigrateType.Movable });
      expect(a).toBe(0); // pageblock 0 holds an allocated page: upper case
      expect(map()).toBe("Mmmmmmmm");
      // an Unmovable page falls back to an order-10 Movable block (pfns 1024..2047, pageblocks 2 and 3)
      // and claims both pageblocks: pageblock 2 holds the page, pageblock 3 is Unmovable and free
      expect(m.alloc({ order: 0, migratetype: MigrateType.Unmovable })).toBe(1024);
      expect(map()).toBe("MmUummmm");
      m.free(a);
      expect(map()).toBe("mmUummmm");
    } finally {
      m.dispose();
    }
  });

  it("2.6.11: the requested migratetypes of the allocated blocks, in 2 MiB units (no pageblocks)", () => {
    // ZONE_1024: engine pageblock order 10 (MAX_ORDER - 1), huge order 9: two units of 512 pages
    const m = Machine.create(ZONE_1024);
    try {
      expect(m.alloc({ order: 0 })).toBe(0);
      expect(m.alloc({ order: 0 })).toBe(1);
      // pfns 0 and 1 requested Unmovable and Movable: unit 0 mixed; unit 1 wholly free
      expect(
        pageblockMap(
          m,
          blocksOf([
            [0, 0, MigrateType.Unmovable],
            [1, 0, MigrateType.Movable],
          ]),
        ),
      ).toBe("X-");
      // both Movable: "M"
      expect(
        pageblockMap(
          m,
          blocksOf([
            [0, 0, MigrateType.Movable],
            [1, 0, MigrateType.Movable],
          ]),
        ),
      ).toBe("M-");
      // allocated pages no block visits (the engine's pages, the workload's records say nothing): "#"
      expect(pageblockMap(m, blocksOf([]))).toBe("#-");
    } finally {
      m.dispose();
    }
  });
});
