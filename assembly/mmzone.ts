// mmzone: the machine's memory map, zones and free lists, laid out in WASM memory.
// Models include/linux/mmzone.h (struct zone, struct free_area, struct page's buddy fields) for the
// two eras oomlab simulates: 2.6.11 (one list per order) and 6.18 (a list per order and migratetype).
//
// Everything lives in linear memory; there are no managed objects and no mutable module globals, so
// a copy of an instance's memory is a copy of its machine (what a parallel sweep forks from).
//
//   __heap_base (the end of AssemblyScript's static data) rounded up to 64; the same in every instance
//   of a build, so these offsets fold to constants:
//   +------------------------+ headerOff()        HEADER_SIZE: the machine header (below)
//   +------------------------+ zonesOff()         MAX_ZONES x ZONE_SIZE: zone records (below)
//   +------------------------+ zonelistsOff()     MAX_ZONELISTS x ZONELIST_SIZE: zonelists (below)
//   +------------------------+ ioOff()            IO_BYTES: records in and out (workload.ts, debug.ts)
//   then the per-page arrays, laid out by machineInit for nrPages page frames (offsets in the header):
//   +------------------------+ infoOff()          u16 per page frame: order, state, migratetype
//   +------------------------+ H_NEXT_OFF         u32 per page frame: list next, or an allocated head's owner
//   +------------------------+ H_PREV_OFF         u32 per page frame: list prev
//   +------------------------+ H_PAGEBLOCKS_OFF   one u8 per pageblock: migratetype, PB_MIGRATE_SKIP
//   +------------------------+ H_SCRATCH_OFF      workload scratch, grown on demand
//
// struct page, split into three arrays (10 bytes per page frame; "idx" = pfn - basePfn). The buddy
// test reads only the dense info array (2 bytes a page), so it stays in cache the way the kernel's
// PageBuddy/page_private test cannot; links are touched only by list operations:
//
//   info (u16)  order, state (STATE_*), migratetype of the list (free) or of the request (allocated):
//
//            1
//  5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0  bits
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  0  |M|  mt   |state|  order  |   order: ORDER_MASK; state, mt: >> STATE_SHIFT, MT_SHIFT & STATE_MASK, MT_MASK
// +-----+-+-------+-----+---------+   M: MOVABLE_BIT, an allocated head compaction may migrate
//
//   next (u32)  free head: next idx on its list (NIL at the end); allocated head: owner id
//   prev (u32)  free head: previous idx on its list (NIL at the head)
//
//   MOVABLE_BIT (allocated heads only): the block is on an LRU or has movable ops (PageLRU ||
//   page_has_movable_ops), so isolate_migratepages_block may take it. Set at allocation from the
//   request's migratetype (MOVABLE), changed by setMovable.
//
//   A page that is not the head of a block (a "tail") has info == 0: splits write the new heads,
//   merges clear the absorbed head, so "is this pfn a block head" is one load.

export const NIL: u32 = 0xffffffff;

// Eras (a profile in bindings/ selects one; only the rules that differ branch on it).
export const ERA_2_6_11: u32 = 0;
export const ERA_6_18: u32 = 1;
/** Linux 6.1 (6.1.141 read): 6.18's lists and pageblocks with 6.1's __rmqueue_fallback and
 *  steal_suitable_fallback, highatomic limits and free merging (page_alloc.ts, watermark.ts). */
export const ERA_6_1: u32 = 2;

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
export const MT_SLOTS: u32 = 1 << MT_SLOTS_SHIFT;

// Page states kept in the info word.
export const STATE_TAIL: u32 = 0; // not a block head (or never initialised)
export const STATE_FREE: u32 = 1; // PageBuddy head of a free block
export const STATE_ALLOC: u32 = 2; // head of an allocated block
export const STATE_RESERVED: u32 = 3; // PageReserved: present but never handed to the buddy allocator
export const STATE_HOLE: u32 = 4; // spanned but not present
export const STATE_PCP: u32 = 5; // head of a block on a per-CPU list (assembly/pcp.ts): neither free nor allocated
/** The info word of a page inside a block: makeInfo(0, STATE_TAIL, 0). */
export const TAIL_INFO: u32 = 0;

