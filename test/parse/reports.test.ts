// Report parsers (bindings/parse/): every corpus file parses without throwing and agrees with its
// MANIFEST.md row and with the numbers printed in the file; prefix stripping; a mutation property test;
// a 10 MB log. Fixtures are verbatim copies of public reports (test/fixtures/MANIFEST.md has the sources).

import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { countPhysicalLines, splitLines } from "../../bindings/parse/lines.js";
import { parseReports, type ParsedReport, type ParsedZone } from "../../bindings/parse/reports.js";
import { HEADER_FORMATS, parseHeader, type HeaderFormat } from "../../bindings/parse/headers.js";

const DIR = fileURLToPath(new URL("../fixtures/", import.meta.url));
const LOGS = readdirSync(DIR)
  .filter((f) => f.endsWith(".log"))
  .sort();
const read = (f: string): string => readFileSync(DIR + f, "utf8");

/** MANIFEST.md rows by file name (cells split at unescaped "|"). */
function manifest(): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of read("MANIFEST.md").split("\n")) {
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    if (cells.length > 8 && cells[1].endsWith(".log")) rows.set(cells[1], cells);
  }
  return rows;
}

/** The MANIFEST "Kind" cell -> expected kinds ("oom x3" -> three oom; buddyinfo etc. -> none). */
function manifestKinds(kindCell: string): string[] {
  const m = /^(oom|alloc-failure|memcg-oom|show-mem)(?: x(\d+))?/.exec(kindCell);
  return m ? Array<string>(Number(m[2] ?? 1)).fill(m[1]) : [];
}

function zone(r: ParsedReport, name: string): ParsedZone {
  const z = r.zones.find((q) => q.name === name);
  if (!z) throw new Error(`no zone ${name}`);
  return z;
}

interface Expect {
  trigger?: [string, number | null] | null;
  victims?: ([number, string] | null)[];
  version?: string | null;
  flags?: string[] | null;
  /** name -> [freeAreas, freeAreasKb] read from the per-order line, checked in the first report. */
  areas?: Record<string, [number[], number]>;
  check?: (rs: ParsedReport[]) => void;
  /** Lines of the warnings the file is expected to give (none unless listed). */
  warningLines?: number[];
}

