// 6.18 vmalloc (mm/vmalloc.c 6.18): __vmalloc_node_range_noprof over [VMALLOC_START, VMALLOC_END),
// the vm_struct kzalloc'd first, the area placed at the lowest free address that fits it with its
// guard page (alloc_vmap_area / __alloc_vmap_area), the page-pointer array (kmalloc up to a page,
// nested vmalloc above), the pages (vm_area_alloc_pages: the bulk allocator 100 pages at a time, then
// one alloc_pages at a time; order 9 first when the area may be PMD-mapped), the kernel page tables
// that map them (vmap_pages_range), and the five `vmalloc error: size %lu, ...` failures, returned as
// typed failures with the gfp and the message warn_alloc would be given: warn_alloc itself (its
// __GFP_NOWARN test, ratelimit and report) is the page allocator's.
// Not modelled, on purpose: the vmap_area objects (vmap_area_cachep or the per-node pools), lazy
// freeing (vfree releases the range at once; alloc_vmap_area purges lazily freed areas before it
// fails, so a failure sees the same free space), KASAN, NUMA placement, fatal signals, split_page
// (a PMD-mapped area's order-9 blocks are freed as blocks), and page-table pages above the PMD level
// (x86-64 preallocates them for the vmalloc range at boot: preallocate_vmalloc_pages, arch/x86/mm/init_64.c,
// not read in the 6.18 tree here).

import { check, isInt, OomlabError } from "../../errors.js";
import {
  type PageAllocFailure,
  type PageAllocator,
  type ReportingPageAllocator,
  withFailureReasons,
} from "../../sim/page_allocator.js";
import { GFP, GFP_RECLAIM_MASK, type SlubPtr, type Slub618 } from "./slub.js";

/** VMALLOC_START / VMALLOC_END of x86-64 with 4-level paging and no CONFIG_RANDOMIZE_MEMORY
 *  (arch/x86/include/asm/pgtable_64_types.h 6.18: __VMALLOC_BASE_L4 0xffffc90000000000,
 *  VMALLOC_SIZE_TB_L4 32, VMALLOC_END = VMALLOC_START + (VMALLOC_SIZE_TB << 40) - 1). With
 *  RANDOMIZE_MEMORY (the distribution default) vmalloc_base moves; the size stays 32 TiB. */
export const X86_64_VMALLOC_L4 = { start: 0xffffc90000000000n, end: 0xffffe8ffffffffffn } as const;
/** The same with 5-level paging: __VMALLOC_BASE_L5 0xffa0000000000000, VMALLOC_SIZE_TB_L5 12800. Other
 *  architectures (arm64: MODULES_END .. VMEMMAP_START - SZ_256M) depend on their configuration and
 *  are given as a VmallocRange. */
export const X86_64_VMALLOC_L5 = { start: 0xffa0000000000000n, end: 0xffd1ffffffffffffn } as const;

/** A vmalloc range: start and VMALLOC_END as the kernel defines them; areas end at or below end
 *  (alloc_vmap_area: va_end <= vend). */
export interface VmallocRange {
  start: bigint;
  end: bigint;
}

/** sizeof(struct vm_struct) on 64-bit (include/linux/vmalloc.h 6.18: next, addr, size, flags, pages,
 *  [page_order,] nr_pages, phys_addr, caller, requested_size): 72 bytes, so kzalloc takes kmalloc-96. */
export const VM_STRUCT_BYTES = 72;
/** sizeof(struct page *). */
export const POINTER_BYTES = 8;
/** PMD_SHIFT and PUD_SHIFT of x86-64 (4 KiB pages): a PTE page maps 2 MiB, a PMD page 1 GiB. */
export const PMD_SHIFT = 21;
export const PUD_SHIFT = 30;
/** vm_area_alloc_pages: "A maximum allowed request is hard-coded and is 100 pages per call". */
export const VMALLOC_BULK_MAX = 100;

/** GFP_PGTABLE_KERNEL (include/asm-generic/pgalloc.h 6.18): GFP_KERNEL | __GFP_ZERO. */
export const GFP_PGTABLE_KERNEL = GFP.GFP_KERNEL | GFP.__GFP_ZERO;

