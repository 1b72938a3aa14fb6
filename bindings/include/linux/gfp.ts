// gfp masks era by era: the __GFP_* bit layout and composites of include/linux/gfp.h (gfp_types.h
// from 6.0), the %pGg printer (lib/vsprintf.c format_flags over include/trace/events/mmflags.h), the
// names pre-4.4 kernels' hex-only masks stand for, gfp_zone, and masks written as names. Eras are
// data: 2.6.11's table comes first and each later profile overlays the one before, named by the
// first release with that layout. The ALLOC_* flags gfp_to_alloc_flags derives are mm/page_alloc.c
// logic (mm/page_alloc.ts allocFlagsFor). Pure data and arithmetic: no Node API.

import { OomlabError } from "../../errors.js";
import { KERNEL_VERSION, parseRelease } from "./version.js";
import type { ZoneType } from "./mmzone.js";

/** First release of each modelled layout, oldest first. Ranges (inclusive) are in PROFILES. */
export const GFP_ERAS = [
  "2.6.11",
  "2.6.12",
  "2.6.14",
  "2.6.15",
  "2.6.19",
  "2.6.23",
  "2.6.24",
  "2.6.31",
  "2.6.38",
  "3.6",
  "3.8",
  "3.16",
  "4.1",
  "4.4",
  "4.5",
  "4.8",
  "4.10",
  "4.13",
  "4.14",
  "4.15",
  "4.18",
  "5.1",
  "5.14",
  "5.18",
  "6.3",
  "6.8",
  "6.18",
] as const;
export type GfpEra = (typeof GFP_ERAS)[number];

/** A bit value, or the OR of other names; a "~NAME" entry is cleared afterwards (& ~NAME). */
type Def = number | readonly string[];
interface Profile {
  era: GfpEra;
  last: string | null;
  set?: Readonly<Record<string, Def>>;
  drop?: readonly string[];
  /** __GFP_BITS_SHIFT where oomlab checks it (not inherited): no flag at or above 1 << shift exists. */
  bitsShift?: number;
}

const RECLAIM = ["__GFP_DIRECT_RECLAIM", "__GFP_KSWAPD_RECLAIM"];

/** include/linux/gfp.h 2.6.11: the zone modifiers (low two bits), the action modifiers, then the
 *  composites, in the order the header defines them. Also used for 2.6.0-2.6.10 (a subset). */
const GFP_2611_TABLE = {
  __GFP_DMA: 0x01,
  __GFP_HIGHMEM: 0x02,
  __GFP_WAIT: 0x10, // can wait and reschedule
  __GFP_HIGH: 0x20, // may dip into emergency pools (min/2 in zone_watermark_ok)
  __GFP_IO: 0x40,
  __GFP_FS: 0x80,
  __GFP_COLD: 0x100,
  __GFP_NOWARN: 0x200,
  __GFP_REPEAT: 0x400,
  __GFP_NOFAIL: 0x800,
  __GFP_NORETRY: 0x1000,
  __GFP_NO_GROW: 0x2000,
  __GFP_COMP: 0x4000,
  __GFP_ZERO: 0x8000,
  // GFP_USER == GFP_KERNEL until 2.6.14 added __GFP_HARDWALL.
  GFP_ATOMIC: ["__GFP_HIGH"],
  GFP_NOIO: ["__GFP_WAIT"],
  GFP_NOFS: ["__GFP_WAIT", "__GFP_IO"],
  GFP_KERNEL: ["__GFP_WAIT", "__GFP_IO", "__GFP_FS"],
  GFP_USER: ["__GFP_WAIT", "__GFP_IO", "__GFP_FS"],
  GFP_HIGHUSER: ["GFP_USER", "__GFP_HIGHMEM"],
  GFP_DMA: ["__GFP_DMA"],
} as const satisfies Record<string, Def>;

/** __GFP_BITS_SHIFT 16 (include/linux/gfp.h 2.6.11): no flag above 0x8000 exists in 2.6.11. */
export const GFP_BITS_SHIFT_2611 = 16;

