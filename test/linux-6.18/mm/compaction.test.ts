// mm/compaction.c (6.18) policy, with worked examples from the source: compaction_suitable at
// orders 3, 4 and 9 (compact_gap, the low - min extra for costly orders, the fragmentation index
// against extfrag_threshold), the deferral sequence, what each priority means, capture through
// try_to_compact_pages, kcompactd and proactive compaction's score marks.

import { describe, expect, it } from "vitest";
import type { Machine } from "../../../bindings/engine/machine.js";
import { MigrateType } from "../../../bindings/include/linux/mmzone.js";
import { CompactPriority, CompactResult } from "../../../bindings/include/linux/compaction.js";
import { AllocFlags } from "../../../bindings/mm/internal.js";
import {
  COMPACT_MAX_DEFER_SHIFT,
  CompactionState,
  type CompactionEnv,
  accountDirectCompact,
  compactionDeferReset,
  compactionDeferred,
  compactionRestarting,
  compactionSuitable,
  compactionSuitableWatermark,
  compactionZonelistSuitable,
  deferCompaction,
  fragmentationIndex,
  fragmentationScoreWmark,
  kcompactdDoWork,
  newCompactionVmstat,
  proactiveCompactNode,
  tryToCompactPages,
  wakeupKcompactd,
} from "../../../bindings/linux-6.18/mm/compaction.js";
import { wasmMachine } from "../../helpers.js";

const GFP_KERNEL = 0xcc0; // __GFP_RECLAIM | __GFP_IO | __GFP_FS (include/linux/gfp_types.h 6.18)
const GFP_NOIO = 0x400 | 0x800; // __GFP_RECLAIM only: no __GFP_IO

function envOf(machine: Machine, extra: Partial<CompactionEnv> = {}): CompactionEnv {
  return {
    machine,
    sysctl: { extfragThreshold: 500, compactionProactiveness: 20 },
    vmstat: newCompactionVmstat(),
    ...extra,
  };
}

/** 1 GiB of DMA32 (262144 pages) with min 1000, low 1250, high 1500, everything allocated. */
function gib(): Machine {
  const m = wasmMachine({
    era: "6.18",
    nodes: [
      {
        zones: [{ type: "DMA32", startPfn: 0, spannedPages: 262144, watermarks: { min: 1000, low: 1250, high: 1500 } }],
      },
    ],
  });
  m.allocAllOrder0(m.zone("DMA32").slot, MigrateType.Movable, 1);
  return m;
}

