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
export { pcpInit, pcpZoneSet, pcpSetCpu, pcpSetReclaimActive, pcpDecayHigh } from "./pcp";
import { pcpEnabled, pcpCpus, pcpAddr, pcpDrainAll } from "./pcp";
import { compactZone as compactZonePass, resetIsolationSuitable } from "./compaction";
import {
  MOVABLE_BIT, STATE_ALLOC, MAX_ZONES as ZONES, Z_POPULATED, Z_CC_BLOCKSKIP_FLUSH, nrPages, pageInfo, setPageInfo,
  infoState, setPageblockSkip, zget, zset,
} from "./mmzone";
import { E_OK as OK, E_BAD_ZONE as BAD_ZONE } from "./mm_init";
import { E_NOT_ALLOCATED as NOT_ALLOCATED } from "./workload";
import {
  zoneAddr, infoOff, hget, ioOff, zonesOff, headerOff, H_NEXT_OFF, H_PREV_OFF, H_PAGEBLOCKS_OFF, H_LAST_ZONE_SLOT,
  MAX_ZONES,
} from "./mmzone";
import { reserveHighatomicPageblock, unreserveHighatomicPageblock } from "./page_alloc";
import { zoneWatermarkOk2611, zoneWatermarkOk618, zoneWatermarkFast } from "./watermark";

// ---- the ABI: constants read by bindings/engine/abi.ts ----

// The page info word, page states, migratetypes, limits.
export {
  PAGE_META_BYTES, ORDER_MASK, STATE_SHIFT, STATE_MASK, MT_SHIFT, MT_MASK, STATE_TAIL, STATE_FREE, STATE_ALLOC,
  STATE_RESERVED, STATE_HOLE, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_HIGHATOMIC,
  MIGRATE_CMA, MIGRATE_ISOLATE, MIGRATE_TYPES, MT_SLOTS_SHIFT, MAX_ORDER_LIMIT, MAX_PAGES, MAX_NR_ZONES, MAX_NODES,
  MAX_ZONES, MAX_ZONELISTS, IO_BYTES, NIL, ERA_2_6_11, ERA_6_18, ERA_6_1, MOVABLE_BIT, PB_MT_MASK, PB_MIGRATE_SKIP,
  STATE_PCP, ZONE_BOOSTED_WATERMARK, ZONE_RECLAIM_ACTIVE, ZONE_BELOW_HIGH,
} from "./mmzone";
// The per-CPU lists (assembly/pcp.ts): rule sets, limits, the struct per_cpu_pages record.
export {
  PCP_RULES_FIXED, PCP_RULES_AUTOTUNE, PCP_MAX_CPUS, NR_PCP_LISTS, PCP_COUNT, PCP_HIGH, PCP_HIGH_MIN, PCP_HIGH_MAX,
  PCP_BATCH, PCP_FLAGS, PCP_ALLOC_FACTOR, PCP_FREE_COUNT, PCP_LISTS, PCP_SIZE,
} from "./pcp";
// The zone record, its free lists, the zonelist record, the machine header.
export {
  Z_START, Z_END, Z_PRESENT, Z_MANAGED, Z_ALIGN_BASE, Z_TYPE, Z_NODE, Z_POPULATED, Z_FREE_PAGES, Z_FREE_CMA,
  Z_RESERVED_HIGHATOMIC, Z_FREE_HIGHATOMIC, Z_WMARK, Z_BOOST, Z_FLAGS, Z_BOOST_EVENTS, Z_FALLBACKS,
  Z_FALLBACKS_FRAGMENTING, Z_LOWMEM_RESERVE, Z_NR_FREE, Z_LISTS, LIST_HEAD, LIST_TAIL, ZONE_SIZE, WMARK_MIN,
  WMARK_LOW, WMARK_HIGH, WMARK_PROMO, ZL_HIGHEST, ZL_COUNT, ZL_SLOTS, ZONELIST_SIZE, HEADER_SIZE, Z_CC_MIGRATE_ASYNC,
  Z_CC_MIGRATE_SYNC, Z_CC_FREE, Z_CC_INIT_MIGRATE, Z_CC_INIT_FREE, Z_CC_BLOCKSKIP_FLUSH,
} from "./mmzone";
// Compaction: enum compact_result, enum migrate_mode, the pass's flags, the compact and move records.
export {
  COMPACT_NOT_SUITABLE_ZONE, COMPACT_SKIPPED, COMPACT_DEFERRED, COMPACT_NO_SUITABLE_PAGE, COMPACT_CONTINUE,
  COMPACT_COMPLETE, COMPACT_PARTIAL_SKIPPED, COMPACT_CONTENDED, COMPACT_SUCCESS, MIGRATE_ASYNC, MIGRATE_SYNC_LIGHT,
  MIGRATE_SYNC, COMPACT_CLUSTER_MAX, CF_WHOLE_ZONE, CF_IGNORE_SKIP_HINT, CF_IGNORE_BLOCK_SUITABLE, CF_DIRECT,
  CF_PROACTIVE, CF_CAPTURE, CF_RESET_SKIP, CR_RESULT, CR_MIGRATE_SCANNED, CR_FREE_SCANNED, CR_ISOLATED,
  CR_MIGRATE_SUCCESS, CR_MIGRATE_FAIL, CR_NR_MOVES, CR_MOVES_PTR, CR_CAPTURED, CR_MIGRATE_PFN, CR_FREE_PFN,
  COMPACT_RECORD_BYTES, MOVE_RECORD_BYTES,
} from "./compaction";
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
  CHECK_LIST_ENTRY, CHECK_NR_FREE, CHECK_FREE_PAGES, CHECK_UNMERGED, CHECK_PAGEBLOCK_MT, CHECK_PCP_LIST,
  CHECK_PCP_COUNT, IR_CODE, IR_SLOT, IR_IDX, IR_DETAIL, INVARIANT_RECORD_BYTES,
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
/** The struct per_cpu_pages record of (zone slot, cpu), or 0 when the machine has no per-CPU lists. */
export function pcpPtr(slot: u32, cpu: u32): usize {
  return pcpEnabled() && slot < MAX_ZONES && cpu < pcpCpus() ? pcpAddr(slot, cpu) : 0;
}

