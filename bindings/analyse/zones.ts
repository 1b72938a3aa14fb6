// diagnose_zones: the era of a report (its kernel version, else its header's format), the zones a
// request may use (gfp_zone + build_zonerefs_node, mm/page_alloc.c: every populated zone at or below
// the highest allowed one), the lowmem_reserve entry of the class zone (setup_per_zone_lowmem_reserve),
// and the release's watermark formulas for what-ifs (kernel/releases.ts, mm/mm_init.ts setupWatermarks).

import type { RecomputedMarks } from "./report.js";
import {
  ERA_6_18,
  WATERMARK_FORMULA_ERAS,
  watermarkCheckFor,
  watermarkProfileFor,
  type EraProfile,
} from "../kernel/releases.js";
import { setupWatermarks } from "../mm/mm_init.js";
import type { ZoneModel } from "./rebuilt_zone.js";
import { HEADER_FORMATS, type ParsedReport, type ParsedZone } from "../parse/reports.js";
import type { Era, ResolvedMachine, ResolvedZone } from "../include/machine.js";
import { KERNEL_VERSION, parseRelease } from "../include/linux/version.js";
import { MAX_NR_ZONES, ZONE_TYPES, type ZoneType } from "../include/linux/mmzone.js";

export interface ReportEra {
  /** The release whose GFP table and formulas apply (printed, or inferred from the format). */
  release: string;
  inferred: boolean;
  /** KERNEL_VERSION code of release. */
  code: number;
  /** zone_watermark_ok's per-order subtraction (before 4.4) or the 4.4+ suitable-list test. */
  rule: Era;
  /** The pre-4.4 check leaves free CMA pages out of the order-0 test (3.7 .. 4.3, or CMA free lists
   *  printed; WATERMARK_CHECK_ERAS). */
  subtractCma: boolean;
}

function zoneHints(zones: ParsedZone[]): string {
  if (zones.some((z) => z.boostKb !== null)) return "6.1";
  if (zones.some((z) => "reserved_highatomic" in z.fieldsKb)) return "4.19";
  if (zones.some((z) => z.managedKb !== null)) return "3.10";
  return "2.6.24";
}

/** The release a report is judged by: the one dump_stack printed, else the one its header format
 *  stands for (HEADER_FORMATS), else the zone fields' hint. */
export function reportEra(r: ParsedReport): ReportEra {
  let release = r.kernelVersion;
  let parsed = parseRelease(release);
  let inferred = false;
  if (!release || !parsed) {
    inferred = true;
    release = (r.format !== null ? HEADER_FORMATS[r.format].assumedRelease : null) ?? zoneHints(r.zones);
    parsed = parseRelease(release);
  }
  const code = parsed?.code ?? KERNEL_VERSION(2, 6, 24);
  const check = watermarkCheckFor(code);
  // CMA letters in the free lists: a CONFIG_CMA kernel, whose free CMA pages the pre-4.4 check leaves out
  const letters = r.zones.some((z) => z.migratetypes?.some((l) => l.includes("C")));
  const subtractCma = check.rule === "2.6.11" && (check.subtractsFreeCma || letters);
  return { release, inferred, code, rule: check.rule, subtractCma };
}

/** The first release whose watermark formulas read vm.watermark_scale_factor: the first row of
 *  WATERMARK_FORMULA_ERAS with 6.18's low/high distance, max(tmp/4, managed * factor / 10000)
 *  (mm/page_alloc.c __setup_per_zone_wmarks, 4.6). */
export const SCALE_FACTOR_SINCE =
  WATERMARK_FORMULA_ERAS.find((row) => row.profile.watermarks === ERA_6_18.watermarks)?.first ?? "4.6";

/** Whether the report's release has vm.watermark_scale_factor. */
export function readsScaleFactor(era: ReportEra): boolean {
  return watermarkProfileFor(era.code).watermarks === ERA_6_18.watermarks;
}

/** Zone index (enum zone_type) by zone name. */
const ZONE_INDEX_BY_NAME: ReadonlyMap<string, number> = new Map(ZONE_TYPES.map((t, i) => [t, i]));
/** A zone type's index, or undefined for a name oomlab does not model (a Map: a zone named
 *  "constructor" is no zone type). */
const zoneIndex = (name: string): number | undefined => ZONE_INDEX_BY_NAME.get(name);
const ZONE_NORMAL_INDEX = ZONE_TYPES.indexOf("Normal");
/** Where a zone oomlab does not model sorts: after every zone of the enum. */
const UNKNOWN_ZONE_INDEX = 99;

export const pageKb = (r: ParsedReport): number => r.pageSizeKb ?? 4;

export function populated(z: ParsedZone): boolean {
  return z.presentKb !== 0 && !(z.freeAreas.length === 0 && z.freeAreasLine !== null && z.freeKb === null);
}

