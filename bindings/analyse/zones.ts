// diagnose_zones: the era of a report (its kernel version, else its header's format), the zones a
// request may use (gfp_zone + build_zonerefs_node: every populated zone at or below the highest
// allowed one, kernel-semantics.md §4), the lowmem_reserve entry of the class zone (§3.5), and the
// era's watermark formulas for what-ifs (§3.4, bindings/mm_init.ts setupWatermarks).

import { ERA_2_6_11, ERA_6_18, type EraProfile } from "../kernel/releases.js";
import { setupWatermarks } from "../mm/mm_init.js";
import type { RuleEra, ZoneModel } from "./rebuilt_zone.js";
import type { ParsedReport, ParsedZone } from "../parse/reports.js";
import { ZONE_TYPES, type ResolvedMachine, type ResolvedZone, type ZoneType } from "../include/machine.js";

/** A release as one comparable number: 2.6.11 -> 20611, 4.9 -> 40900, 6.1.1 -> 60101. */
export function versionNumber(v: string | null): number | null {
  const m = /^(\d{1,2})\.(\d{1,2})(?:\.(\d{1,3}))?/.exec(v ?? "");
  if (!m) return null;
  const [a, b, c] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  return a * 10000 + b * 100 + (a === 2 ? c : 0);
}

// A release standing in for each header format when dump_stack printed no version (headers.ts).
const FORMAT_RELEASE: [RegExp, string][] = [
  [/2\.6\.11-2\.6\.12/, "2.6.11"],
  [/2\.6\.13-2\.6\.18/, "2.6.13"],
  [/oomkilladj/, "2.6.24"],
  [/oom_adj 2\.6\.32/, "2.6.32"],
  [/oom_score_adj 3\.x|warn_alloc_failed/, "3.10"],
  [/page allocation failure\. 2\.6/, "2.6.24"],
  [/%pGg 4\.8/, "4.9"],
  [/warn_alloc 4\.10/, "4.10"],
];

export interface ReportEra {
  /** The release whose GFP table and formulas apply (printed, or inferred from the format). */
  release: string;
  inferred: boolean;
  version: number;
  /** zone_watermark_ok's per-order subtraction (before 4.4) or the 4.4+ suitable-list test. */
  rule: RuleEra;
  /** 3.8 .. 4.3 with CONFIG_CMA: free CMA pages left out of the order-0 test (from memory). */
  subtractCma: boolean;
}

function zoneHints(zones: ParsedZone[]): string {
  if (zones.some((z) => z.boostKb !== null)) return "6.1";
  if (zones.some((z) => "reserved_highatomic" in z.fieldsKb)) return "4.19";
  if (zones.some((z) => z.managedKb !== null)) return "3.10";
  return "2.6.24";
}

export function reportEra(r: ParsedReport): ReportEra {
  let release = r.kernelVersion;
  let inferred = false;
  if (!release || versionNumber(release) === null) {
    inferred = true;
    release = FORMAT_RELEASE.find(([re]) => re.test(r.format ?? ""))?.[1] ?? zoneHints(r.zones);
  }
  const version = versionNumber(release) ?? 20624;
  const letters = r.zones.some((z) => z.migratetypes?.some((l) => l.includes("C")));
  return { release, inferred, version, rule: version < 40400 ? "2.6.11" : "6.18", subtractCma: version >= 30800 || (letters && version < 40400) };
}

const RANK: Record<string, number> = { DMA: 0, DMA32: 1, Normal: 2, HighMem: 3, Movable: 4 };

export const pageKb = (r: ParsedReport): number => r.pageSizeKb ?? 4;

export function populated(z: ParsedZone): boolean {
  return z.presentKb !== 0 && !(z.freeAreas.length === 0 && z.freeAreasLine !== null && z.freeKb === null);
}

/** gfp_zone's answer mapped onto the report's zones: without ZONE_DMA32 (i386) GFP_DMA32 means
 *  Normal, without ZONE_DMA GFP_DMA too (GFP_ZONE_TABLE's OPT_ZONE_*, §4). */
export function highestRank(zones: ParsedZone[], highest: string): number {
  const names = new Set(zones.map((z) => z.name));
  if ((highest === "DMA32" || highest === "DMA") && !names.has(highest)) return RANK.Normal;
  return RANK[highest] ?? RANK.Normal;
}

export interface ZoneCtx {
  z: ParsedZone;
  allowed: boolean;
  /** lowmem_reserve[class zone], pages (0 when not printed). */
  reserve: number;
  marks: { min: number; low: number; high: number } | null;
  model: ZoneModel;
  /** Zonelist position: higher zones first. */
  rank: number;
}

