// An ftrace kmem capture and the /proc files beside it -> a TraceCapture (include/trace_capture.ts), the
// compact form the `trace` workload replays: page events in typed arrays, each allocation paired with the
// free that ends it, and the zones, free lists and pageblock counts before and after. Pure (no node:*):
// the CLI feeds it lines (cli/trace_load.ts), a browser would feed it the decoded text.

import { FtraceParser, type KmemEvent } from "../parse/ftrace.js";
import { parseBuddyinfo, parsePagetypeinfo, parseZoneinfo } from "../parse/proc.js";
import { MIGRATETYPE_NAMES } from "../include/linux/mmzone.js";
import {
  FREE_PAIRED,
  FREE_PRE_CAPTURE,
  FREE_UNKNOWN,
  TRACE_ALLOC,
  TRACE_FREE,
  TRACE_GFP_UNKNOWN,
  type TraceCapture,
  type TraceCounts,
  type TraceEvents,
  type TraceMarker,
  MAX_TRACE_MARKERS,
  type TraceProcState,
  type TraceProcZone,
} from "../include/trace_capture.js";
import { OomlabError } from "../errors.js";

/** Warnings kept in a TraceCapture (the rest are counted in counts.malformed). */
export const MAX_TRACE_WARNINGS = 20;

const U32_MAX = 0xffffffff;

/** Grows typed arrays as events come (doubling). */
class Columns {
  n = 0;
  kind = new Uint8Array(1 << 16);
  pfn = new Uint32Array(1 << 16);
  order = new Uint8Array(1 << 16);
  mt = new Uint8Array(1 << 16);
  gfp = new Uint32Array(1 << 16);
  partner = new Int32Array(1 << 16);
  timeUs = new Uint32Array(1 << 16);
  line = new Uint32Array(1 << 16);

  push(kind: number, pfn: number, order: number, mt: number, gfp: number, timeUs: number, line: number): number {
    if (this.n === this.kind.length) this.grow();
    const i = this.n++;
    this.kind[i] = kind;
    this.pfn[i] = pfn;
    this.order[i] = order;
    this.mt[i] = mt;
    this.gfp[i] = gfp;
    this.partner[i] = -1;
    this.timeUs[i] = timeUs;
    this.line[i] = line;
    return i;
  }

  private grow(): void {
    const g = <T extends Uint8Array | Uint32Array | Int32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(a.length * 2);
      b.set(a);
      return b;
    };
    this.kind = g(this.kind);
    this.pfn = g(this.pfn);
    this.order = g(this.order);
    this.mt = g(this.mt);
    this.gfp = g(this.gfp);
    this.partner = g(this.partner);
    this.timeUs = g(this.timeUs);
    this.line = g(this.line);
  }

  finish(): TraceEvents {
    const n = this.n;
    return {
      count: n,
      kind: this.kind.slice(0, n),
      pfn: this.pfn.slice(0, n),
      order: this.order.slice(0, n),
      migratetype: this.mt.slice(0, n),
      gfp: this.gfp.slice(0, n),
      partner: this.partner.slice(0, n),
      timeUs: this.timeUs.slice(0, n),
      line: this.line.slice(0, n),
    };
  }
}

/** The pfn state of a page whose last event was a free. */
const LAST_FREE = -1;
/** pfns kept in a typed array (4 bytes each: 128 MiB at most); larger pfns in a Map. */
const DENSE_PFNS = 1 << 25;

/**
 * Builds the events of a capture line by line: feed every physical line to line(), then finish().
 * Pairing: an allocation is live from its event to the first free of the same pfn; a free of a live pfn
 * with the allocation's order ends it; an mm_page_free_batched right after the mm_page_free of the same
 * page (no allocation between) repeats that free and is dropped; a free whose pfn has no event before it
 * is a pre-capture free; any other free is unknown.
 */
export class TraceCaptureBuilder {
  private readonly parser = new FtraceParser();
  private readonly cols = new Columns();
  /** By pfn: index + 1 of its live allocation (> 0), LAST_FREE when its last event was a free, 0 unseen.
   *  A typed array up to DENSE_PFNS (grown as pfns come), a Map beyond. */
  private dense = new Int32Array(1 << 16);
  private readonly sparse = new Map<number, number>();
  private liveCount = 0;
  private t0: number | null = null;
  private minPfn = Number.POSITIVE_INFINITY;
  private maxPfn = 0;
  private readonly c: TraceCounts = {
    mm_page_alloc: 0,
    mm_page_free: 0,
    mm_page_free_batched: 0,
    mm_page_alloc_extfrag: 0,
    extfragFragmenting: 0,
    extfragChangeOwnership: 0,
    failedAllocs: 0,
    batchedDuplicates: 0,
    preCaptureFrees: 0,
    preCapturePages: 0,
    unknownFrees: 0,
    liveAtEnd: 0,
    malformed: 0,
  };

