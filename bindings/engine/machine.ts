// The Machine facade over the WASM engine: build a machine from a description, allocate and free,
// batches, per-zone statistics and a complete state snapshot. The engine runs the fast path
// (get_page_from_freelist: watermark check and rmqueue); callers in TypeScript run the slow path.

import { OomlabError, check, isInt } from "../errors.js";
import { eraProfile } from "../kernel/releases.js";
import { buildZonelist, resolveMachine, type Zonelist } from "../mm/mm_init.js";
import { instantiate, release, type EngineBuild, type EngineInstance, type Layout, type WasmExports } from "./wasm.js";
import type {
  AllocRequest, BuddyEngine, MachineSpec, MachineState, ResolvedMachine, ResolvedZone, ZoneCounters, ZoneState,
} from "../include/machine.js";
import { ZONE_TYPES, type ZoneType } from "../include/linux/mmzone.js";

const E_OUT_OF_RANGE = -11;
const E_BAD_ORDER = -12;
const STATE_FREE = 1;
const STATE_ALLOC = 2;
const OP_ALLOC = 1;
const OP_FREE = 2;
const OP_FREE_OWNER = 3;
const NR_LISTS = 6;
const NORMAL_IDX = ZONE_TYPES.indexOf("Normal");

/** Statistics of one zone, read from engine memory. */
export interface ZoneStats {
  node: number;
  type: ZoneType;
  slot: number;
  startPfn: number;
  spannedPages: number;
  presentPages: number;
  managedPages: number;
  freePages: number;
  freeCmaPages: number;
  nrReservedHighatomic: number;
  nrFreeHighatomic: number;
  /** Watermarks as wmark_pages() returns them: _watermark[] + watermark_boost. */
  watermarks: { min: number; low: number; high: number; promo: number };
  watermarkBoost: number;
  boostEvents: number;
  /** Allocations served from another migratetype's free lists (claim or steal). */
  fallbacks: number;
  lowmemReserve: number[];
  /** nr_free (blocks) per order. */
  nrFree: number[];
  /** Blocks per order per migratetype list (6 lists; 2.6.11 uses list 0). */
  nrFreeByType: number[][];
  /** Highest order with a free block, or -1. */
  largestFreeOrder: number;
}

export type BatchOp =
  | { op: "alloc"; req: AllocRequest }
  | { op: "free"; pfn: number }
  | { op: "freeOwner"; owner: number };

export interface MachineOptions {
  /** Engine build: "debug" keeps the engine's assertions on (tests). Default: init()'s choice. */
  build?: EngineBuild;
}

export class Machine implements BuddyEngine {
  readonly machine: ResolvedMachine;
  private readonly engine: EngineInstance;
  private readonly x: WasmExports;
  private readonly L: Layout;
  private u32: Uint32Array;
  /** Engine zonelist ids by node * MAX_NR_ZONES + highest zone index (-1: not registered yet). */
  private zonelists: number[] = [];
  private nextZonelist = 0;
  private readonly rec = new Uint32Array(3);

  private constructor(m: ResolvedMachine, engine: EngineInstance) {
    this.machine = m;
    this.engine = engine;
    this.x = engine.exports;
    this.L = engine.layout;
    this.u32 = new Uint32Array(this.x.memory.buffer);
  }

  /** Builds a machine from a description (watermarks and reserves from the era's formulas unless
   *  given) or from an already resolved one. */
  static create(spec: MachineSpec | ResolvedMachine, opts: MachineOptions = {}): Machine {
    const m = "nrPages" in spec ? spec : resolveMachine(spec);
    const machine = new Machine(m, instantiate(opts.build));
    machine.boot();
    return machine;
  }

