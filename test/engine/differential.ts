// The differential driver: the WASM engine (debug build) against the plain TypeScript reference
// model (reference/model.ts) on a seeded random operation sequence over a random machine. Used by
// differential.test.ts (small machines, every state compared) and differential.slow.test.ts (large
// machines). PLAN is what the two files run; together well over 1,000,000 operations.

import { expect } from "vitest";
import { resolveMachine } from "../../bindings/mm/mm_init.js";
import { OomlabError } from "../../bindings/errors.js";
import type { AllocRequest, Era, MachineSpec, ZoneSpec } from "../../bindings/include/machine.js";
import { ZONE_TYPES } from "../../bindings/include/linux/mmzone.js";
import { AllocFlags } from "../../bindings/mm/internal.js";
import { RefMachine } from "../../reference/model.js";
import { wasmMachine, xorshift32 } from "../helpers.js";
import type { Machine } from "../../bindings/engine/machine.js";

/** 6.1.141 has 6.18's ALLOC_* bits: one list for both. */
const MODERN_FLAG_SETS: number[] = [
  AllocFlags.WMARK_LOW | AllocFlags.KSWAPD,
  AllocFlags.WMARK_MIN,
  AllocFlags.WMARK_HIGH,
  AllocFlags.WMARK_LOW | AllocFlags.CMA,
  AllocFlags.WMARK_LOW | AllocFlags.NOFRAGMENT | AllocFlags.KSWAPD,
  AllocFlags.WMARK_MIN | AllocFlags.MIN_RESERVE | AllocFlags.NON_BLOCK | AllocFlags.HIGHATOMIC | AllocFlags.KSWAPD,
  AllocFlags.WMARK_MIN | AllocFlags.OOM,
  AllocFlags.WMARK_MIN | AllocFlags.NON_BLOCK,
  AllocFlags.NO_WATERMARKS | AllocFlags.CMA,
  AllocFlags.WMARK_MIN | AllocFlags.MIN_RESERVE,
];

/** Flag sets a caller could pass, per era (2.6.11 reads 0x10 as can_try_harder, 0x20 as gfp_high;
 *  6.1.141 has 6.18's ALLOC_* bits). */
const FLAG_SETS: Record<Era, number[]> = {
  "2.6.11": [
    AllocFlags.WMARK_LOW,
    AllocFlags.WMARK_MIN,
    AllocFlags.WMARK_HIGH,
    AllocFlags.WMARK_MIN | AllocFlags.MIN_RESERVE,
    AllocFlags.WMARK_MIN | AllocFlags.NON_BLOCK | AllocFlags.MIN_RESERVE,
    AllocFlags.NO_WATERMARKS,
  ],
  "6.18": MODERN_FLAG_SETS,
  "6.1": MODERN_FLAG_SETS,
};

interface MachineParams {
  era: Era;
  maxOrder: number;
  pageblockOrder: number;
  nodes: number;
  zonePages: number;
  seed: number;
}

/** A random machine: 1-2 nodes, 1-3 zones each, unaligned starts, holes, reserved pages, gaps,
 *  CMA areas (6.18), explicit small watermarks or the era's formula. */
export function randomMachine(p: MachineParams): MachineSpec {
  const rng = xorshift32(p.seed);
  const pb = 2 ** p.pageblockOrder;
  const types = p.era === "2.6.11" ? ["DMA", "Normal", "HighMem"] : ZONE_TYPES;
  let pfn = rng() % 3 === 0 ? rng() % 64 : 2 ** (p.maxOrder - 1) * (rng() % 3);
  const nodes = [];
  for (let n = 0; n < p.nodes; n++) {
    const zones: ZoneSpec[] = [];
    const pick = types.filter(() => rng() % 2 === 0).slice(0, 3);
    if (pick.length === 0) pick.push(types[rng() % types.length]);
    for (const type of pick) {
      const spanned = Math.max(8, Math.floor(p.zonePages * (0.5 + (rng() % 100) / 100)));
      const present = rng() % 4 === 0 ? spanned - (rng() % Math.max(1, spanned >> 3)) : spanned;
      const managed = rng() % 4 === 0 ? present - (rng() % Math.max(1, present >> 4)) : present;
      const z: ZoneSpec = {
        type: type as ZoneSpec["type"],
        startPfn: pfn,
        spannedPages: spanned,
        presentPages: present,
        managedPages: managed,
      };
      if (p.era !== "2.6.11" && rng() % 3 === 0) {
        const first = Math.ceil((pfn + present - managed) / pb) * pb;
        const room = Math.floor((pfn + present - first) / pb);
        if (room >= 2) z.cma = [{ startPfn: first + pb * (rng() % (room - 1)), pages: pb }];
      }
      if (rng() % 2 === 0) {
        const min = rng() % Math.max(1, managed >> 5);
        const low = min + (rng() % Math.max(1, managed >> 6));
        z.watermarks = { min, low, high: low + (rng() % Math.max(1, managed >> 6)) };
      }
      zones.push(z);
      pfn += spanned + (rng() % 3 === 0 ? rng() % 40 : 0);
    }
    nodes.push({ zones });
  }
  return {
    era: p.era,
    maxOrder: p.maxOrder,
    pageblockOrder: p.pageblockOrder,
    minFreeKbytes: rng() % 2 ? undefined : rng() % 512,
    nodes,
  } as MachineSpec;
}

