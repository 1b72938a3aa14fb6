// The simulated Linux 6.18 kernel: one machine (the WASM engine runs get_page_from_freelist), the
// slow path (mm/page_alloc.ts), reclaim and kswapd (mm/vmscan.ts), swap, the memory users with the
// state reclaim and the OOM killer read (processes with anon pages, swap entries and page tables;
// page cache clean, dirty, under writeback, mapped; slab reclaimable and not; kernel stacks and
// other unmovable allocations; THP), every allocated block tracked by pfn (Folios) so compaction can
// migrate it (migrateFolio), and simulated time. Compaction, the OOM killer and the reports come in
// through hooks (mm/hooks.ts). The LRU is the classic active/inactive one, not MGLRU.
//
// Time: one CPU runs the allocating task; kswapd runs as another CPU would, when it has been woken
// and the allocating call returns or the task sleeps (schedule). Writeback completes WRITEBACK_MS
// after it starts.

import { Machine } from "../engine/machine.js";
import { KernelLog, DEFAULT_LOG_LIMITS, type LogLimits } from "../sim/log.js";
import { TimerQueue, type Timer } from "../sim/timers.js";
import { SimClock } from "../sim/clock.js";
import type { PageAllocOutcome, ReportingPageAllocator } from "../sim/page_allocator.js";
import type { MachineSpec } from "../include/machine.js";
import { MAX_NR_ZONES } from "../include/linux/mmzone.js";
import { OomlabError } from "../errors.js";
import { FolioKind, Folios, LRU, PG } from "./include/linux/mm_inline.js";
import type { Task618 } from "./include/linux/mm_types.js";
import { newVmEvents, type VmEvents } from "./mm/vmstat.js";
import { Vmscan618, type VmscanKernel } from "./mm/vmscan.js";
import { GFP_618, PageAlloc618, type AllocTaskContext, type PageAllocKernel } from "./mm/page_alloc.js";
import { compactionHook618 } from "./mm/compaction.js";
import { oomHook618 } from "./mm/oom_kill.js";
import { reportHook618 } from "./mm/warn_alloc.js";
import type { CompactionHook, Hooks618, KernelView, NodeState618, OomHook, ReportHook } from "./mm/hooks.js";
import { MAX_RECLAIM_RETRIES } from "./mm/internal.js";
import { kernelProfile618, type KernelProfile618 } from "./mm/profile.js";

/** The modules the 6.18 kernel model runs by default: mm/compaction.ts, mm/oom_kill.ts, and the
 *  reports of mm/warn_alloc.ts and mm/show_mem.ts. (mm/hooks.ts SIMPLE_HOOKS are stand-ins for tests.) */
export const KERNEL_HOOKS_618: Hooks618 = { compaction: compactionHook618, oom: oomHook618, report: reportHook618 };

/** HZ of the simulated 6.18 kernel (CONFIG_HZ_1000 is x86-64 distributions' usual; 250 also common). */
export const HZ_618 = 1000;
/** How long a folio's writeback takes in simulated ms (oomlab's choice). */
export const WRITEBACK_MS = 20;

/** Owner ids of memory that belongs to no task. */
export const OWNER_618 = {
  kernel: 0xfffffff1,
  slab: 0xfffffff2,
  pagecache: 0xfffffff4,
} as const;

/** vm.* sysctls and settings the 6.18 model reads. */
export interface Kernel618Options {
  hz?: number;
  /** Swap size in pages (0: no swap). */
  swapTotalPages?: number;
  /** vm.swappiness, default 60. */
  swappiness?: number;
  /** vm.defrag_mode, default 0. */
  defragMode?: boolean;
  /** CONFIG_COMPACTION, default true. */
  configCompaction?: boolean;
  /** vm.extfrag_threshold (default 500) and vm.compaction_proactiveness (default 20): kept for the
   *  compaction hook, which reads them from the kernel. */
  extfragThreshold?: number;
  compactionProactiveness?: number;
  /** transparent_hugepage/enabled: "always" | "madvise" | "never" (default "always"). */
  thpEnabled?: "always" | "madvise" | "never";
  /** transparent_hugepage/defrag, default "madvise". */
  thpDefrag?: "always" | "defer" | "defer+madvise" | "madvise" | "never";
  hooks?: Partial<Hooks618>;
  logLimits?: LogLimits;
  /** Record structured events (default true; the benchmark turns them off). */
  recordEvents?: boolean;
}

/** A task to add: pid and comm; the rest defaults to a user process with nothing resident. */
export type TaskSpec618 = Pick<Task618, "pid" | "comm"> & Partial<Omit<Task618, "pid" | "comm">>;