// Trigger, victim and per-order counts copied from each file's own lines (cross-checked with MANIFEST).
const EXPECT: Record<string, Expect> = {
  "045": {
    trigger: ["cron", 550],
    victims: [[996, "python"]],
    version: "6.12.62+rpt-rpi-v8",
    areas: { DMA: [[45, 40, 131, 123, 45, 21, 9, 6, 0, 0, 0], 17476] },
    // line 34, the per-node line, is cut short with ">" in the source
    warningLines: [34],
    check: ([r]) => expect([r.taskTable?.tasks.length, r.memInfo?.ramPages]).toEqual([31, 114688]),
  },
  "046": {
    trigger: ["java", 3794],
    victims: [[31995, "java"]],
    version: "2.6.32-642.11.1.el6.x86_64",
    areas: { Normal: [[756, 728, 552, 336, 134, 37, 2, 0, 0, 0, 0], 42256] },
    check: ([r]) => expect([r.taskTable?.tasks.length, r.victim?.score]).toEqual([42, 442]),
  },
  "001": {
    trigger: null,
    victims: [null],
    areas: { Normal: [[98, 20, 0, 1, 1, 0, 1, 1, 0, 0, 0], 1416], HighMem: [[0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0], 512] },
    check: ([r]) => {
      expect([zone(r, "HighMem").freeKb, zone(r, "HighMem").minKb]).toEqual([512, 512]);
      expect([zone(r, "Normal").minKb, zone(r, "Normal").lowKb, zone(r, "DMA").highKb]).toEqual([936, 1872, 48]);
      expect(zone(r, "DMA").pcp).toHaveLength(4);
    },
  },
  "004": {
    trigger: ["ifconfig", 5151],
    victims: [null, null],
    version: "2.6.31+frans2+mel-00002-g90702f9-dirty",
    areas: { Normal: [[135, 213, 21, 4, 5, 0, 0, 0, 0, 0, 0], 3028], DMA: [[46, 0, 5, 0, 1, 0, 1, 1, 0, 0, 0], 1096] },
    check: ([r]) => expect(zone(r, "DMA").lowmemReserve).toEqual([0, 238, 238]),
  },
  "008": {
    trigger: ["go", 6792],
    victims: [null],
    version: "5.10.0-rc1+",
    flags: ["GFP_KERNEL", "__GFP_COMP"],
    areas: { Normal: [[2127, 1508, 472, 96, 12, 4, 1, 1, 0, 0, 0], 33244] },
    check: ([r]) => {
      expect(zone(r, "Normal").migratetypes).toEqual(["UMEC", "UMEC", "UMEC", "UMC", "C", "C", "C", "C", "", "", ""]);
      expect([zone(r, "Normal").freeKb, zone(r, "Normal").minKb]).toEqual([33244, 1956]);
    },
  },
  "009": {
    trigger: ["python", 2733],
    victims: [[2733, "python"]],
    version: "4.14.0-xilinx-v2018.2",
    flags: ["GFP_KERNEL", "__GFP_ZERO", "__GFP_NOTRACK"],
    areas: { DMA: [[512, 208, 110, 65, 33, 17, 7, 4, 4, 3, 62], 279872] },
    check: ([r]) => {
      expect([zone(r, "DMA").freeKb, zone(r, "DMA").minKb, zone(r, "DMA").freeCmaKb]).toEqual([272284, 22528, 257868]);
      expect([r.victim?.score, r.victim?.reaped]).toEqual([699, true]);
    },
  },
  "020": {
    trigger: ["leaker", 23793],
    victims: [[23793, "leaker"]],
    version: "5.2.0-rc7",
    flags: ["GFP_HIGHUSER_MOVABLE"],
    check: ([r]) => {
      expect([r.memcg?.usageKb, r.memcg?.limitKb]).toEqual([524288, 524288]);
      expect(r.constraint?.constraint).toBe("CONSTRAINT_MEMCG");
      expect(r.zones).toEqual([]);
    },
  },
  "021": {
    trigger: ["runc:[2:INIT]", 12788],
    victims: [[12788, "runc:[2:INIT]"]],
    version: "3.10.0-514.16.1.el7.stable.v1.4.x86_64",
    check: ([r]) => {
      expect([r.memcg?.usageKb, r.memcg?.limitKb, r.memcg?.kmemUsageKb]).toEqual([3145728, 3145728, 3143468]);
      expect([r.victim?.selectedPid, r.constraint?.constraint, r.oomScoreAdj]).toEqual([12800, "", 997]);
    },
  },
  "022": {
    trigger: ["Xorg", 2746],
    victims: [[15515, "firefox.real"]],
    version: "4.9.0",
    flags: ["GFP_USER", "GFP_DMA32", "__GFP_RECLAIMABLE"],
    areas: {
      Normal: [[531, 467, 262, 367, 152, 71, 3, 2, 0, 0, 0], 42404],
      DMA: [[1, 2, 0, 0, 0, 4, 4, 3, 1, 0, 0], 4116],
    },
    check: ([r]) => {
      expect([zone(r, "Normal").freeKb, zone(r, "Normal").minKb, zone(r, "HighMem").freeKb]).toEqual([
        42404, 42416, 120916,
      ]);
      expect([zone(r, "DMA").lowmemReserve, r.victim?.score]).toEqual([[0, 833, 3008, 3008], 106]);
    },
  },
  "023": {
    trigger: null,
    victims: [null, null, null],
    version: null,
    areas: {
      Normal: [[0, 0, 0, 0, 1, 0, 0, 1, 1, 1, 0], 3648],
      HighMem: [[1, 1, 19, 12, 21, 14, 5, 2, 2, 1, 603], 2480124],
    },
    check: (rs) => {
      expect(rs.map((r) => zone(r, "HighMem").freeAreas[0])).toEqual([1, 60, 86]);
      expect([zone(rs[0], "Normal").minKb, zone(rs[0], "DMA").lowmemReserve]).toEqual([3756, [0, 880, 4080]]);
      expect(zone(rs[0], "Normal").allUnreclaimable).toBe(true);
    },
  },
  "025": {
    trigger: ["pan", 6957],
    victims: [
      [8405, "mutt"],
      [4808, "bash"],
    ],
    version: "2.6.26-rc5-mm2",
    areas: { DMA32: [[1513, 5, 5, 1, 26, 0, 0, 0, 0, 0, 1], 11964] },
    check: (rs) => {
      expect([rs[1].victim?.selectedPid, rs[1].victim?.selectedComm, rs[0].oomAdj]).toEqual([4807, "ssu", 0]);
      expect([zone(rs[0], "Normal").freeKb, zone(rs[0], "Normal").minKb]).toEqual([3928, 4084]);
      expect(zone(rs[0], "DMA32").lowmemReserve).toEqual([0, 0, 2020, 2020]);
    },
  },
  "028": {
    trigger: ["doxygen", 473206],
    victims: [[473206, "doxygen"]],
    version: "6.1.1-arch1-1",
    flags: ["GFP_HIGHUSER_MOVABLE", "__GFP_COMP", "__GFP_ZERO"],
    areas: {
      Normal: [[6676, 2120, 595, 188, 50, 1, 0, 0, 0, 0, 0], 62528],
      DMA: [[0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 2], 13312],
    },
    check: ([r]) => {
      const n = zone(r, "Normal");
      expect([n.freeKb, n.boostKb, n.minKb, zone(r, "DMA32").lowmemReserve]).toEqual([
        61900,
        8192,
        61948,
        [0, 0, 12468, 12468, 12468],
      ]);
      expect(r.constraint?.globalOom).toBe(true);
    },
  },
  "029": {
    trigger: ["php-fpm", 3923954],
    victims: [[3902942, "php-fpm"]],
    version: "5.15.158-2-pve",
    flags: ["GFP_HIGHUSER_MOVABLE"],
    check: ([r]) => {
      expect([r.memcg?.usageKb, r.memcg?.limitKb, r.memcg?.swapUsageKb]).toEqual([31211520, 31211520, 0]);
      expect(r.constraint?.oomMemcg).toBe("/lxc/39004");
    },
  },
  "037": {
    trigger: ["ksoftirqd/0", 3],
    victims: [null],
    version: "3.10.0+",
    areas: { Normal: [[390, 226, 225, 226, 226, 226, 14, 5, 0, 0, 0], 63736] },
    check: ([r]) => {
      expect([zone(r, "Normal").freeKb, zone(r, "Normal").minKb, zone(r, "Normal").freeCmaKb]).toEqual([
        63768, 2000, 63080,
      ]);
      expect(zone(r, "Normal").migratetypes?.slice(0, 3)).toEqual(["MC", "C", "C"]);
    },
  },
  "039": {
    trigger: ["kworker/2:0", 12944],
    victims: [null],
    version: "5.0.10-zb64-1bb762d31089+",
    flags: ["GFP_NOWAIT"],
    areas: { Normal: [[651, 693, 658, 398, 63, 26, 9, 0, 0, 0, 0], 41076] },
    check: ([r]) => {
      expect([zone(r, "Normal").freeKb, zone(r, "Normal").minKb]).toEqual([40288, 40124]);
      expect([zone(r, "DMA32").freeKb, zone(r, "DMA32").minKb, zone(r, "DMA32").lowmemReserve]).toEqual([
        44432,
        29352,
        [0, 0, 3854, 3854, 3854],
      ]);
      expect(r.endLine).toBe(82); // the SLUB lines after show_mem belong to the failure
    },
  },
  "041": {
    trigger: ["swapper/0", 1],
    victims: [null],
    version: "6.8.0+",
    flags: ["GFP_KERNEL", "GFP_DMA"],
    areas: { DMA: [[0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0], 1024] },
    check: ([r]) => expect([r.zones.length, zone(r, "DMA").managedKb, r.line, r.endLine]).toEqual([1, 1024, 2, 49]),
  },
  "044": {
    trigger: ["swapper", null],
    victims: [null],
    version: null,
    areas: { Normal: [[72, 43, 23, 1, 0, 0, 0, 0, 0, 0, 0], 1032] },
    check: ([r]) =>
      expect([zone(r, "Normal").freeKb, zone(r, "Normal").minKb, zone(r, "Normal").lowmemReserve]).toEqual([
        1032,
        508,
        [0],
      ]),
  },
};

