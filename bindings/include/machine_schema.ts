// The machine description's declared schema (MachineSpec, include/machine.ts): every field with the
// range of the kernel type or sysctl it models, or the engine's limit where that is smaller, and no
// field beyond them. resolveMachine (mm/mm_init.ts) parses every description with it; the scenario
// schema embeds it; scripts/build-schemas.mjs writes it out as schemas/machine.schema.json.
// Relations that need the era's profile (which zones an era has, CMA, pageblock alignment, overlap,
// the engine's page count, the watermarks the formulas give) are checked by resolveMachine.

import { z } from "zod";
import { MAX_NR_ZONES, ZONE_TYPES } from "./linux/mmzone.js";
import {
  LOWMEM_RESERVE_RATIO,
  MIN_FREE_KBYTES,
  WATERMARK_BOOST_FACTOR,
  WATERMARK_SCALE_FACTOR,
  sysctlRange,
  type VmSysctl,
} from "./linux/sysctl.js";
import {
  flag,
  intIn,
  intWithin,
  listOf,
  objectOf,
  oneOf,
  parseWith,
  SENTENCE,
  WHEN_FIELDS_PARSED,
  text,
  type SchemaContext,
} from "./schema.js";
import type { MachineSpec } from "./machine.js";

/** Nodes a machine may have (the engine's 40 zone records are 8 nodes of 5 zones). */
export const MAX_NODES = 8;
/** The engine's limit: 2^24 page frames (64 GiB of 4 KiB pages) between basePfn and the top. */
export const MAX_PAGES = 1 << 24;
/** Page frame numbers (and page counts) up to 2^40: 52 physical address bits (arm64's MAX_PHYSMEM_BITS)
 *  with 4 KiB pages. */
export const MAX_PFN = 2 ** 40;
/** lowmem_reserve[] entries the engine holds: a reserve counts pages of the machine's zones. */
export const MAX_RESERVE_PAGES = MAX_PAGES;
/** The largest watermark the engine holds: 2.6.11's zone_watermark_ok adds lowmem_reserve to the mark
 *  in an i32 (assembly/watermark.ts), so a mark plus the largest reserve stays below 2^31. */
export const MAX_WATERMARK_PAGES = 2 ** 31 - 1 - MAX_RESERVE_PAGES;
/** The largest boosted watermark: wmark_pages() adds watermark_boost to the mark in a u32 (6.18 only;
 *  2.6.11 has no boost). */
export const MAX_BOOSTED_WATERMARK_PAGES = 2 ** 32 - 1;
/** MAX_ORDER (exclusive) up to 16: the engine's free_area[] has 16 orders. */
export const MAX_ORDER_LIMIT = 16;
/** CMA areas per zone: CONFIG_CMA_AREAS is at most 20 by default (mm/Kconfig CMA_AREAS, 6.18). */
export const MAX_CMA_AREAS = 20;
/** CPUs the engine keeps per-CPU lists for (assembly/pcp.ts PCP_MAX_CPUS). */
export const MAX_PCP_CPUS = 256;
/** Page sizes oomlab models (bytes). */
export const PAGE_SIZES = [4096, 16384, 65536] as const;
/** The eras the engine simulates. */
export const ERA_NAMES = ["2.6.11", "6.1", "6.18"] as const;

/** Page counts are checked against the engine's 2^24 page frames with the whole span (OOMLAB_TOO_BIG). */
const ENGINE_PAGES = "pages; the machine's span must fit the engine's 2^24 page frames";

/** A vm sysctl field: "an int from 0 to 2147483647 (vm.min_free_kbytes, proc_dointvec_minmax, ...)". */
const sysctl = (s: VmSysctl) => intWithin(s.min, s.max, sysctlRange(s));

