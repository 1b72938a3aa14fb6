// The reference per-CPU lists: a plain TypeScript model of struct per_cpu_pages and its paths
// (mm/page_alloc.c 6.1 and 6.18: rmqueue_pcplist, rmqueue_bulk, nr_pcp_alloc, free_frozen_pages,
// nr_pcp_high, nr_pcp_free, free_pcppages_bulk, drain_all_pages) over the reference buddy model, for
// differential tests of assembly/pcp.ts. Lists are arrays of pfns, head first.

import { OomlabError } from "../bindings/errors.js";
import type { MachineState, PcpState, ResolvedMachine } from "../bindings/include/machine.js";
import { MigrateType } from "../bindings/include/linux/mmzone.js";
import { AllocFlags } from "../bindings/mm/internal.js";
import type { Zonelist } from "../bindings/mm/mm_init.js";
import { RefMachine, type RefZone } from "./model.js";

const COSTLY = 3;
const NR_LOWORDER = 3 * (COSTLY + 1);
const NR_LISTS = NR_LOWORDER + 2;
const SCALE_MAX = 5;
const PREV_FREE_HIGH_ORDER = 1;
const FREE_HIGH_BATCH = 2;

interface RefPcp {
  count: number;
  high: number;
  highMin: number;
  highMax: number;
  batch: number;
  flags: number;
  allocFactor: number;
  /** free_count (6.18) / free_factor (6.1). */
  freeCount: number;
  lists: number[][];
}

export class RefPcpMachine extends RefMachine {
  private readonly cpus: number;
  private readonly autotune: boolean;
  private readonly thpOrder: number;
  /** [zone index][cpu]. */
  private readonly pcps: RefPcp[][];
  /** ZONE_BELOW_HIGH and ZONE_RECLAIM_ACTIVE per zone index. */
  private readonly belowHigh: boolean[];
  private readonly reclaimActive: boolean[];
  /** The migratetype each page on a list entered with (6.1's get_pcppage_migratetype). */
  private readonly storedMt = new Map<number, number>();
  cpu = 0;

  constructor(machine: ResolvedMachine) {
    super(machine);
    const p = machine.percpuPagelists;
    if (!p) throw new OomlabError("OOMLAB_BAD_SPEC", "the reference pcp model needs percpuPagelists");
    this.cpus = p.cpus;
    this.autotune = p.rules === "autotune";
    this.thpOrder = p.thpOrder ?? -1;
    this.pcps = this.zones.map((z) =>
      Array.from({ length: p.cpus }, () => {
        const s = z.cfg.pcp ?? { batch: 0, highMin: 0, highMax: 0 };
        return {
          count: 0,
          high: this.autotune ? 0 : s.highMin,
          highMin: s.highMin,
          highMax: s.highMax,
          batch: s.batch,
          flags: p.freeHighBatch ? FREE_HIGH_BATCH : 0,
          allocFactor: 0,
          freeCount: 0,
          lists: Array.from({ length: NR_LISTS }, () => []),
        };
      }),
    );
    this.belowHigh = this.zones.map(() => false);
    this.reclaimActive = this.zones.map(() => false);
  }

  private allowed(order: number): boolean {
    return order <= COSTLY || order === this.thpOrder;
  }
  private pindex(mt: number, order: number): number {
    if (order > COSTLY) return NR_LOWORDER + (mt === MigrateType.Movable ? 1 : 0);
    return 3 * order + mt;
  }
  private pindexOrder(pi: number): number {
    return pi >= NR_LOWORDER ? this.thpOrder : Math.floor(pi / 3);
  }
  private pcpOf(z: RefZone): RefPcp {
    return this.pcps[z.index][this.cpu];
  }

  setReclaimActive(slot: number, on: boolean): void {
    this.reclaimActive[this.zoneOfSlot(slot).index] = on;
  }

  // ---- allocation ----

