// mm_init: building the machine. Models mm/mm_init.c (memmap_init_range marks every pageblock
// MOVABLE; memblock_free_pages -> __free_pages_core frees boot memory in the largest aligned chunks
// to the TAIL of the free lists, FPI_TO_TAIL, 6.18) and zone geometry (spanned/present/managed).
//
// Within a zone's span [start, start + spanned), oomlab places the pages that are not present (holes)
// at the end and the present-but-unmanaged pages (memblock reservations: kernel image, memmap) at the
// start. Both are never handed to the buddy allocator.
//
// 2.6.11 freed boot memory through free_all_bootmem_core and __free_page (order 0, via the per-CPU
// lists); oomlab does not replay that order: both eras start with every list ascending by pfn from
// its head, which is what 6.18 produces and what the churn benchmark specifies.

import {
  ERA_2_6_11, ERA_6_1, MAX_PAGES, MAX_ZONES, MAX_NR_ZONES, MAX_NODES, MAX_ORDER_LIMIT, MIGRATE_MOVABLE, MIGRATE_TYPES,
  STATE_RESERVED, STATE_HOLE, MAX_ZONELISTS, ZONELIST_SIZE, ZL_HIGHEST, ZL_COUNT, ZL_SLOTS, ioOff, zonelistsOff,
  Z_START, Z_END, Z_PRESENT, Z_MANAGED, Z_ALIGN_BASE, Z_TYPE, Z_NODE, Z_POPULATED, Z_WMARK, Z_LOWMEM_RESERVE,
  Z_BOOST, ZONE_SIZE, Z_CC_MIGRATE_ASYNC, Z_CC_INIT_FREE, NIL, Z_LISTS, Z_FREE_PAGES, WMARK_MIN, WMARK_LOW,
  WMARK_HIGH, WMARK_PROMO, H_INITIALISED, H_DIRTY_END, TABLES_BYTES, headerOff, era, maxOrder, pageblockOrder,
  nrPages, scratchOff, infoOff, hget, hset,
  ensureMemory, configureMachine, zoneAddr, zget, zset, makeInfo, setPageInfo, pageblockMt, setPageblockMtRaw,
} from "./mmzone";
import { freeOnePage } from "./page_alloc";

export const E_OK: i32 = 0;
export const E_BAD_PARAM: i32 = -1;
export const E_TOO_BIG: i32 = -2;
export const E_NO_MEMORY: i32 = -3;
export const E_OVERLAP: i32 = -4;
export const E_BAD_ZONE: i32 = -5;

/** Clears the machine this instance held (header, tables and page arrays; the header's
 *  H_INITIALISED too) so that machineInit can run again: instances are pooled and reused rather
 *  than recompiled and reinstantiated. */
export function machineReset(): void {
  if (!tablesAddressable() || !hget(H_INITIALISED)) return;
  let end = scratchOff();
  if (<usize>hget(H_DIRTY_END) > end) end = <usize>hget(H_DIRTY_END);
  // nothing past the end of memory was written (a dirty mark there must not trap the reset)
  const have = (<usize>memory.size()) << 16;
  if (end > have) end = have;
  memory.fill(headerOff(), 0, end - headerOff());
}

/** Whether linear memory reaches past the tables (not before the first machineInit). */
function tablesAddressable(): bool {
  return ((<usize>memory.size()) << 16) >= infoOff();
}

/** Lays out a machine of nrPages page frames (idx 0 = basePfn, aligned by the caller to the largest
 *  block). One machine per instance. */
export function machineInit(
  eraV: u32, maxOrderV: u32, pbOrder: u32, pages: u32, mobilityOff: bool, boostFactor: u32,
): i32 {
  if (!ensureMemory(infoOff())) return E_NO_MEMORY;
  if (hget(H_INITIALISED)) return E_BAD_PARAM;
  if (maxOrderV < 1 || maxOrderV > MAX_ORDER_LIMIT || pbOrder >= maxOrderV || eraV > ERA_6_1) return E_BAD_PARAM;
  if (pages == 0 || pages > MAX_PAGES) return E_TOO_BIG;
  configureMachine(eraV, maxOrderV, pbOrder, pages, mobilityOff, boostFactor);
  // A fresh instance's memory is zero (WebAssembly zero-fills it), and machineInit runs once per
  // instance: no need to clear the tables.
  if (!ensureMemory(scratchOff())) return E_NO_MEMORY;
  hset(H_INITIALISED, 1);
  return E_OK;
}

