// debug: the full invariant check (the kind of thing CONFIG_DEBUG_VM asserts piecemeal in
// mm/page_alloc.c and mm/debug.c), run by tests after operations. It recounts everything from the
// page array and the lists and compares with the counters.

import {
  ERA_2_6_11, ERA_6_18, NIL, STATE_FREE, STATE_ALLOC, STATE_RESERVED, STATE_HOLE, STATE_PCP,
  MIGRATE_CMA, MIGRATE_HIGHATOMIC, MIGRATE_ISOLATE, MT_SLOTS_SHIFT, MT_SLOTS, MAX_ORDER_LIMIT, MAX_ZONES,
  Z_START, Z_END, Z_ALIGN_BASE, Z_POPULATED, Z_FREE_PAGES, Z_FREE_CMA, Z_FREE_HIGHATOMIC, LIST_HEAD, LIST_TAIL,
  ioOff,
  era, maxOrder, pageblockOrder, nrFreeOff,
  zoneAddr, zget, pageInfo, pageNext, pagePrev, pageblockMt, infoOrder, infoState, infoMt, listAddr,
  zoneSpans,
} from "./mmzone";
import {
  NR_PCP_LISTS, PCP_COUNT, PCP_RULES_FIXED, pcpEnabled, pcpCpus, pcpRules, pcpAddr, pcpListAddr, pindexToOrder,
  pcpAllowedOrder,
} from "./pcp";

export const CHECK_OK: i32 = 0;
export const CHECK_TAIL_AS_HEAD: i32 = 1; // a page inside no block, or an unknown state
export const CHECK_MISALIGNED: i32 = 2; // a block not aligned to its order
export const CHECK_OUTSIDE_ZONE: i32 = 3; // a block running past its zone
export const CHECK_OVERLAP: i32 = 4; // a head inside another block
export const CHECK_LIST_LINK: i32 = 5; // next/prev/tail pointers disagree
export const CHECK_LIST_ENTRY: i32 = 6; // a list entry that is not a free head of that order and type
export const CHECK_NR_FREE: i32 = 7; // nr_free counters differ from the recount
export const CHECK_FREE_PAGES: i32 = 8; // NR_FREE_PAGES / CMA / highatomic differ from the recount
export const CHECK_UNMERGED: i32 = 9; // two free buddies the era would have merged
export const CHECK_PAGEBLOCK_MT: i32 = 10; // 6.18: a free block on a list other than its pageblock's type
export const CHECK_PCP_LIST: i32 = 11; // a per-CPU list entry that is not a STATE_PCP head of the list's order
export const CHECK_PCP_COUNT: i32 = 12; // pcp->count differs from the lists, or STATE_PCP heads on no list

// The invariant record checkInvariants writes to the IO buffer on a violation:
//
//    3                   2                   1
//  1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0  bits
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                      CHECK_* code (i32)                       |     0  IR_CODE
// +---------------------------------------------------------------+
// |                           zone slot                           |     4  IR_SLOT
// +---------------------------------------------------------------+
// |           page idx (CHECK_NR_FREE: the order;                 |     8  IR_IDX
// |           CHECK_FREE_PAGES: 0 free, 1 CMA, 2 highatomic;      |
// |           CHECK_PCP_COUNT: the CPU, or NIL for the heads)     |
// +---------------------------------------------------------------+
// |                            detail                             |    12  IR_DETAIL
// +---------------------------------------------------------------+
//                                                                      16  INVARIANT_RECORD_BYTES

export const IR_CODE: u32 = 0;
export const IR_SLOT: u32 = 4;
export const IR_IDX: u32 = 8;
export const IR_DETAIL: u32 = 12;
export const INVARIANT_RECORD_BYTES: u32 = 16;
/** The detail of a CHECK_NR_FREE found by the page walk (the list walk gives the list's migratetype). */
const DETAIL_ALL_LISTS: u32 = 99;

/** Free blocks per (order, list slot), recounted from the page array by walkZone. */
const counts = memory.data(MAX_ORDER_LIMIT * MT_SLOTS * 4);

// @ts-ignore: decorator
@inline function countAddr(order: u32, mt: u32): usize {
  return counts + (<usize>((order << MT_SLOTS_SHIFT) | mt) << 2);
}

function fail(code: i32, slot: u32, idx: u32, detail: u32): i32 {
  store<i32>(ioOff() + <usize>IR_CODE, code);
  store<u32>(ioOff() + <usize>IR_SLOT, slot);
  store<u32>(ioOff() + <usize>IR_IDX, idx);
  store<u32>(ioOff() + <usize>IR_DETAIL, detail);
  return code;
}

