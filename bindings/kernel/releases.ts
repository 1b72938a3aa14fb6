// Kernel releases as profiles: tables and small functions, not copies of the engine. Every era
// oomlab knows lives here, keyed by the first release it covers, with the selection by release:
// the engine eras (the two kernels the engine simulates), the watermark check each release runs on
// the engine, and the watermark formulas of setup_per_zone_pages_min / __setup_per_zone_wmarks.
// Releases are compared as KERNEL_VERSION codes (include/linux/version.ts).

import { OomlabError } from "../errors.js";
import { parseRelease, type KernelRelease } from "../include/linux/version.js";
import type { Era } from "../include/machine.js";
import type { OomBadnessRules } from "./oom_badness.js";

export interface EraProfile {
  era: Era;
  release: string;
  /** Engine era id (assembly/mmzone.ts ERA_*). */
  engineId: number;
  /** Zone types this era's kernel can have, by zone index. */
  zoneTypes: readonly number[];
  /** Per-migratetype free lists and pageblock types (2.6.24+). */
  hasMigratetypes: boolean;
  /** Default vm.lowmem_reserve_ratio by zone index (ratio of the lower zone). */
  lowmemReserveRatio: readonly number[];
  /** min_free_kbytes clamp of calculate_min_free_kbytes / init_per_zone_pages_min. */
  minFreeKbytesClamp: readonly [number, number];
  /** Pages counted per zone by the watermark and reserve formulas. */
  zonePages: "present" | "managed";
  /** Zones treated like highmem for the capped min watermark. */
  cappedMinZones: readonly number[];
  /** The class zone the lowmem_reserve term indexes: the first zone of the zonelist (2.6.11:
   *  classzone_idx = zone_idx(zones[0])) or the requested gfp_zone (5.8+ highest_zoneidx). */
  classzoneFromZonelist: boolean;
  /** Watermark distances from min: 2.6.11 low = min*5/4, high = min*6/4; 6.18 uses
   *  watermark_scale_factor. Returns [low, high, promo]. */
  watermarks(min: number, tmp: number, zonePages: number, scaleFactor: number): [number, number, number];
}

const ZONE_DMA = 0;
const ZONE_NORMAL = 2;
const ZONE_HIGHMEM = 3;
const ZONE_MOVABLE = 4;
/** watermark_scale_factor is in units of 1/10000 of the zone (mm/page_alloc.c mult_frac(..., 10000)). */
const WATERMARK_SCALE_DIVISOR = 10000;

/** 2.6.11: mm/page_alloc.c setup_per_zone_pages_min / setup_per_zone_lowmem_reserve, 2.6.11. */
export const ERA_2_6_11: EraProfile = {
  era: "2.6.11",
  release: "Linux 2.6.11 (2005-03-02)",
  engineId: 0,
  zoneTypes: [ZONE_DMA, ZONE_NORMAL, ZONE_HIGHMEM],
  hasMigratetypes: false,
  // sysctl_lowmem_reserve_ratio[MAX_NR_ZONES-1] = { 256, 32 } (DMA, NORMAL)
  lowmemReserveRatio: [256, 256, 32, 32, 32],
  minFreeKbytesClamp: [128, 65536],
  zonePages: "present",
  cappedMinZones: [ZONE_HIGHMEM],
  classzoneFromZonelist: true,
  watermarks: (min) => [Math.floor((min * 5) / 4), Math.floor((min * 6) / 4), 0],
};

/** 6.18: mm/page_alloc.c __setup_per_zone_wmarks / setup_per_zone_lowmem_reserve, 6.18. */
export const ERA_6_18: EraProfile = {
  era: "6.18",
  release: "Linux 6.18",
  engineId: 1,
  zoneTypes: [0, 1, 2, 3, 4],
  hasMigratetypes: true,
  // [ZONE_DMA] = 256, [ZONE_DMA32] = 256, [ZONE_NORMAL] = 32, [ZONE_HIGHMEM] = 0, [ZONE_MOVABLE] = 0
  lowmemReserveRatio: [256, 256, 32, 0, 0],
  minFreeKbytesClamp: [128, 262144],
  zonePages: "managed",
  cappedMinZones: [ZONE_HIGHMEM, ZONE_MOVABLE],
  classzoneFromZonelist: false,
  watermarks: (min, tmp, pages, wsf) => {
    // tmp = max(tmp >> 2, mult_frac(managed, watermark_scale_factor, 10000))
    const d = Math.max(Math.floor(tmp / 4), Math.floor((pages * wsf) / WATERMARK_SCALE_DIVISOR));
    return [min + d, min + 2 * d, min + 3 * d];
  },
};