/** Why __vmalloc_node_range returned NULL; size is the number the kernel's message prints. */
export type VmallocFailure =
  | { reason: "zero size"; size: 0 }
  | { reason: "exceeds total pages"; size: number; totalPages: number }
  | {
      reason: "vm_struct allocation failed";
      size: number;
      /** The vm_struct kzalloc failed, or no free range fits size + guard page. */
      cause: "vm_struct" | "address range";
      /** __GFP_NOFAIL's "Retrying." rounds done before oomlab's bound stopped them. */
      retries: number;
    }
  | { reason: "failed to allocated page array size"; size: number; arraySize: number }
  | {
      reason: "failed to allocate pages";
      /** area->nr_pages * PAGE_SIZE: what was allocated before the failure. */
      size: number;
      nrPages: number;
      pageOrder: number;
      pageFailure: PageAllocFailure | null;
    }
  | { reason: "failed to map pages"; size: number; pageFailure: PageAllocFailure | null };

/** A warn_alloc(gfp, NULL, fmt, ...) call: the gfp it tests and the formatted message. */
export interface WarnAllocCall {
  gfp: number;
  text: string;
}

/** What one __vmalloc_node_range call did. */
export interface VmallocResult {
  /** The area's address, or null. */
  ptr: bigint | null;
  failure: VmallocFailure | null;
  /** warn_alloc calls, in order (warn_alloc drops them under __GFP_NOWARN or its ratelimit). */
  warnAlloc: WarnAllocCall[];
  /** pr_warn lines printed (alloc_vmap_area's range line, unless __GFP_NOWARN; printk_ratelimit
   *  not applied). */
  warnings: string[];
  /** The PMD-mapped attempt that failed before the order-0 retry (VM_ALLOW_HUGE_VMAP). */
  hugeFailure?: VmallocFailure;
  /** Allocator calls made for data pages (bulk calls count once). */
  pageCalls: number;
}

/** A struct vm_struct in the busy tree. offset is from range.start; size includes the guard page. */
export interface VmArea618 {
  addr: bigint;
  offset: number;
  size: number;
  /** Placed by reserve(): no vm_struct, no pages. */
  reserved: boolean;
  pageOrder: number;
  /** nr_pages (order-0 pages). */
  nrPages: number;
  /** The blocks holding the pages: 2^pageOrder pages each. */
  blocks: { pfn: number; order: number }[];
  vmStruct: SlubPtr | null;
  array: { kind: "kmalloc"; ptr: SlubPtr } | { kind: "vmalloc"; addr: bigint } | null;
}

export interface Vmalloc618Options {
  pa: PageAllocator | ReportingPageAllocator;
  /** kmalloc for the vm_struct and the page array. */
  slub: Slub618;
  /** Default: X86_64_VMALLOC_L4. */
  range?: VmallocRange;
  /** vmap_allow_huge: CONFIG_HAVE_ARCH_HUGE_VMALLOC without nohugevmalloc, with
   *  arch_vmap_pmd_supported. Default false: x86-64 does not select HAVE_ARCH_HUGE_VMALLOC (its
   *  2022 select was reverted before release; from the patch history, arch/x86/Kconfig 6.18 not read
   *  here). arm64, powerpc (radix) and riscv do. */
  hugeVmalloc?: boolean;
  /** How many __GFP_NOFAIL "Retrying." rounds oomlab runs before it stops an endless loop (default 100). */
  nofailRetries?: number;
}

const hex = (n: bigint) => `0x${n.toString(16)}`;

export class Vmalloc618 {
  readonly range: VmallocRange;
  readonly pageSize: number;
  readonly hugeVmalloc: boolean;
  private readonly span: number;
  private readonly pa: ReportingPageAllocator;
  private readonly slub: Slub618;
  private readonly busy: VmArea618[] = [];
  private readonly ptePages = new Set<number>();
  private readonly pmdPages = new Set<number>();
  private readonly nofailRetries: number;

  constructor(o: Vmalloc618Options) {
    this.pa = withFailureReasons(o.pa);
    this.slub = o.slub;
    this.pageSize = o.pa.pageSize;
    this.range = o.range ?? X86_64_VMALLOC_L4;
    this.hugeVmalloc = o.hugeVmalloc ?? false;
    this.nofailRetries = o.nofailRetries ?? 100;
    const span = this.range.end - this.range.start;
    check(
      span > 0n && span < 2n ** 53n,
      "Vmalloc618: need start < end, less than 2^53 bytes apart",
      "OOMLAB_BAD_ARGUMENT",
    );
    check(
      this.range.start % BigInt(this.pageSize) === 0n,
      "Vmalloc618: start must be page aligned",
      "OOMLAB_BAD_ARGUMENT",
    );
    this.span = Number(span);
  }

  /** vmalloc(size) (mm/vmalloc.c vmalloc_noprof, 6.18): __vmalloc_node(size, 1, GFP_KERNEL), no huge
   *  mapping. */
  vmalloc(size: number, owner: number): VmallocResult {
    return this.vmallocNodeRange(size, GFP.GFP_KERNEL, owner, { allowHugeVmap: false });
  }