function modelOf(z: ParsedZone, kb: number): ZoneModel {
  return {
    freeAreas: z.freeAreas, letters: z.migratetypes, cmaPages: Math.floor((z.freeCmaKb ?? 0) / kb),
    presentPages: z.managedKb !== null ? Math.floor(z.managedKb / kb) : z.presentKb !== null ? Math.floor(z.presentKb / kb) : null,
    pageSize: kb * 1024,
  };
}

function marksOf(z: ParsedZone, kb: number): ZoneCtx["marks"] {
  if (z.minKb === null || z.lowKb === null || z.highKb === null) return null;
  return { min: Math.floor(z.minKb / kb), low: Math.floor(z.lowKb / kb), high: Math.floor(z.highKb / kb) };
}

/** Zones with their eligibility; `highest` null means every zone (no request to judge). */
export function zoneContexts(r: ParsedReport, highest: string | null): ZoneCtx[] {
  const kb = pageKb(r);
  const top = highest === null ? 99 : highestRank(r.zones, highest);
  const usable = r.zones.filter((z) => populated(z) && (RANK[z.name] ?? 99) <= top);
  const classZone = usable.reduce<ParsedZone | null>((c, z) => (!c || RANK[z.name] > RANK[c.name] ? z : c), null);
  return r.zones.map((z) => {
    const order = r.zones.filter((q) => q.node === z.node).map((q) => q.name);
    const idx = classZone ? order.indexOf(classZone.name) : -1;
    const reserve = idx >= 0 ? z.lowmemReserve?.[idx] ?? 0 : 0;
    return { z, allowed: usable.includes(z), reserve, marks: marksOf(z, kb), model: modelOf(z, kb), rank: RANK[z.name] ?? 99 };
  });
}

/** The watermark formulas of a release (§3.4): 2.6.11-2.6.14 min*5/4, min*6/4; 2.6.15-4.5
 *  min + tmp/4, min + tmp/2; 4.6+ watermark_scale_factor; 6.6+ also cap ZONE_MOVABLE's min. */
export function profileFor(version: number): EraProfile {
  if (version < 20615) return ERA_2_6_11;
  if (version < 40600) {
    return { ...ERA_2_6_11, zonePages: version >= 31100 ? "managed" : "present", watermarks: (min, tmp) => [min + (tmp >> 2), min + (tmp >> 1), 0] };
  }
  return version < 60600 ? { ...ERA_6_18, cappedMinZones: [3] } : ERA_6_18;
}

export interface Remarked {
  node: number;
  name: string;
  before: { minKb: number | null; lowKb: number | null; highKb: number | null };
  after: { minKb: number; lowKb: number; highKb: number };
}

/** min_free_kbytes the printed min marks imply: the sum of the lowmem zones' min (§3.4). */
export function impliedMinFree(r: ParsedReport, p: EraProfile): number {
  return r.zones.filter((z) => !p.cappedMinZones.includes(RANK[z.name] ?? -1)).reduce((s, z) => s + (z.minKb ?? 0), 0);
}

/** Recomputes min/low/high from the report's present/managed pages (a ResolvedMachine built from them). */
export function recomputeMarks(r: ParsedReport, era: ReportEra, minFreeKbytes: number | undefined, wsf: number | undefined): Remarked[] {
  const p = profileFor(era.version);
  const kb = pageKb(r);
  const zones: ResolvedZone[] = r.zones.filter((z) => z.name in RANK).map((z, i) => {
    const present = Math.floor((z.presentKb ?? z.managedKb ?? 0) / kb);
    const zoneIdx = ZONE_TYPES.indexOf(z.name as ZoneType);
    return {
      slot: z.node * 5 + zoneIdx, node: z.node, type: z.name as ZoneType, zoneIdx, startPfn: i, spannedPages: present, presentPages: present,
      managedPages: z.managedKb !== null ? Math.floor(z.managedKb / kb) : present, cma: [], watermarks: { min: 0, low: 0, high: 0, promo: 0 }, lowmemReserve: [0, 0, 0, 0, 0],
    };
  });
  const m: ResolvedMachine = {
    era: era.rule, pageSize: kb * 1024, maxOrder: 11, pageblockOrder: 9, basePfn: 0, nrPages: 1,
    minFreeKbytes: minFreeKbytes ?? impliedMinFree(r, p), watermarkScaleFactor: wsf ?? 10, watermarkBoostFactor: 0,
    lowmemReserveRatio: [...p.lowmemReserveRatio], mobilityDisabled: false, zones,
  };
  setupWatermarks(m, p);
  return zones.map((z) => {
    const pz = r.zones.find((q) => q.node === z.node && q.name === z.type) as ParsedZone;
    const w = z.watermarks;
    return { node: z.node, name: z.type, before: { minKb: pz.minKb, lowKb: pz.lowKb, highKb: pz.highKb }, after: { minKb: w.min * kb, lowKb: w.low * kb, highKb: w.high * kb } };
  });
}
