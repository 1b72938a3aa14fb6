// The OOM killer of Linux 6.18 (mm/oom_kill.c 6.18): oom_badness, constrained_alloc,
// oom_evaluate_task/select_bad_process, dump_header/dump_tasks/dump_oom_victim, oom_kill_process and
// __oom_kill_process, task_will_free_mem, mark_oom_victim, queue_oom_reaper and the oom reaper, and
// out_of_memory with its own early exits. Global OOMs only: the memcg OOM (mem_cgroup_out_of_memory,
// CONSTRAINT_MEMCG, oom_group) is not modelled.
//
// Pure and era-specific: it reads plain state objects (OomTask618, OomMm618, OomSystem618) the 6.18
// kernel model fills, and returns what the kernel decides and prints (OomOutcome618: the printk lines
// without prefix, the candidates with their points, the victim, the reaper request). It changes only
// the flags the kernel changes on the objects it is given, listed at each function: SIGKILL
// (groupExit), mark_oom_victim (memdie, oomMm), MMF_OOM_SKIP / MMF_OOM_REAP_QUEUED / MMF_UNSTABLE on
// the mm, and the reaper's rss counters. It frees nothing itself: the kernel frees a victim's memory
// when it exits (exit_mmap, which also sets mm.oomSkip) or when oomReapTask618 says the reaper did.
//
// Model notes:
// - An OomTask618 is a process (thread group): for_each_process visits group leaders, and the
//   threads only matter through `threads` (thread_group_empty, mm_users) and find_lock_task_mm (a
//   process with mm === null has no thread with an mm).
// - LONG_MIN is `null` (oom_badness's "never"), LONG_MAX (oom_task_origin) is OOM_POINTS_MAX.

import { OomlabError } from "../../errors.js";
import { pageCountBadness } from "../../kernel/oom_badness.js";
import { decodeGfp, gfpBitsFor, gfpZone } from "../../include/linux/gfp.js";
import { ___ratelimit, oomRatelimitState, type RatelimitState } from "../lib/ratelimit.js";
import {
  DEFAULT_DUMP_STACK_KERNEL,
  OOM_STACK_PAGE_FAULT,
  dumpStack,
  type DumpStackInfo,
  type StackFrame,
} from "../lib/dump_stack.js";
import { SHOW_MEM_FILTER_NODES, showMem618, showMemState618, type ShowMemState618 } from "./show_mem.js";
import type { KernelView, OomHook } from "./hooks.js";

/** OOM_SCORE_ADJ_MIN and OOM_SCORE_ADJ_MAX (include/uapi/linux/oom.h 6.18). */
export const OOM_SCORE_ADJ_MIN = -1000;
export const OOM_SCORE_ADJ_MAX = 1000;
/** LONG_MAX as oom_evaluate_task gives it to an oom_task_origin task (exact value not representable). */
export const OOM_POINTS_MAX = Number.MAX_SAFE_INTEGER;
/** OOM_REAPER_DELAY (2*HZ, mm/oom_kill.c 6.18) in seconds: the victim's grace time before reaping. */
export const OOM_REAPER_DELAY_SECONDS = 2;
/** MAX_OOM_REAP_RETRIES (mm/oom_kill.c 6.18): mmap_read_trylock attempts, HZ/10 apart. */
export const MAX_OOM_REAP_RETRIES = 10;

const GFP = gfpBitsFor("6.18");

/** enum oom_constraint and oom_constraint_text (mm/oom_kill.c 6.18). */
export type OomConstraint = "CONSTRAINT_NONE" | "CONSTRAINT_CPUSET" | "CONSTRAINT_MEMORY_POLICY" | "CONSTRAINT_MEMCG";

/** An mm_struct as the OOM killer reads it. Counters in pages except pgtablesBytes. Processes that
 *  share an mm (CLONE_VM without CLONE_THREAD, e.g. vfork) hold the same object. */
export interface OomMm618 {
  /** mm->total_vm. */
  totalVm: number;
  /** get_mm_counter(mm, MM_ANONPAGES / MM_FILEPAGES / MM_SHMEMPAGES / MM_SWAPENTS). */
  anonPages: number;
  filePages: number;
  shmemPages: number;
  swapEnts: number;
  /** mm_pgtables_bytes(mm). */
  pgtablesBytes: number;
  /** File and shmem pages mapped in VM_SHARED vmas, which the reaper leaves mapped (it unmaps
   *  anonymous and private vmas only). Defaults: no shared file mapping, every shmem page shared. */
  sharedFilePages?: number;
  sharedShmemPages?: number;
  /** MMF_OOM_SKIP: reaped, or exit_mmap got past the point the reaper could help; the OOM killer
   *  ignores the mm from then on. The kernel model sets it when a victim's exit_mmap runs. */
  oomSkip?: boolean;
  /** MMF_OOM_REAP_QUEUED (set by queue_oom_reaper) and MMF_UNSTABLE (set by the reaper). */
  reapQueued?: boolean;
  unstable?: boolean;
}

