// Replaying a 6.18 scenario (schema618.ts): the kernel is built from the machine, sysctls, config,
// THP settings and swap; the events run in order as the tasks they name; the result keeps the
// fields of a 2.6.11 replay (outcome, kills, lines, events, simMs, freeKbAtOom) and adds vmstat
// (/proc/vmstat names), allocFailures and each kill's points.

import { KERNEL_HOOKS_618, Kernel618, OWNER_618 } from "../linux-6.18/kernel.js";
import type { Hooks618 } from "../linux-6.18/mm/hooks.js";
import { FolioKind } from "../linux-6.18/include/linux/mm_inline.js";
import { GFP_618 } from "../linux-6.18/mm/page_alloc.js";
import { parseGfp } from "../include/linux/gfp.js";
import { checkSysctl } from "../include/linux/sysctl.js";
import type { MachineSpec } from "../include/machine.js";
import type { SimEvent } from "../sim/events.js";
import { scaledLogLimits, type LogLimits } from "../sim/log.js";
import { validateScenario618, type Scenario618 } from "./schema618.js";
import { Callers618, kmemPolicy618, type KmemResult618 } from "./kmem618.js";
import { KM_FLAGS, type KmemBounds, type KmemCallerPolicy } from "../sim/xfs_kmem.js";

export interface ReplayOptions618 extends KmemBounds {
  /** kmem_alloc's caller policy (default: the scenario's policy, else "kmalloc"). */
  policy?: KmemCallerPolicy;
  /** Record structured events (default true). */
  events?: boolean;
  logLimits?: LogLimits;
  /** The compaction, OOM and report modules (default: the kernel model's, KERNEL_HOOKS_618). */
  hooks?: Partial<Hooks618>;
  onKernel?: (k: Kernel618) => void;
}

export interface ReplayResult618 {
  scenario: string;
  era: "6.1" | "6.18";
  /** The kind of the last event that allocated ("alloc_pages", "anon", "thp", ...). */
  request: string;
  /** Bytes the last allocating event asked for per request (PAGE_SIZE << order). */
  size: number;
  outcome: "success" | "failed" | "livelock" | "panic";
  /** The policy kmem_alloc events ran under (null: the scenario has none). */
  policy: KmemCallerPolicy | null;
  /** The last kmem_alloc's result (scenario/kmem618.ts), without the pointer. */
  kmem: Omit<KmemResult618, "ptr"> | null;
  kills: { pid: number; comm: string; points: number }[];
  simMs: number;
  freeKbAtOom: number | null;
  lines: string[];
  events: SimEvent[];
  vmstat: Record<string, number>;
  allocFailures: { order: number; gfpMask: number; comm: string }[];
  dropped?: { lines: number; events: number };
}

/** The machine with the scenario's sysctls applied (they win over the machine's own fields). */
export function machineOf(sc: Scenario618): MachineSpec {
  const s = sc.sysctl ?? {};
  const m: MachineSpec = { ...sc.machine };
  if (s.min_free_kbytes !== undefined) m.minFreeKbytes = s.min_free_kbytes;
  if (s.watermark_scale_factor !== undefined) m.watermarkScaleFactor = s.watermark_scale_factor;
  if (s.watermark_boost_factor !== undefined) m.watermarkBoostFactor = s.watermark_boost_factor;
  // lowmem_reserve_ratio_sysctl_handler stores entries below 1 as 0 (checkSysctl)
  if (s.lowmem_reserve_ratio !== undefined)
    m.lowmemReserveRatio = checkSysctl("lowmem_reserve_ratio", s.lowmem_reserve_ratio) as number[];
  return m;
}

/** Builds the 6.18 kernel of a scenario (no event run yet). */
export function buildKernel618(sc: Scenario618, o: ReplayOptions618 = {}): Kernel618 {
  const k = new Kernel618(machineOf(sc), {
    swapTotalPages: Math.floor(((sc.swap?.totalKb ?? 0) * 1024) / (sc.machine.pageSize ?? 4096)),
    swappiness: sc.sysctl?.swappiness,
    defragMode: sc.sysctl?.defrag_mode === 1,
    configCompaction: sc.config?.COMPACTION,
    extfragThreshold: sc.sysctl?.extfrag_threshold,
    compactionProactiveness: sc.sysctl?.compaction_proactiveness,
    thpEnabled: sc.thp?.enabled,
    thpDefrag: sc.thp?.defrag,
    hooks: o.hooks,
    logLimits: o.logLimits ?? scaledLogLimits(sc.tasks.length),
    recordEvents: o.events ?? true,
  });
  for (const t of sc.tasks) k.addTask({ pid: t.pid, comm: t.comm, uid: t.uid ?? 0, oomScoreAdj: t.oomScoreAdj ?? 0 });
  return k;
}

