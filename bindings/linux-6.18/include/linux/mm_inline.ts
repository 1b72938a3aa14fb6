// Every allocated block of the simulated 6.18 kernel, by pfn, and the per-node LRU lists
// (include/linux/mm_inline.h 6.18: lruvec_add_folio, lruvec_del_folio, folio_lru_list). This is the
// classic two-list LRU (active and inactive, anon and file), not MGLRU (CONFIG_LRU_GEN off, as
// lru_gen_enabled() false gives). A block is a folio: its head pfn carries kind, flags, order and
// owner; the LRU links the heads. Typed arrays indexed by engine page index, so that a 2^20-page
// machine's bookkeeping is 16 MiB (16 bytes a page) and compaction can move a block with migrateFolio. Pure data.

/** What a block is: its user. LRU kinds are anon and file; the rest are kernel memory. */
export const FolioKind = {
  None: 0,
  Anon: 1,
  File: 2,
  SlabReclaimable: 3,
  SlabUnreclaimable: 4,
  KernelStack: 5,
  PageTable: 6,
  Kernel: 7,
} as const;
export type FolioKind = (typeof FolioKind)[keyof typeof FolioKind];
export const FOLIO_KIND_NAMES = [
  "none",
  "anon",
  "file",
  "slab_reclaimable",
  "slab_unreclaimable",
  "kernel_stack",
  "pagetable",
  "kernel",
] as const;

/** Folio flags (PG_*) the model tests. */
export const PG = {
  lru: 0x01,
  active: 0x02,
  referenced: 0x04,
  dirty: 0x08,
  writeback: 0x10,
  mapped: 0x20,
  /** PG_reclaim: reclaim met it dirty or under writeback; rotated to the tail when written. */
  reclaim: 0x40,
  /** A pte mapping it is young (accessed since folio_referenced last looked; cleared by it). */
  young: 0x80,
} as const;

/** enum lru_list (include/linux/mmzone.h 6.18): LRU_INACTIVE_ANON, LRU_ACTIVE_ANON, LRU_INACTIVE_FILE,
 *  LRU_ACTIVE_FILE (LRU_UNEVICTABLE is not modelled). */
export const LRU = { INACTIVE_ANON: 0, ACTIVE_ANON: 1, INACTIVE_FILE: 2, ACTIVE_FILE: 3 } as const;
export const NR_LRU_LISTS = 4;
export const LRU_NAMES = ["inactive_anon", "active_anon", "inactive_file", "active_file"] as const;
const NIL = -1;

/** folio_lru_list: the list a folio of this kind and flags belongs on. */
export const folioLruList = (kind: number, flags: number): number =>
  (kind === FolioKind.File ? LRU.INACTIVE_FILE : LRU.INACTIVE_ANON) + (flags & PG.active ? 1 : 0);

export class Folios {
  readonly kind: Uint8Array;
  readonly flags: Uint8Array;
  readonly order: Uint8Array;
  /** The owner word (a pid, or an OWNER id), as the engine holds it. */
  readonly owner: Uint32Array;
  /** LRU links (engine page indices of heads), NIL at the ends. */
  readonly next: Int32Array;
  readonly prev: Int32Array;
  /** Zone slot of each page (fixed at boot). */
  readonly zoneOf: Uint8Array;
  /** Per node and list: head (most recently added) and tail (reclaim takes from it). */
  private readonly head: Int32Array;
  private readonly tail: Int32Array;
  /** Pages per node and list, and per zone slot and list (NR_ZONE_* / NR_* LRU counters). */
  readonly nodeLru: Float64Array;
  readonly zoneLru: Float64Array;
  /** Pages per zone slot and kind (node_stat NR_FILE_PAGES, NR_SLAB_*, NR_KERNEL_STACK ...). */
  readonly zoneKind: Float64Array;