const zoneSchema = objectOf(
  {
    type: oneOf(ZONE_TYPES, "enum zone_type"),
    startPfn: intIn(0, MAX_PFN, "zone_start_pfn, a pfn up to 2^40"),
    spannedPages: intIn(0, MAX_PFN, `spanned_pages, ${ENGINE_PAGES}`),
    presentPages: intIn(0, MAX_PFN, "present_pages, at most spannedPages").optional(),
    managedPages: intIn(0, MAX_PFN, "managed_pages, at most presentPages").optional(),
    cma: listOf(
      objectOf(
        {
          startPfn: intIn(0, MAX_PFN, "a pfn, pageblock aligned"),
          pages: intIn(1, MAX_PFN, "pages, whole pageblocks"),
        },
        "a CMA area { startPfn, pages }",
      ),
      0,
      MAX_CMA_AREAS,
      "CMA areas (CONFIG_CMA_AREAS)",
    ).optional(),
    watermarks: objectOf(
      {
        min: intIn(0, MAX_PAGES, "pages, at most managedPages"),
        low: intIn(0, MAX_PAGES, "pages, from min to managedPages"),
        high: intIn(0, MAX_PAGES, "pages, from low to managedPages"),
        promo: intIn(0, MAX_PAGES, "pages, from high to managedPages").optional(),
      },
      "explicit watermarks { min, low, high, promo? } in pages",
    ).optional(),
    lowmemReserve: listOf(
      intIn(0, MAX_RESERVE_PAGES, "pages"),
      0,
      MAX_NR_ZONES,
      "lowmem_reserve[] entries, indexed by zone index",
    ).optional(),
  },
  "a zone { type, startPfn, spannedPages, presentPages?, managedPages?, cma?, watermarks?, lowmemReserve? }",
).superRefine((z, ctx) => {
  const present = z.presentPages ?? z.spannedPages;
  const managed = z.managedPages ?? present;
  const within = (path: string, v: number | undefined, lo: number, loName: string, hi: number, hiName: string) => {
    if (v !== undefined && (v < lo || v > hi))
      ctx.addIssue({
        code: "custom",
        path: path.split("."),
        message: `an integer from ${lo} (${loName}) to ${hi} (${hiName})`,
      });
  };
  within("presentPages", z.presentPages, 0, "none", z.spannedPages, "spannedPages");
  within("managedPages", z.managedPages, 0, "none", present, "presentPages");
  const w = z.watermarks;
  if (w) {
    // min <= low <= high <= promo, within the zone's managed pages: the order the formulas give
    // (mm/page_alloc.c __setup_per_zone_wmarks, 6.18; setup_per_zone_pages_min, 2.6.11)
    within("watermarks.min", w.min, 0, "none", managed, "managedPages");
    within("watermarks.low", w.low, w.min, "watermarks.min", managed, "managedPages");
    within("watermarks.high", w.high, w.low, "watermarks.low", managed, "managedPages");
    within("watermarks.promo", w.promo, w.high, "watermarks.high", managed, "managedPages");
  }
  const managedStart = z.startPfn + present - managed;
  (z.cma ?? []).forEach((c, i) => {
    if (c.startPfn < managedStart || c.startPfn + c.pages > z.startPfn + present)
      ctx.addIssue({
        code: "custom",
        path: ["cma", i],
        message:
          `[${c.startPfn}, ${c.startPfn + c.pages}) is outside the zone's managed pages ` +
          `[${managedStart}, ${z.startPfn + present})`,
        params: SENTENCE,
      });
  });
}, WHEN_FIELDS_PARSED);

const nodeSchema = objectOf(
  { zones: listOf(zoneSchema, 1, MAX_NR_ZONES, "zones (one of each type at most)") },
  "a node { zones }",
).superRefine((n, ctx) => {
  const seen = new Set<string>();
  n.zones.forEach((z, i) => {
    if (seen.has(z.type))
      ctx.addIssue({ code: "custom", path: ["zones", i, "type"], message: "is listed twice", params: SENTENCE });
    seen.add(z.type);
  });
}, WHEN_FIELDS_PARSED);

