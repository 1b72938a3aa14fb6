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
