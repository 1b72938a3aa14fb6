// trace: an ftrace kmem capture replayed (docs/workloads.md). The capture comes by name from
// sweep/trace_source.ts (loaded once per worker; a cell's input holds only its name), the machine from
// the before-* /proc files beside it (trace_state.ts), starting in an occupied state whose free blocks
// per order and migratetype match before-pagetypeinfo.
// - mode "requests": every mm_page_alloc is a request of its order, migratetype and gfp that the
//   simulated allocator places; it lives until the trace frees that pfn. On the engine alone
//   (get_page_from_freelist at the low mark, then at the min mark) or on the 6.18 kernel model (the
//   whole slow path: reclaim, compaction, kswapd, kcompactd; the trace's timestamps advance its clock).
// - mode "pinned": the trace's own pfns, in a buddy model of the free lists (trace_pinned.ts); the
//   start state keeps the pages the trace allocates first free and the pages it frees first allocated.
// Both compare the simulated free lists at the end with after-buddyinfo (per zone and order).

import { OomlabError } from "../../errors.js";
import type { MachineSpec, ResolvedZone } from "../../include/machine.js";
import { MigrateType } from "../../include/linux/mmzone.js";
import { gfpZone } from "../../include/linux/gfp.js";
import {
  FREE_PAIRED,
  FREE_PRE_CAPTURE,
  TRACE_ALLOC,
  TRACE_GFP_UNKNOWN,
  type TraceCapture,
  type TraceProcState,
  type TraceProcZone,
} from "../../include/trace_capture.js";
import type { Machine } from "../../engine/machine.js";
import { FolioKind } from "../../linux-6.18/include/linux/mm_inline.js";
import { GFP_618 } from "../../linux-6.18/mm/page_alloc.js";
import type { Kernel618 } from "../../linux-6.18/kernel.js";
import type { CellInput } from "../env.js";
import { EnginePlacement } from "../policies/engine.js";
import type { BlockVisitor, MetricValue, Recorder } from "../metrics.js";
import { zoneLabel } from "../metrics.js";
import { traceCapture } from "../trace_source.js";
import { WATERMARKS, type WatermarkName } from "./churn.js";
import { AllocFlags } from "../../mm/internal.js";
import { PinnedBuddy } from "./trace_pinned.js";
import {
  freeLayout,
  type LayoutConstraints,
  pageblockRuns,
  RUN_ORDER,
  RUN_ORDERS,
  type Run,
  traceMachine,
} from "./trace_state.js";
import { defineWorkload } from "./types.js";

/** Owner of the pages allocated before the capture (the occupied part of the start state). */
export const OWNER_PRE_CAPTURE = 0xfffffff8;
/** Owner of the blocks the replay allocates. */
export const OWNER_TRACE = 0xfffffff9;

const KERNEL_SYSCTLS = ["extfrag_threshold", "compaction_proactiveness", "defrag_mode", "swappiness"];

export interface TraceParams {
  trace: string;
  capture: TraceCapture;
  mode: "requests" | "pinned";
  model: "auto" | "engine" | "kernel";
  /** Movable blocks as anonymous or file LRU folios; "gfp" tells them apart by the request's gfp. */
  movableAs: "anon" | "file" | "gfp";
  events: number;
  watermark: WatermarkName;
  clock: boolean;
  freePercent: number;
  avoidFrom: number;
  /** The order of the pageblock runs of the start layout: "movable-first" (trace_state.ts RUN_ORDER), or
   *  "best-fit", per zone the order that places the most free pages (lab predict: x86's DMA zone has its
   *  Unmovable pageblock first, under the reserved pages, and its free order-10 blocks at the top). */
  runOrder: "movable-first" | "best-fit" | readonly number[];
  /** Machines with per-CPU lists: put before-zoneinfo's pageset counts on the lists at the start
   *  (seedPcp); absent or false: the lists start empty. */
  pcpStart?: boolean;
}

