// The three narrow interfaces the 6.18 slow path (mm/page_alloc.ts, mm/vmscan.ts) calls for the parts
// other modules model: compaction (mm/compaction.c), the OOM killer (mm/oom_kill.c) and the reports
// (mm/show_mem.c, warn_alloc). Each method keeps the kernel function's name and arguments. The kernel
// model (linux-6.18/kernel.ts KERNEL_HOOKS_618) wires in the real modules: mm/compaction.ts,
// mm/oom_kill.ts, mm/warn_alloc.ts with mm/show_mem.ts. The SIMPLE_* implementations below are
// deliberately simpler stand-ins, for tests that look at the slow path alone: compaction that always
// says COMPACT_SKIPPED, an OOM killer that picks the highest badness with a two-line report, and
// one-line reports. Kernel618 takes factories of these hooks.

import type { Machine } from "../../engine/machine.js";
import type { KernelLog } from "../../sim/log.js";
import type { VmEvents } from "./vmstat.js";
import { decodeGfp, gfpBitsFor } from "../../include/linux/gfp.js";
import { COMPACT, type AllocContext, type CompactPriority, type CompactResult } from "./internal.js";
import { getMmRss, type Task618 } from "../include/linux/mm_types.js";
import type { KernelProfile618 } from "./profile.js";

const GFP = gfpBitsFor("6.18");

/** Per-node state the reports and the OOM killer print (node_stat_item counters, in pages). */
export interface NodeState618 {
  activeAnon: number;
  inactiveAnon: number;
  activeFile: number;
  inactiveFile: number;
  unevictable: number;
  isolatedAnon: number;
  isolatedFile: number;
  mapped: number;
  dirty: number;
  writeback: number;
  shmem: number;
  anonThp: number;
  slabReclaimable: number;
  slabUnreclaimable: number;
  kernelStack: number;
  pagetables: number;
  /** pgdat->kswapd_failures, and whether it reached MAX_RECLAIM_RETRIES ("all_unreclaimable?"). */
  kswapdFailures: number;
  allUnreclaimable: boolean;
}

/** What the hooks may read and do in the simulated kernel (what the kernel reaches through globals). */
export interface KernelView {
  readonly machine: Machine;
  readonly pageSize: number;
  /** The task list in for_each_process order. */
  readonly tasks: readonly Task618[];
  /** current; null in interrupt context. */
  readonly current: Task618 | null;
  /** Simulated ms since boot. */
  readonly nowMs: number;
  /** totalram_pages(). */
  readonly totalramPages: number;
  /** total_swap_pages and get_nr_swap_pages(). */
  readonly swapTotalPages: number;
  readonly swapFreePages: number;
  nodeState(node: number): NodeState618;
  /** /proc/vmstat by name. */
  vmstat(): Record<string, number>;
  printk(text: string): void;
  /** Sends SIGKILL and lets the OOM reaper and exit free the task's memory; returns the pages freed. */
  killTask(t: Task618): number;
  /** Compaction moved a block: the kernel's bookkeeping (LRU position, owner, kind) follows it. */
  migrateFolio(oldPfn: number, newPfn: number, order: number): void;
  /** The kernel log (typed events and printk) and /proc/vmstat's event counters. */
  readonly log: KernelLog;
  readonly vm: VmEvents;
  /** HZ and jiffies of the simulated clock. */
  readonly hz: number;
  readonly jiffies: number;
  /** CONFIG_COMPACTION, vm.extfrag_threshold, vm.compaction_proactiveness. */
  readonly configCompaction: boolean;
  readonly extfragThreshold: number;
  readonly compactionProactiveness: number;
  /** The release's rules where 6.1 and 6.18 differ (profile.ts); absent: 6.18. */
  readonly profile?: KernelProfile618;
  /** kswapd_is_running(pgdat). */
  kswapdIsRunning(node: number): boolean;
  /** zone_reclaimable_pages (mm/vmscan.c 6.18). */
  zoneReclaimablePages(slot: number): number;
  /** A zone's LRU sizes (NR_ZONE_ACTIVE_ANON ...) and NR_ZONE_WRITE_PENDING, in pages. */
  zoneLru(slot: number): {
    activeAnon: number;
    inactiveAnon: number;
    activeFile: number;
    inactiveFile: number;
    writePending: number;
  };
  /** Queues work of kcompactd on a node: it runs as kswapd does, when the allocating call returns or
   *  the task sleeps, in the "kcompactd" context. */
  queueKcompactd(node: number, work: () => void): void;
}