/** 6.1 (6.1.141 read; Debian's 6.1.0-NN): 6.18's buddy lists, pageblocks and __zone_watermark_ok with
 *  6.1's __rmqueue_fallback / steal_suitable_fallback, highatomic limits and merging (assembly
 *  ERA_6_1). __setup_per_zone_wmarks caps highmem's min only (ZONE_MOVABLE from 6.6), and
 *  sysctl_lowmem_reserve_ratio and the min_free_kbytes clamp are 6.18's (mm/page_alloc.c, 6.1). */
export const ERA_6_1: EraProfile = {
  ...ERA_6_18,
  era: "6.1",
  release: "Linux 6.1",
  engineId: 2,
  cappedMinZones: [ZONE_HIGHMEM],
};

/** The engine eras, sorted by release. */
export const ERAS: readonly EraProfile[] = [ERA_2_6_11, ERA_6_1, ERA_6_18];

/** The engine era whose fast-path rules a release runs, where oomlab read them: 6.1.y is ERA_6_1
 *  (6.1.141 read; its stable updates carry 6.3's ALLOC_* flags), 6.18 and later ERA_6_18. Releases
 *  in between changed the fallback and the free lists' migratetypes in steps that were not read
 *  here, and older ones are not the engine's modern eras: null. */
export function engineEraFor(release: KernelRelease | number): Era | null {
  const code = typeof release === "number" ? release : release.code;
  const at = (s: string) => (parseRelease(s) as KernelRelease).code;
  if (code >= at("6.18")) return "6.18";
  if (code >= at("6.1") && code < at("6.2")) return "6.1";
  return null;
}

export function eraProfile(era: Era): EraProfile {
  const p = ERAS.find((e) => e.era === era);
  if (!p) throw new OomlabError("OOMLAB_BAD_SPEC", `unknown era ${String(era)}`);
  return p;
}

/** A table row that holds from its first release up to the next row's; the first row also stands
 *  for the releases before it. */
export interface FromRelease {
  /** First release of the row, as "2.6.15" or "4.4". */
  first: string;
}

/** The KERNEL_VERSION code of a row's first release. */
function firstCode(row: FromRelease): number {
  const r = parseRelease(row.first);
  if (!r) throw new OomlabError("OOMLAB_INVARIANT", `release table row ${JSON.stringify(row.first)} is no release`);
  return r.code;
}

/** The row of a table (sorted by first release) that covers a release. */
export function rowForRelease<T extends FromRelease>(table: readonly T[], release: KernelRelease | number): T {
  const code = typeof release === "number" ? release : release.code;
  let row = table[0];
  for (const r of table) if (code >= firstCode(r)) row = r;
  return row;
}

/** The watermark check a release runs, and which engine era runs it. */
export interface WatermarkCheckEra extends FromRelease {
  /** The engine era whose check is the release's: "2.6.11" runs zone_watermark_ok's per-order
   *  subtraction, "6.18" __zone_watermark_ok's search for a suitable free list. */
  rule: Era;
  /** Free CMA pages are left out of the order-0 test without ALLOC_CMA (CONFIG_CMA kernels). */
  subtractsFreeCma: boolean;
}

/** The watermark check by release.
 *  - 2.6.11 .. 4.3: zone_watermark_ok removes each lower order's free pages and halves min per
 *    order (mm/page_alloc.c zone_watermark_ok, 2.6.11; __zone_watermark_ok 2.6.15 .. 4.3 with ALLOC_*).
 *  - 3.7 .. 4.3: free_pages -= NR_FREE_CMA_PAGES without ALLOC_CMA (mm/page_alloc.c
 *    __zone_watermark_ok: present in 3.7.2 and 3.8.13, absent in 3.6.5); before 3.7 oomlab counts it
 *    only when the report prints CMA free lists.
 *  - 4.4+: order-0 test, then any free list of order >= order the request may use (mm/page_alloc.c
 *    __zone_watermark_ok, 4.4 "only enforce watermarks for order-0 allocations"). */
