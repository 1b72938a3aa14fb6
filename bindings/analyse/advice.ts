// "A reader can act on it" (issue 12, item 6): a one-paragraph summary of a diagnosed report (what
// happened, the cause in plain words with its numbers, who was killed and why that one), and what to do,
// tied to the cause, each action backed by a computed what-if: the verdict judged again under a changed
// order or min_free_kbytes (analyse/verdict.ts judgeRequest, through diagnose's what-if), the 6.18 replay
// under a setting (analyse/replay618.ts), compaction_suitable's arithmetic on the report's zones, or the
// memory breakdown's sums (analyse/memory.ts). Never a sentence without its number. Pure.

import { gfpBitsFor, gfpEraForVersion } from "../include/linux/gfp.js";
import { PAGE_ALLOC_COSTLY_ORDER } from "../include/linux/mmzone.js";
import { KERNEL_VERSION } from "../include/linux/version.js";
import { printable } from "../include/printable.js";
import { watermarkProfileFor } from "../kernel/releases.js";
import { compactGap } from "../linux-6.18/mm/compaction.js";
import type { ParsedReport } from "../parse/reports.js";
import { MAX_SLAB_SIZE } from "../sim/xfs_kmem.js";
import { gfpMeaning, type GfpMeaning } from "./gfp.js";
import { percent, taskFootprintKb, topConsumers, type MemoryBreakdown } from "./memory.js";
import type { Replay618, Replay618Settings } from "./replay618.js";
import type { Action, DiagnosedReport, WhatIf, WhatIfResult } from "./report.js";

export type { Action } from "./report.js";
import { inferredOrder } from "./verdict.js";
import { impliedMinFree, populated, reportEra, zoneContexts, type ReportEra, type ZoneCtx } from "./zones.js";

export interface Advice {
  summary: string;
  actions: Action[];
}

/** What advise needs besides the report: the what-if machinery of diagnose and, for a report the
 *  6.18 model replays, a replay under changed settings. */
export interface AdviceContext {
  /** The verdict judged again under a what-if (diagnose's whatIfVerdict: no replay). */
  whatIf: (w: WhatIf) => WhatIfResult;
  /** The 6.18 replay under settings, or null when the report was not replayed. */
  replay: ((s: Replay618Settings) => Replay618) | null;
  /** Whether an XFS kmem_alloc line belongs to the report (its deadlock message or a stack frame). */
  xfsKmemAlloc: () => boolean;
}

/** Unaccounted memory above this share of RAM (per mille) points at kernel memory. */
export const UNACCOUNTED_PERMILLE = 100;
/** Slab above this share of RAM (per mille) is named as a suspect on its own. */
export const SLAB_PERMILLE = 100;

