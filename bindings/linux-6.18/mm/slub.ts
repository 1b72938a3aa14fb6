// 6.18 SLUB kmalloc (mm/slub.c, mm/slab_common.c, mm/slab.h, include/linux/slab.h 6.18; x86-64,
// 4 KiB pages, no CONFIG_SLUB_DEBUG options on, no CONFIG_RANDOM_KMALLOC_CACHES, no KASAN): the kmalloc
// size classes kmalloc-8 ... kmalloc-8k of each kmalloc type (normal, -rcl-, dma-, -cg-), each cache's
// slab order from calculate_order / calc_slab_order with slub_min_order, slub_max_order and
// slub_min_objects, allocate_slab's order fallback (oo with __GFP_NOWARN|__GFP_NORETRY, then min with
// the caller's flags), the page allocator for sizes above KMALLOC_MAX_CACHE_SIZE (__kmalloc_large_node,
// __GFP_COMP), and kvmalloc (__kvmalloc_node_noprof, which 6.18 has in mm/slub.c, not mm/util.c: the
// file mm/util.c 6.18 has no kvmalloc; when it moved was not read in a release tree).
// Not modelled, on purpose: the per-CPU slabs and sheaves (objects come from the node's partial slabs
// first, then a new slab; a slab is grown exactly when no slab of the cache has a free object, as with
// per-CPU slabs when one CPU allocates), freelist randomisation, memcg charging, NUMA node choice,
// slab_out_of_memory's ratelimit (its lines are returned; the caller prints them).

import { OomlabError, check, isInt } from "../../errors.js";
import { gfpBitsFor } from "../../include/linux/gfp.js";
import { PAGE_ALLOC_COSTLY_ORDER } from "../../include/linux/mmzone.js";
import {
  type PageAllocFailure,
  type PageAllocator,
  type ReportingPageAllocator,
  withFailureReasons,
} from "../../sim/page_allocator.js";

/** 6.18's __GFP_* bits and GFP_* composites (include/linux/gfp_types.h 6.18). */
export const GFP = gfpBitsFor("6.18");

/** GFP_RECLAIM_MASK (mm/internal.h 6.18): the reclaim behaviour bits (__GFP_NOLOCKDEP is 0 without
 *  CONFIG_LOCKDEP). */
export const GFP_RECLAIM_MASK =
  GFP.__GFP_RECLAIM |
  GFP.__GFP_HIGH |
  GFP.__GFP_IO |
  GFP.__GFP_FS |
  GFP.__GFP_NOWARN |
  GFP.__GFP_RETRY_MAYFAIL |
  GFP.__GFP_NOFAIL |
  GFP.__GFP_NORETRY |
  GFP.__GFP_MEMALLOC |
  GFP.__GFP_NOMEMALLOC;
/** GFP_CONSTRAINT_MASK (mm/internal.h 6.18). */
export const GFP_CONSTRAINT_MASK = GFP.__GFP_HARDWALL | GFP.__GFP_THISNODE;
/** __GFP_BITS_SHIFT without KASAN_HW_TAGS, LOCKDEP and SLAB_OBJ_EXT: ___GFP_LAST_BIT = 24
 *  (include/linux/gfp_types.h 6.18, ___GFP_ZEROTAGS_BIT is the last). */
export const GFP_BITS_SHIFT_618 = 24;
/** GFP_SLAB_BUG_MASK (mm/internal.h 6.18): __GFP_DMA32|__GFP_HIGHMEM|~__GFP_BITS_MASK. */
export const GFP_SLAB_BUG_MASK = (GFP.__GFP_DMA32 | GFP.__GFP_HIGHMEM | ~(2 ** GFP_BITS_SHIFT_618 - 1)) >>> 0;

/** KMALLOC_SHIFT_LOW (include/linux/slab.h 6.18): kmalloc-8 is the smallest class. */
export const KMALLOC_SHIFT_LOW = 3;
/** KMALLOC_MIN_SIZE = 1 << KMALLOC_SHIFT_LOW. */
export const KMALLOC_MIN_SIZE = 1 << KMALLOC_SHIFT_LOW;
/** MAX_OBJS_PER_PAGE (mm/slub.c 6.18): slab.objects is 15 bits. */
export const MAX_OBJS_PER_PAGE = 32767;
/** MAX_PAGE_ORDER on x86-64 (CONFIG_ARCH_FORCE_MAX_ORDER unset: 10). */
export const MAX_PAGE_ORDER = 10;
/** MIN_PARTIAL / MAX_PARTIAL (mm/slub.c 6.18, !CONFIG_SLUB_TINY). */
export const MIN_PARTIAL = 5;
export const MAX_PARTIAL = 10;

