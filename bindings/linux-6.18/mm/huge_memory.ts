// THP faults of 6.18 (mm/huge_memory.c, mm/memory.c, include/linux/huge_mm.h 6.18): whether an
// anonymous write fault tries a PMD-sized folio (thp_vma_allowable_orders with the default per-size
// setting hugepages-2048kB/enabled = inherit), the gfp it asks with (vma_thp_gfp_mask under each
// `defrag` setting, with and without MADV_HUGEPAGE), thp_fault_alloc / thp_fault_fallback, and the
// order-0 page the fault falls back to. x86-64: HPAGE_PMD_ORDER 9. Not modelled: mTHP orders between
// 0 and 9 (off by default), the huge zero page (read faults), memcg charge failures
// (thp_fault_fallback_charge), khugepaged, and VMAs too small or misaligned for a PMD.

import { check, isInt } from "../../errors.js";
import { gfpBitsFor } from "../../include/linux/gfp.js";
import type { ThpDefrag, ThpEnabled } from "../../include/linux/huge_mm.js";
import {
  type PageAllocFailure,
  type PageAllocator,
  type ReportingPageAllocator,
  withFailureReasons,
} from "../../sim/page_allocator.js";

const GFP = gfpBitsFor("6.18");

/** HPAGE_PMD_ORDER on x86-64 with 4 KiB pages (PMD_SHIFT 21 - PAGE_SHIFT 12). */
export const HPAGE_PMD_ORDER = 9;

/** vma_thp_gfp_mask (mm/huge_memory.c 6.18):
 *  always:        GFP_TRANSHUGE, | __GFP_NORETRY unless madvised ("Always do synchronous compaction")
 *  defer:         GFP_TRANSHUGE_LIGHT | __GFP_KSWAPD_RECLAIM ("Kick kcompactd and fail quickly")
 *  defer+madvise: GFP_TRANSHUGE_LIGHT | (madvised ? __GFP_DIRECT_RECLAIM : __GFP_KSWAPD_RECLAIM)
 *  madvise:       GFP_TRANSHUGE_LIGHT | (madvised ? __GFP_DIRECT_RECLAIM : 0)
 *  never:         GFP_TRANSHUGE_LIGHT
 *  madvised: the VMA has VM_HUGEPAGE (madvise(MADV_HUGEPAGE)). */
export function vmaThpGfpMask(defrag: ThpDefrag, madvised: boolean): number {
  const light = GFP.GFP_TRANSHUGE_LIGHT;
  switch (defrag) {
    case "always":
      return (GFP.GFP_TRANSHUGE | (madvised ? 0 : GFP.__GFP_NORETRY)) >>> 0;
    case "defer":
      return (light | GFP.__GFP_KSWAPD_RECLAIM) >>> 0;
    case "defer+madvise":
      return (light | (madvised ? GFP.__GFP_DIRECT_RECLAIM : GFP.__GFP_KSWAPD_RECLAIM)) >>> 0;
    case "madvise":
      return (light | (madvised ? GFP.__GFP_DIRECT_RECLAIM : 0)) >>> 0;
    case "never":
      return light >>> 0;
  }
}

/** The VMA as the fault sees it. */
export interface ThpVma {
  /** VM_HUGEPAGE: madvise(MADV_HUGEPAGE). */
  madvised: boolean;
  /** VM_NOHUGEPAGE (madvise(MADV_NOHUGEPAGE)) or prctl(PR_SET_THP_DISABLE): vma_thp_disabled. */
  noHugepage?: boolean;
}

/** thp_vma_allowable_orders for the PMD order of an anonymous VMA (include/linux/huge_mm.h 6.18)
 *  with hugepages-2048kB/enabled = "inherit" (huge_anon_orders_inherit = BIT(PMD_ORDER) at boot):
 *  inherit counts when enabled is "always", or the VMA is madvised and enabled is not "never". */
export function thpVmaAllowsPmd(enabled: ThpEnabled, vma: ThpVma): boolean {
  if (vma.noHugepage) return false;
  return enabled === "always" || (vma.madvised && enabled !== "never");
}

/** /proc/vmstat's THP fault counters (mm/vmstat.c vmstat_text, 6.18). */
export interface ThpFaultCounters {
  thp_fault_alloc: number;
  thp_fault_fallback: number;
}

export const newThpFaultCounters = (): ThpFaultCounters => ({ thp_fault_alloc: 0, thp_fault_fallback: 0 });

/** One allocation of the fault. */
export interface FaultAlloc {
  gfp: number;
  order: number;
  pfn: number;
  failure: PageAllocFailure | null;
}

export interface ThpFaultResult {
  /** The PMD folio attempt (null when THP is not allowed for the VMA). */
  huge: FaultAlloc | null;
  /** The order-0 page after a fallback, or when THP is not allowed (null when the THP succeeded). */
  small: FaultAlloc | null;
  /** VM_FAULT_OOM when even the order-0 page failed (the fault then calls pagefault_out_of_memory). */
  oom: boolean;
}

/** An anonymous write fault (mm/memory.c __handle_mm_fault → create_huge_pmd →
 *  do_huge_pmd_anonymous_page → vma_alloc_anon_folio_pmd, 6.18): the PMD folio with
 *  vma_thp_gfp_mask; thp_fault_alloc on success (map_anon_folio_pmd), thp_fault_fallback on failure,
 *  then the order-0 page (do_anonymous_page → alloc_anon_folio → folio_prealloc →
 *  vma_alloc_zeroed_movable_folio: GFP_HIGHUSER_MOVABLE in include/linux/highmem.h 6.18; an arch may
 *  override it, x86's asm/page.h not read here). */
export function doAnonymousFault(
  pa: PageAllocator | ReportingPageAllocator,
  settings: { enabled: ThpEnabled; defrag: ThpDefrag },
  vma: ThpVma,
  owner: number,
  counters: ThpFaultCounters,
): ThpFaultResult {
  check(isInt(owner), "doAnonymousFault: bad owner", "OOMLAB_BAD_ARGUMENT");
  const rpa = withFailureReasons(pa);
  const r: ThpFaultResult = { huge: null, small: null, oom: false };
  if (thpVmaAllowsPmd(settings.enabled, vma)) {
    const gfp = vmaThpGfpMask(settings.defrag, vma.madvised);
    const out = rpa.tryAllocPages(gfp, HPAGE_PMD_ORDER, owner);
    r.huge = { gfp, order: HPAGE_PMD_ORDER, pfn: out.pfn, failure: out.failure };
    if (out.pfn >= 0) {
      counters.thp_fault_alloc++;
      return r;
    }
    counters.thp_fault_fallback++;
  }
  const gfp = GFP.GFP_HIGHUSER_MOVABLE;
  const out = rpa.tryAllocPages(gfp, 0, owner);
  r.small = { gfp, order: 0, pfn: out.pfn, failure: out.failure };
  r.oom = out.pfn < 0;
  return r;
}
