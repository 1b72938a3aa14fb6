// mmzone: the machine's memory map, zones and free lists, laid out in WASM memory.
// Models include/linux/mmzone.h (struct zone, struct free_area, struct page's buddy fields) for the
// two eras oomlab simulates: 2.6.11 (one list per order) and 6.18 (a list per order and migratetype).
//
// Everything lives in linear memory at offsets fixed by machineInit(); there are no managed objects.
//
//   HEAP_BASE
//   +------------------------+ ZONES_OFF        MAX_ZONES x ZONE_SIZE bytes (zone records, below)
//   +------------------------+ ZONELISTS_OFF    MAX_ZONELISTS x ZONELIST_SIZE (u8 zone slots)
//   +------------------------+ IO_OFF           IO_BYTES: batch records in, results out
//   +------------------------+ PAGEBLOCKS_OFF   one u8 migratetype per pageblock
//   +------------------------+ INFO_OFF         u16 per page frame: order, state, migratetype
//   +------------------------+ NEXT_OFF         u32 per page frame: list next, or an allocated head's owner
//   +------------------------+ PREV_OFF         u32 per page frame: list prev
//   +------------------------+ SCRATCH_OFF      workload scratch, grown on demand
//
// struct page, split into three arrays (10 bytes per page frame; "idx" = pfn - basePfn). The buddy
// test reads only the dense info array (2 bytes a page), so it stays in cache the way the kernel's
// PageBuddy/page_private test cannot; links are touched only by list operations:
//
//   info (u16)  bits 0-4 order | bits 5-7 state | bits 8-11 migratetype (of the list / the request)
//   next (u32)  free head: next idx on its list (NIL at the end); allocated head: owner id
//   prev (u32)  free head: previous idx on its list (NIL at the head)
//
//   A page that is not the head of a block (a "tail") has info == 0: splits write the new heads,
//   merges clear the absorbed head, so "is this pfn a block head" is one load.
//
// Zone record (ZONE_SIZE bytes, u32 fields):
//
//   Z_START .. Z_TYPE          geometry in idx units, zone type (ZONE_DMA..ZONE_MOVABLE), node
//   Z_FREE_PAGES ..            NR_FREE_PAGES, NR_FREE_CMA_PAGES, nr_reserved_highatomic, nr_free_highatomic
//   Z_WMARK                    _watermark[WMARK_MIN, LOW, HIGH, PROMO] (without boost), watermark_boost
//   Z_LOWMEM_RESERVE           lowmem_reserve[MAX_NR_ZONES]
//   Z_NR_FREE                  free_area[order].nr_free (blocks)
//   Z_LISTS                    free_area[order].free_list[mt]: (head idx, tail idx) pairs

export const NIL: u32 = 0xffffffff;

// Eras (a profile in bindings/ selects one; only the rules that differ branch on it).
export const ERA_2_6_11: u32 = 0;
export const ERA_6_18: u32 = 1;

// enum migratetype, 4.4 .. 6.18 numbering (include/linux/mmzone.h). 2.6.11 has no migratetypes:
// everything sits on list 0.
export const MIGRATE_UNMOVABLE: u32 = 0;
export const MIGRATE_MOVABLE: u32 = 1;
export const MIGRATE_RECLAIMABLE: u32 = 2;
export const MIGRATE_PCPTYPES: u32 = 3;
export const MIGRATE_HIGHATOMIC: u32 = 3;
export const MIGRATE_CMA: u32 = 4;
export const MIGRATE_ISOLATE: u32 = 5;
export const MIGRATE_TYPES: u32 = 6;
export const MT_SLOTS_SHIFT: u32 = 3; // 8 list slots per order (6 used)

// Page states kept in info bits 5-7.
export const STATE_TAIL: u32 = 0; // not a block head (or never initialised)
export const STATE_FREE: u32 = 1; // PageBuddy head of a free block
export const STATE_ALLOC: u32 = 2; // head of an allocated block
export const STATE_RESERVED: u32 = 3; // PageReserved: present but never handed to the buddy allocator
export const STATE_HOLE: u32 = 4; // spanned but not present

export const ORDER_MASK: u32 = 0x1f;
export const STATE_SHIFT: u32 = 5;
export const STATE_MASK: u32 = 0x7;
export const MT_SHIFT: u32 = 8;
export const MT_MASK: u32 = 0xf;

