// The watermark checks' arithmetic in words, for both engine eras: the steps a person follows by
// hand, for diagnose (a zone rebuilt from a report) and for the replay's trace (a zone of the
// simulated kernel). Pure arithmetic over counters; the engine's own check stays the authority where
// both run (agreeWithEngine).

import { MigrateType } from "../include/linux/mmzone.js";
import { ALLOC_RESERVES, AllocFlags } from "./internal.js";

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

/** zone_watermark_ok (mm/page_alloc.c 2.6.11; 2.6.15 .. 4.3 with ALLOC_HIGH/ALLOC_HARDER, 3.8+ less
 *  free CMA): the reductions, lowmem_reserve in the order-0 test only, then each lower order's pages
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

export interface Check618 {
  /** NR_FREE_PAGES. */
  freePages: number;
  /** Free blocks per order, per migratetype list (enum migratetype order). */
  nrFreeByType: readonly (readonly number[])[];
  order: number;
  mark: number;
  /** lowmem_reserve[highest_zoneidx]. */
  reserve: number;
  /** ALLOC_* flags (mm/internal.ts AllocFlags). */
  allocFlags: number;
  /** Free CMA pages left out (NR_FREE_CMA_PAGES without ALLOC_CMA); 0 otherwise. */
  cma: number;
  /** Free pages on HIGHATOMIC lists left out without ALLOC_RESERVES (nr_free_highatomic); default 0. */
  highatomic?: number;
}

/** __zone_watermark_ok (mm/page_alloc.c 4.4 .. 6.18, 6.18 flag names): the unusable free pages
 *  removed (__zone_watermark_unusable_free), min reduced for ALLOC_MIN_RESERVE, ALLOC_NON_BLOCK and
 *  ALLOC_OOM, the order-0 test with lowmem_reserve, then a free list of order >= order that the
 *  request may use (MIGRATE_PCPTYPES for all, CMA with ALLOC_CMA, HIGHATOMIC with ALLOC_HIGHATOMIC
 *  or ALLOC_OOM). */
export function explain618(c: Check618): Explained {
  const f = c.allocFlags;
  const highatomic = f & ALLOC_RESERVES ? 0 : (c.highatomic ?? 0);
  const free = c.freePages - (2 ** c.order - 1) - highatomic - c.cma;
  const ha = highatomic ? ` - ${highatomic} (nr_free_highatomic)` : "";
  const steps = [`free = ${c.freePages} - ${2 ** c.order - 1}${ha}${c.cma ? ` - ${c.cma} (free_cma)` : ""} = ${free}`];
  let min = c.mark;
  if (f & ALLOC_RESERVES) {
    if (f & AllocFlags.MIN_RESERVE) min = reduceStep(steps, min, 2, "ALLOC_MIN_RESERVE");
    if (f & AllocFlags.MIN_RESERVE && f & AllocFlags.NON_BLOCK) min = reduceStep(steps, min, 4, "ALLOC_NON_BLOCK");
    if (f & AllocFlags.OOM) min = reduceStep(steps, min, 2, "ALLOC_OOM");
  }
  const margin = free - (min + c.reserve);
  if (free <= min + c.reserve) {
    const stage: Stage = free + c.cma > min + c.reserve ? "cma" : free > min ? "reserve" : "mark";
    steps.push(`${free} <= ${min} + ${c.reserve} (lowmem_reserve) -> fail`);
    return { ok: false, stage, steps, margin };
  }
  steps.push(`${free} > ${min} + ${c.reserve} (lowmem_reserve) -> ok`);
  if (c.order === 0) return { ok: true, stage: "ok", steps, margin };
  for (let o = c.order; o < c.nrFreeByType.length; o++) {
    const t = c.nrFreeByType[o];
    const n = t.reduce((s, x) => s + x, 0);
    if (n === 0) continue;
    const pcp = t[MigrateType.Unmovable] + t[MigrateType.Movable] + t[MigrateType.Reclaimable];
    const cma = f & AllocFlags.CMA ? t[MigrateType.CMA] : 0;
    const atomic = f & (AllocFlags.HIGHATOMIC | AllocFlags.OOM) ? t[MigrateType.HighAtomic] : 0;
    if (pcp + cma + atomic > 0) {
      steps.push(`o=${o}: ${n} free block(s), ${pcp + cma + atomic} on a list the request may use -> ok`);
      return { ok: true, stage: "ok", steps, margin };
    }
    steps.push(`o=${o}: ${n} free block(s), all ${t[MigrateType.CMA] ? "CMA" : "HighAtomic/isolated"} -> not usable`);
  }
  steps.push(`no usable free block of order >= ${c.order} -> fail`);
  return { ok: false, stage: "block", steps, margin };
}

/** An explanation with the engine's answer as the verdict: when the two differ (a bug in one of
 *  them) the steps end with "(the engine's check says ok|fail)", plus "; the engine decides" when
 *  engineDecides, and the stage follows the engine. */
export function agreeWithEngine(e: Explained, engineOk: boolean, engineDecides = false): Explained {
  if (e.ok === engineOk) return e;
  const note = `(the engine's check says ${engineOk ? "ok" : "fail"}${engineDecides ? "; the engine decides" : ""})`;
  const stage: Stage = engineOk ? "ok" : e.stage === "ok" ? "block" : e.stage;
  return { ...e, steps: [...e.steps, note], ok: engineOk, stage };
}
