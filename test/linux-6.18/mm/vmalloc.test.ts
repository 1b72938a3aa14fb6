// 6.18 __vmalloc_node_range over a fake page allocator: the range, the pages, the page tables and the
// five "vmalloc error" failures (mm/vmalloc.c 6.18).

import { describe, expect, it } from "vitest";
import { X86_64_VMALLOC_L4 } from "../../../bindings/linux-6.18/mm/vmalloc.js";
import { rig618 } from "../rig.js";

const GFP_KERNEL = 0xcc0;
const PAGE_GFP = 0x2cc2; // GFP_KERNEL | __GFP_HIGHMEM 0x2 | __GFP_NOWARN 0x2000
const PT_GFP = 0xdc0; // GFP_PGTABLE_KERNEL = GFP_KERNEL | __GFP_ZERO 0x100
const small = { start: 0xffffc90000000000n, end: 0xffffc90000100000n }; // 1 MiB

describe("__vmalloc_node_range (mm/vmalloc.c 6.18)", () => {
  it("x86-64 4-level range: 32 TiB from 0xffffc90000000000", () => {
    expect(X86_64_VMALLOC_L4.end - X86_64_VMALLOC_L4.start + 1n).toBe(32n << 40n);
  });

  it("96 KiB: vm_struct, a 192-byte page array, 24 pages, a PMD and a PTE table", () => {
    const { vm, pa, slub } = rig618();
    const r = vm.vmalloc(98304, 1);
    expect(r.ptr).toBe(X86_64_VMALLOC_L4.start);
    expect(r.failure).toBeNull();
    expect(pa.calls.filter((c) => c.gfp === PAGE_GFP).length).toBe(24);
    expect(pa.calls.filter((c) => c.gfp === PT_GFP).length).toBe(2);
    expect(slub.cache("kmalloc-96")?.objectsInUse).toBe(1); // sizeof(vm_struct) 72
    expect(slub.cache("kmalloc-192")?.objectsInUse).toBe(1); // 24 * 8
    // the next area starts after 24 pages + the guard page
    expect(vm.vmalloc(4096, 1).ptr).toBe(X86_64_VMALLOC_L4.start + 25n * 4096n);
    const before = pa.livePages();
    vm.vfree(X86_64_VMALLOC_L4.start);
    expect(before - pa.livePages()).toBe(24); // page tables stay; slab pages stay cached
    expect(vm.vmalloc(8192, 1).ptr).toBe(X86_64_VMALLOC_L4.start); // lowest fit
  });

  it("exceeds total pages", () => {
    const { vm } = rig618({ totalPages: 4096 });
    const r = vm.vmalloc(4097 * 4096, 1);
    expect(r.failure).toEqual({ reason: "exceeds total pages", size: 16781312, totalPages: 4096 });
    expect(r.warnAlloc).toEqual([{ gfp: GFP_KERNEL, text: "vmalloc error: size 16781312, exceeds total pages" }]);
  });

  it("vm_struct allocation failed: no range for size + guard page", () => {
    const { vm, slub } = rig618({ range: small });
    const r = vm.vmalloc(1 << 20, 1);
    expect(r.failure).toMatchObject({ reason: "vm_struct allocation failed", cause: "address range", retries: 0 });
    expect(r.warnings).toEqual([
      "vmalloc_node_range for size 1052672 failed: Address range restricted to 0xffffc90000000000 - 0xffffc90000100000",
    ]);
    expect(r.warnAlloc).toEqual([
      { gfp: GFP_KERNEL, text: "vmalloc error: size 1048576, vm_struct allocation failed" },
    ]);
    expect(slub.cache("kmalloc-96")?.objectsInUse).toBe(0);
    expect(vm.vmallocNodeRange(1 << 20, GFP_KERNEL | 0x2000, 1, { allowHugeVmap: false }).warnings).toEqual([]);
    const nofail = vm.vmallocNodeRange(1 << 20, GFP_KERNEL | 0x8000, 1, { allowHugeVmap: false });
    expect(nofail.warnAlloc[0].text).toBe("vmalloc error: size 1048576, vm_struct allocation failed. Retrying.");
    expect(nofail.failure).toMatchObject({ retries: 100 });
  });

  it("failed to allocate pages: size is what was allocated; everything goes back", () => {
    let n = 0;
    const { vm, pa } = rig618({ fail: (gfp) => gfp === PAGE_GFP && ++n === 3 });
    const r = vm.vmalloc(98304, 1);
    expect(r.failure).toMatchObject({ reason: "failed to allocate pages", size: 8192, nrPages: 24, pageOrder: 0 });
    expect(r.warnAlloc).toEqual([{ gfp: 0xcc2, text: "vmalloc error: size 8192, failed to allocate pages" }]);
    expect(pa.calls.filter((c) => c.gfp === PAGE_GFP && c.pfn >= 0).every((c) => !pa.live.has(c.pfn))).toBe(true);
    expect(vm.areas()).toEqual([]);
  });

  it("the bulk allocator: 100 pages a call, then one page at a time after a short call", () => {
    const { vm, pa } = rig618({ bulkCap: (nth) => (nth === 2 ? 100 : 30) });
    expect(vm.vmalloc(250 * 4096, 1).ptr).not.toBeNull();
    const bulk = pa.calls.filter((c) => c.bulk !== undefined).map((c) => c.bulk);
    expect(bulk).toEqual([100, 30]); // the second call asked for 100, got 30: no third bulk call
    expect(pa.calls.filter((c) => c.gfp === PAGE_GFP && c.bulk === undefined).length).toBe(120);
  });

  it("failed to allocated page array size / failed to map pages", () => {
    const { vm } = rig618({ fail: (gfp) => gfp === PT_GFP });
    const r = vm.vmalloc(8192, 1);
    expect(r.failure).toMatchObject({ reason: "failed to map pages", size: 8192 });
    expect(r.warnAlloc.map((w) => w.text)).toEqual(["vmalloc error: size 8192, failed to map pages"]);
    // 1024 pages need an 8 KiB array: a nested vmalloc; fail its pages
    let n = 0;
    const { vm: vm2 } = rig618({ fail: (gfp) => gfp === 0x2dc2 && ++n === 1 });
    const r2 = vm2.vmalloc(1024 * 4096, 1);
    expect(r2.failure).toEqual({ reason: "failed to allocated page array size", size: 4194304, arraySize: 8192 });
  });

  it("huge vmalloc: order 9 first without a warning, then order 0", () => {
    const { vm, pa } = rig618({ hugeVmalloc: true, fail: (_g, order) => order === 9 });
    const r = vm.vmallocNodeRange(4 << 20, GFP_KERNEL, 1, { allowHugeVmap: true });
    expect(r.ptr).not.toBeNull();
    expect(r.hugeFailure).toMatchObject({ reason: "failed to allocate pages", pageOrder: 9, size: 0 });
    expect(r.warnAlloc).toEqual([]);
    expect(pa.calls.find((c) => c.order === 9)?.gfp).toBe(PAGE_GFP);
  });
});
