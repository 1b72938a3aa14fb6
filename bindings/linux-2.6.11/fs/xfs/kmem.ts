// XFS kmem_alloc as caller policies over the simulated allocators.
// "pre-bdfb04301fa5": fs/xfs/linux-2.6/kmem.c 2.6.11 … 2.6.33: sizes >= MAX_SLAB_SIZE try __vmalloc
//   MAX_VMALLOCS + 1 = 7 times, then kmalloc, forever; every 100th failure prints the deadlock line;
//   blk_congestion_wait(WRITE, HZ/50) between attempts.
// "bdfb04301fa5" (Christoph Hellwig, 2010-01-20, "xfs: replace KM_LARGE with explicit vmalloc use"):
//   kmem_alloc is kmalloc only (same loop and message); the large boot/mount-time users switched to
//   kmem_zalloc_large(size) = vmalloc(size) + memset, which may fail and does not loop. The scenario
//   driver picks: kmemAlloc below 128 KiB, kmemZallocLarge above.
// "kvmalloc": XFS from 5.15 (d634525db63e "xfs: replace kmem_alloc_large() with kvmalloc()") calls
//   kvmalloc() directly: one kvmalloc_node, no retry loop. Rules of mm/util.c kvmalloc_node as read in
//   4.19 and 5.10 (the same policy; its first release, 4.12, was not read in a release tree): flags
//   without all of GFP_KERNEL → kmalloc only; for size > PAGE_SIZE the kmalloc gets __GFP_NOWARN, and
//   __GFP_NORETRY unless __GFP_REPEAT (4.12's name for the 0x400 bit, renamed __GFP_RETRY_MAYFAIL in
//   4.13; __GFP_REPEAT is 0x400 in include/linux/gfp.h 4.4, __GFP_RETRY_MAYFAIL in 4.19, the rename's
//   release is not read in a tree); on failure and size > PAGE_SIZE,
//   __vmalloc with the caller's flags. Bits are the 2.6.11 layout, the allocator underneath is the sim's.

import { HeadTail, type KeepLimits, type KernelLog } from "../../../sim/log.js";
import type { SimClock } from "../../../sim/clock.js";
import { GFP_2611 } from "../../../include/linux/gfp.js";
import type { Kptr, Slab2611 } from "../../mm/slab.js";
import type { Vmalloc2611 } from "../../mm/vmalloc.js";
import { check, isInt } from "../../../errors.js";

/** The __GFP_* bits kmem_alloc and kvmalloc set or test, by short name. */
const GFP = {
  HIGHMEM: GFP_2611.__GFP_HIGHMEM,
  FS: GFP_2611.__GFP_FS,
  NOWARN: GFP_2611.__GFP_NOWARN,
  REPEAT: GFP_2611.__GFP_REPEAT,
  NORETRY: GFP_2611.__GFP_NORETRY,
} as const;
const GFP_KERNEL = GFP_2611.GFP_KERNEL;
const GFP_ATOMIC = GFP_2611.GFP_ATOMIC;

/** fs/xfs/linux-2.6/kmem.h (2.6.11). */
export const KM_SLEEP = 0x1;
export const KM_NOSLEEP = 0x2;
export const KM_NOFS = 0x4;
export const KM_MAYFAIL = 0x8;
/** The KM_* flags by name (scenario files name them). */
export const KM_FLAGS: Readonly<Record<string, number>> = { KM_SLEEP, KM_NOSLEEP, KM_NOFS, KM_MAYFAIL };
/** fs/xfs/linux-2.6/kmem.c (2.6.11). */
export const MAX_VMALLOCS = 6;
export const MAX_SLAB_SIZE = 0x20000;

export type KmemPolicy = "pre-bdfb04301fa5" | "bdfb04301fa5" | "kvmalloc";
export type KmemPath = "kmalloc" | "vmalloc";
/** kmalloc'd objects are Kptr objects, vmalloc'd areas are addresses (the is_vmalloc_addr test). */
export type KmemPtr = Kptr | number;

export interface KmemResult {
  ptr: KmemPtr | null;
  /** Failed attempts the loop slept after (the kernel's retries counter). */
  retries: number;
  /** "possible memory allocation deadlock" lines printed. */
  deadlockMessages: number;
  /** The allocator each attempt used, in order: the first and the last KMEM_PATH_KEEP.head and .tail
   *  attempts when there were more (pathDropped counts the attempts left out between them). */
  path: KmemPath[];
  /** Simulated ms the call took (waits plus whatever the page allocator advanced). */
  simMs: number;
  /** The simulator's bound stopped an endless loop. */
  livelock: boolean;
  /** The gfp mask used (kmem_flags_convert). */
  lflags: number;
  /** Attempts left out of path (present only when some were). */
  pathDropped?: number;
}

