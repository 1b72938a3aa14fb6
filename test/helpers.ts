// Shared test helpers: engine factories for both implementations and a seeded PRNG.

import { readFileSync } from "node:fs";
import { initSync } from "../bindings/engine/wasm.js";
import { Machine } from "../bindings/engine/machine.js";
import { resolveMachine } from "../bindings/mm/mm_init.js";
import { RefMachine } from "../reference/model.js";
import type { BuddyEngine, Era, MachineSpec } from "../bindings/include/machine.js";
import type { CliIo } from "../bindings/cli/main.js";

/** The debug engine (assertions on), which the package does not ship: `npm run build:wasm` writes it
 *  beside the release engine, and tests pass its bytes to initSync. */
export const DEBUG_ENGINE_BYTES = readFileSync(new URL("../build/oomlab.debug.wasm", import.meta.url));

initSync({ build: "debug", bytes: DEBUG_ENGINE_BYTES, makeDefault: false });
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
export function oneZone(
  era: Era,
  pages: number,
  extra: Partial<MachineSpec> = {},
  zone: Record<string, unknown> = {},
): MachineSpec {
  return {
    era,
    maxOrder: 11,
    ...extra,
    nodes: [{ zones: [{ type: "Normal", startPfn: 0, spannedPages: pages, ...zone }] }],
  } as MachineSpec;
}

/** The checksum the churn benchmark's definition publishes for its default run (seed 0x12345678,
 *  L = 20, 10,000,000 operations): the expected value, written here rather than read from the code. */
export const PUBLISHED_CHURN_CHECKSUM =
  "sum=1327924465510;hash=529020669;alloc=5068664;free=5000129;fail=0;capfree=0;noop=0;live=68535;" +
  "live_pages=484398;free_pages=564178;nr_free=188,311,68,141,11,8,2,4,1,35,530";

/** A CLI io that keeps stdout and stderr in memory and reads files from a table. */
export function memoryIo(files: Record<string, string> = {}): CliIo & { stdout: string; stderr: string } {
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
      if (!(p in files)) throw Object.assign(new Error(`cannot read ${p}`), { code: "OOMLAB_USAGE" });
      return files[p];
    },
  };
  return o;
}
