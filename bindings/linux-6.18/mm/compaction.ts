// mm/compaction.c (6.18): the policy around one compact_zone pass. The pass itself (the migrate and
// free scanners, migration, capture, the skip hints) runs inside the engine (assembly/compaction.ts,
// Machine.compactZone); this module decides whether and how to run it: compaction_suitable with
// compact_gap and the fragmentation index, deferral, compact_zone_order and try_to_compact_pages
// with a priority, compaction_zonelist_suitable (should_compact_retry's question), kcompactd and
// proactive compaction, and the /proc/vmstat compaction events.
//
// The allocator's slow path (page_alloc.ts, another module) calls tryToCompactPages and friends
// through CompactionEnv and keeps one CompactionState per machine.

import { OomlabError } from "../../errors.js";
import type { CompactionHook, KernelView } from "./hooks.js";
import type { Machine } from "../../engine/machine.js";
import { extfragForOrder, extfragIndex } from "../../mm/fragmentation.js";
import { AllocFlags } from "../../mm/internal.js";
import { MigrateType, PAGE_ALLOC_COSTLY_ORDER } from "../../include/linux/mmzone.js";
import { PROFILE_618, type KernelProfile618 } from "./profile.js";
import {
  COMPACT_RESULT_NAMES,
  CompactPriority,
  CompactResult,
  MIN_COMPACT_PRIORITY,
  compactGap,
  type MigrateModeName,
} from "../../include/linux/compaction.js";

export { compactGap };

/** COMPACT_MAX_DEFER_SHIFT (mm/compaction.c 6.18): do not skip compaction more than 64 times. */
export const COMPACT_MAX_DEFER_SHIFT = 6;
/** HPAGE_FRAG_CHECK_INTERVAL_MSEC: kcompactd's proactive check interval. */
export const HPAGE_FRAG_CHECK_INTERVAL_MSEC = 500;
/** Defaults of vm.extfrag_threshold and vm.compaction_proactiveness (mm/compaction.c 6.18). */
export const DEFAULT_EXTFRAG_THRESHOLD = 500;
export const DEFAULT_COMPACTION_PROACTIVENESS = 20;
const ALLOC_WMARK_MASK = 0x03;
/** __GFP_IO (include/linux/gfp_types.h): gfp_compaction_allowed() wants it. */
const GFP_IO = 0x40;

/** The /proc/vmstat events of compaction and migration (include/linux/vm_event_item.h names). */
export interface CompactionVmstat {
  compact_migrate_scanned: number;
  compact_free_scanned: number;
  compact_isolated: number;
  compact_stall: number;
  compact_fail: number;
  compact_success: number;
  compact_daemon_wake: number;
  compact_daemon_migrate_scanned: number;
  compact_daemon_free_scanned: number;
  pgmigrate_success: number;
  pgmigrate_fail: number;
}

export function newCompactionVmstat(): CompactionVmstat {
  return {
    compact_migrate_scanned: 0,
    compact_free_scanned: 0,
    compact_isolated: 0,
    compact_stall: 0,
    compact_fail: 0,
    compact_success: 0,
    compact_daemon_wake: 0,
    compact_daemon_migrate_scanned: 0,
    compact_daemon_free_scanned: 0,
    pgmigrate_success: 0,
    pgmigrate_fail: 0,
  };
}

/** What the slow path hands compaction. */
export interface CompactionEnv {
  machine: Machine;
  /** vm.extfrag_threshold (0..1000) and vm.compaction_proactiveness (0..100). */
  sysctl: { extfragThreshold: number; compactionProactiveness: number };
  /** CONFIG_COMPACTION (default true). Off: try_to_compact_pages returns COMPACT_SKIPPED and
   *  compaction_suitable false, as the !CONFIG_COMPACTION stubs do. */
  configCompaction?: boolean;
  /** COMPACTION_HPAGE_ORDER (HPAGE_PMD_ORDER); default the machine's pageblock order. */
  hpageOrder?: number;
  /** The release's rules (profile.ts); default 6.18's. */
  profile?: KernelProfile618;
  vmstat: CompactionVmstat;
  /** Whether kswapd of a node is running (kswapd_is_running): proactive compaction backs off. */
  kswapdRunning?(node: number): boolean;
  /** A decision with its numbers (the slow path turns these into typed trace events). */
  event?(kind: string, fields: Record<string, unknown>): void;
  /** Every migration (old pfn, new pfn, order): owners and LRUs move with it. */
  onMove?(oldPfn: number, newPfn: number, order: number): void;
}

