// pcp: the per-CPU page lists of the modern kernels (struct per_cpu_pages, include/linux/mmzone.h;
// mm/page_alloc.c rmqueue_pcplist, __rmqueue_pcplist, rmqueue_bulk, free_frozen_pages /
// free_unref_page, free_frozen_page_commit / free_unref_page_commit, free_pcppages_bulk, nr_pcp_alloc,
// nr_pcp_high, nr_pcp_free, drain_pages_zone, drain_all_pages). Off unless pcpInit ran (H_PCP_OFF):
// a machine without them takes every allocation from and gives every free to the buddy lists, as before.
//
// Two rule sets, picked at pcpInit:
//  - PCP_RULES_FIXED (5.14 .. 6.6; Linux 6.1): pcp->high is fixed (zone_highsize), free_factor doubles
//    the batch freed on consecutive frees, a high-order free while free_factor is set frees everything,
//    the page keeps the migratetype it had when it entered the list (get_pcppage_migratetype), and
//    MOVABLE requests without ALLOC_CMA skip the lists (rmqueue, CONFIG_CMA);
//  - PCP_RULES_AUTOTUNE (6.7 ..; Linux 6.18): pcp->high moves between high_min and high_max
//    (percpu_pagelist_high_fraction 0), alloc_factor scales refills, free_count sizes frees, ZONE_BELOW_HIGH
//    and ZONE_RECLAIM_ACTIVE shrink high, a drained page goes to its pageblock's current migratetype,
//    and rmqueue_bulk remembers its rmqueue_mode across the batch.
//
// Which CPU: every operation uses the current CPU (P_CPU, pcpSetCpu; 0 until changed), for every zone.
//
// A page on a per-CPU list is the head of a block in state STATE_PCP (its info word keeps the order and
// the migratetype it entered with); its list links are the page's next/prev links, as page->pcp_list
// shares struct page's lru with the buddy list. It is neither PageBuddy nor counted in NR_FREE_PAGES or
// nr_free: __free_one_page never merges with it and /proc/buddyinfo does not show it, as in the kernel.
//
// The area pcpInit lays out at H_PCP_OFF (64-aligned; the workload scratch moves past it):
//
//    3                   2                   1
//  1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0  bits
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                     CPUs (1 .. PCP_MAX_CPUS)                   |     0  P_CPUS
// +---------------------------------------------------------------+
// |                 the current CPU (0 .. CPUs - 1)                |     4  P_CPU
// +---------------------------------------------------------------+
// |            PCP_RULES_FIXED (6.1) or PCP_RULES_AUTOTUNE (6.18)  |     8  P_RULES
// +---------------------------------------------------------------+
// |      the THP order pcp_allowed_order admits (NIL: none)        |    12  P_THP_ORDER
// +---------------------------------------------------------------+
// |                       spare (12 words)                         |    16
// +---------------------------------------------------------------+
// | struct per_cpu_pages of (zone slot s, CPU c) at 64 + PCP_SIZE x (s x CPUs + c), MAX_ZONES x CPUs |
// +---------------------------------------------------------------+
//
// struct per_cpu_pages (PCP_SIZE bytes, i32 fields):
//
// +---------------------------------------------------------------+
// |                  count: pages on the lists                     |     0  PCP_COUNT
// +---------------------------------------------------------------+
// |       high (6.1: fixed; 6.18: clamped to high_min .. high_max) |     4  PCP_HIGH
// +---------------------------------------------------------------+
// |                high_min (6.18; 6.1: = high)                    |     8  PCP_HIGH_MIN
// +---------------------------------------------------------------+
// |                high_max (6.18; 6.1: = high)                    |    12  PCP_HIGH_MAX
// +---------------------------------------------------------------+
// |                            batch                               |    16  PCP_BATCH
// +---------------------------------------------------------------+
// |       flags: PCPF_PREV_FREE_HIGH_ORDER, PCPF_FREE_HIGH_BATCH   |    20  PCP_FLAGS
// +---------------------------------------------------------------+
// |                   alloc_factor (6.18)                          |    24  PCP_ALLOC_FACTOR
// +---------------------------------------------------------------+
// |          free_count (6.18) or free_factor (6.1)                |    28  PCP_FREE_COUNT
// +---------------------------------------------------------------+
// |     lists[NR_PCP_LISTS]: (head, tail) idx pairs, NIL: empty    |    32  PCP_LISTS
// +---------------------------------------------------------------+
//                                                                      144  PCP_SIZE

