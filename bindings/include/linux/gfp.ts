// gfp masks era by era: the __GFP_* bit layout and composites of include/linux/gfp.h (gfp_types.h
// from 6.0), the %pGg printer (lib/vsprintf.c format_flags over include/trace/events/mmflags.h),
// gfp_zone, and the ALLOC_* flags gfp_to_alloc_flags derives (mm/page_alloc.c). Eras are data: each
// profile overlays the previous one and is named by the first release with that layout. Sources:
// kernel-semantics.md §4-§6 and the trees/patches cited inline. Pure data and arithmetic.

import { GFP_2611, gfpZone2611 } from "./gfp_2611.js";
import { OomlabError } from "../../errors.js";
import { AllocFlags } from "../machine.js";

/** First release of each modelled layout, oldest first. Ranges (inclusive) are in PROFILES. */
export const GFP_ERAS = [
  "2.6.11", "2.6.12", "2.6.14", "2.6.15", "2.6.19", "2.6.23", "2.6.24", "2.6.31", "2.6.38", "3.6", "3.8", "3.16", "4.1",
  "4.4", "4.5", "4.8", "4.10", "4.13", "4.14", "4.15", "4.18", "5.1", "5.14", "5.18", "6.3", "6.8", "6.18",
] as const;
export type GfpEra = (typeof GFP_ERAS)[number];

/** A bit value, or the OR of other names; a "~NAME" entry is cleared afterwards (& ~NAME). */
type Def = number | readonly string[];
interface Profile {
  era: GfpEra;
  last: string | null;
  set?: Readonly<Record<string, Def>>;
  drop?: readonly string[];
}

const RECLAIM = ["__GFP_DIRECT_RECLAIM", "__GFP_KSWAPD_RECLAIM"];
const BITS_2611 = Object.fromEntries(Object.entries(GFP_2611).filter(([n]) => n.startsWith("__GFP_")));