/** kmalloc_size_index[] (mm/slab_common.c 6.18): the kmalloc_caches index of sizes 1..192 by
 *  (size - 1) / 8 (size_index_elem); 1 is kmalloc-96, 2 is kmalloc-192. */
export const KMALLOC_SIZE_INDEX: readonly number[] = [
  3, 4, 5, 5, 6, 6, 6, 6, 1, 1, 1, 1, 7, 7, 7, 7, 2, 2, 2, 2, 2, 2, 2, 2,
];

/** kmalloc_info[] (mm/slab_common.c 6.18): each kmalloc_caches index's size and name suffix. */
export const KMALLOC_INFO: readonly { size: number; short: string }[] = [
  [0, "0"],
  [96, "96"],
  [192, "192"],
  [8, "8"],
  [16, "16"],
  [32, "32"],
  [64, "64"],
  [128, "128"],
  [256, "256"],
  [512, "512"],
  [1024, "1k"],
  [2048, "2k"],
  [4096, "4k"],
  [8192, "8k"],
  [16384, "16k"],
  [32768, "32k"],
  [65536, "64k"],
  [131072, "128k"],
  [262144, "256k"],
  [524288, "512k"],
  [1048576, "1M"],
  [2097152, "2M"],
].map(([size, short]) => ({ size: size as number, short: short as string }));

/** enum kmalloc_cache_type with CONFIG_ZONE_DMA and CONFIG_MEMCG, without random caches and
 *  CONFIG_SLUB_TINY (include/linux/slab.h 6.18), and each type's name prefix (mm/slab_common.c
 *  INIT_KMALLOC_INFO). */
export const KMALLOC_TYPES = ["normal", "reclaim", "dma", "cgroup"] as const;
export type KmallocType = (typeof KMALLOC_TYPES)[number];
const TYPE_NAME: Record<KmallocType, (short: string) => string> = {
  normal: (s) => `kmalloc-${s}`,
  reclaim: (s) => `kmalloc-rcl-${s}`,
  dma: (s) => `dma-kmalloc-${s}`,
  cgroup: (s) => `kmalloc-cg-${s}`,
};

const log2 = (n: number) => Math.log2(n);
/** fls: the 1-based index of the highest set bit (0 for 0). */
export const fls = (n: number): number => (n <= 0 ? 0 : Math.floor(log2(n)) + 1);
const ilog2 = (n: number) => Math.floor(log2(n));

/** PAGE_SIZE of 4 KiB is what this model is written for; other sizes are accepted where the kernel's
 *  formulas take PAGE_SHIFT. */
function checkPageSize(pageSize: number): number {
  check(isInt(pageSize) && pageSize >= 4096 && (pageSize & (pageSize - 1)) === 0, `bad PAGE_SIZE ${pageSize}`);
  return ilog2(pageSize);
}

/** KMALLOC_MAX_CACHE_SIZE = 1 << KMALLOC_SHIFT_HIGH, KMALLOC_SHIFT_HIGH = PAGE_SHIFT + 1
 *  (include/linux/slab.h 6.18): "SLUB directly allocates requests fitting in to an order-1 page". */
export function kmallocMaxCacheSize(pageSize = 4096): number {
  return 2 ** (checkPageSize(pageSize) + 1);
}

/** KMALLOC_MAX_SIZE = 1 << (MAX_PAGE_ORDER + PAGE_SHIFT): 4 MiB on x86-64. */
export function kmallocMaxSize(pageSize = 4096, maxPageOrder = MAX_PAGE_ORDER): number {
  return 2 ** (checkPageSize(pageSize) + maxPageOrder);
}

/** get_order (include/asm-generic/getorder.h): the order of the smallest block holding size bytes. */
export function getOrder(size: number, pageSize = 4096): number {
  check(isInt(size) && size >= 1, `get_order: bad size ${size}`, "OOMLAB_BAD_ARGUMENT");
  const shift = checkPageSize(pageSize);
  return Math.max(0, fls(Math.ceil(size / 2 ** shift) - 1));
}

/** __kmalloc_index (include/linux/slab.h 6.18) with KMALLOC_MIN_SIZE 8: 0 for 0, 1 for 65..96,
 *  2 for 129..192, n for 2^(n-1)+1 .. 2^n up to 2 MiB; larger sizes are a BUG() there and an
 *  OOMLAB_BAD_ARGUMENT here. */
export function kmallocIndex(size: number): number {
  check(isInt(size) && size >= 0, `kmalloc_index: bad size ${size}`, "OOMLAB_BAD_ARGUMENT");
  if (!size) return 0;
  if (size <= KMALLOC_MIN_SIZE) return KMALLOC_SHIFT_LOW;
  if (size > 64 && size <= 96) return 1;
  if (size > 128 && size <= 192) return 2;
  if (size > 2 * 1024 * 1024) throw new OomlabError("OOMLAB_BAD_ARGUMENT", `kmalloc_index: size ${size} > 2 MiB`);
  return fls(size - 1);
}

