// The engine's ABI in one place: operation and return codes, page states, migratetypes, limits and
// the layouts of the records TypeScript reads and writes in engine memory (zone records, zonelists,
// batch records, the churn stats record, the invariant record). Every number comes from the engine's
// exported constants (assembly/index.ts), read once per instance by wasm.ts; nothing is retyped
// here. The classes below are named views over those records; assembly/mmzone.ts, workload.ts and
// debug.ts draw the layouts.
//
// No WebAssembly here: wasm.ts hands over the exported constants and the memory object.

import { OomlabError } from "../errors.js";

/** Every constant the engine exports, by name (test/engine/abi.test.ts checks both directions). */
export const ABI_NAMES = [
  // the page info word, page states, migratetypes, eras, limits
  "PAGE_META_BYTES",
  "ORDER_MASK",
  "STATE_SHIFT",
  "STATE_MASK",
  "MT_SHIFT",
  "MT_MASK",
  "STATE_TAIL",
  "STATE_FREE",
  "STATE_ALLOC",
  "STATE_RESERVED",
  "STATE_HOLE",
  "MIGRATE_UNMOVABLE",
  "MIGRATE_MOVABLE",
  "MIGRATE_RECLAIMABLE",
  "MIGRATE_HIGHATOMIC",
  "MIGRATE_CMA",
  "MIGRATE_ISOLATE",
  "MIGRATE_TYPES",
  "MT_SLOTS_SHIFT",
  "MAX_ORDER_LIMIT",
  "MAX_PAGES",
  "MAX_NR_ZONES",
  "MAX_NODES",
  "MAX_ZONES",
  "MAX_ZONELISTS",
  "IO_BYTES",
  "NIL",
  "ERA_2_6_11",
  "ERA_6_18",
  "ERA_6_1",
  "MOVABLE_BIT",
  "PB_MT_MASK",
  "PB_MIGRATE_SKIP",
  "STATE_PCP",
  "ZONE_BOOSTED_WATERMARK",
  "ZONE_RECLAIM_ACTIVE",
  "ZONE_BELOW_HIGH",
  // the per-CPU lists (assembly/pcp.ts): rule sets, limits, struct per_cpu_pages
  "PCP_RULES_FIXED",
  "PCP_RULES_AUTOTUNE",
  "PCP_MAX_CPUS",
  "NR_PCP_LISTS",
  "PCP_COUNT",
  "PCP_HIGH",
  "PCP_HIGH_MIN",
  "PCP_HIGH_MAX",
  "PCP_BATCH",
  "PCP_FLAGS",
  "PCP_ALLOC_FACTOR",
  "PCP_FREE_COUNT",
  "PCP_LISTS",
  "PCP_SIZE",
  // the zone record and its free lists, the zonelist record, the machine header
  "Z_START",
  "Z_END",
  "Z_PRESENT",
  "Z_MANAGED",
  "Z_ALIGN_BASE",
  "Z_TYPE",
  "Z_NODE",
  "Z_POPULATED",
  "Z_FREE_PAGES",
  "Z_FREE_CMA",
  "Z_RESERVED_HIGHATOMIC",
  "Z_FREE_HIGHATOMIC",
  "Z_WMARK",
  "Z_BOOST",
  "Z_FLAGS",
  "Z_BOOST_EVENTS",
  "Z_FALLBACKS",
  "Z_FALLBACKS_FRAGMENTING",
  "Z_LOWMEM_RESERVE",
  "Z_NR_FREE",
  "Z_LISTS",
  "LIST_HEAD",
  "LIST_TAIL",
  "ZONE_SIZE",
  "WMARK_MIN",
  "WMARK_LOW",
  "WMARK_HIGH",
  "WMARK_PROMO",
  "ZL_HIGHEST",
  "ZL_COUNT",
  "ZL_SLOTS",
  "ZONELIST_SIZE",
  "HEADER_SIZE",
  "Z_CC_MIGRATE_ASYNC",
  "Z_CC_MIGRATE_SYNC",
  "Z_CC_FREE",
  "Z_CC_INIT_MIGRATE",
  "Z_CC_INIT_FREE",
  "Z_CC_BLOCKSKIP_FLUSH",
  // compaction (assembly/compaction.ts): enum compact_result, enum migrate_mode, the pass's flags, the
  // compact record and the move record
  "COMPACT_NOT_SUITABLE_ZONE",
  "COMPACT_SKIPPED",
  "COMPACT_DEFERRED",
  "COMPACT_NO_SUITABLE_PAGE",
  "COMPACT_CONTINUE",
  "COMPACT_COMPLETE",
  "COMPACT_PARTIAL_SKIPPED",
  "COMPACT_CONTENDED",
  "COMPACT_SUCCESS",
  "MIGRATE_ASYNC",
  "MIGRATE_SYNC_LIGHT",
  "MIGRATE_SYNC",
  "COMPACT_CLUSTER_MAX",
  "CF_WHOLE_ZONE",
  "CF_IGNORE_SKIP_HINT",
  "CF_IGNORE_BLOCK_SUITABLE",
  "CF_DIRECT",
  "CF_PROACTIVE",
  "CF_CAPTURE",
  "CF_RESET_SKIP",
  "CR_RESULT",
  "CR_MIGRATE_SCANNED",
  "CR_FREE_SCANNED",
  "CR_ISOLATED",
  "CR_MIGRATE_SUCCESS",
  "CR_MIGRATE_FAIL",
  "CR_NR_MOVES",
  "CR_MOVES_PTR",
  "CR_CAPTURED",
  "CR_MIGRATE_PFN",
  "CR_FREE_PFN",
  "COMPACT_RECORD_BYTES",
  "MOVE_RECORD_BYTES",
  // return codes
  "E_OK",
  "E_BAD_PARAM",
  "E_TOO_BIG",
  "E_NO_MEMORY",
  "E_OVERLAP",
  "E_BAD_ZONE",
  "E_NOT_ALLOCATED",
  "E_OUT_OF_RANGE",
  "E_BAD_ORDER",
  "E_BAD_OP",
  // the batch record and its operations
  "OP_ALLOC",
  "OP_FREE",
  "OP_FREE_OWNER",
  "BR_OP",
  "BR_ARG",
  "BR_OWNER",
  "BR_RESULT",
  "BATCH_RECORD_BYTES",
  "BR_OP_SHIFT",
  "BR_ORDER_SHIFT",
  "BR_MT_SHIFT",
  "BR_ZONELIST_SHIFT",
  "BR_FIELD_MASK",
  // the churn stats record
  "CS_SUM",
  "CS_HASH",
  "CS_ALLOCS",
  "CS_FREES",
  "CS_FAILS",
  "CS_CAP_FREES",
  "CS_NOOPS",
  "CS_LIVE_COUNT",
  "CS_LIVE_PAGES",
  "CS_FREE_PAGES",
  "CS_NR_FREE",
  // the invariant check and its record
  "CHECK_OK",
  "CHECK_TAIL_AS_HEAD",
  "CHECK_MISALIGNED",
  "CHECK_OUTSIDE_ZONE",
  "CHECK_OVERLAP",
  "CHECK_LIST_LINK",
  "CHECK_LIST_ENTRY",
  "CHECK_NR_FREE",
  "CHECK_FREE_PAGES",
  "CHECK_UNMERGED",
  "CHECK_PAGEBLOCK_MT",
  "CHECK_PCP_LIST",
  "CHECK_PCP_COUNT",
  "IR_CODE",
  "IR_SLOT",
  "IR_IDX",
  "IR_DETAIL",
  "INVARIANT_RECORD_BYTES",
  // ALLOC_* flags (mm/internal.h 6.18)
  "ALLOC_NO_WATERMARKS",
  "ALLOC_OOM",
  "ALLOC_NON_BLOCK",
  "ALLOC_MIN_RESERVE",
  "ALLOC_CPUSET",
  "ALLOC_CMA",
  "ALLOC_NOFRAGMENT",
  "ALLOC_HIGHATOMIC",
  "ALLOC_KSWAPD",
] as const;
export type AbiName = (typeof ABI_NAMES)[number];
/** The engine's constants by name. E_* codes are negative; everything else is read as a u32. */
export type Abi = Readonly<Record<AbiName, number>>;

