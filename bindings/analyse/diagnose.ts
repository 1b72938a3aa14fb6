// diagnose: why a kernel memory report failed, with the kernel's arithmetic. Parses a pasted log
// (bindings/parse/) or a /proc file, rebuilds every zone it must judge in the WASM engine and runs
// the watermark check of the report's era at the mark the failing path used: the OOM path's last
// attempt is at the high mark (pages_high in mm/page_alloc.c __alloc_pages, 2.6.11; ALLOC_WMARK_HIGH in
// __alloc_pages_may_oom, 6.18), an allocation failure's last attempt the min mark with the mask's
// reductions (gfp_to_alloc_flags). Pure: no Node APIs.

import { gfpMeaning } from "./gfp.js";
import { inferredOrder, judgeOrder, judgePerOrder, judgeRequest, marksInWords } from "./verdict.js";
import { procReports } from "./proc.js";
import {
  SCALE_FACTOR_SINCE,
  readsScaleFactor,
  recomputeMarks,
  reportEra,
  zoneContexts,
  type ReportEra,
} from "./zones.js";
import {
  zoneOut,
  type RecomputedMarks,
  type Verdict,
  type DiagnosedReport,
  type DiagnosedTask,
  type DiagnosedVictim,
  type DiagnoseOptions,
  REPLAY618_AUTO_LIMIT,
  type DiagnoseResult,
  type WhatIf,
  type WhatIfRequest,
  type WhatIfResult,
} from "./report.js";
import { parseReports, type ParsedReport, type Warning } from "../parse/reports.js";
import { validateWhatIf } from "./what_if.js";
import { MAX_WARNINGS } from "../parse/warnings.js";
import { printable } from "../include/printable.js";
import { memcgSentence, memoryBreakdown, memoryCounters } from "./memory.js";
import { victimRanking } from "./victim.js";
import { replay618, replayApplies, type Replay618Settings } from "./replay618.js";
import { advise, type Advice } from "./advice.js";

export type { Action, Advice } from "./advice.js";
export type { Consumer, MemoryBreakdown, MemoryCounters, MemoryPart } from "./memory.js";
export type { RankedTask, VictimRanking } from "./victim.js";
export type { Replay618, Replay618Compaction, Replay618Settings, Replay618Zone } from "./replay618.js";
export type {
  DiagnosedKind,
  DiagnosedTask,
  DiagnosedVictim,
  DiagnosedReport,
  DiagnosedZone,
  DiagnoseOptions,
  DiagnoseResult,
  Mark,
  MarkCheck,
  RecomputedMarks,
  Verdict,
  WhatIf,
  WhatIfRequest,
  WhatIfResult,
  WhatIfZone,
  ZoneFragmentation,
} from "./report.js";

function parseMask(s: string | null): number | null {
  if (s === null || !/^0x[0-9a-f]{1,8}$/i.test(s)) return null;
  return Number.parseInt(s, 16);
}

/** The verdict for a parsed report (with the what-if's order/gfp/marks when given). */
function judge(r: ParsedReport, warn: (m: string) => void): Verdict | null {
  if (r.kind === "memcg-oom") {
    const m = r.memcg;
    const kmem = m && m.kmemUsageKb !== null ? `, of which kernel memory ${m.kmemUsageKb} kB` : "";
    const use = m && m.usageKb !== null ? ` (usage ${m.usageKb} kB, limit ${m.limitKb ?? "?"} kB${kmem})` : "";
    return {
      cause: "memcg-limit",
      summary:
        `A memory cgroup reached its limit${use}: the memcg OOM killer ran inside the cgroup; ` +
        "zone free memory is not the question.",
      steps: [],
    };
  }
  if (r.order === -1)
    return {
      cause: "manual",
      summary: "A manual OOM kill (SysRq-f, order -1): nothing failed to allocate.",
      steps: [],
    };
  const c = r.constraint?.constraint ?? "";
  if (c === "CONSTRAINT_CPUSET" || c === "CONSTRAINT_MEMORY_POLICY") {
    return {
      cause: "cpuset-or-mempolicy",
      summary: `The OOM was constrained (${c}): the task's cpuset or memory policy limited the nodes it could use.`,
      steps: [],
    };
  }
  const era = reportEra(r);
  if (era.inferred && r.kind !== "show-mem")
    warn(`no kernel version printed: judged by the ${era.release} rules (from the report's format)`);
  const mask = parseMask(r.gfpMask);
  if (r.zones.length === 0) {
    if (r.kind === "oom" && mask === 0)
      return {
        cause: "pagefault",
        summary:
          "A page fault returned VM_FAULT_OOM (gfp_mask 0): pagefault_out_of_memory ran the OOM killer; " +
          "the report has no zone data.",
        steps: [],
      };
    return {
      cause: "no-memory-info",
      summary: "The report holds no zone data (no show_mem dump was printed or pasted).",
      steps: [],
    };
  }
  if (r.kind === "show-mem" || mask === null) return judgePerOrder(r, era, zoneContexts(r, null), null, warn);
  if (r.order === null) return judgePerOrder(r, era, null, mask, warn);
  return judgeOrder(r, era, mask, r.order, warn);
}

