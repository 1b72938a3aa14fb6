// The Machine facade over the WASM engine: build a machine from a description, allocate and free,
// batches, per-zone statistics and a complete state snapshot. The engine runs the fast path
// (get_page_from_freelist: watermark check and rmqueue); callers in TypeScript run the slow path.

import { OomlabError, check, isInt } from "../errors.js";
import { eraProfile } from "../kernel/releases.js";
import { buildZonelist, maxWatermarkBoost, resolveMachine, type Zonelist } from "../mm/mm_init.js";
import { zonePcp } from "../mm/pcp.js";
import { MAX_BOOSTED_WATERMARK_PAGES, MAX_RESERVE_PAGES, MAX_WATERMARK_PAGES } from "../include/machine_schema.js";
import { copyMemory, instantiate, release, type EngineBuild, type EngineInstance, type WasmExports } from "./wasm.js";
import {
  BatchRecords,
  PageArrays,
  ZoneRecords,
  decodePageInfo,
  invariantMessage,
  readCompactRecord,
  readInvariantRecord,
  readPcpRecord,
  writeZonelistRecord,
  type Abi,
  type MemoryViews,
  type ZoneRecord,
} from "./abi.js";
import type {
  AllocRequest,
  BuddyEngine,
  MachineSpec,
  MachineState,
  PcpState,
  ResolvedMachine,
  ResolvedPercpuPagelists,
  ResolvedZone,
  ZoneCounters,
  ZoneState,
} from "../include/machine.js";
import { MigrateType, ZONE_TYPES, type ZoneType } from "../include/linux/mmzone.js";
import {
  COMPACT_RESULT_NAMES,
  MIGRATE_MODE_BY_NAME,
  type CompactZoneOptions,
  type CompactZoneResult,
} from "../include/linux/compaction.js";

export type { CompactZoneOptions, CompactZoneResult };

const NORMAL_IDX = ZONE_TYPES.indexOf("Normal");
/** Migratetypes a caller may request (CMA and HighAtomic come through allocFlags). */
const REQUESTABLE_MIGRATETYPES: readonly number[] = [
  MigrateType.Unmovable,
  MigrateType.Movable,
  MigrateType.Reclaimable,
];
/** The engine holds watermarks and reserves as u32 and adds them in i32 (include/machine_schema.ts). */
const isEnginePages = (v: number, max: number) => isInt(v) && v >= 0 && v <= max;
const PAGES_RANGE = `must be an integer from 0 to ${MAX_WATERMARK_PAGES} pages (the engine's limit)`;
/** The engine's watermark checks take the mark as u32 and add lowmem_reserve to it in i32. */
function checkMark(mark: number): void {
  check(isEnginePages(mark, MAX_WATERMARK_PAGES), `mark ${mark} ${PAGES_RANGE}`, "OOMLAB_BAD_ARGUMENT");
}
/** allocFlags must fit the batch record's flags word below this. */
const ALLOC_FLAGS_LIMIT = 0x10000;
/** Owners are the engine's 32-bit owner words (a pid, or one of the kernel's OWNER ids). */
const OWNER_MAX = 0xffffffff;
/** The operations a batch runs (BatchOp). */
const BATCH_OPS: readonly string[] = ["alloc", "free", "freeOwner"];

/** Throws OOMLAB_BAD_ARGUMENT unless owner is a 32-bit unsigned integer. */
function checkOwner(owner: unknown): number {
  if (!isInt(owner) || owner < 0 || owner > OWNER_MAX)
    throw new OomlabError("OOMLAB_BAD_ARGUMENT", `owner ${String(owner)} must be a 32-bit unsigned integer`);
  return owner;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** What a value is, for messages about arguments of the wrong kind. */
function kindOf(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `${typeof v} ${String(v)}`;
}

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
  /** Of those, the ones taken from a block below pageblock order (mm_page_alloc_extfrag's fragmenting). */
  fallbacksFragmenting: number;
  lowmemReserve: number[];
  /** nr_free (blocks) per order. */
  nrFree: number[];
  /** Blocks per order per migratetype list (6 lists; 2.6.11 uses list 0). */
  nrFreeByType: number[][];
  /** Highest order with a free block, or -1. */
  largestFreeOrder: number;
}

/** A zone's compaction state in struct zone, pfns (null: never set). */
export interface CompactCache {
  cachedMigrateAsync: number | null;
  cachedMigrateSync: number | null;
  cachedFree: number | null;
  initMigrate: number | null;
  initFree: number | null;
  blockskipFlush: boolean;
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
  private readonly exports: WasmExports;
  private readonly abi: Abi;
  private readonly views: MemoryViews;
  private readonly ioPtr: number;
  private readonly zoneRecords: ZoneRecords;
  private readonly batchRecords: BatchRecords;
  /** The per-page arrays; their offsets are fixed by machineInit (boot, or the machine forked from). */
  private pages!: PageArrays;
  /** Engine zonelist ids by registry key (zonelistKey, zoneOnlyZonelistKey). */
  private zonelists: number[] = [];
  private nextZonelist = 0;

  private constructor(m: ResolvedMachine, engine: EngineInstance) {
    this.machine = m;
    this.engine = engine;
    this.exports = engine.exports;
    this.abi = engine.abi;
    this.views = engine.views;
    this.ioPtr = this.exports.ioPtr();
    this.zoneRecords = new ZoneRecords(this.abi, this.views, this.exports.zonesPtr(), m.maxOrder);
    this.batchRecords = new BatchRecords(this.abi);
  }

