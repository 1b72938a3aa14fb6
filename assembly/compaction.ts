// compaction: one compact_zone pass (mm/compaction.c compact_zone, 6.18) inside the engine, so a
// pass over 2^20 pages is one call. The policy around it (compaction_suitable, deferral, priorities,
// kcompactd) is TypeScript: bindings/linux-6.18/mm/compaction.ts.
//
// Modelled: the migrate scanner (isolate_migratepages, isolate_migratepages_block: COMPACT_CLUSTER_MAX
// pages at a time, skip_on_failure for async direct compaction, suitable_migration_source), the free
// scanner (isolate_freepages, isolate_freepages_block with its stride, suitable_migration_target,
// __isolate_free_page with its watermark check and pageblock retagging), migrate_pages with
// compaction_alloc (the isolated free pages kept at their order and split on demand), the source
// block freed through __free_one_page with compaction_capture, release_free_list, the pageblock skip
// hints (test_and_set_skip, update_pageblock_skip, update_cached_migrate, __reset_isolation_suitable)
// and the cached scanner positions, and __compact_finished.
//
// Not modelled (stated in the report and README): fast_find_migrateblock and fast_isolate_freepages
// (the scanners are linear), per-CPU lists (a freed source block reaches __free_one_page at once),
// lock contention and too_many_isolated (never COMPACT_CONTENDED from them), migration failures other
// than no target (-ENOMEM), splitting a large folio that found no target, __GFP_FS and dirty or
// writeback pages, defrag_mode. Every allocated block is a folio of its order (compound).
//
// The compact record (IO buffer) the pass writes; the moves (old idx, new idx, order), u32 each, go
// to a log after the workload scratch (CR_MOVES_PTR), grown on demand:
//
//    3                   2                   1
//  1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0  bits
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                 enum compact_result (i32)                     |     0  CR_RESULT
// +---------------------------------------------------------------+
// |                   compact_migrate_scanned                     |     4  CR_MIGRATE_SCANNED
// +---------------------------------------------------------------+
// |                    compact_free_scanned                       |     8  CR_FREE_SCANNED
// +---------------------------------------------------------------+
// |                      compact_isolated                         |    12  CR_ISOLATED
// +---------------------------------------------------------------+
// |                  pgmigrate_success (pages)                    |    16  CR_MIGRATE_SUCCESS
// +---------------------------------------------------------------+
// |                   pgmigrate_fail (pages)                      |    20  CR_MIGRATE_FAIL
// +---------------------------------------------------------------+
// |                     moves in the log                          |    24  CR_NR_MOVES
// +---------------------------------------------------------------+
// |               byte offset of the moves log                    |    28  CR_MOVES_PTR
// +---------------------------------------------------------------+
// |          captured block idx (NIL: none captured)              |    32  CR_CAPTURED
// +---------------------------------------------------------------+
// |          cc->migrate_pfn at the end, idx                      |    36  CR_MIGRATE_PFN
// +---------------------------------------------------------------+
// |          cc->free_pfn at the end, idx (i32)                   |    40  CR_FREE_PFN
// +---------------------------------------------------------------+
//                                                                      48  COMPACT_RECORD_BYTES

import {
  ERA_2_6_11, NIL, STATE_FREE, STATE_ALLOC, TAIL_INFO, ORDER_STATE_MASK, MOVABLE_BIT, MAX_ZONES, MAX_ORDER_LIMIT,
  MIGRATE_MOVABLE, MIGRATE_CMA, MIGRATE_ISOLATE, MIGRATE_PCPTYPES, Z_START, Z_END, Z_POPULATED, Z_WMARK,
  Z_CC_MIGRATE_ASYNC, Z_CC_MIGRATE_SYNC, Z_CC_FREE, Z_CC_INIT_MIGRATE, Z_CC_INIT_FREE, Z_CC_BLOCKSKIP_FLUSH,
  WMARK_MIN, ioOff, era, maxOrder, pageblockOrder, nrPages, scratchOff, ensureMemory, nrFreeOff,
  pageInfo, setPageInfo, pageNext, setPageNext, pagePrev, setPagePrev, makeInfo, infoOrder, infoState, infoMt,
  pageblockMt, setPageblockMt, pageblockSkip, markDirty, setPageblockSkip, zoneAddr, zget, zset, listHead,
  addToFreeList, delFromFreeList, accountFreepages, mtIsMergeable,
} from "./mmzone";
import {
  findSuitableFallback, prepMoveFreepagesBlock, moveFreepagesBlock, PB_STRADDLES, mergeAcrossPageblocks,
  buddyMergeLikely, markAllocated,
} from "./page_alloc";
import { zoneWatermarkOk618 } from "./watermark";
import { ALLOC_CMA } from "./internal";
import { E_BAD_PARAM, E_BAD_ZONE, E_NO_MEMORY } from "./mm_init";

// enum compact_result (include/linux/compaction.h 6.18)
export const COMPACT_NOT_SUITABLE_ZONE: i32 = 0;
export const COMPACT_SKIPPED: i32 = 1;
export const COMPACT_DEFERRED: i32 = 2;
export const COMPACT_NO_SUITABLE_PAGE: i32 = 3;
export const COMPACT_CONTINUE: i32 = 4;
export const COMPACT_COMPLETE: i32 = 5;
export const COMPACT_PARTIAL_SKIPPED: i32 = 6;
export const COMPACT_CONTENDED: i32 = 7;
export const COMPACT_SUCCESS: i32 = 8;

