// mm_init: from a plain machine description to resolved zones with watermarks and lowmem_reserve,
// using the era's formulas (mm/page_alloc.c setup_per_zone_pages_min 2.6.11,
// __setup_per_zone_wmarks / setup_per_zone_lowmem_reserve / calculate_min_free_kbytes 6.18).
// Pure arithmetic: both engines (WASM and the reference model) start from its output.

import { SWAP_CLUSTER_MAX } from "../include/linux/swap.js";
import { check, isInt, OomlabError } from "../errors.js";
import { eraProfile, type EraProfile } from "../kernel/releases.js";
import type { MachineSpec, ResolvedMachine, ResolvedZone } from "../include/machine.js";
import { MAX_NR_ZONES, ZONE_TYPES } from "../include/linux/mmzone.js";

export const MAX_NODES = 8;
/** The engine's limit: 2^24 page frames (64 GiB of 4 KiB pages) between basePfn and the top. */
export const MAX_PAGES = 1 << 24;

/** int_sqrt: floor of the square root (lib/math/int_sqrt.c). */
export function intSqrt(x: number): number {
  let r = Math.floor(Math.sqrt(x));
  while (r * r > x) r--;
  while ((r + 1) * (r + 1) <= x) r++;
  return r;
}

function validate(spec: MachineSpec, p: EraProfile): void {
  check(spec && typeof spec === "object", "machine description must be an object");
  const pageSize = spec.pageSize ?? 4096;
  check([4096, 16384, 65536].includes(pageSize), `pageSize ${String(spec.pageSize)} is not 4096, 16384 or 65536`);
  const maxOrder = spec.maxOrder ?? 11;
  check(
    isInt(maxOrder) && maxOrder >= 1 && maxOrder <= 16,
    `maxOrder ${String(spec.maxOrder)} must be an integer from 1 to 16`,
  );
  check(
    Array.isArray(spec.nodes) && spec.nodes.length >= 1 && spec.nodes.length <= MAX_NODES,
    `nodes must list 1 to ${MAX_NODES} nodes`,
  );
  spec.nodes.forEach((n, ni) => {
    check(n && typeof n === "object" && Array.isArray(n.zones) && n.zones.length >= 1, `node ${ni} has no zones`);
    const seen = new Set<string>();
    for (const z of n.zones) {
      check(z && typeof z === "object", `node ${ni}: a zone must be an object with type, startPfn and spannedPages`);
      const idx = ZONE_TYPES.indexOf(z.type);
      check(idx >= 0, `node ${ni}: zone type ${String(z.type)} is not one of ${ZONE_TYPES.join(", ")}`);
      check(p.zoneTypes.includes(idx), `node ${ni}: era ${p.era} has no zone ${z.type}`);
      check(!seen.has(z.type), `node ${ni}: zone ${z.type} listed twice`);
      seen.add(z.type);
      check(
        isInt(z.startPfn) && z.startPfn >= 0,
        `node ${ni} zone ${z.type}: startPfn ${String(z.startPfn)} must be a non-negative integer`,
      );
      // An empty zone (spannedPages 0) still exists for the formulas and the reports, as in kernels
      // where it is configured but holds no memory (the article's Normal and HighMem).
      check(
        isInt(z.spannedPages) && z.spannedPages >= 0,
        `node ${ni} zone ${z.type}: spannedPages ${String(z.spannedPages)} must be a non-negative integer`,
      );
      const present = z.presentPages ?? z.spannedPages;
      const managed = z.managedPages ?? present;
      check(
        isInt(present) && present >= 0 && present <= z.spannedPages,
        `node ${ni} zone ${z.type}: presentPages ${present} must be between 0 and spannedPages ${z.spannedPages}`,
      );
      check(
        isInt(managed) && managed >= 0 && managed <= present,
        `node ${ni} zone ${z.type}: managedPages ${managed} must be between 0 and presentPages ${present}`,
      );
      check(
        z.cma === undefined ||
          (Array.isArray(z.cma) &&
            z.cma.every((c) => c && typeof c === "object" && isInt(c.startPfn) && isInt(c.pages) && c.pages > 0)),
        `node ${ni} zone ${z.type}: cma must list { startPfn, pages } areas of whole pages`,
      );
    }
  });
}