const PROFILES: readonly Profile[] = [
  // include/linux/gfp.h 2.6.11 (bindings/gfp.ts); also used for 2.6.0-2.6.10, whose bits are a subset.
  { era: "2.6.11", last: "2.6.11", set: {
    ...BITS_2611,
    GFP_ATOMIC: ["__GFP_HIGH"], GFP_NOIO: ["__GFP_WAIT"], GFP_NOFS: ["__GFP_WAIT", "__GFP_IO"],
    GFP_KERNEL: ["__GFP_WAIT", "__GFP_IO", "__GFP_FS"], GFP_USER: ["__GFP_WAIT", "__GFP_IO", "__GFP_FS"],
    GFP_HIGHUSER: ["GFP_USER", "__GFP_HIGHMEM"], GFP_DMA: ["__GFP_DMA"],
  } },
  { era: "2.6.12", last: "2.6.13", set: { __GFP_NOMEMALLOC: 0x10000 } }, // §5.1
  { era: "2.6.14", last: "2.6.14", set: {
    __GFP_NORECLAIM: 0x20000, __GFP_HARDWALL: 0x40000, GFP_USER: ["GFP_KERNEL", "__GFP_HARDWALL"],
  } },
  // §5.1: 2.6.15 adds __GFP_DMA32 (0x04 on 64-bit; 0 or __GFP_DMA on some arches), moves HARDWALL.
  { era: "2.6.15", last: "2.6.18", set: { __GFP_DMA32: 0x04, __GFP_HARDWALL: 0x20000, GFP_DMA32: ["__GFP_DMA32"] }, drop: ["__GFP_NORECLAIM"] },
  { era: "2.6.19", last: "2.6.22", set: { __GFP_THISNODE: 0x40000 } },
  { era: "2.6.23", last: "2.6.23", set: { __GFP_MOVABLE: 0x80000, GFP_HIGHUSER_MOVABLE: ["GFP_HIGHUSER", "__GFP_MOVABLE"] } },
  { era: "2.6.24", last: "2.6.30", set: {
    __GFP_RECLAIMABLE: 0x80000, __GFP_MOVABLE: 0x100000, GFP_TEMPORARY: ["GFP_KERNEL", "__GFP_RECLAIMABLE"],
  } },
  // 2.6.31: __GFP_MOVABLE joins the zone bits (GFP_ZONE_TABLE, linux-mm 2009-03 series) and kmemcheck
  // adds __GFP_NOTRACK; table read at 2.6.32 (§5.1).
  { era: "2.6.31", last: "2.6.37", set: { __GFP_MOVABLE: 0x08, __GFP_NOTRACK: 0x200000 }, drop: ["__GFP_NO_GROW"] },
  // The bits 2.6.38-4.3 added, as 3.10-3.15 gfp.h lists them (___GFP_KMEMCG 0x100000, ___GFP_NOTRACK
  // 0x200000, ___GFP_NO_KSWAPD 0x400000, ___GFP_OTHER_NODE 0x800000, ___GFP_WRITE 0x1000000). The
  // releases are inferred from the patches' dates (not read in a release tree): __GFP_NO_KSWAPD and
  // GFP_TRANSHUGE with transparent hugepages (2.6.38), Andi Kleen's __GFP_OTHER_NODE (2011-01, 2.6.38),
  // __GFP_WRITE with the dirty-page zone spreading (3.3, named from 2.6.38 here: the bit was unused
  // before, so no mask of those kernels has it set). Kernels of this era print the mask in hex only.
  { era: "2.6.38", last: "3.5", set: {
    __GFP_NO_KSWAPD: 0x400000, __GFP_OTHER_NODE: 0x800000, __GFP_WRITE: 0x1000000,
    GFP_TRANSHUGE: ["GFP_HIGHUSER_MOVABLE", "__GFP_COMP", "__GFP_NOMEMALLOC", "__GFP_NORETRY", "__GFP_NOWARN", "__GFP_NO_KSWAPD"],
  } },
  { era: "3.6", last: "3.7", set: { __GFP_MEMALLOC: 0x2000 } }, // swap over NFS: "introduce __GFP_MEMALLOC" (2012-07)
  { era: "3.8", last: "3.15", set: { __GFP_KMEMCG: 0x100000 } }, // kmem accounting (Glauber Costa, 2012-12)
  { era: "3.16", last: "4.0", drop: ["__GFP_KMEMCG"] }, // "mm: get rid of __GFP_KMEMCG" (Davydov, 2014-06)
  { era: "4.1", last: "4.3", set: { __GFP_NOACCOUNT: 0x100000 } }, // "gfp: add __GFP_NOACCOUNT" (2015-05)
  // 4.4 (§5.1, 4.4.11 tree): __GFP_WAIT gone, reclaim split into DIRECT/KSWAPD, __GFP_ATOMIC.
  { era: "4.4", last: "4.4", set: {
    __GFP_RECLAIMABLE: 0x10, __GFP_MEMALLOC: 0x2000, __GFP_ATOMIC: 0x80000, __GFP_NOACCOUNT: 0x100000,
    __GFP_DIRECT_RECLAIM: 0x400000, __GFP_OTHER_NODE: 0x800000, __GFP_WRITE: 0x1000000, __GFP_KSWAPD_RECLAIM: 0x2000000,
    __GFP_RECLAIM: RECLAIM, GFP_ATOMIC: ["__GFP_HIGH", "__GFP_ATOMIC", "__GFP_KSWAPD_RECLAIM"],
    GFP_KERNEL: ["__GFP_RECLAIM", "__GFP_IO", "__GFP_FS"], GFP_NOWAIT: ["__GFP_KSWAPD_RECLAIM"], GFP_NOIO: ["__GFP_RECLAIM"],
    GFP_NOFS: ["__GFP_RECLAIM", "__GFP_IO"], GFP_USER: ["GFP_KERNEL", "__GFP_HARDWALL"],
    GFP_TEMPORARY: ["GFP_KERNEL", "__GFP_RECLAIMABLE"],
    GFP_TRANSHUGE: ["GFP_HIGHUSER_MOVABLE", "__GFP_COMP", "__GFP_NOMEMALLOC", "__GFP_NORETRY", "__GFP_NOWARN", "~__GFP_KSWAPD_RECLAIM"],
  }, drop: ["__GFP_WAIT", "__GFP_NO_KSWAPD"] },
  // 4.5: __GFP_ACCOUNT replaces __GFP_NOACCOUNT (same bit; in the 2016-01 mmflags.h rework).
  { era: "4.5", last: "4.7", set: { __GFP_ACCOUNT: 0x100000, GFP_KERNEL_ACCOUNT: ["GFP_KERNEL", "__GFP_ACCOUNT"] }, drop: ["__GFP_NOACCOUNT"] },
  { era: "4.8", last: "4.9", set: {
    GFP_TRANSHUGE_LIGHT: ["GFP_HIGHUSER_MOVABLE", "__GFP_COMP", "__GFP_NOMEMALLOC", "__GFP_NOWARN", "~__GFP_RECLAIM"],
    GFP_TRANSHUGE: ["GFP_TRANSHUGE_LIGHT", "__GFP_DIRECT_RECLAIM"],
  } },
  // 41b6167e8f74 "mm: get rid of __GFP_OTHER_NODE" (4.10): GFP_KERNEL = 0x14000c0 (4.9.0 still 0x24000c0).
  { era: "4.10", last: "4.12", set: { __GFP_WRITE: 0x800000, __GFP_KSWAPD_RECLAIM: 0x1000000 }, drop: ["__GFP_OTHER_NODE"] },
  { era: "4.13", last: "4.13", set: { __GFP_RETRY_MAYFAIL: 0x400 }, drop: ["__GFP_REPEAT"] }, // dcda9b04713c
  { era: "4.14", last: "4.14", drop: ["GFP_TEMPORARY"] }, // 4.14 gfp.h (harveydong/linux-4.14-comment)
  // 4.15 removes __GFP_COLD and kmemcheck's __GFP_NOTRACK; their bits stay empty until 4.18.
  { era: "4.15", last: "4.17", drop: ["__GFP_COLD", "__GFP_NOTRACK"] },
  // "mm: save two stranding bit in gfp_mask" (2018-05): GFP_KERNEL = 0x6000c0 (4.19 read).
  { era: "4.18", last: "5.0", set: { __GFP_WRITE: 0x100, __GFP_DIRECT_RECLAIM: 0x200000, __GFP_KSWAPD_RECLAIM: 0x400000 } },
  // "mm: shuffle GFP_* flags" (Dobriyan, 2019-01-09, after 5.0-rc1): 5.0.10 prints 4.18 bits, 5.2-rc7
  // the new ones; 5.1 itself not checked (no 5.1 gfp.h found).
  { era: "5.1", last: "5.13", set: {
    __GFP_ZERO: 0x100, __GFP_ATOMIC: 0x200, __GFP_DIRECT_RECLAIM: 0x400, __GFP_KSWAPD_RECLAIM: 0x800, __GFP_WRITE: 0x1000,
    __GFP_NOWARN: 0x2000, __GFP_RETRY_MAYFAIL: 0x4000, __GFP_NOFAIL: 0x8000, __GFP_NORETRY: 0x10000, __GFP_MEMALLOC: 0x20000,
    __GFP_COMP: 0x40000, __GFP_NOMEMALLOC: 0x80000, __GFP_HARDWALL: 0x100000, __GFP_THISNODE: 0x200000, __GFP_ACCOUNT: 0x400000,
  } },
  // 013bb59dbb7c (ZEROTAGS) and c275c5c6d50a (SKIP_KASAN_POISON, unconditional, in GFP_HIGHUSER_MOVABLE):
  // 5.15 prints GFP_HIGHUSER_MOVABLE as 0x1100cca. Their %pGg names came with a 2021-08 fix (5.14 or 5.15).
  { era: "5.14", last: "5.17", set: {
    __GFP_ZEROTAGS: 0x800000, __GFP_SKIP_KASAN_POISON: 0x1000000,
    GFP_HIGHUSER_MOVABLE: ["GFP_HIGHUSER", "__GFP_MOVABLE", "__GFP_SKIP_KASAN_POISON"],
  } },
  // 5.18 (kasan HW_TAGS series): the SKIP_KASAN bits are 0 unless CONFIG_KASAN_HW_TAGS.
  { era: "5.18", last: "6.2", set: { GFP_HIGHUSER_MOVABLE: ["GFP_HIGHUSER", "__GFP_MOVABLE"] }, drop: ["__GFP_SKIP_KASAN_POISON"] },
  { era: "6.3", last: "6.7", set: { GFP_ATOMIC: ["__GFP_HIGH", "__GFP_KSWAPD_RECLAIM"] }, drop: ["__GFP_ATOMIC"] }, // "mm: discard __GFP_ATOMIC"
  { era: "6.8", last: "6.17", set: { GFP_NOWAIT: ["__GFP_KSWAPD_RECLAIM", "__GFP_NOWARN"] } }, // 16f5dfbc851b
  // Same bits; 6a204d4b14c9 makes ALLOC_HIGHATOMIC require __GFP_HIGH (backported to 6.12.y stable).
  { era: "6.18", last: null },
];

