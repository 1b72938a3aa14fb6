// The per-CPU page lists (assembly/pcp.ts): the sizes from zone_batchsize and zone_highsize, worked
// examples by hand for both rule sets (refill counts, a free past high, what buddyinfo shows, a drain
// that coalesces), the invariant check on pcp pages, the 6.18 slow path's drain, and the engine
// against the reference pcp model (reference/pcp.ts) under fast-check.

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Machine,
  OomlabError,
  MigrateType,
  buddyinfo,
  resolveMachine,
  zoneinfoPagesets,
  type MachineSpec,
} from "../../bindings/index.js";
import { zoneBatchsize, zoneHighsize, zonePcp } from "../../bindings/mm/pcp.js";
import { parseZoneinfo } from "../../bindings/parse/proc.js";
import { AllocFlags } from "../../bindings/mm/internal.js";
import { RefPcpMachine } from "../../reference/pcp.js";
import { oneZone, xorshift32 } from "../helpers.js";
import { randomMachine } from "./differential.js";

function machine(spec: MachineSpec): Machine {
  return Machine.create(spec, { build: "debug" });
}

/** 4096 pages (four order-10 blocks) of 6.18 (or 6.1) with one CPU's lists of the given high and batch. */
const SMALL = (high: number, batch: number, era: "6.18" | "6.1" = "6.18"): MachineSpec =>
  oneZone(era, 4096, { minFreeKbytes: 0, percpuPagelists: { cpus: 1, high, batch } });

const alloc0 = (m: Machine) => m.alloc({ order: 0, migratetype: MigrateType.Unmovable });
const totalFree = (m: Machine) => m.stats(m.zone("Normal").slot).nrFree.reduce((s, n, o) => s + n * 2 ** o, 0);