  protected override tryZones(zl: Zonelist, order: number, mt: number, flags: number, noFallback: boolean): number {
    if (zl.slots.length === 0) return -1;
    const firstNode = this.zoneOfSlot(zl.slots[0]).cfg.node;
    for (let k = 0; k < zl.slots.length; k++) {
      const z = this.zoneOfSlot(zl.slots[k]);
      if (noFallback && k > 0 && z.cfg.node !== firstNode) return -2;
      if (this.autotune && !this.belowHigh[z.index]) {
        // get_page_from_freelist: ZONE_BELOW_HIGH when the zone fails its high mark
        if (!this.zoneWatermarkFast(z, order, this.wmarkPages(z, AllocFlags.WMARK_HIGH), zl.classzoneIdx, flags))
          this.belowHigh[z.index] = true;
      }
      if (!(flags & AllocFlags.NO_WATERMARKS) && !this.zoneAllows(z, order, flags, zl.classzoneIdx)) continue;
      const pfn = this.rmqueue(z, order, mt, flags);
      if (pfn >= 0) return pfn;
    }
    return -1;
  }

  protected override rmqueue(z: RefZone, order: number, mt: number, flags: number): number {
    if (this.allowed(order) && (this.autotune || flags & AllocFlags.CMA || mt !== MigrateType.Movable)) {
      const pfn = this.pcplist(z, order, mt, flags);
      if (pfn >= 0) return pfn;
    }
    return super.rmqueue(z, order, mt, flags);
  }

  private pcplist(z: RefZone, order: number, mt: number, flags: number): number {
    const pcp = this.pcpOf(z);
    pcp.freeCount >>= 1;
    const list = pcp.lists[this.pindex(mt, order)];
    if (list.length === 0) {
      let batch: number;
      if (this.autotune) batch = this.nrPcpAlloc(pcp, z, order);
      else {
        batch = pcp.batch;
        if (batch > 1) batch = Math.max(batch >> order, 2);
      }
      const got = this.bulk(z, order, batch, list, mt, flags);
      pcp.count += got << order;
      if (list.length === 0) return -1;
    }
    const pfn = list.shift() as number;
    this.storedMt.delete(pfn);
    pcp.count -= 2 ** order;
    return pfn;
  }

  private nrPcpAlloc(pcp: RefPcp, z: RefZone, order: number): number {
    const base = pcp.batch;
    let high = Math.min(Math.max(pcp.high, pcp.highMin), pcp.highMax);
    pcp.high = high;
    if (high < base) return 1;
    let batch = order ? base : base * 2 ** pcp.allocFactor;
    if (pcp.highMin !== pcp.highMax && !this.belowHigh[z.index]) {
      high = Math.min(high + batch, pcp.highMax);
      pcp.high = high;
    }
    if (!order) {
      const maxNr = Math.max(high - pcp.count - base, base);
      if (batch <= maxNr && pcp.allocFactor < SCALE_MAX) pcp.allocFactor++;
      batch = Math.min(batch, maxNr);
    }
    if (batch > 1) batch = Math.max(batch >> order, 2);
    return batch;
  }

  /** rmqueue_bulk; 6.18's __rmqueue remembers its mode across the batch. */
  private bulk(z: RefZone, order: number, count: number, list: number[], mt: number, flags: number): number {
    let mode = 0; // NORMAL, CMA, CLAIM, STEAL
    let i = 0;
    for (; i < count; i++) {
      let pfn = -1;
      if (!this.autotune) pfn = this.v61 ? this.rmqueue61(z, order, mt, flags) : this.rmqueue618(z, order, mt, flags);
      else {
        if (flags & AllocFlags.CMA && z.freeCmaPages > Math.floor(z.freePages / 2))
          pfn = this.rmqueueSmallest(z, order, MigrateType.CMA);
        if (pfn < 0 && mode === 0) pfn = this.rmqueueSmallest(z, order, mt);
        if (pfn < 0 && mode <= 1 && flags & AllocFlags.CMA) {
          pfn = this.rmqueueSmallest(z, order, MigrateType.CMA);
          if (pfn >= 0) mode = 1;
        }
        if (pfn < 0 && mode <= 2) {
          pfn = this.rmqueueClaim(z, order, mt, flags);
          if (pfn >= 0) mode = 0;
        }
        if (pfn < 0 && !(flags & AllocFlags.NOFRAGMENT)) {
          pfn = this.rmqueueSteal(z, order, mt);
          if (pfn >= 0) mode = 3;
        }
      }
      if (pfn < 0) break;
      list.push(pfn);
      this.storedMt.set(pfn, this.pageblockType(pfn) === MigrateType.CMA ? MigrateType.CMA : mt);
    }
    return i;
  }

