// kernel-buffers: a stream of large kernel buffer requests (sizeKb, 64 .. 256 KiB in the example
// sweep) made through the cell's caller policy (policy.caller: kmalloc, kvmalloc, or XFS kmem_alloc
// before or after bdfb04301fa5; docs/policies.md) on the 6.18 kernel model, over a fragmenting
// background. The policies are scenario/kmem618.ts's (Callers618 over 6.18's SLUB and vmalloc,
// KmemPolicyRunner of sim/xfs_kmem.ts), as `oomlab replay kvmalloc-618 --compare` runs them.
//
// Background "pepper" (the kvmalloc-618 scenario's, over any machine): a user process maps
// anonPercent of memory (anonymous, movable: the OOM killer's victim), then unmovable kernel pages
// (GFP_KERNEL | __GFP_MEMALLOC, order 0: past the watermarks, as a PF_MEMALLOC context may) take every
// free page and all but one in every keepEvery are freed in pfn order: with keepEvery 32 one
// unmovable page sits in every aligned 32-page block of the memory that was free, so nothing above
// order 4 (64 KiB) is free there and nothing can be reclaimed from it (compaction may still move the
// anonymous pages).
// Background "page-cache": the user process, then page cache read until memory is full and one page
// in two truncated: as fragmented, but reclaim and compaction can undo it.
//
// Requests: `requests` buffers of sizeKb with KM_SLEEP (or KM_MAYFAIL), one after the other from one
// task; each lives 1 .. 2 * lifetime - 1 requests (uniform, from the seed; lifetime 0: never freed).
// An XFS loop that never gets its memory is stopped at the replay's bounds (maxRetries, maxSimMs; the
// CLI's defaults) and counted as a livelock: the caller is then stuck in kmem_alloc for good, so the
// stream ends there (that request and the ones left are counted as unserved, not failed). Metrics: buffer_requests,
// buffer_failures (NULL returned), buffer_vmalloc (served by vmalloc), buffer_retries (the loops'
// sleeps), buffer_livelocks, buffer_unserved, buffer_oom_kills (OOM kills during the stream),
// buffer_panic (1 when the OOM killer found nothing to kill and the kernel panicked: the stream ends),
// buffer_latency_ms_sum and buffer_latency_ms_max (simulated ms per request), background_pages.

import { OWNER_618 } from "../../linux-6.18/kernel.js";
import { GFP_618 } from "../../linux-6.18/mm/page_alloc.js";
import { Callers618, kmemPolicy618 } from "../../scenario/kmem618.js";
import { KM_MAYFAIL, KM_SLEEP, type KmemCallerPolicy } from "../../sim/xfs_kmem.js";
import { defineWorkload } from "./types.js";
import { managedPages } from "./churn.js";

export interface KernelBuffersParams {
  background: "pepper" | "page-cache";
  sizeKb: number;
  requests: number;
  lifetime: number;
  keepEvery: number;
  anonPercent: number;
  mayFail: boolean;
  maxRetries: number;
  maxSimMs: number;
}

/** The user process (the OOM killer's candidate) and the task making the requests. */
const USER_PID = 100;
const CALLER_PID = 200;