export const WATERMARK_CHECK_ERAS: readonly WatermarkCheckEra[] = [
  { first: "2.6.11", rule: "2.6.11", subtractsFreeCma: false },
  { first: "3.7", rule: "2.6.11", subtractsFreeCma: true },
  { first: "4.4", rule: "6.18", subtractsFreeCma: true },
];

/** The watermark check of a release (WATERMARK_CHECK_ERAS). */
export function watermarkCheckFor(release: KernelRelease | number): WatermarkCheckEra {
  return rowForRelease(WATERMARK_CHECK_ERAS, release);
}

/** A watermark formula era: the profile setupWatermarks runs for its releases. Only the formula
 *  fields (watermarks, zonePages, cappedMinZones) are the era's own; the others are those of the
 *  engine era the row overlays. */
export interface WatermarkFormulaEra extends FromRelease {
  profile: EraProfile;
}

/** low = min + tmp/4, high = min + tmp/2 (tmp: the zone's proportional share of min_free_kbytes). */
const quarterAndHalfOfShare = (min: number, tmp: number): [number, number, number] => [
  min + (tmp >> 2),
  min + (tmp >> 1),
  0,
];

/** The watermark formulas by release.
 *  - 2.6.11 .. 2.6.14: low = min*5/4, high = min*6/4 on present pages (mm/page_alloc.c
 *    setup_per_zone_pages_min, 2.6.11 .. 2.6.14).
 *  - 2.6.15: low = min + tmp/4, high = min + tmp/2 (setup_per_zone_pages_min, 2.6.15; 2.6.19+ tmp >> 2).
 *  - 3.9: the same on managed pages (__setup_per_zone_wmarks reads zone->managed_pages in 3.9.6,
 *    present_pages in 3.8.13).
 *  - 4.6: low = min + d, high = min + 2d, d = max(tmp/4, managed * watermark_scale_factor / 10000)
 *    (__setup_per_zone_wmarks, 4.6.2; absent in 4.5.7); ZONE_HIGHMEM's min capped at managed/1024
 *    within [SWAP_CLUSTER_MAX, 128]. promo = high + d exists from WMARK_PROMO (present in 5.19,
 *    absent in 5.15); nothing reads it for older releases.
 *  - 6.6: ZONE_MOVABLE's min capped like highmem and left out of lowmem_pages (__setup_per_zone_wmarks,
 *    6.6.9; 6.5.0 caps highmem only). */
export const WATERMARK_FORMULA_ERAS: readonly WatermarkFormulaEra[] = [
  { first: "2.6.11", profile: ERA_2_6_11 },
  {
    first: "2.6.15",
    profile: { ...ERA_2_6_11, release: "Linux 2.6.15 .. 3.8 watermarks", watermarks: quarterAndHalfOfShare },
  },
  {
    first: "3.9",
    profile: {
      ...ERA_2_6_11,
      release: "Linux 3.9 .. 4.5 watermarks",
      zonePages: "managed",
      watermarks: quarterAndHalfOfShare,
    },
  },
  { first: "4.6", profile: { ...ERA_6_18, release: "Linux 4.6 .. 6.5 watermarks", cappedMinZones: [ZONE_HIGHMEM] } },
  { first: "6.6", profile: ERA_6_18 },
];

/** The watermark formulas of a release (WATERMARK_FORMULA_ERAS). */
export function watermarkProfileFor(release: KernelRelease | number): EraProfile {
  return rowForRelease(WATERMARK_FORMULA_ERAS, release).profile;
}

/** An era of the OOM killer's badness (kernel/oom_badness.ts, where the sources read are listed). */
export interface OomBadnessEra extends FromRelease, OomBadnessRules {
  /** The rule in a few words, with its source. */
  label: string;
}

const TOTAL_VM = { form: "total-vm", rootDiscount: false, floorAtOne: false } as const;
const PAGE_COUNT = { form: "page-count", childShare: null, oomDisable: false } as const;

