// page_alloc: the buddy allocator's fast path. Models mm/page_alloc.c of Linux 2.6.11 and 6.18:
// __rmqueue_smallest/expand, the 6.18 fallback (__rmqueue_claim, __rmqueue_steal, CMA first,
// highatomic reserves, watermark boost), __free_one_page for both eras, both watermark checks
// and get_page_from_freelist over a zonelist. ERA_6_1 is 6.18 with 6.1's __rmqueue_fallback /
// steal_suitable_fallback, highatomic reserve limits and merging (the *61 functions). The slow path
// (reclaim, compaction, OOM) lives in TypeScript and calls back in here.

import {
  ERA_2_6_11, ERA_6_1, NIL, STATE_FREE, STATE_ALLOC, TAIL_INFO, ORDER_STATE_MASK, MOVABLE_BIT,
  MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_HIGHATOMIC, MIGRATE_CMA, MIGRATE_PCPTYPES,
  Z_START, Z_END, Z_ALIGN_BASE, Z_MANAGED, Z_FREE_PAGES, Z_FREE_CMA, Z_RESERVED_HIGHATOMIC,
  Z_WMARK, Z_BOOST, Z_FLAGS, Z_BOOST_EVENTS, Z_FALLBACKS, Z_FALLBACKS_FRAGMENTING, Z_NODE,
  WMARK_HIGH, ZONE_BOOSTED_WATERMARK, zonelistsOff, ZONELIST_SIZE, ZL_HIGHEST, ZL_COUNT, ZL_SLOTS, H_LAST_ZONE_SLOT,
  era, maxOrder, pageblockOrder, mobilityDisabled, watermarkBoostFactor, nrPages, hset, nrFreeOff,
  pageInfo, setPageInfo, setPageNext, makeInfo, infoOrder, infoState, infoMt,
  pageblockMt, setPageblockMt, changePageblockRange, zoneAddr, zget, zset, zadd, listHead, zoneSpans, zoneOfIdx,
  addToFreeList, delFromFreeList, moveToFreeList, accountFreepages, mtIsMergeable,
} from "./mmzone";
import {
  ALLOC_OOM, ALLOC_NON_BLOCK, ALLOC_CMA, ALLOC_NOFRAGMENT, ALLOC_HIGHATOMIC, ALLOC_KSWAPD,
} from "./internal";
import { zoneAllows } from "./watermark";
import { pcpEnabled, pcpNoteBelowHigh, rmqueuePcp } from "./pcp";


// ---- buddy arithmetic ----

/** __find_buddy_pfn: pfn ^ (1 << order). 2.6.11 indexes pages from zone->zone_mem_map, so its
 *  buddies are aligned to the zone start; from 2.6.12 they are aligned to the pfn (__free_pages_bulk,
 *  mm/page_alloc.c 2.6.12). */
// @ts-ignore: decorator
@inline function buddyIdx(z: usize, idx: u32, order: u32): u32 {
  const base = zget(z, Z_ALIGN_BASE);
  return ((idx - base) ^ (<u32>1 << order)) + base;
}

/** page_is_buddy: inside the zone, PageBuddy, and of exactly this order. Returns the buddy's info
 *  word, or 0 when it is not a free buddy. */
// @ts-ignore: decorator
@inline function freeBuddyInfo(z: usize, b: u32, order: u32): u32 {
  if (!zoneSpans(z, b)) return 0;
  const info = pageInfo(b);
  return (info & ORDER_STATE_MASK) == makeInfo(order, STATE_FREE, 0) ? info : 0;
}

// ---- allocation: __rmqueue_smallest, expand ----

/** expand(): hands the upper halves back, each at the head of its list; the caller keeps the
 *  lowest sub-block ("the order of subdivision here is critical for the IO subsystem", all eras).
 *  Returns the pages put back (6.18 accounts them to the list's migratetype). */
// @ts-ignore: decorator
@inline function expand(z: usize, idx: u32, low: u32, high: u32, mt: u32): u32 {
  let size: u32 = 1 << high;
  let added: u32 = 0;
  while (high > low) {
    high--;
    size >>= 1;
    addToFreeList(z, idx + size, high, mt, false);
    added += size;
  }
  return added;
}

/** page_del_and_expand (6.18); 2.6.11's __rmqueue does the same with zone->free_pages -= 1 << order. */
// @ts-ignore: decorator
@inline function pageDelAndExpand(z: usize, idx: u32, low: u32, high: u32, mt: u32): void {
  delFromFreeList(z, idx, high, mt);
  const added = expand(z, idx, low, high, mt);
  accountFreepages(z, <i32>((<u32>1 << high) - added) * -1, mt);
}