export const kernelBuffers = defineWorkload<KernelBuffersParams>({
  name: "kernel-buffers",
  runsOn: "kernel",
  takesCaller: true,
  parse(p, m) {
    const sizeKb = p.int("sizeKb", 128, 1, 4 * 1024);
    return {
      background: p.oneOf("background", "pepper", ["pepper", "page-cache"] as const),
      sizeKb,
      requests: p.int("requests", 64, 0, 1_000_000),
      lifetime: p.int("lifetime", 16, 0, 1_000_000),
      keepEvery: p.int("keepEvery", 32, 2, 2 ** m.pageblockOrder),
      anonPercent: p.int("anonPercent", 20, 0, 90),
      mayFail: p.bool("mayFail", false),
      // the CLI's bounds on kmem_alloc's loop (oomlab replay --max-retries, --max-sim-ms)
      maxRetries: p.int("maxRetries", 20_000, 1, 1_000_000),
      maxSimMs: p.int("maxSimMs", 600_000, 1, 2 ** 31 - 1),
    };
  },
  run({ kernel, rec, rng, caller }, p) {
    const k = kernel as NonNullable<typeof kernel>;
    const n = managedPages(k.machine);
    rec.phase("background");
    k.addTask({ pid: USER_PID, comm: "user" });
    k.current = k.task(USER_PID) ?? null;
    if (p.anonPercent > 0) k.faultAnon(USER_PID, Math.floor((n * p.anonPercent) / 100));
    let backgroundPages = 0;
    if (p.background === "pepper") {
      // every free page as an unmovable kernel page (exactly as many as are free: no reclaim, no OOM),
      // then all but one in keepEvery freed
      const gfp = GFP_618.GFP_KERNEL | GFP_618.__GFP_MEMALLOC | GFP_618.__GFP_NOWARN;
      let room = 0;
      for (const z of k.machine.machine.zones) if (z.managedPages > 0) room += k.machine.counters(z.slot).freePages;
      for (let i = 0; i < room && !k.panicked; i++) if (k.allocKernel(0, { gfp, owner: OWNER_618.kernel }) < 0) break;
      k.freeKernel(OWNER_618.kernel, p.keepEvery);
      backgroundPages = k.machine.ownerPages(OWNER_618.kernel);
    } else {
      backgroundPages = k.readFile(n);
      backgroundPages -= k.truncateFile(2);
    }
    rec.phase("requests");
    k.addTask({ pid: CALLER_PID, comm: "kbuf" });
    const callers = new Callers618(k);
    const runner = kmemPolicy618(k, callers, {
      policy: (caller ?? "kmalloc") as KmemCallerPolicy,
      maxRetries: p.maxRetries,
      maxSimMs: p.maxSimMs,
    });
    const size = p.sizeKb * 1024;
    const flags = KM_SLEEP | (p.mayFail ? KM_MAYFAIL : 0);
    const killsBefore = k.oomKills.length;
    // live buffers with the request index they are due to be freed at
    const live: { ptr: NonNullable<ReturnType<typeof runner.kmemAlloc>["ptr"]>; due: number }[] = [];
    let failures = 0;
    let vmalloced = 0;
    let retries = 0;
    let livelocks = 0;
    let latencySum = 0;
    let latencyMax = 0;
    let made = 0;
    for (let r = 0; r < p.requests && !k.panicked; r++) {
      for (let i = live.length - 1; i >= 0; i--)
        if (live[i].due <= r) {
          runner.kmemFree(live[i].ptr);
          live.splice(i, 1);
          rec.free();
        }
      k.current = k.task(CALLER_PID) ?? null;
      const res = runner.kmemAlloc(size, flags);
      made++;
      retries += res.retries;
      latencySum += res.simMs;
      latencyMax = Math.max(latencyMax, res.simMs);
      if (res.livelock) {
        livelocks++;
        break; // the caller is stuck in kmem_alloc's loop for good: neither served nor failed
      }
      if (res.ptr === null) failures++;
      else {
        if (typeof res.ptr === "bigint") vmalloced++;
        if (p.lifetime > 0) live.push({ ptr: res.ptr, due: r + 1 + (rng() % (2 * p.lifetime - 1)) });
      }
    }
    return {
      metrics: {
        buffer_requests: made,
        buffer_failures: failures,
        buffer_vmalloc: vmalloced,
        buffer_retries: retries,
        buffer_livelocks: livelocks,
        buffer_unserved: p.requests - made + livelocks,
        buffer_oom_kills: k.oomKills.length - killsBefore,
        buffer_panic: k.panicked ? 1 : 0,
        buffer_latency_ms_sum: Math.round(latencySum * 1000) / 1000,
        buffer_latency_ms_max: Math.round(latencyMax * 1000) / 1000,
        background_pages: backgroundPages,
      },
    };
  },
});
