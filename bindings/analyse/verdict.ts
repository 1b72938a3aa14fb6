// diagnose_verdict: the cause of a failure from the zones the request may use, each rebuilt in the
// engine and checked at the mark the failing path used (the watermark checks of mm/page_alloc.c, at
// the slow path's last attempt): below the mark, held back by lowmem_reserve, CMA excluded, or no
// suitable block of the order.

import { MAX_REBUILT_PAGES, RebuiltZone, type CheckInput, type CheckResult, type Stage } from "./rebuilt_zone.js";
import { gfpMeaning, type GfpMeaning } from "./gfp.js";
import { pageKb, populated, zoneContexts, type ReportEra, type ZoneCtx } from "./zones.js";
import type { ParsedReport } from "../parse/reports.js";
import { AllocFlags } from "../mm/internal.js";
import type { Mark, Verdict, WhatIfZone } from "./report.js";

/** Zones rebuilt in the engine, by their printed state; the oldest is dropped past REBUILT_ZONES_KEPT. */
const rebuiltZones = new Map<string, RebuiltZone | null>();
const REBUILT_ZONES_KEPT = 16;

/** The printed state part of a zone's rebuild key: what RebuiltZone.build and check read of the
 *  zone model (not its size). Made once per zone context (a report checks a zone many times). */
const modelKeys = new WeakMap<ZoneCtx, string>();

function rebuildKey(c: ZoneCtx, era: ReportEra): string {
  let key = modelKeys.get(c);
  if (key === undefined) {
    const m = c.model;
    key = JSON.stringify([m.freeAreas, m.letters, m.cmaPages, m.pageSize]);
    modelKeys.set(c, key);
  }
  return `${era.rule} ${key}`;
}

function rebuilt(c: ZoneCtx, era: ReportEra): RebuiltZone | null {
  const m = c.model;
  const key = rebuildKey(c, era);
  if (!rebuiltZones.has(key)) {
    if (rebuiltZones.size >= REBUILT_ZONES_KEPT) {
      const oldest = rebuiltZones.keys().next().value as string;
      rebuiltZones.get(oldest)?.m.dispose(); // its engine instance is reused by the next rebuild
      rebuiltZones.delete(oldest);
    }
    rebuiltZones.set(key, RebuiltZone.build(m, era.rule));
  }
  return rebuiltZones.get(key) ?? null;
}

/** A zone with marks and free lists that the engine cannot hold: its free lists add up to more than
 *  MAX_REBUILT_PAGES (a paste with a corrupt count; a real zone's free lists hold at most its pages). */
function unrebuildable(c: ZoneCtx, era: ReportEra): boolean {
  return c.marks !== null && c.model.freeAreas.length > 0 && rebuilt(c, era) === null;
}

/** A zone the checks can judge: allowed, with marks and free lists, and rebuilt in the engine. */
function judgeable(c: ZoneCtx, era: ReportEra): boolean {
  return c.allowed && c.marks !== null && c.model.freeAreas.length > 0 && !unrebuildable(c, era);
}

/** The verdict when the only zones that could be judged are too large to rebuild: said, not guessed. */
function notRebuilt(zones: ZoneCtx[]): Verdict {
  const each = zones.map((c) => {
    const pages = c.model.freeAreas.reduce((s, n, o) => s + n * 2 ** o, 0);
    return `${zoneLabel(c)}'s free lists add up to ${pages} pages`;
  });
  return {
    cause: null,
    summary:
      `Not judged: ${each.join(", ")}, more than the ${MAX_REBUILT_PAGES} pages oomlab rebuilds a zone with ` +
      "(a zone's free lists hold at most its pages: check the per-order line of the paste).",
    steps: [],
  };
}

const zoneLabel = (c: ZoneCtx) => (c.z.node ? `Node ${c.z.node} ${c.z.name}` : c.z.name);
const UNDECODED_GFP: GfpMeaning = {
  names: [],
  highestZone: "Normal",
  gfpHigh: false,
  harder: false,
  allocFlags: 0,
  cma: false,
};