export const ORDER_MASK: u32 = 0x1f;
export const STATE_SHIFT: u32 = 5;
export const STATE_MASK: u32 = 0x7;
export const MT_SHIFT: u32 = 8;
export const MT_MASK: u32 = 0xf;
/** The info word's movable bit of an allocated head (compaction may migrate the block). */
export const MOVABLE_BIT: u32 = 1 << 12;
/** The order and state bits: what page_is_buddy compares (the list's migratetype does not matter). */
export const ORDER_STATE_MASK: u32 = (STATE_MASK << STATE_SHIFT) | ORDER_MASK;

export const MAX_ORDER_LIMIT: u32 = 16; // free_area slots per zone; MAX_ORDER itself is a parameter
export const MAX_NR_ZONES: u32 = 5; // DMA, DMA32, NORMAL, HIGHMEM, MOVABLE
export const MAX_NODES: u32 = 8;
export const MAX_ZONES: u32 = MAX_NODES * MAX_NR_ZONES;
export const MAX_PAGES: u32 = 1 << 24; // 64 GiB of 4 KiB pages
/** Metadata bytes per page frame: u16 info + u32 next + u32 prev. */
export const PAGE_META_BYTES: u32 = 10;

// ---- the machine header: every value the engine keeps between calls ----
//
//    3                   2                   1
//  1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0  bits
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                 initialised: machineInit ran                  |     0  H_INITIALISED
// +---------------------------------------------------------------+
// |                  era: ERA_2_6_11 or ERA_6_18                  |     4  H_ERA
// +---------------------------------------------------------------+
// |           MAX_ORDER (exclusive), <= MAX_ORDER_LIMIT           |     8  H_MAX_ORDER
// +---------------------------------------------------------------+
// |                        pageblock_order                        |    12  H_PAGEBLOCK_ORDER
// +---------------------------------------------------------------+
// |                 page frames (idx 0 = basePfn)                 |    16  H_NR_PAGES
// +---------------------------------------------------------------+
// |                page_group_by_mobility_disabled                |    20  H_MOBILITY_DISABLED
// +---------------------------------------------------------------+
// |                   vm.watermark_boost_factor                   |    24  H_BOOST_FACTOR
// +---------------------------------------------------------------+
// |      zone slot the last get_page_from_freelist served         |    28  H_LAST_ZONE_SLOT
// +---------------------------------------------------------------+
// |                 byte offset of the next array                 |    32  H_NEXT_OFF
// +---------------------------------------------------------------+
// |                 byte offset of the prev array                 |    36  H_PREV_OFF
// +---------------------------------------------------------------+
// |              byte offset of the pageblock array               |    40  H_PAGEBLOCKS_OFF
// +---------------------------------------------------------------+
// |                byte offset of workload scratch                |    44  H_SCRATCH_OFF
// +---------------------------------------------------------------+
// |   end of the memory written past the scratch offset (dirty)   |    48  H_DIRTY_END
// +---------------------------------------------------------------+
// |    byte offset of the per-CPU page lists (0: none, pcp.ts)    |    52  H_PCP_OFF
// +---------------------------------------------------------------+
// |                       spare (2 words)                         |    56
// +---------------------------------------------------------------+
// |      the churn benchmark's state (workload.ts), 128 bytes     |    64  H_CHURN
// +---------------------------------------------------------------+
//                                                                     192  HEADER_SIZE

