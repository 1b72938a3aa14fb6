// The structured events the simulation records (`oomlab replay --json`, `--trace`): one kind per
// decision or action of the simulated kernel and its callers, each with its own fields. Every event
// is { t, kind, ctx?, ...fields }, built in that order, the fields in the order the recording call
// gives them (listed here in that order; `--json` prints them so). KernelLog.event takes a kind and
// the fields of that kind, so a misspelt kind or field is a type error; readers narrow on kind.

import type { ZoneType } from "../include/linux/mmzone.js";

/** Every event kind, grouped by who records it. SimEvent is derived from this list. */
export const SIM_EVENT_KINDS = [
  // __alloc_pages and its slow path (mm/page_alloc.c 2.6.11)
  "alloc-attempt",
  "watermark",
  "alloc-ok",
  "alloc-fail",
  "reclaim",
  "retry-decision",
  // reclaim and kswapd (mm/vmscan.c 2.6.11)
  "reclaim-pass",
  "all-unreclaimable",
  "kswapd-wake",
  "kswapd-run",
  "kswapd-done",
  // the OOM killer (mm/oom_kill.c 2.6.11)
  "oom-select",
  "oom-kill",
  "oom-skip",
  "oom-panic",
  "oom-livelock",
  // printk (kernel/printk.c): every line the kernel log receives
  "printk",
  // __vmalloc (mm/vmalloc.c 2.6.11)
  "vmalloc",
  "vmalloc-out-of-space",
  "vmalloc-past-end",
  "vmalloc-fail",
  "vmalloc-array-free-mismatch",
  // XFS kmem_alloc (fs/xfs/linux-2.6/kmem.c) and the scenario's requests
  "kmem_alloc",
  "kmem_alloc-attempt",
  "livelock",
  // the scenario's tasks and background load
  "refault",
  "fork",
  "exit",
  "alloc_pages-request",
  "alloc_pages-done",
  // the 6.18 slow path (mm/page_alloc.c 6.18), named after the kernel functions
  "__alloc_pages_slowpath",
  "get_page_from_freelist",
  "__alloc_pages_direct_compact",
  "__alloc_pages_direct_reclaim",
  "unreserve_highatomic_pageblock",
  "drain_all_pages",
  "should_reclaim_retry",
  "should_compact_retry",
  "__alloc_pages_may_oom",
  "out_of_memory",
  "warn_alloc",
  "nopage",
  // reclaim, kswapd and kcompactd (mm/vmscan.c 6.18, classic LRU)
  "try_to_free_pages",
  "shrink_node",
  "wakeup_kswapd",
  "balance_pgdat",
  "kswapd_try_to_sleep",
  "wakeup_kcompactd",
  // compaction and kcompactd (mm/compaction.c 6.18)
  "compaction_suitable",
  "compaction_deferred",
  "compact_zone",
  "kcompactd_do_work",
  "proactive_compaction",
  // 6.18 callers (mm/slub.c, mm/vmalloc.c 6.18)
  "kmalloc",
  "__kvmalloc_node",
  "__vmalloc_node_range",
  // the log itself (sim/log.ts): where it dropped events to stay bounded
  "events-dropped",
] as const;

export type SimEventKind = (typeof SIM_EVENT_KINDS)[number];

/** Who is running when an event happens, when it is not the task the scenario follows: kswapd, or
 *  a timed scenario event (the background load). Recorded as the event's ctx. */
export type SimContext = "kswapd" | "kcompactd" | "background";

/** The zone watermarks (pages_min, pages_low, pages_high). */
export type WatermarkName = "min" | "low" | "high";

/** A task select_bad_process scored: its badness() points. */
export interface OomCandidateScore {
  pid: number;
  comm: string;
  points: number;
}

/** One priority pass of direct reclaim over the zonelist (try_to_free_pages, mm/vmscan.c 2.6.11). */
export interface DirectReclaimPass {
  who: "direct";
  priority: number;
  /** sc.nr_scanned and sc.nr_reclaimed of the pass. */
  scanned: number;
  reclaimed: number;
  order: number;
  /** zone->pages_scanned of each zone of the zonelist after the pass. */
  pagesScanned: number[];
}

/** One zone pass of kswapd (balance_pgdat, mm/vmscan.c 2.6.11). */
export interface KswapdReclaimPass {
  who: "kswapd";
  priority: number;
  /** The zone's slot in the machine (not its name). */
  zone: number;
  scanned: number;
  reclaimed: number;
  order: number;
  /** zone->pages_scanned after the pass. */
  pagesScanned: number;
}

