// dump_stack() of Linux 6.18 as an x86-64 kernel prints it: dump_stack_print_info (lib/dump_stack.c
// 6.18), then show_stack's "Call Trace:" with the frames between " <TASK>" and " </TASK>"
// (arch/x86/kernel/dumpstack.c show_trace_log_lvl, " %s%pBb" per frame, "? " for unreliable ones; the
// same shape as the real 6.1 and 6.8 reports in test/fixtures/028-* and 041-*). A pure renderer: the
// simulation has no real stack, so the frames are a plausible, documented call chain for the path
// (OOM_STACK_PAGE_FAULT, WARN_ALLOC_STACK_KMALLOC); their offsets are illustrative, not a build's.

/** What dump_stack_print_info prints about `current` and the running kernel. */
export interface DumpStackInfo {
  /** raw_smp_processor_id(). */
  cpu: number;
  /** current_real_cred()->euid. */
  euid: number;
  pid: number;
  /** current->comm (printed with %.20s; TASK_COMM_LEN keeps it to 15 characters). */
  comm: string;
  /** kexec_crash_loaded(): prints "Kdump: loaded " before the taint. */
  kdumpLoaded?: boolean;
  /** print_tainted(): "Not tainted", or "Tainted: " and the taint letters. */
  tainted?: string;
  /** print_tainted_verbose(), printed on its own line when the kernel is tainted. */
  taintedVerbose?: string;
  /** init_utsname()->release, e.g. "6.18.2". */
  release: string;
  /** init_utsname()->version; only its text before the first space is printed ("#1"). */
  version: string;
  /** preempt_model_str() (kernel/sched/core.c 6.18): "PREEMPT(voluntary)" for a distribution's
   *  PREEMPT_DYNAMIC kernel, "PREEMPT(full)", "VOLUNTARY", "NONE", "PREEMPT_RT" ... */
  preemptModel: string;
  /** CONFIG_STACKTRACE_BUILD_ID: the vmlinux build id (40 hex digits), printed after one space. */
  buildId?: string;
  /** dump_stack_arch_desc_str (x86: the DMI vendor, product and BIOS); no line when empty. */
  hardwareName?: string;
}