/** gfp_zone's answer mapped onto the report's zones: without ZONE_DMA32 (i386) GFP_DMA32 means
 *  Normal, without ZONE_DMA GFP_DMA too (GFP_ZONE_TABLE's OPT_ZONE_*, include/linux/gfp.h). */
export function highestRank(zones: ParsedZone[], highest: string): number {
  const names = new Set(zones.map((z) => z.name));
  if ((highest === "DMA32" || highest === "DMA") && !names.has(highest)) return ZONE_NORMAL_INDEX;
  return zoneIndex(highest) ?? ZONE_NORMAL_INDEX;
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
    freeAreas: z.freeAreas,
    letters: z.migratetypes,
    cmaPages: Math.floor((z.freeCmaKb ?? 0) / kb),
    presentPages:
      z.managedKb !== null ? Math.floor(z.managedKb / kb) : z.presentKb !== null ? Math.floor(z.presentKb / kb) : null,
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
  const top = highest === null ? UNKNOWN_ZONE_INDEX : highestRank(r.zones, highest);
  const usable = r.zones.filter((z) => populated(z) && (zoneIndex(z.name) ?? UNKNOWN_ZONE_INDEX) <= top);
  // a zone oomlab does not model is neither higher nor lower than another (NaN compares false)
  const higher = (z: ParsedZone, c: ParsedZone) =>
    (zoneIndex(z.name) ?? Number.NaN) > (zoneIndex(c.name) ?? Number.NaN);
  const classZone = usable.reduce<ParsedZone | null>((c, z) => (!c || higher(z, c) ? z : c), null);
  return r.zones.map((z) => {
    const order = r.zones.filter((q) => q.node === z.node).map((q) => q.name);
    const idx = classZone ? order.indexOf(classZone.name) : -1;
    const reserve = idx >= 0 ? (z.lowmemReserve?.[idx] ?? 0) : 0;
    const rank = zoneIndex(z.name) ?? UNKNOWN_ZONE_INDEX;
    return { z, allowed: usable.includes(z), reserve, marks: marksOf(z, kb), model: modelOf(z, kb), rank };
  });
}

/** A zone's watermarks as printed and as recomputed for a what-if (kB). */

/** min_free_kbytes the printed min marks imply: the sum of the lowmem zones' min (__setup_per_zone_wmarks),
 *  without the watermark_boost that 6.1+ prints inside them (wmark_pages() adds it). */
export function impliedMinFree(r: ParsedReport, p: EraProfile): number {
  const lowmem = r.zones.filter((z) => !p.cappedMinZones.includes(zoneIndex(z.name) ?? -1));
  return lowmem.reduce((s, z) => s + Math.max(0, (z.minKb ?? 0) - (z.boostKb ?? 0)), 0);
}

/** Recomputes min/low/high from the report's present/managed pages (a ResolvedMachine built from them). */
export function recomputeMarks(
  r: ParsedReport,
  era: ReportEra,
  minFreeKbytes: number | undefined,
  wsf: number | undefined,
): RecomputedMarks[] {
  const p = watermarkProfileFor(era.code);
  const kb = pageKb(r);
  const zones: ResolvedZone[] = r.zones
    .filter((z) => zoneIndex(z.name) !== undefined)
    .map((z, i) => {
      const present = Math.floor((z.presentKb ?? z.managedKb ?? 0) / kb);
      const zoneIdx = ZONE_TYPES.indexOf(z.name as ZoneType);
      return {
        slot: z.node * MAX_NR_ZONES + zoneIdx,
        node: z.node,
        type: z.name as ZoneType,
        zoneIdx,
        startPfn: i,
        spannedPages: present,
        presentPages: present,
        managedPages: z.managedKb !== null ? Math.floor(z.managedKb / kb) : present,
        cma: [],
        watermarks: { min: 0, low: 0, high: 0, promo: 0 },
        lowmemReserve: new Array<number>(MAX_NR_ZONES).fill(0),
      };
    });
  const m: ResolvedMachine = {
    era: era.rule,
    pageSize: kb * 1024,
    maxOrder: 11,
    pageblockOrder: 9,
    basePfn: 0,
    nrPages: 1,
    minFreeKbytes: minFreeKbytes ?? impliedMinFree(r, p),
    watermarkScaleFactor: wsf ?? 10,
    watermarkBoostFactor: 0,
    lowmemReserveRatio: [...p.lowmemReserveRatio],
    mobilityDisabled: false,
    zones,
  };
  setupWatermarks(m, p);
  return zones.map((z) => {
    const pz = r.zones.find((q) => q.node === z.node && q.name === z.type) as ParsedZone;
    const w = z.watermarks;
    // the check reads wmark_pages(): the recomputed mark plus the boost the zone printed
    const boost = pz.boostKb ?? 0;
    return {
      node: z.node,
      name: z.type,
      before: { minKb: pz.minKb, lowKb: pz.lowKb, highKb: pz.highKb },
      after: { minKb: w.min * kb + boost, lowKb: w.low * kb + boost, highKb: w.high * kb + boost },
    };
  });
}