describe("sizes (mm/page_alloc.c zone_batchsize, zone_highsize; 6.1 and 6.18)", () => {
  it("zone_batchsize: a quarter of min(managed / 1024, 1 MiB of pages), clamped to 2^n - 1", () => {
    // 65536 pages: min(64, 256) = 64, / 4 = 16, rounddown_pow_of_two(16 + 8) - 1 = 15
    expect(zoneBatchsize(65536, 4096)).toBe(15);
    // 1 GiB: min(256, 256) / 4 = 64, rounddown_pow_of_two(96) - 1 = 63 (the batch of every large zone)
    expect(zoneBatchsize(262144, 4096)).toBe(63);
    expect(zoneBatchsize(16 * 262144, 4096)).toBe(63);
    // a 16 MiB DMA zone: 4096 >> 10 = 4, / 4 = 1, rounddown_pow_of_two(1) - 1 = 0 -> max(1, 0) = 1
    expect(zoneBatchsize(4096, 4096)).toBe(1);
  });

  it("zone_highsize: the low mark (fraction 0) split among the CPUs, at least batch * 4", () => {
    expect(zoneHighsize(640, 15, 1)).toBe(640);
    expect(zoneHighsize(640, 15, 4)).toBe(160);
    expect(zoneHighsize(100, 63, 4)).toBe(252); // 100 / 4 = 25 < 63 * 4
  });

  it("a 256 MiB 6.18 zone: high_min from the low mark, high_max from managed / 8 (auto-tuning)", () => {
    const m = resolveMachine(oneZone("6.18", 65536, { percpuPagelists: { cpus: 2 } }));
    const z = m.zones[0];
    // min_free_kbytes = int_sqrt(262144 kB * 16) = 2048 -> min 512 pages; low = 512 + max(128, 65) = 640
    expect(z.watermarks.low).toBe(640);
    // high_min = 640 / 2 CPUs = 320; high_max = 65536 / 8 / 2 = 4096
    expect(z.pcp).toEqual({ batch: 15, highMin: 320, highMax: 4096 });
    expect(m.percpuPagelists).toEqual({ cpus: 2, rules: "autotune", thpOrder: 9, freeHighBatch: false });
  });

  it("agree with a real 6.18 machine's /proc/zoneinfo (2 CPUs): batch, high_min, high_max per zone", () => {
    // test/fixtures/proc-6.18-x86_64-zoneinfo.txt: each zone's managed pages and low mark (boost 0) give the
    // printed pagesets, e.g. DMA32: 12237 / 2 = 6118, 772915 / 8 / 2 = 48307, batch 63
    const text = readFileSync(new URL("../fixtures/proc-6.18-x86_64-zoneinfo.txt", import.meta.url), "utf8");
    const zones = parseZoneinfo(text).zones.filter((z) => (z.managed ?? 0) > 0);
    expect(zones.map((z) => z.name)).toEqual(["DMA", "DMA32", "Normal"]);
    const m = resolveMachine(oneZone("6.18", 4096, { percpuPagelists: { cpus: 2 } }));
    for (const z of zones) {
      const zone = {
        ...m.zones[0],
        managedPages: z.managed ?? 0,
        watermarks: { ...m.zones[0].watermarks, low: z.low },
      };
      const printed = z.pagesets.map((p) => ({ batch: p.batch, highMin: p.highMin, highMax: p.highMax }));
      expect(printed).toHaveLength(2);
      for (const p of printed) expect(zonePcp(m, zone, { cpus: 2 }, "autotune"), z.name).toEqual(p);
    }
  });

  it("agree with the lab's Linux 6.1 VM (/proc/zoneinfo, 1 CPU): high is the low mark, batch per zone", () => {
    // test/fixtures/lab-6.1-x86_64-zoneinfo.txt: DMA low 236 -> high 236, batch 1; DMA32 low 3012 -> high
    // 3012, managed 48845: 48845 >> 10 = 47, / 4 = 11, rounddown_pow_of_two(11 + 5) - 1 = 15
    const text = readFileSync(new URL("../fixtures/lab-6.1-x86_64-zoneinfo.txt", import.meta.url), "utf8");
    const zones = parseZoneinfo(text).zones.filter((z) => (z.managed ?? 0) > 0);
    expect(zones.map((z) => z.name)).toEqual(["DMA", "DMA32"]);
    const m = resolveMachine(oneZone("6.1", 4096, { percpuPagelists: { cpus: 1 } }));
    for (const z of zones) {
      const zone = {
        ...m.zones[0],
        managedPages: z.managed ?? 0,
        watermarks: { ...m.zones[0].watermarks, low: z.low },
      };
      const [p] = z.pagesets;
      expect(zonePcp(m, zone, { cpus: 1 }, "fixed"), z.name).toEqual({
        batch: p.batch,
        highMin: p.high,
        highMax: p.high,
      });
    }
  });

  it("a machine without percpuPagelists resolves as before (no new fields)", () => {
    const m = resolveMachine(oneZone("6.18", 4096));
    expect("percpuPagelists" in m).toBe(false);
    expect("pcp" in m.zones[0]).toBe(false);
  });

  it("2.6.11 machines refuse percpuPagelists (their lists live in the 2.6.11 slow path)", () => {
    expect(() => resolveMachine(oneZone("2.6.11", 4096, { percpuPagelists: { cpus: 1 } }))).toThrow(
      /percpuPagelists is not a 2\.6\.11 engine setting/,
    );
    expect(() => resolveMachine(oneZone("6.18", 4096, { percpuPagelists: { cpus: 0 } }))).toThrow(OomlabError);
  });
});

