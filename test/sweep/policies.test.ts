// The placement and caller policies (docs/policies.md): each placement policy on a small case worked
// by hand, the LLFree-like allocator's invariants as a property, the kernel-buffers workload's counts
// under each caller policy, the grid over policy.placement, and the refusals.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OomlabError } from "../../bindings/errors.js";
import type { MachineSpec } from "../../bindings/include/machine.js";
import { MigrateType } from "../../bindings/include/linux/mmzone.js";
import { resolveMachine } from "../../bindings/mm/mm_init.js";
import { checkCell, runCell, type CellInput } from "../../bindings/sweep/cell.js";
import { expandSweep, validateSweepSpec } from "../../bindings/sweep/spec.js";
import {
  PLACEMENT_POLICIES,
  PLACEMENT_POLICY_NAMES,
  PolicyError,
  type Placement,
} from "../../bindings/sweep/policies/index.js";
import { LLFreePlacement } from "../../bindings/sweep/policies/llfree.js";

/** One Normal zone of `pages` at pfn 0 with watermarks 0 (nothing fails a watermark). */
const zone = (era: "2.6.11" | "6.18", pages: number, extra: Partial<MachineSpec> = {}): MachineSpec => ({
  era,
  minFreeKbytes: 0,
  nodes: [
    {
      zones: [
        {
          type: "Normal",
          startPfn: 0,
          spannedPages: pages,
          watermarks: { min: 0, low: 0, high: 0 },
          lowmemReserve: [0, 0, 0, 0, 0],
        },
      ],
    },
  ],
  ...extra,
});

const policy = (name: string) => {
  const p = PLACEMENT_POLICIES.find((x) => x.name === name);
  if (!p) throw new Error(name);
  return p;
};

function withPlacement<T>(name: string, spec: MachineSpec, f: (p: Placement) => T): T {
  const pol = policy(name);
  const p = pol.create(pol.machineSpec(spec));
  try {
    return f(p);
  } finally {
    p.dispose();
  }
}

/** The OomlabError a call throws. */
function errorOf(f: () => unknown): OomlabError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(OomlabError);
    return e as OomlabError;
  }
  throw new Error("did not throw");
}

describe("the registry", () => {
  it("lists the five placement policies", () => {
    expect(PLACEMENT_POLICY_NAMES).toEqual([
      "buddy-2.6.11",
      "buddy-6.1",
      "buddy-6.18",
      "buddy-6.18-nomobility",
      "llfree",
    ]);
  });
});

describe("grouping by mobility off (page_group_by_mobility_disabled, mm/page_alloc.c 6.18)", () => {
  // 6.18, 4096 pages, maxOrder 10: the largest block is order 9, one pageblock; 8 pageblocks, all
  // MIGRATE_MOVABLE at boot (memmap_init runs before build_all_zonelists decides). 4096 >= 512 * 6, so
  // the kernel itself would keep grouping on.
  const spec = zone("6.18", 4096, { maxOrder: 10 });
  const M = MigrateType.Movable;
  const U = MigrateType.Unmovable;

  it("is a machine field: mobilityGrouping false forces it, 2.6.11 refuses the field", () => {
    expect(resolveMachine(spec).mobilityDisabled).toBe(false);
    expect(resolveMachine({ ...spec, mobilityGrouping: false }).mobilityDisabled).toBe(true);
    expect(resolveMachine({ ...spec, mobilityGrouping: true }).mobilityDisabled).toBe(false);
    const e = errorOf(() => resolveMachine({ ...zone("2.6.11", 4096), mobilityGrouping: false }));
    expect(e.message).toContain("mobilityGrouping");
  });

  it("with grouping on, a movable request takes a movable page: no fallback, pageblocks unchanged", () => {
    withPlacement("buddy-6.18", spec, (p) => {
      expect(p.alloc(0, M, "min")).toBe(0);
      expect(Array.from(p.pageblockTypes() ?? [])).toEqual([M, M, M, M, M, M, M, M]);
      expect(p.fallbacks()).toEqual({ total: 0, changeOwnership: 0 });
    });
  });

  it("with it off, the same request is unmovable, falls back into a movable pageblock and claims it", () => {
    withPlacement("buddy-6.18-nomobility", spec, (p) => {
      expect(p.machine.mobilityDisabled).toBe(true);
      // gfp_migratetype: UNMOVABLE; no unmovable free block, so __rmqueue_claim takes the order-9
      // movable block at pfn 0 (>= pageblock_order: the whole block is claimed), expand keeps pfn 0
      // and puts 256 + 128 + ... + 1 = 511 pages on the UNMOVABLE lists
      expect(p.alloc(0, M, "min")).toBe(0);
      expect(Array.from(p.pageblockTypes() ?? [])).toEqual([U, M, M, M, M, M, M, M]);
      expect(p.fallbacks()).toEqual({ total: 1, changeOwnership: 1 });
      // the next 511 requests come from those lists: no fallback; the 513th claims pageblock 1
      for (let i = 1; i < 512; i++) expect(p.alloc(0, M, "min")).toBe(i);
      expect(p.fallbacks().total).toBe(1);
      expect(p.alloc(0, M, "min")).toBe(512);
      expect(Array.from(p.pageblockTypes() ?? [])).toEqual([U, U, M, M, M, M, M, M]);
      expect(p.fallbacks()).toEqual({ total: 2, changeOwnership: 2 });
      // every block is recorded as requested UNMOVABLE
      const mts = new Set<number>();
      p.blocks()?.((_pfn, _order, mt) => mts.add(mt));
      expect([...mts]).toEqual([U]);
    });
  });
});

