// The watermark checks' arithmetic in words: the steps a person follows by hand, for diagnose
// (a zone rebuilt from a report) and for the replay's trace (a zone of the simulated kernel).
// Pure arithmetic over counters; the engine's own check stays the authority where both run.

/** What stopped the zone: nothing, the mark, lowmem_reserve, CMA exclusion, or no suitable block. */
export type Stage = "ok" | "mark" | "reserve" | "cma" | "block";

export interface Explained {
  ok: boolean;
  stage: Stage;
  steps: string[];
  /** Pages above the order-0 test's threshold (free - (min + lowmem_reserve)); <= 0 when it failed. */
  margin: number;
}

export interface Check2611 {
  /** NR_FREE_PAGES (zone->free_pages in 2.6.11). */
  freePages: number;
  /** nr_free per order. */
  nrFree: readonly number[];
  order: number;
  mark: number;
  /** lowmem_reserve[classzone]. */
  reserve: number;
  /** __GFP_HIGH / ALLOC_HIGH: min -= min/2. */
  gfpHigh: boolean;
  /** can_try_harder / ALLOC_HARDER: min -= min/4. */
  harder: boolean;
  /** Free CMA pages left out of the order-0 test (3.x .. 4.3 without ALLOC_CMA); 0 otherwise. */
  cma?: number;
}

/** A reduction of min, in words. */
export function reduceStep(steps: string[], min: number, div: number, why: string): number {
  const next = min - Math.floor(min / div);
  steps.push(`min = ${min} - ${min}/${div} = ${next} (${why})`);
  return next;
}

/** zone_watermark_ok of 2.6.11 (§3.1; 2.6.15 .. 4.3 with ALLOC_HIGH/ALLOC_HARDER, 3.x less free
 *  CMA): the reductions, lowmem_reserve in the order-0 test only, then each lower order's pages
 *  removed and min halved per order. */
export function explain2611(c: Check2611): Explained {
  const cma = c.cma ?? 0;
  const steps: string[] = [];
  let free = c.freePages - 2 ** c.order + 1;
  steps.push(`free = ${c.freePages} - ${2 ** c.order} + 1 = ${free}`);
  let min = c.mark;
  if (c.gfpHigh) min = reduceStep(steps, min, 2, "__GFP_HIGH");
  if (c.harder) min = reduceStep(steps, min, 4, "can_try_harder / ALLOC_HARDER");
  const f0 = free - cma;
  const lhs = cma ? `${free} - ${cma} (free_cma) = ${f0}` : `${free}`;
  const margin = f0 - (min + c.reserve);
  if (f0 <= min + c.reserve) {
    const stage: Stage = free > min + c.reserve ? "cma" : free > min ? "reserve" : "mark";
    steps.push(`${lhs} <= ${min} + ${c.reserve} (lowmem_reserve) -> fail`);
    return { ok: false, stage, steps, margin };
  }
  steps.push(`${lhs} > ${min} + ${c.reserve} (lowmem_reserve) -> ok`);
  for (let o = 0; o < c.order; o++) {
    const sub = (c.nrFree[o] ?? 0) * 2 ** o;
    const next = free - sub;
    min >>= 1;
    const pass = next > min;
    steps.push(`o=${o}: ${free} - ${sub} = ${next} ${pass ? ">" : "<="} ${min} -> ${pass ? "ok" : "fail"}`);
    free = next;
    if (!pass) return { ok: false, stage: "block", steps, margin };
  }
  return { ok: true, stage: "ok", steps, margin };
}