export const MAX_ORDER_LIMIT: u32 = 16; // free_area slots per zone; MAX_ORDER itself is a parameter
export const MAX_NR_ZONES: u32 = 5; // DMA, DMA32, NORMAL, HIGHMEM, MOVABLE
export const MAX_NODES: u32 = 8;
export const MAX_ZONES: u32 = MAX_NODES * MAX_NR_ZONES;
export const MAX_PAGES: u32 = 1 << 24; // 64 GiB of 4 KiB pages
/** Metadata bytes per page frame: u16 info + u32 next + u32 prev. */
export const PAGE_META_BYTES: u32 = 10;

// Zone record offsets (bytes).
export const Z_START: u32 = 0; // first idx of the zone (zone_start_pfn - basePfn)
export const Z_END: u32 = 4; // start + spanned_pages
export const Z_PRESENT: u32 = 8;
export const Z_MANAGED: u32 = 12;
export const Z_ALIGN_BASE: u32 = 16; // buddy index origin: zone start in 2.6.11 (page - zone_mem_map), 0 after
export const Z_TYPE: u32 = 20;
export const Z_NODE: u32 = 24;
export const Z_POPULATED: u32 = 28;
export const Z_FREE_PAGES: u32 = 32;
export const Z_FREE_CMA: u32 = 36;
export const Z_RESERVED_HIGHATOMIC: u32 = 40;
export const Z_FREE_HIGHATOMIC: u32 = 44;
export const Z_WMARK: u32 = 48; // 4 x u32: min, low, high, promo
export const Z_BOOST: u32 = 64;
export const Z_FLAGS: u32 = 68; // ZONE_BOOSTED_WATERMARK
export const Z_BOOST_EVENTS: u32 = 72; // how many times boost_watermark() raised the boost
export const Z_FALLBACKS: u32 = 76; // allocations served from another migratetype's pageblock
export const Z_LOWMEM_RESERVE: u32 = 80; // 5 x u32
export const Z_NR_FREE: u32 = 128; // MAX_ORDER_LIMIT x u32
export const Z_LISTS: u32 = Z_NR_FREE + MAX_ORDER_LIMIT * 4; // MAX_ORDER_LIMIT x 8 x (head, tail)
export const ZONE_SIZE: u32 = Z_LISTS + (MAX_ORDER_LIMIT << MT_SLOTS_SHIFT) * 8;

export const WMARK_MIN: u32 = 0;
export const WMARK_LOW: u32 = 1;
export const WMARK_HIGH: u32 = 2;
export const WMARK_PROMO: u32 = 3;

export const ZONE_BOOSTED_WATERMARK: u32 = 1;

// Zonelists: up to MAX_ZONELISTS lists, each [highest_zoneidx, count, slot...].
export const MAX_ZONELISTS: u32 = 128; // 8 nodes x 5 classes, plus 40 one-zone lists
export const ZONELIST_SIZE: u32 = 64;

export const IO_BYTES: u32 = 1 << 16;

// Machine-wide parameters, set once by machineInit().
export let era: u32 = ERA_2_6_11;
export let maxOrder: u32 = 11; // exclusive, as MAX_ORDER in 2.6.11 .. 6.3 (6.18: NR_PAGE_ORDERS)
export let pageblockOrder: u32 = 10;
export let nrPages: u32 = 0;
export let nrZones: u32 = 0;
export let mobilityDisabled: bool = false; // page_group_by_mobility_disabled
export let watermarkBoostFactor: u32 = 15000; // vm.watermark_boost_factor, 6.18 default

export let ZONES_OFF: usize = 0;
export let ZONELISTS_OFF: usize = 0;
export let IO_OFF: usize = 0;
export let PAGEBLOCKS_OFF: usize = 0;
export let INFO_OFF: usize = 0;
export let NEXT_OFF: usize = 0;
export let PREV_OFF: usize = 0;
export let SCRATCH_OFF: usize = 0;

// ---- memory ----

/** Grows linear memory so that [0, end) is addressable; false if the host refuses. */
export function ensureMemory(end: usize): bool {
  const have = (<usize>memory.size()) << 16;
  if (end <= have) return true;
  const pages = <i32>((end - have + 0xffff) >> 16);
  return memory.grow(pages) >= 0;
}

