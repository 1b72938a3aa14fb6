// kswapd of 2.6.11 as a thread (mm/vmscan.c 2.6.11: kswapd, balance_pgdat with loop_again, its
// HZ/10 naps counted by total_scanned, zone->all_unreclaimable), the simulated scheduler that runs
// it while the allocating task sleeps, and the scenario events around it (busy pages, fork-exit).

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { validateScenario, type Scenario } from "../../../bindings/scenario/schema.js";
import { buildKernel } from "../../../bindings/scenario/build.js";
import { replay } from "../../../bindings/scenario/replay.js";
import { KernelLog } from "../../../bindings/sim/log.js";
import { SimClock } from "../../../bindings/sim/clock.js";
import { eventsOfKind, type SimEvent, type SimEventOf } from "../../../bindings/sim/events.js";
import { LruList, Vmscan2611, type LruPage } from "../../../bindings/linux-2.6.11/mm/vmscan.js";

const SEED: Scenario = JSON.parse(readFileSync(new URL("../../../scenarios/seed.json", import.meta.url), "utf8"));

/** The seed machine with its 23 inactive page-cache pages made locked or busy, no background load. */
function machine(inactive: "locked" | "busy"): Scenario {
  const sc = structuredClone(SEED);
  sc.events = [];
  const run = sc.layout.find((l) => l.lru?.busy) as Scenario["layout"][number];
  run.lru = { list: "inactive", [inactive]: true };
  // the 96 cold pages are gone (reclaimed earlier): their frames hold kernel data instead
  const cold = sc.layout.find((l) => l.count === 96) as Scenario["layout"][number];
  cold.kind = "kernel";
  delete cold.lru;
  return sc;
}

type ReclaimPass<W> = Extract<SimEventOf<"reclaim-pass">, { who: W }>;
const passes = <W extends "direct" | "kswapd">(ev: SimEvent[], who: W): ReclaimPass<W>[] =>
  eventsOfKind(ev, "reclaim-pass").filter((e): e is ReclaimPass<W> => e.who === who);

