// The `trace` workload on a hand-made capture: a 64-page 6.18 machine (orders 0..3, pageblocks of 8
// pages) written as /proc text, and a dozen ftrace lines. The placements and counters below are worked
// out by hand in the comments; a missing capture, a malformed line and a capture without events are
// checked too.

import { afterEach, describe, expect, it } from "vitest";
import { OomlabError } from "../../bindings/errors.js";
import { traceCaptureFromText } from "../../bindings/analyse/trace_capture.js";
import { runCell, type CellInput } from "../../bindings/sweep/cell.js";
import { clearTraceCaptures, provideTraceCapture } from "../../bindings/sweep/trace_source.js";
import { freeLayout, inferPagesMin, pageblockRuns } from "../../bindings/sweep/workloads/trace_state.js";
import {
  FREE_PAIRED,
  FREE_PRE_CAPTURE,
  FREE_UNKNOWN,
  TRACE_ALLOC,
  TRACE_GFP_UNKNOWN,
} from "../../bindings/include/trace_capture.js";
import { movableKind } from "../../bindings/sweep/workloads/trace.js";
import { FolioKind } from "../../bindings/linux-6.18/include/linux/mm_inline.js";
import { gfpFromTrace } from "../../bindings/parse/ftrace.js";

const ZONEINFO = `Node 0, zone   Normal
  pages free     12
        boost    0
        min      1
        low      2
        high     3
        promo    4
        spanned  64
        present  64
        managed  64
        cma      0
        protection: (0, 0, 0, 0, 0)
  start_pfn:           0
`;
/** Before: Unmovable 1 x order 0; Movable 1 x order 0, 1 x order 1, 1 x order 3 (12 pages free). */
const BUDDYINFO = "Node 0, zone   Normal      2      1      0      1 \n";
const PAGETYPEINFO = `Page block order: 3
Pages per block:  8

Free pages count per migrate type at order       0      1      2      3 
Node    0, zone   Normal, type    Unmovable      1      0      0      0 
Node    0, zone   Normal, type      Movable      1      1      0      1 
Node    0, zone   Normal, type  Reclaimable      0      0      0      0 
Node    0, zone   Normal, type   HighAtomic      0      0      0      0 
Node    0, zone   Normal, type      Isolate      0      0      0      0 

Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate 
Node 0, zone   Normal            2            6            0            0            0 
`;
const AFTER_BUDDYINFO = "Node 0, zone   Normal      2      1      1      0 \n";

const ctx = (pid: number, t: string) => `      python3-${pid}     [001] ..... ${t}: `;
const alloc = (t: string, pfn: number, order: number, mt: number, gfp: string) =>
  `${ctx(900, t)}mm_page_alloc: page=00000000deadbeef pfn=0x${pfn.toString(16)} order=${order} ` +
  `migratetype=${mt} gfp_flags=${gfp}`;
const free = (t: string, pfn: number, order: number) =>
  `${ctx(900, t)}mm_page_free: page=00000000deadbeef pfn=0x${pfn.toString(16)} order=${order}`;
const batched = (t: string, pfn: number) =>
  `${ctx(900, t)}mm_page_free_batched: page=00000000deadbeef pfn=0x${pfn.toString(16)} order=0`;

// A = pfn 20, B = 21, C = 50 (unmovable), D = 24..27 (order 2); 30 was allocated before the capture.
const LINES = [
  "# tracer: nop", // line 1
  "#", // line 2
  alloc("100.000000", 20, 0, 1, "GFP_HIGHUSER_MOVABLE"), // 3: A
  alloc("100.000100", 21, 0, 1, "GFP_HIGHUSER_MOVABLE"), // 4: B
  alloc("100.000200", 50, 0, 0, "GFP_KERNEL"), // 5: C
  free("100.000300", 20, 0), // 6: A ends
  "this line is damaged", // 7: a warning, line 7
  free("100.000400", 30, 0), // 8: pre-capture free
  batched("100.000401", 20), // 9: repeats line 6 (free_unref_folios traces both): dropped
  alloc("100.000500", 24, 2, 1, "GFP_HIGHUSER_MOVABLE|__GFP_COMP"), // 10: D
  free("100.000600", 21, 0), // 11: B ends
  free("100.000700", 24, 1), // 12: order 1 where D is order 2: unknown
];

