// `oomlab lab predict`: what the kernel model says a lab run (lab/runs/NAME, LABFORMAT in the README's
// "Checked against Linux") should have measured, from the run's inputs alone: the machine and its free
// lists from before-zoneinfo, before-buddyinfo and before-pagetypeinfo (sweep/workloads/trace_state.ts),
// the workload as the capture's allocations and frees up to the "oomlab: probe-start" marker, replayed
// as requests on the kernel model (the sweep's `trace` workload, mode "requests", model "kernel"), the
// free lists there (mid), then the probe of probe.json simulated instead of replayed:
// - nr_hugepages N: N order-9 allocations with hugetlb's gfp, stopping at the first failure;
// - thp-storm: anonymous faults through the THP fault path under the probe's enabled and defrag settings;
// - oom: the probe's processes as tasks, faulting their memory in, then the growing one until the OOM
//   killer picks a victim.
// The era is --era's, else that of workload.json's vm.kernel (6.1 for the lab's Debian 6.1.0-NN), else
// 6.18; the per-CPU lists (unless --pcp off) have vm.cpus CPUs and each zone's high and batch as
// before-zoneinfo's pagesets print them, with the pages they held at the before state put on them.
// Pure (no node:*): the CLI reads the files (cli/commands/lab.ts) and hands their texts here.

import { OomlabError, isInt } from "../errors.js";
import { THP_DEFRAG, THP_ENABLED, type ThpDefrag, type ThpEnabled } from "../include/linux/huge_mm.js";
import type { ResolvedZone } from "../include/machine.js";
import type { TraceCapture, TraceProcState } from "../include/trace_capture.js";
import { FolioKind } from "../linux-6.18/include/linux/mm_inline.js";
import { parseRelease } from "../include/linux/version.js";
import { engineEraFor } from "../kernel/releases.js";
import { Kernel618 } from "../linux-6.18/kernel.js";
import { GFP_618 } from "../linux-6.18/mm/page_alloc.js";
import type { MetricValue } from "../sweep/metrics.js";
import { Recorder, zoneLabel } from "../sweep/metrics.js";
import { EnginePlacement } from "../sweep/policies/engine.js";
import { trace, type TraceParams } from "../sweep/workloads/trace.js";
import { traceMachine } from "../sweep/workloads/trace_state.js";

/** The marker that ends the workload's part of the capture (LABFORMAT: written to trace_marker as the
 *  probe starts). */
export const PROBE_START_MARKER = "oomlab: probe-start";

/** Eras `lab predict --era` names; LAB_PREDICT_ERAS those this build can run (the kernel model's
 *  profiles, linux-6.18/mm/profile.ts). */
export const LAB_ERAS = ["6.18", "6.1"] as const;
export type LabEra = (typeof LAB_ERAS)[number];
export const LAB_PREDICT_ERAS: readonly LabEra[] = ["6.18", "6.1"];
/** The era of a run whose workload.json names no kernel the model has a profile of. */
export const LAB_DEFAULT_ERA: LabEra = "6.18";

/** hugetlb's huge page order on x86-64 (HPAGE_PMD_ORDER, 2 MiB). */
export const HUGETLB_ORDER = 9;

/**
 * The gfp of one fresh huge page for the pool: htlb_alloc_mask (GFP_HIGHUSER_MOVABLE: x86-64's 2 MiB
 * pages migrate, hugepage_movable_supported) | __GFP_THISNODE (alloc_pool_huge_folio, mm/hugetlb.c 6.18;
 * alloc_pool_huge_page, 6.1) | __GFP_COMP | __GFP_NOWARN (in htlb_alloc_mask, include/linux/hugetlb.h
 * 6.18; added by alloc_buddy_huge_page, mm/hugetlb.c 6.1) | __GFP_RETRY_MAYFAIL (alloc_buddy_hugetlb_folio
 * 6.18, alloc_buddy_huge_page 6.1: "try hard" unless the node failed before in this loop). The same
 * mask in both eras.
 */