function checkExpect(rs: ParsedReport[], e: Expect): void {
  for (const r of rs) {
    if (e.trigger !== undefined) expect(r.trigger === null ? null : [r.trigger.comm, r.trigger.pid]).toEqual(e.trigger);
    if (e.version !== undefined) expect(r.kernelVersion).toBe(e.version);
    if (e.flags !== undefined) expect(r.gfpFlagsPrinted).toEqual(e.flags);
  }
  if (e.victims) expect(rs.map((r) => (r.victim ? [r.victim.pid, r.victim.comm] : null))).toEqual(e.victims);
  for (const [name, [areas, kb]] of Object.entries(e.areas ?? {})) {
    const z = zone(rs[0], name);
    expect([z.freeAreas, z.freeAreasKb, z.pageSizeKb]).toEqual([areas, kb, 4]);
  }
  e.check?.(rs);
}

describe("corpus files against MANIFEST.md and their own numbers", () => {
  const rows = manifest();
  it("has a MANIFEST row and an expectation for every corpus fixture", () => {
    expect(LOGS.length).toBeGreaterThanOrEqual(22);
    for (const f of LOGS) expect(rows.has(f), f).toBe(true);
  });
  for (const f of LOGS) {
    it(f, () => {
      const { reports, warnings } = parseReports(read(f));
      const row = rows.get(f) ?? [];
      const kinds = manifestKinds(row[5] ?? "");
      expect(reports.map((r) => r.kind)).toEqual(kinds);
      if (kinds.length === 0) {
        expect(warnings.map((w) => w.line)).toEqual([1]); // "no report found": /proc files belong to proc.ts
        return;
      }
      expect(warnings.map((w) => w.line)).toEqual(EXPECT[f.slice(0, 3)]?.warningLines ?? []);
      const order = /order (\d+)/.exec(row[6] ?? "");
      const mask = /(0x[0-9a-f]+)/.exec(row[6] ?? "");
      for (const r of reports) {
        expect(r.order).toBe(order ? Number(order[1]) : null);
        expect(r.gfpMask).toBe(mask ? mask[1] : null);
        expect(r.line).toBeLessThanOrEqual(r.endLine);
      }
      checkExpect(reports, EXPECT[f.slice(0, 3)] ?? {});
    });
  }
});

