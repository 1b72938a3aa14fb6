// The engine's exports. bindings/wasm.ts declares the same names (WasmExports) and is the only
// TypeScript module that touches WebAssembly.

export {
  machineInit, machineReset, zoneInit, zoneSetPageblocks, zonePopulate, zoneSetWatermarks, zoneSetLowmemReserve,
  zoneSetFreePages, zoneSetBoost, zonelistSet,
} from "./mm_init";
export { allocPages, freeBlock, setOwner, allocAllOrder0, freeRange, freeStrided, ownerWalk, batchRun, churnInit, churnPrefill, churnRun, churnDrain, churnStats } from "./workload";
export { checkInvariants } from "./debug";
import { zoneAddr, IO_OFF, INFO_OFF, NEXT_OFF, PREV_OFF, PAGEBLOCKS_OFF, ZONES_OFF, MAX_ZONES } from "./mmzone";
import { lastZoneSlot, reserveHighatomicPageblock } from "./page_alloc";
import { zoneWatermarkOk2611 as wmok2611, zoneWatermarkOk618 as wmok618, zoneWatermarkFast as wmfast } from "./watermark";

// Layout constants, read once by bindings/wasm.ts so the TypeScript views never retype them.
export {
  PAGE_META_BYTES, ORDER_MASK, STATE_SHIFT, STATE_MASK, MT_SHIFT, MT_MASK,
  Z_START, Z_END, Z_PRESENT, Z_MANAGED, Z_TYPE, Z_NODE, Z_POPULATED, Z_FREE_PAGES, Z_FREE_CMA,
  Z_RESERVED_HIGHATOMIC, Z_FREE_HIGHATOMIC, Z_WMARK, Z_BOOST, Z_FLAGS, Z_BOOST_EVENTS, Z_FALLBACKS,
  Z_LOWMEM_RESERVE, Z_NR_FREE, Z_LISTS, ZONE_SIZE, MT_SLOTS_SHIFT, MAX_ORDER_LIMIT, MAX_PAGES,
  MAX_ZONES, MAX_ZONELISTS, IO_BYTES, NIL,
} from "./mmzone";

export function ioPtr(): usize {
  return IO_OFF;
}
export function zonesPtr(): usize {
  return ZONES_OFF;
}
export function infoPtr(): usize {
  return INFO_OFF;
}
export function nextPtr(): usize {
  return NEXT_OFF;
}
export function prevPtr(): usize {
  return PREV_OFF;
}
export function pageblocksPtr(): usize {
  return PAGEBLOCKS_OFF;
}
export function lastZone(): u32 {
  return lastZoneSlot;
}

/** zone_watermark_ok as in 2.6.11 (§3.1), on a zone slot. */
export function watermarkOk2611(slot: u32, order: u32, mark: u32, classzoneIdx: u32, canTryHarder: bool, gfpHigh: bool): bool {
  return slot < MAX_ZONES && wmok2611(zoneAddr(slot), order, mark, classzoneIdx, canTryHarder, gfpHigh);
}

/** __zone_watermark_ok as in 6.18 (§3.3), on a zone slot. */
export function watermarkOk618(slot: u32, order: u32, mark: u32, highestZoneidx: u32, allocFlags: u32): bool {
  return slot < MAX_ZONES && wmok618(zoneAddr(slot), order, mark, highestZoneidx, allocFlags);
}

/** zone_watermark_fast as in 6.18, on a zone slot. */
export function watermarkFast618(slot: u32, order: u32, mark: u32, highestZoneidx: u32, allocFlags: u32): bool {
  return slot < MAX_ZONES && wmfast(zoneAddr(slot), order, mark, highestZoneidx, allocFlags);
}

export function reserveHighatomic(slot: u32, idx: u32, order: u32): void {
  reserveHighatomicPageblock(zoneAddr(slot), idx, order);
}

// The ALLOC_* flags, exported so the TypeScript table (bindings/types.ts AllocFlags) is checked
// against the engine's (test/engine.test.ts) rather than trusted to match.
export {
  ALLOC_NO_WATERMARKS, ALLOC_OOM, ALLOC_NON_BLOCK, ALLOC_MIN_RESERVE, ALLOC_CPUSET, ALLOC_CMA, ALLOC_NOFRAGMENT,
  ALLOC_HIGHATOMIC, ALLOC_KSWAPD,
} from "./internal";