export const H_INITIALISED: u32 = 0;
export const H_ERA: u32 = 4;
export const H_MAX_ORDER: u32 = 8; // exclusive, as MAX_ORDER in 2.6.11 .. 6.3 (6.18: NR_PAGE_ORDERS)
export const H_PAGEBLOCK_ORDER: u32 = 12;
export const H_NR_PAGES: u32 = 16;
export const H_MOBILITY_DISABLED: u32 = 20;
export const H_BOOST_FACTOR: u32 = 24;
export const H_LAST_ZONE_SLOT: u32 = 28;
export const H_NEXT_OFF: u32 = 32;
export const H_PREV_OFF: u32 = 36;
export const H_PAGEBLOCKS_OFF: u32 = 40;
export const H_SCRATCH_OFF: u32 = 44;
/** The churn's live set and compaction's move log lie past the scratch offset; machineReset clears
 *  up to here so that the next machine on a pooled instance starts from zeros. */
export const H_DIRTY_END: u32 = 48;
/** Where pcpInit put the per-CPU page lists (assembly/pcp.ts); 0 while the machine has none. */
export const H_PCP_OFF: u32 = 52;
export const H_CHURN: u32 = 64;
export const CHURN_STATE_SIZE: u32 = 128;
export const HEADER_SIZE: u32 = H_CHURN + CHURN_STATE_SIZE;

// ---- zone records (struct zone), u32 fields ----
//
//    3                   2                   1
//  1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0  bits
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |               start (zone_start_pfn - basePfn)                |     0  Z_START
// +---------------------------------------------------------------+
// |                  end (start + spanned_pages)                  |     4  Z_END
// +---------------------------------------------------------------+
// |                         present_pages                         |     8  Z_PRESENT
// +---------------------------------------------------------------+
// |                         managed_pages                         |    12  Z_MANAGED
// +---------------------------------------------------------------+
// |           buddy index origin: 2.6.11 start, 0 after           |    16  Z_ALIGN_BASE
// +---------------------------------------------------------------+
// |              zone type: ZONE_DMA .. ZONE_MOVABLE              |    20  Z_TYPE
// +---------------------------------------------------------------+
// |                             node                              |    24  Z_NODE
// +---------------------------------------------------------------+
// |                    populated: zoneInit ran                    |    28  Z_POPULATED
// +---------------------------------------------------------------+
// |                         NR_FREE_PAGES                         |    32  Z_FREE_PAGES
// +---------------------------------------------------------------+
// |                       NR_FREE_CMA_PAGES                       |    36  Z_FREE_CMA
// +---------------------------------------------------------------+
// |                    nr_reserved_highatomic                     |    40  Z_RESERVED_HIGHATOMIC
// +---------------------------------------------------------------+
// |                      nr_free_highatomic                       |    44  Z_FREE_HIGHATOMIC
// +---------------------------------------------------------------+
// |  _watermark[WMARK_MIN .. WMARK_PROMO], without boost: 4 words |    48  Z_WMARK
// +---------------------------------------------------------------+
// |                        watermark_boost                        |    64  Z_BOOST
// +---------------------------------------------------------------+
// |  flags: ZONE_BOOSTED_WATERMARK, _RECLAIM_ACTIVE, _BELOW_HIGH  |    68  Z_FLAGS
// +---------------------------------------------------------------+
// |           times boost_watermark() raised the boost            |    72  Z_BOOST_EVENTS
// +---------------------------------------------------------------+
// |    allocations served from another migratetype's pageblock    |    76  Z_FALLBACKS
// +---------------------------------------------------------------+
// |            lowmem_reserve[MAX_NR_ZONES]: 5 words              |    80  Z_LOWMEM_RESERVE
// +---------------------------------------------------------------+
// |  fallbacks from a block below pageblock order (fragmenting)   |   100  Z_FALLBACKS_FRAGMENTING
// +---------------------------------------------------------------+
// |    compact_cached_migrate_pfn[0] (async), idx; NIL: unset     |   104  Z_CC_MIGRATE_ASYNC
// +---------------------------------------------------------------+
// |    compact_cached_migrate_pfn[1] (sync), idx; NIL: unset      |   108  Z_CC_MIGRATE_SYNC
// +---------------------------------------------------------------+
// |          compact_cached_free_pfn, idx; NIL: unset             |   112  Z_CC_FREE
// +---------------------------------------------------------------+
// |          compact_init_migrate_pfn, idx; NIL: unset            |   116  Z_CC_INIT_MIGRATE
// +---------------------------------------------------------------+
// |           compact_init_free_pfn, idx; NIL: unset              |   120  Z_CC_INIT_FREE
// +---------------------------------------------------------------+
// |                  compact_blockskip_flush                      |   124  Z_CC_BLOCKSKIP_FLUSH
// +---------------------------------------------------------------+
// |        free_area[order].nr_free: MAX_ORDER_LIMIT words        |   128  Z_NR_FREE
// +---------------------------------------------------------------+
// |             free_list[0][0] head idx (NIL: empty)             |   192  Z_LISTS
// +---------------------------------------------------------------+
// |                   free_list[0][0] tail idx                    |   196
// +---------------------------------------------------------------+
// |   free_list[order][mt] (head, tail) at 8 x (8 x order + mt)   |   200
// |          ... up to free_list[MAX_ORDER_LIMIT - 1][7]          |
// +---------------------------------------------------------------+
//                                                                    1216  ZONE_SIZE