/** %pGg name table order (mmflags.h __def_gfpflag_names, 4.6 … 6.18); an era prints the names it
 *  defines with a nonzero mask. 4.4 had no %pGg: its table is 4.5's with __GFP_NOACCOUNT. */
const PGG_ORDER = [
  "GFP_TRANSHUGE", "GFP_TRANSHUGE_LIGHT", "GFP_HIGHUSER_MOVABLE", "GFP_HIGHUSER", "GFP_USER", "GFP_TEMPORARY",
  "GFP_KERNEL_ACCOUNT", "GFP_KERNEL", "GFP_NOFS", "GFP_ATOMIC", "GFP_NOIO", "GFP_NOWAIT", "GFP_DMA", "__GFP_HIGHMEM",
  "GFP_DMA32", "__GFP_HIGH", "__GFP_ATOMIC", "__GFP_IO", "__GFP_FS", "__GFP_COLD", "__GFP_NOWARN", "__GFP_REPEAT",
  "__GFP_RETRY_MAYFAIL", "__GFP_NOFAIL", "__GFP_NORETRY", "__GFP_COMP", "__GFP_ZERO", "__GFP_NOMEMALLOC",
  "__GFP_MEMALLOC", "__GFP_HARDWALL", "__GFP_THISNODE", "__GFP_RECLAIMABLE", "__GFP_MOVABLE", "__GFP_ACCOUNT",
  "__GFP_NOACCOUNT", "__GFP_NOTRACK", "__GFP_WRITE", "__GFP_RECLAIM", "__GFP_DIRECT_RECLAIM", "__GFP_KSWAPD_RECLAIM",
  "__GFP_OTHER_NODE", "__GFP_ZEROTAGS", "__GFP_SKIP_KASAN_POISON",
];

