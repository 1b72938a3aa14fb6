// Sweep specs (format "oomlab-sweep/1"): one machine, its settings and a workload with parameters, a
// grid of values over any of their fields, and a number of seeds. expandSweep() turns a spec into
// cells (one point of the grid each) and tasks (cells x seeds), with stable ids and seeds.
//
// {
//   "format": "oomlab-sweep/1", "name": "mfk-x-wsf", "description"?,
//   "machine": MachineSpec,                       // era "2.6.11", "6.1" or "6.18" inside
//   "sysctl"?: { "min_free_kbytes": 4096, ... },  // 6.18 vm sysctls by kernel name (int ones)
//   "config"?: { "COMPACTION": true }, "thp"?: { "enabled": "always", "defrag": "madvise" },
//   "workload": { "name": "churn", "params": { ... } },
//   "policy"?: { "placement": "buddy-6.18", "caller": "kvmalloc" },   // docs/policies.md
//   "sampleEvery"?: 10000,                        // time-series sampling, in operations
//   "grid"?: [ { "path": "sysctl.min_free_kbytes", "values": [1024, 4096, 16384] },          // an axis
//              { "zip": [ { "path": "machine.era", "values": ["2.6.11", "6.18"] },           // a zipped
//                         { "path": "workload.params.migratetype", "values": [0, 1] } ] } ],  //   axis
//   "seeds"?: 3, "seed"?: 1, "pairedSeeds"?: false
// }
//
// Paths are dotted, into the cell template { machine, sysctl, config, thp, workload: { name, params },
// policy, sampleEvery } (a list index is a number: machine.nodes.0.zones.0.spannedPages). Cells are the
// Cartesian product of the axes, the first axis outermost (it varies slowest); a zipped axis steps its
// lists together (all of one length). Every cell is validated like the spec itself, so a grid value
// out of range is refused before anything runs, naming grid[i].values[j] and the field.
//
// Cell ids: the grid's assignments "path=value" joined by ",", in axis order ("base" for an empty
// grid); a value is printed as a number, true/false, a plain string (letters, digits, _ . + - : /) as
// itself, anything else as JSON, or as the axis's label when it has labels. Ids depend only on the
// values, not on the position, so adding a value to an axis keeps the other cells' ids and seeds.
//
// Seeds (deriveSeed): seed = fmix32((fmix32(spec.seed ^ fnv1a32(cell id)) + seedIndex * 0x9e3779b9) mod
// 2^32), replaced by 0x9e3779b9 when 0; fnv1a32 is FNV-1a over the id's UTF-8 bytes and fmix32
// MurmurHash3's finaliser. With "pairedSeeds": true the cell id is left out (fnv1a32 of ""), so every
// cell runs the same seeds (common random numbers: paired comparisons between policies). A shard
// derives the same seed for a task as the whole run: nothing depends on which tasks a process runs.

import { z } from "zod";
import { OomlabError } from "../errors.js";
import type { Era, MachineSpec } from "../include/machine.js";
import { machineSpecSchema } from "../include/machine_schema.js";
import { THP_DEFRAG, THP_ENABLED } from "../include/linux/huge_mm.js";
import { KCONFIG_BOOLS, VM_SYSCTLS_618, vmSysctl } from "../include/linux/sysctl.js";
import {
  flag,
  intIn,
  intWithin,
  listOf,
  objectOf,
  oneOf,
  parseWith,
  pathText,
  SENTENCE,
  text,
  WHEN_FIELDS_PARSED,
  type SchemaContext,
} from "../include/schema.js";

export const SWEEP_FORMAT = "oomlab-sweep/1";

/** What one cell runs: the contract of bindings/sweep/cell.ts's runCell (the workloads' module). */
export interface CellInput {
  /** "6.1" machines are refused by runCell (sweeps run 2.6.11 and 6.18). */
  era: Era;
  machine: MachineSpec;
  sysctl?: Record<string, number>;
  config?: { COMPACTION?: boolean };
  thp?: { enabled?: string; defrag?: string };
  workload: { name: string; params: Record<string, unknown> };
  /** policy.placement and policy.caller (docs/policies.md). */
  policy?: { placement?: string; caller?: string };
  seed: number;
  sampleEvery?: number;
}