/** mm/compaction.c 6.18 as the slow path and kswapd call it. */
export interface CompactionHook {
  /** try_to_compact_pages(gfp_mask, order, alloc_flags, ac, prio, &page): the result, and the block
   *  compaction captured for the caller (page: its pfn, allocated to owner; -1 for none). owner is
   *  oomlab's (the kernel preps the captured page for current). */
  tryToCompactPages(
    gfpMask: number,
    order: number,
    allocFlags: number,
    ac: AllocContext,
    prio: CompactPriority,
    owner: number,
  ): { result: CompactResult; page: number };
  /** compaction_zonelist_suitable(ac, order, alloc_flags). */
  compactionZonelistSuitable(ac: AllocContext, order: number, allocFlags: number): boolean;
  /** compaction_suitable(zone, order, watermark, highest_zoneidx); zone is the engine slot. */
  compactionSuitable(zone: number, order: number, watermark: number, highestZoneidx: number): boolean;
  /** wakeup_kcompactd(pgdat, order, highest_zoneidx). */
  wakeupKcompactd(node: number, order: number, highestZoneidx: number): void;
  /** __alloc_pages_direct_compact got a page (captured or from the free lists) after compaction:
   *  zone->compact_blockskip_flush = false and compaction_defer_reset(zone, order, true). */
  directCompactSucceeded?(pfn: number, order: number): void;
  /** One timeout of kcompactd's loop (proactive compaction, mm/compaction.c kcompactd 6.18): the next
   *  timeout in ms, or null when kcompactd only wakes on demand (compaction_proactiveness 0). */
  kcompactdTimeout?(node: number): number | null;
}

/** struct oom_control (include/linux/oom.h 6.18) for a global OOM (no memcg, no nodemask). */
export interface OomControl {
  gfpMask: number;
  order: number;
  highestZoneidx: number;
}

/** What out_of_memory did: its return value, and the victim when it killed one. */
export interface OomResult {
  /** out_of_memory's bool: true when a victim was chosen (or current was already dying). */
  ok: boolean;
  victim: { pid: number; comm: string; points: number; freedPages: number } | null;
  /** select_bad_process found nothing killable: the kernel panics ("System is deadlocked on memory"). */
  panic?: boolean;
}

/** mm/oom_kill.c 6.18. */
export interface OomHook {
  /** out_of_memory(oc): select_bad_process over the task list, oom_kill_process, the reaper. Prints
   *  its report through the ReportHook it was given. */
  outOfMemory(oc: OomControl, k: KernelView, report: ReportHook): OomResult;
}

/** The reports (mm/oom_kill.c dump_header and oom_kill_process, mm/show_mem.c, warn_alloc in
 *  mm/page_alloc.c 6.18): the lines to print. */
export interface ReportHook {
  /** dump_header(oc) followed by the kill line of __oom_kill_process. */
  oomReport(oc: OomControl, victim: { pid: number; comm: string; points: number } | null, k: KernelView): string[];
  /** warn_alloc(gfp_mask, nodemask, "page allocation failure: order:%u", order): [] when __GFP_NOWARN
   *  or the nopage ratelimit suppresses it. */
  warnAlloc(gfpMask: number, order: number, k: KernelView): string[];
}

export interface Hooks618 {
  compaction: (k: KernelView) => CompactionHook;
  oom: (k: KernelView) => OomHook;
  report: (k: KernelView) => ReportHook;
}

