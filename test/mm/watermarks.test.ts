// Watermarks, lowmem_reserve and the watermark checks against kernel-derived values: a real
// 2.6.14 report (test/fixtures/023-*), the live kernel's /proc/zoneinfo, and the article's zone
// (docs/seed-report.md).

import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERA_6_18 } from "../../bindings/kernel/releases.js";
import { intSqrt, resolveMachine, setupLowmemReserve, setupWatermarks } from "../../bindings/mm/mm_init.js";
import {
  AllocFlags,
  Machine,
  MigrateType,
  type BuddyEngine,
  type ResolvedMachine,
  type ResolvedZone,
  type ZoneType,
} from "../../bindings/index.js";
import { ENGINES, oneZone, wasmMachine } from "../helpers.js";
import { agreeWithEngine, explain618 } from "../../bindings/mm/watermark.js";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8");

describe("2.6.11 watermarks and lowmem_reserve (setup_per_zone_pages_min)", () => {
  // 023: 2.6.14-rc2 i386, 4 GiB; the 2.6.11 formulas held until 2.6.14 (mm/page_alloc.c
  // setup_per_zone_pages_min, 2.6.11 and 2.6.14; 2.6.15 changed low and high).
  const text = fixture("023-lkml-2.6.14-rc2-i386-oom-killer-old-format-lowmem-slab-dentry-x3.log");
  const zoneRe = /^(DMA|Normal|HighMem) free:\d+kB min:(\d+)kB low:(\d+)kB high:(\d+)kB .*present:(\d+)kB/;
  const printed = new Map<string, { min: number; low: number; high: number; present: number; reserve: number[] }>();
  const lines = text.split("\n");
  lines.forEach((l, i) => {
    const m = zoneRe.exec(l);
    if (!m || printed.has(m[1])) return;
    const reserve = lines[i + 1].replace("lowmem_reserve[]:", "").trim().split(/\s+/).map(Number);
    printed.set(m[1], { min: +m[2] / 4, low: +m[3] / 4, high: +m[4] / 4, present: +m[5] / 4, reserve });
  });

  it("reads the three zones of the report", () => {
    expect([...printed.keys()]).toEqual(["DMA", "Normal", "HighMem"]);
  });

  it("computes min/low/high and lowmem_reserve exactly as the kernel printed them", () => {
    const dma = printed.get("DMA")!;
    const normal = printed.get("Normal")!;
    const high = printed.get("HighMem")!;
    const m = resolveMachine({
      era: "2.6.11",
      nodes: [
        {
          zones: [
            { type: "DMA", startPfn: 0, spannedPages: dma.present },
            { type: "Normal", startPfn: dma.present, spannedPages: normal.present },
            { type: "HighMem", startPfn: dma.present + normal.present, spannedPages: high.present },
          ],
        },
      ],
    });
    // min_free_kbytes = int_sqrt(lowmem_kbytes * 16) = int_sqrt(917504 * 16) = 3831
    expect(m.minFreeKbytes).toBe(3831);
    for (const z of m.zones) {
      const p = printed.get(z.type)!;
      expect({ zone: z.type, ...z.watermarks }).toEqual({
        zone: z.type,
        min: p.min,
        low: p.low,
        high: p.high,
        promo: 0,
      });
      // 2.6.11 prints lowmem_reserve[] for its three zones: DMA, Normal, HighMem
      expect([z.lowmemReserve[0], z.lowmemReserve[2], z.lowmemReserve[3]]).toEqual(p.reserve);
    }
  });
});