  private readonly markers: TraceMarker[] = [];

  line(text: string): void {
    const e = this.parser.line(text);
    if (e) this.event(e);
    else {
      const m = this.parser.takeMarker();
      if (m && this.markers.length < MAX_TRACE_MARKERS)
        this.markers.push({ text: m.text, events: this.cols.n, line: m.line });
    }
  }

  lines(texts: Iterable<string>): void {
    for (const t of texts) this.line(t);
  }

  private timeUs(t: number): number {
    this.t0 ??= t;
    const us = Math.round((t - this.t0) * 1e6);
    return Math.min(Math.max(us, 0), U32_MAX);
  }

  private state(pfn: number): number {
    return pfn < this.dense.length ? this.dense[pfn] : pfn < DENSE_PFNS ? 0 : (this.sparse.get(pfn) ?? 0);
  }

  private setState(pfn: number, v: number): void {
    if (pfn >= DENSE_PFNS) {
      this.sparse.set(pfn, v);
      return;
    }
    if (pfn >= this.dense.length) {
      let n = this.dense.length;
      while (n <= pfn) n *= 2;
      const d = new Int32Array(Math.min(n, DENSE_PFNS));
      d.set(this.dense);
      this.dense = d;
    }
    this.dense[pfn] = v;
  }

  private seen(pfn: number): void {
    if (pfn < this.minPfn) this.minPfn = pfn;
    if (pfn > this.maxPfn) this.maxPfn = pfn;
  }

  event(e: KmemEvent): void {
    const c = this.c;
    c[e.event]++;
    const cols = this.cols;
    switch (e.event) {
      case "mm_page_alloc": {
        if (e.pfn === 0 && /^(?:0+|\(null\))$/.test(e.page)) {
          c.failedAllocs++;
          return;
        }
        const gfp = e.gfp === null ? TRACE_GFP_UNKNOWN : e.gfp >>> 0;
        const i = cols.push(TRACE_ALLOC, e.pfn, e.order, e.migratetype, gfp, this.timeUs(e.time), e.line);
        // allocated while live (the free between was not traced): the older allocation stays unpaired
        if (this.state(e.pfn) <= 0) this.liveCount++;
        this.setState(e.pfn, i + 1);
        this.seen(e.pfn);
        return;
      }
      case "mm_page_free":
      case "mm_page_free_batched": {
        const batched = e.event === "mm_page_free_batched";
        const st = this.state(e.pfn);
        if (batched && st === LAST_FREE) {
          c.batchedDuplicates++;
          return;
        }
        const at = st - 1;
        let kind = FREE_UNKNOWN;
        if (st > 0 && cols.order[at] === e.order) kind = FREE_PAIRED;
        else if (st === 0) kind = FREE_PRE_CAPTURE;
        const i = cols.push(TRACE_FREE, e.pfn, e.order, kind, 0, this.timeUs(e.time), e.line);
        if (kind === FREE_PAIRED) {
          cols.partner[at] = i;
          cols.partner[i] = at;
          this.liveCount--;
        } else if (kind === FREE_PRE_CAPTURE) {
          c.preCaptureFrees++;
          c.preCapturePages += 2 ** e.order;
        } else {
          c.unknownFrees++;
          if (st > 0) this.liveCount--; // freed with another order: no longer live either
        }
        this.setState(e.pfn, LAST_FREE);
        this.seen(e.pfn);
        return;
      }
      case "mm_page_alloc_extfrag":
        if (e.fragmenting) c.extfragFragmenting++;
        if (e.changeOwnership) c.extfragChangeOwnership++;
        return;
    }
  }

  /** The events and counts; warnings of the capture under `file`. */
  finish(file: string): Pick<TraceCapture, "events" | "counts" | "minPfn" | "maxPfn" | "warnings" | "markers"> {
    const s = this.parser.summary();
    this.c.malformed = s.malformed;
    this.c.liveAtEnd = this.liveCount;
    const events = this.cols.finish();
    return {
      events,
      counts: { ...this.c },
      minPfn: events.count ? this.minPfn : 0,
      maxPfn: this.maxPfn,
      markers: [...this.markers],
      warnings: s.warnings.map((w) => ({ file, line: w.line, message: w.message })),
    };
  }

  /** Whether the lines held any ftrace line at all (an event, another event or a comment). */
  get sawFtrace(): boolean {
    const s = this.parser.summary();
    const kmem = this.c.mm_page_alloc + this.c.mm_page_free + this.c.mm_page_free_batched;
    return kmem + this.c.mm_page_alloc_extfrag + Object.keys(s.otherEvents).length > 0;
  }
}

/** The /proc texts of one moment (any may be missing). */
export interface ProcTexts {
  zoneinfo?: string;
  buddyinfo?: string;
  pagetypeinfo?: string;
}

