// vmscan: page reclaim of Linux 2.6.11 (mm/vmscan.c 2.6.11: shrink_zone, refill_inactive_zone,
// shrink_cache, shrink_list, try_to_free_pages, balance_pgdat, wakeup_kswapd), over LRU pages that are
// real allocated blocks in the engine. A reclaimed page goes back to the buddy allocator where it lies
// (through the cold per-CPU list, as __pagevec_release_nonlru does), so reclaim alone does not make
// contiguous blocks.
//
// The zone's LRU lists are LruLists: list_add inserts at the head, lru_to_page() takes the TAIL, as in
// the kernel; the short lists reclaim builds (page_list, l_hold) are arrays with the head at index 0.
// What is simplified, and why:
//  - page_referenced() is a property of the page ("hot": in a working set, referenced at every scan);
//    the kernel clears and re-tests the young bits, which needs a model of process behaviour.
//  - writeback is asynchronous: a page written out becomes clean when the writer next waits
//    (blk_congestion_wait); slab shrinkers (dcache/icache) are not modelled (shrink_slab frees 0).

import type { KernelLog } from "../../sim/log.js";
import { GFP_2611 } from "../../include/linux/gfp.js";
import { SWAP_CLUSTER_MAX } from "../../include/linux/swap.js";

export const DEF_PRIORITY = 12;
/** vm_swappiness default (mm/vmscan.c 2.6.11). */
export const VM_SWAPPINESS = 60;

export interface LruPage {
  pfn: number;
  owner: number;
  anon: boolean;
  /** page_mapped(): mapped into a process's page tables. */
  mapped: boolean;
  /** In a working set: page_referenced() is true whenever it is scanned. */
  hot: boolean;
  dirty: boolean;
  writeback: boolean;
  /** PG_locked: read I/O in flight; shrink_list skips it (TestSetPageLocked fails). */
  locked?: boolean;
  /** Held by someone besides the page cache (page_count != 2: a read or sendfile copying from it,
   *  a pagevec): shrink_list scans it and keeps it. */
  busy?: boolean;
  /** mapping_mapped(): the page's file is mmapped somewhere (libraries, executables). */
  fileMapped?: boolean;
  swapCache: boolean;
  active: boolean;
}

/** An LRU list (struct list_head of zone->active_list or inactive_list): pages enter at the head
 *  (list_add) and reclaim takes them from the tail (lru_to_page), both in O(1), so a zone of
 *  millions of pages lays out and reclaims in linear time. Iterates head first. */
export class LruList implements Iterable<LruPage> {
  /** Tail first: items[from] is the tail, the last element the head; slots before from are released. */
  private items: LruPage[] = [];
  private from = 0;

  get length(): number {
    return this.items.length - this.from;
  }

  /** list_add: a page at the head. */
  unshift(page: LruPage): void {
    this.items.push(page);
  }

  /** lru_to_page + list_del: the tail page, or undefined. */
  pop(): LruPage | undefined {
    if (this.from === this.items.length) return undefined;
    const page = this.items[this.from];
    this.items[this.from++] = undefined as unknown as LruPage; // release it
    if (this.from === this.items.length) {
      this.items = [];
      this.from = 0;
    } else if (this.from >= 1024 && this.from * 2 >= this.items.length) {
      this.items = this.items.slice(this.from);
      this.from = 0;
    }
    return page;
  }

  /** Removes every page pred accepts, keeping the others in order; returns the removed pages from
   *  the tail to the head. */
  removeWhere(pred: (p: LruPage) => boolean): LruPage[] {
    const removed: LruPage[] = [];
    const kept: LruPage[] = [];
    for (let i = this.from; i < this.items.length; i++) {
      const p = this.items[i];
      if (pred(p)) removed.push(p);
      else kept.push(p);
    }
    this.items = kept;
    this.from = 0;
    return removed;
  }

  *[Symbol.iterator](): Iterator<LruPage> {
    for (let i = this.items.length - 1; i >= this.from; i--) yield this.items[i];
  }
}

