// XFS kmem_alloc (fs/xfs/linux-2.6/kmem.c) before and after bdfb04301fa5, and kvmalloc, over a fake
// page allocator.

import { describe, expect, it } from "vitest";
import type { KernelLog } from "../../../../bindings/sim/log.js";
import { OUT_OF_VMALLOC_SPACE } from "../../../../bindings/linux-2.6.11/mm/vmalloc.js";
import {
  KM_MAYFAIL,
  KM_NOFS,
  KM_NOSLEEP,
  KM_SLEEP,
  kmemFlagsConvert,
} from "../../../../bindings/linux-2.6.11/fs/xfs/kmem.js";
import { GFP_NOWARN, XFS_SLEEP, rig } from "../../rig.js";

/** How many kmem_alloc attempts had been made when each XFS deadlock message was printed. */
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
    expect(xfs.kmemAlloc(200, KM_SLEEP, { maxSimMs: 1000 })).toMatchObject({
      livelock: true,
      retries: 50,
      simMs: 1000,
    });
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
    expect(xfs.kmemAlloc(131073, KM_SLEEP, { maxRetries: 10 })).toMatchObject({
      livelock: true,
      path: Array(10).fill("kmalloc"),
    });
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
