// `lab predict` and `lab compare` on the hand-made run folders of test/fixtures/lab (README.md there):
// trace markers, the worked numbers of each probe, the goals' arithmetic, and typed errors.

import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import "../helpers.js";
import { checkLabRuns, parseExpectedMisses } from "../../bindings/analyse/lab_check.js";
import { compareLab, freeAtOrAbove, labReal, midGoal } from "../../bindings/analyse/lab_compare.js";
import {
  HUGETLB_POOL_GFP,
  type LabPrediction,
  labEra,
  parseLabProbe,
  parseLabWorkload,
  predictLab,
  probeStart,
} from "../../bindings/analyse/lab_predict.js";
import { traceCaptureFromText } from "../../bindings/analyse/trace_capture.js";
import { FtraceParser } from "../../bindings/parse/ftrace.js";
import { fileLines } from "../../bindings/cli/text_lines.js";

const dir = (run: string) => new URL(`../fixtures/lab/${run}/`, import.meta.url);
const text = (run: string, f: string) => readFileSync(new URL(f, dir(run)), "utf8");

const traces: Record<string, string> = {};
const RUNS = ["hand-hugepages", "hand-oom", "mixed-thp", "hand-pcp"];

beforeAll(async () => {
  for (const run of RUNS) {
    const lines: string[] = [];
    for await (const b of fileLines(new URL("trace.txt.xz", dir(run)).pathname, { xzWorker: false })) lines.push(...b);
    traces[run] = lines.join("\n");
  }
});

function inputs(run: string, probe = text(run, "probe.json"), traceText = traces[run]) {
  const capture = traceCaptureFromText(
    run,
    traceText.split("\n"),
    {
      zoneinfo: text(run, "before-zoneinfo"),
      buddyinfo: text(run, "before-buddyinfo"),
      pagetypeinfo: text(run, "before-pagetypeinfo"),
    },
    null,
  );
  return { run, capture, probe };
}

function real(run: string, result = text(run, "result.json")) {
  return labReal({
    midBuddyinfo: text(run, "mid-buddyinfo"),
    afterBuddyinfo: text(run, "after-buddyinfo"),
    beforeVmstat: run === "hand-hugepages" ? text(run, "before-vmstat") : undefined,
    midVmstat: run === "hand-hugepages" ? text(run, "mid-vmstat") : undefined,
    afterVmstat: run === "hand-hugepages" ? text(run, "after-vmstat") : undefined,
    result,
  });
}

describe("trace markers", () => {
  it("reads tracing_mark_write lines as markers, counted with the other events", () => {
    const p = new FtraceParser();
    const line = "              sh-61      [000] .....    10.001000: tracing_mark_write: oomlab: probe-start";
    expect(p.line(line)).toBeNull();
    expect(p.takeMarker()).toEqual({ line: 1, time: 10.001, text: "oomlab: probe-start" });
    expect(p.takeMarker()).toBeNull();
    expect(p.summary().otherEvents).toEqual({ tracing_mark_write: 1 });
  });

  it("places each marker among the events: probe-start after the workload's 3 events", () => {
    const c = inputs("hand-hugepages").capture;
    // the trace: workload-start, alloc, alloc, free, probe-start, alloc, probe-end
    expect(c.markers.map((m) => [m.text, m.events])).toEqual([
      ["oomlab: workload-start", 0],
      ["oomlab: probe-start", 3],
      ["oomlab: probe-end", 4],
    ]);
    expect(probeStart(c)).toBe(3);
  });

  it("refuses a capture without the probe-start marker, naming it", () => {
    const t = traces["hand-hugepages"].replace(/.*probe-start.*\n/, "");
    expect(() => predictLab(inputs("hand-hugepages", undefined, t))).toThrow(/hand-hugepages has no .*probe-start/);
  });
});