  /** Builds a machine from a description (watermarks and reserves from the era's formulas unless
   *  given) or from an already resolved one. */
  static create(spec: MachineSpec | ResolvedMachine, opts: MachineOptions = {}): Machine {
    const m = "nrPages" in spec ? spec : resolveMachine(spec);
    const machine = new Machine(m, instantiate(opts.build));
    try {
      machine.boot();
    } catch (e) {
      machine.dispose(); // a machine the engine refused: its instance goes back to the pool
      throw e;
    }
    return machine;
  }

  /** Whether dispose() has run: every other call then throws OOMLAB_DISPOSED. */
  get disposed(): boolean {
    return this.released;
  }

  /** Throws OOMLAB_DISPOSED once dispose() has run: the engine instance may then belong to another
   *  machine (the pool hands it to the next Machine.create or fork). */
  private live(): void {
    if (this.released) {
      throw new OomlabError("OOMLAB_DISPOSED", "this machine was disposed: its engine may now hold another machine");
    }
  }

  /** A copy of this machine on another engine instance: the instance's memory is a copy of this
   *  one's (the engine keeps no state elsewhere), the description and zonelist registry are copied.
   *  The two then evolve independently (a parallel sweep's starting point). */
  fork(): Machine {
    this.live();
    const twin = new Machine(structuredClone(this.machine), instantiate(this.engine.build));
    try {
      copyMemory(this.engine, twin.engine);
      twin.zonelists = [...this.zonelists];
      twin.currentCpu = this.currentCpu; // the engine's P_CPU came with the memory
      twin.nextZonelist = this.nextZonelist;
      twin.mapPages();
    } catch (e) {
      twin.dispose();
      throw e;
    }
    return twin;
  }

  private boot(): void {
    const { exports: engine, abi, machine: m } = this;
    const p = eraProfile(m.era);
    const mobilityOff = m.mobilityDisabled ? 1 : 0;
    const boost = m.watermarkBoostFactor;
    const rc = engine.machineInit(p.engineId, m.maxOrder, m.pageblockOrder, m.nrPages, mobilityOff, boost);
    const frames = `${m.nrPages} page frames`;
    if (rc === abi.E_TOO_BIG) {
      throw new OomlabError("OOMLAB_TOO_BIG", `the machine spans ${frames}; the engine holds at most ${abi.MAX_PAGES}`);
    }
    if (rc === abi.E_NO_MEMORY) {
      const bytes = m.nrPages * abi.PAGE_META_BYTES;
      throw new OomlabError("OOMLAB_TOO_BIG", `the host refused ${bytes} bytes of engine memory for ${frames}`);
    }
    check(rc === abi.E_OK, `engine rejected the machine (code ${rc})`);
    this.mapPages();
    for (const z of m.zones) {
      if (z.spannedPages === 0) continue; // an empty zone lives only in the description
      const s = z.startPfn - m.basePfn;
      const r = engine.zoneInit(z.slot, z.node, z.zoneIdx, s, z.spannedPages, z.presentPages, z.managedPages);
      if (r === abi.E_OVERLAP) {
        throw new OomlabError("OOMLAB_OVERLAPPING_ZONES", `zone ${z.type} of node ${z.node} overlaps another zone`);
      }
      check(r === abi.E_OK, `engine rejected zone ${z.type} of node ${z.node} (code ${r})`);
      for (const c of z.cma) {
        engine.zoneSetPageblocks(z.slot, c.startPfn - m.basePfn, c.pages >> m.pageblockOrder, abi.MIGRATE_CMA);
      }
    }
    if (m.percpuPagelists) this.initPcp(m.percpuPagelists);
    for (const z of m.zones) {
      if (z.spannedPages === 0) continue;
      engine.zonePopulate(z.slot);
      this.setWatermarks(z.slot, z.watermarks);
      z.lowmemReserve.forEach((v, i) => {
        check(isEnginePages(v, MAX_RESERVE_PAGES), `lowmem_reserve ${v} of zone ${z.type} is above 2^24 pages`);
        engine.zoneSetLowmemReserve(z.slot, i, v);
      });
    }
  }

  /** pcpInit: the per-CPU lists' area (before any zone is populated), then each zone's sizes. */
  private initPcp(p: ResolvedPercpuPagelists): void {
    const { exports: engine, abi } = this;
    const rules = p.rules === "autotune" ? abi.PCP_RULES_AUTOTUNE : abi.PCP_RULES_FIXED;
    const rc = engine.pcpInit(p.cpus, rules, p.thpOrder ?? abi.NIL);
    if (rc === abi.E_NO_MEMORY)
      throw new OomlabError("OOMLAB_TOO_BIG", `the host refused engine memory for ${p.cpus} CPUs' per-CPU lists`);
    check(rc === abi.E_OK, `engine rejected ${p.cpus} CPUs' per-CPU lists (code ${rc})`);
    for (const z of this.machine.zones) if (z.spannedPages > 0 && z.pcp) this.setPcpSizes(z.slot, z.pcp);
  }

  private setPcpSizes(slot: number, s: { batch: number; highMin: number; highMax: number }): void {
    const fhb = this.machine.percpuPagelists?.freeHighBatch ? 1 : 0;
    const rc = this.exports.pcpZoneSet(slot, s.highMin, s.highMax, s.batch, fhb);
    check(rc === this.abi.E_OK, `engine rejected the per-CPU list sizes of zone slot ${slot} (code ${rc})`);
  }

