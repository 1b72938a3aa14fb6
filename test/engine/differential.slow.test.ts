// Differential tests on large machines (16,384 to 98,000 pages a zone): every result and counter after
// every operation, the complete state and the invariants every 25,000 operations.

import { describe, it } from "vitest";
import { ERAS, largeMachine, PLAN, runSequence } from "./differential.js";

const largeMachines = Array.from({ length: PLAN.large.machines }, (_, i) => i + 1);

describe.each(ERAS)("WASM engine vs reference model, %s, large machines", (era) => {
  it.each(largeMachines)("large machine %i: every result and counter, full state periodically", (n) => {
    const { spec, seed } = largeMachine(era, n);
    runSequence(spec, seed, { ops: PLAN.large.ops, fullEvery: PLAN.large.fullEvery, checkEvery: PLAN.large.fullEvery });
  });
});
