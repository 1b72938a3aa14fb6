// __show_mem() of Linux 6.18 (mm/show_mem.c __show_mem and show_free_areas, with
// hugetlb_show_meminfo_node from mm/hugetlb.c and show_swap_cache_info from mm/swap_state.c, 6.18):
// the "Mem-Info:" block the OOM killer's dump_header and warn_alloc print. A pure renderer over a
// plain state object (ShowMemState618) the kernel model fills; it computes only what show_mem itself
// computes (sums, K(), the filter, the migratetype letters). Lines carry no printk prefix.

import { MigrateType, ZONE_TYPES, type ZoneType } from "../../include/linux/mmzone.js";
import { OomlabError } from "../../errors.js";
import type { KernelView } from "./hooks.js";
// MAX_RECLAIM_RETRIES (mm/internal.h 6.18): "all_unreclaimable? yes" from this many kswapd failures
import { MAX_RECLAIM_RETRIES } from "./internal.js";

/** SHOW_MEM_FILTER_NODES (include/linux/mm.h 6.18): skip nodes outside the nodemask (or, without
 *  one, outside current's cpuset mems_allowed). */
export const SHOW_MEM_FILTER_NODES = 0x0001;

/** One zone as show_free_areas reads it. Counts are in pages unless the name says kB. */
export interface ShowMemZone618 {
  /** zone->name; its index in enum zone_type (ZONE_TYPES order) decides the max_zone_idx filter. */
  type: ZoneType;
  /** zone->present_pages: 0 for a zone that is not populated (not printed at all). */
  presentPages: number;
  /** zone_managed_pages(). */
  managedPages: number;
  /** NR_FREE_PAGES. */
  freePages: number;
  /** zone->_watermark[WMARK_MIN/LOW/HIGH] WITHOUT the boost: show_mem prints min_wmark_pages(),
   *  low_wmark_pages(), high_wmark_pages(), which add zone->watermark_boost (include/linux/mmzone.h). */
  watermark: { min: number; low: number; high: number };
  /** zone->watermark_boost. */
  watermarkBoost: number;
  nrReservedHighatomic: number;
  nrFreeHighatomic: number;
  /** NR_ZONE_ACTIVE_ANON ... NR_ZONE_WRITE_PENDING. */
  activeAnon: number;
  inactiveAnon: number;
  activeFile: number;
  inactiveFile: number;
  unevictable: number;
  writePending: number;
  /** NR_ZSPAGES (0 without CONFIG_ZSMALLOC). */
  zspages?: number;
  /** NR_MLOCK. */
  mlocked: number;
  /** per_cpu_pageset->count of each online CPU (free_pcp is their sum). */
  pcpCount: readonly number[];
  /** NR_FREE_CMA_PAGES. */
  freeCma: number;
  /** zone->lowmem_reserve[], MAX_NR_ZONES entries of the kernel's configuration (x86-64 with
   *  ZONE_DEVICE: DMA, DMA32, Normal, Movable, Device = 5). */
  lowmemReserve: readonly number[];
  /** free_area[order] for each of NR_PAGE_ORDERS orders: nr_free and the migratetypes whose list
   *  is not empty, as a bit mask over oomlab's MigrateType numbers. */
  freeArea: readonly { nrFree: number; types: number }[];
}

/** One node (pg_data_t) as show_free_areas reads it; node_page_state counters in pages. */
export interface ShowMemNode618 {
  nid: number;
  activeAnon: number;
  inactiveAnon: number;
  activeFile: number;
  inactiveFile: number;
  unevictable: number;
  isolatedAnon: number;
  isolatedFile: number;
  /** NR_FILE_MAPPED, NR_FILE_DIRTY, NR_WRITEBACK, NR_SHMEM. */
  mapped: number;
  dirty: number;
  writeback: number;
  shmem: number;
  /** NR_SHMEM_THPS, NR_SHMEM_PMDMAPPED, NR_ANON_THPS (pages; printed with CONFIG_TRANSPARENT_HUGEPAGE). */
  shmemThp: number;
  shmemPmdmapped: number;
  anonThp: number;
  /** NR_KERNEL_STACK_KB: already in kB. */
  kernelStackKb: number;
  /** NR_PAGETABLE, NR_SECONDARY_PAGETABLE. */
  pagetables: number;
  secPagetables: number;
  /** NR_SLAB_RECLAIMABLE_B / NR_SLAB_UNRECLAIMABLE_B as pages (global_node_page_state_pages). */
  slabReclaimable: number;
  slabUnreclaimable: number;
  kernelMiscReclaimable: number;
  /** NR_FILE_PAGES (the page cache, "total pagecache pages"). */
  filePages: number;
  /** NR_BALLOON_PAGES. */
  balloon: number;
  /** pgdat->kswapd_failures. */
  kswapdFailures: number;
  /** One entry per hstate (hugetlb_show_meminfo_node); [] when hugepages are not supported. */
  hugepages: readonly { total: number; free: number; surplus: number; sizeKb: number }[];
  /** node_zones[] that exist in the configuration, in zone index order. */
  zones: readonly ShowMemZone618[];
}

