// The churn benchmark's loop as a sweep cell: the engine's churn (engine/churn.ts,
// docs/churn-benchmark.md) over the cell's machine, the cell function `oomlab sweep` runs until the
// workloads' module (sweep/cell.ts) lands (sweep/default_cell.ts names it). Workload "churn" with params
//   ops (default 100,000): churn operations after the prefill; migratetype (default 0, unmovable).
// The churn runs in the first populated zone of the machine; sysctl, config, thp and sampleEvery are
// not read by it. Metrics: ops, allocs, frees, fails, capFrees, noops, liveCount, livePages, freePages,
// nrFree (one per order), hash (the checksum's FNV-1a).

import { OomlabError } from "../errors.js";
import { churnStats } from "../engine/churn.js";
import { Machine } from "../engine/machine.js";
import type { CellInput, CellResult } from "./spec.js";

export const WORKLOAD_NAMES: readonly string[] = ["churn"];

/** Churn operations run in one engine call. */
const CHUNK = 100_000;

function intParam(p: Record<string, unknown>, name: string, def: number, min: number, max: number): number {
  const v = p[name] ?? def;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
    throw new OomlabError(
      "OOMLAB_BAD_SPEC",
      `workload.params.${name} ${JSON.stringify(v)} is out of range: an integer from ${min} to ${max}`,
    );
  return v;
}

/** Checks a cell's workload before anything runs. */
export function checkCell(input: Omit<CellInput, "seed">): void {
  const { name, params } = input.workload;
  if (!WORKLOAD_NAMES.includes(name))
    throw new OomlabError("OOMLAB_BAD_SPEC", `workload.name ${JSON.stringify(name)} is not one of ${WORKLOAD_NAMES}`);
  for (const k of Object.keys(params))
    if (k !== "ops" && k !== "migratetype")
      throw new OomlabError("OOMLAB_BAD_SPEC", `workload.params.${k} is not a parameter of churn (ops, migratetype)`);
  intParam(params, "ops", 0, 0, 2 ** 32 - 1);
  intParam(params, "migratetype", 0, 0, 2);
}

export function runCell(input: CellInput): CellResult {
  checkCell(input);
  const ops = intParam(input.workload.params, "ops", 100_000, 0, 2 ** 32 - 1);
  const mt = intParam(input.workload.params, "migratetype", 0, 0, 2);
  const m = Machine.create(input.machine);
  try {
    const zone = m.machine.zones.find((z) => z.managedPages > 0);
    if (!zone) throw new OomlabError("OOMLAB_BAD_SPEC", "the machine has no populated zone for the churn");
    const e = m.engineExports;
    if (e.churnInit(zone.slot, input.seed >>> 0, mt) !== 0)
      throw new OomlabError("OOMLAB_TOO_BIG", "the churn's live set does not fit the engine's memory");
    e.churnPrefill();
    for (let done = 0; done < ops; done += CHUNK) e.churnRun(Math.min(CHUNK, ops - done));
    const s = churnStats(m);
    return {
      metrics: {
        ops,
        allocs: s.allocs,
        frees: s.frees,
        fails: s.fails,
        capFrees: s.capFrees,
        noops: s.noops,
        liveCount: s.liveCount,
        livePages: s.livePages,
        freePages: s.freePages,
        nrFree: s.nrFree,
        hash: s.hash,
      },
    };
  } finally {
    m.dispose();
  }
}
