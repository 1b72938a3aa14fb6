// diagnose: why a kernel memory report failed, with the kernel's arithmetic. Parses a pasted log
// (bindings/parse/) or a /proc file, rebuilds every zone it must judge in the WASM engine and runs
// the watermark check of the report's era at the mark the failing path used: the OOM path's last
// attempt is at the high mark (pages_high in mm/page_alloc.c __alloc_pages, 2.6.11; ALLOC_WMARK_HIGH in
// __alloc_pages_may_oom, 6.18), an allocation failure's last attempt the min mark with the mask's
// reductions (gfp_to_alloc_flags). Pure: no Node APIs.

import { gfpMeaning } from "./gfp.js";
import { judgeOrder, judgePerOrder } from "./verdict.js";
import { procReports } from "./proc.js";
import { recomputeMarks, reportEra, zoneContexts } from "./zones.js";
import {
  zoneOut,
  type RecomputedMarks,
  type Verdict,
  type DiagnosedReport,
  type DiagnoseOptions,
  type DiagnoseResult,
  type WhatIf,
} from "./report.js";
import { parseReports, type ParsedReport, type Warning } from "../parse/reports.js";
import { validateWhatIf } from "./what_if.js";

export type {
  DiagnosedKind,
  DiagnosedReport,
  DiagnosedZone,
  DiagnoseOptions,
  DiagnoseResult,
  RecomputedMarks,
  Verdict,
  WhatIf,
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

function warningsOf(r: ParsedReport, all: Warning[], next: number): Warning[] {
  return all.filter((w) => w.line >= r.line && w.line < next);
}

function whatIfReport(r: ParsedReport, w: WhatIf): DiagnosedReport["whatIf"] {
  const era = reportEra(r);
  const changed: ParsedReport = {
    ...r,
    order: w.order ?? r.order,
    gfpMask: w.gfp !== undefined ? `0x${w.gfp.toString(16)}` : r.gfpMask,
  };
  let marks: RecomputedMarks[] = [];
  if (w.minFreeKbytes !== undefined || w.watermarkScaleFactor !== undefined) {
    marks = recomputeMarks(r, era, w.minFreeKbytes, w.watermarkScaleFactor);
    changed.zones = r.zones.map((z) => {
      const m = marks.find((q) => q.node === z.node && q.name === z.name);
      return m ? { ...z, minKb: m.after.minKb, lowKb: m.after.lowKb, highKb: m.after.highKb } : z;
    });
  }
  return { changes: { settings: w, marks }, verdict: judge(changed, () => undefined) };
}

function diagnoseParsed(r: ParsedReport, warnings: Warning[], opts: DiagnoseOptions): DiagnosedReport {
  const own = [...warnings];
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
    victim: r.victim ? { pid: r.victim.pid, comm: r.victim.comm } : null,
    verdict,
    warnings: own,
  };
  if (opts.whatIf && Object.keys(opts.whatIf).length) {
    try {
      out.whatIf = whatIfReport(r, opts.whatIf);
    } catch (e) {
      warn(`what-if failed: ${(e as Error).message}`);
    }
  }
  return out;
}

function namesOf(r: ParsedReport, mask: number): string[] {
  try {
    return gfpMeaning(mask, reportEra(r).release, 0).names;
  } catch {
    return [];
  }
}

/** Diagnoses every report in a pasted log, or a /proc/buddyinfo, zoneinfo or pagetypeinfo file. */
export function diagnose(text: string, opts: DiagnoseOptions = {}): DiagnoseResult {
  if (opts.whatIf) validateWhatIf(opts.whatIf);
  const parsed = parseReports(text);
  if (parsed.reports.length === 0) {
    const proc = procReports(text);
    if (proc) return { reports: proc };
  }
  const rs = parsed.reports;
  const reports = rs.map((r, i) => {
    const next = i + 1 < rs.length ? rs[i + 1].line : Infinity;
    const from = i === 0 ? -Infinity : r.line;
    return diagnoseParsed(r, warningsOf({ ...r, line: from } as ParsedReport, parsed.warnings, next), opts);
  });
  return { reports };
}
