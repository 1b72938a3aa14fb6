// A task of the simulated 6.18 kernel as the OOM killer and the reports read it: task_struct's pid,
// comm and signal->oom_score_adj, and its mm_struct's counters (include/linux/mm_types.h 6.18:
// rss_stat MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES; pgtables_bytes; total_vm).
// Sizes are in pages except pgtablesBytes. Pure declarations.

export interface Task618 {
  pid: number;
  comm: string;
  /** Parent pid (0 for none). */
  ppid: number;
  uid: number;
  /** tgid (the thread group; equal to pid for a process). */
  tgid: number;
  /** mm id: tasks with the same id share an mm (threads); null for kernel threads (no mm). */
  mm: number | null;
  /** mm->total_vm, pages. */
  totalVm: number;
  /** get_mm_counter(mm, MM_ANONPAGES), MM_FILEPAGES, MM_SHMEMPAGES: resident pages by kind. */
  rssAnon: number;
  rssFile: number;
  rssShmem: number;
  /** get_mm_counter(mm, MM_SWAPENTS): swap entries the task's page tables hold. */
  swapents: number;
  /** mm_pgtables_bytes(mm). */
  pgtablesBytes: number;
  /** signal->oom_score_adj, -1000 .. 1000 (OOM_SCORE_ADJ_MIN never chosen). */
  oomScoreAdj: number;
  /** Killed by the simulation (SIGKILL delivered, its memory freed). */
  killed?: boolean;
  /** A kernel thread (PF_KTHREAD): never an OOM victim. */
  kthread?: boolean;
}

/** get_mm_rss (include/linux/mm.h 6.18): file + anon + shmem resident pages. */
export const getMmRss = (t: Task618): number => t.rssFile + t.rssAnon + t.rssShmem;
