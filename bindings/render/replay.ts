// The one-line summary `oomlab replay` prints to standard error after the simulated kernel log.

import type { ReplayResult } from "../scenario/replay.js";
import type { ReplayResult618 } from "../scenario/replay618.js";

export function replaySummary(r: ReplayResult): string {
  const victims = r.kills.map((k) => `${k.pid} (${k.comm})`).join(", ") || "none";
  const request = r.request === "kmem_alloc" ? `policy ${r.policy}` : "alloc_pages";
  const sim = (r.simMs / 1000).toFixed(2);
  // the log above kept its first and last lines (sim/log.ts): the summary says so, with the count
  const cut = r.dropped?.lines ? `; log shortened: ${r.dropped.lines} lines not kept` : "";
  return (
    `[oomlab] ${r.scenario}: ${request}, ${r.size} bytes: ${r.outcome}; OOM kills: ${victims}; ` +
    `deadlock warnings: ${r.deadlockMessages}; simulated ${sim} s${cut}\n`
  );
}

/** The summary of a 6.18 replay. */
export function replaySummary618(r: ReplayResult618): string {
  const victims = r.kills.map((k) => `${k.pid} (${k.comm}, points ${k.points})`).join(", ") || "none";
  const sim = (r.simMs / 1000).toFixed(2);
  const cut = r.dropped?.lines ? `; log shortened: ${r.dropped.lines} lines not kept` : "";
  return (
    `[oomlab] ${r.scenario} (6.18): last request ${r.request}${r.policy ? ` (policy ${r.policy})` : ""}, ` +
    `${r.size} bytes: ${r.outcome}; OOM kills: ${victims}; ` +
    `allocation failures: ${r.allocFailures.length}; simulated ${sim} s${cut}\n`
  );
}
