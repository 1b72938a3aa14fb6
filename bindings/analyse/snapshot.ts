// snapshot: a running system's /proc files against oomlab's formulas. Parses /proc/buddyinfo,
// /proc/zoneinfo and /proc/pagetypeinfo, rebuilds each zone's min/low/high/promo and protection
// (lowmem_reserve) from vm.min_free_kbytes, vm.watermark_scale_factor, vm.lowmem_reserve_ratio and
// the zones' managed pages with mm_init's setupWatermarks / setupLowmemReserve, and says where the
// kernel disagrees. No Node APIs: the caller reads the files.

import { ERA_6_18, watermarkProfileFor, type EraProfile } from "../kernel/releases.js";
import { KERNEL_VERSION, parseRelease } from "../include/linux/version.js";
import { intSqrt, setupLowmemReserve, setupWatermarks } from "../mm/mm_init.js";
import {
  parseBuddyinfo,
  parsePagetypeinfo,
  parseZoneinfo,
  type BuddyinfoResult,
  type PagetypeinfoResult,
  type ZoneinfoResult,
  type ZoneinfoZone,
} from "../parse/proc.js";
import type { ResolvedMachine, ResolvedZone } from "../include/machine.js";
import { printable } from "../include/printable.js";
import { MAX_WARNINGS } from "../parse/warnings.js";
import { MAX_NR_ZONES, ZONE_TYPES, type ZoneType } from "../include/linux/mmzone.js";

export interface SnapshotFiles {
  /** `uname -r` or /proc/sys/kernel/osrelease, e.g. "6.18.44-fc-v669". */
  version?: string;
  /** Bytes per page (default 4096); /proc does not print it. */
  pageSize?: number;
  buddyinfo?: string;
  zoneinfo?: string;
  pagetypeinfo?: string;
  /** /proc/sys/vm/<name> contents by name: min_free_kbytes, watermark_scale_factor, lowmem_reserve_ratio. */
  sysVm: Record<string, string>;
  /** Files the caller could not read (each becomes a warning, kept however many others there are). */
  missing?: string[];
}

/** Watermarks in pages as /proc/zoneinfo prints them (boost included) and protection by kernel zone index. */
export interface ZoneMarks {
  min: number;
  low: number;
  high: number;
  promo: number | null;
  protection: number[] | null;
}

export interface SnapshotZone {
  node: number;
  name: string;
  managed: number;
  boost: number;
  kernel: ZoneMarks;
  /** The formulas' values plus the zone's current boost; null when they cannot be computed. */
  computed: ZoneMarks | null;
}

export interface SnapshotDifference {
  node: number;
  zone: string;
  /** "min", "low", "high", "promo" or "protection[i]" (i: kernel zone index). */
  field: string;
  kernel: number | null;
  computed: number | null;
}

export interface MinFreeOrigin {
  value: number | null;
  origin: "default" | "transparent hugepage" | "user or transparent-hugepage setting" | "unknown";
  /** calculate_min_free_kbytes at boot (watermarks 0) and as recomputed now (pages above high). */
  defaultAtBoot: number | null;
  defaultNow: number | null;
  /** khugepaged set_recommended_min_free_kbytes, kB. */
  thpRecommended: number | null;
  explanation: string;
}

export interface SnapshotWarning {
  file: string;
  line: number;
  message: string;
}

export interface SnapshotReport {
  version: string | null;
  /** oomlab's profile for the kernel, or null when it recomputes nothing (see notCompared). */
  era: "6.18" | null;
  zones: SnapshotZone[];
  differences: SnapshotDifference[];
  /** How many values (min, low, high, promo, protection[i]) had both a kernel and a computed value
   *  and were compared: a match is claimed for these only. */
  compared: number;
  /** What could not be compared, and why (no zoneinfo, no min_free_kbytes, an era oomlab does not
   *  recompute, a zone it does not model, a value the kernel did not print). */
  notCompared: string[];
  minFreeKbytes: MinFreeOrigin;
  /** Assumptions the comparison made (no version, default sysctls). */
  notes: string[];
  /** At most MAX_WARNINGS: the files' first warnings, then the files that could not be read. */
  warnings: SnapshotWarning[];
  /** How many warnings were left out; present only when some were. */
  warningsOmitted?: number;
  buddyinfo: BuddyinfoResult | null;
  zoneinfo: ZoneinfoResult | null;
  pagetypeinfo: PagetypeinfoResult | null;
}

