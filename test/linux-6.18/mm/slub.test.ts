// 6.18 SLUB kmalloc: size classes, calculate_order, allocate_slab's fallback, large kmalloc, kvmalloc's
// gfp; worked examples from mm/slub.c and mm/slab_common.c 6.18, and the live kernel's /sys/kernel/slab.

import { existsSync, lstatSync, readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  allocateSlabGfp,
  calculateOrder,
  defaultSlubParams,
  getOrder,
  kmallocCacheLayout,
  kmallocGfpAdjust,
  kmallocIndex,
  kmallocIndexes,
  kmallocSlabIndex,
  setupSlubMaxOrder,
  setupSlubMinOrder,
} from "../../../bindings/linux-6.18/mm/slub.js";
import { rig618 } from "../rig.js";

const GFP_KERNEL = 0xcc0; // __GFP_RECLAIM 0xc00 | __GFP_IO 0x40 | __GFP_FS 0x80

describe("kmalloc size classes (include/linux/slab.h, mm/slab_common.c 6.18)", () => {
  it("__kmalloc_index and kmalloc_slab's index", () => {
    const idx = [0, 8, 9, 64, 65, 96, 97, 128, 129, 192, 193, 8192, 8193, 2 << 20].map(kmallocIndex);
    expect(idx).toEqual([0, 3, 4, 6, 1, 1, 7, 7, 2, 2, 8, 13, 14, 21]);
    // kmalloc_size_index[(24 - 1) / 8 = 2] = 5 (kmalloc-32); [(72 - 1) / 8 = 8] = 1 (kmalloc-96)
    expect([24, 72, 200, 8192].map((s) => kmallocSlabIndex(s))).toEqual([5, 1, 8, 13]);
    expect(() => kmallocSlabIndex(8193)).toThrow(/KMALLOC_MAX_CACHE_SIZE/);
    expect(kmallocIndexes()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });

  it("get_order", () => {
    expect([1, 4096, 4097, 12288, 98304, 262136].map((s) => getOrder(s))).toEqual([0, 0, 1, 2, 5, 6]);
  });
});

describe("calculate_order (mm/slub.c 6.18)", () => {
  const two = defaultSlubParams(2);
  it("2 CPUs: min_objects = 4 * (fls(2) + 1) = 12", () => {
    // kmalloc-96: get_order(12 * 96 = 1152) = 0; 4096 % 96 = 64 <= 4096 / 16 → order 0, 42 objects
    expect(kmallocCacheLayout(1, "normal", two)).toMatchObject({ name: "kmalloc-96", order: 0, objects: 42 });
    // kmalloc-1k: get_order(12288) = 2; 16384 % 1024 = 0 → order 2, 16 objects
    expect(kmallocCacheLayout(10, "normal", two)).toMatchObject({ order: 2, objects: 16, minOrder: 0 });
    // kmalloc-4k: max_objects = 32768 / 4096 = 8 < 12 → get_order(8 * 4096) = 3, 8 objects
    expect(kmallocCacheLayout(12, "reclaim", two)).toMatchObject({ name: "kmalloc-rcl-4k", order: 3, objects: 8 });
    // 700 bytes: get_order(8400) = 2; 16384 % 700 = 284 <= 1024 → order 2
    expect(calculateOrder(700, two)).toBe(2);
  });
  it("1 CPU: min_objects = 8; waste backs off from 1/16 to 1/8", () => {
    const one = defaultSlubParams(1);
    expect(calculateOrder(1024, one)).toBe(1); // get_order(8192) = 1
    // 3000: max_objects 10, get_order(24000) = 3; 32768 % 3000 = 2768 > 2048 (1/16), <= 4096 (1/8)
    expect(calculateOrder(3000, one)).toBe(3);
  });
  it("slub_min_order and slub_max_order", () => {
    const p = setupSlubMinOrder(two, 2);
    expect(calculateOrder(8, p)).toBe(2);
    // min order 6: 262144 / 8 = 32768 > MAX_OBJS_PER_PAGE → get_order(8 * 32767) - 1 = 5
    const p6 = setupSlubMinOrder(two, 6);
    expect(p6.slubMaxOrder).toBe(6);
    expect(calculateOrder(8, p6)).toBe(5);
    const p0 = setupSlubMaxOrder(two, 0);
    expect(calculateOrder(1024, p0)).toBe(0); // max_objects = 4: get_order(4096) = 0
    expect(setupSlubMaxOrder(two, 99).slubMaxOrder).toBe(10); // min(order, MAX_PAGE_ORDER)
  });

  const slab = "/sys/kernel/slab";
  const live = existsSync(`${slab}/kmalloc-8/order`);
  it.skipIf(!live)("matches this kernel's /sys/kernel/slab (order, objs_per_slab)", () => {
    const present = readFileSync("/sys/devices/system/cpu/present", "utf8").trim();
    const cpus = present.split(",").reduce((n, r) => {
      const [a, b] = r.split("-").map(Number);
      return n + (b === undefined ? 1 : b - a + 1);
    }, 0);
    const p = defaultSlubParams(cpus);
    let compared = 0;
    for (const type of ["normal", "reclaim", "dma", "cgroup"] as const) {
      for (const i of kmallocIndexes()) {
        const c = kmallocCacheLayout(i, type, p);
        const dir = `${slab}/${c.name}`;
        if (!existsSync(dir) || lstatSync(dir).isSymbolicLink()) continue;
        const read = (f: string) => Number(readFileSync(`${dir}/${f}`, "utf8"));
        if (read("slab_size") !== c.size) continue; // a debug option changed the layout
        expect([c.name, read("order"), read("objs_per_slab"), read("object_size")]).toEqual([
          c.name,
          c.order,
          c.objects,
          c.objectSize,
        ]);
        compared++;
      }
    }
    // every other cache: its order from its slab_size
    for (const name of readdirSync(slab)) {
      const dir = `${slab}/${name}`;
      if (lstatSync(dir).isSymbolicLink() || !existsSync(`${dir}/order`)) continue;
      const size = Number(readFileSync(`${dir}/slab_size`, "utf8"));
      const order = Number(readFileSync(`${dir}/order`, "utf8"));
      if (order <= 3 && size <= 8192) {
        expect([name, calculateOrder(size, p)]).toEqual([name, order]);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(13);
  });
});

describe("allocate_slab and kmalloc (mm/slub.c 6.18)", () => {
  it("oo with __GFP_NOWARN|__GFP_NORETRY and no reclaim, then min with the caller's flags", () => {
    // kmalloc-1k, order 2 above min 0: (0xcc0 | __GFP_COMP 0x40000 | NOWARN 0x2000 | NORETRY 0x10000
    // | NOMEMALLOC 0x80000) & ~__GFP_RECLAIM 0xc00 = 0xd20c0; fallback 0x40cc0 at order 0
    const g = allocateSlabGfp(GFP_KERNEL, { order: 2, minOrder: 0, allocflags: 0x40000 });
    expect(g).toEqual({ first: { gfp: 0xd20c0, order: 2 }, fallback: { gfp: 0x40cc0, order: 0 } });
    // order == min: reclaim kept: 0x40cc0 | 0x2000 | 0x10000 = 0x52cc0
    expect(allocateSlabGfp(GFP_KERNEL, { order: 0, minOrder: 0, allocflags: 0x40000 }).first.gfp).toBe(0x52cc0);
  });

  it("falls back to min order, counts ORDER_FALLBACK, and serves objects from the slab", () => {
    const { slub, pa } = rig618({ fail: (_g, order) => order === 2 });
    const r = slub.kmalloc(1000, GFP_KERNEL, 1);
    expect(r.cache).toBe("kmalloc-1k");
    expect(r.pages.map((p) => [p.gfp, p.order, p.pfn >= 0])).toEqual([
      [0xd20c0, 2, false],
      [0x40cc0, 0, true],
    ]);
    expect(r.orderFallback).toBe(true);
    expect(slub.cache("kmalloc-1k")).toMatchObject({ orderFallbacks: 1, slabs: 1, objectsInUse: 1 });
    // 4 objects in an order-0 slab of 1k: three more need no page
    for (let i = 0; i < 3; i++) expect(slub.kmalloc(1024, GFP_KERNEL, 1).pages).toEqual([]);
    expect(slub.kmalloc(1024, GFP_KERNEL, 1).pages.length).toBe(2);
    expect(pa.calls.length).toBe(4);
  });

  it("slab_out_of_memory lines unless __GFP_NOWARN", () => {
    const { slub } = rig618({ fail: () => true });
    const r = slub.kmalloc(96, GFP_KERNEL, 1);
    expect(r.ptr).toBeNull();
    expect(r.oomLines?.[0]).toBe("SLUB: Unable to allocate memory on CPU 0 (of node 0) on node -1, gfp=0xcc0");
    expect(r.oomLines?.[1]).toBe(
      "  cache: kmalloc-96, object size: 96, buffer size: 96, default order: 0, min order: 0",
    );
    expect(slub.kmalloc(96, GFP_KERNEL | 0x2000, 1).oomLines).toBeUndefined();
  });

  it("kmalloc types: __GFP_DMA, __GFP_RECLAIMABLE, __GFP_ACCOUNT", () => {
    const { slub } = rig618();
    expect(slub.kmalloc(100, GFP_KERNEL | 0x1, 1).cache).toBe("dma-kmalloc-128");
    expect(slub.kmalloc(100, GFP_KERNEL | 0x10, 1).cache).toBe("kmalloc-rcl-128");
    expect(slub.kmalloc(100, GFP_KERNEL | 0x400000, 1).cache).toBe("kmalloc-cg-128");
    expect(slub.kmalloc(0, GFP_KERNEL, 1).ptr).toEqual({ kind: "zero" });
  });

  it("above KMALLOC_MAX_CACHE_SIZE (8 KiB): get_order(size) pages with __GFP_COMP", () => {
    const { slub, pa } = rig618();
    expect(slub.kmalloc(8192, GFP_KERNEL, 1).cache).toBe("kmalloc-8k");
    const r = slub.kmalloc(98304, GFP_KERNEL, 1); // 96 KiB → order 5
    expect(r.pages.map((p) => [p.gfp, p.order])).toEqual([[0x40cc0, 5]]);
    expect(slub.slabPages().large).toBe(32);
    if (r.ptr) slub.kfree(r.ptr);
    expect(slub.slabPages().large).toBe(0);
    expect(pa.live.has(r.pages[0].pfn)).toBe(false);
  });

  it("an empty slab is discarded once min_partial partial slabs exist", () => {
    const { slub, pa } = rig618({ fail: (_g, order) => order === 3 });
    // kmalloc-8k falls back to order 1: one object a slab; min_partial = max(5, ilog2(8192) / 2) = 6
    const ptrs = Array.from({ length: 8 }, () => slub.kmalloc(8192, GFP_KERNEL, 1).ptr);
    expect(slub.cache("kmalloc-8k")).toMatchObject({ minPartial: 6, slabs: 8 });
    for (const p of ptrs) if (p) slub.kfree(p);
    // full slabs freed: the first six stay empty on the partial list, the last two are discarded
    expect(slub.cache("kmalloc-8k")?.slabs).toBe(6);
    expect(slub.shrink()).toBe(12);
    expect(pa.livePages()).toBe(0);
  });
});

describe("kvmalloc (__kvmalloc_node_noprof, mm/slub.c 6.18)", () => {
  it("kmalloc_gfp_adjust: NOWARN, no DIRECT_RECLAIM unless RETRY_MAYFAIL, no NOFAIL; no NORETRY", () => {
    expect(kmallocGfpAdjust(GFP_KERNEL, 98304)).toBe(0x28c0); // 0xcc0 | 0x2000 & ~0x400
    expect(kmallocGfpAdjust(GFP_KERNEL | 0x4000, 98304)).toBe(0x6cc0);
    expect(kmallocGfpAdjust(GFP_KERNEL | 0x8000, 98304)).toBe(0x28c0);
    expect(kmallocGfpAdjust(GFP_KERNEL, 4096)).toBe(0xcc0);
  });

  it("96 KiB: order 5 without direct reclaim fails, vmalloc with GFP_KERNEL succeeds", () => {
    const { slub, vm, pa } = rig618({ fail: (_g, order) => order === 5 });
    const r = slub.kvmalloc(vm, 98304, GFP_KERNEL, 1);
    expect(r).toMatchObject({ ok: true, exit: "vmalloc", kmallocGfp: 0x28c0 });
    expect(r.kmalloc.pages[0]).toMatchObject({ gfp: 0x428c0, order: 5, pfn: -1 });
    // 24 order-0 data pages: GFP_KERNEL | __GFP_HIGHMEM 0x2 | __GFP_NOWARN 0x2000
    expect(pa.calls.filter((c) => c.gfp === 0x2cc2 && c.order === 0).length).toBe(24);
  });

  it("no vmalloc fallback at or below a page, nor without direct reclaim", () => {
    const { slub, vm } = rig618({ fail: () => true });
    expect(slub.kvmalloc(vm, 4096, GFP_KERNEL, 1)).toMatchObject({ ok: false, exit: "sub-page", vmalloc: null });
    expect(slub.kvmalloc(vm, 98304, 0x800, 1)).toMatchObject({ ok: false, exit: "non-blocking" });
  });
});
