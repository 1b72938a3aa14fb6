// The 6.18 page allocator's entry and slow path (mm/page_alloc.c 6.18): __alloc_pages_noprof,
// __alloc_pages_slowpath with gfp_to_alloc_flags, wake_all_kswapds, the early async compaction for
// costly and non-movable high orders, the retry loop with __gfp_pfmemalloc_flags, direct reclaim
// (unreserve_highatomic_pageblock and drain_all_pages after a failed try), direct compaction at the
// current priority, __GFP_NORETRY, __GFP_RETRY_MAYFAIL, should_reclaim_retry, should_compact_retry,
// __alloc_pages_may_oom, __GFP_NOFAIL's loop and warn_alloc. get_page_from_freelist runs in the
// engine (Machine.alloc with ALLOC_* flags); each decision here is a typed event with its numbers.
//
// Not modelled: cpusets and nodemasks (check_retry_cpuset never restarts), PF_DUMPCORE,
// pm_suspended_storage, memory cgroups. Per-CPU lists exist when the machine has them
// (MachineSpec.percpuPagelists): drain_all_pages then gives their pages back; without them it has
// nothing to drain.

import type { Machine } from "../../engine/machine.js";
import type { KernelLog } from "../../sim/log.js";
import type { ReclaimRetryZone } from "../../sim/events.js";
import { gfpBitsFor, gfpZone, type GfpEra } from "../../include/linux/gfp.js";
import { PAGE_ALLOC_COSTLY_ORDER, MigrateType, ZONE_TYPES } from "../../include/linux/mmzone.js";
import { AllocFlags } from "../../mm/internal.js";
import { allocFlagsFor } from "../../mm/page_alloc.js";
import type { CompactionHook, KernelView, OomHook, ReportHook } from "./hooks.js";
import type { Vmscan618 } from "./vmscan.js";
import { PROFILE_618, type KernelProfile618 } from "./profile.js";
import type { VmEvents } from "./vmstat.js";
import {
  COMPACT,
  COMPACT_PRIORITY_NAMES,
  COMPACT_RESULT_NAMES,
  DEF_COMPACT_PRIORITY,
  INIT_COMPACT_PRIORITY,
  MAX_COMPACT_RETRIES,
  MAX_RECLAIM_RETRIES,
  MIN_COMPACT_COSTLY_PRIORITY,
  MIN_COMPACT_PRIORITY,
  type AllocContext,
  type CompactPriority,
  type CompactResult,
} from "./internal.js";

export const GFP_618 = gfpBitsFor("6.18");
const G = GFP_618;
const ZONE_NORMAL = ZONE_TYPES.indexOf("Normal");

/** The current task's flags the slow path tests. */
export interface AllocTaskContext {
  /** PF_MEMALLOC (kswapd, or a task inside reclaim). */
  memalloc: boolean;
  /** tsk_is_oom_victim(current). */
  oomVictim: boolean;
  inInterrupt: boolean;
  rtTask: boolean;
}

/** gfp_to_alloc_flags (mm/page_alloc.c 6.18): bindings/mm/page_alloc.ts allocFlagsFor for 6.18
 *  (without the reserve flags, which __gfp_pfmemalloc_flags gives separately), plus ALLOC_NOFRAGMENT
 *  under vm.defrag_mode. o.era "6.3" is 6.1.141's (ALLOC_HIGHATOMIC without __GFP_HIGH; profile.ts). */
export function gfpToAllocFlags(
  gfpMask: number,
  order: number,
  o: { rtTask?: boolean; defragMode?: boolean; era?: GfpEra } = {},
): number {
  const f = allocFlagsFor((gfpMask & ~G.__GFP_MEMALLOC) >>> 0, o.era ?? "6.18", { order, rtTask: o.rtTask });
  return f.allocFlags6_18 | (o.defragMode ? AllocFlags.NOFRAGMENT : 0);
}