/** struct zone's deferral fields (compact_considered, compact_defer_shift, compact_order_failed). */
export interface ZoneDeferState {
  considered: number;
  deferShift: number;
  orderFailed: number;
}

/** pg_data_t's kcompactd fields. */
export interface NodeKcompactdState {
  kcompactdMaxOrder: number;
  kcompactdHighestZoneidx: number;
  proactiveCompactTrigger: boolean;
  /** kcompactd is asleep in its wait queue (wq_has_sleeper). */
  sleeping: boolean;
}

/** Compaction's per-machine state outside the engine: deferral per zone slot, kcompactd per node.
 *  (The cached scanner positions and skip hints live in the engine, Machine.compactCache.) */
export class CompactionState {
  readonly zones = new Map<number, ZoneDeferState>();
  readonly nodes = new Map<number, NodeKcompactdState>();

  zone(slot: number): ZoneDeferState {
    let z = this.zones.get(slot);
    if (!z) {
      z = { considered: 0, deferShift: 0, orderFailed: 0 };
      this.zones.set(slot, z);
    }
    return z;
  }

  node(env: CompactionEnv, node: number): NodeKcompactdState {
    let n = this.nodes.get(node);
    if (!n) {
      n = {
        kcompactdMaxOrder: 0,
        kcompactdHighestZoneidx: nrZones(env, node) - 1,
        proactiveCompactTrigger: false,
        sleeping: true,
      };
      this.nodes.set(node, n);
    }
    return n;
  }
}

const profileOf = (env: CompactionEnv): KernelProfile618 => env.profile ?? PROFILE_618;

function enabled(env: CompactionEnv): boolean {
  return env.configCompaction ?? true;
}

function hpageOrder(env: CompactionEnv): number {
  return env.hpageOrder ?? env.machine.machine.pageblockOrder;
}

/** The populated zones of a node, by zone index. */
function nodeZones(env: CompactionEnv, node: number) {
  return env.machine.machine.zones
    .filter((z) => z.node === node && z.spannedPages > 0)
    .sort((a, b) => a.zoneIdx - b.zoneIdx);
}

/** pgdat->nr_zones: one past the highest populated zone index. */
function nrZones(env: CompactionEnv, node: number): number {
  const zs = nodeZones(env, node);
  return zs.length ? zs[zs.length - 1].zoneIdx + 1 : 0;
}

// ---- deferral (mm/compaction.c 6.18) ----

/** defer_compaction: compaction of this order failed; skip the next 1 << defer_shift attempts. */
export function deferCompaction(z: ZoneDeferState, order: number): void {
  z.considered = 0;
  z.deferShift++;
  if (order < z.orderFailed) z.orderFailed = order;
  if (z.deferShift > COMPACT_MAX_DEFER_SHIFT) z.deferShift = COMPACT_MAX_DEFER_SHIFT;
}

/** compaction_deferred: true if compaction should be skipped this time (counts the attempt). */
export function compactionDeferred(z: ZoneDeferState, order: number): boolean {
  const limit = 2 ** z.deferShift;
  if (order < z.orderFailed) return false;
  if (++z.considered >= limit) {
    z.considered = limit;
    return false;
  }
  return true;
}

/** compaction_defer_reset: an allocation of this order succeeded (or is expected to). */
export function compactionDeferReset(z: ZoneDeferState, order: number, allocSuccess: boolean): void {
  if (allocSuccess) {
    z.considered = 0;
    z.deferShift = 0;
  }
  if (order >= z.orderFailed) z.orderFailed = order + 1;
}

/** compaction_restarting: after the maximum deferral, the skip hints are cleared first. */
export function compactionRestarting(z: ZoneDeferState, order: number): boolean {
  if (order < z.orderFailed) return false;
  return z.deferShift === COMPACT_MAX_DEFER_SHIFT && z.considered >= 2 ** z.deferShift;
}

// ---- suitability ----

/** The zone numbers compaction's checks read. */
function zoneNumbers(env: CompactionEnv, slot: number) {
  const s = env.machine.stats(slot);
  const z = env.machine.zone(slot);
  return { stats: s, unboosted: z.watermarks, nrFree: s.nrFree };
}

