// The kmem_alloc policy comparison on a 6.18 scenario (`oomlab replay SCENARIO --compare`): every
// caller policy of scenario/kmem618.ts (kmalloc, kvmalloc, and 2.6.11's XFS loops as a what-if)
// for each request size, in the rows the 2.6.11 comparison prints (scenario/replay.ts CompareRow).

import { OomlabError } from "../errors.js";
import type { KmemBounds } from "../sim/xfs_kmem.js";
import type { CompareRow } from "./replay.js";
import { replay618 } from "./replay618.js";
import { KMEM_POLICIES_618, validateScenario618 } from "./schema618.js";

/** Replays a 6.18 scenario for every policy and size (every kmem_alloc event asks for the size). */
export function compare618(input: unknown, sizesKb = [64, 96, 128, 256], o: KmemBounds = {}): CompareRow[] {
  const sc = validateScenario618(input);
  if (!sc.events.some((e) => e.do === "kmem_alloc"))
    throw new OomlabError(
      "OOMLAB_BAD_SPEC",
      `scenario ${sc.name} has no kmem_alloc event: the comparison replays kmem_alloc policies and sizes`,
    );
  const rows: CompareRow[] = [];
  for (const sizeKb of sizesKb) {
    const sized = {
      ...sc,
      events: sc.events.map((e) => (e.do === "kmem_alloc" ? { ...e, size: sizeKb * 1024 } : e)),
    };
    for (const policy of KMEM_POLICIES_618) {
      const r = replay618(sized, { ...o, policy, events: false });
      rows.push({
        policy,
        sizeKb,
        outcome: r.outcome,
        kills: r.kills.map((v) => `${v.pid} (${v.comm})`).join(", ") || "-",
        deadlockMessages: r.kmem?.deadlockMessages ?? 0,
        simMs: r.simMs,
        freeKbAtOom: r.freeKbAtOom,
      });
    }
  }
  return rows;
}
