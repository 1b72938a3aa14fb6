// Linux 6.1 beside 6.18 on the same machines: each example is one where the two kernels' rules
// (mm/page_alloc.c 6.1.141 and 6.18.2) give different free lists, pageblocks, boosts or watermark
// answers, worked by hand. Both engines (WASM and the reference model) must give the answers.

import { describe, expect, it } from "vitest";
import { AllocFlags, MigrateType, type BuddyEngine } from "../../bindings/index.js";
import type { Era } from "../../bindings/include/machine.js";
import { ENGINES, oneZone } from "../helpers.js";

const PB = 512; // pageblock_order 9
const MOV = MigrateType.Movable;
const UNMOV = MigrateType.Unmovable;
const NOWMARK = AllocFlags.NO_WATERMARKS;

/** A 4096-page zone (8 pageblocks), every page allocated as an order-0 block of migratetype mt,
 *  in pfn order (expand hands out the lowest sub-block). */
function filled(make: (s: ReturnType<typeof oneZone>) => BuddyEngine, era: Era, mt: MigrateType): BuddyEngine {
  const e = make(oneZone(era, 4096, { minFreeKbytes: 0, pageblockOrder: 9 }));
  for (let i = 0; i < 4096; i++) expect(e.alloc({ order: 0, migratetype: mt, allocFlags: NOWMARK })).toBe(i);
  return e;
}

const slotOf = (e: BuddyEngine) => e.machine.zones[0].slot;

