// 2.6.11 __vmalloc / vfree (mm/vmalloc.c 2.6.11): a first-fit, address-sorted vmlist in
// [VMALLOC_START, VMALLOC_END), a guard page after every area, the vm_struct and the page-pointer
// array from kmalloc (Slab2611), then one order-0 page at a time through the page allocator.
// A vmalloc failure never calls the OOM killer itself; the page allocator underneath may.
// Not modelled: the kernel page-table pages map_vm_area allocates (pte_alloc_kernel; never freed by
// vfree), and map_vm_area failing.

import type { KernelLog } from "../../sim/log.js";
import type { SimClock } from "../../sim/clock.js";
import type { PageAllocator } from "../../sim/page_allocator.js";
import { GFP_2611 } from "../../include/linux/gfp.js";
import type { Kptr, Slab2611 } from "./slab.js";
import { OomlabError, check, isInt } from "../../errors.js";
import { PrintkRatelimit } from "../kernel/printk.js";

const GFP_HIGHMEM = GFP_2611.__GFP_HIGHMEM;
const GFP_KERNEL = GFP_2611.GFP_KERNEL;

/** ARM 2.6.11: VMALLOC_OFFSET (include/asm-arm/pgtable.h). */
const ARM_VMALLOC_OFFSET = 8 << 20;

/** ARM 2.6.11 vmalloc range: VMALLOC_START = (high_memory + 8 MiB) & ~(8 MiB - 1); VMALLOC_END is
 *  per machine, commonly PAGE_OFFSET + 0x10000000 (include/asm-arm/arch-* /vmalloc.h). 16 MiB of RAM
 *  at 0xC0000000 → [0xC1800000, 0xD0000000): 232 MiB. */
export function armVmallocRange(
  ramBytes: number,
  pageOffset = 0xc0000000,
  end = 0xd0000000,
): { start: number; end: number } {
  const highMemory = pageOffset + ramBytes;
  const start = Math.floor((highMemory + ARM_VMALLOC_OFFSET) / ARM_VMALLOC_OFFSET) * ARM_VMALLOC_OFFSET;
  return { start, end };
}

/** A struct vm_struct on the vmlist. size includes the guard page. */
export interface VmArea {
  addr: number;
  size: number;
  /** Placed by reserve() (an ioremap or other boot-time area): no vm_struct, no pages. */
  reserved: boolean;
  vmStruct: Kptr | null;
  /** pfns of the order-0 pages (area->pages). */
  pages: number[];
  /** The pages array: kmalloc'd, or vmalloc'd when larger than a page. */
  array: { kind: "kmalloc"; ptr: Kptr } | { kind: "vmalloc"; addr: number } | null;
}

export interface VmallocOptions {
  pa: PageAllocator;
  slab: Slab2611;
  log: KernelLog;
  clock: SimClock;
  /** VMALLOC_START / VMALLOC_END as byte addresses; see armVmallocRange for the ARM values. */
  start: number;
  end: number;
  /** PAGE_SIZE; defaults to pa.pageSize. */
  pageSize?: number;
  /** sizeof(struct page *) and sizeof(void *): 4 on 32-bit ARM. */
  pointerSize?: number;
  /** The printk_ratelimit bucket (shared with other callers if given). */
  ratelimit?: PrintkRatelimit;
}

export const OUT_OF_VMALLOC_SPACE = "allocation failed: out of vmalloc space - use vmalloc=<size> to increase size.";

const hex = (n: number) => `0x${n.toString(16)}`;

export class Vmalloc2611 {
  readonly start: number;
  readonly end: number;
  readonly pageSize: number;
  readonly pointerSize: number;
  private readonly vmlist: VmArea[] = [];
  private readonly pa: PageAllocator;
  private readonly slab: Slab2611;
  private readonly log: KernelLog;
  private readonly ratelimit: PrintkRatelimit;

  constructor(o: VmallocOptions) {
    this.pa = o.pa;
    this.slab = o.slab;
    this.log = o.log;
    this.pageSize = o.pageSize ?? o.pa.pageSize;
    this.pointerSize = o.pointerSize ?? 4;
    check(isInt(o.start) && isInt(o.end) && o.start < o.end, "Vmalloc2611: need start < end", "OOMLAB_BAD_ARGUMENT");
    check(
      o.start % this.pageSize === 0 && o.end % this.pageSize === 0,
      "Vmalloc2611: range must be page aligned",
      "OOMLAB_BAD_ARGUMENT",
    );
    this.start = o.start;
    this.end = o.end;
    this.ratelimit = o.ratelimit ?? new PrintkRatelimit(o.clock, o.log);
  }

