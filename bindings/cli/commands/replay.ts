// `oomlab replay [SCENARIO]`: replay a 2.6.11 scenario (scenario/replay.ts) or a 6.18 one
// (scenario/replay618.ts, chosen by machine.era) and print the simulated
// kernel log, the trace story (--trace), the events (--json) or the policy comparison (--compare).

import { maxInputBytes, type ParsedArgs } from "../args.js";
import { readJson, SCENARIO_PREFIX, type CliIo } from "../io.js";
import { compare, replay } from "../../scenario/replay.js";
import { setScenarioValue } from "../../scenario/set.js";
import { formatCompare } from "../../render/compare.js";
import { replaySummary, replaySummary618 } from "../../render/replay.js";
import { replay618 } from "../../scenario/replay618.js";
import { isScenario618 } from "../../scenario/schema618.js";
import { OomlabError } from "../../errors.js";
import type { KmemPolicy } from "../../linux-2.6.11/fs/xfs/kmem.js";

/** Request sizes (KiB) the comparison replays: below, at and above XFS's MAX_SLAB_SIZE. */
const COMPARE_SIZES_KB = [64, 96, 128, 256];

export async function run(args: ParsedArgs, io: CliIo): Promise<void> {
  const o = args.options;
  const name = args.positionals[0] ?? "seed";
  const shipped = /^[a-z0-9-]+$/.test(name);
  const scenario = await readJson(io, shipped ? `${SCENARIO_PREFIX}${name}` : name, name, maxInputBytes(args));
  for (const edit of (o.set as string[] | undefined) ?? []) setScenarioValue(scenario, edit);
  if (isScenario618(scenario)) {
    if (o.compare || o.size !== undefined)
      throw new OomlabError("OOMLAB_USAGE", "--compare and --size replay XFS kmem_alloc: 2.6.11 scenarios only");
    const r = replay618(scenario, { events: o.json === true || o.trace === true });
    if (o.trace && !o.json) {
      const { formatTrace618 } = await import("../../render/trace.js");
      io.out(formatTrace618(r));
      return;
    }
    if (o.json) {
      io.out(JSON.stringify(r) + "\n");
      return;
    }
    io.out(r.lines.join("\n") + "\n");
    io.err(replaySummary618(r));
    return;
  }
  const bounds = { maxRetries: o["max-retries"] as number, maxSimMs: o["max-sim-ms"] as number };
  if (o.compare) {
    const rows = compare(scenario, COMPARE_SIZES_KB, bounds);
    io.out(o.json ? JSON.stringify(rows) + "\n" : formatCompare(rows));
    return;
  }
  const events = o.json === true || o.trace === true;
  const r = replay(scenario, { ...bounds, policy: o.policy as KmemPolicy, size: o.size as number | undefined, events });
  if (o.trace && !o.json) {
    const { formatTrace } = await import("../../render/trace.js");
    io.out(formatTrace(r));
    return;
  }
  if (o.json) {
    io.out(JSON.stringify(r) + "\n");
    return;
  }
  io.out(r.lines.join("\n") + "\n");
  io.err(replaySummary(r));
}
