// XFS kmem_alloc's caller policies over any simulated kernel's kmalloc and vmalloc, so that 2.6.11's
// policies run on 2.6.11 (linux-2.6.11/fs/xfs/kmem.ts binds them to its SLAB and __vmalloc) and, as a
// what-if, on 6.18's SLUB and vmalloc (scenario/kmem618.ts binds them there). The gfp bits come from
// the kernel the policy runs on; the allocators, kvmalloc_node included, are that kernel's.
// "pre-bdfb04301fa5": fs/xfs/linux-2.6/kmem.c 2.6.11 … 2.6.33: sizes >= MAX_SLAB_SIZE try __vmalloc
//   MAX_VMALLOCS + 1 = 7 times, then kmalloc, forever; every 100th failure prints the deadlock line;
//   blk_congestion_wait(WRITE, HZ/50) between attempts.
// "bdfb04301fa5" (Christoph Hellwig, 2010-01-20, "xfs: replace KM_LARGE with explicit vmalloc use"):
//   kmem_alloc is kmalloc only (same loop and message); the large boot/mount-time users switched to
//   kmem_zalloc_large(size) = vmalloc(size) + memset, which may fail and does not loop.
// "kvmalloc": XFS from 5.15 (d634525db63e "xfs: replace kmem_alloc_large() with kvmalloc()") calls
//   kvmalloc() directly with kmem_flags_convert's mask: one kvmalloc_node of the kernel underneath,
//   no retry loop.
// "kmalloc": a plain kmalloc(size, gfp) caller, gfp being kmem_flags_convert's mask without the
//   __GFP_NOWARN XFS adds (GFP_KERNEL for KM_SLEEP): one attempt, and the page allocator's own
//   failure report. Not an XFS policy: the baseline kvmalloc is compared with.

import { HeadTail, type KeepLimits, type KernelLog } from "./log.js";
import type { SimClock } from "./clock.js";
import { check, isInt } from "../errors.js";

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

/** The XFS kmem_alloc policies (2.6.11 replays take these). */
export type KmemPolicy = "pre-bdfb04301fa5" | "bdfb04301fa5" | "kvmalloc";
/** Every caller policy this module runs: the XFS ones and a plain kmalloc. */
export type KmemCallerPolicy = KmemPolicy | "kmalloc";
export type KmemPath = "kmalloc" | "vmalloc";

/** The gfp bits kmem_flags_convert and the policies use, in the layout of the kernel underneath. */
export interface KmemGfpBits {
  GFP_KERNEL: number;
  GFP_ATOMIC: number;
  __GFP_FS: number;
  __GFP_NOWARN: number;
  __GFP_HIGHMEM: number;
}

/** What a kernel gives the policies: kmalloc and vmalloc (NULL as null), their frees, and its
 *  kvmalloc_node over the two attempt functions it is handed (so each attempt is recorded). K is a
 *  kmalloc'd object, V a vmalloc'd address. */
export interface KmemAllocators<K, V> {
  readonly pageSize: number;
  kmalloc(size: number, gfp: number, owner: number): K | null;
  /** __vmalloc(size, gfp, PAGE_KERNEL). */
  vmalloc(size: number, gfp: number, owner: number): V | null;
  kfree(p: K): void;
  vfree(p: V): void;
  /** True for a vmalloc'd address (is_vmalloc_addr). */
  isVmalloc(p: K | V): p is V;
  /** kvmalloc_node(size, flags) of the kernel underneath, over the attempts it is given. */
  kvmalloc(
    size: number,
    flags: number,
    kmalloc: (gfp: number) => K | null,
    vmalloc: (gfp: number) => V | null,
  ): K | V | null;
}

