// vmstat: /proc/buddyinfo and /proc/pagetypeinfo in the kernel's exact formats
// (mm/vmstat.c frag_show_print, pagetypeinfo_showfree_print, pagetypeinfo_showblockcount_print, 6.18;
// buddyinfo unchanged since 2.6.11, pagetypeinfo from 2.6.24).

import { OomlabError } from "../errors.js";
import { eraProfile } from "../kernel/releases.js";
import type { PcpState, ResolvedMachine } from "../include/machine.js";
import { MIGRATETYPE_NAMES, type ZoneType } from "../include/linux/mmzone.js";

/** What the /proc views read of a zone (engine/machine.ts ZoneStats has these fields). */
export interface VmstatZone {
  node: number;
  type: ZoneType;
  slot: number;
  presentPages: number;
  /** nr_free per order. */
  nrFree: number[];
  /** Blocks per order per migratetype list. */
  nrFreeByType: number[][];
}

/** What the /proc views read of a machine (engine/machine.ts Machine provides it). */
export interface VmstatSource {
  readonly machine: ResolvedMachine;
  allStats(): VmstatZone[];
  /** Pageblock migratetypes, one per pageblock from basePfn. */
  pageblockTypes(): Uint8Array;
}

/** printf("%*s") / ("%-*s"): pad to width, never truncate. */
export function padStart(s: string | number, width: number): string {
  return String(s).padStart(width);
}
export function padEnd(s: string | number, width: number): string {
  return String(s).padEnd(width);
}

/** Populated zones in /proc order: by node, then zone index. */
function procZones(m: VmstatSource): VmstatZone[] {
  return m
    .allStats()
    .filter((z) => z.presentPages > 0)
    .sort((a, b) => a.node - b.node || a.slot - b.slot);
}

export interface BuddyinfoRow {
  node: number;
  type: string;
  nrFree: number[];
}

/** /proc/buddyinfo: "Node %d, zone %8s " then "%6lu " per order (frag_show_print). */
export function formatBuddyinfo(rows: BuddyinfoRow[]): string {
  return rows
    .map(
      (z) => `Node ${z.node}, zone ${padStart(z.type, 8)} ` + z.nrFree.map((n) => `${padStart(n, 6)} `).join("") + "\n",
    )
    .join("");
}

export function buddyinfo(m: VmstatSource): string {
  return formatBuddyinfo(procZones(m));
}

/** The free-list walk of pagetypeinfo_showfree_print stops counting at 100000 and prints ">". */
const PAGETYPEINFO_CAP = 100000;

export interface PagetypeinfoInput {
  pageblockOrder: number;
  orders: number;
  zones: { node: number; type: string; nrFreeByType: number[][]; blocks: number[] }[];
}

/** /proc/pagetypeinfo in the 4.4 .. 6.18 layout with its six types (pagetypeinfo_showfree_print,
 *  pagetypeinfo_showblockcount_print). */
export function formatPagetypeinfo(p: PagetypeinfoInput): string {
  let out = `Page block order: ${p.pageblockOrder}\n`;
  out += `Pages per block:  ${2 ** p.pageblockOrder}\n\n`;
  out += padEnd("Free pages count per migrate type at order", 43) + " ";
  for (let o = 0; o < p.orders; o++) out += `${padStart(o, 6)} `;
  out += "\n";
  for (const z of p.zones) {
    MIGRATETYPE_NAMES.forEach((name, mt) => {
      out += `Node ${padStart(z.node, 4)}, zone ${padStart(z.type, 8)}, type ${padStart(name, 12)} `;
      for (let o = 0; o < p.orders; o++) {
        const n = z.nrFreeByType[o][mt];
        out += n >= PAGETYPEINFO_CAP ? `>${padStart(PAGETYPEINFO_CAP, 6)} ` : `${padStart(n, 6)} `;
      }
      out += "\n";
    });
  }
  out += "\n" + padEnd("Number of blocks type ", 23);
  for (const name of MIGRATETYPE_NAMES) out += `${padStart(name, 12)} `;
  out += "\n";
  for (const z of p.zones) {
    out += `Node ${z.node}, zone ${padStart(z.type, 8)} `;
    for (let mt = 0; mt < MIGRATETYPE_NAMES.length; mt++) out += `${padStart(z.blocks[mt] ?? 0, 12)} `;
    out += "\n";
  }
  return out;
}

