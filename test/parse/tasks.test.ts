// The task dump and Mem-Info's counters (bindings/parse/tasks.ts, meminfo.ts): each table format on a
// real fixture with values copied by hand from its lines, the counters of two real reports, malformed
// rows as warnings with line numbers, and a fuzz property (never throws, every warning has a line).

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseReports, type ParsedReport } from "../../bindings/parse/reports.js";
import { TaskTableCollector } from "../../bindings/parse/tasks.js";
import type { LineWarning } from "../../bindings/parse/warnings.js";

const DIR = fileURLToPath(new URL("../fixtures/", import.meta.url));
const FILES: Record<string, string> = {
  "009": "009-jailhouse-dev-4.14-arm64-zynqmp-oom-cma-trap-dma-zone.log",
  "020": "020-lkml-5.2-rc7-x86_64-memcg-v1-oom-leaker.log",
  "021": "021-blog-docker-hang-3.10-el7-x86_64-memcg-oom-kmem-runc.log",
  "028": "028-oomanalyser-archlinux-6.1.1-x86_64-global-oom-doxygen.log",
  "045": "045-github-rpi-zero2w-6.12.62-arm64-oom-python-swap-cma.log",
  "046": "046-blog-xiaomili-2.6.32-el6-x86_64-oom-java-vim.log",
};
const only = (id: string): ParsedReport => {
  const { reports } = parseReports(readFileSync(DIR + FILES[id], "utf8"));
  expect(reports).toHaveLength(1);
  return reports[0];
};
const task = (r: ParsedReport, pid: number) => r.taskTable?.tasks.find((t) => t.pid === pid);

