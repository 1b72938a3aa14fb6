// pepper: unmovable allocations left one or two per pageblock. User (movable) allocations and
// unmovable ones alternate, userPages then perBlock, until fillPercent of memory is allocated; the
// user memory is then freed (the user exits) and the unmovable pages stay, peppered over memory;
// then `probes` requests of probeOrder (movable) measure what is left for huge pages. With grouping
// by mobility (6.18) the unmovable requests keep to unmovable pageblocks while any have room; 2.6.11
// has no grouping, so the pepper lands wherever the buddy allocator's lists put it. On the cell's
// placement policy (default: the engine's fast path of the era; docs/policies.md).

import { LiveSet } from "../live.js";
import { hugeOrder } from "../metrics.js";
import { MigrateType } from "../../include/linux/mmzone.js";
import { defineWorkload } from "./types.js";
import { WATERMARKS, allocBlock, managedPages, type WatermarkName } from "./churn.js";

export interface PepperParams {
  perBlock: number;
  userPages: number;
  fillPercent: number;
  probeOrder: number;
  probes: number;
  watermark: WatermarkName;
}

export const pepper = defineWorkload<PepperParams>({
  name: "pepper",
  runsOn: "machine",
  parse(p, m) {
    const perBlock = p.int("perBlock", 1, 1, 2 ** m.pageblockOrder - 1);
    return {
      perBlock,
      userPages: p.int("userPages", 2 ** m.pageblockOrder - perBlock, 1, 2 ** 24),
      fillPercent: p.int("fillPercent", 95, 1, 100),
      probeOrder: p.int("probeOrder", hugeOrder(m.pageSize, m.maxOrder), 0, m.maxOrder - 1),
      probes: p.int("probes", 64, 0, 1_000_000),
      watermark: p.oneOf("watermark", "low", WATERMARKS),
    };
  },
  run({ placement: m, rec }, p) {
    const user = new LiveSet();
    const kept = new LiveSet();
    const fill = Math.floor((managedPages(m) * p.fillPercent) / 100);
    const mov = MigrateType.Movable;
    const unmov = MigrateType.Unmovable;
    let full = false;
    rec.phase("pepper");
    while (!full && user.pages + kept.pages < fill) {
      for (let i = 0; i < p.userPages && !full; i++) {
        const pfn = allocBlock(m, rec, 0, mov, p.watermark);
        if (pfn < 0) full = true;
        else user.add(pfn, 0, mov);
        if (user.pages + kept.pages >= fill) full = true;
      }
      for (let i = 0; i < p.perBlock; i++) {
        const pfn = allocBlock(m, rec, 0, unmov, p.watermark);
        if (pfn < 0) {
          full = true;
          break;
        }
        kept.add(pfn, 0, unmov);
      }
    }
    const peppered = kept.count;
    while (user.count > 0) {
      m.free(user.removeAt(user.count - 1));
      rec.free();
    }
    let probeOk = 0;
    rec.phase("probe");
    for (let i = 0; i < p.probes; i++) {
      const pfn = allocBlock(m, rec, p.probeOrder, mov, p.watermark);
      if (pfn >= 0) {
        kept.add(pfn, p.probeOrder, mov);
        probeOk++;
      }
    }
    return {
      metrics: { pepper_unmovable_pages: peppered, pepper_probe_successes: probeOk },
      blocks: kept.forEach,
    };
  },
});