describe("kswapd (2.6.11 balance_pgdat, as a thread)", () => {
  it("only locked pages: scans without napping (total_scanned stays 0) until the zone is all_unreclaimable", () => {
    const k = buildKernel(validateScenario(machine("locked")));
    const dma = k.zoneSlot("DMA");
    // GFP_ATOMIC|__GFP_NOWARN order 5: fails at once, but wakes kswapd (LOW fails for order 5)
    expect(k.allocPages(0x220, 5, 1)).toBe(-1);
    k.sleep(10); // the CPU is free: kswapd runs
    const ev = k.log.events;
    const ks = passes(ev, "kswapd");
    expect(ks.length).toBeGreaterThan(13); // more than one sweep of priorities 12..0: goto loop_again
    expect(new Set(ks.map((e) => e.t))).toEqual(new Set([0])); // no nap: all at one instant
    expect(ks.every((e) => e.scanned === 0)).toBe(true); // locked pages are not counted in nr_scanned
    expect(k.vmscan.zones.get(dma)?.allUnreclaimable).toBe(true);
    // it stopped at the first check after pages_scanned reached 4 x (20 active + 23 inactive)
    const mark = ev.find((e) => e.kind === "all-unreclaimable");
    expect(mark?.pagesScanned).toBeGreaterThanOrEqual(172);
    expect(ev.filter((e) => e.kind === "kswapd-done")).toHaveLength(1);
    // direct reclaim now scans the zone at DEF_PRIORITY only, makes no progress: the OOM killer
    const before = ev.length;
    k.current = k.tasks.find((t) => t.pid === 453) ?? null;
    k.allocPages(0x2d0, 5, 1);
    const direct = passes(k.log.events.slice(before), "direct");
    expect(direct).toHaveLength(13);
    expect(direct.every((e) => e.pagesScanned[0] === direct[0].pagesScanned[0])).toBe(true);
    expect(k.log.lines.find((l) => l.startsWith("DMA free:"))).toMatch(/all_unreclaimable\? yes/);
  });

  it("gives up the CPU for a jiffy every kswapdLoopsPerJiffy loops, so that a spinning kswapd lets time pass", () => {
    const k = buildKernel(validateScenario(machine("locked")));
    k.vmscan.kswapdLoopsPerJiffy = 1;
    k.allocPages(0x220, 5, 1);
    k.sleep(100);
    const loopStarts = passes(k.log.events, "kswapd")
      .filter((e) => e.priority === 12)
      .map((e) => e.t);
    // 2 loops to reach 4 x 43 pages scanned, then the priority-12 pass of the last loop
    expect(loopStarts).toEqual([0, 10, 20]);
    expect(k.vmscan.zones.get(k.zoneSlot("DMA"))?.allUnreclaimable).toBe(true);
  });

  it("with busy pages it counts them scanned and naps HZ/10 at every priority below 10", () => {
    const k = buildKernel(validateScenario(machine("busy")));
    k.current = k.tasks.find((t) => t.pid === 453) ?? null;
    k.allocPages(0x2d0, 5, 1);
    const ks = passes(k.log.events, "kswapd");
    // the first sweep: priorities 12..0 (with 43 LRU pages the scan budgets reach 32 only at the
    // low priorities); once it has scanned a busy page, each later priority starts 100 ms after the last
    const times = ks.map((e) => e.t);
    expect(Math.max(...times)).toBeGreaterThan(Math.min(...times));
    const firstScan = ks.findIndex((e) => e.scanned > 0);
    expect(firstScan).toBeGreaterThanOrEqual(0);
    const next = ks[firstScan + 1];
    expect(next.t - ks[firstScan].t).toBe(100);
  });

  it("direct reclaim naps HZ/10 after a priority that scanned pages, whatever HZ is", () => {
    for (const hz of [100, 250, 1000]) {
      const sc = machine("busy");
      sc.hz = hz;
      const k = buildKernel(validateScenario(sc));
      k.current = k.tasks.find((t) => t.pid === 453) ?? null;
      k.allocPages(0x2d0 | 0x200, 5, 1); // __GFP_NORETRY: one reclaim, no OOM killer
      const direct = passes(k.log.events, "direct");
      const i = direct.findIndex((e) => e.scanned > 0 && e.priority < 10);
      expect(i).toBeGreaterThanOrEqual(0);
      // the next pass, or the end of try_to_free_pages after priority 0, comes one nap later
      const after = direct[i + 1] ?? k.log.events.find((e) => e.kind === "reclaim");
      expect((after?.t ?? NaN) - direct[i].t).toBe(100);
    }
  });

  it("sleeps until woken and is woken only when a zone fails pages_low for the order", () => {
    const k = buildKernel(validateScenario(machine("busy")));
    k.current = k.tasks.find((t) => t.pid === 453) ?? null;
    k.allocPages(0xd0, 0, 1); // order 0 passes LOW: kswapd stays asleep
    k.congestionWait(50);
    expect(k.log.events.some((e) => e.kind === "kswapd-wake" || e.kind === "kswapd-run")).toBe(false);
    k.allocPages(0xd0, 3, 1); // order 3 passes LOW on this zone (docs/seed-report.md): still asleep
    k.congestionWait(50);
    expect(k.log.events.some((e) => e.kind === "kswapd-run")).toBe(false);
    k.allocPages(0x2d0 | 0x200, 5, 1); // order 5 fails LOW (__GFP_NORETRY: no OOM killer)
    expect(k.log.events.filter((e) => e.kind === "kswapd-run").map((e) => e.order)).toEqual([5]);
  });

  it("runs only while the allocating task sleeps, and a due timer runs before it", () => {
    const k = buildKernel(validateScenario(machine("busy")));
    const order: string[] = [];
    k.addTimer(30, () => order.push(`timer@${k.clock.nowMs}`));
    k.addTimer(10, () => order.push(`timer@${k.clock.nowMs}`));
    k.current = k.tasks.find((t) => t.pid === 453) ?? null;
    k.allocPages(0x2d0 | 0x200, 5, 1);
    k.sleep(40);
    expect(order).toEqual(["timer@10", "timer@30"]);
    expect(k.clock.nowMs).toBeGreaterThanOrEqual(40);
  });
});

