// The text of the 6.18 OOM report and page allocation failure report, line by line, each expected
// line written out by hand from the kernel's format string quoted beside it (mm/oom_kill.c,
// mm/show_mem.c, mm/swap_state.c, mm/hugetlb.c, mm/page_alloc.c, lib/dump_stack.c; 6.18), on the rig
// machine (test/linux-6.18/mm/rig.ts). Then the same shape as a real 6.x report (028, 6.1.1).

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { outOfMemory618 } from "../../../bindings/linux-6.18/mm/oom_kill.js";
import { parseReports, type ParsedReport } from "../../../bindings/parse/reports.js";
import { nopageRatelimitState } from "../../../bindings/linux-6.18/lib/ratelimit.js";
import { WARN_ALLOC_STACK_KMALLOC } from "../../../bindings/linux-6.18/lib/dump_stack.js";
import { pageAllocFailureMessage, warnAlloc618 } from "../../../bindings/linux-6.18/mm/warn_alloc.js";
import { HZ, machine, system } from "./rig.js";

const STACK = [
  "Call Trace:",
  " <TASK>",
  " dump_stack_lvl+0x5d/0x80",
  " dump_header+0x43/0x1b0",
  " oom_kill_process+0xfa/0x200",
  " out_of_memory+0x244/0x570",
  " __alloc_pages_slowpath.constprop.0+0xa8d/0xe60",
  " __alloc_frozen_pages_noprof+0x2d3/0x330",
  " alloc_pages_mpol+0xd9/0x1c0",
  " folio_alloc_mpol_noprof+0x14/0x40",
  " vma_alloc_folio_noprof+0x6c/0xd0",
  " do_anonymous_page+0xa3/0x7b0",
  " __handle_mm_fault+0xa9c/0xf20",
  " handle_mm_fault+0xe7/0x2e0",
  " do_user_addr_fault+0x21a/0x690",
  " exc_page_fault+0x6c/0x150",
  " asm_exc_page_fault+0x26/0x30",
  " </TASK>",
];