export const Z_START: u32 = 0;
export const Z_END: u32 = 4;
export const Z_PRESENT: u32 = 8;
export const Z_MANAGED: u32 = 12;
export const Z_ALIGN_BASE: u32 = 16; // 2.6.11 indexes buddies from zone->zone_mem_map, later kernels from pfn 0
export const Z_TYPE: u32 = 20;
export const Z_NODE: u32 = 24;
export const Z_POPULATED: u32 = 28;
export const Z_FREE_PAGES: u32 = 32;
export const Z_FREE_CMA: u32 = 36;
export const Z_RESERVED_HIGHATOMIC: u32 = 40;
export const Z_FREE_HIGHATOMIC: u32 = 44;
export const Z_WMARK: u32 = 48; // 4 x u32, indexed by WMARK_*
export const Z_BOOST: u32 = 64;
export const Z_FLAGS: u32 = 68;
export const Z_BOOST_EVENTS: u32 = 72;
export const Z_FALLBACKS: u32 = 76;
export const Z_LOWMEM_RESERVE: u32 = 80; // MAX_NR_ZONES x u32
// mm_page_alloc_extfrag's fragmenting (include/trace/events/kmem.h, 6.18): fallback_order < pageblock_order
export const Z_FALLBACKS_FRAGMENTING: u32 = 100;
// struct zone's compaction fields (include/linux/mmzone.h 6.18), in idx units. The kernel boots them
// at pfn 0, below every zone that does not start at pfn 0; oomlab boots them at NIL ("unset"), which
// compact_zone's range checks treat the same way.
export const Z_CC_MIGRATE_ASYNC: u32 = 104;
export const Z_CC_MIGRATE_SYNC: u32 = 108;
export const Z_CC_FREE: u32 = 112;
export const Z_CC_INIT_MIGRATE: u32 = 116;
export const Z_CC_INIT_FREE: u32 = 120;
export const Z_CC_BLOCKSKIP_FLUSH: u32 = 124;
export const Z_NR_FREE: u32 = 128; // MAX_ORDER_LIMIT x u32
export const Z_LISTS: u32 = Z_NR_FREE + MAX_ORDER_LIMIT * 4; // MAX_ORDER_LIMIT x MT_SLOTS x (head, tail)
export const LIST_HEAD: u32 = 0; // byte offsets in a (head, tail) pair
export const LIST_TAIL: u32 = 4;
export const ZONE_SIZE: u32 = Z_LISTS + (MAX_ORDER_LIMIT << MT_SLOTS_SHIFT) * 8;

export const WMARK_MIN: u32 = 0;
export const WMARK_LOW: u32 = 1;
export const WMARK_HIGH: u32 = 2;
export const WMARK_PROMO: u32 = 3;

