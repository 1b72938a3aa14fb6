// analyse/stats.ts against published values and hand-worked examples.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  EXACT_MAX_PAIRS,
  erfc,
  mannWhitney,
  normalUpper,
  sampleStats,
  T975_TABLE,
  tQuantile975,
  uDistribution,
  Z975,
} from "../../bindings/analyse/stats.js";

describe("t(0.975, df)", () => {
  it("matches the printed two-sided 95% table (NIST e-Handbook 1.3.6.7.2, 3 decimals)", () => {
    const printed: [number, number][] = [
      [1, 12.706],
      [2, 4.303],
      [3, 3.182],
      [5, 2.571],
      [10, 2.228],
      [20, 2.086],
      [30, 2.042],
      [40, 2.021],
      [60, 2.0],
      [100, 1.984],
    ];
    for (const [df, t] of printed) expect(tQuantile975(df), `df ${df}`).toBeCloseTo(t, 3);
    expect(tQuantile975(1e9)).toBeCloseTo(1.96, 3);
    expect(tQuantile975(Number.POSITIVE_INFINITY)).toBe(Z975);
  });

  it("beyond the table, the expansion agrees with scipy.stats.t.ppf(0.975, df) to 1e-5", () => {
    // scipy 1.17: t.ppf(0.975, 31) = 2.039513446, (40) = 2.021075390, (100) = 1.983971519
    expect(Math.abs(tQuantile975(31) - 2.039513446)).toBeLessThan(1e-5);
    expect(Math.abs(tQuantile975(40) - 2.02107539)).toBeLessThan(1e-5);
    expect(Math.abs(tQuantile975(100) - 1.983971519)).toBeLessThan(1e-6);
    // and it joins the table smoothly: the expansion at df 30 is within 1e-4 of the tabled value
    expect(tQuantile975(30.0001)).toBeCloseTo(T975_TABLE[29], 4);
  });

  it("falls with df and stays above z", () => {
    for (let df = 1; df < 200; df++) {
      expect(tQuantile975(df + 1)).toBeLessThan(tQuantile975(df));
      expect(tQuantile975(df)).toBeGreaterThan(Z975);
    }
    expect(() => tQuantile975(0)).toThrow(RangeError);
  });
});

describe("the normal tail", () => {
  it("erfc and P(Z > z) at known points", () => {
    expect(erfc(0)).toBeCloseTo(1, 7);
    expect(normalUpper(Z975)).toBeCloseTo(0.025, 6);
    expect(normalUpper(-Z975)).toBeCloseTo(0.975, 6);
    expect(normalUpper(1)).toBeCloseTo(0.158655254, 6);
  });
});

