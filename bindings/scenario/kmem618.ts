// kmem_alloc on the 6.18 kernel: the caller policies of sim/xfs_kmem.ts over 6.18's SLUB kmalloc
// (linux-6.18/mm/slub.ts Slub618), vmalloc (mm/vmalloc.ts Vmalloc618) and __kvmalloc_node
// (kvmallocNode), with 6.18's gfp bits. "kmalloc" and "kvmalloc" are what a 6.18 caller does; the
// XFS policies of 2.6.11 ("pre-bdfb04301fa5", "bdfb04301fa5") run here as a what-if: 6.18's XFS has
// no kmem_alloc loop, and 6.18 has no congestion_wait (the what-if sleeps HZ/50 in its place, during
// which kswapd runs), so the loop is bounded by the replay's maxRetries / maxSimMs and ends as a
// "livelock", as 2.6.11 replays do.

import { FolioKind } from "../linux-6.18/include/linux/mm_inline.js";
import { OWNER_618, type Kernel618 } from "../linux-6.18/kernel.js";
import { GFP, Slub618, kvmallocNode, type SlubPtr, type KmallocResult } from "../linux-6.18/mm/slub.js";
import { Vmalloc618, type VmallocResult } from "../linux-6.18/mm/vmalloc.js";
import {
  KmemPolicyRunner,
  type KmemAllocators,
  type KmemBounds,
  type KmemCallerPolicy,
  type KmemGfpBits,
  type KmemResult,
} from "../sim/xfs_kmem.js";
import type { PageAllocator } from "../sim/page_allocator.js";

/** kmem_flags_convert's bits in the 6.18 layout (include/linux/gfp_types.h 6.18): GFP_KERNEL 0xcc0,
 *  GFP_ATOMIC 0x820, __GFP_FS 0x80, __GFP_NOWARN 0x2000, __GFP_HIGHMEM 0x2. */
export const KMEM_GFP_618: KmemGfpBits = {
  GFP_KERNEL: GFP.GFP_KERNEL,
  GFP_ATOMIC: GFP.GFP_ATOMIC,
  __GFP_FS: GFP.__GFP_FS,
  __GFP_NOWARN: GFP.__GFP_NOWARN,
  __GFP_HIGHMEM: GFP.__GFP_HIGHMEM,
};

const hex = (n: bigint) => `0x${n.toString(16)}`;

/** The 6.18 kernel's callers: SLUB over the page allocator (slab and large-kmalloc pages counted as
 *  unreclaimable slab, as ___kmalloc_large_node and allocate_slab account them), vmalloc over it. */
export class Callers618 {
  readonly slub: Slub618;
  readonly vmalloc: Vmalloc618;

  constructor(readonly k: Kernel618) {
    const slabPages: PageAllocator = {
      pageSize: k.pageSize,
      get totalPages() {
        return k.totalPages;
      },
      allocPages: (gfp, order, owner) => k.allocFolio(gfp, order, owner, FolioKind.SlabUnreclaimable),
      freePages: (pfn, order) => k.freePages(pfn, order),
    };
    this.slub = new Slub618(slabPages);
    this.vmalloc = new Vmalloc618({ pa: k, slub: this.slub });
  }

  /** kmalloc, recorded as a "kmalloc" event; slab_out_of_memory's lines are printed. */
  kmalloc(size: number, gfp: number, owner: number): KmallocResult {
    const r = this.slub.kmalloc(size, gfp, owner);
    for (const l of r.oomLines ?? []) this.k.printk(l);
    this.k.log.event("kmalloc", {
      size,
      gfp: r.pages.at(-1)?.gfp ?? r.gfp,
      cache: r.cache ?? "",
      order: r.pages.at(-1)?.order ?? -1,
      ok: r.ptr !== null,
    });
    return r;
  }

  /** __vmalloc_node_range, recorded as a "__vmalloc_node_range" event. huge: VM_ALLOW_HUGE_VMAP
   *  (kvmalloc's fallback; __vmalloc passes no vm_flags). */
  vmallocNodeRange(size: number, gfp: number, owner: number, huge: boolean): VmallocResult {
    const r = this.vmalloc.vmallocNodeRange(size, gfp, owner, { allowHugeVmap: huge });
    const area = r.ptr === null ? undefined : this.vmalloc.areas().find((a) => a.addr === r.ptr);
    this.k.log.event("__vmalloc_node_range", {
      size,
      gfp,
      nrPages: area?.nrPages ?? 0,
      pageCalls: r.pageCalls,
      addr: r.ptr === null ? "" : hex(r.ptr),
      ok: r.ptr !== null,
      failure: r.failure ? `vmalloc error: size ${r.failure.size}, ${r.failure.reason}` : "",
    });
    return r;
  }

  /** The policies' view of these callers: kmalloc'd objects, vmalloc'd addresses (bigint). */
  allocators(): KmemAllocators<SlubPtr, bigint> {
    return {
      pageSize: this.k.pageSize,
      kmalloc: (size, gfp, owner) => this.kmalloc(size, gfp, owner).ptr,
      // __vmalloc_noprof (mm/vmalloc.c 6.18): __vmalloc_node(size, 1, gfp, NUMA_NO_NODE, caller), no vm_flags
      vmalloc: (size, gfp, owner) => this.vmallocNodeRange(size, gfp, owner, false).ptr,
      kfree: (p) => this.slub.kfree(p),
      vfree: (p) => this.vmalloc.vfree(p),
      isVmalloc: (p): p is bigint => typeof p === "bigint",
      kvmalloc: (size, flags, km, vm) => {
        const r = kvmallocNode(
          size,
          flags,
          this.k.pageSize,
          (gfp) => ({ ptr: km(gfp) }),
          (gfp) => ({ ptr: vm(gfp) }),
        );
        this.k.log.event("__kvmalloc_node", {
          size,
          flags,
          kmallocGfp: r.kmallocGfp,
          exit: r.exit,
          ok: r.ok,
        });
        return r.vmalloc?.ptr ?? r.kmalloc.ptr;
      },
    };
  }
}

export interface Kmem618Options extends KmemBounds {
  policy: KmemCallerPolicy;
}

/** kmem_alloc's policies on a 6.18 kernel. */
export function kmemPolicy618(k: Kernel618, callers: Callers618, o: Kmem618Options) {
  return new KmemPolicyRunner<SlubPtr, bigint>({
    policy: o.policy,
    alloc: callers.allocators(),
    gfp: KMEM_GFP_618,
    clock: k.clock,
    log: k.log,
    maxRetries: o.maxRetries,
    maxSimMs: o.maxSimMs,
    // 6.18 has no congestion_wait: the what-if sleeps the jiffies (kswapd and timers run meanwhile)
    congestionWait: (jiffies) => k.schedule((jiffies * 1000) / k.clock.hz),
    halted: () => k.panicked,
    owner: OWNER_618.slab,
  });
}

export type KmemResult618 = KmemResult<SlubPtr | bigint>;