describe("compaction_suitable (mm/compaction.c 6.18), at the low mark 1250 of DMA32 (class zone 1)", () => {
  it("order 3: mark = 1250 + compact_gap(3) = 1250 + 16 = 1266; not costly, no fragmentation index", () => {
    const m = gib();
    const env = envOf(m);
    const slot = m.zone("DMA32").slot;
    m.freeStrided(0, 1266, 2, 1); // 1266 single free pages (their buddies stay allocated)
    expect(compactionSuitableWatermark(env, slot, 3, 1250, 1, 1266)).toEqual({
      mark: 1266,
      usable: 1266,
      reserve: 0,
      ok: false, // 1266 > 1266 + 0 fails
    });
    expect(compactionSuitable(env, slot, 3, 1250, 1)).toBe(false);
    m.freeStrided(4000, 1, 2, 1); // 1267 free
    expect(compactionSuitable(env, slot, 3, 1250, 1)).toBe(true);
    m.dispose();
  });

  it("order 4: mark = 1250 + 32 + (low 1250 - min 1000) = 1532; then fragindex against 500", () => {
    const m = gib();
    const events: Record<string, unknown>[] = [];
    const env = envOf(m, { event: (kind, f) => kind === "compaction_suitable" && events.push(f) });
    const slot = m.zone("DMA32").slot;
    m.freeStrided(0, 1532, 2, 1);
    expect(compactionSuitable(env, slot, 4, 1250, 1)).toBe(false); // 1532 > 1532 fails: COMPACT_SKIPPED
    expect(events.at(-1)).toMatchObject({ mark: 1532, usable: 1532, result: "COMPACT_SKIPPED" });
    m.freeStrided(4000, 468, 2, 1); // 2000 single pages
    // __fragmentation_index: requested 16, free_pages 2000, free_blocks_total 2000, none suitable:
    // 1000 - (1000 + 2000 * 1000 / 16) / 2000 = 1000 - (1000 + 125000) / 2000 = 1000 - 63 = 937 > 500
    expect(fragmentationIndex(env, slot, 4)).toBe(937);
    expect(compactionSuitable(env, slot, 4, 1250, 1)).toBe(true);
    m.dispose();
  });

  it("order 4 with the same 2000 free pages in 250 order-3 blocks: index 496 <= 500, not suitable", () => {
    const m = gib();
    const events: Record<string, unknown>[] = [];
    const env = envOf(m, { event: (kind, f) => kind === "compaction_suitable" && events.push(f) });
    const slot = m.zone("DMA32").slot;
    m.freeStrided(0, 250, 16, 8); // order-3 blocks whose buddies stay allocated
    // 1000 - (1000 + 125000) / 250 = 1000 - 504 = 496: a failure "due to lack of memory"
    expect(fragmentationIndex(env, slot, 4)).toBe(496);
    expect(compactionSuitable(env, slot, 4, 1250, 1)).toBe(false);
    expect(events.at(-1)).toMatchObject({ fragindex: 496, result: "COMPACT_NOT_SUITABLE_ZONE" });
    // at vm.extfrag_threshold 496 still refused (index <= threshold); 495 lets it through
    expect(compactionSuitable({ ...env, sysctl: { ...env.sysctl, extfragThreshold: 496 } }, slot, 4, 1250, 1)).toBe(
      false,
    );
    expect(compactionSuitable({ ...env, sysctl: { ...env.sysctl, extfragThreshold: 495 } }, slot, 4, 1250, 1)).toBe(
      true,
    );
    m.dispose();
  });

  it("order 9: mark = 1250 + 1024 + 250 = 2524; 3000 single pages give index 998", () => {
    const m = gib();
    const env = envOf(m);
    const slot = m.zone("DMA32").slot;
    m.freeStrided(0, 2524, 2, 1);
    expect(compactionSuitable(env, slot, 9, 1250, 1)).toBe(false);
    m.freeStrided(6000, 476, 2, 1); // 3000
    // 3000 * 1000 / 512 = 5859; (1000 + 5859) / 3000 = 2; 1000 - 2 = 998
    expect(fragmentationIndex(env, slot, 9)).toBe(998);
    expect(compactionSuitable(env, slot, 9, 1250, 1)).toBe(true);
    // a free order-9 block makes the index -1000 ("could succeed"), which never blocks compaction
    m.freeStrided(262144 - 512, 1, 512, 512);
    expect(fragmentationIndex(env, slot, 9)).toBe(-1000);
    expect(compactionSuitable(env, slot, 9, 1250, 1)).toBe(true);
    m.dispose();
  });

  it("CONFIG_COMPACTION=n: never suitable, try_to_compact_pages is COMPACT_SKIPPED", () => {
    const m = gib();
    const env = envOf(m, { configCompaction: false });
    const slot = m.zone("DMA32").slot;
    m.freeStrided(0, 3000, 2, 1);
    expect(compactionSuitable(env, slot, 3, 1250, 1)).toBe(false);
    const r = tryToCompactPages(env, new CompactionState(), {
      gfpMask: GFP_KERNEL,
      order: 3,
      migratetype: MigrateType.Movable,
      allocFlags: AllocFlags.WMARK_MIN,
      zonelist: [slot],
      highestZoneidx: 1,
      prio: CompactPriority.SYNC_FULL,
    });
    expect(r.result).toBe(CompactResult.SKIPPED);
    m.dispose();
  });

  it("compaction_zonelist_suitable counts reclaimable / order on top of the free pages, at the min mark", () => {
    const m = gib();
    const env = envOf(m);
    const slot = m.zone("DMA32").slot;
    m.freeStrided(0, 1000, 2, 1);
    // order 4: min 1000 + 32 + 250 = 1282; free 1000 + reclaimable 1128 / 4 = 282 -> 1282: not above
    expect(compactionZonelistSuitable(env, [slot], 4, 1, () => 1128)).toBe(false);
    expect(compactionZonelistSuitable(env, [slot], 4, 1, () => 1132)).toBe(true); // 1000 + 283
    m.dispose();
  });
});

