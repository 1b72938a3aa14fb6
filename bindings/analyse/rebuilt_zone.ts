// diagnose_engine: rebuilds a zone of a report in the WASM engine with exactly the printed free
// blocks per order (and the CMA-only orders in a CMA area) and runs the era's watermark check on it:
// zone_watermark_ok (mm/page_alloc.c 2.6.11 .. 4.3) or __zone_watermark_ok (mm/page_alloc.c 4.4 ..
// 6.18). The arithmetic is also spelled out step by step (mm/watermark.ts); the engine's answer is the
// verdict, the steps explain it.

import { Machine } from "../engine/machine.js";
import type { Era, MachineSpec } from "../include/machine.js";
import { MigrateType, ZONE_TYPES } from "../include/linux/mmzone.js";
import { AllocFlags } from "../mm/internal.js";
import { agreeWithEngine, explain2611, explain618, type Stage } from "../mm/watermark.js";
import { OomlabError } from "../errors.js";

/** A zone as printed, in pages. */
export interface ZoneModel {
  freeAreas: number[];
  /** Migratetype letters per order ("" where none), or null. */
  letters: string[] | null;
  /** Free CMA pages as printed (free_cma), 0 when not printed. */
  cmaPages: number;
  presentPages: number | null;
  pageSize: number;
}

export interface CheckInput {
  order: number;
  mark: number;
  reserve: number;
  /** 2.6.11 rule: __GFP_HIGH (min/2) and can_try_harder / ALLOC_HARDER (min/4). */
  gfpHigh: boolean;
  harder: boolean;
  /** 6.18 rule: ALLOC_* flags (CMA, MIN_RESERVE, NON_BLOCK, OOM, HIGHATOMIC). */
  allocFlags: number;
  /** 3.x .. 4.3 (CONFIG_CMA): free CMA pages are subtracted in the order-0 test without ALLOC_CMA. */
  subtractCma: boolean;
  /** NR_FREE_PAGES as the zone line printed it ("free:"), which is what zone_watermark_ok reads;
   *  null when not printed. The per-order lists, printed after it, may add up to another number. */
  freeCounter?: number | null;
}

export type { Stage } from "../mm/watermark.js";

export interface CheckResult {
  ok: boolean;
  stage: Stage;
  steps: string[];
  /** Pages above the order-0 test's threshold (free - (min + lowmem_reserve)); <= 0 when it failed. */
  margin?: number;
}

/** The largest zone rebuilt (pages): the checks read only free counts, see RebuiltZone.build. */
export const MAX_REBUILT_PAGES = 1 << 22;
/** The rebuilt zone is a DMA zone; its lowmem_reserve[ZONE_NORMAL] holds the reserve. */
const RESERVE_CLASSZONE_IDX = ZONE_TYPES.indexOf("Normal");

function roundUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** Pages a layout needs: each block of order k < top sits in a 2^(k+1) slot beside its allocated buddy. */
function layoutPages(counts: number[], top: number): number {
  return counts.reduce((s, n, k) => s + n * 2 ** (k === top ? k : k + 1), 0);
}

/** Runs of free blocks, highest order first, from an aligned start: each order's blocks sit every
 *  other 2^k slot (test/mm/watermarks.test.ts articleFreePfns). [start, count, step, blockPages]. */
function layout(counts: number[], start: number, top: number): [number, number, number, number][] {
  const out: [number, number, number, number][] = [];
  let cur = start;
  for (let k = counts.length - 1; k >= 0; k--) {
    const step = 2 ** (k === top ? k : k + 1);
    if (counts[k] > 0) out.push([cur, counts[k], step, 2 ** k]);
    cur += counts[k] * step;
  }
  return out;
}

/** Splits the free blocks into non-CMA and CMA ones: orders printed "(C)" alone are CMA; further
 *  blocks of "(…C…)" orders go to CMA until free_cma is reached, keeping one non-CMA block. */