  private boot(): void {
    const { x, machine: m } = this;
    const p = eraProfile(m.era);
    const rc = x.machineInit(p.engineId, m.maxOrder, m.pageblockOrder, m.nrPages, m.mobilityDisabled ? 1 : 0, m.watermarkBoostFactor);
    if (rc === -2) throw new OomlabError("OOMLAB_TOO_BIG", `the machine spans ${m.nrPages} page frames; the engine holds at most ${this.L.MAX_PAGES}`);
    if (rc === -3) throw new OomlabError("OOMLAB_TOO_BIG", `the host refused ${m.nrPages * this.L.PAGE_META_BYTES} bytes of engine memory for ${m.nrPages} page frames`);
    check(rc === 0, `engine rejected the machine (code ${rc})`);
    for (const z of m.zones) {
      if (z.spannedPages === 0) continue; // an empty zone lives only in the description
      const s = z.startPfn - m.basePfn;
      const r = x.zoneInit(z.slot, z.node, z.zoneIdx, s, z.spannedPages, z.presentPages, z.managedPages);
      if (r === -4) throw new OomlabError("OOMLAB_OVERLAPPING_ZONES", `zone ${z.type} of node ${z.node} overlaps another zone`);
      check(r === 0, `engine rejected zone ${z.type} of node ${z.node} (code ${r})`);
      for (const c of z.cma) x.zoneSetPageblocks(z.slot, c.startPfn - m.basePfn, c.pages >> m.pageblockOrder, 4);
    }
    for (const z of m.zones) {
      if (z.spannedPages === 0) continue;
      x.zonePopulate(z.slot);
      this.setWatermarks(z.slot, z.watermarks);
      z.lowmemReserve.forEach((v, i) => x.zoneSetLowmemReserve(z.slot, i, v));
    }
    this.refresh();
  }

  private refresh(): Uint32Array {
    if (this.u32.buffer !== this.x.memory.buffer) this.u32 = new Uint32Array(this.x.memory.buffer);
    return this.u32;
  }

  private disposed = false;

  /** Returns the engine instance to a pool for the next Machine.create. The machine must not be
   *  used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    release(this.engine);
  }

  /** Which engine build this machine runs on. */
  get build(): EngineBuild {
    return this.engine.build;
  }

  /** Raw engine exports, for workloads that batch inside WASM (the churn benchmark). */
  get engineExports(): WasmExports {
    return this.x;
  }

  zone(slotOrType: number | ZoneType, node = 0): ResolvedZone {
    const z =
      typeof slotOrType === "number"
        ? this.machine.zones.find((q) => q.slot === slotOrType)
        : this.machine.zones.find((q) => q.type === slotOrType && q.node === node);
    if (!z) throw new OomlabError("OOMLAB_BAD_ARGUMENT", `no zone ${String(slotOrType)} on node ${node}`);
    return z;
  }

  /** Sets _watermark[] (pages, without boost) of a zone. */
  setWatermarks(slot: number, w: { min: number; low: number; high: number; promo?: number }): void {
    const z = this.zone(slot);
    for (const v of [w.min, w.low, w.high, w.promo ?? 0]) check(isInt(v) && v >= 0, `watermark ${v} must be a non-negative integer`, "OOMLAB_BAD_ARGUMENT");
    z.watermarks = { min: w.min, low: w.low, high: w.high, promo: w.promo ?? 0 };
    this.x.zoneSetWatermarks(slot, w.min, w.low, w.high, w.promo ?? 0);
  }

  /** The engine id of the zonelist for (node, highest zone), registered on first use. */
  zonelistId(node: number, highestZoneIdx: number): number {
    const key = node * 5 + highestZoneIdx;
    const known = this.zonelists[key];
    if (known !== undefined) return known;
    return this.registerZonelist(key, buildZonelist(this.machine, node, highestZoneIdx));
  }

  /** A zonelist of one zone (its own class zone), for allocations pinned to a zone. */
  private zoneOnlyZonelist(slot: number): number {
    const key = 100 + slot;
    const known = this.zonelists[key];
    if (known !== undefined) return known;
    const z = this.zone(slot);
    return this.registerZonelist(key, { classzoneIdx: z.zoneIdx, slots: [slot] });
  }

  private registerZonelist(key: number, zl: Zonelist): number {
    const id = this.nextZonelist++;
    const io = new Uint8Array(this.x.memory.buffer, this.x.ioPtr(), 2 + zl.slots.length);
    io[0] = zl.classzoneIdx;
    io[1] = zl.slots.length;
    io.set(zl.slots, 2);
    check(this.x.zonelistSet(id) === 0, `engine rejected zonelist ${id} (${zl.slots.join(", ")})`, "OOMLAB_BAD_ARGUMENT");
    this.zonelists[key] = id;
    return id;
  }

