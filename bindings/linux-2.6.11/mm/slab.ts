// 2.6.11 SLAB kmalloc (mm/slab.c, include/linux/kmalloc_sizes.h, 32-bit ARM, CONFIG_MMU, no
// CONFIG_DEBUG_SLAB): the general caches "size-32" … "size-131072" and their DMA twins, each cache's
// slab order from a port of kmem_cache_create's gfporder loop, slabs grown from the page allocator with
// the caller's gfp (cache_grow → kmem_getpages) and kept when empty until shrink().
// Not modelled, on purpose: the per-CPU array caches and the shared array (objects go straight back
// to their slab; grow timing is unchanged, since cache_alloc_refill only grows when no slab has a free
// object), free_block's free_limit rule (which may destroy an empty slab at once), colouring, and the
// cache_reap timer (shrink() is the explicit reap).

import type { PageAllocator } from "../../sim/page_allocator.js";
import { GFP_2611 } from "../../include/linux/gfp.js";
import { OomlabError, check, isInt } from "../../errors.js";

/** GFP_LEVEL_MASK (include/linux/gfp.h 2.6.11) = SLAB_LEVEL_MASK (include/linux/slab.h). */
export const GFP_LEVEL_MASK =
  GFP_2611.__GFP_WAIT |
  GFP_2611.__GFP_HIGH |
  GFP_2611.__GFP_IO |
  GFP_2611.__GFP_FS |
  GFP_2611.__GFP_COLD |
  GFP_2611.__GFP_NOWARN |
  GFP_2611.__GFP_REPEAT |
  GFP_2611.__GFP_NOFAIL |
  GFP_2611.__GFP_NORETRY |
  GFP_2611.__GFP_NO_GROW |
  GFP_2611.__GFP_COMP;

/** MAX_GFP_ORDER with CONFIG_MMU (mm/slab.c 2.6.11): no slab above 32 pages. */
export const MAX_GFP_ORDER = 5;
/** BREAK_GFP_ORDER_LO / _HI (mm/slab.c 2.6.11); HI when num_physpages > 32 MiB (kmem_cache_init). */
export const BREAK_GFP_ORDER_LO = 0;
export const BREAK_GFP_ORDER_HI = 1;
/** L1_CACHE_BYTES on ARM 2.6.11 (include/asm-arm/cache.h: L1_CACHE_SHIFT 5). */
export const ARM_L1_CACHE_BYTES = 32;
/** sizeof(struct slab) on 32-bit: list_head 8 + colouroff 4 + s_mem 4 + inuse 4 + free 4. */
const SLAB_DESC_BYTES = 24;
/** sizeof(kmem_bufctl_t): unsigned int on ARM (include/asm-arm/types.h 2.6.11). */
const BUFCTL_BYTES = 4;
/** BYTES_PER_WORD = sizeof(void *) on 32-bit ARM. */
const WORD_BYTES = 4;

/** A kmalloc'd object. cache indexes Slab2611.caches; slab is the slab's id; index the object's
 *  slot in the slab; size the size the caller asked for. */
export interface Kptr {
  cache: number;
  slab: number;
  index: number;
  size: number;
}

/** One cache's geometry, as kmem_cache_create leaves it. */
export interface SlabLayout {
  /** cachep->objsize after word and cache-line alignment. */
  objSize: number;
  /** cachep->gfporder. */
  order: number;
  /** Objects per slab (cachep->num). */
  num: number;
  leftOver: number;
  /** CFLGS_OFF_SLAB: the struct slab + bufctl array live in another general cache. */
  offSlab: boolean;
  /** cachep->slab_size: bytes of slab management. */
  mgmtBytes: number;
}

export interface SlabLayoutOptions {
  pageSize: number;
  l1CacheBytes: number;
  /** slab_break_gfp_order. */
  breakOrder: number;
  /** offslab_limit at creation time (mm/slab.c: grows while the general caches are created). */
  offslabLimit: number;
}

export interface SlabCacheInfo extends SlabLayout {
  name: string;
  /** cs_size of the general cache. */
  size: number;
  dma: boolean;
}

interface Slab {
  id: number;
  cache: number;
  pfn: number;
  inuse: number;
  /** Free object slots; the last entry is slabp->free (LIFO like the bufctl chain). */
  freeList: number[];
  /** The off-slab struct slab, allocated from a smaller general cache. */
  mgmt: Kptr | null;
}

