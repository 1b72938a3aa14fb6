// The trace workload on the real 6.18 captures shipped in test/fixtures/traces (their README.md gives
// the event counts held here): the capture as loaded for replay, and a whole requests replay of each.

import { describe, expect, it } from "vitest";
import { loadTraceCapture } from "../../bindings/cli/trace_load.js";
import { runCell, type CellInput } from "../../bindings/sweep/cell.js";
import { provideTraceCapture } from "../../bindings/sweep/trace_source.js";

const dir = (name: string) => new URL(`../fixtures/traces/${name}/trace.txt.xz`, import.meta.url).pathname;
const cell = (trace: string, params: Record<string, unknown> = {}): CellInput => ({
  era: "6.18",
  machine: { era: "6.18", nodes: [{ zones: [{ type: "Normal", startPfn: 0, spannedPages: 4096 }] }] },
  workload: { name: "trace", params: { trace, ...params } },
  seed: 1,
});

describe("6.18-anon-pagecache-1 (1,260,870 events)", async () => {
  const cap = await loadTraceCapture("anon", dir("6.18-anon-pagecache-1"), { xzWorker: false });
  provideTraceCapture("anon", cap);

  it("loads with the README's counts, every batched free a repeat of its mm_page_free", () => {
    expect(cap.counts).toMatchObject({
      mm_page_alloc: 421_793,
      mm_page_free: 421_840,
      mm_page_free_batched: 417_235,
      mm_page_alloc_extfrag: 2,
      batchedDuplicates: 417_235,
      failedAllocs: 0,
      malformed: 0,
    });
    // events replayed: the allocations and the mm_page_free events
    expect(cap.events.count).toBe(421_793 + 421_840);
    const c = cap.counts;
    // every mm_page_free is paired, pre-capture or unknown; pairs are allocations that ended
    const paired = 421_840 - c.preCaptureFrees - c.unknownFrees;
    expect(421_793 - paired).toBe(c.liveAtEnd);
    expect(cap.sha256).toMatch(/^[0-9a-f]{64}$/);
    // the VM of the README: min_free_kbytes 67584, 24 GiB with Normal's managed pages up to the trace's pfns
    expect(cap.before?.zones.map((z) => [z.name, z.managed])).toEqual([
      ["DMA", 3840],
      ["DMA32", 772848],
      ["Normal", 2293760],
    ]);
    expect(cap.maxPfn).toBeLessThan(1048576 + 2293760);
  });

  it("replays as requests on the engine: every request placed, Normal starting at before-*'s free lists", () => {
    const m = runCell(cell("anon")).metrics;
    expect(m.trace_requests).toBe(421_793);
    expect((m.failures as number[]).every((n) => n === 0)).toBe(true);
    expect(m.attempts).toEqual([421_037, 455, 1, 0, 0, 0, 0, 0, 300, 0, 0]);
    expect(m["start_l1_pages.Normal"]).toBe(0);
    expect(m.trace_precapture_frees).toBe(cap.counts.preCaptureFrees);
    // the per-CPU lists the engine does not model grew by 118,678 pages in Normal (6,993 + 8,396 before,
    // 125,671 + 6,819 after: after-zoneinfo's pagesets)
    expect(m["pcp_pages_change.Normal"]).toBe(125_671 + 6_819 - (6_993 + 8_396));
  });
});

describe("6.18-mixed-1 (95,355 events)", async () => {
  const cap = await loadTraceCapture("mixed", dir("6.18-mixed-1"), { xzWorker: false });
  provideTraceCapture("mixed", cap);

  it("loads with the README's counts", () => {
    expect(cap.counts).toMatchObject({ mm_page_alloc: 38_962, mm_page_free: 29_882, mm_page_free_batched: 26_511 });
    expect(cap.counts.mm_page_alloc_extfrag).toBe(0);
  });

  it("replays in both modes, deterministically", () => {
    for (const mode of ["requests", "pinned"]) {
      const a = JSON.stringify(runCell(cell("mixed", { mode })));
      expect(JSON.stringify(runCell(cell("mixed", { mode })))).toBe(a);
      expect(JSON.parse(a).metrics.trace_requests).toBe(38_962);
    }
  });
});
