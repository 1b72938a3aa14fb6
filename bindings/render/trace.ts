// `oomlab replay --trace`: the replay's structured events told as a story, for people reading the
// allocator for the first time and for engineers checking a decision. Each kmem_alloc attempt is a
// chapter: the __alloc_pages passes with the watermark arithmetic, kswapd, direct reclaim, the retry
// rule, the OOM killer. Runs of attempts that took the same decisions are told once and counted.

import type { ReplayResult } from "../scenario/replay.js";
import type { SimEvent } from "../sim/sim.js";
import { decodeGfp2611 } from "../include/linux/gfp.js";

interface Attempt {
  n: number;
  t0: number;
  t1: number;
  events: SimEvent[];
  end: SimEvent;
}

/** Events of the task the story follows (not kswapd's, not the background load's). */
const own = (events: SimEvent[]) => events.filter((e) => e.ctx === undefined);
const sec = (ms: number) => `t=${(ms / 1000).toFixed(3)} s`;
const num = (v: unknown) => (typeof v === "number" ? v : 0);

/** Splits the events into kmem_alloc attempts (each ends with its kmem_alloc-attempt event). */
function attempts(events: SimEvent[]): { before: SimEvent[]; list: Attempt[]; after: SimEvent[] } {
  const list: Attempt[] = [];
  let cur: SimEvent[] = [];
  let before: SimEvent[] | null = null;
  for (const e of events) {
    if ((e.kind === "kmem_alloc" || e.kind === "alloc_pages-request") && e.ctx === undefined && before === null) {
      before = cur;
      cur = [];
      continue;
    }
    if (e.kind === "kmem_alloc-attempt" || (e.kind === "alloc_pages-done" && e.ctx === undefined)) {
      list.push({ n: num(e.attempt), t0: own(cur)[0]?.t ?? e.t, t1: e.t, events: cur, end: e });
      cur = [];
      continue;
    }
    cur.push(e);
  }
  return { before: before ?? [], list, after: cur };
}

/** The decisions an attempt took, without its numbers: attempts with equal shapes are told once. */
function shape(a: Attempt): string {
  const out: string[] = [String(a.end.via), String(a.end.ok)];
  for (const e of own(a.events)) {
    if (e.kind === "watermark") out.push(`${e.mark}:o${e.order}:${e.ok ? "ok" : (/^o=(\d+)/.exec(lastStep(e))?.[1] ?? "order-0 test")}`);
    else if (e.kind === "reclaim") out.push(`reclaim:${e.progress}`);
    else if (e.kind === "retry-decision") out.push(`retry:${e.doRetry}`);
    else if (e.kind === "alloc-fail" || e.kind === "alloc-ok" || e.kind.startsWith("oom") || e.kind.startsWith("vmalloc")) out.push(e.kind);
  }
  return out.join(" ");
}

function lastStep(e: SimEvent): string {
  const steps = (e.steps as string[] | undefined) ?? [];
  return steps[steps.length - 1] ?? "";
}

function directReclaim(events: SimEvent[]): string | null {
  const passes = own(events).filter((e) => e.kind === "reclaim-pass" && e.who === "direct");
  if (!passes.length) return null;
  const first = num(passes[0].priority);
  const last = num(passes[passes.length - 1].priority);
  const best = passes.reduce((m, e) => Math.max(m, num(e.reclaimed)), 0);
  const hit = passes.find((e) => num(e.reclaimed) >= 32);
  const naps = new Set(passes.map((e) => e.t)).size - 1;
  const ps = passes[passes.length - 1].pagesScanned as number[] | undefined;
  return hit
    ? `direct reclaim (try_to_free_pages), priorities ${first}..${last}: ${num(hit.reclaimed)} pages freed in the priority-${num(hit.priority)} pass, 32 or more: progress`
    : `direct reclaim (try_to_free_pages), priorities ${first}..${last}: at most ${best} pages freed in one pass, never 32: no progress${naps > 0 ? ` (${naps} nap${naps === 1 ? "" : "s"} of HZ/10 while it scanned)` : ""}; zone pages_scanned ${ps?.[0] ?? "?"}`;
}

function kswapdNote(events: SimEvent[]): string | null {
  const passes = events.filter((e) => e.ctx === "kswapd" && e.kind === "reclaim-pass");
  if (!passes.length) return null;
  const freed = passes.reduce((s, e) => s + num(e.reclaimed), 0);
  const marked = events.some((e) => e.kind === "all-unreclaimable");
  return `kswapd ran ${passes.length} zone pass${passes.length === 1 ? "" : "es"} while the task slept, freeing ${freed} page${freed === 1 ? "" : "s"}${marked ? "; it marked the zone all_unreclaimable" : ""}`;
}