/** Reads before-* or after-* files into a TraceProcState: zones from zoneinfo (required), free blocks per
 *  order from buddyinfo, per migratetype and pageblock counts from pagetypeinfo. Warnings under prefix. */
export function procState(
  t: ProcTexts,
  prefix: string,
  warnings: { file: string; line: number; message: string }[],
): TraceProcState {
  if (t.zoneinfo === undefined)
    throw new OomlabError("OOMLAB_BAD_ARGUMENT", `${prefix}zoneinfo is missing: the machine is built from it`);
  const zi = parseZoneinfo(t.zoneinfo);
  for (const w of zi.warnings) warnings.push({ file: `${prefix}zoneinfo`, line: w.line, message: w.message });
  const bi = t.buddyinfo === undefined ? null : parseBuddyinfo(t.buddyinfo);
  for (const w of bi?.warnings ?? []) warnings.push({ file: `${prefix}buddyinfo`, line: w.line, message: w.message });
  const pt = t.pagetypeinfo === undefined ? null : parsePagetypeinfo(t.pagetypeinfo);
  for (const w of pt?.warnings ?? [])
    warnings.push({ file: `${prefix}pagetypeinfo`, line: w.line, message: w.message });
  const zones: TraceProcZone[] = [];
  for (const z of zi.zones) {
    if (z.spanned === 0) continue;
    if (z.startPfn === undefined)
      throw new OomlabError("OOMLAB_BAD_ARGUMENT", `${prefix}zoneinfo: zone ${z.name} has no start_pfn line`);
    const same = (x: { node: number; name: string }) => x.node === z.node && x.name === z.name;
    const nrFree = bi?.zones.find(same)?.freeAreas ?? [];
    let byType: number[][] | null = null;
    let blocks: number[] | null = null;
    if (pt) {
      const rows = pt.free.filter(same);
      if (rows.length) {
        byType = MIGRATETYPE_NAMES.map((name) => {
          const r = rows.find((x) => x.type === name);
          return r ? [...r.counts] : new Array<number>(rows[0].counts.length).fill(0);
        });
      }
      const b = pt.blocks.find(same);
      if (b) blocks = MIGRATETYPE_NAMES.map((name) => b.counts[name] ?? 0);
    }
    zones.push({
      node: z.node,
      name: z.name,
      startPfn: z.startPfn,
      spanned: z.spanned,
      present: z.present,
      managed: z.managed ?? z.present,
      min: z.min,
      low: z.low,
      high: z.high,
      boost: z.boost ?? 0,
      nrFree: nrFree.length ? [...nrFree] : (byType?.[0].map((_, o) => byType.reduce((s, r) => s + r[o], 0)) ?? []),
      nrFreeByType: byType,
      blocksByType: blocks,
      pcpPages: z.pagesets.length ? z.pagesets.reduce((a, ps) => a + ps.count, 0) : null,
      pagesets: z.pagesets
        .filter((ps) => ps.pcp === undefined || ps.pcp === 0)
        .map((ps) => ({ cpu: ps.cpu, count: ps.count, high: ps.high, batch: ps.batch })),
    });
  }
  return { pageblockOrder: pt?.pageblockOrder ?? null, zones };
}

/** A whole capture from its lines and /proc texts (the synchronous form; the CLI streams into a builder). */
export function traceCaptureFromText(
  name: string,
  lines: Iterable<string>,
  before: ProcTexts | null,
  after: ProcTexts | null,
  sha256: string | null = null,
): TraceCapture {
  const b = new TraceCaptureBuilder();
  b.lines(lines);
  return finishCapture(name, b, before, after, sha256);
}

/** The capture of a filled builder: OOMLAB_BAD_ARGUMENT when the lines held no ftrace line. */
export function finishCapture(
  name: string,
  b: TraceCaptureBuilder,
  before: ProcTexts | null,
  after: ProcTexts | null,
  sha256: string | null,
): TraceCapture {
  const done = b.finish(name);
  if (!b.sawFtrace) {
    const first = done.warnings[0] ? ` (line ${done.warnings[0].line}: ${done.warnings[0].message})` : "";
    throw new OomlabError("OOMLAB_BAD_ARGUMENT", `${name} is not an ftrace kmem capture: no event line${first}`);
  }
  const warnings = [...done.warnings];
  const beforeState = before ? procState(before, "before-", warnings) : null;
  const afterState = after ? procState(after, "after-", warnings) : null;
  return {
    name,
    sha256,
    events: done.events,
    counts: done.counts,
    minPfn: done.minPfn,
    maxPfn: done.maxPfn,
    before: beforeState,
    after: afterState,
    markers: done.markers,
    warnings: warnings.slice(0, MAX_TRACE_WARNINGS),
  };
}