export interface ZoneLru {
  slot: number;
  presentPages: number;
  active: LruList;
  inactive: LruList;
  nrScanActive: number;
  nrScanInactive: number;
  pagesScanned: number;
  allUnreclaimable: boolean;
  prevPriority: number;
  tempPriority: number;
}

export interface SwapState {
  totalPages: number;
  freePages: number;
  /** swap_cache_info: add_total, del_total, find_success, find_total, noent_race, exist_race. */
  add: number;
  del: number;
  findSuccess: number;
  findTotal: number;
  noentRace: number;
  existRace: number;
}

/** What reclaim needs from the rest of the kernel. */
export interface ReclaimHooks {
  /** Frees a reclaimed order-0 page (cold per-CPU list, then the buddy allocator). */
  freePage(pfn: number): void;
  /** zone_watermark_ok against pages_high for kswapd; classzoneSlot -1 means class zone 0. */
  zoneOkHigh(slot: number, order: number, classzoneSlot: number): boolean;
  /** An anonymous page went to swap and was freed: its owner now holds a swap slot. */
  swappedOut(owner: number): void;
  /** blk_congestion_wait(WRITE, jiffies) inside reclaim. */
  congestionWait(jiffies: number): void;
  /** nr_free_pagecache_pages() at boot (total_memory in vmscan.c). */
  totalMemory(): number;
}

interface ScanControl {
  nrToScan: number;
  nrScanned: number;
  nrReclaimed: number;
  nrMapped: number;
  nrToReclaim: number;
  priority: number;
  gfp: number;
}

const { __GFP_IO, __GFP_FS } = GFP_2611;

/** C `x >> n` on an unsigned long page count, without JS's 32-bit truncation. */
const shr = (x: number, n: number): number => Math.floor(x / 2 ** n);

export class Vmscan2611 {
  readonly zones = new Map<number, ZoneLru>();
  /** Page-cache pages reclaimed so far (a refaulting workload reads them back). */
  reclaimedFile = 0;
  /** Pages under writeback, completed at the next wait. */
  private inFlight: LruPage[] = [];
  /** CPU time: kswapd's work takes no simulated time, except that every this many balance_pgdat
   *  loops (goto loop_again) it gives up the CPU for a jiffy, as if its timeslice had
   *  run out at cond_resched(). Without it a zone that kswapd keeps freeing pages into but can never
   *  balance (a high order in a fragmented zone with a large LRU) would spin in zero time. */
  kswapdLoopsPerJiffy = 100;

  constructor(
    readonly swap: SwapState,
    readonly hooks: ReclaimHooks,
    readonly log: KernelLog,
    /** HZ: the naps are HZ/10 jiffies. */
    readonly hz = 100,
  ) {}

  addZone(slot: number, presentPages: number): ZoneLru {
    const z: ZoneLru = {
      slot,
      presentPages,
      active: new LruList(),
      inactive: new LruList(),
      nrScanActive: 0,
      nrScanInactive: 0,
      pagesScanned: 0,
      allUnreclaimable: false,
      prevPriority: DEF_PRIORITY,
      tempPriority: DEF_PRIORITY,
    };
    this.zones.set(slot, z);
    return z;
  }

  /** lru_cache_add / lru_cache_add_active: a new page at the head of its list. */
  add(slot: number, page: LruPage): void {
    const z = this.zones.get(slot) as ZoneLru;
    (page.active ? z.active : z.inactive).unshift(page);
  }

  /** Removes every LRU page of an owner (its task exited); returns them. Swap slots they held are
   *  freed (the ptes that referenced them are gone). */
  removeOwner(owner: number): LruPage[] {
    const out: LruPage[] = [];
    // One pass per list (a splice per page would make an exit O(pages^2)).
    for (const z of this.zones.values())
      for (const list of [z.active, z.inactive])
        for (const p of list.removeWhere((q) => q.owner === owner)) out.push(p);
    this.inFlight = this.inFlight.filter((p) => p.owner !== owner);
    return out;
  }

  nrMapped(): number {
    let n = 0;
    for (const z of this.zones.values())
      for (const list of [z.active, z.inactive]) for (const p of list) if (p.mapped) n++;
    return n;
  }