/** The index kmalloc_slab (mm/slab.h 6.18) looks up: kmalloc_size_index[(size - 1) / 8] up to 192
 *  bytes, fls(size - 1) above. For 1 .. KMALLOC_MAX_CACHE_SIZE. */
export function kmallocSlabIndex(size: number, pageSize = 4096): number {
  check(
    isInt(size) && size >= 1 && size <= kmallocMaxCacheSize(pageSize),
    `kmalloc_slab: size ${size} is not 1 .. KMALLOC_MAX_CACHE_SIZE`,
    "OOMLAB_BAD_ARGUMENT",
  );
  return size <= 192 ? KMALLOC_SIZE_INDEX[Math.floor((size - 1) / 8)] : fls(size - 1);
}

/** kmalloc_type (include/linux/slab.h 6.18): __GFP_DMA, then __GFP_RECLAIMABLE, then __GFP_ACCOUNT. */
export function kmallocType(gfp: number): KmallocType {
  if (!(gfp & (GFP.__GFP_RECLAIMABLE | GFP.__GFP_DMA | GFP.__GFP_ACCOUNT))) return "normal";
  if (gfp & GFP.__GFP_DMA) return "dma";
  if (gfp & GFP.__GFP_RECLAIMABLE) return "reclaim";
  return "cgroup";
}

/** order_objects (mm/slub.c 6.18): objects of size bytes in a slab of 2^order pages. */
export function orderObjects(order: number, size: number, pageSize = 4096): number {
  return Math.floor((pageSize * 2 ** order) / size);
}

/** calc_slab_order (mm/slub.c 6.18): the first order from minOrder up to maxOrder whose leftover
 *  (slab_size % size) is at most slab_size / fractLeftover; maxOrder + 1 when none is. */
export function calcSlabOrder(
  size: number,
  minOrder: number,
  maxOrder: number,
  fractLeftover: number,
  pageSize = 4096,
): number {
  let order = minOrder;
  for (; order <= maxOrder; order++) {
    const slabSize = pageSize * 2 ** order;
    if (slabSize % size <= Math.floor(slabSize / fractLeftover)) break;
  }
  return order;
}

/** The boot-time inputs of calculate_order. */
export interface SlubParams {
  pageSize: number;
  /** slub_min_order= (default 0). */
  slubMinOrder: number;
  /** slub_max_order= (default PAGE_ALLOC_COSTLY_ORDER; 1 with CONFIG_SLUB_TINY; 0 with
   *  debug_guardpage_minorder). */
  slubMaxOrder: number;
  /** slub_min_objects= (default 0: derived from the CPUs). */
  slubMinObjects: number;
  /** num_present_cpus() when the cache is created. */
  nrPresentCpus: number;
  /** nr_cpu_ids, used when num_present_cpus() <= 1. */
  nrCpuIds: number;
  maxPageOrder: number;
}

/** The defaults of mm/slub.c 6.18 on a machine with the given CPUs. */
export function defaultSlubParams(nrCpus = 1, pageSize = 4096): SlubParams {
  return {
    pageSize,
    slubMinOrder: 0,
    slubMaxOrder: PAGE_ALLOC_COSTLY_ORDER,
    slubMinObjects: 0,
    nrPresentCpus: nrCpus,
    nrCpuIds: nrCpus,
    maxPageOrder: MAX_PAGE_ORDER,
  };
}

const checkParam = (v: number, name: string) =>
  check(isInt(v) && v >= 0 && v <= 2 ** 32 - 1, `${name}=${v}: not an unsigned int`, "OOMLAB_BAD_ARGUMENT");

/** setup_slub_min_order (mm/slub.c 6.18), "slab_min_order=" or "slub_min_order=": sets the minimum
 *  order and raises slub_max_order to it. Boot options apply in command-line order. */
export function setupSlubMinOrder(p: SlubParams, order: number): SlubParams {
  checkParam(order, "slub_min_order");
  return { ...p, slubMinOrder: order, slubMaxOrder: Math.max(p.slubMaxOrder, order) };
}

/** setup_slub_max_order (mm/slub.c 6.18): min(order, MAX_PAGE_ORDER), and lowers slub_min_order to it. */
export function setupSlubMaxOrder(p: SlubParams, order: number): SlubParams {
  checkParam(order, "slub_max_order");
  const max = Math.min(order, p.maxPageOrder);
  return { ...p, slubMaxOrder: max, slubMinOrder: Math.min(p.slubMinOrder, max) };
}

