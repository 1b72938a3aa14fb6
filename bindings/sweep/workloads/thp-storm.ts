// thp-storm: many processes fault transparent huge pages at once into fragmented memory. Page cache
// is read to cachePercent of memory, then every truncateStride-th cache page (in pfn order) is
// truncated, leaving free memory scattered over nearly every pageblock (scenarios/thp-compaction.json
// does the same); then `faults` THP faults run round-robin over `tasks` processes, each exiting after
// mapping exitPercent of memory, with `filePagesBetween` page-cache reads after each fault. On the
// 6.18 kernel model: the faults compact (and reclaim) as thp.defrag allows.

import { ThpUsers } from "../thp_users.js";
import { round3 } from "../metrics.js";
import { defineWorkload } from "./types.js";
import { managedPages } from "./churn.js";

export interface ThpStormParams {
  cachePercent: number;
  truncateStride: number;
  faults: number;
  tasks: number;
  madvise: boolean;
  exitPercent: number;
  filePagesBetween: number;
}

export const thpStorm = defineWorkload<ThpStormParams>({
  name: "thp-storm",
  runsOn: "kernel",
  parse(p) {
    return {
      cachePercent: p.int("cachePercent", 80, 0, 100),
      truncateStride: p.int("truncateStride", 3, 0, 1_000_000),
      faults: p.int("faults", 512, 0, 10_000_000),
      tasks: p.int("tasks", 4, 1, 1024),
      madvise: p.bool("madvise", true),
      exitPercent: p.int("exitPercent", 10, 1, 100),
      filePagesBetween: p.int("filePagesBetween", 0, 0, 1_000_000),
    };
  },
  run({ kernel, rec }, p) {
    const k = kernel as NonNullable<typeof kernel>;
    const n = managedPages(k.machine);
    rec.phase("prefill");
    k.readFile(Math.floor((n * p.cachePercent) / 100));
    let truncated = 0;
    if (p.truncateStride > 0) {
      truncated = k.truncateFile(p.truncateStride);
      for (let i = 0; i < truncated; i++) rec.free();
    }
    const users = new ThpUsers(k, rec, p.tasks, Math.floor((n * p.exitPercent) / 100), p.madvise);
    let ok = 0;
    rec.phase("storm");
    for (let f = 0; f < p.faults && !k.panicked; f++) {
      if (users.fault(f)) ok++;
      if (p.filePagesBetween > 0) k.readFile(p.filePagesBetween);
      k.schedule(1);
    }
    const metrics: Record<string, number> = { truncated_pages: truncated, thp_user_exits: users.exits };
    if (p.faults > 0) metrics.thp_success_pct = round3((ok * 100) / p.faults);
    return { metrics };
  },
});