/** A metric: a number, one per order (or per sample), or one per key. */
export type MetricValue = number | number[] | Record<string, number>;

/** What one cell gives. */
export interface CellResult {
  metrics: Record<string, MetricValue>;
  series?: Record<string, number[]>;
  /** One character per pageblock (sweep/metrics.ts pageblockMap), with the series. */
  pageblocks?: string;
}

/** A cell function: deterministic, a function of its input alone. */
export type RunCell = (input: CellInput) => CellResult;

/** One axis of the grid: a field and its values (labels, when given, name the values in cell ids). */
export interface SweepAxis {
  path: string;
  values: unknown[];
  labels?: string[];
}

export interface SweepSpec {
  $schema?: string;
  format: typeof SWEEP_FORMAT;
  name: string;
  description?: string;
  machine: MachineSpec;
  sysctl?: Record<string, number>;
  config?: { COMPACTION?: boolean };
  thp?: { enabled?: string; defrag?: string };
  workload: { name: string; params?: Record<string, unknown> };
  policy?: { placement?: string; caller?: string };
  sampleEvery?: number;
  grid?: (SweepAxis | { zip: SweepAxis[] })[];
  seeds?: number;
  seed?: number;
  pairedSeeds?: boolean;
}

/** The largest number of seeds, axis values and cells a spec may ask for (oomlab's bounds: every cell is
 *  expanded and checked before anything runs, a few KiB each, and 100,000 cells of a million operations
 *  are already days of simulation). */
export const MAX_SEEDS = 10_000;
export const MAX_AXIS_VALUES = 10_000;
export const MAX_CELLS = 100_000;
/** The fields at the top of the cell template that grid paths may start with. */
export const GRID_ROOTS = ["machine", "sysctl", "config", "thp", "workload", "policy", "sampleEvery"] as const;

/** The 6.18 vm sysctls a sweep may set: VM_SYSCTLS_618's int ones (lowmem_reserve_ratio is a machine
 *  field, machine.lowmemReserveRatio). */
const SWEEP_SYSCTLS = VM_SYSCTLS_618.filter((s) => s.type === "int").map((s) => s.name);

const sysctlSchema = objectOf(
  Object.fromEntries(
    SWEEP_SYSCTLS.map((n) => {
      const s = vmSysctl(n);
      return [n, intWithin(s.min, s.max, `an int from ${s.min} to ${s.max} (vm.${n}, ${s.source})`).optional()];
    }),
  ),
  "vm sysctls by their kernel names { min_free_kbytes?, watermark_scale_factor?, ... }",
);

const configSchema = objectOf(
  Object.fromEntries(Object.keys(KCONFIG_BOOLS).map((k) => [k, flag().optional()])),
  `kernel config { ${Object.keys(KCONFIG_BOOLS).join("?, ")}? }`,
);
const thpSchema = objectOf(
  {
    enabled: oneOf(THP_ENABLED, "transparent_hugepage/enabled").optional(),
    defrag: oneOf(THP_DEFRAG, "transparent_hugepage/defrag").optional(),
  },
  "THP settings { enabled?, defrag? }",
);
const workloadSchema = objectOf(
  {
    name: text("the workload's name"),
    params: z
      .record(z.string(), z.unknown())
      .meta({ description: "the workload's parameters (the workload checks them)" })
      .optional(),
  },
  "a workload { name, params? }",
);
const policySchema = objectOf(
  {
    placement: text("the placement policy (docs/policies.md): buddy-2.6.11, buddy-6.1, buddy-6.18, ...").optional(),
    caller: text(
      "the caller policy of a caller workload: kmalloc, kvmalloc, pre-bdfb04301fa5, bdfb04301fa5",
    ).optional(),
  },
  "policies { placement?, caller? }",
);
const SAMPLE_EVERY = intIn(1, 2 ** 32 - 1, "operations between samples of the time series");

