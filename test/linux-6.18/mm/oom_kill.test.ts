// The 6.18 OOM killer (mm/oom_kill.c 6.18): oom_badness worked by hand, select_bad_process's ties
// and exclusions, constrained_alloc, out_of_memory's own exits, the kill and the reaper, and the
// report text line by line against the kernel's format strings (quoted beside each expectation).

import { describe, expect, it } from "vitest";
import {
  OOM_POINTS_MAX,
  bitmapList,
  constrainedAlloc,
  oomBadness,
  oomReapTask618,
  outOfMemory618,
  selectBadProcess,
  taskWillFreeMem,
} from "../../../bindings/linux-6.18/mm/oom_kill.js";
import { OomlabError } from "../../../bindings/errors.js";
import { HZ, mm, system, task, tasks } from "./rig.js";

const GFP_KERNEL = 0xcc0;
const GFP_NOFS = 0xc40;
/** GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO: an anonymous THP-less page fault's mask (028's). */
const GFP_FAULT = 0x140dca;
const oc = (gfpMask = GFP_FAULT, order = 0) => ({ gfpMask, order, nodemask: null });

describe("oom_badness", () => {
  // points = get_mm_rss(mm) + get_mm_counter(mm, MM_SWAPENTS) + mm_pgtables_bytes(mm) / PAGE_SIZE;
  // adj *= totalpages / 1000; points += adj.
  const totalpages = 492132 + 262143; // totalram_pages() + total_swap_pages = 754275; / 1000 = 754

  it("adds rss, swap entries and page-table pages, then oom_score_adj x totalpages/1000", () => {
    const ts = tasks();
    // worker: 90000 + 300 + 0 rss + 100000 swap + 1556480 / 4096 = 380 page-table pages = 190680
    expect(oomBadness(ts[4], totalpages)).toBe(190680);
    // stress: 380000 + 120 + 160000 + 4300800 / 4096 = 1050 -> 541170
    expect(oomBadness(ts[5], totalpages)).toBe(541170);
    // systemd-journal: 120 + 400 + 600 + 30 + 106496 / 4096 = 26 -> 1176; -250 x 754 = -188500 -> -187324
    expect(oomBadness(ts[2], totalpages)).toBe(-187324);
  });

  it("rounds page tables down and divides totalpages before multiplying", () => {
    const t = task(100, "a", mm(10, 0, 0, 0, 4095));
    expect(oomBadness(t, totalpages)).toBe(10); // 4095 bytes are 0 pages
    t.oomScoreAdj = 1;
    expect(oomBadness(t, 999)).toBe(10); // 999 / 1000 = 0: +1 adds nothing
    expect(oomBadness(t, 1999)).toBe(11); // 1999 / 1000 = 1
    t.oomScoreAdj = 1000; // OOM_SCORE_ADJ_MAX: + totalpages/1000 x 1000
    expect(oomBadness(t, totalpages)).toBe(10 + 754000);
    t.oomScoreAdj = -999; // not the minimum: still a score, negative
    expect(oomBadness(t, totalpages)).toBe(10 - 999 * 754);
  });

  it("is LONG_MIN (null) for init, kernel threads, no mm, -1000, MMF_OOM_SKIP and vfork", () => {
    const m = mm(5000);
    expect(oomBadness(task(1, "init", m), totalpages)).toBeNull();
    expect(oomBadness(task(7, "kworker/0:1", m, { kthread: true }), totalpages)).toBeNull();
    expect(oomBadness(task(8, "exited", null), totalpages)).toBeNull();
    expect(oomBadness(task(9, "sshd", m, { oomScoreAdj: -1000 }), totalpages)).toBeNull();
    expect(oomBadness(task(10, "vforker", m, { inVfork: true }), totalpages)).toBeNull();
    expect(oomBadness(task(11, "reaped", { ...m, oomSkip: true }), totalpages)).toBeNull();
    expect(oomBadness(task(12, "ok", m), totalpages)).toBe(5000);
  });

  it("refuses an oom_score_adj outside -1000 .. 1000", () => {
    expect(() => oomBadness(task(5, "x", mm(1), { oomScoreAdj: 1001 }), totalpages)).toThrow(OomlabError);
  });
});

