// Lines wrapped by mail or forum software joined back. A paste is taken as wrapped only when no line
// holding a space is longer than a plausible width (60-132 columns) and lines look cut there; a line is
// then joined to the one before only when that one was cut at the width (exactly the width: a hard cut;
// the next word would not have fitted: a word wrap), the continuation carries no log prefix and starts
// no known line, and the joined text is a line the parsers know. Every join is reported: one warning
// per report names the first and counts the rest.

import { isReportBody } from "./body.js";
import { parseHeader } from "./headers.js";
import { stripPrefixes, unescapeHtml, type LogLine } from "./lines.js";
import { ShowMemCollector } from "./show_mem.js";
import type { LineWarning } from "./warnings.js";

/** Widths mail and forum software wrap at (RFC 5322's 78 and format=flowed's 72 among them). */
const MIN_WIDTH = 60;
const MAX_WIDTH = 132;

export interface WrapWidth {
  /** The longest physical line holding a space (CR left out): the column the text was wrapped at. */
  width: number;
  /** How a line of exactly width continues: "hard" (cut mid-word, joined as is) or "word" (a space dropped). */
  style: "hard" | "word";
}

// Starts of kernel lines that a cut inside a line does not produce: such a line is never a continuation.
const LINE_START = new RegExp(
  String.raw`^\s*(?:Call [Tt]race:|Hardware name:|Workqueue:|CPU: \d|Pid: \d|` +
    String.raw`Mem-[Ii]nfo:|Node \d{1,4},? |lowmem_reserve\[\]:|\[\s*pid\s*\]|\[\s*\d{1,10}\]\s+-?\d|oom-kill:|` +
    String.raw`Killed process|Out of memory|Tasks state|Memory cgroup|(?:memory|memory\+swap|swap|kmem): usage|` +
    String.raw`-?\d{1,20} (?:pages|total pagecache|reserved pages)|Free swap|Total swap|Swap cache|active_anon:\d+ |` +
    String.raw`Unreclaimable slab|oom_reaper:|\w{1,16} per-cpu:|cpu \d{1,4} (?:hot|cold):|CPU\s{1,4}\d{1,4}: hi:|` +
    String.raw`(?:DMA|DMA32|Normal|HighMem|Movable|Device) free:|(?:DMA|DMA32|Normal|HighMem|Movable): \d{1,20}\*)` +
    // Mem-Info's continuation lines " active_file:%lu inactive_file:%lu .." (page counts, no kB; 2.6.28+)
    String.raw`|^ [a-z_]{3,30}:\d{1,20}(?: |$)`,
);
// Stack frames. ARM's "[<pc>] (func) from [<lr>] (func)" wraps at " from [<", so in a paste whose lines
// carry a log prefix only the missing prefix tells a frame's continuation from the next frame.
const FRAME_START = new RegExp(
  String.raw`^\s*(?:<\/?(?:TASK|IRQ|NMI|EOI|SOFTIRQ)>|\[<[0-9a-fA-F]{8,16}>\]|` +
    String.raw`(?:\? )?[\w.]{1,64}\+0x[0-9a-f]{1,16}\/0x[0-9a-f]{1,16})`,
);

/** A line that starts a kernel line of its own (afterPrefixed: the line before carried a log prefix). */
const startsLine = (s: string, afterPrefixed: boolean): boolean =>
  LINE_START.test(s) || (!afterPrefixed && FRAME_START.test(s)) || parseHeader(s) !== null;

// The start of a per-order line "Node 0 DMA32: 550*4kB (UM) .." (show_free_areas, all eras): it is only
// known whole at its "= %lukB" total, which a wrap may put several lines on.
const PER_ORDER_START = /^(?:Node \d{1,4} )?[A-Za-z0-9]{1,12}: \d{1,20}\*\d{1,9}kB/;

/** True for a line some parser reads (a header, a report body line, a zone or per-order line). */
function knownLine(text: string): boolean {
  if (parseHeader(text) || isReportBody(text) || PER_ORDER_START.test(text)) return true;
  return new ShowMemCollector(() => undefined).feed({ line: 0, raw: text, text });
}

/** Where the first word ends, after any leading spaces. */
function firstWordEnd(s: string): number {
  const start = s.length - s.trimStart().length;
  const sp = s.indexOf(" ", start);
  return sp < 0 ? s.length : sp;
}

/** A physical line that carries a log prefix (timestamp, syslog). */
const hasPrefix = (raw: string) => stripPrefixes(raw).text.length !== raw.length;

/** A line that may continue the one before: not blank, without a log prefix, not a line start. */
function continuationShape(n: string, afterPrefixed: boolean): boolean {
  return n.trim().length > 0 && !hasPrefix(n) && !startsLine(n, afterPrefixed);
}

/** The width a paste was wrapped at, or null when it does not look wrapped. The width is the longest
 *  line that holds a space (a word longer than the width keeps a line of its own); the paste counts as
 *  wrapped when at least two lines look cut there (one, when it lost its log prefix to the cut). The
 *  style decides only lines of exactly the width: "hard" (joined without a space) when at least 90% of
 *  the breaks are at the width. */