interface KswapdState {
  /** pgdat->kswapd_order and kswapd_highest_zoneidx (MAX_NR_ZONES: none asked). */
  order: number;
  highestZoneidx: number;
  /** Asleep on kswapd_wait (a wakeup finds waitqueue_active). */
  asleep: boolean;
  /** Woken and not yet run. */
  pending: boolean;
}

/** sysctl_stat_interval (mm/vmstat.c 6.18): vmstat_update runs once a second (HZ jiffies). */
const VMSTAT_INTERVAL_MS = 1000;

export class Kernel618 implements ReportingPageAllocator, VmscanKernel, PageAllocKernel, KernelView {
  readonly clock: SimClock;
  readonly log: KernelLog;
  readonly machine: Machine;
  readonly folios: Folios;
  readonly vm: VmEvents = newVmEvents();
  readonly vmscan: Vmscan618;
  readonly alloc: PageAlloc618;
  readonly compaction: CompactionHook;
  readonly oom: OomHook;
  readonly report: ReportHook;
  readonly swappiness: number;
  readonly defragMode: boolean;
  /** The release modelled, from the machine's era: 6.18, or 6.1 as an overlay (mm/profile.ts). */
  readonly profile: KernelProfile618;
  readonly configCompaction: boolean;
  readonly extfragThreshold: number;
  readonly compactionProactiveness: number;
  readonly thpEnabled: NonNullable<Kernel618Options["thpEnabled"]>;
  readonly thpDefrag: NonNullable<Kernel618Options["thpDefrag"]>;
  readonly swap: { totalPages: number; usedPages: number };
  readonly tasks: Task618[] = [];
  private readonly byPid = new Map<number, Task618>();
  current: Task618 | null = null;
  inInterrupt = false;
  panicked = false;
  readonly oomKills: { pid: number; comm: string; points: number; freedPages: number }[] = [];
  private readonly timers = new TimerQueue();
  private readonly kswapd: KswapdState[];
  private readonly nodeZoneSlots: number[][];
  /** Reclaimable slab blocks per node (the shrinker frees from the top). */
  private readonly slabReclaimable: number[][];
  private kswapdRunning = false;
  private readonly kcompactdQueue: { node: number; work: () => void }[] = [];

  constructor(spec: MachineSpec, opts: Kernel618Options = {}) {
    this.profile = kernelProfile618(spec.era);
    if (opts.defragMode && !this.profile.hasDefragMode)
      throw new OomlabError(
        "OOMLAB_BAD_SPEC",
        `vm.defrag_mode does not exist in Linux ${this.profile.release} (6.15+)`,
      );
    this.clock = new SimClock(opts.hz ?? HZ_618);
    this.log = new KernelLog(this.clock, opts.logLimits ?? DEFAULT_LOG_LIMITS);
    this.log.recordEvents = opts.recordEvents ?? true;
    this.machine = Machine.create(spec);
    const m = this.machine.machine;
    const nodes = Math.max(...m.zones.map((z) => z.node)) + 1;
    this.nodeZoneSlots = Array.from({ length: nodes }, (_, n) =>
      m.zones
        .filter((z) => z.node === n && z.managedPages > 0)
        .sort((a, b) => a.zoneIdx - b.zoneIdx)
        .map((z) => z.slot),
    );
    this.folios = new Folios(
      m.nrPages,
      m.basePfn,
      nodes,
      m.zones
        .filter((z) => z.spannedPages > 0)
        .map((z) => ({ slot: z.slot, node: z.node, start: z.startPfn, end: z.startPfn + z.spannedPages })),
      (slot) => this.machine.zone(slot).node,
    );
    this.slabReclaimable = Array.from({ length: nodes }, () => []);
    this.kswapd = Array.from({ length: nodes }, () => ({
      order: 0,
      highestZoneidx: MAX_NR_ZONES,
      asleep: true,
      pending: false,
    }));
    this.swappiness = opts.swappiness ?? 60;
    this.defragMode = opts.defragMode ?? false;
    this.configCompaction = opts.configCompaction ?? true;
    this.extfragThreshold = opts.extfragThreshold ?? 500;
    this.compactionProactiveness = opts.compactionProactiveness ?? 20;
    this.thpEnabled = opts.thpEnabled ?? "always";
    this.thpDefrag = opts.thpDefrag ?? "madvise";
    this.swap = { totalPages: opts.swapTotalPages ?? 0, usedPages: 0 };
    const hooks = { ...KERNEL_HOOKS_618, ...opts.hooks };
    this.compaction = hooks.compaction(this);
    this.oom = hooks.oom(this);
    this.report = hooks.report(this);
    this.vmscan = new Vmscan618(this, nodes);
    this.alloc = new PageAlloc618(this);
    // kcompactd's timeout loop (mm/compaction.c kcompactd 6.18): proactive compaction every
    // HPAGE_FRAG_CHECK_INTERVAL_MSEC of simulated time while compaction_proactiveness is set
    if (this.compaction.kcompactdTimeout && this.configCompaction && this.compactionProactiveness > 0) {
      for (let node = 0; node < nodes; node++) this.armKcompactdTimer(node, 500);
    }
    // vmstat_update every sysctl_stat_interval (HZ): decay_pcp_high on each CPU's lists (6.7+ auto-tuning)
    if (this.machine.machine.percpuPagelists?.rules === "autotune") this.armVmstatTimer(VMSTAT_INTERVAL_MS);
  }

