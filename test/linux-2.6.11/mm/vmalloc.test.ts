// 2.6.11 __vmalloc and vfree (mm/vmalloc.c) over a fake page allocator.

import { describe, expect, it } from "vitest";
import { KernelLog } from "../../../bindings/sim/log.js";
import { SimClock } from "../../../bindings/sim/clock.js";
import { PrintkRatelimit } from "../../../bindings/linux-2.6.11/kernel/printk.js";
import { OUT_OF_VMALLOC_SPACE } from "../../../bindings/linux-2.6.11/mm/vmalloc.js";
import { GFP_KERNEL, XFS_SLEEP, rig } from "../rig.js";

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