/** __gfp_pfmemalloc_flags (mm/page_alloc.c 6.18): ALLOC_NO_WATERMARKS for __GFP_MEMALLOC or
 *  PF_MEMALLOC (not in an interrupt), ALLOC_OOM for an OOM victim; none with __GFP_NOMEMALLOC. */
export function gfpPfmemallocFlags(gfpMask: number, t: AllocTaskContext): number {
  if (gfpMask & G.__GFP_NOMEMALLOC) return 0;
  if (gfpMask & G.__GFP_MEMALLOC) return AllocFlags.NO_WATERMARKS;
  if (!t.inInterrupt) {
    if (t.memalloc) return AllocFlags.NO_WATERMARKS;
    if (t.oomVictim) return AllocFlags.OOM;
  }
  return 0;
}

/** gfp_migratetype (include/linux/gfp.h 6.18): (gfp & GFP_MOVABLE_MASK) >> GFP_MOVABLE_SHIFT. */
export function gfpMigratetype(gfpMask: number): number {
  if (gfpMask & G.__GFP_MOVABLE) return MigrateType.Movable;
  if (gfpMask & G.__GFP_RECLAIMABLE) return MigrateType.Reclaimable;
  return MigrateType.Unmovable;
}

/** gfp_compaction_allowed (include/linux/gfp.h 6.18): CONFIG_COMPACTION and __GFP_IO. */
export const gfpCompactionAllowed = (gfpMask: number, configCompaction: boolean): boolean =>
  configCompaction && (gfpMask & G.__GFP_IO) !== 0;

/** The early direct compaction rule of __alloc_pages_slowpath (6.18): before reclaim, for costly
 *  orders or non-movable high orders, when the caller may reclaim and compact and has no access to
 *  the reserves (gfp_pfmemalloc_allowed). */
export function earlyCompaction(
  canDirectReclaim: boolean,
  canCompact: boolean,
  order: number,
  migratetype: number,
  pfmemallocAllowed: boolean,
): boolean {
  const costly = order > PAGE_ALLOC_COSTLY_ORDER;
  return (
    canDirectReclaim &&
    canCompact &&
    (costly || (order > 0 && migratetype !== MigrateType.Movable)) &&
    !pfmemallocAllowed
  );
}

/** The arithmetic of should_reclaim_retry's zone check (mm/page_alloc.c 6.18), pure: the no-progress
 *  counter update and whether one zone passes at its min mark with available = reclaimable + free. */
export function reclaimRetryStep(
  order: number,
  didSomeProgress: boolean,
  noProgressLoops: number,
): { noProgressLoops: number; giveUp: boolean } {
  // costly orders always count as no progress
  const loops = didSomeProgress && order <= PAGE_ALLOC_COSTLY_ORDER ? 0 : noProgressLoops + 1;
  return { noProgressLoops: loops, giveUp: loops > MAX_RECLAIM_RETRIES };
}

/** should_compact_retry (mm/page_alloc.c 6.18) as arithmetic: returns the decision and the new
 *  priority and retry count. zonelistSuitable is compaction_zonelist_suitable's answer (used for
 *  COMPACT_SKIPPED only). */
export function shouldCompactRetry(
  order: number,
  result: CompactResult,
  priority: CompactPriority,
  retries: number,
  zonelistSuitable: () => boolean,
): { retry: boolean; priority: CompactPriority; retries: number; maxRetries: number } {
  let maxRetries = MAX_COMPACT_RETRIES;
  if (!order) return { retry: false, priority, retries, maxRetries };
  if (result === COMPACT.SKIPPED) return { retry: zonelistSuitable(), priority, retries, maxRetries };
  if (result === COMPACT.SUCCESS) {
    if (order > PAGE_ALLOC_COSTLY_ORDER) maxRetries = Math.floor(maxRetries / 4);
    if (++retries <= maxRetries) return { retry: true, priority, retries, maxRetries };
  }
  const minPriority = order > PAGE_ALLOC_COSTLY_ORDER ? MIN_COMPACT_COSTLY_PRIORITY : MIN_COMPACT_PRIORITY;
  if (priority > minPriority)
    return { retry: true, priority: (priority - 1) as CompactPriority, retries: 0, maxRetries };
  return { retry: false, priority, retries, maxRetries };
}

