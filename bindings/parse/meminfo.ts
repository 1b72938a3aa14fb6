// Mem-Info's counters outside the zones: the global vmstat lines (pages), the per-node line (kB, 4.8+),
// the hugepage pools, swap and the RAM totals (mm/show_mem.c __show_mem, 6.18; lib/show_mem.c and
// mm/page_alloc.c show_free_areas, 2.6.28 .. 6.5; the arch show_mem and show_free_areas of 2.6.0 ..
// 2.6.27). Values are kept as printed, by their printed names; analyse/ turns them into kB. Nothing
// here throws.

import type { LineWarning } from "./warnings.js";

export interface ParsedHugepages {
  node: number | null;
  total: number;
  free: number;
  surplus: number;
  sizeKb: number;
}

export interface ParsedMemInfo {
  /** Global counters in pages, by printed name: "active_anon", "free", "slab_reclaimable", ...
   *  (2.6.28+), or "Active", "inactive", "free", "slab", ... (2.6.0 .. 2.6.27). */
  pages: Record<string, number>;
  /** Per-node counters in kB ("Node %d active_anon:%lukB ..." 4.8+), by node. */
  nodesKb: Record<number, Record<string, number>>;
  hugepages: ParsedHugepages[];
  /** "%lu pages RAM" / "%d pages of RAM". */
  ramPages: number | null;
  /** "%lu pages reserved" / "%d reserved pages". */
  reservedPages: number | null;
  /** "%lu pages HighMem/MovableOnly" (3.x+) / "%lu pages HighMem" (2.6.x). */
  highmemPages: number | null;
  cmaReservedPages: number | null;
  /** "%ld total pagecache pages" (2.6.28+). */
  pagecachePages: number | null;
  /** "%lu pages in swap cache" (2.6.28+). */
  swapCachePages: number | null;
  /** "Free swap  = %ldkB" / "Total swap = %ldkB" (2.6.11+; "Free swap: %6ldkB" in 2.6.x arch code). */
  swapFreeKb: number | null;
  swapTotalKb: number | null;
  /** Physical lines read. */
  lines: number;
}

export function emptyMemInfo(): ParsedMemInfo {
  return {
    pages: {},
    nodesKb: {},
    hugepages: [],
    ramPages: null,
    reservedPages: null,
    highmemPages: null,
    cmaReservedPages: null,
    pagecachePages: null,
    swapCachePages: null,
    swapFreeKb: null,
    swapTotalKb: null,
    lines: 0,
  };
}

/** First names of the global counter lines (show_free_areas / __show_mem; 2.6.28+ lower case,
 *  "Active:"/"active:" in 2.6.0 .. 2.6.27, "Free pages:" excluded: it is in kB). */
const GLOBAL_FIRST = new Set([
  "active_anon",
  "Active_anon", // 2.6.28 .. 2.6.31: "Active_anon:%lu active_file:%lu inactive_anon:%lu"
  "inactive_file",
  "active_file",
  "unevictable",
  "slab_reclaimable",
  "mapped",
  "sec_pagetables",
  "kernel_misc_reclaimable",
  "free",
  "free_cma",
  "Active",
  "active",
  "inactive",
  "dirty",
  "isolated_anon",
  "pagetables",
  "shmem",
  "writeback",
  "unstable",
  "slab",
]);
// "name:123" tokens without a unit (pages).
const PAGE_FIELD = /([A-Za-z_]{1,40}(?:\([a-z]{1,8}\))?):(\d{1,20})(?![\dkK])/g;
// "Node %d name:NkB ..." (4.8+ per-node line; the zone lines also start "Node %d", but with a zone name).
const NODE_LINE = /^Node (\d{1,4}) ([a-z_]{1,40}(?:\([a-z]{1,8}\))?):\d{1,20}kB/;
const KB_FIELD = /([a-z_]{1,40}(?:\([a-z]{1,8}\))?):(\d{1,20})[kK]B/g;
// "[Node %d ]hugepages_total=%u hugepages_free=%u hugepages_surp=%u hugepages_size=%lukB" (3.x+).
const HUGE = new RegExp(
  String.raw`^(?:Node (\d{1,4}) )?hugepages_total=(\d{1,20}) hugepages_free=(\d{1,20}) ` +
    String.raw`hugepages_surp=(\d{1,20}) hugepages_size=(\d{1,20})kB`,
);
// "%lu pages RAM", "%lu pages reserved", ... (__show_mem and the arch show_mem of every era).
const COUNT = new RegExp(
  String.raw`^(\d{1,20}) (pages RAM|pages of RAM|pages reserved|reserved pages|pages HighMem\/MovableOnly|` +
    String.raw`pages HighMem|pages cma reserved|total pagecache pages|pages in swap cache)\s*$`,
);
const SWAP = /^(Free|Total) swap\s*[=:]\s*(-?\d{1,20})kB/;

