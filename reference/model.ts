// The reference model: a deliberately plain TypeScript version of the page allocator the WASM engine
// implements, written independently from the kernel sources (mm/page_alloc.c 2.6.11 and 6.18) for
// differential tests. Per-page typed arrays hold block state; free lists are doubly linked lists
// threaded through per-page next/prev arrays, with head and tail per (zone, order, migratetype).

import { OomlabError } from "../bindings/errors.js";
import { buildZonelist, type Zonelist } from "../bindings/mm/mm_init.js";
import type {
  AllocRequest,
  BuddyEngine,
  MachineState,
  ResolvedMachine,
  ResolvedZone,
  ZoneCounters,
  ZoneState,
} from "../bindings/include/machine.js";
import { MigrateType, ZONE_TYPES } from "../bindings/include/linux/mmzone.js";
import { AllocFlags } from "../bindings/mm/internal.js";

/** MIGRATE_TYPES: free lists per order. */
const NR_MIGRATETYPES = 6;
/** MIGRATE_PCPTYPES: types below it are "mergeable" and have fallbacks. */
const MIGRATE_PCPTYPES = 3;
/** ALLOC_RESERVES (mm/internal.h 6.18). */
const ALLOC_RESERVES = AllocFlags.NON_BLOCK | AllocFlags.MIN_RESERVE | AllocFlags.HIGHATOMIC | AllocFlags.OOM;
/** ALLOC_WMARK_MASK. */
const ALLOC_WMARK_MASK = 0x03;

/** fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1] (6.18). */
const FALLBACKS: readonly (readonly number[])[] = [
  [MigrateType.Reclaimable, MigrateType.Movable],
  [MigrateType.Reclaimable, MigrateType.Unmovable],
  [MigrateType.Unmovable, MigrateType.Movable],
];

/** Per-page state: only block heads carry one. */
const PAGE_NONE = 0; // tail of a block, reserved page, hole, or outside every zone
const PAGE_FREE = 1; // head of a free block (PageBuddy)
const PAGE_ALLOCATED = 2; // head of an allocated block

/** migratetype_is_mergeable. */
function isMergeable(mt: number): boolean {
  return mt < MIGRATE_PCPTYPES;
}

/** Count trailing zeros of a positive integer below 2^31. */
function ctz(x: number): number {
  let n = 0;
  while ((x & 1) === 0) {
    x >>>= 1;
    n++;
  }
  return n;
}

/** C's signed division (truncating toward zero). */
function cdiv(a: number, b: number): number {
  return Math.trunc(a / b);
}

/** One zone's free area and counters. */
export interface RefZone {
  cfg: ResolvedZone;
  /** Index into RefMachine.zones (slot order). */
  index: number;
  start: number;
  /** start + spanned. */
  spanEnd: number;
  /** First managed page: start + present - managed. */
  managedStart: number;
  /** start + present. */
  presentEnd: number;
  freePages: number;
  freeCmaPages: number;
  nrFreeHighatomic: number;
  nrReservedHighatomic: number;
  watermarkBoost: number;
  boostEvents: number;
  /** nr_free per order. */
  nrFree: number[];
  /** List heads and tails (page index or -1), indexed order * 6 + migratetype. */
  head: Int32Array;
  tail: Int32Array;
  /** struct zone's compaction fields (reference/compaction.ts), pfns; base - 1 is "never set". */
  compact: {
    cachedMigrate: [number, number];
    cachedFree: number;
    initMigrate: number;
    initFree: number;
    blockskipFlush: boolean;
  };
}

/** The members without `private` are also read and written by reference/compaction.ts (the
 *  reference compact_zone), which works on this model's state; the `protected` ones by
 *  reference/pcp.ts (the per-CPU lists layered on this model). */
export class RefMachine implements BuddyEngine {
  readonly machine: ResolvedMachine;
  protected readonly modern: boolean;
  /** Linux 6.1: 6.18's lists with 6.1's fallback, highatomic and merging rules. */
  protected readonly v61: boolean;
  readonly maxOrder: number;
  readonly pbOrder: number;
  readonly pbPages: number;
  readonly base: number;
  private readonly nrPages: number;
  protected readonly zones: RefZone[];
  private readonly zoneBySlot = new Map<number, RefZone>();
  /** Per page (pfn - base): index of its zone, -1 outside every zone span. */
  protected readonly zoneOf: Int8Array;
  readonly state: Uint8Array;
  readonly order: Uint8Array;
  /** Allocated heads: the requested migratetype and the owner. */
  readonly allocMt: Uint8Array;
  readonly owner: Float64Array;
  /** Free heads: the list (order * 6 + migratetype) they are on, and their neighbours. */
  private readonly listOf: Int32Array;
  readonly next: Int32Array;
  readonly prev: Int32Array;
  /** Pageblock migratetypes, indexed (pfn - base) >> pageblockOrder. */
  readonly pageblocks: Uint8Array;
  /** PB_migrate_skip per pageblock (compaction's skip hints). */
  readonly skip: Uint8Array;
  /** Allocated heads: on an LRU or with movable ops (compaction may migrate them). */
  readonly movable: Uint8Array;
  /** compaction_capture while a reference compact_zone runs: called at the top of each merge step
   *  of __free_one_page; true when it took the block. */
  capture: ((pfn: number, order: number, mt: number) => boolean) | null = null;
  readonly ownerTotals = new Map<number, number>();
  private readonly zonelists = new Map<number, Zonelist>();

  constructor(machine: ResolvedMachine) {
    this.machine = machine;
    this.modern = machine.era !== "2.6.11";
    this.v61 = machine.era === "6.1";
    this.maxOrder = machine.maxOrder;
    this.pbOrder = machine.pageblockOrder;
    this.pbPages = 2 ** machine.pageblockOrder;
    this.base = machine.basePfn;
    this.nrPages = machine.nrPages;
    const n = machine.nrPages;
    this.zoneOf = new Int8Array(n).fill(-1);
    this.state = new Uint8Array(n);
    this.order = new Uint8Array(n);
    this.allocMt = new Uint8Array(n);
    this.owner = new Float64Array(n);
    this.listOf = new Int32Array(n).fill(-1);
    this.next = new Int32Array(n).fill(-1);
    this.prev = new Int32Array(n).fill(-1);
    this.pageblocks = new Uint8Array(Math.ceil(n / this.pbPages));
    this.skip = new Uint8Array(this.pageblocks.length);
    this.movable = new Uint8Array(n);
    this.zones = machine.zones.map((cfg, index) => this.makeZone(cfg, index));
    for (const z of this.zones) this.zoneBySlot.set(z.cfg.slot, z);
    for (const z of this.zones) this.initPageblocks(z);
    for (const z of this.zones) this.populateZone(z);
  }