import {
  NIL, STATE_PCP, TAIL_INFO, MIGRATE_MOVABLE, MIGRATE_CMA, MIGRATE_ISOLATE, MIGRATE_PCPTYPES, MAX_ZONES,
  Z_FLAGS, Z_POPULATED, WMARK_HIGH, ZONE_SIZE, ZONE_BELOW_HIGH, ZONE_RECLAIM_ACTIVE, H_PCP_OFF, H_SCRATCH_OFF,
  hget, hset, zonesOff, zoneAddr, zget, zset, zadd, pageNext, pagePrev, setPageNext, setPagePrev, setPageInfo,
  makeInfo, pageInfo, infoMt, pageblockMt, scratchOff, ensureMemory, markDirty, Z_FALLBACKS, Z_FREE_PAGES, Z_FREE_CMA,
  ERA_6_1, era,
} from "./mmzone";
import {
  rmqueue, rmqueue61, rmqueue618, rmqueueSmallest, rmqueueClaim, rmqueueSteal, freePages, freeOnePage,
} from "./page_alloc";
import { ALLOC_CMA, ALLOC_NOFRAGMENT } from "./internal";
import { zoneWatermarkOk618, zoneWatermarkFast, wmarkPages } from "./watermark";

export const PCP_RULES_FIXED: u32 = 0;
export const PCP_RULES_AUTOTUNE: u32 = 1;
/** CPUs the engine keeps lists for (struct per_cpu_pages per zone and CPU). */
export const PCP_MAX_CPUS: u32 = 256;
/** PAGE_ALLOC_COSTLY_ORDER (include/linux/mmzone.h). */
export const PAGE_ALLOC_COSTLY_ORDER: u32 = 3;
/** NR_LOWORDER_PCP_LISTS, NR_PCP_THP (CONFIG_TRANSPARENT_HUGEPAGE), NR_PCP_LISTS (mmzone.h 6.1, 6.18). */
export const NR_LOWORDER_PCP_LISTS: u32 = MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1);
export const NR_PCP_LISTS: u32 = NR_LOWORDER_PCP_LISTS + 2;
/** CONFIG_PCP_BATCH_SCALE_MAX (mm/Kconfig default 5; Debian's 6.1 config has 5). */
export const PCP_BATCH_SCALE_MAX: u32 = 5;
/** pcp->flags (include/linux/mmzone.h 6.18). */
export const PCPF_PREV_FREE_HIGH_ORDER: u32 = 1;
export const PCPF_FREE_HIGH_BATCH: u32 = 2;

export const P_CPUS: u32 = 0;
export const P_CPU: u32 = 4;
export const P_RULES: u32 = 8;
export const P_THP_ORDER: u32 = 12;
export const PCP_AREA_HEADER: u32 = 64;

export const PCP_COUNT: u32 = 0;
export const PCP_HIGH: u32 = 4;
export const PCP_HIGH_MIN: u32 = 8;
export const PCP_HIGH_MAX: u32 = 12;
export const PCP_BATCH: u32 = 16;
export const PCP_FLAGS: u32 = 20;
export const PCP_ALLOC_FACTOR: u32 = 24;
export const PCP_FREE_COUNT: u32 = 28;
export const PCP_LISTS: u32 = 32;
export const PCP_SIZE: u32 = PCP_LISTS + NR_PCP_LISTS * 8;

// enum rmqueue_mode (mm/page_alloc.c 6.18)
const RMQUEUE_NORMAL: u32 = 0;
const RMQUEUE_CMA: u32 = 1;
const RMQUEUE_CLAIM: u32 = 2;
const RMQUEUE_STEAL: u32 = 3;

// ---- the area ----