/** Defines a zone: idx range, present and managed pages, the buddy alignment origin. Every
 *  pageblock starts MOVABLE in 6.18 (memmap_init_range); 2.6.11 has no pageblock types. */
export function zoneInit(slot: u32, node: u32, type: u32, start: u32, spanned: u32, present: u32, managed: u32): i32 {
  if (!hget(H_INITIALISED)) return E_BAD_PARAM;
  if (slot >= MAX_ZONES || node >= MAX_NODES || type >= MAX_NR_ZONES) return E_BAD_ZONE;
  if (spanned == 0 || present > spanned || managed > present) return E_BAD_ZONE;
  if (<u64>start + <u64>spanned > <u64>nrPages()) return E_TOO_BIG;
  const z = zoneAddr(slot);
  if (zget(z, Z_POPULATED)) return E_BAD_ZONE;
  for (let s: u32 = 0; s < MAX_ZONES; s++) {
    const o = zoneAddr(s);
    if (!zget(o, Z_POPULATED)) continue;
    if (start < zget(o, Z_END) && zget(o, Z_START) < start + spanned) return E_OVERLAP;
  }
  memory.fill(z + <usize>Z_LISTS, 0xff, ZONE_SIZE - Z_LISTS); // every list empty: head = tail = NIL
  zset(z, Z_START, start);
  zset(z, Z_END, start + spanned);
  zset(z, Z_PRESENT, present);
  zset(z, Z_MANAGED, managed);
  zset(z, Z_ALIGN_BASE, era() != ERA_2_6_11 ? 0 : start);
  zset(z, Z_TYPE, type);
  zset(z, Z_NODE, node);
  zset(z, Z_POPULATED, 1);
  // compaction's cached scanner positions: unset (see Z_CC_MIGRATE_ASYNC in mmzone.ts)
  for (let off = Z_CC_MIGRATE_ASYNC; off <= Z_CC_INIT_FREE; off += 4) zset(z, off, NIL);
  const reserved = present - managed;
  for (let i: u32 = 0; i < reserved; i++) setPageInfo(start + i, makeInfo(0, STATE_RESERVED, 0));
  for (let i = start + present; i < start + spanned; i++) setPageInfo(i, makeInfo(0, STATE_HOLE, 0));
  if (era() != ERA_2_6_11) {
    const step: u32 = 1 << pageblockOrder();
    for (let p = start & ~(step - 1); p < start + spanned; p += step) setPageblockMtRaw(p, MIGRATE_MOVABLE);
  }
  return E_OK;
}

/** Tags count pageblocks from idx with a migratetype before the zone is populated (CMA areas:
 *  init_cma_reserved_pageblock). */
export function zoneSetPageblocks(slot: u32, idx: u32, count: u32, mt: u32): i32 {
  const z = zoneAddr(slot);
  if (slot >= MAX_ZONES || !zget(z, Z_POPULATED) || mt >= MIGRATE_TYPES) return E_BAD_ZONE;
  const pbOrder = pageblockOrder();
  const step: u32 = 1 << pbOrder;
  if (idx & (step - 1)) return E_BAD_PARAM;
  const end = <u64>idx + (<u64>count << pbOrder);
  if (idx < zget(z, Z_START) || end > <u64>zget(z, Z_END)) return E_BAD_PARAM;
  for (let i: u32 = 0; i < count; i++) setPageblockMtRaw(idx + (i << pbOrder), mt);
  return E_OK;
}

/** Frees the managed range into the buddy lists: memblock_free_pages -> __free_pages_core ->
 *  __free_pages_ok(FPI_TO_TAIL); blocks above pageblock_order go pageblock by pageblock
 *  (split_large_buddy) and merge back. */
