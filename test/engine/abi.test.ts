// The engine's ABI (bindings/engine/abi.ts) against the engine itself: the names agree both ways,
// the layouts hold together, every named view reads what the engine wrote, and a machine is a copy
// of its memory (the engine declares no mutable global), so a fork behaves exactly like its origin.

import { describe, expect, it } from "vitest";
import { ABI_NAMES, INVARIANT_NAMES, ZoneRecords, readAbi, type Abi } from "../../bindings/engine/abi.js";
import { churnChecksum, churnMachine, churnStats } from "../../bindings/engine/churn.js";
import { Machine } from "../../bindings/engine/machine.js";
import { instantiate, release, type EngineBuild } from "../../bindings/engine/wasm.js";
import { WASM_RELEASE_BASE64 } from "../../bindings/engine/generated/wasm-release.js";
import { OomlabError } from "../../bindings/errors.js";
import type { AllocRequest, MachineSpec } from "../../bindings/include/machine.js";
import { MigrateType } from "../../bindings/include/linux/mmzone.js";
import { AllocFlags } from "../../bindings/mm/internal.js";
import { runRefChurn } from "../../reference/churn.js";
import { ERAS } from "../../bindings/kernel/releases.js";
import { DEBUG_ENGINE_BYTES, oneZone, wasmMachine, xorshift32 } from "../helpers.js";

const BUILDS: EngineBuild[] = ["release", "debug"];

function abiOf(build: EngineBuild): { abi: Abi; constants: Readonly<Record<string, number>> } {
  const inst = instantiate(build);
  release(inst);
  return { abi: inst.abi, constants: inst.constants };
}

describe("the names TypeScript reads are the names the engine exports", () => {
  it.each(BUILDS)("%s build: every exported constant is in ABI_NAMES and every ABI name is exported", (build) => {
    const { constants } = abiOf(build);
    expect(Object.keys(constants).sort()).toEqual([...ABI_NAMES].sort());
  });

  it("an engine without one of the names is rejected as a build mismatch", () => {
    const { constants } = abiOf("release");
    const { NIL: _nil, ...rest } = constants;
    expect(() => readAbi(rest)).toThrow(OomlabError);
    expect(() => readAbi(rest)).toThrow("the engine does not export NIL");
  });

  it("each engine era's profile (kernel/releases.ts) names the engine's ERA_* constant", () => {
    const { abi } = abiOf("release");
    expect(ERAS.map((e) => [e.era, e.engineId])).toEqual([
      ["2.6.11", abi.ERA_2_6_11],
      ["6.1", abi.ERA_6_1],
      ["6.18", abi.ERA_6_18],
    ]);
  });

  it("return codes keep their sign, everything else reads as a u32", () => {
    const { abi } = abiOf("release");
    expect(abi.NIL).toBe(0xffffffff);
    expect([abi.E_OK, abi.E_TOO_BIG, abi.E_NO_MEMORY, abi.E_OVERLAP, abi.E_BAD_ORDER]).toEqual([0, -2, -3, -4, -12]);
    for (const name of ABI_NAMES) if (name.startsWith("E_")) expect(abi[name]).toBeLessThanOrEqual(0);
  });

  it("every invariant the engine checks has a message (and nothing else does)", () => {
    const { abi } = abiOf("release");
    const engineChecks = ABI_NAMES.filter((n) => n.startsWith("CHECK_") && n !== "CHECK_OK");
    expect([...INVARIANT_NAMES].sort()).toEqual([...engineChecks].sort());
    expect(new Set(INVARIANT_NAMES.map((n) => abi[n])).size).toBe(INVARIANT_NAMES.length);
  });
});

