// The simulated Linux 2.6.11 kernel: one machine (the WASM engine), the allocator with its slow
// path, reclaim and kswapd, swap, tasks and the OOM killer, wired together with simulated time.
// Callers (kmalloc, vmalloc, XFS) allocate through it as a PageAllocator.

import { Machine } from "../engine/machine.js";
import { PageAlloc2611, PCP_OWNER } from "./mm/page_alloc.js";
import { Vmscan2611, type LruPage, type SwapState } from "./mm/vmscan.js";
import { showFreeAreas2611, type ShowMem2611 } from "./mm/show_mem.js";
import { outOfMemory2611 } from "./mm/oom_kill.js";
import { KernelLog, DEFAULT_LOG_LIMITS, type LogLimits } from "../sim/log.js";
import { TimerQueue, type Timer } from "../sim/timers.js";
import { HZ_DEFAULT, SimClock } from "../sim/clock.js";
import type { PageAllocator } from "../sim/page_allocator.js";
import type { Task } from "../sim/tasks.js";
import { PrintkRatelimit } from "./kernel/printk.js";
import { ERA_2_6_11 } from "../kernel/releases.js";
import type { MachineSpec } from "../include/machine.js";
import type { ZONE_TYPES } from "../include/linux/mmzone.js";
import { GFP_2611 } from "../include/linux/gfp.js";
import { OomlabError } from "../errors.js";

/** Owner ids of kernel memory that belongs to no task. */
export const OWNER = {
  kernel: 0xfffffff1,
  slab: 0xfffffff2,
  pagetables: 0xfffffff3,
  pagecache: 0xfffffff4,
  vmalloc: 0xfffffff5,
} as const;

export interface KernelOptions {
  hz?: number;
  nrCpus?: number;
  swapTotalPages?: number;
  swapFreePages?: number;
  swapCache?: Partial<Pick<SwapState, "add" | "del" | "findSuccess" | "findTotal" | "noentRace" | "existRace">>;
  /** Seconds since boot at t = 0. */
  uptimeSec?: number;
  /** What the kernel log keeps (default DEFAULT_LOG_LIMITS). */
  logLimits?: LogLimits;
}

export class Kernel2611 implements PageAllocator {
  readonly clock: SimClock;
  readonly log: KernelLog;
  readonly machine: Machine;
  readonly alloc: PageAlloc2611;
  readonly vmscan: Vmscan2611;
  readonly swap: SwapState;
  /** printk_ratelimit's one bucket (kernel/printk.c): allocation-failure and vmalloc warnings. */
  readonly ratelimit: PrintkRatelimit;
  /** The task list, in do_each_thread order. Tasks are only appended (an exited task stays, marked
   *  killed); task(pid) finds one through an index. */
  readonly tasks: Task[] = [];
  /** tasks by pid, rebuilt when tasks has grown since. */
  private taskIndex = new Map<number, Task>();
  private taskIndexed = 0;
  /** The task on the CPU (current); null = interrupt context. */
  current: Task | null = null;
  inInterrupt = false;
  uptimeAtStart: number;
  /** pgdat->kswapd_max_order. */
  private kswapdMaxOrder = 0;
  /** The kswapd0 thread: its code as a generator, when it next runs (Infinity: asleep until
   *  woken), and whether it is on the CPU now. */
  private readonly kswapd: { gen: Generator<number, void, void>; wakeAt: number; running: boolean };
  private readonly timers = new TimerQueue();
  /** out_of_memory calls so far, and the tasks they killed in order (each task at most once, so
   *  this stays within the task list however often the OOM killer runs). */
  oomCalls = 0;
  readonly oomKills: Task[] = [];
  panicked = false;
  /** Swapped-out pages per owner (their swap slots are freed when the owner exits). */
  private swapped = new Map<number, number>();