function meaning(mask: number, era: ReportEra, order: number, warn: (m: string) => void): GfpMeaning {
  try {
    return gfpMeaning(mask, era.release, order);
  } catch (e) {
    warn(`gfp mask 0x${mask.toString(16)} not decoded (${(e as Error).message}); assuming GFP_KERNEL's zones`);
    return UNDECODED_GFP;
  }
}

/** The check a zone gets on the failing path: reductions only on the min-mark attempt. */
function checkInputFor(
  c: ZoneCtx,
  order: number,
  mark: Mark,
  g: GfpMeaning,
  era: ReportEra,
  reduce: boolean,
): CheckInput {
  const cmaFlag = g.cma ? AllocFlags.CMA : 0;
  return {
    order,
    mark: c.marks ? c.marks[mark] : 0,
    reserve: c.reserve,
    gfpHigh: reduce && g.gfpHigh,
    harder: reduce && g.harder,
    allocFlags: reduce ? g.allocFlags | cmaFlag : cmaFlag,
    subtractCma: era.subtractCma && !g.cma,
    freeCounter: c.z.freeKb !== null ? Math.floor(c.z.freeKb / (c.model.pageSize / 1024)) : null,
  };
}

/** Checks already run, by zone state and check input: the engine's answer for the same printed
 *  zone and request is the same (a log repeats its DMA zone in every report). Emptied when full. */
const checked = new Map<string, CheckResult | null>();
const CHECKS_KEPT = 4096;

function runCheck(c: ZoneCtx, era: ReportEra, inp: CheckInput): CheckResult | null {
  const i = inp;
  const key =
    `${rebuildKey(c, era)} ${i.order} ${i.mark} ${i.reserve} ${i.gfpHigh} ${i.harder} ` +
    `${i.allocFlags} ${i.subtractCma} ${i.freeCounter ?? "-"}`;
  let r = checked.get(key);
  if (r === undefined) {
    const z = rebuilt(c, era);
    r = z ? z.check(inp, c.model.cmaPages) : null;
    if (checked.size >= CHECKS_KEPT) checked.clear();
    checked.set(key, r);
  }
  return r && { ...r, steps: [...r.steps] };
}

function sizePages(c: ZoneCtx): number | null {
  return c.model.presentPages;
}

function tooSmall(c: ZoneCtx, order: number): boolean {
  const size = sizePages(c);
  return (
    order >= Math.max(c.model.freeAreas.length, 1) + (c.model.freeAreas.length ? 0 : 10) ||
    (size !== null && 2 ** order > size)
  );
}

const STAGE_SENTENCE: Record<Stage, string> = {
  ok: "passes",
  mark: "is at or below the mark",
  reserve: "has the pages, but lowmem_reserve holds them back for higher zones' requests",
  cma: "has enough free pages only by counting CMA pageblocks, which this request cannot use",
  block: "has the pages but no suitable free block of the order",
};

function zoneSentences(
  all: ZoneCtx[],
  res: Map<ZoneCtx, CheckResult | null>,
  mark: Mark,
  g: GfpMeaning | null,
): string {
  return all
    .filter((c) => c.z.presentKb !== 0)
    .map((c) => {
      if (!c.allowed) return `${zoneLabel(c)}: not allowed by the gfp mask (gfp_zone ${g?.highestZone ?? "?"}).`;
      const r = res.get(c);
      if (!r) return `${zoneLabel(c)}: allowed; not judged (no watermarks or free lists printed).`;
      const by = r.stage === "ok" && r.margin !== undefined ? ` by ${r.margin} page${r.margin === 1 ? "" : "s"}` : "";
      const at = `at the ${mark} mark (${c.marks?.[mark]} pages + lowmem_reserve ${c.reserve})`;
      return `${zoneLabel(c)}: allowed; ${at} it ${STAGE_SENTENCE[r.stage]}${by}.`;
    })
    .join(" ");
}

function causeOf(stages: Stage[]): string {
  if (stages.includes("ok")) return "unexplained";
  if (stages.includes("block")) return "fragmentation";
  if (stages.includes("cma")) return "cma-unusable";
  return "exhaustion";
}