function raw(input: Omit<CellInput, "seed">): Record<string, unknown> {
  const p = input.workload?.params;
  return typeof p === "object" && p !== null ? p : {};
}

/** The model a cell runs on: pinned replays need no allocator; requests run on the 6.18 kernel model
 *  when asked (model "kernel") or, by default, when the cell sets a setting only the kernel model reads. */
function modelOf(input: Omit<CellInput, "seed">): "engine" | "kernel" {
  const r = raw(input);
  if (r.mode === "pinned") return "engine";
  if (r.model === "kernel" || r.model === "engine") return r.model;
  const kernelSetting =
    Object.keys(input.sysctl ?? {}).some((s) => KERNEL_SYSCTLS.includes(s)) ||
    input.config !== undefined ||
    input.thp !== undefined;
  return input.era !== "2.6.11" && kernelSetting ? "kernel" : "engine";
}

function captureOf(input: CellInput): TraceCapture {
  const name = raw(input).trace;
  if (typeof name !== "string" || name === "")
    throw new OomlabError("OOMLAB_BAD_ARGUMENT", "workload trace: parameter trace (the capture's path) is required");
  return traceCapture(name);
}

function beforeOf(cap: TraceCapture): TraceProcState {
  if (!cap.before)
    throw new OomlabError(
      "OOMLAB_BAD_ARGUMENT",
      `workload trace: ${cap.name} has no before-zoneinfo beside it (the machine is built from it)`,
    );
  return cap.before;
}

/** The before-* zone of a resolved zone (by node and name). */
function procZone(state: TraceProcState, z: ResolvedZone): TraceProcZone | undefined {
  return state.zones.find((p) => p.node === z.node && p.name === z.type);
}

/** A zone's start layout: pageblock runs and free blocks (pfn, order), and the blocks that did not fit. */
interface ZoneLayout {
  zone: ResolvedZone;
  runs: Run[];
  blocks: [number, number][];
  missing: number;
}

function layoutZones(
  m: MachineSpecResolved,
  before: TraceProcState,
  constraints: ((z: ResolvedZone) => LayoutConstraints) | null,
  freePercent = 100,
  runOrder: TraceParams["runOrder"] = "movable-first",
): ZoneLayout[] {
  if (runOrder === "best-fit") {
    // each zone with the order of its migratetype runs that leaves the fewest free pages unplaced (the
    // first such order of RUN_ORDERS): where the kernel's reserved pages and holes sit is not printed
    const tries = RUN_ORDERS.map((o) => layoutZones(m, before, constraints, freePercent, o));
    return tries[0].map((_, i) => tries.reduce((best, t) => (t[i].missing < best[i].missing ? t : best))[i]);
  }
  const order = runOrder === "movable-first" ? RUN_ORDER : runOrder;
  const scale = (n: number) => Math.floor((n * freePercent) / 100);
  const out: ZoneLayout[] = [];
  const top = m.maxOrder - 1;
  const grouped = m.era !== "2.6.11" && !m.mobilityDisabled;
  for (const z of m.zones) {
    if (z.managedPages === 0) continue;
    const pz = procZone(before, z);
    if (!pz) continue;
    const first = z.startPfn + (z.presentPages - z.managedPages);
    const end = z.startPfn + z.presentPages;
    const byType = grouped ? pz.nrFreeByType : null;
    const runs = byType
      ? pageblockRuns(
          { startPfn: z.startPfn, present: z.presentPages, blocksByType: pz.blocksByType },
          m.pageblockOrder,
          order,
        )
      : [{ mt: MigrateType.Movable, start: z.startPfn, end }];
    const c = constraints ? constraints(z) : null;
    const blocks: [number, number][] = [];
    let missing = 0;
    for (const run of runs) {
      const counts = (
        byType
          ? byType[run.mt].map((n, o) => n + (run.mt === MigrateType.Unmovable ? byType[MigrateType.HighAtomic][o] : 0))
          : pz.nrFree
      ).map(scale);
      const r = freeLayout(Math.max(first, run.start), Math.min(end, run.end), counts, top, c);
      blocks.push(...r.blocks);
      missing += r.missing.reduce((s, n, o) => s + n * 2 ** o, 0);
    }
    out.push({ zone: z, runs, blocks, missing });
  }
  return out;
}