/** Sets the machine parameters and lays out the tables after the static data (once per instance). */
export function configureMachine(eraV: u32, maxOrderV: u32, pbOrder: u32, pages: u32, mobilityOff: bool, boostFactor: u32): void {
  era = eraV;
  maxOrder = maxOrderV;
  pageblockOrder = pbOrder;
  nrPages = pages;
  mobilityDisabled = mobilityOff;
  watermarkBoostFactor = boostFactor;
  ZONES_OFF = (__heap_base + 63) & ~(<usize>63);
  ZONELISTS_OFF = ZONES_OFF + <usize>(MAX_ZONES * ZONE_SIZE);
  IO_OFF = ZONELISTS_OFF + <usize>(MAX_ZONELISTS * ZONELIST_SIZE);
  PAGEBLOCKS_OFF = IO_OFF + <usize>IO_BYTES;
  const nrBlocks = ((<usize>pages - 1) >> pbOrder) + 1;
  INFO_OFF = (PAGEBLOCKS_OFF + nrBlocks + 63) & ~(<usize>63);
  NEXT_OFF = (INFO_OFF + (<usize>pages << 1) + 63) & ~(<usize>63);
  PREV_OFF = NEXT_OFF + (<usize>pages << 2);
  SCRATCH_OFF = PREV_OFF + (<usize>pages << 2);
}

/** The first byte of workload scratch memory, grown on demand by the workloads. */
export function scratchBase(): usize {
  return SCRATCH_OFF;
}

// ---- struct page accessors ----

// @ts-ignore: decorator
@inline export function pageInfo(idx: u32): u32 {
  return <u32>load<u16>(INFO_OFF + ((<usize>idx) << 1));
}
// @ts-ignore: decorator
@inline export function setPageInfo(idx: u32, info: u32): void {
  store<u16>(INFO_OFF + ((<usize>idx) << 1), <u16>info);
}
// @ts-ignore: decorator
@inline export function pageNext(idx: u32): u32 {
  return load<u32>(NEXT_OFF + ((<usize>idx) << 2));
}
// @ts-ignore: decorator
@inline export function setPageNext(idx: u32, v: u32): void {
  store<u32>(NEXT_OFF + ((<usize>idx) << 2), v);
}
// @ts-ignore: decorator
@inline export function pagePrev(idx: u32): u32 {
  return load<u32>(PREV_OFF + ((<usize>idx) << 2));
}
// @ts-ignore: decorator
@inline export function setPagePrev(idx: u32, v: u32): void {
  store<u32>(PREV_OFF + ((<usize>idx) << 2), v);
}
// @ts-ignore: decorator
@inline export function makeInfo(order: u32, state: u32, mt: u32): u32 {
  return order | (state << STATE_SHIFT) | (mt << MT_SHIFT);
}
// @ts-ignore: decorator
@inline export function infoOrder(info: u32): u32 {
  return info & ORDER_MASK;
}
// @ts-ignore: decorator
@inline export function infoState(info: u32): u32 {
  return (info >> STATE_SHIFT) & STATE_MASK;
}
// @ts-ignore: decorator
@inline export function infoMt(info: u32): u32 {
  return (info >> MT_SHIFT) & MT_MASK;
}
/** The owner of an allocated block head (kept in its otherwise unused list link). */
// @ts-ignore: decorator
@inline export function pageOwner(idx: u32): u32 {
  return pageNext(idx);
}

// ---- pageblock flags (include/linux/pageblock-flags.h: get/set_pageblock_migratetype) ----

// @ts-ignore: decorator
@inline export function pageblockMt(idx: u32): u32 {
  return <u32>load<u8>(PAGEBLOCKS_OFF + <usize>(idx >> pageblockOrder));
}
// @ts-ignore: decorator
@inline export function setPageblockMtRaw(idx: u32, mt: u32): void {
  store<u8>(PAGEBLOCKS_OFF + <usize>(idx >> pageblockOrder), <u8>mt);
}

/** set_pageblock_migratetype (mm/page_alloc.c 6.18): with mobility grouping disabled, every
 *  PCP type becomes UNMOVABLE. */
export function setPageblockMt(idx: u32, mt: u32): void {
  if (mobilityDisabled && mt < MIGRATE_PCPTYPES) mt = MIGRATE_UNMOVABLE;
  setPageblockMtRaw(idx, mt);
}

/** change_pageblock_range (6.18): retag the 2^(order - pageblock_order) pageblocks of a block. */
export function changePageblockRange(idx: u32, order: u32, mt: u32): void {
  let n: u32 = 1 << (order - pageblockOrder);
  const step: u32 = 1 << pageblockOrder;
  while (n--) {
    setPageblockMt(idx, mt);
    idx += step;
  }
}