const PATH_SYNTAX = /^[A-Za-z_$][\w$+-]*(\.([\w$+-]+))*$/;
const axisSchema = objectOf(
  {
    path: text(`a dotted path starting with ${GRID_ROOTS.join(", ")}`).regex(PATH_SYNTAX, {
      error: () => "a dotted path like sysctl.min_free_kbytes or workload.params.order",
    }),
    values: listOf(z.unknown(), 1, MAX_AXIS_VALUES, "values (any JSON)"),
    labels: listOf(text("a label"), 1, MAX_AXIS_VALUES, "labels, one per value, for cell ids").optional(),
  },
  "an axis { path, values, labels? }",
);
const gridItemSchema = z.union([
  axisSchema,
  objectOf({ zip: listOf(axisSchema, 1, 64, "axes stepped together") }, "a zipped axis { zip: [axes] }"),
]);

const sweepFields = {
  $schema: text("the path or URL of this file's JSON Schema").optional(),
  format: z
    .literal(SWEEP_FORMAT, { error: () => JSON.stringify(SWEEP_FORMAT) })
    .meta({ description: "the format tag" }),
  name: text("the sweep's name"),
  description: text("what the sweep measures").optional(),
  machine: machineSpecSchema,
  sysctl: sysctlSchema.optional(),
  config: configSchema.optional(),
  thp: thpSchema.optional(),
  workload: workloadSchema,
  policy: policySchema.optional(),
  sampleEvery: SAMPLE_EVERY.optional(),
  grid: listOf(gridItemSchema, 0, 64, "axes (Cartesian product, first axis outermost)").optional(),
  seeds: intIn(1, MAX_SEEDS, "seeds per cell; default 1").optional(),
  seed: intIn(0, 2 ** 32 - 1, "the sweep's base seed, a uint32; default 1").optional(),
  pairedSeeds: flag().optional(),
};

/** The declared schema of a sweep spec (schemas/sweep.schema.json is generated from it). */
export const sweepSpecSchema = objectOf(
  sweepFields,
  "a sweep { format, name, machine, workload, grid?, seeds?, seed?, sysctl?, config?, thp?, sampleEvery? }",
).superRefine((s, ctx) => {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: "custom", path, message, params: SENTENCE });
  let cells = 1;
  const seen = new Set<string>();
  (s.grid ?? []).forEach((item, i) => {
    const axes = "zip" in item ? item.zip : [item];
    const at = (k: number): (string | number)[] => ("zip" in item ? ["grid", i, "zip", k] : ["grid", i]);
    axes.forEach((a, k) => {
      const root = a.path.split(".")[0];
      if (!(GRID_ROOTS as readonly string[]).includes(root))
        issue([...at(k), "path"], `${JSON.stringify(a.path)} starts with none of ${GRID_ROOTS.join(", ")}`);
      if (seen.has(a.path)) issue([...at(k), "path"], `${JSON.stringify(a.path)} is varied by another axis too`);
      seen.add(a.path);
      if (a.labels && a.labels.length !== a.values.length)
        issue([...at(k), "labels"], `has ${a.labels.length} labels for ${a.values.length} values`);
      if (a.values.length !== axes[0].values.length)
        issue(
          [...at(k), "values"],
          `has ${a.values.length} values; the zipped axes have ${axes[0].values.length} each`,
        );
    });
    cells *= axes[0].values.length;
  });
  if (cells > MAX_CELLS) issue(["grid"], `gives ${cells} cells; at most ${MAX_CELLS}`);
}, WHEN_FIELDS_PARSED);

const CONTEXT: SchemaContext = { prefix: "sweep: ", root: "", whole: "the sweep spec", code: "OOMLAB_BAD_SPEC" };

/** Checks a sweep spec: an unknown key, a wrong type or a value out of range is an OOMLAB_BAD_SPEC naming
 *  the field's path, the value and the range. */
export function validateSweepSpec(s: unknown): SweepSpec {
  return parseWith(sweepSpecSchema, s, CONTEXT) as SweepSpec;
}

/** One point of the grid. */
export interface SweepCell {
  /** Position in expansion order (0-based): the first axis varies slowest. */
  index: number;
  /** Stable id (see the header). */
  id: string;
  /** The grid's assignments, path -> value, in axis order. */
  params: Record<string, unknown>;
  /** The cell's input without its seed. */
  input: Omit<CellInput, "seed">;
}

/** One run: a cell and one of its seeds. */
export interface SweepTask {
  cell: SweepCell;
  seedIndex: number;
  seed: number;
  /** cell.index * seeds + seedIndex: the order of results.jsonl. */
  ordinal: number;
}