/** Picks the ABI out of an instance's exported constants (signed i32 values, as WebAssembly gives
 *  them); a name the engine does not export is a build mismatch. */
export function readAbi(constants: Readonly<Record<string, number>>): Abi {
  const abi = {} as Record<AbiName, number>;
  for (const name of ABI_NAMES) {
    const v = constants[name];
    if (v === undefined) throw new OomlabError("OOMLAB_WASM", `the engine does not export ${name}`);
    abi[name] = name.startsWith("E_") ? v | 0 : v >>> 0;
  }
  return Object.freeze(abi);
}

/** The engine's memory as the host sees it (a WebAssembly.Memory satisfies it). */
export interface LinearMemory {
  readonly buffer: ArrayBuffer;
}

/** Typed arrays over engine memory. Growing the memory detaches its buffer (byteLength 0) and gives a
 *  new one; the arrays are made again only then (sync() reads the held buffer's byteLength, which is
 *  cheaper than the Memory.buffer getter on every access). */
export class MemoryViews {
  private buffer: ArrayBuffer;
  private bytes: Uint8Array;
  private halves: Uint16Array;
  private words: Uint32Array;
  private signedWords: Int32Array;

  constructor(private readonly memory: LinearMemory) {
    this.buffer = memory.buffer;
    this.bytes = new Uint8Array(this.buffer);
    this.halves = new Uint16Array(this.buffer);
    this.words = new Uint32Array(this.buffer);
    this.signedWords = new Int32Array(this.buffer);
  }

