// The page-allocator interface that callers (slab, vmalloc, XFS kmem) allocate through.

/** What kmalloc, vmalloc and their callers allocate pages through: 2.6.11's __alloc_pages (the whole
 *  slow path, OOM killer included) and __free_pages. */
export interface PageAllocator {
  /** Returns the block's pfn or -1 (NULL). owner tags the block for accounting and the OOM killer. */
  allocPages(gfp: number, order: number, owner: number): number;
  freePages(pfn: number, order: number): void;
  /** Bytes per page. */
  readonly pageSize: number;
  /** Pages of RAM (num_physpages), for vmalloc's size check. */
  readonly totalPages: number;
}

/** Why a page allocation returned NULL, as the allocator knows it: the request, and the reason in the
 *  allocator's own words (6.18's slow path names the exit it took, e.g. "__GFP_NORETRY" or "costly
 *  order, no OOM kill"; an allocator that cannot say gives "unknown"). detail carries the numbers
 *  behind the reason (free pages, watermark, retries, ...) for --trace and tests. */
export interface PageAllocFailure {
  gfp: number;
  order: number;
  reason: string;
  detail?: Readonly<Record<string, number | string | boolean>>;
}

/** One allocation's outcome: a pfn, or -1 with the failure. */
export type PageAllocOutcome = { pfn: number; failure: null } | { pfn: -1; failure: PageAllocFailure };

/** The 6.18 callers' allocator (mm/slub.c, mm/vmalloc.c, mm/huge_memory.c of 6.18): PageAllocator,
 *  plus the reason of a failure and, optionally, the bulk allocator. A PageAllocator without them is
 *  made one by withFailureReasons. */
export interface ReportingPageAllocator extends PageAllocator {
  /** allocPages, with the failure when the result is -1. */
  tryAllocPages(gfp: number, order: number, owner: number): PageAllocOutcome;
  /** alloc_pages_bulk (mm/page_alloc.c alloc_pages_bulk_noprof, 6.18): up to nr order-0 pages from
   *  the fast path only, fewer (possibly none) when it runs short; absent: vmalloc asks one page at a
   *  time through allocPages. */
  allocPagesBulk?(gfp: number, nr: number, owner: number): number[];
}

/** pa as a ReportingPageAllocator: its own tryAllocPages if it has one, else allocPages with the
 *  reason "unknown" on failure (a 2.6.11 kernel, or a test's fake). */
export function withFailureReasons(pa: PageAllocator | ReportingPageAllocator): ReportingPageAllocator {
  if ("tryAllocPages" in pa) return pa;
  return {
    pageSize: pa.pageSize,
    get totalPages() {
      return pa.totalPages;
    },
    allocPages: (gfp, order, owner) => pa.allocPages(gfp, order, owner),
    freePages: (pfn, order) => pa.freePages(pfn, order),
    tryAllocPages(gfp, order, owner): PageAllocOutcome {
      const pfn = pa.allocPages(gfp, order, owner);
      return pfn < 0 ? { pfn: -1, failure: { gfp, order, reason: "unknown" } } : { pfn, failure: null };
    },
  };
}
