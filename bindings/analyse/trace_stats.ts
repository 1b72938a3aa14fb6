// Counts of an ftrace kmem capture (parse/ftrace.ts): `oomlab trace stats`, and the accumulator a trace
// workload can feed while it replays. Lines stream through: nothing but the counts is kept.

import {
  FtraceParser,
  type FtraceParserOptions,
  type FtraceSummary,
  type KmemEvent,
  TRACE_MAX_PAGE_ORDER,
} from "../parse/ftrace.js";

/**
 * The `trace stats --json` object, exactly these keys in this order:
 * - events: kmem events parsed (the four kinds; other events and malformed lines are not events);
 * - one count per event kind;
 * - allocByOrder[k]: mm_page_alloc events of order k, k = 0 .. MAX_PAGE_ORDER (11 entries on x86-64);
 * - freeByOrder[k]: mm_page_free of order k plus, at k = 0, every mm_page_free_batched;
 * - allocByMigratetype: mm_page_alloc events by migratetype, keyed by the number as a string ("0" is
 *   MIGRATE_UNMOVABLE), only the migratetypes seen, in ascending numeric order.
 * mm_page_alloc_extfrag is counted only in its own total (it reports a fallback inside an allocation that
 * mm_page_alloc also reports).
 */
export interface TraceStatsJson {
  events: number;
  mm_page_alloc: number;
  mm_page_free: number;
  mm_page_free_batched: number;
  mm_page_alloc_extfrag: number;
  allocByOrder: number[];
  freeByOrder: number[];
  allocByMigratetype: Record<string, number>;
}

/** The counts, what the parser skipped, and the time span of the events. */
export interface TraceStats {
  counts: TraceStatsJson;
  parse: FtraceSummary;
  /** Timestamps of the first and last events (seconds), null without events. */
  firstTime: number | null;
  lastTime: number | null;
  /** Allocations that failed (mm_page_alloc with pfn 0x0 and a NULL page). */
  failedAllocs: number;
}

/** Counts kmem events as they come. */
export class TraceStatsAccumulator {
  private readonly c: TraceStatsJson;
  private readonly byMt = new Map<number, number>();
  private first: number | null = null;
  private last: number | null = null;
  private failed = 0;

  constructor(maxPageOrder = TRACE_MAX_PAGE_ORDER) {
    this.c = {
      events: 0,
      mm_page_alloc: 0,
      mm_page_free: 0,
      mm_page_free_batched: 0,
      mm_page_alloc_extfrag: 0,
      allocByOrder: new Array<number>(maxPageOrder + 1).fill(0),
      freeByOrder: new Array<number>(maxPageOrder + 1).fill(0),
      allocByMigratetype: {},
    };
  }

  add(e: KmemEvent): void {
    const c = this.c;
    c.events++;
    c[e.event]++;
    this.first ??= e.time;
    this.last = e.time;
    switch (e.event) {
      case "mm_page_alloc":
        c.allocByOrder[e.order]++;
        this.byMt.set(e.migratetype, (this.byMt.get(e.migratetype) ?? 0) + 1);
        if (e.pfn === 0 && /^(?:0+|\(null\))$/.test(e.page)) this.failed++;
        break;
      case "mm_page_free":
      case "mm_page_free_batched":
        c.freeByOrder[e.order]++;
        break;
    }
  }

  /** The counts so far (a copy). */
  result(parse: FtraceSummary): TraceStats {
    const byMt = [...this.byMt].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v]);
    const counts: TraceStatsJson = {
      ...this.c,
      allocByOrder: [...this.c.allocByOrder],
      freeByOrder: [...this.c.freeByOrder],
      allocByMigratetype: Object.fromEntries(byMt),
    };
    return { counts, parse, firstTime: this.first, lastTime: this.last, failedAllocs: this.failed };
  }
}

function isAsync<T>(x: Iterable<T> | AsyncIterable<T>): x is AsyncIterable<T> {
  return typeof (x as AsyncIterable<T>)[Symbol.asyncIterator] === "function";
}

/** The stats of a capture's lines (one physical line per item, line feed removed), synchronous. */
export function traceStatsSync(lines: Iterable<string>, options?: FtraceParserOptions): TraceStats {
  const p = new FtraceParser(options);
  const acc = new TraceStatsAccumulator(options?.maxPageOrder);
  for (const l of lines) {
    const e = p.line(l);
    if (e) acc.add(e);
  }
  return acc.result(p.summary());
}

/** The stats of a capture's lines, from an iterable or an async iterable (a decompressing file stream).
 *  Items may also be arrays of lines (a chunk's lines at once), which saves an await per line. */
export async function traceStats(
  lines: Iterable<string | string[]> | AsyncIterable<string | string[]>,
  options?: FtraceParserOptions,
): Promise<TraceStats> {
  const p = new FtraceParser(options);
  const acc = new TraceStatsAccumulator(options?.maxPageOrder);
  const one = (l: string) => {
    const e = p.line(l);
    if (e) acc.add(e);
  };
  const item = (x: string | string[]) => {
    if (typeof x === "string") one(x);
    else for (const l of x) one(l);
  };
  if (isAsync(lines)) for await (const x of lines) item(x);
  else for (const x of lines) item(x);
  return acc.result(p.summary());
}