describe("worked examples, 6.18 rules (auto-tuning; high_min = high_max = 16, batch 4)", () => {
  it("refills of 4, 8 and 12 pages: alloc_factor doubles the batch up to high - count - batch", () => {
    const m = machine(SMALL(16, 4));
    const slot = m.zone("Normal").slot;
    // alloc 1: nr_pcp_alloc batch = 4 << 0; max_nr_alloc = max(16 - 0 - 4, 4) = 12; alloc_factor -> 1
    expect(alloc0(m)).toBe(0);
    let p = m.pcpState(slot)[0];
    expect(p.count).toBe(3);
    expect(p.lists[0]).toEqual([1, 2, 3]); // list_add_tail in physical order, the first one taken
    expect(m.stats(slot).freePages).toBe(4096 - 4);
    for (let i = 1; i < 4; i++) expect(alloc0(m)).toBe(i);
    // alloc 5: 4 << 1 = 8 <= 12: a refill of 8, alloc_factor -> 2
    expect(alloc0(m)).toBe(4);
    expect(m.pcpState(slot)[0].count).toBe(7);
    for (let i = 5; i < 12; i++) expect(alloc0(m)).toBe(i);
    // alloc 13: 4 << 2 = 16 > max_nr_alloc 12: a refill of 12 (alloc_factor stays 2)
    expect(alloc0(m)).toBe(12);
    p = m.pcpState(slot)[0];
    expect(p.count).toBe(11);
    expect(m.stats(slot).freePages).toBe(4096 - 4 - 8 - 12);
    // NR_FREE_PAGES does not count the pages on the lists, nor does buddyinfo
    expect(totalFree(m)).toBe(4096 - 24);
    expect(buddyinfo(m)).toContain(
      "zone   Normal      0      0      0      1      0      1      1      1      1      1      3",
    );
    m.checkInvariants();
  });

  it("a free reaching high drains clamp(free_count, batch, high - batch) = 12 pages from the tail", () => {
    const m = machine(SMALL(16, 4));
    const slot = m.zone("Normal").slot;
    const pages = Array.from({ length: 20 }, () => alloc0(m)); // refills of 4, 8, 12: 20..23 stay listed
    expect(pages).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(m.pcpState(slot)[0].lists[0]).toEqual([20, 21, 22, 23]);
    for (let i = 0; i < 11; i++) m.free(pages[i]); // count 4 + 11 = 15 < 16
    expect(m.pcpState(slot)[0].count).toBe(15);
    expect(m.stats(slot).freePages).toBe(4096 - 24);
    // the 12th free: count 16 >= high 16; free_count 12 -> free 12 from the tail: 23, 22, 21, 20, then 0 .. 7
    m.free(pages[11]);
    const p = m.pcpState(slot)[0];
    expect(p.count).toBe(4);
    expect(p.lists[0]).toEqual([11, 10, 9, 8]);
    expect(m.stats(slot).freePages).toBe(4096 - 24 + 12);
    // 0 .. 7 coalesced into one order-3 block; 20 .. 23 back into the order-2 block at 20
    const s = m.snapshot().zones[0];
    expect(s.lists[3][MigrateType.Unmovable]).toContain(0);
    expect(s.lists[2][MigrateType.Unmovable]).toContain(20);
    m.checkInvariants();
  });

  it("drain_all_pages gives every listed page back, and the block coalesces to order 10", () => {
    const m = machine(SMALL(16, 4));
    const slot = m.zone("Normal").slot;
    const pages = Array.from({ length: 20 }, () => alloc0(m));
    for (const pfn of pages) m.free(pfn);
    const listed = m.pcpState(slot)[0].count;
    expect(listed).toBe(12); // 4 + 20 frees - the 12 drained at the 12th
    expect(m.stats(slot).freePages).toBe(4096 - listed);
    expect(m.drainAllPages()).toBe(listed);
    expect(m.pcpState(slot)[0].count).toBe(0);
    expect(m.stats(slot).nrFree).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4]);
    expect(m.stats(slot).freePages).toBe(4096);
    expect(m.drainAllPages()).toBe(0);
    m.checkInvariants();
  });
});

