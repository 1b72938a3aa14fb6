// The first line of each kind of kernel memory report, and the "who is current" lines that
// dump_stack prints after it. Each regex names the printk it matches and the kernels that print it
// (mm/oom_kill.c, mm/page_alloc.c, lib/dump_stack.c).

export type ReportKind = "oom" | "alloc-failure" | "memcg-oom" | "show-mem";

/** The header printks by id: a label for people, and the release diagnose judges a report by when
 *  dump_stack printed no version (null: none, the zone fields decide). Ids never change with labels. */
export const HEADER_FORMATS = {
  // "oom-killer: gfp_mask=0x%x" (mm/oom_kill.c out_of_memory, 2.6.11-2.6.12)
  "oom-killer": { label: "oom-killer 2.6.11-2.6.12", assumedRelease: "2.6.11" },
  // "oom-killer: gfp_mask=0x%x, order=%d" (mm/oom_kill.c out_of_memory, 2.6.13-2.6.18)
  "oom-killer-order": { label: "oom-killer 2.6.13-2.6.18", assumedRelease: "2.6.13" },
  // "%s invoked oom-killer: ..., oomkilladj=%d" (2.6.19-2.6.31)
  "invoked-oomkilladj": { label: "invoked oomkilladj 2.6.19-2.6.31", assumedRelease: "2.6.24" },
  // "..., oom_adj=%d" (2.6.32-2.6.35), "..., oom_adj=%d, oom_score_adj=%d" (2.6.36-3.x)
  "invoked-oom-adj": { label: "invoked oom_adj 2.6.32-3.x", assumedRelease: "2.6.32" },
  // "..., order=%d, oom_score_adj=%hd" (3.x-4.7)
  "invoked-oom-score-adj": { label: "invoked oom_score_adj 3.x-4.7", assumedRelease: "3.10" },
  // "gfp_mask=%#x(%pGg), nodemask=%*pbl, order=%d, oom_score_adj=%hd" (4.8+)
  "invoked-pgg": { label: "invoked %pGg 4.8+", assumedRelease: "4.9" },
  // "%s: page allocation failure. order:%d, mode:0x%x" (2.6.x __alloc_pages)
  "alloc-failure-2.6": { label: "page allocation failure. 2.6.x", assumedRelease: "2.6.24" },
  // "%s: page allocation failure: order:%d, mode:0x%x" (mm/page_alloc.c warn_alloc_failed, 3.x-4.9)
  "warn-alloc-failed": { label: "warn_alloc_failed 3.x-4.9", assumedRelease: "3.10" },
  // "%s: %pV, mode:%#x(%pGg), nodemask=%*pbl" (mm/page_alloc.c warn_alloc, 4.10+)
  "warn-alloc": { label: "warn_alloc 4.10+", assumedRelease: "4.10" },
  // a line that only looks like a header: fields salvaged
  unrecognised: { label: "unrecognised", assumedRelease: null },
} as const satisfies Record<string, { label: string; assumedRelease: string | null }>;
export type HeaderFormat = keyof typeof HEADER_FORMATS;

export interface ParsedHeader {
  kind: ReportKind;
  /** Which printk matched (era evidence); its label and assumed release are in HEADER_FORMATS. */
  format: HeaderFormat;
  comm: string | null;
  order: number | null;
  gfpMask: string | null;
  gfpFlagsPrinted: string[] | null;
  nodemask: string | null;
  oomAdj: number | null;
  oomScoreAdj: number | null;
  /** The %pV text of a warn_alloc line ("page allocation failure: order:5", "vmalloc error: ..."). */
  message: string | null;
  /** True when the line only looks like a header and the fields were salvaged. */
  salvaged: boolean;
}