describe("task dump tables of every era, on real reports", () => {
  it("2.6.36 .. 3.4 (RHEL 6's 2.6.32): cpu, oom_adj and oom_score_adj", () => {
    const r = only("046");
    expect(r.taskTable?.columns).toEqual(["uid", "tgid", "total_vm", "rss", "cpu", "oom_adj", "oom_score_adj", "name"]);
    expect(r.taskTable?.tasks).toHaveLength(42);
    // "[  549]     0   549     2662      118   1     -17         -1000 udevd" (line 67)
    expect(task(r, 549)).toEqual({
      line: 67,
      pid: 549,
      uid: 0,
      tgid: 549,
      totalVmPages: 2662,
      rssPages: 118,
      cpu: 1,
      oomAdj: -17,
      oomScoreAdj: -1000,
      name: "udevd",
    });
    // "[31995]   500 31995  1994392   889625   0       0             0 java"
    expect([task(r, 31995)?.rssPages, task(r, 31995)?.totalVmPages, task(r, 31995)?.uid]).toEqual([
      889625, 1994392, 500,
    ]);
    // the kill line in RHEL 6's form:
    // "Killed process 31995, UID 500, (java) total-vm:7977568kB, anon-rss:3558396kB, ..."
    expect(r.victim).toMatchObject({
      pid: 31995,
      comm: "java",
      uid: 500,
      anonRssKb: 3558396,
      fileRssKb: 104,
      score: 442,
    });
  });

  it("3.5 .. 3.19 (RHEL 7's 3.10, memcg): nr_ptes and swapents", () => {
    const r = only("021");
    expect(r.taskTable?.columns).toEqual([
      "uid",
      "tgid",
      "total_vm",
      "rss",
      "nr_ptes",
      "swapents",
      "oom_score_adj",
      "name",
    ]);
    // "[12788]     0 12788   150184     1146      23        0           997 runc:[2:INIT]"
    expect(task(r, 12788)).toMatchObject({
      totalVmPages: 150184,
      rssPages: 1146,
      nrPtes: 23,
      swapEntries: 0,
      oomScoreAdj: 997,
      name: "runc:[2:INIT]",
    });
    expect(r.taskTable?.tasks.map((t) => t.pid)).toEqual([30598, 11680, 12788]);
  });

  it("4.0 .. 4.14: nr_ptes, nr_pmds and swapents", () => {
    const r = only("009");
    expect(r.taskTable?.columns).toContain("nr_pmds");
    // "[ 2091]     0  2091    42979     3749      20       4        0             0 python"
    expect(task(r, 2091)).toMatchObject({
      uid: 0,
      totalVmPages: 42979,
      rssPages: 3749,
      nrPtes: 20,
      nrPmds: 4,
      swapEntries: 0,
      oomScoreAdj: 0,
    });
    // "[ 2086]     0  2086     2734      347       5       3        0             0 ultra96-power-b"
    expect(task(r, 2086)?.name).toBe("ultra96-power-b");
  });

  it("4.15 .. 6.8: pgtables_bytes (a global OOM and a memcg OOM)", () => {
    const r = only("028");
    expect(r.taskTable?.tasks).toHaveLength(112);
    // "[ 473206]   504 473206  7572670  2308581 60686336  5225427             0 doxygen"
    expect(task(r, 473206)).toMatchObject({
      uid: 504,
      totalVmPages: 7572670,
      rssPages: 2308581,
      pgtablesBytes: 60686336,
      swapEntries: 5225427,
      oomScoreAdj: 0,
    });
    const m = only("020");
    // "[  23793]     0 23793   655928   126942  5226496   519670             0 leaker"
    expect(task(m, 23793)).toMatchObject({ rssPages: 126942, pgtablesBytes: 5226496, swapEntries: 519670 });
    expect(m.memcg).toMatchObject({ usageKb: 524288, limitKb: 524288, memswLimitKb: 9007199254740988 });
  });

  it("6.9+: rss_anon, rss_file and rss_shmem", () => {
    const r = only("045");
    expect(r.taskTable?.columns.slice(3, 7)).toEqual(["rss", "rss_anon", "rss_file", "rss_shmem"]);
    // "[    266]     0   266     7206       50       32       18         0    69632      256
    //     -250 systemd-journal" (one line)
    expect(task(r, 266)).toEqual({
      line: 48,
      pid: 266,
      uid: 0,
      tgid: 266,
      totalVmPages: 7206,
      rssPages: 50,
      rssAnonPages: 32,
      rssFilePages: 18,
      rssShmemPages: 0,
      pgtablesBytes: 69632,
      swapEntries: 256,
      oomScoreAdj: -250,
      name: "systemd-journal",
    });
    expect(task(r, 919)?.name).toBe("(sd-pam)");
    // the kill line: "... anon-rss:122228kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:1156kB oom_score_adj:0"
    expect(r.victim).toMatchObject({
      pid: 996,
      anonRssKb: 122228,
      fileRssKb: 0,
      shmemRssKb: 0,
      pgtablesKb: 1156,
      oomScoreAdj: 0,
    });
    expect(r.constraint).toMatchObject({ constraint: "CONSTRAINT_NONE", globalOom: true, pid: 996, uid: 1000 });
  });

  // dump_tasks' own printf, "[%5d] %5d %5d %8lu %8lu %3d     %3d %s" (the 2007 patch that added it)
  it("2.6.25 .. 2.6.35 (no real fixture found): a row as dump_tasks' printf writes it", () => {
    const warnings: LineWarning[] = [];
    const c = new TaskTableCollector((w) => warnings.push(w));
    expect(c.feed("[ pid ]   uid  tgid total_vm      rss cpu oom_adj name", 10)).toBe(true);
    expect(c.feed("[ 4321]   500  4321    65536    12000   1     -17 Web Content", 11)).toBe(true);
    expect(c.table?.tasks).toEqual([
      {
        line: 11,
        pid: 4321,
        uid: 500,
        tgid: 4321,
        totalVmPages: 65536,
        rssPages: 12000,
        cpu: 1,
        oomAdj: -17,
        name: "Web Content",
      },
    ]);
    expect(warnings).toEqual([]);
  });
});

