// Real worker_threads (the built package's cli/sweep_workers.js) running the engine's churn through
// test/sweep/churn_cell.mjs: the same results.jsonl bytes with 1 and 2 workers and on this thread, and
// shards merged back to the whole.

import { describe, expect, it } from "vitest";
import { mergeResults } from "../../bindings/sweep/merge.js";
import { type CellWorkerFactory, runSweep } from "../../bindings/sweep/runner.js";
import { parseShard } from "../../bindings/sweep/shard.js";
import { expandSweep, type RunCell, validateSweepSpec } from "../../bindings/sweep/spec.js";

const CELL_MODULE = new URL("./churn_cell.mjs", import.meta.url).href;
const WORKERS_MODULE = new URL("../../dist/bindings/cli/sweep_workers.js", import.meta.url).href;

const X = expandSweep(
  validateSweepSpec({
    format: "oomlab-sweep/1",
    name: "churn-threads",
    machine: { era: "2.6.11", nodes: [{ zones: [{ type: "Normal", startPfn: 0, spannedPages: 16384 }] }] },
    workload: { name: "churn", params: { ops: 100_000 } },
    grid: [
      { path: "machine.minFreeKbytes", values: [128, 1024, 8192] },
      { path: "workload.params.migratetype", values: [0, 1] },
    ],
    seeds: 2,
  }),
);

async function run(opts: { workerFactory?: CellWorkerFactory; runCell?: RunCell; workers?: number; shard?: string }) {
  const lines: string[] = [];
  await runSweep(X, {
    ...opts,
    shard: parseShard(opts.shard ?? "0/1"),
    onLine: (l) => void lines.push(`${l}\n`),
  });
  return lines.join("");
}

describe("sweeps on worker_threads", () => {
  it("1 and 2 workers and this thread give byte-identical results; shards merge to them", async () => {
    const { nodeWorkerFactory } = (await import(WORKERS_MODULE)) as {
      nodeWorkerFactory(cellModule?: string): CellWorkerFactory;
    };
    const { runCell } = (await import(CELL_MODULE)) as { runCell: RunCell };
    const factory = nodeWorkerFactory(CELL_MODULE);
    const one = await run({ workerFactory: factory, workers: 1 });
    expect(one.split("\n").length - 1).toBe(12);
    expect(await run({ workerFactory: factory, workers: 2 })).toBe(one);
    expect(await run({ runCell })).toBe(one);
    const parts = [];
    for (const s of ["0/2", "1/2"])
      parts.push({ name: s, text: await run({ workerFactory: factory, workers: 2, shard: s }) });
    expect(mergeResults(X, parts)).toBe(one);
    // the churn ran: 100,000 operations, about half of them allocations, per task
    const first = JSON.parse(one.split("\n")[0]);
    expect(first.metrics.ops).toBe(100_000);
    expect(first.metrics.allocs).toBeGreaterThan(40_000);
    // seeds differ, so do the results
    const [a, b] = one.split("\n");
    expect(JSON.parse(a).metrics).not.toEqual(JSON.parse(b).metrics);
  });

  it("a worker whose cell throws stops the sweep with the cell named", async () => {
    const { nodeWorkerFactory } = (await import(WORKERS_MODULE)) as {
      nodeWorkerFactory(cellModule?: string): CellWorkerFactory;
    };
    const bad = expandSweep(validateSweepSpec({ ...X.spec, grid: [{ path: "workload.params.ops", values: [-1] }] }));
    await expect(
      runSweep(bad, { workerFactory: nodeWorkerFactory(CELL_MODULE), workers: 2, onLine: () => {} }),
    ).rejects.toThrow(/^sweep: cell 0 \(workload\.params\.ops=-1\) seed \d+: workload\.params\.ops -1 is not a count$/);
  });
});
