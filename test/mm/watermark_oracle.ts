// An independent oracle for the watermarks of a machine description: the kernel's formulas written
// again from the sources in BigInt (no rounding, no wrapping), for the property tests that feed
// extreme values to every entry point (test/scenario/extremes.test.ts). It shares no code with
// bindings/mm/mm_init.ts.
//   2.6.11: mm/page_alloc.c setup_per_zone_pages_min / init_per_zone_pages_min (present pages,
//           highmem min clamped to 32 .. 128, low = min * 5 / 4, high = min * 6 / 4).
//   6.18:   mm/page_alloc.c __setup_per_zone_wmarks / calculate_min_free_kbytes (managed pages,
//           highmem and movable min clamped, d = max(tmp >> 2, managed * wsf / 10000)).

import type { MachineSpec } from "../../bindings/include/machine.js";

export interface OracleMarks {
  min: bigint;
  low: bigint;
  high: bigint;
  promo: bigint;
}

const HIGHMEM_LIKE: Record<string, readonly string[]> = { "2.6.11": ["HighMem"], "6.18": ["HighMem", "Movable"] };
/** init_per_zone_pages_min (2.6.11) and calculate_min_free_kbytes (6.18) clamps. */
const MIN_FREE_CLAMP: Record<string, [bigint, bigint]> = { "2.6.11": [128n, 65536n], "6.18": [128n, 262144n] };

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = n;
  let y = (x + 1n) >> 1n;
  while (y < x) {
    x = y;
    y = (x + n / x) >> 1n;
  }
  return x;
}

const clamp = (v: bigint, lo: bigint, hi: bigint) => (v < lo ? lo : v > hi ? hi : v);

/** The watermarks (pages) of every zone of a description, by "node:type". */
export function oracleWatermarks(spec: MachineSpec): Map<string, OracleMarks> {
  const era = spec.era;
  const pageKb = BigInt((spec.pageSize ?? 4096) / 1024);
  const zones = spec.nodes.flatMap((n, node) =>
    n.zones.map((z) => {
      const present = BigInt(z.presentPages ?? z.spannedPages);
      const managed = BigInt(z.managedPages ?? z.presentPages ?? z.spannedPages);
      return { node, z, pages: era === "2.6.11" ? present : managed };
    }),
  );
  const capped = (t: string) => HIGHMEM_LIKE[era].includes(t);
  const lowmem = zones.filter((q) => !capped(q.z.type)).reduce((s, q) => s + q.pages, 0n);
  const [lo, hi] = MIN_FREE_CLAMP[era];
  const minFreeKbytes =
    spec.minFreeKbytes !== undefined ? BigInt(spec.minFreeKbytes) : clamp(isqrt(lowmem * pageKb * 16n), lo, hi);
  const pagesMin = minFreeKbytes / pageKb;
  const wsf = BigInt(spec.watermarkScaleFactor ?? 10);
  const out = new Map<string, OracleMarks>();
  for (const { node, z, pages } of zones) {
    let marks: OracleMarks;
    if (z.watermarks) {
      const w = z.watermarks;
      marks = { min: BigInt(w.min), low: BigInt(w.low), high: BigInt(w.high), promo: BigInt(w.promo ?? 0) };
    } else {
      const tmp = lowmem > 0n ? (pagesMin * pages) / lowmem : 0n;
      const min = capped(z.type) ? clamp(pages / 1024n, 32n, 128n) : tmp;
      if (era === "2.6.11") marks = { min, low: (min * 5n) / 4n, high: (min * 6n) / 4n, promo: 0n };
      else {
        const scaled = (pages * wsf) / 10000n;
        const d = tmp >> 2n > scaled ? tmp >> 2n : scaled;
        marks = { min, low: min + d, high: min + 2n * d, promo: min + 3n * d };
      }
    }
    out.set(`${node}:${z.type}`, marks);
  }
  return out;
}