describe("the seed article's 2.6.11 report", () => {
  it("reads the header, the DMA free lists and the victim", () => {
    const { reports, warnings } = parseReports(readFileSync(DIR + "seed-article-oom-report.txt", "utf8"));
    expect(warnings).toEqual([]);
    expect(reports).toHaveLength(1);
    const r = reports[0];
    expect([r.kind, r.gfpMask, r.order, r.format]).toEqual(["oom", "0x2d0", null, "oom-killer"]);
    expect(HEADER_FORMATS[r.format as HeaderFormat].label).toBe("oom-killer 2.6.11-2.6.12");
    expect([r.victim?.pid, r.victim?.comm]).toEqual([453, "smbd"]);
    const dma = zone(r, "DMA");
    expect(dma.freeAreas).toEqual([411, 252, 113, 27, 1, 1, 0, 0, 0, 0, 0]);
    expect([dma.freeAreasKb, dma.freeKb, dma.minKb, dma.lowKb, dma.highKb, dma.presentKb]).toEqual([
      6524, 6524, 1200, 1500, 1800, 16384,
    ]);
    expect(dma.pcp).toEqual([
      { cpu: 0, list: "hot", low: 2, high: 6, batch: 1, used: null },
      { cpu: 0, list: "cold", low: 0, high: 2, batch: 1, used: null },
    ]);
    expect([zone(r, "Normal").freeAreas, zone(r, "Normal").freeAreasKb, r.pageSizeKb]).toEqual([[], null, 4]);
  });
});

const OOM_LINE = "pan invoked oom-killer: gfp_mask=0x1200d2, order=0, oomkilladj=0";

