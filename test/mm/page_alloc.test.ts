// mm/page_alloc.ts: the alloc_flags the slow path derives from a gfp mask, era by era
// (gfp_to_alloc_flags and its predecessors in mm/page_alloc.c). Masks from the corpus in
// test/fixtures where one prints them; the rest hand-derived from the era's include/linux/gfp.h.

import { describe, expect, it } from "vitest";
import { allocFlagsFor } from "../../bindings/mm/page_alloc.js";
import { AllocFlags } from "../../bindings/mm/internal.js";
import { PAGE_ALLOC_COSTLY_ORDER } from "../../bindings/include/linux/mmzone.js";

describe("allocFlagsFor", () => {
  const { CPUSET, NON_BLOCK, MIN_RESERVE, HIGHATOMIC, CMA, KSWAPD, OOM, NO_WATERMARKS } = AllocFlags;

  it("2.6.11 GFP_KERNEL|__GFP_NOWARN (0x2d0): waits, so no can_try_harder, no gfp_high", () => {
    expect(allocFlagsFor(0x2d0, "2.6.11", { order: 5 })).toEqual({
      canReclaim: true,
      minReserve: false,
      harder: false,
      highatomic: false,
      cma: false,
      fs: true,
      noretry: false,
      costlyOrderNoOom: false, // 2.6.11 __alloc_pages calls out_of_memory even for order 5
      allocFlags6_18: KSWAPD, // no ALLOC_CPUSET before 2.6.15; kswapd is always woken
    });
  });

  it("2.6.11 GFP_ATOMIC (0x20): gfp_high and can_try_harder (min*3/8 in pass 2)", () => {
    const f = allocFlagsFor(0x20, "2.6.11");
    expect([f.canReclaim, f.minReserve, f.harder]).toEqual([false, true, true]);
    expect(f.allocFlags6_18).toBe(NON_BLOCK | MIN_RESERVE | KSWAPD);
  });

  it("2.6.11 rt task in process context tries harder; in an interrupt it does not", () => {
    expect(allocFlagsFor(0xd0, "2.6.11", { rtTask: true }).harder).toBe(true);
    expect(allocFlagsFor(0xd0, "2.6.11", { rtTask: true, inInterrupt: true }).harder).toBe(false);
  });

  it("2.6.31 GFP_KERNEL: ALLOC_CPUSET while it can wait; costly orders skip the OOM killer unless NOFAIL", () => {
    expect(allocFlagsFor(0xd0, "2.6.31").allocFlags6_18).toBe(CPUSET | KSWAPD);
    expect(allocFlagsFor(0xd0, "2.6.31", { order: 4 }).costlyOrderNoOom).toBe(true);
    expect(allocFlagsFor(0xd0 | 0x800, "2.6.31", { order: 4 }).costlyOrderNoOom).toBe(false); // __GFP_NOFAIL
    expect(allocFlagsFor(0xd0, "2.6.24", { order: 4 }).costlyOrderNoOom).toBe(true); // 2.6.23+: goto nopage
    expect(allocFlagsFor(0xd0, "2.6.19", { order: 4 }).costlyOrderNoOom).toBe(false);
  });

  it("4.4 GFP_ATOMIC (0x2080020): __GFP_ATOMIC → ALLOC_HARDER, drops CPUSET; order > 0 may use HIGHATOMIC", () => {
    expect(allocFlagsFor(0x2080020, "4.4").allocFlags6_18).toBe(NON_BLOCK | MIN_RESERVE | KSWAPD);
    const o1 = allocFlagsFor(0x2080020, "4.4", { order: 1 });
    expect([o1.harder, o1.highatomic, o1.allocFlags6_18]).toEqual([
      true,
      true,
      NON_BLOCK | MIN_RESERVE | HIGHATOMIC | KSWAPD,
    ]);
    // __GFP_NOMEMALLOC (0x10000) removes ALLOC_HARDER but still drops the cpuset
    expect(allocFlagsFor(0x2090020, "4.4").harder).toBe(false);
  });

  it("4.4 0x2d0 is no GFP_KERNEL: no DIRECT_RECLAIM, no KSWAPD, but a reclaimable-slab request", () => {
    const f = allocFlagsFor(0x2d0, "4.4");
    expect([f.canReclaim, f.harder, f.minReserve, f.fs, f.allocFlags6_18]).toEqual([false, false, false, true, CPUSET]);
  });

  it("4.18 GFP_NOWAIT (0x400000, the 039 failure): neither HIGH nor HARDER, so the full min watermark", () => {
    expect(allocFlagsFor(0x400000, "4.18")).toMatchObject({
      canReclaim: false,
      minReserve: false,
      harder: false,
      allocFlags6_18: CPUSET | KSWAPD,
    });
  });

  it("5.1 0x2d0 carries __GFP_ATOMIC (0x200): ALLOC_HARDER", () => {
    expect(allocFlagsFor(0x2d0, "5.1").harder).toBe(true);
  });

  it("6.3 GFP_NOWAIT: ALLOC_NON_BLOCK (no min cut without MIN_RESERVE); high orders get HIGHATOMIC until 6.18", () => {
    expect(allocFlagsFor(0x800, "6.3").allocFlags6_18).toBe(CPUSET | NON_BLOCK | KSWAPD);
    expect(allocFlagsFor(0x800, "6.3", { order: 2 }).highatomic).toBe(true);
    expect(allocFlagsFor(0x2800, "6.8", { order: 2 }).highatomic).toBe(true);
    expect(allocFlagsFor(0x2800, "6.18", { order: 2 })).toMatchObject({
      highatomic: false,
      allocFlags6_18: CPUSET | NON_BLOCK | KSWAPD,
    });
  });

  it("6.18 GFP_ATOMIC (0x820): MIN_RESERVE|NON_BLOCK (min*3/8), no cpuset; order 3 reserves highatomic", () => {
    expect(allocFlagsFor(0x820, "6.18").allocFlags6_18).toBe(NON_BLOCK | MIN_RESERVE | KSWAPD);
    expect(allocFlagsFor(0x820, "6.18", { order: 3 }).allocFlags6_18).toBe(
      NON_BLOCK | MIN_RESERVE | HIGHATOMIC | KSWAPD,
    );
  });

  it("6.18 GFP_KERNEL: rt tasks get MIN_RESERVE; costly orders never OOM-kill, even with NOFAIL", () => {
    expect(allocFlagsFor(0xcc0, "6.18")).toMatchObject({ canReclaim: true, fs: true, allocFlags6_18: CPUSET | KSWAPD });
    expect(allocFlagsFor(0xcc0, "6.18", { rtTask: true }).allocFlags6_18).toBe(CPUSET | KSWAPD | MIN_RESERVE);
    expect(allocFlagsFor(0xcc0 | 0x8000, "6.18", { order: 4 }).costlyOrderNoOom).toBe(true);
    expect(allocFlagsFor(0xcc0 | 0x10000, "6.18").noretry).toBe(true);
  });

  it("movable requests may use CMA from 4.4 (gfp_migratetype == MOVABLE)", () => {
    expect(allocFlagsFor(0x140dca, "5.18").allocFlags6_18).toBe(CPUSET | KSWAPD | CMA);
    expect(allocFlagsFor(0x16080c0, "4.14").cma).toBe(false);
    expect(allocFlagsFor(0x200da, "2.6.31").cma).toBe(false);
  });

  it("OOM victims: NO_WATERMARKS before 4.15, ALLOC_OOM after, none with __GFP_NOMEMALLOC or in an interrupt", () => {
    expect(allocFlagsFor(0x14000c0, "4.14", { oomVictim: true }).allocFlags6_18 & (OOM | NO_WATERMARKS)).toBe(
      NO_WATERMARKS,
    );
    expect(allocFlagsFor(0xcc0, "6.18", { oomVictim: true }).allocFlags6_18 & (OOM | NO_WATERMARKS)).toBe(OOM);
    expect(allocFlagsFor(0xcc0 | 0x80000, "6.18", { oomVictim: true }).allocFlags6_18 & OOM).toBe(0);
    expect(allocFlagsFor(0xcc0, "6.18", { oomVictim: true, inInterrupt: true }).allocFlags6_18 & OOM).toBe(0);
  });

  it("PAGE_ALLOC_COSTLY_ORDER (3) is the last order that may still OOM-kill (2.6.23+)", () => {
    expect(PAGE_ALLOC_COSTLY_ORDER).toBe(3);
    expect(allocFlagsFor(0xcc0, "6.18", { order: PAGE_ALLOC_COSTLY_ORDER }).costlyOrderNoOom).toBe(false);
    expect(allocFlagsFor(0xcc0, "6.18", { order: PAGE_ALLOC_COSTLY_ORDER + 1 }).costlyOrderNoOom).toBe(true);
  });
});
