// The policy registry (docs/policies.md). A cell chooses `policy.placement` (the page-frame allocator;
// default from the machine's era: buddy-2.6.11, buddy-6.1 or buddy-6.18) and, for the caller workloads,
// `policy.caller`. To add a placement policy: write one module exporting a PlacementPolicy (types.ts)
// whose create() returns a Placement, and list it in PLACEMENT_POLICIES below; nothing else changes.

import { OomlabError } from "../../errors.js";
import type { Era } from "../../include/machine.js";
import type { PlacementPolicy } from "./types.js";
import { buddy2611 } from "./buddy-2.6.11.js";
import { buddy61 } from "./buddy-6.1.js";
import { buddy618 } from "./buddy-6.18.js";
import { buddy618NoMobility } from "./buddy-6.18-nomobility.js";
import { llfree } from "./llfree.js";
import { CALLER_POLICIES, CALLER_POLICY_NAMES } from "./callers.js";

export type { Placement, PlacementPolicy, WatermarkName, BlockVisitor } from "./types.js";
export { WATERMARKS } from "./types.js";
export { CALLER_POLICIES, CALLER_POLICY_NAMES };

/** Every placement policy, by name. */
export const PLACEMENT_POLICIES: readonly PlacementPolicy[] = [
  buddy2611,
  buddy61,
  buddy618,
  buddy618NoMobility,
  llfree,
];
export const PLACEMENT_POLICY_NAMES: readonly string[] = PLACEMENT_POLICIES.map((p) => p.name);

/** A policy a workload cannot run on (or an unknown one): names the policy and the workload. */
export class PolicyError extends OomlabError {
  constructor(
    readonly policy: string,
    readonly workload: string,
    message: string,
  ) {
    super("OOMLAB_BAD_SPEC", message);
    this.name = "PolicyError";
  }
}

/** The placement policy a machine of an era runs by default. */
export function defaultPlacement(era: Era): string {
  return era === "2.6.11" ? "buddy-2.6.11" : era === "6.1" ? "buddy-6.1" : "buddy-6.18";
}

/** The named placement policy, checked against the workload: one that runs on the kernel model
 *  needs a policy the kernel model runs on. */
export function placementPolicy(name: unknown, workload: string, runsOn: "machine" | "kernel"): PlacementPolicy {
  const p = PLACEMENT_POLICIES.find((x) => x.name === name);
  if (!p)
    throw new PolicyError(
      String(name),
      workload,
      `policy.placement ${JSON.stringify(name)} is not one of ${PLACEMENT_POLICY_NAMES.join(", ")}`,
    );
  if (runsOn === "kernel" && !p.kernelModel)
    throw new PolicyError(
      p.name,
      workload,
      `policy.placement ${p.name} cannot run workload ${workload}: it runs on the kernel model of ` +
        `6.1 and 6.18 (reclaim, compaction, OOM), which runs on ${PLACEMENT_POLICIES.filter((x) => x.kernelModel)
          .map((x) => x.name)
          .join(", ")}`,
    );
  return p;
}

/** The caller policy of a caller workload (undefined elsewhere: refused when given). */
export function callerPolicy(name: unknown, workload: string, takesCaller: boolean): string | undefined {
  if (!takesCaller) {
    if (name !== undefined)
      throw new PolicyError(
        String(name),
        workload,
        `policy.caller ${JSON.stringify(name)} has no effect on workload ${workload}: it makes no kernel ` +
          "buffer requests (kernel-buffers does)",
      );
    return undefined;
  }
  const n = name ?? "kmalloc";
  if (!CALLER_POLICY_NAMES.includes(n as string))
    throw new PolicyError(
      String(n),
      workload,
      `policy.caller ${JSON.stringify(n)} is not one of ${CALLER_POLICY_NAMES.join(", ")}`,
    );
  return n as string;
}
