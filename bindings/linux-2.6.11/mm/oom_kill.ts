// The 2.6.11 OOM killer (mm/oom_kill.c 2.6.11; 2.6.12-rc2 commit 1da177e4c3f4 differs only in the
// out_of_memory prototype): badness(), select_bad_process(), oom_kill_process()/oom_kill_task(),
// and out_of_memory() with its printk lines.
//
// Model notes:
// - The task list (do_each_thread order) is the `tasks` array order; p->children (list_add_tail at
//   fork, so oldest first) is the tasks with ppid === p.pid in array order, indexed once per
//   out_of_memory call (childrenIndex) so that a call costs O(tasks), not O(tasks^2). A thread created by a
//   child sits on the parent's children list (CLONE_THREAD copies current->real_parent,
//   kernel/fork.c copy_process at 2.6.12-rc2 1da177e4c3f4),
//   so the caller gives such a thread ppid = the grandparent's pid.
// - Task has no tgid: every Task is its own thread group (LinuxThreads-style CLONE_VM clones), so
//   oom_kill_task's "same mm, other thread group" loop kills every other task with the same mm.
// - mm->total_vm is read from each task's own totalVm: tasks sharing an mm must agree on it.
// - A task with `killed` set has exited: it is skipped everywhere (an exited task is off the task
//   list and its mm is gone). The simulation frees a victim's memory at kill time (the caller's
//   freeTaskMemory); in the kernel SIGKILL makes the victim exit, and free, a little later.
// - Arithmetic is C unsigned long without wrap-around: on 32-bit ARM `points <<= oomkilladj` could
//   wrap modulo 2^32; the values here are exact.

import { OomlabError } from "../../errors.js";
import { heuristicAdjust26 } from "../../kernel/oom_badness.js";
import { intSqrt } from "../../mm/mm_init.js";
import type { KernelLog } from "../../sim/log.js";
import type { Task } from "../../sim/tasks.js";
import type { OomCandidateScore } from "../../sim/events.js";

/** panic() (kernel/panic.c 2.6.11) prints "Kernel panic - not syncing: %s\n" with the message
 *  "Out of memory and no killable processes...\n" (mm/oom_kill.c 2.6.11): hence the blank line. */
export const OOM_PANIC_TEXT_2611 = "Kernel panic - not syncing: Out of memory and no killable processes...\n\n";

/** TASK_COMM_LEN 16 (include/linux/sched.h 2.6.11): comm holds at most 15 characters. */
const commOf = (t: Task): string => t.comm.slice(0, 15);

/** SHIFT_HZ (include/linux/jiffies.h 2.6.11): HZ rounded to a power of two by this exact table. */
export function shiftHz2611(hz: number): number {
  const table: [number, number, number][] = [
    [12, 24, 4],
    [24, 48, 5],
    [48, 96, 6],
    [96, 192, 7],
    [192, 384, 8],
    [384, 768, 9],
    [768, 1536, 10],
  ];
  const row = table.find(([lo, hi]) => hz >= lo && hz < hi);
  // Any other HZ hits "#error You lose." in 2.6.11 (later kernels extend the table up to 12288).
  if (!row)
    throw new OomlabError("OOMLAB_BAD_ARGUMENT", `HZ ${hz} is outside 12..1535 (2.6.11 jiffies.h: "You lose.")`);
  return row[2];
}

/** C `x >> n` on unsigned long without JS's 32-bit truncation. */
const shr = (x: number, n: number): number => Math.floor(x / 2 ** n);

/** Every task's live children (p->children, mm/oom_kill.c 2.6.11 list_for_each) by parent pid,
 *  each list in task-list order (oldest first). */
export type ChildrenIndex = ReadonlyMap<number, readonly Task[]>;

/** The live children of every task, in one pass over the task list. */
export function childrenIndex(tasks: readonly Task[]): ChildrenIndex {
  const index = new Map<number, Task[]>();
  for (const c of tasks) {
    if (c.killed) continue;
    const siblings = index.get(c.ppid);
    if (siblings) siblings.push(c);
    else index.set(c.ppid, [c]);
  }
  return index;
}

const NO_CHILDREN: readonly Task[] = [];

/** The task's live children (p->children, mm/oom_kill.c 2.6.11 list_for_each). */
function childrenOf(p: Task, children: ChildrenIndex): readonly Task[] {
  return children.get(p.pid) ?? NO_CHILDREN;
}

/** badness(p, uptime), mm/oom_kill.c 2.6.11, exactly. children: childrenIndex(tasks), when the
 *  caller scores many tasks (else it is built from tasks). */
