// mm_init: from a plain machine description to resolved zones with watermarks and lowmem_reserve,
// using the era's formulas (mm/page_alloc.c setup_per_zone_pages_min 2.6.11,
// __setup_per_zone_wmarks / setup_per_zone_lowmem_reserve / calculate_min_free_kbytes 6.18).
// Pure arithmetic: both engines (WASM and the reference model) start from its output.

import { SWAP_CLUSTER_MAX } from "../include/linux/swap.js";
import { check, isInt, OomlabError } from "../errors.js";
import { eraProfile, type EraProfile } from "../kernel/releases.js";
import { setupPcp } from "./pcp.js";
import type { MachineSpec, ResolvedMachine, ResolvedZone } from "../include/machine.js";
import { MAX_NR_ZONES, ZONE_TYPES } from "../include/linux/mmzone.js";
import {
  MAX_BOOSTED_WATERMARK_PAGES,
  MAX_NODES,
  MAX_PAGES,
  MAX_WATERMARK_PAGES,
  parseMachineSpec,
} from "../include/machine_schema.js";

export { MAX_NODES, MAX_PAGES };

/** vm.watermark_boost_factor is in units of 1/10000 of the high watermark (boost_watermark, 6.18). */
const BOOST_FACTOR_SCALE = 10000;

/** int_sqrt: floor of the square root (lib/math/int_sqrt.c). */
export function intSqrt(x: number): number {
  let r = Math.floor(Math.sqrt(x));
  while (r * r > x) r--;
  while ((r + 1) * (r + 1) <= x) r++;
  return r;
}

/** The default pageblock_order: HPAGE_PMD_ORDER (9) with 4 KiB pages in 6.18 and 6.1 (x86-64, arm64
 *  with hugetlb), else MAX_ORDER-1 (include/linux/pageblock-flags.h). 2.6.11 has no pageblocks; the
 *  engine still needs a value. */
function defaultPageblockOrder(era: string, pageSize: number, maxOrder: number): number {
  if (era !== "2.6.11" && pageSize === 4096) return Math.min(9, maxOrder - 1);
  return maxOrder - 1;
}

/** An OOMLAB_BAD_SPEC naming a field of the description ("machine.nodes[0].zones[1].type ..."). */
function specError(path: string, message: string): OomlabError {
  return new OomlabError("OOMLAB_BAD_SPEC", `machine.${path} ${message}`);
}

/** boost_watermark's cap on watermark_boost (mm/page_alloc.c, 6.18): mult_frac(high,
 *  watermark_boost_factor, 10000), raised to a pageblock when not 0. */
export function maxWatermarkBoost(high: number, boostFactor: number, pageblockPages: number): number {
  const boost = Math.floor((high * boostFactor) / BOOST_FACTOR_SCALE);
  return boost === 0 ? 0 : Math.max(pageblockPages, boost);
}

/** Resolves a machine description: geometry, engine slots, watermarks, lowmem_reserve. The description
 *  is checked against its schema first (include/machine_schema.ts): an OOMLAB_BAD_SPEC names the bad
 *  field's path, its value and the allowed range. */
