// Scenarios of the 6.18 kernel: the documented scenario format (format "oomlab-scenario/1") with a
// machine of era "6.18", its vm sysctls, CONFIG_COMPACTION, the THP settings, swap, tasks, and the
// memory users the scenario creates in order (anonymous faults, page cache, slab, kernel
// allocations, THP faults, alloc_pages requests). replay618.ts runs it.
//
// {
//   "format": "oomlab-scenario/1", "name", "description", "provenance": { "chosen": [...] },
//   "machine": MachineSpec (era "6.18"),
//   "sysctl": { "min_free_kbytes", "watermark_scale_factor", "watermark_boost_factor",
//               "extfrag_threshold", "compaction_proactiveness", "defrag_mode", "swappiness",
//               "lowmem_reserve_ratio": [..] },
//   "config": { "COMPACTION": true },
//   "thp": { "enabled": "always" | "madvise" | "never",
//            "defrag": "always" | "defer" | "defer+madvise" | "madvise" | "never" },
//   "swap": { "totalKb" },
//   "tasks": [ { pid, comm, uid?, oomScoreAdj? } ],
//   "events": [ { do: "anon", task, pages },                  // page faults of task, in order
//               { do: "file", pages, dirty?, mappedBy? },     // page-cache reads
//               { do: "slab", pages, reclaimable? },
//               { do: "kernel", order, count?, gfp?, task? }, // unmovable kernel allocations
//               { do: "thp", task, count?, madvise? },        // THP faults (order 9 folios)
//               { do: "alloc_pages", task, order, gfp, count? },
//               { do: "truncate", stride },                 // free one file page in stride
//               { do: "free", task, keepEvery? },           // free the task's kernel blocks, keeping
//                                                           // one in keepEvery (closing pipes)
//               { do: "kmem_alloc", task, size, flags? },     // the seed's XFS call, under "policy"
//               { do: "sleep", ms } ],
//   "policy": "kmalloc" | "kvmalloc" | "pre-bdfb04301fa5" | "bdfb04301fa5"  // kmem_alloc's (--policy)
// }
//
// Sysctls have the kernel's names and the ranges their handlers accept: include/linux/sysctl.ts
// VM_SYSCTLS_618 is the one table of names and ranges; SCENARIO_SYSCTLS_618 names those the model reads.

import { z } from "zod";
import { gfpZone, parseGfp } from "../include/linux/gfp.js";
import { INT_MAX, GFP_MASK_MAX, vmSysctl } from "../include/linux/sysctl.js";
import { THP_DEFRAG, THP_ENABLED } from "../include/linux/huge_mm.js";
import { MAX_NR_ZONES } from "../include/linux/mmzone.js";
import { machineSchema, MAX_PAGES } from "../include/machine_schema.js";
import {
  flag,
  intIn,
  listOf,
  numberIn,
  objectOf,
  oneOf,
  parseWith,
  SENTENCE,
  text,
  WHEN_FIELDS_PARSED,
  type SchemaContext,
} from "../include/schema.js";
import { type SCENARIO_FORMAT, SCENARIO_HEADER_FIELDS } from "./schema.js";
import { KM_FLAGS, type KmemCallerPolicy } from "../sim/xfs_kmem.js";

/** kmem_alloc's caller policies on 6.18 (scenario/kmem618.ts runs them). */
export const KMEM_POLICIES_618 = ["kmalloc", "kvmalloc", "pre-bdfb04301fa5", "bdfb04301fa5"] as const;
const KM_FLAG_NAMES = Object.keys(KM_FLAGS) as [string, ...string[]];

/** The vm sysctls a 6.18 scenario sets: the ones the 6.18 model reads (replay618.ts machineOf and
 *  buildKernel618). Their ranges, defaults and sources are include/linux/sysctl.ts VM_SYSCTLS_618's:
 *  this list only names them. */
export const SCENARIO_SYSCTLS_618 = [
  "min_free_kbytes",
  "watermark_scale_factor",
  "watermark_boost_factor",
  "extfrag_threshold",
  "compaction_proactiveness",
  "defrag_mode",
  "swappiness",
  "lowmem_reserve_ratio",
] as const;
export type ScenarioSysctl618 = (typeof SCENARIO_SYSCTLS_618)[number];

/** The schema of one sysctl from VM_SYSCTLS_618: an int in the handler's range, or for
 *  lowmem_reserve_ratio one int per zone (entries below 1 are stored as 0 when applied: checkSysctl). */
function sysctlField(name: ScenarioSysctl618) {
  const spec = vmSysctl(name);
  const what = `vm.${spec.name}, ${spec.source}`;
  if (spec.type === "int[]")
    return listOf(intIn(spec.min, spec.max, undefined), 1, MAX_NR_ZONES, `ints, one per zone (${what})`).optional();
  return intIn(spec.min, spec.max, undefined)
    .meta({ description: `an int from ${spec.min} to ${spec.max} (${what})` })
    .optional();
}

export { THP_DEFRAG, THP_ENABLED };