export const ZONE_BOOSTED_WATERMARK: u32 = 1;
// enum zone_flags bits the per-CPU lists read (include/linux/mmzone.h 6.18; oomlab's own bit values)
export const ZONE_RECLAIM_ACTIVE: u32 = 2; // kswapd may be scanning the zone
export const ZONE_BELOW_HIGH: u32 = 4; // the zone is below its high watermark

// ---- zonelists: [highest_zoneidx, count, slot...] bytes, the order get_page_from_freelist tries ----
//
//    3                   2                   1
//  1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0  bits
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |    slot 1     |    slot 0     |     count     |    highest    |     0  ZL_HIGHEST, ZL_COUNT, ZL_SLOTS
// +---------------+---------------+---------------+---------------+
// |    slot 5     |    slot 4     |    slot 3     |    slot 2     |     4
// +---------------+---------------+---------------+---------------+
// |    slot 61    |    slot 60    |    slot 59    |    slot 58    |    60
// +---------------+---------------+---------------+---------------+
//                                                                      64  ZONELIST_SIZE
//
// zonelistSet() reads the same bytes from the start of the IO buffer.

export const ZL_HIGHEST: u32 = 0; // highest_zoneidx (the class zone of lowmem_reserve)
export const ZL_COUNT: u32 = 1;
export const ZL_SLOTS: u32 = 2;
export const MAX_ZONELISTS: u32 = 128; // 8 nodes x 5 classes, plus 40 one-zone lists
export const ZONELIST_SIZE: u32 = 64;

export const IO_BYTES: u32 = 1 << 16;

// ---- memory ----

/** Bytes of the fixed tables: header, zone records, zonelists, IO buffer (all multiples of 64). */
export const TABLES_BYTES: u32 = HEADER_SIZE + MAX_ZONES * ZONE_SIZE + MAX_ZONELISTS * ZONELIST_SIZE + IO_BYTES;

// Where the tables are: from __heap_base (the end of the static data) rounded up to a cache line.
// Functions rather than constants: a global initialised from __heap_base would be a mutable global
// set at start, while in a function body it folds to a constant address.

// @ts-ignore: decorator
@inline export function headerOff(): usize {
  return (__heap_base + 63) & ~(<usize>63);
}
// @ts-ignore: decorator
@inline export function zonesOff(): usize {
  return headerOff() + <usize>HEADER_SIZE;
}
// @ts-ignore: decorator
@inline export function zonelistsOff(): usize {
  return zonesOff() + <usize>(MAX_ZONES * ZONE_SIZE);
}
// @ts-ignore: decorator
@inline export function ioOff(): usize {
  return zonelistsOff() + <usize>(MAX_ZONELISTS * ZONELIST_SIZE);
}
/** The info array, first of the per-page arrays, right after the tables. */
// @ts-ignore: decorator
@inline export function infoOff(): usize {
  return headerOff() + <usize>TABLES_BYTES;
}

/** A u32 field of the machine header. */
// @ts-ignore: decorator
@inline export function hget(off: u32): u32 {
  return load<u32>(headerOff() + <usize>off);
}
// @ts-ignore: decorator
@inline export function hset(off: u32, v: u32): void {
  store<u32>(headerOff() + <usize>off, v);
}

// @ts-ignore: decorator
@inline export function era(): u32 {
  return hget(H_ERA);
}
// @ts-ignore: decorator
@inline export function maxOrder(): u32 {
  return hget(H_MAX_ORDER);
}
// @ts-ignore: decorator
@inline export function pageblockOrder(): u32 {
  return hget(H_PAGEBLOCK_ORDER);
}
// @ts-ignore: decorator
@inline export function nrPages(): u32 {
  return hget(H_NR_PAGES);
}
// @ts-ignore: decorator
@inline export function mobilityDisabled(): bool {
  return hget(H_MOBILITY_DISABLED) != 0;
}
// @ts-ignore: decorator
@inline export function watermarkBoostFactor(): u32 {
  return hget(H_BOOST_FACTOR);
}
// @ts-ignore: decorator
@inline export function scratchOff(): usize {
  return <usize>hget(H_SCRATCH_OFF);
}

