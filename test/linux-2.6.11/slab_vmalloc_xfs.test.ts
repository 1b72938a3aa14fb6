// 2.6.11 kmalloc (SLAB), __vmalloc and XFS kmem_alloc policies against a scripted fake page
// allocator, so the cases are deterministic and independent of the real slow path.

import { describe, expect, it } from "vitest";
import { KernelLog } from "../../bindings/sim/log.js";
import { SimClock } from "../../bindings/sim/clock.js";
import type { PageAllocator } from "../../bindings/sim/page_allocator.js";
import { PrintkRatelimit } from "../../bindings/linux-2.6.11/kernel/printk.js";
import { Slab2611, getOrder, kmallocSizes, slabLayout, type Kptr } from "../../bindings/linux-2.6.11/mm/slab.js";
import { OUT_OF_VMALLOC_SPACE, Vmalloc2611, armVmallocRange } from "../../bindings/linux-2.6.11/mm/vmalloc.js";
import { KM_MAYFAIL, KM_NOFS, KM_NOSLEEP, KM_SLEEP, XfsKmem, kmemFlagsConvert, type KmemPolicy } from "../../bindings/linux-2.6.11/fs/xfs/kmem.js";

const GFP_KERNEL = 0xd0;
const GFP_NOWARN = 0x200;
const XFS_SLEEP = 0x2d0;

interface Call {
  gfp: number;
  order: number;
  owner: number;
  pfn: number;
}