describe("select_bad_process / oom_evaluate_task", () => {
  it("chooses the highest points; a tie goes to the LATER task (points < chosen_points skips)", () => {
    const a = task(100, "first", mm(5000));
    const b = task(200, "second", mm(5000));
    const s = system([a, b]);
    const sel = selectBadProcess(s, oc(), 754275);
    expect(sel.chosen).toBe(b);
    expect(sel.candidates).toEqual([
      { pid: 100, comm: "first", points: 5000 },
      { pid: 200, comm: "second", points: 5000 },
    ]);
    // one page more for the first: it wins
    a.mm = mm(5001);
    expect(selectBadProcess(system([a, b]), oc(), 754275).chosen).toBe(a);
  });

  it("never chooses -1000, even alone; chooses a negative score over nothing", () => {
    const s = system([task(100, "sshd", mm(90000), { oomScoreAdj: -1000 })]);
    expect(selectBadProcess(s, oc(), 754275).chosen).toBeNull();
    const neg = task(200, "journal", mm(10), { oomScoreAdj: -500 });
    const s2 = system([task(100, "sshd", mm(90000), { oomScoreAdj: -1000 }), neg]);
    const sel = selectBadProcess(s2, oc(), 754275);
    expect(sel.chosen).toBe(neg);
    expect(sel.chosenPoints).toBe(10 - 500 * 754);
  });

  it("+1000 outweighs any rss: a small task with oom_score_adj 1000 is chosen", () => {
    const big = task(100, "big", mm(700000));
    const small = task(200, "small", mm(10), { oomScoreAdj: 1000 }); // 10 + 754000 > 700000
    expect(selectBadProcess(system([small, big]), oc(), 754275).chosen).toBe(small);
    // with a quarter of the memory, totalpages/1000 = 188: 10 + 188000 < 700000
    expect(selectBadProcess(system([small, big]), oc(), 188568).chosen).toBe(big);
  });

  it("aborts on a victim that still holds its mm, skips one whose mm is MMF_OOM_SKIP", () => {
    const victimMm = mm(100);
    const v = task(300, "dying", victimMm, { oomMm: victimMm, memdie: true });
    const other = task(400, "other", mm(50));
    expect(selectBadProcess(system([other, v]), oc(), 754275).chosen).toBe("abort");
    victimMm.oomSkip = true;
    expect(selectBadProcess(system([other, v]), oc(), 754275).chosen).toBe(other);
    // SysRq-f (order -1) does not abort: the victim is scored like any task (100 > 50 points)
    victimMm.oomSkip = false;
    expect(selectBadProcess(system([other, v]), oc(GFP_KERNEL, -1), 754275).chosen).toBe(v);
  });

  it("an oom_task_origin task (swapoff) gets LONG_MAX", () => {
    const s = task(500, "swapoff", mm(1), { oomOrigin: true });
    const sel = selectBadProcess(system([task(100, "big", mm(700000)), s]), oc(), 754275);
    expect(sel.chosen).toBe(s);
    expect(sel.chosenPoints).toBe(OOM_POINTS_MAX);
  });

  it("skips tasks whose cpuset mems do not meet current's (oom_cpuset_eligible, NUMA)", () => {
    const cur = task(100, "cur", mm(10), { memsAllowed: [0] });
    const far = task(200, "far", mm(90000), { memsAllowed: [1] });
    const s = system([cur, far], { current: cur, memoryNodes: [0, 1], nodePresentPages: [100000, 100000] });
    expect(selectBadProcess(s, oc(), 754275).chosen).toBe(cur);
    expect(selectBadProcess({ ...s, numa: false }, oc(), 754275).chosen).toBe(far);
  });
});

