// Why this victim: every task of the dump scored again with the oom_badness of the report's era
// (kernel/releases.ts OOM_BADNESS_ERAS, kernel/oom_badness.ts), ranked as select_bad_process ranks
// them, and the kernel's choice placed in that ranking; when the kernel did not choose the top task,
// the likely reason, from what the report shows.

import { oomBadnessFor, type OomBadnessEra } from "../kernel/releases.js";
import { oomBadnessOf, type BadnessTask } from "../kernel/oom_badness.js";
import { KERNEL_VERSION, parseRelease } from "../include/linux/version.js";
import { printable } from "../include/printable.js";
import type { ParsedReport, ParsedTask, ParsedTaskTable } from "../parse/reports.js";

export const RANKING_TOP = 5;

export interface RankedTask {
  pid: number;
  name: string;
  points: number;
}

export interface VictimRanking {
  /** The kernel's choice in the ranking (1 = the top task); null when it is not in the table. */
  rank: number | null;
  /** Its recomputed points (null when not in the table or exempt). */
  points: number | null;
  top: RankedTask[];
  /** The task the kernel chose (the selection line's, else the kill line's) and the one it killed. */
  chosenPid: number;
  killedPid: number;
  /** The oom_badness used, and why that one (the printed release, or the table's columns). */
  era: string;
  eraFrom: string;
  /** oc->totalpages as rebuilt from the report (RAM - reserved + swap, or the memcg limit). */
  totalpages: number | null;
  /** The score the selection line printed, and the one recomputed for the chosen task, when both exist. */
  printedScore: number | null;
  computedScore: number | null;
  /** Tasks the kernel would never choose (oom_score_adj -1000, OOM_DISABLE), left out of the ranking. */
  exempt: number;
  /** Why the kernel's choice is not rank 1 (null when it is). */
  reason: string | null;
  notes: string[];
}

/** The release a task dump's columns stand for (dump_tasks headers, parse/tasks.ts). */
function releaseOfColumns(t: ParsedTaskTable): string {
  const has = (c: string) => t.columns.includes(c);
  if (has("rss_anon")) return "6.9";
  if (has("pgtables_bytes")) return "4.15";
  if (has("nr_pmds")) return "4.0";
  if (has("nr_ptes")) return "3.5";
  if (has("oom_score_adj")) return "2.6.36";
  return "2.6.25";
}

/** The era: the printed release, except that a table printing oom_score_adj beside cpu and oom_adj
 *  is 2.6.36 .. 3.4's dump (RHEL 6's 2.6.32 carries the 2.6.36 rewrite), whatever the release says. */
function eraOf(r: ParsedReport, t: ParsedTaskTable, notes: string[]): { era: OomBadnessEra; from: string } {
  const columns = releaseOfColumns(t);
  const printed = parseRelease(r.kernelVersion);
  if (!printed)
    return { era: oomBadnessFor(parseRelease(columns)?.code ?? 0), from: `the table's columns (${columns}+)` };
  const backport = printed.code < KERNEL_VERSION(2, 6, 36) && t.columns.includes("oom_score_adj");
  if (backport) {
    notes.push(
      `Linux ${printable(r.kernelVersion ?? "")} prints oom_score_adj: a backport of the 2.6.36 rewrite ` +
        "(as RHEL 6 carries), so its oom_badness is 2.6.36's",
    );
    return { era: oomBadnessFor(KERNEL_VERSION(2, 6, 36)), from: "the table's oom_score_adj column" };
  }
  return { era: oomBadnessFor(printed), from: `the printed release ${printable(r.kernelVersion ?? "")}` };
}

/** oc->totalpages: totalram_pages + total_swap_pages for a global OOM (constrained_alloc), the memcg's
 *  limit (+ its swap) for a memcg OOM (mem_cgroup_get_max). */