export function resolveMachine(input: MachineSpec): ResolvedMachine {
  const spec = parseMachineSpec(input);
  const p = eraProfile(spec.era);
  const pageSize = spec.pageSize ?? 4096;
  const maxOrder = spec.maxOrder ?? 11;
  const pageblockOrder = spec.pageblockOrder ?? defaultPageblockOrder(spec.era, pageSize, maxOrder);
  if (pageblockOrder >= maxOrder)
    throw specError("maxOrder", `${maxOrder} leaves no room for pageblockOrder ${pageblockOrder} below it`);

  const zones: ResolvedZone[] = [];
  /** Each resolved zone's path in the description. */
  const pathOf = new Map<ResolvedZone, string>();
  spec.nodes.forEach((n, node) => {
    n.zones.forEach((z, i) => {
      const zoneIdx = ZONE_TYPES.indexOf(z.type);
      const path = `nodes[${node}].zones[${i}]`;
      if (!p.zoneTypes.includes(zoneIdx)) {
        const names = p.zoneTypes.map((t) => ZONE_TYPES[t]).join(", ");
        throw specError(`${path}.type`, `${JSON.stringify(z.type)} is not a zone of ${p.era} (${names})`);
      }
      if (z.cma?.length && !p.hasMigratetypes) throw specError(`${path}.cma`, `is not a feature of ${p.era} (no CMA)`);
      const presentPages = z.presentPages ?? z.spannedPages;
      const zone: ResolvedZone = {
        slot: node * MAX_NR_ZONES + zoneIdx,
        node,
        type: z.type,
        zoneIdx,
        startPfn: z.startPfn,
        spannedPages: z.spannedPages,
        presentPages,
        managedPages: z.managedPages ?? presentPages,
        cma: (z.cma ?? []).map((c) => ({ startPfn: c.startPfn, pages: c.pages })),
        watermarks: { min: 0, low: 0, high: 0, promo: 0 },
        lowmemReserve: [0, 0, 0, 0, 0],
      };
      zones.push(zone);
      pathOf.set(zone, path);
    });
  });
  zones.sort((a, b) => a.slot - b.slot);
  const sorted = zones.filter((z) => z.spannedPages > 0).sort((a, b) => a.startPfn - b.startPfn);
  check(sorted.length > 0, "the machine has no memory: every zone is empty");
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1];
    const b = sorted[i];
    if (a.startPfn + a.spannedPages > b.startPfn) {
      throw new OomlabError(
        "OOMLAB_OVERLAPPING_ZONES",
        `zones overlap: node ${a.node} ${a.type} [${a.startPfn}, ${a.startPfn + a.spannedPages}) ` +
          `and node ${b.node} ${b.type} [${b.startPfn}, ${b.startPfn + b.spannedPages})`,
      );
    }
  }
  const align = 2 ** (maxOrder - 1);
  const basePfn = Math.floor(sorted[0].startPfn / align) * align;
  const top = Math.max(...sorted.map((z) => z.startPfn + z.spannedPages));
  const nrPages = top - basePfn;
  if (nrPages > MAX_PAGES) {
    throw new OomlabError(
      "OOMLAB_TOO_BIG",
      `the machine spans ${nrPages} page frames from pfn ${basePfn} to ${top}; ` +
        `the engine holds at most ${MAX_PAGES} (2^24)`,
    );
  }
  const pb = 2 ** pageblockOrder;
  for (const z of zones) {
    z.cma.forEach((c, i) => {
      if (c.startPfn % pb !== 0 || c.pages % pb !== 0)
        throw specError(
          `${pathOf.get(z)}.cma[${i}]`,
          `at pfn ${c.startPfn} of ${c.pages} pages is not pageblock aligned (${pb} pages)`,
        );
    });
  }

  const totalPages = zones.reduce((s, z) => s + z.managedPages, 0);
  const m: ResolvedMachine = {
    era: spec.era,
    pageSize,
    maxOrder,
    pageblockOrder,
    basePfn,
    nrPages,
    minFreeKbytes: 0,
    watermarkScaleFactor: spec.watermarkScaleFactor ?? 10,
    watermarkBoostFactor: p.hasMigratetypes ? (spec.watermarkBoostFactor ?? 15000) : 0,
    lowmemReserveRatio: [...(spec.lowmemReserveRatio ?? p.lowmemReserveRatio)],
    // build_all_zonelists: vm_total_pages < pageblock_nr_pages * MIGRATE_TYPES (mm/page_alloc.c 6.18)
    // (or forced off by the machine's mobilityGrouping: false)
    mobilityDisabled: p.hasMigratetypes && (totalPages < pb * 6 || spec.mobilityGrouping === false),
    zones,
  };
  m.minFreeKbytes = spec.minFreeKbytes ?? defaultMinFreeKbytes(m, p);
  setupWatermarks(m, p);
  setupLowmemReserve(m, p);
  for (const z of zones) {
    const s = spec.nodes[z.node].zones.find((x) => x.type === z.type);
    const w = s?.watermarks;
    if (w) z.watermarks = { min: w.min, low: w.low, high: w.high, promo: w.promo ?? 0 };
    if (s?.lowmemReserve) z.lowmemReserve = Array.from({ length: MAX_NR_ZONES }, (_, i) => s.lowmemReserve?.[i] ?? 0);
    checkEngineMarks(m, z, w !== undefined);
  }
  setupPcp(m, spec.percpuPagelists); // zone_pcp_update after the watermarks (mm/page_alloc.c)
  return m;
}

/** The watermarks the formulas give grow with min_free_kbytes (a zone's share of it can exceed its
 *  own pages: highmem beside a small lowmem), and 6.18 boosts them by up to watermark_boost_factor
 *  / 10000 of high: the engine holds marks up to MAX_WATERMARK_PAGES, boosted marks up to
 *  MAX_BOOSTED_WATERMARK_PAGES (include/machine_schema.ts). */
function checkEngineMarks(m: ResolvedMachine, z: ResolvedZone, explicit: boolean): void {
  const w = z.watermarks;
  const top = Math.max(w.high, w.promo);
  const boost = maxWatermarkBoost(w.high, m.watermarkBoostFactor, 2 ** m.pageblockOrder);
  if (top <= MAX_WATERMARK_PAGES && top + boost <= MAX_BOOSTED_WATERMARK_PAGES) return;
  const byBoost = explicit || top <= MAX_WATERMARK_PAGES;
  const field = byBoost ? `watermarkBoostFactor ${m.watermarkBoostFactor}` : `minFreeKbytes ${m.minFreeKbytes}`;
  const limit = byBoost
    ? `the engine's limit of ${MAX_BOOSTED_WATERMARK_PAGES} pages for a boosted mark`
    : `the engine's limit of ${MAX_WATERMARK_PAGES} pages`;
  throw new OomlabError(
    "OOMLAB_BAD_SPEC",
    `machine.${field} is out of range for this machine: node ${z.node} ${z.type}'s watermarks reach ${top} pages ` +
      `(min ${w.min}, low ${w.low}, high ${w.high}, promo ${w.promo}) with a boost of up to ${boost} more, ` +
      `above ${limit}`,
  );
}