export const HUGETLB_POOL_GFP =
  (GFP_618.GFP_HIGHUSER_MOVABLE |
    GFP_618.__GFP_THISNODE |
    GFP_618.__GFP_COMP |
    GFP_618.__GFP_NOWARN |
    GFP_618.__GFP_RETRY_MAYFAIL) >>>
  0;

/** Owner of the huge pages the probe puts in the pool. */
export const OWNER_HUGETLB = 0xfffffffa;
/** The first pid of the probe's processes (the real pids are not known before the run). */
export const PROBE_FIRST_PID = 1000;
/** The growing process of an oom probe stops after this many steps without a kill. */
export const MAX_OOM_STEPS = 1_000_000;

export interface LabProbeHugepages {
  kind: "nr_hugepages";
  value: number;
}
export interface LabProbeThp {
  kind: "thp-storm";
  bytes: number;
  threads: number;
  madvise: boolean;
  defrag: ThpDefrag;
  enabled: ThpEnabled;
}
export interface LabProbeTask {
  name: string;
  bytes: number;
  oomScoreAdj: number;
}
export interface LabProbeOom {
  kind: "oom";
  tasks: LabProbeTask[];
  /** probe.json's "then": the process that grows by stepBytes until the OOM killer fires (one of tasks, or
   *  a new one). */
  grows: { name: string; stepBytes: number; oomScoreAdj: number };
}
export type LabProbe = LabProbeHugepages | LabProbeThp | LabProbeOom;

function bad(file: string, what: string): OomlabError {
  return new OomlabError("OOMLAB_BAD_ARGUMENT", `${file}: ${what}`);
}

function obj(v: unknown, file: string, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw bad(file, `${what} must be an object`);
  return v as Record<string, unknown>;
}

function nat(o: Record<string, unknown>, key: string, file: string, min = 0, dflt?: number): number {
  const v = o[key] ?? dflt;
  if (!isInt(v) || (v as number) < min || (v as number) > Number.MAX_SAFE_INTEGER)
    throw bad(file, `${key} must be an integer >= ${min}, got ${JSON.stringify(o[key])}`);
  return v as number;
}

function adj(o: Record<string, unknown>, file: string): number {
  const v = o.oomScoreAdj ?? 0;
  if (!isInt(v) || (v as number) < -1000 || (v as number) > 1000)
    throw bad(file, `oomScoreAdj must be an integer -1000 .. 1000, got ${JSON.stringify(v)}`);
  return v as number;
}