describe("buddy-2.6.11", () => {
  it("runs the machine as 2.6.11: one free list, no pageblock migratetypes, the workload keeps the records", () => {
    withPlacement("buddy-2.6.11", zone("6.18", 1024), (p) => {
      expect(p.machine.era).toBe("2.6.11");
      expect(p.pageblockTypes()).toBeNull();
      expect(p.blocks()).toBeNull();
      // 1024 free pages as one order-10 block; an order-0 request splits it from the bottom
      expect(p.alloc(0, MigrateType.Unmovable, "min")).toBe(0);
      expect(p.counters(p.machine.zones.find((z) => z.managedPages > 0)?.slot ?? 0).nrFree).toEqual([
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
      ]);
    });
  });
});

describe("llfree", () => {
  it("reserves a tree per kind, fills it first fit and keeps the other huge frames whole (by hand)", () => {
    // 8192 pages: 16 huge frames of 512, 2 trees of 8
    withPlacement("llfree", zone("6.18", 8192), (p) => {
      const slot = p.machine.zones.find((z) => z.managedPages > 0)?.slot ?? 0;
      // movable order 0: no reservation yet; no partial tree, so the first free tree (0): pfn 0
      expect(p.alloc(0, MigrateType.Movable, "min")).toBe(0);
      // unmovable order 0: tree 0 is the movable reservation's, so the next free tree (1): pfn 4096
      expect(p.alloc(0, MigrateType.Unmovable, "min")).toBe(4096);
      // movable order 9: a whole free frame from tree 0 on; frame 0 holds pfn 0, frame 1 is free: 512
      expect(p.alloc(9, MigrateType.Movable, "min")).toBe(512);
      const c = p.counters(slot);
      // frames 0 and 8 have page 0 used: pages 1..511 are blocks of orders 0, 1, ..., 8 (1 + 2 + ... +
      // 256 = 511), one of each per frame; frame 9 alone (its pair 8 is not free) is one order 9;
      // frames 2-7 and 10-15 pair into 6 order-10 blocks. 2 * 511 + 512 + 6 * 1024 = 7678 free.
      expect(c.nrFree).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 6]);
      expect(c.freePages).toBe(8192 - 1 - 1 - 512);
      p.free(512);
      p.free(0);
      p.free(4096);
      expect(p.counters(slot).nrFree).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8]);
      expect(() => p.free(4096)).toThrow(OomlabError);
      expect(p.fallbacks()).toEqual({ total: 0, changeOwnership: 0 });
      expect(p.pageblockTypes()).toBeNull();
    });
  });

  it("skips a hole smaller than the request: an order-1 block needs both pages of an aligned pair", () => {
    withPlacement("llfree", zone("6.18", 8192), (p) => {
      expect([p.alloc(0, 1, "min"), p.alloc(0, 1, "min"), p.alloc(0, 1, "min")]).toEqual([0, 1, 2]);
      p.free(0); // free: pfn 0 alone (1 is live), 3, 4, ...
      expect(p.alloc(1, 1, "min")).toBe(4); // not 0 (its pair holds 1), not 2 (3 is free but 2 is not)
      expect(p.alloc(0, 1, "min")).toBe(0); // first fit fills the hole
    });
  });

  it("refuses a machine without 2 MiB huge frames", () => {
    const e = errorOf(() => new LLFreePlacement(zone("6.18", 8192, { maxOrder: 9, pageblockOrder: 8 })));
    expect(e.message).toContain("llfree");
  });

  it("property: no page is handed out twice, and the free counts always add up", () => {
    // two zones of one tree each (DMA 4095 pages from pfn 1: pfn 0 is not the zone's; Normal 4096 from
    // 4096), so that the reservations share trees and revisit the holes frees leave
    const spec: MachineSpec = {
      era: "6.18",
      minFreeKbytes: 0,
      nodes: [
        {
          zones: [
            { type: "DMA", startPfn: 1, spannedPages: 4095, watermarks: { min: 0, low: 0, high: 0 } },
            { type: "Normal", startPfn: 4096, spannedPages: 4096, watermarks: { min: 0, low: 0, high: 0 } },
          ],
        },
      ],
    };
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("alloc" as const),
        // small orders often, so that frees leave holes of every size between live blocks
        order: fc.oneof(
          { arbitrary: fc.integer({ min: 0, max: 2 }), weight: 6 },
          { arbitrary: fc.integer({ min: 0, max: 10 }), weight: 1 },
        ),
        mt: fc.nat(2),
      }),
      fc.record({ kind: fc.constant("free" as const), at: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const p = new LLFreePlacement(spec);
        const managed = p.machine.zones.reduce((s, z) => s + z.managedPages, 0);
        const owned = new Uint8Array(8192);
        const live: [number, number][] = [];
        let livePages = 0;
        const check = () => {
          let free = 0;
          let listed = 0;
          for (const z of p.machine.zones) {
            if (z.managedPages === 0) continue;
            const c = p.counters(z.slot);
            free += c.freePages;
            c.nrFree.forEach((n, o) => {
              listed += n * 2 ** o;
            });
          }
          expect(free).toBe(managed - livePages);
          expect(listed).toBe(free);
          let visited = 0;
          p.blocks()((_pfn, order) => {
            visited += 2 ** order;
          });
          expect(visited).toBe(livePages);
        };
        for (const o of ops) {
          if (o.kind === "alloc") {
            const pfn = p.alloc(o.order, o.mt, "min");
            if (pfn < 0) continue;
            expect(pfn % 2 ** o.order).toBe(0); // naturally aligned
            for (let i = pfn; i < pfn + 2 ** o.order; i++) {
              expect(owned[i]).toBe(0); // never handed out twice
              owned[i] = 1;
            }
            live.push([pfn, o.order]);
            livePages += 2 ** o.order;
          } else if (live.length > 0) {
            const [pfn, order] = live.splice(o.at % live.length, 1)[0];
            p.free(pfn);
            owned.fill(0, pfn, pfn + 2 ** order);
            livePages -= 2 ** order;
          }
        }
        check();
        for (const [pfn] of live) p.free(pfn);
        livePages = 0;
        check();
      }),
      { numRuns: 100, seed: 7 },
    );
  });
});