/** setup_slub_min_objects (mm/slub.c 6.18). */
export function setupSlubMinObjects(p: SlubParams, objects: number): SlubParams {
  checkParam(objects, "slub_min_objects");
  return { ...p, slubMinObjects: objects };
}

/** calculate_order's min_objects: slub_min_objects, else 4 * (fls(nr_cpus) + 1) with nr_cpus =
 *  num_present_cpus(), or nr_cpu_ids when that is <= 1. */
export function slubMinObjects(p: SlubParams): number {
  if (p.slubMinObjects) return p.slubMinObjects;
  const nrCpus = p.nrPresentCpus <= 1 ? p.nrCpuIds : p.nrPresentCpus;
  return 4 * (fls(nrCpus) + 1);
}

/** calculate_order (mm/slub.c 6.18): the slab order of a cache of objects of size bytes (s->size).
 *  Throws OOMLAB_BAD_ARGUMENT where the kernel returns -ENOSYS (one object needs more than
 *  MAX_PAGE_ORDER). */
export function calculateOrder(size: number, p: SlubParams): number {
  check(isInt(size) && size >= 1, `calculate_order: bad size ${size}`, "OOMLAB_BAD_ARGUMENT");
  const ps = p.pageSize;
  const maxObjects = Math.max(orderObjects(p.slubMaxOrder, size, ps), 1);
  const minObjects = Math.min(slubMinObjects(p), maxObjects);
  const minOrder = Math.max(p.slubMinOrder, getOrder(minObjects * size, ps));
  if (orderObjects(minOrder, size, ps) > MAX_OBJS_PER_PAGE) return getOrder(size * MAX_OBJS_PER_PAGE, ps) - 1;
  for (let fraction = 16; fraction > 1; fraction /= 2) {
    const order = calcSlabOrder(size, minOrder, p.slubMaxOrder, fraction, ps);
    if (order <= p.slubMaxOrder) return order;
  }
  const order = getOrder(size, ps);
  if (order <= p.maxPageOrder) return order;
  throw new OomlabError("OOMLAB_BAD_ARGUMENT", `calculate_order: size ${size} needs order ${order} (-ENOSYS)`);
}

/** A cache as calculate_sizes leaves it (and as /sys/kernel/slab/NAME shows it). */
export interface KmemCacheInfo {
  name: string;
  /** object_size: what the caller may use. */
  objectSize: number;
  /** s->size (slab_size): the object's stride. */
  size: number;
  /** oo_order(s->oo) (order). */
  order: number;
  /** oo_objects(s->oo) (objs_per_slab). */
  objects: number;
  /** oo_order(s->min) = get_order(size): the fallback order. */
  minOrder: number;
  minObjects: number;
  /** s->allocflags: __GFP_COMP always (6.18), | GFP_DMA, | __GFP_RECLAIMABLE. */
  allocflags: number;
  /** s->min_partial: empty slabs kept on the partial list. */
  minPartial: number;
}

/** calculate_sizes (mm/slub.c 6.18) for a cache without debug flags, RCU, poison or constructor:
 *  size = ALIGN(ALIGN(object_size, sizeof(void *)), align). align for kmalloc caches is the largest
 *  power of two dividing the size (create_boot_cache), so size == object_size for every kmalloc class. */
export function kmemCacheLayout(
  name: string,
  objectSize: number,
  p: SlubParams,
  opts: { align?: number; type?: KmallocType } = {},
): KmemCacheInfo {
  const align = opts.align ?? 8;
  const size = Math.ceil((Math.ceil(objectSize / 8) * 8) / align) * align;
  const order = calculateOrder(size, p);
  const minOrder = getOrder(size, p.pageSize);
  let allocflags = GFP.__GFP_COMP;
  if (opts.type === "dma") allocflags |= GFP.GFP_DMA;
  if (opts.type === "reclaim") allocflags |= GFP.__GFP_RECLAIMABLE;
  const minPartial = Math.max(MIN_PARTIAL, Math.min(MAX_PARTIAL, Math.floor(ilog2(size) / 2)));
  return {
    name,
    objectSize,
    size,
    order,
    objects: orderObjects(order, size, p.pageSize),
    minOrder,
    minObjects: orderObjects(minOrder, size, p.pageSize),
    allocflags,
    minPartial,
  };
}

/** The kmalloc cache of one type and kmalloc_caches index (new_kmalloc_cache, mm/slab_common.c 6.18). */
export function kmallocCacheLayout(index: number, type: KmallocType, p: SlubParams): KmemCacheInfo {
  const info = KMALLOC_INFO[index];
  check(info !== undefined && index > 0, `kmalloc_caches: no index ${index}`, "OOMLAB_BAD_ARGUMENT");
  const align = info.size & -info.size; // 1U << (ffs(size) - 1)
  return kmemCacheLayout(TYPE_NAME[type](info.short), info.size, p, { align, type });
}

