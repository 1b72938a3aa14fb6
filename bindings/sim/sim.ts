// The simulated kernel's shared pieces: simulated time, the kernel log with structured events, the
// page-allocator interface that callers (slab, vmalloc, XFS kmem) allocate through, and tasks.
// Pure data and small classes: no Node API.

/** HZ of the simulated kernel (the ARM boards of the 2.6.11 era ran HZ = 100). */
export const HZ_DEFAULT = 100;

/** Simulated time in milliseconds. Nothing sleeps: waiting advances the clock. */
export class SimClock {
  nowMs = 0;
  constructor(readonly hz = HZ_DEFAULT) {}
  advance(ms: number): void {
    this.nowMs += ms;
  }
  /** jiffies since boot. */
  get jiffies(): number {
    return Math.floor((this.nowMs * this.hz) / 1000);
  }
  /** Milliseconds in n jiffies. */
  jiffiesToMs(n: number): number {
    return (n * 1000) / this.hz;
  }
}

/** One structured event: every allocation attempt, watermark check, reclaim, OOM decision, kill. */
export interface SimEvent {
  /** Simulated time in ms. */
  t: number;
  kind: string;
  [key: string]: unknown;
}

/** The kernel log: printk lines (what `dmesg` would show) and structured events (`--json`). */
export class KernelLog {
  readonly lines: string[] = [];
  readonly events: SimEvent[] = [];
  /** When false, events are not recorded (long sweeps); printk lines always are. */
  recordEvents = true;
  /** Who is running when an event happens, when it is not the task the scenario follows:
   *  "kswapd" or "background" (a timed scenario event). Recorded as the event's ctx. */
  context: "kswapd" | "background" | null = null;
  constructor(private readonly clock: SimClock) {}

  /** printk: text may hold several lines; each ends with "\n" in the kernel. */
  printk(text: string): void {
    for (const l of text.replace(/\n$/, "").split("\n")) this.lines.push(l);
    this.event("printk", { text: text.replace(/\n$/, "") });
  }

  event(kind: string, data: Record<string, unknown> = {}): void {
    if (this.recordEvents) this.events.push(this.context ? { t: this.clock.nowMs, kind, ctx: this.context, ...data } : { t: this.clock.nowMs, kind, ...data });
  }
}

/** printk_ratelimit (kernel/printk.c 2.6.11, __printk_ratelimit): a token bucket of burst × interval
 *  jiffies, full at boot; each allowed message costs interval; suppressed messages are counted and
 *  announced as "printk: N messages suppressed." before the next allowed one. The kernel has one
 *  bucket for every caller: share an instance to model that. */
export class PrintkRatelimit {
  private toks: number;
  private lastMsg = 0;
  private missed = 0;
  readonly intervalJiffies: number;

  constructor(private readonly clock: SimClock, private readonly log: KernelLog, intervalJiffies?: number, readonly burst = 10) {
    this.intervalJiffies = intervalJiffies ?? 5 * clock.hz; // printk_ratelimit_jiffies = 5*HZ
    this.toks = this.burst * this.intervalJiffies; // static unsigned long toks = 10*5*HZ
  }

  allow(): boolean {
    const now = this.clock.jiffies;
    this.toks = Math.min(this.toks + now - this.lastMsg, this.burst * this.intervalJiffies);
    this.lastMsg = now;
    if (this.toks < this.intervalJiffies) {
      this.missed++;
      return false;
    }
    const lost = this.missed;
    this.missed = 0;
    this.toks -= this.intervalJiffies;
    if (lost) this.log.printk(`printk: ${lost} messages suppressed.\n`);
    return true;
  }
}

/** What kmalloc, vmalloc and their callers allocate pages through: 2.6.11's __alloc_pages (the whole
 *  slow path, OOM killer included) and __free_pages. */
export interface PageAllocator {
  /** Returns the block's pfn or -1 (NULL). owner tags the block for accounting and the OOM killer. */
  allocPages(gfp: number, order: number, owner: number): number;
  freePages(pfn: number, order: number): void;
  /** Bytes per page. */
  readonly pageSize: number;
  /** Pages of RAM (num_physpages), for vmalloc's size check. */
  readonly totalPages: number;
}

/** A task as the 2.6.11 OOM killer sees it (struct task_struct and its mm). Sizes are in pages. */
export interface Task {
  pid: number;
  comm: string;
  /** Parent pid (0 for none). children are the tasks whose ppid is this pid. */
  ppid: number;
  uid: number;
  euid: number;
  /** task_nice(). */
  nice: number;
  /** cap_effective has CAP_SYS_ADMIN / CAP_SYS_RAWIO. */
  capSysAdmin: boolean;
  capSysRawio: boolean;
  /** mm id: tasks with the same id share an mm (threads); null for kernel threads (no mm). */
  mm: number | null;
  /** mm->total_vm, pages. */
  totalVm: number;
  /** Resident pages (allocated in the engine under the task's owner id). */
  rss: number;
  /** start_time in seconds since boot. */
  startTimeSec: number;
  /** utime + stime in jiffies. */
  cpuJiffies: number;
  /** rt_task(): a real-time task (SCHED_FIFO/RR) may try harder in __alloc_pages. */
  rt?: boolean;
  /** oomkilladj (2.6.11: -16 .. 15; OOM_DISABLE = -17 from 2.6.12). */
  oomkilladj: number;
  /** Task flags the OOM killer and the allocator test. */
  memdie?: boolean; // TIF_MEMDIE
  exiting?: boolean; // PF_EXITING
  dead?: boolean; // PF_DEAD
  swapoff?: boolean; // PF_SWAPOFF
  memalloc?: boolean; // PF_MEMALLOC
  /** Killed by the simulation (SIGKILL delivered and its memory freed). */
  killed?: boolean;
}