type MachineSpecResolved = Machine["machine"];

/** Sets the runs' pageblock migratetypes in the engine (whole pageblocks inside the zone only). */
function setPageblocks(m: Machine, l: ZoneLayout): void {
  const r = m.machine;
  const ppb = 2 ** r.pageblockOrder;
  const zoneEnd = l.zone.startPfn + l.zone.spannedPages;
  for (const run of l.runs) {
    const s = Math.ceil(Math.max(run.start, l.zone.startPfn) / ppb) * ppb;
    const e = Math.min(Math.ceil(run.end / ppb) * ppb, Math.floor(zoneEnd / ppb) * ppb);
    if (e > s) m.engineExports.zoneSetPageblocks(l.zone.slot, s - r.basePfn, (e - s) / ppb, run.mt);
  }
}

/** Builds a layout in the engine: every page allocated (owner OWNER_PRE_CAPTURE), the pageblock types,
 *  then the free blocks freed. */
function realize(m: Machine, layouts: ZoneLayout[], freeBlocks: (l: ZoneLayout) => Iterable<[number, number]>): void {
  for (const l of layouts) {
    m.allocAllOrder0(l.zone.slot, MigrateType.Unmovable, OWNER_PRE_CAPTURE);
    if (m.machine.era !== "2.6.11") setPageblocks(m, l);
    for (const [pfn, order] of freeBlocks(l)) m.freeStrided(pfn, 1, 2 ** order, 2 ** order);
  }
}

/**
 * The pages on the per-CPU lists at the before state (zoneinfo's pagesets, `count` per CPU): free to the
 * kernel but in neither buddyinfo nor NR_FREE_PAGES (free_unref_page_commit adds to pcp->count only;
 * free_pcppages_bulk puts them back in the buddy lists, mm/page_alloc.c 6.1), so the layout holds them
 * as pre-capture pages; here each CPU's count of them is freed through the per-CPU free path
 * (freeFrozenPages) onto that CPU's lists, the first order-0 requests then take them as the kernel's
 * did. Which pfns they were is not printed: taken from the zone's top down, Movable pageblocks first
 * (where the kernel's recent frees of page cache and anonymous memory sit), one page of each aligned
 * pair whose other page stays allocated, so a drain gives back order-0 pages and merges nothing the
 * kernel's buddyinfo could not show. Returns the pages put on the lists.
 */
function seedPcp(m: Machine, layouts: readonly ZoneLayout[], before: TraceProcState): number {
  if (!m.hasPcp) return 0;
  const cpus = m.machine.percpuPagelists?.cpus ?? 1;
  const prev = m.cpu;
  let seeded = 0;
  for (const l of layouts) {
    const sets = procZone(before, l.zone)?.pagesets ?? [];
    const want = sets.filter((ps) => ps.cpu < cpus && ps.count > 0);
    if (want.length === 0) continue;
    const pre = (pfn: number) => m.blockAt(pfn)?.owner === OWNER_PRE_CAPTURE;
    const runs = [...l.runs].sort(
      (a, b) => Number(b.mt === MigrateType.Movable) - Number(a.mt === MigrateType.Movable),
    );
    const lo = l.zone.startPfn + (l.zone.presentPages - l.zone.managedPages);
    const pick: number[] = [];
    const need = want.reduce((s, ps) => s + ps.count, 0);
    for (const run of runs) {
      const top = Math.min(run.end, l.zone.startPfn + l.zone.presentPages);
      for (let pfn = (top - 2) & ~1; pfn >= Math.max(run.start, lo) && pick.length < need; pfn -= 2)
        if (pre(pfn) && pre(pfn + 1)) pick.push(pfn);
      if (pick.length >= need) break;
    }
    let i = 0;
    for (const ps of want) {
      m.setCpu(ps.cpu);
      for (let n = 0; n < ps.count && i < pick.length; n++, i++) m.free(pick[i]);
    }
    seeded += i;
  }
  if (seeded > 0) m.setCpu(prev);
  return seeded;
}