// @ts-ignore: decorator
@inline export function pcpEnabled(): bool {
  return hget(H_PCP_OFF) != 0;
}
// @ts-ignore: decorator
@inline function area(): usize {
  return <usize>hget(H_PCP_OFF);
}
// @ts-ignore: decorator
@inline function aget(off: u32): u32 {
  return load<u32>(area() + <usize>off);
}
// @ts-ignore: decorator
@inline export function pcpCpus(): u32 {
  return aget(P_CPUS);
}
// @ts-ignore: decorator
@inline export function pcpRules(): u32 {
  return aget(P_RULES);
}
/** The struct per_cpu_pages of zone slot and cpu. */
// @ts-ignore: decorator
@inline export function pcpAddr(slot: u32, cpu: u32): usize {
  return area() + <usize>PCP_AREA_HEADER + <usize>((slot * pcpCpus() + cpu) * PCP_SIZE);
}
// @ts-ignore: decorator
@inline function pget(p: usize, off: u32): i32 {
  return load<i32>(p + <usize>off);
}
// @ts-ignore: decorator
@inline function pset(p: usize, off: u32, v: i32): void {
  store<i32>(p + <usize>off, v);
}
// @ts-ignore: decorator
@inline export function pcpListAddr(p: usize, pindex: u32): usize {
  return p + <usize>(PCP_LISTS + (pindex << 3));
}
// @ts-ignore: decorator
@inline function slotOf(z: usize): u32 {
  return <u32>((z - zonesOff()) / <usize>ZONE_SIZE);
}
// @ts-ignore: decorator
@inline function imin(a: i32, b: i32): i32 {
  return a < b ? a : b;
}
// @ts-ignore: decorator
@inline function imax(a: i32, b: i32): i32 {
  return a > b ? a : b;
}
/** clamp(v, lo, hi) = min(max(v, lo), hi) (include/linux/minmax.h). */
// @ts-ignore: decorator
@inline function iclamp(v: i32, lo: i32, hi: i32): i32 {
  return imin(imax(v, lo), hi);
}

/** Lays out the per-CPU lists of cpus CPUs past the pageblock array (the workload scratch moves after
 *  them), every list empty, high and batch 0 until pcpZoneSet. thpOrder: the THP order
 *  pcp_allowed_order admits (HPAGE_PMD_ORDER in 6.18, pageblock_order in 6.1), NIL for none. Once per
 *  machine, before any workload used the scratch. Returns 0, -1 (bad argument) or -3 (no memory). */
export function pcpInit(cpus: u32, rules: u32, thpOrder: u32): i32 {
  if (pcpEnabled() || cpus == 0 || cpus > PCP_MAX_CPUS || rules > PCP_RULES_AUTOTUNE) return -1;
  const off = scratchOff();
  const end = off + <usize>PCP_AREA_HEADER + <usize>(MAX_ZONES * cpus * PCP_SIZE);
  const scratch = (end + 63) & ~(<usize>63);
  if (!ensureMemory(scratch)) return -3;
  memory.fill(off, 0, scratch - off);
  hset(H_PCP_OFF, <u32>off);
  hset(H_SCRATCH_OFF, <u32>scratch);
  markDirty(scratch);
  store<u32>(off + <usize>P_CPUS, cpus);
  store<u32>(off + <usize>P_RULES, rules);
  store<u32>(off + <usize>P_THP_ORDER, thpOrder);
  for (let s: u32 = 0; s < MAX_ZONES; s++) {
    for (let c: u32 = 0; c < cpus; c++) {
      memory.fill(pcpListAddr(pcpAddr(s, c), 0), 0xff, NR_PCP_LISTS * 8);
    }
  }
  return 0;
}

/** pageset_update for every CPU of a zone (zone_set_pageset_high_and_batch): 6.1 passes highMin =
 *  highMax = high. freeHighBatch: PCPF_FREE_HIGH_BATCH (zone_pcp_update_cacheinfo, 6.18). */
export function pcpZoneSet(slot: u32, highMin: u32, highMax: u32, batch: u32, freeHighBatch: bool): i32 {
  // high_min may exceed high_max (a low mark above managed / 8): clamp() then gives high_max, as in the kernel
  if (!pcpEnabled() || slot >= MAX_ZONES) return -1;
  if (highMin > 0x7fffffff || highMax > 0x7fffffff || batch > 0x7fffffff) return -1;
  for (let c: u32 = 0; c < pcpCpus(); c++) {
    const p = pcpAddr(slot, c);
    pset(p, PCP_BATCH, <i32>batch);
    pset(p, PCP_HIGH_MIN, <i32>highMin);
    pset(p, PCP_HIGH_MAX, <i32>highMax);
    // 6.1 pageset_update sets pcp->high; 6.18's pcp->high starts at 0 and is clamped on first use
    if (pcpRules() == PCP_RULES_FIXED) pset(p, PCP_HIGH, <i32>highMin);
    const f = pget(p, PCP_FLAGS) & ~(<i32>PCPF_FREE_HIGH_BATCH);
    pset(p, PCP_FLAGS, freeHighBatch ? f | <i32>PCPF_FREE_HIGH_BATCH : f);
  }
  return 0;
}