function capture(lines = LINES) {
  return traceCaptureFromText(
    "hand",
    lines,
    { zoneinfo: ZONEINFO, buddyinfo: BUDDYINFO, pagetypeinfo: PAGETYPEINFO },
    { zoneinfo: ZONEINFO, buddyinfo: AFTER_BUDDYINFO, pagetypeinfo: PAGETYPEINFO },
  );
}

const cellOf = (params: Record<string, unknown>, extra: Partial<CellInput> = {}): CellInput => ({
  era: "6.18",
  // replaced by the capture's before-zoneinfo (the spec's machine gives the era)
  machine: { era: "6.18", nodes: [{ zones: [{ type: "Normal", startPfn: 0, spannedPages: 4096 }] }] },
  workload: { name: "trace", params: { trace: "hand", ...params } },
  seed: 1,
  ...extra,
});

function errorOf(f: () => unknown): OomlabError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(OomlabError);
    return e as OomlabError;
  }
  throw new Error("expected an OomlabError");
}

afterEach(() => clearTraceCaptures());

describe("a capture for replay (analyse/trace_capture.ts)", () => {
  it("pairs allocations with their frees, drops the repeated batched free, counts the rest apart", () => {
    const c = capture();
    // events kept: 4 allocations + 4 frees (the batched repeat of line 6 is dropped)
    expect(c.events.count).toBe(8);
    expect([...c.events.line]).toEqual([3, 4, 5, 6, 8, 10, 11, 12]);
    expect([...c.events.kind].filter((k) => k === TRACE_ALLOC).length).toBe(4);
    // A (event 0) ends at event 3, B (event 1) at event 6; C and D live at the end
    expect([...c.events.partner]).toEqual([3, 6, -1, 0, -1, -1, 1, -1]);
    expect([...c.events.migratetype.slice(3)]).toEqual([FREE_PAIRED, FREE_PRE_CAPTURE, 1, FREE_PAIRED, FREE_UNKNOWN]);
    expect(c.counts).toMatchObject({
      mm_page_alloc: 4,
      mm_page_free: 4,
      mm_page_free_batched: 1,
      batchedDuplicates: 1,
      preCaptureFrees: 1,
      preCapturePages: 1,
      unknownFrees: 1,
      liveAtEnd: 1, // C; D was "freed" with another order (unknown), so no longer counted live
      malformed: 1,
    });
    expect(c.warnings).toEqual([
      { file: "hand", line: 7, message: expect.stringContaining("not an ftrace event line") },
    ]);
    // microseconds since the first event
    expect(c.events.timeUs[7]).toBe(700);
    expect(c.before?.zones[0]).toMatchObject({ name: "Normal", managed: 64, nrFree: [2, 1, 0, 1] });
    expect(c.before?.zones[0].blocksByType).toEqual([2, 6, 0, 0, 0, 0]);
  });

  it("a text with no ftrace line is a typed error naming the first bad line", () => {
    const e = errorOf(() => traceCaptureFromText("junk", ["hello", "world"], null, null));
    expect(e.code).toBe("OOMLAB_BAD_ARGUMENT");
    expect(e.message).toContain("junk is not an ftrace kmem capture");
    expect(e.message).toContain("line 1");
  });
});

