// A task of the simulated kernel, as the OOM killer and the allocator see it.

/** A task as the 2.6.11 OOM killer sees it (struct task_struct and its mm). Sizes are in pages. */
export interface Task {
  pid: number;
  comm: string;
  /** Parent pid (0 for none). children are the tasks whose ppid is this pid. */
  ppid: number;
  uid: number;
  euid: number;
  /** task_nice(). */
  nice: number;
  /** cap_effective has CAP_SYS_ADMIN / CAP_SYS_RAWIO. */
  capSysAdmin: boolean;
  capSysRawio: boolean;
  /** mm id: tasks with the same id share an mm (threads); null for kernel threads (no mm). */
  mm: number | null;
  /** mm->total_vm, pages. */
  totalVm: number;
  /** Resident pages (allocated in the engine under the task's owner id). */
  rss: number;
  /** start_time in seconds since boot. */
  startTimeSec: number;
  /** utime + stime in jiffies. */
  cpuJiffies: number;
  /** rt_task(): a real-time task (SCHED_FIFO/RR) may try harder in __alloc_pages. */
  rt?: boolean;
  /** oomkilladj (2.6.11: -16 .. 15; OOM_DISABLE = -17 from 2.6.12). */
  oomkilladj: number;
  /** Task flags the OOM killer and the allocator test. */
  memdie?: boolean; // TIF_MEMDIE
  exiting?: boolean; // PF_EXITING
  dead?: boolean; // PF_DEAD
  swapoff?: boolean; // PF_SWAPOFF
  memalloc?: boolean; // PF_MEMALLOC
  /** Killed by the simulation (SIGKILL delivered and its memory freed). */
  killed?: boolean;
}
