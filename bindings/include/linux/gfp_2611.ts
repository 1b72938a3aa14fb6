// 2.6.11 gfp masks: the __GFP_* bits and composites of include/linux/gfp.h 2.6.11, a decoder for
// masks as printed by "oom-killer: gfp_mask=0x%x" and "page allocation failure ... mode:0x%x", and
// the zonelist a mask selects (alloc_pages_node + build_zonelists, mm/page_alloc.c 2.6.11).
// Pure data and arithmetic: no Node API.

import { OomlabError } from "../../errors.js";

/** include/linux/gfp.h 2.6.11: zone modifiers (low two bits) and action modifiers. */
export const GFP_2611 = {
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
  // Composites (include/linux/gfp.h 2.6.11). GFP_USER == GFP_KERNEL until 2.6.14 added HARDWALL.
  GFP_ATOMIC: 0x20, // __GFP_HIGH
  GFP_NOIO: 0x10, // __GFP_WAIT
  GFP_NOFS: 0x50, // __GFP_WAIT | __GFP_IO
  GFP_KERNEL: 0xd0, // __GFP_WAIT | __GFP_IO | __GFP_FS
  GFP_USER: 0xd0,
  GFP_HIGHUSER: 0xd2, // GFP_USER | __GFP_HIGHMEM
  GFP_DMA: 0x01, // __GFP_DMA
} as const;

/** include/linux/mmzone.h 2.6.11: the zone-modifier bits that index node_zonelists. */
export const GFP_ZONEMASK_2611 = 0x03;

/** __GFP_BITS_SHIFT 16 (include/linux/gfp.h 2.6.11): no flag above 0x8000 exists in 2.6.11. */
export const GFP_BITS_SHIFT_2611 = 16;

/** The __GFP_* names in bit order (the decoder lists them in this order). */
const BIT_NAMES: readonly (keyof typeof GFP_2611)[] = [
  "__GFP_DMA",
  "__GFP_HIGHMEM",
  "__GFP_WAIT",
  "__GFP_HIGH",
  "__GFP_IO",
  "__GFP_FS",
  "__GFP_COLD",
  "__GFP_NOWARN",
  "__GFP_REPEAT",
  "__GFP_NOFAIL",
  "__GFP_NORETRY",
  "__GFP_NO_GROW",
  "__GFP_COMP",
  "__GFP_ZERO",
];

const KNOWN_BITS = BIT_NAMES.reduce((m, n) => m | GFP_2611[n], 0);

/** Composites tried by the decoder, most bits first; ties in the order of the later kernels'
 *  %pGg table (include/trace/events/mmflags.h: ... GFP_KERNEL, GFP_NOFS, GFP_ATOMIC, GFP_NOIO).
 *  GFP_USER is the same mask as GFP_KERNEL in 2.6.11, so it is never named. */
const COMPOSITES: readonly (keyof typeof GFP_2611)[] = ["GFP_HIGHUSER", "GFP_KERNEL", "GFP_NOFS", "GFP_ATOMIC", "GFP_NOIO"];

export interface DecodedGfp2611 {
  /** The __GFP_* bits present, in bit order. */
  names: string[];
  /** The largest composite whose bits are all present, or null. */
  composite: string | null;
  /** Bits that are no 2.6.11 flag (0x04, 0x08, and anything from 0x10000 up). */
  unknown: number;
  /** composite, then the remaining __GFP_* names, then the unknown bits as 0x%x, joined by "|". */
  text: string;
}

/** gfp masks are `unsigned int` in 2.6.11 (__alloc_pages(unsigned int gfp_mask, ...)). */
function checkMask(mask: number): void {
  if (!Number.isInteger(mask) || mask < 0 || mask > 0xffffffff) {
    throw new OomlabError("OOMLAB_BAD_ARGUMENT", `gfp mask ${String(mask)} is not an unsigned 32-bit integer`);
  }
}

/** Decode a 2.6.11 gfp mask, e.g. 0x2d0 → GFP_KERNEL|__GFP_NOWARN (the XFS KM_SLEEP mask, §5.3). */
export function decodeGfp2611(mask: number): DecodedGfp2611 {
  checkMask(mask);
  const names = BIT_NAMES.filter((n) => (mask & GFP_2611[n]) !== 0);
  const unknown = (mask & ~KNOWN_BITS) >>> 0;
  const composite = COMPOSITES.find((c) => (mask & GFP_2611[c]) === GFP_2611[c]) ?? null;
  const covered = composite ? GFP_2611[composite as keyof typeof GFP_2611] : 0;
  const parts = [
    ...(composite ? [composite] : []),
    ...names.filter((n) => (GFP_2611[n as keyof typeof GFP_2611] & covered) === 0),
    ...(unknown ? [`0x${unknown.toString(16)}`] : []),
  ];
  return { names, composite, unknown, text: parts.length ? parts.join("|") : "0x0" };
}

export type ZoneName2611 = "DMA" | "Normal" | "HighMem";

/**
 * The zone a 2.6.11 allocation's zonelist starts at. alloc_pages_node (include/linux/gfp.h 2.6.11)
 * uses `node_zonelists + (gfp_mask & GFP_ZONEMASK)`; build_zonelists (mm/page_alloc.c 2.6.11) builds
 * index i starting at NORMAL, HIGHMEM if i & __GFP_HIGHMEM, DMA if i & __GFP_DMA (tested last).
 *
 * Index 3 (__GFP_DMA|__GFP_HIGHMEM) is never built: include/linux/mmzone.h 2.6.11 has
 * `GFP_ZONETYPES ((GFP_ZONEMASK + 1) / 2 + 1)` = 3 ("loner" form: __GFP_DMA is only valid alone),
 * so node_zonelists[] has 3 entries and index 3 reads past the array (undefined behaviour, no
 * zonelist). Had it been built, the DMA test would win. The simulator refuses such a mask.
 */
export function gfpZone2611(mask: number): ZoneName2611 {
  checkMask(mask);
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
        `gfp mask 0x${mask.toString(16)} sets both __GFP_DMA and __GFP_HIGHMEM: 2.6.11 builds no zonelist for index 3 (GFP_ZONETYPES = 3)`,
      );
  }
}

/** A 2.6.11 gfp mask from a number or from names joined by "|" ("GFP_KERNEL|__GFP_NOWARN",
 *  "GFP_ATOMIC", "0x20"); names are those of GFP_2611. Throws OomlabError naming the bad part. */
export function parseGfp2611(v: unknown): number {
  if (typeof v === "number") {
    if (!Number.isInteger(v) || v < 0 || v >= 1 << GFP_BITS_SHIFT_2611) throw new OomlabError("OOMLAB_BAD_ARGUMENT", `gfp ${v} is not a 2.6.11 mask (0 .. 0xffff)`);
    return v;
  }
  if (typeof v !== "string" || !v.trim()) throw new OomlabError("OOMLAB_BAD_ARGUMENT", `gfp must be a number or names like "GFP_KERNEL|__GFP_NOWARN", got ${JSON.stringify(v)}`);
  let mask = 0;
  for (const part of v.split("|").map((x) => x.trim())) {
    if (/^0x[0-9a-f]+$/i.test(part)) mask |= parseInt(part, 16);
    else if (part in GFP_2611) mask |= GFP_2611[part as keyof typeof GFP_2611];
    else throw new OomlabError("OOMLAB_BAD_ARGUMENT", `gfp: ${JSON.stringify(part)} is not a 2.6.11 flag (${Object.keys(GFP_2611).join(", ")})`);
  }
  return parseGfp2611(mask >>> 0);
}