describe("decay_pcp_high (6.18, vmstat_update once a second)", () => {
  it("high falls an eighth toward high_min; what is listed above high goes back", () => {
    // batch 4: high_min = max(low 4 / 1 CPU, 4 * 4) = 16, high_max = max(4096 / 8, 16) = 512
    const m = machine(oneZone("6.18", 4096, { minFreeKbytes: 0, percpuPagelists: { cpus: 1, batch: 4 } }));
    const slot = m.zone("Normal").slot;
    expect(m.machine.zones[0].pcp).toEqual({ batch: 4, highMin: 16, highMax: 512 });
    // alloc: nr_pcp_alloc clamps high to 16, then raises it by the batch 4 (high_min != high_max, the zone
    // is not below its high mark): 20; a refill of 4, one taken
    alloc0(m);
    expect(m.pcpState(slot)[0]).toMatchObject({ count: 3, high: 20 });
    // decay: max(3 - (4 << 5), 20 - (20 >> 3) = 18, 16) = 18 > 16: todo 1; 3 - 18 < 0: nothing drained
    expect(m.decayPcpHigh()).toBe(1);
    expect(m.pcpState(slot)[0].high).toBe(18);
    // max(.., 18 - 2 = 16, 16) = 16: no more work
    expect(m.decayPcpHigh()).toBe(0);
    expect(m.pcpState(slot)[0]).toMatchObject({ count: 3, high: 16 });
    // pages freed above high_min: each decay lowers high and drains the excess, until high_min holds
    const pages = Array.from({ length: 60 }, () => alloc0(m));
    for (const pfn of pages) m.free(pfn);
    const before = m.pcpState(slot)[0];
    expect(before.count).toBeGreaterThan(16);
    const listedPlusFree = before.count + m.stats(slot).freePages;
    while (m.decayPcpHigh() > 0);
    const after = m.pcpState(slot)[0];
    expect(after.high).toBe(16);
    expect(after.count).toBeLessThanOrEqual(16);
    expect(after.count + m.stats(slot).freePages).toBe(listedPlusFree);
    m.checkInvariants();
    // 6.1's rules have no decay
    expect(machine(SMALL(16, 4, "6.1")).decayPcpHigh()).toBe(0);
  });
});

describe("worked examples, Linux 6.1 (fixed high 16, batch 4, free_factor)", () => {
  it("refills are always batch >> order (at least 2): 4 pages per refill at order 0, 2 at order 1", () => {
    const m = machine(SMALL(16, 4, "6.1"));
    const slot = m.zone("Normal").slot;
    for (let i = 0; i < 20; i++) expect(alloc0(m)).toBe(i); // five refills of 4
    expect(m.pcpState(slot)[0].count).toBe(0);
    expect(m.stats(slot).freePages).toBe(4096 - 20);
    // order 1: max(4 >> 1, 2) = 2 blocks of 2 pages: 20 (from the order-2 block at 20) and 22
    expect(m.alloc({ order: 1, migratetype: MigrateType.Unmovable })).toBe(20);
    expect(m.pcpState(slot)[0].lists[3]).toEqual([22]);
    expect(m.pcpState(slot)[0].count).toBe(2);
  });

  it("a free reaching high drains batch pages, then batch << free_factor; they coalesce", () => {
    const m = machine(SMALL(16, 4, "6.1"));
    const slot = m.zone("Normal").slot;
    const pages = Array.from({ length: 20 }, () => alloc0(m));
    // buddy after 0 .. 19 went out: order 2 at 20, order 3 at 24, orders 5 .. 9 at 32 .. 512, three order 10
    expect(m.stats(slot).nrFree).toEqual([0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 3]);
    for (let i = 0; i < 16; i++) m.free(pages[i]);
    // the 16th free: count 16 >= 16; nr_pcp_free: 4 << free_factor 0 = 4 (free_factor -> 1): 0 .. 3
    expect(m.pcpState(slot)[0].count).toBe(12);
    expect(m.stats(slot).freePages).toBe(4076 + 4);
    expect(m.stats(slot).nrFree).toEqual([0, 0, 2, 1, 0, 1, 1, 1, 1, 1, 3]); // 0 .. 3 became order 2 at 0
    for (let i = 16; i < 20; i++) m.free(pages[i]);
    // the 20th free: count 16 again; 4 << 1 = 8 < high - batch 12 (free_factor -> 2): 4 .. 11
    expect(m.pcpState(slot)[0].count).toBe(8);
    expect(m.pcpState(slot)[0].lists[0]).toEqual([19, 18, 17, 16, 15, 14, 13, 12]);
    // 4 .. 7 joined 0 .. 3 into order 3 at 0; 8 .. 11 wait at order 2 for 12 .. 15
    expect(m.stats(slot).nrFree).toEqual([0, 0, 2, 2, 0, 1, 1, 1, 1, 1, 3]);
    expect(buddyinfo(m)).toContain(
      "zone   Normal      0      0      2      2      0      1      1      1      1      1      3",
    );
    expect(m.drainAllPages()).toBe(8);
    expect(m.stats(slot).nrFree).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4]);
    m.checkInvariants();
  });

  it("MOVABLE requests without ALLOC_CMA skip the lists (6.1 rmqueue with CONFIG_CMA)", () => {
    const m = machine(SMALL(16, 4, "6.1"));
    const slot = m.zone("Normal").slot;
    expect(m.alloc({ order: 0, migratetype: MigrateType.Movable })).toBe(0);
    expect(m.pcpState(slot)[0].count).toBe(0);
    expect(m.alloc({ order: 0, migratetype: MigrateType.Movable, allocFlags: AllocFlags.CMA })).toBe(1);
    expect(m.pcpState(slot)[0].count).toBe(3);
  });
});