/** __compaction_suitable's arithmetic, for tests and trace events. */
export interface CompactionSuitableDetail {
  /** watermark + compact_gap(order) (+ low - min for costly orders). */
  mark: number;
  /** free_pages - nr_free_highatomic (ALLOC_CMA: CMA pages count). */
  usable: number;
  /** lowmem_reserve[highest_zoneidx]. */
  reserve: number;
  ok: boolean;
}

/** __compaction_suitable (6.18): the order-0 watermark check compaction needs to isolate free
 *  pages: watermark + compact_gap(order), plus low - min for costly orders, at order 0 with
 *  ALLOC_CMA, against free_pages. */
export function compactionSuitableWatermark(
  env: CompactionEnv,
  slot: number,
  order: number,
  watermark: number,
  highestZoneidx: number,
  freePages: number,
): CompactionSuitableDetail {
  const { stats, unboosted } = zoneNumbers(env, slot);
  let mark = watermark + compactGap(order);
  if (order > PAGE_ALLOC_COSTLY_ORDER) mark += unboosted.low - unboosted.min;
  // __zone_watermark_ok(zone, 0, mark, highest_zoneidx, ALLOC_CMA, free_pages): at order 0 the
  // unusable free pages are the highatomic reserve only (no ALLOC_RESERVES flag), CMA counts; 6.1
  // leaves out the whole reserve (6.1's costly mark, low + gap, is this same sum at the min mark)
  const reserved = profileOf(env).highatomicUnusable === "reserved";
  const usable = freePages - (reserved ? stats.nrReservedHighatomic : stats.nrFreeHighatomic);
  const reserve = stats.lowmemReserve[highestZoneidx] ?? 0;
  return { mark, usable, reserve, ok: usable > mark + reserve };
}

/** fragmentation_index (mm/vmstat.c 6.18) of a zone, x1000 (-1000: a block of the order is free). */
export function fragmentationIndex(env: CompactionEnv, slot: number, order: number): number {
  return extfragIndex(env.machine.stats(slot).nrFree, order);
}

/** compaction_suitable (6.18): enough free memory above the watermark for compaction to work, and
 *  for costly orders a failure that is due to fragmentation (fragmentation_index above
 *  vm.extfrag_threshold, or negative). */
export function compactionSuitable(
  env: CompactionEnv,
  slot: number,
  order: number,
  watermark: number,
  highestZoneidx: number,
): boolean {
  if (!enabled(env)) return false;
  const free = env.machine.counters(slot).freePages;
  const d = compactionSuitableWatermark(env, slot, order, watermark, highestZoneidx, free);
  let suitable = d.ok;
  let result: number = suitable ? CompactResult.CONTINUE : CompactResult.SKIPPED;
  let fragindex: number | undefined;
  if (suitable && order > PAGE_ALLOC_COSTLY_ORDER) {
    fragindex = fragmentationIndex(env, slot, order);
    if (fragindex >= 0 && fragindex <= env.sysctl.extfragThreshold) {
      suitable = false;
      result = CompactResult.NOT_SUITABLE_ZONE;
    }
  }
  env.event?.("compaction_suitable", {
    slot,
    order,
    mark: d.mark,
    usable: d.usable,
    reserve: d.reserve,
    fragindex,
    extfragThreshold: env.sysctl.extfragThreshold,
    result: COMPACT_RESULT_NAMES[result],
  });
  return suitable;
}

/** wmark_pages(zone, alloc_flags & ALLOC_WMARK_MASK): with the boost. */
function wmarkPages(env: CompactionEnv, slot: number, allocFlags: number): number {
  const w = env.machine.stats(slot).watermarks;
  const i = allocFlags & ALLOC_WMARK_MASK;
  return i === 0 ? w.min : i === 1 ? w.low : i === 2 ? w.high : w.promo;
}

/** compaction_suit_allocation_order (6.18): SUCCESS when the allocation would already succeed,
 *  SKIPPED when compaction is unlikely to help, CONTINUE to compact. defrag_mode (NR_FREE_PAGES_BLOCKS
 *  for kcompactd) is not modelled. */
