// llfree: an LLFree-like page-frame allocator (Wrenger et al., "LLFree: Scalable and
// Optionally-Persistent Page-Frame Allocation", USENIX ATC 2023; luhsra/llfree-c), in plain
// TypeScript, as an illustration of the Placement interface: it shares nothing with the engine.
//
// As LLFree: a lower allocator keeps one bit per 4 KiB frame in a 512-bit field per 2 MiB huge frame,
// with a free counter per huge frame and a flag for a huge frame allocated whole; huge frames are
// grouped into trees (TREE_FRAMES = 8 of them, llfree-c's default) with a free counter per tree. The
// upper allocator gives each CPU a reserved tree and serves its small requests (orders 0 .. 8) from
// it, first fit in the tree's bit fields, so that a CPU fills one tree before it touches another and
// the huge frames of the other trees stay whole; inside the tree, partially allocated huge frames are
// filled before a free one is broken. When the reserved tree cannot serve a request the CPU
// reserves another, preferring, as LLFree does, a partially allocated tree that is not almost full
// (at least 1/8 free), then an entirely free tree, then any tree with room. Orders 9 and 10 take whole
// (aligned) huge frames, searched from the reserved tree onwards.
//
// Simplified: one CPU (the workloads are sequential), no atomics, no persistence; two reservations,
// one for movable and one for other requests (our addition, so that a comparison with grouping by
// mobility is fair: LLFree itself does not know migratetypes); a free goes back to its tree's counter
// whether the tree is reserved or not; each zone of the machine is its own LLFree instance, tried in
// zonelist order (highest zone first) with the request's watermark checked as an order-0 free-page
// check plus lowmem_reserve (LLFree has no watermarks). Its free blocks per order (counters().nrFree)
// are the maximal naturally aligned free blocks a buddy allocator would hold: that is what the
// fragmentation indices read. No fallbacks and no pageblock migratetypes.

import { OomlabError } from "../../errors.js";
import type { MachineSpec, ResolvedMachine, ResolvedZone, ZoneCounters } from "../../include/machine.js";
import { MigrateType } from "../../include/linux/mmzone.js";
import { resolveMachine } from "../../mm/mm_init.js";
import type { BlockVisitor, Placement, PlacementPolicy, WatermarkName } from "./types.js";

/** Order of a huge frame (2 MiB of 4 KiB pages). */
export const FRAME_ORDER = 9;
const FRAME_PAGES = 1 << FRAME_ORDER;
const FRAME_WORDS = FRAME_PAGES >>> 5;
/** Huge frames per tree (llfree-c's default). */
export const TREE_FRAMES = 8;
const TREE_PAGES = TREE_FRAMES * FRAME_PAGES;

/** For order < 5: the bits at multiples of 2^order in a 32-bit word. */
const ALIGNED = [0xffffffff, 0x55555555, 0x11111111, 0x01010101, 0x00010001];

/** Bit i of the result is set when bits i .. i + 2^order - 1 of `free` are all set (order < 5). */
function runs(free: number, order: number): number {
  let z = free;
  for (let k = 0; k < order; k++) z &= z >>> (1 << k);
  return (z & ALIGNED[order]) >>> 0;
}

/** One zone's LLFree: pages [base, base + frames * 512), the zone's managed pages available. */
export class LLZone {
  readonly base: number;
  readonly frames: number;
  readonly trees: number;
  /** One bit per page: 1 allocated (or outside the managed range). */
  readonly bits: Uint32Array;
  /** Free pages per huge frame and per tree. */
  readonly frameFree: Uint16Array;
  readonly treeFree: Int32Array;
  /** Huge frames allocated whole (orders >= 9). */
  readonly huge: Uint8Array;
  /** Order + 1 of the block whose head is this page (0: no head), and its requested migratetype. */
  readonly headOrder: Uint8Array;
  readonly headMt: Uint8Array;
  freePages = 0;
  /** The tree each reservation holds (-1: none): [0] non-movable requests, [1] movable ones. */
  readonly reserved = [-1, -1];
  /** Reservations taken, and requests that found no room in their reserved tree. */
  reservations = 0;