/** Hands out pfns from a counter; fail(gfp, order, nth) scripts failures; counts live blocks. */
class FakePA implements PageAllocator {
  readonly pageSize = 4096;
  readonly calls: Call[] = [];
  readonly live = new Map<number, number>();
  private next = 0;
  constructor(readonly totalPages = 4096, public fail: (gfp: number, order: number, nth: number) => boolean = () => false) {}
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

function rig(opts: { ramPages?: number; fail?: (gfp: number, order: number, nth: number) => boolean; policy?: KmemPolicy; hz?: number } = {}) {
  const pa = new FakePA(opts.ramPages ?? 4096, opts.fail);
  const clock = new SimClock(opts.hz ?? 100);
  const log = new KernelLog(clock);
  const slab = new Slab2611(pa, { ramPages: opts.ramPages ?? 4096 });
  const vm = new Vmalloc2611({ pa, slab, log, clock, ...armVmallocRange(16 << 20) });
  const xfs = new XfsKmem({ policy: opts.policy ?? "pre-bdfb04301fa5", slab, vmalloc: vm, clock, log, maxRetries: 1000 });
  return { pa, clock, log, slab, vm, xfs };
}

const cacheOf = (slab: Slab2611, size: number) => slab.caches.find((c) => !c.dma && c.size === size)!;

describe("2.6.11 SLAB geometry (kmem_cache_create port)", () => {
  it("lists kmalloc_sizes.h classes; 96 and 192 depend on L1_CACHE_BYTES (32 on ARM)", () => {
    expect(kmallocSizes()).toEqual([32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072]);
    expect(kmallocSizes(4096, 64)).not.toContain(96);
    expect(kmallocSizes(4096, 64)).toContain(192);
    expect(kmallocSizes(4096, 128)).not.toContain(192);
  });

  it.each([4096, 16384])("derives the slab orders on %i pages of RAM", (ramPages) => {
    const slab = new Slab2611(new FakePA(ramPages), { ramPages });
    const orders = [4096, 8192, 16384, 32768, 65536, 131072].map((s) => cacheOf(slab, s).order);
    expect(orders).toEqual([0, 1, 2, 3, 4, 5]);
    for (const s of [32, 64, 96, 128, 192, 256, 512, 1024, 2048]) expect(cacheOf(slab, s).order).toBe(0);
    expect(slab.breakOrder).toBe(ramPages > 8192 ? 1 : 0);
  });

  it("objects per slab and off-slab management match the 2.6.11 estimate", () => {
    const slab = new Slab2611(new FakePA(), { ramPages: 4096 });
    expect([32, 64, 128, 256].map((s) => cacheOf(slab, s).num)).toEqual([113, 59, 30, 15]);
    expect(cacheOf(slab, 256).offSlab).toBe(false);
    expect(cacheOf(slab, 512)).toMatchObject({ num: 8, offSlab: true, mgmtBytes: 56 });
    expect(cacheOf(slab, 131072)).toMatchObject({ num: 1, offSlab: true, mgmtBytes: 28 });
  });

  it("slab_break_gfp_order only matters when the left-over exceeds 1/8 of the slab", () => {
    const o = { pageSize: 4096, l1CacheBytes: 32, offslabLimit: 58 };
    expect(slabLayout(1120, { ...o, breakOrder: 0 })).toMatchObject({ order: 0, num: 3 });
    expect(slabLayout(1120, { ...o, breakOrder: 1 })).toMatchObject({ order: 1, num: 7 });
  });

  it("get_order", () => {
    expect([1, 4096, 4097, 8192, 65537, 131072, 131073].map((s) => getOrder(s))).toEqual([0, 0, 1, 1, 5, 5, 6]);
  });
});

describe("2.6.11 kmalloc", () => {
  it("65537 bytes → size-131072 → an order-5 request with the caller's gfp unchanged", () => {
    const { pa, slab } = rig();
    const p = slab.kmalloc(65537, XFS_SLEEP, 7)!;
    expect(slab.caches[p.cache].name).toBe("size-131072");
    expect(pa.calls[0]).toMatchObject({ gfp: XFS_SLEEP, order: 5, owner: 7 });
    // The off-slab struct slab comes from size-32, grown with flags & SLAB_LEVEL_MASK.
    expect(pa.calls[1]).toMatchObject({ gfp: XFS_SLEEP, order: 0 });
    expect(slab.slabPages()).toBe(33);
  });

  it("131073 bytes → NULL without touching the page allocator", () => {
    const { pa, slab } = rig();
    expect(slab.kmalloc(131073, GFP_KERNEL, 0)).toBeNull();
    expect(pa.calls).toHaveLength(0);
  });

  it("a failed slab page makes kmalloc return NULL and leaves no slab", () => {
    const { pa, slab } = rig({ fail: (_g, order) => order === 5 });
    expect(slab.kmalloc(100000, XFS_SLEEP, 0)).toBeNull();
    expect(pa.calls).toHaveLength(1);
    expect(slab.slabPages()).toBe(0);
  });

  it("__GFP_DMA uses the DMA twin, whose pages carry GFP_DMA", () => {
    const { pa, slab } = rig();
    const p = slab.kmalloc(40, GFP_KERNEL | 0x01, 0)!;
    expect(slab.caches[p.cache].name).toBe("size-64(DMA)");
    expect(pa.calls[0].gfp).toBe(GFP_KERNEL | 0x01);
  });

  it("fills a slab before growing and reuses a freed slot (LIFO)", () => {
    const { pa, slab } = rig();
    const ptrs: Kptr[] = [];
    for (let i = 0; i < 30; i++) ptrs.push(slab.kmalloc(100, GFP_KERNEL, 0)!);
    expect(pa.calls).toHaveLength(1);
    expect(new Set(ptrs.map((p) => p.slab)).size).toBe(1);
    slab.kfree(ptrs[5]);
    const again = slab.kmalloc(128, GFP_KERNEL, 0)!;
    expect(again).toMatchObject({ slab: ptrs[5].slab, index: ptrs[5].index });
    expect(pa.calls).toHaveLength(1);
    slab.kmalloc(100, GFP_KERNEL, 0);
    expect(pa.calls).toHaveLength(2);
  });

  it("empty slabs stay cached until shrink(), which returns them (descriptors included)", () => {
    const { pa, slab } = rig();
    const a = slab.kmalloc(200, GFP_KERNEL, 0)!;
    const b = slab.kmalloc(8000, GFP_KERNEL, 0)!;
    expect(slab.slabPages()).toBe(1 + 2 + 1); // size-256, size-8192, size-32 for the descriptor
    slab.kfree(a);
    slab.kfree(b);
    expect(() => slab.kfree(a)).toThrow(/double free/);
    expect(slab.slabPages()).toBe(4);
    expect(slab.shrink()).toBe(4);
    expect(slab.slabPages()).toBe(0);
    expect(pa.live.size).toBe(0);
  });

  it("a gfp bit outside SLAB_LEVEL_MASK is a kernel BUG in cache_grow", () => {
    const { slab } = rig();
    expect(() => slab.kmalloc(64, GFP_KERNEL | 0x02, 0)).toThrow(/cache_grow/);
  });
});

describe("2.6.11 __vmalloc", () => {
  it("places areas first-fit with a guard page after each", () => {
    const { vm } = rig();
    expect(vm.start).toBe(0xc1800000);
    const a = vm.__vmalloc(3 * 4096, XFS_SLEEP, 0)!;
    const b = vm.__vmalloc(4096, XFS_SLEEP, 0)!;
    expect(a).toBe(vm.start);
    expect(b).toBe(a + 4 * 4096);
    vm.vfree(a);
    expect(vm.__vmalloc(4096, XFS_SLEEP, 0)).toBe(a); // first hole
    expect(vm.__vmalloc(3 * 4096, XFS_SLEEP, 0)).toBe(b + 2 * 4096); // the 8 KiB left is too small
    expect(vm.usedBytes()).toBe((2 + 2 + 4) * 4096);
  });

  it("allocates the vm_struct (GFP_KERNEL) before finding no space; then prints, ratelimited", () => {
    const { pa, vm, log, clock } = rig();
    vm.reserve(vm.start, vm.end - vm.start);
    expect(vm.largestFreeGap()).toBe(0);
    for (let i = 0; i < 12; i++) expect(vm.__vmalloc(4096, XFS_SLEEP, 0)).toBeNull();
    expect(pa.calls).toEqual([expect.objectContaining({ gfp: GFP_KERNEL, order: 0 })]); // the size-32 slab only
    expect(log.lines.filter((l) => l === OUT_OF_VMALLOC_SPACE)).toHaveLength(10); // burst 10
    clock.advance(5000);
    vm.__vmalloc(4096, XFS_SLEEP, 0);
    expect(log.lines.slice(-2)).toEqual(["printk: 2 messages suppressed.", OUT_OF_VMALLOC_SPACE]);
  });

  it("a page failure midway frees the pages, the array and the area", () => {
    let orderZero = 0;
    const { pa, vm, slab } = rig({ fail: (gfp, order) => gfp === XFS_SLEEP && order === 0 && ++orderZero === 4 });
    expect(vm.__vmalloc(8 * 4096, XFS_SLEEP, 0)).toBeNull();
    // 3 pages and the failure; the 32-byte array shares the vm_struct's size-32 slab (GFP_KERNEL).
    expect(pa.calls.map((c) => c.gfp)).toEqual([GFP_KERNEL, XFS_SLEEP, XFS_SLEEP, XFS_SLEEP, XFS_SLEEP]);
    expect(vm.areas()).toHaveLength(0);
    expect(slab.objectsInUse()).toBe(0);
    expect(pa.livePages()).toBe(slab.slabPages());
  });

  it("a page array above PAGE_SIZE is vmalloc'd recursively and vfree'd with the area", () => {
    const { pa, vm, slab } = rig({ ramPages: 8192 });
    const addr = vm.__vmalloc(1025 * 4096, XFS_SLEEP, 0)!;
    expect(vm.areas()).toHaveLength(2);
    expect(pa.calls.filter((c) => c.order === 0 && c.gfp === XFS_SLEEP).length).toBeGreaterThanOrEqual(1025 + 2);
    vm.vfree(addr);
    expect(vm.areas()).toHaveLength(0);
    slab.shrink();
    expect(pa.live.size).toBe(0);
  });

  it("refuses more pages than num_physpages without allocating", () => {
    const { pa, vm } = rig({ ramPages: 16 });
    expect(vm.__vmalloc(17 * 4096, XFS_SLEEP, 0)).toBeNull();
    expect(pa.calls).toHaveLength(0);
  });

  it("printk_ratelimit refills one message per 5 s", () => {
    const clock = new SimClock(100);
    const rl = new PrintkRatelimit(clock, new KernelLog(clock));
    expect(Array.from({ length: 11 }, () => rl.allow()).filter(Boolean)).toHaveLength(10);
    clock.advance(4990);
    expect(rl.allow()).toBe(false);
    clock.advance(10);
    expect(rl.allow()).toBe(true);
  });
});

const attemptsBeforePrintk = (log: KernelLog) => {
  let n = 0;
  const at: number[] = [];
  for (const e of log.events) {
    if (e.kind === "kmem_alloc-attempt") n++;
    if (e.kind === "printk" && e.text.startsWith("XFS")) at.push(n);
  }
  return at;
};

describe("XFS kmem_alloc", () => {
  it("kmem_flags_convert", () => {
    expect(kmemFlagsConvert(KM_SLEEP)).toBe(0x2d0);
    expect(kmemFlagsConvert(KM_SLEEP | KM_NOFS)).toBe(0x250);
    expect(kmemFlagsConvert(KM_SLEEP, true)).toBe(0x250);
    expect(kmemFlagsConvert(KM_NOSLEEP)).toBe(0x220);
  });

  it.each([
    [KM_SLEEP, "0x2d0"],
    [KM_NOFS, "0x250"],
  ])("prints the deadlock line exactly at retries 100, 200, … (flags %i)", (flags, mode) => {
    const { xfs, log } = rig({ fail: () => true });
    const r = xfs.kmemAlloc(200, flags, { maxRetries: 350 });
    expect(r).toMatchObject({ ptr: null, livelock: true, retries: 350, deadlockMessages: 3 });
    expect(attemptsBeforePrintk(log)).toEqual([100, 200, 300]);
    expect(log.lines).toEqual(Array(3).fill(`XFS: possible memory allocation deadlock in kmem_alloc (mode:${mode})`));
    expect(r.simMs).toBe(350 * 20); // HZ/50 = 2 jiffies at HZ=100
  });

  it("KM_NOSLEEP and KM_MAYFAIL return NULL after one attempt", () => {
    const { xfs, pa } = rig({ fail: () => true });
    expect(xfs.kmemAlloc(200, KM_NOSLEEP)).toMatchObject({ ptr: null, retries: 0, path: ["kmalloc"], lflags: 0x220 });
    expect(pa.calls[0].gfp).toBe(0x220);
    expect(xfs.kmemAlloc(200, KM_MAYFAIL)).toMatchObject({ ptr: null, retries: 0, simMs: 0 });
  });

  it("pre-bdfb04301fa5: >= 128 KiB tries __vmalloc 7 times, then kmalloc (order 5)", () => {
    const { xfs, vm, pa } = rig();
    vm.reserve(vm.start, vm.end - vm.start);
    const r = xfs.kmemAlloc(131072, KM_SLEEP);
    expect(r.path).toEqual([...Array(7).fill("vmalloc"), "kmalloc"]);
    expect(r).toMatchObject({ retries: 7, simMs: 140, livelock: false });
    expect(pa.calls.some((c) => c.order === 5 && c.gfp === XFS_SLEEP)).toBe(true);
  });

  it("pre-bdfb04301fa5: > 131072 bytes livelocks once vmalloc has failed 7 times", () => {
    const { xfs, vm, log } = rig();
    vm.reserve(vm.start, vm.end - vm.start);
    const r = xfs.kmemAlloc(131073, KM_SLEEP, { maxRetries: 250 });
    expect(r).toMatchObject({ ptr: null, livelock: true, retries: 250, deadlockMessages: 2, simMs: 5000 });
    expect(r.path.slice(6, 9)).toEqual(["vmalloc", "kmalloc", "kmalloc"]);
    expect(log.events.filter((e) => e.kind === "livelock")).toHaveLength(1);
    expect(log.lines.filter((l) => l === OUT_OF_VMALLOC_SPACE)).toHaveLength(7);
  });

  it("bounds the loop by simulated time too", () => {
    const { xfs } = rig({ fail: () => true });
    expect(xfs.kmemAlloc(200, KM_SLEEP, { maxSimMs: 1000 })).toMatchObject({ livelock: true, retries: 50, simMs: 1000 });
  });

  it("a vmalloc that succeeds returns its address on the first attempt", () => {
    const { xfs, vm } = rig();
    const r = xfs.kmemAlloc(200000, KM_SLEEP);
    expect(r).toMatchObject({ ptr: vm.start, path: ["vmalloc"], retries: 0 });
    xfs.kmemFree(r.ptr!);
    expect(vm.areas()).toHaveLength(0);
  });

  it("bdfb04301fa5: kmem_alloc is kmalloc only; kmem_zalloc_large is vmalloc (GFP_KERNEL|__GFP_HIGHMEM)", () => {
    const { xfs, pa } = rig({ policy: "bdfb04301fa5" });
    expect(xfs.kmemAlloc(131073, KM_SLEEP, { maxRetries: 10 })).toMatchObject({ livelock: true, path: Array(10).fill("kmalloc") });
    expect(pa.calls).toHaveLength(0);
    const r = xfs.kmemZallocLarge(131073);
    expect(r).toMatchObject({ path: ["vmalloc"], retries: 0, lflags: 0xd2 });
    expect(pa.calls.filter((c) => c.gfp === 0xd2)).toHaveLength(33);
  });

  it("kvmalloc: kmalloc with __GFP_NORETRY|__GFP_NOWARN, then the vmalloc fallback", () => {
    const { xfs, pa } = rig({ policy: "kvmalloc", fail: (_g, order) => order > 0 });
    const r = xfs.kmemAlloc(65536, KM_SLEEP);
    expect(r.path).toEqual(["kmalloc", "vmalloc"]);
    expect(typeof r.ptr).toBe("number");
    expect(pa.calls[0]).toMatchObject({ gfp: XFS_SLEEP | 0x1000 | GFP_NOWARN, order: 4 });
    expect(pa.calls.filter((c) => c.gfp === XFS_SLEEP && c.order === 0)).toHaveLength(16 + 1);
  });

  it("kvmalloc: no vmalloc fallback without full GFP_KERNEL (KM_NOFS) or for sub-page sizes", () => {
    const { xfs } = rig({ policy: "kvmalloc", fail: () => true });
    expect(xfs.kmemAlloc(65536, KM_NOFS)).toMatchObject({ ptr: null, path: ["kmalloc"], livelock: false });
    expect(xfs.kmemAlloc(4096, KM_SLEEP)).toMatchObject({ ptr: null, path: ["kmalloc"] });
  });
});
