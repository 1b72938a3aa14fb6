// What a workload is: a name, where it runs (the engine alone, either era, or the 6.18 kernel
// model), a parameter reader that rejects bad parameters by name, and a seeded run.

import type { Machine } from "../../engine/machine.js";
import type { Kernel618 } from "../../linux-6.18/kernel.js";
import type { BlockVisitor, MetricValue, Recorder } from "../metrics.js";
import type { Params } from "../params.js";
import type { CellInput } from "../env.js";
import type { MachineSpec } from "../../include/machine.js";
import type { Placement } from "../policies/types.js";

export interface RunContext {
  /** The cell's page-frame allocator (policy.placement): what placement workloads allocate from. */
  placement: Placement;
  /** The engine machine under the placement policy (null for a policy that is not the engine's). */
  machine: Machine | null;
  /** The kernel model, for workloads that run on it (null on the engine alone). */
  kernel: Kernel618 | null;
  rec: Recorder;
  /** The cell's xorshift32 stream (seeded by the cell's seed). */
  rng: () => number;
  /** policy.caller, for the workloads that take one (takesCaller). */
  caller?: string;
}

export interface WorkloadOutput {
  /** Metrics of the workload's own (per round, per phase). */
  metrics?: Record<string, MetricValue>;
  /** The allocated blocks with their requested migratetypes, when the engine does not record them
   *  (2.6.11 records every block as Unmovable). */
  blocks?: (visit: BlockVisitor) => void;
}

export interface Workload<P> {
  name: string;
  /** "machine": the engine's fast path alone (get_page_from_freelist), either era; "kernel": Kernel618. */
  runsOn: "machine" | "kernel";
  /** Reads and checks the parameters against the machine; throws OomlabError naming a bad one. */
  parse(params: Params, machine: { maxOrder: number; pageblockOrder: number; pageSize: number }): P;
  run(ctx: RunContext, p: P): WorkloadOutput;
  /** Where this cell runs, when it depends on the input (default runsOn). */
  runsOnFor?(input: Omit<CellInput, "seed">): "machine" | "kernel";
  /** The machine this cell runs on, when the workload brings its own (a trace's before-zoneinfo). */
  machineFor?(input: CellInput): MachineSpec;
  /** A machine workload that reads the engine itself (refuses placement policies that are not it). */
  engineOnly?: boolean;
  /** The caller workloads (kernel buffers through policy.caller); the caller policy is in ctx. */
  takesCaller?: boolean;
}

/** A workload with its parameter type erased, for the registry. */
export interface AnyWorkload {
  name: string;
  runsOn: "machine" | "kernel";
  parse: Workload<unknown>["parse"];
  run(ctx: RunContext, p: unknown): WorkloadOutput;
  runsOnFor?(input: Omit<CellInput, "seed">): "machine" | "kernel";
  machineFor?(input: CellInput): MachineSpec;
  engineOnly?: boolean;
  takesCaller?: boolean;
}

export function defineWorkload<P>(w: Workload<P>): AnyWorkload {
  return w as unknown as AnyWorkload;
}

/** Migratetype keys of the parameters, by MigrateType number. */
export const MT_KEYS = ["unmovable", "movable", "reclaimable"] as const;
export const MT_BY_KEY: Record<string, number> = { unmovable: 0, movable: 1, reclaimable: 2 };
