// A scripted fake page allocator for 6.18's callers (SLUB kmalloc, kvmalloc, vmalloc, THP faults), so
// their tests are deterministic and independent of the 6.18 slow path.

import { expect } from "vitest";
import type { PageAllocOutcome, ReportingPageAllocator } from "../../bindings/sim/page_allocator.js";
import { Slub618, defaultSlubParams } from "../../bindings/linux-6.18/mm/slub.js";
import { Vmalloc618, type VmallocRange } from "../../bindings/linux-6.18/mm/vmalloc.js";

export interface Call618 {
  gfp: number;
  order: number;
  pfn: number;
  bulk?: number;
}

/** Hands out pfns from a counter; fail(gfp, order, nth) scripts failures (nth counts calls); bulk,
 *  when given, caps what one alloc_pages_bulk call returns. */
export class FakePA618 implements ReportingPageAllocator {
  readonly pageSize = 4096;
  readonly calls: Call618[] = [];
  readonly live = new Map<number, number>();
  private next = 0;
  allocPagesBulk?: (gfp: number, nr: number, owner: number) => number[];
  constructor(
    readonly totalPages = 1 << 20,
    public fail: (gfp: number, order: number, nth: number) => boolean = () => false,
    bulkCap?: (nth: number) => number,
  ) {
    if (bulkCap) {
      this.allocPagesBulk = (gfp, nr) => {
        const n = Math.min(nr, bulkCap(this.calls.length));
        const pfns: number[] = [];
        for (let i = 0; i < n; i++) pfns.push(this.take(0));
        this.calls.push({ gfp, order: 0, pfn: pfns[0] ?? -1, bulk: n });
        return pfns;
      };
    }
  }
  private take(order: number): number {
    const pfn = this.next;
    this.next += 2 ** order;
    this.live.set(pfn, order);
    return pfn;
  }
  tryAllocPages(gfp: number, order: number): PageAllocOutcome {
    if (this.fail(gfp, order, this.calls.length)) {
      this.calls.push({ gfp, order, pfn: -1 });
      return { pfn: -1, failure: { gfp, order, reason: "scripted" } };
    }
    const pfn = this.take(order);
    this.calls.push({ gfp, order, pfn });
    return { pfn, failure: null };
  }
  allocPages(gfp: number, order: number): number {
    return this.tryAllocPages(gfp, order).pfn;
  }
  freePages(pfn: number, order: number): void {
    expect(this.live.get(pfn)).toBe(order);
    this.live.delete(pfn);
  }
  livePages(): number {
    return [...this.live.values()].reduce((n, o) => n + 2 ** o, 0);
  }
}

/** A 6.18 kmalloc and vmalloc over one FakePA618 (nrCpus 2 like this machine, unless given). */
export function rig618(
  o: {
    totalPages?: number;
    fail?: (gfp: number, order: number, nth: number) => boolean;
    bulkCap?: (nth: number) => number;
    nrCpus?: number;
    range?: VmallocRange;
    hugeVmalloc?: boolean;
  } = {},
) {
  const pa = new FakePA618(o.totalPages, o.fail, o.bulkCap);
  const slub = new Slub618(pa, { params: defaultSlubParams(o.nrCpus ?? 2) });
  const vm = new Vmalloc618({ pa, slub, range: o.range, hugeVmalloc: o.hugeVmalloc });
  return { pa, slub, vm };
}
