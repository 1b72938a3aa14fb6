// The differential driver of test/engine/compaction.test.ts: the engine's compact_zone pass (debug
// build) against the reference pass on the same fragmented machine, every pass and the whole state
// compared, and the engine's invariant check after every pass.

import { expect } from "vitest";
import { resolveMachine } from "../../bindings/mm/mm_init.js";
import type { MachineSpec } from "../../bindings/include/machine.js";
import { MigrateType } from "../../bindings/include/linux/mmzone.js";
import type { MigrateModeName } from "../../bindings/include/linux/compaction.js";
import { AllocFlags } from "../../bindings/mm/internal.js";
import type { CompactZoneOptions, Machine } from "../../bindings/engine/machine.js";
import { RefMachine } from "../../reference/model.js";
import { refCompactZone, refResetIsolationSuitable } from "../../reference/compaction.js";
import { wasmMachine, xorshift32 } from "../helpers.js";

const MODES: MigrateModeName[] = ["async", "sync-light", "sync"];

/** Same state in both: snapshots, movable bits, skip hints, cached positions. */
function sameState(w: Machine, r: RefMachine, label: string): void {
  const a = w.snapshot();
  const b = r.snapshot();
  if (JSON.stringify(a) !== JSON.stringify(b)) expect(a, label).toEqual(b);
  const movW = a.allocated.map(([pfn]) => w.isMovable(pfn));
  const movR = b.allocated.map(([pfn]) => r.isMovable(pfn));
  expect(movW, `${label}: movable bits`).toEqual(movR);
  const pb = 2 ** w.machine.pageblockOrder;
  const skipW: boolean[] = [];
  const skipR: boolean[] = [];
  for (let p = w.machine.basePfn; p < w.machine.basePfn + w.machine.nrPages; p += pb) {
    skipW.push(w.pageblockSkip(p));
    skipR.push(r.pageblockSkip(p));
  }
  expect(skipW, `${label}: skip hints`).toEqual(skipR);
  for (const z of w.machine.zones) {
    if (z.spannedPages === 0) continue;
    const c = r.zoneRecord(z.slot).compact;
    const unset = (v: number) => (v < w.machine.basePfn ? null : v);
    expect(w.compactCache(z.slot), `${label}: cached positions of slot ${z.slot}`).toEqual({
      cachedMigrateAsync: unset(c.cachedMigrate[0]),
      cachedMigrateSync: unset(c.cachedMigrate[1]),
      cachedFree: unset(c.cachedFree),
      initMigrate: unset(c.initMigrate),
      initFree: unset(c.initFree),
      blockskipFlush: c.blockskipFlush,
    });
  }
}

/** Fragments both machines the same way: allocations of every type and order, then frees. */
function fragment(w: Machine, r: RefMachine, rng: () => number, ops: number): number[] {
  const live: number[] = [];
  const maxOrder = w.machine.maxOrder;
  const zoneTypes = [...new Set(w.machine.zones.map((z) => z.type))];
  for (let i = 0; i < ops; i++) {
    if (rng() % 100 < 62 || live.length === 0) {
      const rr = rng() % 100;
      const order = (rr < 60 ? 0 : rr < 80 ? 1 : rr < 90 ? 2 : rng()) % maxOrder;
      const roll = rng() % 10;
      const req = {
        order,
        highestZone: zoneTypes[rng() % zoneTypes.length],
        migratetype: (roll < 7 ? MigrateType.Movable : roll < 9 ? MigrateType.Unmovable : MigrateType.Reclaimable) as
          | 0
          | 1
          | 2,
        allocFlags: AllocFlags.WMARK_MIN,
        owner: 1 + (rng() % 7),
      };
      const a = w.alloc(req);
      expect(a, `alloc ${JSON.stringify(req)}`).toBe(r.alloc(req));
      if (a >= 0) live.push(a);
    } else {
      const k = rng() % live.length;
      const pfn = live[k];
      live[k] = live[live.length - 1];
      live.pop();
      w.free(pfn);
      r.free(pfn);
    }
  }
  // a few blocks change their movability (pinned pages, movable-ops pages)
  for (const pfn of live) {
    if (rng() % 12 !== 0) continue;
    const v = rng() % 2 === 0;
    w.setMovable(pfn, v);
    r.setMovable(pfn, v);
  }
  return live;
}