/** A process as the 6.18 OOM killer sees it (task_struct, signal_struct). */
export interface OomTask618 {
  /** task_pid_nr() (the leader's pid: pid == tgid). */
  pid: number;
  /** task->comm (TASK_COMM_LEN 16: at most 15 characters are printed). */
  comm: string;
  /** from_kuid(&init_user_ns, task_uid(p)). */
  uid: number;
  /** p->mm (find_lock_task_mm): null for a kernel thread or a process past exit_mm. */
  mm: OomMm618 | null;
  /** PF_KTHREAD. */
  kthread?: boolean;
  /** signal->oom_score_adj, -1000 .. 1000. */
  oomScoreAdj: number;
  /** Threads in the group (default 1): thread_group_empty() when 1; each thread is an mm user. */
  threads?: number;
  /** PF_EXITING. */
  exiting?: boolean;
  /** SIGNAL_GROUP_EXIT: a fatal signal (SIGKILL) was delivered to the group. */
  groupExit?: boolean;
  /** signal->core_state: dumping core (may sleep long; not counted as freeing memory). */
  coreDumping?: boolean;
  /** in_vfork(). */
  inVfork?: boolean;
  /** oom_task_origin() (signal->oom_flag_origin: swapoff, KSM unmerge). */
  oomOrigin?: boolean;
  /** signal->oom_mm: set by mark_oom_victim; tsk_is_oom_victim() is oomMm != null. */
  oomMm?: OomMm618 | null;
  /** TIF_MEMDIE. */
  memdie?: boolean;
  /** current->mems_allowed (cpuset); default: every memory node. */
  memsAllowed?: readonly number[];
  /** Nodes of an MPOL_BIND mempolicy; null or absent for any other policy. */
  mempolicyBind?: readonly number[] | null;
  /** The task's memory cgroup path (task_memcg=), default "/". */
  memcg?: string;
}

/** struct oom_control of a global OOM (memcg NULL). */
export interface OomControl618 {
  gfpMask: number;
  /** -1: the OOM killer was invoked by SysRq-f (is_sysrq_oom). */
  order: number;
  /** The allocation's nodemask (null: none); out_of_memory clears it unless CONSTRAINT_MEMORY_POLICY. */
  nodemask: readonly number[] | null;
  /** oc->zonelist is set (false for SysRq-f). Default true. */
  zonelist?: boolean;
}

/** The kernel state out_of_memory reads, and the text dump_header prints. */
export interface OomSystem618 {
  /** for_each_process order (init first, then fork order). */
  tasks: readonly OomTask618[];
  /** The allocating task (usually one of tasks). */
  current: OomTask618;
  /** totalram_pages() and total_swap_pages. */
  totalramPages: number;
  totalSwapPages: number;
  pageSizeKb: number;
  /** CONFIG_NUMA (constrained_alloc, oom_cpuset_eligible). Default true. */
  numa?: boolean;
  /** node_states[N_MEMORY] and node_present_pages(nid) by nid (for CPUSET/MEMORY_POLICY totals). */
  memoryNodes: readonly number[];
  nodePresentPages: readonly number[];
  /** !cpuset_zone_allowed() for some zone of the zonelist: a CONSTRAINT_CPUSET OOM. */
  cpusetLimited?: boolean;
  /** The name of current's cpuset cgroup ("/" for the root); printed as cpuset=. */
  cpusetName?: string;
  /** CONFIG_CPUSETS and CONFIG_MEMCG: the ",cpuset=...,mems_allowed=..." and ",global_oom,task_memcg=..."
   *  parts of the oom-kill line. Default true. */
  cpusets?: boolean;
  memcg?: boolean;
  /** CONFIG_COMPACTION (else dump_header says "COMPACTION is disabled!!!" for order > 0). Default true. */
  compaction?: boolean;
  /** vm.panic_on_oom (0, 1, 2), vm.oom_kill_allocating_task, vm.oom_dump_tasks (default 1). */
  sysctl?: { panicOnOom?: number; oomKillAllocatingTask?: boolean; oomDumpTasks?: boolean };
  /** oom_killer_disabled (set by oom_killer_disable while suspending). */
  oomKillerDisabled?: boolean;
  /** Pages the oom_notify_list callbacks freed (virtio_balloon deflating); 0 by default. */
  notifierFreed?: number;
  /** jiffies now, and HZ. */
  jiffies: number;
  hz: number;
  /** oom_kill_process's static oom_rs (oomRatelimitState(hz)), kept by the kernel model. */
  oomRs: RatelimitState;
  /** dump_stack()'s text: who runs (current) and the frames printed. */
  dumpStack: { info: DumpStackInfo; frames: readonly StackFrame[] };
  /** The memory state __show_mem prints. */
  showMem: ShowMemState618;
  /** Slab caches without SLAB_RECLAIM_ACCOUNT (dump_unreclaimable_slab, mm/slab_common.c 6.18), printed
   *  when unreclaimable slab exceeds the LRU pages; [] prints only the two header lines. */
  unreclaimableSlab?: readonly { name: string; activeKb: number; totalKb: number }[];
}

/** A task select_bad_process scored: points null when oom_badness said LONG_MIN. */
export interface OomCandidate618 {
  pid: number;
  comm: string;
  points: number | null;
}

/** queue_oom_reaper: the reaper's timer fires at dueJiffies (jiffies + OOM_REAPER_DELAY). */
export interface OomReaperRequest618 {
  pid: number;
  comm: string;
  dueJiffies: number;
}

