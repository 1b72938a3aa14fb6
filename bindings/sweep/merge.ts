// What a sweep writes, as text, and how it is read back: one results.jsonl line per task, the run's
// manifest (sweep.json), summary.csv; reading a results file back for --resume (a truncated last line
// is dropped) and merging shards. Pure text in and out: the CLI does the file system.
//
// A results line is one JSON object, keys in this order:
//   {"cell":ID,"index":CELL_INDEX,"seedIndex":K,"seed":SEED,"params":{PATH:VALUE,...},"metrics":{...},
//    "series":{...},"pageblocks":"UUMm..."}
// params in the grid's axis order; metrics (and series) sorted by name, a per-key metric's keys
// sorted too (integer keys, such as orders, first and ascending, as JavaScript orders them); a number
// that is not finite (0/0) is written null. "series" and "pageblocks" (the final pageblock map, one
// character per pageblock: sweep/metrics.ts pageblockMap) are left out when the cell gives none. Lines follow
// the task ordinal (cell index * seeds + seed index), so the bytes do not depend on the workers.

import { OomlabError } from "../errors.js";
import type { CellResult, ExpandedSweep, MetricValue, SweepSpec, SweepTask } from "./spec.js";
import { taskAt } from "./spec.js";
import { type Shard, shardOrdinals, shardText } from "./shard.js";

/** The manifest's format tag. */
export const RUN_FORMAT = "oomlab-sweep-run/1";

/** DIR/sweep.json: the spec a directory's results belong to and the share of it they hold. */
export interface SweepManifest {
  format: typeof RUN_FORMAT;
  spec: SweepSpec;
  cells: number;
  seeds: number;
  tasks: number;
  /** "I/N". */
  shard: string;
}

/** A results line, parsed. */
export interface ResultRecord {
  cell: string;
  index: number;
  seedIndex: number;
  seed: number;
  params: Record<string, unknown>;
  metrics: Record<string, MetricValue | null>;
  series?: Record<string, (number | null)[]>;
  pageblocks?: string;
}

function bad(message: string): OomlabError {
  return new OomlabError("OOMLAB_BAD_SPEC", message);
}

