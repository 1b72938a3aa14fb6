// runCell: the sweep runner's contract. Determinism, the churn workload against the engine's churn
// benchmark, every workload's parameters checked by name, sampling, and a property: valid random
// parameters on small machines never throw.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OomlabError } from "../../bindings/errors.js";
import { runCell, WORKLOAD_NAMES, type CellInput } from "../../bindings/sweep/cell.js";
import { runChurn } from "../../bindings/engine/churn.js";
import type { MachineSpec } from "../../bindings/include/machine.js";

/** 2^13 pages: DMA32 on 6.18 (16 pageblocks of 512), Normal on 2.6.11. */
const small = (era: "2.6.11" | "6.18", pages = 8192): MachineSpec => ({
  era,
  nodes: [{ zones: [{ type: era === "6.18" ? "DMA32" : "Normal", startPfn: 0, spannedPages: pages }] }],
});

/** Small parameters for each workload, so a cell takes milliseconds. */
const SMALL_PARAMS: Record<string, Record<string, unknown>> = {
  churn: { requests: 20_000 },
  "fill-shuffle-free": { rounds: 3 },
  pepper: { probes: 8 },
  "page-cache": { cachePercent: 120, thpEvery: 8, writePercent: 30 },
  "thp-storm": { faults: 16, tasks: 2 },
  "kernel-build": { jobs: 6, parallel: 2, anonMinPages: 64, anonMaxPages: 256 },
  "kernel-buffers": { requests: 24, sizeKb: 64, lifetime: 4, maxRetries: 50 },
};
const KERNEL_WORKLOADS = ["page-cache", "thp-storm", "kernel-build", "kernel-buffers"];
/** The seeded generators (trace replays a capture: test/sweep/trace.test.ts). */
const SEEDED = WORKLOAD_NAMES.filter((n) => n !== "trace");

const cell = (name: string, era: "2.6.11" | "6.18", extra: Partial<CellInput> = {}): CellInput => ({
  era,
  machine: small(era),
  workload: { name, params: SMALL_PARAMS[name] },
  seed: 42,
  ...extra,
});

/** The OomlabError a call throws (fails the test when it does not throw one). */
function errorOf(f: () => unknown): OomlabError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(OomlabError);
    return e as OomlabError;
  }
  throw new Error("expected an OomlabError");
}