interface Cache extends SlabCacheInfo {
  /** kmem_find_general_cachep(slab_size, 0) for off-slab caches, else -1. */
  mgmtCache: number;
  partial: Slab[];
  full: Slab[];
  free: Slab[];
}

/** get_order (include/asm-arm/page.h 2.6.11): (size-1) >> (PAGE_SHIFT-1), then count shifts. */
export function getOrder(size: number, pageSize = 4096): number {
  check(isInt(size) && size >= 1, `get_order: bad size ${size}`, "OOMLAB_BAD_ARGUMENT");
  let s = Math.floor((size - 1) / (pageSize / 2));
  let order = -1;
  do {
    s = Math.floor(s / 2);
    order++;
  } while (s);
  return order;
}

/** include/linux/kmalloc_sizes.h 2.6.11 with CONFIG_MMU: 32 only with 4 KiB pages, 96 only when
 *  L1_CACHE_BYTES < 64, 192 only when L1_CACHE_BYTES < 128. */
export function kmallocSizes(pageSize = 4096, l1CacheBytes = ARM_L1_CACHE_BYTES): number[] {
  const sizes: number[] = pageSize === 4096 ? [32, 64] : [64];
  if (l1CacheBytes < 64) sizes.push(96);
  sizes.push(128);
  if (l1CacheBytes < 128) sizes.push(192);
  sizes.push(256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072);
  return sizes;
}

const alignUp = (x: number, a: number) => Math.ceil(x / a) * a;

/** cache_estimate (mm/slab.c 2.6.11): objects and left-over bytes for a slab of 2^order pages. */
function cacheEstimate(order: number, size: number, align: number, offSlab: boolean, pageSize: number) {
  const wastage = pageSize * 2 ** order;
  const base = offSlab ? 0 : SLAB_DESC_BYTES;
  const extra = offSlab ? 0 : BUFCTL_BYTES;
  let i = 0;
  while (i * size + alignUp(base + i * extra, align) <= wastage) i++;
  if (i > 0) i--;
  return { num: i, leftOver: wastage - i * size - alignUp(base + i * extra, align) };
}

/** The gfporder loop of kmem_cache_create (mm/slab.c 2.6.11) for a SLAB_HWCACHE_ALIGN cache (the
 *  general caches: ARCH_KMALLOC_FLAGS, ARCH_KMALLOC_MINALIGN 0 on ARM). */
export function slabLayout(size: number, o: SlabLayoutOptions): SlabLayout {
  check(
    isInt(size) && size >= WORD_BYTES && size <= o.pageSize * 2 ** MAX_GFP_ORDER,
    `kmem_cache_create: bad size ${size}`,
    "OOMLAB_BAD_ARGUMENT",
  );
  size = alignUp(size, WORD_BYTES);
  // SLAB_HWCACHE_ALIGN: cache line, halved while two objects fit in half of it.
  let align = o.l1CacheBytes;
  while (size <= align / 2) align /= 2;
  let offSlab = size >= o.pageSize / 8; // "Size is large, assume best to place the slab management obj off-slab"
  size = alignUp(size, align);
  let order = 0;
  let est: { num: number; leftOver: number };
  for (;;) {
    est = cacheEstimate(order, size, align, offSlab, o.pageSize); // cal_wastage
    if (order >= MAX_GFP_ORDER) break;
    if (est.num === 0) {
      order++;
      continue;
    }
    if (offSlab && est.num > o.offslabLimit) {
      order--; // "This num of objs will cause problems": one order back, then stop
      est = cacheEstimate(order, size, align, offSlab, o.pageSize);
      break;
    }
    if (order >= o.breakOrder) break; // "v. large slabs are currently bad for the gfp()s"
    if (est.leftOver * 8 <= o.pageSize * 2 ** order) break; // acceptable internal fragmentation
    order++;
  }
  check(est.num > 0, `kmem_cache_create: couldn't create cache of size ${size}`, "OOMLAB_BAD_ARGUMENT");
  let leftOver = est.leftOver;
  let mgmtBytes = alignUp(est.num * BUFCTL_BYTES + SLAB_DESC_BYTES, align);
  // Off-slab management moves back on-slab when the left-over space holds it.
  if (offSlab && leftOver >= mgmtBytes) {
    offSlab = false;
    leftOver -= mgmtBytes;
  }
  if (offSlab) mgmtBytes = est.num * BUFCTL_BYTES + SLAB_DESC_BYTES;
  return { objSize: size, order, num: est.num, leftOver, offSlab, mgmtBytes };
}