/** JSON text, or OOMLAB_BAD_ARGUMENT naming the file. */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw bad(file, `not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** probe.json (LABFORMAT) -> a typed probe; OOMLAB_BAD_ARGUMENT naming the file and the field. */
export function parseLabProbe(text: string, file = "probe.json"): LabProbe {
  const o = obj(parseJsonText(text, file), file, "the probe");
  switch (o.kind) {
    case "nr_hugepages":
      return { kind: "nr_hugepages", value: nat(o, "value", file) };
    case "thp-storm": {
      const defrag = o.defrag ?? "madvise";
      const enabled = o.enabled ?? "always";
      if (!(THP_DEFRAG as readonly unknown[]).includes(defrag))
        throw bad(file, `defrag ${JSON.stringify(defrag)} is not one of ${THP_DEFRAG.join(", ")}`);
      if (!(THP_ENABLED as readonly unknown[]).includes(enabled))
        throw bad(file, `enabled ${JSON.stringify(enabled)} is not one of ${THP_ENABLED.join(", ")}`);
      const m = o.madvise ?? "MADV_HUGEPAGE";
      if (m !== true && m !== false && m !== "MADV_HUGEPAGE" && m !== "none" && m !== null)
        throw bad(file, `madvise must be "MADV_HUGEPAGE", "none", true or false, got ${JSON.stringify(m)}`);
      return {
        kind: "thp-storm",
        bytes: nat(o, "bytes", file, 1),
        threads: nat(o, "threads", file, 1, 1),
        madvise: m === true || m === "MADV_HUGEPAGE",
        defrag: defrag as ThpDefrag,
        enabled: enabled as ThpEnabled,
      };
    }
    case "oom": {
      if (!Array.isArray(o.tasks)) throw bad(file, "tasks must be a list of {name, bytes, oomScoreAdj}");
      const tasks = o.tasks.map((t, i) => {
        const r = obj(t, file, `tasks[${i}]`);
        if (typeof r.name !== "string" || r.name === "") throw bad(file, `tasks[${i}].name must be a non-empty string`);
        return { name: r.name, bytes: nat(r, "bytes", file), oomScoreAdj: adj(r, file) };
      });
      const th = obj(o.then, file, "then ({name, stepBytes})");
      if (typeof th.name !== "string" || th.name === "") throw bad(file, "then.name must be a non-empty string");
      const known = tasks.find((t) => t.name === th.name);
      return {
        kind: "oom",
        tasks,
        grows: {
          name: th.name,
          stepBytes: nat(th, "stepBytes", file, 4096),
          oomScoreAdj: known?.oomScoreAdj ?? adj(th, file),
        },
      };
    }
    default:
      throw bad(file, `kind ${JSON.stringify(o.kind)} is not nr_hugepages, thp-storm or oom`);
  }
}

/** The era of --era (absent: LAB_DEFAULT_ERA); OOMLAB_USAGE for an era lab predict does not run. */
export function labEra(era: string | undefined): LabEra {
  const e = era ?? LAB_DEFAULT_ERA;
  if (!(LAB_ERAS as readonly string[]).includes(e))
    throw new OomlabError("OOMLAB_USAGE", `--era ${e}: lab predict knows ${LAB_ERAS.join(" and ")}`);
  if (!LAB_PREDICT_ERAS.includes(e as LabEra))
    throw new OomlabError(
      "OOMLAB_USAGE",
      `--era ${e}: the kernel model has no ${e} profile in this build yet (the lab's kernel is 6.1; predict with ` +
        "--era 6.18 meanwhile)",
    );
  return e as LabEra;
}

/** What lab predict reads of workload.json (LABFORMAT): the VM's kernel release and CPUs. */
export interface LabWorkload {
  /** vm.kernel ("6.1.0-50-amd64"), or null when absent. */
  kernel: string | null;
  /** The engine era of vm.kernel (kernel/releases.ts engineEraFor) when lab predict runs it, else null. */
  era: LabEra | null;
  /** vm.cpus (default 1). */
  cpus: number;
}

/** workload.json -> the VM's kernel and CPUs; OOMLAB_BAD_ARGUMENT naming the field that does not read. */
export function parseLabWorkload(text: string, file = "workload.json"): LabWorkload {
  const o = obj(parseJsonText(text, file), file, "the workload");
  const vm = o.vm === undefined ? {} : obj(o.vm, file, "vm");
  const kernel = vm.kernel ?? null;
  if (kernel !== null && typeof kernel !== "string") throw bad(file, "vm.kernel must be a string");
  const rel = parseRelease(kernel);
  const e = rel ? engineEraFor(rel) : null;
  const era = e !== null && (LAB_PREDICT_ERAS as readonly string[]).includes(e) ? (e as LabEra) : null;
  return { kernel, era, cpus: nat(vm, "cpus", `${file}: vm`, 1, 1) };
}

/** Free blocks per order of each zone with managed pages, keyed "DMA32" (node 0) or "node1.Normal". */
export type FreeByZone = Record<string, number[]>;

export interface LabReplay {
  /** Events replayed (those before the probe-start marker) and the capture's events in all. */
  events: number;
  captureEvents: number;
  requests: number;
  frees: number;
  /** Allocations of the workload the model could not place (the real kernel did). */
  failedRequests: number;
  /** How far the start free lists are from before-buddyinfo (pages), and the pages the layout could
   *  not place (trace_state.ts freeLayout). */
  startL1Pages: number;
  startUnplacedPages: number;
  /** Frees of pages allocated before the capture (not replayed). */
  precaptureFrees: number;
  reclaimedBeforeFree: number;
  /** Pages put on the per-CPU lists at the start (before-zoneinfo's pageset counts; 0 without pcp). */
  startPcpPages: number;
}

