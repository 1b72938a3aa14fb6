// Builds the simulated 2.6.11 kernel of a validated scenario (schema.ts): the machine, its tasks,
// swap, the physical layout of its memory and the reclaim state at t = 0.
//
// Layout: every page of a zone starts allocated to the kernel; runs then give pages to slab, page
// tables, the LRU (with an owner task or the page cache) or free them. Free pages are freed in
// ascending pfn order, so they coalesce exactly as the buddy allocator would.

import { OomlabError } from "../errors.js";
import { Kernel2611, OWNER, type KernelOptions } from "../linux-2.6.11/kernel.js";
import type { ZoneType } from "../include/linux/mmzone.js";
import type { BatchOp } from "../engine/machine.js";
import { bad, type LayoutRun, type LruSpec, type Scenario } from "./schema.js";

/** Pages of one layout run, in ascending order. */
function* runPages(r: LayoutRun): Generator<number, void, void> {
  const bp = r.blockPages ?? 1;
  const step = r.step ?? bp;
  for (let b = 0; b < (r.count ?? 1); b++) for (let p = 0; p < bp; p++) yield r.at + b * step + p;
}

/** What the layout made of a page frame (applyLayout's map, one byte per frame of the machine). */
const PLACED = 1;
const TO_FREE = 2;
/** Free operations per engine batch when the layout frees its free pages. */
const FREE_BATCH = 4096;

/** Builds the kernel, its tasks and the memory layout of a scenario; opts adds what the scenario
 *  does not say (what the kernel log keeps). */
export function buildKernel(sc: Scenario, opts: Pick<KernelOptions, "logLimits"> = {}): Kernel2611 {
  const pageKb = (sc.machine.pageSize ?? 4096) / 1024;
  const swapTotal = Math.floor((sc.swap?.totalKb ?? 0) / pageKb);
  const k = new Kernel2611(sc.machine, {
    hz: sc.hz,
    nrCpus: sc.nrCpus,
    swapTotalPages: swapTotal,
    swapFreePages: swapTotal - Math.floor((sc.swap?.usedKb ?? 0) / pageKb),
    swapCache: sc.swap?.cache,
    uptimeSec: sc.uptimeSec,
    logLimits: opts.logLimits,
  });
  for (const t of sc.tasks) {
    k.tasks.push({
      pid: t.pid,
      comm: t.comm.slice(0, 15),
      ppid: t.ppid ?? 0,
      uid: t.uid ?? 0,
      euid: t.euid ?? t.uid ?? 0,
      nice: t.nice ?? 0,
      capSysAdmin: t.capSysAdmin ?? false,
      capSysRawio: t.capSysRawio ?? false,
      mm: t.kernelThread ? null : t.pid,
      totalVm: t.totalVm ?? 0,
      rss: 0,
      startTimeSec: t.startTimeSec ?? 0,
      cpuJiffies: t.cpuJiffies ?? 0,
      oomkilladj: t.oomkilladj ?? 0,
      rt: t.rt ?? false,
    });
    if (t.swappedPages) k.noteSwapped(t.pid, t.swappedPages);
  }
  // A task's resident pages are the layout's pages it owns (one count per page placed, rather than
  // a walk of the whole machine per task).
  const owned = applyLayout(k, sc);
  for (const t of k.tasks) t.rss = owned.get(t.pid) ?? 0;
  for (const [type, st] of Object.entries(sc.zoneState ?? {})) {
    const lru = k.vmscan.zones.get(k.zoneSlot(type as ZoneType));
    if (!lru || !st) bad(`zoneState names zone ${type}, which does not exist`);
    lru.nrScanActive = st.nrScanActive ?? 0;
    lru.nrScanInactive = st.nrScanInactive ?? 0;
    lru.pagesScanned = st.pagesScanned ?? 0;
  }
  return k;
}

/** Lays the scenario's pages out; returns the pages placed per owner. */
function applyLayout(k: Kernel2611, sc: Scenario): Map<number, number> {
  const m = k.machine;
  // Every managed page starts allocated to the kernel, in one engine call per zone.
  for (const z of m.machine.zones) {
    if (z.presentPages === 0) continue;
    if (m.allocAllOrder0(z.slot, 0, OWNER.kernel) !== z.managedPages)
      throw new OomlabError("OOMLAB_BAD_SPEC", `scenario: could not lay out zone ${z.type}`);
  }
  // One byte per page frame rather than a set and a list of pfns: a machine of 2^24 pages lays out
  // in 16 MiB, and its free pages are freed in ascending pfn order without sorting them.
  const placed = new Uint8Array(m.machine.nrPages);
  const base = m.machine.basePfn;
  const owned = new Map<number, number>();
  sc.layout.forEach((r, i) => {
    const zone = m.machine.zones.find((z) => z.type === (r.zone ?? "DMA") && z.node === 0);
    if (!zone || zone.presentPages === 0) bad(`layout[${i}] names zone ${r.zone ?? "DMA"}, which has no memory`);
    for (const off of runPages(r)) {
      if (off >= zone.managedPages)
        bad(`layout[${i}] reaches page ${off} of zone ${zone.type}, which manages ${zone.managedPages}`);
      const pfn = zone.startPfn + (zone.presentPages - zone.managedPages) + off;
      if (placed[pfn - base]) bad(`layout[${i}] places page ${off} of zone ${zone.type} a second time`);
      const owner = placePage(k, pfn, r, zone.slot);
      placed[pfn - base] = owner === null ? TO_FREE : PLACED;
      if (owner !== null) owned.set(owner, (owned.get(owner) ?? 0) + 1);
    }
  });
  let ops: BatchOp[] = [];
  for (let idx = 0; idx < placed.length; idx++) {
    if (placed[idx] !== TO_FREE) continue;
    ops.push({ op: "free", pfn: base + idx });
    if (ops.length === FREE_BATCH) {
      m.batch(ops);
      ops = [];
    }
  }
  if (ops.length) m.batch(ops);
  return owned;
}

/** Places one page of a run; returns the owner it now has in the engine, or null (a free page:
 *  applyLayout frees them all at the end, in ascending pfn order). */
function placePage(k: Kernel2611, pfn: number, r: LayoutRun, slot: number): number | null {
  const m = k.machine;
  if (r.kind === "free") return null;
  if (r.kind === "kernel") return OWNER.kernel;
  if (r.kind === "slab" || r.kind === "pagetables") {
    const owner = r.kind === "slab" ? OWNER.slab : OWNER.pagetables;
    m.setOwner(pfn, owner);
    return owner;
  }
  const owner = r.owner ?? OWNER.pagecache;
  m.setOwner(pfn, owner);
  const l = r.lru as LruSpec;
  k.vmscan.add(slot, {
    pfn,
    owner,
    anon: l.anon ?? false,
    mapped: l.mapped ?? false,
    hot: l.hot ?? false,
    dirty: l.dirty ?? false,
    writeback: false,
    swapCache: false,
    active: l.list === "active",
    locked: l.locked ?? false,
    busy: l.busy ?? false,
    fileMapped: l.fileMapped ?? false,
  });
  return owner;
}
