// Segments a pasted kernel log into memory reports (OOM kills, allocation failures, memcg OOMs, bare
// show_mem dumps) and reads each into a typed record with line numbers. Parsing only: no verdicts.
// Never throws: anything malformed becomes a warning { line, message }.

import { MAX_MATCH_CHARS, isKillTail, isReportBody } from "./body.js";
import {
  isShowMemStart,
  parseCurrentTask,
  parseHeader,
  type HeaderFormat,
  type ParsedHeader,
  type ReportKind,
} from "./headers.js";
import {
  emptyMemcg,
  foldMemcg,
  parseConstraint,
  parseKilled,
  parseReaped,
  parseSelected,
  victimFromKill,
  victimFromName,
  type ParsedConstraint,
  type ParsedMemcg,
  type ParsedSelection,
  type ParsedVictim,
} from "./kills.js";
import { splitLines, type LogLine } from "./lines.js";
import { ShowMemCollector, type ParsedZone, type Warning } from "./show_mem.js";

export { HEADER_FORMATS, type HeaderFormat, type ReportKind } from "./headers.js";
export type { ParsedConstraint, ParsedMemcg, ParsedVictim } from "./kills.js";
export type { ParsedPcp, ParsedZone, Warning } from "./show_mem.js";

/** The header fields a report keeps as its own (see ParsedHeader for their meaning). */
type HeaderFields = Pick<
  ParsedHeader,
  "order" | "gfpMask" | "gfpFlagsPrinted" | "nodemask" | "oomAdj" | "oomScoreAdj" | "message"
>;

export interface ParsedReport extends HeaderFields {
  kind: ReportKind;
  /** The header printk that matched (era evidence, HEADER_FORMATS), or null for a report without a header line. */
  format: HeaderFormat | null;
  /** Physical line of the first and last line attributed to the report. */
  line: number;
  endLine: number;
  /** Seconds since boot of the first line, when stamped. */
  time: number | null;
  kernelVersion: string | null;
  trigger: { comm: string; pid: number | null } | null;
  victim: ParsedVictim | null;
  constraint: ParsedConstraint | null;
  memcg: ParsedMemcg | null;
  zones: ParsedZone[];
  /** Page size from the smallest block of the per-order lines; null when none was printed. */
  pageSizeKb: number | null;
  /** Physical lines attributed to the report, ascending. */
  lines: number[];
}

export interface ParseResult {
  reports: ParsedReport[];
  warnings: Warning[];
}

// A memcg OOM pasted without its header: "Task in %s killed as a result of limit of %s" (2.6.29-4.18)
// or "memory: usage %llukB, limit %llukB, failcnt %lu" (2.6.29+, cgroup v1 and v2).
const MEMCG_START = /^(?:Task in \S{1,4096} killed as a result of limit of |memory: usage \d{1,20}kB, limit )/;
// "Mem-info:" / "Mem-Info:" (the show_mem header line; see headers.ts MEM_INFO).
const MEM_INFO_LINE = /^Mem-/;

/** Unattributed lines tolerated inside a report (interleaved messages of other subsystems). */
const MAX_GAP = 12;

type Phase = "body" | "tail";

class Builder {
  readonly r: ParsedReport;
  readonly zones: ShowMemCollector;
  phase: Phase = "body";
  gap = 0;
  sawMemInfo = false;
  memcgSeen = false;
  selection: ParsedSelection | null = null;
  private readonly warn: (w: Warning) => void;

