// The shapes shared by the WASM engine's facade and the plain TypeScript reference model: a
// machine description, its resolved geometry, and a complete state snapshot for comparison.

import type { MigrateType, ZoneType } from "./linux/mmzone.js";

/** Kernel eras oomlab simulates. */
export type Era = "2.6.11" | "6.1" | "6.18";

/** A zone as a user describes it. Sizes are in pages unless the field name says kB. */
export interface ZoneSpec {
  type: ZoneType;
  /** First page frame number of the zone (zone_start_pfn). */
  startPfn: number;
  /** spanned_pages: the pfn range the zone covers. */
  spannedPages: number;
  /** present_pages (default spanned): the rest of the span is a hole at its end. */
  presentPages?: number;
  /** managed_pages (default present): the rest of present is reserved at the zone start. */
  managedPages?: number;
  /** CMA areas inside the zone, pageblock aligned (6.18 only). */
  cma?: { startPfn: number; pages: number }[];
  /** Explicit watermarks in pages; overrides the era's formula for this zone. */
  watermarks?: { min: number; low: number; high: number; promo?: number };
  /** Explicit lowmem_reserve[] (pages, indexed by zone index); overrides the formula. */
  lowmemReserve?: number[];
}

export interface NodeSpec {
  zones: ZoneSpec[];
}

/** A machine description; include/machine_schema.ts declares every field's range and checks it. */
export interface MachineSpec {
  /** The JSON Schema a description file names (schemas/machine.schema.json); ignored. */
  $schema?: string;
  era: Era;
  nodes: NodeSpec[];
  /** Bytes per page: 4096 (default), 16384 or 65536. */
  pageSize?: number;
  /** MAX_ORDER in the exclusive sense of 2.6.11 .. 6.3: orders 0 .. maxOrder-1. Default 11. */
  maxOrder?: number;
  /** pageblock_order; default maxOrder - 1 (no hugetlb) for 2.6.11, 9 for 6.18 with 4 KiB pages. */
  pageblockOrder?: number;
  /** vm.min_free_kbytes; default the era's int_sqrt(lowmem_kbytes * 16) with its clamps. */
  minFreeKbytes?: number;
  /** vm.watermark_scale_factor (6.18 only), default 10. */
  watermarkScaleFactor?: number;
  /** vm.lowmem_reserve_ratio indexed by zone index; default per era. */
  lowmemReserveRatio?: number[];
  /** vm.watermark_boost_factor (6.18 only), default 15000. */
  watermarkBoostFactor?: number;
  /** Grouping pages by mobility (6.18 only): false forces page_group_by_mobility_disabled, which the
   *  kernel sets only when memory is below pageblock_nr_pages * MIGRATE_TYPES; true or absent keeps
   *  the kernel's own rule. */
  mobilityGrouping?: boolean;
  /** Per-CPU page lists in the engine (6.18; absent: none, every page goes through the buddy lists). */
  percpuPagelists?: PercpuPagelistsSpec;
}

/** The per-CPU page lists of a modern machine (struct per_cpu_pages, assembly/pcp.ts). */
export interface PercpuPagelistsSpec {
  /** Online CPUs, each with its lists in every zone; zone_highsize splits the high mark among them. */
  cpus: number;
  /** pcp->high of every zone, as vm.percpu_pagelist_high_fraction fixes it (auto-tuning off); default
   *  zone_highsize with percpu_pagelist_high_fraction 0. */
  high?: number;
  /** pcp->batch of every zone; default zone_batchsize. */
  batch?: number;
  /** PCPF_FREE_HIGH_BATCH (6.18: the CPU's cache slice holds more than 3 batches); default false. */
  freeHighBatch?: boolean;
}

/** The resolved per-CPU lists: which rules, and the THP order pcp_allowed_order admits. */
export interface ResolvedPercpuPagelists {
  cpus: number;
  /** "fixed": pcp->high as set (5.14 .. 6.6, Linux 6.1); "autotune": between high_min and high_max (6.7+). */
  rules: "fixed" | "autotune";
  /** HPAGE_PMD_ORDER (6.18) / pageblock_order (6.1) when above PAGE_ALLOC_COSTLY_ORDER, else null. */
  thpOrder: number | null;
  freeHighBatch: boolean;
  high?: number;
  batch?: number;
}

