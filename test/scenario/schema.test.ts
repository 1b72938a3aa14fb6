// The scenario's declared schema (scenario/schema.ts): unknown keys anywhere are errors naming their
// path, --set paths are checked against the same schema, values out of the kernel's ranges are
// rejected with the range, and the JSON Schemas in schemas/ are what the Zod schemas give.

import { readFileSync } from "node:fs";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import { main, type CliIo } from "../../bindings/cli/main.js";
import { OomlabError } from "../../bindings/errors.js";
import { jsonSchemaFiles } from "../../bindings/scenario/json_schema.js";
import { type Scenario, type scenarioSchema, validateScenario } from "../../bindings/scenario/schema.js";
import { setScenarioValue } from "../../bindings/scenario/set.js";

const read = (rel: string) => readFileSync(new URL(`../../${rel}`, import.meta.url), "utf8");
const SEED_TEXT = read("scenarios/seed.json");
const seed = (): Scenario => JSON.parse(SEED_TEXT);

function io(files: Record<string, string>): CliIo & { stdout: string; stderr: string } {
  const o = {
    stdout: "",
    stderr: "",
    out(t: string) {
      o.stdout += t;
    },
    err(t: string) {
      o.stderr += t;
    },
    async readFile(p: string) {
      if (!(p in files)) throw new OomlabError("OOMLAB_USAGE", `cannot read ${p}`);
      return files[p];
    },
  };
  return o;
}

/** `oomlab replay seed ARGS...`: exit status and stderr. */
async function replaySeed(...args: string[]): Promise<{ rc: number; stderr: string }> {
  const a = io({ "scenario:seed": SEED_TEXT });
  const rc = await main(["replay", "seed", "--max-retries", "5", "--max-sim-ms", "200", ...args], a);
  return { rc, stderr: a.stderr };
}

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof OomlabError && e.code === "OOMLAB_BAD_SPEC") return e.message;
    throw e;
  }
  throw new Error("no error");
}

describe("the schema and the Scenario type agree", () => {
  it("every scenario the schema accepts is a Scenario", () => {
    expectTypeOf<z.output<typeof scenarioSchema>>().toExtend<Scenario>();
  });
});

describe("unknown keys in a scenario file are errors naming their path", () => {
  it.each([
    [
      "top level",
      (s: Record<string, unknown>) => Object.assign(s, { foo: 1 }),
      "scenario: foo is not a field of the scenario",
    ],
    [
      "machine",
      (s: Record<string, unknown>) => Object.assign(s.machine as object, { minFreeKbyte: 2400 }),
      "scenario: machine.minFreeKbyte is not a field of machine (its fields: $schema, era, nodes,",
    ],
    [
      "a zone",
      (s: Scenario) => Object.assign(s.machine.nodes[0].zones[0], { spaned: 1 }),
      "scenario: machine.nodes[0].zones[0].spaned is not a field of machine.nodes[0].zones[0]",
    ],
    [
      "a task",
      (s: Scenario) => Object.assign(s.tasks[1], { oom_adj: 3 }),
      "scenario: tasks[1].oom_adj is not a field of tasks[1] (its fields: pid, comm,",
    ],
    [
      "an event's field of another kind (size on refault)",
      (s: Scenario) => Object.assign(s.events[1], { size: 4096 }),
      "scenario: events[1].size is not a field of events[1] (its fields: do, task, every, from, until)",
    ],
    [
      "an LRU description",
      (s: Scenario) => Object.assign(s.layout[2].lru as object, { referenced: true }),
      "scenario: layout[2].lru.referenced is not a field of layout[2].lru",
    ],
    [
      "swap cache counters",
      (s: Scenario) => Object.assign(s.swap?.cache as object, { hits: 1 }),
      "scenario: swap.cache.hits is not a field of swap.cache (its fields: add, del,",
    ],
    [
      "zoneState",
      (s: Scenario) => Object.assign(s, { zoneState: { DMA32x: {} } }),
      "scenario: zoneState.DMA32x is not a field of zoneState (its fields: DMA, DMA32, Normal, HighMem, Movable)",
    ],
  ])("%s", (_where, edit, message) => {
    const s = seed();
    (edit as (s: unknown) => void)(s);
    expect(messageOf(() => validateScenario(s))).toContain(message);
  });

  it("a file with an unknown key exits 2 with the path on stderr", async () => {
    const a = io({ "x.json": JSON.stringify({ ...seed(), swapp: { totalKb: 1 } }) });
    expect(await main(["replay", "x.json"], a)).toBe(2);
    expect(a.stderr).toContain("oomlab: scenario: swapp is not a field of the scenario");
  });

  it("$schema and format are allowed; every shipped scenario names schemas/scenario.schema.json", () => {
    for (const name of ["seed", "nic-atomic"]) {
      const s = JSON.parse(read(`scenarios/${name}.json`));
      expect(s.$schema).toBe("../schemas/scenario.schema.json");
      expect(s.format).toBe("oomlab-scenario/1");
      expect(validateScenario(s).name).toBe(name);
    }
  });
});