  count(pred: (p: LruPage) => boolean): number {
    let n = 0;
    for (const z of this.zones.values())
      for (const list of [z.active, z.inactive]) for (const p of list) if (pred(p)) n++;
    return n;
  }

  /** Writeback started by pageout() completes while the writer sleeps. */
  completeWriteback(): void {
    for (const p of this.inFlight) {
      p.writeback = false;
      p.dirty = false;
    }
    this.inFlight = [];
  }

  /** free_pages_bulk resets these on every free into the zone's buddy lists. */
  onZoneFree(slot: number): void {
    const z = this.zones.get(slot);
    if (!z) return;
    z.allUnreclaimable = false;
    z.pagesScanned = 0;
  }

  /** shrink_list: decide each isolated page; returns the pages kept (to go back to the LRU). */
  private shrinkList(pages: LruPage[], sc: ScanControl): LruPage[] {
    const kept: LruPage[] = [];
    let reclaimed = 0;
    while (pages.length) {
      const page = pages.pop() as LruPage; // lru_to_page(page_list)
      if (page.locked) {
        kept.unshift(page); // TestSetPageLocked failed: keep, not even counted as scanned
        continue;
      }
      sc.nrScanned++;
      if (page.mapped || page.swapCache) sc.nrScanned++; // double slab pressure
      const verdict = this.decide(page, sc);
      if (verdict === "free") {
        reclaimed++;
        if (page.anon) this.hooks.swappedOut(page.owner);
        this.reclaimedFile += page.anon ? 0 : 1;
        this.hooks.freePage(page.pfn);
        continue;
      }
      if (verdict === "activate") page.active = true;
      kept.unshift(page); // list_add(&page->lru, &ret_pages)
    }
    sc.nrReclaimed += reclaimed;
    return kept;
  }

  /** The body of shrink_list for one page: "free", "activate" or "keep". */
  private decide(page: LruPage, sc: ScanControl): "free" | "activate" | "keep" {
    if (page.writeback) return "keep";
    const referenced = page.hot;
    // page_mapping_inuse(): mapped, or (not swap cache) its file is mmapped somewhere
    if (referenced && (page.mapped || (!page.swapCache && !page.anon && page.fileMapped))) return "activate";
    if (page.anon && !page.swapCache) {
      if (this.swap.freePages <= 0) return "activate"; // add_to_swap failed
      this.swap.freePages--;
      this.swap.add++;
      page.swapCache = true;
      page.dirty = true;
    }
    const mayEnterFs = (sc.gfp & __GFP_FS) !== 0 || (page.swapCache && (sc.gfp & __GFP_IO) !== 0);
    if (page.mapped) page.mapped = false; // try_to_unmap: SWAP_SUCCESS
    if (page.dirty) {
      if (referenced || !mayEnterFs) return "keep";
      page.writeback = true; // pageout(): asynchronous writeback started
      this.inFlight.push(page);
      return "keep";
    }
    // the non-racy check for a busy page: page_count(page) != 2 -> keep_locked
    if (page.busy) return "keep";
    if (page.swapCache) {
      this.swap.del++; // __delete_from_swap_cache; the pte keeps the slot
      page.swapCache = false;
    }
    return "free";
  }

  /** shrink_cache: isolate up to 32 pages at a time from the inactive tail and shrink them. */
  private shrinkCache(z: ZoneLru, sc: ScanControl): void {
    let maxScan = sc.nrToScan;
    while (maxScan > 0) {
      const taken: LruPage[] = [];
      let nrScan = 0;
      while (nrScan++ < SWAP_CLUSTER_MAX && z.inactive.length) taken.unshift(z.inactive.pop() as LruPage);
      z.pagesScanned += nrScan;
      if (taken.length === 0) return;
      maxScan -= nrScan;
      const before = sc.nrReclaimed;
      const kept = this.shrinkList(taken, sc);
      sc.nrToReclaim -= sc.nrReclaimed - before;
      while (kept.length) {
        const page = kept.pop() as LruPage; // lru_to_page(&page_list)
        (page.active ? z.active : z.inactive).unshift(page);
      }
    }
  }