  private armVmstatTimer(ms: number): void {
    this.timers.add(this.clock.nowMs + ms, () => {
      this.machine.decayPcpHigh();
      this.armVmstatTimer(VMSTAT_INTERVAL_MS);
    });
  }

  private armKcompactdTimer(node: number, ms: number): void {
    this.timers.add(this.clock.nowMs + ms, () => {
      const saved = this.log.context;
      this.log.context = "kcompactd";
      let next: number | null = null;
      try {
        next = this.compaction.kcompactdTimeout?.(node) ?? null;
      } finally {
        this.log.context = saved;
      }
      if (next !== null) this.armKcompactdTimer(node, next);
    });
  }

  // ---- KernelView and PageAllocKernel ----

  get view(): KernelView {
    return this;
  }
  get pageSize(): number {
    return this.machine.machine.pageSize;
  }
  /** Pages of RAM (totalram_pages: managed pages). */
  get totalPages(): number {
    return this.totalramPages;
  }
  get totalramPages(): number {
    return this.machine.machine.zones.reduce((s, z) => s + z.managedPages, 0);
  }
  get nowMs(): number {
    return this.clock.nowMs;
  }
  get hz(): number {
    return this.clock.hz;
  }
  get jiffies(): number {
    return this.clock.jiffies;
  }
  kswapdIsRunning(node: number): boolean {
    return this.kswapdRunning || !!this.kswapd[node]?.pending;
  }
  zoneReclaimablePages(slot: number): number {
    return this.vmscan.zoneReclaimablePages(slot);
  }
  zoneLru(slot: number): {
    activeAnon: number;
    inactiveAnon: number;
    activeFile: number;
    inactiveFile: number;
    writePending: number;
  } {
    const f = this.folios;
    return {
      activeAnon: f.zoneLruPages(slot, LRU.ACTIVE_ANON),
      inactiveAnon: f.zoneLruPages(slot, LRU.INACTIVE_ANON),
      activeFile: f.zoneLruPages(slot, LRU.ACTIVE_FILE),
      inactiveFile: f.zoneLruPages(slot, LRU.INACTIVE_FILE),
      writePending: f.zoneWritePending(slot),
    };
  }
  queueKcompactd(node: number, work: () => void): void {
    this.kcompactdQueue.push({ node, work });
  }
  get swapTotalPages(): number {
    return this.swap.totalPages;
  }
  get swapFreePages(): number {
    return this.swap.totalPages - this.swap.usedPages;
  }
  halted(): boolean {
    return this.panicked;
  }
  panic(): void {
    this.panicked = true;
  }
  taskContext(): AllocTaskContext {
    return {
      memalloc: this.kswapdRunning,
      oomVictim: !!this.current?.killed,
      inInterrupt: this.inInterrupt,
      rtTask: false,
    };
  }
  printk(text: string): void {
    this.log.printk(text);
  }
  nodeZones(node: number): number[] {
    return this.nodeZoneSlots[node] ?? [];
  }

  // ---- tasks ----

  /** Adds a task (for_each_process order is the order of addition). */
  addTask(spec: TaskSpec618): Task618 {
    if (this.byPid.has(spec.pid)) throw new OomlabError("OOMLAB_BAD_ARGUMENT", `pid ${spec.pid} already exists`);
    const t: Task618 = {
      ppid: 1,
      uid: 0,
      tgid: spec.pid,
      mm: spec.pid,
      totalVm: 0,
      rssAnon: 0,
      rssFile: 0,
      rssShmem: 0,
      swapents: 0,
      pgtablesBytes: 0,
      oomScoreAdj: 0,
      ...spec,
    };
    this.tasks.push(t);
    this.byPid.set(t.pid, t);
    return t;
  }

  task(pid: number): Task618 | undefined {
    return this.byPid.get(pid);
  }

