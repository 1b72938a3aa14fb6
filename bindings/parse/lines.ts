// Physical lines of a pasted kernel log -> kernel message lines. Strips the prefixes that dmesg,
// dmesg -T/-x, /dev/kmsg, syslog/rsyslog and journalctl put in front of printk text, expands rsyslog's
// "#012" escapes (one physical line may hold several kernel lines) and never throws: invalid UTF-8,
// lone surrogates and control characters become U+FFFD.

export interface LogLine {
  /** 1-based physical line number in the pasted text (shared by the parts of a "#012" line). */
  line: number;
  /** The physical line as pasted (CR removed, invalid characters replaced). */
  raw: string;
  /** The kernel message without prefixes; tabs become spaces. */
  text: string;
  /** Seconds since boot from a "[ s.us]" (or /dev/kmsg) stamp, when the line carries one. */
  time?: number;
  /** True when a log prefix (timestamp, syslog, container) was stripped from the line. */
  prefixed?: boolean;
  /** True when HTML entities ("&gt;", "&amp;") were unescaped in the line (text copied from a page's source). */
  htmlUnescaped?: boolean;
}

const REPLACEMENT = "\uFFFD";

// Control characters other than TAB/LF/CR, and UTF-16 surrogates that are not part of a pair.
const BAD_CHARS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is its purpose
  /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// --- prefixes, tried repeatedly until none applies ------------------------------------------------

// printk log-level prefix "<N>" as read from /proc/kmsg or klogd -c (all eras; N = facility*8+level).
const PRIO = /^<\d{1,3}>/;
// dmesg -x "kern  :warn  : " facility/level decoration (util-linux 2.20+).
const DMESG_X = new RegExp(
  "^(?:kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|local[0-7]) *" +
    ":(?:emerg|alert|crit|err|warn|notice|info|debug) *: ",
);
// /dev/kmsg record header "level,seq,usec,flags;" (3.5+), usec since boot.
const KMSG = /^\d{1,3},\d+,(\d+),[^;]{0,8};/;
// printk timestamp "[%5lu.%06lu] " (CONFIG_PRINTK_TIME, 2.6.11+; older kernels print fewer digits).
const DMESG_TIME = /^\[\s*(\d{1,10})\.(\d{1,9})\] ?/;
// CONFIG_PRINTK_CALLER "[    T123] " / "[    C1] " after the timestamp (5.1+).
const CALLER = /^\[\s*[TC]\d{1,10}\] ?/;
// dmesg -T "[Mon Jan  1 00:00:00 2024] "; the day and month names follow the locale ("Di Aug", "mar. août",
// "火  8月": util-linux's strftime "%a %b %e %H:%M:%S %Y").
const DMESG_WALL = /^\[(?:[^\s\]]{1,12} +)?[^\s\]]{1,12} +\d{1,2} +\d{1,2}:\d\d:\d\d(?:[.,]\d{1,9})? +\d{4}\] ?/;
// syslog / journalctl -o short[-precise] "Jan  1 00:00:00[.us] [host ]kernel[: ]" (host may be absent).
const SYSLOG = /^[A-Za-z]{3} +\d{1,2} +\d{1,2}:\d\d:\d\d(?:\.\d{1,9})? +(?:\S{1,255} +)?kernel(?:\[\d{1,10}\])?: ?/;
// ISO 8601 stamps: journalctl -o short-iso, rsyslog RFC 3339, dmesg --time-format=iso.
const ISO = new RegExp(
  String.raw`^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?` +
    String.raw` +(?:(?:\S{1,255} +)?kernel(?:\[\d{1,10}\])?: ?)?`,
);
// Kubernetes CRI log files "<RFC 3339 nano> stdout|stderr P|F " (kubelet's CRI logging format; P marks a
// line the runtime split at 16 KiB, far beyond any kernel line).
const CRI = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:?\d\d) (?:stdout|stderr) [PF] /;
// "host kernel: " left after a journalctl -o short-monotonic "[  123.456789] " stamp.
const HOST_KERNEL = /^(?:\S{1,255} +)?kernel(?:\[\d{1,10}\])?: ?/;