/** MAX_WARNINGS of the report's warnings, the analysis's own always among them. */
function capWarnings(
  parsed: Warning[],
  parsedOmitted: number,
  own: Warning[],
): Pick<DiagnosedReport, "warnings" | "warningsOmitted"> {
  const room = Math.max(0, MAX_WARNINGS - own.length);
  const kept = parsed.slice(0, room);
  const omitted = parsedOmitted + parsed.length - kept.length;
  return omitted > 0 ? { warnings: [...kept, ...own], warningsOmitted: omitted } : { warnings: [...kept, ...own] };
}

/** Why a report has no allocation request a what-if could judge again, or null when it has one. */
function requestless(r: ParsedReport): string | null {
  if (r.kind === "memcg-oom") return "a memory cgroup's limit decided this OOM, not the zones' watermarks";
  if (r.order === -1) return "a manual OOM kill (SysRq-f) asked for no memory";
  const c = r.constraint?.constraint ?? "";
  if (c === "CONSTRAINT_CPUSET" || c === "CONSTRAINT_MEMORY_POLICY")
    return `the OOM was ${c}: the task's allowed nodes decided it, and the report holds no per-node verdict`;
  if (r.zones.length === 0) return "the report holds no zone data";
  return null;
}

/** The settings that mean something for the report, with a note for each that does not. */
function meaningfulSettings(r: ParsedReport, era: ReportEra, w: WhatIf, notes: string[]) {
  let minFree = w.minFreeKbytes;
  let wsf = w.watermarkScaleFactor;
  const eraText = `${era.release}${era.inferred ? ", inferred from the report's format" : ""}`;
  if (wsf !== undefined && !readsScaleFactor(era)) {
    notes.push(
      `watermark_scale_factor=${wsf} changes nothing: the report's kernel (${eraText}) has no ` +
        `watermark_scale_factor, which Linux ${SCALE_FACTOR_SINCE} added (mm/page_alloc.c __setup_per_zone_wmarks); ` +
        "its marks follow min_free_kbytes alone",
    );
    wsf = undefined;
  }
  const sized = r.zones.some((z) => (z.presentKb ?? 0) > 0 || (z.managedKb ?? 0) > 0);
  if ((minFree !== undefined || wsf !== undefined) && !sized) {
    const names = [minFree !== undefined ? "min_free_kbytes" : "", wsf !== undefined ? "watermark_scale_factor" : ""];
    notes.push(
      `${names.filter(Boolean).join(" and ")} change nothing: the report prints no zone sizes (present or ` +
        "managed pages), from which the marks would be recomputed",
    );
    minFree = undefined;
    wsf = undefined;
  }
  return { minFree, wsf };
}

function orderWords(order: number, from: WhatIfRequest["orderFrom"]): string {
  if (from === "printed") return `order ${order} (as printed)`;
  if (from === "inferred") return `order ${order} (inferred above: the report prints no order)`;
  return `order ${order} (the what-if's)`;
}

/** The 6.18 replay's settings of a what-if, or null when it sets none. */
function replaySettings(r: ParsedReport, w: WhatIf, notes: string[]): Replay618Settings | null {
  const s: Replay618Settings = {};
  if (w.victimOomScoreAdj !== undefined) {
    if (r.victim) s.oomScoreAdj = { [r.victim.pid]: w.victimOomScoreAdj };
    else notes.push("victim_oom_score_adj changes nothing: the report names no victim");
  }
  if (w.oomScoreAdj) {
    const listed = new Set((r.taskTable?.tasks ?? []).map((t) => t.pid));
    for (const [pid, adj] of Object.entries(w.oomScoreAdj)) {
      s.oomScoreAdj = { ...s.oomScoreAdj, [Number(pid)]: adj };
      if (!listed.has(Number(pid))) notes.push(`oom_score_adj:${pid} changes nothing: no task ${pid} in the table`);
    }
  }
  if (w.victimKilledEarlier === 1) {
    if (r.victim) s.killedFirst = r.victim.pid;
    else notes.push("victim_killed_earlier changes nothing: the report names no victim");
  }
  if (w.swapKb !== undefined) s.swapAddKb = w.swapKb;
  if (w.extfragThreshold !== undefined) s.extfragThreshold = w.extfragThreshold;
  if (w.compaction !== undefined) s.compaction = w.compaction === 1;
  return Object.keys(s).length ? s : null;
}