/** The exits of __alloc_pages_may_oom (mm/page_alloc.c 6.18) after its high-mark attempt failed,
 *  in the kernel's order: null when out_of_memory is to be called. */
export function mayOomExit(gfpMask: number, order: number, highestZoneidx: number): string | null {
  if (order > PAGE_ALLOC_COSTLY_ORDER) return "costly order";
  if (gfpMask & (G.__GFP_RETRY_MAYFAIL | G.__GFP_THISNODE)) return "__GFP_RETRY_MAYFAIL|__GFP_THISNODE";
  if (highestZoneidx < ZONE_NORMAL) return "lowmem";
  return null;
}

/** What the allocator needs from the kernel around it. */
export interface PageAllocKernel {
  readonly machine: Machine;
  readonly log: KernelLog;
  readonly vm: VmEvents;
  readonly vmscan: Vmscan618;
  readonly compaction: CompactionHook;
  readonly oom: OomHook;
  readonly report: ReportHook;
  readonly view: KernelView;
  /** The OOM killer's victims in order, with their points. */
  readonly oomKills: { pid: number; comm: string; points: number; freedPages: number }[];
  /** CONFIG_COMPACTION. */
  readonly configCompaction: boolean;
  /** vm.defrag_mode. */
  readonly defragMode: boolean;
  /** The release's rules where 6.1 and 6.18 differ (profile.ts; default PROFILE_618). */
  readonly profile?: KernelProfile618;
  taskContext(): AllocTaskContext;
  /** wakeup_kswapd(zone, gfp, order, highest_zoneidx). */
  wakeupKswapd(slot: number, gfpMask: number, order: number, highestZoneidx: number): void;
  /** A scheduling point (cond_resched, schedule_timeout): kswapd and due timers may run. */
  schedule(ms: number): void;
  /** The kernel stopped (an OOM panic). */
  halted(): boolean;
  /** panic(): nothing runs afterwards. */
  panic(): void;
}

/** The simulator's bound on __GFP_NOFAIL's endless loop and on OOM-progress retries. */
export const NOFAIL_LOOP_LIMIT = 100_000;

export class PageAlloc618 {
  /** The exit the last failed request took (nopage's why), for the callers' failure reasons. */
  lastNopage: string | null = null;
  /** The allocation failures warn_alloc was called for: order, gfp mask, comm. */
  readonly failures: { order: number; gfpMask: number; comm: string }[] = [];
  /** oom_lock holder (the simulated kernel runs one allocating context at a time, so trylock only
   *  fails when out_of_memory re-enters the allocator). */
  private oomLock = false;

  constructor(private readonly k: PageAllocKernel) {}

  /** alloc_contexts by gfp mask and node: the zones never change after boot, so each is worked out
   *  once (a sweep cell makes millions of requests with a handful of masks). Callers only read them. */
  private readonly acCache = new Map<number, AllocContext>();

  /** prepare_alloc_pages (mm/page_alloc.c 6.18): the alloc_context of a request. */
  allocContext(gfpMask: number, node = 0): AllocContext {
    const key = (gfpMask >>> 0) + node * 2 ** 32;
    const known = this.acCache.get(key);
    if (known) return known;
    const ac = Object.freeze(this.buildAllocContext(gfpMask, node));
    this.acCache.set(key, ac);
    return ac;
  }

