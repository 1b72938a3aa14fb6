// Why this victim (analyse/victim.ts): every corpus report with a task dump ranked with its era's
// oom_badness, the kernel's choice at rank 1 where the table is complete, the score the kernel printed
// recomputed, and the reasons given when the choice is not the top task.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { diagnose } from "../../bindings/analyse/diagnose.js";

const DIR = fileURLToPath(new URL("../fixtures/", import.meta.url));
const read = (f: string) => readFileSync(DIR + f, "utf8");
const F045 = "045-github-rpi-zero2w-6.12.62-arm64-oom-python-swap-cma.log";

// [file, kernel's choice, points recomputed, era row, printed score, recomputed score]
const CORPUS: [string, number, number, string, number | null, number | null][] = [
  ["009-jailhouse-dev-4.14-arm64-zynqmp-oom-cma-trap-dma-zone.log", 2733, 263747, "4.7", 699, 699],
  ["020-lkml-5.2-rc7-x86_64-memcg-v1-oom-leaker.log", 23793, 647888, "5.0", null, null],
  ["021-blog-docker-hang-3.10-el7-x86_64-memcg-oom-kmem-runc.log", 12800, 784776, "3.5", 997, 997],
  ["022-linux-mm-4.9.0-i386-x61s-oom-lowmem-normal-below-min-highmem-free.log", 15515, 138447, "4.7", 106, 106],
  ["028-oomanalyser-archlinux-6.1.1-x86_64-global-oom-doxygen.log", 473206, 7548824, "5.9", null, null],
  ["029-oomanalyser-proxmox-5.15-pve-x86_64-memcg-v2-oom-lxc-php-fpm.log", 3902942, 3201932, "5.9", null, null],
  [F045, 996, 62782, "5.9", null, null],
  ["046-blog-xiaomili-2.6.32-el6-x86_64-oom-java-vim.log", 31995, 441, "2.6.36", 442, 441],
];

describe("the victim ranking on every corpus report with a task dump", () => {
  for (const [f, chosen, points, first, printed, computed] of CORPUS) {
    it(`${f.slice(0, 3)}: the kernel's choice is rank 1`, () => {
      const [r] = diagnose(read(f)).reports;
      const k = r.victimRanking;
      if (!k) throw new Error("no ranking");
      expect([k.chosenPid, k.rank, k.points, k.reason]).toEqual([chosen, 1, points, null]);
      expect(k.era.startsWith(first)).toBe(true);
      expect([k.printedScore, k.computedScore]).toEqual([printed, computed]);
    });
  }

  it("045 by hand: python 996 = rss 30557 + swapents 31936 + 1183744 / 4096 = 289 page-table pages", () => {
    const [r] = diagnose(read(F045)).reports;
    // 1025: 12717 + 39520 + 864256 / 4096 (211) = 52448; 942 dbus-daemon (adj 200):
    // 92 + 32 + 11 + 200 * (totalpages 114688 - 8170 + 425980 / 4 = 213013; / 1000 = 213) = 42735
    expect(r.victimRanking?.top.slice(0, 3)).toEqual([
      { pid: 996, name: "python", points: 62782 },
      { pid: 1025, name: "python", points: 52448 },
      { pid: 942, name: "dbus-daemon", points: 42735 },
    ]);
    expect([r.victimRanking?.totalpages, r.victimRanking?.exempt]).toEqual([213013, 2]); // udevd, sshd: -1000
  });

  it("021: the selection line's pid is a thread; the kill line's process is ranked", () => {
    const [r] = diagnose(read(CORPUS[2][0])).reports;
    expect(r.victimRanking?.killedPid).toBe(12788);
    expect(r.victimRanking?.notes.join(" ")).toMatch(/pid 12800, which the table does not list \(a thread/);
  });

  it("046: RHEL 6's 2.6.32 is ranked with the 2.6.36 rewrite its table's oom_score_adj column shows", () => {
    const [r] = diagnose(read(CORPUS[7][0])).reports;
    expect(r.victimRanking?.eraFrom).toBe("the table's oom_score_adj column");
    expect(r.victimRanking?.top[1]).toEqual({ pid: 7788, name: "vim", points: 404 }); // 814178000 / 2015282
  });
});

describe("reasons when the kernel's choice is not the top task", () => {
  const lines = read(F045).trimEnd().split("\n");
  // 045's last two lines with another victim
  const tail = (pid: number, name: string) => [
    "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/," +
      `task=${name},pid=${pid},uid=1000`,
    `Out of memory: Killed process ${pid} (${name}) total-vm:851268kB, anon-rss:50868kB, file-rss:0kB, ` +
      "shmem-rss:0kB, UID:1000 pgtables:844kB oom_score_adj:0",
  ];
  const body = lines.slice(0, -2);

  it("a task killed by an earlier OOM in the same log is passed over", () => {
    const second = [...body, ...tail(1025, "python")];
    const reports = diagnose([...lines, ...second].join("\n")).reports;
    expect(reports).toHaveLength(2);
    const k = reports[1].victimRanking;
    expect([k?.rank, k?.chosenPid]).toEqual([2, 1025]);
    expect(k?.reason).toMatch(/python \(996\) ranked higher but had been killed by an earlier OOM/);
  });

  it("a victim missing from the table: the table is incomplete", () => {
    const cut = [...body.filter((l) => !l.startsWith("[    996]")), ...tail(996, "python")];
    const k = diagnose(cut.join("\n")).reports[0].victimRanking;
    expect([k?.rank, k?.points]).toEqual([null, null]);
    expect(k?.reason).toMatch(/pid 996 is not in the task table: the table is incomplete/);
  });

  it("a close second: within 2% is counter drift, otherwise unexplained", () => {
    const k = diagnose([...body, ...tail(1025, "python")].join("\n")).reports[0].victimRanking;
    // 62782 - 52448 = 10334 points, 16% of 62782: nothing printed explains it
    expect(k?.reason).toBe("python (996) scores higher by 10334 points; nothing printed explains the choice");
  });
});