describe("the lists: orders, CPUs, state", () => {
  it("keeps orders 0 .. 3 and the THP order; orders 4 .. 8 go straight to the buddy lists", () => {
    const m = machine(SMALL(64, 4));
    const slot = m.zone("Normal").slot;
    const o4 = m.alloc({ order: 4 });
    m.free(o4);
    expect(m.pcpState(slot)[0].count).toBe(0);
    // order 9 (the THP order): nr_pcp_alloc gives max(4 >> 9, 2) = 2 blocks, 1024 and 1536 (the
    // order-4 request made the block at 0 UNMOVABLE, and it merged back there); 1024 is taken
    const thp = m.alloc({ order: 9, migratetype: MigrateType.Movable });
    expect(thp).toBe(1024);
    let p = m.pcpState(slot)[0];
    expect(p.count).toBe(512);
    expect(p.lists[13]).toEqual([1536]); // pindex NR_LOWORDER_PCP_LISTS + 1: the MOVABLE THP list
    expect(m.stats(slot).freePages).toBe(4096 - 1024);
    // the free: count 1024 >= high 64; free_count 0 + 512 -> clamp(512, 4, 60) = 60 pages, which the
    // tail block (1536) overshoots: one block goes back, 1024 stays listed
    m.free(thp);
    p = m.pcpState(slot)[0];
    expect(p.count).toBe(512);
    expect(p.lists[13]).toEqual([1024]);
    expect(m.stats(slot).freePages).toBe(4096 - 512);
    m.checkInvariants();
  });

  it("each CPU has its own lists; a free on CPU 1 does not feed CPU 0", () => {
    const m = machine(oneZone("6.18", 4096, { minFreeKbytes: 0, percpuPagelists: { cpus: 2, high: 16, batch: 4 } }));
    const slot = m.zone("Normal").slot;
    expect(alloc0(m)).toBe(0);
    m.setCpu(1);
    expect(m.cpu).toBe(1);
    m.free(0);
    const [c0, c1] = m.pcpState(slot);
    expect(c0.lists[0]).toEqual([1, 2, 3]);
    expect(c1.lists[0]).toEqual([0]);
    expect(() => m.setCpu(2)).toThrow(/cpu 2 must be an integer from 0 to 1/);
    expect(m.drainAllPages()).toBe(4);
    expect(m.stats(slot).freePages).toBe(4096);
  });

  it("/proc/zoneinfo's pagesets: 6.18 with high_min and high_max, 6.1 count, high and batch", () => {
    const on = machine(oneZone("6.18", 4096, { minFreeKbytes: 0, percpuPagelists: { cpus: 2, high: 16, batch: 4 } }));
    alloc0(on); // CPU 0: a refill of 4, one taken; nr_pcp_alloc clamped pcp->high to 16
    expect(zoneinfoPagesets(on, on.zone("Normal").slot)).toBe(
      "  pagesets\n" +
        "    cpu: 0\n              count:    3\n              high:     16\n              batch:    4\n" +
        "              high_min: 16\n              high_max: 16\n" +
        "    cpu: 1\n              count:    0\n              high:     0\n              batch:    4\n" +
        "              high_min: 16\n              high_max: 16\n",
    );
    const fixed = machine(SMALL(16, 4, "6.1"));
    expect(zoneinfoPagesets(fixed, fixed.zone("Normal").slot)).toBe(
      "  pagesets\n    cpu: 0\n              count: 0\n              high:  16\n              batch: 4\n",
    );
    expect(zoneinfoPagesets(machine(oneZone("6.18", 4096)), 2)).toBe("");
  });

  it("a page on a list is no allocated block: freeing it again is a double free", () => {
    const m = machine(SMALL(16, 4));
    m.free(alloc0(m));
    let code = "";
    try {
      m.free(0);
    } catch (e) {
      code = (e as OomlabError).code;
    }
    expect(code).toBe("OOMLAB_DOUBLE_FREE");
  });

  it("the invariant check counts pcp pages: a wrong pcp->count is reported", () => {
    const m = machine(SMALL(16, 4));
    alloc0(m);
    m.checkInvariants();
    const a = m.engineAbi;
    const ptr = m.engineExports.pcpPtr(m.zone("Normal").slot, 0);
    m.engineViews.i32[(ptr + a.PCP_COUNT) >>> 2] += 1;
    expect(() => m.checkInvariants()).toThrow(/per-CPU list count mismatch/);
  });

  it("without percpuPagelists nothing changes: no lists, drainAllPages is 0, setCpu refuses", () => {
    const m = machine(oneZone("6.18", 4096, { minFreeKbytes: 0 }));
    expect(m.hasPcp).toBe(false);
    expect(alloc0(m)).toBe(0);
    expect(m.stats(m.zone("Normal").slot).freePages).toBe(4095);
    expect(m.drainAllPages()).toBe(0);
    expect(m.pcpState(m.zone("Normal").slot)).toEqual([]);
    expect("pcp" in m.snapshot()).toBe(false);
    expect(() => m.setCpu(0)).toThrow(/no per-CPU lists/);
  });
});

