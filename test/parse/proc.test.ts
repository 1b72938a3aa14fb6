// /proc/buddyinfo, /proc/zoneinfo and /proc/pagetypeinfo parsers against real dumps (corpus rows in
// test/fixtures/MANIFEST.md), round trips through oomlab's own renderers, mutation fuzzing, and the
// live snapshot: this machine's watermarks and protection recomputed from its sysctls.

import { existsSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseBuddyinfo, parsePagetypeinfo, parseZoneinfo, type ProcWarning } from "../../bindings/parse/proc.js";
import { snapshotFromFiles } from "../../bindings/analyse/snapshot.js";
import { formatBuddyinfo, formatPagetypeinfo } from "../../bindings/mm/vmstat.js";
import { MIGRATETYPE_NAMES, ZONE_TYPES } from "../../bindings/include/linux/mmzone.js";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8");
const F = {
  b011: "011-blog-bianbu-riscv64-buddyinfo-12-orders.log",
  b013: "013-github-MyBlackHole-x86_64-buddyinfo-dma-dma32-normal.log",
  b034: "034-blog-rhel7-3.10.0-514-x86_64-buddyinfo-fragmented-container-start-fail.log",
  z015: "015-blog-jo-seunghyeon-x86_64-zoneinfo-4.x.log",
  z017: "017-lkml-2.6.15-rc2-x86_64-numa-zoneinfo-kswapd-spin-sample1.log",
  z618: "proc-6.18-x86_64-zoneinfo.txt",
  p014: "014-github-MyBlackHole-x86_64-pagetypeinfo-highatomic.log",
  p032: "032-linux-mm-2.6.25-rc8-mm1-i386-pagetypeinfo-NULL-migratetype-before.log",
};
/** Highest order with a free block, and how many blocks it has. */
const maxOrder = (a: number[]) => {
  let o = a.length - 1;
  while (o > 0 && a[o] === 0) o--;
  return [o, a[o]];
};

it("every fixture used here has its MANIFEST row", () => {
  const manifest = fixture("MANIFEST.md");
  for (const name of Object.values(F)) expect(manifest).toContain(`| ${name} |`);
});

describe("parseBuddyinfo (frag_show_print)", () => {
  it("011: 12 order columns (riscv64)", () => {
    const r = parseBuddyinfo(fixture(F.b011));
    expect(r.warnings).toEqual([]);
    expect(r.zones.map((z) => [z.node, z.name, z.freeAreas.length])).toEqual([
      [0, "DMA32", 12],
      [0, "Normal", 12],
    ]);
    expect(r.zones[0].freeAreas).toEqual([753, 750, 565, 400, 893, 433, 167, 93, 40, 13, 1, 71]);
  });

  it("013: DMA, DMA32, Normal; Normal's highest order is 10 with 1 block", () => {
    const r = parseBuddyinfo(fixture(F.b013));
    expect(r.warnings).toEqual([]);
    expect(r.zones.map((z) => z.name)).toEqual(["DMA", "DMA32", "Normal"]);
    expect(r.zones.every((z) => z.freeAreas.length === 11)).toBe(true);
    expect(maxOrder(r.zones[2].freeAreas)).toEqual([10, 1]);
  });

  it("034: Normal's highest order is 3 (17 blocks), DMA32's is 4", () => {
    const r = parseBuddyinfo(fixture(F.b034));
    expect(r.warnings).toEqual([]);
    expect(maxOrder(r.zones[2].freeAreas)).toEqual([3, 17]);
    expect(maxOrder(r.zones[1].freeAreas)[0]).toBe(4);
    expect(r.zones[2].freeAreas[0]).toBe(40153);
  });
});