export function wrapWidth(text: string): WrapWidth | null {
  let width = 0;
  let wrapped = true;
  physicalLines(text, (l) => {
    if (!l.trimStart().includes(" ")) return true; // one word: a wrap leaves it as long as it is
    if (l.length > MAX_WIDTH) return (wrapped = false); // longer than any wrap width: a clean paste
    if (l.length > width) width = l.length;
    return true;
  });
  if (!wrapped || width < MIN_WIDTH) return null;
  let atWidth = 0;
  let wordBreaks = 0;
  let prefixBreaks = 0;
  let p: string | null = null;
  physicalLines(text, (n) => {
    const prev = p;
    p = n;
    if (prev === null || prev.length > width) return true;
    const pPrefixed = hasPrefix(prev);
    if (!continuationShape(n, pPrefixed)) return true;
    if (prev.length === width) atWidth++;
    // (a line that starts with spaces counts only when cut at the width: spaces start many kernel lines)
    else if (n.charCodeAt(0) !== 0x20 && prev.length + 1 + firstWordEnd(n) > width) wordBreaks++;
    else return true;
    if (pPrefixed) prefixBreaks++;
    return true;
  });
  if (atWidth + wordBreaks < 2 && prefixBreaks === 0) return null;
  // a hard cut leaves (nearly) every cut line at the width; word wraps leave many shorter: on the
  // corpus, hard cuts have at least 92% of their breaks at the width, word wraps at most 87%
  return { width, style: atWidth >= 9 * wordBreaks ? "hard" : "word" };
}

/** Calls visit with each physical line as its reader saw it (CR left out, HTML entities as their
 *  characters), one at a time, until visit returns false. */
function physicalLines(text: string, visit: (line: string) => boolean): void {
  for (let start = 0; start < text.length; ) {
    const nl = text.indexOf("\n", start);
    const end = nl < 0 ? text.length : nl;
    let l = text.slice(start, end);
    if (l.endsWith("\r")) l = l.slice(0, -1);
    if (!visit(unescapeHtml(l) ?? l)) return;
    start = end + 1;
  }
}

/** The columns a physical line takes as its reader saw it: an HTML entity counts as its character. */
const columns = (l: LogLine) => (l.htmlUnescaped ? (unescapeHtml(l.raw) ?? l.raw).length : l.raw.length);

/** Holds one line back and joins the lines that continue it; calls emit with each whole line. */
export class Unwrapper {
  private pending: LogLine | null = null;
  /** Length and physical line of the last piece of the pending line. */
  private pieceLength = 0;
  private pieceLine = 0;
  /** The pending line's first piece carried a log prefix (its continuations carry none). */
  private pendingPrefixed = false;
  private joins = 0;
  private warning: LineWarning | null = null;
  private first = "";

  constructor(
    private readonly wrap: WrapWidth,
    private readonly emit: (l: LogLine) => void,
    private readonly warn: (w: LineWarning) => void,
  ) {}

  push(l: LogLine): void {
    const p = this.pending;
    if (p) {
      const sep = this.continues(p, l);
      if (sep !== null) {
        this.pending = { ...p, text: p.text + sep + l.text };
        this.pieceLength = columns(l);
        this.pieceLine = l.line;
        this.joined(p.line, l.line);
        return;
      }
      this.emit(p);
    }
    this.pending = l;
    this.pieceLength = columns(l);
    this.pieceLine = l.line;
    this.pendingPrefixed = l.prefixed === true;
  }

  flush(): void {
    if (this.pending) this.emit(this.pending);
    this.pending = null;
  }

  /** A report opened at line: its joins after that line get a warning of their own (the joins that
   *  made its first line stay in the warning that holds them). */
  section(line: number): void {
    if (this.warning && this.warning.line < line) this.warning = null;
  }

  /** The separator that joins n to p, or null when n is a line of its own. */
  private continues(p: LogLine, n: LogLine): string | null {
    // a continuation is the next physical line, without a log prefix, not blank
    if (n.line !== this.pieceLine + 1 || n.prefixed || n.raw.trim().length === 0) return null;
    const w = this.wrap.width;
    let sep: string;
    if (this.pieceLength === w) sep = this.wrap.style === "hard" ? "" : " ";
    // a word wrap breaks at a space it drops: the next word (after any spaces of a run) did not fit
    else if (this.pieceLength + 1 + firstWordEnd(n.text) > w) sep = " ";
    else return null;
    // a word longer than the rest of the line went to the next line, leaving the log prefix alone
    if (this.pendingPrefixed && p.text.length === 0) return "";
    const joined = p.text + sep + n.text;
    if (LINE_START.test(n.text) || (!this.pendingPrefixed && FRAME_START.test(n.text))) return null;
    // "oom-killer: gfp_mask=.." starts a 2.6.1x header, and the rest of "%s invoked oom-killer: .." cut
    // after "invoked": the line before decides (alone it is no line the parsers know)
    if (parseHeader(n.text) && (knownLine(p.text) || parseHeader(joined)?.salvaged !== false)) return null;
    if (!knownLine(joined)) return null;
    return sep;
  }

  private joined(line: number, next: number): void {
    if (!this.warning) {
      this.joins = 0;
      this.first = `line ${next} continues line ${line}`;
      this.warning = { line, message: "" };
      this.warn(this.warning);
    }
    this.joins++;
    const more = this.joins > 1 ? `, and ${this.joins - 1} more joins` : "";
    this.warning.message = `lines wrapped at ${this.wrap.width} columns joined: ${this.first}${more}`;
  }
}
