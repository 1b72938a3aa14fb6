// The releases the 6.18 kernel model runs, as overlays: 6.18 itself and Linux 6.1 (6.1.141 read,
// the base of Debian's 6.1.0-NN). Only the rules that differ are here; everything else is 6.18's
// code. The fast path's differences (__rmqueue_fallback with steal_suitable_fallback, the
// highatomic reserve's limits, merging above pageblock_order) are the engine's (assembly ERA_6_1),
// chosen by the machine's era. Pure data and arithmetic.

import { OomlabError } from "../../errors.js";
import type { GfpEra } from "../../include/linux/gfp.js";

/** The releases Kernel618 models (its machine's era). */
export type Release618 = "6.1" | "6.18";

export interface KernelProfile618 {
  release: Release618;
  /** The era whose gfp_to_alloc_flags the release runs (bindings/mm/page_alloc.ts allocFlagsFor).
   *  6.1.141 carries 6.3's ALLOC_MIN_RESERVE / ALLOC_NON_BLOCK / ALLOC_HIGHATOMIC (a 6.1.y stable
   *  backport) with ALLOC_HIGHATOMIC for every non-blocking order > 0 request without
   *  __GFP_NOMEMALLOC; 6.18 also wants __GFP_HIGH (6a204d4b14c9). */
  allocFlagsEra: GfpEra;
  /** vm.defrag_mode exists (mm/page_alloc.c page_alloc_sysctl_table, from 6.15). */
  hasDefragMode: boolean;
  /** __zone_watermark_unusable_free without ALLOC_RESERVES: the highatomic pages left out, the
   *  reserve's free pages (6.18 nr_free_highatomic) or the whole reserve (6.1 nr_reserved_highatomic). */
  highatomicUnusable: "free" | "reserved";
  /** compaction_suit_allocation_order's costly async check without ALLOC_CMA (watermark +
   *  compact_gap against free pages outside CMA): 6.18 only (mm/compaction.c). */
  costlyAsyncNonCmaCheck: boolean;
  /** compaction_zonelist_suitable: 6.1's __compaction_suitable first returns COMPACT_SUCCESS when
   *  zone_watermark_ok passes at the request's order and alloc_flags, and such a zone does not count
   *  as suitable (mm/compaction.c __compaction_suitable, 6.1); 6.18 tests the order-0 mark only. */
  zonelistSuitableSkipsReadyZones: boolean;
  /** fragmentation_score_wmark (mm/compaction.c): [low, high] for vm.compaction_proactiveness. */
  fragmentationScoreWmarks(proactiveness: number): [number, number];
}

/** Linux 6.18 (6.18.2 read). */
export const PROFILE_618: KernelProfile618 = {
  release: "6.18",
  allocFlagsEra: "6.18",
  hasDefragMode: true,
  highatomicUnusable: "free",
  costlyAsyncNonCmaCheck: true,
  zonelistSuitableSkipsReadyZones: false,
  // low = 100 - proactiveness; high = low + min(10, low / 2), at most 100
  fragmentationScoreWmarks: (p) => {
    const low = 100 - p;
    return [low, Math.min(low + Math.min(10, Math.floor(low / 2)), 100)];
  },
};

/** Linux 6.1 (6.1.141 read): mm/page_alloc.c gfp_to_alloc_flags, alloc_flags_nofragment and
 *  wake_all_kswapds (no defrag_mode), __zone_watermark_unusable_free; mm/compaction.c
 *  __compaction_suitable, compaction_zonelist_suitable, fragmentation_score_wmark. */
export const PROFILE_61: KernelProfile618 = {
  release: "6.1",
  allocFlagsEra: "6.3",
  hasDefragMode: false,
  highatomicUnusable: "reserved",
  costlyAsyncNonCmaCheck: false,
  zonelistSuitableSkipsReadyZones: true,
  // low = max(100 - proactiveness, 5) ("cap the low watermark"); high = min(low + 10, 100)
  fragmentationScoreWmarks: (p) => {
    const low = Math.max(100 - p, 5);
    return [low, Math.min(low + 10, 100)];
  },
};

export const KERNEL_PROFILES_618: Readonly<Record<Release618, KernelProfile618>> = {
  "6.1": PROFILE_61,
  "6.18": PROFILE_618,
};

/** The profile of a machine era; a typed error for any other. */
export function kernelProfile618(era: string): KernelProfile618 {
  const p = Object.hasOwn(KERNEL_PROFILES_618, era) ? KERNEL_PROFILES_618[era as Release618] : undefined;
  if (!p) throw new OomlabError("OOMLAB_BAD_SPEC", `the 6.18 kernel model runs eras 6.1 and 6.18, got ${era}`);
  return p;
}