  /** Validates a request and writes its engine record (3 words) into out at off. Messages are
   *  built only on failure: this runs once per operation. */
  private encodeAlloc(req: AllocRequest, out: Uint32Array, off: number): void {
    const order = req.order;
    if (!isInt(order) || order < 0 || order >= this.machine.maxOrder) {
      throw new OomlabError("OOMLAB_BAD_ORDER", `order ${String(order)} is out of range: this machine has orders 0 to ${this.machine.maxOrder - 1} (MAX_ORDER ${this.machine.maxOrder})`);
    }
    const hz = req.highestZone === undefined ? NORMAL_IDX : ZONE_TYPES.indexOf(req.highestZone);
    if (hz < 0) throw new OomlabError("OOMLAB_BAD_ARGUMENT", `highestZone ${String(req.highestZone)} is not a zone type`);
    const mt = req.migratetype ?? 0;
    if (!(mt === 0 || mt === 1 || mt === 2)) {
      throw new OomlabError("OOMLAB_BAD_ARGUMENT", `migratetype ${String(mt)} cannot be requested (Unmovable 0, Movable 1, Reclaimable 2; CMA and HighAtomic come through allocFlags)`);
    }
    const flags = req.allocFlags ?? 0;
    if (!isInt(flags) || flags < 0 || flags >= 0x10000) throw new OomlabError("OOMLAB_BAD_ARGUMENT", `allocFlags ${String(flags)} out of range`);
    const owner = req.owner ?? 0;
    if (!isInt(owner) || owner < 0 || owner > 0xffffffff) throw new OomlabError("OOMLAB_BAD_ARGUMENT", `owner ${String(owner)} must be a 32-bit unsigned integer`);
    const zl = req.zoneSlot === undefined ? this.zonelistId(req.node ?? 0, hz) : this.zoneOnlyZonelist(req.zoneSlot);
    out[off] = OP_ALLOC | (order << 8) | (mt << 16) | (zl << 24);
    out[off + 1] = flags;
    out[off + 2] = owner;
  }

  /** get_page_from_freelist: returns the block's pfn, or -1 when no zone could serve it. */
  alloc(req: AllocRequest): number {
    const rec = this.rec;
    this.encodeAlloc(req, rec, 0);
    const w0 = rec[0];
    const r = this.x.allocPages(w0 >>> 24, (w0 >>> 8) & 0xff, (w0 >>> 16) & 0xff, rec[1], rec[2]);
    if (r === E_BAD_ORDER) throw new OomlabError("OOMLAB_BAD_ORDER", `order ${req.order} is out of range`);
    return r < 0 ? -1 : r + this.machine.basePfn;
  }

  /** The zone slot the last successful allocation came from. */
  lastZoneSlot(): number {
    return this.x.lastZone();
  }

  private pageInfo(idx: number): number {
    return new Uint16Array(this.x.memory.buffer, this.x.infoPtr() + idx * 2, 1)[0];
  }

  private freeError(pfn: number, code: number): OomlabError {
    const idx = pfn - this.machine.basePfn;
    if (code === E_OUT_OF_RANGE || idx < 0) return new OomlabError("OOMLAB_BAD_PFN", `pfn ${pfn} is outside every zone of this machine`);
    const state = (this.pageInfo(idx) >>> this.L.STATE_SHIFT) & this.L.STATE_MASK;
    if (state === STATE_FREE) return new OomlabError("OOMLAB_DOUBLE_FREE", `double free: pfn ${pfn} is already a free block of order ${this.pageInfo(idx) & this.L.ORDER_MASK}`);
    return new OomlabError("OOMLAB_NOT_BLOCK_HEAD", `pfn ${pfn} is not the head of an allocated block (it is ${state === 0 ? "inside a block" : state === 3 ? "a reserved page" : "in a hole"})`);
  }

  /** Frees an allocated block by its head pfn. Rejected calls change nothing. */
  free(pfn: number): void {
    const idx = pfn - this.machine.basePfn;
    if (!isInt(pfn) || idx < 0 || idx >= this.machine.nrPages) throw new OomlabError("OOMLAB_BAD_PFN", `pfn ${String(pfn)} is outside every zone of this machine`);
    const r = this.x.freeBlock(idx);
    if (r !== 0) throw this.freeError(pfn, r);
  }

