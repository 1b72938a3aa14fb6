// A small deterministic stand-in for sweep/cell.ts's runCell: metrics drawn from a xorshift32 stream
// seeded by the task's seed and an FNV-1a hash of its workload and settings, so any change of input
// changes them. It has a number, a list and a keyed metric (with integer and text keys given out of
// order, to see results.jsonl sort them), a NaN (written null) and a series; with params.fail set it
// throws an OomlabError, as a workload refusing its parameters would.

import { OomlabError } from "../../bindings/errors.js";
import type { CellInput, CellResult } from "../../bindings/sweep/spec.js";
import { fnv1a32 } from "../../bindings/sweep/spec.js";
import { xorshift32 } from "../../bindings/engine/churn.js";

export function fakeCell(input: CellInput): CellResult {
  if (input.workload.params.fail === true) throw new OomlabError("OOMLAB_BAD_SPEC", "workload.params.fail is set");
  const key = JSON.stringify([input.machine, input.sysctl, input.config, input.thp, input.workload]);
  const next = xorshift32((input.seed ^ fnv1a32(key)) >>> 0);
  const ops = typeof input.workload.params.ops === "number" ? input.workload.params.ops : 1000;
  return {
    metrics: {
      zeta: next() % 1000,
      ops,
      perOrder: [next() % 10, next() % 10, next() % 10],
      byKey: { b: next() % 7, "10": next() % 7, a: next() % 7, "2": next() % 7 },
      ratio: (next() % 100) / 8,
      undefinedRatio: Number.NaN,
    },
    series: { free: [next() % 50, next() % 50] },
  };
}