  constructor(
    readonly nrPages: number,
    readonly basePfn: number,
    readonly nrNodes: number,
    zoneRanges: readonly { slot: number; node: number; start: number; end: number }[],
    private readonly nodeOfSlot: (slot: number) => number,
  ) {
    this.kind = new Uint8Array(nrPages);
    this.flags = new Uint8Array(nrPages);
    this.order = new Uint8Array(nrPages);
    this.owner = new Uint32Array(nrPages);
    this.next = new Int32Array(nrPages).fill(NIL);
    this.prev = new Int32Array(nrPages).fill(NIL);
    this.zoneOf = new Uint8Array(nrPages);
    for (const z of zoneRanges) this.zoneOf.fill(z.slot, z.start - basePfn, z.end - basePfn);
    this.head = new Int32Array(nrNodes * NR_LRU_LISTS).fill(NIL);
    this.tail = new Int32Array(nrNodes * NR_LRU_LISTS).fill(NIL);
    this.nodeLru = new Float64Array(nrNodes * NR_LRU_LISTS);
    this.zoneLru = new Float64Array(64 * NR_LRU_LISTS);
    this.zoneKind = new Float64Array(64 * FOLIO_KIND_NAMES.length);
  }

  idx(pfn: number): number {
    return pfn - this.basePfn;
  }
  nodeOf(i: number): number {
    return this.nodeOfSlot(this.zoneOf[i]);
  }

  /** A block was allocated: record it (not on an LRU yet). */
  set(i: number, kind: number, order: number, owner: number, flags = 0): void {
    this.kind[i] = kind;
    this.order[i] = order;
    this.owner[i] = owner;
    this.flags[i] = flags & ~PG.lru;
    this.zoneKind[this.zoneOf[i] * FOLIO_KIND_NAMES.length + kind] += 2 ** order;
  }

  /** A block is freed: forget it (call lruDel first when it is on an LRU). */
  clear(i: number): void {
    this.zoneKind[this.zoneOf[i] * FOLIO_KIND_NAMES.length + this.kind[i]] -= 2 ** this.order[i];
    this.kind[i] = FolioKind.None;
    this.flags[i] = 0;
    this.order[i] = 0;
    this.owner[i] = 0;
  }

  /** The head indices of the blocks an owner holds, ascending (the same blocks Machine.ownerBlocks
   *  finds in the engine: every block of the kernel model is recorded here when allocated). */
  headsOwnedBy(owner: number): number[] {
    const out: number[] = [];
    const o = this.owner;
    for (let i = o.indexOf(owner); i >= 0; i = o.indexOf(owner, i + 1)) out.push(i);
    return out;
  }

  listOf(i: number): number {
    return folioLruList(this.kind[i], this.flags[i]);
  }

  /** lruvec_add_folio: at the head of its list (lru_add). */
  lruAdd(i: number): void {
    this.link(i, this.listOf(i), true);
  }
  /** lruvec_add_folio_tail (folio_rotate_reclaimable, a skipped folio put back). */
  lruAddTail(i: number): void {
    this.link(i, this.listOf(i), false);
  }

  private link(i: number, lru: number, atHead: boolean): void {
    const l = this.nodeOf(i) * NR_LRU_LISTS + lru;
    if (atHead) {
      const h = this.head[l];
      this.prev[i] = NIL;
      this.next[i] = h;
      if (h !== NIL) this.prev[h] = i;
      else this.tail[l] = i;
      this.head[l] = i;
    } else {
      const t = this.tail[l];
      this.next[i] = NIL;
      this.prev[i] = t;
      if (t !== NIL) this.next[t] = i;
      else this.head[l] = i;
      this.tail[l] = i;
    }
    this.flags[i] |= PG.lru;
    this.count(i, lru, 2 ** this.order[i]);
  }