describe("prefixes", () => {
  const cases: [string, string, number | undefined][] = [
    ["dmesg", `[ 6785.203761] ${OOM_LINE}`, 6785.203761],
    ["dmesg -T", `[Mon Jan  1 00:00:00 2024] ${OOM_LINE}`, undefined],
    ["dmesg -T, localized", `[Di Aug 12 03:54:03 2025] ${OOM_LINE}`, undefined],
    ["syslog", `Jun 17 03:18:17 host-xx kernel: ${OOM_LINE}`, undefined],
    ["syslog without host", `Dec 20 14:02:50 kernel: ${OOM_LINE}`, undefined],
    ["kern.log with stamp", `Jun  7 03:18:17 box kernel: [   12.500000] ${OOM_LINE}`, 12.5],
    ["journalctl short-iso", `2024-01-01T00:00:00+0100 box kernel: ${OOM_LINE}`, undefined],
    ["journalctl short-precise", `Jan 01 00:00:00.123456 box kernel: ${OOM_LINE}`, undefined],
    ["journalctl short-monotonic", `[  123.456789] box kernel: ${OOM_LINE}`, 123.456789],
    ["printk level", `<4>${OOM_LINE}`, undefined],
    ["printk level and stamp", `<4>[    1.000000] ${OOM_LINE}`, 1],
    ["/dev/kmsg", `4,1234,5000000,-;${OOM_LINE}`, 5],
    ["dmesg -x", `kern  :warn  : [    2.000000] ${OOM_LINE}`, 2],
    ["printk caller", `[    3.000000] [ T6957] ${OOM_LINE}`, 3],
  ];
  for (const [name, raw, time] of cases) {
    it(name, () => {
      const [l] = splitLines(raw);
      expect([l.line, l.text, l.time]).toEqual([1, OOM_LINE, time]);
      expect(parseReports(raw).reports[0].trigger?.comm).toBe("pan");
    });
  }

  it("keeps message indentation after a stamp and blank stamped lines", () => {
    const ls = splitLines("[ 6785.204701]  [<ffffffff80269e4b>] oom_kill_process+0x11b/0x220\n[ 6785.203931] \n");
    expect(ls.map((l) => l.text)).toEqual([" [<ffffffff80269e4b>] oom_kill_process+0x11b/0x220", ""]);
  });

  it("expands rsyslog #012 into several kernel lines with one physical line number", () => {
    const raw = "Jan  1 00:00:00 box kernel: Mem-Info:#012active_anon:1 inactive_anon:2#011x\nnext";
    const ls = splitLines(raw);
    expect(ls.map((l) => [l.line, l.text])).toEqual([
      [1, "Mem-Info:"],
      [1, "active_anon:1 inactive_anon:2 x"],
      [2, "next"],
    ]);
  });

  it("reads a whole report folded into #012 escapes", () => {
    const seed = readFileSync(DIR + "seed-article-oom-report.txt", "utf8")
      .trimEnd()
      .split("\n");
    const folded = `Jan  1 00:00:00 box kernel: ${seed.join("#012")}\n`;
    const { reports } = parseReports(folded);
    expect(reports).toHaveLength(1);
    expect([reports[0].line, reports[0].endLine, reports[0].victim?.pid]).toEqual([1, 1, 453]);
    expect(zone(reports[0], "DMA").freeAreasKb).toBe(6524);
  });

  it("handles CRLF, tabs and invalid bytes", () => {
    const ls = splitLines("a\tb\r\nc\u0000d\ud800\r\n");
    expect(ls.map((l) => l.text)).toEqual(["a b", "c\uFFFDd\uFFFD"]);
    const bytes = new Uint8Array([0xff, 0xfe, 0x0a, 0x41, 0xc3]);
    expect(splitLines(bytes).map((l) => l.text)).toEqual(["\uFFFD\uFFFD", "A\uFFFD"]);
    expect(
      parseReports(readFileSync(DIR + "seed-article-oom-report.txt", "utf8").replace(/\n/g, "\r\n")).reports[0].victim
        ?.pid,
    ).toBe(453);
  });

  it("returns nothing for empty input", () => {
    expect(splitLines("")).toEqual([]);
    expect(parseReports("")).toEqual({ reports: [], warnings: [], omittedWarnings: [] });
  });
});

