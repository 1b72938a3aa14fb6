// The data of a sweep's plots (render/sweep_plots.ts turns them into Vega-Lite specs): every number a
// chart shows is computed here, from the results lines and the comparison analyse/sweep_compare.ts
// made of them. Pure: records in, plain rows out.
//
// - success %: per cell and order, the success_pct.<order> metric's mean and 95% interval over seeds,
//   as compare computes them (the same CellMetric, not a second computation);
// - time series (free pages against the watermarks, free blocks per order, the unusable free space
//   index at the huge order): per cell, series name and sample k, the mean over the seeds of their k-th
//   samples, with n and the 95% interval of the mean (analyse/stats.ts), at the mean operation count of
//   the seeds' k-th samples, rounded (samples are taken every K operations and at the end, so only the
//   last can differ between seeds: a run that ends earlier or later); a null (not finite) value is left
//   out of that point's sample, as in compare;
// - the charts drawn once per cell (watermarks, free blocks, pageblocks) show the first MAX_PANELS
//   cells; the heat map at most MAX_HEAT_SAMPLES samples of each (thinned evenly, the last kept);
// - the pageblock map: seed index 0 of each cell (a final state is not averaged), one row per
//   pageblock with its class and whether it is wholly free (docs/workloads.md, Pageblock map).
//
// A chart's rows are empty when the results lack its data (no success_pct, no series, no map).

import type { CompareRecord, Comparison } from "./sweep_compare.js";
import { sampleStats } from "./stats.js";

/** The most cells the charts drawn once per cell show (the first ones, in spec order): a panel each, so
 *  that a 64-cell sweep's report stays a few MB (every pageblock is a mark). */
export const MAX_PANELS = 16;
/** The most samples of a cell the heat map of free blocks shows (every ceil(samples / this)-th, and the
 *  last): a column each. */
export const MAX_HEAT_SAMPLES = 60;

/** Every step-th point and the last, step = ceil(points / max): at most max + 1 points, the first and last kept. */
export function thinned<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points];
  const step = Math.ceil(points.length / max);
  return points.filter((_, k) => k % step === 0 || k === points.length - 1);
}

/** A cell as the charts name it: "[index] id" (the index of the compare legend; ids can be long or alike). */
export interface PlotCell {
  index: number;
  id: string;
  label: string;
}

/** The mean of a quantity over seeds with its 95% interval (null when fewer than two seeds gave it). */
export interface MeanPoint {
  cell: string;
  n: number;
  mean: number;
  ciLow: number | null;
  ciHigh: number | null;
}

export interface SuccessPoint extends MeanPoint {
  order: number;
}

export interface WatermarkPoint {
  cell: string;
  zone: string;
  ops: number;
  /** Means over seeds: free pages and the min, low and high watermarks (boost included). */
  free: number;
  min: number;
  low: number;
  high: number;
}

export interface NrFreePoint {
  cell: string;
  ops: number;
  order: number;
  /** Mean free blocks of the order, summed over zones. */
  mean: number;
}

export interface UnusablePoint extends MeanPoint {
  zone: string;
  ops: number;
}

/** What a pageblock map character says (docs/workloads.md, Pageblock map). */
export const PAGEBLOCK_CLASSES = [
  "Unmovable",
  "Movable",
  "Reclaimable",
  "HighAtomic",
  "CMA",
  "Isolate",
  "mixed requests",
  "free",
  "reserved",
  "hole",
] as const;
export type PageblockClass = (typeof PAGEBLOCK_CLASSES)[number];

export interface PageblockPoint {
  cell: string;
  pageblock: number;
  class: PageblockClass;
  /** Every present page of it free (a lower-case letter or "-"). */
  free: boolean;
}

export interface SweepPlotData {
  cells: PlotCell[];
  /** The charts drawn once per cell (watermarks, free blocks, pageblocks) show the first panelCells cells. */
  panelCells: number;
  successPct: SuccessPoint[];
  /** The zones with watermark rows, sorted. */
  zones: string[];
  watermarks: WatermarkPoint[];
  nrFree: NrFreePoint[];
  /** The order of the unusable index series (unusable_index_order<N>.<zone>), null without them. */
  unusableOrder: number | null;
  unusable: UnusablePoint[];
  pageblocks: PageblockPoint[];
  /** The classes that occur in pageblocks, in PAGEBLOCK_CLASSES order (the map's legend). */
  pageblockClasses: PageblockClass[];
}

const LETTER_CLASS: Record<string, PageblockClass> = {
  U: "Unmovable",
  M: "Movable",
  R: "Reclaimable",
  H: "HighAtomic",
  C: "CMA",
  I: "Isolate",
  X: "mixed requests",
  "-": "free",
  "#": "reserved",
  ".": "hole",
};