  private taskOrThrow(pid: number): Task618 {
    const t = this.byPid.get(pid);
    if (!t) throw new OomlabError("OOMLAB_BAD_ARGUMENT", `no task with pid ${pid}`);
    return t;
  }

  // ---- allocation ----

  /** __alloc_pages (the whole slow path) for a caller; -1 for NULL. The block is recorded as kind
   *  Kernel for owner until the caller records it as something else. */
  allocPages(gfp: number, order: number, owner: number): number {
    return this.allocFolio(gfp, order, owner, FolioKind.Kernel);
  }

  /** allocPages with the reason of a failure (ReportingPageAllocator): the slow path's exit
   *  (nopage's why, e.g. "costly order without __GFP_RETRY_MAYFAIL"), or "panic" once halted. */
  tryAllocPages(gfp: number, order: number, owner: number): PageAllocOutcome {
    this.alloc.lastNopage = null;
    const pfn = this.allocPages(gfp, order, owner);
    if (pfn >= 0) return { pfn, failure: null };
    return { pfn: -1, failure: { gfp, order, reason: this.panicked ? "panic" : (this.alloc.lastNopage ?? "unknown") } };
  }

  /** __alloc_pages, then the block's bookkeeping (kind, owner); kswapd runs afterwards if woken. */
  allocFolio(gfp: number, order: number, owner: number, kind: number, flags = 0): number {
    if (this.panicked) return -1;
    const pfn = this.alloc.allocPages(gfp, order, owner);
    if (pfn >= 0) {
      this.folios.set(pfn - this.machine.machine.basePfn, kind, order, owner, flags);
      // The engine marks a block movable when the request was (__GFP_MOVABLE); what compaction may
      // migrate is what is on an LRU (anon and file folios): isolate_migratepages_block, 6.18.
      const lru = kind === FolioKind.Anon || kind === FolioKind.File;
      if (lru !== ((gfp & GFP_618.__GFP_MOVABLE) !== 0)) this.machine.setMovable(pfn, lru);
      this.checkBoostedWatermark(gfp);
    }
    if (!this.kswapdRunning) this.runPendingKswapd();
    return pfn;
  }

  /** rmqueue's ZONE_BOOSTED_WATERMARK test (mm/page_alloc.c 6.18): a fallback that boosted the
   *  watermark wakes kswapd at order 0 for the zone (the flag is the engine zone record's). */
  private checkBoostedWatermark(gfp: number): void {
    if (!(gfp & GFP_618.__GFP_KSWAPD_RECLAIM)) return;
    const m = this.machine;
    const slot = m.lastZoneSlot();
    const abi = m.engineAbi;
    const word = (m.engineExports.zonesPtr() >>> 2) + slot * (abi.ZONE_SIZE >>> 2) + (abi.Z_FLAGS >>> 2);
    const u32 = m.engineViews.u32;
    if (!(u32[word] & 1)) return;
    u32[word] &= ~1;
    const z = m.zone(slot);
    this.wakeupKswapd(slot, 0, 0, z.zoneIdx);
  }

  freePages(pfn: number, order: number): void {
    const i = pfn - this.machine.machine.basePfn;
    void order;
    this.folios.lruDel(i);
    this.folios.clear(i);
    this.machine.free(pfn);
    this.vm.pgfree += 2 ** order;
  }

  /** Anonymous faults: pages order-0 anon folios for pid (GFP_HIGHUSER_MOVABLE), on the inactive
   *  anon list (new anon folios start inactive since 5.9), one page-table page per 512 pages.
   *  Returns the pages faulted in (fewer when an allocation failed). */
  faultAnon(pid: number, pages: number, o: { young?: boolean } = {}): number {
    const t = this.taskOrThrow(pid);
    let done = 0;
    for (; done < pages; done++) {
      if (t.killed || this.panicked) break;
      if ((t.rssAnon + t.swapents) % 512 === 0 && !this.allocPageTable(t)) break;
      const pfn = this.allocFolio(
        GFP_618.GFP_HIGHUSER_MOVABLE,
        0,
        pid,
        FolioKind.Anon,
        PG.mapped | (o.young ? PG.young : 0),
      );
      if (pfn < 0) break;
      if (t.killed) break;
      this.folios.lruAdd(pfn - this.machine.machine.basePfn);
      t.rssAnon++;
      t.totalVm++;
    }
    return done;
  }