/** The 2.6.11 general caches, created in kmem_cache_init's order (each size, then its DMA twin). */
function buildCaches(pageSize: number, l1: number, breakOrder: number): Cache[] {
  const sizes = kmallocSizes(pageSize, l1);
  const caches: Cache[] = [];
  let offslabLimit = 0; // static in mm/slab.c, raised after each on-slab general cache
  for (const cs of sizes) {
    const lay = slabLayout(cs, { pageSize, l1CacheBytes: l1, breakOrder, offslabLimit });
    const mgmtCache = lay.offSlab ? 2 * sizes.findIndex((s) => s >= lay.mgmtBytes) : -1;
    if (!lay.offSlab) offslabLimit = Math.floor((cs - SLAB_DESC_BYTES) / BUFCTL_BYTES);
    for (const dma of [false, true]) {
      const name = `size-${cs}${dma ? "(DMA)" : ""}`;
      caches.push({ ...lay, name, size: cs, dma, mgmtCache, partial: [], full: [], free: [] });
    }
  }
  return caches;
}

function unlink(list: Slab[], slab: Slab): void {
  list.splice(list.indexOf(slab), 1);
}

const hex = (n: number) => `0x${n.toString(16)}`;

export class Slab2611 {
  private readonly cacheList: Cache[];
  private readonly sizes: number[];
  private readonly slabs = new Map<number, Slab>();
  private nextSlabId = 1;
  private pages = 0;
  readonly pageSize: number;
  /** slab_break_gfp_order chosen at boot. */
  readonly breakOrder: number;

  constructor(
    private readonly pa: PageAllocator,
    opts: { ramPages: number; l1CacheBytes?: number },
  ) {
    check(
      isInt(opts.ramPages) && opts.ramPages > 0,
      "Slab2611: ramPages must be a positive integer",
      "OOMLAB_BAD_ARGUMENT",
    );
    this.pageSize = pa.pageSize;
    const l1 = opts.l1CacheBytes ?? ARM_L1_CACHE_BYTES;
    // kmem_cache_init: "only use bigger page orders on machines with more than 32MB of memory".
    this.breakOrder = opts.ramPages > (32 << 20) / this.pageSize ? BREAK_GFP_ORDER_HI : BREAK_GFP_ORDER_LO;
    this.cacheList = buildCaches(this.pageSize, l1, this.breakOrder);
    this.sizes = kmallocSizes(this.pageSize, l1);
  }

  /** The general caches: index 2i is size class i, 2i+1 its DMA twin. */
  get caches(): readonly SlabCacheInfo[] {
    return this.cacheList;
  }

  /** __kmalloc (mm/slab.c 2.6.11): first cache with cs_size >= size; none (size > 131072) → NULL
   *  without touching the page allocator. __GFP_DMA selects the DMA twin. */
  kmalloc(size: number, gfp: number, owner: number): Kptr | null {
    check(isInt(size) && size >= 0, `kmalloc: bad size ${size}`, "OOMLAB_BAD_ARGUMENT");
    const cls = this.sizes.findIndex((cs) => size <= cs);
    if (cls < 0) return null;
    return this.cacheAlloc(2 * cls + (gfp & GFP_2611.__GFP_DMA ? 1 : 0), gfp, owner, size);
  }

  /** kfree → free_block: the slot goes back on its slab; an emptied slab moves to slabs_free. */
  kfree(ptr: Kptr): void {
    const slab = this.slabs.get(ptr.slab);
    check(
      slab !== undefined && slab.cache === ptr.cache && ptr.index >= 0 && ptr.index < this.cacheList[ptr.cache].num,
      `kfree: not a kmalloc'd object (slab ${ptr.slab})`,
      "OOMLAB_BAD_ARGUMENT",
    );
    check(
      !slab.freeList.includes(ptr.index),
      `kfree: double free of slot ${ptr.index} in slab ${ptr.slab}`,
      "OOMLAB_DOUBLE_FREE",
    );
    const c = this.cacheList[slab.cache];
    unlink(slab.inuse === c.num ? c.full : c.partial, slab);
    slab.freeList.push(ptr.index);
    slab.inuse--;
    // free_block: empty → list_add(slabs_free); else list_add_tail(slabs_partial).
    if (slab.inuse === 0) c.free.unshift(slab);
    else c.partial.push(slab);
  }

