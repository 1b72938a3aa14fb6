// The engine through its facade: layouts from named constants, the 6.18 rules one at a time,
// owners, batches, typed errors that leave the state untouched, and the size limit.

import { describe, expect, it } from "vitest";
import {
  Machine,
  OomlabError,
  AllocFlags,
  MigrateType,
  resolveMachine,
  type BatchOp,
  type MachineSpec,
} from "../../bindings/index.js";
import { ENGINES, oneZone, wasmMachine } from "../helpers.js";

const ORDER10 = 1024;

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof OomlabError) return e.code;
    throw e;
  }
  return "no error";
}

describe.each(ENGINES)("buddy layout on $name", ({ make }) => {
  it("boots with every list ascending from its head, and expand() hands out the lowest sub-block", () => {
    const e = make(oneZone("2.6.11", 4 * ORDER10, { minFreeKbytes: 0 }));
    const s = e.snapshot().zones[0];
    expect(s.lists[10][0]).toEqual([0, 1024, 2048, 3072]);
    expect(e.alloc({ order: 0 })).toBe(0);
    // the upper halves 512, 256, ..., 1 went to the head of each lower list
    const after = e.snapshot().zones[0];
    expect(after.lists.slice(0, 10).map((l) => l[0])).toEqual([
      [1],
      [2],
      [4],
      [8],
      [16],
      [32],
      [64],
      [128],
      [256],
      [512],
    ]);
    expect(after.lists[10][0]).toEqual([1024, 2048, 3072]);
    expect(e.alloc({ order: 2 })).toBe(4);
  });

  it("2.6.11 merges freely and inserts the merged block at the head", () => {
    const e = make(oneZone("2.6.11", 2 * ORDER10, { minFreeKbytes: 0 }));
    const a = e.alloc({ order: 0 });
    const b = e.alloc({ order: 0 });
    e.free(a);
    expect(e.snapshot().zones[0].lists[0][0]).toEqual([0]);
    e.free(b);
    expect(e.snapshot().zones[0].lists[10][0]).toEqual([0, 1024]);
  });

  it("2.6.11 indexes buddies from the zone start, so an unaligned zone still merges back", () => {
    const e = make({
      era: "2.6.11",
      maxOrder: 4,
      minFreeKbytes: 0,
      nodes: [{ zones: [{ type: "Normal", startPfn: 3, spannedPages: 16 }] }],
    });
    expect(e.snapshot().zones[0].lists[3][0]).toEqual([3, 11]);
    const p = e.alloc({ order: 1 });
    expect(p).toBe(3);
    e.free(p);
    expect(e.snapshot().zones[0].lists[3][0]).toEqual([3, 11]);
  });

  it.each(["6.18", "2.6.11"] as const)(
    "%s: a freed block whose next-order buddy is free goes to the tail in 6.18 only (buddy_merge_likely)",
    (era) => {
      const e = make(oneZone(era, 4 * ORDER10, { minFreeKbytes: 0, pageblockOrder: 9 }));
      const mt = era === "6.18" ? MigrateType.Movable : 0;
      for (let i = 0; i < 16; i++) expect(e.alloc({ order: 0, migratetype: MigrateType.Movable })).toBe(i);
      e.free(8);
      e.free(0);
      e.free(1); // merges with 0 into the free order-1 block {0,1}
      expect(e.snapshot().zones[0].lists[0][mt]).toEqual([8]);
      // 2's buddy 3 is allocated, but the order-1 buddy of {2,3}, {0,1}, is free: merge likely
      e.free(2);
      expect(e.snapshot().zones[0].lists[0][mt]).toEqual(era === "6.18" ? [8, 2] : [2, 8]);
    },
  );
});