/** Fills the rest of memory with movable order-0 pages and frees about half of them: free memory
 *  in small blocks scattered over movable pageblocks, the case compaction (and capture) is for. */
function pepper(w: Machine, r: RefMachine, rng: () => number): void {
  const taken: number[] = [];
  for (;;) {
    const req = { order: 0, migratetype: MigrateType.Movable as 1, allocFlags: AllocFlags.NO_WATERMARKS, owner: 9 };
    const a = w.alloc(req);
    expect(a).toBe(r.alloc(req));
    if (a < 0) break;
    taken.push(a);
  }
  for (const pfn of taken) {
    if (rng() % 2 === 0) continue;
    w.free(pfn);
    r.free(pfn);
  }
}

function randomOptions(rng: () => number, maxOrder: number, pbOrder: number): CompactZoneOptions {
  const r = rng() % 100;
  const order = r < 10 ? -1 : r < 60 ? 1 + (rng() % Math.min(3, maxOrder - 1)) : 1 + (rng() % (maxOrder - 1));
  const proactive = order === -1 && rng() % 3 === 0;
  const opts: CompactZoneOptions = {
    order,
    migratetype: (rng() % 3) as 0 | 1 | 2,
    mode: MODES[rng() % 3],
    wholeZone: rng() % 4 === 0,
    ignoreSkipHint: rng() % 5 === 0,
    ignoreBlockSuitable: rng() % 5 === 0,
    direct: rng() % 4 !== 0,
    capture: rng() % 2 === 0,
    owner: 100 + (rng() % 3),
    resetSkip: rng() % 4 === 0,
    hpageOrder: rng() % 2 === 0 ? pbOrder : Math.min(maxOrder - 1, pbOrder + 1),
  };
  if (proactive) opts.proactive = { wmarkLow: rng() % 101 };
  return opts;
}

/** Runs passes on both, comparing everything; returns totals over the passes. */
export function runPasses(spec: MachineSpec, seed: number, ops: number, passes: number) {
  const w = wasmMachine(spec);
  const r = new RefMachine(resolveMachine(spec));
  const rng = xorshift32(seed);
  const totals = { moves: 0, captured: 0, fails: 0, results: new Set<string>() };
  try {
    fragment(w, r, rng, ops);
    if (seed % 3 !== 0) pepper(w, r, rng);
    sameState(w, r, "after the workload");
    const slots = w.machine.zones.filter((z) => z.spannedPages > 0).map((z) => z.slot);
    for (let k = 0; k < passes; k++) {
      const slot = slots[rng() % slots.length];
      if (rng() % 8 === 0) {
        w.resetIsolationSuitable(slot);
        refResetIsolationSuitable(r, slot);
      }
      const opts = randomOptions(rng, w.machine.maxOrder, w.machine.pageblockOrder);
      const label = `pass ${k} on slot ${slot}: ${JSON.stringify(opts)}`;
      const a = w.compactZone(slot, opts);
      const b = refCompactZone(r, slot, opts);
      expect({ ...a, moves: Array.from(a.moves) }, label).toEqual({ ...b, moves: Array.from(b.moves) });
      w.checkInvariants();
      sameState(w, r, label);
      totals.moves += a.moves.length / 3;
      totals.captured += a.capturedPfn >= 0 ? 1 : 0;
      totals.fails += a.counters.pgmigrateFail;
      totals.results.add(a.resultName);
      // some churn between passes, so cached positions and skip hints meet a changed zone
      if (rng() % 3 === 0) fragment(w, r, rng, 40);
    }
  } finally {
    w.dispose();
  }
  return totals;
}
