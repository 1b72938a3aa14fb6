// The compaction differential (compaction_diff.ts) on larger machines: 2^16 pages, deeper workloads,
// more passes; every pass and the whole state compared, the invariant check after every pass.

import { describe, it } from "vitest";
import { randomMachine } from "./differential.js";
import { runPasses } from "./compaction_diff.js";

describe("compact_zone: WASM engine vs reference model, large machines", () => {
  it.each([1, 2, 3])("machine %i: 2^16 pages", (n) => {
    const spec = randomMachine({
      era: "6.18",
      maxOrder: 11,
      pageblockOrder: 9,
      nodes: 1,
      zonePages: 32768,
      seed: 31337 * n,
    });
    runPasses(spec, 7 * n + 1, 20000, 25);
  });
});
