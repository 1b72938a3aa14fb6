// ftrace text output (/sys/kernel/tracing/trace, trace_pipe, `trace-cmd report` is not this format) ->
// typed kmem page events, one line at a time so that a capture of millions of events is never held
// whole. Each line is "TASK-PID [CPU] FLAGS TIMESTAMP: EVENT: FIELDS" (kernel/trace/trace_output.c
// lat_print_generic / trace_print_context, 6.18; the FLAGS column is there unless options/irq-info is
// off, a "(TGID)" column with options/record-tgid); FIELDS are the event's TP_printk. The four events
// parsed are include/trace/events/kmem.h, 6.18:
//   mm_page_alloc          "page=%p pfn=0x%lx order=%d migratetype=%d gfp_flags=%s" (show_gfp_flags)
//   mm_page_free           "page=%p pfn=0x%lx order=%d"
//   mm_page_free_batched   "page=%p pfn=0x%lx order=0"
//   mm_page_alloc_extfrag  "page=%p pfn=0x%lx alloc_order=%d fallback_order=%d pageblock_order=%d
//                           alloc_migratetype=%d fallback_migratetype=%d fragmenting=%d change_ownership=%d"
// Comment lines ("# ...") and blank lines are skipped; other events are counted by name; anything else
// is a warning with its 1-based line number (the first MAX_WARNINGS kept, parse/warnings.ts). Never throws.

import { decodeGfp, parseGfp } from "../include/linux/gfp.js";
import { CappedWarnings, quoted, type LineWarning } from "./warnings.js";

/** MAX_PAGE_ORDER on x86-64 6.18 (include/linux/mmzone.h: 10 unless CONFIG_ARCH_FORCE_MAX_ORDER). */
export const TRACE_MAX_PAGE_ORDER = 10;

/** The kmem events this parser reads, in the order `trace stats` prints them. */
export const KMEM_EVENTS = ["mm_page_alloc", "mm_page_free", "mm_page_free_batched", "mm_page_alloc_extfrag"] as const;
export type KmemEventName = (typeof KMEM_EVENTS)[number];

/** What every ftrace line carries before the event's own fields. */
export interface FtraceContext {
  /** 1-based line number in the capture. */
  line: number;
  /** The task's comm (up to 15 characters in the kernel; "<idle>" for the idle task). */
  task: string;
  pid: number;
  cpu: number;
  /** The irqs-off/need-resched/hardirq/preempt/migrate column ("d..3."), null when the capture has none. */
  flags: string | null;
  /** Seconds, as printed ("1552.974507"; the trace clock's, local by default: seconds since boot). */
  time: number;
}

export interface MmPageAlloc extends FtraceContext {
  event: "mm_page_alloc";
  /** %p as printed: hashed unless no_hash_pointers; a failed allocation prints NULL's form with pfn=0x0. */
  page: string;
  pfn: number;
  order: number;
  migratetype: number;
  /** show_gfp_flags as printed ("GFP_HIGHUSER_MOVABLE|__GFP_COMP", "none" for 0). */
  gfpText: string;
  /** The mask the text names with 6.18's gfp bits (include/linux/gfp.ts); null when a name is not 6.18's. */
  gfp: number | null;
}

export interface MmPageFree extends FtraceContext {
  event: "mm_page_free";
  page: string;
  pfn: number;
  order: number;
}

export interface MmPageFreeBatched extends FtraceContext {
  event: "mm_page_free_batched";
  page: string;
  pfn: number;
  /** Always 0: free_unref_folios frees order-0 pages only, and the format prints "order=0". */
  order: 0;
}

export interface MmPageAllocExtfrag extends FtraceContext {
  event: "mm_page_alloc_extfrag";
  page: string;
  pfn: number;
  allocOrder: number;
  fallbackOrder: number;
  pageblockOrder: number;
  allocMigratetype: number;
  fallbackMigratetype: number;
  /** fallback_order < pageblock_order, as the kernel computes it. */
  fragmenting: boolean;
  changeOwnership: boolean;
}

export type KmemEvent = MmPageAlloc | MmPageFree | MmPageFreeBatched | MmPageAllocExtfrag;

export interface FtraceParserOptions {
  /** Orders above this are warnings (default TRACE_MAX_PAGE_ORDER). */
  maxPageOrder?: number;
}

