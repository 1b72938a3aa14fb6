// The XFS kmem_alloc policy comparison (scenario/replay.ts compare) as a text table.

import type { CompareRow } from "../scenario/replay.js";
import { tableLines } from "./table.js";

export function formatCompare(rows: CompareRow[]): string {
  const head = ["size", "policy", "outcome", "OOM kills", "deadlock msgs", "sim time", "free at OOM"];
  const body = rows.map((r) => [
    `${r.sizeKb} KiB`,
    r.policy,
    r.outcome,
    r.kills,
    String(r.deadlockMessages),
    `${(r.simMs / 1000).toFixed(2)} s`,
    r.freeKbAtOom === null ? "-" : `${r.freeKbAtOom} kB`,
  ]);
  return tableLines([head, ...body], { rule: true }).join("\n") + "\n";
}