export function compactionSuitAllocationOrder(
  env: CompactionEnv,
  slot: number,
  order: number,
  highestZoneidx: number,
  allocFlags: number,
  async: boolean,
  _kcompactd: boolean,
): number {
  const m = env.machine;
  const watermark = wmarkPages(env, slot, allocFlags);
  if (m.watermarkOk618(slot, order, watermark, highestZoneidx, allocFlags)) return CompactResult.SUCCESS;
  if (
    profileOf(env).costlyAsyncNonCmaCheck &&
    order > PAGE_ALLOC_COSTLY_ORDER &&
    async &&
    !(allocFlags & AllocFlags.CMA)
  ) {
    if (!m.watermarkOk618(slot, 0, watermark + compactGap(order), highestZoneidx, 0)) return CompactResult.SKIPPED;
  }
  if (!compactionSuitable(env, slot, order, watermark, highestZoneidx)) return CompactResult.SKIPPED;
  return CompactResult.CONTINUE;
}

/** compaction_zonelist_suitable (6.18), should_compact_retry's test: would any zone pass
 *  __compaction_suitable at the min mark if reclaim freed (reclaimable / order) more pages? In 6.1
 *  a zone that already passes zone_watermark_ok at the order and allocFlags is COMPACT_SUCCESS there,
 *  not suitable. */
export function compactionZonelistSuitable(
  env: CompactionEnv,
  zonelist: readonly number[],
  order: number,
  highestZoneidx: number,
  reclaimablePages: (slot: number) => number,
  allocFlags: number = AllocFlags.WMARK_MIN,
): boolean {
  if (!enabled(env)) return false;
  for (const slot of zonelist) {
    const z = env.machine.zone(slot);
    if (z.zoneIdx > highestZoneidx) continue;
    if (profileOf(env).zonelistSuitableSkipsReadyZones) {
      const mark = wmarkPages(env, slot, allocFlags);
      if (env.machine.watermarkOk618(slot, order, mark, highestZoneidx, allocFlags)) continue;
    }
    const available = Math.floor(reclaimablePages(slot) / order) + env.machine.stats(slot).freePages;
    const min = env.machine.stats(slot).watermarks.min;
    if (compactionSuitableWatermark(env, slot, order, min, highestZoneidx, available).ok) return true;
  }
  return false;
}

// ---- one pass, with its accounting ----

interface PassRequest {
  order: number;
  migratetype: number;
  mode: MigrateModeName;
  direct: boolean;
  wholeZone?: boolean;
  ignoreSkipHint?: boolean;
  ignoreBlockSuitable?: boolean;
  capture?: boolean;
  owner?: number;
  resetSkip?: boolean;
  proactive?: { wmarkLow: number };
}

/** compact_zone on the engine; the events it counts (compact_zone and migrate_pages), the moves
 *  handed to onMove. Returns the result and the captured pfn (-1). */
function runCompactZone(env: CompactionEnv, slot: number, req: PassRequest, daemon: boolean) {
  const r = env.machine.compactZone(slot, { ...req, hpageOrder: hpageOrder(env) });
  const v = env.vmstat;
  v.compact_migrate_scanned += r.counters.compactMigrateScanned;
  v.compact_free_scanned += r.counters.compactFreeScanned;
  v.compact_isolated += r.counters.compactIsolated;
  v.pgmigrate_success += r.counters.pgmigrateSuccess;
  v.pgmigrate_fail += r.counters.pgmigrateFail;
  if (daemon) {
    v.compact_daemon_migrate_scanned += r.counters.compactMigrateScanned;
    v.compact_daemon_free_scanned += r.counters.compactFreeScanned;
  }
  if (env.onMove) for (let i = 0; i < r.moves.length; i += 3) env.onMove(r.moves[i], r.moves[i + 1], r.moves[i + 2]);
  env.event?.("compact_zone", {
    slot,
    order: req.order,
    mode: req.mode,
    result: r.resultName,
    moves: r.moves.length / 3,
    migrateScanned: r.counters.compactMigrateScanned,
    freeScanned: r.counters.compactFreeScanned,
    capturedPfn: r.capturedPfn,
  });
  return r;
}

/** compact_zone (6.18) from the top: compaction_suit_allocation_order (unless order -1), then
 *  compaction_restarting, then the pass. */