/** __rmqueue_smallest: the head of the first non-empty list of order >= the request. */
// @ts-ignore: decorator
@inline export function rmqueueSmallest(z: usize, order: u32, mt: u32): u32 {
  const top = maxOrder();
  for (let cur = order; cur < top; cur++) {
    const idx = listHead(z, cur, mt);
    if (idx == NIL) continue;
    pageDelAndExpand(z, idx, order, cur, mt);
    return idx;
  }
  return NIL;
}

// ---- 6.18 fallback: fallbacks[], __rmqueue_claim, __rmqueue_steal ----

/** fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1] (6.18): UNMOVABLE -> RECLAIMABLE, MOVABLE;
 *  MOVABLE -> RECLAIMABLE, UNMOVABLE; RECLAIMABLE -> UNMOVABLE, MOVABLE. */
// @ts-ignore: decorator
@inline function fallbackOf(mt: u32, i: u32): u32 {
  if (mt == MIGRATE_UNMOVABLE) return i == 0 ? MIGRATE_RECLAIMABLE : MIGRATE_MOVABLE;
  if (mt == MIGRATE_MOVABLE) return i == 0 ? MIGRATE_RECLAIMABLE : MIGRATE_UNMOVABLE;
  return i == 0 ? MIGRATE_UNMOVABLE : MIGRATE_MOVABLE;
}

/** should_try_claim_block (6.18): only movable requests below pageblock_order / 2 merely steal. */
function shouldTryClaimBlock(order: u32, startMt: u32): bool {
  const pbOrder = pageblockOrder();
  if (order >= pbOrder) return true;
  if (order >= pbOrder / 2) return true;
  if (startMt == MIGRATE_RECLAIMABLE || startMt == MIGRATE_UNMOVABLE) return true;
  return mobilityDisabled();
}

const FALLBACK_NONE: i32 = -1;
const FALLBACK_STOP: i32 = -2;

/** find_suitable_fallback (6.18): -2 when this order is too low to claim, -1 when no fallback
 *  list at this order has a block, else the fallback migratetype. */
export function findSuitableFallback(z: usize, order: u32, mt: u32, claimable: bool): i32 {
  if (claimable && !shouldTryClaimBlock(order, mt)) return FALLBACK_STOP;
  if (zget(z, nrFreeOff(order)) == 0) return FALLBACK_NONE;
  for (let i: u32 = 0; i < MIGRATE_PCPTYPES - 1; i++) {
    const fb = fallbackOf(mt, i);
    if (listHead(z, order, fb) != NIL) return <i32>fb;
  }
  return FALLBACK_NONE;
}

/** vm.watermark_boost_factor is in units of 1/10000 of the high watermark (boost_watermark, 6.18). */
const BOOST_FACTOR_SCALE: u64 = 10000;

/** boost_watermark (6.18): raise watermark_boost by a pageblock, up to high * factor / 10000. */
export function boostWatermark(z: usize): bool {
  const factor = watermarkBoostFactor();
  if (factor == 0) return false;
  const pbPages: u64 = <u64>1 << pageblockOrder();
  if (pbPages * 4 > <u64>zget(z, Z_MANAGED)) return false;
  let maxBoost: u64 = (<u64>zget(z, Z_WMARK + (WMARK_HIGH << 2)) * <u64>factor) / BOOST_FACTOR_SCALE;
  if (maxBoost == 0) return false;
  if (maxBoost < pbPages) maxBoost = pbPages;
  let boost: u64 = <u64>zget(z, Z_BOOST) + pbPages;
  if (boost > maxBoost) boost = maxBoost;
  zset(z, Z_BOOST, <u32>boost);
  zadd(z, Z_BOOST_EVENTS, 1);
  return true;
}

/** prep_move_freepages_block's answer when the pageblock straddles the zone. */
export const PB_STRADDLES: u64 = <u64>-1;

/** prep_move_freepages_block (6.18) with counting: free pages and pages of allocated movable
 *  blocks (MOVABLE_BIT: PageLRU || page_has_movable_ops) in idx's pageblock, as
 *  (movable << 32) | free (pbFree, pbMovable), or PB_STRADDLES. */
