// Zones and migrate types as include/linux/mmzone.h declares them: enum zone_type (oomlab's five
// zones, the index used for lowmem_reserve[] and highest_zoneidx), enum migratetype and
// PAGE_ALLOC_COSTLY_ORDER. Pure declarations.

/** Zone types in enum zone_type order (include/linux/mmzone.h); the index is the zone index used
 *  for lowmem_reserve[] and highest_zoneidx. 2.6.11 had only DMA, Normal and HighMem. */
export const ZONE_TYPES = ["DMA", "DMA32", "Normal", "HighMem", "Movable"] as const;
export type ZoneType = (typeof ZONE_TYPES)[number];

/** MAX_NR_ZONES: the zone indexes oomlab models per node (engine slot = node * MAX_NR_ZONES + index). */
export const MAX_NR_ZONES = ZONE_TYPES.length;

/** enum migratetype, 4.4 .. 6.18 numbering. */
export const MigrateType = {
  Unmovable: 0,
  Movable: 1,
  Reclaimable: 2,
  HighAtomic: 3,
  CMA: 4,
  Isolate: 5,
} as const;
export type MigrateType = (typeof MigrateType)[keyof typeof MigrateType];
/** Names as /proc/pagetypeinfo prints them (mm/vmstat.c migratetype_names, 4.4 .. 6.18). */
export const MIGRATETYPE_NAMES = ["Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"] as const;

/** PAGE_ALLOC_COSTLY_ORDER (include/linux/mmzone.h, 2.6.23 .. 6.18): orders above it are "costly".
 *  2.6.11's __alloc_pages writes the same 3 as a literal (`order <= 3`, mm/page_alloc.c 2.6.11). */
export const PAGE_ALLOC_COSTLY_ORDER = 3;