/** vm.watermark_scale_factor when /proc/sys/vm does not give it (mm/page_alloc.c, 6.18). */
const DEFAULT_WATERMARK_SCALE_FACTOR = 10;

/** The oldest release whose formulas oomlab recomputes from /proc: WMARK_PROMO and the 6.x clamps. */
const OLDEST_SNAPSHOT_RELEASE = KERNEL_VERSION(6, 1, 0);

/** The 6.1 .. 6.18 profile (kernel/releases.ts WATERMARK_FORMULA_ERAS): 6.6+ give ZONE_MOVABLE
 *  highmem's capped min; 6.1 .. 6.5 count it in lowmem_pages and give it a proportional min. */
function profileFor(version: string | null, notes: string[], gaps: string[]): EraProfile | null {
  const release = parseRelease(version);
  if (!release) {
    notes.push("no kernel version: assuming the 6.6+ formulas (promo watermark, capped Movable min)");
    return ERA_6_18;
  }
  if (release.code < OLDEST_SNAPSHOT_RELEASE) {
    gaps.push(
      `every value: unsupported era: ${printable(version ?? "")} ` +
        "(oomlab recomputes the 6.1+ formulas with WMARK_PROMO only)",
    );
    return null;
  }
  return watermarkProfileFor(release);
}

function sysInts(sys: Record<string, string>, key: string): number[] | null {
  const s = sys[key];
  if (s === undefined || s.trim() === "") return null;
  const v = s.trim().split(/\s+/).map(Number);
  return v.every((n) => Number.isSafeInteger(n)) ? v : null;
}

/** Zone names in the kernel's enum zone_type order: 6.x prints every zone of every node. */
function kernelZoneOrder(zones: ZoneinfoZone[]): string[] {
  const order: string[] = [];
  for (const z of zones) if (!order.includes(z.name)) order.push(z.name);
  return order;
}

/** A zone type oomlab models (ZONE_DEVICE is not one). */
const isModelledZone = (name: string): name is ZoneType => (ZONE_TYPES as readonly string[]).includes(name);

/** A ResolvedMachine holding just what setupWatermarks and setupLowmemReserve read. */
function buildMachine(
  zones: ZoneinfoZone[],
  files: SnapshotFiles,
  sys: { minFree: number; wsf: number; ratios: number[] },
  pt: PagetypeinfoResult | null,
): ResolvedMachine {
  const resolved: ResolvedZone[] = zones
    .filter((z) => isModelledZone(z.name))
    .map((z) => {
      const zoneIdx = ZONE_TYPES.indexOf(z.name as ZoneType);
      return {
        slot: z.node * MAX_NR_ZONES + zoneIdx,
        node: z.node,
        type: z.name as ZoneType,
        zoneIdx,
        startPfn: z.startPfn ?? 0,
        spannedPages: z.spanned,
        presentPages: z.present,
        managedPages: z.managed ?? z.present,
        cma: [],
        watermarks: { min: 0, low: 0, high: 0, promo: 0 },
        lowmemReserve: new Array<number>(MAX_NR_ZONES).fill(0),
      };
    });
  return {
    era: "6.18",
    pageSize: files.pageSize ?? 4096,
    maxOrder: 11,
    pageblockOrder: pt?.pageblockOrder ?? 9,
    basePfn: 0,
    nrPages: 1,
    minFreeKbytes: sys.minFree,
    watermarkScaleFactor: sys.wsf,
    watermarkBoostFactor: 15000,
    lowmemReserveRatio: sys.ratios,
    mobilityDisabled: false,
    zones: resolved,
  };
}

/** setup_per_zone_lowmem_reserve works node by node; mm_init's loop stops at MAX_NODES (8), so
 *  each node runs alone as node 0. */
function lowmemReservePerNode(m: ResolvedMachine, p: EraProfile): void {
  for (const node of new Set(m.zones.map((z) => z.node))) {
    const own = m.zones.filter((z) => z.node === node);
    const alone = own.map((z) => ({ ...z, node: 0, lowmemReserve: new Array<number>(MAX_NR_ZONES).fill(0) }));
    setupLowmemReserve({ ...m, zones: alone }, p);
    own.forEach((z, i) => {
      z.lowmemReserve = alone[i].lowmemReserve;
    });
  }
}

