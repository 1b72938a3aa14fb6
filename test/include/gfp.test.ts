// gfp masks across eras (bindings/include/linux/gfp.ts) and the mm/vmstat.c fragmentation indices
// (bindings/mm/fragmentation.ts). Composite values are computed from include/linux/gfp.h of 2.6.32, 4.4,
// 4.19, 5.10, 5.15 and 6.1, and XFS's masks from fs/xfs/kmem.h kmem_flags_convert (4.4, 4.19, 5.10);
// printed strings follow %pGg (lib/vsprintf.c format_flags with the name table of
// include/trace/events/mmflags.h, 6.14) and every "mask(FLAGS)" the corpus in test/fixtures prints;
// the rest is hand-derived.

import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { OomlabError } from "../../bindings/errors.js";
import {
  decodeGfp,
  decodeGfp2611,
  GFP_2611,
  GFP_ERAS,
  gfpBitsFor,
  gfpEraForVersion,
  gfpEraRange,
  gfpZone,
  parseGfp,
  parseGfp2611,
  type GfpEra,
} from "../../bindings/include/linux/gfp.js";
import {
  extfragForOrder,
  extfragIndex,
  fillContigPageInfo,
  formatFragIndex,
  fragmentationTable,
  unusableFreeIndex,
} from "../../bindings/mm/fragmentation.js";
import { allocFlagsFor } from "../../bindings/mm/page_alloc.js";
import { AllocFlags } from "../../bindings/mm/internal.js";

const FIXTURES = new URL("../fixtures/", import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), "utf8");

describe("gfpEraForVersion", () => {
  it.each([
    ["2.6.3", "2.6.11"], // nearest modelled layout (its bits are a subset)
    ["2.6.11", "2.6.11"],
    ["2.6.14-rc2-gc90eef84", "2.6.14"],
    ["2.6.15-rc2", "2.6.15"],
    ["2.6.26-rc5-mm2", "2.6.24"],
    ["2.6.31+frans2+mel-00002-g90702f9-dirty", "2.6.31"],
    ["2.6.32-5-amd64", "2.6.31"],
    ["3.10.0-514.16.1.el7.stable.v1.4", "3.8"],
    ["2.6.32-754.el6.x86_64", "2.6.31"],
    ["3.2.0-4-amd64", "2.6.38"],
    ["3.16.0-4-amd64", "3.16"],
    ["4.2.0-27-generic", "4.1"],
    ["4.4.11", "4.4"],
    ["4.9.0", "4.8"],
    ["4.14.0-xilinx-v2018.3", "4.14"],
    ["4.18.0-147.el8", "4.18"],
    ["5.0.10-zb64-1bb762d31089+", "4.18"],
    ["5.2.0-rc7", "5.1"],
    ["5.10.0-rc1+", "5.1"],
    ["5.15.158-2-pve", "5.14"],
    ["6.1.1-arch1-1", "5.18"],
    ["6.6.9", "6.3"],
    ["6.8.0+", "6.8"],
    ["6.14.0", "6.8"],
    ["6.18.44-fc-v669", "6.18"],
  ])("%s → %s", (version, era) => {
    expect(gfpEraForVersion(version)).toBe(era);
  });

  it("returns null for nothing, garbage and pre-2.6 kernels", () => {
    expect(gfpEraForVersion(null)).toBeNull();
    expect(gfpEraForVersion("unknown")).toBeNull();
    expect(gfpEraForVersion("2.4.20-8")).toBeNull();
  });

  it("documents each era's range", () => {
    expect(gfpEraRange("5.14")).toEqual({ first: "5.14", last: "5.17" });
    expect(gfpEraRange("2.6.31")).toEqual({ first: "2.6.31", last: "2.6.37" });
    expect(gfpEraRange("4.1")).toEqual({ first: "4.1", last: "4.3" });
    expect(gfpEraRange("6.18")).toEqual({ first: "6.18", last: null });
  });
});