  private sync(): void {
    if (this.buffer.byteLength !== 0) return;
    this.buffer = this.memory.buffer;
    this.bytes = new Uint8Array(this.buffer);
    this.halves = new Uint16Array(this.buffer);
    this.words = new Uint32Array(this.buffer);
    this.signedWords = new Int32Array(this.buffer);
  }

  get u8(): Uint8Array {
    this.sync();
    return this.bytes;
  }
  get u16(): Uint16Array {
    this.sync();
    return this.halves;
  }
  get u32(): Uint32Array {
    this.sync();
    return this.words;
  }
  get i32(): Int32Array {
    this.sync();
    return this.signedWords;
  }
  /** The u64 at a byte offset (8-aligned). */
  u64(byteOff: number): bigint {
    this.sync();
    return new BigUint64Array(this.buffer, byteOff, 1)[0];
  }
  /** The size of the memory in bytes. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }
}

/** The fields of a page's info word (assembly/mmzone.ts draws it). */
export interface PageInfo {
  order: number;
  state: number;
  migratetype: number;
  /** An allocated head compaction may migrate (MOVABLE_BIT). */
  movable: boolean;
}

/** Decodes page info words. */
export function decodePageInfo(abi: Abi, info: number): PageInfo {
  return {
    order: info & abi.ORDER_MASK,
    state: (info >>> abi.STATE_SHIFT) & abi.STATE_MASK,
    migratetype: (info >>> abi.MT_SHIFT) & abi.MT_MASK,
    movable: (info & abi.MOVABLE_BIT) !== 0,
  };
}

/** The per-page arrays of a machine: info (u16), next (u32; an allocated head's owner) and the
 *  pageblock migratetypes. Their offsets are fixed by machineInit for the machine's life. */
export class PageArrays {
  private readonly infoHalf: number;
  private readonly nextWord: number;
  private readonly pageblocksOff: number;

  constructor(
    private readonly abi: Abi,
    private readonly views: MemoryViews,
    ptrs: { info: number; next: number; pageblocks: number },
  ) {
    this.infoHalf = ptrs.info >>> 1;
    this.nextWord = ptrs.next >>> 2;
    this.pageblocksOff = ptrs.pageblocks;
  }