/** The CPU later operations run on (smp_processor_id()). */
export function pcpSetCpu(cpu: u32): i32 {
  if (!pcpEnabled() || cpu >= pcpCpus()) return -1;
  store<u32>(area() + <usize>P_CPU, cpu);
  return 0;
}

// ---- pindex (mm/page_alloc.c order_to_pindex, pindex_to_order, pcp_allowed_order) ----

/** pcp_allowed_order: order <= PAGE_ALLOC_COSTLY_ORDER, or the THP order. */
// @ts-ignore: decorator
@inline export function pcpAllowedOrder(order: u32): bool {
  return order <= PAGE_ALLOC_COSTLY_ORDER || order == aget(P_THP_ORDER);
}
// @ts-ignore: decorator
@inline export function orderToPindex(mt: u32, order: u32): u32 {
  if (order > PAGE_ALLOC_COSTLY_ORDER) return NR_LOWORDER_PCP_LISTS + (mt == MIGRATE_MOVABLE ? 1 : 0);
  return MIGRATE_PCPTYPES * order + mt;
}
// @ts-ignore: decorator
@inline export function pindexToOrder(pindex: u32): u32 {
  return pindex >= NR_LOWORDER_PCP_LISTS ? aget(P_THP_ORDER) : pindex / MIGRATE_PCPTYPES;
}

// ---- the lists (page->pcp_list) ----

/** list_add (head) or list_add_tail; the page becomes a STATE_PCP head keeping mt. */
function pcpListAdd(l: usize, idx: u32, order: u32, mt: u32, tail: bool): void {
  if (tail) {
    const t = load<u32>(l, 4);
    setPageNext(idx, NIL);
    setPagePrev(idx, t);
    if (t == NIL) store<u32>(l, idx);
    else setPageNext(t, idx);
    store<u32>(l, idx, 4);
  } else {
    const h = load<u32>(l);
    setPageNext(idx, h);
    setPagePrev(idx, NIL);
    if (h == NIL) store<u32>(l, idx, 4);
    else setPagePrev(h, idx);
    store<u32>(l, idx);
  }
  setPageInfo(idx, makeInfo(order, STATE_PCP, mt));
}

/** list_del; the page's info is left to the caller. */
function pcpListDel(l: usize, idx: u32): void {
  const n = pageNext(idx);
  const v = pagePrev(idx);
  if (v == NIL) store<u32>(l, n);
  else setPageNext(v, n);
  if (n == NIL) store<u32>(l, v, 4);
  else setPagePrev(n, v);
}

// ---- allocation: rmqueue_pcplist, __rmqueue_pcplist, rmqueue_bulk, nr_pcp_alloc ----

/** __rmqueue (6.18) for rmqueue_bulk: the mode where the last page was found skips the searches
 *  that failed before it, for the rest of the batch. Returns (page, mode) as page | mode << 32. */
function rmqueueMode618(z: usize, order: u32, mt: u32, flags: u32, mode: u32): u64 {
  let page: u32 = NIL;
  if ((flags & ALLOC_CMA) && zget(z, Z_FREE_CMA) > zget(z, Z_FREE_PAGES) / 2) {
    // NR_FREE_CMA_PAGES > NR_FREE_PAGES / 2: __rmqueue_cma_fallback first
    page = rmqueueSmallest(z, order, MIGRATE_CMA);
    if (page != NIL) return <u64>page | (<u64>mode << 32);
  }
  if (mode == RMQUEUE_NORMAL) {
    page = rmqueueSmallest(z, order, mt);
    if (page != NIL) return <u64>page | (<u64>RMQUEUE_NORMAL << 32);
  }
  if (mode <= RMQUEUE_CMA && (flags & ALLOC_CMA)) {
    page = rmqueueSmallest(z, order, MIGRATE_CMA);
    if (page != NIL) return <u64>page | (<u64>RMQUEUE_CMA << 32);
  }
  if (mode <= RMQUEUE_CLAIM) {
    page = rmqueueClaim(z, order, mt, flags);
    if (page != NIL) {
      zadd(z, Z_FALLBACKS, 1);
      return <u64>page | (<u64>RMQUEUE_NORMAL << 32); // replenished preferred freelist, back to normal
    }
  }
  if (!(flags & ALLOC_NOFRAGMENT)) {
    page = rmqueueSteal(z, order, mt);
    if (page != NIL) {
      zadd(z, Z_FALLBACKS, 1);
      return <u64>page | (<u64>RMQUEUE_STEAL << 32);
    }
  }
  return <u64>NIL | (<u64>mode << 32);
}

