// The plots' data on hand-made results lines: the arithmetic of every mean and interval is in the test.

import { describe, expect, it } from "vitest";
import { compareResults, type CompareRecord } from "../../bindings/analyse/sweep_compare.js";
import { MAX_PANELS, pageblockRows, seriesMeans, sweepPlotData, thinned } from "../../bindings/analyse/sweep_plots.js";

/** t(0.975, 2) and t(0.975, 1) (analyse/stats.ts T975_TABLE). */
const T2 = 4.3026527;
const T1 = 12.7062047;

function rec(
  index: number,
  cell: string,
  metrics: Record<string, unknown>,
  series?: Record<string, unknown>,
  pb?: string,
) {
  const r: CompareRecord = { cell, index, seed: index, params: {}, metrics };
  if (series) r.series = series;
  if (pb !== undefined) r.pageblocks = pb;
  return r;
}

/** Cell A: three seeds with series; cell B: two seeds without. */
const A = "a";
const B = "b";
const RECORDS: CompareRecord[] = [
  rec(
    0,
    A,
    { success_pct: { "9": 50 } },
    {
      ops: [0, 10, 20],
      "free_pages.Normal": [100, 80, 60],
      "min.Normal": [5, 5, 5],
      "low.Normal": [6, 6, 6],
      "high.Normal": [7, 7, 9],
      "nr_free.0": [0, 4, 2],
      "nr_free.10": [1, 0, 0],
      "unusable_index_order9.Normal": [0, 300, 600],
    },
    "Mu.X",
  ),
  rec(
    0,
    A,
    { success_pct: { "9": 70 } },
    {
      ops: [0, 10, 25],
      "free_pages.Normal": [100, 70, 50],
      "min.Normal": [5, 5, 5],
      "low.Normal": [6, 6, 6],
      "high.Normal": [7, 7, 7],
      "nr_free.0": [0, 2, 2],
      "nr_free.10": [1, 0, 0],
      "unusable_index_order9.Normal": [0, 100, 400],
    },
    "MMMM",
  ),
  rec(
    0,
    A,
    { success_pct: { "9": 60 } },
    {
      ops: [0, 10, 20],
      "free_pages.Normal": [100, 90, null],
      "min.Normal": [5, 5, 5],
      "low.Normal": [6, 6, 6],
      "high.Normal": [7, 7, 8],
      "nr_free.0": [0, 0, 2],
      "nr_free.10": [1, 0, 0],
      "unusable_index_order9.Normal": [0, 200, 500],
    },
  ),
  rec(1, B, { success_pct: { "0": 100, "9": 10 } }),
  rec(1, B, { success_pct: { "0": 100, "9": 20 } }),
];

describe("series means over seeds", () => {
  it("averages the k-th samples at their mean operation count, nulls left out, with the 95% interval", () => {
    const p = seriesMeans(RECORDS.slice(0, 3), "free_pages.Normal");
    expect(p.map((x) => [x.ops, x.n, x.mean])).toEqual([
      [0, 3, 100],
      [10, 3, 80], // (80 + 70 + 90) / 3
      [22, 2, 55], // (60 + 50) / 2 (the third seed's value is null) at (20 + 25 + 20) / 3 = 21.67 -> 22
    ]);
    // sample 0: sd 0, interval 100 +- 0; sample 1: sd 10, +- t(2) * 10 / sqrt(3) = 24.8414...
    expect([p[0].ciLow, p[0].ciHigh]).toEqual([100, 100]);
    expect(p[1].ciLow).toBeCloseTo(80 - (T2 * 10) / Math.sqrt(3), 9);
    expect(p[1].ciHigh).toBeCloseTo(104.8414, 4);
    // sample 2: sd = |60 - 50| / sqrt(2) = 7.0711, +- t(1) * 7.0711 / sqrt(2) = 12.7062 * 5 = 63.531
    expect(p[2].ciHigh).toBeCloseTo(55 + T1 * 5, 9);
    expect(seriesMeans(RECORDS.slice(3), "free_pages.Normal")).toEqual([]);
  });

  it("one seed: a mean without an interval", () => {
    const p = seriesMeans(RECORDS.slice(0, 1), "nr_free.0");
    expect(p).toEqual([
      { sample: 0, ops: 0, n: 1, mean: 0, ciLow: null, ciHigh: null },
      { sample: 1, ops: 10, n: 1, mean: 4, ciLow: null, ciHigh: null },
      { sample: 2, ops: 20, n: 1, mean: 2, ciLow: null, ciHigh: null },
    ]);
  });
});