export function prepMoveFreepagesBlock(z: usize, idx: u32): u64 {
  const size: u32 = 1 << pageblockOrder();
  const start = idx & ~(size - 1);
  const end = start + size;
  if (!zoneSpans(z, start) || !zoneSpans(z, end - 1)) return PB_STRADDLES;
  let pbFree: u32 = 0;
  let pbMovable: u32 = 0;
  let p = start;
  while (p < end) {
    const info = pageInfo(p);
    const st = infoState(info);
    if (st == STATE_FREE) {
      const n: u32 = 1 << infoOrder(info);
      pbFree += n;
      p += n;
    } else if (st == STATE_ALLOC) {
      const n: u32 = 1 << infoOrder(info);
      if (info & MOVABLE_BIT) pbMovable += n;
      p += n;
    } else {
      p++;
    }
  }
  return (<u64>pbMovable << 32) | <u64>pbFree;
}

/** __move_freepages_block (6.18): every free block of the pageblock to newMt's lists (tail). */
export function moveFreepagesBlock(z: usize, start: u32, newMt: u32): u32 {
  const end = start + (<u32>1 << pageblockOrder());
  let moved: u32 = 0;
  let p = start;
  while (p < end) {
    const info = pageInfo(p);
    if (infoState(info) != STATE_FREE) {
      p++;
      continue;
    }
    const order = infoOrder(info);
    moveToFreeList(z, p, order, infoMt(info), newMt);
    p += 1 << order;
    moved += 1 << order;
  }
  return moved;
}

/** try_to_claim_block (6.18). */
function tryToClaimBlock(z: usize, idx: u32, cur: u32, order: u32, startMt: u32, blockMt: u32, flags: u32): u32 {
  if (cur >= pageblockOrder()) {
    delFromFreeList(z, idx, cur, blockMt);
    accountFreepages(z, -(<i32>1 << cur), blockMt);
    changePageblockRange(idx, cur, startMt);
    const added = expand(z, idx, order, cur, startMt);
    accountFreepages(z, <i32>added, startMt);
    return idx;
  }
  if (boostWatermark(z) && (flags & ALLOC_KSWAPD)) zset(z, Z_FLAGS, zget(z, Z_FLAGS) | ZONE_BOOSTED_WATERMARK);
  const counts = prepMoveFreepagesBlock(z, idx);
  if (counts == PB_STRADDLES) return NIL;
  const pbFree = <u32>counts;
  const pbMovable = <u32>(counts >> 32);
  const pbPages: u32 = 1 << pageblockOrder();
  let alike: u32 = 0;
  if (startMt == MIGRATE_MOVABLE) alike = pbMovable;
  else if (blockMt == MIGRATE_MOVABLE) alike = pbPages - (pbFree + pbMovable);
  if (pbFree + alike >= pbPages >> 1 || mobilityDisabled()) {
    const start = idx & ~(pbPages - 1);
    moveFreepagesBlock(z, start, startMt);
    setPageblockMt(start, startMt);
    return rmqueueSmallest(z, order, startMt);
  }
  return NIL;
}

/** __rmqueue_claim (6.18): largest fallback block first, claiming its pageblock when allowed. */
export function rmqueueClaim(z: usize, order: u32, startMt: u32, flags: u32): u32 {
  const pbOrder = pageblockOrder();
  let minOrder = order;
  if (order < pbOrder && (flags & ALLOC_NOFRAGMENT)) minOrder = pbOrder;
  for (let cur = <i32>maxOrder() - 1; cur >= <i32>minOrder; cur--) {
    const fb = findSuitableFallback(z, <u32>cur, startMt, true);
    if (fb == FALLBACK_NONE) continue;
    if (fb == FALLBACK_STOP) break;
    const page = tryToClaimBlock(z, listHead(z, <u32>cur, <u32>fb), <u32>cur, order, startMt, <u32>fb, flags);
    if (page != NIL) {
      if (cur < <i32>pbOrder) zadd(z, Z_FALLBACKS_FRAGMENTING, 1);
      return page;
    }
  }
  return NIL;
}

/** __rmqueue_steal (6.18): smallest fallback block; the remainder stays with the fallback type. */
export function rmqueueSteal(z: usize, order: u32, startMt: u32): u32 {
  const top = maxOrder();
  for (let cur = order; cur < top; cur++) {
    const fb = findSuitableFallback(z, cur, startMt, false);
    if (fb == FALLBACK_NONE) continue;
    const idx = listHead(z, cur, <u32>fb);
    pageDelAndExpand(z, idx, order, cur, <u32>fb);
    if (cur < pageblockOrder()) zadd(z, Z_FALLBACKS_FRAGMENTING, 1);
    return idx;
  }
  return NIL;
}

