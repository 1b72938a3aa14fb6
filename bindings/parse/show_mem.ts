// Zone data of a show_mem / show_free_areas dump, every era (mm/page_alloc.c show_free_areas, 2.6.11;
// mm/show_mem.c, 6.18): per-cpu lists,
// the per-zone watermark line, lowmem_reserve[] (protections[] before 2.6.11), and the per-order free
// list line with its migratetype letters. Lines are fed one at a time; nothing here throws.

import type { LogLine } from "./lines.js";
import { echoed, type LineWarning } from "./warnings.js";

export interface ParsedPcp {
  cpu: number;
  /** 2.6.11-2.6.24 print hot and cold lists separately; null for the single list of 2.6.25+. */
  list: "hot" | "cold" | null;
  low: number | null;
  high: number;
  batch: number;
  used: number | null;
}

export interface ParsedZone {
  node: number;
  name: string;
  freeKb: number | null;
  minKb: number | null;
  lowKb: number | null;
  highKb: number | null;
  /** watermark_boost (6.1+ "boost:"); min/low/high printed already include it. */
  boostKb: number | null;
  presentKb: number | null;
  managedKb: number | null;
  freeCmaKb: number | null;
  allUnreclaimable: boolean | null;
  /** Every "name:NkB" field of the zone line, as printed. */
  fieldsKb: Record<string, number>;
  lowmemReserve: number[] | null;
  /** Free block count per order, as printed ([] for "Zone: empty" or when no line was printed). */
  freeAreas: number[];
  /** The " = NkB" total of the per-order line. */
  freeAreasKb: number | null;
  /** Migratetype letters per order ("" where none printed); null when the line prints none. */
  migratetypes: string[] | null;
  /** Page size from the smallest block of the per-order line (else the report's, else 4). */
  pageSizeKb: number;
  pcp: ParsedPcp[] | null;
  /** Physical lines of the watermark line and the per-order line. */
  zoneLine: number | null;
  freeAreasLine: number | null;
}

/** A warning about a line of the input. */
export type Warning = LineWarning;

