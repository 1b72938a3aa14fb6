// The kernel log of the simulation: printk lines (what `dmesg` would show) and structured events.
// Both are bounded: a long replay (a livelocked kmem_alloc retrying a billion times) keeps the
// first and the last entries of each and counts what it dropped between them, so memory stays
// bounded whatever the simulation's length. Pure data: no Node API.

import type { SimClock } from "./clock.js";
import type { SimContext, SimEvent, SimEventFields, SimEventKind } from "./events.js";

/** How much of a stream to keep: the first `head` and the last `tail` units. */
export interface KeepLimits {
  head: number;
  tail: number;
}

/** What the kernel log keeps. Lines count one unit each; an event counts one unit plus one per
 *  item of its lists (OOM candidates, watermark steps, pages_scanned per zone), so that an event
 *  listing every task of a large machine weighs what it holds. */
export interface LogLimits {
  lines: KeepLimits;
  events: KeepLimits;
}

/** Defaults: about 35 MB of events (15 to 30 MB of `--json`) and 2 MB of lines at most. The
 *  largest shipped replay (the seed scenario) records 16,834 events of 34,562 units and 23 lines. */
export const DEFAULT_LOG_LIMITS: LogLimits = {
  lines: { head: 10_000, tail: 10_000 },
  events: { head: 100_000, tail: 100_000 },
};

/** Events of the largest size each end of the log holds at least (scaledLogLimits). */
const LARGEST_EVENTS_KEPT = 4;

/** The default limits, with the event budgets raised to hold LARGEST_EVENTS_KEPT events of a
 *  list of largestList items at each end: an OOM killer event lists every task, so a scenario
 *  with many tasks keeps its OOM events (memory then grows with the scenario, not with time). */
export function scaledLogLimits(largestList: number): LogLimits {
  const units = Math.max(DEFAULT_LOG_LIMITS.events.head, LARGEST_EVENTS_KEPT * (largestList + 1));
  return { lines: DEFAULT_LOG_LIMITS.lines, events: { head: units, tail: units } };
}

/** A stream that keeps its first `head` and its last `tail` units (each item has a cost in units)
 *  and counts the items dropped between them. The last item pushed is always kept, whatever its
 *  cost, so memory is bounded by head + tail units plus one item. */
export class HeadTail<T> {
  private readonly head: T[] = [];
  private headUnits = 0;
  /** The tail as a queue: tail[tailFrom..] are kept, the slots before are released. */
  private tail: T[] = [];
  private tailCosts: number[] = [];
  private tailFrom = 0;
  private tailUnits = 0;
  /** Items pushed, kept or not. */
  pushed = 0;
  /** Items dropped between the head and the tail. */
  dropped = 0;
  /** The first and the last item dropped (undefined while none was). */
  firstDropped: T | undefined;
  lastDropped: T | undefined;

  constructor(readonly limits: KeepLimits) {}

  push(item: T, cost = 1): void {
    this.pushed++;
    // The head takes items until the first one that does not fit; after it, everything goes to the tail.
    if (this.tailFrom === this.tail.length && this.dropped === 0 && this.headUnits + cost <= this.limits.head) {
      this.head.push(item);
      this.headUnits += cost;
      return;
    }
    this.tail.push(item);
    this.tailCosts.push(cost);
    this.tailUnits += cost;
    while (this.tailUnits > this.limits.tail && this.tail.length - this.tailFrom > 1) {
      const old = this.tail[this.tailFrom];
      this.tailUnits -= this.tailCosts[this.tailFrom];
      this.tail[this.tailFrom] = undefined as T; // release it
      this.tailFrom++;
      if (this.dropped === 0) this.firstDropped = old;
      this.lastDropped = old;
      this.dropped++;
    }
    // Compact the queue once half of it is released slots (amortised O(1) per item).
    if (this.tailFrom >= 1024 && this.tailFrom * 2 >= this.tail.length) {
      this.tail = this.tail.slice(this.tailFrom);
      this.tailCosts = this.tailCosts.slice(this.tailFrom);
      this.tailFrom = 0;
    }
  }