/** __vmalloc gave up (mm/vmalloc.c 2.6.11): the pages array, or a page, was not allocated. */
export type VmallocFailure =
  | { reason: "pages array"; size: number; gfp: number }
  | { reason: "page"; size: number; gfp: number; got: number; nrPages: number };

/** One zone of should_reclaim_retry's loop (trace_reclaim_retry_zone, 6.18): would the request pass
 *  __zone_watermark_ok at the min mark if every reclaimable page were freed? */
export interface ReclaimRetryZone {
  zone: ZoneType;
  reclaimable: number;
  free: number;
  /** reclaimable + free. */
  available: number;
  min: number;
  ok: boolean;
}

/** The fields of each kind (besides t, kind and ctx), in the order the recording calls give them. */
export interface SimEventFields {
  /** __alloc_pages is entered: the zonelist it walks, by zone name. */
  "alloc-attempt": { gfp: number; order: number; owner: number; zones: ZoneType[] };
  /** zone_watermark_ok for one zone and pass, with the arithmetic in words (steps). pages is the mark;
   *  canTryHarder and gfpHigh are the reductions asked for; free is the zone's free pages. */
  watermark: {
    zone: ZoneType;
    order: number;
    mark: WatermarkName;
    pages: number;
    canTryHarder: boolean;
    gfpHigh: boolean;
    ok: boolean;
    free: number;
    steps: string[];
  };
  /** __alloc_pages returns a block; pass names the pass that served it ("low", "min after reclaim" ...). */
  "alloc-ok": { pfn: number; order: number; pass: string };
  /** __alloc_pages returns NULL; why says which rule gave up. */
  "alloc-fail": { gfp: number; order: number; why: string };
  /** try_to_free_pages returned: progress is 1 when one pass reclaimed SWAP_CLUSTER_MAX pages. */
  reclaim: { order: number; progress: number };
  /** The do_retry rule of __alloc_pages after reclaim. */
  "retry-decision": { order: number; progress: number; doRetry: boolean };
  "reclaim-pass": DirectReclaimPass | KswapdReclaimPass;
  /** kswapd marked a zone all_unreclaimable (zone is its slot in the machine). */
  "all-unreclaimable": { zone: number; pagesScanned: number };
  /** wakeup_kswapd woke kswapd for a zone and order. */
  "kswapd-wake": { zone: ZoneType; order: number };
  /** kswapd runs balance_pgdat for an order, and is done (reclaimed by its last loop). */
  "kswapd-run": { order: number };
  "kswapd-done": { order: number; reclaimed: number };
  /** out_of_memory chose a victim; swapoff: it was chosen as the swapoff(2) caller. */
  "oom-select": { candidates: OomCandidateScore[]; pid: number; comm: string; swapoff: boolean };
  /** A victim exited and freed its pages. */
  "oom-kill": { pid: number; comm: string; freedPages: number };
  /** A task was already dying: nobody killed (pid and comm: that task). */
  "oom-skip": { pid?: number; comm?: string; candidates: OomCandidateScore[] };
  /** No killable task: panic. */
  "oom-panic": { candidates: OomCandidateScore[] };
  /** The chosen task has no mm: the kernel would pick it for ever; the simulation stops. */
  "oom-livelock": { pid: number; comm: string };
  /** A printk: text without its final newline, possibly several lines. */
  printk: { text: string };
  /** __vmalloc mapped an area of pages order-0 pages. */
  vmalloc: { addr: number; size: number; gfp: number; pages: number };
  /** __get_vm_area found no hole (size includes the guard page). */
  "vmalloc-out-of-space": { size: number; largestFreeGap: number };
  /** 2.6.11's first-fit walk placed an area past VMALLOC_END (its unchecked last step). */
  "vmalloc-past-end": { addr: number; size: number; end: number };
  "vmalloc-fail": VmallocFailure;
  /** 2.6.11's __vunmap would kfree a vmalloc'd pages array (a kernel bug the simulation flags). */
  "vmalloc-array-free-mismatch": { addr: number; nrPages: number; got: number };
  /** The scenario's task calls XFS kmem_alloc (policy: an XFS kmem_alloc policy, flags: KM_*). */
  kmem_alloc: { policy: string; size: number; flags: number; pid: number; comm: string };
  /** One kmalloc or __vmalloc try of kmem_alloc; attempt counts from 1 within the call. */
  "kmem_alloc-attempt": {
    policy: string;
    size: number;
    gfp: number;
    attempt: number;
    via: "kmalloc" | "vmalloc";
    ok: boolean;
  };
  /** The simulator's bound stopped kmem_alloc's endless loop (simMs: time spent in the call). */
  livelock: { caller: "kmem_alloc"; policy: string; size: number; lflags: number; retries: number; simMs: number };
  /** A task read back pages page-cache pages reclaim had evicted. */
  refault: { pid: number; pages: number };
  /** A child forked: its kernel stack's pfn (-1 when it could not be allocated). */
  fork: { parent: number; stack: number };
  /** A child exited: its stack went back to the page allocator (freed) or to the thread_info cache. */
  exit: { parent: number; stack: number; freed: boolean };
  /** A scenario alloc_pages request, before and after __alloc_pages; attempt counts the requests of
   *  the task the scenario follows, or of the background load (ctx "background"). */
  "alloc_pages-request": { pid: number; comm: string; order: number; gfp: number; interrupt: boolean };
  "alloc_pages-done": {
    via: "alloc_pages";
    size: number;
    order: number;
    gfp: number;
    ok: boolean;
    pfn: number;
    attempt: number;
  };
  /** 6.18: the fast path failed; the slow path starts with gfp_to_alloc_flags' flags (ALLOC_*). */
  __alloc_pages_slowpath: {
    gfp: number;
    order: number;
    allocFlags: number;
    costly: boolean;
    canDirectReclaim: boolean;
    migratetype: number;
  };
  /** 6.18: one get_page_from_freelist call of the slow path; step names where it was called
   *  ("first", "retry", "after reclaim", "after drain", "oom high mark", "nofail"). */
  get_page_from_freelist: { step: string; order: number; allocFlags: number; ok: boolean; pfn: number };
  /** 6.18: a compaction attempt (early: the async one before reclaim) at a priority, its result. */
  __alloc_pages_direct_compact: {
    order: number;
    early: boolean;
    priority: string;
    result: string;
    ok: boolean;
    pfn: number;
  };
  /** 6.18: __perform_reclaim's progress (pages try_to_free_pages reclaimed), and whether the
   *  allocation after it (and after the drain) succeeded. */
  __alloc_pages_direct_reclaim: { order: number; progress: number; drained: boolean; ok: boolean };
  /** 6.18: unreserve_highatomic_pageblock (force: the last try before OOM); pages given back. */
  unreserve_highatomic_pageblock: { force: boolean; pages: number; ok: boolean };
  /** 6.18 with per-CPU lists: drain_all_pages(NULL) after direct reclaim; pages given back. */
  drain_all_pages: { pages: number };
  /** 6.18: should_reclaim_retry with each zone's check (MAX_RECLAIM_RETRIES 16). */
  should_reclaim_retry: {
    order: number;
    didProgress: boolean;
    noProgressLoops: number;
    zones: ReclaimRetryZone[];
    retry: boolean;
  };
  /** 6.18: should_compact_retry: priority before and after, retries against max (MAX_COMPACT_RETRIES). */
  should_compact_retry: {
    order: number;
    result: string;
    priority: string;
    newPriority: string;
    retries: number;
    maxRetries: number;
    retry: boolean;
  };
  /** 6.18: __alloc_pages_may_oom; exit names the rule that decided ("page at high mark", "costly order",
   *  "__GFP_RETRY_MAYFAIL|__GFP_THISNODE", "lowmem", "out_of_memory", "no victim"). */
  __alloc_pages_may_oom: { order: number; exit: string; progress: boolean; ok: boolean };
  /** 6.18: out_of_memory's victim (points: oom_badness). */
  out_of_memory: { pid: number; comm: string; points: number; freedPages: number; ok: boolean };
  /** 6.18: warn_alloc printed (lines) or was silenced (__GFP_NOWARN or ratelimit). */
  warn_alloc: { gfp: number; order: number; comm: string; printed: number };
  /** 6.18: the slow path gives up (nopage). */
  nopage: { gfp: number; order: number; why: string };
  /** 6.18: try_to_free_pages: the last priority, pages scanned and reclaimed. */
  try_to_free_pages: { order: number; reclaimIdx: number; priority: number; scanned: number; reclaimed: number };
  /** 6.18: one shrink_node (who: kswapd or direct) at a priority, with the slab pages freed. */
  shrink_node: {
    who: "kswapd" | "direct";
    node: number;
    priority: number;
    scanned: number;
    reclaimed: number;
    slab: number;
    scan: number[];
  };
  /** 6.18: wakeup_kswapd; woken false with the reason when it was not. */
  wakeup_kswapd: { node: number; order: number; highestZoneidx: number; woken: boolean; why: string };
  /** 6.18: balance_pgdat ended: reclaimed pages, the priority it reached, whether boosted, the order
   *  it finished at (kswapd_shrink_node drops to 0 after compact_gap), kswapd_failures. */
  balance_pgdat: {
    node: number;
    order: number;
    reclaimOrder: number;
    highestZoneidx: number;
    boosted: boolean;
    priority: number;
    reclaimed: number;
    failures: number;
  };
  /** 6.18: kswapd goes to sleep (full: until woken; else a short HZ/10 nap). */
  kswapd_try_to_sleep: { node: number; order: number; full: boolean };
  /** 6.18: wakeup_kcompactd (the hook decides what kcompactd does). */
  wakeup_kcompactd: { node: number; order: number; highestZoneidx: number };
  /** 6.18: compaction_suitable: the order-0 check at the mark plus compact_gap (mark, usable free
   *  pages, the lowmem reserve), and for costly orders the fragmentation index against
   *  extfrag_threshold (null when not computed); result is the trace name. */
  compaction_suitable: {
    slot: number;
    zone: ZoneType;
    order: number;
    mark: number;
    usable: number;
    reserve: number;
    fragindex: number | null;
    extfragThreshold: number;
    result: string;
  };
  /** 6.18: try_to_compact_pages passed over a zone whose compaction is deferred (compaction_deferred:
   *  considered of 1 << deferShift attempts). */
  compaction_deferred: { slot: number; zone: ZoneType; order: number; considered: number; deferShift: number };
  /** 6.18: one compact_zone pass (the engine's scanners): mode, result, blocks migrated, pages the two
   *  scanners looked at, the block captured for the requester (-1: none). */
  compact_zone: {
    slot: number;
    zone: ZoneType;
    order: number;
    mode: string;
    result: string;
    moves: number;
    migrateScanned: number;
    freeScanned: number;
    capturedPfn: number;
  };
  /** 6.18: kcompactd ran (kcompactd_do_work) for an order; pgmigrate_success moved pages. */
  kcompactd_do_work: { node: number; order: number; highestZoneidx: number; migrated: number };
  /** 6.18: proactive compaction of a node: the fragmentation score before and after. */
  proactive_compaction: { node: number; prevScore: number; score: number };
  /** 6.18: one kmalloc returned (mm/slub.c __do_kmalloc_node): gfp as it reached the page allocator
   *  (with __GFP_COMP for a large kmalloc), the cache ("" for a large kmalloc, above
   *  KMALLOC_MAX_CACHE_SIZE), order the last page allocation it made (-1: a slab had a free object). */
  kmalloc: { size: number; gfp: number; cache: string; order: number; ok: boolean };
  /** 6.18: __kvmalloc_node_noprof returned: the caller's flags, kmalloc_gfp_adjust's mask for the
   *  kmalloc, and how it ended ("kmalloc", "vmalloc", "sub-page", "non-blocking", "too large"). */
  __kvmalloc_node: { size: number; flags: number; kmallocGfp: number; exit: string; ok: boolean };
  /** 6.18: __vmalloc_node_range_noprof returned: order-0 pages mapped (nrPages), allocator calls
   *  (pageCalls), the address in hex ("" on failure) and the "vmalloc error" reason ("" on success). */
  __vmalloc_node_range: {
    size: number;
    gfp: number;
    nrPages: number;
    pageCalls: number;
    addr: string;
    ok: boolean;
    failure: string;
  };
  /** Stands for the events the log dropped to stay within its limits (sim/log.ts LogLimits): count
   *  events from t (the first one dropped) to lastT (the last one dropped). Never recorded by the
   *  simulation itself: KernelLog.events puts it between the first and the last events it kept. */
  "events-dropped": { count: number; lastT: number };
}

/** The fields every event has: simulated time in ms, the kind, and who ran when not the task the
 *  scenario follows. */
export interface SimEventBase<K extends SimEventKind> {
  t: number;
  kind: K;
  ctx?: SimContext;
}

/** Any recorded event: narrow on kind. */
export type SimEvent = { [K in SimEventKind]: SimEventBase<K> & SimEventFields[K] }[SimEventKind];

/** The event of one kind. */
export type SimEventOf<K extends SimEventKind> = Extract<SimEvent, { kind: K }>;

/** True for the kind names SIM_EVENT_KINDS lists. */
export function isSimEventKind(kind: string): kind is SimEventKind {
  return (SIM_EVENT_KINDS as readonly string[]).includes(kind);
}

/** The events of one kind, in order. */
export function eventsOfKind<K extends SimEventKind>(events: readonly SimEvent[], kind: K): SimEventOf<K>[] {
  return events.filter((e): e is SimEventOf<K> => e.kind === kind);
}