/** What the parser saw besides the events it returned. */
export interface FtraceSummary {
  /** Physical lines read. */
  lines: number;
  /** Comment and blank lines. */
  comments: number;
  /** Lines of other events, by event name (at most MAX_OTHER_NAMES names; the rest under OTHER_NAMES_REST). */
  otherEvents: Record<string, number>;
  /** Lines that are neither comments nor events, or kmem events whose fields do not parse. */
  malformed: number;
  /** The first MAX_WARNINGS by line. */
  warnings: LineWarning[];
  warningsOmitted?: number;
}

/** A trace_marker write ("tracing_mark_write: TEXT", kernel/trace/trace_output.c trace_print_print, 6.18):
 *  oomlab's lab writes "oomlab: workload-start", "oomlab: probe-start", "oomlab: probe-end" there. */
export interface FtraceMarker {
  line: number;
  time: number;
  /** The text written, as printed (without the trailing newline). */
  text: string;
}

/** Longest marker text kept (TRACE_BUF_SIZE is 1024 in the kernel; the rest is cut). */
export const MAX_MARKER_CHARS = 1024;

/** Distinct other event names kept; a hostile capture could hold one per line. */
export const MAX_OTHER_NAMES = 64;
export const OTHER_NAMES_REST = "(other names)";

// A capture holds millions of lines and `trace stats` has 2 s for 1.26 million of them
// (bench/trace-stats.mjs): the three frequent events are read by one regular expression over the whole
// line (FAST, one call into the regexp engine per line); any line it does not match takes the slow
// path below (indexOf and character scans), which also reads extfrag and tells what is wrong.

const FAST = new RegExp(
  // TASK-PID [(TGID)] [CPU] [FLAGS] TIMESTAMP:
  String.raw`^ *(\S.{0,63}?)-(\d{1,10}) +(?:\( *(?:\d{1,10}|-+)\) +)?\[(\d{1,5})\] +` +
    String.raw`(?:([^\s[\]]{4,5}) +)?(\d{1,12}\.\d{1,9}): mm_page_(?:` +
    // mm_page_alloc: groups 6-10
    String.raw`alloc: page=(\S+) pfn=0x([0-9a-f]{1,16}) order=(\d{1,2}) migratetype=(\d{1,2}) gfp_flags=(\S+)` +
    // mm_page_free, mm_page_free_batched: groups 11-14
    String.raw`|(free(?:_batched)?): page=(\S+) pfn=0x([0-9a-f]{1,16}) order=(\d{1,2}))\r?$`,
);

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** A run of 1..maxLen decimal digits from start to end: its value, or -1. */
function digits(t: string, start: number, end: number, maxLen = 10): number {
  if (end <= start || end - start > maxLen) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = t.charCodeAt(i);
    if (!isDigit(c)) return -1;
    v = v * 10 + (c - 0x30);
  }
  return v;
}

/** "%5lu.%06lu" seconds, or NaN. */
function seconds(t: string, start: number, end: number): number {
  const dot = t.indexOf(".", start);
  if (dot < 0 || dot >= end || digits(t, start, dot, 12) < 0 || digits(t, dot + 1, end, 9) < 0) return NaN;
  return Number(t.slice(start, end));
}

/** Reads "key=value key=value ..." in a fixed order: each call takes the next field if it has that key. */
class Fields {
  private pos = 0;
  constructor(private readonly t: string) {}
  /** The next field's text when its key is key (value non-empty, up to the next space), else null. */
  text(key: string): string | null {
    const t = this.t;
    if (!t.startsWith(key, this.pos)) return null;
    const start = this.pos + key.length;
    let end = t.indexOf(" ", start);
    if (end < 0) end = t.length;
    this.pos = end + 1;
    return end > start ? t.slice(start, end) : null;
  }
  /** The next field as a decimal ("-" allowed when signed), or NaN. */
  int(key: string, signed = false): number {
    const t = this.t;
    if (!t.startsWith(key, this.pos)) return NaN;
    let start = this.pos + key.length;
    const neg = signed && t.charCodeAt(start) === 0x2d;
    if (neg) start++;
    let end = t.indexOf(" ", start);
    if (end < 0) end = t.length;
    this.pos = end + 1;
    const v = digits(t, start, end, 10);
    return v < 0 ? NaN : neg ? -v : v;
  }
  /** The next field as "0x" hex (at most 16 digits), or NaN. */
  hex(key: string): number {
    const s = this.text(key);
    return s !== null && /^0x[0-9a-f]{1,16}$/.test(s) ? parseInt(s.slice(2), 16) : NaN;
  }
  /** Whether every field has been read. */
  done(): boolean {
    return this.pos >= this.t.length + 1 || (this.pos === this.t.length && this.t.length === 0);
  }
}