describe("runCell", () => {
  it("offers the eight workloads", () => {
    expect(WORKLOAD_NAMES).toEqual([
      "churn",
      "fill-shuffle-free",
      "pepper",
      "page-cache",
      "thp-storm",
      "kernel-build",
      "kernel-buffers",
      "trace",
    ]);
  });

  it.each(SEEDED)("%s: the same input gives the same JSON, a different seed other results", (name) => {
    const a = JSON.stringify(runCell(cell(name, "6.18", { sampleEvery: 1000 })));
    const b = JSON.stringify(runCell(cell(name, "6.18", { sampleEvery: 1000 })));
    expect(a).toBe(b);
    // pepper and thp-storm draw nothing from the seed (docs/workloads.md); the others do
    const c = JSON.stringify(runCell(cell(name, "6.18", { sampleEvery: 1000, seed: 43 })));
    if (name === "pepper" || name === "thp-storm") expect(c).toBe(a);
    else expect(c).not.toBe(a);
  });

  it.each(["churn", "fill-shuffle-free", "pepper"])("%s runs on 2.6.11 too, deterministically", (name) => {
    const a = JSON.stringify(runCell(cell(name, "2.6.11")));
    expect(JSON.stringify(runCell(cell(name, "2.6.11")))).toBe(a);
  });

  it("churn with the benchmark's parameters makes the benchmark's decisions (docs/churn-benchmark.md)", () => {
    // the engine's churn (assembly/workload.ts) on the benchmark's machine of 2^14 pages
    const ops = 200_000;
    const seed = 0x9e3779b9;
    const ref = runChurn({ seed, log2Pages: 14, ops });
    // churnMachine's machine: one Normal zone of 2^14 pages, min = low = high = floor(N / 100)
    const n = 2 ** 14;
    const mark = Math.floor(n / 100);
    const zone = { type: "Normal" as const, startPfn: 0, spannedPages: n, lowmemReserve: [0, 0, 0, 0, 0] };
    const r = runCell({
      era: "2.6.11",
      machine: {
        era: "2.6.11",
        maxOrder: 11,
        minFreeKbytes: 0,
        nodes: [{ zones: [{ ...zone, watermarks: { min: mark, low: mark, high: mark } }] }],
      },
      workload: {
        name: "churn",
        params: { requests: ops, migratetypes: { unmovable: 1 }, watermark: "min", allocPercent: 50, capPercent: 60 },
      },
      seed,
    });
    const field = (name: string) => Number(new RegExp(`${name}=(\\d+)`).exec(ref.checksum)?.[1]);
    const sum = (v: unknown) => (v as number[]).reduce((s, x) => s + x, 0);
    expect(sum(r.metrics.successes)).toBe(field("alloc"));
    expect(sum(r.metrics.failures)).toBe(field("fail"));
    expect(r.metrics.free_pages).toBe(field("free_pages"));
    expect(r.metrics.churn_cap_frees).toBe(field("capfree"));
    expect(r.metrics.churn_noops).toBe(field("noop"));
    expect((r.metrics["nr_free.Normal"] as number[]).join(",")).toBe(/nr_free=([\d,]+)/.exec(ref.checksum)?.[1]);
    // ops: prefill requests + the churn's; frees = ops - requests made - noops
    const frees = (r.metrics.ops as number) - sum(r.metrics.attempts) - field("noop");
    expect(frees).toBe(field("free"));
  });

  it("samples every sampleEvery operations and at the end", () => {
    const r = runCell({ ...cell("churn", "6.18"), sampleEvery: 7000 });
    const ops = r.metrics.ops as number;
    const s = r.series ?? {};
    const expected = [];
    for (let k = 0; k <= ops; k += 7000) expected.push(k);
    if (ops % 7000 !== 0) expected.push(ops);
    expect(s.ops).toEqual(expected);
    for (const [name, values] of Object.entries(s)) expect([name, values.length]).toEqual([name, expected.length]);
    expect(Object.keys(s)).toEqual(
      expect.arrayContaining(["free_pages.DMA32", "min.DMA32", "low.DMA32", "high.DMA32", "nr_free.0", "nr_free.10"]),
    );
    expect(runCell(cell("churn", "6.18")).series).toBeUndefined();
  });

  it("gives the 6.18 kernel model's /proc/vmstat events for kernel workloads", () => {
    const r = runCell(cell("page-cache", "6.18"));
    for (const name of ["compact_stall", "pgmigrate_success", "pgscan_kswapd", "pgsteal_direct", "oom_kill"])
      expect(r.metrics[name]).toBeTypeOf("number");
    // 120% of 8192 pages read through the cache: reclaim (kswapd or direct) must have run
    expect((r.metrics.pgscan_kswapd as number) + (r.metrics.pgscan_direct as number)).toBeGreaterThan(0);
    expect(r.metrics.sim_ms as number).toBeGreaterThan(0);
    expect(runCell(cell("churn", "6.18")).metrics.compact_stall).toBeUndefined();
  });
});