const PROFILES: readonly Profile[] = [
  { era: "2.6.11", last: "2.6.11", set: GFP_2611_TABLE, bitsShift: GFP_BITS_SHIFT_2611 },
  { era: "2.6.12", last: "2.6.13", set: { __GFP_NOMEMALLOC: 0x10000 } }, // include/linux/gfp.h 2.6.12
  {
    era: "2.6.14",
    last: "2.6.14",
    set: {
      __GFP_NORECLAIM: 0x20000,
      __GFP_HARDWALL: 0x40000,
      GFP_USER: ["GFP_KERNEL", "__GFP_HARDWALL"],
    },
  },
  // include/linux/gfp.h 2.6.15 adds __GFP_DMA32 (0x04 on 64-bit; 0 or __GFP_DMA on some arches), moves HARDWALL.
  {
    era: "2.6.15",
    last: "2.6.18",
    set: { __GFP_DMA32: 0x04, __GFP_HARDWALL: 0x20000, GFP_DMA32: ["__GFP_DMA32"] },
    drop: ["__GFP_NORECLAIM"],
  },
  { era: "2.6.19", last: "2.6.22", set: { __GFP_THISNODE: 0x40000 } },
  {
    era: "2.6.23",
    last: "2.6.23",
    set: { __GFP_MOVABLE: 0x80000, GFP_HIGHUSER_MOVABLE: ["GFP_HIGHUSER", "__GFP_MOVABLE"] },
  },
  {
    era: "2.6.24",
    last: "2.6.30",
    set: {
      __GFP_RECLAIMABLE: 0x80000,
      __GFP_MOVABLE: 0x100000,
      GFP_TEMPORARY: ["GFP_KERNEL", "__GFP_RECLAIMABLE"],
    },
  },
  // 2.6.31: __GFP_MOVABLE joins the zone bits (GFP_ZONE_TABLE, linux-mm 2009-03 series) and kmemcheck
  // adds __GFP_NOTRACK; table read in include/linux/gfp.h 2.6.32.
  { era: "2.6.31", last: "2.6.37", set: { __GFP_MOVABLE: 0x08, __GFP_NOTRACK: 0x200000 }, drop: ["__GFP_NO_GROW"] },
  // The bits 2.6.38-4.3 added, as 3.10-3.15 gfp.h lists them (___GFP_KMEMCG 0x100000, ___GFP_NOTRACK
  // 0x200000, ___GFP_NO_KSWAPD 0x400000, ___GFP_OTHER_NODE 0x800000, ___GFP_WRITE 0x1000000). The
  // releases are inferred from the patches' dates (not read in a release tree): __GFP_NO_KSWAPD and
  // GFP_TRANSHUGE with transparent hugepages (2.6.38), Andi Kleen's __GFP_OTHER_NODE (2011-01, 2.6.38),
  // __GFP_WRITE with the dirty-page zone spreading (3.3, named from 2.6.38 here: the bit was unused
  // before, so no mask of those kernels has it set). Kernels of this era print the mask in hex only.
  {
    era: "2.6.38",
    last: "3.5",
    set: {
      __GFP_NO_KSWAPD: 0x400000,
      __GFP_OTHER_NODE: 0x800000,
      __GFP_WRITE: 0x1000000,
      GFP_TRANSHUGE: [
        "GFP_HIGHUSER_MOVABLE",
        "__GFP_COMP",
        "__GFP_NOMEMALLOC",
        "__GFP_NORETRY",
        "__GFP_NOWARN",
        "__GFP_NO_KSWAPD",
      ],
    },
  },
  { era: "3.6", last: "3.7", set: { __GFP_MEMALLOC: 0x2000 } }, // swap over NFS: "introduce __GFP_MEMALLOC" (2012-07)
  { era: "3.8", last: "3.15", set: { __GFP_KMEMCG: 0x100000 } }, // kmem accounting (Glauber Costa, 2012-12)
  { era: "3.16", last: "4.0", drop: ["__GFP_KMEMCG"] }, // "mm: get rid of __GFP_KMEMCG" (Davydov, 2014-06)
  { era: "4.1", last: "4.3", set: { __GFP_NOACCOUNT: 0x100000 } }, // "gfp: add __GFP_NOACCOUNT" (2015-05)
  // include/linux/gfp.h 4.4 (4.4.11 read): __GFP_WAIT gone, reclaim split into DIRECT/KSWAPD, __GFP_ATOMIC.
  {
    era: "4.4",
    last: "4.4",
    set: {
      __GFP_RECLAIMABLE: 0x10,
      __GFP_MEMALLOC: 0x2000,
      __GFP_ATOMIC: 0x80000,
      __GFP_NOACCOUNT: 0x100000,
      __GFP_DIRECT_RECLAIM: 0x400000,
      __GFP_OTHER_NODE: 0x800000,
      __GFP_WRITE: 0x1000000,
      __GFP_KSWAPD_RECLAIM: 0x2000000,
      __GFP_RECLAIM: RECLAIM,
      GFP_ATOMIC: ["__GFP_HIGH", "__GFP_ATOMIC", "__GFP_KSWAPD_RECLAIM"],
      GFP_KERNEL: ["__GFP_RECLAIM", "__GFP_IO", "__GFP_FS"],
      GFP_NOWAIT: ["__GFP_KSWAPD_RECLAIM"],
      GFP_NOIO: ["__GFP_RECLAIM"],
      GFP_NOFS: ["__GFP_RECLAIM", "__GFP_IO"],
      GFP_USER: ["GFP_KERNEL", "__GFP_HARDWALL"],
      GFP_TEMPORARY: ["GFP_KERNEL", "__GFP_RECLAIMABLE"],
      GFP_TRANSHUGE: [
        "GFP_HIGHUSER_MOVABLE",
        "__GFP_COMP",
        "__GFP_NOMEMALLOC",
        "__GFP_NORETRY",
        "__GFP_NOWARN",
        "~__GFP_KSWAPD_RECLAIM",
      ],
    },
    drop: ["__GFP_WAIT", "__GFP_NO_KSWAPD"],
  },
  // 4.5: __GFP_ACCOUNT replaces __GFP_NOACCOUNT (same bit; in the 2016-01 mmflags.h rework).
  {
    era: "4.5",
    last: "4.7",
    set: { __GFP_ACCOUNT: 0x100000, GFP_KERNEL_ACCOUNT: ["GFP_KERNEL", "__GFP_ACCOUNT"] },
    drop: ["__GFP_NOACCOUNT"],
  },
  {
    era: "4.8",
    last: "4.9",
    set: {
      GFP_TRANSHUGE_LIGHT: ["GFP_HIGHUSER_MOVABLE", "__GFP_COMP", "__GFP_NOMEMALLOC", "__GFP_NOWARN", "~__GFP_RECLAIM"],
      GFP_TRANSHUGE: ["GFP_TRANSHUGE_LIGHT", "__GFP_DIRECT_RECLAIM"],
    },
  },
  // 41b6167e8f74 "mm: get rid of __GFP_OTHER_NODE" (4.10): GFP_KERNEL = 0x14000c0 (4.9.0 still 0x24000c0).
  {
    era: "4.10",
    last: "4.12",
    set: { __GFP_WRITE: 0x800000, __GFP_KSWAPD_RECLAIM: 0x1000000 },
    drop: ["__GFP_OTHER_NODE"],
  },
  { era: "4.13", last: "4.13", set: { __GFP_RETRY_MAYFAIL: 0x400 }, drop: ["__GFP_REPEAT"] }, // dcda9b04713c
  { era: "4.14", last: "4.14", drop: ["GFP_TEMPORARY"] }, // 4.14 gfp.h (harveydong/linux-4.14-comment)
  // 4.15 removes __GFP_COLD and kmemcheck's __GFP_NOTRACK; their bits stay empty until 4.18.
  { era: "4.15", last: "4.17", drop: ["__GFP_COLD", "__GFP_NOTRACK"] },
  // "mm: save two stranding bit in gfp_mask" (2018-05): GFP_KERNEL = 0x6000c0 (4.19 read).
  {
    era: "4.18",
    last: "5.0",
    set: { __GFP_WRITE: 0x100, __GFP_DIRECT_RECLAIM: 0x200000, __GFP_KSWAPD_RECLAIM: 0x400000 },
  },
  // "mm: shuffle GFP_* flags" (Dobriyan, 2019-01-09, after 5.0-rc1): 5.0.10 prints 4.18 bits, 5.2-rc7
  // the new ones; 5.1 itself not checked (no 5.1 gfp.h found).
  {
    era: "5.1",
    last: "5.13",
    set: {
      __GFP_ZERO: 0x100,
      __GFP_ATOMIC: 0x200,
      __GFP_DIRECT_RECLAIM: 0x400,
      __GFP_KSWAPD_RECLAIM: 0x800,
      __GFP_WRITE: 0x1000,
      __GFP_NOWARN: 0x2000,
      __GFP_RETRY_MAYFAIL: 0x4000,
      __GFP_NOFAIL: 0x8000,
      __GFP_NORETRY: 0x10000,
      __GFP_MEMALLOC: 0x20000,
      __GFP_COMP: 0x40000,
      __GFP_NOMEMALLOC: 0x80000,
      __GFP_HARDWALL: 0x100000,
      __GFP_THISNODE: 0x200000,
      __GFP_ACCOUNT: 0x400000,
    },
  },
  // 013bb59dbb7c (ZEROTAGS) and c275c5c6d50a (SKIP_KASAN_POISON, unconditional, in GFP_HIGHUSER_MOVABLE):
  // 5.15 prints GFP_HIGHUSER_MOVABLE as 0x1100cca. Their %pGg names came with a 2021-08 fix (5.14 or 5.15).
  {
    era: "5.14",
    last: "5.17",
    set: {
      __GFP_ZEROTAGS: 0x800000,
      __GFP_SKIP_KASAN_POISON: 0x1000000,
      GFP_HIGHUSER_MOVABLE: ["GFP_HIGHUSER", "__GFP_MOVABLE", "__GFP_SKIP_KASAN_POISON"],
    },
  },
  // 5.18 (kasan HW_TAGS series): the SKIP_KASAN bits are 0 unless CONFIG_KASAN_HW_TAGS.
  {
    era: "5.18",
    last: "6.2",
    set: { GFP_HIGHUSER_MOVABLE: ["GFP_HIGHUSER", "__GFP_MOVABLE"] },
    drop: ["__GFP_SKIP_KASAN_POISON"],
  },
  // "mm: discard __GFP_ATOMIC"
  { era: "6.3", last: "6.7", set: { GFP_ATOMIC: ["__GFP_HIGH", "__GFP_KSWAPD_RECLAIM"] }, drop: ["__GFP_ATOMIC"] },
  { era: "6.8", last: "6.17", set: { GFP_NOWAIT: ["__GFP_KSWAPD_RECLAIM", "__GFP_NOWARN"] } }, // 16f5dfbc851b
  // Same bits; 6a204d4b14c9 makes ALLOC_HIGHATOMIC require __GFP_HIGH (backported to 6.12.y stable).
  { era: "6.18", last: null },
];