/** The TP_printk each event's fields must match, for warnings. */
const FORMATS: Record<KmemEventName, string> = {
  mm_page_alloc: "page=%p pfn=0x%lx order=%d migratetype=%d gfp_flags=%s",
  mm_page_free: "page=%p pfn=0x%lx order=%d",
  mm_page_free_batched: "page=%p pfn=0x%lx order=0",
  mm_page_alloc_extfrag:
    "page=%p pfn=0x%lx alloc_order=%d fallback_order=%d pageblock_order=%d alloc_migratetype=%d " +
    "fallback_migratetype=%d fragmenting=%d change_ownership=%d",
};

/** Distinct gfp texts kept with their masks (a capture has a few dozen). */
const MAX_GFP_CACHE = 4096;

/**
 * A streaming reader of ftrace kmem lines: feed each physical line to line(); it returns the event, or
 * null for a comment, another event or a malformed line (a warning). summary() tells what was skipped.
 */
export class FtraceParser {
  private lineNo = 0;
  private comments = 0;
  private malformed = 0;
  private readonly other = new Map<string, number>();
  private readonly warn = new CappedWarnings();
  private readonly gfpCache = new Map<string, number | null>();
  private readonly maxPageOrder: number;
  private marker: FtraceMarker | null = null;

  constructor(options: FtraceParserOptions = {}) {
    this.maxPageOrder = options.maxPageOrder ?? TRACE_MAX_PAGE_ORDER;
  }

  /** Parses the next physical line (a trailing CR is ignored). */
  line(raw: string): KmemEvent | null {
    const line = ++this.lineNo;
    const m = FAST.exec(raw);
    if (m !== null) {
      const task = m[1];
      const pid = Number(m[2]);
      const cpu = Number(m[3]);
      const flags = m[4] ?? null;
      const time = Number(m[5]);
      if (m[6] !== undefined) {
        const order = Number(m[8]);
        if (!this.orderOk(line, "mm_page_alloc", order)) return null;
        const pfn = parseInt(m[7], 16);
        const gfpText = m[10];
        const gfp = this.gfp(gfpText);
        return {
          event: "mm_page_alloc",
          line,
          task,
          pid,
          cpu,
          flags,
          time,
          page: m[6],
          pfn,
          order,
          migratetype: Number(m[9]),
          gfpText,
          gfp,
        };
      }
      const order = Number(m[14]);
      const pfn = parseInt(m[13], 16);
      if (m[11] === "free") {
        if (!this.orderOk(line, "mm_page_free", order)) return null;
        return { event: "mm_page_free", line, task, pid, cpu, flags, time, page: m[12], pfn, order };
      }
      if (order === 0)
        return { event: "mm_page_free_batched", line, task, pid, cpu, flags, time, page: m[12], pfn, order };
    }
    return this.slowLine(line, raw);
  }