// enum migrate_mode (include/linux/migrate_mode.h)
export const MIGRATE_ASYNC: u32 = 0;
export const MIGRATE_SYNC_LIGHT: u32 = 1;
export const MIGRATE_SYNC: u32 = 2;

/** COMPACT_CLUSTER_MAX = SWAP_CLUSTER_MAX (include/linux/swap.h). */
export const COMPACT_CLUSTER_MAX: u32 = 32;
const PAGE_ALLOC_COSTLY_ORDER: u32 = 3;

// struct compact_control's booleans, as compactZone's flags argument.
export const CF_WHOLE_ZONE: u32 = 1; // cc->whole_zone
export const CF_IGNORE_SKIP_HINT: u32 = 2; // cc->ignore_skip_hint
export const CF_IGNORE_BLOCK_SUITABLE: u32 = 4; // cc->ignore_block_suitable
export const CF_DIRECT: u32 = 8; // cc->direct_compaction
export const CF_PROACTIVE: u32 = 16; // cc->proactive_compaction
export const CF_CAPTURE: u32 = 32; // a capture_control for the requester (direct compaction in a task)
export const CF_RESET_SKIP: u32 = 64; // compaction_restarting(): __reset_isolation_suitable first

export const CR_RESULT: u32 = 0;
export const CR_MIGRATE_SCANNED: u32 = 4;
export const CR_FREE_SCANNED: u32 = 8;
export const CR_ISOLATED: u32 = 12;
export const CR_MIGRATE_SUCCESS: u32 = 16;
export const CR_MIGRATE_FAIL: u32 = 20;
export const CR_NR_MOVES: u32 = 24;
export const CR_MOVES_PTR: u32 = 28;
export const CR_CAPTURED: u32 = 32;
export const CR_MIGRATE_PFN: u32 = 36;
export const CR_FREE_PFN: u32 = 40;
export const COMPACT_RECORD_BYTES: u32 = 48;
export const MOVE_RECORD_BYTES: u32 = 12;

// ---- struct compact_control, for the length of one call (static data, not a global) ----

const CC_ZONE: u32 = 0;
const CC_ORDER: u32 = 4; // i32; -1: is_via_compact_memory
const CC_MT: u32 = 8;
const CC_MODE: u32 = 12;
const CC_FLAGS: u32 = 16;
const CC_OWNER: u32 = 20;
const CC_MIGRATE_PFN: u32 = 24;
const CC_FREE_PFN: u32 = 28; // i32
const CC_NR_MIGRATE: u32 = 32;
const CC_NR_FREE: u32 = 36;
const CC_FINISH_PB: u32 = 40;
const CC_MIGRATE_LIST: u32 = 44; // head of cc->migratepages (linked through prev; list_add order)
const CC_WMARK_LOW: u32 = 48;
const CC_HPAGE_ORDER: u32 = 52;
const CC_LOG_OFF: u32 = 56;
const CC_LOG_CAP: u32 = 60;
const CC_LOG_FAILED: u32 = 64;
const CC_FREELISTS: u32 = 128; // cc->freepages[order]: (head, tail) x MAX_ORDER_LIMIT
const CC_BYTES: u32 = CC_FREELISTS + MAX_ORDER_LIMIT * 8;

const cc = memory.data(CC_BYTES);

// @ts-ignore: decorator
@inline function cget(off: u32): u32 {
  return load<u32>(cc + <usize>off);
}
// @ts-ignore: decorator
@inline function cset(off: u32, v: u32): void {
  store<u32>(cc + <usize>off, v);
}
// @ts-ignore: decorator
@inline function ccZone(): usize {
  return <usize>cget(CC_ZONE);
}
// @ts-ignore: decorator
@inline function ccOrder(): i32 {
  return <i32>cget(CC_ORDER);
}
// @ts-ignore: decorator
@inline function ccHas(flag: u32): bool {
  return (cget(CC_FLAGS) & flag) != 0;
}
// @ts-ignore: decorator
@inline function rget(off: u32): u32 {
  return load<u32>(ioOff() + <usize>off);
}
// @ts-ignore: decorator
@inline function radd(off: u32, v: u32): void {
  store<u32>(ioOff() + <usize>off, load<u32>(ioOff() + <usize>off) + v);
}
/** A cached scanner position of the zone, signed: NIL (-1) lies below every zone. */
// @ts-ignore: decorator
@inline function zcached(z: usize, off: u32): i32 {
  return <i32>zget(z, off);
}

// ---- pageblock arithmetic (include/linux/pageblock-flags.h) ----

// @ts-ignore: decorator
@inline function pbPages(): u32 {
  return <u32>1 << pageblockOrder();
}
// @ts-ignore: decorator
@inline function pbStart(p: u32): u32 {
  return p & ~(pbPages() - 1);
}
/** pageblock_end_pfn: ALIGN(pfn + 1, pageblock_nr_pages). */
// @ts-ignore: decorator
@inline function pbEnd(p: u32): u32 {
  return (p + pbPages()) & ~(pbPages() - 1);
}
// @ts-ignore: decorator
@inline function pbAligned(p: u32): bool {
  return (p & (pbPages() - 1)) == 0;
}

/** The head of the free or allocated block holding idx, or NIL (reserved pages, holes). */
function blockHead(p: u32): u32 {
  const top = maxOrder();
  for (let o: u32 = 0; o < top; o++) {
    const h = p & ~((<u32>1 << o) - 1);
    const info = pageInfo(h);
    const st = infoState(info);
    if ((st == STATE_FREE || st == STATE_ALLOC) && h + (<u32>1 << infoOrder(info)) > p) return h;
  }
  return NIL;
}

