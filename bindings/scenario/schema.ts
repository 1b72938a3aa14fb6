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

import { z } from "zod";
import { OomlabError } from "../errors.js";
import { gfpZone, parseGfp2611 } from "../include/linux/gfp.js";
import { KM_FLAGS } from "../linux-2.6.11/fs/xfs/kmem.js";
import type { MachineSpec } from "../include/machine.js";
import { ZONE_TYPES, type ZoneType } from "../include/linux/mmzone.js";
import { GFP_MASK_MAX } from "../include/linux/sysctl.js";
import { MAX_PAGES, machineSchema } from "../include/machine_schema.js";
import {
  flag,
  intIn,
  listOf,
  numberIn,
  objectOf,
  oneOf,
  parseWith,
  SENTENCE,
  WHEN_FIELDS_PARSED,
  text,
  type SchemaContext,
} from "../include/schema.js";
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
  /** The JSON Schema the file names (schemas/scenario.schema.json); ignored. */
  $schema?: string;
  /** The format tag, "oomlab-scenario/1". */
  format?: typeof SCENARIO_FORMAT;
  name: string;
  description?: string;
  provenance?: { fromArticle?: string[]; chosen?: string[] };
  machine: MachineSpec;
  hz?: number;
  nrCpus?: number;
  uptimeSec?: number;
  /** VMALLOC_END as a byte address (ARM: the board's include/asm-arm/arch-* /vmalloc.h value; default 0xd0000000). */
  vmallocEnd?: number;
  swap?: {
    totalKb: number;
    usedKb?: number;
    /** swap_cache_info (mm/swap_state.c 2.6.11), as show_swap_cache_info prints it. */
    cache?: Partial<Record<"add" | "del" | "findSuccess" | "findTotal" | "noentRace" | "existRace", number>>;
  };
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

/** The format tag scenario files carry. */
export const SCENARIO_FORMAT = "oomlab-scenario/1";
/** PID_MAX_LIMIT of a 64-bit 2.6.11 kernel (include/linux/threads.h: 4M; 32-bit kernels 0x8000). */
const PID_MAX_LIMIT = 4 * 1024 * 1024;
/** uid_t: 32 bits. */
const UID_MAX = 2 ** 32 - 1;
/** Event times up to one simulated day (--max-sim-ms's maximum too): --max-sim-ms bounds only the
 *  kmem_alloc loop, so an event at 10^12 ms would make the replay run 10^12 ms of timers first. */
const MAX_EVENT_MS = 86_400_000;
/** kmem_alloc sizes up to 2 GiB (the size_t XFS passes is far larger; the replay's machines are not). */
const MAX_KMEM_SIZE = 2 ** 31;
/** Children one fork-exit event forks at a time. */
const MAX_FORKS = 64;
/** shrink_zone's carried scan budgets stay below SWAP_CLUSTER_MAX (mm/vmscan.c shrink_zone, 2.6.11). */
const MAX_SCAN_BUDGET = 31;
/** Counters a scenario may preset: below 2^40 pages or kB. */
const MAX_COUNT = 2 ** 40;
/** HZ of 2.6.11: include/linux/jiffies.h accepts 12 .. 1535 ("You lose" otherwise). */
const HZ_MIN = 12;
const HZ_MAX = 1535;
/** PAGE_OFFSET on ARM and i386 (0xc0000000): vmalloc's range lies above it, below 4 GiB. */
const PAGE_OFFSET = 0xc0000000;
const KM_FLAG_NAMES = Object.keys(KM_FLAGS) as [string, ...string[]];

const pid = (what: string) => intIn(1, PID_MAX_LIMIT - 1, `${what}; below PID_MAX_LIMIT, 2.6.11`);
const ms = (what: string) => numberIn(0, MAX_EVENT_MS, `ms, ${what}`);
/** unsigned long on 32-bit ARM, 2.6.11: mm->total_vm, utime + stime, swap entries. */
const ULONG_MAX_ARM = 2 ** 32 - 1;
const counter = (what: string) => intIn(0, ULONG_MAX_ARM, `${what}; an unsigned long of 32-bit ARM`);

const taskSchema = objectOf(
  {
    pid: pid("the task's pid"),
    comm: text("the command name (15 characters are kept, TASK_COMM_LEN)"),
    ppid: intIn(0, PID_MAX_LIMIT - 1, "the parent's pid, 0 for none").optional(),
    uid: intIn(0, UID_MAX, "uid_t").optional(),
    euid: intIn(0, UID_MAX, "uid_t").optional(),
    nice: intIn(-20, 19, "task_nice()").optional(),
    capSysAdmin: flag().optional(),
    capSysRawio: flag().optional(),
    kernelThread: flag().optional(),
    rt: flag().optional(),
    totalVm: counter("mm->total_vm, pages").optional(),
    startTimeSec: counter("seconds since boot").optional(),
    cpuJiffies: counter("utime + stime, jiffies").optional(),
    oomkilladj: intIn(-17, 15, "oomkilladj; OOM_DISABLE is -17").optional(),
    swappedPages: counter("pages").optional(),
  },
  "a task { pid, comm, ... }",
);

