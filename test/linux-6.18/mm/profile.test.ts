// The 6.1 profile of the 6.18 kernel model (bindings/linux-6.18/mm/profile.ts): each rule where
// Linux 6.1.141 and 6.18.2 differ, worked from the source, and Kernel618 built in 6.1 mode.

import { describe, expect, it } from "vitest";
import { Kernel618 } from "../../../bindings/linux-6.18/kernel.js";
import { GFP_618, gfpToAllocFlags } from "../../../bindings/linux-6.18/mm/page_alloc.js";
import {
  type KERNEL_PROFILES_618,
  PROFILE_61,
  PROFILE_618,
  kernelProfile618,
} from "../../../bindings/linux-6.18/mm/profile.js";
import {
  compactionZonelistSuitable,
  compactionSuitableWatermark,
  fragmentationScoreWmark,
  newCompactionVmstat,
  type CompactionEnv,
} from "../../../bindings/linux-6.18/mm/compaction.js";
import { AllocFlags } from "../../../bindings/mm/internal.js";
import { MigrateType } from "../../../bindings/include/linux/mmzone.js";
import type { Machine } from "../../../bindings/engine/machine.js";
import type { Era, MachineSpec } from "../../../bindings/include/machine.js";
import { OomlabError } from "../../../bindings/errors.js";
import { wasmMachine } from "../../helpers.js";

const G = GFP_618;

describe("gfp_to_alloc_flags: ALLOC_HIGHATOMIC (mm/page_alloc.c 6.1.141 and 6.18)", () => {
  it("6.1 gives it to every non-blocking order > 0 request, 6.18 only with __GFP_HIGH", () => {
    const nowait = G.GFP_NOWAIT; // __GFP_KSWAPD_RECLAIM | __GFP_NOWARN: no __GFP_HIGH
    const f61 = gfpToAllocFlags(nowait, 2, { era: PROFILE_61.allocFlagsEra });
    const f618 = gfpToAllocFlags(nowait, 2, { era: PROFILE_618.allocFlagsEra });
    // both: ALLOC_WMARK_MIN | ALLOC_CPUSET | ALLOC_NON_BLOCK | ALLOC_KSWAPD = 0x40 | 0x10 | 0x800
    expect(f618).toBe(0x850);
    expect(f61).toBe(0x850 | AllocFlags.HIGHATOMIC); // 0xa50
    // GFP_ATOMIC (__GFP_HIGH): both, and without ALLOC_CPUSET (0x20 | 0x10 | 0x200 | 0x800 = 0xa30)
    expect(gfpToAllocFlags(G.GFP_ATOMIC, 2, { era: "6.3" })).toBe(0xa30);
    expect(gfpToAllocFlags(G.GFP_ATOMIC, 2, { era: "6.18" })).toBe(0xa30);
    // order 0 never, and __GFP_NOMEMALLOC (THP's GFP_TRANSHUGE_LIGHT) never
    expect(gfpToAllocFlags(nowait, 0, { era: "6.3" }) & AllocFlags.HIGHATOMIC).toBe(0);
    expect(gfpToAllocFlags(G.GFP_TRANSHUGE_LIGHT, 9, { era: "6.3" }) & AllocFlags.HIGHATOMIC).toBe(0);
  });
});

describe("fragmentation_score_wmark (mm/compaction.c 6.1 and 6.18)", () => {
  it("agrees at the default proactiveness and differs near 100", () => {
    const at = (p: (typeof KERNEL_PROFILES_618)["6.1"], x: number) => p.fragmentationScoreWmarks(x);
    // 20: low 80; 6.1 high = 80 + 10 = 90; 6.18 leeway min(10, 80 / 2) = 10 -> 90
    expect([at(PROFILE_61, 20), at(PROFILE_618, 20)]).toEqual([
      [80, 90],
      [80, 90],
    ]);
    // 85: low 15; 6.1 high 25; 6.18 leeway min(10, 7) = 7 -> 22
    expect([at(PROFILE_61, 85), at(PROFILE_618, 85)]).toEqual([
      [15, 25],
      [15, 22],
    ]);
    // 98: 6.1 low max(2, 5) = 5, high 15; 6.18 low 2, leeway 1 -> 3
    expect([at(PROFILE_61, 98), at(PROFILE_618, 98)]).toEqual([
      [5, 15],
      [2, 3],
    ]);
  });

  it("is the one compaction.ts uses, by the env's profile", () => {
    const m = wasmMachine(dma32("6.1"));
    const env = (profile: typeof PROFILE_61): CompactionEnv => ({
      machine: m,
      sysctl: { extfragThreshold: 500, compactionProactiveness: 98 },
      vmstat: newCompactionVmstat(),
      profile,
    });
    expect(fragmentationScoreWmark(env(PROFILE_61), true)).toBe(5);
    expect(fragmentationScoreWmark(env(PROFILE_618), true)).toBe(2);
    m.dispose();
  });
});

