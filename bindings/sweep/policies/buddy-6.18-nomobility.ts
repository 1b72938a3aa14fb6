// buddy-6.18-nomobility: 6.18's allocator with grouping by mobility off, as the kernel runs on a
// machine below pageblock_nr_pages * MIGRATE_TYPES pages (mm/page_alloc.c build_all_zonelists, 6.18:
// page_group_by_mobility_disabled = 1), forced here on any machine (machine.mobilityGrouping: false).
// Then gfp_migratetype (include/linux/gfp.h) gives MIGRATE_UNMOVABLE for every request,
// set_pageblock_migratetype turns every PCP type into MIGRATE_UNMOVABLE, and should_try_claim_block /
// try_to_claim_block claim the whole pageblock on every fallback (mm/page_alloc.c, 6.18): the boot's
// MIGRATE_MOVABLE pageblocks become UNMOVABLE one fallback at a time. The engine implements all of it
// (assembly/page_alloc.ts getPageFromFreelist, tryToClaimBlock; assembly/mmzone.ts setPageblockMt).

import type { PlacementPolicy } from "./types.js";
import { EnginePlacement } from "./engine.js";

export const buddy618NoMobility: PlacementPolicy = {
  name: "buddy-6.18-nomobility",
  summary:
    "6.18's buddy allocator with page_group_by_mobility_disabled (every request unmovable, every fallback claims)",
  era: "6.18",
  engine: true,
  kernelModel: true,
  machineSpec: (spec) => ({ ...spec, era: "6.18", mobilityGrouping: false }),
  create: (spec) => EnginePlacement.create("buddy-6.18-nomobility", spec),
};