/** /proc/pagetypeinfo of a machine (2.6.24+). */
export function pagetypeinfo(m: VmstatSource): string {
  if (!eraProfile(m.machine.era).hasMigratetypes) {
    throw new OomlabError(
      "OOMLAB_BAD_ARGUMENT",
      `era ${m.machine.era} has no /proc/pagetypeinfo: it arrived with grouping by mobility in 2.6.24`,
    );
  }
  const counts = pageblockCounts(m);
  return formatPagetypeinfo({
    pageblockOrder: m.machine.pageblockOrder,
    orders: m.machine.maxOrder,
    zones: procZones(m).map((z) => ({
      node: z.node,
      type: z.type,
      nrFreeByType: z.nrFreeByType,
      blocks: counts.get(z.slot) ?? [],
    })),
  });
}

/** Pageblocks per migratetype per zone (pagetypeinfo_showblockcount_print: from zone_start_pfn
 *  in steps of pageblock_nr_pages, the type of the pageblock holding each pfn). */
export function pageblockCounts(m: VmstatSource): Map<number, number[]> {
  const types = m.pageblockTypes();
  const pb = 2 ** m.machine.pageblockOrder;
  const out = new Map<number, number[]>();
  for (const z of m.machine.zones) {
    const c = [0, 0, 0, 0, 0, 0];
    for (let pfn = z.startPfn; pfn < z.startPfn + z.spannedPages; pfn += pb)
      c[types[Math.floor((pfn - m.machine.basePfn) / pb)]]++;
    out.set(z.slot, c);
  }
  return out;
}

/** One CPU's per_cpu_pages as /proc/zoneinfo prints it (engine/machine.ts PcpState has these fields). */
/** One CPU's pageset as zoneinfo prints it: the engine's PcpState without its slot and lists. */
export type PagesetRow = Pick<PcpState, "cpu" | "count" | "high" | "batch" | "highMin" | "highMax">;

/** The "pagesets" part of a zone in /proc/zoneinfo (zoneinfo_show_print, mm/vmstat.c): 6.7+ ("autotune")
 *  pads to "count:    " and adds high_min and high_max; 5.14 .. 6.6 ("fixed", 6.1) print count, high,
 *  batch. The "vm stats threshold" line that follows each CPU in the kernel is left out (oomlab keeps
 *  no per-CPU vmstat diffs). */
export function formatPagesets(rows: PagesetRow[], rules: "fixed" | "autotune"): string {
  let out = "  pagesets\n";
  for (const p of rows) {
    out += `    cpu: ${p.cpu}\n`;
    if (rules === "autotune") {
      out += `              count:    ${p.count}\n`;
      out += `              high:     ${p.high}\n`;
      out += `              batch:    ${p.batch}\n`;
      out += `              high_min: ${p.highMin}\n`;
      out += `              high_max: ${p.highMax}\n`;
    } else {
      out += `              count: ${p.count}\n`;
      out += `              high:  ${p.high}\n`;
      out += `              batch: ${p.batch}\n`;
    }
  }
  return out;
}

/** What zoneinfoPagesets reads of a machine (engine/machine.ts Machine provides it). */
export interface PagesetSource {
  readonly machine: ResolvedMachine;
  pcpState(slot: number): PagesetRow[];
}

/** The pagesets of one zone of a machine with per-CPU lists, as /proc/zoneinfo prints them; "" without. */
export function zoneinfoPagesets(m: PagesetSource, slot: number): string {
  const p = m.machine.percpuPagelists;
  return p ? formatPagesets(m.pcpState(slot), p.rules) : "";
}
