// THP fault gfps under each defrag setting (mm/huge_memory.c vma_thp_gfp_mask, 6.18), written out from
// include/linux/gfp_types.h 6.18: GFP_HIGHUSER_MOVABLE = __GFP_RECLAIM 0xc00 | __GFP_IO 0x40 | __GFP_FS
// 0x80 | __GFP_HARDWALL 0x100000 | __GFP_HIGHMEM 0x2 | __GFP_MOVABLE 0x8 = 0x100cca;
// GFP_TRANSHUGE_LIGHT = (0x100cca | __GFP_COMP 0x40000 | __GFP_NOMEMALLOC 0x80000 | __GFP_NOWARN 0x2000)
// & ~__GFP_RECLAIM = 0x1c20ca; GFP_TRANSHUGE = | __GFP_DIRECT_RECLAIM 0x400 = 0x1c24ca.

import { describe, expect, it } from "vitest";
import {
  doAnonymousFault,
  newThpFaultCounters,
  thpVmaAllowsPmd,
  vmaThpGfpMask,
} from "../../../bindings/linux-6.18/mm/huge_memory.js";
import { THP_DEFRAG, parseThpDefrag, parseThpEnabled } from "../../../bindings/include/linux/huge_mm.js";
import { FakePA618 } from "../rig.js";

describe("vma_thp_gfp_mask (mm/huge_memory.c 6.18)", () => {
  it.each([
    ["always", 0x1d24ca, 0x1c24ca], // GFP_TRANSHUGE | __GFP_NORETRY 0x10000 unless madvised
    ["defer", 0x1c28ca, 0x1c28ca], // LIGHT | __GFP_KSWAPD_RECLAIM 0x800
    ["defer+madvise", 0x1c28ca, 0x1c24ca], // kswapd, or direct reclaim when madvised
    ["madvise", 0x1c20ca, 0x1c24ca], // nothing, or direct reclaim when madvised
    ["never", 0x1c20ca, 0x1c20ca],
  ] as const)("defrag=%s: %i without MADV_HUGEPAGE, %i with", (defrag, plain, madvised) => {
    expect(vmaThpGfpMask(defrag, false)).toBe(plain);
    expect(vmaThpGfpMask(defrag, true)).toBe(madvised);
  });

  it("enabled: always, madvise (MADV_HUGEPAGE only), never; MADV_NOHUGEPAGE wins", () => {
    const t = (["always", "madvise", "never"] as const).map((e) => [
      thpVmaAllowsPmd(e, { madvised: false }),
      thpVmaAllowsPmd(e, { madvised: true }),
    ]);
    expect(t).toEqual([
      [true, true],
      [false, true],
      [false, false],
    ]);
    expect(thpVmaAllowsPmd("always", { madvised: true, noHugepage: true })).toBe(false);
  });

  it("parsers take exactly the sysfs words", () => {
    expect(THP_DEFRAG.map(parseThpDefrag)).toEqual([...THP_DEFRAG]);
    expect(parseThpEnabled("madvise\n")).toBe("madvise");
    expect(() => parseThpDefrag("defer+madv")).toThrow(/not one of always, defer, defer\+madvise/);
    expect(() => parseThpEnabled(1)).toThrow(/thp.enabled/);
  });
});

describe("an anonymous fault", () => {
  it("thp_fault_alloc, thp_fault_fallback and the order-0 page", () => {
    const pa = new FakePA618(1 << 20, (_g, order, nth) => order === 9 && nth === 1);
    const c = newThpFaultCounters();
    const s = { enabled: "always", defrag: "madvise" } as const;
    expect(doAnonymousFault(pa, s, { madvised: false }, 1, c).huge).toMatchObject({ gfp: 0x1c20ca, order: 9 });
    const r = doAnonymousFault(pa, s, { madvised: false }, 1, c);
    expect(r.small).toMatchObject({ gfp: 0x100cca, order: 0 });
    expect(c).toEqual({ thp_fault_alloc: 1, thp_fault_fallback: 1 });
    const never = doAnonymousFault(pa, { enabled: "never", defrag: "always" }, { madvised: true }, 1, c);
    expect([never.huge, never.small?.order, c.thp_fault_fallback]).toEqual([null, 0, 1]);
    const oom = doAnonymousFault(new FakePA618(1, () => true), s, { madvised: false }, 1, c);
    expect(oom.oom).toBe(true);
  });
});
