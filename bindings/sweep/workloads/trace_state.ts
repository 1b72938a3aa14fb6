// The machine and the free lists a `trace` replay starts from, rebuilt from the before-* /proc files
// beside the capture (include/trace_capture.ts TraceProcState):
// - zones from zoneinfo: start_pfn, spanned, present, managed, and the printed min/low/high (less boost)
//   as explicit watermarks unless the cell sets min_free_kbytes or watermark_scale_factor (then the
//   formulas run from the min_free_kbytes that reproduces the printed mins). Pages that are present but
//   in no pageblock pagetypeinfo counts (pagetypeinfo_showblockcount walks online pages only: offline
//   memory) are cut from the end of the zone; the engine keeps present - managed reserved at the start.
// - pageblock migratetypes from pagetypeinfo's block counts, as runs in the zone: Movable first (the
//   boot type of a partial first pageblock), then Reclaimable, then Unmovable (HighAtomic counted as
//   Unmovable: the engine keeps its highatomic reserve by its own accounting; CMA and Isolate are not
//   rebuilt);
// - free blocks per order and migratetype from pagetypeinfo (buddyinfo's per-order counts on one list
//   without it, and in 2.6.11), laid out in their migratetype's run by freeLayout.
// Pure.

import { OomlabError } from "../../errors.js";
import type { MachineSpec, ZoneSpec } from "../../include/machine.js";
import { MigrateType, ZONE_TYPES, type ZoneType } from "../../include/linux/mmzone.js";
import type { TraceProcState, TraceProcZone } from "../../include/trace_capture.js";

/** Migratetypes whose pageblocks are rebuilt, in run order (see the header). */
export const RUN_ORDER = [MigrateType.Movable, MigrateType.Reclaimable, MigrateType.Unmovable] as const;

/** The pages_min of __setup_per_zone_wmarks that gives every zone its printed min (boost removed):
 *  min_i = pages_min * managed_i / Σ managed (mm/page_alloc.c __setup_per_zone_wmarks, 6.18; no
 *  highmem on 64-bit). The smallest such pages_min from Σ min up, or null when none fits. */
export function inferPagesMin(zones: readonly { managed: number; min: number }[]): number | null {
  const total = zones.reduce((s, z) => s + z.managed, 0);
  const sum = zones.reduce((s, z) => s + z.min, 0);
  if (total === 0) return null;
  for (let p = sum; p <= sum + zones.length + 1; p++)
    if (zones.every((z) => Math.floor((p * z.managed) / total) === z.min)) return p;
  return null;
}

/** Present pages as the engine models them: at most the pages of the pageblocks pagetypeinfo counted. */
export function modelledPresent(z: TraceProcZone, pageblockOrder: number): number {
  const blocks = z.blocksByType?.reduce((s, n) => s + n, 0);
  return blocks === undefined || blocks === 0 ? z.present : Math.min(z.present, blocks * 2 ** pageblockOrder);
}

/** The machine of a before-state; `keep` supplies era and the machine settings of the cell's spec. */
export function traceMachine(
  before: TraceProcState,
  keep: Pick<MachineSpec, "era" | "watermarkScaleFactor" | "watermarkBoostFactor" | "lowmemReserveRatio">,
  formulas: boolean,
  what: string,
): MachineSpec {
  const pbo = before.pageblockOrder ?? 9;
  const zones = before.zones.filter((z) => (ZONE_TYPES as readonly string[]).includes(z.name) && z.spanned > 0);
  if (zones.length === 0) throw new OomlabError("OOMLAB_BAD_ARGUMENT", `${what}: before-zoneinfo has no zone`);
  const maxOrder = zones.find((z) => z.nrFree.length > 0)?.nrFree.length ?? 11;
  const managed = zones.map((z) => ({ managed: z.managed, min: z.min - z.boost }));
  const pagesMin = inferPagesMin(managed);
  const nodes: { zones: ZoneSpec[] }[] = [];
  for (const z of zones) {
    const present = modelledPresent(z, pbo);
    const spec: ZoneSpec = {
      type: z.name as ZoneType,
      startPfn: z.startPfn,
      spannedPages: z.spanned - (z.present - present),
      presentPages: present,
      managedPages: Math.min(z.managed, present),
    };
    if (!formulas) spec.watermarks = { min: z.min - z.boost, low: z.low - z.boost, high: z.high - z.boost };
    while (nodes.length <= z.node) nodes.push({ zones: [] });
    nodes[z.node].zones.push(spec);
  }
  const m: MachineSpec = { era: keep.era, nodes, maxOrder, pageblockOrder: Math.min(pbo, maxOrder - 1) };
  if (pagesMin !== null) m.minFreeKbytes = pagesMin * 4;
  if (keep.watermarkScaleFactor !== undefined) m.watermarkScaleFactor = keep.watermarkScaleFactor;
  if (keep.watermarkBoostFactor !== undefined) m.watermarkBoostFactor = keep.watermarkBoostFactor;
  if (keep.lowmemReserveRatio !== undefined) m.lowmemReserveRatio = keep.lowmemReserveRatio;
  return m;
}

/** A pageblock run: [first pfn, end pfn) of the pageblocks of one migratetype. */
export interface Run {
  mt: number;
  start: number;
  end: number;
}

/** Every order of the three rebuilt migratetypes, RUN_ORDER first (a layout may try each: see trace.ts runOrder). */
export const RUN_ORDERS: readonly (readonly number[])[] = [
  RUN_ORDER,
  [MigrateType.Movable, MigrateType.Unmovable, MigrateType.Reclaimable],
  [MigrateType.Reclaimable, MigrateType.Movable, MigrateType.Unmovable],
  [MigrateType.Reclaimable, MigrateType.Unmovable, MigrateType.Movable],
  [MigrateType.Unmovable, MigrateType.Movable, MigrateType.Reclaimable],
  [MigrateType.Unmovable, MigrateType.Reclaimable, MigrateType.Movable],
];

