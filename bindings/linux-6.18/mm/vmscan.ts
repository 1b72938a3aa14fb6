// Reclaim of the simulated 6.18 kernel (mm/vmscan.c 6.18 and do_shrink_slab of mm/shrinker.c), the
// classic LRU (CONFIG_LRU_GEN off; not MGLRU): try_to_free_pages from DEF_PRIORITY down,
// shrink_node / shrink_lruvec with get_scan_count and swappiness, shrink_inactive_list /
// shrink_folio_list, shrink_active_list with inactive_is_low, slab shrinking, and kswapd's
// balance_pgdat with watermark boost, kswapd_failures and the order drop after compact_gap.
//
// Simplifications, each said where it is made:
// - get_scan_count's anon and file costs (lru_note_cost: I/O and rotations) are 0, so SCAN_FRACT
//   divides by swappiness alone: fraction = [swappiness, 200 - swappiness]; no refault tracking
//   (workingset), so may_deactivate follows inactive_is_low only.
// - An anonymous folio reclaim swaps out is freed at once (the kernel writes it and frees it on a
//   later pass); pswpout counts its pages.
// - Dirty file folios are written by the flusher (wakeup_flusher_threads): reclaim marks them
//   PG_reclaim and activates them as the kernel does, and their writeback completes WRITEBACK_MS
//   later (Kernel618.startWriteback); kswapd's own pageout() of file folios is not modelled.
// - One shrinker stands for every slab cache: one object per reclaimable slab page, DEFAULT_SEEKS
//   2, SHRINK_BATCH 128, every scanned object freed.
// - referenced_ptes of folio_referenced is PG.young (1 or 0); VM_EXEC and VM_LOCKED are not modelled.

import type { Machine } from "../../engine/machine.js";
import type { KernelLog } from "../../sim/log.js";
import { explain618 } from "../../mm/watermark.js";
import { intSqrt } from "../../mm/mm_init.js";
import { SWAP_CLUSTER_MAX } from "../../include/linux/swap.js";
import { PAGE_ALLOC_COSTLY_ORDER, ZONE_TYPES } from "../../include/linux/mmzone.js";
import { FolioKind, type Folios, LRU, PG } from "../include/linux/mm_inline.js";
import { ALLOCSTALL_BY_ZONE, type VmEvents } from "./vmstat.js";
import type { CompactionHook } from "./hooks.js";
import { compactGap, DEF_PRIORITY, MAX_RECLAIM_RETRIES, MAX_SWAPPINESS } from "./internal.js";

/** __GFP_IO and GFP_KERNEL (include/linux/gfp_types.h 6.18). */
const GFP_IO = 0x40;
const GFP_KERNEL = 0xcc0;

/** DEFAULT_SEEKS and SHRINK_BATCH (include/linux/shrinker.h 6.18). */
const DEFAULT_SEEKS = 2;
const SHRINK_BATCH = 128;
/** ALLOC_CMA (mm/internal.h 6.18), for __compaction_suitable's check. */

/** struct scan_control (mm/vmscan.c 6.18), the fields the model uses. */
export interface ScanControl {
  nrToReclaim: number;
  gfpMask: number;
  reclaimIdx: number;
  order: number;
  priority: number;
  mayWritepage: boolean;
  mayUnmap: boolean;
  maySwap: boolean;
  /** may_deactivate: bit 0 anon, bit 1 file (DEACTIVATE_ANON, DEACTIVATE_FILE). */
  mayDeactivate: number;
  forceDeactivate: boolean;
  skippedDeactivate: boolean;
  cacheTrimMode: boolean;
  fileIsTiny: boolean;
  compactionReady: boolean;
  nrScanned: number;
  nrReclaimed: number;
  kswapd: boolean;
}

const DEACTIVATE_ANON = 1;
const DEACTIVATE_FILE = 2;