/** How many attempts KmemResult.path keeps from the start and from the end of a long loop. */
export const KMEM_PATH_KEEP: KeepLimits = { head: 10_000, tail: 10_000 };

/** The attempts of one call, bounded (KMEM_PATH_KEEP). */
type PathLog = HeadTail<KmemPath>;

export interface KmemBounds {
  /** Stop after this many failed attempts (default 100000). */
  maxRetries?: number;
  /** Stop after this much simulated time in the call (default: no limit). */
  maxSimMs?: number;
}

export interface XfsKmemOptions extends KmemBounds {
  policy: KmemPolicy;
  slab: Slab2611;
  vmalloc: Vmalloc2611;
  clock: SimClock;
  log: KernelLog;
  /** blk_congestion_wait(WRITE, jiffies) of the simulated kernel (time passes, kswapd and other
   *  tasks run); default: the clock only advances. */
  congestionWait?: (jiffies: number) => void;
  /** HZ for blk_congestion_wait(WRITE, HZ/50); defaults to clock.hz. */
  hz?: number;
  /** Owner id the pages are charged to (default 0). */
  owner?: number;
  /** True once the kernel has panicked: the loop stops (nothing runs after panic()). */
  halted?: () => boolean;
}

/** kmem_flags_convert (fs/xfs/linux-2.6/kmem.h 2.6.11): __GFP_NOWARN always; KM_NOSLEEP →
 *  GFP_ATOMIC; else GFP_KERNEL without __GFP_FS under PF_FSTRANS or KM_NOFS. */
export function kmemFlagsConvert(flags: number, pfFstrans = false): number {
  let lflags = GFP.NOWARN;
  if (flags & KM_NOSLEEP) return lflags | GFP_ATOMIC;
  lflags |= GFP_KERNEL;
  if (pfFstrans || flags & KM_NOFS) lflags &= ~GFP.FS; // "avoid recusive callbacks to filesystem"
  return lflags;
}

const hex = (n: number) => `0x${n.toString(16)}`;

export class XfsKmem {
  readonly policy: KmemPolicy;
  readonly hz: number;
  private readonly o: XfsKmemOptions;

  constructor(o: XfsKmemOptions) {
    this.o = o;
    this.policy = o.policy;
    this.hz = o.hz ?? o.clock.hz;
    check(isInt(this.hz) && this.hz > 0, "XfsKmem: bad hz", "OOMLAB_BAD_ARGUMENT");
  }

  /** kmem_alloc(size, flags) under the policy; pfFstrans models current->flags & PF_FSTRANS. */
  kmemAlloc(size: number, flags: number, opts: KmemBounds & { owner?: number; pfFstrans?: boolean } = {}): KmemResult {
    check(isInt(size) && size >= 0, `kmem_alloc: bad size ${size}`, "OOMLAB_BAD_ARGUMENT");
    const lflags = kmemFlagsConvert(flags, opts.pfFstrans);
    const owner = opts.owner ?? this.o.owner ?? 0;
    if (this.policy === "kvmalloc") return this.once(lflags, (path) => this.kvmalloc(size, lflags, owner, path));
    return this.loop(size, flags, lflags, owner, opts);
  }

  /** kmem_zalloc_large (bdfb04301fa5, fs/xfs/linux-2.6/kmem.h): vmalloc(size) — GFP_KERNEL |
   *  __GFP_HIGHMEM — then memset; NULL goes back to the caller, no loop. */
  kmemZallocLarge(size: number, owner = this.o.owner ?? 0): KmemResult {
    const lflags = GFP_KERNEL | GFP.HIGHMEM;
    return this.once(lflags, (path) => this.attempt("vmalloc", size, lflags, owner, path));
  }

  /** kmem_free: vfree for vmalloc addresses, kfree otherwise. */
  kmemFree(ptr: KmemPtr): void {
    if (typeof ptr === "number") this.o.vmalloc.vfree(ptr);
    else this.o.slab.kfree(ptr);
  }

