// Per-cell metrics, named as /proc/vmstat, debugfs and mmtests name them (docs/workloads.md lists
// them all): allocation attempts, successes and failures per order; success percentages; LLFree's
// free huge blocks against free pages / 512; the unusable free space and extfrag indices per order
// and zone (mm/vmstat.c, kernel integer arithmetic: bindings/mm/fragmentation.ts); the node's
// fragmentation score (mm/compaction.c fragmentation_score_node); mixed pageblocks (mm/page_owner.c
// pagetypeinfo_showmixedcount_print); fallbacks; the 6.18 kernel model's /proc/vmstat events. The
// Recorder counts requests as a workload makes them and samples the time series every K operations.

import type { Machine } from "../engine/machine.js";
import type { ResolvedZone } from "../include/machine.js";
import { MIGRATETYPE_NAMES, MigrateType, PAGE_ALLOC_COSTLY_ORDER } from "../include/linux/mmzone.js";
import { contigPageInfoByOrder, extfragForOrder, extfragFromInfo, unusableFromInfo } from "../mm/fragmentation.js";
import type { BlockVisitor, Placement } from "./policies/types.js";

export type { BlockVisitor };
export { engineBlocks } from "./policies/engine.js";

export type MetricValue = number | number[] | Record<string, number>;

/** Rounds a percentage or ratio to 3 decimals (the results files stay short and exact to compare). */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The name a zone's metrics carry: its type on node 0 ("Normal"), "node1.Normal" elsewhere. */
export function zoneLabel(z: Pick<ResolvedZone, "node" | "type">): string {
  return z.node === 0 ? z.type : `node${z.node}.${z.type}`;
}

/** The order of a 2 MiB block (LLFree's huge frame; HPAGE_PMD_ORDER on x86-64 with 4 KiB pages: 9),
 *  at most the machine's top order. */
export function hugeOrder(pageSize: number, maxOrder: number): number {
  return Math.min(Math.max(0, Math.round(Math.log2((2 * 1024 * 1024) / pageSize))), maxOrder - 1);
}

/** Free blocks of the huge order or larger, in huge-order units: Σ_{o ≥ h} nr_free[o] << (o - h). */
export function freeHugeBlocks(nrFree: readonly number[], huge: number): number {
  let n = 0;
  for (let o = huge; o < nrFree.length; o++) n += nrFree[o] * 2 ** (o - huge);
  return n;
}

/** mm/compaction.c fragmentation_score_node, 6.18: Σ over populated zones of
 *  present_pages * extfrag_for_order(zone, COMPACTION_HPAGE_ORDER) / (node_present_pages + 1). */
export function fragmentationScoreNode(
  zones: readonly { presentPages: number; nrFree: readonly number[] }[],
  order: number,
): number {
  const populated = zones.filter((z) => z.presentPages > 0);
  const nodePresent = populated.reduce((s, z) => s + z.presentPages, 0);
  let score = 0;
  for (const z of populated)
    score += Math.floor((z.presentPages * extfragForOrder(z.nrFree, order)) / (nodePresent + 1));
  return score;
}

/**
 * Mixed pageblocks as mm/page_owner.c pagetypeinfo_showmixedcount_print counts them (6.18): a
 * pageblock is mixed when an allocated page in it was requested with a migratetype other than the
 * pageblock's; it is counted once, under the pageblock's migratetype (a CMA pageblock under
 * Movable). Free pages never make a block mixed. Returns counts by migratetype name and "total".
 */
export function mixedPageblocks(
  pageblockTypes: ArrayLike<number>,
  pageblockOrder: number,
  basePfn: number,
  forEachBlock: (visit: BlockVisitor) => void,
): Record<string, number> {
  const mixed = new Uint8Array(pageblockTypes.length);
  forEachBlock((pfn, order, mt) => {
    const pages = 2 ** order;
    const first = (pfn - basePfn) >> pageblockOrder;
    const last = (pfn - basePfn + pages - 1) >> pageblockOrder;
    for (let b = first; b <= last; b++) if (pageblockTypes[b] !== mt) mixed[b] = 1;
  });
  const out: Record<string, number> = { total: 0 };
  for (const name of MIGRATETYPE_NAMES) out[name] = 0;
  for (let b = 0; b < mixed.length; b++) {
    if (!mixed[b]) continue;
    const t = pageblockTypes[b] === MigrateType.CMA ? MigrateType.Movable : pageblockTypes[b];
    out[MIGRATETYPE_NAMES[t] ?? String(t)]++;
    out.total++;
  }
  return out;
}

/** Pageblocks holding allocated pages requested with two or more different migratetypes (defined for
 *  both eras: 2.6.11 keeps no pageblock migratetype, so this is the measure of mixing it shares with 6.18). */