  /** A page-table page for a task (GFP_PGTABLE_USER: GFP_KERNEL | __GFP_ZERO | __GFP_ACCOUNT). */
  private allocPageTable(t: Task618): boolean {
    const gfp = GFP_618.GFP_KERNEL_ACCOUNT | GFP_618.__GFP_ZERO;
    const pfn = this.allocFolio(gfp, 0, t.pid, FolioKind.PageTable);
    if (pfn < 0) return false;
    t.pgtablesBytes += this.pageSize;
    return true;
  }

  /** gfp of a THP fault by transparent_hugepage/defrag (vma_thp_gfp_mask, mm/huge_memory.c 6.18),
   *  for a VMA without MADV_HUGEPAGE unless madvised. */
  thpFaultGfp(madvised = false): number {
    const G = GFP_618;
    const light = G.GFP_TRANSHUGE_LIGHT;
    switch (this.thpDefrag) {
      case "always":
        return madvised ? G.GFP_TRANSHUGE : G.GFP_TRANSHUGE | G.__GFP_NORETRY;
      case "defer":
        return light | G.__GFP_KSWAPD_RECLAIM;
      case "defer+madvise":
        return madvised ? G.GFP_TRANSHUGE : light | G.__GFP_KSWAPD_RECLAIM;
      case "madvise":
        return madvised ? G.GFP_TRANSHUGE : light;
      default:
        return light;
    }
  }

  /** An anonymous THP fault (do_huge_pmd_anonymous_page): an order-9 (pageblock_order) folio on
   *  the LRU, thp_fault_alloc; when it fails, thp_fault_fallback and 512 order-0 faults. Returns
   *  whether a huge folio was mapped. */
  thpFault(pid: number, madvised = false): boolean {
    const t = this.taskOrThrow(pid);
    const order = this.machine.machine.pageblockOrder;
    const enabled = this.thpEnabled === "always" || (this.thpEnabled === "madvise" && madvised);
    if (enabled) {
      if ((t.rssAnon + t.swapents) % 512 === 0 && !this.allocPageTable(t)) return false;
      const pfn = this.allocFolio(this.thpFaultGfp(madvised), order, pid, FolioKind.Anon, PG.mapped);
      if (pfn >= 0) {
        this.folios.lruAdd(pfn - this.machine.machine.basePfn);
        t.rssAnon += 2 ** order;
        t.totalVm += 2 ** order;
        this.vm.thp_fault_alloc++;
        return true;
      }
      this.vm.thp_fault_fallback++;
    }
    this.faultAnon(pid, 2 ** order);
    return false;
  }

  /** Page-cache reads: pages order-0 file folios (GFP_HIGHUSER_MOVABLE, the mapping's usual gfp) on
   *  the inactive file list; dirty ones are written by the flusher WRITEBACK_MS after reclaim meets
   *  them; mappedBy counts them in that task's file rss. Returns the pages read. */
  readFile(pages: number, o: { dirty?: boolean; mappedBy?: number; referenced?: boolean } = {}): number {
    const owner = o.mappedBy ?? OWNER_618.pagecache;
    const t = o.mappedBy === undefined ? undefined : this.taskOrThrow(o.mappedBy);
    const flags = (o.dirty ? PG.dirty : 0) | (t ? PG.mapped : 0) | (o.referenced ? PG.referenced : 0);
    let done = 0;
    for (; done < pages; done++) {
      const pfn = this.allocFolio(GFP_618.GFP_HIGHUSER_MOVABLE, 0, owner, FolioKind.File, flags);
      if (pfn < 0) break;
      this.folios.lruAdd(pfn - this.machine.machine.basePfn);
      if (t) t.rssFile++;
    }
    return done;
  }

  /** Truncates page cache: frees one file folio in every `stride` (in pfn order, from keep), as
   *  deleting files whose pages were read interleaved would; returns the pages freed. */
  truncateFile(stride: number, keep = 0): number {
    const f = this.folios;
    let n = 0;
    let freed = 0;
    for (let i = 0; i < f.nrPages; i++) {
      if (f.kind[i] !== FolioKind.File || f.flags[i] & PG.writeback) continue;
      if (n++ % stride !== keep) continue;
      freed += 2 ** f.order[i];
      this.freeFolio(i);
    }
    return freed;
  }

  /** Frees the unmovable kernel blocks (FolioKind.Kernel) an owner holds, in pfn order, keeping the
   *  first of every keepEvery (0: free them all), as a task closing all but some of its pipes would.
   *  Returns the pages freed. */
  freeKernel(owner: number, keepEvery = 0): number {
    const f = this.folios;
    const base = this.machine.machine.basePfn;
    let n = 0;
    let freed = 0;
    for (const i of f.headsOwnedBy(owner)) {
      if (f.kind[i] !== FolioKind.Kernel) continue;
      if (keepEvery > 0 && n++ % keepEvery === 0) continue;
      const order = f.order[i];
      this.freePages(i + base, order);
      freed += 2 ** order;
    }
    return freed;
  }