export interface LabPrediction {
  run: string;
  era: LabEra;
  /** The per-CPU lists the machine ran with, or null (--pcp off, or no pageset printed). */
  pcp: LabPcp | null;
  probe: LabProbe;
  /** nr_hugepages probes: the pool's size after the write; else null. */
  hugepages: number | null;
  /** thp-storm probes: the fault counters over the probe; else null. */
  thp: { thp_fault_alloc: number; thp_fault_fallback: number } | null;
  /** compact_*, thp_*, pgmigrate_* and oom_kill counters over the probe (mid to after). */
  vmstat: Record<string, number>;
  /** The same counters over the workload (before to mid). */
  vmstatWorkload: Record<string, number>;
  mid: FreeByZone;
  after: FreeByZone;
  oomKills: { pid: number; comm: string; points: number }[];
  replay: LabReplay;
}

export interface LabInputs {
  /** The run's name (its folder's). */
  run: string;
  /** The capture with before-* (after-* is not read). */
  capture: TraceCapture;
  /** probe.json's text. */
  probe: string;
  /** workload.json's text (the era's default and the CPUs of the per-CPU lists); absent: era
   *  LAB_DEFAULT_ERA, one CPU. */
  workload?: string;
}

const COUNTER = /^(compact_|thp_|pgmigrate_|oom_kill$|allocstall_|pgscan_|pgsteal_)/;

function counters(k: Kernel618): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, v] of Object.entries(k.vmstat())) if (COUNTER.test(key)) out[key] = v;
  return out;
}

function delta(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(b)) out[key] = b[key] - (a[key] ?? 0);
  return out;
}

function freeByZone(k: Kernel618): FreeByZone {
  const out: FreeByZone = {};
  for (const z of k.machine.machine.zones as readonly ResolvedZone[])
    if (z.managedPages > 0) out[zoneLabel(z)] = [...k.machine.counters(z.slot).nrFree];
  return out;
}

/** The event index of the probe-start marker; OOMLAB_BAD_ARGUMENT naming the capture without one. */
export function probeStart(capture: TraceCapture): number {
  const m = capture.markers.find((x) => x.text === PROBE_START_MARKER);
  if (!m)
    throw new OomlabError(
      "OOMLAB_BAD_ARGUMENT",
      `${capture.name} has no "tracing_mark_write: ${PROBE_START_MARKER}" line: the workload's events end there`,
    );
  return m.events;
}

function beforeOf(capture: TraceCapture): TraceProcState {
  if (!capture.before)
    throw new OomlabError("OOMLAB_BAD_ARGUMENT", "before-zoneinfo is missing: the machine is built from it");
  return capture.before;
}

function num(v: MetricValue | undefined): number {
  return typeof v === "number" ? v : 0;
}

/** The per-CPU lists of a lab machine: cpus from workload.json, and each zone's pcp->high and
 *  pcp->batch as before-zoneinfo's pagesets print them (cpu 0's; 6.1's are one per zone, every CPU
 *  alike: zone_set_pageset_high_and_batch). Null when the zoneinfo prints no pageset. */
export interface LabPcp {
  cpus: number;
  /** Per zone ("DMA32"): high and batch as printed. */
  zones: Record<string, { high: number; batch: number }>;
}

/** LabPcp from a before-state; null when no zone prints a pageset. */
export function labPcp(before: TraceProcState, cpus: number): LabPcp | null {
  const zones: LabPcp["zones"] = {};
  for (const z of before.zones) {
    const ps = z.pagesets?.find((p) => p.cpu === 0) ?? z.pagesets?.[0];
    if (ps && z.managed > 0)
      zones[z.node === 0 ? z.name : `node${z.node}.${z.name}`] = { high: ps.high, batch: ps.batch };
  }
  return Object.keys(zones).length ? { cpus, zones } : null;
}

/** The kernel model of an era on a machine (one place to wire another era's profile): the era's
 *  profile (Kernel618 runs 6.1's from the machine's era) and, with pcp, per-CPU lists of the era's
 *  rule set (6.1: a fixed pcp->high; 6.18: auto-tuning) sized as the run's zoneinfo printed them. */
