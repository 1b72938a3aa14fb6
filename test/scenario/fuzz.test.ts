// Scenario files are user input: a mutated scenario either replays or fails with a typed
// OomlabError that names the problem, never with a TypeError or a hang.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { replay } from "../../bindings/scenario/replay.js";
import { OomlabError } from "../../bindings/errors.js";

const SEED = JSON.parse(readFileSync(new URL("../../scenarios/seed.json", import.meta.url), "utf8"));
const NIC = JSON.parse(readFileSync(new URL("../../scenarios/nic-atomic.json", import.meta.url), "utf8"));

/** Every path to a leaf or container in a JSON value. */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      paths(x, [...at, i], out);
    });
  } else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

const REPLACEMENTS: unknown[] = [
  null,
  -1,
  0,
  1,
  3,
  4097,
  1e12,
  0.5,
  NaN,
  "",
  "x",
  "DMA",
  true,
  [],
  {},
  [1, 2],
  { list: "active" },
];
const keep = (p: (string | number)[]) => p.length > 0 && p[0] !== "provenance" && p[0] !== "description";
const BASES = [SEED, NIC].map((root) => ({ root, all: paths(root).filter(keep) }));

function mutate(base: (typeof BASES)[number], edits: [number, number, number][]): unknown {
  const ALL = base.all;
  const root = base.root;
  const sc = structuredClone(root) as Record<string, unknown>;
  for (const [pi, kind, ri] of edits) {
    const p = ALL[pi % ALL.length];
    let parent: unknown = sc;
    for (const k of p.slice(0, -1))
      parent = parent && typeof parent === "object" ? (parent as Record<string | number, unknown>)[k] : undefined;
    if (!parent || typeof parent !== "object") continue;
    const last = p[p.length - 1];
    const obj = parent as Record<string | number, unknown>;
    if (kind % 3 === 0) {
      if (Array.isArray(obj) && typeof last === "number") obj.splice(last, 1);
      else delete obj[last];
    } else obj[last] = structuredClone(REPLACEMENTS[ri % REPLACEMENTS.length]);
  }
  return sc;
}

describe("mutated scenarios", () => {
  it("replay or a typed error, within the simulation bounds", () => {
    fc.assert(
      fc.property(
        fc.nat(1),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { minLength: 1, maxLength: 4 }),
        (which, edits) => {
          const sc = mutate(BASES[which], edits);
          try {
            const r = replay(sc, { events: false, maxRetries: 150, maxSimMs: 5000 });
            expect(["success", "failed", "livelock", "panic"]).toContain(r.outcome);
          } catch (e) {
            if (!(e instanceof OomlabError)) throw new Error(`edits ${JSON.stringify(edits)}: ${(e as Error).stack}`);
            expect(e.message.length).toBeGreaterThan(10);
          }
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 300), seed: Number(process.env.FUZZ_SEED ?? 20261126) },
    );
  });
});

describe("every top-level, machine and zone field replaced by a wrong value", () => {
  const machineKeys = [
    "era",
    "pageSize",
    "maxOrder",
    "minFreeKbytes",
    "pageblockOrder",
    "watermarks",
    "lowmemReserveRatio",
    "nodes",
    "watermarkScaleFactor",
  ];
  const topKeys = [
    "hz",
    "nrCpus",
    "uptimeSec",
    "swap",
    "zoneState",
    "vmallocEnd",
    "name",
    "tasks",
    "layout",
    "events",
    "machine",
  ];
  const zoneKeys = ["type", "startPfn", "spannedPages", "presentPages", "managedPages", "cma"];
  type Json = Record<string, unknown>;
  type Setter = (sc: Json, v: unknown) => void;
  const machineOf = (sc: Json) => sc.machine as Json;
  const firstZone = (sc: Json) => ((machineOf(sc).nodes as Json[])[0].zones as Json[])[0];
  const cases: [string, Setter][] = [
    ...machineKeys.map((k): [string, Setter] => [
      `machine.${k}`,
      (sc, v) => {
        machineOf(sc)[k] = v;
      },
    ]),
    ...topKeys.map((k): [string, Setter] => [
      k,
      (sc, v) => {
        sc[k] = v;
      },
    ]),
    ...zoneKeys.map((k): [string, Setter] => [
      `zone.${k}`,
      (sc, v) => {
        firstZone(sc)[k] = v;
      },
    ]),
  ];
  it.each(cases)("%s: replay or a typed error", (_name, set) => {
    for (const v of REPLACEMENTS) {
      const sc = structuredClone(SEED);
      set(sc, structuredClone(v));
      try {
        replay(sc, { events: false, maxRetries: 50, maxSimMs: 3000 });
      } catch (e) {
        if (!(e instanceof OomlabError)) throw new Error(`${_name} = ${JSON.stringify(v)}: ${(e as Error).stack}`);
      }
    }
  });
});