/** Replays a 6.18 scenario. */
export function replay618(input: unknown, o: ReplayOptions618 = {}): ReplayResult618 {
  const sc = validateScenario618(input);
  let freeKbAtOom: number | null = null;
  const oomFactory = o.hooks?.oom ?? KERNEL_HOOKS_618.oom;
  const hooks: Partial<Hooks618> = {
    ...o.hooks,
    oom: (view) => {
      const inner = oomFactory(view);
      return {
        outOfMemory(oc, kv, report) {
          if (freeKbAtOom === null)
            freeKbAtOom =
              kv.machine.allStats().reduce((s, z) => s + z.freePages, 0) * (kv.machine.machine.pageSize / 1024);
          return inner.outOfMemory(oc, kv, report);
        },
      };
    },
  };
  const k = buildKernel618(sc, { ...o, hooks });
  o.onKernel?.(k);
  let last: { request: string; ok: boolean; size: number } | null = null;
  const hasKmem = sc.events.some((e) => e.do === "kmem_alloc");
  const policy = hasKmem ? (o.policy ?? sc.policy ?? "kmalloc") : null;
  const xfs = policy
    ? kmemPolicy618(k, new Callers618(k), { policy, maxRetries: o.maxRetries, maxSimMs: o.maxSimMs })
    : null;
  let kmem: Omit<KmemResult618, "ptr"> | null = null;
  for (const e of sc.events) {
    if (k.panicked) break;
    if (e.do === "sleep") {
      k.schedule(e.ms);
      continue;
    }
    if (e.at !== undefined && e.at > k.clock.nowMs) k.schedule(e.at - k.clock.nowMs);
    const pid = "task" in e ? e.task : "mappedBy" in e ? e.mappedBy : undefined;
    const task = pid === undefined ? null : (k.task(pid) ?? null);
    if (task?.killed) continue;
    k.current = task;
    try {
      switch (e.do) {
        case "anon":
          last = { request: "anon", ok: k.faultAnon(e.task, e.pages) === e.pages, size: k.pageSize };
          break;
        case "file":
          last = {
            request: "file",
            ok: k.readFile(e.pages, { dirty: e.dirty, mappedBy: e.mappedBy }) === e.pages,
            size: k.pageSize,
          };
          break;
        case "slab":
          last = { request: "slab", ok: k.allocSlab(e.pages, e.reclaimable ?? false) === e.pages, size: k.pageSize };
          break;
        case "kernel": {
          const gfp = e.gfp === undefined ? GFP_618.GFP_KERNEL : parseGfp(e.gfp, "6.18");
          let ok = true;
          for (let i = 0; i < (e.count ?? 1) && !k.panicked; i++)
            ok = k.allocKernel(e.order, { gfp, owner: e.task ?? OWNER_618.kernel }) >= 0 && ok;
          last = { request: "kernel", ok, size: k.pageSize * 2 ** e.order };
          break;
        }
        case "thp": {
          let ok = true;
          for (let i = 0; i < (e.count ?? 1) && !k.panicked && !task?.killed; i++)
            ok = k.thpFault(e.task, e.madvise ?? false) && ok;
          last = { request: "thp", ok, size: k.pageSize * 2 ** k.machine.machine.pageblockOrder };
          break;
        }
        case "truncate":
          k.truncateFile(e.stride);
          break;
        case "kmem_alloc": {
          const flags = (e.flags ?? ["KM_SLEEP"]).reduce((f, n) => f | KM_FLAGS[n], 0);
          k.log.event("kmem_alloc", {
            policy: policy as string,
            size: e.size,
            flags,
            pid: e.task,
            comm: task?.comm ?? "",
          });
          const { ptr, ...rest } = (xfs as NonNullable<typeof xfs>).kmemAlloc(e.size, flags);
          kmem = rest;
          last = { request: "kmem_alloc", ok: ptr !== null, size: e.size };
          break;
        }
        case "free":
          k.freeKernel(e.task, e.keepEvery ?? 0);
          break;
        case "alloc_pages": {
          const gfp = parseGfp(e.gfp, "6.18");
          let ok = true;
          for (let i = 0; i < (e.count ?? 1) && !k.panicked; i++) {
            k.log.event("alloc_pages-request", {
              pid: e.task,
              comm: task?.comm ?? "",
              order: e.order,
              gfp,
              interrupt: false,
            });
            const pfn = k.allocFolio(gfp, e.order, e.task, FolioKind.Kernel);
            k.log.event("alloc_pages-done", {
              via: "alloc_pages",
              size: k.pageSize * 2 ** e.order,
              order: e.order,
              gfp,
              ok: pfn >= 0,
              pfn,
              attempt: i + 1,
            });
            ok = pfn >= 0 && ok;
          }
          last = { request: "alloc_pages", ok, size: k.pageSize * 2 ** e.order };
          break;
        }
      }
    } finally {
      k.current = null;
    }
  }
  const dropped = { lines: k.log.droppedLines, events: k.log.droppedEvents };
  return {
    scenario: sc.name,
    era: sc.machine.era === "6.1" ? "6.1" : "6.18",
    request: last?.request ?? "none",
    size: last?.size ?? 0,
    outcome: k.panicked
      ? "panic"
      : last?.request === "kmem_alloc" && kmem?.livelock
        ? "livelock"
        : last?.ok === false
          ? "failed"
          : "success",
    policy,
    kmem,
    kills: k.oomKills.map((v) => ({ pid: v.pid, comm: v.comm, points: v.points })),
    simMs: k.clock.nowMs,
    freeKbAtOom,
    lines: k.log.lines,
    events: k.log.events,
    vmstat: k.vmstat(),
    allocFailures: k.alloc.failures.map((f) => ({ ...f })),
    ...(dropped.lines || dropped.events ? { dropped } : {}),
  };
}
