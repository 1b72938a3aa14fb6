// buddy-2.6.11: Linux 2.6.11's page allocator (mm/page_alloc.c 2.6.11: __rmqueue from one free list
// per order, no migratetypes, zone_watermark_ok), the engine's 2.6.11 rules. The machine runs as
// era 2.6.11 whatever its description says (its watermark formulas, no watermark_scale_factor).

import type { PlacementPolicy } from "./types.js";
import { EnginePlacement } from "./engine.js";

export const buddy2611: PlacementPolicy = {
  name: "buddy-2.6.11",
  summary: "Linux 2.6.11's buddy allocator (mm/page_alloc.c 2.6.11): one free list per order, no grouping by mobility",
  era: "2.6.11",
  engine: true,
  kernelModel: false,
  machineSpec: (spec) => ({ ...spec, era: "2.6.11" }),
  create: (spec) => EnginePlacement.create("buddy-2.6.11", spec),
};