function whatIfReport(r: ParsedReport, w: WhatIf): WhatIfResult {
  const out = whatIfVerdict(r, w);
  const s = replaySettings(r, w, out.notes);
  if (s) {
    out.notes.push(
      "swap_kb, extfrag_threshold, compaction, victim_oom_score_adj, victim_killed_earlier and oom_score_adj " +
        "change only the 6.18 replay (replay618)",
    );
    out.replay618 = replay618(r, s);
  }
  return out;
}

function whatIfVerdict(r: ParsedReport, w: WhatIf): WhatIfResult {
  const era = reportEra(r);
  const notes: string[] = [];
  const printedMask = parseMask(r.gfpMask);
  const mask = w.gfp ?? printedMask;
  const request: WhatIfRequest = {
    order: null,
    orderFrom: null,
    gfpMask: mask !== null ? `0x${mask.toString(16)}` : null,
    gfpFrom: w.gfp !== undefined ? "what-if" : printedMask !== null ? "printed" : null,
    marks: [],
  };
  const result = (verdict: Verdict | null, marks: RecomputedMarks[] = []): WhatIfResult => ({
    changes: { settings: w, marks },
    verdict,
    request,
    zones: [],
    outcome: null,
    notes,
  });
  const none = requestless(r);
  if (none !== null) {
    notes.push(`the what-if changes nothing here: ${none}`);
    return result({ cause: null, summary: `Nothing to judge again: ${none}.`, steps: [] });
  }
  const { minFree, wsf } = meaningfulSettings(r, era, w, notes);
  const changed: ParsedReport = { ...r, order: w.order ?? r.order, gfpMask: request.gfpMask };
  let marks: RecomputedMarks[] = [];
  if (minFree !== undefined || wsf !== undefined) {
    marks = recomputeMarks(r, era, minFree, wsf);
    changed.zones = r.zones.map((z) => {
      const m = marks.find((q) => q.node === z.node && q.name === z.name);
      return m ? { ...z, minKb: m.after.minKb, lowKb: m.after.lowKb, highKb: m.after.highKb } : z;
    });
    const kept = r.zones.filter((z) => !marks.some((q) => q.node === z.node && q.name === z.name));
    if (kept.length)
      notes.push(
        `${kept.map((z) => printable(z.name)).join(", ")}: ` +
          "a zone type oomlab does not model; its printed marks are kept",
      );
  }
  // the request the verdict decided: a printed order at the failing path's mark, else the order the
  // per-order check inferred at the low and min marks; order= and gfp= replace its parts
  const printedPath = r.kind !== "show-mem" && printedMask !== null && r.order !== null;
  request.marks = printedPath ? [r.kind === "oom" ? "high" : "min"] : ["low", "min"];
  if (w.order !== undefined) [request.order, request.orderFrom] = [w.order, "what-if"];
  else if (printedPath) [request.order, request.orderFrom] = [r.order, "printed"];
  else if (r.kind !== "show-mem" && printedMask !== null) {
    request.order = inferredOrder(r, era, printedMask);
    request.orderFrom = request.order === null ? null : "inferred";
  }
  if (request.order === null) {
    notes.push(
      request.gfpFrom === null
        ? "no request to keep (no gfp mask printed, no order= given): every order is checked under the change"
        : "no order to keep (none printed, none inferred, no order= given): every order is checked under the change",
    );
    return result(
      judge(changed, () => undefined),
      marks,
    );
  }
  const gfpWords =
    request.gfpMask === null
      ? "no gfp mask (every zone allowed, no reductions)"
      : `gfp ${request.gfpMask}${request.gfpFrom === "what-if" ? " (the what-if's)" : ""}`;
  const lead =
    `The request ${w.order !== undefined || w.gfp !== undefined ? "as changed" : "kept"}: ` +
    `${orderWords(request.order, request.orderFrom)}, ${gfpWords}, checked ${marksInWords(request.marks)}.`;
  const j = judgeRequest(changed, era, mask, request.order, request.marks, lead, (m) => notes.push(m));
  return { ...result(j.verdict, marks), zones: j.zones, outcome: j.outcome };
}