/** The rows of a pageblock map string; an unknown character is left out. */
export function pageblockRows(cell: string, map: string): PageblockPoint[] {
  const out: PageblockPoint[] = [];
  for (let b = 0; b < map.length; b++) {
    const ch = map[b];
    const cls = LETTER_CLASS[ch.toUpperCase()];
    if (!cls) continue;
    out.push({ cell, pageblock: b, class: cls, free: ch === "-" || ch !== ch.toUpperCase() });
  }
  return out;
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** A series of a record as numbers (null where not a finite number), or null when it has none. */
function seriesOf(r: CompareRecord, name: string): (number | null)[] | null {
  const s = r.series?.[name];
  return Array.isArray(s) ? s.map(num) : null;
}

/** One sample of a series, averaged over seeds. */
export interface SampleMean {
  /** The sample's position k (0 at operation 0). */
  sample: number;
  /** The mean operation count of the seeds' k-th samples, rounded. */
  ops: number;
  n: number;
  mean: number;
  ciLow: number | null;
  ciHigh: number | null;
}

/** The mean over seeds of one series of one cell, per sample (see the header), in sample order. */
export function seriesMeans(records: readonly CompareRecord[], name: string): SampleMean[] {
  const values: number[][] = [];
  const ops: number[][] = [];
  for (const r of records) {
    const at = seriesOf(r, "ops");
    const s = seriesOf(r, name);
    if (!at || !s) continue;
    for (let k = 0; k < Math.min(at.length, s.length); k++) {
      const o = at[k];
      if (o === null) continue;
      if (!values[k]) {
        values[k] = [];
        ops[k] = [];
      }
      ops[k].push(o);
      const v = s[k];
      if (v !== null) values[k].push(v);
    }
  }
  const out: SampleMean[] = [];
  for (let k = 0; k < values.length; k++) {
    if (!values[k]?.length) continue;
    const st = sampleStats(values[k]);
    const mean = st.mean as number;
    const ci = st.ci95;
    out.push({
      sample: k,
      ops: Math.round(sampleStats(ops[k]).mean as number),
      n: st.n,
      mean,
      ciLow: ci === null ? null : mean - ci,
      ciHigh: ci === null ? null : mean + ci,
    });
  }
  return out;
}

/** The series names of the records with a prefix, and what follows it, sorted. */
function suffixes(records: readonly CompareRecord[], prefix: string): string[] {
  const out = new Set<string>();
  for (const r of records)
    for (const k of Object.keys(r.series ?? {})) if (k.startsWith(prefix)) out.add(k.slice(prefix.length));
  return [...out].sort();
}

/** Everything the plots of a sweep show (see the header). */
export function sweepPlotData(records: readonly CompareRecord[], c: Comparison): SweepPlotData {
  const cells: PlotCell[] = c.cells.map((cell, i) => ({ index: cell.index, id: cell.id, label: `[${i}] ${cell.id}` }));
  const label = new Map(c.cells.map((cell, i) => [cell.index, cells[i].label]));
  const byCell = c.cells.map((cell) => records.filter((r) => r.index === cell.index));

  // metrics come sorted by name with orders as numbers (compareMetricNames): rows by order, then cell
  const successPct: SuccessPoint[] = [];
  for (const m of c.metrics) {
    const hit = /^success_pct\.(\d+)$/.exec(m.name);
    if (!hit) continue;
    m.cells.forEach((x, i) => {
      if (x.mean === null) return;
      successPct.push({
        cell: cells[i].label,
        order: Number(hit[1]),
        n: x.n,
        mean: x.mean,
        ciLow: x.ciLow,
        ciHigh: x.ciHigh,
      });
    });
  }

  const watermarks: WatermarkPoint[] = [];
  const nrFree: NrFreePoint[] = [];
  const unusable: UnusablePoint[] = [];
  const zones = suffixes(records, "free_pages.");
  const orders = suffixes(records, "nr_free.")
    .filter((o) => /^\d+$/.test(o))
    .map(Number)
    .sort((a, b) => a - b);
  const unusableNames = suffixes(records, "unusable_index_order");
  const unusableOrder = unusableNames.length ? Number(unusableNames[0].split(".")[0]) : null;
  c.cells.forEach((cell, i) => {
    const rs = byCell[i];
    const name = label.get(cell.index) as string;
    const panel = i < MAX_PANELS; // the charts drawn once per cell show the first MAX_PANELS cells
    for (const zone of panel ? zones : []) {
      const free = seriesMeans(rs, `free_pages.${zone}`);
      const at = (s: string) => new Map(seriesMeans(rs, `${s}.${zone}`).map((p) => [p.sample, p.mean]));
      const min = at("min");
      const low = at("low");
      const high = at("high");
      for (const p of free) {
        const [a, b, h] = [min.get(p.sample), low.get(p.sample), high.get(p.sample)];
        if (a === undefined || b === undefined || h === undefined) continue;
        watermarks.push({ cell: name, zone, ops: p.ops, free: p.mean, min: a, low: b, high: h });
      }
    }
    for (const order of panel ? orders : [])
      for (const p of thinned(seriesMeans(rs, `nr_free.${order}`), MAX_HEAT_SAMPLES))
        nrFree.push({ cell: name, ops: p.ops, order, mean: p.mean });
    if (unusableOrder !== null)
      for (const zone of zones)
        for (const { ops, n, mean, ciLow, ciHigh } of seriesMeans(rs, `unusable_index_order${unusableOrder}.${zone}`))
          unusable.push({ cell: name, zone, ops, n, mean, ciLow, ciHigh });
  });

  const pageblocks: PageblockPoint[] = [];
  byCell.slice(0, MAX_PANELS).forEach((rs, i) => {
    const first = rs.find((r) => typeof r.pageblocks === "string");
    if (first?.pageblocks) pageblocks.push(...pageblockRows(cells[i].label, first.pageblocks));
  });
  const seen = new Set(pageblocks.map((p) => p.class));
  return {
    cells,
    panelCells: Math.min(cells.length, MAX_PANELS),
    successPct,
    zones: zones.filter((z) => watermarks.some((p) => p.zone === z)),
    watermarks,
    nrFree,
    unusableOrder,
    unusable,
    pageblocks,
    pageblockClasses: PAGEBLOCK_CLASSES.filter((k) => seen.has(k)),
  };
}