/** %pGg name table order (mmflags.h __def_gfpflag_names, 4.6 … 6.18); an era prints the names it
 *  defines with a nonzero mask. 4.4 had no %pGg: its table is 4.5's with __GFP_NOACCOUNT. */
const PGG_ORDER = [
  "GFP_TRANSHUGE",
  "GFP_TRANSHUGE_LIGHT",
  "GFP_HIGHUSER_MOVABLE",
  "GFP_HIGHUSER",
  "GFP_USER",
  "GFP_TEMPORARY",
  "GFP_KERNEL_ACCOUNT",
  "GFP_KERNEL",
  "GFP_NOFS",
  "GFP_ATOMIC",
  "GFP_NOIO",
  "GFP_NOWAIT",
  "GFP_DMA",
  "__GFP_HIGHMEM",
  "GFP_DMA32",
  "__GFP_HIGH",
  "__GFP_ATOMIC",
  "__GFP_IO",
  "__GFP_FS",
  "__GFP_COLD",
  "__GFP_NOWARN",
  "__GFP_REPEAT",
  "__GFP_RETRY_MAYFAIL",
  "__GFP_NOFAIL",
  "__GFP_NORETRY",
  "__GFP_COMP",
  "__GFP_ZERO",
  "__GFP_NOMEMALLOC",
  "__GFP_MEMALLOC",
  "__GFP_HARDWALL",
  "__GFP_THISNODE",
  "__GFP_RECLAIMABLE",
  "__GFP_MOVABLE",
  "__GFP_ACCOUNT",
  "__GFP_NOACCOUNT",
  "__GFP_NOTRACK",
  "__GFP_WRITE",
  "__GFP_RECLAIM",
  "__GFP_DIRECT_RECLAIM",
  "__GFP_KSWAPD_RECLAIM",
  "__GFP_OTHER_NODE",
  "__GFP_ZEROTAGS",
  "__GFP_SKIP_KASAN_POISON",
];

