// `oomlab replay --trace`: the replay's structured events told as a story, for people reading the
// allocator for the first time and for engineers checking a decision. Each kmem_alloc attempt is a
// chapter: the __alloc_pages passes with the watermark arithmetic, kswapd, direct reclaim, the retry
// rule, the OOM killer. Runs of attempts that took the same decisions are told once and counted.

import type { ReplayResult } from "../scenario/replay.js";
import type { ReplayResult618 } from "../scenario/replay618.js";
import type { SimEvent, SimEventKind, SimEventOf, WatermarkName } from "../sim/events.js";
import { GFP_2611, decodeGfp, decodeGfp2611 } from "../include/linux/gfp.js";
import { SWAP_CLUSTER_MAX } from "../include/linux/swap.js";

/** The event that ends an attempt: a kmem_alloc try, or an alloc_pages request of the scenario. */
type AttemptEnd = SimEventOf<"kmem_alloc-attempt"> | SimEventOf<"alloc_pages-done">;

interface Attempt {
  n: number;
  t0: number;
  t1: number;
  events: SimEvent[];
  end: AttemptEnd;
  /** The log dropped events before this attempt (sim/log.ts): the story has a gap there. */
  gap?: SimEventOf<"events-dropped">;
}

/** The events of one kind, in order. */
const eventsOfKind = <K extends SimEventKind>(events: SimEvent[], kind: K): SimEventOf<K>[] =>
  events.filter((e): e is SimEventOf<K> => e.kind === kind);
/** Events of the task the story follows (not kswapd's, not the background load's). */
const ownEvents = (events: SimEvent[]) => events.filter((e) => e.ctx === undefined);
const formatSimTime = (ms: number) => `t=${(ms / 1000).toFixed(3)} s`;

/** Splits the events into kmem_alloc attempts (each ends with its kmem_alloc-attempt event). Where
 *  the log dropped events, the attempts cut by the gap are left out and the next whole attempt
 *  carries the gap. */
function splitIntoAttempts(events: SimEvent[]): {
  before: SimEvent[];
  list: Attempt[];
  after: SimEvent[];
  gapAfter?: SimEventOf<"events-dropped">;
} {
  const list: Attempt[] = [];
  let cur: SimEvent[] = [];
  let before: SimEvent[] | null = null;
  let gap: SimEventOf<"events-dropped"> | undefined;
  let cutByGap = false;
  for (const e of events) {
    if (e.kind === "events-dropped") {
      if (before === null) before = cur;
      cur = [];
      gap = e;
      cutByGap = true;
      continue;
    }
    if ((e.kind === "kmem_alloc" || e.kind === "alloc_pages-request") && e.ctx === undefined && before === null) {
      before = cur;
      cur = [];
      continue;
    }
    if (e.kind === "kmem_alloc-attempt" || (e.kind === "alloc_pages-done" && e.ctx === undefined)) {
      if (cutByGap)
        cutByGap = false; // the attempt the gap cut: its start is gone
      else {
        list.push({ n: e.attempt, t0: ownEvents(cur)[0]?.t ?? e.t, t1: e.t, events: cur, end: e, gap });
        gap = undefined;
      }
      cur = [];
      continue;
    }
    cur.push(e);
  }
  return { before: before ?? [], list, after: cur, gapAfter: gap };
}

/** The line that says where the log dropped events. */
function tellGap(gap: SimEventOf<"events-dropped">, resumes: string): string {
  const span = `${formatSimTime(gap.t)} .. ${formatSimTime(gap.lastT)}`;
  return `${span}  ${gap.count} events not kept (the log keeps its first and its last events); ${resumes}`;
}

/** The decisions an attempt took, without its numbers: attempts with equal signatures are told once. */
function decisionSignature(a: Attempt): string {
  const out: string[] = [a.end.via, String(a.end.ok)];
  for (const e of ownEvents(a.events)) {
    if (e.kind === "watermark") {
      out.push(`${e.mark}:o${e.order}:${e.ok ? "ok" : (/^o=(\d+)/.exec(lastWatermarkStep(e))?.[1] ?? "order-0 test")}`);
    } else if (e.kind === "reclaim") out.push(`reclaim:${e.progress}`);
    else if (e.kind === "retry-decision") out.push(`retry:${e.doRetry}`);
    else if (e.kind === "alloc-fail" || e.kind === "alloc-ok") out.push(e.kind);
    else if (e.kind.startsWith("oom") || e.kind.startsWith("vmalloc")) out.push(e.kind);
  }
  return out.join(" ");
}