export interface Scenario618 {
  $schema?: string;
  format?: typeof SCENARIO_FORMAT;
  name: string;
  description?: string;
  provenance?: { fromArticle?: string[]; chosen?: string[] };
  machine: import("../include/machine.js").MachineSpec;
  sysctl?: {
    min_free_kbytes?: number;
    watermark_scale_factor?: number;
    watermark_boost_factor?: number;
    extfrag_threshold?: number;
    compaction_proactiveness?: number;
    defrag_mode?: number;
    swappiness?: number;
    lowmem_reserve_ratio?: number[];
  };
  config?: { COMPACTION?: boolean };
  thp?: { enabled?: (typeof THP_ENABLED)[number]; defrag?: (typeof THP_DEFRAG)[number] };
  swap?: { totalKb: number };
  tasks: { pid: number; comm: string; uid?: number; oomScoreAdj?: number }[];
  events: Event618[];
  policy?: KmemCallerPolicy;
}

export type Event618 =
  | { do: "anon"; task: number; pages: number; at?: number }
  | { do: "file"; pages: number; dirty?: boolean; mappedBy?: number; at?: number }
  | { do: "slab"; pages: number; reclaimable?: boolean; at?: number }
  | { do: "kernel"; order: number; count?: number; gfp?: number | string; task?: number; at?: number }
  | { do: "thp"; task: number; count?: number; madvise?: boolean; at?: number }
  | { do: "alloc_pages"; task: number; order: number; gfp: number | string; count?: number; at?: number }
  | { do: "truncate"; stride: number; at?: number }
  | { do: "free"; task: number; keepEvery?: number; at?: number }
  | { do: "kmem_alloc"; task: number; size: number; flags?: string[]; at?: number }
  | { do: "sleep"; ms: number };

/** PID_MAX_LIMIT of a 64-bit kernel (include/linux/threads.h, 6.18: 4M). */
const PID_MAX_LIMIT = 4 * 1024 * 1024;
const MAX_EVENT_MS = 86_400_000;
const pid = (what: string) => intIn(1, PID_MAX_LIMIT - 1, `${what}; below PID_MAX_LIMIT`);
const pages = (what: string) => intIn(1, MAX_PAGES, `${what}; at most the engine's 2^24`);
const at = numberIn(0, MAX_EVENT_MS, "ms, when (the task sleeps until then)").optional();
const gfpField = z
  .union([intIn(0, GFP_MASK_MAX, "gfp_t"), text("flag names joined by |")], {
    error: () => 'a gfp mask: a number or names like "GFP_KERNEL|__GFP_NOWARN"',
  })
  .meta({ description: 'a gfp mask: a number or names like "GFP_KERNEL|__GFP_NOWARN"' });

const EVENT_KINDS = [
  "anon",
  "file",
  "slab",
  "kernel",
  "thp",
  "alloc_pages",
  "truncate",
  "free",
  "kmem_alloc",
  "sleep",
] as const;
const eventSchema = z.discriminatedUnion(
  "do",
  [
    objectOf({ do: z.literal("anon"), task: pid("the faulting task"), pages: pages("pages"), at }, "{ do: anon, ... }"),
    objectOf(
      {
        do: z.literal("file"),
        pages: pages("page-cache pages read"),
        dirty: flag().optional(),
        mappedBy: pid("the task mapping them").optional(),
        at,
      },
      "{ do: file, pages, dirty?, mappedBy? }",
    ),
    objectOf(
      { do: z.literal("slab"), pages: pages("slab pages"), reclaimable: flag().optional(), at },
      "{ do: slab, pages, reclaimable? }",
    ),
    objectOf(
      {
        do: z.literal("kernel"),
        order: intIn(0, 15, "below the machine's maxOrder"),
        count: pages("blocks").optional(),
        gfp: gfpField.optional(),
        task: pid("the allocating task").optional(),
        at,
      },
      "{ do: kernel, order, count?, gfp?, task? }",
    ),
    objectOf(
      {
        do: z.literal("thp"),
        task: pid("the faulting task"),
        count: pages("huge page faults").optional(),
        madvise: flag().optional(),
        at,
      },
      "{ do: thp, task, count?, madvise? }",
    ),
    objectOf(
      {
        do: z.literal("alloc_pages"),
        task: pid("the allocating task"),
        order: intIn(0, 15, "below the machine's maxOrder"),
        gfp: gfpField,
        count: pages("requests").optional(),
        at,
      },
      "{ do: alloc_pages, task, order, gfp, count? }",
    ),
    objectOf(
      { do: z.literal("truncate"), stride: intIn(1, MAX_PAGES, "one page-cache page in stride is freed"), at },
      "{ do: truncate, stride }",
    ),
    objectOf(
      {
        do: z.literal("free"),
        task: pid("the task whose kernel allocations are freed"),
        keepEvery: intIn(1, MAX_PAGES, "one block in keepEvery (in pfn order) is kept").optional(),
        at,
      },
      "{ do: free, task, keepEvery? }",
    ),
    objectOf(
      {
        do: z.literal("kmem_alloc"),
        task: pid("the allocating task"),
        size: intIn(1, 2 ** 31, "bytes"),
        flags: listOf(oneOf(KM_FLAG_NAMES, "KM_* flags"), 0, KM_FLAG_NAMES.length, "KM_* flag names").optional(),
        at,
      },
      "{ do: kmem_alloc, task, size, flags? }",
    ),
    objectOf({ do: z.literal("sleep"), ms: numberIn(0, MAX_EVENT_MS, "ms") }, "{ do: sleep, ms }"),
  ],
  { error: () => `an event whose do is one of ${EVENT_KINDS.join(", ")}` },
);

