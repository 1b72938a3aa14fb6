// The human output of `oomlab trace stats`: events by kind, allocations and frees by order, allocations by
// migratetype, what the parser skipped. Prints data; computes nothing.

import type { TraceStats } from "../analyse/trace_stats.js";
import { MIGRATETYPE_NAMES } from "../include/linux/mmzone.js";
import { printableLines } from "../include/printable.js";
import { tableLines } from "./table.js";

const n = (v: number) => v.toLocaleString("en-US");

export function renderTraceStats(file: string, s: TraceStats): string {
  const c = s.counts;
  const span = s.firstTime !== null && s.lastTime !== null ? ` over ${(s.lastTime - s.firstTime).toFixed(6)} s` : "";
  const out = [printableLines(`${file}: ${n(c.events)} kmem events${span}`), ""];
  out.push(
    ...tableLines(
      [
        ["event", "count"],
        ["mm_page_alloc", n(c.mm_page_alloc)],
        ["mm_page_free", n(c.mm_page_free)],
        ["mm_page_free_batched", n(c.mm_page_free_batched)],
        ["mm_page_alloc_extfrag", n(c.mm_page_alloc_extfrag)],
      ],
      { rule: true },
    ),
    "",
  );
  const orders = c.allocByOrder.map((a, k) => [String(k), n(a), n(c.freeByOrder[k])]);
  out.push(...tableLines([["order", "allocs", "frees (batched as order 0)"], ...orders], { rule: true }), "");
  const mts = Object.entries(c.allocByMigratetype).map(([k, v]) => [k, MIGRATETYPE_NAMES[Number(k)] ?? "?", n(v)]);
  out.push(...tableLines([["migratetype", "name", "allocs"], ...mts], { rule: true }));
  const p = s.parse;
  const other = Object.entries(p.otherEvents);
  const notes = [
    s.failedAllocs ? `${n(s.failedAllocs)} failed allocations (page NULL, pfn 0x0)` : "",
    other.length ? `other events skipped: ${other.map(([k, v]) => `${k} ${n(v)}`).join(", ")}` : "",
    p.malformed ? `${n(p.malformed)} malformed lines (warnings on stderr)` : "",
    `${n(p.lines)} lines read, ${n(p.comments)} comments or blank`,
  ].filter(Boolean);
  out.push("", ...notes.map(printableLines));
  return out.join("\n") + "\n";
}
