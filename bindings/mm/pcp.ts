// pcp: the per-CPU lists' sizes per zone (mm/page_alloc.c zone_batchsize, zone_highsize,
// zone_set_pageset_high_and_batch; 6.1 and 6.18) and which rule set an era runs (assembly/pcp.ts).
// Pure arithmetic on a resolved machine: resolveMachine calls setupPcp after the watermarks.

import { PAGE_ALLOC_COSTLY_ORDER } from "../include/linux/mmzone.js";
import type { PercpuPagelistsSpec, ResolvedMachine, ResolvedZone } from "../include/machine.js";

/** MIN_PERCPU_PAGELIST_HIGH_FRACTION (mm/page_alloc.c 6.18): high_max is managed / 8 split among CPUs. */
export const MIN_PERCPU_PAGELIST_HIGH_FRACTION = 8;
/** SZ_1M: zone_batchsize's cap is 1 MiB of pages. */
const SZ_1M = 1 << 20;

/** rounddown_pow_of_two (include/linux/log2.h); n >= 1. */
function rounddownPowOfTwo(n: number): number {
  return 2 ** Math.floor(Math.log2(n));
}

/** zone_batchsize (mm/page_alloc.c 6.1, 6.18, CONFIG_MMU): ~0.1% of the zone or 1 MiB, whichever is
 *  smaller, quartered, then clamped to 2^n - 1; zone_set_pageset_high_and_batch takes max(1, it). */
export function zoneBatchsize(managedPages: number, pageSize: number): number {
  let batch = Math.min(Math.floor(managedPages / 1024), SZ_1M / pageSize);
  batch = Math.floor(batch / 4);
  if (batch < 1) batch = 1;
  batch = rounddownPowOfTwo(batch + Math.floor(batch / 2)) - 1;
  return Math.max(1, batch);
}

/** zone_highsize (mm/page_alloc.c 6.1, 6.18) after boot (cpu_online 0, every CPU online): totalPages
 *  (the low mark with percpu_pagelist_high_fraction 0, managed / fraction otherwise) split among the
 *  node's CPUs, at least batch * 4. */
export function zoneHighsize(totalPages: number, batch: number, cpus: number): number {
  return Math.max(Math.floor(totalPages / cpus), batch * 4);
}

/** The rule set of an era's per-CPU lists: 6.7 brought pcp->high auto-tuning (6.18), 5.14 .. 6.6 keep a
 *  fixed pcp->high (6.1). */
export function pcpRulesFor(era: string): "fixed" | "autotune" {
  return era === "6.18" ? "autotune" : "fixed";
}

/** zone_set_pageset_high_and_batch for one zone: batch, high_min and high_max (6.1: high_min =
 *  high_max = pcp->high). An explicit high turns auto-tuning off, as percpu_pagelist_high_fraction does. */
export function zonePcp(
  m: ResolvedMachine,
  z: ResolvedZone,
  p: PercpuPagelistsSpec,
  rules: "fixed" | "autotune",
): { batch: number; highMin: number; highMax: number } {
  const batch = p.batch ?? zoneBatchsize(z.managedPages, m.pageSize);
  if (p.high !== undefined) return { batch, highMin: p.high, highMax: p.high };
  // low_wmark_pages(zone) at the time: _watermark[WMARK_LOW] + watermark_boost (0 when set up)
  const highMin = zoneHighsize(z.watermarks.low, batch, p.cpus);
  if (rules === "fixed") return { batch, highMin, highMax: highMin };
  const total = Math.floor(z.managedPages / MIN_PERCPU_PAGELIST_HIGH_FRACTION);
  return { batch, highMin, highMax: zoneHighsize(total, batch, p.cpus) };
}

/** Resolves the per-CPU lists of a machine (after its watermarks): the rule set, the THP order and
 *  every zone's sizes. All CPUs count as local to every node (exact on a one-node machine). */
export function setupPcp(m: ResolvedMachine, p: PercpuPagelistsSpec | undefined): void {
  if (!p) return;
  const rules = pcpRulesFor(m.era);
  m.percpuPagelists = {
    cpus: p.cpus,
    rules,
    // HPAGE_PMD_ORDER (6.18) / pageblock_order (6.1): oomlab's pageblock order (9 with 4 KiB pages)
    thpOrder: m.pageblockOrder > PAGE_ALLOC_COSTLY_ORDER ? m.pageblockOrder : null,
    freeHighBatch: p.freeHighBatch ?? false,
    ...(p.high !== undefined ? { high: p.high } : {}),
    ...(p.batch !== undefined ? { batch: p.batch } : {}),
  };
  for (const z of m.zones) z.pcp = zonePcp(m, z, p, rules);
}