describe("6.18 watermarks and lowmem_reserve against this machine's kernel (/proc/zoneinfo)", () => {
  const haveProc = existsSync("/proc/zoneinfo") && existsSync("/proc/sys/vm/min_free_kbytes");
  it.skipIf(!haveProc)("reproduces min, low, high, promo and protection of every populated zone", (ctx) => {
    const info = readFileSync("/proc/zoneinfo", "utf8");
    const kernelZones: {
      name: string;
      boost: number;
      min: number;
      low: number;
      high: number;
      promo: number | undefined;
      managed: number;
      spanned: number;
      present: number;
      protection: number[];
    }[] = [];
    for (const block of info.split(/^Node /m).slice(1)) {
      const name = /^\d+, zone\s+(\S+)/.exec(block)![1];
      const num = (k: string) => {
        const m = new RegExp(`^\\s+${k}\\s+(\\d+)`, "m").exec(block);
        return m ? Number(m[1]) : undefined;
      };
      const prot = /protection: \(([^)]*)\)/.exec(block);
      kernelZones.push({
        name,
        boost: num("boost") ?? 0,
        min: num("min")!,
        low: num("low")!,
        high: num("high")!,
        promo: num("promo"),
        managed: num("managed")!,
        spanned: num("spanned")!,
        present: num("present")!,
        protection: prot ? prot[1].split(",").map((s) => Number(s.trim())) : [],
      });
    }
    if (
      !/^Node \d+, zone/m.test(info) ||
      kernelZones.some((z) => z.promo === undefined) ||
      kernelZones.some((z) => z.boost !== 0)
    ) {
      ctx.skip(); // an older kernel (no promo) or a boosted zone: the formulas compared are 6.1+'s, unboosted
      return;
    }
    const sysctl = (k: string) => readFileSync(`/proc/sys/vm/${k}`, "utf8").trim().split(/\s+/).map(Number);
    // The kernel's zone enum here has no HighMem (x86-64): map its names to oomlab's zone types.
    const ours: ZoneType[] = ["DMA", "DMA32", "Normal", "HighMem", "Movable"];
    const kernelOrder = kernelZones.map((z) => z.name);
    const ratios = sysctl("lowmem_reserve_ratio");
    const ratioByType = ours.map((t) => {
      const k = kernelOrder.indexOf(t);
      return k >= 0 ? ratios[k] : 0;
    });
    const zones: ResolvedZone[] = kernelZones
      .filter((z) => (ours as string[]).includes(z.name))
      .map((z, i) => ({
        slot: ours.indexOf(z.name as ZoneType),
        node: 0,
        type: z.name as ZoneType,
        zoneIdx: ours.indexOf(z.name as ZoneType),
        startPfn: i,
        spannedPages: z.spanned,
        presentPages: z.present,
        managedPages: z.managed,
        cma: [],
        watermarks: { min: 0, low: 0, high: 0, promo: 0 },
        lowmemReserve: [0, 0, 0, 0, 0],
      }));
    const m: ResolvedMachine = {
      era: "6.18",
      pageSize: 4096,
      maxOrder: 11,
      pageblockOrder: 9,
      basePfn: 0,
      nrPages: 1,
      minFreeKbytes: sysctl("min_free_kbytes")[0],
      watermarkScaleFactor: sysctl("watermark_scale_factor")[0],
      watermarkBoostFactor: 15000,
      lowmemReserveRatio: ratioByType,
      mobilityDisabled: false,
      zones,
    };
    setupWatermarks(m, ERA_6_18);
    setupLowmemReserve(m, ERA_6_18);
    let compared = 0;
    for (const z of m.zones) {
      const k = kernelZones.find((q) => q.name === z.type)!;
      expect({ zone: z.type, ...z.watermarks }).toEqual({
        zone: z.type,
        min: k.min,
        low: k.low,
        high: k.high,
        promo: k.promo,
      });
      kernelOrder.forEach((name, ki) => {
        const oi = ours.indexOf(name as ZoneType);
        if (oi >= 0 && ki < k.protection.length)
          expect({ zone: z.type, upper: name, v: z.lowmemReserve[oi] }).toEqual({
            zone: z.type,
            upper: name,
            v: k.protection[ki],
          });
      });
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
  });
});

