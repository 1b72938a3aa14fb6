// Kernel eras as profiles: tables and small functions, not copies of the engine. Each profile
// names the release it models; only what differs between eras lives here.

import type { Era } from "../include/machine.js";

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

/** 2.6.11: mm/page_alloc.c setup_per_zone_pages_min / setup_per_zone_lowmem_reserve (§3.4, §3.5). */
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

/** 6.18: mm/page_alloc.c __setup_per_zone_wmarks / setup_per_zone_lowmem_reserve (§3.4, §3.5). */
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
    const d = Math.max(Math.floor(tmp / 4), Math.floor((pages * wsf) / 10000));
    return [min + d, min + 2 * d, min + 3 * d];
  },
};

/** Profiles sorted by release. */
export const ERAS: readonly EraProfile[] = [ERA_2_6_11, ERA_6_18];

export function eraProfile(era: Era): EraProfile {
  const p = ERAS.find((e) => e.era === era);
  if (!p) throw new Error(`unknown era ${String(era)}`);
  return p;
}
