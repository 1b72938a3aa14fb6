// /proc/buddyinfo and /proc/pagetypeinfo: the renderers reproduce real kernels' output byte for byte
// (fixtures from test/fixtures, trailing spaces aside where the source stripped them), and a
// machine's views agree with its counters.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buddyinfo, formatBuddyinfo, formatPagetypeinfo, pagetypeinfo } from "../../bindings/mm/vmstat.js";
import { MigrateType, OomlabError } from "../../bindings/index.js";
import { oneZone, wasmMachine } from "../helpers.js";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8");
const trimLines = (t: string) =>
  t
    .split("\n")
    .map((l) => l.trimEnd())
    .join("\n")
    .trimEnd();

function parseBuddyinfo(text: string) {
  return text
    .trim()
    .split("\n")
    .map((l) => {
      const m = /^Node (\d+), zone\s+(\S+)((?:\s+\d+)+)\s*$/.exec(l)!;
      return { node: +m[1], type: m[2], nrFree: m[3].trim().split(/\s+/).map(Number) };
    });
}

describe("/proc/buddyinfo format (frag_show_print)", () => {
  it.each([
    "013-github-MyBlackHole-x86_64-buddyinfo-dma-dma32-normal.log",
    "034-blog-rhel7-3.10.0-514-x86_64-buddyinfo-fragmented-container-start-fail.log",
    "011-blog-bianbu-riscv64-buddyinfo-12-orders.log",
  ])("re-renders %s", (name) => {
    const text = fixture(name);
    const rows = parseBuddyinfo(text);
    expect(rows.length).toBeGreaterThan(1);
    expect(trimLines(formatBuddyinfo(rows))).toBe(trimLines(text));
  });

  it("keeps the kernel's trailing space after the last order", () => {
    // 011's first line kept it: "...     71 " (the second line has a stray extra space in the source)
    const first = fixture("011-blog-bianbu-riscv64-buddyinfo-12-orders.log").split("\n")[0];
    expect(formatBuddyinfo(parseBuddyinfo(first))).toBe(first + "\n");
  });

  it("prints a machine's nr_free per order", () => {
    const m = wasmMachine({
      era: "6.18",
      minFreeKbytes: 0,
      nodes: [
        {
          zones: [
            { type: "DMA", startPfn: 0, spannedPages: 4096 },
            { type: "Normal", startPfn: 4096, spannedPages: 8192 },
          ],
        },
        { zones: [{ type: "Normal", startPfn: 12288, spannedPages: 1024 }] },
      ],
    });
    m.alloc({ order: 0, highestZone: "DMA", migratetype: MigrateType.Movable });
    expect(buddyinfo(m)).toBe(
      "Node 0, zone      DMA      1      1      1      1      1      1      1      1      1      1      3 \n" +
        "Node 0, zone   Normal      0      0      0      0      0      0      0      0      0      0      8 \n" +
        "Node 1, zone   Normal      0      0      0      0      0      0      0      0      0      0      1 \n",
    );
  });
});

describe("/proc/pagetypeinfo format (pagetypeinfo_showfree_print, pagetypeinfo_showblockcount_print)", () => {
  const text = fixture("014-github-MyBlackHole-x86_64-pagetypeinfo-highatomic.log");
  // The fixture's pagetypeinfo ends at the block-count table (a buddyinfo dump follows it).
  const lines = text.split("\n");
  const header = lines.findIndex((l) => l.startsWith("Number of blocks type"));
  const ptiText = lines.slice(0, header + 4).join("\n"); // three zones

  it("re-renders the fixture from its own numbers", () => {
    const order = +/Page block order: (\d+)/.exec(ptiText)![1];
    const zones = new Map<string, { node: number; type: string; nrFreeByType: number[][]; blocks: number[] }>();
    const names = ["Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"];
    for (const l of ptiText.split("\n")) {
      const f = /^Node\s+(\d+), zone\s+(\S+), type\s+(\S+)((?:\s+\d+)+)\s*$/.exec(l);
      if (f) {
        const key = `${f[1]}:${f[2]}`;
        if (!zones.has(key))
          zones.set(key, {
            node: +f[1],
            type: f[2],
            nrFreeByType: Array.from({ length: 11 }, () => [0, 0, 0, 0, 0, 0]),
            blocks: [],
          });
        f[4]
          .trim()
          .split(/\s+/)
          .map(Number)
          .forEach((n, o) => {
            zones.get(key)!.nrFreeByType[o][names.indexOf(f[3])] = n;
          });
        continue;
      }
      const b = /^Node (\d+), zone\s+(\S+)((?:\s+\d+){6})\s*$/.exec(l);
      if (b) zones.get(`${b[1]}:${b[2]}`)!.blocks = b[3].trim().split(/\s+/).map(Number);
    }
    expect(zones.size).toBe(3);
    expect(trimLines(formatPagetypeinfo({ pageblockOrder: order, orders: 11, zones: [...zones.values()] }))).toBe(
      trimLines(ptiText),
    );
  });

  it("renders a machine, with the pageblock counts of its zones", () => {
    const m = wasmMachine(oneZone("6.18", 4096, { minFreeKbytes: 0, pageblockOrder: 9 }));
    m.alloc({ order: 0, migratetype: MigrateType.Unmovable });
    const out = pagetypeinfo(m);
    expect(out).toContain(
      "Page block order: 9\nPages per block:  512\n\nFree pages count per migrate type at order       0      1 ",
    );
    expect(out).toContain(
      "Node    0, zone   Normal, type    Unmovable      1      1      1      1      1      1" +
        "      1      1      1      1      0 \n",
    );
    expect(out).toContain(
      "Node 0, zone   Normal            2            6            0            0            0            0 \n",
    );
  });

  it("is refused for 2.6.11, which had no migratetypes", () => {
    const m = wasmMachine(oneZone("2.6.11", 1024, { minFreeKbytes: 0 }));
    expect(() => pagetypeinfo(m)).toThrow(OomlabError);
  });
});