/** 64 MiB of DMA32 (16384 pages), min 100, low 125, high 150. */
function dma32(era: Era): MachineSpec {
  return {
    era,
    nodes: [
      { zones: [{ type: "DMA32", startPfn: 0, spannedPages: 16384, watermarks: { min: 100, low: 125, high: 150 } }] },
    ],
  };
}

describe("compaction suitability in 6.1", () => {
  const envOf = (m: Machine, era: Era): CompactionEnv => ({
    machine: m,
    sysctl: { extfragThreshold: 500, compactionProactiveness: 20 },
    vmstat: newCompactionVmstat(),
    profile: kernelProfile618(era),
  });

  it("leaves the whole highatomic reserve out of the order-0 test (nr_reserved_highatomic)", () => {
    const atomic = AllocFlags.WMARK_MIN | AllocFlags.MIN_RESERVE | AllocFlags.NON_BLOCK | AllocFlags.HIGHATOMIC;
    const usable = (era: Era) => {
      const m = wasmMachine(dma32(era));
      const slot = m.zone("DMA32").slot;
      m.alloc({ order: 2, migratetype: MigrateType.Unmovable, allocFlags: atomic });
      const s = m.stats(slot);
      const d = compactionSuitableWatermark(envOf(m, era), slot, 4, 100, 1, s.freePages);
      m.dispose();
      return { d, free: s.freePages, reserved: s.nrReservedHighatomic, freeHa: s.nrFreeHighatomic };
    };
    // 6.1 reserves a pageblock on 16384 pages (163 + 512 > 0); 6.18 does not (163 < 512)
    const v61 = usable("6.1");
    const v618 = usable("6.18");
    expect([v61.reserved, v61.freeHa, v618.reserved]).toEqual([512, 508, 0]);
    // free 16384 - 4 = 16380; 6.1 usable = 16380 - 512; 6.18 16380 - 0; mark = min 100 + compact_gap(4)
    // 2 << 4 = 32 + (low - min) 25 for a costly order = 157 (6.1: low 125 + 32, the same)
    expect([v61.free, v61.d.usable, v61.d.mark]).toEqual([16380, 15868, 157]);
    expect([v618.free, v618.d.usable]).toEqual([16380, 16380]);
  });

  it("compaction_zonelist_suitable: a zone that already meets the order's watermark is not suitable in 6.1", () => {
    const suitable = (era: Era) => {
      const m = wasmMachine(dma32(era));
      const slot = m.zone("DMA32").slot;
      // nothing allocated: 32 free order-9 blocks, zone_watermark_ok(order 4, min 100) passes
      const r = compactionZonelistSuitable(envOf(m, era), [slot], 4, 1, () => 0, AllocFlags.WMARK_MIN);
      m.dispose();
      return r;
    };
    // 6.18 tests the order-0 mark only: 16384 > 100 + 32 + 25 (costly: low - min); 6.1's
    // __compaction_suitable answers COMPACT_SUCCESS first, which is not COMPACT_CONTINUE
    expect(suitable("6.18")).toBe(true);
    expect(suitable("6.1")).toBe(false);
  });
});

describe("Kernel618 in 6.1 mode", () => {
  it("takes its release from the machine's era", () => {
    const k61 = new Kernel618(dma32("6.1"));
    const k618 = new Kernel618(dma32("6.18"));
    expect(k61.profile).toBe(PROFILE_61);
    expect(k618.profile).toBe(PROFILE_618);
    // the 6.1 machine runs the engine's ERA_6_1 with 6.18's default pageblock order (9) on 4 KiB pages
    expect(k61.machine.machine.era).toBe("6.1");
    expect(k61.machine.machine.pageblockOrder).toBe(9);
    k61.machine.dispose();
    k618.machine.dispose();
  });

  it("refuses vm.defrag_mode (6.15+) on 6.1 and eras it does not model, with typed errors", () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        if (e instanceof OomlabError) return e.code;
        throw e;
      }
      return "no error";
    };
    expect(code(() => new Kernel618(dma32("6.1"), { defragMode: true }))).toBe("OOMLAB_BAD_SPEC");
    expect(code(() => new Kernel618(dma32("2.6.11")))).toBe("OOMLAB_BAD_SPEC");
    expect(code(() => kernelProfile618("toString"))).toBe("OOMLAB_BAD_SPEC");
    const k = new Kernel618(dma32("6.18"), { defragMode: true });
    expect(k.defragMode).toBe(true);
    k.machine.dispose();
  });
});