/** rmqueue_bulk: up to count blocks through __rmqueue, each to the TAIL of the list (physical order
 *  from expand()). Returns how many. A page keeps the list's migratetype, or CMA when it came from a
 *  CMA pageblock (6.1's set_pcppage_migratetype in __rmqueue_smallest). */
function rmqueueBulk(z: usize, order: u32, count: i32, l: usize, mt: u32, flags: u32): i32 {
  const autotune = pcpRules() == PCP_RULES_AUTOTUNE;
  let mode = RMQUEUE_NORMAL;
  let i: i32 = 0;
  for (; i < count; i++) {
    let page: u32;
    if (autotune) {
      const r = rmqueueMode618(z, order, mt, flags, mode);
      page = <u32>r;
      mode = <u32>(r >> 32);
    } else {
      // __rmqueue of the era (6.1's on ERA_6_1), from RMQUEUE_NORMAL every time
      page = era() == ERA_6_1 ? rmqueue61(z, order, mt, flags) : rmqueue618(z, order, mt, flags);
    }
    if (page == NIL) break;
    pcpListAdd(l, page, order, pageblockMt(page) == MIGRATE_CMA ? MIGRATE_CMA : mt, true);
  }
  return i;
}

/** nr_pcp_alloc (6.18). */
function nrPcpAlloc(p: usize, z: usize, order: u32): i32 {
  const base = pget(p, PCP_BATCH);
  const hmin = pget(p, PCP_HIGH_MIN);
  const hmax = pget(p, PCP_HIGH_MAX);
  let high = iclamp(pget(p, PCP_HIGH), hmin, hmax);
  pset(p, PCP_HIGH, high);
  if (high < base) return 1; // PCP disabled or boot pageset
  const factor = pget(p, PCP_ALLOC_FACTOR);
  let batch = order ? base : base << factor;
  if (hmin != hmax && !(zget(z, Z_FLAGS) & ZONE_BELOW_HIGH)) {
    high = imin(high + batch, hmax);
    pset(p, PCP_HIGH, high);
  }
  if (!order) {
    const maxNr = imax(high - pget(p, PCP_COUNT) - base, base);
    if (batch <= maxNr && factor < <i32>PCP_BATCH_SCALE_MAX) pset(p, PCP_ALLOC_FACTOR, factor + 1);
    batch = imin(batch, maxNr);
  }
  if (batch > 1) batch = imax(batch >> order, 2);
  return batch;
}

/** rmqueue_pcplist + __rmqueue_pcplist: the first page of the CPU's list, refilled with rmqueue_bulk
 *  when empty. NIL when the refill found nothing. */
function rmqueuePcplist(z: usize, order: u32, mt: u32, flags: u32): u32 {
  const p = pcpAddr(slotOf(z), aget(P_CPU));
  const autotune = pcpRules() == PCP_RULES_AUTOTUNE;
  // free_count >>= 1 (6.18) / free_factor >>= 1 (6.1): an allocation shrinks the next free batch
  pset(p, PCP_FREE_COUNT, pget(p, PCP_FREE_COUNT) >> 1);
  const l = pcpListAddr(p, orderToPindex(mt, order));
  if (load<u32>(l) == NIL) {
    let batch: i32;
    if (autotune) batch = nrPcpAlloc(p, z, order);
    else {
      batch = pget(p, PCP_BATCH);
      if (batch > 1) batch = imax(batch >> order, 2);
    }
    const alloced = rmqueueBulk(z, order, batch, l, mt, flags);
    pset(p, PCP_COUNT, pget(p, PCP_COUNT) + (alloced << order));
    if (load<u32>(l) == NIL) return NIL;
  }
  const page = load<u32>(l);
  pcpListDel(l, page);
  setPageInfo(page, TAIL_INFO);
  pset(p, PCP_COUNT, pget(p, PCP_COUNT) - (<i32>1 << order));
  return page;
}