/** Records that memory up to end was written past the scratch offset (see H_DIRTY_END). */
export function markDirty(end: usize): void {
  if (<u32>end > hget(H_DIRTY_END)) hset(H_DIRTY_END, <u32>end);
}

/** Grows linear memory so that [0, end) is addressable; false if the host refuses. */
export function ensureMemory(end: usize): bool {
  const have = (<usize>memory.size()) << 16;
  if (end <= have) return true;
  const pages = <i32>((end - have + 0xffff) >> 16);
  return memory.grow(pages) >= 0;
}

/** Sets the machine parameters and lays out the per-page arrays after the static data. */
export function configureMachine(
  eraV: u32, maxOrderV: u32, pbOrder: u32, pages: u32, mobilityOff: bool, boostFactor: u32,
): void {
  hset(H_ERA, eraV);
  hset(H_MAX_ORDER, maxOrderV);
  hset(H_PAGEBLOCK_ORDER, pbOrder);
  hset(H_NR_PAGES, pages);
  hset(H_MOBILITY_DISABLED, mobilityOff ? 1 : 0);
  hset(H_BOOST_FACTOR, boostFactor);
  const next = (infoOff() + (<usize>pages << 1) + 63) & ~(<usize>63);
  const prev = next + (<usize>pages << 2);
  const pageblocks = prev + (<usize>pages << 2);
  const nrBlocks = ((<usize>pages - 1) >> pbOrder) + 1;
  hset(H_NEXT_OFF, <u32>next);
  hset(H_PREV_OFF, <u32>prev);
  hset(H_PAGEBLOCKS_OFF, <u32>pageblocks);
  hset(H_SCRATCH_OFF, <u32>((pageblocks + nrBlocks + 63) & ~(<usize>63)));
}

// ---- struct page accessors ----