const CAUSE_HEADLINE: Record<string, (o: number, mark: Mark) => string> = {
  fragmentation: (o) => `Fragmentation: an allowed zone has the free pages but no suitable free block of order ${o}.`,
  exhaustion: (_o, m) =>
    `Exhaustion: every zone the request may use is at or below the ${m} watermark plus lowmem_reserve.`,
  "cma-unusable": () => "CMA: most free memory sits in CMA pageblocks, which this (non-movable) request cannot use.",
  unexplained: (_o, m) =>
    `Unexplained: a zone passes the ${m} check in the printed state ` +
    "(memory changed before the dump, or another limit such as a cpuset or __GFP_THISNODE).",
  pagefault: () =>
    "Page fault: VM_FAULT_OOM (gfp_mask 0) with no zone short of memory: pagefault_out_of_memory ran the OOM killer.",
};

/** A report with a printed order: judge it at the failing path's mark. */
export function judgeOrder(
  r: ParsedReport,
  era: ReportEra,
  mask: number,
  order: number,
  warn: (m: string) => void,
): Verdict {
  const g = meaning(mask, era, order, warn);
  const all = zoneContexts(r, g.highestZone);
  const allowed = all.filter((c) => c.allowed).sort((a, b) => b.rank - a.rank);
  if (!allowed.length)
    return {
      cause: "unexplained",
      summary: `The mask allows ${g.highestZone} and below, and the report shows no populated zone there.`,
      steps: [],
    };
  if (allowed.every((c) => tooSmall(c, order))) {
    const sizes = allowed.map((c) => `${zoneLabel(c)} ${sizePages(c) ?? "?"} pages`).join(", ");
    return {
      cause: "zone-too-small",
      summary:
        `Zone too small: an order-${order} block is ${2 ** order} pages (${2 ** order * pageKb(r)} kB), ` +
        `more than the allowed zones can ever hold (${sizes}).`,
      steps: [],
    };
  }
  const oom = r.kind === "oom";
  const mark: Mark = oom ? "high" : "min";
  const res = new Map<ZoneCtx, CheckResult | null>();
  for (const c of allowed) {
    res.set(
      c,
      c.marks && c.model.freeAreas.length ? runCheck(c, era, checkInputFor(c, order, mark, g, era, !oom)) : null,
    );
  }
  const judged = allowed.filter((c) => res.get(c));
  const tooLarge = allowed.filter((c) => unrebuildable(c, era));
  if (!judged.length && tooLarge.length) return notRebuilt(tooLarge);
  if (!judged.length)
    return {
      cause: "unexplained",
      summary: `No allowed zone printed both watermarks and free lists. ${zoneSentences(all, res, mark, g)}`,
      steps: [],
    };
  const stages = judged.map((c) => (res.get(c) as CheckResult).stage);
  let cause = causeOf(stages);
  if (cause === "unexplained" && oom && mask === 0) cause = "pagefault";
  const want: Stage =
    cause === "fragmentation"
      ? "block"
      : cause === "cma-unusable"
        ? "cma"
        : cause === "unexplained" || cause === "pagefault"
          ? "ok"
          : stages[0];
  const decide = judged.find((c) => res.get(c)?.stage === want) ?? judged[0];
  const dr = res.get(decide) as CheckResult;
  const how = oom
    ? "the OOM path's last attempt, __alloc_pages_may_oom at ALLOC_WMARK_HIGH"
    : "the last attempt of the slow path, the min mark with the mask's reductions";
  const steps = [
    `${zoneLabel(decide)}, order ${order}, ${mark} mark ${decide.marks?.[mark]} pages (${how}):`,
    ...dr.steps,
  ];
  return { cause, summary: `${CAUSE_HEADLINE[cause](order, mark)} ${zoneSentences(all, res, mark, g)}`, steps };
}

interface OrderRow {
  c: ZoneCtx;
  low: boolean[];
  min: boolean[];
}

