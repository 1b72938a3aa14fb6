// show_free_areas() and show_swap_cache_info() of Linux 2.6.11 (mm/page_alloc.c, mm/swap_state.c;
// 2.6.11): exactly the text the 2.6.11 OOM killer prints after "oom-killer: gfp_mask=0x%x". A pure
// renderer: the kernel model gathers the numbers, this module only formats them.

import { padStart } from "../../mm/vmstat.js";

/** K(x): pages to kB. */
export function kb(pages: number, pageSize: number): number {
  return pages * (pageSize / 1024);
}

export interface ShowZone2611 {
  name: string;
  node: number;
  presentPages: number;
  freePages: number;
  min: number;
  low: number;
  high: number;
  active: number;
  inactive: number;
  pagesScanned: number;
  allUnreclaimable: boolean;
  /** lowmem_reserve[] over the era's MAX_NR_ZONES zones. */
  lowmemReserve: number[];
  /** nr_free per order (MAX_ORDER entries). */
  nrFree: number[];
  /** Per possible CPU: [hot, cold] low/high/batch. */
  pcp: { low: number; high: number; batch: number }[][];
  highmem: boolean;
}

export interface ShowMem2611 {
  pageSize: number;
  /** NUMA builds prefix zone lines with "Node %d " (show_node). */
  numa: boolean;
  zones: ShowZone2611[];
  dirty: number;
  writeback: number;
  unstable: number;
  slab: number;
  mapped: number;
  pagetables: number;
  swap: {
    add: number;
    del: number;
    findSuccess: number;
    findTotal: number;
    noentRace: number;
    existRace: number;
    freePages: number;
    totalPages: number;
  } | null;
}

/** show_free_areas (2.6.11). */
export function showFreeAreas2611(s: ShowMem2611): string {
  const K = (p: number) => kb(p, s.pageSize);
  const node = (z: ShowZone2611) => (s.numa ? `Node ${z.node} ` : "");
  let out = "";
  for (const z of s.zones) {
    out += `${z.name} per-cpu:`;
    if (!z.presentPages) {
      out += " empty\n";
      continue;
    }
    out += "\n";
    z.pcp.forEach((cpu, c) => {
      cpu.forEach((p, temperature) => {
        out += `cpu ${c} ${temperature ? "cold" : "hot"}: low ${p.low}, high ${p.high}, batch ${p.batch}\n`;
      });
    });
  }
  const free = s.zones.reduce((a, z) => a + z.freePages, 0);
  const freeHigh = s.zones.filter((z) => z.highmem).reduce((a, z) => a + z.freePages, 0);
  const active = s.zones.reduce((a, z) => a + z.active, 0);
  const inactive = s.zones.reduce((a, z) => a + z.inactive, 0);
  out += `\nFree pages: ${padStart(K(free), 11)}kB (${K(freeHigh)}kB HighMem)\n`;
  out +=
    `Active:${active} inactive:${inactive} dirty:${s.dirty} writeback:${s.writeback} unstable:${s.unstable} ` +
    `free:${free} slab:${s.slab} mapped:${s.mapped} pagetables:${s.pagetables}\n`;
  for (const z of s.zones) {
    out +=
      `${node(z)}${z.name} free:${K(z.freePages)}kB min:${K(z.min)}kB low:${K(z.low)}kB high:${K(z.high)}kB ` +
      `active:${K(z.active)}kB inactive:${K(z.inactive)}kB present:${K(z.presentPages)}kB ` +
      `pages_scanned:${z.pagesScanned} all_unreclaimable? ${z.allUnreclaimable ? "yes" : "no"}\n`;
    out += "lowmem_reserve[]:" + z.lowmemReserve.map((r) => ` ${r}`).join("") + "\n";
  }
  for (const z of s.zones) {
    out += `${node(z)}${z.name}: `;
    if (!z.presentPages) {
      out += "empty\n";
      continue;
    }
    let total = 0;
    z.nrFree.forEach((nr, order) => {
      total += nr * 2 ** order;
      out += `${nr}*${K(1) * 2 ** order}kB `;
    });
    out += `= ${K(total)}kB\n`;
  }
  if (s.swap) out += showSwapCacheInfo2611(s.swap, s.pageSize);
  return out;
}

/** show_swap_cache_info (mm/swap_state.c 2.6.11; only with CONFIG_SWAP). */
export function showSwapCacheInfo2611(w: NonNullable<ShowMem2611["swap"]>, pageSize: number): string {
  return (
    `Swap cache: add ${w.add}, delete ${w.del}, find ${w.findSuccess}/${w.findTotal}, ` +
    `race ${w.noentRace}+${w.existRace}\n` +
    `Free swap  = ${kb(w.freePages, pageSize)}kB\n` +
    `Total swap = ${kb(w.totalPages, pageSize)}kB\n`
  );
}