/** The kernel configuration show_mem's text depends on. */
export interface ShowMemConfig618 {
  /** CONFIG_NUMA: zone lines start "Node %d " (show_node). */
  numa: boolean;
  /** CONFIG_TRANSPARENT_HUGEPAGE: shmem_thp, shmem_pmdmapped and anon_thp on the node line. */
  transparentHugepage: boolean;
  /** CONFIG_SHADOW_CALL_STACK (arm64): shadow_call_stack on the node line. */
  shadowCallStack: boolean;
  /** CONFIG_CMA: "N pages cma reserved" and the 'C' letter. */
  cma: boolean;
  /** CONFIG_MEMORY_FAILURE: "N pages hwpoisoned". */
  memoryFailure: boolean;
  /** CONFIG_MEMORY_ISOLATION: the 'I' letter. */
  memoryIsolation: boolean;
  /** is_highmem(ZONE_MOVABLE): movable_zone == ZONE_HIGHMEM (32-bit HIGHMEM kernels only). */
  movableIsHighmem: boolean;
}

/** An x86-64 distribution kernel. */
export const DEFAULT_SHOW_MEM_CONFIG: ShowMemConfig618 = {
  numa: true,
  transparentHugepage: true,
  shadowCallStack: false,
  cma: true,
  memoryFailure: true,
  memoryIsolation: true,
  movableIsHighmem: false,
};

/** Everything __show_mem prints; the global counters are summed from the nodes. */
export interface ShowMemState618 {
  pageSizeKb: number;
  /** Online nodes (for_each_online_pgdat order). */
  nodes: readonly ShowMemNode618[];
  /** The CPU running show_mem: local_pcp is its pcpCount entry. */
  cpu: number;
  /** total_swapcache_pages(), get_nr_swap_pages() and total_swap_pages, in pages (the swap lines
   *  are printed with CONFIG_SWAP; null without it). */
  swap: { cachePages: number; freePages: number; totalPages: number } | null;
  /** totalcma_pages. */
  totalcmaPages: number;
  /** num_poisoned_pages. */
  hwpoisonedPages: number;
  config?: Partial<ShowMemConfig618>;
}

/** How the caller filters the dump: __show_mem(filter, nodemask, max_zone_idx). */
export interface ShowMemFilter {
  /** SHOW_MEM_FILTER_NODES or 0. */
  filter: number;
  /** The allocation's nodemask (null: none). */
  nodemask: readonly number[] | null;
  /** cpuset_current_mems_allowed, used when the filter is on and nodemask is null. */
  cpusetMemsAllowed: readonly number[];
  /** gfp_zone(gfp_mask): zones above it are not printed. */
  maxZone: ZoneType;
}

/** show_migration_types' letters by oomlab MigrateType, in MIGRATE_TYPES order (mm/show_mem.c 6.18). */
const MIGRATE_LETTERS: readonly [number, string, keyof ShowMemConfig618 | null][] = [
  [MigrateType.Unmovable, "U", null],
  [MigrateType.Movable, "M", null],
  [MigrateType.Reclaimable, "E", null],
  [MigrateType.HighAtomic, "H", null],
  [MigrateType.CMA, "C", "cma"],
  [MigrateType.Isolate, "I", "memoryIsolation"],
];

/** show_migration_types(type): the letters of the non-empty lists, "(%s) ". */
export function migrationTypes(types: number, config: ShowMemConfig618 = DEFAULT_SHOW_MEM_CONFIG): string {
  let s = "";
  for (const [mt, letter, needs] of MIGRATE_LETTERS)
    if (types & (1 << mt) && (needs === null || config[needs])) s += letter;
  return `(${s}) `;
}

const zoneIdx = (t: ZoneType): number => ZONE_TYPES.indexOf(t);

