// buddy-6.1: Linux 6.1's page allocator, the engine's 6.1 rules (ERA_6_1, as `lab predict --era 6.1` runs
// them): __rmqueue_fallback with steal_suitable_fallback (mm/page_alloc.c, 6.1.141), a watermark boost on
// every steal, 6.1's highatomic reserve and unreserve, and __zone_watermark_ok with the highatomic term.
// Kernel workloads run it on the kernel model with 6.1's profile (bindings/linux-6.18/mm/profile.ts:
// gfp_to_alloc_flags, compaction_suitable, no vm.defrag_mode); reclaim and the compaction pass are 6.18's.

import type { PlacementPolicy } from "./types.js";
import { EnginePlacement } from "./engine.js";

export const buddy61: PlacementPolicy = {
  name: "buddy-6.1",
  summary: "Linux 6.1's buddy allocator (mm/page_alloc.c 6.1.141): __rmqueue_fallback, steal_suitable_fallback",
  era: "6.1",
  engine: true,
  kernelModel: true,
  machineSpec: (spec) => ({ ...spec, era: "6.1" }),
  create: (spec) => EnginePlacement.create("buddy-6.1", spec),
};