function compactZone(
  env: CompactionEnv,
  state: CompactionState,
  slot: number,
  req: PassRequest & { highestZoneidx: number; allocFlags: number },
  daemon: boolean,
): { result: number; capturedPfn: number } {
  if (req.order !== -1) {
    const ret = compactionSuitAllocationOrder(
      env,
      slot,
      req.order,
      req.highestZoneidx,
      req.allocFlags,
      req.mode === "async",
      daemon,
    );
    if (ret !== CompactResult.CONTINUE) return { result: ret, capturedPfn: -1 };
  }
  const resetSkip = req.order >= 0 && compactionRestarting(state.zone(slot), req.order);
  const r = runCompactZone(env, slot, { ...req, resetSkip }, daemon);
  return { result: r.result, capturedPfn: r.capturedPfn };
}

/** compact_zone_order (6.18): the priority decides the mode (ASYNC -> async, else sync-light) and,
 *  at MIN_COMPACT_PRIORITY (SYNC_FULL), the whole zone with skip hints and block suitability ignored. */
export function compactZoneOrder(
  env: CompactionEnv,
  state: CompactionState,
  slot: number,
  order: number,
  migratetype: number,
  prio: number,
  allocFlags: number,
  highestZoneidx: number,
  owner = 0,
): { result: number; capturedPfn: number } {
  const full = prio === MIN_COMPACT_PRIORITY;
  const r = compactZone(
    env,
    state,
    slot,
    {
      order,
      migratetype,
      mode: prio === CompactPriority.ASYNC ? "async" : "sync-light",
      direct: true,
      wholeZone: full,
      ignoreSkipHint: full,
      ignoreBlockSuitable: full,
      capture: true,
      owner,
      highestZoneidx,
      allocFlags,
    },
    false,
  );
  // a captured page means success even when compaction was skipped (an IRQ freed it)
  if (r.capturedPfn >= 0) r.result = CompactResult.SUCCESS;
  return r;
}

/** try_to_compact_pages's request. */
export interface CompactRequest {
  gfpMask: number;
  order: number;
  /** gfp_migratetype(gfp_mask). */
  migratetype: number;
  allocFlags: number;
  /** The zonelist's zone slots in order (those above highestZoneidx are passed over). */
  zonelist: readonly number[];
  highestZoneidx: number;
  prio: number;
  /** The requester, who receives a captured block. */
  owner?: number;
}

/** try_to_compact_pages (6.18): each zone of the zonelist, unless deferred (priorities above
 *  SYNC_FULL honour deferral), until one reports COMPACT_SUCCESS; sync priorities defer a zone whose
 *  pass completed or was partially skipped. Returns the highest result, the captured page and its
 *  zone. Without CONFIG_COMPACTION or __GFP_IO: COMPACT_SKIPPED. */
export function tryToCompactPages(
  env: CompactionEnv,
  state: CompactionState,
  req: CompactRequest,
): { result: number; resultName: string; capturedPfn: number; zoneSlot: number } {
  let rc: number = CompactResult.SKIPPED;
  let captured = -1;
  let zoneSlot = -1;
  if (!Number.isInteger(req.order) || req.order < 0 || req.order >= env.machine.machine.maxOrder)
    throw new OomlabError("OOMLAB_BAD_ORDER", `order ${String(req.order)} cannot be compacted for`);
  const allowed = enabled(env) && (req.gfpMask & GFP_IO) !== 0; // gfp_compaction_allowed
  if (allowed) {
    for (const slot of req.zonelist) {
      const zone = env.machine.zone(slot);
      if (zone.zoneIdx > req.highestZoneidx || zone.spannedPages === 0) continue;
      const z = state.zone(slot);
      if (req.prio > MIN_COMPACT_PRIORITY && compactionDeferred(z, req.order)) {
        rc = Math.max(CompactResult.DEFERRED, rc);
        env.event?.("compaction_deferred", {
          slot,
          order: req.order,
          considered: z.considered,
          deferShift: z.deferShift,
        });
        continue;
      }
      const status = compactZoneOrder(
        env,
        state,
        slot,
        req.order,
        req.migratetype,
        req.prio,
        req.allocFlags,
        req.highestZoneidx,
        req.owner ?? 0,
      );
      rc = Math.max(status.result, rc);
      if (status.capturedPfn >= 0) {
        captured = status.capturedPfn;
        zoneSlot = slot;
      }
      if (status.result === CompactResult.SUCCESS) {
        compactionDeferReset(z, req.order, false);
        zoneSlot = slot;
        break;
      }
      if (
        req.prio !== CompactPriority.ASYNC &&
        (status.result === CompactResult.COMPLETE || status.result === CompactResult.PARTIAL_SKIPPED)
      ) {
        deferCompaction(z, req.order);
      }
    }
  }
  return { result: rc, resultName: COMPACT_RESULT_NAMES[rc], capturedPfn: captured, zoneSlot };
}

