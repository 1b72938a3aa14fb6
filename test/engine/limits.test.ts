// Values the engine would wrap never reach it: watermarks and reserves above what it holds in u32
// (and adds in i32) are typed errors at the facade, not marks of 0 or checks that always pass.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RefMachine } from "../../reference/model.js";
import { OomlabError } from "../../bindings/errors.js";
import { MAX_BOOSTED_WATERMARK_PAGES, MAX_WATERMARK_PAGES } from "../../bindings/include/machine_schema.js";
import { resolveMachine } from "../../bindings/mm/mm_init.js";
import { Machine } from "../../bindings/engine/machine.js";
import { oneZone, wasmMachine } from "../helpers.js";

function codeOf(f: () => unknown): string | null {
  try {
    f();
  } catch (e) {
    if (e instanceof OomlabError) return e.code;
    throw e;
  }
  return null;
}

describe("the engine's watermark and reserve limits", () => {
  it("setWatermarks rejects 2^32 (stored as 0 by a u32) and 2^31 (negative in 2.6.11's i32 check)", () => {
    const m = wasmMachine(oneZone("2.6.11", 4096));
    const slot = m.machine.zones[0].slot;
    const before = m.stats(slot).watermarks;
    for (const v of [2 ** 32, 2 ** 31, MAX_WATERMARK_PAGES + 1, -1, 0.5, Number.NaN]) {
      expect(codeOf(() => m.setWatermarks(slot, { min: v, low: v, high: v }))).toBe("OOMLAB_BAD_ARGUMENT");
      expect(m.stats(slot).watermarks).toEqual(before);
    }
    m.setWatermarks(slot, { min: MAX_WATERMARK_PAGES, low: MAX_WATERMARK_PAGES, high: MAX_WATERMARK_PAGES });
    expect(m.stats(slot).watermarks.high).toBe(MAX_WATERMARK_PAGES);
    // the 2.6.11 check at the largest mark: 4096 free pages never pass it
    expect(m.watermarkOk2611(slot, 0, MAX_WATERMARK_PAGES, 0, false, false)).toBe(false);
    m.dispose();
  });

  it("watermarkOk2611 and watermarkOk618 reject a mark of 2^31: the engine would read it as negative and pass", () => {
    for (const era of ["2.6.11", "6.18"] as const) {
      const m = wasmMachine(oneZone(era, 4096));
      const slot = m.machine.zones[0].slot;
      expect(codeOf(() => m.watermarkOk2611(slot, 0, 2 ** 31, 0, false, false))).toBe("OOMLAB_BAD_ARGUMENT");
      expect(codeOf(() => m.watermarkOk618(slot, 0, 2 ** 32 + 1, 0, 0))).toBe("OOMLAB_BAD_ARGUMENT");
      m.dispose();
    }
  });

  it("6.18: marks that the boost could carry past a u32 are rejected by setWatermarks", () => {
    const m = wasmMachine(oneZone("6.18", 1 << 16, { watermarkBoostFactor: 15000 }));
    const slot = m.machine.zones[0].slot;
    const high = MAX_WATERMARK_PAGES;
    // max boost 1.5 x high: 2.5 x 2^31 > 2^32
    expect(high * 2.5).toBeGreaterThan(MAX_BOOSTED_WATERMARK_PAGES);
    expect(codeOf(() => m.setWatermarks(slot, { min: 0, low: 0, high }))).toBe("OOMLAB_BAD_ARGUMENT");
    m.dispose();
  });

  it("a resolved machine with a reserve above 2^24 pages is refused at boot", () => {
    const r = resolveMachine(oneZone("6.18", 4096));
    r.zones[0].lowmemReserve = [0, 0, 2 ** 32, 0, 0];
    expect(codeOf(() => Machine.create(r))).toBe("OOMLAB_BAD_SPEC");
  });

  it("the watermark checks with extreme marks: a typed error or the reference model's answer (fast-check)", () => {
    const EXTREME_MARKS = [0, 1, 2 ** 24, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 32 + 1, 2 ** 53, 1e300, -1, Number.NaN];
    for (const era of ["2.6.11", "6.18"] as const) {
      const spec = oneZone(era, 4096);
      const m = wasmMachine(spec);
      const ref = new RefMachine(resolveMachine(spec));
      const slot = m.machine.zones[0].slot;
      fc.assert(
        fc.property(
          fc.oneof(fc.constantFrom(...EXTREME_MARKS), fc.integer({ min: 0, max: 2 ** 33 })),
          fc.nat(10),
          (mark, order) => {
            const check = (e: {
              watermarkOk2611: Machine["watermarkOk2611"];
              watermarkOk618: Machine["watermarkOk618"];
            }) =>
              era === "2.6.11"
                ? e.watermarkOk2611(slot, order, mark, 0, false, false)
                : e.watermarkOk618(slot, order, mark, 0, 0);
            let got: boolean;
            try {
              got = check(m);
            } catch (e) {
              expect(e).toBeInstanceOf(OomlabError);
              return;
            }
            expect(got, `${era} order ${order} mark ${mark}`).toBe(check(ref));
          },
        ),
        { numRuns: 300, seed: 20261127 },
      );
      m.dispose();
    }
  });
});