describe("parseZoneinfo", () => {
  it("015 (4.x): per-node stats, four zones, DMA protection (0, 3857, 6164, 6164), populated zones above high", () => {
    const r = parseZoneinfo(fixture(F.z015));
    expect(r.warnings).toEqual([]);
    expect(r.zones.map((z) => z.name)).toEqual(["DMA", "DMA32", "Normal", "Movable"]);
    expect(r.nodeStats).toHaveLength(1);
    expect(r.nodeStats[0]).toMatchObject({ node: 0, line: 2 });
    expect(r.nodeStats[0].stats).toMatchObject({ nr_inactive_anon: 62122, nr_written: 20874 });
    const [dma, dma32, normal, movable] = r.zones;
    expect(dma).toMatchObject({
      pagesFree: 3721,
      min: 39,
      low: 48,
      high: 57,
      spanned: 4095,
      present: 3743,
      managed: 3721,
      startPfn: 1,
      protection: [0, 3857, 6164, 6164],
    });
    expect(dma.stats).toMatchObject({ nr_free_pages: 3721, nr_free_cma: 0 });
    expect(dma.stats.nr_inactive_anon).toBeUndefined(); // a node item, not the zone's
    expect(dma.pagesets).toHaveLength(8);
    expect(dma32.pagesets[4]).toMatchObject({ cpu: 4, count: 365, high: 378, batch: 63, statThreshold: 48 });
    for (const z of [dma, dma32, normal]) expect(z.pagesFree).toBeGreaterThan(z.high);
    expect(movable).toMatchObject({ present: 0, managed: 0, protection: [0, 0, 0, 0], pagesets: [] });
    expect(movable.startPfn).toBeUndefined();
  });

  it("017 (2.6.15, two NUMA nodes): Node 1 Normal free 1809 is above low 1778 and below high 2134", () => {
    const r = parseZoneinfo(fixture(F.z017));
    expect(r.warnings).toEqual([]);
    expect(r.nodeStats).toEqual([]);
    expect(r.zones.map((z) => [z.node, z.name, z.line])).toEqual([
      [1, "Normal", 1],
      [0, "DMA", 49],
      [0, "DMA32", 81],
    ]);
    const n1 = r.zones[0];
    expect(n1).toMatchObject({
      pagesFree: 1809,
      min: 1423,
      low: 1778,
      high: 2134,
      spanned: 1048576,
      present: 1013647,
      startPfn: 1048576,
      protection: [0, 0, 0, 0],
    });
    expect(n1.pagesFree > n1.low && n1.pagesFree < n1.high).toBe(true);
    expect(n1.managed).toBeUndefined();
    expect(n1.stats).toMatchObject({
      active: 251683,
      inactive: 753741,
      scanned: 66,
      all_unreclaimable: 0,
      prev_priority: 12,
    });
    // hot and cold lists per CPU, each with the 2.6.15 "low:" field
    expect(n1.pagesets.map((p) => [p.cpu, p.pcp, p.count, p.low, p.high, p.batch])).toEqual([
      [0, 0, 66, 0, 384, 64],
      [0, 1, 127, 0, 128, 32],
      [1, 0, 68, 0, 384, 64],
      [1, 1, 111, 0, 128, 32],
    ]);
    // per-CPU NUMA counters, summed over the CPUs
    expect(n1.stats.numa_hit).toBe(2155 + 41672333);
    expect(r.zones[1].protection).toEqual([0, 3944, 3944, 3944]);
  });

  it("6.18 (this build machine): boost, promo, cma, high_min/high_max, empty Movable and Device", () => {
    const r = parseZoneinfo(fixture(F.z618));
    expect(r.warnings).toEqual([]);
    expect(r.zones.map((z) => z.name)).toEqual(["DMA", "DMA32", "Normal", "Movable", "Device"]);
    expect(r.zones[0]).toMatchObject({
      boost: 0,
      min: 48,
      low: 60,
      high: 72,
      promo: 84,
      managed: 3840,
      cma: 0,
      protection: [0, 3019, 5195, 5195, 5195],
    });
    expect(r.zones[1].pagesets[0]).toMatchObject({
      cpu: 0,
      high: 6118,
      batch: 63,
      highMin: 6118,
      highMax: 48307,
      statThreshold: 24,
    });
    expect(r.zones[3]).toMatchObject({ present: 0, min: 32, promo: 32, pagesets: [] });
    expect(r.nodeStats[0].stats.nr_kernel_file_pages).toBe(0);
  });
});