/** A number as results write it (non-finite -> null). */
function num(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** An object with its keys in code-unit order (integer keys end up first, ascending: JavaScript's own order). */
function sortedKeys<T>(o: Record<string, T>, f: (v: T, key: string) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) out[k] = f(o[k], k);
  return out;
}

function metricValue(v: unknown, name: string): unknown {
  if (typeof v === "number") return num(v);
  if (v === null) return null;
  if (Array.isArray(v))
    return v.map((x, i) => {
      if (typeof x !== "number" && x !== null) throw bad(`metric ${name}[${i}] is not a number`);
      return x === null ? null : num(x);
    });
  if (typeof v === "object")
    return sortedKeys(v as Record<string, unknown>, (x, k) => {
      if (typeof x !== "number" && x !== null) throw bad(`metric ${name}.${k} is not a number`);
      return x === null ? null : num(x);
    });
  throw bad(`metric ${name} is ${JSON.stringify(v)}: a number, a list of numbers or an object of numbers`);
}

/** The results line of a task (without its newline). */
export function resultLine(task: SweepTask, result: CellResult): string {
  if (result === null || typeof result !== "object" || typeof result.metrics !== "object" || result.metrics === null)
    throw bad(`cell ${task.cell.id} seed ${task.seed}: the cell function gave no metrics object`);
  const rec: Record<string, unknown> = {
    cell: task.cell.id,
    index: task.cell.index,
    seedIndex: task.seedIndex,
    seed: task.seed,
    params: task.cell.params,
    metrics: sortedKeys(result.metrics as Record<string, unknown>, metricValue),
  };
  if (result.series) {
    rec.series = sortedKeys(result.series as Record<string, unknown>, (v, k) => {
      if (!Array.isArray(v)) throw bad(`series ${k} is not a list of numbers`);
      return metricValue(v, k);
    });
  }
  if (result.pageblocks !== undefined) {
    if (typeof result.pageblocks !== "string" || !/^[UMRHCIumrhciX#.?-]*$/.test(result.pageblocks))
      throw bad("pageblocks is not a pageblock map (one of UMRHCIumrhciX#.?- per pageblock)");
    rec.pageblocks = result.pageblocks;
  }
  return JSON.stringify(rec);
}

/** Checks one results line against the task it must hold (same id, index, seed, params, and written
 *  exactly as resultLine writes it); returns it parsed. `where` names the line in errors. */
export function checkLine(line: string, task: SweepTask, where: string): ResultRecord {
  let rec: ResultRecord;
  try {
    rec = JSON.parse(line) as ResultRecord;
  } catch (e) {
    throw bad(`${where}: not JSON (${(e as Error).message})`);
  }
  if (rec === null || typeof rec !== "object" || Array.isArray(rec)) throw bad(`${where}: not a results object`);
  if (rec.cell !== task.cell.id || rec.seedIndex !== task.seedIndex)
    throw bad(
      `${where}: holds cell ${JSON.stringify(rec.cell)} seed index ${rec.seedIndex}; ` +
        `this sweep's task ${task.ordinal} there is cell ${JSON.stringify(task.cell.id)} seed index ${task.seedIndex}`,
    );
  let again: string;
  try {
    again = resultLine(task, {
      metrics: rec.metrics as CellResult["metrics"],
      ...(rec.series ? { series: rec.series as never } : {}),
      ...(rec.pageblocks !== undefined ? { pageblocks: rec.pageblocks } : {}),
    });
  } catch (e) {
    throw bad(`${where}: ${(e as Error).message}`);
  }
  if (again !== line)
    throw bad(`${where}: not as this sweep writes it (index, seed, params or key order differ: another spec?)`);
  return rec;
}

/** The manifest of a run of shard s of an expanded sweep (the whole: WHOLE), as sweep.json's text. */
export function manifestText(x: ExpandedSweep, s: Shard): string {
  const m: SweepManifest = {
    format: RUN_FORMAT,
    spec: x.spec,
    cells: x.cells.length,
    seeds: x.seeds,
    tasks: x.taskCount,
    shard: shardText(s),
  };
  return JSON.stringify(m, null, 2) + "\n";
}

/** Reads a manifest's text (name for errors). */
export function parseManifest(text: string, name: string): SweepManifest {
  let m: SweepManifest;
  try {
    m = JSON.parse(text) as SweepManifest;
  } catch (e) {
    throw bad(`${name} is not valid JSON: ${(e as Error).message}`);
  }
  if (m?.format !== RUN_FORMAT) throw bad(`${name}: not a sweep manifest (format ${JSON.stringify(m?.format)})`);
  return m;
}

/** What --resume keeps of an existing results file. */
export interface ExistingResults {
  /** The complete, valid lines (each with its newline), in order. */
  text: string;
  /** How many tasks they hold: the shard's first `done` tasks. */
  done: number;
  /** A last line without its newline, dropped (an interrupted write), or null. */
  truncated: string | null;
}

/** Reads a shard's results file back: every complete line must be the shard's next task in order; a
 *  last line without a newline is dropped (reported in `truncated`). */
export function readExisting(x: ExpandedSweep, s: Shard, text: string, name: string): ExistingResults {
  const end = text.lastIndexOf("\n") + 1;
  const truncated = end < text.length ? text.slice(end) : null;
  const lines = text.slice(0, end).split("\n");
  lines.pop();
  const ordinals = shardOrdinals(s, x.taskCount);
  if (lines.length > ordinals.length)
    throw bad(`${name}: ${lines.length} lines, but shard ${shardText(s)} of this sweep has ${ordinals.length} tasks`);
  lines.forEach((line, k) => {
    checkLine(line, taskAt(x, ordinals[k]), `${name} line ${k + 1}`);
  });
  return { text: text.slice(0, end), done: lines.length, truncated };
}

/** Merges shard results (each the text of a results.jsonl, named for errors) into the whole sweep's
 *  results.jsonl text: every line is checked, each task must appear once (the same line twice is
 *  tolerated), and none may be missing. */
export function mergeResults(x: ExpandedSweep, inputs: { name: string; text: string }[]): string {
  const lines = new Array<string | undefined>(x.taskCount);
  const from = new Array<string>(x.taskCount);
  for (const { name, text } of inputs) {
    if (text.length && !text.endsWith("\n"))
      throw bad(`${name}: its last line is incomplete (an interrupted run): finish it with --resume first`);
    const all = text.split("\n");
    all.pop();
    all.forEach((line, k) => {
      const where = `${name} line ${k + 1}`;
      let rec: { index?: unknown; seedIndex?: unknown };
      try {
        rec = JSON.parse(line);
      } catch (e) {
        throw bad(`${where}: not JSON (${(e as Error).message})`);
      }
      const { index, seedIndex } = rec ?? {};
      if (
        typeof index !== "number" ||
        typeof seedIndex !== "number" ||
        !Number.isInteger(index) ||
        !Number.isInteger(seedIndex) ||
        index < 0 ||
        index >= x.cells.length ||
        seedIndex < 0 ||
        seedIndex >= x.seeds
      )
        throw bad(`${where}: no task of this sweep (index ${String(index)}, seedIndex ${String(seedIndex)})`);
      const t = index * x.seeds + seedIndex;
      checkLine(line, taskAt(x, t), where);
      if (lines[t] !== undefined && lines[t] !== line)
        throw bad(`${where}: cell ${index} seed index ${seedIndex} differs from the same task in ${from[t]}`);
      lines[t] = line;
      from[t] = where;
    });
  }
  const missing: number[] = [];
  for (let t = 0; t < x.taskCount; t++) if (lines[t] === undefined) missing.push(t);
  if (missing.length) {
    const first = missing.slice(0, 5).map((t) => {
      const task = taskAt(x, t);
      return `${task.cell.id} seed index ${task.seedIndex}`;
    });
    throw bad(
      `the merged results lack ${missing.length} of ${x.taskCount} tasks (${first.join("; ")}` +
        `${missing.length > 5 ? "; ..." : ""}): a shard is missing or unfinished (--resume finishes it)`,
    );
  }
  return lines.map((l) => `${l}\n`).join("");
}

/** A CSV field (RFC 4180: quoted when it holds a comma, quote or line break). */
function csvField(v: unknown): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A record's metrics as flat columns: a number under its name, a list entry as name.i, a keyed entry as
 *  name.key. */
function flatMetrics(metrics: Record<string, MetricValue | null>): [string, number | null][] {
  const out: [string, number | null][] = [];
  for (const [k, v] of Object.entries(metrics)) {
    if (v === null || typeof v === "number") out.push([k, v]);
    else if (Array.isArray(v)) for (let i = 0; i < v.length; i++) out.push([`${k}.${i}`, v[i]]);
    else for (const [kk, x] of Object.entries(v)) out.push([`${k}.${kk}`, x]);
  }
  return out;
}

/** summary.csv of a results text: one row per task in its order, columns cell, index, seedIndex, seed,
 *  the grid's paths, then every metric column in the order they first appear (empty where a row has none). */
export function summaryCsv(x: ExpandedSweep, results: string): string {
  const paths = x.cells.length ? Object.keys(x.cells[0].params) : [];
  const rows: ResultRecord[] = [];
  const metricCols = new Map<string, number>();
  for (const line of results.split("\n")) {
    if (!line) continue;
    const r = JSON.parse(line) as ResultRecord;
    rows.push(r);
    for (const [k] of flatMetrics(r.metrics)) if (!metricCols.has(k)) metricCols.set(k, metricCols.size);
  }
  const header = ["cell", "index", "seedIndex", "seed", ...paths, ...metricCols.keys()];
  const out = [header.map(csvField).join(",")];
  for (const r of rows) {
    const m = new Array<number | null>(metricCols.size).fill(null);
    for (const [k, v] of flatMetrics(r.metrics)) m[metricCols.get(k) as number] = v;
    out.push([r.cell, r.index, r.seedIndex, r.seed, ...paths.map((p) => r.params[p]), ...m].map(csvField).join(","));
  }
  return out.join("\n") + "\n";
}
