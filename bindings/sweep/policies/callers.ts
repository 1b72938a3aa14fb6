// The caller policies (docs/policies.md): how a kernel caller asks for a large buffer, run by the
// `kernel-buffers` workload on the 6.18 kernel model through scenario/kmem618.ts (Callers618 over
// linux-6.18/mm/slub.ts and mm/vmalloc.ts, KmemPolicyRunner of sim/xfs_kmem.ts).

import type { KmemCallerPolicy } from "../../sim/xfs_kmem.js";

export interface CallerPolicy {
  name: KmemCallerPolicy;
  summary: string;
}

export const CALLER_POLICIES: readonly CallerPolicy[] = [
  {
    name: "kmalloc",
    summary:
      "one kmalloc(size, GFP_KERNEL) (mm/slub.c 6.18: __kmalloc_large_node above 8 KiB): the page allocator's " +
      "own retries, failure report and OOM killer",
  },
  {
    name: "kvmalloc",
    summary:
      "kvmalloc(size, GFP_KERNEL|__GFP_NOWARN) (__kvmalloc_node_noprof, mm/slub.c 6.18): kmalloc without direct " +
      "reclaim, then vmalloc of order-0 pages; XFS since 5.15 (d634525db63e)",
  },
  {
    name: "pre-bdfb04301fa5",
    summary:
      "XFS kmem_alloc before bdfb04301fa5 (fs/xfs/linux-2.6/kmem.c 2.6.11): >= 128 KiB tries __vmalloc 7 times, " +
      "then kmalloc, forever, sleeping HZ/50 between attempts (a what-if on 6.18)",
  },
  {
    name: "bdfb04301fa5",
    summary:
      "XFS kmem_alloc after bdfb04301fa5 (2010): kmalloc only, forever, sleeping HZ/50 between attempts " +
      "(a what-if on 6.18)",
  },
];

export const CALLER_POLICY_NAMES: readonly string[] = CALLER_POLICIES.map((p) => p.name);