  /** Any line FAST does not read: comments, other events, extfrag, variants and damage. */
  private slowLine(line: number, raw: string): KmemEvent | null {
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    let p = 0;
    while (p < text.length && (text.charCodeAt(p) === 0x20 || text.charCodeAt(p) === 0x09)) p++;
    if (p === text.length || text.charCodeAt(p) === 0x23 /* # */) {
      this.comments++;
      return null;
    }
    // TASK-PID [(TGID)] [CPU]: the CPU column is the first "[digits] "; the comm (which may hold "-",
    // spaces and brackets) is everything before "-PID".
    const close = text.indexOf("] ", p);
    const open = close < 0 ? -1 : text.lastIndexOf("[", close);
    const cpu = open < 0 ? -1 : digits(text, open + 1, close, 5);
    let head = open < 0 ? "" : text.slice(p, open).trimEnd();
    if (head.endsWith(")")) {
      const lp = head.lastIndexOf("(");
      const tgid = head.slice(lp + 1, -1).trim();
      if (lp > 0 && /^(?:\d{1,10}|-+)$/.test(tgid)) head = head.slice(0, lp).trimEnd();
    }
    const dash = head.lastIndexOf("-");
    const pid = dash <= 0 ? -1 : digits(head, dash + 1, head.length);
    // [FLAGS] TIMESTAMP: EVENT: FIELDS
    const colon = cpu < 0 || pid < 0 ? -1 : text.indexOf(": ", close + 2);
    if (colon < 0) return this.bad(line, `not an ftrace event line: ${quoted(text.slice(0, 80))}`);
    const stamp = text.slice(close + 2, colon).trim();
    const sp = stamp.lastIndexOf(" ");
    const flags = sp < 0 ? null : stamp.slice(0, sp).trim();
    const time = seconds(stamp, sp + 1, stamp.length);
    const nameEnd = text.indexOf(":", colon + 2);
    const name = text.slice(colon + 2, nameEnd < 0 ? text.length : nameEnd);
    if (Number.isNaN(time) || (flags !== null && !/^[^\s[\]]{4,5}$/.test(flags)) || !/^\w{1,64}$/.test(name))
      return this.bad(line, `not an ftrace event line: ${quoted(text.slice(0, 80))}`);
    const fieldsAt = nameEnd < 0 ? text.length : nameEnd + (text.charCodeAt(nameEnd + 1) === 0x20 ? 2 : 1);
    const task = head.slice(0, dash);
    switch (name) {
      case "mm_page_alloc":
      case "mm_page_free":
      case "mm_page_free_batched":
      case "mm_page_alloc_extfrag":
        return this.kmem(line, name, text.slice(fieldsAt), task, pid, cpu, flags, time);
      default: {
        if (name === "tracing_mark_write")
          this.marker = { line, time, text: text.slice(fieldsAt, fieldsAt + MAX_MARKER_CHARS).trimEnd() };
        const key = this.other.has(name) || this.other.size < MAX_OTHER_NAMES ? name : OTHER_NAMES_REST;
        this.other.set(key, (this.other.get(key) ?? 0) + 1);
        return null;
      }
    }
  }

  private kmem(
    line: number,
    event: KmemEventName,
    fields: string,
    task: string,
    pid: number,
    cpu: number,
    flags: string | null,
    time: number,
  ): KmemEvent | null {
    const f = new Fields(fields);
    const page = f.text("page=");
    const pfn = f.hex("pfn=");
    if (page === null || Number.isNaN(pfn)) return this.badFields(line, event, fields);
    switch (event) {
      case "mm_page_alloc": {
        const order = f.int("order=");
        const migratetype = f.int("migratetype=", true);
        const gfpText = f.text("gfp_flags=");
        if (Number.isNaN(order) || Number.isNaN(migratetype) || gfpText === null || !f.done())
          return this.badFields(line, event, fields);
        if (!this.orderOk(line, event, order)) return null;
        const gfp = this.gfp(gfpText);
        return { event, line, task, pid, cpu, flags, time, page, pfn, order, migratetype, gfpText, gfp };
      }
      case "mm_page_free": {
        const order = f.int("order=");
        if (Number.isNaN(order) || !f.done()) return this.badFields(line, event, fields);
        if (!this.orderOk(line, event, order)) return null;
        return { event, line, task, pid, cpu, flags, time, page, pfn, order };
      }
      case "mm_page_free_batched":
        if (f.int("order=") !== 0 || !f.done()) return this.badFields(line, event, fields);
        return { event, line, task, pid, cpu, flags, time, page, pfn, order: 0 };
      case "mm_page_alloc_extfrag": {
        const allocOrder = f.int("alloc_order=");
        const fallbackOrder = f.int("fallback_order=");
        const pageblockOrder = f.int("pageblock_order=");
        const allocMigratetype = f.int("alloc_migratetype=", true);
        const fallbackMigratetype = f.int("fallback_migratetype=", true);
        const fragmenting = f.int("fragmenting=");
        const changeOwnership = f.int("change_ownership=");
        const all = [allocOrder, fallbackOrder, pageblockOrder, allocMigratetype, fallbackMigratetype];
        if (all.some(Number.isNaN) || fragmenting > 1 || !(changeOwnership <= 1) || !(fragmenting >= 0) || !f.done())
          return this.badFields(line, event, fields);
        if (!this.orderOk(line, event, allocOrder) || !this.orderOk(line, event, fallbackOrder)) return null;
        return {
          event,
          line,
          task,
          pid,
          cpu,
          flags,
          time,
          page,
          pfn,
          allocOrder,
          fallbackOrder,
          pageblockOrder,
          allocMigratetype,
          fallbackMigratetype,
          fragmenting: fragmenting === 1,
          changeOwnership: changeOwnership === 1,
        };
      }
    }
  }