describe("scenario events around reclaim", () => {
  const forkRun = (count: number | null) => {
    const sc = machine("locked");
    sc.events = [
      // KM_NOSLEEP: GFP_ATOMIC, fails at once and wakes kswapd, which marks the zone unreclaimable
      { do: "kmem_alloc", task: 453, at: 0, size: 98304, flags: ["KM_NOSLEEP"] },
      { do: "kmem_alloc", task: 453, at: 1000, size: 98304, flags: ["KM_SLEEP"] },
    ];
    if (count !== null)
      sc.events.push({ do: "fork-exit", task: 452, every: 1000, from: 0, until: 0, lifetime: 500, count });
    return replay(sc);
  };
  const dmaLine = (r: ReturnType<typeof replay>) => r.lines.find((l) => l.startsWith("DMA free:")) as string;

  it("ARM keeps up to 4 freed kernel stacks: one child's exit frees nothing into the zone", () => {
    expect(dmaLine(forkRun(null))).toMatch(/all_unreclaimable\? yes/);
    const r = forkRun(4);
    const exits = r.events.filter((e) => e.kind === "exit");
    expect(exits.map((e) => [e.t, e.freed])).toEqual(new Array(4).fill([500, false]));
    expect(dmaLine(r)).toMatch(/all_unreclaimable\? yes/);
  });

  it("fifth stack freed at once: to the buddy allocator (order 1); resets pages_scanned and all_unreclaimable", () => {
    const r = forkRun(5);
    const forks = r.events.filter((e) => e.kind === "fork");
    const exits = r.events.filter((e) => e.kind === "exit");
    expect(forks.map((e) => e.t)).toEqual([0, 0, 0, 0, 0]);
    expect(exits.map((e) => e.freed)).toEqual([false, false, false, false, true]);
    expect(exits.map((e) => e.stack).sort()).toEqual(forks.map((e) => e.stack).sort());
    const marked = r.events.find((e) => e.kind === "all-unreclaimable");
    expect(marked && marked.t < 500).toBe(true);
    // at 1000 direct reclaim starts from 0 on a zone no longer marked: one full pass over 20 active
    // and 23 locked pages, nothing reclaimed, then the OOM killer prints what that pass scanned
    const direct = passes(r.events, "direct");
    expect(direct.map((e) => e.t)).toEqual(new Array(13).fill(1000));
    expect(direct[0].pagesScanned[0]).toBe(0);
    const last = direct[12].pagesScanned[0];
    expect(last).toBeGreaterThan(0);
    expect(last).toBeLessThan(172);
    expect(dmaLine(r)).toContain(`pages_scanned:${last} all_unreclaimable? no`);
  });

  it("rejects periodic events without a period of at least 1 ms", () => {
    const sc = structuredClone(SEED);
    sc.events.push({ do: "fork-exit", task: 452, every: 0.5 });
    expect(() => validateScenario(sc)).toThrow(/events\[2\]\.every 0\.5 is out of range: a number from 1 to/);
    const sc2 = structuredClone(SEED);
    sc2.events.push({ do: "fork-exit", task: 452 });
    expect(() => validateScenario(sc2)).toThrow(/events\[2\]\.every is missing/);
    const sc3 = structuredClone(SEED);
    sc3.events.push({ do: "fork-exit", task: 452, every: 100, count: 0 });
    expect(() => validateScenario(sc3)).toThrow(/events\[2\]\.count 0 is out of range: an integer from 1 to 64/);
  });
});

