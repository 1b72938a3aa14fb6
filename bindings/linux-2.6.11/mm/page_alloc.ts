// The 2.6.11 page allocator around the engine: __alloc_pages with its slow path (exactly),
// buffered_rmqueue with the per-CPU hot/cold lists, and the 2.6.11 free path. The engine does the
// buddy work (__rmqueue, __free_pages_bulk) and the watermark arithmetic (zone_watermark_ok);
// this module makes the decisions around them. mm/page_alloc.c 2.6.11.

import { ZONE_TYPES, PAGE_ALLOC_COSTLY_ORDER } from "../../include/linux/mmzone.js";
import { GFP_2611, gfpZone } from "../../include/linux/gfp.js";
import { AllocFlags } from "../../mm/internal.js";
import type { Machine } from "../../engine/machine.js";
import type { KernelLog } from "../../sim/log.js";
import type { SimClock } from "../../sim/clock.js";
import type { Task } from "../../sim/tasks.js";
import { PrintkRatelimit } from "../kernel/printk.js";
import { buildZonelist, type Zonelist } from "../../mm/mm_init.js";
import { agreeWithEngine, explain2611 } from "../../mm/watermark.js";
import { OomlabError } from "../../errors.js";

/** Owner id of pages sitting on a per-CPU list (taken from the buddy, not free, not anyone's). */
export const PCP_OWNER = 0xfffffff0;

/** struct per_cpu_pages (include/linux/mmzone.h 2.6.11): count, low, high, batch, list. */
export interface PerCpuPages {
  count: number;
  low: number;
  high: number;
  batch: number;
  /** pfns, head first. */
  list: number[];
}

/** zone_batchsize / setup_pageset (mm/page_alloc.c, 2.6.11): batch = present / 1024, at most
 *  256 KiB of pages, divided by 4, at least 1; hot list low 2*batch, high 6*batch; cold 0, 2*batch. */
export function pcpSizing(presentPages: number, pageSize: number): { hot: PerCpuPages; cold: PerCpuPages } {
  let batch = Math.floor(presentPages / 1024);
  if (batch * pageSize > 256 * 1024) batch = Math.floor((256 * 1024) / pageSize);
  batch = Math.floor(batch / 4);
  if (batch < 1) batch = 1;
  return {
    hot: { count: 0, low: 2 * batch, high: 6 * batch, batch, list: [] },
    cold: { count: 0, low: 0, high: 2 * batch, batch, list: [] },
  };
}

/** What the allocator needs from the rest of the simulated kernel. */
export interface SlowPathHooks {
  /** The task allocating (current), or null in interrupt context. */
  current(): Task | null;
  inInterrupt(): boolean;
  /** wakeup_kswapd for a zone slot and order. */
  wakeupKswapd(slot: number, order: number): void;
  /** try_to_free_pages: 1 when one priority pass reclaimed >= SWAP_CLUSTER_MAX pages. */
  tryToFreePages(zonelist: Zonelist, gfp: number, order: number): number;
  /** out_of_memory(gfp): the OOM killer. */
  outOfMemory(gfp: number, order: number): void;
  /** blk_congestion_wait(WRITE, jiffies): sleeps. */
  congestionWait(jiffies: number): void;
  /** A zone's free_area was touched by a free (free_pages_bulk resets pages_scanned). */
  onZoneFree(slot: number): void;
  /** The kernel panicked (the OOM killer found no task): nothing runs after panic(). */
  halted?(): boolean;
}

export interface AllocStats {
  attempts: number;
  failures: number;
  oomCalls: number;
}

/** The 2.6.11 allocator of one machine: one CPU set of per-CPU lists per zone. */
export class PageAlloc2611 {
  readonly pcp = new Map<number, { hot: PerCpuPages; cold: PerCpuPages }[]>();
  readonly stats: AllocStats = { attempts: 0, failures: 0, oomCalls: 0 };
  /** Guards against an endless __alloc_pages (order <= 3 loops until it succeeds). */
  maxRebalance = 10_000;

  constructor(
    readonly machine: Machine,
    readonly clock: SimClock,
    readonly log: KernelLog,
    readonly hooks: SlowPathHooks,
    readonly nrCpus = 1,
    /** printk_ratelimit(): the kernel's one bucket, shared with the other warnings. */
    readonly ratelimit: PrintkRatelimit = new PrintkRatelimit(clock, log),
  ) {
    for (const z of machine.machine.zones) {
      if (z.presentPages === 0) continue;
      this.pcp.set(
        z.slot,
        Array.from({ length: nrCpus }, () => pcpSizing(z.presentPages, machine.machine.pageSize)),
      );
    }
  }

  private zonelists = new Map<number, Zonelist>();

