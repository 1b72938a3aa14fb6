// Scenarios: a documented JSON format for a 2.6.11 machine, its tasks, the physical layout of its
// memory, the counters the simulation cannot derive, and a script of events in simulated time.
// This module validates a scenario; build.ts builds the simulated kernel from it, replay.ts runs it.
//
// {
//   "name", "description",
//   "provenance": { "fromArticle": [...], "chosen": [...] },   // where every value comes from
//   "machine": MachineSpec (era "2.6.11"),                      // zones, min_free_kbytes, ...
//   "hz": 100, "nrCpus": 1, "uptimeSec": 86400, "vmallocEnd": 3489660928,  // 0xd0000000
//   "swap": { "totalKb", "usedKb", "cache": { add, del, findSuccess, findTotal, noentRace, existRace } },
//   "tasks": [ { pid, comm, ppid, uid, euid, nice, capSysAdmin, capSysRawio, kernelThread,
//                totalVm, startTimeSec, cpuJiffies, oomkilladj, swappedPages } ],
//   "layout": [ { zone, at, count, step, blockPages, kind, owner, lru } ],   // see LayoutRun
//   "events": [ { at, do: "kmem_alloc", task, size, flags },             // one-off, in time order
//               { every, from, until, do: "refault", task },            // periodic, while the
//               { every, from, until, do: "fork-exit", task, lifetime, count },   // allocating task sleeps
//               { at | every/from/until, do: "alloc_pages", task, order, gfp, interrupt, lifetime } ]
// }
//
// LRU pages ("lru": { list, anon, mapped, hot, locked, busy, dirty, fileMapped }) carry what
// shrink_list tests: hot = referenced at every scan, locked = PG_locked (read I/O in flight: skipped
// and not counted as scanned), busy = held by someone besides the cache (page_count != 2: counted,
// kept). refault reads back the page cache reclaim evicted; fork-exit forks count children of task
// that live lifetime ms (ARM kernel stacks: order 1, up to 4 kept for reuse at exit, the rest freed
// straight into the buddy allocator). alloc_pages calls __alloc_pages(gfp, order) for task: once at
// `at` as the task the replay follows, or every `every` ms in the background (a driver's receive
// path), its pages freed lifetime ms later when lifetime is given.
//
// Layout: every page of a zone starts allocated to the kernel; runs then give pages to slab, page
// tables, the LRU (with an owner task or the page cache) or free them. Free pages are freed in
// ascending pfn order, so they coalesce exactly as the buddy allocator would.

import { OomlabError, check, isInt } from "../errors.js";
import { gfpZone, parseGfp2611 } from "../include/linux/gfp.js";
import { KM_FLAGS } from "../linux-2.6.11/fs/xfs/kmem.js";
import type { MachineSpec } from "../include/machine.js";
import { ZONE_TYPES, type ZoneType } from "../include/linux/mmzone.js";
import type { Task } from "../sim/tasks.js";

export interface LruSpec {
  list: "active" | "inactive";
  anon?: boolean;
  mapped?: boolean;
  hot?: boolean;
  locked?: boolean;
  busy?: boolean;
  dirty?: boolean;
  fileMapped?: boolean;
}

export interface LayoutRun {
  zone?: ZoneType;
  /** First page as an offset from the zone's start pfn. */
  at: number;
  /** Number of blocks (default 1). */
  count?: number;
  /** Pages between the starts of consecutive blocks (default blockPages). */
  step?: number;
  /** Pages per block (a power of two, default 1). */
  blockPages?: number;
  kind: "free" | "kernel" | "slab" | "pagetables" | "lru";
  /** pid owning the pages (LRU anon pages, a task's page tables); default: the page cache. */
  owner?: number;
  lru?: LruSpec;
  note?: string;
}

export interface TaskSpec extends Partial<Omit<Task, "mm" | "rss">> {
  pid: number;
  comm: string;
  kernelThread?: boolean;
  swappedPages?: number;
}

export interface ScenarioEvent {
  do: "kmem_alloc" | "refault" | "fork-exit" | "alloc_pages";
  /** alloc_pages: the order and the gfp mask (a number or names: "GFP_ATOMIC", "GFP_KERNEL|__GFP_NOWARN"). */
  order?: number;
  gfp?: number | string;
  /** alloc_pages: run in interrupt context (in_interrupt(): no can_try_harder for rt tasks, no
   *  PF_MEMALLOC pass), as a NIC's receive path does. */
  interrupt?: boolean;
  /** fork-exit: how long the children live (ms), and how many are forked each time (default 1). */
  lifetime?: number;
  count?: number;
  /** ms; for one-off events. */
  at?: number;
  /** ms between runs of a periodic event, from `from` until `until`. */
  every?: number;
  from?: number;
  until?: number;
  task: number;
  /** kmem_alloc: bytes and KM_* flag names. */
  size?: number;
  flags?: string[];
}

