// The engine's exports. bindings/engine/wasm.ts declares the same functions (WasmExports) and is the
// only TypeScript module that touches WebAssembly; bindings/engine/abi.ts reads the constants below
// once per instance, so the TypeScript views never retype them.

export {
  machineInit, machineReset, zoneInit, zoneSetPageblocks, zonePopulate, zoneSetWatermarks, zoneSetLowmemReserve,
  zoneSetFreePages, zoneSetBoost, zonelistSet,
} from "./mm_init";
export {
  allocPages, freeBlock, setOwner, allocAllOrder0, freeRange, freeStrided, ownerWalk, batchRun, churnInit,
  churnPrefill, churnRun, churnDrain, churnStats,
} from "./workload";
export { checkInvariants } from "./debug";
import {
  zoneAddr, infoOff, hget, ioOff, zonesOff, headerOff, H_NEXT_OFF, H_PREV_OFF, H_PAGEBLOCKS_OFF, H_LAST_ZONE_SLOT,
  MAX_ZONES,
} from "./mmzone";
import { reserveHighatomicPageblock } from "./page_alloc";
import { zoneWatermarkOk2611, zoneWatermarkOk618, zoneWatermarkFast } from "./watermark";

// ---- the ABI: constants read by bindings/engine/abi.ts ----

// The page info word, page states, migratetypes, limits.
export {
  PAGE_META_BYTES, ORDER_MASK, STATE_SHIFT, STATE_MASK, MT_SHIFT, MT_MASK, STATE_TAIL, STATE_FREE, STATE_ALLOC,
  STATE_RESERVED, STATE_HOLE, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_HIGHATOMIC,
  MIGRATE_CMA, MIGRATE_ISOLATE, MIGRATE_TYPES, MT_SLOTS_SHIFT, MAX_ORDER_LIMIT, MAX_PAGES, MAX_NR_ZONES, MAX_NODES,
  MAX_ZONES, MAX_ZONELISTS, IO_BYTES, NIL, ERA_2_6_11, ERA_6_18,
} from "./mmzone";
// The zone record, its free lists, the zonelist record, the machine header.
export {
  Z_START, Z_END, Z_PRESENT, Z_MANAGED, Z_ALIGN_BASE, Z_TYPE, Z_NODE, Z_POPULATED, Z_FREE_PAGES, Z_FREE_CMA,
  Z_RESERVED_HIGHATOMIC, Z_FREE_HIGHATOMIC, Z_WMARK, Z_BOOST, Z_FLAGS, Z_BOOST_EVENTS, Z_FALLBACKS,
  Z_LOWMEM_RESERVE, Z_NR_FREE, Z_LISTS, LIST_HEAD, LIST_TAIL, ZONE_SIZE, WMARK_MIN, WMARK_LOW, WMARK_HIGH,
  WMARK_PROMO, ZL_HIGHEST, ZL_COUNT, ZL_SLOTS, ZONELIST_SIZE, HEADER_SIZE,
} from "./mmzone";
// Return codes, the batch record and its operations, the churn stats record, the invariant record.
export { E_OK, E_BAD_PARAM, E_TOO_BIG, E_NO_MEMORY, E_OVERLAP, E_BAD_ZONE } from "./mm_init";
export {
  E_NOT_ALLOCATED, E_OUT_OF_RANGE, E_BAD_ORDER, E_BAD_OP, OP_ALLOC, OP_FREE, OP_FREE_OWNER, BR_OP, BR_ARG,
  BR_OWNER, BR_RESULT, BATCH_RECORD_BYTES, BR_OP_SHIFT, BR_ORDER_SHIFT, BR_MT_SHIFT, BR_ZONELIST_SHIFT,
  BR_FIELD_MASK, CS_SUM, CS_HASH, CS_ALLOCS, CS_FREES, CS_FAILS, CS_CAP_FREES, CS_NOOPS, CS_LIVE_COUNT,
  CS_LIVE_PAGES, CS_FREE_PAGES, CS_NR_FREE,
} from "./workload";
export {
  CHECK_OK, CHECK_TAIL_AS_HEAD, CHECK_MISALIGNED, CHECK_OUTSIDE_ZONE, CHECK_OVERLAP, CHECK_LIST_LINK,
  CHECK_LIST_ENTRY, CHECK_NR_FREE, CHECK_FREE_PAGES, CHECK_UNMERGED, CHECK_PAGEBLOCK_MT, IR_CODE, IR_SLOT, IR_IDX,
  IR_DETAIL, INVARIANT_RECORD_BYTES,
} from "./debug";
// The ALLOC_* flags, checked against the TypeScript table (bindings/include/machine.ts AllocFlags) rather
// than trusted to match.
export {
  ALLOC_NO_WATERMARKS, ALLOC_OOM, ALLOC_NON_BLOCK, ALLOC_MIN_RESERVE, ALLOC_CPUSET, ALLOC_CMA, ALLOC_NOFRAGMENT,
  ALLOC_HIGHATOMIC, ALLOC_KSWAPD,
} from "./internal";

// ---- where the records are (fixed once machineInit has run) ----

export function headerPtr(): usize {
  return headerOff();
}
export function ioPtr(): usize {
  return ioOff();
}
export function zonesPtr(): usize {
  return zonesOff();
}
export function infoPtr(): usize {
  return infoOff();
}
export function nextPtr(): usize {
  return <usize>hget(H_NEXT_OFF);
}
export function prevPtr(): usize {
  return <usize>hget(H_PREV_OFF);
}
export function pageblocksPtr(): usize {
  return <usize>hget(H_PAGEBLOCKS_OFF);
}
export function lastZone(): u32 {
  return hget(H_LAST_ZONE_SLOT);
}

/** zone_watermark_ok (mm/page_alloc.c, 2.6.11), on a zone slot. */
export function watermarkOk2611(
  slot: u32, order: u32, mark: u32, classzoneIdx: u32, canTryHarder: bool, gfpHigh: bool,
): bool {
  return slot < MAX_ZONES && zoneWatermarkOk2611(zoneAddr(slot), order, mark, classzoneIdx, canTryHarder, gfpHigh);
}

/** __zone_watermark_ok (mm/page_alloc.c, 6.18), on a zone slot. */
export function watermarkOk618(slot: u32, order: u32, mark: u32, highestZoneidx: u32, allocFlags: u32): bool {
  return slot < MAX_ZONES && zoneWatermarkOk618(zoneAddr(slot), order, mark, highestZoneidx, allocFlags);
}

/** zone_watermark_fast (mm/page_alloc.c, 6.18), on a zone slot. */
export function watermarkFast618(slot: u32, order: u32, mark: u32, highestZoneidx: u32, allocFlags: u32): bool {
  return slot < MAX_ZONES && zoneWatermarkFast(zoneAddr(slot), order, mark, highestZoneidx, allocFlags);
}

export function reserveHighatomic(slot: u32, idx: u32, order: u32): void {
  reserveHighatomicPageblock(zoneAddr(slot), idx, order);
}