/** Protection by kernel zone index. A zone oomlab does not model (ZONE_DEVICE) must have no
 *  managed pages: it then adds nothing to the sums, so its column repeats the one before. */
function protectionOf(
  z: ZoneinfoZone,
  rz: ResolvedZone | undefined,
  order: string[],
  nodeZones: ZoneinfoZone[],
): number[] | null {
  if (nodeZones.some((q) => !isModelledZone(q.name) && (q.managed ?? 0) > 0)) return null;
  const own = order.indexOf(z.name);
  const out: number[] = [];
  order.forEach((name, j) => {
    if (!rz || j <= own) out.push(0);
    else if (isModelledZone(name)) out.push(rz.lowmemReserve[ZONE_TYPES.indexOf(name)]);
    else out.push(j - 1 > own ? out[j - 1] : 0);
  });
  return out;
}

function computedMarks(z: ZoneinfoZone, rz: ResolvedZone | undefined, protection: number[] | null): ZoneMarks | null {
  const b = z.boost ?? 0;
  if (rz) {
    const w = rz.watermarks;
    return { min: w.min + b, low: w.low + b, high: w.high + b, promo: w.promo + b, protection };
  }
  // __setup_per_zone_wmarks: a zone that is neither highmem nor movable gets tmp = 0 with no pages
  return (z.managed ?? 0) === 0 ? { min: b, low: b, high: b, promo: b, protection } : null;
}

/** The differences between the kernel's values and the formulas', how many values were compared,
 *  and which could not be (a value with no kernel or no computed side is not compared). */
function compareZones(zones: SnapshotZone[], gaps: string[]): { differences: SnapshotDifference[]; compared: number } {
  const out: SnapshotDifference[] = [];
  let compared = 0;
  for (const z of zones) {
    const at = `node ${z.node} zone ${printable(z.name)}`;
    if (!z.computed) continue; // said once for the machine or the zone where computed was left null
    const unprinted: string[] = [];
    for (const f of ["min", "low", "high", "promo"] as const) {
      if (z.kernel[f] === null) {
        unprinted.push(f);
        continue;
      }
      compared++;
      if (z.kernel[f] !== z.computed[f])
        out.push({ node: z.node, zone: z.name, field: f, kernel: z.kernel[f], computed: z.computed[f] });
    }
    if (unprinted.length) gaps.push(`${at}: ${unprinted.join(", ")} not printed by the kernel`);
    const kp = z.kernel.protection;
    const cp = z.computed.protection;
    if (!kp) gaps.push(`${at}: protection not printed by the kernel`);
    else if (!cp) gaps.push(`${at}: protection not computed (a zone oomlab does not model has managed pages)`);
    else
      kp.forEach((v, i) => {
        compared++;
        if (v !== cp[i])
          out.push({ node: z.node, zone: z.name, field: `protection[${i}]`, kernel: v, computed: cp[i] ?? null });
      });
  }
  return { differences: out, compared };
}

/** Zones of the GFP_USER zonelist: zone_idx <= gfp_zone(GFP_USER) = ZONE_NORMAL. */
const USER_ZONES = new Set(["DMA", "DMA32", "Normal"]);
/** calculate_min_free_kbytes: int_sqrt(lowmem_kbytes * 16), clamped to [128, 262144] (6.x). */
const defaultMinFreeKbytesOf = (kb: number) => {
  const [lo, hi] = ERA_6_18.minFreeKbytesClamp;
  return Math.min(hi, Math.max(lo, intSqrt(kb * 16)));
};

/** Where vm.min_free_kbytes came from (mm/page_alloc.c calculate_min_free_kbytes 6.x;
 *  mm/khugepaged.c set_recommended_min_free_kbytes, torvalds/linux 00f58104). */
