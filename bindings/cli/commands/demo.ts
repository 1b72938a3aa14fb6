// `oomlab demo`: the engine on its own. The churn benchmark (docs/churn-benchmark.md) on the WASM engine
// with its checksum, then a 6 GiB x86-64 machine of Linux 6.18 driven by a seeded mixed workload
// through the batch API (engine/mixed.ts), with its zones, /proc/buddyinfo and /proc/pagetypeinfo.

import type { ParsedArgs } from "../args.js";
import type { CliIo } from "../io.js";
import { CHURN_DEFAULTS, runChurn } from "../../engine/churn.js";
import { Machine } from "../../engine/machine.js";
import { runMixed } from "../../engine/mixed.js";
import { buddyinfo, pagetypeinfo } from "../../mm/vmstat.js";
import { renderDemo } from "../../render/demo.js";
import type { MachineSpec } from "../../include/machine.js";

/** docs/churn-benchmark.md's published checksum for L = 20, 10,000,000 operations, seed 0x12345678. */
export const REFERENCE_CHURN_CHECKSUM =
  "sum=1327924465510;hash=529020669;alloc=5068664;free=5000129;fail=0;capfree=0;noop=0;live=68535;live_pages=484398;free_pages=564178;nr_free=188,311,68,141,11,8,2,4,1,35,530";

/** A 6 GiB x86-64 box of 6.18: DMA below 16 MiB, DMA32 to 2 GiB, a PCI hole, Normal above 4 GiB. */
export const X86_64_6GB: MachineSpec = {
  era: "6.18",
  nodes: [
    {
      zones: [
        { type: "DMA", startPfn: 1, spannedPages: 4095, presentPages: 3998, managedPages: 3840 },
        { type: "DMA32", startPfn: 4096, spannedPages: 520192, presentPages: 520192, managedPages: 508000 },
        { type: "Normal", startPfn: 1048576, spannedPages: 1048576, presentPages: 1048576, managedPages: 1030000 },
      ],
    },
  ],
};

/** Operations of the mixed workload, and its seed. */
const MIXED_OPS = 400_000;
const MIXED_SEED = 7;

export async function run(args: ParsedArgs, io: CliIo): Promise<void> {
  const ops = args.options.ops as number;
  const churn = runChurn({ ops });
  const matchesReference = ops === CHURN_DEFAULTS.ops ? churn.checksum === REFERENCE_CHURN_CHECKSUM : null;
  const m = Machine.create(X86_64_6GB);
  try {
    const t0 = performance.now();
    const mixed = runMixed(m, MIXED_OPS, MIXED_SEED);
    const ms = performance.now() - t0;
    const zones = m.allStats();
    if (args.options.json) {
      io.out(JSON.stringify({ churn: { ...churn, matchesReference }, mixed: { ...mixed, ms, zones } }) + "\n");
      return;
    }
    const machine = { machine: m.machine, zones, buddyinfo: buddyinfo(m), pagetypeinfo: pagetypeinfo(m) };
    io.out(renderDemo({ churn, matchesReference, mixed: { ...mixed, ms }, machine }));
  } finally {
    m.dispose();
  }
}