/** What reclaim needs from the kernel: memory users' accounting, swap and writeback. */
export interface VmscanKernel {
  readonly machine: Machine;
  readonly folios: Folios;
  readonly vm: VmEvents;
  readonly log: KernelLog;
  readonly compaction: CompactionHook;
  /** CONFIG_COMPACTION (gfp_compaction_allowed). */
  readonly configCompaction: boolean;
  /** vm.swappiness (0 .. 200). */
  readonly swappiness: number;
  /** get_nr_swap_pages(): free swap slots. */
  readonly swapFreePages: number;
  /** total_swap_pages (can_age_anon_pages: > 0). */
  readonly swapTotalPages: number;
  /** The folio leaves its users (unmapped, rss accounted) and goes back to the buddy allocator. */
  freeFolio(i: number): void;
  /** add_to_swap and the write: false when swap has no room for the folio's pages. On success the
   *  folio is freed and its owner holds swap entries. */
  swapOutFolio(i: number): boolean;
  /** The flusher starts writing a dirty file folio. */
  startWriteback(i: number): void;
  /** Reclaimable slab pages of a node, and freeing n of them (returns pages freed). */
  slabReclaimablePages(node: number): number;
  shrinkSlabPages(node: number, n: number): number;
  /** The node's zones with managed pages, by zone index. */
  nodeZones(node: number): number[];
}

/** lruvec_lru_size with a zone index: a node's pages on a list in zones up to zoneIdx. */
function lruSizeUpTo(k: VmscanKernel, node: number, lru: number, zoneIdx: number): number {
  let n = 0;
  for (const slot of k.nodeZones(node))
    if (k.machine.zone(slot).zoneIdx <= zoneIdx) n += k.folios.zoneLruPages(slot, lru);
  return n;
}

export class Vmscan618 {
  /** nr_deferred of the one shrinker, per node. */
  private readonly nrDeferred: number[];
  /** pgdat->kswapd_failures per node. */
  readonly kswapdFailures: number[];

  constructor(
    private readonly k: VmscanKernel,
    nrNodes: number,
  ) {
    this.nrDeferred = new Array<number>(nrNodes).fill(0);
    this.kswapdFailures = new Array<number>(nrNodes).fill(0);
  }

  /** zone_reclaimable_pages (mm/vmscan.c 6.18): file LRU pages, and anon ones when swap has room
   *  (can_reclaim_anon_pages: get_nr_swap_pages() > 0). */
  zoneReclaimablePages(slot: number): number {
    const f = this.k.folios;
    let nr = f.zoneLruPages(slot, LRU.INACTIVE_FILE) + f.zoneLruPages(slot, LRU.ACTIVE_FILE);
    if (this.k.swapFreePages > 0) nr += f.zoneLruPages(slot, LRU.INACTIVE_ANON) + f.zoneLruPages(slot, LRU.ACTIVE_ANON);
    return nr;
  }

  /** inactive_is_low (mm/vmscan.c 6.18): inactive * int_sqrt(10 * gb) < active, ratio 1 under 1 GiB. */
  inactiveIsLow(node: number, inactiveLru: number): boolean {
    const f = this.k.folios;
    const inactive = f.lruPages(node, inactiveLru);
    const active = f.lruPages(node, inactiveLru + 1);
    const pageShift = Math.log2(this.k.machine.machine.pageSize);
    const gb = Math.floor((inactive + active) / 2 ** (30 - pageShift));
    const ratio = gb ? intSqrt(10 * gb) : 1;
    return inactive * ratio < active;
  }

  /** can_reclaim_anon_pages for global reclaim: swap has free slots. */
  private canReclaimAnon(): boolean {
    return this.k.swapFreePages > 0;
  }

  /** prepare_scan_control (mm/vmscan.c 6.18) without refaults: may_deactivate, cache_trim_mode,
   *  file_is_tiny. */
  prepareScanControl(node: number, sc: ScanControl): void {
    const f = this.k.folios;
    if (!sc.forceDeactivate) {
      sc.mayDeactivate =
        (sc.mayDeactivate & ~DEACTIVATE_ANON) | (this.inactiveIsLow(node, LRU.INACTIVE_ANON) ? DEACTIVATE_ANON : 0);
      sc.mayDeactivate =
        (sc.mayDeactivate & ~DEACTIVATE_FILE) | (this.inactiveIsLow(node, LRU.INACTIVE_FILE) ? DEACTIVATE_FILE : 0);
    } else sc.mayDeactivate = DEACTIVATE_ANON | DEACTIVATE_FILE;
    const inactiveFile = f.lruPages(node, LRU.INACTIVE_FILE);
    sc.cacheTrimMode = Math.floor(inactiveFile / 2 ** sc.priority) > 0 && !(sc.mayDeactivate & DEACTIVATE_FILE);
    let free = 0;
    let totalHigh = 0;
    for (const slot of this.k.nodeZones(node)) {
      free += this.k.machine.counters(slot).freePages;
      totalHigh += this.highWmark(slot);
    }
    const file = f.lruPages(node, LRU.ACTIVE_FILE) + inactiveFile;
    const anon = f.lruPages(node, LRU.INACTIVE_ANON);
    sc.fileIsTiny =
      file + free <= totalHigh && !(sc.mayDeactivate & DEACTIVATE_ANON) && Math.floor(anon / 2 ** sc.priority) > 0;
  }