// "oom-killer: gfp_mask=0x%x\n" (2.6.11-2.6.12) and "oom-killer: gfp_mask=0x%x, order=%d\n" (2.6.13-2.6.18).
const OOM_OLD = /^oom-killer: gfp_mask=(0x[0-9a-fA-F]{1,16}|0)(?:, order=(-?\d{1,3}))?\s*$/;
// "%s invoked oom-killer: gfp_mask=0x%x, order=%d, oomkilladj=%d" (2.6.19-2.6.31), "..., oom_adj=%d"
// (2.6.32-2.6.35), "..., oom_adj=%d, oom_score_adj=%d" (2.6.36-3.x), "..., oom_score_adj=%hd" (3.x-4.x),
// "gfp_mask=%#x(%pGg), nodemask=%*pbl, order=%d, oom_score_adj=%hd" (4.8-4.19; 5.0+ drops nodemask).
const OOM_INVOKED = new RegExp(
  String.raw`^(.{0,64}?) invoked oom-killer: gfp_mask=(0x[0-9a-fA-F]{1,16}|0)(?:\(([^)]{0,512})\))?` +
    String.raw`(?:,\s*nodemask=([^,\s]{0,64}))?,\s*order=(-?\d{1,3})(?:,\s*oomkilladj=(-?\d{1,5}))?` +
    String.raw`(?:,\s*oom_adj=(-?\d{1,5}))?(?:,\s*oom_score_adj=(-?\d{1,5}))?`,
);
// "%s: page allocation failure. order:%d, mode:0x%x" (2.6.0-2.6.3x, __alloc_pages / warn_alloc_failed),
// "%s: page allocation failure: order:%d, mode:0x%x" (3.x-4.9 warn_alloc_failed),
// "%s: page allocation failure: order:%u, mode:%#x(%pGg), nodemask=%*pbl" (4.10+ warn_alloc; 4.19+ may
// append ",cpuset=%s,mems_allowed=%*pbl").
const ALLOC_FAIL = new RegExp(
  String.raw`^(.{0,64}?): page allocation failure[.:] order:\s?(\d{1,3}), mode:\s?(0x[0-9a-fA-F]{1,16}|0)` +
    String.raw`(?:\(([^)]{0,512})\))?(?:,\s*nodemask=([^,\s]{0,64}))?`,
);
// Other warn_alloc messages: "%s: %pV, mode:%#x(%pGg), nodemask=%*pbl" (4.10+), e.g. "vmalloc:
// allocation failure: %lu bytes" (4.10-5.x) or "vmalloc error: size %lu, ..." (5.13+).
const WARN_ALLOC = new RegExp(
  String.raw`^(.{0,64}?): ((?:vmalloc|[^,]{0,80}allocation fail)[^\n]{0,200}?), mode:(0x[0-9a-fA-F]{1,16}|0)` +
    String.raw`(?:\(([^)]{0,512})\))?, nodemask=([^,\s]{0,64})`,
);
// Salvage: any line that mentions the two reports but did not match above (corrupt or unknown era;
// "oom-killer:" 2.6.11+, "page allocation failure" 2.6.0+).
const LOOKS_OOM = /oom-killer:/;
const LOOKS_ALLOC = /page allocation failure/;

/** gfp masks as printed; "%#x" prints 0 as "0". */
function mask(s: string | undefined): string | null {
  if (s === undefined) return null;
  const v = s.toLowerCase();
  return v === "0" ? "0x0" : v;
}

/** "(GFP_KERNEL|__GFP_COMP)" -> names; "()" (mask 0) -> []. */
function flags(s: string | undefined): string[] | null {
  if (s === undefined) return null;
  return s.length === 0 ? [] : s.split("|");
}

function int(s: string | undefined): number | null {
  return s === undefined ? null : Number.parseInt(s, 10);
}

function base(kind: ReportKind, format: HeaderFormat): ParsedHeader {
  return {
    kind,
    format,
    comm: null,
    order: null,
    gfpMask: null,
    gfpFlagsPrinted: null,
    nodemask: null,
    oomAdj: null,
    oomScoreAdj: null,
    message: null,
    salvaged: false,
  };
}

function oomOld(m: RegExpExecArray): ParsedHeader {
  const h = base("oom", m[2] === undefined ? "oom-killer" : "oom-killer-order");
  return { ...h, gfpMask: mask(m[1]), order: int(m[2]) };
}

function oomInvoked(m: RegExpExecArray): ParsedHeader {
  const format: HeaderFormat =
    m[3] !== undefined
      ? "invoked-pgg"
      : m[6] !== undefined
        ? "invoked-oomkilladj"
        : m[7] !== undefined
          ? "invoked-oom-adj"
          : "invoked-oom-score-adj";
  return {
    ...base("oom", format),
    comm: m[1],
    gfpMask: mask(m[2]),
    gfpFlagsPrinted: flags(m[3]),
    nodemask: m[4] ?? null,
    order: int(m[5]),
    oomAdj: int(m[6] ?? m[7]),
    oomScoreAdj: int(m[8]),
  };
}

function allocFail(m: RegExpExecArray, line: string): ParsedHeader {
  // "failure." is the 2.6.x wording, "failure:" 3.x+.
  const dot = line.includes("page allocation failure.");
  const format: HeaderFormat = dot ? "alloc-failure-2.6" : m[4] !== undefined ? "warn-alloc" : "warn-alloc-failed";
  return {
    ...base("alloc-failure", format),
    comm: m[1],
    order: int(m[2]),
    gfpMask: mask(m[3]),
    gfpFlagsPrinted: flags(m[4]),
    nodemask: m[5] ?? null,
    message: `page allocation failure: order:${m[2]}`,
  };
}

function warnAlloc(m: RegExpExecArray): ParsedHeader {
  // "order:%u" inside the %pV message (warn_alloc callers, 4.10+); vmalloc messages have none.
  const order = /order:(\d{1,3})/.exec(m[2]);
  return {
    ...base("alloc-failure", "warn-alloc"),
    comm: m[1],
    message: m[2],
    order: int(order?.[1]),
    gfpMask: mask(m[3]),
    gfpFlagsPrinted: flags(m[4]),
    nodemask: m[5],
  };
}