/** A zone after resolution: engine slot (node * 5 + zone index), geometry, watermarks. */
export interface ResolvedZone {
  slot: number;
  node: number;
  type: ZoneType;
  zoneIdx: number;
  startPfn: number;
  spannedPages: number;
  presentPages: number;
  managedPages: number;
  cma: { startPfn: number; pages: number }[];
  /** _watermark[] without boost: min, low, high, promo (promo is 0 in 2.6.11). */
  watermarks: { min: number; low: number; high: number; promo: number };
  /** lowmem_reserve[0..4]. */
  lowmemReserve: number[];
  /** pcp->batch, high_min and high_max of every CPU (machines with per-CPU lists only). */
  pcp?: { batch: number; highMin: number; highMax: number };
}

export interface ResolvedMachine {
  era: Era;
  pageSize: number;
  maxOrder: number;
  pageblockOrder: number;
  /** pfn of engine page index 0 (aligned to the largest block). */
  basePfn: number;
  /** Page frames the engine tracks, from basePfn to the end of the highest zone. */
  nrPages: number;
  minFreeKbytes: number;
  watermarkScaleFactor: number;
  watermarkBoostFactor: number;
  lowmemReserveRatio: number[];
  mobilityDisabled: boolean;
  zones: ResolvedZone[];
  /** Present only on machines with per-CPU lists. */
  percpuPagelists?: ResolvedPercpuPagelists;
}

/** One allocation request. */
export interface AllocRequest {
  order: number;
  /** Preferred node (default 0). */
  node?: number;
  /** Highest zone type the request may use (gfp_zone), default Normal. */
  highestZone?: ZoneType;
  /** Allocate from this zone slot only (a one-zone zonelist whose class zone is that zone);
   *  overrides node and highestZone. */
  zoneSlot?: number;
  migratetype?: MigrateType;
  allocFlags?: number;
  owner?: number;
}

/** A zone's free-page counters (cheap to read after every operation). */
export interface ZoneCounters {
  freePages: number;
  freeCmaPages: number;
  nrReservedHighatomic: number;
  nrFreeHighatomic: number;
  watermarkBoost: number;
  /** nr_free per order. */
  nrFree: number[];
}

/** Free-area state of one zone, complete enough to compare two implementations. */
export interface ZoneState {
  slot: number;
  freePages: number;
  freeCmaPages: number;
  nrReservedHighatomic: number;
  nrFreeHighatomic: number;
  watermarkBoost: number;
  boostEvents: number;
  /** nr_free per order. */
  nrFree: number[];
  /** Free block pfns per order, per migratetype list (6 lists; 2.6.11 uses list 0), head first. */
  lists: number[][][];
}

export interface MachineState {
  zones: ZoneState[];
  /** Pageblock migratetypes over the engine's range (6.18; zeros in 2.6.11). */
  pageblocks: number[];
  /** Allocated blocks, ascending pfn: [pfn, order, migratetype, owner]. */
  allocated: [number, number, number, number][];
  /** Machines with per-CPU lists: each populated zone's lists per CPU. */
  pcp?: PcpState[];
}

/** One CPU's per_cpu_pages of one zone. */
export interface PcpState {
  slot: number;
  cpu: number;
  count: number;
  high: number;
  batch: number;
  highMin: number;
  highMax: number;
  /** Block pfns per pindex (order_to_pindex), head first. */
  lists: number[][];
}

/** What both the WASM engine and the reference model implement. */
export interface BuddyEngine {
  readonly machine: ResolvedMachine;
  /** Returns the block's pfn, or -1 when no zone of the zonelist could serve it. */
  alloc(req: AllocRequest): number;
  /** Frees an allocated block by its head pfn. */
  free(pfn: number): void;
  /** Frees every block of an owner; returns the pages freed. */
  freeOwner(owner: number): number;
  ownerPages(owner: number): number;
  /** zone_watermark_ok (2.6.11) on a zone slot. */
  watermarkOk2611(
    slot: number,
    order: number,
    mark: number,
    classzoneIdx: number,
    canTryHarder: boolean,
    gfpHigh: boolean,
  ): boolean;
  /** __zone_watermark_ok (6.18) on a zone slot. */
  watermarkOk618(slot: number, order: number, mark: number, highestZoneidx: number, allocFlags: number): boolean;
  /** A zone's counters, by slot. */
  counters(slot: number): ZoneCounters;
  snapshot(): MachineState;
}