  /** high_wmark_pages / min_wmark_pages: _watermark[] + watermark_boost. */
  highWmark(slot: number): number {
    return this.k.machine.zone(slot).watermarks.high + this.k.machine.counters(slot).watermarkBoost;
  }
  minWmark(slot: number): number {
    return this.k.machine.zone(slot).watermarks.min + this.k.machine.counters(slot).watermarkBoost;
  }

  /** get_scan_count (mm/vmscan.c 6.18) with anon_cost = file_cost = 0 (see the file comment):
   *  SCAN_FILE without swap, SCAN_EQUAL at priority 0, SCAN_ANON when file is tiny, SCAN_FILE in
   *  cache_trim_mode, else SCAN_FRACT with [swappiness, 200 - swappiness]. */
  getScanCount(node: number, sc: ScanControl): number[] {
    const swappiness = this.k.swappiness;
    let balance: "equal" | "fract" | "anon" | "file";
    if (!sc.maySwap || !this.canReclaimAnon()) balance = "file";
    else if (!sc.priority && swappiness) balance = "equal";
    else if (sc.fileIsTiny) balance = "anon";
    else if (sc.cacheTrimMode) balance = "file";
    else balance = "fract";
    // calculate_pressure_balance with zero costs: total_cost = 0, so ap = swappiness, fp = 200 - swappiness
    const fraction = [swappiness, MAX_SWAPPINESS - swappiness];
    const denominator = fraction[0] + fraction[1];
    const nr = [0, 0, 0, 0];
    for (let lru = 0; lru < 4; lru++) {
      const file = lru >= LRU.INACTIVE_FILE ? 1 : 0;
      const size = lruSizeUpTo(this.k, node, lru, sc.reclaimIdx);
      let scan = Math.floor(size / 2 ** sc.priority);
      if (balance === "fract") scan = denominator ? Math.floor((scan * fraction[file]) / denominator) : 0;
      else if (balance === "file" || balance === "anon") {
        if ((balance === "file") !== (file === 1)) scan = 0;
      }
      nr[lru] = scan;
    }
    return nr;
  }

  /** shrink_lruvec (mm/vmscan.c 6.18): the lists in SWAP_CLUSTER_MAX bites with the proportional
   *  stop once nr_to_reclaim is met, then active anon aging when its inactive list is low. */
  shrinkLruvec(node: number, sc: ScanControl, scanOut: number[]): void {
    const nr = this.getScanCount(node, sc);
    for (let i = 0; i < 4; i++) scanOut[i] += nr[i];
    const targets = nr.slice();
    const proportional = !sc.kswapd && sc.priority === DEF_PRIORITY;
    let nrReclaimed = 0;
    while (nr[LRU.INACTIVE_ANON] || nr[LRU.ACTIVE_FILE] || nr[LRU.INACTIVE_FILE]) {
      for (let lru = 0; lru < 4; lru++) {
        if (!nr[lru]) continue;
        const n = Math.min(nr[lru], SWAP_CLUSTER_MAX);
        nr[lru] -= n;
        nrReclaimed += this.shrinkList(lru, n, node, sc);
      }
      if (nrReclaimed < sc.nrToReclaim || proportional) continue;
      const nrFile = nr[LRU.INACTIVE_FILE] + nr[LRU.ACTIVE_FILE];
      const nrAnon = nr[LRU.INACTIVE_ANON] + nr[LRU.ACTIVE_ANON];
      if (!nrFile || !nrAnon) break;
      let lru: number;
      let percentage: number;
      if (nrFile > nrAnon) {
        const scanTarget = targets[LRU.INACTIVE_ANON] + targets[LRU.ACTIVE_ANON] + 1;
        lru = LRU.INACTIVE_ANON;
        percentage = Math.floor((nrAnon * 100) / scanTarget);
      } else {
        const scanTarget = targets[LRU.INACTIVE_FILE] + targets[LRU.ACTIVE_FILE] + 1;
        lru = LRU.INACTIVE_FILE;
        percentage = Math.floor((nrFile * 100) / scanTarget);
      }
      nr[lru] = 0;
      nr[lru + 1] = 0;
      lru = lru === LRU.INACTIVE_FILE ? LRU.INACTIVE_ANON : LRU.INACTIVE_FILE;
      for (const l of [lru, lru + 1]) {
        const scanned = targets[l] - nr[l];
        nr[l] = Math.floor((targets[l] * (100 - percentage)) / 100);
        nr[l] -= Math.min(nr[l], scanned);
      }
    }
    sc.nrReclaimed += nrReclaimed;
    if (this.k.swapTotalPages > 0 && this.inactiveIsLow(node, LRU.INACTIVE_ANON))
      this.shrinkActiveList(SWAP_CLUSTER_MAX, node, LRU.ACTIVE_ANON, sc);
  }