/** How out_of_memory ended. */
export type OomExit618 =
  | "oom-killer-disabled" // oom_killer_disabled: return false
  | "notifier-freed" // the oom notifiers freed memory: return true
  | "current-will-free-mem" // current is exiting: marked a victim, no kill: return true
  | "no-fs" // !__GFP_FS: "The OOM killer does not compensate for IO-less reclaim": return true
  | "panic-on-oom" // vm.panic_on_oom
  | "killed" // a victim got SIGKILL
  | "victim-will-free-mem" // the chosen task is already exiting: marked, not killed, nothing printed
  | "victim-already-exiting" // __oom_kill_process found no mm: "is already exiting. Skip killing"
  | "abort-existing-victim" // an earlier victim has not been reaped yet: nobody is killed
  | "no-killable-panic" // "Out of memory and no killable processes..." then panic
  | "no-killable"; // the same for SysRq-f: no panic, return false

export interface OomOutcome618 {
  /** out_of_memory()'s return value (progress for __alloc_pages_may_oom). */
  ret: boolean;
  exit: OomExit618;
  /** Printk lines in order, without prefix. */
  lines: string[];
  constraint: OomConstraint | null;
  /** oc->totalpages used for oom_score_adj scaling (null when never computed). */
  totalpages: number | null;
  /** Every task oom_evaluate_task scored, in list order. */
  candidates: OomCandidate618[];
  chosen: { pid: number; comm: string; points: number } | null;
  /** Processes sent SIGKILL, the victim first. */
  killed: { pid: number; comm: string }[];
  /** The task mark_oom_victim marked (TIF_MEMDIE and access to reserves), if any. */
  markedVictim: number | null;
  reaper: OomReaperRequest618 | null;
  /** count_vm_event(OOM_KILL) of this call (0 or 1): /proc/vmstat oom_kill. */
  oomKill: number;
  /** panic()'s message (the machine stops), or null. */
  panic: string | null;
}

const commOf = (t: OomTask618): string => t.comm.slice(0, 15);
const isGlobalInit = (t: OomTask618): boolean => t.pid === 1;

/** oom_unkillable_task (mm/oom_kill.c 6.18): init and kernel threads. */
export function oomUnkillableTask(p: OomTask618): boolean {
  return isGlobalInit(p) || p.kthread === true;
}

/** get_mm_rss(mm): MM_FILEPAGES + MM_ANONPAGES + MM_SHMEMPAGES (include/linux/mm.h 6.18). */
export const getMmRss = (mm: OomMm618): number => mm.anonPages + mm.filePages + mm.shmemPages;

function checkAdj(p: OomTask618): void {
  const a = p.oomScoreAdj;
  if (!Number.isInteger(a) || a < OOM_SCORE_ADJ_MIN || a > OOM_SCORE_ADJ_MAX)
    throw new OomlabError("OOMLAB_BAD_ARGUMENT", `task ${p.pid} (${p.comm}): oom_score_adj ${a} is not -1000 .. 1000`);
}

/** oom_badness(p, totalpages) (mm/oom_kill.c 6.18): rss + swap entries + page-table pages, plus
 *  oom_score_adj * (totalpages / 1000); null (LONG_MIN) for init, kernel threads, tasks without an
 *  mm, oom_score_adj -1000, an mm with MMF_OOM_SKIP (already reaped) and a task in vfork. */
export function oomBadness(p: OomTask618, totalpages: number, pageSizeKb = 4): number | null {
  checkAdj(p);
  if (oomUnkillableTask(p)) return null;
  const mm = p.mm; // find_lock_task_mm
  if (!mm) return null;
  if (p.oomScoreAdj === OOM_SCORE_ADJ_MIN || mm.oomSkip || p.inVfork) return null;
  // "The baseline for the badness score is the proportion of RAM that each task's rss, pagetable
  // and swap space use": mm_pgtables_bytes(mm) / PAGE_SIZE rounds down.
  const points = getMmRss(mm) + mm.swapEnts + Math.floor(mm.pgtablesBytes / (pageSizeKb * 1024));
  // "Normalize to oom_score_adj units": adj *= totalpages / 1000 (unsigned long division first).
  return pageCountBadness(points, p.oomScoreAdj, totalpages);
}

const intersects = (a: readonly number[], b: readonly number[]): boolean => a.some((n) => b.includes(n));

/** oom_cpuset_eligible (mm/oom_kill.c 6.18, CONFIG_NUMA): with a mempolicy nodemask, the task's
 *  MPOL_BIND nodes must meet it (mempolicy_in_oom_domain); otherwise its cpuset mems must meet
 *  current's (cpuset_mems_allowed_intersects). */
function oomCpusetEligible(t: OomTask618, sys: OomSystem618, nodemask: readonly number[] | null): boolean {
  if (sys.numa === false) return true;
  if (nodemask) return t.mempolicyBind ? intersects(t.mempolicyBind, nodemask) : true;
  const all = sys.memoryNodes;
  return intersects(t.memsAllowed ?? all, sys.current.memsAllowed ?? all);
}