describe("the records hold together", () => {
  const { abi } = abiOf("release");
  const fields = (prefix: string) => ABI_NAMES.filter((n) => n.startsWith(prefix)).map((n) => abi[n]);

  it("zone record: word-aligned fields, distinct, before the free lists; the lists fill the record", () => {
    const offs = fields("Z_").filter((o) => o !== abi.Z_LISTS);
    for (const o of offs) expect(o % 4 === 0 && o < abi.Z_LISTS).toBe(true);
    expect(new Set(offs).size).toBe(offs.length);
    expect(abi.Z_NR_FREE + abi.MAX_ORDER_LIMIT * 4).toBeLessThanOrEqual(abi.Z_LISTS);
    expect(abi.ZONE_SIZE).toBe(abi.Z_LISTS + (abi.MAX_ORDER_LIMIT << abi.MT_SLOTS_SHIFT) * 8);
    expect(abi.MIGRATE_TYPES).toBeLessThanOrEqual(1 << abi.MT_SLOTS_SHIFT);
  });

  it("the IO buffer holds a zonelist, a batch of records, the churn stats and the invariant record", () => {
    expect(abi.ZL_SLOTS + abi.MAX_ZONES).toBeLessThanOrEqual(abi.ZONELIST_SIZE);
    expect(abi.IO_BYTES % abi.BATCH_RECORD_BYTES).toBe(0);
    const batchFields = [abi.BR_OP, abi.BR_ARG, abi.BR_OWNER, abi.BR_RESULT];
    expect(batchFields.every((o) => o + 4 <= abi.BATCH_RECORD_BYTES)).toBe(true);
    expect(abi.CS_NR_FREE + abi.MAX_ORDER_LIMIT * 4).toBeLessThanOrEqual(abi.IO_BYTES);
    expect(abi.INVARIANT_RECORD_BYTES).toBeLessThanOrEqual(abi.IO_BYTES);
  });

  it("the info word's fields do not overlap", () => {
    const order = abi.ORDER_MASK;
    const state = abi.STATE_MASK << abi.STATE_SHIFT;
    const mt = abi.MT_MASK << abi.MT_SHIFT;
    expect(order & state).toBe(0);
    expect((order | state) & mt).toBe(0);
    expect(abi.MIGRATE_TYPES - 1).toBeLessThanOrEqual(abi.MT_MASK);
    expect(abi.STATE_HOLE).toBeLessThanOrEqual(abi.STATE_MASK);
  });
});

describe("the named views read what the engine wrote", () => {
  it("a zone record reads back the zone's description, watermarks and reserves", () => {
    const m = wasmMachine(oneZone("6.18", 8192, { minFreeKbytes: 0 }, { presentPages: 8000, managedPages: 7900 }));
    const z = m.machine.zones[0];
    m.setWatermarks(z.slot, { min: 11, low: 22, high: 33, promo: 44 });
    m.engineExports.zoneSetLowmemReserve(z.slot, 3, 77);
    const r = new ZoneRecords(m.engineAbi, m.engineViews, m.engineExports.zonesPtr(), m.machine.maxOrder).read(z.slot);
    expect(r).toMatchObject({
      start: z.startPfn - m.machine.basePfn,
      end: z.startPfn - m.machine.basePfn + z.spannedPages,
      presentPages: 8000,
      managedPages: 7900,
      zoneIdx: z.zoneIdx,
      node: 0,
      populated: true,
      watermark: { min: 11, low: 22, high: 33, promo: 44 },
    });
    expect(r.lowmemReserve[3]).toBe(77);
    expect(r.freePages).toBe(7900);
    expect(r.nrFree.reduce((s, n, o) => s + n * 2 ** o, 0)).toBe(7900);
  });

  it("the churn stats record gives the checksum of the reference model, field by field (L = 12)", () => {
    const seed = 0x12345678;
    const ops = 50_000;
    const m = churnMachine(12, "debug");
    const engine = m.engineExports;
    engine.churnInit(m.machine.zones[0].slot, seed, m.engineAbi.MIGRATE_UNMOVABLE);
    engine.churnPrefill();
    engine.churnRun(ops);
    const s = churnStats(m);
    expect(churnChecksum(s)).toBe(runRefChurn({ seed, log2Pages: 12, ops }).checksum);
    expect(s.allocs - s.frees).toBe(s.liveCount);
    expect(s.livePages + s.freePages).toBe(m.machine.zones[0].managedPages);
    expect(s.nrFree.reduce((sum, n, o) => sum + n * 2 ** o, 0)).toBe(s.freePages);
  });

  it("the invariant record names the violation, the zone and the counter", () => {
    const m = wasmMachine(oneZone("2.6.11", 1024, { minFreeKbytes: 0 }));
    const slot = m.machine.zones[0].slot;
    m.engineExports.zoneSetFreePages(slot, 1000);
    const message = `invariant violated: free page counter mismatch (zone slot ${slot}, page idx 0, detail 1024)`;
    expect(() => m.checkInvariants()).toThrow(message);
  });
});

/** Every global the engine declares (not only the exported ones): [valtype, mutable]. */
function declaredGlobals(b: Uint8Array): { mutable: boolean }[] {
  let p = 8; // magic and version
  const leb = (): number => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const byte = b[p++];
      v += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(byte & 0x80)) return v;
    }
  };
  const GLOBAL_SECTION = 6;
  while (p < b.length) {
    const id = b[p++];
    const size = leb();
    if (id !== GLOBAL_SECTION) {
      p += size;
      continue;
    }
    const out: { mutable: boolean }[] = [];
    for (let n = leb(), i = 0; i < n; i++) {
      p++; // valtype
      out.push({ mutable: b[p++] === 1 });
      p++; // the constant expression's one instruction (i32.const, i64.const, global.get), its operand, end
      leb();
      expect(b[p++]).toBe(0x0b);
    }
    return out;
  }
  return [];
}