/** What __alloc_pages_direct_compact (mm/page_alloc.c 6.18) counts and resets once it knows the
 *  outcome: nothing for COMPACT_SKIPPED; else compact_stall, then on a page compact_success (and the
 *  zone's blockskip flush cleared and deferral reset), otherwise compact_fail. */
export function accountDirectCompact(
  env: CompactionEnv,
  state: CompactionState,
  result: number,
  page: { slot: number } | null,
  order: number,
): void {
  if (result === CompactResult.SKIPPED) return;
  env.vmstat.compact_stall++;
  if (page) {
    env.machine.setCompactBlockskipFlush(page.slot, false);
    compactionDeferReset(state.zone(page.slot), order, true);
    env.vmstat.compact_success++;
  } else {
    env.vmstat.compact_fail++;
  }
}

// ---- kcompactd and proactive compaction ----

/** fragmentation_score_zone: extfrag_for_order at COMPACTION_HPAGE_ORDER (0..100). */
export function fragmentationScoreZone(env: CompactionEnv, slot: number): number {
  return extfragForOrder(env.machine.stats(slot).nrFree, hpageOrder(env));
}

/** fragmentation_score_zone_weighted: the score scaled by the zone's share of the node. */
export function fragmentationScoreZoneWeighted(env: CompactionEnv, slot: number): number {
  const z = env.machine.zone(slot);
  const nodePresent = nodeZones(env, z.node).reduce((s, q) => s + q.presentPages, 0);
  return Math.floor((z.presentPages * fragmentationScoreZone(env, slot)) / (nodePresent + 1));
}

/** fragmentation_score_node: the sum of the weighted zone scores. */
export function fragmentationScoreNode(env: CompactionEnv, node: number): number {
  return nodeZones(env, node).reduce((s, z) => s + fragmentationScoreZoneWeighted(env, z.slot), 0);
}

/** fragmentation_score_wmark (the release's, profile.ts): 6.18 low = 100 - proactiveness, high =
 *  low + min(10, low / 2), at most 100; 6.1 low at least 5, high = low + 10. */
export function fragmentationScoreWmark(env: CompactionEnv, low: boolean): number {
  const [l, h] = profileOf(env).fragmentationScoreWmarks(env.sysctl.compactionProactiveness);
  return low ? l : h;
}

/** should_proactive_compact_node. */
export function shouldProactiveCompactNode(env: CompactionEnv, node: number): boolean {
  if (!env.sysctl.compactionProactiveness || env.kswapdRunning?.(node)) return false;
  return fragmentationScoreNode(env, node) > fragmentationScoreWmark(env, false);
}

/** compact_node(pgdat, proactive): every populated zone, order -1, the whole zone ignoring skip
 *  hints; proactive compaction is sync-light and stops at the low score mark, the manual
 *  (/proc/sys/vm/compact_memory) one is sync. */
export function compactNode(env: CompactionEnv, node: number, proactive: boolean): void {
  if (!enabled(env)) return;
  for (const z of nodeZones(env, node)) {
    // __compact_finished: a proactive pass ends at once (COMPACT_PARTIAL_SKIPPED) while kswapd runs
    if (proactive && env.kswapdRunning?.(node)) continue;
    runCompactZone(
      env,
      z.slot,
      {
        order: -1,
        migratetype: MigrateType.Unmovable, // gfp_migratetype(GFP_KERNEL)
        mode: proactive ? "sync-light" : "sync",
        direct: false,
        wholeZone: true,
        ignoreSkipHint: true,
        proactive: proactive ? { wmarkLow: fragmentationScoreWmark(env, true) } : undefined,
      },
      proactive,
    );
  }
}

/** One proactive round of kcompactd (the kcompactd() loop's timeout path): when the node's score is
 *  above the high mark, compact it; returns the next timeout in ms (500, or 500 << 6 when the score
 *  did not go down; null when proactiveness is 0: kcompactd sleeps until woken). */