/** Collects the counters of one report's Mem-Info. */
export class MemInfoCollector {
  readonly info = emptyMemInfo();
  private readonly warn: (w: LineWarning) => void;

  constructor(warn: (w: LineWarning) => void) {
    this.warn = warn;
  }

  /** Feeds one line; true when it held counters this collector keeps. */
  feed(text: string, line: number): boolean {
    const t = text.charCodeAt(0) === 0x20 ? text.trimStart() : text;
    const c = t.charCodeAt(0);
    if (c >= 0x30 && c <= 0x39) return this.count(t);
    if (t.startsWith("Node ")) return this.node(t, line);
    if (t.startsWith("hugepages_total=")) return this.huge(t, line);
    if (t.startsWith("Free swap") || t.startsWith("Total swap")) return this.swap(t);
    const colon = t.indexOf(":");
    if (colon <= 0 || !GLOBAL_FIRST.has(t.slice(0, colon))) return false;
    let any = false;
    for (const m of t.matchAll(PAGE_FIELD)) {
      this.info.pages[m[1]] = Number(m[2]);
      any = true;
    }
    if (any) this.info.lines++;
    return any;
  }

  private count(t: string): boolean {
    const m = COUNT.exec(t);
    if (!m) return false;
    const n = Number(m[1]);
    const i = this.info;
    switch (m[2]) {
      case "pages RAM":
      case "pages of RAM":
        i.ramPages = n;
        break;
      case "pages reserved":
      case "reserved pages":
        i.reservedPages = n;
        break;
      case "pages cma reserved":
        i.cmaReservedPages = n;
        break;
      case "total pagecache pages":
        i.pagecachePages = n;
        break;
      case "pages in swap cache":
        i.swapCachePages = n;
        break;
      default:
        i.highmemPages = n;
    }
    i.lines++;
    return true;
  }

  private node(t: string, line: number): boolean {
    if (t.includes("hugepages_total=")) return this.huge(t, line);
    const m = NODE_LINE.exec(t);
    // a zone line ("Node 0 DMA free:..") starts the same way with an upper-case zone name
    if (!m || m[2] === "free") return false;
    const node = Number(m[1]);
    const fields = (this.info.nodesKb[node] ??= {});
    for (const f of t.matchAll(KB_FIELD)) fields[f[1]] = Number(f[2]);
    if (t.endsWith(">"))
      this.warn({ line, message: `node ${node} counters line is cut short ("...>"): its last fields are missing` });
    this.info.lines++;
    return true;
  }

  private huge(t: string, line: number): boolean {
    const m = HUGE.exec(t);
    if (!m) {
      this.warn({ line, message: "hugepages line not understood" });
      return true;
    }
    this.info.hugepages.push({
      node: m[1] === undefined ? null : Number(m[1]),
      total: Number(m[2]),
      free: Number(m[3]),
      surplus: Number(m[4]),
      sizeKb: Number(m[5]),
    });
    this.info.lines++;
    return true;
  }

  private swap(t: string): boolean {
    const m = SWAP.exec(t);
    if (!m) return false;
    if (m[1] === "Free") this.info.swapFreeKb = Number(m[2]);
    else this.info.swapTotalKb = Number(m[2]);
    this.info.lines++;
    return true;
  }
}