describe("deferral (defer_compaction, compaction_deferred, compaction_defer_reset)", () => {
  it("after each failure 2^shift - 1 attempts are skipped, up to shift 6 (63 skips)", () => {
    const z = { considered: 0, deferShift: 0, orderFailed: 0 };
    expect(compactionDeferred(z, 9)).toBe(false); // shift 0: limit 1, ++considered = 1 >= 1
    const skipsAfter = () => {
      let skips = 0;
      while (compactionDeferred(z, 9)) skips++;
      return skips;
    };
    const seen: number[] = [];
    for (let i = 0; i < 8; i++) {
      deferCompaction(z, 9);
      seen.push(skipsAfter());
    }
    expect(seen).toEqual([1, 3, 7, 15, 31, 63, 63, 63]);
    expect(z.deferShift).toBe(COMPACT_MAX_DEFER_SHIFT);
    // compact_order_failed is 0 from boot, so 9 < 0 never exempts; now restarting (shift 6, 64 considered)
    expect(compactionRestarting(z, 9)).toBe(true);
    // success at order 9 (alloc_success): shift 0, order_failed 10: orders below 10 are never deferred
    compactionDeferReset(z, 9, true);
    expect(z).toEqual({ considered: 0, deferShift: 0, orderFailed: 10 });
    deferCompaction(z, 9); // order_failed = min(10, 9) = 9
    expect(z.orderFailed).toBe(9);
    expect(compactionDeferred(z, 8)).toBe(false); // below order_failed
    expect(compactionDeferred(z, 9)).toBe(true);
  });
});

describe("try_to_compact_pages: priorities, deferral and capture", () => {
  /** 256 pages (16 pageblocks of 16), watermarks 0, every page movable; pageblock 0 free but for pfn 5,
   *  every other page of pageblocks 10..15 free: 15 + 48 = 63 free pages, none in an order-4 block. */
  function machine(): { m: Machine; slot: number } {
    const m = wasmMachine({
      era: "6.18",
      maxOrder: 6,
      pageblockOrder: 4,
      nodes: [{ zones: [{ type: "Normal", startPfn: 0, spannedPages: 256, watermarks: { min: 0, low: 0, high: 0 } }] }],
    });
    for (let i = 0; i < 256; i++) m.alloc({ order: 0, migratetype: MigrateType.Movable, owner: 7 });
    for (let p = 0; p < 16; p++) if (p !== 5) m.free(p);
    for (let p = 160; p < 256; p += 2) m.free(p);
    return { m, slot: m.zone("Normal").slot };
  }
  const req = (slot: number, prio: number) => ({
    gfpMask: GFP_KERNEL,
    order: 4,
    migratetype: MigrateType.Movable,
    allocFlags: AllocFlags.WMARK_MIN,
    zonelist: [slot],
    highestZoneidx: 2,
    prio,
    owner: 42,
  });

  it("sync-light: pfn 5 moves to the free scanner's first page (240), pageblock 0 merges and is captured", () => {
    const { m, slot } = machine();
    const moves: number[][] = [];
    const env = envOf(m, { onMove: (a, b, o) => moves.push([a, b, o]) });
    const state = new CompactionState();
    const r = tryToCompactPages(env, state, req(slot, CompactPriority.SYNC_LIGHT));
    expect(moves).toEqual([[5, 240, 0]]);
    expect(r).toMatchObject({ result: CompactResult.SUCCESS, capturedPfn: 0, zoneSlot: slot });
    expect(m.blockAt(0)).toMatchObject({ order: 4, owner: 42 });
    expect(env.vmstat.pgmigrate_success).toBe(1);
    accountDirectCompact(env, state, r.result, { slot }, 4);
    expect([env.vmstat.compact_stall, env.vmstat.compact_success, env.vmstat.compact_fail]).toEqual([1, 1, 0]);
    expect(state.zone(slot)).toEqual({ considered: 0, deferShift: 0, orderFailed: 5 });
    m.checkInvariants();
    m.dispose();
  });

  it("each priority's mode: ASYNC async, SYNC_LIGHT sync-light, SYNC_FULL sync-light over the whole zone", () => {
    for (const [prio, mode] of [
      [CompactPriority.ASYNC, "async"],
      [CompactPriority.SYNC_LIGHT, "sync-light"],
      [CompactPriority.SYNC_FULL, "sync-light"],
    ] as const) {
      const { m, slot } = machine();
      const modes: unknown[] = [];
      const env = envOf(m, { event: (kind, f) => kind === "compact_zone" && modes.push(f.mode) });
      tryToCompactPages(env, new CompactionState(), req(slot, prio));
      expect(modes).toEqual([mode]);
      m.dispose();
    }
  });

  it("deferred zones are skipped (COMPACT_DEFERRED) except at SYNC_FULL; ASYNC never defers", () => {
    const { m, slot } = machine();
    for (let p = 0; p < 256; p++) if (m.blockAt(p)) m.setMovable(p, false); // all pinned: every pass fails
    const env = envOf(m);
    const state = new CompactionState();
    const z = state.zone(slot);
    const r1 = tryToCompactPages(env, state, req(slot, CompactPriority.ASYNC));
    expect(r1.result).not.toBe(CompactResult.SUCCESS);
    expect(z.deferShift).toBe(0); // async compaction does not defer
    const r2 = tryToCompactPages(env, state, req(slot, CompactPriority.SYNC_LIGHT));
    expect([CompactResult.COMPLETE, CompactResult.PARTIAL_SKIPPED]).toContain(r2.result);
    expect(z.deferShift).toBe(1);
    const r3 = tryToCompactPages(env, state, req(slot, CompactPriority.SYNC_LIGHT));
    expect(r3.result).toBe(CompactResult.DEFERRED); // considered 1 < 2
    deferCompaction(z, 4);
    deferCompaction(z, 4); // shift 3: the next 7 attempts would be skipped
    const r4 = tryToCompactPages(env, state, req(slot, CompactPriority.SYNC_FULL));
    expect(r4.result).not.toBe(CompactResult.DEFERRED); // MIN_COMPACT_PRIORITY ignores deferral
    accountDirectCompact(env, state, r4.result, null, 4);
    expect([env.vmstat.compact_stall, env.vmstat.compact_fail]).toEqual([1, 1]);
    m.dispose();
  });

  it("without __GFP_IO compaction is not allowed (gfp_compaction_allowed): COMPACT_SKIPPED", () => {
    const { m, slot } = machine();
    const r = tryToCompactPages(envOf(m), new CompactionState(), { ...req(slot, 1), gfpMask: GFP_NOIO });
    expect(r.result).toBe(CompactResult.SKIPPED);
    m.dispose();
  });

  it("kcompactd: woken for order 4, compacts sync-light without capture, then forgets the request", () => {
    const { m, slot } = machine();
    const env = envOf(m);
    const state = new CompactionState();
    expect(wakeupKcompactd(env, state, 0, 0, 2)).toBe(false); // order 0 never wakes it
    expect(wakeupKcompactd(env, state, 0, 4, 2)).toBe(true);
    kcompactdDoWork(env, state, 0);
    expect(env.vmstat.compact_daemon_wake).toBe(1);
    expect(env.vmstat.compact_daemon_migrate_scanned).toBeGreaterThan(0);
    expect(m.stats(slot).nrFree[4]).toBe(1); // pageblock 0 is free, nobody captured it
    expect(state.node(env, 0)).toMatchObject({ kcompactdMaxOrder: 0, sleeping: true });
    m.dispose();
  });
});