describe("6.18 watermark formula by hand (__setup_per_zone_wmarks)", () => {
  it("uses the scale factor when it exceeds min/4, and caps Movable's min", () => {
    const m = resolveMachine({
      era: "6.18",
      minFreeKbytes: 4096,
      watermarkScaleFactor: 100,
      nodes: [
        {
          zones: [
            { type: "Normal", startPfn: 0, spannedPages: 1 << 20 },
            { type: "Movable", startPfn: 1 << 20, spannedPages: 1 << 18 },
          ],
        },
      ],
    });
    // pages_min 1024, lowmem (Normal only) 2^20 -> Normal min 1024; d = max(256, 2^20*100/10000 = 10485)
    expect(m.zones[0].watermarks).toEqual({
      min: 1024,
      low: 1024 + 10485,
      high: 1024 + 2 * 10485,
      promo: 1024 + 3 * 10485,
    });
    // Movable: min = clamp(2^18/1024 = 256, 32, 128) = 128; tmp = 1024 * 2^18 / 2^20 = 256 -> d = max(64, 2621)
    expect(m.zones[1].watermarks).toEqual({ min: 128, low: 128 + 2621, high: 128 + 2 * 2621, promo: 128 + 3 * 2621 });
    expect(m.zones[0].lowmemReserve).toEqual([0, 0, 0, 0, (1 << 18) / 32]);
  });

  it("int_sqrt is exact at squares and between them", () => {
    expect([intSqrt(0), intSqrt(1), intSqrt(15), intSqrt(16), intSqrt(14680064), intSqrt(2 ** 40)]).toEqual([
      0,
      1,
      3,
      4,
      3831,
      2 ** 20,
    ]);
  });
});

/** The article's zone (docs/seed-report.md): ARM, one 16 MiB DMA zone, min_free_kbytes 1200, free lists
 *  411*4kB 252*8kB 113*16kB 27*32kB 1*64kB 1*128kB = 6524kB. Each free block of order k sits where
 *  its buddy stays allocated: every other 2^k-aligned slot of a region aligned to 2^(k+1). */
function articleFreePfns(start: number): number[] {
  const want: [number, number][] = [
    [5, 1],
    [4, 1],
    [3, 27],
    [2, 113],
    [1, 252],
    [0, 411],
  ];
  const out: number[] = [];
  let cur = start;
  for (const [k, n] of want) {
    for (let j = 0; j < n; j++) for (let p = 0; p < 2 ** k; p++) out.push(cur + 2 * j * 2 ** k + p);
    cur += n * 2 ** (k + 1);
  }
  return out;
}

const ARTICLE_START = 0xc0000; // RAM at 0xC0000000 on the ARM box
const ARTICLE_SPEC = {
  era: "2.6.11" as const,
  minFreeKbytes: 1200,
  nodes: [{ zones: [{ type: "DMA" as const, startPfn: ARTICLE_START, spannedPages: 4096 }] }],
};

/** Allocates the whole zone page by page, then frees the article's free blocks. */
function buildArticleZone(e: BuddyEngine): void {
  for (let i = 0; i < 4096; i++)
    expect(e.alloc({ order: 0, highestZone: "Normal", allocFlags: AllocFlags.NO_WATERMARKS, owner: 453 })).toBe(
      ARTICLE_START + i,
    );
  for (const pfn of articleFreePfns(ARTICLE_START)) e.free(pfn);
}

