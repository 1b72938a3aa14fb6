// The two engine builds: only the release engine is embedded (and shipped in the package); the debug
// engine (assertions on) is for tests, which pass its bytes. Each case loads bindings/engine/wasm.ts
// afresh, so no debug engine compiled by another test (test/helpers.ts) is in its module state.

import { describe, expect, it, vi } from "vitest";
import type * as Wasm from "../../bindings/engine/wasm.js";
import type * as MachineModule from "../../bindings/engine/machine.js";
import type { OomlabError } from "../../bindings/errors.js";
import { DEBUG_ENGINE_BYTES, oneZone } from "../helpers.js";

const NOT_SHIPPED = "the debug engine is not shipped";
const SPEC = oneZone("2.6.11", 1024, { minFreeKbytes: 0 });

async function fresh(): Promise<{ wasm: typeof Wasm; Machine: typeof MachineModule.Machine }> {
  vi.resetModules();
  const wasm = await import("../../bindings/engine/wasm.js");
  const { Machine } = await import("../../bindings/engine/machine.js");
  return { wasm, Machine };
}

/** The OomlabError f throws (sync or async), or null. */
async function errorOf(f: () => unknown): Promise<{ code: string; message: string } | null> {
  try {
    await f();
  } catch (e) {
    // A module loaded afresh has its own OomlabError class: compare by name and code.
    const err = e as OomlabError;
    return err.name === "OomlabError" ? { code: err.code, message: err.message } : null;
  }
  return null;
}

describe("only the release engine is embedded", () => {
  it("the release engine loads without bytes", async () => {
    const { wasm, Machine } = await fresh();
    wasm.initSync();
    const m = Machine.create(SPEC);
    expect(m.build).toBe("release");
    expect(m.alloc({ order: 3 })).toBe(0);
  });

  it("initSync, init and Machine.create of the debug build without its bytes say it is not shipped", async () => {
    const { wasm, Machine } = await fresh();
    const expected = { code: "OOMLAB_WASM", message: expect.stringContaining(NOT_SHIPPED) };
    expect(await errorOf(() => wasm.initSync({ build: "debug" }))).toEqual(expected);
    expect(await errorOf(() => wasm.init({ build: "debug" }))).toEqual(expected);
    expect(await errorOf(() => Machine.create(SPEC, { build: "debug" }))).toEqual(expected);
    expect((await errorOf(() => wasm.initSync({ build: "debug" })))?.message).toContain(
      'initSync({ build: "debug", bytes })',
    );
  });

  it("the debug build runs from its bytes, with its assertions", async () => {
    const { wasm, Machine } = await fresh();
    wasm.initSync({ build: "debug", bytes: DEBUG_ENGINE_BYTES, makeDefault: false });
    const m = Machine.create(SPEC, { build: "debug" });
    expect(m.build).toBe("debug");
    const slot = m.machine.zones[0].slot;
    m.engineExports.zoneSetFreePages(slot, 1000);
    expect(() => m.checkInvariants()).toThrow("free page counter mismatch");
    // The default build is still the release engine.
    expect(Machine.create(SPEC).build).toBe("release");
  });

  it("init of the debug build from its bytes, asynchronously", async () => {
    const { wasm, Machine } = await fresh();
    await wasm.init({ build: "debug", bytes: DEBUG_ENGINE_BYTES });
    expect(Machine.create(SPEC).build).toBe("debug");
  });
});