  /** __vmalloc_node_range_noprof (mm/vmalloc.c 6.18) over [range.start, range.end) with PAGE_KERNEL. */
  vmallocNodeRange(
    size: number,
    gfp: number,
    owner: number,
    o: { allowHugeVmap: boolean; align?: number },
  ): VmallocResult {
    check(isInt(size) && size >= 0, `__vmalloc_node_range: bad size ${size}`, "OOMLAB_BAD_ARGUMENT");
    const r: VmallocResult = { ptr: null, failure: null, warnAlloc: [], warnings: [], pageCalls: 0 };
    if (!size) return { ...r, failure: { reason: "zero size", size: 0 } }; // WARN_ON_ONCE(!size)
    if (Math.floor(size / this.pageSize) > this.pa.totalPages) {
      r.warnAlloc.push({ gfp, text: `vmalloc error: size ${size}, exceeds total pages` });
      return { ...r, failure: { reason: "exceeds total pages", size, totalPages: this.pa.totalPages } };
    }
    const originalAlign = o.align ?? 1;
    let shift = Math.log2(this.pageSize);
    let align = originalAlign;
    if (this.hugeVmalloc && o.allowHugeVmap && size >= 2 ** PMD_SHIFT) {
      shift = PMD_SHIFT; // arch_vmap_pte_supported_shift is PAGE_SHIFT unless the arch says otherwise
      align = Math.max(originalAlign, 2 ** shift);
    }
    let retries = 0;
    for (;;) {
      const got = this.getVmAreaNode(size, align, shift, gfp, owner, r);
      let failure: VmallocFailure;
      if (!got.area) {
        const nofail = (gfp & GFP.__GFP_NOFAIL) !== 0;
        r.warnAlloc.push({
          gfp,
          text: `vmalloc error: size ${size}, vm_struct allocation failed${nofail ? ". Retrying." : ""}`,
        });
        if (nofail && retries < this.nofailRetries) {
          retries++; // schedule_timeout_uninterruptible(1); goto again
          continue;
        }
        failure = { reason: "vm_struct allocation failed", size, cause: got.cause, retries };
      } else {
        const f = this.vmallocAreaNode(got.area, gfp, shift, owner, r);
        if (!f) {
          r.ptr = got.area.addr;
          return r;
        }
        failure = f;
      }
      if (shift > Math.log2(this.pageSize)) {
        r.hugeFailure = failure; // fail: "shift = PAGE_SHIFT; align = original_align; goto again"
        shift = Math.log2(this.pageSize);
        align = originalAlign;
        continue;
      }
      r.failure = failure;
      return r;
    }
  }

  /** vfree: the pages, the page array and the vm_struct go back; the range is free at once. Kernel
   *  page tables stay (vunmap clears entries, never frees the tables). */
  vfree(addr: bigint): void {
    const i = this.busy.findIndex((a) => a.addr === addr && !a.reserved);
    if (i < 0) throw new OomlabError("OOMLAB_BAD_ARGUMENT", `Trying to vfree() nonexistent vm area (${hex(addr)})`);
    this.release(this.busy[i]);
  }

  /** Places an area of size bytes at addr (an ioremap, a module, ...): no vm_struct, no pages. Lets
   *  scenarios fragment the range. */
  reserve(addr: bigint, size: number): void {
    check(isInt(size) && size > 0 && size % this.pageSize === 0, "reserve: bad size", "OOMLAB_BAD_ARGUMENT");
    const offset = Number(addr - this.range.start);
    check(addr >= this.range.start && offset + size <= this.span, "reserve: outside the range", "OOMLAB_BAD_ARGUMENT");
    check(
      !this.busy.some((a) => offset < a.offset + a.size && a.offset < offset + size),
      `reserve: ${hex(addr)}+${size} overlaps an existing area`,
      "OOMLAB_BAD_ARGUMENT",
    );
    this.insert({
      addr,
      offset,
      size,
      reserved: true,
      pageOrder: 0,
      nrPages: 0,
      blocks: [],
      vmStruct: null,
      array: null,
    });
  }

  /** The busy areas, address-sorted. */
  areas(): readonly VmArea618[] {
    return this.busy;
  }

  /** The largest free gap of the range, in bytes. */
  largestFreeGap(): number {
    let best = 0;
    let cursor = 0;
    for (const a of this.busy) {
      best = Math.max(best, a.offset - cursor);
      cursor = a.offset + a.size;
    }
    return Math.max(best, this.span - cursor);
  }

  /** Kernel page-table pages allocated for the range (PTE and PMD tables). */
  pageTablePages(): number {
    return this.ptePages.size + this.pmdPages.size;
  }