  /** shrink_list (mm/vmscan.c 6.18): an active list only when may_deactivate allows it. */
  private shrinkList(lru: number, nrToScan: number, node: number, sc: ScanControl): number {
    if (lru === LRU.ACTIVE_ANON || lru === LRU.ACTIVE_FILE) {
      const bit = lru === LRU.ACTIVE_FILE ? DEACTIVATE_FILE : DEACTIVATE_ANON;
      if (sc.mayDeactivate & bit) this.shrinkActiveList(nrToScan, node, lru, sc);
      else sc.skippedDeactivate = true;
      return 0;
    }
    return this.shrinkInactiveList(nrToScan, node, lru, sc);
  }

  /** isolate_lru_folios: up to nrToScan pages of folios from the tail in zones up to reclaim_idx
   *  (folios of higher zones are skipped to the head, not counted). Returns engine indices. */
  private isolate(nrToScan: number, node: number, lru: number, sc: ScanControl): { taken: number[]; scanned: number } {
    const f = this.k.folios;
    const taken: number[] = [];
    const skipped: number[] = [];
    let scanned = 0;
    let looked = 0;
    const limit = f.lruPages(node, lru);
    while (scanned < nrToScan && looked < limit) {
      const i = f.tailOf(node, lru);
      if (i < 0) break;
      const pages = 2 ** f.order[i];
      looked += pages;
      f.lruDel(i);
      if (this.k.machine.zone(f.zoneOf[i]).zoneIdx > sc.reclaimIdx) {
        skipped.push(i);
        continue;
      }
      scanned += pages;
      taken.push(i);
    }
    for (const i of skipped) f.lruAdd(i);
    return { taken, scanned };
  }

  /** shrink_inactive_list + shrink_folio_list (mm/vmscan.c 6.18), the rules in the kernel's order:
   *  writeback -> PG_reclaim, activate; folio_check_references; anon -> add_to_swap (activate when
   *  swap is full); dirty file -> PG_reclaim, activate (the flusher writes it); else unmap and free. */
  private shrinkInactiveList(nrToScan: number, node: number, lru: number, sc: ScanControl): number {
    const f = this.k.folios;
    const vm = this.k.vm;
    const { taken, scanned } = this.isolate(nrToScan, node, lru, sc);
    sc.nrScanned += scanned;
    const file = lru === LRU.INACTIVE_FILE;
    vm[sc.kswapd ? "pgscan_kswapd" : "pgscan_direct"] += scanned;
    vm[file ? "pgscan_file" : "pgscan_anon"] += scanned;
    let reclaimed = 0;
    let unqueuedDirty = 0;
    for (const i of taken) {
      const pages = 2 ** f.order[i];
      const fl = f.flags[i];
      if (fl & PG.writeback) {
        f.flags[i] |= PG.reclaim;
        this.activate(i);
        continue;
      }
      // folio_check_references: referenced_ptes is PG.young (cleared by the walk)
      const referencedPtes = fl & PG.mapped && fl & PG.young ? 1 : 0;
      const referencedFolio = (fl & PG.referenced) !== 0;
      f.flags[i] &= ~(PG.young | PG.referenced);
      let ref: "activate" | "keep" | "reclaim" | "reclaim_clean" = "reclaim";
      if (referencedPtes) {
        f.flags[i] |= PG.referenced;
        ref = referencedFolio ? "activate" : "keep";
      } else if (referencedFolio && file) ref = "reclaim_clean";
      if (ref === "activate") {
        this.activate(i);
        continue;
      }
      if (ref === "keep") {
        f.lruAdd(i);
        continue;
      }
      if (f.kind[i] === FolioKind.Anon) {
        if (!this.k.swapOutFolio(i)) {
          this.activate(i); // activate_locked_split: swap is full
          continue;
        }
        reclaimed += pages;
        continue;
      }
      if (fl & PG.dirty) {
        // only kswapd may write file folios, and even it leaves them to the flusher (see above)
        unqueuedDirty += pages;
        f.flags[i] |= PG.reclaim;
        this.activate(i);
        this.k.startWriteback(i);
        continue;
      }
      this.k.freeFolio(i);
      reclaimed += pages;
    }
    void unqueuedDirty;
    vm[sc.kswapd ? "pgsteal_kswapd" : "pgsteal_direct"] += reclaimed;
    vm[file ? "pgsteal_file" : "pgsteal_anon"] += reclaimed;
    return reclaimed;
  }