describe("--set paths are checked against the schema", () => {
  it.each([
    ["machine.minFreeKbyte=2400", "--set machine.minFreeKbyte: machine.minFreeKbyte is not a field of machine"],
    ["foo=1", "--set foo: foo is not a field of the scenario (its fields: $schema, format, name,"],
    [
      "events.0.sizes=1",
      "--set events.0.sizes: events.0.sizes is not a field of events.0 (its fields: do, at, task, size, flags)",
    ],
    [
      "events.1.size=1",
      "--set events.1.size: events.1.size is not a field of events.1 (its fields: do, task, every, from, until)",
    ],
    ["tasks.x.pid=1", "--set tasks.x.pid: tasks.x does not exist: tasks is a list: index it with a number"],
    ["hz.x=1", "--set hz.x: hz.x does not exist: hz has no fields"],
  ])("--set %s exits 2 naming the path", async (edit, message) => {
    const r = await replaySeed("--set", edit);
    expect(r.rc).toBe(2);
    expect(r.stderr).toMatch(/^oomlab: --set /);
    expect(r.stderr).toContain(message);
  });

  it.each([
    [
      "machine.minFreeKbytes=17179869184",
      "scenario: machine.minFreeKbytes 17179869184 is out of range: an int from 0 to 2147483647 " +
        "(vm.min_free_kbytes, proc_dointvec_minmax, extra1 SYSCTL_ZERO)",
    ],
    ["machine.minFreeKbytes=1e300", "scenario: machine.minFreeKbytes 1e+300 is out of range: an int from 0 to"],
    ["machine.minFreeKbytes=-5", "scenario: machine.minFreeKbytes -5 is out of range: an int from 0 to"],
    ["machine.minFreeKbytes=NaN", 'scenario: machine.minFreeKbytes "NaN" is not an int from 0 to 2147483647'],
    ["machine.minFreeKbytes=[]", "scenario: machine.minFreeKbytes [] is not an int from 0 to 2147483647"],
    ["machine.watermarkScaleFactor=5000", "scenario: machine.watermarkScaleFactor 5000 is out of range"],
    ["events.0.size=null", "scenario: events[0].size null is not an integer from 1 to 2147483648"],
  ])("--set %s: a wrong value is an exit-2 error with the range", async (edit, message) => {
    const r = await replaySeed("--set", edit);
    expect(r.rc).toBe(2);
    expect(r.stderr).toMatch(/^oomlab: scenario: /);
    expect(r.stderr).toContain(message);
  });

  it("setScenarioValue leaves the scenario unchanged when the path is unknown", () => {
    const s = seed();
    expect(() => setScenarioValue(s, "machine.minFreeKbyte=2400")).toThrow(OomlabError);
    expect(s).toEqual(seed());
  });
});

describe("the JSON Schemas shipped in schemas/", () => {
  const files = jsonSchemaFiles();

  it("are what the Zod schemas give (npm run build writes them; commit the result)", () => {
    expect(Object.keys(files).sort()).toEqual([
      "machine.schema.json",
      "scenario-618.schema.json",
      "scenario.schema.json",
    ]);
    for (const [file, text] of Object.entries(files)) expect(read(`schemas/${file}`), file).toBe(text);
  });

  it("reject unknown keys at every level and carry the kernel's ranges", () => {
    const machine = JSON.parse(files["machine.schema.json"]);
    const objects: Record<string, unknown>[] = [];
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (o.type === "object" && o.properties) objects.push(o);
        Object.values(o).forEach(walk);
      }
    };
    walk(machine);
    expect(objects.length).toBeGreaterThan(4);
    for (const o of objects) expect(o.additionalProperties).toBe(false);
    const p = machine.properties;
    expect([p.minFreeKbytes.minimum, p.minFreeKbytes.maximum]).toEqual([0, 2 ** 31 - 1]);
    expect([p.watermarkScaleFactor.minimum, p.watermarkScaleFactor.maximum]).toEqual([1, 3000]);
    expect(p.minFreeKbytes.type).toBe("integer");
    expect(p.pageSize.enum).toEqual([4096, 16384, 65536]);
    const scenario = JSON.parse(files["scenario.schema.json"]);
    expect(scenario.properties.machine.properties.era.enum).toEqual(["2.6.11"]);
    expect(scenario.properties.events.items.oneOf).toHaveLength(4);
  });
});