/** STATE_PCP heads walkZone found in the zone it walked (checkPcp compares them with the lists). */
const pcpHeads = memory.data(4);

/** Checks every populated zone (walkZone recounts the free blocks per order and type from the
 *  page array, then checkLists walks the lists against that recount, and checkPcp the per-CPU
 *  lists); returns CHECK_OK or the first violation (details in the IO buffer: code, zone slot, page
 *  idx, extra). */
export function checkInvariants(): i32 {
  for (let s: u32 = 0; s < MAX_ZONES; s++) {
    const z = zoneAddr(s);
    if (!zget(z, Z_POPULATED)) continue;
    let r = walkZone(s, z);
    if (r != CHECK_OK) return r;
    r = checkLists(s, z);
    if (r != CHECK_OK) return r;
    r = checkPcp(s, z);
    if (r != CHECK_OK) return r;
  }
  return CHECK_OK;
}

/** Every CPU's lists of a zone: each entry a STATE_PCP head of the list's order inside the zone, the
 *  links consistent, pcp->count the pages on the lists, and every STATE_PCP head of the zone on a list. */
function checkPcp(s: u32, z: usize): i32 {
  const heads = load<u32>(pcpHeads);
  if (!pcpEnabled()) return heads == 0 ? CHECK_OK : fail(CHECK_PCP_COUNT, s, NIL, heads);
  let listed: u32 = 0;
  for (let c: u32 = 0; c < pcpCpus(); c++) {
    const p = pcpAddr(s, c);
    let pages: u32 = 0;
    for (let pi: u32 = 0; pi < NR_PCP_LISTS; pi++) {
      const l = pcpListAddr(p, pi);
      const order = pindexToOrder(pi);
      let prev: u32 = NIL;
      let cur = load<u32>(l);
      while (cur != NIL) {
        if (listed >= heads || !zoneSpans(z, cur) || pagePrev(cur) != prev) return fail(CHECK_PCP_LIST, s, cur, pi);
        const info = pageInfo(cur);
        if (infoState(info) != STATE_PCP || infoOrder(info) != order || !pcpAllowedOrder(order)) {
          return fail(CHECK_PCP_LIST, s, cur, info);
        }
        pages += 1 << order;
        listed++;
        prev = cur;
        cur = pageNext(cur);
      }
      if (load<u32>(l, 4) != prev) return fail(CHECK_PCP_LIST, s, prev, pi);
    }
    if (load<i32>(p + <usize>PCP_COUNT) != <i32>pages) return fail(CHECK_PCP_COUNT, s, c, pages);
  }
  return listed == heads ? CHECK_OK : fail(CHECK_PCP_COUNT, s, NIL, heads);
}

function walkZone(s: u32, z: usize): i32 {
  memory.fill(counts, 0, MAX_ORDER_LIMIT * MT_SLOTS * 4);
  const start = zget(z, Z_START);
  const end = zget(z, Z_END);
  const base = zget(z, Z_ALIGN_BASE);
  let free: u32 = 0;
  let cma: u32 = 0;
  let ha: u32 = 0;
  let pcp: u32 = 0;
  let p = start;
  while (p < end) {
    const info = pageInfo(p);
    const st = infoState(info);
    if (st == STATE_RESERVED || st == STATE_HOLE) {
      p++;
      continue;
    }
    if (st != STATE_FREE && st != STATE_ALLOC && st != STATE_PCP) return fail(CHECK_TAIL_AS_HEAD, s, p, info);
    const order = infoOrder(info);
    const size: u32 = 1 << order;
    if (order >= maxOrder() || ((p - base) & (size - 1)) != 0) return fail(CHECK_MISALIGNED, s, p, order);
    if (<u64>p + <u64>size > <u64>end) return fail(CHECK_OUTSIDE_ZONE, s, p, order);
    for (let q = p + 1; q < p + size; q++) if (pageInfo(q) != 0) return fail(CHECK_OVERLAP, s, q, pageInfo(q));
    if (st == STATE_FREE) {
      const mt = infoMt(info);
      const c = countAddr(order, mt);
      store<u32>(c, load<u32>(c) + 1);
      if (mt != MIGRATE_ISOLATE) free += size;
      if (mt == MIGRATE_CMA) cma += size;
      if (mt == MIGRATE_HIGHATOMIC) ha += size;
      const r = checkFreeBlock(s, z, p, order, mt);
      if (r != CHECK_OK) return r;
    } else if (st == STATE_PCP) {
      pcp++;
    }
    p += size;
  }
  store<u32>(pcpHeads, pcp);
  for (let o: u32 = 0; o < MAX_ORDER_LIMIT; o++) {
    let sum: u32 = 0;
    for (let mt: u32 = 0; mt < MT_SLOTS; mt++) sum += load<u32>(countAddr(o, mt));
    if (zget(z, nrFreeOff(o)) != sum) return fail(CHECK_NR_FREE, s, o, DETAIL_ALL_LISTS);
  }
  if (zget(z, Z_FREE_PAGES) != free) return fail(CHECK_FREE_PAGES, s, 0, free);
  // 6.1's per-CPU lists free a page with the migratetype it left with, and __free_one_page (6.1) merges
  // a buddy off any list without moving its pages between the CMA (highatomic) counts: those counts
  // drift in the kernel too (fixed in 6.10 by the free page accounting rework), so only the total holds
  if (pcpEnabled() && pcpRules() == PCP_RULES_FIXED) return CHECK_OK;
  if (zget(z, Z_FREE_CMA) != cma) return fail(CHECK_FREE_PAGES, s, 1, cma);
  if (zget(z, Z_FREE_HIGHATOMIC) != ha) return fail(CHECK_FREE_PAGES, s, 2, ha);
  return CHECK_OK;
}