/** The %pGg name table of 6.18 (include/trace/events/mmflags.h __def_gfpflag_names, 6.18): the
 *  composites, GFP_DMA and GFP_DMA32, __GFP_RECLAIM, then TRACE_GFP_FLAGS: every single bit in bit
 *  order (TRACE_GFP_FLAGS_GENERAL; the KASAN, LOCKDEP and SLAB_OBJ_EXT bits only with their configs,
 *  not modelled). So 0x140dca prints GFP_HIGHUSER_MOVABLE|__GFP_ZERO|__GFP_COMP in 6.18 where the
 *  older table printed GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO. The table came with the 2025
 *  "tracing: gfp" rework after 60295b944ff6 (6.13); the release that first printed it was not read,
 *  so the overlay starts at the 6.18 era and earlier eras keep PGG_ORDER. */
const PGG_ORDER_618 = [
  "GFP_TRANSHUGE",
  "GFP_TRANSHUGE_LIGHT",
  "GFP_HIGHUSER_MOVABLE",
  "GFP_HIGHUSER",
  "GFP_USER",
  "GFP_KERNEL_ACCOUNT",
  "GFP_KERNEL",
  "GFP_NOFS",
  "GFP_ATOMIC",
  "GFP_NOIO",
  "GFP_NOWAIT",
  "GFP_DMA",
  "GFP_DMA32",
  "__GFP_RECLAIM",
  "__GFP_DMA",
  "__GFP_HIGHMEM",
  "__GFP_DMA32",
  "__GFP_MOVABLE",
  "__GFP_RECLAIMABLE",
  "__GFP_HIGH",
  "__GFP_IO",
  "__GFP_FS",
  "__GFP_ZERO",
  "__GFP_DIRECT_RECLAIM",
  "__GFP_KSWAPD_RECLAIM",
  "__GFP_WRITE",
  "__GFP_NOWARN",
  "__GFP_RETRY_MAYFAIL",
  "__GFP_NOFAIL",
  "__GFP_NORETRY",
  "__GFP_MEMALLOC",
  "__GFP_COMP",
  "__GFP_NOMEMALLOC",
  "__GFP_HARDWALL",
  "__GFP_THISNODE",
  "__GFP_ACCOUNT",
  "__GFP_ZEROTAGS",
];