describe.each(ENGINES)("6.18 fallback on $name", ({ make }) => {
  const spec = oneZone("6.18", 16 * ORDER10, { minFreeKbytes: 0, pageblockOrder: 9 });

  it("UNMOVABLE claims a whole MOVABLE pageblock (__rmqueue_claim), boosting nothing at pageblock order", () => {
    const e = make(spec);
    const p = e.alloc({ order: 0, migratetype: MigrateType.Unmovable });
    // the largest fallback block (order 10, two pageblocks) is taken whole and retagged
    expect(p).toBe(0);
    const s = e.snapshot();
    expect(s.pageblocks.slice(0, 3)).toEqual([MigrateType.Unmovable, MigrateType.Unmovable, MigrateType.Movable]);
    expect(s.zones[0].lists[9][MigrateType.Unmovable]).toEqual([512]);
    expect(e.counters(s.zones[0].slot).watermarkBoost).toBe(0);
  });

  it("MOVABLE below pageblock_order/2 only steals (__rmqueue_steal): smallest block first, pageblock type kept", () => {
    const e = make(oneZone("6.18", 4 * ORDER10, { minFreeKbytes: 0, pageblockOrder: 9 }));
    for (let i = 0; i < 4 * ORDER10; i++)
      expect(e.alloc({ order: 0, migratetype: MigrateType.Unmovable, allocFlags: AllocFlags.NO_WATERMARKS })).toBe(i);
    expect(e.snapshot().pageblocks).toEqual(Array(8).fill(MigrateType.Unmovable));
    e.free(10);
    e.free(11); // {10,11}, order 1
    e.free(13); // order 0: its buddy 12 is allocated
    // claiming stops at order pageblock_order/2 = 4 for MOVABLE; stealing starts at the smallest order
    expect(e.alloc({ order: 0, migratetype: MigrateType.Movable })).toBe(13);
    expect(e.alloc({ order: 0, migratetype: MigrateType.Movable })).toBe(10);
    const s = e.snapshot();
    expect(s.pageblocks[0]).toBe(MigrateType.Unmovable);
    // expand() put the remainder on the fallback type's list
    expect(s.zones[0].lists[0][MigrateType.Unmovable]).toEqual([11]);
  });

  it("a small fallback boosts the watermark by a pageblock, up to high * 150%", () => {
    const e = make(
      oneZone(
        "6.18",
        16 * ORDER10,
        { minFreeKbytes: 0, pageblockOrder: 9 },
        { watermarks: { min: 100, low: 200, high: 400 } },
      ),
    );
    const slot = e.machine.zones[0].slot;
    // split the zone into movable order-0 pages in the first pageblock region, then ask unmovable
    const movable: number[] = [];
    for (let i = 0; i < 16 * ORDER10; i++)
      movable.push(e.alloc({ order: 0, migratetype: MigrateType.Movable, allocFlags: AllocFlags.NO_WATERMARKS }));
    for (let i = 0; i < 16 * ORDER10; i += 2) e.free(movable[i]);
    const before = e.counters(slot).watermarkBoost;
    e.alloc({ order: 0, migratetype: MigrateType.Unmovable, allocFlags: AllocFlags.NO_WATERMARKS });
    const after = e.counters(slot).watermarkBoost;
    expect(before).toBe(0);
    // max_boost = max(512, 400 * 15000 / 10000 = 600) = 600; boost = min(0 + 512, 600)
    expect(after).toBe(512);
  });

  it("CMA pageblocks serve only ALLOC_CMA requests and never merge with MOVABLE ones", () => {
    const e = make({
      era: "6.18",
      maxOrder: 11,
      pageblockOrder: 9,
      minFreeKbytes: 0,
      nodes: [{ zones: [{ type: "Normal", startPfn: 0, spannedPages: 4096, cma: [{ startPfn: 1024, pages: 512 }] }] }],
    });
    const slot = e.machine.zones[0].slot;
    const s = e.snapshot().zones[0];
    expect(s.lists[9][MigrateType.CMA]).toEqual([1024]);
    expect(s.lists[9][MigrateType.Movable]).toEqual([1536]);
    expect(e.counters(slot).freeCmaPages).toBe(512);
    // without ALLOC_CMA the CMA pages do not count as free for the watermark
    expect(e.watermarkOk618(slot, 0, 4096 - 512, 2, 0)).toBe(false);
    expect(e.watermarkOk618(slot, 0, 4096 - 512, 2, AllocFlags.CMA)).toBe(true);
    // CMA is not over half of free memory, so a movable ALLOC_CMA request takes its own type first,
    // smallest order first: the order-9 MOVABLE block beside the CMA area, not the order-10 one at 0
    expect(e.alloc({ order: 0, migratetype: MigrateType.Movable, allocFlags: AllocFlags.CMA })).toBe(1536);
  });

  it("a high-order GFP_ATOMIC allocation reserves its pageblock as HIGHATOMIC, which others cannot count", () => {
    const e = make(oneZone("6.18", 64 * ORDER10, { minFreeKbytes: 0, pageblockOrder: 9 }));
    const slot = e.machine.zones[0].slot;
    const atomic = AllocFlags.WMARK_MIN | AllocFlags.MIN_RESERVE | AllocFlags.NON_BLOCK | AllocFlags.HIGHATOMIC;
    const p = e.alloc({ order: 2, migratetype: MigrateType.Unmovable, allocFlags: atomic });
    const c = e.counters(slot);
    expect(c.nrReservedHighatomic).toBe(512);
    expect(c.nrFreeHighatomic).toBe(512 - 4);
    expect(e.snapshot().pageblocks[p >> 9]).toBe(MigrateType.HighAtomic);
    // a normal request may not count those 508 pages: mark = free - 508 fails, with ALLOC_OOM it passes
    const free = c.freePages;
    expect(e.watermarkOk618(slot, 0, free - 508, 2, 0)).toBe(false);
    expect(e.watermarkOk618(slot, 0, free - 508, 2, AllocFlags.OOM)).toBe(true);
  });
});