  // ---------------------------------------------------------------------------------------------
  // Set-up

  private makeZone(cfg: ResolvedZone, index: number): RefZone {
    const lists = this.maxOrder * NR_MIGRATETYPES;
    const z: RefZone = {
      cfg,
      index,
      start: cfg.startPfn,
      spanEnd: cfg.startPfn + cfg.spannedPages,
      managedStart: cfg.startPfn + cfg.presentPages - cfg.managedPages,
      presentEnd: cfg.startPfn + cfg.presentPages,
      freePages: 0,
      freeCmaPages: 0,
      nrFreeHighatomic: 0,
      nrReservedHighatomic: 0,
      watermarkBoost: 0,
      boostEvents: 0,
      nrFree: new Array<number>(this.maxOrder).fill(0),
      head: new Int32Array(lists).fill(-1),
      tail: new Int32Array(lists).fill(-1),
      compact: {
        cachedMigrate: [this.base - 1, this.base - 1],
        cachedFree: this.base - 1,
        initMigrate: this.base - 1,
        initFree: this.base - 1,
        blockskipFlush: false,
      },
    };
    this.zoneOf.fill(index, z.start - this.base, z.spanEnd - this.base);
    return z;
  }

  /** memmap_init / init_cma_reserved_pageblock (6.18): MOVABLE over the zone, CMA over its areas. */
  private initPageblocks(z: RefZone): void {
    if (!this.modern) return;
    const first = this.pageblockIndex(z.start);
    const last = this.pageblockIndex(z.spanEnd - 1);
    for (let b = first; b <= last; b++) this.pageblocks[b] = MigrateType.Movable;
    for (const c of z.cfg.cma) {
      for (let p = c.startPfn; p < c.startPfn + c.pages; p += this.pbPages) {
        this.pageblocks[this.pageblockIndex(p)] = MigrateType.CMA;
      }
    }
  }