describe("lab predict: nr_hugepages on hand-hugepages", () => {
  // before: one Normal zone of 16384 pages (min/low/high 128/160/192), 28 Unmovable and 4 Movable
  // pageblocks; free: Unmovable 200 x order 0 and 2 x order 4, Movable 1 x order 9 and 1 x order 10
  // (200 + 32 + 512 + 1024 = 1768 pages). Nothing else is on an LRU: nothing to reclaim or migrate.
  // workload: an order-4 GFP_KERNEL allocation (takes one Unmovable order-4 block: 1752 free), an
  // order-4 movable one (splits the order-9 block) and its free (merges it back).
  it("replays the workload to the hand-computed mid, then takes every order-9 block, and no more", () => {
    const p = predictLab(inputs("hand-hugepages"));
    expect(p.replay).toMatchObject({ events: 3, requests: 2, frees: 1, failedRequests: 0, startL1Pages: 0 });
    expect(p.mid).toEqual({ Normal: [200, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1] });
    // 3 huge pages: the order-9 block, then the order-10 block's two halves. The third passes the low
    // mark: 1752 - 2 x 512 = 728 free, 728 - (512 - 1) = 217 > 160 (__zone_watermark_ok). The fourth
    // finds no block of order >= 9, and compaction has nothing to move: the loop stops at the failure.
    expect(p.hugepages).toBe(3);
    expect(p.after).toEqual({ Normal: [200, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0] });
    expect(p.thp).toBeNull();
    expect(p.oomKills).toEqual([]);
    expect(p.vmstat.oom_kill).toBe(0); // a costly order never calls the OOM killer
  });

  it("stops at the value asked", () => {
    const p = predictLab(inputs("hand-hugepages", '{"kind": "nr_hugepages", "value": 2}'));
    expect(p.hugepages).toBe(2);
    expect(p.after.Normal.slice(9)).toEqual([1, 0]); // the order-9 block, then half of the order-10 one
  });

  it("asks with hugetlb's pool mask", () => {
    // GFP_HIGHUSER_MOVABLE 0x100cca | __GFP_THISNODE 0x200000 | __GFP_COMP 0x40000 | __GFP_NOWARN 0x2000 |
    // __GFP_RETRY_MAYFAIL 0x4000 (6.18's bits) = 0x346cca
    expect(HUGETLB_POOL_GFP).toBe(0x346cca);
  });
});

describe("lab predict: oom on hand-oom", () => {
  it("kills the process with the most points, not the one that grows", () => {
    // hog1 faults 2 MiB: 512 anon pages and one page-table page: 512 + 4096 / 4096 = 513 points; hog2
    // 256 + 1 = 257; grower has oom_score_adj -500: -500 x (16384 / 1000 = 16) = -8000 plus its pages
    const p = predictLab(inputs("hand-oom"));
    expect(p.oomKills).toEqual([{ pid: 1000, comm: "hog1", points: 513 }]);
    expect(p.vmstat.oom_kill).toBe(1);
  });
});

describe("lab predict: thp-storm on mixed-thp (6.18-mixed-1 cut to 3,000 events)", () => {
  it("replays the workload's events before the marker, then faults 64 MiB as 32 THPs", () => {
    const p = predictLab(inputs("mixed-thp"));
    expect(p.replay.events).toBe(probeStart(inputs("mixed-thp").capture));
    expect(p.replay.events).toBeLessThan(p.replay.captureEvents);
    // 64 MiB / 2 MiB = 32 faults; Normal holds 137 order-9 and 677 order-10 blocks
    expect(p.thp).toEqual({ thp_fault_alloc: 32, thp_fault_fallback: 0 });
    expect(Object.keys(p.mid)).toEqual(["DMA", "DMA32", "Normal"]);
  });

  it("falls back on every fault when THP is off for the mapping", () => {
    const probe = JSON.stringify({ kind: "thp-storm", bytes: 8 << 20, madvise: "none", enabled: "madvise" });
    const p = predictLab(inputs("mixed-thp", probe));
    expect(p.thp).toEqual({ thp_fault_alloc: 0, thp_fault_fallback: 0 });
  });
});

