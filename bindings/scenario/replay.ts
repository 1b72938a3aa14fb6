// Replaying a 2.6.11 scenario under an XFS kmem_alloc policy: the simulated kernel log, structured
// events, and the outcome (success, OOM kills, livelock, panic); and the policy comparison table.

import { validateScenario, type Scenario, type ScenarioEvent } from "./schema.js";
import { buildKernel } from "./build.js";
import { OWNER, type Kernel2611 } from "../linux-2.6.11/kernel.js";
import { Slab2611 } from "../linux-2.6.11/mm/slab.js";
import { Vmalloc2611, armVmallocRange } from "../linux-2.6.11/mm/vmalloc.js";
import { XfsKmem, KM_FLAGS, type KmemPolicy, type KmemResult } from "../linux-2.6.11/fs/xfs/kmem.js";
import { OomlabError } from "../errors.js";
import type { KmemCallerPolicy } from "../sim/xfs_kmem.js";
import { GFP_2611, parseGfp2611 } from "../include/linux/gfp.js";
import type { SimEvent } from "../sim/events.js";
import { scaledLogLimits, type LogLimits } from "../sim/log.js";

export const POLICIES: KmemPolicy[] = ["pre-bdfb04301fa5", "bdfb04301fa5", "kvmalloc"];

const MIB = 2 ** 20;

export interface ReplayOptions {
  policy?: KmemPolicy;
  /** Overrides the size of every kmem_alloc event (bytes). */
  size?: number;
  /** Bound for kmem_alloc's endless loop, in retries and simulated ms. */
  maxRetries?: number;
  maxSimMs?: number;
  /** Record structured events (default true). */
  events?: boolean;
  /** What the kernel log keeps of its lines and events (default scaledLogLimits of the task count:
   *  the first and the last entries of each, the rest counted in ReplayResult.dropped). */
  logLimits?: LogLimits;
  /** Called with the simulated kernel once it is built, before anything runs (for tests and tools
   *  that instrument or inspect it; the replay does not keep it). */
  onKernel?: (k: Kernel2611) => void;
}

export interface ReplayResult {
  scenario: string;
  /** The last request the scenario made: an XFS kmem_alloc or a plain alloc_pages. */
  request: "kmem_alloc" | "alloc_pages";
  policy: KmemPolicy;
  /** Bytes asked for by the last request (PAGE_SIZE << order for alloc_pages). */
  size: number;
  outcome: "success" | "failed" | "livelock" | "panic";
  kills: { pid: number; comm: string }[];
  deadlockMessages: number;
  simMs: number;
  /** Free memory (kB) when the OOM killer first ran, or null. */
  freeKbAtOom: number | null;
  lines: string[];
  events: SimEvent[];
  kmem: Omit<KmemResult, "ptr"> | null;
  /** Present only when the kernel log outgrew its limits: the printk lines and the events left
   *  out between the first and the last ones kept (lines holds a marker line there, events an
   *  "events-dropped" event). */
  dropped?: { lines: number; events: number };
}

interface Runtime {
  k: Kernel2611;
  xfs: XfsKmem;
  refaulted: number;
  freeKbAtOom: number | null;
  /** Kernel stacks kept by free_thread_info for reuse (ARM). */
  threadInfoCache: number[];
  /** alloc_pages events run so far by the task the replay follows, and in the background. */
  requests: number;
  bgRequests: number;
}

/** Builds the kernel and the callers (slab, vmalloc, XFS) of a scenario. */
function setUp(sc: Scenario, o: ReplayOptions): Runtime {
  // An OOM event lists every task: the log's budget holds a few of them whatever the task count.
  const k = buildKernel(sc, { logLimits: o.logLimits ?? scaledLogLimits(sc.tasks.length) });
  k.log.recordEvents = o.events ?? true;
  const slab = new Slab2611(k, { ramPages: k.totalPages });
  const range = armVmallocRange(k.totalPages * k.pageSize, undefined, sc.vmallocEnd);
  if (range.start >= range.end) {
    const hex = (n: number) => `0x${n.toString(16)}`;
    throw new OomlabError(
      "OOMLAB_BAD_SPEC",
      `scenario: no room for vmalloc: with ${Math.floor((k.totalPages * k.pageSize) / MIB)} MiB of RAM ` +
        "at PAGE_OFFSET 0xc0000000, VMALLOC_START (high_memory + 8 MiB, aligned) " +
        `is ${hex(range.start)}, not below VMALLOC_END ${hex(range.end)}; ` +
        "set vmallocEnd to the board's value or give the machine less memory",
    );
  }
  const vmalloc = new Vmalloc2611({
    pa: k,
    slab,
    log: k.log,
    clock: k.clock,
    start: range.start,
    end: range.end,
    ratelimit: k.ratelimit,
  });
  const xfs = new XfsKmem({
    policy: o.policy ?? "pre-bdfb04301fa5",
    slab,
    vmalloc,
    clock: k.clock,
    log: k.log,
    owner: OWNER.slab,
    maxRetries: o.maxRetries,
    maxSimMs: o.maxSimMs,
    congestionWait: (j) => k.congestionWait(j),
    halted: () => k.panicked,
  });
  const rt: Runtime = { k, xfs, refaulted: 0, freeKbAtOom: null, threadInfoCache: [], requests: 0, bgRequests: 0 };
  o.onKernel?.(k);
  for (const e of sc.events) if (e.every !== undefined) schedulePeriodic(rt, e, e.from ?? 0);
  return rt;
}