describe("malformed input", () => {
  it("warns about a corrupt header and salvages what reads", () => {
    const { reports, warnings } = parseReports("foo invoked oom-killer: gfp_mask=0x2d0, order=x\n");
    expect(reports.map((r) => [r.kind, r.trigger?.comm, r.gfpMask])).toEqual([["oom", "foo", "0x2d0"]]);
    expect(warnings.map((w) => w.line)).toEqual([1]);
  });

  it("warns when free blocks do not add up to the printed total", () => {
    const { warnings } = parseReports("Mem-info:\nDMA: 1*4kB 1*8kB = 16kB\n");
    expect(warnings).toEqual([{ line: 2, message: "zone DMA: free blocks add up to 12kB, line says 16kB" }]);
  });

  it("reads 64 KiB pages and twelve orders", () => {
    const areas = Array.from({ length: 12 }, (_, i) => `1*${64 << i}kB (M)`).join(" ");
    const total = Array.from({ length: 12 }, (_, i) => 64 << i).reduce((a, b) => a + b, 0);
    const { reports, warnings } = parseReports(`Mem-Info:\nNode 0 Normal: ${areas} = ${total}kB\n`);
    expect(warnings).toEqual([]);
    const z = zone(reports[0], "Normal");
    expect([z.pageSizeKb, z.freeAreas.length, reports[0].pageSizeKb, z.migratetypes?.[11]]).toEqual([64, 12, 64, "M"]);
  });
});

describe("header formats: typed ids, each with a label and the release a report without a version is judged by", () => {
  it.each<[string, HeaderFormat, string | null]>([
    ["oom-killer: gfp_mask=0x2d0", "oom-killer", "2.6.11"],
    ["oom-killer: gfp_mask=0xd0, order=0", "oom-killer-order", "2.6.13"],
    ["bash invoked oom-killer: gfp_mask=0x201d2, order=0, oomkilladj=0", "invoked-oomkilladj", "2.6.24"],
    ["httpd invoked oom-killer: gfp_mask=0x201da, order=0, oom_adj=0", "invoked-oom-adj", "2.6.32"],
    ["h invoked oom-killer: gfp_mask=0x201da, order=0, oom_adj=-17, oom_score_adj=-1000", "invoked-oom-adj", "2.6.32"],
    ["x invoked oom-killer: gfp_mask=0x201da, order=0, oom_score_adj=0", "invoked-oom-score-adj", "3.10"],
    [
      "x invoked oom-killer: gfp_mask=0x14200ca(GFP_HIGHUSER_MOVABLE), nodemask=0, order=0, oom_score_adj=0",
      "invoked-pgg",
      "4.9",
    ],
    ["swapper: page allocation failure. order:5, mode:0x20", "alloc-failure-2.6", "2.6.24"],
    ["swapper/0: page allocation failure: order:5, mode:0x20", "warn-alloc-failed", "3.10"],
    ["kworker/0:1: page allocation failure: order:5, mode:0x20(GFP_ATOMIC), nodemask=(null)", "warn-alloc", "4.10"],
    [
      "insmod: vmalloc: allocation failure: 4096 bytes, mode:0x6000c0(GFP_KERNEL), nodemask=(null)",
      "warn-alloc",
      "4.10",
    ],
    ["x invoked oom-killer: gfp_mask=#garbage#", "unrecognised", null],
  ])("%s -> %s -> %s", (line, format, release) => {
    expect(parseHeader(line)?.format).toBe(format);
    expect(HEADER_FORMATS[format].assumedRelease).toBe(release);
  });

  it("labels are distinct and every id but unrecognised stands for a release", () => {
    const rows = Object.entries(HEADER_FORMATS);
    expect(new Set(rows.map(([, f]) => f.label)).size).toBe(rows.length);
    expect(rows.filter(([, f]) => f.assumedRelease === null).map(([id]) => id)).toEqual(["unrecognised"]);
  });
});