/** A /proc state with freePercent of its free blocks (floor, per order and migratetype): the start target. */
function scaledState(s: TraceProcState, freePercent: number): TraceProcState {
  if (freePercent === 100) return s;
  const scale = (n: number) => Math.floor((n * freePercent) / 100);
  return {
    ...s,
    zones: s.zones.map((z) => ({
      ...z,
      nrFree: z.nrFreeByType
        ? z.nrFreeByType[0].map((_, o) => (z.nrFreeByType as number[][]).reduce((a, row) => a + scale(row[o]), 0))
        : z.nrFree.map(scale),
    })),
  };
}

/** Σ over orders of |a - b| * 2^order (pages). */
function l1Pages(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let o = 0; o < Math.max(a.length, b.length); o++) s += Math.abs((a[o] ?? 0) - (b[o] ?? 0)) * 2 ** o;
  return s;
}

/** The comparison of simulated free blocks per zone and order with a /proc state. */
function compareWith(
  state: TraceProcState | null,
  zones: readonly ResolvedZone[],
  nrFree: (z: ResolvedZone) => number[],
  prefix: string,
  out: Record<string, MetricValue>,
): void {
  if (!state) return;
  let total = 0;
  for (const z of zones) {
    const pz = procZone(state, z);
    if (!pz || z.managedPages === 0) continue;
    const sim = nrFree(z);
    out[`${prefix}_diff.${zoneLabel(z)}`] = sim.map((n, o) => n - (pz.nrFree[o] ?? 0));
    const d = l1Pages(sim, pz.nrFree);
    out[`${prefix}_l1_pages.${zoneLabel(z)}`] = d;
    total += d;
  }
  out[`${prefix}_l1_pages`] = total;
}

/** How far the capture itself moved the free lists: before-* against after-* (capture_l1_pages), the
 *  yardstick of after_l1_pages (a replay that changed nothing would be off by this much). */
function captureChange(cap: TraceCapture, zones: readonly ResolvedZone[], out: Record<string, MetricValue>): void {
  const before = cap.before;
  const after = cap.after;
  if (!before || !after) return;
  compareWith(after, zones, (z) => procZone(before, z)?.nrFree ?? [], "capture", out);
  for (const z of zones) {
    delete out[`capture_diff.${zoneLabel(z)}`];
    const b = procZone(before, z)?.pcpPages;
    const a = procZone(after, z)?.pcpPages;
    if (typeof a === "number" && typeof b === "number") out[`pcp_pages_change.${zoneLabel(z)}`] = a - b;
  }
}

/** The allocated blocks for the mixed-pageblock metrics: the replay's (with their requested
 *  migratetypes) and the pre-capture pages (under their pageblock's type: they never count as mixing). */
function engineBlocksOf(m: Machine): (visit: BlockVisitor) => void {
  return (visit) => {
    const abi = m.engineAbi;
    const u16 = m.engineViews.u16;
    const u32 = m.engineViews.u32;
    const u8 = m.engineViews.u8;
    const info = m.engineExports.infoPtr() >>> 1;
    const next = m.engineExports.nextPtr() >>> 2;
    const pbs = m.engineExports.pageblocksPtr();
    const r = m.machine;
    for (let idx = 0; idx < r.nrPages; idx++) {
      const w = u16[info + idx];
      if (((w >>> abi.STATE_SHIFT) & abi.STATE_MASK) !== abi.STATE_ALLOC) continue;
      const mt =
        u32[next + idx] === OWNER_PRE_CAPTURE
          ? u8[pbs + (idx >> r.pageblockOrder)] & abi.PB_MT_MASK
          : (w >>> abi.MT_SHIFT) & abi.MT_MASK;
      visit(idx + r.basePfn, w & abi.ORDER_MASK, mt);
    }
  };
}

