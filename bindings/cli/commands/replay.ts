// `oomlab replay [SCENARIO]`: replay a 2.6.11 scenario (scenario/replay.ts) or a 6.18 one
// (scenario/replay618.ts, chosen by machine.era) and print the simulated
// kernel log, the trace story (--trace), the events (--json) or the policy comparison (--compare).

import { maxInputBytes, type ParsedArgs } from "../args.js";
import { readJson, SCENARIO_PREFIX, type CliIo } from "../io.js";
import { compare, POLICIES, replay } from "../../scenario/replay.js";
import { setScenarioValue } from "../../scenario/set.js";
import { formatCompare } from "../../render/compare.js";
import { replaySummary, replaySummary618 } from "../../render/replay.js";
import { replay618 } from "../../scenario/replay618.js";
import { compare618 } from "../../scenario/compare618.js";
import { isScenario618, KMEM_POLICIES_618 } from "../../scenario/schema618.js";
import { OomlabError } from "../../errors.js";
import type { KmemPolicy } from "../../linux-2.6.11/fs/xfs/kmem.js";
import type { KmemCallerPolicy } from "../../sim/xfs_kmem.js";

/** Request sizes (KiB) the comparison replays: below, at and above XFS's MAX_SLAB_SIZE. */
const COMPARE_SIZES_KB = [64, 96, 128, 256];

export async function run(args: ParsedArgs, io: CliIo): Promise<void> {
  const o = args.options;
  const name = args.positionals[0] ?? "seed";
  const shipped = /^[a-z0-9-]+$/.test(name);
  const scenario = await readJson(io, shipped ? `${SCENARIO_PREFIX}${name}` : name, name, maxInputBytes(args));
  for (const edit of (o.set as string[] | undefined) ?? []) setScenarioValue(scenario, edit);
  const policy = o.policy as string | undefined;
  const bounds = { maxRetries: o["max-retries"] as number, maxSimMs: o["max-sim-ms"] as number };
  if (isScenario618(scenario)) {
    if (policy !== undefined && !(KMEM_POLICIES_618 as readonly string[]).includes(policy))
      throw new OomlabError("OOMLAB_USAGE", `--policy ${policy}: a 6.18 replay takes ${KMEM_POLICIES_618.join(", ")}`);
    if (o.compare) {
      if (policy !== undefined || o.size !== undefined)
        throw new OomlabError("OOMLAB_USAGE", "--compare replays every policy and size: no --policy or --size");
      const rows = compare618(scenario, COMPARE_SIZES_KB, bounds);
      io.out(o.json ? JSON.stringify(rows) + "\n" : formatCompare(rows));
      return;
    }
    if (o.size !== undefined) setKmemSize618(scenario, o.size as number);
    const r = replay618(scenario, {
      ...bounds,
      policy: policy as KmemCallerPolicy | undefined,
      events: o.json === true || o.trace === true,
    });
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
  if (policy !== undefined && !(POLICIES as readonly string[]).includes(policy))
    throw new OomlabError("OOMLAB_USAGE", `--policy ${policy}: a 2.6.11 replay takes ${POLICIES.join(", ")}`);
  if (o.compare) {
    const rows = compare(scenario, COMPARE_SIZES_KB, bounds);
    io.out(o.json ? JSON.stringify(rows) + "\n" : formatCompare(rows));
    return;
  }
  const events = o.json === true || o.trace === true;
  const r = replay(scenario, {
    ...bounds,
    policy: (policy ?? "pre-bdfb04301fa5") as KmemPolicy,
    size: o.size as number | undefined,
    events,
  });
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

/** --size on a 6.18 scenario: every kmem_alloc event asks for size bytes. */
function setKmemSize618(scenario: unknown, size: number): void {
  const events = (scenario as { events?: unknown }).events;
  const kmem = Array.isArray(events)
    ? events.filter((e): e is { size: number } => (e as { do?: unknown } | null)?.do === "kmem_alloc")
    : [];
  if (kmem.length === 0) throw new OomlabError("OOMLAB_USAGE", "--size sets kmem_alloc's size: this scenario has none");
  for (const e of kmem) e.size = size;
}
