// churn: the churn benchmark's allocate/free loop (docs/churn-benchmark.md) with its order mix,
// migratetype mix and lifetimes as parameters, on the cell's placement policy (default: the engine's
// fast path of the era; docs/policies.md). With the benchmark's parameters (orders 0:70 1:15 2:8 3:4
// 4:2 9:1, one migratetype, allocPercent 50, fillPercent 50, capPercent 60, watermark min) on its
// machine it makes the benchmark's decisions. On the engine each request is one Machine.alloc or
// Machine.free call into WASM (about 0.1 us each here), so a million-request cell runs in well under a
// second without batching.

import type { ResolvedMachine } from "../../include/machine.js";
import { LiveSet } from "../live.js";
import { WeightedPick } from "../params.js";
import type { Recorder } from "../metrics.js";
import { MT_BY_KEY, MT_KEYS, defineWorkload } from "./types.js";
import { WATERMARKS, type Placement, type WatermarkName } from "../policies/types.js";

export { WATERMARKS, type WatermarkName };

/** One request to the cell's placement policy at a watermark, counted in rec; the pfn or -1. */
export function allocBlock(m: Placement, rec: Recorder, order: number, mt: number, wmark: WatermarkName): number {
  const pfn = m.alloc(order, mt, wmark);
  rec.alloc(order, pfn >= 0);
  return pfn;
}

/** Managed pages of the machine (the N of the percentages). */
export function managedPages(m: { machine: ResolvedMachine }): number {
  return m.machine.zones.reduce((s, z) => s + z.managedPages, 0);
}

export interface ChurnParams {
  requests: number;
  orders: Record<string, number>;
  migratetypes: Record<string, number>;
  fillPercent: number;
  watermark: WatermarkName;
  lifetime: "random" | "uniform";
  allocPercent: number;
  capPercent: number;
  meanLifetime: Record<string, number>;
}

export const CHURN_DEFAULT_ORDERS = { 0: 70, 1: 15, 2: 8, 3: 4, 4: 2, 9: 1 };

/** A binary min-heap of (due request, live-set slot id) for uniform lifetimes. */
class DeathHeap {
  due: number[] = [];
  id: number[] = [];
  push(due: number, id: number): void {
    const d = this.due;
    const q = this.id;
    let i = d.length;
    d.push(due);
    q.push(id);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (d[p] < due || (d[p] === due && q[p] < id)) break;
      d[i] = d[p];
      q[i] = q[p];
      i = p;
    }
    d[i] = due;
    q[i] = id;
  }
  get top(): number {
    return this.due.length ? this.due[0] : Number.POSITIVE_INFINITY;
  }
  pop(): number {
    const d = this.due;
    const q = this.id;
    const out = q[0];
    const lastD = d.pop() as number;
    const lastQ = q.pop() as number;
    if (d.length === 0) return out;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= d.length) break;
      const r = l + 1;
      const c = r < d.length && (d[r] < d[l] || (d[r] === d[l] && q[r] < q[l])) ? r : l;
      if (d[c] > lastD || (d[c] === lastD && q[c] > lastQ)) break;
      d[i] = d[c];
      q[i] = q[c];
      i = c;
    }
    d[i] = lastD;
    q[i] = lastQ;
    return out;
  }
}