  /** activate_locked: PG_active, back on the active list. */
  private activate(i: number): void {
    const f = this.k.folios;
    f.flags[i] |= PG.active;
    f.lruAdd(i);
    this.k.vm.pgactivate += 2 ** f.order[i];
  }

  /** shrink_active_list (mm/vmscan.c 6.18): folios from the active tail lose PG_active and go to the
   *  inactive head (young ptes are cleared; executable file folios, kept active by the kernel, are
   *  not modelled). */
  shrinkActiveList(nrToScan: number, node: number, lru: number, sc: ScanControl): void {
    const f = this.k.folios;
    const { taken, scanned } = this.isolate(nrToScan, node, lru, sc);
    this.k.vm.pgrefill += scanned;
    for (const i of taken) {
      f.flags[i] &= ~(PG.active | PG.referenced | PG.young);
      f.lruAdd(i);
      this.k.vm.pgdeactivate += 2 ** f.order[i];
    }
  }

  /** do_shrink_slab (mm/shrinker.c 6.18) for the one shrinker: delta = (freeable >> priority) * 4 /
   *  DEFAULT_SEEKS, plus deferred work, capped at 2 * freeable, scanned in SHRINK_BATCH bites. */
  shrinkSlab(node: number, priority: number): number {
    const freeable = this.k.slabReclaimablePages(node);
    if (freeable === 0) return 0;
    const nr = this.nrDeferred[node];
    this.nrDeferred[node] = 0;
    const delta = Math.floor((Math.floor(freeable / 2 ** priority) * 4) / DEFAULT_SEEKS);
    let totalScan = Math.floor(nr / 2 ** priority) + delta;
    totalScan = Math.min(totalScan, 2 * freeable);
    let freed = 0;
    let scanned = 0;
    while (totalScan >= SHRINK_BATCH || totalScan >= freeable) {
      const n = Math.min(SHRINK_BATCH, totalScan);
      if (n === 0) break;
      freed += this.k.shrinkSlabPages(node, n);
      this.k.vm.slabs_scanned += n;
      totalScan -= n;
      scanned += n;
      if (this.k.slabReclaimablePages(node) === 0) break;
    }
    this.nrDeferred[node] = Math.min(Math.max(nr + delta - scanned, 0), 2 * freeable);
    return freed;
  }

  /** in_reclaim_compaction (mm/vmscan.c 6.18): only where compaction is allowed
   *  (gfp_compaction_allowed: CONFIG_COMPACTION and __GFP_IO). */
  private inReclaimCompaction(sc: ScanControl): boolean {
    if (!this.k.configCompaction || !(sc.gfpMask & GFP_IO)) return false;
    return sc.order > 0 && (sc.order > PAGE_ALLOC_COSTLY_ORDER || sc.priority < DEF_PRIORITY - 2);
  }

  /** zone_watermark_ok at a mark with no alloc flags, by the engine. */
  private zoneWatermarkOk(slot: number, order: number, mark: number, highestZoneidx: number): boolean {
    return this.k.machine.watermarkOk618(slot, order, mark, highestZoneidx, 0);
  }