describe("lab predict: per-CPU lists on hand-pcp (6.1)", () => {
  // before: the hand-hugepages zone (16384 pages, min/low/high 128/160/192) with Movable 1 x order 9 and
  // 1 x order 10 free in buddyinfo (1536 pages), and zoneinfo's pageset of cpu 0: count 4, high 8, batch 2.
  // workload.json: kernel 6.1.0-hand, 1 CPU. Workload: 4 order-0 GFP_HIGHUSER_MOVABLE allocations, no free;
  // probe: nr_hugepages 0 (mid is the point).
  const withWorkload = () => ({ ...inputs("hand-pcp"), workload: text("hand-pcp", "workload.json") });

  it("sizes the lists from the pageset and puts its 4 pages on them: the 4 requests take them", () => {
    const p = predictLab(withWorkload());
    expect(p.era).toBe("6.1");
    expect(p.pcp).toEqual({ cpus: 1, zones: { Normal: { high: 8, batch: 2 } } });
    expect(p.replay).toMatchObject({ requests: 4, failedRequests: 0, startL1Pages: 0, startPcpPages: 4 });
    // the 4 pages come off the per-CPU list (4 - 4 = 0 left, no refill): the buddy lists are untouched
    expect(p.mid).toEqual({ Normal: [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1] });
  });

  it("with an empty pageset, refills of batch 2 split the order-9 block", () => {
    // rmqueue_bulk(batch 2) twice (mm/page_alloc.c 6.1): __rmqueue_smallest splits the order-9 block
    // (one page taken, 1 + 2 + .. + 256 = 511 left at orders 0..8), then takes the order-0 one; the third
    // request's refill splits the order-1 block and takes both halves: 512 - 4 = 508 = 4 + 8 + .. + 256
    const zi = text("hand-pcp", "before-zoneinfo").replace(/count: +4/, "count:    0");
    const inp = withWorkload();
    const capture = traceCaptureFromText(
      "hand-pcp",
      traces["hand-pcp"].split("\n"),
      {
        zoneinfo: zi,
        buddyinfo: text("hand-pcp", "before-buddyinfo"),
        pagetypeinfo: text("hand-pcp", "before-pagetypeinfo"),
      },
      null,
    );
    const p = predictLab({ ...inp, capture });
    expect(p.replay.startPcpPages).toBe(0);
    expect(p.mid).toEqual({ Normal: [0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 1] });
  });

  it("without per-CPU lists (--pcp off) each request splits from the buddy lists: the same 508 pages", () => {
    // 1st: order 9 -> 0..8 left (511); 2nd takes the order-0 (510); 3rd splits order 1 (509: 0, 2..8);
    // 4th takes that order-0 (508: 2..8)
    const p = predictLab(withWorkload(), { pcp: false });
    expect(p.pcp).toBeNull();
    expect(p.replay.startPcpPages).toBe(0);
    expect(p.mid).toEqual({ Normal: [0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 1] });
  });
});