export const churn = defineWorkload<ChurnParams>({
  name: "churn",
  runsOn: "machine",
  parse(p, m) {
    const orderKeys = Array.from({ length: m.maxOrder }, (_, o) => String(o));
    const lifetime = p.oneOf("lifetime", "random", ["random", "uniform"] as const);
    const out: ChurnParams = {
      requests: p.int("requests", 100_000, 0, 1_000_000_000),
      orders: p.weights("orders", CHURN_DEFAULT_ORDERS, orderKeys),
      migratetypes: p.weights("migratetypes", { unmovable: 20, movable: 70, reclaimable: 10 }, MT_KEYS),
      fillPercent: p.int("fillPercent", 50, 0, 100),
      watermark: p.oneOf("watermark", "low", WATERMARKS),
      lifetime,
      allocPercent: 50,
      capPercent: 60,
      meanLifetime: {},
    };
    if (lifetime === "random") {
      out.allocPercent = p.int("allocPercent", 50, 1, 99);
      out.capPercent = p.int("capPercent", 60, 1, 100);
    } else {
      const ml = p.weights("meanLifetime", { unmovable: 100_000, movable: 5_000, reclaimable: 20_000 }, MT_KEYS);
      for (const k of MT_KEYS)
        if (out.migratetypes[k] > 0 && !(ml[k] > 0))
          throw p.error("meanLifetime", `must give ${k} (in the migratetype mix) a mean above 0`);
      out.meanLifetime = ml;
    }
    return out;
  },
  run({ placement: m, rec, rng }, p) {
    const orders = new WeightedPick(p.orders, Number);
    const mts = new WeightedPick(p.migratetypes, (k) => MT_BY_KEY[k]);
    // one migratetype: no draw, so the benchmark's stream (and its checksum) is kept
    const pickMt = mts.keys.length === 1 ? () => mts.keys[0] : () => mts.pick(rng());
    const n = managedPages(m);
    const live = new LiveSet();
    const alloc = (order: number, mt: number): number => {
      const pfn = allocBlock(m, rec, order, mt, p.watermark);
      if (pfn >= 0) live.add(pfn, order, mt);
      return pfn;
    };
    const freeAt = (i: number) => {
      m.free(live.removeAt(i));
      rec.free();
    };
    let prefillFailed = false;
    rec.phase("prefill");
    if (p.lifetime === "random") {
      const fill = Math.floor((n * p.fillPercent) / 100);
      while (live.pages < fill) if (alloc(orders.pick(rng()), pickMt()) < 0) break;
      const cap = Math.floor((n * p.capPercent) / 100);
      const allocBelow = Math.floor((2 ** 32 * p.allocPercent) / 100);
      let capFrees = 0;
      let noops = 0;
      rec.phase("churn");
      for (let r = 0; r < p.requests; r++) {
        if (rng() < allocBelow) {
          const order = orders.pick(rng());
          if (live.pages + 2 ** order > cap) {
            if (live.count > 0) {
              freeAt(rng() % live.count);
              capFrees++;
            } else {
              noops++;
              rec.free();
            }
          } else alloc(order, pickMt());
        } else if (live.count > 0) freeAt(rng() % live.count);
        else {
          noops++;
          rec.free();
        }
      }
      return { metrics: { churn_cap_frees: capFrees, churn_noops: noops }, blocks: live.forEach };
    }
    // uniform lifetimes: every request allocates; a block requested as mt lives 1 .. 2 * mean - 1
    // requests (uniform: mean `mean`); due blocks are freed before each request
    const heap = new DeathHeap();
    // live-set slots move when entries are removed: ids map to the slot through slotOf
    const slotOf: number[] = [];
    const idAt: number[] = [];
    let nextId = 0;
    const meanOf = [p.meanLifetime.unmovable ?? 0, p.meanLifetime.movable ?? 0, p.meanLifetime.reclaimable ?? 0];
    const allocTimed = (now: number) => {
      const order = orders.pick(rng());
      const mt = pickMt();
      const mean = meanOf[mt];
      const life = 1 + (rng() % (2 * mean - 1));
      if (alloc(order, mt) < 0) return false;
      const id = nextId++;
      slotOf[id] = live.count - 1;
      idAt[live.count - 1] = id;
      heap.push(now + life, id);
      return true;
    };
    const fill = Math.floor((n * p.fillPercent) / 100);
    while (live.pages < fill && !prefillFailed) prefillFailed = !allocTimed(0);
    rec.phase("churn");
    for (let r = 0; r < p.requests; r++) {
      while (heap.top <= r) {
        const id = heap.pop();
        const slot = slotOf[id];
        const last = live.count - 1;
        freeAt(slot);
        if (slot !== last) {
          const moved = idAt[last];
          slotOf[moved] = slot;
          idAt[slot] = moved;
        }
      }
      allocTimed(r);
    }
    return { blocks: live.forEach };
  },
});