/** One frame of the trace: printed " %s%pBb", i.e. "func+0xoff/0xsize". */
export interface StackFrame {
  fn: string;
  offset: number;
  size: number;
  /** A frame the unwinder could not vouch for: printed with "? ". */
  unreliable?: boolean;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/** dump_stack_print_info(KERN_DEFAULT) (lib/dump_stack.c 6.18):
 *  "CPU: %d UID: %u PID: %d Comm: %.20s %s%s %s %.*s %s " BUILD_ID_FMT, then the verbose taint and
 *  "Hardware name: %s". Without CONFIG_STACKTRACE_BUILD_ID the format's BUILD_ID_FMT is "%s" of "",
 *  so the line ends with a space. print_worker_info, print_stop_info and print_scx_info print nothing
 *  for a task that is not a worker, a stopper or a sched_ext task. */
export function dumpStackPrintInfo(i: DumpStackInfo): string[] {
  const version = i.version.split(" ")[0]; // %.*s with strcspn(version, " ")
  const build = i.buildId === undefined ? "" : ` ${i.buildId}`;
  const lines = [
    `CPU: ${i.cpu} UID: ${i.euid} PID: ${i.pid} Comm: ${i.comm.slice(0, 20)} ` +
      `${i.kdumpLoaded ? "Kdump: loaded " : ""}${i.tainted ?? "Not tainted"} ${i.release} ${version} ` +
      `${i.preemptModel} ${build}`,
  ];
  if (i.taintedVerbose) lines.push(i.taintedVerbose);
  if (i.hardwareName) lines.push(`Hardware name: ${i.hardwareName}`);
  return lines;
}

/** show_stack(NULL, NULL, KERN_DEFAULT) of x86-64 for a task's own stack: "Call Trace:", " <TASK>",
 *  each frame, " </TASK>" (arch/x86/kernel/dumpstack.c show_trace_log_lvl, 6.18). */
export function showStack(frames: readonly StackFrame[]): string[] {
  return [
    "Call Trace:",
    " <TASK>",
    ...frames.map((f) => ` ${f.unreliable ? "? " : ""}${f.fn}+${hex(f.offset)}/${hex(f.size)}`),
    " </TASK>",
  ];
}

/** dump_stack() (lib/dump_stack.c 6.18 dump_stack -> dump_stack_lvl -> __dump_stack). */
export function dumpStack(info: DumpStackInfo, frames: readonly StackFrame[]): string[] {
  return [...dumpStackPrintInfo(info), ...showStack(frames)];
}

/** A user page fault that ended in the OOM killer (6.18 names: the allocation goes through
 *  alloc_pages_mpol and __alloc_frozen_pages_noprof into __alloc_pages_slowpath, which calls
 *  __alloc_pages_may_oom -> out_of_memory -> oom_kill_process -> dump_header). */
export const OOM_STACK_PAGE_FAULT: readonly StackFrame[] = [
  { fn: "dump_stack_lvl", offset: 0x5d, size: 0x80 },
  { fn: "dump_header", offset: 0x43, size: 0x1b0 },
  { fn: "oom_kill_process", offset: 0xfa, size: 0x200 },
  { fn: "out_of_memory", offset: 0x244, size: 0x570 },
  { fn: "__alloc_pages_slowpath.constprop.0", offset: 0xa8d, size: 0xe60 },
  { fn: "__alloc_frozen_pages_noprof", offset: 0x2d3, size: 0x330 },
  { fn: "alloc_pages_mpol", offset: 0xd9, size: 0x1c0 },
  { fn: "folio_alloc_mpol_noprof", offset: 0x14, size: 0x40 },
  { fn: "vma_alloc_folio_noprof", offset: 0x6c, size: 0xd0 },
  { fn: "do_anonymous_page", offset: 0xa3, size: 0x7b0 },
  { fn: "__handle_mm_fault", offset: 0xa9c, size: 0xf20 },
  { fn: "handle_mm_fault", offset: 0xe7, size: 0x2e0 },
  { fn: "do_user_addr_fault", offset: 0x21a, size: 0x690 },
  { fn: "exc_page_fault", offset: 0x6c, size: 0x150 },
  { fn: "asm_exc_page_fault", offset: 0x26, size: 0x30 },
];

/** A kmalloc of a large size from a system call that failed in the slow path: warn_alloc is called
 *  from __alloc_pages_slowpath's fail: label (kmalloc_large_noprof -> ___kmalloc_large_node ->
 *  alloc_pages_node_noprof). */
export const WARN_ALLOC_STACK_KMALLOC: readonly StackFrame[] = [
  { fn: "dump_stack_lvl", offset: 0x5d, size: 0x80 },
  { fn: "warn_alloc", offset: 0x164, size: 0x1e0 },
  { fn: "__alloc_pages_slowpath.constprop.0", offset: 0xbd5, size: 0xe60 },
  { fn: "__alloc_frozen_pages_noprof", offset: 0x2d3, size: 0x330 },
  { fn: "alloc_pages_mpol", offset: 0xd9, size: 0x1c0 },
  { fn: "___kmalloc_large_node", offset: 0x6f, size: 0x100 },
  { fn: "__kmalloc_large_node_noprof", offset: 0x1d, size: 0xb0 },
  { fn: "__kmalloc_noprof", offset: 0x3b2, size: 0x480 },
  { fn: "do_syscall_64", offset: 0x82, size: 0x190 },
  { fn: "entry_SYSCALL_64_after_hwframe", offset: 0x76, size: 0x7e },
];

/** The defaults oomlab prints for a simulated 6.18 x86-64 machine (documented, not measured). */
export const DEFAULT_DUMP_STACK_KERNEL = {
  release: "6.18.2",
  version: "#1 SMP PREEMPT_DYNAMIC",
  preemptModel: "PREEMPT(voluntary)",
  hardwareName: "oomlab simulated machine, BIOS oomlab 01/01/2026",
} as const;