function lastWatermarkStep(e: SimEventOf<"watermark">): string {
  return e.steps[e.steps.length - 1] ?? "";
}

function tellDirectReclaim(events: SimEvent[]): string | null {
  const passes = eventsOfKind(ownEvents(events), "reclaim-pass").filter((e) => e.who === "direct");
  if (!passes.length) return null;
  const first = passes[0].priority;
  const last = passes[passes.length - 1].priority;
  const best = passes.reduce((m, e) => Math.max(m, e.reclaimed), 0);
  // try_to_free_pages (mm/vmscan.c 2.6.11) returns 1 once a pass reclaims SWAP_CLUSTER_MAX pages
  const hit = passes.find((e) => e.reclaimed >= SWAP_CLUSTER_MAX);
  const naps = new Set(passes.map((e) => e.t)).size - 1;
  const ps = passes[passes.length - 1].pagesScanned;
  const head = `direct reclaim (try_to_free_pages), priorities ${first}..${last}`;
  if (hit) {
    const freed = `${hit.reclaimed} pages freed in the priority-${hit.priority} pass`;
    return `${head}: ${freed}, ${SWAP_CLUSTER_MAX} or more: progress`;
  }
  const napped = naps > 0 ? ` (${naps} nap${naps === 1 ? "" : "s"} of HZ/10 while it scanned)` : "";
  return (
    `${head}: at most ${best} pages freed in one pass, never ${SWAP_CLUSTER_MAX}: no progress${napped}; ` +
    `zone pages_scanned ${ps[0] ?? "?"}`
  );
}

function tellKswapd(events: SimEvent[]): string | null {
  const passes = eventsOfKind(events, "reclaim-pass").filter((e) => e.ctx === "kswapd");
  if (!passes.length) return null;
  const freed = passes.reduce((s, e) => s + e.reclaimed, 0);
  const marked = events.some((e) => e.kind === "all-unreclaimable");
  const zonePasses = `${passes.length} zone pass${passes.length === 1 ? "" : "es"}`;
  const freedPages = `${freed} page${freed === 1 ? "" : "s"}`;
  const markedNote = marked ? "; it marked the zone all_unreclaimable" : "";
  return `kswapd ran ${zonePasses} while the task slept, freeing ${freedPages}${markedNote}`;
}

function tellBackground(events: SimEvent[]): string | null {
  const background = events.filter((e) => e.ctx === "background");
  const pages = eventsOfKind(background, "refault").reduce((s, e) => s + e.pages, 0);
  const exits = eventsOfKind(background, "exit").filter((e) => e.freed).length;
  const allocs = eventsOfKind(background, "alloc_pages-done");
  const failed = allocs.filter((e) => !e.ok).length;
  const orders = [...new Set(allocs.map((e) => e.order))].join(", ");
  const parts = [
    pages ? `${pages} page-cache pages read back (refault)` : "",
    exits ? `${exits} kernel stack${exits === 1 ? "" : "s"} freed by exiting children` : "",
    allocs.length
      ? `${allocs.length} alloc_pages call${allocs.length === 1 ? "" : "s"} (order ${orders}), ${failed} failed`
      : "",
  ].filter(Boolean);
  return parts.length ? `background: ${parts.join(", ")}` : null;
}

const WATERMARK_LABEL: Record<WatermarkName, string> = { low: "LOW", min: "MIN", high: "HIGH" };

