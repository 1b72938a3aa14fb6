// diagnose_proc: /proc/buddyinfo, /proc/zoneinfo and /proc/pagetypeinfo (mm/vmstat.c) as reports:
// their zones in the report shape and, where watermarks and free lists are both known, every order
// checked at the low and min marks (mm/page_alloc.c zone_watermark_ok, 2.6.11, or __zone_watermark_ok,
// 6.18; file formats from mm/vmstat.c frag_show_print, zoneinfo_show_print, pagetypeinfo_show, 6.18).

import { zoneOut, type DiagnosedKind, type DiagnosedReport, type WhatIfResult } from "./report.js";
import { judgePerOrder } from "./verdict.js";
import { reportEra, zoneContexts } from "./zones.js";
import { parseBuddyinfo, parsePagetypeinfo, parseZoneinfo, type ZoneinfoZone } from "../parse/proc.js";
import type { ParsedReport, ParsedZone, Warning } from "../parse/reports.js";
import { newZone } from "../parse/show_mem.js";
import { MAX_WARNINGS } from "../parse/warnings.js";

export interface ProcTexts {
  version?: string | null;
  buddyinfo?: string;
  zoneinfo?: string;
  pagetypeinfo?: string;
}

// mm/vmstat.c migratetype_names -> show_migration_types letters (mm/page_alloc.c, 4.x-6.x).
const MIGRATETYPE_LETTER: Record<string, string> = {
  Unmovable: "U",
  Movable: "M",
  Reclaimable: "E",
  HighAtomic: "H",
  CMA: "C",
  Isolate: "I",
  Reserve: "R",
};

/** /proc files print every size in 4 KiB pages. */
const PROC_PAGE_KB = 4;
const blank = (node: number, name: string): ParsedZone => newZone(node, name, PROC_PAGE_KB);

function fromZoneinfo(q: ZoneinfoZone): ParsedZone {
  const z = blank(q.node, q.name);
  const kb = (n: number | undefined) => (n === undefined ? null : n * 4);
  Object.assign(z, {
    freeKb: kb(q.pagesFree),
    minKb: kb(q.min),
    lowKb: kb(q.low),
    highKb: kb(q.high),
    boostKb: kb(q.boost),
    presentKb: kb(q.present),
    managedKb: kb(q.managed),
    freeCmaKb: kb(q.stats.nr_free_cma),
    lowmemReserve: q.protection,
    zoneLine: q.line,
  });
  return z;
}

function zoneOf(zones: ParsedZone[], node: number, name: string): ParsedZone {
  const known = zones.find((q) => q.node === node && q.name === name);
  if (known) return known;
  const z = blank(node, name);
  zones.push(z);
  return z;
}

function setAreas(z: ParsedZone, counts: number[]): void {
  z.freeAreas = counts;
  z.freeAreasKb = counts.reduce((s, n, o) => s + n * 2 ** o * 4, 0);
}

/** Zones of one or more /proc files, merged by node and name; their warnings go to `warnings`
 *  (each file's first MAX_WARNINGS) and the count of those left out to omitted.n. */
export function procZones(t: ProcTexts, warnings: Warning[], omitted = { n: 0 }): ParsedZone[] {
  const zones: ParsedZone[] = [];
  if (t.zoneinfo !== undefined) {
    const zi = parseZoneinfo(t.zoneinfo);
    warnings.push(...zi.warnings);
    omitted.n += zi.warningsOmitted ?? 0;
    zones.push(...zi.zones.map(fromZoneinfo));
  }
  if (t.pagetypeinfo !== undefined) {
    const pt = parsePagetypeinfo(t.pagetypeinfo);
    warnings.push(...pt.warnings);
    omitted.n += pt.warningsOmitted ?? 0;
    for (const f of pt.free) {
      const z = zoneOf(zones, f.node, f.name);
      const sum = z.freeAreas.length ? z.freeAreas : f.counts.map(() => 0);
      setAreas(
        z,
        sum.map((n, o) => n + (f.counts[o] ?? 0)),
      );
      const letters = z.migratetypes ?? f.counts.map(() => "");
      z.migratetypes = letters.map((l, o) => ((f.counts[o] ?? 0) > 0 ? l + (MIGRATETYPE_LETTER[f.type] ?? "?") : l));
    }
  }
  if (t.buddyinfo !== undefined) {
    const bi = parseBuddyinfo(t.buddyinfo);
    warnings.push(...bi.warnings);
    omitted.n += bi.warningsOmitted ?? 0;
    // buddyinfo is exact; pagetypeinfo caps
    for (const b of bi.zones) setAreas(zoneOf(zones, b.node, b.name), b.freeAreas);
  }
  return zones;
}