describe("sampleStats", () => {
  it("[1, 2, 3]: mean 2, sd 1, 95% CI 2 +- 4.3026527 / sqrt(3) = 2 +- 2.484138", () => {
    // ss = (1-2)^2 + 0 + (3-2)^2 = 2; variance 2 / (3 - 1) = 1; half-width t(0.975, 2) * 1 / sqrt(3)
    const s = sampleStats([1, 2, 3]);
    expect(s).toMatchObject({ n: 3, mean: 2, sd: 1 });
    expect(s.ci95).toBeCloseTo(2.484138, 6);
  });

  it("[2, 4, 4, 4, 5, 5, 7, 9]: sd sqrt(32/7), CI half-width 2.3646243 * 2.1380899 / sqrt(8) = 1.787488", () => {
    // mean 40 / 8 = 5; ss = 9 + 1 + 1 + 1 + 0 + 0 + 4 + 16 = 32
    const s = sampleStats([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(s.mean).toBe(5);
    expect(s.sd).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(s.ci95).toBeCloseTo(1.787488, 5);
  });

  it("undefined quantities are null, identical values give sd 0 (not NaN)", () => {
    expect(sampleStats([])).toEqual({ n: 0, mean: null, sd: null, ci95: null });
    expect(sampleStats([7])).toEqual({ n: 1, mean: 7, sd: null, ci95: null });
    expect(sampleStats([7, 7, 7])).toEqual({ n: 3, mean: 7, sd: 0, ci95: 0 });
  });
});

describe("Mann-Whitney U", () => {
  it("the exact null distribution of U for 2 x 2 and 3 x 3", () => {
    // 2 x's and 2 y's, C(4,2) = 6 orders: xxyy U=0, xyxy 1, xyyx 2, yxxy 2, yxyx 3, yyxx 4
    expect(uDistribution(2, 2)).toEqual([1, 1, 2, 1, 1]);
    // 3 x 3: C(6,3) = 20 orders, symmetric around 4.5
    const d = uDistribution(3, 3);
    expect(d).toEqual([1, 1, 2, 3, 3, 3, 3, 2, 1, 1]);
    expect(d.reduce((a, b) => a + b)).toBe(20);
  });

  it("exact: [1,2,3] vs [4,5,6]: U = 0, p = 2 * 1/20 = 0.1", () => {
    // ranks of x: 1, 2, 3; R1 = 6; U1 = 6 - 3*4/2 = 0
    expect(mannWhitney([1, 2, 3], [4, 5, 6])).toEqual({ u1: 0, u: 0, p: 0.1, method: "exact" });
    // and the other way round: U1 = 9, U = min(9, 0) = 0, the same p
    expect(mannWhitney([4, 5, 6], [1, 2, 3])).toEqual({ u1: 9, u: 0, p: 0.1, method: "exact" });
  });

  it("exact: [1,2,4] vs [3,5,6]: U = 1, p = 2 * (1 + 1)/20 = 0.2", () => {
    // ranks of x: 1, 2, 4; R1 = 7; U1 = 7 - 6 = 1
    const r = mannWhitney([1, 2, 4], [3, 5, 6]);
    expect(r).toMatchObject({ u1: 1, u: 1, method: "exact" });
    expect(r.p).toBeCloseTo(0.2, 12);
  });

  it("exact, the smallest p of 4 seeds against 4: 2/C(8,4) = 2/70 = 0.028571", () => {
    expect(mannWhitney([1, 2, 3, 4], [5, 6, 7, 8])).toMatchObject({ u: 0, method: "exact" });
    expect(mannWhitney([1, 2, 3, 4], [5, 6, 7, 8]).p).toBeCloseTo(2 / 70, 12);
  });

  it("exact with unequal sizes either way round, and at 50 x 50 (scipy.stats.mannwhitneyu, method exact)", () => {
    // x > y: 1 beats none, 3 beats 2, 5 beats 2 4, 7 beats 2 4 6, 9 beats 2 4 6 8: U1 = 10; scipy p 0.26767677
    const x = [1, 3, 5, 7, 9];
    const y = [2, 4, 6, 8, 10, 12, 14];
    expect(mannWhitney(x, y)).toMatchObject({ u1: 10, u: 10, method: "exact" });
    expect(mannWhitney(x, y).p).toBeCloseTo(0.26767677, 8);
    expect(mannWhitney(y, x).p).toBeCloseTo(0.26767677, 8);
    // 0, 2, ..., 98 against 1, 3, ..., 99: U1 = 0 + 1 + ... + 49 = 1225; scipy p 0.86647175
    const even = Array.from({ length: 50 }, (_, i) => 2 * i);
    const r = mannWhitney(
      even,
      even.map((v) => v + 1),
    );
    expect(r).toMatchObject({ u1: 1225, method: "exact" });
    expect(r.p).toBeCloseTo(0.86647175, 8);
  });

  it("normal with ties: [1,2,2,3] vs [2,4,5,5]: U = 2, p = 0.101591 (scipy asymptotic 0.1015915)", () => {
    // pooled 1 2 2 2 3 4 5 5, mid-ranks 1, 3 3 3, 5, 6, 7.5 7.5; R1 = 1 + 3 + 3 + 5 = 12; U1 = 12 - 10 = 2
    // ties t = 3 and 2: sum(t^3 - t) = 24 + 6 = 30; var = 4*4/12 * (9 - 30/(8*7)) = 11.285714
    // z = (|2 - 8| - 0.5) / sqrt(11.285714) = 1.637188; p = 2 P(Z > z) = 0.101591
    const r = mannWhitney([1, 2, 2, 3], [2, 4, 5, 5]);
    expect(r).toMatchObject({ u1: 2, u: 2, method: "normal" });
    expect(r.p).toBeCloseTo(0.1015915, 6);
  });

  it("normal, every value tied within its group: [5,5,5] vs [0,0,0]: p = 0.046854", () => {
    // U1 = 9; ties 3 and 3: sum = 48; var = 9/12 * (7 - 48/30) = 4.05; z = (4.5 - 0.5)/2.012461 = 1.987616
    const r = mannWhitney([5, 5, 5], [0, 0, 0]);
    expect(r).toMatchObject({ u1: 9, u: 0, method: "normal" });
    expect(r.p).toBeCloseTo(0.0468542, 6);
  });

  it("normal without ties past EXACT_MAX_PAIRS: 0..59 vs 10.5..69.5: U = 1225, p = 0.0025669", () => {
    // x = i beats y_j = j + 10.5 when j <= i - 11: U1 = sum_{k=1}^{49} k = 1225; mu = 1800;
    // var = 3600 * 121 / 12 = 36300; z = (575 - 0.5)/190.5256 = 3.015343; p = 0.0025669 (scipy 0.00256689)
    const x = Array.from({ length: 60 }, (_, i) => i);
    const y = x.map((i) => i + 10.5);
    expect(60 * 60).toBeGreaterThan(EXACT_MAX_PAIRS);
    const r = mannWhitney(x, y);
    expect(r).toMatchObject({ u1: 1225, u: 1225, method: "normal" });
    expect(r.p).toBeCloseTo(0.0025669, 6);
  });

  it("undefined: an empty sample, or one value everywhere", () => {
    expect(mannWhitney([], [1, 2]).p).toBeNull();
    expect(mannWhitney([3, 3], [3, 3, 3])).toMatchObject({ p: null, method: null });
  });

  it("properties: U1 + U2 = n1 n2, p in (0, 1], symmetric in its samples", () => {
    const sample = fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 9 });
    fc.assert(
      fc.property(sample, sample, (x, y) => {
        const a = mannWhitney(x, y);
        const b = mannWhitney(y, x);
        expect(a.u1 + b.u1).toBe(x.length * y.length);
        expect(a.u).toBe(b.u);
        expect(a.p).toBe(b.p);
        if (a.p !== null) {
          expect(a.p).toBeGreaterThan(0);
          expect(a.p).toBeLessThanOrEqual(1);
        }
      }),
    );
  });
});