/** Deep equality through JSON first (fast), expect().toEqual only to report a difference. */
function same(a: unknown, b: unknown, msg: string): void {
  if (JSON.stringify(a) !== JSON.stringify(b)) expect(a, msg).toEqual(b);
}

type Outcome = { ok: number } | { err: string };
function attempt(f: () => number): Outcome {
  try {
    return { ok: f() };
  } catch (e) {
    if (e instanceof OomlabError) return { err: e.code };
    throw e;
  }
}

export interface RunOptions {
  ops: number;
  /** Compare the complete state every this many operations (1 = always). */
  fullEvery: number;
  /** Run the engine's invariant check every this many operations. */
  checkEvery: number;
}

/** How often a sequence reached the rarer paths, summed over the machine's zones at the end. */
export interface Coverage {
  fallbacks: number;
  boostEvents: number;
  highatomicReserved: number;
  /** Pages unreserve_highatomic_pageblock gave back over the sequence. */
  highatomicUnreserved: number;
  cmaFree: number;
}

/** Runs one seeded operation sequence on both engines, comparing as it goes; returns how often it
 *  reached the rarer paths. */
export function runSequence(spec: MachineSpec, seed: number, o: RunOptions): Coverage {
  const w: Machine = wasmMachine(spec);
  const r = new RefMachine(resolveMachine(spec));
  expect(w.snapshot()).toEqual(r.snapshot());
  const rng = xorshift32(seed);
  const flags = FLAG_SETS[spec.era];
  const zoneTypes = [...new Set(w.machine.zones.map((z) => z.type))];
  const nodes = Math.max(...w.machine.zones.map((z) => z.node)) + 1;
  const slots = w.machine.zones.map((z) => z.slot);
  const live: number[] = [];
  const maxOrder = w.machine.maxOrder;
  let unreserved = 0;
  for (let i = 1; i <= o.ops; i++) {
    const op = rng() % 100;
    let label: string;
    if (op < 52 || live.length === 0) {
      const rr = rng() % 100;
      const order = (rr < 55 ? 0 : rr < 75 ? 1 : rr < 87 ? 2 : rr < 94 ? 3 : rng()) % maxOrder;
      const req: AllocRequest = {
        order,
        node: rng() % nodes,
        highestZone: zoneTypes[rng() % zoneTypes.length],
        migratetype: (rng() % 3) as 0 | 1 | 2,
        allocFlags: flags[rng() % flags.length],
        owner: 1 + (rng() % 5),
      };
      if (rng() % 10 === 0) req.zoneSlot = slots[rng() % slots.length];
      label = `alloc ${JSON.stringify(req)}`;
      const a = w.alloc(req);
      const b = r.alloc(req);
      expect(a, `op ${i}: ${label}`).toBe(b);
      if (a >= 0) live.push(a);
    } else if (op < 95) {
      const k = rng() % live.length;
      const pfn = live[k];
      live[k] = live[live.length - 1];
      live.pop();
      label = `free ${pfn}`;
      w.free(pfn);
      r.free(pfn);
    } else if (op < 97) {
      // rejected calls: a double free or a pfn inside a block must change nothing
      const pfn =
        rng() % 2 && live.length ? live[rng() % live.length] + 1 : w.machine.basePfn + (rng() % w.machine.nrPages);
      label = `bad free ${pfn}`;
      const before = o.fullEvery === 1 ? w.snapshot() : null;
      const a = attempt(() => {
        w.free(pfn);
        return 0;
      });
      const b = attempt(() => {
        r.free(pfn);
        return 0;
      });
      expect(a, `op ${i}: ${label}`).toEqual(b);
      if ("ok" in a) live.splice(live.indexOf(pfn), 1);
      else if (before) same(w.snapshot(), before, `op ${i}: ${label} changed the state`);
    } else if (op < 98) {
      const owner = 1 + (rng() % 5);
      label = `freeOwner ${owner}`;
      expect(w.ownerPages(owner), label).toBe(r.ownerPages(owner));
      expect(w.freeOwner(owner), label).toBe(r.freeOwner(owner));
      const still = new Set(w.snapshot().allocated.map((b) => b[0]));
      for (let k = live.length - 1; k >= 0; k--) if (!still.has(live[k])) live.splice(k, 1);
    } else if (spec.era !== "2.6.11" && rng() % 3 === 0) {
      // unreserve_highatomic_pageblock, forced or not, back to a random allocation migratetype
      const slot = slots[rng() % slots.length];
      const mt = rng() % 3;
      const force = rng() % 2 === 0;
      label = `unreserveHighatomic slot ${slot} mt ${mt} force ${force}`;
      const moved = w.unreserveHighatomic(slot, mt, force);
      expect(moved, label).toBe(r.unreserveHighatomic(slot, mt, force));
      unreserved += moved;
    } else {
      const slot = slots[rng() % slots.length];
      const order = rng() % maxOrder;
      const mark = rng() % 64;
      const hz = rng() % 5;
      label = `watermark checks slot ${slot} order ${order} mark ${mark}`;
      const harder = rng() % 2 === 0;
      const high = rng() % 2 === 0;
      expect(w.watermarkOk2611(slot, order, mark, hz, harder, high), label).toBe(
        r.watermarkOk2611(slot, order, mark, hz, harder, high),
      );
      const f = flags[rng() % flags.length];
      expect(w.watermarkOk618(slot, order, mark, hz, f), label).toBe(r.watermarkOk618(slot, order, mark, hz, f));
    }
    for (const s of slots) same(w.counters(s), r.counters(s), `op ${i}: ${label}, zone slot ${s}`);
    if (i % o.fullEvery === 0) same(w.snapshot(), r.snapshot(), `op ${i}: ${label}`);
    if (i % o.checkEvery === 0) w.checkInvariants();
  }
  w.checkInvariants();
  same(w.snapshot(), r.snapshot(), "final state");
  const c: Coverage = {
    fallbacks: 0,
    boostEvents: 0,
    highatomicReserved: 0,
    highatomicUnreserved: unreserved,
    cmaFree: 0,
  };
  for (const z of w.allStats()) {
    c.fallbacks += z.fallbacks;
    c.boostEvents += z.boostEvents;
    c.highatomicReserved += z.nrReservedHighatomic;
    c.cmaFree += z.freeCmaPages;
  }
  return c;
}

