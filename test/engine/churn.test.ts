// The churn benchmark (docs/churn-benchmark.md) on the WASM engine: the published checksum, and the same
// checksum as the reference model for other seeds.

import { describe, expect, it } from "vitest";
import { PUBLISHED_CHURN_CHECKSUM } from "../helpers.js";
import { runChurn } from "../../bindings/engine/churn.js";
import { runRefChurn } from "../../reference/churn.js";

describe("the churn benchmark (docs/churn-benchmark.md)", () => {
  it("WASM engine: the published checksum for L = 20, 10,000,000 operations, seed 0x12345678", () => {
    const r = runChurn({ build: "release" });
    expect(r.checksum).toBe(PUBLISHED_CHURN_CHECKSUM);
    expect(r.coalesced).toBe(true);
  });

  it.each([1, 0xdeadbeef, 0x9e3779b9])(
    "WASM engine and reference model agree for seed %i (L = 14, 300,000 operations)",
    (seed) => {
      const a = runChurn({ seed, log2Pages: 14, ops: 300_000, build: "debug" });
      const b = runRefChurn({ seed, log2Pages: 14, ops: 300_000 });
      expect(a.checksum).toBe(b.checksum);
      expect(a.checksum).toMatch(
        new RegExp(
          String.raw`^sum=\d+;hash=\d+;alloc=\d+;free=\d+;fail=\d+;capfree=\d+;noop=\d+;live=\d+;` +
            String.raw`live_pages=\d+;free_pages=\d+;nr_free=(\d+,){10}\d+$`,
        ),
      );
    },
  );
});