/** The zone's pageblocks (from the aligned-down start to start + present) as runs in runOrder (RUN_ORDER) with
 *  pagetypeinfo's counts (the last run takes what the counts leave; zero-count types get none). */
export function pageblockRuns(
  z: { startPfn: number; present: number; blocksByType: number[] | null },
  pageblockOrder: number,
  runOrder: readonly number[] = RUN_ORDER,
): Run[] {
  const ppb = 2 ** pageblockOrder;
  const first = Math.floor(z.startPfn / ppb) * ppb;
  const end = z.startPfn + z.present;
  const counts = runOrder.map((mt) => {
    const b = z.blocksByType;
    if (!b) return mt === MigrateType.Movable ? Number.POSITIVE_INFINITY : 0;
    return mt === MigrateType.Unmovable ? b[MigrateType.Unmovable] + b[MigrateType.HighAtomic] : b[mt];
  });
  const runs: Run[] = [];
  let at = first;
  runOrder.forEach((mt, i) => {
    if (at >= end || counts[i] === 0) return;
    const stop = Math.min(end, at + counts[i] * ppb);
    runs.push({ mt, start: at, end: stop });
    at = stop;
  });
  if (at < end && runs.length) runs[runs.length - 1].end = end;
  return runs;
}

/** Per-page constraints of a layout (pinned replays): pfn p must stay allocated when mustAlloc(p) and
 *  should be free when wantFree(p); both answer over a range [from, to) as counts. */
export interface LayoutConstraints {
  allocatedIn(from: number, to: number): number;
  wantedIn(from: number, to: number): number;
  /** Orders from which blocks holding wanted pages go last instead of first (the kernel serves most
   *  small requests from small free blocks: wanted pages belong in those). */
  avoidWantedFrom: number;
}

/**
 * Free blocks for the counts of one migratetype inside [start, end) (pfns; usable pages only), as
 * [pfn, order] pairs, and the blocks that did not fit per order. Orders from the top down: the range is
 * cut into maximal aligned blocks; at order k (below the top) at most one block of each buddy pair is
 * made free (two free buddies would merge), the other half and the unused blocks are split for the orders
 * below, so every half left keeps an allocated page and nothing merges beyond its order. Blocks are taken
 * in pfn order; with constraints, blocks holding a page that must stay allocated are never freed, and
 * blocks holding wanted pages go first below avoidWantedFrom and last from it.
 */
export function freeLayout(
  start: number,
  end: number,
  counts: readonly number[],
  topOrder: number,
  c: LayoutConstraints | null = null,
): { blocks: [number, number][]; missing: number[] } {
  const byOrder: number[][] = Array.from({ length: topOrder + 1 }, () => []);
  // maximal aligned blocks of [start, end), in pfn order
  for (let p = start; p < end; ) {
    let k = topOrder;
    while (k > 0 && (p % 2 ** k !== 0 || p + 2 ** k > end)) k--;
    byOrder[k].push(p);
    p += 2 ** k;
  }
  const blocks: [number, number][] = [];
  const missing = new Array<number>(counts.length).fill(0);
  let below = counts.reduce((s, n) => s + n, 0);
  for (let k = topOrder; k >= 0; k--) {
    const size = 2 ** k;
    let need = counts[k] ?? 0;
    below -= need;
    const list = byOrder[k].sort((a, b) => a - b);
    // candidates: one per buddy pair (or a lone block); which half is the other's to split
    const pick: { at: number; other: number }[] = [];
    for (let i = 0; i < list.length; i++) {
      const p = list[i];
      const buddy = k === topOrder ? -1 : p ^ size;
      if (k !== topOrder && i + 1 < list.length && list[i + 1] === buddy) {
        pick.push({ at: p, other: buddy });
        i++;
      } else pick.push({ at: p, other: -1 });
    }
    const usable = (p: number) => !c || c.allocatedIn(p, p + size) === 0;
    const wanted = (p: number) => (c ? c.wantedIn(p, p + size) : 0);
    if (c) {
      const avoid = k >= c.avoidWantedFrom;
      const better = (a: number, b: number) => (avoid ? wanted(a) < wanted(b) : wanted(a) > wanted(b));
      for (const q of pick) {
        // the half to free: the only usable one, else the one with more wanted pages (fewer when avoiding)
        if (q.other >= 0 && (!usable(q.at) || (usable(q.other) && better(q.other, q.at)))) {
          const t = q.at;
          q.at = q.other;
          q.other = t;
        }
      }
      const score = pick.map((q) => (usable(q.at) ? (avoid ? -wanted(q.at) : wanted(q.at)) : Number.NEGATIVE_INFINITY));
      const order = pick.map((_, i) => i).sort((a, b) => score[b] - score[a] || a - b);
      const sorted = order.map((i) => pick[i]);
      pick.length = 0;
      pick.push(...sorted);
    }
    const next = k > 0 ? byOrder[k - 1] : null;
    for (const q of pick) {
      if (need > 0 && usable(q.at)) {
        blocks.push([q.at, k]);
        need--;
      } else if (next && below > 0) next.push(q.at, q.at + size / 2);
      if (q.other >= 0 && next && below > 0) next.push(q.other, q.other + size / 2);
    }
    missing[k] = need;
  }
  return { blocks, missing };
}
