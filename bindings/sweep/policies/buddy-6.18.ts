// buddy-6.18: Linux 6.18's page allocator (mm/page_alloc.c 6.18: free lists per migratetype,
// __rmqueue_claim / __rmqueue_steal with try_to_claim_block, watermark boosting, highatomic reserves,
// __zone_watermark_ok), the engine's 6.18 rules, with grouping by mobility as the kernel decides it
// (build_all_zonelists: off only below pageblock_nr_pages * MIGRATE_TYPES pages).

import type { PlacementPolicy } from "./types.js";
import { EnginePlacement } from "./engine.js";

export const buddy618: PlacementPolicy = {
  name: "buddy-6.18",
  summary: "Linux 6.18's buddy allocator (mm/page_alloc.c 6.18): free lists per migratetype, claim and steal",
  era: "6.18",
  engine: true,
  kernelModel: true,
  machineSpec: (spec) => ({ ...spec, era: "6.18" }),
  create: (spec) => EnginePlacement.create("buddy-6.18", spec),
};
