// The engine's compact_zone pass (assembly/compaction.ts, debug build) against the reference pass
// (reference/compaction.ts) on random 6.18 machines fragmented by a random workload: every pass's
// result, moves, counters and capture, then the complete state (free lists in order, allocated
// blocks, movable bits, pageblock types and skip hints, cached scanner positions), and the engine's
// invariant check after every pass. Plus worked examples of the pass itself.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MigrateType } from "../../bindings/include/linux/mmzone.js";
import {
  COMPACT_RESULT_NAMES,
  CompactResult,
  MigrateMode,
  type MigrateModeName,
} from "../../bindings/include/linux/compaction.js";
import type { Machine } from "../../bindings/engine/machine.js";
import { wasmMachine } from "../helpers.js";
import { randomMachine } from "./differential.js";
import { runPasses } from "./compaction_diff.js";

describe("compact_zone: WASM engine vs reference model", () => {
  it("the engine's enum compact_result and migrate modes are the header's (include/linux/compaction.ts)", () => {
    const w = wasmMachine({ era: "6.18", nodes: [{ zones: [{ type: "Normal", startPfn: 0, spannedPages: 1024 }] }] });
    const abi = w.engineAbi;
    for (const [name, v] of Object.entries(CompactResult)) expect(abi[`COMPACT_${name}` as keyof typeof abi]).toBe(v);
    expect([abi.MIGRATE_ASYNC, abi.MIGRATE_SYNC_LIGHT, abi.MIGRATE_SYNC]).toEqual([
      MigrateMode.ASYNC,
      MigrateMode.SYNC_LIGHT,
      MigrateMode.SYNC,
    ]);
    expect(abi.COMPACT_CLUSTER_MAX).toBe(32);
    w.dispose();
  });

  it("fast-check: random machines and workloads, every pass and the whole state compared", () => {
    fc.assert(
      fc.property(
        fc.record({
          maxOrder: fc.integer({ min: 3, max: 11 }),
          pbDelta: fc.integer({ min: 1, max: 4 }),
          nodes: fc.integer({ min: 1, max: 2 }),
          zonePages: fc.integer({ min: 64, max: 1500 }),
          seed: fc.integer({ min: 1, max: 0x7fffffff }),
        }),
        (q) => {
          const spec = randomMachine({
            era: "6.18",
            maxOrder: q.maxOrder,
            pageblockOrder: Math.max(1, q.maxOrder - q.pbDelta),
            nodes: q.nodes,
            zonePages: q.zonePages,
            seed: q.seed,
          });
          runPasses(spec, q.seed, 400, 12);
        },
      ),
      { numRuns: 60, seed: 1810 },
    );
  });

  it("seeded machines reach moves, captures, failed migrations and every end of a pass", () => {
    const all = { moves: 0, captured: 0, fails: 0, results: new Set<string>() };
    for (let n = 1; n <= 12; n++) {
      const spec = randomMachine({
        era: "6.18",
        maxOrder: 11,
        pageblockOrder: 5 + (n % 4),
        nodes: 1 + (n % 2),
        zonePages: 2048 + 256 * n,
        seed: 7919 * n,
      });
      const t = runPasses(spec, 104729 * n, 3000, 30);
      all.moves += t.moves;
      all.captured += t.captured;
      all.fails += t.fails;
      for (const x of t.results) all.results.add(x);
    }
    expect(all.moves).toBeGreaterThan(1000);
    expect(all.captured).toBeGreaterThan(5);
    expect(all.fails).toBeGreaterThan(0);
    for (const name of ["COMPACT_SUCCESS", "COMPACT_COMPLETE", "COMPACT_PARTIAL_SKIPPED"])
      expect([...all.results]).toContain(name);
  });
});