/** A periodic event as a kernel timer: it runs at from, from + every, ... up to until, while the
 *  allocating task sleeps (the background load). */
function schedulePeriodic(rt: Runtime, e: ScenarioEvent, at: number): void {
  if (at > (e.until ?? Infinity)) return;
  rt.k.addTimer(at, () => {
    if (e.do === "refault") refault(rt, e.task);
    else if (e.do === "fork-exit") forkExit(rt, e);
    else if (e.do === "alloc_pages") allocPagesEvent(rt, e);
    schedulePeriodic(rt, e, at + (e.every as number));
  });
}

/** A task reads back the page-cache pages reclaim evicted since the last time (a working set
 *  larger than memory): cold, unmapped, clean, inactive file pages. */
function refault(rt: Runtime, pid: number): void {
  const k = rt.k;
  const task = k.task(pid);
  if (!task || task.killed) return;
  const saved = k.current;
  k.current = task;
  const want = k.vmscan.reclaimedFile - rt.refaulted;
  for (let i = 0; i < want; i++) {
    // page_cache_alloc (include/linux/pagemap.h 2.6.11): the mapping's gfp mask, GFP_HIGHUSER for an
    // ordinary inode (fs/inode.c alloc_inode)
    const page = { anon: false, mapped: false, hot: false, dirty: false, active: false };
    if (k.addLruPage(GFP_2611.GFP_HIGHUSER, OWNER.pagecache, page) < 0) break;
    rt.refaulted++;
  }
  k.log.event("refault", { pid, pages: want });
  k.current = saved;
}

/** arch/arm/kernel/process.c 2.6.11: freed kernel stacks (THREAD_SIZE = 8 KiB, order 1) are kept
 *  for reuse, up to EXTRA_TASK_STRUCT = 4; only a stack freed while 4 are kept goes back to the page
 *  allocator. */
const EXTRA_TASK_STRUCT = 4;
const THREAD_SIZE_ORDER = 1;

/** A task forks `count` short-lived children that exit `lifetime` ms later. Each child's kernel
 *  stack comes from the thread_info cache or __get_free_pages(GFP_KERNEL, 1) (alloc_thread_info);
 *  at exit free_thread_info keeps it or calls free_pages, which goes straight to the buddy
 *  allocator (__free_pages_ok -> free_pages_bulk) and so resets the zone's pages_scanned and
 *  all_unreclaimable. The children's other memory (page tables, a few pages) is left out. */
function forkExit(rt: Runtime, e: ScenarioEvent): void {
  const k = rt.k;
  const parent = k.task(e.task);
  if (!parent || parent.killed) return;
  const stacks: number[] = [];
  for (let i = 0; i < (e.count ?? 1); i++) {
    let stack = rt.threadInfoCache.pop() ?? -1;
    if (stack < 0) {
      const saved = k.current;
      k.current = parent;
      stack = k.allocPages(GFP_2611.GFP_KERNEL, THREAD_SIZE_ORDER, OWNER.kernel); // alloc_thread_info
      k.current = saved;
    }
    k.log.event("fork", { parent: parent.pid, stack });
    if (stack >= 0) stacks.push(stack);
  }
  // Children whose stack could not be allocated never ran: nothing to do at their exit, and no timer
  // (a fork-exit every ms with a long lifetime on a full machine would pile timers up).
  if (stacks.length === 0) return;
  k.addTimer(k.clock.nowMs + (e.lifetime ?? 0), () => {
    for (const stack of stacks) {
      const kept = rt.threadInfoCache.length < EXTRA_TASK_STRUCT;
      if (kept) rt.threadInfoCache.push(stack);
      else k.freePages(stack, THREAD_SIZE_ORDER);
      k.log.event("exit", { parent: parent.pid, stack, freed: !kept });
    }
  });
}

/** __alloc_pages(gfp, order) for the event's task (in interrupt context if it says so); the pages
 *  are freed lifetime ms later when the event gives a lifetime. Returns the pfn or -1. */
function allocPagesEvent(rt: Runtime, e: ScenarioEvent): number {
  const k = rt.k;
  const task = k.task(e.task);
  if (!task || task.killed) return -1;
  const gfp = parseGfp2611(e.gfp);
  const order = e.order as number;
  const saved = { current: k.current, irq: k.inInterrupt };
  k.current = task;
  k.inInterrupt = e.interrupt === true;
  let pfn = -1;
  try {
    k.log.event("alloc_pages-request", { pid: task.pid, comm: task.comm, order, gfp, interrupt: k.inInterrupt });
    pfn = k.allocPages(gfp, order, task.pid);
    const n = k.log.context === "background" ? ++rt.bgRequests : ++rt.requests;
    k.log.event("alloc_pages-done", {
      via: "alloc_pages",
      size: k.pageSize * 2 ** order,
      order,
      gfp,
      ok: pfn >= 0,
      pfn,
      attempt: n,
    });
  } finally {
    k.current = saved.current;
    k.inInterrupt = saved.irq;
  }
  if (pfn >= 0 && e.lifetime !== undefined) k.addTimer(k.clock.nowMs + e.lifetime, () => k.freePages(pfn, order));
  return pfn;
}