  /** Sets pcp->batch, high_min and high_max of a zone (every CPU), as a zoneinfo's pagesets print
   *  them; setWatermarks recomputes them from the low mark (zone_pcp_update). */
  setZonePcp(slot: number, s: { batch: number; highMin: number; highMax: number }): void {
    this.live();
    const z = this.zone(slot);
    if (!this.machine.percpuPagelists)
      throw new OomlabError("OOMLAB_BAD_ARGUMENT", "this machine has no per-CPU lists (percpuPagelists)");
    for (const v of [s.batch, s.highMin, s.highMax])
      if (!isInt(v) || v < 0 || v > MAX_WATERMARK_PAGES)
        throw new OomlabError("OOMLAB_BAD_ARGUMENT", `per-CPU list size ${String(v)} is out of range`);
    if (s.batch < 1 || s.highMin > s.highMax)
      throw new OomlabError("OOMLAB_BAD_ARGUMENT", "per-CPU lists need batch >= 1 and high_min <= high_max");
    this.setPcpSizes(slot, s);
    z.pcp = { ...s };
  }

  /** Whether the machine keeps per-CPU page lists (MachineSpec.percpuPagelists). */
  get hasPcp(): boolean {
    this.live();
    return this.machine.percpuPagelists !== undefined;
  }

  private currentCpu = 0;

  /** The CPU whose lists allocations and frees use from now on (smp_processor_id(); 0 at boot). Set it
   *  before a batch to run that batch on another CPU. */
  get cpu(): number {
    this.live();
    return this.currentCpu;
  }
  setCpu(cpu: number): void {
    this.live();
    const p = this.machine.percpuPagelists;
    if (!p) throw new OomlabError("OOMLAB_BAD_ARGUMENT", "this machine has no per-CPU lists (percpuPagelists)");
    if (!isInt(cpu) || cpu < 0 || cpu >= p.cpus)
      throw new OomlabError("OOMLAB_BAD_ARGUMENT", `cpu ${String(cpu)} must be an integer from 0 to ${p.cpus - 1}`);
    this.exports.pcpSetCpu(cpu);
    this.currentCpu = cpu;
  }

  /** drain_all_pages (mm/page_alloc.c 6.18): every CPU's lists of one zone (slot) or of every zone back
   *  to the buddy lists, where they coalesce. Returns the pages drained (0 without per-CPU lists). */
  drainAllPages(slot?: number): number {
    this.live();
    if (slot !== undefined) this.zone(slot);
    return this.exports.drainAllPages(slot ?? this.abi.NIL);
  }

  /** decay_pcp_high (mm/page_alloc.c 6.18) on every CPU and zone, as vmstat_update does once a second:
   *  pcp->high falls an eighth toward high_min and the pages above it are drained. Returns the kernel's
   *  todo count (0 without per-CPU lists or under 6.1's rules, which have no decay). */
  decayPcpHigh(): number {
    this.live();
    return this.exports.pcpDecayHigh();
  }

  /** Sets ZONE_RECLAIM_ACTIVE of a zone (balance_pgdat while kswapd scans it): nr_pcp_high then keeps
   *  at most batch * 4 pages on a list. */
  setReclaimActive(slot: number, on: boolean): void {
    this.live();
    this.zone(slot);
    this.exports.pcpSetReclaimActive(slot, on ? 1 : 0);
  }

  /** Each CPU's struct per_cpu_pages of a zone, with its lists (pfns per pindex, head first); [] without
   *  per-CPU lists or for an empty zone. */
  pcpState(slot: number): PcpState[] {
    this.live();
    const p = this.machine.percpuPagelists;
    if (!p || this.zone(slot).spannedPages === 0) return [];
    const out: PcpState[] = [];
    for (let cpu = 0; cpu < p.cpus; cpu++) {
      const r = readPcpRecord(this.abi, this.views, this.exports.pcpPtr(slot, cpu));
      const lists = r.heads.map((h) => {
        const pfns: number[] = [];
        for (let cur = h; cur !== this.abi.NIL && pfns.length <= this.machine.nrPages; cur = this.pages.next(cur))
          pfns.push(cur + this.machine.basePfn);
        return pfns;
      });
      out.push({
        slot,
        cpu,
        count: r.count,
        high: r.high,
        batch: r.batch,
        highMin: r.highMin,
        highMax: r.highMax,
        lists,
      });
    }
    return out;
  }

  /** Reads where machineInit put the per-page arrays. */
  private mapPages(): void {
    const engine = this.exports;
    const ptrs = { info: engine.infoPtr(), next: engine.nextPtr(), pageblocks: engine.pageblocksPtr() };
    this.pages = new PageArrays(this.abi, this.views, ptrs);
  }

  private released = false;

  /** Returns the engine instance to a pool for the next Machine.create or fork. Every later call on
   *  this machine throws OOMLAB_DISPOSED; a second dispose() does nothing. */
  dispose(): void {
    if (this.released) return;
    this.released = true;
    release(this.engine);
  }

  /** Which engine build this machine runs on. */
  get build(): EngineBuild {
    this.live();
    return this.engine.build;
  }

  /** Raw engine exports, for workloads that batch inside WASM (the churn benchmark). Valid until
   *  dispose(): keep the machine, not this object. */
  get engineExports(): WasmExports {
    this.live();
    return this.exports;
  }

  /** The engine's constants (operation and return codes, record layouts), as abi.ts reads them. */
  get engineAbi(): Abi {
    this.live();
    return this.abi;
  }

  /** Typed views over the engine's memory (abi.ts), for readers of the engine's records. Valid until
   *  dispose(). */
  get engineViews(): MemoryViews {
    this.live();
    return this.views;
  }

  zone(slotOrType: number | ZoneType, node = 0): ResolvedZone {
    this.live();
    const z =
      typeof slotOrType === "number"
        ? this.machine.zones.find((q) => q.slot === slotOrType)
        : this.machine.zones.find((q) => q.type === slotOrType && q.node === node);
    if (!z) throw new OomlabError("OOMLAB_BAD_ARGUMENT", `no zone ${String(slotOrType)} on node ${node}`);
    return z;
  }