  /** memblock_free_pages -> __free_pages_core(FPI_TO_TAIL): the managed pages in maximal aligned
   *  chunks, ascending. Alignment is zone-relative in 2.6.11, pfn-relative in 6.18. */
  private populateZone(z: RefZone): void {
    const origin = this.origin(z);
    let p = z.managedStart;
    while (p < z.presentEnd) {
      let order = p === origin ? this.maxOrder - 1 : Math.min(this.maxOrder - 1, ctz(p - origin));
      while (p + 2 ** order > z.presentEnd) order--;
      if (this.modern) this.splitLargeBuddy(z, p, order, true);
      else this.freeOne2611(z, p, order, true);
      p += 2 ** order;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Small helpers: indices, pageblocks, accounting

  idx(pfn: number): number {
    return pfn - this.base;
  }

  /** The pfn buddy math is relative to: zone start in 2.6.11 (page - zone_mem_map), basePfn in
   *  6.18 (equivalent to the raw pfn since basePfn is aligned to the largest block). */
  private origin(z: RefZone): number {
    return this.modern ? this.base : z.start;
  }

  /** __find_buddy_pfn: pfn ^ (1 << order), relative to the origin. */
  private buddyPfn(z: RefZone, pfn: number, order: number): number {
    const o = this.origin(z);
    return o + ((pfn - o) ^ (1 << order));
  }

  /** page_is_buddy: the buddy is a free head of exactly this order in the same zone as page. */
  private isBuddy(pagePfn: number, buddyPfn: number, order: number): boolean {
    const bi = this.idx(buddyPfn);
    const pi = this.idx(pagePfn);
    if (bi < 0 || bi >= this.nrPages || pi < 0 || pi >= this.nrPages) return false;
    if (this.zoneOf[bi] < 0 || this.zoneOf[bi] !== this.zoneOf[pi]) return false;
    return this.state[bi] === PAGE_FREE && this.order[bi] === order;
  }

  private pageblockIndex(pfn: number): number {
    return this.idx(pfn) >> this.pbOrder;
  }

  /** pageblock_start_pfn. */
  private pageblockStart(pfn: number): number {
    return this.base + (this.pageblockIndex(pfn) << this.pbOrder);
  }

  /** get_pfnblock_migratetype. */
  pageblockType(pfn: number): number {
    return this.pageblocks[this.pageblockIndex(pfn)];
  }

  /** set_pageblock_migratetype: PCP types become UNMOVABLE when grouping by mobility is off. */
  setPageblockType(pfn: number, mt: number): void {
    if (this.machine.mobilityDisabled && mt < MIGRATE_PCPTYPES) mt = MigrateType.Unmovable;
    this.pageblocks[this.pageblockIndex(pfn)] = mt;
  }

  /** change_pageblock_range: retag the 2^(startOrder - pageblock_order) pageblocks from pfn. */
  private changePageblockRange(pfn: number, startOrder: number, mt: number): void {
    const n = 2 ** (startOrder - this.pbOrder);
    for (let k = 0; k < n; k++) this.setPageblockType(pfn + k * this.pbPages, mt);
  }

  /** account_freepages (6.18); in 2.6.11 only list 0 exists, so it is zone->free_pages += nr. */
  accountFreepages(z: RefZone, nr: number, mt: number): void {
    if (mt === MigrateType.Isolate) return;
    z.freePages += nr;
    if (mt === MigrateType.CMA) z.freeCmaPages += nr;
    else if (mt === MigrateType.HighAtomic) z.nrFreeHighatomic += nr;
  }

  zoneOfSlot(slot: number): RefZone {
    const z = this.zoneBySlot.get(slot);
    if (!z) throw new OomlabError("OOMLAB_BAD_ARGUMENT", `no zone in slot ${slot}`);
    return z;
  }

  // ---------------------------------------------------------------------------------------------
  // Free lists

  listHead(z: RefZone, order: number, mt: number): number {
    const i = z.head[order * NR_MIGRATETYPES + mt];
    return i < 0 ? -1 : this.base + i;
  }

  listEmpty(z: RefZone, order: number, mt: number): boolean {
    return z.head[order * NR_MIGRATETYPES + mt] < 0;
  }

  /** list_add / list_add_tail of a page that is on no list. */
  private listInsert(z: RefZone, i: number, list: number, tail: boolean): void {
    this.listOf[i] = list;
    if (z.head[list] < 0) {
      this.prev[i] = -1;
      this.next[i] = -1;
      z.head[list] = i;
      z.tail[list] = i;
    } else if (tail) {
      const t = z.tail[list];
      this.next[t] = i;
      this.prev[i] = t;
      this.next[i] = -1;
      z.tail[list] = i;
    } else {
      const h = z.head[list];
      this.prev[h] = i;
      this.next[i] = h;
      this.prev[i] = -1;
      z.head[list] = i;
    }
  }

  /** list_del from whatever list the page is on. */
  private listUnlink(z: RefZone, i: number): void {
    const list = this.listOf[i];
    const p = this.prev[i];
    const n = this.next[i];
    if (p < 0) z.head[list] = n;
    else this.next[p] = n;
    if (n < 0) z.tail[list] = p;
    else this.prev[n] = p;
    this.listOf[i] = -1;
    this.prev[i] = -1;
    this.next[i] = -1;
  }

  /** __add_to_free_list + set_buddy_order. */
  addToFreeList(z: RefZone, pfn: number, order: number, mt: number, tail: boolean): void {
    const i = this.idx(pfn);
    this.state[i] = PAGE_FREE;
    this.order[i] = order;
    this.listInsert(z, i, order * NR_MIGRATETYPES + mt, tail);
    z.nrFree[order]++;
  }

  /** __del_page_from_free_list (no free-page accounting): off its list, buddy flag cleared. */
  delFromFreeList(z: RefZone, pfn: number, order: number): void {
    const i = this.idx(pfn);
    this.listUnlink(z, i);
    this.state[i] = PAGE_NONE;
    this.order[i] = 0;
    z.nrFree[order]--;
  }

  /** move_to_free_list: list_move_tail to the new type's list, accounted old -> new. */
  private moveToFreeList(z: RefZone, pfn: number, order: number, oldMt: number, newMt: number): void {
    const i = this.idx(pfn);
    this.listUnlink(z, i);
    this.listInsert(z, i, order * NR_MIGRATETYPES + newMt, true);
    this.accountFreepages(z, -(2 ** order), oldMt);
    this.accountFreepages(z, 2 ** order, newMt);
  }

  // ---------------------------------------------------------------------------------------------
  // Freeing

  /** __free_pages_bulk (2.6.11): merge while order < MAX_ORDER-1, insert at the head (at the tail
   *  for the initial population, an oomlab choice). */
  private freeOne2611(z: RefZone, pfn: number, order: number, tail: boolean): void {
    this.accountFreepages(z, 2 ** order, 0);
    while (order < this.maxOrder - 1) {
      const buddy = this.buddyPfn(z, pfn, order);
      if (!this.isBuddy(pfn, buddy, order)) break;
      this.delFromFreeList(z, buddy, order);
      pfn = Math.min(pfn, buddy);
      order++;
    }
    this.addToFreeList(z, pfn, order, 0, tail);
  }

  /** __free_one_page (6.18). */
  freeOne618(z: RefZone, pfn: number, order: number, mt: number, fpiToTail: boolean): void {
    this.accountFreepages(z, 2 ** order, mt);
    while (order < this.maxOrder - 1) {
      if (this.capture?.(pfn, order, mt)) {
        this.accountFreepages(z, -(2 ** order), mt);
        return;
      }
      const buddy = this.buddyPfn(z, pfn, order);
      if (!this.isBuddy(pfn, buddy, order)) break;
      let buddyMt = mt;
      if (order >= this.pbOrder) {
        buddyMt = this.pageblockType(buddy);
        if (mt !== buddyMt && (!isMergeable(mt) || !isMergeable(buddyMt))) break;
      }
      const listMt = this.listOf[this.idx(buddy)] % NR_MIGRATETYPES;
      this.delFromFreeList(z, buddy, order);
      if (listMt !== mt) {
        // a buddy on another type's list (6.1): its pages now count for mt
        this.accountFreepages(z, -(2 ** order), listMt);
        this.accountFreepages(z, 2 ** order, mt);
      }
      if (buddyMt !== mt && !this.v61) this.changePageblockRange(buddy, order, mt); // 6.1 retags nothing
      pfn = Math.min(pfn, buddy);
      order++;
    }
    const toTail = fpiToTail || this.buddyMergeLikely(z, pfn, order);
    this.addToFreeList(z, pfn, order, mt, toTail);
  }

  /** buddy_merge_likely (6.18): below the 2nd largest order, is the order+1 buddy of the block
   *  that would contain this one free? higher_page_pfn = buddy_pfn & pfn. */
  private buddyMergeLikely(z: RefZone, pfn: number, order: number): boolean {
    if (order >= this.maxOrder - 2) return false;
    const higher = Math.min(pfn, this.buddyPfn(z, pfn, order));
    const higherBuddy = this.buddyPfn(z, higher, order + 1);
    return this.isBuddy(higher, higherBuddy, order + 1);
  }

  /** split_large_buddy (6.18): free pageblock by pageblock above pageblock_order, each piece with
   *  its pageblock's migratetype. */
  splitLargeBuddy(z: RefZone, pfn: number, order: number, fpiToTail: boolean): void {
    const end = pfn + 2 ** order;
    const step = Math.min(order, this.pbOrder);
    for (let p = pfn; p < end; p += 2 ** step) {
      this.freeOne618(z, p, step, this.pageblockType(p), fpiToTail);
    }
  }

  /** Frees an allocated head (already validated). Returns its pages. */
  protected freeBlock(pfn: number): number {
    const i = this.idx(pfn);
    const z = this.zones[this.zoneOf[i]];
    const order = this.order[i];
    const owner = this.owner[i];
    this.state[i] = PAGE_NONE;
    this.order[i] = 0;
    this.allocMt[i] = 0;
    this.movable[i] = 0;
    this.owner[i] = 0;
    const pages = 2 ** order;
    this.ownerTotals.set(owner, (this.ownerTotals.get(owner) ?? 0) - pages);
    if (this.v61)
      this.freeOne618(z, pfn, order, this.pageblockType(pfn), false); // free_pages_ok (6.1)
    else if (this.modern) this.splitLargeBuddy(z, pfn, order, false);
    else this.freeOne2611(z, pfn, order, false);
    return pages;
  }

  // ---------------------------------------------------------------------------------------------
  // Allocation: removing from the free lists

  /** expand: split down to low, upper halves to the HEAD of mt's lists. Returns pages added. */
  private expand(z: RefZone, pfn: number, low: number, high: number, mt: number): number {
    let added = 0;
    while (high > low) {
      high--;
      const size = 2 ** high;
      this.addToFreeList(z, pfn + size, high, mt, false);
      added += size;
    }
    return added;
  }

  /** page_del_and_expand. */
  private pageDelAndExpand(z: RefZone, pfn: number, low: number, high: number, mt: number): void {
    this.delFromFreeList(z, pfn, high);
    const added = this.expand(z, pfn, low, high, mt);
    this.accountFreepages(z, -(2 ** high - added), mt);
  }

  /** __rmqueue_smallest: head of the smallest non-empty list of mt at or above order. */
  protected rmqueueSmallest(z: RefZone, order: number, mt: number): number {
    for (let cur = order; cur < this.maxOrder; cur++) {
      const pfn = this.listHead(z, cur, mt);
      if (pfn < 0) continue;
      this.pageDelAndExpand(z, pfn, order, cur, mt);
      return pfn;
    }
    return -1;
  }

  /** should_try_claim_block (6.18). */
  private shouldTryClaimBlock(order: number, startMt: number): boolean {
    if (order >= this.pbOrder) return true;
    if (order >= Math.floor(this.pbOrder / 2)) return true;
    if (startMt === MigrateType.Reclaimable || startMt === MigrateType.Unmovable) return true;
    return this.machine.mobilityDisabled;
  }

  /** find_suitable_fallback (6.18): -2 = too low to claim, -1 = nothing, else the fallback type.
   *  oomlab: types without a fallbacks[] row (3, 4, 5) have no fallbacks. */
  findSuitableFallback(z: RefZone, order: number, mt: number, claimable: boolean): number {
    if (claimable && !this.shouldTryClaimBlock(order, mt)) return -2;
    if (z.nrFree[order] === 0) return -1;
    const row = FALLBACKS[mt] ?? [];
    for (const fb of row) {
      if (!this.listEmpty(z, order, fb)) return fb;
    }
    return -1;
  }

  /** boost_watermark (6.18). Returns whether the boost was applied. */
  private boostWatermark(z: RefZone): boolean {
    const factor = this.machine.watermarkBoostFactor;
    if (factor === 0) return false;
    if (this.pbPages * 4 > z.cfg.managedPages) return false;
    const high = z.cfg.watermarks.high;
    // mult_frac(high, factor, 10000)
    let maxBoost = Math.floor(high / 10000) * factor + Math.floor(((high % 10000) * factor) / 10000);
    if (maxBoost === 0) return false;
    maxBoost = Math.max(this.pbPages, maxBoost);
    z.watermarkBoost = Math.min(z.watermarkBoost + this.pbPages, maxBoost);
    return true;
  }

  /** prep_move_freepages_block: the pageblock around pfn if the zone spans all of it, with its
   *  free pages and "movable" pages (pages of allocated blocks recorded MOVABLE). */
  prepMoveFreepagesBlock(z: RefZone, pfn: number): { start: number; free: number; movable: number } | null {
    const start = this.pageblockStart(pfn);
    const end = start + this.pbPages;
    if (start < z.start || start >= z.spanEnd) return null;
    if (end - 1 < z.start || end - 1 >= z.spanEnd) return null;
    let free = 0;
    let movable = 0;
    for (let p = start; p < end; ) {
      const i = this.idx(p);
      if (this.state[i] === PAGE_FREE) {
        free += 2 ** this.order[i];
        p += 2 ** this.order[i];
      } else if (this.state[i] === PAGE_ALLOCATED) {
        const n = Math.min(2 ** this.order[i], end - p);
        if (this.movable[i]) movable += n;
        p += n;
      } else {
        p++;
      }
    }
    return { start, free, movable };
  }

  /** __move_freepages_block: every free block of the pageblock to new_mt's lists (tail). */
  moveFreepagesBlock(z: RefZone, start: number, oldMt: number, newMt: number): number {
    const end = start + this.pbPages;
    let moved = 0;
    for (let p = start; p < end; ) {
      const i = this.idx(p);
      if (this.state[i] !== PAGE_FREE) {
        p++;
        continue;
      }
      const order = this.order[i];
      this.moveToFreeList(z, p, order, oldMt, newMt);
      p += 2 ** order;
      moved += 2 ** order;
    }
    return moved;
  }

  /** try_to_claim_block (6.18). */
  private tryToClaimBlock(
    z: RefZone,
    pfn: number,
    cur: number,
    order: number,
    startMt: number,
    blockMt: number,
  ): number {
    if (cur >= this.pbOrder) {
      // del_page_from_free_list + change_pageblock_range + expand onto start type
      this.delFromFreeList(z, pfn, cur);
      this.accountFreepages(z, -(2 ** cur), blockMt);
      this.changePageblockRange(pfn, cur, startMt);
      const added = this.expand(z, pfn, order, cur, startMt);
      this.accountFreepages(z, added, startMt);
      return pfn;
    }
    if (this.boostWatermark(z)) z.boostEvents++;
    const prep = this.prepMoveFreepagesBlock(z, pfn);
    if (!prep) return -1;
    let alike = 0;
    if (startMt === MigrateType.Movable) alike = prep.movable;
    else if (blockMt === MigrateType.Movable) alike = this.pbPages - (prep.free + prep.movable);
    if (prep.free + alike >= 2 ** (this.pbOrder - 1) || this.machine.mobilityDisabled) {
      this.moveFreepagesBlock(z, prep.start, blockMt, startMt);
      this.setPageblockType(prep.start, startMt);
      return this.rmqueueSmallest(z, order, startMt);
    }
    return -1;
  }

  /** __rmqueue_claim (6.18): largest fallback block first, claiming whole pageblocks. */
  protected rmqueueClaim(z: RefZone, order: number, startMt: number, flags: number): number {
    let minOrder = order;
    if (order < this.pbOrder && flags & AllocFlags.NOFRAGMENT) minOrder = this.pbOrder;
    for (let cur = this.maxOrder - 1; cur >= minOrder; cur--) {
      const fb = this.findSuitableFallback(z, cur, startMt, true);
      if (fb === -1) continue;
      if (fb === -2) break;
      const pfn = this.listHead(z, cur, fb);
      const page = this.tryToClaimBlock(z, pfn, cur, order, startMt, fb);
      if (page >= 0) return page;
    }
    return -1;
  }

  /** __rmqueue_steal (6.18): smallest fallback block, remainder stays on the fallback's lists. */
  protected rmqueueSteal(z: RefZone, order: number, startMt: number): number {
    for (let cur = order; cur < this.maxOrder; cur++) {
      const fb = this.findSuitableFallback(z, cur, startMt, false);
      if (fb === -1) continue;
      const pfn = this.listHead(z, cur, fb);
      this.pageDelAndExpand(z, pfn, order, cur, fb);
      return pfn;
    }
    return -1;
  }

  /** __rmqueue (6.18) in RMQUEUE_NORMAL mode. */
  protected rmqueue618(z: RefZone, order: number, mt: number, flags: number): number {
    let page = -1;
    if (flags & AllocFlags.CMA && z.freeCmaPages > Math.floor(z.freePages / 2)) {
      page = this.rmqueueSmallest(z, order, MigrateType.CMA);
      if (page >= 0) return page;
    }
    page = this.rmqueueSmallest(z, order, mt);
    if (page >= 0) return page;
    if (flags & AllocFlags.CMA) {
      page = this.rmqueueSmallest(z, order, MigrateType.CMA);
      if (page >= 0) return page;
    }
    page = this.rmqueueClaim(z, order, mt, flags);
    if (page >= 0) return page;
    if (!(flags & AllocFlags.NOFRAGMENT)) page = this.rmqueueSteal(z, order, mt);
    return page;
  }

  // ---------------------------------------------------------------------------------------------
  // Linux 6.1's fallback (mm/page_alloc.c 6.1.141)

  /** move_freepages_block (6.1): from the pageblock's start (or pfn, when the zone starts inside the
   *  pageblock) to its end, every free block to newMt's lists; nothing when the zone ends inside it.
   *  Counts the pages of allocated movable blocks on the way. */
  private moveFreepagesBlock61(z: RefZone, pfn: number, newMt: number): { moved: number; movable: number } {
    let start = this.pageblockStart(pfn);
    const end = start + this.pbPages - 1;
    if (start < z.start || start >= z.spanEnd) start = pfn;
    if (end < z.start || end >= z.spanEnd) return { moved: 0, movable: 0 };
    let moved = 0;
    let movable = 0;
    for (let p = start; p <= end; ) {
      const i = this.idx(p);
      if (this.state[i] === PAGE_FREE) {
        const order = this.order[i];
        this.moveToFreeList(z, p, order, this.listOf[i] % NR_MIGRATETYPES, newMt);
        p += 2 ** order;
        moved += 2 ** order;
      } else {
        // a page of an allocated block on an LRU counts (PageLRU of a tail is its head's)
        if (this.state[i] === PAGE_ALLOCATED && this.movable[i]) {
          const n = Math.min(2 ** this.order[i], end + 1 - p);
          movable += n;
          p += n;
        } else if (this.state[i] === PAGE_ALLOCATED) p += 2 ** this.order[i];
        else p++;
      }
    }
    return { moved, movable };
  }

  /** steal_suitable_fallback (6.1). */
  private stealSuitableFallback61(
    z: RefZone,
    pfn: number,
    cur: number,
    listMt: number,
    startMt: number,
    whole: boolean,
  ) {
    const oldMt = this.pageblockType(pfn);
    if (oldMt !== MigrateType.HighAtomic) {
      if (cur >= this.pbOrder) {
        this.changePageblockRange(pfn, cur, startMt);
      } else {
        if (this.boostWatermark(z)) z.boostEvents++;
        if (whole) {
          const { moved, movable } = this.moveFreepagesBlock61(z, pfn, startMt);
          let alike = 0;
          if (startMt === MigrateType.Movable) alike = movable;
          else if (oldMt === MigrateType.Movable) alike = this.pbPages - (moved + movable);
          if (moved > 0) {
            if (moved + alike >= this.pbPages / 2 || this.machine.mobilityDisabled) this.setPageblockType(pfn, startMt);
            return;
          }
        }
      }
    }
    this.moveToFreeList(z, pfn, cur, listMt, startMt);
  }

  /** __rmqueue_fallback (6.1): largest fallback block, or for a movable request that cannot steal
   *  the whole pageblock the smallest one; true when a block went to startMt's lists. */
  private rmqueueFallback61(z: RefZone, order: number, startMt: number, flags: number): boolean {
    let minOrder = order;
    if (order < this.pbOrder && flags & AllocFlags.NOFRAGMENT) minOrder = this.pbOrder;
    for (let cur = this.maxOrder - 1; cur >= minOrder; cur--) {
      let fb = this.findSuitableFallback(z, cur, startMt, false);
      if (fb === -1) continue;
      let canSteal = this.shouldTryClaimBlock(cur, startMt); // can_steal_fallback
      if (!canSteal && startMt === MigrateType.Movable && cur > order) {
        for (cur = order; cur < this.maxOrder; cur++) {
          fb = this.findSuitableFallback(z, cur, startMt, false);
          if (fb !== -1) break;
        }
        canSteal = this.shouldTryClaimBlock(cur, startMt);
      }
      this.stealSuitableFallback61(z, this.listHead(z, cur, fb), cur, fb, startMt, canSteal);
      return true;
    }
    return false;
  }

  /** __rmqueue (6.1): CMA when over half the free pages are CMA, the request's lists, CMA, then a
   *  fallback and the request's lists again. */
  protected rmqueue61(z: RefZone, order: number, mt: number, flags: number): number {
    if (flags & AllocFlags.CMA && z.freeCmaPages > Math.floor(z.freePages / 2)) {
      const page = this.rmqueueSmallest(z, order, MigrateType.CMA);
      if (page >= 0) return page;
    }
    for (;;) {
      let page = this.rmqueueSmallest(z, order, mt);
      if (page >= 0) return page;
      if (flags & AllocFlags.CMA) {
        page = this.rmqueueSmallest(z, order, MigrateType.CMA);
        if (page >= 0) return page;
      }
      if (!this.rmqueueFallback61(z, order, mt, flags)) return -1;
    }
  }

  /** rmqueue_buddy (6.18) / __rmqueue (2.6.11). */
  protected rmqueue(z: RefZone, order: number, mt: number, flags: number): number {
    if (!this.modern) return this.rmqueueSmallest(z, order, 0);
    let page = -1;
    if (flags & AllocFlags.HIGHATOMIC) page = this.rmqueueSmallest(z, order, MigrateType.HighAtomic);
    if (page < 0) {
      page = this.v61 ? this.rmqueue61(z, order, mt, flags) : this.rmqueue618(z, order, mt, flags);
      if (page < 0 && flags & (AllocFlags.OOM | AllocFlags.NON_BLOCK)) {
        page = this.rmqueueSmallest(z, order, MigrateType.HighAtomic);
      }
    }
    return page;
  }

  /** reserve_highatomic_pageblock (6.18). */
  private reserveHighatomicPageblock(z: RefZone, pfn: number, order: number): void {
    if (this.v61) {
      // reserve_highatomic_pageblock (6.1): 1% + a pageblock; one pageblock, whatever the order
      if (z.nrReservedHighatomic >= Math.floor(z.cfg.managedPages / 100) + this.pbPages) return;
      if (!isMergeable(this.pageblockType(pfn))) return;
      z.nrReservedHighatomic += this.pbPages;
      this.setPageblockType(pfn, MigrateType.HighAtomic);
      this.moveFreepagesBlock61(z, pfn, MigrateType.HighAtomic);
      return;
    }
    const onePercent = Math.floor(z.cfg.managedPages / 100);
    if (onePercent < this.pbPages) return;
    const max = Math.ceil(onePercent / this.pbPages) * this.pbPages;
    if (z.nrReservedHighatomic >= max) return;
    const mt = this.pageblockType(pfn);
    if (!isMergeable(mt)) return;
    if (order < this.pbOrder) {
      // move_freepages_block
      const prep = this.prepMoveFreepagesBlock(z, pfn);
      if (!prep) return;
      this.moveFreepagesBlock(z, prep.start, mt, MigrateType.HighAtomic);
      this.setPageblockType(prep.start, MigrateType.HighAtomic);
      z.nrReservedHighatomic += this.pbPages;
    } else {
      this.changePageblockRange(pfn, order, MigrateType.HighAtomic);
      z.nrReservedHighatomic += 2 ** order;
    }
  }

  /** unreserve_highatomic_pageblock (6.18) for one zone slot: the first free HIGHATOMIC block by
   *  order gives its pageblock (or its range, at pageblock order and above) back to mt; the reserve
   *  shrinks by max(pageblock, block); unless force one pageblock stays reserved. Returns the pages
   *  moved (0: none). */
  unreserveHighatomic(slot: number, mt: number, force: boolean): number {
    const z = this.zoneOfSlot(slot);
    if (!force && z.nrReservedHighatomic <= this.pbPages) return 0;
    for (let order = 0; order < this.maxOrder; order++) {
      const pfn = this.listHead(z, order, MigrateType.HighAtomic);
      if (pfn < 0) continue;
      if (this.v61) {
        // unreserve_highatomic_pageblock (6.1)
        if (this.pageblockType(pfn) === MigrateType.HighAtomic) {
          z.nrReservedHighatomic -= Math.min(this.pbPages, z.nrReservedHighatomic);
        }
        this.setPageblockType(pfn, mt);
        const moved = this.moveFreepagesBlock61(z, pfn, mt).moved;
        if (moved > 0) return moved;
        continue;
      }
      const size = Math.min(Math.max(this.pbPages, 2 ** order), z.nrReservedHighatomic);
      z.nrReservedHighatomic -= size;
      if (order < this.pbOrder) {
        const prep = this.prepMoveFreepagesBlock(z, pfn);
        if (!prep) continue;
        const moved = this.moveFreepagesBlock(z, prep.start, MigrateType.HighAtomic, mt);
        this.setPageblockType(prep.start, mt);
        if (moved > 0) return moved;
      } else {
        this.moveToFreeList(z, pfn, order, MigrateType.HighAtomic, mt);
        this.changePageblockRange(pfn, order, mt);
        return 2 ** order;
      }
    }
    return 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Watermarks

  /** zone_watermark_ok (2.6.11). */
  private zoneWatermarkOk2611(
    z: RefZone,
    order: number,
    mark: number,
    classzoneIdx: number,
    canTryHarder: boolean,
    gfpHigh: boolean,
  ): boolean {
    let min = mark;
    let free = z.freePages - 2 ** order + 1;
    if (gfpHigh) min -= cdiv(min, 2);
    if (canTryHarder) min -= cdiv(min, 4);
    if (free <= min + z.cfg.lowmemReserve[classzoneIdx]) return false;
    for (let o = 0; o < order; o++) {
      free -= z.nrFree[o] * 2 ** o;
      min = Math.floor(min / 2);
      if (free <= min) return false;
    }
    return true;
  }

  /** __zone_watermark_unusable_free (6.18). */
  private unusableFree(z: RefZone, order: number, flags: number): number {
    let unusable = 2 ** order - 1;
    // 6.1 counts the whole reserve, nr_reserved_highatomic; 6.18 its free pages
    if (!(flags & ALLOC_RESERVES)) unusable += this.v61 ? z.nrReservedHighatomic : z.nrFreeHighatomic;
    if (!(flags & AllocFlags.CMA)) unusable += z.freeCmaPages;
    return unusable;
  }

  /** __zone_watermark_ok (6.18). */
  zoneWatermarkOk618(
    z: RefZone,
    order: number,
    mark: number,
    highestZoneidx: number,
    flags: number,
    freePages: number,
  ): boolean {
    let min = mark;
    const free = freePages - this.unusableFree(z, order, flags);
    if (flags & ALLOC_RESERVES) {
      if (flags & AllocFlags.MIN_RESERVE) {
        min -= cdiv(min, 2);
        if (flags & AllocFlags.NON_BLOCK) min -= cdiv(min, 4);
      }
      if (flags & AllocFlags.OOM) min -= cdiv(min, 2);
    }
    if (free <= min + z.cfg.lowmemReserve[highestZoneidx]) return false;
    if (order === 0) return true;
    for (let o = order; o < this.maxOrder; o++) {
      if (z.nrFree[o] === 0) continue;
      for (let mt = 0; mt < MIGRATE_PCPTYPES; mt++) {
        if (!this.listEmpty(z, o, mt)) return true;
      }
      if (flags & AllocFlags.CMA && !this.listEmpty(z, o, MigrateType.CMA)) return true;
      if (flags & (AllocFlags.HIGHATOMIC | AllocFlags.OOM) && !this.listEmpty(z, o, MigrateType.HighAtomic))
        return true;
    }
    return false;
  }

  /** zone_watermark_fast (6.18). */
  protected zoneWatermarkFast(z: RefZone, order: number, mark: number, highestZoneidx: number, flags: number): boolean {
    const free = z.freePages;
    if (order === 0) {
      const reserved = this.unusableFree(z, 0, flags);
      const usable = free - Math.min(free, reserved);
      if (usable > mark + z.cfg.lowmemReserve[highestZoneidx]) return true;
    }
    if (this.zoneWatermarkOk618(z, order, mark, highestZoneidx, flags, free)) return true;
    // 6.18: __GFP_HIGH (ALLOC_MIN_RESERVE); 6.1: __GFP_ATOMIC, taken as GFP_ATOMIC's two flags
    const atomic = this.v61 ? AllocFlags.MIN_RESERVE | AllocFlags.NON_BLOCK : AllocFlags.MIN_RESERVE;
    if (
      order === 0 &&
      (flags & atomic) === atomic &&
      z.watermarkBoost !== 0 &&
      (flags & ALLOC_WMARK_MASK) === AllocFlags.WMARK_MIN
    ) {
      return this.zoneWatermarkOk618(z, order, z.cfg.watermarks.min, highestZoneidx, flags, free);
    }
    return false;
  }

  /** wmark_pages(z, flags & ALLOC_WMARK_MASK): _watermark[i] + watermark_boost. */
  protected wmarkPages(z: RefZone, flags: number): number {
    const w = z.cfg.watermarks;
    const i = flags & ALLOC_WMARK_MASK;
    const mark = i === 0 ? w.min : i === 1 ? w.low : i === 2 ? w.high : w.promo;
    return mark + z.watermarkBoost;
  }

  /** The per-zone watermark test of get_page_from_freelist. */
  protected zoneAllows(z: RefZone, order: number, flags: number, classzoneIdx: number): boolean {
    const mark = this.wmarkPages(z, flags);
    if (this.modern) return this.zoneWatermarkFast(z, order, mark, classzoneIdx, flags);
    return this.zoneWatermarkOk2611(
      z,
      order,
      mark,
      classzoneIdx,
      (flags & AllocFlags.NON_BLOCK) !== 0,
      (flags & AllocFlags.MIN_RESERVE) !== 0,
    );
  }

  // ---------------------------------------------------------------------------------------------
  // BuddyEngine

  private zonelist(node: number, highestZoneIdx: number): Zonelist {
    const key = node * 8 + highestZoneIdx;
    let zl = this.zonelists.get(key);
    if (!zl) {
      zl = buildZonelist(this.machine, node, highestZoneIdx);
      this.zonelists.set(key, zl);
    }
    return zl;
  }

  /** get_page_from_freelist. */
  alloc(req: AllocRequest): number {
    const order = req.order;
    if (!Number.isInteger(order) || order < 0 || order >= this.maxOrder) {
      throw new OomlabError("OOMLAB_BAD_ORDER", `order ${String(order)} is not between 0 and ${this.maxOrder - 1}`);
    }
    let mt: number = req.migratetype ?? MigrateType.Unmovable;
    if (!Number.isInteger(mt) || mt < 0 || mt >= MIGRATE_PCPTYPES) {
      throw new OomlabError(
        "OOMLAB_BAD_ARGUMENT",
        `migratetype ${String(mt)} is not between 0 and ${MIGRATE_PCPTYPES - 1}`,
      );
    }
    // gfp_migratetype(): with grouping by mobility disabled every request is UNMOVABLE
    if (this.modern && this.machine.mobilityDisabled) mt = MigrateType.Unmovable;
    let zl: Zonelist;
    if (req.zoneSlot !== undefined) {
      const z = this.zoneOfSlot(req.zoneSlot);
      zl = { classzoneIdx: z.cfg.zoneIdx, slots: [z.cfg.slot] };
    } else zl = this.zonelist(req.node ?? 0, ZONE_TYPES.indexOf(req.highestZone ?? "Normal"));
    let flags = req.allocFlags ?? 0;
    const owner = req.owner ?? 0;
    const listMt = this.modern ? mt : 0;
    for (;;) {
      const noFallback = this.modern && (flags & AllocFlags.NOFRAGMENT) !== 0;
      const pfn = this.tryZones(zl, order, listMt, flags, noFallback);
      if (pfn === -2 || (pfn === -1 && noFallback)) {
        // the zonelist reached a remote node, or nothing fit: retry without ALLOC_NOFRAGMENT
        flags &= ~AllocFlags.NOFRAGMENT;
        continue;
      }
      if (pfn < 0) return -1;
      this.recordAllocated(pfn, order, mt, owner);
      if (this.modern && order > 0 && flags & AllocFlags.HIGHATOMIC) {
        this.reserveHighatomicPageblock(this.zones[this.zoneOf[this.idx(pfn)]], pfn, order);
      }
      return pfn;
    }
  }

  /** One pass of the zonelist. Returns the pfn, -1 when no zone served, -2 when ALLOC_NOFRAGMENT
   *  met a zone of another node. */
  protected tryZones(zl: Zonelist, order: number, mt: number, flags: number, noFallback: boolean): number {
    if (zl.slots.length === 0) return -1;
    const firstNode = this.zoneOfSlot(zl.slots[0]).cfg.node;
    for (let k = 0; k < zl.slots.length; k++) {
      const z = this.zoneOfSlot(zl.slots[k]);
      if (noFallback && k > 0 && z.cfg.node !== firstNode) return -2;
      if (!(flags & AllocFlags.NO_WATERMARKS) && !this.zoneAllows(z, order, flags, zl.classzoneIdx)) continue;
      const pfn = this.rmqueue(z, order, mt, flags);
      if (pfn >= 0) return pfn;
    }
    return -1;
  }

  recordAllocated(pfn: number, order: number, mt: number, owner: number): void {
    const i = this.idx(pfn);
    this.state[i] = PAGE_ALLOCATED;
    this.order[i] = order;
    this.allocMt[i] = mt;
    this.movable[i] = mt === MigrateType.Movable ? 1 : 0;
    this.owner[i] = owner;
    this.ownerTotals.set(owner, (this.ownerTotals.get(owner) ?? 0) + 2 ** order);
  }

  free(pfn: number): void {
    const i = Number.isInteger(pfn) ? this.idx(pfn) : -1;
    if (i < 0 || i >= this.nrPages || this.zoneOf[i] < 0) {
      throw new OomlabError("OOMLAB_BAD_PFN", `pfn ${String(pfn)} is outside every zone`);
    }
    if (this.state[i] === PAGE_FREE) throw new OomlabError("OOMLAB_DOUBLE_FREE", `pfn ${pfn} is already free`);
    if (this.state[i] !== PAGE_ALLOCATED) {
      throw new OomlabError("OOMLAB_NOT_BLOCK_HEAD", `pfn ${pfn} is not the head of an allocated block`);
    }
    this.freeBlock(pfn);
  }

  /** Marks an allocated head movable or not (Machine.setMovable). */
  setMovable(pfn: number, movable: boolean): void {
    const i = Number.isInteger(pfn) ? this.idx(pfn) : -1;
    if (i < 0 || i >= this.nrPages || this.state[i] !== PAGE_ALLOCATED) {
      throw new OomlabError("OOMLAB_NOT_BLOCK_HEAD", `pfn ${pfn} is not the head of an allocated block`);
    }
    this.movable[i] = movable ? 1 : 0;
  }

  isMovable(pfn: number): boolean {
    const i = this.idx(pfn);
    return i >= 0 && i < this.nrPages && this.state[i] === PAGE_ALLOCATED && this.movable[i] === 1;
  }

  /** Whether pfn is the head of a free block (PageBuddy) / of an allocated block. */
  isFreeHead(pfn: number): boolean {
    return this.state[this.idx(pfn)] === PAGE_FREE;
  }
  isAllocatedHead(pfn: number): boolean {
    return this.state[this.idx(pfn)] === PAGE_ALLOCATED;
  }

  /** Clears a page's head state (it becomes a tail of nothing) before it is freed or reused. */
  clearHead(pfn: number): void {
    const i = this.idx(pfn);
    this.state[i] = PAGE_NONE;
    this.order[i] = 0;
    this.allocMt[i] = 0;
    this.movable[i] = 0;
    this.owner[i] = 0;
  }

  pageblockSkip(pfn: number): boolean {
    return this.skip[this.pageblockIndex(pfn)] === 1;
  }

  setPageblockSkip(pfn: number, skip: boolean): void {
    this.skip[this.pageblockIndex(pfn)] = skip ? 1 : 0;
  }

  /** The zone record of a slot (reference/compaction.ts). */
  zoneRecord(slot: number): RefZone {
    return this.zoneOfSlot(slot);
  }

  freeOwner(owner: number): number {
    const heads: number[] = [];
    for (const z of this.zones) {
      for (let p = z.start; p < z.spanEnd; ) {
        const i = this.idx(p);
        if (this.state[i] === PAGE_NONE) {
          p++;
          continue;
        }
        if (this.state[i] === PAGE_ALLOCATED && this.owner[i] === owner) heads.push(p);
        p += 2 ** this.order[i];
      }
    }
    let pages = 0;
    for (const pfn of heads) pages += this.freeBlock(pfn);
    return pages;
  }

  ownerPages(owner: number): number {
    return this.ownerTotals.get(owner) ?? 0;
  }

  watermarkOk2611(
    slot: number,
    order: number,
    mark: number,
    classzoneIdx: number,
    canTryHarder: boolean,
    gfpHigh: boolean,
  ): boolean {
    return this.zoneWatermarkOk2611(this.zoneOfSlot(slot), order, mark, classzoneIdx, canTryHarder, gfpHigh);
  }

  watermarkOk618(slot: number, order: number, mark: number, highestZoneidx: number, allocFlags: number): boolean {
    const z = this.zoneOfSlot(slot);
    return this.zoneWatermarkOk618(z, order, mark, highestZoneidx, allocFlags, z.freePages);
  }

  counters(slot: number): ZoneCounters {
    const z = this.zoneOfSlot(slot);
    return {
      freePages: z.freePages,
      freeCmaPages: z.freeCmaPages,
      nrReservedHighatomic: z.nrReservedHighatomic,
      nrFreeHighatomic: z.nrFreeHighatomic,
      watermarkBoost: z.watermarkBoost,
      nrFree: [...z.nrFree],
    };
  }

  snapshot(): MachineState {
    const zones = this.zones.map((z) => this.zoneState(z));
    const allocated: [number, number, number, number][] = [];
    const byPfn = [...this.zones].sort((a, b) => a.start - b.start);
    for (const z of byPfn) {
      for (let p = z.start; p < z.spanEnd; ) {
        const i = this.idx(p);
        if (this.state[i] === PAGE_NONE) {
          p++;
          continue;
        }
        if (this.state[i] === PAGE_ALLOCATED) allocated.push([p, this.order[i], this.allocMt[i], this.owner[i]]);
        p += 2 ** this.order[i];
      }
    }
    return { zones, pageblocks: Array.from(this.pageblocks), allocated };
  }

  private zoneState(z: RefZone): ZoneState {
    const lists: number[][][] = [];
    for (let order = 0; order < this.maxOrder; order++) {
      const perType: number[][] = [];
      for (let mt = 0; mt < NR_MIGRATETYPES; mt++) {
        const list: number[] = [];
        for (let i = z.head[order * NR_MIGRATETYPES + mt]; i >= 0; i = this.next[i]) list.push(this.base + i);
        perType.push(list);
      }
      lists.push(perType);
    }
    return {
      slot: z.cfg.slot,
      freePages: z.freePages,
      freeCmaPages: z.freeCmaPages,
      nrReservedHighatomic: z.nrReservedHighatomic,
      nrFreeHighatomic: z.nrFreeHighatomic,
      watermarkBoost: z.watermarkBoost,
      boostEvents: z.boostEvents,
      nrFree: [...z.nrFree],
      lists,
    };
  }
}