describe("errors: typed, naming the values, and leaving the state as it was", () => {
  const m = wasmMachine(oneZone("6.18", 4096, { minFreeKbytes: 0 }));
  const p = m.alloc({ order: 3, migratetype: MigrateType.Movable, owner: 7 });

  it("double free", () => {
    const q = m.alloc({ order: 0, migratetype: MigrateType.Movable });
    m.free(q);
    expect(codeOf(() => m.free(q))).toBe("OOMLAB_DOUBLE_FREE");
    expect(() => m.free(q)).toThrow(`double free: pfn ${q}`);
    m.checkInvariants();
  });

  it("a pfn inside a block, outside the machine, or not an integer", () => {
    const before = JSON.stringify(m.snapshot());
    expect(codeOf(() => m.free(p + 1))).toBe("OOMLAB_NOT_BLOCK_HEAD");
    expect(() => m.free(p + 1)).toThrow(`pfn ${p + 1} is not the head of an allocated block`);
    expect(codeOf(() => m.free(1 << 30))).toBe("OOMLAB_BAD_PFN");
    expect(codeOf(() => m.free(1.5))).toBe("OOMLAB_BAD_PFN");
    expect(JSON.stringify(m.snapshot())).toBe(before);
  });

  it("order out of range, bad migratetype, bad owner", () => {
    const before = JSON.stringify(m.snapshot());
    expect(codeOf(() => m.alloc({ order: 11 }))).toBe("OOMLAB_BAD_ORDER");
    expect(() => m.alloc({ order: 11 })).toThrow("order 11 is out of range: this machine has orders 0 to 10");
    expect(codeOf(() => m.alloc({ order: -1 }))).toBe("OOMLAB_BAD_ORDER");
    expect(codeOf(() => m.alloc({ order: 0, migratetype: 4 as MigrateType }))).toBe("OOMLAB_BAD_ARGUMENT");
    expect(codeOf(() => m.alloc({ order: 0, owner: -3 }))).toBe("OOMLAB_BAD_ARGUMENT");
    expect(JSON.stringify(m.snapshot())).toBe(before);
  });

  it("a batch with a malformed op runs nothing; a double free inside a batch stops there", () => {
    const before = JSON.stringify(m.snapshot());
    expect(
      codeOf(() =>
        m.batch([
          { op: "alloc", req: { order: 0 } },
          { op: "alloc", req: { order: 40 } },
        ]),
      ),
    ).toBe("OOMLAB_BAD_ORDER");
    expect(JSON.stringify(m.snapshot())).toBe(before);
    expect(
      codeOf(() =>
        m.batch([
          { op: "free", pfn: p },
          { op: "free", pfn: p },
        ]),
      ),
    ).toBe("OOMLAB_DOUBLE_FREE");
    expect(m.ownerPages(7)).toBe(0);
    m.checkInvariants();
  });

  it("machine descriptions: overlapping zones, too many pages, bad sizes", () => {
    const two = (a: number, b: number): MachineSpec => ({
      era: "6.18",
      nodes: [
        {
          zones: [
            { type: "DMA", startPfn: a, spannedPages: 4096 },
            { type: "Normal", startPfn: b, spannedPages: 4096 },
          ],
        },
      ],
    });
    expect(codeOf(() => resolveMachine(two(0, 4000)))).toBe("OOMLAB_OVERLAPPING_ZONES");
    expect(() => resolveMachine(two(0, 4000))).toThrow(
      "zones overlap: node 0 DMA [0, 4096) and node 0 Normal [4000, 8096)",
    );
    expect(codeOf(() => resolveMachine(oneZone("6.18", 2 ** 24 + 1)))).toBe("OOMLAB_TOO_BIG");
    expect(codeOf(() => resolveMachine(two(0, 2 ** 24)))).toBe("OOMLAB_TOO_BIG");
    expect(codeOf(() => resolveMachine(oneZone("6.18", 0)))).toBe("OOMLAB_BAD_SPEC");
    expect(codeOf(() => resolveMachine(oneZone("6.18", 100, {}, { presentPages: 200 })))).toBe("OOMLAB_BAD_SPEC");
    expect(
      codeOf(() =>
        resolveMachine({ era: "2.6.11", nodes: [{ zones: [{ type: "DMA32", startPfn: 0, spannedPages: 64 }] }] }),
      ),
    ).toBe("OOMLAB_BAD_SPEC");
    expect(codeOf(() => resolveMachine({ era: "5.4" as "6.18", nodes: [] }))).toBe("OOMLAB_BAD_SPEC");
  });
});