  /** should_continue_reclaim (mm/vmscan.c 6.18): reclaim/compaction mode keeps reclaiming until
   *  compaction could run or the allocation would pass, as long as it reclaims something and the
   *  inactive lists exceed compact_gap. */
  private shouldContinueReclaim(node: number, nrReclaimed: number, sc: ScanControl): boolean {
    if (!this.inReclaimCompaction(sc)) return false;
    if (!nrReclaimed) return false;
    for (const slot of this.k.nodeZones(node)) {
      if (this.k.machine.zone(slot).zoneIdx > sc.reclaimIdx) continue;
      const mark = this.minWmark(slot);
      if (this.zoneWatermarkOk(slot, sc.order, mark, sc.reclaimIdx)) return false;
      if (this.k.compaction.compactionSuitable(slot, sc.order, mark, sc.reclaimIdx)) return false;
    }
    const f = this.k.folios;
    let inactive = f.lruPages(node, LRU.INACTIVE_FILE);
    if (this.canReclaimAnon()) inactive += f.lruPages(node, LRU.INACTIVE_ANON);
    return inactive > compactGap(sc.order);
  }

  /** shrink_node (mm/vmscan.c 6.18): prepare_scan_control, the node's LRU and slab, again while
   *  should_continue_reclaim; reclaimable resets kswapd_failures. */
  shrinkNode(node: number, sc: ScanControl): void {
    let reclaimable = false;
    for (;;) {
      const nrReclaimed = sc.nrReclaimed;
      const nrScanned = sc.nrScanned;
      this.prepareScanControl(node, sc);
      const scan = [0, 0, 0, 0];
      this.shrinkLruvec(node, sc, scan);
      const slab = this.shrinkSlab(node, sc.priority);
      sc.nrReclaimed += slab; // flush_reclaim_state: slab pages count for global reclaim
      const nodeReclaimed = sc.nrReclaimed - nrReclaimed;
      if (nodeReclaimed) reclaimable = true;
      this.k.log.event("shrink_node", {
        who: sc.kswapd ? "kswapd" : "direct",
        node,
        priority: sc.priority,
        scanned: sc.nrScanned - nrScanned,
        reclaimed: nodeReclaimed,
        slab,
        scan,
      });
      if (!this.shouldContinueReclaim(node, nodeReclaimed, sc)) break;
    }
    if (reclaimable) this.kswapdFailures[node] = 0;
  }

  /** compaction_ready (mm/vmscan.c 6.18): a costly request's zone where compaction can run. */
  private compactionReady(slot: number, sc: ScanControl): boolean {
    if (this.zoneWatermarkOk(slot, sc.order, this.minWmark(slot), sc.reclaimIdx)) return true;
    return this.k.compaction.compactionSuitable(slot, sc.order, this.highWmark(slot), sc.reclaimIdx);
  }

  /** try_to_free_pages / do_try_to_free_pages (mm/vmscan.c 6.18): SWAP_CLUSTER_MAX pages to reclaim,
   *  priority from DEF_PRIORITY down to 0 over the zonelist's nodes (shrink_zones), writepage from
   *  DEF_PRIORITY - 2, and one more round with force_deactivate when active lists were skipped.
   *  Returns the pages reclaimed (1 when it stopped because compaction is ready). */
  tryToFreePages(zonelist: readonly number[], gfpMask: number, order: number, reclaimIdx: number): number {
    const sc: ScanControl = {
      nrToReclaim: SWAP_CLUSTER_MAX,
      gfpMask,
      reclaimIdx,
      order,
      priority: DEF_PRIORITY,
      mayWritepage: true,
      mayUnmap: true,
      maySwap: true,
      mayDeactivate: 0,
      forceDeactivate: false,
      skippedDeactivate: false,
      cacheTrimMode: false,
      fileIsTiny: false,
      compactionReady: false,
      nrScanned: 0,
      nrReclaimed: 0,
      kswapd: false,
    };
    this.k.vm[ALLOCSTALL_BY_ZONE[reclaimIdx]]++;
    for (;;) {
      do {
        sc.nrScanned = 0;
        this.shrinkZones(zonelist, sc);
        if (sc.nrReclaimed >= sc.nrToReclaim) break;
        if (sc.compactionReady) break;
        if (sc.priority < DEF_PRIORITY - 2) sc.mayWritepage = true;
      } while (--sc.priority >= 0);
      if (sc.nrReclaimed || sc.compactionReady || !sc.skippedDeactivate || sc.forceDeactivate) break;
      sc.priority = DEF_PRIORITY;
      sc.forceDeactivate = true;
      sc.skippedDeactivate = false;
    }
    this.k.log.event("try_to_free_pages", {
      order,
      reclaimIdx,
      priority: Math.max(sc.priority, 0),
      scanned: sc.nrScanned,
      reclaimed: sc.nrReclaimed,
    });
    if (sc.nrReclaimed) return sc.nrReclaimed;
    return sc.compactionReady ? 1 : 0;
  }