/** Composites the pre-%pGg decoder may put first: most bits first, ties in %pGg order. */
const OLD_COMPOSITES = [
  "GFP_TRANSHUGE",
  "GFP_HIGHUSER_MOVABLE",
  "GFP_HIGHUSER",
  "GFP_USER",
  "GFP_TEMPORARY",
  "GFP_KERNEL",
  "GFP_NOFS",
  "GFP_ATOMIC",
  "GFP_NOIO",
];

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
  if (d === undefined) throw new OomlabError("OOMLAB_INVARIANT", `gfp name ${name} is not defined`);
  if (typeof d === "number") {
    out[name] = d;
    return d;
  }
  const or = d.filter((n) => !n.startsWith("~")).reduce((m, n) => m | evalDef(n, defs, out), 0);
  const clear = d.filter((n) => n.startsWith("~")).reduce((m, n) => m | evalDef(n.slice(1), defs, out), 0);
  out[name] = (or & ~clear) >>> 0;
  return out[name];
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

export type Gfp2611Name = keyof typeof GFP_2611_TABLE;

/** include/linux/gfp.h 2.6.11 by name, as numbers: the 2.6.11 overlay resolved (GFP_KERNEL = 0xd0),
 *  for the 2.6.11 model's code. */
export const GFP_2611 = Object.freeze(
  Object.fromEntries(Object.keys(GFP_2611_TABLE).map((n) => [n, gfpBitsFor("2.6.11")[n]])),
) as Readonly<Record<Gfp2611Name, number>>;

/** include/linux/mmzone.h 2.6.11: the zone-modifier bits that index node_zonelists. */
export const GFP_ZONEMASK_2611 = GFP_2611.__GFP_DMA | GFP_2611.__GFP_HIGHMEM;

/** The oldest kernel whose masks the 2.6.11 table names (its bits are a subset of 2.6.11's). */
const OLDEST_NAMED_RELEASE = KERNEL_VERSION(2, 6, 0);