/** __rmqueue (6.18) for one allocation (rmqueue_mode starts at RMQUEUE_NORMAL). */
export function rmqueue618(z: usize, order: u32, mt: u32, flags: u32): u32 {
  let page: u32 = NIL;
  if ((flags & ALLOC_CMA) && zget(z, Z_FREE_CMA) > zget(z, Z_FREE_PAGES) / 2) {
    page = rmqueueSmallest(z, order, MIGRATE_CMA);
    if (page != NIL) return page;
  }
  page = rmqueueSmallest(z, order, mt);
  if (page != NIL) return page;
  if (flags & ALLOC_CMA) {
    page = rmqueueSmallest(z, order, MIGRATE_CMA);
    if (page != NIL) return page;
  }
  page = rmqueueClaim(z, order, mt, flags);
  if (page != NIL) {
    zadd(z, Z_FALLBACKS, 1);
    return page;
  }
  if (!(flags & ALLOC_NOFRAGMENT)) {
    page = rmqueueSteal(z, order, mt);
    if (page != NIL) zadd(z, Z_FALLBACKS, 1);
  }
  return page;
}

// ---- 6.1 fallback: __rmqueue_fallback, steal_suitable_fallback (mm/page_alloc.c, 6.1.141) ----

/** can_steal_fallback (6.1): the rule 6.18 renamed should_try_claim_block. */
// @ts-ignore: decorator
@inline function canStealFallback61(order: u32, startMt: u32): bool {
  return shouldTryClaimBlock(order, startMt);
}

/** move_freepages_block (6.1) with its movable count: every free block from the pageblock's start
 *  (or from idx when the zone starts inside the pageblock) to its end goes to newMt's lists (tail);
 *  nothing moves when the zone ends inside it. Returns (movable << 32) | moved. */
export function moveFreepagesBlock61(z: usize, idx: u32, newMt: u32): u64 {
  const size: u32 = 1 << pageblockOrder();
  let p = idx & ~(size - 1);
  const end = p + size;
  if (!zoneSpans(z, p)) p = idx;
  if (!zoneSpans(z, end - 1)) return 0;
  let moved: u32 = 0;
  let movable: u32 = 0;
  while (p < end) {
    const info = pageInfo(p);
    const st = infoState(info);
    if (st == STATE_FREE) {
      const order = infoOrder(info);
      moveToFreeList(z, p, order, infoMt(info), newMt);
      p += 1 << order;
      moved += 1 << order;
    } else if (st == STATE_ALLOC) {
      const n: u32 = 1 << infoOrder(info);
      if (info & MOVABLE_BIT) movable += n; // PageLRU || __PageMovable, page by page
      p += n;
    } else {
      p++;
    }
  }
  return (<u64>movable << 32) | <u64>moved;
}

/** steal_suitable_fallback (6.1): a block at or above pageblock_order takes its pageblocks; below,
 *  the watermark is boosted, and with wholeBlock every free page of the pageblock moves to
 *  startMt's lists, the pageblock itself changing type only when free + alike pages reach half of
 *  it; otherwise (or from a HIGHATOMIC pageblock) the block alone moves to startMt's list. Either
 *  way __rmqueue then takes startMt's smallest block, and a split's remainder stays on startMt's
 *  lists inside a pageblock of another type. */
function stealSuitableFallback61(
  z: usize, idx: u32, cur: u32, listMt: u32, startMt: u32, flags: u32, whole: bool,
): void {
  const oldMt = pageblockMt(idx);
  if (oldMt != MIGRATE_HIGHATOMIC) {
    if (cur >= pageblockOrder()) {
      changePageblockRange(idx, cur, startMt);
    } else {
      if (boostWatermark(z) && (flags & ALLOC_KSWAPD)) zset(z, Z_FLAGS, zget(z, Z_FLAGS) | ZONE_BOOSTED_WATERMARK);
      if (whole) {
        const r = moveFreepagesBlock61(z, idx, startMt);
        const freePages = <u32>r;
        const movable = <u32>(r >> 32);
        const pbPages: u32 = 1 << pageblockOrder();
        let alike: u32 = 0;
        if (startMt == MIGRATE_MOVABLE) alike = movable;
        else if (oldMt == MIGRATE_MOVABLE) alike = pbPages - (freePages + movable);
        if (freePages != 0) {
          if (freePages + alike >= pbPages >> 1 || mobilityDisabled()) setPageblockMt(idx & ~(pbPages - 1), startMt);
          return;
        }
      }
    }
  }
  moveToFreeList(z, idx, cur, listMt, startMt); // single_page
}