describe("the start state (trace_state.ts)", () => {
  it("inferPagesMin finds the pages_min behind printed mins (the fixture VM: min_free_kbytes 67584)", () => {
    // 16896 * 3840 / 3070448 = 21.1, * 772848 / .. = 4252.9, * 2293760 / .. = 12622.1
    const zones = [
      { managed: 3840, min: 21 },
      { managed: 772848, min: 4252 },
      { managed: 2293760, min: 12622 },
    ];
    expect(inferPagesMin(zones)).toBe(16896);
  });

  it("pageblock runs: Movable first, then Reclaimable, then Unmovable", () => {
    expect(pageblockRuns({ startPfn: 0, present: 64, blocksByType: [2, 6, 0, 0, 0, 0] }, 3)).toEqual([
      { mt: 1, start: 0, end: 48 },
      { mt: 0, start: 48, end: 64 },
    ]);
  });

  it("freeLayout keeps one block per buddy pair and splits the rest", () => {
    // Movable run [0, 48), counts order0 1, order1 1, order3 1: order 3 takes 0 (the top order has no
    // buddy rule); 8..47 split to order 2 (none wanted), then order 1: pair (8, 10) gives 8, 10 splits;
    // order 0: pair (10, 11) gives 10. Every free block's buddy keeps an allocated page.
    expect(freeLayout(0, 48, [1, 1, 0, 1], 3)).toEqual({
      blocks: [
        [0, 3],
        [8, 1],
        [10, 0],
      ],
      missing: [0, 0, 0, 0],
    });
    // constraints: page 3 is wanted free (the trace allocates it first). By default blocks holding wanted
    // pages go first: order 3 takes 0..7 (holding 3); 8..15 splits down to order 0, where pair (8, 9)
    // gives 8. With avoidWantedFrom 3 they go last from order 3: order 3 takes 8..15; 0..7 splits down to
    // order 0, where pair (2, 3) frees its wanted half, 3, and goes first.
    const want3 = (avoidWantedFrom: number) => ({
      allocatedIn: () => 0,
      wantedIn: (f: number, t: number) => (f <= 3 && 3 < t ? 1 : 0),
      avoidWantedFrom,
    });
    expect(freeLayout(0, 16, [1, 0, 0, 1], 3, want3(16)).blocks).toEqual([
      [0, 3],
      [8, 0],
    ]);
    expect(freeLayout(0, 16, [1, 0, 0, 1], 3, want3(3)).blocks).toEqual([
      [8, 3],
      [3, 0],
    ]);
    // more blocks than the range holds: 7 order-3 blocks in 6 pageblocks
    expect(freeLayout(0, 48, [0, 0, 0, 7], 3).missing).toEqual([0, 0, 0, 1]);
  });
});

