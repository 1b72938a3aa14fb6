// An ftrace kmem capture made ready for replay (the `trace` workload, bindings/sweep/workloads/trace.ts):
// its page events in compact typed arrays, each allocation paired with the free that ends it, and the
// /proc state before and after the capture. analyse/trace_capture.ts builds one from the text; the
// sweep cells read it (sweep/ may not import parse/ or analyse/, so the shape lives here). Plain data:
// typed arrays and numbers, structured-cloneable (a browser's worker can be handed one).

/** Event kinds of TraceEvents.kind. */
export const TRACE_ALLOC = 0;
export const TRACE_FREE = 1;

/** gfp of an allocation whose show_gfp_flags text names a flag 6.18 does not have. */
export const TRACE_GFP_UNKNOWN = 0xffffffff;

/** How a free event relates to the capture's allocations (TraceEvents.freeKind). */
export const FREE_PAIRED = 0;
/** The pfn's first event in the capture: a page allocated before tracing began. */
export const FREE_PRE_CAPTURE = 1;
/** A pfn seen before, but with no live allocation of that order (a missed event, an order mismatch). */
export const FREE_UNKNOWN = 2;

/**
 * The replayed events, in capture order. Allocations that failed (pfn 0, NULL page) are left out and
 * counted; an mm_page_free_batched of a page whose mm_page_free was just reported is a second report of
 * the same free (free_unref_folios calls free_pages_prepare, which traces mm_page_free, then traces
 * mm_page_free_batched: mm/page_alloc.c, 6.18), left out and counted; any other batched free is a free
 * of order 0. Extfrag events are counted, not replayed (they report a fallback inside an allocation).
 */
export interface TraceEvents {
  count: number;
  /** TRACE_ALLOC or TRACE_FREE. */
  kind: Uint8Array;
  pfn: Uint32Array;
  order: Uint8Array;
  /** Allocations: the migratetype printed (0 unmovable, 1 movable, 2 reclaimable); frees: FREE_*. */
  migratetype: Uint8Array;
  /** Allocations: the gfp mask with 6.18's bits, TRACE_GFP_UNKNOWN when the text has another name. */
  gfp: Uint32Array;
  /** Allocations: the index of the free event that ends it, -1 when still allocated at the end;
   *  frees: the index of the allocation it ends, -1 for a pre-capture or unknown free. */
  partner: Int32Array;
  /** Microseconds since the first event (capped at 2^32 - 1, 71 minutes). */
  timeUs: Uint32Array;
  /** The capture's line number of each event (1-based). */
  line: Uint32Array;
}

/** Counts of the capture (the `trace stats` counts and what pairing found). */
export interface TraceCounts {
  mm_page_alloc: number;
  mm_page_free: number;
  mm_page_free_batched: number;
  mm_page_alloc_extfrag: number;
  /** Extfrag events with fragmenting=1 and with change_ownership=1 (trace-pagealloc-postprocess's split). */
  extfragFragmenting: number;
  extfragChangeOwnership: number;
  /** Allocations that failed (not replayed). */
  failedAllocs: number;
  /** mm_page_free_batched events that repeat the mm_page_free of the same page (not replayed). */
  batchedDuplicates: number;
  /** Frees of pages allocated before the capture (the pfn's first event is a free): events and pages. */
  preCaptureFrees: number;
  preCapturePages: number;
  /** Frees of a pfn seen before with no live allocation of that order. */
  unknownFrees: number;
  /** Allocations still live at the end. */
  liveAtEnd: number;
  /** Malformed lines (warnings with line numbers in TraceCapture.warnings). */
  malformed: number;
}

/** One zone of /proc/zoneinfo with its free lists from /proc/pagetypeinfo (or buddyinfo). */
export interface TraceProcZone {
  node: number;
  /** The zone's name as printed ("DMA32"). */
  name: string;
  startPfn: number;
  spanned: number;
  present: number;
  managed: number;
  /** As zoneinfo prints them (boost included). */
  min: number;
  low: number;
  high: number;
  boost: number;
  /** Free blocks per order (buddyinfo). */
  nrFree: number[];
  /** Free blocks per migratetype (MIGRATETYPE_NAMES order) per order, from pagetypeinfo; null without it. */
  nrFreeByType: number[][] | null;
  /** Pageblocks per migratetype (MIGRATETYPE_NAMES order), from pagetypeinfo; null without it. */
  blocksByType: number[] | null;
  /** Pages on the zone's per-CPU lists (Σ of zoneinfo's pageset counts); null when none is printed. */
  pcpPages: number | null;
  /** zoneinfo's pagesets, one per CPU (count, high and batch as printed); absent or empty when none. */
  pagesets?: { cpu: number; count: number; high: number; batch: number }[];
}

/** The /proc files of one moment (before-* or after-*). */
export interface TraceProcState {
  pageblockOrder: number | null;
  zones: TraceProcZone[];
}

/** A trace_marker line of the capture ("tracing_mark_write: TEXT"): where it fell among the events. */
export interface TraceMarker {
  /** The text written ("oomlab: probe-start"). */
  text: string;
  /** Events (TraceEvents indices) before it: replaying events [0, events) stops at the marker. */
  events: number;
  /** The capture's line number (1-based). */
  line: number;
}

/** Markers kept per capture (a capture could be all markers). */
export const MAX_TRACE_MARKERS = 1000;

export interface TraceCapture {
  /** The name the capture was loaded under (the spec's path). */
  name: string;
  /** SHA-256 of the capture file's bytes (hex), when the loader computed it. */
  sha256: string | null;
  events: TraceEvents;
  counts: TraceCounts;
  /** The lowest and highest pfn of any replayed event (0, 0 without events). */
  minPfn: number;
  maxPfn: number;
  before: TraceProcState | null;
  after: TraceProcState | null;
  /** The trace_marker lines, in capture order (the first MAX_TRACE_MARKERS). */
  markers: TraceMarker[];
  /** The first warnings (line numbers of the capture or of a /proc file). */
  warnings: { file: string; line: number; message: string }[];
}
