// include/linux/swap.h: the reclaim batch size, the same in every release oomlab models.

/** SWAP_CLUSTER_MAX (include/linux/swap.h, 2.6.11 .. 6.18): pages reclaim isolates per batch; in
 *  2.6.11 one try_to_free_pages pass that frees this many counts as progress, and the capped min
 *  watermark of highmem is at least this many pages (setup_per_zone_pages_min). */
export const SWAP_CLUSTER_MAX = 32;
