// The sweep spec: validation with paths, grid expansion (Cartesian and zipped axes) worked by hand,
// cell ids, and the seed function.

import { readdirSync, readFileSync } from "node:fs";
import { WORKLOAD_NAMES } from "../../bindings/sweep/cell.js";
import { describe, expect, it } from "vitest";
import { OomlabError } from "../../bindings/errors.js";
import {
  deriveSeed,
  expandSweep,
  fmix32,
  fnv1a32,
  sweepJsonSchemaFiles,
  type SweepSpec,
  taskAt,
  validateSweepSpec,
} from "../../bindings/sweep/spec.js";

const MACHINE = { era: "6.18", nodes: [{ zones: [{ type: "Normal", startPfn: 0, spannedPages: 4096 }] }] };

function spec(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { format: "oomlab-sweep/1", name: "t", machine: MACHINE, workload: { name: "churn", params: {} }, ...extra };
}

function errorOf(f: () => unknown): OomlabError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(OomlabError);
    return e as OomlabError;
  }
  throw new Error("no error");
}

describe("validateSweepSpec", () => {
  it("accepts a minimal spec: one cell, id base, one seed", () => {
    const x = expandSweep(validateSweepSpec(spec()));
    expect(x.cells.map((c) => c.id)).toEqual(["base"]);
    expect(x.seeds).toBe(1);
    expect(x.cells[0].input).toEqual({ era: "6.18", machine: MACHINE, workload: { name: "churn", params: {} } });
  });

  it("refuses unknown keys with their path, and values out of range with the range", () => {
    const e = errorOf(() => validateSweepSpec(spec({ seeds: 0, sysctl: { min_free_kbyte: 5 } })));
    expect(e.code).toBe("OOMLAB_BAD_SPEC");
    expect(e.message).toContain("sweep: sysctl.min_free_kbyte is not a field of sysctl");
    expect(e.message).toContain("sweep: seeds 0 is out of range: an integer from 1 to 10000");
    expect(errorOf(() => validateSweepSpec(spec({ format: "oomlab-sweep/2" }))).message).toContain(
      'format "oomlab-sweep/2" is not "oomlab-sweep/1"',
    );
    expect(errorOf(() => validateSweepSpec(spec({ machine: { ...MACHINE, pageSize: 3 } }))).message).toContain(
      "machine.pageSize 3 is not 4096, 16384 or 65536",
    );
    expect(errorOf(() => validateSweepSpec({ ...spec(), workload: undefined })).message).toContain(
      "workload is missing",
    );
  });

  it("refuses bad axes: a root that is no field, one path twice, zipped lists of different lengths, labels", () => {
    const e = errorOf(() =>
      validateSweepSpec(
        spec({
          grid: [
            { path: "seed", values: [1, 2] },
            { path: "sysctl.swappiness", values: [1] },
            {
              zip: [
                { path: "sysctl.swappiness", values: [1, 2] },
                { path: "thp.defrag", values: ["never"] },
              ],
            },
            { path: "thp.enabled", values: ["always", "never"], labels: ["a"] },
          ],
        }),
      ),
    );
    expect(e.message.split("\n")).toEqual([
      'sweep: grid[0].path "seed" starts with none of machine, sysctl, config, thp, workload, policy, sampleEvery',
      'sweep: grid[2].zip[0].path "sysctl.swappiness" is varied by another axis too',
      "sweep: grid[2].zip[1].values has 1 values; the zipped axes have 2 each",
      "sweep: grid[3].labels has 1 labels for 2 values",
    ]);
  });

  it("refuses a grid of more than 100,000 cells before expanding it", () => {
    const values = Array.from({ length: 100 }, (_, i) => i);
    const grid = ["a", "b", "c"].map((k) => ({ path: `workload.params.${k}`, values }));
    expect(errorOf(() => validateSweepSpec(spec({ grid }))).message).toBe(
      "sweep: grid gives 1000000 cells; at most 100000",
    );
  });

  it("checks every cell as the spec itself: a grid value out of range names the cell and the field", () => {
    const s = validateSweepSpec(spec({ grid: [{ path: "sysctl.watermark_scale_factor", values: [10, 5000] }] }));
    const e = errorOf(() => expandSweep(s));
    expect(e.message).toBe(
      "sweep: cell 1 (sysctl.watermark_scale_factor=5000): sysctl.watermark_scale_factor 5000 is out of range: " +
        "an int from 1 to 3000 (vm.watermark_scale_factor, mm/page_alloc.c page_alloc_sysctl_table, 6.18: " +
        "watermark_scale_factor_sysctl_handler (proc_dointvec_minmax), SYSCTL_ONE .. SYSCTL_THREE_THOUSAND)",
    );
    const lists = validateSweepSpec(spec({ grid: [{ path: "machine.nodes.1.zones", values: [[]] }] }));
    expect(errorOf(() => expandSweep(lists)).message).toContain("grid[0].values[0]: machine.nodes.1 is not an entry");
    const dup = validateSweepSpec(spec({ grid: [{ path: "workload.params.x", values: [1, "1"] }] }));
    expect(errorOf(() => expandSweep(dup)).message).toContain('cells 0 and 1 have the same id "workload.params.x=1"');
    const checked = validateSweepSpec(spec({ grid: [{ path: "workload.name", values: ["churn", "nope"] }] }));
    const refuse = (i: { workload: { name: string } }) => {
      if (i.workload.name === "nope") throw new OomlabError("OOMLAB_BAD_SPEC", "workload.name nope is unknown");
    };
    expect(errorOf(() => expandSweep(checked, refuse)).message).toBe(
      "sweep: cell 1 (workload.name=nope): workload.name nope is unknown",
    );
  });
});