describe("era 6.1: the engine's 6.1 rules, and the kernel model with 6.1's profile", () => {
  const at = (era: "6.1" | "6.18", name: string, params: Record<string, unknown>, pages = 8192): CellInput => ({
    era,
    machine: { era, nodes: [{ zones: [{ type: "DMA32", startPfn: 0, spannedPages: pages }] }] },
    workload: { name, params },
    seed: 42,
  });

  it("runs every seeded workload, deterministically, as buddy-6.1 by default", () => {
    for (const name of SEEDED) {
      const c = at("6.1", name, SMALL_PARAMS[name]);
      expect(JSON.stringify(runCell(c)), name).toBe(JSON.stringify(runCell(c)));
      // the default placement of era 6.1 is buddy-6.1: naming it changes nothing
      expect(JSON.stringify(runCell({ ...c, policy: { placement: "buddy-6.1" } })), name).toBe(
        JSON.stringify(runCell(c)),
      );
    }
  });

  it("differs from 6.18 where the fallback rules differ (__rmqueue_fallback against __rmqueue_claim/steal)", () => {
    // 2^16 pages under uniform-lifetime churn: fallbacks happen on both; 6.1's steal_suitable_fallback
    // moves every free page of the largest fallback block's pageblock to the request's list even when it
    // cannot claim the pageblock, 6.18 moves them only when try_to_claim_block claims it and otherwise
    // __rmqueue_steal takes the smallest block alone (mm/page_alloc.c, 6.1.141 and 6.18): 240 fallbacks
    // against 721, and different free lists behind
    const params = { requests: 200_000, lifetime: "uniform" };
    const a = runCell(at("6.1", "churn", params, 65536)).metrics;
    const b = runCell(at("6.18", "churn", params, 65536)).metrics;
    expect(a.extfrag_fallbacks as number).toBeGreaterThan(0);
    expect(b.extfrag_fallbacks as number).toBeGreaterThan(0);
    expect(a.extfrag_fallbacks).not.toBe(b.extfrag_fallbacks);
    expect(a["nr_free.DMA32"]).not.toEqual(b["nr_free.DMA32"]);
    // a 6.1 machine under buddy-6.18 is a 6.18 machine: the policy's era decides
    const c = runCell({ ...at("6.1", "churn", params, 65536), policy: { placement: "buddy-6.18" } }).metrics;
    expect(JSON.stringify(c)).toBe(JSON.stringify(b));
  });

  it("runs kernel workloads on the model with 6.1's profile: vm.defrag_mode (6.15+) does not exist", () => {
    for (const name of KERNEL_WORKLOADS) {
      const r = runCell(at("6.1", name, SMALL_PARAMS[name]));
      expect(r.metrics.sim_ms, name).toBeTypeOf("number");
    }
    const pc = at("6.1", "page-cache", SMALL_PARAMS["page-cache"]);
    expect(errorOf(() => runCell({ ...pc, sysctl: { defrag_mode: 1 } })).message).toContain(
      "vm.defrag_mode does not exist in Linux 6.1",
    );
    expect(() => runCell({ ...pc, era: "6.18", machine: small("6.18"), sysctl: { defrag_mode: 1 } })).not.toThrow();
  });
});