describe("constrained_alloc", () => {
  const two = () => system(tasks(), { memoryNodes: [0, 1], nodePresentPages: [300000, 200000], totalramPages: 480000 });
  it("CONSTRAINT_NONE: totalram_pages() + total_swap_pages", () => {
    expect(constrainedAlloc(two(), oc())).toEqual({ constraint: "CONSTRAINT_NONE", totalpages: 480000 + 262143 });
    expect(constrainedAlloc(two(), { ...oc(), nodemask: [0, 1] }).constraint).toBe("CONSTRAINT_NONE");
  });
  it("CONSTRAINT_MEMORY_POLICY: a nodemask short of N_MEMORY; swap + its nodes' present pages", () => {
    expect(constrainedAlloc(two(), { ...oc(), nodemask: [1] })).toEqual({
      constraint: "CONSTRAINT_MEMORY_POLICY",
      totalpages: 262143 + 200000,
    });
    // __GFP_THISNODE (0x200000) is CONSTRAINT_NONE whatever the nodemask
    expect(constrainedAlloc(two(), { ...oc(GFP_FAULT | 0x200000), nodemask: [1] }).constraint).toBe("CONSTRAINT_NONE");
  });
  it("CONSTRAINT_CPUSET: swap + the present pages of current's mems_allowed", () => {
    const s = two();
    s.cpusetLimited = true;
    s.current.memsAllowed = [0];
    expect(constrainedAlloc(s, oc())).toEqual({ constraint: "CONSTRAINT_CPUSET", totalpages: 262143 + 300000 });
  });
});

describe("out_of_memory: its own exits", () => {
  it("oom_killer_disabled: false, nothing printed", () => {
    const r = outOfMemory618(system(tasks(), { oomKillerDisabled: true }), oc());
    expect([r.ret, r.exit, r.lines]).toEqual([false, "oom-killer-disabled", []]);
  });
  it("the notifiers freed pages: true, no kill", () => {
    const r = outOfMemory618(system(tasks(), { notifierFreed: 256 }), oc());
    expect([r.ret, r.exit, r.killed]).toEqual([true, "notifier-freed", []]);
  });
  it("current is exiting: it becomes the victim (TIF_MEMDIE, reaper queued), no report", () => {
    const s = system();
    s.current.exiting = true; // PF_EXITING, single-threaded, sole mm user
    const r = outOfMemory618(s, oc());
    expect([r.ret, r.exit, r.lines, r.markedVictim]).toEqual([true, "current-will-free-mem", [], 4242]);
    expect(r.reaper).toEqual({ pid: 4242, comm: "stress", dueJiffies: 100_000 + 2 * HZ });
    expect(s.current.memdie).toBe(true);
  });
  it("a coredumping or multi-threaded PF_EXITING task will not free its memory", () => {
    const s = system();
    s.current.exiting = true;
    s.current.threads = 4;
    expect(taskWillFreeMem(s, s.current)).toBe(false);
    s.current.groupExit = true; // SIGNAL_GROUP_EXIT: the whole group is going
    expect(taskWillFreeMem(s, s.current)).toBe(true);
    s.current.coreDumping = true;
    expect(taskWillFreeMem(s, s.current)).toBe(false);
  });
  it('without __GFP_FS: true ("progress"), no kill, nothing printed', () => {
    const r = outOfMemory618(system(), oc(GFP_NOFS));
    expect([r.ret, r.exit, r.lines, r.killed]).toEqual([true, "no-fs", [], []]);
  });
  it("panic_on_oom=1: dump_header then panic, for CONSTRAINT_NONE only", () => {
    const r = outOfMemory618(system(tasks(), { sysctl: { panicOnOom: 1 } }), oc());
    expect(r.exit).toBe("panic-on-oom");
    expect(r.lines[r.lines.length - 1]).toBe(
      "Kernel panic - not syncing: Out of memory: system-wide panic_on_oom is enabled",
    );
    const two = (panicOnOom: number) =>
      system(tasks(), { sysctl: { panicOnOom }, memoryNodes: [0, 1], nodePresentPages: [300000, 200000] });
    expect(outOfMemory618(two(1), { ...oc(), nodemask: [1] }).exit).toBe("killed"); // a mempolicy OOM
    const r2 = outOfMemory618(two(2), { ...oc(), nodemask: [1] });
    expect(r2.panic).toBe("Out of memory: compulsory panic_on_oom is enabled");
  });
  it('no killable task: the header, "Out of memory and no killable processes...", then panic', () => {
    const only = [task(1, "init", mm(10)), task(300, "sshd", mm(100), { oomScoreAdj: -1000 })];
    const s = system(only, { current: only[1] });
    const r = outOfMemory618(s, oc());
    expect(r.exit).toBe("no-killable-panic");
    expect(r.lines.slice(-2)).toEqual([
      "Out of memory and no killable processes...",
      "Kernel panic - not syncing: System is deadlocked on memory",
    ]);
    expect(r.candidates).toEqual([{ pid: 300, comm: "sshd", points: null }]);
  });
  it("vm.oom_kill_allocating_task kills current, with its own message", () => {
    const r = outOfMemory618(system(tasks(), { sysctl: { oomKillAllocatingTask: true } }), oc());
    expect(r.killed).toEqual([{ pid: 4242, comm: "stress" }]);
    expect(r.lines.some((l) => l.startsWith("Out of memory (oom_kill_allocating_task): Killed process 4242"))).toBe(
      true,
    );
  });
});