describe("formats outside the corpus", () => {
  it("cgroup v1 memcg OOM of the 4.x era (Task in ... killed as a result of limit of ...)", () => {
    const log = [
      "[   10.000001] stress invoked oom-killer: gfp_mask=0x24000c0, order=0, oom_score_adj=0",
      "[   10.000002] stress cpuset=/ mems_allowed=0",
      "[   10.000003] CPU: 1 PID: 77 Comm: stress Not tainted 4.4.0-21-generic #37-Ubuntu",
      "[   10.000004] Task in /test killed as a result of limit of /test",
      "[   10.000005] memory: usage 102400kB, limit 102400kB, failcnt 12",
      "[   10.000006] Memory cgroup out of memory: Kill process 78 (stress) score 1000 or sacrifice child",
      "[   10.000007] Killed process 78 (stress) total-vm:110000kB, anon-rss:100000kB, file-rss:0kB",
    ].join("\n");
    const { reports, warnings } = parseReports(log);
    expect(warnings).toEqual([]);
    const r = reports[0];
    expect([r.kind, r.kernelVersion, r.trigger, r.memcg?.taskCgroup, r.memcg?.limitKb]).toEqual([
      "memcg-oom",
      "4.4.0-21-generic",
      { comm: "stress", pid: 77 },
      "/test",
      102400,
    ]);
    expect([r.victim?.pid, r.victim?.score, r.victim?.totalVmKb, r.endLine]).toEqual([78, 1000, 110000, 7]);
  });

  it("oom_adj (2.6.32) and oom_adj + oom_score_adj (2.6.36) headers, empty %pGg", () => {
    const { reports } = parseReports(
      [
        "httpd invoked oom-killer: gfp_mask=0x201da, order=0, oom_adj=0",
        "httpd invoked oom-killer: gfp_mask=0x201da, order=0, oom_adj=-17, oom_score_adj=-1000",
        "x invoked oom-killer: gfp_mask=0x0(), order=0, oom_score_adj=0",
      ].join("\n"),
    );
    expect(reports.map((r) => [r.oomAdj, r.oomScoreAdj, r.gfpMask, r.gfpFlagsPrinted])).toEqual([
      [0, null, "0x201da", null],
      [-17, -1000, "0x201da", null],
      [null, 0, "0x0", []],
    ]);
  });

  it("warn_alloc vmalloc failures (no order)", () => {
    const { reports } = parseReports(
      [
        "insmod: vmalloc: allocation failure: 4294967296 bytes, mode:0x6000c0(GFP_KERNEL), nodemask=(null)",
        "kworker/0:1: vmalloc error: size 4096, vm_struct allocation failed, " +
          "mode:0xdc0(GFP_KERNEL|__GFP_ZERO), nodemask=(null),cpuset=/,mems_allowed=0",
      ].join("\n"),
    );
    expect(reports.map((r) => [r.kind, r.trigger?.comm, r.order, r.gfpMask, r.message])).toEqual([
      ["alloc-failure", "insmod", null, "0x6000c0", "vmalloc: allocation failure: 4294967296 bytes"],
      ["alloc-failure", "kworker/0:1", null, "0xdc0", "vmalloc error: size 4096, vm_struct allocation failed"],
    ]);
  });

  it("kill lines whose header was ratelimited become header-less reports with a warning", () => {
    const kill = (pid: number): string =>
      `Out of memory: Killed process ${pid} (a) total-vm:8kB, anon-rss:4kB, file-rss:0kB, shmem-rss:0kB, ` +
      "UID:0 pgtables:4kB oom_score_adj:0";
    const { reports, warnings } = parseReports(`${kill(1)}\n${kill(2)}\n`);
    expect(reports.map((r) => [r.kind, r.format, r.victim?.pid, r.line])).toEqual([
      ["oom", null, 1, 1],
      ["oom", null, 2, 2],
    ]);
    expect(warnings.map((w) => w.line)).toEqual([1, 2]);
  });

  it("two NUMA SysRq-M dumps, protections[] and an empty node", () => {
    const dump = [
      "sysrq: Show Memory",
      "Mem-Info:",
      "Node 0 Normal free:100kB boost:0kB min:10kB low:20kB high:30kB reserved_highatomic:0KB " +
        "present:400kB managed:300kB",
      "lowmem_reserve[]: 0 0 0 0 0",
      "Node 1 Normal free:0kB min:10kB low:20kB high:30kB present:0kB",
      "protections[]: 0 0 0",
      "Node 0 Normal: 1*4kB (U) 0*8kB 1*16kB (M) = 20kB",
      "Node 1 Normal: empty",
    ];
    const { reports, warnings } = parseReports([...dump, "unrelated line", ...dump].join("\n"));
    expect(warnings).toEqual([]);
    expect(reports.map((r) => [r.kind, r.line, r.endLine])).toEqual([
      ["show-mem", 1, 8],
      ["show-mem", 10, 17],
    ]);
    const [n0, n1] = reports[0].zones;
    expect([n0.node, n0.boostKb, n0.managedKb, n0.freeAreas, n0.migratetypes]).toEqual([
      0,
      0,
      300,
      [1, 0, 1],
      ["U", "", "M"],
    ]);
    expect([n1.node, n1.lowmemReserve, n1.freeAreas, n1.freeAreasKb, n1.pageSizeKb]).toEqual([
      1,
      [0, 0, 0],
      [],
      null,
      4,
    ]);
  });
});

