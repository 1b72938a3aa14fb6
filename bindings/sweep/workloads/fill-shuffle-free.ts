// fill-shuffle-free: LLFree's fragmentation rounds (Wrenger et al., "LLFree", USENIX ATC 2023, the
// "frag" benchmark): fill memory with blocks of one order, shuffle the live blocks, free a share of
// them (half by default), and repeat; after each round the free huge blocks are counted against
// free pages / 512, the score LLFree plots. On the cell's placement policy (default: the engine's
// fast path of the era; docs/policies.md).

import { LiveSet } from "../live.js";
import { freeHugeBlocks, hugeOrder } from "../metrics.js";
import { MT_BY_KEY, MT_KEYS, defineWorkload } from "./types.js";
import { WATERMARKS, allocBlock, managedPages, type WatermarkName } from "./churn.js";

export interface FillShuffleFreeParams {
  rounds: number;
  order: number;
  migratetype: (typeof MT_KEYS)[number];
  fillPercent: number;
  freePercent: number;
  watermark: WatermarkName;
}

export const fillShuffleFree = defineWorkload<FillShuffleFreeParams>({
  name: "fill-shuffle-free",
  runsOn: "machine",
  parse(p, m) {
    return {
      rounds: p.int("rounds", 10, 1, 10_000),
      order: p.int("order", 0, 0, m.maxOrder - 1),
      migratetype: p.oneOf("migratetype", "movable", MT_KEYS),
      fillPercent: p.int("fillPercent", 100, 1, 100),
      freePercent: p.int("freePercent", 50, 1, 100),
      watermark: p.oneOf("watermark", "min", WATERMARKS),
    };
  },
  run({ placement: m, rec, rng }, p) {
    const mt = MT_BY_KEY[p.migratetype];
    const live = new LiveSet();
    const fill = Math.floor((managedPages(m) * p.fillPercent) / 100);
    const huge = hugeOrder(m.machine.pageSize, m.machine.maxOrder);
    const roundHuge: number[] = [];
    const roundIdeal: number[] = [];
    const roundFailed: number[] = [];
    for (let round = 0; round < p.rounds; round++) {
      rec.phase(`round${round}`);
      // fill: until the share of memory is live or a request fails
      let failed = 0;
      while (live.pages + 2 ** p.order <= fill) {
        const pfn = allocBlock(m, rec, p.order, mt, p.watermark);
        if (pfn < 0) {
          failed++;
          break;
        }
        live.add(pfn, p.order, mt);
      }
      roundFailed.push(failed);
      // shuffle (Fisher-Yates, from the top) and free the first freePercent of the live blocks
      for (let i = live.count - 1; i > 0; i--) live.swap(i, rng() % (i + 1));
      const frees = Math.floor((live.count * p.freePercent) / 100);
      for (let k = 0; k < frees; k++) {
        m.free(live.removeAt(live.count - 1));
        rec.free();
      }
      let hugeBlocks = 0;
      let free = 0;
      for (const z of m.machine.zones) {
        if (z.managedPages === 0) continue;
        const c = m.counters(z.slot);
        hugeBlocks += freeHugeBlocks(c.nrFree, huge);
        free += c.freePages;
      }
      roundHuge.push(hugeBlocks);
      roundIdeal.push(Math.floor(free / 2 ** huge));
    }
    return {
      metrics: {
        "rounds.free_huge_blocks": roundHuge,
        "rounds.free_huge_ideal": roundIdeal,
        "rounds.fill_failed": roundFailed,
      },
      blocks: live.forEach,
    };
  },
});