  /** Slab pages (kmem_cache_alloc's new slabs, order 0): reclaimable ones (dentries, inodes:
   *  __GFP_RECLAIMABLE) can be shrunk. Returns the pages allocated. */
  allocSlab(pages: number, reclaimable: boolean): number {
    const gfp = GFP_618.GFP_KERNEL | (reclaimable ? GFP_618.__GFP_RECLAIMABLE : 0);
    const kind = reclaimable ? FolioKind.SlabReclaimable : FolioKind.SlabUnreclaimable;
    let done = 0;
    for (; done < pages; done++) {
      const pfn = this.allocFolio(gfp, 0, OWNER_618.slab, kind);
      if (pfn < 0) break;
      if (reclaimable) this.slabReclaimable[this.folios.nodeOf(pfn - this.machine.machine.basePfn)].push(pfn);
    }
    return done;
  }

  /** Records a block the engine already holds allocated (a state rebuilt from a report, not allocated
   *  through the slow path) as a folio: anon and file folios go on their LRU list and become movable,
   *  reclaimable slab joins the shrinker's list; everything else stays unmovable. */
  adoptFolio(pfn: number, order: number, kind: number, owner: number, flags = 0): void {
    const i = pfn - this.machine.machine.basePfn;
    this.folios.set(i, kind, order, owner, flags);
    const lru = kind === FolioKind.Anon || kind === FolioKind.File;
    this.machine.setMovable(pfn, lru);
    if (lru) this.folios.lruAdd(i);
    if (kind === FolioKind.SlabReclaimable) this.slabReclaimable[this.folios.nodeOf(i)].push(pfn);
  }

  /** Other unmovable kernel memory (a kernel stack, a driver buffer): one block of an order. */
  allocKernel(order: number, o: { gfp?: number; owner?: number; kind?: number } = {}): number {
    return this.allocFolio(o.gfp ?? GFP_618.GFP_KERNEL, order, o.owner ?? OWNER_618.kernel, o.kind ?? FolioKind.Kernel);
  }

  // ---- VmscanKernel ----

  freeFolio(i: number): void {
    const f = this.folios;
    const pages = 2 ** f.order[i];
    const kind = f.kind[i];
    const t = this.byPid.get(f.owner[i]);
    if (t && f.flags[i] & PG.mapped) {
      if (kind === FolioKind.Anon) t.rssAnon -= pages;
      else if (kind === FolioKind.File) t.rssFile -= pages;
    }
    this.freePages(i + this.machine.machine.basePfn, f.order[i]);
  }

  swapOutFolio(i: number): boolean {
    const f = this.folios;
    const pages = 2 ** f.order[i];
    if (this.swapFreePages < pages) return false;
    const t = this.byPid.get(f.owner[i]);
    this.swap.usedPages += pages;
    if (t) {
      t.swapents += pages;
      t.rssAnon -= pages;
    }
    this.vm.pswpout += pages;
    this.vm.pgpgout += pages * (this.pageSize / 1024);
    this.freePages(i + this.machine.machine.basePfn, f.order[i]);
    return true;
  }

  startWriteback(i: number): void {
    const f = this.folios;
    if (f.flags[i] & PG.writeback) return;
    f.flags[i] |= PG.writeback;
    // a folio under writeback is not migrated by async or sync-light compaction (migrate_folio_unmap
    // returns -EBUSY unless MIGRATE_SYNC, mm/migrate.c 6.18): unmovable until writeback ends
    const base = this.machine.machine.basePfn;
    this.machine.setMovable(i + base, false);
    this.timers.add(this.clock.nowMs + WRITEBACK_MS, () => {
      if (!(f.flags[i] & PG.writeback)) return;
      f.flags[i] &= ~(PG.writeback | PG.dirty);
      if (f.kind[i] !== FolioKind.None) this.machine.setMovable(i + base, true);
      this.vm.pgpgout += 2 ** f.order[i] * (this.pageSize / 1024);
      // folio_end_writeback: PG_reclaim folios rotate to the inactive tail (folio_rotate_reclaimable)
      if (f.flags[i] & PG.reclaim) {
        f.flags[i] &= ~PG.reclaim;
        if (f.flags[i] & PG.lru && !(f.flags[i] & PG.active)) {
          f.lruDel(i);
          f.lruAddTail(i);
          this.vm.pgrotated += 2 ** f.order[i];
        }
      }
    });
  }

  slabReclaimablePages(node: number): number {
    return this.slabReclaimable[node]?.length ?? 0;
  }