const lruSchema = objectOf(
  {
    list: oneOf(["active", "inactive"], "the LRU list"),
    anon: flag().optional(),
    mapped: flag().optional(),
    hot: flag().optional(),
    locked: flag().optional(),
    busy: flag().optional(),
    dirty: flag().optional(),
    fileMapped: flag().optional(),
  },
  "an LRU page description { list, anon?, mapped?, hot?, locked?, busy?, dirty?, fileMapped? }",
);

const layoutSchema = objectOf(
  {
    zone: oneOf(ZONE_TYPES, "default DMA").optional(),
    at: intIn(0, MAX_PAGES, "first page, an offset from the zone's first managed page"),
    count: intIn(1, MAX_PAGES, "blocks").optional(),
    step: intIn(1, MAX_PAGES, "pages between the starts of consecutive blocks").optional(),
    blockPages: intIn(1, MAX_PAGES, "pages per block, a power of two").optional(),
    kind: oneOf(["free", "kernel", "slab", "pagetables", "lru"]),
    owner: pid("a task of the scenario").optional(),
    lru: lruSchema.optional(),
    note: text("a comment").optional(),
  },
  "a layout run { at, kind, ... }",
);

const eventFields = {
  task: pid("a task of the scenario"),
};
const periodic = {
  every: numberIn(1, MAX_EVENT_MS, "ms between runs"),
  from: ms("first run").optional(),
  until: ms("last run at or before").optional(),
};
const EVENT_KINDS = ["kmem_alloc", "refault", "fork-exit", "alloc_pages"] as const;

const eventSchema = z.discriminatedUnion(
  "do",
  [
    objectOf(
      {
        do: z.literal("kmem_alloc"),
        at: ms("when").optional(),
        ...eventFields,
        size: intIn(1, MAX_KMEM_SIZE, "bytes, at most 2 GiB"),
        flags: listOf(oneOf(KM_FLAG_NAMES, "KM_* flags"), 0, KM_FLAG_NAMES.length, "KM_* flag names").optional(),
      },
      "a kmem_alloc event { do, at?, task, size, flags? }",
    ),
    objectOf({ do: z.literal("refault"), ...eventFields, ...periodic }, "a refault event { do, every, task, ... }"),
    objectOf(
      {
        do: z.literal("fork-exit"),
        ...eventFields,
        ...periodic,
        lifetime: ms("how long the children live").optional(),
        count: intIn(1, MAX_FORKS, "children forked each time").optional(),
      },
      "a fork-exit event { do, every, task, lifetime?, count?, ... }",
    ),
    objectOf(
      {
        do: z.literal("alloc_pages"),
        at: ms("when, for a one-off request").optional(),
        every: periodic.every.optional(),
        from: periodic.from,
        until: periodic.until,
        ...eventFields,
        order: intIn(0, 15, "below the machine's maxOrder"),
        gfp: z
          .union([intIn(0, GFP_MASK_MAX, "gfp_t"), text("flag names joined by |")], {
            error: () => 'a gfp mask: a number or names like "GFP_KERNEL|__GFP_NOWARN"',
          })
          .meta({ description: 'a gfp mask: a number or names like "GFP_KERNEL|__GFP_NOWARN"' }),
        interrupt: flag().optional(),
        lifetime: ms("how long the pages stay allocated").optional(),
      },
      "an alloc_pages event { do, task, order, gfp, at? | every?, ... }",
    ),
  ],
  { error: () => `an event whose do is one of ${EVENT_KINDS.join(", ")}` },
);

const zoneStateSchema = objectOf(
  {
    nrScanActive: intIn(0, MAX_SCAN_BUDGET, "zone->nr_scan_active, below SWAP_CLUSTER_MAX").optional(),
    nrScanInactive: intIn(0, MAX_SCAN_BUDGET, "zone->nr_scan_inactive, below SWAP_CLUSTER_MAX").optional(),
    pagesScanned: intIn(0, MAX_COUNT, "zone->pages_scanned").optional(),
  },
  "a zone's reclaim state { nrScanActive?, nrScanInactive?, pagesScanned? }",
);

/** The fields every scenario format shares (2.6.11's here, 6.18's in schema618.ts): schema, format
 *  tag, name, description and where every value comes from. */
export const SCENARIO_HEADER_FIELDS = {
  $schema: text("the path or URL of this file's JSON Schema").optional(),
  format: z
    .literal(SCENARIO_FORMAT, { error: () => JSON.stringify(SCENARIO_FORMAT) })
    .meta({ description: "the format tag" })
    .optional(),
  name: text("the scenario's name"),
  description: text("what the scenario shows").optional(),
  provenance: objectOf(
    {
      fromArticle: z.array(text("a value the source gives")).optional(),
      chosen: z.array(text("a value chosen, and why")).optional(),
    },
    "{ fromArticle?, chosen? }: where every value comes from",
  ).optional(),
};