  /** Sets _watermark[] (pages, without boost) of a zone. */
  setWatermarks(slot: number, w: { min: number; low: number; high: number; promo?: number }): void {
    this.live();
    const z = this.zone(slot);
    for (const v of [w.min, w.low, w.high, w.promo ?? 0])
      check(isEnginePages(v, MAX_WATERMARK_PAGES), `watermark ${v} ${PAGES_RANGE}`, "OOMLAB_BAD_ARGUMENT");
    const boost = maxWatermarkBoost(w.high, this.machine.watermarkBoostFactor, 2 ** this.machine.pageblockOrder);
    const top = Math.max(w.high, w.promo ?? 0) + boost;
    const boosted = `watermarks boosted up to ${top} pages are above the engine's ${MAX_BOOSTED_WATERMARK_PAGES}`;
    check(top <= MAX_BOOSTED_WATERMARK_PAGES, boosted, "OOMLAB_BAD_ARGUMENT");
    z.watermarks = { min: w.min, low: w.low, high: w.high, promo: w.promo ?? 0 };
    this.exports.zoneSetWatermarks(slot, w.min, w.low, w.high, w.promo ?? 0);
    const pcp = this.machine.percpuPagelists;
    if (pcp && z.spannedPages > 0) {
      // setup_per_zone_wmarks ends with zone_pcp_update: high follows the low mark
      z.pcp = zonePcp(this.machine, z, pcp, pcp.rules);
      this.setPcpSizes(slot, z.pcp);
    }
  }

  /** The engine id of the zonelist for (node, highest zone), registered on first use. */
  zonelistId(node: number, highestZoneIdx: number): number {
    this.live();
    const key = node * this.abi.MAX_NR_ZONES + highestZoneIdx;
    const known = this.zonelists[key];
    if (known !== undefined) return known;
    return this.registerZonelist(key, buildZonelist(this.machine, node, highestZoneIdx));
  }

  /** A zonelist of one zone (its own class zone), for allocations pinned to a zone. Registry keys
   *  after those of zonelistId. */
  private zoneOnlyZonelist(slot: number): number {
    const key = this.abi.MAX_ZONES + slot;
    const known = this.zonelists[key];
    if (known !== undefined) return known;
    const z = this.zone(slot);
    return this.registerZonelist(key, { classzoneIdx: z.zoneIdx, slots: [slot] });
  }

  private registerZonelist(key: number, zl: Zonelist): number {
    const id = this.nextZonelist++;
    writeZonelistRecord(this.abi, this.views, this.ioPtr, zl.classzoneIdx, zl.slots);
    const ok = this.exports.zonelistSet(id) === this.abi.E_OK;
    check(ok, `engine rejected zonelist ${id} (${zl.slots.join(", ")})`, "OOMLAB_BAD_ARGUMENT");
    this.zonelists[key] = id;
    return id;
  }

  /** Validates a request and resolves its zonelist. Messages are built only on failure: this runs
   *  once per operation. */
  private allocArgs(req: AllocRequest): { zonelist: number; order: number; mt: number; flags: number; owner: number } {
    if (!isRecord(req)) {
      throw new OomlabError("OOMLAB_BAD_ARGUMENT", `an allocation request must be an object, got ${kindOf(req)}`);
    }
    const order = req.order;
    if (!isInt(order) || order < 0 || order >= this.machine.maxOrder) {
      throw new OomlabError(
        "OOMLAB_BAD_ORDER",
        `order ${String(order)} is out of range: ` +
          `this machine has orders 0 to ${this.machine.maxOrder - 1} (MAX_ORDER ${this.machine.maxOrder})`,
      );
    }
    const hz = req.highestZone === undefined ? NORMAL_IDX : ZONE_TYPES.indexOf(req.highestZone);
    if (hz < 0)
      throw new OomlabError("OOMLAB_BAD_ARGUMENT", `highestZone ${String(req.highestZone)} is not a zone type`);
    const mt = req.migratetype ?? MigrateType.Unmovable;
    if (!REQUESTABLE_MIGRATETYPES.includes(mt)) {
      throw new OomlabError(
        "OOMLAB_BAD_ARGUMENT",
        `migratetype ${String(mt)} cannot be requested ` +
          "(Unmovable 0, Movable 1, Reclaimable 2; CMA and HighAtomic come through allocFlags)",
      );
    }
    const flags = req.allocFlags ?? 0;
    if (!isInt(flags) || flags < 0 || flags >= ALLOC_FLAGS_LIMIT) {
      throw new OomlabError("OOMLAB_BAD_ARGUMENT", `allocFlags ${String(flags)} out of range`);
    }
    const owner = checkOwner(req.owner ?? 0);
    const zonelist =
      req.zoneSlot === undefined ? this.zonelistId(req.node ?? 0, hz) : this.zoneOnlyZonelist(req.zoneSlot);
    return { zonelist, order, mt, flags, owner };
  }

  /** get_page_from_freelist: returns the block's pfn, or -1 when no zone could serve it. */
  alloc(req: AllocRequest): number {
    this.live();
    const a = this.allocArgs(req);
    const r = this.exports.allocPages(a.zonelist, a.order, a.mt, a.flags, a.owner);
    if (r === this.abi.E_BAD_ORDER) throw new OomlabError("OOMLAB_BAD_ORDER", `order ${req.order} is out of range`);
    return r < 0 ? -1 : r + this.machine.basePfn;
  }

  /** The zone slot the last successful allocation came from. */
  lastZoneSlot(): number {
    this.live();
    return this.exports.lastZone();
  }