/** gfpEraForVersion("5.15.158-2-pve") → "5.14". 2.6.0-2.6.10 map to 2.6.11; older kernels → null. */
export function gfpEraForVersion(version: string | null): GfpEra | null {
  const release = parseRelease(version);
  if (!release || release.code < OLDEST_NAMED_RELEASE) return null;
  let era: GfpEra = GFP_ERAS[0];
  for (const e of GFP_ERAS) if (release.code >= (parseRelease(e)?.code ?? Infinity)) era = e;
  return era;
}

/** Throws OOMLAB_BAD_ARGUMENT unless mask is an unsigned 32-bit integer (gfp_t is unsigned int). */
export function checkGfpMask(mask: number): void {
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
  for (const n of gfpEraAtLeast(era, "6.18") ? PGG_ORDER_618 : PGG_ORDER) {
    const m = bits[n];
    if (!flags) break;
    if (!m || (flags & m) >>> 0 !== m) continue;
    names.push(n);
    flags = (flags & ~m) >>> 0;
  }
  return { names, text: [...names, ...(flags ? [hex(flags)] : [])].join("|"), unknown: flags };
}

/** The era's single __GFP_* bits, lowest first. */
function singleBits(era: GfpEra): [string, number][] {
  return Object.entries(gfpBitsFor(era))
    .filter(([n]) => n.startsWith("__GFP_"))
    .sort((a, b) => a[1] - b[1]);
}

/** Pre-4.4 kernels printed only the hex: name the largest composite whose bits are all set (ties in
 *  the later %pGg table's order: ... GFP_KERNEL, GFP_NOFS, GFP_ATOMIC, GFP_NOIO), then the other
 *  bits in bit order, then the bits no name covers in hex. */