/** Every order of each zone checked at the low mark and at the min mark with the mask's reductions. */
function orderRows(zones: ZoneCtx[], era: ReportEra, gm: GfpMeaning): OrderRow[] {
  return zones.map((c) => {
    const n = c.model.freeAreas.length;
    const at = (mark: Mark, reduce: boolean) =>
      Array.from({ length: n }, (_, o) => runCheck(c, era, checkInputFor(c, o, mark, gm, era, reduce))?.ok ?? false);
    return { c, low: at("low", false), min: at("min", true) };
  });
}

/** The lowest order that fails at both marks in every zone: the order a report without one asked for
 *  at least (undefined when every order passes somewhere). */
function firstFailingOrder(rows: OrderRow[]): number | undefined {
  const n = Math.max(...rows.map((w) => w.low.length));
  const fails = (o: number) => rows.every((w) => !w.low[o] && !w.min[o]);
  return Array.from({ length: n }, (_, o) => o).find(fails);
}

/** The order judgePerOrder infers for a report with a mask but no order, or null when it infers none. */
export function inferredOrder(r: ParsedReport, era: ReportEra, mask: number): number | null {
  const g = meaning(mask, era, 0, () => undefined);
  const zones = zoneContexts(r, g.highestZone)
    .filter((c) => judgeable(c, era))
    .sort((a, b) => b.rank - a.rank);
  if (!zones.length) return null;
  return firstFailingOrder(orderRows(zones, era, g)) ?? null;
}

function passingOrders(ok: boolean[]): string {
  const first = ok.indexOf(false);
  if (first < 0) return ok.length === 1 ? "order 0" : `every order (0-${ok.length - 1})`;
  return first === 0 ? "no order" : `orders up to ${first - 1}`;
}

/** Reports without an order (2.6.11/2.6.12 OOMs, show_mem dumps, /proc): every order at low and min. */
export function judgePerOrder(
  r: ParsedReport,
  era: ReportEra,
  ctxs: ZoneCtx[] | null,
  mask: number | null,
  warn: (m: string) => void,
): Verdict {
  const g = mask !== null ? meaning(mask, era, 0, warn) : null;
  const all = ctxs ?? zoneContexts(r, g ? g.highestZone : null);
  const zones = all.filter((c) => judgeable(c, era)).sort((a, b) => b.rank - a.rank);
  const tooLarge = all.filter((c) => c.allowed && unrebuildable(c, era));
  if (!zones.length && tooLarge.length) return notRebuilt(tooLarge);
  if (!zones.length)
    return {
      cause: g ? "unexplained" : null,
      summary: "No zone printed both watermarks and free lists: nothing to check.",
      steps: [],
    };
  const gm = g ?? UNDECODED_GFP;
  const rows = orderRows(zones, era, gm);
  const steps = rows.map((w) => {
    const low = `low mark ${w.c.marks?.low} pages: ${passingOrders(w.low)} pass`;
    return `${zoneLabel(w.c)}: ${low}; min mark ${w.c.marks?.min} pages: ${passingOrders(w.min)} pass`;
  });
  const text = rows
    .map(
      (w) =>
        `${zoneLabel(w.c)}: ${passingOrders(w.low)} pass at the low mark, ${passingOrders(w.min)} at the min mark.`,
    )
    .join(" ");
  if (!g) return { cause: null, summary: `No request to judge; per zone and order: ${text}`, steps };
  const f = firstFailingOrder(rows);
  if (f === undefined) {
    const cause = mask === 0 ? "pagefault" : "unexplained";
    return { cause, summary: `${CAUSE_HEADLINE[cause](0, "min")} ${text}`, steps };
  }
  const decide = rows.find((w) => w.min.slice(0, f).every(Boolean) && w.c.model.freeAreas.length > f) ?? rows[0];
  const c = decide.c;
  const low = runCheck(c, era, checkInputFor(c, f, "low", gm, era, false)) as CheckResult;
  const min = runCheck(c, era, checkInputFor(c, f, "min", gm, era, true)) as CheckResult;
  const cause = causeOf([min.stage]);
  const lead =
    f === 0
      ? "No order was printed; even order 0 fails at the low and min marks."
      : "No order was printed (a 2.6.11/2.6.12 report): " +
        `in ${zoneLabel(c)} orders up to ${f - 1} pass at the low and min marks and order ${f} ` +
        `(${2 ** f * pageKb(r)} kB) fails at both, so the request was order ${f} or more.`;
  steps.push(`${zoneLabel(c)}, order ${f}, low mark ${c.marks?.low} pages:`, ...low.steps);
  steps.push(`${zoneLabel(c)}, order ${f}, min mark ${c.marks?.min} pages:`, ...min.steps);
  const sentences = zoneSentences(all, new Map([[c, min]]), "min", g);
  return { cause, summary: `${lead} ${CAUSE_HEADLINE[cause](f, "min")} ${sentences}`, steps };
}