/** rmqueue (mm/page_alloc.c 6.1, 6.18) with per-CPU lists: pcp_allowed_order requests try the CPU's
 *  list first (6.1: not MOVABLE without ALLOC_CMA, whose list may hold CMA pages), then
 *  rmqueue_buddy. */
export function rmqueuePcp(z: usize, order: u32, mt: u32, flags: u32): u32 {
  if (pcpAllowedOrder(order)) {
    if (pcpRules() == PCP_RULES_AUTOTUNE || (flags & ALLOC_CMA) || mt != MIGRATE_MOVABLE) {
      const page = rmqueuePcplist(z, order, mt, flags);
      if (page != NIL) return page;
    }
  }
  return rmqueue(z, order, mt, flags);
}

/** get_page_from_freelist's ZONE_BELOW_HIGH detection (6.18): a zone not yet flagged is checked
 *  against its high mark before the allocation's own mark. */
export function pcpNoteBelowHigh(z: usize, order: u32, highestZoneidx: u32, flags: u32): void {
  if (pcpRules() != PCP_RULES_AUTOTUNE || (zget(z, Z_FLAGS) & ZONE_BELOW_HIGH)) return;
  if (!zoneWatermarkFast(z, order, wmarkPages(z, WMARK_HIGH), highestZoneidx, flags)) {
    zset(z, Z_FLAGS, zget(z, Z_FLAGS) | ZONE_BELOW_HIGH);
  }
}

// ---- freeing: free_frozen_pages, the commit, nr_pcp_high, nr_pcp_free, free_pcppages_bulk ----

/** free_pcppages_bulk: count pages off the lists, round-robin over pindex starting at pindex, each
 *  list from its tail, each block through __free_one_page (6.18: with its pageblock's migratetype
 *  now; 6.1: with the one it entered with, unless its pageblock is isolated). */
function freePcppagesBulk(z: usize, count: i32, p: usize, pindex: u32): void {
  count = imin(pget(p, PCP_COUNT), count);
  const autotune = pcpRules() == PCP_RULES_AUTOTUNE;
  let pi = <i32>pindex - 1;
  while (count > 0) {
    let l: usize;
    do {
      if (++pi > <i32>NR_PCP_LISTS - 1) pi = 0;
      l = pcpListAddr(p, <u32>pi);
    } while (load<u32>(l) == NIL);
    const order = pindexToOrder(<u32>pi);
    const n: i32 = 1 << order;
    do {
      const page = load<u32>(l, 4); // list_last_entry
      const stored = infoMt(pageInfo(page));
      pcpListDel(l, page);
      setPageInfo(page, TAIL_INFO);
      count -= n;
      pset(p, PCP_COUNT, pget(p, PCP_COUNT) - n);
      const pbMt = pageblockMt(page);
      const mt = autotune || pbMt == MIGRATE_ISOLATE ? pbMt : stored;
      freeOnePage(z, page, order, mt, false);
    } while (count > 0 && load<u32>(l) != NIL);
  }
}

/** nr_pcp_high (6.18). */
function nrPcpHigh618(p: usize, z: usize, batch: i32, freeHigh: bool): i32 {
  const hmin = pget(p, PCP_HIGH_MIN);
  const hmax = pget(p, PCP_HIGH_MAX);
  let high = iclamp(pget(p, PCP_HIGH), hmin, hmax);
  pset(p, PCP_HIGH, high);
  if (!high) return 0;
  if (freeHigh) {
    pset(p, PCP_HIGH, imax(high - (batch << PCP_BATCH_SCALE_MAX), hmin));
    return 0;
  }
  const zflags = zget(z, Z_FLAGS);
  const freeCount = pget(p, PCP_FREE_COUNT);
  if (zflags & ZONE_RECLAIM_ACTIVE) {
    pset(p, PCP_HIGH, imax(high - imax(freeCount, batch), hmin));
    return imin(batch << 2, pget(p, PCP_HIGH));
  }
  if (hmin == hmax) return high;
  if (zflags & ZONE_BELOW_HIGH) {
    pset(p, PCP_HIGH, imax(high - imax(freeCount, batch), hmin));
    high = imax(pget(p, PCP_COUNT), hmin);
  } else if (pget(p, PCP_COUNT) >= high) {
    const need = freeCount + batch;
    if (pget(p, PCP_HIGH) < need) pset(p, PCP_HIGH, iclamp(need, hmin, hmax));
  }
  return high;
}