export function proactiveCompactNode(env: CompactionEnv, state: CompactionState, node: number): number | null {
  if (!env.sysctl.compactionProactiveness) return null;
  let timeout = HPAGE_FRAG_CHECK_INTERVAL_MSEC;
  if (shouldProactiveCompactNode(env, node)) {
    const prev = fragmentationScoreNode(env, node);
    compactNode(env, node, true);
    const score = fragmentationScoreNode(env, node);
    env.event?.("proactive_compaction", { node, prevScore: prev, score });
    if (score >= prev) timeout = HPAGE_FRAG_CHECK_INTERVAL_MSEC * 2 ** COMPACT_MAX_DEFER_SHIFT;
  }
  const n = state.node(env, node);
  n.proactiveCompactTrigger = false;
  return timeout;
}

/** kcompactd_node_suitable: a zone up to kcompactd_highest_zoneidx where compaction for
 *  kcompactd_max_order at the min mark would run (defrag_mode's high mark is not modelled). */
export function kcompactdNodeSuitable(env: CompactionEnv, state: CompactionState, node: number): boolean {
  const n = state.node(env, node);
  for (const z of nodeZones(env, node)) {
    if (z.zoneIdx > n.kcompactdHighestZoneidx) continue;
    const ret = compactionSuitAllocationOrder(
      env,
      z.slot,
      n.kcompactdMaxOrder,
      n.kcompactdHighestZoneidx,
      AllocFlags.WMARK_MIN,
      false,
      true,
    );
    if (ret === CompactResult.CONTINUE) return true;
  }
  return false;
}

/** wakeup_kcompactd (6.18, called by kswapd): records the order and zone index, and wakes kcompactd
 *  when it sleeps and a node's zone is suitable. Returns whether it was woken. */
export function wakeupKcompactd(
  env: CompactionEnv,
  state: CompactionState,
  node: number,
  order: number,
  highestZoneidx: number,
): boolean {
  if (!order || !enabled(env)) return false;
  const n = state.node(env, node);
  if (n.kcompactdMaxOrder < order) n.kcompactdMaxOrder = order;
  if (n.kcompactdHighestZoneidx > highestZoneidx) n.kcompactdHighestZoneidx = highestZoneidx;
  if (!n.sleeping) return false;
  if (!kcompactdNodeSuitable(env, state, node)) return false;
  n.sleeping = false;
  env.event?.("wakeup_kcompactd", { node, order, highestZoneidx });
  return true;
}

/** kcompactd_do_work (6.18): sync-light compaction for kcompactd_max_order of every zone up to
 *  kcompactd_highest_zoneidx that is not deferred and where compaction would run; deferral as sync
 *  direct compaction does; then the node's request is forgotten and kcompactd sleeps again. */
export function kcompactdDoWork(env: CompactionEnv, state: CompactionState, node: number): void {
  const n = state.node(env, node);
  const order = n.kcompactdMaxOrder;
  const highestZoneidx = n.kcompactdHighestZoneidx;
  env.vmstat.compact_daemon_wake++;
  if (enabled(env) && order > 0) {
    for (const z of nodeZones(env, node)) {
      if (z.zoneIdx > highestZoneidx) continue;
      const d = state.zone(z.slot);
      if (compactionDeferred(d, order)) continue;
      const ret = compactionSuitAllocationOrder(env, z.slot, order, z.zoneIdx, AllocFlags.WMARK_MIN, false, true);
      if (ret !== CompactResult.CONTINUE) continue;
      const r = runCompactZone(
        env,
        z.slot,
        {
          order,
          migratetype: MigrateType.Unmovable, // gfp_migratetype(GFP_KERNEL)
          mode: "sync-light",
          direct: false,
          resetSkip: compactionRestarting(d, order),
        },
        true,
      );
      if (r.result === CompactResult.SUCCESS) compactionDeferReset(d, order, false);
      else if (r.result === CompactResult.PARTIAL_SKIPPED || r.result === CompactResult.COMPLETE) {
        // buddy pages stranded on the per-CPU lists could coalesce: drain_all_pages(zone) (a machine
        // without per-CPU lists has nothing there)
        if (env.machine.hasPcp) env.machine.drainAllPages(z.slot);
        deferCompaction(d, order);
      }
    }
  }
  if (n.kcompactdMaxOrder <= order) n.kcompactdMaxOrder = 0;
  if (n.kcompactdHighestZoneidx >= highestZoneidx) n.kcompactdHighestZoneidx = nrZones(env, node) - 1;
  n.sleeping = true;
}