function totalpagesOf(r: ParsedReport, notes: string[]): number | null {
  const ps = r.pageSizeKb ?? 4;
  const m = r.memInfo;
  const swapPages = m && m.swapTotalKb !== null ? Math.floor(m.swapTotalKb / ps) : 0;
  const mc = r.memcg;
  if (r.kind === "memcg-oom" && mc && mc.limitKb !== null) {
    let swap = 0;
    if (mc.swapLimitKb !== null) swap = Math.min(Math.floor(mc.swapLimitKb / ps), swapPages);
    else if (mc.memswLimitKb !== null)
      swap = Math.min(Math.floor(Math.max(0, mc.memswLimitKb - mc.limitKb) / ps), swapPages);
    if (!m && (mc.swapLimitKb ?? mc.memswLimitKb ?? 0) > 0)
      notes.push(
        "total swap is not printed (a memcg OOM prints no Mem-Info): the cgroup's swap is left out of totalpages",
      );
    return Math.floor(mc.limitKb / ps) + swap;
  }
  if (!m || m.ramPages === null) {
    notes.push('totalpages unknown (no "pages RAM" line): oom_score_adj is weighed as 0');
    return null;
  }
  if (r.constraint?.constraint === "CONSTRAINT_CPUSET" || r.constraint?.constraint === "CONSTRAINT_MEMORY_POLICY")
    notes.push(`${r.constraint.constraint}: the kernel's totalpages is the allowed nodes' pages; RAM is used here`);
  return m.ramPages - (m.reservedPages ?? 0) + swapPages;
}

function badnessTask(t: ParsedTask, ps: number): BadnessTask {
  const pgtablesPages =
    t.pgtablesBytes !== undefined ? Math.floor(t.pgtablesBytes / (ps * 1024)) : (t.nrPtes ?? 0) + (t.nrPmds ?? 0);
  return {
    totalVmPages: t.totalVmPages,
    rssPages: t.rssPages,
    swapEntries: t.swapEntries ?? 0,
    pgtablesPages,
    capSysAdmin: t.uid === 0,
    oomAdj: t.oomAdj ?? null,
    oomScoreAdj: t.oomScoreAdj ?? null,
  };
}

/** The ranking of a report with a task dump and a kernel's choice; null otherwise. earlierVictims: the
 *  pids killed by earlier reports of the same input (they may still be exiting). */
export function victimRanking(r: ParsedReport, earlierVictims: ReadonlySet<number>): VictimRanking | null {
  const table = r.taskTable;
  const v = r.victim;
  if (!table || table.tasks.length === 0 || !v) return null;
  const ps = r.pageSizeKb ?? 4;
  const notes: string[] = [];
  const { era, from } = eraOf(r, table, notes);
  const totalpages = totalpagesOf(r, notes);
  if (era.form === "total-vm")
    notes.push(
      "the 2.6.x badness also weighs cpu time, run time, nice, children and CAP_SYS_RAWIO, which the task " +
        "dump does not print: points here are total_vm, /4 for uid 0, shifted by oom_adj",
    );
  if (era.form === "proportional" && !table.columns.includes("nr_ptes"))
    notes.push("this era's table prints no nr_ptes: points leave page tables out (a point or so low)");
  if (era.rootDiscount || era.form === "proportional") notes.push("CAP_SYS_ADMIN is not printed: uid 0 stands for it");
  // score every task in table order, then order as select_bad_process would pick
  const scored: (RankedTask & { index: number; tgid: number })[] = [];
  let exempt = 0;
  table.tasks.forEach((t, index) => {
    const points = oomBadnessOf(era, badnessTask(t, ps), totalpages ?? 0);
    if (points === null) exempt++;
    else scored.push({ pid: t.pid, name: t.name, points, index, tgid: t.tgid });
  });
  // equal points: 2.6.x .. 4.6 keep the first met, 4.7+ the last
  scored.sort((a, b) => b.points - a.points || (era.ties === "first" ? a.index - b.index : b.index - a.index));
  const chosenPid = v.selectedPid ?? v.pid;
  const inTable = (pid: number) => scored.findIndex((s) => s.pid === pid);
  let at = inTable(chosenPid);
  let rankedPid = chosenPid;
  if (at < 0 && chosenPid !== v.pid && inTable(v.pid) >= 0) {
    // the selection line names a task the table does not list: a thread (dump_tasks lists processes)
    notes.push(
      `the selection line names pid ${chosenPid}, which the table does not list (a thread: the table ` +
        `lists processes); the kill line's pid ${v.pid} is ranked`,
    );
    at = inTable(v.pid);
    rankedPid = v.pid;
  } else if (chosenPid !== v.pid)
    notes.push(`the kernel chose pid ${chosenPid} and killed pid ${v.pid} (its child, sacrificed in its place)`);
  const chosen = at >= 0 ? scored[at] : null;
  let computedScore: number | null = null;
  const printedScore = v.score;
  if (chosen && printedScore !== null && totalpages) {
    computedScore = era.printedScore === "per-mille" ? Math.floor((chosen.points * 1000) / totalpages) : chosen.points;
  }
  const ranking: VictimRanking = {
    rank: chosen ? at + 1 : null,
    points: chosen?.points ?? null,
    top: scored.slice(0, RANKING_TOP).map(({ pid, name, points }) => ({ pid, name, points })),
    chosenPid,
    killedPid: v.pid,
    era: era.label,
    eraFrom: from,
    totalpages,
    printedScore,
    computedScore,
    exempt,
    reason: null,
    notes,
  };
  ranking.reason = chosen && at === 0 ? null : whyNotTop(r, ranking, scored, rankedPid, era, earlierVictims);
  return ranking;
}

