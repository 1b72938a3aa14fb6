// The page allocator's decisions that do not depend on the engine, era by era (mm/page_alloc.c):
// the alloc_flags the slow path derives from a gfp mask (gfp_to_alloc_flags and its predecessors).
// Pure arithmetic over the GFP tables of include/linux/gfp.ts.

import { checkGfpMask, gfpBitsFor, gfpEraAtLeast, type GfpEra } from "../include/linux/gfp.js";
import { PAGE_ALLOC_COSTLY_ORDER } from "../include/linux/mmzone.js";
import { AllocFlags } from "./internal.js";

export interface AllocFlagsOptions {
  order?: number;
  /** rt_task(current) (6.x: rt_or_dl_task). */
  rtTask?: boolean;
  inInterrupt?: boolean;
  /** The task is an OOM victim (TIF_MEMDIE; 4.15+ tsk_is_oom_victim). */
  oomVictim?: boolean;
}

export interface EraAllocFlags {
  /** __GFP_WAIT (≤4.3) / __GFP_DIRECT_RECLAIM (4.4+): may enter direct reclaim. */
  canReclaim: boolean;
  /** gfp_high / ALLOC_HIGH / ALLOC_MIN_RESERVE: min -= min/2. */
  minReserve: boolean;
  /** can_try_harder (≤2.6.14) / ALLOC_HARDER (≤6.2) / ALLOC_NON_BLOCK (6.3+). */
  harder: boolean;
  /** May take (and reserve) MIGRATE_HIGHATOMIC blocks (4.4+). */
  highatomic: boolean;
  /** ALLOC_CMA: a movable request may use CMA pageblocks (4.4+). */
  cma: boolean;
  fs: boolean;
  noretry: boolean;
  /** order > PAGE_ALLOC_COSTLY_ORDER and the era never OOM-kills for it (2.6.23+). */
  costlyOrderNoOom: boolean;
  /** The same in mm/internal.ts AllocFlags (6.18 numbering) for watermarkOk618; before 6.3 harder and
   *  minReserve reduce min independently, so callers of older eras should use the two booleans. */
  allocFlags6_18: number;
}

/**
 * The slowpath's alloc_flags for a gfp mask: 2.6.11 __alloc_pages can_try_harder/gfp_high;
 * 2.6.15-4.3 ALLOC_HARDER/ALLOC_HIGH (same rules); 4.4-6.2 gfp_to_alloc_flags with __GFP_ATOMIC;
 * 6.3+ ALLOC_NON_BLOCK/ALLOC_MIN_RESERVE/ALLOC_HIGHATOMIC (6.18: HIGHATOMIC needs __GFP_HIGH).
 */
export function allocFlagsFor(mask: number, era: GfpEra, opts: AllocFlagsOptions = {}): EraAllocFlags {
  checkGfpMask(mask);
  const b = gfpBitsFor(era);
  const has = (n: string) => b[n] !== undefined && b[n] !== 0 && (mask & b[n]) >>> 0 === b[n];
  const order = opts.order ?? 0;
  const rt = !!opts.rtTask && !opts.inInterrupt;
  const modern = gfpEraAtLeast(era, "4.4");
  const canReclaim = has(modern ? "__GFP_DIRECT_RECLAIM" : "__GFP_WAIT");
  const noMemalloc = has("__GFP_NOMEMALLOC");
  let minReserve = has("__GFP_HIGH");
  let harder: boolean;
  let highatomic = false;
  let cpuset: boolean;
  if (!modern) {
    harder = !canReclaim || rt;
    cpuset = gfpEraAtLeast(era, "2.6.15") && canReclaim; // no ALLOC_CPUSET before 2.6.15
  } else if (!gfpEraAtLeast(era, "6.3")) {
    harder = has("__GFP_ATOMIC") ? !noMemalloc : rt;
    highatomic = harder && order > 0; // 4.4 __rmqueue / reserve_highatomic_pageblock
    cpuset = !has("__GFP_ATOMIC");
  } else {
    harder = !canReclaim && !noMemalloc;
    if (canReclaim && rt) minReserve = true;
    highatomic = harder && order > 0 && (!gfpEraAtLeast(era, "6.18") || minReserve);
    cpuset = canReclaim || !minReserve;
  }
  const movableOnly = has("__GFP_MOVABLE") && !has("__GFP_RECLAIMABLE");
  const cma = modern && movableOnly;
  // 2.6.38-4.3 __alloc_pages_slowpath: if (!(gfp_mask & __GFP_NO_KSWAPD)) wake_all_kswapd(...)
  const kswapd = modern ? has("__GFP_KSWAPD_RECLAIM") : !has("__GFP_NO_KSWAPD");
  const costlyOrderNoOom =
    order > PAGE_ALLOC_COSTLY_ORDER &&
    gfpEraAtLeast(era, "2.6.23") &&
    !(has("__GFP_NOFAIL") && gfpEraAtLeast(era, "2.6.31") && !gfpEraAtLeast(era, "4.13"));
  let flags = AllocFlags.WMARK_MIN | (cpuset ? AllocFlags.CPUSET : 0) | (harder ? AllocFlags.NON_BLOCK : 0);
  flags |= (minReserve ? AllocFlags.MIN_RESERVE : 0) | (highatomic ? AllocFlags.HIGHATOMIC : 0);
  flags |= (cma ? AllocFlags.CMA : 0) | (kswapd ? AllocFlags.KSWAPD : 0) | reserveFlags(era, has, opts);
  return {
    canReclaim,
    minReserve,
    harder,
    highatomic,
    cma,
    fs: has("__GFP_FS"),
    noretry: has("__GFP_NORETRY"),
    costlyOrderNoOom,
    allocFlags6_18: flags,
  };
}

/** __gfp_pfmemalloc_flags: __GFP_MEMALLOC, or an OOM victim in task context, unless __GFP_NOMEMALLOC;
 *  victims get ALLOC_NO_WATERMARKS before 4.15 (TIF_MEMDIE) and ALLOC_OOM from 4.15 (cd04ae1e2dc8). */
function reserveFlags(era: GfpEra, has: (n: string) => boolean, opts: AllocFlagsOptions): number {
  if (has("__GFP_NOMEMALLOC")) return 0;
  if (has("__GFP_MEMALLOC")) return AllocFlags.NO_WATERMARKS;
  if (!opts.oomVictim || opts.inInterrupt) return 0;
  return gfpEraAtLeast(era, "4.15") ? AllocFlags.OOM : AllocFlags.NO_WATERMARKS;
}