  shrinkSlabPages(node: number, n: number): number {
    const list = this.slabReclaimable[node];
    let freed = 0;
    while (freed < n && list.length) {
      const pfn = list.pop() as number;
      this.freePages(pfn, 0);
      freed++;
    }
    return freed;
  }

  // ---- compaction support ----

  /** Compaction moved the block at oldPfn to newPfn (the engine already holds it there): its kind,
   *  flags, owner and LRU position follow; a reclaimable slab page (never migrated today: slab is not
   *  movable) would move to the top of the shrinker's list. */
  migrateFolio(oldPfn: number, newPfn: number, order: number): void {
    const base = this.machine.machine.basePfn;
    const a = oldPfn - base;
    const b = newPfn - base;
    if (this.folios.order[a] !== order && this.folios.kind[a] !== FolioKind.None)
      throw new OomlabError("OOMLAB_BAD_ARGUMENT", `migrateFolio: the block at pfn ${oldPfn} is not of order ${order}`);
    const kind = this.folios.kind[a];
    const nodeA = this.folios.nodeOf(a);
    this.folios.move(a, b);
    if (kind === FolioKind.SlabReclaimable) {
      const list = this.slabReclaimable[nodeA];
      const at = list.indexOf(oldPfn);
      if (at >= 0) list.splice(at, 1);
      this.slabReclaimable[this.folios.nodeOf(b)].push(newPfn);
    }
  }

  // ---- tasks leaving ----

  /** The task is killed (SIGKILL; the OOM reaper and exit free its memory): every block it owns is
   *  freed, its swap entries are released. Returns the pages freed. */
  killTask(t: Task618): number {
    t.killed = true;
    const base = this.machine.machine.basePfn;
    let pages = 0;
    for (const i of this.folios.headsOwnedBy(t.pid)) {
      const order = this.folios.order[i];
      this.freePages(i + base, order);
      pages += 2 ** order;
    }
    this.swap.usedPages -= t.swapents;
    t.rssAnon = 0;
    t.rssFile = 0;
    t.rssShmem = 0;
    t.swapents = 0;
    t.pgtablesBytes = 0;
    return pages;
  }

  // ---- kswapd ----

  /** wakeup_kswapd (mm/vmscan.c 6.18). */
  wakeupKswapd(slot: number, gfpMask: number, order: number, highestZoneidx: number): void {
    const z = this.machine.zone(slot);
    if (z.managedPages === 0) return;
    const node = z.node;
    const k = this.kswapd[node];
    if (k.highestZoneidx === MAX_NR_ZONES || k.highestZoneidx < highestZoneidx) k.highestZoneidx = highestZoneidx;
    if (k.order < order) k.order = order;
    const ev = (woken: boolean, why: string) =>
      this.log.event("wakeup_kswapd", { node, order, highestZoneidx, woken, why });
    if (!k.asleep) return; // !waitqueue_active: it is running or about to
    if (
      this.vmscan.kswapdFailures[node] >= MAX_RECLAIM_RETRIES ||
      (this.vmscan.pgdatBalanced(node, order, highestZoneidx) &&
        !this.vmscan.pgdatWatermarkBoosted(node, highestZoneidx))
    ) {
      if (!(gfpMask & GFP_618.__GFP_DIRECT_RECLAIM)) {
        this.compaction.wakeupKcompactd(node, order, highestZoneidx);
        this.log.event("wakeup_kcompactd", { node, order, highestZoneidx });
      }
      ev(false, this.vmscan.kswapdFailures[node] >= MAX_RECLAIM_RETRIES ? "hopeless" : "balanced");
      return;
    }
    k.asleep = false;
    k.pending = true;
    ev(true, "");
  }

