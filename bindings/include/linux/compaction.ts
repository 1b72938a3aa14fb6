// include/linux/compaction.h and include/linux/migrate_mode.h (6.18): the results and priorities of
// compaction, compact_gap, and the migration modes. The engine exports the same numbers
// (assembly/compaction.ts); test/engine/compaction.test.ts checks that they agree.

/** enum compact_result (include/linux/compaction.h 6.18), in the kernel's order: callers compare
 *  results with < and max(). */
export const CompactResult = {
  NOT_SUITABLE_ZONE: 0,
  SKIPPED: 1,
  DEFERRED: 2,
  NO_SUITABLE_PAGE: 3,
  CONTINUE: 4,
  COMPLETE: 5,
  PARTIAL_SKIPPED: 6,
  CONTENDED: 7,
  SUCCESS: 8,
} as const;
export type CompactResult = (typeof CompactResult)[keyof typeof CompactResult];
/** The kernel's names (the compaction tracepoints print them), by value. */
export const COMPACT_RESULT_NAMES = [
  "COMPACT_NOT_SUITABLE_ZONE",
  "COMPACT_SKIPPED",
  "COMPACT_DEFERRED",
  "COMPACT_NO_SUITABLE_PAGE",
  "COMPACT_CONTINUE",
  "COMPACT_COMPLETE",
  "COMPACT_PARTIAL_SKIPPED",
  "COMPACT_CONTENDED",
  "COMPACT_SUCCESS",
] as const;

/** enum compact_priority (6.18): a lower value tries harder. */
export const CompactPriority = {
  SYNC_FULL: 0,
  SYNC_LIGHT: 1,
  ASYNC: 2,
} as const;
export type CompactPriority = (typeof CompactPriority)[keyof typeof CompactPriority];
export const MIN_COMPACT_PRIORITY = CompactPriority.SYNC_FULL;
export const MIN_COMPACT_COSTLY_PRIORITY = CompactPriority.SYNC_LIGHT;
export const DEF_COMPACT_PRIORITY = CompactPriority.SYNC_LIGHT;
export const INIT_COMPACT_PRIORITY = CompactPriority.ASYNC;

/** enum migrate_mode (include/linux/migrate_mode.h), the values compaction uses. */
export const MigrateMode = { ASYNC: 0, SYNC_LIGHT: 1, SYNC: 2 } as const;
export type MigrateMode = (typeof MigrateMode)[keyof typeof MigrateMode];
/** Modes by name, as the Machine API takes them. */
export type MigrateModeName = "async" | "sync-light" | "sync";
export const MIGRATE_MODE_BY_NAME: Readonly<Record<MigrateModeName, MigrateMode>> = {
  async: MigrateMode.ASYNC,
  "sync-light": MigrateMode.SYNC_LIGHT,
  sync: MigrateMode.SYNC,
};

/** compact_gap (include/linux/compaction.h 6.18): 2UL << order, the free pages compaction wants
 *  above the watermark (the free scanner may hold 1 << order pages and split an order - 1 page). */
export function compactGap(order: number): number {
  return 2 * 2 ** order;
}

/** One compact_zone pass (Machine.compactZone, and the reference model's refCompactZone): struct
 *  compact_control's inputs. */
export interface CompactZoneOptions {
  /** The request's order; -1 compacts the whole zone (is_via_compact_memory). */
  order: number;
  /** gfp_migratetype() of the request (Unmovable, Movable, Reclaimable). Default Movable. */
  migratetype?: number;
  /** cc->mode. */
  mode: MigrateModeName;
  /** cc->whole_zone: both scanners start at the zone's ends instead of the cached positions. */
  wholeZone?: boolean;
  /** cc->ignore_skip_hint. */
  ignoreSkipHint?: boolean;
  /** cc->ignore_block_suitable: the free scanner takes any pageblock, not only MOVABLE and CMA. */
  ignoreBlockSuitable?: boolean;
  /** cc->direct_compaction (default true): async skips unsuitable source blocks, sets
   *  compact_blockskip_flush when the scanners meet. */
  direct?: boolean;
  /** Capture the freed block of the requested order for the requester (compaction_capture; direct
   *  compaction in a task, not kcompactd). The captured block is allocated to `owner`. */
  capture?: boolean;
  owner?: number;
  /** compaction_restarting(): run __reset_isolation_suitable before the pass. */
  resetSkip?: boolean;
  /** cc->proactive_compaction: stop once the zone's fragmentation score (extfrag_for_order at
   *  hpageOrder) is at most wmarkLow (fragmentation_score_wmark(true)). */
  proactive?: { wmarkLow: number };
  /** COMPACTION_HPAGE_ORDER (HPAGE_PMD_ORDER): the order of the fragmentation score, and the order
   *  whose failed migrations forget last_migrated_pfn. Default: the machine's pageblock order. */
  hpageOrder?: number;
}

/** What one compact_zone pass did. */
export interface CompactZoneResult {
  /** enum compact_result (CompactResult). */
  result: number;
  /** Its kernel name, e.g. "COMPACT_SUCCESS". */
  resultName: string;
  /** Every migration in order: (old pfn, new pfn, order) triples. Owners, migratetypes and movable
   *  bits moved with the blocks; the TypeScript side moves LRU and owner bookkeeping. */
  moves: Int32Array;
  /** The /proc/vmstat events of the pass. */
  counters: {
    compactMigrateScanned: number;
    compactFreeScanned: number;
    compactIsolated: number;
    pgmigrateSuccess: number;
    pgmigrateFail: number;
  };
  /** The block captured for the requester (allocated to its owner), or -1. */
  capturedPfn: number;
  /** cc->migrate_pfn and cc->free_pfn when the pass ended. */
  migratePfn: number;
  freePfn: number;
}
