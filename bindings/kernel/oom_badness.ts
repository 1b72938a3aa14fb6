// The OOM killer's badness arithmetic by era, as pure functions of the numbers a task dump prints
// (mm/oom_kill.c badness / oom_badness). The eras and their selection by release are in releases.ts
// (OOM_BADNESS_ERAS); the simulated kernels call the same pieces (linux-2.6.11/mm/oom_kill.ts
// badness2611 ends in heuristicAdjust26; linux-6.18/mm/oom_kill.ts oomBadness in pageCountBadness).
//
// Sources read:
// - 2.6.11 .. 2.6.35: badness(p, uptime): points = total_vm (+ each child's total_vm: in full in
//   2.6.11, total_vm/2 + 1 by 2.6.16), divided by int_sqrt(cpu_time) and int_sqrt(int_sqrt(run_time)),
//   doubled when niced, /4 for CAP_SYS_ADMIN|CAP_SYS_RESOURCE (or uid 0 in 2.6.11), /4 for
//   CAP_SYS_RAWIO, then shifted by oom_adj (mm/oom_kill.c 2.6.11; 2.6.32's badness read from a copy).
// - 2.6.36 .. 3.4: a2b4e46f "oom: badness heuristic rewrite": points = (rss + nr_ptes + swapents) *
//   1000 / totalpages; CAP_SYS_ADMIN -30; + oom_score_adj; at least 1, at most 1000 (the form the 2012
//   patch below removes, read in its diff).
// - 3.5 .. 5.8: "mm, oom: normalize oom scores to oom_score_adj scale only for userspace" (David Rientjes,
//   patch v2 of 2012-05-23): points = rss + nr_ptes + swapents (4.0: + nr_pmds; 4.15: pgtables_bytes /
//   PAGE_SIZE); CAP_SYS_ADMIN: points -= points * 3 / 100; adj *= totalpages / 1000; points += adj;
//   return points > 0 ? points : 1 (read in a 4.x mm/oom_kill.c).
// - 4.17: "mm, oom: remove 3% bonus for CAP_SYS_ADMIN processes" (David Rientjes, 2018-03-07).
// - 5.9 .. 6.18: e642d9be463d "mm, oom: make the calculation of oom badness more accurate" (Yafang Shao,
//   2020-07): no floor at 1, LONG_MIN for the unkillable (mm/oom_kill.c oom_badness, 6.18).

/** What the kernel's selection reads of one task, in pages. */
export interface BadnessTask {
  totalVmPages: number;
  rssPages: number;
  swapEntries: number;
  /** Page-table pages: nr_ptes (+ nr_pmds), or pgtables_bytes / PAGE_SIZE rounded down. */
  pgtablesPages: number;
  /** CAP_SYS_ADMIN (a task dump prints only the uid: uid 0 stands for it). */
  capSysAdmin: boolean;
  /** oom_adj, -17 .. 15 (2.6.x), when printed. */
  oomAdj: number | null;
  /** oom_score_adj, -1000 .. 1000 (2.6.36+), when printed. */
  oomScoreAdj: number | null;
}

/** The badness of one era's form. */
export type OomBadnessForm = "total-vm" | "proportional" | "page-count";

/** One era of oom_badness (a row of OOM_BADNESS_ERAS in releases.ts). */
export interface OomBadnessRules {
  form: OomBadnessForm;
  /** total-vm: a child's total_vm counts in full (2.6.11) or as total_vm/2 + 1 (2.6.16+). */
  childShare: "full" | "half" | null;
  /** total-vm: oom_adj -17 (OOM_DISABLE) exempts the task (select_bad_process, 2.6.12+). */
  oomDisable: boolean;
  /** page-count: CAP_SYS_ADMIN's 3% discount (3.5 .. 4.16). */
  rootDiscount: boolean;
  /** page-count: "return points > 0 ? points : 1" (3.5 .. 5.8). */
  floorAtOne: boolean;
  /** Which of equal scores select_bad_process keeps: the first met ("points > chosen", 2.6.x .. 4.6)
   *  or the last (oom_evaluate_task's "points < chosen_points: next", 4.7+). */
  ties: "first" | "last";
  /** What the "Kill process %d (%s) score %d" line prints: the points (2.6.x .. 3.4), points * 1000 /
   *  totalpages (3.5 .. 4.20), or no such line (5.0+). */
  printedScore: "points" | "per-mille" | null;
}

export const OOM_SCORE_ADJ_MIN = -1000;
/** OOM_DISABLE, oom_adj's "never" (2.6.12 .. 3.x). */
export const OOM_DISABLE = -17;

/** C `x >> n` / `x << n` on unsigned long without JS's 32-bit truncation. */
const shr = (x: number, n: number): number => Math.floor(x / 2 ** n);
const shl = (x: number, n: number): number => x * 2 ** n;

/** The end of the 2.6.x badness(): nice, capabilities and the oom_adj shift (mm/oom_kill.c badness,
 *  2.6.11 .. 2.6.35). */
export function heuristicAdjust26(
  points: number,
  p: { niced: boolean; superuser: boolean; rawio: boolean; oomAdj: number },
): number {
  if (p.niced) points *= 2; // niced tasks are less important
  if (p.superuser) points = Math.floor(points / 4); // superuser
  if (p.rawio) points = Math.floor(points / 4); // direct hardware access
  if (p.oomAdj > 0) points = shl(points, p.oomAdj);
  else if (p.oomAdj < 0) points = shr(points, -p.oomAdj);
  return points;
}

/** The page-count form's last step (3.5+): oom_score_adj in units of totalpages / 1000, unsigned long
 *  division first (mm/oom_kill.c oom_badness "Normalize to oom_score_adj units", 6.18). */
export function pageCountBadness(points: number, oomScoreAdj: number, totalpages: number): number {
  return points + oomScoreAdj * Math.floor(totalpages / 1000);
}

/** A task's badness under an era's rules from what a task dump prints; null when the kernel would never
 *  choose it (oom_score_adj -1000, oom_adj OOM_DISABLE). The 2.6.x heuristics' cpu time, run time,
 *  nice, children and CAP_SYS_RAWIO are not printed: they are left out (see the era's notes). */
export function oomBadnessOf(rules: OomBadnessRules, t: BadnessTask, totalpages: number): number | null {
  if (rules.form === "total-vm") {
    if (rules.oomDisable && t.oomAdj === OOM_DISABLE) return null;
    return heuristicAdjust26(t.totalVmPages, {
      niced: false,
      superuser: t.capSysAdmin,
      rawio: false,
      oomAdj: t.oomAdj ?? 0,
    });
  }
  const adj = t.oomScoreAdj ?? 0;
  if (adj === OOM_SCORE_ADJ_MIN) return null;
  const base = t.rssPages + t.pgtablesPages + t.swapEntries;
  if (rules.form === "proportional") {
    if (totalpages <= 0) return null;
    let points = Math.floor((base * 1000) / totalpages);
    if (t.capSysAdmin) points -= 30;
    points += adj;
    if (points <= 0) return 1;
    return Math.min(points, 1000);
  }
  let points = base;
  if (rules.rootDiscount && t.capSysAdmin) points -= Math.floor((points * 3) / 100);
  points = pageCountBadness(points, adj, totalpages);
  return rules.floorAtOne && points <= 0 ? 1 : points;
}