  constructor(readonly zone: ResolvedZone) {
    const first = zone.startPfn + zone.presentPages - zone.managedPages;
    const end = zone.startPfn + zone.presentPages;
    this.base = Math.floor(zone.startPfn / TREE_PAGES) * TREE_PAGES;
    this.frames = Math.ceil((end - this.base) / FRAME_PAGES);
    this.trees = Math.ceil(this.frames / TREE_FRAMES);
    const pages = this.trees * TREE_PAGES;
    this.bits = new Uint32Array(pages >>> 5).fill(0xffffffff);
    this.frameFree = new Uint16Array(this.trees * TREE_FRAMES);
    this.treeFree = new Int32Array(this.trees);
    this.huge = new Uint8Array(this.trees * TREE_FRAMES);
    this.headOrder = new Uint8Array(pages);
    this.headMt = new Uint8Array(pages);
    for (let pfn = first; pfn < end; pfn++) this.setFree(pfn - this.base, 1);
  }

  private setFree(i: number, pages: number): void {
    for (let p = i; p < i + pages; p++) this.bits[p >>> 5] &= ~(1 << (p & 31));
    this.account(i, pages);
  }

  private setUsed(i: number, pages: number): void {
    for (let p = i; p < i + pages; p++) this.bits[p >>> 5] |= 1 << (p & 31);
    this.account(i, -pages);
  }

  /** Counts pages freed (delta > 0) or allocated at page index i: a block below a huge frame lies in
   *  one frame; a larger one is whole frames. */
  private account(i: number, delta: number): void {
    this.freePages += delta;
    const pages = Math.abs(delta);
    if (pages < FRAME_PAGES) {
      this.frameFree[i >>> FRAME_ORDER] += delta;
      this.treeFree[Math.floor(i / TREE_PAGES)] += delta;
      return;
    }
    const step = delta > 0 ? FRAME_PAGES : -FRAME_PAGES;
    for (let f = i >>> FRAME_ORDER; f < (i + pages) >>> FRAME_ORDER; f++) {
      this.frameFree[f] += step;
      this.treeFree[Math.floor(f / TREE_FRAMES)] += step;
    }
  }

  /** First fit of an aligned run of 2^order free pages (order < 9) in huge frame f; page index or -1. */
  private inFrame(f: number, order: number): number {
    if (this.frameFree[f] < 1 << order) return -1;
    const w0 = f * FRAME_WORDS;
    if (order >= 5) {
      const n = 1 << (order - 5);
      for (let w = w0; w < w0 + FRAME_WORDS; w += n) {
        let all = true;
        for (let k = w; k < w + n; k++) if (this.bits[k] !== 0) all = false;
        if (all) return w << 5;
      }
      return -1;
    }
    for (let w = w0; w < w0 + FRAME_WORDS; w++) {
      const z = runs(~this.bits[w], order);
      if (z !== 0) return (w << 5) + 31 - Math.clz32(z & -z);
    }
    return -1;
  }

  /** A small block (order < 9) from tree t, first fit over its partially allocated huge frames, then
   *  over its free ones (a free huge frame is broken only when no partial one has room); page index
   *  or -1. */
  private inTree(t: number, order: number): number {
    if (this.treeFree[t] < 1 << order) return -1;
    for (let pass = 0; pass < 2; pass++)
      for (let f = t * TREE_FRAMES; f < (t + 1) * TREE_FRAMES; f++) {
        if ((this.frameFree[f] === FRAME_PAGES) !== (pass === 1)) continue;
        const i = this.inFrame(f, order);
        if (i >= 0) return i;
      }
    return -1;
  }

