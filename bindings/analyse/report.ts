// The report shapes diagnose and snapshot produce (the JSON of `oomlab diagnose --json`), in one
// module: analyse/ fills them, render/ prints them.

import { contigPageInfoByOrder, extfragFromInfo, unusableFromInfo } from "../mm/fragmentation.js";
import type { ParsedConstraint, ParsedMemcg, ParsedZone, Warning } from "../parse/reports.js";
import type { ParsedTask } from "../parse/tasks.js";
import type { MemoryBreakdown, MemoryCounters } from "./memory.js";
import type { VictimRanking } from "./victim.js";
import type { Replay618 } from "./replay618.js";

/** Why a report failed, in words, with the deciding arithmetic (analyse/verdict.ts). */
export interface Verdict {
  /** fragmentation, exhaustion, cma-unusable, memcg-limit, ... (null: nothing to judge); a what-if's
   *  verdict says "passes" when the request would have been served under the change. */
  cause: string | null;
  /** Where the memory went, in one sentence (analyse/memory.ts), when the report prints RAM's counters. */
  headline?: string;
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
  /** Swap added (kB), vm.extfrag_threshold, CONFIG_COMPACTION (0 or 1), the report's victim's
   *  oom_score_adj: the 6.18 replay's what-ifs. */
  swapKb?: number;
  extfragThreshold?: number;
  compaction?: number;
  victimOomScoreAdj?: number;
  /** 1: the report's victim killed before the request (its memory freed first), for the 6.18 replay. */
  victimKilledEarlier?: number;
  /** Any task's oom_score_adj by pid (--what-if oom_score_adj:PID=VALUE), for the 6.18 replay. */
  oomScoreAdj?: Record<string, number>;
}

/** The WhatIf fields that hold one number (each with its --what-if KEY=VALUE). */
export type ScalarWhatIf = Exclude<keyof WhatIf, "oomScoreAdj">;

/** A watermark the failing path checks: low (the first attempt), min (the slow path, with the
 *  mask's reductions), high (the OOM path's last attempt). */
export type Mark = "min" | "low" | "high";

/** The request a what-if judges: the one the report's verdict decided, unless the what-if sets
 *  order= or gfp=. */
export interface WhatIfRequest {
  /** null: no order to keep (none printed, none inferred, none given); every order is checked. */
  order: number | null;
  /** printed in the report's header; inferred by the verdict (the lowest order failing everywhere,
   *  for a report that prints none); or given by the what-if. */
  orderFrom: "printed" | "inferred" | "what-if" | null;
  gfpMask: string | null;
  gfpFrom: "printed" | "what-if" | null;
  /** The marks checked, in the order the failing path tries them. */
  marks: Mark[];
}

/** One check of the request in one zone. */
export interface MarkCheck {
  mark: Mark;
  /** The mark in pages, and the lowmem_reserve added to it. */
  pages: number;
  reserve: number;
  pass: boolean;
  /** What decided it (mm/watermark.ts Stage): ok, mark, reserve, cma or block. */
  stage: string;
  /** Pages above the order-0 test's threshold, when it was run. */
  margin?: number;
}

/** The request's fate in one zone under the changed settings: it passes when any of its checks
 *  passes (the failing path would have taken the page there). */
export interface WhatIfZone {
  node: number;
  name: string;
  result: "pass" | "fail" | "not allowed" | "not judged";
  checks: MarkCheck[];
}

export interface WhatIfResult {
  changes: { settings: WhatIf; marks: RecomputedMarks[] };
  verdict: Verdict | null;
  request: WhatIfRequest;
  /** Every populated zone of the report (empty when there is no request to judge). */
  zones: WhatIfZone[];
  /** pass: some allowed zone serves the request; fail: none does; null: not judged. */
  outcome: "pass" | "fail" | null;
  /** What the what-if could not change, and why (a setting the report's era lacks, ...). */
  notes: string[];
  /** The 6.18 replay under swap_kb, extfrag_threshold or compaction (present when one is set). */
  replay618?: Replay618;
}