export interface KmemResult<P> {
  ptr: P | null;
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

type PathLog = HeadTail<KmemPath>;

export interface KmemBounds {
  /** Stop after this many failed attempts (default 100000). */
  maxRetries?: number;
  /** Stop after this much simulated time in the call (default: no limit). */
  maxSimMs?: number;
}

export interface KmemPolicyOptions<K, V> extends KmemBounds {
  policy: KmemCallerPolicy;
  alloc: KmemAllocators<K, V>;
  gfp: KmemGfpBits;
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

/** kmem_flags_convert (fs/xfs/linux-2.6/kmem.h 2.6.11) in the bits of the kernel underneath:
 *  __GFP_NOWARN always; KM_NOSLEEP → GFP_ATOMIC; else GFP_KERNEL without __GFP_FS under PF_FSTRANS or
 *  KM_NOFS. */
export function kmemFlagsConvertWith(bits: KmemGfpBits, flags: number, pfFstrans = false): number {
  let lflags = bits.__GFP_NOWARN;
  if (flags & KM_NOSLEEP) return lflags | bits.GFP_ATOMIC;
  lflags |= bits.GFP_KERNEL;
  if (pfFstrans || flags & KM_NOFS) lflags &= ~bits.__GFP_FS; // "avoid recusive callbacks to filesystem"
  return lflags;
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** kmem_alloc under one caller policy, over a kernel's allocators. */
export class KmemPolicyRunner<K, V> {
  readonly policy: KmemCallerPolicy;
  readonly hz: number;
  private readonly o: KmemPolicyOptions<K, V>;

  constructor(o: KmemPolicyOptions<K, V>) {
    this.o = o;
    this.policy = o.policy;
    this.hz = o.hz ?? o.clock.hz;
    check(isInt(this.hz) && this.hz > 0, "XfsKmem: bad hz", "OOMLAB_BAD_ARGUMENT");
  }

  /** kmem_flags_convert in the bits of the kernel underneath. */
  flagsConvert(flags: number, pfFstrans = false): number {
    return kmemFlagsConvertWith(this.o.gfp, flags, pfFstrans);
  }

  /** kmem_alloc(size, flags) under the policy; pfFstrans models current->flags & PF_FSTRANS. */
  kmemAlloc(
    size: number,
    flags: number,
    opts: KmemBounds & { owner?: number; pfFstrans?: boolean } = {},
  ): KmemResult<K | V> {
    check(isInt(size) && size >= 0, `kmem_alloc: bad size ${size}`, "OOMLAB_BAD_ARGUMENT");
    const lflags = this.flagsConvert(flags, opts.pfFstrans);
    const owner = opts.owner ?? this.o.owner ?? 0;
    if (this.policy === "kvmalloc")
      return this.once(lflags, (path) =>
        this.o.alloc.kvmalloc(
          size,
          lflags,
          (gfp) => this.attempt("kmalloc", size, gfp, owner, path) as K | null,
          (gfp) => this.attempt("vmalloc", size, gfp, owner, path) as V | null,
        ),
      );
    if (this.policy === "kmalloc") {
      const gfp = lflags & ~this.o.gfp.__GFP_NOWARN;
      return this.once(gfp, (path) => this.attempt("kmalloc", size, gfp, owner, path));
    }
    return this.loop(size, flags, lflags, owner, opts);
  }

  /** kmem_zalloc_large (bdfb04301fa5, fs/xfs/linux-2.6/kmem.h): vmalloc(size) — GFP_KERNEL |
   *  __GFP_HIGHMEM — then memset; NULL goes back to the caller, no loop. */
  kmemZallocLarge(size: number, owner = this.o.owner ?? 0): KmemResult<K | V> {
    const lflags = this.o.gfp.GFP_KERNEL | this.o.gfp.__GFP_HIGHMEM;
    return this.once(lflags, (path) => this.attempt("vmalloc", size, lflags, owner, path));
  }

  /** kmem_free: vfree for vmalloc addresses, kfree otherwise. */
  kmemFree(ptr: K | V): void {
    if (this.o.alloc.isVmalloc(ptr)) this.o.alloc.vfree(ptr);
    else this.o.alloc.kfree(ptr as K);
  }

  /** The do { … } while (1) of kmem_alloc (fs/xfs/linux-2.6/kmem.c, before and after bdfb04301fa5). */
  private loop(size: number, flags: number, lflags: number, owner: number, b: KmemBounds): KmemResult<K | V> {
    const { clock, log } = this.o;
    const t0 = clock.nowMs;
    const maxRetries = b.maxRetries ?? this.o.maxRetries ?? 100_000;
    const maxSimMs = b.maxSimMs ?? this.o.maxSimMs ?? Infinity;
    const r: KmemResult<K | V> = {
      ptr: null,
      retries: 0,
      deadlockMessages: 0,
      path: [],
      simMs: 0,
      livelock: false,
      lflags,
    };
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

  /** One call with no retry loop (kvmalloc, kmalloc, kmem_zalloc_large). */
  private once(lflags: number, call: (path: PathLog) => K | V | null): KmemResult<K | V> {
    const t0 = this.o.clock.nowMs;
    const path: PathLog = new HeadTail(KMEM_PATH_KEEP);
    const ptr = call(path);
    const simMs = this.o.clock.nowMs - t0;
    return { ptr, retries: 0, deadlockMessages: 0, path: path.toArray(), simMs, livelock: false, lflags };
  }

  /** One allocation through kmalloc or __vmalloc, recorded in path and as a kmem_alloc-attempt event. */
  private attempt(via: KmemPath, size: number, gfp: number, owner: number, path: PathLog): K | V | null {
    const ptr = via === "kmalloc" ? this.o.alloc.kmalloc(size, gfp, owner) : this.o.alloc.vmalloc(size, gfp, owner);
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