// @ts-ignore: decorator
@inline export function pageInfo(idx: u32): u32 {
  return <u32>load<u16>(infoOff() + ((<usize>idx) << 1));
}
// @ts-ignore: decorator
@inline export function setPageInfo(idx: u32, info: u32): void {
  store<u16>(infoOff() + ((<usize>idx) << 1), <u16>info);
}
// @ts-ignore: decorator
@inline export function pageNext(idx: u32): u32 {
  return load<u32>(<usize>hget(H_NEXT_OFF) + ((<usize>idx) << 2));
}
// @ts-ignore: decorator
@inline export function setPageNext(idx: u32, v: u32): void {
  store<u32>(<usize>hget(H_NEXT_OFF) + ((<usize>idx) << 2), v);
}
// @ts-ignore: decorator
@inline export function pagePrev(idx: u32): u32 {
  return load<u32>(<usize>hget(H_PREV_OFF) + ((<usize>idx) << 2));
}
// @ts-ignore: decorator
@inline export function setPagePrev(idx: u32, v: u32): void {
  store<u32>(<usize>hget(H_PREV_OFF) + ((<usize>idx) << 2), v);
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

// ---- pageblock flags (include/linux/pageblock-flags.h: get/set_pageblock_migratetype, PB_migrate_skip) ----
//
//   7 6 5 4 3 2 1 0  bits of a pageblock's byte
//  +-+-----+-------+
//  |S|  0  |  mt   |   mt: PB_MT_MASK; S: PB_MIGRATE_SKIP (compaction's skip hint)
//  +-+-----+-------+

export const PB_MT_MASK: u32 = 0x0f;
export const PB_MIGRATE_SKIP: u32 = 0x80;

// @ts-ignore: decorator
@inline export function pageblockAddr(idx: u32): usize {
  return <usize>hget(H_PAGEBLOCKS_OFF) + <usize>(idx >> pageblockOrder());
}
// @ts-ignore: decorator
@inline export function pageblockMt(idx: u32): u32 {
  return <u32>load<u8>(pageblockAddr(idx)) & PB_MT_MASK;
}
// @ts-ignore: decorator
@inline export function setPageblockMtRaw(idx: u32, mt: u32): void {
  const a = pageblockAddr(idx);
  store<u8>(a, <u8>((<u32>load<u8>(a) & ~PB_MT_MASK) | mt));
}
/** get_pageblock_skip. */
// @ts-ignore: decorator
@inline export function pageblockSkip(idx: u32): bool {
  return (<u32>load<u8>(pageblockAddr(idx)) & PB_MIGRATE_SKIP) != 0;
}
/** set_pageblock_skip / clear_pageblock_skip. */
// @ts-ignore: decorator
@inline export function setPageblockSkip(idx: u32, skip: bool): void {
  const a = pageblockAddr(idx);
  const v = <u32>load<u8>(a) & ~PB_MIGRATE_SKIP;
  store<u8>(a, <u8>(skip ? v | PB_MIGRATE_SKIP : v));
}

/** set_pageblock_migratetype (mm/page_alloc.c 6.18): with mobility grouping disabled, every
 *  PCP type becomes UNMOVABLE. */
export function setPageblockMt(idx: u32, mt: u32): void {
  if (mobilityDisabled() && mt < MIGRATE_PCPTYPES) mt = MIGRATE_UNMOVABLE;
  setPageblockMtRaw(idx, mt);
}

/** change_pageblock_range (6.18): retag the 2^(order - pageblock_order) pageblocks of a block. */
export function changePageblockRange(idx: u32, order: u32, mt: u32): void {
  const pbOrder = pageblockOrder();
  let n: u32 = 1 << (order - pbOrder);
  const step: u32 = 1 << pbOrder;
  while (n--) {
    setPageblockMt(idx, mt);
    idx += step;
  }
}

// ---- zone accessors ----

// @ts-ignore: decorator
@inline export function zoneAddr(slot: u32): usize {
  return zonesOff() + <usize>(slot * ZONE_SIZE);
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
@inline export function nrFreeOff(order: u32): u32 {
  return Z_NR_FREE + (order << 2);
}
// @ts-ignore: decorator
@inline export function listHead(z: usize, order: u32, mt: u32): u32 {
  return load<u32>(listAddr(z, order, mt), LIST_HEAD);
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
    const t = load<u32>(l, LIST_TAIL);
    setPageNext(idx, NIL);
    setPagePrev(idx, t);
    if (t == NIL) store<u32>(l, idx, LIST_HEAD);
    else setPageNext(t, idx);
    store<u32>(l, idx, LIST_TAIL);
  } else {
    const h = load<u32>(l, LIST_HEAD);
    setPageNext(idx, h);
    setPagePrev(idx, NIL);
    if (h == NIL) store<u32>(l, idx, LIST_TAIL);
    else setPagePrev(h, idx);
    store<u32>(l, idx, LIST_HEAD);
  }
  setPageInfo(idx, makeInfo(order, STATE_FREE, mt));
  zadd(z, nrFreeOff(order), 1);
}

/** __del_page_from_free_list without account_freepages: list_del, clear PageBuddy, nr_free--.
 *  The page's info is cleared (it becomes a tail or is rewritten by the caller). */
// @ts-ignore: decorator
@inline export function delFromFreeList(z: usize, idx: u32, order: u32, mt: u32): void {
  const n = pageNext(idx);
  const v = pagePrev(idx);
  const l = listAddr(z, order, mt);
  if (v == NIL) store<u32>(l, n, LIST_HEAD);
  else setPageNext(v, n);
  if (n == NIL) store<u32>(l, v, LIST_TAIL);
  else setPagePrev(n, v);
  setPageInfo(idx, TAIL_INFO);
  zadd(z, nrFreeOff(order), -1);
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