export function pageblocksMultiType(
  nrPageblocks: number,
  pageblockOrder: number,
  basePfn: number,
  forEachBlock: (visit: BlockVisitor) => void,
): number {
  // bit mt of seen[b]: a block requested as mt lies in pageblock b
  const seen = new Uint8Array(nrPageblocks);
  forEachBlock((pfn, order, mt) => {
    const first = (pfn - basePfn) >> pageblockOrder;
    const last = (pfn - basePfn + 2 ** order - 1) >> pageblockOrder;
    for (let b = first; b <= last; b++) seen[b] |= 1 << mt;
  });
  let n = 0;
  for (let b = 0; b < seen.length; b++) if (seen[b] & (seen[b] - 1)) n++;
  return n;
}

/** The populated zones (present pages: populated_zone) of each node, nodes in order. */
function populatedByNode(zones: readonly ResolvedZone[]): [number, ResolvedZone[]][] {
  const byNode = new Map<number, ResolvedZone[]>();
  for (const z of zones) if (z.presentPages > 0) byNode.set(z.node, [...(byNode.get(z.node) ?? []), z]);
  return [...byNode].sort((a, b) => a[0] - b[0]);
}

/** Counts requests per order as a workload makes them and samples the time series. */
export class Recorder {
  readonly attempts: number[];
  readonly successes: number[];
  readonly failures: number[];
  /** Simulated operations: allocation requests and the frees a workload asks for. */
  ops = 0;
  readonly series: Record<string, number[]> = {};
  private nextSample: number;
  private readonly zones: ResolvedZone[];

  constructor(
    private readonly m: Placement,
    readonly sampleEvery: number,
  ) {
    const orders = m.machine.maxOrder;
    this.attempts = new Array<number>(orders).fill(0);
    this.successes = new Array<number>(orders).fill(0);
    this.failures = new Array<number>(orders).fill(0);
    this.zones = m.machine.zones.filter((z) => z.managedPages > 0);
    this.nodes = populatedByNode(m.machine.zones);
    this.nextSample = sampleEvery > 0 ? sampleEvery : Number.POSITIVE_INFINITY;
    if (sampleEvery > 0) this.sample();
  }

  /** High-order (above PAGE_ALLOC_COSTLY_ORDER) attempts and successes by workload phase, in the
   *  order the phases began (stress-highalloc reports its passes so). */
  readonly phases: { name: string; attempts: number; successes: number }[] = [];
  private current: { name: string; attempts: number; successes: number } | null = null;

  /** Starts a phase of the workload (named in docs/workloads.md). */
  phase(name: string): void {
    this.current = { name, attempts: 0, successes: 0 };
    this.phases.push(this.current);
  }

  /** One allocation request of an order and whether it got its block; counts one operation. */
  alloc(order: number, ok: boolean): void {
    this.attempts[order]++;
    if (ok) this.successes[order]++;
    else this.failures[order]++;
    if (order > PAGE_ALLOC_COSTLY_ORDER && this.current) {
      this.current.attempts++;
      if (ok) this.current.successes++;
    }
    if (++this.ops >= this.nextSample) this.tick();
  }

  /** Simulated milliseconds each order's requests took (kernel model only; null elsewhere): the
   *  sum and the longest. The slow path's retries sleep (schedule_timeout), reclaim does not. */
  latencySum: number[] | null = null;
  latencyMax: number[] | null = null;

  /** The simulated time one request of an order took (counted by alloc, not here). */
  latency(order: number, ms: number): void {
    if (!this.latencySum || !this.latencyMax) {
      this.latencySum = new Array<number>(this.attempts.length).fill(0);
      this.latencyMax = new Array<number>(this.attempts.length).fill(0);
    }
    this.latencySum[order] += ms;
    if (ms > this.latencyMax[order]) this.latencyMax[order] = ms;
  }

  private readonly nodes: [number, ResolvedZone[]][];

  /** A free (or another request that is not an allocation): counts one operation. */
  free(): void {
    if (++this.ops >= this.nextSample) this.tick();
  }

  /** Operations until the next sample is due (Infinity without sampling). */
  get untilSample(): number {
    return this.nextSample - this.ops;
  }

  private tick(): void {
    while (this.ops >= this.nextSample) {
      this.sample();
      this.nextSample += this.sampleEvery;
    }
  }

  private push(name: string, v: number): void {
    const s = this.series[name];
    if (s) s.push(v);
    else this.series[name] = [v];
  }