// --- mutation property test ---------------------------------------------------------------------

type Mutation =
  | { op: "delete" | "duplicate"; i: number }
  | { op: "swap"; i: number; j: number }
  | { op: "truncate"; i: number; at: number }
  | { op: "digit"; i: number; at: number; d: number }
  | { op: "inject"; i: number; at: number; s: string };

const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constantFrom("delete" as const, "duplicate" as const), i: fc.nat() }),
  fc.record({ op: fc.constant("swap" as const), i: fc.nat(), j: fc.nat() }),
  fc.record({ op: fc.constant("truncate" as const), i: fc.nat(), at: fc.nat() }),
  fc.record({ op: fc.constant("digit" as const), i: fc.nat(), at: fc.nat(), d: fc.integer({ min: 0, max: 9 }) }),
  fc.record({
    op: fc.constant("inject" as const),
    i: fc.nat(),
    at: fc.nat(),
    s: fc.string({ unit: anyUnit, maxLength: 40 }),
  }),
);

function mutate(lines: string[], m: Mutation): void {
  if (lines.length === 0) return;
  const i = m.i % lines.length;
  const s = lines[i];
  const cut = (at: number): number => at % (s.length + 1);
  switch (m.op) {
    case "delete":
      lines.splice(i, 1);
      break;
    case "duplicate":
      lines.splice(i, 0, s);
      break;
    case "swap":
      [lines[i], lines[m.j % lines.length]] = [lines[m.j % lines.length], s];
      break;
    case "truncate":
      lines[i] = s.slice(0, cut(m.at));
      break;
    case "inject":
      lines[i] = s.slice(0, cut(m.at)) + m.s + s.slice(cut(m.at));
      break;
    case "digit":
      lines[i] = corruptDigit(s, m.at, m.d);
      break;
  }
}

/** Replaces one digit of s (chosen by at) with d. */
function corruptDigit(s: string, at: number, d: number): string {
  const digits = [...s.matchAll(/\d/g)];
  if (digits.length === 0) return s;
  const pos = digits[at % digits.length].index ?? 0;
  return s.slice(0, pos) + String(d) + s.slice(pos + 1);
}

function checkResult(text: string): void {
  const { reports, warnings } = parseReports(text);
  const n = countPhysicalLines(text);
  for (const w of warnings)
    expect(Number.isInteger(w.line) && w.line >= 1 && w.line <= n, JSON.stringify(w)).toBe(true);
  for (const r of reports) {
    expect(r.line >= 1 && r.line <= r.endLine && r.endLine <= n).toBe(true);
    for (const l of r.lines) expect(l >= r.line && l <= r.endLine).toBe(true);
  }
}

describe("mutated corpus files", () => {
  const texts = [...LOGS, "seed-article-oom-report.txt"].map(read);
  it("never throw and keep warning lines valid", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: texts.length - 1 }), fc.array(mutation, { maxLength: 12 }), (k, ms) => {
        const lines = texts[k].split("\n");
        for (const m of ms) mutate(lines, m);
        checkResult(lines.join("\n"));
      }),
      { numRuns: 400 },
    );
  });

  it("never throw on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        expect(() => parseReports(bytes)).not.toThrow();
        checkResult(new TextDecoder().decode(bytes));
      }),
      { numRuns: 200 },
    );
  });
});

describe("a 10 MB log", () => {
  it("parses every repeated report (timing belongs to the benchmarks)", () => {
    const round = [...LOGS.map(read), read("seed-article-oom-report.txt")]
      .map((t) => (t.endsWith("\n") ? t : `${t}\n`))
      .join("");
    const rounds = Math.ceil((10 * 1024 * 1024) / round.length);
    const perRound = parseReports(round).reports.length;
    const { reports } = parseReports(round.repeat(rounds));
    expect(reports).toHaveLength(perRound * rounds);
  });
});