function decodeOld(mask: number, era: GfpEra): DecodedGfp {
  const bits = gfpBitsFor(era);
  const single = singleBits(era);
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

/** Decode a gfp mask as a kernel of that era names it: %pGg from 4.4, oomlab's naming of the hex
 *  before (decodeOld). One decoder per layout: the era picks the table. */
export function decodeGfp(mask: number, era: GfpEra): DecodedGfp {
  checkGfpMask(mask);
  return gfpEraAtLeast(era, "4.4") ? formatFlags(mask, era) : decodeOld(mask, era);
}

export interface DecodedGfp2611 {
  /** The __GFP_* bits present, in bit order. */
  names: string[];
  /** The largest composite whose bits are all present, or null. */
  composite: string | null;
  /** Bits that are no 2.6.11 flag (0x04, 0x08, and anything from 0x10000 up). */
  unknown: number;
  /** composite, then the remaining __GFP_* names, then the unknown bits as 0x%x, joined by "|"; 0 → "0x0". */
  text: string;
}

/** decodeGfp(mask, "2.6.11") in the shape the 2.6.11 model prints ("oom-killer: gfp_mask=0x%x" and
 *  "page allocation failure. order:%d, mode:0x%x" with names), e.g. 0x2d0 → GFP_KERNEL|__GFP_NOWARN
 *  (the XFS KM_SLEEP mask); the mask 0 reads "0x0". */
export function decodeGfp2611(mask: number): DecodedGfp2611 {
  const d = decodeGfp(mask, "2.6.11");
  const composite = d.names.length && !d.names[0].startsWith("__GFP_") ? d.names[0] : null;
  const names = singleBits("2.6.11")
    .filter(([, v]) => (mask & v) !== 0)
    .map(([n]) => n);
  return { names, composite, unknown: d.unknown, text: d.text || hex(0) };
}

export type GfpZone = ZoneType;

/** GFP_ZONE_TABLE (include/linux/gfp.h 2.6.31 … 6.18) by the low four bits DMA|HIGHMEM<<1|DMA32<<2|MOVABLE<<3;
 *  missing entries are GFP_ZONE_BAD. OPT_ZONE_* fall back to Normal on a kernel without that zone. */
const GFP_ZONE_TABLE: Readonly<Record<number, GfpZone>> = {
  0x0: "Normal",
  0x1: "DMA",
  0x2: "HighMem",
  0x4: "DMA32",
  0x8: "Normal",
  0x9: "DMA",
  0xa: "Movable",
  0xc: "DMA32",
};

/**
 * The highest zone a request may use, as the era's kernel picks it; the one zone rule of oomlab.
 * - 2.6.11 .. 2.6.14: the zonelist alloc_pages_node takes, `node_zonelists + (gfp_mask & GFP_ZONEMASK)`
 *   (include/linux/gfp.h 2.6.11); build_zonelists (mm/page_alloc.c 2.6.11) starts index i at NORMAL,
 *   HIGHMEM if i & __GFP_HIGHMEM, DMA if i & __GFP_DMA. Index 3 (__GFP_DMA|__GFP_HIGHMEM) is never
 *   built: include/linux/mmzone.h 2.6.11 has GFP_ZONETYPES ((GFP_ZONEMASK + 1) / 2 + 1) = 3 ("loner"
 *   form: __GFP_DMA is only valid alone), so index 3 reads past node_zonelists[]; refused here.
 * - 2.6.15 .. 2.6.30: DMA, then DMA32, then (2.6.23+) HIGHMEM|MOVABLE → Movable, then HIGHMEM, else
 *   Normal (highest_zone, 2.6.15; gfp_zone, 2.6.19).
 * - 2.6.31+: GFP_ZONE_TABLE.
 * The nominal zone is returned: a machine without it (e.g. no ZONE_DMA32 on i386) uses Normal.
 */
export function gfpZone(mask: number, era: GfpEra): GfpZone {
  checkGfpMask(mask);
  if (!gfpEraAtLeast(era, "2.6.15")) {
    switch (mask & GFP_ZONEMASK_2611) {
      case 0:
        return "Normal";
      case GFP_2611.__GFP_DMA:
        return "DMA";
      case GFP_2611.__GFP_HIGHMEM:
        return "HighMem";
      default:
        throw new OomlabError(
          "OOMLAB_BAD_ARGUMENT",
          `gfp mask ${hex(mask)} sets both __GFP_DMA and __GFP_HIGHMEM: ` +
            "2.6.11 builds no zonelist for index 3 (GFP_ZONETYPES = 3)",
        );
    }
  }
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
  if (!zone)
    throw new OomlabError(
      "OOMLAB_BAD_ARGUMENT",
      `gfp mask ${hex(mask)} is a GFP_ZONE_BAD combination of zone modifiers`,
    );
  return zone;
}

/** A gfp mask of an era from a number or from names joined by "|" ("GFP_KERNEL|__GFP_NOWARN",
 *  "GFP_ATOMIC", "0x20"); names are the era's (gfpBitsFor). A number must be below 1 << __GFP_BITS_SHIFT
 *  where oomlab knows the shift (2.6.11: 16), else an unsigned 32-bit integer. Throws OomlabError
 *  naming the bad part. */
export function parseGfp(v: unknown, era: GfpEra): number {
  const bits = gfpBitsFor(era);
  const shift = PROFILES[eraIndex(era)].bitsShift;
  const limit = 2 ** (shift ?? 32);
  if (typeof v === "number") {
    if (!Number.isInteger(v) || v < 0 || v >= limit) {
      throw new OomlabError("OOMLAB_BAD_ARGUMENT", `gfp ${v} is not a ${era} mask (0 .. ${hex(limit - 1)})`);
    }
    return v;
  }
  if (typeof v !== "string" || !v.trim()) {
    const got = JSON.stringify(v);
    throw new OomlabError(
      "OOMLAB_BAD_ARGUMENT",
      `gfp must be a number or names like "GFP_KERNEL|__GFP_NOWARN", got ${got}`,
    );
  }
  let mask = 0;
  for (const part of v.split("|").map((x) => x.trim())) {
    if (/^0x[0-9a-f]+$/i.test(part)) {
      // checked before `|`, which would keep only the low 32 bits (0x100000020 would pass as 0x20)
      const n = parseInt(part, 16);
      if (n >= limit)
        throw new OomlabError("OOMLAB_BAD_ARGUMENT", `gfp ${part} is not a ${era} mask (0 .. ${hex(limit - 1)})`);
      mask |= n;
    } else if (Object.hasOwn(bits, part)) mask |= bits[part];
    else {
      const names = Object.keys(bits).join(", ");
      throw new OomlabError("OOMLAB_BAD_ARGUMENT", `gfp: ${JSON.stringify(part)} is not a ${era} flag (${names})`);
    }
  }
  return parseGfp(mask >>> 0, era);
}

/** parseGfp for 2.6.11: the masks of scenario events. */
export const parseGfp2611 = (v: unknown): number => parseGfp(v, "2.6.11");