describe("parsePagetypeinfo", () => {
  it("014: six 4.4+ types, 23 HighAtomic pageblocks in Normal holding free pages", () => {
    const r = parsePagetypeinfo(fixture(F.p014));
    expect(r.warnings).toEqual([]);
    expect([r.pageblockOrder, r.pagesPerBlock, r.orders]).toEqual([9, 512, 11]);
    expect(r.types).toEqual(["Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"]);
    expect(r.free).toHaveLength(18);
    const ha = r.free.find((f) => f.name === "Normal" && f.type === "HighAtomic")!;
    expect(ha.counts).toEqual([4, 22, 42, 56, 38, 16, 1, 4, 1, 0, 0]);
    expect(ha.capped.some(Boolean)).toBe(false);
    expect(r.blocks.map((b) => b.name)).toEqual(["DMA", "DMA32", "Normal"]);
    expect(r.blocks[2].counts).toEqual({
      Unmovable: 1411,
      Movable: 4591,
      Reclaimable: 241,
      HighAtomic: 23,
      CMA: 0,
      Isolate: 0,
    });
  });

  it("032 (2.6.25-rc8-mm1): Reserve and the unnamed <NULL> type, no header lines, misaligned Reserve column", () => {
    const r = parsePagetypeinfo(fixture(F.p032));
    expect(r.warnings).toEqual([]);
    expect([r.pageblockOrder, r.pagesPerBlock]).toEqual([null, null]);
    expect(r.types).toEqual(["Unmovable", "Reclaimable", "Movable", "Reserve", "<NULL>"]);
    expect(r.free.map((f) => f.type).slice(0, 5)).toEqual(r.types);
    expect(r.free.find((f) => f.name === "HighMem" && f.type === "Movable")!.counts).toEqual([
      236, 62, 6, 2, 2, 1, 1, 0, 1, 1, 16,
    ]);
    expect(r.blocks.map((b) => [b.name, b.counts.Reserve, b.counts["<NULL>"]])).toEqual([
      ["DMA", 1, 0],
      ["Normal", 1, 0],
      ["HighMem", 1, 0],
    ]);
    expect(r.blocks[1].counts).toMatchObject({ Unmovable: 10, Reclaimable: 40, Movable: 169 });
  });
});

describe("round trips through oomlab's renderers (vmstat.ts)", () => {
  const zoneName = fc.constantFrom(...ZONE_TYPES);
  it("formatBuddyinfo -> parseBuddyinfo gives the same numbers", () => {
    const rows = fc.integer({ min: 1, max: 13 }).chain((orders) =>
      fc.array(
        fc.record({
          node: fc.integer({ min: 0, max: 63 }),
          type: zoneName,
          nrFree: fc.array(fc.nat({ max: 1e9 }), { minLength: orders, maxLength: orders }),
        }),
        { minLength: 1, maxLength: 8 },
      ),
    );
    fc.assert(
      fc.property(rows, (rs) => {
        const r = parseBuddyinfo(formatBuddyinfo(rs));
        expect(r.warnings).toEqual([]);
        expect(r.zones).toEqual(rs.map((z) => ({ node: z.node, name: z.type, freeAreas: z.nrFree })));
      }),
    );
  });

  it("formatPagetypeinfo -> parsePagetypeinfo: counts, '>' caps at 100000, block counts", () => {
    const input = fc
      .record({ pageblockOrder: fc.integer({ min: 0, max: 12 }), orders: fc.integer({ min: 1, max: 13 }) })
      .chain(({ pageblockOrder, orders }) =>
        fc.record({
          pageblockOrder: fc.constant(pageblockOrder),
          orders: fc.constant(orders),
          zones: fc.array(
            fc.record({
              node: fc.integer({ min: 0, max: 7 }),
              type: zoneName,
              nrFreeByType: fc.array(
                fc.array(fc.oneof(fc.nat({ max: 200 }), fc.nat({ max: 300000 })), { minLength: 6, maxLength: 6 }),
                { minLength: orders, maxLength: orders },
              ),
              blocks: fc.array(fc.nat({ max: 1e7 }), { minLength: 6, maxLength: 6 }),
            }),
            { minLength: 1, maxLength: 5 },
          ),
        }),
      );
    fc.assert(
      fc.property(input, (p) => {
        const r = parsePagetypeinfo(formatPagetypeinfo(p));
        expect(r.warnings).toEqual([]);
        expect([r.pageblockOrder, r.pagesPerBlock, r.orders, r.types]).toEqual([
          p.pageblockOrder,
          2 ** p.pageblockOrder,
          p.orders,
          [...MIGRATETYPE_NAMES],
        ]);
        const want = p.zones.flatMap((z) =>
          MIGRATETYPE_NAMES.map((type, mt) => {
            const n = z.nrFreeByType.map((o) => o[mt]);
            return {
              node: z.node,
              name: z.type,
              type,
              counts: n.map((x) => Math.min(x, 100000)),
              capped: n.map((x) => x >= 100000),
            };
          }),
        );
        expect(r.free).toEqual(want);
        expect(r.blocks).toEqual(
          p.zones.map((z) => ({
            node: z.node,
            name: z.type,
            counts: Object.fromEntries(MIGRATETYPE_NAMES.map((t, i) => [t, z.blocks[i]])),
          })),
        );
      }),
    );
  });
});