  private freeError(pfn: number, code: number): OomlabError {
    const abi = this.abi;
    const idx = pfn - this.machine.basePfn;
    if (code === abi.E_OUT_OF_RANGE || idx < 0) {
      return new OomlabError("OOMLAB_BAD_PFN", `pfn ${pfn} is outside every zone of this machine`);
    }
    const { state, order } = decodePageInfo(abi, this.pages.info(idx));
    if (state === abi.STATE_FREE) {
      return new OomlabError("OOMLAB_DOUBLE_FREE", `double free: pfn ${pfn} is already a free block of order ${order}`);
    }
    if (state === abi.STATE_PCP) {
      return new OomlabError("OOMLAB_DOUBLE_FREE", `double free: pfn ${pfn} is on a per-CPU list (order ${order})`);
    }
    const what =
      state === abi.STATE_TAIL ? "inside a block" : state === abi.STATE_RESERVED ? "a reserved page" : "in a hole";
    return new OomlabError("OOMLAB_NOT_BLOCK_HEAD", `pfn ${pfn} is not the head of an allocated block (it is ${what})`);
  }

  /** The page index of a pfn of this machine; OOMLAB_BAD_PFN for anything else. */
  private pfnIndex(pfn: unknown): number {
    const idx = (pfn as number) - this.machine.basePfn;
    if (!isInt(pfn) || idx < 0 || idx >= this.machine.nrPages)
      throw new OomlabError("OOMLAB_BAD_PFN", `pfn ${String(pfn)} is outside every zone of this machine`);
    return idx;
  }

  /** Frees an allocated block by its head pfn. Rejected calls change nothing. */
  free(pfn: number): void {
    this.live();
    const r = this.exports.freeBlock(this.pfnIndex(pfn));
    if (r !== this.abi.E_OK) throw this.freeError(pfn, r);
  }

  /** Gives an allocated block a new owner (a page leaving a per-CPU list for its user). */
  setOwner(pfn: number, owner: number): void {
    this.live();
    checkOwner(owner);
    const idx = pfn - this.machine.basePfn;
    const inRange = isInt(pfn) && idx >= 0 && idx < this.machine.nrPages;
    if (!inRange || this.exports.setOwner(idx, owner >>> 0) !== this.abi.E_OK) {
      throw new OomlabError("OOMLAB_NOT_BLOCK_HEAD", `pfn ${pfn} is not the head of an allocated block`);
    }
  }

  /** Allocates every free page of a zone as an order-0 block, ignoring watermarks (inside WASM, in
   *  one call); returns how many. With freeRange, rebuilds a zone from printed free lists. */
  allocAllOrder0(slot: number, migratetype = 0, owner = 0): number {
    this.zone(slot);
    checkOwner(owner);
    const n = this.exports.allocAllOrder0(slot, migratetype, owner >>> 0);
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
    this.live();
    const idx = pfn - this.machine.basePfn;
    const ok = [pfn, runs, step, pages].every(isInt) && runs >= 0 && pages >= 0 && step >= pages && idx >= 0;
    const end = idx + (runs > 0 ? (runs - 1) * step + pages : 0);
    if (!ok || end > this.machine.nrPages)
      throw new OomlabError(
        "OOMLAB_BAD_PFN",
        `range ${pfn} + ${pages} (x${runs}, step ${step}) is outside this machine`,
      );
    const done = this.exports.freeStrided(idx, runs, step, pages);
    if (done < runs * pages) {
      const at = pfn + Math.floor(done / pages) * step + (done % pages);
      throw new OomlabError("OOMLAB_NOT_BLOCK_HEAD", `pfn ${at} is not an allocated order-0 block`);
    }
  }

  /** Order, owner, migratetype and movability of an allocated block head, or null. */
  blockAt(pfn: number): { order: number; owner: number; migratetype: number; movable: boolean } | null {
    this.live();
    const idx = pfn - this.machine.basePfn;
    if (!isInt(pfn) || idx < 0 || idx >= this.machine.nrPages) return null;
    const { order, state, migratetype, movable } = decodePageInfo(this.abi, this.pages.info(idx));
    if (state !== this.abi.STATE_ALLOC) return null;
    return { order, owner: this.pages.next(idx), migratetype, movable };
  }

  /** Marks an allocated block movable (on an LRU or with movable ops: compaction may migrate it) or
   *  not. Allocation sets it from the request: Movable requests are movable. */
  setMovable(pfn: number, movable: boolean): void {
    this.live();
    const idx = pfn - this.machine.basePfn;
    const inRange = isInt(pfn) && idx >= 0 && idx < this.machine.nrPages;
    if (!inRange || this.exports.setMovable(idx, movable ? 1 : 0) !== this.abi.E_OK) {
      throw new OomlabError("OOMLAB_NOT_BLOCK_HEAD", `pfn ${pfn} is not the head of an allocated block`);
    }
  }

  /** Whether the allocated block at pfn is movable (false for anything that is not an allocated head). */
  isMovable(pfn: number): boolean {
    return this.blockAt(pfn)?.movable ?? false;
  }

  /** PB_migrate_skip of the pageblock holding pfn (compaction's skip hint). */
  pageblockSkip(pfn: number): boolean {
    this.live();
    return this.pages.pageblockSkip(this.pfnIndex(pfn) >> this.machine.pageblockOrder);
  }

  /** Sets or clears the skip hint of the pageblock holding pfn. */
  setPageblockSkip(pfn: number, skip: boolean): void {
    this.live();
    this.exports.setPageblockSkipHint(this.pfnIndex(pfn), skip ? 1 : 0);
  }