/** Replays a scenario under one policy. */
export function replay(input: unknown, o: ReplayOptions = {}): ReplayResult {
  const sc = validateScenario(input);
  const rt = setUp(sc, o);
  const { k, xfs } = rt;
  let kmem: KmemResult | null = null;
  let size = o.size ?? 0;
  let last: { request: ReplayResult["request"]; ok: boolean; size: number } | null = null;
  const oneOff = sc.events.filter((e) => e.every === undefined).sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
  // Record free memory the first time the OOM killer dumps the free areas.
  const origOom = k.showFreeAreas.bind(k);
  k.showFreeAreas = () => {
    if (rt.freeKbAtOom === null)
      rt.freeKbAtOom = k.machine.allStats().reduce((s, z) => s + z.freePages, 0) * (k.pageSize / 1024);
    return origOom();
  };
  for (const e of oneOff) {
    if ((e.at ?? 0) > k.clock.nowMs) k.congestionWait(Math.ceil((((e.at ?? 0) - k.clock.nowMs) * k.clock.hz) / 1000));
    if (e.do === "alloc_pages") {
      const pfn = allocPagesEvent(rt, e);
      last = { request: "alloc_pages", ok: pfn >= 0, size: k.pageSize * 2 ** (e.order as number) };
      if (k.panicked) break;
      continue;
    }
    if (e.do !== "kmem_alloc") continue;
    const task = k.task(e.task);
    if (!task) throw new OomlabError("OOMLAB_BAD_SPEC", `scenario: no task ${e.task}`);
    size = o.size ?? (e.size as number);
    const flags = (e.flags ?? ["KM_SLEEP"]).reduce((f, n) => f | KM_FLAGS[n], 0); // names checked by validateScenario
    k.current = task;
    k.log.event("kmem_alloc", { policy: xfs.policy, size, flags, pid: task.pid, comm: task.comm });
    kmem = xfs.kmemAlloc(size, flags);
    last = { request: "kmem_alloc", ok: kmem.ptr !== null, size };
    k.current = null;
    if (k.panicked) break;
  }
  const kills = k.oomKills.map((t) => ({ pid: t.pid, comm: t.comm }));
  const outcome: ReplayResult["outcome"] = k.panicked
    ? "panic"
    : last?.request === "kmem_alloc" && kmem?.livelock
      ? "livelock"
      : last?.ok
        ? "success"
        : "failed";
  const { ptr: _ptr, ...kmemRest } = kmem ?? ({ ptr: null } as KmemResult);
  void _ptr;
  const dropped = { lines: k.log.droppedLines, events: k.log.droppedEvents };
  return {
    scenario: sc.name,
    request: last?.request ?? "kmem_alloc",
    policy: xfs.policy,
    size: last?.size ?? size,
    outcome,
    kills,
    deadlockMessages: kmem?.deadlockMessages ?? 0,
    simMs: k.clock.nowMs,
    freeKbAtOom: rt.freeKbAtOom,
    lines: k.log.lines,
    events: k.log.events,
    kmem: kmem ? (kmemRest as ReplayResult["kmem"]) : null,
    ...(dropped.lines || dropped.events ? { dropped } : {}),
  };
}

export interface CompareRow {
  /** An XFS policy (2.6.11), or any caller policy of a 6.18 comparison (scenario/compare618.ts). */
  policy: KmemCallerPolicy;
  sizeKb: number;
  outcome: ReplayResult["outcome"];
  kills: string;
  deadlockMessages: number;
  simMs: number;
  freeKbAtOom: number | null;
}

/** Replays the scenario for every policy and size. */
export function compare(input: unknown, sizesKb = [64, 96, 128, 256], o: ReplayOptions = {}): CompareRow[] {
  const sc = validateScenario(input);
  if (!sc.events.some((e) => e.do === "kmem_alloc"))
    throw new OomlabError(
      "OOMLAB_BAD_SPEC",
      `scenario ${sc.name} has no kmem_alloc event: the comparison replays XFS kmem_alloc policies and sizes`,
    );
  const rows: CompareRow[] = [];
  for (const sizeKb of sizesKb) {
    for (const policy of POLICIES) {
      const r = replay(input, { ...o, policy, size: sizeKb * 1024, events: false });
      rows.push({
        policy,
        sizeKb,
        outcome: r.outcome,
        kills: r.kills.map((v) => `${v.pid} (${v.comm})`).join(", ") || "-",
        deadlockMessages: r.deadlockMessages,
        simMs: r.simMs,
        freeKbAtOom: r.freeKbAtOom,
      });
    }
  }
  return rows;
}
