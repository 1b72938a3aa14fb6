// A scripted fake page allocator under 2.6.11's kmalloc (SLAB), __vmalloc and XFS kmem_alloc, so
// their tests (mm/slab, mm/vmalloc, fs/xfs/kmem) are deterministic and independent of the real slow
// path.

import { expect } from "vitest";
import { KernelLog } from "../../bindings/sim/log.js";
import { SimClock } from "../../bindings/sim/clock.js";
import type { PageAllocator } from "../../bindings/sim/page_allocator.js";
import { Slab2611 } from "../../bindings/linux-2.6.11/mm/slab.js";
import { Vmalloc2611, armVmallocRange } from "../../bindings/linux-2.6.11/mm/vmalloc.js";
import { XfsKmem, type KmemPolicy } from "../../bindings/linux-2.6.11/fs/xfs/kmem.js";

import { GFP_2611 } from "../../bindings/include/linux/gfp.js";

export const GFP_KERNEL = GFP_2611.GFP_KERNEL;
export const GFP_NOWARN = GFP_2611.__GFP_NOWARN;
/** XFS KM_SLEEP as kmem_flags_convert makes it: GFP_KERNEL|__GFP_NOWARN. */
export const XFS_SLEEP = GFP_KERNEL | GFP_NOWARN;

interface Call {
  gfp: number;
  order: number;
  owner: number;
  pfn: number;
}

/** Hands out pfns from a counter; fail(gfp, order, nth) scripts failures; counts live blocks. */
export class FakePA implements PageAllocator {
  readonly pageSize = 4096;
  readonly calls: Call[] = [];
  readonly live = new Map<number, number>();
  private next = 0;
  constructor(
    readonly totalPages = 4096,
    public fail: (gfp: number, order: number, nth: number) => boolean = () => false,
  ) {}
  allocPages(gfp: number, order: number, owner: number): number {
    const pfn = this.fail(gfp, order, this.calls.length) ? -1 : this.next;
    this.calls.push({ gfp, order, owner, pfn });
    if (pfn < 0) return -1;
    this.next += 2 ** order;
    this.live.set(pfn, order);
    return pfn;
  }
  freePages(pfn: number, order: number): void {
    expect(this.live.get(pfn)).toBe(order);
    this.live.delete(pfn);
  }
  livePages(): number {
    return [...this.live.values()].reduce((n, o) => n + 2 ** o, 0);
  }
}

export function rig(
  opts: {
    ramPages?: number;
    fail?: (gfp: number, order: number, nth: number) => boolean;
    policy?: KmemPolicy;
    hz?: number;
  } = {},
) {
  const pa = new FakePA(opts.ramPages ?? 4096, opts.fail);
  const clock = new SimClock(opts.hz ?? 100);
  const log = new KernelLog(clock);
  const slab = new Slab2611(pa, { ramPages: opts.ramPages ?? 4096 });
  const vm = new Vmalloc2611({ pa, slab, log, clock, ...armVmallocRange(16 << 20) });
  const xfs = new XfsKmem({
    policy: opts.policy ?? "pre-bdfb04301fa5",
    slab,
    vmalloc: vm,
    clock,
    log,
    maxRetries: 1000,
  });
  return { pa, clock, log, slab, vm, xfs };
}

export const cacheOf = (slab: Slab2611, size: number) => slab.caches.find((c) => !c.dma && c.size === size)!;