function splitCma(z: ZoneModel): { plain: number[]; cma: number[] } {
  const plain = [...z.freeAreas];
  const cma = plain.map(() => 0);
  const L = z.letters;
  if (!L) return { plain, cma };
  let left = z.cmaPages;
  plain.forEach((n, k) => {
    if (L[k] === "C") {
      cma[k] = n;
      plain[k] = 0;
      left -= n * 2 ** k;
    }
  });
  for (let k = plain.length - 1; k >= 0; k--) {
    if (!L[k]?.includes("C") || L[k] === "C") continue;
    while (plain[k] > 1 && left >= 2 ** k) {
      plain[k]--;
      cma[k]++;
      left -= 2 ** k;
    }
  }
  return { plain, cma };
}

/** What the explanations read of a rebuilt zone: fixed once it is filled (a check sets the free
 *  counter and the reserve for its run only), so it is read from the engine once. */
interface FilledCounts {
  freePages: number;
  freeCmaPages: number;
  nrFree: number[];
  /** Read on the first high-order 4.4+ check (a walk of every free list). */
  nrFreeByType: number[][] | null;
}

/** A zone rebuilt in the engine. */
export class RebuiltZone {
  readonly m: Machine;
  readonly slot: number;
  readonly rule: Era;
  readonly maxOrder: number;
  private filled: FilledCounts | null = null;

  private constructor(m: Machine, rule: Era, maxOrder: number) {
    this.m = m;
    this.slot = m.machine.zones[0].slot;
    this.rule = rule;
    this.maxOrder = maxOrder;
  }

  /** null when the zone cannot be rebuilt (too large for the engine or no per-order line). */
  static build(z: ZoneModel, rule: Era): RebuiltZone | null {
    const maxOrder = z.freeAreas.length;
    if (maxOrder < 1 || maxOrder > 16) return null;
    const top = maxOrder - 1;
    const pageSize = [4096, 16384, 65536].includes(z.pageSize) ? z.pageSize : 4096;
    const pbOrder = rule === "6.18" && pageSize === 4096 ? Math.min(9, top) : top;
    const align = 2 ** top;
    const { plain, cma } = rule === "6.18" ? splitCma(z) : { plain: z.freeAreas, cma: z.freeAreas.map(() => 0) };
    const cmaStart = roundUp(Math.max(1, layoutPages(plain, top)), align);
    const cmaNeed = layoutPages(cma, top);
    const cmaSize = cmaNeed > 0 ? roundUp(cmaNeed, Math.max(align, 2 ** pbOrder)) : 0;
    let spanned = cmaStart + cmaSize;
    // 6.18: keep page mobility grouping on (vm_total_pages >= pageblock_nr_pages * MIGRATE_TYPES)
    if (rule === "6.18") spanned = Math.max(spanned, 6 * 2 ** pbOrder);
    // The checks read only the free counts, so the zone holds just the layout: rebuilding a
    // multi-gigabyte zone page by page would cost time and change no answer.
    if (spanned > MAX_REBUILT_PAGES) return null;
    const spec: MachineSpec = {
      era: rule,
      pageSize,
      maxOrder,
      pageblockOrder: pbOrder,
      minFreeKbytes: 0,
      nodes: [
        {
          zones: [
            {
              type: "DMA",
              startPfn: 0,
              spannedPages: spanned,
              watermarks: { min: 0, low: 0, high: 0 },
              lowmemReserve: [0, 0, 0, 0, 0],
              ...(cmaSize ? { cma: [{ startPfn: cmaStart, pages: cmaSize }] } : {}),
            },
          ],
        },
      ],
    };
    const m = Machine.create(spec);
    const r = new RebuiltZone(m, rule, maxOrder);
    r.fill(spanned, [...layout(plain, 0, top), ...layout(cma, cmaStart, top)]);
    return r;
  }

  /** Allocates every page as order 0 (ALLOC_NO_WATERMARKS), then frees the chosen blocks page by
   *  page, both loops inside the engine. */
  private fill(pages: number, runs: [number, number, number, number][]): void {
    const mt = this.rule === "6.18" ? MigrateType.Movable : MigrateType.Unmovable;
    if (this.m.allocAllOrder0(this.slot, mt) !== pages) {
      throw new OomlabError("OOMLAB_INVARIANT", "rebuilt zone: the engine could not allocate every page");
    }
    for (const [start, count, step, blockPages] of runs) this.m.freeStrided(start, count, step, blockPages);
    const c = this.m.counters(this.slot);
    this.filled = { freePages: c.freePages, freeCmaPages: c.freeCmaPages, nrFree: c.nrFree, nrFreeByType: null };
  }