/** Runs a seeded operation sequence on the engine and the reference pcp model, comparing the complete
 *  state (buddy lists, pcp lists, counters) and running the invariant check after every operation. */
function runPcpSequence(spec: MachineSpec, seed: number, ops: number): void {
  const w = Machine.create(spec, { build: "debug" });
  const r = new RefPcpMachine(resolveMachine(spec));
  expect(w.snapshot()).toEqual(r.snapshot());
  const rng = xorshift32(seed);
  const cpus = w.machine.percpuPagelists?.cpus ?? 1;
  const slots = w.machine.zones.map((z) => z.slot);
  const flagSets = [
    AllocFlags.WMARK_LOW | AllocFlags.KSWAPD,
    AllocFlags.WMARK_MIN,
    AllocFlags.WMARK_LOW | AllocFlags.CMA,
    AllocFlags.WMARK_LOW | AllocFlags.NOFRAGMENT,
    AllocFlags.NO_WATERMARKS | AllocFlags.CMA,
    AllocFlags.WMARK_MIN | AllocFlags.MIN_RESERVE | AllocFlags.NON_BLOCK | AllocFlags.HIGHATOMIC,
  ];
  const live: number[] = [];
  const maxOrder = w.machine.maxOrder;
  const pb = w.machine.pageblockOrder;
  for (let i = 1; i <= ops; i++) {
    const op = rng() % 100;
    let label: string;
    if (op < 55 || live.length === 0) {
      const rr = rng() % 100;
      const order = (rr < 55 ? 0 : rr < 72 ? 1 : rr < 82 ? 2 : rr < 90 ? 3 : rr < 95 ? pb : rng()) % maxOrder;
      const req = {
        order,
        migratetype: (rng() % 3) as 0 | 1 | 2,
        allocFlags: flagSets[rng() % flagSets.length],
        owner: 1 + (rng() % 4),
      };
      label = `alloc ${JSON.stringify(req)}`;
      const a = w.alloc(req);
      expect(a, `op ${i}: ${label}`).toBe(r.alloc(req));
      if (a >= 0) live.push(a);
    } else if (op < 93) {
      const k = rng() % live.length;
      const pfn = live[k];
      live[k] = live[live.length - 1];
      live.pop();
      label = `free ${pfn}`;
      w.free(pfn);
      r.free(pfn);
    } else if (op < 95) {
      const owner = 1 + (rng() % 4);
      label = `freeOwner ${owner}`;
      expect(w.freeOwner(owner), label).toBe(r.freeOwner(owner));
      const still = new Set(w.snapshot().allocated.map((b) => b[0]));
      for (let k = live.length - 1; k >= 0; k--) if (!still.has(live[k])) live.splice(k, 1);
    } else if (op < 97) {
      const slot = rng() % 3 === 0 ? slots[rng() % slots.length] : undefined;
      label = `drainAllPages ${slot}`;
      expect(w.drainAllPages(slot), label).toBe(r.drainAllPages(slot));
    } else if (op < 98) {
      label = "decayPcpHigh";
      expect(w.decayPcpHigh(), label).toBe(r.decayPcpHigh());
    } else if (op < 99) {
      const cpu = rng() % cpus;
      label = `cpu ${cpu}`;
      w.setCpu(cpu);
      r.cpu = cpu;
    } else {
      const slot = slots[rng() % slots.length];
      const on = rng() % 2 === 0;
      label = `reclaim active ${slot} ${on}`;
      w.setReclaimActive(slot, on);
      r.setReclaimActive(slot, on);
    }
    const a = w.snapshot();
    const b = r.snapshot();
    if (JSON.stringify(a) !== JSON.stringify(b)) expect(a, `op ${i}: ${label}`).toEqual(b);
    w.checkInvariants();
  }
  w.dispose();
}