  constructor(spec: MachineSpec, opts: KernelOptions = {}) {
    if (spec.era !== ERA_2_6_11.era)
      throw new OomlabError("OOMLAB_BAD_SPEC", `the 2.6.11 kernel model needs era 2.6.11, got ${spec.era}`);
    this.clock = new SimClock(opts.hz ?? HZ_DEFAULT);
    this.log = new KernelLog(this.clock, opts.logLimits ?? DEFAULT_LOG_LIMITS);
    this.ratelimit = new PrintkRatelimit(this.clock, this.log);
    this.machine = Machine.create(spec);
    const total = opts.swapTotalPages ?? 0;
    this.swap = {
      totalPages: total,
      freePages: opts.swapFreePages ?? total,
      add: 0,
      del: 0,
      findSuccess: 0,
      findTotal: 0,
      noentRace: 0,
      existRace: 0,
      ...opts.swapCache,
    };
    this.uptimeAtStart = opts.uptimeSec ?? 0;
    this.vmscan = new Vmscan2611(
      this.swap,
      {
        freePage: (pfn) => this.alloc.freePages(pfn, 0, true),
        zoneOkHigh: (slot, order, classzoneSlot) =>
          this.machine.watermarkOk2611(
            slot,
            order,
            this.machine.zone(slot).watermarks.high,
            this.machine.zone(classzoneSlot < 0 ? slot : classzoneSlot).zoneIdx,
            false,
            false,
          ),
        congestionWait: (j) => this.congestionWait(j),
        totalMemory: () => this.totalMemory(),
        swappedOut: (owner) => this.noteSwapped(owner, 1),
      },
      this.log,
      this.clock.hz,
    );
    for (const z of this.machine.machine.zones) this.vmscan.addZone(z.slot, z.presentPages);
    this.alloc = new PageAlloc2611(
      this.machine,
      this.clock,
      this.log,
      {
        current: () => this.current,
        inInterrupt: () => this.inInterrupt,
        wakeupKswapd: (slot, order) => this.wakeupKswapd(slot, order),
        tryToFreePages: (zl, gfp, order) => this.vmscan.tryToFreePages(zl.slots, gfp, order),
        outOfMemory: (gfp) => this.outOfMemory(gfp),
        congestionWait: (j) => this.congestionWait(j),
        onZoneFree: (slot) => this.vmscan.onZoneFree(slot),
        halted: () => this.panicked,
      },
      opts.nrCpus ?? 1,
      this.ratelimit,
    );
    this.kswapd = { gen: this.kswapdMain(), wakeAt: 0, running: false };
    this.runKswapd(); // kswapd_init: the thread starts and goes to sleep
  }

  get pageSize(): number {
    return this.machine.machine.pageSize;
  }

  get totalPages(): number {
    return this.machine.machine.zones.reduce((s, z) => s + z.presentPages, 0);
  }

  /** nr_free_pagecache_pages() at boot: sum over the GFP_HIGHUSER zonelist of present - high. */
  totalMemory(): number {
    return this.alloc.zonelistFor(GFP_2611.GFP_HIGHUSER).slots.reduce((s, slot) => {
      const z = this.machine.zone(slot);
      return s + Math.max(0, z.presentPages - z.watermarks.high);
    }, 0);
  }

  allocPages(gfp: number, order: number, owner: number): number {
    if (this.panicked) return -1;
    return this.alloc.allocPages(gfp, order, owner);
  }

  freePages(pfn: number, order: number): void {
    this.alloc.freePages(pfn, order);
  }

  /** Allocates a page and puts it on the LRU (a page-cache read or an anonymous fault). */
  addLruPage(gfp: number, owner: number, page: Omit<LruPage, "pfn" | "owner" | "writeback" | "swapCache">): number {
    const pfn = this.allocPages(gfp, 0, owner);
    if (pfn < 0) return -1;
    this.vmscan.add(this.alloc.slotOf(pfn), { ...page, pfn, owner, writeback: false, swapCache: false });
    return pfn;
  }

  /** wakeup_kswapd (mm/vmscan.c 2.6.11): only when the zone fails pages_low for this order; the
   *  order is recorded even when kswapd is already running (it rereads it before it sleeps). */
  private wakeupKswapd(slot: number, order: number): void {
    const z = this.machine.zone(slot);
    if (z.presentPages === 0) return;
    if (this.machine.watermarkOk2611(slot, order, z.watermarks.low, 0, false, false)) return;
    if (this.kswapdMaxOrder < order) this.kswapdMaxOrder = order;
    if (this.kswapd.wakeAt !== Infinity || this.kswapd.running) return; // !waitqueue_active()
    this.kswapd.wakeAt = this.clock.nowMs; // wake_up_interruptible: it runs when the CPU is free
    this.log.event("kswapd-wake", { zone: z.type, order });
  }