describe("proactive compaction", () => {
  it("fragmentation_score_wmark: proactiveness 20 -> low 80, high 80 + min(10, 40) = 90; 95 -> 5, 7", () => {
    const env = { sysctl: { extfragThreshold: 500, compactionProactiveness: 20 } } as CompactionEnv;
    expect([fragmentationScoreWmark(env, true), fragmentationScoreWmark(env, false)]).toEqual([80, 90]);
    env.sysctl.compactionProactiveness = 95;
    expect([fragmentationScoreWmark(env, true), fragmentationScoreWmark(env, false)]).toEqual([5, 7]);
  });

  it("proactive_compact_node compacts a node whose score is above the high mark", () => {
    const m = wasmMachine({
      era: "6.18",
      maxOrder: 6,
      pageblockOrder: 4,
      nodes: [{ zones: [{ type: "Normal", startPfn: 0, spannedPages: 256, watermarks: { min: 0, low: 0, high: 0 } }] }],
    });
    for (let i = 0; i < 256; i++) m.alloc({ order: 0, migratetype: MigrateType.Movable, owner: 7 });
    for (let p = 0; p < 128; p += 2) m.free(p); // 64 single pages: extfrag_for_order(4) = 100
    const env = envOf(m, { hpageOrder: 4, sysctl: { extfragThreshold: 500, compactionProactiveness: 95 } });
    const state = new CompactionState();
    expect(proactiveCompactNode(env, state, 0)).toBe(500);
    expect(m.stats(m.zone("Normal").slot).nrFree[4]).toBeGreaterThan(0);
    expect(env.vmstat.compact_daemon_migrate_scanned).toBeGreaterThan(0);
    expect(proactiveCompactNode({ ...env, sysctl: { ...env.sysctl, compactionProactiveness: 0 } }, state, 0)).toBe(
      null,
    );
    m.dispose();
  });
});