describe("batch ops are checked field by field, as alloc, free and freeOwner check them", () => {
  const m = wasmMachine(oneZone("6.18", 4096, { minFreeKbytes: 0 }));
  const p = m.alloc({ order: 2, migratetype: MigrateType.Movable, owner: 7 });
  const ok: BatchOp = { op: "alloc", req: { order: 0, owner: 7 } };
  /** Runs a batch of a valid op and then `bad`; returns the error's code and message. */
  function rejected(bad: unknown): { code: string; message: string } {
    try {
      m.batch([ok, bad as BatchOp]);
    } catch (e) {
      if (e instanceof OomlabError) return { code: e.code, message: e.message };
      throw e;
    }
    return { code: "no error", message: "" };
  }

  it.each([
    ["an unknown op", { op: "nope", req: { order: 3 } }, 'batch op 1: op "nope" is not one of'],
    ["an op in the wrong case", { op: "Free", pfn: 0 }, 'batch op 1: op "Free" is not one of'],
    ["no op", { req: { order: 3 } }, "batch op 1: op undefined is not one of"],
    ["an op that is not a string", { op: 1, pfn: 0 }, "batch op 1: op number 1 is not one of"],
    ["null", null, "batch op 1: null is not one of"],
    ["a number", 5, "batch op 1: number 5 is not one of"],
    ["an alloc without its request", { op: "alloc" }, "an allocation request must be an object, got undefined"],
    ["an alloc with a request of the wrong kind", { op: "alloc", req: 3 }, "must be an object, got number 3"],
    ["a freeOwner without an owner", { op: "freeOwner" }, "owner undefined must be a 32-bit unsigned integer"],
    ["a negative owner", { op: "freeOwner", owner: -1 }, "owner -1 must be a 32-bit unsigned integer"],
    ["an owner past 32 bits", { op: "freeOwner", owner: 2 ** 32 + 7 }, "owner 4294967303 must be a 32-bit"],
    ["an owner that is a string", { op: "freeOwner", owner: "7" }, "owner 7 must be a 32-bit unsigned integer"],
  ])("%s is rejected before anything runs", (_what, bad, message) => {
    const before = JSON.stringify(m.snapshot());
    expect(rejected(bad)).toEqual({ code: "OOMLAB_BAD_ARGUMENT", message: expect.stringContaining(message) });
    expect(JSON.stringify(m.snapshot())).toBe(before);
    expect(m.ownerPages(7)).toBe(4);
  });

  it("a free without a pfn, or with a pfn as a string, is OOMLAB_BAD_PFN before anything runs", () => {
    const before = JSON.stringify(m.snapshot());
    expect(rejected({ op: "free" })).toEqual({ code: "OOMLAB_BAD_PFN", message: expect.stringContaining("pfn") });
    expect(rejected({ op: "free", pfn: String(p) }).code).toBe("OOMLAB_BAD_PFN");
    expect(JSON.stringify(m.snapshot())).toBe(before);
  });

  it("a batch that is not an array is rejected", () => {
    expect(codeOf(() => m.batch({ op: "free", pfn: p } as unknown as BatchOp[]))).toBe("OOMLAB_BAD_ARGUMENT");
    expect(codeOf(() => m.batch(null as unknown as BatchOp[]))).toBe("OOMLAB_BAD_ARGUMENT");
  });

  it("freeOwner, ownerPages, setOwner and allocAllOrder0 take the same owners (no wrap to 32 bits)", () => {
    const slot = m.machine.zones[0].slot;
    expect(codeOf(() => m.freeOwner(2 ** 32 + 7))).toBe("OOMLAB_BAD_ARGUMENT");
    expect(codeOf(() => m.ownerPages(-1))).toBe("OOMLAB_BAD_ARGUMENT");
    expect(codeOf(() => m.setOwner(p, 2 ** 32 + 8))).toBe("OOMLAB_BAD_ARGUMENT");
    expect(codeOf(() => m.allocAllOrder0(slot, 0, 1.5))).toBe("OOMLAB_BAD_ARGUMENT");
    expect(m.ownerPages(7)).toBe(4);
    expect(m.ownerPages(8)).toBe(0);
    expect(m.counters(slot).freePages).toBe(4096 - 4);
  });

  it("valid ops of all three kinds still run in order", () => {
    const fresh = wasmMachine(oneZone("6.18", 4096, { minFreeKbytes: 0 }));
    fresh.alloc({ order: 2, owner: 7 });
    const [q] = fresh.batch([{ op: "alloc", req: { order: 1, owner: 9 } }]);
    const results = fresh.batch([{ op: "free", pfn: q }, { op: "freeOwner", owner: 7 }, ok]);
    expect(results).toEqual([0, 4, expect.any(Number)]);
    expect(results[2]).toBeGreaterThanOrEqual(0);
    expect(fresh.ownerPages(7)).toBe(1);
    expect(fresh.ownerPages(9)).toBe(0);
    fresh.checkInvariants();
  });
});