// ---- zone accessors ----

// @ts-ignore: decorator
@inline export function zoneAddr(slot: u32): usize {
  return ZONES_OFF + <usize>(slot * ZONE_SIZE);
}
// @ts-ignore: decorator
@inline export function zget(z: usize, off: u32): u32 {
  return load<u32>(z + <usize>off);
}
// @ts-ignore: decorator
@inline export function zset(z: usize, off: u32, v: u32): void {
  store<u32>(z + <usize>off, v);
}
// @ts-ignore: decorator
@inline export function zadd(z: usize, off: u32, d: i32): void {
  store<u32>(z + <usize>off, load<u32>(z + <usize>off) + <u32>d);
}
// @ts-ignore: decorator
@inline export function listAddr(z: usize, order: u32, mt: u32): usize {
  return z + <usize>Z_LISTS + (<usize>((order << MT_SLOTS_SHIFT) | mt) << 3);
}
// @ts-ignore: decorator
@inline export function listHead(z: usize, order: u32, mt: u32): u32 {
  return load<u32>(listAddr(z, order, mt));
}

/** zone_spans_pfn, in idx units. */
// @ts-ignore: decorator
@inline export function zoneSpans(z: usize, idx: u32): bool {
  return idx - zget(z, Z_START) < zget(z, Z_END) - zget(z, Z_START);
}

/** The zone slot whose span holds idx, or -1 (page_zone()). */
export function zoneOfIdx(idx: u32): i32 {
  for (let s: u32 = 0; s < MAX_ZONES; s++) {
    const z = zoneAddr(s);
    if (zget(z, Z_POPULATED) != 0 && zoneSpans(z, idx)) return <i32>s;
  }
  return -1;
}

// ---- free lists (struct free_area) ----

/** __add_to_free_list without the NR_FREE_PAGES accounting (the caller does account_freepages).
 *  list_add (head) or list_add_tail; nr_free++; marks the page PageBuddy with its order. */
// @ts-ignore: decorator
@inline export function addToFreeList(z: usize, idx: u32, order: u32, mt: u32, tail: bool): void {
  const l = listAddr(z, order, mt);
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
  setPageInfo(idx, makeInfo(order, STATE_FREE, mt));
  zadd(z, Z_NR_FREE + (order << 2), 1);
}

/** __del_page_from_free_list without account_freepages: list_del, clear PageBuddy, nr_free--.
 *  The page's info is cleared (it becomes a tail or is rewritten by the caller). */
// @ts-ignore: decorator
@inline export function delFromFreeList(z: usize, idx: u32, order: u32, mt: u32): void {
  const n = pageNext(idx);
  const v = pagePrev(idx);
  const l = listAddr(z, order, mt);
  if (v == NIL) store<u32>(l, n);
  else setPageNext(v, n);
  if (n == NIL) store<u32>(l, v, 4);
  else setPagePrev(n, v);
  setPageInfo(idx, 0);
  zadd(z, Z_NR_FREE + (order << 2), -1);
}

/** move_to_free_list (6.18): list_move_tail to another type's list, with the accounting. */
export function moveToFreeList(z: usize, idx: u32, order: u32, oldMt: u32, newMt: u32): void {
  delFromFreeList(z, idx, order, oldMt);
  addToFreeList(z, idx, order, newMt, true);
  accountFreepages(z, -(<i32>1 << order), oldMt);
  accountFreepages(z, <i32>1 << order, newMt);
}

/** account_freepages (mm/page_alloc.c 6.18): NR_FREE_PAGES, NR_FREE_CMA_PAGES, nr_free_highatomic;
 *  isolated pages are not free pages. 2.6.11 only has zone->free_pages (mt is always 0 there). */
// @ts-ignore: decorator
@inline export function accountFreepages(z: usize, nr: i32, mt: u32): void {
  if (mt == MIGRATE_ISOLATE) return;
  zadd(z, Z_FREE_PAGES, nr);
  if (mt == MIGRATE_CMA) zadd(z, Z_FREE_CMA, nr);
  else if (mt == MIGRATE_HIGHATOMIC) zadd(z, Z_FREE_HIGHATOMIC, nr);
}

/** migratetype_is_mergeable (include/linux/mmzone.h 6.18): UNMOVABLE, MOVABLE, RECLAIMABLE. */
// @ts-ignore: decorator
@inline export function mtIsMergeable(mt: u32): bool {
  return mt < MIGRATE_PCPTYPES;
}