export interface ExpandedSweep {
  spec: SweepSpec;
  cells: SweepCell[];
  seeds: number;
  /** cells.length * seeds. */
  taskCount: number;
}

/** fnv1a32 over the UTF-8 bytes of s (FNV-1a, 32 bits: offset basis 0x811c9dc5, prime 0x01000193). */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h >>> 0;
}

/** MurmurHash3's 32-bit finaliser. */
export function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** The golden-ratio constant that steps seed indices (and replaces a zero seed). */
export const SEED_STEP = 0x9e3779b9;

/** A task's seed (a nonzero uint32) from the spec's seed, the cell's id ("" when seeds are paired) and the
 *  seed's index: see the header. */
export function deriveSeed(specSeed: number, cellId: string, seedIndex: number): number {
  const base = fmix32((specSeed >>> 0) ^ fnv1a32(cellId));
  const s = fmix32((base + Math.imul(seedIndex, SEED_STEP)) >>> 0);
  return s === 0 ? SEED_STEP : s;
}

/** A value as a cell id prints it. */
export function idValue(v: unknown): string {
  if (typeof v === "number" || typeof v === "boolean" || v === null) return String(v);
  if (typeof v === "string" && /^[\w.+:/-]+$/.test(v)) return v;
  return JSON.stringify(v);
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** Sets a dotted path in a plain object, creating objects on the way (not list entries). */
function setPath(root: Record<string, unknown>, path: string, value: unknown, where: string): void {
  const keys = path.split(".");
  let cur: unknown = root;
  for (let i = 0; i < keys.length - 1; i++) {
    const k = keys[i];
    const obj = cur as Record<string, unknown>;
    if (obj[k] === undefined) {
      if (Array.isArray(obj)) throw bad(`${where}: ${keys.slice(0, i + 1).join(".")} is not an entry of the list`);
      if (/^\d+$/.test(keys[i + 1]))
        throw bad(`${where}: ${keys.slice(0, i + 1).join(".")} is not set in the spec (a list must exist to index it)`);
      obj[k] = {};
    }
    cur = obj[k];
    if (cur === null || typeof cur !== "object")
      throw bad(`${where}: ${keys.slice(0, i + 1).join(".")} is ${JSON.stringify(cur)}, not an object or list`);
  }
  const last = keys[keys.length - 1];
  if (Array.isArray(cur) && !(/^\d+$/.test(last) && Number(last) <= cur.length))
    throw bad(`${where}: ${path}: ${last} is not an index of a list of ${cur.length}`);
  (cur as Record<string, unknown>)[last] = clone(value);
}

function bad(message: string): OomlabError {
  return new OomlabError("OOMLAB_BAD_SPEC", `sweep: ${message}`);
}

/** The cell template a spec gives (what grid paths address). */
function template(spec: SweepSpec): Record<string, unknown> {
  const t: Record<string, unknown> = {
    machine: clone(spec.machine),
    workload: { name: spec.workload.name, params: clone(spec.workload.params ?? {}) },
  };
  if (spec.sysctl) t.sysctl = clone(spec.sysctl);
  if (spec.config) t.config = clone(spec.config);
  if (spec.thp) t.thp = clone(spec.thp);
  if (spec.policy) t.policy = clone(spec.policy);
  if (spec.sampleEvery !== undefined) t.sampleEvery = spec.sampleEvery;
  return t;
}

/** The schema of one cell's template: the spec's fields it holds, so a grid value is checked as the spec's own. */
const cellSchema = objectOf(
  {
    machine: machineSpecSchema,
    sysctl: sysctlSchema.optional(),
    config: configSchema.optional(),
    thp: thpSchema.optional(),
    workload: workloadSchema,
    policy: policySchema.optional(),
    sampleEvery: SAMPLE_EVERY.optional(),
  },
  "a cell",
);

/** The axes of a spec's grid, each a list of (path, values, labels, where in the spec) stepped together. */
function axesOf(spec: SweepSpec): (SweepAxis & { at: (string | number)[] })[][] {
  return (spec.grid ?? []).map((item, i) =>
    "zip" in item ? item.zip.map((a, k) => ({ ...a, at: ["grid", i, "zip", k] })) : [{ ...item, at: ["grid", i] }],
  );
}

/** Expands a validated spec into its cells (in order) with their inputs; every cell is validated. An
 *  optional check (the workloads' own) runs on each cell's input, its errors prefixed with the cell. */
export function expandSweep(spec: SweepSpec, checkCell?: (input: Omit<CellInput, "seed">) => void): ExpandedSweep {
  const axes = axesOf(spec);
  const sizes = axes.map((a) => a[0].values.length);
  const total = sizes.reduce((a, b) => a * b, 1);
  const cells: SweepCell[] = [];
  const ids = new Map<string, number>();
  const digits = new Array<number>(axes.length).fill(0);
  for (let index = 0; index < total; index++) {
    // mixed radix, the last axis fastest
    let rest = index;
    for (let a = axes.length - 1; a >= 0; a--) {
      digits[a] = rest % sizes[a];
      rest = Math.floor(rest / sizes[a]);
    }
    const t = template(spec);
    const params: Record<string, unknown> = {};
    const parts: string[] = [];
    axes.forEach((group, a) => {
      group.forEach((axis) => {
        const j = digits[a];
        setPath(t, axis.path, axis.values[j], pathText([...axis.at, "values", j]));
        params[axis.path] = clone(axis.values[j]);
        parts.push(`${axis.path}=${axis.labels ? axis.labels[j] : idValue(axis.values[j])}`);
      });
    });
    const id = parts.length ? parts.join(",") : "base";
    const dup = ids.get(id);
    if (dup !== undefined)
      throw bad(`cells ${dup} and ${index} have the same id ${JSON.stringify(id)}: label the values`);
    ids.set(id, index);
    const where = `cell ${index} (${id})`;
    const parsed = parseWith(cellSchema, t, { ...CONTEXT, prefix: `sweep: ${where}: `, whole: "the cell" }) as Pick<
      SweepSpec,
      "machine" | "sysctl" | "config" | "thp" | "workload" | "policy" | "sampleEvery"
    >;
    const input: Omit<CellInput, "seed"> = {
      era: parsed.machine.era,
      machine: parsed.machine,
      ...(parsed.sysctl ? { sysctl: parsed.sysctl } : {}),
      ...(parsed.config ? { config: parsed.config } : {}),
      ...(parsed.thp ? { thp: parsed.thp } : {}),
      workload: { name: parsed.workload.name, params: parsed.workload.params ?? {} },
      ...(parsed.policy ? { policy: parsed.policy } : {}),
      ...(parsed.sampleEvery !== undefined ? { sampleEvery: parsed.sampleEvery } : {}),
    };
    if (checkCell) {
      try {
        checkCell(input);
      } catch (e) {
        if (e instanceof OomlabError) throw new OomlabError(e.code, `sweep: ${where}: ${e.message}`);
        throw e;
      }
    }
    cells.push({ index, id, params, input });
  }
  const seeds = spec.seeds ?? 1;
  return { spec, cells, seeds, taskCount: cells.length * seeds };
}

/** The task at ordinal t of an expanded sweep (cell t / seeds, seed index t mod seeds). */
export function taskAt(x: ExpandedSweep, ordinal: number): SweepTask {
  const cell = x.cells[Math.floor(ordinal / x.seeds)];
  const seedIndex = ordinal % x.seeds;
  const seed = deriveSeed(x.spec.seed ?? 1, x.spec.pairedSeeds ? "" : cell.id, seedIndex);
  return { cell, seedIndex, seed, ordinal };
}

/** A task's full cell input. */
export function taskInput(t: SweepTask): CellInput {
  return { ...t.cell.input, seed: t.seed };
}

/** schemas/sweep.schema.json's text (scripts/build-schemas.mjs writes it; a test keeps it up to date). */
export function sweepJsonSchemaFiles(): Record<string, string> {
  const { $schema, ...rest } = z.toJSONSchema(sweepSpecSchema, { io: "input", target: "draft-2020-12" });
  const json = { $schema, title: "oomlab sweep spec (format oomlab-sweep/1)", ...rest };
  return { "sweep.schema.json": JSON.stringify(json, null, 2) + "\n" };
}
