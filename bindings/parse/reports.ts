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
  mayBeMemcgLine,
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
import { forEachLine, type LogLine } from "./lines.js";
import { MemInfoCollector, type ParsedMemInfo } from "./meminfo.js";
import { ShowMemCollector, type ParsedZone, type Warning } from "./show_mem.js";
import { TaskTableCollector, type ParsedTaskTable } from "./tasks.js";
import { Unwrapper, wrapWidth } from "./unwrap.js";
import { MAX_WARNINGS, echoed } from "./warnings.js";

export { HEADER_FORMATS, type HeaderFormat, type ReportKind } from "./headers.js";
export type { ParsedConstraint, ParsedMemcg, ParsedVictim } from "./kills.js";
export type { ParsedPcp, ParsedZone, Warning } from "./show_mem.js";
export type { ParsedHugepages, ParsedMemInfo } from "./meminfo.js";
export type { ParsedTask, ParsedTaskTable } from "./tasks.js";

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
  /** The task dump (dump_tasks), or null when none was printed or pasted. */
  taskTable: ParsedTaskTable | null;
  /** Mem-Info's counters outside the zones, or null when the report prints none. */
  memInfo: ParsedMemInfo | null;
  /** Page size from the smallest block of the per-order lines; null when none was printed. */
  pageSizeKb: number | null;
  /** Physical lines attributed to the report, ascending. */
  lines: number[];
}

/** Warnings a report keeps, counting those before the first report with the first: the rest are
 *  only counted (a damaged or hostile paste can hold a warning per line). */
export const MAX_WARNINGS_PER_REPORT = MAX_WARNINGS;

/** Warnings left out of one report's share (see MAX_WARNINGS_PER_REPORT). */
export interface OmittedWarnings {
  /** Physical line of the first warning left out: it falls in the report's lines like the kept ones. */
  line: number;
  count: number;
}

export interface ParseResult {
  reports: ParsedReport[];
  /** At most MAX_WARNINGS_PER_REPORT per report, sorted by line. */
  warnings: Warning[];
  /** One entry per report that had more warnings than it keeps. */
  omittedWarnings: OmittedWarnings[];
}

// A memcg OOM pasted without its header: "Task in %s killed as a result of limit of %s" (2.6.29-4.18)
// or "memory: usage %llukB, limit %llukB, failcnt %lu" (2.6.29+, cgroup v1 and v2).
const MEMCG_START = /^(?:Task in \S{1,4096} killed as a result of limit of |memory: usage \d{1,20}kB, limit )/;
// "Mem-info:" / "Mem-Info:" (the show_mem header line; see headers.ts MEM_INFO).
const MEM_INFO_LINE = /^Mem-/;

// Another CPU's stack printed inside a report: "NMI backtrace for cpu %d" (lib/nmi_backtrace.c, 3.19+),
// "Sending NMI from CPU %d to CPUs %*pbl:" (same file), soft lockups ("BUG: soft lockup - CPU#%d stuck",
// kernel/watchdog.c, 2.6.3x+) and RCU stall reports ("INFO: rcu_sched self-detected stall", 3.x+).
const OTHER_CPU = new RegExp(
  String.raw`^(?:NMI backtrace for cpu \d|Sending NMI from CPU \d|(?:watchdog: )?BUG: soft lockup` +
    String.raw`|INFO: rcu_\w{1,12} (?:self-)?detected stall)`,
);

/** Unattributed lines tolerated inside a report (interleaved messages of other subsystems). */
const MAX_GAP = 12;

type Phase = "body" | "tail";

class Builder {
  readonly r: ParsedReport;
  readonly zones: ShowMemCollector;
  readonly tasks: TaskTableCollector;
  readonly mem: MemInfoCollector;
  phase: Phase = "body";
  gap = 0;
  sawMemInfo = false;
  memcgSeen = false;
  /** Inside another CPU's stack (OTHER_CPU): its "CPU: .. Comm:" line names neither trigger nor release. */
  otherCpu = false;
  selection: ParsedSelection | null = null;
  private readonly warn: (w: Warning) => void;

  constructor(kind: ReportKind, first: LogLine, h: ParsedHeader | null, warn: (w: Warning) => void) {
    this.warn = warn;
    this.zones = new ShowMemCollector(warn);
    this.tasks = new TaskTableCollector(warn);
    this.mem = new MemInfoCollector(warn);
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
      taskTable: null,
      memInfo: null,
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
    if (this.otherCpu) return true;
    this.r.kernelVersion ??= c.kernelVersion;
    const t = this.r.trigger;
    if (!t) this.r.trigger = { comm: c.comm, pid: c.pid };
    else if (t.pid === null && !this.sawMemInfo) {
      if (t.comm !== c.comm)
        this.warn({ line: l.line, message: `header names ${echoed(t.comm)} but dump_stack names ${echoed(c.comm)}` });
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
    if (!mayBeMemcgLine(t)) return false;
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
    r.taskTable = this.tasks.table;
    r.memInfo = this.mem.info.lines > 0 ? this.mem.info : null;
    if (r.kind === "oom" && this.memcgSeen) r.kind = "memcg-oom";
    if (!r.victim && this.selection)
      r.victim = victimFromName(this.selection.pid, this.selection.comm, this.selection.score, r.endLine);
    const c = r.constraint;
    if (!r.victim && c && c.pid !== null) r.victim = victimFromName(c.pid, c.task ?? "", null, r.endLine);
    return r;
  }
}

/** The warnings of a parse, kept up to MAX_WARNINGS_PER_REPORT per report. A warning belongs to the
 *  last report that opened at or before its line (the first report also takes those before it), so
 *  the warnings of a physical line are held until the line is done: a header on it may open a report. */
class WarningLog {
  readonly kept: Warning[] = [];
  readonly omitted: OmittedWarnings[] = [];
  private held: Warning[] = [];
  private keptHere = 0;
  private omittedHere: OmittedWarnings | null = null;
  private reportsOpened = 0;