describe("bad input is an OomlabError naming it", () => {
  const bad: [string, Record<string, unknown>, string][] = [
    ["churn", { requests: -1 }, "requests"],
    ["churn", { orders: { 11: 1 } }, "orders"],
    ["churn", { orders: { 0: 0 } }, "orders"],
    ["churn", { migratetypes: { highatomic: 1 } }, "migratetypes"],
    ["churn", { watermark: "lowest" }, "watermark"],
    ["churn", { lifetime: "uniform", allocPercent: 50 }, "allocPercent"],
    ["churn", { lifetime: "uniform", meanLifetime: { unmovable: 0, movable: 1 } }, "meanLifetime"],
    ["churn", { reqests: 5 }, "reqests"],
    ["fill-shuffle-free", { rounds: 0 }, "rounds"],
    ["fill-shuffle-free", { order: 11 }, "order"],
    ["fill-shuffle-free", { freePercent: 101 }, "freePercent"],
    ["fill-shuffle-free", { migratetype: "cma" }, "migratetype"],
    ["pepper", { perBlock: 0 }, "perBlock"],
    ["pepper", { probeOrder: 1.5 }, "probeOrder"],
    ["pepper", { fillPercent: "95" }, "fillPercent"],
    ["page-cache", { fileKb: 6 }, "fileKb"],
    ["page-cache", { thpMadvise: 1 }, "thpMadvise"],
    ["page-cache", { cachePercent: 0 }, "cachePercent"],
    ["thp-storm", { tasks: 0 }, "tasks"],
    ["thp-storm", { madvise: "yes" }, "madvise"],
    ["kernel-build", { anonMinPages: 100, anonMaxPages: 50 }, "anonMaxPages"],
    ["kernel-build", { kernelOrders: { 4: 1 } }, "kernelOrders"],
    ["kernel-build", { kernelPercent: 60, readPercent: 50 }, "readPercent"],
  ];

  it.each(bad)("%s %j names %s", (name, params, param) => {
    const e = errorOf(() => runCell({ era: "6.18", machine: small("6.18"), workload: { name, params }, seed: 1 }));
    expect(e.code).toBe("OOMLAB_BAD_ARGUMENT");
    expect(e.message).toContain(`workload ${name}: parameter ${param} `);
  });

  it("refuses params that are not an object, an unknown workload, era or seed", () => {
    const base = cell("churn", "6.18");
    expect(errorOf(() => runCell({ ...base, workload: { name: "churn", params: [] as never } })).message).toContain(
      "parameter params",
    );
    expect(errorOf(() => runCell({ ...base, workload: { name: "chrun", params: {} } })).message).toContain('"chrun"');
    expect(errorOf(() => runCell({ ...base, era: "4.19" as never })).message).toContain("era 4.19");
    expect(errorOf(() => runCell({ ...base, seed: -1 })).message).toContain("seed -1");
    expect(errorOf(() => runCell({ ...base, sampleEvery: 1.5 })).message).toContain("sampleEvery");
  });

  it("refuses settings a cell's environment does not read, rather than ignoring them", () => {
    const c = cell("churn", "6.18");
    expect(errorOf(() => runCell({ ...c, sysctl: { extfrag_threshold: 500 } })).message).toContain(
      "extfrag_threshold has no effect on workload churn",
    );
    expect(errorOf(() => runCell({ ...c, thp: { enabled: "never" } })).message).toContain("thp settings");
    expect(errorOf(() => runCell({ ...c, sysctl: { swapiness: 1 } })).message).toContain("sysctl swapiness");
    expect(
      errorOf(() => runCell({ ...cell("churn", "2.6.11"), sysctl: { watermark_scale_factor: 20 } })).message,
    ).toContain("does not exist in 2.6.11");
    const k = cell("page-cache", "6.18");
    expect(errorOf(() => runCell({ ...k, era: "2.6.11", machine: small("2.6.11") })).message).toContain(
      "runs on the kernel model of 6.1 and 6.18",
    );
    expect(errorOf(() => runCell({ ...k, thp: { defrag: "sometimes" } })).message).toContain("thp.defrag sometimes");
    expect(errorOf(() => runCell({ ...k, sysctl: { compaction_proactiveness: 101 } })).message).toContain(
      "compaction_proactiveness",
    );
  });

  it("applies the sysctls it reads: min_free_kbytes moves the watermarks of the series", () => {
    const lo = runCell({ ...cell("churn", "6.18"), sampleEvery: 100_000, sysctl: { min_free_kbytes: 1024 } });
    const hi = runCell({ ...cell("churn", "6.18"), sampleEvery: 100_000, sysctl: { min_free_kbytes: 4096 } });
    // all of min_free_kbytes goes to the one zone: 1024 KiB = 256 pages, 4096 KiB = 1024 pages
    expect(lo.series?.["min.DMA32"][0]).toBe(256);
    expect(hi.series?.["min.DMA32"][0]).toBe(1024);
  });
});