  private buildAllocContext(gfpMask: number, node: number): AllocContext {
    const m = this.k.machine;
    let zone = gfpZone(gfpMask, "6.18");
    // OPT_ZONE_DMA / OPT_ZONE_DMA32 / OPT_ZONE_HIGHMEM are ZONE_NORMAL on a kernel without that zone
    if (zone !== "Normal" && zone !== "Movable" && !m.machine.zones.some((z) => z.type === zone && z.spannedPages > 0))
      zone = "Normal";
    const highestZoneidx = ZONE_TYPES.indexOf(zone);
    const zl = m.zonelistId(node, highestZoneidx);
    void zl;
    const zonelist = m.machine.zones
      .filter((z) => z.zoneIdx <= highestZoneidx && z.managedPages > 0)
      .sort((a, b) => (a.node === node ? 0 : 1) - (b.node === node ? 0 : 1) || b.zoneIdx - a.zoneIdx)
      .map((z) => z.slot);
    return { zonelist, highestZoneidx, migratetype: gfpMigratetype(gfpMask), preferredNode: node };
  }

  /** get_page_from_freelist in the engine: the block's pfn or -1. */
  private getPageFromFreelist(order: number, allocFlags: number, ac: AllocContext, owner: number): number {
    return this.k.machine.alloc({
      order,
      node: ac.preferredNode,
      highestZone: ZONE_TYPES[ac.highestZoneidx],
      migratetype: ac.migratetype as MigrateType,
      allocFlags,
      owner,
    });
  }

  private gpff(step: string, order: number, allocFlags: number, ac: AllocContext, owner: number): number {
    const pfn = this.getPageFromFreelist(order, allocFlags, ac, owner);
    this.k.log.event("get_page_from_freelist", { step, order, allocFlags, ok: pfn >= 0, pfn });
    return pfn;
  }

  /** alloc_flags_nofragment (mm/page_alloc.c 6.18): ALLOC_KSWAPD from the mask; ALLOC_NOFRAGMENT
   *  under defrag_mode, or when the preferred zone is Normal and a DMA32 zone lies below it. */
  private allocFlagsNofragment(gfpMask: number, ac: AllocContext): number {
    const flags = gfpMask & G.__GFP_KSWAPD_RECLAIM ? AllocFlags.KSWAPD : 0;
    if (this.k.defragMode) return flags | AllocFlags.NOFRAGMENT;
    const pref = ac.zonelist[0];
    if (pref === undefined) return flags;
    let nofragment = this.nofragmentBySlot.get(pref);
    if (nofragment === undefined) {
      nofragment = this.nofragmentZone(pref);
      this.nofragmentBySlot.set(pref, nofragment);
    }
    return nofragment ? flags | AllocFlags.NOFRAGMENT : flags;
  }

  /** Whether a preferred zone gets ALLOC_NOFRAGMENT outside defrag_mode (the machine's zones are fixed,
   *  so alloc_flags_nofragment's answer is kept per zone). */
  private readonly nofragmentBySlot = new Map<number, boolean>();
  private nofragmentZone(pref: number): boolean {
    const z = this.k.machine.zone(pref);
    if (z.zoneIdx !== ZONE_NORMAL) return false;
    const dma32 = this.k.machine.machine.zones.find((x) => x.node === z.node && x.type === "DMA32");
    const nodes = new Set(this.k.machine.machine.zones.map((x) => x.node)).size;
    if (nodes > 1 && !(dma32 && dma32.managedPages > 0)) return false;
    // CONFIG_ZONE_DMA32: a machine without a DMA32 zone anywhere has it off
    return this.k.machine.machine.zones.some((x) => x.type === "DMA32");
  }

  /** __alloc_pages_noprof (mm/page_alloc.c 6.18): the fast path at the low mark with ALLOC_CMA and
   *  alloc_flags_nofragment, then the slow path. Returns the pfn or -1. */
  allocPages(gfpMask: number, order: number, owner: number, node = 0): number {
    const ac = this.allocContext(gfpMask, node);
    let flags = AllocFlags.WMARK_LOW;
    if (ac.migratetype === MigrateType.Movable) flags |= AllocFlags.CMA; // gfp_to_alloc_flags_cma
    flags |= this.allocFlagsNofragment(gfpMask, ac);
    const pfn = this.getPageFromFreelist(order, flags, ac, owner);
    if (pfn >= 0) return pfn;
    return this.slowpath(gfpMask, order, ac, owner);
  }