describe("the bits 2.6.38-4.3 added (hex-only kernels: the names explain, they are not printed)", () => {
  it("GFP_TRANSHUGE of 2.6.38-4.3: GFP_HIGHUSER_MOVABLE + __GFP_COMP, NOMEMALLOC, NORETRY, NOWARN, NO_KSWAPD", () => {
    expect(gfpBitsFor("3.8").GFP_TRANSHUGE).toBe(0x4352da);
    expect(decodeGfp(0x4352da, "3.8").text).toBe("GFP_TRANSHUGE");
    expect(decodeGfp(0x4352da, "2.6.31").text).toBe(
      "GFP_HIGHUSER_MOVABLE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_NOMEMALLOC|0x400000",
    );
  });

  it("0x100000 is __GFP_KMEMCG in 3.8-3.15, unused in 3.16-4.0, __GFP_NOACCOUNT in 4.1-4.4", () => {
    expect(decodeGfp(0x1000d0, "3.8").text).toBe("GFP_KERNEL|__GFP_KMEMCG");
    expect(decodeGfp(0x1000d0, "3.16").text).toBe("GFP_KERNEL|0x100000");
    expect(decodeGfp(0x1000d0, "4.1").text).toBe("GFP_KERNEL|__GFP_NOACCOUNT");
  });

  it("0x2000 is __GFP_MEMALLOC from 3.6; 0x400000 stops being __GFP_NO_KSWAPD in 4.4", () => {
    expect(decodeGfp(0x2020, "2.6.38").text).toBe("GFP_ATOMIC|0x2000");
    expect(decodeGfp(0x2020, "3.6").text).toBe("GFP_ATOMIC|__GFP_MEMALLOC");
    expect(decodeGfp(0x4000d0, "4.1").names).toContain("__GFP_NO_KSWAPD");
    expect(gfpBitsFor("4.4").__GFP_NO_KSWAPD).toBeUndefined();
    expect(gfpBitsFor("4.4").__GFP_DIRECT_RECLAIM).toBe(0x400000);
  });

  it("__GFP_NO_KSWAPD (THP) keeps kswapd asleep; __GFP_MEMALLOC (3.6+) ignores the watermarks", () => {
    expect(allocFlagsFor(0x4352da, "3.8", { order: 9 }).allocFlags6_18 & AllocFlags.KSWAPD).toBe(0);
    expect(allocFlagsFor(0x200da, "3.8").allocFlags6_18 & AllocFlags.KSWAPD).toBe(AllocFlags.KSWAPD);
    expect(allocFlagsFor(0x2020, "3.6").allocFlags6_18 & AllocFlags.NO_WATERMARKS).toBe(AllocFlags.NO_WATERMARKS);
    expect(allocFlagsFor(0x2020, "2.6.38").allocFlags6_18 & AllocFlags.NO_WATERMARKS).toBe(0);
  });

  it("no two bits of one era share a value", () => {
    for (const era of GFP_ERAS) {
      const single = Object.entries(gfpBitsFor(era)).filter(
        ([n, v]) => n.startsWith("__GFP_") && n !== "__GFP_RECLAIM" && v !== 0,
      );
      const values = single.map(([, v]) => v);
      expect(new Set(values).size, `${era}: ${JSON.stringify(single)}`).toBe(values.length);
    }
  });
});