/** The kmalloc_caches indexes create_kmalloc_caches makes (KMALLOC_MIN_SIZE 8): 96, 192, then
 *  KMALLOC_SHIFT_LOW .. KMALLOC_SHIFT_HIGH. */
export function kmallocIndexes(pageSize = 4096): number[] {
  const high = checkPageSize(pageSize) + 1;
  const out = [1, 2];
  for (let i = KMALLOC_SHIFT_LOW; i <= high; i++) out.push(i);
  return out;
}

/** What allocate_slab asks the page allocator for, and with which gfp (mm/slub.c 6.18). flags are the
 *  caller's after new_slab's mask (GFP_RECLAIM_MASK | GFP_CONSTRAINT_MASK) and | s->allocflags. */
export function allocateSlabGfp(flags: number, cache: Pick<KmemCacheInfo, "order" | "minOrder" | "allocflags">) {
  const f = (flags | cache.allocflags) >>> 0;
  // "Let the initial higher-order allocation fail under memory pressure so we fall-back to the
  // minimum order allocation."
  let first = ((f | GFP.__GFP_NOWARN | GFP.__GFP_NORETRY) & ~GFP.__GFP_NOFAIL) >>> 0;
  if (first & GFP.__GFP_DIRECT_RECLAIM && cache.order > cache.minOrder)
    first = ((first | GFP.__GFP_NOMEMALLOC) & ~GFP.__GFP_RECLAIM) >>> 0;
  return { first: { gfp: first, order: cache.order }, fallback: { gfp: f, order: cache.minOrder } };
}

/** kmalloc_gfp_adjust (mm/slub.c 6.18), the gfp kvmalloc gives kmalloc: above PAGE_SIZE, __GFP_NOWARN,
 *  no __GFP_DIRECT_RECLAIM unless __GFP_RETRY_MAYFAIL ("do not direct reclaim unless physically
 *  continuous memory is preferred"; kswapd/kcompactd are still woken), and no __GFP_NOFAIL ("nofail
 *  semantic is implemented by the vmalloc fallback"). 6.18 does NOT add __GFP_NORETRY (4.12 .. 6.x
 *  kvmalloc_node did). */
export function kmallocGfpAdjust(flags: number, size: number, pageSize = 4096): number {
  if (size <= pageSize) return flags >>> 0;
  let f = flags | GFP.__GFP_NOWARN;
  if (!(f & GFP.__GFP_RETRY_MAYFAIL)) f &= ~GFP.__GFP_DIRECT_RECLAIM;
  f &= ~GFP.__GFP_NOFAIL;
  return f >>> 0;
}

/** A kmalloc'd object: a slot of a slab of a named cache, a __kmalloc_large_node block, or
 *  ZERO_SIZE_PTR (kmalloc(0)). */
export type SlubPtr =
  | { kind: "slab"; cache: string; slab: number; index: number; size: number }
  | { kind: "large"; pfn: number; order: number; size: number }
  | { kind: "zero" };

/** One request to the page allocator. */
export interface PageRequest {
  gfp: number;
  order: number;
  pfn: number;
  failure: PageAllocFailure | null;
}

/** What one kmalloc did. */
export interface KmallocResult {
  ptr: SlubPtr | null;
  /** The cache that served it (null for large or zero-size requests). */
  cache: string | null;
  /** The gfp the request reached the allocator with (after GFP_SLAB_BUG_MASK fixing). */
  gfp: number;
  /** What it asked the page allocator for, in order (empty when a slab had a free object). */
  pages: PageRequest[];
  /** allocate_slab fell back from oo to min (stat ORDER_FALLBACK). */
  orderFallback: boolean;
  /** kmalloc_fix_flags: the "Unexpected gfp" warning's invalid bits, when the gfp had any. */
  fixedFlags?: number;
  /** slab_out_of_memory's lines (printed unless __GFP_NOWARN; ratelimit not applied here). */
  oomLines?: string[];
}

interface Slab {
  id: number;
  cache: string;
  pfn: number;
  order: number;
  objects: number;
  inuse: number;
  free: number[];
}

interface Cache extends KmemCacheInfo {
  partial: Slab[];
  full: Set<Slab>;
  nrSlabs: number;
  orderFallbacks: number;
}