describe("fuzz: mutated dumps never throw and warn with valid line numbers", () => {
  const texts = Object.values(F).map(fixture);
  type Op = {
    kind: "delete" | "duplicate" | "swap" | "truncate" | "number" | "bytes";
    i: number;
    j: number;
    s: string;
  };
  const op: fc.Arbitrary<Op> = fc.record({
    kind: fc.constantFrom("delete", "duplicate", "swap", "truncate", "number", "bytes"),
    i: fc.nat(),
    j: fc.nat(),
    s: fc.oneof(
      fc.string({ unit: "binary", maxLength: 12 }),
      fc.constantFrom("-1", "99999999999999999999", "x", "", ">", "1e5", "0x10", "(", ")", ":", "\r", ","),
    ),
  });

  function mutate(text: string, ops: Op[]): string {
    const ls = text.split("\n");
    for (const o of ops) {
      if (ls.length === 0) break;
      const i = o.i % ls.length;
      const j = o.j % ls.length;
      if (o.kind === "delete") ls.splice(i, 1);
      else if (o.kind === "duplicate") ls.splice(i, 0, ls[i]);
      else if (o.kind === "swap") [ls[i], ls[j]] = [ls[j], ls[i]];
      else if (o.kind === "truncate") ls[i] = ls[i].slice(0, o.j % (ls[i].length + 1));
      else if (o.kind === "number") ls[i] = ls[i].replace(/\d+/, o.s);
      else ls[i] = ls[i].slice(0, o.j % (ls[i].length + 1)) + o.s + ls[i].slice(o.j % (ls[i].length + 1));
    }
    return ls.join("\n");
  }

  const valid = (w: ProcWarning[], text: string) => {
    const n = text.split(/\r?\n|\r/).length;
    for (const x of w) {
      expect(Number.isInteger(x.line) && x.line >= 1 && x.line <= n, `line ${x.line} of ${n}`).toBe(true);
      expect(typeof x.message).toBe("string");
    }
  };

  it("a corrupt line is reported at its own line number and the rest still parses", () => {
    const ls = fixture(F.z015).split("\n");
    expect(ls[30]).toBe("          min      39"); // line 31: the DMA zone's min
    ls[30] = "          min      3x9";
    expect(ls[94]).toBe("          min      10549");
    ls.splice(94, 1); // line 95, DMA32's min, is gone: the zone header (line 93) says so
    const r = parseZoneinfo(ls.join("\n"));
    expect(r.warnings).toEqual([
      { line: 1, message: "node 0 zone DMA lacks min" },
      { line: 31, message: 'not a zoneinfo line: "          min      3x9"' },
      { line: 93, message: "node 0 zone DMA32 lacks min" },
    ]);
    expect(r.zones.map((z) => z.name)).toEqual(["DMA", "DMA32", "Normal", "Movable"]);
    const b = parseBuddyinfo("Node 0, zone      DMA      1      2\nNode 0, zone   Normal      1   -2\ngarbage\n");
    expect(b.warnings.map((w) => w.line)).toEqual([2, 3]);
    const p = parsePagetypeinfo(fixture(F.p014).replace("type    Unmovable      4", "type    Unmovable     4x"));
    expect(p.warnings.map((w) => w.line)).toEqual([5]);
    expect(p.free).toHaveLength(17);
  });

  it("buddyinfo, zoneinfo and pagetypeinfo parsers on every fixture, mutated", () => {
    fc.assert(
      fc.property(fc.nat({ max: texts.length - 1 }), fc.array(op, { minLength: 1, maxLength: 8 }), (k, ops) => {
        const text = mutate(texts[k], ops);
        valid(parseBuddyinfo(text).warnings, text);
        valid(parseZoneinfo(text).warnings, text);
        valid(parsePagetypeinfo(text).warnings, text);
        const s = snapshotFromFiles({
          version: "6.18.0",
          zoneinfo: text,
          buddyinfo: text,
          pagetypeinfo: text,
          sysVm: { min_free_kbytes: "67584" },
        });
        expect(Array.isArray(s.differences)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it("random bytes", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), (text) => {
        valid(parseBuddyinfo(text).warnings, text);
        valid(parseZoneinfo(text).warnings, text);
        valid(parsePagetypeinfo(text).warnings, text);
      }),
    );
  });
});

/** A minimal 6.x zone block (zoneinfo_show_print); populated zones' stats and pagesets left out. */
function zone6(name: string, managed: number, w: number[], protection: number[]): string {
  const [min, low, high, promo] = w;
  return [
    `Node 0, zone ${name.padStart(8)}`,
    `  pages free     ${managed}`,
    "        boost    0",
    `        min      ${min}`,
    `        low      ${low}`,
    `        high     ${high}`,
    `        promo    ${promo}`,
    `        spanned  ${managed}`,
    `        present  ${managed}`,
    `        managed  ${managed}`,
    "        cma      0",
    `        protection: (${protection.join(", ")})`,
    "",
  ].join("\n");
}

describe("snapshotFromFiles", () => {
  const sys618 = {
    min_free_kbytes: "67584\n",
    watermark_scale_factor: "10\n",
    lowmem_reserve_ratio: "256\t256\t32\t0\t0\n",
  };

  it("the 6.18 fixture and its sysctls: no differences; min_free_kbytes is khugepaged's", () => {
    const r = snapshotFromFiles({ version: "6.18.44-fc-v669", zoneinfo: fixture(F.z618), sysVm: sys618 });
    expect(r.era).toBe("6.18");
    expect(r.warnings).toEqual([]);
    expect(r.differences).toEqual([]);
    expect(r.zones.map((z) => z.computed?.min)).toEqual([48, 9790, 7056, 32, 0]);
    // 512 pages per pageblock x 3 zones (DMA, DMA32, Normal) x (2 + 3*3) = 16896 pages
    expect(r.minFreeKbytes).toMatchObject({
      value: 67584,
      origin: "transparent hugepage",
      thpRecommended: 67584,
      defaultAtBoot: 9239,
    });
  });

  // DMA, Normal and Device empty, DMA32 1e6 pages, Movable 2^18; min_free_kbytes 4096 = 1024 pages
  const ratio = { min_free_kbytes: "4096", watermark_scale_factor: "10", lowmem_reserve_ratio: "256 256 32 0 0" };
  const dump = (dma32: number[], movable: number[]) =>
    zone6("DMA", 0, [0, 0, 0, 0], [0, 0, 0, 0, 0]) +
    zone6("DMA32", 1e6, dma32, [0, 0, 0, 1024, 1024]) +
    zone6("Normal", 0, [0, 0, 0, 0], [0, 0, 0, 0, 0]) +
    zone6("Movable", 262144, movable, [0, 0, 0, 0, 0]) +
    zone6("Device", 0, [0, 0, 0, 0], [0, 0, 0, 0, 0]);
  // 6.6+: Movable is capped like highmem: min clamp(256, 32, 128); d = max(268 >> 2, 262) = 262
  const v66 = dump([1024, 2024, 3024, 4024], [128, 390, 652, 914]);
  // 6.1 .. 6.5: lowmem_pages counts Movable: DMA32 tmp = 1024e6 / 1262144 = 811, Movable 212
  const v63 = dump([811, 1811, 2811, 3811], [212, 474, 736, 998]);

  it("6.6+ caps ZONE_MOVABLE's min; 6.1 .. 6.5 give it a proportional share", () => {
    expect(snapshotFromFiles({ version: "6.6.0", zoneinfo: v66, sysVm: ratio }).differences).toEqual([]);
    expect(snapshotFromFiles({ version: "6.3.13", zoneinfo: v63, sysVm: ratio }).differences).toEqual([]);
    const wrong = snapshotFromFiles({ version: "6.3.13", zoneinfo: v66, sysVm: ratio }).differences;
    expect(wrong.find((d) => d.zone === "Movable" && d.field === "min")).toEqual({
      node: 0,
      zone: "Movable",
      field: "min",
      kernel: 128,
      computed: 212,
    });
  });

  it("names a min_free_kbytes that is neither the default nor khugepaged's", () => {
    expect(snapshotFromFiles({ version: "6.6.0", zoneinfo: v66, sysVm: ratio }).minFreeKbytes).toMatchObject({
      origin: "user or transparent-hugepage setting",
      defaultAtBoot: 8000,
      thpRecommended: 22528,
    });
    expect(
      snapshotFromFiles({ version: "6.6.0", zoneinfo: v66, sysVm: { ...ratio, min_free_kbytes: "8000" } }).minFreeKbytes
        .origin,
    ).toBe("default");
  });

  it("reports a difference, and says 'unsupported era' before 6.1", () => {
    const r = snapshotFromFiles({
      version: "6.6.0",
      zoneinfo: v66.replace("protection: (0, 0, 0, 1024, 1024)", "protection: (0, 0, 0, 1000, 1024)"),
      sysVm: ratio,
    });
    expect(r.differences).toEqual([{ node: 0, zone: "DMA32", field: "protection[3]", kernel: 1000, computed: 1024 }]);
    const old = snapshotFromFiles({ version: "5.15.0-91-generic", zoneinfo: fixture(F.z015), sysVm: ratio });
    expect(old.era).toBeNull();
    expect(old.zones.every((z) => z.computed === null)).toBe(true);
    expect(old.notCompared.join("\n")).toMatch(/unsupported era/);
    expect(old.compared).toBe(0);
  });
});

describe("live: this machine's /proc against the formulas", () => {
  const have = existsSync("/proc/zoneinfo") && existsSync("/proc/sys/vm/min_free_kbytes");
  const read = (p: string) => {
    try {
      return readFileSync(p, "utf8");
    } catch {
      return undefined; // /proc/pagetypeinfo is mode 0400
    }
  };
  it.skipIf(!have)("snapshotFromFiles reports no differences", (ctx) => {
    const version = read("/proc/sys/kernel/osrelease")?.trim();
    const sysVm: Record<string, string> = {};
    for (const k of ["min_free_kbytes", "watermark_scale_factor", "lowmem_reserve_ratio"])
      sysVm[k] = read(`/proc/sys/vm/${k}`) ?? "";
    const r = snapshotFromFiles({
      version,
      zoneinfo: read("/proc/zoneinfo"),
      buddyinfo: read("/proc/buddyinfo"),
      pagetypeinfo: read("/proc/pagetypeinfo"),
      sysVm,
    });
    if (r.era === null) {
      ctx.skip(); // a kernel before 6.1: oomlab does not recompute its formulas
      return;
    }
    expect(r.warnings).toEqual([]);
    expect(r.zones.length).toBeGreaterThan(0);
    expect(r.differences).toEqual([]);
  });
});