/** constrained_alloc (mm/oom_kill.c 6.18) for a global OOM: the constraint and oc->totalpages. */
export function constrainedAlloc(
  sys: OomSystem618,
  oc: OomControl618,
): { constraint: OomConstraint; totalpages: number } {
  let totalpages = sys.totalramPages + sys.totalSwapPages; // "Default to all available memory"
  const none = { constraint: "CONSTRAINT_NONE" as const, totalpages };
  if (sys.numa === false || oc.zonelist === false) return none;
  if (oc.gfpMask & GFP.__GFP_THISNODE) return none;
  const present = (nodes: readonly number[]): number =>
    nodes.reduce((s, nid) => s + (sys.nodePresentPages[nid] ?? 0), sys.totalSwapPages);
  // "a truncated nodemask in the page allocator means a mempolicy is in effect"
  if (oc.nodemask && !sys.memoryNodes.every((n) => oc.nodemask?.includes(n))) {
    totalpages = present(oc.nodemask);
    return { constraint: "CONSTRAINT_MEMORY_POLICY", totalpages };
  }
  if (sys.cpusetLimited) {
    totalpages = present(sys.current.memsAllowed ?? sys.memoryNodes);
    return { constraint: "CONSTRAINT_CPUSET", totalpages };
  }
  return none;
}

export interface Selection618 {
  /** The chosen task, "abort" (oc->chosen = -1: an earlier victim still holds its mm), or null. */
  chosen: OomTask618 | "abort" | null;
  chosenPoints: number | null;
  candidates: OomCandidate618[];
}

/** select_bad_process / oom_evaluate_task (mm/oom_kill.c 6.18). chosen_points starts at LONG_MIN and
 *  a task is taken unless `points < oc->chosen_points`: on equal points the LATER task in the list
 *  wins. A task that is already a victim aborts the scan unless its mm has MMF_OOM_SKIP (SysRq-f
 *  skips this test). nodemask: oc->nodemask after out_of_memory (null unless a mempolicy OOM). */
export function selectBadProcess(
  sys: OomSystem618,
  oc: OomControl618,
  totalpages: number,
  nodemask: readonly number[] | null = null,
): Selection618 {
  let chosen: OomTask618 | null = null;
  let chosenPoints: number | null = null; // LONG_MIN
  const candidates: OomCandidate618[] = [];
  for (const task of sys.tasks) {
    if (oomUnkillableTask(task)) continue;
    if (!oomCpusetEligible(task, sys, nodemask)) continue; // "p may not have freeable memory in nodemask"
    if (oc.order !== -1 && task.oomMm) {
      if (task.oomMm.oomSkip) continue;
      return { chosen: "abort", chosenPoints: null, candidates };
    }
    // oom_task_origin: LONG_MAX, selected without oom_badness or the comparison
    const points = task.oomOrigin ? OOM_POINTS_MAX : oomBadness(task, totalpages, sys.pageSizeKb);
    candidates.push({ pid: task.pid, comm: task.comm, points });
    if (!task.oomOrigin && (points === null || (chosenPoints !== null && points < chosenPoints))) continue;
    chosen = task;
    chosenPoints = points;
  }
  return { chosen, chosenPoints, candidates };
}