/** "6.4 MB", "1.5 GB", "512 kB": a size for prose (the effects give exact kB). */
export function size(kb: number): string {
  if (kb < 1024) return `${kb} kB`;
  if (kb < 1024 * 1024) return `${(kb / 1024).toFixed(1)} MB`;
  return `${(kb / 1024 / 1024).toFixed(1)} GB`;
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
const label = (c: ZoneCtx) => (c.z.node ? `Node ${c.z.node} ${c.z.name}` : c.z.name);

function parseMask(s: string | null): number | null {
  if (s === null || !/^0x[0-9a-f]{1,8}$/i.test(s)) return null;
  return Number.parseInt(s, 16);
}

function meaningOf(mask: number, era: ReportEra, order: number): GfpMeaning | null {
  try {
    return gfpMeaning(mask, era.release, order);
  } catch {
    return null;
  }
}

/** Whether the mask lets the request sleep, and the flag that says so: __GFP_DIRECT_RECLAIM (4.4+),
 *  __GFP_WAIT before. */
function canBlock(mask: number, era: ReportEra): { ok: boolean; flag: string } | null {
  const gera = gfpEraForVersion(era.release);
  if (!gera) return null;
  const bits = gfpBitsFor(gera);
  const flag = bits.__GFP_DIRECT_RECLAIM !== undefined ? "__GFP_DIRECT_RECLAIM" : "__GFP_WAIT";
  const bit = bits[flag];
  return bit === undefined ? null : { ok: (mask & bit) !== 0, flag };
}

/** The request as the verdict decided it: the printed order, else the one the verdict inferred. */
interface Request {
  order: number | null;
  inferred: boolean;
  mask: number | null;
  g: GfpMeaning | null;
  allowed: ZoneCtx[];
}

function requestOf(r: ParsedReport, era: ReportEra): Request {
  const mask = parseMask(r.gfpMask);
  let order = r.order !== null && r.order >= 0 ? r.order : null;
  let inferred = false;
  if (order === null && mask !== null && r.kind !== "show-mem" && r.order === null) {
    try {
      order = inferredOrder(r, era, mask);
      inferred = order !== null;
    } catch {
      order = null;
    }
  }
  const g = mask !== null ? meaningOf(mask, era, order ?? 0) : null;
  const allowed = zoneContexts(r, g ? g.highestZone : null).filter((c) => c.allowed && populated(c.z));
  return { order, inferred, mask, g, allowed };
}

/** The allowed zone the sentences are about: the one with the most free pages among those with marks. */
function mainZone(q: Request): ZoneCtx | null {
  const judged = q.allowed.filter((c) => c.marks && c.z.freeKb !== null);
  return judged.sort((a, b) => (b.z.freeKb ?? 0) - (a.z.freeKb ?? 0))[0] ?? null;
}

/** The request in words: "An order-5 (128 kB) GFP_KERNEL request by go (pid 6792)". */
function requestWords(r: ParsedReport, d: DiagnosedReport, q: Request, ps: number): string {
  const flags = d.gfpFlags.length ? d.gfpFlags.join("|") : r.gfpMask ? `gfp ${r.gfpMask}` : "";
  const order =
    q.order === null
      ? ""
      : q.inferred
        ? `order-${q.order}-or-larger (${2 ** q.order * ps} kB; no order printed, inferred from the watermark ` +
          "arithmetic) "
        : `order-${q.order} (${2 ** q.order * ps} kB${q.order > 0 ? " contiguous" : ""}) `;
  const who = r.trigger
    ? ` by ${printable(r.trigger.comm)}${r.trigger.pid !== null ? ` (pid ${r.trigger.pid})` : ""}`
    : "";
  return `an ${order}${flags} request${who}`.replace(/ {2,}/g, " ").replace(/^an ([^aeiou8])/i, "a $1");
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The last failing step of the verdict's arithmetic ("o=3: 233 - 216 = 17 <= 18 -> fail"). */
function failingStep(d: DiagnosedReport): string | null {
  const steps = d.verdict?.steps ?? [];
  for (let i = steps.length - 1; i >= 0; i--) if (/-> fail$/.test(steps[i])) return steps[i].trim();
  return null;
}

/** Why it failed, in plain words with the numbers, per verdict cause. */
function causeWords(r: ParsedReport, d: DiagnosedReport, q: Request, ps: number): string {
  const cause = d.verdict?.cause ?? null;
  const z = mainZone(q);
  const o = q.order ?? 0;
  if (cause === "memcg-limit") {
    const m = r.memcg;
    if (!m || m.limitKb === null) return "A memory cgroup reached its limit.";
    const fail = m.failcnt !== null ? `; the limit had been hit ${m.failcnt} times (failcnt)` : "";
    return (
      `The memory cgroup${m.limitCgroup ? ` ${printable(m.limitCgroup)}` : ""} was at its limit: usage ` +
      `${m.usageKb ?? "?"} kB of a ${m.limitKb} kB (${size(m.limitKb)}) limit${fail}; free memory outside the ` +
      "cgroup does not count."
    );
  }
  if ((cause === "fragmentation" || cause === "cma-unusable") && z) {
    const areas = z.z.freeAreas;
    const above = areas.slice(o).reduce((a, n) => a + n, 0);
    const cmaOnly = areas.slice(o).reduce((a, n, i) => a + (z.z.migratetypes?.[o + i] === "C" ? n : 0), 0);
    const usable = q.g?.cma ? above : above - cmaOnly;
    const largest = areas.reduce((m, n, i) => (n > 0 ? i : m), -1);
    const where = `It failed in ${label(z)} with ${size(z.z.freeKb ?? 0)} free`;
    if (cause === "cma-unusable")
      return (
        `${where}, but ${size(z.z.freeCmaKb ?? 0)} of it was in CMA pageblocks, which a request without ` +
        "__GFP_MOVABLE cannot use."
      );
    if (usable === 0 && cmaOnly > 0)
      return (
        `${where} because no free block of order ${o} or larger that it could use existed: the ` +
        `${plural(cmaOnly, "block")} of order ${o} or more were all on the CMA list, which a request without ` +
        "__GFP_MOVABLE cannot use."
      );
    if (usable === 0)
      return (
        `${where} because no free block of order ${o} or larger existed (the largest free block was order ` +
        `${largest}, ${2 ** Math.max(0, largest) * ps} kB).`
      );
    const step = failingStep(d);
    return (
      `${where}: ${plural(usable, "free block")} of order ${o} or more existed, but the kernel's watermark ` +
      "check (zone_watermark_ok before 4.4) also wants part of the mark free in blocks above each lower order" +
      `${step ? ` and fell short (${step.replace(/ -> fail$/, "")})` : ""}.`
    );
  }
  if (cause === "exhaustion") {
    const mark = r.kind === "oom" ? "high" : "min";
    const each = q.allowed
      .filter((c) => c.marks)
      .map(
        (c) =>
          `${label(c)} ${c.z.freeKb ?? "?"} kB free vs ${mark} ${(c.marks?.[mark] ?? 0) * ps} kB` +
          (c.reserve ? ` + lowmem_reserve ${c.reserve * ps} kB` : ""),
      );
    return `Every zone it may use was at or below its ${mark} watermark: ${each.join("; ")}.`;
  }
  if (cause === "zone-too-small" && z)
    return (
      `An order-${o} block is ${2 ** o * ps} kB, and ${label(z)}, the only zone the mask allows, holds ` +
      `${size(z.model.presentPages !== null ? z.model.presentPages * ps : 0)}: it can never be served there.`
    );
  const first = d.verdict?.summary.split(/(?<=\.) /)[0];
  return first ?? "No verdict.";
}

/** Who was killed and why that one. */
function killWords(r: ParsedReport, d: DiagnosedReport, ps: number): string {
  const v = d.victim;
  const k = d.victimRanking;
  if (!v) {
    if (r.kind === "alloc-failure") return "No task was killed: an allocation failure returns NULL to its caller.";
    return r.kind === "oom" || r.kind === "memcg-oom" ? "The report names no killed task." : "";
  }
  const held =
    v.anonRssKb !== undefined
      ? `, holding ${size((v.anonRssKb ?? 0) + (v.fileRssKb ?? 0) + (v.shmemRssKb ?? 0))} rss`
      : (() => {
          const t = r.taskTable?.tasks.find((x) => x.pid === v.pid);
          return t ? `, holding ${size(taskFootprintKb(t, ps).rssKb)} rss` : "";
        })();
  const who = `The OOM killer killed ${printable(v.comm)} (pid ${v.pid})${held}`;
  if (!k) return `${who}; the report prints no task table to say why that one.`;
  const formula = k.era.split(": ").slice(1).join(": ");
  if (k.rank === 1)
    return (
      `${who}: it had the highest badness in the task table, ${k.points} points` + `${formula ? ` (${formula})` : ""}.`
    );
  const place = k.rank === null ? "a task not in the table" : `rank ${k.rank} by badness`;
  return `${who}, ${place}: ${k.reason ?? "the report does not say why"}.`;
}

/** The one-paragraph summary: what happened, the cause with its numbers, who was killed and why. */
function summaryOf(r: ParsedReport, d: DiagnosedReport, q: Request, ps: number): string {
  const parts: string[] = [];
  const ver = r.kernelVersion ? ` on Linux ${printable(r.kernelVersion)}` : "";
  if (r.kind === "memcg-oom") parts.push(`${cap(requestWords(r, d, q, ps))} hit a memory cgroup's limit${ver}.`);
  else if (r.kind === "oom" && r.order === -1) parts.push(`A manual OOM kill (SysRq-f)${ver}: nothing failed.`);
  else if (r.kind === "oom") parts.push(`${cap(requestWords(r, d, q, ps))} made the kernel run the OOM killer${ver}.`);
  else if (r.kind === "alloc-failure") parts.push(`${cap(requestWords(r, d, q, ps))} failed${ver}.`);
  else parts.push(`A ${r.kind} dump${ver}: no request failed in it.`);
  if (!(r.kind === "oom" && r.order === -1)) parts.push(causeWords(r, d, q, ps));
  if (d.memoryBreakdown?.sentence) parts.push(d.memoryBreakdown.sentence);
  parts.push(killWords(r, d, ps));
  return parts.filter(Boolean).join(" ");
}

// ---- what to do ----

/** memcg limit: raise it (by usage - limit + what the victim held), or find the leak. */
function memcgActions(r: ParsedReport, d: DiagnosedReport, ps: number): Action[] {
  const m = r.memcg;
  const out: Action[] = [];
  if (!m || m.limitKb === null || m.usageKb === null) return out;
  const v = d.victim;
  const t = v ? r.taskTable?.tasks.find((x) => x.pid === v.pid) : undefined;
  const f = t ? taskFootprintKb(t, ps) : null;
  const rss =
    v?.anonRssKb !== undefined ? (v.anonRssKb ?? 0) + (v.fileRssKb ?? 0) + (v.shmemRssKb ?? 0) : (f?.rssKb ?? null);
  const pgt = v?.pgtablesKb ?? f?.pgtablesKb ?? 0;
  const over = m.usageKb - m.limitKb;
  const knob = m.taskCgroup !== null || m.memswLimitKb !== null ? "memory.limit_in_bytes" : "memory.max";
  if (v && rss !== null) {
    const by = Math.max(0, over) + rss + pgt;
    const rssWords =
      v.anonRssKb !== undefined
        ? `rss ${rss} (anon ${v.anonRssKb} + file ${v.fileRssKb ?? 0} + shmem ${v.shmemRssKb ?? 0})`
        : `rss ${rss}`;
    out.push({
      cause: "memcg-limit",
      action: `Raise the cgroup's limit (${knob}) if its tasks need this much`,
      effect:
        `by ${by} kB (usage ${m.usageKb} - limit ${m.limitKb} = ${over} kB over, + ${printable(v.comm)}'s ` +
        `${rssWords} + page tables ${pgt} kB) to ${m.limitKb + by} kB (${size(m.limitKb + by)}): room for the ` +
        "victim's memory again on top of what the cgroup held at the kill",
      computedBy: "the memcg usage/limit line and the kill line (analyse/advice.ts memcgActions)",
    });
  }
  const top = topConsumers(r, null, null)[0];
  const tasksKb = (r.taskTable?.tasks ?? []).reduce((a, t) => {
    const f = taskFootprintKb(t, ps);
    return a + f.rssKb + f.pgtablesKb;
  }, 0);
  if (top && tasksKb * 2 < m.usageKb) {
    const rest = m.usageKb - tasksKb;
    const kmem = m.kmemUsageKb !== null ? `; kernel memory ${m.kmemUsageKb} kB of it (the kmem line)` : "";
    out.push({
      cause: "memcg-limit",
      action: "Find what else is charged to the cgroup: its tasks' memory is less than half of the usage",
      effect:
        `the task table's rss + page tables add up to ${tasksKb} kB = ` +
        `${percent(Math.round((tasksKb * 1000) / m.usageKb))} of usage ${m.usageKb} kB; the other ${rest} kB is ` +
        `page cache, kernel memory or tasks outside the table${kmem}`,
      computedBy: "the task table against the memcg usage line",
    });
  } else if (top) {
    const held = top.rssKb + top.pgtablesKb;
    const pm = Math.round((held * 1000) / m.limitKb);
    const who =
      top.tasks > 1 ? `${printable(top.name)} (${top.tasks} processes)` : `${printable(top.name)} (pid ${top.pids[0]})`;
    const shared = pm > 1000 ? "; over 100%: memory shared between the processes counts in each" : "";
    const victim = v && top.pids.includes(v.pid) ? `; the victim is one of them` : "";
    out.push({
      cause: "memcg-limit",
      action: `Find the leak: look at ${printable(top.name)}, the cgroup's largest consumer`,
      effect:
        `${who} held ${held} kB (rss ${top.rssKb} + page tables ${top.pgtablesKb}) = ${percent(pm)} of the ` +
        `${m.limitKb} kB limit${shared}${victim}; if it grows back to this after a restart, it is the leak`,
      computedBy: "the task table's rss and page tables against the memcg limit (analyse/memory.ts topConsumers)",
    });
  }
  if (m.kmemUsageKb !== null && m.kmemUsageKb * 10 > m.usageKb)
    out.push({
      cause: "memcg-limit",
      action: "Look at the cgroup's kernel memory (memory.kmem.slabinfo, memory.stat's slab and sock lines)",
      effect:
        `kernel memory ${m.kmemUsageKb} kB = ${percent(Math.round((m.kmemUsageKb * 1000) / m.usageKb))} ` +
        `of usage ${m.usageKb} kB`,
      computedBy: "the memcg kmem line",
    });
  return out;
}

/** compaction_suitable (mm/compaction.c, 6.18) on a printed zone: order-0 check of free pages against
 *  min + compact_gap(order) (+ low - min for costly orders) + lowmem_reserve, with ALLOC_CMA; for costly
 *  orders the fragmentation index against extfrag_threshold (500). */
export function compactionSuitableWords(c: ZoneCtx, order: number, extfragIndex: number | null): string {
  const m = c.marks;
  if (!m || c.z.freeKb === null) return `${label(c)}: no marks or free count printed`;
  const free = Math.floor(c.z.freeKb / (c.model.pageSize / 1024));
  const costly = order > PAGE_ALLOC_COSTLY_ORDER;
  const mark = m.min + compactGap(order) + (costly ? m.low - m.min : 0);
  const terms = `min ${m.min} + compact_gap ${compactGap(order)}${costly ? ` + (low - min) ${m.low - m.min}` : ""}`;
  if (free <= mark + c.reserve)
    return `${label(c)}: COMPACT_SKIPPED (${free} free pages <= ${terms} + reserve ${c.reserve} = ${mark + c.reserve})`;
  if (costly && extfragIndex !== null && extfragIndex >= 0 && extfragIndex <= 500)
    return (
      `${label(c)}: COMPACT_NOT_SUITABLE_ZONE (${free} free > ${mark + c.reserve}, but fragmentation index ` +
      `${extfragIndex} <= extfrag_threshold 500: the failure is lack of memory, not fragmentation)`
    );
  const fi = costly && extfragIndex !== null ? `; fragmentation index ${extfragIndex} > 500` : "";
  const sum = `${terms} + reserve ${c.reserve} = ${mark + c.reserve}`;
  return `${label(c)}: COMPACT_CONTINUE (${free} free pages > ${sum}${fi})`;
}

/** LRU pages of a zone line (the pages compaction's migrate scanner can move). */
function lruPagesOf(c: ZoneCtx): number {
  const f = c.z.fieldsKb;
  const kb = ["active_anon", "inactive_anon", "active_file", "inactive_file", "active", "inactive"].reduce(
    (a, k) => a + (f[k] ?? 0),
    0,
  );
  return Math.floor(kb / (c.model.pageSize / 1024));
}

/** A what-if's outcome in words: "passes in Normal at the min mark by 4716 pages". */
function outcomeWords(w: WhatIfResult): string {
  if (w.outcome === null) return "not judged";
  if (w.outcome === "fail") {
    const checks = w.zones
      .filter((z) => z.result === "fail")
      .flatMap((z) => z.checks.map((k) => `${z.name} ${k.mark}: ${k.stage}`));
    return `fails (${checks.join(", ")})`;
  }
  const z = w.zones.find((x) => x.result === "pass");
  const k = z?.checks.find((x) => x.pass);
  const by = k?.margin !== undefined ? ` by ${plural(k.margin, "page")}` : "";
  return `passes in ${z?.name} at the ${k?.mark} mark${by}`;
}

/** fragmentation and cma-unusable: kvmalloc, a smaller block, compaction, min_free_kbytes, XFS. */
function fragmentationActions(
  r: ParsedReport,
  d: DiagnosedReport,
  q: Request,
  era: ReportEra,
  ctx: AdviceContext,
  ps: number,
): Action[] {
  const cause = d.verdict?.cause ?? "fragmentation";
  const o = q.order;
  const out: Action[] = [];
  if (o === null || o === 0 || q.mask === null) return out;
  const need = 2 ** o;
  // kvmalloc: kmalloc first, then vmalloc's order-0 pages (mm/slub.c __kvmalloc_node_noprof, 6.18)
  const w0 = ctx.whatIf({ order: 0 });
  const z0 = w0.zones.find((z) => z.result === "pass");
  const k0 = z0?.checks.find((k) => k.pass);
  const blocks = canBlock(q.mask, era);
  const room = k0?.margin;
  const avail =
    w0.outcome === "pass"
      ? room !== undefined
        ? room >= need
          ? `available: the order-0 check at the ${k0?.mark} mark passes in ${z0?.name} by ${plural(room, "page")}`
          : `short: the order-0 check at the ${k0?.mark} mark passes in ${z0?.name} by only ${plural(room, "page")}`
        : `the order-0 check ${outcomeWords(w0)}`
      : `not available either: the order-0 check ${outcomeWords(w0)}`;
  out.push({
    cause,
    action: "Use kvmalloc() (or vmalloc) instead of a physically contiguous buffer",
    effect:
      blocks?.ok === false
        ? `kvmalloc cannot help this request: ${r.gfpMask} cannot sleep (no ${blocks.flag}), and vmalloc ` +
          `does not take non-sleeping requests (mm/slub.c __kvmalloc_node_noprof, 6.18); its ${need} order-0 ` +
          `pages would be ${avail}`
        : `kvmalloc would fall back to vmalloc: ${need} order-0 pages, ${avail}`,
    computedBy: "--what-if order=0 (analyse/verdict.ts judgeRequest)",
  });
  // the largest order that passes now
  for (let s = o - 1; s >= 0; s--) {
    const w = s === 0 ? w0 : ctx.whatIf({ order: s });
    if (w.outcome !== "pass") continue;
    out.push({
      cause,
      action: `Ask for smaller blocks: order ${s} (${2 ** s * ps} kB) or less, ${2 ** (o - s)} pieces of the same size`,
      effect: `an order-${s} request with the same mask ${outcomeWords(w)}; order ${s + 1} and above fail`,
      computedBy: `--what-if order=${s} (analyse/verdict.ts judgeRequest)`,
    });
    break;
  }
  // compaction: the 6.18 replay's answer, else compaction_suitable on the report's zones
  const p = d.replay618;
  if (p?.replayed && p.compaction) {
    const ok = p.compaction.attempts.find((a) => a.ok);
    out.push({
      cause,
      action:
        "Let compaction form the block (CONFIG_COMPACTION, vm.extfrag_threshold; or " +
        "echo 1 > /proc/sys/vm/compact_memory)",
      effect:
        `the 6.18 replay: ${p.outcome}, ${p.how}; compaction ${p.compaction.applies ? "asked" : "not asked"}: ` +
        `${p.compaction.why}${ok ? ` (the ${ok.priority} pass: ${ok.result})` : ""}; ` +
        `${p.compaction.movablePages} movable (LRU) pages`,
      computedBy: "the 6.18 replay (reports[].replay618.compaction)",
    });
  } else {
    const each = q.allowed
      .filter((c) => c.marks)
      .map((c) => {
        const fi =
          d.zones.find((z) => z.node === c.z.node && z.name === c.z.name)?.fragmentation?.extfragIndex[o] ?? null;
        return `${compactionSuitableWords(c, o, fi)}, ${lruPagesOf(c)} LRU pages to migrate`;
      });
    const none = era.code < KERNEL_VERSION(2, 6, 35);
    out.push({
      cause,
      action: none
        ? "Run a kernel with compaction (2.6.35+, CONFIG_COMPACTION)"
        : "Let compaction form the block (CONFIG_COMPACTION; echo 1 > /proc/sys/vm/compact_memory)",
      effect:
        `${none ? `Linux ${era.release} has no compaction; 6.18's ` : "6.18's "}compaction_suitable on the ` +
        `printed zones for order ${o}: ${each.join("; ")}`,
      computedBy: "compaction_suitable's arithmetic on the printed zones (mm/compaction.c __compaction_suitable, 6.18)",
    });
  }
  // min_free_kbytes doubled: the era's formulas, the request judged again
  const cur = impliedMinFree(r, watermarkProfileFor(era.code));
  if (cur > 0) {
    const next = Math.min(2 ** 31 - 1, cur * 2);
    const w = ctx.whatIf({ minFreeKbytes: next });
    const m = w.changes.marks.find((x) => q.allowed.some((c) => c.z.node === x.node && c.z.name === x.name && c.marks));
    const marks = m
      ? `${m.name} min/low/high ${m.before.minKb}/${m.before.lowKb}/${m.before.highKb} -> ` +
        `${m.after.minKb}/${m.after.lowKb}/${m.after.highKb} kB`
      : "no mark recomputed";
    const kept = m && m.before.highKb !== null ? m.after.highKb - m.before.highKb : null;
    out.push({
      cause,
      action: `Raise vm.min_free_kbytes (${cur} -> ${next})`,
      effect:
        w.outcome === "pass"
          ? `with min_free_kbytes ${cur} -> ${next} (${marks}) the order-${o} request ${outcomeWords(w)}`
          : `with min_free_kbytes ${cur} -> ${next} (${marks}) the order-${o} check on the printed free lists ` +
            `still ${outcomeWords(w)}: higher marks form no block; they make kswapd keep ` +
            `${kept !== null ? `${kept} kB` : "more"} more free in ${m?.name ?? "the zone"}, room for blocks to merge` +
            (w.notes.length ? ` (${w.notes.join("; ")})` : ""),
      computedBy: `--what-if min_free_kbytes=${next} (analyse/zones.ts recomputeMarks, the era's formulas)`,
    });
  }
  // XFS kmem_alloc: MAX_SLAB_SIZE and bdfb04301fa5 (sim/xfs_kmem.ts)
  if (ctx.xfsKmemAlloc()) {
    const lo = (need / 2) * ps * 1024 + 1;
    const hi = need * ps * 1024;
    const before = era.code < KERNEL_VERSION(2, 6, 34);
    const vm =
      hi >= MAX_SLAB_SIZE
        ? `only a size of ${MAX_SLAB_SIZE} bytes (MAX_SLAB_SIZE) went to vmalloc first`
        : `all below MAX_SLAB_SIZE ${MAX_SLAB_SIZE}, which always took kmalloc`;
    out.push({
      cause,
      action: before
        ? "XFS: the newer kmem_alloc (bdfb04301fa5, 2.6.34) or a kvmalloc-style fallback"
        : "XFS: a kvmalloc-style fallback (kmem_alloc_large, kvmalloc in later kernels)",
      effect:
        `an order-${o} kmalloc serves ${lo}..${hi} bytes: ${vm}; ` +
        (before
          ? "bdfb04301fa5 makes kmem_alloc always kmalloc, so it changes nothing here (or removes that vmalloc " +
            "path); "
          : "") +
        `a vmalloc fallback needs ${need} order-0 pages: ${avail}`,
      computedBy: "sim/xfs_kmem.ts MAX_SLAB_SIZE and kmem_alloc's paths, --what-if order=0",
    });
  }
  return out;
}

/** cma-unusable: how much of the CMA area would have to be ordinary memory for the check to pass. */
function cmaActions(r: ParsedReport, q: Request, ps: number): Action[] {
  const mark = r.kind === "oom" ? "high" : "min";
  const z = q.allowed
    .filter((c) => c.marks && c.z.freeKb !== null && (c.z.freeCmaKb ?? 0) > 0)
    .sort((a, b) => (b.z.freeCmaKb ?? 0) - (a.z.freeCmaKb ?? 0))[0];
  if (!z?.marks) return [];
  const free = z.z.freeKb ?? 0;
  const cma = z.z.freeCmaKb ?? 0;
  const needKb = (z.marks[mark] + z.reserve) * ps;
  // the order-0 check passes when free - free_cma > mark + reserve: X kB more non-CMA free memory
  const x = Math.max(0, needKb - (free - cma) + ps);
  return [
    {
      cause: "cma-unusable",
      action:
        "Shrink the CMA area (cma= on the kernel command line, or the device tree's reserved pool) so that " +
        "non-movable requests keep free memory outside it",
      effect:
        `${label(z)}: free ${free} kB - free CMA ${cma} kB = ${free - cma} kB usable vs the ${mark} mark ` +
        `${z.marks[mark] * ps} kB + lowmem_reserve ${z.reserve * ps} kB: with ${x} kB of the free CMA pages ` +
        `ordinary memory instead (a CMA area ${x} kB smaller, ` +
        `${cma - x >= 0 ? `${cma - x} kB of CMA still free` : "all of it"}), ` +
        "the order-0 check would pass",
      computedBy: "the zone line's free and free_cma against its mark (zone_watermark_ok leaves free CMA out)",
    },
  ];
}

/** zone-too-small: the largest order the allowed zones can hold, judged now. */
function tooSmallActions(q: Request, ctx: AdviceContext, ps: number): Action[] {
  const o = q.order;
  if (o === null) return [];
  const out: Action[] = [];
  for (let s = o - 1; s >= 0; s--) {
    const w = ctx.whatIf({ order: s });
    if (w.outcome !== "pass") continue;
    out.push({
      cause: "zone-too-small",
      action:
        `Ask for order ${s} (${2 ** s * ps} kB) or less from this zone, or drop the zone modifier (GFP_DMA) ` +
        "if the device allows",
      effect:
        `an order-${s} request with the same mask ${outcomeWords(w)}; order ${o} (${2 ** o} pages) is larger ` +
        "than the zone",
      computedBy: `--what-if order=${s} (analyse/verdict.ts judgeRequest)`,
    });
    break;
  }
  return out;
}

/** exhaustion: the top consumer and what freeing it gives; swap added. */
function exhaustionActions(r: ParsedReport, d: DiagnosedReport, q: Request, ctx: AdviceContext, ps: number): Action[] {
  const out: Action[] = [];
  const mark = r.kind === "oom" ? "high" : "min";
  const zones = q.allowed.filter((c) => c.marks && c.z.freeKb !== null);
  const freeKb = zones.reduce((a, c) => a + (c.z.freeKb ?? 0), 0);
  const needKb = zones.reduce((a, c) => a + ((c.marks?.[mark] ?? 0) + c.reserve) * ps, 0);
  const short = Math.max(0, needKb - freeKb);
  const b = d.memoryBreakdown;
  const top = b?.consumers[0] ?? topConsumers(r, null, null)[0];
  if (top) {
    const who =
      top.tasks > 1 ? `${printable(top.name)} (${top.tasks} processes)` : `${printable(top.name)} (pid ${top.pids[0]})`;
    const share = top.ramPermille !== null ? ` = ${percent(top.ramPermille)} of RAM` : "";
    const after = freeKb + top.rssKb;
    // the 6.18 replay with the victim killed before the request, when the victim is one of them
    const v = d.victim;
    let replayed = "";
    if (v && top.pids.includes(v.pid) && d.replay618?.replayed && ctx.replay) {
      const k = ctx.replay({ killedFirst: v.pid });
      replayed =
        `; the 6.18 replay with ${printable(v.comm)} (${v.pid}) killed before the request ` +
        `(${k.killedFirst?.freedPages ?? 0} pages freed): ${k.outcome}, ${k.how}`;
    }
    out.push({
      cause: "exhaustion",
      action:
        `Look at ${printable(top.name)}, the largest consumer (limit it, fix its growth, or give the machine ` +
        "more memory)",
      effect:
        `${who} held rss ${top.rssKb} kB${share}, swap ${top.swapKb} kB, page tables ${top.pgtablesKb} kB; ` +
        `freeing its rss gives ${freeKb} + ${top.rssKb} = ${after} kB free in the zones the request may use, ` +
        `${after > needKb ? "above" : "still at or below"} their ${mark} marks + lowmem_reserve (${needKb} kB) ` +
        `${after > needKb ? `by ${after - needKb} kB` : `by ${needKb - after} kB`}${replayed}`,
      computedBy:
        "the task table and the zone lines (analyse/memory.ts topConsumers)" +
        (replayed ? "; --what-if victim_killed_earlier=1 (the 6.18 replay)" : ""),
    });
  }
  const swapTotal = d.memory?.swapTotalKb;
  const swapFree = d.memory?.swapFreeKb;
  const anonKb = d.memory?.anonKb;
  const p = d.replay618;
  if (swapFree !== undefined && swapFree > short && short > 0) {
    out.push({
      cause: "exhaustion",
      action: "Swap is not what is missing: adding more would not help",
      effect:
        `${swapFree} kB of swap ${swapTotal ?? "?"} kB is free, more than the ${short} kB the zones the request ` +
        `may use are short of their ${mark} marks + lowmem_reserve (${needKb} - free ${freeKb}): what reclaim could ` +
        "not free is not anonymous memory waiting for swap",
      computedBy: "Mem-Info's swap lines against the zone lines",
    });
  } else if (p?.replayed && p.outcome === "success") {
    // more swap only adds reclaimable pages: a replay that succeeds without it cannot fail with it
    // (a rebuild costs seconds on a large machine: it is not run again to say so)
    out.push({
      cause: "exhaustion",
      action: "Add swap only if the workload needs it: the replayed state needs none",
      effect:
        `the 6.18 replay succeeds without more swap (${p.how}), with ${p.swap?.freePages ?? 0} free swap pages and ` +
        `${p.zones.reduce((a, z) => a + z.reclaimablePages, 0)} reclaimable pages: more swap cannot change its ` +
        "answer; " +
        `the kernel's OOM came from a state the printout (${short} kB short of the ${mark} marks) no longer holds`,
      computedBy: "the 6.18 replay (reports[].replay618)",
    });
  } else if (p?.replayed && ctx.replay) {
    // swap for the shortfall, at least 1 MiB, in whole MiB
    const add = Math.max(1, Math.ceil(short / 1024)) * 1024;
    const s = ctx.replay({ swapAddKb: add });
    out.push({
      cause: "exhaustion",
      action: `Add swap (${add} kB: the ${short} kB the zones the request may use are short of their ${mark} marks)`,
      effect:
        `the 6.18 replay with swap_kb=${add}: ${s.outcome}, ${s.how}; ` +
        `reclaimable ${s.zones.reduce((a, z) => a + z.reclaimablePages, 0)} ` +
        `pages (${p.zones.reduce((a, z) => a + z.reclaimablePages, 0)} without it)` +
        `${s.reclaim ? `, direct reclaim freed ${s.reclaim.progress} pages` : ""}; ` +
        `without it: ${p.outcome}, ${p.how}`,
      computedBy: `--what-if swap_kb=${add} (the 6.18 replay)`,
    });
  } else if (anonKb !== undefined && swapTotal !== undefined) {
    const swapWords =
      swapTotal === 0 ? "no swap is configured" : `swap ${swapTotal} kB, ${swapFree ?? "?"} kB of it free`;
    out.push({
      cause: "exhaustion",
      action: "Add swap, so that reclaim can evict anonymous memory",
      effect:
        `${swapWords}; the anonymous LRU holds ${anonKb} kB, the zones the request may use are ${short} kB short of ` +
        `their ${mark} marks + lowmem_reserve: swap of ${short} kB or more lets reclaim make up the shortfall ` +
        "from anon",
      computedBy: "Mem-Info's anon and swap counters against the zone lines",
    });
  }
  return out;
}

/** unaccounted memory and large slab: kernel memory suspects. */
function kernelMemoryActions(b: MemoryBreakdown | undefined, d: DiagnosedReport): Action[] {
  const out: Action[] = [];
  if (!b) return out;
  const m = d.memory ?? {};
  // a report missing counters whose parts add up to less than half of RAM cannot tell kernel memory
  // from what it does not print (memory.ts sentenceOf says so)
  const unknowable = b.missing.length > 0 && b.countedKb * 2 < b.totalRamKb;
  if (b.unaccountedPermille > UNACCOUNTED_PERMILLE && !unknowable) {
    const slab = m.slabUnreclaimableKb ?? m.slabKb;
    const counted = [
      slab !== undefined ? `slab${m.slabUnreclaimableKb !== undefined ? " unreclaimable" : ""} ${slab} kB` : "",
      m.kernelStackKb !== undefined ? `kernel stacks ${m.kernelStackKb} kB` : "",
      m.pagetablesKb !== undefined ? `page tables ${m.pagetablesKb} kB` : "",
    ].filter(Boolean);
    const cma =
      m.cmaReservedKb !== undefined && m.freeCmaKb !== undefined && m.cmaReservedKb > m.freeCmaKb
        ? `; CMA reserved ${m.cmaReservedKb} kB, ${m.cmaReservedKb - m.freeCmaKb} kB of it not free: a ` +
          "driver's CMA pages are in no counter"
        : "";
    const lacks = ["vmalloc", "percpu", "drivers' pages (no show_mem counter in any release)", ...b.missing];
    out.push({
      cause: "unaccounted",
      action:
        "Look for kernel memory outside the counters: /proc/meminfo (VmallocUsed, Percpu, KReclaimable), " +
        "/proc/vmallocinfo, /proc/slabinfo (slabtop), and the drivers loaded",
      effect:
        `unaccounted = RAM ${b.totalRamKb} - counted ${b.countedKb} = ${b.unaccountedKb} kB, ` +
        `${percent(b.unaccountedPermille)} of RAM; the kernel parts the report counts: ` +
        `${counted.join(", ") || "none"}; ` +
        `it prints no counter for ${lacks.join(", ")}${cma}`,
      computedBy: "the memory breakdown (analyse/memory.ts memoryBreakdown)",
    });
  }
  const slab = (m.slabUnreclaimableKb ?? 0) + (m.slabReclaimableKb ?? 0) + (m.slabKb ?? 0);
  const pm = Math.round((slab * 1000) / b.totalRamKb);
  if (pm > SLAB_PERMILLE)
    out.push({
      cause: "kernel-memory",
      action: "Look at the slab caches: /proc/slabinfo (slabtop -s c), the largest caches first",
      effect:
        `slab held ${slab} kB = ${percent(pm)} of RAM ${b.totalRamKb} kB` +
        (m.slabUnreclaimableKb !== undefined
          ? ` (reclaimable ${m.slabReclaimableKb ?? 0} kB, unreclaimable ${m.slabUnreclaimableKb} kB)`
          : ""),
      computedBy: "Mem-Info's slab counters against RAM",
    });
  return out;
}

/** The summary and the actions of one diagnosed report. */
export function advise(r: ParsedReport, d: DiagnosedReport, ctx: AdviceContext): Advice {
  const ps = d.pageSizeKb;
  const era = reportEra(r);
  const q = requestOf(r, era);
  const summary = summaryOf(r, d, q, ps);
  const cause = d.verdict?.cause ?? null;
  const actions: Action[] = [];
  if (cause === "memcg-limit") actions.push(...memcgActions(r, d, ps));
  else if (cause === "fragmentation" || cause === "cma-unusable")
    actions.push(
      ...(cause === "cma-unusable" ? cmaActions(r, q, ps) : []),
      ...fragmentationActions(r, d, q, era, ctx, ps),
    );
  else if (cause === "zone-too-small") actions.push(...tooSmallActions(q, ctx, ps));
  else if (cause === "exhaustion") actions.push(...exhaustionActions(r, d, q, ctx, ps));
  actions.push(...kernelMemoryActions(d.memoryBreakdown, d));
  return { summary, actions };
}