  /** Gives an allocated block a new owner (a page leaving a per-CPU list for its user). */
  setOwner(pfn: number, owner: number): void {
    const idx = pfn - this.machine.basePfn;
    if (!isInt(pfn) || idx < 0 || idx >= this.machine.nrPages || this.x.setOwner(idx, owner >>> 0) !== 0) {
      throw new OomlabError("OOMLAB_NOT_BLOCK_HEAD", `pfn ${pfn} is not the head of an allocated block`);
    }
  }

  /** Allocates every free page of a zone as an order-0 block, ignoring watermarks (inside WASM, in
   *  one call); returns how many. With freeRange, rebuilds a zone from printed free lists. */
  allocAllOrder0(slot: number, migratetype = 0, owner = 0): number {
    this.zone(slot);
    const n = this.x.allocAllOrder0(slot, migratetype, owner >>> 0);
    if (n < 0) throw new OomlabError("OOMLAB_BAD_ARGUMENT", `zone slot ${slot} has no memory`);
    return n;
  }

  /** Frees count consecutive order-0 blocks from pfn, one by one (they coalesce as the buddy
   *  allocator does). */
  freeRange(pfn: number, count: number): void {
    this.freeStrided(pfn, count, 1, 1);
  }

  /** Turns `runs` aligned runs of `pages` allocated order-0 pages (a power of two), `step` pages
   *  apart from pfn, into free blocks of that size, freed as the kernel frees such a block; one
   *  engine call. */
  freeStrided(pfn: number, runs: number, step: number, pages: number): void {
    const idx = pfn - this.machine.basePfn;
    const ok = [pfn, runs, step, pages].every(isInt) && runs >= 0 && pages >= 0 && step >= pages && idx >= 0;
    const end = idx + (runs > 0 ? (runs - 1) * step + pages : 0);
    if (!ok || end > this.machine.nrPages) throw new OomlabError("OOMLAB_BAD_PFN", `range ${pfn} + ${pages} (x${runs}, step ${step}) is outside this machine`);
    const done = this.x.freeStrided(idx, runs, step, pages);
    if (done < runs * pages) {
      const at = pfn + Math.floor(done / pages) * step + (done % pages);
      throw new OomlabError("OOMLAB_NOT_BLOCK_HEAD", `pfn ${at} is not an allocated order-0 block`);
    }
  }

  /** Order and owner of an allocated block head, or null. */
  blockAt(pfn: number): { order: number; owner: number; migratetype: number } | null {
    const idx = pfn - this.machine.basePfn;
    if (!isInt(pfn) || idx < 0 || idx >= this.machine.nrPages) return null;
    const info = this.pageInfo(idx);
    if (((info >>> this.L.STATE_SHIFT) & this.L.STATE_MASK) !== STATE_ALLOC) return null;
    return { order: info & this.L.ORDER_MASK, owner: this.refresh()[(this.x.nextPtr() >>> 2) + idx], migratetype: (info >>> this.L.MT_SHIFT) & this.L.MT_MASK };
  }

  /** Frees every block of an owner (the OOM killer's kill); returns the pages freed. */
  freeOwner(owner: number): number {
    return this.x.ownerWalk(owner >>> 0, 1);
  }

  ownerPages(owner: number): number {
    return this.x.ownerWalk(owner >>> 0, 0);
  }

