// oom_badness by era (kernel/oom_badness.ts, kernel/releases.ts OOM_BADNESS_ERAS) on hand-worked numbers,
// the era chosen by release, and the 5.9+ form against linux-6.18's oomBadness on random tasks.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { oomBadnessOf, type BadnessTask } from "../../bindings/kernel/oom_badness.js";
import { OOM_BADNESS_ERAS, oomBadnessFor } from "../../bindings/kernel/releases.js";
import { parseRelease } from "../../bindings/include/linux/version.js";
import { oomBadness } from "../../bindings/linux-6.18/mm/oom_kill.js";

const era = (release: string) => {
  const r = parseRelease(release);
  if (!r) throw new Error(release);
  return oomBadnessFor(r);
};
const task = (t: Partial<BadnessTask>): BadnessTask => ({
  totalVmPages: 0,
  rssPages: 0,
  swapEntries: 0,
  pgtablesPages: 0,
  capSysAdmin: false,
  oomAdj: null,
  oomScoreAdj: null,
  ...t,
});

describe("the era by release", () => {
  it("picks the row each release falls in", () => {
    expect(
      ["2.6.11", "2.6.15", "2.6.32", "2.6.36", "3.4.113", "3.10.0", "4.14", "4.17", "5.4", "5.15", "6.18"].map(
        (r) => era(r).first,
      ),
    ).toEqual(["2.6.11", "2.6.11", "2.6.16", "2.6.36", "2.6.36", "3.5", "4.7", "4.17", "5.0", "5.9", "5.9"]);
    expect(OOM_BADNESS_ERAS.map((e) => parseRelease(e.first)?.code)).toEqual(
      [...OOM_BADNESS_ERAS.map((e) => parseRelease(e.first)?.code)].sort((a, b) => (a ?? 0) - (b ?? 0)),
    );
  });
});

describe("each era on hand-worked numbers", () => {
  it("2.6.x total_vm heuristic: /4 for root, oom_adj shifts, OOM_DISABLE from 2.6.16's row", () => {
    const e = era("2.6.32");
    expect(oomBadnessOf(e, task({ totalVmPages: 1000 }), 0)).toBe(1000);
    expect(oomBadnessOf(e, task({ totalVmPages: 1000, capSysAdmin: true }), 0)).toBe(250); // 1000 / 4
    expect(oomBadnessOf(e, task({ totalVmPages: 1000, oomAdj: 2 }), 0)).toBe(4000); // 1000 << 2
    expect(oomBadnessOf(e, task({ totalVmPages: 1000, oomAdj: -3 }), 0)).toBe(125); // 1000 >> 3
    expect(oomBadnessOf(e, task({ totalVmPages: 1000, oomAdj: -17 }), 0)).toBeNull(); // OOM_DISABLE
    // 2.6.11 has no OOM_DISABLE: -17 is a shift, 1000 >> 17 = 0
    expect(oomBadnessOf(era("2.6.11"), task({ totalVmPages: 1000, oomAdj: -17 }), 0)).toBe(0);
  });

  it("2.6.36 .. 3.4: scaled to 1000 by totalpages, root -30, + oom_score_adj, within 1 .. 1000", () => {
    const e = era("2.6.36");
    // 046's java 31995: rss 889625, no nr_ptes printed, no swap; totalpages = 2097151 - 81869 + 0 = 2015282:
    // 889625 * 1000 / 2015282 = 441.4 -> 441 (the kernel printed 442: nr_ptes, not printed, adds about 0.9)
    expect(oomBadnessOf(e, task({ rssPages: 889625 }), 2015282)).toBe(441);
    expect(oomBadnessOf(e, task({ rssPages: 1000, capSysAdmin: true }), 10000)).toBe(70); // 100 - 30
    expect(oomBadnessOf(e, task({ rssPages: 1000, oomScoreAdj: 950 }), 10000)).toBe(1000); // 1050, capped
    expect(oomBadnessOf(e, task({ rssPages: 1, capSysAdmin: true }), 10000)).toBe(1); // 0 - 30 -> 1
    expect(oomBadnessOf(e, task({ rssPages: 1000, oomScoreAdj: -1000 }), 10000)).toBeNull();
  });

  it("3.5 .. 4.16: page counts, root -3%, oom_score_adj * (totalpages / 1000), at least 1", () => {
    const e = era("3.10");
    // 021's runc:[2:INIT] 12788 (uid 0, adj 997) in a 3145728 kB memcg, no swap: totalpages 786432;
    // 1146 + 23 = 1169; 1169 - 1169 * 3 / 100 = 1169 - 35 = 1134; 997 * (786432 / 1000 = 786) = 783642;
    // 1134 + 783642 = 784776, and 784776 * 1000 / 786432 = 997.9 -> 997, the score the kernel printed
    const runc = task({ rssPages: 1146, pgtablesPages: 23, capSysAdmin: true, oomScoreAdj: 997 });
    expect(oomBadnessOf(e, runc, 786432)).toBe(784776);
    expect(oomBadnessOf(e, task({ rssPages: 100, oomScoreAdj: -500 }), 786432)).toBe(1); // 100 - 393000 -> 1
  });

  it("4.17 drops the root discount; 5.9 drops the floor at 1", () => {
    const runc = task({ rssPages: 1146, pgtablesPages: 23, capSysAdmin: true, oomScoreAdj: 997 });
    expect(oomBadnessOf(era("4.19"), runc, 786432)).toBe(784811); // 1169 + 783642
    const low = task({ rssPages: 100, oomScoreAdj: -500 });
    expect(oomBadnessOf(era("5.8"), low, 786432)).toBe(1);
    expect(oomBadnessOf(era("6.18"), low, 786432)).toBe(100 - 500 * 786); // -392900
  });

  it("5.9+ is linux-6.18's oomBadness on any task (one arithmetic, two callers)", () => {
    fc.assert(
      fc.property(
        fc.record({
          anon: fc.nat(1 << 24),
          file: fc.nat(1 << 20),
          shmem: fc.nat(1 << 20),
          swap: fc.nat(1 << 24),
          pgtablesBytes: fc.nat(1 << 30),
          adj: fc.integer({ min: -1000, max: 1000 }),
          totalpages: fc.nat(1 << 30),
          uid: fc.nat(2000),
        }),
        (t) => {
          const mm = {
            totalVm: 0,
            anonPages: t.anon,
            filePages: t.file,
            shmemPages: t.shmem,
            swapEnts: t.swap,
            pgtablesBytes: t.pgtablesBytes,
          };
          const kernel = oomBadness({ pid: 100, comm: "t", uid: t.uid, mm, oomScoreAdj: t.adj }, t.totalpages);
          const table = task({
            rssPages: t.anon + t.file + t.shmem,
            swapEntries: t.swap,
            pgtablesPages: Math.floor(t.pgtablesBytes / 4096),
            capSysAdmin: t.uid === 0,
            oomScoreAdj: t.adj,
          });
          expect(oomBadnessOf(era("6.18"), table, t.totalpages)).toBe(kernel);
        },
      ),
      { numRuns: 500 },
    );
  });
});
