// proc: parsers for /proc/buddyinfo (2.6.11 .. 6.18), /proc/zoneinfo (2.6.13 .. 6.18) and
// /proc/pagetypeinfo (2.6.24 .. 6.18), the text the kernel's seq_printf calls produce (mm/vmstat.c;
// mm/page_alloc.c before 2.6.18). Line by line, never throwing: what is not the kernel's format
// becomes a warning with its 1-based line number, so pasted, wrapped or truncated dumps still parse.
// Each file keeps its first MAX_WARNINGS warnings (parse/warnings.ts) and counts the rest.

import { CappedWarnings, echoed, quoted, type LineWarning } from "./warnings.js";

export type ProcWarning = LineWarning;

/** The warnings part of every /proc parse result. */
interface ProcWarnings {
  /** The first MAX_WARNINGS by line. */
  warnings: ProcWarning[];
  /** How many more there were; present only when some were left out. */
  warningsOmitted?: number;
}

/** Puts a collector's warnings into a result. */
function settle<T extends ProcWarnings>(out: T, w: CappedWarnings): T {
  const { warnings, omitted } = w.finish();
  out.warnings = warnings;
  if (omitted > 0) out.warningsOmitted = omitted;
  return out;
}

/** A %lu / %d as printed; undefined unless it is an exact integer (a corrupt or huge value). */
function int(s: string): number | undefined {
  if (!/^-?\d+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

function ints(s: string): number[] | undefined {
  const t = s.trim();
  if (t === "") return [];
  const out: number[] = [];
  for (const tok of t.split(/\s+/)) {
    const n = int(tok);
    if (n === undefined || n < 0) return undefined;
    out.push(n);
  }
  return out;
}

/** Calls visit with each line (split at \n, \r\n or \r) and its 1-based number, keeping none. */
function forEachProcLine(text: string, visit: (l: string, line: number) => void): number {
  const BREAK = /\r\n?|\n/g;
  let start = 0;
  let line = 0;
  for (let m = BREAK.exec(text); m; m = BREAK.exec(text)) {
    visit(text.slice(start, m.index), ++line);
    start = m.index + m[0].length;
  }
  visit(text.slice(start), ++line);
  return line;
}

// ---- /proc/buddyinfo ---------------------------------------------------------------------------

export interface BuddyinfoZone {
  node: number;
  name: string;
  /** nr_free per order: free blocks, not pages. */
  freeAreas: number[];
}

export interface BuddyinfoResult extends ProcWarnings {
  zones: BuddyinfoZone[];
}

// frag_show_print (mm/vmstat.c 2.6.18 .. 6.18; frag_show in mm/page_alloc.c 2.6.11 .. 2.6.17):
// "Node %d, zone %8s " then "%6lu " per order (MAX_ORDER of 11 usually, 12 on some arm64/riscv).
const BUDDY_ROW = /^Node (\d+), zone\s+(\S+)((?:\s+\S+)*)\s*$/;

export function parseBuddyinfo(text: string): BuddyinfoResult {
  const out: BuddyinfoResult = { zones: [], warnings: [] };
  const warn = new CappedWarnings();
  forEachProcLine(text, (l, line) => {
    if (l.trim() === "") return;
    const m = BUDDY_ROW.exec(l);
    const counts = m ? ints(m[3]) : undefined;
    const node = m ? int(m[1]) : undefined;
    if (!m || !counts || node === undefined || counts.length === 0) {
      warn.add({ line, message: `not a buddyinfo row: ${quoted(l.slice(0, 80))}` });
      return;
    }
    const first = out.zones[0];
    if (first && first.freeAreas.length !== counts.length) {
      warn.add({ line, message: `${counts.length} orders where the first row has ${first.freeAreas.length}` });
    }
    out.zones.push({ node, name: m[2], freeAreas: counts });
  });
  return settle(out, warn);
}

// ---- /proc/vmstat -----------------------------------------------------------------------------

export interface VmstatResult extends ProcWarnings {
  /** Every "name value" line, by name (the first of a repeated name). */
  counters: Record<string, number>;
}

// vmstat_show (mm/vmstat.c 6.1, 6.18): "%s %lu\n" per item of vmstat_text.
const VMSTAT_ROW = /^([a-z0-9_]{1,64}) (\d{1,20})\s*$/;

export function parseVmstat(text: string): VmstatResult {
  const out: VmstatResult = { counters: {}, warnings: [] };
  const warn = new CappedWarnings();
  const seen = new Map<string, number>();
  forEachProcLine(text, (l, line) => {
    if (l.trim() === "") return;
    const m = VMSTAT_ROW.exec(l);
    if (!m) {
      warn.add({ line, message: `not a vmstat line: ${quoted(l.slice(0, 80))}` });
      return;
    }
    if (!seen.has(m[1])) seen.set(m[1], Number(m[2]));
  });
  out.counters = Object.fromEntries(seen);
  return settle(out, warn);
}

// ---- /proc/zoneinfo ----------------------------------------------------------------------------

export interface Pageset {
  cpu: number;
  /** 2.6.13 .. 2.6.2x print two lists per CPU, pcp 0 (hot) and 1 (cold). */
  pcp?: number;
  count: number;
  high: number;
  batch: number;
  /** 2.6.13 .. 2.6.15 only. */
  low?: number;
  /** Printed by mm/vmstat.c zoneinfo_show_print in 6.14 and 6.18; 6.7 as the first release is from
   *  memory, not read in a release tree. */
  highMin?: number;
  highMax?: number;
  statThreshold?: number;
}

export interface ZoneinfoZone {
  node: number;
  name: string;
  /** Line of the "Node %d, zone %8s" header. */
  line: number;
  pagesFree: number;
  boost?: number;
  /** As printed: 5.x+ add watermark_boost to min, low, high and promo (wmark_pages()). */
  min: number;
  low: number;
  high: number;
  promo?: number;
  spanned: number;
  present: number;
  managed?: number;
  cma?: number;
  protection: number[] | null;
  startPfn?: number;
  /** Zone vmstat items, 2.6.13 .. 2.6.17 active/inactive/scanned, summed per-CPU NUMA counters. */
  stats: Record<string, number>;
  pagesets: Pageset[];
}

export interface ZoneinfoResult extends ProcWarnings {
  zones: ZoneinfoZone[];
  /** 4.8+: node vmstat items, printed under the node's first populated zone. */
  nodeStats: { node: number; line: number; stats: Record<string, number> }[];
}

// zoneinfo_show_print (mm/vmstat.c 2.6.18 .. 6.18; zoneinfo_show in mm/page_alloc.c 2.6.13 .. 2.6.17):
// "Node %d, zone %8s". 6.x prints every zone, empty ones up to their protection line; older kernels
// skip unpopulated zones.
const ZONE_HEAD = /^Node (\d+), zone\s+(\S+)\s*$/;
// "\n  per-node stats" (4.8+, is_zone_first_populated).
const NODE_STATS = /^\s*per-node stats\s*$/;
// "\n  pages free     %lu" (all versions).
const PAGES_FREE = /^\s*pages free\s+(\d+)\s*$/;
// "\n        min      %lu", low, high, spanned, present (all); active/inactive (2.6.13 .. 2.6.17);
// managed (3.x+); boost (5.x+, present in 5.10); promo (6.1+); cma (late 5.x+, present in 6.18).
const FIELD = /^\s*(boost|min|low|high|promo|spanned|present|managed|cma|active|inactive)\s+(\d+)\s*$/;
// "\n        scanned  %lu (a: %lu i: %lu)" (2.6.13 .. 2.6.2x), "(aa: .. if: ..)" in the split-LRU
// patches, plain "%lu" until pages_scanned left (4.x).
const SCANNED = /^\s*scanned\s+(\d+)(?:\s+\(.*\))?\s*$/;
// "\n        protection: (%lu" then ", %lu" per zone and ")" (%ld in 6.x: lowmem_reserve is long).
const PROTECTION = /^\s*protection: \(([^)]*)\)\s*$/;
// "\n    %-12s %lu" (zone vmstat items 2.6.18 .. 4.7) and "\n      %-12s %lu" (4.8+ zone, node and
// NUMA items); checked after FIELD, whose names no vmstat item takes.
const STAT = /^\s*([a-z][a-z0-9_]*)\s+(\d+)\s*$/;
// "\n  pagesets" (all versions).
const PAGESETS = /^\s*pagesets\s*$/;
// "\n    cpu: %i pcp: %i" (2.6.13 .. 2.6.2x) and "\n    cpu: %i" (later).
const CPU = /^\s*cpu: (\d+)(?: pcp: (\d+))?\s*$/;
// "\n              count: %i", "low:   %i" (to 2.6.15), "high:  %i", "batch: %i"; 6.x pads to
// "count:    %i" and adds "high_min: %i", "high_max: %i".
const PCP_FIELD = /^\s*(count|low|high|batch|high_min|high_max):\s+(-?\d+)\s*$/;
// "\n            numa_hit:       %lu" .. "other_node:" per CPU pageset (2.6.13 .. 2.6.17).
const PCP_NUMA = /^\s*(numa_hit|numa_miss|numa_foreign|interleave_hit|local_node|other_node):\s+(\d+)\s*$/;
// "\n  vm stats threshold: %d" (2.6.2x+, CONFIG_SMP).
const THRESHOLD = /^\s*vm stats threshold:\s+(-?\d+)\s*$/;
// "\n  all_unreclaimable: %u", "prev_priority:     %i", "temp_priority:     %i" (2.6.13 ..),
// "inactive_ratio:    %u" (2.6.28 .. 3.x, from memory), "node_unreclaimable:  %u" (4.8+), "start_pfn: %lu" (all).
const TAIL =
  /^\s*(all_unreclaimable|prev_priority|temp_priority|inactive_ratio|node_unreclaimable|start_pfn):\s+(\d+)\s*$/;

type Ctx = {
  out: ZoneinfoResult;
  warn: CappedWarnings;
  zone?: ZoneinfoZone;
  seen: Set<string>;
  nodeStats?: Record<string, number>;
  pcp?: Pageset;
  pcpSeen: Set<string>;
};

const REQUIRED = ["pagesFree", "min", "low", "high", "spanned", "present"] as const;

function closePageset(c: Ctx, line: number): void {
  if (!c.pcp) return;
  for (const k of ["count", "high", "batch"])
    if (!c.pcpSeen.has(k)) c.warn.add({ line, message: `cpu ${c.pcp.cpu} pageset lacks ${k}` });
  c.pcp = undefined;
}

function closeZone(c: Ctx, line: number): void {
  closePageset(c, line);
  const z = c.zone;
  if (z)
    for (const k of REQUIRED)
      if (!c.seen.has(k)) c.warn.add({ line: z.line, message: `node ${z.node} zone ${echoed(z.name)} lacks ${k}` });
  c.zone = undefined;
  c.nodeStats = undefined;
}

function openZone(c: Ctx, node: number, name: string, line: number): void {
  if (c.out.zones.some((z) => z.node === node && z.name === name))
    c.warn.add({ line, message: `node ${node} zone ${echoed(name)} listed twice` });
  c.zone = {
    node,
    name,
    line,
    pagesFree: 0,
    min: 0,
    low: 0,
    high: 0,
    spanned: 0,
    present: 0,
    protection: null,
    stats: {},
    pagesets: [],
  };
  c.seen = new Set();
  c.out.zones.push(c.zone);
}

const FIELD_KEY: Record<string, keyof ZoneinfoZone> = {
  boost: "boost",
  min: "min",
  low: "low",
  high: "high",
  promo: "promo",
  spanned: "spanned",
  present: "present",
  managed: "managed",
  cma: "cma",
};

function zoneLine(c: Ctx, z: ZoneinfoZone, l: string, line: number): boolean {
  let m: RegExpExecArray | null;
  if (NODE_STATS.test(l)) {
    c.nodeStats = {};
    c.out.nodeStats.push({ node: z.node, line, stats: c.nodeStats });
  } else if ((m = PAGES_FREE.exec(l))) {
    c.nodeStats = undefined;
    return setField(c, z, "pagesFree", m[1]);
  } else if ((m = FIELD.exec(l))) {
    const key = FIELD_KEY[m[1]];
    return key ? setField(c, z, key, m[2]) : setStat(z.stats, m[1], m[2]);
  } else if ((m = SCANNED.exec(l))) {
    return setStat(z.stats, "scanned", m[1]);
  } else if ((m = PROTECTION.exec(l))) {
    const v = m[1].split(",").map((s) => int(s.trim()));
    if (v.some((n) => n === undefined)) return false;
    z.protection = v as number[];
  } else if ((m = STAT.exec(l))) {
    return setStat(c.nodeStats ?? z.stats, m[1], m[2]);
  } else if (PAGESETS.test(l)) {
    closePageset(c, line);
  } else return pagesetLine(c, z, l, line);
  return true;
}

const PCP_KEY: Record<string, "count" | "low" | "high" | "batch" | "highMin" | "highMax"> = {
  count: "count",
  low: "low",
  high: "high",
  batch: "batch",
  high_min: "highMin",
  high_max: "highMax",
};

function pagesetLine(c: Ctx, z: ZoneinfoZone, l: string, line: number): boolean {
  let m: RegExpExecArray | null;
  if ((m = CPU.exec(l))) {
    closePageset(c, line);
    c.pcp = { cpu: int(m[1]) ?? 0, count: 0, high: 0, batch: 0, ...(m[2] !== undefined ? { pcp: Number(m[2]) } : {}) };
    c.pcpSeen = new Set();
    z.pagesets.push(c.pcp);
  } else if ((m = PCP_FIELD.exec(l)) && c.pcp) {
    const key = PCP_KEY[m[1]];
    const n = int(m[2]);
    if (n === undefined) return false;
    c.pcp[key] = n;
    c.pcpSeen.add(m[1]);
  } else if ((m = PCP_NUMA.exec(l)) && c.pcp) {
    // per-CPU in 2.6.13 .. 2.6.17; summed, as the later per-zone numa_* items count them
    const n = int(m[2]);
    if (n === undefined) return false;
    z.stats[m[1]] = (z.stats[m[1]] ?? 0) + n;
  } else if ((m = THRESHOLD.exec(l))) {
    if (c.pcp) c.pcp.statThreshold = Number(m[1]);
  } else if ((m = TAIL.exec(l))) {
    closePageset(c, line);
    return m[1] === "start_pfn" ? setField(c, z, "startPfn", m[2]) : setStat(z.stats, m[1], m[2]);
  } else return false;
  return true;
}

function setField(c: Ctx, z: ZoneinfoZone, key: keyof ZoneinfoZone, s: string): boolean {
  c.seen.add(key);
  return setStat(z as unknown as Record<string, number>, key, s);
}

function setStat(stats: Record<string, number>, key: string, s: string): boolean {
  const n = int(s);
  if (n !== undefined) stats[key] = n;
  return n !== undefined;
}

export function parseZoneinfo(text: string): ZoneinfoResult {
  const c: Ctx = {
    out: { zones: [], nodeStats: [], warnings: [] },
    warn: new CappedWarnings(),
    seen: new Set(),
    pcpSeen: new Set(),
  };
  const last = forEachProcLine(text, (l, line) => {
    if (l.trim() === "") return;
    const head = ZONE_HEAD.exec(l);
    const node = head ? int(head[1]) : undefined;
    if (head && node !== undefined) {
      closeZone(c, line);
      openZone(c, node, head[2], line);
    } else if (!c.zone) {
      c.warn.add({ line, message: `outside any "Node %d, zone %s" block: ${quoted(l.slice(0, 80))}` });
    } else if (!zoneLine(c, c.zone, l, line)) {
      c.warn.add({ line, message: `not a zoneinfo line: ${quoted(l.slice(0, 80))}` });
    }
  });
  closeZone(c, last);
  return settle(c.out, c.warn); // sorted by line: "lacks" warnings are found at the zone's end
}

// ---- /proc/pagetypeinfo ------------------------------------------------------------------------

export interface PagetypeFree {
  node: number;
  name: string;
  type: string;
  /** Free blocks per order on the type's list; a capped entry is a lower bound. */
  counts: number[];
  /** 5.4+ (from memory; present in 6.18): the list walk stops at 100000 and prints ">100000". */
  capped: boolean[];
}

export interface PagetypeBlocks {
  node: number;
  name: string;
  counts: Record<string, number>;
}

export interface PagetypeinfoResult extends ProcWarnings {
  /** null when the dump lacks the two header lines (a partial paste, e.g. corpus 032). */
  pageblockOrder: number | null;
  pagesPerBlock: number | null;
  /** Column names as printed: migratetype_names[] of the kernel ("<NULL>" for a missing name). */
  types: string[];
  /** Orders in the free-count header, or the first row's length without one. */
  orders: number | null;
  free: PagetypeFree[];
  blocks: PagetypeBlocks[];
  /** "Number of mixed blocks" (CONFIG_PAGE_OWNER with page_owner=on). */
  mixed: PagetypeBlocks[];
}

// pagetypeinfo_show (mm/vmstat.c 2.6.24 .. 6.18): "Page block order: %d\n", "Pages per block:  %lu\n",
// repeated for every node with memory.
const PB_ORDER = /^Page block order:\s*(\d+)\s*$/;
const PB_PAGES = /^Pages per block:\s*(\d+)\s*$/;
// pagetypeinfo_showfree: "%-43s " "Free pages count per migrate type at order", then "%6d " per order.
const FREE_HEAD = /^Free pages count per migrate type at order((?:\s+\d+)*)\s*$/;
// pagetypeinfo_showfree_print: "Node %4d, zone %8s, type %12s " then "%6lu " per order; 5.4+
// "%s%6lu " with ">" when the walk hit 100000.
const FREE_ROW = /^Node\s+(\d+), zone\s+(\S+), type\s+(\S+)((?:\s+>?\d+)*)\s*$/;
// pagetypeinfo_showblockcount: "\n%-23s" "Number of blocks type " then "%12s " per type name;
// pagetypeinfo_showmixedcount (2.6.31+ PAGE_OWNER): "Number of mixed blocks " likewise.
const BLOCK_HEAD = /^Number of (blocks type|mixed blocks)\s+(\S.*?)\s*$/;
// pagetypeinfo_showblockcount_print / _showmixedcount_print: "Node %d, zone %8s " then "%12lu ".
const BLOCK_ROW = /^Node (\d+), zone\s+(\S+)((?:\s+\d+)*)\s*$/;

type PtCtx = { out: PagetypeinfoResult; warn: CappedWarnings; section?: { names: string[]; rows: PagetypeBlocks[] } };

function freeRow(c: PtCtx, m: RegExpExecArray, line: number): boolean {
  const toks = m[4].trim() === "" ? [] : m[4].trim().split(/\s+/);
  const counts = ints(toks.map((t) => t.replace(/^>/, "")).join(" "));
  const node = int(m[1]);
  if (!counts || node === undefined) return false;
  const capped = toks.map((t) => t.startsWith(">"));
  const o = c.out;
  if (o.orders === null) o.orders = counts.length;
  else if (counts.length !== o.orders)
    c.warn.add({ line, message: `${counts.length} orders where the header has ${o.orders}` });
  o.free.push({ node, name: m[2], type: m[3], counts, capped });
  if (c.section === undefined && !o.types.includes(m[3])) o.types.push(m[3]);
  return true;
}

function blockRow(c: PtCtx, m: RegExpExecArray, line: number): boolean {
  const s = c.section;
  const v = ints(m[3]);
  const node = int(m[1]);
  if (!s || !v || node === undefined) return false;
  if (v.length !== s.names.length)
    c.warn.add({ line, message: `${v.length} block counts for ${s.names.length} types` });
  const counts: Record<string, number> = {};
  s.names.forEach((n, i) => {
    if (i < v.length) counts[n] = v[i];
  });
  s.rows.push({ node, name: m[2], counts });
  return true;
}

function ptLine(c: PtCtx, l: string, line: number): boolean {
  const o = c.out;
  let m: RegExpExecArray | null;
  if ((m = PB_ORDER.exec(l))) o.pageblockOrder = int(m[1]) ?? null;
  else if ((m = PB_PAGES.exec(l))) o.pagesPerBlock = int(m[1]) ?? null;
  else if ((m = FREE_HEAD.exec(l))) {
    c.section = undefined;
    const n = m[1].trim() === "" ? 0 : m[1].trim().split(/\s+/).length;
    if (o.orders !== null && n !== o.orders)
      c.warn.add({ line, message: `${n} orders where an earlier header has ${o.orders}` });
    o.orders ??= n;
  } else if ((m = FREE_ROW.exec(l))) return freeRow(c, m, line);
  else if ((m = BLOCK_HEAD.exec(l))) {
    const names = m[2].split(/\s+/);
    const rows = m[1] === "blocks type" ? o.blocks : o.mixed;
    c.section = { names, rows };
    if (m[1] === "blocks type") o.types = names;
  } else if ((m = BLOCK_ROW.exec(l))) return blockRow(c, m, line);
  else return false;
  return true;
}

export function parsePagetypeinfo(text: string): PagetypeinfoResult {
  const c: PtCtx = {
    out: {
      pageblockOrder: null,
      pagesPerBlock: null,
      types: [],
      orders: null,
      free: [],
      blocks: [],
      mixed: [],
      warnings: [],
    },
    warn: new CappedWarnings(),
  };
  forEachProcLine(text, (l, line) => {
    if (l.trim() === "") return;
    if (!ptLine(c, l, line)) c.warn.add({ line, message: `not a pagetypeinfo line: ${quoted(l.slice(0, 80))}` });
  });
  return settle(c.out, c.warn);
}