  /** LLFree's reserve: a partial tree that is not almost full, else a free tree, searched from the
   *  last reservation onwards and never the other reservation's tree; else any tree with room, the
   *  other reservation's included (LLFree drains another CPU's reservation when memory is short). */
  private reserve(cls: number, order: number): number {
    const other = this.reserved[1 - cls];
    const start = Math.max(0, this.reserved[cls]);
    const pick = (ok: (free: number) => boolean, share: boolean): number => {
      for (let k = 0; k < this.trees; k++) {
        const t = (start + k) % this.trees;
        if ((share || t !== other) && ok(this.treeFree[t])) return t;
      }
      return -1;
    };
    const need = 1 << order;
    let t = pick((free) => free >= need && free >= TREE_PAGES / 8 && free < TREE_PAGES, false);
    if (t < 0) t = pick((free) => free === TREE_PAGES, false);
    if (t < 0) t = pick((free) => free >= need, true);
    if (t >= 0) {
      this.reserved[cls] = t;
      this.reservations++;
    }
    return t;
  }

  /** Whole huge frames: 2^(order - 9) aligned frames, all free, from the reserved tree onwards. */
  private hugeFrames(order: number, cls: number): number {
    const n = 1 << (order - FRAME_ORDER);
    const frames = this.trees * TREE_FRAMES;
    const startTree = Math.max(0, this.reserved[cls]);
    for (let k = 0; k < frames; k += n) {
      const f = (startTree * TREE_FRAMES + k) % frames;
      let all = true;
      for (let g = f; g < f + n; g++) if (this.frameFree[g] !== FRAME_PAGES) all = false;
      if (all) return f;
    }
    return -1;
  }

  /** One request; the page index in the zone or -1. */
  get(order: number, mt: number): number {
    const cls = mt === MigrateType.Movable ? 1 : 0;
    let i: number;
    if (order >= FRAME_ORDER) {
      const f = this.hugeFrames(order, cls);
      if (f < 0) return -1;
      for (let g = f; g < f + (1 << (order - FRAME_ORDER)); g++) this.huge[g] = 1;
      i = f << FRAME_ORDER;
    } else {
      i = this.reserved[cls] >= 0 ? this.inTree(this.reserved[cls], order) : -1;
      if (i < 0) {
        const t = this.reserve(cls, order);
        i = t < 0 ? -1 : this.inTree(t, order);
        // the reservation found room in a tree but no aligned run: any tree will do
        for (let u = 0; i < 0 && u < this.trees; u++) i = this.inTree(u, order);
      }
      if (i < 0) return -1;
    }
    this.setUsed(i, 1 << order);
    this.headOrder[i] = order + 1;
    this.headMt[i] = mt;
    return i;
  }

  /** Frees the block whose head is page index i; its order, or -1 when no block starts there. */
  put(i: number): number {
    const order = this.headOrder[i] - 1;
    if (order < 0) return -1;
    this.headOrder[i] = 0;
    if (order >= FRAME_ORDER)
      for (let g = i >>> FRAME_ORDER; g < (i >>> FRAME_ORDER) + (1 << (order - FRAME_ORDER)); g++) this.huge[g] = 0;
    this.setFree(i, 1 << order);
    return order;
  }

  /** The maximal naturally aligned free blocks per order (what a buddy allocator would list). */
  nrFree(maxOrder: number): number[] {
    const out = new Array<number>(maxOrder).fill(0);
    const top = maxOrder - 1;
    const whole = (i: number, order: number): boolean => {
      if (order >= 5) {
        for (let w = i >>> 5; w < (i >>> 5) + (1 << (order - 5)); w++) if (this.bits[w] !== 0) return false;
        return true;
      }
      const mask = ((1 << (1 << order)) - 1) << (i & 31);
      return (this.bits[i >>> 5] & mask) === 0;
    };
    const split = (i: number, order: number): void => {
      if (whole(i, order)) out[order]++;
      else if (order > 0) {
        split(i, order - 1);
        split(i + (1 << (order - 1)), order - 1);
      }
    };
    const frames = this.trees * TREE_FRAMES;
    if (top >= FRAME_ORDER) {
      const n = 1 << (top - FRAME_ORDER);
      for (let f = 0; f < frames; f += n) {
        let allFree = true;
        for (let g = f; g < f + n; g++) if (this.frameFree[g] !== FRAME_PAGES) allFree = false;
        if (allFree) out[top]++;
        else for (let g = f; g < f + n; g++) if (this.frameFree[g] > 0) split(g << FRAME_ORDER, FRAME_ORDER);
      }
    }
    return out;
  }
}