export interface SlubOptions {
  params?: SlubParams;
  /** CPU ids for slab_out_of_memory's line (default 0 on node 0). */
  cpu?: number;
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** The 6.18 kmalloc over a page allocator. */
export class Slub618 {
  readonly params: SlubParams;
  readonly pageSize: number;
  private readonly pa: ReportingPageAllocator;
  private readonly caches = new Map<string, Cache>();
  private readonly byIndex = new Map<KmallocType, Map<number, Cache>>();
  private readonly slabs = new Map<number, Slab>();
  private nextSlab = 1;
  private slabPageCount = 0;
  private largePageCount = 0;
  private readonly cpu: number;

  constructor(pa: PageAllocator | ReportingPageAllocator, o: SlubOptions = {}) {
    this.pa = withFailureReasons(pa);
    this.pageSize = pa.pageSize;
    this.params = o.params ?? defaultSlubParams(1, pa.pageSize);
    check(this.params.pageSize === pa.pageSize, "Slub618: params.pageSize differs from the allocator's");
    this.cpu = o.cpu ?? 0;
    for (const type of KMALLOC_TYPES) {
      const m = new Map<number, Cache>();
      for (const i of kmallocIndexes(this.pageSize)) {
        const c: Cache = {
          ...kmallocCacheLayout(i, type, this.params),
          partial: [],
          full: new Set(),
          nrSlabs: 0,
          orderFallbacks: 0,
        };
        m.set(i, c);
        this.caches.set(c.name, c);
      }
      this.byIndex.set(type, m);
    }
  }

  /** Every kmalloc cache, in creation order per type. */
  cacheInfo(): KmemCacheInfo[] {
    return [...this.caches.values()].map(({ partial: _p, full: _f, nrSlabs: _n, orderFallbacks: _o, ...info }) => info);
  }

  /** A cache by name ("kmalloc-96", "kmalloc-rcl-1k", ...) with its counters. */
  cache(name: string): (KmemCacheInfo & { slabs: number; orderFallbacks: number; objectsInUse: number }) | null {
    const c = this.caches.get(name);
    if (!c) return null;
    const { partial, full, nrSlabs, orderFallbacks, ...info } = c;
    let inuse = 0;
    for (const s of [...partial, ...full]) inuse += s.inuse;
    return { ...info, slabs: nrSlabs, orderFallbacks, objectsInUse: inuse };
  }

  /** Pages held by slabs (NR_SLAB_*), and by large kmalloc blocks (counted as slab unreclaimable by
   *  the kernel: ___kmalloc_large_node adds NR_SLAB_UNRECLAIMABLE_B). */
  slabPages(): { slab: number; large: number } {
    return { slab: this.slabPageCount, large: this.largePageCount };
  }

  /** __do_kmalloc_node (mm/slub.c 6.18). */
  kmalloc(size: number, gfp: number, owner: number): KmallocResult {
    check(isInt(size) && size >= 0, `kmalloc: bad size ${size}`, "OOMLAB_BAD_ARGUMENT");
    check(isInt(gfp) && gfp >= 0 && gfp <= 0xffffffff, `kmalloc: bad gfp ${gfp}`, "OOMLAB_BAD_ARGUMENT");
    if (size > kmallocMaxCacheSize(this.pageSize)) return this.kmallocLarge(size, gfp, owner);
    if (!size) return { ptr: { kind: "zero" }, cache: null, gfp, pages: [], orderFallback: false };
    const c = this.byIndex.get(kmallocType(gfp))?.get(kmallocSlabIndex(size, this.pageSize));
    if (!c) throw new OomlabError("OOMLAB_INVARIANT", `kmalloc: no cache for ${size}`);
    return this.slabAlloc(c, size, gfp, owner);
  }

  /** kfree: a slab object goes back to its slab (an empty slab is discarded when the node already has
   *  min_partial partial slabs); a large block goes back to the page allocator. */
  kfree(ptr: SlubPtr): void {
    if (ptr.kind === "zero") return;
    if (ptr.kind === "large") {
      this.pa.freePages(ptr.pfn, ptr.order);
      this.largePageCount -= 2 ** ptr.order;
      return;
    }
    const slab = this.slabs.get(ptr.slab);
    check(
      slab !== undefined && slab.cache === ptr.cache && ptr.index >= 0 && ptr.index < slab.objects,
      `kfree: not a kmalloc'd object (slab ${ptr.slab})`,
      "OOMLAB_BAD_ARGUMENT",
    );
    check(!slab.free.includes(ptr.index), `kfree: double free of object ${ptr.index}`, "OOMLAB_DOUBLE_FREE");
    const c = this.caches.get(slab.cache) as Cache;
    const wasFull = slab.inuse === slab.objects;
    const nrPartial = c.partial.length; // n->nr_partial, this slab included unless it was full
    slab.free.push(ptr.index);
    slab.inuse--;
    // __slab_free: "!new.inuse && n->nr_partial >= s->min_partial" discards the empty slab;
    // a full slab that gets a free object goes to the partial list's tail.
    if (slab.inuse === 0 && nrPartial >= c.minPartial) {
      if (wasFull) c.full.delete(slab);
      else c.partial.splice(c.partial.indexOf(slab), 1);
      this.discardSlab(c, slab);
    } else if (wasFull) {
      c.full.delete(slab);
      c.partial.push(slab);
    }
  }

