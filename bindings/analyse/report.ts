// The report shapes diagnose and snapshot produce (the JSON of `oomlab diagnose --json`), in one
// module: analyse/ fills them, render/ prints them.

import type { ParsedZone, Warning } from "../parse/reports.js";
import type { Verdict } from "./verdict.js";
import type { RecomputedMarks } from "./zones.js";

/** A zone in diagnose's JSON: the parsed fields the format fixes. */
export type DiagnosedZone = Pick<ParsedZone, "node" | "name" | "freeKb" | "minKb" | "lowKb" | "highKb" | "lowmemReserve" | "freeAreas" | "freeAreasKb" | "migratetypes">;

export type DiagnosedKind = "oom" | "alloc-failure" | "memcg-oom" | "show-mem" | "buddyinfo" | "zoneinfo" | "pagetypeinfo";

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

export function zoneOut(z: ParsedZone): DiagnosedZone {
  return {
    node: z.node, name: z.name, freeKb: z.freeKb, minKb: z.minKb, lowKb: z.lowKb, highKb: z.highKb,
    lowmemReserve: z.lowmemReserve, freeAreas: z.freeAreas, freeAreasKb: z.freeAreasKb, migratetypes: z.migratetypes,
  };
}