describe("expandSweep", () => {
  it("a Cartesian product of two axes and a zipped pair, worked by hand", () => {
    // axes: A = sysctl.min_free_kbytes [1024, 4096] (2), Z = zip(thp.defrag [never, always],
    // workload.params.order [0, 9]) (2), B = config.COMPACTION [true, false] (2): 2 * 2 * 2 = 8 cells,
    // index = a * 4 + z * 2 + b (the first axis slowest)
    const s = validateSweepSpec(
      spec({
        seeds: 3,
        grid: [
          { path: "sysctl.min_free_kbytes", values: [1024, 4096] },
          {
            zip: [
              { path: "thp.defrag", values: ["never", "always"] },
              { path: "workload.params.order", values: [0, 9] },
            ],
          },
          { path: "config.COMPACTION", values: [true, false], labels: ["on", "off"] },
        ],
      }),
    );
    const x = expandSweep(s);
    expect(x.cells.length).toBe(8);
    expect(x.taskCount).toBe(24);
    expect(x.cells.map((c) => c.id)).toEqual([
      "sysctl.min_free_kbytes=1024,thp.defrag=never,workload.params.order=0,config.COMPACTION=on",
      "sysctl.min_free_kbytes=1024,thp.defrag=never,workload.params.order=0,config.COMPACTION=off",
      "sysctl.min_free_kbytes=1024,thp.defrag=always,workload.params.order=9,config.COMPACTION=on",
      "sysctl.min_free_kbytes=1024,thp.defrag=always,workload.params.order=9,config.COMPACTION=off",
      "sysctl.min_free_kbytes=4096,thp.defrag=never,workload.params.order=0,config.COMPACTION=on",
      "sysctl.min_free_kbytes=4096,thp.defrag=never,workload.params.order=0,config.COMPACTION=off",
      "sysctl.min_free_kbytes=4096,thp.defrag=always,workload.params.order=9,config.COMPACTION=on",
      "sysctl.min_free_kbytes=4096,thp.defrag=always,workload.params.order=9,config.COMPACTION=off",
    ]);
    // cell 6 = a 1, z 1, b 0
    const c6 = x.cells[6];
    expect(c6.index).toBe(6);
    expect(c6.params).toEqual({
      "sysctl.min_free_kbytes": 4096,
      "thp.defrag": "always",
      "workload.params.order": 9,
      "config.COMPACTION": true,
    });
    expect(Object.keys(c6.params)).toEqual([
      "sysctl.min_free_kbytes",
      "thp.defrag",
      "workload.params.order",
      "config.COMPACTION",
    ]);
    expect(c6.input).toEqual({
      era: "6.18",
      machine: MACHINE,
      sysctl: { min_free_kbytes: 4096 },
      config: { COMPACTION: true },
      thp: { defrag: "always" },
      workload: { name: "churn", params: { order: 9 } },
    });
    // task ordinal 20 = cell 6 (20 / 3), seed index 2 (20 mod 3)
    const t = taskAt(x, 20);
    expect([t.cell.index, t.seedIndex]).toEqual([6, 2]);
    expect(t.seed).toBe(deriveSeed(1, c6.id, 2));
  });

  it("values replace whole subtrees and leave the spec untouched; a list entry is addressed by its index", () => {
    const s = validateSweepSpec(
      spec({
        sysctl: { swappiness: 60 },
        grid: [
          { path: "machine.nodes.0.zones.0.spannedPages", values: [8192] },
          { path: "machine.era", values: ["2.6.11"] },
          { path: "workload.params", values: [{ ops: 5, mix: "a,b" }] },
        ],
      }),
    );
    const x = expandSweep(s);
    expect(x.cells[0].id).toBe(
      'machine.nodes.0.zones.0.spannedPages=8192,machine.era=2.6.11,workload.params={"ops":5,"mix":"a,b"}',
    );
    expect(x.cells[0].input.era).toBe("2.6.11");
    expect(x.cells[0].input.machine.nodes[0].zones[0].spannedPages).toBe(8192);
    expect(x.cells[0].input.sysctl).toEqual({ swappiness: 60 });
    expect(x.cells[0].input.workload.params).toEqual({ ops: 5, mix: "a,b" });
    expect(s.machine.nodes[0].zones[0].spannedPages).toBe(4096);
    expect((s as SweepSpec).machine.era).toBe("6.18");
  });
});