  /** One sample: ops; per zone free pages, min/low/high (with boost) and the unusable index at the
   *  huge order; free blocks per order summed over zones. Reads counters only (no list walk). */
  sample(): void {
    const m = this.m;
    const huge = hugeOrder(m.machine.pageSize, m.machine.maxOrder);
    const nrFree = new Array<number>(m.machine.maxOrder).fill(0);
    this.push("ops", this.ops);
    for (const z of this.zones) {
      const c = m.counters(z.slot);
      const label = zoneLabel(z);
      const w = z.watermarks;
      this.push(`free_pages.${label}`, c.freePages);
      this.push(`min.${label}`, w.min + c.watermarkBoost);
      this.push(`low.${label}`, w.low + c.watermarkBoost);
      this.push(`high.${label}`, w.high + c.watermarkBoost);
      this.push(`unusable_index_order${huge}.${label}`, unusableFromInfo(contigPageInfoByOrder(c.nrFree)[huge], huge));
      c.nrFree.forEach((n, o) => {
        nrFree[o] += n;
      });
    }
    for (let o = 0; o < nrFree.length; o++) this.push(`nr_free.${o}`, nrFree[o]);
    for (const [node, zones] of this.nodes)
      this.push(
        `fragmentation_score.node${node}`,
        fragmentationScoreNode(
          zones.map((z) => ({ presentPages: z.presentPages, nrFree: m.counters(z.slot).nrFree })),
          huge,
        ),
      );
  }
}

/** What the cell's end state and counters give, besides the recorder's counts. */
export interface FinalInputs {
  /** The allocated blocks with their requested migratetypes (default: the engine's records). */
  blocks?: (visit: BlockVisitor) => void;
  /** The 6.18 kernel model's /proc/vmstat events and simulated time, when the cell ran on it. */
  vm?: Record<string, number>;
  simMs?: number;
}

/** The metrics of a cell at its end (docs/workloads.md, Metrics). */
export function cellMetrics(m: Placement, rec: Recorder, o: FinalInputs = {}): Record<string, MetricValue> {
  const r = m.machine;
  const out: Record<string, MetricValue> = {};
  out.ops = rec.ops;
  out.attempts = [...rec.attempts];
  out.successes = [...rec.successes];
  out.failures = [...rec.failures];
  const pct: Record<string, number> = {};
  let hiAttempts = 0;
  let hiSuccesses = 0;
  rec.attempts.forEach((a, order) => {
    if (a === 0) return;
    pct[String(order)] = round3((rec.successes[order] * 100) / a);
    if (order > PAGE_ALLOC_COSTLY_ORDER) {
      hiAttempts += a;
      hiSuccesses += rec.successes[order];
    }
  });
  out.success_pct = pct;
  if (hiAttempts > 0) out.high_order_success_pct = round3((hiSuccesses * 100) / hiAttempts);
  const byPhase: Record<string, number> = {};
  for (const ph of rec.phases) if (ph.attempts > 0) byPhase[ph.name] = round3((ph.successes * 100) / ph.attempts);
  if (Object.keys(byPhase).length > 0) out.high_order_success_pct_by_phase = byPhase;
  if (rec.latencySum && rec.latencyMax) {
    out.alloc_latency_ms_sum = [...rec.latencySum];
    out.alloc_latency_ms_max = [...rec.latencyMax];
  }

  const huge = hugeOrder(r.pageSize, r.maxOrder);
  const zones = r.zones.filter((z) => z.managedPages > 0);
  let freePages = 0;
  let hugeBlocks = 0;
  let fallbacks = 0;
  let fragmenting = 0;
  for (const z of zones) {
    const s = m.counters(z.slot);
    const label = zoneLabel(z);
    freePages += s.freePages;
    hugeBlocks += freeHugeBlocks(s.nrFree, huge);
    fallbacks += m.zoneFallbacks(z.slot);
    fragmenting += m.zoneFallbacksFragmenting(z.slot);
    const info = contigPageInfoByOrder(s.nrFree);
    out[`free_pages.${label}`] = s.freePages;
    out[`nr_free.${label}`] = s.nrFree;
    out[`unusable_index.${label}`] = info.map((i, order) => unusableFromInfo(i, order));
    out[`extfrag_index.${label}`] = info.map((i, order) => extfragFromInfo(i, order, s.nrFree.length));
  }
  out.free_pages = freePages;
  out.huge_order = huge;
  out.free_huge_blocks = hugeBlocks;
  out.free_huge_ideal = Math.floor(freePages / 2 ** huge);
  if (out.free_huge_ideal > 0) out.free_huge_ratio = round3(hugeBlocks / out.free_huge_ideal);
  for (const [node, list] of populatedByNode(r.zones))
    out[`fragmentation_score.node${node}`] = fragmentationScoreNode(
      list.map((z) => ({ presentPages: z.presentPages, nrFree: m.counters(z.slot).nrFree })),
      huge,
    );
  out.extfrag_fallbacks = fallbacks;
  // trace-pagealloc-postprocess's split by change_ownership: claimed pageblocks against steals
  out.extfrag_change_ownership = Math.min(m.fallbacks().changeOwnership, fallbacks);
  out.extfrag_steal = fallbacks - out.extfrag_change_ownership;
  // and by fragmenting (fallback_order < pageblock_order): the events that leave a pageblock mixed
  out.extfrag_fragmenting = fragmenting;

  const blocks = o.blocks ?? m.blocks() ?? (() => {});
  const nrPageblocks = Math.ceil(r.nrPages / 2 ** r.pageblockOrder);
  out.pageblocks_multi_type = pageblocksMultiType(nrPageblocks, r.pageblockOrder, r.basePfn, blocks);
  const types = m.pageblockTypes();
  if (types && !r.mobilityDisabled) out.mixed_pageblocks = mixedPageblocks(types, r.pageblockOrder, r.basePfn, blocks);

  if (o.vm) {
    for (const [name, v] of Object.entries(o.vm)) out[name] = v;
    const stall = o.vm.compact_stall ?? 0;
    if (stall > 0) out.compact_efficiency_pct = round3(((o.vm.compact_success ?? 0) * 100) / stall);
  }
  if (o.simMs !== undefined) out.sim_ms = o.simMs;
  return out;
}