describe("gfpBitsFor: composites (include/linux/gfp.h per release, plus the corrections from real logs)", () => {
  it("resolves every era without dangling names", () => {
    for (const era of GFP_ERAS) expect(gfpBitsFor(era).GFP_KERNEL).toBeGreaterThan(0);
  });

  it("GFP_2611 is the 2.6.11 table resolved: include/linux/gfp.h 2.6.11's values, in the header's order", () => {
    expect(Object.entries(GFP_2611)).toEqual([
      ["__GFP_DMA", 0x01],
      ["__GFP_HIGHMEM", 0x02],
      ["__GFP_WAIT", 0x10],
      ["__GFP_HIGH", 0x20],
      ["__GFP_IO", 0x40],
      ["__GFP_FS", 0x80],
      ["__GFP_COLD", 0x100],
      ["__GFP_NOWARN", 0x200],
      ["__GFP_REPEAT", 0x400],
      ["__GFP_NOFAIL", 0x800],
      ["__GFP_NORETRY", 0x1000],
      ["__GFP_NO_GROW", 0x2000],
      ["__GFP_COMP", 0x4000],
      ["__GFP_ZERO", 0x8000],
      ["GFP_ATOMIC", 0x20],
      ["GFP_NOIO", 0x10],
      ["GFP_NOFS", 0x50],
      ["GFP_KERNEL", 0xd0],
      ["GFP_USER", 0xd0],
      ["GFP_HIGHUSER", 0xd2],
      ["GFP_DMA", 0x01],
    ]);
    expect(gfpBitsFor("2.6.11")).toEqual(GFP_2611);
  });

  const table: [GfpEra, Record<string, number>][] = [
    ["2.6.14", { GFP_USER: 0x400d0, GFP_HIGHUSER: 0x400d2 }], // HARDWALL 0x40000 (include/linux/gfp.h, 2.6.14)
    ["2.6.24", { GFP_HIGHUSER_MOVABLE: 0x1200d2, GFP_TEMPORARY: 0x800d0 }], // 025 prints 0x1200d2
    // include/linux/gfp.h, 2.6.32
    [
      "2.6.31",
      {
        GFP_ATOMIC: 0x20,
        GFP_NOIO: 0x10,
        GFP_NOFS: 0x50,
        GFP_KERNEL: 0xd0,
        GFP_TEMPORARY: 0x800d0,
        GFP_USER: 0x200d0,
        GFP_HIGHUSER: 0x200d2,
        GFP_HIGHUSER_MOVABLE: 0x200da,
      },
    ],
    [
      "4.4",
      {
        GFP_ATOMIC: 0x2080020,
        GFP_NOWAIT: 0x2000000,
        GFP_NOIO: 0x2400000,
        GFP_NOFS: 0x2400040,
        GFP_KERNEL: 0x24000c0,
        GFP_TEMPORARY: 0x24000d0,
        GFP_USER: 0x24200c0,
        GFP_HIGHUSER: 0x24200c2,
        GFP_HIGHUSER_MOVABLE: 0x24200ca,
        GFP_TRANSHUGE: 0x4352ca,
      },
    ],
    // corrections: 4.10-4.17 between 4.4 and 4.19: GFP_KERNEL = 0x14000c0
    ["4.14", { GFP_KERNEL: 0x14000c0, __GFP_NOTRACK: 0x200000, __GFP_KSWAPD_RECLAIM: 0x1000000 }],
    ["4.15", { GFP_KERNEL: 0x14000c0, GFP_ATOMIC: 0x1080020 }],
    // include/linux/gfp.h, 4.19
    [
      "4.18",
      {
        GFP_ATOMIC: 0x480020,
        GFP_NOWAIT: 0x400000,
        GFP_NOIO: 0x600000,
        GFP_NOFS: 0x600040,
        GFP_KERNEL: 0x6000c0,
        GFP_KERNEL_ACCOUNT: 0x7000c0,
        GFP_USER: 0x6200c0,
        GFP_HIGHUSER: 0x6200c2,
        GFP_HIGHUSER_MOVABLE: 0x6200ca,
        GFP_TRANSHUGE_LIGHT: 0x342ca,
        GFP_TRANSHUGE: 0x2342ca,
      },
    ],
    // include/linux/gfp.h, 5.10, 5.15 and 6.1
    [
      "5.1",
      {
        GFP_ATOMIC: 0xa20,
        GFP_NOWAIT: 0x800,
        GFP_NOIO: 0xc00,
        GFP_NOFS: 0xc40,
        GFP_KERNEL: 0xcc0,
        GFP_KERNEL_ACCOUNT: 0x400cc0,
        GFP_USER: 0x100cc0,
        GFP_HIGHUSER: 0x100cc2,
        GFP_HIGHUSER_MOVABLE: 0x100cca,
        GFP_TRANSHUGE_LIGHT: 0x1c20ca,
        GFP_TRANSHUGE: 0x1c24ca,
      },
    ],
    ["5.14", { GFP_HIGHUSER_MOVABLE: 0x1100cca }], // correction: 5.15 prints 0x1100cca
    ["5.18", { GFP_HIGHUSER_MOVABLE: 0x100cca, GFP_ATOMIC: 0xa20 }], // 6.1 prints 0x140dca = HUM|COMP|ZERO
    ["6.3", { GFP_ATOMIC: 0x820, GFP_NOWAIT: 0x800, GFP_KERNEL: 0xcc0 }],
    ["6.8", { GFP_NOWAIT: 0x2800 }], // KSWAPD|NOWARN since 16f5dfbc851b
    ["6.18", { GFP_ATOMIC: 0x820, GFP_NOWAIT: 0x2800, GFP_HIGHUSER_MOVABLE: 0x100cca, GFP_TRANSHUGE: 0x1c24ca }],
  ];
  it.each(table)("%s", (era, expected) => {
    const b = gfpBitsFor(era);
    for (const [name, value] of Object.entries(expected)) expect([name, b[name]]).toEqual([name, value]);
  });

  it("drops names an era does not have", () => {
    expect(gfpBitsFor("4.4").__GFP_WAIT).toBeUndefined();
    expect(gfpBitsFor("4.4").GFP_KERNEL_ACCOUNT).toBeUndefined();
    expect(gfpBitsFor("4.13").__GFP_REPEAT).toBeUndefined();
    expect(gfpBitsFor("4.14").GFP_TEMPORARY).toBeUndefined();
    expect(gfpBitsFor("6.3").__GFP_ATOMIC).toBeUndefined();
  });
});