/** The fields of a machine description; `era` as given. */
function machineFields<E extends z.ZodType>(era: E) {
  return {
    $schema: text("the path or URL of this file's JSON Schema").optional(),
    era,
    nodes: listOf(nodeSchema, 1, MAX_NODES, "nodes (oomlab's limit)"),
    pageSize: z
      .literal(PAGE_SIZES, { error: () => "4096, 16384 or 65536 (bytes per page)" })
      .meta({ description: "bytes per page: 4096 (default), 16384 or 65536" })
      .optional(),
    maxOrder: intIn(1, MAX_ORDER_LIMIT, "MAX_ORDER, exclusive: orders 0 .. maxOrder - 1; default 11").optional(),
    pageblockOrder: intIn(0, MAX_ORDER_LIMIT - 1, "pageblock_order, below maxOrder").optional(),
    minFreeKbytes: sysctl(MIN_FREE_KBYTES).optional(),
    watermarkScaleFactor: sysctl(WATERMARK_SCALE_FACTOR).optional(),
    lowmemReserveRatio: listOf(
      sysctl(LOWMEM_RESERVE_RATIO),
      MAX_NR_ZONES - 1,
      MAX_NR_ZONES,
      "vm.lowmem_reserve_ratio entries, indexed by zone index",
    ).optional(),
    watermarkBoostFactor: sysctl(WATERMARK_BOOST_FACTOR).optional(),
    mobilityGrouping: flag()
      .meta({
        description:
          "grouping by mobility (6.18): false forces page_group_by_mobility_disabled (mm/page_alloc.c " +
          "build_all_zonelists); default the kernel's rule (off below pageblock_nr_pages * MIGRATE_TYPES)",
      })
      .optional(),
    percpuPagelists: objectOf(
      {
        cpus: intIn(1, MAX_PCP_CPUS, "online CPUs with per-CPU lists in every zone"),
        high: intIn(0, MAX_PAGES, "pcp->high of every zone, pages (auto-tuning off)").optional(),
        batch: intIn(1, MAX_PAGES, "pcp->batch of every zone, pages").optional(),
        freeHighBatch: flag()
          .meta({ description: "PCPF_FREE_HIGH_BATCH (6.18 zone_pcp_update_cacheinfo); default false" })
          .optional(),
      },
      "per-CPU page lists { cpus, high?, batch?, freeHighBatch? }",
    ).optional(),
  };
}

/** The schema of a machine whose era is given by `era`; the scenario schema narrows it to 2.6.11. */
export function machineSchema<E extends z.ZodType>(era: E, what: string) {
  return objectOf(machineFields(era), what).superRefine((m, ctx) => {
    // 2.6.11 has neither sysctl (kernel/sysctl.c vm_table, 2.6.11): a value would change nothing
    // there, so it is refused rather than ignored
    const sinceRelease = {
      watermarkScaleFactor: ["vm.watermark_scale_factor", "4.6"],
      watermarkBoostFactor: ["vm.watermark_boost_factor", "5.0"],
    } as const;
    for (const [key, [sysctl, since]] of Object.entries(sinceRelease) as [
      keyof typeof sinceRelease,
      readonly string[],
    ][])
      if ((m as { era?: unknown }).era === "2.6.11" && m[key] !== undefined)
        ctx.addIssue({
          code: "custom",
          path: [key],
          message: `is not a 2.6.11 setting (${sysctl} exists from Linux ${since}); leave it out`,
          params: SENTENCE,
        });
    if ((m as { era?: unknown }).era === "2.6.11" && m.percpuPagelists !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["percpuPagelists"],
        message:
          "is not a 2.6.11 engine setting (2.6.11's hot and cold per-CPU lists live in its slow path, " +
          "bindings/linux-2.6.11); leave it out",
        params: SENTENCE,
      });
    if ((m as { era?: unknown }).era === "2.6.11" && m.mobilityGrouping !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["mobilityGrouping"],
        message: "is not a 2.6.11 setting (grouping by mobility arrived in 2.6.24); leave it out",
        params: SENTENCE,
      });
    const maxOrder = m.maxOrder ?? 11;
    if (m.pageblockOrder !== undefined && m.pageblockOrder >= maxOrder)
      ctx.addIssue({
        code: "custom",
        path: ["pageblockOrder"],
        message: `an integer from 0 to maxOrder - 1 (${maxOrder - 1})`,
      });
  }, WHEN_FIELDS_PARSED);
}

/** A machine description (MachineSpec). */
export const machineSpecSchema = machineSchema(
  oneOf(ERA_NAMES, "the kernels the engine simulates"),
  "a machine description { era, nodes, ... }",
);

const MACHINE_CONTEXT: SchemaContext = {
  prefix: "",
  root: "machine",
  whole: "the machine description",
  code: "OOMLAB_BAD_SPEC",
};

/** Checks a machine description against the schema: every problem is an OOMLAB_BAD_SPEC naming its
 *  path (machine.nodes[0].zones[0].startPfn), value and allowed range. */
export function parseMachineSpec(spec: unknown): MachineSpec {
  return parseWith(machineSpecSchema, spec, MACHINE_CONTEXT) as MachineSpec;
}