  info(idx: number): number {
    return this.views.u16[this.infoHalf + idx];
  }
  state(idx: number): number {
    return (this.info(idx) >>> this.abi.STATE_SHIFT) & this.abi.STATE_MASK;
  }
  /** The list link of a free head, or the owner of an allocated head. */
  next(idx: number): number {
    return this.views.u32[this.nextWord + idx];
  }
  /** The info words of page frames [0, count). */
  infoWords(count: number): Uint16Array {
    return this.views.u16.subarray(this.infoHalf, this.infoHalf + count);
  }
  /** A copy of count pageblock migratetypes (without the skip hints). */
  pageblocks(count: number): Uint8Array {
    const out = this.views.u8.slice(this.pageblocksOff, this.pageblocksOff + count);
    const mask = this.abi.PB_MT_MASK;
    for (let i = 0; i < out.length; i++) out[i] &= mask;
    return out;
  }
  /** PB_migrate_skip of pageblock i (from idx 0). */
  pageblockSkip(i: number): boolean {
    return (this.views.u8[this.pageblocksOff + i] & this.abi.PB_MIGRATE_SKIP) !== 0;
  }
}

/** One zone record, every field by name (assembly/mmzone.ts draws it). */
export interface ZoneRecord {
  start: number;
  end: number;
  presentPages: number;
  managedPages: number;
  alignBase: number;
  zoneIdx: number;
  node: number;
  populated: boolean;
  freePages: number;
  freeCmaPages: number;
  nrReservedHighatomic: number;
  nrFreeHighatomic: number;
  /** _watermark[], without the boost. */
  watermark: { min: number; low: number; high: number; promo: number };
  watermarkBoost: number;
  flags: number;
  boostEvents: number;
  fallbacks: number;
  fallbacksFragmenting: number;
  lowmemReserve: number[];
  /** nr_free (blocks) per order, orders 0 .. maxOrder - 1. */
  nrFree: number[];
}

/** Named reads of the zone records. The records' base is fixed for the engine instance; the reader
 *  keeps it (and the word index of every field) for the machine's life. */
export class ZoneRecords {
  private readonly baseWord: number;
  private readonly zoneWords: number;

  constructor(
    private readonly abi: Abi,
    private readonly views: MemoryViews,
    zonesPtr: number,
    private readonly maxOrder: number,
  ) {
    this.baseWord = zonesPtr >>> 2;
    this.zoneWords = abi.ZONE_SIZE >>> 2;
  }

  /** The u32 at byte offset off of a zone record (a Z_* offset). */
  word(slot: number, off: number): number {
    return this.views.u32[this.baseWord + slot * this.zoneWords + (off >>> 2)];
  }

  /** The first block (idx) on free_list[order][mt], or NIL. */
  listHead(slot: number, order: number, mt: number): number {
    const a = this.abi;
    return this.word(slot, a.Z_LISTS + ((order << a.MT_SLOTS_SHIFT) | mt) * 8 + a.LIST_HEAD);
  }

  /** Every field of a zone record. */
  read(slot: number): ZoneRecord {
    const a = this.abi;
    const w = (off: number) => this.word(slot, off);
    const mark = (i: number) => w(a.Z_WMARK + i * 4);
    const watermark = {
      min: mark(a.WMARK_MIN),
      low: mark(a.WMARK_LOW),
      high: mark(a.WMARK_HIGH),
      promo: mark(a.WMARK_PROMO),
    };
    return {
      start: w(a.Z_START),
      end: w(a.Z_END),
      presentPages: w(a.Z_PRESENT),
      managedPages: w(a.Z_MANAGED),
      alignBase: w(a.Z_ALIGN_BASE),
      zoneIdx: w(a.Z_TYPE),
      node: w(a.Z_NODE),
      populated: w(a.Z_POPULATED) !== 0,
      freePages: w(a.Z_FREE_PAGES),
      freeCmaPages: w(a.Z_FREE_CMA),
      nrReservedHighatomic: w(a.Z_RESERVED_HIGHATOMIC),
      nrFreeHighatomic: w(a.Z_FREE_HIGHATOMIC),
      watermark,
      watermarkBoost: w(a.Z_BOOST),
      flags: w(a.Z_FLAGS),
      boostEvents: w(a.Z_BOOST_EVENTS),
      fallbacks: w(a.Z_FALLBACKS),
      fallbacksFragmenting: w(a.Z_FALLBACKS_FRAGMENTING),
      lowmemReserve: Array.from({ length: a.MAX_NR_ZONES }, (_, i) => w(a.Z_LOWMEM_RESERVE + i * 4)),
      nrFree: Array.from({ length: this.maxOrder }, (_, o) => w(a.Z_NR_FREE + o * 4)),
    };
  }
}

/** The zonelist record zonelistSet() reads from the IO buffer: [highest zone index, count, slots]. */
export function writeZonelistRecord(
  abi: Abi,
  views: MemoryViews,
  ioPtr: number,
  classzoneIdx: number,
  slots: readonly number[],
): void {
  const u8 = views.u8;
  u8[ioPtr + abi.ZL_HIGHEST] = classzoneIdx;
  u8[ioPtr + abi.ZL_COUNT] = slots.length;
  u8.set(slots, ioPtr + abi.ZL_SLOTS);
}

/** The batch records batchRun() reads and answers in the IO buffer, encoded in a host array of the
 *  same layout (words per record: BATCH_RECORD_BYTES / 4). */
export class BatchRecords {
  readonly words: number;
  /** Records the IO buffer holds. */
  readonly capacity: number;
  private readonly opWord: number;
  private readonly argWord: number;
  private readonly ownerWord: number;
  private readonly resultWord: number;