describe("workload trace, mode requests (the engine's fast path)", () => {
  it("places the hand-made trace as worked out by hand", () => {
    provideTraceCapture("hand", capture());
    const m = runCell(cellOf({})).metrics;
    // Start: Movable free [0, 3], [8, 1], [10, 0]; Unmovable [48, 0] (the Unmovable run [48, 64): order 0
    // pair (48, 49) gives 48): the before-* counts exactly.
    expect(m.start_l1_pages).toBe(0);
    // A: order-0 movable from the order-0 list: 10. B: the order-1 block 8 splits (expand keeps the
    // lower half): 8, and 9 goes on the order-0 list. C: unmovable order 0: 48. A freed: 10 (buddy 11 is
    // allocated). D: order 2 movable: order 3 block 0 splits: 0..3, 4 on the order-2 list. B freed: 8
    // merges with 9 (order 1), whose buddy 10..11 is not free. End: order 0: 10; order 1: 8; order 2: 4.
    expect(m["nr_free.Normal"]).toEqual([1, 1, 1, 0]);
    expect(m.free_pages).toBe(1 + 2 + 4);
    expect(m.attempts).toEqual([3, 0, 1, 0]);
    expect(m.failures).toEqual([0, 0, 0, 0]);
    expect(m.ops).toBe(4 + 2); // four requests, two paired frees
    expect(m).toMatchObject({
      trace_requests: 4,
      trace_frees: 2,
      trace_precapture_frees: 1,
      trace_precapture_pages: 1,
      trace_unknown_frees: 1,
      trace_batched_duplicates: 1,
      trace_extfrag_events: 0,
      extfrag_fallbacks: 0,
    });
    // after-buddyinfo 2 1 1 0: the simulation is one order-0 page short: |1 - 2| * 1 page
    expect(m["after_diff.Normal"]).toEqual([-1, 0, 0, 0]);
    expect(m.after_l1_pages).toBe(1);
    // before 2 1 0 1 against after 2 1 1 0: |0 - 1| * 4 + |1 - 0| * 8 = 12 pages
    expect(m.capture_l1_pages).toBe(12);
  });

  it("the events parameter replays a prefix: the first three requests only", () => {
    provideTraceCapture("hand", capture());
    const m = runCell(cellOf({ events: 3 })).metrics;
    expect(m.attempts).toEqual([3, 0, 0, 0]);
    expect(m.trace_frees).toBe(0);
  });

  it("is deterministic, and runs on the 6.18 kernel model with the same placements", () => {
    provideTraceCapture("hand", capture());
    const a = JSON.stringify(runCell(cellOf({})));
    expect(JSON.stringify(runCell(cellOf({})))).toBe(a);
    // the seed is not drawn from: the trace decides everything
    expect(JSON.stringify(runCell({ ...cellOf({}), seed: 2 }))).toBe(a);
    const k = runCell(cellOf({}, { sysctl: { compaction_proactiveness: 0 } })).metrics;
    expect(k["nr_free.Normal"]).toEqual([1, 1, 1, 0]);
    expect(k.trace_reclaimed_before_free).toBe(0);
    expect(k.sim_ms).toBe(0); // 700 us of trace time: no whole millisecond passed
  });

  it("refuses a capture that was not provided, and bad parameters, by name", () => {
    expect(errorOf(() => runCell(cellOf({}))).message).toContain('trace "hand" was not loaded');
    provideTraceCapture("hand", capture());
    expect(errorOf(() => runCell(cellOf({ mode: "replay" }))).message).toContain("parameter mode must be one of");
    expect(errorOf(() => runCell(cellOf({ speed: 2 }))).message).toContain("parameter speed is not a parameter");
    const noTrace = cellOf({});
    noTrace.workload.params = {};
    expect(errorOf(() => runCell(noTrace)).message).toContain("parameter trace");
    const noBefore = traceCaptureFromText("hand", LINES, null, null);
    provideTraceCapture("hand", noBefore);
    expect(errorOf(() => runCell(cellOf({}))).message).toContain("no before-zoneinfo");
  });
});

describe("workload trace, mode pinned (the trace's own pfns)", () => {
  it("starts with the pages the trace allocates first free and replays at the trace's pfns", () => {
    provideTraceCapture("hand", capture());
    const m = runCell(cellOf({ mode: "pinned" })).metrics;
    // Wanted free at the start: 20, 21, 50, 24..27; kept allocated: 30 (freed first).
    // Movable layout: order 3 takes 16 (2 wanted pages; 24..31 holds 30, unusable); order 1: pair
    // (24, 26), 2 wanted each: 24; order 0: pair (26, 27): 26. 27 is wanted and still allocated: freed
    // by itself (start_forced_free_pages 1), merging 24..27 into an order-2 block. Unmovable: order 0
    // pair (50, 51) holds wanted 50: 50. Start: order 3: 16; order 2: 24; order 0: 50 -> 1 0 1 1
    // against before 2 1 0 1: 1 + 2 + 4 = 7 pages.
    expect(m.start_forced_free_pages).toBe(1);
    expect(m["start_diff.Normal"]).toEqual([-1, -1, 1, 0]);
    expect(m.start_l1_pages).toBe(7);
    // Replay: A takes 20 out of 16..23 (16..19 order 2, 22..23 order 1, 21 order 0 stay free); B takes
    // 21; C takes 50; A freed: 20; 30 freed (pre-capture); D takes 24..27; B freed: 21 merges with 20,
    // then 22..23, then 16..19: 16..23 order 3; the unknown order-1 free of 24 frees 24..25 (26 is D's).
    // End: 16 (order 3), 24 (order 1), 30 (order 0): 1 1 0 1 against after 2 1 1 0: 1 + 4 + 8 = 13.
    expect(m["nr_free.Normal"]).toEqual([1, 1, 0, 1]);
    expect(m["after_diff.Normal"]).toEqual([-1, 0, -1, 1]);
    expect(m.after_l1_pages).toBe(13);
    expect(m.pinned_conflicts).toBe(0);
    expect(m).toMatchObject({ trace_requests: 4, trace_frees: 2, trace_precapture_frees: 1, trace_unknown_frees: 1 });
  });

  it("counts an allocation of a page that is not free as a conflict", () => {
    // 30 is allocated at the start (freed first... here allocated twice): the second allocation conflicts
    const lines = [alloc("1.0", 40, 0, 1, "GFP_HIGHUSER_MOVABLE"), alloc("1.1", 40, 0, 1, "GFP_HIGHUSER_MOVABLE")];
    provideTraceCapture("hand", capture(lines));
    const m = runCell(cellOf({ mode: "pinned" })).metrics;
    expect(m.pinned_conflicts).toBe(1);
    expect(m.failures).toEqual([1, 0, 0, 0]);
  });

  it("refuses time series (its free lists are not the engine's until the end)", () => {
    provideTraceCapture("hand", capture());
    expect(errorOf(() => runCell(cellOf({ mode: "pinned" }, { sampleEvery: 2 }))).message).toContain("sampleEvery");
  });
});