  /** shrink_zones (mm/vmscan.c 6.18): each node once; costly orders skip zones where compaction is
   *  ready. */
  private shrinkZones(zonelist: readonly number[], sc: ScanControl): void {
    const seen = new Set<number>();
    for (const slot of zonelist) {
      const z = this.k.machine.zone(slot);
      if (z.zoneIdx > sc.reclaimIdx || z.managedPages === 0) continue;
      if (sc.order > PAGE_ALLOC_COSTLY_ORDER && this.compactionReady(slot, sc)) {
        sc.compactionReady = true;
        continue;
      }
      if (seen.has(z.node)) continue;
      seen.add(z.node);
      this.shrinkNode(z.node, sc);
    }
  }

  /** pgdat_balanced (mm/vmscan.c 6.18): some managed zone up to highest_zoneidx passes
   *  zone_watermark_ok_safe at its high mark (boost included) for the order; a node without one is
   *  balanced. defrag_mode's NR_FREE_PAGES_BLOCKS is not modelled. */
  pgdatBalanced(node: number, order: number, highestZoneidx: number): boolean {
    let any = false;
    for (const slot of this.k.nodeZones(node)) {
      if (this.k.machine.zone(slot).zoneIdx > highestZoneidx) continue;
      any = true;
      if (this.zoneWatermarkOk(slot, order, this.highWmark(slot), highestZoneidx)) return true;
    }
    return !any;
  }

  /** pgdat_watermark_boosted (mm/vmscan.c 6.18). */
  pgdatWatermarkBoosted(node: number, highestZoneidx: number): boolean {
    return this.k
      .nodeZones(node)
      .some((s) => this.k.machine.zone(s).zoneIdx <= highestZoneidx && this.k.machine.counters(s).watermarkBoost > 0);
  }

  /** kswapd_shrink_node (mm/vmscan.c 6.18): nr_to_reclaim = sum of max(high, SWAP_CLUSTER_MAX);
   *  after shrink_node, sc->order drops to 0 once compact_gap(order) pages were reclaimed. */
  private kswapdShrinkNode(node: number, sc: ScanControl): boolean {
    const before = sc.nrReclaimed;
    sc.nrToReclaim = 0;
    for (const slot of this.k.nodeZones(node))
      if (this.k.machine.zone(slot).zoneIdx <= sc.reclaimIdx)
        sc.nrToReclaim += Math.max(this.highWmark(slot), SWAP_CLUSTER_MAX);
    this.shrinkNode(node, sc);
    if (sc.order && sc.nrReclaimed >= compactGap(sc.order)) sc.order = 0;
    return Math.max(sc.nrScanned, sc.nrReclaimed - before) >= sc.nrToReclaim;
  }