/** Composites the pre-%pGg decoder may put first: most bits first, ties in %pGg order (as gfp.ts). */
const OLD_COMPOSITES = ["GFP_TRANSHUGE", "GFP_HIGHUSER_MOVABLE", "GFP_HIGHUSER", "GFP_USER", "GFP_TEMPORARY", "GFP_KERNEL", "GFP_NOFS", "GFP_ATOMIC", "GFP_NOIO"];

const eraIndex = (era: GfpEra): number => {
  const i = GFP_ERAS.indexOf(era);
  if (i < 0) throw new OomlabError("OOMLAB_BAD_ARGUMENT", `unknown gfp era ${String(era)}`);
  return i;
};
/** True when era is first or later. */
export const gfpEraAtLeast = (era: GfpEra, first: GfpEra): boolean => eraIndex(era) >= eraIndex(first);

/** The releases an era covers (inclusive; last null = up to the newest modelled kernel). */
export function gfpEraRange(era: GfpEra): { first: string; last: string | null } {
  return { first: era, last: PROFILES[eraIndex(era)].last };
}

function evalDef(name: string, defs: Record<string, Def>, out: Record<string, number>): number {
  if (name in out) return out[name];
  const d = defs[name];
  if (d === undefined) throw new Error(`gfp name ${name} is not defined`);
  if (typeof d === "number") return (out[name] = d);
  const or = d.filter((n) => !n.startsWith("~")).reduce((m, n) => m | evalDef(n, defs, out), 0);
  const clear = d.filter((n) => n.startsWith("~")).reduce((m, n) => m | evalDef(n.slice(1), defs, out), 0);
  return (out[name] = (or & ~clear) >>> 0);
}