function kernelFor(era: LabEra, capture: TraceCapture, probe: LabProbe, run: string, pcp: LabPcp | null): Kernel618 {
  const spec = traceMachine(beforeOf(capture), { era }, false, `lab predict ${run}`);
  // x86-64's DMA zone spans pfns 1..4095 with the legacy hole inside (pfns 0x9f..0xff, absent: spanned
  // 4095, present 3998 on the lab's VM) and its free order-10 blocks above it (1024..4095). The engine
  // keeps a zone's absent pages at its end and its reserved ones at its start, which would cut off the top
  // order-10 block; counted as reserved (present = spanned), the hole sits at the start with them.
  for (const node of spec.nodes)
    for (const z of node.zones)
      if (z.presentPages !== undefined && z.spannedPages > z.presentPages) z.presentPages = z.spannedPages;
  if (pcp) spec.percpuPagelists = { cpus: pcp.cpus };
  const k = new Kernel618(spec, {
    thpEnabled: probe.kind === "thp-storm" ? probe.enabled : undefined,
    thpDefrag: probe.kind === "thp-storm" ? probe.defrag : undefined,
    recordEvents: false,
  });
  if (pcp)
    for (const z of k.machine.machine.zones as readonly ResolvedZone[]) {
      const printed = pcp.zones[zoneLabel(z)];
      // the printed high is the fixed high (6.1) or, under 6.18's rules, the tuned one between
      // high_min and high_max: it stands for both
      if (printed && z.spannedPages > 0)
        k.machine.setZonePcp(z.slot, { batch: printed.batch, highMin: printed.high, highMax: printed.high });
    }
  return k;
}

/** Replays the workload's events on the kernel (the `trace` workload's requests mode). */
function replayWorkload(k: Kernel618, capture: TraceCapture, events: number, pcpStart: boolean): LabReplay {
  const placement = new EnginePlacement("buddy-6.18", k.machine, false);
  const rec = new Recorder(placement, 0);
  let failed = 0;
  const inner = k.allocFolio.bind(k);
  k.allocFolio = (gfp: number, order: number, owner: number, kind: number, flags = 0): number => {
    const pfn = inner(gfp, order, owner, kind, flags);
    if (pfn < 0) failed++;
    return pfn;
  };
  const params: TraceParams = {
    trace: capture.name,
    capture,
    mode: "requests",
    model: "kernel",
    movableAs: "gfp",
    // events 0 means "all" to the workload: an empty workload replays a capture cut to nothing
    events,
    watermark: "low",
    clock: true,
    freePercent: 100,
    avoidFrom: 16,
    runOrder: "best-fit",
    pcpStart,
  };
  const cut: TraceCapture = events === 0 ? { ...capture, events: { ...capture.events, count: 0 } } : capture;
  const out = trace.run({ placement, machine: k.machine, kernel: k, rec, rng: () => 0 }, { ...params, capture: cut })
    .metrics as Record<string, MetricValue>;
  k.allocFolio = inner;
  return {
    events,
    captureEvents: capture.events.count,
    requests: num(out.trace_requests),
    frees: num(out.trace_frees),
    failedRequests: failed,
    startL1Pages: num(out.start_l1_pages),
    startUnplacedPages: num(out.start_unplaced_pages),
    precaptureFrees: num(out.trace_precapture_frees),
    reclaimedBeforeFree: num(out.trace_reclaimed_before_free),
    startPcpPages: num(out.start_pcp_pages),
  };
}

/** set_max_huge_pages growing the pool to n (mm/hugetlb.c 6.18 and 6.1): one fresh huge page at a time
 *  (alloc_pool_huge_folio / alloc_pool_huge_page), and the loop ends at the first failure ("if (!folio)
 *  goto out" in 6.18, "if (!ret) goto out" in 6.1), so the pool is the successes before it. The pool's
 *  pages are not on an LRU: compaction does not move them. */
export function growHugetlbPool(k: Kernel618, n: number): number {
  let got = 0;
  while (got < n) {
    const pfn = k.allocFolio(HUGETLB_POOL_GFP, HUGETLB_ORDER, OWNER_HUGETLB, FolioKind.Kernel);
    if (pfn < 0) break;
    got++;
  }
  return got;
}