/** Best effort for a corrupt header: whatever fields still read. */
function salvage(kind: ReportKind, line: string): ParsedHeader {
  // The comm before " invoked oom-killer" (2.6.19+) or ": page allocation failure" (2.6.0+), and any
  // "gfp_mask=0x.." / "mode:0x.." and "order=N" / "order:N" left readable (all eras).
  const comm =
    kind === "oom" ? /^(.{1,64}?) invoked oom-killer/.exec(line) : /^(.{1,64}?): page allocation failure/.exec(line);
  const gfp = /(?:gfp_mask=|mode:)(0x[0-9a-fA-F]{1,16})/.exec(line);
  const order = /order[=:](\d{1,3})\b/.exec(line);
  return {
    ...base(kind, "unrecognised"),
    comm: comm?.[1] ?? null,
    gfpMask: mask(gfp?.[1]),
    order: int(order?.[1]),
    salvaged: true,
  };
}

function oomHeader(text: string): ParsedHeader | null {
  let m = OOM_INVOKED.exec(text);
  if (m) return oomInvoked(m);
  m = OOM_OLD.exec(text);
  if (m) return oomOld(m);
  // The same printks with unreadable fields: "oom-killer:" plus "gfp_mask" or "invoked".
  return LOOKS_OOM.test(text) && /gfp_mask|invoked/.test(text) ? salvage("oom", text) : null;
}

function allocHeader(text: string): ParsedHeader | null {
  let m = ALLOC_FAIL.exec(text);
  if (m) return allocFail(m, text);
  if (text.includes(", mode:")) {
    m = WARN_ALLOC.exec(text);
    if (m) return warnAlloc(m);
  }
  return LOOKS_ALLOC.test(text) ? salvage("alloc-failure", text) : null;
}

/** The report header on this line, or null. */
export function parseHeader(text: string): ParsedHeader | null {
  if (text.includes("oom-killer:")) return oomHeader(text);
  if (text.includes("allocation fail") || text.includes("vmalloc")) return allocHeader(text);
  return null;
}

// --- the current task, as dump_stack prints it -------------------------------------------------

export interface CurrentTask {
  pid: number;
  comm: string;
  kernelVersion: string | null;
}

// "CPU: %d PID: %d Comm: %.20s %s %s %.*s" (lib/dump_stack.c dump_stack_print_info, 3.10+; 6.11+
// inserts "UID: %u " before PID), e.g. "CPU: 3 PID: 2733 Comm: python Tainted: G O 4.14.0 #3".
const CPU_LINE = /^CPU: \d{1,5} (?:UID: \d{1,10} )?PID: (\d{1,10}) Comm: (.{0,64}?) (?:Not tainted|Tainted: )/;
// "Pid: %d, comm: %.20s %s %s %.*s" (x86 show_regs/dump_stack 2.6.x-3.9), e.g.
// "Pid: 5151, comm: ifconfig Not tainted 2.6.31+frans2 #2".
const PID_LINE = /^Pid: (\d{1,10}), comm: (.{0,64}?)(?: (?:Not tainted|Tainted: )|\s*$)/;
// The utsname release before " #<build>" in either line (init_utsname()->release, version).
const RELEASE = / (\d{1,2}\.\d{1,3}(?:\.\d{1,4})?[^\s#]{0,100}) #\d{1,6}\b/;

/** The "CPU: ... PID: ... Comm:" / "Pid: ..., comm:" line, or null. */
export function parseCurrentTask(text: string): CurrentTask | null {
  if (!text.startsWith("CPU: ") && !text.startsWith("Pid: ")) return null;
  const m = CPU_LINE.exec(text) ?? PID_LINE.exec(text);
  if (!m) return null;
  const rel = RELEASE.exec(text);
  return { pid: Number.parseInt(m[1], 10), comm: m[2], kernelVersion: rel ? rel[1] : null };
}

// --- lines that start a show_mem report without an OOM/allocation header -------------------------

// "SysRq : Show Memory" (2.6.x drivers/char/sysrq.c) / "sysrq: Show Memory" (3.x+ drivers/tty/sysrq.c).
const SYSRQ_M = /^[Ss]ys[Rr]q ?: (?:HELP : )?Show Memory/;
// "Mem-info:" (2.6.x arch show_mem) / "Mem-Info:" (lib/show_mem.c 2.6.3x+, mm/show_mem.c 6.6+).
export const MEM_INFO = /^Mem-[Ii]nfo:\s*$/;

export function isShowMemStart(text: string): boolean {
  const c = text.charCodeAt(0); // "S", "s" or "M"
  if (c !== 0x53 && c !== 0x73 && c !== 0x4d) return false;
  return SYSRQ_M.test(text) || MEM_INFO.test(text);
}