/** oom_badness by release.
 *  - 2.6.11: badness() on total_vm, children in full, no OOM_DISABLE (mm/oom_kill.c 2.6.11).
 *  - 2.6.16: children at total_vm/2 + 1; select_bad_process skips oom_adj OOM_DISABLE (2.6.12+).
 *  - 2.6.36: a2b4e46f "oom: badness heuristic rewrite": rss + nr_ptes + swap scaled to 1000 by
 *    totalpages, CAP_SYS_ADMIN -30, + oom_score_adj, within 1 .. 1000.
 *  - 3.5: page counts, oom_score_adj * totalpages / 1000, CAP_SYS_ADMIN -3%, at least 1 ("mm, oom:
 *    normalize oom scores to oom_score_adj scale only for userspace", 2012).
 *  - 4.7: oom_evaluate_task keeps the last of equal scores ("points < chosen_points: next").
 *  - 4.17: no CAP_SYS_ADMIN discount ("mm, oom: remove 3% bonus for CAP_SYS_ADMIN processes").
 *  - 5.0: the "Kill process .. score" line is gone (the kill line carries the task's counters).
 *  - 5.9: no floor at 1 (e642d9be463d "mm, oom: make the calculation of oom badness more accurate");
 *    this is 6.18's oom_badness (linux-6.18/mm/oom_kill.ts oomBadness). */
export const OOM_BADNESS_ERAS: readonly OomBadnessEra[] = [
  {
    first: "2.6.11",
    label: "2.6.11 badness(): total_vm, children in full, cpu and run time, nice, capabilities, oom_adj shift",
    ...TOTAL_VM,
    childShare: "full",
    oomDisable: false,
    ties: "first",
    printedScore: null,
  },
  {
    first: "2.6.16",
    label: "2.6.16 .. 2.6.35 badness(): total_vm, children at half, cpu and run time, nice, capabilities, oom_adj",
    ...TOTAL_VM,
    childShare: "half",
    oomDisable: true,
    ties: "first",
    printedScore: "points",
  },
  {
    first: "2.6.36",
    label: "2.6.36 .. 3.4 oom_badness() (a2b4e46f): (rss + nr_ptes + swap) * 1000 / totalpages, root -30, + adj",
    form: "proportional",
    childShare: null,
    oomDisable: false,
    rootDiscount: false,
    floorAtOne: true,
    ties: "first",
    printedScore: "points",
  },
  {
    first: "3.5",
    label: "3.5 .. 4.16 oom_badness(): rss + page tables + swap, root -3%, + adj * totalpages / 1000, at least 1",
    ...PAGE_COUNT,
    rootDiscount: true,
    floorAtOne: true,
    ties: "first",
    printedScore: "per-mille",
  },
  {
    first: "4.7",
    label: "4.7 .. 4.16 oom_badness(): rss + page tables + swap, root -3%, + adj * totalpages / 1000, at least 1",
    ...PAGE_COUNT,
    rootDiscount: true,
    floorAtOne: true,
    ties: "last",
    printedScore: "per-mille",
  },
  {
    first: "4.17",
    label: "4.17 .. 5.8 oom_badness(): rss + page tables + swap, + adj * totalpages / 1000, at least 1",
    ...PAGE_COUNT,
    rootDiscount: false,
    floorAtOne: true,
    ties: "last",
    printedScore: "per-mille",
  },
  {
    first: "5.0",
    label: "5.0 .. 5.8 oom_badness(): rss + page tables + swap, + adj * totalpages / 1000, at least 1",
    ...PAGE_COUNT,
    rootDiscount: false,
    floorAtOne: true,
    ties: "last",
    printedScore: null,
  },
  {
    first: "5.9",
    label: "5.9+ oom_badness() (6.18's): rss + page tables + swap + adj * totalpages / 1000",
    ...PAGE_COUNT,
    rootDiscount: false,
    floorAtOne: false,
    ties: "last",
    printedScore: null,
  },
];

/** The oom_badness of a release (OOM_BADNESS_ERAS). */
export function oomBadnessFor(release: KernelRelease | number): OomBadnessEra {
  return rowForRelease(OOM_BADNESS_ERAS, release);
}