/** PageLRU || page_has_movable_ops of the folio holding p (PageLRU answers for the head). */
function pageLru(p: u32): bool {
  const h = blockHead(p);
  if (h == NIL) return false;
  const info = pageInfo(h);
  return infoState(info) == STATE_ALLOC && (info & MOVABLE_BIT) != 0;
}

/** pageblock_skip_persistent: p lies in an allocated compound page of pageblock_order or more. */
function pageblockSkipPersistent(p: u32): bool {
  const h = blockHead(p);
  if (h == NIL) return false;
  const info = pageInfo(h);
  return infoState(info) == STATE_ALLOC && infoOrder(info) > 0 && infoOrder(info) >= pageblockOrder();
}

/** isolation_suitable. */
function isolationSuitable(p: u32): bool {
  return ccHas(CF_IGNORE_SKIP_HINT) || !pageblockSkip(p);
}

/** suitable_migration_source. */
function suitableMigrationSource(p: u32): bool {
  if (pageblockSkipPersistent(p)) return false;
  if (cget(CC_MODE) != MIGRATE_ASYNC || !ccHas(CF_DIRECT)) return true;
  const bmt = pageblockMt(p);
  if (cget(CC_MT) == MIGRATE_MOVABLE) return bmt == MIGRATE_MOVABLE || bmt == MIGRATE_CMA;
  return bmt == cget(CC_MT);
}

/** suitable_migration_target. */
function suitableMigrationTarget(p: u32): bool {
  const info = pageInfo(p);
  if (infoState(info) == STATE_FREE) {
    const order: u32 = ccOrder() > 0 ? <u32>ccOrder() : pageblockOrder();
    if (infoOrder(info) >= order) return false;
  }
  if (ccHas(CF_IGNORE_BLOCK_SUITABLE)) return true;
  const bmt = pageblockMt(p);
  return bmt == MIGRATE_MOVABLE || bmt == MIGRATE_CMA;
}

/** skip_isolation_on_order. */
function skipIsolationOnOrder(order: u32): bool {
  if (ccOrder() >= 0 && order >= <u32>ccOrder()) return true;
  return order >= pageblockOrder();
}

// ---- skip hints and cached positions ----

/** reset_cached_positions. */
function resetCachedPositions(z: usize): void {
  zset(z, Z_CC_MIGRATE_ASYNC, zget(z, Z_START));
  zset(z, Z_CC_MIGRATE_SYNC, zget(z, Z_START));
  zset(z, Z_CC_FREE, pbStart(zget(z, Z_END) - 1));
}

/** test_and_set_skip (cc->no_set_skip_hint is never set by compaction proper). */
function testAndSetSkip(p: u32): bool {
  if (ccHas(CF_IGNORE_SKIP_HINT)) return false;
  const skip = pageblockSkip(p);
  if (!skip) setPageblockSkip(p, true);
  return skip;
}

/** update_cached_migrate. */
function updateCachedMigrate(pfn: u32): void {
  const z = ccZone();
  pfn = pbEnd(pfn);
  if (<i32>pfn > zcached(z, Z_CC_MIGRATE_ASYNC)) zset(z, Z_CC_MIGRATE_ASYNC, pfn);
  if (cget(CC_MODE) != MIGRATE_ASYNC && <i32>pfn > zcached(z, Z_CC_MIGRATE_SYNC)) zset(z, Z_CC_MIGRATE_SYNC, pfn);
}

/** update_pageblock_skip. */
function updatePageblockSkip(p: u32, pfn: i32): void {
  const z = ccZone();
  setPageblockSkip(p, true);
  if (pfn < zcached(z, Z_CC_FREE)) zset(z, Z_CC_FREE, <u32>pfn);
}

/** __reset_isolation_pfn. */
function resetIsolationPfn(z: usize, pfn: u32, checkSource: bool, checkTarget: bool): bool {
  if (pageblockSkipPersistent(pfn)) return false;
  if (checkSource && checkTarget && !pageblockSkip(pfn)) return true;
  if (!checkSource && checkTarget && pageblockMt(pfn) != MIGRATE_MOVABLE) return false;
  let p = pbStart(pfn);
  if (p < zget(z, Z_START)) p = zget(z, Z_START);
  let last = pbEnd(pfn) - 1;
  if (last > zget(z, Z_END) - 1) last = zget(z, Z_END) - 1;
  do {
    if (checkSource && pageLru(p)) {
      setPageblockSkip(p, false);
      return true;
    }
    if (checkTarget && infoState(pageInfo(p)) == STATE_FREE) {
      setPageblockSkip(p, false);
      return true;
    }
    p += 1 << PAGE_ALLOC_COSTLY_ORDER;
  } while (p <= last);
  return false;
}

/** __reset_isolation_suitable: when a full compaction finished recently (compact_blockskip_flush),
 *  clear the skip hints of pageblocks that sample an LRU page (source) or a free page (target),
 *  walking from both ends, and restart the scanners at the first such blocks. */