export function minFreeOrigin(
  value: number | null,
  zones: ZoneinfoZone[],
  pageSize: number,
  pagesPerBlock: number | null,
): MinFreeOrigin {
  const kbPerPage = pageSize / 1024;
  const user = zones.filter((z) => USER_ZONES.has(z.name));
  // nr_free_buffer_pages: sum of managed - high_wmark_pages over the zonelist (high is 0 at boot)
  const atBoot = user.reduce((s, z) => s + (z.managed ?? z.present), 0);
  const now = user.reduce((s, z) => s + Math.max(0, (z.managed ?? z.present) - z.high), 0);
  const defaultAtBoot = user.length ? defaultMinFreeKbytesOf(atBoot * kbPerPage) : null;
  const defaultNow = user.length ? defaultMinFreeKbytesOf(now * kbPerPage) : null;
  // pageblock_nr_pages * nr_zones * (2 + MIGRATE_PCPTYPES^2), at most 5% of nr_free_buffer_pages
  const pb = pagesPerBlock ?? (pageSize === 4096 ? 512 : null);
  const nrZones = user.filter((z) => z.present > 0).length;
  const thp =
    pb === null || !user.length
      ? null
      : Math.min(pb * nrZones * 2 + pb * nrZones * 3 * 3, Math.floor(now / 20)) * kbPerPage;
  const base = { value, defaultAtBoot, defaultNow, thpRecommended: thp };
  if (value === null) return { ...base, origin: "unknown", explanation: "vm.min_free_kbytes was not given" };
  const noUserZone = "not computable: /proc/zoneinfo shows no DMA, DMA32 or Normal zone";
  if (thp !== null && value === thp && thp > Math.max(defaultAtBoot ?? 0, defaultNow ?? 0)) {
    return {
      ...base,
      origin: "transparent hugepage",
      explanation:
        `khugepaged raised it to pageblock_nr_pages ${pb} x ${nrZones} zones x (2 + 3*3) pages = ${thp} kB ` +
        "(set_recommended_min_free_kbytes)",
    };
  }
  if (value === defaultAtBoot || value === defaultNow) {
    return {
      ...base,
      origin: "default",
      explanation: `int_sqrt(lowmem_kbytes * 16) clamped to [128, 262144] = ${value} kB (calculate_min_free_kbytes)`,
    };
  }
  const defaults = defaultAtBoot === null ? noUserZone : `${defaultAtBoot} at boot, ${defaultNow} now`;
  const khugepaged =
    thp !== null
      ? `khugepaged's ${thp} kB`
      : `khugepaged's (${user.length ? "not computable: the pageblock size is unknown" : noUserZone})`;
  return {
    ...base,
    origin: "user or transparent-hugepage setting",
    explanation: `${value} kB matches neither the default (${defaults}) nor ${khugepaged}`,
  };
}

/** Parses the files; returns their warnings (each file's first MAX_WARNINGS) and how many each left out. */
function parseAll(files: SnapshotFiles, r: SnapshotReport): { found: SnapshotWarning[]; omitted: number } {
  const found: SnapshotWarning[] = [];
  let omitted = 0;
  const add = (file: string, res: { warnings: { line: number; message: string }[]; warningsOmitted?: number }) => {
    for (const x of res.warnings) found.push({ file, ...x });
    omitted += res.warningsOmitted ?? 0;
  };
  if (files.buddyinfo !== undefined) {
    r.buddyinfo = parseBuddyinfo(files.buddyinfo);
    add("buddyinfo", r.buddyinfo);
  }
  if (files.zoneinfo !== undefined) {
    r.zoneinfo = parseZoneinfo(files.zoneinfo);
    add("zoneinfo", r.zoneinfo);
  }
  if (files.pagetypeinfo !== undefined) {
    r.pagetypeinfo = parsePagetypeinfo(files.pagetypeinfo);
    add("pagetypeinfo", r.pagetypeinfo);
  }
  return { found, omitted };
}

/** MAX_WARNINGS warnings: the files' first ones, and every file that could not be read. */
function settleWarnings(r: SnapshotReport, found: SnapshotWarning[], omitted: number, missing: string[]): void {
  const unread = missing.map((file) => ({ file: printable(file), line: 0, message: "missing or unreadable" }));
  const kept = found.slice(0, Math.max(0, MAX_WARNINGS - unread.length));
  r.warnings = [...kept, ...unread];
  const left = omitted + found.length - kept.length;
  if (left > 0) r.warningsOmitted = left;
}