  /** The do { … } while (1) of kmem_alloc (fs/xfs/linux-2.6/kmem.c, before and after bdfb04301fa5). */
  private loop(size: number, flags: number, lflags: number, owner: number, b: KmemBounds): KmemResult {
    const { clock, log } = this.o;
    const t0 = clock.nowMs;
    const maxRetries = b.maxRetries ?? this.o.maxRetries ?? 100_000;
    const maxSimMs = b.maxSimMs ?? this.o.maxSimMs ?? Infinity;
    const r: KmemResult = { ptr: null, retries: 0, deadlockMessages: 0, path: [], simMs: 0, livelock: false, lflags };
    const path: PathLog = new HeadTail(KMEM_PATH_KEEP);
    for (;;) {
      r.ptr = this.attempt(this.pick(size, r.retries), size, lflags, owner, path);
      if (r.ptr !== null || flags & (KM_MAYFAIL | KM_NOSLEEP) || this.o.halted?.()) break;
      if (++r.retries % 100 === 0) {
        log.printk(`XFS: possible memory allocation deadlock in kmem_alloc (mode:${hex(lflags)})\n`);
        r.deadlockMessages++;
      }
      if (this.o.congestionWait) this.o.congestionWait(Math.floor(this.hz / 50));
      else clock.advance(this.congestionWaitMs());
      if (r.retries >= maxRetries || clock.nowMs - t0 >= maxSimMs) {
        r.livelock = true;
        log.event("livelock", {
          caller: "kmem_alloc",
          policy: this.policy,
          size,
          lflags,
          retries: r.retries,
          simMs: clock.nowMs - t0,
        });
        break;
      }
    }
    r.simMs = clock.nowMs - t0;
    r.path = path.toArray();
    if (path.dropped) r.pathDropped = path.dropped;
    return r;
  }

  /** Pre-bdfb04301fa5: "if (size < MAX_SLAB_SIZE || retries > MAX_VMALLOCS) kmalloc else __vmalloc". */
  private pick(size: number, retries: number): KmemPath {
    if (this.policy === "bdfb04301fa5") return "kmalloc";
    return size < MAX_SLAB_SIZE || retries > MAX_VMALLOCS ? "kmalloc" : "vmalloc";
  }

  /** blk_congestion_wait(WRITE, HZ/50): modelled as the full timeout (no queue decongests early). */
  private congestionWaitMs(): number {
    return (Math.floor(this.hz / 50) * 1000) / this.hz;
  }

  /** kvmalloc_node (mm/util.c, 4.12 … 5.x). */
  private kvmalloc(size: number, flags: number, owner: number, path: PathLog): KmemPtr | null {
    const pageSize = this.o.vmalloc.pageSize;
    // "vmalloc uses GFP_KERNEL for some internal allocations (e.g page tables)".
    if ((flags & GFP_KERNEL) !== GFP_KERNEL) return this.attempt("kmalloc", size, flags, owner, path);
    let kflags = flags;
    if (size > pageSize) {
      kflags |= GFP.NOWARN;
      if (!(kflags & GFP.REPEAT)) kflags |= GFP.NORETRY;
    }
    const p = this.attempt("kmalloc", size, kflags, owner, path);
    // "It doesn't really make sense to fallback to vmalloc for sub page requests".
    if (p !== null || size <= pageSize) return p;
    return this.attempt("vmalloc", size, flags, owner, path);
  }

  /** One call with no retry loop (kvmalloc, kmem_zalloc_large). */
  private once(lflags: number, call: (path: PathLog) => KmemPtr | null): KmemResult {
    const t0 = this.o.clock.nowMs;
    const path: PathLog = new HeadTail(KMEM_PATH_KEEP);
    const ptr = call(path);
    const simMs = this.o.clock.nowMs - t0;
    return { ptr, retries: 0, deadlockMessages: 0, path: path.toArray(), simMs, livelock: false, lflags };
  }

  /** One allocation through kmalloc or __vmalloc, recorded in path and as a kmem_alloc-attempt event. */
  private attempt(via: KmemPath, size: number, gfp: number, owner: number, path: PathLog): KmemPtr | null {
    const ptr = via === "kmalloc" ? this.o.slab.kmalloc(size, gfp, owner) : this.o.vmalloc.__vmalloc(size, gfp, owner);
    path.push(via);
    this.o.log.event("kmem_alloc-attempt", {
      policy: this.policy,
      size,
      gfp,
      attempt: path.pushed,
      via,
      ok: ptr !== null,
    });
    return ptr;
  }
}