/** One thing to do about a report (analyse/advice.ts): the cause it answers, the action, its computed
 *  effect and what computed it. */
export interface Action {
  /** memcg-limit, fragmentation, cma-unusable, zone-too-small, exhaustion, unaccounted, kernel-memory. */
  cause: string;
  action: string;
  /** The computed result, with its numbers. */
  effect: string;
  /** The computation: a what-if (--what-if KEY=VALUE), the 6.18 replay, or a named sum. */
  computedBy: string;
}

export interface DiagnosedReport {
  /** One paragraph: what happened, the cause with its numbers, who was killed and why (analyse/advice.ts);
   *  absent for /proc files. */
  summary?: string;
  /** What to do, tied to the cause, each with its computed effect (analyse/advice.ts). */
  actions?: Action[];
  kind: DiagnosedKind;
  line: number;
  kernelVersion: string | null;
  pageSizeKb: number;
  trigger: { comm: string; pid: number | null } | null;
  order: number | null;
  gfpMask: string | null;
  gfpFlags: string[];
  zones: DiagnosedZone[];
  victim: DiagnosedVictim | null;
  /** The "oom-kill:constraint=..." line (4.19+), or null. */
  constraint: ParsedConstraint | null;
  /** The memory cgroup's usage and limit lines, or null. */
  memcg: ParsedMemcg | null;
  /** The task dump, as printed (empty when none was printed). */
  tasks: DiagnosedTask[];
  /** Mem-Info's counters in kB (absent counters left out); absent when the report prints none. */
  memory?: MemoryCounters;
  /** Where the memory went: RAM's parts, unaccounted memory, top consumers (needs "pages RAM"). */
  memoryBreakdown?: MemoryBreakdown;
  /** Every task's badness recomputed with the era's oom_badness, and the kernel's choice in it. */
  victimRanking?: VictimRanking;
  /** "Would it have helped": the report rebuilt into the 6.18 model and its request replayed (5.x and
   *  6.x reports; replayed false with the reason when it cannot be). */
  replay618?: Replay618;
  verdict: Verdict | null;
  /** At most MAX_WARNINGS (parse/warnings.ts): the parser's first ones, then the analysis's own
   *  (always kept). */
  warnings: Warning[];
  /** How many warnings were left out; present only when some were. */
  warningsOmitted?: number;
  whatIf?: WhatIfResult;
}

/** The victim: the kill line's pid and comm, and its counters when the line prints them. */
export interface DiagnosedVictim {
  pid: number;
  comm: string;
  anonRssKb?: number;
  fileRssKb?: number;
  shmemRssKb?: number;
  pgtablesKb?: number;
  oomScoreAdj?: number;
}

/** A row of the task dump (parse/tasks.ts ParsedTask without its line number). */
export type DiagnosedTask = Omit<ParsedTask, "line">;

export interface DiagnoseResult {
  reports: DiagnosedReport[];
}

export interface DiagnoseOptions {
  whatIf?: WhatIf;
  /** Replay modern reports on the 6.18 model (default true). */
  replay618?: boolean;
  /** At most this many reports of one input are replayed (default REPLAY618_AUTO_LIMIT): a replay
   *  rebuilds the whole machine (seconds for a 64 GiB one), and a long log holds hundreds of reports. */
  replayLimit?: number;
}

/** How many reports of one input diagnose replays on the 6.18 model unless told otherwise. */
export const REPLAY618_AUTO_LIMIT = 8;

/** The fragmentation indices of every order of nrFree, or null without free lists. */
export function zoneFragmentation(nrFree: number[]): ZoneFragmentation | null {
  if (!nrFree.length) return null;
  const info = contigPageInfoByOrder(nrFree);
  return {
    unusableFreeIndex: info.map((i, o) => unusableFromInfo(i, o)),
    extfragIndex: info.map((i, o) => extfragFromInfo(i, o, nrFree.length)),
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