describe("Mem-Info's counters", () => {
  it("6.12 (045): the global lines in pages, the per-node line in kB, swap and RAM", () => {
    const m = only("045").memInfo;
    expect(m?.pages).toMatchObject({
      active_anon: 27124,
      inactive_anon: 18649,
      active_file: 176,
      inactive_file: 40,
      slab_reclaimable: 4871,
      slab_unreclaimable: 6491,
      pagetables: 1214,
      free: 4345,
      free_pcp: 142,
      free_cma: 0,
    });
    expect(m?.nodesKb[0]).toMatchObject({ active_anon: 108496, kernel_stack: 3024, pagetables: 4856 });
    expect([m?.ramPages, m?.reservedPages, m?.highmemPages, m?.cmaReservedPages]).toEqual([114688, 8170, 0, 65536]);
    expect([m?.swapFreeKb, m?.swapTotalKb, m?.swapCachePages, m?.pagecachePages]).toEqual([0, 425980, 292, 572]);
  });

  it("2.6.32 (046): zone lines keep kernel_stack; no per-node line", () => {
    const r = only("046");
    expect(r.memInfo?.pages).toMatchObject({ free: 25773, slab_reclaimable: 5075, unstable: 0, bounce: 0 });
    expect(r.memInfo?.nodesKb).toEqual({});
    expect(r.zones.map((z) => z.fieldsKb.kernel_stack)).toEqual([0, 1088, 7360]);
    expect([r.memInfo?.ramPages, r.memInfo?.reservedPages]).toEqual([2097151, 81869]);
  });

  it("hugepage pools, per node (028)", () => {
    expect(only("028").memInfo?.hugepages).toEqual([{ node: 0, total: 0, free: 0, surplus: 0, sizeKb: 2048 }]);
  });
});

describe("malformed tables", () => {
  const head = "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name";
  it("a short row, a non-number and a row without its header are warnings with their lines", () => {
    const text = [
      "x invoked oom-killer: gfp_mask=0x0(), order=0, oom_score_adj=0",
      "[    100]     0   100     4000      200    40960        0             0 early",
      head,
      "[    101]     0   101     4000      200    40960        0             0 fine",
      "[    102]     0   102     4000      200",
      "[    103]     0   103     4x00      200    40960        0             0 bad",
      "[    104]     0   104     4000      200    40960        0             0",
      "Out of memory: Killed process 101 (fine) total-vm:16000kB, anon-rss:800kB, file-rss:0kB, shmem-rss:0kB",
    ].join("\n");
    const { reports, warnings } = parseReports(text);
    expect(reports[0].taskTable?.tasks.map((t) => t.pid)).toEqual([101]);
    expect(warnings.map((w) => w.line)).toEqual([2, 5, 6, 7]);
    expect(warnings[2].message).toMatch(/column total_vm is "?4x00"?, not a number/);
  });

  it("fuzz: rows cut, joined and corrupted never throw, and every warning has a line in the input", () => {
    const base = readFileSync(DIR + FILES["045"], "utf8").split("\n");
    const edit = fc.tuple(fc.nat(base.length - 1), fc.nat(200), fc.constantFrom("cut", "dup", "junk", "join"));
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 8 }), fc.string({ maxLength: 12 }), (edits, junk) => {
        const lines = [...base];
        for (const [i, at, kind] of edits) {
          const l = lines[i] ?? "";
          if (kind === "cut") lines[i] = l.slice(0, at % (l.length + 1));
          else if (kind === "dup") lines.splice(i, 0, l);
          else if (kind === "junk") lines[i] = l.slice(0, at % (l.length + 1)) + junk + l.slice(at % (l.length + 1));
          else lines[i] = l + (lines[i + 1] ?? "");
        }
        const { reports, warnings } = parseReports(lines.join("\n"));
        for (const w of warnings) expect(w.line >= 1 && w.line <= lines.length).toBe(true);
        for (const r of reports)
          for (const t of r.taskTable?.tasks ?? []) {
            expect(Number.isInteger(t.pid) && Number.isInteger(t.rssPages)).toBe(true);
            expect(t.line >= 1 && t.line <= lines.length).toBe(true);
          }
      }),
      { numRuns: 300 },
    );
  });
});