/** The __alloc_pages calls of an attempt: each from its alloc-attempt to its alloc-ok/alloc-fail. */
function splitIntoAllocPagesCalls(events: SimEvent[]): SimEvent[][] {
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

/** A call served by its first check: one watermark test that passed, then the page. Returns what such
 *  calls have in common (order and pass), or null. */
function servedByFirstCheck(call: SimEvent[]): string | null {
  const checks = eventsOfKind(call, "watermark");
  const first = call[0];
  const last = call[call.length - 1];
  if (first?.kind !== "alloc-attempt" || checks.length !== 1 || !checks[0].ok || last.kind !== "alloc-ok") return null;
  return `order ${first.order}, ${WATERMARK_LABEL[checks[0].mark]}`;
}

/** Why __vmalloc gave up (mm/vmalloc.c 2.6.11). */
function vmallocFailure(e: SimEventOf<"vmalloc-fail"> | SimEventOf<"vmalloc-out-of-space">): string {
  if (e.kind === "vmalloc-out-of-space") return "no room in the vmalloc area";
  return e.reason === "page" ? `no page after ${e.got} of ${e.nrPages}` : "no memory for the pages array";
}

/** One __alloc_pages call in full. */
function tellAllocPagesCall(call: SimEvent[], gfp: number, attemptEvents: SimEvent[], out: string[]): void {
  let afterReclaim = false;
  for (const e of call) {
    switch (e.kind) {
      case "watermark": {
        const pass = `${WATERMARK_LABEL[e.mark]}${e.mark === "min" && afterReclaim ? " after reclaim" : ""}`;
        const reduced = e.gfpHigh || e.canTryHarder ? ", reduced" : "";
        out.push(`    ${e.zone} ${pass}, order ${e.order} (mark ${e.pages} pages${reduced}): ${e.ok ? "ok" : "fail"}`);
        for (const s of e.steps) out.push(`        ${s}`);
        break;
      }
      case "kswapd-wake":
        out.push(`    kswapd woken for order ${e.order}`);
        break;
      case "reclaim": {
        const d = tellDirectReclaim(attemptEvents);
        if (d) out.push(`    ${d}`);
        afterReclaim = true;
        break;
      }
      case "retry-decision":
        if (e.doRetry) out.push("    retry after blk_congestion_wait(HZ/50)");
        else if (gfp & GFP_2611.__GFP_NORETRY) out.push("    no retry: __GFP_NORETRY");
        else
          out.push(
            `    no retry: order ${e.order} > 3 without __GFP_REPEAT or __GFP_NOFAIL` +
              (e.progress ? " (reclaim progressed)" : ""),
          );
        break;
      case "oom-select": {
        const c = e.candidates
          .slice()
          .sort((x, y) => y.points - x.points)
          .slice(0, 3);
        out.push("    no progress, __GFP_FS set, no __GFP_NORETRY, HIGH check failed: out_of_memory()");
        const badness = c.map((x) => `${x.comm} ${x.pid} (badness ${x.points})`).join(", ");
        out.push(`    select_bad_process: ${badness} -> ${e.comm} ${e.pid}`);
        break;
      }
      case "oom-kill":
        out.push(
          `    killed ${e.comm} ${e.pid}: ${e.freedPages} pages freed, coalescing with free buddies where they lie`,
        );
        break;
      case "alloc-ok":
        out.push(`    served from the ${e.pass.toUpperCase()} pass`);
        break;
      case "alloc-fail":
        out.push(`    returns NULL: ${e.why}${gfp & GFP_2611.__GFP_NOWARN ? " (no warning: __GFP_NOWARN)" : ""}`);
        break;
      case "vmalloc-fail":
      case "vmalloc-out-of-space":
        out.push(`    vmalloc failed: ${vmallocFailure(e)}`);
        break;
      case "printk":
        out.push(`    printk: ${e.text.split("\n")[0]}${e.text.includes("\n") ? " ..." : ""}`);
        break;
    }
  }
}

/** One attempt in full; next is the attempt after it (to say whether kmem_alloc slept). */
function tellAttempt(a: Attempt, next: Attempt | undefined, out: string[]): void {
  const mine = ownEvents(a.events);
  const req = eventsOfKind(mine, "alloc-attempt")[0];
  const gfp = a.end.gfp;
  const pages = req ? ` -> order-${req.order} pages` : "";
  const mask = `gfp 0x${gfp.toString(16)} (${decodeGfp2611(gfp).text})`;
  out.push(`${formatSimTime(a.t0)}  attempt ${a.n}: ${a.end.via}(${a.end.size})${pages}, ${mask}`);
  if (!req && a.end.via === "kmalloc") {
    out.push(
      a.end.ok
        ? "    served from a slab that had a free object: no page allocation"
        : `    no kmalloc size class holds ${a.end.size} bytes ` +
            "(2.6.11's largest is 131072): NULL without a page allocation",
    );
  }
  const calls = splitIntoAllocPagesCalls(mine);
  for (let i = 0; i < calls.length; ) {
    const common = servedByFirstCheck(calls[i]);
    let j = i + 1;
    while (common && j < calls.length && servedByFirstCheck(calls[j]) === common) j++;
    if (common && j - i > 1) {
      const free = (k: number) => eventsOfKind(calls[k], "watermark")[0]?.free ?? "?";
      const freeRange = `free ${free(i)} -> ${free(j - 1)} before the last`;
      out.push(`    ${j - i} allocations (${common}), each served at once (${freeRange})`);
    } else tellAllocPagesCall(calls[i], gfp, mine, out);
    i = j;
  }
  for (const note of [tellKswapd(a.events), tellBackground(a.events)]) if (note) out.push(`    ${note}`);
  const who = a.end.via === "alloc_pages" ? "alloc_pages" : "kmem_alloc";
  if (a.end.ok) out.push(`    ${who} succeeds`);
  else if (!next || who === "alloc_pages") out.push(`    ${who} returns NULL`);
  else if (next.t0 > a.t1)
    out.push(`    kmem_alloc sleeps ${((next.t0 - a.t1) / 1000).toFixed(3)} s (blk_congestion_wait) and tries again`);
  else out.push(`    then ${next.end.via}`);
}

/** A printk with its time, first line only. */
function tellPrintkAt(m: SimEventOf<"printk">): string {
  return `    ${formatSimTime(m.t)} printk: ${m.text.split("\n")[0]}`;
}

/** The whole replay as a story (the events must have been recorded). */
export function formatTrace(r: ReplayResult): string {
  const out: string[] = [
    r.request === "kmem_alloc"
      ? `${r.scenario}: kmem_alloc(${r.size}) under the ${r.policy} policy`
      : `${r.scenario}: alloc_pages requests`,
  ];
  const { before, list, after, gapAfter } = splitIntoAttempts(r.events);
  const pre = [tellKswapd(before), tellBackground(before)].filter((x): x is string => x !== null);
  if (pre.length) {
    const span = `${formatSimTime(before[0].t)} .. ${formatSimTime(before[before.length - 1].t)}`;
    out.push(`${span}  before the first request:`);
    for (const note of pre) out.push(`    ${note}`);
    for (const m of eventsOfKind(before, "printk")) out.push(tellPrintkAt(m));
  }
  if (!list.length) return out.concat("no kmem_alloc attempt was recorded (replay with events on)").join("\n") + "\n";
  for (let i = 0; i < list.length; ) {
    const gap = list[i].gap;
    if (gap) out.push(tellGap(gap, `the story resumes at attempt ${list[i].n}`));
    const signature = decisionSignature(list[i]);
    let j = i + 1;
    while (j < list.length && !list[j].gap && decisionSignature(list[j]) === signature) j++;
    tellAttempt(list[i], list[i + 1], out);
    if (j - i > 1) {
      const run = list.slice(i + 1, j);
      const ev = run.flatMap((a) => a.events);
      const msgs = eventsOfKind(ownEvents(ev), "printk");
      const first = run[0];
      const last = run[run.length - 1];
      const span = `${formatSimTime(first.t0)} .. ${formatSimTime(last.t1)}`;
      out.push(`${span}  attempts ${first.n}-${last.n}: the same decisions`);
      for (const note of [tellKswapd(ev), tellBackground(ev)]) if (note) out.push(`    ${note}`);
      for (const m of msgs) out.push(tellPrintkAt(m));
    }
    i = j;
  }
  if (gapAfter) out.push(tellGap(gapAfter, "no later attempt was kept whole"));
  for (const e of eventsOfKind(after, "livelock")) {
    out.push(`${formatSimTime(e.t)}  stopped by the simulator's bound after ${e.retries} retries: a livelock`);
  }
  const kills = r.kills.map((k) => `${k.comm} ${k.pid}`).join(", ") || "none";
  out.push(
    `outcome: ${r.outcome}; OOM kills: ${kills}; deadlock warnings: ${r.deadlockMessages}; ` +
      `simulated ${(r.simMs / 1000).toFixed(2)} s`,
  );
  return out.join("\n") + "\n";
}

/** The 6.18 story: the slow path's entries told one by one (those served by its first
 *  get_page_from_freelist only counted), each decision with its numbers; kswapd between them. */
/** What each kmem_alloc caller policy does (scenario/kmem618.ts, sim/xfs_kmem.ts). */
const KMEM_POLICY_WORDS: Readonly<Record<string, string>> = {
  kmalloc: "one kmalloc with the caller's gfp (GFP_KERNEL for KM_SLEEP)",
  kvmalloc: "kvmalloc_node: kmalloc without direct reclaim or warning, then vmalloc",
  "pre-bdfb04301fa5": "XFS's loop before bdfb04301fa5: kmalloc below 128 KiB, retried after HZ/50 until it succeeds",
  bdfb04301fa5: "XFS's loop after bdfb04301fa5: kmalloc, retried after HZ/50 until it succeeds",
};

/** How __kvmalloc_node_noprof ended, in words. */
const KVMALLOC_EXIT_WORDS: Readonly<Record<string, string>> = {
  kmalloc: "nothing more (kmalloc succeeded)",
  vmalloc: "the vmalloc fallback",
  "sub-page": "no fallback (size <= PAGE_SIZE)",
  "non-blocking": "no fallback (vmalloc needs a blocking gfp)",
  "too large": "no fallback (size > INT_MAX)",
};

export function formatTrace618(r: ReplayResult618): string {
  const model = r.era === "6.1" ? "the 6.18 slow path with Linux 6.1's rules" : "the 6.18 slow path";
  const out: string[] = [`${r.scenario}: ${model} (${r.events.length} events)`];
  // kmem_alloc's attempts (the XFS loop makes thousands): each attempt's lines are a unit, and a unit
  // that repeats the previous one word for word but for its numbers is counted, not printed again.
  let sink = out;
  let unit: string[] | null = null;
  let lastSig = "";
  let repeats = 0;
  let repeatTo = 0;
  const flushRepeats = () => {
    if (repeats)
      out.push(
        `    ... ${repeats} more attempt${repeats === 1 ? "" : "s"} like the last (counters aside), ` +
          `to ${formatSimTime(repeatTo)}`,
      );
    repeats = 0;
  };
  const endUnit = (t: number) => {
    if (!unit) return;
    // times and counters (deferral attempts, kswapd_failures, pages scanned) aside
    const sig = unit.map((l) => l.replace(/\d+/g, "#")).join("\n");
    if (unit.length && sig === lastSig) {
      repeats++;
      repeatTo = t;
    } else {
      flushRepeats();
      out.push(...unit);
      lastSig = sig;
    }
    unit = [];
    sink = unit;
  };
  const gfpWords = (gfp: number) => `0x${gfp.toString(16)}(${decodeGfp(gfp, "6.18").text})`;
  const tellCaller = (e: SimEvent): boolean => {
    switch (e.kind) {
      case "kmem_alloc":
        flushQuick(e.t);
        flushKswapd();
        endUnit(e.t);
        flushRepeats();
        lastSig = "";
        out.push(
          `${formatSimTime(e.t)}  ${e.comm} (${e.pid}) kmem_alloc(${e.size}, flags 0x${e.flags.toString(16)}) ` +
            `under policy ${e.policy}: ${KMEM_POLICY_WORDS[e.policy] ?? e.policy}`,
        );
        unit = [];
        sink = unit;
        return true;
      case "kmalloc":
        sink.push(
          `    kmalloc(${e.size}): ` +
            (e.cache
              ? `cache ${e.cache}${e.order >= 0 ? `, new slab of order ${e.order}, gfp ${gfpWords(e.gfp)}` : ""}`
              : `large kmalloc (above KMALLOC_MAX_CACHE_SIZE): order-${e.order} pages, gfp ${gfpWords(e.gfp)}`) +
            ` -> ${e.ok ? "ok" : "NULL"}`,
        );
        return true;
      case "__vmalloc_node_range":
        sink.push(
          `    __vmalloc_node_range(${e.size}, ${gfpWords(e.gfp)}): ` +
            (e.ok
              ? `${e.nrPages} order-0 pages in ${e.pageCalls} allocator call${e.pageCalls === 1 ? "" : "s"}, ` +
                `mapped at ${e.addr} -> ok`
              : `${e.failure} -> NULL`),
        );
        return true;
      case "__kvmalloc_node":
        sink.push(
          `    kvmalloc_node(${e.size}, ${gfpWords(e.flags)}): kmalloc with kmalloc_gfp_adjust's ` +
            `${gfpWords(e.kmallocGfp)}, then ${KVMALLOC_EXIT_WORDS[e.exit] ?? e.exit} -> ${e.ok ? "ok" : "NULL"}`,
        );
        return true;
      case "kmem_alloc-attempt":
        sink.push(`    attempt ${e.via} -> ${e.ok ? "ok" : "NULL"}`);
        if (unit) endUnit(e.t);
        return true;
      case "livelock":
        endUnit(e.t);
        flushRepeats();
        out.push(
          `${formatSimTime(e.t)}  kmem_alloc still looping after ${e.retries} retries and ${e.simMs} simulated ms: ` +
            "the replay's bound stops it (livelock)",
        );
        unit = null;
        sink = out;
        return true;
      case "printk":
        if (cur || !unit) return false;
        // between two attempts (XFS's deadlock line): printed where it falls, the count goes on
        flushRepeats();
        for (const l of e.text.split("\n")) out.push(`    | ${l}`);
        return true;
      default:
        return false;
    }
  };
  let quick = 0;
  let quickFrom = 0;
  let kswapd = { runs: 0, reclaimed: 0, failures: 0 };
  let kcompactd = { runs: 0, migrated: 0, proactive: 0 };
  const flushQuick = (t: number) => {
    if (quick)
      sink.push(
        `${formatSimTime(quickFrom)} .. ${formatSimTime(t)}  ${quick} slow-path entr${quick === 1 ? "y" : "ies"} ` +
          "served at the min mark by the first get_page_from_freelist after waking kswapd",
      );
    quick = 0;
  };
  const flushKswapd = () => {
    if (kswapd.runs)
      sink.push(
        `    kswapd: ${kswapd.runs} balance_pgdat run${kswapd.runs === 1 ? "" : "s"}, ${kswapd.reclaimed} pages ` +
          `reclaimed; kswapd_failures ${kswapd.failures}`,
      );
    kswapd = { runs: 0, reclaimed: 0, failures: 0 };
    if (kcompactd.runs || kcompactd.proactive)
      sink.push(
        `    kcompactd: ${kcompactd.runs} kcompactd_do_work run${kcompactd.runs === 1 ? "" : "s"}, ` +
          `${kcompactd.proactive} proactive pass${kcompactd.proactive === 1 ? "" : "es"}, ` +
          `${kcompactd.migrated} pages migrated by kcompactd_do_work`,
      );
    kcompactd = { runs: 0, migrated: 0, proactive: 0 };
  };
  let cur: SimEvent[] | null = null;
  const tellEntry = (events: SimEvent[]) => {
    const start = events[0] as SimEventOf<"__alloc_pages_slowpath">;
    const end = events[events.length - 1];
    const gpff = eventsOfKind(events, "get_page_from_freelist");
    const firstOnly = end.kind === "alloc-ok" && end.pass === "slowpath first";
    if (firstOnly) {
      if (!quick) quickFrom = start.t;
      quick++;
      return;
    }
    flushQuick(start.t);
    const gfp = `0x${start.gfp.toString(16)}(${decodeGfp(start.gfp, "6.18").text})`;
    sink.push(
      `${formatSimTime(start.t)}  __alloc_pages_slowpath: order ${start.order}, gfp_mask ${gfp}, ` +
        `alloc_flags 0x${start.allocFlags.toString(16)}${start.costly ? " (costly order)" : ""}`,
    );
    for (const e of events) {
      switch (e.kind) {
        case "get_page_from_freelist":
          if (e === gpff[0] || !e.ok)
            sink.push(
              `    get_page_from_freelist (${e.step}, alloc_flags 0x${e.allocFlags.toString(16)}): ` +
                (e.ok ? "ok" : "fail"),
            );
          break;
        case "__alloc_pages_direct_compact":
          sink.push(
            `    ${e.early ? "early " : ""}direct compaction at ${e.priority}: ${e.result}` +
              `${e.ok ? `, page ${e.pfn}` : ""}`,
          );
          break;
        case "compaction_suitable":
          sink.push(
            `      compaction_suitable ${e.zone} order ${e.order}: ${e.usable} usable free pages vs mark ` +
              `${e.mark} (watermark + compact_gap)` +
              (e.reserve ? ` + lowmem_reserve ${e.reserve}` : "") +
              (e.fragindex === null
                ? ""
                : `; fragmentation index ${e.fragindex} vs extfrag_threshold ${e.extfragThreshold}`) +
              ` -> ${e.result}`,
          );
          break;
        case "compaction_deferred":
          sink.push(
            `      ${e.zone}: compaction deferred for order ${e.order} (attempt ${e.considered} of ` +
              `${2 ** e.deferShift})`,
          );
          break;
        case "compact_zone":
          sink.push(
            `      compact_zone ${e.zone} order ${e.order} ${e.mode}: ${e.result}, ${e.moves} block` +
              `${e.moves === 1 ? "" : "s"} migrated; ${e.migrateScanned} pages scanned to migrate, ` +
              `${e.freeScanned} for free targets${e.capturedPfn >= 0 ? `; captured ${e.capturedPfn}` : ""}`,
          );
          break;
        case "try_to_free_pages":
          sink.push(
            `    try_to_free_pages: ${e.reclaimed} pages reclaimed of ${e.scanned} scanned in the last pass ` +
              `(down to priority ${e.priority})`,
          );
          break;
        case "__alloc_pages_direct_reclaim":
          sink.push(
            `    direct reclaim: progress ${e.progress}${e.drained ? ", drained and retried" : ""}: ` +
              (e.ok ? "ok" : "no page"),
          );
          break;
        case "should_reclaim_retry": {
          const zones = e.zones
            .map(
              (z) =>
                `${z.zone} ${z.reclaimable} reclaimable + ${z.free} free = ${z.available} ` +
                `vs min ${z.min}: ${z.ok ? "ok" : "fail"}`,
            )
            .join("; ");
          sink.push(
            `    should_reclaim_retry: no_progress_loops ${e.noProgressLoops} (MAX_RECLAIM_RETRIES 16)` +
              `${zones ? `; ${zones}` : ""} -> ${e.retry ? "retry" : "give up"}`,
          );
          break;
        }
        case "should_compact_retry":
          sink.push(
            `    should_compact_retry: ${e.result} at ${e.priority} -> ${e.newPriority}, retries ${e.retries}/` +
              `${e.maxRetries} -> ${e.retry ? "retry" : "give up"}`,
          );
          break;
        case "__alloc_pages_may_oom":
          sink.push(`    __alloc_pages_may_oom: ${e.exit}${e.progress ? " (progress)" : ""}`);
          break;
        case "out_of_memory":
          sink.push(
            e.pid
              ? `    out_of_memory killed ${e.pid} (${e.comm}), points ${e.points}, ${e.freedPages} pages freed`
              : "    out_of_memory found no victim",
          );
          break;
        case "printk":
          for (const l of e.text.split("\n")) sink.push(`    | ${l}`);
          break;
        case "alloc-ok":
          sink.push(`    -> page ${e.pfn} (${e.pass})`);
          break;
        case "alloc-fail":
          sink.push(`    -> NULL: ${e.why}`);
          break;
        default:
          break;
      }
    }
  };
  for (const e of r.events) {
    if (e.ctx === "kswapd") {
      if (e.kind === "balance_pgdat") {
        kswapd.runs++;
        kswapd.reclaimed += e.reclaimed;
        kswapd.failures = e.failures;
      }
      continue;
    }
    if (e.ctx === "kcompactd") {
      if (e.kind === "kcompactd_do_work") {
        kcompactd.runs++;
        kcompactd.migrated += e.migrated;
      } else if (e.kind === "proactive_compaction") kcompactd.proactive++;
      continue;
    }
    if (!cur && tellCaller(e)) continue;
    if (e.kind === "__alloc_pages_slowpath") {
      cur = [e];
      continue;
    }
    if (!cur) continue;
    cur.push(e);
    if (e.kind === "alloc-ok" || e.kind === "alloc-fail") {
      const wasQuick = quick;
      tellEntry(cur);
      if (quick === wasQuick) flushKswapd();
      cur = null;
    }
  }
  flushQuick(r.simMs);
  flushKswapd();
  if (unit) endUnit(r.simMs);
  flushRepeats();
  const kills = r.kills.map((k) => `${k.comm} ${k.pid} (points ${k.points})`).join(", ") || "none";
  out.push(
    `outcome: ${r.outcome}${r.policy ? ` (policy ${r.policy})` : ""}; OOM kills: ${kills}; ` +
      `allocation failures: ${r.allocFailures.length}`,
  );
  return out.join("\n") + "\n";
}