  constructor(kind: ReportKind, first: LogLine, h: ParsedHeader | null, warn: (w: Warning) => void) {
    this.warn = warn;
    this.zones = new ShowMemCollector(warn);
    this.r = {
      kind,
      format: h?.format ?? null,
      line: first.line,
      endLine: first.line,
      time: first.time ?? null,
      kernelVersion: null,
      trigger: h?.comm ? { comm: h.comm, pid: null } : null,
      order: h?.order ?? null,
      gfpMask: h?.gfpMask ?? null,
      gfpFlagsPrinted: h?.gfpFlagsPrinted ?? null,
      nodemask: h?.nodemask ?? null,
      oomAdj: h?.oomAdj ?? null,
      oomScoreAdj: h?.oomScoreAdj ?? null,
      message: h?.message ?? null,
      victim: null,
      constraint: null,
      memcg: null,
      zones: [],
      pageSizeKb: null,
      lines: [first.line],
    };
  }

  take(line: number): void {
    const ls = this.r.lines;
    if (ls[ls.length - 1] !== line) ls.push(line);
    this.r.endLine = line;
    this.gap = 0;
  }

  /** dump_stack's "CPU: .. PID: .. Comm:" names the trigger and the kernel release. */
  current(l: LogLine): boolean {
    const c = parseCurrentTask(l.text);
    if (!c) return false;
    this.r.kernelVersion ??= c.kernelVersion;
    const t = this.r.trigger;
    if (!t) this.r.trigger = { comm: c.comm, pid: c.pid };
    else if (t.pid === null && !this.sawMemInfo) {
      if (t.comm !== c.comm)
        this.warn({ line: l.line, message: `header names ${t.comm} but dump_stack names ${c.comm}` });
      t.pid = c.pid;
    }
    return true;
  }

  /** Kill, selection, summary, reaper and memcg lines; true when the line was one of them. */
  oomLine(l: LogLine): boolean {
    const t = l.text;
    const k = parseKilled(t);
    if (k) {
      if (!this.r.victim) this.r.victim = victimFromKill(k, this.selection, l.line);
      this.phase = "tail";
      return true;
    }
    const s = parseSelected(t);
    if (s) {
      this.selection = s;
      return true;
    }
    const c = parseConstraint(t);
    if (c) {
      this.r.constraint = c;
      if (c.constraint === "CONSTRAINT_MEMCG" || c.oomMemcg !== null) this.memcgSeen = true;
      return true;
    }
    return this.reaped(l) || this.memcgLine(t);
  }

  reaped(l: LogLine): boolean {
    const pid = parseReaped(l.text);
    if (pid === null) return false;
    if (this.r.victim?.pid === pid) this.r.victim.reaped = true;
    return true;
  }

  private memcgLine(t: string): boolean {
    if (t.startsWith("Memory cgroup out of memory")) this.memcgSeen = true;
    const m = this.r.memcg ?? emptyMemcg();
    if (!foldMemcg(m, t)) return false;
    this.r.memcg = m;
    this.memcgSeen = true;
    return true;
  }

  finish(): ParsedReport {
    const r = this.r;
    r.pageSizeKb = this.zones.finish();
    r.zones = this.zones.zones;
    if (r.kind === "oom" && this.memcgSeen) r.kind = "memcg-oom";
    if (!r.victim && this.selection)
      r.victim = victimFromName(this.selection.pid, this.selection.comm, this.selection.score, r.endLine);
    const c = r.constraint;
    if (!r.victim && c && c.pid !== null) r.victim = victimFromName(c.pid, c.task ?? "", null, r.endLine);
    return r;
  }
}

class Segmenter {
  readonly reports: ParsedReport[] = [];
  readonly warnings: Warning[] = [];
  private cur: Builder | null = null;
  private readonly warn = (w: Warning): void => {
    this.warnings.push(w);
  };

  close(): void {
    if (this.cur) this.reports.push(this.cur.finish());
    this.cur = null;
  }

  open(kind: ReportKind, l: LogLine, h: ParsedHeader | null): Builder {
    this.close();
    this.cur = new Builder(kind, l, h, this.warn);
    return this.cur;
  }

