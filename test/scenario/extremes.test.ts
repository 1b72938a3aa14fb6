// Extreme values in every numeric field a user can write: scenario files, machine descriptions,
// `--set` values and `--what-if` values. Each either fails with a typed OomlabError or succeeds with
// watermarks equal to the kernel's formulas (test/mm/watermark_oracle.ts, BigInt) both in the
// resolved machine and in the engine's memory: never a wrapped, truncated or reordered mark.

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { diagnose, type WhatIf } from "../../bindings/analyse/diagnose.js";
import { parseWhatIf } from "../../bindings/cli/commands/diagnose.js";
import { Machine } from "../../bindings/engine/machine.js";
import { OomlabError } from "../../bindings/errors.js";
import type { MachineSpec } from "../../bindings/include/machine.js";
import { parseReports } from "../../bindings/parse/reports.js";
import { buildKernel } from "../../bindings/scenario/build.js";
import { validateScenario } from "../../bindings/scenario/schema.js";
import { setScenarioValue } from "../../bindings/scenario/set.js";
import { oracleWatermarks } from "../mm/watermark_oracle.js";

const EXTREMES: unknown[] = [0, -1, 2 ** 31, 2 ** 32, 2 ** 53, 1e300, Number.NaN, Infinity, "3", null, [], {}];
/** The same values as a command line spells them (JSON where --set reads JSON). */
const EXTREME_ARGS = ["0", "-1", "2147483648", "4294967296", "9007199254740992", "1e300", "NaN", "Infinity"];
const SET_ARGS = [...EXTREME_ARGS, '"3"', "null", "[]", "{}"];
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const SEED_NUMBER = Number(process.env.FUZZ_SEED ?? 20261127);

type Json = Record<string | number, unknown>;
type Path = (string | number)[];

const read = (rel: string) => readFileSync(new URL(`../../${rel}`, import.meta.url), "utf8");
const SCENARIOS = ["seed", "nic-atomic"].map((n) => JSON.parse(read(`scenarios/${n}.json`)) as Json);

/** Paths of every number in a JSON value. */
function numericPaths(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  if (typeof v === "number") out.push(at);
  else if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) numericPaths(x, [...at, i], out);
  } else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) numericPaths(x, [...at, k], out);
  return out;
}

/** Sets a value at a path, creating the objects on the way. */
function setAt(root: Json, path: Path, value: unknown): void {
  let cur = root;
  for (const k of path.slice(0, -1)) {
    if (cur[k] === null || typeof cur[k] !== "object") cur[k] = {};
    cur = cur[k] as Json;
  }
  cur[path[path.length - 1]] = structuredClone(value);
}

/** Optional numeric fields the shipped files leave out. */
const OPTIONAL_SCENARIO_PATHS: Path[] = [
  ["hz"],
  ["nrCpus"],
  ["uptimeSec"],
  ["vmallocEnd"],
  ["machine", "pageblockOrder"],
  ["machine", "watermarkScaleFactor"],
  ["machine", "watermarkBoostFactor"],
  ["machine", "lowmemReserveRatio"],
  ["machine", "nodes", 0, "zones", 0, "presentPages"],
  ["machine", "nodes", 0, "zones", 0, "managedPages"],
  ["machine", "nodes", 0, "zones", 0, "watermarks", "min"],
  ["machine", "nodes", 0, "zones", 0, "lowmemReserve"],
  ["tasks", 0, "nice"],
  ["tasks", 0, "oomkilladj"],
  ["layout", 0, "step"],
  ["layout", 0, "owner"],
  ["events", 0, "lifetime"],
  ["zoneState", "DMA", "nrScanActive"],
  ["zoneState", "DMA", "pagesScanned"],
];