describe.each(ENGINES)("the article's zone on $name: order 5 fails both marks with a free 128 kB block", ({ make }) => {
  const e = make(ARTICLE_SPEC);
  buildArticleZone(e);
  const slot = e.machine.zones[0].slot;

  it("rebuilds the zone of the report: watermarks 300/375/450 pages, 1631 free pages, the per-order counts", () => {
    expect(e.machine.zones[0].watermarks).toMatchObject({ min: 300, low: 375, high: 450 });
    const c = e.counters(slot);
    expect(c.freePages).toBe(1631);
    expect(c.nrFree).toEqual([411, 252, 113, 27, 1, 1, 0, 0, 0, 0, 0]);
    if (e instanceof Machine) e.checkInvariants();
  });

  it("zone_watermark_ok: order 3 and 4 pass, order 5 fails at low and min", () => {
    const check = (order: number, mark: number) => e.watermarkOk2611(slot, order, mark, 0, false, false);
    // docs/seed-report.md: order 5: free = 1631 - 32 + 1 = 1600; LOW: 1189 > 187, 685 > 93, 233 > 46, 17 <= 23
    expect(check(5, 375)).toBe(false);
    // MIN: 1189 > 150, 685 > 75, 233 > 37, 17 <= 18
    expect(check(5, 300)).toBe(false);
    // order 4: free = 1616 -> 1205 > 150, 701 > 75, 249 > 37, 33 > 18
    expect(check(4, 300)).toBe(true);
    expect(check(4, 375)).toBe(true);
    expect(check(3, 375)).toBe(true);
    // gfp_high halves min (300 -> 150), can_try_harder takes a quarter (150 -> 113):
    // 1189 > 56, 685 > 28, 233 > 14, 17 > 7, but the order-4 block leaves 1 <= 3: even GFP_ATOMIC fails
    expect(e.watermarkOk2611(slot, 5, 300, 0, true, true)).toBe(false);
    // ... while order 4 passes for everyone down to min: 1205 > 150, 701 > 75, 249 > 37, 33 > 18
    expect(e.watermarkOk2611(slot, 4, 300, 0, false, false)).toBe(true);
  });

  it("so get_page_from_freelist refuses order 5 at the low and min marks but serves order 4", () => {
    expect(e.alloc({ order: 5, highestZone: "Normal", allocFlags: AllocFlags.WMARK_LOW })).toBe(-1);
    expect(e.alloc({ order: 5, highestZone: "Normal", allocFlags: AllocFlags.WMARK_MIN })).toBe(-1);
    const p = e.alloc({ order: 4, highestZone: "Normal", allocFlags: AllocFlags.WMARK_MIN });
    expect(p).toBe(ARTICLE_START + 64);
    expect(e.counters(slot).nrFree.slice(0, 6)).toEqual([411, 252, 113, 27, 0, 1]);
    e.free(p);
    // ALLOC_NO_WATERMARKS (PF_MEMALLOC / TIF_MEMDIE) takes the free 128 kB block
    expect(e.alloc({ order: 5, highestZone: "Normal", allocFlags: AllocFlags.NO_WATERMARKS })).toBe(ARTICLE_START);
  });
});