  /** wake_all_kswapds (mm/page_alloc.c 6.18): each node of the zonelist once, at max(order,
   *  pageblock_order) under defrag_mode. */
  private wakeAllKswapds(order: number, gfpMask: number, ac: AllocContext): void {
    const reclaimOrder = this.k.defragMode ? Math.max(order, this.k.machine.machine.pageblockOrder) : order;
    const seen = new Set<number>();
    for (const slot of ac.zonelist) {
      const z = this.k.machine.zone(slot);
      if (seen.has(z.node)) continue;
      seen.add(z.node);
      this.k.wakeupKswapd(slot, gfpMask, reclaimOrder, ac.highestZoneidx);
    }
  }

  /** __alloc_pages_direct_compact (mm/page_alloc.c 6.18). */
  private directCompact(
    gfpMask: number,
    order: number,
    allocFlags: number,
    ac: AllocContext,
    prio: CompactPriority,
    owner: number,
    early: boolean,
  ): { pfn: number; result: CompactResult } {
    if (!order) return { pfn: -1, result: COMPACT.SKIPPED };
    const r = this.k.compaction.tryToCompactPages(gfpMask, order, allocFlags, ac, prio, owner);
    let pfn = -1;
    if (r.result !== COMPACT.SKIPPED) {
      this.k.vm.compact_stall++;
      pfn = r.page >= 0 ? r.page : this.getPageFromFreelist(order, allocFlags, ac, owner);
      if (pfn >= 0) this.k.compaction.directCompactSucceeded?.(pfn, order);
      this.k.vm[pfn >= 0 ? "compact_success" : "compact_fail"]++;
    }
    this.k.log.event("__alloc_pages_direct_compact", {
      order,
      early,
      priority: COMPACT_PRIORITY_NAMES[prio],
      result: COMPACT_RESULT_NAMES[r.result],
      ok: pfn >= 0,
      pfn,
    });
    return { pfn, result: r.result };
  }

  /** unreserve_highatomic_pageblock (mm/page_alloc.c 6.18): the zonelist's zones up to the highest
   *  index in order; the first that gives a highatomic pageblock back to ac->migratetype ends it
   *  (the engine moves the pages, Machine.unreserveHighatomic). pages: the free pages moved. */
  private unreserveHighatomicPageblock(ac: AllocContext, force: boolean): boolean {
    const m = this.k.machine;
    let pages = 0;
    for (const slot of ac.zonelist) {
      if (m.zone(slot).zoneIdx > ac.highestZoneidx) continue;
      pages = m.unreserveHighatomic(slot, ac.migratetype, force);
      if (pages > 0) break;
    }
    this.k.log.event("unreserve_highatomic_pageblock", { force, pages, ok: pages > 0 });
    return pages > 0;
  }

  /** __alloc_pages_direct_reclaim (mm/page_alloc.c 6.18): __perform_reclaim, then the freelist;
   *  after a failure, unreserve highatomic, drain the per-CPU lists and try once more. */
  private directReclaim(
    gfpMask: number,
    order: number,
    allocFlags: number,
    ac: AllocContext,
    owner: number,
  ): { pfn: number; progress: number } {
    this.memallocDepth++; // memalloc_noreclaim_save: reclaim does not recurse into reclaim
    let progress: number;
    try {
      progress = this.k.vmscan.tryToFreePages(ac.zonelist, gfpMask, order, ac.highestZoneidx);
    } finally {
      this.memallocDepth--;
    }
    let pfn = -1;
    let drained = false;
    if (progress) {
      pfn = this.gpff("after reclaim", order, allocFlags, ac, owner);
      if (pfn < 0) {
        this.unreserveHighatomicPageblock(ac, false);
        drained = true;
        // drain_all_pages(NULL): only a machine with per-CPU lists has pages there
        if (this.k.machine.hasPcp) {
          const pages = this.k.machine.drainAllPages();
          this.k.log.event("drain_all_pages", { pages });
        }
        pfn = this.gpff("after drain", order, allocFlags, ac, owner);
      }
    }
    this.k.log.event("__alloc_pages_direct_reclaim", { order, progress, drained, ok: pfn >= 0 });
    return { pfn, progress };
  }