export function resetIsolationSuitable(z: usize): void {
  if (!zget(z, Z_CC_BLOCKSKIP_FLUSH)) return;
  zset(z, Z_CC_BLOCKSKIP_FLUSH, 0);
  const pb = <i64>pbPages();
  let migrate = <i64>zget(z, Z_START);
  let free = <i64>zget(z, Z_END) - 1;
  let resetMigrate = free;
  let resetFree = migrate;
  let sourceSet = false;
  let freeSet = false;
  for (; migrate < free; migrate += pb, free -= pb) {
    if (resetIsolationPfn(z, <u32>migrate, true, sourceSet) && migrate < resetMigrate) {
      sourceSet = true;
      resetMigrate = migrate;
      zset(z, Z_CC_INIT_MIGRATE, <u32>migrate);
      zset(z, Z_CC_MIGRATE_ASYNC, <u32>migrate);
      zset(z, Z_CC_MIGRATE_SYNC, <u32>migrate);
    }
    if (resetIsolationPfn(z, <u32>free, freeSet, true) && free > resetFree) {
      freeSet = true;
      resetFree = free;
      zset(z, Z_CC_INIT_FREE, <u32>free);
      zset(z, Z_CC_FREE, <u32>free);
    }
  }
  if (resetMigrate >= resetFree) {
    zset(z, Z_CC_MIGRATE_ASYNC, <u32>migrate);
    zset(z, Z_CC_MIGRATE_SYNC, <u32>migrate);
    zset(z, Z_CC_FREE, <u32>free); // below the zone when the walk ran past its start: reset next time
  }
}

// ---- freeing with capture: __free_one_page with compaction_capture (mm/page_alloc.c 6.18) ----

/** compaction_capture. */
function compactionCapture(order: u32, mt: u32): bool {
  if (!ccHas(CF_CAPTURE) || rget(CR_CAPTURED) != NIL) return false;
  if (ccOrder() < 0 || order != <u32>ccOrder()) return false;
  if (mt == MIGRATE_CMA || mt == MIGRATE_ISOLATE) return false;
  if (order < pageblockOrder() && mt == MIGRATE_MOVABLE && cget(CC_MT) != MIGRATE_MOVABLE) return false;
  return true;
}

/** __free_one_page (6.18) with the capture check at the top of each merge step; the captured block
 *  becomes the requester's allocation (owner and migratetype of the request). */
function freeOneCapture(z: usize, idx: u32, order: u32, mt: u32): void {
  accountFreepages(z, <i32>1 << order, mt);
  const top = maxOrder() - 1;
  const start = zget(z, Z_START);
  const span = zget(z, Z_END) - start;
  while (order < top) {
    if (compactionCapture(order, mt)) {
      accountFreepages(z, -(<i32>1 << order), mt);
      markAllocated(idx, order, cget(CC_MT), cget(CC_OWNER));
      store<u32>(ioOff() + <usize>CR_CAPTURED, idx);
      return;
    }
    const b = idx ^ (<u32>1 << order);
    if (b - start >= span) break;
    const binfo = pageInfo(b);
    if ((binfo & ORDER_STATE_MASK) != makeInfo(order, STATE_FREE, 0)) break;
    const listMt = infoMt(binfo);
    if (order >= pageblockOrder()) {
      if (!mergeAcrossPageblocks(z, b, order, mt, listMt)) break;
    } else {
      delFromFreeList(z, b, order, listMt);
    }
    if (b < idx) idx = b;
    order++;
  }
  addToFreeList(z, idx, order, mt, buddyMergeLikely(z, idx, order));
}

/** free_one_page -> split_large_buddy (6.18): above pageblock_order one pageblock at a time. */
function freeCompact(z: usize, idx: u32, order: u32): void {
  setPageInfo(idx, TAIL_INFO);
  const pbOrder = pageblockOrder();
  if (order <= pbOrder) {
    freeOneCapture(z, idx, order, pageblockMt(idx));
    return;
  }
  const end = idx + (<u32>1 << order);
  for (let p = idx; p < end; p += pbPages()) freeOneCapture(z, p, pbOrder, pageblockMt(p));
}

// ---- cc->freepages[order] ----

/** An isolated free page: not PageBuddy, not movable; its links chain cc->freepages[order]. */
// @ts-ignore: decorator
@inline function markIsolated(idx: u32, order: u32): void {
  setPageInfo(idx, makeInfo(order, STATE_ALLOC, MIGRATE_ISOLATE));
}
// @ts-ignore: decorator
@inline function flAddr(order: u32): usize {
  return cc + <usize>(CC_FREELISTS + order * 8);
}
function flAdd(idx: u32, order: u32, tail: bool): void {
  const l = flAddr(order);
  const h = load<u32>(l);
  const t = load<u32>(l, 4);
  if (h == NIL) {
    setPageNext(idx, NIL);
    setPagePrev(idx, NIL);
    store<u32>(l, idx);
    store<u32>(l, idx, 4);
  } else if (tail) {
    setPageNext(t, idx);
    setPagePrev(idx, t);
    setPageNext(idx, NIL);
    store<u32>(l, idx, 4);
  } else {
    setPagePrev(h, idx);
    setPageNext(idx, h);
    setPagePrev(idx, NIL);
    store<u32>(l, idx);
  }
  markIsolated(idx, order);
}
function flPopHead(order: u32): u32 {
  const l = flAddr(order);
  const h = load<u32>(l);
  if (h == NIL) return NIL;
  const n = pageNext(h);
  store<u32>(l, n);
  if (n == NIL) store<u32>(l, NIL, 4);
  else setPagePrev(n, NIL);
  return h;
}

// ---- the free scanner ----

/** __isolate_free_page (6.18): the order-0 watermark check at min + 2^order, off the free list,
 *  and a page of at least half a pageblock turns its mergeable pageblocks MOVABLE. */
