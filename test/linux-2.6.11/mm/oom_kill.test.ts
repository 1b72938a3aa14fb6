// The 2.6.11 OOM killer (mm/oom_kill.c 2.6.11) and 2.6.11 gfp decoding
// (include/linux/gfp.h 2.6.11). Every badness value below is worked out by hand from the formula.

import { describe, expect, it } from "vitest";
import { decodeGfp2611, gfpZone, GFP_2611 } from "../../../bindings/include/linux/gfp.js";
import { OomlabError } from "../../../bindings/errors.js";
import {
  badness2611,
  oomKillProcess2611,
  outOfMemory2611,
  selectBadProcess2611,
  shiftHz2611,
} from "../../../bindings/linux-2.6.11/mm/oom_kill.js";
import { KernelLog } from "../../../bindings/sim/log.js";
import { SimClock } from "../../../bindings/sim/clock.js";
import type { Task } from "../../../bindings/sim/tasks.js";

/** An unprivileged, un-niced task with its own mm (mm id = pid), started at boot, no CPU time. */
function task(pid: number, over: Partial<Task> = {}): Task {
  return {
    pid,
    comm: `task${pid}`,
    ppid: 1,
    uid: 1000,
    euid: 1000,
    nice: 0,
    capSysAdmin: false,
    capSysRawio: false,
    mm: pid,
    totalVm: 0,
    rss: 0,
    startTimeSec: 0,
    cpuJiffies: 0,
    oomkilladj: 0,
    ...over,
  };
}

const HZ = 100; // SHIFT_HZ 7: cpu_time = cpuJiffies >> 10

describe("SHIFT_HZ (include/linux/jiffies.h 2.6.11)", () => {
  it("follows the #if table", () => {
    expect([12, 24, 48, 96, 100, 128, 192, 250, 300, 384, 768, 1000, 1024, 1535].map(shiftHz2611)).toEqual([
      4, 5, 6, 7, 7, 7, 8, 8, 8, 9, 10, 10, 10, 10,
    ]);
  });
  it("rejects HZ outside 12..1535 (#error You lose.)", () => {
    expect(() => shiftHz2611(11)).toThrow(OomlabError);
    expect(() => shiftHz2611(1536)).toThrow(OomlabError);
  });
});