  /** kswapd() (mm/vmscan.c 2.6.11): sleeps until woken, then balance_pgdat for the largest order
   *  asked for; it does not sleep again while a larger order is pending. Yields ms to sleep
   *  (Infinity: until woken). */
  private *kswapdMain(): Generator<number, void, void> {
    const slots = [...this.machine.machine.zones]
      .filter((z) => z.node === 0)
      .sort((a, b) => a.zoneIdx - b.zoneIdx)
      .map((z) => z.slot);
    const napMs = this.clock.jiffiesToMs(Math.floor(this.clock.hz / 10));
    let order = 0;
    for (;;) {
      const newOrder = this.kswapdMaxOrder;
      this.kswapdMaxOrder = 0;
      if (order < newOrder)
        order = newOrder; // don't sleep if someone wants a larger order
      else {
        yield Infinity; // schedule()
        order = this.kswapdMaxOrder;
      }
      this.log.event("kswapd-run", { order });
      const reclaimed = yield* this.vmscan.balancePgdat(order, slots, napMs, this.clock.jiffiesToMs(1));
      this.log.event("kswapd-done", { order, reclaimed });
    }
  }

  /** Runs kswapd until it sleeps (the CPU is free while the current task sleeps). */
  private runKswapd(): void {
    const k = this.kswapd;
    const saved = this.current;
    this.current = null;
    k.running = true;
    try {
      for (;;) {
        const r = k.gen.next();
        const ms = r.done ? Infinity : r.value;
        k.wakeAt = ms === Infinity ? Infinity : this.clock.nowMs + ms;
        // cond_resched() gives the CPU away only to a timer that is due now.
        if (ms !== 0 || this.nextTimerAt() <= this.clock.nowMs) break;
      }
    } finally {
      k.running = false;
      this.current = saved;
    }
  }

  /** The first task with this pid, or undefined. */
  task(pid: number): Task | undefined {
    for (; this.taskIndexed < this.tasks.length; this.taskIndexed++) {
      const t = this.tasks[this.taskIndexed];
      if (!this.taskIndex.has(t.pid)) this.taskIndex.set(t.pid, t);
    }
    return this.taskIndex.get(pid);
  }

  /** A timer: work due at a simulated time (the scenario's background load). */
  addTimer(atMs: number, run: () => void): void {
    this.timers.add(atMs, run);
  }

  /** Timers armed and not yet run. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  private nextTimerAt(): number {
    return this.timers.nextAt();
  }

  /** The current task sleeps ms: until then, kswapd and due timers run in time order (a timer
   *  first when both are due at once). Re-entrant: work run here may sleep in turn. */
  sleep(ms: number): void {
    const until = this.clock.nowMs + ms;
    this.vmscan.completeWriteback();
    // After a panic nothing runs: panic() does not return (kernel/panic.c 2.6.11).
    while (!this.panicked) {
      const tAt = this.timers.nextAt();
      const kAt = this.kswapd.running ? Infinity : this.kswapd.wakeAt;
      if (Math.min(tAt, kAt) > until) break;
      const saved = this.log.context;
      if (tAt <= kAt) {
        const t = this.timers.pop() as Timer;
        this.clock.nowMs = Math.max(this.clock.nowMs, t.at);
        this.log.context = "background";
        try {
          t.run();
        } finally {
          this.log.context = saved;
        }
      } else {
        this.clock.nowMs = Math.max(this.clock.nowMs, kAt);
        this.vmscan.completeWriteback();
        this.log.context = "kswapd";
        try {
          this.runKswapd();
        } finally {
          this.log.context = saved;
        }
      }
    }
    this.clock.nowMs = Math.max(this.clock.nowMs, until);
  }

  /** blk_congestion_wait(WRITE, jiffies): the current task sleeps; writeback completes. */
  congestionWait(jiffies: number): void {
    this.sleep(this.clock.jiffiesToMs(jiffies));
  }

  /** The free-area dump the 2.6.11 OOM killer prints. */
  showFreeAreas(): string {
    return showFreeAreas2611(this.showMemInput());
  }