  /** __get_vm_area_node (mm/vmalloc.c 6.18): size aligned to 1 << shift; the vm_struct kzalloc'd with
   *  gfp & GFP_RECLAIM_MASK; a guard page added; alloc_vmap_area. */
  private getVmAreaNode(
    size: number,
    align: number,
    shift: number,
    gfp: number,
    owner: number,
    r: VmallocResult,
  ): { area: VmArea618; cause?: never } | { area: null; cause: "vm_struct" | "address range" } {
    const unit = 2 ** shift;
    let sz = Math.ceil(size / unit) * unit;
    const vs = this.slub.kmalloc(VM_STRUCT_BYTES, (gfp & GFP_RECLAIM_MASK) | GFP.__GFP_ZERO, owner);
    if (!vs.ptr) return { area: null, cause: "vm_struct" };
    sz += this.pageSize; // !(flags & VM_NO_GUARD)
    const offset = this.lowestFit(sz, align);
    if (offset === null) {
      // alloc_vmap_area's overflow path, after the purge.
      if (!(gfp & GFP.__GFP_NOWARN)) {
        r.warnings.push(
          `vmalloc_node_range for size ${sz} failed: Address range restricted to ` +
            `${hex(this.range.start)} - ${hex(this.range.end)}`,
        );
      }
      this.slub.kfree(vs.ptr);
      return { area: null, cause: "address range" };
    }
    const area: VmArea618 = {
      addr: this.range.start + BigInt(offset),
      offset,
      size: sz,
      reserved: false,
      pageOrder: 0,
      nrPages: 0,
      blocks: [],
      vmStruct: vs.ptr,
      array: null,
    };
    this.insert(area);
    return { area };
  }

  /** __alloc_vmap_area / find_vmap_lowest_match: the lowest aligned start whose [start, start + size)
   *  is free and within the range. */
  private lowestFit(size: number, align: number): number | null {
    const base = this.range.start;
    const alignUp = (off: number) => {
      const a = BigInt(align);
      const addr = base + BigInt(off);
      return Number(((addr + a - 1n) / a) * a - base);
    };
    let cursor = 0;
    for (const a of this.busy) {
      const at = alignUp(cursor);
      if (at + size <= a.offset) return at;
      cursor = Math.max(cursor, a.offset + a.size);
    }
    const at = alignUp(cursor);
    return at + size <= this.span ? at : null;
  }

  private insert(area: VmArea618): void {
    const at = this.busy.findIndex((a) => a.offset > area.offset);
    this.busy.splice(at < 0 ? this.busy.length : at, 0, area);
  }

  /** __vmalloc_area_node (mm/vmalloc.c 6.18); null on success. */
  private vmallocAreaNode(area: VmArea618, gfpIn: number, shift: number, owner: number, r: VmallocResult) {
    const nestedGfp = (gfpIn & GFP_RECLAIM_MASK) | GFP.__GFP_ZERO;
    const nofail = (gfpIn & GFP.__GFP_NOFAIL) !== 0;
    const size = area.size - this.pageSize; // get_vm_area_size: without the guard page
    const nrSmall = size / this.pageSize;
    const arraySize = nrSmall * POINTER_BYTES;
    let gfp = gfpIn;
    if (!(gfp & (GFP.GFP_DMA | GFP.GFP_DMA32))) gfp |= GFP.__GFP_HIGHMEM;
    if (arraySize > this.pageSize) {
      // "Please note that the recursion is strictly bounded."
      const nested = this.vmallocNodeRange(arraySize, nestedGfp, owner, { allowHugeVmap: false });
      r.warnAlloc.push(...nested.warnAlloc);
      r.warnings.push(...nested.warnings);
      if (nested.ptr !== null) area.array = { kind: "vmalloc", addr: nested.ptr };
    } else {
      const k = this.slub.kmalloc(arraySize, nestedGfp, owner);
      if (k.ptr) area.array = { kind: "kmalloc", ptr: k.ptr };
    }
    if (!area.array) {
      r.warnAlloc.push({
        gfp,
        text: `vmalloc error: size ${nrSmall * this.pageSize}, failed to allocated page array size ${arraySize}`,
      });
      this.release(area); // free_vm_area
      return { reason: "failed to allocated page array size", size: nrSmall * this.pageSize, arraySize } as const;
    }
    area.pageOrder = shift - Math.log2(this.pageSize);
    const pageGfp = ((area.pageOrder ? gfp & ~GFP.__GFP_NOFAIL : gfp) | GFP.__GFP_NOWARN) >>> 0;
    const pageFailure = this.vmAreaAllocPages(area, pageGfp, nrSmall, owner, r);
    if (area.nrPages !== nrSmall) {
      // "Since we always retry allocations at order-0 in the huge page case a warning for either is
      // spurious."
      const got = area.nrPages * this.pageSize;
      if (area.pageOrder === 0) r.warnAlloc.push({ gfp, text: `vmalloc error: size ${got}, failed to allocate pages` });
      const f: VmallocFailure = {
        reason: "failed to allocate pages",
        size: got,
        nrPages: nrSmall,
        pageOrder: area.pageOrder,
        pageFailure,
      };
      this.release(area);
      return f;
    }
    let mapFailure = this.vmapPagesRange(area, gfp, owner);
    for (let i = 0; mapFailure && nofail && i < this.nofailRetries; i++)
      mapFailure = this.vmapPagesRange(area, gfp, owner);
    if (mapFailure) {
      const text = `vmalloc error: size ${area.nrPages * this.pageSize}, failed to map pages`;
      r.warnAlloc.push({ gfp, text });
      const f: VmallocFailure = {
        reason: "failed to map pages",
        size: area.nrPages * this.pageSize,
        pageFailure: mapFailure,
      };
      this.release(area);
      return f;
    }
    return null;
  }