  constructor(private readonly abi: Abi) {
    this.words = abi.BATCH_RECORD_BYTES >>> 2;
    this.capacity = Math.floor(abi.IO_BYTES / abi.BATCH_RECORD_BYTES);
    this.opWord = abi.BR_OP >>> 2;
    this.argWord = abi.BR_ARG >>> 2;
    this.ownerWord = abi.BR_OWNER >>> 2;
    this.resultWord = abi.BR_RESULT >>> 2;
  }

  alloc(out: Uint32Array, k: number, zonelist: number, order: number, mt: number, flags: number, owner: number): void {
    const a = this.abi;
    const r = k * this.words;
    const op = (a.OP_ALLOC << a.BR_OP_SHIFT) | (order << a.BR_ORDER_SHIFT) | (mt << a.BR_MT_SHIFT);
    out[r + this.opWord] = op | (zonelist << a.BR_ZONELIST_SHIFT);
    out[r + this.argWord] = flags;
    out[r + this.ownerWord] = owner;
  }

  free(out: Uint32Array, k: number, idx: number): void {
    const r = k * this.words;
    out[r + this.opWord] = this.abi.OP_FREE << this.abi.BR_OP_SHIFT;
    out[r + this.argWord] = idx;
  }

  freeOwner(out: Uint32Array, k: number, owner: number): void {
    const r = k * this.words;
    out[r + this.opWord] = this.abi.OP_FREE_OWNER << this.abi.BR_OP_SHIFT;
    out[r + this.ownerWord] = owner;
  }

  /** The operation code of record k. */
  op(rec: Uint32Array | Int32Array, k: number): number {
    return (rec[k * this.words + this.opWord] >>> this.abi.BR_OP_SHIFT) & this.abi.BR_FIELD_MASK;
  }