/** The LLFree-like allocator over a machine's zones. */
export class LLFreePlacement implements Placement {
  readonly policy = "llfree";
  readonly engine = null;
  readonly machine: ResolvedMachine;
  readonly zones: LLZone[];
  private readonly bySlot = new Map<number, LLZone>();

  constructor(spec: MachineSpec) {
    this.machine = resolveMachine(spec);
    const m = this.machine;
    if (m.pageSize !== 4096 || m.maxOrder < FRAME_ORDER + 1 || m.maxOrder > FRAME_ORDER + 2)
      throw new OomlabError(
        "OOMLAB_BAD_ARGUMENT",
        `policy llfree needs 4 KiB pages and maxOrder 10 or 11 (huge frames of order 9); the machine has ` +
          `${m.pageSize}-byte pages and maxOrder ${m.maxOrder}`,
      );
    // zonelist order: node 0 first, the highest zone of each node first
    const populated = m.zones.filter((z) => z.managedPages > 0);
    this.zones = populated.sort((a, b) => a.node - b.node || b.zoneIdx - a.zoneIdx).map((z) => new LLZone(z));
    for (const z of this.zones) this.bySlot.set(z.zone.slot, z);
  }

  alloc(order: number, migratetype: number, watermark: WatermarkName): number {
    if (!Number.isInteger(order) || order < 0 || order >= this.machine.maxOrder)
      throw new OomlabError("OOMLAB_BAD_ORDER", `order ${order} is out of range`);
    const classIdx = this.zones.length ? this.zones[0].zone.zoneIdx : 0;
    for (const z of this.zones) {
      const mark = z.zone.watermarks[watermark] + z.zone.lowmemReserve[classIdx];
      if (z.freePages - (1 << order) < mark) continue;
      const i = z.get(order, migratetype);
      if (i >= 0) return z.base + i;
    }
    return -1;
  }

  free(pfn: number): void {
    for (const z of this.zones) {
      const i = pfn - z.base;
      if (i < 0 || i >= z.headOrder.length) continue;
      if (z.put(i) >= 0) return;
    }
    throw new OomlabError("OOMLAB_NOT_BLOCK_HEAD", `pfn ${pfn} is not the head of an allocated block`);
  }

  counters(slot: number): ZoneCounters {
    const z = this.bySlot.get(slot);
    const nrFree = z ? z.nrFree(this.machine.maxOrder) : new Array<number>(this.machine.maxOrder).fill(0);
    return {
      freePages: z ? z.freePages : 0,
      freeCmaPages: 0,
      nrReservedHighatomic: 0,
      nrFreeHighatomic: 0,
      watermarkBoost: 0,
      nrFree,
    };
  }

  fallbacks(): { total: number; changeOwnership: number } {
    return { total: 0, changeOwnership: 0 };
  }

  zoneFallbacks(): number {
    return 0;
  }

  zoneFallbacksFragmenting(): number {
    return 0;
  }

  pageblockTypes(): null {
    return null;
  }

  blocks(): (visit: BlockVisitor) => void {
    return (visit) => {
      for (const z of this.zones)
        for (let i = 0; i < z.headOrder.length; i++)
          if (z.headOrder[i]) visit(z.base + i, z.headOrder[i] - 1, z.headMt[i]);
    };
  }

  dispose(): void {}
}

export const llfree: PlacementPolicy = {
  name: "llfree",
  summary:
    "an LLFree-like allocator (Wrenger et al., USENIX ATC 2023): bit fields per 2 MiB frame, per-CPU tree reservations",
  era: null,
  engine: false,
  kernelModel: false,
  machineSpec: (spec) => spec,
  create: (spec) => new LLFreePlacement(spec),
};