describe("decodeGfp", () => {
  it.each<[number, GfpEra, string]>([
    // %pGg output (lib/vsprintf.c format_flags, include/trace/events/mmflags.h, 6.14)
    [0x100cca, "5.1", "GFP_HIGHUSER_MOVABLE"],
    [0xcc0, "6.18", "GFP_KERNEL"],
    [0x2cc0, "6.18", "GFP_KERNEL|__GFP_NOWARN"],
    [0xc40, "6.18", "GFP_NOFS"],
    [0x6200ca, "4.18", "GFP_HIGHUSER_MOVABLE"],
    // XFS kmem_flags_convert masks (fs/xfs/kmem.h, 4.4, 4.19, 5.10)
    [0x24002c0, "4.4", "GFP_KERNEL|__GFP_NOWARN"],
    [0x6002c0, "4.18", "GFP_KERNEL|__GFP_NOWARN"],
    [0x2c40, "5.1", "GFP_NOFS|__GFP_NOWARN"],
    [0x6cc0, "5.1", "GFP_KERNEL|__GFP_NOWARN|__GFP_RETRY_MAYFAIL"],
    // a 4.19-layout kernel's SLUB line: "gfp=0x480020(GFP_ATOMIC)"
    [0x480020, "4.18", "GFP_ATOMIC"],
    // GFP_NOWAIT: 0x800 alone stops being GFP_NOWAIT when NOWARN joins it (6.8)
    [0x800, "6.3", "GFP_NOWAIT"],
    [0x800, "6.8", "__GFP_KSWAPD_RECLAIM"],
    [0x2800, "6.8", "GFP_NOWAIT"],
    // the same bits read in the wrong era: 0x2d0 (2.6 GFP_KERNEL|__GFP_NOWARN)
    [0x2d0, "4.4", "__GFP_IO|__GFP_FS|__GFP_NOWARN|__GFP_RECLAIMABLE"],
    [0x2d0, "5.1", "__GFP_ATOMIC|__GFP_IO|__GFP_FS|__GFP_RECLAIMABLE"],
    [0x2d0, "6.8", "__GFP_IO|__GFP_FS|__GFP_RECLAIMABLE|0x200"], // bit 9 unused since 6.3
    // 6.18's table lists the single bits in bit order (mmflags.h TRACE_GFP_FLAGS_GENERAL, 6.18)
    [0x2d0, "6.18", "__GFP_RECLAIMABLE|__GFP_IO|__GFP_FS|0x200"],
    [0x140dca, "6.8", "GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO"], // 028 (6.1.1) prints this order
    [0x140dca, "6.18", "GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP"],
    [0x52cc0, "6.8", "GFP_KERNEL|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP"],
    [0x52cc0, "6.18", "GFP_KERNEL|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP"],
    [0x100cc2, "6.18", "GFP_HIGHUSER"],
    [0x8c40, "6.18", "GFP_NOFS|__GFP_NOFAIL"],
    [0x108, "6.8", "__GFP_ZERO|__GFP_MOVABLE"],
    [0x108, "6.18", "__GFP_MOVABLE|__GFP_ZERO"],
    [0, "6.18", ""], // %pGg prints nothing: "gfp_mask=0x0()"
    // pre-%pGg eras: composite first, then the remaining __GFP_* bits in bit order
    [0x2d0, "2.6.11", "GFP_KERNEL|__GFP_NOWARN"], // the seed report
    [0xd0, "2.6.14", "GFP_KERNEL"], // 023
    [0x400d0, "2.6.14", "GFP_USER"],
    [0x1200d2, "2.6.24", "GFP_HIGHUSER_MOVABLE"], // 025
    [0x8020, "2.6.31", "GFP_ATOMIC|__GFP_ZERO"], // 004
    [0x4020, "2.6.24", "GFP_ATOMIC|__GFP_COMP"], // 044
    [0x2040d0, "2.6.31", "GFP_KERNEL|__GFP_COMP|__GFP_NOTRACK"], // a 3.10 slab allocation
    [0x3000d0, "2.6.31", "GFP_KERNEL|__GFP_NOTRACK|0x100000"], // 3.8-3.14 __GFP_KMEMCG is not modelled
    [0, "2.6.11", ""],
  ])("mask %i in %s → %s", (mask, era, text) => {
    expect(decodeGfp(mask, era).text).toBe(text);
  });

  it("reports the leftover bits", () => {
    expect(decodeGfp(0x2d0, "6.18")).toEqual({
      names: ["__GFP_RECLAIMABLE", "__GFP_IO", "__GFP_FS"],
      text: "__GFP_RECLAIMABLE|__GFP_IO|__GFP_FS|0x200",
      unknown: 0x200,
    });
    expect(decodeGfp(0x3000d0, "2.6.31").unknown).toBe(0x100000);
  });

  it("decodeGfp2611's fields rebuild decodeGfp's 2.6.11 text for every 16-bit mask and more; 0 reads 0x0", () => {
    const masks = [...Array.from({ length: 0xffff }, (_, i) => i + 1), 0x10000, 0x12d0, 0xffff0000];
    for (const m of masks) {
      const d = decodeGfp2611(m);
      const covered = d.composite ? GFP_2611[d.composite as keyof typeof GFP_2611] : 0;
      const rest = d.names.filter((n) => (GFP_2611[n as keyof typeof GFP_2611] & covered) === 0);
      const hex = d.unknown ? [`0x${d.unknown.toString(16)}`] : [];
      const parts = [...(d.composite ? [d.composite] : []), ...rest, ...hex];
      expect(parts.join("|")).toBe(decodeGfp(m, "2.6.11").text);
      expect(d.text).toBe(decodeGfp(m, "2.6.11").text);
    }
    expect([decodeGfp(0, "2.6.11").text, decodeGfp2611(0).text]).toEqual(["", "0x0"]);
  });

  it("rejects masks that are not unsigned 32-bit integers", () => {
    expect(() => decodeGfp(-1, "6.18")).toThrow(OomlabError);
    expect(() => decodeGfp(1.5, "6.18")).toThrow(OomlabError);
  });

  // Every "mask(FLAGS)" the corpus prints, decoded in the era of the kernel that printed it.
  const printed = readdirSync(FIXTURES)
    .filter((f) => /\.(log|txt)$/.test(f))
    .flatMap((file) => {
      const text = fixture(file);
      const version = /(?:Not tainted|Tainted: [A-Z ]+?)\s+(\d+\.\d+\S*)/.exec(text)?.[1] ?? null;
      return [...text.matchAll(/(?:gfp_mask=|mode:|gfp=)(0x[0-9a-f]+)\(([^)]*)\)/g)].map(
        (m) => [file, version, m[1], m[2]] as const,
      );
    });

  it("finds the corpus' printed masks", () => {
    // 008 5.10, 009 4.14, 020 5.2, 022 4.9, 028 6.1, 029 5.15, 039 5.0.10 (twice), 041 6.8, 045 6.12
    expect(printed.length).toBe(10);
  });

  it.each(printed)("%s (%s) %s(%s)", (_file, version, mask, flags) => {
    const era = gfpEraForVersion(version);
    expect(era).not.toBeNull();
    expect(decodeGfp(Number(mask), era!).text).toBe(flags);
  });
});