/** drain_all_pages(zone) (slot), or of every zone (slot NIL): pages given back to the buddy lists. */
export function drainAllPages(slot: u32): u32 {
  return pcpDrainAll(slot);
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

/** unreserve_highatomic_pageblock (mm/page_alloc.c, 6.18) for one zone slot: pages given back to mt. */
export function unreserveHighatomic(slot: u32, mt: u32, force: bool): u32 {
  return slot < MAX_ZONES ? unreserveHighatomicPageblock(zoneAddr(slot), mt, force) : 0;
}

/** One compact_zone pass (assembly/compaction.ts); the compact record goes to the IO buffer. */
export function compactZone(
  slot: u32, order: i32, mt: u32, mode: u32, flags: u32, owner: u32, wmarkLow: u32, hpageOrder: u32,
): i32 {
  return compactZonePass(slot, order, mt, mode, flags, owner, wmarkLow, hpageOrder);
}

/** __reset_isolation_suitable on a zone slot (kswapd going to sleep: reset_isolation_suitable). */
export function compactResetSkip(slot: u32): i32 {
  if (slot >= ZONES || !zget(zoneAddr(slot), Z_POPULATED)) return BAD_ZONE;
  resetIsolationSuitable(zoneAddr(slot));
  return OK;
}

/** Sets zone->compact_blockskip_flush (the allocator clears it after a captured or compacted page). */
export function compactSetBlockskipFlush(slot: u32, flush: bool): i32 {
  if (slot >= ZONES || !zget(zoneAddr(slot), Z_POPULATED)) return BAD_ZONE;
  zset(zoneAddr(slot), Z_CC_BLOCKSKIP_FLUSH, flush ? 1 : 0);
  return OK;
}

/** Marks an allocated block head movable (on an LRU or with movable ops) or not. */
export function setMovable(idx: u32, movable: bool): i32 {
  if (idx >= nrPages() || infoState(pageInfo(idx)) != STATE_ALLOC) return NOT_ALLOCATED;
  const info = pageInfo(idx) & ~MOVABLE_BIT;
  setPageInfo(idx, movable ? info | MOVABLE_BIT : info);
  return OK;
}

/** Sets or clears the PB_migrate_skip hint of idx's pageblock. */
export function setPageblockSkipHint(idx: u32, skip: bool): i32 {
  if (idx >= nrPages()) return BAD_ZONE;
  setPageblockSkip(idx, skip);
  return OK;
}