/** A request judged under changed settings: the verdict, each zone's checks, and the outcome. */
export interface RequestJudgement {
  verdict: Verdict;
  zones: WhatIfZone[];
  outcome: "pass" | "fail" | null;
}

const MARK_WORDS: Record<Mark, string> = {
  high: "the high mark (the OOM path's last attempt)",
  min: "the min mark with the mask's reductions (the slow path's last attempt)",
  low: "the low mark",
};

/** "at the low mark, then the min mark with the mask's reductions (...)". */
export function marksInWords(marks: Mark[]): string {
  return `at ${marks.map((m) => MARK_WORDS[m]).join(", then ")}`;
}

/** Why an allowed zone could not be judged for an order, or null when it can be. */
function unjudgeable(c: ZoneCtx, order: number): string | null {
  if (!c.marks || !c.model.freeAreas.length) return "no watermarks or free lists printed";
  const n = c.model.freeAreas.length;
  if (order >= n)
    return n === 1 ? "only its free page count is known: order 0 alone" : `free lists printed up to order ${n - 1}`;
  return null;
}

function zoneOutcomeSentence(c: ZoneCtx, z: WhatIfZone, g: GfpMeaning | null, order: number): string {
  if (z.result === "not allowed") return `${zoneLabel(c)}: not allowed by the gfp mask (gfp_zone ${g?.highestZone}).`;
  if (z.result === "not judged")
    return `${zoneLabel(c)}: allowed; not judged (${unjudgeable(c, order) ?? "too large to rebuild in the engine"}).`;
  const each = z.checks.map((k) => {
    const margin = k.pass && k.margin !== undefined ? ` by ${k.margin} page${k.margin === 1 ? "" : "s"}` : "";
    const at = `at the ${k.mark} mark (${k.pages} pages + lowmem_reserve ${k.reserve})`;
    return `${at} it ${STAGE_SENTENCE[k.stage as Stage]}${margin}`;
  });
  return `${zoneLabel(c)} ${z.result === "pass" ? "passes" : "fails"}: ${each.join("; ")}.`;
}

/**
 * Judges one request (order, mask) in the zones of r (with r's marks, which a what-if has changed)
 * at the given marks: in each allowed zone the checks the failing path makes, in its order (the
 * min mark with the mask's reductions, as gfp_to_alloc_flags gives them); the request is served
 * when some zone passes one of them. `lead` opens the summary (what the request is and why).
 */