export interface Scenario {
  name: string;
  description?: string;
  provenance?: { fromArticle?: string[]; chosen?: string[] };
  machine: MachineSpec;
  hz?: number;
  nrCpus?: number;
  uptimeSec?: number;
  /** VMALLOC_END as a byte address (ARM: the board's include/asm-arm/arch-* /vmalloc.h value; default 0xd0000000). */
  vmallocEnd?: number;
  swap?: { totalKb: number; usedKb?: number; cache?: Record<string, number> };
  tasks: TaskSpec[];
  layout: LayoutRun[];
  events: ScenarioEvent[];
  /** Reclaim state of a zone at t = 0 that no layout implies: the scan budgets shrink_zone
   *  carries between calls (zone->nr_scan_active, nr_scan_inactive, 0 .. 31) and pages_scanned. */
  zoneState?: Partial<Record<ZoneType, { nrScanActive?: number; nrScanInactive?: number; pagesScanned?: number }>>;
}

export function bad(msg: string): never {
  throw new OomlabError("OOMLAB_BAD_SPEC", `scenario: ${msg}`);
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
const optNum = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER, int = true) =>
  v === undefined ||
  (typeof v === "number" && Number.isFinite(v) && v >= min && v <= max && (!int || Number.isInteger(v)));
const optBool = (v: unknown) => v === undefined || typeof v === "boolean";
const LRU_FLAGS = ["anon", "mapped", "hot", "locked", "busy", "dirty", "fileMapped"] as const;
const KM_FLAG_NAMES = Object.keys(KM_FLAGS);

/** Checks a scenario's shape and ranges; every problem is an OomlabError naming the field. The
 *  machine itself is checked by Machine.create. */
