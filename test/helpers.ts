// Shared test helpers: engine factories for both implementations and a seeded PRNG.

import { initSync } from "../bindings/engine/wasm.js";
import { Machine } from "../bindings/engine/machine.js";
import { resolveMachine } from "../bindings/mm/mm_init.js";
import { RefMachine } from "../reference/model.js";
import type { BuddyEngine, MachineSpec } from "../bindings/include/machine.js";

initSync({ build: "debug", makeDefault: false });
initSync({ build: "release", makeDefault: false });

/** The WASM engine on its debug build (assertions on). */
export function wasmMachine(spec: MachineSpec): Machine {
  return Machine.create(spec, { build: "debug" });
}

/** One suite factory per engine variant: the same cases run against both. */
export const ENGINES: { name: string; make(spec: MachineSpec): BuddyEngine }[] = [
  { name: "wasm", make: (spec) => wasmMachine(spec) },
  { name: "reference", make: (spec) => new RefMachine(resolveMachine(spec)) },
];

export { xorshift32 } from "../bindings/engine/churn.js";

/** A single-zone machine. */
export function oneZone(era: "2.6.11" | "6.18", pages: number, extra: Partial<MachineSpec> = {}, zone: Record<string, unknown> = {}): MachineSpec {
  return { era, maxOrder: 11, ...extra, nodes: [{ zones: [{ type: "Normal", startPfn: 0, spannedPages: pages, ...zone }] }] } as MachineSpec;
}