const resolved = new Map<GfpEra, Readonly<Record<string, number>>>();

/** The era's __GFP_* bits and GFP_* composites by kernel name (values as the kernel computes them). */
export function gfpBitsFor(era: GfpEra): Record<string, number> {
  const hit = resolved.get(era);
  if (hit) return hit;
  const defs: Record<string, Def> = {};
  for (const p of PROFILES.slice(0, eraIndex(era) + 1)) {
    Object.assign(defs, p.set ?? {});
    for (const n of p.drop ?? []) delete defs[n];
  }
  const out: Record<string, number> = {};
  for (const n of Object.keys(defs)) evalDef(n, defs, out);
  const frozen = Object.freeze(out);
  resolved.set(era, frozen);
  return frozen;
}

/** gfpEraForVersion("5.15.158-2-pve") → "5.14". 2.6.0-2.6.10 map to 2.6.11; older kernels → null. */
export function gfpEraForVersion(version: string | null): GfpEra | null {
  const m = version === null ? null : /^\s*(\d+)\.(\d+)(?:\.(\d+))?/.exec(version);
  if (!m) return null;
  const v = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  if (v[0] < 2 || (v[0] === 2 && v[1] < 6)) return null;
  let era: GfpEra = GFP_ERAS[0];
  for (const e of GFP_ERAS) {
    const s = e.split(".").map(Number);
    if (cmp(v, [s[0], s[1], s[2] ?? 0]) >= 0) era = e;
  }
  return era;
}