describe("the scan arithmetic behind the seed's pages_scanned (README, The seed replay)", () => {
  // 2.6.11 shrink_zone over the report's lists, 20 active mapped pages in the working set and 23
  // inactive pages reclaim keeps: for every pair of scan budgets carried in (0..31 each), what one
  // direct-reclaim pass adds to zone->pages_scanned at each priority. No page is freed, so nothing
  // resets the counter in between.
  const perPriority = (a: number, b: number): number[] => {
    const clock = new SimClock();
    const log = new KernelLog(clock);
    const swap = {
      totalPages: 1000,
      freePages: 1000,
      add: 0,
      del: 0,
      findSuccess: 0,
      findTotal: 0,
      noentRace: 0,
      existRace: 0,
    };
    const hooks = {
      freePage: () => {},
      zoneOkHigh: () => false,
      swappedOut: () => {},
      congestionWait: () => {},
      totalMemory: () => 3646,
    };
    const v = new Vmscan2611(swap, hooks, log);
    const z = v.addZone(0, 4096);
    for (let i = 0; i < 20; i++)
      v.add(0, {
        pfn: i,
        owner: 1,
        anon: true,
        mapped: true,
        hot: true,
        dirty: false,
        writeback: false,
        swapCache: false,
        active: true,
      });
    for (let i = 0; i < 23; i++)
      v.add(0, {
        pfn: 100 + i,
        owner: 2,
        anon: false,
        mapped: false,
        hot: false,
        dirty: false,
        writeback: false,
        swapCache: false,
        active: false,
        busy: true,
      });
    z.nrScanActive = a;
    z.nrScanInactive = b;
    expect(v.tryToFreePages([0], 0x2d0, 5)).toBe(0);
    expect([z.active.length, z.inactive.length]).toEqual([20, 23]);
    const scanned = passes(log.events, "direct").map((e) => e.pagesScanned[0]);
    return scanned.map((ps, i) => ps - (scanned[i - 1] ?? 0)); // priorities 12 .. 0
  };
  const all: number[][] = [];
  for (let a = 0; a < 32; a++) for (let b = 0; b < 32; b++) all.push(perPriority(a, b));

  it("a whole pass from priority 12 to 0 isolates at least 68 pages", () => {
    const totals = all.map((p) => p.reduce((s, x) => s + x, 0));
    expect(Math.min(...totals)).toBe(68);
  });

  it("priority 0 alone isolates 0, 20 to 40, or 48 and more: never 41", () => {
    const p0 = new Set(all.map((p) => p[12]));
    for (const x of p0) expect(x === 0 || (x >= 20 && x <= 40) || x >= 48).toBe(true);
    expect(p0.has(41)).toBe(false);
    // priorities 1 and 0 together
    const p10 = new Set(all.map((p) => p[11] + p[12]));
    expect(p10.has(41)).toBe(false);
  });

  it("no suffix of a pass (a free between two priorities, then the rest of the pass) adds up to 41", () => {
    const suffixes = new Set<number>();
    for (const p of all) for (let i = 0; i < p.length; i++) suffixes.add(p.slice(i).reduce((s, x) => s + x, 0));
    expect(suffixes.has(41)).toBe(false);
    expect(suffixes.has(40)).toBe(true); // the arithmetic does reach its neighbours
  });
});

describe("LruList: zone->active_list / inactive_list", () => {
  const page = (pfn: number, owner = pfn % 3): LruPage => ({
    pfn,
    owner,
    anon: false,
    mapped: false,
    hot: false,
    dirty: false,
    writeback: false,
    swapCache: false,
    active: false,
  });

  it("behaves as an array with the head at index 0: unshift at the head, pop from the tail, removal in order", () => {
    // the model is the representation the lists had before (head first, unshift and pop)
    const op = fc.oneof(
      fc.record({ op: fc.constant("add" as const), pfn: fc.nat(50) }),
      fc.record({ op: fc.constant("take" as const), n: fc.nat(40) }),
      fc.record({ op: fc.constant("exit" as const), owner: fc.nat(2) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (script) => {
        const list = new LruList();
        const model: LruPage[] = [];
        for (const s of script) {
          if (s.op === "add") {
            const p = page(s.pfn);
            list.unshift(p);
            model.unshift(p);
          } else if (s.op === "take") {
            for (let i = 0; i < s.n; i++) expect(list.pop()).toBe(model.pop());
          } else {
            const removed: LruPage[] = [];
            for (let i = model.length - 1; i >= 0; i--)
              if (model[i].owner === s.owner) removed.push(...model.splice(i, 1));
            expect(list.removeWhere((p) => p.owner === s.owner)).toEqual(removed);
          }
          expect(list.length).toBe(model.length);
        }
        expect([...list]).toEqual(model);
      }),
      { numRuns: 200, seed: 20261206 },
    );
  });

  it("keeps its order through a million pages in and out (the queue compacts as it empties)", () => {
    const list = new LruList();
    for (let i = 0; i < 1_000_000; i++) list.unshift(page(i));
    for (let i = 0; i < 999_999; i++) list.pop();
    expect([...list].map((p) => p.pfn)).toEqual([999_999]);
    expect(list.pop()?.pfn).toBe(999_999);
    expect(list.pop()).toBeUndefined();
  });
});