  /** Runs kswapd on the nodes where it was woken: kswapd() reads kswapd_order and highest_zoneidx,
   *  balance_pgdat, then kswapd_try_to_sleep (kcompactd woken, a nap, the full sleep when the node
   *  stays balanced). */
  runPendingKswapd(): void {
    for (let node = 0; node < this.kswapd.length; node++) {
      const k = this.kswapd[node];
      if (!k.pending) continue;
      k.pending = false;
      const saved = this.log.context;
      this.log.context = "kswapd";
      this.kswapdRunning = true;
      try {
        let allocOrder = k.order;
        let highest = k.highestZoneidx === MAX_NR_ZONES ? MAX_NR_ZONES - 1 : k.highestZoneidx;
        k.order = 0;
        k.highestZoneidx = MAX_NR_ZONES;
        // oomlab's bound: at most 4 balance_pgdat rounds per wakeup (the kernel loops until it sleeps;
        // a round that does not raise the order ends it). The HZ/10 nap of kswapd_try_to_sleep takes no
        // simulated time: kswapd runs when the allocating call returns, not on a clock of its own.
        for (let rounds = 0; rounds < 4; rounds++) {
          const reclaimOrder = this.vmscan.balancePgdat(node, allocOrder, highest);
          // kswapd_try_to_sleep: prepare_kswapd_sleep at reclaim_order
          if (this.vmscan.hopeless(node) || this.vmscan.pgdatBalanced(node, reclaimOrder, highest)) {
            this.compaction.wakeupKcompactd(node, allocOrder, highest);
            this.log.event("wakeup_kcompactd", { node, order: allocOrder, highestZoneidx: highest });
            this.log.event("kswapd_try_to_sleep", { node, order: reclaimOrder, full: true });
            break;
          }
          if (reclaimOrder >= allocOrder && rounds > 0) break;
          allocOrder = Math.max(k.order, reclaimOrder);
          if (k.highestZoneidx !== MAX_NR_ZONES) highest = Math.max(highest, k.highestZoneidx);
        }
      } finally {
        this.kswapdRunning = false;
        this.log.context = saved;
        k.asleep = true;
      }
    }
    this.runPendingKcompactd();
  }

  /** Runs the queued work of kcompactd (kcompactd_do_work), each node's in the "kcompactd" context. */
  private runPendingKcompactd(): void {
    while (this.kcompactdQueue.length) {
      const { work } = this.kcompactdQueue.shift() as { node: number; work: () => void };
      const saved = this.log.context;
      this.log.context = "kcompactd";
      try {
        work();
      } finally {
        this.log.context = saved;
      }
    }
  }

  /** A scheduling point of the allocating task: it sleeps ms; due timers and woken kswapd run. */
  schedule(ms: number): void {
    const until = this.clock.nowMs + ms;
    this.runPendingKswapd();
    for (;;) {
      const t = this.timers.peek();
      if (!t || t.at > until) break;
      this.timers.pop();
      this.clock.nowMs = Math.max(this.clock.nowMs, t.at);
      const saved = this.log.context;
      this.log.context = "background";
      try {
        (t as Timer).run();
      } finally {
        this.log.context = saved;
      }
      this.runPendingKswapd();
    }
    this.clock.nowMs = Math.max(this.clock.nowMs, until);
  }

  /** A timer: work due at a simulated time. */
  addTimer(atMs: number, run: () => void): void {
    this.timers.add(atMs, run);
  }

  // ---- views ----

  nodeState(node: number): NodeState618 {
    const f = this.folios;
    let slabR = 0;
    let slabU = 0;
    let stack = 0;
    let pt = 0;
    let dirty = 0;
    let wb = 0;
    let mapped = 0;
    let thp = 0;
    for (const slot of this.nodeZones(node)) {
      slabR += f.zoneKindPages(slot, FolioKind.SlabReclaimable);
      slabU += f.zoneKindPages(slot, FolioKind.SlabUnreclaimable);
      stack += f.zoneKindPages(slot, FolioKind.KernelStack);
      pt += f.zoneKindPages(slot, FolioKind.PageTable);
    }
    for (const lru of [LRU.INACTIVE_ANON, LRU.ACTIVE_ANON, LRU.INACTIVE_FILE, LRU.ACTIVE_FILE]) {
      for (const i of f.list(node, lru)) {
        const pages = 2 ** f.order[i];
        if (f.flags[i] & PG.dirty) dirty += pages;
        if (f.flags[i] & PG.writeback) wb += pages;
        if (f.flags[i] & PG.mapped) mapped += pages;
        if (f.order[i] > 0 && f.kind[i] === FolioKind.Anon) thp += pages;
      }
    }
    return {
      activeAnon: f.lruPages(node, LRU.ACTIVE_ANON),
      inactiveAnon: f.lruPages(node, LRU.INACTIVE_ANON),
      activeFile: f.lruPages(node, LRU.ACTIVE_FILE),
      inactiveFile: f.lruPages(node, LRU.INACTIVE_FILE),
      unevictable: 0,
      isolatedAnon: 0,
      isolatedFile: 0,
      mapped,
      dirty,
      writeback: wb,
      shmem: 0,
      anonThp: thp,
      slabReclaimable: slabR,
      slabUnreclaimable: slabU,
      kernelStack: stack,
      pagetables: pt,
      kswapdFailures: this.vmscan.kswapdFailures[node],
      allUnreclaimable: this.vmscan.hopeless(node),
    };
  }

  vmstat(): Record<string, number> {
    return { ...this.vm };
  }
}