  line(l: LogLine): void {
    if (l.text.trim().length === 0) return;
    const h = parseHeader(l.text);
    if (h) {
      if (h.salvaged) this.warn({ line: l.line, message: `unrecognised ${h.kind} header: ${l.text.slice(0, 100)}` });
      this.open(h.kind, l, h);
      return;
    }
    if (this.cur && this.inReport(this.cur, l)) return;
    this.outside(l);
  }

  /** A line while a report is open; false when the report closed without taking it. */
  private inReport(b: Builder, l: LogLine): boolean {
    if (b.phase === "tail") {
      const k = parseKilled(l.text);
      if (isKillTail(l.text) && !(k?.detailed && b.r.victim)) {
        b.oomLine(l);
        b.take(l.line);
        return true;
      }
      this.close();
      return false;
    }
    if (this.startsNewDump(b, l)) return false;
    if (this.body(b, l)) {
      b.take(l.line);
      return true;
    }
    if (++b.gap > MAX_GAP) this.close();
    return true;
  }

  /** A second Mem-info / SysRq-M header or a repeated complete zone: a new dump starts here. */
  private startsNewDump(b: Builder, l: LogLine): boolean {
    const again = isShowMemStart(l.text) && (b.zones.zones.length > 0 || b.sawMemInfo);
    if (!again && !b.zones.repeats(l.text)) return false;
    this.close();
    return true;
  }

  private body(b: Builder, l: LogLine): boolean {
    if (isShowMemStart(l.text)) {
      b.sawMemInfo ||= MEM_INFO_LINE.test(l.text);
      return true;
    }
    return b.current(l) || b.zones.feed(l) || b.oomLine(l) || isReportBody(l.text);
  }

  /** A line outside any report: bare show_mem dumps and header-less kill lines open one. */
  private outside(l: LogLine): void {
    const t = l.text;
    const last = this.reports[this.reports.length - 1];
    const pid = parseReaped(t);
    if (pid !== null && last?.victim?.pid === pid) {
      last.victim.reaped = true;
      last.lines.push(l.line);
      last.endLine = l.line;
      return;
    }
    if (isShowMemStart(t)) {
      const b = this.open("show-mem", l, null);
      this.body(b, l);
      return;
    }
    if (this.probeZones(l)) return;
    if (parseKilled(t) || parseSelected(t) || parseConstraint(t) || MEMCG_START.test(t)) {
      this.warn({
        line: l.line,
        message: "OOM report lines without an oom-killer header (header ratelimited or not pasted)",
      });
      this.open("oom", l, null).oomLine(l);
    }
  }

  /** Zone or per-order lines with no header before them (a partial paste of show_mem). */
  private probeZones(l: LogLine): boolean {
    const probe = new ShowMemCollector(() => undefined);
    if (!probe.feed(l)) return false;
    this.open("show-mem", l, null).zones.feed(l);
    return true;
  }
}

/** Bounds what the regexes see: real report lines are far shorter than MAX_MATCH_CHARS. */
function bounded(l: LogLine, warn: (w: Warning) => void): LogLine {
  if (l.text.length <= MAX_MATCH_CHARS) return l;
  warn({
    line: l.line,
    message: `line is ${l.text.length} characters long; only the first ${MAX_MATCH_CHARS} were read`,
  });
  return { ...l, text: l.text.slice(0, MAX_MATCH_CHARS) };
}

/** Parses every memory report in a pasted log (string or raw bytes). */
export function parseReports(text: string | Uint8Array): ParseResult {
  const seg = new Segmenter();
  const lines = splitLines(text);
  const warn = (w: Warning): void => {
    seg.warnings.push(w);
  };
  for (const l of lines) seg.line(bounded(l, warn));
  seg.close();
  if (seg.reports.length === 0 && lines.length > 0) {
    seg.warnings.push({ line: 1, message: "no OOM, allocation-failure, memcg or show_mem report found" });
  }
  seg.warnings.sort((a, b) => a.line - b.line);
  return { reports: seg.reports, warnings: seg.warnings };
}