function cmp(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function checkMask(mask: number): void {
  if (!Number.isInteger(mask) || mask < 0 || mask > 0xffffffff) {
    throw new OomlabError("OOMLAB_BAD_ARGUMENT", `gfp mask ${String(mask)} is not an unsigned 32-bit integer`);
  }
}

const hex = (v: number): string => `0x${v.toString(16)}`;

export interface DecodedGfp {
  /** The names printed, in print order (composites first). */
  names: string[];
  /** As the kernel's %pGg prints it (4.4+), or composite|__GFP_*… for older eras; 0 → "". */
  text: string;
  /** Bits no name of the era covers (printed as 0x… at the end). */
  unknown: number;
}

/** lib/vsprintf.c format_flags: take each table entry whose whole mask is still set, then the rest in hex. */
function formatFlags(mask: number, era: GfpEra): DecodedGfp {
  const bits = gfpBitsFor(era);
  const names: string[] = [];
  let flags = mask >>> 0;
  for (const n of PGG_ORDER) {
    const m = bits[n];
    if (!flags) break;
    if (!m || (flags & m) >>> 0 !== m) continue;
    names.push(n);
    flags = (flags & ~m) >>> 0;
  }
  return { names, text: [...names, ...(flags ? [hex(flags)] : [])].join("|"), unknown: flags };
}

/** Pre-4.4 kernels printed only the hex: name one composite (bindings/gfp.ts rules), then bits. */
function decodeOld(mask: number, era: GfpEra): DecodedGfp {
  const bits = gfpBitsFor(era);
  const single = Object.entries(bits).filter(([n]) => n.startsWith("__GFP_")).sort((a, b) => a[1] - b[1]);
  const known = single.reduce((m, [, v]) => m | v, 0);
  const composite = OLD_COMPOSITES.find((c) => {
    const v = bits[c];
    const alias = c !== "GFP_KERNEL" && v === bits.GFP_KERNEL; // GFP_USER == GFP_KERNEL before 2.6.14
    return v !== undefined && v !== 0 && !alias && (mask & v) >>> 0 === v;
  });
  const covered = composite ? bits[composite] : 0;
  const rest = single.filter(([, v]) => (mask & v) !== 0 && (covered & v) === 0).map(([n]) => n);
  const names = composite ? [composite, ...rest] : rest;
  const unknown = (mask & ~known) >>> 0;
  return { names, text: [...names, ...(unknown ? [hex(unknown)] : [])].join("|"), unknown };
}

/** Decode a gfp mask as a kernel of that era names it. */
export function decodeGfp(mask: number, era: GfpEra): DecodedGfp {
  checkMask(mask);
  return gfpEraAtLeast(era, "4.4") ? formatFlags(mask, era) : decodeOld(mask, era);
}

export type GfpZone = "DMA" | "DMA32" | "Normal" | "HighMem" | "Movable";

/** GFP_ZONE_TABLE (include/linux/gfp.h 2.6.31 … 6.18) by the low four bits DMA|HIGHMEM<<1|DMA32<<2|MOVABLE<<3;
 *  missing entries are GFP_ZONE_BAD. OPT_ZONE_* fall back to Normal on a kernel without that zone. */
const GFP_ZONE_TABLE: Readonly<Record<number, GfpZone>> = {
  0x0: "Normal", 0x1: "DMA", 0x2: "HighMem", 0x4: "DMA32", 0x8: "Normal", 0x9: "DMA", 0xa: "Movable", 0xc: "DMA32",
};

/**
 * The highest zone a request may use, as the era's kernel picks it (§4): ≤2.6.14 the zonelist index
 * (bindings/gfp.ts); 2.6.15-2.6.30 DMA, then DMA32, then (2.6.23+) HIGHMEM|MOVABLE → Movable, then
 * HIGHMEM, else Normal (2.6.15 highest_zone, 2.6.19 gfp_zone); 2.6.31+ GFP_ZONE_TABLE. The nominal
 * zone is returned: a machine without it (e.g. no ZONE_DMA32 on i386) uses Normal.
 */
export function gfpZone(mask: number, era: GfpEra): GfpZone {
  checkMask(mask);
  if (!gfpEraAtLeast(era, "2.6.15")) return gfpZone2611(mask);
  const b = gfpBitsFor(era);
  const has = (n: string) => b[n] !== undefined && (mask & b[n]) !== 0;
  const [dma, high, dma32, movable] = ["__GFP_DMA", "__GFP_HIGHMEM", "__GFP_DMA32", "__GFP_MOVABLE"].map(has);
  if (!gfpEraAtLeast(era, "2.6.31")) {
    if (dma) return "DMA";
    if (dma32) return "DMA32";
    if (high) return movable ? "Movable" : "HighMem";
    return "Normal";
  }
  const zone = GFP_ZONE_TABLE[Number(dma) | (Number(high) << 1) | (Number(dma32) << 2) | (Number(movable) << 3)];
  if (!zone) throw new OomlabError("OOMLAB_BAD_ARGUMENT", `gfp mask ${hex(mask)} is a GFP_ZONE_BAD combination of zone modifiers`);
  return zone;
}

export interface AllocFlagsOptions {
  order?: number;
  /** rt_task(current) (6.x: rt_or_dl_task). */
  rtTask?: boolean;
  inInterrupt?: boolean;
  /** The task is an OOM victim (TIF_MEMDIE; 4.15+ tsk_is_oom_victim). */
  oomVictim?: boolean;
}

export interface EraAllocFlags {
  /** __GFP_WAIT (≤4.3) / __GFP_DIRECT_RECLAIM (4.4+): may enter direct reclaim. */
  canReclaim: boolean;
  /** gfp_high / ALLOC_HIGH / ALLOC_MIN_RESERVE: min -= min/2. */
  minReserve: boolean;
  /** can_try_harder (≤2.6.14) / ALLOC_HARDER (≤6.2) / ALLOC_NON_BLOCK (6.3+). */
  harder: boolean;
  /** May take (and reserve) MIGRATE_HIGHATOMIC blocks (4.4+). */
  highatomic: boolean;
  /** ALLOC_CMA: a movable request may use CMA pageblocks (4.4+). */
  cma: boolean;
  fs: boolean;
  noretry: boolean;
  /** order > PAGE_ALLOC_COSTLY_ORDER and the era never OOM-kills for it (2.6.23+). */
  costlyOrderNoOom: boolean;
  /** The same in bindings/types.ts AllocFlags (6.18 numbering) for watermarkOk618; before 6.3 harder and
   *  minReserve reduce min independently, so callers of older eras should use the two booleans. */
  allocFlags6_18: number;
}

/**
 * The slowpath's alloc_flags for a gfp mask (§6): 2.6.11 __alloc_pages can_try_harder/gfp_high;
 * 2.6.15-4.3 ALLOC_HARDER/ALLOC_HIGH (same rules); 4.4-6.2 gfp_to_alloc_flags with __GFP_ATOMIC;
 * 6.3+ ALLOC_NON_BLOCK/ALLOC_MIN_RESERVE/ALLOC_HIGHATOMIC (6.18: HIGHATOMIC needs __GFP_HIGH).
 */
export function allocFlagsFor(mask: number, era: GfpEra, opts: AllocFlagsOptions = {}): EraAllocFlags {
  checkMask(mask);
  const b = gfpBitsFor(era);
  const has = (n: string) => b[n] !== undefined && b[n] !== 0 && (mask & b[n]) >>> 0 === b[n];
  const order = opts.order ?? 0;
  const rt = !!opts.rtTask && !opts.inInterrupt;
  const modern = gfpEraAtLeast(era, "4.4");
  const canReclaim = has(modern ? "__GFP_DIRECT_RECLAIM" : "__GFP_WAIT");
  const noMemalloc = has("__GFP_NOMEMALLOC");
  let minReserve = has("__GFP_HIGH");
  let harder: boolean;
  let highatomic = false;
  let cpuset: boolean;
  if (!modern) {
    harder = !canReclaim || rt;
    cpuset = gfpEraAtLeast(era, "2.6.15") && canReclaim; // no ALLOC_CPUSET before 2.6.15
  } else if (!gfpEraAtLeast(era, "6.3")) {
    harder = has("__GFP_ATOMIC") ? !noMemalloc : rt;
    highatomic = harder && order > 0; // 4.4 __rmqueue / reserve_highatomic_pageblock
    cpuset = !has("__GFP_ATOMIC");
  } else {
    harder = !canReclaim && !noMemalloc;
    if (canReclaim && rt) minReserve = true;
    highatomic = harder && order > 0 && (!gfpEraAtLeast(era, "6.18") || minReserve);
    cpuset = canReclaim || !minReserve;
  }
  const movableOnly = has("__GFP_MOVABLE") && !has("__GFP_RECLAIMABLE");
  const cma = modern && movableOnly;
  // 2.6.38-4.3 __alloc_pages_slowpath: if (!(gfp_mask & __GFP_NO_KSWAPD)) wake_all_kswapd(...)
  const kswapd = modern ? has("__GFP_KSWAPD_RECLAIM") : !has("__GFP_NO_KSWAPD");
  const costlyOrderNoOom = order > 3 && gfpEraAtLeast(era, "2.6.23") && !(has("__GFP_NOFAIL") && gfpEraAtLeast(era, "2.6.31") && !gfpEraAtLeast(era, "4.13"));
  let flags = AllocFlags.WMARK_MIN | (cpuset ? AllocFlags.CPUSET : 0) | (harder ? AllocFlags.NON_BLOCK : 0);
  flags |= (minReserve ? AllocFlags.MIN_RESERVE : 0) | (highatomic ? AllocFlags.HIGHATOMIC : 0);
  flags |= (cma ? AllocFlags.CMA : 0) | (kswapd ? AllocFlags.KSWAPD : 0) | reserveFlags(era, has, opts);
  return { canReclaim, minReserve, harder, highatomic, cma, fs: has("__GFP_FS"), noretry: has("__GFP_NORETRY"), costlyOrderNoOom, allocFlags6_18: flags };
}

/** __gfp_pfmemalloc_flags: __GFP_MEMALLOC, or an OOM victim in task context, unless __GFP_NOMEMALLOC;
 *  victims get ALLOC_NO_WATERMARKS before 4.15 (TIF_MEMDIE) and ALLOC_OOM from 4.15 (cd04ae1e2dc8). */
function reserveFlags(era: GfpEra, has: (n: string) => boolean, opts: AllocFlagsOptions): number {
  if (has("__GFP_NOMEMALLOC")) return 0;
  if (has("__GFP_MEMALLOC")) return AllocFlags.NO_WATERMARKS;
  if (!opts.oomVictim || opts.inInterrupt) return 0;
  return gfpEraAtLeast(era, "4.15") ? AllocFlags.OOM : AllocFlags.NO_WATERMARKS;
}