  /** refill_inactive_zone: move pages from the active tail to the inactive list, keeping mapped
   *  pages active unless reclaim_mapped (swap_tendency >= 100). */
  private refillInactive(z: ZoneLru, sc: ScanControl): void {
    const hold: LruPage[] = [];
    let scanned = 0;
    while (scanned < sc.nrToScan && z.active.length) {
      hold.unshift(z.active.pop() as LruPage);
      scanned++;
    }
    z.pagesScanned += scanned;
    const distress = 100 >> z.prevPriority;
    const mappedRatio = Math.floor((sc.nrMapped * 100) / Math.max(1, this.hooks.totalMemory()));
    const reclaimMapped = Math.floor(mappedRatio / 2) + distress + VM_SWAPPINESS >= 100;
    const toActive: LruPage[] = [];
    const toInactive: LruPage[] = [];
    while (hold.length) {
      const page = hold.pop() as LruPage;
      if (page.mapped && (!reclaimMapped || (this.swap.totalPages === 0 && page.anon) || page.hot))
        toActive.unshift(page);
      else toInactive.unshift(page);
    }
    while (toInactive.length) {
      const p = toInactive.pop() as LruPage;
      p.active = false;
      z.inactive.unshift(p);
    }
    while (toActive.length) z.active.unshift(toActive.pop() as LruPage);
  }

  /** shrink_zone (2.6.11): scan budgets accumulate until they reach SWAP_CLUSTER_MAX. */
  private shrinkZone(z: ZoneLru, sc: ScanControl): void {
    z.nrScanActive += shr(z.active.length, sc.priority) + 1;
    let nrActive = z.nrScanActive;
    if (nrActive >= SWAP_CLUSTER_MAX) z.nrScanActive = 0;
    else nrActive = 0;
    z.nrScanInactive += shr(z.inactive.length, sc.priority) + 1;
    let nrInactive = z.nrScanInactive;
    if (nrInactive >= SWAP_CLUSTER_MAX) z.nrScanInactive = 0;
    else nrInactive = 0;
    sc.nrToReclaim = SWAP_CLUSTER_MAX;
    while (nrActive || nrInactive) {
      if (nrActive) {
        sc.nrToScan = Math.min(nrActive, SWAP_CLUSTER_MAX);
        nrActive -= sc.nrToScan;
        this.refillInactive(z, sc);
      }
      if (nrInactive) {
        sc.nrToScan = Math.min(nrInactive, SWAP_CLUSTER_MAX);
        nrInactive -= sc.nrToScan;
        this.shrinkCache(z, sc);
        if (sc.nrToReclaim <= 0) break;
      }
    }
  }

  private newScan(gfp: number, priority: number, nrMapped = this.nrMapped()): ScanControl {
    return { nrToScan: 0, nrScanned: 0, nrReclaimed: 0, nrMapped, nrToReclaim: 0, priority, gfp };
  }

  /** try_to_free_pages (2.6.11): 1 only when one priority pass reclaimed >= SWAP_CLUSTER_MAX. */
  tryToFreePages(slots: number[], gfp: number, order: number): number {
    // total_scanned/total_reclaimed only drive wakeup_bdflush and may_writepage, which matter in
    // laptop mode alone (pageout() writes regardless otherwise): not modelled.
    const zones = slots.map((s) => this.zones.get(s)).filter((z): z is ZoneLru => !!z && z.presentPages > 0);
    for (const z of zones) z.tempPriority = DEF_PRIORITY;
    let ret = 0;
    for (let priority = DEF_PRIORITY; priority >= 0; priority--) {
      const sc = this.newScan(gfp, priority);
      for (const z of zones) {
        z.tempPriority = priority;
        if (z.prevPriority > priority) z.prevPriority = priority;
        if (z.allUnreclaimable && priority !== DEF_PRIORITY) continue; // let kswapd poll it
        this.shrinkZone(z, sc);
      }
      this.log.event("reclaim-pass", {
        who: "direct",
        priority,
        scanned: sc.nrScanned,
        reclaimed: sc.nrReclaimed,
        order,
        pagesScanned: zones.map((z) => z.pagesScanned),
      });
      if (sc.nrReclaimed >= SWAP_CLUSTER_MAX) {
        ret = 1;
        break;
      }
      // Take a nap, wait for some writeback to complete: blk_congestion_wait(WRITE, HZ/10)
      if (sc.nrScanned && priority < DEF_PRIORITY - 2) this.hooks.congestionWait(Math.floor(this.hz / 10));
    }
    for (const z of zones) z.prevPriority = z.tempPriority;
    return ret;
  }