describe("the kill", () => {
  it("kills the highest badness, marks it, queues the reaper 2*HZ later, counts oom_kill", () => {
    const s = system();
    const r = outOfMemory618(s, oc());
    expect(r.ret).toBe(true);
    expect(r.totalpages).toBe(754275);
    expect(r.chosen).toEqual({ pid: 4242, comm: "stress", points: 541170 });
    expect(r.candidates.map((c) => [c.pid, c.points])).toEqual([
      [612, -187324],
      [880, null],
      [1500, 190680],
      [4242, 541170],
    ]);
    expect(r.killed).toEqual([{ pid: 4242, comm: "stress" }]);
    expect(r.oomKill).toBe(1);
    expect(r.reaper).toEqual({ pid: 4242, comm: "stress", dueJiffies: 100_000 + 500 });
    const v = s.tasks[5];
    expect([v.groupExit, v.memdie, v.oomMm === v.mm, v.mm?.reapQueued]).toEqual([true, true, true, true]);
    // stress, the victim, allocating again: it is exiting, so it just gets the reserves
    expect(outOfMemory618(s, oc()).exit).toBe("current-will-free-mem");
    // another task's OOM before the reaper ran: the victim still holds its mm, nobody else is killed
    const again = outOfMemory618({ ...s, current: s.tasks[4] }, oc());
    expect([again.ret, again.exit, again.killed]).toEqual([true, "abort-existing-victim", []]);
  });

  it("kills every process sharing the victim's mm; init sharing it pins the mm (no reaper)", () => {
    const shared = mm(50000);
    const ts = [task(100, "parent", shared), task(101, "vforked", shared), task(200, "other", mm(10))];
    const r = outOfMemory618(system(ts, { current: ts[2] }), oc());
    expect(r.killed.map((k) => k.pid)).toEqual([101, 100]); // the later of the tie is the victim
    expect(r.reaper?.pid).toBe(101);
    const pinned = mm(50000);
    const ts2 = [task(1, "init", pinned), task(100, "big", pinned), task(200, "other", mm(10))];
    const r2 = outOfMemory618(system(ts2, { current: ts2[2] }), oc());
    expect(r2.lines).toContain("oom killer 100 (big) has mm pinned by 1 (init)");
    expect(r2.reaper).toBeNull();
    expect(pinned.oomSkip).toBe(true);
  });

  it("a chosen task that is already exiting is marked, not killed, and nothing is printed", () => {
    const ts = tasks();
    ts[5].groupExit = true; // stress got SIGKILL elsewhere
    const s = system(ts, { current: ts[4] });
    const r = outOfMemory618(s, oc());
    expect([r.exit, r.lines, r.killed, r.markedVictim]).toEqual(["victim-will-free-mem", [], [], 4242]);
  });

  it("oom_rs lets 10 reports through in 5 s, then only the kill lines, then says how many it held back", () => {
    const s = system();
    const reports: boolean[] = [];
    for (let i = 0; i < 12; i++) {
      const fresh = system(tasks(), { oomRs: s.oomRs, jiffies: 100_000 + i });
      const r = outOfMemory618(fresh, oc());
      reports.push(r.lines[0].includes("invoked oom-killer"));
      expect(r.lines[r.lines.length - 1]).toMatch(/^Out of memory: Killed process 4242 \(stress\)/);
    }
    expect(reports).toEqual([...Array(10).fill(true), false, false]);
    const later = outOfMemory618(system(tasks(), { oomRs: s.oomRs, jiffies: 100_000 + 5 * HZ + 1 }), oc());
    expect(later.lines.slice(0, 2)).toEqual([
      "oom_kill_process: 2 callbacks suppressed", // "%s: %d callbacks suppressed\n"
      "stress invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP), order=0, " +
        "oom_score_adj=0",
    ]);
  });
});