describe("movableAs", () => {
  it("gfp: a zeroed movable request is an anonymous fault, any other is page cache", () => {
    // as the lab's 6.1 captures print them (an anonymous fault, a dd read through ext2, a mapped file)
    const anon = gfpFromTrace("GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO") as number;
    const read = gfpFromTrace(
      "GFP_NOFS|__GFP_HIGHMEM|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_HARDWALL|__GFP_MOVABLE",
    );
    const mapped = gfpFromTrace("GFP_HIGHUSER_MOVABLE|__GFP_COMP") as number;
    expect(movableKind("gfp", anon)).toBe(FolioKind.Anon);
    expect(movableKind("gfp", read as number)).toBe(FolioKind.File);
    expect(movableKind("gfp", mapped)).toBe(FolioKind.File);
    expect(movableKind("gfp", TRACE_GFP_UNKNOWN)).toBe(FolioKind.File);
    expect(movableKind("anon", mapped)).toBe(FolioKind.Anon);
    expect(movableKind("file", anon)).toBe(FolioKind.File);
  });
});

describe("runOrder", () => {
  it("best-fit puts the runs in the order that places every free block", () => {
    // 64 pages, pageblocks of 8, 8 reserved pages at the start (present 64, managed 56): 1 Unmovable and 7
    // Movable pageblocks; free: 7 Movable order-3 blocks (56 pages). Movable first (pfns 0..56) leaves room for
    // 6 (pfns 8..56): one block, 8 pages, unplaced. Unmovable first (0..8, the reserved pages) places all 7.
    const zoneinfo = ZONEINFO.replace("managed  64", "managed  56").replace("pages free     12", "pages free     56");
    const pagetypeinfo = PAGETYPEINFO.replace(
      /type {6}Movable {6}1 {6}1 {6}0 {6}1/,
      "type      Movable      0      0      0      7",
    )
      .replace(/type {4}Unmovable {6}1/, "type    Unmovable      0")
      .replace(/Normal {12}2 {12}6/, "Normal            1            7");
    const c = traceCaptureFromText(
      "fit",
      [alloc("1.000000", 60, 0, 0, "GFP_KERNEL")],
      { zoneinfo, buddyinfo: "Node 0, zone   Normal      0      0      0      7 \n", pagetypeinfo },
      null,
    );
    expect(c.before?.zones[0].nrFreeByType?.[1]).toEqual([0, 0, 0, 7]);
    expect(c.before?.zones[0].blocksByType).toEqual([1, 7, 0, 0, 0, 0]);
    provideTraceCapture("fit", c);
    const cell = (runOrder: string) =>
      runCell({
        ...cellOf({ mode: "requests", runOrder }),
        workload: { name: "trace", params: { trace: "fit", runOrder } },
      }).metrics;
    expect(cell("movable-first").start_unplaced_pages).toBe(8);
    expect(cell("best-fit").start_unplaced_pages).toBe(0);
  });
});