/** SIMPLE (stand-in): no compaction. try_to_compact_pages says COMPACT_SKIPPED (what
 *  CONFIG_COMPACTION=n's stub returns), so no compact_stall is counted; compaction_suitable and
 *  compaction_zonelist_suitable say no; kcompactd is never woken. */
export const SIMPLE_COMPACTION: Hooks618["compaction"] = () => ({
  tryToCompactPages: () => ({ result: COMPACT.SKIPPED, page: -1 }),
  compactionZonelistSuitable: () => false,
  compactionSuitable: () => false,
  wakeupKcompactd: () => {},
});

/** oom_badness (mm/oom_kill.c 6.18) without its task checks: rss + swap entries + page tables in
 *  pages, plus oom_score_adj * (totalpages / 1000) (`adj *= totalpages / 1000`: the unsigned division
 *  first, as mm/oom_kill.ts oomBadness has it); null for OOM_SCORE_ADJ_MIN (never chosen). */
export function defaultBadness(t: Task618, totalpages: number, pageSize: number): number | null {
  if (t.oomScoreAdj === -1000 || t.kthread || t.mm === null || t.killed) return null;
  const points = getMmRss(t) + t.swapents + Math.floor(t.pgtablesBytes / pageSize);
  return points + t.oomScoreAdj * Math.floor(totalpages / 1000);
}

/** SIMPLE (stand-in): select_bad_process by defaultBadness (a later task wins ties, as
 *  oom_evaluate_task's `points < chosen_points` skip gives), kill it, print the report's lines. */
export const SIMPLE_OOM: Hooks618["oom"] = () => ({
  outOfMemory(oc, k, report) {
    const totalpages = k.totalramPages + k.swapTotalPages;
    let chosen: Task618 | null = null;
    let chosenPoints = Number.NEGATIVE_INFINITY;
    for (const t of k.tasks) {
      const p = defaultBadness(t, totalpages, k.pageSize);
      if (p === null || p < chosenPoints) continue;
      chosen = t;
      chosenPoints = p;
    }
    if (!chosen) {
      for (const l of report.oomReport(oc, null, k)) k.printk(l);
      return { ok: false, victim: null, panic: true };
    }
    const points = chosenPoints;
    for (const l of report.oomReport(oc, { pid: chosen.pid, comm: chosen.comm, points }, k)) k.printk(l);
    const freedPages = k.killTask(chosen);
    return { ok: true, victim: { pid: chosen.pid, comm: chosen.comm, points, freedPages } };
  },
});

const gfpText = (mask: number) => `0x${mask.toString(16)}(${decodeGfp(mask, "6.18").text})`;

/** SIMPLE (stand-in): the first line of each report and the kill line; no Mem-Info, no task
 *  table, no ratelimit. */
export const SIMPLE_REPORT: Hooks618["report"] = () => ({
  oomReport(oc, victim, k) {
    const cur = k.current;
    const lines = [
      `${cur?.comm ?? "swapper/0"} invoked oom-killer: gfp_mask=${gfpText(oc.gfpMask)}, order=${oc.order}, ` +
        `oom_score_adj=${cur?.oomScoreAdj ?? 0}`,
    ];
    if (victim) lines.push(`Out of memory: Killed process ${victim.pid} (${victim.comm})`);
    else lines.push("Kernel panic - not syncing: System is deadlocked on memory");
    return lines;
  },
  warnAlloc(gfpMask, order, k) {
    if (gfpMask & GFP.__GFP_NOWARN) return [];
    const comm = k.current?.comm ?? "swapper/0";
    return [`${comm}: page allocation failure: order:${order}, mode:${gfpText(gfpMask)}, nodemask=(null)`];
  },
});

export const SIMPLE_HOOKS: Hooks618 = { compaction: SIMPLE_COMPACTION, oom: SIMPLE_OOM, report: SIMPLE_REPORT };