/** The likely reason the kernel's choice is not the top task. */
function whyNotTop(
  r: ParsedReport,
  k: VictimRanking,
  scored: (RankedTask & { tgid: number })[],
  pid: number,
  era: OomBadnessEra,
  earlier: ReadonlySet<number>,
): string {
  const exempted = r.taskTable?.tasks.some((t) => t.pid === pid) ?? false;
  if (k.rank === null)
    return exempted
      ? `pid ${pid} is in the table but exempt by its oom_score_adj/oom_adj: the kernel killed it anyway ` +
          "(oom_task_origin, or the adjustment changed after the table was printed)"
      : `pid ${pid} is not in the task table: the table is incomplete (rows lost in the paste, or printed ` +
          "for another scope), or the victim is a thread of a listed process";
  const above = scored.slice(0, (k.rank ?? 1) - 1);
  const gone = above.filter((s) => earlier.has(s.pid));
  if (gone.length)
    return (
      `${gone.map((s) => `${printable(s.name)} (${s.pid})`).join(", ")} ranked higher but had been killed by an ` +
      "earlier OOM in this log: a task already exiting (MMF_OOM_SKIP once reaped) is passed over"
    );
  const top = above[0];
  const sameProcess = above.find((s) => s.tgid === r.taskTable?.tasks.find((t) => t.pid === pid)?.tgid);
  if (sameProcess) return `pid ${sameProcess.pid} ranked higher and is a thread of the same process`;
  if (r.constraint?.constraint === "CONSTRAINT_CPUSET" || r.constraint?.constraint === "CONSTRAINT_MEMORY_POLICY")
    return (
      `${r.constraint.constraint}: tasks outside the allowed nodes are passed over; ` +
      `${printable(top.name)} (${top.pid}) may be one`
    );
  if (era.form === "total-vm")
    return (
      `${printable(top.name)} (${top.pid}) has more total_vm, but the 2.6.x badness divides by cpu and run time ` +
      "and adds children, which the table does not print"
    );
  const gap = top.points - (k.points ?? 0);
  if (k.points !== null && gap * 100 <= Math.max(1, top.points) * 2)
    return (
      `${printable(top.name)} (${top.pid}) scores ${gap} points more (within 2%): the counters moved between ` +
      "the table's print and the selection, or a capability the table does not print decided it"
    );
  return `${printable(top.name)} (${top.pid}) scores higher by ${gap} points; nothing printed explains the choice`;
}