  /** The zonelist __alloc_pages walks: node_zonelists[gfp & GFP_ZONEMASK] of node 0, from the zone
   *  gfp_zone names (a mask with __GFP_DMA|__GFP_HIGHMEM has none: OomlabError). */
  zonelistFor(gfp: number): Zonelist {
    const z = ZONE_TYPES.indexOf(gfpZone(gfp, "2.6.11"));
    const known = this.zonelists.get(z);
    if (known) return known;
    const zl = buildZonelist(this.machine.machine, 0, z);
    this.zonelists.set(z, zl);
    return zl;
  }

  private watermarkOk(
    slot: number,
    order: number,
    mark: "min" | "low" | "high",
    classzone: number,
    harder: boolean,
    high: boolean,
  ): boolean {
    const z = this.machine.zone(slot);
    const w = z.watermarks[mark];
    const ok = this.machine.watermarkOk2611(slot, order, w, classzone, harder, high);
    if (this.log.recordEvents) {
      // the same check in words (the engine decides; a disagreement would be a bug, and says so)
      const c = this.machine.counters(slot);
      const e = explain2611({
        freePages: c.freePages,
        nrFree: c.nrFree,
        order,
        mark: w,
        reserve: z.lowmemReserve[classzone] ?? 0,
        gfpHigh: high,
        harder,
      });
      const steps = agreeWithEngine(e, ok).steps;
      this.log.event("watermark", {
        zone: z.type,
        order,
        mark,
        pages: w,
        canTryHarder: harder,
        gfpHigh: high,
        ok,
        free: c.freePages,
        steps,
      });
    }
    return ok;
  }

  /** rmqueue_bulk: batch order-0 pages onto the tail of a per-CPU list, without watermarks. */
  private rmqueueBulk(slot: number, pcp: PerCpuPages): void {
    for (let i = 0; i < pcp.batch; i++) {
      const pfn = this.machine.alloc({
        order: 0,
        zoneSlot: slot,
        allocFlags: AllocFlags.NO_WATERMARKS,
        owner: PCP_OWNER,
      });
      if (pfn < 0) break;
      pcp.list.push(pfn);
      pcp.count++;
    }
  }

  /** buffered_rmqueue: order 0 through the CPU's hot or cold list, else __rmqueue. */
  private bufferedRmqueue(slot: number, order: number, gfp: number, owner: number): number {
    if (order === 0) {
      const lists = this.pcp.get(slot)?.[0];
      const pcp = lists ? (gfp & GFP_2611.__GFP_COLD ? lists.cold : lists.hot) : undefined;
      if (pcp) {
        if (pcp.count <= pcp.low) this.rmqueueBulk(slot, pcp);
        if (pcp.count) {
          const pfn = pcp.list.shift() as number;
          pcp.count--;
          this.machine.setOwner(pfn, owner);
          return pfn;
        }
      }
    }
    return this.machine.alloc({ order, zoneSlot: slot, allocFlags: AllocFlags.NO_WATERMARKS, owner });
  }

  /** One pass over the zonelist at a watermark (or none), as each pass of __alloc_pages. */
  private pass(
    zl: Zonelist,
    order: number,
    gfp: number,
    owner: number,
    mark: "min" | "low" | "high" | null,
    harder: boolean,
    high: boolean,
  ): number {
    for (const slot of zl.slots) {
      if (mark !== null && !this.watermarkOk(slot, order, mark, zl.classzoneIdx, harder, high)) continue;
      const pfn = this.bufferedRmqueue(slot, order, gfp, owner);
      if (pfn >= 0) return pfn;
    }
    return -1;
  }