/** Sysctls the formulas need, mapping lowmem_reserve_ratio from the kernel's zone order to oomlab's
 *  zone types by name (x86-64 has DMA DMA32 Normal Movable Device; i386 DMA Normal HighMem Movable). */
function readSysVm(
  files: SnapshotFiles,
  order: string[],
  notes: string[],
  gaps: string[],
): { minFree: number; wsf: number; ratios: number[] } | null {
  const minFree = sysInts(files.sysVm, "min_free_kbytes")?.[0];
  if (minFree === undefined) {
    gaps.push("every value: vm.min_free_kbytes missing or not a number, so no watermark was recomputed");
    return null;
  }
  let wsf = sysInts(files.sysVm, "watermark_scale_factor")?.[0];
  if (wsf === undefined) {
    wsf = DEFAULT_WATERMARK_SCALE_FACTOR;
    notes.push(`vm.watermark_scale_factor missing: using the default ${wsf}`);
  }
  const raw = sysInts(files.sysVm, "lowmem_reserve_ratio");
  if (raw && raw.length !== order.length)
    notes.push(`lowmem_reserve_ratio has ${raw.length} entries for ${order.length} zones (${order.join(" ")})`);
  const ratios = ZONE_TYPES.map((t, i) => {
    const k = order.indexOf(t);
    return raw ? (k >= 0 ? (raw[k] ?? 0) : 0) : ERA_6_18.lowmemReserveRatio[i];
  });
  if (!raw) notes.push("vm.lowmem_reserve_ratio missing: using the 6.x defaults");
  return { minFree, wsf, ratios };
}

export function snapshotFromFiles(files: SnapshotFiles): SnapshotReport {
  const r: SnapshotReport = {
    version: files.version ?? null,
    era: null,
    zones: [],
    differences: [],
    compared: 0,
    notCompared: [],
    minFreeKbytes: minFreeOrigin(null, [], 4096, null),
    notes: [],
    warnings: [],
    buddyinfo: null,
    zoneinfo: null,
    pagetypeinfo: null,
  };
  const parsed = parseAll(files, r);
  settleWarnings(r, parsed.found, parsed.omitted, files.missing ?? []);
  const zi = r.zoneinfo?.zones ?? [];
  const pageSize = files.pageSize ?? 4096;
  r.minFreeKbytes = minFreeOrigin(
    sysInts(files.sysVm, "min_free_kbytes")?.[0] ?? null,
    zi,
    pageSize,
    r.pagetypeinfo?.pagesPerBlock ?? null,
  );
  if (!zi.length) {
    r.notCompared.push(
      files.zoneinfo === undefined
        ? "every value: no /proc/zoneinfo, which holds the kernel's watermarks and protection"
        : "every value: /proc/zoneinfo holds no zone",
    );
    return r;
  }
  const order = kernelZoneOrder(zi);
  const p = profileFor(r.version, r.notes, r.notCompared);
  const sys = p ? readSysVm(files, order, r.notes, r.notCompared) : null;
  let m: ResolvedMachine | null = null;
  if (p && sys) {
    r.era = "6.18";
    m = buildMachine(zi, files, sys, r.pagetypeinfo);
    setupWatermarks(m, p);
    lowmemReservePerNode(m, p);
  }
  for (const z of zi) {
    const rz = m?.zones.find((q) => q.node === z.node && q.type === z.name);
    const nodeZones = zi.filter((q) => q.node === z.node);
    const kernel: ZoneMarks = {
      min: z.min,
      low: z.low,
      high: z.high,
      promo: z.promo ?? null,
      protection: z.protection,
    };
    const computed = m ? computedMarks(z, rz, protectionOf(z, rz, order, nodeZones)) : null;
    if (m && !computed)
      r.notCompared.push(
        `node ${z.node} zone ${printable(z.name)}: a zone oomlab does not model has managed pages; not recomputed`,
      );
    r.zones.push({
      node: z.node,
      name: z.name,
      managed: z.managed ?? z.present,
      boost: z.boost ?? 0,
      kernel,
      computed,
    });
  }
  const { differences, compared } = compareZones(r.zones, r.notCompared);
  r.differences = differences;
  r.compared = compared;
  return r;
}