/** The letters of the pageblock map, by migratetype number (MIGRATETYPE_NAMES' initials). */
export const PAGEBLOCK_LETTERS = "UMRHCI";

/**
 * The final pageblock map: one character per pageblock, pfn order (docs/workloads.md, Pageblock map).
 * With pageblock migratetypes (6.1 and 6.18, grouping by mobility on): the pageblock's migratetype as a letter
 * of PAGEBLOCK_LETTERS, lower case when every present page of it is free. Without them (2.6.11, or
 * mobility off): the letter of the migratetype its allocated blocks were requested with, "X" when they
 * were requested with two or more, "-" when it is wholly free, "#" when it holds neither an allocated
 * block nor only free pages (reserved pages). "." for a pageblock with no present page (a hole).
 * Without pageblock migratetypes the unit is the huge order's block when that is smaller than the
 * engine's pageblock (2.6.11 has no pageblocks; its engine value is MAX_ORDER - 1), so that the maps of
 * both eras line up.
 */
export function pageblockMap(m: Machine, blocks: (visit: BlockVisitor) => void): string {
  const r = m.machine;
  const abi = m.engineAbi;
  const typed = r.era !== "2.6.11" && !r.mobilityDisabled;
  const pbOrder = typed ? r.pageblockOrder : Math.min(r.pageblockOrder, hugeOrder(r.pageSize, r.maxOrder));
  const n = Math.ceil(r.nrPages / 2 ** pbOrder);
  const present = new Uint32Array(n);
  const free = new Uint32Array(n);
  const u16 = m.engineViews.u16;
  const at = m.engineExports.infoPtr() >>> 1;
  for (let idx = 0; idx < r.nrPages; idx++) {
    const info = u16[at + idx];
    const state = (info >>> abi.STATE_SHIFT) & abi.STATE_MASK;
    if (state === abi.STATE_HOLE) continue;
    present[idx >> pbOrder]++;
    if (state !== abi.STATE_FREE) continue;
    // a free block's head: its 2^order pages are free (a block of order > pageblock_order spans several)
    const end = Math.min(idx + 2 ** (info & abi.ORDER_MASK), r.nrPages);
    for (let p = idx; p < end; p++) free[p >> pbOrder]++;
  }
  const types = typed ? m.pageblockTypes() : null;
  const requested = new Uint8Array(n); // bit mt: a block requested as mt lies in the pageblock
  if (!typed)
    blocks((pfn, order, mt) => {
      const first = (pfn - r.basePfn) >> pbOrder;
      const last = (pfn - r.basePfn + 2 ** order - 1) >> pbOrder;
      for (let b = first; b <= last; b++) requested[b] |= 1 << mt;
    });
  let out = "";
  for (let b = 0; b < n; b++) {
    const wholly = present[b] > 0 && free[b] === present[b];
    if (present[b] === 0) out += ".";
    else if (types) {
      const c = PAGEBLOCK_LETTERS[types[b]] ?? "?";
      out += wholly ? c.toLowerCase() : c;
    } else if (wholly) out += "-";
    else if (requested[b] === 0) out += "#";
    else if (requested[b] & (requested[b] - 1)) out += "X";
    else out += PAGEBLOCK_LETTERS[31 - Math.clz32(requested[b])] ?? "?";
  }
  return out;
}
