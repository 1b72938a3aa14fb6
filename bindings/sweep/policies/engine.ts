// The engine's buddy allocator (assembly/page_alloc.ts: get_page_from_freelist, __free_one_page) as a
// Placement: what the buddy policies (buddy-2.6.11, buddy-6.18, buddy-6.18-nomobility) share. Every
// read is of the engine's own counters and tables, so the metrics are the kernel's.

import { Machine } from "../../engine/machine.js";
import type { MachineSpec } from "../../include/machine.js";
import type { MigrateType } from "../../include/linux/mmzone.js";
import { AllocFlags } from "../../mm/internal.js";
import type { BlockVisitor, Placement, WatermarkName } from "./types.js";

const WMARK_FLAGS: Record<WatermarkName, number> = {
  min: AllocFlags.WMARK_MIN,
  low: AllocFlags.WMARK_LOW,
  high: AllocFlags.WMARK_HIGH,
};

/** Where the engine keeps each zone's fallback counter (allocations served from another
 *  migratetype's free lists, the mm_page_alloc_extfrag events): u32 word indices in engine memory. */
function fallbackWords(m: Machine): { slot: number; word: number }[] {
  const abi = m.engineAbi;
  const base = m.engineExports.zonesPtr() >>> 2;
  return m.machine.zones
    .filter((z) => z.spannedPages > 0)
    .map((z) => ({ slot: z.slot, word: base + z.slot * (abi.ZONE_SIZE >>> 2) + (abi.Z_FALLBACKS >>> 2) }));
}

/** Every allocated block head of the engine, with the migratetype the engine recorded (6.18: the
 *  request's; 2.6.11 records Unmovable for all). */
export function engineBlocks(m: Machine): (visit: BlockVisitor) => void {
  return (visit) => {
    const abi = m.engineAbi;
    const u16 = m.engineViews.u16;
    const at = m.engineExports.infoPtr() >>> 1;
    const base = m.machine.basePfn;
    for (let idx = 0; idx < m.machine.nrPages; idx++) {
      const info = u16[at + idx];
      if (((info >>> abi.STATE_SHIFT) & abi.STATE_MASK) !== abi.STATE_ALLOC) continue;
      visit(idx + base, info & abi.ORDER_MASK, (info >>> abi.MT_SHIFT) & abi.MT_MASK);
    }
  };
}

/** The engine's buddy allocator over one Machine (owned: disposed with the placement). */
export class EnginePlacement implements Placement {
  readonly machine;
  private readonly words: { slot: number; word: number }[];
  private seen = 0;
  private claimed = 0;

  constructor(
    readonly policy: string,
    readonly engine: Machine,
    private readonly owned: boolean,
  ) {
    this.machine = engine.machine;
    this.words = fallbackWords(engine);
  }

  /** A Machine.create of the description, owned by the placement. */
  static create(policy: string, spec: MachineSpec): EnginePlacement {
    return new EnginePlacement(policy, Machine.create(spec), true);
  }

  alloc(order: number, migratetype: number, watermark: WatermarkName): number {
    const pfn = this.engine.alloc({
      order,
      migratetype: migratetype as MigrateType,
      allocFlags: WMARK_FLAGS[watermark],
    });
    if (pfn >= 0) this.checkFallback(pfn);
    return pfn;
  }

  free(pfn: number): void {
    this.engine.free(pfn);
  }

  counters(slot: number) {
    return this.engine.counters(slot);
  }

  private fallbackTotal(): number {
    const u32 = this.engine.engineViews.u32;
    let now = 0;
    for (const w of this.words) now += u32[w.word];
    return now;
  }

  /** After a successful request (from alloc, or from the kernel model's allocFolio): when the engine
   *  counted a fallback for it, whether the block's pageblock now has the migratetype the request
   *  asked for (try_to_claim_block claimed it: the tracepoint's change_ownership) or kept the
   *  fallback type (__rmqueue_steal). */
  checkFallback(pfn: number): void {
    const now = this.fallbackTotal();
    if (now === this.seen) return;
    const events = now - this.seen;
    this.seen = now;
    const m = this.engine;
    const abi = m.engineAbi;
    const idx = pfn - m.machine.basePfn;
    const info = m.engineViews.u16[(m.engineExports.infoPtr() >>> 1) + idx];
    const mt = (info >>> abi.MT_SHIFT) & abi.MT_MASK;
    const pb = m.engineViews.u8[m.engineExports.pageblocksPtr() + (idx >> m.machine.pageblockOrder)] & abi.PB_MT_MASK;
    if (pb === mt) this.claimed += events;
  }

  fallbacks(): { total: number; changeOwnership: number } {
    const total = this.fallbackTotal();
    return { total, changeOwnership: Math.min(this.claimed, total) };
  }

  zoneFallbacks(slot: number): number {
    const w = this.words.find((x) => x.slot === slot);
    return w ? this.engine.engineViews.u32[w.word] : 0;
  }

  zoneFallbacksFragmenting(slot: number): number {
    return this.engine.stats(slot).fallbacksFragmenting;
  }

  pageblockTypes(): ArrayLike<number> | null {
    return this.machine.era !== "2.6.11" ? this.engine.pageblockTypes() : null;
  }

  blocks(): ((visit: BlockVisitor) => void) | null {
    // 2.6.11 records every block as Unmovable: the workload's own records are the requests'
    return this.machine.era !== "2.6.11" ? engineBlocks(this.engine) : null;
  }

  dispose(): void {
    if (this.owned) this.engine.dispose();
  }
}