  /** __cache_shrink on every general cache in cache_chain order (newest first, so the off-slab
   *  descriptors freed by the big caches are reclaimed with the small ones). Returns pages freed. */
  shrink(): number {
    const before = this.pages;
    for (let ci = this.cacheList.length - 1; ci >= 0; ci--) {
      const c = this.cacheList[ci];
      // from slabs_free.prev
      for (let slab = c.free.pop(); slab; slab = c.free.pop()) this.slabDestroy(c, slab);
    }
    return before - this.pages;
  }

  /** Pages held by slabs (nr_slab; show_free_areas prints it as "slab:"). */
  slabPages(): number {
    return this.pages;
  }

  /** Objects allocated and not freed, over all caches. */
  objectsInUse(): number {
    let n = 0;
    for (const s of this.slabs.values()) n += s.inuse;
    return n;
  }

  /** cache_alloc_refill: partial slabs first, then free ones, else cache_grow by one slab. */
  private cacheAlloc(ci: number, gfp: number, owner: number, size: number): Kptr | null {
    const c = this.cacheList[ci];
    let slab = c.partial[0] ?? c.free[0];
    if (!slab) {
      if (!this.cacheGrow(ci, gfp, owner)) return null;
      slab = c.free[0];
    }
    unlink(slab.inuse ? c.partial : c.free, slab);
    const index = slab.freeList.pop();
    if (index === undefined)
      throw new OomlabError("OOMLAB_INVARIANT", `slab ${slab.id} of ${c.name} has no free object`);
    slab.inuse++;
    (slab.inuse === c.num ? c.full : c.partial).unshift(slab); // list_add: head of the list
    return { cache: ci, slab: slab.id, index, size };
  }

  /** cache_grow (mm/slab.c 2.6.11): kmem_getpages(flags | cachep->gfpflags, gfporder), then the
   *  off-slab descriptor from its general cache with flags & SLAB_LEVEL_MASK; new slab on slabs_free. */
  private cacheGrow(ci: number, gfp: number, owner: number): boolean {
    const c = this.cacheList[ci];
    if (gfp & ~(GFP_2611.__GFP_DMA | GFP_LEVEL_MASK)) {
      throw new OomlabError(
        "OOMLAB_BAD_ARGUMENT",
        `kernel BUG in cache_grow (mm/slab.c): gfp ${hex(gfp)} outside SLAB_DMA|SLAB_LEVEL_MASK`,
      );
    }
    if (gfp & GFP_2611.__GFP_NO_GROW) return false;
    const pfn = this.pa.allocPages(gfp | (c.dma ? GFP_2611.__GFP_DMA : 0), c.order, owner);
    if (pfn < 0) return false;
    let mgmt: Kptr | null = null;
    if (c.offSlab) {
      mgmt = this.cacheAlloc(c.mgmtCache, gfp & GFP_LEVEL_MASK, owner, c.mgmtBytes);
      if (!mgmt) {
        this.pa.freePages(pfn, c.order); // opps1: kmem_freepages
        return false;
      }
    }
    const freeList = Array.from({ length: c.num }, (_, i) => c.num - 1 - i);
    const slab: Slab = { id: this.nextSlabId++, cache: ci, pfn, inuse: 0, freeList, mgmt };
    this.slabs.set(slab.id, slab);
    c.free.push(slab); // list_add_tail(slabs_free)
    this.pages += 2 ** c.order;
    return true;
  }

  /** slab_destroy → kmem_freepages, then kmem_cache_free of the off-slab descriptor. */
  private slabDestroy(c: Cache, slab: Slab): void {
    this.slabs.delete(slab.id);
    this.pages -= 2 ** c.order;
    this.pa.freePages(slab.pfn, c.order);
    if (slab.mgmt) this.kfree(slab.mgmt);
  }
}