  showMemInput(): ShowMem2611 {
    const m = this.machine.machine;
    const eraZones = ERA_2_6_11.zoneTypes;
    const zones = m.zones
      .filter((z) => z.node === 0)
      .sort((a, b) => a.zoneIdx - b.zoneIdx)
      .map((z) => {
        const c = this.machine.counters(z.slot);
        const lru = this.vmscan.zones.get(z.slot);
        const pcp = this.alloc.pcp.get(z.slot) ?? [];
        return {
          name: z.type,
          node: z.node,
          presentPages: z.presentPages,
          freePages: c.freePages,
          min: z.watermarks.min,
          low: z.watermarks.low,
          high: z.watermarks.high,
          active: lru?.active.length ?? 0,
          inactive: lru?.inactive.length ?? 0,
          pagesScanned: lru?.pagesScanned ?? 0,
          allUnreclaimable: lru?.allUnreclaimable ?? false,
          lowmemReserve: eraZones.map((i) => z.lowmemReserve[i]),
          nrFree: c.nrFree,
          pcp: pcp.map((cpu) => [cpu.hot, cpu.cold].map((p) => ({ low: p.low, high: p.high, batch: p.batch }))),
          highmem: z.type === "HighMem",
        };
      });
    return {
      pageSize: m.pageSize,
      numa: false,
      zones,
      dirty: this.vmscan.count((p) => p.dirty && !p.writeback),
      writeback: this.vmscan.count((p) => p.writeback),
      unstable: 0,
      slab: this.machine.ownerPages(OWNER.slab),
      mapped: this.vmscan.nrMapped(),
      pagetables: this.machine.ownerPages(OWNER.pagetables),
      swap:
        this.swap.totalPages > 0
          ? {
              add: this.swap.add,
              del: this.swap.del,
              findSuccess: this.swap.findSuccess,
              findTotal: this.swap.findTotal,
              noentRace: this.swap.noentRace,
              existRace: this.swap.existRace,
              freePages: this.swap.freePages,
              totalPages: this.swap.totalPages,
            }
          : null,
    };
  }

  private outOfMemory(gfp: number): void {
    const r = outOfMemory2611({
      tasks: this.tasks,
      uptimeSec: this.uptimeAtStart + Math.floor(this.clock.nowMs / 1000),
      hz: this.clock.hz,
      gfp,
      log: this.log,
      showFreeAreas: () => this.showFreeAreas(),
      freeTaskMemory: (t) => this.exitTask(t),
    });
    this.oomCalls++;
    for (const t of r.killed) this.oomKills.push(t);
    if (r.panic) {
      this.panicked = true; // panic() does not return: the machine stops here
      return;
    }
    // the OOM path ends with the caller sleeping one jiffy (schedule_timeout(1))
    this.sleep(this.clock.jiffiesToMs(1));
  }

  /** The victim exits: its LRU pages leave the LRU, its swap slots are freed, and every block it
   *  owns is freed through the 2.6.11 free path (order 0 via the hot per-CPU list). */
  exitTask(t: Task): number {
    const owner = ownerOf(t);
    this.vmscan.removeOwner(owner);
    this.swap.freePages += this.swapped.get(owner) ?? 0;
    this.swapped.delete(owner);
    const blocks = this.machine.ownerBlocks(owner);
    let pages = 0;
    for (const [pfn, order] of blocks) {
      this.alloc.freePages(pfn, order);
      pages += 2 ** order;
    }
    t.rss = 0;
    return pages;
  }

  /** A task's swapped-out pages (their slots are freed at exit). */
  noteSwapped(owner: number, pages: number): void {
    this.swapped.set(owner, (this.swapped.get(owner) ?? 0) + pages);
  }

  /** The per-CPU lists' pages are taken from the buddy allocator, owned by nobody. */
  pcpPages(): number {
    return this.machine.ownerPages(PCP_OWNER);
  }

  zoneSlot(type: (typeof ZONE_TYPES)[number], node = 0): number {
    return this.machine.zone(type, node).slot;
  }
}

/** The engine owner id of a task's pages: its pid. */
export function ownerOf(t: Task): number {
  return t.pid;
}