  /** __kmem_cache_shrink on every cache: every empty slab goes back. Returns the pages freed. */
  shrink(): number {
    let freed = 0;
    for (const c of this.caches.values()) {
      for (const s of c.partial.filter((x) => x.inuse === 0)) {
        c.partial.splice(c.partial.indexOf(s), 1);
        freed += 2 ** s.order;
        this.discardSlab(c, s);
      }
    }
    return freed;
  }

  /** kvmalloc (__kvmalloc_node_noprof, mm/slub.c 6.18) over this kmalloc and vm's vmalloc
   *  (mm/vmalloc.ts Vmalloc618). */
  kvmalloc<V extends { ptr: unknown }>(
    vm: KvmallocVmalloc<V>,
    size: number,
    flags: number,
    owner: number,
  ): KvmallocResult<KmallocResult, V> {
    return kvmallocNode(
      size,
      flags,
      this.pageSize,
      (gfp) => this.kmalloc(size, gfp, owner),
      (gfp) => vm.vmallocNodeRange(size, gfp, owner, { allowHugeVmap: true }),
    );
  }

  /** ___kmalloc_large_node (mm/slub.c 6.18): get_order(size) pages with __GFP_COMP. */
  private kmallocLarge(size: number, gfp: number, owner: number): KmallocResult {
    const { flags, fixed } = this.fixFlags(gfp);
    const order = getOrder(size, this.pageSize);
    const f = (flags | GFP.__GFP_COMP) >>> 0;
    const r: KmallocResult = { ptr: null, cache: null, gfp: f, pages: [], orderFallback: false };
    if (fixed) r.fixedFlags = fixed;
    if (order > this.params.maxPageOrder) {
      // __alloc_pages_noprof: "if (WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER, gfp)) return NULL".
      r.pages.push({ gfp: f, order, pfn: -1, failure: { gfp: f, order, reason: "order > MAX_PAGE_ORDER" } });
      return r;
    }
    const out = this.pa.tryAllocPages(f, order, owner);
    r.pages.push({ gfp: f, order, pfn: out.pfn, failure: out.failure });
    if (out.pfn >= 0) {
      r.ptr = { kind: "large", pfn: out.pfn, order, size };
      this.largePageCount += 2 ** order;
    }
    return r;
  }

  /** kmalloc_fix_flags (mm/slub.c 6.18): GFP_SLAB_BUG_MASK bits are warned about and cleared. */
  private fixFlags(gfp: number): { flags: number; fixed: number } {
    const bad = (gfp & GFP_SLAB_BUG_MASK) >>> 0;
    return { flags: (gfp & ~GFP_SLAB_BUG_MASK) >>> 0, fixed: bad };
  }

  /** slab_alloc_node → ___slab_alloc: a free object of a partial slab, else new_slab. */
  private slabAlloc(c: Cache, size: number, gfp: number, owner: number): KmallocResult {
    const { flags, fixed } = this.fixFlags(gfp);
    const r: KmallocResult = { ptr: null, cache: c.name, gfp: flags, pages: [], orderFallback: false };
    if (fixed) r.fixedFlags = fixed;
    let slab = c.partial[0];
    if (!slab) {
      const made = this.allocateSlab(c, flags & (GFP_RECLAIM_MASK | GFP_CONSTRAINT_MASK), owner, r);
      if (!made) {
        if (!(gfp & GFP.__GFP_NOWARN)) r.oomLines = this.slabOutOfMemory(c, gfp);
        return r;
      }
      slab = made;
      c.partial.unshift(slab);
    }
    const index = slab.free.pop() as number;
    slab.inuse++;
    if (slab.inuse === slab.objects) {
      c.partial.splice(c.partial.indexOf(slab), 1);
      c.full.add(slab);
    }
    r.ptr = { kind: "slab", cache: c.name, slab: slab.id, index, size };
    return r;
  }