/** __rmqueue_fallback (6.1): the largest fallback block first; a movable request that may not steal
 *  the whole pageblock takes the smallest fallback block instead. True when a block was moved to
 *  startMt's lists (find_suitable_fallback with only_stealable false). */
function rmqueueFallback61(z: usize, order: u32, startMt: u32, flags: u32): bool {
  const pbOrder = pageblockOrder();
  let minOrder = order;
  if (order < pbOrder && (flags & ALLOC_NOFRAGMENT)) minOrder = pbOrder;
  for (let cur = <i32>maxOrder() - 1; cur >= <i32>minOrder; cur--) {
    let fb = findSuitableFallback(z, <u32>cur, startMt, false);
    if (fb == FALLBACK_NONE) continue;
    let steal = canStealFallback61(<u32>cur, startMt);
    if (!steal && startMt == MIGRATE_MOVABLE && cur > <i32>order) {
      // find_smallest: a fallback block exists at cur, so the search stops at or below it
      for (cur = <i32>order; cur < <i32>maxOrder(); cur++) {
        fb = findSuitableFallback(z, <u32>cur, startMt, false);
        if (fb != FALLBACK_NONE) break;
      }
      steal = canStealFallback61(<u32>cur, startMt);
    }
    const idx = listHead(z, <u32>cur, <u32>fb);
    stealSuitableFallback61(z, idx, <u32>cur, <u32>fb, startMt, flags, steal);
    // trace_mm_page_alloc_extfrag: fragmenting when the fallback block is below pageblock_order
    if (cur < <i32>pbOrder) zadd(z, Z_FALLBACKS_FRAGMENTING, 1);
    zadd(z, Z_FALLBACKS, 1);
    return true;
  }
  return false;
}

/** __rmqueue (6.1): CMA first when over half the free pages are CMA, the requested lists, CMA, then
 *  __rmqueue_fallback and the requested lists again (goto retry). */
export function rmqueue61(z: usize, order: u32, mt: u32, flags: u32): u32 {
  let page: u32 = NIL;
  if ((flags & ALLOC_CMA) && zget(z, Z_FREE_CMA) > zget(z, Z_FREE_PAGES) / 2) {
    page = rmqueueSmallest(z, order, MIGRATE_CMA);
    if (page != NIL) return page;
  }
  while (true) {
    page = rmqueueSmallest(z, order, mt);
    if (page != NIL) return page;
    if (flags & ALLOC_CMA) {
      page = rmqueueSmallest(z, order, MIGRATE_CMA);
      if (page != NIL) return page;
    }
    if (!rmqueueFallback61(z, order, mt, flags)) return NIL;
  }
  return NIL;
}

/** reserve_highatomic_pageblock (6.1): up to 1% of the zone plus one pageblock; the allocated
 *  page's pageblock (one pageblock, whatever the order) becomes HIGHATOMIC and counts a pageblock,
 *  then its free pages move (move_freepages_block). */
function reserveHighatomicPageblock61(z: usize, idx: u32): void {
  const pbPages: u32 = 1 << pageblockOrder();
  const maxManaged = zget(z, Z_MANAGED) / 100 + pbPages;
  if (zget(z, Z_RESERVED_HIGHATOMIC) >= maxManaged) return;
  if (!mtIsMergeable(pageblockMt(idx))) return;
  zadd(z, Z_RESERVED_HIGHATOMIC, <i32>pbPages);
  setPageblockMt(idx & ~(pbPages - 1), MIGRATE_HIGHATOMIC);
  moveFreepagesBlock61(z, idx, MIGRATE_HIGHATOMIC);
}

/** unreserve_highatomic_pageblock (6.1) for one zone: the first free HIGHATOMIC block by order; its
 *  pageblock (if still HIGHATOMIC) takes a pageblock off the reserve, becomes mt and its free pages
 *  move; a pageblock the zone ends inside moves nothing and the search goes on. */