  /** balance_pgdat (mm/vmscan.c 6.18): boosted reclaim (no writeback, no swap) while the boost
   *  lasts and the node is balanced, else reclaim until balanced, priority DEF_PRIORITY down to 1;
   *  no progress counts a kswapd failure; the boost is taken back and kcompactd woken after a
   *  boosted run. Returns the order it finished at. */
  balancePgdat(node: number, order: number, highestZoneidx: number): number {
    const m = this.k.machine;
    const vm = this.k.vm;
    vm.pageoutrun++;
    const zones = this.k.nodeZones(node).filter((s) => m.zone(s).zoneIdx <= highestZoneidx);
    const zoneBoosts = zones.map((s) => m.counters(s).watermarkBoost);
    let nrBoostReclaim = zoneBoosts.reduce((a, b) => a + b, 0);
    const boosted = nrBoostReclaim > 0;
    const sc: ScanControl = {
      nrToReclaim: 0,
      gfpMask: GFP_KERNEL, // balance_pgdat's scan_control
      reclaimIdx: highestZoneidx,
      order,
      priority: DEF_PRIORITY,
      mayWritepage: true,
      mayUnmap: true,
      maySwap: true,
      mayDeactivate: 0,
      forceDeactivate: false,
      skippedDeactivate: false,
      cacheTrimMode: false,
      fileIsTiny: false,
      compactionReady: false,
      nrScanned: 0,
      nrReclaimed: 0,
      kswapd: true,
    };
    let balancedOut = false;
    // set_reclaim_active / clear_reclaim_active: nr_pcp_high then keeps at most batch * 4 pages listed
    const reclaimActive = (on: boolean) => {
      if (m.hasPcp) for (const s of zones) if (m.zone(s).managedPages > 0) m.setReclaimActive(s, on);
    };
    restart: for (;;) {
      reclaimActive(true);
      sc.priority = DEF_PRIORITY;
      do {
        const nrReclaimed = sc.nrReclaimed;
        let raisePriority = true;
        sc.reclaimIdx = highestZoneidx;
        const balanced = this.pgdatBalanced(node, sc.order, highestZoneidx);
        if (!balanced && nrBoostReclaim) {
          nrBoostReclaim = 0;
          continue restart;
        }
        if (!nrBoostReclaim && balanced) {
          balancedOut = true;
          break restart;
        }
        if (nrBoostReclaim && sc.priority === DEF_PRIORITY - 2) raisePriority = false;
        sc.mayWritepage = !nrBoostReclaim;
        sc.maySwap = !nrBoostReclaim;
        // kswapd_age_node: active anon aging when its inactive list is low
        if (this.k.swapTotalPages > 0 && this.inactiveIsLow(node, LRU.INACTIVE_ANON))
          this.shrinkActiveList(SWAP_CLUSTER_MAX, node, LRU.ACTIVE_ANON, sc);
        if (sc.priority < DEF_PRIORITY - 2) sc.mayWritepage = true;
        sc.nrScanned = 0;
        if (this.kswapdShrinkNode(node, sc)) raisePriority = false;
        const got = sc.nrReclaimed - nrReclaimed;
        nrBoostReclaim -= Math.min(nrBoostReclaim, got);
        if (nrBoostReclaim && !got) break;
        if (raisePriority || !got) sc.priority--;
      } while (sc.priority >= 1);
      break;
    }
    if (!balancedOut && !sc.nrReclaimed) this.kswapdFailures[node]++;
    reclaimActive(false);
    if (boosted) {
      zones.forEach((slot, i) => {
        if (zoneBoosts[i]) this.setBoost(slot, Math.max(0, m.counters(slot).watermarkBoost - zoneBoosts[i]));
      });
      this.k.compaction.wakeupKcompactd(node, m.machine.pageblockOrder, highestZoneidx);
      this.k.log.event("wakeup_kcompactd", { node, order: m.machine.pageblockOrder, highestZoneidx });
    }
    this.k.log.event("balance_pgdat", {
      node,
      order,
      reclaimOrder: sc.order,
      highestZoneidx,
      boosted,
      priority: sc.priority,
      reclaimed: sc.nrReclaimed,
      failures: this.kswapdFailures[node],
    });
    return sc.order;
  }

  /** zone->watermark_boost = v: the engine's zone word (no engine API sets it; oomlab writes the
   *  record's Z_BOOST word, the field boost_watermark raises). */
  private setBoost(slot: number, v: number): void {
    const m = this.k.machine;
    const abi = m.engineAbi;
    const base = (m.engineExports.zonesPtr() >>> 2) + slot * (abi.ZONE_SIZE >>> 2);
    m.engineViews.u32[base + (abi.Z_BOOST >>> 2)] = v;
  }

  /** kswapd_failures >= MAX_RECLAIM_RETRIES: the node is hopeless. */
  hopeless(node: number): boolean {
    return this.kswapdFailures[node] >= MAX_RECLAIM_RETRIES;
  }

  /** __zone_watermark_ok with a given free count (should_reclaim_retry's "available"), explained. */
  watermarkWithFree(
    slot: number,
    order: number,
    mark: number,
    highestZoneidx: number,
    allocFlags: number,
    free: number,
  ) {
    const st = this.k.machine.stats(slot);
    return explain618({
      freePages: free,
      nrFreeByType: st.nrFreeByType,
      order,
      mark,
      reserve: st.lowmemReserve[highestZoneidx] ?? 0,
      allocFlags,
      cma: allocFlags & 0x80 ? 0 : st.freeCmaPages,
      highatomic: st.nrFreeHighatomic,
    });
  }
}

export const ZONE_NAME = (idx: number) => ZONE_TYPES[idx];
