// `oomlab compare`: the cells of a sweep's results, metric by metric, against a baseline cell, as
// mmtests' compare-kernels compares kernels. Pure: results.jsonl text in, a Comparison out (the CLI reads
// the files, render/sweep_compare.ts prints).
//
// Metrics: every numeric metric of a results line. A scalar keeps its name; a list (per order) is
// flattened to name.0, name.1, ...; an object to name.KEY. A null (a value that was not finite) is left out
// of that metric's sample, so n counts the seeds that gave a number.
//
// Per cell and metric, over its seeds: n, mean, sample standard deviation, the 95% confidence interval of
// the mean (mean +- t(0.975, n-1) sd / sqrt(n), analyse/stats.ts), the change of the mean against the
// baseline's in % ((mean - base) / |base| * 100; 0 when both are 0, null when only the base is), and the
// two-sided Mann-Whitney U test of the cell's values against the baseline's (exact without ties for small
// samples, else normal with tie correction); "significant" is p < 0.05. Anything undefined is null.
//
// Baseline (--baseline NAME): the cell whose id is NAME; else the one cell whose id has every
// comma-separated path=value of NAME among its own (NAME "config.COMPACTION=no-compaction"); else the one
// cell whose id starts with NAME. No match or several: OOMLAB_USAGE listing the cells. Default: the first.
//
// Order: cells by their index (the spec's expansion order), metrics sorted by name, dot-separated parts
// that are whole numbers compared as numbers (attempts.2 before attempts.10).

import { OomlabError } from "../errors.js";
import { type MannWhitney, mannWhitney, type SampleStats, sampleStats } from "./stats.js";
import { editDistance } from "../include/suggest.js";

/** The fields of a results line compare reads (sweep/merge.ts ResultRecord has more). */
export interface CompareRecord {
  cell: string;
  index: number;
  seed: number;
  params: Record<string, unknown>;
  metrics: Record<string, unknown>;
  /** The time series (sampleEvery > 0), as the line holds them; compare ignores them, the plots read them. */
  series?: Record<string, unknown>;
  /** The final pageblock map (sweep/metrics.ts pageblockMap), with the series. */
  pageblocks?: string;
}

export interface CompareCell {
  index: number;
  id: string;
  params: Record<string, unknown>;
  seeds: number;
}

/** One cell's numbers for one metric. */
export interface CellMetric extends SampleStats {
  /** The 95% interval of the mean, [low, high]; null when n < 2. */
  ciLow: number | null;
  ciHigh: number | null;
  /** (mean - baseline mean) / |baseline mean| * 100; null for the baseline itself and when undefined. */
  changePct: number | null;
  /** The test against the baseline; null for the baseline itself. */
  test: MannWhitney | null;
  /** p < 0.05; null when p is. */
  significant: boolean | null;
}

export interface MetricComparison {
  name: string;
  /** Whether any two of its values differ (any cells, any seeds): the text output lists these first. */
  differs: boolean;
  /** One entry per cell, in the order of Comparison.cells. */
  cells: CellMetric[];
}

export interface Comparison {
  cells: CompareCell[];
  /** Index into cells. */
  baseline: number;
  metrics: MetricComparison[];
}

function bad(where: string, message: string): OomlabError {
  return new OomlabError("OOMLAB_BAD_ARGUMENT", `${where}: ${message}`);
}

/** The lines of a results.jsonl text, checked for the fields compare reads. */
export function parseResults(text: string, name: string): CompareRecord[] {
  const out: CompareRecord[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const where = `${name} line ${i + 1}`;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw bad(where, "not JSON (a results.jsonl line of oomlab sweep)");
    }
    const r = v as Partial<CompareRecord>;
    if (r === null || typeof r !== "object" || Array.isArray(r)) throw bad(where, "not a JSON object");
    if (typeof r.cell !== "string") throw bad(where, "no cell id");
    if (!Number.isInteger(r.index) || (r.index as number) < 0) throw bad(where, "no cell index");
    if (r.metrics === null || typeof r.metrics !== "object" || Array.isArray(r.metrics)) throw bad(where, "no metrics");
    out.push({
      cell: r.cell,
      index: r.index as number,
      seed: typeof r.seed === "number" ? r.seed : 0,
      params: r.params && typeof r.params === "object" ? r.params : {},
      metrics: r.metrics as Record<string, unknown>,
      ...(r.series && typeof r.series === "object" && !Array.isArray(r.series) ? { series: r.series } : {}),
      ...(typeof r.pageblocks === "string" ? { pageblocks: r.pageblocks } : {}),
    });
  }
  if (!out.length) throw bad(name, "no results");
  return out;
}

/** A results line's metrics flattened to name -> number | null (see the header); other values are skipped. */
export function flattenMetrics(metrics: Record<string, unknown>): Map<string, number | null> {
  const out = new Map<string, number | null>();
  const put = (k: string, v: unknown) => {
    if (typeof v === "number") out.set(k, Number.isFinite(v) ? v : null);
    else if (v === null) out.set(k, null);
  };
  for (const [k, v] of Object.entries(metrics)) {
    if (Array.isArray(v)) for (let i = 0; i < v.length; i++) put(`${k}.${i}`, v[i]);
    else if (v !== null && typeof v === "object") for (const [kk, x] of Object.entries(v)) put(`${k}.${kk}`, x);
    else put(k, v);
  }
  return out;
}