  // ---- freeing ----

  protected override freeBlock(pfn: number): number {
    const i = this.idx(pfn);
    const order = this.order[i];
    if (!this.allowed(order)) return super.freeBlock(pfn);
    const mt = this.pageblockType(pfn);
    if (mt === MigrateType.Isolate) return super.freeBlock(pfn);
    const z = this.zones[this.zoneOf[i]];
    const owner = this.owner[i];
    this.clearHead(pfn);
    this.ownerTotals.set(owner, (this.ownerTotals.get(owner) ?? 0) - 2 ** order);
    this.commit(z, pfn, mt >= 3 ? MigrateType.Movable : mt, mt, order);
    return 2 ** order;
  }

  private commit(z: RefZone, pfn: number, listMt: number, mt: number, order: number): void {
    const pcp = this.pcpOf(z);
    const pi = this.pindex(listMt, order);
    pcp.lists[pi].unshift(pfn);
    this.storedMt.set(pfn, mt);
    pcp.count += 2 ** order;
    const batch = pcp.batch;
    if (!this.autotune) {
      const freeHigh = pcp.freeCount !== 0 && order !== 0 && order <= COSTLY;
      let high = pcp.high;
      if (!high || freeHigh) high = 0;
      else if (this.reclaimActive[z.index]) high = Math.min(batch * 4, high);
      if (pcp.count < high) return;
      let n: number;
      if (freeHigh) n = pcp.count;
      else if (high < batch) n = 1;
      else {
        n = batch * 2 ** pcp.freeCount;
        if (n < high - batch && pcp.freeCount < SCALE_MAX) pcp.freeCount++;
        n = Math.min(Math.max(n, batch), high - batch);
      }
      this.bulkFree(z, n, pcp, pi);
      return;
    }
    pcp.allocFactor >>= 1;
    let freeHigh = false;
    if (order && order <= COSTLY) {
      freeHigh =
        pcp.freeCount >= batch + Math.trunc(pcp.highMin / 2) &&
        (pcp.flags & PREV_FREE_HIGH_ORDER) !== 0 &&
        (!(pcp.flags & FREE_HIGH_BATCH) || pcp.count >= batch);
      pcp.flags |= PREV_FREE_HIGH_ORDER;
    } else pcp.flags &= ~PREV_FREE_HIGH_ORDER;
    if (pcp.freeCount < batch * 2 ** SCALE_MAX) pcp.freeCount += 2 ** order;
    // nr_pcp_high
    let high = Math.min(Math.max(pcp.high, pcp.highMin), pcp.highMax);
    pcp.high = high;
    if (high && freeHigh) {
      pcp.high = Math.max(high - batch * 2 ** SCALE_MAX, pcp.highMin);
      high = 0;
    } else if (high && this.reclaimActive[z.index]) {
      pcp.high = Math.max(high - Math.max(pcp.freeCount, batch), pcp.highMin);
      high = Math.min(batch * 4, pcp.high);
    } else if (high && pcp.highMin !== pcp.highMax) {
      if (this.belowHigh[z.index]) {
        pcp.high = Math.max(high - Math.max(pcp.freeCount, batch), pcp.highMin);
        high = Math.max(pcp.count, pcp.highMin);
      } else if (pcp.count >= high) {
        const need = pcp.freeCount + batch;
        if (pcp.high < need) pcp.high = Math.min(Math.max(need, pcp.highMin), pcp.highMax);
      }
    }
    if (pcp.count < high) return;
    let n: number;
    if (freeHigh) n = Math.min(pcp.count, batch * 2 ** SCALE_MAX);
    else if (high < batch) n = 1;
    else n = Math.min(Math.max(pcp.freeCount, batch), high - batch);
    this.bulkFree(z, n, pcp, pi);
    if (this.belowHigh[z.index]) {
      const mark = this.wmarkPages(z, AllocFlags.WMARK_HIGH);
      if (this.zoneWatermarkOk618(z, 0, mark, 4, 0, z.freePages)) this.belowHigh[z.index] = false;
    }
  }