  /** One compact_zone pass over a zone inside the engine (assembly/compaction.ts); the caller has
   *  run compaction_suit_allocation_order (bindings/linux-6.18/mm/compaction.ts does). */
  compactZone(slot: number, opts: CompactZoneOptions): CompactZoneResult {
    this.live();
    const z = this.zone(slot);
    const a = this.abi;
    check(
      this.machine.era !== "2.6.11",
      `compaction needs a 6.18 or 6.1 machine, not ${this.machine.era}`,
      "OOMLAB_BAD_ARGUMENT",
    );
    check(z.spannedPages > 0, `zone slot ${slot} has no memory`, "OOMLAB_BAD_ARGUMENT");
    if (!isRecord(opts)) throw new OomlabError("OOMLAB_BAD_ARGUMENT", `compactZone options must be an object`);
    const order = opts.order;
    if (!isInt(order) || order < -1 || order >= this.machine.maxOrder)
      throw new OomlabError(
        "OOMLAB_BAD_ORDER",
        `order ${String(order)} must be -1 (whole zone) to ${this.machine.maxOrder - 1}`,
      );
    const mt = opts.migratetype ?? MigrateType.Movable;
    if (!REQUESTABLE_MIGRATETYPES.includes(mt))
      throw new OomlabError(
        "OOMLAB_BAD_ARGUMENT",
        `migratetype ${String(mt)} is not Unmovable, Movable or Reclaimable`,
      );
    const mode = MIGRATE_MODE_BY_NAME[opts.mode];
    if (mode === undefined || !Object.hasOwn(MIGRATE_MODE_BY_NAME, opts.mode))
      throw new OomlabError("OOMLAB_BAD_ARGUMENT", `mode ${String(opts.mode)} is not async, sync-light or sync`);
    let flags = 0;
    if (opts.wholeZone) flags |= a.CF_WHOLE_ZONE;
    if (opts.ignoreSkipHint) flags |= a.CF_IGNORE_SKIP_HINT;
    if (opts.ignoreBlockSuitable) flags |= a.CF_IGNORE_BLOCK_SUITABLE;
    if (opts.direct ?? true) flags |= a.CF_DIRECT;
    if (opts.capture) flags |= a.CF_CAPTURE;
    if (opts.resetSkip) flags |= a.CF_RESET_SKIP;
    let wmarkLow = 0;
    const hpageOrder = opts.hpageOrder ?? this.machine.pageblockOrder;
    check(
      isInt(hpageOrder) && hpageOrder >= 0 && hpageOrder < 32,
      `hpageOrder ${hpageOrder} is not an order`,
      "OOMLAB_BAD_ARGUMENT",
    );
    if (opts.proactive) {
      flags |= a.CF_PROACTIVE;
      wmarkLow = opts.proactive.wmarkLow;
      check(
        isInt(wmarkLow) && wmarkLow >= 0 && wmarkLow <= 100,
        `wmarkLow ${wmarkLow} must be 0 to 100`,
        "OOMLAB_BAD_ARGUMENT",
      );
    }
    const owner = checkOwner(opts.owner ?? 0);
    const rc = this.exports.compactZone(slot, order, mt, mode, flags, owner, wmarkLow, hpageOrder);
    if (rc === a.E_NO_MEMORY)
      throw new OomlabError("OOMLAB_TOO_BIG", "the host refused memory for compaction's move log");
    check(rc >= 0, `engine rejected compactZone (code ${rc})`, "OOMLAB_BAD_ARGUMENT");
    const r = readCompactRecord(a, this.views, this.ioPtr);
    const base = this.machine.basePfn;
    const moves = this.views.i32.slice(r.movesPtr >>> 2, (r.movesPtr >>> 2) + r.nrMoves * 3);
    if (base !== 0) {
      for (let i = 0; i < moves.length; i += 3) {
        moves[i] += base;
        moves[i + 1] += base;
      }
    }
    return {
      result: r.result,
      resultName: COMPACT_RESULT_NAMES[r.result] ?? String(r.result),
      moves,
      counters: {
        compactMigrateScanned: r.migrateScanned,
        compactFreeScanned: r.freeScanned,
        compactIsolated: r.isolated,
        pgmigrateSuccess: r.migrateSuccess,
        pgmigrateFail: r.migrateFail,
      },
      capturedPfn: r.captured === a.NIL ? -1 : r.captured + base,
      migratePfn: r.migratePfn + base,
      freePfn: r.freePfn + base,
    };
  }

  /** struct zone's compaction fields of a zone. */
  compactCache(slot: number): CompactCache {
    this.live();
    this.zone(slot);
    const a = this.abi;
    const base = this.machine.basePfn;
    const pfn = (off: number) => {
      const v = this.zoneRecords.word(slot, off) | 0;
      return v < 0 ? null : v + base;
    };
    return {
      cachedMigrateAsync: pfn(a.Z_CC_MIGRATE_ASYNC),
      cachedMigrateSync: pfn(a.Z_CC_MIGRATE_SYNC),
      cachedFree: pfn(a.Z_CC_FREE),
      initMigrate: pfn(a.Z_CC_INIT_MIGRATE),
      initFree: pfn(a.Z_CC_INIT_FREE),
      blockskipFlush: this.zoneRecords.word(slot, a.Z_CC_BLOCKSKIP_FLUSH) !== 0,
    };
  }

  /** __reset_isolation_suitable on a zone (reset_isolation_suitable, when kswapd goes to sleep). */
  resetIsolationSuitable(slot: number): void {
    this.live();
    this.zone(slot);
    check(
      this.exports.compactResetSkip(slot) === this.abi.E_OK,
      `zone slot ${slot} has no memory`,
      "OOMLAB_BAD_ARGUMENT",
    );
  }