describe("refusals name the policy and the workload", () => {
  const base: CellInput = {
    era: "6.18",
    machine: zone("6.18", 8192),
    workload: { name: "churn", params: { requests: 100 } },
    seed: 1,
  };

  it("refuses a placement policy the kernel model cannot run on", () => {
    const e = errorOf(() =>
      runCell({ ...base, workload: { name: "page-cache", params: {} }, policy: { placement: "llfree" } }),
    );
    expect(e).toBeInstanceOf(PolicyError);
    expect([(e as PolicyError).policy, (e as PolicyError).workload]).toEqual(["llfree", "page-cache"]);
    expect(e.code).toBe("OOMLAB_BAD_SPEC");
    expect(e.message).toContain("buddy-6.1, buddy-6.18, buddy-6.18-nomobility");
    expect(() =>
      checkCell({ ...base, workload: { name: "thp-storm", params: {} }, policy: { placement: "buddy-2.6.11" } }),
    ).toThrow(PolicyError);
  });

  it("refuses unknown names and a caller policy on a workload that takes none", () => {
    expect(errorOf(() => checkCell({ ...base, policy: { placement: "slab" } })).message).toContain(
      'policy.placement "slab" is not one of buddy-2.6.11, buddy-6.1, buddy-6.18, buddy-6.18-nomobility, llfree',
    );
    const e = errorOf(() => checkCell({ ...base, policy: { caller: "kvmalloc" } }));
    expect([(e as PolicyError).policy, (e as PolicyError).workload]).toEqual(["kvmalloc", "churn"]);
    expect(
      errorOf(() =>
        checkCell({ ...base, workload: { name: "kernel-buffers", params: {} }, policy: { caller: "vmalloc" } }),
      ).message,
    ).toContain("is not one of kmalloc, kvmalloc, pre-bdfb04301fa5, bdfb04301fa5");
  });
});