/** The victim with the kill line's counters (those printed). */
function victimOut(r: ParsedReport): DiagnosedVictim | null {
  const v = r.victim;
  if (!v) return null;
  const out: DiagnosedVictim = { pid: v.pid, comm: v.comm };
  if (v.anonRssKb !== null) out.anonRssKb = v.anonRssKb;
  if (v.fileRssKb !== null) out.fileRssKb = v.fileRssKb;
  if (v.shmemRssKb !== null) out.shmemRssKb = v.shmemRssKb;
  if (v.pgtablesKb !== null) out.pgtablesKb = v.pgtablesKb;
  if (v.oomScoreAdj !== null) out.oomScoreAdj = v.oomScoreAdj;
  return out;
}

/** Tasks, Mem-Info counters, the breakdown of RAM and the victim ranking (items 1-3 of issue 12). */
function memoryParts(
  r: ParsedReport,
  earlierVictims: ReadonlySet<number>,
  warn: (m: string) => void,
): Pick<DiagnosedReport, "tasks" | "memory" | "memoryBreakdown" | "victimRanking"> {
  const tasks: DiagnosedTask[] = (r.taskTable?.tasks ?? []).map(({ line: _line, ...t }) => t);
  const out: Pick<DiagnosedReport, "tasks" | "memory" | "memoryBreakdown" | "victimRanking"> = { tasks };
  if (r.memInfo) {
    const memory = memoryCounters(r);
    const b = memoryBreakdown(r, memory);
    // unaccounted only when every counter the arithmetic reads was printed (never guessed)
    if (b && b.missing.length === 0) memory.unaccountedKb = b.unaccountedKb;
    out.memory = memory;
    if (b) out.memoryBreakdown = b;
  }
  try {
    const ranking = victimRanking(r, earlierVictims);
    if (ranking) out.victimRanking = ranking;
  } catch (e) {
    warn(`no victim ranking: ${(e as Error).message}`);
  }
  return out;
}

function diagnoseParsed(
  r: ParsedReport,
  parsed: Warning[],
  parsedOmitted: number,
  opts: DiagnoseOptions,
  earlierVictims: ReadonlySet<number> = new Set(),
  replays: { done: number } = { done: 0 },
  xfs: ((r: ParsedReport) => boolean) | null = null,
): DiagnosedReport {
  const own: Warning[] = [];
  const warn = (message: string) => own.push({ line: r.line, message });
  let verdict: Verdict | null = null;
  try {
    verdict = judge(r, warn);
  } catch (e) {
    warn(`no verdict: ${(e as Error).message}`);
  }
  const mask = parseMask(r.gfpMask);
  const out: DiagnosedReport = {
    kind: r.kind,
    line: r.line,
    kernelVersion: r.kernelVersion,
    pageSizeKb: r.pageSizeKb ?? 4,
    trigger: r.trigger,
    order: r.order,
    gfpMask: r.gfpMask,
    gfpFlags: r.gfpFlagsPrinted ?? (mask !== null ? namesOf(r, mask) : []),
    zones: r.zones.map(zoneOut),
    victim: victimOut(r),
    constraint: r.constraint,
    memcg: r.memcg,
    ...memoryParts(r, earlierVictims, warn),
    verdict,
    warnings: [],
  };
  if (opts.replay618 !== false && replayApplies(r)) {
    const limit = opts.replayLimit ?? REPLAY618_AUTO_LIMIT;
    if (replays.done >= limit)
      warn(
        `no 6.18 replay: the input's first ${limit} replayable reports were replayed ` +
          "(oomlab diagnose --replay618 all replays every one)",
      );
    else {
      replays.done++;
      try {
        out.replay618 = replay618(r);
      } catch (e) {
        warn(`no 6.18 replay: ${(e as Error).message}`);
      }
    }
  }
  const headline = out.memoryBreakdown?.sentence ?? memcgSentence(r);
  if (verdict && headline) verdict.headline = headline;
  let advice: Advice | null = null;
  try {
    const replayed = out.replay618?.replayed === true;
    advice = advise(r, out, {
      whatIf: (w) => whatIfVerdict(r, w),
      replay: replayed ? (s) => replay618(r, s) : null,
      xfsKmemAlloc: () => xfs?.(r) ?? false,
    });
  } catch (e) {
    warn(`no summary or actions: ${(e as Error).message}`);
  }
  if (opts.whatIf && Object.keys(opts.whatIf).length) {
    try {
      out.whatIf = whatIfReport(r, opts.whatIf);
    } catch (e) {
      warn(`what-if failed: ${(e as Error).message}`);
    }
  }
  Object.assign(out, capWarnings(parsed, parsedOmitted, own));
  // the summary and the actions first in the JSON, as in the text
  return advice ? { ...advice, ...out } : out;
}