describe("badness (mm/oom_kill.c 2.6.11)", () => {
  it("adds each child's full total_vm when the child has its own mm, once per thread", () => {
    // P 1000 pages. Child C (own mm 101, 500 pages) and C's thread T (same mm 101, on P's children
    // list: kernel/fork.c copy_process, 2.6.12-rc2) add 500 each; V shares P's mm (CLONE_VM) and K has
    // no mm: both add nothing.
    // uptime 0, start 0: run_time 0 and cpu_time 0, so no division. 1000 + 500 + 500 = 2000.
    const p = task(100, { totalVm: 1000 });
    const tasks = [
      p,
      task(101, { ppid: 100, totalVm: 500 }),
      task(102, { ppid: 100, mm: 101, totalVm: 500 }),
      task(103, { ppid: 100, mm: 100, totalVm: 1000 }),
      task(104, { ppid: 100, mm: null, totalVm: 0 }),
      task(105, { ppid: 1, totalVm: 9999 }), // not P's child
    ];
    expect(badness2611(p, tasks, 0, HZ)).toBe(2000);
  });

  it("skips a child that has exited (killed)", () => {
    // 1000 + 0 (the only child is gone) = 1000.
    const p = task(100, { totalVm: 1000 });
    expect(badness2611(p, [p, task(101, { ppid: 100, totalVm: 500, killed: true })], 0, HZ)).toBe(1000);
  });

  it("divides by int_sqrt(cpu_time) and int_sqrt(int_sqrt(run_time))", () => {
    // cpuJiffies 9221 = 9*1024 + 5 → cpu_time = 9221 >> 10 = 9 → int_sqrt 3 → 10000 / 3 = 3333.
    // uptime 16484 = 16*1024 + 100, start 0 → run_time 16 → int_sqrt 4 → int_sqrt 2 → 3333 / 2 = 1666.
    const p = task(200, { totalVm: 10000, cpuJiffies: 9221 });
    expect(badness2611(p, [p], 16484, HZ)).toBe(1666);
    // HZ 1000: SHIFT_HZ 10 → cpu_time = 9221 >> 13 = 1 → int_sqrt 1 → /1; run_time as above → 5000.
    expect(badness2611(p, [p], 16484, 1000)).toBe(5000);
    // cpu_time 3 (3072 jiffies) → int_sqrt 1; run_time 15 (uptime 15*1024+1023=16383) → int_sqrt 3 →
    // int_sqrt 1: no effective division → 10000.
    const q = task(201, { totalVm: 10000, cpuJiffies: 3072 });
    expect(badness2611(q, [q], 16383, HZ)).toBe(10000);
  });

  it("gives run_time 0 when the task started after 'uptime', and uses whole seconds", () => {
    // start 50 > uptime 10 → run_time 0 → no division: 800.
    const p = task(202, { totalVm: 800, startTimeSec: 50 });
    expect(badness2611(p, [p], 10, HZ)).toBe(800);
    // uptime 1024.9 s, start 0.5 s → tv_sec 1024 - 0 = 1024 → run_time 1 → int_sqrt 1 → /1: 800.
    const q = task(203, { totalVm: 800, startTimeSec: 0.5 });
    expect(badness2611(q, [q], 1024.9, HZ)).toBe(800);
    // uptime 4*4096 = 16384, start 0: run_time 16 → 4 → 2 → 800 / 2 = 400.
    expect(badness2611(q, [q], 16384, HZ)).toBe(400);
  });

  it("doubles for nice > 0, quarters for root/CAP_SYS_ADMIN and again for CAP_SYS_RAWIO", () => {
    // nice 5, uid 0, CAP_SYS_RAWIO: 4000 * 2 = 8000 → /4 = 2000 → /4 = 500.
    const a = task(300, { totalVm: 4000, nice: 5, uid: 0, euid: 0, capSysRawio: true });
    expect(badness2611(a, [a], 0, HZ)).toBe(500);
    // euid 0 alone: 4000 / 4 = 1000. uid 0 + CAP_SYS_ADMIN still quarters once: 1000.
    const b = task(301, { totalVm: 4000, euid: 0 });
    const c = task(302, { totalVm: 4000, uid: 0, euid: 0, capSysAdmin: true });
    expect(badness2611(b, [b], 0, HZ)).toBe(1000);
    expect(badness2611(c, [c], 0, HZ)).toBe(1000);
    // CAP_SYS_ADMIN as uid 1000: 1000; negative nice does not change anything: 4000.
    const d = task(303, { totalVm: 4000, capSysAdmin: true });
    const e = task(304, { totalVm: 4000, nice: -5 });
    expect(badness2611(d, [d], 0, HZ)).toBe(1000);
    expect(badness2611(e, [e], 0, HZ)).toBe(4000);
    // Integer division: 1003 pages as root → 1003 / 4 = 250.
    const f = task(305, { totalVm: 1003, uid: 0 });
    expect(badness2611(f, [f], 0, HZ)).toBe(250);
  });

  it("shifts by oomkilladj, and -17 is only a shift in 2.6.11", () => {
    // 3000 << 3 = 24000; 3000 >> 2 = 750; 1001 >> 1 = 500; 3000 >> 17 = 0.
    const cases: [number, number, number][] = [
      [3000, 3, 24000],
      [3000, -2, 750],
      [1001, -1, 500],
      [3000, -17, 0],
    ];
    for (const [vm, adj, want] of cases) {
      const t = task(400, { totalVm: vm, oomkilladj: adj });
      expect(badness2611(t, [t], 0, HZ)).toBe(want);
    }
    // No 32-bit truncation: 3,000,000 << 15 = 98,304,000,000.
    const big = task(401, { totalVm: 3_000_000, oomkilladj: 15 });
    expect(badness2611(big, [big], 0, HZ)).toBe(98_304_000_000);
  });

  it("is 0 for a task without an mm", () => {
    const k = task(2, { mm: null, totalVm: 0 });
    expect(badness2611(k, [k], 0, HZ)).toBe(0);
  });
});

