// The kernel model's compaction as threads and callers see it: kcompactd woken for an order compacts
// the zone in its own context (kcompactd_do_work), proactive compaction runs on kcompactd's timeout
// while compaction_proactiveness is set, direct compaction's migrations carry the kernel's
// bookkeeping (LRU lists, rss) along, and CONFIG_COMPACTION=n turns all of it off.

import { describe, expect, it } from "vitest";
import "../../helpers.js";
import { Kernel618, type Kernel618Options } from "../../../bindings/linux-6.18/kernel.js";
import { LRU } from "../../../bindings/linux-6.18/include/linux/mm_inline.js";
import { eventsOfKind } from "../../../bindings/sim/events.js";

/** 64 MiB of DMA32 (16384 pages, 32 pageblocks), no swap. Two tasks fault anonymous memory in turns,
 *  256 pages each, 31 times (15872 pages and their page tables); then b is killed: 256-page holes, so
 *  there is plenty free (about 8400 pages) but no free order-9 block, and reclaim cannot help (anon
 *  without swap). Compaction can: a's folios are movable. */
function fragmented(o: Kernel618Options = {}): Kernel618 {
  const k = new Kernel618(
    { era: "6.18", nodes: [{ zones: [{ type: "DMA32", startPfn: 0, spannedPages: 16384 }] }] },
    { swapTotalPages: 0, ...o },
  );
  const a = k.addTask({ pid: 10, comm: "a" });
  const b = k.addTask({ pid: 20, comm: "b" });
  for (let i = 0; i < 31; i++) {
    k.current = a;
    k.faultAnon(10, 256);
    k.current = b;
    k.faultAnon(20, 256);
  }
  k.current = null;
  k.killTask(b);
  return k;
}

const slot = (k: Kernel618) => k.machine.zone("DMA32").slot;
const hugeFree = (k: Kernel618) => {
  const f = k.machine.counters(slot(k)).nrFree;
  return f.slice(9).reduce((s, n, i) => s + n * 2 ** i, 0);
};

describe("kcompactd and proactive compaction in the 6.18 kernel model", () => {
  it("the setup: memory free, no free order-9 block", () => {
    const k = fragmented();
    expect(k.machine.counters(slot(k)).freePages).toBeGreaterThan(7000);
    expect(hugeFree(k)).toBe(0);
  });

  it("wakeup_kcompactd for order 9 queues kcompactd_do_work, which runs in its own context and makes a block", () => {
    const k = fragmented();
    const rssBefore = k.task(10)?.rssAnon;
    const lruBefore = k.folios.lruPages(0, LRU.INACTIVE_ANON) + k.folios.lruPages(0, LRU.ACTIVE_ANON);
    k.compaction.wakeupKcompactd(0, 9, 1);
    expect(k.vm.compact_daemon_wake).toBe(0); // queued, not run yet
    k.schedule(0);
    expect(k.vm.compact_daemon_wake).toBe(1);
    const work = eventsOfKind(k.log.events, "kcompactd_do_work");
    expect(work).toHaveLength(1);
    expect(work[0].ctx).toBe("kcompactd");
    expect(work[0].migrated).toBeGreaterThan(0);
    expect(k.vm.pgmigrate_success).toBe(work[0].migrated);
    expect(k.vm.compact_daemon_migrate_scanned).toBeGreaterThan(0);
    expect(hugeFree(k)).toBeGreaterThan(0);
    // the moved folios are still a's, still on the anon LRU (migrateFolio)
    expect(k.task(10)?.rssAnon).toBe(rssBefore);
    expect(k.folios.lruPages(0, LRU.INACTIVE_ANON) + k.folios.lruPages(0, LRU.ACTIVE_ANON)).toBe(lruBefore);
    // every folio on the anon lists is where the engine holds a block of a's (the LRU followed the moves)
    const base = k.machine.machine.basePfn;
    for (const lru of [LRU.INACTIVE_ANON, LRU.ACTIVE_ANON])
      for (const i of k.folios.list(0, lru)) expect(k.machine.blockAt(i + base)?.owner).toBe(10);
  });

  it("a second wakeup while kcompactd has not run yet does not queue it twice", () => {
    const k = fragmented();
    k.compaction.wakeupKcompactd(0, 9, 1);
    k.compaction.wakeupKcompactd(0, 9, 1);
    k.schedule(0);
    expect(k.vm.compact_daemon_wake).toBe(1);
  });

  it("an order-0 wakeup does nothing (wakeup_kcompactd returns at !order)", () => {
    const k = fragmented();
    k.compaction.wakeupKcompactd(0, 0, 1);
    k.schedule(0);
    expect(k.vm.compact_daemon_wake).toBe(0);
  });

  it("proactive compaction runs every 500 ms of simulated time while the fragmentation score is high", () => {
    const k = fragmented({ compactionProactiveness: 20 });
    k.schedule(499);
    expect(eventsOfKind(k.log.events, "proactive_compaction")).toHaveLength(0);
    k.schedule(1);
    const p = eventsOfKind(k.log.events, "proactive_compaction");
    expect(p).toHaveLength(1);
    expect(p[0].ctx).toBe("kcompactd");
    // the score is extfrag_for_order at order 9 weighted by the zone's share of the node: above the
    // high mark (100 - 20 = 80, + min(10, 40) = 90) before, lower after
    expect(p[0].prevScore).toBeGreaterThan(90);
    expect(p[0].score).toBeLessThan(p[0].prevScore);
    expect(hugeFree(k)).toBeGreaterThan(0);
  });

  it("compaction_proactiveness 0: no proactive pass, but a wakeup still runs kcompactd", () => {
    const k = fragmented({ compactionProactiveness: 0 });
    k.schedule(5000);
    expect(eventsOfKind(k.log.events, "proactive_compaction")).toHaveLength(0);
    expect(hugeFree(k)).toBe(0);
    k.compaction.wakeupKcompactd(0, 9, 1);
    k.schedule(0);
    expect(k.vm.compact_daemon_wake).toBe(1);
  });

  it("CONFIG_COMPACTION=n: neither kcompactd nor proactive compaction", () => {
    const k = fragmented({ configCompaction: false, compactionProactiveness: 20 });
    k.compaction.wakeupKcompactd(0, 9, 1);
    k.schedule(5000);
    expect(k.vm.compact_daemon_wake).toBe(0);
    expect(eventsOfKind(k.log.events, "proactive_compaction")).toHaveLength(0);
    expect(hugeFree(k)).toBe(0);
  });

  it("direct compaction gives a madvised THP fault its huge page; without compaction it falls back", () => {
    for (const configCompaction of [true, false]) {
      const k = fragmented({ configCompaction, compactionProactiveness: 0 });
      k.addTask({ pid: 30, comm: "thp" });
      k.current = k.task(30) ?? null;
      const ok = k.thpFault(30, true);
      expect(ok).toBe(configCompaction);
      expect(k.vm.thp_fault_alloc).toBe(configCompaction ? 1 : 0);
      expect(k.vm.compact_stall > 0).toBe(configCompaction);
      expect(k.vm.compact_success).toBe(configCompaction ? 1 : 0);
    }
  });
});
