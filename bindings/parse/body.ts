// Lines that belong to the body of an OOM / allocation-failure / show_mem report but carry nothing the
// parsers keep: stack dumps, register dumps, global counters, swap and RAM totals, the task table, memcg
// statistics. The segmenter uses them to tell report text from unrelated log lines in between.

// Stack and register dumps (dump_stack, show_regs and the arch unwinders).
const STACK: RegExp[] = [
  /^\s*Call [Tt]race:/, // "Call Trace:" (x86 and most arches, 2.6+), "Call trace:" (arm64 3.7+)
  /^\s*Backtrace: ?$/, // "Backtrace: " (ARM dump_backtrace, 2.6-4.x)
  /^\s*\[<[0-9a-fA-F]{1,16}>\]/, // " [<c015c4e1>] ? func+0x../0x.." (x86 2.6-4.x, ARM, MIPS, arm64 <4.17)
  /^\s*(?:\? )?[\w.$]{1,128}\+0x[0-9a-f]{1,16}\/0x[0-9a-f]{1,16}/, // " dump_stack+0x67/0x8e" (x86 4.x+, arm64 4.17+)
  /^\s*<\/?(?:TASK|IRQ|NMI|EOI|SOFTIRQ)>/, // " <TASK>" ... " </TASK>" (x86 5.16+), "<IRQ>" (x86 2.6.2x+)
  // "Stack : " (MIPS), "Exception stack(" (ARM/arm64), "Workqueue: " (3.10+), "Hardware name: " (3.10+),
  // "Code: ", "RIP: ", "RSP: " (x86_64), "EIP: ", "ESP: " (i386), "CR2: " (x86) — show_regs, all eras.
  /^\s*(?:Stack ?:|Exception stack\(|Workqueue: |Hardware name: |Code: |RIP: |RSP: |EIP: |ESP: |CR2: )/,
  // "RAX: 00007f.. RBX: ..", "FS:  0000.." (x86 __show_regs, 2.6+)
  /^\s*(?:[A-Z0-9]{2,4}: {1,2}[0-9a-f]{4,16}\s*){1,4}/,
  /^\s*(?:[a-z]{1,3}\d{0,2}\s?: ?[0-9a-f]{8,16}\s*){1,6}$/, // " r6:cfcb6000 r5:.." (ARM 2.6-4.x), "pc : .." (arm64)
  /^\s*[0-9a-f]{4}: (?:\s*[0-9a-f]{8,16}){1,8}\s*$/, // "bb80: 0000007f.." (arm64 __show_regs stack dump, 3.7-4.x)
  // " f2c25c24 c12b4830 .." (i386/x86_64 show_stack words, 2.6-4.x)
  /^\s*(?:[0-9a-f]{8,16} {1,2}){1,8}[0-9a-f]{8,16}\s*$/,
  /^\s*(?:(?:[0-9a-f]{8}|\.\.\.) ?){1,8}$/, // MIPS "Stack :" continuation rows and "..." (2.6+)
  // "Modules linked in:" (all eras), "CPU: %d PID: .." (3.10+), "Pid: %d, comm: .." (x86 2.6-3.9),
  // "Process %s (pid: ..)" (ARM/MIPS 2.6-3.x), "task: %p .." (x86 2.6-4.x).
  /^\s*(?:Modules linked in:|CPU: \d|Pid: \d|Process |task: |Tainted: )/,
  // "%s cpuset=%s mems_allowed=%*pbl" (cpuset_print_task_mems_allowed, 2.6.26-4.18)
  /^.{1,64} cpuset=\S{0,4096} mems_allowed=/,
  // "%s: %d callbacks suppressed" (printk_ratelimited, 3.x+)
  /^\s*(?:warn_alloc|warn_alloc_failed|__alloc_pages)\S{0,40}: \d{1,9} callbacks suppressed/,
];

// show_mem / show_free_areas lines the zone parser does not keep (mm/page_alloc.c show_free_areas, 2.6.11;
// mm/show_mem.c __show_mem, 6.18; other releases per line below).
const SHOW_MEM: RegExp[] = [
  /^Mem-[Ii]nfo:/, // "Mem-info:" (arch show_mem 2.6.x), "Mem-Info:" (lib/show_mem.c 2.6.3x+)
  /^[Ss]ys[Rr]q ?: /, // "SysRq : Show Memory" (2.6.x), "sysrq: Show Memory" (3.x+)
  /^Free pages: +\d{1,20}kB \(\d{1,20}kB HighMem\)/, // "\nFree pages: %11ukB (%ukB HighMem)" (2.6.0-2.6.2x)
  // Global counters "Active:%lu inactive:%lu .." (2.6.0-2.6.27), "active_anon:%lu .." and its " free:%lu .."
  // continuations (2.6.28+), "free_cma:%lu" (3.x).
  /^\s*[A-Za-z_]{1,40}(?:\([a-z]{1,8}\))?:\s?\d{1,20}(?:[kK]B)?(?:\s|$)/,
  /^Node \d{1,4} [a-z_]{1,40}(?:\([a-z]{1,8}\))?:\d{1,20}/, // "Node %d active_anon:%lukB .." (4.8+ per-node line)
  /^(?:Node \d{1,4} )?hugepages_total=/, // "Node %d hugepages_total=%u .." (hugetlb_show_meminfo, 3.x+)
  // "%ld total pagecache pages" (2.6.28+), "%lu pages RAM", "%lu pages of RAM", "%d reserved pages",
  // "%lu pages shared", "%lu pages HighMem/MovableOnly", "%lu pages cma reserved", "%lu pages hwpoisoned" (all eras).
  /^-?\d{1,20} (?:total pagecache pages|pages? |reserved pages|free pages)/,
  /^(?:Swap cache|Swap cache stats): /, // "Swap cache: add %lu, .." (2.6.0-2.6.2x), "Swap cache stats: .." (2.6.27+)
  // "Free swap:  %6ldkB" (arch 2.6.x), "Free swap  = %ldkB" (2.6.11+)
  /^(?:Free swap|Total swap)\s*[=:]\s*-?\d{1,20}kB/,
];

// The task table, the kill lines, and memcg statistics (mm/oom_kill.c dump_tasks, oom_kill_process,
// mm/memcontrol.c; releases per line below).
const OOM_TAIL: RegExp[] = [
  /^Tasks state \(memory values in pages\):/, // dump_tasks header line (4.19+)
  /^\[\s*pid\s*\]\s+uid\s+tgid/, // "[ pid ]   uid  tgid total_vm .." (dump_tasks, 2.6.25+)
  /^\[\s{0,10}\d{1,10}\]\s+-?\d{1,10}\s+\d{1,10}\s/, // dump_tasks rows "[%5d] %5d %5d .." / "[%7d] .." (2.6.25+)
  /(?:^|: )[Kk]ill(?:ed)? process \d/, // selection and kill lines, all eras (see kills.ts)
  /^Kill process \d{1,10} \(.{0,64}\) sharing same memory/, // oom_kill_process (2.6.3x-5.x)
  /^oom-kill:/, // "oom-kill:constraint=%s,.." (4.19+; RHEL 7 3.10 "oom-kill:,cpuset=..")
  /^oom_reaper: /, // "oom_reaper: reaped process %d (%s), .." (4.6+)
  /^Out of memory(?: \(oom_kill_allocating_task\))?:/, // oom_kill_process message prefix (2.6.16+)
  /^Out of memory and no killable processes/, // out_of_memory (2.6.11+)
  /^Memory cgroup (?:out of memory|stats for )/, // mem_cgroup_out_of_memory, memcg stats (2.6.29+)
  /^Task in \S{1,4096} killed as a result of limit of /, // mem_cgroup_print_oom_info (2.6.29-4.18)
  /^(?:memory|memory\+swap|swap|kmem): usage \d/, // memcg usage lines (2.6.29+; "swap:" on cgroup v2)
  /^\s*[a-z_]{1,40} \d{1,20}\s*$/, // cgroup v2 memory.stat rows after "Memory cgroup stats for %s:" (4.19+)
  /^COMPACTION is disabled!!!/, // dump_header without CONFIG_COMPACTION (4.8+)
  /^Unreclaimable slab info:/,
  /^Name\s+Used\s+Total\s*$/, // dump_unreclaimable_slab header (4.15+)
  /^\S{1,64}\s+\d{1,20}KB\s+\d{1,20}KB\s*$/, // dump_unreclaimable_slab rows "%-17s %10luKB %10luKB" (4.15+)
  /^SLUB: Unable to allocate memory on node/, // slab_out_of_memory (2.6.3x+), after a failed new_slab
  /^\s+cache: \S{1,64}, object size:/,
  /^\s+node -?\d{1,4}: slabs:/, // its detail lines (2.6.3x+)
];

const ALL = [...STACK, ...SHOW_MEM, ...OOM_TAIL];
/** The patterns anchored at the start of the line, as one alternation (one regex run per line
 *  instead of one per pattern; the same lines match), and the others, tried one by one. */
const ANCHORED = new RegExp(
  ALL.filter((re) => re.source.startsWith("^"))
    .map((re) => `(?:${re.source})`)
    .join("|"),
);
const UNANCHORED = ALL.filter((re) => !re.source.startsWith("^"));

/** Longest line tested (a guard against pathological pasted lines; real report lines are < 1 KiB). */
export const MAX_MATCH_CHARS = 4096;

/** True when the line is part of a report body. */
export function isReportBody(text: string): boolean {
  const t = text.length > MAX_MATCH_CHARS ? text.slice(0, MAX_MATCH_CHARS) : text;
  if (ANCHORED.test(t)) return true;
  for (const re of UNANCHORED) if (re.test(t)) return true;
  return false;
}

/** A line that ends the victim part of an OOM report (kill, reaper, sharing-mm lines). */
export function isKillTail(text: string): boolean {
  // "Killed process" (all eras), "oom_reaper: reaped process" (4.6+),
  // "Kill process .. sharing same memory" (2.6.3x-5.x)
  return /(?:^|: )Killed process \d|^oom_reaper: |^Kill process \d{1,10} \(.{0,64}\) sharing same memory/.test(text);
}