describe("select_bad_process (mm/oom_kill.c 2.6.11)", () => {
  it("takes the first of equal scores", () => {
    const tasks = [task(10, { totalVm: 100 }), task(11, { totalVm: 500 }), task(12, { totalVm: 500 })];
    expect(selectBadProcess2611(tasks, 0, HZ)).toBe(tasks[1]);
  });

  it("takes the first task even at 0 points (`|| !chosen`), then only strictly more", () => {
    const tasks = [task(2, { mm: null }), task(3, { totalVm: 0 })];
    expect(selectBadProcess2611(tasks, 0, HZ)).toBe(tasks[0]);
  });

  it("never chooses init, and returns null with no task above pid 1", () => {
    const init = task(1, { totalVm: 1e6 });
    const t = task(20, { totalVm: 1 });
    expect(selectBadProcess2611([init, t], 0, HZ)).toBe(t);
    expect(selectBadProcess2611([init], 0, HZ)).toBeNull();
  });

  it("returns a PF_SWAPOFF task at once, whatever the scores", () => {
    const tasks = [task(10, { totalVm: 9000 }), task(11, { totalVm: 1, swapoff: true }), task(12, { totalVm: 9999 })];
    expect(selectBadProcess2611(tasks, 0, HZ)).toBe(tasks[1]);
  });

  it("returns 'dying' for TIF_MEMDIE or PF_EXITING without PF_DEAD, in task-list order", () => {
    expect(selectBadProcess2611([task(10, { totalVm: 5 }), task(11, { memdie: true })], 0, HZ)).toBe("dying");
    expect(selectBadProcess2611([task(10, { exiting: true })], 0, HZ)).toBe("dying");
    // PF_DEAD: the exit is complete, the task is scored like any other.
    const dead = task(10, { exiting: true, dead: true, totalVm: 7 });
    expect(selectBadProcess2611([dead], 0, HZ)).toBe(dead);
    // A swapoff task met first wins over a dying task met later.
    const so = task(10, { swapoff: true });
    expect(selectBadProcess2611([so, task(11, { memdie: true })], 0, HZ)).toBe(so);
    // pid 1 is skipped before the dying test.
    expect(selectBadProcess2611([task(1, { memdie: true }), task(10, { totalVm: 3 })], 0, HZ)).not.toBe("dying");
  });

  it("skips tasks already killed, and does not skip oomkilladj -17", () => {
    const gone = task(10, { totalVm: 9000, memdie: true, killed: true });
    const adj = task(11, { totalVm: 100, oomkilladj: -17 });
    expect(selectBadProcess2611([gone, adj], 0, HZ)).toBe(adj);
  });
});

describe("oom_kill_process / oom_kill_task (mm/oom_kill.c 2.6.11)", () => {
  const logOf = () => new KernelLog(new SimClock(HZ));

  it("kills the first child with its own mm, not the highest-scoring child", () => {
    const p = task(10, { totalVm: 100 });
    const shared = task(11, { ppid: 10, mm: 10, totalVm: 100 });
    const small = task(12, { ppid: 10, totalVm: 50, comm: "small" });
    const big = task(13, { ppid: 10, totalVm: 5000, comm: "big" });
    const log = logOf();
    expect(oomKillProcess2611(p, [p, shared, small, big], log)).toEqual([small]);
    expect(log.lines).toEqual(["Out of Memory: Killed process 12 (small)."]);
    expect(small.memdie && small.killed).toBe(true);
    expect(big.killed).toBeUndefined();
    expect(p.killed).toBeUndefined();
  });

  it("falls back to the parent when no child has its own mm", () => {
    // Child 11 shares the parent's mm (CLONE_VM, its own thread group here): it is skipped as a
    // child but dies with the parent's mm in oom_kill_task's loop.
    const p = task(10, { totalVm: 100, comm: "parent" });
    const tasks = [
      p,
      task(11, { ppid: 10, mm: 10, comm: "clone" }),
      task(12, { ppid: 10, mm: null }),
      task(13, { ppid: 10, killed: true }),
    ];
    const log = logOf();
    expect(oomKillProcess2611(p, tasks, log)).toEqual([p, tasks[1]]);
    expect(log.lines).toEqual([
      "Out of Memory: Killed process 10 (parent).",
      "Out of Memory: Killed process 11 (clone).",
    ]);
    expect(tasks[2].killed).toBeUndefined();
  });

  it("also kills every other task sharing the victim's mm, each with its own line", () => {
    const p = task(10, { totalVm: 100, comm: "parent" });
    const c = task(12, { ppid: 10, totalVm: 50, comm: "worker" });
    const clone = task(30, { ppid: 5, mm: 12, totalVm: 50, comm: "worker-t" });
    const other = task(31, { totalVm: 50 });
    const log = logOf();
    expect(oomKillProcess2611(p, [p, c, other, clone], log)).toEqual([c, clone]);
    expect(log.lines).toEqual([
      "Out of Memory: Killed process 12 (worker).",
      "Out of Memory: Killed process 30 (worker-t).",
    ]);
    expect(other.killed).toBeUndefined();
  });

  it("refuses init with a warning, even when it shares the victim's mm", () => {
    const init = task(1, { ppid: 0, totalVm: 300, comm: "init" });
    const vfork = task(50, { ppid: 1, mm: 1, totalVm: 300, comm: "vforked" });
    const log = logOf();
    expect(oomKillProcess2611(vfork, [init, vfork], log)).toEqual([vfork]);
    expect(log.lines).toEqual(["Out of Memory: Killed process 50 (vforked).", "tried to kill init!"]);
    expect(init.killed).toBeUndefined();
    const log2 = logOf();
    expect(oomKillProcess2611(init, [init], log2)).toEqual([]);
    expect(log2.lines).toEqual(["tried to kill init!"]);
  });

  it("kills nothing for an mm-less task (oom_kill_task returns NULL)", () => {
    const k = task(2, { mm: null });
    expect(oomKillProcess2611(k, [k])).toEqual([]);
  });
});