/** nr_pcp_free (6.18). */
function nrPcpFree618(p: usize, batch: i32, high: i32, freeHigh: bool): i32 {
  if (freeHigh) return imin(pget(p, PCP_COUNT), batch << PCP_BATCH_SCALE_MAX);
  if (high < batch) return 1;
  return iclamp(pget(p, PCP_FREE_COUNT), batch, high - batch);
}

/** nr_pcp_free (6.1): free_factor doubles the batch on each consecutive free, up to
 *  PCP_BATCH_SCALE_MAX, within [batch, high - batch]. */
function nrPcpFree61(p: usize, high: i32, batch: i32, freeHigh: bool): i32 {
  if (freeHigh) return pget(p, PCP_COUNT);
  if (high < batch) return 1;
  const minNr = batch;
  const maxNr = high - batch;
  const factor = pget(p, PCP_FREE_COUNT);
  batch <<= factor;
  if (batch < maxNr && factor < <i32>PCP_BATCH_SCALE_MAX) pset(p, PCP_FREE_COUNT, factor + 1);
  return iclamp(batch, minNr, maxNr);
}

/** free_frozen_page_commit (6.18) / free_unref_page_commit (6.1). */
function freeCommit(z: usize, p: usize, idx: u32, listMt: u32, storedMt: u32, order: u32): void {
  const pindex = orderToPindex(listMt, order);
  const n: i32 = 1 << order;
  pcpListAdd(pcpListAddr(p, pindex), idx, order, storedMt, false);
  pset(p, PCP_COUNT, pget(p, PCP_COUNT) + n);
  const batch = pget(p, PCP_BATCH);
  if (pcpRules() == PCP_RULES_FIXED) {
    const freeHigh = pget(p, PCP_FREE_COUNT) != 0 && order != 0 && order <= PAGE_ALLOC_COSTLY_ORDER;
    // nr_pcp_high (6.1)
    let high = pget(p, PCP_HIGH);
    if (!high || freeHigh) high = 0;
    else if (zget(z, Z_FLAGS) & ZONE_RECLAIM_ACTIVE) high = imin(batch << 2, high);
    if (pget(p, PCP_COUNT) >= high) freePcppagesBulk(z, nrPcpFree61(p, high, batch, freeHigh), p, pindex);
    return;
  }
  pset(p, PCP_ALLOC_FACTOR, pget(p, PCP_ALLOC_FACTOR) >> 1);
  let freeHigh = false;
  const flags = pget(p, PCP_FLAGS);
  if (order != 0 && order <= PAGE_ALLOC_COSTLY_ORDER) {
    freeHigh = pget(p, PCP_FREE_COUNT) >= batch + pget(p, PCP_HIGH_MIN) / 2 &&
      (flags & <i32>PCPF_PREV_FREE_HIGH_ORDER) != 0 &&
      (!(flags & <i32>PCPF_FREE_HIGH_BATCH) || pget(p, PCP_COUNT) >= batch);
    pset(p, PCP_FLAGS, flags | <i32>PCPF_PREV_FREE_HIGH_ORDER);
  } else if (flags & <i32>PCPF_PREV_FREE_HIGH_ORDER) {
    pset(p, PCP_FLAGS, flags & ~(<i32>PCPF_PREV_FREE_HIGH_ORDER));
  }
  if (pget(p, PCP_FREE_COUNT) < batch << PCP_BATCH_SCALE_MAX) pset(p, PCP_FREE_COUNT, pget(p, PCP_FREE_COUNT) + n);
  const high = nrPcpHigh618(p, z, batch, freeHigh);
  if (pget(p, PCP_COUNT) < high) return;
  freePcppagesBulk(z, nrPcpFree618(p, batch, high, freeHigh), p, pindex);
  if ((zget(z, Z_FLAGS) & ZONE_BELOW_HIGH) && zoneWatermarkOk618(z, 0, wmarkPages(z, WMARK_HIGH), 4, 0)) {
    // zone_watermark_ok(zone, 0, high_wmark_pages(zone), ZONE_MOVABLE, 0)
    zset(z, Z_FLAGS, zget(z, Z_FLAGS) & ~ZONE_BELOW_HIGH);
  }
}