describe("the plots' rows", () => {
  const c = compareResults(RECORDS);
  const d = sweepPlotData(RECORDS, c);

  it("labels cells as the compare legend does", () => {
    expect(d.cells.map((x) => x.label)).toEqual(["[0] a", "[1] b"]);
  });

  it("success %: compare's mean and interval per order and cell, by order then cell", () => {
    expect(d.successPct.map((p) => [p.order, p.cell, p.n, p.mean])).toEqual([
      [0, "[1] b", 2, 100], // cell a made no order-0 request: no row
      [9, "[0] a", 3, 60],
      [9, "[1] b", 2, 15],
    ]);
    // a: 50, 70, 60: sd 10, 60 +- t(2) * 10 / sqrt(3) = 60 +- 24.8414; b: 10, 20: sd 7.0711, 15 +- 63.531
    const a9 = d.successPct[1];
    expect(a9.ciLow).toBeCloseTo(35.1586, 4);
    expect(a9.ciHigh).toBeCloseTo(84.8414, 4);
    expect(d.successPct[2].ciLow).toBeCloseTo(15 - T1 * 5, 9);
    // the same numbers as compare's (one computation)
    const m = c.metrics.find((x) => x.name === "success_pct.9");
    expect([a9.mean, a9.ciLow, a9.ciHigh]).toEqual([m?.cells[0].mean, m?.cells[0].ciLow, m?.cells[0].ciHigh]);
  });

  it("watermarks: the means of free, min, low, high per sample and zone", () => {
    expect(d.zones).toEqual(["Normal"]);
    expect(d.watermarks).toEqual([
      { cell: "[0] a", zone: "Normal", ops: 0, free: 100, min: 5, low: 6, high: 7 },
      { cell: "[0] a", zone: "Normal", ops: 10, free: 80, min: 5, low: 6, high: 7 },
      // free (60 + 50) / 2 = 55 (one null), high (9 + 7 + 8) / 3 = 8, at ops (20 + 25 + 20) / 3 -> 22
      { cell: "[0] a", zone: "Normal", ops: 22, free: 55, min: 5, low: 6, high: 8 },
    ]);
  });

  it("free blocks per order: means per sample", () => {
    const at10 = d.nrFree.filter((p) => p.ops === 10);
    // order 0: (4 + 2 + 0) / 3 = 2; order 10: 0
    expect(at10).toEqual([
      { cell: "[0] a", ops: 10, order: 0, mean: 2 },
      { cell: "[0] a", ops: 10, order: 10, mean: 0 },
    ]);
  });

  it("the unusable index: its order from the series name, means with intervals", () => {
    expect(d.unusableOrder).toBe(9);
    const p = d.unusable.find((x) => x.ops === 10);
    // 300, 100, 200: mean 200, sd 100, +- t(2) * 100 / sqrt(3) = 248.414
    expect(p?.mean).toBe(200);
    expect(p?.ciHigh).toBeCloseTo(448.414, 3);
  });

  it("the pageblock map of seed index 0 only, with its classes in legend order", () => {
    expect(d.pageblocks).toEqual([
      { cell: "[0] a", pageblock: 0, class: "Movable", free: false },
      { cell: "[0] a", pageblock: 1, class: "Unmovable", free: true },
      { cell: "[0] a", pageblock: 2, class: "hole", free: false },
      { cell: "[0] a", pageblock: 3, class: "mixed requests", free: false },
    ]);
    expect(d.pageblockClasses).toEqual(["Unmovable", "Movable", "mixed requests", "hole"]);
    expect(pageblockRows("c", "-#r?").map((p) => [p.class, p.free])).toEqual([
      ["free", true],
      ["reserved", false],
      ["Reclaimable", true],
    ]);
  });

  it("results without series give only the success rows", () => {
    const only = RECORDS.slice(3);
    const e = sweepPlotData(only, compareResults(only));
    expect([e.successPct.length, e.watermarks, e.nrFree, e.unusable, e.pageblocks, e.unusableOrder]).toEqual([
      2,
      [],
      [],
      [],
      [],
      null,
    ]);
  });
});

describe("large sweeps", () => {
  it("thins a series evenly, keeping the first and the last point", () => {
    const xs = Array.from({ length: 10 }, (_, i) => i);
    expect(thinned(xs, 10)).toEqual(xs);
    // 10 points, at most 4: step ceil(10 / 4) = 3: 0, 3, 6, 9 (9 is also the last)
    expect(thinned(xs, 4)).toEqual([0, 3, 6, 9]);
    // 11 points, at most 5: step 3: 0, 3, 6, 9 and the last, 10
    expect(thinned([...xs, 10], 5)).toEqual([0, 3, 6, 9, 10]);
  });

  it("draws the per-cell charts for the first MAX_PANELS cells only", () => {
    const many: CompareRecord[] = [];
    for (let i = 0; i < MAX_PANELS + 2; i++)
      many.push(rec(i, `c${i}`, { success_pct: { "0": 100 } }, { ops: [0], "nr_free.0": [i] }, "M"));
    const d = sweepPlotData(many, compareResults(many));
    expect([d.cells.length, d.panelCells]).toEqual([MAX_PANELS + 2, MAX_PANELS]);
    expect(new Set(d.nrFree.map((p) => p.cell)).size).toBe(MAX_PANELS);
    expect(new Set(d.pageblocks.map((p) => p.cell)).size).toBe(MAX_PANELS);
    expect(d.successPct).toHaveLength(MAX_PANELS + 2); // one chart for all cells
  });
});