describe("probe.json and --era", () => {
  it("names the file and the field", () => {
    expect(() => parseLabProbe("{", "x/probe.json")).toThrow(/x\/probe\.json: not JSON/);
    expect(() => parseLabProbe('{"kind": "sleep"}')).toThrow(/probe\.json: kind "sleep" is not/);
    expect(() => parseLabProbe('{"kind": "nr_hugepages", "value": -1}')).toThrow(/value must be an integer >= 0/);
    expect(() => parseLabProbe('{"kind": "thp-storm", "bytes": 1, "defrag": "often"}')).toThrow(/defrag "often"/);
    expect(() => parseLabProbe('{"kind": "oom", "tasks": [], "then": 3}')).toThrow(/then \(\{name, stepBytes\}\)/);
  });

  it("runs 6.1 and 6.18, and refuses any other era with a typed usage error", () => {
    expect(predictLab(inputs("hand-hugepages"), { era: "6.1" }).era).toBe("6.1");
    expect(predictLab(inputs("hand-hugepages"), { era: "6.18" }).era).toBe("6.18");
    expect(() => predictLab(inputs("hand-hugepages"), { era: "5.10" })).toThrow(
      expect.objectContaining({
        code: "OOMLAB_USAGE",
        message: expect.stringMatching(/--era 5\.10: .*knows 6\.18 and 6\.1/),
      }),
    );
    expect(() => labEra("6.2")).toThrow(expect.objectContaining({ code: "OOMLAB_USAGE" }));
  });

  it("takes the era and the CPUs from workload.json: vm.kernel 6.1.y is 6.1, others 6.18", () => {
    expect(parseLabWorkload('{"vm": {"kernel": "6.1.0-50-amd64", "cpus": 2}}')).toEqual({
      kernel: "6.1.0-50-amd64",
      era: "6.1",
      cpus: 2,
    });
    expect(parseLabWorkload('{"vm": {"kernel": "6.18.2"}}')).toMatchObject({ era: "6.18", cpus: 1 });
    expect(parseLabWorkload('{"vm": {"kernel": "5.10.0"}}').era).toBeNull();
    expect(parseLabWorkload("{}")).toEqual({ kernel: null, era: null, cpus: 1 });
    expect(() => parseLabWorkload('{"vm": {"cpus": 0}}')).toThrow(/workload\.json: vm: cpus must be an integer >= 1/);
    const hand = { ...inputs("hand-hugepages"), workload: text("hand-pcp", "workload.json") };
    expect(predictLab(hand).era).toBe("6.1");
    expect(predictLab(hand, { era: "6.18" }).era).toBe("6.18"); // --era wins
    expect(predictLab(inputs("hand-hugepages")).era).toBe("6.18"); // no workload.json
  });
});

describe("lab compare", () => {
  const pred = (): LabPrediction => predictLab(inputs("hand-hugepages"));

  it("F_k is the free pages in blocks of order >= k", () => {
    // 200 x 1 + 1 x 16 + 1 x 512 + 1 x 1024: F_0 = 1752, F_4 = 1552, F_9 = 1536, F_10 = 1024
    expect(freeAtOrAbove([200, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1])).toEqual([
      1752, 1552, 1552, 1552, 1552, 1536, 1536, 1536, 1536, 1536, 1024,
    ]);
  });

  it("meets every goal on hand-hugepages, whose real files are the hand-computed ones", () => {
    const c = compareLab(pred(), real("hand-hugepages"));
    expect(c.goals.hugepages).toEqual({ ok: true, difference: "+0 pages (+0.0%)" });
    expect(c.goals.mid.ok).toBe(true);
    expect(c.goalsMet).toBe(true);
    // the vmstat files say compact_stall 0, 0, 1: one stall over the probe (after - mid), none over the workload
    expect(c.rows.find((r) => r.quantity === "compact_stall (probe)")).toMatchObject({ real: 1, predicted: 0 });
    expect(c.rows.find((r) => r.quantity === "compact_stall (workload)")).toMatchObject({ real: 0, predicted: 0 });
    expect(c.rows.find((r) => r.quantity === "hugepages")).toEqual({
      quantity: "hugepages",
      real: 3,
      predicted: 3,
      rel: 0,
    });
  });

  it("huge pages: within max(3, 20%)", () => {
    const at = (n: number) => compareLab(pred(), real("hand-hugepages", `{"hugepages": ${n}}`)).goals.hugepages;
    expect(at(6)).toEqual({ ok: true, difference: "-3 pages (-50.0%)" }); // |3 - 6| = 3 <= max(3, 1.2)
    expect(at(7)?.ok).toBe(false); // 4 > max(3, 1.4)
    expect(at(0)?.ok).toBe(true); // 3 <= 3
  });

  it("mid: F_k within max(10%, 512 pages) at every order", () => {
    const z = (p: number[], r: number[]) =>
      midGoal(compareLab({ ...pred(), mid: { Normal: p } }, { ...real("hand-hugepages"), mid: { Normal: r } }).mid);
    const r = [200, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1];
    // one more order-9 block: F_0..F_9 + 512 (within the floor)
    expect(z([200, 0, 0, 0, 1, 0, 0, 0, 0, 2, 1], r).ok).toBe(true);
    // one more order-10 block: every F_k + 1024 > max(10%, 512) from F_0 (1752: allowance 512) to F_10
    // (1024: allowance 512); the difference names the order farthest over its allowance, the lowest on a tie:
    // 1024 / 1752 = 58.4%
    expect(z([200, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2], r)).toEqual({
      ok: false,
      difference: "Normal order >= 0: +1024 pages (+58.4%)",
    });
    // a big zone: 100,000 pages at order 0 against 89,000: 11,000 > 10,000
    expect(z([100000, ...new Array(10).fill(0)], [89000, ...new Array(10).fill(0)]).ok).toBe(false);
    expect(z([100000, ...new Array(10).fill(0)], [91000, ...new Array(10).fill(0)]).ok).toBe(true);
  });

  it("victim: the same command name", () => {
    const p = predictLab(inputs("hand-oom"));
    expect(compareLab(p, real("hand-oom")).goals.victim).toEqual({
      ok: true,
      difference: "hog1 where the kernel killed hog1",
    });
    expect(compareLab(p, real("hand-oom", '{"victim": {"pid": 71, "name": "hog2"}}')).goals.victim?.ok).toBe(false);
  });

  it("names result.json when it does not read", () => {
    expect(() => real("hand-oom", "[]")).toThrow(/result\.json: must be an object/);
    expect(() => real("hand-oom", "{")).toThrow(/result\.json: not JSON/);
  });
});