/** A THP storm: one process faulting bytes of a MADV_HUGEPAGE (or plain) mapping, 2 MiB at a time
 *  through the THP fault path (Kernel618.thpFault); threads share the mm, so one task stands for them. */
function thpStorm(k: Kernel618, p: LabProbeThp): void {
  const pid = PROBE_FIRST_PID;
  const t = k.addTask({ pid, comm: "thp-storm" });
  const prev = k.current;
  k.current = t;
  const huge = 2 ** HUGETLB_ORDER * k.pageSize;
  for (let done = 0; done < p.bytes && !t.killed && !k.panicked; done += huge) {
    const rest = p.bytes - done;
    if (rest >= huge) k.thpFault(pid, p.madvise);
    else k.faultAnon(pid, Math.ceil(rest / k.pageSize));
  }
  k.current = prev;
}

/** The oom probe: each process faults its bytes in (anonymous memory), then the growing one faults
 *  stepBytes at a time until the OOM killer has killed someone (or MAX_OOM_STEPS). */
function oomProbe(k: Kernel618, p: LabProbeOom): void {
  const pids = new Map<string, number>();
  p.tasks.forEach((t, i) => {
    const pid = PROBE_FIRST_PID + i;
    pids.set(t.name, pid);
    const task = k.addTask({ pid, comm: t.name.slice(0, 15), oomScoreAdj: t.oomScoreAdj });
    k.current = task;
    if (t.bytes > 0 && !k.panicked) k.faultAnon(pid, Math.ceil(t.bytes / k.pageSize));
  });
  let pid = pids.get(p.grows.name);
  if (pid === undefined) {
    pid = PROBE_FIRST_PID + p.tasks.length;
    k.addTask({ pid, comm: p.grows.name.slice(0, 15), oomScoreAdj: p.grows.oomScoreAdj });
  }
  const grower = k.task(pid) as NonNullable<ReturnType<Kernel618["task"]>>;
  k.current = grower;
  const step = Math.ceil(p.grows.stepBytes / k.pageSize);
  for (let i = 0; i < MAX_OOM_STEPS && k.oomKills.length === 0 && !grower.killed && !k.panicked; i++) {
    const got = k.faultAnon(pid, step);
    if (got < step && k.oomKills.length === 0) break; // failed without a kill: nothing more to learn
  }
  k.current = null;
}

/** Predicts a lab run (see the header). */
export function predictLab(inp: LabInputs, o: { era?: string; pcp?: boolean } = {}): LabPrediction {
  const workload = inp.workload === undefined ? null : parseLabWorkload(inp.workload);
  const era = labEra(o.era ?? workload?.era ?? undefined);
  const probe = parseLabProbe(inp.probe);
  const events = probeStart(inp.capture);
  const pcp = o.pcp === false ? null : labPcp(beforeOf(inp.capture), workload?.cpus ?? 1);
  const k = kernelFor(era, inp.capture, probe, inp.run, pcp);
  try {
    const v0 = counters(k);
    const replay = replayWorkload(k, inp.capture, events, pcp !== null);
    const mid = freeByZone(k);
    const v1 = counters(k);
    let hugepages: number | null = null;
    let thp: LabPrediction["thp"] = null;
    if (probe.kind === "nr_hugepages") hugepages = growHugetlbPool(k, probe.value);
    else if (probe.kind === "thp-storm") thpStorm(k, probe);
    else oomProbe(k, probe);
    const v2 = counters(k);
    const vmstat = delta(v1, v2);
    if (probe.kind === "thp-storm")
      thp = { thp_fault_alloc: vmstat.thp_fault_alloc ?? 0, thp_fault_fallback: vmstat.thp_fault_fallback ?? 0 };
    return {
      run: inp.run,
      era,
      pcp,
      probe,
      hugepages,
      thp,
      vmstat,
      vmstatWorkload: delta(v0, v1),
      mid,
      after: freeByZone(k),
      oomKills: k.oomKills.map((x) => ({ pid: x.pid, comm: x.comm, points: x.points })),
      replay,
    };
  } finally {
    k.machine.dispose();
  }
}