/** Adds b into a. */
export function addCoverage(a: Coverage, b: Coverage): Coverage {
  a.fallbacks += b.fallbacks;
  a.boostEvents += b.boostEvents;
  a.highatomicReserved += b.highatomicReserved;
  a.highatomicUnreserved += b.highatomicUnreserved;
  a.cmaFree += b.cmaFree;
  return a;
}

export const ERAS: Era[] = ["2.6.11", "6.1", "6.18"];

/** Seed offsets per era (6.18's and 2.6.11's are the ones used before 6.1 was added). */
const SEED_OFFSET: Record<Era, { small: number; large: number }> = {
  "2.6.11": { small: 0, large: 0 },
  "6.1": { small: 2000, large: 61 },
  "6.18": { small: 1000, large: 77 },
};

/** What the differential suites run per era: fast-check runs and seeded small machines
 *  (differential.test.ts), large machines (differential.slow.test.ts). */
export const PLAN = {
  fastCheck: { runs: 80, ops: 250 },
  small: { machines: 30, ops: 3000 },
  large: { machines: 4, ops: 110_000, fullEvery: 25_000 },
} as const;

/** The seeded small machine n of an era. */
export function smallMachine(era: Era, n: number): { spec: MachineSpec; seed: number } {
  const seed = n * 7919 + SEED_OFFSET[era].small;
  const maxOrder = 4 + (n % 8);
  const pageblockOrder = Math.max(1, maxOrder - 1 - (n % 4));
  const spec = randomMachine({
    era,
    maxOrder,
    pageblockOrder,
    nodes: 1 + (n % 2),
    zonePages: 128 + 64 * (n % 12),
    seed,
  });
  return { spec, seed };
}

/** The seeded large machine n of an era: 2^15 or 2^16 pages a zone, scaled by 0.5 .. 1.5. */
export function largeMachine(era: Era, n: number): { spec: MachineSpec; seed: number } {
  const seed = 424242 + n + SEED_OFFSET[era].large;
  const pageblockOrder = era === "2.6.11" ? 10 : 9;
  const spec = randomMachine({
    era,
    maxOrder: 11,
    pageblockOrder,
    nodes: 1 + (n % 2),
    zonePages: 2 ** (15 + (n % 2)),
    seed,
  });
  return { spec, seed };
}
