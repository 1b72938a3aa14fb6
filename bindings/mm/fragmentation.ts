// Fragmentation indices exactly as mm/vmstat.c computes them (2.6.35+; 6.18 text read):
// fill_contig_page_info, unusable_free_index, __fragmentation_index and extfrag_for_order, in integer
// arithmetic (div_u64 truncates; every dividend here is non-negative). nrFree[o] is a zone's
// free_area[o].nr_free, as /proc/buddyinfo prints it; its length is the era's order count.

import { OomlabError } from "../errors.js";

export interface ContigPageInfo {
  /** Σ nr_free[o] << o. */
  freePages: number;
  /** Σ nr_free[o]. */
  freeBlocksTotal: number;
  /** Σ over o ≥ suitable order of nr_free[o] << (o - suitable): requests of that order the blocks could serve. */
  freeBlocksSuitable: number;
}

function checkArgs(nrFree: readonly number[], order: number): void {
  for (const n of nrFree)
    if (!Number.isInteger(n) || n < 0)
      throw new OomlabError("OOMLAB_BAD_ARGUMENT", "nr_free counts must be non-negative integers");
  if (!Number.isInteger(order) || order < 0)
    throw new OomlabError("OOMLAB_BAD_ORDER", `order ${String(order)} is not a non-negative integer`);
}

/** mm/vmstat.c fill_contig_page_info(zone, suitable_order, info). */
export function fillContigPageInfo(nrFree: readonly number[], suitableOrder: number): ContigPageInfo {
  checkArgs(nrFree, suitableOrder);
  let freePages = 0;
  let freeBlocksTotal = 0;
  let freeBlocksSuitable = 0;
  for (let order = 0; order < nrFree.length; order++) {
    const blocks = nrFree[order];
    freeBlocksTotal += blocks;
    freePages += blocks * 2 ** order;
    if (order >= suitableOrder) freeBlocksSuitable += blocks * 2 ** (order - suitableOrder);
  }
  return { freePages, freeBlocksTotal, freeBlocksSuitable };
}

/** fill_contig_page_info for every order of the zone at once (index = suitable order): the same
 *  sums, freeBlocksSuitable built from the highest order down (s[o] = nr_free[o] + 2 * s[o + 1]). */
export function contigPageInfoByOrder(nrFree: readonly number[]): ContigPageInfo[] {
  checkArgs(nrFree, 0);
  let freePages = 0;
  let freeBlocksTotal = 0;
  for (let order = 0; order < nrFree.length; order++) {
    freeBlocksTotal += nrFree[order];
    freePages += nrFree[order] * 2 ** order;
  }
  const out = new Array<ContigPageInfo>(nrFree.length);
  let suitable = 0;
  for (let order = nrFree.length - 1; order >= 0; order--) {
    suitable = nrFree[order] + 2 * suitable;
    out[order] = { freePages, freeBlocksTotal, freeBlocksSuitable: suitable };
  }
  return out;
}

/** unusable_free_index from fill_contig_page_info's answer for the order. */
export function unusableFromInfo(info: ContigPageInfo, order: number): number {
  if (info.freePages === 0) return 1000;
  return Math.floor(((info.freePages - info.freeBlocksSuitable * 2 ** order) * 1000) / info.freePages);
}

/**
 * unusable_free_index ×1000: the share of free memory in blocks too small for the order. No free
 * memory counts as all unusable (1000); 0 means every free page sits in a large enough block.
 */
export function unusableFreeIndex(nrFree: readonly number[], order: number): number {
  return unusableFromInfo(fillContigPageInfo(nrFree, order), order);
}

/**
 * __fragmentation_index ×1000 (the extfrag_index debugfs file, and compaction's
 * sysctl_extfrag_threshold test): 0 for an order past the zone's orders (WARN_ON_ONCE) or no free
 * blocks; -1000 when a block of the order is free (the allocation could succeed); otherwise
 * 1000 - (1000 + free_pages*1000/requested) / free_blocks_total, towards 0 for lack of memory and
 * towards 1000 for fragmentation.
 */
export function extfragIndex(nrFree: readonly number[], order: number): number {
  return extfragFromInfo(fillContigPageInfo(nrFree, order), order, nrFree.length);
}

/** __fragmentation_index from fill_contig_page_info's answer for the order, in a zone of `orders` orders. */
export function extfragFromInfo(info: ContigPageInfo, order: number, orders: number): number {
  if (order > orders - 1) return 0;
  if (info.freeBlocksTotal === 0) return 0;
  if (info.freeBlocksSuitable > 0) return -1000;
  const requested = 2 ** order;
  return 1000 - Math.floor((1000 + Math.floor((info.freePages * 1000) / requested)) / info.freeBlocksTotal);
}

/** extfrag_for_order (5.9+, proactive compaction's score): the unusable share as a percentage. */
export function extfragForOrder(nrFree: readonly number[], order: number): number {
  const info = fillContigPageInfo(nrFree, order);
  if (info.freePages === 0) return 0;
  return Math.floor(((info.freePages - info.freeBlocksSuitable * 2 ** order) * 100) / info.freePages);
}

/** debugfs "%d.%03d" of index/1000 and index%1000 (C division truncates): -1000 → "-1.000". */
export function formatFragIndex(index: number): string {
  return `${Math.trunc(index / 1000)}.${String(Math.abs(index % 1000)).padStart(3, "0")}`;
}

export interface FragmentationRow {
  order: number;
  unusableFreeIndex: number;
  extfragIndex: number;
  /** As /sys/kernel/debug/extfrag/unusable_index and extfrag_index print the value. */
  unusableText: string;
  extfragText: string;
}

/** Both indices for every order of a zone (one debugfs line each). */
export function fragmentationTable(nrFree: readonly number[]): FragmentationRow[] {
  return nrFree.map((_, order) => {
    const unusable = unusableFreeIndex(nrFree, order);
    const extfrag = extfragIndex(nrFree, order);
    return {
      order,
      unusableFreeIndex: unusable,
      extfragIndex: extfrag,
      unusableText: formatFragIndex(unusable),
      extfragText: formatFragIndex(extfrag),
    };
  });
}
