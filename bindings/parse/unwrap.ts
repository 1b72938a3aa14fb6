// Lines wrapped by mail or forum software joined back. A paste is taken as wrapped only when no line
// is longer than a plausible width (60-132 columns) and several lines come close to it; a line is then
// joined to the one before only when that one was cut at the width (exactly the width: a hard cut; the
// next word would not have fitted: a word wrap), the continuation does not start a known line and the
// joined text is a line the parsers know. Every join is reported: one warning names the first and
// counts the rest.

import { isReportBody } from "./body.js";
import { parseHeader } from "./headers.js";
import { stripPrefixes, type LogLine } from "./lines.js";
import { ShowMemCollector } from "./show_mem.js";
import type { LineWarning } from "./warnings.js";

/** Widths mail and forum software wrap at (RFC 5322's 78 and format=flowed's 72 among them). */
const MIN_WIDTH = 60;
const MAX_WIDTH = 132;

export interface WrapWidth {
  /** The longest physical line (CR left out): the column the text was wrapped at or before. */
  width: number;
  /** "hard" when lines were cut at exactly width (mid-word); "word" when broken at spaces. */
  style: "hard" | "word";
}

/** The width a paste was wrapped at, or null when it does not look wrapped. The width is the longest
 *  line, leaving out lines a word wrap could not break (no space up to the width); the style is "word"
 *  when the breaks before shorter lines outnumber half the lines cut at exactly the width. */
export function wrapWidth(text: string): WrapWidth | null {
  const lines = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  // a line a word wrap at width w leaves long: no space at 1..w (a long word, a path, a list of flags)
  const unbreakable = (l: string, w: number) => {
    const sp = l.indexOf(" ", 1);
    return sp < 0 || sp > w;
  };
  let width = 0;
  for (const l of lines) {
    if (l.length > MAX_WIDTH && !unbreakable(l, MAX_WIDTH)) return null; // longer than any wrap width
    if (l.length <= MAX_WIDTH && l.length > width) width = l.length;
  }
  // the widest width every longer line is unbreakable at, with at least 3 lines reaching near it
  const lengths = lines.map((l) => l.length);
  for (; width >= MIN_WIDTH; width--) {
    const w = width;
    const near = lengths.filter((n) => n <= w && n >= w - 12).length;
    if (near >= 3 && lines.every((l) => l.length <= w || unbreakable(l, w))) break;
  }
  if (width < MIN_WIDTH) return null;
  let atWidth = 0;
  let wordBreaks = 0;
  for (let i = 0; i + 1 < lines.length; i++) {
    const p = lines[i];
    const n = lines[i + 1];
    if (p.length === width) atWidth++;
    else if (p.length < width && p.length + 1 + firstWordLength(n) > width && continuationShape(n)) wordBreaks++;
  }
  if (atWidth + wordBreaks < 3) return null;
  return { width, style: wordBreaks * 2 > atWidth ? "word" : "hard" };
}

/** A line that may continue the one before: not empty, without a log prefix of its own, not a line start. */
function continuationShape(n: string): boolean {
  if (n.length === 0 || n.charCodeAt(0) === 0x20) return false;
  return stripPrefixes(n).text.length === n.length && !LINE_START.test(n) && !parseHeader(n);
}

// Starts of kernel lines that a cut inside a line does not produce: such a line is never a continuation.
const LINE_START = new RegExp(
  String.raw`^\s*(?:Call [Tt]race:|<\/?(?:TASK|IRQ|NMI|EOI|SOFTIRQ)>|\[<[0-9a-fA-F]{8,16}>\]|` +
    String.raw`(?:\? )?[\w.]{1,64}\+0x[0-9a-f]{1,16}\/0x[0-9a-f]{1,16}|Hardware name:|Workqueue:|CPU: \d|Pid: \d|` +
    String.raw`Mem-[Ii]nfo:|Node \d{1,4},? |lowmem_reserve\[\]:|\[\s*pid\s*\]|\[\s*\d{1,10}\]\s+-?\d|oom-kill:|` +
    String.raw`Killed process|Out of memory|Tasks state|Memory cgroup|(?:memory|memory\+swap|swap|kmem): usage|` +
    String.raw`-?\d{1,20} (?:pages|total pagecache|reserved pages)|Free swap|Total swap|Swap cache|active_anon:|` +
    String.raw`Unreclaimable slab|oom_reaper:|\w{1,16} per-cpu:|cpu \d{1,4} (?:hot|cold):|CPU\s{1,4}\d{1,4}: hi:|` +
    String.raw`(?:DMA|DMA32|Normal|HighMem|Movable|Device) free:|(?:DMA|DMA32|Normal|HighMem|Movable): \d{1,20}\*)`,
);

// The start of a per-order line "Node 0 DMA32: 550*4kB (UM) .." (show_free_areas, all eras): it is only
// known whole at its "= %lukB" total, which a wrap may put several lines on.
const PER_ORDER_START = /^(?:Node \d{1,4} )?[A-Za-z0-9]{1,12}: \d{1,20}\*\d{1,9}kB/;

/** True for a line some parser reads (a header, a report body line, a zone or per-order line). */
function knownLine(text: string): boolean {
  if (parseHeader(text) || isReportBody(text) || PER_ORDER_START.test(text)) return true;
  return new ShowMemCollector(() => undefined).feed({ line: 0, raw: text, text });
}

const firstWordLength = (s: string) => {
  const sp = s.indexOf(" ");
  return sp < 0 ? s.length : sp;
};

/** A line whose prefix (timestamp, syslog) was stripped. */
const prefixed = (l: LogLine) => l.raw.length !== l.text.length;

/** Holds one line back and joins the lines that continue it; calls emit with each whole line. */
export class Unwrapper {
  private pending: LogLine | null = null;
  /** Length and physical line of the last piece of the pending line. */
  private pieceLength = 0;
  private pieceLine = 0;
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
        this.pending = { ...p, text: p.text + sep + l.raw };
        this.pieceLength = l.raw.length;
        this.pieceLine = l.line;
        this.joined(p.line, l.line);
        return;
      }
      this.emit(p);
    }
    this.pending = l;
    this.pieceLength = l.raw.length;
    this.pieceLine = l.line;
  }

  flush(): void {
    if (this.pending) this.emit(this.pending);
    this.pending = null;
  }

  /** The separator that joins n to p, or null when n is a line of its own. */
  private continues(p: LogLine, n: LogLine): string | null {
    if (n.line !== this.pieceLine + 1 || prefixed(n) || n.raw.length === 0) return null;
    const w = this.wrap.width;
    let sep: string;
    if (this.wrap.style === "hard") {
      if (this.pieceLength !== w) return null;
      sep = "";
    } else {
      // a word wrap breaks at a space it drops: the next word did not fit
      if (n.raw.charCodeAt(0) === 0x20 || this.pieceLength + 1 + firstWordLength(n.raw) <= w) return null;
      sep = " ";
    }
    // a prefixed line followed by one without its prefix is cut; otherwise the shapes must say so
    if (!prefixed(p) && LINE_START.test(n.raw)) return null;
    if (parseHeader(n.raw)) return null;
    if (!knownLine(p.text + sep + n.raw)) return null;
    return sep;
  }

  /** A report opened: its first join gets a warning of its own. */
  section(): void {
    this.warning = null;
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
