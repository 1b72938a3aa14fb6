// XFS kmem_alloc as caller policies over the simulated 2.6.11 allocators: the policies themselves
// (the loop, MAX_VMALLOCS, the deadlock line) are sim/xfs_kmem.ts's, shared with the 6.18 what-if;
// this file binds them to 2.6.11's SLAB kmalloc, __vmalloc and gfp bits, and gives them kvmalloc as
// XFS from 5.15 calls it.
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

import type { KernelLog } from "../../../sim/log.js";
import type { SimClock } from "../../../sim/clock.js";
import {
  KmemPolicyRunner,
  kmemFlagsConvertWith,
  type KmemAllocators,
  type KmemBounds,
  type KmemGfpBits,
  type KmemPolicy,
  type KmemResult as KmemResultOf,
} from "../../../sim/xfs_kmem.js";
import { GFP_2611 } from "../../../include/linux/gfp.js";
import type { Kptr, Slab2611 } from "../../mm/slab.js";
import type { Vmalloc2611 } from "../../mm/vmalloc.js";

export {
  KM_FLAGS,
  KM_MAYFAIL,
  KM_NOFS,
  KM_NOSLEEP,
  KM_SLEEP,
  KMEM_PATH_KEEP,
  MAX_SLAB_SIZE,
  MAX_VMALLOCS,
  type KmemBounds,
  type KmemPath,
  type KmemPolicy,
} from "../../../sim/xfs_kmem.js";

/** The __GFP_* bits kmem_alloc and kvmalloc set or test, by short name. */
const GFP = {
  NOWARN: GFP_2611.__GFP_NOWARN,
  REPEAT: GFP_2611.__GFP_REPEAT,
  NORETRY: GFP_2611.__GFP_NORETRY,
} as const;
const GFP_KERNEL = GFP_2611.GFP_KERNEL;

/** kmem_flags_convert's bits in the 2.6.11 layout. */
export const KMEM_GFP_2611: KmemGfpBits = {
  GFP_KERNEL,
  GFP_ATOMIC: GFP_2611.GFP_ATOMIC,
  __GFP_FS: GFP_2611.__GFP_FS,
  __GFP_NOWARN: GFP_2611.__GFP_NOWARN,
  __GFP_HIGHMEM: GFP_2611.__GFP_HIGHMEM,
};

/** kmalloc'd objects are Kptr objects, vmalloc'd areas are addresses (the is_vmalloc_addr test). */
export type KmemPtr = Kptr | number;
export type KmemResult = KmemResultOf<KmemPtr>;

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
  return kmemFlagsConvertWith(KMEM_GFP_2611, flags, pfFstrans);
}

/** kvmalloc_node (mm/util.c, 4.12 … 5.x) over the two attempts it is given. */
export function kvmallocNode2611<K, V>(
  size: number,
  flags: number,
  pageSize: number,
  kmalloc: (gfp: number) => K | null,
  vmalloc: (gfp: number) => V | null,
): K | V | null {
  // "vmalloc uses GFP_KERNEL for some internal allocations (e.g page tables)".
  if ((flags & GFP_KERNEL) !== GFP_KERNEL) return kmalloc(flags);
  let kflags = flags;
  if (size > pageSize) {
    kflags |= GFP.NOWARN;
    if (!(kflags & GFP.REPEAT)) kflags |= GFP.NORETRY;
  }
  const p = kmalloc(kflags);
  // "It doesn't really make sense to fallback to vmalloc for sub page requests".
  if (p !== null || size <= pageSize) return p;
  return vmalloc(flags);
}

/** 2.6.11's SLAB kmalloc and __vmalloc as the policies' allocators. */
export function allocators2611(slab: Slab2611, vmalloc: Vmalloc2611): KmemAllocators<Kptr, number> {
  return {
    pageSize: vmalloc.pageSize,
    kmalloc: (size, gfp, owner) => slab.kmalloc(size, gfp, owner),
    vmalloc: (size, gfp, owner) => vmalloc.__vmalloc(size, gfp, owner),
    kfree: (p) => slab.kfree(p),
    vfree: (p) => vmalloc.vfree(p),
    isVmalloc: (p): p is number => typeof p === "number",
    kvmalloc: (size, flags, km, vm) => kvmallocNode2611(size, flags, vmalloc.pageSize, km, vm),
  };
}

/** XFS kmem_alloc of 2.6.11 (the policies of sim/xfs_kmem.ts over 2.6.11's allocators). */
export class XfsKmem extends KmemPolicyRunner<Kptr, number> {
  declare readonly policy: KmemPolicy;

  constructor(o: XfsKmemOptions) {
    const { slab, vmalloc, ...rest } = o;
    super({ ...rest, alloc: allocators2611(slab, vmalloc), gfp: KMEM_GFP_2611 });
  }
}