  /** balance_pgdat(pgdat, 0, order) of 2.6.11 for node 0, as a generator: it yields the
   *  milliseconds kswapd sleeps (its HZ/10 naps; 0 for cond_resched before `goto loop_again`) and
   *  returns the pages reclaimed by its last loop. As the kernel does, it starts over while a zone
   *  fails pages_high for this order, so it ends only when every zone is balanced or, scanned
   *  4 times over without a page freed, all_unreclaimable. mm/vmscan.c 2.6.11 (read in
   *  Antonio-Zhou/Linux-2.6.11, an annotated copy of the release): total_scanned counts only
   *  pages shrink_list looked at, so kswapd naps only after it has scanned unlocked pages;
   *  zone->all_unreclaimable is set here, never by direct reclaim. */
  *balancePgdat(
    order: number,
    orderedSlots: number[],
    napMs: number,
    jiffyMs: number,
  ): Generator<number, number, void> {
    for (let loops = 0; ; loops++) {
      // loop_again:
      let totalScanned = 0;
      let totalReclaimed = 0;
      let allZonesOk = true;
      const nrMapped = this.nrMapped(); // sc.nr_mapped is read once per loop
      for (const z of this.zones.values()) z.tempPriority = DEF_PRIORITY;
      for (let priority = DEF_PRIORITY; priority >= 0; priority--) {
        allZonesOk = true;
        // Scan in the highmem->dma direction for the highest zone which needs scanning.
        let endZone = -1;
        for (let i = orderedSlots.length - 1; i >= 0; i--) {
          const z = this.zones.get(orderedSlots[i]);
          if (!z || z.presentPages === 0 || (z.allUnreclaimable && priority !== DEF_PRIORITY)) continue;
          if (!this.hooks.zoneOkHigh(z.slot, order, -1)) {
            endZone = i;
            break;
          }
        }
        if (endZone < 0) break; // goto out, all_zones_ok = 1
        for (let i = 0; i <= endZone; i++) {
          const z = this.zones.get(orderedSlots[i]);
          if (!z || z.presentPages === 0 || (z.allUnreclaimable && priority !== DEF_PRIORITY)) continue;
          if (!this.hooks.zoneOkHigh(z.slot, order, orderedSlots[endZone])) allZonesOk = false;
          z.tempPriority = priority;
          if (z.prevPriority > priority) z.prevPriority = priority;
          const sc = this.newScan(GFP_2611.GFP_KERNEL, priority, nrMapped); // sc.gfp_mask = GFP_KERNEL
          this.shrinkZone(z, sc);
          totalReclaimed += sc.nrReclaimed;
          totalScanned += sc.nrScanned;
          this.log.event("reclaim-pass", {
            who: "kswapd",
            priority,
            zone: z.slot,
            scanned: sc.nrScanned,
            reclaimed: sc.nrReclaimed,
            order,
            pagesScanned: z.pagesScanned,
          });
          if (z.allUnreclaimable) continue;
          if (z.pagesScanned >= (z.active.length + z.inactive.length) * 4) {
            z.allUnreclaimable = true;
            this.log.event("all-unreclaimable", { zone: z.slot, pagesScanned: z.pagesScanned });
          }
        }
        if (allZonesOk) break; // kswapd: all done
        // OK, kswapd is getting into trouble.  Take a nap, then take another pass across the zones.
        if (totalScanned && priority < DEF_PRIORITY - 2) yield napMs;
        if (totalReclaimed >= SWAP_CLUSTER_MAX) break;
      }
      // out:
      for (const z of this.zones.values()) z.prevPriority = z.tempPriority;
      if (allZonesOk) return totalReclaimed;
      // cond_resched(); goto loop_again
      yield (loops + 1) % this.kswapdLoopsPerJiffy === 0 ? jiffyMs : 0;
    }
  }
}
