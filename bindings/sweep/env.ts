// What a cell runs on, built from its input: the engine's Machine alone (placement workloads, either
// era) or the 6.18 kernel model Kernel618 (reclaim, compaction, THP), with the cell's sysctls, config
// and THP settings as scenario/replay618.ts applies a scenario's. Every allocation the kernel model
// makes (__alloc_pages through Kernel618.allocFolio, page tables included) is counted per order.

import { Kernel618 } from "../linux-6.18/kernel.js";
import { checkSysctl } from "../include/linux/sysctl.js";
import { THP_DEFRAG, THP_ENABLED, type ThpDefrag, type ThpEnabled } from "../include/linux/huge_mm.js";
import type { Era, MachineSpec } from "../include/machine.js";
import { OomlabError } from "../errors.js";
import type { Recorder } from "./metrics.js";
import type { CellInput } from "./spec.js";
import type { Placement, PlacementPolicy } from "./policies/types.js";
import type { EnginePlacement } from "./policies/engine.js";

/** The cell's input: the sweep runner's contract, declared once in spec.ts (a type-only import, so a
 *  worker that loads the cell does not load the spec's schemas). */
export type { CellInput };

/** Sysctls that set the machine's watermarks (both environments read them). */
const MACHINE_SYSCTLS = ["min_free_kbytes", "watermark_scale_factor", "watermark_boost_factor"] as const;
/** Sysctls only the kernel model reads. */
const KERNEL_SYSCTLS = ["extfrag_threshold", "compaction_proactiveness", "defrag_mode", "swappiness"] as const;

/** The machine with the cell's era and watermark sysctls; a sysctl the environment does not read is
 *  refused rather than ignored (a sweep over it would otherwise compare identical runs). */
export function cellMachine(input: CellInput, kernel: boolean, era: Era = input.era): MachineSpec {
  const m: MachineSpec = { ...input.machine, era };
  for (const [name, value] of Object.entries(input.sysctl ?? {})) {
    const known = (MACHINE_SYSCTLS as readonly string[]).includes(name);
    const kernelOnly = (KERNEL_SYSCTLS as readonly string[]).includes(name);
    if (!known && !kernelOnly)
      throw new OomlabError(
        "OOMLAB_BAD_ARGUMENT",
        `sysctl ${name}: cells read ${[...MACHINE_SYSCTLS, ...KERNEL_SYSCTLS].join(", ")}`,
      );
    if (kernelOnly && !kernel)
      throw new OomlabError(
        "OOMLAB_BAD_ARGUMENT",
        `sysctl ${name} has no effect on workload ${input.workload.name}: it runs on the engine alone ` +
          "(no reclaim or compaction)",
      );
    if (era === "2.6.11" && name !== "min_free_kbytes")
      throw new OomlabError("OOMLAB_BAD_ARGUMENT", `sysctl ${name} does not exist in 2.6.11`);
    const v = checkSysctl(name, value) as number;
    if (name === "min_free_kbytes") m.minFreeKbytes = v;
    else if (name === "watermark_scale_factor") m.watermarkScaleFactor = v;
    else if (name === "watermark_boost_factor") m.watermarkBoostFactor = v;
  }
  return m;
}

/** The allocator of a placement cell under its placement policy, on the machine with the policy's
 *  era (config and THP settings do not apply: refused). */
export function buildPlacement(input: CellInput, policy: PlacementPolicy): Placement {
  if (input.config !== undefined || input.thp !== undefined)
    throw new OomlabError(
      "OOMLAB_BAD_ARGUMENT",
      `workload ${input.workload.name} runs on the allocator alone: config and thp settings have no effect`,
    );
  const era = policy.era ?? input.era;
  try {
    return policy.create(policy.machineSpec(cellMachine(input, false, era)));
  } catch (e) {
    // a machine or sysctl of the spec's era that the policy's era does not have: say why
    if (e instanceof OomlabError && era !== input.era)
      throw new OomlabError(e.code, `policy.placement ${policy.name} runs the machine as era ${era}: ${e.message}`);
    throw e;
  }
}

/** The kernel model of a cell, without swap and without recorded events (as in a sweep), on the
 *  machine the placement policy describes (policy.kernelModel: an engine buddy policy of 6.1 or 6.18).
 *  Era 6.1 runs the model with 6.1's profile (linux-6.18/mm/profile.ts), as `lab predict --era 6.1`. */
export function buildKernel(input: CellInput, policy: PlacementPolicy): Kernel618 {
  const era = policy.era ?? input.era;
  if (era === "2.6.11")
    throw new OomlabError(
      "OOMLAB_BAD_ARGUMENT",
      `workload ${input.workload.name} runs on the kernel model of 6.1 and 6.18 (reclaim, compaction, THP): ` +
        `era ${era} has none`,
    );
  const s = input.sysctl ?? {};
  const enabled = input.thp?.enabled;
  const defrag = input.thp?.defrag;
  if (enabled !== undefined && !(THP_ENABLED as readonly string[]).includes(enabled))
    throw new OomlabError("OOMLAB_BAD_ARGUMENT", `thp.enabled ${enabled} is not one of ${THP_ENABLED.join(", ")}`);
  if (defrag !== undefined && !(THP_DEFRAG as readonly string[]).includes(defrag))
    throw new OomlabError("OOMLAB_BAD_ARGUMENT", `thp.defrag ${defrag} is not one of ${THP_DEFRAG.join(", ")}`);
  const compaction = input.config?.COMPACTION;
  if (compaction !== undefined && typeof compaction !== "boolean")
    throw new OomlabError("OOMLAB_BAD_ARGUMENT", "config.COMPACTION must be true or false");
  const spec = policy.machineSpec(cellMachine(input, true, era));
  return new Kernel618(spec, {
    swappiness: s.swappiness,
    defragMode: s.defrag_mode === 1,
    configCompaction: compaction,
    extfragThreshold: s.extfrag_threshold,
    compactionProactiveness: s.compaction_proactiveness,
    thpEnabled: enabled as ThpEnabled | undefined,
    thpDefrag: defrag as ThpDefrag | undefined,
    recordEvents: false,
  });
}

/** Counts every allocation of the kernel model in rec, with the simulated time it took:
 *  Kernel618.allocFolio is the one way in. */
export function recordKernel(k: Kernel618, rec: Recorder, placement: EnginePlacement): void {
  const inner = k.allocFolio.bind(k);
  k.allocFolio = (gfp: number, order: number, owner: number, kind: number, flags = 0): number => {
    const t0 = k.clock.nowMs;
    const pfn = inner(gfp, order, owner, kind, flags);
    rec.latency(order, k.clock.nowMs - t0);
    if (pfn >= 0) placement.checkFallback(pfn);
    rec.alloc(order, pfn >= 0);
    return pfn;
  };
}

/** The sampling interval of a cell (0: no series). */
export function sampleEvery(input: CellInput): number {
  const k = input.sampleEvery ?? 0;
  if (!Number.isInteger(k) || k < 0)
    throw new OomlabError("OOMLAB_BAD_ARGUMENT", `sampleEvery ${String(k)} must be a non-negative integer`);
  return k;
}