// "%s free:%lukB min:%lukB low:%lukB high:%lukB ..." (show_free_areas 2.6.0-6.x; "Node %d " prefix with
// NUMA or, 4.9+, always; 6.1+ inserts "boost:%lukB " before min).
const ZONE = new RegExp(
  String.raw`^(?:Node (\d{1,4}) )?([A-Za-z][\w-]{0,15}) free:(\d{1,20})kB (?:boost:(\d{1,20})kB )?` +
    String.raw`min:(\d{1,20})kB low:(\d{1,20})kB high:(\d{1,20})kB`,
);
// Any "name:NkB" / "name:NKB" field on a zone line (4.x "isolated(anon):", 5.10 "reserved_highatomic:%luKB").
const FIELD_KB = /([a-z_]{1,40}(?:\([a-z]{1,8}\))?):(\d{1,20})[kK]B/g;
// "all_unreclaimable? %s" (2.6.11-4.8 zone line; 4.9+ on the node line).
const UNRECLAIMABLE = /all_unreclaimable\? (yes|no)/;
// "lowmem_reserve[]: %lu ..." (2.6.11+) and "protections[]: %lu ..." (2.6.0-2.6.10).
const RESERVE = /^(?:lowmem_reserve|protections)\[\]:((?: -?\d{1,20}){0,16})\s*$/;
// Per-order line "%s: %lu*%lukB [(UMEC)] ... = %lukB" (show_free_areas 2.6.0+; letters 2.6.3x+).
const AREAS = new RegExp(
  String.raw`^(?:Node (\d{1,4}) )?([A-Za-z][\w-]{0,15}): ` +
    String.raw`((?:\d{1,20}\*\d{1,9}kB(?: \([A-Z]{0,8}\))? ?){1,16})= ?(\d{1,20}) ?kB\s*$`,
);
const AREA_ITEM = /(\d{1,20})\*(\d{1,9})kB(?: \(([A-Z]{0,8})\))?/g;
// "%s: empty" for a zone with no present pages (2.6.11+).
const AREAS_EMPTY = /^(?:Node (\d{1,4}) )?([A-Za-z][\w-]{0,15}): empty\s*$/;
// A line that tries to be a per-order line but did not parse (corrupt paste).
const AREAS_LIKE = /^(?:Node \d{1,4} )?[A-Za-z][\w-]{0,15}: .{0,400}\d\*\d{1,9}kB/;
// "%s per-cpu:" (2.6.11-3.x; " empty" when the zone has no pages).
const PCP_HEAD = /^(?:Node (\d{1,4}),? )?([A-Za-z][\w-]{0,15}) per-cpu:( empty)?\s*$/;
// "cpu %d %s: low %d, high %d, batch %d[ used:%d]" (2.6.11-2.6.15).
const PCP_2611 = /^cpu (\d{1,5}) (hot|cold): low (\d{1,9}), high (\d{1,9}), batch (\d{1,9})(?: used:(\d{1,9}))?/;
// "cpu %d %s: high %d, batch %d used:%d" (2.6.16-2.6.23).
const PCP_2616 = /^cpu (\d{1,5}) (hot|cold): high (\d{1,9}), batch (\d{1,9}) used:(\d{1,9})/;
// "CPU %4d: Hot: hi:%5d, btch:%4d usd:%4d   Cold: hi:%5d, btch:%4d usd:%4d" (2.6.24).
const PCP_2624 = new RegExp(
  String.raw`^CPU +(\d{1,5}): Hot: hi: *(\d{1,9}), btch: *(\d{1,9}) usd: *(\d{1,9})` +
    String.raw` +Cold: hi: *(\d{1,9}), btch: *(\d{1,9}) usd: *(\d{1,9})`,
);
// "CPU %4d: hi:%5d, btch:%4d usd:%4d" (2.6.25-3.x).
const PCP_2625 = /^CPU +(\d{1,5}): hi: *(\d{1,9}), btch: *(\d{1,9}) usd: *(\d{1,9})/;

/** ZONE's answer for the last line it read: the segmenter asks whether a line repeats a zone and
 *  then feeds the same line. */
let zoneText: string | null = null;
let zoneMatch: RegExpExecArray | null = null;

function zoneLineMatch(text: string): RegExpExecArray | null {
  if (text !== zoneText) {
    zoneText = text;
    zoneMatch = ZONE.exec(text);
  }
  return zoneMatch;
}

/** Whether a line starts with an ASCII letter: ZONE, AREAS, AREAS_EMPTY, AREAS_LIKE, PCP_HEAD and
 *  the per-CPU lines all do ("Node", a zone name, "cpu", "CPU"), so other lines skip them. */
function letterFirst(t: string): boolean {
  const c = t.charCodeAt(0) | 0x20;
  return c >= 0x61 && c <= 0x7a;
}

/** A captured number, or null when the group did not match. */
const numberOrNull = (s: string | undefined): number | null => (s === undefined ? null : Number(s));

/** A zone with nothing read yet; pageSizeKb 0 until a per-order line tells it. */
export function newZone(node: number, name: string, pageSizeKb = 0): ParsedZone {
  return {
    node,
    name,
    freeKb: null,
    minKb: null,
    lowKb: null,
    highKb: null,
    boostKb: null,
    presentKb: null,
    managedKb: null,
    freeCmaKb: null,
    allUnreclaimable: null,
    fieldsKb: {},
    lowmemReserve: null,
    freeAreas: [],
    freeAreasKb: null,
    migratetypes: null,
    pageSizeKb,
    pcp: null,
    zoneLine: null,
    freeAreasLine: null,
  };
}