describe("lab:check's rules", () => {
  const comparison = (hugeOk: boolean) => {
    const c = compareLab(predictLab(inputs("hand-hugepages")), real("hand-hugepages"));
    return { ...c, goals: { ...c.goals, hugepages: { ok: hugeOk, difference: "-5 pages (-50.0%)" } } };
  };
  const listed = parseExpectedMisses(
    JSON.stringify({ misses: { r: { hugepages: { difference: "-4 pages (-40.0%)", reason: "no pcp lists" } } } }),
  );

  it("passes a met goal that is not listed and a missed goal that is", () => {
    expect(checkLabRuns([{ name: "r", c: comparison(true) }], {}).problems).toEqual([]);
    const r = checkLabRuns([{ name: "r", c: comparison(false) }], listed);
    expect(r.problems).toEqual([]);
    expect(r.notes).toEqual(["r: hugepages listed as -4 pages (-40.0%), measured -5 pages (-50.0%)"]);
    expect(r.table.map((t) => t.status)).toEqual(["missed (listed)", "met"]);
  });

  it("fails an unlisted miss, a listed miss that is met, and a listed run that is not stored", () => {
    expect(checkLabRuns([{ name: "r", c: comparison(false) }], {}).problems).toEqual([
      "r: hugepages missed (-5 pages (-50.0%)): fix the model, or list it in lab/expected-misses.json with this " +
        "difference and the reason",
    ]);
    expect(checkLabRuns([{ name: "r", c: comparison(true) }], listed).problems).toEqual([
      "r: hugepages is met now (-5 pages (-50.0%)): remove it from lab/expected-misses.json",
    ]);
    expect(checkLabRuns([], listed).problems).toEqual(["lab/expected-misses.json lists r, which is not in lab/runs"]);
  });

  it("reads the list strictly", () => {
    expect(() => parseExpectedMisses("[]")).toThrow(/must be \{"misses"/);
    expect(() => parseExpectedMisses('{"misses": {"r": {"thp": {"difference": "", "reason": "x"}}}}')).toThrow(
      /misses\.r\.thp: goals are hugepages, mid, victim/,
    );
    expect(() => parseExpectedMisses('{"misses": {"r": {"mid": {"difference": "x", "reason": " "}}}}')).toThrow(
      /needs "difference"/,
    );
  });
});