/** show_free_areas and __show_mem of the rig, for a request whose gfp_zone is Movable or DMA32. */
const MEM_INFO = [
  "Mem-Info:", // printk("Mem-Info:\n")
  // "active_anon:%lu inactive_anon:%lu isolated_anon:%lu\n active_file:%lu inactive_file:%lu isolated_file:%lu\n
  //  unevictable:%lu dirty:%lu writeback:%lu\n slab_reclaimable:%lu slab_unreclaimable:%lu\n
  //  mapped:%lu shmem:%lu pagetables:%lu\n sec_pagetables:%lu bounce:%lu\n kernel_misc_reclaimable:%lu\n
  //  free:%lu free_pcp:%lu free_cma:%lu\n" (global counters in pages; free = 907 + 2973, free_pcp = 31 + 7)
  "active_anon:230000 inactive_anon:240000 isolated_anon:0",
  " active_file:60 inactive_file:150 isolated_file:0",
  " unevictable:0 dirty:1 writeback:1",
  " slab_reclaimable:3200 slab_unreclaimable:6100",
  " mapped:120 shmem:800 pagetables:1100",
  " sec_pagetables:0 bounce:0",
  " kernel_misc_reclaimable:0",
  " free:3880 free_pcp:38 free_cma:0",
  // "Node %d active_anon:%lukB ... shmem:%lukB shmem_thp:%lukB shmem_pmdmapped:%lukB anon_thp:%lukB
  //  kernel_stack:%lukB pagetables:%lukB sec_pagetables:%lukB all_unreclaimable? %s Balloon:%lukB\n"
  "Node 0 active_anon:920000kB inactive_anon:960000kB active_file:240kB inactive_file:600kB unevictable:0kB " +
    "isolated(anon):0kB isolated(file):0kB mapped:480kB dirty:4kB writeback:4kB shmem:3200kB shmem_thp:0kB " +
    "shmem_pmdmapped:0kB anon_thp:0kB kernel_stack:2112kB pagetables:4400kB sec_pagetables:0kB " +
    "all_unreclaimable? no Balloon:0kB",
  // show_node "Node %d " then "%s free:%lukB boost:%lukB min:%lukB low:%lukB high:%lukB
  // reserved_highatomic:%luKB free_highatomic:%luKB active_anon:%lukB ... writepending:%lukB zspages:%lukB
  // present:%lukB managed:%lukB mlocked:%lukB bounce:%lukB free_pcp:%lukB local_pcp:%ukB free_cma:%lukB\n"
  "Node 0 DMA free:3628kB boost:0kB min:132kB low:164kB high:196kB reserved_highatomic:0KB " +
    "free_highatomic:0KB active_anon:0kB inactive_anon:0kB active_file:0kB inactive_file:0kB unevictable:0kB " +
    "writepending:0kB zspages:0kB present:15996kB managed:15360kB mlocked:0kB bounce:0kB free_pcp:0kB " +
    "local_pcp:0kB free_cma:0kB",
  "lowmem_reserve[]: 0 1907 1907 1907 1907", // "lowmem_reserve[]:" then " %ld" per zone
  "Node 0 DMA32 free:11892kB boost:0kB min:16020kB low:20024kB high:24028kB reserved_highatomic:0KB " +
    "free_highatomic:0KB active_anon:920000kB inactive_anon:960000kB active_file:240kB inactive_file:600kB " +
    "unevictable:0kB writepending:8kB zspages:0kB present:2080640kB managed:1953168kB mlocked:0kB bounce:0kB " +
    "free_pcp:152kB local_pcp:28kB free_cma:0kB",
  "lowmem_reserve[]: 0 0 0 0 0",
  // "%s: " then "%lu*%lukB " and, for a non-empty order, "(%s) " of show_migration_types; "= %lukB\n"
  "Node 0 DMA: 1*4kB (U) 1*8kB (U) 0*16kB 1*32kB (U) 2*64kB (U) 1*128kB (U) 1*256kB (U) 0*512kB " +
    "1*1024kB (U) 1*2048kB (M) 0*4096kB = 3628kB",
  "Node 0 DMA32: 913*4kB (UM) 402*8kB (UM) 180*16kB (UM) 41*32kB (UM) 9*64kB (UM) 2*128kB (UM) 0*256kB " +
    "0*512kB 0*1024kB 0*2048kB 0*4096kB = 11892kB",
  // "Node %d hugepages_total=%u hugepages_free=%u hugepages_surp=%u hugepages_size=%lukB\n"
  "Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=1048576kB",
  "Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=2048kB",
  "1500 total pagecache pages", // "%ld total pagecache pages\n"
  "12 pages in swap cache", // "%lu pages in swap cache\n"
  "Free swap  = 0kB", // "Free swap  = %ldkB\n"
  "Total swap = 1048572kB", // "Total swap = %lukB\n"
  "524159 pages RAM", // "%lu pages RAM\n": 3999 + 520160 present
  "0 pages HighMem/MovableOnly",
  "32027 pages reserved", // present - managed: 159 + 31868
  "0 pages cma reserved",
  "0 pages hwpoisoned",
];