  private memallocDepth = 0;
  /** PF_MEMALLOC of the allocating context, as direct reclaim sets it. */
  get inReclaim(): boolean {
    return this.memallocDepth > 0;
  }

  /** should_reclaim_retry (mm/page_alloc.c 6.18). */
  private shouldReclaimRetry(
    _gfpMask: number,
    order: number,
    ac: AllocContext,
    allocFlags: number,
    didSomeProgress: boolean,
    loops: { n: number },
  ): boolean {
    const step = reclaimRetryStep(order, didSomeProgress, loops.n);
    loops.n = step.noProgressLoops;
    const zones: ReclaimRetryZone[] = [];
    let ret = false;
    if (!step.giveUp) {
      for (const slot of ac.zonelist) {
        const z = this.k.machine.zone(slot);
        const reclaimable = this.k.vmscan.zoneReclaimablePages(slot);
        const free = this.k.machine.counters(slot).freePages;
        const available = reclaimable + free;
        const min = this.k.vmscan.minWmark(slot);
        const e = this.k.vmscan.watermarkWithFree(slot, order, min, ac.highestZoneidx, allocFlags, available);
        zones.push({ zone: z.type, reclaimable, free, available, min, ok: e.ok });
        if (e.ok) {
          ret = true;
          break;
        }
      }
      this.k.schedule(0); // cond_resched
    }
    this.k.log.event("should_reclaim_retry", {
      order,
      didProgress: didSomeProgress,
      noProgressLoops: loops.n,
      zones,
      retry: ret,
    });
    if (!ret) return this.unreserveHighatomicPageblock(ac, true);
    return ret;
  }

  /** __alloc_pages_may_oom (mm/page_alloc.c 6.18). */
  private mayOom(gfpMask: number, order: number, ac: AllocContext, owner: number): { pfn: number; progress: boolean } {
    const ev = (exit: string, progress: boolean, pfn: number) => {
      this.k.log.event("__alloc_pages_may_oom", { order, exit, progress, ok: pfn >= 0 });
      return { pfn, progress };
    };
    if (this.oomLock) {
      this.k.schedule(1); // schedule_timeout_uninterruptible(1)
      return ev("oom_lock held", true, -1);
    }
    this.oomLock = true;
    try {
      const pfn = this.gpff("oom high mark", order, AllocFlags.WMARK_HIGH | AllocFlags.CPUSET, ac, owner);
      if (pfn >= 0) return ev("page at high mark", false, pfn);
      const exit = mayOomExit(gfpMask, order, ac.highestZoneidx);
      if (exit) return ev(exit, false, -1);
      const r = this.k.oom.outOfMemory(
        { gfpMask, order, highestZoneidx: ac.highestZoneidx },
        this.k.view,
        this.k.report,
      );
      this.k.log.event("out_of_memory", {
        pid: r.victim?.pid ?? 0,
        comm: r.victim?.comm ?? "",
        points: r.victim?.points ?? 0,
        freedPages: r.victim?.freedPages ?? 0,
        ok: r.ok,
      });
      if (r.victim) {
        this.k.vm.oom_kill++;
        this.k.oomKills.push({ ...r.victim });
      }
      if (r.panic) this.k.panic();
      // WARN_ON_ONCE_GFP(gfp_mask & __GFP_NOFAIL): a __GFP_NOFAIL request counts as progress
      if (r.ok || gfpMask & G.__GFP_NOFAIL) {
        let page = -1;
        // __alloc_pages_cpuset_fallback with ALLOC_NO_WATERMARKS
        if (gfpMask & G.__GFP_NOFAIL) page = this.gpff("nofail", order, AllocFlags.NO_WATERMARKS, ac, owner);
        return ev(r.ok ? "out_of_memory" : "__GFP_NOFAIL", true, page);
      }
      return ev(r.panic ? "no victim" : "out_of_memory failed", false, -1);
    } finally {
      this.oomLock = false;
    }
  }