/** A free block must not have a free buddy the era would merge with, and (6.18) must sit on the
 *  list of its pageblock's migratetype. 6.1 leaves free blocks on another type's list (a steal's
 *  remainder, a block moved without its pageblock, merges above pageblock_order without a retag). */
function checkFreeBlock(s: u32, z: usize, p: u32, order: u32, mt: u32): i32 {
  const base = zget(z, Z_ALIGN_BASE);
  const pbOrder = pageblockOrder();
  // 6.1's per-CPU lists give a page back with the migratetype it left with (get_pcppage_migratetype),
  // which need not be its pageblock's any more: the kernel reaches such lists then
  if (era() == ERA_6_18 && !(pcpEnabled() && pcpRules() == PCP_RULES_FIXED)) {
    const step: u32 = 1 << pbOrder;
    const n: u32 = order > pbOrder ? 1 << (order - pbOrder) : 1;
    for (let i: u32 = 0; i < n; i++) if (pageblockMt(p + i * step) != mt) return fail(CHECK_PAGEBLOCK_MT, s, p, mt);
  }
  if (order + 1 >= maxOrder()) return CHECK_OK;
  const b = ((p - base) ^ (<u32>1 << order)) + base;
  if (!zoneSpans(z, b)) return CHECK_OK;
  const bi = pageInfo(b);
  if (infoState(bi) != STATE_FREE || infoOrder(bi) != order) return CHECK_OK;
  // 6.18 at pageblock order and above: __free_one_page refuses a merge between a mergeable and a
  // non-mergeable type, and nothing merges two free buddies later when a pageblock's type changes
  // while it is free (unreserve_highatomic_pageblock gives a free HIGHATOMIC block back to a
  // mergeable type beside its free buddy): such pairs are a state the kernel reaches, not a bug. The
  // differential tests hold the merging above pageblock order to the reference model's.
  if (era() != ERA_2_6_11 && order >= pbOrder) return CHECK_OK;
  return fail(CHECK_UNMERGED, s, p, b);
}

function checkLists(s: u32, z: usize): i32 {
  for (let o: u32 = 0; o < MAX_ORDER_LIMIT; o++) {
    for (let mt: u32 = 0; mt < MT_SLOTS; mt++) {
      const l = listAddr(z, o, mt);
      const want = load<u32>(countAddr(o, mt)); // from walkZone
      let n: u32 = 0;
      let prev: u32 = NIL;
      let cur = load<u32>(l, LIST_HEAD);
      while (cur != NIL) {
        if (n >= want || !zoneSpans(z, cur)) return fail(CHECK_LIST_LINK, s, cur, (o << 8) | mt);
        if (pagePrev(cur) != prev) return fail(CHECK_LIST_LINK, s, cur, (o << 8) | mt);
        const info = pageInfo(cur);
        if (infoState(info) != STATE_FREE || infoOrder(info) != o || infoMt(info) != mt) {
          return fail(CHECK_LIST_ENTRY, s, cur, info);
        }
        prev = cur;
        cur = pageNext(cur);
        n++;
      }
      if (n != want) return fail(CHECK_NR_FREE, s, o, mt);
      if (load<u32>(l, LIST_TAIL) != prev) return fail(CHECK_LIST_LINK, s, prev, (o << 8) | mt);
    }
  }
  return CHECK_OK;
}