describe.each(ENGINES)("6.1 against 6.18 on $name", ({ make }) => {
  it("a small movable fallback: 6.1 boosts and gives the remainder to MOVABLE, 6.18 steals quietly", () => {
    const run = (era: Era) => {
      const e = filled(make, era, UNMOV);
      e.free(10);
      e.free(11); // {10, 11}: order 1 on UNMOVABLE's list
      e.free(13); // order 0: its buddy 12 is allocated
      const a = e.alloc({ order: 0, migratetype: MOV });
      const boost = e.counters(slotOf(e)).watermarkBoost;
      // the same request again at the min mark, then without watermarks
      const atMin = e.alloc({ order: 0, migratetype: MOV });
      const b = atMin >= 0 ? atMin : e.alloc({ order: 0, migratetype: MOV, allocFlags: NOWMARK });
      return { a, atMin, b, boost, s: e.snapshot() };
    };
    const v61 = run("6.1");
    const v618 = run("6.18");
    // the boost blocks 6.1's second request at the min mark: min 0 + boost 512 against 2 free pages
    expect([v61.atMin, v618.atMin]).toEqual([-1, 10]);
    // Both take 13, then 10. 6.18 (__rmqueue_steal): the smallest fallback block, page_del_and_expand on
    // the fallback's own lists, no boost. 6.1 (__rmqueue_fallback): the largest fallback block is {10, 11}
    // at order 1; can_steal_fallback(1, MOVABLE) is false (1 < pageblock_order / 2 = 4), so find_smallest
    // takes 13 at order 0; steal_suitable_fallback boosts (cur 0 < 9) and moves 13 alone to MOVABLE.
    expect([v61.a, v61.b, v618.a, v618.b]).toEqual([13, 10, 13, 10]);
    // boost_watermark: high = min + 2 * max(0 >> 2, 4096 * 10 / 10000 = 4) = 8 (min_free_kbytes 0),
    // max_boost = max(512, 8 * 15000 / 10000 = 12) = 512, boost = min(0 + 512, 512)
    expect(v61.boost).toBe(512);
    expect(v618.boost).toBe(0);
    // the order-1 block {10, 11} was split after the steal: 11 is on MOVABLE's list in 6.1 (single_page
    // moved the whole block, expand used start_type), on UNMOVABLE's in 6.18; the pageblock stays UNMOVABLE
    expect(v61.s.zones[0].lists[0][MOV]).toEqual([11]);
    expect(v61.s.zones[0].lists[0][UNMOV]).toEqual([]);
    expect(v618.s.zones[0].lists[0][UNMOV]).toEqual([11]);
    expect(v618.s.zones[0].lists[0][MOV]).toEqual([]);
    expect([v61.s.pageblocks[0], v618.s.pageblocks[0]]).toEqual([UNMOV, UNMOV]);
  });

  it("an unmovable fallback: 6.18 claims the pageblock that can be claimed, 6.1 pollutes the largest block's", () => {
    const run = (era: Era) => {
      const e = filled(make, era, MOV);
      // pageblock 1 (512 .. 1023): 100 pages free, 512 + [0, 64) order 6, + [64, 96) order 5, + [96, 100) order 2
      for (let p = 512; p < 612; p++) e.free(p);
      // pageblock 3 (1536 .. 2047): all free but the first page of every 32 (16 kept): 496 free, blocks of
      // orders 0 .. 4 in each 32 (31 = 16 + 8 + 4 + 2 + 1)
      for (let p = 1536; p < 2048; p++) if ((p - 1536) % 32 !== 0) e.free(p);
      const page = e.alloc({ order: 0, migratetype: UNMOV });
      return { page, s: e.snapshot() };
    };
    const v618 = run("6.18");
    const v61 = run("6.1");
    // 6.18 __rmqueue_claim, largest first: order 6 (512) and order 5 (576) are in pageblock 1, where
    // free 100 + alike (512 - 100 free - 412 movable = 0) < 256: try_to_claim_block fails and moves
    // nothing. Order 4: a block of pageblock 3, free 496 + alike (512 - 496 - 16 = 0) >= 256: claimed,
    // its free pages moved to UNMOVABLE (tail, in pfn order), and __rmqueue_smallest takes the first
    // order-0 block, 1537.
    expect(v618.page).toBe(1537);
    expect(v618.s.pageblocks.slice(0, 4)).toEqual([MOV, MOV, MOV, UNMOV]);
    expect(v618.s.zones[0].lists[6][MOV]).toEqual([512]);
    // 6.1 __rmqueue_fallback takes the largest block, 512 at order 6; can_steal_fallback is true for an
    // UNMOVABLE request, so steal_suitable_fallback moves every free page of pageblock 1 to UNMOVABLE's
    // lists (move_freepages_block: 512 o6, 576 o5, 608 o2), but 100 + 0 < 256 keeps the pageblock
    // MOVABLE. __rmqueue then takes UNMOVABLE's smallest block: 608 (order 2), leaving 609 (o0), 610 (o1).
    expect(v61.page).toBe(608);
    expect(v61.s.pageblocks.slice(0, 4)).toEqual([MOV, MOV, MOV, MOV]);
    expect(v61.s.zones[0].lists[6][UNMOV]).toEqual([512]);
    expect(v61.s.zones[0].lists[5][UNMOV]).toEqual([576]);
    expect(v61.s.zones[0].lists[0][UNMOV]).toEqual([609]);
    expect(v61.s.zones[0].lists[1][UNMOV]).toEqual([610]);
    expect(v61.s.zones[0].lists[6][MOV]).toEqual([]);
  });

  it("the highatomic reserve: 6.1 hides all of it from the watermark and keeps one pageblock on small zones", () => {
    const atomic = AllocFlags.WMARK_MIN | AllocFlags.MIN_RESERVE | AllocFlags.NON_BLOCK | AllocFlags.HIGHATOMIC;
    const run = (era: Era, pages: number) => {
      const e = make(oneZone(era, pages, { minFreeKbytes: 0, pageblockOrder: 9 }));
      e.alloc({ order: 2, migratetype: UNMOV, allocFlags: atomic });
      return { e, c: e.counters(slotOf(e)) };
    };
    // 65536 pages: 6.18 reserves up to ALIGN(655, 512) = 1024, 6.1 up to 655 + 512 = 1167; both take one
    // pageblock, 512 pages, of which 512 - 4 = 508 are free
    const big61 = run("6.1", 65536);
    const big618 = run("6.18", 65536);
    expect([big61.c.nrReservedHighatomic, big618.c.nrReservedHighatomic]).toEqual([PB, PB]);
    expect([big61.c.nrFreeHighatomic, big618.c.nrFreeHighatomic]).toEqual([508, 508]);
    // __zone_watermark_unusable_free without ALLOC_RESERVES: 6.18 subtracts nr_free_highatomic (508),
    // 6.1 nr_reserved_highatomic (512). At mark = free - 510: 6.18 free - 508 > free - 510 passes,
    // 6.1 free - 512 > free - 510 fails; with ALLOC_OOM neither subtracts anything.
    const free = big61.c.freePages;
    expect(big618.c.freePages).toBe(free);
    expect(big618.e.watermarkOk618(slotOf(big618.e), 0, free - 510, 2, 0)).toBe(true);
    expect(big61.e.watermarkOk618(slotOf(big61.e), 0, free - 510, 2, 0)).toBe(false);
    expect(big61.e.watermarkOk618(slotOf(big61.e), 0, free - 510, 2, AllocFlags.OOM)).toBe(true);
    // 16384 pages: 1% = 163 < 512, so 6.18 reserves nothing; 6.1's limit is 163 + 512 = 675 > 0
    const small61 = run("6.1", 16384);
    const small618 = run("6.18", 16384);
    expect([small61.c.nrReservedHighatomic, small618.c.nrReservedHighatomic]).toEqual([PB, 0]);
  });

  it("the unboosted min retry: __GFP_HIGH alone in 6.18, GFP_ATOMIC's pair in 6.1 (__GFP_ATOMIC)", () => {
    const run = (era: Era) => {
      const e = make(
        oneZone(era, 16384, { minFreeKbytes: 0, pageblockOrder: 9 }, { watermarks: { min: 100, low: 200, high: 400 } }),
      );
      const slot = slotOf(e);
      // every other page free, then one UNMOVABLE fallback below pageblock order boosts the watermark
      const pages: number[] = [];
      for (let i = 0; i < 16384; i++) pages.push(e.alloc({ order: 0, migratetype: MOV, allocFlags: NOWMARK }));
      for (let i = 0; i < 16384; i += 2) e.free(pages[i]);
      e.alloc({ order: 0, migratetype: UNMOV, allocFlags: NOWMARK });
      while (e.counters(slot).freePages > 200) e.alloc({ order: 0, migratetype: MOV, allocFlags: NOWMARK });
      const c = e.counters(slot);
      const ask = (flags: number) => e.alloc({ order: 0, migratetype: MOV, allocFlags: AllocFlags.WMARK_MIN | flags });
      return { c, high: ask(AllocFlags.MIN_RESERVE), atomic: ask(AllocFlags.MIN_RESERVE | AllocFlags.NON_BLOCK) };
    };
    const v618 = run("6.18");
    const v61 = run("6.1");
    // max_boost = max(512, 400 * 15000 / 10000 = 600). The UNMOVABLE fallback boosts by 512 in both;
    // 6.1 boosts again (to 600) when the MOVABLE requests run out of MOVABLE pages and steal single
    // pages from the claimed pageblock (steal_suitable_fallback boosts; 6.18's __rmqueue_steal does not)
    expect([v61.c.watermarkBoost, v618.c.watermarkBoost]).toEqual([600, 512]);
    expect([v61.c.freePages, v618.c.freePages]).toEqual([200, 200]);
    // 6.18: mark = 100 + 512 = 612; __GFP_HIGH min = 612 - 306 = 306 > 200 fails; the retry at the
    // unboosted min 100 - 50 = 50 < 200 passes. 6.1: mark 700, min 350 (GFP_ATOMIC: 350 - 87 = 263), fails;
    // the retry (50, or 38) is only for __GFP_ATOMIC, which GFP_ATOMIC's MIN_RESERVE | NON_BLOCK stands for.
    expect(v618.high).toBeGreaterThanOrEqual(0);
    expect(v61.high).toBe(-1);
    expect(v618.atomic).toBeGreaterThanOrEqual(0);
    expect(v61.atomic).toBeGreaterThanOrEqual(0);
  });

  it("a merge above pageblock order retags the buddy's pageblock in 6.18, not in 6.1", () => {
    const run = (era: Era) => {
      // 4096 pages: grouping by mobility stays on (at least pageblock_nr_pages * MIGRATE_TYPES = 3072)
      const e = make(oneZone(era, 4096, { minFreeKbytes: 0, pageblockOrder: 9 }));
      for (const p of [0, 1024, 2048]) expect(e.alloc({ order: 10, migratetype: MOV, allocFlags: NOWMARK })).toBe(p);
      // UNMOVABLE order 9: the order-10 MOVABLE block at 3072 is a fallback at or above pageblock order,
      // so both eras take its two pageblocks (change_pageblock_range): 3072 allocated, 3584 free, UNMOVABLE
      expect(e.alloc({ order: 9, migratetype: UNMOV, allocFlags: NOWMARK })).toBe(3072);
      // MOVABLE order 9: no MOVABLE list has a block; 3584 (order 9 on UNMOVABLE's list) is taken with
      // its pageblock, retagged MOVABLE
      expect(e.alloc({ order: 9, migratetype: MOV, allocFlags: NOWMARK })).toBe(3584);
      e.free(3584); // its buddy 3072 is allocated: 3584 stays an order-9 MOVABLE block
      e.free(3072); // buddy 3584 is free at order 9 >= pageblock_order; UNMOVABLE, MOVABLE: mergeable
      return e.snapshot();
    };
    const v618 = run("6.18");
    const v61 = run("6.1");
    // both merge into one order-10 block on UNMOVABLE's list (the freed head's type); 6.18's
    // __free_one_page retags the buddy's pageblock (set_pageblock_migratetype), 6.1's does not
    expect(v618.zones[0].lists[10][UNMOV]).toEqual([3072]);
    expect(v61.zones[0].lists[10][UNMOV]).toEqual([3072]);
    expect(v618.pageblocks.slice(6)).toEqual([UNMOV, UNMOV]);
    expect(v61.pageblocks.slice(6)).toEqual([UNMOV, MOV]);
  });
});