  /** lruvec_del_folio. */
  lruDel(i: number): void {
    if (!(this.flags[i] & PG.lru)) return;
    const lru = this.listOf(i);
    const l = this.nodeOf(i) * NR_LRU_LISTS + lru;
    const p = this.prev[i];
    const n = this.next[i];
    if (p !== NIL) this.next[p] = n;
    else this.head[l] = n;
    if (n !== NIL) this.prev[n] = p;
    else this.tail[l] = p;
    this.next[i] = NIL;
    this.prev[i] = NIL;
    this.flags[i] &= ~PG.lru;
    this.count(i, lru, -(2 ** this.order[i]));
  }

  private count(i: number, lru: number, pages: number): void {
    this.nodeLru[this.nodeOf(i) * NR_LRU_LISTS + lru] += pages;
    this.zoneLru[this.zoneOf[i] * NR_LRU_LISTS + lru] += pages;
  }

  /** The folio at the tail of a node's list (the oldest), or NIL. */
  tailOf(node: number, lru: number): number {
    return this.tail[node * NR_LRU_LISTS + lru];
  }

  lruPages(node: number, lru: number): number {
    return this.nodeLru[node * NR_LRU_LISTS + lru];
  }
  zoneLruPages(slot: number, lru: number): number {
    return this.zoneLru[slot * NR_LRU_LISTS + lru];
  }
  zoneKindPages(slot: number, kind: number): number {
    return this.zoneKind[slot * FOLIO_KIND_NAMES.length + kind];
  }

  /** NR_ZONE_WRITE_PENDING of a zone: pages of dirty or under-writeback folios (a walk of the zone's
   *  pages; the reports call it, nothing hot does). */
  zoneWritePending(slot: number): number {
    let n = 0;
    for (let i = 0; i < this.nrPages; i++) {
      if (this.zoneOf[i] !== slot || this.kind[i] === 0) continue;
      if (this.flags[i] & (PG.dirty | PG.writeback)) n += 2 ** this.order[i];
    }
    return n;
  }

  /** Moves every piece of a block's bookkeeping from index a to index b (migration): its LRU
   *  position (b takes a's place in the list), kind, flags, order and owner. */
  move(a: number, b: number): void {
    const onLru = (this.flags[a] & PG.lru) !== 0;
    const sameNode = this.nodeOf(a) === this.nodeOf(b);
    const lru = this.listOf(a);
    const pages = 2 ** this.order[a];
    if (onLru && !sameNode) this.lruDel(a);
    const kind = this.kind[a];
    const flags = this.flags[a];
    const order = this.order[a];
    const owner = this.owner[a];
    if (onLru && sameNode) {
      const l = this.nodeOf(a) * NR_LRU_LISTS + lru;
      const p = this.prev[a];
      const n = this.next[a];
      this.prev[b] = p;
      this.next[b] = n;
      if (p !== NIL) this.next[p] = b;
      else this.head[l] = b;
      if (n !== NIL) this.prev[n] = b;
      else this.tail[l] = b;
      this.next[a] = NIL;
      this.prev[a] = NIL;
      this.zoneLru[this.zoneOf[a] * NR_LRU_LISTS + lru] -= pages;
      this.zoneLru[this.zoneOf[b] * NR_LRU_LISTS + lru] += pages;
    }
    this.zoneKind[this.zoneOf[a] * FOLIO_KIND_NAMES.length + kind] -= pages;
    this.kind[a] = FolioKind.None;
    this.flags[a] = 0;
    this.order[a] = 0;
    this.owner[a] = 0;
    this.kind[b] = kind;
    this.order[b] = order;
    this.owner[b] = owner;
    this.flags[b] = flags;
    this.zoneKind[this.zoneOf[b] * FOLIO_KIND_NAMES.length + kind] += pages;
    if (onLru && !sameNode) {
      this.flags[b] = flags & ~PG.lru;
      this.lruAdd(b);
    }
  }

  /** The LRU of a node from head to tail (tests and reports). */
  *list(node: number, lru: number): Generator<number> {
    for (let i = this.head[node * NR_LRU_LISTS + lru]; i !== NIL; i = this.next[i]) yield i;
  }
}