function unreserveHighatomicPageblock61(z: usize, mt: u32, force: bool): u32 {
  const pbPages: u32 = 1 << pageblockOrder();
  if (!force && zget(z, Z_RESERVED_HIGHATOMIC) <= pbPages) return 0;
  const top = maxOrder();
  for (let order: u32 = 0; order < top; order++) {
    const page = listHead(z, order, MIGRATE_HIGHATOMIC);
    if (page == NIL) continue;
    if (pageblockMt(page) == MIGRATE_HIGHATOMIC) {
      const left = zget(z, Z_RESERVED_HIGHATOMIC);
      zset(z, Z_RESERVED_HIGHATOMIC, left - (pbPages < left ? pbPages : left));
    }
    setPageblockMt(page & ~(pbPages - 1), mt);
    const moved = <u32>moveFreepagesBlock61(z, page, mt);
    if (moved > 0) return moved;
  }
  return 0;
}

/** rmqueue_buddy (6.18; the same in 6.1.141): highatomic reserves first for ALLOC_HIGHATOMIC, and as
 *  a last resort for ALLOC_OOM / ALLOC_NON_BLOCK. 2.6.11: __rmqueue on the single list. */
// @ts-ignore: decorator
@inline export function rmqueue(z: usize, order: u32, mt: u32, flags: u32): u32 {
  if (era() == ERA_2_6_11) return rmqueueSmallest(z, order, 0);
  let page: u32 = NIL;
  if (flags & ALLOC_HIGHATOMIC) page = rmqueueSmallest(z, order, MIGRATE_HIGHATOMIC);
  if (page == NIL) {
    page = era() == ERA_6_1 ? rmqueue61(z, order, mt, flags) : rmqueue618(z, order, mt, flags);
    if (page == NIL && (flags & (ALLOC_OOM | ALLOC_NON_BLOCK))) page = rmqueueSmallest(z, order, MIGRATE_HIGHATOMIC);
  }
  return page;
}

/** reserve_highatomic_pageblock (6.18): after a successful high-order ALLOC_HIGHATOMIC allocation,
 *  turn its pageblock into a HIGHATOMIC reserve, up to ~1% of the zone. */
export function reserveHighatomicPageblock(z: usize, idx: u32, order: u32): void {
  if (era() == ERA_6_1) {
    reserveHighatomicPageblock61(z, idx);
    return;
  }
  const pbOrder = pageblockOrder();
  const pbPages: u32 = 1 << pbOrder;
  const onePct = zget(z, Z_MANAGED) / 100;
  if (onePct < pbPages) return;
  const maxManaged = (onePct + pbPages - 1) & ~(pbPages - 1);
  if (zget(z, Z_RESERVED_HIGHATOMIC) >= maxManaged) return;
  const mt = pageblockMt(idx);
  if (!mtIsMergeable(mt)) return;
  if (order < pbOrder) {
    if (prepMoveFreepagesBlock(z, idx) == PB_STRADDLES) return;
    const start = idx & ~(pbPages - 1);
    moveFreepagesBlock(z, start, MIGRATE_HIGHATOMIC);
    setPageblockMt(start, MIGRATE_HIGHATOMIC);
    zadd(z, Z_RESERVED_HIGHATOMIC, <i32>pbPages);
  } else {
    changePageblockRange(idx, order, MIGRATE_HIGHATOMIC);
    zadd(z, Z_RESERVED_HIGHATOMIC, <i32>1 << order);
  }
}

/** unreserve_highatomic_pageblock (mm/page_alloc.c 6.18) for one zone: the first free HIGHATOMIC
 *  block by order gives its pageblock (or, at pageblock order and above, its range) back to mt; the
 *  reserve shrinks by max(pageblock, block) pages. Unless force, one pageblock of reserve is kept.
 *  Returns the pages moved to mt's lists (0: nothing given back). */
export function unreserveHighatomicPageblock(z: usize, mt: u32, force: bool): u32 {
  if (era() == ERA_6_1) return unreserveHighatomicPageblock61(z, mt, force);
  const pbOrder = pageblockOrder();
  const pbPages: u32 = 1 << pbOrder;
  const reserved = zget(z, Z_RESERVED_HIGHATOMIC);
  if (!force && reserved <= pbPages) return 0;
  const top = maxOrder();
  for (let order: u32 = 0; order < top; order++) {
    const page = listHead(z, order, MIGRATE_HIGHATOMIC);
    if (page == NIL) continue;
    let size: u32 = pbPages > (<u32>1 << order) ? pbPages : <u32>1 << order;
    const left = zget(z, Z_RESERVED_HIGHATOMIC);
    if (size > left) size = left;
    zset(z, Z_RESERVED_HIGHATOMIC, left - size);
    if (order < pbOrder) {
      if (prepMoveFreepagesBlock(z, page) == PB_STRADDLES) continue;
      const start = page & ~(pbPages - 1);
      const moved = moveFreepagesBlock(z, start, mt);
      setPageblockMt(start, mt);
      if (moved > 0) return moved;
    } else {
      moveToFreeList(z, page, order, MIGRATE_HIGHATOMIC, mt);
      changePageblockRange(page, order, mt);
      return <u32>1 << order;
    }
  }
  return 0;
}

