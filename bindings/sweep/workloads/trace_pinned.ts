// The buddy state of a `pinned` trace replay: every allocation takes the trace's own pfns, so nothing is
// placed and no allocator decision is simulated; what is simulated is the free lists: splitting a free
// block to take a page out of it (mm/page_alloc.c take_page_off_buddy / break_down_buddy_pages, 6.18)
// and merging a freed block with its free buddy (__free_one_page). Free blocks are counted per zone,
// order and migratetype (the pageblock's: pageblocks keep the types they start with; claims and steals
// are not replayed). Plain typed arrays over the machine's pfn range; pure.

/** A zone of the model: its pfn range [start, end). */
export interface PinnedZone {
  start: number;
  end: number;
}

export class PinnedBuddy {
  /** Order of the free block whose head is this page, -1 for any other page. */
  readonly freeOrder: Int8Array;
  /** 1 for a page not on a free list (allocated, reserved or a hole). */
  readonly taken: Uint8Array;
  /** nrFree[zone][order * mtCount + mt]. */
  readonly nrFree: Int32Array[];
  /** Allocations that found a page of their range already allocated, frees of pages already free. */
  conflicts = 0;
  private readonly mtCount = 6;

  constructor(
    readonly base: number,
    readonly nrPages: number,
    readonly topOrder: number,
    readonly pageblockOrder: number,
    readonly zones: readonly PinnedZone[],
    /** Migratetype per pageblock (index (pfn - base) >> pageblockOrder). */
    readonly pageblockMt: Uint8Array,
  ) {
    this.freeOrder = new Int8Array(nrPages).fill(-1);
    this.taken = new Uint8Array(nrPages).fill(1);
    this.nrFree = zones.map(() => new Int32Array((topOrder + 1) * this.mtCount));
  }

  zoneOf(pfn: number): number {
    for (let z = 0; z < this.zones.length; z++) if (pfn >= this.zones[z].start && pfn < this.zones[z].end) return z;
    return -1;
  }

  private mtOf(pfn: number): number {
    return this.pageblockMt[(pfn - this.base) >> this.pageblockOrder];
  }

  private add(pfn: number, order: number): void {
    this.freeOrder[pfn - this.base] = order;
    this.nrFree[this.zoneOf(pfn)][order * this.mtCount + this.mtOf(pfn)]++;
  }

  private del(pfn: number, order: number): void {
    this.freeOrder[pfn - this.base] = -1;
    this.nrFree[this.zoneOf(pfn)][order * this.mtCount + this.mtOf(pfn)]--;
  }

  /** Puts a free block on the lists as it is (a layout: no merging). Its pages must be taken. */
  place(pfn: number, order: number): void {
    this.taken.fill(0, pfn - this.base, pfn - this.base + 2 ** order);
    this.add(pfn, order);
  }

  /** The head and order of the free block holding pfn, or null. */
  private freeBlockOf(pfn: number): [number, number] | null {
    if (this.taken[pfn - this.base]) return null;
    for (let j = 0; j <= this.topOrder; j++) {
      const h = pfn - (pfn % 2 ** j);
      if (h < this.base) break;
      const o = this.freeOrder[h - this.base];
      if (o >= j) return [h, o];
    }
    return null;
  }

  /** Takes [pfn, pfn + 2^order) off the free lists (the trace allocated it there); pages already taken
   *  count one conflict and stay taken. */
  take(pfn: number, order: number): void {
    const size = 2 ** order;
    const idx = pfn - this.base;
    if (idx < 0 || idx + size > this.nrPages) {
      this.conflicts++;
      return;
    }
    let conflict = false;
    for (let p = pfn; p < pfn + size; ) {
      const b = this.freeBlockOf(p);
      if (!b) {
        conflict = true;
        p++;
        continue;
      }
      let [h, j] = b;
      this.del(h, j);
      // break_down_buddy_pages: keep the halves that do not hold the range
      while (j > 0 && (h < pfn || h + 2 ** j > pfn + size)) {
        j--;
        const half = 2 ** j;
        if (p >= h + half) {
          this.add(h, j);
          h += half;
        } else this.add(h + half, j);
      }
      this.taken.fill(1, h - this.base, h - this.base + 2 ** j);
      p = h + 2 ** j;
    }
    if (conflict) this.conflicts++;
  }

  /** Frees [pfn, pfn + 2^order) and merges it with free buddies (__free_one_page); pages already free
   *  count one conflict and the free is skipped. */
  free(pfn: number, order: number): void {
    const size = 2 ** order;
    const idx = pfn - this.base;
    if (idx < 0 || idx + size > this.nrPages || pfn % size !== 0) {
      this.conflicts++;
      return;
    }
    for (let i = idx; i < idx + size; i++)
      if (!this.taken[i]) {
        this.conflicts++;
        return;
      }
    const zone = this.zoneOf(pfn);
    if (zone < 0) {
      this.conflicts++;
      return;
    }
    this.taken.fill(0, idx, idx + size);
    let h = pfn;
    let k = order;
    while (k < this.topOrder) {
      const buddy = h ^ (2 ** k);
      const bi = buddy - this.base;
      if (bi < 0 || bi >= this.nrPages || this.freeOrder[bi] !== k || this.zoneOf(buddy) !== zone) break;
      this.del(buddy, k);
      h = Math.min(h, buddy);
      k++;
    }
    this.add(h, k);
  }

  /** Free blocks per order of a zone (all migratetypes), or of one migratetype. */
  counts(zone: number, mt?: number): number[] {
    const out = new Array<number>(this.topOrder + 1).fill(0);
    const a = this.nrFree[zone];
    for (let o = 0; o <= this.topOrder; o++)
      for (let t = 0; t < this.mtCount; t++) if (mt === undefined || t === mt) out[o] += a[o * this.mtCount + t];
    return out;
  }

  /** Every free block: [pfn, order]. */
  forEachFree(visit: (pfn: number, order: number) => void): void {
    for (let i = 0; i < this.nrPages; i++) if (this.freeOrder[i] >= 0) visit(i + this.base, this.freeOrder[i]);
  }
}