describe("gfpZone", () => {
  it.each<[number, GfpEra, string]>([
    [0x2d0, "2.6.11", "Normal"], // seed: zonelist starts at NORMAL (only DMA populated on the ARM box)
    [0xd0, "2.6.14", "Normal"], // 023
    [0x1200d2, "2.6.24", "Movable"], // 025: HIGHMEM|MOVABLE (2.6.23+ gfp_zone)
    [0x8020, "2.6.31", "Normal"], // 004
    [0x4020, "2.6.24", "Normal"], // 044
    [0xd0, "2.6.31", "Normal"], // 021 (3.10)
    [0x20, "2.6.31", "Normal"], // 037 (3.10)
    [0x24200d4, "4.8", "DMA32"], // 022: nominal DMA32; i386 has no ZONE_DMA32, so Normal there (OPT_ZONE_DMA32)
    [0x16080c0, "4.14", "Normal"], // 009
    [0x400000, "4.18", "Normal"], // 039
    [0x100cca, "5.1", "Movable"], // 020
    [0x40cc0, "5.1", "Normal"], // 008
    [0x1100cca, "5.14", "Movable"], // 029
    [0x140dca, "5.18", "Movable"], // 028
    [0xcc1, "6.8", "DMA"], // 041
    [0x5, "2.6.15", "DMA"], // before GFP_ZONE_TABLE the DMA test wins
    [0x100d2, "2.6.19", "HighMem"], // 0x10000 is NOMEMALLOC, not a zone bit
    [0x8, "6.18", "Normal"], // MOVABLE alone
    [0xc, "6.18", "DMA32"], // MOVABLE|DMA32
  ])("mask %i in %s → %s", (mask, era, zone) => {
    expect(gfpZone(mask, era)).toBe(zone);
  });

  it("refuses GFP_ZONE_BAD combinations and 2.6.11's missing zonelist 3", () => {
    expect(() => gfpZone(0x3, "6.18")).toThrow(OomlabError); // DMA|HIGHMEM
    expect(() => gfpZone(0x6, "2.6.31")).toThrow(OomlabError); // HIGHMEM|DMA32
    expect(() => gfpZone(0x3, "2.6.11")).toThrow(OomlabError);
  });
});