// rsyslog control-character escape "#ooo" (octal); #012 is LF, #011 is TAB.
const RSYSLOG_ESCAPE = /#0([0-3][0-7])/g;

// docker's json-file log driver: one object per line, {"log":"<text>\n","stream":"stdout","time":"..."}.
const DOCKER_JSON = /^\{"log":"((?:[^"\\]|\\.){0,8192})"/;

/** The text of a docker json-file line, or null when the line is not one. */
function dockerLog(raw: string): string | null {
  if (!raw.startsWith('{"log":"')) return null;
  const m = DOCKER_JSON.exec(raw);
  if (!m) return null;
  try {
    const s = JSON.parse(`"${m[1]}"`) as string;
    return sanitize(s.endsWith("\n") ? s.slice(0, -1) : s).replace(/\r/g, "");
  } catch {
    return null;
  }
}

// The entities a page's source shows for the characters of kernel text ("->", "<TASK>", "&", quotes).
const HTML_ENTITY = /&(?:gt|lt|amp|quot|apos|nbsp|#\d{1,7}|#x[0-9a-fA-F]{1,6});/g;
const NAMED_ENTITIES: Record<string, string> = { gt: ">", lt: "<", amp: "&", quot: '"', apos: "'", nbsp: " " };

/** Replaces HTML entities once (a kernel line never holds "&gt;" itself); null when there are none. */
export function unescapeHtml(s: string): string | null {
  if (!s.includes("&")) return null;
  let found = false;
  const out = s.replace(HTML_ENTITY, (e: string) => {
    found = true;
    const name = e.slice(1, -1);
    if (name[0] !== "#") return NAMED_ENTITIES[name];
    const code = name[1] === "x" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
    return code > 0 && code <= 0x10ffff ? sanitize(String.fromCodePoint(code)) : REPLACEMENT;
  });
  return found ? out : null;
}

/** Decodes bytes as UTF-8 (invalid sequences become U+FFFD); strings pass through. */
function toText(input: string | Uint8Array): string {
  if (typeof input === "string") return input;
  return new TextDecoder("utf-8", { fatal: false }).decode(input);
}

// Any character that may need BAD_CHARS' replacement (a surrogate may be half of a valid pair): a
// quick scan of the whole text that lets clean input skip the replacement.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is its purpose
const MAYBE_BAD = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\uD800-\uDFFF]/;

/** Replaces characters no kernel line contains (see BAD_CHARS). */
export function sanitize(s: string): string {
  return MAYBE_BAD.test(s) ? s.replace(BAD_CHARS, REPLACEMENT) : s;
}

interface Stripped {
  text: string;
  time?: number;
  /** The step that stripped a "[ s.us]" stamp first (journalctl -o short-monotonic may follow). */
  monotonic?: boolean;
}

const OPEN_BRACKET = 0x5b; // "["
const LESS_THAN = 0x3c; // "<"
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isLetter = (c: number) => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
/** The prefixes without a stamp, by the character they start with, in the order they are tried. */
const BRACKET_PREFIXES = [CALLER, DMESG_WALL];
const DIGIT_PREFIXES = [CRI, ISO];
const LETTER_PREFIXES = [DMESG_X, SYSLOG];

/** One prefix step: returns null when no prefix applies. Every prefix regex is anchored at a
 *  character class of its own ("[", "<", a digit, a letter), so only those of s's first character
 *  are tried, in the same order as ever. */
function stripOnce(s: string, afterMonotonic: boolean): Stripped | null {
  const c = s.charCodeAt(0);
  let m: RegExpExecArray | null;
  let others: RegExp[] = [];
  if (c === OPEN_BRACKET) {
    m = DMESG_TIME.exec(s);
    if (m) return { text: s.slice(m[0].length), time: Number(`${m[1]}.${m[2]}`), monotonic: true };
    others = BRACKET_PREFIXES;
  } else if (isDigit(c)) {
    m = KMSG.exec(s);
    if (m) return { text: s.slice(m[0].length), time: Number(m[1]) / 1e6 };
    others = DIGIT_PREFIXES;
  } else if (c === LESS_THAN) others = [PRIO];
  else if (isLetter(c)) others = LETTER_PREFIXES;
  for (const re of others) {
    m = re.exec(s);
    if (m && m[0].length > 0) return { text: s.slice(m[0].length) };
  }
  if (afterMonotonic && s.includes("kernel")) {
    m = HOST_KERNEL.exec(s);
    if (m) return { text: s.slice(m[0].length) };
  }
  return null;
}