describe("owners (what the OOM killer frees)", () => {
  it.each(ENGINES)("counts and frees every block of an owner, which coalesce ($name)", ({ make }) => {
    const e = make(oneZone("2.6.11", 2048, { minFreeKbytes: 0 }));
    for (let i = 0; i < 100; i++) e.alloc({ order: i % 4, owner: 1 + (i % 3) });
    const pages = [1, 2, 3].map((o) => e.ownerPages(o));
    expect(pages.reduce((a, b) => a + b)).toBe(2048 - e.counters(e.machine.zones[0].slot).freePages);
    for (const o of [1, 2, 3]) expect(e.freeOwner(o)).toBe(pages[o - 1]);
    expect(e.counters(e.machine.zones[0].slot).nrFree[10]).toBe(2);
  });
});

describe("zone rebuilding in one call each (allocAllOrder0, freeRange)", () => {
  it("allocates every page as order 0, then frees ranges that coalesce; a bad range is rejected", () => {
    const m = wasmMachine(oneZone("2.6.11", 64, { maxOrder: 4, minFreeKbytes: 0 }));
    const slot = m.machine.zones[0].slot;
    expect(m.allocAllOrder0(slot)).toBe(64);
    expect(m.counters(slot).freePages).toBe(0);
    m.freeRange(8, 8);
    expect(m.counters(slot).nrFree).toEqual([0, 0, 0, 1]);
    m.freeRange(2, 1);
    expect(m.counters(slot).nrFree).toEqual([1, 0, 0, 1]);
    expect(() => m.freeRange(8, 1)).toThrow("pfn 8 is not an allocated order-0 block");
    expect(() => m.freeRange(60, 10)).toThrow("outside this machine");
    m.checkInvariants();
  });
});

describe("disposed machines give their engine instance back", () => {
  it("a machine built on a reused instance starts clean", () => {
    const a = Machine.create(oneZone("6.18", 4096, { minFreeKbytes: 0 }));
    for (let i = 0; i < 100; i++) a.alloc({ order: i % 5, migratetype: MigrateType.Unmovable, owner: 9 });
    const dirty = a.engineExports;
    a.dispose();
    const b = Machine.create(oneZone("2.6.11", 2048, { minFreeKbytes: 0 }));
    expect(b.engineExports).toBe(dirty); // the same instance, reset
    expect(b.snapshot()).toEqual(Machine.create(oneZone("2.6.11", 2048, { minFreeKbytes: 0 })).snapshot());
    expect(b.ownerPages(9)).toBe(0);
    b.checkInvariants();
  });
});

describe("the TypeScript ALLOC_* table matches the engine's (mm/internal.h 6.18)", () => {
  it("has the same value for every flag", () => {
    const m = wasmMachine(oneZone("6.18", 1024, { minFreeKbytes: 0 }));
    const names = [
      "NO_WATERMARKS",
      "OOM",
      "NON_BLOCK",
      "MIN_RESERVE",
      "CPUSET",
      "CMA",
      "NOFRAGMENT",
      "HIGHATOMIC",
      "KSWAPD",
    ] as const;
    for (const n of names) expect({ n, v: m.engineAbi[`ALLOC_${n}`] }).toEqual({ n, v: AllocFlags[n] });
  });
});

describe("size", () => {
  it("holds a 2^24-page machine in 10 bytes per page", () => {
    const m = Machine.create(oneZone("6.18", 2 ** 24), { build: "release" });
    const bytes = m.engineViews.byteLength;
    expect(bytes).toBeLessThan(2 ** 24 * 16 + 16 * 2 ** 20);
    expect(m.counters(m.machine.zones[0].slot).nrFree[10]).toBe(2 ** 14);
    expect(m.alloc({ order: 10, migratetype: MigrateType.Movable })).toBe(0);
  });
});