  /** free_pcppages_bulk. */
  private bulkFree(z: RefZone, count: number, pcp: RefPcp, pindex: number): void {
    count = Math.min(pcp.count, count);
    let pi = pindex - 1;
    while (count > 0) {
      do {
        if (++pi > NR_LISTS - 1) pi = 0;
      } while (pcp.lists[pi].length === 0);
      const order = this.pindexOrder(pi);
      const list = pcp.lists[pi];
      do {
        const pfn = list.pop() as number;
        const stored = this.storedMt.get(pfn) as number;
        this.storedMt.delete(pfn);
        count -= 2 ** order;
        pcp.count -= 2 ** order;
        const pb = this.pageblockType(pfn);
        this.freeOne618(z, pfn, order, this.autotune || pb === MigrateType.Isolate ? pb : stored, false);
      } while (count > 0 && list.length > 0);
    }
  }

  /** decay_pcp_high on every CPU and zone (6.18 rules only). */
  decayPcpHigh(): number {
    if (!this.autotune) return 0;
    let todo = 0;
    for (let cpu = 0; cpu < this.cpus; cpu++) {
      for (const z of [...this.zones].sort((a, b) => a.cfg.slot - b.cfg.slot)) {
        if (z.cfg.spannedPages === 0) continue;
        const pcp = this.pcps[z.index][cpu];
        if (pcp.high > pcp.highMin) {
          pcp.high = Math.max(pcp.count - pcp.batch * 2 ** SCALE_MAX, pcp.high - (pcp.high >> 3), pcp.highMin);
          if (pcp.high > pcp.highMin) todo++;
        }
        if (pcp.count - pcp.high > 0) {
          this.bulkFree(z, pcp.count - pcp.high, pcp, 0);
          todo++;
        }
      }
    }
    return todo;
  }

  /** drain_all_pages(zone slot) or of every zone; returns the pages drained. */
  drainAllPages(slot?: number): number {
    let pages = 0;
    for (let cpu = 0; cpu < this.cpus; cpu++) {
      for (const z of [...this.zones].sort((a, b) => a.cfg.slot - b.cfg.slot)) {
        if (slot !== undefined && z.cfg.slot !== slot) continue;
        const pcp = this.pcps[z.index][cpu];
        const before = pcp.count;
        let count: number;
        do {
          count = pcp.count;
          if (count) {
            const n = Math.min(count, pcp.batch * 2 ** SCALE_MAX);
            this.bulkFree(z, n, pcp, 0);
            count -= n;
          }
        } while (count);
        pages += before - pcp.count;
      }
    }
    return pages;
  }

  override snapshot(): MachineState {
    const s = super.snapshot();
    const pcp: PcpState[] = [];
    for (const z of [...this.zones].sort((a, b) => a.cfg.slot - b.cfg.slot)) {
      if (z.cfg.spannedPages === 0) continue;
      this.pcps[z.index].forEach((p, cpu) => {
        const { count, high, batch, highMin, highMax } = p;
        pcp.push({ slot: z.cfg.slot, cpu, count, high, batch, highMin, highMax, lists: p.lists.map((l) => [...l]) });
      });
    }
    s.pcp = pcp;
    return s;
  }
}