/** XFS kmem_alloc's deadlock message ("XFS: possible memory allocation deadlock in kmem_alloc",
 *  fs/xfs/linux-2.6/kmem.c) or a kmem_alloc stack frame. */
const XFS_KMEM_ALLOC = /XFS: possible memory allocation deadlock in kmem_alloc|\bkmem_alloc\+0x/;
/** How far before a report's first line its XFS message is looked for (it precedes the OOM header). */
const XFS_LOOKBACK_LINES = 200;

/** Whether an XFS kmem_alloc line belongs to each report: from the end of the report before (at most
 *  XFS_LOOKBACK_LINES before its first line) to its last line. The text is split once, when asked. */
function xfsLines(text: string, reports: ParsedReport[]): (r: ParsedReport) => boolean {
  let lines: string[] | null = null;
  return (r) => {
    lines ??= text.split("\n");
    const i = reports.indexOf(r);
    const from = Math.max(i > 0 ? reports[i - 1].endLine : 0, r.line - 1 - XFS_LOOKBACK_LINES, 0);
    for (let n = from; n < Math.min(r.endLine, lines.length); n++) if (XFS_KMEM_ALLOC.test(lines[n])) return true;
    return false;
  };
}

function namesOf(r: ParsedReport, mask: number): string[] {
  try {
    return gfpMeaning(mask, reportEra(r).release, 0).names;
  } catch {
    return [];
  }
}

/** Diagnoses every report in a pasted log, or a /proc/buddyinfo, zoneinfo or pagetypeinfo file.
 *  Throws OOMLAB_BAD_ARGUMENT for a what-if value outside its sysctl's or the engine's range. */
export function diagnose(text: string, opts: DiagnoseOptions = {}): DiagnoseResult {
  if (opts.whatIf) validateWhatIf(opts.whatIf);
  const parsed = parseReports(text);
  if (parsed.reports.length === 0) {
    const w = opts.whatIf && Object.keys(opts.whatIf).length ? opts.whatIf : null;
    const proc = procReports(text, w ? (r) => whatIfReport(r, w) : undefined);
    if (proc) return { reports: proc };
  }
  // a report's warnings are those from its line to the next report's (the first also takes those
  // before it); both lists are sorted by line, so one walk hands them out
  const rs = parsed.reports;
  const reports: DiagnosedReport[] = [];
  const killed = new Set<number>();
  const replays = { done: 0 };
  const xfs = xfsLines(text, rs);
  let w = 0;
  let o = 0;
  for (let i = 0; i < rs.length; i++) {
    const next = i + 1 < rs.length ? rs[i + 1].line : Infinity;
    const own: Warning[] = [];
    while (w < parsed.warnings.length && parsed.warnings[w].line < next) own.push(parsed.warnings[w++]);
    let omitted = 0;
    while (o < parsed.omittedWarnings.length && parsed.omittedWarnings[o].line < next)
      omitted += parsed.omittedWarnings[o++].count;
    reports.push(diagnoseParsed(rs[i], own, omitted, opts, new Set(killed), replays, xfs));
    const v = rs[i].victim;
    if (v?.killed) killed.add(v.pid);
  }
  return { reports };
}

/** A report with the input it came from: the path as given ("-" for standard input or pasted text). */
export type FiledReport = { file: string } & DiagnosedReport;

/** diagnose's reports of one input, each with the input's name: the rows of `oomlab diagnose --json`
 *  and of the web page's JSON. */
export function diagnoseFile(file: string, text: string, opts: DiagnoseOptions = {}): FiledReport[] {
  return diagnose(text, opts).reports.map((r) => ({ file, ...r }));
}

/** The JSON text of `oomlab diagnose --json` (without its newline) for these reports. */
export function filedJson(reports: FiledReport[]): string {
  return JSON.stringify({ reports });
}