/** The engine's and the resolved machine's watermarks equal the oracle's for every zone. */
function expectOracleMarks(m: Machine, spec: MachineSpec, what: string): void {
  const want = oracleWatermarks(spec);
  for (const z of m.machine.zones) {
    const w = want.get(`${z.node}:${z.type}`);
    const resolved = [z.watermarks.min, z.watermarks.low, z.watermarks.high, z.watermarks.promo].map(BigInt);
    expect(resolved, `${what}: resolved ${z.type}`).toEqual([w?.min, w?.low, w?.high, w?.promo]);
    if (z.spannedPages === 0) continue; // an empty zone lives only in the description
    const e = m.stats(z.slot).watermarks;
    expect([e.min, e.low, e.high, e.promo].map(BigInt), `${what}: engine ${z.type}`).toEqual(resolved);
    expect(e.min <= e.low && e.low <= e.high, `${what}: ordered`).toBe(true);
  }
}

/** A typed error, or the result checked by `ok`. */
function typedOr<T>(run: () => T, ok: (r: T) => void, what: string): "error" | "ok" {
  let r: T;
  try {
    r = run();
  } catch (e) {
    if (!(e instanceof OomlabError)) throw new Error(`${what}: ${(e as Error).stack}`);
    expect(e.message.length, what).toBeGreaterThan(10);
    return "error";
  }
  ok(r);
  return "ok";
}

/** Validates and builds a scenario; its kernel's machine must carry the formulas' watermarks. */
function checkScenario(sc: unknown, what: string): "error" | "ok" {
  return typedOr(
    () => {
      const v = validateScenario(sc);
      return { v, k: buildKernel(v) };
    },
    ({ v, k }) => {
      expectOracleMarks(k.machine, v.machine, what);
      k.machine.dispose();
    },
    what,
  );
}

describe("scenario files: extreme values in every numeric field", () => {
  const cases = SCENARIOS.map((root) => ({ root, paths: [...numericPaths(root), ...OPTIONAL_SCENARIO_PATHS] }));

  it("a typed error or the formulas' watermarks (fast-check)", () => {
    const seen = { error: 0, ok: 0 };
    // half the edits in the machine, whose fields decide the watermarks
    const pathIndex = fc.oneof(
      fc.nat(),
      fc.nat().map((i) => -1 - i),
    );
    fc.assert(
      fc.property(
        fc.nat(cases.length - 1),
        fc.array(fc.tuple(pathIndex, fc.constantFrom(...EXTREMES)), { minLength: 1, maxLength: 2 }),
        (which, edits) => {
          const { root, paths } = cases[which];
          const machine = paths.filter((p) => p[0] === "machine");
          const pick = (i: number) => (i >= 0 ? paths[i % paths.length] : machine[(-1 - i) % machine.length]);
          const sc = structuredClone(root);
          for (const [pi, v] of edits) setAt(sc, pick(pi), v);
          seen[checkScenario(sc, JSON.stringify(edits.map(([pi, v]) => [pick(pi), v])))]++;
        },
      ),
      { numRuns: RUNS, seed: SEED_NUMBER },
    );
    expect(seen.error).toBeGreaterThan(0);
    expect(seen.ok).toBeGreaterThan(0);
  });

  it("every value in every machine field of the seed, one at a time", () => {
    const root = SCENARIOS[0];
    const paths = [...numericPaths(root), ...OPTIONAL_SCENARIO_PATHS].filter((p) => p[0] === "machine");
    let ok = 0;
    for (const p of paths)
      for (const v of EXTREMES) {
        const sc = structuredClone(root);
        setAt(sc, p, v);
        if (checkScenario(sc, `${p.join(".")} = ${String(v)}`) === "ok") ok++;
      }
    // 0 is a valid min_free_kbytes, startPfn, presentPages ...; 2^31 and 2^32 valid pfns and boost factors
    expect(ok).toBeGreaterThan(3);
  });
});

