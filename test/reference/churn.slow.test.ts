// The reference model's churn (reference/churn.ts) on the full workload of docs/churn-benchmark.md.

import { expect, it } from "vitest";
import { PUBLISHED_CHURN_CHECKSUM } from "../helpers.js";
import { runRefChurn } from "../../reference/churn.js";

it("the reference model reproduces the published checksum (L = 20, 10,000,000 operations)", () => {
  expect(runRefChurn({ seed: 0x12345678, log2Pages: 20, ops: 10_000_000 }).checksum).toBe(PUBLISHED_CHURN_CHECKSUM);
});