/** The default pageblock_order: HPAGE_PMD_ORDER (9) with 4 KiB pages in 6.18 (x86-64, arm64 with
 *  hugetlb), else MAX_ORDER-1 (include/linux/pageblock-flags.h). 2.6.11 has no pageblocks; the
 *  engine still needs a value. */
function defaultPageblockOrder(era: string, pageSize: number, maxOrder: number): number {
  if (era === "6.18" && pageSize === 4096) return Math.min(9, maxOrder - 1);
  return maxOrder - 1;
}

/** Resolves a machine description: geometry, engine slots, watermarks, lowmem_reserve. */
export function resolveMachine(spec: MachineSpec): ResolvedMachine {
  check(spec && typeof spec === "object", "machine description must be an object");
  check(spec.era === "2.6.11" || spec.era === "6.18", `era ${String(spec.era)} is not one of 2.6.11, 6.18`);
  const p = eraProfile(spec.era);
  validate(spec, p);
  const pageSize = spec.pageSize ?? 4096;
  const maxOrder = spec.maxOrder ?? 11;
  const pageblockOrder = spec.pageblockOrder ?? defaultPageblockOrder(spec.era, pageSize, maxOrder);
  check(
    isInt(pageblockOrder) && pageblockOrder >= 0 && pageblockOrder < maxOrder,
    `pageblockOrder ${pageblockOrder} must be below maxOrder ${maxOrder}`,
  );

  const zones: ResolvedZone[] = [];
  spec.nodes.forEach((n, node) => {
    for (const z of n.zones) {
      const zoneIdx = ZONE_TYPES.indexOf(z.type);
      const presentPages = z.presentPages ?? z.spannedPages;
      zones.push({
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
      });
    }
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
    for (const c of z.cma) {
      check(p.hasMigratetypes, `era ${p.era} has no CMA (zone ${z.type})`);
      check(
        isInt(c.startPfn) && isInt(c.pages) && c.pages > 0 && c.startPfn % pb === 0 && c.pages % pb === 0,
        `CMA area at pfn ${c.startPfn} of ${c.pages} pages is not pageblock aligned (${pb} pages)`,
      );
      const managedStart = z.startPfn + z.presentPages - z.managedPages;
      check(
        c.startPfn >= managedStart && c.startPfn + c.pages <= z.startPfn + z.presentPages,
        `CMA area at pfn ${c.startPfn} of ${c.pages} pages is outside zone ${z.type}'s managed pages`,
      );
    }
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
    lowmemReserveRatio: Array.isArray(spec.lowmemReserveRatio ?? p.lowmemReserveRatio)
      ? [...(spec.lowmemReserveRatio ?? p.lowmemReserveRatio)]
      : [],
    // build_all_zonelists: vm_total_pages < pageblock_nr_pages * MIGRATE_TYPES (mm/page_alloc.c 6.18)
    mobilityDisabled: p.hasMigratetypes && totalPages < pb * 6,
    zones,
  };
  check(
    m.lowmemReserveRatio.length >= MAX_NR_ZONES - 1 && m.lowmemReserveRatio.every((r) => isInt(r) && r >= 0),
    `lowmemReserveRatio must list ${MAX_NR_ZONES - 1} or more non-negative integers`,
  );
  m.minFreeKbytes = spec.minFreeKbytes ?? defaultMinFreeKbytes(m, p);
  check(
    isInt(m.minFreeKbytes) && m.minFreeKbytes >= 0,
    `minFreeKbytes ${m.minFreeKbytes} must be a non-negative integer`,
  );
  setupWatermarks(m, p);
  setupLowmemReserve(m, p);
  for (const z of zones) {
    const s = spec.nodes[z.node].zones.find((x) => x.type === z.type);
    if (s?.watermarks) z.watermarks = { promo: 0, ...s.watermarks };
    if (s?.lowmemReserve) z.lowmemReserve = Array.from({ length: MAX_NR_ZONES }, (_, i) => s.lowmemReserve?.[i] ?? 0);
  }
  return m;
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