// ---- the kernel model's compaction (mm/hooks.ts CompactionHook) ----

/** The compaction of the 6.18 kernel model: this module over the kernel's machine, counters and log.
 *  Every migration moves the kernel's bookkeeping (migrateFolio); the decisions become typed events;
 *  kcompactd's work is queued to run as a thread of its own would (KernelView.queueKcompactd). */
export function compactionHook618(k: KernelView): CompactionHook {
  const state = new CompactionState();
  const ev = k.log;
  const env: CompactionEnv = {
    machine: k.machine,
    sysctl: { extfragThreshold: k.extfragThreshold, compactionProactiveness: k.compactionProactiveness },
    configCompaction: k.configCompaction,
    profile: k.profile,
    vmstat: k.vm,
    kswapdRunning: (node) => k.kswapdIsRunning(node),
    onMove: (a, b, order) => k.migrateFolio(a, b, order),
    event(kind, f) {
      const n = (x: unknown) => (typeof x === "number" ? x : 0);
      const str = (x: unknown) => String(x);
      const zone = () => k.machine.zone(n(f.slot)).type;
      if (kind === "compaction_suitable")
        ev.event(kind, {
          slot: n(f.slot),
          zone: zone(),
          order: n(f.order),
          mark: n(f.mark),
          usable: n(f.usable),
          reserve: n(f.reserve),
          fragindex: typeof f.fragindex === "number" ? f.fragindex : null,
          extfragThreshold: n(f.extfragThreshold),
          result: str(f.result),
        });
      else if (kind === "compaction_deferred")
        ev.event(kind, {
          slot: n(f.slot),
          zone: zone(),
          order: n(f.order),
          considered: n(f.considered),
          deferShift: n(f.deferShift),
        });
      else if (kind === "compact_zone")
        ev.event(kind, {
          slot: n(f.slot),
          zone: zone(),
          order: n(f.order),
          mode: str(f.mode),
          result: str(f.result),
          moves: n(f.moves),
          migrateScanned: n(f.migrateScanned),
          freeScanned: n(f.freeScanned),
          capturedPfn: n(f.capturedPfn),
        });
      else if (kind === "proactive_compaction")
        ev.event(kind, { node: n(f.node), prevScore: n(f.prevScore), score: n(f.score) });
      // wakeup_kcompactd: the kernel model records it where kswapd calls it
    },
  };
  return {
    tryToCompactPages(gfpMask, order, allocFlags, ac, prio, owner) {
      const r = tryToCompactPages(env, state, {
        gfpMask,
        order,
        migratetype: ac.migratetype,
        allocFlags,
        zonelist: ac.zonelist,
        highestZoneidx: ac.highestZoneidx,
        prio,
        owner,
      });
      return { result: r.result as CompactResult, page: r.capturedPfn };
    },
    compactionZonelistSuitable: (ac, order, allocFlags) =>
      compactionZonelistSuitable(
        env,
        ac.zonelist,
        order,
        ac.highestZoneidx,
        (slot) => k.zoneReclaimablePages(slot),
        allocFlags,
      ),
    compactionSuitable: (slot, order, watermark, highestZoneidx) =>
      compactionSuitable(env, slot, order, watermark, highestZoneidx),
    wakeupKcompactd(node, order, highestZoneidx) {
      if (!wakeupKcompactd(env, state, node, order, highestZoneidx)) return;
      k.queueKcompactd(node, () => {
        const n = state.node(env, node);
        const o = n.kcompactdMaxOrder;
        const z = n.kcompactdHighestZoneidx;
        const before = env.vmstat.pgmigrate_success;
        kcompactdDoWork(env, state, node);
        ev.event("kcompactd_do_work", {
          node,
          order: o,
          highestZoneidx: z,
          migrated: env.vmstat.pgmigrate_success - before,
        });
      });
    },
    directCompactSucceeded(pfn, order) {
      const z = k.machine.machine.zones.find((q) => pfn >= q.startPfn && pfn < q.startPfn + q.spannedPages);
      if (!z) return;
      const slot = z.slot;
      env.machine.setCompactBlockskipFlush(slot, false);
      compactionDeferReset(state.zone(slot), order, true);
    },
    kcompactdTimeout: (node) => proactiveCompactNode(env, state, node),
  };
}