describe("compact_zone: worked examples", () => {
  /** One 6.18 zone of 8 pageblocks of 2^4 pages (maxOrder 6; 128 pages: grouping by mobility is on,
   *  128 >= pageblock_nr_pages * MIGRATE_TYPES = 96), every page taken as a movable order-0 page. */
  function tiny(): Machine {
    const m = wasmMachine({
      era: "6.18",
      maxOrder: 6,
      pageblockOrder: 4,
      nodes: [{ zones: [{ type: "Normal", startPfn: 0, spannedPages: 128, watermarks: { min: 0, low: 0, high: 0 } }] }],
    });
    for (let i = 0; i < 128; i++) m.alloc({ order: 0, migratetype: MigrateType.Movable, owner: 7 });
    return m;
  }

  it("sync, whole zone, order 4: the low pageblock's movable pages move to the top pageblock's holes", () => {
    const m = tiny();
    // pageblock 0 keeps 2 movable pages (pfn 3, 9); pageblock 7 has the free order-1 block at 124
    for (let p = 0; p < 16; p++) if (p !== 3 && p !== 9) m.free(p);
    m.free(124);
    m.free(125);
    const slot = m.zone("Normal").slot;
    const r = m.compactZone(slot, { order: 4, mode: "sync", wholeZone: true, ignoreSkipHint: true });
    // isolate_migratepages_block takes 3, then 9 (list_add: 9 heads cc->migratepages); the free
    // scanner starts at pageblock_start_pfn(127) = 112 and isolates the order-1 block at 124
    // (nr_freepages 2 >= nr_migratepages 2: stop); compaction_alloc splits it: 9 -> 124, 3 -> 125.
    expect(Array.from(r.moves)).toEqual([9, 124, 0, 3, 125, 0]);
    expect(r.counters).toEqual({
      compactMigrateScanned: 16, // pfn 0..15, each free block counted by its pages
      compactFreeScanned: 14, // 112..123 one by one, then the order-1 block (2)
      compactIsolated: 4, // 2 sources + 2 free pages
      pgmigrateSuccess: 2,
      pgmigrateFail: 0,
    });
    // 9 merges 8..15 into an order-3 block, 3 merges 0..7 and then 0..15: one order-4 block on the
    // MOVABLE list, which __compact_finished finds at the pageblock boundary (migrate_pfn 16)
    expect(r.resultName).toBe(COMPACT_RESULT_NAMES[CompactResult.SUCCESS]);
    expect(m.stats(slot).nrFree[4]).toBe(1);
    expect(m.blockAt(124)).toMatchObject({ owner: 7, migratetype: MigrateType.Movable, movable: true });
    m.checkInvariants();
    m.dispose();
  });

  it("no target: one page moves, the next fails with -ENOMEM, the scanners meet (COMPACT_COMPLETE)", () => {
    const m = tiny();
    for (let p = 0; p < 16; p++) if (p !== 3) m.free(p);
    m.setMovable(3, false); // pinned: pageblock 0 cannot be emptied
    m.free(124);
    const slot = m.zone("Normal").slot;
    const r = m.compactZone(slot, { order: 4, mode: "sync", wholeZone: true, ignoreSkipHint: true });
    // pageblock 0 isolates nothing (marked skip); pageblock 1 isolates its 16 pages (16..31); the free
    // scanner finds only 124 between pfn 127 and pageblock_end_pfn(32) = 48: 31 -> 124, then 30
    // finds no target (-ENOMEM, 1 page failed, 14 put back); free_pfn 32 meets migrate_pfn 32.
    expect(Array.from(r.moves)).toEqual([31, 124, 0]);
    expect(r.counters.pgmigrateSuccess).toBe(1);
    expect(r.counters.pgmigrateFail).toBe(1);
    expect(r.resultName).toBe("COMPACT_COMPLETE");
    expect(m.pageblockSkip(0)).toBe(true);
    m.checkInvariants();
    m.dispose();
  });

  it("capture: the order-4 block formed by the migration goes to the requester", () => {
    const m = tiny();
    for (let p = 0; p < 16; p++) if (p !== 5) m.free(p);
    m.free(127);
    const slot = m.zone("Normal").slot;
    const before = m.stats(slot).freePages; // 15 + 1
    const r = m.compactZone(slot, {
      order: 4,
      mode: "sync-light",
      wholeZone: true,
      ignoreSkipHint: true,
      capture: true,
      owner: 42,
    });
    // freeing 5 merges 4+5 -> order 1, +6..7 -> 2, +0..3 -> 3, +8..15 -> 4: compaction_capture at
    // order 4 takes pfn 0 for the requester; free pages 16 - 1 (127 isolated and used) + 1 - 16
    expect(before).toBe(16);
    expect(Array.from(r.moves)).toEqual([5, 127, 0]);
    expect(r.capturedPfn).toBe(0);
    expect(r.resultName).toBe("COMPACT_SUCCESS");
    expect(m.blockAt(0)).toMatchObject({ order: 4, owner: 42 });
    expect(m.stats(slot).freePages).toBe(0);
    m.checkInvariants();
    m.dispose();
  });

  it("skip hints: a pageblock the migrate scanner isolated nothing from is marked and then skipped", () => {
    const m = tiny();
    for (let p = 0; p < 16; p++) m.setMovable(p, false); // pageblock 0: 16 unmovable pages
    const slot = m.zone("Normal").slot;
    m.free(127);
    expect(m.pageblockSkip(0)).toBe(false);
    const r1 = m.compactZone(slot, { order: 4, mode: "sync", wholeZone: true });
    expect(m.pageblockSkip(0)).toBe(true);
    expect(r1.counters.compactMigrateScanned).toBeGreaterThanOrEqual(16);
    // a second whole-zone pass does not scan pageblock 0 again (only its first pfn is looked at)
    const scanned = (ignoreSkipHint: boolean) =>
      m.compactZone(slot, { order: 4, mode: "sync", wholeZone: true, ignoreSkipHint }).counters.compactMigrateScanned;
    expect(scanned(false)).toBeLessThan(scanned(true));
    m.dispose();
  });

  it("rejects bad arguments", () => {
    const m = tiny();
    const slot = m.zone("Normal").slot;
    expect(() => m.compactZone(slot, { order: 6, mode: "sync" })).toThrow(/order 6/);
    expect(() => m.compactZone(slot, { order: 2, mode: "fast" as MigrateModeName })).toThrow(/mode fast/);
    expect(() => m.setMovable(128, true)).toThrow(/not the head/);
    m.dispose();
  });
});

describe("compaction's move log and pooled engine instances", () => {
  it("a machine reusing a pooled instance starts from zeros past the last machine's move log", () => {
    const small = wasmMachine({
      era: "6.18",
      maxOrder: 6,
      pageblockOrder: 4,
      nodes: [
        { zones: [{ type: "Normal", startPfn: 0, spannedPages: 4096, watermarks: { min: 0, low: 0, high: 0 } }] },
      ],
    });
    const slot = small.zone("Normal").slot;
    small.allocAllOrder0(slot, MigrateType.Movable, 3);
    small.freeStrided(0, 2048, 2, 1);
    const r = small.compactZone(slot, { order: -1, mode: "sync", wholeZone: true, ignoreSkipHint: true });
    expect(r.moves.length / 3).toBeGreaterThan(500); // the log lies past the small machine's arrays
    small.dispose();
    // the next machine's page arrays cover where that log was written
    const big = wasmMachine({
      era: "6.18",
      nodes: [{ zones: [{ type: "Normal", startPfn: 0, spannedPages: 65536 }] }],
    });
    big.checkInvariants();
    expect(big.snapshot().allocated).toEqual([]);
    big.dispose();
  });
});