// ---- freeing: __free_one_page ----

/** __free_one_page; idx's info must already be 0 (not a head). 2.6.11 (__free_pages_bulk): merge
 *  with any free buddy of the same order, insert at the head. 6.18: above pageblock_order refuse
 *  merges between a mergeable and a non-mergeable type (retagging the buddy when both are
 *  mergeable); insert at the tail when toTail (FPI_TO_TAIL) or buddy_merge_likely(). */
// @ts-ignore: decorator
@inline export function freeOnePage(z: usize, idx: u32, order: u32, mt: u32, toTail: bool): void {
  accountFreepages(z, <i32>1 << order, mt);
  const top = maxOrder() - 1;
  const modern = era() != ERA_2_6_11;
  const base = zget(z, Z_ALIGN_BASE);
  const start = zget(z, Z_START);
  const span = zget(z, Z_END) - start;
  while (order < top) {
    const b = (((idx - base) ^ (<u32>1 << order)) + base);
    if (b - start >= span) break; // bad_range(): the buddy lies outside the zone
    const binfo = pageInfo(b);
    if ((binfo & ORDER_STATE_MASK) != makeInfo(order, STATE_FREE, 0)) break; // page_is_buddy()
    const listMt = infoMt(binfo);
    if (modern && order >= pageblockOrder()) {
      if (!mergeAcrossPageblocks(z, b, order, mt, listMt)) break;
    } else {
      delFromFreeList(z, b, order, listMt);
    }
    // 6.1 leaves free blocks on other types' lists: the buddy's pages now count for mt (only
    // oomlab's free-HIGHATOMIC count can change; 6.18's buddies are on mt's list or mergeable ones)
    if (listMt != mt) accountMerge(z, order, listMt, mt);
    if (b < idx) idx = b; // combined_pfn = buddy_pfn & pfn
    order++;
  }
  if (modern && !toTail) toTail = buddyMergeLikely(z, idx, order);
  addToFreeList(z, idx, order, mt, toTail);
}

/** A merged buddy's pages move from its list's type to the merged block's. */
function accountMerge(z: usize, order: u32, from: u32, to: u32): void {
  accountFreepages(z, -(<i32>1 << order), from);
  accountFreepages(z, <i32>1 << order, to);
}

/** The 6.18 merge rule above pageblock_order (kept out of line: 2.6.11 never runs it): refuse a
 *  merge between a mergeable and a non-mergeable type; otherwise take the buddy off its list and
 *  retag its pageblocks. 6.1 refuses the same merges and retags nothing (__free_one_page, 6.1). */
export function mergeAcrossPageblocks(z: usize, b: u32, order: u32, mt: u32, listMt: u32): bool {
  const bmt = pageblockMt(b);
  if (mt != bmt && (!mtIsMergeable(mt) || !mtIsMergeable(bmt))) return false;
  delFromFreeList(z, b, order, listMt);
  if (bmt != mt && era() != ERA_6_1) changePageblockRange(b, order, mt);
  return true;
}

/** buddy_merge_likely (6.18): below the second-largest order, is the buddy of the next-higher
 *  order free? Then the block goes to the tail so it is not reused before it can merge.
 *  page_is_buddy(higher_page, buddy) wants the buddy in the same zone as higher_page, which can lie
 *  in the zone below when zone boundaries are not aligned to the block. */
export function buddyMergeLikely(z: usize, idx: u32, order: u32): bool {
  if (order + 2 >= maxOrder()) return false; // order >= MAX_PAGE_ORDER - 1
  const higher = idx & ~(<u32>1 << order);
  const target = buddyIdx(z, higher, order + 1);
  if (target >= nrPages()) return false;
  const info = pageInfo(target);
  if ((info & ORDER_STATE_MASK) != makeInfo(order + 1, STATE_FREE, 0)) return false;
  if (zoneSpans(z, higher) && zoneSpans(z, target)) return true;
  const zt = zoneOfIdx(target);
  return zt >= 0 && zoneSpans(zoneAddr(<u32>zt), higher);
}