// show_free_areas text from the 2.6.11 ARM report (seed article), passed through as given.
const SHOW_FREE_AREAS = [
  "DMA per-cpu:",
  "cpu 0 hot: low 2, high 6, batch 1",
  "cpu 0 cold: low 0, high 2, batch 1",
  "Normal per-cpu: empty",
  "HighMem per-cpu: empty",
  "",
  "Free pages:        6524kB (0kB HighMem)",
  "Active:20 inactive:23 dirty:0 writeback:0 unstable:0 free:1631 slab:874 mapped:20 pagetables:90",
  "DMA free:6524kB min:1200kB low:1500kB high:1800kB active:80kB inactive:92kB present:16384kB " +
    "pages_scanned:41 all_unreclaimable? no",
  "lowmem_reserve[]: 0 0 0",
  "Normal free:0kB min:0kB low:0kB high:0kB active:0kB inactive:0kB present:0kB pages_scanned:0 all_unreclaimable? no",
  "lowmem_reserve[]: 0 0 0",
  "HighMem free:0kB min:128kB low:160kB high:192kB active:0kB inactive:0kB present:0kB " +
    "pages_scanned:0 all_unreclaimable? no",
  "lowmem_reserve[]: 0 0 0",
  "DMA: 411*4kB 252*8kB 113*16kB 27*32kB 1*64kB 1*128kB 0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = 6524kB",
  "Normal: empty",
  "HighMem: empty",
  "Swap cache: add 24282, delete 24269, find 7705/11790, race 0+0",
  "Free swap  = 124768kB",
  "Total swap = 128448kB",
  "",
].join("\n");
const SHOW_LINES = SHOW_FREE_AREAS.replace(/\n$/, "").split("\n");