export function badness2611(
  p: Task,
  tasks: readonly Task[],
  uptimeSec: number,
  hz: number,
  children?: ChildrenIndex,
): number {
  if (p.mm === null) return 0; // kernel threads
  let points = p.totalVm; // mm->total_vm: virtual size, not RSS
  // Each child with its own mm adds its FULL total_vm (total_vm/2 + 1 from mm/oom_kill.c badness, 2.6.16);
  // threads of a child are on this list too (see the model notes), so a child mm counts once per thread.
  const kids = children ? childrenOf(p, children) : tasks.filter((c) => c.ppid === p.pid && !c.killed);
  for (const c of kids) if (c.mm !== null && c.mm !== p.mm) points += c.totalVm;
  // utime + stime in jiffies >> (SHIFT_HZ + 3): "tens of seconds".
  const cpuTime = shr(Math.floor(p.cpuJiffies), shiftHz2611(hz) + 3);
  // (uptime - start_time.tv_sec) >> 10: "thousands of seconds"; both are whole seconds (tv_sec).
  const uptime = Math.floor(uptimeSec);
  const start = Math.floor(p.startTimeSec);
  const runTime = uptime >= start ? shr(uptime - start, 10) : 0;
  let s = intSqrt(cpuTime);
  if (s) points = Math.floor(points / s);
  s = intSqrt(intSqrt(runTime));
  if (s) points = Math.floor(points / s);
  // nice, superuser, CAP_SYS_RAWIO and the oomkilladj shift (2.6.11 has no OOM_DISABLE; -17 is just a
  // shift by 17): the end every 2.6.x badness() shares, kernel/oom_badness.ts
  return heuristicAdjust26(points, {
    niced: p.nice > 0,
    superuser: p.capSysAdmin || p.uid === 0 || p.euid === 0,
    rawio: p.capSysRawio,
    oomAdj: p.oomkilladj,
  });
}

/** A task select_bad_process scored, as the oom-select, oom-skip and oom-panic events record it. */
export type OomCandidate = OomCandidateScore;

interface Scan {
  chosen: Task | "dying" | null;
  candidates: OomCandidate[];
  /** The task that made select_bad_process return early (dying or PF_SWAPOFF). */
  trigger?: Task;
}

/** select_bad_process(), mm/oom_kill.c 2.6.11, keeping every scored candidate. */
function scanTasks(tasks: readonly Task[], uptimeSec: number, hz: number, children: ChildrenIndex): Scan {
  const candidates: OomCandidate[] = [];
  let chosen: Task | null = null;
  let maxPoints = 0;
  for (const p of tasks) {
    // pid > 1 only; 2.6.11 does NOT skip oomkilladj == OOM_DISABLE (-17): that test is 2.6.12.
    if (p.killed || p.pid <= 1) continue;
    // A task already releasing memory: kill nobody (ERR_PTR(-1UL)).
    if ((p.memdie || p.exiting) && !p.dead) return { chosen: "dying", candidates, trigger: p };
    if (p.swapoff) return { chosen: p, candidates, trigger: p }; // swapoff(2) caller goes first
    const points = badness2611(p, tasks, uptimeSec, hz, children);
    candidates.push({ pid: p.pid, comm: p.comm, points });
    // Strictly greater, so the first task met wins a tie; `!chosen` takes even 0 points.
    if (points > maxPoints || !chosen) {
      chosen = p;
      maxPoints = points;
    }
  }
  return { chosen, candidates };
}

/** select_bad_process(): the victim, "dying" (ERR_PTR(-1): a task is already exiting), or null. */
export function selectBadProcess2611(tasks: readonly Task[], uptimeSec: number, hz: number): Task | "dying" | null {
  return scanTasks(tasks, uptimeSec, hz, childrenIndex(tasks)).chosen;
}

interface KillOutcome {
  /** oom_kill_task's mm: null when it killed nothing because the task had no mm. */
  mm: number | null;
  killed: Task[];
  lines: string[];
}

/** __oom_kill_task(p), mm/oom_kill.c 2.6.11: refuses init and mm-less tasks (WARN_ON + printk). */
function killOne(p: Task, out: KillOutcome): void {
  if (p.pid === 1) {
    out.lines.push("tried to kill init!\n");
    return;
  }
  if (p.mm === null) {
    out.lines.push("tried to kill an mm-less task!\n");
    return;
  }
  out.lines.push(`Out of Memory: Killed process ${p.pid} (${commOf(p)}).\n`);
  p.memdie = true; // TIF_MEMDIE: the victim may allocate below every watermark to exit
  p.killed = true; // force_sig(SIGKILL); the simulation treats it as exited from here on
  out.killed.push(p);
}

