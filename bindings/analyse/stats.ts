// Small-sample statistics for comparing sweep cells: mean, sample standard deviation, the 95% confidence
// interval of a mean (Student t) and the Mann-Whitney U test (two-sided). Pure functions of arrays of
// finite numbers; a quantity that is not defined for the input is null, never NaN.

/** t(0.975, df) for df = 1..30: the two-sided 95% critical values of Student's t distribution, to 7
 *  decimals, as tabulated in the NIST/SEMATECH e-Handbook of Statistical Methods, 1.3.6.7.2 "Critical
 *  values of the Student's t distribution" (3 decimals there) and reproduced to 7 decimals by
 *  scipy.stats.t.ppf(0.975, df) (scipy 1.17). Index df - 1. */
export const T975_TABLE: readonly number[] = [
  12.7062047, 4.3026527, 3.1824463, 2.7764451, 2.5705818, 2.4469119, 2.3646243, 2.3060041, 2.2621572, 2.2281389,
  2.2009852, 2.1788128, 2.1603687, 2.1447867, 2.1314495, 2.1199053, 2.1098156, 2.100922, 2.0930241, 2.0859634,
  2.0796138, 2.0738731, 2.0686576, 2.0638986, 2.0595386, 2.0555294, 2.0518305, 2.0484071, 2.0452296, 2.0422725,
];

/** The standard normal's 0.975 quantile. */
export const Z975 = 1.959963984540054;

/** Student t's 0.975 quantile with df degrees of freedom (df >= 1): the table for df <= 30, beyond it the
 *  Cornish-Fisher expansion of t in powers of 1/df around the normal quantile z (Abramowitz and Stegun
 *  26.7.5), whose error at df = 31 is under 1e-5 and falls with df; Z975 as df grows without bound. */
export function tQuantile975(df: number): number {
  if (!(df >= 1)) throw new RangeError(`t quantile: df ${df} < 1`);
  if (Number.isInteger(df) && df <= T975_TABLE.length) return T975_TABLE[df - 1];
  if (df === Number.POSITIVE_INFINITY) return Z975;
  const z = Z975;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  const g1 = (z3 + z) / 4;
  const g2 = (5 * z5 + 16 * z3 + 3 * z) / 96;
  const g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384;
  const g4 = (79 * z ** 9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / 92160;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
}

/** erfc(x): Numerical Recipes (2nd ed., 6.2) erfcc, Chebyshev fit with fractional error below 1.2e-7. */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const c = [
    -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223,
    0.17087277,
  ];
  let poly = 0;
  for (let k = c.length - 1; k >= 0; k--) poly = c[k] + t * poly;
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}

/** P(Z > z) for a standard normal Z. */
export function normalUpper(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Summary of one sample. */
export interface SampleStats {
  n: number;
  /** null when n = 0. */
  mean: number | null;
  /** Sample standard deviation (n - 1 in the denominator); null when n < 2. */
  sd: number | null;
  /** Half-width of the 95% confidence interval of the mean, t(0.975, n-1) * sd / sqrt(n); null when n < 2. */
  ci95: number | null;
}

export function sampleStats(xs: readonly number[]): SampleStats {
  const n = xs.length;
  if (n === 0) return { n, mean: null, sd: null, ci95: null };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, sd: null, ci95: null };
  const ss = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
  const sd = Math.sqrt(ss / (n - 1));
  return { n, mean, sd, ci95: (tQuantile975(n - 1) * sd) / Math.sqrt(n) };
}

/** The Mann-Whitney U test of two samples. */
export interface MannWhitney {
  /** U of the first sample: the pairs (x, y) with x > y, ties counting one half (R1 - n1(n1+1)/2). */
  u1: number;
  /** min(U1, n1 n2 - U1). */
  u: number;
  /** Two-sided p value; null when it is undefined (an empty sample, or every value of both samples equal). */
  p: number | null;
  /** "exact": no ties and n1 n2 <= EXACT_MAX_PAIRS, p = 2 P(U <= u) from the exact null distribution
   *  (capped at 1); "normal": the normal approximation with tie correction and continuity correction. */
  method: "exact" | "normal" | null;
}

