// internal: the allocation flags get_page_from_freelist and the watermark checks take (mm/internal.h).

// ALLOC_* flags, mm/internal.h 6.18. The 2.6.11 checks read the same bits: 0x10 is can_try_harder
// (ALLOC_HARDER from 2.6.15) and 0x20 is gfp_high (ALLOC_HIGH from 2.6.15).
export const ALLOC_WMARK_MASK: u32 = 0x03;
export const ALLOC_NO_WATERMARKS: u32 = 0x04;
export const ALLOC_OOM: u32 = 0x08;
export const ALLOC_NON_BLOCK: u32 = 0x10;
export const ALLOC_MIN_RESERVE: u32 = 0x20;
export const ALLOC_CPUSET: u32 = 0x40;
export const ALLOC_CMA: u32 = 0x80;
export const ALLOC_NOFRAGMENT: u32 = 0x100;
export const ALLOC_HIGHATOMIC: u32 = 0x200;
export const ALLOC_KSWAPD: u32 = 0x800;
export const ALLOC_RESERVES: u32 = ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM;