export function judgeRequest(
  r: ParsedReport,
  era: ReportEra,
  mask: number | null,
  order: number,
  marks: Mark[],
  lead: string,
  warn: (m: string) => void,
): RequestJudgement {
  // the per-order path (low, then min) decodes the mask as judgePerOrder does, the others at the order
  const g = mask !== null ? meaning(mask, era, marks.includes("low") ? 0 : order, warn) : null;
  const gm = g ?? UNDECODED_GFP;
  // the report's order for the sentences and zones; the zonelist's (higher zones first) for the choice
  const all = zoneContexts(r, g ? g.highestZone : null).filter((c) => populated(c.z));
  const allowed = all.filter((c) => c.allowed).sort((a, b) => b.rank - a.rank);
  const none = (summary: string, cause: string | null = null): RequestJudgement => ({
    verdict: { cause, summary: `${lead} ${summary}`, steps: [] },
    zones: all.map((c) => ({
      node: c.z.node,
      name: c.z.name,
      result: c.allowed ? "not judged" : "not allowed",
      checks: [],
    })),
    outcome: null,
  });
  if (!allowed.length) return none(`The mask allows ${gm.highestZone} and below, and no populated zone is there.`);
  const small = (c: ZoneCtx) => c.model.presentPages !== null && 2 ** order > c.model.presentPages;
  if (allowed.every(small)) {
    const sizes = allowed.map((c) => `${zoneLabel(c)} ${sizePages(c) ?? "?"} pages`).join(", ");
    const j = none(
      `It fails: an order-${order} block is ${2 ** order} pages, more than the allowed zones hold (${sizes}).`,
      "zone-too-small",
    );
    return { ...j, outcome: "fail" };
  }
  const results = new Map<ZoneCtx, { zone: WhatIfZone; found: (CheckResult & { mark: Mark })[] }>();
  for (const c of all) {
    const zone: WhatIfZone = { node: c.z.node, name: c.z.name, result: "not allowed", checks: [] };
    const found: (CheckResult & { mark: Mark })[] = [];
    if (c.allowed) {
      zone.result = "not judged";
      for (const mark of unjudgeable(c, order) === null && !small(c) ? marks : []) {
        const res = runCheck(c, era, checkInputFor(c, order, mark, gm, era, mark === "min"));
        if (!res) break;
        found.push({ ...res, mark });
        const pages = c.marks?.[mark] ?? 0;
        zone.checks.push({ mark, pages, reserve: c.reserve, pass: res.ok, stage: res.stage, margin: res.margin });
      }
      if (found.length === marks.length && found.length) zone.result = found.some((k) => k.ok) ? "pass" : "fail";
      else zone.checks = [];
    }
    results.set(c, { zone, found });
  }
  const zones = all.map((c) => (results.get(c) as { zone: WhatIfZone }).zone);
  const judged = allowed.filter(
    (c) => results.get(c)?.zone.result === "pass" || results.get(c)?.zone.result === "fail",
  );
  const sentences = all
    .map((c) => zoneOutcomeSentence(c, (results.get(c) as { zone: WhatIfZone }).zone, g, order))
    .join(" ");
  if (!judged.length) {
    const j = none(`No allowed zone could be judged. ${sentences}`);
    return { ...j, zones };
  }
  const passing = judged.find((c) => results.get(c)?.zone.result === "pass");
  const last = marks[marks.length - 1];
  if (passing) {
    const k = (results.get(passing)?.found ?? []).find((f) => f.ok) as CheckResult & { mark: Mark };
    const steps = [
      `${zoneLabel(passing)}, order ${order}, ${k.mark} mark ${passing.marks?.[k.mark]} pages:`,
      ...k.steps,
    ];
    const summary = `${lead} It passes in ${zoneLabel(passing)}: the allocation would be served. ${sentences}`;
    return { verdict: { cause: "passes", summary, steps }, zones, outcome: "pass" };
  }
  const lastOf = (c: ZoneCtx) => (results.get(c)?.found ?? []).find((f) => f.mark === last) as CheckResult;
  const cause = causeOf(judged.map((c) => lastOf(c).stage));
  const want: Stage = cause === "fragmentation" ? "block" : cause === "cma-unusable" ? "cma" : lastOf(judged[0]).stage;
  const decide = judged.find((c) => lastOf(c).stage === want) ?? judged[0];
  const steps = (results.get(decide)?.found ?? []).flatMap((f) => [
    `${zoneLabel(decide)}, order ${order}, ${f.mark} mark ${decide.marks?.[f.mark]} pages:`,
    ...f.steps,
  ]);
  const summary = `${lead} It fails. ${CAUSE_HEADLINE[cause](order, last)} ${sentences}`;
  return { verdict: { cause, summary, steps }, zones, outcome: "fail" };
}
