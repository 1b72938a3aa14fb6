// What the 6.18 slow path shares between its files, as mm/internal.h and include/linux/compaction.h
// declare it: struct alloc_context, the compaction result and priority enums, compact_gap, and the
// retry bounds. Pure declarations.

import { CompactPriority, CompactResult } from "../../include/linux/compaction.js";

/** struct alloc_context (mm/internal.h 6.18): the zonelist (engine zone slots in zonelist order),
 *  gfp_zone() as an index, gfp_migratetype(), the preferred node. Nodemasks and cpusets are not
 *  modelled (every zone of the zonelist is allowed). */
export interface AllocContext {
  zonelist: readonly number[];
  highestZoneidx: number;
  migratetype: number;
  preferredNode: number;
}

/** enum compact_result and enum compact_priority (include/linux/compaction.h 6.18), declared once in
 *  include/linux/compaction.ts; the slow path's names for them. */
export const COMPACT = CompactResult;
export type { CompactResult, CompactPriority };
/** The names trace_mm_compaction_* print (COMPACTION_STATUS, include/trace/events/mmflags.h). */
export const COMPACT_RESULT_NAMES = [
  "not_suitable_zone",
  "skipped",
  "deferred",
  "no_suitable_page",
  "continue",
  "complete",
  "partial_skipped",
  "contended",
  "success",
] as const;

export const COMPACT_PRIO = CompactPriority;
export {
  MIN_COMPACT_PRIORITY,
  MIN_COMPACT_COSTLY_PRIORITY,
  DEF_COMPACT_PRIORITY,
  INIT_COMPACT_PRIORITY,
} from "../../include/linux/compaction.js";
export const COMPACT_PRIORITY_NAMES = ["sync_full", "sync_light", "async"] as const;

export { compactGap } from "../../include/linux/compaction.js";

// compaction_withdrawn() and compaction_failed() are gone by 6.18: should_compact_retry (mm/page_alloc.c
// 6.18) tests COMPACT_SKIPPED and COMPACT_SUCCESS itself and otherwise raises the priority.

/** MAX_RECLAIM_RETRIES (mm/internal.h 6.18): no-progress loops of the slow path, and kswapd_failures
 *  at which a node is hopeless. */
export const MAX_RECLAIM_RETRIES = 16;
/** MAX_COMPACT_RETRIES (mm/page_alloc.c 6.18). */
export const MAX_COMPACT_RETRIES = 16;
/** DEF_PRIORITY (include/linux/mmzone.h 6.18): reclaim scans lru_size >> priority pages. */
export const DEF_PRIORITY = 12;
/** MAX_SWAPPINESS (include/linux/swap.h 6.18). */
export const MAX_SWAPPINESS = 200;