function background(events: SimEvent[]): string | null {
  const pages = events.filter((e) => e.ctx === "background" && e.kind === "refault").reduce((s, e) => s + num(e.pages), 0);
  const exits = events.filter((e) => e.ctx === "background" && e.kind === "exit" && e.freed).length;
  const allocs = events.filter((e) => e.ctx === "background" && e.kind === "alloc_pages-done");
  const failed = allocs.filter((e) => !e.ok).length;
  const orders = [...new Set(allocs.map((e) => e.order))].join(", ");
  const parts = [
    pages ? `${pages} page-cache pages read back (refault)` : "",
    exits ? `${exits} kernel stack${exits === 1 ? "" : "s"} freed by exiting children` : "",
    allocs.length ? `${allocs.length} alloc_pages call${allocs.length === 1 ? "" : "s"} (order ${orders}), ${failed} failed` : "",
  ].filter(Boolean);
  return parts.length ? `background: ${parts.join(", ")}` : null;
}

const PASS: Record<string, string> = { low: "LOW", min: "MIN", high: "HIGH" };

/** The __alloc_pages calls of an attempt: each from its alloc-attempt to its alloc-ok/alloc-fail. */
function segments(events: SimEvent[]): SimEvent[][] {
  const out: SimEvent[][] = [];
  let cur: SimEvent[] | null = null;
  for (const e of events) {
    if (e.kind === "alloc-attempt") cur = [];
    if (cur) cur.push(e);
    else out.push([e]);
    if (cur && (e.kind === "alloc-ok" || e.kind === "alloc-fail")) {
      out.push(cur);
      cur = null;
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** A call served by its first check: one watermark test that passed, then the page. */
function simple(seg: SimEvent[]): string | null {
  const w = seg.filter((e) => e.kind === "watermark");
  const ok = seg[seg.length - 1];
  if (seg[0]?.kind !== "alloc-attempt" || w.length !== 1 || !w[0].ok || ok.kind !== "alloc-ok") return null;
  return `order ${seg[0].order}, ${PASS[String(w[0].mark)] ?? w[0].mark}`;
}

/** One __alloc_pages call in full. */
function call(seg: SimEvent[], gfp: number, all: SimEvent[], out: string[]): void {
  let afterReclaim = false;
  for (const e of seg) {
    switch (e.kind) {
      case "watermark": {
        const label = `${e.zone} ${PASS[String(e.mark)] ?? e.mark}${e.mark === "min" && afterReclaim ? " after reclaim" : ""}, order ${e.order} (mark ${e.pages} pages${e.gfpHigh || e.canTryHarder ? ", reduced" : ""})`;
        out.push(`    ${label}: ${e.ok ? "ok" : "fail"}`);
        for (const s of (e.steps as string[] | undefined) ?? []) out.push(`        ${s}`);
        break;
      }
      case "kswapd-wake":
        out.push(`    kswapd woken for order ${e.order}`);
        break;
      case "reclaim": {
        const d = directReclaim(all);
        if (d) out.push(`    ${d}`);
        afterReclaim = true;
        break;
      }
      case "retry-decision":
        if (e.doRetry) out.push("    retry after blk_congestion_wait(HZ/50)");
        else if (gfp & 0x1000) out.push("    no retry: __GFP_NORETRY");
        else out.push(`    no retry: order ${e.order} > 3 without __GFP_REPEAT or __GFP_NOFAIL${e.progress ? " (reclaim progressed)" : ""}`);
        break;
      case "oom-select": {
        const c = ((e.candidates as { pid: number; comm: string; points: number }[]) ?? []).slice().sort((x, y) => y.points - x.points).slice(0, 3);
        out.push("    no progress, __GFP_FS set, no __GFP_NORETRY, HIGH check failed: out_of_memory()");
        out.push(`    select_bad_process: ${c.map((x) => `${x.comm} ${x.pid} (badness ${x.points})`).join(", ")} -> ${e.comm} ${e.pid}`);
        break;
      }
      case "oom-kill":
        out.push(`    killed ${e.comm} ${e.pid}: ${e.freedPages} pages freed, coalescing with free buddies where they lie`);
        break;
      case "alloc-ok":
        out.push(`    served from the ${String(e.pass).toUpperCase()} pass`);
        break;
      case "alloc-fail":
        out.push(`    returns NULL: ${e.why}${gfp & 0x200 ? " (no warning: __GFP_NOWARN)" : ""}`);
        break;
      case "vmalloc-fail":
      case "vmalloc-out-of-space":
        out.push(`    vmalloc failed: ${e.kind === "vmalloc-out-of-space" ? "no room in the vmalloc area" : String(e.why ?? "")}`);
        break;
      case "printk":
        out.push(`    printk: ${String(e.text).split("\n")[0]}${String(e.text).includes("\n") ? " ..." : ""}`);
        break;
    }
  }
}

/** One attempt in full; next is the attempt after it (to say whether kmem_alloc slept). */
function detail(a: Attempt, next: Attempt | undefined, out: string[]): void {
  const mine = own(a.events);
  const req = mine.find((e) => e.kind === "alloc-attempt");
  const gfp = num(a.end.gfp);
  out.push(`${sec(a.t0)}  attempt ${a.n}: ${a.end.via}(${a.end.size})${req ? ` -> order-${req.order} pages` : ""}, gfp 0x${gfp.toString(16)} (${decodeGfp2611(gfp).text})`);
  if (!req && a.end.via === "kmalloc") {
    out.push(a.end.ok ? "    served from a slab that had a free object: no page allocation" : `    no kmalloc size class holds ${a.end.size} bytes (2.6.11's largest is 131072): NULL without a page allocation`);
  }
  const segs = segments(mine);
  for (let i = 0; i < segs.length; ) {
    const kind = simple(segs[i]);
    let j = i + 1;
    while (kind && j < segs.length && simple(segs[j]) === kind) j++;
    if (kind && j - i > 1) {
      const free = (k: number) => (segs[k].find((e) => e.kind === "watermark")?.free as number | undefined) ?? "?";
      out.push(`    ${j - i} allocations (${kind}), each served at once (free ${free(i)} -> ${free(j - 1)} before the last)`);
    } else call(segs[i], gfp, mine, out);
    i = j;
  }
  for (const note of [kswapdNote(a.events), background(a.events)]) if (note) out.push(`    ${note}`);
  const who = a.end.via === "alloc_pages" ? "alloc_pages" : "kmem_alloc";
  if (a.end.ok) out.push(`    ${who} succeeds`);
  else if (!next || who === "alloc_pages") out.push(`    ${who} returns NULL`);
  else if (next.t0 > a.t1) out.push(`    kmem_alloc sleeps ${((next.t0 - a.t1) / 1000).toFixed(3)} s (blk_congestion_wait) and tries again`);
  else out.push(`    then ${next.end.via}`);
}

/** The whole replay as a story (the events must have been recorded). */
export function formatTrace(r: ReplayResult): string {
  const out: string[] = [r.request === "kmem_alloc" ? `${r.scenario}: kmem_alloc(${r.size}) under the ${r.policy} policy` : `${r.scenario}: alloc_pages requests`];
  const { before, list, after } = attempts(r.events);
  const pre = [kswapdNote(before), background(before)].filter((x): x is string => x !== null);
  if (pre.length) {
    out.push(`${sec(before[0].t)} .. ${sec(before[before.length - 1].t)}  before the first request:`);
    for (const note of pre) out.push(`    ${note}`);
    for (const m of before.filter((e) => e.kind === "printk")) out.push(`    ${sec(m.t)} printk: ${String(m.text).split("\n")[0]}`);
  }
  if (!list.length) return out.concat("no kmem_alloc attempt was recorded (replay with events on)").join("\n") + "\n";
  for (let i = 0; i < list.length; ) {
    const s = shape(list[i]);
    let j = i + 1;
    while (j < list.length && shape(list[j]) === s) j++;
    detail(list[i], list[i + 1], out);
    if (j - i > 1) {
      const run = list.slice(i + 1, j);
      const ev = run.flatMap((a) => a.events);
      const msgs = own(ev).filter((e) => e.kind === "printk");
      out.push(`${sec(run[0].t0)} .. ${sec(run[run.length - 1].t1)}  attempts ${run[0].n}-${run[run.length - 1].n}: the same decisions`);
      for (const note of [kswapdNote(ev), background(ev)]) if (note) out.push(`    ${note}`);
      for (const m of msgs) out.push(`    ${sec(m.t)} printk: ${String(m.text).split("\n")[0]}`);
    }
    i = j;
  }
  for (const e of after) if (e.kind === "livelock") out.push(`${sec(e.t)}  stopped by the simulator's bound after ${e.retries} retries: a livelock`);
  const kills = r.kills.map((k) => `${k.comm} ${k.pid}`).join(", ") || "none";
  out.push(`outcome: ${r.outcome}; OOM kills: ${kills}; deadlock warnings: ${r.deadlockMessages}; simulated ${(r.simMs / 1000).toFixed(2)} s`);
  return out.join("\n") + "\n";
}