/** Strips every leading prefix (at most 8 rounds: prefixes nest, e.g. syslog + dmesg stamp). */
export function stripPrefixes(s: string): Stripped {
  let cur: Stripped = { text: s };
  for (let i = 0; i < 8; i++) {
    const next = stripOnce(cur.text, i === 1 && cur.monotonic === true);
    if (!next) break;
    cur = { text: next.text, time: next.time ?? cur.time, monotonic: i === 0 && next.monotonic === true };
  }
  return { text: cur.text, time: cur.time };
}

/** Splits one physical line at rsyslog "#012" escapes; "#011" becomes a TAB, other escapes stay. */
function expandEscapes(s: string): string[] {
  const out = s.replace(RSYSLOG_ESCAPE, (all: string, oct: string) => {
    if (oct === "12") return "\n";
    if (oct === "11") return "\t";
    return all;
  });
  return out.split("\n");
}

/** Passes the kernel lines held by one physical line to visit. */
function kernelLines(raw: string, line: number, visit: (l: LogLine) => void): void {
  let text = raw;
  const docker = dockerLog(raw);
  if (docker !== null) text = docker;
  const html = unescapeHtml(text);
  if (html !== null) text = html;
  const emit = (l: LogLine) => {
    if (html !== null) l.htmlUnescaped = true;
    visit(l);
  };
  const first = stripPrefixes(text);
  if (!first.text.includes("#0") && !(docker !== null && first.text.includes("\n"))) {
    const l = logLine(line, raw, first.text, first.time);
    if (first.text.length !== text.length) l.prefixed = true;
    emit(l);
    return;
  }
  const parts = expandEscapes(first.text);
  for (let i = 0; i < parts.length; i++) {
    const s: Stripped = i === 0 ? { text: parts[0] } : stripPrefixes(parts[i]);
    emit(logLine(line, raw, s.text, s.time ?? first.time));
  }
}

function logLine(line: number, raw: string, text: string, time: number | undefined): LogLine {
  const rec: LogLine = { line, raw, text: text.includes("\t") ? text.replace(/\t/g, " ") : text }; // TAB -> a space
  if (time !== undefined && Number.isFinite(time)) rec.time = time;
  return rec;
}

/** Calls visit with every kernel line of pasted text, in order, keeping none of them: a pass over
 *  a large log holds one line at a time besides the text. A final newline adds no empty line. */
export function forEachLine(input: string | Uint8Array, visit: (l: LogLine) => void): void {
  const text = toText(input);
  // BAD_CHARS never pairs a character with one across a newline, so lines are sanitized alone, and
  // only those holding a character MAYBE_BAD finds (one scan of the text finds them in order)
  const scan = new RegExp(MAYBE_BAD.source, "g");
  let nextBad = -1;
  for (let start = 0, line = 1; start < text.length; line++) {
    const nl = text.indexOf("\n", start);
    const end = nl < 0 ? text.length : nl;
    if (nextBad < start && nextBad !== Infinity) {
      scan.lastIndex = start;
      nextBad = scan.exec(text)?.index ?? Infinity;
    }
    let raw = text.slice(start, end);
    if (nextBad < end) raw = sanitize(raw);
    if (raw.includes("\r")) raw = raw.replace(/\r/g, ""); // CRLF line ends and stray CRs
    kernelLines(raw, line, visit);
    start = end + 1;
  }
}

/** Splits pasted text into kernel lines; a final newline does not add an empty line. */
export function splitLines(input: string | Uint8Array): LogLine[] {
  const out: LogLine[] = [];
  forEachLine(input, (l) => out.push(l));
  return out;
}

/** Number of physical lines splitLines counts (for checking line numbers). */
export function countPhysicalLines(input: string): number {
  if (input.length === 0) return 0;
  let n = 1;
  for (let i = 0; i < input.length; i++) if (input.charCodeAt(i) === 10) n++;
  return input.charCodeAt(input.length - 1) === 10 ? n - 1 : n;
}