describe("a grid over policy.placement", () => {
  it("gives one cell per policy, each runs, and each policy changes what pepper leaves", () => {
    const x = expandSweep(
      validateSweepSpec({
        format: "oomlab-sweep/1",
        name: "placement",
        machine: zone("6.18", 8192),
        workload: { name: "pepper", params: { probes: 8 } },
        grid: [{ path: "policy.placement", values: [...PLACEMENT_POLICY_NAMES] }],
      }),
      checkCell,
    );
    expect(x.cells.map((c) => c.id)).toEqual(PLACEMENT_POLICY_NAMES.map((n) => `policy.placement=${n}`));
    const m = x.cells.map((c) => runCell({ ...c.input, seed: 1 }).metrics);
    // only 6.1 and 6.18 with grouping keep pageblock migratetypes worth a mixed count
    expect(m.map((r) => r.mixed_pageblocks !== undefined)).toEqual([false, true, true, false, false]);
    // only the 6.1 and 6.18 buddy allocators fall back between migratetype lists
    expect(m[0].extfrag_fallbacks).toBe(0);
    expect(m[4].extfrag_fallbacks).toBe(0);
    expect(m[1].extfrag_fallbacks as number).toBeGreaterThan(0);
    expect(m[2].extfrag_fallbacks as number).toBeGreaterThan(0);
    // every policy serves the same requests of the pepper phase from the same memory
    for (const r of m) expect(r.free_pages).toBeTypeOf("number");
    expect(JSON.stringify(runCell({ ...x.cells[4].input, seed: 1 }).metrics)).toBe(JSON.stringify(m[4]));
  });
});

describe("kernel-buffers under each caller policy (a 16 MiB 6.18 machine, by hand)", () => {
  // DMA32, 4096 pages from pfn 4096; no user process; every free page taken by an unmovable kernel page,
  // then all but the first of every 32 freed: the free memory is blocks of orders 0..4 only (31 pages
  // after each kept one), so an order-4 request (64 KiB) is served and an order-5 one (128 KiB) is not.
  const cell = (caller: string, sizeKb: number, extra: Record<string, unknown> = {}): CellInput => ({
    era: "6.18",
    machine: { era: "6.18", nodes: [{ zones: [{ type: "DMA32", startPfn: 4096, spannedPages: 4096 }] }] },
    workload: {
      name: "kernel-buffers",
      params: { sizeKb, requests: 4, lifetime: 0, anonPercent: 0, maxRetries: 5, ...extra },
    },
    policy: { caller },
    seed: 1,
  });
  const buf = (caller: string, sizeKb: number, extra?: Record<string, unknown>) => {
    const m = runCell(cell(caller, sizeKb, extra)).metrics;
    return Object.fromEntries(Object.entries(m).filter(([k]) => k.startsWith("buffer_")));
  };
  const zero = { buffer_retries: 0, buffer_livelocks: 0, buffer_unserved: 0, buffer_oom_kills: 0, buffer_panic: 0 };

  it("kmalloc: 64 KiB served, 128 KiB fails every time (a costly order: no OOM kill)", () => {
    expect(buf("kmalloc", 64)).toMatchObject({ ...zero, buffer_requests: 4, buffer_failures: 0, buffer_vmalloc: 0 });
    expect(buf("kmalloc", 128)).toMatchObject({ ...zero, buffer_requests: 4, buffer_failures: 4, buffer_vmalloc: 0 });
  });

  it("kvmalloc and pre-bdfb04301fa5: 128 KiB from vmalloc every time", () => {
    expect(buf("kvmalloc", 128)).toMatchObject({ ...zero, buffer_requests: 4, buffer_failures: 0, buffer_vmalloc: 4 });
    // >= MAX_SLAB_SIZE (128 KiB): __vmalloc first
    expect(buf("pre-bdfb04301fa5", 128)).toMatchObject({ ...zero, buffer_failures: 0, buffer_vmalloc: 4 });
    // below it, kmalloc: 64 KiB is order 4, served
    expect(buf("pre-bdfb04301fa5", 64)).toMatchObject({ ...zero, buffer_failures: 0, buffer_vmalloc: 0 });
  });

  it("bdfb04301fa5: 128 KiB livelocks at the bound; the stream ends there", () => {
    // kmalloc only, forever: 5 failed attempts, each followed by a HZ/50 sleep (20 ms at HZ 1000):
    // 100 simulated ms, then the bound; the first request is stuck, the other 3 never made
    expect(buf("bdfb04301fa5", 128)).toMatchObject({
      buffer_requests: 1,
      buffer_failures: 0,
      buffer_retries: 5,
      buffer_livelocks: 1,
      buffer_unserved: 4,
      buffer_latency_ms_sum: 100,
      buffer_latency_ms_max: 100,
    });
    // with KM_MAYFAIL the loop returns NULL after the first attempt
    expect(buf("bdfb04301fa5", 128, { mayFail: true })).toMatchObject({
      ...zero,
      buffer_requests: 4,
      buffer_failures: 4,
    });
  });
});