/** oom_kill_task(p), mm/oom_kill.c 2.6.11: kill p, then every other task using its mm. */
function killTask(p: Task, tasks: readonly Task[], out: KillOutcome): number | null {
  const mm = p.killed ? null : p.mm; // get_task_mm() is NULL for kernel threads and exited tasks
  if (mm === null) return null;
  killOne(p, out);
  // "kill all processes that share the ->mm ... but are in a different thread group"; note that
  // init is only warned about, and the mm is returned even when p itself was init.
  for (const q of tasks) if (!q.killed && q.mm === mm && q.pid !== p.pid) killOne(q, out);
  return mm;
}

/** oom_kill_process(p): the first child with its own mm that oom_kill_task accepts, else p.
 *  children: p's children as they were before any kill of this call. */
function killProcess(p: Task, tasks: readonly Task[], children: ChildrenIndex): KillOutcome {
  const out: KillOutcome = { mm: null, killed: [], lines: [] };
  for (const c of childrenOf(p, children)) {
    if (c.mm === p.mm) continue; // a CLONE_VM child: killing it frees nothing of its own
    out.mm = killTask(c, tasks, out);
    if (out.mm !== null) return out; // the FIRST such child, not the highest-scoring one
  }
  out.mm = killTask(p, tasks, out);
  return out;
}

/** oom_kill_process(p): the tasks killed, in order (their "Out of Memory: Killed process" lines go
 *  to log when given). Sets memdie and killed on each victim; frees nothing. */
export function oomKillProcess2611(p: Task, tasks: readonly Task[], log?: KernelLog): Task[] {
  const out = killProcess(p, tasks, childrenIndex(tasks));
  if (log) for (const l of out.lines) log.printk(l);
  return out.killed;
}

export interface OomContext2611 {
  tasks: readonly Task[];
  uptimeSec: number;
  hz: number;
  gfp: number;
  log: KernelLog;
  /** show_free_areas() text (mm/page_alloc.c 2.6.11), printed as given. */
  showFreeAreas(): string;
  /** Free a victim's pages (what its exit after SIGKILL would free); returns the pages freed. */
  freeTaskMemory(task: Task): number;
}

export interface OomResult2611 {
  killed: Task[];
  /** panic("Out of memory and no killable processes..."): the simulated machine is dead. */
  panic: boolean;
  candidates: OomCandidate[];
  /** A task was already dying: nobody was killed (select_bad_process returned ERR_PTR(-1)). */
  dying?: boolean;
  /** The chosen task has no mm: the kernel's `goto retry` would pick it again forever. */
  livelock?: boolean;
}

const printText = (log: KernelLog, text: string): void => {
  if (text) log.printk(text);
};

/** out_of_memory(gfp_mask), mm/oom_kill.c 2.6.11. */
export function outOfMemory2611(ctx: OomContext2611): OomResult2611 {
  const { tasks, uptimeSec, hz, gfp, log } = ctx;
  const children = childrenIndex(tasks);
  const scan = scanTasks(tasks, uptimeSec, hz, children);
  const { chosen, candidates } = scan;
  if (chosen === "dying") {
    log.event("oom-skip", { pid: scan.trigger?.pid, comm: scan.trigger?.comm, candidates });
    return { killed: [], panic: false, candidates, dying: true };
  }
  if (chosen === null) {
    printText(log, ctx.showFreeAreas());
    log.printk(OOM_PANIC_TEXT_2611);
    log.event("oom-panic", { candidates });
    return { killed: [], panic: true, candidates };
  }
  log.event("oom-select", { candidates, pid: chosen.pid, comm: chosen.comm, swapoff: chosen === scan.trigger });
  // 2.6.11 prints no order (", order=%d" is 2.6.13) and calls show_free_areas, not show_mem.
  log.printk(`oom-killer: gfp_mask=0x${(gfp >>> 0).toString(16)}\n`);
  printText(log, ctx.showFreeAreas());
  const out = killProcess(chosen, tasks, children);
  for (const l of out.lines) log.printk(l);
  if (out.mm === null) {
    // oom_kill_process killed nothing (an mm-less task was chosen) and changed nothing, so the
    // kernel's `goto retry` would pick it again and print these lines for ever: stop here.
    log.event("oom-livelock", { pid: chosen.pid, comm: chosen.comm });
    return { killed: [], panic: false, candidates, livelock: true };
  }
  for (const v of out.killed) log.event("oom-kill", { pid: v.pid, comm: v.comm, freedPages: ctx.freeTaskMemory(v) });
  return { killed: out.killed, panic: false, candidates };
}