  /** The result of record k (signed). */
  result(rec: Int32Array, k: number): number {
    return rec[k * this.words + this.resultWord];
  }
}

/** The churn stats record (the fields of the churn benchmark's checksum), by name. */
export interface ChurnStats {
  sum: bigint;
  hash: number;
  allocs: number;
  frees: number;
  fails: number;
  capFrees: number;
  noops: number;
  liveCount: number;
  livePages: number;
  freePages: number;
  /** nr_free of the churn zone, orders 0 .. maxOrder - 1. */
  nrFree: number[];
}

/** Reads the churn stats record churnStats() wrote to the IO buffer. */
export function readChurnStats(abi: Abi, views: MemoryViews, ioPtr: number, maxOrder: number): ChurnStats {
  const u32 = views.u32;
  const w = (off: number) => u32[(ioPtr + off) >>> 2];
  return {
    sum: views.u64(ioPtr + abi.CS_SUM),
    hash: w(abi.CS_HASH),
    allocs: w(abi.CS_ALLOCS),
    frees: w(abi.CS_FREES),
    fails: w(abi.CS_FAILS),
    capFrees: w(abi.CS_CAP_FREES),
    noops: w(abi.CS_NOOPS),
    liveCount: w(abi.CS_LIVE_COUNT),
    livePages: w(abi.CS_LIVE_PAGES),
    freePages: w(abi.CS_FREE_PAGES),
    nrFree: Array.from({ length: maxOrder }, (_, o) => w(abi.CS_NR_FREE + o * 4)),
  };
}

/** The invariant record checkInvariants() writes to the IO buffer on a violation. */
export interface InvariantRecord {
  /** A CHECK_* code. */
  code: number;
  slot: number;
  idx: number;
  detail: number;
}

export function readInvariantRecord(abi: Abi, views: MemoryViews, ioPtr: number): InvariantRecord {
  const i32 = views.i32;
  const u32 = views.u32;
  return {
    code: i32[(ioPtr + abi.IR_CODE) >>> 2],
    slot: u32[(ioPtr + abi.IR_SLOT) >>> 2],
    idx: u32[(ioPtr + abi.IR_IDX) >>> 2],
    detail: u32[(ioPtr + abi.IR_DETAIL) >>> 2],
  };
}

/** What each violation means, by the engine's CHECK_* name. */
const INVARIANT_MESSAGES = {
  CHECK_TAIL_AS_HEAD: "tail where a head belongs",
  CHECK_MISALIGNED: "misaligned block",
  CHECK_OUTSIDE_ZONE: "block outside its zone",
  CHECK_OVERLAP: "overlapping blocks",
  CHECK_LIST_LINK: "broken list links",
  CHECK_LIST_ENTRY: "bad list entry",
  CHECK_NR_FREE: "nr_free mismatch",
  CHECK_FREE_PAGES: "free page counter mismatch",
  CHECK_UNMERGED: "unmerged free buddies",
  CHECK_PAGEBLOCK_MT: "free block on the wrong migratetype list",
  CHECK_PCP_LIST: "bad per-CPU list entry",
  CHECK_PCP_COUNT: "per-CPU list count mismatch",
} as const satisfies Partial<Record<AbiName, string>>;

/** The CHECK_* names that report a violation (all but CHECK_OK). */
export const INVARIANT_NAMES = Object.keys(INVARIANT_MESSAGES) as (keyof typeof INVARIANT_MESSAGES)[];

/** The message for a CHECK_* code, or the code itself when the engine has a check this table lacks. */
export function invariantMessage(abi: Abi, code: number): string {
  const name = INVARIANT_NAMES.find((n) => abi[n] === code);
  return name ? INVARIANT_MESSAGES[name] : String(code);
}

/** What one compact_zone pass did (the compact record, assembly/compaction.ts). */
export interface CompactRecord {
  /** enum compact_result. */
  result: number;
  migrateScanned: number;
  freeScanned: number;
  isolated: number;
  migrateSuccess: number;
  migrateFail: number;
  nrMoves: number;
  movesPtr: number;
  /** The captured block's idx, or NIL. */
  captured: number;
  migratePfn: number;
  freePfn: number;
}

export function readCompactRecord(abi: Abi, views: MemoryViews, ioPtr: number): CompactRecord {
  const u32 = views.u32;
  const w = (off: number) => u32[(ioPtr + off) >>> 2];
  return {
    result: views.i32[(ioPtr + abi.CR_RESULT) >>> 2],
    migrateScanned: w(abi.CR_MIGRATE_SCANNED),
    freeScanned: w(abi.CR_FREE_SCANNED),
    isolated: w(abi.CR_ISOLATED),
    migrateSuccess: w(abi.CR_MIGRATE_SUCCESS),
    migrateFail: w(abi.CR_MIGRATE_FAIL),
    nrMoves: w(abi.CR_NR_MOVES),
    movesPtr: w(abi.CR_MOVES_PTR),
    captured: w(abi.CR_CAPTURED),
    migratePfn: w(abi.CR_MIGRATE_PFN),
    freePfn: views.i32[(ioPtr + abi.CR_FREE_PFN) >>> 2],
  };
}

/** One CPU's struct per_cpu_pages of a zone (assembly/pcp.ts draws it). */
export interface PcpRecord {
  count: number;
  high: number;
  highMin: number;
  highMax: number;
  batch: number;
  flags: number;
  allocFactor: number;
  /** free_count (6.18) or free_factor (6.1). */
  freeCount: number;
  /** The first block (idx) of each list, NIL when empty. */
  heads: number[];
}

/** Reads the struct per_cpu_pages at ptr (pcpPtr). */
export function readPcpRecord(abi: Abi, views: MemoryViews, ptr: number): PcpRecord {
  const i32 = views.i32;
  const w = (off: number) => i32[(ptr + off) >>> 2];
  return {
    count: w(abi.PCP_COUNT),
    high: w(abi.PCP_HIGH),
    highMin: w(abi.PCP_HIGH_MIN),
    highMax: w(abi.PCP_HIGH_MAX),
    batch: w(abi.PCP_BATCH),
    flags: w(abi.PCP_FLAGS),
    allocFactor: w(abi.PCP_ALLOC_FACTOR),
    freeCount: w(abi.PCP_FREE_COUNT),
    heads: Array.from({ length: abi.NR_PCP_LISTS }, (_, i) => views.u32[(ptr + abi.PCP_LISTS + i * 8) >>> 2]),
  };
}