export function zonePopulate(slot: u32): i32 {
  const z = zoneAddr(slot);
  if (slot >= MAX_ZONES || !zget(z, Z_POPULATED)) return E_BAD_ZONE;
  const start = zget(z, Z_START);
  const base = zget(z, Z_ALIGN_BASE);
  let p = start + (zget(z, Z_PRESENT) - zget(z, Z_MANAGED));
  const end = start + zget(z, Z_PRESENT);
  while (p < end) {
    let order = maxOrder() - 1;
    const rel = p - base;
    if (rel != 0) {
      const tz = <u32>ctz(rel);
      if (tz < order) order = tz;
    }
    while (p + (<u32>1 << order) > end) order--;
    freeCore(z, p, order);
    p += 1 << order;
  }
  return E_OK;
}

function freeCore(z: usize, idx: u32, order: u32): void {
  const pbOrder = pageblockOrder();
  // 6.1 frees boot memory in MAX_ORDER - 1 chunks of one (MOVABLE) type and CMA a pageblock at a
  // time (memblock_free_pages, init_cma_reserved_pageblock): the same free lists as 6.18's split.
  if (era() == ERA_2_6_11 || order <= pbOrder) {
    freeOnePage(z, idx, order, era() != ERA_2_6_11 ? pageblockMt(idx) : 0, true);
    return;
  }
  const step: u32 = 1 << pbOrder;
  const end = idx + (<u32>1 << order);
  for (let p = idx; p < end; p += step) freeOnePage(z, p, pbOrder, pageblockMt(p), true);
}

/** Watermarks (pages, without boost) and lowmem_reserve, computed in TypeScript per era. */
export function zoneSetWatermarks(slot: u32, min: u32, low: u32, high: u32, promo: u32): i32 {
  const z = zoneAddr(slot);
  if (slot >= MAX_ZONES || !zget(z, Z_POPULATED)) return E_BAD_ZONE;
  zset(z, Z_WMARK + (WMARK_MIN << 2), min);
  zset(z, Z_WMARK + (WMARK_LOW << 2), low);
  zset(z, Z_WMARK + (WMARK_HIGH << 2), high);
  zset(z, Z_WMARK + (WMARK_PROMO << 2), promo);
  return E_OK;
}

export function zoneSetLowmemReserve(slot: u32, idx: u32, pages: u32): i32 {
  const z = zoneAddr(slot);
  if (slot >= MAX_ZONES || idx >= MAX_NR_ZONES || !zget(z, Z_POPULATED)) return E_BAD_ZONE;
  zset(z, Z_LOWMEM_RESERVE + (idx << 2), pages);
  return E_OK;
}

/** Sets NR_FREE_PAGES without touching the free lists: a rebuilt zone whose counter a report printed
 *  at another moment than its free lists (show_free_areas prints the zone line first). Only the
 *  watermark checks read it then; the caller puts the lists' own count back (checkInvariants would
 *  report the difference). */
export function zoneSetFreePages(slot: u32, pages: u32): i32 {
  const z = zoneAddr(slot);
  if (slot >= MAX_ZONES || !zget(z, Z_POPULATED)) return E_BAD_ZONE;
  zset(z, Z_FREE_PAGES, pages);
  return E_OK;
}

export function zoneSetBoost(slot: u32, pages: u32): i32 {
  const z = zoneAddr(slot);
  if (slot >= MAX_ZONES || !zget(z, Z_POPULATED)) return E_BAD_ZONE;
  zset(z, Z_BOOST, pages);
  return E_OK;
}

/** Registers zonelist id from the IO buffer, in the zonelist layout: [highest_zoneidx, n, slot0 ..
 *  slotn-1] (bytes). */
export function zonelistSet(id: u32): i32 {
  if (id >= MAX_ZONELISTS) return E_BAD_PARAM;
  const n = <u32>load<u8>(ioOff() + <usize>ZL_COUNT);
  if (ZL_SLOTS + n > ZONELIST_SIZE || <u32>load<u8>(ioOff() + <usize>ZL_HIGHEST) >= MAX_NR_ZONES) return E_BAD_PARAM;
  for (let i: u32 = 0; i < n; i++) {
    const s = <u32>load<u8>(ioOff() + <usize>(ZL_SLOTS + i));
    if (s >= MAX_ZONES || !zget(zoneAddr(s), Z_POPULATED)) return E_BAD_ZONE;
  }
  memory.copy(zonelistsOff() + <usize>(id * ZONELIST_SIZE), ioOff(), ZL_SLOTS + n);
  return E_OK;
}