const scenario618Fields = {
  ...SCENARIO_HEADER_FIELDS,
  machine: machineSchema(
    oneOf(["6.18", "6.1"], "a 6.18 scenario (6.1: the 6.18 model with Linux 6.1's rules)"),
    "a 6.18 machine description { era, nodes, ... }",
  ),
  sysctl: objectOf(
    Object.fromEntries(SCENARIO_SYSCTLS_618.map((n) => [n, sysctlField(n)])),
    "vm sysctls by their kernel names { min_free_kbytes?, swappiness?, ... }",
  ).optional(),
  config: objectOf({ COMPACTION: flag().optional() }, "kernel config { COMPACTION? }").optional(),
  thp: objectOf(
    {
      enabled: oneOf(THP_ENABLED, "transparent_hugepage/enabled").optional(),
      defrag: oneOf(THP_DEFRAG, "transparent_hugepage/defrag").optional(),
    },
    "THP settings { enabled?, defrag? }",
  ).optional(),
  swap: objectOf({ totalKb: intIn(0, INT_MAX, "kB") }, "swap { totalKb }").optional(),
  tasks: listOf(
    objectOf(
      {
        pid: pid("the task's pid"),
        comm: text("the command name (15 characters are kept, TASK_COMM_LEN)"),
        uid: intIn(0, 2 ** 32 - 1, "uid_t").optional(),
        oomScoreAdj: intIn(-1000, 1000, "signal->oom_score_adj, OOM_SCORE_ADJ_MIN .. OOM_SCORE_ADJ_MAX").optional(),
      },
      "a task { pid, comm, uid?, oomScoreAdj? }",
    ),
    0,
    Infinity,
    "tasks",
  ),
  events: listOf(eventSchema, 0, Infinity, "events"),
  policy: oneOf(KMEM_POLICIES_618, "the policy kmem_alloc events run under (--policy overrides it)").optional(),
};

/** The declared schema of a 6.18 scenario (schemas/scenario-618.schema.json is generated from it). */
export const scenario618Schema = objectOf(
  scenario618Fields,
  "a 6.18 scenario { name, machine, tasks, events, sysctl?, config?, thp?, swap? }",
).superRefine((sc, ctx) => {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: "custom", path, message, params: SENTENCE });
  const pids = new Set<number>();
  sc.tasks.forEach((t, i) => {
    if (pids.has(t.pid)) issue(["tasks", i, "pid"], `${t.pid} repeats the pid of another task`);
    pids.add(t.pid);
  });
  const maxOrder = sc.machine.maxOrder ?? 11;
  sc.events.forEach((e, i) => {
    for (const key of ["task", "mappedBy"] as const) {
      const p = (e as Record<string, unknown>)[key];
      if (typeof p === "number" && !pids.has(p))
        issue(["events", i, key], `${p} is not the pid of a task of the scenario`);
    }
    if ((e.do === "kernel" || e.do === "alloc_pages") && e.order >= maxOrder)
      issue(["events", i, "order"], `${e.order} is not below MAX_ORDER (${maxOrder})`);
    if ((e.do === "kernel" || e.do === "alloc_pages") && e.gfp !== undefined) {
      try {
        gfpZone(parseGfp(e.gfp, "6.18"), "6.18");
      } catch (err) {
        issue(["events", i, "gfp"], `: ${(err as Error).message.replace(/^gfp: /, "")}`);
      }
    }
  });
}, WHEN_FIELDS_PARSED);

const CONTEXT: SchemaContext = { prefix: "scenario: ", root: "", whole: "the scenario", code: "OOMLAB_BAD_SPEC" };

/** Checks a 6.18 scenario: an unknown key (a misspelt sysctl), a value of the wrong type or out of
 *  the kernel's range is an OOMLAB_BAD_SPEC naming the field, its value and the range. */
export function validateScenario618(s: unknown): Scenario618 {
  return parseWith(scenario618Schema, s, CONTEXT) as Scenario618;
}

/** True when a parsed scenario file is a 6.18 one (machine.era "6.18", or "6.1": the same model with
 *  Linux 6.1's rules, linux-6.18/mm/profile.ts). */
export function isScenario618(s: unknown): boolean {
  const m = (s as { machine?: { era?: unknown } } | null)?.machine;
  return typeof m === "object" && m !== null && (m.era === "6.18" || m.era === "6.1");
}