describe("out_of_memory (mm/oom_kill.c 2.6.11)", () => {
  function run(tasks: Task[], gfp = 0x2d0) {
    const log = new KernelLog(new SimClock(HZ));
    const freed: Task[] = [];
    const ctx = { tasks, uptimeSec: 600, hz: HZ, gfp, log, showFreeAreas: () => SHOW_FREE_AREAS };
    const freeTaskMemory = (t: Task) => {
      freed.push(t);
      return t.rss;
    };
    const result = outOfMemory2611({ ...ctx, freeTaskMemory });
    return { log, freed, result };
  }

  /** The ARM box: uptime 600 s, start 10 s → run_time (590 >> 10) = 0; no CPU time.
   *  kswapd0 (no mm) 0; syslogd root 400/4 = 100; smbd master root (1500 + child 1600)/4 = 775;
   *  smbd child root 1600/4 = 400. The master wins; its first child with its own mm, 453, dies. */
  function armTasks(): Task[] {
    return [
      task(1, { ppid: 0, comm: "init", uid: 0, euid: 0, totalVm: 300 }),
      task(2, { comm: "kswapd0", mm: null, uid: 0, euid: 0 }),
      task(300, { comm: "syslogd", uid: 0, euid: 0, totalVm: 400, startTimeSec: 10 }),
      task(452, { comm: "smbd", uid: 0, euid: 0, totalVm: 1500, startTimeSec: 10 }),
      task(453, { ppid: 452, comm: "smbd", uid: 0, euid: 0, totalVm: 1600, rss: 321, startTimeSec: 10 }),
    ];
  }

  it("prints the 2.6.11 report: header, show_free_areas, the kill", () => {
    const tasks = armTasks();
    const { log, freed, result } = run(tasks);
    expect(log.lines).toEqual([
      "oom-killer: gfp_mask=0x2d0",
      ...SHOW_LINES,
      "Out of Memory: Killed process 453 (smbd).",
    ]);
    expect(result.panic).toBe(false);
    expect(result.killed).toEqual([tasks[4]]);
    expect(freed).toEqual([tasks[4]]);
    expect(tasks[4].memdie && tasks[4].killed).toBe(true);
    expect(result.candidates).toEqual([
      { pid: 2, comm: "kswapd0", points: 0 },
      { pid: 300, comm: "syslogd", points: 100 },
      { pid: 452, comm: "smbd", points: 775 },
      { pid: 453, comm: "smbd", points: 400 },
    ]);
    const select = log.events.find((e) => e.kind === "oom-select")!;
    expect(select.pid).toBe(452);
    expect(select.candidates).toEqual(result.candidates);
    const kill = log.events.filter((e) => e.kind === "oom-kill");
    expect(kill.map((e) => [e.pid, e.comm, e.freedPages])).toEqual([[453, "smbd", 321]]);
  });

  it("a second call kills the next victim: the killed child has exited", () => {
    // Now the master scores 1500/4 = 375 and has no live child: it dies itself.
    const tasks = armTasks();
    run(tasks);
    const { log, result } = run(tasks);
    expect(result.killed.map((t) => t.pid)).toEqual([452]);
    expect(log.lines.at(-1)).toBe("Out of Memory: Killed process 452 (smbd).");
  });

  it("kills nobody and prints nothing while a task is dying", () => {
    const tasks = [...armTasks(), task(500, { memdie: true })];
    tasks.splice(2, 0, task(299, { exiting: true }));
    const { log, freed, result } = run(tasks);
    expect(result).toMatchObject({ killed: [], panic: false, dying: true });
    expect(log.lines).toEqual([]);
    expect(freed).toEqual([]);
    expect(log.events.find((e) => e.kind === "oom-skip")?.pid).toBe(299);
  });

  it("panics with show_free_areas and the 2.6.11 panic text when nothing is killable", () => {
    const { log, result } = run([task(1, { ppid: 0, comm: "init", totalVm: 300 })]);
    expect(result).toMatchObject({ killed: [], panic: true });
    expect(log.lines).toEqual([
      ...SHOW_LINES,
      "Kernel panic - not syncing: Out of memory and no killable processes...",
      "",
    ]);
  });

  it("reports the livelock when the chosen task has no mm", () => {
    const { log, result } = run([task(1, { ppid: 0 }), task(2, { comm: "kthread", mm: null })], 0x50);
    expect(result).toMatchObject({ killed: [], panic: false, livelock: true });
    expect(log.lines).toEqual(["oom-killer: gfp_mask=0x50", ...SHOW_LINES]);
  });

  it("visits each task's parent link a bounded number of times: O(tasks), not O(tasks^2)", () => {
    // A fork tree of n tasks (three children each, oldest first); every read of a task's ppid is
    // counted. Scoring each task by filtering the whole list for its children read n^2 of them.
    const n = 3000;
    let ppidReads = 0;
    const tasks = [task(1, { ppid: 0, comm: "init", uid: 0, euid: 0 })];
    for (let i = 0; i < n; i++) {
      const t = task(1000 + i, { ppid: i < 3 ? 1 : 1000 + Math.floor(i / 3) - 1, totalVm: 10 + (i % 7) });
      let ppid = t.ppid;
      Object.defineProperty(t, "ppid", {
        get: () => {
          ppidReads++;
          return ppid;
        },
        set: (v: number) => {
          ppid = v;
        },
      });
      tasks.push(t);
    }
    const { result } = run(tasks);
    expect(result.killed).toHaveLength(1);
    expect(ppidReads).toBeGreaterThan(0);
    expect(ppidReads).toBeLessThanOrEqual(2 * (n + 1));
  });

  it("keeps p->children in task-list order (oldest first) for badness and for the first child killed", () => {
    // 20 has children 30 (its own mm), 31 (a thread of 20: same mm) and 32; the task list puts 32
    // before 30, so 32 is the oldest child and the first with its own mm: it dies, not 30.
    const parent = task(20, { totalVm: 5000 });
    const tasks = [
      task(1, { ppid: 0, comm: "init", uid: 0, euid: 0 }),
      parent,
      task(32, { ppid: 20, totalVm: 7 }),
      task(31, { ppid: 20, mm: 20, totalVm: 5000 }),
      task(30, { ppid: 20, totalVm: 11 }),
    ];
    expect(badness2611(parent, tasks, 600, HZ)).toBe(5000 + 7 + 11);
    const { result } = run(tasks);
    expect(result.killed.map((t) => t.pid)).toEqual([32]);
  });
});