function traceCounts(cap: TraceCapture, out: Record<string, MetricValue>): void {
  const c = cap.counts;
  out.trace_extfrag_events = c.mm_page_alloc_extfrag;
  out.trace_extfrag_change_ownership = c.extfragChangeOwnership;
  out.trace_extfrag_fragmenting = c.extfragFragmenting;
  out.trace_failed_allocs = c.failedAllocs;
  out.trace_batched_duplicates = c.batchedDuplicates;
  out.trace_malformed_lines = c.malformed;
}

/** The default gfp of a migratetype when the trace's gfp text has a name 6.18 does not know. */
function defaultGfp(mt: number): number {
  if (mt === MigrateType.Movable) return GFP_618.GFP_HIGHUSER_MOVABLE;
  if (mt === MigrateType.Reclaimable) return GFP_618.GFP_KERNEL | GFP_618.__GFP_RECLAIMABLE;
  return GFP_618.GFP_KERNEL;
}

/** The LRU kind of a movable block. "gfp": an anonymous fault asks for a zeroed page (x86 overrides
 *  vma_alloc_zeroed_movable_folio, include/linux/highmem.h 6.18, with GFP_HIGHUSER_MOVABLE | __GFP_ZERO in
 *  its asm/page.h, not read here: the lab's 6.1 captures print GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO
 *  for them), page cache does not (filemap_alloc_folio with the mapping's gfp, mm/filemap.c): zeroed is anon. */
export function movableKind(as: TraceParams["movableAs"], gfp: number): number {
  if (as === "gfp") return gfp !== TRACE_GFP_UNKNOWN && gfp & GFP_618.__GFP_ZERO ? FolioKind.Anon : FolioKind.File;
  return as === "file" ? FolioKind.File : FolioKind.Anon;
}

function highestZoneOf(gfp: number): ReturnType<typeof gfpZone> {
  if (gfp === TRACE_GFP_UNKNOWN) return "Normal";
  try {
    return gfpZone(gfp, "6.18");
  } catch {
    return "Normal";
  }
}