export function validateScenario(s: unknown): Scenario {
  if (!isObj(s)) bad("must be a JSON object");
  const sc = s as unknown as Scenario;
  check(typeof sc.name === "string", "scenario: name must be a string");
  check(
    isObj(sc.machine) && sc.machine.era === "2.6.11",
    `scenario: machine.era must be "2.6.11" (the replay models 2.6.11), ` +
      `got ${JSON.stringify(isObj(sc.machine) ? sc.machine.era : sc.machine)}`,
  );
  check(
    Array.isArray(sc.tasks) && Array.isArray(sc.layout) && Array.isArray(sc.events),
    "scenario: tasks, layout and events must be arrays",
  );
  check(optNum(sc.hz, 12, 1535), "scenario: hz must be an integer from 12 to 1535 (2.6.11 jiffies.h)");
  check(optNum(sc.nrCpus, 1, 64), "scenario: nrCpus must be an integer from 1 to 64");
  check(optNum(sc.uptimeSec, 0, 1e9), "scenario: uptimeSec must be a non-negative integer");
  if (sc.swap !== undefined) {
    check(
      isObj(sc.swap) && optNum(sc.swap.totalKb, 0, 2 ** 40) && sc.swap.totalKb !== undefined,
      "scenario: swap.totalKb must be a non-negative integer",
    );
    check(
      optNum(sc.swap.usedKb, 0, sc.swap.totalKb),
      `scenario: swap.usedKb must be an integer from 0 to swap.totalKb (${sc.swap.totalKb})`,
    );
    if (sc.swap.cache !== undefined) {
      check(isObj(sc.swap.cache), "scenario: swap.cache must be an object of counters");
      for (const [k, v] of Object.entries(sc.swap.cache)) {
        check(
          ["add", "del", "findSuccess", "findTotal", "noentRace", "existRace"].includes(k),
          `scenario: swap.cache.${k} is not a swap cache counter ` +
            "(add, del, findSuccess, findTotal, noentRace, existRace)",
        );
        check(optNum(v, 0, 2 ** 53), `scenario: swap.cache.${k} must be a non-negative integer`);
      }
    }
  }
  const pids = new Set<number>();
  sc.tasks.forEach((t, i) => {
    check(
      isObj(t) && isInt(t.pid) && t.pid > 0 && typeof t.comm === "string",
      `scenario: tasks[${i}] needs an integer pid > 0 and a comm`,
    );
    check(!pids.has(t.pid), `scenario: tasks[${i}] repeats pid ${t.pid}`);
    for (const f of ["ppid", "uid", "euid", "totalVm", "startTimeSec", "cpuJiffies", "swappedPages"] as const)
      check(optNum(t[f], 0), `scenario: tasks[${i}].${f} must be a non-negative integer`);
    check(optNum(t.nice, -20, 19), `scenario: tasks[${i}].nice must be an integer from -20 to 19`);
    check(optNum(t.oomkilladj, -17, 15), `scenario: tasks[${i}].oomkilladj must be an integer from -17 to 15`);
    for (const f of ["capSysAdmin", "capSysRawio", "kernelThread", "rt"] as const)
      check(optBool(t[f]), `scenario: tasks[${i}].${f} must be true or false`);
    pids.add(t.pid);
  });
  sc.layout.forEach((r, i) => {
    check(isObj(r), `scenario: layout[${i}] must be an object`);
    check(isInt(r.at) && r.at >= 0, `scenario: layout[${i}].at must be a non-negative integer`);
    check(
      ["free", "kernel", "slab", "pagetables", "lru"].includes(r.kind),
      `scenario: layout[${i}].kind ${JSON.stringify(r.kind)} is not free, kernel, slab, pagetables or lru`,
    );
    check(
      r.zone === undefined || (ZONE_TYPES as readonly string[]).includes(r.zone),
      `scenario: layout[${i}].zone ${JSON.stringify(r.zone)} is not one of ${ZONE_TYPES.join(", ")}`,
    );
    const bp = r.blockPages ?? 1;
    check(
      isInt(bp) && bp > 0 && bp <= 1 << 24 && (bp & (bp - 1)) === 0,
      `scenario: layout[${i}].blockPages must be a power of two`,
    );
    check(optNum(r.count, 1, 1 << 24), `scenario: layout[${i}].count must be a positive integer`);
    check(optNum(r.step, 1, 1 << 24), `scenario: layout[${i}].step must be a positive integer`);
    check((r.count ?? 1) * bp <= 1 << 24, `scenario: layout[${i}] places more than 2^24 pages`);
    if (r.kind === "lru") {
      check(
        isObj(r.lru) && (r.lru.list === "active" || r.lru.list === "inactive"),
        `scenario: layout[${i}] of kind lru needs lru.list active or inactive`,
      );
      for (const f of LRU_FLAGS) check(optBool(r.lru[f]), `scenario: layout[${i}].lru.${f} must be true or false`);
    }
    if (r.owner !== undefined) check(pids.has(r.owner), `scenario: layout[${i}].owner ${r.owner} is not a task`);
  });
  if (sc.vmallocEnd !== undefined)
    check(
      isInt(sc.vmallocEnd) && sc.vmallocEnd > 0xc0000000 && sc.vmallocEnd <= 0xffffffff,
      "scenario: vmallocEnd must be an address above PAGE_OFFSET 0xc0000000 and below 4 GiB",
    );
  if (sc.zoneState !== undefined) {
    check(isObj(sc.zoneState), "scenario: zoneState must be an object keyed by zone name");
    for (const [z, st] of Object.entries(sc.zoneState)) {
      check(
        (ZONE_TYPES as readonly string[]).includes(z) && isObj(st),
        `scenario: zoneState.${z} must be a zone name with an object`,
      );
      check(
        optNum(st.nrScanActive, 0, 31) && optNum(st.nrScanInactive, 0, 31),
        `scenario: zoneState.${z}: nrScanActive and nrScanInactive are scan budgets from 0 to 31`,
      );
      check(
        optNum(st.pagesScanned, 0, 2 ** 40),
        `scenario: zoneState.${z}.pagesScanned must be a non-negative integer`,
      );
    }
  }
  sc.events.forEach((e, i) => {
    check(isObj(e), `scenario: events[${i}] must be an object`);
    check(
      e.do === "kmem_alloc" || e.do === "refault" || e.do === "fork-exit" || e.do === "alloc_pages",
      `scenario: events[${i}].do must be kmem_alloc, alloc_pages, refault or fork-exit`,
    );
    check(pids.has(e.task), `scenario: events[${i}].task ${e.task} is not a task`);
    for (const f of ["at", "from", "until", "lifetime"] as const)
      check(optNum(e[f], 0, 1e12, false), `scenario: events[${i}].${f} must be a non-negative number of ms`);
    if (e.do === "refault" || e.do === "fork-exit")
      check(e.every !== undefined, `scenario: events[${i}] (${e.do}) needs every (ms)`);
    if (e.do === "alloc_pages") {
      check(
        isInt(e.order) && (e.order as number) >= 0 && (e.order as number) < (sc.machine.maxOrder ?? 11),
        `scenario: events[${i}].order must be an integer from 0 to MAX_ORDER - 1 (${(sc.machine.maxOrder ?? 11) - 1})`,
      );
      let mask = 0;
      try {
        mask = parseGfp2611(e.gfp);
      } catch (err) {
        bad(`events[${i}].${(err as Error).message}`);
      }
      try {
        gfpZone(mask, "2.6.11"); // the zonelist __alloc_pages would walk
      } catch (err) {
        bad(`events[${i}].gfp: ${(err as Error).message}`);
      }
      check(optBool(e.interrupt), `scenario: events[${i}].interrupt must be true or false`);
    }
    if (e.every !== undefined)
      check(
        typeof e.every === "number" && e.every >= 1 && Number.isFinite(e.every),
        `scenario: events[${i}].every must be a number of ms, at least 1`,
      );
    if (e.count !== undefined)
      check(
        isInt(e.count) && e.count > 0 && e.count <= 64,
        `scenario: events[${i}].count must be an integer from 1 to 64`,
      );
    if (e.do === "kmem_alloc") {
      check(
        isInt(e.size) && (e.size as number) > 0 && (e.size as number) <= 2 ** 31,
        `scenario: events[${i}].size must be a positive integer (bytes, at most 2 GiB)`,
      );
      check(
        e.flags === undefined || (Array.isArray(e.flags) && e.flags.every((f) => KM_FLAG_NAMES.includes(f))),
        `scenario: events[${i}].flags must be a list of ${KM_FLAG_NAMES.join(", ")}`,
      );
    }
  });
  return sc;
}