  /** vm_area_alloc_pages (mm/vmalloc.c 6.18): order 0 through the bulk allocator (up to 100 a call,
   *  stopping at the first short call), then one alloc_pages(gfp, order) at a time. Returns the
   *  failure that stopped it. */
  private vmAreaAllocPages(
    area: VmArea618,
    gfp: number,
    nrPages: number,
    owner: number,
    r: VmallocResult,
  ): PageAllocFailure | null {
    const order = area.pageOrder;
    if (!order && this.pa.allocPagesBulk) {
      while (area.nrPages < nrPages) {
        const want = Math.min(VMALLOC_BULK_MAX, nrPages - area.nrPages);
        const got = this.pa.allocPagesBulk(gfp, want, owner);
        r.pageCalls++;
        for (const pfn of got) area.blocks.push({ pfn, order: 0 });
        area.nrPages += got.length;
        if (got.length !== want) break; // "fallback to a single page allocator"
      }
    }
    while (area.nrPages < nrPages) {
      const out = this.pa.tryAllocPages(gfp, order, owner);
      r.pageCalls++;
      if (out.pfn < 0) return out.failure;
      area.blocks.push({ pfn: out.pfn, order });
      area.nrPages += 2 ** order;
    }
    return null;
  }

  /** vmap_pages_range: a PMD table per new 1 GiB and, for order-0 mappings, a PTE table per new
   *  2 MiB, each one page of GFP_PGTABLE_KERNEL under the memalloc_nofs/noio scope the caller's gfp
   *  asks for. Returns the failure, or null. */
  private vmapPagesRange(area: VmArea618, gfp: number, owner: number): PageAllocFailure | null {
    let ptGfp = GFP_PGTABLE_KERNEL;
    const fsio = gfp & (GFP.__GFP_FS | GFP.__GFP_IO);
    if (fsio === GFP.__GFP_IO) ptGfp &= ~GFP.__GFP_FS;
    else if (fsio === 0) ptGfp &= ~(GFP.__GFP_FS | GFP.__GFP_IO);
    const first = area.offset;
    const last = area.offset + area.size - this.pageSize - 1;
    const need: [Set<number>, number][] = [];
    for (let g = Math.floor(first / 2 ** PUD_SHIFT); g <= Math.floor(last / 2 ** PUD_SHIFT); g++)
      if (!this.pmdPages.has(g)) need.push([this.pmdPages, g]);
    if (area.pageOrder === 0)
      for (let m = Math.floor(first / 2 ** PMD_SHIFT); m <= Math.floor(last / 2 ** PMD_SHIFT); m++)
        if (!this.ptePages.has(m)) need.push([this.ptePages, m]);
    for (const [set, key] of need) {
      const out = this.pa.tryAllocPages(ptGfp >>> 0, 0, owner);
      if (out.pfn < 0) return out.failure;
      set.add(key);
    }
    return null;
  }

  /** Frees an area's pages, array and vm_struct, and its range. */
  private release(area: VmArea618): void {
    this.busy.splice(this.busy.indexOf(area), 1);
    for (const b of area.blocks) this.pa.freePages(b.pfn, b.order);
    if (area.array?.kind === "vmalloc") this.vfree(area.array.addr);
    else if (area.array?.kind === "kmalloc") this.slub.kfree(area.array.ptr);
    if (area.vmStruct) this.slub.kfree(area.vmStruct);
  }
}
