// One sweep cell: a machine of an era with its sysctls, config and THP settings, one seeded
// workload, and the metrics of its end state (bindings/sweep/metrics.ts) with time series sampled
// every sampleEvery operations. Deterministic: the same input gives the same result, byte for byte
// after JSON.stringify (every draw comes from the cell's xorshift32; no clock, no Math.random).
// Pure: no node:*, so it runs in worker_threads and Web Workers alike.

import { OomlabError, isInt } from "../errors.js";
import type { Kernel618 } from "../linux-6.18/kernel.js";
import { xorshift32 } from "../engine/churn.js";
import { buildKernel, buildPlacement, recordKernel, sampleEvery, type CellInput } from "./env.js";
import { Recorder, cellMetrics, engineBlocks, pageblockMap, type MetricValue } from "./metrics.js";
import { Params } from "./params.js";
import type { AnyWorkload } from "./workloads/types.js";
import { EnginePlacement } from "./policies/engine.js";
import { PolicyError, callerPolicy, defaultPlacement, placementPolicy } from "./policies/index.js";
import type { Placement, PlacementPolicy } from "./policies/types.js";
import { churn } from "./workloads/churn.js";
import { fillShuffleFree } from "./workloads/fill-shuffle-free.js";
import { pepper } from "./workloads/pepper.js";
import { pageCache } from "./workloads/page-cache.js";
import { thpStorm } from "./workloads/thp-storm.js";
import { kernelBuild } from "./workloads/kernel-build.js";
import { trace } from "./workloads/trace.js";
import { kernelBuffers } from "./workloads/kernel-buffers.js";

export type { CellInput };

export interface CellResult {
  metrics: Record<string, MetricValue>;
  series?: Record<string, number[]>;
  /** The final pageblock map (metrics.ts pageblockMap), given with the series (sampleEvery > 0). */
  pageblocks?: string;
}

const WORKLOADS: readonly AnyWorkload[] = [
  churn,
  fillShuffleFree,
  pepper,
  pageCache,
  thpStorm,
  kernelBuild,
  kernelBuffers,
  trace,
];
const BY_NAME = new Map(WORKLOADS.map((w) => [w.name, w]));

/** The workloads a cell can run (docs/workloads.md). */
export const WORKLOAD_NAMES: readonly string[] = WORKLOADS.map((w) => w.name);

/** Whether a workload runs on the kernel model (reclaim, compaction, THP: eras 6.1 and 6.18) or on
 *  the engine's fast path alone (either era). */
export function workloadRunsOn(name: string): "machine" | "kernel" {
  return workload(name).runsOn;
}

/** Where a cell of this workload runs: its runsOnFor(input) when it depends on the input (a trace replayed
 *  on the engine or on the kernel model), else its runsOn. */
function runsOn(w: AnyWorkload, input: Omit<CellInput, "seed">): "machine" | "kernel" {
  return w.runsOnFor ? w.runsOnFor(input) : w.runsOn;
}

function workload(name: unknown): AnyWorkload {
  const w = typeof name === "string" ? BY_NAME.get(name) : undefined;
  if (!w)
    throw new OomlabError(
      "OOMLAB_BAD_ARGUMENT",
      `workload ${JSON.stringify(name)} is not one of ${WORKLOAD_NAMES.join(", ")}`,
    );
  return w;
}

/** A cell's workload, placement policy and caller policy, checked against each other (PolicyError
 *  names the policy and the workload it cannot run). */
export function cellPolicies(input: Omit<CellInput, "seed">): {
  workload: AnyWorkload;
  placement: PlacementPolicy;
  caller: string | undefined;
} {
  const w = workload(input.workload?.name);
  const placement = placementPolicy(input.policy?.placement ?? defaultPlacement(input.era), w.name, runsOn(w, input));
  if (w.engineOnly && !placement.engine)
    throw new PolicyError(
      placement.name,
      w.name,
      `policy.placement ${placement.name} cannot run workload ${w.name}: it reads the engine's own state`,
    );
  const caller = callerPolicy(input.policy?.caller, w.name, w.takesCaller === true);
  return { workload: w, placement, caller };
}

/** Checks a cell before anything runs (the sweep CLI calls it on every cell): its workload and policies. */
export function checkCell(input: Omit<CellInput, "seed">): void {
  cellPolicies(input);
}

/** Runs one cell. Throws OomlabError for a bad input (naming the field or parameter). */
export function runCell(cell: CellInput): CellResult {
  let input = cell;
  if (typeof input !== "object" || input === null)
    throw new OomlabError("OOMLAB_BAD_ARGUMENT", "a cell input must be an object");
  if (input.era !== "2.6.11" && input.era !== "6.1" && input.era !== "6.18")
    throw new OomlabError("OOMLAB_BAD_ARGUMENT", `era ${String(input.era)} is not 2.6.11, 6.1 or 6.18`);
  if (!isInt(input.seed) || input.seed < 0 || input.seed > 0xffffffff)
    throw new OomlabError("OOMLAB_BAD_ARGUMENT", `seed ${String(input.seed)} must be an integer 0 .. 2^32 - 1`);
  const { workload: w, placement: policy, caller } = cellPolicies(input);
  const every = sampleEvery(input);
  if (w.machineFor) input = { ...input, machine: w.machineFor(input) };
  let kernel: Kernel618 | null = null;
  let placement: Placement;
  let engine: EnginePlacement | null = null;
  if (runsOn(w, input) === "kernel") {
    kernel = buildKernel(input, policy);
    engine = new EnginePlacement(policy.name, kernel.machine, false);
    placement = engine;
  } else placement = buildPlacement(input, policy);
  try {
    const r = placement.machine;
    const params = new Params(w.name, input.workload.params);
    const p = w.parse(params, { maxOrder: r.maxOrder, pageblockOrder: r.pageblockOrder, pageSize: r.pageSize });
    params.done();
    const rec = new Recorder(placement, every);
    if (kernel && engine) recordKernel(kernel, rec, engine);
    const ctx = { placement, machine: placement.engine, kernel, rec, rng: xorshift32(input.seed), caller };
    const out = w.run(ctx, p);
    if (every > 0 && rec.ops % every !== 0) rec.sample(); // the end state, unless just sampled
    const metrics = cellMetrics(placement, rec, {
      blocks: out.blocks,
      vm: kernel ? kernel.vmstat() : undefined,
      simMs: kernel ? kernel.clock.nowMs : undefined,
    });
    Object.assign(metrics, out.metrics ?? {});
    if (every === 0) return { metrics };
    const m = placement.engine;
    if (!m) return { metrics, series: rec.series }; // a placement policy without the engine: no pageblock map
    return { metrics, series: rec.series, pageblocks: pageblockMap(m, out.blocks ?? engineBlocks(m)) };
  } finally {
    if (kernel) kernel.machine.dispose();
    else placement.dispose();
  }
}