function runRequests(
  m: Machine,
  k: Kernel618 | null,
  rec: Recorder,
  onFallback: (pfn: number) => void,
  p: TraceParams,
  out: Record<string, MetricValue>,
): (visit: BlockVisitor) => void {
  const cap = p.capture;
  const ev = cap.events;
  const before = beforeOf(cap);
  const r = m.machine;
  const layouts = layoutZones(r, before, null, p.freePercent, p.runOrder);
  realize(m, layouts, (l) => l.blocks);
  if (p.pcpStart) out.start_pcp_pages = seedPcp(m, layouts, before);
  const zones = r.zones.filter((z) => z.managedPages > 0);
  compareWith(scaledState(before, p.freePercent), zones, (z) => m.counters(z.slot).nrFree, "start", out);
  out.start_unplaced_pages = layouts.reduce((s, l) => s + l.missing, 0);

  const n = p.events > 0 ? Math.min(p.events, ev.count) : ev.count;
  const sim = new Int32Array(n).fill(-1); // simulated head pfn of each replayed allocation
  const simEvent = new Int32Array(r.nrPages).fill(-1); // replayed allocation held at a simulated head
  const base = r.basePfn;
  let reclaimed = 0;
  let migrated = 0;
  let ownFree = false;
  if (k) {
    const innerFree = k.freePages.bind(k);
    k.freePages = (pfn: number, order: number) => {
      const e = simEvent[pfn - base];
      if (e >= 0 && !ownFree) {
        sim[e] = -2; // reclaimed (or freed by the OOM killer) before the trace freed it
        simEvent[pfn - base] = -1;
        reclaimed++;
      }
      innerFree(pfn, order);
    };
    const innerMigrate = k.migrateFolio.bind(k);
    k.migrateFolio = (oldPfn: number, newPfn: number, order: number) => {
      innerMigrate(oldPfn, newPfn, order);
      const e = simEvent[oldPfn - base];
      if (e >= 0) {
        simEvent[oldPfn - base] = -1;
        simEvent[newPfn - base] = e;
        sim[e] = newPfn;
        migrated++;
      }
    };
  }
  const t0 = k ? k.clock.nowMs : 0;
  let requests = 0;
  let frees = 0;
  let preCapture = 0;
  let preCapturePages = 0;
  let unknown = 0;
  for (let i = 0; i < n; i++) {
    if (k && p.clock) {
      const due = t0 + Math.floor(ev.timeUs[i] / 1000);
      if (k.clock.nowMs < due) k.schedule(due - k.clock.nowMs);
    }
    const order = ev.order[i];
    if (ev.kind[i] === TRACE_ALLOC) {
      requests++;
      const mt = ev.migratetype[i] <= MigrateType.Reclaimable ? ev.migratetype[i] : MigrateType.Unmovable;
      let pfn: number;
      if (order >= r.maxOrder) {
        rec.alloc(Math.min(order, r.maxOrder - 1), false);
        continue;
      }
      if (k) {
        const gfp = ev.gfp[i] === TRACE_GFP_UNKNOWN ? defaultGfp(mt) : ev.gfp[i];
        const lru = mt === MigrateType.Movable;
        const kind = lru ? movableKind(p.movableAs, gfp) : FolioKind.Kernel;
        pfn = k.allocFolio(gfp, order, OWNER_TRACE, kind);
        if (pfn >= 0 && lru) k.folios.lruAdd(pfn - base);
      } else {
        pfn = allocAt(m, rec, onFallback, order, mt, highestZoneOf(ev.gfp[i]), p.watermark);
      }
      if (pfn >= 0) {
        sim[i] = pfn;
        simEvent[pfn - base] = i;
      }
      continue;
    }
    const kind = ev.migratetype[i];
    if (kind !== FREE_PAIRED) {
      if (kind === FREE_PRE_CAPTURE) {
        preCapture++;
        preCapturePages += 2 ** order;
      } else unknown++;
      continue;
    }
    const a = ev.partner[i];
    frees++;
    const pfn = a >= 0 && a < n ? sim[a] : -1;
    if (pfn < 0) continue; // failed in the simulation, or reclaimed: nothing to free
    sim[a] = -1;
    simEvent[pfn - base] = -1;
    if (k) {
      ownFree = true;
      k.freePages(pfn, order);
      ownFree = false;
    } else m.free(pfn);
    rec.free();
  }
  out.trace_requests = requests;
  out.trace_frees = frees;
  out.trace_precapture_frees = preCapture;
  out.trace_precapture_pages = preCapturePages;
  out.trace_unknown_frees = unknown;
  if (k) {
    out.trace_reclaimed_before_free = reclaimed;
    out.trace_migrated = migrated;
  }
  compareWith(cap.after, zones, (z) => m.counters(z.slot).nrFree, "after", out);
  captureChange(cap, zones, out);
  return engineBlocksOf(m);
}

/** A request on the engine's fast path (get_page_from_freelist) with the zones its gfp allows. */
function allocAt(
  m: Machine,
  rec: Recorder,
  onFallback: (pfn: number) => void,
  order: number,
  mt: number,
  highestZone: ReturnType<typeof gfpZone>,
  wmark: WatermarkName,
): number {
  const allocFlags =
    wmark === "min" ? AllocFlags.WMARK_MIN : wmark === "low" ? AllocFlags.WMARK_LOW : AllocFlags.WMARK_HIGH;
  const pfn = m.alloc({ order, migratetype: mt as MigrateType, highestZone, allocFlags });
  if (pfn >= 0) onFallback(pfn);
  rec.alloc(order, pfn >= 0);
  return pfn;
}