  /** Runs operations in batches inside WASM (one boundary crossing per batch of up to 4096).
   *  Returns per op: the pfn or -1 (alloc), 0 (free), pages freed (freeOwner). A rejected free
   *  throws after the operations before it have run. */
  batch(ops: BatchOp[]): number[] {
    // Validate and encode everything first (registering a zonelist uses the IO buffer too), so a
    // malformed op rejects the whole batch before anything runs.
    const enc = new Uint32Array(ops.length * 4);
    for (let k = 0; k < ops.length; k++) {
      const o = ops[k];
      if (o.op === "alloc") this.encodeAlloc(o.req, enc, k * 4);
      else if (o.op === "free") {
        const idx = o.pfn - this.machine.basePfn;
        if (!isInt(o.pfn) || idx < 0 || idx >= this.machine.nrPages) throw new OomlabError("OOMLAB_BAD_PFN", `pfn ${String(o.pfn)} is outside every zone of this machine`);
        enc[k * 4] = OP_FREE;
        enc[k * 4 + 1] = idx;
      } else {
        enc[k * 4] = OP_FREE_OWNER;
        enc[k * 4 + 2] = o.owner >>> 0;
      }
    }
    const out: number[] = new Array<number>(ops.length);
    const base = this.machine.basePfn;
    const cap = this.L.IO_BYTES >>> 4;
    for (let i = 0; i < ops.length; i += cap) {
      const n = Math.min(cap, ops.length - i);
      new Uint32Array(this.x.memory.buffer, this.x.ioPtr(), n * 4).set(enc.subarray(i * 4, (i + n) * 4));
      const done = this.x.batchRun(n);
      const res = new Int32Array(this.x.memory.buffer, this.x.ioPtr(), n * 4);
      for (let k = 0; k < done; k++) {
        const v = res[k * 4 + 3];
        out[i + k] = (res[k * 4] & 0xff) === OP_ALLOC ? (v < 0 ? -1 : v + base) : v;
      }
      if (done < n) {
        const bad = ops[i + done];
        throw this.freeError(bad.op === "free" ? bad.pfn : -1, res[done * 4 + 3]);
      }
    }
    return out;
  }

  watermarkOk2611(slot: number, order: number, mark: number, classzoneIdx: number, canTryHarder: boolean, gfpHigh: boolean): boolean {
    this.zone(slot);
    return this.x.watermarkOk2611(slot, order, mark, classzoneIdx, canTryHarder ? 1 : 0, gfpHigh ? 1 : 0) !== 0;
  }

  watermarkOk618(slot: number, order: number, mark: number, highestZoneidx: number, allocFlags: number): boolean {
    this.zone(slot);
    return this.x.watermarkOk618(slot, order, mark, highestZoneidx, allocFlags) !== 0;
  }

  private zword(slot: number, off: number): number {
    // An empty zone has no engine record: every counter is 0 and every list empty.
    if (this.zone(slot).spannedPages === 0) return off >= this.L.Z_LISTS ? this.L.NIL : 0;
    return this.refresh()[(this.x.zonesPtr() + slot * this.L.ZONE_SIZE + off) >>> 2];
  }

  /** A zone's free-page counters, without walking any list. */
  counters(slot: number): ZoneCounters {
    this.zone(slot);
    const L = this.L;
    const w = (off: number) => this.zword(slot, off);
    const nrFree: number[] = [];
    for (let o = 0; o < this.machine.maxOrder; o++) nrFree.push(w(L.Z_NR_FREE + o * 4));
    return {
      freePages: w(L.Z_FREE_PAGES),
      freeCmaPages: w(L.Z_FREE_CMA),
      nrReservedHighatomic: w(L.Z_RESERVED_HIGHATOMIC),
      nrFreeHighatomic: w(L.Z_FREE_HIGHATOMIC),
      watermarkBoost: w(L.Z_BOOST),
      nrFree,
    };
  }

  /** Per-zone statistics. */
  stats(slot: number): ZoneStats {
    const z = this.zone(slot);
    const L = this.L;
    const w = (off: number) => this.zword(slot, off);
    const boost = w(L.Z_BOOST);
    const nrFree: number[] = [];
    const nrFreeByType: number[][] = [];
    for (let o = 0; o < this.machine.maxOrder; o++) {
      nrFree.push(w(L.Z_NR_FREE + o * 4));
      // Counted by walking the lists, as /proc/pagetypeinfo does (the engine keeps no such counter).
      const row: number[] = [];
      for (let mt = 0; mt < NR_LISTS; mt++) row.push(this.listPfns(slot, o, mt).length);
      nrFreeByType.push(row);
    }
    let largest = -1;
    nrFree.forEach((n, o) => {
      if (n > 0) largest = o;
    });
    return {
      node: z.node,
      type: z.type,
      slot,
      startPfn: z.startPfn,
      spannedPages: z.spannedPages,
      presentPages: z.presentPages,
      managedPages: z.managedPages,
      freePages: w(L.Z_FREE_PAGES),
      freeCmaPages: w(L.Z_FREE_CMA),
      nrReservedHighatomic: w(L.Z_RESERVED_HIGHATOMIC),
      nrFreeHighatomic: w(L.Z_FREE_HIGHATOMIC),
      watermarks: z.spannedPages === 0 ? { ...z.watermarks } : { min: w(L.Z_WMARK) + boost, low: w(L.Z_WMARK + 4) + boost, high: w(L.Z_WMARK + 8) + boost, promo: w(L.Z_WMARK + 12) + boost },
      watermarkBoost: boost,
      boostEvents: w(L.Z_BOOST_EVENTS),
      fallbacks: w(L.Z_FALLBACKS),
      lowmemReserve: z.spannedPages === 0 ? [...z.lowmemReserve] : [0, 1, 2, 3, 4].map((i) => w(L.Z_LOWMEM_RESERVE + i * 4)),
      nrFree,
      nrFreeByType,
      largestFreeOrder: largest,
    };
  }