describe("2.6.11 gfp masks (include/linux/gfp.h 2.6.11)", () => {
  it("has the 2.6.11 values", () => {
    expect(GFP_2611.GFP_KERNEL).toBe(GFP_2611.__GFP_WAIT | GFP_2611.__GFP_IO | GFP_2611.__GFP_FS);
    expect(GFP_2611.GFP_HIGHUSER).toBe(0xd2);
    expect(GFP_2611.GFP_NOFS).toBe(0x50);
  });

  it("decodes 0x2d0 as GFP_KERNEL|__GFP_NOWARN (XFS KM_SLEEP)", () => {
    expect(decodeGfp2611(0x2d0)).toEqual({
      names: ["__GFP_WAIT", "__GFP_IO", "__GFP_FS", "__GFP_NOWARN"],
      composite: "GFP_KERNEL",
      unknown: 0,
      text: "GFP_KERNEL|__GFP_NOWARN",
    });
  });

  it("decodes 0x20, 0xd2, 0x250, 0x220 and 0", () => {
    expect(decodeGfp2611(0x20)).toEqual({
      names: ["__GFP_HIGH"],
      composite: "GFP_ATOMIC",
      unknown: 0,
      text: "GFP_ATOMIC",
    });
    expect(decodeGfp2611(0xd2)).toMatchObject({
      names: ["__GFP_HIGHMEM", "__GFP_WAIT", "__GFP_IO", "__GFP_FS"],
      composite: "GFP_HIGHUSER",
      text: "GFP_HIGHUSER",
    });
    expect(decodeGfp2611(0x250).text).toBe("GFP_NOFS|__GFP_NOWARN");
    expect(decodeGfp2611(0x220).text).toBe("GFP_ATOMIC|__GFP_NOWARN");
    expect(decodeGfp2611(0xd1).text).toBe("GFP_KERNEL|__GFP_DMA");
    expect(decodeGfp2611(0)).toEqual({ names: [], composite: null, unknown: 0, text: "0x0" });
  });

  it("reports bits that are no 2.6.11 flag", () => {
    // 0x10054: __GFP_NOMEMALLOC (0x10000) is 2.6.12; 0x04 is no flag in 2.6.11.
    expect(decodeGfp2611(0x10054)).toEqual({
      names: ["__GFP_WAIT", "__GFP_IO"],
      composite: "GFP_NOFS",
      unknown: 0x10004,
      text: "GFP_NOFS|0x10004",
    });
    expect(decodeGfp2611(0x8).text).toBe("0x8");
    expect(() => decodeGfp2611(-1)).toThrow(OomlabError);
    expect(() => decodeGfp2611(1.5)).toThrow(OomlabError);
  });

  it("picks the zonelist by gfp & GFP_ZONEMASK and refuses index 3", () => {
    expect(gfpZone(0x2d0, "2.6.11")).toBe("Normal");
    expect(gfpZone(0xd2, "2.6.11")).toBe("HighMem");
    expect(gfpZone(0xd1, "2.6.11")).toBe("DMA");
    expect(() => gfpZone(0xd3, "2.6.11")).toThrow(OomlabError);
  });
});