const scenarioFields = {
  ...SCENARIO_HEADER_FIELDS,
  machine: machineSchema(
    oneOf(["2.6.11"], "the replay models 2.6.11"),
    "a 2.6.11 machine description { era, nodes, ... }",
  ),
  hz: intIn(HZ_MIN, HZ_MAX, "HZ; 2.6.11 jiffies.h").optional(),
  nrCpus: intIn(1, 64, "CPUs; oomlab's limit").optional(),
  uptimeSec: intIn(0, 1e9, "seconds").optional(),
  vmallocEnd: intIn(PAGE_OFFSET + 1, 2 ** 32 - 1, "VMALLOC_END: above PAGE_OFFSET 0xc0000000, below 4 GiB").optional(),
  swap: objectOf(
    {
      totalKb: intIn(0, MAX_COUNT, "kB"),
      usedKb: intIn(0, MAX_COUNT, "kB, at most totalKb").optional(),
      cache: objectOf(
        {
          add: counter("swap_cache_info.add_total").optional(),
          del: counter("swap_cache_info.del_total").optional(),
          findSuccess: counter("swap_cache_info.find_success").optional(),
          findTotal: counter("swap_cache_info.find_total").optional(),
          noentRace: counter("swap_cache_info.noent_race").optional(),
          existRace: counter("swap_cache_info.exist_race").optional(),
        },
        "swap cache counters { add, del, findSuccess, findTotal, noentRace, existRace }",
      ).optional(),
    },
    "swap { totalKb, usedKb?, cache? }",
  ).optional(),
  tasks: listOf(taskSchema, 0, Infinity, "tasks"),
  layout: listOf(layoutSchema, 0, Infinity, "layout runs"),
  events: listOf(eventSchema, 0, Infinity, "events"),
  zoneState: z
    .partialRecord(oneOf(ZONE_TYPES), zoneStateSchema, { error: () => "an object keyed by zone name" })
    .meta({ description: "reclaim state at t = 0 by zone name" })
    .optional(),
};

/** The declared schema of a scenario file (schemas/scenario.schema.json is generated from it). */
export const scenarioSchema = objectOf(
  scenarioFields,
  "a scenario { name, machine, tasks, layout, events, ... }",
).superRefine((sc, ctx) => {
  const issue = (path: (string | number)[], message: string, sentence = false) =>
    ctx.addIssue({ code: "custom", path, message, ...(sentence ? { params: SENTENCE } : {}) });
  if (sc.swap?.usedKb !== undefined && sc.swap.usedKb > sc.swap.totalKb)
    issue(["swap", "usedKb"], `an integer from 0 to swap.totalKb (${sc.swap.totalKb})`);
  const pids = new Map<number, number>();
  sc.tasks.forEach((t, i) => {
    const first = pids.get(t.pid);
    if (first !== undefined) issue(["tasks", i, "pid"], `${t.pid} repeats the pid of tasks[${first}]`, true);
    else pids.set(t.pid, i);
  });
  const isTask = (p: number) => pids.has(p);
  sc.layout.forEach((r, i) => {
    const bp = r.blockPages ?? 1;
    if ((bp & (bp - 1)) !== 0) issue(["layout", i, "blockPages"], "a power of two from 1 to 2^24 (pages per block)");
    if ((r.count ?? 1) * bp > MAX_PAGES)
      issue(["layout", i], `places ${(r.count ?? 1) * bp} pages, more than the engine's 2^24`, true);
    if (r.kind === "lru" && !r.lru) issue(["layout", i, "lru"], "an LRU page description: kind lru needs one");
    if (r.kind !== "lru" && r.lru) issue(["layout", i, "lru"], `is for kind lru only (this run is ${r.kind})`, true);
    if (r.owner !== undefined && !isTask(r.owner))
      issue(["layout", i, "owner"], `${r.owner} is not the pid of a task of the scenario`, true);
  });
  const maxOrder = sc.machine.maxOrder ?? 11;
  sc.events.forEach((e, i) => {
    if (!isTask(e.task)) issue(["events", i, "task"], `${e.task} is not the pid of a task of the scenario`, true);
    if (e.do !== "alloc_pages") return;
    if (e.order >= maxOrder) issue(["events", i, "order"], `an integer from 0 to MAX_ORDER - 1 (${maxOrder - 1})`);
    try {
      gfpZone(parseGfp2611(e.gfp), "2.6.11"); // the zonelist __alloc_pages would walk
    } catch (err) {
      // "gfp: "GFP_KERNL" is not a 2.6.11 flag (...)", "gfp mask 0xd3 sets both ...": after the path
      issue(["events", i, "gfp"], `: ${(err as Error).message.replace(/^gfp: /, "")}`, true);
    }
  });
}, WHEN_FIELDS_PARSED);

const SCENARIO_CONTEXT: SchemaContext = {
  prefix: "scenario: ",
  root: "",
  whole: "the scenario",
  code: "OOMLAB_BAD_SPEC",
};

/** Checks a scenario against its schema (scenarioSchema): an unknown key, a value of the wrong type or
 *  out of range is an OOMLAB_BAD_SPEC naming the field's path, its value and the allowed range. The
 *  machine's relations that need its era (zones, overlap, size) are checked when it is built. */
export function validateScenario(s: unknown): Scenario {
  return parseWith(scenarioSchema, s, SCENARIO_CONTEXT) as Scenario;
}