function isolateFreePage(z: usize, idx: u32, order: u32): u32 {
  const mt = pageblockMt(idx);
  if (mt != MIGRATE_ISOLATE) {
    const mark = zget(z, Z_WMARK + (WMARK_MIN << 2)) + (<u32>1 << order);
    if (!zoneWatermarkOk618(z, 0, mark, 0, ALLOC_CMA)) return 0;
  }
  delFromFreeList(z, idx, order, infoMt(pageInfo(idx)));
  accountFreepages(z, -(<i32>1 << order), mt);
  if (order + 1 >= pageblockOrder()) {
    const endpage = idx + (<u32>1 << order) - 1;
    for (let p = idx; p < endpage; p += pbPages()) {
      const pmt = pageblockMt(p);
      if (!mtIsMergeable(pmt) || prepMoveFreepagesBlock(z, p) == PB_STRADDLES) continue;
      moveFreepagesBlock(z, pbStart(p), MIGRATE_MOVABLE);
      setPageblockMt(pbStart(p), MIGRATE_MOVABLE);
    }
  }
  return <u32>1 << order;
}

/** isolate_freepages_block (not strict). Returns the pages isolated; *start_pfn is CC_FREE_PFN's
 *  working copy, passed and returned through isoStart. */
function isolateFreepagesBlock(z: usize, isoStart: u32, end: u32, stride: u32): u64 {
  let bp = isoStart;
  let scanned: u32 = 0;
  let total: u32 = 0;
  for (; bp < end; bp += stride) {
    scanned++;
    const info = pageInfo(bp);
    const st = infoState(info);
    if (st == STATE_ALLOC) {
      const n: u32 = 1 << infoOrder(info);
      if (bp + n <= end) {
        bp += n - 1;
        scanned += n - 1;
      }
      continue;
    }
    if (st != STATE_FREE) continue;
    const order = infoOrder(info);
    const isolated = isolateFreePage(z, bp, order);
    if (isolated == 0) break;
    scanned += isolated - 1;
    total += isolated;
    cset(CC_NR_FREE, cget(CC_NR_FREE) + isolated);
    flAdd(bp, order, true);
    if (cget(CC_NR_MIGRATE) <= cget(CC_NR_FREE)) {
      bp += isolated;
      break;
    }
    bp += isolated - 1;
  }
  if (bp > end) bp = end;
  radd(CR_FREE_SCANNED, scanned);
  radd(CR_ISOLATED, total);
  return (<u64>total << 32) | <u64>bp;
}

/** isolate_freepages: pageblocks downwards from cc->free_pfn to the one after the migrate scanner's. */
function isolateFreepages(): void {
  const z = ccZone();
  const pb = pbPages();
  let isoStart = cget(CC_FREE_PFN);
  let blockStart = pbStart(isoStart);
  let blockEnd = blockStart + pb;
  if (blockEnd > zget(z, Z_END)) blockEnd = zget(z, Z_END);
  const low = pbEnd(cget(CC_MIGRATE_PFN));
  let stride: u32 = cget(CC_MODE) == MIGRATE_ASYNC ? COMPACT_CLUSTER_MAX : 1;
  for (; <i64>blockStart >= <i64>low; blockEnd = blockStart, blockStart -= pb, isoStart = blockStart) {
    if (!suitableMigrationTarget(blockStart)) continue;
    if (!isolationSuitable(blockStart)) continue;
    const r = isolateFreepagesBlock(z, isoStart, blockEnd, stride);
    isoStart = <u32>r;
    const nrIsolated = <u32>(r >> 32);
    if (isoStart == blockEnd) updatePageblockSkip(blockStart, <i32>blockStart - <i32>pb);
    if (cget(CC_NR_FREE) >= cget(CC_NR_MIGRATE)) {
      if (isoStart >= blockEnd) isoStart = blockStart - pb;
      break;
    } else if (isoStart < blockEnd) {
      break;
    }
    if (nrIsolated) {
      stride = 1;
      continue;
    }
    stride = stride << 1 < COMPACT_CLUSTER_MAX ? stride << 1 : COMPACT_CLUSTER_MAX;
  }
  cset(CC_FREE_PFN, isoStart);
}

// ---- the migrate scanner ----

/** block_end_pfn(pfn, order): ALIGN(pfn + 1, 1 << order). */
// @ts-ignore: decorator
@inline function orderBlockEnd(p: u32, order: u32): u32 {
  return (p + (<u32>1 << order)) & ~((<u32>1 << order) - 1);
}

/** Puts every isolated migration source back (putback_movable_pages): they stay where they are. */
function putbackMigratepages(): void {
  cset(CC_MIGRATE_LIST, NIL);
  cset(CC_NR_MIGRATE, 0);
}

