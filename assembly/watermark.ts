// watermark: the zone watermark checks of both eras (mm/page_alloc.c 2.6.11 zone_watermark_ok; 6.18
// __zone_watermark_ok, zone_watermark_fast, __zone_watermark_unusable_free) and wmark_pages().

import {
  ERA_2_6_11, ERA_6_1, NIL, MIGRATE_CMA, MIGRATE_HIGHATOMIC, MIGRATE_PCPTYPES, Z_FREE_PAGES, Z_FREE_CMA,
  Z_FREE_HIGHATOMIC, Z_RESERVED_HIGHATOMIC, Z_LOWMEM_RESERVE, Z_WMARK, Z_BOOST, WMARK_MIN, era, maxOrder, zget,
  listHead, nrFreeOff,
} from "./mmzone";
import {
  ALLOC_WMARK_MASK, ALLOC_NO_WATERMARKS, ALLOC_OOM, ALLOC_NON_BLOCK, ALLOC_MIN_RESERVE, ALLOC_CMA, ALLOC_HIGHATOMIC,
  ALLOC_RESERVES,
} from "./internal";

/** zone_watermark_ok (mm/page_alloc.c 2.6.11): the reductions, lowmem_reserve in the order-0 test only,
 *  then the pages of every lower order removed and the mark halved per order. */
// @ts-ignore: decorator
@inline export function zoneWatermarkOk2611(
  z: usize, order: u32, mark: u32, classzoneIdx: u32, canTryHarder: bool, gfpHigh: bool,
): bool {
  // i32 is exact here: free pages, marks and reserves are below 2^25 (the engine holds 2^24 pages)
  let min = <i32>mark;
  let free = <i32>zget(z, Z_FREE_PAGES) - (<i32>1 << order) + 1;
  if (gfpHigh) min -= min / 2;
  if (canTryHarder) min -= min / 4;
  if (free <= min + <i32>zget(z, Z_LOWMEM_RESERVE + (classzoneIdx << 2))) return false;
  for (let o: u32 = 0; o < order; o++) {
    free -= <i32>zget(z, nrFreeOff(o)) << o;
    min >>= 1;
    if (free <= min) return false;
  }
  return true;
}

/** __zone_watermark_unusable_free (6.18): nr_free_highatomic; 6.1 subtracts the whole reserve,
 *  nr_reserved_highatomic, free or not ("over-estimate the size of the atomic reserve"). */
// @ts-ignore: decorator
@inline function unusableFree(z: usize, order: u32, flags: u32): i64 {
  let u: i64 = (<i64>1 << order) - 1;
  if (!(flags & ALLOC_RESERVES)) u += <i64>zget(z, era() == ERA_6_1 ? Z_RESERVED_HIGHATOMIC : Z_FREE_HIGHATOMIC);
  if (!(flags & ALLOC_CMA)) u += <i64>zget(z, Z_FREE_CMA);
  return u;
}

/** __zone_watermark_ok (mm/page_alloc.c 6.18). */
export function zoneWatermarkOk618(z: usize, order: u32, mark: u32, highestZoneidx: u32, flags: u32): bool {
  let min: i64 = <i64>mark;
  const free: i64 = <i64>zget(z, Z_FREE_PAGES) - unusableFree(z, order, flags);
  if (flags & ALLOC_RESERVES) {
    if (flags & ALLOC_MIN_RESERVE) {
      min -= min / 2;
      if (flags & ALLOC_NON_BLOCK) min -= min / 4;
    }
    if (flags & ALLOC_OOM) min -= min / 2;
  }
  if (free <= min + <i64>zget(z, Z_LOWMEM_RESERVE + (highestZoneidx << 2))) return false;
  if (order == 0) return true;
  const top = maxOrder();
  for (let o = order; o < top; o++) {
    if (zget(z, nrFreeOff(o)) == 0) continue;
    for (let mt: u32 = 0; mt < MIGRATE_PCPTYPES; mt++) if (listHead(z, o, mt) != NIL) return true;
    if ((flags & ALLOC_CMA) && listHead(z, o, MIGRATE_CMA) != NIL) return true;
    if ((flags & (ALLOC_HIGHATOMIC | ALLOC_OOM)) && listHead(z, o, MIGRATE_HIGHATOMIC) != NIL) return true;
  }
  return false;
}

/** zone_watermark_fast (6.18): the order-0 shortcut, then the full check, then for __GFP_HIGH
 *  order-0 requests at the min mark a retry against the unboosted min watermark. 6.1 retries for
 *  __GFP_ATOMIC, which the engine does not see: GFP_ATOMIC's pair ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK
 *  stands for it (a non-blocking __GFP_HIGH mask without __GFP_ATOMIC is retried here, not in 6.1). */
export function zoneWatermarkFast(z: usize, order: u32, mark: u32, highestZoneidx: u32, flags: u32): bool {
  const lowmem: i64 = <i64>zget(z, Z_LOWMEM_RESERVE + (highestZoneidx << 2));
  if (order == 0) {
    let usable: i64 = <i64>zget(z, Z_FREE_PAGES);
    const reserved = unusableFree(z, 0, flags);
    usable -= usable < reserved ? usable : reserved;
    if (usable > <i64>mark + lowmem) return true;
  }
  if (zoneWatermarkOk618(z, order, mark, highestZoneidx, flags)) return true;
  const atomic = era() == ERA_6_1 ? ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK : ALLOC_MIN_RESERVE;
  if (order == 0 && (flags & atomic) == atomic && zget(z, Z_BOOST) != 0 && (flags & ALLOC_WMARK_MASK) == WMARK_MIN) {
    return zoneWatermarkOk618(z, order, zget(z, Z_WMARK + (WMARK_MIN << 2)), highestZoneidx, flags);
  }
  return false;
}

/** wmark_pages(): _watermark[i] + watermark_boost (the boost is 0 in 2.6.11). */
// @ts-ignore: decorator
@inline export function wmarkPages(z: usize, i: u32): u32 {
  return zget(z, Z_WMARK + (i << 2)) + zget(z, Z_BOOST);
}

/** The watermark test get_page_from_freelist applies to one zone, per era. */
// @ts-ignore: decorator
@inline export function zoneAllows(z: usize, order: u32, highestZoneidx: u32, flags: u32): bool {
  if (flags & ALLOC_NO_WATERMARKS) return true;
  const mark = wmarkPages(z, flags & ALLOC_WMARK_MASK);
  if (era() == ERA_2_6_11) {
    const canTryHarder = (flags & ALLOC_NON_BLOCK) != 0;
    const gfpHigh = (flags & ALLOC_MIN_RESERVE) != 0;
    return zoneWatermarkOk2611(z, order, mark, highestZoneidx, canTryHarder, gfpHigh);
  }
  return zoneWatermarkFast(z, order, mark, highestZoneidx, flags);
}