  hold(w: Warning): void {
    this.held.push(w);
  }

  /** A report opens: warnings from here on count against its share. */
  reportOpened(): void {
    if (this.reportsOpened++ === 0) return; // the first report's share includes the lines before it
    this.keptHere = 0;
    this.omittedHere = null;
  }

  /** Files the warnings held for the lines done so far. */
  commit(): void {
    for (const w of this.held) {
      if (this.keptHere < MAX_WARNINGS_PER_REPORT) {
        this.kept.push(w);
        this.keptHere++;
      } else if (this.omittedHere) this.omittedHere.count++;
      else {
        this.omittedHere = { line: w.line, count: 1 };
        this.omitted.push(this.omittedHere);
      }
    }
    this.held = [];
  }

  /** A warning that must be kept, put first (it is about line 1); the last one kept may make room. */
  keepFirst(w: Warning): void {
    this.commit();
    this.kept.unshift(w);
    if (this.keptHere++ < MAX_WARNINGS_PER_REPORT) return;
    const out = this.kept.pop() as Warning;
    this.keptHere--;
    if (this.omittedHere) {
      this.omittedHere.line = Math.min(this.omittedHere.line, out.line);
      this.omittedHere.count++;
    } else this.omitted.push({ line: out.line, count: 1 });
  }
}

class Segmenter {
  readonly reports: ParsedReport[] = [];
  readonly log = new WarningLog();
  private cur: Builder | null = null;
  private readonly warn = (w: Warning): void => {
    this.log.hold(w);
  };

  close(): void {
    if (this.cur) this.reports.push(this.cur.finish());
    this.cur = null;
  }

  /** Reports opened so far. */
  opened = 0;

  open(kind: ReportKind, l: LogLine, h: ParsedHeader | null): Builder {
    this.opened++;
    this.close();
    this.log.reportOpened();
    this.cur = new Builder(kind, l, h, this.warn);
    return this.cur;
  }

  line(l: LogLine): void {
    if (isBlank(l.text)) return;
    const h = parseHeader(l.text);
    if (h) {
      if (h.salvaged)
        this.warn({ line: l.line, message: `unrecognised ${h.kind} header: ${echoed(l.text.slice(0, 100))}` });
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
      b.otherCpu = false;
      return true;
    }
    if (OTHER_CPU.test(l.text)) {
      b.otherCpu = true;
      return true;
    }
    if (b.current(l)) return true;
    const own = b.zones.feed(l) || b.oomLine(l) || b.tasks.feed(l.text, l.line) || b.mem.feed(l.text, l.line);
    if (own) b.otherCpu = false; // the report's own lines again: the other CPU's stack ended
    return own || isReportBody(l.text);
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

  /** A collector that only answers whether a line belongs to a zone dump: a line it refuses leaves
   *  it as it was, so it serves until it accepts one. */
  private probe = new ShowMemCollector(() => undefined);

  /** Zone or per-order lines with no header before them (a partial paste of show_mem). */
  private probeZones(l: LogLine): boolean {
    if (!this.probe.feed(l)) return false;
    this.probe = new ShowMemCollector(() => undefined);
    this.open("show-mem", l, null).zones.feed(l);
    return true;
  }
}

/** True for an empty or all-whitespace line (String.prototype.trim's whitespace); most lines are
 *  decided by their first character, without trim's copy. */
function isBlank(s: string): boolean {
  const SPACE = 0x20;
  if (s.length === 0) return true;
  const c = s.charCodeAt(0);
  if (c > SPACE && c < 0x7f) return false;
  return s.trim().length === 0;
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

/** Parses every memory report in a pasted log (string or raw bytes), one line at a time: the lines
 *  are not kept, and each report keeps at most MAX_WARNINGS_PER_REPORT warnings. */
export function parseReports(input: string | Uint8Array): ParseResult {
  const text = typeof input === "string" ? input : new TextDecoder("utf-8", { fatal: false }).decode(input);
  const seg = new Segmenter();
  const warn = (w: Warning): void => seg.log.hold(w);
  let physical = 0;
  let html = false;
  let opened = 0;
  const visit = (l: LogLine): void => {
    if (l.line !== physical) seg.log.commit();
    physical = l.line;
    if (l.htmlUnescaped && !html) {
      html = true;
      warn({ line: l.line, message: "HTML entities unescaped (&gt;, &lt;, &amp;): text copied from a page's source" });
    }
    seg.line(bounded(l, warn));
    if (seg.opened !== opened) {
      opened = seg.opened;
      unwrap?.section(l.line);
    }
  };
  // a paste wrapped by mail or forum software: its lines joined back (unwrap.ts), each join warned about
  const wrap = wrapWidth(text);
  const unwrap = wrap ? new Unwrapper(wrap, visit, warn) : null;
  forEachLine(text, unwrap ? (l) => unwrap.push(l) : visit);
  unwrap?.flush();
  seg.close();
  seg.log.commit();
  if (seg.reports.length === 0 && physical > 0)
    seg.log.keepFirst({ line: 1, message: "no OOM, allocation-failure, memcg or show_mem report found" });
  const warnings = seg.log.kept.sort((a, b) => a.line - b.line);
  return { reports: seg.reports, warnings, omittedWarnings: seg.log.omitted };
}