describe("deriveSeed", () => {
  it("FNV-1a and fmix32 give their published values", () => {
    // FNV-1a 32: the offset basis for no bytes; "a" (0x61): (0x811c9dc5 ^ 0x61) * 0x01000193 mod 2^32 = 0xe40c292c
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c);
    expect(Number((BigInt((0x811c9dc5 ^ 0x61) >>> 0) * 0x01000193n) % 2n ** 32n)).toBe(0xe40c292c);
    // fmix32(0) = 0 (every step keeps 0); fmix32(1), step by step in BigInt
    expect(fmix32(0)).toBe(0);
    const M = 2n ** 32n;
    let h = 1n;
    h ^= h >> 16n;
    h = (h * 0x85ebca6bn) % M;
    h ^= h >> 13n;
    h = (h * 0xc2b2ae35n) % M;
    h ^= h >> 16n;
    expect(fmix32(1)).toBe(Number(h));
  });

  it("is the documented function of (spec seed, cell id, seed index), never 0", () => {
    const M = 2 ** 32;
    const base = fmix32((7 ^ fnv1a32("a=1")) >>> 0);
    expect(deriveSeed(7, "a=1", 0)).toBe(fmix32(base));
    expect(deriveSeed(7, "a=1", 3)).toBe(fmix32((base + ((3 * 0x9e3779b9) % M)) % M));
    const seeds = new Set<number>();
    for (let k = 0; k < 1000; k++) seeds.add(deriveSeed(1, "x", k));
    expect(seeds.size).toBe(1000);
    expect(seeds.has(0)).toBe(false);
  });

  it("pairedSeeds: every cell runs the same seeds; otherwise each cell its own", () => {
    const grid = [{ path: "sysctl.swappiness", values: [0, 100] }];
    const paired = expandSweep(validateSweepSpec(spec({ grid, seeds: 2, pairedSeeds: true })));
    const own = expandSweep(validateSweepSpec(spec({ grid, seeds: 2 })));
    expect(taskAt(paired, 0).seed).toBe(taskAt(paired, 2).seed);
    expect(taskAt(paired, 1).seed).toBe(taskAt(paired, 3).seed);
    expect(taskAt(paired, 0).seed).toBe(deriveSeed(1, "", 0));
    expect(taskAt(own, 0).seed).not.toBe(taskAt(own, 2).seed);
    // adding a value keeps the other cells' seeds (the id, not the position, enters the seed)
    const more = expandSweep(validateSweepSpec(spec({ grid: [{ path: "sysctl.swappiness", values: [50, 0, 100] }] })));
    expect(taskAt(more, 1).seed).toBe(taskAt(expandSweep(validateSweepSpec(spec({ grid }))), 0).seed);
  });
});

describe("schemas/sweep.schema.json", () => {
  it("is what the Zod schema gives (npm run build:schemas writes it)", () => {
    const [[file, text]] = Object.entries(sweepJsonSchemaFiles());
    expect(readFileSync(new URL(`../../schemas/${file}`, import.meta.url), "utf8")).toBe(text);
    const json = JSON.parse(text);
    expect(json.title).toBe("oomlab sweep spec (format oomlab-sweep/1)");
    expect(json.additionalProperties).toBe(false);
    expect(json.required).toEqual(["format", "name", "machine", "workload"]);
  });
});

describe("the shipped example sweeps", () => {
  const dir = new URL("../../sweeps/", import.meta.url);
  const names = readdirSync(dir).filter((f) => f.endsWith(".json"));
  it("there is at least one", () => expect(names.length).toBeGreaterThan(0));
  for (const f of names)
    it(`${f} validates and expands, naming workloads runCell knows`, () => {
      const spec = validateSweepSpec(JSON.parse(readFileSync(new URL(f, dir), "utf8")));
      const x = expandSweep(spec);
      expect(x.cells.length).toBeGreaterThan(0);
      expect(WORKLOAD_NAMES).toContain(spec.workload.name);
    });
});