/** The largest n1 n2 for which the exact distribution is counted (with no ties). */
export const EXACT_MAX_PAIRS = 2500;

/** The number of arrangements of n1 x's and n2 y's for each U = 0..n1 n2 (U counts the (x, y) pairs with x
 *  after y): f(n1, n2, u) = f(n1 - 1, n2, u - n2) + f(n1, n2 - 1, u) (Mann and Whitney 1947), counted as
 *  doubles (exact up to 2^53, C(100, 50) ~ 1e29 loses only low digits, irrelevant to p). */
export function uDistribution(n1: number, n2: number): number[] {
  // prev[j][u] for the current i: arrangements of i x's and j y's.
  let prev: number[][] = Array.from({ length: n2 + 1 }, () => [1]);
  for (let i = 1; i <= n1; i++) {
    const cur: number[][] = [[1]];
    for (let j = 1; j <= n2; j++) {
      const size = i * j + 1;
      const row = new Array<number>(size).fill(0);
      const a = prev[j]; // i - 1 x's, j y's: the last is an x (after all j y's): adds j
      for (let u = 0; u < a.length; u++) row[u + j] += a[u];
      const b = cur[j - 1]; // i x's, j - 1 y's: the last is a y: adds nothing
      for (let u = 0; u < b.length; u++) row[u] += b[u];
      cur.push(row);
    }
    prev = cur;
  }
  return prev[n2];
}

/** uDistribution by (min, max) of the sizes (the distribution is the same either way round): a sweep tests
 *  every metric of every cell with the same seed counts. */
const DISTRIBUTIONS = new Map<string, readonly number[]>();
function cachedDistribution(n1: number, n2: number): readonly number[] {
  const key = `${Math.min(n1, n2)},${Math.max(n1, n2)}`;
  let d = DISTRIBUTIONS.get(key);
  if (!d) {
    d = uDistribution(Math.min(n1, n2), Math.max(n1, n2));
    DISTRIBUTIONS.set(key, d);
  }
  return d;
}

/** Mid-ranks (1-based) of values, and the tie groups' sizes. */
function midRanks(values: readonly number[]): { ranks: number[]; ties: number[] } {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const ranks = new Array<number>(values.length);
  const ties: number[] = [];
  for (let s = 0; s < order.length; ) {
    let e = s;
    while (e + 1 < order.length && order[e + 1].v === order[s].v) e++;
    const r = (s + e) / 2 + 1;
    for (let k = s; k <= e; k++) ranks[order[k].i] = r;
    if (e > s) ties.push(e - s + 1);
    s = e + 1;
  }
  return { ranks, ties };
}

/** The two-sided Mann-Whitney U test of x against y. */
export function mannWhitney(x: readonly number[], y: readonly number[]): MannWhitney {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) return { u1: 0, u: 0, p: null, method: null };
  const { ranks, ties } = midRanks([...x, ...y]);
  const r1 = ranks.slice(0, n1).reduce((a, b) => a + b, 0);
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u = Math.min(u1, n1 * n2 - u1);
  if (ties.length === 0 && n1 * n2 <= EXACT_MAX_PAIRS) {
    const dist = cachedDistribution(n1, n2);
    const total = dist.reduce((a, b) => a + b, 0);
    let le = 0;
    for (let k = 0; k <= u; k++) le += dist[k];
    return { u1, u, p: Math.min(1, (2 * le) / total), method: "exact" };
  }
  const n = n1 + n2;
  const tieSum = ties.reduce((a, t) => a + t ** 3 - t, 0);
  const variance = ((n1 * n2) / 12) * (n + 1 - tieSum / (n * (n - 1)));
  if (!(variance > 0)) return { u1, u, p: null, method: null };
  const z = Math.max(0, Math.abs(u1 - (n1 * n2) / 2) - 0.5) / Math.sqrt(variance);
  return { u1, u, p: Math.min(1, 2 * normalUpper(z)), method: "normal" };
}