  /** __alloc_pages_slowpath (mm/page_alloc.c 6.18). */
  slowpath(gfpMask: number, order: number, ac: AllocContext, owner: number): number {
    const k = this.k;
    const canDirectReclaim = (gfpMask & G.__GFP_DIRECT_RECLAIM) !== 0 && !this.inReclaim;
    const canCompact = gfpCompactionAllowed(gfpMask, k.configCompaction);
    const nofail = (gfpMask & G.__GFP_NOFAIL) !== 0;
    const costly = order > PAGE_ALLOC_COSTLY_ORDER;
    const tctx = () => ({ ...k.taskContext(), memalloc: k.taskContext().memalloc || this.inReclaim });
    let compactionRetries = 0;
    const loops = { n: 0 };
    let compactResult: CompactResult = COMPACT.SKIPPED;
    let compactPriority: CompactPriority = DEF_COMPACT_PRIORITY;
    let allocFlags = gfpToAllocFlags(gfpMask, order, {
      rtTask: tctx().rtTask,
      defragMode: k.defragMode,
      era: (k.profile ?? PROFILE_618).allocFlagsEra,
    });
    let didSomeProgress = 0;
    let nofailLoops = 0;
    k.log.event("__alloc_pages_slowpath", {
      gfp: gfpMask,
      order,
      allocFlags,
      costly,
      canDirectReclaim: (gfpMask & G.__GFP_DIRECT_RECLAIM) !== 0,
      migratetype: ac.migratetype,
    });
    const got = (pfn: number, pass: string) => {
      k.log.event("alloc-ok", { pfn, order, pass });
      return pfn;
    };
    if (ac.zonelist.length === 0) return this.nopage(gfpMask, order, ac, owner, "no zone", nofail, canDirectReclaim);
    if (allocFlags & AllocFlags.KSWAPD) this.wakeAllKswapds(order, gfpMask, ac);
    let pfn = this.gpff("first", order, allocFlags, ac, owner);
    if (pfn >= 0) return got(pfn, "slowpath first");
    const pfmemallocAllowed = gfpPfmemallocFlags(gfpMask, tctx()) !== 0;
    if (earlyCompaction(canDirectReclaim, canCompact, order, ac.migratetype, pfmemallocAllowed)) {
      const r = this.directCompact(gfpMask, order, allocFlags, ac, INIT_COMPACT_PRIORITY, owner, true);
      compactResult = r.result;
      if (r.pfn >= 0) return got(r.pfn, "early compaction");
      if (costly && gfpMask & G.__GFP_NORETRY) {
        if (compactResult === COMPACT.SKIPPED || compactResult === COMPACT.DEFERRED)
          return this.nopage(
            gfpMask,
            order,
            ac,
            owner,
            "__GFP_NORETRY costly: compaction skipped or deferred",
            nofail,
            canDirectReclaim,
          );
        compactPriority = INIT_COMPACT_PRIORITY;
      }
    }
    for (;;) {
      // retry:
      if (k.halted()) return -1;
      if (allocFlags & AllocFlags.KSWAPD) this.wakeAllKswapds(order, gfpMask, ac);
      const reserveFlags = gfpPfmemallocFlags(gfpMask, tctx());
      if (reserveFlags)
        allocFlags =
          reserveFlags |
          (ac.migratetype === MigrateType.Movable ? AllocFlags.CMA : 0) |
          (allocFlags & AllocFlags.KSWAPD);
      pfn = this.gpff("retry", order, allocFlags, ac, owner);
      if (pfn >= 0) return got(pfn, "retry");
      let why: string | null = null;
      if (!canDirectReclaim) why = gfpMask & G.__GFP_DIRECT_RECLAIM ? "PF_MEMALLOC" : "cannot reclaim";
      if (!why) {
        const dr = this.directReclaim(gfpMask, order, allocFlags, ac, owner);
        didSomeProgress = dr.progress;
        if (dr.pfn >= 0) return got(dr.pfn, "direct reclaim");
        const dc = canCompact
          ? this.directCompact(gfpMask, order, allocFlags, ac, compactPriority, owner, false)
          : { pfn: -1, result: COMPACT.SKIPPED as CompactResult };
        compactResult = dc.result;
        if (dc.pfn >= 0) return got(dc.pfn, "direct compaction");
        if (gfpMask & G.__GFP_NORETRY) why = "__GFP_NORETRY";
        else if (costly && (!canCompact || !(gfpMask & G.__GFP_RETRY_MAYFAIL)))
          why = "costly order without __GFP_RETRY_MAYFAIL";
      }
      if (!why) {
        if (this.shouldReclaimRetry(gfpMask, order, ac, allocFlags, didSomeProgress > 0, loops)) continue;
        if (didSomeProgress > 0 && canCompact) {
          const before = compactPriority;
          const r = shouldCompactRetry(order, compactResult, compactPriority, compactionRetries, () =>
            k.compaction.compactionZonelistSuitable(ac, order, allocFlags),
          );
          k.log.event("should_compact_retry", {
            order,
            result: COMPACT_RESULT_NAMES[compactResult],
            priority: COMPACT_PRIORITY_NAMES[before],
            newPriority: COMPACT_PRIORITY_NAMES[r.priority],
            retries: r.retries,
            maxRetries: r.maxRetries,
            retry: r.retry,
          });
          compactPriority = r.priority;
          compactionRetries = r.retries;
          if (r.retry) continue;
        }
        if (k.defragMode && allocFlags & AllocFlags.NOFRAGMENT) {
          allocFlags &= ~AllocFlags.NOFRAGMENT;
          continue;
        }
        const oom = this.mayOom(gfpMask, order, ac, owner);
        if (oom.pfn >= 0) return got(oom.pfn, "oom");
        if (k.halted()) return -1;
        const victim = tctx().oomVictim;
        if (victim && (allocFlags & AllocFlags.OOM || gfpMask & G.__GFP_NOMEMALLOC)) why = "OOM victim";
        else if (oom.progress) {
          loops.n = 0;
          if (++nofailLoops > NOFAIL_LOOP_LIMIT) why = "oomlab: OOM progress loop bound";
          else continue;
        } else why = "no OOM kill";
      }
      // nopage:
      if (nofail && canDirectReclaim) {
        const p = this.gpff("nofail", order, AllocFlags.MIN_RESERVE, ac, owner);
        if (p >= 0) return got(p, "__GFP_NOFAIL reserve");
        if (++nofailLoops > NOFAIL_LOOP_LIMIT)
          return this.nopage(gfpMask, order, ac, owner, "oomlab: __GFP_NOFAIL loop bound", false, canDirectReclaim);
        k.schedule(0);
        continue;
      }
      return this.nopage(gfpMask, order, ac, owner, why, false, canDirectReclaim);
    }
  }

  /** nopage / fail: warn_alloc's report, through the ReportHook. */
  private nopage(
    gfpMask: number,
    order: number,
    _ac: AllocContext,
    _owner: number,
    why: string,
    _nofail: boolean,
    _canDirectReclaim: boolean,
  ): number {
    const k = this.k;
    k.log.event("nopage", { gfp: gfpMask, order, why });
    this.lastNopage = why;
    const comm = k.view.current?.comm ?? "swapper/0";
    const lines = k.report.warnAlloc(gfpMask, order, k.view);
    for (const l of lines) k.log.printk(l);
    k.log.event("warn_alloc", { gfp: gfpMask, order, comm, printed: lines.length });
    this.failures.push({ order, gfpMask, comm });
    k.log.event("alloc-fail", { gfp: gfpMask, order, why });
    return -1;
  }
}