function fakeReport(zones: ParsedZone[], version: string | null): ParsedReport {
  return {
    kind: "show-mem",
    format: null,
    line: 1,
    endLine: 1,
    time: null,
    kernelVersion: version,
    trigger: null,
    order: null,
    gfpMask: null,
    gfpFlagsPrinted: null,
    nodemask: null,
    oomAdj: null,
    oomScoreAdj: null,
    message: null,
    victim: null,
    constraint: null,
    memcg: null,
    zones,
    taskTable: null,
    memInfo: null,
    pageSizeKb: 4,
    lines: [],
  };
}

/** For judging: a zone with watermarks but no free lists is checked at order 0 from its free pages. */
function judgeable(z: ParsedZone): ParsedZone {
  if (z.freeAreas.length || z.freeKb === null) return z;
  return { ...z, freeAreas: [Math.floor(z.freeKb / 4)] };
}

/** A what-if run on the report the /proc texts make (diagnose's, passed in to keep the modules apart). */
export type ProcWhatIf = (r: ParsedReport) => WhatIfResult;

/** One report for the given /proc texts, with a what-if when one is given. */
export function procReport(kind: DiagnosedKind, t: ProcTexts, whatIf?: ProcWhatIf): DiagnosedReport {
  const warnings: Warning[] = [];
  const omitted = { n: 0 };
  const zones = procZones(t, warnings, omitted);
  const version = t.version ?? (zones.some((z) => z.managedKb !== null || z.freeAreas.length) ? null : "2.6.15");
  const r = fakeReport(zones.map(judgeable), version ?? "6.1");
  const own: Warning[] = [];
  let verdict = null;
  try {
    verdict = judgePerOrder(r, reportEra(r), zoneContexts(r, null), null, () => undefined);
    if (zones.some((z) => !z.freeAreas.length && z.freeKb !== null))
      verdict.summary += " Zones without free lists (zoneinfo alone) are checked at order 0 only.";
  } catch (e) {
    own.push({ line: 1, message: `no verdict: ${(e as Error).message}` });
  }
  let what: WhatIfResult | undefined;
  try {
    what = whatIf?.(r);
  } catch (e) {
    own.push({ line: 1, message: `what-if failed: ${(e as Error).message}` });
  }
  // the files' first warnings, up to MAX_WARNINGS with the analysis's own (kept, last)
  const kept = warnings.slice(0, MAX_WARNINGS - own.length);
  const left = omitted.n + warnings.length - kept.length;
  return {
    kind,
    line: 1,
    kernelVersion: t.version ?? null,
    pageSizeKb: 4,
    trigger: null,
    order: null,
    gfpMask: null,
    gfpFlags: [],
    zones: zones.map(zoneOut),
    victim: null,
    constraint: null,
    memcg: null,
    tasks: [],
    verdict,
    warnings: [...kept, ...own],
    ...(what ? { whatIf: what } : {}),
    ...(left > 0 ? { warningsOmitted: left } : {}),
  };
}

/** A /proc file's kind from its text, or null. */
export function procKind(text: string): "buddyinfo" | "zoneinfo" | "pagetypeinfo" | null {
  if (/^(Page block order:|Free pages count per migrate type|Node\s+\d+, zone\s+\S+, type\s)/m.test(text))
    return "pagetypeinfo";
  if (/^\s*pages free\s+\d+/m.test(text) || /^Node \d+, zone\s+\S+\s*$/m.test(text)) return "zoneinfo";
  if (/^Node \d+, zone\s+\S+(?:\s+\d+)+\s*$/m.test(text)) return "buddyinfo";
  return null;
}

export function procReports(text: string, whatIf?: ProcWhatIf): DiagnosedReport[] | null {
  const kind = procKind(text);
  return kind ? [procReport(kind, { [kind]: text }, whatIf)] : null;
}
