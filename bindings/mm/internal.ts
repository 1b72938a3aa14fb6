// The allocator's private flags, as mm/internal.h declares them: the ALLOC_* bits that
// gfp_to_alloc_flags derives and the watermark checks read. Pure declarations.

/** ALLOC_* flags (mm/internal.h 6.18). In 2.6.11 mode, ALLOC_NON_BLOCK is can_try_harder and
 *  ALLOC_MIN_RESERVE is gfp_high (ALLOC_HARDER and ALLOC_HIGH from 2.6.15 have the same bits). */
export const AllocFlags = {
  WMARK_MIN: 0x00,
  WMARK_LOW: 0x01,
  WMARK_HIGH: 0x02,
  NO_WATERMARKS: 0x04,
  OOM: 0x08,
  NON_BLOCK: 0x10,
  MIN_RESERVE: 0x20,
  CPUSET: 0x40,
  CMA: 0x80,
  NOFRAGMENT: 0x100,
  HIGHATOMIC: 0x200,
  KSWAPD: 0x800,
} as const;

/** ALLOC_RESERVES (mm/internal.h 6.18): the flags that may dip below min in __zone_watermark_ok. */
export const ALLOC_RESERVES = AllocFlags.NON_BLOCK | AllocFlags.MIN_RESERVE | AllocFlags.HIGHATOMIC | AllocFlags.OOM;