function zoneFields(z: ParsedZone, text: string): void {
  for (const m of text.matchAll(FIELD_KB)) z.fieldsKb[m[1]] = Number(m[2]);
  z.presentKb = z.fieldsKb.present ?? null;
  z.managedKb = z.fieldsKb.managed ?? null;
  z.freeCmaKb = z.fieldsKb.free_cma ?? null;
  const u = UNRECLAIMABLE.exec(text);
  z.allUnreclaimable = u ? u[1] === "yes" : null;
}

function pcpLine(text: string): ParsedPcp[] | null {
  let m = PCP_2611.exec(text);
  if (m)
    return [
      {
        cpu: Number(m[1]),
        list: m[2] as "hot" | "cold",
        low: Number(m[3]),
        high: Number(m[4]),
        batch: Number(m[5]),
        used: numberOrNull(m[6]),
      },
    ];
  m = PCP_2616.exec(text);
  if (m)
    return [
      {
        cpu: Number(m[1]),
        list: m[2] as "hot" | "cold",
        low: null,
        high: Number(m[3]),
        batch: Number(m[4]),
        used: Number(m[5]),
      },
    ];
  m = PCP_2624.exec(text);
  if (m) {
    const cpu = Number(m[1]);
    return [
      { cpu, list: "hot", low: null, high: Number(m[2]), batch: Number(m[3]), used: Number(m[4]) },
      { cpu, list: "cold", low: null, high: Number(m[5]), batch: Number(m[6]), used: Number(m[7]) },
    ];
  }
  m = PCP_2625.exec(text);
  if (m)
    return [{ cpu: Number(m[1]), list: null, low: null, high: Number(m[2]), batch: Number(m[3]), used: Number(m[4]) }];
  return null;
}

/** Collects the zones of one report. */
export class ShowMemCollector {
  readonly zones: ParsedZone[] = [];
  private last: ParsedZone | null = null;
  private pcpZone: ParsedZone | null = null;
  private readonly warn: (w: Warning) => void;

  constructor(warn: (w: Warning) => void) {
    this.warn = warn;
  }

  private zone(node: number, name: string): ParsedZone {
    let z = this.zones.find((q) => q.node === node && q.name === name);
    if (!z) {
      z = newZone(node, name);
      this.zones.push(z);
    }
    return z;
  }

  /** True when a watermark line for this zone would repeat one already complete (a second dump). */
  repeats(text: string): boolean {
    if (!letterFirst(text) || !text.includes(" free:")) return false;
    const m = zoneLineMatch(text);
    if (!m) return false;
    const z = this.zones.find((q) => q.node === Number(m[1] ?? 0) && q.name === m[2]);
    return z !== undefined && z.zoneLine !== null && z.freeAreasLine !== null;
  }

  /** Feeds one line; true when it belongs to the zone dump. */
  feed(l: LogLine): boolean {
    const t = l.text;
    return this.feedZone(t, l.line) || this.feedReserve(t, l.line) || this.feedAreas(t, l.line) || this.feedPcp(t);
  }

  private feedZone(t: string, line: number): boolean {
    if (!t.includes(" free:")) return false;
    const m = letterFirst(t) ? zoneLineMatch(t) : null;
    if (!m) {
      if (/ free:\S{0,20} min:/.test(t)) this.warn({ line, message: `unparsed zone line: ${echoed(t.slice(0, 80))}` });
      return false;
    }
    const z = this.zone(Number(m[1] ?? 0), m[2]);
    if (z.zoneLine !== null) this.warn({ line, message: `zone ${m[2]} printed twice in one report; keeping the last` });
    z.zoneLine = line;
    [z.freeKb, z.boostKb, z.minKb, z.lowKb, z.highKb] = [
      numberOrNull(m[3]),
      numberOrNull(m[4]),
      numberOrNull(m[5]),
      numberOrNull(m[6]),
      numberOrNull(m[7]),
    ];
    zoneFields(z, t);
    this.last = z;
    return true;
  }

