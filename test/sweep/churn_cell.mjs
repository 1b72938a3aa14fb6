// A thin cell over the engine's churn loop (docs/churn-benchmark.md), for the tests and the benchmark
// that run real worker_threads (sweep workers load a module by URL, so this is JavaScript over dist/):
// workload "churn", params { ops, migratetype }, the churn in the machine's first populated zone.
// Kept apart from bindings/sweep/default_cell.ts so that these runs do not change when the CLI's cell
// module becomes the workloads' one.

import { churnStats } from "../../dist/bindings/engine/churn.js";
import { Machine } from "../../dist/bindings/engine/machine.js";

const CHUNK = 100_000;

export function runCell(input) {
  const ops = input.workload.params.ops ?? 100_000;
  const mt = input.workload.params.migratetype ?? 0;
  if (!Number.isInteger(ops) || ops < 0) throw new Error(`workload.params.ops ${ops} is not a count`);
  const m = Machine.create(input.machine);
  try {
    const zone = m.machine.zones.find((z) => z.managedPages > 0);
    const e = m.engineExports;
    e.churnInit(zone.slot, input.seed >>> 0, mt);
    e.churnPrefill();
    for (let done = 0; done < ops; done += CHUNK) e.churnRun(Math.min(CHUNK, ops - done));
    const s = churnStats(m);
    return {
      metrics: { ops, allocs: s.allocs, frees: s.frees, fails: s.fails, freePages: s.freePages, nrFree: s.nrFree },
    };
  } finally {
    m.dispose();
  }
}
