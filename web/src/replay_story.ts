// The trace story of the Replay panel: the kernel events a replay records (sim/events.ts, the fields
// log.event is given) said in plain words, so that a learner can follow why an allocation failed. Only
// the decisions are told (kswapd woken, direct reclaim, compaction, the retry rules, the OOM killer,
// the failure); the chatty ones (every watermark check, every shrink_node pass, printk) are left out.
// No imports from the library: the browser tests check the story's kinds against Node's events.
import type { StoryEntry } from "./protocol.js";

const gfp = (g: unknown): string => `gfp 0x${Number(g).toString(16)}`;
type Fields = Record<string, unknown>;

/** Each told kind: its sentence (null: this one is not told, e.g. kswapd not woken). */
const TELL: Record<string, (f: Fields) => string | null> = {
  // 2.6.11 (mm/page_alloc.c __alloc_pages, mm/vmscan.c, mm/oom_kill.c)
  "alloc-fail": (f) => `__alloc_pages gives up on an order-${f.order} request (${gfp(f.gfp)}): ${f.why}`,
  reclaim: (f) => `direct reclaim (try_to_free_pages) for order ${f.order}: ${f.progress ? "progress" : "no progress"}`,
  "kswapd-wake": (f) => `kswapd is woken for zone ${f.zone}, order ${f.order}`,
  "kswapd-done": (f) => `kswapd is done: ${f.reclaimed} pages reclaimed`,
  "all-unreclaimable": () => "kswapd marks the zone all_unreclaimable: reclaim finds nothing more",
  "oom-select": (f) =>
    `the OOM killer chooses ${f.comm} (pid ${f.pid}) among ${(f.candidates as unknown[]).length} tasks`,
  "oom-kill": (f) => `${f.comm} (pid ${f.pid}) is killed: ${f.freedPages} pages freed`,
  "oom-skip": () => "the OOM killer waits: a task is already dying",
  "oom-panic": () => "no task can be killed: the kernel panics",
  "oom-livelock": (f) => `the OOM killer would pick ${f.comm} (pid ${f.pid}) for ever: livelock`,
  vmalloc: (f) => `vmalloc maps ${f.pages} order-0 pages for ${f.size} bytes`,
  "vmalloc-fail": (f) => `vmalloc fails (${f.reason})`,
  kmem_alloc: (f) => `${f.comm} (pid ${f.pid}) asks XFS kmem_alloc for ${f.size} bytes (policy ${f.policy})`,
  "kmem_alloc-attempt": (f) =>
    f.ok ? `kmem_alloc's ${f.via} of ${f.size} bytes succeeds` : `kmem_alloc's ${f.via} of ${f.size} bytes fails`,
  livelock: (f) => `kmem_alloc is still looping after ${f.retries} retries: the replay stops it (livelock)`,
  "alloc_pages-done": (f) =>
    `${f.ok ? "an order-" : "no order-"}${f.order} block for the alloc_pages request (${gfp(f.gfp)})` +
    (f.ok ? "" : ": it fails"),
  // 6.18 (mm/page_alloc.c, mm/vmscan.c, mm/compaction.c, mm/oom_kill.c)
  __alloc_pages_slowpath: (f) =>
    `the fast path fails for order ${f.order} (${gfp(f.gfp)}): __alloc_pages_slowpath` +
    (f.canDirectReclaim ? "" : ", which may not reclaim"),
  __alloc_pages_direct_compact: (f) =>
    `direct compaction for order ${f.order} (${f.priority}${f.early ? ", before reclaim" : ""}): ${f.result}` +
    (f.ok ? ", the block is allocated" : ""),
  __alloc_pages_direct_reclaim: (f) =>
    `direct reclaim for order ${f.order} reclaims ${f.progress} pages; the allocation then ` +
    (f.ok ? "succeeds" : "still fails"),
  unreserve_highatomic_pageblock: (f) =>
    f.pages ? `a highatomic reserve is given back (${f.pages} pages${f.force ? ", forced" : ""})` : null,
  drain_all_pages: (f) => (f.pages ? `the per-CPU lists are drained: ${f.pages} pages back` : null),
  should_reclaim_retry: (f) =>
    `should_reclaim_retry (${f.noProgressLoops} loops without progress): ` +
    (f.retry ? "retry" : "no: reclaim cannot make the request fit"),
  should_compact_retry: (f) =>
    `should_compact_retry (${f.result}, priority ${f.newPriority}): ${f.retry ? "retry" : "no"}`,
  __alloc_pages_may_oom: (f) => `__alloc_pages_may_oom: ${f.exit}`,
  out_of_memory: (f) =>
    f.ok
      ? `the OOM killer kills ${f.comm} (pid ${f.pid}, badness ${f.points}): ${f.freedPages} pages freed`
      : "the OOM killer finds no victim",
  warn_alloc: (f) =>
    f.printed
      ? `warn_alloc prints the page allocation failure report (order ${f.order}, ${f.comm})`
      : `the order-${f.order} failure of ${f.comm} is not reported (__GFP_NOWARN or rate limit)`,
  nopage: (f) => `the slow path gives up on order ${f.order}: ${f.why}`,
  wakeup_kswapd: (f) => (f.woken ? `kswapd is woken (order ${f.order})` : null),
  balance_pgdat: (f) => `kswapd's balance_pgdat reclaims ${f.reclaimed} pages (priority ${f.priority})`,
  wakeup_kcompactd: (f) => `kcompactd is woken for order ${f.order}`,
  compaction_deferred: (f) => `compaction of ${f.zone} for order ${f.order} is deferred`,
  compact_zone: (f) =>
    `compact_zone (${f.mode}) on ${f.zone} for order ${f.order}: ${f.result}, ${f.moves} blocks migrated`,
  kcompactd_do_work: (f) => `kcompactd compacts for order ${f.order}: ${f.migrated} pages migrated`,
  proactive_compaction: (f) => `proactive compaction: fragmentation score ${f.prevScore} -> ${f.score}`,
  kmalloc: (f) => (f.ok ? null : `kmalloc(${f.size}) fails (${gfp(f.gfp)})`),
  __kvmalloc_node: (f) => `kvmalloc of ${f.size} bytes ends by ${f.exit}${f.ok ? "" : ": it fails"}`,
  __vmalloc_node_range: (f) =>
    f.ok ? `vmalloc maps ${f.nrPages} order-0 pages at ${f.addr}` : `vmalloc fails: ${f.failure}`,
};

/** The kinds the story tells. */
export const TOLD_KINDS: readonly string[] = Object.keys(TELL);

/** Entries kept at most; the rest are counted (StoryLog.more). */
export const MAX_STORY = 2000;

/** The story as it is told: a repeat of the last sentence counts it again instead of a new line. */
export class StoryLog {
  readonly entries: StoryEntry[] = [];
  more = 0;

  tell(kind: string, fields: Fields, t: number, at: number, ctx: string | null): void {
    const say = TELL[kind];
    if (!say) return;
    const said = say(fields);
    if (said === null) return;
    const text = ctx ? `${ctx}: ${said}` : said;
    const last = this.entries[this.entries.length - 1];
    if (last && last.text === text) {
      last.times++;
      return;
    }
    if (this.entries.length >= MAX_STORY) this.more++;
    else this.entries.push({ t, at, kind, text, times: 1 });
  }
}