/** isolate_migratepages_block over [low, end) of one pageblock. */
function isolateMigratepagesBlock(low: u32, end: u32): void {
  const z = ccZone();
  const zoneStart = zget(z, Z_START);
  const order = ccOrder();
  const skipOnFailure = ccHas(CF_DIRECT) && cget(CC_MODE) == MIGRATE_ASYNC && order >= 0;
  let nextSkip: u32 = skipOnFailure ? orderBlockEnd(low, <u32>order) : 0;
  let validPage: u32 = NIL;
  let skipUpdated = false;
  let scanned: u32 = 0;
  let isolated: u32 = 0;
  let aborted = false;
  const finish = cget(CC_FINISH_PB) != 0;
  cset(CC_MIGRATE_PFN, low);
  for (; low < end; low++) {
    if (skipOnFailure && low >= nextSkip) {
      if (isolated) break;
      nextSkip = orderBlockEnd(low, <u32>order);
    }
    scanned++;
    if (validPage == NIL && (pbAligned(low) || low == zoneStart)) {
      if (!isolationSuitable(low)) {
        low = end;
        aborted = true;
        break;
      }
      validPage = low;
    }
    const info = pageInfo(low);
    const st = infoState(info);
    if (st == STATE_FREE) {
      const fo = infoOrder(info);
      if (fo > 0) {
        low += (<u32>1 << fo) - 1;
        scanned += (<u32>1 << fo) - 1;
      }
      continue;
    }
    let ok = false;
    if (st == STATE_ALLOC) {
      const o = infoOrder(info);
      const n: u32 = 1 << o;
      if (o > 0 && skipIsolationOnOrder(o)) {
        // PageCompound and too large to help: skip the whole folio
        low += n - 1;
        scanned += n - 1;
      } else if (info & MOVABLE_BIT) {
        if (!skipUpdated && validPage != NIL) {
          skipUpdated = true;
          if (testAndSetSkip(validPage) && !finish) {
            low = end;
            aborted = true;
            break;
          }
        }
        if (o == 0 && skipIsolationOnOrder(0)) {
          // folio_order() under the lock: order 0 against a request of order 0
        } else {
          low += n - 1;
          setPagePrev(low + 1 - n, cget(CC_MIGRATE_LIST));
          cset(CC_MIGRATE_LIST, low + 1 - n);
          cset(CC_NR_MIGRATE, cget(CC_NR_MIGRATE) + n);
          isolated += n;
          scanned += n - 1;
          ok = true;
          if (cget(CC_NR_MIGRATE) >= COMPACT_CLUSTER_MAX && !finish) {
            low++;
            break;
          }
        }
      }
    }
    if (ok) continue;
    // isolate_fail
    if (!skipOnFailure) continue;
    if (isolated) {
      putbackMigratepages();
      isolated = 0;
    }
    if (low < nextSkip) {
      low = nextSkip - 1;
      nextSkip += <u32>1 << <u32>order;
    }
  }
  if (!aborted && low > end) low = end;
  if (low == end && (!isolated || finish)) {
    if (validPage != NIL && !skipUpdated) setPageblockSkip(validPage, true);
    updateCachedMigrate(low);
  }
  radd(CR_MIGRATE_SCANNED, scanned);
  radd(CR_ISOLATED, isolated);
  cset(CC_MIGRATE_PFN, low);
}

/** isolate_migratepages: the first suitable pageblock from cc->migrate_pfn below the free scanner.
 *  Returns whether anything was isolated (ISOLATE_SUCCESS). */
function isolateMigratepages(): bool {
  const z = ccZone();
  const zoneStart = zget(z, Z_START);
  let low = cget(CC_MIGRATE_PFN);
  let blockStart = pbStart(low);
  if (blockStart < zoneStart) blockStart = zoneStart;
  let blockEnd = pbEnd(low);
  for (; <i64>blockEnd <= <i64><i32>cget(CC_FREE_PFN); blockStart = blockEnd, blockEnd += pbPages()) {
    if ((pbAligned(low) || low == zoneStart) && !isolationSuitable(blockStart)) {
      low = blockEnd;
      cset(CC_MIGRATE_PFN, low);
      continue;
    }
    if (!suitableMigrationSource(blockStart)) {
      updateCachedMigrate(blockEnd);
      low = blockEnd;
      cset(CC_MIGRATE_PFN, low);
      continue;
    }
    isolateMigratepagesBlock(low, blockEnd);
    break;
  }
  return cget(CC_NR_MIGRATE) != 0;
}

// ---- migration ----

/** compaction_alloc: the smallest isolated free page of at least the source's order, split down
 *  (the upper halves back at the head of cc->freepages); isolates more once when there is none. */
function compactionAlloc(order: u32): u32 {
  const top = maxOrder();
  let hasIsolated = false;
  while (true) {
    let so = order;
    while (so < top && load<u32>(flAddr(so)) == NIL) so++;
    if (so == top) {
      if (hasIsolated) return NIL;
      isolateFreepages();
      hasIsolated = true;
      continue;
    }
    const page = flPopHead(so);
    let size: u32 = 1 << so;
    while (so > order) {
      so--;
      size >>= 1;
      flAdd(page + size, so, false);
    }
    cset(CC_NR_FREE, cget(CC_NR_FREE) - (<u32>1 << order));
    cset(CC_NR_MIGRATE, cget(CC_NR_MIGRATE) - (<u32>1 << order));
    return page;
  }
  return NIL;
}

/** Appends a move to the log, growing it on demand. */
function logMove(src: u32, dst: u32, order: u32): void {
  const n = rget(CR_NR_MOVES);
  if (cget(CC_LOG_FAILED)) return;
  if (n >= cget(CC_LOG_CAP)) {
    const cap = n < 4096 ? 4096 : n * 2;
    if (!ensureMemory(<usize>cget(CC_LOG_OFF) + <usize>cap * MOVE_RECORD_BYTES)) {
      cset(CC_LOG_FAILED, 1);
      return;
    }
    cset(CC_LOG_CAP, cap);
  }
  const r = <usize>cget(CC_LOG_OFF) + <usize>n * MOVE_RECORD_BYTES;
  store<u32>(r, src);
  store<u32>(r, dst, 4);
  store<u32>(r, order, 8);
  store<u32>(ioOff() + <usize>CR_NR_MOVES, n + 1);
}