  /** __alloc_pages (mm/page_alloc.c, 2.6.11): returns the pfn or -1. */
  allocPages(gfp: number, order: number, owner: number): number {
    this.stats.attempts++;
    const zl = this.zonelistFor(gfp);
    this.log.event("alloc-attempt", { gfp, order, owner, zones: zl.slots.map((s) => this.machine.zone(s).type) });
    if (zl.slots.length === 0) return this.fail(gfp, order, "no zones");
    const p = this.hooks.current();
    const wait = (gfp & GFP_2611.__GFP_WAIT) !== 0;
    // can_try_harder = (rt_task(current) && !in_interrupt()) || !wait
    const canTryHarder = (this.rt(p) && !this.hooks.inInterrupt()) || !wait;
    const gfpHigh = (gfp & GFP_2611.__GFP_HIGH) !== 0;
    for (let rebalances = 0; ; ) {
      // restart:
      let pfn = this.pass(zl, order, gfp, owner, "low", false, false);
      if (pfn >= 0) return this.ok(pfn, order, "low");
      for (const slot of zl.slots) this.hooks.wakeupKswapd(slot, order);
      pfn = this.pass(zl, order, gfp, owner, "min", canTryHarder, gfpHigh);
      if (pfn >= 0) return this.ok(pfn, order, "min");
      if ((p?.memalloc || p?.memdie) && !this.hooks.inInterrupt()) {
        pfn = this.pass(zl, order, gfp, owner, null, false, false);
        if (pfn >= 0) return this.ok(pfn, order, "no watermarks");
        return this.fail(gfp, order, "PF_MEMALLOC/TIF_MEMDIE and no block");
      }
      if (!wait) return this.fail(gfp, order, "cannot sleep");
      // rebalance:
      for (;;) {
        if (++rebalances > this.maxRebalance) return this.fail(gfp, order, "simulation bound");
        const progress = this.reclaim(zl, gfp, order, p);
        if (progress) {
          pfn = this.pass(zl, order, gfp, owner, "min", canTryHarder, gfpHigh);
          if (pfn >= 0) return this.ok(pfn, order, "min after reclaim");
        } else if (gfp & GFP_2611.__GFP_FS && !(gfp & GFP_2611.__GFP_NORETRY)) {
          // "catch a parallel oom killing": the HIGH mark, no reductions
          pfn = this.pass(zl, order, gfp, owner, "high", false, false);
          if (pfn >= 0) return this.ok(pfn, order, "high before OOM");
          this.stats.oomCalls++;
          this.hooks.outOfMemory(gfp, order);
          // panic() does not return: the call never comes back (the simulation says so and stops)
          if (this.hooks.halted?.()) return this.halt(gfp, order);
          break; // goto restart
        }
        const repeat = (gfp & (GFP_2611.__GFP_REPEAT | GFP_2611.__GFP_NOFAIL)) !== 0;
        const doRetry = !(gfp & GFP_2611.__GFP_NORETRY) && (order <= PAGE_ALLOC_COSTLY_ORDER || repeat);
        this.log.event("retry-decision", { order, progress, doRetry });
        if (!doRetry) {
          const noretry = (gfp & GFP_2611.__GFP_NORETRY) !== 0;
          const why = progress
            ? noretry
              ? "reclaim progressed, __GFP_NORETRY: no retry"
              : "reclaim progressed, order > 3 is not retried"
            : noretry
              ? "no progress, __GFP_NORETRY: no OOM killer, no retry"
              : "no progress and no __GFP_FS: no OOM killer, and order > 3 is not retried";
          return this.fail(gfp, order, why);
        }
        this.hooks.congestionWait(Math.floor(this.clock.hz / 50));
      }
    }
  }

  /** rt_task(current). */
  private rt(p: Task | null): boolean {
    return p?.rt === true;
  }

  private reclaim(zl: Zonelist, gfp: number, order: number, p: Task | null): number {
    if (p) p.memalloc = true;
    const progress = this.hooks.tryToFreePages(zl, gfp, order);
    if (p) p.memalloc = false;
    this.log.event("reclaim", { order, progress });
    return progress;
  }

  private ok(pfn: number, order: number, pass: string): number {
    this.log.event("alloc-ok", { pfn, order, pass });
    return pfn;
  }

  /** __alloc_pages after panic(): no return in the kernel; here NULL, with no warning printed. */
  private halt(gfp: number, order: number): number {
    this.stats.failures++;
    this.log.event("alloc-fail", { gfp, order, why: "kernel panic: the machine stopped" });
    return -1;
  }

  private fail(gfp: number, order: number, why: string): number {
    this.stats.failures++;
    this.log.event("alloc-fail", { gfp, order, why });
    // nopage: if (!(gfp_mask & __GFP_NOWARN) && printk_ratelimit()) printk(...); dump_stack();
    if (!(gfp & GFP_2611.__GFP_NOWARN) && this.ratelimit.allow()) {
      const comm = this.hooks.current()?.comm ?? "swapper";
      this.log.printk(`${comm}: page allocation failure. order:${order}, mode:0x${gfp.toString(16)}`);
    }
    return -1;
  }

  /** __free_pages: order 0 to the CPU's hot list (free_hot_cold_page: when full, batch pages from
   *  its tail go back to the buddy first), larger orders straight to the buddy (__free_pages_ok). */
  freePages(pfn: number, order: number, cold = false): void {
    if (order === 0) {
      const slot = this.slotOf(pfn);
      const lists = this.pcp.get(slot)?.[0];
      if (lists) {
        const pcp = cold ? lists.cold : lists.hot;
        if (pcp.count >= pcp.high) this.freePagesBulk(slot, pcp, pcp.batch);
        this.machine.setOwner(pfn, PCP_OWNER);
        pcp.list.unshift(pfn);
        pcp.count++;
        return;
      }
    }
    this.machine.free(pfn);
    this.hooks.onZoneFree(this.slotOf(pfn));
  }

  /** free_pages_bulk: count pages from the list's tail back to the buddy allocator. */
  freePagesBulk(slot: number, pcp: PerCpuPages, count: number): void {
    this.hooks.onZoneFree(slot);
    while (pcp.list.length && count--) {
      this.machine.free(pcp.list.pop() as number);
      pcp.count--;
    }
  }

  slotOf(pfn: number): number {
    const z = this.machine.machine.zones.find((q) => pfn >= q.startPfn && pfn < q.startPfn + q.spannedPages);
    if (!z) throw new OomlabError("OOMLAB_BAD_PFN", `pfn ${pfn} is in no zone`);
    return z.slot;
  }
}