  /** Sets zone->compact_blockskip_flush (the allocator clears it when compaction gave it a page). */
  setCompactBlockskipFlush(slot: number, flush: boolean): void {
    this.live();
    this.zone(slot);
    const ok = this.exports.compactSetBlockskipFlush(slot, flush ? 1 : 0) === this.abi.E_OK;
    check(ok, `zone slot ${slot} has no memory`, "OOMLAB_BAD_ARGUMENT");
  }

  /** unreserve_highatomic_pageblock (mm/page_alloc.c 6.18) for one zone: the zone's first free
   *  HIGHATOMIC block (by order) gives its pageblock back to migratetype mt (Unmovable, Movable or
   *  Reclaimable: the allocation's); unless force, one pageblock of reserve is kept. Returns the free
   *  pages moved to mt's lists, 0 when nothing was given back. */
  unreserveHighatomic(slot: number, mt: number, force: boolean): number {
    this.live();
    if (this.zone(slot).spannedPages === 0 || this.machine.era === "2.6.11") return 0;
    if (mt !== MigrateType.Unmovable && mt !== MigrateType.Movable && mt !== MigrateType.Reclaimable)
      throw new OomlabError(
        "OOMLAB_BAD_ARGUMENT",
        `migratetype ${String(mt)} is not Unmovable, Movable or Reclaimable`,
      );
    return this.exports.unreserveHighatomic(slot, mt, force ? 1 : 0);
  }

  /** Frees every block of an owner (the OOM killer's kill); returns the pages freed. */
  freeOwner(owner: number): number {
    this.live();
    return this.exports.ownerWalk(checkOwner(owner), 1);
  }

  ownerPages(owner: number): number {
    this.live();
    return this.exports.ownerWalk(checkOwner(owner), 0);
  }

  /** The allocated blocks of an owner in pfn order, as [pfn, order] (what snapshot().allocated
   *  lists for it, without building the rest of the snapshot). */
  ownerBlocks(owner: number): [number, number][] {
    this.live();
    const abi = this.abi;
    const want = checkOwner(owner);
    const info = this.pages.infoWords(this.machine.nrPages);
    const blocks: [number, number][] = [];
    for (let idx = 0; idx < info.length; idx++) {
      const state = (info[idx] >>> abi.STATE_SHIFT) & abi.STATE_MASK;
      if (state === abi.STATE_ALLOC && this.pages.next(idx) === want)
        blocks.push([idx + this.machine.basePfn, info[idx] & abi.ORDER_MASK]);
    }
    return blocks;
  }

  /** Runs operations in batches inside WASM (one boundary crossing per batch of up to 4096).
   *  Returns per op: the pfn or -1 (alloc), 0 (free), pages freed (freeOwner). A rejected free
   *  throws after the operations before it have run. */
  batch(ops: BatchOp[]): number[] {
    this.live();
    if (!Array.isArray(ops))
      throw new OomlabError("OOMLAB_BAD_ARGUMENT", `a batch is an array of ops, got ${kindOf(ops)}`);
    // Validate and encode everything first (registering a zonelist uses the IO buffer too), so a
    // malformed op rejects the whole batch before anything runs. Each field is checked as alloc,
    // free and freeOwner check it.
    const records = this.batchRecords;
    const enc = new Uint32Array(ops.length * records.words);
    for (let k = 0; k < ops.length; k++) {
      const o: unknown = ops[k];
      const op = isRecord(o) ? o.op : undefined;
      if (!isRecord(o) || typeof op !== "string" || !BATCH_OPS.includes(op)) {
        const what = isRecord(o) ? `op ${typeof op === "string" ? JSON.stringify(op) : kindOf(op)}` : kindOf(o);
        throw new OomlabError(
          "OOMLAB_BAD_ARGUMENT",
          `batch op ${k}: ${what} is not one of { op: "alloc", req }, { op: "free", pfn }, { op: "freeOwner", owner }`,
        );
      }
      if (op === "alloc") {
        const a = this.allocArgs(o.req as AllocRequest);
        records.alloc(enc, k, a.zonelist, a.order, a.mt, a.flags, a.owner);
      } else if (op === "free") {
        records.free(enc, k, this.pfnIndex(o.pfn));
      } else {
        records.freeOwner(enc, k, checkOwner(o.owner));
      }
    }
    const out: number[] = new Array<number>(ops.length);
    const base = this.machine.basePfn;
    const ioWord = this.ioPtr >>> 2;
    for (let i = 0; i < ops.length; i += records.capacity) {
      const n = Math.min(records.capacity, ops.length - i);
      this.views.u32.set(enc.subarray(i * records.words, (i + n) * records.words), ioWord);
      const done = this.exports.batchRun(n);
      const res = this.views.i32.subarray(ioWord, ioWord + n * records.words);
      for (let k = 0; k < done; k++) {
        const v = records.result(res, k);
        out[i + k] = records.op(res, k) === this.abi.OP_ALLOC ? (v < 0 ? -1 : v + base) : v;
      }
      if (done < n) {
        const bad = ops[i + done];
        throw this.freeError(bad.op === "free" ? bad.pfn : -1, records.result(res, done));
      }
    }
    return out;
  }

  watermarkOk2611(
    slot: number,
    order: number,
    mark: number,
    classzoneIdx: number,
    canTryHarder: boolean,
    gfpHigh: boolean,
  ): boolean {
    this.zone(slot);
    checkMark(mark);
    return this.exports.watermarkOk2611(slot, order, mark, classzoneIdx, canTryHarder ? 1 : 0, gfpHigh ? 1 : 0) !== 0;
  }