function runPinned(m: Machine, rec: Recorder, p: TraceParams, out: Record<string, MetricValue>) {
  const cap = p.capture;
  const ev = cap.events;
  const before = beforeOf(cap);
  const r = m.machine;
  const n = p.events > 0 ? Math.min(p.events, ev.count) : ev.count;
  // first events by pfn: pages allocated first must start free, pages freed first must start allocated
  const want = new Uint8Array(r.nrPages);
  const keep = new Uint8Array(r.nrPages);
  const seen = new Uint8Array(r.nrPages);
  for (let i = 0; i < n; i++) {
    const idx = ev.pfn[i] - r.basePfn;
    const size = 2 ** ev.order[i];
    if (idx < 0 || idx + size > r.nrPages) continue;
    const first = !seen[idx];
    if (!first) continue;
    for (let j = idx; j < idx + size; j++) {
      if (seen[j]) continue;
      seen[j] = 1;
      if (ev.kind[i] === TRACE_ALLOC) want[j] = 1;
      else keep[j] = 1;
    }
  }
  const prefix = (a: Uint8Array, z: ResolvedZone) => {
    const s = new Int32Array(z.spannedPages + 1);
    const o = z.startPfn - r.basePfn;
    for (let i = 0; i < z.spannedPages; i++) s[i + 1] = s[i] + a[o + i];
    return s;
  };
  const constraints = (z: ResolvedZone): LayoutConstraints => {
    const w = prefix(want, z);
    const kp = prefix(keep, z);
    const at = (s: Int32Array, from: number, to: number) =>
      s[Math.min(to - z.startPfn, z.spannedPages)] - s[Math.max(0, from - z.startPfn)];
    return { allocatedIn: (f, t) => at(kp, f, t), wantedIn: (f, t) => at(w, f, t), avoidWantedFrom: p.avoidFrom };
  };
  const layouts = layoutZones(r, before, constraints, p.freePercent, p.runOrder);
  const ppb = 2 ** r.pageblockOrder;
  const pbMt = new Uint8Array(Math.ceil(r.nrPages / ppb)).fill(MigrateType.Movable);
  for (const l of layouts)
    for (const run of l.runs)
      for (let pb = run.start; pb < run.end; pb += ppb) pbMt[Math.floor((pb - r.basePfn) / ppb)] = run.mt;
  const zones = r.zones.filter((z) => z.managedPages > 0);
  const buddy = new PinnedBuddy(
    r.basePfn,
    r.nrPages,
    r.maxOrder - 1,
    r.pageblockOrder,
    zones.map((z) => ({ start: z.startPfn, end: z.startPfn + z.spannedPages })),
    pbMt,
  );
  for (const l of layouts) for (const [pfn, order] of l.blocks) buddy.place(pfn, order);
  // pages the trace allocates first that the layout left allocated: freed one by one (they merge)
  let forced = 0;
  for (const z of zones) {
    const reserved = z.startPfn + (z.presentPages - z.managedPages);
    for (let pfn = reserved; pfn < z.startPfn + z.presentPages; pfn++) {
      const idx = pfn - r.basePfn;
      if (want[idx] && buddy.taken[idx]) {
        buddy.free(pfn, 0);
        forced++;
      }
    }
  }
  const zi = (z: ResolvedZone) => zones.indexOf(z);
  compareWith(scaledState(before, p.freePercent), zones, (z) => buddy.counts(zi(z)), "start", out);
  out.start_unplaced_pages = layouts.reduce((s, l) => s + l.missing, 0);
  out.start_forced_free_pages = forced;
  const conflictsAtStart = buddy.conflicts;

  let requests = 0;
  let frees = 0;
  let preCapture = 0;
  let preCapturePages = 0;
  let unknown = 0;
  for (let i = 0; i < n; i++) {
    const order = ev.order[i];
    if (ev.kind[i] === TRACE_ALLOC) {
      requests++;
      const c = buddy.conflicts;
      buddy.take(ev.pfn[i], order);
      rec.alloc(Math.min(order, r.maxOrder - 1), buddy.conflicts === c);
      continue;
    }
    const kind = ev.migratetype[i];
    if (kind === FREE_PAIRED) frees++;
    else if (kind === FREE_PRE_CAPTURE) {
      preCapture++;
      preCapturePages += 2 ** order;
    } else unknown++;
    buddy.free(ev.pfn[i], order);
    rec.free();
  }
  out.trace_requests = requests;
  out.trace_frees = frees;
  out.trace_precapture_frees = preCapture;
  out.trace_precapture_pages = preCapturePages;
  out.trace_unknown_frees = unknown;
  out.pinned_conflicts = buddy.conflicts - conflictsAtStart;
  compareWith(cap.after, zones, (z) => buddy.counts(zi(z)), "after", out);
  captureChange(cap, zones, out);
  // the end state into the engine, for the usual metrics
  realize(m, layouts, (l) => {
    const list: [number, number][] = [];
    buddy.forEachFree((pfn, order) => {
      if (pfn >= l.zone.startPfn && pfn < l.zone.startPfn + l.zone.spannedPages) list.push([pfn, order]);
    });
    return list;
  });
  // the replay's live blocks with their requested migratetypes
  return (visit: BlockVisitor) => {
    for (let i = 0; i < n; i++)
      if (ev.kind[i] === TRACE_ALLOC && (ev.partner[i] < 0 || ev.partner[i] >= n))
        visit(ev.pfn[i], ev.order[i], Math.min(ev.migratetype[i], MigrateType.Reclaimable));
  };
}