describe("the OOM report, line by line", () => {
  const s = system();
  s.tasks[5].memcg = "/user.slice/user-1000.slice/session-2.scope";
  const r = outOfMemory618(s, { gfpMask: 0x140dca, order: 0, nodemask: null });

  it("matches every format string", () => {
    expect(r.lines).toEqual([
      // "%s invoked oom-killer: gfp_mask=%#x(%pGg), order=%d, oom_score_adj=%hd\n"
      "stress invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP), order=0, " +
        "oom_score_adj=0",
      // "CPU: %d UID: %u PID: %d Comm: %.20s %s%s %s %.*s %s " BUILD_ID_FMT "\n" (BUILD_ID_FMT "%s" of "")
      "CPU: 1 UID: 1000 PID: 4242 Comm: stress Not tainted 6.18.2 #1 PREEMPT(voluntary) ",
      "Hardware name: oomlab simulated machine, BIOS oomlab 01/01/2026", // "%sHardware name: %s\n"
      ...STACK,
      ...MEM_INFO,
      "Tasks state (memory values in pages):",
      "[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name",
      // "[%7d] %5d %5d %8lu %8lu %8lu %8lu %9lu %8ld %8lu         %5hd %s\n"
      "[    612]     0   612    12000     1120      120      400       600   106496       30          -250 " +
        "systemd-journal",
      "[    880]     0   880     4300      900      200      700         0    81920       40         -1000 sshd",
      "[   1500]  1000  1500   210000    90300    90000      300         0  1556480   100000             0 worker",
      "[   4242]  1000  4242   640000   380120   380000      120         0  4300800   160000             0 stress",
      // "oom-kill:constraint=%s,nodemask=%*pbl" ",cpuset=" "%s" ",mems_allowed=%*pbl" ",global_oom"
      // ",task_memcg=" "%s" ",task=%s,pid=%d,uid=%d\n"
      "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom," +
        "task_memcg=/user.slice/user-1000.slice/session-2.scope,task=stress,pid=4242,uid=1000",
      // "%s: Killed process %d (%s) total-vm:%lukB, anon-rss:%lukB, file-rss:%lukB, shmem-rss:%lukB,
      //  UID:%u pgtables:%lukB oom_score_adj:%hd\n" (pgtables: 4300800 >> 10)
      "Out of memory: Killed process 4242 (stress) total-vm:2560000kB, anon-rss:1520000kB, file-rss:480kB, " +
        "shmem-rss:0kB, UID:1000 pgtables:4200kB oom_score_adj:0",
    ]);
  });

  it("has the shape of a real 6.x report (028, Linux 6.1.1): the same line starts in the same order", () => {
    const real = readFileSync(
      new URL("../../fixtures/028-oomanalyser-archlinux-6.1.1-x86_64-global-oom-doxygen.log", import.meta.url),
      "utf8",
    ).split("\n");
    // the line kinds, by their leading text: header, CPU, Hardware, Call Trace, Mem-Info, counters, node,
    // zones, per-order lines, hugepages, page cache, swap, RAM, tasks, oom-kill, Killed, oom_reaper
    const kind = (l: string): string | null => {
      const k = [
        [/ invoked oom-killer: gfp_mask=0x[0-9a-f]+\(.*\), order=\d+, oom_score_adj=-?\d+$/, "header"],
        [/^CPU: \d+ (UID: \d+ )?PID: \d+ Comm: /, "cpu"],
        [/^Mem-Info:$/, "meminfo"],
        [/^active_anon:\d+ inactive_anon:\d+ isolated_anon:\d+$/, "counters"],
        [/^Node \d+ active_anon:\d+kB /, "node"],
        [/^Node \d+ \w+ free:\d+kB boost:\d+kB min:\d+kB low:\d+kB high:\d+kB reserved_highatomic:\d+KB /, "zone"],
        [/^lowmem_reserve\[\]:( \d+)+$/, "reserve"],
        [/^Node \d+ \w+: (\d+\*\d+kB (\([UMEHCI]+\) )?)+= \d+kB$/, "areas"],
        [/^\d+ total pagecache pages$/, "pagecache"],
        [/^Total swap = \d+kB$/, "swap"],
        [/^\d+ pages RAM$/, "ram"],
        [/^Tasks state \(memory values in pages\):$/, "tasks"],
        [
          /^oom-kill:constraint=CONSTRAINT_NONE,nodemask=\(null\),cpuset=\/,mems_allowed=0,global_oom,task_memcg=/,
          "summary",
        ],
        [
          new RegExp(
            String.raw`^Out of memory: Killed process \d+ \(\S+\) total-vm:\d+kB, anon-rss:\d+kB, ` +
              String.raw`file-rss:\d+kB, shmem-rss:\d+kB, UID:\d+ pgtables:\d+kB oom_score_adj:-?\d+$`,
          ),
          "killed",
        ],
      ] as const;
      return k.find(([re]) => re.test(l))?.[1] ?? null;
    };
    // runs of one kind count once (the real machine has three zones, the rig two)
    const kinds = (ls: string[]) =>
      ls
        .map(kind)
        .filter((k) => k !== null)
        .map((k) => (k === "reserve" ? "zone" : k))
        .filter((k, i, a) => k !== a[i - 1]);
    expect(kinds(r.lines)).toEqual(kinds(real));
  });
});