  /** The marker of the last line when it was a tracing_mark_write (counted with the other events, and
   *  line() returned null for it), else null; taking it clears it. */
  takeMarker(): FtraceMarker | null {
    const m = this.marker;
    this.marker = null;
    return m;
  }

  /** What was skipped so far, and the warnings. */
  summary(): FtraceSummary {
    const { warnings, omitted } = this.warn.finish();
    const out: FtraceSummary = {
      lines: this.lineNo,
      comments: this.comments,
      otherEvents: Object.fromEntries(this.other),
      malformed: this.malformed,
      warnings,
    };
    if (omitted > 0) out.warningsOmitted = omitted;
    return out;
  }

  private bad(line: number, message: string): null {
    this.malformed++;
    this.warn.add({ line, message });
    return null;
  }

  private badFields(line: number, name: KmemEventName, fields: string): null {
    return this.bad(line, `${name} fields ${quoted(fields.slice(0, 120))} do not read as "${FORMATS[name]}"`);
  }

  private orderOk(line: number, name: KmemEventName, order: number): boolean {
    if (order <= this.maxPageOrder) return true;
    this.bad(line, `${name} order ${order} is above MAX_PAGE_ORDER ${this.maxPageOrder}`);
    return false;
  }

  private lastGfpText = "";
  private lastGfp: number | null = null;

  private gfp(text: string): number | null {
    // Consecutive allocations mostly share their flags: one string compare saves hashing a new string.
    if (text === this.lastGfpText) return this.lastGfp;
    this.lastGfpText = text;
    return (this.lastGfp = this.cachedGfp(text));
  }

  private cachedGfp(text: string): number | null {
    if (this.gfpCache.has(text)) return this.gfpCache.get(text) ?? null;
    const mask = gfpFromTrace(text);
    if (this.gfpCache.size < MAX_GFP_CACHE) this.gfpCache.set(text, mask);
    return mask;
  }
}

/** show_gfp_flags text -> mask with 6.18's bits: "none" is 0 (include/trace/events/mmflags.h show_gfp_flags),
 *  names are __def_gfpflag_names' (the %pGg table, include/linux/gfp.ts), leftover bits "0x..."; null when a
 *  name is not a 6.18 flag. */
export function gfpFromTrace(text: string): number | null {
  if (text === "none") return 0;
  try {
    return parseGfp(text, "6.18");
  } catch {
    return null;
  }
}

/** A mask as 6.18's show_gfp_flags prints it: the inverse of gfpFromTrace. */
export function gfpToTrace(mask: number): string {
  return mask === 0 ? "none" : decodeGfp(mask, "6.18").text;
}

/** Every kmem event of the lines, in order, and then the summary (a generator: nothing is kept). */
export function* parseFtrace(
  lines: Iterable<string>,
  options?: FtraceParserOptions,
): Generator<KmemEvent, FtraceSummary> {
  const p = new FtraceParser(options);
  for (const l of lines) {
    const e = p.line(l);
    if (e) yield e;
  }
  return p.summary();
}

/** Characters of one line kept by LineSplitter: the longest kmem line is under 300; a longer line is
 *  cut here (it then reads as malformed) so that input without line feeds cannot grow one string. */
export const MAX_LINE_CHARS = 64 * 1024;

/** Splits text into lines for FtraceParser.line, across chunk boundaries: push chunks, then end(). */
export class LineSplitter {
  private rest = "";
  /** The complete lines in rest + chunk; the last, unfinished part is kept for the next call. */
  push(chunk: string): string[] {
    const parts = (this.rest + chunk).split("\n");
    const rest = parts.pop() ?? "";
    this.rest = rest.length > MAX_LINE_CHARS ? rest.slice(0, MAX_LINE_CHARS) : rest;
    return parts;
  }
  /** The last line when the text does not end with a line feed. */
  end(): string[] {
    const last = this.rest;
    this.rest = "";
    return last === "" ? [] : [last];
  }
}