describe("explain618 (mm/watermark.ts) against the engine's __zone_watermark_ok", () => {
  const { CMA, MIN_RESERVE, NON_BLOCK, OOM, HIGHATOMIC } = AllocFlags;
  const ALL = CMA | MIN_RESERVE | NON_BLOCK | HIGHATOMIC;
  const FLAGS = [0, CMA, MIN_RESERVE, MIN_RESERVE | NON_BLOCK, OOM, HIGHATOMIC, ALL];
  const NORMAL_IDX = 2;

  /** Every order, a spread of marks around the free count, every flag set and two reserves. */
  function agreesEverywhere(m: Machine): number {
    const slot = m.machine.zones[0].slot;
    const c = m.counters(slot);
    const nrFreeByType = m.stats(slot).nrFreeByType;
    let checks = 0;
    for (const reserve of [0, 37]) {
      m.engineExports.zoneSetLowmemReserve(slot, NORMAL_IDX, reserve);
      for (let order = 0; order < m.machine.maxOrder; order++) {
        const free = c.freePages;
        const marks = [0, 1, 100, free >> 1, free - c.freeCmaPages - 40, free - 600, free, 2 * free];
        for (const mark of marks.filter((w) => w >= 0)) {
          for (const allocFlags of FLAGS) {
            const engine = m.watermarkOk618(slot, order, mark, NORMAL_IDX, allocFlags);
            const e = explain618({
              freePages: c.freePages,
              nrFreeByType,
              order,
              mark,
              reserve,
              allocFlags,
              cma: allocFlags & CMA ? 0 : c.freeCmaPages,
              highatomic: c.nrFreeHighatomic,
            });
            expect([order, mark, allocFlags, reserve, e.ok]).toEqual([order, mark, allocFlags, reserve, engine]);
            checks++;
          }
        }
      }
    }
    m.engineExports.zoneSetLowmemReserve(slot, NORMAL_IDX, 0);
    return checks;
  }

  it("a zone with a CMA area: free CMA pages count only with ALLOC_CMA, CMA lists serve only ALLOC_CMA", () => {
    const cma = { cma: [{ startPfn: 1024, pages: 512 }] };
    const m = wasmMachine(oneZone("6.18", 4096, { minFreeKbytes: 0, pageblockOrder: 9 }, cma));
    expect(m.counters(m.machine.zones[0].slot).freeCmaPages).toBe(512);
    expect(agreesEverywhere(m)).toBe(2 * 11 * 8 * FLAGS.length);
  });

  it("a HIGHATOMIC reserve: its free pages left out without ALLOC_RESERVES, its lists only for HIGHATOMIC/OOM", () => {
    const m = wasmMachine(oneZone("6.18", 64 * 1024, { minFreeKbytes: 0, pageblockOrder: 9 }));
    const atomic = AllocFlags.WMARK_MIN | MIN_RESERVE | NON_BLOCK | HIGHATOMIC;
    expect(m.alloc({ order: 2, migratetype: MigrateType.Unmovable, allocFlags: atomic })).toBeGreaterThanOrEqual(0);
    const slot = m.machine.zones[0].slot;
    expect(m.counters(slot).nrFreeHighatomic).toBe(508);
    expect(agreesEverywhere(m)).toBeGreaterThan(0);
    // then only the reserve is left free: the order-0 test passes for ALLOC_MIN_RESERVE, no list serves it
    while (m.alloc({ order: 0, migratetype: MigrateType.Movable, allocFlags: AllocFlags.NO_WATERMARKS }) >= 0);
    expect([m.counters(slot).freePages, m.counters(slot).nrFreeHighatomic]).toEqual([508, 508]);
    expect(agreesEverywhere(m)).toBeGreaterThan(0);
    expect(m.watermarkOk618(slot, 1, 10, NORMAL_IDX, MIN_RESERVE)).toBe(false);
    expect(m.watermarkOk618(slot, 1, 10, NORMAL_IDX, MIN_RESERVE | HIGHATOMIC)).toBe(true);
  });

  it("a fragmented zone: only order-0 holes left, so high orders find no suitable list", () => {
    const m = wasmMachine(oneZone("6.18", 4096, { minFreeKbytes: 0, pageblockOrder: 9 }));
    const slot = m.machine.zones[0].slot;
    expect(m.allocAllOrder0(slot, MigrateType.Movable)).toBe(4096);
    m.freeStrided(m.machine.zones[0].startPfn, 2048, 2, 1);
    expect(m.counters(slot).nrFree.slice(0, 2)).toEqual([2048, 0]);
    expect(agreesEverywhere(m)).toBeGreaterThan(0);
    const nrFreeByType = m.stats(slot).nrFreeByType;
    const e = explain618({ freePages: 2048, nrFreeByType, order: 1, mark: 100, reserve: 0, allocFlags: 0, cma: 0 });
    expect(e).toEqual({
      ok: false,
      stage: "block",
      margin: 1947,
      steps: [
        "free = 2048 - 1 = 2047",
        "2047 > 100 + 0 (lowmem_reserve) -> ok",
        "no usable free block of order >= 1 -> fail",
      ],
    });
  });

  it("agreeWithEngine: the engine decides and says so when the steps disagree", () => {
    const e = explain618({
      freePages: 10,
      nrFreeByType: [],
      order: 0,
      mark: 20,
      reserve: 0,
      allocFlags: MIN_RESERVE,
      cma: 0,
    });
    expect([e.ok, e.stage, e.steps]).toEqual([
      false,
      "mark",
      ["free = 10 - 0 = 10", "min = 20 - 20/2 = 10 (ALLOC_MIN_RESERVE)", "10 <= 10 + 0 (lowmem_reserve) -> fail"],
    ]);
    expect(agreeWithEngine(e, false)).toBe(e);
    const trace = agreeWithEngine(e, true);
    expect([trace.ok, trace.stage, trace.steps.at(-1)]).toEqual([true, "ok", "(the engine's check says ok)"]);
    expect(agreeWithEngine({ ...e, ok: true, stage: "ok" }, false, true)).toMatchObject({
      ok: false,
      stage: "block",
      steps: [...e.steps, "(the engine's check says fail; the engine decides)"],
    });
  });
});