/** Machines with every optional field set, in both eras. */
const MACHINES: MachineSpec[] = [
  {
    era: "2.6.11",
    pageSize: 4096,
    maxOrder: 11,
    pageblockOrder: 10,
    minFreeKbytes: 1200,
    lowmemReserveRatio: [256, 256, 32, 32, 32],
    nodes: [
      {
        zones: [
          { type: "DMA", startPfn: 0, spannedPages: 4096, presentPages: 4096, managedPages: 4000 },
          { type: "Normal", startPfn: 4096, spannedPages: 28672, presentPages: 28000 },
          {
            type: "HighMem",
            startPfn: 32768,
            spannedPages: 16384,
            watermarks: { min: 32, low: 40, high: 48 },
            lowmemReserve: [0, 0, 0, 0, 0],
          },
        ],
      },
    ],
  },
  {
    era: "6.18",
    pageSize: 4096,
    maxOrder: 11,
    pageblockOrder: 9,
    minFreeKbytes: 4096,
    watermarkScaleFactor: 10,
    watermarkBoostFactor: 15000,
    lowmemReserveRatio: [256, 256, 32, 0, 0],
    nodes: [
      {
        zones: [
          { type: "DMA32", startPfn: 0, spannedPages: 16384, managedPages: 16000 },
          {
            type: "Normal",
            startPfn: 16384,
            spannedPages: 16384,
            cma: [{ startPfn: 16384 + 4096, pages: 1024 }],
            watermarks: { min: 100, low: 200, high: 300, promo: 400 },
          },
        ],
      },
      { zones: [{ type: "Movable", startPfn: 32768, spannedPages: 8192, lowmemReserve: [0, 0, 0, 0, 0] }] },
    ],
  },
];

describe("machine descriptions: extreme values in every numeric field", () => {
  const cases = MACHINES.map((spec) => ({ spec, paths: numericPaths(spec) }));

  it("the bases build with the formulas' watermarks", () => {
    for (const { spec } of cases) {
      const m = Machine.create(spec);
      expectOracleMarks(m, spec, spec.era);
      m.dispose();
    }
  });

  it("a typed error or the formulas' watermarks (fast-check)", () => {
    const seen = { error: 0, ok: 0 };
    fc.assert(
      fc.property(
        fc.nat(cases.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(...EXTREMES)), { minLength: 1, maxLength: 2 }),
        (which, edits) => {
          const { spec, paths } = cases[which];
          const s = structuredClone(spec) as unknown as Json;
          for (const [pi, v] of edits) setAt(s, paths[pi % paths.length], v);
          const what = JSON.stringify(edits.map(([pi, v]) => [paths[pi % paths.length], v]));
          const r = typedOr(
            () => Machine.create(s as unknown as MachineSpec),
            (m) => {
              expectOracleMarks(m, s as unknown as MachineSpec, what);
              m.dispose();
            },
            what,
          );
          seen[r]++;
        },
      ),
      { numRuns: RUNS, seed: SEED_NUMBER },
    );
    expect(seen.error).toBeGreaterThan(0);
    expect(seen.ok).toBeGreaterThan(0);
  });
});

describe("--set values", () => {
  const SET_PATHS = [
    "machine.minFreeKbytes",
    "machine.maxOrder",
    "machine.pageSize",
    "machine.watermarkScaleFactor",
    "machine.nodes.0.zones.0.startPfn",
    "machine.nodes.0.zones.0.spannedPages",
    "machine.nodes.0.zones.1.spannedPages",
    "hz",
    "tasks.0.totalVm",
    "layout.0.count",
    "events.0.size",
    "swap.totalKb",
  ];

  it("a typed error or the formulas' watermarks (fast-check)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...SET_PATHS), fc.constantFrom(...SET_ARGS), (path, value) => {
        const sc = structuredClone(SCENARIOS[0]);
        const edit = `${path}=${value}`;
        typedOr(
          () => setScenarioValue(sc, edit),
          () => checkScenario(sc, edit),
          edit,
        );
      }),
      { numRuns: RUNS, seed: SEED_NUMBER },
    );
  });
});