/** "%*pbl" of a node mask: "0", "0-3", "0,2-3"; (null) for a NULL mask (lib/vsprintf.c bitmap_list_string). */
export function bitmapList(nodes: readonly number[] | null): string {
  if (nodes === null) return "(null)";
  const s = [...new Set(nodes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j] + 1) j++;
    parts.push(i === j ? `${s[i]}` : `${s[i]}-${s[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

const pad = (v: number | string, w: number): string => String(v).padStart(w);

/** The "Tasks state" header lines of dump_tasks (mm/oom_kill.c 6.18). */
export const DUMP_TASKS_HEADER = [
  "Tasks state (memory values in pages):",
  "[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name",
] as const;

/** dump_task's row: "[%7d] %5d %5d %8lu %8lu %8lu %8lu %9lu %8ld %8lu         %5hd %s". */
export function dumpTaskLine(t: OomTask618, mm: OomMm618): string {
  return (
    `[${pad(t.pid, 7)}] ${pad(t.uid, 5)} ${pad(t.pid, 5)} ${pad(mm.totalVm, 8)} ${pad(getMmRss(mm), 8)} ` +
    `${pad(mm.anonPages, 8)} ${pad(mm.filePages, 8)} ${pad(mm.shmemPages, 9)} ${pad(mm.pgtablesBytes, 8)} ` +
    `${pad(mm.swapEnts, 8)}         ${pad(t.oomScoreAdj, 5)} ${commOf(t)}`
  );
}

/** dump_tasks (mm/oom_kill.c 6.18): every eligible process with an mm. */
export function dumpTasks(sys: OomSystem618, nodemask: readonly number[] | null): string[] {
  const lines: string[] = [...DUMP_TASKS_HEADER];
  for (const p of sys.tasks) {
    if (oomUnkillableTask(p) || !oomCpusetEligible(p, sys, nodemask) || !p.mm) continue;
    lines.push(dumpTaskLine(p, p.mm));
  }
  return lines;
}

/** The first line of dump_header: "%s invoked oom-killer: gfp_mask=%#x(%pGg), order=%d, oom_score_adj=%hd"
 *  (%#x prints 0 as "0"). */
export function oomHeaderLine(comm: string, gfpMask: number, order: number, oomScoreAdj: number): string {
  const mask = gfpMask === 0 ? "0" : `0x${(gfpMask >>> 0).toString(16)}`;
  return (
    `${comm.slice(0, 15)} invoked oom-killer: gfp_mask=${mask}(${decodeGfp(gfpMask, "6.18").text}), ` +
    `order=${order}, oom_score_adj=${oomScoreAdj}`
  );
}

/** should_dump_unreclaim_slab (mm/oom_kill.c 6.18): unreclaimable slab above every LRU page. */
function shouldDumpUnreclaimSlab(s: ShowMemState618): boolean {
  const g = (f: (n: ShowMemState618["nodes"][number]) => number): number => s.nodes.reduce((a, n) => a + f(n), 0);
  const lru = g(
    (n) =>
      n.activeAnon + n.inactiveAnon + n.activeFile + n.inactiveFile + n.isolatedAnon + n.isolatedFile + n.unevictable,
  );
  return g((n) => n.slabUnreclaimable) > lru;
}

/** dump_header (mm/oom_kill.c 6.18): the header line, "COMPACTION is disabled!!!" without
 *  CONFIG_COMPACTION for order > 0, dump_stack, __show_mem(SHOW_MEM_FILTER_NODES, oc->nodemask,
 *  gfp_zone(gfp)), dump_unreclaimable_slab when slab dominates, and dump_tasks (vm.oom_dump_tasks). */
export function dumpHeader(sys: OomSystem618, oc: OomControl618, nodemask: readonly number[] | null): string[] {
  const lines = [oomHeaderLine(sys.current.comm, oc.gfpMask, oc.order, sys.current.oomScoreAdj)];
  if (sys.compaction === false && oc.order) lines.push("COMPACTION is disabled!!!");
  lines.push(...dumpStack(sys.dumpStack.info, sys.dumpStack.frames));
  lines.push(
    ...showMem618(sys.showMem, {
      filter: SHOW_MEM_FILTER_NODES,
      nodemask,
      cpusetMemsAllowed: sys.current.memsAllowed ?? sys.memoryNodes,
      maxZone: gfpZone(oc.gfpMask, "6.18"),
    }),
  );
  if (shouldDumpUnreclaimSlab(sys.showMem)) {
    // dump_unreclaimable_slab (mm/slab_common.c 6.18): "%-17s %10luKB %10luKB"
    lines.push("Unreclaimable slab info:", "Name                      Used          Total");
    for (const c of sys.unreclaimableSlab ?? [])
      if (c.totalKb > 0) lines.push(`${c.name.padEnd(17)} ${pad(c.activeKb, 10)}KB ${pad(c.totalKb, 10)}KB`);
  }
  if (sys.sysctl?.oomDumpTasks !== false) lines.push(...dumpTasks(sys, nodemask));
  return lines;
}

/** dump_oom_victim (mm/oom_kill.c 6.18) with cpuset_print_current_mems_allowed and
 *  mem_cgroup_print_oom_context: "oom-kill:constraint=%s,nodemask=%*pbl,cpuset=%s,mems_allowed=%*pbl,
 *  global_oom,task_memcg=%s,task=%s,pid=%d,uid=%d". */
export function dumpOomVictim(
  sys: OomSystem618,
  constraint: OomConstraint,
  nodemask: readonly number[] | null,
  victim: OomTask618,
): string {
  let s = `oom-kill:constraint=${constraint},nodemask=${bitmapList(nodemask)}`;
  if (sys.cpusets !== false)
    s += `,cpuset=${sys.cpusetName ?? "/"},mems_allowed=${bitmapList(sys.current.memsAllowed ?? sys.memoryNodes)}`;
  if (sys.memcg !== false) s += `,global_oom,task_memcg=${victim.memcg ?? "/"}`;
  return `${s},task=${commOf(victim)},pid=${victim.pid},uid=${victim.uid}`;
}

/** "%s: Killed process %d (%s) total-vm:%lukB, anon-rss:%lukB, file-rss:%lukB, shmem-rss:%lukB,
 *  UID:%u pgtables:%lukB oom_score_adj:%hd" (__oom_kill_process, mm/oom_kill.c 6.18). */
export function killedProcessLine(message: string, v: OomTask618, mm: OomMm618, pageSizeKb: number): string {
  const K = (pages: number): number => pages * pageSizeKb;
  return (
    `${message}: Killed process ${v.pid} (${commOf(v)}) total-vm:${K(mm.totalVm)}kB, ` +
    `anon-rss:${K(mm.anonPages)}kB, file-rss:${K(mm.filePages)}kB, shmem-rss:${K(mm.shmemPages)}kB, ` +
    `UID:${v.uid} pgtables:${Math.floor(mm.pgtablesBytes / 1024)}kB oom_score_adj:${v.oomScoreAdj}`
  );
}

/** mm_users: each thread of each process using the mm. */
const mmUsers = (sys: OomSystem618, mm: OomMm618): number =>
  sys.tasks.reduce((n, t) => n + (t.mm === mm ? (t.threads ?? 1) : 0), 0);

/** __task_will_free_mem (mm/oom_kill.c 6.18). */
function taskWillFreeMemOne(t: OomTask618): boolean {
  if (t.coreDumping) return false;
  if (t.groupExit) return true;
  return (t.threads ?? 1) === 1 && t.exiting === true;
}

/** task_will_free_mem (mm/oom_kill.c 6.18): the task is dying and so is every process sharing its mm. */
export function taskWillFreeMem(sys: OomSystem618, task: OomTask618): boolean {
  const mm = task.mm;
  if (!mm || !taskWillFreeMemOne(task) || mm.oomSkip) return false;
  if (mmUsers(sys, mm) <= 1) return true;
  return sys.tasks.every((p) => p.mm !== mm || p === task || taskWillFreeMemOne(p));
}

/** mark_oom_victim (mm/oom_kill.c 6.18): TIF_MEMDIE and signal->oom_mm. False if already marked. */
function markOomVictim(t: OomTask618): boolean {
  if (t.memdie) return false;
  t.memdie = true;
  t.oomMm ??= t.mm;
  return true;
}

/** queue_oom_reaper (mm/oom_kill.c 6.18): once per mm (MMF_OOM_REAP_QUEUED), a timer OOM_REAPER_DELAY away. */
function queueOomReaper(sys: OomSystem618, t: OomTask618): OomReaperRequest618 | null {
  const mm = t.oomMm;
  if (!mm || mm.reapQueued) return null;
  mm.reapQueued = true;
  return { pid: t.pid, comm: t.comm, dueJiffies: sys.jiffies + OOM_REAPER_DELAY_SECONDS * sys.hz };
}

function newOutcome(): OomOutcome618 {
  return {
    ret: false,
    exit: "killed",
    lines: [],
    constraint: null,
    totalpages: null,
    candidates: [],
    chosen: null,
    killed: [],
    markedVictim: null,
    reaper: null,
    oomKill: 0,
    panic: null,
  };
}

/** __oom_kill_process (mm/oom_kill.c 6.18): SIGKILL the victim (groupExit), mark it, print the
 *  "Killed process" line, SIGKILL every other process sharing its mm (init pins it: no reaping),
 *  and queue the reaper. */
function oomKillProcessInner(sys: OomSystem618, victim: OomTask618, message: string, out: OomOutcome618): void {
  const mm = victim.mm;
  if (!mm) {
    out.lines.push(
      `${message}: OOM victim ${victim.pid} (${commOf(victim)}) is already exiting. Skip killing the task`,
    );
    out.exit = "victim-already-exiting";
    return;
  }
  out.oomKill++; // count_vm_event(OOM_KILL)
  victim.groupExit = true; // do_send_sig_info(SIGKILL, ..., PIDTYPE_TGID)
  out.killed.push({ pid: victim.pid, comm: victim.comm });
  if (markOomVictim(victim)) out.markedVictim = victim.pid;
  out.lines.push(killedProcessLine(message, victim, mm, sys.pageSizeKb));
  let canOomReap = true;
  for (const p of sys.tasks) {
    if (p.mm !== mm || p === victim) continue; // process_shares_mm, same_thread_group
    if (isGlobalInit(p)) {
      canOomReap = false;
      mm.oomSkip = true;
      out.lines.push(`oom killer ${victim.pid} (${commOf(victim)}) has mm pinned by ${p.pid} (${commOf(p)})`);
      continue;
    }
    if (p.kthread) continue;
    p.groupExit = true;
    out.killed.push({ pid: p.pid, comm: p.comm });
  }
  if (canOomReap) out.reaper = queueOomReaper(sys, victim);
}

/** oom_kill_process (mm/oom_kill.c 6.18): an exiting victim is only marked; otherwise dump_header and
 *  dump_oom_victim (if oom_rs allows: DEFAULT_RATELIMIT_INTERVAL, DEFAULT_RATELIMIT_BURST), then the kill. */
function oomKillProcess(
  sys: OomSystem618,
  oc: OomControl618,
  victim: OomTask618,
  constraint: OomConstraint,
  nodemask: readonly number[] | null,
  message: string,
  out: OomOutcome618,
): void {
  if (taskWillFreeMem(sys, victim)) {
    if (markOomVictim(victim)) out.markedVictim = victim.pid;
    out.reaper = queueOomReaper(sys, victim);
    out.exit = "victim-will-free-mem";
    return;
  }
  const rl = ___ratelimit(sys.oomRs, sys.jiffies, "oom_kill_process");
  if (rl.line) out.lines.push(rl.line);
  if (rl.pass) out.lines.push(...dumpHeader(sys, oc, nodemask), dumpOomVictim(sys, constraint, nodemask, victim));
  oomKillProcessInner(sys, victim, message, out);
}

/** panic()'s first line: "Kernel panic - not syncing: %s" (kernel/panic.c vpanic, 6.18, which drops
 *  the message's trailing newline). The stack and the "---[ end Kernel panic" line that follow are
 *  not printed here. */
export const panicLine = (message: string): string => `Kernel panic - not syncing: ${message}`;

/** out_of_memory(oc) (mm/oom_kill.c 6.18) for a global OOM. The __alloc_pages_may_oom checks before
 *  it (oom_lock, the high-mark attempt, costly orders, __GFP_RETRY_MAYFAIL, __GFP_THISNODE, lowmem
 *  requests) are mm/page_alloc.c's; out_of_memory's own exits, in order: oom_killer_disabled
 *  (false), the notifiers freed pages (true), current is exiting (task_will_free_mem: marked, the
 *  reaper queued, true), no __GFP_FS (true, no kill: the check is here in 6.18, not in page_alloc),
 *  then the constraint, vm.panic_on_oom, vm.oom_kill_allocating_task, select_bad_process and the
 *  kill. Changes the flags listed in the module notes. */
export function outOfMemory618(sys: OomSystem618, oc: OomControl618): OomOutcome618 {
  const out = newOutcome();
  const sysrq = oc.order === -1;
  if (sys.oomKillerDisabled) return { ...out, exit: "oom-killer-disabled" };
  if ((sys.notifierFreed ?? 0) > 0 && !sysrq) return { ...out, ret: true, exit: "notifier-freed" };
  const current = sys.current;
  if (taskWillFreeMem(sys, current)) {
    if (markOomVictim(current)) out.markedVictim = current.pid;
    out.reaper = queueOomReaper(sys, current);
    return { ...out, ret: true, exit: "current-will-free-mem" };
  }
  if (!(oc.gfpMask & GFP.__GFP_FS)) return { ...out, ret: true, exit: "no-fs" };
  const { constraint, totalpages } = constrainedAlloc(sys, oc);
  out.constraint = constraint;
  out.totalpages = totalpages;
  const nodemask = constraint === "CONSTRAINT_MEMORY_POLICY" ? oc.nodemask : null;
  // check_panic_on_oom
  const panicOnOom = sys.sysctl?.panicOnOom ?? 0;
  if (panicOnOom && (panicOnOom === 2 || constraint === "CONSTRAINT_NONE") && !sysrq) {
    out.lines.push(...dumpHeader(sys, oc, nodemask));
    out.panic = `Out of memory: ${panicOnOom === 2 ? "compulsory" : "system-wide"} panic_on_oom is enabled`;
    out.lines.push(panicLine(out.panic));
    return { ...out, exit: "panic-on-oom" };
  }
  if (
    sys.sysctl?.oomKillAllocatingTask &&
    current.mm &&
    !oomUnkillableTask(current) &&
    oomCpusetEligible(current, sys, nodemask) &&
    current.oomScoreAdj !== OOM_SCORE_ADJ_MIN
  ) {
    out.chosen = { pid: current.pid, comm: current.comm, points: 0 };
    oomKillProcess(sys, oc, current, constraint, nodemask, "Out of memory (oom_kill_allocating_task)", out);
    return { ...out, ret: true };
  }
  const sel = selectBadProcess(sys, oc, totalpages, nodemask);
  out.candidates = sel.candidates;
  if (sel.chosen === null) {
    out.lines.push(...dumpHeader(sys, oc, nodemask), "Out of memory and no killable processes...");
    if (sysrq) return { ...out, exit: "no-killable" };
    out.panic = "System is deadlocked on memory";
    out.lines.push(panicLine(out.panic));
    return { ...out, exit: "no-killable-panic" };
  }
  if (sel.chosen === "abort") return { ...out, ret: true, exit: "abort-existing-victim" };
  out.chosen = { pid: sel.chosen.pid, comm: sel.chosen.comm, points: sel.chosenPoints ?? 0 };
  oomKillProcess(sys, oc, sel.chosen, constraint, nodemask, "Out of memory", out);
  return { ...out, ret: true };
}

/** What the oom reaper did when its timer fired (wake_oom_reaper, oom_reap_task, oom_reap_task_mm,
 *  __oom_reap_task_mm; mm/oom_kill.c 6.18). */
export interface OomReapResult618 {
  /** False when the victim had already exited (MMF_OOM_SKIP at wake_oom_reaper): nothing was done. */
  ran: boolean;
  /** The address space was unmapped ("oom_reaper: reaped process ..."). */
  reaped: boolean;
  lines: string[];
  /** mmap_read_trylock attempts made, and the jiffies the reaper slept between them (HZ/10 each). */
  attempts: number;
  sleptJiffies: number;
  /** Anonymous pages unmapped and freed, swap entries freed, file and shmem pages unmapped (they stay
   *  in the page cache). */
  freedAnonPages: number;
  freedSwapEnts: number;
  unmappedFilePages: number;
  unmappedShmemPages: number;
}

/** The oom reaper for a victim whose OOM_REAPER_DELAY timer expired. mmapLockBusyAttempts: how many
 *  mmap_read_trylock attempts fail (the victim holds mmap_lock for writing); after
 *  MAX_OOM_REAP_RETRIES it gives up ("oom_reaper: unable to reap pid:%d (%s)"; sched_show_task and
 *  debug_show_all_locks, which follow, are not printed). Either way the mm gets MMF_OOM_SKIP. A reap
 *  unmaps every anonymous or private vma (VM_HUGETLB and VM_PFNMAP aside, which rss does not count):
 *  MM_ANONPAGES and MM_SWAPENTS drop to 0, the file and shmem counters to their VM_SHARED part.
 *  Anonymous pages are assumed not shared with another mm (no COW sharing after fork). */
export function oomReapTask618(
  victim: OomTask618,
  pageSizeKb: number,
  hz: number,
  mmapLockBusyAttempts = 0,
): OomReapResult618 {
  const r: OomReapResult618 = {
    ran: false,
    reaped: false,
    lines: [],
    attempts: 0,
    sleptJiffies: 0,
    freedAnonPages: 0,
    freedSwapEnts: 0,
    unmappedFilePages: 0,
    unmappedShmemPages: 0,
  };
  const mm = victim.oomMm;
  if (!mm || mm.oomSkip) return r; // "The victim managed to terminate on its own - see exit_mmap"
  r.ran = true;
  let ok = false;
  while (r.attempts < MAX_OOM_REAP_RETRIES && !ok) {
    r.attempts++;
    if (r.attempts <= mmapLockBusyAttempts) {
      r.sleptJiffies += Math.floor(hz / 10); // schedule_timeout_idle(HZ/10)
      continue;
    }
    ok = true;
    if (mm.oomSkip) break;
    mm.unstable = true; // MMF_UNSTABLE
    const file = Math.min(mm.sharedFilePages ?? 0, mm.filePages);
    const shmem = Math.min(mm.sharedShmemPages ?? mm.shmemPages, mm.shmemPages);
    r.freedAnonPages = mm.anonPages;
    r.freedSwapEnts = mm.swapEnts;
    r.unmappedFilePages = mm.filePages - file;
    r.unmappedShmemPages = mm.shmemPages - shmem;
    mm.anonPages = 0;
    mm.swapEnts = 0;
    mm.filePages = file;
    mm.shmemPages = shmem;
    r.reaped = true;
    const K = (p: number): number => p * pageSizeKb;
    r.lines.push(
      `oom_reaper: reaped process ${victim.pid} (${commOf(victim)}), now anon-rss:${K(mm.anonPages)}kB, ` +
        `file-rss:${K(mm.filePages)}kB, shmem-rss:${K(mm.shmemPages)}kB`,
    );
  }
  if (!ok) r.lines.push(`oom_reaper: unable to reap pid:${victim.pid} (${commOf(victim)})`);
  mm.oomSkip = true; // "Hide this mm from OOM killer because it has been either reaped or ..."
  return r;
}

// ---- the kernel model's OOM killer (mm/hooks.ts OomHook) ----

/** The OomSystem618 of the 6.18 kernel model: its live processes (an exited or killed one is no
 *  longer on the task list), each with its mm (tasks with one mm id share the object), current (a
 *  kernel thread "kworker/0:1" when the allocation has no task), the show_mem state, oom_rs. */
export function oomSystem618(
  k: KernelView,
  oomRs: RatelimitState,
  frames: readonly StackFrame[] = OOM_STACK_PAGE_FAULT,
): OomSystem618 {
  const mms = new Map<number, OomMm618>();
  const tasks: OomTask618[] = [];
  for (const t of k.tasks) {
    if (t.killed) continue;
    let mm: OomMm618 | null = null;
    if (t.mm !== null) {
      mm = mms.get(t.mm) ?? {
        totalVm: t.totalVm,
        anonPages: t.rssAnon,
        filePages: t.rssFile,
        shmemPages: t.rssShmem,
        swapEnts: t.swapents,
        pgtablesBytes: t.pgtablesBytes,
      };
      mms.set(t.mm, mm);
    }
    tasks.push({ pid: t.pid, comm: t.comm, uid: t.uid, mm, kthread: t.kthread, oomScoreAdj: t.oomScoreAdj });
  }
  const cur = k.current;
  const current = (cur && tasks.find((t) => t.pid === cur.pid)) || {
    pid: cur?.pid ?? 0,
    comm: cur?.comm ?? "kworker/0:1",
    uid: 0,
    mm: null,
    kthread: true,
    oomScoreAdj: 0,
  };
  const zones = k.machine.machine.zones;
  const nodes = [...new Set(zones.map((z) => z.node))].sort((a, b) => a - b);
  const nodePresentPages: number[] = [];
  for (const z of zones) nodePresentPages[z.node] = (nodePresentPages[z.node] ?? 0) + z.presentPages;
  return {
    tasks,
    current,
    totalramPages: k.totalramPages,
    totalSwapPages: k.swapTotalPages,
    pageSizeKb: k.pageSize / 1024,
    memoryNodes: nodes,
    nodePresentPages,
    compaction: k.configCompaction,
    jiffies: k.jiffies,
    hz: k.hz,
    oomRs,
    dumpStack: {
      info: { cpu: 0, euid: current.uid, pid: current.pid, comm: current.comm, ...DEFAULT_DUMP_STACK_KERNEL },
      frames,
    },
    showMem: showMemState618(k),
  };
}

/** out_of_memory of the 6.18 kernel model: outOfMemory618 over oomSystem618, its lines printed, and
 *  every process it sent SIGKILL exits at once (exit_mmap frees its memory before the oom reaper's
 *  OOM_REAPER_DELAY has passed, so the reaper finds MMF_OOM_SKIP and prints nothing). */
export function oomHook618(k: KernelView): OomHook {
  const oomRs = oomRatelimitState(k.hz);
  return {
    outOfMemory(oc) {
      const sys = oomSystem618(k, oomRs);
      const out = outOfMemory618(sys, { gfpMask: oc.gfpMask, order: oc.order, nodemask: null });
      for (const l of out.lines) k.printk(l);
      let freedPages = 0;
      let victimKilled = false;
      for (const v of out.killed) {
        const t = k.tasks.find((x) => x.pid === v.pid);
        if (!t || t.killed) continue;
        freedPages += k.killTask(t);
        if (v.pid === out.chosen?.pid) victimKilled = true;
      }
      const victim =
        out.chosen && victimKilled
          ? { pid: out.chosen.pid, comm: out.chosen.comm, points: out.chosen.points, freedPages }
          : null;
      return { ok: out.ret, victim, panic: out.panic !== null };
    },
  };
}