describe("warn_alloc's page allocation failure report", () => {
  const input = (jiffies: number, rs = nopageRatelimitState(HZ)) => ({
    gfpMask: 0x40cc0, // GFP_KERNEL|__GFP_COMP: kmalloc_large
    nodemask: null,
    message: pageAllocFailureMessage(4),
    comm: "modprobe",
    memsAllowed: [0],
    jiffies,
    nopageRs: rs,
    dumpStack: {
      info: {
        cpu: 0,
        euid: 0,
        pid: 377,
        comm: "modprobe",
        release: "6.18.2",
        version: "#1 SMP",
        preemptModel: "PREEMPT(voluntary)",
      },
      frames: WARN_ALLOC_STACK_KMALLOC,
    },
    showMem: machine(),
  });

  it("prints the header, dump_stack and show_mem for gfp_zone(GFP_KERNEL) = Normal", () => {
    const w = warnAlloc618(input(1000));
    expect(w.printed).toBe(true);
    expect(w.lines.slice(0, 4)).toEqual([
      // "%s: %pV, mode:%#x(%pGg), nodemask=%*pbl" ",cpuset=" "%s" ",mems_allowed=%*pbl" "\n"
      "modprobe: page allocation failure: order:4, mode:0x40cc0(GFP_KERNEL|__GFP_COMP), nodemask=(null)," +
        "cpuset=/,mems_allowed=0",
      "CPU: 0 UID: 0 PID: 377 Comm: modprobe Not tainted 6.18.2 #1 PREEMPT(voluntary) ", // no Hardware name given
      "Call Trace:",
      " <TASK>",
    ]);
    expect(w.lines.slice(4 + WARN_ALLOC_STACK_KMALLOC.length + 1)).toEqual(MEM_INFO);
  });

  it("__GFP_NOWARN prints nothing and leaves nopage_rs untouched; a second failure within 10 s is held back", () => {
    const rs = nopageRatelimitState(HZ);
    expect(warnAlloc618({ ...input(1000, rs), gfpMask: 0x42cc0 })).toEqual({
      printed: false,
      suppressed: "nowarn",
      lines: [],
    });
    expect(rs.flags).toBe(0); // not even initialized
    expect(warnAlloc618(input(1000, rs)).printed).toBe(true);
    expect(warnAlloc618(input(1000 + 10 * HZ, rs)).suppressed).toBe("ratelimited"); // not after begin + interval yet
    const later = warnAlloc618(input(1000 + 10 * HZ + 1, rs));
    expect(later.lines[0]).toBe("warn_alloc: 1 callbacks suppressed");
    expect(later.lines[1]).toMatch(/^modprobe: page allocation failure: order:4, /);
  });

  it("a DMA request on a machine without managed DMA prints nothing but uses up the ratelimit", () => {
    const rs = nopageRatelimitState(HZ);
    const dma = { ...input(5, rs), gfpMask: 0xcc1, hasManagedDma: false };
    expect(warnAlloc618(dma).suppressed).toBe("no-managed-dma");
    expect(warnAlloc618(input(6, rs)).suppressed).toBe("ratelimited");
  });

  it("shows only the zones up to gfp_zone: GFP_DMA shows DMA alone", () => {
    const w = warnAlloc618({ ...input(5), gfpMask: 0xcc1, hasManagedDma: true });
    expect(w.lines[0]).toBe(
      "modprobe: page allocation failure: order:4, mode:0xcc1(GFP_KERNEL|GFP_DMA), nodemask=(null),cpuset=/," +
        "mems_allowed=0",
    );
    expect(w.lines.filter((l) => / free:\d+kB boost:/.test(l)).map((l) => l.split(" ")[2])).toEqual(["DMA"]);
    expect(w.lines).toContain(" free:3880 free_pcp:0 free_cma:0"); // free_pcp sums shown zones only
  });

  it("parses into the same fields as a real 6.x failure (041, Linux 6.8): 6.18 adds zone fields only", () => {
    const real = parseReports(
      readFileSync(
        new URL(
          "../../fixtures/041-lkml-6.8.0-x86_64-boot-dma-pool-order9-gfp-dma-zone-too-small.log",
          import.meta.url,
        ),
        "utf8",
      ),
    );
    const w = warnAlloc618({ ...input(5), gfpMask: 0xcc1, message: pageAllocFailureMessage(9), hasManagedDma: true });
    const ours = parseReports(`${w.lines.join("\n")}\n`);
    expect([real.warnings, ours.warnings]).toEqual([[], []]);
    const set = (r: ParsedReport) =>
      Object.entries(r)
        .filter(([k, v]) => v !== null && !["line", "endLine", "time", "lines"].includes(k))
        .map(([k]) => k);
    const [a, b] = [real.reports[0], ours.reports[0]];
    expect(set(b)).toEqual(set(a));
    expect([b.kind, b.format, b.order, b.gfpMask, b.gfpFlagsPrinted, b.nodemask]).toEqual([
      a.kind,
      a.format,
      a.order,
      a.gfpMask,
      a.gfpFlagsPrinted,
      a.nodemask,
    ]);
    const fields = (r: ParsedReport) => Object.keys(r.zones[0].fieldsKb);
    expect(fields(b).filter((f) => !fields(a).includes(f))).toEqual(["free_highatomic", "zspages"]);
    expect(fields(a).filter((f) => !fields(b).includes(f))).toEqual([]);
  });
});