describe.each([
  ["6.18", "auto-tuning"],
  ["6.1", "fixed high"],
] as const)("WASM engine vs reference pcp model, Linux %s (%s)", (era, _rules) => {
  it("fast-check: random machines with 1-3 CPUs, complete state and invariants after every operation", () => {
    fc.assert(
      fc.property(
        fc.record({
          maxOrder: fc.integer({ min: 5, max: 11 }),
          pbDelta: fc.integer({ min: 1, max: 6 }),
          nodes: fc.integer({ min: 1, max: 2 }),
          zonePages: fc.integer({ min: 64, max: 900 }),
          cpus: fc.integer({ min: 1, max: 3 }),
          sizes: fc.option(
            fc.record({ high: fc.integer({ min: 0, max: 64 }), batch: fc.integer({ min: 1, max: 16 }) }),
          ),
          seed: fc.integer({ min: 1, max: 0x7fffffff }),
        }),
        (q) => {
          const spec = randomMachine({
            era,
            maxOrder: q.maxOrder,
            pageblockOrder: Math.max(0, q.maxOrder - q.pbDelta),
            nodes: q.nodes,
            zonePages: q.zonePages,
            seed: q.seed,
          });
          spec.percpuPagelists = { cpus: q.cpus, ...(q.sizes ?? {}) };
          runPcpSequence(spec, q.seed, 300);
        },
      ),
      { numRuns: 25, seed: era === "6.1" ? 61 : 618 },
    );
  });
});