  private counts(): FilledCounts {
    if (!this.filled) throw new OomlabError("OOMLAB_INVARIANT", "rebuilt zone: read before it was filled");
    return this.filled;
  }

  /** Free pages in the rebuilt free lists. */
  freePages(): number {
    return this.counts().freePages;
  }

  cmaPages(): number {
    return this.counts().freeCmaPages;
  }

  private nrFreeByType(): number[][] {
    const c = this.counts();
    c.nrFreeByType ??= this.m.stats(this.slot).nrFreeByType;
    return c.nrFreeByType;
  }

  private setReserve(pages: number): void {
    this.m.engineExports.zoneSetLowmemReserve(this.slot, RESERVE_CLASSZONE_IDX, Math.max(0, Math.round(pages)));
  }

  /** Runs the era's check in the engine and explains it, with the printed NR_FREE_PAGES as the
   *  zone's counter when the report has one (the free lists stay as printed). */
  check(c: CheckInput, printedCma: number): CheckResult {
    const lists = this.freePages();
    const counter = c.freeCounter ?? lists;
    if (counter !== lists) this.m.engineExports.zoneSetFreePages(this.slot, counter);
    try {
      const r = this.rule === "2.6.11" ? this.check2611(c, printedCma) : this.check618(c, printedCma);
      if (counter !== lists)
        r.steps.unshift(
          `free is the zone line's ${counter} pages (NR_FREE_PAGES); ` +
            `the per-order lists, printed after it, add up to ${lists}`,
        );
      return r;
    } finally {
      if (counter !== lists) this.m.engineExports.zoneSetFreePages(this.slot, lists);
    }
  }

  /** zone_watermark_ok (2.6.11; 2.6.15 .. 4.3 with ALLOC_HIGH/ALLOC_HARDER; 3.x subtracts free CMA). */
  private check2611(c: CheckInput, printedCma: number): CheckResult {
    const cma = c.subtractCma ? printedCma : 0;
    this.setReserve(c.reserve + cma); // only the order-0 test reads lowmem_reserve: the same arithmetic
    const ok = this.m.watermarkOk2611(this.slot, c.order, c.mark, RESERVE_CLASSZONE_IDX, c.harder, c.gfpHigh);
    const e = explain2611({
      freePages: c.freeCounter ?? this.freePages(),
      nrFree: this.counts().nrFree,
      order: c.order,
      mark: c.mark,
      reserve: c.reserve,
      gfpHigh: c.gfpHigh,
      harder: c.harder,
      cma,
    });
    return agreeWithEngine(e, ok, true);
  }

  /** __zone_watermark_ok (4.4 .. 6.18): order-0 test, then a suitable free list of order >= order. */
  private check618(c: CheckInput, printedCma: number): CheckResult {
    const useCma = (c.allocFlags & AllocFlags.CMA) !== 0;
    const engCma = this.cmaPages();
    const extra = useCma ? 0 : Math.max(0, printedCma - engCma); // free_cma not placed in CMA blocks
    this.setReserve(c.reserve + extra);
    const ok = this.m.watermarkOk618(this.slot, c.order, c.mark, RESERVE_CLASSZONE_IDX, c.allocFlags);
    // the per-type counts walk the free lists: only a high-order request reads them
    const nrFreeByType = c.order > 0 ? this.nrFreeByType() : [];
    const e = explain618({
      freePages: c.freeCounter ?? this.freePages(),
      nrFreeByType,
      order: c.order,
      mark: c.mark,
      reserve: c.reserve,
      allocFlags: c.allocFlags,
      cma: useCma ? 0 : Math.max(engCma, printedCma),
    });
    return agreeWithEngine(e, ok, true);
  }
}