describe("a machine is a copy of its memory", () => {
  const bytesByBuild: [EngineBuild, Uint8Array][] = [
    ["release", Buffer.from(WASM_RELEASE_BASE64, "base64")],
    ["debug", DEBUG_ENGINE_BYTES],
  ];
  it.each(bytesByBuild)("the %s engine declares no mutable global", (_build, bytes) => {
    const globals = declaredGlobals(bytes);
    expect(globals.length).toBeGreaterThan(100); // the exported constants at least
    expect(globals.filter((g) => g.mutable)).toEqual([]);
  });

  const spec: MachineSpec = {
    era: "6.18",
    maxOrder: 11,
    minFreeKbytes: 64,
    nodes: [
      {
        zones: [
          { type: "DMA", startPfn: 0, spannedPages: 4096 },
          { type: "Normal", startPfn: 4096, spannedPages: 12288 },
        ],
      },
      { zones: [{ type: "Normal", startPfn: 16384, spannedPages: 8192 }] },
    ],
  };
  const FLAGS = [
    AllocFlags.WMARK_LOW,
    AllocFlags.WMARK_MIN | AllocFlags.KSWAPD,
    AllocFlags.WMARK_LOW | AllocFlags.NOFRAGMENT,
  ];
  const MTS = [MigrateType.Unmovable, MigrateType.Movable, MigrateType.Reclaimable];

  /** A seeded mix of allocations (orders, types, nodes, flags) and frees; returns every result. */
  function churn(m: Machine, seed: number, ops: number, live: number[]): number[] {
    const next = xorshift32(seed);
    const out: number[] = [];
    for (let i = 0; i < ops; i++) {
      const r = next();
      if (r % 3 === 0 && live.length > 0) {
        const pfn = live.splice(next() % live.length, 1)[0];
        m.free(pfn);
        out.push(-2);
      } else {
        const req: AllocRequest = {
          order: next() % 6,
          migratetype: MTS[next() % 3],
          node: next() % 2,
          allocFlags: FLAGS[next() % 3],
          owner: 1 + (r % 4),
        };
        const pfn = m.alloc(req);
        out.push(pfn, m.lastZoneSlot());
        if (pfn >= 0) live.push(pfn);
      }
    }
    return out;
  }

  it.each(BUILDS)("%s: a fork has the same snapshot and answers every later operation the same way", (build) => {
    // A used instance with more memory than the machine needs goes back to the pool first, so the
    // fork lands on a dirty, larger instance: the copy must not depend on a fresh one.
    Machine.create(oneZone("6.18", 2 ** 17, { minFreeKbytes: 0 }), { build }).dispose();
    const origin = Machine.create(spec, { build });
    const live: number[] = [];
    churn(origin, 7, 3000, live);
    const twin = origin.fork();
    expect(twin.build).toBe(build);
    expect(twin.snapshot()).toEqual(origin.snapshot());
    expect(twin.allStats()).toEqual(origin.allStats());
    expect(twin.lastZoneSlot()).toBe(origin.lastZoneSlot());

    const liveTwin = [...live];
    expect(churn(twin, 99, 3000, liveTwin)).toEqual(churn(origin, 99, 3000, live));
    expect(twin.snapshot()).toEqual(origin.snapshot());
    expect(
      twin.batch([
        { op: "freeOwner", owner: 2 },
        { op: "alloc", req: { order: 3 } },
      ]),
    ).toEqual(
      origin.batch([
        { op: "freeOwner", owner: 2 },
        { op: "alloc", req: { order: 3 } },
      ]),
    );
    twin.checkInvariants();
    origin.checkInvariants();
  });

  it("a fork and its origin evolve independently afterwards", () => {
    const origin = Machine.create(spec, { build: "debug" });
    const before = origin.snapshot();
    const twin = origin.fork();
    for (let i = 0; i < 50; i++) twin.alloc({ order: 2, owner: 5 });
    twin.setWatermarks(twin.machine.zones[0].slot, { min: 1, low: 2, high: 3 });
    expect(origin.snapshot()).toEqual(before);
    expect(origin.ownerPages(5)).toBe(0);
    expect(twin.ownerPages(5)).toBe(200);
    expect(origin.machine.zones[0].watermarks).not.toEqual(twin.machine.zones[0].watermarks);
  });

  it("the churn continues identically on a fork (its state is in the machine header too)", () => {
    const origin = churnMachine(12, "debug");
    const engine = origin.engineExports;
    engine.churnInit(origin.machine.zones[0].slot, 0xdeadbeef, origin.engineAbi.MIGRATE_UNMOVABLE);
    engine.churnPrefill();
    engine.churnRun(10_000);
    const twin = origin.fork();
    engine.churnRun(20_000);
    twin.engineExports.churnRun(20_000);
    expect(churnChecksum(churnStats(twin))).toBe(churnChecksum(churnStats(origin)));
  });
});
