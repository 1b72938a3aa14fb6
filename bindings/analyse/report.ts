// The report shapes diagnose and snapshot produce (the JSON of `oomlab diagnose --json`), in one
// module: analyse/ fills them, render/ prints them.

import { extfragIndex, unusableFreeIndex } from "../mm/fragmentation.js";
import type { ParsedZone, Warning } from "../parse/reports.js";

/** Why a report failed, in words, with the deciding arithmetic (analyse/verdict.ts). */
export interface Verdict {
  /** fragmentation, exhaustion, cma-unusable, memcg-limit, ... (null: nothing to judge). */
  cause: string | null;
  summary: string;
  steps: string[];
}

/** A zone's min/low/high as printed and as a what-if recomputes them (analyse/zones.ts). */
export interface RecomputedMarks {
  node: number;
  name: string;
  before: { minKb: number | null; lowKb: number | null; highKb: number | null };
  after: { minKb: number; lowKb: number; highKb: number };
}

/** The fragmentation indices of a zone's printed free lists, one per order, x1000 as the kernel
 *  keeps them (mm/vmstat.c unusable_free_index and __fragmentation_index, 6.18). */
export interface ZoneFragmentation {
  unusableFreeIndex: number[];
  extfragIndex: number[];
}

type PrintedZoneFields =
  | "node"
  | "name"
  | "freeKb"
  | "minKb"
  | "lowKb"
  | "highKb"
  | "lowmemReserve"
  | "freeAreas"
  | "freeAreasKb"
  | "migratetypes";

/** A zone in diagnose's JSON: the printed fields, and the fragmentation indices of its free lists
 *  (null when no per-order line was printed). */
export type DiagnosedZone = Pick<ParsedZone, PrintedZoneFields> & { fragmentation: ZoneFragmentation | null };

export type DiagnosedKind =
  | "oom"
  | "alloc-failure"
  | "memcg-oom"
  | "show-mem"
  | "buddyinfo"
  | "zoneinfo"
  | "pagetypeinfo";

export interface WhatIf {
  minFreeKbytes?: number;
  watermarkScaleFactor?: number;
  order?: number;
  gfp?: number;
}

export interface DiagnosedReport {
  kind: DiagnosedKind;
  line: number;
  kernelVersion: string | null;
  pageSizeKb: number;
  trigger: { comm: string; pid: number | null } | null;
  order: number | null;
  gfpMask: string | null;
  gfpFlags: string[];
  zones: DiagnosedZone[];
  victim: { pid: number; comm: string } | null;
  verdict: Verdict | null;
  warnings: Warning[];
  whatIf?: { changes: { settings: WhatIf; marks: RecomputedMarks[] }; verdict: Verdict | null };
}

export interface DiagnoseResult {
  reports: DiagnosedReport[];
}

export interface DiagnoseOptions {
  whatIf?: WhatIf;
}

/** The fragmentation indices of every order of nrFree, or null without free lists. */
export function zoneFragmentation(nrFree: number[]): ZoneFragmentation | null {
  if (!nrFree.length) return null;
  const orders = nrFree.map((_, o) => o);
  return {
    unusableFreeIndex: orders.map((o) => unusableFreeIndex(nrFree, o)),
    extfragIndex: orders.map((o) => extfragIndex(nrFree, o)),
  };
}

export function zoneOut(z: ParsedZone): DiagnosedZone {
  return {
    node: z.node,
    name: z.name,
    freeKb: z.freeKb,
    minKb: z.minKb,
    lowKb: z.lowKb,
    highKb: z.highKb,
    lowmemReserve: z.lowmemReserve,
    freeAreas: z.freeAreas,
    freeAreasKb: z.freeAreasKb,
    migratetypes: z.migratetypes,
    fragmentation: zoneFragmentation(z.freeAreas),
  };
}