/** migrate_pages(&cc->migratepages, compaction_alloc, ...) in list order: each source gets a target
 *  (its owner, migratetype and movable bit move with it) and is freed. Returns false on -ENOMEM
 *  (no target: that folio fails, the rest are put back). */
function migratePages(): bool {
  const z = ccZone();
  let cur = cget(CC_MIGRATE_LIST);
  cset(CC_MIGRATE_LIST, NIL);
  while (cur != NIL) {
    const next = pagePrev(cur);
    const info = pageInfo(cur);
    const order = infoOrder(info);
    const dst = compactionAlloc(order);
    if (dst == NIL) {
      radd(CR_MIGRATE_FAIL, <u32>1 << order);
      putbackMigratepages();
      return false;
    }
    setPageNext(dst, pageNext(cur));
    setPageInfo(dst, info);
    freeCompact(z, cur, order);
    logMove(cur, dst, order);
    radd(CR_MIGRATE_SUCCESS, <u32>1 << order);
    cur = next;
  }
  return true;
}

/** release_free_list: the isolated free pages go back through __free_pages (capture still armed).
 *  Returns the highest pfn released, or NIL. */
function releaseFreeList(z: usize): u32 {
  let high: u32 = NIL;
  const top = maxOrder();
  for (let o: u32 = 0; o < top; o++) {
    let cur = flPopHead(o);
    while (cur != NIL) {
      freeCompact(z, cur, o);
      if (high == NIL || cur > high) high = cur;
      cur = flPopHead(o);
    }
  }
  cset(CC_NR_FREE, 0);
  return high;
}

// ---- __compact_finished ----

/** extfrag_for_order (mm/vmstat.c 6.18): the share (0..100) of free memory in blocks below order. */
function extfragForOrder(z: usize, order: u32): u32 {
  let free: u64 = 0;
  let suitable: u64 = 0;
  const top = maxOrder();
  for (let o: u32 = 0; o < top; o++) {
    const n = <u64>zget(z, nrFreeOff(o));
    free += n << o;
    if (o >= order) suitable += n << (o - order);
  }
  if (free == 0) return 0;
  return <u32>(((free - (suitable << order)) * 100) / free);
}

function scannersMet(): bool {
  return (cget(CC_FREE_PFN) >> pageblockOrder()) <= (cget(CC_MIGRATE_PFN) >> pageblockOrder());
}

/** __compact_finished (defrag_mode and contention are not modelled). */
function compactFinished(): i32 {
  const z = ccZone();
  if (<i32>cget(CC_FREE_PFN) < 0 || scannersMet()) {
    resetCachedPositions(z);
    if (ccHas(CF_DIRECT)) zset(z, Z_CC_BLOCKSKIP_FLUSH, 1);
    return ccHas(CF_WHOLE_ZONE) ? COMPACT_COMPLETE : COMPACT_PARTIAL_SKIPPED;
  }
  if (ccHas(CF_PROACTIVE)) {
    return extfragForOrder(z, cget(CC_HPAGE_ORDER)) > cget(CC_WMARK_LOW) ? COMPACT_CONTINUE : COMPACT_SUCCESS;
  }
  if (ccOrder() < 0) return COMPACT_CONTINUE;
  if (!pbAligned(cget(CC_MIGRATE_PFN))) return COMPACT_CONTINUE;
  const mt = cget(CC_MT);
  const top = maxOrder();
  for (let o = <u32>ccOrder(); o < top; o++) {
    if (listHead(z, o, mt) != NIL) return COMPACT_SUCCESS;
    if (mt == MIGRATE_MOVABLE && listHead(z, o, MIGRATE_CMA) != NIL) return COMPACT_SUCCESS;
    if (findSuitableFallback(z, o, mt, true) >= 0) return COMPACT_SUCCESS;
  }
  return COMPACT_NO_SUITABLE_PAGE;
}

// ---- compact_zone ----

/** One compact_zone pass over zone slot (after compaction_suit_allocation_order, which the caller
 *  runs): order -1 is a whole-zone compaction (is_via_compact_memory); mt the request's
 *  migratetype; mode MIGRATE_ASYNC, _SYNC_LIGHT or _SYNC; flags CF_*; owner receives a captured
 *  block; wmarkLow and hpageOrder serve proactive compaction (fragmentation_score_wmark(true),
 *  COMPACTION_HPAGE_ORDER). Returns an enum compact_result (the compact record has the rest) or an
 *  E_* code. */