describe("parseGfp: masks written as names, by era", () => {
  it("reads names, hex parts and numbers with the era's table", () => {
    expect(parseGfp("GFP_KERNEL|__GFP_NOWARN", "2.6.11")).toBe(0x2d0);
    expect(parseGfp("GFP_KERNEL|__GFP_NOWARN", "6.18")).toBe(0x2cc0);
    expect(parseGfp("GFP_ATOMIC", "4.4")).toBe(0x2080020);
    expect(parseGfp(" GFP_NOWAIT | 0x100 ", "6.8")).toBe(0x2900);
    expect(parseGfp(0xffffffff, "6.18")).toBe(0xffffffff);
    expect(parseGfp2611("GFP_HIGHUSER")).toBe(parseGfp("GFP_HIGHUSER", "2.6.11"));
  });

  it("refuses names the era does not have, numbers past __GFP_BITS_SHIFT (2.6.11: 16) or 32 bits", () => {
    expect(() => parseGfp("__GFP_WAIT", "6.18")).toThrow(/"__GFP_WAIT" is not a 6.18 flag/);
    expect(() => parseGfp("GFP_KERNEL_ACCOUNT", "2.6.11")).toThrow(
      /not a 2.6.11 flag \(__GFP_DMA, __GFP_HIGHMEM, __GFP_WAIT/,
    );
    expect(() => parseGfp("toString", "2.6.11")).toThrow(OomlabError);
    expect(() => parseGfp(0x10000, "2.6.11")).toThrow("gfp 65536 is not a 2.6.11 mask (0 .. 0xffff)");
    expect(parseGfp(0x10000, "2.6.12")).toBe(0x10000);
    expect(() => parseGfp(2 ** 32, "6.18")).toThrow("gfp 4294967296 is not a 6.18 mask (0 .. 0xffffffff)");
    expect(() => parseGfp("", "6.18")).toThrow(OomlabError);
    expect(() => parseGfp(null, "6.18")).toThrow(OomlabError);
  });
});

describe("fragmentation indices (mm/vmstat.c)", () => {
  // The seed report's DMA zone: 411*4kB 252*8kB 113*16kB 27*32kB 1*64kB 1*128kB, orders 0..10.
  // free_pages = 411 + 252*2 + 113*4 + 27*8 + 16 + 32 = 1631; free_blocks_total = 805.
  const seed = [411, 252, 113, 27, 1, 1, 0, 0, 0, 0, 0];

  it("fill_contig_page_info", () => {
    // freeBlocksSuitable: 27 + 1*2 + 1*4
    expect(fillContigPageInfo(seed, 3)).toEqual({ freePages: 1631, freeBlocksTotal: 805, freeBlocksSuitable: 33 });
  });

  it.each([
    // order 0: every page is suitable: (1631 - 1631) * 1000 / 1631 = 0
    [0, 0, -1000],
    // order 3: suitable 33 → (1631 - 33*8) * 1000 / 1631 = 1367000 / 1631 = 838.1 → 838; a block exists → -1000
    [3, 838, -1000],
    // order 4: suitable 1 + 2 = 3 → 1583000 / 1631 = 970.6 → 970
    [4, 970, -1000],
    // order 5: suitable 1 → 1599000 / 1631 = 980.4 → 980
    [5, 980, -1000],
    // order 6: nothing suitable → 1000; extfrag = 1000 - (1000 + 1631000/64) / 805 = 1000 - 26484/805 = 1000 - 32 = 968
    [6, 1000, 968],
    // order 7: 1631000/128 = 12742 → 1000 - 13742/805 = 1000 - 17 = 983
    [7, 1000, 983],
    // order 10: 1631000/1024 = 1592 → 1000 - 2592/805 = 1000 - 3 = 997
    [10, 1000, 997],
    // order 11 is past MAX_ORDER-1: __fragmentation_index WARNs and returns 0
    [11, 1000, 0],
  ])("seed DMA order %i: unusable %i, extfrag %i", (order, unusable, extfrag) => {
    expect(unusableFreeIndex(seed, order)).toBe(unusable);
    expect(extfragIndex(seed, order)).toBe(extfrag);
  });

  it("034's fragmented Normal zone (3.10 buddyinfo 40153 12774 302 17 0…)", () => {
    // free_pages = 40153 + 25548 + 1208 + 136 = 67045, blocks = 53246
    const normal = [40153, 12774, 302, 17, 0, 0, 0, 0, 0, 0, 0];
    // order 2: suitable 302 + 17*2 = 336 → (67045 - 1344) * 1000 / 67045 = 65701000 / 67045 = 979.9 → 979
    expect(unusableFreeIndex(normal, 2)).toBe(979);
    // order 3: (67045 - 136) * 1000 / 67045 = 997.97 → 997
    expect(unusableFreeIndex(normal, 3)).toBe(997);
    // order 4: 67045000/16 = 4190312 → 1000 - 4191312/53246 = 1000 - 78 = 922: mostly fragmentation
    expect(extfragIndex(normal, 4)).toBe(922);
    expect(extfragForOrder(normal, 3)).toBe(99); // 6690900 / 67045 = 99.8
  });

  it("an empty zone: all unusable, extfrag 0 (lack of memory, not fragmentation)", () => {
    const empty = new Array(11).fill(0);
    expect([unusableFreeIndex(empty, 3), extfragIndex(empty, 3), extfragForOrder(empty, 3)]).toEqual([1000, 0, 0]);
  });

  it("formats like /sys/kernel/debug/extfrag", () => {
    expect([
      formatFragIndex(838),
      formatFragIndex(-1000),
      formatFragIndex(1000),
      formatFragIndex(0),
      formatFragIndex(968),
    ]).toEqual(["0.838", "-1.000", "1.000", "0.000", "0.968"]);
    const rows = fragmentationTable(seed);
    expect(rows).toHaveLength(11);
    expect(rows[6]).toEqual({
      order: 6,
      unusableFreeIndex: 1000,
      extfragIndex: 968,
      unusableText: "1.000",
      extfragText: "0.968",
    });
    expect(rows.map((r) => r.extfragText).slice(0, 6)).toEqual(Array(6).fill("-1.000"));
  });

  it("rejects bad input", () => {
    expect(() => unusableFreeIndex([1, -1], 0)).toThrow(OomlabError);
    expect(() => extfragIndex(seed, -1)).toThrow(OomlabError);
    expect(() => extfragIndex(seed, 1.5)).toThrow(OomlabError);
  });
});