  allStats(): ZoneStats[] {
    return this.machine.zones.map((z) => this.stats(z.slot));
  }

  private listPfns(slot: number, order: number, mt: number): number[] {
    const L = this.L;
    const u = this.refresh();
    const next = this.x.nextPtr() >>> 2;
    const out: number[] = [];
    let cur = this.zword(slot, L.Z_LISTS + ((order << L.MT_SLOTS_SHIFT) | mt) * 8);
    while (cur !== L.NIL && out.length <= this.machine.nrPages) {
      out.push(cur + this.machine.basePfn);
      cur = u[next + cur];
    }
    return out;
  }

  /** A copy of the pageblock migratetypes, one per pageblock from basePfn. */
  pageblockTypes(): Uint8Array {
    const nrBlocks = Math.ceil(this.machine.nrPages / 2 ** this.machine.pageblockOrder);
    return new Uint8Array(this.x.memory.buffer, this.x.pageblocksPtr(), nrBlocks).slice();
  }

  /** The complete state, for differential tests and what-if comparisons. */
  snapshot(): MachineState {
    const L = this.L;
    const zones: ZoneState[] = this.machine.zones.map((z) => {
      const s = this.stats(z.slot);
      const lists: number[][][] = [];
      for (let o = 0; o < this.machine.maxOrder; o++) lists.push([0, 1, 2, 3, 4, 5].map((mt) => this.listPfns(z.slot, o, mt)));
      return {
        slot: z.slot,
        freePages: s.freePages,
        freeCmaPages: s.freeCmaPages,
        nrReservedHighatomic: s.nrReservedHighatomic,
        nrFreeHighatomic: s.nrFreeHighatomic,
        watermarkBoost: s.watermarkBoost,
        boostEvents: s.boostEvents,
        nrFree: s.nrFree,
        lists,
      };
    });
    const pageblocks = Array.from(this.pageblockTypes());
    const allocated: [number, number, number, number][] = [];
    const u = this.refresh();
    const info16 = new Uint16Array(this.x.memory.buffer, this.x.infoPtr(), this.machine.nrPages);
    const next = this.x.nextPtr() >>> 2;
    for (let idx = 0; idx < this.machine.nrPages; idx++) {
      const info = info16[idx];
      if (((info >>> L.STATE_SHIFT) & L.STATE_MASK) !== STATE_ALLOC) continue;
      allocated.push([idx + this.machine.basePfn, info & L.ORDER_MASK, (info >>> L.MT_SHIFT) & L.MT_MASK, u[next + idx]]);
    }
    return { zones, pageblocks, allocated };
  }

  /** Runs the engine's full invariant check; throws OOMLAB_INVARIANT with the details. */
  checkInvariants(): void {
    const r = this.x.checkInvariants();
    if (r === 0) return;
    const d = new Uint32Array(this.x.memory.buffer, this.x.ioPtr(), 4);
    const names = ["", "tail where a head belongs", "misaligned block", "block outside its zone", "overlapping blocks", "broken list links", "bad list entry", "nr_free mismatch", "free page counter mismatch", "unmerged free buddies", "free block on the wrong migratetype list"];
    throw new OomlabError("OOMLAB_INVARIANT", `invariant violated: ${names[r] ?? r} (zone slot ${d[1]}, page idx ${d[2]}, detail ${d[3]})`);
  }
}