function zonePages(z: ResolvedZone, p: EraProfile): number {
  return p.zonePages === "present" ? z.presentPages : z.managedPages;
}

/** calculate_min_free_kbytes (6.18) / init_per_zone_pages_min (2.6.11) at first boot, when the
 *  watermarks are still 0: int_sqrt(lowmem_kbytes * 16), clamped. */
export function defaultMinFreeKbytes(m: ResolvedMachine, p: EraProfile): number {
  const lowmem = m.zones.filter((z) => !p.cappedMinZones.includes(z.zoneIdx)).reduce((s, z) => s + zonePages(z, p), 0);
  const kb = lowmem * (m.pageSize / 1024);
  const [lo, hi] = p.minFreeKbytesClamp;
  return Math.min(hi, Math.max(lo, intSqrt(kb * 16)));
}

/** setup_per_zone_pages_min (2.6.11) / __setup_per_zone_wmarks (6.18). */
export function setupWatermarks(m: ResolvedMachine, p: EraProfile): void {
  const pagesMin = Math.floor(m.minFreeKbytes / (m.pageSize / 1024));
  const lowmemPages = m.zones
    .filter((z) => !p.cappedMinZones.includes(z.zoneIdx))
    .reduce((s, z) => s + zonePages(z, p), 0);
  for (const z of m.zones) {
    const pages = zonePages(z, p);
    const tmp = lowmemPages > 0 ? Math.floor((pagesMin * pages) / lowmemPages) : 0;
    let min = tmp;
    if (p.cappedMinZones.includes(z.zoneIdx)) min = Math.min(128, Math.max(SWAP_CLUSTER_MAX, Math.floor(pages / 1024)));
    const [low, high, promo] = p.watermarks(min, tmp, pages, m.watermarkScaleFactor);
    z.watermarks = { min, low, high, promo };
  }
}

/** setup_per_zone_lowmem_reserve: zone i keeps (pages of zones i+1 .. j) / ratio[i] from
 *  allocations whose class zone is j. 2.6.11 divides present pages by any ratio; 6.18 clears the
 *  reserve when the ratio is 0 or the lower zone has no managed pages. */
export function setupLowmemReserve(m: ResolvedMachine, p: EraProfile): void {
  for (let node = 0; node < MAX_NODES; node++) {
    const byIdx = new Map(m.zones.filter((z) => z.node === node).map((z) => [z.zoneIdx, z]));
    if (byIdx.size === 0) continue;
    for (const [i, lower] of byIdx) {
      const ratio = m.lowmemReserveRatio[i] ?? 0;
      const clear = p.hasMigratetypes ? ratio === 0 || lower.managedPages === 0 : false;
      let upper = 0;
      for (let j = i + 1; j < MAX_NR_ZONES; j++) {
        const u = byIdx.get(j);
        if (u) upper += zonePages(u, p);
        // 2.6.12 forced ratios below 1 to 1; 2.6.11 would divide by zero, so oomlab does the same
        lower.lowmemReserve[j] = clear ? 0 : Math.floor(upper / Math.max(1, ratio));
      }
    }
  }
}

export interface Zonelist {
  /** highest_zoneidx / classzone_idx the watermark check indexes lowmem_reserve with. */
  classzoneIdx: number;
  slots: number[];
}

/** Node order of a zonelist: the local node, then the others (build_zonelists with equal distances:
 *  find_next_best_node penalises nodes below the local one, so higher ids come first). */
export function nodeOrder(nodes: number, local: number): number[] {
  const out = [local];
  for (let n = local + 1; n < nodes; n++) out.push(n);
  for (let n = 0; n < local; n++) out.push(n);
  return out;
}

/** build_zonerefs_node: per node in order, its populated zones from highestZoneIdx down. */
export function buildZonelist(m: ResolvedMachine, node: number, highestZoneIdx: number): Zonelist {
  const nodes = Math.max(...m.zones.map((z) => z.node)) + 1;
  check(
    isInt(node) && node >= 0 && node < nodes,
    `node ${node} does not exist (the machine has ${nodes})`,
    "OOMLAB_BAD_ARGUMENT",
  );
  check(
    isInt(highestZoneIdx) && highestZoneIdx >= 0 && highestZoneIdx < MAX_NR_ZONES,
    `zone index ${highestZoneIdx} out of range`,
    "OOMLAB_BAD_ARGUMENT",
  );
  const slots: number[] = [];
  for (const n of nodeOrder(nodes, node)) {
    for (let t = highestZoneIdx; t >= 0; t--) {
      const z = m.zones.find((x) => x.node === n && x.zoneIdx === t);
      if (z && z.presentPages > 0) slots.push(z.slot);
    }
  }
  const p = eraProfile(m.era);
  const first = slots.length ? m.zones.find((z) => z.slot === slots[0]) : undefined;
  return { classzoneIdx: p.classzoneFromZonelist && first ? first.zoneIdx : highestZoneIdx, slots };
}
