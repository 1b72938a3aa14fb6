// 2.6.11 SLAB (mm/slab.c): kmem_cache_create's slab geometry and kmalloc over a fake page allocator.

import { describe, expect, it } from "vitest";
import { Slab2611, getOrder, kmallocSizes, slabLayout, type Kptr } from "../../../bindings/linux-2.6.11/mm/slab.js";
import { FakePA, GFP_KERNEL, XFS_SLEEP, cacheOf, rig } from "../rig.js";

describe("2.6.11 SLAB geometry (kmem_cache_create port)", () => {
  it("lists kmalloc_sizes.h classes; 96 and 192 depend on L1_CACHE_BYTES (32 on ARM)", () => {
    expect(kmallocSizes()).toEqual([
      32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072,
    ]);
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