/** __free_pages(page, order): frees an allocated block head whose order the caller knows (as
 *  kernel callers do). 6.18's free_one_page -> split_large_buddy frees a block above
 *  pageblock_order one pageblock at a time, each with its pageblock's migratetype. */
// @ts-ignore: decorator
@inline export function freePages(z: usize, idx: u32, order: u32): void {
  setPageInfo(idx, TAIL_INFO);
  if (era() == ERA_2_6_11) freeOnePage(z, idx, order, 0, false);
  else if (era() == ERA_6_1) freeOnePage(z, idx, order, pageblockMt(idx), false); // free_pages_ok, 6.1
  else freePages618(z, idx, order);
}

/** The 6.18 half of freePages, out of line so the 2.6.11 hot path stays small. */
function freePages618(z: usize, idx: u32, order: u32): void {
  const pbOrder = pageblockOrder();
  if (order <= pbOrder) {
    freeOnePage(z, idx, order, pageblockMt(idx), false);
    return;
  }
  const end = idx + (<u32>1 << order);
  const step: u32 = 1 << pbOrder;
  for (let p = idx; p < end; p += step) freeOnePage(z, p, pbOrder, pageblockMt(p), false);
}

/** Marks idx as an allocated block head of the given order, migratetype and owner; a MOVABLE
 *  request is movable (on an LRU, as the kernel's movable users are), anything else is not. */
// @ts-ignore: decorator
@inline export function markAllocated(idx: u32, order: u32, mt: u32, owner: u32): void {
  setPageNext(idx, owner);
  setPageInfo(idx, makeInfo(order, STATE_ALLOC, mt) | (mt == MIGRATE_MOVABLE ? MOVABLE_BIT : 0));
}

/** get_page_from_freelist over a registered zonelist ([highest_zoneidx, n, slot...]). 2.6.11's
 *  __alloc_pages passes are this loop with the pass's watermark and reductions in flags.
 *  6.18: ALLOC_NOFRAGMENT is dropped and the zonelist retried when no zone could serve
 *  (or before leaving the preferred node), as in the kernel. The ZONE_BELOW_HIGH pre-check at the
 *  high mark only sets the flag the per-CPU lists read (pcpNoteBelowHigh, with them on); otherwise it
 *  only changes which mark a passing zone was tested against. */
export function getPageFromFreelist(zl: u32, order: u32, mt: u32, flags: u32, owner: u32): u32 {
  const l = zonelistsOff() + <usize>(zl * ZONELIST_SIZE);
  // gfp_migratetype() (include/linux/gfp.h): with grouping by mobility disabled every request is
  // UNMOVABLE, so free lists and pageblock tags stay in step.
  if (mobilityDisabled()) mt = MIGRATE_UNMOVABLE;
  const highest = <u32>load<u8>(l + <usize>ZL_HIGHEST);
  const n = <u32>load<u8>(l + <usize>ZL_COUNT);
  const modern = era() != ERA_2_6_11;
  while (true) {
    const noFallback = modern && (flags & ALLOC_NOFRAGMENT) != 0;
    const prefNode = n > 0 ? zget(zoneAddr(<u32>load<u8>(l + <usize>ZL_SLOTS)), Z_NODE) : 0;
    for (let i: u32 = 0; i < n; i++) {
      const slot = <u32>load<u8>(l + <usize>(ZL_SLOTS + i));
      const z = zoneAddr(slot);
      if (noFallback && i > 0 && zget(z, Z_NODE) != prefNode) {
        break; // leaving the preferred node: retry locally without ALLOC_NOFRAGMENT
      }
      const pcp = pcpEnabled(); // the per-CPU lists (assembly/pcp.ts), modern eras only
      if (pcp) pcpNoteBelowHigh(z, order, highest, flags);
      if (!zoneAllows(z, order, highest, flags)) continue;
      const page = pcp ? rmqueuePcp(z, order, mt, flags) : rmqueue(z, order, modern ? mt : MIGRATE_UNMOVABLE, flags);
      if (page == NIL) continue;
      markAllocated(page, order, mt, owner);
      if (modern && order > 0 && (flags & ALLOC_HIGHATOMIC)) reserveHighatomicPageblock(z, page, order);
      hset(H_LAST_ZONE_SLOT, slot);
      return page;
    }
    if (noFallback) {
      flags &= ~ALLOC_NOFRAGMENT;
      continue;
    }
    return NIL;
  }
  return NIL;
}