describe("property: valid random parameters on small machines never throw", () => {
  const pct = (lo: number, hi: number) => fc.integer({ min: lo, max: hi });
  const weights = (keys: string[]) =>
    fc
      .dictionary(fc.constantFrom(...keys), fc.integer({ min: 0, max: 20 }), { minKeys: 1 })
      .filter((w) => Object.values(w).some((v) => v > 0));
  const mts = ["unmovable", "movable", "reclaimable"];
  const gens: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
    churn: fc.oneof(
      fc.record({
        requests: fc.integer({ min: 0, max: 5000 }),
        orders: weights(["0", "1", "2", "3", "9", "10"]),
        migratetypes: weights(mts),
        fillPercent: pct(0, 100),
        allocPercent: pct(1, 99),
        capPercent: pct(1, 100),
        watermark: fc.constantFrom("min", "low", "high"),
      }),
      fc.record({
        requests: fc.integer({ min: 0, max: 5000 }),
        lifetime: fc.constant("uniform"),
        orders: weights(["0", "1", "4"]),
        migratetypes: fc.constant({ movable: 3, unmovable: 1 }),
        meanLifetime: fc.record({
          movable: fc.integer({ min: 1, max: 3000 }),
          unmovable: fc.integer({ min: 1, max: 3000 }),
        }),
        fillPercent: pct(0, 100),
      }),
    ),
    "fill-shuffle-free": fc.record({
      rounds: fc.integer({ min: 1, max: 3 }),
      order: fc.integer({ min: 0, max: 10 }),
      migratetype: fc.constantFrom(...mts),
      fillPercent: pct(1, 100),
      freePercent: pct(1, 100),
      watermark: fc.constantFrom("min", "low", "high"),
    }),
    pepper: fc.record({
      perBlock: fc.integer({ min: 1, max: 3 }),
      userPages: fc.integer({ min: 1, max: 600 }),
      fillPercent: pct(1, 100),
      probeOrder: fc.integer({ min: 0, max: 10 }),
      probes: fc.integer({ min: 0, max: 20 }),
    }),
    "page-cache": fc.record({
      cachePercent: pct(1, 150),
      fileKb: fc.constantFrom(4, 64, 256),
      thpEvery: fc.integer({ min: 0, max: 8 }),
      thpMadvise: fc.boolean(),
      thpExitPercent: pct(1, 100),
      writePercent: pct(0, 100),
    }),
    "thp-storm": fc.record({
      cachePercent: pct(0, 100),
      truncateStride: fc.integer({ min: 0, max: 5 }),
      faults: fc.integer({ min: 0, max: 24 }),
      tasks: fc.integer({ min: 1, max: 4 }),
      madvise: fc.boolean(),
      exitPercent: pct(1, 100),
      filePagesBetween: fc.integer({ min: 0, max: 64 }),
    }),
    "kernel-build": fc.record({
      jobs: fc.integer({ min: 1, max: 4 }),
      parallel: fc.integer({ min: 1, max: 3 }),
      anonMinPages: fc.integer({ min: 0, max: 256 }),
      anonChunk: fc.integer({ min: 1, max: 128 }),
      kernelPercent: pct(0, 40),
      slabPercent: pct(0, 20),
      readPercent: pct(0, 30),
      objPages: fc.integer({ min: 0, max: 64 }),
    }),
    "kernel-buffers": fc.record({
      background: fc.constantFrom("pepper", "page-cache"),
      sizeKb: fc.constantFrom(4, 64, 128, 256),
      requests: fc.integer({ min: 0, max: 12 }),
      lifetime: fc.integer({ min: 0, max: 6 }),
      keepEvery: fc.integer({ min: 2, max: 64 }),
      anonPercent: pct(0, 60),
      mayFail: fc.boolean(),
      maxRetries: fc.integer({ min: 1, max: 30 }),
    }),
  };
  const thp = fc.record({
    enabled: fc.constantFrom("always", "madvise", "never"),
    defrag: fc.constantFrom("always", "defer", "defer+madvise", "madvise", "never"),
  });

  it.each(SEEDED)("%s", (name) => {
    const kernel = KERNEL_WORKLOADS.includes(name);
    fc.assert(
      fc.property(
        gens[name],
        fc.constantFrom<"2.6.11" | "6.18">(...(kernel ? (["6.18"] as const) : (["2.6.11", "6.18"] as const))),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.constantFrom(4096, 8192, 16384),
        thp,
        fc.boolean(),
        (params, era, seed, pages, thpSettings, compaction) => {
          const input: CellInput = {
            era,
            machine: small(era, pages),
            workload: { name, params },
            seed,
            sampleEvery: 997,
          };
          if (kernel) Object.assign(input, { thp: thpSettings, config: { COMPACTION: compaction } });
          if (name === "kernel-build") params.anonMaxPages = (params.anonMinPages as number) + 64;
          if (name === "kernel-buffers")
            input.policy = { caller: ["kmalloc", "kvmalloc", "pre-bdfb04301fa5", "bdfb04301fa5"][seed % 4] };
          const r = runCell(input);
          expect(r.metrics.ops).toBeTypeOf("number");
        },
      ),
      { numRuns: kernel ? 12 : 25, seed: 11 },
    );
  });
});