describe("--what-if values", () => {
  const SEED_REPORT = read("test/fixtures/seed-article-oom-report.txt");
  const X86_REPORT = read("test/fixtures/028-oomanalyser-archlinux-6.1.1-x86_64-global-oom-doxygen.log");
  // 99999999999 kB and 2^35 kB are marks past 2^32 pages: the what-if that passed every order
  const WHAT_IF_ARGS = [...EXTREME_ARGS, "99999999999", "34359738368", "3", "0x3", "1200", "3000", "[]", "", "1.5"];
  const KEYS = ["min_free_kbytes", "watermark_scale_factor", "order", "gfp"];

  /** The what-if's recomputed marks equal the oracle's on the report's zones (pages of pageKb). */
  function expectWhatIfMarks(text: string, era: "2.6.11" | "6.18", w: WhatIf, what: string): void {
    // the marks are the question, not the 6.18 replay (seconds per 028 diagnosis, with its advice's replays)
    const report = diagnose(text, { whatIf: w, replay618: false }).reports[0];
    expect(report.whatIf, what).toBeDefined();
    // the engine's check and the arithmetic spelled out agree (a wrapped mark makes them differ)
    expect(JSON.stringify(report.whatIf), what).not.toContain("the engine's check says");
    if (w.minFreeKbytes === undefined) return; // the implied min_free_kbytes is the report's, not the user's
    const zones = parseReports(text).reports[0].zones;
    const spec = {
      era,
      minFreeKbytes: w.minFreeKbytes,
      watermarkScaleFactor: w.watermarkScaleFactor,
      nodes: [
        {
          zones: zones.map((z) => {
            const present = Math.floor((z.presentKb ?? z.managedKb ?? 0) / 4);
            const managed = z.managedKb !== null ? Math.floor(z.managedKb / 4) : present;
            return { type: z.name, startPfn: 0, spannedPages: present, presentPages: present, managedPages: managed };
          }),
        },
      ],
    } as MachineSpec;
    const want = oracleWatermarks(spec);
    // a min mark above every zone's free pages: no zone can pass, so the state explains the failure
    const above = zones
      .filter((z) => (z.presentKb ?? 0) > 0)
      .every((z) => (want.get(`0:${z.name}`)?.min ?? 0n) * 4n > BigInt(z.freeKb ?? 0));
    if (above) expect(report.whatIf?.verdict?.cause, what).not.toBe("unexplained");
    for (const m of report.whatIf?.changes.marks ?? []) {
      const o = want.get(`0:${m.name}`);
      const got = [m.after.minKb, m.after.lowKb, m.after.highKb].map(BigInt);
      // the check reads wmark_pages(), the mark plus the zone's watermark_boost, which 6.x prints
      // (include/linux/mmzone.h min_wmark_pages, 6.18): the boost the report printed stays
      const boost = BigInt(zones.find((z) => z.name === m.name)?.boostKb ?? 0);
      const kb = (pages: bigint | undefined) => (pages ?? 0n) * 4n + boost;
      expect(got, `${what}: ${m.name}`).toEqual([kb(o?.min), kb(o?.low), kb(o?.high)]);
    }
  }

  it("a usage error or the formulas' marks, on a 2.6.11 and a 6.1 report (fast-check)", () => {
    const seen = { error: 0, ok: 0 };
    fc.assert(
      fc.property(
        fc.constantFrom(...KEYS),
        fc.constantFrom(...WHAT_IF_ARGS),
        fc.constantFrom(...WHAT_IF_ARGS),
        (key, value, wsf) => {
          const edits = [`${key}=${value}`];
          // the 6.1 report with min_free_kbytes and watermark_scale_factor both given
          const x86 = key === "min_free_kbytes" ? [...edits, `watermark_scale_factor=${wsf}`] : edits;
          for (const [text, era, args] of [
            [SEED_REPORT, "2.6.11", edits],
            [X86_REPORT, "6.18", x86],
          ] as const) {
            const what = args.join(" ");
            const r = typedOr(
              () => parseWhatIf([...args]),
              (w) => expectWhatIfMarks(text, era, w, what),
              what,
            );
            seen[r]++;
          }
        },
      ),
      { numRuns: RUNS, seed: SEED_NUMBER },
    );
    expect(seen.error).toBeGreaterThan(0);
    expect(seen.ok).toBeGreaterThan(0);
  });

  it("every extreme value of every key through the API is a typed error or a diagnosis", () => {
    const fields: (keyof WhatIf)[] = ["minFreeKbytes", "watermarkScaleFactor", "order", "gfp"];
    for (const f of fields)
      for (const v of EXTREMES)
        typedOr(
          () => diagnose(SEED_REPORT, { whatIf: { [f]: v } as WhatIf }),
          (r) => expect(r.reports[0].whatIf).toBeDefined(),
          `${f} = ${String(v)}`,
        );
  });
});