  watermarkOk618(slot: number, order: number, mark: number, highestZoneidx: number, allocFlags: number): boolean {
    this.zone(slot);
    checkMark(mark);
    return this.exports.watermarkOk618(slot, order, mark, highestZoneidx, allocFlags) !== 0;
  }

  /** A zone's engine record. An empty zone has none: every counter is 0 and every list empty. */
  private zoneRecord(slot: number): ZoneRecord | null {
    return this.zone(slot).spannedPages === 0 ? null : this.zoneRecords.read(slot);
  }

  private emptyCounters(): ZoneCounters {
    const nrFree = new Array<number>(this.machine.maxOrder).fill(0);
    return { freePages: 0, freeCmaPages: 0, nrReservedHighatomic: 0, nrFreeHighatomic: 0, watermarkBoost: 0, nrFree };
  }

  /** A zone's free-page counters, without walking any list. */
  counters(slot: number): ZoneCounters {
    this.live();
    const r = this.zoneRecord(slot);
    if (!r) return this.emptyCounters();
    return {
      freePages: r.freePages,
      freeCmaPages: r.freeCmaPages,
      nrReservedHighatomic: r.nrReservedHighatomic,
      nrFreeHighatomic: r.nrFreeHighatomic,
      watermarkBoost: r.watermarkBoost,
      nrFree: r.nrFree,
    };
  }

  /** Per-zone statistics. */
  stats(slot: number): ZoneStats {
    const z = this.zone(slot);
    const r = this.zoneRecord(slot);
    const c = r ?? this.emptyCounters();
    const boost = c.watermarkBoost;
    const nrFreeByType: number[][] = [];
    for (let o = 0; o < this.machine.maxOrder; o++) {
      // Counted by walking the lists, as /proc/pagetypeinfo does (the engine keeps no such counter).
      const row: number[] = [];
      for (let mt = 0; mt < this.abi.MIGRATE_TYPES; mt++) row.push(this.listPfns(slot, o, mt).length);
      nrFreeByType.push(row);
    }
    let largest = -1;
    c.nrFree.forEach((n, o) => {
      if (n > 0) largest = o;
    });
    const w = r?.watermark;
    return {
      node: z.node,
      type: z.type,
      slot,
      startPfn: z.startPfn,
      spannedPages: z.spannedPages,
      presentPages: z.presentPages,
      managedPages: z.managedPages,
      freePages: c.freePages,
      freeCmaPages: c.freeCmaPages,
      nrReservedHighatomic: c.nrReservedHighatomic,
      nrFreeHighatomic: c.nrFreeHighatomic,
      watermarks: w
        ? { min: w.min + boost, low: w.low + boost, high: w.high + boost, promo: w.promo + boost }
        : { ...z.watermarks },
      watermarkBoost: boost,
      boostEvents: r ? r.boostEvents : 0,
      fallbacks: r ? r.fallbacks : 0,
      fallbacksFragmenting: r ? r.fallbacksFragmenting : 0,
      lowmemReserve: r ? r.lowmemReserve : [...z.lowmemReserve],
      nrFree: c.nrFree,
      nrFreeByType,
      largestFreeOrder: largest,
    };
  }

  allStats(): ZoneStats[] {
    this.live();
    return this.machine.zones.map((z) => this.stats(z.slot));
  }

  private listPfns(slot: number, order: number, mt: number): number[] {
    const out: number[] = [];
    if (this.zone(slot).spannedPages === 0) return out;
    const nil = this.abi.NIL;
    let cur = this.zoneRecords.listHead(slot, order, mt);
    while (cur !== nil && out.length <= this.machine.nrPages) {
      out.push(cur + this.machine.basePfn);
      cur = this.pages.next(cur);
    }
    return out;
  }

  /** A copy of the pageblock migratetypes, one per pageblock from basePfn. */
  pageblockTypes(): Uint8Array {
    this.live();
    return this.pages.pageblocks(Math.ceil(this.machine.nrPages / 2 ** this.machine.pageblockOrder));
  }

  /** The complete state, for differential tests and what-if comparisons. */
  snapshot(): MachineState {
    this.live();
    const abi = this.abi;
    const zones: ZoneState[] = this.machine.zones.map((z) => {
      const s = this.stats(z.slot);
      const lists: number[][][] = [];
      for (let o = 0; o < this.machine.maxOrder; o++) {
        lists.push(Array.from({ length: abi.MIGRATE_TYPES }, (_, mt) => this.listPfns(z.slot, o, mt)));
      }
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
    const info = this.pages.infoWords(this.machine.nrPages);
    for (let idx = 0; idx < this.machine.nrPages; idx++) {
      const p = decodePageInfo(abi, info[idx]);
      if (p.state !== abi.STATE_ALLOC) continue;
      allocated.push([idx + this.machine.basePfn, p.order, p.migratetype, this.pages.next(idx)]);
    }
    const state: MachineState = { zones, pageblocks, allocated };
    if (this.hasPcp) state.pcp = this.machine.zones.flatMap((z) => this.pcpState(z.slot));
    return state;
  }

  /** Runs the engine's full invariant check; throws OOMLAB_INVARIANT with the details. */
  checkInvariants(): void {
    this.live();
    const r = this.exports.checkInvariants();
    if (r === this.abi.CHECK_OK) return;
    const d = readInvariantRecord(this.abi, this.views, this.ioPtr);
    const where = `zone slot ${d.slot}, page idx ${d.idx}, detail ${d.detail}`;
    throw new OomlabError("OOMLAB_INVARIANT", `invariant violated: ${invariantMessage(this.abi, r)} (${where})`);
  }
}