  /** sizeof(struct vm_struct) (include/linux/vmalloc.h 2.6.11): addr, size, flags, pages, nr_pages,
   *  phys_addr, next → 28 bytes on 32-bit (size-32 cache), 56 on 64-bit. */
  get vmStructBytes(): number {
    return this.pointerSize === 4 ? 28 : 56;
  }

  /** vmalloc(): __vmalloc(size, GFP_KERNEL | __GFP_HIGHMEM, PAGE_KERNEL). */
  vmalloc(size: number, owner: number): number | null {
    return this.__vmalloc(size, GFP_KERNEL | GFP_HIGHMEM, owner);
  }

  /** __vmalloc (mm/vmalloc.c 2.6.11). Returns the area's address or null. */
  __vmalloc(size: number, gfp: number, owner: number): number | null {
    check(isInt(size) && size >= 0, `__vmalloc: bad size ${size}`, "OOMLAB_BAD_ARGUMENT");
    size = Math.ceil(size / this.pageSize) * this.pageSize; // PAGE_ALIGN
    if (!size || size / this.pageSize > this.pa.totalPages) return null; // > num_physpages
    const area = this.getVmArea(size, owner);
    if (!area) return null;
    const nrPages = size / this.pageSize;
    if (!this.allocArray(area, nrPages, gfp, owner)) return null;
    for (let i = 0; i < nrPages; i++) {
      const pfn = this.pa.allocPages(gfp, 0, owner); // alloc_page(gfp_mask)
      if (pfn < 0) return this.failPages(area, nrPages, size, gfp);
      area.pages.push(pfn);
    }
    this.log.event("vmalloc", { addr: area.addr, size, gfp, pages: nrPages });
    return area.addr;
  }

  /** vfree → __vunmap: remove the area, free its pages, its array (vfree or kfree) and the vm_struct. */
  vfree(addr: number): void {
    const i = this.vmlist.findIndex((a) => a.addr === addr);
    if (i < 0) throw new OomlabError("OOMLAB_BAD_ARGUMENT", `Trying to vfree() nonexistent vm area (${hex(addr)})`);
    const [area] = this.vmlist.splice(i, 1); // remove_vm_area
    for (const pfn of area.pages) this.pa.freePages(pfn, 0);
    if (area.array?.kind === "vmalloc") this.vfree(area.array.addr);
    else if (area.array?.kind === "kmalloc") this.slab.kfree(area.array.ptr);
    if (area.vmStruct) this.slab.kfree(area.vmStruct);
  }

  /** Place an existing area (an ioremap, a module…) of size bytes at addr, guard page included if the
   *  caller wants one; no vm_struct kmalloc and no pages. Lets scenarios pre-fragment the range. */
  reserve(addr: number, size: number): void {
    check(isInt(addr) && isInt(size) && size > 0, "reserve: bad area", "OOMLAB_BAD_ARGUMENT");
    const overlaps = this.vmlist.some((a) => addr < a.addr + a.size && a.addr < addr + size);
    check(!overlaps, `reserve: ${hex(addr)}+${hex(size)} overlaps an existing area`, "OOMLAB_BAD_ARGUMENT");
    const at = this.vmlist.findIndex((a) => a.addr > addr);
    const area: VmArea = { addr, size, reserved: true, vmStruct: null, pages: [], array: null };
    this.vmlist.splice(at < 0 ? this.vmlist.length : at, 0, area);
  }

  /** The vmlist, address-sorted (read-only view). */
  areas(): readonly VmArea[] {
    return this.vmlist;
  }

  /** Bytes of [start, end) taken by areas, guard pages included. */
  usedBytes(): number {
    return this.vmlist.reduce(
      (n, a) => n + Math.max(0, Math.min(a.addr + a.size, this.end) - Math.max(a.addr, this.start)),
      0,
    );
  }