export const trace = defineWorkload<TraceParams>({
  name: "trace",
  runsOn: "machine",
  engineOnly: true,
  runsOnFor: (input) => (modelOf(input) === "kernel" ? "kernel" : "machine"),
  machineFor(input): MachineSpec {
    const cap = captureOf(input);
    const s = input.sysctl ?? {};
    const formulas = s.min_free_kbytes !== undefined || s.watermark_scale_factor !== undefined;
    return traceMachine(beforeOf(cap), { ...input.machine, era: input.era }, formulas, `workload trace: ${cap.name}`);
  },
  parse(p) {
    const name = p.text("trace", null);
    const mode = p.oneOf("mode", "requests", ["requests", "pinned"] as const);
    const out: TraceParams = {
      trace: name,
      capture: traceCapture(name),
      mode,
      model: p.oneOf("model", "auto", ["auto", "engine", "kernel"] as const),
      movableAs: p.oneOf("movableAs", "anon", ["anon", "file", "gfp"] as const),
      events: p.int("events", 0, 0, 2 ** 31 - 1),
      watermark: p.oneOf("watermark", "low", WATERMARKS),
      clock: p.bool("clock", true),
      freePercent: p.int("freePercent", 100, 0, 100),
      avoidFrom: p.int("avoidWantedFrom", 16, 0, 16),
      runOrder: p.oneOf("runOrder", "movable-first", ["movable-first", "best-fit"] as const),
    };
    return out;
  },
  run({ placement, kernel, rec }, p) {
    // engineOnly: the placement is the engine's (a buddy policy), which counts the fallbacks
    if (!(placement instanceof EnginePlacement) || !placement.engine)
      throw new OomlabError("OOMLAB_BAD_ARGUMENT", "workload trace runs on the engine's buddy allocator only");
    const machine = placement.engine;
    const out: Record<string, MetricValue> = {};
    traceCounts(p.capture, out);
    if (p.mode === "pinned") {
      if (rec.sampleEvery > 0)
        throw new OomlabError(
          "OOMLAB_BAD_ARGUMENT",
          "workload trace: mode pinned has no time series (sampleEvery must be 0): its free lists are not the engine's",
        );
      rec.phase("replay");
      const blocks = runPinned(machine, rec, p, out);
      return { metrics: out, blocks };
    }
    rec.phase("replay");
    const blocks = runRequests(machine, kernel, rec, (pfn) => placement.checkFallback(pfn), p, out);
    return { metrics: out, blocks };
  },
});
