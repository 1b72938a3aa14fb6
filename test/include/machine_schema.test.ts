// The machine description's declared schema (include/machine_schema.ts): the kernel's ranges, the
// engine's limits, no unknown key, and every error naming the field's path, value and range.

import { describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import { OomlabError } from "../../bindings/errors.js";
import type { MachineSpec } from "../../bindings/include/machine.js";
import {
  MAX_WATERMARK_PAGES,
  type machineSpecSchema,
  parseMachineSpec,
} from "../../bindings/include/machine_schema.js";
import { INT_MAX } from "../../bindings/include/linux/sysctl.js";
import { resolveMachine } from "../../bindings/mm/mm_init.js";
import { wasmMachine } from "../helpers.js";
import { oracleWatermarks } from "../mm/watermark_oracle.js";

/** The error a call throws, or null. */
function thrown(f: () => unknown): OomlabError | null {
  try {
    f();
  } catch (e) {
    if (e instanceof OomlabError) return e;
    throw e;
  }
  return null;
}

const normal = (extra: Record<string, unknown> = {}, zone: Record<string, unknown> = {}): MachineSpec =>
  ({
    era: "6.18",
    ...extra,
    nodes: [{ zones: [{ type: "Normal", startPfn: 0, spannedPages: 4096, ...zone }] }],
  }) as MachineSpec;

describe("the schema and MachineSpec agree", () => {
  it("the schema's input type is MachineSpec (pageSize narrowed to the three sizes)", () => {
    type Input = z.input<typeof machineSpecSchema>;
    expectTypeOf<Omit<Input, "pageSize">>().toEqualTypeOf<Omit<MachineSpec, "pageSize">>();
    expectTypeOf<Input>().toExtend<MachineSpec>();
    expectTypeOf<MachineSpec["pageSize"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<Input["pageSize"]>().toEqualTypeOf<4096 | 16384 | 65536 | undefined>();
  });
});

describe("kernel ranges: rejected with the path, the value and the range", () => {
  it.each([
    [
      "machine.minFreeKbytes 1000000000000000 is out of range: an int from 0 to 2147483647 " +
        "(vm.min_free_kbytes, proc_dointvec_minmax, extra1 SYSCTL_ZERO)",
      normal({ minFreeKbytes: 1e15 }),
    ],
    ["machine.minFreeKbytes -1 is out of range: an int from 0 to 2147483647", normal({ minFreeKbytes: -1 })],
    ["machine.minFreeKbytes 2147483648 is out of range", normal({ minFreeKbytes: 2 ** 31 })],
    ["machine.minFreeKbytes 1.5 is out of range: an int from 0", normal({ minFreeKbytes: 1.5 })],
    ['machine.minFreeKbytes "3" is not an int from 0 to 2147483647', normal({ minFreeKbytes: "3" })],
    [
      "machine.watermarkScaleFactor 0 is out of range: an int from 1 to 3000 " +
        "(vm.watermark_scale_factor, proc_dointvec_minmax, SYSCTL_ONE .. SYSCTL_THREE_THOUSAND)",
      normal({ watermarkScaleFactor: 0 }),
    ],
    [
      "machine.watermarkScaleFactor 3001 is out of range: an int from 1 to 3000",
      normal({ watermarkScaleFactor: 3001 }),
    ],
    ["machine.watermarkBoostFactor -1 is out of range: an int from 0 to", normal({ watermarkBoostFactor: -1 })],
    [
      "machine.lowmemReserveRatio[2] 2147483648 is out of range: an int from 0 to 2147483647 (vm.lowmem_reserve_ratio",
      normal({ lowmemReserveRatio: [256, 256, 2 ** 31, 0, 0] }),
    ],
    [
      "machine.lowmemReserveRatio a list of 6 is not a list of 4 to 5 vm.lowmem_reserve_ratio entries",
      normal({ lowmemReserveRatio: [256, 256, 32, 0, 0, 0] }),
    ],
    ["machine.maxOrder 17 is out of range: an integer from 1 to 16", normal({ maxOrder: 17 })],
    ["machine.pageblockOrder 11 is out of range: an integer from 0 to", normal({ maxOrder: 11, pageblockOrder: 11 })],
    ["machine.pageSize 8192 is not 4096, 16384 or 65536 (bytes per page)", normal({ pageSize: 8192 })],
    ["machine.nodes[0].zones[0].startPfn NaN is out of range: an integer from 0", normal({}, { startPfn: Number.NaN })],
    ["machine.nodes[0].zones[0].spannedPages Infinity is out of range", normal({}, { spannedPages: Infinity })],
    [
      "machine.nodes[0].zones[0].presentPages 5000 is out of range: an integer from 0 (none) to 4096 (spannedPages)",
      normal({}, { presentPages: 5000 }),
    ],
  ])("%s", (message, spec) => {
    const e = thrown(() => resolveMachine(spec));
    expect(e?.code).toBe("OOMLAB_BAD_SPEC");
    expect(e?.message).toContain(message);
  });

  it("explicit watermarks of 2^33 are rejected, not stored as 0/0/0 by the engine's u32", () => {
    const huge = 2 ** 33;
    const e = thrown(() => resolveMachine(normal({}, { watermarks: { min: huge, low: huge, high: huge } })));
    expect(e?.code).toBe("OOMLAB_BAD_SPEC");
    expect(e?.message).toContain(
      "machine.nodes[0].zones[0].watermarks.min 8589934592 is out of range: an integer from 0 to 16777216",
    );
    // each bad field once: the relations (ordering, managed pages) run on fields that parsed
    expect(e?.message.split("\n")).toHaveLength(3);
  });

  it("explicit watermarks lie within managed pages, ordered min <= low <= high <= promo", () => {
    const zone = (w: Record<string, number>) => normal({}, { managedPages: 4000, watermarks: w });
    expect(thrown(() => resolveMachine(zone({ min: 30, low: 20, high: 40 })))?.message).toBe(
      "machine.nodes[0].zones[0].watermarks.low 20 is out of range: " +
        "an integer from 30 (watermarks.min) to 4000 (managedPages)",
    );
    expect(thrown(() => resolveMachine(zone({ min: 3, low: 4, high: 4001 })))?.message).toContain(
      "watermarks.high 4001 is out of range: an integer from 4 (watermarks.low) to 4000 (managedPages)",
    );
    expect(thrown(() => resolveMachine(zone({ min: 3, low: 4, high: 5, promo: 4 })))?.message).toContain(
      "watermarks.promo 4 is out of range: an integer from 5 (watermarks.high) to 4000 (managedPages)",
    );
    expect(resolveMachine(zone({ min: 3, low: 4, high: 5, promo: 4000 })).zones[0].watermarks).toEqual({
      min: 3,
      low: 4,
      high: 5,
      promo: 4000,
    });
  });

  it("an unknown key anywhere is an error naming its path and the fields there are", () => {
    expect(thrown(() => resolveMachine(normal({ minFreeKbyte: 2400 })))?.message).toBe(
      "machine.minFreeKbyte is not a field of machine (its fields: $schema, era, nodes, pageSize, maxOrder, " +
        "pageblockOrder, minFreeKbytes, watermarkScaleFactor, lowmemReserveRatio, watermarkBoostFactor, " +
        "mobilityGrouping, percpuPagelists)",
    );
    expect(thrown(() => resolveMachine(normal({}, { spanedPages: 10 })))?.message).toContain(
      "machine.nodes[0].zones[0].spanedPages is not a field of machine.nodes[0].zones[0] (its fields: type, startPfn,",
    );
    expect(
      thrown(() => resolveMachine(normal({}, { watermarks: { min: 1, low: 2, high: 3, boost: 4 } })))?.message,
    ).toContain("machine.nodes[0].zones[0].watermarks.boost is not a field of machine.nodes[0].zones[0].watermarks");
  });

  it("relations that need the era name the field too", () => {
    const dma32 = { era: "2.6.11", nodes: [{ zones: [{ type: "DMA32", startPfn: 0, spannedPages: 64 }] }] };
    expect(thrown(() => resolveMachine(dma32 as MachineSpec))?.message).toBe(
      'machine.nodes[0].zones[0].type "DMA32" is not a zone of 2.6.11 (DMA, Normal, HighMem)',
    );
    const twice = normal();
    twice.nodes[0].zones.push({ type: "Normal", startPfn: 8192, spannedPages: 16 });
    expect(thrown(() => resolveMachine(twice))?.message).toBe("machine.nodes[0].zones[1].type is listed twice");
  });

  it("a 6.x sysctl on a 2.6.11 machine is refused, not ignored", () => {
    const old = (extra: Record<string, unknown>) => ({ ...normal(extra), era: "2.6.11" }) as MachineSpec;
    expect(thrown(() => resolveMachine(old({ watermarkScaleFactor: 500 })))?.message).toBe(
      "machine.watermarkScaleFactor is not a 2.6.11 setting (vm.watermark_scale_factor exists from Linux 4.6); " +
        "leave it out",
    );
    expect(thrown(() => resolveMachine(old({ watermarkBoostFactor: 0 })))?.message).toMatch(
      /^machine.watermarkBoostFactor is not a 2.6.11 setting \(vm.watermark_boost_factor exists from Linux 5.0\)/,
    );
    expect(resolveMachine(normal({ watermarkScaleFactor: 500, watermarkBoostFactor: 0 })).era).toBe("6.18");
  });

  it("a $schema key is allowed, so files can name their JSON Schema", () => {
    expect(parseMachineSpec({ ...normal(), $schema: "node_modules/oomlab/schemas/machine.schema.json" })).toBeTruthy();
  });
});

describe("the watermarks the formulas give fit the engine, or the description is rejected", () => {
  it("min_free_kbytes 2147483647 (INT_MAX, the sysctl's maximum) on one zone: the exact formula values", () => {
    for (const era of ["2.6.11", "6.18"] as const) {
      const spec = { ...normal({ minFreeKbytes: INT_MAX }), era };
      const m = wasmMachine(spec);
      const want = oracleWatermarks(spec).get("0:Normal");
      const got = m.stats(m.machine.zones[0].slot).watermarks;
      expect([got.min, got.low, got.high, got.promo].map(BigInt)).toEqual([
        want?.min,
        want?.low,
        want?.high,
        want?.promo,
      ]);
      m.dispose();
    }
  });

  it("a highmem-like zone's share of min_free_kbytes beyond the engine's watermarks names minFreeKbytes", () => {
    const spec = {
      era: "6.18",
      minFreeKbytes: INT_MAX,
      nodes: [
        {
          zones: [
            { type: "DMA", startPfn: 0, spannedPages: 1024 },
            { type: "Movable", startPfn: 1024, spannedPages: 1 << 23 },
          ],
        },
      ],
    } as MachineSpec;
    const e = thrown(() => resolveMachine(spec));
    expect(e?.code).toBe("OOMLAB_BAD_SPEC");
    expect(e?.message).toMatch(/^machine\.minFreeKbytes 2147483647 is out of range for this machine: node 0 Movable's/);
    expect(e?.message).toContain(`above the engine's limit of ${MAX_WATERMARK_PAGES} pages`);
  });

  it("a boost factor whose boosted marks pass 2^32 names watermarkBoostFactor", () => {
    const spec = normal(
      { watermarkBoostFactor: INT_MAX },
      { spannedPages: 1 << 20, watermarks: { min: 1, low: 2, high: 1 << 19 } },
    );
    const e = thrown(() => resolveMachine(spec));
    expect(e?.message).toMatch(/^machine\.watermarkBoostFactor 2147483647 is out of range for this machine/);
    expect(e?.message).toContain("for a boosted mark");
  });
});
