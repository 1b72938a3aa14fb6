// `oomlab machine FILE.json`: build a machine from a description (include/machine.ts MachineSpec) and
// print its zones with watermarks and reserves, /proc/buddyinfo and /proc/pagetypeinfo.

import { maxInputBytes, type ParsedArgs } from "../args.js";
import { readJson, type CliIo } from "../io.js";
import { Machine } from "../../engine/machine.js";
import { eraProfile } from "../../kernel/releases.js";
import { buddyinfo, pagetypeinfo } from "../../mm/vmstat.js";
import { renderMachine } from "../../render/machine.js";
import type { MachineSpec } from "../../include/machine.js";

export async function run(args: ParsedArgs, io: CliIo): Promise<void> {
  const path = args.positionals[0];
  const spec = (await readJson(io, path, path, maxInputBytes(args))) as MachineSpec;
  const m = Machine.create(spec);
  try {
    if (args.options.json) {
      io.out(JSON.stringify({ machine: m.machine, zones: m.allStats() }) + "\n");
      return;
    }
    const hasPagetypeinfo = eraProfile(m.machine.era).hasMigratetypes;
    io.out(
      renderMachine({
        machine: m.machine,
        zones: m.allStats(),
        buddyinfo: buddyinfo(m),
        pagetypeinfo: hasPagetypeinfo ? pagetypeinfo(m) : null,
      }),
    );
  } finally {
    m.dispose();
  }
}