/** free_frozen_pages (6.18) / free_unref_page (6.1) of an allocated block head: orders the lists do
 *  not keep go to the buddy lists (__free_pages_ok), isolated pageblocks too (free_one_page); CMA and
 *  HIGHATOMIC blocks go on the MOVABLE list. */
export function freeFrozenPages(z: usize, idx: u32, order: u32): void {
  if (!pcpAllowedOrder(order)) {
    freePages(z, idx, order);
    return;
  }
  const mt = pageblockMt(idx);
  let listMt = mt;
  if (mt >= MIGRATE_PCPTYPES) {
    if (mt == MIGRATE_ISOLATE) {
      freePages(z, idx, order);
      return;
    }
    listMt = MIGRATE_MOVABLE;
  }
  freeCommit(z, pcpAddr(slotOf(z), aget(P_CPU)), idx, listMt, mt, order);
}

// ---- draining: drain_pages_zone, drain_all_pages ----

/** drain_pages_zone: everything on one CPU's lists of a zone, batch << PCP_BATCH_SCALE_MAX at a time. */
function drainPagesZone(cpu: u32, slot: u32): void {
  const p = pcpAddr(slot, cpu);
  const z = zoneAddr(slot);
  let count: i32;
  do {
    count = pget(p, PCP_COUNT);
    if (count) {
      const toDrain = imin(count, pget(p, PCP_BATCH) << PCP_BATCH_SCALE_MAX);
      freePcppagesBulk(z, toDrain, p, 0);
      count -= toDrain;
    }
  } while (count);
}

/** drain_all_pages(zone) (slot < MAX_ZONES) or drain_all_pages(NULL) (slot NIL): every CPU, each
 *  populated zone in order. Returns the pages given back to the buddy lists. */
export function pcpDrainAll(slot: u32): u32 {
  if (!pcpEnabled()) return 0;
  let pages: u32 = 0;
  for (let c: u32 = 0; c < pcpCpus(); c++) {
    for (let s: u32 = 0; s < MAX_ZONES; s++) {
      if ((slot != NIL && s != slot) || !zget(zoneAddr(s), Z_POPULATED)) continue;
      const before = pget(pcpAddr(s, c), PCP_COUNT);
      if (before == 0) continue;
      drainPagesZone(c, s);
      pages += <u32>(before - pget(pcpAddr(s, c), PCP_COUNT));
    }
  }
  return pages;
}

/** decay_pcp_high (6.18), as vmstat_update runs it once a second on each CPU for each populated zone
 *  (refresh_cpu_vm_stats): pcp->high falls by an eighth toward high_min (not below count - batch << 5),
 *  and what is listed above it goes back to the buddy lists. 6.1 has no such decay. Returns the number
 *  of (zone, CPU) pairs with work left or done (the kernel's todo). */
export function pcpDecayHigh(): u32 {
  if (!pcpEnabled() || pcpRules() != PCP_RULES_AUTOTUNE) return 0;
  let todo: u32 = 0;
  for (let c: u32 = 0; c < pcpCpus(); c++) {
    for (let s: u32 = 0; s < MAX_ZONES; s++) {
      if (!zget(zoneAddr(s), Z_POPULATED)) continue;
      const p = pcpAddr(s, c);
      const hmin = pget(p, PCP_HIGH_MIN);
      const batch = pget(p, PCP_BATCH);
      let high = pget(p, PCP_HIGH);
      if (high > hmin) {
        high = imax(imax(pget(p, PCP_COUNT) - (batch << PCP_BATCH_SCALE_MAX), high - (high >> 3)), hmin);
        pset(p, PCP_HIGH, high);
        if (high > hmin) todo++;
      }
      const toDrain = pget(p, PCP_COUNT) - high;
      if (toDrain > 0) {
        freePcppagesBulk(zoneAddr(s), toDrain, p, 0);
        todo++;
      }
    }
  }
  return todo;
}

/** Sets or clears ZONE_RECLAIM_ACTIVE (balance_pgdat while kswapd scans the zone). */
export function pcpSetReclaimActive(slot: u32, on: bool): i32 {
  if (slot >= MAX_ZONES) return -1;
  const z = zoneAddr(slot);
  zset(z, Z_FLAGS, on ? zget(z, Z_FLAGS) | ZONE_RECLAIM_ACTIVE : zget(z, Z_FLAGS) & ~ZONE_RECLAIM_ACTIVE);
  return 0;
}