  /** The largest hole of [start, end) between areas. A request of s bytes fits iff s + PAGE_SIZE <= it. */
  largestFreeGap(): number {
    let best = 0;
    let cursor = this.start;
    for (const a of this.vmlist) {
      if (a.addr > cursor) best = Math.max(best, Math.min(a.addr, this.end) - cursor);
      cursor = Math.max(cursor, a.addr + a.size);
    }
    return Math.max(best, this.end - cursor);
  }

  /** __get_vm_area (mm/vmalloc.c 2.6.11): the vm_struct is kmalloc'd with GFP_KERNEL first, whatever
   *  the caller's gfp; then the guard page is added and the vmlist walked. */
  private getVmArea(size: number, owner: number): VmArea | null {
    const vmStruct = this.slab.kmalloc(this.vmStructBytes, GFP_KERNEL, owner);
    if (!vmStruct) return null;
    size += this.pageSize; // "We always allocate a guard page."
    const slot = this.firstFit(size);
    if (!slot) {
      this.slab.kfree(vmStruct);
      if (this.ratelimit.allow()) this.log.printk(`${OUT_OF_VMALLOC_SPACE}\n`);
      this.log.event("vmalloc-out-of-space", { size, largestFreeGap: this.largestFreeGap() });
      return null;
    }
    const area: VmArea = { addr: slot.addr, size, reserved: false, vmStruct, pages: [], array: null };
    this.vmlist.splice(slot.index, 0, area);
    return area;
  }

  /** The 2.6.11 first-fit walk, ported as is. Quirk kept: the end is only checked after stepping
   *  over an area, so with nothing at or above VMALLOC_START the area is placed unchecked. */
  private firstFit(size: number): { index: number; addr: number } | null {
    const wrap = 2 ** (8 * this.pointerSize);
    let addr = this.start;
    for (let i = 0; i < this.vmlist.length; i++) {
      const tmp = this.vmlist[i];
      if (tmp.addr < addr) {
        if (tmp.addr + tmp.size >= addr) addr = tmp.addr + tmp.size;
        continue;
      }
      if (size + addr >= wrap) return null; // (size + addr) < addr: unsigned overflow
      if (size + addr <= tmp.addr) return { index: i, addr };
      addr = tmp.addr + tmp.size;
      if (addr > this.end - size) return null;
    }
    if (addr + size > this.end) this.log.event("vmalloc-past-end", { addr, size, end: this.end });
    return { index: this.vmlist.length, addr };
  }

  /** The pages array: __vmalloc (recursive, same gfp) above PAGE_SIZE, else kmalloc(gfp & ~HIGHMEM).
   *  Failure: remove_vm_area + kfree(area). */
  private allocArray(area: VmArea, nrPages: number, gfp: number, owner: number): boolean {
    const arraySize = nrPages * this.pointerSize;
    if (arraySize > this.pageSize) {
      const addr = this.__vmalloc(arraySize, gfp, owner);
      area.array = addr === null ? null : { kind: "vmalloc", addr };
    } else {
      const ptr = this.slab.kmalloc(arraySize, gfp & ~GFP_HIGHMEM, owner);
      area.array = ptr === null ? null : { kind: "kmalloc", ptr };
    }
    if (area.array) return true;
    this.vmlist.splice(this.vmlist.indexOf(area), 1);
    if (area.vmStruct) this.slab.kfree(area.vmStruct);
    this.log.event("vmalloc-fail", { reason: "pages array", size: area.size - this.pageSize, gfp });
    return false;
  }

  /** A page allocation failed after area.pages.length pages: vfree everything. 2.6.11's __vunmap
   *  chooses vfree/kfree for the array from nr_pages, which __vmalloc has just lowered to i — a
   *  vmalloc'd array then gets kfree'd (kernel bug). We free it correctly and flag the event. */
  private failPages(area: VmArea, nrPages: number, size: number, gfp: number): null {
    const got = area.pages.length;
    const kernelWouldKfree = got <= this.pageSize / this.pointerSize;
    if (area.array?.kind === "vmalloc" && kernelWouldKfree) {
      this.log.event("vmalloc-array-free-mismatch", { addr: area.addr, nrPages, got });
    }
    this.vfree(area.addr);
    this.log.event("vmalloc-fail", { reason: "page", size, gfp, got, nrPages });
    return null;
  }
}