  /** allocate_slab (mm/slub.c 6.18): oo with __GFP_NOWARN|__GFP_NORETRY (and without reclaim when it
   *  is above min), then min with the caller's flags. */
  private allocateSlab(c: Cache, flags: number, owner: number, r: KmallocResult): Slab | null {
    const { first, fallback } = allocateSlabGfp(flags, c);
    let out = this.pa.tryAllocPages(first.gfp, first.order, owner);
    r.pages.push({ ...first, pfn: out.pfn, failure: out.failure });
    let order = first.order;
    if (out.pfn < 0) {
      out = this.pa.tryAllocPages(fallback.gfp, fallback.order, owner);
      r.pages.push({ ...fallback, pfn: out.pfn, failure: out.failure });
      if (out.pfn < 0) return null;
      order = fallback.order;
      r.orderFallback = true;
      c.orderFallbacks++;
    }
    const objects = orderObjects(order, c.size, this.pageSize);
    const slab: Slab = {
      id: this.nextSlab++,
      cache: c.name,
      pfn: out.pfn,
      order,
      objects,
      inuse: 0,
      free: Array.from({ length: objects }, (_, i) => objects - 1 - i),
    };
    this.slabs.set(slab.id, slab);
    c.nrSlabs++;
    this.slabPageCount += 2 ** order;
    return slab;
  }

  private discardSlab(c: Cache, slab: Slab): void {
    this.slabs.delete(slab.id);
    c.nrSlabs--;
    this.slabPageCount -= 2 ** slab.order;
    this.pa.freePages(slab.pfn, slab.order);
  }

  /** slab_out_of_memory (mm/slub.c 6.18), node 0; the gfp is printed as %#x and %pGg is left to
   *  the printer (here: the hex again). */
  private slabOutOfMemory(c: Cache, gfp: number): string[] {
    let slabs = 0;
    let objs = 0;
    let inuse = 0;
    for (const s of [...c.partial, ...c.full]) {
      slabs++;
      objs += s.objects;
      inuse += s.inuse;
    }
    return [
      `SLUB: Unable to allocate memory on CPU ${this.cpu} (of node 0) on node -1, gfp=${hex(gfp)}`,
      `  cache: ${c.name}, object size: ${c.objectSize}, buffer size: ${c.size}, ` +
        `default order: ${c.order}, min order: ${c.minOrder}`,
      `  node 0: slabs: ${slabs}, objs: ${objs}, free: ${objs - inuse}`,
    ];
  }
}

/** How __kvmalloc_node_noprof ended. */
export type KvmallocExit =
  | "kmalloc" // the kmalloc succeeded
  | "sub-page" // kmalloc failed and size <= PAGE_SIZE: no vmalloc fallback
  | "non-blocking" // !gfpflags_allow_blocking(flags): "non-sleeping allocations are not supported by vmalloc"
  | "too large" // size > INT_MAX
  | "vmalloc"; // the vmalloc fallback was called (ptr says whether it succeeded)

/** The vmalloc kvmalloc falls back to (mm/vmalloc.ts Vmalloc618 is one). */
export interface KvmallocVmalloc<V extends { ptr: unknown }> {
  vmallocNodeRange(size: number, gfp: number, owner: number, o: { allowHugeVmap: boolean }): V;
}

export interface KvmallocResult<K, V> {
  ok: boolean;
  exit: KvmallocExit;
  /** The gfp kmalloc got (kmalloc_gfp_adjust). */
  kmallocGfp: number;
  kmalloc: K;
  /** The vmalloc fallback's result, with the caller's own flags (null when not called). */
  vmalloc: V | null;
}

/** __kvmalloc_node_noprof (mm/slub.c 6.18) over any kmalloc and vmalloc: kmalloc with
 *  kmalloc_gfp_adjust(flags, size); on failure above PAGE_SIZE with a blocking gfp and size <= INT_MAX,
 *  __vmalloc_node_range(size, ..., flags, PAGE_KERNEL, VM_ALLOW_HUGE_VMAP). ok(x) says whether an
 *  attempt's result is a pointer. */
export function kvmallocNode<K extends { ptr: unknown }, V extends { ptr: unknown }>(
  size: number,
  flags: number,
  pageSize: number,
  kmalloc: (gfp: number) => K,
  vmalloc: (gfp: number) => V,
): KvmallocResult<K, V> {
  const kmallocGfp = kmallocGfpAdjust(flags, size, pageSize);
  const k = kmalloc(kmallocGfp);
  const done = (exit: KvmallocExit, ok: boolean, v: V | null = null) => ({
    ok,
    exit,
    kmallocGfp,
    kmalloc: k,
    vmalloc: v,
  });
  if (k.ptr !== null) return done("kmalloc", true);
  if (size <= pageSize) return done("sub-page", false);
  if (!(flags & GFP.__GFP_DIRECT_RECLAIM)) return done("non-blocking", false);
  if (size > 2 ** 31 - 1) return done("too large", false);
  const v = vmalloc(flags);
  return done("vmalloc", v.ptr !== null, v);
}