describe("the oom reaper", () => {
  it("unmaps anonymous and private memory: anon and swap freed, shared shmem stays", () => {
    const s = system();
    const v = s.tasks[5];
    v.mm = mm(380000, 120, 64, 160000, 4300800);
    outOfMemory618(s, oc());
    const r = oomReapTask618(v, 4, HZ);
    expect(r).toMatchObject({
      ran: true,
      reaped: true,
      attempts: 1,
      sleptJiffies: 0,
      freedAnonPages: 380000,
      freedSwapEnts: 160000,
      unmappedFilePages: 120,
      unmappedShmemPages: 0,
    });
    // "oom_reaper: reaped process %d (%s), now anon-rss:%lukB, file-rss:%lukB, shmem-rss:%lukB\n"
    expect(r.lines).toEqual([
      "oom_reaper: reaped process 4242 (stress), now anon-rss:0kB, file-rss:0kB, shmem-rss:256kB",
    ]);
    expect(v.mm?.oomSkip).toBe(true); // the next OOM may choose another task
    expect(selectBadProcess(s, oc(), 754275).chosen).toBe(s.tasks[4]);
  });

  it("does nothing for a victim that exited on its own (exit_mmap set MMF_OOM_SKIP)", () => {
    const s = system();
    outOfMemory618(s, oc());
    const v = s.tasks[5];
    if (v.mm) v.mm.oomSkip = true;
    expect(oomReapTask618(v, 4, HZ)).toMatchObject({ ran: false, reaped: false, lines: [] });
  });

  it("retries mmap_read_trylock 10 times, HZ/10 apart, then gives up", () => {
    const s = system();
    outOfMemory618(s, oc());
    const v = s.tasks[5];
    const r = oomReapTask618(v, 4, HZ, 3);
    expect([r.reaped, r.attempts, r.sleptJiffies]).toEqual([true, 4, 3 * 25]);
    const s2 = system();
    outOfMemory618(s2, oc());
    const r2 = oomReapTask618(s2.tasks[5], 4, HZ, 10);
    // "oom_reaper: unable to reap pid:%d (%s)\n"
    expect(r2.lines).toEqual(["oom_reaper: unable to reap pid:4242 (stress)"]);
    expect([r2.reaped, r2.attempts, r2.sleptJiffies, s2.tasks[5].mm?.oomSkip]).toEqual([false, 10, 250, true]);
  });
});

describe("%*pbl", () => {
  it.each<[number[] | null, string]>([
    [null, "(null)"],
    [[0], "0"],
    [[0, 1, 2, 3], "0-3"],
    [[3, 0, 2], "0,2-3"],
    [[], ""],
  ])("%j -> %s", (nodes, text) => {
    expect(bitmapList(nodes)).toBe(text);
  });
});
