// page-cache: mmtests' thpchallenge-fio on the 6.18 kernel model: fio reads (and with writePercent
// writes) files of fileKb until cachePercent of memory has passed through the page cache (150%:
// kswapd and direct reclaim must evict it), while a process faults transparent huge pages, one
// every thpEvery files (in an MADV_HUGEPAGE mapping unless thpMadvise is false, so with the default
// defrag=madvise the fault may reclaim and compact); it exits after mapping thpExitPercent of memory
// and the next one starts. Simulated time runs 1 ms per 256 KiB read (about 1 GB/s): writeback
// completes and kcompactd's proactive timer fires. Reclaim and compaction as Kernel618 does them.

import { ThpUsers } from "../thp_users.js";
import { round3 } from "../metrics.js";
import { defineWorkload } from "./types.js";
import { managedPages } from "./churn.js";

export interface PageCacheParams {
  cachePercent: number;
  fileKb: number;
  thpEvery: number;
  thpMadvise: boolean;
  thpExitPercent: number;
  writePercent: number;
}

export const pageCache = defineWorkload<PageCacheParams>({
  name: "page-cache",
  runsOn: "kernel",
  parse(p, m) {
    const fileKb = p.int("fileKb", 64, m.pageSize / 1024, 1024 * 1024);
    if ((fileKb * 1024) % m.pageSize !== 0)
      throw p.error("fileKb", `must be a multiple of the page size (${m.pageSize / 1024} KiB)`);
    return {
      cachePercent: p.int("cachePercent", 150, 1, 10_000),
      fileKb,
      thpEvery: p.int("thpEvery", 16, 0, 1_000_000),
      thpMadvise: p.bool("thpMadvise", true),
      thpExitPercent: p.int("thpExitPercent", 25, 1, 100),
      writePercent: p.int("writePercent", 0, 0, 100),
    };
  },
  run({ kernel, rec, rng }, p) {
    const k = kernel as NonNullable<typeof kernel>;
    const n = managedPages(k.machine);
    const pagesPerFile = (p.fileKb * 1024) / k.pageSize;
    const files = Math.ceil(Math.floor((n * p.cachePercent) / 100) / pagesPerFile);
    const users = new ThpUsers(k, rec, 1, Math.floor((n * p.thpExitPercent) / 100), p.thpMadvise);
    const msEvery = Math.max(1, Math.floor(256 / p.fileKb));
    let thpFaults = 0;
    let thpOk = 0;
    let readPages = 0;
    let writtenFiles = 0;
    // phases: the cache filling memory (the first 100% of N read), then reclaim replacing it
    rec.phase("fill");
    const fillFiles = Math.ceil(n / pagesPerFile);
    for (let f = 0; f < files && !k.panicked; f++) {
      if (f === fillFiles) rec.phase("reclaim");
      const dirty = p.writePercent > 0 && rng() % 100 < p.writePercent;
      if (dirty) writtenFiles++;
      readPages += k.readFile(pagesPerFile, { dirty });
      if (p.thpEvery > 0 && f % p.thpEvery === p.thpEvery - 1) {
        thpFaults++;
        if (users.fault(thpFaults)) thpOk++;
      }
      if (f % msEvery === msEvery - 1) k.schedule(1);
    }
    const metrics: Record<string, number> = {
      files,
      file_pages_read: readPages,
      files_written: writtenFiles,
      thp_faults: thpFaults,
      thp_user_exits: users.exits,
    };
    if (thpFaults > 0) metrics.thp_success_pct = round3((thpOk * 100) / thpFaults);
    return { metrics };
  },
});