export function compactZone(
  slot: u32, order: i32, mt: u32, mode: u32, flags: u32, owner: u32, wmarkLow: u32, hpageOrder: u32,
): i32 {
  if (era() == ERA_2_6_11) return E_BAD_PARAM; // 6.1 machines run 6.18's pass (not 6.1's)
  if (slot >= MAX_ZONES || !zget(zoneAddr(slot), Z_POPULATED)) return E_BAD_ZONE;
  if (order < -1 || order >= <i32>maxOrder() || mt >= MIGRATE_PCPTYPES || mode > MIGRATE_SYNC) return E_BAD_PARAM;
  const z = zoneAddr(slot);
  memory.fill(cc, 0, CC_BYTES);
  memory.fill(cc + <usize>CC_FREELISTS, 0xff, MAX_ORDER_LIMIT * 8);
  cset(CC_ZONE, <u32>z);
  cset(CC_ORDER, <u32>order);
  cset(CC_MT, mt);
  cset(CC_MODE, mode);
  cset(CC_FLAGS, flags);
  cset(CC_OWNER, owner);
  cset(CC_WMARK_LOW, wmarkLow);
  cset(CC_HPAGE_ORDER, hpageOrder);
  cset(CC_MIGRATE_LIST, NIL);
  memory.fill(ioOff(), 0, COMPACT_RECORD_BYTES);
  store<u32>(ioOff() + <usize>CR_CAPTURED, NIL);
  const logOff = (scratchOff() + (<usize>nrPages()) * 5 + 127) & ~(<usize>63); // past the churn's live set
  cset(CC_LOG_OFF, <u32>logOff);
  store<u32>(ioOff() + <usize>CR_MOVES_PTR, <u32>logOff);
  const memEnd = (<usize>memory.size()) << 16;
  cset(CC_LOG_CAP, memEnd > logOff ? <u32>((memEnd - logOff) / MOVE_RECORD_BYTES) : 0);

  if (flags & CF_RESET_SKIP) resetIsolationSuitable(z);
  const start = zget(z, Z_START);
  const end = zget(z, Z_END);
  const sync = mode != MIGRATE_ASYNC;
  if (flags & CF_WHOLE_ZONE) {
    cset(CC_MIGRATE_PFN, start);
    cset(CC_FREE_PFN, pbStart(end - 1));
  } else {
    let migrate = zcached(z, sync ? Z_CC_MIGRATE_SYNC : Z_CC_MIGRATE_ASYNC);
    let free = zcached(z, Z_CC_FREE);
    if (free < <i32>start || free >= <i32>end) {
      free = <i32>pbStart(end - 1);
      zset(z, Z_CC_FREE, <u32>free);
    }
    if (migrate < <i32>start || migrate >= <i32>end) {
      migrate = <i32>start;
      zset(z, Z_CC_MIGRATE_ASYNC, start);
      zset(z, Z_CC_MIGRATE_SYNC, start);
    }
    cset(CC_MIGRATE_PFN, <u32>migrate);
    cset(CC_FREE_PFN, <u32>free);
    if (migrate <= zcached(z, Z_CC_INIT_MIGRATE)) cset(CC_FLAGS, cget(CC_FLAGS) | CF_WHOLE_ZONE);
  }
  // last_migrated_pfn as the kernel keeps it: 0 is "none" (and also pfn 0: the kernel's own quirk;
  // here idx 0, which is pfn 0 when basePfn is 0)
  let lastMigrated: u32 = 0;
  let updateCached = !sync && zget(z, Z_CC_MIGRATE_ASYNC) == zget(z, Z_CC_MIGRATE_SYNC);
  let ret: i32 = COMPACT_CONTINUE;
  while (true) {
    ret = compactFinished();
    if (ret == COMPACT_NO_SUITABLE_PAGE) ret = COMPACT_CONTINUE;
    if (ret != COMPACT_CONTINUE) break;
    const iterationStart = cget(CC_MIGRATE_PFN);
    cset(CC_FINISH_PB, pbStart(lastMigrated) == pbStart(iterationStart) ? 1 : 0);
    let stop = false;
    let rescan = true;
    while (rescan) {
      rescan = false;
      if (!isolateMigratepages()) {
        if (updateCached) zset(z, Z_CC_MIGRATE_SYNC, zget(z, Z_CC_MIGRATE_ASYNC));
        break; // ISOLATE_NONE: to check_drain
      }
      updateCached = false;
      const m = pbStart(cget(CC_MIGRATE_PFN) - 1);
      lastMigrated = m > start ? m : start;
      if (!migratePages()) {
        if (!scannersMet()) {
          ret = COMPACT_CONTENDED; // migrate_pages() -ENOMEM before the scanners met
          stop = true;
          break;
        }
        if (!pbAligned(cget(CC_MIGRATE_PFN)) && !ccHas(CF_IGNORE_SKIP_HINT) && !cget(CC_FINISH_PB) &&
          cget(CC_MODE) < MIGRATE_SYNC) {
          cset(CC_FINISH_PB, 1);
          if (order == <i32>hpageOrder) lastMigrated = 0;
          rescan = true;
          continue;
        }
      }
      if (rget(CR_CAPTURED) != NIL) {
        ret = COMPACT_SUCCESS; // a page has been captured
        stop = true;
      }
    }
    if (stop) break;
    // check_drain: once the migrate scanner left the order-aligned block it migrated from,
    // last_migrated_pfn is forgotten (the kernel drains the per-CPU lists there)
    if (order > 0 && lastMigrated != 0) {
      const currentBlockStart = cget(CC_MIGRATE_PFN) & ~((<u32>1 << <u32>order) - 1);
      if (lastMigrated < currentBlockStart) lastMigrated = 0;
    }
  }
  if (cget(CC_NR_FREE) > 0) {
    const high = releaseFreeList(z);
    if (high != NIL) {
      const freePfn = pbStart(high);
      if (<i32>freePfn > zcached(z, Z_CC_FREE)) zset(z, Z_CC_FREE, freePfn);
    }
  }
  // only a log that was written is dirty: logOff itself may lie past the end of memory
  if (rget(CR_NR_MOVES) > 0) markDirty(<usize>cget(CC_LOG_OFF) + <usize>rget(CR_NR_MOVES) * MOVE_RECORD_BYTES);
  store<i32>(ioOff() + <usize>CR_RESULT, ret);
  store<u32>(ioOff() + <usize>CR_MIGRATE_PFN, cget(CC_MIGRATE_PFN));
  store<u32>(ioOff() + <usize>CR_FREE_PFN, cget(CC_FREE_PFN));
  if (cget(CC_LOG_FAILED)) return E_NO_MEMORY;
  return ret;
}
