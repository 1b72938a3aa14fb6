// What a placement policy is (docs/policies.md): the page-frame allocator a placement workload runs
// on, behind the one interface the placement workloads (bindings/sweep/workloads/) and the metrics
// (bindings/sweep/metrics.ts) use. A policy module exports a PlacementPolicy; policies/index.ts lists
// them. The buddy policies are the engine's (WASM) allocator under an era's rules; any other
// allocator (policies/llfree.ts) implements Placement in its own module.

import type { Machine } from "../../engine/machine.js";
import type { Era, MachineSpec, ResolvedMachine, ZoneCounters } from "../../include/machine.js";

/** The watermark a request must leave free (ALLOC_WMARK_MIN / LOW / HIGH). */
export const WATERMARKS = ["min", "low", "high"] as const;
export type WatermarkName = (typeof WATERMARKS)[number];

/** An allocated block: head pfn, order, and the migratetype its request asked for (gfp_migratetype). */
export type BlockVisitor = (pfn: number, order: number, migratetype: number) => void;

/** A page-frame allocator over one machine, as the placement workloads and the metrics see it. */
export interface Placement {
  /** The policy's name (PlacementPolicy.name). */
  readonly policy: string;
  /** The machine's geometry: zones (slots, pfn ranges, managed pages, watermarks), page size, orders,
   *  pageblock order, era (the watermark formulas the machine was resolved with). */
  readonly machine: ResolvedMachine;
  /** One request of 2^order pages of a migratetype (MigrateType) that must leave the zone above the
   *  watermark; the head pfn, or -1 when no zone could serve it. */
  alloc(order: number, migratetype: number, watermark: WatermarkName): number;
  /** Frees a block alloc returned (its order is the allocator's to remember). */
  free(pfn: number): void;
  /** A zone's free pages and free blocks per order (nr_free: for an allocator without free lists,
   *  the naturally aligned maximal free blocks a buddy allocator would hold), and its boost. */
  counters(slot: number): ZoneCounters;
  /** Requests served from another migratetype's free lists (mm_page_alloc_extfrag events) and those
   *  that claimed the pageblock (change_ownership), since the start. */
  fallbacks(): { total: number; changeOwnership: number };
  /** A zone's fallbacks (the total's share). */
  zoneFallbacks(slot: number): number;
  /** Of those, the ones taken from a block below pageblock order (mm_page_alloc_extfrag's fragmenting). */
  zoneFallbacksFragmenting(slot: number): number;
  /** Each pageblock's migratetype (index: (pfn - basePfn) >> pageblockOrder), or null when the
   *  allocator keeps none (2.6.11, allocators without pageblocks). */
  pageblockTypes(): ArrayLike<number> | null;
  /** Every allocated block with the migratetype the allocator recorded, or null when it records
   *  none (workloads then report their own live blocks). */
  blocks(): ((visit: BlockVisitor) => void) | null;
  /** The engine machine under the policy, when there is one (kernel workloads need it). */
  readonly engine: Machine | null;
  dispose(): void;
}

/** A placement policy: a name, its documentation, and how it builds a Placement for a cell. */
export interface PlacementPolicy {
  name: string;
  /** One line for docs and errors: what it is and where it comes from (kernel file, paper). */
  summary: string;
  /** The era the policy runs the machine under (its watermark formulas and allocator rules), or null
   *  to keep the machine's. */
  era: Era | null;
  /** Whether its Placement is the engine's (Placement.engine is set): workloads that read the
   *  engine itself (Workload.engineOnly) need one. */
  engine: boolean;
  /** Whether the 6.18 kernel model (reclaim, compaction, THP: the "kernel" workloads) can run on it. */
  kernelModel: boolean;
  /** The machine description the policy runs (its era, its mobilityGrouping). */
  machineSpec(spec: MachineSpec): MachineSpec;
  /** The allocator over a machine built from machineSpec's description. */
  create(spec: MachineSpec): Placement;
}