  /** Items kept. */
  get kept(): number {
    return this.head.length + this.tail.length - this.tailFrom;
  }

  /** The kept items in order, with marker between the head and the tail when items were dropped.
   *  Without a tail this is the head array itself (no copy). */
  toArray(marker?: () => T): T[] {
    if (this.tailFrom === this.tail.length) return this.head;
    const tail = this.tail.slice(this.tailFrom);
    return this.dropped && marker ? [...this.head, marker(), ...tail] : [...this.head, ...tail];
  }
}

/** The units an event weighs (see LogLimits): one, plus the items of its list fields. */
function eventUnits(fields: object): number {
  let units = 1;
  for (const v of Object.values(fields)) if (Array.isArray(v)) units += v.length;
  return units;
}

/** The line that stands for the printk lines a log dropped. */
export function droppedLinesMarker(dropped: number, limits: KeepLimits): string {
  return (
    `[oomlab: ${dropped} kernel log line${dropped === 1 ? "" : "s"} not kept here; ` +
    `the log keeps its first ${limits.head} and its last ${limits.tail} lines]`
  );
}

/** The kernel log: printk lines (what `dmesg` would show) and structured events (`--json`), each
 *  kept up to its LogLimits (first and last entries, the rest counted). */
export class KernelLog {
  private readonly keptLines: HeadTail<string>;
  private readonly keptEvents: HeadTail<SimEvent>;
  /** When false, events are not recorded (long sweeps); printk lines always are. */
  recordEvents = true;
  /** Who is running when an event happens, when it is not the task the scenario follows:
   *  "kswapd" or "background" (a timed scenario event). Recorded as the event's ctx. */
  context: SimContext | null = null;
  constructor(
    private readonly clock: SimClock,
    readonly limits: LogLimits = DEFAULT_LOG_LIMITS,
  ) {
    this.keptLines = new HeadTail(limits.lines);
    this.keptEvents = new HeadTail(limits.events);
  }

  /** The printk lines kept; when some were dropped, a marker line (droppedLinesMarker) stands
   *  between the first and the last ones. */
  get lines(): string[] {
    const kept = this.keptLines;
    return kept.toArray(() => droppedLinesMarker(kept.dropped, kept.limits));
  }

  /** The events kept; when some were dropped, an "events-dropped" event stands between the first
   *  and the last ones, at the time of the first event dropped. */
  get events(): SimEvent[] {
    const kept = this.keptEvents;
    return kept.toArray(() => ({
      t: kept.firstDropped?.t ?? 0,
      kind: "events-dropped",
      count: kept.dropped,
      lastT: kept.lastDropped?.t ?? 0,
    }));
  }

  /** printk lines and events dropped so far (0 when the log holds everything). */
  get droppedLines(): number {
    return this.keptLines.dropped;
  }
  get droppedEvents(): number {
    return this.keptEvents.dropped;
  }

  /** printk: text may hold several lines; each ends with "\n" in the kernel. */
  printk(text: string): void {
    for (const l of text.replace(/\n$/, "").split("\n")) this.keptLines.push(l);
    this.event("printk", { text: text.replace(/\n$/, "") });
  }

  /** Records an event of a kind with that kind's fields: { t, kind, ctx?, ...fields }, in this order. */
  event<K extends SimEventKind>(kind: K, fields: SimEventFields[K]): void {
    if (!this.recordEvents) return;
    const t = this.clock.nowMs;
    // SimEventBase<K> & SimEventFields[K] is SimEventOf<K>, which TypeScript does not see for a generic K
    const e = this.context ? { t, kind, ctx: this.context, ...fields } : { t, kind, ...fields };
    this.keptEvents.push(e as SimEvent, eventUnits(fields));
  }
}