/** show_mem_node_skip (mm/show_mem.c 6.18). */
function nodeSkip(f: ShowMemFilter, nid: number): boolean {
  if (!(f.filter & SHOW_MEM_FILTER_NODES)) return false;
  return !(f.nodemask ?? f.cpusetMemsAllowed).includes(nid);
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

function check(s: ShowMemState618): void {
  if (![4, 16, 64].includes(s.pageSizeKb))
    throw new OomlabError("OOMLAB_BAD_ARGUMENT", `show_mem: page size ${s.pageSizeKb} kB is not 4, 16 or 64`);
  for (const n of s.nodes)
    for (const z of n.zones)
      if (z.presentPages > 0 && z.pcpCount.length <= s.cpu)
        throw new OomlabError("OOMLAB_BAD_ARGUMENT", `show_mem: zone ${z.type} has no pcp count for CPU ${s.cpu}`);
}

/** show_free_areas(filter, nodemask, max_zone_idx) (mm/show_mem.c 6.18), then
 *  hugetlb_show_meminfo_node, "%ld total pagecache pages" and show_swap_cache_info. */
export function showFreeAreas618(s: ShowMemState618, f: ShowMemFilter): string[] {
  check(s);
  const cfg = { ...DEFAULT_SHOW_MEM_CONFIG, ...s.config };
  const K = (pages: number): number => pages * s.pageSizeKb;
  const max = zoneIdx(f.maxZone);
  const populated = s.nodes.flatMap((n) => n.zones.filter((z) => z.presentPages > 0).map((z) => ({ n, z })));
  const shown = populated.filter(({ n, z }) => zoneIdx(z.type) <= max && !nodeSkip(f, n.nid));
  const g = (k: keyof ShowMemNode618): number => sum(s.nodes.map((n) => n[k] as number)); // global_node_page_state
  const freePcp = sum(shown.map(({ z }) => sum(z.pcpCount)));
  const allZones = s.nodes.flatMap((n) => n.zones);
  const lines = [
    `active_anon:${g("activeAnon")} inactive_anon:${g("inactiveAnon")} isolated_anon:${g("isolatedAnon")}`,
    ` active_file:${g("activeFile")} inactive_file:${g("inactiveFile")} isolated_file:${g("isolatedFile")}`,
    ` unevictable:${g("unevictable")} dirty:${g("dirty")} writeback:${g("writeback")}`,
    ` slab_reclaimable:${g("slabReclaimable")} slab_unreclaimable:${g("slabUnreclaimable")}`,
    ` mapped:${g("mapped")} shmem:${g("shmem")} pagetables:${g("pagetables")}`,
    ` sec_pagetables:${g("secPagetables")} bounce:0`,
    ` kernel_misc_reclaimable:${g("kernelMiscReclaimable")}`,
    ` free:${sum(allZones.map((z) => z.freePages))} free_pcp:${freePcp} ` +
      `free_cma:${sum(allZones.map((z) => z.freeCma))}`,
  ];
  for (const n of s.nodes) {
    if (nodeSkip(f, n.nid)) continue;
    // node_has_managed_zones(pgdat, max_zone_idx)
    if (!n.zones.some((z) => zoneIdx(z.type) <= max && z.managedPages > 0)) continue;
    lines.push(
      `Node ${n.nid} active_anon:${K(n.activeAnon)}kB inactive_anon:${K(n.inactiveAnon)}kB ` +
        `active_file:${K(n.activeFile)}kB inactive_file:${K(n.inactiveFile)}kB unevictable:${K(n.unevictable)}kB ` +
        `isolated(anon):${K(n.isolatedAnon)}kB isolated(file):${K(n.isolatedFile)}kB mapped:${K(n.mapped)}kB ` +
        `dirty:${K(n.dirty)}kB writeback:${K(n.writeback)}kB shmem:${K(n.shmem)}kB` +
        (cfg.transparentHugepage
          ? ` shmem_thp:${K(n.shmemThp)}kB shmem_pmdmapped:${K(n.shmemPmdmapped)}kB anon_thp:${K(n.anonThp)}kB`
          : "") +
        ` kernel_stack:${n.kernelStackKb}kB` +
        (cfg.shadowCallStack ? " shadow_call_stack:0kB" : "") +
        ` pagetables:${K(n.pagetables)}kB sec_pagetables:${K(n.secPagetables)}kB` +
        ` all_unreclaimable? ${n.kswapdFailures >= MAX_RECLAIM_RETRIES ? "yes" : "no"} Balloon:${K(n.balloon)}kB`,
    );
  }
  const node = (n: ShowMemNode618): string => (cfg.numa ? `Node ${n.nid} ` : ""); // show_node
  for (const { n, z } of shown) {
    const b = z.watermarkBoost;
    lines.push(
      `${node(n)}${z.type} free:${K(z.freePages)}kB boost:${K(b)}kB min:${K(z.watermark.min + b)}kB ` +
        `low:${K(z.watermark.low + b)}kB high:${K(z.watermark.high + b)}kB ` +
        `reserved_highatomic:${K(z.nrReservedHighatomic)}KB free_highatomic:${K(z.nrFreeHighatomic)}KB ` +
        `active_anon:${K(z.activeAnon)}kB inactive_anon:${K(z.inactiveAnon)}kB active_file:${K(z.activeFile)}kB ` +
        `inactive_file:${K(z.inactiveFile)}kB unevictable:${K(z.unevictable)}kB writepending:${K(z.writePending)}kB ` +
        `zspages:${K(z.zspages ?? 0)}kB present:${K(z.presentPages)}kB managed:${K(z.managedPages)}kB ` +
        `mlocked:${K(z.mlocked)}kB bounce:0kB free_pcp:${K(sum(z.pcpCount))}kB ` +
        `local_pcp:${K(z.pcpCount[s.cpu])}kB free_cma:${K(z.freeCma)}kB`,
    );
    lines.push(`lowmem_reserve[]:${z.lowmemReserve.map((r) => ` ${r}`).join("")}`);
  }
  for (const { n, z } of shown) {
    let line = `${node(n)}${z.type}: `;
    let total = 0;
    z.freeArea.forEach((a, order) => {
      total += a.nrFree * 2 ** order;
      line += `${a.nrFree}*${K(1) * 2 ** order}kB `;
      if (a.nrFree) line += migrationTypes(a.types, cfg);
    });
    lines.push(`${line}= ${K(total)}kB`);
  }
  for (const n of s.nodes) {
    if (nodeSkip(f, n.nid)) continue;
    for (const h of n.hugepages)
      lines.push(
        `Node ${n.nid} hugepages_total=${h.total} hugepages_free=${h.free} hugepages_surp=${h.surplus} ` +
          `hugepages_size=${h.sizeKb}kB`,
      );
  }
  lines.push(`${g("filePages")} total pagecache pages`);
  if (s.swap) {
    // show_swap_cache_info (mm/swap_state.c 6.18)
    lines.push(`${s.swap.cachePages} pages in swap cache`);
    lines.push(`Free swap  = ${K(s.swap.freePages)}kB`);
    lines.push(`Total swap = ${K(s.swap.totalPages)}kB`);
  }
  return lines;
}

/** __show_mem(filter, nodemask, max_zone_idx) (mm/show_mem.c 6.18): "Mem-Info:", show_free_areas,
 *  then the RAM lines over every populated zone (the filter does not apply to them).
 *  CONFIG_MEM_ALLOC_PROFILING's top users are not printed (off by default). */
export function showMem618(s: ShowMemState618, f: ShowMemFilter): string[] {
  const cfg = { ...DEFAULT_SHOW_MEM_CONFIG, ...s.config };
  const lines = ["Mem-Info:", ...showFreeAreas618(s, f)];
  let total = 0;
  let reserved = 0;
  let highmem = 0;
  for (const z of s.nodes.flatMap((n) => n.zones)) {
    if (z.presentPages === 0) continue;
    total += z.presentPages;
    reserved += z.presentPages - z.managedPages;
    if (z.type === "HighMem" || (z.type === "Movable" && cfg.movableIsHighmem)) highmem += z.presentPages;
  }
  lines.push(`${total} pages RAM`, `${highmem} pages HighMem/MovableOnly`, `${reserved} pages reserved`);
  if (cfg.cma) lines.push(`${s.totalcmaPages} pages cma reserved`);
  if (cfg.memoryFailure) lines.push(`${s.hwpoisonedPages} pages hwpoisoned`);
  return lines;
}

// ---- the kernel model's state, as __show_mem reads it ----

/** The ShowMemState618 of the 6.18 kernel model: every node's counters (NodeState618), every zone's
 *  free lists, watermarks (without boost), boost, highatomic reserve, LRU sizes and lowmem_reserve.
 *  free_pcp and local_pcp are the per-CPU lists' counts on a machine with them (percpuPagelists; the
 *  CPU running show_mem is the machine's current one), else 0 (one CPU). Not modelled, printed as 0:
 *  mlock, CMA, shmem, bounce,
 *  balloon, swap cache; hugetlb pools are empty. A 64-bit machine (no HighMem zone) prints the
 *  x86-64 zones DMA, DMA32, Normal, Movable and five lowmem_reserve entries (ZONE_DEVICE's equals
 *  Movable's); a 32-bit one DMA, Normal, HighMem, Movable and four. */
export function showMemState618(k: KernelView): ShowMemState618 {
  const m = k.machine.machine;
  const highmem = m.zones.some((z) => z.type === "HighMem");
  const types: readonly ZoneType[] = highmem
    ? ["DMA", "Normal", "HighMem", "Movable"]
    : ["DMA", "DMA32", "Normal", "Movable"];
  const reserveIdx = highmem ? [0, 2, 3, 4] : [0, 1, 2, 4, 4];
  const nodeIds = [...new Set(m.zones.map((z) => z.node))].sort((a, b) => a - b);
  const hugepages =
    m.pageSize === 4096 && m.pageblockOrder === 9
      ? [
          { total: 0, free: 0, surplus: 0, sizeKb: 1048576 },
          { total: 0, free: 0, surplus: 0, sizeKb: 2048 },
        ]
      : [];
  const nodes: ShowMemNode618[] = nodeIds.map((nid) => {
    const ns = k.nodeState(nid);
    const zones: ShowMemZone618[] = types.map((type) => {
      const z = m.zones.find((q) => q.node === nid && q.type === type);
      if (!z || z.presentPages === 0) {
        return {
          type,
          presentPages: 0,
          managedPages: 0,
          freePages: 0,
          watermark: { min: 0, low: 0, high: 0 },
          watermarkBoost: 0,
          nrReservedHighatomic: 0,
          nrFreeHighatomic: 0,
          activeAnon: 0,
          inactiveAnon: 0,
          activeFile: 0,
          inactiveFile: 0,
          unevictable: 0,
          writePending: 0,
          mlocked: 0,
          pcpCount: [0],
          freeCma: 0,
          lowmemReserve: reserveIdx.map(() => 0),
          freeArea: [],
        };
      }
      const st = k.machine.stats(z.slot);
      const boost = st.watermarkBoost;
      const lru = k.zoneLru(z.slot);
      return {
        type,
        presentPages: z.presentPages,
        managedPages: z.managedPages,
        freePages: st.freePages,
        watermark: { min: st.watermarks.min - boost, low: st.watermarks.low - boost, high: st.watermarks.high - boost },
        watermarkBoost: boost,
        nrReservedHighatomic: st.nrReservedHighatomic,
        nrFreeHighatomic: st.nrFreeHighatomic,
        activeAnon: lru.activeAnon,
        inactiveAnon: lru.inactiveAnon,
        activeFile: lru.activeFile,
        inactiveFile: lru.inactiveFile,
        unevictable: 0,
        writePending: lru.writePending,
        mlocked: 0,
        pcpCount: k.machine.hasPcp ? k.machine.pcpState(z.slot).map((p) => p.count) : [0],
        freeCma: st.freeCmaPages,
        lowmemReserve: reserveIdx.map((i) => st.lowmemReserve[i] ?? 0),
        freeArea: st.nrFree.map((nrFree, o) => ({
          nrFree,
          types: st.nrFreeByType[o].reduce((mask, n, mt) => (n > 0 ? mask | (1 << mt) : mask), 0),
        })),
      };
    });
    return {
      nid,
      activeAnon: ns.activeAnon,
      inactiveAnon: ns.inactiveAnon,
      activeFile: ns.activeFile,
      inactiveFile: ns.inactiveFile,
      unevictable: ns.unevictable,
      isolatedAnon: ns.isolatedAnon,
      isolatedFile: ns.isolatedFile,
      mapped: ns.mapped,
      dirty: ns.dirty,
      writeback: ns.writeback,
      shmem: ns.shmem,
      shmemThp: 0,
      shmemPmdmapped: 0,
      anonThp: ns.anonThp,
      kernelStackKb: ns.kernelStack * (m.pageSize / 1024),
      pagetables: ns.pagetables,
      secPagetables: 0,
      slabReclaimable: ns.slabReclaimable,
      slabUnreclaimable: ns.slabUnreclaimable,
      kernelMiscReclaimable: 0,
      filePages: ns.activeFile + ns.inactiveFile + ns.shmem,
      balloon: 0,
      kswapdFailures: ns.kswapdFailures,
      hugepages,
      zones,
    };
  });
  return {
    pageSizeKb: m.pageSize / 1024,
    nodes,
    cpu: k.machine.hasPcp ? k.machine.cpu : 0,
    swap: { cachePages: 0, freePages: k.swapFreePages, totalPages: k.swapTotalPages },
    totalcmaPages: 0,
    hwpoisonedPages: 0,
    config: { numa: true },
  };
}