/** The cells of the records, by index; one id per index. */
export function cellsOf(records: readonly CompareRecord[]): CompareCell[] {
  const byIndex = new Map<number, CompareCell>();
  for (const r of records) {
    const c = byIndex.get(r.index);
    if (!c) byIndex.set(r.index, { index: r.index, id: r.cell, params: r.params, seeds: 1 });
    else if (c.id !== r.cell) throw bad("results", `cell index ${r.index} is both ${c.id} and ${r.cell}`);
    else c.seeds++;
  }
  const cells = [...byIndex.values()].sort((a, b) => a.index - b.index);
  const ids = new Set<string>();
  for (const c of cells) {
    if (ids.has(c.id)) throw bad("results", `cell ${c.id} has two indices`);
    ids.add(c.id);
  }
  return cells;
}

/** The position in cells of the baseline NAME names (see the header); the first cell when NAME is undefined. */
export function selectBaseline(cells: readonly CompareCell[], name?: string): number {
  if (name === undefined) return 0;
  const list = () => cells.map((c) => `  ${c.id}`).join("\n");
  const exact = cells.findIndex((c) => c.id === name);
  if (exact >= 0) return exact;
  const parts = name.split(",").filter((p) => p.length > 0);
  const byParts = cells
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => {
      const own = new Set(c.id.split(","));
      return parts.length > 0 && parts.every((p) => own.has(p));
    });
  const byPrefix = cells.map((c, i) => ({ c, i })).filter(({ c }) => c.id.startsWith(name));
  const matches = byParts.length ? byParts : byPrefix;
  if (matches.length === 1) return matches[0].i;
  if (matches.length > 1) {
    const which = matches.map(({ c }) => `  ${c.id}`).join("\n");
    throw new OomlabError(
      "OOMLAB_USAGE",
      `--baseline ${JSON.stringify(name)} matches ${matches.length} cells:\n${which}`,
    );
  }
  throw new OomlabError(
    "OOMLAB_USAGE",
    `--baseline ${JSON.stringify(name)} matches no cell; the cells are:\n${list()}`,
  );
}

function changePct(mean: number | null, base: number | null): number | null {
  if (mean === null || base === null) return null;
  if (base === 0) return mean === 0 ? 0 : null;
  return ((mean - base) / Math.abs(base)) * 100;
}

/** Metric name order: part by part (split at "."), whole-number parts as numbers and before other parts. */
export function compareMetricNames(a: string, b: string): number {
  const pa = a.split(".");
  const pb = b.split(".");
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] === pb[i]) continue;
    const na = /^\d+$/.test(pa[i]);
    const nb = /^\d+$/.test(pb[i]);
    if (na && nb) return Number(pa[i]) - Number(pb[i]) || (pa[i] < pb[i] ? -1 : 1);
    if (na !== nb) return na ? -1 : 1;
    return pa[i] < pb[i] ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** Compares every cell of records against the baseline cell (see the header). */
export function compareResults(records: readonly CompareRecord[], opts: { baseline?: string } = {}): Comparison {
  const cells = cellsOf(records);
  const baseline = selectBaseline(cells, opts.baseline);
  const pos = new Map(cells.map((c, i) => [c.index, i]));
  // samples[metric][cell position] = the finite values, in results order (seed order)
  const samples = new Map<string, number[][]>();
  for (const r of records) {
    const at = pos.get(r.index) as number;
    for (const [k, v] of flattenMetrics(r.metrics)) {
      let s = samples.get(k);
      if (!s) {
        s = cells.map(() => []);
        samples.set(k, s);
      }
      if (v !== null) s[at].push(v);
    }
  }
  const metrics: MetricComparison[] = [];
  for (const name of [...samples.keys()].sort(compareMetricNames)) {
    const s = samples.get(name) as number[][];
    const base = s[baseline];
    const baseStats = sampleStats(base);
    const first = s.flat()[0];
    const differs = s.some((xs) => xs.some((x) => x !== first));
    metrics.push({
      name,
      differs,
      cells: s.map((xs, i) => {
        const st = i === baseline ? baseStats : sampleStats(xs);
        const test = i === baseline ? null : mannWhitney(xs, base);
        const ci = st.ci95 !== null && st.mean !== null;
        return {
          ...st,
          ciLow: ci ? (st.mean as number) - (st.ci95 as number) : null,
          ciHigh: ci ? (st.mean as number) + (st.ci95 as number) : null,
          changePct: i === baseline ? null : changePct(st.mean, baseStats.mean),
          test,
          significant: test === null || test.p === null ? null : test.p < 0.05,
        };
      }),
    });
  }
  return { cells, baseline, metrics };
}

/** The metric names a --metric NAME selects: NAME itself, or every flattened metric NAME.*. An unknown NAME
 *  is an OOMLAB_USAGE with the closest names. */
export function selectMetrics(all: readonly string[], wanted: readonly string[]): string[] {
  const chosen = new Set<string>();
  for (const w of wanted) {
    const hits = all.filter((m) => m === w || m.startsWith(`${w}.`));
    if (!hits.length) {
      const near = all
        .map((m) => ({ m, d: editDistance(w, m) }))
        .filter(({ m, d }) => d <= Math.max(2, Math.floor(w.length / 3)) || (w.length >= 4 && m.includes(w)))
        .sort((a, b) => a.d - b.d || (a.m < b.m ? -1 : 1))
        .slice(0, 3)
        .map(({ m }) => m);
      const hint = near.length ? `; did you mean ${near.join(", ")}?` : "";
      throw new OomlabError("OOMLAB_USAGE", `--metric ${JSON.stringify(w)} is not a metric of these results${hint}`);
    }
    for (const h of hits) chosen.add(h);
  }
  return all.filter((m) => chosen.has(m));
}

/** The comparison restricted to the metrics named (in its own order). */
export function withMetrics(c: Comparison, names: readonly string[]): Comparison {
  const keep = new Set(names);
  return { ...c, metrics: c.metrics.filter((m) => keep.has(m.name)) };
}