  private feedReserve(t: string, line: number): boolean {
    if (!t.startsWith("lowmem_reserve[]") && !t.startsWith("protections[]")) return false;
    const m = RESERVE.exec(t);
    if (!m) {
      this.warn({ line, message: `unparsed lowmem_reserve line: ${echoed(t.slice(0, 80))}` });
      return true;
    }
    if (!this.last) {
      this.warn({ line, message: "lowmem_reserve[] without a zone line before it" });
      return true;
    }
    this.last.lowmemReserve = m[1]
      .trim()
      .split(/ +/)
      .filter((s) => s.length > 0)
      .map(Number);
    return true;
  }

  private feedAreas(t: string, line: number): boolean {
    // every pattern below starts with a letter and needs ": " and either "N*SkB" or "empty"
    if (!letterFirst(t) || !t.includes(": ") || (!t.includes("*") && !t.includes("empty"))) return false;
    const e = AREAS_EMPTY.exec(t);
    if (e) {
      const z = this.zone(Number(e[1] ?? 0), e[2]);
      z.freeAreasLine = line;
      return true;
    }
    const m = AREAS.exec(t);
    if (!m) {
      if (AREAS_LIKE.test(t)) this.warn({ line, message: `unparsed free-area line: ${echoed(t.slice(0, 80))}` });
      return false;
    }
    this.areas(this.zone(Number(m[1] ?? 0), m[2]), m[3], Number(m[4]), line);
    return true;
  }

  private areas(z: ParsedZone, body: string, totalKb: number, line: number): void {
    const counts: number[] = [];
    const sizes: number[] = [];
    const letters: string[] = [];
    for (const it of body.matchAll(AREA_ITEM)) {
      counts.push(Number(it[1]));
      sizes.push(Number(it[2]));
      letters.push(it[3] ?? "");
    }
    z.freeAreas = counts;
    z.freeAreasKb = totalKb;
    z.freeAreasLine = line;
    z.migratetypes = letters.some((s) => s.length > 0) ? letters : null;
    z.pageSizeKb = sizes[0];
    checkAreas(z, sizes, line, this.warn);
  }

  private feedPcp(t: string): boolean {
    // PCP_HEAD starts with a letter and holds "per-cpu:"; the per-CPU lines start with "cpu " or "CPU "
    if (!letterFirst(t)) return false;
    const cpuLine = t.startsWith("cpu ") || t.startsWith("CPU ");
    if (!cpuLine && !t.includes("per-cpu:")) return false;
    const h = PCP_HEAD.exec(t);
    if (h) {
      this.pcpZone = this.zone(Number(h[1] ?? 0), h[2]);
      this.pcpZone.pcp = [];
      return true;
    }
    const p = pcpLine(t);
    if (!p) return false;
    if (this.pcpZone?.pcp) this.pcpZone.pcp.push(...p);
    return true;
  }

  /** Fills page sizes of zones without a per-order line; returns the report's page size. */
  finish(): number | null {
    const sized = this.zones.find((z) => z.pageSizeKb > 0);
    const page = sized ? sized.pageSizeKb : null;
    for (const z of this.zones) if (z.pageSizeKb === 0) z.pageSizeKb = page ?? 4;
    return page;
  }
}

/** Block sizes must double from the page size, and count*size must add up to the printed total. */
function checkAreas(z: ParsedZone, sizes: number[], line: number, warn: (w: Warning) => void): void {
  for (let i = 1; i < sizes.length; i++) {
    if (sizes[i] !== sizes[0] * 2 ** i) {
      warn({ line, message: `zone ${z.name}: block size ${sizes[i]}kB at position ${i} is not ${sizes[0]}kB << ${i}` });
      break;
    }
  }
  const sum = z.freeAreas.reduce((s, c, i) => s + c * sizes[i], 0);
  if (sum !== z.freeAreasKb)
    warn({ line, message: `zone ${z.name}: free blocks add up to ${sum}kB, line says ${z.freeAreasKb}kB` });
}
