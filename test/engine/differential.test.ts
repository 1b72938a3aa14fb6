// Differential tests on small machines: the WASM engine (debug build) against the reference model,
// the complete state compared and the invariant check run after every operation (fast-check
// properties with shrinking, and seeded machines, which must reach 6.18's fallback, boost,
// highatomic and CMA paths). The large machines are in differential.slow.test.ts.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addCoverage, ERAS, PLAN, randomMachine, runSequence, smallMachine, type Coverage } from "./differential.js";

const smallMachines = Array.from({ length: PLAN.small.machines }, (_, i) => i + 1);

describe.each(ERAS)("WASM engine vs reference model, %s", (era) => {
  it("fast-check: small random machines, complete state and invariants after every operation", () => {
    fc.assert(
      fc.property(
        fc.record({
          maxOrder: fc.integer({ min: 2, max: 11 }),
          pbDelta: fc.integer({ min: 1, max: 10 }),
          nodes: fc.integer({ min: 1, max: 2 }),
          zonePages: fc.integer({ min: 16, max: 600 }),
          seed: fc.integer({ min: 1, max: 0x7fffffff }),
        }),
        (q) => {
          const pageblockOrder = Math.max(0, q.maxOrder - q.pbDelta);
          const spec = randomMachine({
            era,
            maxOrder: q.maxOrder,
            pageblockOrder,
            nodes: q.nodes,
            zonePages: q.zonePages,
            seed: q.seed,
          });
          runSequence(spec, q.seed, { ops: PLAN.fastCheck.ops, fullEvery: 1, checkEvery: 1 });
        },
      ),
      { numRuns: PLAN.fastCheck.runs, seed: { "2.6.11": 2611, "6.1": 61, "6.18": 618 }[era] },
    );
  });

  it.each(smallMachines)("seeded small machine %i: complete state after every operation", (n) => {
    const { spec, seed } = smallMachine(era, n);
    runSequence(spec, seed, { ops: PLAN.small.ops, fullEvery: 1, checkEvery: 1 });
  });

  // The same sequences (comparing states only at the end, which draws the same operations), summed:
  // a volume of operations that never reaches the rarer paths would prove little.
  it(
    era !== "2.6.11"
      ? "the seeded small machines reach the fallback, boost, highatomic and CMA paths"
      : "the seeded small machines have no fallback, boost, highatomic or CMA (2.6.11 has none)",
    () => {
      const c: Coverage = { fallbacks: 0, boostEvents: 0, highatomicReserved: 0, highatomicUnreserved: 0, cmaFree: 0 };
      for (const n of smallMachines) {
        const { spec, seed } = smallMachine(era, n);
        addCoverage(
          c,
          runSequence(spec, seed, { ops: PLAN.small.ops, fullEvery: PLAN.small.ops, checkEvery: PLAN.small.ops }),
        );
      }
      if (era === "2.6.11")
        expect(c).toEqual({ fallbacks: 0, boostEvents: 0, highatomicReserved: 0, highatomicUnreserved: 0, cmaFree: 0 });
      else {
        expect(c.fallbacks).toBeGreaterThan(100);
        expect(c.boostEvents).toBeGreaterThan(10);
        expect(c.highatomicReserved).toBeGreaterThan(0);
        expect(c.highatomicUnreserved).toBeGreaterThan(0);
        expect(c.cmaFree).toBeGreaterThan(0);
      }
    },
  );
});

describe("volume", () => {
  it("the plan runs at least 1,000,000 differential operations (here and in differential.slow.test.ts)", () => {
    const perEra =
      PLAN.fastCheck.runs * PLAN.fastCheck.ops +
      PLAN.small.machines * PLAN.small.ops +
      PLAN.large.machines * PLAN.large.ops;
    expect(perEra * ERAS.length).toBeGreaterThanOrEqual(1_000_000);
  });
});
